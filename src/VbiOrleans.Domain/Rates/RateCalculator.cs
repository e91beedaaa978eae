using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Geography;

namespace VbiOrleans.Domain.Rates;

/// <summary>
/// The Rates service: the price of a shipment in a class, from the zone between its ZIPs and the price table in
/// force on the day. Pure: the same shipment, class and date always give the same quote.
/// </summary>
public sealed class RateCalculator(ZoneChart zones, PriceTables tables)
{
    // Letters: at most 11.5 x 6.125 x 0.25 in; flats: 15 x 12 x 0.75 in (hundredths of an inch, 6.125 rounded down).
    private static readonly Dimensions LargestLetter = new(1150, 612, 25);
    private static readonly Dimensions LargestFlat = new(1500, 1200, 75);

    /// <summary>Length plus girth for every class but Ground Advantage, which takes up to 130 in.</summary>
    public const int MaxLengthPlusGirthInches = 108;

    public static RateCalculator Embedded { get; } = new(ZoneChart.Embedded, PriceTables.Embedded);

    public PriceTables Tables => tables;

    public Result<RateQuote> Quote(Shipment shipment, MailClass mailClass, DateOnly date)
    {
        var zone = zones.Zone(shipment.From, shipment.To);
        if (!zone.IsSuccess) return zone.Error;
        var table = tables.InEffect(date);
        if (!table.IsSuccess) return table.Error;
        return Price(table.Value, zone.Value, shipment, mailClass);
    }

    /// <summary>Rate shopping: every class that takes the shipment, cheapest first, and why the others do not.</summary>
    public Result<RateShopping> Shop(Shipment shipment, DateOnly date)
    {
        var zone = zones.Zone(shipment.From, shipment.To);
        if (!zone.IsSuccess) return zone.Error;
        var table = tables.InEffect(date);
        if (!table.IsSuccess) return table.Error;
        var quotes = new List<RateQuote>();
        var refused = new List<RateRefusal>();
        foreach (var mailClass in MailClasses.All)
        {
            var quote = Price(table.Value, zone.Value, shipment, mailClass);
            if (quote.IsSuccess) quotes.Add(quote.Value);
            else refused.Add(new RateRefusal(mailClass, quote.Error));
        }
        if (quotes.Count == 0)
            return new DomainError(ErrorCode.ClassDoesNotTakeShipment,
                "no class takes this shipment: " + string.Join("; ", refused.Select(r => r.Error.Message)));
        return new RateShopping(zone.Value, table.Value.Id,
            quotes.OrderBy(q => q.PostageMills).ThenBy(q => MailClasses.All.ToList().IndexOf(q.Class)).ToArray(), refused);
    }

    /// <summary>The shape a piece is priced as: the one asked for, else the smallest it fits by size and weight.</summary>
    public static Shape ShapeOf(Shipment shipment) =>
        shipment.Shape ?? (Fits(shipment.Dimensions, LargestLetter) && shipment.WeightTenthsOz <= 35 ? Shape.Letter
            : Fits(shipment.Dimensions, LargestFlat) && shipment.WeightTenthsOz <= 130 ? Shape.Flat
            : Shape.Parcel);

    private static bool Fits(Dimensions? piece, Dimensions largest) =>
        piece is not { } d || (d.Length <= largest.Length && d.Width <= largest.Width && d.Height <= largest.Height);

