using System.Text.Json;
using System.Text.Json.Serialization;

namespace VbiOrleans.Protocol.Wire;

/// <summary>
/// The one way request bodies are read from JSON, by the API and for the protocol's JSON forms: every value has one
/// spelling. A number is a JSON number (never a string), every member has its declared type, a member appears once
/// (a duplicate could mean one thing to a proxy or a signer and another to the server), names are the documented
/// camelCase ones exactly, and a member the type does not have is refused rather than ignored (a misspelt
/// <c>amountMills</c> must not silently become 0). Enums are their names, never their numbers. Failures name the
/// member as a path without the leading <c>$.</c>: <c>request.transaction.amountMills</c>.
/// </summary>
public static class StrictJson
{
    /// <summary>Strict reading on top of JSON's web conventions (camelCase names), enums as strings.</summary>
    public static JsonSerializerOptions Options { get; } = CreateOptions();

    private static JsonSerializerOptions CreateOptions()
    {
        var options = Apply(new JsonSerializerOptions(JsonSerializerDefaults.Web));
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    /// <summary>Makes <paramref name="options"/> strict for reading (writing is unchanged) and returns it.</summary>
    public static JsonSerializerOptions Apply(JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        // JsonSerializerDefaults.Web (ASP.NET's default) reads "1000" as 1000 and "amountmills" as amountMills.
        options.NumberHandling = JsonNumberHandling.Strict;
        options.PropertyNameCaseInsensitive = false;
        options.AllowDuplicateProperties = false;
        options.UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow;
        options.AllowTrailingCommas = false;
        options.ReadCommentHandling = JsonCommentHandling.Disallow;
        for (var i = options.Converters.Count - 1; i >= 0; i--)
        {
            if (options.Converters[i] is JsonStringEnumConverter) options.Converters.RemoveAt(i);
        }
        options.Converters.Add(new JsonStringEnumConverter(namingPolicy: null, allowIntegerValues: false));
        return options;
    }

    /// <summary>
    /// Reads <paramref name="utf8"/> as a <typeparamref name="T"/> with <paramref name="options"/> (made strict with
    /// <see cref="Apply"/>). JSON <c>null</c> is <see cref="DecodeError.MissingField"/> of <c>body</c>; anything that
    /// does not read is <see cref="DecodeError.InvalidField"/> naming the member where reading stopped, with the
    /// serializer's reason (its first sentence) in <paramref name="reason"/>.
    /// </summary>
    public static Decoded<T> Deserialize<T>(ReadOnlySpan<byte> utf8, JsonSerializerOptions options, out string? reason) where T : class
    {
        reason = null;
        try
        {
            var value = JsonSerializer.Deserialize<T>(utf8, options);
            if (value is not null) return Decoded<T>.Ok(value);
            reason = "the body is JSON null; an object is required";
            return Decoded<T>.Fail(DecodeError.MissingField, "body");
        }
        catch (JsonException e)
        {
            var cut = e.Message.IndexOf(" Path:", StringComparison.Ordinal);
            reason = cut > 0 ? e.Message[..cut] : e.Message;
            if (reason.Length > 200) reason = reason[..200];
            return Decoded<T>.Fail(DecodeError.InvalidField, FieldOf(e));
        }
    }

    /// <summary>The member a <see cref="JsonException"/> is about (a duplicated or unknown one included), as <c>a.b[2].c</c>; <c>body</c> for the document itself.</summary>
    public static string FieldOf(JsonException exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var path = exception.Path ?? "$";
        path = path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path.TrimStart('$');
        return path.Length == 0 ? "body" : path;
    }
}
