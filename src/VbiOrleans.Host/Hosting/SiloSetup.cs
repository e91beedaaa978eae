using System.Net;
using Orleans.Configuration;
using Orleans.Serialization;
using Orleans.Storage;
using Orleans.Runtime.Hosting;
using Orleans.Dashboard;
using Microsoft.Extensions.DependencyInjection.Extensions;
using VbiOrleans.Abstractions;
using VbiOrleans.Grains.Log.Feed;
using VbiOrleans.Grains.Modules;
using VbiOrleans.Grains.Provider;
using VbiOrleans.Abstractions.Provider;
using VbiOrleans.PostalAuthority;
using VbiOrleans.Hsm;
using VbiOrleans.Host.Configuration;

namespace VbiOrleans.Host.Hosting;

/// <summary>How a silo is composed for each profile. The host and the TestingHost clusters both use this.</summary>
public static class SiloSetup
{
    public const string AdoNetInvariant = "Npgsql";

    public static void Configure(ISiloBuilder silo, VbiOptions options, StoreConnections? connections, IConfiguration configuration)
    {
        var cluster = options.Cluster;
        silo.Configure<ClusterOptions>(o =>
        {
            o.ClusterId = cluster.ClusterId;
            o.ServiceId = cluster.ServiceId;
        });
        if (!string.IsNullOrWhiteSpace(cluster.SiloName)) silo.Configure<SiloOptions>(o => o.SiloName = cluster.SiloName);
        ConfigureMembership(silo, configuration);

        if (options.Profile == HostProfile.Local)
        {
            silo.UseLocalhostClustering(cluster.SiloPort, cluster.GatewayPort, serviceId: cluster.ServiceId, clusterId: cluster.ClusterId);
            foreach (var store in StorageNames.All)
                silo.Services.AddGrainStorage(store, (services, name) => new LocalGrainStorage(name, services.GetRequiredService<DeepCopier>()));
            silo.UseInMemoryReminderService();
            // A Local host's partners are the developer's own receivers on this machine.
            silo.Services.PostConfigure<VbiOrleans.Grains.Partners.WebhookDestinationOptions>(o => o.AllowLoopback ??= true);
            // The postal authority is a folder beside the other local data, and approves licences at once.
            silo.Services.PostConfigure<ProviderOptions>(o => o.Licensing.ApproveAtOnce ??= true);
        }
        else
        {
            ArgumentNullException.ThrowIfNull(connections);
            // The transaction log lives in the module store's database, beside module memory; with a shard map each module
            // database of the map keeps its own log too, beside its meters' module memory (docs/transaction-log.md, "Several logs").
            silo.Services.AddSingleton<VbiOrleans.Grains.Log.ILogStore>(new VbiOrleans.Grains.Log.PostgresLogStore(ForProviders(connections[StorageNames.Module])));
            if (connections.Shards is { } shards)
            {
                silo.Services.AddSingleton(new VbiOrleans.Grains.Log.LogShards(shards.Map,
                    shards.Map.DatabasesOf(VbiOrleans.Domain.Shards.ShardMap.ModuleStore).ToDictionary(d => d.Name,
                        d => (VbiOrleans.Grains.Log.ILogStore)new VbiOrleans.Grains.Log.PostgresLogStore(ForProviders(shards.ConnectionString(d.Name))))));
                // The map's later versions while the silo runs, and moves of buckets (docs/scaling.md, "Moves").
                silo.Services.AddSingleton(services => new VbiOrleans.Host.Shards.LiveShardMap(shards, connections[StorageNames.Membership], configuration,
                    services.GetRequiredService<ILogger<VbiOrleans.Host.Shards.LiveShardMap>>()));
                silo.Services.AddHostedService(services => services.GetRequiredService<VbiOrleans.Host.Shards.LiveShardMap>());
                silo.Services.AddSingleton<VbiOrleans.Grains.Log.ILiveLogRouting>(services => services.GetRequiredService<VbiOrleans.Host.Shards.LiveShardMap>());
                silo.Services.AddSingleton(services => new VbiOrleans.Host.Shards.ShardMover(connections[StorageNames.Membership],
                    services.GetRequiredService<VbiOrleans.Host.Shards.LiveShardMap>(), services.GetRequiredService<VbiOrleans.Host.Shards.IShardMapStore>(), configuration,
                    services.GetRequiredService<IGrainFactory>(), services.GetRequiredService<ILogger<VbiOrleans.Host.Shards.ShardMover>>()));
                // A write that waited out a move fails with ShardBucketMovingException, which the API answers 503: it must keep
                // its type when the grain that wrote is on another silo than the request's host (Orleans serializes exceptions
                // of other namespaces than System's and Microsoft's as a fallback type).
                silo.Services.Configure<Orleans.Serialization.ExceptionSerializationOptions>(o =>
                {
                    var supported = o.SupportedExceptionTypeFilter;
                    o.SupportedExceptionTypeFilter = type => type == typeof(VbiOrleans.Host.Shards.ShardBucketMovingException) || (supported?.Invoke(type) ?? false);
                });
                // Once the silo runs: it records the version it routes by under its address, and looks for a move to carry on.
                silo.AddStartupTask((services, _) =>
                {
                    var live = services.GetRequiredService<VbiOrleans.Host.Shards.LiveShardMap>();
                    live.SiloName = services.GetRequiredService<ILocalSiloDetails>().SiloAddress.ToParsableString();
                    live.Poll = services.GetRequiredService<VbiOrleans.Host.Shards.ShardMover>().PollAsync;
                    return Task.CompletedTask;
                });
            }
            // The ledger lives in the commerce store's database (infra/sql/52-ledger.sql).
            silo.Services.AddSingleton<VbiOrleans.Grains.Commerce.ILedgerStore>(new VbiOrleans.Grains.Commerce.PostgresLedgerStore(ForProviders(connections[StorageNames.Commerce])));
            // The export's by-day index of purchases and invoices, beside their grain state (infra/sql/58-export-index.sql).
            silo.Services.AddSingleton<VbiOrleans.Grains.Log.Export.IExportDayIndex>(new VbiOrleans.Grains.Log.Export.PostgresExportDayIndex(ForProviders(connections[StorageNames.Commerce])));
            silo.Services.AddSingleton(new VbiOrleans.Grains.Log.SnapshotSources(connections.All.ToDictionary(kv => kv.Key, kv => kv.Value),
                connections.Shards is { } mapped
                    ? new[] { StorageNames.Postal, StorageNames.Module }.SelectMany(store => mapped.Map.DatabasesOf(store)
                        .Select(d => (File: VbiOrleans.Grains.Log.StoreSnapshots.ShardFile(store, d.Name), Connection: mapped.ConnectionString(d.Name))))
                        .ToDictionary(f => f.File, f => f.Connection)
                    : null));
            silo.Services.AddSingleton<VbiOrleans.Grains.Commerce.Ach.IAchStore>(new VbiOrleans.Grains.Commerce.Ach.PostgresAchStore(ForProviders(connections[StorageNames.Commerce])));
            silo.Services.AddSingleton<VbiOrleans.Grains.Commerce.Cards.ICardChargeStore>(new VbiOrleans.Grains.Commerce.Cards.PostgresCardChargeStore(ForProviders(connections[StorageNames.Commerce])));
            silo.ConfigureEndpoints(AdvertisedAddress(cluster.AdvertisedIp), cluster.SiloPort, cluster.GatewayPort, listenOnAnyHostAddress: false);
            ConfigureAdoNet(silo, connections);
            silo.Services.AddSingleton<IProviderJournal>(new PostgresProviderJournal(ForProviders(connections[StorageNames.Commerce])));
            silo.Services.AddSingleton<IReconciliationStore>(new PostgresReconciliationStore(ForProviders(connections[StorageNames.Commerce])));
            // A meter is operational once the postal authority approves its licence.
            silo.Services.PostConfigure<ProviderOptions>(o => o.Licensing.ApproveAtOnce ??= false);
        }
        ConfigureProvider(silo, options, configuration);

        AddPaymentProvider(silo, options.Profile, configuration);
        AddVbiServices(silo);
        AddMail(silo, options);
        // The monthly invoice run's reminder is registered by its first activation.
        silo.AddStartupTask(async (services, _) => await services.GetRequiredService<IGrainFactory>().GetGrain<VbiOrleans.Abstractions.Commerce.IInvoiceRunGrain>(0).Schedule());
        // MeterGen's pool fills in the background from the moment a silo starts.
        silo.AddStartupTask(async (services, _) =>
            await services.GetRequiredService<IGrainFactory>().GetGrain<VbiOrleans.Abstractions.Meters.IMeterPoolGrain>(0).Status());
        // The daily snapshot's reminder is registered by its first activation.
        if (options.Profile == HostProfile.Cluster)
            silo.AddStartupTask(async (services, _) => await services.GetRequiredService<IGrainFactory>().GetGrain<VbiOrleans.Abstractions.Log.ISnapshotGrain>(0).Schedule());
        // Each log's sealer runs on its own timer from the first silo on; its reminder revives it if that silo dies.
        silo.AddStartupTask(async (services, _) =>
        {
            var grains = services.GetRequiredService<IGrainFactory>();
            foreach (var log in services.GetRequiredService<VbiOrleans.Grains.Log.TransactionLogs>().All)
                await grains.GetGrain<VbiOrleans.Abstractions.Log.ILogSealerGrain>(log.Name).Status();
        });
        // Each log feed consumer's reader, likewise: started by the first silo, revived by its reminder, and sooner by
        // every silo's keeper when its silo dies.
        silo.AddStartupTask(async (services, _) =>
            await services.GetRequiredService<IGrainFactory>().GetGrain<VbiOrleans.Abstractions.Log.ILogFeedDirectoryGrain>(0).Status());
        silo.Services.AddHostedService<LogFeedKeeper>();
        // The ACH job's reminder (the day's NACHA file, settlement, return files) is registered by its first activation.
        silo.AddStartupTask(async (services, _) =>
            await services.GetRequiredService<IGrainFactory>().GetGrain<VbiOrleans.Abstractions.Commerce.IAchOriginationGrain>(0).Schedule());
        // The dispute sweep's reminder (chargebacks) and card settlement's, likewise.
        silo.AddStartupTask(async (services, _) =>
            await services.GetRequiredService<IGrainFactory>().GetGrain<VbiOrleans.Abstractions.Commerce.IChargebackGrain>(0).Schedule());
        silo.AddStartupTask(async (services, _) =>
            await services.GetRequiredService<IGrainFactory>().GetGrain<VbiOrleans.Abstractions.Commerce.ICardSettlementGrain>(0).Schedule());
        // Trace context crosses grain calls only when traces are exported: the filters run on every call.
        if (options.Telemetry.Exporter != TelemetryExporter.None) silo.AddActivityPropagation();
        silo.AddDashboard(o => o.HideTrace = true);
    }

