using System.Net;
using System.Net.Http.Json;
using System.Text;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Api;

/// <summary>One Local-profile host process for the API tests of this class (real HTTP on loopback).</summary>
public sealed class LocalHostFixture : IAsyncLifetime
{
    public HostProcess Host { get; private set; } = null!;
    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "vbi-api-" + Guid.NewGuid().ToString("N")[..8]);

    public async Task InitializeAsync()
    {
        Host = HostProcess.Start(HostEnvironment.Local(DataDirectory));
        await Host.WaitUntilReadyAsync(TimeSpan.FromSeconds(90));
    }

    public async Task DisposeAsync()
    {
        await Host.DisposeAsync();
        if (Directory.Exists(DataDirectory)) Directory.Delete(DataDirectory, recursive: true);
    }
}

public sealed class OperatorApiTests(LocalHostFixture fixture) : IClassFixture<LocalHostFixture>
{
    private HttpClient Anonymous() => new() { BaseAddress = fixture.Host.BaseAddress };

    [Fact]
    public async Task Health_endpoints_answer_and_the_host_says_once_that_nothing_is_durable()
    {
        using var http = Anonymous();
        using var live = await http.GetAsync("/health/live");
        Assert.Equal(HttpStatusCode.OK, live.StatusCode);
        using var ready = await http.GetAsync("/health/ready");
        var body = await ready.JsonAsync();
        Assert.Equal("Healthy", body.GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("silo").GetProperty("status").GetString());
        Assert.Equal("Healthy", body.GetProperty("checks").GetProperty("archive").GetProperty("status").GetString());

        Assert.Single(fixture.Host.Output, l => l.Contains("nothing is durable", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("/v1/operator/modules")]
    [InlineData("/dashboard")]
    public async Task Operator_surfaces_refuse_anonymous_and_wrong_credentials_with_problem_json(string path)
    {
        using var anonymous = Anonymous();
        using var none = await anonymous.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal("application/problem+json", none.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Unauthenticated", (await none.JsonAsync()).GetProperty("code").GetString());
        Assert.Contains("Basic", none.Headers.WwwAuthenticate.ToString());

        using var wrong = OperatorHttp.Client(fixture.Host.BaseAddress, key: "not-the-key");
        using var refused = await wrong.GetAsync(path);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    [Fact]
    public async Task The_dashboard_opens_for_an_operator()
    {
        using var http = OperatorHttp.Client(fixture.Host.BaseAddress);
        using var response = await http.GetAsync("/dashboard/");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains("<html", await response.Content.ReadAsStringAsync(), StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_bearer_key_works_as_well_as_basic()
    {
        using var http = Anonymous();
        http.DefaultRequestHeaders.Authorization = new("Bearer", HostEnvironment.OperatorKey);
        using var response = await http.GetAsync("/v1/operator/modules");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task Register_list_and_read_a_module()
    {
        using var http = OperatorHttp.Client(fixture.Host.BaseAddress);
        var serial = "API" + Random.Shared.Next(100_000, 999_999);

        using var created = await http.RegisterAsync(serial, "rack A");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/v1/operator/modules/{serial}", created.Headers.Location?.ToString());
        var row = await created.JsonAsync();
        Assert.Equal("Active", row.GetProperty("state").GetString());
        Assert.Equal(0, row.GetProperty("transactionCount").GetInt64());

        using var again = await http.RegisterAsync(serial, "rack A");
        Assert.Equal(HttpStatusCode.Created, again.StatusCode);
        Assert.Equal(row.GetProperty("registeredAt").GetString(), (await again.JsonAsync()).GetProperty("registeredAt").GetString());

        using var list = await http.GetAsync("/v1/operator/modules");
        Assert.Contains((await list.JsonAsync()).EnumerateArray(), r => r.GetProperty("serial").GetString() == serial);

        using var one = await http.GetAsync($"/v1/operator/modules/{serial}");
        Assert.Equal("rack A", (await one.JsonAsync()).GetProperty("label").GetString());

        using var retired = await http.PostAsync($"/v1/operator/modules/{serial}/retire", null);
        Assert.Equal("Retired", (await retired.JsonAsync()).GetProperty("state").GetString());
    }

    [Theory]
    [InlineData("{\"serial\":\"bad serial\",\"label\":\"x\"}", HttpStatusCode.BadRequest, "InvalidModuleSerial")]
    [InlineData("{\"serial\":\"\",\"label\":\"x\"}", HttpStatusCode.BadRequest, "InvalidModuleSerial")]
    [InlineData("{\"label\":\"x\"}", HttpStatusCode.BadRequest, "InvalidModuleSerial")]
    [InlineData("{\"serial\":\"GOODSERIAL1\",\"label\":\"line\\nbreak\"}", HttpStatusCode.BadRequest, "ValidationFailed")]
    [InlineData("{not json", HttpStatusCode.BadRequest, "MalformedRequest")]
    [InlineData("{\"serial\":\"GOODSERIAL2\",\"label\":\"x\",\"label\":\"y\"}", HttpStatusCode.BadRequest, "MalformedRequest")]
    [InlineData("{\"serial\":12345678,\"label\":\"x\"}", HttpStatusCode.BadRequest, "MalformedRequest")]
    [InlineData("{\"serial\":\"GOODSERIAL3\",\"label\":\"x\",\"rack\":\"A\"}", HttpStatusCode.BadRequest, "MalformedRequest")]
    public async Task Bad_input_gets_a_named_error_and_registers_nothing(string body, HttpStatusCode status, string code)
    {
        using var http = OperatorHttp.Client(fixture.Host.BaseAddress);
        var before = await (await http.GetAsync("/v1/operator/modules")).JsonAsync();

        using var response = await http.PostAsync("/v1/operator/modules", new StringContent(body, Encoding.UTF8, "application/json"));

        Assert.Equal(status, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(code, (await response.JsonAsync()).GetProperty("code").GetString());
        var after = await (await http.GetAsync("/v1/operator/modules")).JsonAsync();
        Assert.Equal(before.GetArrayLength(), after.GetArrayLength());
    }

    [Fact]
    public async Task A_second_registration_with_another_label_is_a_conflict()
    {
        using var http = OperatorHttp.Client(fixture.Host.BaseAddress);
        var serial = "DUP" + Random.Shared.Next(100_000, 999_999);
        (await http.RegisterAsync(serial, "first")).EnsureSuccessStatusCode();
        using var conflict = await http.RegisterAsync(serial, "second");
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.Equal("ModuleAlreadyRegistered", (await conflict.JsonAsync()).GetProperty("code").GetString());
        Assert.Equal("first", (await (await http.GetAsync($"/v1/operator/modules/{serial}")).JsonAsync()).GetProperty("label").GetString());
    }

    [Fact]
    public async Task Unknown_modules_and_paths_are_404_problems()
    {
        using var http = OperatorHttp.Client(fixture.Host.BaseAddress);
        using var module = await http.GetAsync("/v1/operator/modules/NOSUCH1");
        Assert.Equal(HttpStatusCode.NotFound, module.StatusCode);
        Assert.Equal("ModuleNotRegistered", (await module.JsonAsync()).GetProperty("code").GetString());
        using var path = await http.GetAsync("/v1/nothing-here");
        Assert.Equal(HttpStatusCode.NotFound, path.StatusCode);
        Assert.Equal("NotFound", (await path.JsonAsync()).GetProperty("code").GetString());
    }

    [Fact]
    public async Task An_oversized_body_is_refused()
    {
        using var http = OperatorHttp.Client(fixture.Host.BaseAddress);
        var huge = "{\"serial\":\"BIG1\",\"label\":\"" + new string('x', 2 << 20) + "\"}";
        using var response = await http.PostAsync("/v1/operator/modules", new StringContent(huge, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync("/v1/operator/modules/BIG1")).StatusCode);
    }

    [Fact]
    public async Task The_openapi_document_describes_the_operator_endpoints()
    {
        using var http = Anonymous();
        var doc = await http.GetFromJsonAsync<System.Text.Json.JsonElement>("/openapi/v1.json");
        Assert.True(doc.GetProperty("paths").TryGetProperty("/v1/operator/modules", out _));
    }

    [Fact]
    public void The_operator_key_never_reaches_the_log() =>
        Assert.DoesNotContain(fixture.Host.Output.Concat(fixture.Host.Errors), l => l.Contains(HostEnvironment.OperatorKey, StringComparison.Ordinal));

    [Fact]
    public async Task Meter_audit_and_recovery_validate_their_input_with_named_errors()
    {
        using var http = OperatorHttp.Client(fixture.Host.BaseAddress);
        using var badId = await http.GetAsync("/v1/operator/meters/not-a-meter/audit");
        Assert.Equal(HttpStatusCode.BadRequest, badId.StatusCode);
        Assert.Equal("InvalidMeterId", (await badId.JsonAsync()).GetProperty("code").GetString());

        using var unknown = await http.GetAsync("/v1/operator/meters/m-0000000000000000/audit");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("MeterNotFound", (await unknown.JsonAsync()).GetProperty("code").GetString());

        using var noReason = await http.PostAsJsonAsync("/v1/operator/meters/m-0000000000000000/recover", new { reason = "" });
        Assert.Equal(HttpStatusCode.BadRequest, noReason.StatusCode);
        Assert.Equal("ValidationFailed", (await noReason.JsonAsync()).GetProperty("code").GetString());

        using var notProvisioned = await http.PostAsJsonAsync("/v1/operator/meters/m-0000000000000000/recover", new { reason = "test" });
        Assert.Equal(HttpStatusCode.NotFound, notProvisioned.StatusCode);
    }

    [Fact]
    public async Task The_system_status_the_meter_pool_and_resume_answer_operators()
    {
        using var http = OperatorHttp.Client(fixture.Host.BaseAddress);
        var status = await (await http.GetAsync("/v1/operator/system")).JsonAsync();
        Assert.False(status.GetProperty("stopped").GetBoolean());

        var deadline = DateTime.UtcNow.AddSeconds(60);
        System.Text.Json.JsonElement pool;
        do
        {
            pool = await (await http.GetAsync("/v1/operator/meters/pool")).JsonAsync();
            if (pool.GetProperty("ready").GetInt32() > 0) break;
            await Task.Delay(250);
        } while (DateTime.UtcNow < deadline);
        Assert.True(pool.GetProperty("ready").GetInt32() > 0, "the meter pool never filled");
        Assert.True(pool.GetProperty("target").GetInt32() >= pool.GetProperty("ready").GetInt32());

        using var resumed = await http.PostAsync("/v1/operator/system/resume", null);
        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.False((await resumed.JsonAsync()).GetProperty("stopped").GetBoolean());

        using var anonymous = Anonymous();
        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.PostAsync("/v1/operator/system/resume", null)).StatusCode);
    }
}
