using VbiOrleans.Domain.Errors;

namespace VbiOrleans.Domain.Rates;

/// <summary>
/// Every price table, by effective date. A table is in force from its date until the next one's: a new table takes
/// effect on its date with no other change. The embedded set is every Rates/Data/*.txt file.
/// </summary>
public sealed class PriceTables
{
    private readonly PriceTable[] _byDate;

    public PriceTables(IEnumerable<PriceTable> tables)
    {
        _byDate = tables.OrderBy(t => t.Effective).ToArray();
        if (_byDate.Length == 0) throw new InvalidDataException("no price table");
        for (var i = 1; i < _byDate.Length; i++)
            if (_byDate[i].Effective == _byDate[i - 1].Effective)
                throw new InvalidDataException($"price tables {_byDate[i - 1].Id} and {_byDate[i].Id} take effect on the same date");
        if (_byDate.Select(t => t.Id).Distinct(StringComparer.Ordinal).Count() != _byDate.Length)
            throw new InvalidDataException("two price tables share an id");
    }

    public static PriceTables Embedded { get; } = LoadEmbedded();

    public IReadOnlyList<PriceTable> All => _byDate;

    /// <summary>The table in force on <paramref name="date"/>: the latest whose effective date is not after it.</summary>
    public Result<PriceTable> InEffect(DateOnly date)
    {
        var table = _byDate.LastOrDefault(t => t.Effective <= date);
        return table is null
            ? new DomainError(ErrorCode.NoRateTableInEffect, $"no price table is in effect on {date:yyyy-MM-dd} (the first takes effect on {_byDate[0].Effective:yyyy-MM-dd})")
            : table;
    }

    private static PriceTables LoadEmbedded()
    {
        var assembly = typeof(PriceTables).Assembly;
        var tables = new List<PriceTable>();
        foreach (var name in assembly.GetManifestResourceNames().Where(n => n.StartsWith("VbiOrleans.Rates.", StringComparison.Ordinal)))
        {
            using var reader = new StreamReader(assembly.GetManifestResourceStream(name)!);
            tables.Add(PriceTable.Parse(reader.ReadToEnd()));
        }
        return new PriceTables(tables);
    }
}
