using VbiOrleans.Abstractions.Log;
using VbiOrleans.Grains.Archive;
using VbiOrleans.Grains.Log;
using VbiOrleans.Grains.Tests.Fixtures;
using VbiOrleans.Grains.Tests.Meters;
using VbiOrleans.TransactionLog.Entries;
using VbiOrleans.TransactionLog.Notes;
using VbiOrleans.TransactionLog.Segments;
using VbiOrleans.TransactionLog.Verification;
using static VbiOrleans.Grains.Tests.Meters.MeterScenario;

namespace VbiOrleans.Grains.Tests.Log;

/// <summary>The transaction log on the 3-silo PostgreSQL cluster: sealed into a signed Merkle tree and shipped.</summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class LogSealerTests(PostgresClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Cluster.Client;

    [Fact]
    public async Task Every_transaction_is_sealed_shipped_and_verifiable_from_the_archive_alone()
    {
        var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 10_000);
        var print = Ok(await s.PrintAsync(730));
        Ok(await s.Meter.Execute(Key(), new Abstractions.Meters.RefundCommand(print.Indicium!.IndiciumId)));

        // The meter pool provisions in the background, and its appends may land between a seal and the count: ship
        // until a ship leaves nothing behind.
        var status = await Grains.GetGrain<ILogSealerGrain>(LogNames.Home).Ship();
        for (var attempt = 0; attempt < 20 && status.ArchiveLag > 0; attempt++)
        {
            await Task.Delay(250);
            status = await Grains.GetGrain<ILogSealerGrain>(LogNames.Home).Ship();
        }
        Assert.Equal(0, status.Unsealed);
        Assert.Equal(status.Size, status.Shipped);
        Assert.Equal(0, status.ArchiveLag);

        // Only the archive and the published verifier key: what an auditor holds.
        var archive = new FolderArchiveStore(PostgresClusterFixture.ArchiveFolder);
        var verifierKey = System.Text.Encoding.UTF8.GetString((await archive.GetAsync(LogSealerGrain.VerifierKeyName))!).Trim();
        Assert.Equal(status.VerifierKey, verifierKey);
        var files = new List<byte[]>();
        foreach (var name in await archive.ListAsync(LogSealerGrain.SegmentsPrefix)) files.Add((await archive.GetAsync(name))!);
        var segments = files.Select(f => LogSegment.Parse(f).Value).ToList();
        var notes = new List<string>();
        foreach (var name in await archive.ListAsync(LogSealerGrain.CheckpointsPrefix)) notes.Add(System.Text.Encoding.UTF8.GetString((await archive.GetAsync(name))!));

        var result = new LogVerifier(NoteVerifier.FromVerifierKey(verifierKey).Value).Verify(files, notes);
        Assert.True(result.Ok, result.Reason);
        Assert.Equal(status.Size, result.EntriesChecked);

        // This meter's life is in it, in order: provision, license, activate, PVD, print (with its indicium), refund.
        var mine = segments.SelectMany(g => g.DecodeEntries()).Where(e => e.MeterId == s.MeterId).ToList();
        Assert.Equal(
            [LogTransactionKind.Provision, LogTransactionKind.License, LogTransactionKind.Activate, LogTransactionKind.PostageValueDownload,
                LogTransactionKind.Print, LogTransactionKind.Refund],
            mine.Select(e => e.Kind));
        Assert.Equal(Enumerable.Range(0, 6).Select(i => (long)i), mine.Select(e => e.MeterSequence));
        Assert.Equal([.. print.Indicium.Data, .. print.Indicium.Signature], mine[4].PublicPayload);
        Assert.Equal(730, mine[4].AscendingAfterMills);
        // The secret-bearing part (the package, the idempotency result with the indicium in it) is encrypted: the
        // print's signature, carried in clear in the public payload, appears nowhere in it.
        Assert.True(mine[4].SealedSecret.Length > print.Indicium.Signature.Length);
        Assert.Equal(-1, mine[4].SealedSecret.AsSpan().IndexOf(print.Indicium.Signature));
    }
}