    private static Result<RateQuote> Price(PriceTable table, ZoneResult zone, Shipment shipment, MailClass mailClass)
    {
        var name = mailClass.Name();
        var shape = ShapeOf(shipment);
        var prices = table.PricesFor(mailClass, shape);
        if (prices is null)
        {
            var shapes = table.ShapesOf(mailClass).ToArray();
            // A class priced only as parcels prices a letter or a flat as a parcel; one that takes letters and flats takes no parcels.
            if (shapes is [Shape.Parcel]) prices = table.PricesFor(mailClass, Shape.Parcel);
            if (prices is null)
                return Refuse($"{name} takes {string.Join(" and ", shapes.Select(s => s.Name() + "s"))}, not a {shape.Name()}");
        }
        if (prices.Shape is Shape.Letter && !Fits(shipment.Dimensions, LargestLetter))
            return Refuse($"a {name} letter is at most 11.5 x 6.125 x 0.25 in");
        if (prices.Shape is Shape.Flat && !Fits(shipment.Dimensions, LargestFlat))
            return Refuse($"a {name} flat is at most 15 x 12 x 0.75 in");
        if (shipment.WeightTenthsOz > prices.MaxTenthsOz)
            return Refuse($"a {name} {prices.Shape.Name()} weighs at most {Ounces(prices.MaxTenthsOz)} oz");
        if (mailClass != MailClass.GroundAdvantage && shipment.Dimensions is { } size && size.LengthPlusGirth > MaxLengthPlusGirthInches * 100)
            return Refuse($"{name} takes at most {MaxLengthPlusGirthInches} in length plus girth");

        var rated = shipment.WeightTenthsOz;
        DimensionalWeight? dimensional = null;
        var pricedBy = PricedBy.Weight;
        if (prices is { Shape: Shape.Parcel, Zoned: true } && shipment.Dimensions is { } d)
        {
            var (l, w, h) = (NearestInch(d.Length), NearestInch(d.Width), NearestInch(d.Height));
            var cubicInches = l * w * h;
            var above = cubicInches > table.DimThresholdCubicInches;
            var pounds = (cubicInches + table.DimDivisor - 1) / table.DimDivisor;
            dimensional = new DimensionalWeight(l, w, h, cubicInches, pounds, above);
            // Above the heaviest step, the heaviest step's price (docs/rates.md: unconfirmed).
            var dimTenths = Math.Min(pounds * 160, prices.MaxTenthsOz);
            if (above && dimTenths > rated)
            {
                rated = dimTenths;
                pricedBy = PricedBy.DimensionalWeight;
            }
        }
        var step = prices.StepFor(rated)!;
        var baseMills = step.For(zone.Zone);

        CubicTier? cubic = null;
        if (table.CubicFor(mailClass) is { } cubicPrices && shipment.Dimensions is { } c
            && shipment.WeightTenthsOz <= cubicPrices.MaxTenthsOz && c.Length <= cubicPrices.MaxSideInches * 100)
        {
            // Quarter inches, rounded down; tier n holds up to n tenths of a cubic foot (172.8 cubic inches).
            long quarterCubed = (long)(c.Length / 25) * (c.Width / 25) * (c.Height / 25);
            var tier = (int)((quarterCubed * 10 + 64L * 1728 - 1) / (64L * 1728));
            if (tier >= 1 && tier <= cubicPrices.Tiers)
            {
                cubic = new CubicTier(tier, cubicPrices.TierMills[tier - 1][zone.Zone.Number]);
                if (cubic.Mills < baseMills)
                {
                    baseMills = cubic.Mills;
                    pricedBy = PricedBy.CubicTier;
                }
            }
        }

        var charges = new List<ServiceCharge>();
        foreach (var service in shipment.Services)
        {
            var charge = Charge(table, mailClass, prices.Shape, service, shipment.DeclaredValueMills);
            if (!charge.IsSuccess) return charge.Error;
            charges.Add(charge.Value);
        }
        var total = baseMills + charges.Sum(s => s.Mills);
        return new RateQuote(mailClass, prices.Shape, zone, table.Id, table.Effective, total,
            new RateBreakdown(baseMills, pricedBy, rated, step.UpToTenthsOz, dimensional, cubic, charges));

        DomainError Refuse(string why) => new(ErrorCode.ClassDoesNotTakeShipment, why);
    }

    private static Result<ServiceCharge> Charge(PriceTable table, MailClass mailClass, Shape shape, ExtraService service, long? declaredValueMills)
    {
        if (shape is not Shape.Parcel || mailClass is MailClass.Marketing)
            return new DomainError(ErrorCode.ExtraServiceNotAvailable, $"{service.Name()} is not offered for a {mailClass.Name()} {shape.Name()}");
        if (service is ExtraService.Signature)
            return table.ServiceFees.TryGetValue(service, out var fee)
                ? new ServiceCharge(service, fee)
                : new DomainError(ErrorCode.ExtraServiceNotAvailable, $"price table {table.Id} has no {service.Name()} fee");
        var value = declaredValueMills ?? 0;
        var insurance = table.Insurance;
        if (value > insurance.MaxMills)
            return new DomainError(ErrorCode.InvalidDeclaredValue, $"insurance covers at most {insurance.MaxMills} mills");
        if (insurance.Included.TryGetValue(mailClass, out var included) && value <= included)
            return new ServiceCharge(service, 0);
        foreach (var (upTo, bandFee) in insurance.Bands)
            if (value <= upTo)
                return new ServiceCharge(service, bandFee);
        var (lastUpTo, lastFee) = insurance.Bands[^1];
        var steps = (value - lastUpTo + insurance.StepMills - 1) / insurance.StepMills;
        return new ServiceCharge(service, lastFee + steps * insurance.StepFeeMills);
    }

    private static int NearestInch(int hundredths) => (hundredths + 50) / 100;

    private static string Ounces(int tenths) => (tenths / 10m).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
}
