#!/usr/bin/env bash
# The data catalog on a real cluster (docs/CATALOG.md): the POS job on
# generated data registers its output table (columns, keys, the partition
# of the day with its manifest and load files); a rerun of the day replaces
# that partition; another day adds one; a catalog document the coordinator
# cannot use does not fail the job; `catalog crawl` of the raw POS prefix
# infers the pipe-delimited layout, the header, the types (store_id text
# because of its leading zeros) and the dt/store partitions; list, show,
# drop and the exit codes.
. "$(dirname "$0")/lib.sh"
D1=2026-11-24
D2=2026-11-25
CAT=file://$T/catalog
export NIGHTSHIFT_CATALOG=$CAT   # the CLI's catalog; the coordinator gets --catalog
"$NS_BIN" gen --stores 5 --days 2 --start $D1 --seed 5 --bad-rate 0.003 --out "file://$T/raw" >/dev/null
start_coordinator --catalog "$CAT"
for _ in 1 2; do start_worker; done
wait_workers 2

submit() { # submit DATE OUTFILE: runs the POS job, fails the test unless it succeeds
  "$NS_BIN" submit "$NS_SRC/jobs/retail_pos.yaml" --date "$1" --var raw="file://$T/raw" \
    --var out="file://$T/out" --wait --json > "$2" || fail "job for $1 did not succeed: $(cat "$2")"
  [ "$(json_get state < "$2")" = succeeded ] || fail "state $(json_get state < "$2")"
}

# py EXPR FILE: evaluates a Python expression over the JSON document d
py() { python3 -c "import json,sys; d=json.load(open(sys.argv[1])); print($1)" "$2"; }

note "a committed job registers its output table"
submit $D1 "$T/run1.json"
job1=$(json_get id < "$T/run1.json")
manifest1=$(json_get manifest < "$T/run1.json")
grep -q "registered table 'sales_retail'" "$T/logs/coordinator.log" || fail "no registration in the log"
"$NS_BIN" catalog show sales_retail > "$T/show.txt" || fail "catalog show failed"
for col in "business_date *DATE" "store_key *VARCHAR" "sku *VARCHAR" "units *BIGINT" \
           "net_local *DECIMAL\\(18,2\\)" "net_usd *DECIMAL\\(18,2\\)" "discount_usd *DECIMAL\\(18,2\\)" \
           "lines *BIGINT" "channel *VARCHAR" "source_date *DATE"; do
  grep -Eq "^  $col *$" "$T/show.txt" || fail "catalog show lacks column '$col': $(cat "$T/show.txt")"
done
! grep -q "usd_per_unit" "$T/show.txt" || fail "a hidden transform column is in the table: $(cat "$T/show.txt")"
grep -q "^table      sales_retail (job, version 1, schema version 1)" "$T/show.txt" || fail "header: $(head -1 "$T/show.txt")"
grep -q "dt=$D1 .*job $job1" "$T/show.txt" || fail "no partition dt=$D1 of job $job1: $(cat "$T/show.txt")"
grep -q "manifest $manifest1\$" "$T/show.txt" || fail "partition does not name manifest $manifest1"
grep -q "^sort key   business_date, store_key, sku, txn_type, promo_id, currency" "$T/show.txt" || fail "sort key"
grep -q "^dist key   store_key" "$T/show.txt" || fail "distribution key"

note "the document lists exactly the manifest's load files, with sizes and row counts"
"$NS_BIN" catalog show sales_retail --json > "$T/doc1.json" || fail "catalog show --json failed"
cmp -s "$T/doc1.json" "$T/catalog/tables/sales_retail.json" || fail "--json is not the stored document"
[ "$(py 'd["format_version"], d["kind"], d["version"], len(d["columns"]), len(d["partitions"])' "$T/doc1.json")" = "1 job 1 13 1" ] \
  || fail "document header: $(py 'd["format_version"], d["kind"], d["version"], len(d["columns"]), len(d["partitions"])' "$T/doc1.json")"
[ "$(py 'd["partition_keys"]' "$T/doc1.json")" = "[{'name': 'dt', 'type': 'DATE'}]" ] || fail "partition keys"
[ "$(py 'd["location"]' "$T/doc1.json")" = "file://$T/out/retail_pos/" ] || fail "location $(py 'd["location"]' "$T/doc1.json")"
py '"\n".join("%s %s" % (f["uri"], f["stored_bytes"]) for f in d["partitions"][0]["files"])' "$T/doc1.json" > "$T/files.txt"
grep -o '"url":"[^"]*","mandatory":true,"meta":{"content_length":[0-9]*' "$(uri_path "$manifest1")" |
  sed 's/"url":"\([^"]*\)".*"content_length":\([0-9]*\)/\1 \2/' > "$T/manifest_files.txt"
