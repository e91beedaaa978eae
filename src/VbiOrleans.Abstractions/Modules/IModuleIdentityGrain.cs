namespace VbiOrleans.Abstractions.Modules;

/// <summary>
/// The module identity key's public half (key 0): what signs registration answers and log checkpoints, and what
/// clients pin. Any silo answers it from its HSM, so the API reaches the HSM only through grains.
/// </summary>
public interface IModuleIdentityGrain : IGrainWithIntegerKey
{
    /// <summary>The public key as SubjectPublicKeyInfo (DER), made first if the HSM has none yet.</summary>
    Task<byte[]> PublicKey();

    /// <summary>
    /// The identity key's signature (raw r||s) over the client versions statement built here from these fields
    /// (Protocol's ClientVersionsStatement): the grain signs only that message, never bytes a caller chose.
    /// </summary>
    Task<byte[]> SignClientVersions(string latest, string minimum, DateTimeOffset publishedAt);
}
