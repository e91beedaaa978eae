using System.Net;
using System.Text;
using System.Text.Json;
using VbiOrleans.Client;

namespace VbiOrleans.Cli.Tests;

public sealed class CliTests
{
    private sealed record Outcome(int Exit, string Out, string Err);

    private static async Task<Outcome> Run(FakeServer? server, IReadOnlyDictionary<string, string>? variables, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var environment = new CliEnvironment
        {
            GetVariable = name => variables is not null && variables.TryGetValue(name, out var value) ? value : null,
            HttpHandler = server,
            Timeout = TimeSpan.FromSeconds(10),
        };
        var exit = await CliApp.RunAsync(args, stdout, stderr, environment);
        return new Outcome(exit, stdout.ToString(), stderr.ToString());
    }

    private static readonly Dictionary<string, string> WithKey = new() { [CliApp.OperatorKeyVariable] = "k3y" };

    private static Task<Outcome> RunWithKey(FakeServer server, params string[] args) => Run(server, WithKey, args);

    // ---- usage -------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Register_without_a_serial_is_a_usage_error()
    {
        var server = new FakeServer(_ => throw new InvalidOperationException("no request expected"));

        var result = await RunWithKey(server, "modules", "register");

        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains("SERIAL", result.Err);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task An_unknown_command_is_a_usage_error()
    {
        var result = await Run(null, null, "modulez", "list");

        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains("modulez", result.Err);
    }

    [Fact]
    public async Task Modules_without_a_subcommand_is_a_usage_error()
    {
        var result = await Run(null, null, "modules");

        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.NotEmpty(result.Err);
    }

    [Fact]
    public async Task A_server_url_that_is_not_http_is_a_usage_error()
    {
        var result = await Run(null, null, "status", "--server", "ftp://host");

        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains("--server", result.Err);
    }

    [Fact]
    public async Task A_bad_VBI_SERVER_is_named_in_the_usage_error()
    {
        var result = await Run(null, new Dictionary<string, string> { [CliApp.ServerVariable] = "not a url" }, "status");

        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains(CliApp.ServerVariable, result.Err);
    }

    [Fact]
    public async Task A_module_command_without_an_operator_key_is_a_usage_error()
    {
        var server = new FakeServer(_ => throw new InvalidOperationException("no request expected"));

        var result = await Run(server, new Dictionary<string, string>(), "modules", "list");

        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains(CliApp.OperatorKeyVariable, result.Err);
        Assert.Empty(server.Requests);
    }

    [Fact]
    public async Task A_missing_key_file_is_a_usage_error()
    {
        var path = Path.Combine(Path.GetTempPath(), $"vbi-no-such-key-{Guid.NewGuid():N}");

        var result = await Run(null, null, "modules", "list", "--operator-key-file", path);

        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains(path, result.Err);
    }

    [Fact]
    public async Task The_operator_key_is_not_accepted_as_an_option()
    {
        var result = await Run(null, null, "modules", "list", "--operator-key", "s3cret");

        Assert.Equal(ExitCodes.Usage, result.Exit);
        Assert.Contains("--operator-key", result.Err);
    }

    [Fact]
    public async Task Help_lists_the_commands_and_the_exit_codes()
    {
        var result = await Run(null, null, "--help");

        Assert.Equal(ExitCodes.Ok, result.Exit);
        Assert.Contains("status", result.Out);
        Assert.Contains("modules", result.Out);
        Assert.Contains("Exit codes:", result.Out);
        Assert.Contains("4  not found", result.Out);
    }

    [Fact]
    public async Task Subcommand_help_shows_its_argument_and_the_exit_codes()
    {
        var result = await Run(null, null, "modules", "register", "--help");

        Assert.Equal(ExitCodes.Ok, result.Exit);
        Assert.Contains("<SERIAL>", result.Out);
        Assert.Contains("--label", result.Out);
        Assert.Contains("Exit codes:", result.Out);
    }

    // ---- status ------------------------------------------------------------------------------------------------

    [Fact]
    public async Task Status_against_a_closed_port_exits_3_and_names_the_server()
    {
        var result = await Run(null, null, "status", "--server", "http://127.0.0.1:1");

        Assert.Equal(ExitCodes.Unavailable, result.Exit);
        Assert.Contains("error Unreachable:", result.Err);
        Assert.Contains("http://127.0.0.1:1/", result.Err);
    }

    [Fact]
    public async Task Status_of_a_ready_server_prints_each_check_and_exits_0()
    {
        var server = new FakeServer(request => request.RequestUri!.AbsolutePath == "/health/live"
            ? FakeServer.Json(HttpStatusCode.OK, """{"status":"Healthy","checks":{}}""")
            : FakeServer.Json(HttpStatusCode.OK, """{"status":"Healthy","checks":{"silo":{"status":"Healthy","description":"silo s1 is active"},"archive":{"status":"Healthy","description":"folder /tmp/a"}}}"""));

        var result = await Run(server, null, "status", "--server", "http://vbi.test:6000");

        Assert.Equal(ExitCodes.Ok, result.Exit);
        var lines = result.Out.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Contains("live    Healthy", lines);
        Assert.Contains("ready   Healthy", lines);
        Assert.Contains(lines, l => l.StartsWith("silo", StringComparison.Ordinal) && l.EndsWith("silo s1 is active", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.StartsWith("archive", StringComparison.Ordinal) && l.Contains("Healthy", StringComparison.Ordinal));
        Assert.All(server.Requests, r => Assert.Equal("vbi.test", r.Request.RequestUri!.Host));
        Assert.Empty(result.Err);
    }

    [Fact]
    public async Task Status_of_a_server_that_is_not_ready_exits_3_and_shows_the_failing_check()
    {
        var server = new FakeServer(request => request.RequestUri!.AbsolutePath == "/health/live"
            ? FakeServer.Json(HttpStatusCode.OK, """{"status":"Healthy","checks":{}}""")
            : FakeServer.Json(HttpStatusCode.ServiceUnavailable, """{"status":"Unhealthy","checks":{"postgresql":{"status":"Unhealthy","description":"PostgreSQL does not answer"}}}"""));

        var result = await Run(server, null, "status");

        Assert.Equal(ExitCodes.Unavailable, result.Exit);
        Assert.Contains("ready   Unhealthy", result.Out);
        Assert.Contains("PostgreSQL does not answer", result.Out);
        Assert.Contains("not ready", result.Err);
        Assert.Equal("127.0.0.1", server.Last.RequestUri!.Host); // the default server
    }

    [Fact]
    public async Task Status_uses_VBI_SERVER_when_no_option_is_given()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, """{"status":"Healthy","checks":{}}"""));