    /// <summary>
    /// The provider services (docs/provider-files.md): the postal authority's transport (a folder in the Local profile,
    /// SFTP in the Cluster profile once its host is set), and each service's reminder started by the first silo.
    /// Without a transport the services do not run; the journal still follows the log, so they start where it began.
    /// </summary>
    private static void ConfigureProvider(ISiloBuilder silo, VbiOptions options, IConfiguration configuration)
    {
        var settings = configuration.GetSection(ProviderOptions.Section).Get<ProviderOptions>() ?? new ProviderOptions();
        var transport = settings.Transport
            ?? (options.Profile == HostProfile.Local ? "Folder" : string.IsNullOrWhiteSpace(settings.Sftp.Host) ? null : "Sftp");
        var folder = Path.GetFullPath(settings.Folder ?? Path.Combine(options.DataDirectory, "postal-authority"));
        silo.Services.PostConfigure<ProviderOptions>(o =>
        {
            o.Transport = transport;
            o.Folder = folder;
        });
        if (transport == "Folder")
        {
            silo.Services.AddSingleton<IPostalAuthorityTransport>(new FolderPostalAuthority(folder));
        }
        else if (transport == "Sftp")
        {
            silo.Services.AddSingleton<IPostalAuthorityTransport>(services => new SftpPostalAuthority(services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ProviderOptions>>().Value.Sftp));
        }
        if (transport is null) return;
        silo.AddStartupTask(async (services, _) =>
        {
            var grains = services.GetRequiredService<IGrainFactory>();
            foreach (var service in ProviderServices.Running) await grains.GetGrain<IProviderServiceGrain>(service).Start();
        });
    }

