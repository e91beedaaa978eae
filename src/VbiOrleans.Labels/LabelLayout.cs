using System.Text.Json.Serialization;

namespace VbiOrleans.Labels;

/// <summary>The piece the label is printed on. In JSON (the printer table) the names are <c>label-4x6</c> and <c>envelope-10</c>.</summary>
[JsonConverter(typeof(JsonStringEnumConverter<LabelLayout>))]
public enum LabelLayout
{
    /// <summary>A 4 x 6 in. shipping label, portrait.</summary>
    [JsonStringEnumMemberName("label-4x6")] Label4x6,

    /// <summary>A #10 envelope, 9.5 x 4.125 in., landscape; the indicium goes where a stamp would.</summary>
    [JsonStringEnumMemberName("envelope-10")] Envelope10,
}
