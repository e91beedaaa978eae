-- The shard map (docs/scaling.md), in the membership database: every version ever set, never updated or deleted.
-- The current map is the one with the largest version. `document` is the map as JSON (format vbi-shard-map/1); it
-- names connection strings and never holds one. set_by is the operator who set it (the operator audit log has the
-- request too).
CREATE TABLE IF NOT EXISTS vbi_shard_map
(
    version  bigint      NOT NULL PRIMARY KEY CHECK (version > 0),
    document text        NOT NULL,
    set_by   text        NOT NULL,
    set_at   timestamptz NOT NULL DEFAULT now()
);
