using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;

namespace VbiOrleans.Benchmarks.Api;

/// <summary>The log feed's consumers, through the operator API (GET /v1/operator/feed).</summary>
public static class LogFeedStatus
{
    /// <summary>
    /// Waits until every consumer has applied every record committed before the call, and says how long that took.
    /// Fails after <paramref name="timeout"/>: a feed that does not catch up is a finding, not a figure.
    /// </summary>
    public static async Task<TimeSpan> WaitUntilCaughtUpAsync(Uri host, string operatorKey, TimeSpan timeout, CancellationToken cancellation)
    {
        using var http = new HttpClient { BaseAddress = host, Timeout = TimeSpan.FromSeconds(30) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{ApiHosts.OperatorName}:{operatorKey}")));
        var started = System.Diagnostics.Stopwatch.StartNew();
        Dictionary<string, long>? heads = null;
        while (true)
        {
            using var response = await http.GetAsync("/v1/operator/feed", cancellation);
            response.EnsureSuccessStatusCode();
            var consumers = JsonDocument.Parse(await response.Content.ReadAsStringAsync(cancellation)).RootElement.EnumerateArray().ToList();
            // Each status carries the log's head as it was when asked: the first one's covers every record committed before.
            heads ??= consumers.ToDictionary(c => c.GetProperty("consumer").GetString()!, c => c.GetProperty("head").GetInt64());
            if (consumers.All(c => c.GetProperty("position").GetInt64() >= heads[c.GetProperty("consumer").GetString()!])) return started.Elapsed;
            if (started.Elapsed > timeout)
                throw new BenchmarkFailure($"the log feed did not catch up within {timeout}: {string.Join("; ", consumers)}");
            await Task.Delay(100, cancellation);
        }
    }
}
