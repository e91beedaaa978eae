namespace VbiOrleans.Client;

/// <summary>
/// A call the server refused or could not be made. <see cref="Code"/> is the stable name to branch on: the problem
/// document's <c>code</c> (see <see cref="VbiErrorCodes"/>), <c>HttpNNN</c> when the response was not a problem document,
/// or one of the client-side codes <see cref="VbiErrorCodes.Unreachable"/>, <see cref="VbiErrorCodes.Timeout"/> and
/// <see cref="VbiErrorCodes.InvalidResponse"/>.
/// </summary>
public sealed class VbiApiException : Exception
{
    public VbiApiException(int status, string code, string? title, string? detail, string? message = null, Exception? innerException = null)
        : base(message ?? Describe(status, code, title, detail), innerException)
    {
        Status = status;
        Code = code;
        Title = title;
        Detail = detail;
    }

    /// <summary>The HTTP status of the response; 0 when no response arrived (unreachable, timed out).</summary>
    public int Status { get; }

    /// <summary>The stable error code.</summary>
    public string Code { get; }

    /// <summary>The problem document's <c>title</c>, if any.</summary>
    public string? Title { get; }

    /// <summary>The problem document's <c>detail</c> (or the client's description of a failure without a response).</summary>
    public string? Detail { get; }

    /// <summary>The problem document's other members (for example <c>signedResponse</c>, <c>meter</c>, <c>violation</c>), when it had any.</summary>
    public IReadOnlyDictionary<string, System.Text.Json.JsonElement> Extensions { get; init; } = new Dictionary<string, System.Text.Json.JsonElement>();

    /// <summary>The Retry-After the server asked for, when it sent one.</summary>
    public TimeSpan? RetryAfter { get; init; }

    /// <summary>True when no HTTP response arrived.</summary>
    public bool IsTransportFailure => Status == 0;

    private static string Describe(int status, string code, string? title, string? detail)
    {
        var text = detail ?? title ?? "no detail";
        return status == 0 ? $"{code}: {text}" : $"HTTP {status} {code}: {text}";
    }
}
