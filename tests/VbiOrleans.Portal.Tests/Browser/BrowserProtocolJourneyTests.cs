using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using VbiOrleans.Portal.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Portal.Tests.Browser;

/// <summary>
/// A customer's journey with the client protocol running in the browser, nothing through the SDK: sign up, a card
/// from the payment mock's test token, a meter licensed and registered in the browser (HMK made there, envelope sealed
/// there), postage bought (purchase, then the PVD signed there), a label printed as a PNG and downloaded (its barcode
/// read by ZXingReader and verified by the API), the indicium refunded. Then, on the server's side, that neither the
/// HMK nor the meter password reached it: not in any request the browser sent, not in the host's output, not in any
/// row of the host's database.
/// </summary>
[Collection(PortalCollection.Name)]
public sealed class BrowserProtocolJourneyTests(PortalFixture portal)
{
    private const string MeterPassword = "a meter pass phrase made in p23b";

    // Before any page script: a copy of every 32-byte random value the page draws (client challenges and the HMK), so
    // the test knows the HMK the browser made without the page ever exporting it.
    private const string RecordRandoms = """
        (() => {
            const draw = crypto.getRandomValues.bind(crypto);
            window.__vbiRandoms = [];
            crypto.getRandomValues = array => {
                const result = draw(array);
                if (array instanceof Uint8Array && array.length === 32) window.__vbiRandoms.push(Array.from(array));
                return result;
            };
        })();
        """;

    private const string StoredKeys = """
        async meterId => {
            const db = await new Promise((ok, fail) => { const o = indexedDB.open("vbi-portal"); o.onsuccess = () => ok(o.result); o.onerror = () => fail(o.error); });
            const record = await new Promise(ok => { const g = db.transaction("meters").objectStore("meters").get(meterId); g.onsuccess = () => ok(g.result); });
            const refused = await crypto.subtle.exportKey("raw", record.hmk.hmac).then(() => false, () => true);
            return [record.hmk.hmac.extractable, record.hmk.hkdf.extractable, refused, record.hmk.hmac.algorithm.name, record.hmk.hkdf.algorithm.name].join(",");
        }
        """;

    [Fact]
    public async Task A_customer_registers_buys_prints_and_refunds_in_the_browser_and_no_HMK_or_meter_password_reaches_the_server()
    {
        var page = await portal.NewPageAsync();
        await page.Context.AddInitScriptAsync(RecordRandoms);
        var sent = new ConcurrentQueue<string>();
        page.Context.Request += (_, request) =>
        {
            if (request.PostData is { } body) sent.Enqueue(body);
        };

        await page.GotoAsync("/signup");
        await page.GetByLabel("Email").FillAsync(PortalFixture.NewEmail());
        await page.GetByLabel("Password").FillAsync(PortalFixture.Password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Create the account" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/meters$"));

        await page.GetByRole(AriaRole.Link, new() { Name = "Payment methods" }).ClickAsync();
        await page.GetByLabel("Card token").FillAsync("tok_visa");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add the card" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Status)).ToContainTextAsync("Added Visa ending in 4242");

