-- VbiOrleans schema, part 0: the Orleans query catalogue and our schema record.
-- Applied to every database (postal, module, commerce, membership) by `VbiOrleans.Host init-db`.
-- Every statement is idempotent: running the scripts again changes nothing and loses nothing.
--
-- The Orleans ADO.NET providers issue only the queries stored in OrleansQuery. They bind parameters by name
-- (@Name) and read result columns by name, so the names below are the interface; the SQL behind them is ours.

CREATE TABLE IF NOT EXISTS OrleansQuery
(
    QueryKey  varchar(64)   NOT NULL,
    QueryText varchar(8000) NOT NULL,
    CONSTRAINT OrleansQuery_Key PRIMARY KEY (QueryKey)
);

-- One row per applied script: which script, its SHA-256, when. The host checks it at start-up.
CREATE TABLE IF NOT EXISTS vbi_schema
(
    script     text        NOT NULL PRIMARY KEY,
    sha256     text        NOT NULL,
    applied_at timestamptz NOT NULL DEFAULT now()
);
