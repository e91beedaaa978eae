-- The transaction log (docs/transaction-log.md), in the module store's database: it must outlive the postal store.
-- vbi_log: one row per committed PSD transaction, appended before the postal row is written (print path step 7), and
-- never updated: the sealer puts each row's entry into vbi_log_entry. leaf_index, entry and leaf_hash are set only on
-- rows imported from the archive (and on rows sealed before vbi_log_entry existed), whose record is inside the entry.
CREATE TABLE IF NOT EXISTS vbi_log
(
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    meter_id       text        NOT NULL,
    meter_sequence bigint      NOT NULL,
    kind           smallint    NOT NULL,
    amount_mills   bigint      NOT NULL,
    ar_mills       bigint      NOT NULL,
    dr_mills       bigint      NOT NULL,
    at             timestamptz NOT NULL,
    module_serial  text        NOT NULL,
    public_payload bytea       NOT NULL,
    -- the meter's row change (sealed package, checkpoint, idempotency result), AES-256-GCM under the log key
    record         bytea       NOT NULL,
    leaf_index     bigint,
    entry          bytea,
    leaf_hash      bytea
);
CREATE INDEX IF NOT EXISTS vbi_log_meter ON vbi_log (meter_id, meter_sequence);
CREATE UNIQUE INDEX IF NOT EXISTS vbi_log_leaf ON vbi_log (leaf_index) WHERE leaf_index IS NOT NULL;
-- The nightly export reads one business day by time (docs/export.md).
CREATE INDEX IF NOT EXISTS vbi_log_at ON vbi_log (at);
-- Unsealed rows are those after the sealed-through mark in vbi_log_state; an update per row to mark it sealed rewrote
-- the row and every index (docs/performance.md).
DROP INDEX IF EXISTS vbi_log_unsealed;
-- An indicium as a scanner reads it (signed bytes and signature) finds its print: for verification, and so the meter
-- row need not list what it issued. A hash index keeps 4 bytes an entry, and only prints have a payload.
CREATE INDEX IF NOT EXISTS vbi_log_indicium ON vbi_log USING hash (public_payload) WHERE octet_length(public_payload) > 0;

-- The Merkle tree's leaves: the entry each sealed row became (its record bound to the leaf index) and its leaf hash.
CREATE TABLE IF NOT EXISTS vbi_log_entry
(
    leaf_index bigint PRIMARY KEY,
    log_id     bigint NOT NULL,
    entry      bytea  NOT NULL,
    leaf_hash  bytea  NOT NULL
);
-- Rows sealed in place (before this table) keep their entry, and their leaves are here too.
INSERT INTO vbi_log_entry (leaf_index, log_id, entry, leaf_hash)
SELECT leaf_index, id, entry, leaf_hash FROM vbi_log WHERE leaf_index IS NOT NULL
ON CONFLICT (leaf_index) DO NOTHING;

-- Signed tree heads: the C2SP checkpoint note, and the Merkle accumulator to continue from.
CREATE TABLE IF NOT EXISTS vbi_log_checkpoint
(
    size        bigint PRIMARY KEY,
    root        bytea       NOT NULL,
    note        text        NOT NULL,
    accumulator bytea       NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now()
);

-- Small named values: the wrapped log key, how far the archive has been shipped, the last snapshot.
CREATE TABLE IF NOT EXISTS vbi_log_state
(
    name  text PRIMARY KEY,
    value bytea NOT NULL
);

-- The sealed-through mark (8 bytes, big-endian): every row with an id up to it is sealed. A log that predates the
-- mark gets it just before its first unsealed row.
INSERT INTO vbi_log_state (name, value)
SELECT 'sealed-through', int8send(COALESCE((SELECT min(id) - 1 FROM vbi_log WHERE leaf_index IS NULL), (SELECT max(id) FROM vbi_log), 0))
ON CONFLICT (name) DO NOTHING;

-- The log feed's cursors (docs/transaction-log.md, "The log feed"): per consumer, the id of the last row it applied.
-- A cursor only moves forward, except when an operator rewinds it to rebuild the consumer's projection.
CREATE TABLE IF NOT EXISTS vbi_log_feed
(
    consumer   text PRIMARY KEY,
    position   bigint      NOT NULL,
    updated_at timestamptz NOT NULL DEFAULT now()
);
