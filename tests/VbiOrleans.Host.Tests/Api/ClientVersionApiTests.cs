using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using VbiOrleans.Client;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Api;

/// <summary>
/// Two Local-profile hosts started side by side: one whose minimum client version is above this SDK's (every
/// customer and partner call through the SDK is 426), one whose latest is above it (the CLI says so).
/// </summary>
public sealed class ClientVersionHostsFixture : IAsyncLifetime
{
    public const string Minimum = "99.0.0";
    public const string Latest = "99.1.0";

    private readonly string _data = Path.Combine(Path.GetTempPath(), "vbi-versions-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Vbi:Clients:Minimum 99.0.0, Latest 99.1.0: this SDK is too old.</summary>
    public HostProcess TooOld { get; private set; } = null!;

    /// <summary>Vbi:Clients:Latest 99.1.0, no minimum: this SDK is served, and a newer one exists.</summary>
    public HostProcess Behind { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var tooOld = HostEnvironment.Local(Path.Combine(_data, "too-old"));
        tooOld["Vbi__Clients__Minimum"] = Minimum;
        tooOld["Vbi__Clients__Latest"] = Latest;
        var behind = HostEnvironment.Local(Path.Combine(_data, "behind"));
        behind["Vbi__Clients__Latest"] = Latest;
        TooOld = HostProcess.Start(tooOld);
        Behind = HostProcess.Start(behind);
        await Task.WhenAll(TooOld.WaitUntilReadyAsync(TimeSpan.FromSeconds(120)), Behind.WaitUntilReadyAsync(TimeSpan.FromSeconds(120)));
    }

    public async Task DisposeAsync()
    {
        await TooOld.DisposeAsync();
        await Behind.DisposeAsync();
        if (Directory.Exists(_data)) Directory.Delete(_data, recursive: true);
    }
}

/// <summary>
/// Client versions on real hosts over loopback HTTP: the SDK's Vbi-Client header, 426 ClientUpgradeRequired naming the
/// version to install for customers and partners, the exempt endpoints, requests without the header, the signed
/// versions document verified under the pinned module key (a tampered one refused), and the CLI's notice.
/// </summary>
public sealed class ClientVersionApiTests(ClientVersionHostsFixture fixture) : IClassFixture<ClientVersionHostsFixture>
{
    private const string Password = "correct horse battery staple";

    private static VbiClient Client(HostProcess host, string? token = null, PartnerCredentials? partner = null, bool asOperator = false,
        HttpMessageHandler? handler = null)
    {
        var options = new VbiClientOptions
        {
            BaseAddress = host.BaseAddress, CustomerToken = token, Partner = partner, Timeout = TimeSpan.FromSeconds(60),
            OperatorName = asOperator ? HostEnvironment.OperatorName : null, OperatorKey = asOperator ? HostEnvironment.OperatorKey : null,
        };
        return handler is null ? new VbiClient(options) : new VbiClient(options, handler);
    }

    private static async Task<byte[]> PinnedKeyAsync(HostProcess host)
    {
        using var anonymous = Client(host);
        return Convert.FromBase64String((await anonymous.GetModuleIdentityAsync()).PublicKey);
    }

