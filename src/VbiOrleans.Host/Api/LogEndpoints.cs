using System.Security.Claims;
using VbiOrleans.Abstractions.Log;
using VbiOrleans.Abstractions.Meters;
using VbiOrleans.Domain.Meters;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Api;

/// <summary>What reconciling one meter did: how many logged transactions it replayed, and whether it now agrees with module memory.</summary>
public sealed record ReconcileResponse(string MeterId, int RolledForward, bool MatchesModuleMemory, MeterAudit Audit);

/// <summary>
/// The transaction log: its signed checkpoint and verifier key for anyone, and for operators its status, shipping on
/// demand, and per-meter recovery from it (what <c>vbi-admin recover</c> drives).
/// </summary>
public static class LogEndpoints
{
    public static void MapLogEndpoints(this IEndpointRouteBuilder app)
    {
        // Every log answers under the same paths, named by ?log= (docs/transaction-log.md, "Several logs"): the home log
        // when it is not given, so a system without a shard map is addressed as it always was.
        var open = app.MapGroup("/v1/log").WithTags("Transaction log");
        open.MapGet("/checkpoint", async (string? log, IGrainFactory grains) =>
                await KnownAsync(grains, log) is not { } name ? UnknownLog(log)
                : await grains.GetGrain<ILogSealerGrain>(name).Status() is { Checkpoint: { } note } ? Results.Text(note, "text/plain; charset=utf-8")
                    : Problems.Result(ErrorCode.NotFound, "the log has no checkpoint yet"))
            .WithName("LogCheckpoint")
            .WithSummary("The latest signed checkpoint of a transaction log (C2SP tlog-checkpoint, a signed note); ?log= names the log, the home log by default.");
        open.MapGet("/verifier-key", async (string? log, IGrainFactory grains) =>
                await KnownAsync(grains, log) is not { } name ? UnknownLog(log)
                : Results.Text((await grains.GetGrain<ILogSealerGrain>(name).Status()).VerifierKey + "\n", "text/plain; charset=utf-8"))
            .WithName("LogVerifierKey")
            .WithSummary("The key that verifies the logs' checkpoints (C2SP verifier key: name+hash+base64(type||key)); one key for every log.");
        open.MapGet("/proof", async (string? log, string? from, string? to, IGrainFactory grains) =>
            {
                if (!TryParseSize(from, out var older) || !TryParseSize(to, out var newer))
                    return Problems.Result(ErrorCode.LogProofSizesInvalid, "from and to are tree sizes: decimal numbers with 0 <= from <= to");
                if (await KnownAsync(grains, log) is not { } name) return UnknownLog(log);
                var result = await grains.GetGrain<ILogProofGrain>(0).Consistency(name, older, newer);
                return result.IsSuccess ? Results.Ok(result.Proof) : Problems.Result(result.Error, result.Message!);
            })
            .WithName("LogConsistencyProof")
            .WithSummary("The RFC 9162 consistency proof between a log's checkpoints of sizes from and to (base64 hashes): the log only grew in between.")
            .Produces<LogConsistencyProof>();

        var ops = app.MapGroup("/v1/operator").RequireAuthorization(OperatorAuthenticationHandler.Policy).WithTags("Operators: transaction log and recovery");
        ops.MapGet("/log", async (string? log, IGrainFactory grains) =>
                await KnownAsync(grains, log) is not { } name ? UnknownLog(log) : Results.Ok(await grains.GetGrain<ILogSealerGrain>(name).Status()))
            .WithName("LogStatus")
            .WithSummary("A log's entries, not yet sealed, not yet shipped to the archive, and its latest checkpoint (?log=, the home log by default).");
        ops.MapPost("/log/ship", async (string? log, IGrainFactory grains) =>
                await KnownAsync(grains, log) is not { } name ? UnknownLog(log) : Results.Ok(await grains.GetGrain<ILogSealerGrain>(name).Ship()))
            .WithName("ShipLog")
            .WithSummary("Seals and ships a log to the archive now (?log=, the home log by default).");
        ops.MapGet("/logs", async (IGrainFactory grains) =>
                Results.Ok(await Task.WhenAll((await grains.GetGrain<ILogReaderGrain>(0).Logs()).Select(n => grains.GetGrain<ILogSealerGrain>(n).Status()))))
            .WithName("LogsStatus")
            .WithSummary("Every transaction log's status: the home log's, then each module database's of the shard map.");
        ops.MapPost("/logs/ship", async (IGrainFactory grains) =>
                Results.Ok(await Task.WhenAll((await grains.GetGrain<ILogReaderGrain>(0).Logs()).Select(n => grains.GetGrain<ILogSealerGrain>(n).Ship()))))
            .WithName("ShipLogs")
            .WithSummary("Seals and ships every transaction log to the archive now.");
        ops.MapGet("/feed", async (IGrainFactory grains) => Results.Ok(await grains.GetGrain<ILogFeedDirectoryGrain>(0).Status()))
            .WithName("LogFeedStatus")
            .WithSummary("Each log feed consumer (history, webhooks): its cursor, the log's head, its lag in records, the delay from commit to its effect, and its failures.");
        ops.MapPost("/feed/{consumer}/rewind", async (string consumer, IGrainFactory grains, ClaimsPrincipal user, ILoggerFactory logs) =>
            {
                if (await grains.GetGrain<ILogFeedDirectoryGrain>(0).Rewind(consumer) is not { } status)
                    return Problems.Result(ErrorCode.NotFound, $"the log feed has no consumer '{consumer}'");
                logs.CreateLogger("VbiOrleans.Audit").LogWarning("Operator {Operator} rewound the log feed consumer {Consumer} to the start of the log",
                    user.Identity?.Name, consumer);
                return Results.Ok(status);
            })
            .WithName("RewindLogFeed")
            .WithSummary("Moves a consumer's cursor back to the start of the log: it applies every record again (idempotently), rebuilding its projection. vbi-admin rebuild-history uses it.");
        ops.MapPost("/snapshots", async (IGrainFactory grains) =>
            {
                var taken = await grains.GetGrain<ISnapshotGrain>(0).Take();
                return taken.IsSuccess
                    ? Results.Text(System.Text.Encoding.UTF8.GetString(taken.Manifest!), "application/json")
                    : Problems.Result(taken.Error, taken.Message!);
            })
            .WithName("TakeSnapshot")
            .WithSummary("Snapshots the postal and module stores to the archive now (it also happens every Vbi:Log:SnapshotInterval).");
        ops.MapGet("/log/meters", async (string? after, int? limit, IGrainFactory grains) =>
                limit is < 1 or > 10_000 ? Problems.Result(ErrorCode.ValidationFailed, "limit is 1 to 10000")
                    : Results.Ok(await grains.GetGrain<ILogReaderGrain>(0).Meters(after, limit ?? 1000)))
            .WithName("LogMeters")
            .WithSummary("The meters with records in the log, in order, a page at a time (after the given id).");
        ops.MapPost("/meters/{meterId}/reconcile", async (string meterId, IGrainFactory grains, ClaimsPrincipal user, ILoggerFactory logs) =>
            {
                if (!MeterId.TryParse(meterId, out _)) return Problems.Result(ErrorCode.InvalidMeterId, $"'{meterId}' is not a meter id");
                var meter = grains.GetGrain<IMeterGrain>(meterId);
                var audit = await meter.Reconcile();
                var memory = audit.ModuleMemory.Count > 0 ? audit.ModuleMemory[^1] : null;
                var matches = memory is not null && audit.PostalCheckpoint is { } postal && postal.Sequence == memory.Sequence
                    && postal.AscendingMills == memory.AscendingMills && postal.DescendingMills == memory.DescendingMills
                    && audit.Registers is { } r && r.AscendingMills == postal.AscendingMills && r.DescendingMills == postal.DescendingMills;
                if (audit.RolledForward > 0)
                    logs.CreateLogger("VbiOrleans.Audit").LogWarning("Operator {Operator} reconciled meter {MeterId} from the log: {Count} transactions to sequence {After}",
                        user.Identity?.Name, meterId, audit.RolledForward, audit.PostalCheckpoint?.Sequence);
                return Results.Ok(new ReconcileResponse(meterId, audit.RolledForward, matches, audit));
            })
            .WithName("ReconcileMeter")
            .WithSummary("Rebuilds a meter's postal row from the transaction log if it is behind module memory or gone; reports whether they now agree.");
    }

    /// <summary>The log named (the home log when none is), if this system has it.</summary>
    private static async Task<string?> KnownAsync(IGrainFactory grains, string? log)
    {
        var name = string.IsNullOrEmpty(log) ? LogNames.Home : log;
        return (await grains.GetGrain<ILogReaderGrain>(0).Logs()).Contains(name) ? name : null;
    }

    private static IResult UnknownLog(string? log) => Problems.Result(ErrorCode.NotFound, $"there is no transaction log named '{log}'");

    private static bool TryParseSize(string? text, out long size)
    {
        size = 0;
        return text is { Length: > 0 and <= 19 } && text.All(char.IsAsciiDigit)
            && long.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out size);
    }
}
