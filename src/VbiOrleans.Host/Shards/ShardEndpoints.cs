using System.Security.Claims;
using System.Text;
using System.Text.Json.Nodes;
using VbiOrleans.Domain.Shards;
using VbiOrleans.Host.Api;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Shards;

/// <summary>The shard map this silo routes by now (null: it started without one, and each store is its one configured database).</summary>
public sealed class ActiveShardMap(Func<ShardMap?> current)
{
    public ShardMap? Map => current();
}

/// <summary>What setting a shard map did.</summary>
public sealed record ShardMapSetResponse(long Version, bool Changed, long? Active, string Applies);

/// <summary>
/// The shard map for operators (what <c>vbi-admin shards show|set</c> drives, docs/scaling.md). Setting it is the only
/// way it changes; the request is in the operator audit log like every operator request, and the map's row keeps who set it.
/// </summary>
public static class ShardEndpoints
{
    public const string AppliesAtNextStart = "a silo that started without a shard map routes by none: this version applies to it from its next start";
    public const string AppliesNow = "each silo reads the map every second: this version applies within seconds";

    private static string Applies(ActiveShardMap active) => active.Map is null ? AppliesAtNextStart : AppliesNow;

    /// <summary>A database to add to the map (<c>vbi-admin shards add</c>).</summary>
    public sealed record AddDatabaseRequest(string? Name, string? Store, string? Server, string? Connection);

    /// <summary>Buckets of a store to move to another of its databases (<c>vbi-admin shards move</c>).</summary>
    public sealed record MoveRequest(string? Store, int[]? Buckets, string? To);

