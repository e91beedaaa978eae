using System.Net;
using System.Text;
using System.Text.Json;
using VbiOrleans.Client;

namespace VbiOrleans.Cli.Tests;

public sealed class ClientTests
{
    private static VbiClient Client(FakeServer server, string? name = "operator", string? key = "k3y", Uri? address = null, TimeSpan? timeout = null) =>
        new(new VbiClientOptions
        {
            BaseAddress = address ?? new Uri("http://vbi.test:5080"),
            OperatorName = name,
            OperatorKey = key,
            Timeout = timeout ?? TimeSpan.FromSeconds(10),
        }, server);

    [Fact]
    public async Task A_problem_document_becomes_a_VbiApiException_with_its_code_title_and_detail()
    {
        var server = new FakeServer(_ => FakeServer.Problem(409, "ModuleAlreadyRegistered", "module CM-0001 is registered with another label"));
        using var client = Client(server);

        var error = await Assert.ThrowsAsync<VbiApiException>(() => client.RegisterModuleAsync("CM-0001", "other"));

        Assert.Equal(409, error.Status);
        Assert.Equal(VbiErrorCodes.ModuleAlreadyRegistered, error.Code);
        Assert.Equal("ModuleAlreadyRegistered", error.Title);
        Assert.Equal("module CM-0001 is registered with another label", error.Detail);
        Assert.False(error.IsTransportFailure);
    }

    [Fact]
    public async Task An_error_that_is_not_a_problem_document_gets_an_HttpNNN_code()
    {
        var server = new FakeServer(_ => new HttpResponseMessage(HttpStatusCode.BadGateway)
        {
            Content = new StringContent("<html>bad gateway</html>", Encoding.UTF8, "text/html"),
            ReasonPhrase = "Bad Gateway",
        });
        using var client = Client(server);

        var error = await Assert.ThrowsAsync<VbiApiException>(() => client.ListModulesAsync());

        Assert.Equal(502, error.Status);
        Assert.Equal("Http502", error.Code);
        Assert.Equal("Bad Gateway", error.Title);
        Assert.Contains("/v1/operator/modules", error.Detail);
    }

    [Fact]
    public async Task GetModule_returns_null_for_an_unregistered_serial()
    {
        var server = new FakeServer(_ => FakeServer.Problem(404, "ModuleNotRegistered", "module CM-9 is not registered"));
        using var client = Client(server);

        var row = await client.GetModuleAsync("CM-9");

        Assert.Null(row);
        Assert.Equal(HttpMethod.Get, server.Last.Method);
        Assert.Equal("/v1/operator/modules/CM-9", server.Last.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task GetModule_throws_for_a_404_with_another_code()
    {
        var server = new FakeServer(_ => FakeServer.Problem(404, "NotFound", "HTTP 404 for /v1/operator/modules/x"));
        using var client = Client(server);

        var error = await Assert.ThrowsAsync<VbiApiException>(() => client.GetModuleAsync("x"));

        Assert.Equal("NotFound", error.Code);
        Assert.Equal(404, error.Status);
    }

    [Fact]
    public async Task GetModule_reads_every_column_of_the_row()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, FakeServer.RowJson));
        using var client = Client(server);

        var row = await client.GetModuleAsync("CM-0001");

