-- VbiOrleans schema, part 2: grain state (Orleans ADO.NET persistence). Applied to every store's database.
--
-- One row per grain state. The Version column is the ETag: a write names the version it read and succeeds only
-- if that is still the stored one (optimistic concurrency), so two activations of one grain cannot both write.
-- Unlike the upstream script we also enforce one row per grain with a unique index, so even a racing first
-- insert cannot create a second row.
--
-- The 10.x provider serializes state itself and binds only @PayloadBinary; the Json and Xml columns stay for
-- the interface's readers and are always NULL here.

CREATE TABLE IF NOT EXISTS OrleansStorage
(
    GrainIdHash            integer       NOT NULL,
    GrainIdN0              bigint        NOT NULL,
    GrainIdN1              bigint        NOT NULL,
    GrainTypeHash          integer       NOT NULL,
    GrainTypeString        varchar(512)  NOT NULL,
    GrainIdExtensionString varchar(512)  NULL,
    ServiceId              varchar(150)  NOT NULL,
    PayloadBinary          bytea         NULL,
    PayloadXml             xml           NULL,
    PayloadJson            text          NULL,
    ModifiedOn             timestamptz   NOT NULL,
    Version                integer       NULL
);

CREATE UNIQUE INDEX IF NOT EXISTS UX_OrleansStorage_Grain
    ON OrleansStorage (GrainIdHash, GrainTypeHash, GrainIdN0, GrainIdN1, ServiceId, GrainTypeString,
                       COALESCE(GrainIdExtensionString, ''));

-- Earlier versions wrote through a plpgsql function; the write is the plain statement below now.
DROP FUNCTION IF EXISTS vbi_storage_write(integer, bigint, bigint, integer, varchar, varchar, varchar, integer, bytea, text, xml);

-- The write is one plain statement (auto-prepared by Npgsql, its plan cached): a function call cost PostgreSQL a
-- plpgsql frame and a materialized result per write, twice a print (docs/performance.md). It always returns one row:
-- the new version; or, when the update found another version or the first insert found a row, the version the grain
-- held (NULL for a first write), which Orleans reads as a lost race (InconsistentStateException).
INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('WriteToStorageKey', '
    WITH updated AS (
        UPDATE OrleansStorage
           SET PayloadBinary = CAST(@PayloadBinary AS bytea), PayloadJson = NULL, PayloadXml = NULL,
               ModifiedOn = now(), Version = Version + 1
         WHERE CAST(@GrainStateVersion AS integer) IS NOT NULL
           AND GrainIdHash = CAST(@GrainIdHash AS integer) AND GrainTypeHash = CAST(@GrainTypeHash AS integer)
           AND GrainIdN0 = CAST(@GrainIdN0 AS bigint) AND GrainIdN1 = CAST(@GrainIdN1 AS bigint)
           AND GrainTypeString = CAST(@GrainTypeString AS varchar)
           AND COALESCE(GrainIdExtensionString, '''') = COALESCE(CAST(@GrainIdExtensionString AS varchar), '''')
           AND ServiceId = CAST(@ServiceId AS varchar)
           AND Version = CAST(@GrainStateVersion AS integer)
        RETURNING Version),
    inserted AS (
        INSERT INTO OrleansStorage
            (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId,
             PayloadBinary, PayloadJson, PayloadXml, ModifiedOn, Version)
        SELECT CAST(@GrainIdHash AS integer), CAST(@GrainIdN0 AS bigint), CAST(@GrainIdN1 AS bigint), CAST(@GrainTypeHash AS integer),
               CAST(@GrainTypeString AS varchar), CAST(@GrainIdExtensionString AS varchar), CAST(@ServiceId AS varchar),
               CAST(@PayloadBinary AS bytea), NULL, NULL, now(), 1
         WHERE CAST(@GrainStateVersion AS integer) IS NULL
        ON CONFLICT DO NOTHING
        RETURNING Version)
    SELECT COALESCE((SELECT Version FROM updated), (SELECT Version FROM inserted), CAST(@GrainStateVersion AS integer)) AS NewGrainStateVersion;'),
('ReadFromStorageKey', '
    SELECT PayloadBinary, PayloadXml, PayloadJson, now() AS ModifiedOn, Version
      FROM OrleansStorage
     WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
       AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
       AND GrainTypeString = @GrainTypeString
       AND COALESCE(GrainIdExtensionString, '''') = COALESCE(CAST(@GrainIdExtensionString AS varchar), '''')
       AND ServiceId = @ServiceId;'),
('ClearStorageKey', '
    UPDATE OrleansStorage
       SET PayloadBinary = NULL, PayloadJson = NULL, PayloadXml = NULL, ModifiedOn = now(), Version = Version + 1
     WHERE GrainIdHash = @GrainIdHash AND GrainTypeHash = @GrainTypeHash
       AND GrainIdN0 = @GrainIdN0 AND GrainIdN1 = @GrainIdN1
       AND GrainTypeString = @GrainTypeString
       AND COALESCE(GrainIdExtensionString, '''') = COALESCE(CAST(@GrainIdExtensionString AS varchar), '''')
       AND ServiceId = @ServiceId
       AND Version = @GrainStateVersion
    RETURNING Version AS NewGrainStateVersion;')
ON CONFLICT (QueryKey) DO UPDATE SET QueryText = EXCLUDED.QueryText;
