using System.Diagnostics.CodeAnalysis;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Protocol.Partners;

/// <summary>The verdict on a partner request's signature. Stable names; new ones are added at the end.</summary>
public enum PartnerVerdict
{
    Ok = 0,
    /// <summary>No Authorization header, another scheme, or a parameter missing, repeated or malformed.</summary>
    Malformed = 1,
    /// <summary>The credential names no known partner (the caller's lookup returned nothing).</summary>
    UnknownPartner = 2,
    /// <summary>The signature does not verify: wrong secret, or the method, path, query, timestamp, nonce or body changed.</summary>
    BadSignature = 3,
    /// <summary>The timestamp is outside the replay window around the server's time.</summary>
    StaleTimestamp = 4,
    /// <summary>A valid signature whose nonce was already accepted within the window: a replay.</summary>
    ReplayedNonce = 5,
}

/// <summary>The parameters of a <c>VBI-HMAC-SHA256</c> Authorization header.</summary>
public sealed record PartnerAuthorization(string PartnerId, long Timestamp, string Nonce, string Signature);

/// <summary>The verdict and, when the header parsed, the partner it named.</summary>
public sealed record PartnerVerification(PartnerVerdict Verdict, string? PartnerId)
{
    public bool IsSuccess => Verdict == PartnerVerdict.Ok;
}

/// <summary>
/// HTTP request signing for partner integrations. A partner holds an id and a secret; every request carries
/// <code>Authorization: VBI-HMAC-SHA256 Credential=&lt;partnerId&gt;, Timestamp=&lt;unix seconds&gt;, Nonce=&lt;nonce&gt;, Signature=&lt;base64&gt;</code>
/// where Signature = base64(HMAC-SHA256(secret, canonical string)) and the canonical string is these lines joined by
/// "\n" (no final newline):
/// <code>
/// VBI-HMAC-SHA256
/// &lt;partnerId&gt;
/// &lt;METHOD&gt;
/// &lt;canonical path and query&gt;
/// &lt;timestamp&gt;
/// &lt;nonce&gt;
/// &lt;lower-case hex SHA-256 of the body bytes&gt;
/// </code>
/// See <see cref="CanonicalPathAndQuery"/> for the path. The server verifies with a replay window (±300 s by default)
/// and refuses a nonce it has already accepted within the window.
/// </summary>
public static class PartnerRequestSignature
{
    public const string Scheme = ProtocolConstants.PartnerScheme;
    public const int MaxPartnerIdLength = 64;
    public const int MinNonceLength = 16;
    public const int MaxNonceLength = 64;
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromSeconds(300);

    /// <summary>A new nonce: 16 random bytes, base64url without padding (22 characters).</summary>
    public static string NewNonce(RandomNumberGenerator? rng = null) => Base64Url(Fields.Random(16, rng));

    /// <summary>The value of the Authorization header for a request (without "Authorization: ").</summary>
    public static string CreateAuthorization(string partnerId, ReadOnlySpan<byte> secret, string method, string pathAndQuery,
        ReadOnlySpan<byte> body, long timestamp, string nonce)
    {
        if (secret.IsEmpty) throw new ArgumentException("a secret is required", nameof(secret));
        var signature = Compute(secret, CanonicalString(partnerId, method, pathAndQuery, timestamp, nonce, body));
        return $"{Scheme} Credential={partnerId}, Timestamp={timestamp.ToString(CultureInfo.InvariantCulture)}, Nonce={nonce}, Signature={Convert.ToBase64String(signature)}";
    }

    /// <summary>The string that is signed. Public so partners writing their own client can compare theirs with ours.</summary>
    public static string CanonicalString(string partnerId, string method, string pathAndQuery, long timestamp, string nonce, ReadOnlySpan<byte> body)
    {
        ArgumentNullException.ThrowIfNull(method);
        if (!IsPartnerId(partnerId)) throw new ArgumentException("a partner id is 1 to 64 of A-Z a-z 0-9 . _ -", nameof(partnerId));
        if (!IsNonce(nonce)) throw new ArgumentException("a nonce is 16 to 64 of A-Z a-z 0-9 _ -", nameof(nonce));
        if (timestamp < 0) throw new ArgumentOutOfRangeException(nameof(timestamp), "unix seconds are not negative");
        if (method.Length == 0 || !method.All(char.IsAsciiLetter)) throw new ArgumentException("an HTTP method is ASCII letters", nameof(method));
        return string.Join('\n',
            Scheme,
            partnerId,
            method.ToUpperInvariant(),
            CanonicalPathAndQuery(pathAndQuery),
            timestamp.ToString(CultureInfo.InvariantCulture),
            nonce,
            Convert.ToHexStringLower(SHA256.HashData(body)));
    }

