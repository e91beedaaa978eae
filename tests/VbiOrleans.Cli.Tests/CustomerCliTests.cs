using System.Net;
using System.Text;
using System.Text.Json;
using VbiOrleans.Client;
using VbiOrleans.Protocol.Requests;
using VbiOrleans.Protocol.Sessions;

namespace VbiOrleans.Cli.Tests;

/// <summary>
/// The customer side of the CLI and the SDK without a server: amounts, batch files, the files the CLI keeps, exit codes,
/// and the SDK's handling of the challenge chain (retries send the same bytes; an answer that does not verify under
/// the HMK moves nothing). The same commands against a real host: VbiOrleans.Host.Tests/Customers.
/// </summary>
public sealed class CustomerCliTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "vbi-cli-unit-" + Guid.NewGuid().ToString("N")[..8]);

    private Task<(int Exit, string Out, string Err)> Run(FakeServer? server, params string[] args) =>
        InProcessCli.RunAsync(server, new Dictionary<string, string> { ["VBI_HOME"] = _home, ["VBI_PASSWORD"] = "a long enough password" }, args);

    [Theory]
    [InlineData("12", 12_000)]
    [InlineData("12.5", 12_500)]
    [InlineData("12.50", 12_500)]
    [InlineData("$0.735", 735)]
    [InlineData("0.001", 1)]
    [InlineData("999999999999.999", 999_999_999_999_999)]
    public void Dollars_become_mills_exactly(string text, long mills)
    {
        Assert.True(Money.TryParseDollars(text, out var parsed));
        Assert.Equal(mills, parsed);
    }

    [Theory]
    [InlineData("")]
    [InlineData("-1")]
    [InlineData("1.2345")]
    [InlineData("1e3")]
    [InlineData("1,000")]
    [InlineData("12.")]
    [InlineData(".5")]
    [InlineData("1000000000000")]
    [InlineData("NaN")]
    public void Amounts_that_are_not_plain_dollars_are_refused(string text) => Assert.False(Money.TryParseDollars(text, out _));

    [Fact]
    public void A_batch_file_is_checked_row_by_row_before_anything_prints()
    {
        var (rows, errors) = BatchFile.Parse("To,Class,Weight,Postage,Out\n94103,first-class,2,,a.pdf\n\"10002\",PRIORITY,,8.50,\n");
        Assert.Empty(errors);
        Assert.Equal([("94103", "FIRST-CLASS", (long?)null, "2"), ("10002", "PRIORITY", 8_500L, null)],
            rows.Select(r => (r.To, r.MailClass, r.PostageMills, r.WeightOz)));
        Assert.Equal([2, 3], rows.Select(r => r.Line));

        Assert.Contains("header needs", BatchFile.Parse("to,class\n94103,FIRST-CLASS\n").Errors.Single(), StringComparison.Ordinal);
        var bad = BatchFile.Parse("to,class,weight,postage,format\n94103,FIRST-CLASS,,abc,\n,FIRST-CLASS,1,,\n94103,FIRST-CLASS,1,,gif\n94103,,1,,\n").Errors;
        Assert.Equal(4, bad.Count);
        Assert.StartsWith("line 2:", bad[0], StringComparison.Ordinal);
        Assert.Contains("empty", BatchFile.Parse("").Errors.Single(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_batch_row_to_an_address_is_a_shipment_with_a_weight_and_its_optional_sender_and_size()
    {
        var (rows, errors) = BatchFile.Parse("to,from,class,weight,dims\n"
            + "\"Jane Roe, 1 Dr Carlton B Goodlett Pl, San Francisco CA 94102\",\"Acme, 350 5th Ave, New York NY 10001\",priority,16,10x8x4\n"
            + "94103,,first-class,1,\n");
        Assert.Empty(errors);
        Assert.Equal([(true, "Acme, 350 5th Ave, New York NY 10001", "10x8x4"), (false, null, null)], rows.Select(r => (r.IsShipment, r.From, r.Dims)));
        Assert.Equal("Jane Roe, 1 Dr Carlton B Goodlett Pl, San Francisco CA 94102", rows[0].To);

        var bad = BatchFile.Parse("to,from,class,weight,postage,dims\n"
            + "\"Jane Roe, 1 Main St, Chicago IL 60601\",,priority,,9.35,\n" // a shipment needs a weight
            + "\"Jane Roe, 1 Main St, Chicago IL 60601\",,priority,16,,10x8\n" // dims are three sides
            + "94103,\"Acme, 1 Main St, Chicago IL 60601\",first-class,1,,\n" // a sender goes with a recipient address
            + "94103,,first-class,1,,10x8x4\n").Errors; // and so do dims
        Assert.Equal(4, bad.Count);
        Assert.Equal(["line 2:", "line 3:", "line 4:", "line 5:"], bad.Select(e => e[..7]));
    }

    [Fact]
    public void An_indicium_file_can_be_raw_base64_or_the_json_of_a_print()
    {
        Directory.CreateDirectory(_home);
        byte[] indicium = [1, 1, 1, 200, 201, 0, 255];
        File.WriteAllBytes(Path.Combine(_home, "raw.bin"), indicium);
        File.WriteAllText(Path.Combine(_home, "b64.txt"), Convert.ToBase64String(indicium) + "\n");
        File.WriteAllText(Path.Combine(_home, "print.json"), JsonSerializer.Serialize(new { print = new { indicium = Convert.ToBase64String(indicium) } }));
        foreach (var name in new[] { "raw.bin", "b64.txt", "print.json" }) Assert.Equal(indicium, IndiciumFile.Read(Path.Combine(_home, name)));
    }

    [Fact]
    public void The_cli_keeps_its_token_and_hmk_readable_by_the_owner_only()
    {
        var home = new CliHome(_home);
        home.Save(new CliConfig { Token = "vbiu_secret", MeterId = "m-0123456789" });
        home.WriteHmk("m-0123456789", new byte[32]);
        home.WriteSession("m-0123456789", new ChainState(new byte[16], new byte[32], 5, 7));
        Assert.Equal("vbiu_secret", home.Load().Token);
        Assert.Equal(new byte[32], home.ReadHmk("m-0123456789"));
        Assert.Equal(7, home.ReadSession("m-0123456789")!.DescendingMills);
        if (OperatingSystem.IsWindows()) return;
        Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute, File.GetUnixFileMode(_home));
        foreach (var file in Directory.GetFiles(_home, "*", SearchOption.AllDirectories))
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(file));
    }

    [Fact]
    public void The_cli_directory_is_VBI_HOME_else_XDG_CONFIG_HOME_else_the_home_config()
    {
        CliHome Resolve(params (string Name, string Value)[] vars) =>
            CliHome.Resolve(new CliEnvironment { GetVariable = n => vars.FirstOrDefault(v => v.Name == n).Value });
        Assert.Equal("/tmp/h", Resolve(("VBI_HOME", "/tmp/h"), ("XDG_CONFIG_HOME", "/x")).Directory);
        Assert.Equal("/x/vbi", Resolve(("XDG_CONFIG_HOME", "/x"), ("HOME", "/home/u")).Directory);
        Assert.Equal("/home/u/.config/vbi", Resolve(("HOME", "/home/u")).Directory);
    }

    [Fact]
    public async Task Help_lists_the_customer_commands_and_every_exit_code()
    {
        var (exit, output, _) = await Run(null, "--help");
        Assert.Equal(ExitCodes.Ok, exit);
        foreach (var command in new[] { "register", "login", "fund", "balance", "print", "refund", "verify", "history", "label", "status", "modules" })
            Assert.Contains(command, output, StringComparison.Ordinal);
        foreach (var code in new[] { "5  log in first", "6  verify: the indicium is not valid", "7  print --batch" })
            Assert.Contains(code, output, StringComparison.Ordinal);
        Assert.Contains("--batch", (await Run(null, "print", "--help")).Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Money_commands_without_a_login_or_with_a_bad_amount_send_nothing()
    {
        var server = new FakeServer(_ => throw new InvalidOperationException("no request expected"));
        Assert.Equal(ExitCodes.LoginRequired, (await Run(server, "fund", "5")).Exit);
        new CliHome(_home).Save(new CliConfig { Token = "vbiu_x", MeterId = "m-0123456789" });
        var (exit, _, error) = await Run(server, "fund", "5");
        Assert.Equal(ExitCodes.LoginRequired, exit);
        Assert.Contains("HMK", error, StringComparison.Ordinal);
        Assert.Equal(ExitCodes.Usage, (await Run(server, "fund", "abc")).Exit);
        Assert.Equal(ExitCodes.Usage, (await Run(server, "fund", "0")).Exit);
        Assert.Equal(ExitCodes.Usage, (await Run(server, "print", "--to", "94103")).Exit);
        Assert.Equal(ExitCodes.Usage, (await Run(server, "print", "--batch", Path.Combine(_home, "missing.csv"))).Exit);
        Assert.Equal(ExitCodes.Usage, (await Run(server, "register", "--email", "a@example.com", "--zip", "123")).Exit);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public void Log_in_codes_map_to_exit_5_and_other_refusals_keep_theirs()
    {
        Assert.Equal(ExitCodes.LoginRequired, ExitCodes.ForCustomer(new VbiApiException(401, "SessionExpired", null, null)));
        Assert.Equal(ExitCodes.LoginRequired, ExitCodes.ForCustomer(new VbiApiException(401, "WrongPassword", null, null)));
        Assert.Equal(ExitCodes.Refused, ExitCodes.ForCustomer(new VbiApiException(422, "InsufficientFunds", null, null)));
        Assert.Equal(ExitCodes.NotFound, ExitCodes.ForCustomer(new VbiApiException(404, "MeterNotFound", null, null)));
        Assert.Equal(ExitCodes.Refused, ExitCodes.For(new VbiApiException(401, "Unauthenticated", null, null))); // operator commands: unchanged
    }

    // ---- the SDK's challenge chain -----------------------------------------------------------------------------

    private const string MeterId = "m-0123456789abcdef";
    private static readonly byte[] Hmk = Enumerable.Range(1, 32).Select(i => (byte)i).ToArray();

    private static (VbiClient Client, MeterSession Session, ModuleSession Module) Open(FakeServer server)
    {
        var module = ModuleSession.Start(MeterId, DateTimeOffset.UtcNow);
        var client = new VbiClient(new VbiClientOptions { CustomerToken = "vbiu_t", Retries = 3, RetryDelay = TimeSpan.FromMilliseconds(1) }, server);
        var session = client.ResumeMeterSession(MeterId, Hmk, new ChainState(module.SessionId.Span, module.CurrentChallenge.Span, 0, 10_000));
        return (client, session, module);
    }

    private static SignedRequest RequestOf(HttpRequestMessage message) => RequestOf(message.Content!.ReadAsStringAsync().Result);

    private static SignedRequest RequestOf(string body) =>
        SignedRequest.FromJson(JsonDocument.Parse(body).RootElement.GetProperty("request").Deserialize<SignedRequestJson>(VbiJson.Options)).Value!;

    private static HttpResponseMessage Executed(SignedResponse response, long descending) => FakeServer.Json(HttpStatusCode.OK, JsonSerializer.Serialize(new
    {
        meterId = MeterId, kind = "pvd", outcome = "None", amountMills = 1_000, amount = "$1.000", sequence = 3,
        meter = new { meterId = MeterId, state = "Operational", ascendingMills = 0, descendingMills = descending, pieceCount = 0, sequence = 3, ascending = "$0.000", descending = "$11.000" },
        signedResponse = response.ToJson(),
    }, VbiJson.Options));

    [Fact]
    public async Task A_verified_answer_moves_the_chain_to_the_next_challenge_and_registers()
    {
        ModuleSession? module = null;
        var server = new FakeServer(message =>
        {
            var reply = module!.Reply(Hmk, RequestOf(message), 0, 0, 11_000, [], DateTimeOffset.UtcNow);
            return Executed(reply.Response, 11_000);
        });
        var (client, session, m) = Open(server);
        module = m;
        using (client)
        using (session)
        {
            var result = await session.FundAsync(1_000, "pay");
            Assert.Equal(11_000, session.DescendingMills);
            Assert.NotEqual(m.CurrentChallenge.ToArray(), session.State.Challenge.ToArray());
            Assert.Equal(result.SignedResponse.NextChallenge, Convert.ToBase64String(session.State.Challenge.Span));
            Assert.Equal(server.Requests[0].Request.Headers.GetValues("Idempotency-Key").Single(), RequestOf(server.Requests[0].Body!).IdempotencyKey);
        }
    }

    [Fact]
    public async Task An_answer_that_does_not_verify_under_the_HMK_moves_nothing()
    {
        ModuleSession? module = null;
        var server = new FakeServer(message =>
        {
            // Signed with another key: a man in the middle, or a server that is not the module.
            var forged = module!.Reply(new byte[32].Select((_, i) => (byte)(200 - i)).ToArray(), RequestOf(message), 0, 0, 99_000, [], DateTimeOffset.UtcNow);
            return Executed(forged.Response, 99_000);
        });
        var (client, session, m) = Open(server);
        module = m;
        using (client)
        using (session)
        {
            var e = await Assert.ThrowsAsync<VbiApiException>(() => session.FundAsync(1_000, "pay"));
            Assert.Equal(VbiErrorCodes.ResponseNotAuthentic, e.Code);
            Assert.Equal(10_000, session.DescendingMills);
            Assert.Equal(m.CurrentChallenge.ToArray(), session.State.Challenge.ToArray());
        }
    }

    [Fact]
    public async Task Retries_send_the_same_bytes_with_the_same_key_and_an_unsigned_refusal_leaves_the_chain()
    {
        var calls = 0;
        var server = new FakeServer(_ => ++calls <= 2
            ? FakeServer.Problem(503, "Internal", "try again")
            : FakeServer.Problem(409, "ChallengeReplayed", "the challenge was already used"));
        var (client, session, m) = Open(server);
        using (client)
        using (session)
        {
            var e = await Assert.ThrowsAsync<VbiApiException>(() => session.PrintAsync(new PrintOrder(500, "94103", "FIRST-CLASS"), idempotencyKey: "k-1"));
            Assert.Equal((409, "ChallengeReplayed"), (e.Status, e.Code));
            Assert.Equal(3, server.Requests.Count);
            Assert.Single(server.Requests.Select(r => r.Body).Distinct());
            Assert.All(server.Requests, r => Assert.Equal("k-1", r.Request.Headers.GetValues("Idempotency-Key").Single()));
            Assert.Equal(m.CurrentChallenge.ToArray(), session.State.Challenge.ToArray());
        }
    }

    [Fact]
    public async Task A_5xx_the_module_signed_is_its_answer_sent_once_and_it_moves_the_chain()
    {
        ModuleSession? module = null;
        var server = new FakeServer(message =>
        {
            // SystemStopped (218) refused by the module and signed: the same bytes again would get this answer again.
            var reply = module!.Reply(Hmk, RequestOf(message), 218, 0, 10_000, [], DateTimeOffset.UtcNow);
            return FakeServer.Json((HttpStatusCode)503, JsonSerializer.Serialize(new
            {
                type = "https://vbi.example/problems/SystemStopped", title = "SystemStopped", status = 503, code = "SystemStopped",
                detail = "postage value downloads and printing are stopped system-wide: a test", signedResponse = reply.Response.ToJson(),
            }, VbiJson.Options), "application/problem+json");
        });
        var (client, session, m) = Open(server);
        module = m;
        using (client)
        using (session)
        {
            var e = await Assert.ThrowsAsync<VbiApiException>(() => session.PrintAsync(new PrintOrder(500, "94103", "FIRST-CLASS")));
            Assert.Equal((503, "SystemStopped"), (e.Status, e.Code));
            Assert.Contains("a test", e.Detail, StringComparison.Ordinal);
            Assert.Single(server.Requests);
            Assert.NotEqual(m.CurrentChallenge.ToArray(), session.State.Challenge.ToArray());
        }
    }

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }
}
