using System.Globalization;
using VbiOrleans.Domain.Money;

namespace VbiOrleans.Host.Api;

/// <summary>
/// The mail classes the API accepts, and a placeholder price table so the CLI can turn a class and a weight into
/// postage. It is not a postal authority's price list (rates and address matching are their own work item); the
/// module never trusts a price: it debits what the signed request says.
/// </summary>
public static class Rates
{
    public static readonly IReadOnlyList<string> MailClasses =
        ["FIRST-CLASS", "PRIORITY", "PRIORITY-EXPRESS", "GROUND-ADVANTAGE", "MEDIA", "MARKETING"];

    public static void MapRateEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/v1/rates", (string? mailClass, string? weightOz) =>
            {
                var quote = Quote(mailClass, weightOz);
                return quote.IsSuccess ? Results.Ok(quote.Value) : ApiResponse.Problem(quote.Error).ToResult();
            })
            .WithTags("Rates")
            .WithName("Rate")
            .WithSummary("Postage for a mail class and a weight in ounces (a placeholder table, not a postal price list).")
            .Produces<RateQuote>()
            .ProducesProblem(StatusCodes.Status400BadRequest);
    }

    public static Domain.Errors.Result<RateQuote> Quote(string? mailClass, string? weightOz)
    {
        var cls = mailClass?.Trim().ToUpperInvariant();
        if (cls is null || !MailClasses.Contains(cls))
            return new Domain.Errors.DomainError(ErrorCode.ValidationFailed, $"mailClass is one of {string.Join(", ", MailClasses)}");
        if (!decimal.TryParse(weightOz, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var oz) || oz <= 0 || oz > 1120)
            return new Domain.Errors.DomainError(ErrorCode.ValidationFailed, "weightOz is a weight in ounces, more than 0 and at most 1120 (70 lb)");
        var ounces = (long)Math.Ceiling(oz);
        var pounds = (long)Math.Ceiling(oz / 16m);
        long? mills = cls switch
        {
            "FIRST-CLASS" when oz <= 13 => 780 + Math.Max(0, ounces - 1) * 290,
            "MARKETING" when oz <= 3.3m => 400,
            "GROUND-ADVANTAGE" => 5_000 + Math.Max(0, (ounces - 1) / 4) * 800,
            "MEDIA" => 4_130 + Math.Max(0, pounds - 1) * 790,
            "PRIORITY" => 9_350 + Math.Max(0, pounds - 1) * 1_000,
            "PRIORITY-EXPRESS" => 30_450 + Math.Max(0, pounds - 1) * 2_500,
            _ => null,
        };
        if (mills is not { } postage)
            return new Domain.Errors.DomainError(ErrorCode.ValidationFailed, $"{oz.ToString(CultureInfo.InvariantCulture)} oz is too heavy for {cls}");
        return new RateQuote(cls, oz.ToString(CultureInfo.InvariantCulture), postage, new Mills(postage).ToDollars(),
            "placeholder table; not a postal price list");
    }
}
