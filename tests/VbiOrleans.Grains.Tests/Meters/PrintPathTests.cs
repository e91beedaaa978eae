using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Orleans.Core.Internal;
using Orleans.Runtime;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Abstractions.Modules;
using VbiOrleans.Domain.Indicia;
using VbiOrleans.Grains.Tests.Fixtures;
using ErrorCode = VbiOrleans.Domain.Errors.ErrorCode;
using static VbiOrleans.Grains.Tests.Meters.MeterScenario;

namespace VbiOrleans.Grains.Tests.Meters;

/// <summary>The print path on a 3-silo cluster with PostgreSQL stores: lifecycle, signatures, idempotency (I4).</summary>
[Collection(PostgresClusterCollection.Name)]
public sealed class PrintPathTests(PostgresClusterFixture fixture)
{
    private IGrainFactory Grains => fixture.Cluster.Client;

    [Fact]
    public async Task A_meter_goes_through_its_whole_life_and_every_indicium_verifies_against_its_certificate()
    {
        var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 10_000);

        var print = Ok(await s.PrintAsync(630));
        Assert.Equal(630, print.Registers!.AscendingMills);
        Assert.Equal(9_370, print.Registers.DescendingMills);
        Assert.Equal(1, print.Registers.PieceCount);

        // The indicium verifies with the meter certificate, which chains to the postal CA.
        var indicium = print.Indicium!;
        using var certificate = X509CertificateLoader.LoadCertificate((await s.Meter.Certificate())!);
        using var publicKey = certificate.GetECDsaPublicKey()!;
        Assert.True(publicKey.VerifyData(indicium.Data, indicium.Signature, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation));
        using var ca = X509CertificateLoader.LoadCertificate(await Grains.GetGrain<IPostalCaGrain>(0).Certificate());
        using var chain = new X509Chain { ChainPolicy = { TrustMode = X509ChainTrustMode.CustomRootTrust, RevocationMode = X509RevocationMode.NoCheck } };
        chain.ChainPolicy.CustomTrustStore.Add(ca);
        Assert.True(chain.Build(certificate), string.Join("; ", chain.ChainStatus.Select(c => c.StatusInformation)));

        var decoded = IndiciumData.Decode([.. indicium.Data, .. indicium.Signature]).Value.Data;
        Assert.Equal(630, decoded.Postage.Value);
        Assert.Equal(630, decoded.AscendingAfter.Value);
        Assert.Equal(9_370, decoded.DescendingAfter.Value);
        Assert.Equal("10001", decoded.LicensingZip);
        Assert.Equal("94105", decoded.DestinationZip);
        Assert.Equal(certificate.SerialNumber, decoded.CertificateSerial);

        // Refund once; a second refund is refused.
        var refund = Ok(await s.Meter.Execute(Key(), new RefundCommand(indicium.IndiciumId)));
        Assert.Equal(0, refund.Registers!.AscendingMills);
        Assert.Equal(10_000, refund.Registers.DescendingMills);
        Assert.Equal(ErrorCode.IndiciumAlreadyRefunded, (await s.Meter.Execute(Key(), new RefundCommand(indicium.IndiciumId))).Error);
        Assert.Equal(ErrorCode.IndiciumNotFound, (await s.Meter.Execute(Key(), new RefundCommand(s.MeterId + "-999"))).Error);

        // Withdraw pays out the DR; nothing else is accepted afterwards.
        var withdraw = Ok(await s.Meter.Execute(Key(), new WithdrawCommand()));
        Assert.Equal(10_000, withdraw.AmountMills);
        Assert.Equal("Withdrawn", withdraw.Registers!.State);
        Assert.Equal(ErrorCode.MeterWithdrawn, (await s.PrintAsync(1)).Error);
        Assert.Equal(ErrorCode.MeterWithdrawn, (await s.Meter.Execute(Key(), new PostageValueDownloadCommand(1, "p"))).Error);

