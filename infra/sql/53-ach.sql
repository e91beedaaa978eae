-- ACH debits and the NACHA files (docs/commerce.md, "ACH debits and the NACHA files"), in the commerce database.
-- vbi_ach_debit: one row per purchase paid from a bank account, queued once its PVD is durable. Its trace sequence
-- (the last 7 digits of the trace number) is taken when it is queued, so the day's file can be written again with the
-- same bytes and a return file names the debit for ever (7 digits: ten million debits per ODFI routing prefix).
-- status: 1 queued, 2 sent (file_id), 3 settled, 4 returned.
CREATE SEQUENCE IF NOT EXISTS vbi_ach_trace MINVALUE 1 MAXVALUE 9999999;
CREATE TABLE IF NOT EXISTS vbi_ach_debit
(
    purchase_id        text        PRIMARY KEY,
    customer_id        text        NOT NULL,
    payment_method_id  text        NOT NULL,
    amount_mills       bigint      NOT NULL CHECK (amount_mills > 0 AND amount_mills % 10 = 0),
    effective_date     date        NOT NULL,
    trace_number       text        NOT NULL UNIQUE,
    status             smallint    NOT NULL,
    file_id            text,
    settle_on          date,
    return_code        text,
    queued_at          timestamptz NOT NULL,
    settled_at         timestamptz,
    returned_at        timestamptz,
    return_paid_at     timestamptz,
    return_paid_charge text
);
CREATE INDEX IF NOT EXISTS vbi_ach_debit_queued ON vbi_ach_debit (queued_at) WHERE status = 1;
CREATE INDEX IF NOT EXISTS vbi_ach_debit_sent ON vbi_ach_debit (settle_on) WHERE status = 2;
CREATE INDEX IF NOT EXISTS vbi_ach_debit_customer ON vbi_ach_debit (customer_id, queued_at);
CREATE INDEX IF NOT EXISTS vbi_ach_debit_file ON vbi_ach_debit (file_id);

-- One row per day run: the day's file (archive_name null for a day with nothing to send). The row and the debits it
-- takes are written in one transaction, before the file goes to the archive.
CREATE TABLE IF NOT EXISTS vbi_ach_file
(
    file_id        text        PRIMARY KEY,
    file_date      date        NOT NULL UNIQUE,
    archive_name   text,
    entry_count    integer     NOT NULL,
    total_mills    bigint      NOT NULL,
    entry_hash     bigint      NOT NULL,
    block_count    integer     NOT NULL,
    sha256         text,
    created_at     timestamptz NOT NULL,
    written        boolean     NOT NULL
);

-- One row per returned debit, written before its effects (ledger, lock, purchase), so a second return of the same
-- trace is a duplicate and settlement never settles a debit whose return is being applied. settled_first: the debit
-- had settled before the return came (the reversal then comes out of cash, not ACH clearing).
CREATE TABLE IF NOT EXISTS vbi_ach_return
(
    trace_number  text        PRIMARY KEY REFERENCES vbi_ach_debit (trace_number),
    return_code   text        NOT NULL,
    settled_first boolean     NOT NULL,
    archive_name  text        NOT NULL,
    received_at   timestamptz NOT NULL,
    applied       boolean     NOT NULL
);

-- Return files read from the archive (ach/returns/…): the job reads each once.
CREATE TABLE IF NOT EXISTS vbi_ach_return_file
(
    archive_name text        PRIMARY KEY,
    read_at      timestamptz NOT NULL,
    returns      integer     NOT NULL
);
