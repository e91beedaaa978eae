-- The double-entry ledger (docs/commerce.md, "The ledger"), in the commerce database. APPEND-ONLY: the service only
-- ever INSERTs entries and postings (PostgresLedgerStore); no code path UPDATEs or DELETEs a row of
-- vbi_ledger_entry or vbi_ledger_posting. A correction is a new entry. An entry and its postings are inserted in one
-- transaction; the entry id (e.g. pvd:{meter}:{sequence}) is the primary key, which makes a post idempotent.
CREATE TABLE IF NOT EXISTS vbi_ledger_entry
(
    id          text        PRIMARY KEY,
    kind        text        NOT NULL,
    at          timestamptz NOT NULL,
    customer_id text,
    meter_id    text,
    reference   text,
    memo        text        NOT NULL,
    posted_at   timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX IF NOT EXISTS vbi_ledger_entry_customer ON vbi_ledger_entry (customer_id, at, id) WHERE customer_id IS NOT NULL;
-- A day's entries, in (at, id) order: the export's pages (EntriesBetweenAsync), the remittance's and the
-- reconciliation's movements (PostingsOfAsync, MovementAsync).
CREATE INDEX IF NOT EXISTS vbi_ledger_entry_at ON vbi_ledger_entry (at, id COLLATE "C");

-- One side of an entry: exactly one of debit and credit is positive (I7's per-posting rule, enforced here too).
CREATE TABLE IF NOT EXISTS vbi_ledger_posting
(
    entry_id     text     NOT NULL REFERENCES vbi_ledger_entry (id),
    line         smallint NOT NULL,
    account      text     NOT NULL,
    debit_mills  bigint   NOT NULL CHECK (debit_mills >= 0),
    credit_mills bigint   NOT NULL CHECK (credit_mills >= 0),
    CHECK ((debit_mills > 0) <> (credit_mills > 0)),
    PRIMARY KEY (entry_id, line)
);
-- Balances and the trial balance are aggregates by account.
CREATE INDEX IF NOT EXISTS vbi_ledger_posting_account ON vbi_ledger_posting (account) INCLUDE (debit_mills, credit_mills);

-- Not part of the ledger: each meter's registers as far as the ledger's log-feed consumer applied its records, written
-- in the same transaction as that batch's entries, so the postage-funds reconciliation compares balances and DR at
-- one log position. Upserted forward by sequence only.
CREATE TABLE IF NOT EXISTS vbi_ledger_meter
(
    meter_id    text   PRIMARY KEY,
    customer_id text   NOT NULL,
    sequence    bigint NOT NULL,
    dr_mills    bigint NOT NULL
);
