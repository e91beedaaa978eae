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

CREATE OR REPLACE FUNCTION vbi_storage_write(
    p_id_hash integer, p_n0 bigint, p_n1 bigint, p_type_hash integer, p_type varchar, p_ext varchar,
    p_service varchar, p_version integer, p_binary bytea, p_json text, p_xml xml)
RETURNS TABLE (NewGrainStateVersion integer) LANGUAGE plpgsql AS $$
DECLARE n integer;
BEGIN
    IF p_version IS NULL THEN
        -- First write of this grain's state: succeeds only if no row exists yet.
        INSERT INTO OrleansStorage
            (GrainIdHash, GrainIdN0, GrainIdN1, GrainTypeHash, GrainTypeString, GrainIdExtensionString, ServiceId,
             PayloadBinary, PayloadJson, PayloadXml, ModifiedOn, Version)
        VALUES
            (p_id_hash, p_n0, p_n1, p_type_hash, p_type, p_ext, p_service, p_binary, p_json, p_xml, now(), 1)
        ON CONFLICT DO NOTHING;
        GET DIAGNOSTICS n = ROW_COUNT;
        RETURN QUERY SELECT CASE WHEN n > 0 THEN 1 ELSE NULL::integer END;
    ELSE
        UPDATE OrleansStorage
           SET PayloadBinary = p_binary, PayloadJson = p_json, PayloadXml = p_xml,
               ModifiedOn = now(), Version = Version + 1
         WHERE GrainIdHash = p_id_hash AND GrainTypeHash = p_type_hash
           AND GrainIdN0 = p_n0 AND GrainIdN1 = p_n1
           AND GrainTypeString = p_type
           AND COALESCE(GrainIdExtensionString, '') = COALESCE(p_ext, '')
           AND ServiceId = p_service
           AND Version = p_version;
        GET DIAGNOSTICS n = ROW_COUNT;
        -- An unchanged version tells Orleans the write lost the race (InconsistentStateException).
        RETURN QUERY SELECT CASE WHEN n > 0 THEN p_version + 1 ELSE p_version END;
    END IF;
END $$;

INSERT INTO OrleansQuery (QueryKey, QueryText) VALUES
('WriteToStorageKey', '
    SELECT NewGrainStateVersion FROM vbi_storage_write(@GrainIdHash, @GrainIdN0, @GrainIdN1, @GrainTypeHash,
        @GrainTypeString, @GrainIdExtensionString, @ServiceId, @GrainStateVersion, @PayloadBinary, NULL, NULL);'),
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