    /// <summary>
    /// The path and query as signed, so that a client's URL library and the server's framework, which escape
    /// differently, agree: the path's segments are percent-decoded and re-encoded (unreserved characters A-Z a-z 0-9
    /// - . _ ~ literal, every other byte of the UTF-8 as upper-case %XX; "/" between segments kept); an empty path is
    /// "/". The query's parameters are split on "&amp;", each name and value decoded and re-encoded the same way ("+"
    /// is a literal plus, not a space), then sorted by name and value (ordinal) and joined with "&amp;"; "name" and
    /// "name=" are both "name=". No query, no "?". A fragment is not sent and not signed.
    /// </summary>
    public static string CanonicalPathAndQuery(string pathAndQuery)
    {
        ArgumentNullException.ThrowIfNull(pathAndQuery);
        var hash = pathAndQuery.IndexOf('#');
        if (hash >= 0) pathAndQuery = pathAndQuery[..hash];
        var q = pathAndQuery.IndexOf('?');
        var path = q >= 0 ? pathAndQuery[..q] : pathAndQuery;
        var query = q >= 0 ? pathAndQuery[(q + 1)..] : "";

        var canonicalPath = path.Length == 0 ? "/" : string.Join('/', path.Split('/').Select(s => Encode(Decode(s))));
        if (!canonicalPath.StartsWith('/')) canonicalPath = "/" + canonicalPath;
        if (query.Length == 0) return canonicalPath;

        var pairs = query.Split('&', StringSplitOptions.RemoveEmptyEntries)
            .Select(p =>
            {
                var eq = p.IndexOf('=');
                var name = eq >= 0 ? p[..eq] : p;
                var value = eq >= 0 ? p[(eq + 1)..] : "";
                return (Name: Encode(Decode(name)), Value: Encode(Decode(value)));
            })
            .OrderBy(p => p.Name, StringComparer.Ordinal).ThenBy(p => p.Value, StringComparer.Ordinal)
            .Select(p => p.Name + "=" + p.Value)
            .ToArray();
        return pairs.Length == 0 ? canonicalPath : canonicalPath + "?" + string.Join('&', pairs);
    }

