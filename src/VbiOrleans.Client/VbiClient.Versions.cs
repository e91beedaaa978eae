using System.Reflection;
using VbiOrleans.Protocol.Registration;
using VbiOrleans.Protocol.Versions;

namespace VbiOrleans.Client;

public sealed partial class VbiClient
{
    private static readonly ClientVersion OwnVersion = ClientVersion.Parse(
        typeof(VbiClient).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0.0.0");

    /// <summary>This SDK's version (MAJOR.MINOR.PATCH[-prerelease]), sent on every request in the <c>Vbi-Client</c> header.</summary>
    public static string Version => OwnVersion.ToString();

    /// <summary>
    /// The server's signed client versions, trusted only once the signature verifies under the pinned module identity
    /// key (<paramref name="pinnedModuleKey"/>, else <see cref="VbiClientOptions.ModuleIdentityKey"/>). A document that
    /// does not verify, or does not parse, is refused with <see cref="VbiErrorCodes.ResponseNotAuthentic"/>.
    /// </summary>
    public Task<ClientVersions> GetClientVersionsAsync(byte[]? pinnedModuleKey = null, CancellationToken cancellationToken = default)
    {
        var pinned = pinnedModuleKey ?? Options.ModuleIdentityKey
            ?? throw new ArgumentException("the module identity key to pin is required (VbiClientOptions.ModuleIdentityKey)", nameof(pinnedModuleKey));
        var moduleKey = ModulePublicKey.FromSubjectPublicKeyInfo(pinned);
        return SendAsync(HttpMethod.Get, "v1/client/versions", null, Credentials.None, null, async (response, token) =>
        {
            var document = await ReadSuccessAsync<ClientVersionsDocument>(response, token);
            var statement = ClientVersionsStatement.FromWire(document.Latest, document.Minimum, document.PublishedAt);
            if (statement is null) throw NotAuthentic("the client versions document is malformed");
            byte[] signature;
            try
            {
                signature = Convert.FromBase64String(document.Signature ?? "");
            }
            catch (FormatException)
            {
                throw NotAuthentic("the client versions signature is not base64");
            }
            if (!statement.VerifiedBy(moduleKey, signature)) throw NotAuthentic("the client versions document does not verify under the pinned module key");
            var current = ClientVersionFor(Options);
            return new ClientVersions(statement.Latest.ToString(), statement.Minimum.ToString(), statement.PublishedAt, current.ToString(),
                UpdateAvailable: current < statement.Latest, UpgradeRequired: current < statement.Minimum);
        }, cancellationToken);
    }

    private static ClientVersion ClientVersionFor(VbiClientOptions options) =>
        options.ProductVersion is { } v && ClientVersion.TryParse(v, out var parsed) ? parsed : OwnVersion;

    /// <summary>The <c>Vbi-Client</c> header value: product and version, from the options or this SDK.</summary>
    private static string ClientHeaderFor(VbiClientOptions options)
    {
        var product = string.IsNullOrWhiteSpace(options.Product) ? ClientHeader.SdkProduct : options.Product;
        var header = ClientHeader.Format(product, ClientVersionFor(options));
        return ClientHeader.TryParse(header, out _, out _) ? header
            : throw new ArgumentException($"'{header}' is not a valid {ClientHeader.Name} value (PRODUCT/MAJOR.MINOR.PATCH)", nameof(options));
    }

    private sealed record ClientVersionsDocument(string? Latest, string? Minimum, string? PublishedAt, string? Signature);
}

/// <summary>
/// The client versions the server publishes, verified under the pinned module key: the newest (<see cref="Latest"/>)
/// and the oldest still served (<see cref="Minimum"/>), and where this client (<see cref="Current"/>) stands.
/// </summary>
public sealed record ClientVersions(string Latest, string Minimum, DateTimeOffset PublishedAt, string Current, bool UpdateAvailable, bool UpgradeRequired);
