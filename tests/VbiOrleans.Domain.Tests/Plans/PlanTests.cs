using CsCheck;
using VbiOrleans.Domain.Plans;

namespace VbiOrleans.Domain.Tests.Plans;

public sealed class PlanTests
{
    private static readonly PlanCatalogue Catalogue = PlanCatalogue.BuiltIn;
    private static readonly BillingMonth December = new(2026, 12); // 31 days: 2,678,400 s
    private static readonly BillingMonth February = new(2027, 2); // 28 days: 2,419,200 s

    [Fact]
    public void The_built_in_catalogue_has_starter_business_and_volume_in_whole_cents()
    {
        Assert.Equal(["starter", "business", "volume"], Catalogue.Plans.Select(p => p.Id));
        var business = Catalogue.Find("business")!;
        Assert.Equal(new Plan("business", "Business", 15_990, 50, 500, 30), business);
        Assert.All(Catalogue.Plans, p => Assert.Null(p.Validate()));
        Assert.Null(Catalogue.Find("gold"));
        Assert.Null(Catalogue.Find(null));
    }

    [Fact]
    public void A_plan_with_fees_not_in_whole_cents_is_refused()
    {
        Assert.NotNull(new Plan("x", "X", 15_995, 50, 0, 0).Validate());
        Assert.NotNull(new Plan("x", "X", 15_990, 55, 0, 0).Validate());
        Assert.NotNull(new Plan("X!", "X", 0, 0, 0, 0).Validate());
        Assert.Throws<ArgumentException>(() => new PlanCatalogue([new Plan("a", "A", 0, 0, 0, 0), new Plan("a", "B", 0, 0, 0, 0)]));
    }

    [Fact]
    public void Billing_months_parse_and_print_as_year_dash_month()
    {
        Assert.True(BillingMonth.TryParse("2026-12", out var month));
        Assert.Equal(December, month);
        Assert.Equal("2026-12", month.ToString());
        Assert.Equal("202612", month.Compact);
        Assert.Equal(new BillingMonth(2027, 1), month.Next);
        Assert.Equal(2_678_400, month.Seconds);
        Assert.Equal(2_419_200, February.Seconds);
        foreach (var bad in new[] { "2026-13", "2026-00", "2026-1", "26-12", "2026/12", "", null, "２０２６-12" })
        {
            Assert.False(BillingMonth.TryParse(bad, out _));
        }
    }

    [Fact]
    public void Proration_is_by_seconds_of_the_utc_month_rounded_down_to_the_cent()
    {
        // Half of December (15.5 days = 1,339,200 s) of 15,990 mills: 7,995 mills, rounded down to 7,990.
        var mid = December.Start.AddSeconds(1_339_200);
        Assert.Equal(7_990, Proration.EarnedUntil(15_990, December, mid));
        Assert.Equal(8_000, Proration.Fee(15_990, December, mid, December.End));
        // One day of February: 49,990 / 28 = 1,785.35… mills, rounded down to 1,780.
        Assert.Equal(1_780, Proration.Fee(49_990, February, February.Start, February.Start.AddDays(1)));
        Assert.Equal(15_990, Proration.Fee(15_990, December, December.Start.AddDays(-3), December.End.AddDays(3)));
        Assert.Equal(0, Proration.Fee(15_990, December, mid, mid));
        Assert.Equal(0, Proration.Fee(15_990, December, December.End, December.End.AddDays(1)));
    }

    [Fact]
    public void Pieces_of_a_month_under_one_plan_add_up_to_the_monthly_fee_exactly()
    {
        var gen = Gen.Select(Gen.Long[0, 1_000_000].Select(c => c * 10), Gen.Long[0, 2_678_399].Array[0, 20]);
        gen.Sample((fee, cuts) =>
        {
            var points = cuts.Distinct().Order().Select(s => December.Start.AddSeconds(s)).Prepend(December.Start).Append(December.End).Distinct().ToList();
            long sum = 0;
            for (int i = 0; i + 1 < points.Count; i++)
            {
                var piece = Proration.Fee(fee, December, points[i], points[i + 1]);
                Assert.True(piece >= 0 && piece % 10 == 0);
                sum += piece;
            }
            Assert.Equal(fee, sum);
        });
    }

