using Azure.Storage.Blobs;
using VbiOrleans.Grains.Archive;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Archive;

/// <summary>The same behaviour from the folder archive (Local) and the blob archive (Azurite, Cluster).</summary>
public abstract class ArchiveStoreContract
{
    protected abstract IArchiveStore Create();

    [Fact]
    public async Task Objects_are_write_once_and_read_back_exactly()
    {
        var store = Create();
        await store.EnsureReadyAsync();
        var name = $"log/segments/{Guid.NewGuid():N}.seg";
        var bytes = System.Security.Cryptography.RandomNumberGenerator.GetBytes(4096);

        await store.PutAsync(name, bytes);
        Assert.Equal(bytes, await store.GetAsync(name));
        await Assert.ThrowsAsync<ArchiveConflictException>(() => store.PutAsync(name, new byte[] { 1 }));
        Assert.Equal(bytes, await store.GetAsync(name));
        Assert.Null(await store.GetAsync("log/segments/none.seg"));
    }

    [Fact]
    public async Task Listing_is_by_prefix_in_ordinal_order()
    {
        var store = Create();
        await store.EnsureReadyAsync();
        var prefix = $"list-{Guid.NewGuid():N}/";
        foreach (var n in new[] { "b", "a", "c/d" }) await store.PutAsync(prefix + n, new byte[] { 0 });
        Assert.Equal([prefix + "a", prefix + "b", prefix + "c/d"], await store.ListAsync(prefix));
    }

    [Theory]
    [InlineData("../escape")]
    [InlineData("/absolute")]
    [InlineData("a//b")]
    [InlineData("spaces are bad")]
    public async Task Unsafe_names_are_refused(string name) =>
        await Assert.ThrowsAsync<ArgumentException>(() => Create().PutAsync(name, new byte[] { 0 }));
}

public sealed class FolderArchiveStoreTests : ArchiveStoreContract
{
    protected override IArchiveStore Create() => new FolderArchiveStore(Path.Combine(Path.GetTempPath(), "vbi-archive-tests"));
}

[Trait("Services", "Azurite")]
public sealed class BlobArchiveStoreTests : ArchiveStoreContract
{
    protected override IArchiveStore Create() =>
        new BlobArchiveStore(new BlobContainerClient(LocalServices.ArchiveConnectionString, "vbi-archive-tests"));
}
