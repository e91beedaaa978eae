using System.Net;
using System.Text.Json;
using VbiOrleans.Client;

namespace VbiOrleans.Cli.Tests;

/// <summary>
/// <c>vbi address</c> without a server: what it sends, how it prints candidates and changes, its exit codes. The same
/// command against a real host and the real matcher: VbiOrleans.Host.Tests/Api/AddressApiTests.
/// </summary>
public sealed class AddressCliTests : IDisposable
{
    private readonly string _home = Path.Combine(Path.GetTempPath(), "vbi-cli-addr-" + Guid.NewGuid().ToString("N")[..8]);

    private const string Answer = """
        {"level":"zip","data":"npm package zipcodes 8.0.0","standardized":{"name":null,"company":null,"deliveryLine":"1 MAIN ST","city":"SAN FRANSISCO","state":"CA","zip":"94301","zipPlus4":null,"lastLine":"SAN FRANSISCO CA 94301"},
         "candidates":[
          {"rank":1,"type":"CityCorrected","address":{"name":null,"company":null,"deliveryLine":"1 MAIN ST","city":"PALO ALTO","state":"CA","zip":"94301","zipPlus4":null,"lastLine":"PALO ALTO CA 94301"},
           "changes":[{"field":"deliveryLine","kind":"Standardized","from":"1 Main Street","to":"1 MAIN ST","reason":"Publication 28 form"},
                      {"field":"city","kind":"Corrected","from":"San Fransisco","to":"PALO ALTO","reason":"ZIP 94301 is PALO ALTO CA"}]},
          {"rank":2,"type":"CitySpelling","address":{"name":null,"company":null,"deliveryLine":"1 MAIN ST","city":"SAN FRANCISCO","state":"CA","zip":"94158","zipPlus4":null,"lastLine":"SAN FRANCISCO CA 94158"},
           "changes":[{"field":"zip","kind":"Corrected","from":"94301","to":"94158","reason":"closest spelling"}]}]}
        """;

    private async Task<(int Exit, string Out, string Err)> Run(FakeServer server, params string[] args)
    {
        Directory.CreateDirectory(_home);
        await File.WriteAllTextAsync(Path.Combine(_home, "config.json"), """{"server":"http://127.0.0.1:9/","token":"vbiu_test-token"}""");
        return await InProcessCli.RunAsync(server, new Dictionary<string, string> { ["VBI_HOME"] = _home }, args);
    }

    [Fact]
    public async Task Prints_each_candidate_with_what_changed()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, Answer));
        var (exit, output, error) = await Run(server, "address", "1 Main Street, San Fransisco CA 94301");
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal("", error);
        Assert.Equal(HttpMethod.Post, server.Last.Method);
        Assert.Equal("/v1/addresses/match", server.Last.RequestUri!.AbsolutePath);
        Assert.Equal("Bearer vbiu_test-token", server.Last.Headers.Authorization!.ToString());
        Assert.Equal("1 Main Street, San Fransisco CA 94301", JsonDocument.Parse(server.Requests[0].Body!).RootElement.GetProperty("line").GetString());
        var lines = output.ReplaceLineEndings("\n").TrimEnd().Split('\n');
        Assert.Equal("2 candidates (zip-level match)", lines[0]);
        Assert.Equal("1. CityCorrected: 1 MAIN ST, PALO ALTO CA 94301", lines[1]);
        Assert.Equal("   deliveryLine: 1 Main Street -> 1 MAIN ST (Publication 28 form)", lines[2]);
        Assert.Equal("   city: San Fransisco -> PALO ALTO (ZIP 94301 is PALO ALTO CA)", lines[3]);
        Assert.Equal("2. CitySpelling: 1 MAIN ST, SAN FRANCISCO CA 94158", lines[4]);
    }

    [Fact]
    public async Task Json_prints_the_answer_for_scripts()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, Answer));
        var (exit, output, _) = await Run(server, "address", "1 Main Street, San Fransisco CA 94301", "--json");
        Assert.Equal(ExitCodes.Ok, exit);
        var printed = JsonSerializer.Deserialize<AddressMatchResult>(output, VbiJson.Options)!;
        Assert.Equal(["CityCorrected", "CitySpelling"], printed.Candidates.Select(c => c.Type));
        Assert.Equal("94158", printed.Candidates[1].Address.Zip);
    }

    [Fact]
    public async Task An_address_that_matches_nothing_exits_2_and_says_how_it_was_read()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.UnprocessableEntity, """
            {"type":"https://vbi.example/problems/AddressNotMatched","title":"AddressNotMatched","status":422,"detail":"nothing matches","code":"AddressNotMatched",
             "standardized":{"name":null,"company":null,"deliveryLine":"1 MAIN ST","city":"QWXZ","state":"CA","zip":"00000","zipPlus4":null,"lastLine":"QWXZ CA 00000"}}
            """, "application/problem+json"));
        var (exit, output, error) = await Run(server, "address", "1 Main St, Qwxz CA 00000");
        Assert.Equal(ExitCodes.Refused, exit);
        Assert.Equal("", output);
        Assert.Contains("error AddressNotMatched: nothing matches", error, StringComparison.Ordinal);
        Assert.Contains("read as: 1 MAIN ST, QWXZ CA 00000", error, StringComparison.Ordinal);

        var refused = new FakeServer(_ => FakeServer.Problem(400, "UnknownState", "not a state"));
        var (badExit, _, badError) = await Run(refused, "address", "1 Main St, Springfield XX 62701");
        Assert.Equal(ExitCodes.Refused, badExit);
        Assert.Contains("error UnknownState: not a state", badError, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_a_login_nothing_is_sent()
    {
        var server = new FakeServer(_ => throw new InvalidOperationException("no request expected"));
        var stderr = new StringWriter();
        var environment = new CliEnvironment { GetVariable = name => name == "VBI_HOME" ? _home + "-empty" : null, HttpHandler = server, ReadSecret = _ => null };
        var exit = await CliApp.RunAsync(["address", "1 Main St, Springfield IL 62701"], new StringWriter(), stderr, environment);
        Assert.Equal(ExitCodes.LoginRequired, exit);
        Assert.Empty(server.Requests);
    }

    public void Dispose()
    {
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
        if (Directory.Exists(_home + "-empty")) Directory.Delete(_home + "-empty", recursive: true);
    }
}
