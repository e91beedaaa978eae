using System.Diagnostics;
using System.Formats.Asn1;
using System.Net;
using System.Net.Http.Json;
using System.Numerics;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Domain.Indicia;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Api;

/// <summary>
/// A Local-profile host process, and an Orleans client on its gateway to bring meters to life (customer sign-up is
/// not an HTTP surface yet). Printing, labels and verification go over real HTTP.
/// </summary>
public sealed class IndiciumHostFixture : IAsyncLifetime
{
    private IHost? _client;

    public HostProcess Host { get; private set; } = null!;
    public IClusterClient Grains => _client!.Services.GetRequiredService<IClusterClient>();
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "vbi-indicia-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task InitializeAsync()
    {
        var environment = HostEnvironment.Local(DataDirectory);
        environment["Vbi__Cluster__ClusterId"] = environment["Vbi__Cluster__ServiceId"] = "vbi-indicia-test";
        Host = HostProcess.Start(environment);
        await Host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
        var gateway = int.Parse(environment["Vbi__Cluster__GatewayPort"]!, System.Globalization.CultureInfo.InvariantCulture);
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.UseOrleansClient(c => c.UseLocalhostClustering(gateway, "vbi-indicia-test", "vbi-indicia-test"));
        _client = builder.Build();
        await _client.StartAsync();
    }

    public Task<string> OperationalMeterAsync(long fundMills) => ClusterClients.FundedMeterAsync(Grains, fundMills);

    public static string Key() => ClusterClients.Key();

    public static MeterResult Ok(MeterResult result) => ClusterClients.Ok(result);

    public async Task DisposeAsync()
    {
        if (_client is not null)
        {
            await _client.StopAsync();
            _client.Dispose();
        }
        await Host.DisposeAsync();
        if (Directory.Exists(DataDirectory)) Directory.Delete(DataDirectory, recursive: true);
    }
}

public sealed class IndiciumApiTests(IndiciumHostFixture fixture) : IClassFixture<IndiciumHostFixture>
{
    private HttpClient Operator() => OperatorHttp.Client(fixture.Host.BaseAddress);
    private HttpClient Anonymous() => new() { BaseAddress = fixture.Host.BaseAddress };

