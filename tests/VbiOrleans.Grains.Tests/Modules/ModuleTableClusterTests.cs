using Orleans.Runtime;
using Orleans.TestingHost;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Modules;
using VbiOrleans.Domain.Transactions;
using VbiOrleans.Grains.Tests.Fixtures;
using ErrorCode = VbiOrleans.Domain.Errors.ErrorCode;

namespace VbiOrleans.Grains.Tests.Modules;

[Collection(PostgresClusterCollection.Name)]
public sealed class ModuleTableClusterTests(PostgresClusterFixture fixture)
{
    private TestCluster Cluster => fixture.Cluster;

    private static ModuleSerial NewSerial() => ModuleSerial.Parse("T" + Random.Shared.NextInt64(10_000_000, 99_999_999));

    [Fact]
    public async Task A_module_table_entry_survives_killing_the_silo_that_hosted_it()
    {
        var serial = NewSerial();
        var grain = Cluster.Client.GetGrain<ICryptoModuleGrain>(serial.GrainKey);
        Assert.True((await grain.Register("rack A")).IsSuccess);
        var at = DateTimeOffset.UtcNow;
        var recorded = await grain.RecordTransaction(new ModuleTransactionReport(at, TransactionKind.Print, 330, "m-1", 7));
        Assert.True(recorded.IsSuccess);

        var host = HostingSilo(grain);
        Assert.Equal(3, Cluster.GetActiveSilos().Count());
        await Cluster.KillSiloAsync(host);

        // The next call is served by another silo, which reads the row back from PostgreSQL.
        var row = await EventuallyAsync(() => grain.Get(), TimeSpan.FromSeconds(60));
        Assert.NotNull(row);
        Assert.Equal(serial.Value, row.Serial);
        Assert.Equal("rack A", row.Label);
        Assert.Equal(TransactionKind.Print, row.LastTransactionKind);
        Assert.Equal(330, row.LastTransactionValueMills);
        Assert.Equal("m-1", row.LastTransactionMeterId);
        Assert.Equal(7, row.LastTransactionSequence);
        Assert.Equal(1, row.TransactionCount);
        Assert.Equal(at.UtcTicks / 10_000, row.LastTransactionAt!.Value.UtcTicks / 10_000);

        var newHost = HostingSilo(grain);
        Assert.NotEqual(host.SiloAddress, newHost.SiloAddress);

        var listed = await Cluster.Client.GetGrain<IModuleTableGrain>(IModuleTableGrain.Key).List();
        Assert.Contains(listed, r => r.Serial == serial.Value && r.TransactionCount == 1);

        await Cluster.StartAdditionalSiloAsync();
    }

    [Fact]
    public async Task Commands_in_the_wrong_state_fail_with_named_errors_and_change_nothing()
    {
        var serial = NewSerial();
        var grain = Cluster.Client.GetGrain<ICryptoModuleGrain>(serial.GrainKey);
        var tx = new ModuleTransactionReport(DateTimeOffset.UtcNow, TransactionKind.PostageValueDownload, 10_000, "m-2", 1);

        Assert.Equal(ErrorCode.ModuleNotRegistered, (await grain.RecordTransaction(tx)).Error);
        Assert.Null(await grain.Get());

        await grain.Register("rack B");
        Assert.Equal(ErrorCode.ModuleAlreadyRegistered, (await grain.Register("rack C")).Error);
        Assert.True((await grain.RecordTransaction(tx)).IsSuccess);
        var older = tx with { At = tx.At.AddMinutes(-1), Sequence = 2 };
        Assert.Equal(ErrorCode.ModuleTransactionOutOfOrder, (await grain.RecordTransaction(older)).Error);

        var row = await grain.Get();
        Assert.Equal("rack B", row!.Label);
        Assert.Equal(1, row.TransactionCount);
        Assert.Equal(1, row.LastTransactionSequence);
    }

    [Fact]
    public async Task Coalesced_reports_count_every_transaction_and_keep_the_latest_even_when_an_older_report_arrives_last()
    {
        var serial = NewSerial();
        var grain = Cluster.Client.GetGrain<ICryptoModuleGrain>(serial.GrainKey);
        Assert.True((await grain.Register("rack D")).IsSuccess);
        var at = DateTimeOffset.UtcNow;
        // As two silos would send them: one silo's 5 transactions ending later, then another's 3 ending earlier.
        await grain.Report(new ModuleTransactionReport(at, TransactionKind.Print, 450, "m-late", 12), 5);
        await grain.Report(new ModuleTransactionReport(at.AddSeconds(-2), TransactionKind.Print, 120, "m-early", 4), 3);

        var row = await UntilAsync(async () => await grain.Get() is { TransactionCount: 8 } r ? r : null, TimeSpan.FromSeconds(10));
        Assert.Equal("m-late", row.LastTransactionMeterId);
        Assert.Equal(12, row.LastTransactionSequence);
        Assert.Equal(450, row.LastTransactionValueMills);
    }

    [Fact]
    public async Task Prints_reach_the_module_table_as_coalesced_reports_one_count_each()
    {
        var s = await new Meters.MeterScenario(Cluster.Client).OperationalAsync(fundMills: 10_000);
        var serial = (await s.Meter.Audit()).PostalCheckpoint!.ModuleSerial;
        var table = Cluster.Client.GetGrain<ICryptoModuleGrain>(ModuleSerial.Parse(serial).GrainKey);
        await Task.Delay(ModuleReports_Interval * 3);
        var before = (await table.Get())!.TransactionCount;

        for (var i = 0; i < 7; i++) Meters.MeterScenario.Ok(await s.PrintAsync(100));
        var audit = await s.Meter.Audit();

        // Other tests' meters share the module: the count grows by at least these 7, and the latest transaction is our
        // last print or one after it.
        var row = await UntilAsync(async () => await table.Get() is { } r && r.TransactionCount >= before + 7 ? r : null, TimeSpan.FromSeconds(10));
        Assert.True(row.LastTransactionAt >= audit.PostalCheckpoint!.At.AddMilliseconds(-1));
    }

    private static readonly TimeSpan ModuleReports_Interval = VbiOrleans.Grains.Modules.ModuleReports.Interval;

    private SiloHandle HostingSilo(IGrain grain)
    {
        Assert.True(Cluster.TryGetGrainContext(grain.GetGrainId(), out var context), "the grain is not active on any silo");
        return Cluster.Silos.Single(s => s.SiloAddress.Equals(context.Address.SiloAddress));
    }

    /// <summary>Asks until the answer is there (reports reach the table within a quarter second or so).</summary>
    private static async Task<T> UntilAsync<T>(Func<Task<T?>> call, TimeSpan timeout) where T : class
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (await call() is { } answer) return answer;
            Assert.True(DateTime.UtcNow < deadline, $"no answer within {timeout}");
            await Task.Delay(100);
        }
    }

    private static async Task<T> EventuallyAsync<T>(Func<Task<T>> call, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            try
            {
                return await call();
            }
            catch (Exception) when (DateTime.UtcNow < deadline)
            {
                // The dead silo's directory entries are still being removed; the caller retries as a client would.
                await Task.Delay(500);
            }
        }
    }
}
