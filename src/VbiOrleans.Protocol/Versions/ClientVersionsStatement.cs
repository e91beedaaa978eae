using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using VbiOrleans.Protocol.Registration;

namespace VbiOrleans.Protocol.Versions;

/// <summary>
/// The statement the module identity key signs for <c>GET /v1/client/versions</c>: the latest and the minimum client
/// versions and when this server published them. The signed message is UTF-8 text, one field a line:
/// <c>VBI-CLIENT-VERSIONS-V1\n{latest}\n{minimum}\n{publishedAt}\n</c>, publishedAt as
/// <c>yyyy-MM-ddTHH:mm:ssZ</c> (UTC, whole seconds); the signature is ECDSA P-256 over its SHA-256, raw r||s
/// (64 bytes, base64 on the wire), as the registration answers are. The tag keeps it from being read as any other
/// message the key signs.
/// </summary>
public sealed record ClientVersionsStatement(ClientVersion Latest, ClientVersion Minimum, DateTimeOffset PublishedAt)
{
    public const string Tag = "VBI-CLIENT-VERSIONS-V1";
    public const string TimeFormat = "yyyy-MM-dd'T'HH:mm:ss'Z'";

    public string PublishedAtText => PublishedAt.UtcDateTime.ToString(TimeFormat, CultureInfo.InvariantCulture);

    public byte[] Message() => Encoding.UTF8.GetBytes($"{Tag}\n{Latest}\n{Minimum}\n{PublishedAtText}\n");

    public byte[] Digest() => SHA256.HashData(Message());

    /// <summary>The statement as the wire carries it (strings), or null when a field does not parse.</summary>
    public static ClientVersionsStatement? FromWire(string? latest, string? minimum, string? publishedAt)
    {
        if (!ClientVersion.TryParse(latest, out var l) || !ClientVersion.TryParse(minimum, out var m)) return null;
        if (!DateTimeOffset.TryParseExact(publishedAt, TimeFormat, CultureInfo.InvariantCulture,
                DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var at)) return null;
        var statement = new ClientVersionsStatement(l, m, at);
        // Only the canonical spelling verifies: the signature covers the text the server wrote, not a re-spelling of it.
        return statement.Latest.ToString() == latest && statement.Minimum.ToString() == minimum ? statement : null;
    }

    /// <summary>Whether <paramref name="signature"/> (raw r||s) is the pinned module key's over this statement.</summary>
    public bool VerifiedBy(ModulePublicKey pinnedModuleKey, ReadOnlySpan<byte> signature)
    {
        ArgumentNullException.ThrowIfNull(pinnedModuleKey);
        return pinnedModuleKey.VerifyDigest(Digest(), signature);
    }
}
