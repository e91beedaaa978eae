using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;
using Orleans.Configuration;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Host.Tests.Fixtures;
using VbiOrleans.Testing;

namespace VbiOrleans.Host.Tests.Durability;

/// <summary>
/// The durability tests run one at a time and after the rest of the suite: each drives a host as hard as this 2-core
/// machine allows, and its timings mean nothing with another load beside it.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class DurabilityCollection
{
    public const string Name = "Durability (one at a time)";
}

/// <summary>
/// A Cluster-profile host on a scratch database of its own (all four stores, and so the transaction log, in it), with
/// the shared SoftHSM2 token. The host can be SIGKILLed and started again on the same database and cluster id.
/// </summary>
public sealed class DurabilityCluster : IAsyncDisposable
{
    private readonly Dictionary<string, string?> _environment;

    private DurabilityCluster(string database, string clusterId, Dictionary<string, string?> environment)
    {
        Database = database;
        ClusterId = clusterId;
        _environment = environment;
    }

    public string Database { get; }
    public string ClusterId { get; }
    public HostProcess Host { get; private set; } = null!;

    /// <summary>Creates the scratch database and starts the first host on it (the schema is applied on start).</summary>
    public static async Task<DurabilityCluster> StartAsync(string prefix, IReadOnlyDictionary<string, string?>? settings = null)
    {
        var database = await LocalServices.CreateScratchDatabaseAsync(prefix);
        var clusterId = prefix.Replace('_', '-') + "-" + Guid.NewGuid().ToString("N")[..8];
        var environment = HostEnvironment.Cluster(clusterId, HostEnvironment.AllStoresIn(database));
        environment["Vbi__Database__InitializeOnStart"] = "true";
        // Prints here come from one operator at one address, far above the per-client limits a customer has.
        environment["Vbi__Api__RateLimit__Enabled"] = "false";
        // A silo joining validates its connectivity to every silo the table lists as active, and a SIGKILLed one stays
        // listed until its IAmAlive is 3 periods old: 90 s by default, 15 s here.
        environment["Vbi__Cluster__Membership__IAmAliveTablePublishTimeout"] = "00:00:05";
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>()) environment[key] = value;
        var cluster = new DurabilityCluster(database, clusterId, environment);
        await cluster.StartHostAsync();
        return cluster;
    }

    /// <summary>Starts a host (new HTTP, silo and gateway ports; same database and cluster id) and waits until it is ready.</summary>
    public async Task StartHostAsync()
    {
        _environment["Vbi__Cluster__SiloPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        _environment["Vbi__Cluster__GatewayPort"] = FreePorts.Next().ToString(CultureInfo.InvariantCulture);
        Host = HostProcess.Start(_environment);
        await Host.WaitUntilReadyAsync(TimeSpan.FromSeconds(150));
    }

    /// <summary>
    /// Brings <paramref name="count"/> meters to life through an Orleans client on the cluster (provisioned, licensed,
    /// activated, one postage value download of <paramref name="fundMills"/>); the client is stopped before returning.
    /// </summary>
    public async Task<IReadOnlyList<string>> FundedMetersAsync(int count, long fundMills)
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Logging.ClearProviders();
        builder.UseOrleansClient(client =>
        {
            client.UseAdoNetClustering(o =>
            {
                o.Invariant = "Npgsql";
                o.ConnectionString = LocalServices.ConnectionString(Database);
            });
            client.Configure<ClusterOptions>(o =>
            {
                o.ClusterId = ClusterId;
                o.ServiceId = ClusterId;
            });
        });
        using var client = builder.Build();
        await client.StartAsync();
        try
        {
            var grains = client.Services.GetRequiredService<IClusterClient>();
            var meters = new string[count];
            using var gate = new SemaphoreSlim(4);
            await Task.WhenAll(Enumerable.Range(0, count).Select(async i =>
            {
                await gate.WaitAsync();
                try
                {
                    var meterId = Domain.Meters.MeterId.New().Value;
                    var meter = grains.GetGrain<IMeterGrain>(meterId);
                    Ok(await meter.Provision());
                    Ok(await meter.Execute(Key(), new LicenseCommand("10001")));
                    Ok(await meter.Execute(Key(), new ActivateCommand(new byte[32], new byte[48])));
                    Ok(await meter.Execute(Key(), new PostageValueDownloadCommand(fundMills, "pay-" + Key())));
                    meters[i] = meterId;
                }
                finally
                {
                    gate.Release();
                }
            }));
            return meters;
        }
        finally
        {
            await client.StopAsync();
        }
    }

    /// <summary>The transaction log's rows in the module store (this database): (meter, kind, public payload) in arrival order.</summary>
    public async Task<List<(string MeterId, short Kind, byte[] PublicPayload)>> LogRowsAsync() =>
        [.. (await LocalServices.RowsAsync(Database, "SELECT meter_id, kind, public_payload FROM vbi_log ORDER BY id"))
            .Select(r => ((string)r[0]!, (short)r[1]!, (byte[])r[2]!))];

    public static string Key() => Guid.NewGuid().ToString("N");

    private static void Ok(MeterResult result) => Assert.True(result.IsSuccess, $"setting up a meter: {result.Error}: {result.Message}");

    /// <summary>Stops the host; the scratch database is dropped only when <paramref name="dropDatabase"/> (a passing test).</summary>
    public async Task StopAsync(bool dropDatabase)
    {
        await Host.DisposeAsync();
        if (!dropDatabase) return;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(LocalServices.ConnectionString("postgres"));
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Database}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync() => await Host.DisposeAsync();
}

