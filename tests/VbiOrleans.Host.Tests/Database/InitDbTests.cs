using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Database;

/// <summary>`init-db` applies infra/sql idempotently and under a lock.</summary>
[Trait("Services", "PostgreSQL")]
public sealed class InitDbTests
{
    private static readonly string[] MembershipQueries =
    [
        "InsertMembershipVersionKey", "InsertMembershipKey", "UpdateMembershipKey", "UpdateIAmAlivetimeKey",
        "MembershipReadRowKey", "MembershipReadAllKey", "DeleteMembershipTableEntriesKey", "GatewaysQueryKey",
        "CleanupDefunctSiloEntriesKey", "CleanupDefunctSiloEntryKey",
    ];

    private static readonly string[] StorageQueries = ["WriteToStorageKey", "ReadFromStorageKey", "ClearStorageKey"];

    private static readonly string[] ReminderQueries =
    [
        "UpsertReminderRowKey", "ReadReminderRowsKey", "ReadReminderRowKey", "ReadRangeRows1Key", "ReadRangeRows2Key",
        "DeleteReminderRowKey", "DeleteReminderRowsKey",
    ];

    [Fact]
    public async Task Two_init_db_runs_at_once_both_succeed_and_a_third_changes_nothing()
    {
        var membership = await LocalServices.CreateScratchDatabaseAsync("vbi_init_m");
        var postal = await LocalServices.CreateScratchDatabaseAsync("vbi_init_p");
        var stores = HostEnvironment.AllStoresIn(postal);
        stores["membership"] = LocalServices.ConnectionString(membership);
        var env = HostEnvironment.Cluster("initdb", stores);

        await using (var first = HostProcess.Start(env, "init-db"))
        await using (var second = HostProcess.Start(env, "init-db"))
        {
            var exits = await Task.WhenAll(first.WaitForExitAsync(TimeSpan.FromSeconds(90)), second.WaitForExitAsync(TimeSpan.FromSeconds(90)));
            Assert.True(exits.All(e => e == 0), first.Transcript() + "\n" + second.Transcript());
        }

        var keys = (await LocalServices.RowsAsync(membership, "SELECT QueryKey FROM OrleansQuery")).Select(r => (string)r[0]!).ToHashSet();
        Assert.Superset(MembershipQueries.Concat(StorageQueries).Concat(ReminderQueries).ToHashSet(), keys);
        var postalKeys = (await LocalServices.RowsAsync(postal, "SELECT QueryKey FROM OrleansQuery")).Select(r => (string)r[0]!).ToHashSet();
        Assert.Equal(StorageQueries.ToHashSet(), postalKeys);

        var before = await LocalServices.RowsAsync(membership, "SELECT script, sha256, applied_at FROM vbi_schema ORDER BY script");
        await using (var third = HostProcess.Start(env, "init-db"))
        {
            Assert.Equal(0, await third.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        }
        var after = await LocalServices.RowsAsync(membership, "SELECT script, sha256, applied_at FROM vbi_schema ORDER BY script");
        Assert.Equal(VbiOrleans.Host.Database.SchemaInstaller.ScriptsFor("membership").Count, after.Count);
        Assert.Equal(before.Select(r => string.Join('|', r)), after.Select(r => string.Join('|', r)));
    }

    [Fact]
    public async Task Storage_writes_are_optimistic_a_stale_version_changes_nothing()
    {
        var db = await LocalServices.CreateScratchDatabaseAsync("vbi_occ");
        var env = HostEnvironment.Cluster("occ", HostEnvironment.AllStoresIn(db));
        await using (var init = HostProcess.Start(env, "init-db"))
        {
            Assert.Equal(0, await init.WaitForExitAsync(TimeSpan.FromSeconds(90)));
        }

        Task<int?> Write(int? version, byte payload) => GrainStateWrites.WriteAsync(db, 1, 2, 3, 4, "state", "k", "svc", version, [payload]);
        Assert.Equal(1, await Write(null, 1));
        // A second first-insert for the same grain must not create a row: no version comes back.
        Assert.Null(await Write(null, 2));
        Assert.Equal(2, await Write(1, 3));
        // Writing with the version read before is refused: the version comes back unchanged.
        Assert.Equal(1, await Write(1, 4));
        // So is writing to a row that does not exist with a version.
        Assert.Equal(7, await GrainStateWrites.WriteAsync(db, 9, 9, 9, 9, "state", null, "svc", 7, [5]));

        var rows = await LocalServices.RowsAsync(db, "SELECT PayloadBinary, Version FROM OrleansStorage");
        var row = Assert.Single(rows);
        Assert.Equal(new byte[] { 3 }, (byte[])row[0]!);
        Assert.Equal(2, (int)row[1]!);
    }
}
