using System.Security.Cryptography;
using VbiOrleans.Protocol.Passwords;

namespace VbiOrleans.Protocol.Registration;

/// <summary>What the module answers to a registration request, and what it must keep until the envelope arrives.</summary>
public sealed record RegistrationAnswer(RegistrationResponse Response, PendingRegistration Pending);

/// <summary>
/// What the module keeps after a registration: the HMK (to be encrypted in the PSD package by the server), the
/// password verifier, and the passphrase repetition list holding the first password. The password itself is gone.
/// </summary>
public sealed record RegisteredSecrets(string MeterId, byte[] Hmk, byte[] PasswordVerifier, PassphraseHistory History);

/// <summary>The result of <see cref="RegistrationModule.Open"/>.</summary>
public sealed record RegistrationOpening(RegistrationError Error, PasswordPolicyViolation PasswordViolation, RegisteredSecrets? Secrets)
{
    public bool IsSuccess => Error == RegistrationError.None;
}

/// <summary>The module's half of the registration state; see <see cref="RegistrationClient"/> for the sequence.</summary>
public static class RegistrationModule
{
    /// <summary>How long a pending registration waits for its envelope unless told otherwise.</summary>
    public static readonly TimeSpan DefaultLifetime = TimeSpan.FromMinutes(10);

    /// <summary>
    /// Makes an ephemeral P-256 key, has the identity key sign it together with the meter and the client's challenge,
    /// and checks that signature against <paramref name="identityKey"/> before releasing it (a faulty HSM or a wrong
    /// key label fails here, with <see cref="CryptographicException"/>, not later in every client).
    /// </summary>
    public static async Task<RegistrationAnswer> RespondAsync(RegistrationRequest request, IModuleIdentitySigner signer, ModulePublicKey identityKey,
        DateTimeOffset now, TimeSpan? lifetime = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(signer);
        ArgumentNullException.ThrowIfNull(identityKey);
        var ttl = lifetime ?? DefaultLifetime;
        if (ttl <= TimeSpan.Zero) throw new ArgumentOutOfRangeException(nameof(lifetime), "a lifetime is positive");

        byte[] point, scalar;
        using (var ephemeral = ECDiffieHellman.Create(ECCurve.NamedCurves.nistP256))
        {
            var p = ephemeral.ExportParameters(true);
            point = EcPoints.Encode(p.Q);
            scalar = p.D!;
        }
        var digest = RegistrationKeys.SignedDigest(request.MeterId, request.ClientChallenge.Span, point);
        var signature = await signer.SignDigestAsync(digest, cancellationToken).ConfigureAwait(false);
        if (signature is null || !identityKey.VerifyDigest(digest, signature))
            throw new CryptographicException("the module identity signer returned a signature that does not verify under the module identity key");

        var pending = new PendingRegistration(request.MeterId, request.ClientChallenge.Span, point, scalar, now + ttl);
        CryptographicOperations.ZeroMemory(scalar);
        return new RegistrationAnswer(new RegistrationResponse(request.MeterId, request.ClientChallenge.Span, point, signature), pending);
    }

    /// <summary>
    /// Opens the envelope with the pending registration's private key, checks the HMK and the password policy, and
    /// makes the password verifier and the first passphrase repetition list. Delete <paramref name="pending"/> after
    /// this call whatever it returns: an envelope gets one try.
    /// </summary>
    public static RegistrationOpening Open(PendingRegistration pending, RegistrationEnvelope envelope, DateTimeOffset now,
        PasswordOptions? options = null, RandomNumberGenerator? rng = null)
    {
        ArgumentNullException.ThrowIfNull(pending);
        ArgumentNullException.ThrowIfNull(envelope);
        options ??= PasswordOptions.Default;
        if (now > pending.ExpiresAt) return Fail(RegistrationError.Expired);
        if (!string.Equals(pending.MeterId, envelope.MeterId, StringComparison.Ordinal)) return Fail(RegistrationError.MeterMismatch);

        var transcript = RegistrationKeys.Transcript(pending.MeterId, pending.ClientChallenge.Span, pending.ModuleEphemeralKey.Span, envelope.ClientEphemeralKey.Span);
        byte[] key, nonce;
        using (var own = pending.PrivateKey())
        {
            (key, nonce) = RegistrationKeys.EnvelopeKey(own, envelope.ClientEphemeralKey.Span, pending.ClientChallenge.Span, pending.MeterId, transcript);
        }

        var plain = new byte[RegistrationEnvelope.PlaintextSize];
        try
        {
            using (var aes = new AesGcm(key, RegistrationEnvelope.TagSize))
            {
                aes.Decrypt(nonce, envelope.Ciphertext.Span, envelope.Tag.Span, plain, transcript);
            }
            if (plain[0] != ProtocolConstants.Version) return Fail(RegistrationError.EnvelopeUnreadable);
            var hmk = plain.AsSpan(1, ProtocolConstants.HmkSize);
            if (!RegistrationClient.IsUsableHmk(hmk)) return Fail(RegistrationError.InvalidHmk);
            var password = PasswordText.FromPadded(plain.AsSpan(1 + ProtocolConstants.HmkSize));
            if (password is null) return Fail(RegistrationError.EnvelopeUnreadable);
            var violation = PasswordPolicy.Check(password);
            if (violation != PasswordPolicyViolation.None) return new(RegistrationError.PasswordRejected, violation, null);

            var verifier = PasswordVerifier.Create(password, options.Iterations, rng);
            var history = PassphraseHistory.Empty(options.HistoryDepth).Push(password, options.Iterations, rng);
            return new(RegistrationError.None, PasswordPolicyViolation.None, new RegisteredSecrets(pending.MeterId, hmk.ToArray(), verifier, history));
        }
        catch (AuthenticationTagMismatchException)
        {
            return Fail(RegistrationError.EnvelopeUnreadable);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(plain);
            CryptographicOperations.ZeroMemory(key);
        }
    }

    private static RegistrationOpening Fail(RegistrationError error) => new(error, PasswordPolicyViolation.None, null);
}