    /// <summary>
    /// Failure detection tuned for failover in seconds (docs/architecture.md, "Losing a silo", gives the trade-off):
    /// probes every half second on a healthy network, a silo suspected after two missed probes, and the death gossiped
    /// at once, so a killed silo is declared dead about a second after it stops answering. Any value can be
    /// overridden under <c>Vbi:Cluster:Membership</c>, which binds over these.
    /// </summary>
    public static void ConfigureMembership(ISiloBuilder silo, IConfiguration configuration)
    {
        silo.Configure<ClusterMembershipOptions>(o =>
        {
            // The initial probe timeout; Orleans adapts each monitor's timeout and period to the observed round trips
            // between MinProbeTimeout (half of this) and MaxProbeTimeout, so a healthy network probes every 0.5 s.
            o.ProbeTimeout = TimeSpan.FromSeconds(1);
            // MaxProbeTimeout stays 4 x ProbeTimeout (4 s): a starved prober extends its timeout up to it
            // (ExtendProbeTimeoutDuringDegradation), and it sets the window of the connection liveness check: a vote
            // against a silo that sent anything on an open connection within MaxProbeTimeout x NumMissedProbesLimit
            // (8 s) is vetoed, so a silo that stalls (GC, a starved thread pool) is not evicted for missing two
            // probes. A killed process's connections are closed by its kernel at once, so its death is decided by
            // the probes alone.
            o.EnableConnectionLivenessCheck = true;
            o.NumMissedProbesLimit = 2;
            // Two votes, Orleans's default: with two silos one is enough (it takes the smaller of this and half the
            // active silos), and with three or more the last probe goes through another silo, whose failed indirect
            // probe is the second vote; a single confused silo cannot evict a healthy one.
            o.NumVotesForDeathDeclaration = 2;
            o.DeathVoteExpirationTimeout = TimeSpan.FromSeconds(30);
            // Deaths travel by gossip at once; the table is read every 10 s to catch a missed gossip, and each silo
            // writes its heartbeat every 10 s (an entry is stale after three missed).
            o.UseLivenessGossip = true;
            o.TableRefreshTimeout = TimeSpan.FromSeconds(10);
            o.IAmAliveTablePublishTimeout = TimeSpan.FromSeconds(10);
            o.ExtendProbeTimeoutDuringDegradation = true;
            o.EnableIndirectProbes = true;
        });
        silo.Configure<ClusterMembershipOptions>(configuration.GetSection("Vbi:Cluster:Membership"));
    }