[ -s "$T/files.txt" ] || fail "no load files in the partition"
cmp -s "$T/files.txt" "$T/manifest_files.txt" || fail "partition files differ from the manifest: $(diff "$T/files.txt" "$T/manifest_files.txt" | head)"
[ "$(py 'd["partitions"][0]["rows"]' "$T/doc1.json")" = "$(json_get rows_out < "$T/run1.json")" ] \
  || fail "partition rows $(py 'd["partitions"][0]["rows"]' "$T/doc1.json") != rows_out $(json_get rows_out < "$T/run1.json")"
[ "$(py 'sum(f["rows"] for f in d["partitions"][0]["files"])' "$T/doc1.json")" = "$(json_get rows_out < "$T/run1.json")" ] \
  || fail "file rows do not add up"
while read -r uri size; do
  [ "$(stat -c %s "$(uri_path "$uri")")" = "$size" ] || fail "stored_bytes of $uri is $size"
done < "$T/files.txt"

note "a rerun of the day replaces its partition; another day adds one"
submit $D1 "$T/run2.json"
job2=$(json_get id < "$T/run2.json")
[ "$job2" != "$job1" ] || fail "the rerun has the same job id"
"$NS_BIN" catalog show sales_retail --json > "$T/doc2.json"
[ "$(py 'd["version"], len(d["partitions"]), d["partitions"][0]["job"]' "$T/doc2.json")" = "2 1 $job2" ] \
  || fail "after the rerun: $(py 'd["version"], len(d["partitions"]), d["partitions"][0]["job"]' "$T/doc2.json")"
[ "$(py 'd["partitions"][0]["manifest"]' "$T/doc2.json")" = "$(json_get manifest < "$T/run2.json")" ] || fail "manifest of the rerun"
[ "$(py 'd["created"]' "$T/doc1.json")" = "$(py 'd["created"]' "$T/doc2.json")" ] || fail "created changed"
submit $D2 "$T/run3.json"
"$NS_BIN" catalog show sales_retail --json > "$T/doc3.json"
[ "$(py '[p["values"]["dt"] for p in d["partitions"]]' "$T/doc3.json")" = "['$D1', '$D2']" ] \
  || fail "partitions: $(py '[p["values"]["dt"] for p in d["partitions"]]' "$T/doc3.json")"
[ "$(py 'd["version"], d["schema_version"]' "$T/doc3.json")" = "3 1" ] || fail "version after 3 runs"

note "a document the coordinator cannot use does not fail the job, and is left alone"
cp "$T/catalog/tables/sales_retail.json" "$T/saved.json"
printf '{"format_version": 7, "name": "sales_retail"}\n' > "$T/catalog/tables/sales_retail.json"
submit $D2 "$T/run4.json"
grep -q "cannot register table 'sales_retail' in the catalog: .*format_version 7, written by a newer nightshift .*(the job succeeds without it)" \
  "$T/logs/coordinator.log" || fail "no warning about the unusable document"
[ "$(cat "$T/catalog/tables/sales_retail.json")" = '{"format_version": 7, "name": "sales_retail"}' ] || fail "the document was overwritten"
set +e
"$NS_BIN" catalog show sales_retail >/dev/null 2>"$T/err.txt"; rc=$?
set -e
[ $rc -eq 5 ] || fail "show of an unreadable document: exit $rc"
grep -q "newer nightshift" "$T/err.txt" || fail "show error: $(cat "$T/err.txt")"
cp "$T/saved.json" "$T/catalog/tables/sales_retail.json"

note "crawl infers the raw POS layout"
"$NS_BIN" catalog crawl "file://$T/raw/pos/" --json > "$T/crawl.json" || fail "crawl failed"
[ "$(py 'd["name"], d["kind"], d["storage"]["format"], d["storage"]["delimiter"], d["storage"]["header"], d["storage"]["compression"]' "$T/crawl.json")" \
  = "pos crawled delimited | True gzip" ] || fail "crawl storage: $(py 'd["storage"]' "$T/crawl.json")"
