using System.CommandLine;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Azure.Storage.Blobs;
using VbiOrleans.Grains.Archive;
using VbiOrleans.Grains.Log;
using VbiOrleans.TransactionLog.Notes;
using VbiOrleans.TransactionLog.Verification;

namespace VbiOrleans.Admin;

/// <summary>
/// <c>vbi-admin</c>: the operator's tool for the transaction log and recovery, with <c>vbi</c>'s conventions
/// (<c>--server</c>, <c>--json</c>, the operator key from <c>VBI_OPERATOR_KEY</c> or a file, documented exit codes).
/// </summary>
public static class AdminApp
{
    public const string ServerVariable = "VBI_SERVER";
    public const string ArchiveVariable = "VBI_ARCHIVE";
    public const string OperatorVariable = "VBI_OPERATOR";
    public const string OperatorKeyVariable = "VBI_OPERATOR_KEY";
    public const string DefaultServer = "http://127.0.0.1:5080";

    public static async Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, Func<string, string?>? environment = null,
        CancellationToken cancellationToken = default)
    {
        var env = environment ?? Environment.GetEnvironmentVariable;
        var server = new Option<string>("--server", "-s") { Description = $"The server's base URL [default: ${ServerVariable}, else {DefaultServer}]", Recursive = true };
        var json = new Option<bool>("--json") { Description = "Print the result as JSON", Recursive = true };
        var archive = new Option<string>("--archive")
        {
            Description = $"The archive: a folder path, or an Azure Blob Storage connection string [default: ${ArchiveVariable}]",
            Recursive = true,
        };
        var container = new Option<string>("--container") { Description = "The blob container [default: vbi-archive]", DefaultValueFactory = _ => "vbi-archive", Recursive = true };
        var verifierKey = new Option<string>("--verifier-key")
        {
            Description = "The log's verifier key (name+hash+key); by default the one archived beside the log. Pin it: an attacker who rewrites the archive can rewrite that file too",
        };
        var operatorName = new Option<string>("--operator") { Description = $"The operator name [default: ${OperatorVariable}, else 'operator']", Recursive = true };
        var operatorKeyFile = new Option<string>("--operator-key-file") { Description = $"A file holding the operator key [default: ${OperatorKeyVariable}]", Recursive = true };

        var root = new RootCommand("vbi-admin: verify the archived transaction log, recover the postal store from it, and rebuild what is derived from it.");
        root.Options.Add(server);
        root.Options.Add(json);
        root.Options.Add(archive);
        root.Options.Add(container);
        root.Options.Add(operatorName);
        root.Options.Add(operatorKeyFile);

        var verify = new Command("verify-log",
            "Check every transaction log in the archive (the home log, and each module database's of a shard map): every checkpoint's signature " +
            "and origin, every checkpoint consistent with the one before, every entry in the tree. Names the first bad entry of each log (exit 5).");
        verify.Options.Add(verifierKey);
        verify.SetAction(async (parse, token) =>
        {
            var store = OpenArchive(parse.GetValue(archive) ?? env(ArchiveVariable), parse.GetValue(container)!, stderr);
            if (store is null) return AdminExitCodes.Usage;
            var (code, results) = await VerifyLogsAsync(store, parse.GetValue(verifierKey), stderr, token);
            PrintVerification(stdout, parse.GetValue(json), results);
            return code;
        });
        root.Subcommands.Add(verify);

        var status = new Command("log-status", "A log's size, what is not sealed or not shipped yet, and its latest signed checkpoint.");
        var logName = new Option<string>("--log") { Description = "The log: a module database's name in the shard map [default: the home log]" };
        status.Options.Add(logName);
        status.SetAction(async (parse, token) =>
        {
            using var http = Http(parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer, parse.GetValue(operatorName) ?? env(OperatorVariable),
                parse.GetValue(operatorKeyFile), env, stderr);
            if (http is null) return AdminExitCodes.Usage;
            var query = parse.GetValue(logName) is { Length: > 0 } named ? "?log=" + Uri.EscapeDataString(named) : "";
            return await CallAsync(stdout, stderr, parse.GetValue(json), () => http.GetAsync("/v1/operator/log" + query, token), token);
        });
        root.Subcommands.Add(status);

        var recover = new Command("recover",
            "Verify every archived log, then have the server rebuild every meter's postal row from its log and compare it with module memory. Exit 6 on any mismatch.");
        recover.Options.Add(verifierKey);
        var skipArchive = new Option<bool>("--no-archive-check") { Description = "Do not verify the archive first (when it is unreachable and the log store is intact)" };
        recover.Options.Add(skipArchive);
        recover.SetAction(async (parse, token) =>
        {
            using var http = Http(parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer, parse.GetValue(operatorName) ?? env(OperatorVariable),
                parse.GetValue(operatorKeyFile), env, stderr);
            if (http is null) return AdminExitCodes.Usage;
            if (!parse.GetValue(skipArchive))
            {
                var store = OpenArchive(parse.GetValue(archive) ?? env(ArchiveVariable), parse.GetValue(container)!, stderr);
                if (store is null) return AdminExitCodes.Usage;
                var (code, results) = await VerifyLogsAsync(store, parse.GetValue(verifierKey), stderr, token);
                if (code != AdminExitCodes.Ok)
                {
                    foreach (var (log, result) in results.Where(r => !r.Result.Ok))
                        stderr.WriteLine($"the archived log {log} does not verify, nothing recovered: {Describe(result)}");
                    return code;
                }
                foreach (var (log, result) in results) stderr.WriteLine($"archive verified: {(results.Count == 1 ? "" : $"log {log}: ")}{Describe(result)}");
            }
            return await RecoverAsync(http, stdout, stderr, parse.GetValue(json), token);
        });
        root.Subcommands.Add(recover);

        var recoverMeter = new Command("recover-meter",
            "Rebuild one meter's postal row (swapped, edited or lost) from its transaction log, verified against module memory, and lift its inhibit. Exit 2, nothing changed, when the log cannot bridge it.");
        var meterArgument = new Argument<string>("meter") { Description = "The meter id (m-…)" };
        var reasonOption = new Option<string>("--reason") { Description = "Why, for the audit record", Required = true };
        recoverMeter.Arguments.Add(meterArgument);
        recoverMeter.Options.Add(reasonOption);
        recoverMeter.SetAction(async (parse, token) =>
        {
            using var http = Http(parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer, parse.GetValue(operatorName) ?? env(OperatorVariable),
                parse.GetValue(operatorKeyFile), env, stderr);
            if (http is null) return AdminExitCodes.Usage;
            var meter = parse.GetValue(meterArgument)!;
            return await CallAsync(stdout, stderr, parse.GetValue(json), () => http.PostAsJsonAsync(
                $"/v1/operator/meters/{Uri.EscapeDataString(meter)}/recover", new { reason = parse.GetValue(reasonOption) }, token), token);
        });
        root.Subcommands.Add(recoverMeter);

        var system = new Command("system", "The system-wide stop of PVD and printing (docs/checkpoint-protocol.md): its status, a stop by hand, a resume.");
        var systemStatus = new Command("status", "Whether PVD and printing are stopped system-wide, why, since when and by whom, and the verification failures in the window.");
        systemStatus.SetAction(async (parse, token) =>
        {
            using var http = Http(parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer, parse.GetValue(operatorName) ?? env(OperatorVariable),
                parse.GetValue(operatorKeyFile), env, stderr);
            if (http is null) return AdminExitCodes.Usage;
            return await CallAsync(stdout, stderr, parse.GetValue(json), () => http.GetAsync("/v1/operator/system", token), token);
        });
        var systemStop = new Command("stop",
            "Stops PVD and printing on every silo until an operator resumes them; the reason goes to the audit log. A stopped system stays as it was (alreadyStopped: True).");
        var stopReason = new Option<string>("--reason") { Description = "Why, for the audit log", Required = true };
        systemStop.Options.Add(stopReason);
        systemStop.SetAction(async (parse, token) =>
        {
            using var http = Http(parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer, parse.GetValue(operatorName) ?? env(OperatorVariable),
                parse.GetValue(operatorKeyFile), env, stderr);
            if (http is null) return AdminExitCodes.Usage;
            return await CallAsync(stdout, stderr, parse.GetValue(json),
                () => http.PostAsJsonAsync("/v1/operator/system/stop", new { reason = parse.GetValue(stopReason) }, token), token);
        });
        var systemResume = new Command("resume", "Resumes PVD and printing system-wide (each inhibited meter still needs its own recovery).");
        systemResume.SetAction(async (parse, token) =>
        {
            using var http = Http(parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer, parse.GetValue(operatorName) ?? env(OperatorVariable),
                parse.GetValue(operatorKeyFile), env, stderr);
            if (http is null) return AdminExitCodes.Usage;
            return await CallAsync(stdout, stderr, parse.GetValue(json), () => http.PostAsync("/v1/operator/system/resume", null, token), token);
        });
        system.Subcommands.Add(systemStatus);
        system.Subcommands.Add(systemStop);
        system.Subcommands.Add(systemResume);
        root.Subcommands.Add(system);

        var rebuildHistory = new Command("rebuild-history",
            "Rebuild every customer's transaction history from the transaction log: the history consumer of the log feed is rewound to the start " +
            "of the log and applies every record again (each entry is replaced by its sequence); waits until it has caught up with the log as it was.");
        var rebuildTimeout = new Option<int>("--timeout") { Description = "Seconds to wait for the history to catch up [default: 600]", DefaultValueFactory = _ => 600 };
        rebuildHistory.Options.Add(rebuildTimeout);
        rebuildHistory.SetAction(async (parse, token) =>
        {
            using var http = Http(parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer, parse.GetValue(operatorName) ?? env(OperatorVariable),
                parse.GetValue(operatorKeyFile), env, stderr);
            if (http is null) return AdminExitCodes.Usage;
            return await RebuildHistoryAsync(http, TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(rebuildTimeout))), stdout, stderr, parse.GetValue(json), token);
        });
        root.Subcommands.Add(rebuildHistory);

        var provider = new Command("provider", "The provider files to the postal authority (docs/provider-files.md): their state, and a day run at once.");
        var providerService = new Option<string>("--service") { Description = "licensing, resetting or remittance [default: every service]" };
        var providerFiles = new Command("files", "Each service's files, newest day first: state, transfer attempts, size, SHA-256, transfer time, last error.");
        providerFiles.Options.Add(providerService);
        providerFiles.SetAction(async (parse, token) =>
        {
            using var http = Http(parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer, parse.GetValue(operatorName) ?? env(OperatorVariable),
                parse.GetValue(operatorKeyFile), env, stderr);
            if (http is null) return AdminExitCodes.Usage;
            var query = parse.GetValue(providerService) is { } only ? "?service=" + Uri.EscapeDataString(only) : "";
            return await ProviderFilesAsync(stdout, stderr, parse.GetValue(json), () => http.GetAsync("/v1/operator/provider/files" + query, token), token);
        });
        var providerRun = new Command("run", "Runs (or runs again) a closed business day's files at once; a transfer that fails leaves the day pending (exit 0, the state says so).");
        var providerDate = new Option<string>("--date") { Description = "The business day, YYYY-MM-DD (UTC)", Required = true };
        providerRun.Options.Add(providerDate);
        providerRun.Options.Add(providerService);
        providerRun.SetAction(async (parse, token) =>
        {
            using var http = Http(parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer, parse.GetValue(operatorName) ?? env(OperatorVariable),
                parse.GetValue(operatorKeyFile), env, stderr);
            if (http is null) return AdminExitCodes.Usage;
            return await ProviderFilesAsync(stdout, stderr, parse.GetValue(json), () => http.PostAsJsonAsync("/v1/operator/provider/runs",
                new { date = parse.GetValue(providerDate), service = parse.GetValue(providerService) }, token), token);
        });
        var providerReconcile = new Command("reconcile", "The day's reconciliation as last run (the provider services run it once the day's files are verified): "
            + "totals, and every difference named to the mill. Exit 7 when there are differences.");
        providerReconcile.Options.Add(providerDate);
        providerReconcile.SetAction(async (parse, token) =>
        {
            using var http = Http(parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer, parse.GetValue(operatorName) ?? env(OperatorVariable),
                parse.GetValue(operatorKeyFile), env, stderr);
            if (http is null) return AdminExitCodes.Usage;
            return await ReconciliationAsync(stdout, stderr, parse.GetValue(json),
                () => http.GetAsync("/v1/operator/reconciliation?date=" + Uri.EscapeDataString(parse.GetValue(providerDate) ?? ""), token), token);
        });
        provider.Subcommands.Add(providerFiles);
        provider.Subcommands.Add(providerRun);
        provider.Subcommands.Add(providerReconcile);
        root.Subcommands.Add(provider);

        var shards = new Command("shards", "The shard map of the postal and module stores (docs/scaling.md): show it, set a new version, add a database, move buckets.");
        var shardsShow = new Command("show", "The current shard map (format vbi-shard-map/1) and the version the server routes by; 'no shard map' when none was set.");
        shardsShow.SetAction(async (parse, token) =>
        {
            using var http = Http(parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer, parse.GetValue(operatorName) ?? env(OperatorVariable),
                parse.GetValue(operatorKeyFile), env, stderr);
            if (http is null) return AdminExitCodes.Usage;
            return await ShowShardsAsync(http, stdout, stderr, parse.GetValue(json), token);
        });
        var shardsSet = new Command("set",
            "Sets a new shard map from a JSON file: a larger version, the same number of buckets, every bucket assigned, postal and module shard of a " +
            "bucket on different servers, each database's connection string named (ConnectionStrings:NAME on the hosts), never given. Silos route by it from their next start.");
        var mapFile = new Argument<FileInfo>("file") { Description = "The shard map document (JSON)" };
        shardsSet.Arguments.Add(mapFile);
        shardsSet.SetAction(async (parse, token) =>
        {
            using var http = Http(parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer, parse.GetValue(operatorName) ?? env(OperatorVariable),
                parse.GetValue(operatorKeyFile), env, stderr);
            if (http is null) return AdminExitCodes.Usage;
            var file = parse.GetValue(mapFile)!;
            if (!file.Exists)
            {
                stderr.WriteLine($"error: no file {file.FullName}");
                return AdminExitCodes.Usage;
            }
            var document = await File.ReadAllTextAsync(file.FullName, token);
            return await CallAsync(stdout, stderr, parse.GetValue(json),
                () => http.PutAsync("/v1/operator/shards", new StringContent(document, Encoding.UTF8, "application/json"), token), token);
        });
        var shardsAdd = new Command("add",
            "Adds a database to the shard map while printing goes on: a new version naming it, no bucket yet. Its schema is applied; its connection string " +
            "(ConnectionStrings:CONNECTION) must be configured on every host first. Move buckets to it with 'shards move'.");
        var addName = new Option<string>("--name") { Description = "Its name in the map ([a-z0-9][a-z0-9_-]{0,62})", Required = true };
        var addStore = new Option<string>("--store") { Description = "postal or module", Required = true };
        var addServer = new Option<string>("--server-address") { Description = "The PostgreSQL server it is on, host:port", Required = true };
        var addConnection = new Option<string>("--connection") { Description = "The name of its connection string in the hosts' configuration", Required = true };
        shardsAdd.Options.Add(addName);
        shardsAdd.Options.Add(addStore);
        shardsAdd.Options.Add(addServer);
        shardsAdd.Options.Add(addConnection);
        shardsAdd.SetAction(async (parse, token) =>
        {
            using var http = Http(parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer, parse.GetValue(operatorName) ?? env(OperatorVariable),
                parse.GetValue(operatorKeyFile), env, stderr);
            if (http is null) return AdminExitCodes.Usage;
            return await CallAsync(stdout, stderr, parse.GetValue(json), () => http.PostAsJsonAsync("/v1/operator/shards/databases", new
            {
                name = parse.GetValue(addName), store = parse.GetValue(addStore), server = parse.GetValue(addServer), connection = parse.GetValue(addConnection),
            }, token), token);
        });
        var shardsMove = new Command("move",
            "Moves buckets of one store to another of its databases while printing goes on (docs/scaling.md, Moves); answers when the move is done. " +
            "With --resume, carries on the open move a killed coordinator left (the silos do too, within a second).");
        var moveStore = new Option<string>("--store") { Description = "postal or module" };
        var moveBuckets = new Option<string>("--buckets") { Description = "The bucket numbers, comma-separated (e.g. 3,7)" };
        var moveTo = new Option<string>("--to") { Description = "The database (of that store, in the map) to move them to" };
        var moveResume = new Option<bool>("--resume") { Description = "Carry on the open move instead of starting one" };
        shardsMove.Options.Add(moveStore);
        shardsMove.Options.Add(moveBuckets);
        shardsMove.Options.Add(moveTo);
        shardsMove.Options.Add(moveResume);
        shardsMove.SetAction(async (parse, token) =>
        {
            using var http = Http(parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer, parse.GetValue(operatorName) ?? env(OperatorVariable),
                parse.GetValue(operatorKeyFile), env, stderr);
            if (http is null) return AdminExitCodes.Usage;
            if (parse.GetValue(moveResume))
                return await CallAsync(stdout, stderr, parse.GetValue(json), () => http.PostAsync("/v1/operator/shards/moves/resume", null, token), token);
            var bucketText = parse.GetValue(moveBuckets);
            var buckets = (bucketText ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            if (parse.GetValue(moveStore) is not { } store || parse.GetValue(moveTo) is not { } to || buckets.Length == 0
                || !buckets.All(b => int.TryParse(b, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out _)))
            {
                stderr.WriteLine("error: give --store, --buckets (comma-separated bucket numbers) and --to, or --resume");
                return AdminExitCodes.Usage;
            }
            return await CallAsync(stdout, stderr, parse.GetValue(json), () => http.PostAsJsonAsync("/v1/operator/shards/moves", new
            {
                store, buckets = buckets.Select(b => int.Parse(b, System.Globalization.CultureInfo.InvariantCulture)).ToArray(), to,
            }, token), token);
        });
        var shardsMoves = new Command("moves", "The shard moves, newest first: buckets, databases, phase, rows copied, who started it and when.");
        shardsMoves.SetAction(async (parse, token) =>
        {
            using var http = Http(parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer, parse.GetValue(operatorName) ?? env(OperatorVariable),
                parse.GetValue(operatorKeyFile), env, stderr);
            if (http is null) return AdminExitCodes.Usage;
            return await CallAsync(stdout, stderr, parse.GetValue(json), () => http.GetAsync("/v1/operator/shards/moves", token), token);
        });
        shards.Subcommands.Add(shardsShow);
        shards.Subcommands.Add(shardsSet);
        shards.Subcommands.Add(shardsAdd);
        shards.Subcommands.Add(shardsMove);
        shards.Subcommands.Add(shardsMoves);
        root.Subcommands.Add(shards);

        var restore = new Command("restore-snapshot",
            "Put a lost store back from the latest (or the named) archived snapshot, after checking its digest: --postal restores the postal store's rows; " +
            "--module restores module memory and refills the module database's (empty) transaction log from the verified archive; --shard NAME=CONNECTION " +
            "does the same for a database of the shard map (a module database's log from logs/NAME/). Run it with the hosts " +
            "stopped, then start them and run recover: module memory takes its later checkpoints from the log and the log rolls every meter forward.");
        var postal = new Option<string>("--postal") { Description = "The postal store's PostgreSQL connection string" };
        var module = new Option<string>("--module") { Description = "The module store's PostgreSQL connection string (a new database: run VbiOrleans.Host init-db on it first)" };
        var serviceId = new Option<string>("--service-id") { Description = "The Orleans service id whose rows are restored [default: the snapshot's]" };
        var snapshotName = new Option<string>("--snapshot") { Description = "The snapshot's name (yyyyMMddTHHmmssZ) [default: the latest complete one]" };
        var shard = new Option<string[]>("--shard")
        {
            Description = "A database of the shard map: its name in the map, '=', its PostgreSQL connection string (repeat for several)",
            AllowMultipleArgumentsPerToken = false,
        };
        restore.Options.Add(postal);
        restore.Options.Add(module);
        restore.Options.Add(shard);
        restore.Options.Add(serviceId);
        restore.Options.Add(snapshotName);
        restore.Options.Add(verifierKey);
        restore.SetAction(async (parse, token) =>
        {
            var store = OpenArchive(parse.GetValue(archive) ?? env(ArchiveVariable), parse.GetValue(container)!, stderr);
            if (store is null) return AdminExitCodes.Usage;
            var targets = new Dictionary<string, string>();
            if (parse.GetValue(postal) is { } p && !string.IsNullOrWhiteSpace(p)) targets[Abstractions.StorageNames.Postal] = p;
            if (parse.GetValue(module) is { } m && !string.IsNullOrWhiteSpace(m)) targets[Abstractions.StorageNames.Module] = m;
            var shards = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var given in parse.GetValue(shard) ?? [])
            {
                var equals = given.IndexOf('=', StringComparison.Ordinal);
                if (equals < 1 || equals == given.Length - 1)
                {
                    stderr.WriteLine("error: --shard is NAME=CONNECTION: a database's name in the shard map, '=', its PostgreSQL connection string");
                    return AdminExitCodes.Usage;
                }
                shards[given[..equals]] = given[(equals + 1)..];
            }
            if (targets.Count == 0 && shards.Count == 0)
            {
                stderr.WriteLine("error: name the lost store(s): --postal, --module and/or --shard NAME=CONNECTION with a PostgreSQL connection string");
                return AdminExitCodes.Usage;
            }
            return await RestoreSnapshotAsync(store, targets, shards, parse.GetValue(snapshotName), parse.GetValue(serviceId), parse.GetValue(verifierKey),
                stdout, stderr, parse.GetValue(json), token);
        });
        root.Subcommands.Add(restore);

        var export = new Command("export",
            "Export one business day (UTC) for staging and decision support (docs/export.md): the day's tables from the server's log, allow-listed and " +
            "pseudonymized, as Parquet under dss/date=YYYY-MM-DD/ with _manifest.json written last; to --out FOLDER, else to the dss container of the " +
            "archive's blob storage (--archive). Running a day again replaces it with the same bytes.");
        var dateOption = new Option<string>("--date") { Description = "The UTC day, YYYY-MM-DD", Required = true };
        var outOption = new Option<string>("--out") { Description = "A folder: files go to FOLDER/dss/date=YYYY-MM-DD/" };
        export.Options.Add(dateOption);
        export.Options.Add(outOption);
        export.SetAction(async (parse, token) =>
        {
            if (!DateOnly.TryParseExact(parse.GetValue(dateOption), "yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture,
                    System.Globalization.DateTimeStyles.None, out var day))
            {
                stderr.WriteLine("error: --date is a UTC day: YYYY-MM-DD");
                return AdminExitCodes.Usage;
            }
            var serverUrl = parse.GetValue(server) ?? env(ServerVariable) ?? DefaultServer;
            var keyFile = parse.GetValue(operatorKeyFile);
            var key = keyFile is not null ? (File.Exists(keyFile) ? File.ReadAllText(keyFile).Trim() : null) : env(OperatorKeyVariable)?.Trim();
            var location = parse.GetValue(outOption);
            var storage = location is null ? parse.GetValue(archive) ?? env(ArchiveVariable) : null;
            if (storage is not null && !storage.Contains('=', StringComparison.Ordinal))
            {
                location = storage; // an archive folder: the export goes beside the archive, in FOLDER/dss
                storage = null;
            }
            var options = new VbiOrleans.Export.ExportOptions
            {
                Server = Uri.TryCreate(serverUrl, UriKind.Absolute, out var uri) ? uri : null,
                OperatorName = parse.GetValue(operatorName) ?? env(OperatorVariable) ?? "operator",
                OperatorKey = key,
                Folder = location,
                StorageConnectionString = storage,
            };
            if (options.Problem() is { } problem)
            {
                stderr.WriteLine($"error: {problem} (--server, --operator-key-file or ${OperatorKeyVariable}, --out or --archive)");
                return AdminExitCodes.Usage;
            }
            var result = await VbiOrleans.Export.NightlyExport.RunAsync(options, day, token);
            if (!result.IsSuccess)
            {
                stderr.WriteLine($"error {result.Failure}: {result.Message}; the day has no manifest");
                return result.Failure switch
                {
                    VbiOrleans.Export.ExportFailure.SourceRefused => AdminExitCodes.Refused,
                    VbiOrleans.Export.ExportFailure.TooManyRows => AdminExitCodes.Refused,
                    _ => AdminExitCodes.Unavailable,
                };
            }
            var manifest = result.Manifest!;
            Print(stdout, parse.GetValue(json), manifest,
                $"exported {manifest.Date}: " + string.Join(", ", manifest.Tables.Select(t => $"{t.Name} {t.Rows} rows")));
            return AdminExitCodes.Ok;
        });
        root.Subcommands.Add(export);

        root.Description += Environment.NewLine + Environment.NewLine + AdminExitCodes.HelpText;
        return await root.Parse(args).InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken);
    }

    /// <summary>
    /// Verifies every log the archive holds (<see cref="LogArchiveLayout.InArchiveAsync"/>), one after the other, with
    /// progress on stderr. The code is <see cref="AdminExitCodes.Ok"/> only if every log verifies; a log that does not
    /// makes it <see cref="AdminExitCodes.LogTampered"/> whatever the others did.
    /// </summary>
    public static async Task<(int Code, IReadOnlyList<(string Log, LogVerificationResult Result)> Results)> VerifyLogsAsync(IArchiveStore store,
        string? pinnedKey, TextWriter progress, CancellationToken cancellationToken)
    {
        IReadOnlyList<(string Name, LogArchiveLayout Layout)> logs;
        try
        {
            logs = await LogArchiveLayout.InArchiveAsync(store, cancellationToken);
        }
        catch (Exception e) when (e is IOException or Azure.RequestFailedException or HttpRequestException or UnauthorizedAccessException)
        {
            progress.WriteLine($"error: the archive {store.Description} is unreachable: {e.Message}");
            return (AdminExitCodes.Unavailable, []);
        }
        if (logs.Count == 0)
        {
            progress.WriteLine($"error: {store.Description} holds no transaction log ({LogArchiveLayout.Home.VerifierKeyName} and {LogArchiveLayout.ShardsPrefix} are missing)");
            return (AdminExitCodes.NotFound, []);
        }
        var results = new List<(string, LogVerificationResult)>();
        var codes = new List<int>();
        foreach (var (name, layout) in logs)
        {
            if (logs.Count > 1) progress.WriteLine($"verifying the log {name} ({layout.Prefix})");
            var (code, archived) = await ReadArchivedLogAsync(store, layout, name, pinnedKey, progress, cancellationToken);
            codes.Add(code);
            if (archived is not null) results.Add((name, archived.Verification));
        }
        var worst = codes.Contains(AdminExitCodes.LogTampered) ? AdminExitCodes.LogTampered : codes.FirstOrDefault(c => c != AdminExitCodes.Ok);
        return (worst, results);
    }

    /// <summary>The home log's verification as before when it is the only log; with several, one result per log, named.</summary>
    private static void PrintVerification(TextWriter stdout, bool json, IReadOnlyList<(string Log, LogVerificationResult Result)> results)
    {
        if (results.Count == 0) return;
        if (results.Count == 1 && results[0].Log == TransactionLogs.HomeName)
        {
            Print(stdout, json, results[0].Result, Describe(results[0].Result));
            return;
        }
        Print(stdout, json, new { logs = results.Select(r => new { log = r.Log, verification = r.Result }) },
            string.Join(Environment.NewLine, results.Select(r => $"log {r.Log}: {Describe(r.Result)}")));
    }

    /// <summary>
    /// One archived log (<paramref name="layout"/>), read and verified; the code is <see cref="AdminExitCodes.Ok"/> only
    /// if it verifies. Its checkpoints must carry its origin: the key's name, followed for a shard log by its name.
    /// </summary>
    private static async Task<(int Code, ArchivedLog? Log)> ReadArchivedLogAsync(IArchiveStore store, LogArchiveLayout layout, string name, string? pinnedKey,
        TextWriter progress, CancellationToken cancellationToken)
    {
        try
        {
            var keyText = pinnedKey;
            if (keyText is null)
            {
                var archived = await store.GetAsync(layout.VerifierKeyName, cancellationToken);
                if (archived is null)
                {
                    progress.WriteLine($"error: {store.Description} holds no transaction log {name} ({layout.VerifierKeyName} is missing)");
                    return (AdminExitCodes.NotFound, null);
                }
                keyText = Encoding.UTF8.GetString(archived).Trim();
            }
            var verifier = NoteVerifier.FromVerifierKey(keyText);
            if (!verifier.IsSuccess)
            {
                progress.WriteLine($"error: the verifier key is malformed: {verifier.Error}");
                return (AdminExitCodes.Usage, null);
            }
            if ((await store.ListAsync(layout.SegmentsPrefix, cancellationToken)).Count == 0
                && (await store.ListAsync(layout.CheckpointsPrefix, cancellationToken)).Count == 0)
            {
                progress.WriteLine($"error: {store.Description} holds no log segments of the log {name} yet");
                return (AdminExitCodes.NotFound, null);
            }
            var log = await ArchivedLog.ReadAsync(store, layout, verifier.Value, LogArchiveLayout.OriginOf(verifier.Value.KeyName, name), progress, cancellationToken);
            return (log.Verification.Ok ? AdminExitCodes.Ok : AdminExitCodes.LogTampered, log);
        }
        catch (Exception e) when (e is IOException or Azure.RequestFailedException or HttpRequestException or UnauthorizedAccessException)
        {
            progress.WriteLine($"error: the archive {store.Description} is unreachable: {e.Message}");
            return (AdminExitCodes.Unavailable, null);
        }
    }

    /// <summary>
    /// Checks everything first (the snapshot's digests; for each module database, the archived log verifies, carries its
    /// wrapped key, and the database's log is empty), then restores: nothing is changed when a check fails. A database of
    /// the shard map is found in the snapshot by its name (<see cref="StoreSnapshots.ShardFile"/>); a module database's
    /// log is refilled from its own place in the archive.
    /// </summary>
    private static async Task<int> RestoreSnapshotAsync(IArchiveStore store, IReadOnlyDictionary<string, string> stores, IReadOnlyDictionary<string, string> shards,
        string? name, string? serviceId, string? pinnedKey, TextWriter stdout, TextWriter stderr, bool json, CancellationToken cancellationToken)
    {
        var logStores = new List<PostgresLogStore>();
        try
        {
            var manifests = (await store.ListAsync(StoreSnapshots.Prefix, cancellationToken))
                .Where(n => n.EndsWith("/" + StoreSnapshots.ManifestFile, StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
            var chosen = name is null ? manifests.LastOrDefault() : manifests.FirstOrDefault(m => m == StoreSnapshots.ObjectName(name, StoreSnapshots.ManifestFile));
            if (chosen is null)
            {
                stderr.WriteLine(name is null ? $"error: {store.Description} holds no complete snapshot" : $"error: there is no complete snapshot {name}");
                return AdminExitCodes.NotFound;
            }
            var manifest = JsonSerializer.Deserialize<SnapshotManifest>((await store.GetAsync(chosen, cancellationToken))!, StoreSnapshots.Json)!;
            // Each target by its file in the snapshot: postal, module, or postal.NAME / module.NAME for a database of the map.
            var targets = new Dictionary<string, string>(stores, StringComparer.Ordinal);
            foreach (var (shardName, connection) in shards)
            {
                var file = manifest.Files.FirstOrDefault(f => f.Store == StoreSnapshots.ShardFile(Abstractions.StorageNames.Postal, shardName)
                    || f.Store == StoreSnapshots.ShardFile(Abstractions.StorageNames.Module, shardName));
                if (file is null)
                {
                    stderr.WriteLine($"error: snapshot {manifest.Name} holds no copy of a shard map database named '{shardName}'");
                    return AdminExitCodes.NotFound;
                }
                targets[file.Store] = connection;
            }
            var contents = new Dictionary<string, (SnapshotFile File, byte[] Content)>();
            foreach (var storeName in targets.Keys)
            {
                var file = manifest.Files.SingleOrDefault(f => f.Store == storeName);
                if (file is null)
                {
                    stderr.WriteLine($"error: snapshot {manifest.Name} holds no copy of the {storeName} store");
                    return AdminExitCodes.NotFound;
                }
                var content = await store.GetAsync(file.Object, cancellationToken) ?? [];
                if (StoreSnapshots.Digest(content) != file.Sha256)
                {
                    stderr.WriteLine($"error: {file.Object} does not match the digest in its manifest; nothing restored");
                    return AdminExitCodes.LogTampered;
                }
                contents[storeName] = (file, content);
            }

            // The logs to refill: the home log in the module store's database, each module database's of the map in it.
            var logs = new List<(string Log, ArchivedLog Archived, PostgresLogStore Store)>();
            foreach (var (storeName, connection) in targets)
            {
                var shardPrefix = Abstractions.StorageNames.Module + ".";
                if (storeName != Abstractions.StorageNames.Module && !storeName.StartsWith(shardPrefix, StringComparison.Ordinal)) continue;
                var logName = storeName == Abstractions.StorageNames.Module ? TransactionLogs.HomeName : storeName[shardPrefix.Length..];
                var layout = logName == TransactionLogs.HomeName ? LogArchiveLayout.Home : LogArchiveLayout.OfShard(logName);
                var (code, read) = await ReadArchivedLogAsync(store, layout, logName, pinnedKey, stderr, cancellationToken);
                if (code != AdminExitCodes.Ok)
                {
                    if (read is not null) stderr.WriteLine($"the archived log {logName} does not verify, nothing restored: {Describe(read.Verification)}");
                    return code;
                }
                if (read!.KeyToken is null)
                {
                    stderr.WriteLine($"error: {store.Description} holds no wrapped log key ({layout.KeyTokenName}); the log's records cannot be read back, nothing restored");
                    return AdminExitCodes.NotFound;
                }
                var logStore = new PostgresLogStore(connection);
                logStores.Add(logStore);
                var (records, checkpoints) = await logStore.CountAsync(cancellationToken);
                if (records > 0 || checkpoints > 0)
                {
                    stderr.WriteLine($"error: the log in {logStore.Description} already holds {records} records and {checkpoints} checkpoints: hosts ran on this " +
                        "module database after the loss. Stop them, drop and re-create the database (VbiOrleans.Host init-db), and restore again; nothing restored");
                    return AdminExitCodes.Refused;
                }
                stderr.WriteLine($"archive verified: {(logName == TransactionLogs.HomeName ? "" : $"log {logName}: ")}{Describe(read.Verification)}");
                logs.Add((logName, read, logStore));
            }

            var restored = new Dictionary<string, long>();
            var mismatched = false;
            foreach (var (storeName, (file, content)) in contents)
            {
                var rows = await StoreSnapshots.ImportAsync(targets[storeName], serviceId ?? manifest.ServiceId, content, cancellationToken);
                restored[storeName] = rows;
                mismatched |= rows != file.Rows;
            }
            foreach (var (_, archived, logStore) in logs) await logStore.ImportAsync(archived, cancellationToken);

            var lines = string.Join(", ", restored.Select(r => $"{r.Key} {r.Value} rows"));
            var logLines = string.Concat(logs.Select(l => $"; the log {l.Log} refilled from the archive: {l.Archived.Entries.Count} entries, {l.Archived.Checkpoints.Count} checkpoints"));
            var home = logs.FirstOrDefault(l => l.Log == TransactionLogs.HomeName).Archived;
            Print(stdout, json, new
            {
                snapshot = manifest.Name, manifest.TakenAt, manifest.LogSize, rows = restored, logEntries = home?.Entries.Count, logCheckpoints = home?.Checkpoints.Count,
                logs = logs.Select(l => new { log = l.Log, entries = l.Archived.Entries.Count, checkpoints = l.Archived.Checkpoints.Count }),
            }, $"restored from snapshot {manifest.Name} (taken {manifest.TakenAt:u}, log size {manifest.LogSize}): {lines}{logLines}; start the hosts and run recover");
            return mismatched ? AdminExitCodes.Mismatches : AdminExitCodes.Ok;
        }
        catch (Exception e) when (e is Npgsql.NpgsqlException or IOException or Azure.RequestFailedException or InvalidOperationException)
        {
            stderr.WriteLine($"error: {e.Message}");
            return AdminExitCodes.Unavailable;
        }
        finally
        {
            foreach (var logStore in logStores) await logStore.DisposeAsync();
        }
    }

    /// <summary>Pages through the meters in the server's log and reconciles each, with a progress line every few percent.</summary>
    private static async Task<int> RecoverAsync(HttpClient http, TextWriter stdout, TextWriter stderr, bool json, CancellationToken cancellationToken)
    {
        var meters = new List<string>();
        string? after = null;
        try
        {
            while (true)
            {
                var url = "/v1/operator/log/meters?limit=1000" + (after is null ? "" : "&after=" + Uri.EscapeDataString(after));
                using var page = await http.GetAsync(url, cancellationToken);
                if (!page.IsSuccessStatusCode) return await FailAsync(page, stderr);
                var ids = (await page.Content.ReadFromJsonAsync<string[]>(cancellationToken))!;
                meters.AddRange(ids);
                if (ids.Length < 1000) break;
                after = ids[^1];
            }
            var rebuilt = 0;
            var mismatches = new List<string>();
            for (var i = 0; i < meters.Count; i++)
            {
                using var response = await http.PostAsync($"/v1/operator/meters/{meters[i]}/reconcile", null, cancellationToken);
                if (!response.IsSuccessStatusCode) return await FailAsync(response, stderr);
                var audit = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
                if (audit.GetProperty("rolledForward").GetInt32() > 0) rebuilt++;
                if (!audit.GetProperty("matchesModuleMemory").GetBoolean()) mismatches.Add(meters[i]);
                if ((i + 1) % Math.Max(1, meters.Count / 20) == 0 || i + 1 == meters.Count)
                    stderr.WriteLine($"[{new string('#', (i + 1) * 30 / meters.Count),-30}] {i + 1}/{meters.Count} meters");
            }
            var summary = new { meters = meters.Count, rebuilt, mismatches = mismatches.Count, mismatchedMeters = mismatches };
            Print(stdout, json, summary, $"{meters.Count} meters checked, {rebuilt} rebuilt from the log, {mismatches.Count} register mismatches");
            return mismatches.Count == 0 ? AdminExitCodes.Ok : AdminExitCodes.Mismatches;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            stderr.WriteLine($"error: the server is unreachable: {e.Message}");
            return AdminExitCodes.Unavailable;
        }
    }

    /// <summary>
    /// Rewinds the history consumer, then polls the feed's status until the consumer's cursor reaches the log's head as
    /// it was at the rewind (records committed since are applied too, as always), with a progress line as it goes.
    /// </summary>
    private static async Task<int> RebuildHistoryAsync(HttpClient http, TimeSpan timeout, TextWriter stdout, TextWriter stderr, bool json,
        CancellationToken cancellationToken)
    {
        const string consumer = "history";
        try
        {
            using var rewind = await http.PostAsync($"/v1/operator/feed/{consumer}/rewind", null, cancellationToken);
            if (!rewind.IsSuccessStatusCode) return await FailAsync(rewind, stderr);
            var target = (await rewind.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).GetProperty("head").GetInt64();
            var deadline = DateTimeOffset.UtcNow + timeout;
            var reported = -1L;
            while (true)
            {
                using var page = await http.GetAsync("/v1/operator/feed", cancellationToken);
                if (!page.IsSuccessStatusCode) return await FailAsync(page, stderr);
                var status = (await page.Content.ReadFromJsonAsync<JsonElement>(cancellationToken)).EnumerateArray()
                    .First(c => c.GetProperty("consumer").GetString() == consumer);
                var position = status.GetProperty("position").GetInt64();
                if (position >= target)
                {
                    Print(stdout, json, new { consumer, position, head = target },
                        $"history rebuilt from the transaction log: {position} log positions applied");
                    return AdminExitCodes.Ok;
                }
                if (position != reported && target > 0)
                {
                    stderr.WriteLine($"[{new string('#', (int)(position * 30 / target)),-30}] {position}/{target} log positions");
                    reported = position;
                }
                if (status.GetProperty("lastError").GetString() is { } error) stderr.WriteLine($"the history consumer is failing and retrying: {error}");
                if (DateTimeOffset.UtcNow > deadline)
                {
                    stderr.WriteLine($"error: the history had not caught up after {timeout.TotalSeconds:0} s ({position}/{target}); it goes on in the server");
                    return AdminExitCodes.Unavailable;
                }
                await Task.Delay(TimeSpan.FromMilliseconds(500), cancellationToken);
            }
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            stderr.WriteLine($"error: the server is unreachable: {e.Message}");
            return AdminExitCodes.Unavailable;
        }
    }

    private static async Task<int> CallAsync(TextWriter stdout, TextWriter stderr, bool json, Func<Task<HttpResponseMessage>> call, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await call();
            if (!response.IsSuccessStatusCode) return await FailAsync(response, stderr);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            Print(stdout, json, body, string.Join(Environment.NewLine, body.EnumerateObject().Select(p => $"{p.Name}: {p.Value}")));
            return AdminExitCodes.Ok;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            stderr.WriteLine($"error: the server is unreachable: {e.Message}");
            return AdminExitCodes.Unavailable;
        }
    }

    /// <summary>Prints the current shard map as its document, and the version the server routes by.</summary>
    private static async Task<int> ShowShardsAsync(HttpClient http, TextWriter stdout, TextWriter stderr, bool json, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await http.GetAsync("/v1/operator/shards", cancellationToken);
            if (!response.IsSuccessStatusCode) return await FailAsync(response, stderr);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            var current = body.GetProperty("current");
            var active = body.GetProperty("active");
            var text = current.ValueKind == JsonValueKind.Null
                ? "no shard map: each store is its one configured database"
                : JsonSerializer.Serialize(current, JsonOutput) + Environment.NewLine +
                  $"the server routes by {(active.ValueKind == JsonValueKind.Null ? "no map (it started before one was set)" : $"version {active}")}";
            Print(stdout, json, body, text);
            return AdminExitCodes.Ok;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            stderr.WriteLine($"error: the server is unreachable: {e.Message}");
            return AdminExitCodes.Unavailable;
        }
    }

    /// <summary>Prints a list of provider files, one line each: service, day, state, attempts, size, digest, transfer time, last error.</summary>
    private static async Task<int> ProviderFilesAsync(TextWriter stdout, TextWriter stderr, bool json, Func<Task<HttpResponseMessage>> call, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await call();
            if (!response.IsSuccessStatusCode) return await FailAsync(response, stderr);
            var body = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            var lines = body.GetProperty("files").EnumerateArray().Select(f =>
                $"{f.GetProperty("service").GetString()} {f.GetProperty("date").GetString()} {f.GetProperty("state").GetString()}" +
                $" attempts={f.GetProperty("attempts").GetInt32()} size={Text(f, "size")} sha256={Text(f, "sha256")}" +
                $" transferred={Text(f, "transferredAt")} file={Text(f, "fileName")}" +
                (f.GetProperty("lastError").ValueKind == JsonValueKind.String ? $" error=\"{f.GetProperty("lastError").GetString()}\"" : ""));
            Print(stdout, json, body, string.Join(Environment.NewLine, lines));
            return AdminExitCodes.Ok;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            stderr.WriteLine($"error: the server is unreachable: {e.Message}");
            return AdminExitCodes.Unavailable;
        }

        static string Text(JsonElement file, string name) =>
            file.GetProperty(name) is { ValueKind: not JsonValueKind.Null } value ? value.ToString() : "-";
    }

    /// <summary>Prints a day's reconciliation: one line of totals, then one line per difference (check, meter, customer, expected, found, difference).</summary>
    private static async Task<int> ReconciliationAsync(TextWriter stdout, TextWriter stderr, bool json, Func<Task<HttpResponseMessage>> call, CancellationToken cancellationToken)
    {
        try
        {
            using var response = await call();
            if (!response.IsSuccessStatusCode) return await FailAsync(response, stderr);
            var r = await response.Content.ReadFromJsonAsync<JsonElement>(cancellationToken);
            long Mills(string name) => r.GetProperty(name).ValueKind == JsonValueKind.Number ? r.GetProperty(name).GetInt64() : 0;
            var reconciled = r.GetProperty("reconciled").GetBoolean();
            var lines = new List<string>
            {
                $"{r.GetProperty("day").GetString()} {(reconciled ? "reconciled" : "DIFFERENCES")} differences={r.GetProperty("differenceCount").GetInt32()}"
                + $" pvds={r.GetProperty("logPvdCount").GetInt32()} pvdMills(log/resetting/ledger)={Mills("logPvdMills")}/{Mills("resettingPvdMills")}/{Mills("ledgerPvdMills")}"
                + $" remittancePayableNet={Mills("remittancePayableNetMills")} remitted={Mills("remittedMills")} carried={Mills("carriedMills")}"
                + $" meters={r.GetProperty("metersCompared").GetInt32()} runs={r.GetProperty("runs").GetInt32()}",
            };
            foreach (var d in r.GetProperty("differences").EnumerateArray())
            {
                static string Text(JsonElement e, string name) => e.GetProperty(name) is { ValueKind: not JsonValueKind.Null } v ? v.ToString() : "-";
                lines.Add($"  {Text(d, "check")} meter={Text(d, "meterId")} sequence={Text(d, "sequence")} customer={Text(d, "customerId")}"
                    + $" expected={Text(d, "expectedMills")} found={Text(d, "foundMills")} difference={Text(d, "differenceMills")}: {Text(d, "detail")}");
            }
            Print(stdout, json, r, string.Join(Environment.NewLine, lines));
            return reconciled ? AdminExitCodes.Ok : AdminExitCodes.Differences;
        }
        catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
        {
            stderr.WriteLine($"error: the server is unreachable: {e.Message}");
            return AdminExitCodes.Unavailable;
        }
    }

    private static async Task<int> FailAsync(HttpResponseMessage response, TextWriter stderr)
    {
        var text = await response.Content.ReadAsStringAsync();
        string code = "", detail = text;
        try
        {
            var problem = JsonDocument.Parse(text).RootElement;
            code = problem.TryGetProperty("code", out var c) ? c.GetString() ?? "" : "";
            detail = problem.TryGetProperty("detail", out var d) ? d.GetString() ?? text : text;
        }
        catch (JsonException)
        {
        }
        stderr.WriteLine($"error {code}: {detail}".Trim());
        var status = (int)response.StatusCode;
        return status == 404 ? AdminExitCodes.NotFound : status is >= 400 and < 500 ? AdminExitCodes.Refused : AdminExitCodes.Unavailable;
    }

    private static string Describe(LogVerificationResult r) => r.Ok
        ? $"ok: {r.EntriesChecked} entries, {r.CheckpointsChecked} checkpoints, verified size {r.VerifiedSize}"
        : r.FirstBadEntry is { } entry
            ? $"first bad entry: {entry}{(r.FirstBadEntryProven ? "" : " (first seen)")} ({r.Failure}): {r.Reason}"
            : $"{r.Failure}: {r.Reason}";

    // Enums by name, as the text output prints them: "failure": "EntryModified", not 11.
    private static readonly JsonSerializerOptions JsonOutput = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private static void Print(TextWriter stdout, bool json, object value, string text) =>
        stdout.WriteLine(json ? JsonSerializer.Serialize(value, JsonOutput) : text);

    /// <summary>A folder path, or an Azure Blob Storage connection string (Azurite: UseDevelopmentStorage=true or its full string).</summary>
    public static IArchiveStore? OpenArchive(string? location, string container, TextWriter stderr)
    {
        if (string.IsNullOrWhiteSpace(location))
        {
            stderr.WriteLine($"error: give the archive with --archive (a folder, or a blob storage connection string) or ${ArchiveVariable}");
            return null;
        }
        if (location.Contains('=', StringComparison.Ordinal))
        {
            try
            {
                return new BlobArchiveStore(new BlobContainerClient(location, container));
            }
            catch (Exception e) when (e is FormatException or ArgumentException)
            {
                stderr.WriteLine($"error: --archive is not a valid blob storage connection string ({e.GetType().Name})");
                return null;
            }
        }
        if (!Directory.Exists(location))
        {
            stderr.WriteLine($"error: the archive folder '{location}' does not exist");
            return null;
        }
        return new FolderArchiveStore(location);
    }

    private static HttpClient? Http(string server, string? name, string? keyFile, Func<string, string?> env, TextWriter stderr)
    {
        if (!Uri.TryCreate(server, UriKind.Absolute, out var baseAddress) || baseAddress.Scheme is not ("http" or "https"))
        {
            stderr.WriteLine($"error: --server '{server}' is not an http(s) URL");
            return null;
        }
        var key = keyFile is not null ? (File.Exists(keyFile) ? File.ReadAllText(keyFile).Trim() : null) : env(OperatorKeyVariable)?.Trim();
        if (string.IsNullOrEmpty(key))
        {
            stderr.WriteLine($"error: this command needs the operator key: set {OperatorKeyVariable} or give --operator-key-file PATH");
            return null;
        }
        var http = new HttpClient(new RetryAfterHandler()) { BaseAddress = baseAddress, Timeout = TimeSpan.FromMinutes(5) };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic",
            Convert.ToBase64String(Encoding.UTF8.GetBytes($"{name ?? "operator"}:{key}")));
        return http;
    }

    /// <summary>
    /// Waits out the server's rate limit (429 with Retry-After) and sends the request again, so that a recovery of
    /// many meters is slowed by the operator's rate limit, not stopped halfway by it. Every request vbi-admin makes is
    /// safe to repeat (reads, reconcile, ship).
    /// </summary>
    private sealed class RetryAfterHandler() : DelegatingHandler(new HttpClientHandler())
    {
        private const int MaxAttempts = 30;
        private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(30);

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            for (var attempt = 1; ; attempt++)
            {
                var response = await base.SendAsync(request, cancellationToken);
                if (response.StatusCode != System.Net.HttpStatusCode.TooManyRequests || attempt == MaxAttempts) return response;
                var wait = response.Headers.RetryAfter?.Delta ?? (response.Headers.RetryAfter?.Date - DateTimeOffset.UtcNow) ?? TimeSpan.FromSeconds(1);
                response.Dispose();
                await Task.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait > MaxWait ? MaxWait : wait, cancellationToken);
            }
        }
    }
}
