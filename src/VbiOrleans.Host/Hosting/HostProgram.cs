using System.Security.Cryptography;
using System.Text.Json;
using Azure.Storage.Blobs;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Orleans.Dashboard;
using VbiOrleans.Grains.Archive;
using VbiOrleans.Grains.Modules;
using VbiOrleans.Hsm;
using VbiOrleans.Host.Api;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Host.Shards;
using VbiOrleans.Host.Database;
using VbiOrleans.Host.Health;
using VbiOrleans.Host.Portal;
using VbiOrleans.Host.Security;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Grains.Shards;

namespace VbiOrleans.Host.Hosting;

/// <summary>
/// The one host process: an Orleans silo and the HTTP API. <c>VbiOrleans.Host [--urls URL]</c> runs it;
/// <c>VbiOrleans.Host init-db</c> applies the schema to the four stores and exits.
/// </summary>
public static class HostProgram
{
    public const string DefaultUrl = "http://127.0.0.1:5080";

    /// <summary>Exit codes: 0 done, 2 configuration refused, 3 a dependency (PostgreSQL) unusable.</summary>
    public const int ExitConfiguration = 2;
    public const int ExitDependency = 3;

    public static async Task<int> RunAsync(string[] args)
    {
        var initDb = args.Length > 0 && args[0] == "init-db";
        var builder = WebApplication.CreateBuilder(initDb ? args[1..] : args);
        DefaultLogLevels.AddTo(builder.Configuration);

        VbiOptions options;
        try
        {
            options = builder.Configuration.GetSection(VbiOptions.Section).Get<VbiOptions>() ?? new VbiOptions();
        }
        catch (InvalidOperationException e)
        {
            return Refuse(ExitConfiguration, $"configuration section Vbi is invalid: {e.InnerException?.Message ?? e.Message} (Vbi:Profile is Local or Cluster)");
        }

        try
        {
            _ = Api.ClientVersionPolicy.From(builder.Configuration); // the API reads it again; a bad value is refused here, by name
            (builder.Configuration.GetSection(Domain.Shipping.ShippingOptions.Section).Get<Domain.Shipping.ShippingOptions>() ?? new()).Validate();
        }
        catch (InvalidOperationException e)
        {
            return Refuse(ExitConfiguration, e.Message);
        }

        try
        {
            _ = SiloSetup.AdvertisedAddress(options.Cluster.AdvertisedIp);
        }
        catch (Exception e) when (e is FormatException or InvalidOperationException)
        {
            return Refuse(ExitConfiguration, $"Vbi:Cluster:AdvertisedIp '{options.Cluster.AdvertisedIp}' is not usable ({e.Message}); give an IP address or 'auto'");
        }

        StoreConnections? connections = null;
        if (options.Profile == HostProfile.Cluster || initDb)
        {
            connections = StoreConnections.Read(builder.Configuration, out var error);
            if (connections is null) return Refuse(ExitConfiguration, error!);
        }

        IHsm hsm;
        try
        {
            hsm = HsmFactory.Create(options);
        }
        catch (ArgumentException e)
        {
            return Refuse(ExitConfiguration, e.Message);
        }

        if (initDb)
        {
            try
            {
                await SchemaInstaller.ApplyAsync(connections!, line => Console.WriteLine($"init-db: {line}"), CancellationToken.None);
                // The shard map's databases, when a map is set (docs/scaling.md).
                var (_, shardFailure) = await Shards.ShardStartup.LoadAsync(connections!, builder.Configuration, applySchema: true,
                    options.Database.ConnectTimeoutSeconds, line => Console.WriteLine($"init-db: {line}"), CancellationToken.None);
                if (shardFailure is not null) return Refuse(ExitDependency, $"init-db: {shardFailure}");
                if (hsm is not InMemoryHsm)
                {
                    await PrepareModuleKeysAsync(hsm, connections!);
                    Console.WriteLine($"init-db: module keys ready in {hsm.Name}");
                }
                return 0;
            }
            catch (HsmException e)
            {
                return Refuse(ExitDependency, $"init-db could not prepare the module keys in {hsm.Name}: {e.Message}");
            }
            catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
            {
                return Refuse(ExitDependency, $"init-db failed: {e.Message.ReplaceLineEndings(" ")}");
            }
        }

        if (options.Profile == HostProfile.Cluster)
        {
            if (options.Database.InitializeOnStart)
            {
                try
                {
                    await SchemaInstaller.ApplyAsync(connections!, _ => { }, CancellationToken.None);
                    if (hsm is not InMemoryHsm) await PrepareModuleKeysAsync(hsm, connections!);
                }
                catch (Exception e) when (e is Npgsql.NpgsqlException or TimeoutException)
                {
                    // Nothing to say here: the store check below names the unreachable store and its setting.
                }
                catch (HsmException e)
                {
                    return Refuse(ExitDependency, $"the module keys could not be prepared in {hsm.Name}: {e.Message}; check the Vbi:Hsm settings");
                }
            }
            var failure = await StartupChecks.CheckStoresAsync(connections!, options, CancellationToken.None);
            if (failure is not null) return Refuse(ExitDependency, failure);
            // The shard map, if one is set: the postal and module stores route by it from this start on (docs/scaling.md).
            var (shards, shardFailure) = await Shards.ShardStartup.LoadAsync(connections!, builder.Configuration, options.Database.InitializeOnStart,
                options.Database.ConnectTimeoutSeconds, _ => { }, CancellationToken.None);
            if (shardFailure is not null) return Refuse(ExitDependency, shardFailure);
            connections = connections!.WithShards(shards);
        }

        var operators = LoadOperators(options, out var operatorError, out var generatedKeyPath);
        if (operators is null) return Refuse(ExitConfiguration, operatorError!);

        var pdfLicense = LicensePdfLabels(options.Labels);
        if (pdfLicense is not null) return Refuse(ExitConfiguration, pdfLicense);

        IArchiveStore archive;
        try
        {
            archive = CreateArchive(options, builder.Configuration);
        }
        catch (ArgumentException e)
        {
            return Refuse(ExitConfiguration, e.Message);
        }
        if (options.Profile == HostProfile.Cluster && await StartupChecks.CheckLogAgainstArchiveAsync(connections!, archive, CancellationToken.None) is { } lost)
        {
            return Refuse(ExitDependency, lost);
        }

        try
        {
            Configure(builder, options, connections, operators, archive, hsm);
        }
        catch (ArgumentException e) // a setting read while the services are composed (the portal's, for one): named in the message
        {
            return Refuse(ExitConfiguration, e.Message);
        }
        var app = builder.Build();
        MapEndpoints(app);

        var startupLog = app.Services.GetRequiredService<ILoggerFactory>().CreateLogger("VbiOrleans.Host");
        if (options.Profile == HostProfile.Local)
        {
            startupLog.LogWarning(
                "Profile Local: nothing is durable. Grain state, reminders and HSM keys live in this process's memory and are lost when it stops; use Vbi:Profile=Cluster for PostgreSQL persistence.");
        }
        else
        {
            startupLog.LogInformation("Profile Cluster: cluster {ClusterId}, stores {Stores}",
                options.Cluster.ClusterId, string.Join(", ", connections!.All.Select(c => $"{c.Key}={StoreConnections.Describe(c.Value)}")));
            if (connections.Shards is { } routing)
                startupLog.LogInformation("Shard map version {Version}: {Buckets} buckets over postal databases {Postal} and module databases {Module}",
                    routing.Map.Version, routing.Map.Buckets, string.Join(", ", routing.Map.DatabasesOf(Domain.Shards.ShardMap.PostalStore).Select(d => d.Name)),
                    string.Join(", ", routing.Map.DatabasesOf(Domain.Shards.ShardMap.ModuleStore).Select(d => d.Name)));
        }
        if (generatedKeyPath is not null)
        {
            startupLog.LogInformation("Operator credential for the Local profile: user 'operator', key in {KeyFile}", generatedKeyPath);
        }
        startupLog.LogInformation("Archive: {Archive}; HSM: {Hsm}", archive.Description, hsm.Name);
        var mailer = app.Services.GetRequiredService<VbiOrleans.Mail.IMailSender>();
        if (mailer is VbiOrleans.Mail.FolderMailSender)
            startupLog.LogWarning("Mail: no SMTP server configured (Vbi:Mail:Host); invoices are written as .eml files to {Destination}", mailer.Destination);
        else
            startupLog.LogInformation("Mail: invoices are sent to {Destination}", mailer.Destination);
        var destinations = app.Services.GetRequiredService<Microsoft.Extensions.Options.IOptions<VbiOrleans.Grains.Partners.WebhookDestinationOptions>>().Value;
        if (destinations.AllowLoopback == true || destinations.AllowedHosts.Count > 0)
        {
            startupLog.LogInformation("Webhooks may go, besides public addresses, to {Destinations} (Vbi:Webhooks:AllowLoopback, Vbi:Webhooks:AllowedHosts)",
                string.Join(", ", (destinations.AllowLoopback == true ? ["loopback"] : Array.Empty<string>()).Concat(destinations.AllowedHosts)));
        }

        // The one start-up line that says where to reach the host (ASP.NET Core's own lines are below Warning).
        app.Lifetime.ApplicationStarted.Register(() => startupLog.LogInformation("Listening on {Urls}; silo port {SiloPort}, gateway port {GatewayPort}",
            string.Join(", ", app.Urls), options.Cluster.SiloPort, options.Cluster.GatewayPort));
        await app.RunAsync();
        return 0;
    }

