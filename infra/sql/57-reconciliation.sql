-- The daily reconciliation (docs/provider-files.md, "The daily reconciliation"), in the commerce database: one row per
-- business day, the report of the day's last run (ReconciliationGrain), replaced by each run.
CREATE TABLE IF NOT EXISTS vbi_reconciliation
(
    day         date        PRIMARY KEY,
    reconciled  boolean     NOT NULL,
    differences integer     NOT NULL,
    runs        integer     NOT NULL,
    run_at      timestamptz NOT NULL,
    report      jsonb       NOT NULL
);
