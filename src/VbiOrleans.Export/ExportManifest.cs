using System.Text.Json;
using System.Text.Json.Serialization;

namespace VbiOrleans.Export;

/// <summary>
/// The last object written for a day (<c>date=YYYY-MM-DD/_manifest.json</c>): a reader that sees it sees the whole
/// day. Per table: its file, row count, size, SHA-256 and the sum of each money column in mills. Nothing of the run
/// (no time, no host) is in it, so a day exported again gives the same manifest.
/// </summary>
public sealed record ExportManifest(
    [property: JsonPropertyOrder(0)] int FormatVersion,
    [property: JsonPropertyOrder(1)] string Date,
    [property: JsonPropertyOrder(2)] IReadOnlyList<ExportedTable> Tables)
{
    /// <summary>Version 2: the tables and columns of docs/export.md (version 1 had the log's two tables only).</summary>
    public const int CurrentFormatVersion = 2;

    public const string FileName = "_manifest.json";

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    public byte[] ToJson() => JsonSerializer.SerializeToUtf8Bytes(this, Json);

    public static ExportManifest? FromJson(ReadOnlySpan<byte> json) => JsonSerializer.Deserialize<ExportManifest>(json, Json);
}

/// <summary>One table of a day: its file and what a reader checks the file against.</summary>
public sealed record ExportedTable(
    [property: JsonPropertyOrder(0)] string Name,
    [property: JsonPropertyOrder(1)] string File,
    [property: JsonPropertyOrder(2)] long Rows,
    [property: JsonPropertyOrder(3)] long Bytes,
    [property: JsonPropertyOrder(4)] string Sha256,
    [property: JsonPropertyOrder(5)] IReadOnlyList<MoneySum> MoneySums);

/// <summary>The sum of a money column over the table's rows, in mills (nulls count as nothing).</summary>
public sealed record MoneySum([property: JsonPropertyOrder(0)] string Column, [property: JsonPropertyOrder(1)] long Mills);
