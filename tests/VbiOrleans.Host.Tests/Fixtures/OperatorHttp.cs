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
}
