// duckdb_pos.mjs: the retail_pos job (jobs/retail_pos.yaml) written as one
// DuckDB query, for bench/transform. Reads the gzip POS files of one day and
// the job's two lookups (the product master and the fx rates of the day,
// CSV), keeps ITEM lines, drops lines whose fields do not parse as their
// column type, whose required fields are empty, whose sku is not in the
// product master or whose (currency, business_date) has no rate (the job's
// rejects); per line converts ext_amount and disc_amount to USD (times the
// rate, rounded to the cent); sums units, net_local, net_usd, discount_usd
// and counts lines per (business_date, store_id, sku, txn_type, promo_id,
// currency), sorts by the group key (NULLs first) and writes one
// zstd-compressed pipe-delimited file with \N for NULL, the columns of the
// job's load files (docs/WAREHOUSE.md "Sales"), source_date taken from the
// files' dt= folder.
//
//   node bench/duckdb_pos.mjs --glob '/d/raw/pos/dt=2026-11-24/*/*.psv.gz' \
//        --products '/d/raw/master/products/dt=2026-11-24/*.csv' \
//        --fx '/d/raw/master/fx/dt=2026-11-24/*.csv' \
//        --out /d/duckdb/retail_pos.psv.zst [--threads 2] [--tmp /d/duckdb]
//
// Prints one JSON line: {"seconds": wall time of the query, "cpu_seconds":
// user + system CPU of the process (all threads) during it, "rows": rows
// written, "rows_in": ITEM lines read, "kept": ITEM lines that parsed}.
// The counting query runs after the timed one and is not included.
import { DuckDBInstance } from '@duckdb/node-api';

function usage(msg) {
    if (msg) process.stderr.write(`duckdb_pos: ${msg}\n`);
    process.stderr.write('usage: node duckdb_pos.mjs --glob GLOB --products GLOB --fx GLOB --out FILE.psv.zst\n' +
        '                        [--threads N] [--tmp DIR] [--no-count]\n');
    process.exit(2);
}

const args = { threads: '2', count: true };
const argv = process.argv.slice(2);
for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--no-count') { args.count = false; continue; }
    if (!['--glob', '--products', '--fx', '--out', '--threads', '--tmp'].includes(a) || i + 1 >= argv.length)
        usage(`bad argument '${a}'`);
    args[a.slice(2)] = argv[++i];
}
if (!args.glob || !args.products || !args.fx || !args.out) usage('--glob, --products, --fx and --out are required');
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
const colsOf = (cols) => '{' + Object.entries(cols).map(([k, v]) => `${lit(k)}: ${lit(v)}`).join(', ') + '}';

const source = `read_csv(${lit(args.glob)}, delim = '|', header = true, quote = '', escape = '',
    columns = ${colsOf(columns)}, auto_detect = false, compression = 'gzip', ignore_errors = true,
    strict_mode = true, null_padding = false, nullstr = '', filename = true)`;

// The lookups, typed as the job's: a row that does not parse is left out
// (nightshift's lookup skips it); CSV with quotes and quoted line breaks.
const lookup = (glob, cols) => `read_csv(${lit(glob)}, delim = ',', header = true, quote = '"',
    escape = '"', columns = ${colsOf(cols)}, auto_detect = false, ignore_errors = true,
    strict_mode = true, null_padding = false, nullstr = '')`;
const products = lookup(args.products, {
    sku: 'VARCHAR', upc: 'VARCHAR', style: 'VARCHAR', style_name: 'VARCHAR', description: 'VARCHAR',
    clothing_line: 'VARCHAR', category: 'VARCHAR', colour: 'VARCHAR', size: 'VARCHAR',
    list_price_usd: 'DECIMAL(12,2)', list_price_cad: 'DECIMAL(12,2)', list_price_gbp: 'DECIMAL(12,2)',
    list_price_eur: 'DECIMAL(12,2)',
});
const fx = lookup(args.fx, { currency: 'VARCHAR', rate_date: 'DATE', usd_per_unit: 'DECIMAL(12,6)' });

// The lines the job keeps: ITEM, required columns (business_date, store_id,
// qty, ext_amount, currency) not NULL, the sku in the product master and a
// rate for (currency, business_date) (lookups with required: true).
const kept = `
WITH products AS (SELECT DISTINCT sku FROM ${products} WHERE sku IS NOT NULL),
     fx AS (SELECT currency, rate_date, first(usd_per_unit) AS usd_per_unit FROM ${fx}
            WHERE currency IS NOT NULL AND rate_date IS NOT NULL GROUP BY currency, rate_date)
SELECT s.*, fx.usd_per_unit
FROM ${source} s JOIN fx ON fx.currency = s.currency AND fx.rate_date = s.business_date
WHERE s.line_type = 'ITEM'
  AND s.business_date IS NOT NULL AND s.store_id IS NOT NULL AND s.qty IS NOT NULL
  AND s.ext_amount IS NOT NULL AND s.currency IS NOT NULL AND fx.usd_per_unit IS NOT NULL
  AND s.sku IN (SELECT sku FROM products)`;

// USD per line, rounded half away from zero to the cent (the job's mul),
// then summed; a group whose disc_amount is all NULL keeps NULL.
const query = `
SELECT business_date, store_id AS store_key, sku, txn_type, promo_id, currency,
       sum(qty)::BIGINT AS units,
       sum(ext_amount)::DECIMAL(14,2) AS net_local,
       sum(round(ext_amount * usd_per_unit, 2))::DECIMAL(14,2) AS net_usd,
       sum(round(disc_amount * usd_per_unit, 2))::DECIMAL(14,2) AS discount_usd,
       count(*)::BIGINT AS lines,
       'retail' AS channel,
       any_value(regexp_extract(filename, 'dt=([0-9]{4}-[0-9]{2}-[0-9]{2})/', 1)) AS source_date
FROM (${kept})
GROUP BY business_date, store_id, sku, txn_type, promo_id, currency
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
    const nkept = await con.runAndReadAll(`SELECT count(*) FROM (${kept})`);
    out.rows_in = Number(all.getRows()[0][0]);
    out.kept = Number(nkept.getRows()[0][0]);
}
process.stdout.write(JSON.stringify(out) + '\n');
