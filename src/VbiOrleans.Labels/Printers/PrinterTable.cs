using System.Collections;
using System.Text.Json;

namespace VbiOrleans.Labels.Printers;

/// <summary>
/// The printer table: the printer models labels are rendered for. The embedded <c>printers.json</c> is the table a
/// new system starts with; the host keeps the operators' table (seeded from it) and builds one with <see cref="Of"/>.
/// Enumerable in order; ids are unique (case-insensitive), which <see cref="Load(Stream)"/> and <see cref="Of"/> enforce.
/// </summary>
public sealed class PrinterTable : IReadOnlyList<PrinterProfile>
{
    private const string ResourceName = "VbiOrleans.Labels.Printers.printers.json";

    /// <summary>The options the table is read with and should be served with: web defaults (camelCase).</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        RespectNullableAnnotations = true,
        RespectRequiredConstructorParameters = true,
        AllowTrailingCommas = false,
    };

    private static readonly Lazy<PrinterTable> Embedded = new(LoadEmbedded);

    private readonly IReadOnlyList<PrinterProfile> _printers;
    private readonly Dictionary<string, PrinterProfile> _byId;

    private PrinterTable(IReadOnlyList<PrinterProfile> printers)
    {
        _printers = printers;
        _byId = printers.ToDictionary(p => p.Id, StringComparer.OrdinalIgnoreCase);
    }

    public int Count => _printers.Count;

    public PrinterProfile this[int index] => _printers[index];

    /// <summary>The table embedded in this assembly (read once, then shared; it is immutable).</summary>
    public static PrinterTable Load() => Embedded.Value;

    /// <summary>Reads a table from JSON: an array of <see cref="PrinterProfile"/> objects.</summary>
    /// <exception cref="InvalidDataException">The JSON is malformed, a profile is invalid or an id repeats.</exception>
    public static PrinterTable Load(Stream json)
    {
        ArgumentNullException.ThrowIfNull(json);
        List<PrinterProfile>? printers;
        try
        {
            printers = JsonSerializer.Deserialize<List<PrinterProfile>>(json, JsonOptions);
        }
        catch (JsonException e)
        {
            throw new InvalidDataException($"The printer table is not valid JSON for printer profiles: {e.Message}", e);
        }

        if (printers is null || printers.Count == 0)
        {
            throw new InvalidDataException("The printer table is empty.");
        }

        return Of(printers);
    }

    /// <summary>A table of these profiles, in this order (the operators' table: any number, even none).</summary>
    /// <exception cref="InvalidDataException">A profile is invalid or an id repeats.</exception>
    public static PrinterTable Of(IEnumerable<PrinterProfile> profiles)
    {
        ArgumentNullException.ThrowIfNull(profiles);
        var printers = profiles.ToList();
        var ids = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        foreach (var printer in printers)
        {
            if (printer.Validate() is { } problem)
            {
                throw new InvalidDataException($"The printer table is invalid: {problem}.");
            }

            if (!ids.Add(printer.Id))
            {
                throw new InvalidDataException($"The printer table lists '{printer.Id}' twice.");
            }
        }

        return new PrinterTable(printers.AsReadOnly());
    }

    /// <summary>The printer with this id (case-insensitive), or null.</summary>
    public PrinterProfile? Find(string id) => _byId.GetValueOrDefault(id);

    public IEnumerator<PrinterProfile> GetEnumerator() => _printers.GetEnumerator();

    IEnumerator IEnumerable.GetEnumerator() => GetEnumerator();

    private static PrinterTable LoadEmbedded()
    {
        using var stream = typeof(PrinterTable).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"The resource {ResourceName} is missing from {typeof(PrinterTable).Assembly.GetName().Name}.");
        return Load(stream);
    }
}