    /// <summary>
    /// The payment provider (docs/commerce.md): Stripe when <c>Vbi:Payments:Provider</c> is <c>stripe</c>, the Cluster
    /// profile's default; the in-process test-mode provider otherwise, the Local profile's default. It is made at start-up,
    /// so the test-mode provider's warning that no real money moves is among the first lines of the log.
    /// </summary>
    public static void AddPaymentProvider(ISiloBuilder silo, HostProfile profile, IConfiguration configuration)
    {
        var configured = configuration[$"{VbiOrleans.Payments.PaymentOptions.Section}:{nameof(VbiOrleans.Payments.PaymentOptions.Provider)}"];
        var name = string.IsNullOrWhiteSpace(configured)
            ? profile == HostProfile.Cluster ? VbiOrleans.Payments.PaymentOptions.StripeName : VbiOrleans.Payments.PaymentOptions.TestModeName
            : configured.Trim().ToLowerInvariant();
        switch (name)
        {
            case VbiOrleans.Payments.PaymentOptions.StripeName:
                silo.Services.AddSingleton<VbiOrleans.Payments.IPaymentProvider, VbiOrleans.Payments.StripePaymentProvider>();
                break;
            case VbiOrleans.Payments.PaymentOptions.TestModeName:
                silo.Services.AddSingleton<VbiOrleans.Payments.IPaymentProvider, VbiOrleans.Payments.TestModePaymentProvider>();
                break;
            default:
                throw new InvalidOperationException($"Vbi:Payments:Provider is '{configured}': it is stripe or test-mode");
        }
        silo.AddStartupTask((services, _) =>
        {
            var provider = services.GetRequiredService<VbiOrleans.Payments.IPaymentProvider>();
            // PVDs without a purchase are for tests and benchmarks of the meters, never where money is real.
            if (services.GetRequiredService<Microsoft.Extensions.Options.IOptions<VbiOrleans.Grains.Commerce.PurchaseOptions>>().Value.AcceptUnpaidPvds)
            {
                if (!provider.IsTestMode)
                    throw new InvalidOperationException("Vbi:Purchases:AcceptUnpaidPvds is set with a payment provider that moves real money; it is for test mode only");
                services.GetRequiredService<ILoggerFactory>().CreateLogger("VbiOrleans.Host").LogWarning(
                    "Vbi:Purchases:AcceptUnpaidPvds is set: postage value downloads are accepted without a purchase (test mode only)");
            }
            return Task.CompletedTask;
        });
    }

