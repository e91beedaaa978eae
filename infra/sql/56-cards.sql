-- Card charges we captured (docs/commerce.md, "Chargebacks" and "Refunds paid out"), in the commerce database.
-- vbi_card_charge: one row per captured charge (a purchase's, an invoice's, a returned debit's payment), written once
-- the capture succeeded. The dispute sweep reads it (the charges still within their dispute window, least recently
-- checked first) and records a dispute here before its effects; refund payouts read a customer's charges, newest
-- first, to refund against. purpose: purchase, invoice, ach-return; reference: the purchase id, invoice number or trace.
CREATE TABLE IF NOT EXISTS vbi_card_charge
(
    charge_id          text        PRIMARY KEY,
    customer_id        text        NOT NULL,
    purpose            text        NOT NULL,
    reference          text        NOT NULL,
    amount_mills       bigint      NOT NULL CHECK (amount_mills > 0),
    captured_at        timestamptz NOT NULL,
    checked_at         timestamptz,
    dispute_id         text        UNIQUE,
    dispute_mills      bigint,
    dispute_reason     text,
    disputed_at        timestamptz,
    chargeback_applied boolean     NOT NULL DEFAULT false
);
CREATE INDEX IF NOT EXISTS vbi_card_charge_watch ON vbi_card_charge (checked_at NULLS FIRST, captured_at) WHERE dispute_id IS NULL;
CREATE INDEX IF NOT EXISTS vbi_card_charge_customer ON vbi_card_charge (customer_id, captured_at DESC);
CREATE INDEX IF NOT EXISTS vbi_card_charge_pending ON vbi_card_charge (disputed_at) WHERE dispute_id IS NOT NULL AND NOT chargeback_applied;

-- ACH credits beside the debits (infra/sql/53-ach.sql): a refund paid out to a bank account is a credit entry in the
-- day's NACHA file (docs/commerce.md, "Refunds paid out"). direction: 1 debit, 2 credit.
ALTER TABLE vbi_ach_debit ADD COLUMN IF NOT EXISTS direction smallint NOT NULL DEFAULT 1 CHECK (direction IN (1, 2));
