using VbiOrleans.Host.Tests.Fixtures;
using System.Text.Json;
using VbiOrleans.Cli;

namespace VbiOrleans.Host.Tests.Customers;

/// <summary>
/// <c>vbi scan-form</c> (in process, its real HTTP client) against the host process: two shipping labels printed with
/// <c>vbi print</c>, one of them refunded; the form lists the other and writes its PDF; asked again, there is nothing
/// new (exit 2, NothingToManifest); a bad date is a usage error before any request.
/// </summary>
[Collection(CustomerCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2")]
public sealed class CliScanFormTests(CustomerHostFixture host) : IDisposable
{
    private const string Recipient = "Jane Roe, 1 Dr Carlton B Goodlett Pl, San Francisco CA 94102";

    private readonly string _home = Path.Combine(Path.GetTempPath(), "vbi-cli-scan-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Dictionary<string, string?> _variables = [];

    private Task<(int Exit, string Out, string Err)> Vbi(params string[] args) => InProcessVbi.RunAsync(host.BaseAddress, _home, _variables, args);

    private async Task<JsonElement> PrintAsync(string file)
    {
        var (exit, output, error) = await Vbi("print", "--to", Recipient, "--class", "priority", "--weight", "16", "--format", "zpl",
            "--out", Path.Combine(_home, file), "--json");
        Assert.True(exit == 0, error);
        return JsonDocument.Parse(output).RootElement.GetProperty("print").Clone();
    }

    [Fact]
    public async Task Vbi_scan_form_writes_the_days_form_and_then_finds_nothing_new()
    {
        Directory.CreateDirectory(_home);
        _variables["VBI_PASSWORD"] = CustomerHostFixture.Password;
        Assert.Equal(0, (await Vbi("register", "--email", CustomerHostFixture.NewEmail(), "--zip", "10001")).Exit);
        Assert.Equal(0, (await Vbi("login")).Exit);
        Assert.Equal(0, (await Vbi("pay", "add", "--card", "tok_visa")).Exit);
        Assert.Equal(0, (await Vbi("fund", "100")).Exit);
        Assert.Equal(0, (await Vbi("return-address", "Acme Shop, 350 5th Ave, New York NY 10001")).Exit);
        var kept = await PrintAsync("a.zpl");
        var refunded = await PrintAsync("b.zpl");
        var (exit, _, error) = await Vbi("refund", refunded.GetProperty("indiciumId").GetString()!);
        Assert.True(exit == 0, error);

        var pdf = Path.Combine(_home, "form.pdf");
        (exit, var output, error) = await Vbi("scan-form", "--out", pdf, "--json");
        Assert.True(exit == 0, error);
        var form = JsonDocument.Parse(output).RootElement.GetProperty("scanForm");
        Assert.Equal([kept.GetProperty("trackingNumber").GetString()], form.GetProperty("trackingNumbers").EnumerateArray().Select(t => t.GetString()));
        Assert.Equal(kept.GetProperty("amountMills").GetInt64(), form.GetProperty("totalPostageMills").GetInt64());
        Assert.Equal("ACME SHOP", form.GetProperty("mailerName").GetString());
        Assert.StartsWith("%PDF-", System.Text.Encoding.ASCII.GetString(File.ReadAllBytes(pdf), 0, 5), StringComparison.Ordinal);

        (exit, output, error) = await Vbi("scan-form", "--out", Path.Combine(_home, "again.pdf"));
        Assert.True(exit == ExitCodes.Refused && error.Contains("NothingToManifest", StringComparison.Ordinal), $"{exit}: {output} {error}");
        Assert.False(File.Exists(Path.Combine(_home, "again.pdf")));

        (exit, _, error) = await Vbi("scan-form", "--date", "12/07/2026", "--out", pdf);
        Assert.True(exit == ExitCodes.Usage && error.Contains("--date", StringComparison.Ordinal), $"{exit}: {error}");
    }

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }
}
