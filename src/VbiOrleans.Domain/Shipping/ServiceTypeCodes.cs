using VbiOrleans.Domain.Rates;

namespace VbiOrleans.Domain.Shipping;

/// <summary>
/// The 3-digit service type code (STC) of an IMpb tracking number: the class and the extra service the piece was paid
/// for. Publication 199's appendix holds the authoritative table; the codes below follow secondary sources and are
/// illustrative until checked against it (docs/shipping.md says so).
/// </summary>
public static class ServiceTypeCodes
{
    private static readonly (MailClass Class, string Tracking, string Signature)[] Table =
    [
        (MailClass.FirstClass, "001", "021"),
        (MailClass.GroundAdvantage, "612", "613"),
        (MailClass.Priority, "055", "108"),
        (MailClass.PriorityExpress, "701", "702"),
        (MailClass.Media, "710", "711"),
        (MailClass.Marketing, "220", "220"),
    ];

    /// <summary>Every (class, signature?, code), for the documentation and the tests.</summary>
    public static IEnumerable<(MailClass Class, bool Signature, string Code)> All =>
        Table.SelectMany(t => new[] { (t.Class, false, t.Tracking), (t.Class, true, t.Signature) });

    /// <summary>The code for a class with USPS Tracking, or with Signature Confirmation when <paramref name="signature"/>.</summary>
    public static string For(MailClass mailClass, bool signature)
    {
        var row = Table.First(t => t.Class == mailClass);
        return signature ? row.Signature : row.Tracking;
    }
}

/// <summary>The class banner printed across a shipping label.</summary>
public static class ServiceBanners
{
    public static string For(MailClass mailClass) => mailClass switch
    {
        MailClass.FirstClass => "USPS FIRST-CLASS MAIL",
        MailClass.GroundAdvantage => "USPS GROUND ADVANTAGE",
        MailClass.Priority => "USPS PRIORITY MAIL",
        MailClass.PriorityExpress => "USPS PRIORITY MAIL EXPRESS",
        MailClass.Media => "USPS MEDIA MAIL",
        _ => "USPS MARKETING MAIL",
    };
}
