using CsCheck;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Rates;

namespace VbiOrleans.Domain.Tests.Rates;

public sealed class RateCalculatorTests
{
    private static readonly RateCalculator Rates = RateCalculator.Embedded;
    private static readonly DateOnly July = new(2026, 8, 1);
    private static readonly DateOnly March = new(2026, 3, 1);

    private static Shipment Ship(string weight, string? dims = null, string? shape = null, string? services = null, long? declared = null,
        string from = "10001", string to = "90001")
    {
        var shipment = Shipment.Parse(from, to, weight, dims, shape, services, declared);
        Assert.True(shipment.IsSuccess, shipment.Error?.ToString());
        return shipment.Value;
    }

    private static RateQuote Quote(Shipment shipment, MailClass mailClass, DateOnly? date = null)
    {
        var quote = Rates.Quote(shipment, mailClass, date ?? July);
        Assert.True(quote.IsSuccess, quote.Error?.ToString());
        return quote.Value;
    }

    [Fact]
    public void A_table_takes_effect_on_its_date_and_the_quote_names_it()
    {
        Assert.Equal(["usps-2026-01-18", "usps-2026-07-12"], Rates.Tables.All.Select(t => t.Id));
        Assert.Equal("usps-2026-01-18", Quote(Ship("1"), MailClass.FirstClass, new DateOnly(2026, 7, 11)).TableId);
        Assert.Equal("usps-2026-07-12", Quote(Ship("1"), MailClass.FirstClass, new DateOnly(2026, 7, 12)).TableId);
        Assert.Equal(740, Quote(Ship("1"), MailClass.FirstClass, March).PostageMills);
        Assert.Equal(780, Quote(Ship("1"), MailClass.FirstClass).PostageMills);
        Assert.Equal(ErrorCode.NoRateTableInEffect, Rates.Quote(Ship("1"), MailClass.FirstClass, new DateOnly(2025, 12, 31)).Error?.Code);
    }

    [Fact]
    public void First_class_mail_prices_letters_and_flats_by_the_ounce_and_takes_no_parcels()
    {
        var letter = Quote(Ship("3.5"), MailClass.FirstClass);
        Assert.Equal((Shape.Letter, 1700L, 35), (letter.Shape, letter.PostageMills, letter.Breakdown.StepUpToTenthsOz));
        Assert.Equal(1390, Quote(Ship("2.1"), MailClass.FirstClass).PostageMills); // a part ounce pays the next step
        var flat = Quote(Ship("3.6"), MailClass.FirstClass);
        Assert.Equal((Shape.Flat, 2640L), (flat.Shape, flat.PostageMills));
        Assert.Equal(ErrorCode.ClassDoesNotTakeShipment, Rates.Quote(Ship("3.6", shape: "letter"), MailClass.FirstClass, July).Error?.Code);
        Assert.Equal(ErrorCode.ClassDoesNotTakeShipment, Rates.Quote(Ship("2", dims: "12x7x0.2", shape: "letter"), MailClass.FirstClass, July).Error?.Code);
        Assert.Equal(ErrorCode.ClassDoesNotTakeShipment, Rates.Quote(Ship("13.1"), MailClass.FirstClass, July).Error?.Code);
        Assert.Equal(ErrorCode.ClassDoesNotTakeShipment, Rates.Quote(Ship("8", dims: "10x8x4"), MailClass.FirstClass, July).Error?.Code);
        Assert.Equal(ErrorCode.ClassDoesNotTakeShipment, Rates.Quote(Ship("3.4"), MailClass.Marketing, July).Error?.Code);
        Assert.Equal(ErrorCode.ExtraServiceNotAvailable, Rates.Quote(Ship("1", services: "signature"), MailClass.FirstClass, July).Error?.Code);
    }

    [Fact]
    public void Parcels_are_priced_by_weight_step_and_zone()
    {
        var ga = Quote(Ship("4.1", dims: "8x6x4"), MailClass.GroundAdvantage);
        Assert.Equal((Shape.Parcel, "8", 9930L, 80, PricedBy.Weight), (ga.Shape, ga.Zone.Zone.Name, ga.PostageMills, ga.Breakdown.StepUpToTenthsOz, ga.Breakdown.PricedBy));
        // Pound-rated classes: a part pound pays the next pound.
        Assert.Equal(32 * 10, Quote(Ship("16.1"), MailClass.Priority).Breakdown.StepUpToTenthsOz);
        Assert.Equal(16 * 10, Quote(Ship("16"), MailClass.Priority).Breakdown.StepUpToTenthsOz);
        Assert.Equal(ErrorCode.InvalidWeight, Shipment.Parse("10001", "90001", "1120.1", null, null, null, null).Error?.Code);
        Assert.True(Rates.Quote(Ship("1120"), MailClass.Media, July).IsSuccess); // 70 lb exactly
    }

