-- VbiOrleans schema: online moves of shard map buckets (docs/scaling.md, "Moves"). Applied to the membership
-- database (the moves' durable records and which map version each silo routes by) and to every postal and module
-- database (the fence that keeps a moving bucket's rows from being written).

-- One row per move: the bucket(s) of one store going from one database of the map to another, and the phase it
-- reached. Every phase is idempotent, so whoever finds an open move (the host at start, `vbi-admin shards move
-- --resume`) carries it on from its phase. At most one move is open at a time.
CREATE TABLE IF NOT EXISTS vbi_shard_moves
(
    id           bigserial   PRIMARY KEY,
    store        text        NOT NULL CHECK (store IN ('postal', 'module')),
    buckets      integer[]   NOT NULL,
    from_db      text        NOT NULL,
    to_db        text        NOT NULL,
    base_version bigint      NOT NULL,
    new_version  bigint      NOT NULL,
    new_map      text        NOT NULL,
    phase        text        NOT NULL CHECK (phase IN ('Fencing', 'Copying', 'Switched', 'Done', 'RolledBack')),
    rows_copied  bigint      NULL,
    started_by   text        NOT NULL,
    started_at   timestamptz NOT NULL DEFAULT now(),
    updated_at   timestamptz NOT NULL DEFAULT now(),
    note         text        NULL
);
CREATE UNIQUE INDEX IF NOT EXISTS ux_vbi_shard_moves_open ON vbi_shard_moves ((true)) WHERE phase IN ('Fencing', 'Copying', 'Switched');

-- The map version each silo routes by (its live map), so a move switches a bucket only once every silo has seen it.
CREATE TABLE IF NOT EXISTS vbi_shard_map_seen
(
    silo     text        NOT NULL PRIMARY KEY,
    version  bigint      NOT NULL,
    seen_at  timestamptz NOT NULL DEFAULT now()
);

-- The buckets this database may not take writes for: 'fenced' while a move copies them (a writer waits and tries
-- again), 'moved' once they belong to another database (a writer reads the map again and writes there).
CREATE TABLE IF NOT EXISTS vbi_shard_fence
(
    bucket  integer NOT NULL,
    buckets integer NOT NULL,
    state   text    NOT NULL CHECK (state IN ('fenced', 'moved')),
    move_id bigint  NOT NULL,
    PRIMARY KEY (buckets, bucket)
);

-- A meter id's bucket, as ShardMap.BucketOf computes it (sha256-be64-mod): the first 8 bytes of SHA-256 over its UTF-8
-- bytes as a big-endian unsigned 64-bit integer, modulo the bucket count.
CREATE OR REPLACE FUNCTION vbi_meter_bucket(meter text, buckets integer) RETURNS integer
LANGUAGE sql IMMUTABLE STRICT AS $$
    SELECT ((('x' || encode(substring(sha256(convert_to(meter, 'UTF8')) FROM 1 FOR 8), 'hex'))::bit(64)::bigint::numeric
             + CASE WHEN ('x' || encode(substring(sha256(convert_to(meter, 'UTF8')) FROM 1 FOR 8), 'hex'))::bit(64)::bigint < 0
                    THEN 18446744073709551616 ELSE 0 END) % buckets)::integer
$$;

-- Whether a grain key is a meter id (MeterId: "m-" then 8 to 40 of a-z, 0-9, -).
CREATE OR REPLACE FUNCTION vbi_is_meter_id(key text) RETURNS boolean
LANGUAGE sql IMMUTABLE AS $$ SELECT key IS NOT NULL AND key ~ '^m-[a-z0-9-]{8,40}$' $$;

-- The fence, as a trigger on OrleansStorage that a move creates in the databases it touches (never before: a database
-- no move touched has no trigger, and its writes cost what they did). A move's copy sets vbi.shard_copy to pass it.
CREATE OR REPLACE FUNCTION vbi_shard_fence_check() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    fence text;
BEGIN
    IF NOT vbi_is_meter_id(NEW.GrainIdExtensionString) OR current_setting('vbi.shard_copy', true) = 'on' THEN
        RETURN NEW;
    END IF;
    SELECT f.state INTO fence FROM vbi_shard_fence f
     WHERE f.bucket = vbi_meter_bucket(NEW.GrainIdExtensionString, f.buckets) LIMIT 1;
    IF fence = 'fenced' THEN
        RAISE EXCEPTION 'the bucket of meter % is moving to another database', NEW.GrainIdExtensionString USING ERRCODE = 'VBF01';
    ELSIF fence = 'moved' THEN
        RAISE EXCEPTION 'the bucket of meter % has moved to another database', NEW.GrainIdExtensionString USING ERRCODE = 'VBM01';
    END IF;
    RETURN NEW;
END
$$;
