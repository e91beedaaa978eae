using System.Net;
using System.Net.Http.Json;
using System.Text.Json;

namespace VbiOrleans.Host.Tests.Fixtures;

/// <summary>What became of one print request, as its client saw it.</summary>
public enum PrintOutcome
{
    /// <summary>200 with an indicium: the server said it is printed.</summary>
    Acknowledged,

    /// <summary>A 4xx answer: the server said it did not print (none is expected in these tests).</summary>
    Refused,

    /// <summary>No answer, or a 5xx: the client cannot tell whether it printed.</summary>
    Unknown,
}

/// <summary>One print request as its client saw it; <see cref="Status"/> 0 is no answer.</summary>
public sealed record PrintAttempt(
    string MeterId,
    string Key,
    long PostageMills,
    DateTimeOffset SentAt,
    DateTimeOffset AnsweredAt,
    PrintOutcome Outcome,
    string? IndiciumId,
    byte[]? Indicium,
    string? Detail,
    int Status = 0,
    long Sequence = 0,
    long AscendingMills = 0);

/// <summary>Prints over HTTP (POST /v1/meters/{id}/prints with an Idempotency-Key) and classifies the outcome.</summary>
public sealed class PrintClient(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = Client(baseAddress);

    private static HttpClient Client(Uri baseAddress)
    {
        var http = OperatorHttp.Client(baseAddress);
        http.Timeout = TimeSpan.FromSeconds(30);
        return http;
    }

    public async Task<PrintAttempt> PrintAsync(string meterId, string key, long postageMills)
    {
        var sentAt = DateTimeOffset.UtcNow;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/meters/{meterId}/prints")
            {
                Content = JsonContent.Create(new { postageMills, destinationZip = "94103", mailClass = "FIRST-CLASS", label = new { format = "svg" } }),
            };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await _http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var answeredAt = DateTimeOffset.UtcNow;
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var body = JsonDocument.Parse(text).RootElement;
                var registers = body.GetProperty("registers");
                return new PrintAttempt(meterId, key, postageMills, sentAt, answeredAt, PrintOutcome.Acknowledged,
                    body.GetProperty("indiciumId").GetString(), Convert.FromBase64String(body.GetProperty("indicium").GetString()!), null,
                    200, registers.GetProperty("sequence").GetInt64(), registers.GetProperty("ascendingMills").GetInt64());
            }
            var status = (int)response.StatusCode;
            var outcome = status is >= 400 and < 500 ? PrintOutcome.Refused : PrintOutcome.Unknown;
            return new PrintAttempt(meterId, key, postageMills, sentAt, answeredAt, outcome, null, null, $"{status}: {text}", status);
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or JsonException)
        {
            return new PrintAttempt(meterId, key, postageMills, sentAt, DateTimeOffset.UtcNow, PrintOutcome.Unknown, null, null,
                $"{e.GetType().Name}: {e.Message}");
        }
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> PostJsonAsync(string path, object? body)
    {
        using var response = body is null ? await _http.PostAsync(path, null) : await _http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>POST /v1/indicia/verify: the verdict on an indicium's bytes.</summary>
    public Task<JsonElement> VerifyAsync(byte[] indicium) => PostJsonAsync("/v1/indicia/verify", new { indicium = Convert.ToBase64String(indicium) });

    public void Dispose() => _http.Dispose();
}
