using Azure;
using Azure.Storage.Blobs;
using Azure.Storage.Blobs.Models;

namespace VbiOrleans.Grains.Archive;

/// <summary>
/// The archive in Azure Blob Storage (Azurite locally). Writes are conditional on the blob not existing
/// (If-None-Match: *), so an archived object is never overwritten; in Azure the container also carries a locked
/// time-based retention policy (bicep/).
/// </summary>
public sealed class BlobArchiveStore(BlobContainerClient container) : IArchiveStore
{
    public string Description => $"blob container {container.Name} at {container.Uri.GetLeftPart(UriPartial.Authority)}";

    public async Task PutAsync(string name, ReadOnlyMemory<byte> content, CancellationToken cancellationToken = default)
    {
        ArchiveNames.Validate(name);
        try
        {
            await container.GetBlobClient(name).UploadAsync(BinaryData.FromBytes(content),
                new BlobUploadOptions { Conditions = new BlobRequestConditions { IfNoneMatch = ETag.All } }, cancellationToken);
        }
        catch (RequestFailedException e) when (e.Status == 409 || e.ErrorCode == BlobErrorCode.BlobAlreadyExists)
        {
            throw new ArchiveConflictException(name);
        }
    }

    public async Task<byte[]?> GetAsync(string name, CancellationToken cancellationToken = default)
    {
        ArchiveNames.Validate(name);
        try
        {
            var result = await container.GetBlobClient(name).DownloadContentAsync(cancellationToken);
            return result.Value.Content.ToArray();
        }
        catch (RequestFailedException e) when (e.Status == 404)
        {
            return null;
        }
    }

    public async Task<IReadOnlyList<string>> ListAsync(string prefix, CancellationToken cancellationToken = default)
    {
        var names = new List<string>();
        await foreach (var item in container.GetBlobsAsync(new GetBlobsOptions { Prefix = prefix }, cancellationToken))
        {
            names.Add(item.Name);
        }
        names.Sort(StringComparer.Ordinal);
        return names;
    }

    public async Task EnsureReadyAsync(CancellationToken cancellationToken = default) =>
        await container.CreateIfNotExistsAsync(cancellationToken: cancellationToken);
}
