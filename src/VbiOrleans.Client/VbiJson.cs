using System.Text.Json;

namespace VbiOrleans.Client;

/// <summary>The JSON conventions of the VbiOrleans API: camelCase names, enums as strings.</summary>
public static class VbiJson
{
    /// <summary>Options for reading and writing API bodies.</summary>
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    /// <summary>The same conventions, indented, for showing a body to a person or a script.</summary>
    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions(JsonSerializerDefaults.Web) { WriteIndented = indented };
        options.Converters.Add(new System.Text.Json.Serialization.JsonStringEnumConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }
}