    /// <summary>The services our grains take from the container.</summary>
    public static void AddVbiServices(ISiloBuilder silo)
    {
        silo.Services.TryAddSingleton(TimeProvider.System);
        silo.Services.TryAddSingleton<IHsm, InMemoryHsm>();
        silo.Services.AddOptions<ModuleOptions>().BindConfiguration(ModuleOptions.Section).Validate(o =>
        {
            o.Validate();
            return true;
        });
        silo.Services.TryAddSingleton<ModuleCrypto>();
        silo.Services.AddOptions<VbiOrleans.Payments.PaymentOptions>().BindConfiguration(VbiOrleans.Payments.PaymentOptions.Section).Validate(o =>
        {
            o.Validate();
            return true;
        });
        // Where no profile chose one (test clusters), payments are simulated in process.
        silo.Services.TryAddSingleton<VbiOrleans.Payments.IPaymentProvider, VbiOrleans.Payments.TestModePaymentProvider>();
        silo.Services.TryAddSingleton<SystemGuardView>();
        silo.Services.TryAddSingleton<ModuleReports>();
        // The printer table a new system starts with: the one embedded in VbiOrleans.Labels.
        silo.Services.TryAddSingleton(_ => new VbiOrleans.Grains.ClientSupport.PrinterTableSeed(
            [.. VbiOrleans.Labels.Printers.PrinterTable.Load().Select(Api.PrinterRecords.ToRecord)]));
        // What follows from the log downstream: each consumer reads it through the log feed (docs/transaction-log.md).
        silo.Services.AddOptions<VbiOrleans.Grains.Partners.WebhookOptions>().BindConfiguration(VbiOrleans.Grains.Partners.WebhookOptions.Section);
        silo.Services.AddLogFeed();
        silo.Services.AddOptions<VbiOrleans.Domain.Shipping.ShippingOptions>().BindConfiguration(VbiOrleans.Domain.Shipping.ShippingOptions.Section).Validate(o =>
        {
            o.Validate();
            return true;
        });
        silo.Services.AddLogFeedConsumer<HistoryProjection>();
        silo.Services.AddOptions<VbiOrleans.Grains.Customers.ScanFormOptions>().BindConfiguration(VbiOrleans.Grains.Customers.ScanFormOptions.Section);
        silo.Services.AddLogFeedConsumer<WebhookFeed>();
        // Commerce (docs/commerce.md): a PVD's purchase is settled from the log once the PVD is durable.
        silo.Services.AddOptions<VbiOrleans.Grains.Commerce.PurchaseOptions>().BindConfiguration(VbiOrleans.Grains.Commerce.PurchaseOptions.Section).Validate(o =>
        {
            o.Validate();
            return true;
        });
        silo.Services.AddLogFeedConsumer<VbiOrleans.Grains.Commerce.PurchaseFeed>();
        // A purchase's reminder may wake more often than Orleans' default minimum (1 minute) where configured so (tests).
        silo.Services.AddOptions<Orleans.Hosting.ReminderOptions>().Configure<Microsoft.Extensions.Options.IOptions<VbiOrleans.Grains.Commerce.PurchaseOptions>>((reminders, purchases) =>
        {
            if (purchases.Value.CheckPeriod < reminders.MinimumReminderPeriod) reminders.MinimumReminderPeriod = purchases.Value.CheckPeriod;
        });
        // The ledger: postings from the log feed, in memory unless the Cluster profile put it in PostgreSQL above.
        silo.Services.AddOptions<VbiOrleans.Grains.Commerce.LedgerOptions>().BindConfiguration(VbiOrleans.Grains.Commerce.LedgerOptions.Section);
        silo.Services.TryAddSingleton<VbiOrleans.Grains.Commerce.ILedgerStore, VbiOrleans.Grains.Commerce.MemoryLedgerStore>();
        silo.Services.TryAddSingleton<VbiOrleans.Grains.Log.Export.IExportDayIndex, VbiOrleans.Grains.Log.Export.MemoryExportDayIndex>();
        silo.Services.AddLogFeedConsumer<VbiOrleans.Grains.Commerce.LedgerFeed>();
        // Plans and invoices: the embedded catalogue, label fees from the log, the run's bounds (docs/commerce.md).
        silo.Services.TryAddSingleton(VbiOrleans.Domain.Plans.PlanCatalogue.BuiltIn);
        silo.Services.AddOptions<VbiOrleans.Grains.Commerce.InvoiceOptions>().BindConfiguration(VbiOrleans.Grains.Commerce.InvoiceOptions.Section).Validate(o =>
        {
            o.Validate();
            return true;
        });
        silo.Services.AddLogFeedConsumer<VbiOrleans.Grains.Commerce.FeesFeed>();
        // The provider (docs/provider-files.md): its journal of the log, licences, and the files to the postal authority.
        // Checked at start-up: a host with a wrong SFTP or key setting refuses to start rather than failing its first run.
        silo.Services.AddOptions<ProviderOptions>().BindConfiguration(ProviderOptions.Section).Validate(o =>
        {
            o.Validate();
            return true;
        }).ValidateOnStart();
        silo.Services.AddSingleton(services =>
        {
            var provider = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ProviderOptions>>().Value;
            return new VbiOrleans.Abstractions.Provider.ProviderRunWindow(provider.RunAt, provider.AllowOpenDay);
        });
        silo.Services.TryAddSingleton<IProviderJournal, MemoryProviderJournal>();
        silo.Services.TryAddSingleton<IReconciliationStore, MemoryReconciliationStore>();
        silo.Services.TryAddSingleton<ProviderFileBuilder>();
        silo.Services.AddLogFeedConsumer<ProviderFeed>();
        silo.Services.AddOptions<Orleans.Hosting.ReminderOptions>().Configure<Microsoft.Extensions.Options.IOptions<ProviderOptions>>((reminders, provider) =>
        {
            if (provider.Value.CheckPeriod < reminders.MinimumReminderPeriod) reminders.MinimumReminderPeriod = provider.Value.CheckPeriod;
        });
        silo.Services.AddOptions<VbiOrleans.Grains.Log.LogOptions>().BindConfiguration(VbiOrleans.Grains.Log.LogOptions.Section);
        silo.Services.TryAddSingleton<VbiOrleans.Grains.Log.ILogStore, VbiOrleans.Grains.Log.MemoryLogStore>();
        silo.Services.AddOptions<VbiOrleans.Grains.Commerce.Ach.AchOptions>().BindConfiguration(VbiOrleans.Grains.Commerce.Ach.AchOptions.Section).Validate(o =>
        {
            o.Validate();
            return true;
        });
        silo.Services.TryAddSingleton<VbiOrleans.Grains.Commerce.Ach.IAchStore, VbiOrleans.Grains.Commerce.Ach.MemoryAchStore>();
        // Card charges captured: watched for disputes (chargebacks) and refunded against (refunds paid out).
        silo.Services.TryAddSingleton<VbiOrleans.Grains.Commerce.Cards.ICardChargeStore, VbiOrleans.Grains.Commerce.Cards.MemoryCardChargeStore>();
        silo.Services.AddOptions<VbiOrleans.Grains.Commerce.Cards.RefundPayoutOptions>().BindConfiguration(VbiOrleans.Grains.Commerce.Cards.RefundPayoutOptions.Section).Validate(o =>
        {
            o.Validate();
            return true;
        });
        silo.Services.AddLogFeedConsumer<VbiOrleans.Grains.Commerce.RefundPayoutFeed>();
        silo.Services.AddOptions<VbiOrleans.Grains.Commerce.Cards.CardSettlementOptions>().BindConfiguration(VbiOrleans.Grains.Commerce.Cards.CardSettlementOptions.Section).Validate(o =>
        {
            o.Validate();
            return true;
        });
        silo.Services.AddOptions<VbiOrleans.Grains.Commerce.Cards.ChargebackOptions>().BindConfiguration(VbiOrleans.Grains.Commerce.Cards.ChargebackOptions.Section).Validate(o =>
        {
            o.Validate();
            return true;
        });
        silo.Services.TryAddSingleton(services => new VbiOrleans.Grains.Log.TransactionLogs(
            services.GetRequiredService<VbiOrleans.Grains.Log.ILogStore>(),
            services.GetRequiredService<ModuleCrypto>(),
            services.GetRequiredService<Serializer>(),
            services.GetRequiredService<Microsoft.Extensions.Options.IOptions<VbiOrleans.Grains.Log.LogOptions>>(),
            services.GetRequiredService<ILoggerFactory>(),
            services.GetService<VbiOrleans.Grains.Log.LogShards>(),
            services.GetService<VbiOrleans.Grains.Log.ILiveLogRouting>()));
        // The home log alone, for what has only it: the store-level checks at start-up, the snapshot's log size.
        silo.Services.TryAddSingleton(services => services.GetRequiredService<VbiOrleans.Grains.Log.TransactionLogs>().Home);
        silo.Services.AddOptions<VbiOrleans.Grains.Partners.WebhookDestinationOptions>().BindConfiguration(VbiOrleans.Grains.Partners.WebhookDestinationOptions.Section);
        silo.Services.TryAddSingleton<VbiOrleans.Grains.Partners.WebhookDestinationPolicy>();
        silo.Services.TryAddSingleton<VbiOrleans.Grains.Partners.WebhookHttp>(services => new(
            services.GetRequiredService<VbiOrleans.Grains.Partners.WebhookDestinationPolicy>(),
            services.GetRequiredService<ILogger<VbiOrleans.Grains.Partners.WebhookHttp>>(),
            services.GetService<VbiOrleans.Grains.Partners.WebhookHostResolver>()));
    }

