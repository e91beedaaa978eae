using System.Buffers.Binary;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Grains.Meters;
using VbiOrleans.Grains.Tests.Fixtures;
using ErrorCode = VbiOrleans.Domain.Errors.ErrorCode;
using static VbiOrleans.Grains.Tests.Meters.MeterScenario;

namespace VbiOrleans.Grains.Tests.Meters;

/// <summary>
/// I4 with the results outside the meter's row: the row keeps every key compactly, and a retry is answered from its
/// transaction's log record, in PostgreSQL. Rows of the earlier formats, which kept results (and the certificate) in
/// the row, are upgraded and keep answering.
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
        Assert.Empty(row.Idempotency);
        Assert.Empty(row.IdempotencyKeys);
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
    public async Task A_row_in_the_first_format_is_upgraded_and_still_answers_its_keys_finds_and_refunds_its_indicia()
    {
        var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 50_000);
        var prints = await PrintWithKeysAsync(s, 12);

        // The row as the first format wrote it: every key with its full result (field 4), the issued ledger in
        // 33-byte entries (field 5), none of the compact fields.
        var current = await _rows.ReadAsync(s.MeterId);
        var firstFormat = current.Copy();
        firstFormat.Idempotency = [.. prints.Select(p => new IdempotencyEntry(p.Key, p.Command.Fingerprint(), _rows.Serializer.SerializeToArray(p.Result), DateTimeOffset.UtcNow))];
        firstFormat.IssuedVersion1 = [.. prints.SelectMany(p => Version1Entry(p.Result.Indicium!))];
        firstFormat.IdempotencyKeys = [];
        firstFormat.Keys = [];
        firstFormat.Issued = [];
        await _rows.WriteAsync(s.MeterId, firstFormat);
        await MeterRows.Reload(s.Meter);

        var oldest = prints[0];
        byte[] oldestBytes = [.. oldest.Result.Indicium!.Data, .. oldest.Result.Indicium.Signature];
        Assert.Equal(oldest.Result.Indicium.IndiciumId, (await s.Meter.FindIndicium(oldestBytes)).Record!.IndiciumId);
        Assert.Equal(oldest.Result.Indicium.Signature, Ok(await s.Meter.Execute(oldest.Key, oldest.Command)).Indicium!.Signature);

        // A new command writes the upgraded row; the oldest key's result is then read from the log.
        Ok(await s.PrintAsync(100));
        var upgraded = await _rows.ReadAsync(s.MeterId);
        Assert.Empty(upgraded.IssuedVersion1);
        Assert.Empty(upgraded.Issued);
        Assert.Equal(0, RefundLedger.Count(upgraded.Refunds));
        Assert.True(IdempotencyLedger.Count(upgraded.Keys) >= prints.Count + 1);
        Assert.Empty(upgraded.Idempotency);
        await MeterRows.Reload(s.Meter);
        Assert.Equal(oldest.Result.Indicium.Signature, Ok(await s.Meter.Execute(oldest.Key, oldest.Command)).Indicium!.Signature);
        Assert.Equal(ErrorCode.IdempotencyKeyReused, (await s.PrintAsync(999, oldest.Key)).Error);

        Ok(await s.Meter.Execute(Key(), new RefundCommand(oldest.Result.Indicium.IndiciumId)));
        Assert.True((await s.Meter.FindIndicium(oldestBytes)).Record!.Refunded);
        Assert.Equal(ErrorCode.IndiciumAlreadyRefunded, (await s.Meter.Execute(Key(), new RefundCommand(oldest.Result.Indicium.IndiciumId))).Error);

        var audit = await s.Meter.Audit();
        Assert.Equal(prints.Sum(p => p.Command.Request.PostageMills) + 100 - oldest.Command.Request.PostageMills, audit.Registers!.AscendingMills);
        Assert.Equal(prints.Count + 1, audit.Registers.PieceCount);
    }

    [Fact]
    public async Task A_row_of_the_second_format_is_upgraded_keeps_answering_its_keys_and_serves_its_certificate_from_its_grain_or_the_log()
    {
        var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 50_000);
        var prints = await PrintWithKeysAsync(s, 8);
        var certificate = (await s.Meter.Certificate())!;

        // The row as the second format wrote it: 32-byte key entries (field 8), the newest four results (field 4) and
        // the certificate (field 2), none of the current key ledger.
        var secondFormat = (await _rows.ReadAsync(s.MeterId)).Copy();
        secondFormat.IdempotencyKeys = [.. prints.SelectMany(p => Version2Entry(p.Key, p.Result.Registers!.Sequence))];
        secondFormat.Idempotency = [.. prints.TakeLast(4).Select(p => new IdempotencyEntry(p.Key, p.Command.Fingerprint(), _rows.Serializer.SerializeToArray(p.Result), DateTimeOffset.UtcNow))];
        secondFormat.Keys = [];
        secondFormat.Certificate = certificate;
        await _rows.WriteAsync(s.MeterId, secondFormat);
        await MeterRows.Reload(s.Meter);

        foreach (var (key, command, result) in new[] { prints[0], prints[^1] })
        {
            Assert.Equal(result.Indicium!.Signature, Ok(await s.Meter.Execute(key, command)).Indicium!.Signature);
            Assert.Equal(ErrorCode.IdempotencyKeyReused, (await s.PrintAsync(999, key)).Error);
        }
        Ok(await s.PrintAsync(100));
        var upgraded = await _rows.ReadAsync(s.MeterId);
        Assert.Empty(upgraded.IdempotencyKeys);
        Assert.Empty(upgraded.Idempotency);
        Assert.Null(upgraded.Certificate);
        Assert.Equal(prints.Count + 1, IdempotencyLedger.Count(upgraded.Keys));
        Assert.Equal(certificate, await s.Meter.Certificate());

        // A postal store without the certificate's own row: the meter takes it from its provision record in the log.
        var serial = upgraded.CertificateSerial!;
        await PostalDatabase.DeleteCertificateRowAsync(serial);
        var published = Grains.GetGrain<IMeterCertificateGrain>(serial);
        await published.Cast<Orleans.Core.Internal.IGrainManagementExtension>().DeactivateOnIdle();
        await Task.Delay(300);
        Assert.Null(await published.Get());
        Assert.Equal(certificate, await s.Meter.Certificate());
        Assert.Equal(certificate, (await published.Get())!.Certificate);

        var audit = await s.Meter.Audit();
        Assert.Equal(prints.Sum(p => p.Command.Request.PostageMills) + 100, audit.Registers!.AscendingMills);
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

    /// <summary>A key-ledger entry as the second format packed it: 64-bit hashes of key and result, sequence, UTC ticks (32 bytes).</summary>
    private static byte[] Version2Entry(string key, long sequence)
    {
        var entry = new byte[32];
        BinaryPrimitives.WriteUInt64LittleEndian(entry, BinaryPrimitives.ReadUInt64BigEndian(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(key))));
        BinaryPrimitives.WriteUInt64LittleEndian(entry.AsSpan(8), 0x5EC0DF0A);
        BinaryPrimitives.WriteInt64LittleEndian(entry.AsSpan(16), sequence);
        BinaryPrimitives.WriteInt64LittleEndian(entry.AsSpan(24), DateTimeOffset.UtcNow.UtcTicks);
        return entry;
    }

    /// <summary>An issued-ledger entry as the first format packed it: sequence, postage, UTC ticks, refunded, digest (33 bytes).</summary>
    private static byte[] Version1Entry(IssuedIndicium indicium)
    {
        var entry = new byte[33];
        BinaryPrimitives.WriteInt64LittleEndian(entry, indicium.Sequence);
        BinaryPrimitives.WriteInt64LittleEndian(entry.AsSpan(8), indicium.PostageMills);
        BinaryPrimitives.WriteInt64LittleEndian(entry.AsSpan(16), indicium.PrintedAt.UtcTicks);
        BinaryPrimitives.WriteUInt64LittleEndian(entry.AsSpan(25), IssuedLedger.DigestOf([.. indicium.Data, .. indicium.Signature]));
        return entry;
    }
}
