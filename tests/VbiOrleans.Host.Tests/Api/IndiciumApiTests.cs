using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
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
        Assert.Equal(Convert.ToHexString(indicium), Convert.ToHexString(ScanLabel(png)));

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
    public async Task The_documented_openssl_procedure_verifies_a_printed_label_and_fails_when_one_byte_is_flipped()
    {
        var meterId = await fixture.OperationalMeterAsync(50_000);
        var print = await PrintAsync(meterId, new { format = "png", layout = "label-4x6", dpi = 203 });
        var indicium = Convert.FromBase64String(print.GetProperty("indicium").GetString()!);
        var dir = Directory.CreateDirectory(Path.Combine(fixture.DataDirectory, "procedure-" + IndiciumHostFixture.Key()[..6])).FullName;
        await File.WriteAllBytesAsync(Path.Combine(dir, "label.png"),
            Convert.FromBase64String(print.GetProperty("label").GetProperty("data").GetString()!));

        var genuine = IndiciumProcedure.Run(dir, fixture.Host.BaseAddress, "from-barcode", "certificates", "signature");
        Assert.True(genuine.ExitCode == 0, genuine.Output);
        Assert.Contains("meter.pem: OK", genuine.Output);
        Assert.Contains("Verified OK", genuine.Output);
        Assert.Equal(Convert.ToHexString(indicium), Convert.ToHexString(await File.ReadAllBytesAsync(Path.Combine(dir, "indicium.bin"))));
        using (var http = Anonymous())
        {
            // The certificate the procedure found by the indicium's serial is the printing meter's.
            Assert.Equal(await http.GetStringAsync($"/v1/meters/{meterId}/certificate"), await File.ReadAllTextAsync(Path.Combine(dir, "meter.pem")));
            using var ca = await http.GetAsync("/v1/certificates/postal-ca");
            Assert.Equal("application/x-pem-file", ca.Content.Headers.ContentType?.MediaType);
        }

        // One flipped bit in the signed bytes, in r, in s: the same procedure, from the API's base64, refuses each.
        foreach (var at in new[] { indicium.Length - 65, indicium.Length - 64, indicium.Length - 1 })
        {
            var tampered = (byte[])indicium.Clone();
            tampered[at] ^= 0x01;
            var tamperedDir = Directory.CreateDirectory(Path.Combine(dir, "flipped-" + at)).FullName;
            await File.WriteAllTextAsync(Path.Combine(tamperedDir, "indicium.b64"), Convert.ToBase64String(tampered) + "\n");
            var run = IndiciumProcedure.Run(tamperedDir, fixture.Host.BaseAddress, "from-base64", "certificates", "signature");
            Assert.True(run.ExitCode != 0, $"byte {at} flipped and the procedure still passed: {run.Output}");
            Assert.Contains("meter.pem: OK", run.Output);
            Assert.Contains("Verification failure", run.Output);
            Assert.DoesNotContain("Verified OK", run.Output);
        }
    }

    [Fact]
    public async Task The_documented_typical_size_and_symbol_are_what_the_host_prints()
    {
        var document = await File.ReadAllTextAsync(IndiciumProcedure.DocumentPath);
        var stated = System.Text.RegularExpressions.Regex.Match(document,
            @"typical postage indicium\s+\(first class to a ZIP\+4\)\s+is\s+(\d+)\s+bytes\s+\(from\s+(\d+)\s+to\s+(\d+)\s+bytes[^)]*\),\s+a\s+(\d+)×(\d+)\s+Data\s+Matrix\s+symbol,\s+or\s+a\s+(\d+)×(\d+)\s+one");
        Assert.True(stated.Success, "docs/indicium-format.md no longer states the typical size in the form this test reads");
        int Number(int group) => int.Parse(stated.Groups[group].Value, System.Globalization.CultureInfo.InvariantCulture);
        var (typical, least, most, side, smaller) = (Number(1), Number(2), Number(3), Number(4), Number(6));
        Assert.Equal((side, smaller), (Number(5), Number(7)));
        Assert.InRange(typical, least, most);

        // The shortest and the longest destination and mail class, and the typical piece (first class to a ZIP+4) last.
        var meterId = await fixture.OperationalMeterAsync(50_000);
        var length = 0;
        foreach (var (destination, mailClass) in new[] { ("94103", "MEDIA"), ("94103-1234", "GROUND-ADVANTAGE"), ("94103-1234", "FIRST-CLASS") })
        {
            using var http = Operator();
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/meters/{meterId}/prints")
            {
                Content = JsonContent.Create(new { postageMills = 9_000, destinationZip = destination, mailClass, itemKind = "postage", label = new { format = "svg" } }),
            };
            request.Headers.Add("Idempotency-Key", IndiciumHostFixture.Key());
            using var response = await http.SendAsync(request);
            var body = await response.JsonAsync();
            Assert.True(response.StatusCode == HttpStatusCode.OK, $"{mailClass} to {destination}: {response.StatusCode}: {body}");
            var indicium = Convert.FromBase64String(body.GetProperty("indicium").GetString()!);
            length = indicium.Length;
            Assert.InRange(length, least, most);
            // The label's own encoder. The longest always takes the documented side; the others may pack into the smaller one.
            var symbol = VbiOrleans.DataMatrix.DataMatrixEncoder.Encode(indicium);
            Assert.Equal(symbol.Rows, symbol.Columns);
            if (length == most) Assert.Equal(side, symbol.Rows);
            else Assert.Contains(symbol.Rows, new[] { side, smaller });
        }
        // Two bytes shorter when the meter certificate's serial starts with a zero byte (1 time in 128).
        Assert.InRange(length, typical - 2, typical);
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
        Assert.Equal(Convert.FromBase64String(indicium), ScanLabel(png));

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

    /// <summary>
    /// The label's barcode as the two Debian decoders read it, each on the whole page, no crop (the layouts put the
    /// symbol across the page's middle row, the only one ZXingReader 1.4 follows). Both must agree.
    /// </summary>
    private static byte[] ScanLabel(string png)
    {
        var dmtx = Run("dmtxread", "dmtx-utils", "-N1", "-m", "20000", png);
        Assert.True(dmtx.ExitCode == 0 && dmtx.Stdout.Length > 0, $"dmtxread found no Data Matrix in {png}");

        var zxing = Run("ZXingReader", "zxing-cpp-tools", "-format", "DataMatrix", png);
        var output = System.Text.Encoding.ASCII.GetString(zxing.Stdout);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("Bytes:", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"ZXingReader found no Data Matrix in {png}: {output}");
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
