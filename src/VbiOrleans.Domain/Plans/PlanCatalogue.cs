using System.Collections.Frozen;
using System.Text.Json;

namespace VbiOrleans.Domain.Plans;

/// <summary>
/// The plans customers choose from: the catalogue embedded in this assembly (<c>Plans/Data/plans.json</c>, listed in
/// docs/commerce.md). A plan's id is what a customer's choice and every fee posting name, so an id is never reused
/// for other terms: new terms are a new plan.
/// </summary>
public sealed class PlanCatalogue
{
    private readonly FrozenDictionary<string, Plan> _byId;

    public PlanCatalogue(IEnumerable<Plan> plans)
    {
        Plans = [.. plans];
        foreach (var plan in Plans)
        {
            if (plan.Validate() is { } problem) throw new ArgumentException(problem, nameof(plans));
        }
        _byId = Plans.ToFrozenDictionary(p => p.Id, StringComparer.Ordinal);
        if (_byId.Count != Plans.Count) throw new ArgumentException("two plans have the same id", nameof(plans));
    }

    public IReadOnlyList<Plan> Plans { get; }

    public Plan? Find(string? id) => id is not null && _byId.TryGetValue(id, out var plan) ? plan : null;

    private static readonly Lazy<PlanCatalogue> BuiltInCatalogue = new(Load);

    /// <summary>The embedded catalogue.</summary>
    public static PlanCatalogue BuiltIn => BuiltInCatalogue.Value;

    private static PlanCatalogue Load()
    {
        using var stream = typeof(PlanCatalogue).Assembly.GetManifestResourceStream("VbiOrleans.Plans.plans.json")
            ?? throw new InvalidOperationException("the plan catalogue is not embedded");
        var plans = JsonSerializer.Deserialize<List<Plan>>(stream, new JsonSerializerOptions(JsonSerializerDefaults.Web))
            ?? throw new InvalidOperationException("the plan catalogue is empty");
        return new PlanCatalogue(plans);
    }
}