/// <summary>What became of one print request, as its client saw it.</summary>
public enum PrintOutcome
{
    /// <summary>200 with an indicium: the server said it is printed.</summary>
    Acknowledged,

    /// <summary>A 4xx answer: the server said it did not print (none is expected in these tests).</summary>
    Refused,

    /// <summary>No answer, or a 5xx: the client cannot tell whether it printed.</summary>
    Unknown,
}

public sealed record PrintAttempt(
    string MeterId,
    string Key,
    long PostageMills,
    DateTimeOffset SentAt,
    DateTimeOffset AnsweredAt,
    PrintOutcome Outcome,
    string? IndiciumId,
    byte[]? Indicium,
    string? Detail);

/// <summary>Prints over HTTP (POST /v1/meters/{id}/prints with an Idempotency-Key) and classifies the outcome.</summary>
public sealed class PrintClient(Uri baseAddress) : IDisposable
{
    private readonly HttpClient _http = Client(baseAddress);

    private static HttpClient Client(Uri baseAddress)
    {
        var http = OperatorHttp.Client(baseAddress);
        http.Timeout = TimeSpan.FromSeconds(30);
        return http;
    }

    public async Task<PrintAttempt> PrintAsync(string meterId, string key, long postageMills)
    {
        var sentAt = DateTimeOffset.UtcNow;
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, $"/v1/meters/{meterId}/prints")
            {
                Content = JsonContent.Create(new { postageMills, destinationZip = "94103", mailClass = "FIRST-CLASS", label = new { format = "svg" } }),
            };
            request.Headers.Add("Idempotency-Key", key);
            using var response = await _http.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var answeredAt = DateTimeOffset.UtcNow;
            if (response.StatusCode == HttpStatusCode.OK)
            {
                var body = JsonDocument.Parse(text).RootElement;
                return new PrintAttempt(meterId, key, postageMills, sentAt, answeredAt, PrintOutcome.Acknowledged,
                    body.GetProperty("indiciumId").GetString(), Convert.FromBase64String(body.GetProperty("indicium").GetString()!), null);
            }
            var outcome = (int)response.StatusCode is >= 400 and < 500 ? PrintOutcome.Refused : PrintOutcome.Unknown;
            return new PrintAttempt(meterId, key, postageMills, sentAt, answeredAt, outcome, null, null, $"{(int)response.StatusCode}: {text}");
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException or IOException or JsonException)
        {
            return new PrintAttempt(meterId, key, postageMills, sentAt, DateTimeOffset.UtcNow, PrintOutcome.Unknown, null, null,
                $"{e.GetType().Name}: {e.Message}");
        }
    }

    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await _http.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    public async Task<JsonElement> PostJsonAsync(string path, object? body)
    {
        using var response = body is null ? await _http.PostAsync(path, null) : await _http.PostAsJsonAsync(path, body);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"POST {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>POST /v1/indicia/verify: the verdict on an indicium's bytes.</summary>
    public Task<JsonElement> VerifyAsync(byte[] indicium) => PostJsonAsync("/v1/indicia/verify", new { indicium = Convert.ToBase64String(indicium) });

    public void Dispose() => _http.Dispose();
}
