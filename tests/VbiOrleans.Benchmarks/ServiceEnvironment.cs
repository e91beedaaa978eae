using Npgsql;

namespace VbiOrleans.Benchmarks;

/// <summary>
/// The environment infra/local/services.sh writes (PostgreSQL, Azurite). A missing variable stops the benchmark with
/// the command that loads it.
/// </summary>
public static class ServiceEnvironment
{
    public const string LoadCommand = "source infra/local/.state/env";

    /// <summary>The stores the host needs in the Cluster profile (ConnectionStrings__…).</summary>
    public static readonly IReadOnlyList<string> ClusterConnectionStrings = ["postal", "module", "commerce", "membership", "archive"];

    public static string Require(string variable) =>
        Environment.GetEnvironmentVariable(variable) is { Length: > 0 } value
            ? value
            : throw new BenchmarkFailure(
                $"environment variable {variable} is not set: start the local services and load their environment in this shell " +
                $"(infra/local/services.sh start && {LoadCommand}), then run the benchmark again");

    public static string ConnectionString(string store) => Require($"ConnectionStrings__{store}");

    /// <summary>Host, port, user and password of the local PostgreSQL server (VBI_PG_BASE), for a given database.</summary>
    public static NpgsqlConnectionStringBuilder Postgres(string database) =>
        new(Require("VBI_PG_BASE")) { Database = database };

    /// <summary>Where PostgreSQL's programs are (pgbench).</summary>
    public static string PostgresBin => Require("VBI_PG_BIN");

    /// <summary>The port the local PostgreSQL listens on, on 127.0.0.1.</summary>
    public static string PostgresPort => Require("VBI_PG_PORT");
}

/// <summary>The benchmark cannot run (a service missing, a host that does not start): the message says why.</summary>
public sealed class BenchmarkFailure(string message, Exception? inner = null) : Exception(message, inner);
