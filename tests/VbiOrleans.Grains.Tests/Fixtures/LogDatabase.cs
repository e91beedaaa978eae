using VbiOrleans.Testing;

namespace VbiOrleans.Grains.Tests.Fixtures;

/// <summary>Direct access to the transaction log's table in the module database, to stage failures.</summary>
public static class LogDatabase
{
    private static string Database => PostgresClusterFixture.ModuleDatabase.Value;

    public static Task<long> CountOfAsync(string meterId) =>
        LocalServices.ScalarAsync<long>(Database, "SELECT count(*) FROM vbi_log WHERE meter_id = @id", ("id", meterId));

    /// <summary>Removes a meter's records from the log, as if they had never been appended.</summary>
    public static Task<long> ForgetAsync(string meterId) =>
        LocalServices.ScalarAsync<long>(Database, "WITH d AS (DELETE FROM vbi_log WHERE meter_id = @id RETURNING 1) SELECT count(*) FROM d", ("id", meterId));

    /// <summary>Makes every append carrying a record of this meter fail (the whole batch it is in), as a crash before step 7's log write.</summary>
    public static Task FailAppendsOfAsync(string meterId) =>
        LocalServices.ScalarAsync<int?>(Database, """
            CREATE TABLE IF NOT EXISTS vbi_test_log_faults (meter text PRIMARY KEY);
            CREATE OR REPLACE FUNCTION vbi_test_log_fault() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM vbi_test_log_faults WHERE meter = NEW.meter_id) THEN
                    RAISE EXCEPTION 'injected fault: log append refused for %', NEW.meter_id;
                END IF;
                RETURN NEW;
            END $$;
            DROP TRIGGER IF EXISTS vbi_test_log_fault ON vbi_log;
            CREATE TRIGGER vbi_test_log_fault BEFORE INSERT ON vbi_log FOR EACH ROW EXECUTE FUNCTION vbi_test_log_fault();
            INSERT INTO vbi_test_log_faults VALUES (@id) ON CONFLICT DO NOTHING;
            SELECT NULL::int;
            """, ("id", meterId));

    public static Task HealAppendsOfAsync(string meterId) =>
        LocalServices.ScalarAsync<int?>(Database,
            "DELETE FROM vbi_test_log_faults WHERE meter = @id; " +
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM vbi_test_log_faults) THEN DROP TRIGGER IF EXISTS vbi_test_log_fault ON vbi_log; END IF; END $$; " +
            "SELECT NULL::int;", ("id", meterId));
}
