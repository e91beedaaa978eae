using Npgsql;
using VbiOrleans.Domain.Errors;
using VbiOrleans.Domain.Shards;

namespace VbiOrleans.Host.Shards;

/// <summary>The shard map's versions (docs/scaling.md): the current one, and a new one set by an operator.</summary>
public interface IShardMapStore
{
    /// <summary>The current map (the largest version), or null where none was ever set.</summary>
    Task<ShardMap?> CurrentAsync(CancellationToken cancellationToken = default);

    /// <summary>
    /// Parses and validates <paramref name="document"/> against the current map and stores it as the new current map, in
    /// one transaction that holds every other setter back: two operators never both replace the same version.
    /// </summary>
    Task<(ShardMap? Map, DomainError? Error)> SetAsync(string document, string setBy, CancellationToken cancellationToken = default);
}

/// <summary>The shard map in the membership database (infra/sql/45-shards.sql).</summary>
public sealed class PostgresShardMapStore(string connectionString) : IShardMapStore
{
    public async Task<ShardMap?> CurrentAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        return await CurrentAsync(connection, null, cancellationToken);
    }

    private static async Task<ShardMap?> CurrentAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var read = new NpgsqlCommand("SELECT document FROM vbi_shard_map ORDER BY version DESC LIMIT 1", connection, transaction);
        if (await read.ExecuteScalarAsync(cancellationToken) is not string document) return null;
        // What was stored passed validation; a row that no longer parses was edited outside the operator command.
        return ShardMap.Parse(document, null, out var error)
            ?? throw new InvalidOperationException($"the stored shard map does not parse ({error!.Message}); it was changed outside vbi-admin shards set");
    }

    public async Task<(ShardMap? Map, DomainError? Error)> SetAsync(string document, string setBy, CancellationToken cancellationToken = default)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        // EXCLUSIVE lets readers read and holds other setters until this one commits: the version check below sees the latest.
        await using (var exclusive = new NpgsqlCommand("LOCK TABLE vbi_shard_map IN EXCLUSIVE MODE", connection, transaction))
            await exclusive.ExecuteNonQueryAsync(cancellationToken);
        var current = await CurrentAsync(connection, transaction, cancellationToken);
        var map = ShardMap.Parse(document, current, out var error);
        if (map is null) return (null, error);
        await using (var insert = new NpgsqlCommand("INSERT INTO vbi_shard_map (version, document, set_by) VALUES ($1, $2, $3)", connection, transaction))
        {
            insert.Parameters.Add(new NpgsqlParameter<long> { TypedValue = map.Version });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = map.ToDocument() });
            insert.Parameters.Add(new NpgsqlParameter<string> { TypedValue = setBy });
            await insert.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return (map, null);
    }
}

/// <summary>The Local profile's shard map: in this process, as every Local store is (and never routed by: Local stores are in memory).</summary>
public sealed class MemoryShardMapStore : IShardMapStore
{
    private readonly Lock _gate = new();
    private ShardMap? _current;

    public Task<ShardMap?> CurrentAsync(CancellationToken cancellationToken = default)
    {
        lock (_gate) return Task.FromResult(_current);
    }

    public Task<(ShardMap? Map, DomainError? Error)> SetAsync(string document, string setBy, CancellationToken cancellationToken = default)
    {
        lock (_gate)
        {
            var map = ShardMap.Parse(document, _current, out var error);
            if (map is not null) _current = map;
            return Task.FromResult((map, error));
        }
    }
}