    [Fact]
    public void A_mid_month_change_bills_each_plan_for_its_part_and_the_trial_bills_nothing()
    {
        // Volume from December 1st (30-day trial to December 31st 00:00), then Business from December 31st 12:00.
        var choices = new List<PlanChoice>
        {
            new(1, "volume", December.Start),
            new(2, "business", December.Start.AddDays(30).AddHours(12)),
        };
        var timeline = new PlanTimeline(choices, Catalogue);
        Assert.Equal(December.Start.AddDays(30), timeline.TrialEnd);
        var segments = timeline.Segments(December, December.End);
        // Volume, from the trial's end (30 d) to 30.5 d: earned 49,183.7 → 49,180 minus 48,377.4 → 48,370 = 810.
        // Business, the last 12 h: 15,990 minus earned at 30.5 d, 15,732.0 → 15,730 = 260.
        Assert.Equal(
            [new PlanFeeSegment(1, "volume", December, December.Start.AddDays(30), December.Start.AddDays(30).AddHours(12), 810),
             new PlanFeeSegment(2, "business", December, December.Start.AddDays(30).AddHours(12), December.End, 260)],
            segments);
        // The segments a change closes are the same as the month's close gives for them.
        Assert.Equal(segments[0], Assert.Single(timeline.Segments(December, choices[1].Since)));
        Assert.Equal("business", timeline.At(December.End.AddSeconds(-1))!.PlanId);
        Assert.Null(timeline.At(December.Start.AddSeconds(-1)));
        Assert.Equal(15_990, new PlanTimeline(choices, Catalogue).Segments(new BillingMonth(2027, 1), new BillingMonth(2027, 1).End).Single().FeeMills);
    }

    [Fact]
    public void A_label_within_the_included_labels_is_free_and_beyond_them_costs_the_plan_fee()
    {
        var business = Catalogue.Find("business")!;
        Assert.Equal(0, LabelFees.FeeOf(business, 0));
        Assert.Equal(0, LabelFees.FeeOf(business, 499));
        Assert.Equal(50, LabelFees.FeeOf(business, 500));
        Assert.Equal(250, LabelFees.FeeOf(Catalogue.Find("starter")!, 0));
    }

    [Fact]
    public void An_invoice_lists_plan_segments_groups_label_fees_and_applies_credits_in_whole_cents()
    {
        var at = December.Start.AddDays(3);
        var charges = new List<FeeCharge>
        {
            new("fee:m-1:7", FeeKind.LabelFee, at.AddHours(2), 250, "label"),
            new("plan-fee:u-1:2026-12:1", FeeKind.PlanFee, at, 8_000, "Business plan"),
            new("fee:m-1:5", FeeKind.LabelFee, at.AddHours(1), 250, "label"),
            new("fee:m-2:3", FeeKind.LabelFee, at.AddHours(1), 50, "label"),
        };
        var invoice = InvoiceDocument.Build("inv-202612-u-1", "u-1", December, charges, 1_235);
        Assert.Equal(
            [new InvoiceLine(FeeKind.PlanFee, "Business plan", 1, 8_000, 8_000),
             new InvoiceLine(FeeKind.LabelFee, "Label fees", 1, 50, 50),
             new InvoiceLine(FeeKind.LabelFee, "Label fees", 2, 250, 500)],
            invoice.Lines);
        Assert.Equal(8_550, invoice.SubtotalMills);
        Assert.Equal(1_230, invoice.CreditAppliedMills);
        Assert.Equal(7_320, invoice.TotalMills);
        Assert.Equal(0, InvoiceDocument.Build("n", "u-1", December, charges, 100_000).TotalMills);
        Assert.Equal("inv-202612-u-1", InvoiceDocument.NumberOf(December, "u-1"));
        Assert.Throws<ArgumentOutOfRangeException>(() => InvoiceDocument.Build("n", "u-1", December, [charges[0] with { AmountMills = -10 }], 0));
    }

    [Fact]
    public void Invoice_total_is_the_sum_of_its_fee_postings_less_credits_applied_and_never_negative()
    {
        var charge = Gen.Select(Gen.Enum<FeeKind>(), Gen.Long[0, 5_000_000], Gen.Int[0, 2_678_399])
            .Select((kind, mills, s) => new FeeCharge($"e-{s}-{mills}", kind, December.Start.AddSeconds(s), mills, kind.ToString()));
        Gen.Select(charge.List[0, 60], Gen.Long[-1_000_000, 100_000_000]).Sample((charges, credit) =>
        {
            var invoice = InvoiceDocument.Build("n", "u-1", December, charges, credit);
            Assert.Equal(charges.Sum(c => c.AmountMills) - invoice.CreditAppliedMills, invoice.TotalMills);
            Assert.Equal(charges.Sum(c => c.AmountMills), invoice.Lines.Sum(l => l.AmountMills));
            Assert.True(invoice.TotalMills >= 0);
            Assert.InRange(invoice.CreditAppliedMills, 0, Math.Max(0, credit));
            Assert.Equal(0, invoice.CreditAppliedMills % 10);
            Assert.All(invoice.Lines, l => Assert.Equal(l.Quantity * l.UnitMills, l.AmountMills));
        });
    }
}
