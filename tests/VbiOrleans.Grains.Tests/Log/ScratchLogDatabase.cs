using Microsoft.Extensions.Configuration;
using Npgsql;
using VbiOrleans.Grains.Log;
using VbiOrleans.Host.Configuration;
using VbiOrleans.Host.Database;
using VbiOrleans.Testing;

namespace VbiOrleans.Grains.Tests.Log;

/// <summary>
/// A scratch PostgreSQL database with the project's schema and a <see cref="PostgresLogStore"/> over it, for tests of
/// what the log store does when appends commit in another order than they drew their ids.
/// </summary>
public sealed class ScratchLogDatabase : IAsyncDisposable
{
    private ScratchLogDatabase(string database, PostgresLogStore store) => (Database, Store) = (database, store);

    public string Database { get; }
    public PostgresLogStore Store { get; }

    public static async Task<ScratchLogDatabase> CreateAsync(string prefix)
    {
        var database = await LocalServices.CreateScratchDatabaseAsync(prefix);
        var config = new ConfigurationBuilder()
            .AddInMemoryCollection(LocalServices.StoreConnectionStrings.Select(kv =>
                new KeyValuePair<string, string?>($"ConnectionStrings:{kv.Key}", LocalServices.ConnectionString(database))))
            .Build();
        await SchemaInstaller.ApplyAsync(StoreConnections.Read(config, out var error) ?? throw new InvalidOperationException(error), _ => { }, CancellationToken.None);
        return new ScratchLogDatabase(database, new PostgresLogStore(LocalServices.ConnectionString(database)));
    }

    /// <summary>
    /// An append left open: its row has drawn its id, holds the table for insertion and stays invisible until the
    /// transaction ends.
    /// </summary>
    public async Task<(NpgsqlConnection Connection, NpgsqlTransaction Transaction)> OpenAppendAsync(PendingLogRow row)
    {
        var connection = new NpgsqlConnection(LocalServices.ConnectionString(Database));
        await connection.OpenAsync();
        var transaction = await connection.BeginTransactionAsync();
        await using var insert = new NpgsqlCommand(
            "INSERT INTO vbi_log (meter_id, meter_sequence, kind, amount_mills, ar_mills, dr_mills, at, module_serial, public_payload, record) " +
            "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)", connection, transaction);
        foreach (var value in new object[] { row.MeterId, row.Sequence, (short)row.Kind, row.AmountMills, row.AscendingMills, row.DescendingMills, row.At, row.ModuleSerial, row.PublicPayload, row.Record })
            insert.Parameters.Add(new NpgsqlParameter { Value = value });
        await insert.ExecuteNonQueryAsync();
        return (connection, transaction);
    }

    public ValueTask DisposeAsync() => Store.DisposeAsync();
}
