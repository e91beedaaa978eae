using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Grains.Meters;
using VbiOrleans.Grains.Tests.Fixtures;
using ErrorCode = VbiOrleans.Domain.Errors.ErrorCode;
using static VbiOrleans.Grains.Tests.Meters.MeterScenario;

namespace VbiOrleans.Grains.Tests.Meters;

/// <summary>
/// What a meter issued is answered by the transaction log (PostgreSQL), not by the meter's row: the row does not grow
/// with prints, and a print far behind the newest is still refunded once and found by its bytes.
/// </summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class IssuedFromLogTests(PostgresClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Cluster.Client;

    private readonly MeterRows _rows = new(fixture);

    private static byte[] Bytes(IssuedIndicium indicium) => [.. indicium.Data, .. indicium.Signature];

    [Fact]
    public async Task The_row_does_not_grow_with_prints_and_an_old_print_is_refunded_once_and_found_by_its_bytes()
    {
        var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 100_000);
        var first = Ok(await s.PrintAsync(700)).Indicium!;
        // Past the idempotency capacity, so every part of the row has reached its steady size.
        for (var i = 0; i < MeterGrain.IdempotencyCapacity + 10; i++) Ok(await s.PrintAsync(100));
        var settled = (await PostalDatabase.ReadMeterRowAsync(s.MeterId)).Length;
        for (var i = 0; i < 60; i++) Ok(await s.PrintAsync(100));
        var later = (await PostalDatabase.ReadMeterRowAsync(s.MeterId)).Length;
        // The registers' varints may widen by a byte or two; 60 more prints in an issued list would be 60 entries more.
        Assert.InRange(later - settled, -16, 16);

        var lookup = await s.Meter.FindIndicium(Bytes(first));
        Assert.Equal(first.IndiciumId, lookup.Record!.IndiciumId);
        Assert.Equal(700, lookup.Record.PostageMills);
        Assert.False(lookup.Record.Refunded);
        var forged = Bytes(first);
        forged[^1] ^= 1;
        Assert.Null((await s.Meter.FindIndicium(forged)).Record);
        Assert.Equal(ErrorCode.IndiciumNotFound, (await s.Meter.Execute(Key(), new RefundCommand($"{s.MeterId}-999999"))).Error);

        var before = await s.Meter.Audit();
        var refunded = Ok(await s.Meter.Execute(Key(), new RefundCommand(first.IndiciumId)));
        Assert.Equal(before.Registers!.DescendingMills + 700, refunded.Registers!.DescendingMills);
        Assert.Equal(1, RefundLedger.Count((await _rows.ReadAsync(s.MeterId)).Refunds));

        foreach (var reload in new[] { false, true })
        {
            if (reload) await MeterRows.Reload(s.Meter);
            Assert.True((await s.Meter.FindIndicium(Bytes(first))).Record!.Refunded);
            Assert.Equal(ErrorCode.IndiciumAlreadyRefunded, (await s.Meter.Execute(Key(), new RefundCommand(first.IndiciumId))).Error);
        }

        // The log alone still says it was refunded once the row's entry is gone (as after the refund window).
        var row = await _rows.ReadAsync(s.MeterId);
        row.Refunds = [];
        await _rows.WriteAsync(s.MeterId, row);
        await MeterRows.Reload(s.Meter);
        Assert.True((await s.Meter.FindIndicium(Bytes(first))).Record!.Refunded);
        Assert.Equal(refunded.Registers, (await s.Meter.Audit()).Registers);
    }
}
