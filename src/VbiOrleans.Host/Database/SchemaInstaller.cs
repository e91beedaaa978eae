using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using VbiOrleans.Abstractions;
using VbiOrleans.Host.Configuration;

namespace VbiOrleans.Host.Database;

/// <summary>
/// Applies the scripts of infra/sql (embedded in this assembly) to each store's database. Every script is
/// idempotent; each database is changed in one transaction under a PostgreSQL advisory lock, so two silos
/// starting together, or two operators running init-db at once, apply it once and never interleave.
/// </summary>
public sealed class SchemaInstaller
{
    // Any constant works: the lock is per database and only our installer takes it.
    private const long AdvisoryLockKey = 0x5642_4953_4348_454D; // "VBISCHEM"

    public sealed record Script(string Name, string Sql, string Sha256);

    /// <summary>Which scripts each store's database needs.</summary>
    public static IReadOnlyList<Script> ScriptsFor(string store)
    {
        var names = store switch
        {
            // Membership also keeps the shard map (45) and its moves (46, docs/scaling.md), and the portal's key ring (61,
            // docs/portal.md).
            StorageNames.Membership => new[] { "00-main.sql", "10-clustering.sql", "20-persistence.sql", "30-reminders.sql", "45-shards.sql", "46-shard-moves.sql", "61-portal-keys.sql" },
            // The transaction log lives beside module memory: both must outlive the postal store. A move's fence (46) in
            // every postal and module database.
            StorageNames.Module => new[] { "00-main.sql", "20-persistence.sql", "40-transaction-log.sql", "46-shard-moves.sql" },
            StorageNames.Postal => new[] { "00-main.sql", "20-persistence.sql", "46-shard-moves.sql" },
            // Commerce: the ledger (52), ACH debits and files (53), the provider's journal of the log (55, docs/provider-files.md),
            // card charges (56, after 53: it adds the ACH debit's direction), the daily reconciliation (57), the export's
            // by-day index of purchases and invoices (58, docs/export.md).
            StorageNames.Commerce => new[] { "00-main.sql", "20-persistence.sql", "52-ledger.sql", "53-ach.sql", "55-provider.sql", "56-cards.sql", "57-reconciliation.sql", "58-export-index.sql" },
            _ => new[] { "00-main.sql", "20-persistence.sql" },
        };
        return [.. names.Select(Load)];
    }

    private static Script Load(string name)
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("sql/" + name)
            ?? throw new InvalidOperationException($"schema script {name} is not embedded in the host");
        using var reader = new StreamReader(stream, Encoding.UTF8);
        var sql = reader.ReadToEnd();
        return new Script(name, sql, Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql))));
    }

    /// <summary>Applies every store's scripts; databases shared by several stores are visited once per store (harmless).</summary>
    public static async Task ApplyAsync(StoreConnections connections, Action<string> report, CancellationToken cancellationToken)
    {
        foreach (var (store, connectionString) in connections.All) await ApplyToAsync(store, connectionString, report, cancellationToken);
    }

    /// <summary>Applies one store's scripts to one database (a store's own, or a shard map's database of that store).</summary>
    public static async Task ApplyToAsync(string store, string connectionString, Action<string> report, CancellationToken cancellationToken)
    {
        var scripts = ScriptsFor(store);
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync(cancellationToken);
        await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
        await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
        {
            lockCommand.Parameters.AddWithValue("key", AdvisoryLockKey);
            await lockCommand.ExecuteNonQueryAsync(cancellationToken);
        }
        foreach (var script in scripts)
        {
            await using (var apply = new NpgsqlCommand(script.Sql, connection, transaction))
            {
                await apply.ExecuteNonQueryAsync(cancellationToken);
            }
            await using var record = new NpgsqlCommand(
                "INSERT INTO vbi_schema (script, sha256) VALUES (@script, @sha) " +
                "ON CONFLICT (script) DO UPDATE SET sha256 = EXCLUDED.sha256, applied_at = now() WHERE vbi_schema.sha256 <> EXCLUDED.sha256",
                connection, transaction);
            record.Parameters.AddWithValue("script", script.Name);
            record.Parameters.AddWithValue("sha", script.Sha256);
            await record.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        report($"{store}: {string.Join(", ", scripts.Select(s => s.Name))} applied to {StoreConnections.Describe(connectionString)}");
    }

    /// <summary>Runs an action while holding this installer's advisory lock (session level) on the given database.</summary>
    public static async Task WithLockAsync(string connectionString, Func<Task> action)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using (var take = new NpgsqlCommand("SELECT pg_advisory_lock(@key)", connection))
        {
            take.Parameters.AddWithValue("key", AdvisoryLockKey + 1);
            await take.ExecuteNonQueryAsync();
        }
        try
        {
            await action();
        }
        finally
        {
            await using var release = new NpgsqlCommand("SELECT pg_advisory_unlock(@key)", connection);
            release.Parameters.AddWithValue("key", AdvisoryLockKey + 1);
            await release.ExecuteNonQueryAsync();
        }
    }

    /// <summary>The scripts this store's database lacks or holds in another version; empty when it is up to date.</summary>
    public static async Task<IReadOnlyList<string>> MissingAsync(NpgsqlConnection connection, string store, CancellationToken cancellationToken)
    {
        var applied = new Dictionary<string, string>(StringComparer.Ordinal);
        await using (var exists = new NpgsqlCommand("SELECT to_regclass('vbi_schema') IS NOT NULL", connection))
        {
            if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!) return [.. ScriptsFor(store).Select(s => s.Name)];
        }
        await using (var read = new NpgsqlCommand("SELECT script, sha256 FROM vbi_schema", connection))
        await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
        {
            while (await reader.ReadAsync(cancellationToken)) applied[reader.GetString(0)] = reader.GetString(1);
        }
        return [.. ScriptsFor(store).Where(s => !applied.TryGetValue(s.Name, out var sha) || sha != s.Sha256).Select(s => s.Name)];
    }
}
