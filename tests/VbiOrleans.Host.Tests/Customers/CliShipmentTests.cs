using VbiOrleans.Host.Tests.Fixtures;
using System.Text.Json;
using VbiOrleans.Cli;
using VbiOrleans.Client;
using VbiOrleans.Domain.Shipping;

namespace VbiOrleans.Host.Tests.Customers;

/// <summary>
/// Shipping labels through the <c>vbi</c> CLI (in process, its real HTTP client) against the host process: the
/// recipient as one line, the sender from the account's return address or --from, the postage the server's rate; a
/// recipient that does not match exactly, or no sender at all, is reported and charges nothing; a batch with address
/// columns prints its good rows (a shipment and a letter) and reports the row whose address does not match.
/// </summary>
[Collection(CustomerCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2")]
public sealed class CliShipmentTests(CustomerHostFixture host) : IDisposable
{
    private const string Recipient = "Jane Roe, 1 Dr Carlton B Goodlett Pl, San Francisco CA 94102";

    private readonly string _home = Path.Combine(Path.GetTempPath(), "vbi-cli-ship-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Dictionary<string, string?> _variables = [];

    private Task<(int Exit, string Out, string Err)> Vbi(params string[] args) => InProcessVbi.RunAsync(host.BaseAddress, _home, _variables, args);

    private async Task<long> AvailableAsync()
    {
        var (exit, output, error) = await Vbi("balance", "--json");
        Assert.True(exit == 0, error);
        return JsonDocument.Parse(output).RootElement.GetProperty("meter").GetProperty("descendingMills").GetInt64();
    }

    private string File(string name) => Path.Combine(_home, name);

    [Fact]
    public async Task A_shipping_label_from_one_line_and_a_batch_with_address_columns()
    {
        Directory.CreateDirectory(_home);
        _variables["VBI_PASSWORD"] = CustomerHostFixture.Password;
        Assert.Equal(0, (await Vbi("register", "--email", CustomerHostFixture.NewEmail(), "--zip", "10001")).Exit);
        Assert.Equal(0, (await Vbi("login")).Exit);
        Assert.Equal(0, (await Vbi("pay", "add", "--card", "tok_visa")).Exit);
        Assert.Equal(0, (await Vbi("fund", "100")).Exit);
        var available = await AvailableAsync();

        // No sender yet: reported, nothing charged.
        var (exit, output, error) = await Vbi("print", "--to", Recipient, "--class", "priority", "--weight", "16", "--format", "zpl", "--out", File("a.zpl"));
        Assert.True(exit == ExitCodes.Refused && error.Contains("no sender", StringComparison.Ordinal), $"{exit}: {error}");
        Assert.Equal(available, await AvailableAsync());

        (exit, output, error) = await Vbi("return-address", "Acme Shop, 350 5th Ave, New York NY 10001");
        Assert.True(exit == 0, error);
        Assert.Contains("return address: ACME SHOP, 350 5TH AVE, NEW YORK NY 10001", output, StringComparison.Ordinal);

        // A recipient whose city is not its ZIP's: the correction is offered, nothing is charged.
        (exit, _, error) = await Vbi("print", "--to", "Jane Roe, 1 Dr Carlton B Goodlett Pl, Oakland CA 94102", "--class", "priority", "--weight", "16");
        Assert.True(exit == ExitCodes.Refused && error.Contains("did you mean", StringComparison.Ordinal) && error.Contains("nothing was charged", StringComparison.Ordinal),
            $"{exit}: {error}");
        Assert.Equal(available, await AvailableAsync());

        (exit, output, error) = await Vbi("print", "--to", Recipient, "--class", "priority", "--weight", "16", "--dims", "10x8x4", "--format", "zpl",
            "--out", File("a.zpl"), "--json");
        Assert.True(exit == 0, error);
        var print = JsonDocument.Parse(output).RootElement.GetProperty("print");
        Assert.True(TrackingNumber.TryParse(print.GetProperty("trackingNumber").GetString(), out var number));
        Assert.StartsWith("94055", number!.Digits);
        var zpl = System.IO.File.ReadAllText(File("a.zpl"));
        Assert.Contains(number.Grouped, zpl, StringComparison.Ordinal);
        Assert.Contains("JANE ROE", zpl, StringComparison.Ordinal);
        Assert.Contains("ACME SHOP", zpl, StringComparison.Ordinal);
        var postage = print.GetProperty("amountMills").GetInt64();
        Assert.Equal(available - postage, await AvailableAsync());

        // A batch: a shipment from another sender, a recipient that matches nothing, and a letter to a ZIP.
        System.IO.File.WriteAllText(File("batch.csv"),
            "to,from,class,weight,dims,format\n"
            + $"\"{Recipient}\",\"Corner Shop, 1 Main St, Chicago IL 60601\",ground-advantage,8,12x10x4,zpl\n"
            + "\"Jane Roe, 1 Main St, Qqqqqq CA 94102\",,priority,16,,zpl\n"
            + "94103,,first-class,1,,zpl\n");
        var before = await AvailableAsync();
        (exit, output, error) = await Vbi("print", "--batch", File("batch.csv"), "--out-dir", File("labels"), "--json");
        Assert.True(exit == ExitCodes.Partial, $"{exit}: {error}");
        var rows = JsonDocument.Parse(output).RootElement.EnumerateArray().ToList();
        Assert.Equal(3, rows.Count);
        Assert.Equal(VbiErrorCodes.AddressNotMatched, rows[1].GetProperty("error").GetString());
        Assert.True(TrackingNumber.TryParse(rows[0].GetProperty("trackingNumber").GetString(), out var shipped));
        Assert.StartsWith("94612", shipped!.Digits); // Ground Advantage
        Assert.Equal(JsonValueKind.Null, rows[2].GetProperty("trackingNumber").ValueKind);
        var charged = rows[0].GetProperty("postageMills").GetInt64() + rows[2].GetProperty("postageMills").GetInt64();
        Assert.Equal(before - charged, await AvailableAsync());
        Assert.Contains("CORNER SHOP", System.IO.File.ReadAllText(rows[0].GetProperty("labelFile").GetString()!), StringComparison.Ordinal);
    }

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }
}
