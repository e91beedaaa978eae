namespace VbiOrleans.Export;

/// <summary>
/// How an export process reaches the log and where it writes (section <c>Vbi:Export</c> in the Azure Function;
/// <c>vbi-admin export</c>'s options). The operator key comes from a secret store (Key Vault reference), never from a file in the package.
/// </summary>
public sealed class ExportOptions
{
    public const string Section = "Vbi:Export";

    /// <summary>The server's base URL (any silo's API).</summary>
    public Uri? Server { get; set; }

    public string OperatorName { get; set; } = "export";

    public string? OperatorKey { get; set; }

    /// <summary>The archive's blob storage connection string (Azurite, local runs); the export writes to its <see cref="Container"/> container.</summary>
    public string? StorageConnectionString { get; set; }

    /// <summary>
    /// The archive storage account's blob endpoint (<c>https://{account}.blob.core.windows.net</c>), reached with the
    /// process's managed identity (DefaultAzureCredential): how the Azure Function writes, with no shared key.
    /// </summary>
    public Uri? StorageBlobEndpoint { get; set; }

    public string Container { get; set; } = Sinks.BlobExportSink.DefaultContainer;

    /// <summary>A folder instead of blob storage (the Local profile): files go to <c>{Folder}/dss/…</c>.</summary>
    public string? Folder { get; set; }

    /// <summary>Records asked for per request to the server (at most 5000).</summary>
    public int PageSize { get; set; } = 1000;

    /// <summary>The bound on a table's rows for one day: the day is held in memory to sort and encode it.</summary>
    public int MaxRowsPerTable { get; set; } = 5_000_000;

    /// <summary>The bound on each request to the server.</summary>
    public TimeSpan RequestTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// The bound on waiting, before reading anything, for the log-feed consumers the export reads (ledger, fees,
    /// purchases) to apply every record committed before the run; past it the run fails with
    /// <see cref="ExportFailure.DayNotSettled"/> and writes nothing.
    /// </summary>
    public TimeSpan SettleTimeout { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>What is wrong with the options, or null.</summary>
    public string? Problem() =>
        Server is null || !Server.IsAbsoluteUri || Server.Scheme is not ("http" or "https") ? "Server is not an http(s) URL"
        : string.IsNullOrWhiteSpace(OperatorKey) ? "OperatorKey is missing"
        : string.IsNullOrWhiteSpace(Folder) && string.IsNullOrWhiteSpace(StorageConnectionString) && StorageBlobEndpoint is null
            ? "give StorageBlobEndpoint, StorageConnectionString or Folder"
        : PageSize is < 1 or > 5000 ? "PageSize is 1 to 5000"
        : MaxRowsPerTable < 1 ? "MaxRowsPerTable is at least 1"
        : SettleTimeout < TimeSpan.Zero ? "SettleTimeout is not negative"
        : null;
}
