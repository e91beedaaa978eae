using System.Text;
using VbiOrleans.Domain.Indicia;
using VbiOrleans.Domain.Meters;

namespace VbiOrleans.Domain.Tests.Indicia;

public sealed class IndiciumVerifierTests : IDisposable
{
    private static readonly DateOnly Today = TestPki.MailedOn.AddDays(3);
    private readonly TestPki _pki = new();

    private OfflineVerification Verify(byte[] indicium, byte[]? meter = null, byte[]? ca = null) =>
        IndiciumVerifier.Verify(indicium, meter ?? _pki.Meter, ca ?? _pki.Ca, MeterLimits.Default, Today);

    private static string[] Codes(OfflineVerification v) => [.. v.Checks.Where(c => c.Status == CheckStatus.Failed).Select(c => c.Code!).Order()];

    [Fact]
    public void A_genuine_indicium_passes_every_offline_check()
    {
        var result = Verify(_pki.Sign(_pki.Data()));
        Assert.True(result.Valid, string.Join("; ", result.Checks));
        Assert.Equal(VerificationChecks.Offline, result.Checks.Select(c => c.Check));
        Assert.Equal(_pki.Data(), result.Data);
    }

    [Fact]
    public void Decode_returns_exactly_the_fields_that_were_encoded()
    {
        var data = _pki.Data() with { Kind = ItemKind.GiftCertificate, DestinationZip = "94103-1234" };
        var decoded = IndiciumData.Decode(_pki.Sign(data));
        Assert.True(decoded.IsSuccess);
        Assert.Equal(data with { DestinationZip = "941031234" }, decoded.Value.Data);
    }

    /// <summary>
    /// Every byte of a signed indicium, flipped (one bit), makes it invalid, and the reason names what broke: the
    /// structure for the version, algorithm, kind and length bytes; the certificate for the serial and device serial
    /// it names; the signature for everything else.
    /// </summary>
    [Fact]
    public void Any_flipped_byte_fails_with_the_precise_reason()
    {
        var data = _pki.Data();
        var indicium = _pki.Sign(data);
        var layout = Layout(data);
        for (var at = 0; at < indicium.Length; at++)
        {
            var tampered = (byte[])indicium.Clone();
            tampered[at] ^= 0x01;
            var result = Verify(tampered);
            var codes = Codes(result);
            var field = at >= indicium.Length - IndiciumData.SignatureLength ? "signature" : layout[at];
            Assert.False(result.Valid, $"byte {at} ({field}) flipped and still valid");
            switch (field)
            {
                case "version" or "algorithm" or "kind":
                    Assert.Equal([VerificationCodes.MalformedIndicium], codes);
                    break;
                case "signature" or "vendor" or "model" or "licensing zip" or "destination zip" or "mail class" or "software id":
                    Assert.Equal([VerificationCodes.SignatureInvalid], codes);
                    break;
                case "certificate serial" or "device serial":
                    Assert.Equal([VerificationCodes.CertificateMismatch, VerificationCodes.SignatureInvalid], codes);
                    break;
                case "ascending register" or "postage" or "descending register" or "piece counter":
                    // The value still parses; a high byte flipped also breaks the arithmetic.
                    Assert.Contains(VerificationCodes.SignatureInvalid, codes);
                    Assert.All(codes, c => Assert.Contains(c, new[] { VerificationCodes.SignatureInvalid, VerificationCodes.RegisterArithmetic }));
                    break;
                case "date of mailing":
                    Assert.True(codes.SequenceEqual([VerificationCodes.MalformedIndicium]) || codes.Contains(VerificationCodes.SignatureInvalid),
                        $"date byte {at}: {string.Join(",", codes)}");
                    break;
                default: // a length prefix: the fields after it no longer line up
                    Assert.StartsWith("length", field);
                    Assert.True(codes.SequenceEqual([VerificationCodes.MalformedIndicium]) || codes.Contains(VerificationCodes.SignatureInvalid),
                        $"length byte {at}: {string.Join(",", codes)}");
                    break;
            }
        }
    }