    /// <summary>
    /// Mail to customers (section <c>Vbi:Mail</c>): SMTP when a host is configured, else .eml files in a folder under
    /// the data directory (the Local profile's default; the host says which at start-up).
    /// </summary>
    public static void AddMail(ISiloBuilder silo, VbiOptions options)
    {
        silo.Services.AddOptions<VbiOrleans.Mail.MailOptions>().BindConfiguration(VbiOrleans.Mail.MailOptions.Section).Validate(o =>
        {
            o.Validate();
            return true;
        });
        silo.Services.TryAddSingleton<VbiOrleans.Mail.IMailSender>(services =>
        {
            var mail = services.GetRequiredService<Microsoft.Extensions.Options.IOptions<VbiOrleans.Mail.MailOptions>>();
            var clock = services.GetRequiredService<TimeProvider>();
            if (!string.IsNullOrWhiteSpace(mail.Value.Host))
                return new VbiOrleans.Mail.SmtpMailSender(mail, clock, services.GetRequiredService<ILogger<VbiOrleans.Mail.SmtpMailSender>>());
            var folder = Path.GetFullPath(Path.IsPathRooted(mail.Value.Folder) ? mail.Value.Folder : Path.Combine(options.DataDirectory, mail.Value.Folder));
            return new VbiOrleans.Mail.FolderMailSender(folder, mail, clock);
        });
    }

