// duckdb_pos.mjs: the retail_pos job (jobs/retail_pos.yaml) written as one
// DuckDB query, for bench/transform. Reads the gzip POS files of one day,
// keeps ITEM lines, drops lines whose fields do not parse as their column
// type (the job's rejects), sums quantity, net and discount amount per
// (business_date, store_id, sku, txn_type, promo_id, currency), drops groups
// whose sums are all zero, sorts by the group key (NULLs first) and writes
// one zstd-compressed pipe-delimited file with \N for NULL, the same columns
// as the job's load files.
//
//   node bench/duckdb_pos.mjs --glob '/d/raw/pos/dt=2026-11-24/*/*.psv.gz' \
//        --out /d/duckdb/retail_pos.psv.zst [--threads 2] [--tmp /d/duckdb]
//
// Prints one JSON line: {"seconds": wall time of the query, "cpu_seconds":
// user + system CPU of the process (all threads) during it, "rows": rows
// written, "rows_in": ITEM lines read, "kept": ITEM lines that parsed}.
// The counting query runs after the timed one and is not included.
import { DuckDBInstance } from '@duckdb/node-api';

function usage(msg) {
    if (msg) process.stderr.write(`duckdb_pos: ${msg}\n`);
    process.stderr.write('usage: node duckdb_pos.mjs --glob GLOB --out FILE.psv.zst [--threads N] [--tmp DIR] [--no-count]\n');
    process.exit(2);
}

const args = { threads: '2', count: true };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-count') { args.count = false; continue; }
    if (!['--glob', '--out', '--threads', '--tmp'].includes(a) || i + 1 >= argv.length)
        usage(`bad argument '${a}'`);
    args[a.slice(2)] = argv[++i];
}
if (!args.glob || !args.out) usage('--glob and --out are required');
if (!/^[1-9][0-9]*$/.test(args.threads)) usage(`bad --threads '${args.threads}'`);

// SQL string literal (single quotes doubled).
const lit = (s) => `'${String(s).replaceAll("'", "''")}'`;

// The extract's columns in file order, typed as in jobs/retail_pos.yaml, so
// that a field that does not parse (2026-02-30, '1O', 'N/A') makes DuckDB
// drop the line under ignore_errors, as nightshift rejects it.
const columns = {
    store_id: 'VARCHAR', business_date: 'DATE', register_id: 'VARCHAR', txn_seq: 'VARCHAR',
    txn_type: 'VARCHAR', txn_end_local: 'TIMESTAMP', utc_offset: 'VARCHAR', line_no: 'BIGINT',
    line_type: 'VARCHAR', void_flag: 'VARCHAR', sku: 'VARCHAR', upc: 'VARCHAR', qty: 'BIGINT',
    unit_price: 'DECIMAL(12,2)', ext_amount: 'DECIMAL(12,2)', disc_amount: 'DECIMAL(12,2)',
    promo_id: 'VARCHAR', tender_type: 'VARCHAR', currency: 'VARCHAR', orig_txn_ref: 'VARCHAR',
};
const colsSql = '{' + Object.entries(columns).map(([k, v]) => `${lit(k)}: ${lit(v)}`).join(', ') + '}';

const source = `read_csv(${lit(args.glob)}, delim = '|', header = true, quote = '', escape = '',
    columns = ${colsSql}, auto_detect = false, compression = 'gzip', ignore_errors = true,
    strict_mode = true, null_padding = false, nullstr = '')`;

// Required columns (business_date, store_id, sku, qty, ext_amount) that are
// NULL make the line a reject in the job: filtered out here.
const query = `
SELECT business_date, store_id, sku, txn_type, promo_id, currency,
       sum(qty)::BIGINT AS quantity,
       sum(ext_amount)::DECIMAL(14,2) AS net_amount,
       coalesce(sum(disc_amount), 0)::DECIMAL(14,2) AS discount_amount,
       'retail' AS channel
FROM ${source}
WHERE line_type = 'ITEM'
  AND business_date IS NOT NULL AND store_id IS NOT NULL AND sku IS NOT NULL
  AND qty IS NOT NULL AND ext_amount IS NOT NULL
GROUP BY business_date, store_id, sku, txn_type, promo_id, currency
HAVING NOT (sum(qty) = 0 AND sum(ext_amount) = 0 AND coalesce(sum(disc_amount), 0) = 0)
ORDER BY business_date NULLS FIRST, store_id NULLS FIRST, sku NULLS FIRST,
         txn_type NULLS FIRST, promo_id NULLS FIRST, currency NULLS FIRST`;

const instance = await DuckDBInstance.create(':memory:');
const con = await instance.connect();
await con.run(`SET threads = ${args.threads}`);
if (args.tmp) await con.run(`SET temp_directory = ${lit(args.tmp)}`);

const t0 = process.hrtime.bigint();
const c0 = process.cpuUsage();
const res = await con.run(`COPY (${query}) TO ${lit(args.out)}
    (FORMAT csv, DELIMITER '|', HEADER false, NULLSTR '\\N', QUOTE '', COMPRESSION zstd)`);
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cu = process.cpuUsage(c0);
const cpu_seconds = (cu.user + cu.system) / 1e6;
const rows = res.rowsChanged;

const out = { seconds, cpu_seconds, rows };
if (args.count) {
    // Not timed: how many ITEM lines there were and how many parsed.
    const all = await con.runAndReadAll(`SELECT count(*) FROM read_csv(${lit(args.glob)}, delim = '|',
        header = true, quote = '', escape = '', all_varchar = true, auto_detect = false,
        columns = ${'{' + Object.keys(columns).map((k) => `${lit(k)}: 'VARCHAR'`).join(', ') + '}'},
        compression = 'gzip', ignore_errors = true, strict_mode = false, null_padding = true, nullstr = '')
        WHERE line_type = 'ITEM'`);
    const kept = await con.runAndReadAll(`SELECT count(*) FROM ${source} WHERE line_type = 'ITEM'
        AND business_date IS NOT NULL AND store_id IS NOT NULL AND sku IS NOT NULL
        AND qty IS NOT NULL AND ext_amount IS NOT NULL`);
    out.rows_in = Number(all.getRows()[0][0]);
    out.kept = Number(kept.getRows()[0][0]);
}
process.stdout.write(JSON.stringify(out) + '\n');