        var audit = await s.Meter.Audit();
        Assert.Equal(audit.Registers!.AscendingMills + audit.Registers.DescendingMills, audit.TotalDownloadedMills - audit.TotalWithdrawnMills);
        Assert.Equal(audit.PostalCheckpoint!.Sequence, audit.ModuleMemory[^1].Sequence);
        Assert.True(audit.ModuleMemory.Count <= 3);
    }

    [Fact]
    public async Task An_issued_indicium_is_found_by_its_bytes_through_its_published_certificate_until_and_after_it_is_refunded()
    {
        var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 10_000);
        var first = Ok(await s.PrintAsync(500)).Indicium!;
        var second = Ok(await s.PrintAsync(600)).Indicium!;
        byte[] bytes = [.. first.Data, .. first.Signature];

        // The certificate an indicium names leads to its meter and to the same certificate the meter holds.
        var serial = IndiciumData.Decode(bytes).Value.Data.CertificateSerial;
        var published = await Grains.GetGrain<IMeterCertificateGrain>(serial).Get();
        Assert.Equal(s.MeterId, published!.MeterId);
        Assert.Equal(await s.Meter.Certificate(), published.Certificate);

        var found = await s.Meter.FindIndicium(bytes);
        Assert.Equal(first.IndiciumId, found.Record!.IndiciumId);
        Assert.False(found.Record.Refunded);
        Assert.Equal(2, found.PieceCount);
        Assert.Equal(second.IndiciumId, (await s.Meter.FindIndicium([.. second.Data, .. second.Signature])).Record!.IndiciumId);

        var tampered = (byte[])bytes.Clone();
        tampered[^1] ^= 1;
        Assert.Null((await s.Meter.FindIndicium(tampered)).Record);

        Ok(await s.Meter.Execute(Key(), new RefundCommand(first.IndiciumId)));
        Assert.True((await s.Meter.FindIndicium(bytes)).Record!.Refunded);
        Assert.False((await s.Meter.FindIndicium([.. second.Data, .. second.Signature])).Record!.Refunded);
    }

    [Fact]
    public async Task Commands_in_the_wrong_state_and_beyond_limits_fail_with_named_errors_and_change_nothing()
    {
        var s = new MeterScenario(Grains);
        Assert.Equal(ErrorCode.MeterNotFound, (await s.PrintAsync(100)).Error);
        Ok(await s.Meter.Provision());
        Assert.Equal(ErrorCode.WrongMeterState, (await s.PrintAsync(100)).Error);
        Assert.Equal(ErrorCode.InvalidZip, (await s.Meter.Execute(Key(), new LicenseCommand("1000"))).Error);
        Ok(await s.Meter.Execute(Key(), new LicenseCommand("10001")));
        Ok(await s.Meter.Execute(Key(), new ActivateCommand(new byte[32], new byte[48])));
        var before = await s.Meter.Audit();

        Assert.Equal(ErrorCode.InsufficientFunds, (await s.PrintAsync(100)).Error);
        Assert.Equal(ErrorCode.InvalidAmount, (await s.Meter.Execute(Key(), new PostageValueDownloadCommand(-5, "p"))).Error);
        Assert.Equal(ErrorCode.PvdLimitExceeded, (await s.Meter.Execute(Key(), new PostageValueDownloadCommand(1_000_001, "p"))).Error);
        Assert.Equal(ErrorCode.InvalidZip, (await s.Meter.Execute(Key(), new PrintCommand(new PrintRequest(100, "9410", "FCM")))).Error);
        Assert.Equal(ErrorCode.RegistersMismatch,
            (await s.Meter.Execute(Key(), new PostageValueDownloadCommand(100, "p"), new ExpectedRegisters(0, 5))).Error);

        var after = await s.Meter.Audit();
        Assert.Equal(before.Registers, after.Registers);
        Assert.Equal(before.PostalCheckpoint, after.PostalCheckpoint);
    }

    [Fact]
    public async Task A_retried_key_returns_the_original_result_and_charges_once_a_reused_key_is_refused()
    {
        var s = await new MeterScenario(Grains).OperationalAsync(fundMills: 5_000);
        var key = Key();
        var first = Ok(await s.PrintAsync(500, key));
        var retry = await s.PrintAsync(500, key);
        Assert.Equal(first.Indicium!.IndiciumId, retry.Indicium!.IndiciumId);
        Assert.Equal(first.Indicium.Signature, retry.Indicium.Signature);
        Assert.Equal(first.Registers, retry.Registers);

        var reused = await s.PrintAsync(700, key);
        Assert.Equal(ErrorCode.IdempotencyKeyReused, reused.Error);

        // The same key after the meter moved to another activation (deactivated, re-read from PostgreSQL).
        await s.Meter.Cast<IGrainManagementExtension>().DeactivateOnIdle();
        await Task.Delay(200);
        var afterMove = await s.PrintAsync(500, key);
        Assert.Equal(first.Indicium.IndiciumId, afterMove.Indicium!.IndiciumId);

        var audit = await s.Meter.Audit();
        Assert.Equal(500, audit.Registers!.AscendingMills);
        Assert.Equal(1, audit.Registers.PieceCount);
    }
}
