using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Grains.Meters;
using VbiOrleans.Grains.Tests.Fixtures;
using ErrorCode = VbiOrleans.Domain.Errors.ErrorCode;
using static VbiOrleans.Grains.Tests.Meters.MeterScenario;

namespace VbiOrleans.Grains.Tests.Meters;

/// <summary>
/// I4 with the results outside the meter's row: the row keeps every key compactly, and a retry is answered from its
/// transaction's log record, in PostgreSQL.
/// </summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class IdempotencyLogTests(PostgresClusterFixture fixture)
{
    private const int Later = 20;

    private IGrainFactory Grains => fixture.Cluster.Client;

    private readonly MeterRows _rows = new(fixture);

    [Fact]
    public async Task An_old_key_is_answered_from_the_log_with_the_identical_result_charged_once_and_refused_with_another_body()
    {
        Assert.True(Later < MeterGrain.IdempotencyCapacity);
        var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 50_000);
        var key = Key();
        var first = Ok(await s.PrintAsync(500, key));
        for (var i = 0; i < Later; i++) Ok(await s.PrintAsync(100));
        var before = await s.Meter.Audit();

        // The row holds no result, only the key's compact entry: the answer must come from the log.
        var row = await _rows.ReadAsync(s.MeterId);
        Assert.Single(IdempotencyLedger.Find(row.Keys, IdempotencyLedger.KeyHashOf(key)));

        foreach (var reload in new[] { false, true })
        {
            if (reload) await MeterRows.Reload(s.Meter);
            var retry = Ok(await s.PrintAsync(500, key));
            Assert.Equal(first.Indicium!.IndiciumId, retry.Indicium!.IndiciumId);
            Assert.Equal(first.Indicium.Data, retry.Indicium.Data);
            Assert.Equal(first.Indicium.Signature, retry.Indicium.Signature);
            Assert.Equal(first.Registers, retry.Registers);
            Assert.Equal(first.Kind, retry.Kind);
            Assert.Equal(first.AmountMills, retry.AmountMills);

            var reused = await s.PrintAsync(700, key);
            Assert.Equal(ErrorCode.IdempotencyKeyReused, reused.Error);
        }

        // I4: nothing charged, no transaction, by either the retries or the refused reuses.
        var after = await s.Meter.Audit();
        Assert.Equal(before.Registers, after.Registers);
        Assert.Equal(before.PostalCheckpoint, after.PostalCheckpoint);
        Assert.Equal(500 + Later * 100, after.Registers!.AscendingMills);
    }

    [Fact]
    public async Task An_old_key_whose_log_record_is_gone_is_refused_with_a_named_error_and_not_executed_again()
    {
        var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 50_000);
        var key = Key();
        Ok(await s.PrintAsync(500, key));
        for (var i = 0; i < Later; i++) Ok(await s.PrintAsync(100));
        var before = await s.Meter.Audit();
        Assert.True(await LogDatabase.ForgetAsync(s.MeterId) > Later);

        var retry = await s.PrintAsync(500, key);
        Assert.Equal(ErrorCode.IdempotencyResultUnavailable, retry.Error);
        Assert.Contains(key, retry.Message);
        var after = await s.Meter.Audit();
        Assert.Equal(before.Registers, after.Registers);
        Assert.Equal(before.PostalCheckpoint, after.PostalCheckpoint);
    }

    [Fact]
    public async Task A_meter_whose_certificate_row_is_gone_serves_its_certificate_from_its_provision_record_in_the_log()
    {
        var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 50_000);
        var certificate = (await s.Meter.Certificate())!;
        var serial = (await _rows.ReadAsync(s.MeterId)).CertificateSerial!;

        await PostalDatabase.DeleteCertificateRowAsync(serial);
        var published = Grains.GetGrain<IMeterCertificateGrain>(serial);
        await published.Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        await Task.Delay(300);
        Assert.Null(await published.Get());
        Assert.Equal(certificate, await s.Meter.Certificate());
        Assert.Equal(certificate, (await published.Get())!.Certificate);
    }

    /// <summary>Prints <paramref name="count"/> times (postage 100, 101, ...), each under a key of its own.</summary>
    private static async Task<List<(string Key, PrintCommand Command, MeterResult Result)>> PrintWithKeysAsync(MeterScenario s, int count)
    {
        var prints = new List<(string Key, PrintCommand Command, MeterResult Result)>();
        for (var i = 0; i < count; i++)
        {
            var key = Key();
            var command = new PrintCommand(new PrintRequest(100 + i, "94105", "FCM"));
            prints.Add((key, command, Ok(await s.Meter.Execute(key, command))));
        }
        return prints;
    }
}
