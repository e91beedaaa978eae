using System.Security.Cryptography;
using System.Text;
using CsCheck;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Money;

namespace VbiOrleans.Domain.Tests.Meters;

public sealed class PsdPackageCodecTests
{
    private static readonly byte[] DataKey = RandomNumberGenerator.GetBytes(32);

    [Fact]
    public void A_sealed_package_unseals_to_the_same_package()
    {
        var p = Psd.PostageValueDownload(PackageFactory.Operational(), new Mills(12_345), MeterLimits.Default, PackageFactory.T0).Value.Next;
        var back = PsdPackageCodec.Unseal(PsdPackageCodec.Seal(p, DataKey), p.MeterId, DataKey);

        Assert.True(back.IsSuccess, back.Error?.Message);
        var q = back.Value;
        Assert.Equal(p.Registers, q.Registers);
        Assert.Equal(p.Totals, q.Totals);
        Assert.Equal(p.Sequence, q.Sequence);
        Assert.Equal(p.State, q.State);
        Assert.Equal(p.DeviceId, q.DeviceId);
        Assert.Equal(p.LicensingZip, q.LicensingZip);
        Assert.Equal(p.IndiciumKeyToken, q.IndiciumKeyToken);
        Assert.Equal(p.UserSecrets!.Hmk, q.UserSecrets!.Hmk);
        Assert.Equal(p.UserSecrets.PasswordVerifier, q.UserSecrets.PasswordVerifier);
        Assert.Equal(p.PassphraseRepetitionList, q.PassphraseRepetitionList);
        Assert.Equal(p.LastChallenge, q.LastChallenge);
        Assert.Equal(p.LastTransactionAt, q.LastTransactionAt);
        Assert.Equal(p.KeyExpiry, q.KeyExpiry);
    }

    [Fact]
    public void Secrets_are_not_in_the_sealed_bytes_in_clear()
    {
        var p = PackageFactory.Operational();
        var hex = Convert.ToHexString(PsdPackageCodec.Seal(p, DataKey));
        Assert.DoesNotContain(Convert.ToHexString(p.UserSecrets!.Hmk), hex);
        Assert.DoesNotContain(Convert.ToHexString(p.UserSecrets.PasswordVerifier), hex);
        Assert.DoesNotContain(Convert.ToHexString(p.PassphraseRepetitionList[0]), hex);
    }

    [Fact]
    public void Every_flipped_byte_is_detected()
    {
        var p = PackageFactory.Operational();
        var sealedBytes = PsdPackageCodec.Seal(p, DataKey);
        for (var i = 0; i < sealedBytes.Length; i++)
        {
            for (var bit = 0; bit < 8; bit += 3)
            {
                var copy = (byte[])sealedBytes.Clone();
                copy[i] ^= (byte)(1 << bit);
                var result = PsdPackageCodec.Unseal(copy, p.MeterId, DataKey);
                Assert.False(result.IsSuccess, $"flipping bit {bit} of byte {i} went undetected");
                Assert.Contains(result.Error!.Code, new[] { ErrorCode.PackageTampered, ErrorCode.PackageMeterMismatch });
            }
        }
    }

    [Fact]
    public void Another_meters_package_in_this_row_is_PackageMeterMismatch()
    {
        var a = PackageFactory.Operational();
        var b = PackageFactory.Operational();
        var result = PsdPackageCodec.Unseal(PsdPackageCodec.Seal(b, DataKey), a.MeterId, DataKey);
        Assert.Equal(ErrorCode.PackageMeterMismatch, result.Error!.Code);
    }

    [Fact]
    public void A_package_relabelled_with_another_meter_id_fails_authentication()
    {
        var a = PackageFactory.Operational(MeterId.Parse("m-aaaaaaaaaaaa"));
        var sealedBytes = PsdPackageCodec.Seal(a, DataKey);
        var relabelled = Encoding.ASCII.GetBytes(Encoding.ASCII.GetString(sealedBytes).Replace("m-aaaaaaaaaaaa", "m-bbbbbbbbbbbb"));
        Assert.Equal(ErrorCode.PackageTampered, PsdPackageCodec.Unseal(relabelled, MeterId.Parse("m-bbbbbbbbbbbb"), DataKey).Error!.Code);
    }

    [Fact]
    public void The_wrong_data_key_fails_authentication()
    {
        var p = PackageFactory.Operational();
        var result = PsdPackageCodec.Unseal(PsdPackageCodec.Seal(p, DataKey), p.MeterId, RandomNumberGenerator.GetBytes(32));
        Assert.Equal(ErrorCode.PackageTampered, result.Error!.Code);
    }

    [Fact]
    public void Truncated_or_random_bytes_are_refused_never_thrown() =>
        Gen.Byte.Array[0, 400].Sample(bytes =>
            Assert.False(PsdPackageCodec.Unseal(bytes, MeterId.Parse("m-cccccccccccc"), DataKey).IsSuccess));
}