    [Fact]
    public void A_certificate_expired_before_the_date_of_mailing_is_refused()
    {
        using var pki = new TestPki(meterFrom: new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero), meterTo: new(2026, 11, 23, 12, 0, 0, TimeSpan.Zero));
        var result = IndiciumVerifier.Verify(pki.Sign(pki.Data()), pki.Meter, pki.Ca, MeterLimits.Default, Today);
        Assert.Equal([VerificationCodes.CertificateNotValidOnDateOfMailing], Codes(result));
    }

    [Fact]
    public void A_certificate_issued_later_on_the_day_of_mailing_is_valid_that_day()
    {
        using var pki = new TestPki(meterFrom: new(2026, 11, 24, 15, 0, 0, TimeSpan.Zero), meterTo: new(2027, 11, 24, 0, 0, 0, TimeSpan.Zero));
        Assert.True(IndiciumVerifier.Verify(pki.Sign(pki.Data()), pki.Meter, pki.Ca, MeterLimits.Default, Today).Valid);
    }

    [Fact]
    public void A_date_of_mailing_in_the_future_is_refused()
    {
        var result = IndiciumVerifier.Verify(_pki.Sign(_pki.Data()), _pki.Meter, _pki.Ca, MeterLimits.Default, TestPki.MailedOn.AddDays(-5));
        Assert.Equal([VerificationCodes.DateOfMailingInFuture], Codes(result));
    }

    [Fact]
    public void A_meter_certificate_from_another_CA_does_not_chain()
    {
        using var other = new TestPki(caName: "CN=Some Other CA");
        var result = Verify(_pki.Sign(_pki.Data()), ca: other.Ca);
        Assert.Equal([VerificationCodes.ChainInvalid], Codes(result));
    }

    [Fact]
    public void A_CA_of_the_same_name_but_another_key_does_not_chain()
    {
        using var impostor = new TestPki();
        var result = Verify(_pki.Sign(_pki.Data()), ca: impostor.Ca);
        Assert.Equal([VerificationCodes.ChainInvalid], Codes(result));
    }

    [Fact]
    public void A_certificate_with_the_same_names_but_another_key_does_not_verify_the_signature()
    {
        using var other = new TestPki();
        var result = Verify(_pki.Sign(_pki.Data()), meter: other.Meter, ca: other.Ca);
        Assert.Equal([VerificationCodes.SignatureInvalid], Codes(result));
    }

    [Fact]
    public void An_unknown_certificate_is_named_and_the_checks_that_need_it_do_not_run()
    {
        var result = IndiciumVerifier.Verify(_pki.Sign(_pki.Data()), null, _pki.Ca, MeterLimits.Default, Today);
        Assert.Equal([VerificationCodes.UnknownCertificate], Codes(result));
        Assert.Equal(3, result.Checks.Count(c => c.Status == CheckStatus.NotRun));
    }

    [Theory]
    [InlineData(0, 10_000, 10_000)]          // no postage
    [InlineData(100_001, 200_000, 1_000)]    // over the per-piece maximum
    [InlineData(730, 500, 1_000)]            // AR after the print below the postage it includes
    [InlineData(730, 10_000, -1)]            // negative DR
    [InlineData(730, 10_000, 5_000_001)]     // DR over the ceiling
    public void Impossible_registers_are_refused_even_when_signed(long postage, long ar, long dr)
    {
        var result = Verify(_pki.Sign(_pki.Data(postage, ar, dr)));
        Assert.Equal([VerificationCodes.RegisterArithmetic], Codes(result));
    }

    [Theory]
    [InlineData("")]
    [InlineData("01")]
    [InlineData("0201")]
    public void Junk_is_malformed_and_nothing_else_runs(string hex)
    {
        var result = Verify(Convert.FromHexString(hex.PadRight(140, '0')));
        Assert.Equal([VerificationCodes.MalformedIndicium], Codes(result));
        Assert.All(result.Checks.Skip(1), c => Assert.Equal(CheckStatus.NotRun, c.Status));
    }

    /// <summary>The name of the field each signed byte belongs to, from the format's layout.</summary>
    private static string[] Layout(IndiciumData d)
    {
        var names = new List<string> { "version", "algorithm", "kind" };
        void Text(string name, string value)
        {
            names.Add("length of " + name);
            names.AddRange(Enumerable.Repeat(name, Encoding.ASCII.GetByteCount(value)));
        }
        Text("certificate serial", d.CertificateSerial);
        Text("vendor", d.Device.VendorId);
        Text("model", d.Device.Model);
        Text("device serial", d.Device.Serial);
        names.AddRange(Enumerable.Repeat("ascending register", 8));
        names.AddRange(Enumerable.Repeat("postage", 8));
        names.AddRange(Enumerable.Repeat("date of mailing", 4));
        Text("licensing zip", d.LicensingZip);
        Text("destination zip", d.DestinationZip);
        Text("mail class", d.MailClass);
        names.AddRange(Enumerable.Repeat("piece counter", 8));
        Text("software id", d.SoftwareId);
        names.AddRange(Enumerable.Repeat("descending register", 8));
        Assert.Equal(d.Encode().Length, names.Count);
        return [.. names];
    }

    public void Dispose() => _pki.Dispose();
}
