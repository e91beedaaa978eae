using System.Net.Http.Headers;
using System.Text;
using Azure.Identity;
using Azure.Storage.Blobs;
using VbiOrleans.Export.Sinks;
using VbiOrleans.Export.Sources;
using VbiOrleans.Export.Tables;

namespace VbiOrleans.Export;

/// <summary>
/// The export as its runners (vbi-admin, the Azure Function) use it: every table of <see cref="ExportTables"/> (the
/// log's and the commerce store's) read from the server's operator API, written to the <c>dss</c> container or a folder.
/// </summary>
public static class NightlyExport
{
    /// <summary>The day a nightly run exports: yesterday, UTC.</summary>
    public static DateOnly Yesterday(TimeProvider clock) => DateOnly.FromDateTime(clock.GetUtcNow().UtcDateTime).AddDays(-1);

    public static async Task<ExportResult> RunAsync(ExportOptions options, DateOnly day, CancellationToken cancellationToken = default)
    {
        if (options.Problem() is { } problem) throw new ArgumentException($"export options: {problem}", nameof(options));
        using var http = new HttpClient { BaseAddress = options.Server, Timeout = options.RequestTimeout };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{options.OperatorName}:{options.OperatorKey}")));
        IExportSink sink = !string.IsNullOrWhiteSpace(options.Folder) ? new FolderExportSink(options.Folder)
            : !string.IsNullOrWhiteSpace(options.StorageConnectionString) ? new BlobExportSink(new BlobContainerClient(options.StorageConnectionString, options.Container))
            : new BlobExportSink(new BlobContainerClient(new Uri(options.StorageBlobEndpoint!, options.Container), new DefaultAzureCredential()));
        var source = new OperatorApiLogSource(http, options.PageSize, options.SettleTimeout);
        var export = new DayExport(ExportTables.All(source), sink, options.MaxRowsPerTable, source);
        return await export.RunAsync(day, cancellationToken);
    }
}