    /// <summary>
    /// Module keys are made once, before silos start, so silos only ever find them. A PostgreSQL advisory lock on the
    /// membership database serializes this across processes: two init-db runs never both create the same label.
    /// </summary>
    private static Task PrepareModuleKeysAsync(IHsm hsm, StoreConnections connections) =>
        SchemaInstaller.WithLockAsync(connections[VbiOrleans.Abstractions.StorageNames.Membership],
            () => new ModuleCrypto(hsm, Microsoft.Extensions.Logging.Abstractions.NullLogger<ModuleCrypto>.Instance).PrepareKeysAsync());

    private static int Refuse(int exitCode, string line)
    {
        Console.Error.WriteLine($"VbiOrleans.Host: cannot start: {line}");
        return exitCode;
    }

    private static void Configure(WebApplicationBuilder builder, VbiOptions options, StoreConnections? connections,
        OperatorDirectory operators, IArchiveStore archive, IHsm hsm)
    {
        if (string.IsNullOrEmpty(builder.Configuration[WebHostDefaults.ServerUrlsKey]))
        {
            builder.WebHost.UseUrls(DefaultUrl);
        }
        builder.WebHost.ConfigureKestrel(k => k.Limits.MaxRequestBodySize = 1 << 20);

        builder.Logging.ClearProviders();
        if (options.Telemetry.JsonLogs) builder.Logging.AddJsonConsole(o => o.UseUtcTimestamp = true);
        else builder.Logging.AddSimpleConsole(o => { o.SingleLine = true; o.UseUtcTimestamp = true; o.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ "; });

        builder.Services.AddSingleton(hsm);
        builder.UseOrleans(silo => SiloSetup.Configure(silo, options, connections, builder.Configuration));

        var services = builder.Services;
        services.AddSingleton(options);
        services.AddSingleton(operators);
        services.AddSingleton(archive);
        if (connections is not null) services.AddSingleton(connections);
        // The shard map (docs/scaling.md): kept in the membership database; the Local profile keeps it in memory and never routes by it.
        services.AddSingleton<Shards.IShardMapStore>(connections is null
            ? new Shards.MemoryShardMapStore()
            : new Shards.PostgresShardMapStore(connections[VbiOrleans.Abstractions.StorageNames.Membership]));
        // With a map, each silo follows its versions while it runs (Shards/LiveShardMap.cs) and can drive moves (Shards/ShardMover.cs).
        services.AddSingleton(provider => new Shards.ActiveShardMap(() => provider.GetService<Shards.LiveShardMap>()?.Map ?? connections?.Shards?.Map));
        services.AddOptions<SiloLossRetryOptions>().BindConfiguration(SiloLossRetryOptions.Section);

        services.AddAuthentication(OperatorAuthenticationHandler.SchemeName)
            .AddScheme<Microsoft.AspNetCore.Authentication.AuthenticationSchemeOptions, OperatorAuthenticationHandler>(OperatorAuthenticationHandler.SchemeName, null);
        services.AddAuthorizationBuilder()
            .AddPolicy(OperatorAuthenticationHandler.Policy, p => p.RequireRole(OperatorAuthenticationHandler.Role));
        services.AddVbiApi(builder.Configuration); // customers, partners, strict JSON, rate limiting (Api/ApiSetup.cs)
        services.AddVbiPortal(builder.Configuration, options, connections); // the web portal's pages, sessions and antiforgery (Portal/PortalSetup.cs)

        services.AddProblemDetails();
        services.AddOpenApi();

        var health = services.AddHealthChecks()
            .AddCheck<SiloActiveCheck>("silo", tags: ["ready"])
            .AddCheck<ArchiveCheck>("archive", tags: ["ready"])
            .AddCheck<LogFeedCheck>("log-feed", tags: ["ready"]);
        if (connections is not null) health.AddCheck<PostgresCheck>("postgresql", tags: ["ready"]);
        if (connections?.Shards is { } shards)
        {
            services.AddSingleton(shards);
            health.AddCheck<ShardHealthCheck>("shards", tags: ["ready"]);
        }

        services.AddVbiTelemetry(options.Telemetry, options.Cluster.SiloName ?? Environment.MachineName);
    }

    /// <summary>Loads the PDFsharp license the deployment chose (Vbi:Labels:PdfLicense); a problem is one line naming the setting.</summary>
    private static string? LicensePdfLabels(LabelSettings labels)
    {
        if (labels.PdfLicense == PdfLicense.Agpl)
        {
            PdfSharp.PdfSharpLicense.SetAgplLicense();
            return null;
        }
        if (string.IsNullOrWhiteSpace(labels.PdfLicenseKeyFile) || !File.Exists(labels.PdfLicenseKeyFile))
            return "Vbi:Labels:PdfLicenseKeyFile must name the file holding the commercial PDFsharp license key when Vbi:Labels:PdfLicense is Commercial";
        try
        {
            PdfSharp.PdfSharpLicense.LoadLicense(File.ReadAllText(labels.PdfLicenseKeyFile).Trim());
            return null;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return $"Vbi:Labels:PdfLicenseKeyFile: the PDFsharp license key was refused ({e.GetType().Name})";
        }
    }

    private static void MapEndpoints(WebApplication app)
    {
        app.UseVbiForwardedHeaders(); // first: a trusted proxy's scheme and client address (Portal/PortalSetup.cs)
        app.UseExceptionHandler(error => error.Run(context =>
            ShardUnavailableException.Find(context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error) is { } shard
                ? ShardUnavailableResponse.Write(context, shard)
            : Shards.ShardBucketMovingException.In(context.Features.Get<Microsoft.AspNetCore.Diagnostics.IExceptionHandlerFeature>()?.Error) is { } moving
                // A meter whose bucket is moving waited its bound: nothing was acknowledged, and a retry soon lands on the new database.
                ? Problems.Write(context, StatusCodes.Status503ServiceUnavailable, ErrorCode.ShardBucketMoving, moving.Message)
                : Problems.Write(context, StatusCodes.Status500InternalServerError, ErrorCode.Internal,
                    "The request failed inside the server; nothing was acknowledged. Retry with the same idempotency key.")));
        app.UseStatusCodePages(async status =>
        {
            var response = status.HttpContext.Response;
            if (response.HasStarted || response.ContentLength > 0 || response.ContentType is not null) return;
            var code = response.StatusCode switch
            {
                StatusCodes.Status404NotFound => ErrorCode.NotFound,
                StatusCodes.Status413PayloadTooLarge => ErrorCode.RequestTooLarge,
                StatusCodes.Status415UnsupportedMediaType => ErrorCode.UnsupportedMediaType,
                StatusCodes.Status400BadRequest => ErrorCode.ValidationFailed,
                _ => ErrorCode.Internal,
            };
            await Problems.Write(status.HttpContext, response.StatusCode, code, $"HTTP {response.StatusCode} for {status.HttpContext.Request.Path}");
        });
        app.UseAuthentication();
        app.UseVbiApi(); // per-client rate limiting and the operator audit log, before authorization
        app.UseAuthorization();
        app.UseSiloLossRetry(); // idempotent requests whose grain's silo died are tried again (Api/SiloLossRetry.cs)
        app.UseVbiPortal(); // security headers, the operator audit of portal pages, antiforgery (Portal/PortalSetup.cs)

        app.MapHealthChecks("/health/live", new HealthCheckOptions { Predicate = _ => false, ResponseWriter = WriteHealth });
        app.MapHealthChecks("/health/ready", new HealthCheckOptions { Predicate = c => c.Tags.Contains("ready"), ResponseWriter = WriteHealth });
        app.MapOpenApi("/openapi/{documentName}.json");
        app.MapModuleEndpoints();
        app.MapMeterOperatorEndpoints();
        app.MapIndiciumEndpoints();
        app.MapProviderEndpoints();
        app.MapLabelEndpoints();
        app.MapPrinterEndpoints();
        app.MapVbiApi();
        app.MapLogEndpoints();
        app.MapShardEndpoints();
        app.MapAchEndpoints();
        app.MapAchCustomerEndpoints();
        app.MapOrleansDashboard("/dashboard").RequireAuthorization(OperatorAuthenticationHandler.Policy);
        app.MapVbiPortal(); // the pages at / (docs/portal.md)
        app.CheckIdempotentEndpoints();
    }

    private static Task WriteHealth(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json";
        var body = new
        {
            status = report.Status.ToString(),
            checks = report.Entries.ToDictionary(e => e.Key, e => new
            {
                status = e.Value.Status.ToString(),
                description = e.Value.Description,
                data = e.Value.Data.Count > 0 ? e.Value.Data : null,
            }),
        };
        return context.Response.WriteAsync(JsonSerializer.Serialize(body));
    }

    /// <summary>
    /// The configured operators. In the Local profile with none configured, a key is generated once into the
    /// data directory (mode 600) so the dashboard and operator endpoints are never anonymous.
    /// </summary>
    private static OperatorDirectory? LoadOperators(VbiOptions options, out string? error, out string? generatedKeyPath)
    {
        error = null;
        generatedKeyPath = null;
        var list = new List<(string, byte[])>();
        for (var i = 0; i < options.Operators.Count; i++)
        {
            var op = options.Operators[i];
            byte[] hash;
            try
            {
                hash = Convert.FromHexString(op.KeySha256);
            }
            catch (FormatException)
            {
                hash = [];
            }
            if (string.IsNullOrWhiteSpace(op.Name) || hash.Length != 32)
            {
                error = $"Vbi:Operators:{i} needs a Name and a KeySha256 of 64 hex digits (the SHA-256 of the operator's key)";
                return null;
            }
            list.Add((op.Name, hash));
        }
        if (list.Count == 0)
        {
            if (options.Profile == HostProfile.Cluster)
            {
                error = "no operator credential is configured; set Vbi:Operators:0:Name and Vbi:Operators:0:KeySha256 (environment Vbi__Operators__0__Name, Vbi__Operators__0__KeySha256)";
                return null;
            }
            Directory.CreateDirectory(options.DataDirectory);
            generatedKeyPath = Path.GetFullPath(Path.Combine(options.DataDirectory, "operator.key"));
            if (!File.Exists(generatedKeyPath))
            {
                var key = Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');
                File.WriteAllText(generatedKeyPath, key + "\n");
                if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(generatedKeyPath, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }
            list.Add(("operator", OperatorDirectory.HashKey(File.ReadAllText(generatedKeyPath).Trim())));
        }
        return new OperatorDirectory(list);
    }

    /// <summary>
    /// The Local profile keeps its log and keys in memory, so the default archive folder of an earlier run belongs to
    /// a log that is gone; shipping the new log over it would conflict with every object. It is moved aside, kept.
    /// </summary>
    private static void SetPreviousLocalArchiveAside(string dataDirectory)
    {
        var folder = Path.GetFullPath(Path.Combine(dataDirectory, "archive"));
        if (!Directory.Exists(folder) || !Directory.EnumerateFileSystemEntries(folder).Any()) return;
        var aside = Path.Combine(Path.GetFullPath(dataDirectory), "archive-previous", DateTime.UtcNow.ToString("yyyyMMdd'T'HHmmssfff'Z'", System.Globalization.CultureInfo.InvariantCulture));
        Directory.CreateDirectory(Path.GetDirectoryName(aside)!);
        Directory.Move(folder, aside);
        Console.WriteLine($"Local profile: the archive of an earlier run was moved to {aside}");
    }

    /// <summary>
    /// The archive the configuration names: a folder, or a blob container reached by connection string (Azurite) or
    /// by its account's https endpoint with the managed identity (Azure). Throws ArgumentException naming the setting.
    /// </summary>
    public static IArchiveStore CreateArchive(VbiOptions options, IConfiguration configuration)
    {
        var kind = options.Archive.Kind ?? (options.Profile == HostProfile.Local ? ArchiveKind.Folder : ArchiveKind.Blob);
        if (kind == ArchiveKind.Folder)
        {
            if (options.Archive.Folder is null && options.Profile == HostProfile.Local) SetPreviousLocalArchiveAside(options.DataDirectory);
            return new FolderArchiveStore(Path.GetFullPath(options.Archive.Folder ?? Path.Combine(options.DataDirectory, "archive")));
        }
        var connectionString = configuration.GetConnectionString("archive");
        if (string.IsNullOrWhiteSpace(connectionString))
        {
            throw new ArgumentException("ConnectionStrings:archive is not set; give it an Azure Storage connection string or an https blob endpoint (environment ConnectionStrings__archive), or set Vbi:Archive:Kind=Folder");
        }
        // Few, short retries: the log sealer retries a failed ship on its next tick anyway, and a long client-side retry
        // loop would hold the sealer (and its status) for half a minute while the archive is down.
        var client = new Azure.Storage.Blobs.BlobClientOptions();
        client.Retry.MaxRetries = 2;
        client.Retry.Delay = TimeSpan.FromMilliseconds(200);
        client.Retry.MaxDelay = TimeSpan.FromSeconds(1);
        client.Retry.NetworkTimeout = TimeSpan.FromSeconds(10);
        // In Azure the archive's account takes no shared keys (bicep/): a bare https blob endpoint
        // (https://account.blob.core.windows.net/) means the managed identity, through DefaultAzureCredential.
        var container = Uri.TryCreate(connectionString, UriKind.Absolute, out var endpoint) && endpoint.Scheme == Uri.UriSchemeHttps
            ? new BlobContainerClient(new Uri(endpoint, options.Archive.Container), new Azure.Identity.DefaultAzureCredential(), client)
            : new BlobContainerClient(connectionString, options.Archive.Container, client);
        return new BlobArchiveStore(container);
    }
}
