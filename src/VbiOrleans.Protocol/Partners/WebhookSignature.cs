using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace VbiOrleans.Protocol.Partners;

/// <summary>The verdict on a webhook's signature header. Stable names; new ones are added at the end.</summary>
public enum WebhookVerdict
{
    Ok = 0,
    /// <summary>No header, or not of the form <c>t=&lt;unix&gt;,v1=&lt;hex&gt;[,v1=&lt;hex&gt;…]</c>.</summary>
    Malformed = 1,
    /// <summary>No v1 signature verifies under the secret: wrong secret, or the body or timestamp changed.</summary>
    BadSignature = 2,
    /// <summary>The timestamp is outside the tolerance around the receiver's time.</summary>
    StaleTimestamp = 3,
}

/// <summary>
/// Signatures on the webhooks the server sends to partners:
/// <code>Vbi-Signature: t=&lt;unix seconds&gt;,v1=&lt;lower-case hex HMAC-SHA256(secret, "&lt;t&gt;." + body)&gt;</code>
/// The signed bytes are the ASCII timestamp, a ".", then the body exactly as sent. During a secret rotation the
/// server sends one v1 per secret; a receiver accepts when any of them verifies. Receivers should also drop an event
/// id they have already handled: the tolerance bounds a replay, it does not forbid one.
/// </summary>
public static class WebhookSignature
{
    public const string HeaderName = "Vbi-Signature";
    public static readonly TimeSpan DefaultTolerance = TimeSpan.FromSeconds(300);

    /// <summary>The header value for <paramref name="body"/> signed at <paramref name="timestamp"/> with one or more secrets.</summary>
    public static string Create(long timestamp, ReadOnlySpan<byte> body, params ReadOnlySpan<byte[]> secrets)
    {
        if (timestamp < 0) throw new ArgumentOutOfRangeException(nameof(timestamp), "unix seconds are not negative");
        if (secrets.IsEmpty) throw new ArgumentException("at least one secret", nameof(secrets));
        var sb = new StringBuilder("t=").Append(timestamp.ToString(CultureInfo.InvariantCulture));
        foreach (var secret in secrets)
        {
            if (secret is null || secret.Length == 0) throw new ArgumentException("a secret is not empty", nameof(secrets));
            sb.Append(",v1=").Append(Convert.ToHexStringLower(Compute(secret, timestamp, body)));
        }
        return sb.ToString();
    }

    /// <summary>Checks a header value: its form, the timestamp within <paramref name="tolerance"/> (±300 s by default), then any v1 in constant time.</summary>
    public static WebhookVerdict Verify(string? header, ReadOnlySpan<byte> secret, ReadOnlySpan<byte> body, DateTimeOffset now, TimeSpan? tolerance = null)
    {
        if (header is null || secret.IsEmpty) return WebhookVerdict.Malformed;
        long? timestamp = null;
        var signatures = new List<byte[]>();
        foreach (var part in header.Split(','))
        {
            var item = part.Trim();
            var eq = item.IndexOf('=');
            if (eq <= 0) return WebhookVerdict.Malformed;
            var name = item[..eq];
            var value = item[(eq + 1)..];
            switch (name)
            {
                case "t":
                    if (timestamp is not null || value.Length is 0 or > 12 || !value.All(char.IsAsciiDigit)) return WebhookVerdict.Malformed;
                    timestamp = long.Parse(value, NumberStyles.None, CultureInfo.InvariantCulture);
                    break;
                case "v1":
                    if (value.Length != 64 || !value.All(char.IsAsciiHexDigit)) return WebhookVerdict.Malformed;
                    signatures.Add(Convert.FromHexString(value));
                    break;
                default:
                    break; // other schemes (v0, future versions) are ignored
            }
        }
        if (timestamp is not { } t || signatures.Count == 0) return WebhookVerdict.Malformed;
        if (Math.Abs(now.ToUnixTimeSeconds() - t) > (long)(tolerance ?? DefaultTolerance).TotalSeconds) return WebhookVerdict.StaleTimestamp;
        var expected = Compute(secret, t, body);
        var ok = false;
        foreach (var signature in signatures)
        {
            ok |= CryptographicOperations.FixedTimeEquals(expected, signature);
        }
        return ok ? WebhookVerdict.Ok : WebhookVerdict.BadSignature;
    }

    private static byte[] Compute(ReadOnlySpan<byte> secret, long timestamp, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.ASCII.GetBytes(timestamp.ToString(CultureInfo.InvariantCulture) + ".");
        var data = new byte[prefix.Length + body.Length];
        prefix.CopyTo(data, 0);
        body.CopyTo(data.AsSpan(prefix.Length));
        return HMACSHA256.HashData(secret, data);
    }
}
