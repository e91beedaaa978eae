using System.Security.Cryptography;
using CsCheck;
using VbiOrleans.TransactionLog.Entries;

namespace VbiOrleans.TransactionLog.Tests.Entries;

public class EntryCipherTests
{
    private static readonly byte[] Key = RandomNumberGenerator.GetBytes(EntryCipher.KeySize);

    [Fact]
    public void ASealedSecretOpensInItsOwnEntryOnly()
    {
        Gen.Select(Gen.Byte.Array[0, 200], Gen.Long[0, long.MaxValue - 1]).Sample((secret, index) =>
        {
            var sealedSecret = EntryCipher.Seal(Key, index, "m-00000001", secret);
            Assert.Equal(secret.Length + EntryCipher.Overhead, sealedSecret.Length);
            Assert.Equal(secret, EntryCipher.Open(Key, index, "m-00000001", sealedSecret).Value);

            Assert.Equal(LogErrorCode.SecretTampered, EntryCipher.Open(Key, index + 1, "m-00000001", sealedSecret).Error!.Code);
            Assert.Equal(LogErrorCode.SecretTampered, EntryCipher.Open(Key, index, "m-00000002", sealedSecret).Error!.Code);
            var other = RandomNumberGenerator.GetBytes(EntryCipher.KeySize);
            Assert.Equal(LogErrorCode.SecretTampered, EntryCipher.Open(other, index, "m-00000001", sealedSecret).Error!.Code);
        }, iter: 100);
    }

    [Fact]
    public void AnyFlippedBitIsRefused()
    {
        var sealedSecret = EntryCipher.Seal(Key, 5, "m-00000001", "HMK and user secrets"u8);
        for (var bit = 0; bit < sealedSecret.Length * 8; bit++)
        {
            var tampered = (byte[])sealedSecret.Clone();
            tampered[bit / 8] ^= (byte)(1 << (bit % 8));
            Assert.Equal(LogErrorCode.SecretTampered, EntryCipher.Open(Key, 5, "m-00000001", tampered).Error!.Code);
        }
    }

    [Fact]
    public void NoncesAreFreshAndAShortSealIsRefused()
    {
        var a = EntryCipher.Seal(Key, 1, "m-00000001", [1, 2, 3]);
        var b = EntryCipher.Seal(Key, 1, "m-00000001", [1, 2, 3]);
        Assert.NotEqual(a[..EntryCipher.NonceSize], b[..EntryCipher.NonceSize]);
        Assert.Equal(LogErrorCode.LengthOutOfRange, EntryCipher.Open(Key, 1, "m-00000001", new byte[10]).Error!.Code);
        Assert.Empty(EntryCipher.Open(Key, 1, "m-00000001", []).Value);
        Assert.Throws<ArgumentException>(() => EntryCipher.Seal(new byte[16], 1, "m-00000001", [1]));
    }

    [Fact]
    public void ACallersNonceLeadsTheSealAndMustBeTwelveBytes()
    {
        var nonce = RandomNumberGenerator.GetBytes(EntryCipher.NonceSize);
        var sealedSecret = EntryCipher.Seal(Key, 7, "m-00000001", "user secrets"u8, nonce);
        Assert.Equal(nonce, sealedSecret[..EntryCipher.NonceSize]);
        Assert.Equal("user secrets"u8.ToArray(), EntryCipher.Open(Key, 7, "m-00000001", sealedSecret).Value);
        Assert.Equal(LogErrorCode.SecretTampered, EntryCipher.Open(Key, 8, "m-00000001", sealedSecret).Error!.Code);
        Assert.Throws<ArgumentException>(() => EntryCipher.Seal(Key, 7, "m-00000001", [1], new byte[EntryCipher.NonceSize - 1]));
    }

    [Fact]
    public void AnEntryOpensItsOwnSecret()
    {
        var secret = "key token"u8.ToArray();
        var entry = new LogEntry(9, "m-00000009", 1, LogTransactionKind.PostageValueDownload, 10_000, 0, 10_000, 0, "HSM-01", [],
            EntryCipher.Seal(Key, 9, "m-00000009", secret));
        var decoded = LogEntry.Decode(entry.Encode()).Value;
        Assert.Equal(secret, decoded.OpenSecret(Key).Value);
        Assert.False((decoded with { Index = 10 }).OpenSecret(Key).IsSuccess);
    }
}
