using Parquet;
using Parquet.Schema;

namespace VbiOrleans.Export.Tables;

/// <summary>
/// Writes a table's rows as one Parquet file, deterministically: the same rows give the same bytes (fixed column
/// order and types, fixed compression, fixed row group size, and nothing of the run, no time, in the file).
/// </summary>
public static class ParquetTableWriter
{
    /// <summary>Rows per row group: fixed, so the file's layout depends on the rows only.</summary>
    public const int RowGroupRows = 100_000;

    public const CompressionMethod Compression = CompressionMethod.Snappy;

    public static async Task<byte[]> WriteAsync(IReadOnlyList<ExportColumn> columns, IReadOnlyList<object?[]> rows, CancellationToken cancellationToken)
    {
        var fields = columns.Select(Field).ToArray();
        using var stream = new MemoryStream();
        var options = new ParquetOptions { CompressionMethod = Compression, CompressionLevel = System.IO.Compression.CompressionLevel.Optimal };
        await using (var writer = await ParquetWriter.CreateAsync(new ParquetSchema(fields), stream, options, append: false, cancellationToken))
        {
            // An empty table is still a file with its schema (one empty row group), so every day has every table.
            for (var start = 0; start == 0 || start < rows.Count; start += RowGroupRows)
            {
                var count = Math.Min(RowGroupRows, rows.Count - start);
                using var group = writer.CreateRowGroup();
                for (var c = 0; c < columns.Count; c++) await WriteColumnAsync(group, columns[c], fields[c], rows, start, count, c, cancellationToken);
            }
        }
        return stream.ToArray();
    }

    private static DataField Field(ExportColumn column) => column.Type switch
    {
        ColumnType.Text => new DataField<string>(column.Name, column.Nullable),
        ColumnType.Int64 => column.Nullable ? new DataField<long?>(column.Name) : new DataField<long>(column.Name),
        ColumnType.Timestamp => new DateTimeDataField(column.Name, DateTimeFormat.Timestamp, isAdjustedToUTC: true, unit: DateTimeTimeUnit.Millis,
            isNullable: column.Nullable),
        _ => throw new ArgumentOutOfRangeException(nameof(column), column.Type, "not a column type"),
    };

    private static async Task WriteColumnAsync(ParquetRowGroupWriter group, ExportColumn column, DataField field, IReadOnlyList<object?[]> rows,
        int start, int count, int index, CancellationToken cancellationToken)
    {
        switch (column.Type)
        {
            case ColumnType.Text:
                var texts = new string[count];
                for (var i = 0; i < count; i++) texts[i] = (string)Value(column, rows[start + i][index])!;
                await group.WriteAsync(field, texts);
                break;
            case ColumnType.Int64 when column.Nullable:
                var maybe = new long?[count];
                for (var i = 0; i < count; i++) maybe[i] = (long?)Value(column, rows[start + i][index]);
                await group.WriteAsync<long>(field, maybe.AsMemory(), null, null, cancellationToken);
                break;
            case ColumnType.Int64:
                var numbers = new long[count];
                for (var i = 0; i < count; i++) numbers[i] = (long)Value(column, rows[start + i][index])!;
                await group.WriteAsync<long>(field, numbers.AsMemory(), null, null, cancellationToken);
                break;
            case ColumnType.Timestamp when column.Nullable:
                var maybeTimes = new DateTime?[count];
                for (var i = 0; i < count; i++) maybeTimes[i] = ((DateTimeOffset?)Value(column, rows[start + i][index]))?.UtcDateTime;
                await group.WriteAsync<DateTime>(field, maybeTimes.AsMemory(), null, null, cancellationToken);
                break;
            case ColumnType.Timestamp:
                var times = new DateTime[count];
                for (var i = 0; i < count; i++) times[i] = ((DateTimeOffset)Value(column, rows[start + i][index])!).UtcDateTime;
                await group.WriteAsync<DateTime>(field, times.AsMemory(), null, null, cancellationToken);
                break;
        }
    }

    /// <summary>A row's value, checked against its declared column: a null in a required column is a bug in the table's declaration.</summary>
    private static object? Value(ExportColumn column, object? value) =>
        value is null && !column.Nullable ? throw new InvalidOperationException($"column {column.Name} is declared not null and got null") : value;
}
