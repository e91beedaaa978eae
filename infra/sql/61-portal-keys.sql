-- The portal's key ring (docs/portal.md, "Keys"): the ASP.NET Core data protection keys that encrypt and sign the
-- session cookies and antiforgery tokens, in the membership database that every silo of a cluster reads, so that a
-- cookie made by one host is taken by every other. One row per key ring element (a key, or a revocation), as ASP.NET
-- Core writes it (XML; with Vbi:Portal:KeyCertificate set, its secret is encrypted to that certificate). Rows are only
-- ever added; service_id keeps the key rings of clusters that share a database apart.
CREATE TABLE IF NOT EXISTS vbi_portal_keys
(
    id            bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    service_id    text        NOT NULL,
    friendly_name text        NOT NULL,
    xml           text        NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS ix_vbi_portal_keys_service ON vbi_portal_keys (service_id, id);