    /// <summary>Reads a <c>VBI-HMAC-SHA256</c> Authorization header value. Parameter names are case-insensitive; each appears once.</summary>
    public static bool TryParse(string? authorization, [NotNullWhen(true)] out PartnerAuthorization? parsed)
    {
        parsed = null;
        if (authorization is null) return false;
        var text = authorization.Trim();
        if (!text.StartsWith(Scheme + " ", StringComparison.Ordinal)) return false;
        var values = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var part in text[(Scheme.Length + 1)..].Split(','))
        {
            var item = part.Trim();
            var eq = item.IndexOf('=');
            if (eq <= 0) return false;
            if (!values.TryAdd(item[..eq].Trim(), item[(eq + 1)..].Trim())) return false;
        }
        if (values.Count != 4
            || !values.TryGetValue("Credential", out var partnerId) || !IsPartnerId(partnerId)
            || !values.TryGetValue("Timestamp", out var ts) || ts.Length is 0 or > 12 || !ts.All(char.IsAsciiDigit)
            || !values.TryGetValue("Nonce", out var nonce) || !IsNonce(nonce)
            || !values.TryGetValue("Signature", out var signature) || !IsSignature(signature))
            return false;
        parsed = new PartnerAuthorization(partnerId, long.Parse(ts, NumberStyles.None, CultureInfo.InvariantCulture), nonce, signature);
        return true;
    }

    /// <summary>
    /// The pure part of verification: the timestamp within <paramref name="window"/> of <paramref name="now"/>, then
    /// the signature under <paramref name="secret"/> (constant time). The nonce is not checked here; see <see cref="VerifyAsync"/>.
    /// </summary>
    public static PartnerVerdict Check(PartnerAuthorization authorization, ReadOnlySpan<byte> secret, string method, string pathAndQuery,
        ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan? window = null)
    {
        ArgumentNullException.ThrowIfNull(authorization);
        var w = window ?? DefaultWindow;
        if (Math.Abs(now.ToUnixTimeSeconds() - authorization.Timestamp) > (long)w.TotalSeconds) return PartnerVerdict.StaleTimestamp;
        if (secret.IsEmpty) return PartnerVerdict.UnknownPartner;
        string canonical;
        try
        {
            canonical = CanonicalString(authorization.PartnerId, method, pathAndQuery, authorization.Timestamp, authorization.Nonce, body);
        }
        catch (ArgumentException)
        {
            return PartnerVerdict.Malformed;
        }
        var expected = Compute(secret, canonical);
        var given = Convert.FromBase64String(authorization.Signature);
        return CryptographicOperations.FixedTimeEquals(expected, given) ? PartnerVerdict.Ok : PartnerVerdict.BadSignature;
    }

    /// <summary>
    /// Everything a server does with a partner request's Authorization header: parse it, look up the partner's secret
    /// (<paramref name="secretLookup"/> returns null for an unknown partner), <see cref="Check"/> it, and only then record
    /// the nonce (so a forged request cannot use up a real partner's nonce), until the timestamp leaves the window.
    /// </summary>
    public static async ValueTask<PartnerVerification> VerifyAsync(string? authorization, string method, string pathAndQuery, ReadOnlyMemory<byte> body,
        DateTimeOffset now, Func<string, CancellationToken, ValueTask<byte[]?>> secretLookup, INonceCache nonces, TimeSpan? window = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(secretLookup);
        ArgumentNullException.ThrowIfNull(nonces);
        if (!TryParse(authorization, out var parsed)) return new(PartnerVerdict.Malformed, null);
        var secret = await secretLookup(parsed.PartnerId, cancellationToken).ConfigureAwait(false);
        if (secret is null || secret.Length == 0) return new(PartnerVerdict.UnknownPartner, parsed.PartnerId);
        var w = window ?? DefaultWindow;
        var verdict = Check(parsed, secret, method, pathAndQuery, body.Span, now, w);
        if (verdict != PartnerVerdict.Ok) return new(verdict, parsed.PartnerId);
        var expiresAt = DateTimeOffset.FromUnixTimeSeconds(parsed.Timestamp) + w;
        var fresh = await nonces.TryAddAsync(parsed.PartnerId, parsed.Nonce, now, expiresAt, cancellationToken).ConfigureAwait(false);
        return new(fresh ? PartnerVerdict.Ok : PartnerVerdict.ReplayedNonce, parsed.PartnerId);
    }

    private static byte[] Compute(ReadOnlySpan<byte> secret, string canonical) => HMACSHA256.HashData(secret, Encoding.UTF8.GetBytes(canonical));

    private static bool IsPartnerId(string? id) =>
        id is { Length: > 0 and <= MaxPartnerIdLength } && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-');

    private static bool IsNonce(string? nonce) =>
        nonce is { Length: >= MinNonceLength and <= MaxNonceLength } && nonce.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-');

    private static bool IsSignature(string signature)
    {
        if (signature.Length != 44) return false;
        try
        {
            return Convert.FromBase64String(signature).Length == 32;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    private static string Base64Url(byte[] bytes) => Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Percent-decoding to bytes, then UTF-8; a "%" not followed by two hex digits stays a literal "%".</summary>
    private static byte[] Decode(string text)
    {
        var bytes = new List<byte>(text.Length);
        var literalStart = 0;
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '%' || i + 2 >= text.Length || !char.IsAsciiHexDigit(text[i + 1]) || !char.IsAsciiHexDigit(text[i + 2])) continue;
            bytes.AddRange(Encoding.UTF8.GetBytes(text[literalStart..i]));
            bytes.Add(byte.Parse(text.AsSpan(i + 1, 2), NumberStyles.HexNumber, CultureInfo.InvariantCulture));
            i += 2;
            literalStart = i + 1;
        }
        bytes.AddRange(Encoding.UTF8.GetBytes(text[literalStart..]));
        return [.. bytes];
    }

    private static string Encode(byte[] bytes)
    {
        var sb = new StringBuilder(bytes.Length * 3);
        foreach (var b in bytes)
        {
            var c = (char)b;
            if (b < 0x80 && (char.IsAsciiLetterOrDigit(c) || c is '-' or '.' or '_' or '~')) sb.Append(c);
            else sb.Append('%').Append(b.ToString("X2", CultureInfo.InvariantCulture));
        }
        return sb.ToString();
    }
}
