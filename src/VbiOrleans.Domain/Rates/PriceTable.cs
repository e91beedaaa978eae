using System.Globalization;
using VbiOrleans.Domain.Geography;

namespace VbiOrleans.Domain.Rates;

/// <summary>
/// One weight step of a class's prices: up to <see cref="UpToTenthsOz"/>, the price per zone column (Local, 1 to 9),
/// or one price for every zone when the class is not zoned.
/// </summary>
public sealed record WeightStep(int UpToTenthsOz, IReadOnlyList<long> Mills)
{
    public long For(Zone zone) => Mills.Count == 1 ? Mills[0] : Mills[zone.Number];
}

/// <summary>A class's prices for one shape: weight steps, ascending.</summary>
public sealed record ClassPrices(MailClass Class, Shape Shape, bool Zoned, IReadOnlyList<WeightStep> Steps)
{
    public int MaxTenthsOz => Steps[^1].UpToTenthsOz;

    /// <summary>The first step that takes the weight: a weight between two steps pays the higher one.</summary>
    public WeightStep? StepFor(int tenthsOz) => Steps.FirstOrDefault(s => s.UpToTenthsOz >= tenthsOz);
}

/// <summary>Cubic prices: tier n is up to n tenths of a cubic foot; for parcels up to a weight and a longest side.</summary>
public sealed record CubicPrices(MailClass Class, int MaxTenthsOz, int MaxSideInches, IReadOnlyList<IReadOnlyList<long>> TierMills)
{
    public int Tiers => TierMills.Count;
}

/// <summary>Insurance fees: up to a declared value, a fee; above the last band, a fee per further step up to a maximum.</summary>
public sealed record InsuranceFees(IReadOnlyList<(long UpToMills, long FeeMills)> Bands, long StepMills, long StepFeeMills, long MaxMills,
    IReadOnlyDictionary<MailClass, long> Included);

