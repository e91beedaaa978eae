namespace VbiOrleans.Export.Tables;

/// <summary>The Parquet types a column may have: all the export needs, nothing that could carry a blob.</summary>
public enum ColumnType
{
    /// <summary>UTF-8 text.</summary>
    Text = 1,
    /// <summary>A 64-bit integer; money is always this, in mills.</summary>
    Int64 = 2,
    /// <summary>A UTC instant, millisecond precision (Parquet TIMESTAMP(MILLIS, UTC)).</summary>
    Timestamp = 3,
}

/// <summary>A declared column: its name, type, whether it may be null, and whether it is money (summed in the manifest).</summary>
public sealed record ExportColumn(string Name, ColumnType Type, bool Nullable, bool IsMoney);

/// <summary>
/// A table of the export: its declared columns (the allow-list: a value is written only through a declared column)
/// and its rows for one day, in a fixed order, each row the values of the declared columns in their order.
/// </summary>
public interface IExportTable
{
    /// <summary>The table's name, also its file's name (<c>{name}.parquet</c>).</summary>
    string Name { get; }

    IReadOnlyList<ExportColumn> Columns { get; }

    /// <summary>The day's rows in the table's fixed order; at most <paramref name="maxRows"/> (more is <see cref="ExportFailure.TooManyRows"/>).</summary>
    Task<IReadOnlyList<object?[]>> ReadAsync(DateOnly day, int maxRows, CancellationToken cancellationToken);
}

/// <summary>
/// A table whose rows are facts of type <typeparamref name="TFact"/> read from a source: each column reads one
/// property of the fact. The facts are ordered by <paramref name="order"/> (ordinal, stable), so the file does not
/// depend on the order pages arrived in.
/// </summary>
public sealed class ExportTable<TFact>(
    string name,
    IReadOnlyList<(ExportColumn Column, Func<TFact, object?> Value)> columns,
    Func<DateOnly, CancellationToken, IAsyncEnumerable<TFact>> read,
    Func<TFact, string> order) : IExportTable
{
    public string Name => name;

    public IReadOnlyList<ExportColumn> Columns { get; } = [.. columns.Select(c => c.Column)];

    public async Task<IReadOnlyList<object?[]>> ReadAsync(DateOnly day, int maxRows, CancellationToken cancellationToken)
    {
        var facts = new List<TFact>();
        await foreach (var fact in read(day, cancellationToken))
        {
            if (facts.Count == maxRows) throw new ExportException(ExportFailure.TooManyRows, $"table {name} has more than {maxRows} rows for {day:yyyy-MM-dd}");
            facts.Add(fact);
        }
        return [.. facts.OrderBy(order, StringComparer.Ordinal).Select(f => columns.Select(c => c.Value(f)).ToArray())];
    }
}
