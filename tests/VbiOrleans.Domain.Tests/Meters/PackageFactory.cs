using System.Security.Cryptography;
using VbiOrleans.Domain.Meters;

namespace VbiOrleans.Domain.Tests.Meters;

internal static class PackageFactory
{
    public static readonly DateTimeOffset T0 = new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero);

    public static PsdPackage Operational(MeterId? id = null)
    {
        var p = PsdPackage.Provisioned(id ?? MeterId.New(), new DeviceId("VBI", "V1", "00001234"), "4F2A",
            RandomNumberGenerator.GetBytes(60), RandomNumberGenerator.GetBytes(60), new KeyExpiry(T0.AddYears(3), T0.AddYears(3)), T0);
        p = Psd.License(p, "10001", T0).Value.Next;
        return Psd.Activate(p, new UserSecrets(RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(48)), T0).Value.Next
            with { PassphraseRepetitionList = [RandomNumberGenerator.GetBytes(32), RandomNumberGenerator.GetBytes(32)], LastChallenge = RandomNumberGenerator.GetBytes(16) };
    }
}
