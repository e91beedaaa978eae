using VbiOrleans.Host.Tests.Fixtures;
using System.Text.Json;
using VbiOrleans.Cli;

namespace VbiOrleans.Host.Tests.Customers;

/// <summary>The printer commands of the <c>vbi</c> CLI (in process, its real HTTP client) against the host process.</summary>
[Collection(CustomerCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2")]
public sealed class PrinterCliTests(CustomerHostFixture host) : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "vbi-cli-printer-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Dictionary<string, string?> _variables = [];

    private Task<(int Exit, string Out, string Err)> Vbi(params string[] args) => InProcessVbi.RunAsync(host.BaseAddress, _home, _variables, args);

    [Fact]
    public async Task A_customer_lists_printers_calibrates_one_and_writes_its_test_print()
    {
        Directory.CreateDirectory(_home);
        _variables["VBI_PASSWORD"] = CustomerHostFixture.Password;
        var (exit, output, error) = await Vbi("printer", "list");
        Assert.True(exit == 0, error);
        Assert.Contains("zebra-zd420-203", output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.LoginRequired, (await Vbi("printer", "test", "--printer", "zebra-zd420-203")).Exit);
        (exit, _, error) = await Vbi("register", "--email", CustomerHostFixture.NewEmail(), "--zip", "10001");
        Assert.True(exit == 0, error);

        (exit, output, error) = await Vbi("printer", "calibrate", "--printer", "zebra-zd420-203", "--x", "30", "--y", "-10");
        Assert.True(exit == 0, error);
        Assert.Contains("your offset 30, -10 mils (6, -2 dots at 203 dpi)", output, StringComparison.Ordinal);
        var file = Path.Combine(_home, "sample.zpl");
        (exit, output, error) = await Vbi("printer", "test", "--printer", "zebra-zd420-203", "--out", file, "--json");
        Assert.True(exit == 0, error);
        var printed = JsonDocument.Parse(output).RootElement;
        Assert.Equal(6, printed.GetProperty("calibration").GetProperty("totalXDots").GetInt32());
        var zpl = await File.ReadAllTextAsync(file);
        Assert.StartsWith("^XA", zpl, StringComparison.Ordinal);
        Assert.Contains("SAMPLE - NOT POSTAGE", zpl, StringComparison.Ordinal);
        Assert.Contains("^LH6,0", zpl, StringComparison.Ordinal); // right 6 dots by the label home; up 2 is already in the positions

        // A real print for that printer: the label at its resolution, moved by the same calibration.
        (exit, _, error) = await Vbi("login");
        Assert.True(exit == 0, error);
        (exit, _, error) = await Vbi("pay", "add", "--card", "tok_visa");
        Assert.True(exit == 0, error);
        (exit, _, error) = await Vbi("fund", "5.00");
        Assert.True(exit == 0, error);
        var label = Path.Combine(_home, "label.zpl");
        (exit, output, error) = await Vbi("print", "--to", "94103", "--class", "FIRST-CLASS", "--weight", "1", "--printer", "zebra-zd420-203",
            "--format", "zpl", "--out", label, "--json");
        Assert.True(exit == 0, error);
        Assert.Equal(203, JsonDocument.Parse(output).RootElement.GetProperty("print").GetProperty("label").GetProperty("dpi").GetInt32());
        Assert.Contains("^LH6,0", await File.ReadAllTextAsync(label), StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, (await Vbi("print", "--to", "94103", "--class", "FIRST-CLASS", "--weight", "1", "--printer", "zebra-zd420-203",
            "--dpi", "300")).Exit);

        (exit, _, error) = await Vbi("printer", "calibrate", "--printer", "zebra-zd420-203", "--x", "200", "--y", "0");
        Assert.Equal(ExitCodes.Refused, exit);
        Assert.Contains("error CalibrationOutOfRange", error, StringComparison.Ordinal);
        (exit, _, error) = await Vbi("printer", "test", "--printer", "no-such-printer");
        Assert.Equal(ExitCodes.NotFound, exit);
        Assert.Contains("error UnknownPrinter", error, StringComparison.Ordinal);
        (exit, output, _) = await Vbi("printer", "calibrate", "--printer", "zebra-zd420-203");
        Assert.Equal(0, exit);
        Assert.Contains("your offset 30, -10 mils", output, StringComparison.Ordinal); // the refused change changed nothing
    }

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }
}