        var result = await Run(server, new Dictionary<string, string> { [CliApp.ServerVariable] = "http://from-env.test:7000" }, "status");

        Assert.Equal(ExitCodes.Ok, result.Exit);
        Assert.Equal(2, server.Requests.Count);
        Assert.All(server.Requests, r => Assert.Equal("from-env.test", r.Request.RequestUri!.Host));
    }

    [Fact]
    public async Task Status_as_json_prints_both_reports()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, """{"status":"Degraded","checks":{"silo":{"status":"Degraded","description":"slow"}}}"""));

        var result = await Run(server, null, "status", "--json");

        Assert.Equal(ExitCodes.Ok, result.Exit); // degraded still takes traffic
        using var json = JsonDocument.Parse(result.Out);
        Assert.Equal("Degraded", json.RootElement.GetProperty("ready").GetProperty("status").GetString());
        Assert.Equal("slow", json.RootElement.GetProperty("ready").GetProperty("checks").GetProperty("silo").GetProperty("description").GetString());
        Assert.Equal("Degraded", json.RootElement.GetProperty("live").GetProperty("status").GetString());
    }

    // ---- modules -----------------------------------------------------------------------------------------------

    [Fact]
    public async Task Modules_list_prints_a_table_with_the_last_transaction_in_dollars()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, $"[{FakeServer.FreshRowJson},{FakeServer.RowJson}]"));

        var result = await RunWithKey(server, "modules", "list");

        Assert.Equal(ExitCodes.Ok, result.Exit);
        var lines = result.Out.Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Matches(@"^SERIAL\s+LABEL\s+STATE\s+LAST TRANSACTION\s+COUNT$", lines[0]);
        Assert.StartsWith("CM-0001", lines[1], StringComparison.Ordinal);
        Assert.Contains("2025-03-05 08:11:12Z Print $1.234 meter M-42", lines[1]);
        Assert.EndsWith(" 9", lines[1], StringComparison.Ordinal);
        Assert.StartsWith("CM-0002", lines[2], StringComparison.Ordinal);
        Assert.Contains("Retired", lines[2]);
        Assert.Equal(lines[0].IndexOf("STATE", StringComparison.Ordinal), lines[1].IndexOf("Active", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Modules_list_sends_Basic_credentials_from_the_key_file_and_operator_option()
    {
        var keyFile = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(keyFile, "file-key\n");
            var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, "[]"));

            var result = await Run(server, new Dictionary<string, string>(), "modules", "list", "--operator", "alice", "--operator-key-file", keyFile);

            Assert.Equal(ExitCodes.Ok, result.Exit);
            Assert.Contains("no crypto modules", result.Out);
            var auth = server.Last.Headers.Authorization!;
            Assert.Equal("Basic", auth.Scheme);
            Assert.Equal("alice:file-key", Encoding.UTF8.GetString(Convert.FromBase64String(auth.Parameter!)));
        }
        finally
        {
            File.Delete(keyFile);
        }
    }

    [Fact]
    public async Task The_operator_name_comes_from_VBI_OPERATOR_and_defaults_to_operator()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, "[]"));

        await RunWithKey(server, "modules", "list");
        await Run(server, new Dictionary<string, string> { [CliApp.OperatorKeyVariable] = "k", [CliApp.OperatorVariable] = "bob" }, "modules", "list");

        string Credentials(int i) => Encoding.UTF8.GetString(Convert.FromBase64String(server.Requests[i].Request.Headers.Authorization!.Parameter!));
        Assert.Equal("operator:k3y", Credentials(0));
        Assert.Equal("bob:k", Credentials(1));
    }

    [Fact]
    public async Task Modules_list_as_json_round_trips_the_rows()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, $"[{FakeServer.RowJson}]"));

        var result = await RunWithKey(server, "modules", "list", "--json");

        Assert.Equal(ExitCodes.Ok, result.Exit);
        var rows = JsonSerializer.Deserialize<List<ModuleRow>>(result.Out, VbiJson.Options)!;
        Assert.Equal("CM-0001", Assert.Single(rows).Serial);
        Assert.Equal(1234L, rows[0].LastTransactionValueMills);
        Assert.DoesNotContain("isActive", result.Out);
        Assert.Contains("\"lastTransactionKind\": \"Print\"", result.Out);
    }

    [Fact]
    public async Task Modules_show_prints_the_row()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, FakeServer.RowJson));

        var result = await RunWithKey(server, "modules", "show", "CM-0001");

        Assert.Equal(ExitCodes.Ok, result.Exit);
        Assert.Contains("Hall 7", result.Out);
        Assert.Contains("2025-03-04 05:06:07Z", result.Out);
        Assert.Contains("$1.234", result.Out);
        Assert.Contains("sequence 17", result.Out);
        Assert.Equal("/v1/operator/modules/CM-0001", server.Last.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task Modules_show_of_an_unregistered_serial_exits_4()
    {
        var server = new FakeServer(_ => FakeServer.Problem(404, "ModuleNotRegistered", "module CM-7 is not registered"));

        var result = await RunWithKey(server, "modules", "show", "CM-7");

        Assert.Equal(ExitCodes.NotFound, result.Exit);
        Assert.Contains("error ModuleNotRegistered: module CM-7 is not registered", result.Err);
        Assert.Empty(result.Out);
    }

    [Fact]
    public async Task Modules_register_posts_the_label_and_prints_the_row()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.Created, FakeServer.RowJson));

        var result = await RunWithKey(server, "modules", "register", "CM-0001", "--label", "Hall 7");

        Assert.Equal(ExitCodes.Ok, result.Exit);
        Assert.StartsWith("registered crypto module CM-0001", result.Out, StringComparison.Ordinal);
        using var body = JsonDocument.Parse(server.Requests.Single().Body!);
        Assert.Equal("Hall 7", body.RootElement.GetProperty("label").GetString());
        Assert.Equal("CM-0001", body.RootElement.GetProperty("serial").GetString());
    }

    [Fact]
    public async Task A_refused_registration_exits_2_with_the_code_and_detail()
    {
        var server = new FakeServer(_ => FakeServer.Problem(409, "ModuleAlreadyRegistered", "module CM-0001 is registered with label Hall 7"));

        var result = await RunWithKey(server, "modules", "register", "CM-0001", "-l", "Hall 8");

        Assert.Equal(ExitCodes.Refused, result.Exit);
        Assert.Equal("error ModuleAlreadyRegistered: module CM-0001 is registered with label Hall 7", result.Err.Trim());
    }

    [Fact]
    public async Task Rejected_credentials_exit_2_with_a_hint_and_never_print_the_key()
    {
        var server = new FakeServer(_ => FakeServer.Problem(401, "Unauthenticated", "Operator credentials are required"));
        var variables = new Dictionary<string, string> { [CliApp.OperatorKeyVariable] = "very-secret-key" };

        var result = await Run(server, variables, "modules", "retire", "CM-0001");

        Assert.Equal(ExitCodes.Refused, result.Exit);
        Assert.Contains("error Unauthenticated:", result.Err);
        Assert.Contains("hint:", result.Err);
        Assert.DoesNotContain("very-secret-key", result.Err + result.Out);
    }

    [Fact]
    public async Task Modules_retire_prints_the_retired_row()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, FakeServer.FreshRowJson));

        var result = await RunWithKey(server, "modules", "retire", "CM-0002");

        Assert.Equal(ExitCodes.Ok, result.Exit);
        Assert.StartsWith("retired crypto module CM-0002", result.Out, StringComparison.Ordinal);
        Assert.Contains("Retired", result.Out);
        Assert.Equal("/v1/operator/modules/CM-0002/retire", server.Last.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task A_server_failure_exits_3()
    {
        var server = new FakeServer(_ => FakeServer.Problem(500, "Internal", "The request failed inside the server"));

        var result = await RunWithKey(server, "modules", "list");

        Assert.Equal(ExitCodes.Unavailable, result.Exit);
        Assert.Contains("error Internal: The request failed inside the server", result.Err);
    }

    [Theory]
    [InlineData(0, ExitCodes.Unavailable)]
    [InlineData(400, ExitCodes.Refused)]
    [InlineData(401, ExitCodes.Refused)]
    [InlineData(409, ExitCodes.Refused)]
    [InlineData(404, ExitCodes.NotFound)]
    [InlineData(500, ExitCodes.Unavailable)]
    [InlineData(503, ExitCodes.Unavailable)]
    public void Api_errors_map_to_the_documented_exit_codes(int status, int exit) =>
        Assert.Equal(exit, ExitCodes.For(new VbiApiException(status, "X", null, null)));
}
