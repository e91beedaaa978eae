using System.Globalization;
using VbiOrleans.Domain.Errors;

namespace VbiOrleans.Domain.Rates;

/// <summary>
/// Length, width and height in hundredths of an inch, longest first (length is the longest side; girth is measured
/// around the other two).
/// </summary>
public readonly record struct Dimensions
{
    public Dimensions(int a, int b, int c)
    {
        Span<int> sides = [a, b, c];
        sides.Sort();
        (Length, Width, Height) = (sides[2], sides[1], sides[0]);
    }

    public int Length { get; }
    public int Width { get; }
    public int Height { get; }

    /// <summary>Length plus girth, hundredths of an inch.</summary>
    public int LengthPlusGirth => Length + 2 * (Width + Height);

    public override string ToString() => $"{Inches(Length)}x{Inches(Width)}x{Inches(Height)}";

    public static string Inches(int hundredths) => (hundredths / 100m).ToString("0.##", CultureInfo.InvariantCulture);
}

/// <summary>
/// What is quoted: origin and destination ZIP, weight in tenths of an ounce, optional dimensions and shape, extra
/// services and the declared value for insurance.
/// </summary>
public sealed record Shipment(
    string From,
    string To,
    int WeightTenthsOz,
    Dimensions? Dimensions,
    Shape? Shape,
    IReadOnlyList<ExtraService> Services,
    long? DeclaredValueMills)
{
    /// <summary>70 lb: the most any class takes.</summary>
    public const int MaxWeightTenthsOz = 70 * 16 * 10;

    /// <summary>The longest side any class takes, and the largest length plus girth (Ground Advantage), in inches.</summary>
    public const int MaxSideInches = 108;
    public const int MaxLengthPlusGirthInches = 130;

    /// <summary>The largest insurable declared value: $5,000.</summary>
    public const long MaxDeclaredValueMills = 5_000_000;

    /// <summary>
    /// Reads a shipment as the API and the CLI give it: weight in ounces with at most one decimal ("3.5"),
    /// dimensions "LxWxH" in inches with at most two decimals, shape and services by name (services comma-separated).
    /// ZIPs are checked against the ZIP data when the zone is found, not here.
    /// </summary>
    public static Result<Shipment> Parse(string? from, string? to, string? weightOz, string? dims, string? shape, string? services, long? declaredValueMills)
    {
        if (ParseWeight(weightOz) is not { } weight)
            return new DomainError(ErrorCode.InvalidWeight, "weightOz is a weight in ounces with at most one decimal, more than 0 and at most 1120 (70 lb)");
        Dimensions? dimensions = null;
        if (!string.IsNullOrWhiteSpace(dims))
        {
            if (ParseDimensions(dims) is not { } d)
                return new DomainError(ErrorCode.InvalidDimensions,
                    $"dims is LxWxH in inches (like 12x10x4.5), each more than 0 and at most {MaxSideInches}, length plus girth at most {MaxLengthPlusGirthInches}");
            dimensions = d;
        }
        Shape? parsedShape = null;
        if (!string.IsNullOrWhiteSpace(shape))
        {
            if (ByName<Shape>(shape) is not { } s)
                return new DomainError(ErrorCode.ValidationFailed, "shape is one of letter, flat, parcel");
            parsedShape = s;
        }
        var list = new List<ExtraService>();
        foreach (var name in (services ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (ByName<ExtraService>(name) is not { } service)
                return new DomainError(ErrorCode.UnknownExtraService, $"'{name}' is not an extra service (signature, insurance)");
            if (!list.Contains(service)) list.Add(service);
        }
        var insured = list.Contains(ExtraService.Insurance);
        if (insured && declaredValueMills is not (> 0 and <= MaxDeclaredValueMills))
            return new DomainError(ErrorCode.InvalidDeclaredValue, $"insurance needs declaredValueMills, more than 0 and at most {MaxDeclaredValueMills} ($5,000)");
        if (!insured && declaredValueMills is not null)
            return new DomainError(ErrorCode.InvalidDeclaredValue, "declaredValueMills is given only with the insurance service");
        return new Shipment(from?.Trim() ?? "", to?.Trim() ?? "", weight, dimensions, parsedShape, list, declaredValueMills);
    }

    /// <summary>An enum member by its exact name, case-insensitively (no numbers, no combinations).</summary>
    private static T? ByName<T>(string name) where T : struct, Enum
    {
        foreach (var value in Enum.GetValues<T>())
            if (string.Equals(value.ToString(), name.Trim(), StringComparison.OrdinalIgnoreCase))
                return value;
        return null;
    }

    /// <summary>Ounces with at most one decimal, as tenths of an ounce; null when not a weight any class takes.</summary>
    public static int? ParseWeight(string? ounces) =>
        ParseFixed(ounces, 1) is { } tenths && tenths is > 0 and <= MaxWeightTenthsOz ? (int)tenths : null;

    public static Dimensions? ParseDimensions(string? text)
    {
        var parts = (text ?? "").Split('x', 'X');
        if (parts.Length != 3) return null;
        var sides = new int[3];
        for (var i = 0; i < 3; i++)
        {
            if (ParseFixed(parts[i], 2) is not { } h || h <= 0 || h > MaxSideInches * 100) return null;
            sides[i] = (int)h;
        }
        var d = new Dimensions(sides[0], sides[1], sides[2]);
        return d.LengthPlusGirth <= MaxLengthPlusGirthInches * 100 ? d : null;
    }

    /// <summary>A non-negative decimal with at most <paramref name="decimals"/> digits after the point, scaled to an integer.</summary>
    private static long? ParseFixed(string? text, int decimals)
    {
        var s = text?.Trim();
        if (string.IsNullOrEmpty(s) || s.Length > 12) return null;
        var point = s.IndexOf('.');
        var whole = point < 0 ? s : s[..point];
        var fraction = point < 0 ? "" : s[(point + 1)..];
        if (whole.Length == 0 || !whole.All(char.IsAsciiDigit) || !fraction.All(char.IsAsciiDigit) || fraction.Length > decimals
            || (point >= 0 && fraction.Length == 0))
            return null;
        return long.Parse(whole + fraction.PadRight(decimals, '0'), NumberStyles.None, CultureInfo.InvariantCulture);
    }
}