    [Fact]
    public async Task A_client_below_the_minimum_gets_426_naming_the_version_to_install_and_nothing_happens()
    {
        var host = fixture.TooOld;
        using var anonymous = Client(host);

        // Customer: sign-up through the SDK is refused before anything is created.
        var email = $"v{Guid.NewGuid():N}@example.com";
        var refused = await Assert.ThrowsAsync<VbiApiException>(() => anonymous.SignUpAsync(email, Password));
        Assert.Equal((426, VbiErrorCodes.ClientUpgradeRequired), (refused.Status, refused.Code));
        Assert.Contains($"vbi-sdk {VbiClient.Version}", refused.Detail, StringComparison.Ordinal);
        Assert.Contains($"install {ClientVersionHostsFixture.Latest} (at least {ClientVersionHostsFixture.Minimum})", refused.Detail, StringComparison.Ordinal);
        Assert.Equal(ClientVersionHostsFixture.Minimum, refused.Extensions["minimum"].GetString());
        Assert.Equal(ClientVersionHostsFixture.Latest, refused.Extensions["latest"].GetString());

        // Code that sends no Vbi-Client header (curl, a partner's own code) is served: the account is made now, once.
        using var http = new HttpClient { BaseAddress = host.BaseAddress };
        using var signUp = await http.PostAsync("/v1/customers",
            new StringContent(JsonSerializer.Serialize(new { email, password = Password }), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, signUp.StatusCode);
        var token = JsonDocument.Parse(await signUp.Content.ReadAsStringAsync()).RootElement.GetProperty("token").GetString()!;

        using var customer = Client(host, token);
        refused = await Assert.ThrowsAsync<VbiApiException>(() => customer.GetMeAsync());
        Assert.Equal(426, refused.Status);
        refused = await Assert.ThrowsAsync<VbiApiException>(() => customer.MatchAddressAsync("1 Main St, Palo Alto CA 94301"));
        Assert.Equal(VbiErrorCodes.ClientUpgradeRequired, refused.Code);

        // Partner: the operator API is exempt (an operator is never locked out), the partner's signed calls are not.
        using var op = Client(host, asOperator: true);
        var partnerId = "ver-" + Guid.NewGuid().ToString("N")[..8];
        var created = await op.CreatePartnerAsync(partnerId, "Version shop");
        using var partner = Client(host, partner: new PartnerCredentials(partnerId, created.Secret));
        refused = await Assert.ThrowsAsync<VbiApiException>(() => partner.MatchAddressAsync("1 Main St, Palo Alto CA 94301"));
        Assert.Equal((426, VbiErrorCodes.ClientUpgradeRequired), (refused.Status, refused.Code));

        // Exempt, so an old client can still learn what to install and verify it: health, module identity, the versions.
        Assert.Equal("Healthy", (await anonymous.GetHealthAsync(ready: false)).Status);
        var versions = await anonymous.GetClientVersionsAsync(await PinnedKeyAsync(host));
        Assert.Equal((ClientVersionHostsFixture.Latest, ClientVersionHostsFixture.Minimum, VbiClient.Version, true, true),
            (versions.Latest, versions.Minimum, versions.Current, versions.UpdateAvailable, versions.UpgradeRequired));
    }

    [Fact]
    public async Task A_malformed_version_header_is_a_clear_400()
    {
        using var http = new HttpClient { BaseAddress = fixture.Behind.BaseAddress };
        foreach (var header in new[] { "vbi-cli", "vbi-cli/latest", "vbi-cli/1.2.3 extra" })
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/v1/customers/me");
            request.Headers.TryAddWithoutValidation("Vbi-Client", header);
            using var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
            Assert.Equal("MalformedRequest", JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("code").GetString());
        }
    }

    [Fact]
    public async Task The_versions_document_is_signed_by_the_module_key_and_a_tampered_one_is_refused()
    {
        var host = fixture.Behind;
        var pinned = await PinnedKeyAsync(host);
        using var anonymous = Client(host);
        var versions = await anonymous.GetClientVersionsAsync(pinned);
        Assert.Equal((ClientVersionHostsFixture.Latest, "0.0.0", true, false), (versions.Latest, versions.Minimum, versions.UpdateAvailable, versions.UpgradeRequired));
        Assert.True(versions.PublishedAt > DateTimeOffset.UtcNow.AddHours(-1) && versions.PublishedAt <= DateTimeOffset.UtcNow.AddMinutes(1));

        // The same server's document with one field changed on the way: refused, whichever field it is.
        foreach (var (field, value) in new[] { ("latest", "99.2.0"), ("minimum", "99.0.0"), ("publishedAt", "2030-01-01T00:00:00Z") })
        {
            using var tampered = Client(host, handler: new RewritingHandler(field, value));
            var refused = await Assert.ThrowsAsync<VbiApiException>(() => tampered.GetClientVersionsAsync(pinned));
            Assert.Equal(VbiErrorCodes.ResponseNotAuthentic, refused.Code);
        }

        // Signed by a key other than the pinned one (the other host's HSM holds its own module key): refused too.
        var otherKey = await PinnedKeyAsync(fixture.TooOld);
        Assert.NotEqual(pinned, otherKey);
        var wrongKey = await Assert.ThrowsAsync<VbiApiException>(() => anonymous.GetClientVersionsAsync(otherKey));
        Assert.Equal(VbiErrorCodes.ResponseNotAuthentic, wrongKey.Code);
    }