coltype() { py "{c['name']: c['type'] for c in d['columns']}['$1']" "$T/crawl.json"; }
[ "$(py 'len(d["columns"])' "$T/crawl.json")" = 20 ] || fail "crawl found $(py 'len(d["columns"])' "$T/crawl.json") columns"
[ "$(coltype store_id)" = VARCHAR ] || fail "store_id is $(coltype store_id), not VARCHAR (leading zeros)"
[ "$(coltype business_date)" = DATE ] || fail "business_date is $(coltype business_date)"
[ "$(coltype qty)" = BIGINT ] || fail "qty is $(coltype qty)"
[ "$(coltype ext_amount)" = "DECIMAL(18,2)" ] || fail "ext_amount is $(coltype ext_amount)"
[ "$(coltype upc)" = VARCHAR ] || fail "upc is $(coltype upc)"
[ "$(coltype txn_end_local)" = TIMESTAMP ] || fail "txn_end_local is $(coltype txn_end_local)"
[ "$(py '[(k["name"], k["type"], k["values"]) for k in d["partition_keys"]][0]' "$T/crawl.json")" = "('dt', 'DATE', ['$D1', '$D2'])" ] \
  || fail "dt partition key: $(py 'd["partition_keys"]' "$T/crawl.json")"
[ "$(py '[(k["name"], k["type"], k["distinct"]) for k in d["partition_keys"]][1]' "$T/crawl.json")" = "('store', 'VARCHAR', 5)" ] \
  || fail "store partition key: $(py 'd["partition_keys"]' "$T/crawl.json")"
[ "$(py 'len(d["partitions"]), d["crawl"]["objects"]' "$T/crawl.json")" = "10 10" ] || fail "partitions/objects"
cmp -s "$T/crawl.json" "$T/catalog/tables/pos.json" || fail "crawl --json is not the stored document"
"$NS_BIN" catalog crawl "file://$T/raw/pos/" > "$T/crawl.txt" || fail "second crawl failed"
grep -q "^table      pos (crawled, version 2, schema version 1)" "$T/crawl.txt" || fail "recrawl: $(head -1 "$T/crawl.txt")"
grep -Eq "^  store_id +VARCHAR" "$T/crawl.txt" || fail "text crawl output"
"$NS_BIN" catalog crawl "file://$T/raw/wholesale/portal/" --name portal_weekly --dry-run > "$T/portal.txt" || fail "portal crawl"
grep -q "utf-16 (le, bom)" "$T/portal.txt" || fail "portal encoding: $(grep storage "$T/portal.txt")"
grep -q "skip_lines 2" "$T/portal.txt" || fail "portal preamble: $(grep storage "$T/portal.txt")"
[ ! -e "$T/catalog/tables/portal_weekly.json" ] || fail "--dry-run wrote a document"

note "list, drop and exit codes"
"$NS_BIN" catalog list > "$T/list.txt"
grep -Eq "^sales_retail +job +13 +2 +3 " "$T/list.txt" || fail "list: $(cat "$T/list.txt")"
grep -Eq "^pos +crawled +20 +10 +2 " "$T/list.txt" || fail "list: $(cat "$T/list.txt")"
"$NS_BIN" catalog list --json > "$T/list.json"
[ "$(py '[(t["name"], t["kind"], t["partitions"]) for t in d["tables"]]' "$T/list.json")" = "[('pos', 'crawled', 10), ('sales_retail', 'job', 2)]" ] \
  || fail "list --json: $(cat "$T/list.json")"
set +e
"$NS_BIN" catalog crawl "file://$T/raw/pos/" --name sales_retail >/dev/null 2>"$T/err.txt"; rc=$?
[ $rc -eq 1 ] && grep -q "is registered by job 'retail_pos'" "$T/err.txt" || fail "crawl over a job table: exit $rc, $(cat "$T/err.txt")"
"$NS_BIN" catalog show no_such_table >/dev/null 2>&1; [ $? -eq 1 ] || fail "show of a missing table"
"$NS_BIN" catalog crawl "file://$T/raw/nothing/" >/dev/null 2>"$T/err.txt"; rc=$?
[ $rc -eq 1 ] && grep -q "no objects under" "$T/err.txt" || fail "crawl of an empty prefix: exit $rc"
"$NS_BIN" catalog show 'bad/name' >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad table name"
"$NS_BIN" catalog frobnicate >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad subcommand"
"$NS_BIN" catalog crawl "file://$T/raw/pos/" --sample-bytes 0 >/dev/null 2>&1; [ $? -eq 2 ] || fail "bad --sample-bytes"
"$NS_BIN" catalog drop pos; [ $? -eq 0 ] || fail "drop"
"$NS_BIN" catalog drop pos 2>/dev/null; [ $? -eq 1 ] || fail "drop of a dropped table"
set -e
[ ! -e "$T/catalog/tables/pos.json" ] || fail "pos.json still there"
echo "PASS"
