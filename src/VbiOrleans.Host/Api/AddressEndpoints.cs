using VbiOrleans.Domain.Addresses;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

/// <summary>
/// Address matching (docs/addresses.md): <c>POST /v1/addresses/match</c> standardizes an address (Publication 28) and
/// answers the candidates of the <see cref="IAddressMatcher"/> in rank order. For a customer or a partner. Matching is
/// pure (no grain, no state): the endpoint calls the matcher and maps its result.
/// </summary>
public static class AddressEndpoints
{
    public static void AddAddressMatching(this IServiceCollection services) =>
        services.AddSingleton<IAddressMatcher>(_ => new ZipLevelAddressMatcher());

    public static void MapAddressEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/v1/addresses/match", MatchAsync)
            .RequireAuthorization(p => p.AddAuthenticationSchemes(ApiAuthentication.SelectorScheme)
                .RequireAssertion(c => c.User.HasClaim(h => h.Type is ApiAuthentication.CustomerClaim or ApiAuthentication.PartnerClaim)))
            .WithTags("Addresses")
            .WithName("MatchAddress")
            .WithSummary("Standardizes an address (one line, or fields) and answers candidates ranked by type of match: Exact, ZipCorrected, CityCorrected, CitySpelling. A ZIP-level check (city, state and ZIP), not a street-level one.")
            .Accepts<AddressMatchRequest>("application/json")
            .Produces<AddressMatchView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    private static async Task<IResult> MatchAsync(HttpContext context, IAddressMatcher matcher)
    {
        var body = await ApiBody.ReadJsonAsync<AddressMatchRequest>(context);
        if (body.Problem is not null) return body.Problem.ToResult();
        var r = body.Value!;
        var result = matcher.Match(new AddressInput(r.Line, r.Name, r.Company, r.Street, r.Secondary, r.City, r.State, r.Zip));
        if (!result.IsSuccess) return ApiResponse.Problem(result.Error).ToResult();
        var view = AddressMatchView.Of(result.Value);
        if (!result.Value.Matched)
        {
            return ApiResponse.Problem(ErrorCode.AddressNotMatched,
                $"no city, state and ZIP known to the {view.Level}-level matcher agree with '{view.Standardized.LastLine}'; check the city, state and ZIP",
                new Dictionary<string, object?> { ["standardized"] = view.Standardized }).ToResult();
        }
        return ApiResponse.Ok(view).ToResult();
    }
}

/// <summary>An address to match: <c>line</c> alone, or the fields (<c>street</c> has at most two lines).</summary>
public sealed record AddressMatchRequest(string? Line, string? Name, string? Company, IReadOnlyList<string>? Street, string? Secondary, string? City,
    string? State, string? Zip);

public sealed record StandardAddressView(string? Name, string? Company, string DeliveryLine, string? City, string? State, string? Zip, string? ZipPlus4,
    string LastLine)
{
    public static StandardAddressView Of(StandardAddress a) => new(a.Name, a.Company, a.DeliveryLine, a.City, a.State, a.Zip, a.ZipPlus4, a.LastLine);
}

public sealed record AddressChangeView(string Field, string Kind, string? From, string? To, string Reason);

public sealed record MatchCandidateView(int Rank, string Type, StandardAddressView Address, IReadOnlyList<AddressChangeView> Changes);

/// <summary>The address standardized as given, the candidates best first, the level of the check and the data it used.</summary>
public sealed record AddressMatchView(string Level, string Data, StandardAddressView Standardized, IReadOnlyList<MatchCandidateView> Candidates)
{
    public static AddressMatchView Of(AddressMatch m) => new(m.Level, m.Data, StandardAddressView.Of(m.Standardized),
        [.. m.Candidates.Select(c => new MatchCandidateView(c.Rank, c.Type.ToString(), StandardAddressView.Of(c.Address),
            [.. c.Changes.Select(x => new AddressChangeView(x.Field, x.Kind.ToString(), x.From, x.To, x.Reason))]))]);
}
