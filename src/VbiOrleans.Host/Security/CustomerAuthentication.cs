using System.Security.Claims;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using Microsoft.AspNetCore.Authentication;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Customers;

namespace VbiOrleans.Host.Security;

/// <summary>
/// Customer API tokens: <c>vbiu_{customerId}_{43 characters of base64url}</c> (256 random bits). The customer id in
/// the token says which account to ask; the account keeps only SHA-256 of its tokens and compares in constant time.
/// </summary>
public static class CustomerTokens
{
    public const string Prefix = "vbiu_";

    public static string New(string customerId) =>
        Prefix + customerId + "_" + Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    public static byte[] Hash(string token) => SHA256.HashData(Encoding.UTF8.GetBytes(token));

    /// <summary>The customer id a well-formed token names.</summary>
    public static bool TryParse(string token, out string customerId)
    {
        customerId = "";
        if (!token.StartsWith(Prefix, StringComparison.Ordinal) || token.Length > 120) return false;
        var rest = token[Prefix.Length..];
        var cut = rest.IndexOf('_');
        if (cut <= 0) return false;
        var id = rest[..cut];
        var secret = rest[(cut + 1)..];
        if (!CustomerIds.IsValid(id) || secret.Length != 43 || !secret.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_')) return false;
        customerId = id;
        return true;
    }
}

/// <summary>Customer ids: "u-" then 24 lower-case hex digits.</summary>
public static class CustomerIds
{
    public static string New() => "u-" + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(12));

    public static bool IsValid(string? id) =>
        id is { Length: 26 } && id.StartsWith("u-", StringComparison.Ordinal) && id.AsSpan(2).IndexOfAnyExcept("0123456789abcdef") < 0;
}

/// <summary><c>Authorization: Bearer vbiu_…</c>: a customer token issued by sign-up or login.</summary>
public sealed class CustomerAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory loggerFactory,
    UrlEncoder encoder,
    IGrainFactory grains) : AuthenticationHandler<AuthenticationSchemeOptions>(options, loggerFactory, encoder)
{
    public const string SchemeName = "Customer";

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        var header = Request.Headers.Authorization.ToString();
        if (!header.StartsWith("Bearer " + CustomerTokens.Prefix, StringComparison.Ordinal)) return AuthenticateResult.NoResult();
        var token = header[7..].Trim();
        if (!CustomerTokens.TryParse(token, out var customerId))
            return ApiAuthentication.Fail(Context, ErrorCode.Unauthenticated, "the customer token is malformed");
        // A read: tried again while the account grain's silo is being declared dead.
        var customer = await Api.SiloLossRetry.ReadAsync(Context, () => grains.GetGrain<ICustomerGrain>(customerId).Authenticate(CustomerTokens.Hash(token)));
        if (customer is null) return ApiAuthentication.Fail(Context, ErrorCode.Unauthenticated, "the customer token is unknown, expired or revoked; log in again");
        return AuthenticateResult.Success(new AuthenticationTicket(Principal(customer, SchemeName, partnerId: null), SchemeName));
    }

    internal static ClaimsPrincipal Principal(CustomerView customer, string scheme, string? partnerId)
    {
        var claims = new List<Claim> { new(ClaimTypes.NameIdentifier, customer.CustomerId), new(ApiAuthentication.CustomerClaim, customer.CustomerId) };
        claims.AddRange(customer.MeterIds.Select(m => new Claim(ApiAuthentication.MeterClaim, m)));
        claims.AddRange(customer.PrinterCalibrations.Select(Api.PrinterClaims.Claim));
        if (partnerId is not null) claims.Add(new Claim(ApiAuthentication.PartnerClaim, partnerId));
        return new ClaimsPrincipal(new ClaimsIdentity(claims, scheme));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => ApiAuthentication.ChallengeAsync(Context, forbidden: false);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => ApiAuthentication.ChallengeAsync(Context, forbidden: true);
}
