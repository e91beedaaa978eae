using System.Security.Cryptography;
using VbiOrleans.Protocol.Passwords;
using VbiOrleans.Protocol.Registration;

namespace VbiOrleans.Protocol.Tests.Fixtures;

/// <summary>Keys and options shared by the tests: a module identity key standing in for the HSM's, and fast password settings.</summary>
public static class Keys
{
    public const string MeterId = "m-0123456789abcdef";
    public const string OtherMeterId = "m-fedcba9876543210";
    public const string Password = "correct horse battery staple";

    public static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>Small iteration counts keep the suite fast; one test checks the count is what the blob says.</summary>
    public static readonly PasswordOptions FastPasswords = new() { Iterations = 1_000, HistoryDepth = 5 };

    public static readonly ECDsa ModuleIdentity = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public static readonly ECDsa SomeOtherKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    public static ModulePublicKey ModulePublic => ModulePublicKey.FromSubjectPublicKeyInfo(ModuleIdentity.ExportSubjectPublicKeyInfo());

    public static ModulePublicKey OtherPublic => ModulePublicKey.FromSubjectPublicKeyInfo(SomeOtherKey.ExportSubjectPublicKeyInfo());

    public static IModuleIdentitySigner Signer => ModuleIdentitySigner.FromEcdsa(ModuleIdentity);

    public static byte[] Hmk(int seed = 1)
    {
        var hmk = new byte[32];
        new Random(seed).NextBytes(hmk);
        return hmk;
    }

    public static byte[] Flip(byte[] bytes, int index, byte mask = 0x01)
    {
        var copy = bytes.ToArray();
        copy[index] ^= mask;
        return copy;
    }
}
