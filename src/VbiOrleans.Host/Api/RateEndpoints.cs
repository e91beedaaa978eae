using System.Globalization;
using Microsoft.AspNetCore.Mvc;
using VbiOrleans.Domain.Geography;
using VbiOrleans.Domain.Money;
using VbiOrleans.Domain.Rates;

namespace VbiOrleans.Host.Api;

/// <summary>
/// <c>GET /v1/rates</c>: the price of a shipment in one class, or in every class that takes it, cheapest first (rate
/// shopping). Quoting is pure computation over the embedded ZIP and price tables (docs/rates.md): no grain, no
/// state, nothing changes, so it needs no credential.
/// </summary>
public static class RateEndpoints
{
    private static readonly HashSet<string> QueryNames =
        new(["from", "to", "weightOz", "dims", "class", "shape", "services", "declaredValueMills", "date"], StringComparer.Ordinal);

    public static void MapRateEndpoints(this IEndpointRouteBuilder app)
    {
        // The parameters are bound (all as optional strings, so binding never refuses one before Quote names the
        // error) for the OpenAPI document to list them; Quote reads the query itself to refuse unknown and repeated ones.
        app.MapGet("/v1/rates", (HttpContext context, TimeProvider clock, [FromQuery] string? from, [FromQuery] string? to, [FromQuery] string? weightOz,
                    [FromQuery] string? dims, [FromQuery(Name = "class")] string? mailClass, [FromQuery] string? shape, [FromQuery] string? services,
                    [FromQuery] string? declaredValueMills, [FromQuery] string? date) =>
                Quote(context.Request.Query, clock).ToResult())
            .WithTags("Rates")
            .WithName("Rates")
            .WithSummary("Quote a shipment: one class (class=...) or every class that takes it, cheapest first. Query: from, to (5-digit ZIPs), "
                + "weightOz (ounces, at most one decimal), dims (LxWxH inches), class, shape (letter, flat, parcel), services (signature, insurance), "
                + "declaredValueMills (with insurance), date (yyyy-MM-dd, the table in effect that day; default today, UTC).")
            .Produces<RatesView>()
            .ProducesProblem(StatusCodes.Status400BadRequest)
            .ProducesProblem(StatusCodes.Status422UnprocessableEntity);
    }

    public static ApiResponse Quote(IQueryCollection query, TimeProvider clock)
    {
        foreach (var (name, values) in query)
        {
            // A misspelt parameter (dim=, service=) must not quietly give a price for another shipment.
            if (!QueryNames.Contains(name))
                return ApiResponse.Problem(ErrorCode.ValidationFailed, $"'{name}' is not a rates parameter ({string.Join(", ", QueryNames)})");
            if (values.Count > 1) return ApiResponse.Problem(ErrorCode.ValidationFailed, $"'{name}' is given more than once");
        }
        string? Value(string name) => query.TryGetValue(name, out var v) ? v.ToString() : null;

        long? declared = null;
        if (Value("declaredValueMills") is { } text)
        {
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var mills))
                return ApiResponse.Problem(ErrorCode.InvalidDeclaredValue, "declaredValueMills is a whole number of mills");
            declared = mills;
        }
        var date = DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime);
        if (Value("date") is { } day && !DateOnly.TryParseExact(day, "yyyy-MM-dd", CultureInfo.InvariantCulture, DateTimeStyles.None, out date))
            return ApiResponse.Problem(ErrorCode.ValidationFailed, "date is yyyy-MM-dd");
        MailClass? mailClass = null;
        if (Value("class") is { } className)
        {
            if (!MailClasses.TryParse(className, out var parsed))
                return ApiResponse.Problem(ErrorCode.UnknownMailClass, $"class is one of {string.Join(", ", MailClasses.AllNames)}");
            mailClass = parsed;
        }
        var shipment = Shipment.Parse(Value("from"), Value("to"), Value("weightOz"), Value("dims"), Value("shape"), Value("services"), declared);
        if (!shipment.IsSuccess) return ApiResponse.Problem(shipment.Error);

        var rates = RateCalculator.Embedded;
        if (mailClass is { } one)
        {
            var quote = rates.Quote(shipment.Value, one, date);
            return quote.IsSuccess
                ? ApiResponse.Ok(RatesView.Of(shipment.Value, quote.Value.Zone, quote.Value.TableId, quote.Value.TableEffective, [quote.Value], []))
                : ApiResponse.Problem(quote.Error);
        }
        var shopping = rates.Shop(shipment.Value, date);
        if (!shopping.IsSuccess) return ApiResponse.Problem(shopping.Error);
        var s = shopping.Value;
        return ApiResponse.Ok(RatesView.Of(shipment.Value, s.Zone, s.TableId, s.Quotes[0].TableEffective, s.Quotes, s.Refused));
    }
}

