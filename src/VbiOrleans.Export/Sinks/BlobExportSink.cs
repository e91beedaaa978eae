using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace VbiOrleans.Export.Sinks;

/// <summary>
/// The <c>dss</c> container of the archive's blob storage (Azurite here): <c>date=YYYY-MM-DD/…</c>. A blob upload
/// replaces the blob at once. Unlike the archive's container, this one has no immutability policy: a day is replaced
/// when it is exported again.
/// </summary>
public sealed class BlobExportSink(BlobContainerClient container) : IExportSink
{
    public const string DefaultContainer = "dss";

    public string Description => $"blob container {container.Name} at {container.Uri.GetLeftPart(UriPartial.Authority)}";

    public Task EnsureReadyAsync(CancellationToken cancellationToken) =>
        Io(() => container.CreateIfNotExistsAsync(cancellationToken: cancellationToken));

    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        var names = new List<string>();
        await Io(async () =>
        {
            await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken)) names.Add(item.Name);
        });
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken) =>
        Io(() => container.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(content), overwrite: true, cancellationToken));

    public Task DeleteAsync(string name, CancellationToken cancellationToken) =>
        Io(() => container.GetBlobClient(name).DeleteIfExistsAsync(cancellationToken: cancellationToken));

    private static async Task Io(Func<Task> action)
    {
        try
        {
            await action();
        }
        catch (Exception e) when (e is RequestFailedException or HttpRequestException or AggregateException)
        {
            throw new ExportException(ExportFailure.SinkUnavailable, $"the dss container failed: {e.Message}", e);
        }
    }
}
