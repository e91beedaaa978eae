using Microsoft.Extensions.Configuration;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Host.Hosting;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Archive;

/// <summary>
/// <c>ConnectionStrings:archive</c> in the Cluster profile: an Azure Storage connection string (Azurite here), or, in
/// Azure where the account takes no shared keys (bicep/), the account's blob endpoint alone, authenticated with the
/// managed identity. The identity itself exists only in Azure; here the endpoint form is shown to reach the named
/// account and container instead of being refused as a malformed connection string.
/// </summary>
public sealed class ArchiveSettingTests
{
    private static VbiOptions Cluster() => new() { Profile = HostProfile.Cluster };

    private static IConfiguration Archive(string value) =>
        new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:archive"] = value }).Build();

    [Fact]
    public void A_blob_endpoint_names_the_account_and_container_for_the_managed_identity()
    {
        var store = HostProgram.CreateArchive(Cluster(), Archive("https://vbiprodarch.blob.core.windows.net/"));
        Assert.Equal("blob container vbi-archive at https://vbiprodarch.blob.core.windows.net", store.Description);
    }

    [Fact]
    public void A_missing_setting_is_refused_by_name()
    {
        var refused = Assert.Throws<ArgumentException>(() => HostProgram.CreateArchive(Cluster(), Archive(" ")));
        Assert.Contains("ConnectionStrings:archive", refused.Message, StringComparison.Ordinal);
    }

    [Fact]
    [Trait("Services", "Azurite")]
    public async Task A_connection_string_still_opens_the_archive_with_its_key()
    {
        var options = Cluster();
        options.Archive.Container = "vbi-archive-setting-tests";
        var store = HostProgram.CreateArchive(options, Archive(LocalServices.ArchiveConnectionString));
        await store.EnsureReadyAsync();
        var name = $"log/segments/{Guid.NewGuid():N}.seg";
        await store.PutAsync(name, new byte[] { 7, 8, 9 });
        Assert.Equal(new byte[] { 7, 8, 9 }, await store.GetAsync(name));
    }
}
