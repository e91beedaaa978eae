using VbiOrleans.Testing;

namespace VbiOrleans.Grains.Tests.Fixtures;

/// <summary>
/// Direct access to the postal store's rows, as an attacker or a restore from backup would change them, and a
/// fault injector: a trigger that makes PostgreSQL refuse the postal write of one meter (a crash between the
/// module write and the postal write, seen from the meter).
/// </summary>
public static class PostalDatabase
{
    private const string Database = "vbi_postal";

    public static async Task<byte[]> ReadMeterRowAsync(string meterId) =>
        (await LocalServices.ScalarAsync<byte[]>(Database,
            "SELECT PayloadBinary FROM OrleansStorage WHERE GrainTypeString = 'meter' AND GrainIdExtensionString = @id", ("id", meterId)))!;

    public static async Task WriteMeterRowAsync(string meterId, byte[] payload)
    {
        var changed = await LocalServices.ScalarAsync<long>(Database,
            "WITH u AS (UPDATE OrleansStorage SET PayloadBinary = @p WHERE GrainTypeString = 'meter' AND GrainIdExtensionString = @id RETURNING 1) SELECT count(*) FROM u",
            ("p", payload), ("id", meterId));
        if (changed != 1) throw new InvalidOperationException($"meter row {meterId} not found");
    }

    /// <summary>Deletes a meter's row, as a lost postal database loses it.</summary>
    public static async Task DeleteMeterRowAsync(string meterId)
    {
        var deleted = await LocalServices.ScalarAsync<long>(Database,
            "WITH d AS (DELETE FROM OrleansStorage WHERE GrainTypeString = 'meter' AND GrainIdExtensionString = @id RETURNING 1) SELECT count(*) FROM d", ("id", meterId));
        if (deleted != 1) throw new InvalidOperationException($"meter row {meterId} not found");
    }

    /// <summary>Deletes a published meter certificate's row, as a postal store restored from before it was written would lack it.</summary>
    public static async Task DeleteCertificateRowAsync(string serial)
    {
        var deleted = await LocalServices.ScalarAsync<long>(Database,
            "WITH d AS (DELETE FROM OrleansStorage WHERE GrainTypeString = 'meterCertificate' AND GrainIdExtensionString = @id RETURNING 1) SELECT count(*) FROM d", ("id", serial));
        if (deleted != 1) throw new InvalidOperationException($"certificate row {serial} not found");
    }

    /// <summary>Flips one bit of the sealed PSD package inside a meter's row, found by its "VPSD" magic.</summary>
    public static byte[] FlipPackageByte(byte[] payload, int index)
    {
        var start = payload.AsSpan().IndexOf("VPSD"u8);
        if (start < 0) throw new InvalidOperationException("no sealed package in the meter row");
        // The sealed package is stored as a length-prefixed byte array; its length is in its header fields, so flip
        // within the first few hundred bytes after the magic, which the package always spans.
        var copy = (byte[])payload.Clone();
        copy[start + index % 400] ^= 0x10;
        return copy;
    }

    public static async Task FailPostalWritesOfAsync(string meterId)
    {
        await LocalServices.ScalarAsync<int?>(Database, """
            CREATE TABLE IF NOT EXISTS vbi_test_faults (grain text PRIMARY KEY);
            CREATE OR REPLACE FUNCTION vbi_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF EXISTS (SELECT 1 FROM vbi_test_faults WHERE grain = NEW.GrainIdExtensionString) THEN
                    RAISE EXCEPTION 'injected fault: postal write refused for %', NEW.GrainIdExtensionString;
                END IF;
                RETURN NEW;
            END $$;
            DROP TRIGGER IF EXISTS vbi_test_fault ON OrleansStorage;
            CREATE TRIGGER vbi_test_fault BEFORE INSERT OR UPDATE ON OrleansStorage FOR EACH ROW EXECUTE FUNCTION vbi_test_fault();
            INSERT INTO vbi_test_faults VALUES (@id) ON CONFLICT DO NOTHING;
            SELECT NULL::int;
            """, ("id", meterId));
    }

    /// <summary>Lifts the fault; the trigger itself goes when no meter is faulted, so it never slows other writes.</summary>
    public static Task HealPostalWritesOfAsync(string meterId) =>
        LocalServices.ScalarAsync<int?>(Database,
            "DELETE FROM vbi_test_faults WHERE grain = @id; " +
            "DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM vbi_test_faults) THEN DROP TRIGGER IF EXISTS vbi_test_fault ON OrleansStorage; END IF; END $$; " +
            "SELECT NULL::int;", ("id", meterId));
}
