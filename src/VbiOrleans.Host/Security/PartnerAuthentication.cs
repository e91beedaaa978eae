using System.Security.Claims;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Abstractions.Partners;
using VbiOrleans.Host.Api;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Protocol.Partners;

namespace VbiOrleans.Host.Security;

/// <summary>
/// <c>Authorization: VBI-HMAC-SHA256 Credential=…, Timestamp=…, Nonce=…, Signature=…</c> (docs/client-protocol.md §6):
/// the signature over method, raw path and query, timestamp, nonce and the body's SHA-256, within ±300 s, each nonce
/// once (a shared nonce cache: one grain per partner). With <c>Vbi-On-Behalf-Of: u-…</c> the partner acts for that
/// customer, who must have linked it.
/// </summary>
public sealed class PartnerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IGrainFactory grains,
    IOptions<ApiOptions> api,
    TimeProvider clock) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Partner";
    public const string HeaderScheme = PartnerRequestSignature.Scheme;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith(HeaderScheme + " ", StringComparison.Ordinal)) return AuthenticateResult.NoResult();

        var body = await ApiBody.BufferAsync(Context, api.Value.MaxJsonBodyBytes);
        if (body is null) return ApiAuthentication.Fail(Context, ErrorCode.RequestTooLarge, $"the body is larger than {api.Value.MaxJsonBodyBytes} bytes");
        var target = Context.Features.Get<IHttpRequestFeature>()?.RawTarget ?? (Request.Path + Request.QueryString).ToString();
        var verification = await PartnerRequestSignature.VerifyAsync(header, Request.Method, target, body, clock.GetUtcNow(),
            async (id, _) => await SiloLossRetry.ReadAsync(Context, () => grains.GetGrain<IPartnerGrain>(IPartnerGrain.Key(id)).Secret()),
            new GrainNonceCache(grains));
        if (!verification.IsSuccess)
        {
            Logger.LogWarning("Partner request refused: {Verdict} for {PartnerId} from {RemoteIp}", verification.Verdict, verification.PartnerId,
                Context.Connection.RemoteIpAddress);
            return verification.Verdict switch
            {
                PartnerVerdict.StaleTimestamp => ApiAuthentication.Fail(Context, ErrorCode.RequestTimestampStale,
                    "the request's timestamp is outside the replay window (±300 s); check the clock"),
                PartnerVerdict.ReplayedNonce => ApiAuthentication.Fail(Context, ErrorCode.RequestReplayed,
                    "this nonce was already used within the replay window: a replayed request is refused"),
                _ => ApiAuthentication.Fail(Context, ErrorCode.PartnerSignatureInvalid,
                    $"the partner signature does not verify ({verification.Verdict}); see the canonical string in docs/client-protocol.md §6"),
            };
        }

        var partnerId = verification.PartnerId!;
        var onBehalfOf = Request.Headers[ApiAuthentication.OnBehalfOfHeader].ToString();
        if (string.IsNullOrEmpty(onBehalfOf))
        {
            var identity = new ClaimsIdentity([new Claim(ClaimTypes.NameIdentifier, partnerId), new Claim(ApiAuthentication.PartnerClaim, partnerId)], SchemeName);
            return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(identity), SchemeName));
        }
        // Reads are tried again while a grain's silo is being declared dead; the nonce (a write, durable) is not: a
        // nonce recorded before its silo died would refuse the retry as a replay, so that request fails and the
        // partner sends it again under a new nonce.
        var customer = CustomerIds.IsValid(onBehalfOf) ? await SiloLossRetry.ReadAsync(Context, () => grains.GetGrain<ICustomerGrain>(onBehalfOf).Get()) : null;
        if (customer is null || !customer.PartnerIds.Contains(partnerId))
            return ApiAuthentication.Fail(Context, ErrorCode.PartnerNotLinked, $"customer {onBehalfOf} has not linked partner {partnerId}");
        return AuthenticateResult.Success(new AuthenticationTicket(CustomerAuthenticationHandler.Principal(customer, SchemeName, partnerId), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => ApiAuthentication.ChallengeAsync(Context, forbidden: false);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => ApiAuthentication.ChallengeAsync(Context, forbidden: true);
}

/// <summary>The cluster-wide nonce cache: one grain per partner holds its nonces until they leave the window.</summary>
public sealed class GrainNonceCache(IGrainFactory grains) : INonceCache
{
    public async ValueTask<bool> TryAddAsync(string partnerId, string nonce, DateTimeOffset now, DateTimeOffset expiresAt,
        CancellationToken cancellationToken = default) =>
        await grains.GetGrain<IPartnerNonceGrain>(IPartnerGrain.Key(partnerId)).TryAdd(nonce, now, expiresAt);
}
