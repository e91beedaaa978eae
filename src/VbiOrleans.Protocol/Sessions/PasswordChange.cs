using System.Security.Cryptography;
using System.Text.Json.Serialization;
using VbiOrleans.Protocol.Passwords;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Sessions;

/// <summary>
/// Client to module: replaces the meter's password. Both passwords travel sealed under a key derived from the HMK, as
/// in a login, so only the module reads them; the current password proves the caller knows it, and the new one is
/// checked against the passphrase repetition list (the last N passwords) before it is accepted.
/// <code>0x09 | version | meterId (text) | clientChallenge (32) | sealedPasswords (1028) | tag (16)</code>
/// key (32) || nonce (12) = HKDF-SHA256(IKM = HMK, salt = clientChallenge, info = tag("VBI-PASSWORD-KEY-V1") | meterId);
/// AES-256-GCM over padded current password | padded new password, associated data
/// tag("VBI-PASSWORD-V1") | version | meterId | clientChallenge.
/// </summary>
public sealed class PasswordChangeRequest
{
    public const int SealedSize = 2 * PasswordText.PaddedSize;
    public const int TagSize = 16;

    private readonly byte[] _clientChallenge;
    private readonly byte[] _sealed;
    private readonly byte[] _tag;

    public PasswordChangeRequest(string meterId, ReadOnlySpan<byte> clientChallenge, ReadOnlySpan<byte> sealedPasswords, ReadOnlySpan<byte> tag)
    {
        MeterId = Fields.MeterId(meterId);
        _clientChallenge = Fields.Exact(clientChallenge, ProtocolConstants.ChallengeSize, "clientChallenge");
        _sealed = Fields.Exact(sealedPasswords, SealedSize, "sealedPasswords");
        _tag = Fields.Exact(tag, TagSize, "tag");
    }

    public string MeterId { get; }
    public ReadOnlyMemory<byte> ClientChallenge => _clientChallenge;
    public ReadOnlyMemory<byte> SealedPasswords => _sealed;
    public ReadOnlyMemory<byte> Tag => _tag;

    public byte[] Encode() =>
        new WireWriter(1100).Header(MessageType.PasswordChangeRequest).Text(MeterId)
            .Fixed(_clientChallenge, ProtocolConstants.ChallengeSize)
            .Fixed(_sealed, SealedSize)
            .Fixed(_tag, TagSize).ToArray();

    public static Decoded<PasswordChangeRequest> Decode(ReadOnlySpan<byte> bytes)
    {
        var data = bytes.ToArray();
        return WireFormatException.Catch(() =>
        {
            var r = new WireReader(data);
            r.Header(MessageType.PasswordChangeRequest);
            var request = new PasswordChangeRequest(r.Text("meterId"), r.Fixed(ProtocolConstants.ChallengeSize, "clientChallenge"),
                r.Fixed(SealedSize, "sealedPasswords"), r.Fixed(TagSize, "tag"));
            r.End();
            return request;
        });
    }

    public PasswordChangeRequestJson ToJson() =>
        new(ProtocolConstants.Version, MeterId, JsonFields.Base64(_clientChallenge), JsonFields.Base64(_sealed), JsonFields.Base64(_tag));

    public static Decoded<PasswordChangeRequest> FromJson(PasswordChangeRequestJson? json) => WireFormatException.Catch(() =>
    {
        JsonFields.Required(json, "body");
        JsonFields.Version(json!.Version);
        return new PasswordChangeRequest(JsonFields.Required(json.MeterId, "meterId"),
            JsonFields.Bytes(json.ClientChallenge, "clientChallenge", ProtocolConstants.ChallengeSize),
            JsonFields.Bytes(json.SealedPasswords, "sealedPasswords", SealedSize),
            JsonFields.Bytes(json.Tag, "tag", TagSize));
    });
}

/// <summary>The JSON form of <see cref="PasswordChangeRequest"/>; bytes are standard base64.</summary>
public sealed record PasswordChangeRequestJson(
    [property: JsonPropertyName("version")] int Version,
    [property: JsonPropertyName("meterId")] string? MeterId,
    [property: JsonPropertyName("clientChallenge")] string? ClientChallenge,
    [property: JsonPropertyName("sealedPasswords")] string? SealedPasswords,
    [property: JsonPropertyName("tag")] string? Tag);

/// <summary>The module's verdict on a password change. Stable names; new ones are added at the end.</summary>
public enum PasswordChangeVerdict
{
    Ok = 0,
    /// <summary>The sealed passwords do not open under this meter's HMK.</summary>
    BadMac = 1,
    /// <summary>The current password does not match the verifier.</summary>
    WrongPassword = 2,
    /// <summary>The stored verifier or repetition list is not one this code wrote (a storage fault).</summary>
    MalformedVerifier = 3,
    /// <summary>The new password breaks the policy or is one of the last N (see <see cref="PasswordChangeResult.Violation"/>).</summary>
    Rejected = 4,
}

/// <summary>The result of <see cref="PasswordChange.Accept"/>: the new verifier and repetition list, or the verdict.</summary>
public sealed record PasswordChangeResult(PasswordChangeVerdict Verdict, PasswordPolicyViolation Violation, byte[]? Verifier,
    IReadOnlyList<byte[]>? RepetitionList);

