using System.Net.Sockets;
using Npgsql;
using VbiOrleans.Host.Shards;
using VbiOrleans.Grains.Shards;

namespace VbiOrleans.Host.Tests.Shards;

/// <summary>
/// Which failures of a bucket's database are an outage (503 ShardUnavailable) and which stay faults (500): the server
/// unreachable, shutting down or starting is one; a statement refused for its content is not.
/// </summary>
public sealed class ShardUnavailableTests
{
    [Theory]
    [InlineData("57P01")] // admin_shutdown: the server is stopping
    [InlineData("57P03")] // cannot_connect_now: the server is starting
    [InlineData("08006")] // connection_failure
    public void A_server_going_away_is_an_outage(string sqlState) =>
        Assert.True(ShardUnavailableException.IsUnreachable(new InvalidOperationException("wrapped", Postgres(sqlState))));

    [Fact]
    public void A_connection_refused_or_timed_out_is_an_outage()
    {
        Assert.True(ShardUnavailableException.IsUnreachable(new NpgsqlException("Failed to connect", new SocketException((int)SocketError.ConnectionRefused))));
        Assert.True(ShardUnavailableException.IsUnreachable(new TimeoutException("no answer")));
    }

    [Theory]
    [InlineData("23505")] // unique_violation
    [InlineData("40001")] // serialization_failure
    [InlineData("42P01")] // undefined_table: a schema fault, not an outage
    public void A_statement_refused_for_its_content_is_not_an_outage(string sqlState) =>
        Assert.False(ShardUnavailableException.IsUnreachable(Postgres(sqlState)));

    [Fact]
    public void Other_failures_are_not_an_outage() =>
        Assert.False(ShardUnavailableException.IsUnreachable(new InvalidOperationException("a bug")));

    [Fact]
    public void The_outage_is_found_under_the_runtimes_wrappers()
    {
        var outage = new ShardUnavailableException("module", 3, "module-b", new TimeoutException());
        Assert.Same(outage, ShardUnavailableException.Find(new OrleansException("activation failed", new AggregateException(outage))));
        Assert.Null(ShardUnavailableException.Find(new OrleansException("activation failed", new TimeoutException())));
        Assert.Contains("bucket 3", outage.Message, StringComparison.Ordinal);
        Assert.Equal(("module", 3, "module-b"), (outage.Store, outage.Bucket, outage.Database));
    }

    private static PostgresException Postgres(string sqlState) => new("refused", "ERROR", "ERROR", sqlState);
}