    /// <summary>
    /// The connection string the ADO.NET providers and the log store get. They open and close a connection per query and
    /// leave no session state behind (no SET, temporary table, advisory lock or LISTEN), so Npgsql's reset on return to
    /// the pool (DISCARD ALL, a second round trip per write) is skipped.
    /// </summary>
    public static string ForProviders(string connectionString) =>
        new Npgsql.NpgsqlConnectionStringBuilder(connectionString) { NoResetOnClose = true, MaxAutoPrepare = 32 }.ConnectionString;

    /// <summary>The name of Orleans' ADO.NET provider behind a store's group commit: <c>postal.adonet</c> for <c>postal</c>.</summary>
    public const string AdoNetProviderSuffix = ".adonet";

    /// <summary>Clustering, the four named stores and reminders on PostgreSQL.</summary>
    public static void ConfigureAdoNet(ISiloBuilder silo, StoreConnections connections)
    {
        silo.UseAdoNetClustering(o =>
        {
            o.Invariant = AdoNetInvariant;
            o.ConnectionString = ForProviders(connections[StorageNames.Membership]);
        });
        // Group commit (Vbi:Storage:GroupCommit, on unless set to false) puts GroupCommitGrainStorage in front of
        // each store's ADO.NET provider: the same rows and statements, many grains' writes in one transaction.
        var groupCommit = !string.Equals(silo.Configuration["Vbi:Storage:GroupCommit"], "false", StringComparison.OrdinalIgnoreCase);
        foreach (var store in StorageNames.All)
        {
            var shards = connections.Shards?.Map.DatabasesOf(store) ?? [];
            if (shards.Count == 0)
            {
                AddStore(silo, store, connections[store], groupCommit);
                continue;
            }
            // A shard map routes the store by meter (docs/scaling.md): a provider per database of the map, and the
            // configured database as the home of the store's grains that are not a meter's.
            var routing = connections.Shards!;
            var home = store + ShardHomeSuffix;
            AddStore(silo, home, connections[store], groupCommit);
            foreach (var database in shards) AddStore(silo, ShardProviderName(store, database.Name), routing.ConnectionString(database.Name), groupCommit);
            // Databases a later version of the map names are opened the first time a bucket routes there.
            silo.Services.TryAddSingleton(services => new VbiOrleans.Host.Shards.ShardStores(services, services.GetRequiredService<VbiOrleans.Host.Shards.LiveShardMap>(), groupCommit));
            silo.Services.AddGrainStorage(store, (services, _) => new VbiOrleans.Host.Shards.ShardedGrainStorage(store,
                services.GetRequiredKeyedService<IGrainStorage>(home), services.GetRequiredService<VbiOrleans.Host.Shards.LiveShardMap>(),
                services.GetRequiredService<VbiOrleans.Host.Shards.ShardStores>()));
        }
        silo.UseAdoNetReminderService(o =>
        {
            o.Invariant = AdoNetInvariant;
            o.ConnectionString = ForProviders(connections[StorageNames.Membership]);
        });
    }

