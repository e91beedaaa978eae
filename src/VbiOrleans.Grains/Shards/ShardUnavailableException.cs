using System.Net.Sockets;
using Npgsql;

namespace VbiOrleans.Grains.Shards;

/// <summary>
/// The database of a meter's bucket did not answer (refused the connection, shut down, timed out): the meter's command
/// failed before anything was acknowledged, and the meters of other buckets are not affected. The API answers it with
/// <see cref="Domain.Errors.ErrorCode.ShardUnavailable"/> (503, Retry-After). An <see cref="OrleansException"/>, so the
/// grain runtime passes it to the caller as it is, across silos, instead of wrapping it. Thrown by the host's sharded
/// grain storage; here, beside the grains, so that any store routed by the shard map (a bucket's log) throws it too.
/// </summary>
[GenerateSerializer, Alias("vbi.ShardUnavailable")]
public sealed class ShardUnavailableException : OrleansException
{
    public ShardUnavailableException(string store, int bucket, string database, Exception inner)
        : base($"The {store} database of bucket {bucket} ({database}) does not answer; the meters of that bucket cannot be served until it is back.", inner)
    {
        Store = store;
        Bucket = bucket;
        Database = database;
    }

    [Id(0)] public string Store { get; }
    [Id(1)] public int Bucket { get; }
    [Id(2)] public string Database { get; }

    /// <summary>
    /// Whether a failure says the database could not be reached (anywhere in its chain of causes): a connection refused
    /// or broken, a timeout, or the server shutting down or not accepting connections (SQLSTATE classes 08 and 57P).
    /// A statement the server refused for its content (a constraint, a conflict) is not: that is no outage.
    /// </summary>
    public static bool IsUnreachable(Exception e)
    {
        for (Exception? cause = e; cause is not null; cause = cause.InnerException)
        {
            switch (cause)
            {
                case PostgresException p when p.SqlState.StartsWith("08", StringComparison.Ordinal) || p.SqlState.StartsWith("57P", StringComparison.Ordinal):
                    return true;
                case PostgresException:
                    return false;
                case NpgsqlException or SocketException or TimeoutException:
                    return true;
            }
        }
        return false;
    }

    /// <summary>This exception anywhere in a failure's chain of causes (an activation failure wraps it), or null.</summary>
    public static ShardUnavailableException? Find(Exception? e)
    {
        for (var cause = e; cause is not null; cause = cause.InnerException)
        {
            if (cause is ShardUnavailableException shard) return shard;
            if (cause is AggregateException { InnerExceptions.Count: 1 } aggregate) return Find(aggregate.InnerExceptions[0]);
        }
        return null;
    }
}
