using System.Text;

namespace VbiOrleans.Hsm.Pkcs11;

/// <summary>
/// Where the PKCS#11 token is and how to log in to it. The token is found by its label, never by slot id: SoftHSM2
/// (and other modules) hand out a new slot id whenever a token is initialised.
/// </summary>
/// <param name="ModulePath">The PKCS#11 module (shared library), e.g. /usr/lib/softhsm/libsofthsm2.so.</param>
/// <param name="TokenLabel">The label the token was initialised with, e.g. vbi-local.</param>
/// <param name="UserPin">The user (CKU_USER) PIN. The caller reads it from its secret store or PIN file; it is never
/// logged, and <see cref="ToString"/> leaves it out.</param>
public sealed record Pkcs11HsmOptions(string ModulePath, string TokenLabel, string UserPin)
{
    /// <summary>
    /// The most sessions open at once; this bounds how many operations run in parallel. Each session serves one
    /// operation at a time.
    /// </summary>
    public int MaxSessions { get; init; } = 8;

    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append($"ModulePath = {ModulePath}, TokenLabel = {TokenLabel}, UserPin = (hidden), MaxSessions = {MaxSessions}");
        return true;
    }
}
