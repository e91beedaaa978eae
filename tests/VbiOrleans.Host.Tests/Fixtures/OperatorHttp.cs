using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;

namespace VbiOrleans.Host.Tests.Fixtures;

public static class OperatorHttp
{
    public static HttpClient Client(Uri baseAddress, string? key = null)
    {
        var http = new HttpClient { BaseAddress = baseAddress, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{HostEnvironment.OperatorName}:{key ?? HostEnvironment.OperatorKey}")));
        return http;
    }

    public static Task<HttpResponseMessage> RegisterAsync(this HttpClient http, string serial, string label) =>
        http.PostAsJsonAsync("/v1/operator/modules", new { serial, label });

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response) =>
        JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();

    /// <summary>
    /// Waits until the log feed's consumers have applied every record committed before the call (the history and the
    /// webhooks follow the log within about a second): what a test reads from them afterwards includes its own requests.
    /// </summary>
    public static async Task WaitForLogFeedAsync(Uri baseAddress, TimeSpan? timeout = null)
    {
        using var http = Client(baseAddress);
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        Dictionary<string, long>? heads = null;
        while (true)
        {
            var consumers = (await (await http.GetAsync("/v1/operator/feed")).JsonAsync()).EnumerateArray().ToList();
            heads ??= consumers.ToDictionary(c => c.GetProperty("consumer").GetString()!, c => c.GetProperty("head").GetInt64());
            // Each status carries the log's head as it was when asked: the first one's covers every record committed before.
            if (consumers.All(c => c.GetProperty("position").GetInt64() >= heads[c.GetProperty("consumer").GetString()!]))
                return;
            if (DateTime.UtcNow > deadline)
                throw new TimeoutException($"the log feed did not catch up within {timeout ?? TimeSpan.FromSeconds(30)}: {string.Join("; ", consumers)}");
            await Task.Delay(50);
        }
    }
}