    [Fact]
    public void Dimensional_weight_prices_a_parcel_over_one_cubic_foot_when_heavier_than_it_is()
    {
        // 12 x 12 x 13 = 1,872 cubic inches > 1,728: 1,872 / 166 = 11.3, so 12 lb.
        var big = Quote(Ship("16", dims: "12x12x13"), MailClass.Priority);
        Assert.Equal(PricedBy.DimensionalWeight, big.Breakdown.PricedBy);
        Assert.Equal(new DimensionalWeight(13, 12, 12, 1872, 12, true), big.Breakdown.DimensionalWeight);
        Assert.Equal(12 * 160, big.Breakdown.RatedTenthsOz);
        // Exactly one cubic foot is not over it: actual weight.
        var cube = Quote(Ship("16", dims: "12x12x12"), MailClass.Priority);
        Assert.Equal((PricedBy.Weight, false), (cube.Breakdown.PricedBy, cube.Breakdown.DimensionalWeight!.AboveThreshold));
        // Heavier than its dimensional weight: actual weight. Dimensions round to the nearest inch (12.5 -> 13, 12.4 -> 12).
        var heavy = Quote(Ship("400", dims: "12.4x12.5x13"), MailClass.GroundAdvantage);
        Assert.Equal((PricedBy.Weight, 13, 13, 12), (heavy.Breakdown.PricedBy, heavy.Breakdown.DimensionalWeight!.LengthInches, heavy.Breakdown.DimensionalWeight.WidthInches, heavy.Breakdown.DimensionalWeight.HeightInches));
        // Media Mail has no dimensional weight.
        Assert.Null(Quote(Ship("16", dims: "12x12x13"), MailClass.Media).Breakdown.DimensionalWeight);
    }

    [Fact]
    public void Priority_mail_cubic_tiers_price_a_small_heavy_parcel()
    {
        // 6.2 x 6.1 x 6 rounds down to 6 x 6 x 6 = 216 cubic inches = 0.125 cubic feet: tier 0.2.
        var small = Quote(Ship("160", dims: "6.2x6.1x6"), MailClass.Priority);
        Assert.Equal(PricedBy.CubicTier, small.Breakdown.PricedBy);
        Assert.Equal(2, small.Breakdown.Cubic!.Tier);
        Assert.Equal(small.Breakdown.Cubic.Mills, small.Breakdown.BaseMills);
        // Over 20 lb, or a side over 18 in: no cubic price.
        Assert.Null(Quote(Ship("321", dims: "6x6x6"), MailClass.Priority).Breakdown.Cubic);
        Assert.Null(Quote(Ship("16", dims: "18.5x2x2"), MailClass.Priority).Breakdown.Cubic);
        // Over half a cubic foot: no tier.
        Assert.Null(Quote(Ship("16", dims: "10x10x9"), MailClass.Priority).Breakdown.Cubic);
    }

    [Fact]
    public void Extra_services_add_their_fees()
    {
        var plain = Quote(Ship("20", dims: "10x8x4"), MailClass.GroundAdvantage);
        var signed = Quote(Ship("20", dims: "10x8x4", services: "signature"), MailClass.GroundAdvantage);
        Assert.Equal(plain.PostageMills + 3850, signed.PostageMills);
        Assert.Equal(2690, Quote(Ship("20", services: "insurance", declared: 50_000), MailClass.GroundAdvantage).Breakdown.Services.Single().Mills);
        Assert.Equal(0, Quote(Ship("20", services: "insurance", declared: 100_000), MailClass.Priority).Breakdown.Services.Single().Mills); // $100 included
        Assert.Equal(4480, Quote(Ship("20", services: "insurance", declared: 150_000), MailClass.Priority).Breakdown.Services.Single().Mills);
        Assert.Equal(7970 + 1640, Quote(Ship("20", services: "insurance,signature", declared: 600_000), MailClass.GroundAdvantage).Breakdown.Services[0].Mills);
        Assert.Equal(ErrorCode.InvalidDeclaredValue, Shipment.Parse("10001", "90001", "1", null, null, "insurance", null).Error?.Code);
        Assert.Equal(ErrorCode.InvalidDeclaredValue, Shipment.Parse("10001", "90001", "1", null, null, null, 5_000).Error?.Code);
        Assert.Equal(ErrorCode.InvalidDeclaredValue, Shipment.Parse("10001", "90001", "1", null, null, "insurance", 5_000_001).Error?.Code);
        Assert.Equal(ErrorCode.UnknownExtraService, Shipment.Parse("10001", "90001", "1", null, null, "registered", null).Error?.Code);
        Assert.Equal(ErrorCode.UnknownExtraService, Shipment.Parse("10001", "90001", "1", null, null, "0", null).Error?.Code);
    }

