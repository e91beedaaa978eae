namespace VbiOrleans.Domain.Plans;

/// <summary>A customer's choice of a plan from an instant on. The first choice starts the free trial.</summary>
public sealed record PlanChoice(int Number, string PlanId, DateTimeOffset Since);

/// <summary>The part of a month one plan choice bills: [From, To) and its prorated fee.</summary>
public sealed record PlanFeeSegment(int ChoiceNumber, string PlanId, BillingMonth Month, DateTimeOffset From, DateTimeOffset To, long FeeMills);

/// <summary>
/// A customer's plan choices over time: which plan is in effect at an instant, when the trial ends, and the
/// prorated plan-fee segments of a month. Pure: the same choices give the same segments whenever they are asked
/// for, so a segment is posted by its id (choice number and month) with the same amount from any caller.
/// </summary>
public sealed class PlanTimeline
{
    public PlanTimeline(IReadOnlyList<PlanChoice> choices, PlanCatalogue catalogue)
    {
        for (int i = 1; i < choices.Count; i++)
        {
            if (choices[i].Since < choices[i - 1].Since) throw new ArgumentException("plan choices out of order", nameof(choices));
        }
        Choices = choices;
        Catalogue = catalogue;
    }

    public IReadOnlyList<PlanChoice> Choices { get; }

    public PlanCatalogue Catalogue { get; }

    /// <summary>The trial ends this many days after the first choice, by the first chosen plan's trial days; null with no choice.</summary>
    public DateTimeOffset? TrialEnd =>
        Choices.Count == 0 ? null : Choices[0].Since.AddDays(Catalogue.Find(Choices[0].PlanId)?.TrialDays ?? 0);

    /// <summary>The choice in effect at the instant, or null before the first choice.</summary>
    public PlanChoice? At(DateTimeOffset instant)
    {
        PlanChoice? current = null;
        foreach (var choice in Choices)
        {
            if (choice.Since > instant) break;
            current = choice;
        }
        return current;
    }

    /// <summary>
    /// The plan-fee segments of the month up to <paramref name="until"/> (the month's end for a closed month, the
    /// instant of a change for the segments a change closes). Trial time bills nothing; zero-fee segments are left out.
    /// </summary>
    public IReadOnlyList<PlanFeeSegment> Segments(BillingMonth month, DateTimeOffset until)
    {
        var segments = new List<PlanFeeSegment>();
        var billedFrom = TrialEnd ?? month.End;
        for (int i = 0; i < Choices.Count; i++)
        {
            var choice = Choices[i];
            var end = i + 1 < Choices.Count ? Choices[i + 1].Since : DateTimeOffset.MaxValue;
            var from = Max(Max(choice.Since, month.Start), billedFrom);
            var to = Min(Min(end, month.End), until);
            if (from >= to || Catalogue.Find(choice.PlanId) is not { } plan) continue;
            var fee = Proration.Fee(plan.MonthlyFeeMills, month, from, to);
            if (fee > 0) segments.Add(new PlanFeeSegment(choice.Number, plan.Id, month, from, to, fee));
        }
        return segments;
    }

    private static DateTimeOffset Max(DateTimeOffset a, DateTimeOffset b) => a > b ? a : b;
    private static DateTimeOffset Min(DateTimeOffset a, DateTimeOffset b) => a < b ? a : b;
}

/// <summary>The fee of one label under a plan.</summary>
public static class LabelFees
{
    /// <summary>
    /// The fee of a label printed when <paramref name="labelsBefore"/> labels were already counted in its month: 0
    /// within the plan's included labels, the plan's label fee beyond them.
    /// </summary>
    public static long FeeOf(Plan plan, long labelsBefore)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(labelsBefore);
        return labelsBefore < plan.IncludedLabels ? 0 : plan.LabelFeeMills;
    }
}
