using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using VbiOrleans.Domain.Indicia;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Domain.Money;

namespace VbiOrleans.Domain.Tests.Indicia;

/// <summary>A postal CA and a meter certificate shaped like the ones the modules issue, and indicia signed with it.</summary>
public sealed class TestPki : IDisposable
{
    public static readonly DateOnly MailedOn = new(2026, 11, 24);
    public const string DeviceSerial = "0A1B2C3D4E";

    public ECDsa CaKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public ECDsa MeterKey { get; } = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    public byte[] Ca { get; }
    public byte[] Meter { get; }
    public string Serial { get; }

    public TestPki(DateTimeOffset? meterFrom = null, DateTimeOffset? meterTo = null, string caName = "CN=Test Postal CA")
    {
        var issuedAt = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var caRequest = new CertificateRequest(caName, CaKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, true, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign, true));
        using var ca = caRequest.CreateSelfSigned(issuedAt, issuedAt.AddYears(20));
        Ca = ca.RawData;

        var request = new CertificateRequest($"CN=m-0123456789abcdef, SERIALNUMBER={DeviceSerial}, O=VbiOrleans meters", MeterKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature, true));
        using var meter = request.Create(ca, meterFrom ?? issuedAt, meterTo ?? issuedAt.AddYears(2), [0x1F, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x08]);
        Meter = meter.RawData;
        Serial = meter.SerialNumber;
    }

    public IndiciumData Data(long postage = 730, long ar = 12_730, long dr = 87_270) => new(ItemKind.Postage, Serial,
        new DeviceId("VBI", "ORL1", DeviceSerial), new Mills(ar), new Mills(postage), MailedOn, "10001", "941031234", "FIRST-CLASS", 17, "vbi-orleans/1.0",
        new Mills(dr));

    public byte[] Sign(IndiciumData data)
    {
        var signed = data.Encode();
        return [.. signed, .. MeterKey.SignData(signed, HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation)];
    }

    public void Dispose()
    {
        CaKey.Dispose();
        MeterKey.Dispose();
    }
}
