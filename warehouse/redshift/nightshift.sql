-- The loader's ledger in Redshift (docs/LOADER.md): the SQL that
-- `nightshift load --target redshift` writes records each load here, and a
-- manifest already published with the same checksum is skipped. Redshift
-- has no IF NOT EXISTS for sequences: load_id is an IDENTITY column.
CREATE SCHEMA IF NOT EXISTS nightshift;
CREATE TABLE IF NOT EXISTS nightshift.loads (
    load_id    BIGINT IDENTITY(1, 1),
    table_name VARCHAR(256) NOT NULL,
    manifest   VARCHAR(1024) NOT NULL,
    checksum   VARCHAR(32) NOT NULL,
    job_id     VARCHAR(256),
    job_name   VARCHAR(256),
    run_date   DATE,
    state      VARCHAR(16) NOT NULL,
    files      INT,
    rows       BIGINT,
    started    TIMESTAMP,
    finished   TIMESTAMP
)
DISTSTYLE ALL
SORTKEY (table_name, started);
