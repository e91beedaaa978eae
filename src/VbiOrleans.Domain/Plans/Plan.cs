namespace VbiOrleans.Domain.Plans;

/// <summary>
/// A pricing plan (the seed's pricing plan service): a monthly fee, a fee per label printed beyond the labels the
/// month includes, and free trial days that waive the monthly fee from a customer's first choice of a plan.
/// Every amount is whole cents (a multiple of 10 mills), so every fee, proration and invoice total is whole cents
/// and a card charges it exactly.
/// </summary>
public sealed record Plan(string Id, string Name, long MonthlyFeeMills, long LabelFeeMills, int IncludedLabels, int TrialDays)
{
    public const long MillsPerCent = 10;

    /// <summary>Why the plan cannot be offered, or null.</summary>
    public string? Validate()
    {
        if (string.IsNullOrWhiteSpace(Id) || Id.Any(c => !(char.IsAsciiLetterLower(c) || char.IsAsciiDigit(c) || c == '-'))) return $"plan id '{Id}' is not lower-case letters, digits and '-'";
        if (string.IsNullOrWhiteSpace(Name)) return $"plan '{Id}' has no name";
        if (MonthlyFeeMills < 0 || MonthlyFeeMills % MillsPerCent != 0) return $"plan '{Id}': the monthly fee is not whole cents";
        if (LabelFeeMills < 0 || LabelFeeMills % MillsPerCent != 0) return $"plan '{Id}': the label fee is not whole cents";
        if (IncludedLabels < 0) return $"plan '{Id}': negative included labels";
        if (TrialDays is < 0 or > 365) return $"plan '{Id}': trial days outside 0 to 365";
        return null;
    }
}
