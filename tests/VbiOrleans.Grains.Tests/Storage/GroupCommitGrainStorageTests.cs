using System.Diagnostics.Metrics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.Runtime;
using Orleans.Storage;
using Orleans.TestingHost;
using VbiOrleans.Abstractions;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Grains.Modules;
using VbiOrleans.Grains.Tests.Fixtures;
using VbiOrleans.Host.Hosting;
using VbiOrleans.Testing;

namespace VbiOrleans.Grains.Tests.Storage;

/// <summary>
/// The group commit in front of Orleans' ADO.NET provider, against the module store's real PostgreSQL database:
/// its rows are the provider's, its writes share transactions, and each write keeps its own version check and its
/// own failure.
/// </summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class GroupCommitGrainStorageTests(PostgresClusterFixture fixture) : IAsyncLifetime
{
    private const string StateName = "moduleMemory";
    /// <summary>The store name this test's instance reports under, apart from the silos' own "module" store.</summary>
    private const string TelemetryName = "module-under-test";
    private static string Database => PostgresClusterFixture.ModuleDatabase.Value;

    private readonly List<int> _batches = [];
    private MeterListener? _listener;
    private GroupCommitGrainStorage _storage = null!;
    private IGrainStorage _provider = null!;
    private string _serviceId = null!;

    public Task InitializeAsync()
    {
        var services = fixture.Cluster.GetActiveSilos().OfType<InProcessSiloHandle>().First().SiloHost.Services;
        _provider = services.GetRequiredKeyedService<IGrainStorage>(StorageNames.Module + SiloSetup.AdoNetProviderSuffix);
        _serviceId = services.GetRequiredService<IOptions<ClusterOptions>>().Value.ServiceId;
        // One writer: what queues while a batch commits goes into the next batch together.
        _storage = new GroupCommitGrainStorage(TelemetryName, _serviceId, (AdoNetGrainStorage)_provider,
            SiloSetup.ForProviders(PostgresClusterFixture.Connections()[StorageNames.Module]), NullLogger.Instance, writers: 1);

        _listener = new MeterListener();
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Name == "vbi.storage.batch_size") listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<int>((_, size, tags, _) =>
        {
            foreach (var tag in tags)
                if (tag is { Key: "store", Value: TelemetryName }) lock (_batches) _batches.Add(size);
        });
        _listener.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        _listener?.Dispose();
        await _storage.DisposeAsync();
    }

    private static GrainId NewGrain(string prefix) => GrainId.Create("test-group-commit", $"{prefix}-{Guid.NewGuid():N}");

    private static CheckpointData Checkpoint(long sequence) =>
        new("m-test", sequence, Domain.Transactions.TransactionKind.Print, 330, 330 * sequence, 10_000 - 330 * sequence, "T12345678",
            DateTimeOffset.UnixEpoch.AddSeconds(sequence), 10_000, 0, 0, [1, 2, 3]);

    private static GrainState<ModuleMemoryState> StateWith(long sequence, string? etag = null) => new(new ModuleMemoryState
    {
        Checkpoints = [Checkpoint(sequence)],
        Audit = [$"written at {sequence}"],
    }) { ETag = etag };

    private async Task<GrainState<ModuleMemoryState>> ReadAsync(IGrainStorage storage, GrainId grain)
    {
        var state = new GrainState<ModuleMemoryState>(new ModuleMemoryState());
        await storage.ReadStateAsync(StateName, grain, state);
        return state;
    }

    [Fact]
    public async Task Its_rows_are_the_providers_rows_in_both_directions()
    {
        var grain = NewGrain("rows");

        // Written here, read by Orleans' provider: same row, same version.
        var first = StateWith(1);
        await _storage.WriteStateAsync(StateName, grain, first);
        Assert.Equal("1", first.ETag);
        var read = await ReadAsync(_provider, grain);
        Assert.True(read.RecordExists);
        Assert.Equal("1", read.ETag);
        Assert.Equal(1, Assert.Single(read.State!.Checkpoints).Sequence);
        Assert.Equal("written at 1", Assert.Single(read.State!.Audit));

        // Written by the provider, then here with the provider's ETag: the version runs on from the provider's.
        read.State!.Checkpoints = [Checkpoint(2)];
        await _provider.WriteStateAsync(StateName, grain, read);
        Assert.Equal("2", read.ETag);
        var again = await ReadAsync(_storage, grain);
        Assert.Equal(2, Assert.Single(again.State!.Checkpoints).Sequence);
        again.State!.Checkpoints.Add(Checkpoint(3));
        await _storage.WriteStateAsync(StateName, grain, again);
        Assert.Equal("3", again.ETag);

        var rows = await LocalServices.RowsAsync(Database,
            "SELECT Version, GrainIdN0, GrainIdN1 FROM OrleansStorage WHERE ServiceId = @s AND GrainTypeString = @t AND GrainIdExtensionString = @k",
            ("s", _serviceId), ("t", StateName), ("k", grain.Key.ToString()!));
        var row = Assert.Single(rows);
        Assert.Equal(3, row[0]);
        Assert.Equal(0L, row[1]);
        Assert.Equal(0L, row[2]);
        Assert.Equal([2L, 3L], (await ReadAsync(_provider, grain)).State!.Checkpoints.Select(c => c.Sequence));
    }

    [Fact]
    public async Task Concurrent_writes_share_transactions_and_every_one_is_stored()
    {
        var grains = Enumerable.Range(0, 200).Select(_ => NewGrain("many")).ToArray();
        var states = grains.Select((_, i) => StateWith(i)).ToArray();

        await Task.WhenAll(grains.Select((g, i) => _storage.WriteStateAsync(StateName, g, states[i])));

        Assert.All(states, s => Assert.Equal("1", s.ETag));
        for (var i = 0; i < grains.Length; i++)
            Assert.Equal(i, Assert.Single((await ReadAsync(_provider, grains[i])).State!.Checkpoints).Sequence);
        int[] sizes;
        lock (_batches) sizes = [.. _batches];
        Assert.Equal(grains.Length, sizes.Sum());
        Assert.True(sizes.Length < grains.Length, $"200 writes took {sizes.Length} transactions; sizes {string.Join(",", sizes)}");
        Assert.True(sizes.Max() > 1);
    }

    [Fact]
    public async Task A_stale_version_fails_that_write_alone()
    {
        var stale = NewGrain("stale");
        await _storage.WriteStateAsync(StateName, stale, StateWith(1));
        var others = Enumerable.Range(0, 20).Select(_ => NewGrain("beside-stale")).ToArray();

        // The stale write (version 0 against the row's 1) and fresh ones, queued together.
        var staleWrite = _storage.WriteStateAsync(StateName, stale, StateWith(2, etag: "0"));
        var fresh = others.Select(g => _storage.WriteStateAsync(StateName, g, StateWith(5))).ToArray();

        await Assert.ThrowsAsync<InconsistentStateException>(() => staleWrite);
        await Task.WhenAll(fresh);
        Assert.Equal(1, Assert.Single((await ReadAsync(_provider, stale)).State!.Checkpoints).Sequence);
        foreach (var g in others) Assert.Equal("1", (await ReadAsync(_provider, g)).ETag);

        // A second insert of a row that exists (no ETag) is a conflict too, as in the provider.
        await Assert.ThrowsAsync<InconsistentStateException>(() => _storage.WriteStateAsync(StateName, stale, StateWith(3)));
    }

    [Fact]
    public async Task A_write_PostgreSQL_refuses_fails_alone_and_its_batch_neighbours_commit()
    {
        var refused = NewGrain("refused");
        var key = refused.Key.ToString()!;
        var trigger = "vbi_test_refuse_" + Guid.NewGuid().ToString("N")[..8];
        await LocalServices.ScalarAsync<int?>(Database, $"""
            CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.GrainIdExtensionString = '{key}' THEN RAISE EXCEPTION 'injected fault for %', NEW.GrainIdExtensionString; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER {trigger} BEFORE INSERT OR UPDATE ON OrleansStorage FOR EACH ROW EXECUTE FUNCTION {trigger}();
            SELECT NULL::int;
            """);
        try
        {
            var pacer = _storage.WriteStateAsync(StateName, NewGrain("pacer"), StateWith(0));
            var neighbours = Enumerable.Range(0, 20).Select(_ => NewGrain("neighbour")).ToArray();
            var writes = neighbours.Select(g => _storage.WriteStateAsync(StateName, g, StateWith(7))).ToList();
            var refusedWrite = _storage.WriteStateAsync(StateName, refused, StateWith(7));

            var error = await Assert.ThrowsAsync<Npgsql.PostgresException>(() => refusedWrite);
            Assert.Contains("injected fault", error.MessageText);
            await pacer;
            await Task.WhenAll(writes);
            foreach (var g in neighbours) Assert.Equal(7, Assert.Single((await ReadAsync(_provider, g)).State!.Checkpoints).Sequence);
            Assert.False((await ReadAsync(_provider, refused)).RecordExists);
            // The refused write was queued behind the pacer with its neighbours, and went in a batch with them first.
            lock (_batches) Assert.Contains(_batches, size => size > 1);
        }
        finally
        {
            await LocalServices.ScalarAsync<int?>(Database, $"DROP TRIGGER {trigger} ON OrleansStorage; DROP FUNCTION {trigger}(); SELECT NULL::int;");
        }
    }
}
