namespace VbiOrleans.Domain.Rates;

/// <summary>The mail classes quoted and printed. Their wire names are <see cref="MailClasses.Name"/>.</summary>
public enum MailClass
{
    FirstClass,
    GroundAdvantage,
    Priority,
    PriorityExpress,
    Media,
    Marketing,
}

/// <summary>The processing shape of a piece: what First-Class Mail and Marketing Mail price by.</summary>
public enum Shape
{
    Letter,
    Flat,
    Parcel,
}

public enum ExtraService
{
    /// <summary>Signature Confirmation.</summary>
    Signature,
    /// <summary>Insurance for the declared value.</summary>
    Insurance,
}

public static class MailClasses
{
    private static readonly (MailClass Class, string Name)[] Names =
    [
        (MailClass.FirstClass, "FIRST-CLASS"),
        (MailClass.Priority, "PRIORITY"),
        (MailClass.PriorityExpress, "PRIORITY-EXPRESS"),
        (MailClass.GroundAdvantage, "GROUND-ADVANTAGE"),
        (MailClass.Media, "MEDIA"),
        (MailClass.Marketing, "MARKETING"),
    ];

    /// <summary>Every class by its wire name, in the order the API lists them.</summary>
    public static IReadOnlyList<string> AllNames { get; } = Names.Select(n => n.Name).ToArray();

    public static IReadOnlyList<MailClass> All { get; } = Names.Select(n => n.Class).ToArray();

    public static string Name(this MailClass mailClass) => Names.First(n => n.Class == mailClass).Name;

    /// <summary>Reads a wire name, case-insensitively and with surrounding spaces ignored.</summary>
    public static bool TryParse(string? name, out MailClass mailClass)
    {
        var trimmed = name?.Trim();
        foreach (var (c, n) in Names)
            if (string.Equals(n, trimmed, StringComparison.OrdinalIgnoreCase))
            {
                mailClass = c;
                return true;
            }
        mailClass = default;
        return false;
    }

    public static string Name(this Shape shape) => shape.ToString().ToLowerInvariant();

    public static string Name(this ExtraService service) => service.ToString().ToLowerInvariant();
}
