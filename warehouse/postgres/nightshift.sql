-- The loader's own tables (docs/LOADER.md): the load ledger and the key
-- index of replace-by-key tables. Created by `nightshift load` (and by
-- `nightshift warehouse init`); idempotent.
CREATE SCHEMA IF NOT EXISTS nightshift;
CREATE SEQUENCE IF NOT EXISTS nightshift.load_id_seq;
CREATE TABLE IF NOT EXISTS nightshift.loads (
    load_id       BIGINT PRIMARY KEY DEFAULT nextval('nightshift.load_id_seq'),
    table_name    TEXT NOT NULL,
    manifest      TEXT NOT NULL,
    checksum      TEXT NOT NULL,
    job_id        TEXT,
    job_name      TEXT,
    run_date      DATE,
    state         TEXT NOT NULL
                  CHECK (state IN ('staging', 'published', 'replaced', 'failed', 'abandoned')),
    streams       INT NOT NULL DEFAULT 0,
    files         INT,
    rows          BIGINT,
    bytes         BIGINT,
    replaced_rows BIGINT,
    dropped_parts INT,
    started       TIMESTAMPTZ NOT NULL DEFAULT now(),
    finished      TIMESTAMPTZ,
    error         TEXT
);
CREATE INDEX IF NOT EXISTS loads_manifest ON nightshift.loads (manifest);
CREATE INDEX IF NOT EXISTS loads_table_state ON nightshift.loads (table_name, state);
CREATE TABLE IF NOT EXISTS nightshift.load_keys (
    table_name TEXT NOT NULL,
    load_part  BIGINT NOT NULL,
    k          TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS load_keys_k ON nightshift.load_keys (table_name, k);
CREATE INDEX IF NOT EXISTS load_keys_part ON nightshift.load_keys (table_name, load_part);