/// <summary>
/// A rates answer: the zone, the price table, and one quote per class that takes the shipment, cheapest first;
/// with no class asked for, also the classes that do not take it and why.
/// </summary>
public sealed record RatesView(
    string From,
    string To,
    string Zone,
    string ZoneBasis,
    int? Miles,
    string TableId,
    string TableEffective,
    string WeightOz,
    string? Dims,
    IReadOnlyList<RateQuoteView> Quotes,
    IReadOnlyList<RateRefusalView> Refused)
{
    public static RatesView Of(Shipment shipment, ZoneResult zone, string tableId, DateOnly effective, IEnumerable<RateQuote> quotes, IEnumerable<RateRefusal> refused) =>
        new(shipment.From, shipment.To, zone.Zone.Name, zone.Basis, zone.Miles, tableId, effective.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
            Ounces(shipment.WeightTenthsOz), shipment.Dimensions?.ToString(),
            quotes.Select(RateQuoteView.Of).ToArray(),
            refused.Select(r => new RateRefusalView(r.Class.Name(), r.Error.Code.ToString(), r.Error.Message)).ToArray());

    internal static string Ounces(int tenths) => (tenths / 10m).ToString("0.#", CultureInfo.InvariantCulture);
}

public sealed record RateQuoteView(string MailClass, string Shape, string Zone, string TableId, long PostageMills, string Postage, RateBreakdownView Breakdown)
{
    public static RateQuoteView Of(RateQuote q) => new(q.Class.Name(), q.Shape.Name(), q.Zone.Zone.Name, q.TableId, q.PostageMills,
        new Mills(q.PostageMills).ToDollars(), RateBreakdownView.Of(q.Breakdown));
}

/// <summary>
/// How a quote adds up: <c>postageMills</c> = <c>baseMills</c> + the services' mills. <c>pricedBy</c> is
/// <c>weight</c>, <c>dimensional-weight</c> or <c>cubic-tier</c>; <c>priceStepOz</c> is the weight step that priced it.
/// </summary>
public sealed record RateBreakdownView(
    long BaseMills,
    string PricedBy,
    string RatedWeightOz,
    string PriceStepOz,
    DimensionalWeightView? DimensionalWeight,
    CubicTierView? CubicTier,
    IReadOnlyList<ServiceChargeView> Services)
{
    public static RateBreakdownView Of(RateBreakdown b) => new(
        b.BaseMills,
        b.PricedBy switch { Domain.Rates.PricedBy.DimensionalWeight => "dimensional-weight", Domain.Rates.PricedBy.CubicTier => "cubic-tier", _ => "weight" },
        RatesView.Ounces(b.RatedTenthsOz),
        RatesView.Ounces(b.StepUpToTenthsOz),
        b.DimensionalWeight is { } d
            ? new DimensionalWeightView($"{d.LengthInches}x{d.WidthInches}x{d.HeightInches}", d.CubicInches, d.Pounds, b.PricedBy == Domain.Rates.PricedBy.DimensionalWeight)
            : null,
        b.Cubic is { } c ? new CubicTierView((c.Tier / 10m).ToString("0.0", CultureInfo.InvariantCulture), c.Mills, b.PricedBy == Domain.Rates.PricedBy.CubicTier) : null,
        b.Services.Select(s => new ServiceChargeView(s.Service.Name(), s.Mills, new Mills(s.Mills).ToDollars())).ToArray());
}

/// <summary>Dimensional weight: sides rounded to whole inches, volume, pounds; <c>applied</c> when it priced the parcel.</summary>
public sealed record DimensionalWeightView(string RoundedDims, int CubicInches, int Pounds, bool Applied);

/// <summary>The Priority Mail cubic tier (cubic feet, 0.1 to 0.5) and its price; <c>applied</c> when it priced the parcel.</summary>
public sealed record CubicTierView(string Tier, long Mills, bool Applied);

public sealed record ServiceChargeView(string Service, long Mills, string Amount);

public sealed record RateRefusalView(string MailClass, string Code, string Detail);
