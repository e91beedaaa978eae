-- The nightly export's by-day reads of the commerce store (docs/export.md), in the commerce database.
--
-- Purchases and invoices are grain state (OrleansStorage: serialized, keyed by hash), which cannot be listed by day.
-- A purchase or invoice grain marks the UTC day here BEFORE each write of its state (ON CONFLICT DO NOTHING), so every
-- durable state has its day marked whatever crashes. kind: 1 purchase (id pur_…), 2 invoice (id inv-…).
CREATE TABLE IF NOT EXISTS vbi_export_day_index
(
    kind smallint NOT NULL,
    day  date     NOT NULL,
    id   text     NOT NULL,
    PRIMARY KEY (kind, day, id)
);
