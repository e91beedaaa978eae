using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Geography;

namespace VbiOrleans.Domain.Rates;

/// <summary>How the price of a quote was found: by actual weight, by dimensional weight, or by cubic tier.</summary>
public enum PricedBy
{
    Weight,
    DimensionalWeight,
    CubicTier,
}

/// <summary>
/// Dimensional weight of a parcel: each side rounded to the nearest whole inch, L x W x H / divisor rounded up to a
/// whole pound. It prices the parcel only above the threshold volume (one cubic foot) and when above the actual weight.
/// </summary>
public sealed record DimensionalWeight(int LengthInches, int WidthInches, int HeightInches, int CubicInches, int Pounds, bool AboveThreshold);

/// <summary>The cubic tier of a parcel (sides rounded down to the quarter inch): n is up to n tenths of a cubic foot.</summary>
public sealed record CubicTier(int Tier, long Mills);

public sealed record ServiceCharge(ExtraService Service, long Mills);

/// <summary>How a quote adds up: <see cref="RateQuote.PostageMills"/> = <see cref="BaseMills"/> + the services' charges.</summary>
public sealed record RateBreakdown(
    long BaseMills,
    PricedBy PricedBy,
    int RatedTenthsOz,
    int StepUpToTenthsOz,
    DimensionalWeight? DimensionalWeight,
    CubicTier? Cubic,
    IReadOnlyList<ServiceCharge> Services);

/// <summary>A price for a shipment in one class: the zone, the table that priced it, the total and its breakdown.</summary>
public sealed record RateQuote(MailClass Class, Shape Shape, ZoneResult Zone, string TableId, DateOnly TableEffective, long PostageMills, RateBreakdown Breakdown);

/// <summary>A class that does not take the shipment, and why.</summary>
public sealed record RateRefusal(MailClass Class, DomainError Error);

/// <summary>Every class's quote for one shipment, cheapest first, and the classes that do not take it.</summary>
public sealed record RateShopping(ZoneResult Zone, string TableId, IReadOnlyList<RateQuote> Quotes, IReadOnlyList<RateRefusal> Refused);