    [Theory]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("1.25")]
    [InlineData("1e3")]
    [InlineData("abc")]
    [InlineData("1121")]
    [InlineData("")]
    public void Impossible_weights_are_refused(string weight) =>
        Assert.Equal(ErrorCode.InvalidWeight, Shipment.Parse("10001", "90001", weight, null, null, null, null).Error?.Code);

    [Theory]
    [InlineData("12x10")]
    [InlineData("0x10x10")]
    [InlineData("109x1x1")]
    [InlineData("60x20x20")] // length plus girth 140 in
    [InlineData("12x10x-4")]
    [InlineData("12x10x4.125")]
    public void Impossible_dimensions_are_refused(string dims) =>
        Assert.Equal(ErrorCode.InvalidDimensions, Shipment.Parse("10001", "90001", "1", dims, null, null, null).Error?.Code);

    [Fact]
    public void Rate_shopping_lists_every_class_that_takes_the_shipment_cheapest_first()
    {
        var shopping = Rates.Shop(Ship("2"), July).Value;
        Assert.Equal(shopping.Quotes.OrderBy(q => q.PostageMills).Select(q => q.PostageMills), shopping.Quotes.Select(q => q.PostageMills));
        Assert.Equal([MailClass.Marketing, MailClass.FirstClass], shopping.Quotes.Take(2).Select(q => q.Class));
        Assert.Equal(6, shopping.Quotes.Count); // a 2 oz letter: every class takes it
        Assert.Empty(shopping.Refused);
        Assert.Equal("usps-2026-07-12", shopping.TableId);
    }

    [Fact]
    public void Rate_shopping_says_why_a_class_does_not_take_a_parcel()
    {
        var shopping = Rates.Shop(Ship("1100", dims: "20x10x10"), July).Value;
        Assert.Equal(new[] { MailClass.GroundAdvantage, MailClass.Priority, MailClass.PriorityExpress, MailClass.Media }.Order(), shopping.Quotes.Select(q => q.Class).Order());
        Assert.All(shopping.Refused, r => Assert.Equal(ErrorCode.ClassDoesNotTakeShipment, r.Error.Code));
        Assert.Equal([MailClass.FirstClass, MailClass.Marketing], shopping.Refused.Select(r => r.Class));
    }

    [Fact]
    public void Postage_never_falls_as_weight_or_distance_grows()
    {
        var zips = new[] { "10001", "10002", "19104", "20001", "30301", "60601", "75201", "80202", "90001", "96939" };
        Gen.Select(Gen.Int[1, 11_200], Gen.Int[1, 11_200], Gen.Enum<MailClass>(), Gen.Int[1, zips.Length - 1]).Sample((w1, w2, mailClass, z) =>
        {
            var (light, heavy) = (Math.Min(w1, w2), Math.Max(w1, w2));
            var a = Rates.Quote(Ship(Ounces(light), to: zips[z]), mailClass, July);
            var b = Rates.Quote(Ship(Ounces(heavy), to: zips[z]), mailClass, July);
            if (a.IsSuccess && b.IsSuccess) Assert.True(a.Value.PostageMills <= b.Value.PostageMills, $"{mailClass} {light} {heavy}");
            if (!a.IsSuccess && b.IsSuccess) Assert.Fail($"{mailClass} takes {heavy} but not {light}");
            var near = Rates.Quote(Ship(Ounces(heavy), to: zips[z - 1]), mailClass, July);
            if (near.IsSuccess && b.IsSuccess && near.Value.Zone.Zone.Number <= b.Value.Zone.Zone.Number)
                Assert.True(near.Value.PostageMills <= b.Value.PostageMills, $"{mailClass} {heavy} zone {near.Value.Zone.Zone} vs {b.Value.Zone.Zone}");
        }, iter: 3000);
    }

    [Fact]
    public void Every_embedded_table_prices_every_class()
    {
        foreach (var table in Rates.Tables.All)
            foreach (var mailClass in MailClasses.All)
                Assert.NotEmpty(table.ShapesOf(mailClass));
    }

    private static string Ounces(int tenths) => (tenths / 10m).ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
}