/// <summary>
/// A price table: every class's prices, in force from <see cref="Effective"/> until the next table's date. Read from
/// a versioned data file (Rates/Data/*.txt); a quote names the table that priced it.
/// </summary>
public sealed record PriceTable(
    string Id,
    DateOnly Effective,
    string Source,
    int DimDivisor,
    int DimThresholdCubicInches,
    IReadOnlyList<ClassPrices> Prices,
    IReadOnlyList<CubicPrices> Cubic,
    IReadOnlyDictionary<ExtraService, long> ServiceFees,
    InsuranceFees Insurance)
{
    public ClassPrices? PricesFor(MailClass mailClass, Shape shape) =>
        Prices.FirstOrDefault(p => p.Class == mailClass && p.Shape == shape);

    public IEnumerable<Shape> ShapesOf(MailClass mailClass) => Prices.Where(p => p.Class == mailClass).Select(p => p.Shape);

    public CubicPrices? CubicFor(MailClass mailClass) => Cubic.FirstOrDefault(c => c.Class == mailClass);

    /// <summary>
    /// Reads a table file: header lines (<c>table</c>, <c>effective</c>, <c>source</c>, <c>dim-divisor</c>,
    /// <c>dim-threshold-cubic-inches</c>), then blocks (<c>prices CLASS SHAPE zoned|unzoned</c> or
    /// <c>cubic CLASS MAXOZ MAXSIDE</c>, rows until a blank line) and service lines. <c>#</c> starts a comment.
    /// Any inconsistency is an <see cref="InvalidDataException"/>: a table that does not read is never used.
    /// </summary>
    public static PriceTable Parse(string text)
    {
        try
        {
            return ParseLines(text);
        }
        catch (Exception e) when (e is IndexOutOfRangeException or FormatException or ArgumentException)
        {
            throw new InvalidDataException($"price table: {e.Message}", e);
        }
    }

    private static PriceTable ParseLines(string text)
    {
        string? id = null, source = null;
        DateOnly? effective = null;
        int? divisor = null, threshold = null;
        var prices = new List<ClassPrices>();
        var cubic = new List<CubicPrices>();
        var fees = new Dictionary<ExtraService, long>();
        var bands = new List<(long, long)>();
        (long Step, long Fee, long Max)? each = null;
        var included = new Dictionary<MailClass, long>();
        var lines = text.Split('\n').Select(l => (l.Contains('#') ? l[..l.IndexOf('#')] : l).Trim()).ToArray();
        for (var i = 0; i < lines.Length; i++)
        {
            var f = lines[i].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (f.Length == 0) continue;
            var where = $"line {i + 1}";
            switch (f[0])
            {
                case "table": id = f[1]; break;
                case "effective": effective = DateOnly.ParseExact(f[1], "yyyy-MM-dd", CultureInfo.InvariantCulture); break;
                case "source": source = string.Join(' ', f[1..]); break;
                case "dim-divisor": divisor = Int(f[1], where); break;
                case "dim-threshold-cubic-inches": threshold = Int(f[1], where); break;
                case "prices":
                {
                    var mailClass = Class(f[1], where);
                    var shape = Enum.Parse<Shape>(f[2], ignoreCase: true);
                    var zoned = f[3] switch { "zoned" => true, "unzoned" => false, _ => throw Bad(where, "zoned or unzoned") };
                    var steps = new List<WeightStep>();
                    for (; i + 1 < lines.Length && lines[i + 1].Length > 0; i++)
                    {
                        var row = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        var upTo = Shipment.ParseWeight(row[0]) ?? throw Bad($"line {i + 2}", "a weight in ounces");
                        var mills = row[1..].Select(m => Mills(m, $"line {i + 2}")).ToArray();
                        if (mills.Length != (zoned ? 10 : 1)) throw Bad($"line {i + 2}", zoned ? "10 zone columns (L, 1 to 9)" : "one price");
                        if (steps.Count > 0 && steps[^1].UpToTenthsOz >= upTo) throw Bad($"line {i + 2}", "weights in ascending order");
                        steps.Add(new WeightStep(upTo, mills));
                    }
                    if (steps.Count == 0) throw Bad(where, "at least one weight step");
                    prices.Add(new ClassPrices(mailClass, shape, zoned, steps));
                    break;
                }
                case "cubic":
                {
                    var mailClass = Class(f[1], where);
                    var tiers = new List<IReadOnlyList<long>>();
                    for (; i + 1 < lines.Length && lines[i + 1].Length > 0; i++)
                    {
                        var row = lines[i + 1].Split(' ', StringSplitOptions.RemoveEmptyEntries);
                        if (Int(row[0], $"line {i + 2}") != tiers.Count + 1) throw Bad($"line {i + 2}", "tiers 1, 2, 3, ... in order");
                        var mills = row[1..].Select(m => Mills(m, $"line {i + 2}")).ToArray();
                        if (mills.Length != 10) throw Bad($"line {i + 2}", "10 zone columns (L, 1 to 9)");
                        tiers.Add(mills);
                    }
                    cubic.Add(new CubicPrices(mailClass, Int(f[2], where) * 10, Int(f[3], where), tiers));
                    break;
                }
                case "service": fees[Enum.Parse<ExtraService>(f[1], ignoreCase: true)] = Mills(f[2], where); break;
                case "insurance": bands.Add((Mills(f[1], where), Mills(f[2], where))); break;
                case "insurance-each": each = (Mills(f[1], where), Mills(f[2], where), Mills(f[3], where)); break;
                case "insurance-included": included[Class(f[1], where)] = Mills(f[2], where); break;
                default: throw Bad(where, "a known keyword");
            }
        }
        if (id is null || effective is null || source is null || divisor is null || threshold is null || each is null || bands.Count == 0)
            throw new InvalidDataException("a price table needs table, effective, source, dim-divisor, dim-threshold-cubic-inches and insurance lines");
        return new PriceTable(id, effective.Value, source, divisor.Value, threshold.Value, prices, cubic, fees,
            new InsuranceFees(bands, each.Value.Step, each.Value.Fee, each.Value.Max, included));
    }

    private static MailClass Class(string name, string where) =>
        MailClasses.TryParse(name, out var c) ? c : throw Bad(where, "a mail class");

    private static int Int(string text, string where) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw Bad(where, "a positive integer");

    private static long Mills(string text, string where) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n) && n > 0 ? n : throw Bad(where, "an amount in mills");

    private static InvalidDataException Bad(string where, string expected) => new($"price table {where}: expected {expected}");
}