    /// <summary>The provider of a sharded store's configured database: <c>postal.home</c>.</summary>
    public const string ShardHomeSuffix = ".home";

    /// <summary>The provider of one database of the shard map: <c>postal@postal-a</c>.</summary>
    public static string ShardProviderName(string store, string database) => $"{store}@{database}";

    /// <summary>One ADO.NET grain storage provider named <paramref name="name"/>, behind group commit unless it is off.</summary>
    private static void AddStore(ISiloBuilder silo, string name, string connectionString, bool groupCommit)
    {
        var provider = groupCommit ? name + AdoNetProviderSuffix : name;
        connectionString = ForProviders(connectionString);
        silo.AddAdoNetGrainStorage(provider, o =>
        {
            o.Invariant = AdoNetInvariant;
            o.ConnectionString = connectionString;
        });
        UseBinarySerializer<AdoNetGrainStorageOptions>(silo, provider);
        if (!groupCommit) return;
        silo.Services.AddGrainStorage(name, (services, storeName) => new GroupCommitGrainStorage(
            storeName,
            services.GetRequiredService<Microsoft.Extensions.Options.IOptions<ClusterOptions>>().Value.ServiceId,
            (AdoNetGrainStorage)services.GetRequiredKeyedService<IGrainStorage>(provider),
            connectionString,
            services.GetRequiredService<ILoggerFactory>().CreateLogger<GroupCommitGrainStorage>()));
    }

    /// <summary>
    /// Orleans's binary serializer for a store: compact and version-tolerant through the [Id]s of every state class.
    /// The default JSON (Newtonsoft, with $type on every object) made a meter's row five times larger and was the
    /// largest CPU cost on the print path.
    /// </summary>
    private static void UseBinarySerializer<TOptions>(ISiloBuilder silo, string store) where TOptions : class, IStorageProviderSerializerOptions =>
        silo.Services.AddOptions<TOptions>(store)
            .Configure<Serializer>((o, serializer) => o.GrainStorageSerializer = new OrleansGrainStorageSerializer(serializer));

    /// <summary>
    /// The address a silo binds to and advertises: an IP literal, or <c>auto</c> for this machine's first
    /// non-loopback IPv4 address (container replicas, whose address is known only at start).
    /// </summary>
    public static IPAddress AdvertisedAddress(string setting)
    {
        if (!string.Equals(setting, "auto", StringComparison.OrdinalIgnoreCase)) return IPAddress.Parse(setting);
        return System.Net.NetworkInformation.NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == System.Net.NetworkInformation.OperationalStatus.Up)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork && !IPAddress.IsLoopback(a))
            ?? throw new InvalidOperationException("Vbi:Cluster:AdvertisedIp is 'auto' but this machine has no non-loopback IPv4 address");
    }
}