        // Registration in the browser: a refused password first (the client's policy check, nothing sent), then the real one.
        await page.GetByRole(AriaRole.Link, new() { Name = "Register a meter" }).ClickAsync();
        await Assertions.Expect(page.Locator("[data-vbi-ready=true]")).ToHaveCountAsync(1);
        await PortalFixture.CheckAsync(page, "40-register-meter");
        await page.GetByLabel("Licensing ZIP (5 digits)").FillAsync("10001");
        await page.GetByLabel("Meter password (10 to 128 characters)").FillAsync("short");
        await page.GetByLabel("The meter password again").FillAsync("short");
        await page.GetByRole(AriaRole.Button, new() { Name = "Register the meter" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("PasswordRejected");
        await PortalFixture.CheckAsync(page, "41-register-meter-refused");

        await page.GetByLabel("Meter password (10 to 128 characters)").FillAsync(MeterPassword);
        await page.GetByLabel("The meter password again").FillAsync(MeterPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Register the meter" }).ClickAsync();
        var status = page.GetByRole(AriaRole.Status);
        await Assertions.Expect(status).ToContainTextAsync("is registered with this browser", new() { Timeout = 30_000 });
        var meterId = Regex.Match(await status.InnerTextAsync(), "Meter (m-[a-z0-9-]+) is registered").Groups[1].Value;
        Assert.StartsWith("m-", meterId, StringComparison.Ordinal);
        await PortalFixture.CheckAsync(page, "42-meter-registered");

        // The HMK: the one 32-byte random value the page drew that it never sent as a client challenge.
        var randoms = JsonSerializer.Deserialize<byte[][]>(await page.EvaluateAsync<string>("() => JSON.stringify(window.__vbiRandoms)"),
            new JsonSerializerOptions { Converters = { new ByteArrayAsNumbers() } })!;
        var challengesSent = sent.SelectMany(ClientChallenges).ToHashSet();
        var hmks = randoms.Where(r => !challengesSent.Contains(Convert.ToBase64String(r))).ToList();
        Assert.Single(hmks);
        // Kept in IndexedDB as two non-extractable WebCrypto keys.
        Assert.Equal("false,false,true,HMAC,HKDF", await page.EvaluateAsync<string>(StoredKeys, meterId));

        // Buy postage: the purchase on the card, then the PVD signed in the browser and its answer verified there.
        await page.GetByRole(AriaRole.Link, new() { Name = "buy postage and print" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex($"/meters/{meterId}/postage$"));
        await Assertions.Expect(page.Locator("[data-vbi-ready=true]")).ToHaveCountAsync(1);
        await PortalFixture.CheckAsync(page, "43-postage");
        var available = page.Locator("[data-vbi=descending]");
        await page.GetByLabel("Meter password").FillAsync(MeterPassword);
        await page.GetByLabel("Amount in dollars").FillAsync("25.00");
        await page.GetByRole(AriaRole.Button, new() { Name = "Buy postage" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("Bought $25.000 of postage", new() { Timeout = 30_000 });
        await Assertions.Expect(available).ToHaveTextAsync("$25.000");

        // More postage than the meter holds: the module's signed refusal, verified in the browser, moves the chain on
        // (its challenge was consumed), so the next request is signed on the new challenge and goes through.
        await page.GetByLabel("Postage in dollars").FillAsync("30");
        await page.GetByLabel("Destination ZIP").FillAsync("94107");
        await page.GetByRole(AriaRole.Button, new() { Name = "Print the label" }).ClickAsync();
        await Assertions.Expect(page.GetByRole(AriaRole.Alert)).ToContainTextAsync("InsufficientFunds", new() { Timeout = 30_000 });
        await Assertions.Expect(available).ToHaveTextAsync("$25.000");
        // Without the password from here on: had the chain not moved, the next request would need a new log-in.
        await page.GetByLabel("Meter password").FillAsync("");

        // Print a label as a PNG, download it, read its barcode and have the API verify what it read.
        await page.GetByLabel("Postage in dollars").FillAsync("0.69");
        await page.GetByLabel("Destination ZIP").FillAsync("94107");
        await page.GetByLabel("Mail class").SelectOptionAsync("FIRST-CLASS");
        await page.GetByLabel("Label file").SelectOptionAsync("png");
        await page.GetByRole(AriaRole.Button, new() { Name = "Print the label" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("Printed indicium", new() { Timeout = 30_000 });
        await Assertions.Expect(available).ToHaveTextAsync("$24.310");
        // The PNG is shown too, and loads under the page's Content-Security-Policy.
        await Assertions.Expect(page.Locator("[data-vbi=label] img")).ToBeVisibleAsync();
        Assert.True(await page.Locator("[data-vbi=label] img").EvaluateAsync<bool>("img => img.complete && img.naturalWidth > 0"), "the label's image did not load");
        await PortalFixture.CheckAsync(page, "44-postage-printed");
        var download = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^Download the label") }).ClickAsync());
        var png = Path.Combine(PortalFixture.ScreenshotFolder, "44-label-" + meterId + ".png");
        await download.SaveAsAsync(png);
        var scanned = ScanDataMatrix(png);
        using var anonymous = portal.Client();
        var verified = await anonymous.VerifyIndiciumAsync(scanned);
        Assert.True(verified.Valid, string.Join("; ", verified.Reasons));
        Assert.Equal(690, verified.Indicium!.PostageMills);
        Assert.Equal("94107", verified.Indicium.DestinationZip);

        // Refund it: the printed indicium is chosen already.
        var indiciumId = await page.GetByLabel("Indicium").InputValueAsync();
        Assert.StartsWith(meterId + "-", indiciumId, StringComparison.Ordinal); // an indicium id is {meterId}-{sequence}
        await page.GetByRole(AriaRole.Button, new() { Name = "Refund the indicium" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("Refunded indicium " + indiciumId, new() { Timeout = 30_000 });
        await Assertions.Expect(available).ToHaveTextAsync("$25.000");
        await PortalFixture.CheckAsync(page, "45-postage-refunded");

        // A label as a PDF too.
        await page.GetByLabel("Postage in dollars").FillAsync("0.69");
        await page.GetByLabel("Label file").SelectOptionAsync("pdf");
        await page.GetByRole(AriaRole.Button, new() { Name = "Print the label" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("Printed indicium", new() { Timeout = 30_000 });
        await Assertions.Expect(available).ToHaveTextAsync("$24.310");
        var pdf = await page.RunAndWaitForDownloadAsync(() =>
            page.GetByRole(AriaRole.Link, new() { NameRegex = new Regex("^Download the label \\(PDF\\)") }).ClickAsync());
        var pdfPath = Path.Combine(PortalFixture.ScreenshotFolder, "45-label-" + meterId + ".pdf");
        await pdf.SaveAsAsync(pdfPath);
        Assert.Equal("%PDF-", Encoding.ASCII.GetString((await File.ReadAllBytesAsync(pdfPath))[..5]));

        // The chain is kept in IndexedDB: after a reload a purchase needs no password (the session is still open).
        await page.ReloadAsync();
        await page.GetByLabel("Amount in dollars").FillAsync("5");
        await page.GetByRole(AriaRole.Button, new() { Name = "Buy postage" }).ClickAsync();
        await Assertions.Expect(status).ToContainTextAsync("Bought $5.000 of postage", new() { Timeout = 30_000 });
        await Assertions.Expect(available).ToHaveTextAsync("$29.310");

        // Nothing of the HMK or the meter password reached the server in clear.
        var hmk = hmks[0];
        var secrets = new[]
        {
            MeterPassword, Convert.ToHexStringLower(Encoding.UTF8.GetBytes(MeterPassword)), Convert.ToBase64String(Encoding.UTF8.GetBytes(MeterPassword)),
            Convert.ToBase64String(hmk), Convert.ToHexStringLower(hmk),
        };
        Assert.Contains(sent, body => body.Contains("sealedPassword", StringComparison.Ordinal)); // the login went out, sealed
        foreach (var secret in secrets)
        {
            Assert.DoesNotContain(sent, body => body.Contains(secret, StringComparison.Ordinal));
            Assert.DoesNotContain(portal.Host.Output.Concat(portal.Host.Errors), line => line.Contains(secret, StringComparison.Ordinal));
        }
        var database = await DatabaseTextAsync(portal.Database);
        Assert.Contains(meterId, database, StringComparison.Ordinal); // the search reads the meter's rows
        foreach (var secret in secrets) Assert.DoesNotContain(secret, database, StringComparison.Ordinal);
    }

    private static IEnumerable<string> ClientChallenges(string body)
    {
        JsonDocument json;
        try
        {
            json = JsonDocument.Parse(body);
        }
        catch (JsonException)
        {
            yield break;
        }
        using (json)
        {
            if (json.RootElement.ValueKind == JsonValueKind.Object && json.RootElement.TryGetProperty("clientChallenge", out var challenge))
                yield return challenge.GetString()!;
        }
    }

    /// <summary>Every row of every table of the host's database as PostgreSQL prints it (bytea as hex).</summary>
    private static async Task<string> DatabaseTextAsync(string database)
    {
        var tables = await LocalServices.RowsAsync(database,
            "select table_schema, table_name from information_schema.tables where table_type = 'BASE TABLE' and table_schema not in ('pg_catalog', 'information_schema')");
        var text = new StringBuilder();
        foreach (var row in tables)
        {
            var name = $"\"{row[0]}\".\"{row[1]}\"";
            text.Append(await LocalServices.ScalarAsync<string>(database, $"select coalesce(string_agg(t::text, E'\\n'), '') from {name} t")).Append('\n');
        }
        return text.ToString();
    }

    /// <summary>The label's Data Matrix as ZXingReader (Debian's zxing-cpp-tools) reads it from the whole page.</summary>
    internal static byte[] ScanDataMatrix(string png)
    {
        var start = new ProcessStartInfo("ZXingReader") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "-escape", "-format", "DataMatrix", png }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEnd();
        process.WaitForExit(30_000);
        var line = output.Split('\n').FirstOrDefault(l => l.StartsWith("Bytes:", StringComparison.Ordinal))
            ?? throw new Xunit.Sdk.XunitException($"ZXingReader found no Data Matrix in {png}: {output}");
        return Convert.FromHexString(line["Bytes:".Length..].Replace(" ", "", StringComparison.Ordinal).Trim());
    }

    /// <summary>Reads [1, 2, 3] as bytes (System.Text.Json reads byte[] only from base64).</summary>
    private sealed class ByteArrayAsNumbers : System.Text.Json.Serialization.JsonConverter<byte[]>
    {
        public override byte[] Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            JsonSerializer.Deserialize<int[]>(ref reader)!.Select(i => (byte)i).ToArray();

        public override void Write(Utf8JsonWriter writer, byte[] value, JsonSerializerOptions options) =>
            JsonSerializer.Serialize(writer, value.Select(b => (int)b).ToArray());
    }
}
