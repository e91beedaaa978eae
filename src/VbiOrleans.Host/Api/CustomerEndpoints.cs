using System.Security.Claims;
using Microsoft.Extensions.Options;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Customers;
using VbiOrleans.Domain.Addresses;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Host.Security;
using VbiOrleans.Protocol.Passwords;
using VbiOrleans.Protocol.Requests;

namespace VbiOrleans.Host.Api;

/// <summary>
/// Customer accounts: sign-up, login (a customer token), the account, and the partners the customer lets act for it.
/// Web-account passwords are hashed here (PBKDF2, off the grain's turn); the account grain keeps the verifier.
/// </summary>
public static class CustomerEndpoints
{
    public static void MapCustomerEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/v1").WithTags("Customers");

        group.MapPost("/customers", SignUpAsync)
            .WithName("SignUp")
            .WithSummary("Creates a customer account and returns a customer token (Authorization: Bearer vbiu_…).")
            .Accepts<SignUpRequest>("application/json")
            .Produces<SessionView>(StatusCodes.Status201Created)
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status409Conflict);

        group.MapPost("/sessions", LogInAsync)
            .WithName("LogIn")
            .WithSummary("Logs in with email and password and returns a new customer token.")
            .Accepts<LogInRequest>("application/json")
            .Produces<SessionView>()
            .ProducesProblem(StatusCodes.Status401Unauthorized)
            .ProducesProblem(StatusCodes.Status429TooManyRequests);

        group.MapDelete("/sessions/current", async (HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
            {
                if (user.PartnerId() is not null) return ApiResponse.Problem(ErrorCode.Forbidden, "a partner has no customer token to revoke").ToResult();
                var token = context.Request.Headers.Authorization.ToString()[7..].Trim();
                await grains.GetGrain<ICustomerGrain>(user.CustomerId()!).RevokeToken(CustomerTokens.Hash(token));
                return Results.NoContent();
            })
            .RequireAuthorization(ApiAuthentication.CustomerPolicy)
            .WithName("LogOut")
            .WithSummary("Revokes the customer token this request carries.");

        group.MapGet("/customers/me", async (ClaimsPrincipal user, IGrainFactory grains) =>
            {
                var customerId = user.CustomerId()!;
                var standing = grains.GetGrain<Abstractions.Commerce.ICommerceAccountGrain>(customerId).Standing();
                if (await grains.GetGrain<ICustomerGrain>(customerId).Get() is not { } customer)
                    return ApiResponse.Problem(ErrorCode.NotFound, "no such account").ToResult();
                var s = await standing;
                return Results.Ok(CustomerProfile.Of(customer) with { Locked = s.Locked, Locks = CustomerLockView.Of(s) });
            })
            .RequireAuthorization(ApiAuthentication.CustomerPolicy)
            .WithName("Me")
            .WithSummary("The account: email, meters, linked partners, and its standing: locked, and why (never customer care's notes).")
            .Produces<CustomerProfile>();

        group.MapPut("/customers/me/return-address", ReturnAddresses.SetAsync)
            .RequireAuthorization(ApiAuthentication.CustomerPolicy)
            .WithName("SetReturnAddress")
            .WithSummary("Sets the account's return address, the sender on its shipping labels: one line or fields, as for POST /v1/addresses/match, "
                + "matched and kept as the exact candidate (name first; an address that is not exact is refused with the candidates). {\"line\": null} removes it.")
            .Accepts<AddressMatchRequest>("application/json")
            .Produces<CustomerProfile>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/customers/me/partners", async (HttpContext context, ClaimsPrincipal user, IGrainFactory grains) =>
            {
                if (user.PartnerId() is not null) return ApiResponse.Problem(ErrorCode.Forbidden, "only the customer links partners").ToResult();
                var body = await ApiBody.ReadJsonAsync<LinkPartnerRequest>(context);
                if (body.Problem is not null) return body.Problem.ToResult();
                if (!Partners.IsPartnerId(body.Value!.PartnerId))
                    return ApiResponse.Problem(ErrorCode.ValidationFailed, "partnerId is 1 to 64 of A-Z a-z 0-9 . _ -").ToResult();
                var result = await grains.GetGrain<ICustomerGrain>(user.CustomerId()!).LinkPartner(body.Value.PartnerId!);
                return (result.IsSuccess ? ApiResponse.Ok(CustomerProfile.Of(result.Customer!)) : ApiResponse.Problem(result.Error, result.Message!)).ToResult();
            })
            .RequireAuthorization(ApiAuthentication.CustomerPolicy)
            .WithName("LinkPartner")
            .WithSummary("Lets a partner act for this customer (its signed requests with Vbi-On-Behalf-Of) and receive webhooks for its meters.")
            .Accepts<LinkPartnerRequest>("application/json")
            .Produces<CustomerProfile>();

        group.MapDelete("/customers/me/partners/{partnerId}", async (string partnerId, ClaimsPrincipal user, IGrainFactory grains) =>
            {
                if (user.PartnerId() is not null) return ApiResponse.Problem(ErrorCode.Forbidden, "only the customer unlinks partners").ToResult();
                if (!Partners.IsPartnerId(partnerId)) return ApiResponse.Problem(ErrorCode.ValidationFailed, "not a partner id").ToResult();
                var result = await grains.GetGrain<ICustomerGrain>(user.CustomerId()!).UnlinkPartner(partnerId);
                return (result.IsSuccess ? ApiResponse.Ok(CustomerProfile.Of(result.Customer!)) : ApiResponse.Problem(result.Error, result.Message!)).ToResult();
            })
            .RequireAuthorization(ApiAuthentication.CustomerPolicy)
            .WithName("UnlinkPartner")
            .Produces<CustomerProfile>();
    }

    private static async Task<IResult> SignUpAsync(HttpContext context, IGrainFactory grains, IOptions<ApiOptions> api, TimeProvider clock)
    {
        var body = await ApiBody.ReadJsonAsync<SignUpRequest>(context);
        if (body.Problem is not null) return body.Problem.ToResult();
        var request = body.Value!;
        var account = await CreateAccountAsync(grains, api.Value, request.Email, request.Password, request.Name);
        if (account.CustomerId is not { } holder) return ApiResponse.Problem(account.Error, account.Message!, account.Extensions).ToResult();
        var session = await IssueAsync(grains.GetGrain<ICustomerGrain>(holder), holder, api.Value, clock);
        return ApiResponse.Created(session).ToResult();
    }

    private static async Task<IResult> LogInAsync(HttpContext context, IGrainFactory grains, IOptions<ApiOptions> api, TimeProvider clock)
    {
        var body = await ApiBody.ReadJsonAsync<LogInRequest>(context);
        if (body.Problem is not null) return body.Problem.ToResult();
        var check = await CheckPasswordAsync(grains, api.Value, body.Value!.Email, body.Value.Password);
        if (check.CustomerId is not { } holder) return ApiResponse.Problem(check.Error, check.Message!, retryAfter: check.RetryAfter).ToResult();
        return ApiResponse.Ok(await IssueAsync(grains.GetGrain<ICustomerGrain>(holder), holder, api.Value, clock)).ToResult();
    }

    /// <summary>
    /// Creates a web account (the API's sign-up and the portal's): the email and password rules, the email's claim and
    /// the PBKDF2 verifier. Answers the new customer id, or the refusal with its code.
    /// </summary>
    internal static async Task<AccountOutcome> CreateAccountAsync(IGrainFactory grains, ApiOptions api, string? emailText, string? password, string? name)
    {
        if (Emails.Normalize(emailText) is not { } email)
            return AccountOutcome.Refused(ErrorCode.InvalidEmail, "email must be an address like name@example.com (at most 254 characters)");
        var violation = PasswordPolicy.Check(password);
        if (violation != PasswordPolicyViolation.None)
            return AccountOutcome.Refused(ErrorCode.PasswordRejected, PasswordMessage(violation), new Dictionary<string, object?> { ["violation"] = violation.ToString() });
        if (name is not null && (name.Length > 100 || name.Any(char.IsControl)))
            return AccountOutcome.Refused(ErrorCode.ValidationFailed, "name is at most 100 characters without control characters");

        var candidate = CustomerIds.New();
        var holder = await grains.GetGrain<ICustomerEmailGrain>("email:" + email).Claim(candidate);
        if (holder != candidate && await grains.GetGrain<ICustomerGrain>(holder).Get() is not null)
            return AccountOutcome.Refused(ErrorCode.EmailTaken, "an account with this email exists; log in instead");
        // The address's holder, even one whose sign-up stopped half way, is the account being created.
        var verifier = await Task.Run(() => PasswordVerifier.Create(password!, api.AccountPasswordIterations));
        var created = await grains.GetGrain<ICustomerGrain>(holder).Create(email, name, verifier);
        return created.IsSuccess ? new AccountOutcome(holder, ErrorCode.None, null) : AccountOutcome.Refused(created.Error, created.Message!);
    }

    /// <summary>
    /// Checks a web account's email and password (the API's login and the portal's), counting wrong passwords on the
    /// account. Answers the customer id, or WrongCredentials / TooManyLoginAttempts (with the wait).
    /// </summary>
    internal static async Task<AccountOutcome> CheckPasswordAsync(IGrainFactory grains, ApiOptions api, string? emailText, string? passwordText)
    {
        var email = Emails.Normalize(emailText);
        var password = passwordText ?? "";
        var holder = email is null ? null : await grains.GetGrain<ICustomerEmailGrain>("email:" + email).Holder();
        var customer = holder is null ? null : grains.GetGrain<ICustomerGrain>(holder);
        var gate = customer is null ? null : await customer.BeginLogin();
        if (gate is { Error: ErrorCode.TooManyLoginAttempts })
            return AccountOutcome.Refused(ErrorCode.TooManyLoginAttempts, "too many wrong passwords; wait before trying again") with { RetryAfter = gate.RetryAfter };
        // An unknown address costs the same PBKDF2 as a wrong password, so the time does not tell which it was.
        var verifier = gate?.PasswordVerifier ?? DummyVerifier(api.AccountPasswordIterations);
        var check = await Task.Run(() => PasswordVerifier.Verify(password, verifier));
        if (gate?.PasswordVerifier is null || check != PasswordCheck.Match)
        {
            if (customer is not null && gate?.PasswordVerifier is not null) await customer.RecordFailedLogin();
            return AccountOutcome.Refused(ErrorCode.WrongCredentials, "the email or the password is wrong");
        }
        return new AccountOutcome(holder, ErrorCode.None, null);
    }

    private static async Task<SessionView> IssueAsync(ICustomerGrain customer, string customerId, ApiOptions api, TimeProvider clock)
    {
        var token = CustomerTokens.New(customerId);
        var expires = clock.GetUtcNow() + api.TokenLifetime;
        var result = await customer.AddToken(CustomerTokens.Hash(token), expires);
        return new SessionView(token, expires, CustomerProfile.Of(result.Customer!));
    }

    private static byte[]? s_dummy;

    private static byte[] DummyVerifier(int iterations) =>
        s_dummy is { } d && PasswordVerifier.TryReadIterations(d, out var n) && n == iterations ? d : s_dummy = PasswordVerifier.Create("not a password at all", iterations);

    internal static string PasswordMessage(PasswordPolicyViolation violation) => violation switch
    {
        PasswordPolicyViolation.TooShort => $"the password needs at least {PasswordPolicy.MinimumLength} characters",
        PasswordPolicyViolation.TooLong => $"the password has at most {PasswordPolicy.MaximumLength} characters",
        PasswordPolicyViolation.OneRepeatedCharacter => "the password is one character repeated",
        PasswordPolicyViolation.InvalidCharacter => "the password has a control character or a lone surrogate",
        PasswordPolicyViolation.RecentlyUsed => "the password is one of the last ones used",
        _ => $"the password is refused: {violation}",
    };
}

