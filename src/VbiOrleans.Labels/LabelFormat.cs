using System.Text.Json.Serialization;

namespace VbiOrleans.Labels;

/// <summary>The file a label is rendered to. In JSON (the printer table) the names are lower case.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LabelFormat>))]
public enum LabelFormat
{
    /// <summary>A raster image of the whole page at the printer's resolution (<c>image/png</c>).</summary>
    [JsonStringEnumMemberName("png")] Png,

    /// <summary>One vector page (<c>application/pdf</c>).</summary>
    [JsonStringEnumMemberName("pdf")] Pdf,

    /// <summary>Vector XML, one unit per printer dot (<c>image/svg+xml</c>).</summary>
    [JsonStringEnumMemberName("svg")] Svg,

    /// <summary>Zebra Programming Language for thermal label printers (<c>application/x-zpl</c>).</summary>
    [JsonStringEnumMemberName("zpl")] Zpl,
}
