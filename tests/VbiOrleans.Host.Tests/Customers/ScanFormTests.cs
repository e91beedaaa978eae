using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using VbiOrleans.Client;
using VbiOrleans.Domain.Shipping;
using VbiOrleans.Host.Tests.Fixtures;

namespace VbiOrleans.Host.Tests.Customers;

/// <summary>
/// SCAN forms on the customer's path (SDK, real HTTP, a real Cluster-profile host) and a partner's: a form lists
/// exactly the day's unrefunded prints with a tracking number, its PDF's barcode reads on the whole first page with
/// ZXingReader to AI 420 + origin ZIP + the form number and its text shows every tracking number; a package is on one
/// form; the same Idempotency-Key returns the same bytes; bad input is a 4xx with a stable code and makes nothing.
/// </summary>
[Collection(CustomerCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2")]
public sealed class ScanFormTests(CustomerHostFixture host)
{
    private const string Sender = "Acme Shop, 350 5th Ave, New York NY 10001";
    private const string Recipient = "Jane Roe, 1 Dr Carlton B Goodlett Pl, San Francisco CA 94102";
    private const char GroupSeparator = (char)0x1D;

    private static DateOnly Today => DateOnly.FromDateTime(DateTime.UtcNow);

    /// <summary>Prints a Priority Mail shipment from <see cref="Sender"/> to <see cref="Recipient"/> at its rate.</summary>
    internal static async Task<TransactionResult> PrintShipmentAsync(VbiClient client, MeterSession session, int weightTenthsOz)
    {
        var from = ShipmentAddress.FromCandidate((await client.MatchAddressAsync(Sender)).Candidates[0].Address);
        var to = ShipmentAddress.FromCandidate((await client.MatchAddressAsync(Recipient)).Candidates[0].Address);
        var weight = (weightTenthsOz / 10m).ToString(CultureInfo.InvariantCulture);
        var rate = (await client.GetRatesAsync(new RateRequest("10001", "94102", weight, MailClass: "PRIORITY"))).Quotes[0].PostageMills;
        return await session.PrintAsync(new PrintOrder(rate, "94102", "PRIORITY") { Shipment = new Shipment(from, to, weightTenthsOz) }, new LabelOptions("zpl"));
    }

    [Fact]
    public async Task A_form_lists_the_days_unrefunded_prints_reads_as_its_barcode_and_a_package_is_on_one_form()
    {
        using var c = await host.NewCustomerAsync(fundMills: 500_000);
        var prints = new List<TransactionResult>();
        foreach (var weight in new[] { 40, 160, 320 }) prints.Add(await PrintShipmentAsync(c.Client, c.Session, weight));
        await c.Session.PrintAsync(new PrintOrder(780, "94103", "FIRST-CLASS")); // a letter: no tracking number, on no form
        var refunded = prints[1];
        await c.Session.RefundAsync(refunded.IndiciumId!);
        var listed = new[] { prints[0], prints[2] };

        // No wait for the feed here: the request waits for the history to apply the log as far as it reached.
        var key = VbiClient.NewIdempotencyKey();
        var form = await c.Client.CreateScanFormAsync(idempotencyKey: key);

        Assert.Equal(listed.Select(p => p.TrackingNumber!).Order(), form.TrackingNumbers.Order());
        Assert.Equal((2, listed.Sum(p => p.AmountMills), Today.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture), "10001"),
            (form.PackageCount, form.TotalPostageMills, form.Date, form.OriginZip));
        Assert.Equal("ACME SHOP", form.MailerName); // no return address: the first print's sender
        Assert.Equal(listed.Select(p => p.IndiciumId!).Order(), form.Packages.Select(p => p.IndiciumId).Order());
        Assert.Matches("^94990900000[0-9]{10}[0-9]$", form.FormNumber);
        Assert.True(TrackingNumber.CheckDigitOf(form.FormNumber[..^1]) == form.FormNumber[^1] - '0', form.FormNumber);

        var pdf = Path.Combine(Path.GetTempPath(), $"scan-form-{Guid.NewGuid():N}.pdf");
        await File.WriteAllBytesAsync(pdf, form.PdfBytes()!);
        var page = pdf[..^4];
        Tool("pdftoppm", "poppler-utils", "-r", "300", "-gray", "-png", "-f", "1", "-l", "1", "-singlefile", pdf, page);
        var read = Encoding.Latin1.GetString(Tool("ZXingReader", "zxing-cpp-tools", "-noscale", "-format", "Code128", page + ".png"));
        var bytes = read.Split('\n').Single(l => l.StartsWith("Bytes:", StringComparison.Ordinal))["Bytes:".Length..].Replace(" ", "", StringComparison.Ordinal).Trim();
        Assert.Equal("42010001" + GroupSeparator + form.FormNumber, Encoding.Latin1.GetString(Convert.FromHexString(bytes)));
        var text = Encoding.UTF8.GetString(Tool("pdftotext", "poppler-utils", "-layout", pdf, "-"));
        Assert.All(listed, p => Assert.Contains(p.TrackingNumber!, text, StringComparison.Ordinal));
        Assert.DoesNotContain(refunded.TrackingNumber!, text, StringComparison.Ordinal);

        // The same key: the same form, the same bytes. The same key for another request: refused.
        var replay = await c.Client.CreateScanFormAsync(idempotencyKey: key);
        Assert.Equal((form.FormNumber, form.Pdf), (replay.FormNumber, replay.Pdf));
        var reused = await Assert.ThrowsAsync<VbiApiException>(() => c.Client.CreateScanFormAsync(new ScanFormOrder(Today.AddDays(-1)), key));
        Assert.Equal((422, VbiErrorCodes.IdempotencyKeyReused), (reused.Status, reused.Code));

        // A second form finds nothing new; a selection of a package on the form or of the refunded one is refused by name.
        var second = await Assert.ThrowsAsync<VbiApiException>(() => c.Client.CreateScanFormAsync());
        Assert.Equal((422, VbiErrorCodes.NothingToManifest), (second.Status, second.Code));
        await RefusedAsync(c.Client, [prints[2].TrackingNumber!], 422, VbiErrorCodes.PackageAlreadyManifested, prints[2].TrackingNumber);
        await RefusedAsync(c.Client, [refunded.TrackingNumber!], 422, VbiErrorCodes.PackageRefunded, refunded.TrackingNumber);

        // Listed, fetched again (the PDF renders to the same bytes), and as the file itself.
        var all = await c.Client.ListScanFormsAsync();
        Assert.Equal((form.FormNumber, (string?)null), (Assert.Single(all).FormNumber, all[0].Pdf));
        Assert.Equal(form.Pdf, (await c.Client.GetScanFormAsync(form.FormNumber)).Pdf);
        using (var http = new HttpClient { BaseAddress = host.BaseAddress })
        {
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", c.Token);
            using var file = await http.GetAsync($"/v1/scan-forms/{form.FormNumber}?format=pdf");
            Assert.Equal("application/pdf", file.Content.Headers.ContentType?.MediaType);
            Assert.Equal(form.PdfBytes(), await file.Content.ReadAsByteArrayAsync());
        }

        // A later print goes on a form of its own, here by selection, with the account's return address as the mailer.
        await c.Client.SetReturnAddressAsync("Acme Supply, 1 Dr Carlton B Goodlett Pl, San Francisco CA 94102");
        var later = await PrintShipmentAsync(c.Client, c.Session, 80);
        var own = await c.Client.CreateScanFormAsync(new ScanFormOrder(TrackingNumbers: [later.TrackingNumber!], MeterIds: [c.MeterId]));
        Assert.Equal([later.TrackingNumber!], own.TrackingNumbers);
        Assert.Equal(("ACME SUPPLY", "94102"), (own.MailerName, own.OriginZip));
        Assert.NotEqual(form.FormNumber, own.FormNumber);
        Assert.Equal([own.FormNumber, form.FormNumber], (await c.Client.ListScanFormsAsync()).Select(f => f.FormNumber));
        File.Delete(pdf);
        File.Delete(page + ".png");
    }

    [Fact]
    public async Task Bad_input_is_a_4xx_with_a_stable_code_and_makes_no_form()
    {
        using var c = await host.NewCustomerAsync(fundMills: 200_000);
        using var other = await host.NewCustomerAsync(fundMills: 200_000);
        var print = await PrintShipmentAsync(c.Client, c.Session, 40);
        var theirs = await PrintShipmentAsync(other.Client, other.Session, 40);

        async Task Refused(ScanFormOrder order, int status, string code)
        {
            var e = await Assert.ThrowsAsync<VbiApiException>(() => c.Client.CreateScanFormAsync(order));
            Assert.True((status, code) == (e.Status, e.Code), $"expected {status} {code}, got {e.Status} {e.Code}: {e.Message}");
        }

        await Refused(new ScanFormOrder(Today.AddDays(1)), 400, VbiErrorCodes.InvalidMailingDate);
        await Refused(new ScanFormOrder(Today.AddDays(-30)), 400, VbiErrorCodes.InvalidMailingDate);
        await Refused(new ScanFormOrder(MeterIds: [other.MeterId]), 404, VbiErrorCodes.MeterNotFound);
        await Refused(new ScanFormOrder(MeterIds: ["not a meter"]), 400, VbiErrorCodes.InvalidMeterId);
        await Refused(new ScanFormOrder(TrackingNumbers: ["1234"]), 400, VbiErrorCodes.ValidationFailed);
        // Another customer's package, and one of ours that is not of the day asked for, are not ours to list.
        await RefusedAsync(c.Client, [theirs.TrackingNumber!], 422, VbiErrorCodes.TrackingNumberUnknown, theirs.TrackingNumber);
        await RefusedAsync(c.Client, [print.TrackingNumber!, theirs.TrackingNumber!], 422, VbiErrorCodes.TrackingNumberUnknown, theirs.TrackingNumber);
        await Refused(new ScanFormOrder(Today.AddDays(-1), TrackingNumbers: [print.TrackingNumber!]), 422, VbiErrorCodes.TrackingNumberUnknown);
        await Refused(new ScanFormOrder(Today.AddDays(-1)), 422, VbiErrorCodes.NothingToManifest);

        // Raw requests the SDK never sends: a date that is not one, and no Idempotency-Key.
        var (status, problem, _) = await host.PostAsync("/v1/scan-forms", "{\"date\":\"2026-13-01\"}", c.Token, "k-" + Guid.NewGuid().ToString("N"));
        Assert.True(status == 400 && problem.GetProperty("code").GetString() == VbiErrorCodes.InvalidMailingDate, $"{status} {problem}");
        (status, problem, _) = await host.PostAsync("/v1/scan-forms", "{}", c.Token);
        Assert.True(status == 400 && problem.GetProperty("code").GetString() == VbiErrorCodes.ValidationFailed, $"{status} {problem}");
        (status, problem, _) = await host.PostAsync("/v1/scan-forms", "{}", token: null, "k-" + Guid.NewGuid().ToString("N"));
        Assert.Equal(401, status);

        Assert.Empty(await c.Client.ListScanFormsAsync());
        var missing = await Assert.ThrowsAsync<VbiApiException>(() => c.Client.GetScanFormAsync("94990900000000000000"));
        Assert.Equal((404, VbiErrorCodes.ScanFormNotFound), (missing.Status, missing.Code));

        // Still listable afterwards: nothing above took a package.
        var form = await c.Client.CreateScanFormAsync();
        Assert.Equal([print.TrackingNumber!], form.TrackingNumbers);
        // Each account's forms are its own.
        var foreign = await Assert.ThrowsAsync<VbiApiException>(() => other.Client.GetScanFormAsync(form.FormNumber));
        Assert.Equal((404, VbiErrorCodes.ScanFormNotFound), (foreign.Status, foreign.Code));
    }

    [Fact]
    public async Task A_partner_and_the_customer_asking_at_once_put_each_package_on_one_form()
    {
        var partnerId = "scan-" + Guid.NewGuid().ToString("N")[..8];
        var created = await host.Operator.CreatePartnerAsync(partnerId, "Parcel shop");
        using var c = await host.NewCustomerAsync(fundMills: 200_000);
        await c.Client.LinkPartnerAsync(partnerId);
        using var shop = host.Client(partner: new PartnerCredentials(partnerId, created.Secret) { OnBehalfOf = c.CustomerId });
        var prints = new[] { await PrintShipmentAsync(c.Client, c.Session, 40), await PrintShipmentAsync(c.Client, c.Session, 50) };

        // Four requests with four keys at once, two the partner's (for the customer's meter) and two the customer's.
        var attempts = await Task.WhenAll(Enumerable.Range(0, 4).Select(async i =>
        {
            try
            {
                return (Form: await (i % 2 == 0 ? shop : c.Client).CreateScanFormAsync(new ScanFormOrder(MeterIds: [c.MeterId])), Code: (string?)null);
            }
            catch (VbiApiException e)
            {
                return (Form: (ScanForm?)null, Code: e.Code);
            }
        }));

        var made = attempts.Where(a => a.Form is not null).Select(a => a.Form!).ToList();
        Assert.All(attempts.Where(a => a.Form is null), a => Assert.Equal(VbiErrorCodes.NothingToManifest, a.Code));
        var listed = made.SelectMany(f => f.TrackingNumbers).ToList();
        Assert.Equal(prints.Select(p => p.TrackingNumber!).Order(), listed.Order()); // every package once, none twice
        Assert.Equal(made.Select(f => f.FormNumber).Order(), (await c.Client.ListScanFormsAsync()).Select(f => f.FormNumber).Order());
    }

    private static async Task RefusedAsync(VbiClient client, string[] selection, int status, string code, string? named)
    {
        var e = await Assert.ThrowsAsync<VbiApiException>(() => client.CreateScanFormAsync(new ScanFormOrder(TrackingNumbers: selection)));
        Assert.True((status, code) == (e.Status, e.Code), $"expected {status} {code}, got {e.Status} {e.Code}: {e.Message}");
        Assert.Equal(named, e.Extensions["trackingNumber"].GetString());
    }

    private static byte[] Tool(string tool, string package, params string[] args)
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
            var err = process.StandardError.ReadToEndAsync();
            Assert.True(process.WaitForExit(60_000), $"{tool} did not finish in 60 s");
            copy.Wait();
            Assert.True(process.ExitCode == 0, $"{tool} {string.Join(' ', args)}: exit {process.ExitCode}: {err.Result}");
            return stdout.ToArray();
        }
    }
}