/// <summary>A web account's sign-up or password check: the customer id, or why not (a stable code and a sentence).</summary>
internal sealed record AccountOutcome(string? CustomerId, ErrorCode Error, string? Message)
{
    public IDictionary<string, object?>? Extensions { get; init; }

    public TimeSpan? RetryAfter { get; init; }

    public static AccountOutcome Refused(ErrorCode error, string message, IDictionary<string, object?>? extensions = null) =>
        new(null, error, message) { Extensions = extensions };
}

/// <summary>Email addresses: trimmed, lower-cased (ASCII), one '@', a dot in the domain, no spaces; at most 254 characters.</summary>
public static class Emails
{
    public static string? Normalize(string? email)
    {
        if (email is null) return null;
        var e = email.Trim().ToLowerInvariant();
        var at = e.IndexOf('@');
        if (e.Length is < 3 or > 254 || at <= 0 || at != e.LastIndexOf('@') || at == e.Length - 1) return null;
        var domain = e[(at + 1)..];
        if (!domain.Contains('.') || domain.StartsWith('.') || domain.EndsWith('.') || e.Any(c => char.IsWhiteSpace(c) || char.IsControl(c))) return null;
        return e;
    }
}

/// <summary>The account's return address: matched and standardized like any address, kept only when the match is exact.</summary>
internal static class ReturnAddresses
{
    public static async Task<IResult> SetAsync(HttpContext context, ClaimsPrincipal user, IGrainFactory grains, IAddressMatcher matcher)
    {
        if (user.PartnerId() is not null) return ApiResponse.Problem(ErrorCode.Forbidden, "only the customer sets the return address").ToResult();
        var body = await ApiBody.ReadJsonAsync<AddressMatchRequest>(context);
        if (body.Problem is not null) return body.Problem.ToResult();
        var r = body.Value!;
        var customer = grains.GetGrain<ICustomerGrain>(user.CustomerId()!);
        if (r is { Line: null, Name: null, Company: null, Street: null, Secondary: null, City: null, State: null, Zip: null })
        {
            var cleared = await customer.SetReturnAddress(null);
            return (cleared.IsSuccess ? ApiResponse.Ok(CustomerProfile.Of(cleared.Customer!)) : ApiResponse.Problem(cleared.Error, cleared.Message!)).ToResult();
        }
        var match = matcher.Match(new AddressInput(r.Line, r.Name, r.Company, r.Street, r.Secondary, r.City, r.State, r.Zip));
        if (!match.IsSuccess) return ApiResponse.Problem(match.Error).ToResult();
        var view = AddressMatchView.Of(match.Value);
        if (match.Value.Candidates is not [{ Type: AddressMatchType.Exact } exact, ..])
        {
            return ApiResponse.Problem(ErrorCode.AddressNotMatched,
                match.Value.Matched
                    ? $"'{match.Value.Standardized.OneLine}' is not exact; the matcher offers '{match.Value.Candidates[0].Address.OneLine}'"
                    : $"no city, state and ZIP known agree with '{view.Standardized.LastLine}'",
                new Dictionary<string, object?> { ["candidates"] = view.Candidates }).ToResult();
        }
        var a = exact.Address;
        ShippingAddress standardized;
        try
        {
            // The same rules as a signed print's sender, so the return address can always be signed as one.
            standardized = new ShippingAddress(a.Name ?? "", a.Company, a.DeliveryLine, null, a.City ?? "", a.State ?? "", a.Zip ?? "", a.ZipPlus4, "returnAddress");
        }
        catch (ArgumentException e)
        {
            return ApiResponse.Problem(ErrorCode.ValidationFailed,
                $"{e.ParamName}: a return address needs a name first ('Acme Shop, 350 5th Ave, New York NY 10001'), at most 40 characters, and a street line of at most 48",
                new Dictionary<string, object?> { ["field"] = e.ParamName }).ToResult();
        }
        var result = await customer.SetReturnAddress(PrintShipments.Of(standardized));
        return (result.IsSuccess ? ApiResponse.Ok(CustomerProfile.Of(result.Customer!)) : ApiResponse.Problem(result.Error, result.Message!)).ToResult();
    }
}

