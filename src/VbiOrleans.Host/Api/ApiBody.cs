using System.Text.Json;
using Microsoft.Extensions.Options;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Protocol.Wire;

namespace VbiOrleans.Host.Api;

/// <summary>A JSON body read with the API's rules: the value, or the problem.</summary>
public sealed record BodyRead<T>(T? Value, ApiResponse? Problem) where T : class;

/// <summary>
/// Reading request bodies for the customer, partner and operator endpoints: at most <see cref="ApiOptions.MaxJsonBodyBytes"/>
/// bytes (413 <c>RequestTooLarge</c>), JSON only (415 <c>UnsupportedMediaType</c>), parsed strictly enough to name what
/// is wrong (400 <c>MalformedRequest</c> with the JSON path in <c>field</c>; the rules are <see cref="StrictJson"/>'s). The bytes are kept for the request, so a partner
/// signature is checked over exactly what arrived.
/// </summary>
public static class ApiBody
{
    private const string BufferedItem = "vbi.body";

    /// <summary>The body's bytes, read once and kept for the request; null when larger than <paramref name="max"/>.</summary>
    public static async Task<byte[]?> BufferAsync(HttpContext context, int max)
    {
        if (context.Items[BufferedItem] is byte[] buffered) return buffered;
        if (context.Request.ContentLength > max) return null;
        using var copy = new MemoryStream();
        var chunk = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await context.Request.Body.ReadAsync(chunk, context.RequestAborted)) > 0)
            {
                copy.Write(chunk, 0, read);
                if (copy.Length > max) return null;
            }
        }
        catch (BadHttpRequestException e) when (e.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            return null;
        }
        var bytes = copy.ToArray();
        context.Items[BufferedItem] = bytes;
        context.Request.Body = new MemoryStream(bytes, writable: false);
        return bytes;
    }

    public static async Task<BodyRead<T>> ReadJsonAsync<T>(HttpContext context) where T : class
    {
        var max = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value.MaxJsonBodyBytes;
        var contentType = context.Request.ContentType;
        if (contentType is not null && !IsJson(contentType))
            return Fail<T>(ErrorCode.UnsupportedMediaType, $"the body must be application/json, not {contentType}");
        var bytes = await BufferAsync(context, max);
        if (bytes is null) return Fail<T>(ErrorCode.RequestTooLarge, $"the body is larger than {max} bytes");
        if (bytes.Length == 0) return Fail<T>(ErrorCode.MalformedRequest, "a JSON body is required");
        var read = StrictJson.Deserialize<T>(bytes, Json(context), out var reason);
        if (read.IsSuccess) return new BodyRead<T>(read.Value, null);
        var detail = read.Error == DecodeError.MissingField ? reason!
            : $"the body is not valid JSON for this request at {read.Field} (numbers are JSON numbers, each member once, only documented members): {reason}";
        return Fail<T>(ErrorCode.MalformedRequest, detail, read.Field);
    }

    public static JsonSerializerOptions Json(HttpContext context) =>
        context.RequestServices.GetRequiredService<IOptions<Microsoft.AspNetCore.Http.Json.JsonOptions>>().Value.SerializerOptions;

    private static bool IsJson(string contentType)
    {
        var media = contentType.Split(';')[0].Trim();
        return media.Equals("application/json", StringComparison.OrdinalIgnoreCase) || media.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
    }

    private static BodyRead<T> Fail<T>(ErrorCode code, string message, string? field = null) where T : class =>
        new(null, ApiResponse.Problem(code, message, field is null ? null : new Dictionary<string, object?> { ["field"] = field }));
}

/// <summary>
/// A response as bytes are made of it: status, body object and content type. The customer endpoints build these so the
/// exact bytes can be both written and kept for idempotent replays.
/// </summary>
public sealed record ApiResponse(int Status, object? Body, string ContentType = "application/json", IReadOnlyDictionary<string, string>? Headers = null)
{
    public static ApiResponse Ok(object body) => new(StatusCodes.Status200OK, body);

    public static ApiResponse Created(object body) => new(StatusCodes.Status201Created, body);

    public static ApiResponse NoContent() => new(StatusCodes.Status204NoContent, null);

    public static ApiResponse Problem(ErrorCode code, string detail, IDictionary<string, object?>? extensions = null, TimeSpan? retryAfter = null)
    {
        var status = Problems.StatusFor(code);
        var problem = Problems.Create(status, code, detail);
        if (extensions is not null)
        {
            foreach (var (key, value) in extensions) problem.Extensions[key] = value;
        }
        var headers = retryAfter is { } wait
            ? new Dictionary<string, string> { ["Retry-After"] = Math.Max(1, (int)Math.Ceiling(wait.TotalSeconds)).ToString(System.Globalization.CultureInfo.InvariantCulture) }
            : null;
        return new ApiResponse(status, problem, Problems.ContentType, headers);
    }

    public static ApiResponse Problem(Domain.Errors.DomainError error) => Problem(error.Code, error.Message);

    public byte[] Serialize(HttpContext context) => Body is null ? [] : JsonSerializer.SerializeToUtf8Bytes(Body, Body.GetType(), ApiBody.Json(context));

    public IResult ToResult() => new Writer(this, null);

    public IResult ToResult(byte[] bytes) => new Writer(this, bytes);

    private sealed class Writer(ApiResponse response, byte[]? bytes) : IResult
    {
        public async Task ExecuteAsync(HttpContext context)
        {
            var body = bytes ?? response.Serialize(context);
            context.Response.StatusCode = response.Status;
            if (response.Headers is not null)
            {
                foreach (var (name, value) in response.Headers) context.Response.Headers[name] = value;
            }
            if (response.Status == StatusCodes.Status204NoContent) return;
            context.Response.ContentType = response.ContentType;
            context.Response.ContentLength = body.Length;
            await context.Response.Body.WriteAsync(body, context.RequestAborted);
        }
    }
}
