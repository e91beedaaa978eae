using System.Net;
using System.Security.Cryptography;
using System.Text.Json;
using VbiOrleans.Protocol.Versions;

namespace VbiOrleans.Cli.Tests;

/// <summary>
/// The CLI's side of client versions without a server: the header it sends, when it asks for the versions, and what it
/// does with a document that does not verify. The same against real hosts: VbiOrleans.Host.Tests/Api/ClientVersionApiTests.
/// </summary>
public sealed class VersionNoticeCliTests : IDisposable
{
    private const string Candidates = """
        {"standardized":{"name":null,"company":null,"deliveryLine":"1 MAIN ST","city":"PALO ALTO","state":"CA","zip":"94301","zipPlus4":null,"lastLine":"PALO ALTO CA 94301"},
         "level":"zip","data":"zipcodes 8.0.0","candidates":[]}
        """;

    private readonly string _home = Path.Combine(Path.GetTempPath(), "vbi-cli-versions-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly ECDsa _moduleKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);

    private async Task<(int Exit, string Out, string Err)> Run(FakeServer server, bool pinned, params string[] args)
    {
        Directory.CreateDirectory(_home);
        var config = pinned
            ? JsonSerializer.Serialize(new { server = "http://127.0.0.1:9/", token = "vbiu_test-token", moduleKey = Convert.ToBase64String(_moduleKey.ExportSubjectPublicKeyInfo()) })
            : """{"server":"http://127.0.0.1:9/","token":"vbiu_test-token"}""";
        await File.WriteAllTextAsync(Path.Combine(_home, "config.json"), config);
        return await InProcessCli.RunAsync(server, new Dictionary<string, string> { ["VBI_HOME"] = _home }, args);
    }

    private static string Versions(ECDsa signer, string latest, string minimum)
    {
        var statement = ClientVersionsStatement.FromWire(latest, minimum, "2026-12-07T12:00:00Z")!;
        var signature = signer.SignHash(statement.Digest(), DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return JsonSerializer.Serialize(new { latest, minimum, publishedAt = "2026-12-07T12:00:00Z", signature = Convert.ToBase64String(signature) });
    }

    private FakeServer Server(ECDsa signer, string latest) => new(request => request.RequestUri!.AbsolutePath == "/v1/client/versions"
        ? FakeServer.Json(HttpStatusCode.OK, Versions(signer, latest, "0.0.0"))
        : FakeServer.Json(HttpStatusCode.OK, Candidates));

    [Fact]
    public async Task Every_request_names_the_cli_and_its_version()
    {
        var server = Server(_moduleKey, CliApp.CliVersion);
        var (exit, _, error) = await Run(server, pinned: true, "address", "1 Main St, Palo Alto CA 94301");
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Equal(["/v1/addresses/match", "/v1/client/versions"], server.Requests.Select(r => r.Request.RequestUri!.AbsolutePath));
        Assert.All(server.Requests, r => Assert.Equal($"vbi-cli/{CliApp.CliVersion}", Assert.Single(r.Request.Headers.GetValues("Vbi-Client"))));
        Assert.Equal("", error); // the latest is this version: nothing to say
    }

    [Fact]
    public async Task Without_a_pinned_module_key_the_cli_asks_nothing()
    {
        var server = Server(_moduleKey, "99.0.0");
        var (exit, _, error) = await Run(server, pinned: false, "address", "1 Main St, Palo Alto CA 94301");
        Assert.True(exit == ExitCodes.Ok, error);
        Assert.Equal(["/v1/addresses/match"], server.Requests.Select(r => r.Request.RequestUri!.AbsolutePath));
        Assert.Equal("", error);
    }

    [Fact]
    public async Task A_versions_document_under_another_key_is_ignored_with_a_warning_and_the_command_still_succeeds()
    {
        using var impostor = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var (exit, output, error) = await Run(Server(impostor, "99.0.0"), pinned: true, "address", "1 Main St, Palo Alto CA 94301", "--json");
        Assert.Equal(ExitCodes.Ok, exit);
        Assert.Equal("warning: the server's client versions do not verify under the pinned module key; ignored", error.Trim());
        Assert.DoesNotContain("99.0.0", error, StringComparison.Ordinal);
        Assert.Equal("PALO ALTO", JsonDocument.Parse(output).RootElement.GetProperty("standardized").GetProperty("city").GetString());
    }

    public void Dispose()
    {
        _moduleKey.Dispose();
        if (Directory.Exists(_home)) Directory.Delete(_home, recursive: true);
    }
}
