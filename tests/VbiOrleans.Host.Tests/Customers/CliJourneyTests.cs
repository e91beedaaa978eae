using VbiOrleans.Host.Tests.Fixtures;
using System.Text.Json;
using VbiOrleans.Cli;

namespace VbiOrleans.Host.Tests.Customers;

/// <summary>
/// The whole customer journey through the <c>vbi</c> CLI (in process, its real HTTP client) against the host process:
/// register, login, fund, balance, print in every format, a CSV batch (run twice: nothing prints twice), verify,
/// refund, history, a label again, an idempotent retry, logout. Money conserved at the end (I1).
/// </summary>
[Collection(CustomerCollection.Name)]
[Trait("Services", "PostgreSQL+SoftHSM2")]
public sealed class CliJourneyTests(CustomerHostFixture host) : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "vbi-cli-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly Dictionary<string, string?> _variables = [];

    private Task<(int Exit, string Out, string Err)> Vbi(params string[] args) => InProcessVbi.RunAsync(host.BaseAddress, _home, _variables, args);

    private async Task<JsonElement> Json(params string[] args)
    {
        var (exit, output, error) = await Vbi([.. args, "--json"]);
        Assert.True(exit == 0, $"vbi {string.Join(' ', args)} exited {exit}: {error}");
        return JsonDocument.Parse(output).RootElement.Clone();
    }

    private string File(string name) => Path.Combine(_home, name);

    [Fact]
    public async Task The_whole_customer_journey_through_the_cli()
    {
        Directory.CreateDirectory(_home);
        var email = CustomerHostFixture.NewEmail();
        _variables["VBI_PASSWORD"] = CustomerHostFixture.Password;

        // Register: account, licensed meter, HMK (mode 0600), module key pinned on first use.
        var (exit, output, error) = await Vbi("register", "--email", email, "--zip", "10001");
        Assert.True(exit == 0, error);
        Assert.Contains("registered meter m-", output, StringComparison.Ordinal);
        Assert.Contains("pinned the module key on first use", error, StringComparison.Ordinal);
        var meterId = output.Split(' ')[2];
        var hmkFile = Path.Combine(_home, "config", "meters", meterId + ".hmk");
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(hmkFile));
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, System.IO.File.GetUnixFileMode(Path.Combine(_home, "config", "config.json")));
        }
        Assert.DoesNotContain(System.IO.File.ReadAllText(hmkFile).Trim(), output + error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, (await Vbi("register", "--email", email, "--zip", "10001")).Exit); // one meter per client unless --new-meter

        // Not logged in to the meter yet: money commands say so.
        Assert.Equal(ExitCodes.LoginRequired, (await Vbi("fund", "5")).Exit);
        (exit, output, error) = await Vbi("login");
        Assert.True(exit == 0, error);
        Assert.Contains("session open", output, StringComparison.Ordinal);

        // Postage is bought: a card on file first (a token from the payment provider), then fund buys and downloads.
        (exit, _, error) = await Vbi("pay", "add", "--card", "tok_visa");
        Assert.True(exit == 0, error);
        (exit, output, error) = await Vbi("fund", "25.00");
        Assert.True(exit == 0, error);
        Assert.Contains("funded $25.000", output, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, (await Vbi("fund", "0")).Exit);
        Assert.Equal(ExitCodes.Usage, (await Vbi("fund", "1.2345")).Exit);
        var balance = await Json("balance");
        Assert.Equal(25_000, balance.GetProperty("meter").GetProperty("descendingMills").GetInt64());
        Assert.Equal(25_000, balance.GetProperty("client").GetProperty("descendingMills").GetInt64());

        // One label in each format; the files are what they say they are.
        foreach (var (format, magic) in new[] { ("pdf", "%PDF"), ("png", "\u0089PNG"), ("svg", "<svg"), ("zpl", "^XA") })
        {
            var label = File("label." + format);
            (exit, _, error) = await Vbi("print", "--from", "10001", "--to", "94103", "--class", "first-class", "--weight", "1", "--format", format, "--out", label);
            Assert.True(exit == 0, $"{format}: {error}");
            var head = System.Text.Encoding.Latin1.GetString(System.IO.File.ReadAllBytes(label).AsSpan(0, 600));
            Assert.Contains(magic, head, StringComparison.Ordinal);
        }
        Assert.Equal(ExitCodes.Usage, (await Vbi("print", "--from", "99999", "--to", "94103", "--class", "first-class", "--weight", "1")).Exit);

        // A print's JSON verifies; the same indicium with one byte changed does not.
        var printed = await Json("print", "--to", "30301", "--class", "PRIORITY", "--postage", "9.35", "--format", "svg", "--out", File("p.svg"));
        System.IO.File.WriteAllText(File("p.json"), printed.GetRawText());
        (exit, output, _) = await Vbi("verify", File("p.json"));
        Assert.Equal(0, exit);
        Assert.StartsWith("VALID", output, StringComparison.Ordinal);
        var bytes = Convert.FromBase64String(printed.GetProperty("print").GetProperty("indicium").GetString()!);
        bytes[20] ^= 0x01;
        System.IO.File.WriteAllText(File("bad.b64"), Convert.ToBase64String(bytes));
        (exit, output, _) = await Vbi("verify", File("bad.b64"));
        Assert.Equal(ExitCodes.Invalid, exit);
        Assert.StartsWith("NOT VALID", output, StringComparison.Ordinal);

        // A batch with a progress bar; run again, it prints nothing twice (its keys come from the file and the row).
        System.IO.File.WriteAllText(File("batch.csv"), "to,class,weight,postage,format\n94103,FIRST-CLASS,2,,pdf\n10002,\"priority\",,8.50,zpl\n60601,first-class,3.5,,png\n");
        (exit, output, error) = await Vbi("print", "--batch", File("batch.csv"), "--out-dir", File("labels"));
        Assert.True(exit == 0, error);
        Assert.Contains("3/3", error, StringComparison.Ordinal);
        Assert.Contains("printed 3 of 3", output, StringComparison.Ordinal);
        Assert.Equal(3, Directory.GetFiles(File("labels")).Length);
        var afterBatch = await Json("balance");
        (exit, _, error) = await Vbi("print", "--batch", File("batch.csv"), "--out-dir", File("labels"));
        Assert.True(exit == 0, error);
        Assert.Equal(afterBatch.GetProperty("meter").GetRawText(), (await Json("balance")).GetProperty("meter").GetRawText());
        System.IO.File.WriteAllText(File("broken.csv"), "to,class\n94103,FIRST-CLASS\n");
        Assert.Equal(ExitCodes.Usage, (await Vbi("print", "--batch", File("broken.csv"))).Exit);

        // Refund once; a second refund is refused. History shows it all; the refunded label is not handed out again.
        var refundId = printed.GetProperty("print").GetProperty("indiciumId").GetString()!;
        (exit, output, error) = await Vbi("refund", refundId);
        Assert.True(exit == 0, error);
        Assert.Contains("refunded", output, StringComparison.Ordinal);
        (exit, _, error) = await Vbi("refund", refundId);
        Assert.Equal(ExitCodes.Refused, exit);
        Assert.Contains("IndiciumAlreadyRefunded", error, StringComparison.Ordinal);
        await OperatorHttp.WaitForLogFeedAsync(host.BaseAddress); // the history follows the log a moment later
        var history = await Json("history");
        var entries = history.GetProperty("entries").EnumerateArray().ToList();
        Assert.Equal(["refund", "print", "print", "print", "print", "print", "print", "print", "print", "pvd"], entries.Select(e => e.GetProperty("kind").GetString()));
        Assert.True(entries.Single(e => e.GetProperty("indiciumId").GetString() == refundId).GetProperty("refunded").GetBoolean());
        Assert.Equal(ExitCodes.Refused, (await Vbi("label", refundId)).Exit);
        var other = entries.First(e => e.GetProperty("kind").GetString() == "print" && !e.GetProperty("refunded").GetBoolean()).GetProperty("indiciumId").GetString()!;
        (exit, _, error) = await Vbi("label", other, "--format", "zpl", "--out", File("again.zpl"));
        Assert.True(exit == 0, error);
        Assert.StartsWith("^XA", System.IO.File.ReadAllText(File("again.zpl")), StringComparison.Ordinal);
        Assert.Contains("SEQ", (await Vbi("history")).Out, StringComparison.Ordinal);

        // A retry with the same idempotency key moves the money once, even on a later challenge.
        var before = (await Json("balance")).GetProperty("meter").GetProperty("descendingMills").GetInt64();
        Assert.Equal(0, (await Vbi("fund", "1.00", "--idempotency-key", "journey-fund-1")).Exit);
        Assert.Equal(0, (await Vbi("fund", "1.00", "--idempotency-key", "journey-fund-1")).Exit);
        Assert.Equal(before + 1_000, (await Json("balance")).GetProperty("meter").GetProperty("descendingMills").GetInt64());

        // I1 conservation: AR + DR = value downloaded - value withdrawn, as the operator audit reports it.
        var audit = await host.Operator.GetMeterAuditAsync(meterId);
        var registers = audit.GetProperty("registers");
        Assert.Equal(audit.GetProperty("totalDownloadedMills").GetInt64() - audit.GetProperty("totalWithdrawnMills").GetInt64(),
            registers.GetProperty("ascendingMills").GetInt64() + registers.GetProperty("descendingMills").GetInt64());
        Assert.Equal(26_000, audit.GetProperty("totalDownloadedMills").GetInt64());

        // Logged out, the CLI asks for a login; a wrong password is refused with the "log in" exit code.
        Assert.Equal(0, (await Vbi("logout")).Exit);
        Assert.Equal(ExitCodes.LoginRequired, (await Vbi("balance")).Exit);
        _variables["VBI_PASSWORD"] = "not the right password";
        (exit, _, error) = await Vbi("login");
        Assert.Equal(ExitCodes.LoginRequired, exit);
        Assert.Contains("WrongCredentials", error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registration_refuses_a_module_key_that_does_not_match_the_given_fingerprint()
    {
        Directory.CreateDirectory(_home);
        _variables["VBI_PASSWORD"] = CustomerHostFixture.Password;
        var (exit, _, error) = await Vbi("register", "--email", CustomerHostFixture.NewEmail(), "--zip", "10001", "--module-fingerprint", new string('a', 64));
        Assert.Equal(ExitCodes.Refused, exit);
        Assert.Contains("nothing was sent", error, StringComparison.Ordinal);
        var meterId = JsonDocument.Parse(System.IO.File.ReadAllText(Path.Combine(_home, "config", "config.json"))).RootElement.GetProperty("meterId").GetString()!;
        Assert.Equal("Licensed", (await host.Operator.GetMeterAuditAsync(meterId)).GetProperty("registers").GetProperty("state").GetString());
    }

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }
}