    private async Task<JsonElement> PrintAsync(string meterId, object label, long postage = 730, string? key = null)
    {
        using var http = Operator();
        using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/meters/{meterId}/prints")
        {
            Content = JsonContent.Create(new { postageMills = postage, destinationZip = "94103-1234", mailClass = "FIRST-CLASS", itemKind = "postage", label }),
        };
        request.Headers.Add("Idempotency-Key", key ?? IndiciumHostFixture.Key());
        using var response = await http.SendAsync(request);
        var body = await response.JsonAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"{response.StatusCode}: {body}");
        return body;
    }

    private async Task<JsonElement> VerifyAsync(byte[] indicium)
    {
        using var http = Anonymous();
        using var response = await http.PostAsJsonAsync("/v1/indicia/verify", new { indicium = Convert.ToBase64String(indicium) });
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    private static string[] Codes(JsonElement verdict) =>
        [.. verdict.GetProperty("reasons").EnumerateArray().Select(r => r.GetProperty("code").GetString()!).Order()];

    [Fact]
    public async Task A_printed_PNG_label_scans_to_exactly_the_indicium_the_API_returned_and_it_verifies_online()
    {
        var meterId = await fixture.OperationalMeterAsync(50_000);
        var print = await PrintAsync(meterId, new { format = "png", layout = "label-4x6", dpi = 203 });
        var indicium = Convert.FromBase64String(print.GetProperty("indicium").GetString()!);
        var label = print.GetProperty("label");
        Assert.Equal("image/png", label.GetProperty("contentType").GetString());

        var png = Path.Combine(fixture.DataDirectory, "label.png");
        await File.WriteAllBytesAsync(png, Convert.FromBase64String(label.GetProperty("data").GetString()!));
        Assert.Equal(Convert.ToHexString(indicium), Convert.ToHexString(ScanLabel(png, 203)));

        var verdict = await VerifyAsync(indicium);
        Assert.True(verdict.GetProperty("valid").GetBoolean(), verdict.ToString());
        Assert.Empty(Codes(verdict));
        Assert.Equal(8, verdict.GetProperty("checks").GetArrayLength());
        Assert.True(verdict.GetProperty("online").GetProperty("inRecords").GetBoolean());
        Assert.Equal(print.GetProperty("indiciumId").GetString(), verdict.GetProperty("online").GetProperty("indiciumId").GetString());
        Assert.Equal(730, verdict.GetProperty("indicium").GetProperty("postageMills").GetInt64());
        Assert.Equal("941031234", verdict.GetProperty("indicium").GetProperty("destinationZip").GetString());
    }

    [Fact]
    public async Task The_signature_and_chain_verify_with_openssl_against_the_published_certificates()
    {
        var meterId = await fixture.OperationalMeterAsync(50_000);
        var indicium = Convert.FromBase64String((await PrintAsync(meterId, new { format = "svg" })).GetProperty("indicium").GetString()!);
        var serial = IndiciumData.Decode(indicium).Value.Data.CertificateSerial;

        using var http = Anonymous();
        var dir = Directory.CreateDirectory(Path.Combine(fixture.DataDirectory, "openssl-" + IndiciumHostFixture.Key()[..6])).FullName;
        using var caResponse = await http.GetAsync("/v1/certificates/postal-ca");
        Assert.Equal("application/x-pem-file", caResponse.Content.Headers.ContentType?.MediaType);
        await File.WriteAllTextAsync(Path.Combine(dir, "ca.pem"), await caResponse.Content.ReadAsStringAsync());
        await File.WriteAllTextAsync(Path.Combine(dir, "meter.pem"), await http.GetStringAsync($"/v1/certificates/{serial}"));
        Assert.Equal(await http.GetStringAsync($"/v1/certificates/{serial}"), await http.GetStringAsync($"/v1/meters/{meterId}/certificate"));

        await File.WriteAllBytesAsync(Path.Combine(dir, "signed.bin"), indicium[..^64]);
        await File.WriteAllBytesAsync(Path.Combine(dir, "signature.der"), DerSignature(indicium[^64..]));

        Assert.Contains("meter.pem: OK", OpenSsl(dir, "verify", "-CAfile", "ca.pem", "meter.pem").Output);
        var serialLine = OpenSsl(dir, "x509", "-in", "meter.pem", "-noout", "-serial").Output;
        Assert.True(serialLine.Trim() == "serial=" + serial, $"openssl read the serial as '{serialLine.Trim()}', the indicium names {serial}");
        File.WriteAllText(Path.Combine(dir, "meter-key.pem"), OpenSsl(dir, "x509", "-in", "meter.pem", "-pubkey", "-noout").Output);
        var good = OpenSsl(dir, "dgst", "-sha256", "-verify", "meter-key.pem", "-signature", "signature.der", "signed.bin");
        Assert.Equal(0, good.ExitCode);
        Assert.Contains("Verified OK", good.Output);

        // openssl disagrees as soon as one signed byte changes.
        var tampered = indicium[..^64];
        tampered[^1] ^= 1;
        await File.WriteAllBytesAsync(Path.Combine(dir, "signed.bin"), tampered);
        var bad = OpenSsl(dir, "dgst", "-sha256", "-verify", "meter-key.pem", "-signature", "signature.der", "signed.bin");
        Assert.NotEqual(0, bad.ExitCode);
        Assert.Contains("Verification failure", bad.Output);
    }

    [Fact]
    public async Task Every_flipped_byte_is_invalid_through_the_API_with_a_reason_for_its_part()
    {
        var meterId = await fixture.OperationalMeterAsync(50_000);
        var indicium = Convert.FromBase64String((await PrintAsync(meterId, new { format = "zpl", dpi = 203 })).GetProperty("indicium").GetString()!);
        var data = IndiciumData.Decode(indicium).Value.Data;
        var serialStart = 4;
        var serialEnd = serialStart + data.CertificateSerial.Length;
        for (var at = 0; at < indicium.Length; at++)
        {
            var tampered = (byte[])indicium.Clone();
            tampered[at] ^= 0x01;
            var verdict = await VerifyAsync(tampered);
            var codes = Codes(verdict);
            Assert.False(verdict.GetProperty("valid").GetBoolean(), $"byte {at} flipped and still valid");
            if (at < 3) Assert.Equal([VerificationCodes.MalformedIndicium], codes);
            else if (at >= serialStart && at < serialEnd) Assert.Equal([VerificationCodes.UnknownCertificate], codes);
            else if (at >= indicium.Length - 64) Assert.Equal([VerificationCodes.NotInRecords, VerificationCodes.SignatureInvalid], codes);
            else Assert.True(codes.Contains(VerificationCodes.SignatureInvalid) || codes.SequenceEqual([VerificationCodes.MalformedIndicium]),
                $"byte {at}: {string.Join(",", codes)}");
        }
    }

    [Fact]
    public async Task A_refunded_indicium_verifies_as_refunded()
    {
        var meterId = await fixture.OperationalMeterAsync(50_000);
        var print = await PrintAsync(meterId, new { format = "pdf", layout = "envelope-10" });
        IndiciumHostFixture.Ok(await fixture.Grains.GetGrain<IMeterGrain>(meterId)
            .Execute(IndiciumHostFixture.Key(), new RefundCommand(print.GetProperty("indiciumId").GetString()!)));
        var verdict = await VerifyAsync(Convert.FromBase64String(print.GetProperty("indicium").GetString()!));
        Assert.Equal([VerificationCodes.Refunded], Codes(verdict));
        Assert.True(verdict.GetProperty("online").GetProperty("refunded").GetBoolean());
    }

    [Theory]
    [InlineData("pdf", "envelope-10", 300, "application/pdf", "%PDF-")]
    [InlineData("svg", "label-4x6", 203, "image/svg+xml", "<?xml")]
    [InlineData("zpl", "label-4x6", 300, "application/x-zpl", "^XA")]
    [InlineData("png", "envelope-10", 300, "image/png", "\u0089PNG")]
    public async Task Every_format_comes_back_with_its_content_type(string format, string layout, int dpi, string contentType, string magic)
    {
        var meterId = await fixture.OperationalMeterAsync(50_000);
        var label = (await PrintAsync(meterId, new { format, layout, dpi })).GetProperty("label");
        Assert.Equal(contentType, label.GetProperty("contentType").GetString());
        Assert.Equal(dpi, label.GetProperty("dpi").GetInt32());
        var bytes = Convert.FromBase64String(label.GetProperty("data").GetString()!);
        Assert.StartsWith(magic, System.Text.Encoding.Latin1.GetString(bytes, 0, magic.Length));
        Assert.EndsWith("." + format, label.GetProperty("fileName").GetString());
    }

    [Fact]
    public async Task A_label_the_printer_cannot_take_is_refused_before_any_money_moves_and_a_retry_returns_the_same_indicium()
    {
        var meterId = await fixture.OperationalMeterAsync(50_000);
        var meter = fixture.Grains.GetGrain<IMeterGrain>(meterId);
        var before = (await meter.Audit()).Registers;

        using var http = Operator();
        foreach (var label in new object[]
                 {
                     new { format = "pdf", printer = "zebra-zd420-203" }, new { format = "bmp" }, new { layout = "a4" }, new { dpi = 600 },
                     new { printer = "no-such-printer" },
                 })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/meters/{meterId}/prints")
            {
                Content = JsonContent.Create(new { postageMills = 730, destinationZip = "94103", mailClass = "FIRST-CLASS", label }),
            };
            request.Headers.Add("Idempotency-Key", IndiciumHostFixture.Key());
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("ValidationFailed", (await response.JsonAsync()).GetProperty("code").GetString());
        }
        using var noKey = await http.PostAsJsonAsync($"/v1/meters/{meterId}/prints", new { postageMills = 730, destinationZip = "94103", mailClass = "FIRST-CLASS" });
        Assert.Equal(HttpStatusCode.BadRequest, noKey.StatusCode);
        Assert.Equal(before, (await meter.Audit()).Registers);

        var key = IndiciumHostFixture.Key();
        var first = await PrintAsync(meterId, new { format = "png", dpi = 300 }, key: key);
        var retry = await PrintAsync(meterId, new { format = "zpl", dpi = 203 }, key: key);
        Assert.Equal(first.GetProperty("indicium").GetString(), retry.GetProperty("indicium").GetString());
        Assert.Equal(before!.PieceCount + 1, (await meter.Audit()).Registers!.PieceCount);
    }

    [Fact]
    public async Task The_label_of_an_issued_indicium_can_be_rendered_again_but_not_for_a_forged_one()
    {
        var meterId = await fixture.OperationalMeterAsync(50_000);
        var indicium = (await PrintAsync(meterId, new { format = "pdf" })).GetProperty("indicium").GetString()!;
        using var http = Anonymous();
        using var again = await http.PostAsJsonAsync("/v1/indicia/label", new { indicium, label = new { format = "png", dpi = 300 } });
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        var png = Path.Combine(fixture.DataDirectory, "again.png");
        await File.WriteAllBytesAsync(png, Convert.FromBase64String((await again.JsonAsync()).GetProperty("data").GetString()!));
        Assert.Equal(Convert.FromBase64String(indicium), ScanLabel(png, 300));

        var forged = Convert.FromBase64String(indicium);
        forged[^1] ^= 1;
        using var refused = await http.PostAsJsonAsync("/v1/indicia/label", new { indicium = Convert.ToBase64String(forged) });
        Assert.Equal(HttpStatusCode.BadRequest, refused.StatusCode);
        Assert.Contains(VerificationCodes.SignatureInvalid, (await refused.JsonAsync()).GetProperty("detail").GetString());
    }

    [Theory]
    [InlineData("{}")]
    [InlineData("{\"indicium\":\"not base64!\"}")]
    [InlineData("{\"indicium\":123}")]
    public async Task Bad_verification_input_is_a_400_problem(string body)
    {
        using var http = Anonymous();
        using var response = await http.PostAsync("/v1/indicia/verify", new StringContent(body, System.Text.Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
    }

    [Fact]
    public async Task The_printer_table_is_published()
    {
        using var http = Anonymous();
        var printers = await http.GetFromJsonAsync<JsonElement>("/v1/printers");
        Assert.Contains(printers.EnumerateArray(), p => p.GetProperty("dpi").GetInt32() == 203);
        Assert.Contains(printers.EnumerateArray(), p => p.GetProperty("formats").EnumerateArray().Any(f => f.GetString() == "zpl"));
    }

    /// <summary>openssl wants ECDSA signatures DER-encoded: SEQUENCE { INTEGER r, INTEGER s }.</summary>
    private static byte[] DerSignature(byte[] rs)
    {
        var writer = new AsnWriter(AsnEncodingRules.DER);
        using (writer.PushSequence())
        {
            writer.WriteInteger(new BigInteger(rs.AsSpan(0, 32), isUnsigned: true, isBigEndian: true));
            writer.WriteInteger(new BigInteger(rs.AsSpan(32, 32), isUnsigned: true, isBigEndian: true));
        }
        return writer.Encode();
    }

    private static (int ExitCode, string Output) OpenSsl(string dir, params string[] args)
    {
        var psi = new ProcessStartInfo("openssl") { WorkingDirectory = dir, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi)!;
        var output = process.StandardOutput.ReadToEnd() + process.StandardError.ReadToEnd();
        process.WaitForExit();
        return (process.ExitCode, output);
    }

    /// <summary>
    /// The label's barcode as the two Debian decoders read it: dmtxread on the whole page, and ZXingReader on the
    /// top-right 1.5 in. square where the layouts put the indicium (ZXingReader 1.4 only looks for a Data Matrix
    /// near the middle of an image, so it is handed the corner of the page by position alone). Both must agree.
    /// </summary>
    private static byte[] ScanLabel(string png, int dpi)
    {
        var dmtx = Run("dmtxread", "dmtx-utils", "-N1", "-m", "20000", png);
        Assert.True(dmtx.ExitCode == 0 && dmtx.Stdout.Length > 0, $"dmtxread found no Data Matrix in {png}");

        using var page = SkiaSharp.SKBitmap.Decode(png);
        var side = (int)(1.5 * dpi);
        using var corner = new SkiaSharp.SKBitmap();
        Assert.True(page.ExtractSubset(corner, new SkiaSharp.SKRectI(page.Width - side, 0, page.Width, side)));
        var cornerFile = Path.ChangeExtension(png, ".corner.png");
        using (var image = SkiaSharp.SKImage.FromBitmap(corner))
        using (var encoded = image.Encode(SkiaSharp.SKEncodedImageFormat.Png, 100))
            File.WriteAllBytes(cornerFile, encoded.ToArray());
        var zxing = Run("ZXingReader", "zxing-cpp-tools", "-format", "DataMatrix", cornerFile);
        var output = System.Text.Encoding.ASCII.GetString(zxing.Stdout);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("Bytes:", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"ZXingReader found no Data Matrix in {cornerFile}: {output}");
        var bytes = Convert.FromHexString(line["Bytes:".Length..].Replace(" ", "", StringComparison.Ordinal).Trim());
        Assert.Equal(Convert.ToHexString(bytes), Convert.ToHexString(dmtx.Stdout));
        return bytes;
    }

    private static (int ExitCode, byte[] Stdout) Run(string tool, string package, params string[] args)
    {
        var psi = new ProcessStartInfo(tool) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in args) psi.ArgumentList.Add(a);
        Process process;
        try
        {
            process = Process.Start(psi)!;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            Assert.Fail($"{tool} is not installed: run infra/local/services.sh install (Debian package {package})");
            throw;
        }
        using (process)
        {
            using var stdout = new MemoryStream();
            var copy = process.StandardOutput.BaseStream.CopyToAsync(stdout);
            _ = process.StandardError.ReadToEndAsync();
            process.WaitForExit();
            copy.Wait();
            return (process.ExitCode, stdout.ToArray());
        }
    }
}
