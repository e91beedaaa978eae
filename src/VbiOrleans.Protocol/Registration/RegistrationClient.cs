using System.Security.Cryptography;
using VbiOrleans.Protocol.Passwords;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Registration;

/// <summary>The result of <see cref="RegistrationClient.Seal(RegistrationRequest, RegistrationResponse, ModulePublicKey, ReadOnlySpan{byte}, string)"/>: an envelope, or why not.</summary>
public sealed record RegistrationSealing(RegistrationError Error, PasswordPolicyViolation PasswordViolation, RegistrationEnvelope? Envelope)
{
    public bool IsSuccess => Error == RegistrationError.None;
}

/// <summary>
/// The client's half of the registration state (seed FIG. 6, first part of the authorization state):
/// <list type="number">
/// <item><see cref="CreateRequest"/>: a fresh challenge for the meter;</item>
/// <item><see cref="VerifyResponse"/>: the module signed this meter, this challenge and its ephemeral key with the
/// identity key the SDK pins;</item>
/// <item><see cref="Seal(RegistrationRequest, RegistrationResponse, ModulePublicKey, ReadOnlySpan{byte}, string)"/>: HMK and password encrypted to that ephemeral key (ECDH P-256, HKDF-SHA256, AES-256-GCM
/// with the transcript hash as associated data).</item>
/// </list>
/// The module's ephemeral key, not its identity key, is the ECDH peer: the identity key lives in an HSM that only
/// signs, and a per-registration key gives forward secrecy (a later leak of the identity key opens no envelope).
/// </summary>
public static class RegistrationClient
{
    public static RegistrationRequest CreateRequest(string meterId, RandomNumberGenerator? rng = null) =>
        new(meterId, Fields.Random(ProtocolConstants.ChallengeSize, rng));

    /// <summary>A new 256-bit HMK.</summary>
    public static byte[] NewHmk(RandomNumberGenerator? rng = null) => Fields.Random(ProtocolConstants.HmkSize, rng);

    /// <summary>Checks the module's response against the request and the pinned module key.</summary>
    public static RegistrationError VerifyResponse(RegistrationRequest request, RegistrationResponse response, ModulePublicKey pinnedModuleKey)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(response);
        ArgumentNullException.ThrowIfNull(pinnedModuleKey);
        if (!string.Equals(request.MeterId, response.MeterId, StringComparison.Ordinal)) return RegistrationError.MeterMismatch;
        if (!Fields.Equal(request.ClientChallenge.Span, response.ClientChallenge.Span)) return RegistrationError.ChallengeMismatch;
        var digest = RegistrationKeys.SignedDigest(response.MeterId, response.ClientChallenge.Span, response.ModuleEphemeralKey.Span);
        return pinnedModuleKey.VerifyDigest(digest, response.Signature.Span) ? RegistrationError.None : RegistrationError.BadSignature;
    }

    /// <summary>
    /// Verifies the response (as <see cref="VerifyResponse"/>), checks the password policy and the HMK, then seals both.
    /// Nothing is sealed to a key the pinned identity key did not sign.
    /// </summary>
    public static RegistrationSealing Seal(RegistrationRequest request, RegistrationResponse response, ModulePublicKey pinnedModuleKey,
        ReadOnlySpan<byte> hmk, string password)
    {
        using var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256);
        return Seal(request, response, pinnedModuleKey, hmk, password, ephemeral);
    }

    /// <summary>
    /// <see cref="Seal(RegistrationRequest, RegistrationResponse, ModulePublicKey, ReadOnlySpan{byte}, string)"/> with the
    /// client's ephemeral P-256 key given: for the test vectors the browser's module reproduces (a real envelope always
    /// takes a fresh key, so use the other overload).
    /// </summary>
    public static RegistrationSealing Seal(RegistrationRequest request, RegistrationResponse response, ModulePublicKey pinnedModuleKey,
        ReadOnlySpan<byte> hmk, string password, ECDiffieHellman clientEphemeral)
    {
        ArgumentNullException.ThrowIfNull(clientEphemeral);
        var verified = VerifyResponse(request, response, pinnedModuleKey);
        if (verified != RegistrationError.None) return new(verified, PasswordPolicyViolation.None, null);
        if (!IsUsableHmk(hmk)) return new(RegistrationError.InvalidHmk, PasswordPolicyViolation.None, null);
        var violation = PasswordPolicy.Check(password);
        if (violation != PasswordPolicyViolation.None) return new(RegistrationError.PasswordRejected, violation, null);

        var clientKey = EcPoints.Encode(clientEphemeral.ExportParameters(false).Q);
        var transcript = RegistrationKeys.Transcript(request.MeterId, request.ClientChallenge.Span, response.ModuleEphemeralKey.Span, clientKey);
        var (key, nonce) = RegistrationKeys.EnvelopeKey(clientEphemeral, response.ModuleEphemeralKey.Span, request.ClientChallenge.Span, request.MeterId, transcript);

        var plain = new byte[RegistrationEnvelope.PlaintextSize];
        plain[0] = ProtocolConstants.Version;
        hmk.CopyTo(plain.AsSpan(1));
        var padded = PasswordText.Padded(password);
        padded.CopyTo(plain, 1 + ProtocolConstants.HmkSize);
        CryptographicOperations.ZeroMemory(padded);

        var cipher = new byte[plain.Length];
        var tag = new byte[RegistrationEnvelope.TagSize];
        using (var aes = new AesGcm(key, RegistrationEnvelope.TagSize))
        {
            aes.Encrypt(nonce, plain, cipher, tag, transcript);
        }
        CryptographicOperations.ZeroMemory(plain);
        CryptographicOperations.ZeroMemory(key);
        return new(RegistrationError.None, PasswordPolicyViolation.None, new RegistrationEnvelope(request.MeterId, clientKey, cipher, tag));
    }

    internal static bool IsUsableHmk(ReadOnlySpan<byte> hmk) => hmk.Length == ProtocolConstants.HmkSize && hmk.ContainsAnyExcept((byte)0);
}