    [Fact]
    public async Task The_cli_says_once_on_stderr_that_a_newer_version_exists_and_its_json_stays_json()
    {
        var host = fixture.Behind;
        var home = Path.Combine(Path.GetTempPath(), "vbi-versions-cli-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        try
        {
            using var anonymous = Client(host);
            var token = (await anonymous.SignUpAsync($"v{Guid.NewGuid():N}@example.com", Password)).Token;
            await File.WriteAllTextAsync(Path.Combine(home, "config.json"), JsonSerializer.Serialize(new
            {
                server = host.BaseAddress.AbsoluteUri, token, moduleKey = Convert.ToBase64String(await PinnedKeyAsync(host)),
            }));
            var environment = new Cli.CliEnvironment { GetVariable = name => name == "VBI_HOME" ? home : null, ReadSecret = _ => null, Timeout = TimeSpan.FromSeconds(60) };

            async Task<(int Exit, string Out, string Err)> Vbi(params string[] args)
            {
                using var stdout = new StringWriter();
                using var stderr = new StringWriter();
                var exit = await Cli.CliApp.RunAsync(args, stdout, stderr, environment);
                return (exit, stdout.ToString(), stderr.ToString());
            }

            var (exit, output, error) = await Vbi("address", "1 Main St, Palo Alto CA 94301", "--json");
            Assert.True(exit == Cli.ExitCodes.Ok, error);
            Assert.Equal($"notice: vbi {ClientVersionHostsFixture.Latest} is available (this is {Cli.CliApp.CliVersion}): dotnet tool update --global vbi",
                error.Trim());
            Assert.Equal("PALO ALTO", JsonDocument.Parse(output).RootElement.GetProperty("candidates")[0].GetProperty("address").GetProperty("city").GetString());

            // Once: the next command within the day asks nothing and says nothing.
            (exit, output, error) = await Vbi("address", "1 Main St, Palo Alto CA 94301", "--json");
            Assert.True(exit == Cli.ExitCodes.Ok, error);
            Assert.Equal("", error);
            JsonDocument.Parse(output);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Fact]
    public async Task The_cli_below_the_minimum_names_the_version_to_install()
    {
        var home = Path.Combine(Path.GetTempPath(), "vbi-versions-cli-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(home);
        try
        {
            await File.WriteAllTextAsync(Path.Combine(home, "config.json"), JsonSerializer.Serialize(new { server = fixture.TooOld.BaseAddress.AbsoluteUri, token = "vbiu_x" }));
            var environment = new Cli.CliEnvironment { GetVariable = name => name == "VBI_HOME" ? home : null, ReadSecret = _ => null, Timeout = TimeSpan.FromSeconds(60) };
            using var stdout = new StringWriter();
            using var stderr = new StringWriter();
            var exit = await Cli.CliApp.RunAsync(["address", "1 Main St, Palo Alto CA 94301"], stdout, stderr, environment);
            Assert.Equal(Cli.ExitCodes.Refused, exit);
            Assert.Contains($"error ClientUpgradeRequired: vbi-cli {Cli.CliApp.CliVersion} is no longer served: install {ClientVersionHostsFixture.Latest}",
                stderr.ToString(), StringComparison.Ordinal);
            Assert.Contains($"hint: this vbi is {Cli.CliApp.CliVersion}; install {ClientVersionHostsFixture.Latest}", stderr.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    [Theory]
    [InlineData("Minimum", "two", "Vbi:Clients:Minimum 'two' is not a version")]
    [InlineData("Latest", "1.0.0", "Vbi:Clients: Minimum 2.0.0 is above Latest 1.0.0")]
    public async Task A_host_refuses_to_start_with_versions_it_cannot_publish(string setting, string value, string message)
    {
        var data = Path.Combine(Path.GetTempPath(), "vbi-versions-refused-" + Guid.NewGuid().ToString("N")[..8]);
        var env = HostEnvironment.Local(data);
        env["Vbi__Clients__Minimum"] = "2.0.0";
        env["Vbi__Clients__" + setting] = value;
        await using var host = HostProcess.Start(env);
        Assert.Equal(2, await host.WaitForExitAsync(TimeSpan.FromSeconds(60)));
        Assert.Contains(message, Assert.Single(host.Errors, l => !string.IsNullOrWhiteSpace(l)), StringComparison.Ordinal);
        if (Directory.Exists(data)) Directory.Delete(data, recursive: true);
    }

    /// <summary>Changes one member of the versions document on its way to the SDK, as a man in the middle would.</summary>
    private sealed class RewritingHandler(string field, string value) : DelegatingHandler(new SocketsHttpHandler())
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var response = await base.SendAsync(request, cancellationToken);
            var document = JsonNode.Parse(await response.Content.ReadAsStringAsync(cancellationToken))!.AsObject();
            Assert.NotEqual(value, document[field]!.GetValue<string>());
            document[field] = value;
            response.Content = new StringContent(document.ToJsonString(), Encoding.UTF8, "application/json");
            return response;
        }
    }
}