/// <summary>Both halves of a password change.</summary>
public static class PasswordChange
{
    /// <summary>The client's request: a fresh challenge and both passwords sealed under the HMK. The new password is checked against the policy first.</summary>
    public static PasswordChangeRequest CreateRequest(string meterId, ReadOnlySpan<byte> hmk, string currentPassword, string newPassword,
        RandomNumberGenerator? rng = null)
    {
        ArgumentNullException.ThrowIfNull(currentPassword);
        var violation = PasswordPolicy.Check(newPassword);
        if (violation != PasswordPolicyViolation.None) throw new ArgumentException($"the new password is refused: {violation}", nameof(newPassword));
        Fields.MeterId(meterId);
        var clientChallenge = Fields.Random(ProtocolConstants.ChallengeSize, rng);
        var (key, nonce) = Derive(hmk, clientChallenge, meterId);
        var plain = new byte[SealedSize];
        var current = PasswordText.Padded(currentPassword);
        var next = PasswordText.Padded(newPassword);
        current.CopyTo(plain, 0);
        next.CopyTo(plain, PasswordText.PaddedSize);
        CryptographicOperations.ZeroMemory(current);
        CryptographicOperations.ZeroMemory(next);
        var sealedPasswords = new byte[SealedSize];
        var tag = new byte[PasswordChangeRequest.TagSize];
        using (var aes = new AesGcm(key, PasswordChangeRequest.TagSize))
        {
            aes.Encrypt(nonce, plain, sealedPasswords, tag, AssociatedData(meterId, clientChallenge));
        }
        CryptographicOperations.ZeroMemory(plain);
        CryptographicOperations.ZeroMemory(key);
        return new PasswordChangeRequest(meterId, clientChallenge, sealedPasswords, tag);
    }

    /// <summary>
    /// The module's half: opens the passwords with the meter's HMK, checks the current one against the verifier, the new
    /// one against the policy and the passphrase repetition list (<paramref name="repetitionList"/>, newest first), and
    /// returns the new verifier and the list with the new password pushed on (the oldest beyond the depth dropped).
    /// </summary>
    public static PasswordChangeResult Accept(PasswordChangeRequest request, ReadOnlySpan<byte> hmk, ReadOnlySpan<byte> verifier,
        IReadOnlyList<byte[]> repetitionList, PasswordOptions? options = null, RandomNumberGenerator? rng = null)
    {
        ArgumentNullException.ThrowIfNull(request);
        ArgumentNullException.ThrowIfNull(repetitionList);
        options ??= PasswordOptions.Default;
        var (key, nonce) = Derive(hmk, request.ClientChallenge.Span, request.MeterId);
        var plain = new byte[SealedSize];
        try
        {
            using (var aes = new AesGcm(key, PasswordChangeRequest.TagSize))
            {
                aes.Decrypt(nonce, request.SealedPasswords.Span, request.Tag.Span, plain, AssociatedData(request.MeterId, request.ClientChallenge.Span));
            }
        }
        catch (AuthenticationTagMismatchException)
        {
            return new(PasswordChangeVerdict.BadMac, PasswordPolicyViolation.None, null, null);
        }
        finally
        {
            CryptographicOperations.ZeroMemory(key);
        }

        var current = PasswordText.FromPadded(plain.AsSpan(0, PasswordText.PaddedSize));
        var next = PasswordText.FromPadded(plain.AsSpan(PasswordText.PaddedSize));
        CryptographicOperations.ZeroMemory(plain);
        if (current is null || next is null) return new(PasswordChangeVerdict.BadMac, PasswordPolicyViolation.None, null, null);
        switch (PasswordVerifier.Verify(current, verifier))
        {
            case PasswordCheck.MalformedVerifier: return new(PasswordChangeVerdict.MalformedVerifier, PasswordPolicyViolation.None, null, null);
            case PasswordCheck.Mismatch: return new(PasswordChangeVerdict.WrongPassword, PasswordPolicyViolation.None, null, null);
        }

        PassphraseHistory history;
        try
        {
            history = PassphraseHistory.FromEntries(repetitionList, options.HistoryDepth);
        }
        catch (ArgumentException)
        {
            return new(PasswordChangeVerdict.MalformedVerifier, PasswordPolicyViolation.None, null, null);
        }
        var violation = PasswordPolicy.Check(next, history);
        if (violation != PasswordPolicyViolation.None) return new(PasswordChangeVerdict.Rejected, violation, null, null);
        var newVerifier = PasswordVerifier.Create(next, options.Iterations, rng);
        // The new verifier is also the newest entry of the list: one PBKDF2 per change, and the list still holds no password.
        IReadOnlyList<byte[]> list = [newVerifier.ToArray(), .. history.ToEntries().Take(options.HistoryDepth - 1)];
        return new(PasswordChangeVerdict.Ok, PasswordPolicyViolation.None, newVerifier, list);
    }

    private const int SealedSize = PasswordChangeRequest.SealedSize;

    private static (byte[] Key, byte[] Nonce) Derive(ReadOnlySpan<byte> hmk, ReadOnlySpan<byte> clientChallenge, string meterId)
    {
        if (hmk.Length != ProtocolConstants.HmkSize) throw new ArgumentException($"an HMK is {ProtocolConstants.HmkSize} bytes", nameof(hmk));
        var info = new WireWriter(64).Tag(ProtocolConstants.PasswordChangeKeyTag).Text(meterId).ToArray();
        var okm = HKDF.DeriveKey(HashAlgorithmName.SHA256, hmk.ToArray(), 44, clientChallenge.ToArray(), info);
        var result = (okm[..32], okm[32..]);
        CryptographicOperations.ZeroMemory(okm);
        return result;
    }

    private static byte[] AssociatedData(string meterId, ReadOnlySpan<byte> clientChallenge) =>
        new WireWriter(96).Tag(ProtocolConstants.PasswordChangeTag).Byte(ProtocolConstants.Version).Text(meterId)
            .Fixed(clientChallenge, ProtocolConstants.ChallengeSize).ToArray();
}
