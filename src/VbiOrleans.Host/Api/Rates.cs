using VbiOrleans.Domain.Rates;

namespace VbiOrleans.Host.Api;

/// <summary>The mail classes the API accepts on a print, by wire name: the classes the price tables quote.</summary>
public static class Rates
{
    public static IReadOnlyList<string> MailClasses => Domain.Rates.MailClasses.AllNames;
}
