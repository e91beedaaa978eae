using Microsoft.Extensions.Logging;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Partners;
using VbiOrleans.Grains.Modules;
using VbiOrleans.Hsm;

namespace VbiOrleans.Grains.Partners;

[GenerateSerializer]
public sealed class PartnerState
{
    [Id(0)] public string? Name { get; set; }
    /// <summary>The request-signing secret, wrapped by the partner-secrets key in the HSM.</summary>
    [Id(1)] public byte[]? WrappedSecret { get; set; }
    [Id(2)] public byte[]? WrappedWebhookSecret { get; set; }
    [Id(3)] public string? WebhookUrl { get; set; }
    [Id(4)] public DateTimeOffset CreatedAt { get; set; }
    [Id(5)] public string? CreatedBy { get; set; }
    [Id(6)] public List<string> Customers { get; set; } = [];
}

/// <summary>
/// A partner integration (see <see cref="IPartnerGrain"/>). Its secrets are kept wrapped by an HSM key of their own
/// (<see cref="SecretsKeyLabel"/>, made on first use) and unwrapped once per activation.
/// </summary>
public sealed class PartnerGrain(
    [PersistentState(stateName: "partner", storageName: StorageNames.Commerce)] IPersistentState<PartnerState> partner,
    ModuleCrypto crypto,
    WebhookDestinationPolicy destinations,
    TimeProvider clock,
    ILogger<PartnerGrain> logger) : Grain, IPartnerGrain
{
    public const string SecretsKeyLabel = "vbi-partner-secrets";

    private byte[]? _secret;
    private byte[]? _webhookSecret;

    private string PartnerId => this.GetPrimaryKeyString()["partner/".Length..];

    public async Task<PartnerResult> Create(string name, byte[] secret, byte[] webhookSecret, string? webhookUrl, string createdBy)
    {
        if (partner.State.Name is not null) return PartnerResult.Fail(ErrorCode.PartnerAlreadyExists, $"partner {PartnerId} exists");
        if (webhookUrl is not null && destinations.CheckUrl(webhookUrl) is { } refused) return PartnerResult.Fail(ErrorCode.WebhookDestinationRefused, refused);
        var key = await SecretsKeyAsync();
        partner.State.Name = name;
        partner.State.WrappedSecret = await crypto.Hsm.WrapAsync(key, secret);
        partner.State.WrappedWebhookSecret = await crypto.Hsm.WrapAsync(key, webhookSecret);
        partner.State.WebhookUrl = webhookUrl;
        partner.State.CreatedAt = clock.GetUtcNow();
        partner.State.CreatedBy = createdBy;
        await partner.WriteStateAsync();
        _secret = secret;
        _webhookSecret = webhookSecret;
        logger.LogInformation("Partner {PartnerId} created by operator {Operator}", PartnerId, createdBy);
        return new PartnerResult(ErrorCode.None, null, View());
    }

    public Task<PartnerView?> Get() => Task.FromResult(partner.State.Name is null ? null : View());

    public async Task<byte[]?> Secret()
    {
        if (partner.State.WrappedSecret is null) return null;
        return _secret ??= await crypto.Hsm.UnwrapAsync(await SecretsKeyAsync(), partner.State.WrappedSecret);
    }

    public async Task<WebhookTarget?> WebhookTarget()
    {
        if (partner.State.WebhookUrl is not { } url || partner.State.WrappedWebhookSecret is null) return null;
        _webhookSecret ??= await crypto.Hsm.UnwrapAsync(await SecretsKeyAsync(), partner.State.WrappedWebhookSecret);
        return new WebhookTarget(url, _webhookSecret);
    }

    public async Task<PartnerResult> SetWebhook(string? url)
    {
        if (partner.State.Name is null) return PartnerResult.Fail(ErrorCode.PartnerNotFound, $"partner {PartnerId} does not exist");
        if (url is not null && destinations.CheckUrl(url) is { } refused) return PartnerResult.Fail(ErrorCode.WebhookDestinationRefused, refused);
        partner.State.WebhookUrl = url;
        await partner.WriteStateAsync();
        return new PartnerResult(ErrorCode.None, null, View());
    }

    public async Task LinkCustomer(string customerId)
    {
        if (partner.State.Name is null || partner.State.Customers.Contains(customerId)) return;
        partner.State.Customers.Add(customerId);
        await partner.WriteStateAsync();
    }

    public async Task UnlinkCustomer(string customerId)
    {
        if (partner.State.Customers.Remove(customerId)) await partner.WriteStateAsync();
    }

    private PartnerView View() => new(PartnerId, partner.State.Name!, partner.State.WebhookUrl, partner.State.CreatedAt, partner.State.CreatedBy ?? "",
        partner.State.Customers.Count);

    private Task<HsmKey> SecretsKeyAsync() => crypto.Hsm.FindOrCreateAsync(SecretsKeyLabel, HsmKeyKind.Aes256Wrapping);
}

[GenerateSerializer]
public sealed class PartnerNonceState
{
    [Id(0)] public Dictionary<string, DateTimeOffset> Nonces { get; set; } = [];
}

/// <summary>A partner's accepted nonces until they leave the replay window (see <see cref="IPartnerNonceGrain"/>).</summary>
public sealed class PartnerNonceGrain(
    [PersistentState(stateName: "partnerNonces", storageName: StorageNames.Commerce)] IPersistentState<PartnerNonceState> nonces) : Grain, IPartnerNonceGrain
{
    public async Task<bool> TryAdd(string nonce, DateTimeOffset now, DateTimeOffset expiresAt)
    {
        var seen = nonces.State.Nonces;
        foreach (var expired in seen.Where(n => n.Value < now).Select(n => n.Key).ToList()) seen.Remove(expired);
        if (seen.ContainsKey(nonce)) return false;
        seen[nonce] = expiresAt;
        await nonces.WriteStateAsync();
        return true;
    }
}
