using System.Security.Claims;
using System.Text;
using System.Text.Json.Nodes;
using VbiOrleans.Domain.Shards;
using VbiOrleans.Host.Api;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Host.Security;

namespace VbiOrleans.Host.Shards;

/// <summary>The shard map this silo started with (null: none, each store is its one configured database).</summary>
public sealed record ActiveShardMap(ShardMap? Map);

/// <summary>What setting a shard map did.</summary>
public sealed record ShardMapSetResponse(long Version, bool Changed, long? Active, string Applies);

/// <summary>
/// The shard map for operators (what <c>vbi-admin shards show|set</c> drives, docs/scaling.md). Setting it is the only
/// way it changes; the request is in the operator audit log like every operator request, and the map's row keeps who set it.
/// </summary>
public static class ShardEndpoints
{
    public const string AppliesAtNextStart = "each silo routes by the map it read at its start: this version applies to a silo from its next start";

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
                    return Results.Ok(new ShardMapSetResponse(current.Version, false, active.Map?.Version, AppliesAtNextStart));
                // The rules against the current map (version, buckets) before anything is read from the databases.
                if (proposed.Validate(current) is { } stale) return Problems.Result(stale.Code, stale.Message);
                // Every database must be reachable by name from configuration before any silo is asked to start on it.
                if (ShardRouting.Resolve(proposed, configuration, out var failure) is not { } routing)
                    return Problems.Result(ErrorCode.ShardMapConnectionUnknown, failure!);
                // A bucket changes database only while it holds no meter (the Local profile keeps no databases and never routes).
                if (context.RequestServices.GetService<StoreConnections>() is { } connections
                    && await ShardMoveCheck.CheckAsync(current, proposed, routing, connections, configuration, cancellationToken) is { } occupied)
                    return Problems.Result(occupied.Code, occupied.Message);
                var (map, refused) = await store.SetAsync(document, user.Identity!.Name!, cancellationToken);
                if (map is null) return Problems.Result(refused!.Code, refused.Message);
                logs.CreateLogger("VbiOrleans.Audit").LogWarning("Operator {Operator} set shard map version {Version} ({Buckets} buckets)",
                    user.Identity.Name, map.Version, map.Buckets);
                return Results.Ok(new ShardMapSetResponse(map.Version, true, active.Map?.Version, AppliesAtNextStart));
            })
            .WithName("SetShardMap")
            .WithSummary("Sets a new shard map (format vbi-shard-map/1, docs/scaling.md): a larger version, the same buckets, every bucket assigned, " +
                         "postal and module shard of a bucket on different servers, every connection string named configured on this host.")
            .Produces<ShardMapSetResponse>();
    }
}