        Assert.NotNull(row);
        Assert.Equal(new ModuleRow("CM-0001", "Hall 7", ModuleStates.Active, new DateTimeOffset(2025, 3, 4, 5, 6, 7, TimeSpan.Zero),
            new DateTimeOffset(2025, 3, 5, 10, 11, 12, TimeSpan.FromHours(2)), TransactionKinds.Print, 1234L, "M-42", 17L, 9L), row);
        Assert.True(row.IsActive);
        Assert.Equal("$1.234", row.ToDollars());
    }

    [Fact]
    public async Task The_ready_probe_body_is_returned_also_with_503()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.ServiceUnavailable,
            """{"status":"Unhealthy","checks":{"silo":{"status":"Healthy","description":"silo s1 is active"},"archive":{"status":"Unhealthy","description":"archive is unreachable: IOException"}}}"""));
        using var client = Client(server);

        var report = await client.GetHealthAsync(ready: true);

        Assert.Equal(HealthReport.Unhealthy, report.Status);
        Assert.False(report.IsUp);
        Assert.Equal(2, report.Checks.Count);
        Assert.Equal(new HealthCheckEntry("Unhealthy", "archive is unreachable: IOException"), report.Checks["archive"]);
        Assert.Equal("/health/ready", server.Last.RequestUri!.AbsolutePath);
    }

    [Fact]
    public async Task A_503_from_the_liveness_probe_is_an_error()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.ServiceUnavailable, """{"status":"Unhealthy","checks":{}}"""));
        using var client = Client(server);

        var error = await Assert.ThrowsAsync<VbiApiException>(() => client.GetHealthAsync(ready: false));

        Assert.Equal(503, error.Status);
        Assert.Equal("Http503", error.Code);
    }

    [Fact]
    public async Task A_503_problem_document_from_the_ready_probe_is_an_error()
    {
        var server = new FakeServer(_ => FakeServer.Problem(503, "Internal", "overloaded"));
        using var client = Client(server);

        var error = await Assert.ThrowsAsync<VbiApiException>(() => client.GetHealthAsync(ready: true));

        Assert.Equal("Internal", error.Code);
        Assert.Equal("overloaded", error.Detail);
    }

    [Fact]
    public async Task The_liveness_report_has_an_empty_check_list_when_the_server_sends_none()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, """{"status":"Healthy"}"""));
        using var client = Client(server);

        var report = await client.GetHealthAsync(ready: false);

        Assert.Equal(HealthReport.Healthy, report.Status);
        Assert.True(report.IsUp);
        Assert.Empty(report.Checks);
    }

    [Fact]
    public async Task Health_probes_carry_no_credentials_but_operator_calls_carry_Basic()
    {
        var server = new FakeServer(request => request.RequestUri!.AbsolutePath.StartsWith("/health", StringComparison.Ordinal)
            ? FakeServer.Json(HttpStatusCode.OK, """{"status":"Healthy","checks":{}}""")
            : FakeServer.Json(HttpStatusCode.OK, "[" + FakeServer.RowJson + "]"));
        using var client = Client(server, name: "alice", key: "s3cret");

        await client.GetHealthAsync(ready: false);
        var rows = await client.ListModulesAsync();

        Assert.Null(server.Requests[0].Request.Headers.Authorization);
        var auth = server.Requests[1].Request.Headers.Authorization;
        Assert.Equal("Basic", auth?.Scheme);
        Assert.Equal("alice:s3cret", Encoding.UTF8.GetString(Convert.FromBase64String(auth!.Parameter!)));
        Assert.Equal("CM-0001", Assert.Single(rows).Serial);
    }

    [Fact]
    public async Task Without_an_operator_name_the_key_is_sent_as_a_Bearer_token()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, "[]"));
        using var client = Client(server, name: null, key: "s3cret");

        var rows = await client.ListModulesAsync();

        Assert.Empty(rows);
        Assert.Equal("Bearer", server.Last.Headers.Authorization?.Scheme);
        Assert.Equal("s3cret", server.Last.Headers.Authorization?.Parameter);
    }

    [Fact]
    public async Task Register_posts_serial_and_label_as_camelCase_json()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.Created, FakeServer.RowJson));
        using var client = Client(server);

        var row = await client.RegisterModuleAsync("CM-0001", "Hall 7");

        Assert.Equal("Hall 7", row.Label);
        var (request, body) = server.Requests.Single();
        Assert.Equal(HttpMethod.Post, request.Method);
        Assert.Equal("/v1/operator/modules", request.RequestUri!.AbsolutePath);
        using var json = JsonDocument.Parse(body!);
        Assert.Equal("CM-0001", json.RootElement.GetProperty("serial").GetString());
        Assert.Equal("Hall 7", json.RootElement.GetProperty("label").GetString());
    }

    [Fact]
    public async Task Retire_posts_to_the_escaped_serial_under_a_base_path()
    {
        var server = new FakeServer(_ => FakeServer.Json(HttpStatusCode.OK, FakeServer.FreshRowJson));
        using var client = Client(server, address: new Uri("https://gateway.test/vbi"));

        var row = await client.RetireModuleAsync("A/B C");

        Assert.Equal(ModuleStates.Retired, row.State);
        Assert.Null(row.ToDollars());
        Assert.Equal(HttpMethod.Post, server.Last.Method);
        Assert.Equal("https://gateway.test/vbi/v1/operator/modules/A%2FB%20C/retire", server.Last.RequestUri!.AbsoluteUri);
    }

    [Fact]
    public async Task A_success_with_a_body_that_is_not_json_is_an_InvalidResponse()
    {
        var server = new FakeServer(_ => new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent("hello", Encoding.UTF8, "text/plain") });
        using var client = Client(server);

        var error = await Assert.ThrowsAsync<VbiApiException>(() => client.ListModulesAsync());

        Assert.Equal(VbiErrorCodes.InvalidResponse, error.Code);
        Assert.Equal(200, error.Status);
    }

    [Fact]
    public async Task An_unreachable_server_is_reported_with_code_Unreachable_and_its_url()
    {
        var url = FakeServer.ClosedLoopbackUrl();
        using var client = new VbiClient(new VbiClientOptions { BaseAddress = url, Timeout = TimeSpan.FromSeconds(10) });

        var error = await Assert.ThrowsAsync<VbiApiException>(() => client.GetHealthAsync(ready: true));

        Assert.Equal(VbiErrorCodes.Unreachable, error.Code);
        Assert.Equal(0, error.Status);
        Assert.True(error.IsTransportFailure);
        Assert.Contains(url.AbsoluteUri, error.Message);
        Assert.Contains(url.AbsoluteUri, error.Detail);
    }

    [Fact]
    public async Task A_server_that_does_not_answer_in_time_is_reported_with_code_Timeout()
    {
        using var slow = new DelayingHandler(TimeSpan.FromSeconds(30));
        using var client = new VbiClient(new VbiClientOptions { Timeout = TimeSpan.FromMilliseconds(100) }, slow);

        var error = await Assert.ThrowsAsync<VbiApiException>(() => client.ListModulesAsync());

        Assert.Equal(VbiErrorCodes.Timeout, error.Code);
        Assert.Equal(0, error.Status);
        Assert.Contains("127.0.0.1:5080", error.Detail);
    }

    [Fact]
    public async Task Cancellation_by_the_caller_is_not_turned_into_an_api_error()
    {
        using var slow = new DelayingHandler(TimeSpan.FromSeconds(30));
        using var client = new VbiClient(new VbiClientOptions(), slow);
        using var cancel = new CancellationTokenSource(TimeSpan.FromMilliseconds(50));

        var error = await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.ListModulesAsync(cancel.Token));

        Assert.True(cancel.IsCancellationRequested);
        Assert.IsNotType<VbiApiException>(error);
    }

    [Fact]
    public void Options_reject_a_relative_or_non_http_base_address()
    {
        var relative = Assert.Throws<ArgumentException>(() => new VbiClient(new VbiClientOptions { BaseAddress = new Uri("/x", UriKind.Relative) }));
        var ftp = Assert.Throws<ArgumentException>(() => new VbiClient(new VbiClientOptions { BaseAddress = new Uri("ftp://host/") }));

        Assert.Contains("absolute http", relative.Message);
        Assert.Contains("ftp://host/", ftp.Message);
    }

    [Fact]
    public void Options_do_not_show_the_operator_key()
    {
        var options = new VbiClientOptions { OperatorName = "alice", OperatorKey = "s3cret" };

        var text = options.ToString();

        Assert.Contains("alice", text);
        Assert.DoesNotContain("s3cret", text);
    }

    private sealed class DelayingHandler(TimeSpan delay) : HttpMessageHandler
    {
        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            await Task.Delay(delay, cancellationToken);
            return new HttpResponseMessage(HttpStatusCode.OK);
        }
    }
}
