-- The provider's journal (docs/provider-files.md): the public facts of every committed log record, by time, written
-- by the provider's log feed consumer and read by the resetting report. In the commerce database. Idempotent by
-- (meter, sequence, kind, time): the feed delivers at least once.
CREATE TABLE IF NOT EXISTS vbi_provider_journal
(
    meter_id       text        NOT NULL,
    meter_sequence bigint      NOT NULL,
    kind           smallint    NOT NULL,
    at             timestamptz NOT NULL,
    amount_mills   bigint      NOT NULL,
    ar_mills       bigint,
    dr_mills       bigint,
    module_serial  text        NOT NULL,
    reference      text        NOT NULL,
    note           text        NOT NULL,
    PRIMARY KEY (meter_id, meter_sequence, kind, at)
);
CREATE INDEX IF NOT EXISTS vbi_provider_journal_at ON vbi_provider_journal (at);
