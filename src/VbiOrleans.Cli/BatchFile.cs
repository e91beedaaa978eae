using System.Globalization;
using VbiOrleans.Client;

namespace VbiOrleans.Cli;

/// <summary>
/// One row of a batch: where to (a ZIP, or the recipient's address line for a shipping label), from (the sender's
/// line; default the account's return address), which class, the postage (or the weight to rate), the size, and
/// where to write the label.
/// </summary>
internal sealed record BatchRow(int Line, string To, string MailClass, long? PostageMills, string? WeightOz, string ItemKind, string? Format, string? Out)
{
    public string? From { get; init; }
    public string? Dims { get; init; }

    /// <summary>A shipping label: the recipient is an address, not a ZIP.</summary>
    public bool IsShipment => !BatchFile.IsZip(To);
}

/// <summary>
/// <c>vbi print --batch FILE.csv</c>: a header line naming the columns (any order, case-insensitive): <c>to</c>,
/// <c>class</c>, and <c>weight</c> (ounces) or <c>postage</c> (dollars); optional <c>from</c>, <c>dims</c>,
/// <c>item</c>, <c>format</c>, <c>out</c>. A <c>to</c> that is an address line (quoted: it has commas) makes a shipping
/// label, which needs a weight; its addresses are matched row by row when printing, and a row that does not match is
/// reported and charges nothing. Commas separate fields; a field may be quoted with double quotes. Every row is
/// checked before anything is printed.
/// </summary>
internal static class BatchFile
{
    public static (IReadOnlyList<BatchRow> Rows, IReadOnlyList<string> Errors) Parse(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n');
        var errors = new List<string>();
        var rows = new List<BatchRow>();
        var headerIndex = Array.FindIndex(lines, l => l.Trim().Length > 0);
        if (headerIndex < 0) return (rows, ["the file is empty: it needs a header line (to,class,weight) and one row per label"]);
        var header = Fields(lines[headerIndex]).Select(h => h.Trim().ToLowerInvariant()).ToList();
        int Column(string name) => header.IndexOf(name);
        var (to, cls, weight, postage, item, format, output) = (Column("to"), Column("class"), Column("weight"), Column("postage"), Column("item"), Column("format"), Column("out"));
        var (from, dims) = (Column("from"), Column("dims"));
        if (to < 0 || cls < 0 || (weight < 0 && postage < 0))
            return (rows, [$"line {headerIndex + 1}: the header needs the columns to, class and weight or postage (it has: {string.Join(", ", header)})"]);
        for (var i = headerIndex + 1; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0) continue;
            var f = Fields(lines[i]);
            string? At(int column) => column >= 0 && column < f.Count && f[column].Trim().Length > 0 ? f[column].Trim() : null;
            var line = i + 1;
            var zip = At(to);
            if (zip is null) { errors.Add($"line {line}: 'to' (the destination ZIP) is empty"); continue; }
            var mailClass = At(cls)?.ToUpperInvariant();
            if (mailClass is null) { errors.Add($"line {line}: 'class' is empty"); continue; }
            long? mills = null;
            if (At(postage) is { } p)
            {
                if (!Money.TryParseDollars(p, out var m) || m <= 0) { errors.Add($"line {line}: postage '{p}' is not an amount in dollars like 0.78"); continue; }
                mills = m;
            }
            var w = At(weight);
            if (mills is null && (w is null || !decimal.TryParse(w, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var oz) || oz <= 0))
            {
                errors.Add($"line {line}: give a weight in ounces (like 3.5) or a postage in dollars");
                continue;
            }
            var fmt = At(format)?.ToLowerInvariant();
            if (fmt is not (null or "pdf" or "png" or "svg" or "zpl")) { errors.Add($"line {line}: format '{fmt}' is not one of pdf, png, svg, zpl"); continue; }
            var row = new BatchRow(line, zip, mailClass, mills, w, At(item) ?? "postage", fmt, At(output)) { From = At(from), Dims = At(dims) };
            if (row.IsShipment && ShipmentUnits.ParseWeightOz(w) is null)
            {
                errors.Add($"line {line}: a shipping label (to an address) needs a weight in ounces with at most one decimal, at most 1120");
                continue;
            }
            if (row.Dims is { } d && (!row.IsShipment || ShipmentUnits.ParseDims(d) is null))
            {
                errors.Add($"line {line}: dims '{d}' is LxWxH in inches (like 12x10x4.5) and goes with a recipient address");
                continue;
            }
            if (row.From is { } sender && (!row.IsShipment || IsZip(sender)))
            {
                errors.Add($"line {line}: from is the sender's address line and goes with a recipient address");
                continue;
            }
            rows.Add(row);
        }
        if (rows.Count == 0 && errors.Count == 0) errors.Add("the file has a header but no rows");
        return (rows, errors);
    }

    /// <summary>5 digits, or ZIP+4 as 9 digits or 12345-6789: a letter's destination, not an address line.</summary>
    public static bool IsZip(string text)
    {
        var t = text.Trim();
        return (t.Length is 5 or 9 && t.All(char.IsAsciiDigit)) || (t.Length == 10 && t[5] == '-' && t.Remove(5, 1).All(char.IsAsciiDigit));
    }

    private static List<string> Fields(string line)
    {
        var fields = new List<string>();
        var current = new System.Text.StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { current.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else current.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { fields.Add(current.ToString()); current.Clear(); }
            else current.Append(c);
        }
        fields.Add(current.ToString());
        return fields;
    }
}

/// <summary>The indicium bytes in a file: raw bytes, base64 text, or the JSON <c>vbi print --json</c> wrote (its <c>indicium</c>).</summary>
internal static class IndiciumFile
{
    public static byte[]? Read(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var text = System.Text.Encoding.UTF8.GetString(bytes).Trim();
        if (text.StartsWith('{'))
        {
            try
            {
                using var json = System.Text.Json.JsonDocument.Parse(text);
                return Find(json.RootElement) is { } b64 ? Convert.FromBase64String(b64) : null;
            }
            catch (Exception e) when (e is System.Text.Json.JsonException or FormatException)
            {
                return null;
            }
        }
        try
        {
            return text.Length > 0 && text.All(c => char.IsAsciiLetterOrDigit(c) || c is '+' or '/' or '=') ? Convert.FromBase64String(text) : bytes;
        }
        catch (FormatException)
        {
            return bytes;
        }
    }

    private static string? Find(System.Text.Json.JsonElement element)
    {
        if (element.ValueKind != System.Text.Json.JsonValueKind.Object) return null;
        foreach (var p in element.EnumerateObject())
        {
            if (p.NameEquals("indicium") && p.Value.ValueKind == System.Text.Json.JsonValueKind.String) return p.Value.GetString();
        }
        return element.TryGetProperty("print", out var inner) ? Find(inner) : null;
    }
}