    public static void MapShardEndpoints(this IEndpointRouteBuilder app)
    {
        var ops = app.MapGroup("/v1/operator").RequireAuthorization(OperatorAuthenticationHandler.Policy).WithTags("Operators: shard map");
        ops.MapGet("/shards", async (IShardMapStore store, ActiveShardMap active, CancellationToken cancellationToken) =>
            {
                var current = await store.CurrentAsync(cancellationToken);
                return Results.Json(new JsonObject
                {
                    ["active"] = active.Map?.Version,
                    ["current"] = current is null ? null : JsonNode.Parse(current.ToDocument()),
                });
            })
            .WithName("ShardMap")
            .WithSummary("The current shard map (null when none was set: each store is its one configured database) and the version this silo routes by.");
        ops.MapPut("/shards", async (HttpContext context, IShardMapStore store, ActiveShardMap active, IConfiguration configuration, ClaimsPrincipal user,
                ILoggerFactory logs, CancellationToken cancellationToken) =>
            {
                if (await ApiBody.BufferAsync(context, ShardMap.MaxDocumentBytes) is not { } body)
                    return Problems.Result(ErrorCode.ShardMapInvalid, $"the shard map is larger than {ShardMap.MaxDocumentBytes} bytes");
                var document = Encoding.UTF8.GetString(body);
                if (ShardMap.Parse(document, null, out var error) is not { } proposed) return Problems.Result(error!.Code, error.Message);
                var current = await store.CurrentAsync(cancellationToken);
                // A retry of the request that set the current map succeeds again, changing nothing.
                if (current is not null && current.ToDocument() == proposed.ToDocument())
                    return Results.Ok(new ShardMapSetResponse(current.Version, false, active.Map?.Version, Applies(active)));
                // The rules against the current map (version, buckets) before anything is read from the databases.
                if (proposed.Validate(current) is { } stale) return Problems.Result(stale.Code, stale.Message);
                // Every database must be reachable by name from configuration before any silo is asked to start on it.
                if (ShardRouting.Resolve(proposed, configuration, out var failure) is not { } routing)
                    return Problems.Result(ErrorCode.ShardMapConnectionUnknown, failure!);
                // A move carries the map on itself; a map set beside it would be undone by its switch.
                if (context.RequestServices.GetService<ShardMover>() is { } mover && await mover.OpenMoveAsync(cancellationToken) is { } open)
                    return Problems.Result(ErrorCode.ShardMoveInProgress, $"shard move {open.Id} is open in phase {open.Phase}; set the map when it is done");
                // A bucket changes database only while it holds no meter (the Local profile keeps no databases and never routes).
                if (context.RequestServices.GetService<StoreConnections>() is { } connections
                    && await ShardMoveCheck.CheckAsync(current, proposed, routing, connections, configuration, cancellationToken) is { } occupied)
                    return Problems.Result(occupied.Code, occupied.Message);
                var (map, refused) = await store.SetAsync(document, user.Identity!.Name!, cancellationToken);
                if (map is null) return Problems.Result(refused!.Code, refused.Message);
                logs.CreateLogger("VbiOrleans.Audit").LogWarning("Operator {Operator} set shard map version {Version} ({Buckets} buckets)",
                    user.Identity.Name, map.Version, map.Buckets);
                return Results.Ok(new ShardMapSetResponse(map.Version, true, active.Map?.Version, Applies(active)));
            })
            .WithName("SetShardMap")
            .WithSummary("Sets a new shard map (format vbi-shard-map/1, docs/scaling.md): a larger version, the same buckets, every bucket assigned, " +
                         "postal and module shard of a bucket on different servers, every connection string named configured on this host.")
            .Produces<ShardMapSetResponse>();
        ops.MapPost("/shards/databases", async (AddDatabaseRequest request, HttpContext context, ClaimsPrincipal user, ILoggerFactory logs, CancellationToken cancellationToken) =>
            {
                if (context.RequestServices.GetService<ShardMover>() is not { } mover) return NoLiveMap();
                if (request.Name is null || request.Store is null || request.Server is null || request.Connection is null)
                    return Problems.Result(ErrorCode.ShardMoveInvalid, "name, store, server and connection are required");
                var (map, changed, error) = await mover.AddDatabaseAsync(new ShardDatabase(request.Name, request.Store, request.Server, request.Connection), user.Identity!.Name!, cancellationToken);
                if (map is null) return Problems.Result(error!.Code, error.Message);
                if (changed)
                {
                    logs.CreateLogger("VbiOrleans.Audit").LogWarning("Operator {Operator} added {Store} database {Database} to the shard map (version {Version})",
                        user.Identity.Name, request.Store, request.Name, map.Version);
                }
                return Results.Ok(new ShardMapSetResponse(map.Version, changed, map.Version, AppliesNow));
            })
            .WithName("AddShardDatabase")
            .WithSummary("Adds a database to the shard map (no bucket yet): a new version; its schema is applied and its connection string must be configured on the hosts.")
            .Produces<ShardMapSetResponse>();
        ops.MapPost("/shards/moves", async (MoveRequest request, HttpContext context, ClaimsPrincipal user, CancellationToken cancellationToken) =>
            {
                if (context.RequestServices.GetService<ShardMover>() is not { } mover) return NoLiveMap();
                if (request.Store is null || request.Buckets is null || request.To is null)
                    return Problems.Result(ErrorCode.ShardMoveInvalid, "store, buckets and to are required");
                var (move, error) = await mover.MoveAsync(request.Store, request.Buckets, request.To, user.Identity!.Name!, cancellationToken);
                return move is null ? Problems.Result(error!.Code, error.Message) : Results.Ok(Describe(move));
            })
            .WithName("MoveShardBuckets")
            .WithSummary("Moves buckets of one store to another of its databases while printing goes on; answers when the move is done (docs/scaling.md, Moves).");
        ops.MapPost("/shards/moves/resume", async (HttpContext context, CancellationToken cancellationToken) =>
            {
                if (context.RequestServices.GetService<ShardMover>() is not { } mover) return NoLiveMap();
                var (move, error) = await mover.ResumeAsync(cancellationToken);
                if (error is not null) return Problems.Result(error.Code, error.Message);
                return Results.Ok(new { resumed = move is null ? null : Describe(move) });
            })
            .WithName("ResumeShardMove")
            .WithSummary("Carries on the open shard move, if any (the silos also do so by themselves within a second of its coordinator's death).");
        ops.MapGet("/shards/moves", async (HttpContext context, CancellationToken cancellationToken) =>
            {
                if (context.RequestServices.GetService<ShardMover>() is not { } mover) return NoLiveMap();
                return Results.Ok(new { moves = (await mover.ListAsync(100, cancellationToken)).Select(Describe) });
            })
            .WithName("ShardMoves")
            .WithSummary("The shard moves, newest first (at most 100).");
    }

    private static IResult NoLiveMap() => Problems.Result(ErrorCode.ShardMoveInvalid,
        "this host started without a shard map: set the first map with `vbi-admin shards set` and restart the silos, then add databases and move buckets");

    /// <summary>A move as the operator sees it (its new map document left out: `shards show` has the map).</summary>
    public sealed record MoveView(long Id, string Store, int[] Buckets, string From, string To, long BaseVersion, long NewVersion, string Phase, long? RowsCopied,
        string StartedBy, DateTimeOffset StartedAt, DateTimeOffset UpdatedAt, string? Note);

    private static MoveView Describe(ShardMove m) =>
        new(m.Id, m.Store, m.Buckets, m.From, m.To, m.BaseVersion, m.NewVersion, m.Phase, m.RowsCopied, m.StartedBy, m.StartedAt, m.UpdatedAt, m.Note);
}
