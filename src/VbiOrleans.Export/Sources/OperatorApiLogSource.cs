using System.Net;
using System.Net.Http.Json;
using System.Runtime.CompilerServices;
using System.Text.Json;
using VbiOrleans.Abstractions.Export;
using VbiOrleans.Abstractions.Log;

namespace VbiOrleans.Export.Sources;

/// <summary>
/// Reads the day (the log's facts and the commerce store's) from the server's operator API (<c>GET /v1/operator/export/{date}/…</c>), a page at a time. The
/// silo opens the records and pseudonymizes customers, so this side needs only the operator's credentials. Readiness
/// is read from the log feed's status (<c>GET /v1/operator/feed</c>).
/// </summary>
public sealed class OperatorApiLogSource(HttpClient http, int pageSize, TimeSpan settleTimeout) : IExportLogSource, IExportCommerceSource, IExportReadiness
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);

    /// <summary>The consumers whose data the commerce tables read: ledger postings, label fees, purchases' settlement.</summary>
    public static readonly IReadOnlyList<string> SettledConsumers = [LogFeedConsumers.Ledger, LogFeedConsumers.Fees, LogFeedConsumers.Purchases];

    private static readonly TimeSpan SettlePollInterval = TimeSpan.FromMilliseconds(250);

    public async Task WaitUntilSettledAsync(CancellationToken cancellationToken)
    {
        var statuses = await FeedAsync(cancellationToken);
        // The head as the run starts: every record committed before it must be applied by each consumer the export reads.
        // With several logs (a shard map), each log's head, compared with each consumer's cursor in that log.
        var head = statuses.Count == 0 ? 0 : statuses.Max(s => s.Head);
        var heads = statuses.SelectMany(s => s.Logs ?? []).GroupBy(l => l.Log, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Max(l => l.Head), StringComparer.Ordinal);
        var deadline = DateTimeOffset.UtcNow + settleTimeout;
        while (true)
        {
            var behind = SettledConsumers
                .Select(name => (Name: name, Status: statuses.FirstOrDefault(s => s.Consumer == name)))
                .Select(c => (c.Name, Position: c.Status?.Position ?? -1, Reached: c.Status is { } status && (heads.Count == 0
                    ? status.Position >= head
                    : heads.All(h => (status.Logs ?? []).Any(l => l.Log == h.Key && l.Position >= h.Value)))))
                .Where(c => !c.Reached).ToList();
            if (behind.Count == 0) return;
            if (DateTimeOffset.UtcNow >= deadline)
            {
                throw new ExportException(ExportFailure.DayNotSettled, "the log feed's consumers did not reach the log's head " + head + " within " + settleTimeout
                    + ": " + string.Join(", ", behind.Select(c => c.Position < 0 ? $"{c.Name} (not running)" : $"{c.Name} at {c.Position}")));
            }
            await Task.Delay(SettlePollInterval, cancellationToken);
            statuses = await FeedAsync(cancellationToken);
        }
    }

    private async Task<IReadOnlyList<LogFeedStatus>> FeedAsync(CancellationToken cancellationToken)
    {
        const string url = "/v1/operator/feed";
        try
        {
            using var response = await http.GetAsync(url, cancellationToken);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden)
                throw new ExportException(ExportFailure.SourceRefused, $"the server refused {url}: HTTP {(int)response.StatusCode}");
            if (!response.IsSuccessStatusCode)
                throw new ExportException(ExportFailure.SourceUnavailable, $"the server answered {url} with HTTP {(int)response.StatusCode}");
            return await response.Content.ReadFromJsonAsync<List<LogFeedStatus>>(Json, cancellationToken) ?? [];
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            throw new ExportException(ExportFailure.SourceUnavailable, $"the server is unreachable for {url}: {e.Message}", e);
        }
    }

    public IAsyncEnumerable<TransactionFact> TransactionsAsync(DateOnly day, CancellationToken cancellationToken) =>
        PagesAsync<TransactionFact>(day, "transactions", cancellationToken);

    public IAsyncEnumerable<MeterRegistersFact> MeterRegistersAsync(DateOnly day, CancellationToken cancellationToken) =>
        PagesAsync<MeterRegistersFact>(day, "meter-registers", cancellationToken);

    public IAsyncEnumerable<PurchaseFact> PurchasesAsync(DateOnly day, CancellationToken cancellationToken) =>
        PagesAsync<PurchaseFact>(day, "purchases", cancellationToken);

    public IAsyncEnumerable<LedgerPostingFact> LedgerPostingsAsync(DateOnly day, CancellationToken cancellationToken) =>
        PagesAsync<LedgerPostingFact>(day, "ledger-postings", cancellationToken);

    public IAsyncEnumerable<InvoiceFact> InvoicesAsync(DateOnly day, CancellationToken cancellationToken) =>
        PagesAsync<InvoiceFact>(day, "invoices", cancellationToken);

    private async IAsyncEnumerable<T> PagesAsync<T>(DateOnly day, string table, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        string? after = null;
        do
        {
            var url = $"/v1/operator/export/{day:yyyy-MM-dd}/{table}?limit={pageSize}" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after));
            var page = await GetAsync<T>(url, cancellationToken);
            foreach (var item in page.Items) yield return item;
            after = page.Next;
        }
        while (after is not null);
    }

    private async Task<FactPage<T>> GetAsync<T>(string url, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync(url, cancellationToken);
            if (response.StatusCode is HttpStatusCode.Unauthorized or HttpStatusCode.Forbidden or HttpStatusCode.BadRequest or HttpStatusCode.NotFound)
                throw new ExportException(ExportFailure.SourceRefused, $"the server refused {url}: HTTP {(int)response.StatusCode}");
            if (!response.IsSuccessStatusCode)
                throw new ExportException(ExportFailure.SourceUnavailable, $"the server answered {url} with HTTP {(int)response.StatusCode}");
            return await response.Content.ReadFromJsonAsync<FactPage<T>>(Json, cancellationToken)
                ?? throw new ExportException(ExportFailure.SourceUnavailable, $"the server answered {url} with nothing");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or JsonException)
        {
            throw new ExportException(ExportFailure.SourceUnavailable, $"the server is unreachable for {url}: {e.Message}", e);
        }
    }
}
