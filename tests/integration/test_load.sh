#!/usr/bin/env bash
# The loader against a real PostgreSQL (docs/LOADER.md), on load files real
# jobs wrote:
#   - two days of retail_pos load; counts and sums equal the load files'
#     (read back independently with psql \copy from `zstd -dc`);
#   - loading a manifest again is a no-op;
#   - a rerun of a day, loaded, replaces that day (no double counting);
#   - a loader killed (-9) while it waits to publish leaves the warehouse as
#     it was (a reader meanwhile sees the old day), and the next load
#     cleans up after it and publishes;
#   - a bad row fails the load naming the file and line, and changes
#     nothing; so does a load file that changed after the commit;
#   - replace: all (a master snapshot) keeps only the latest load;
#   - replace by keys with a version column: partial replacement of an
#     older load, and an older restatement loaded late changes nothing;
#   - submit --load runs a job and its load in one command.
. "$(dirname "$0")/lib.sh"
require_pg
start_coordinator
start_worker
start_worker
wait_workers 2
NS=$NS_BIN
RAW=file://$T/raw
OUT=file://$T/out
D1=2026-11-23
D2=2026-11-24

"$NS" warehouse init >/dev/null || fail "warehouse init failed"
"$NS" gen --stores 4 --days 2 --start $D1 --seed 3 --sources pos,master --out "$RAW" >/dev/null ||
  fail "gen failed"

run() { # run JOB DATE [args]: submits and waits; prints the manifest path
  local job=$1 d=$2
  shift 2
  local out
  out=$("$NS" submit "$NS_SRC/jobs/$job.yaml" --date "$d" --var raw="$RAW" --var out="$OUT" --wait "$@") ||
    fail "$job $d failed: $out"
  echo "$out" | grep -o 'file://[^ ]*/manifest' | head -1 | sed 's|^file://||'
}

# The load files' own totals, read by psql alone: per business date, rows,
# units, net_usd (a plain table holding the files' rows)
COLS="business_date date, store_key text, sku text, txn_type text, promo_id text, currency text,
      units bigint, net_local numeric, net_usd numeric, discount_usd numeric, lines bigint,
      channel text, source_date date"
files_totals() { # files_totals MANIFEST...: "date|rows|units|net_usd" lines
  "${PSQL[@]}" -c "DROP TABLE IF EXISTS chk; CREATE TABLE chk ($COLS)"
  local m f
  for m in "$@"; do
    for f in $(manifest_urls "$m"); do
      "${PSQL[@]}" -c "\\copy chk FROM PROGRAM 'zstd -dcq $f' WITH (DELIMITER '|')"
    done
  done
  "${PSQL[@]}" -c "SELECT business_date, count(*), sum(units), sum(net_usd) FROM chk GROUP BY 1 ORDER BY 1"
}
wh_totals() {
  "${PSQL[@]}" -c "SELECT business_date, count(*), sum(units), sum(net_usd) FROM sales_retail GROUP BY 1 ORDER BY 1"
}
leftovers() { # stream tables that are not attached partitions
  "${PSQL[@]}" -c "SELECT count(*) FROM pg_class c WHERE c.relname LIKE 'sales\_retail\_\_l%' AND c.relkind = 'r'
                   AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid)"
}

note "two days of retail_pos, loaded"
M1=$(run retail_pos $D1)
M2=$(run retail_pos $D2)
"$NS" load "file://$M1" >"$T/l1.out" || fail "load 1: $(cat "$T/l1.out")"
"$NS" load "file://$M2" --json >"$T/l2.json" || fail "load 2"
grep -q '"skipped":false' "$T/l2.json" || fail "load 2 was skipped: $(cat "$T/l2.json")"
want=$(files_totals "$M1" "$M2")
[ "$(echo "$want" | wc -l)" = 2 ] || fail "expected two business dates in the load files: $want"
[ "$(wh_totals)" = "$want" ] || fail "warehouse totals $(wh_totals) differ from the load files' $want"

note "the same manifest again: a no-op"
"$NS" load "file://$M2" --json >"$T/l2b.json" || fail "load 2 again"
grep -q '"skipped":true' "$T/l2b.json" || fail "reload was not skipped: $(cat "$T/l2b.json")"
[ "$(wh_totals)" = "$want" ] || fail "a second load of a manifest changed the warehouse"
[ "$("${PSQL[@]}" -c "SELECT count(*) FROM nightshift.loads WHERE manifest = 'file://$M2'")" = 1 ] ||
  fail "the ledger recorded the skipped load"

note "a rerun of day 2, loaded: replaces day 2"
M2B=$(run retail_pos $D2)
[ "$M2B" != "$M2" ] || fail "the rerun wrote the same manifest"
"$NS" load "file://$M2B" --json >"$T/l3.json" || fail "load of the rerun"
grep -q '"dropped_partitions":[1-9]' "$T/l3.json" || fail "the rerun dropped no partition: $(cat "$T/l3.json")"
want=$(files_totals "$M1" "$M2B")
[ "$(wh_totals)" = "$want" ] || fail "after the rerun: $(wh_totals), want $want"
[ "$("${PSQL[@]}" -c "SELECT state FROM nightshift.loads WHERE manifest = 'file://$M2'")" = replaced ] ||
  fail "the first load of day 2 is not marked replaced"

note "kill -9 of a loader waiting to publish"
M2C=$(run retail_pos $D2)
before=$(wh_totals)
# a reader inside a transaction holds its lock on sales_retail: the publish
# (which drops the replaced partitions) must wait for it
mkfifo "$T/reader.in"
psql "$NIGHTSHIFT_WAREHOUSE" -qAtX <"$T/reader.in" >"$T/reader.out" 2>&1 &
READER=$!
exec 7>"$T/reader.in"
echo "BEGIN; SELECT count(*) FROM sales_retail;" >&7
for _ in $(seq 100); do [ -s "$T/reader.out" ] && break; sleep 0.1; done
[ -s "$T/reader.out" ] || fail "the reader did not start"
"$NS" load "file://$M2C" >"$T/killed.out" 2>&1 &
LOADER=$!
for _ in $(seq 300); do
  waiting=$("${PSQL[@]}" -c "SELECT count(*) FROM pg_stat_activity WHERE application_name = 'nightshift'
                             AND wait_event_type = 'Lock'")
  [ "$waiting" -ge 1 ] && break
  sleep 0.1
done
[ "$waiting" -ge 1 ] || fail "the loader never waited for the reader's lock"
[ "$("${PSQL[@]}" -c "SELECT state FROM nightshift.loads WHERE manifest = 'file://$M2C'")" = staging ] ||
  fail "the load is not staging while it waits"
kill -9 $LOADER
wait $LOADER 2>/dev/null || true
echo "SELECT count(*) FROM sales_retail; COMMIT;" >&7
exec 7>&-
wait $READER || true
[ "$(sed -n 1p "$T/reader.out")" = "$(sed -n 2p "$T/reader.out")" ] ||
  fail "the reader saw the table change inside its transaction: $(cat "$T/reader.out")"
[ "$(wh_totals)" = "$before" ] || fail "the killed load changed the warehouse: $(wh_totals), was $before"
"$NS" load "file://$M2C" >"$T/after-kill.out" || fail "load after the kill: $(cat "$T/after-kill.out")"
want=$(files_totals "$M1" "$M2C")
[ "$(wh_totals)" = "$want" ] || fail "after the kill and reload: $(wh_totals), want $want"
[ "$("${PSQL[@]}" -c "SELECT count(*) FROM nightshift.loads WHERE manifest = 'file://$M2C' AND state = 'abandoned'")" = 1 ] ||
  fail "the killed load is not marked abandoned"
[ "$(leftovers)" = 0 ] || fail "stream tables left behind: $(leftovers)"

note "a bad row: the load fails naming file and line, and changes nothing"
before=$(wh_totals)
BAD=$T/out/bad-run
cp -r "$(dirname "$M1")" "$BAD"
f=$(manifest_urls "$BAD/manifest" | sed "s|$(dirname "$M1")|$BAD|" | head -1)
zstd -dcq "$(manifest_urls "$M1" | head -1)" | awk -F'|' 'BEGIN{OFS="|"} NR==3{$7="x7"} {print}' |
  zstd -q -o "$T/bad.zst"
# the copied run names its own files: rewrite the manifest with their sizes
sed "s|$(dirname "$M1")|$BAD|g" "$M1" >"$BAD/manifest"
mv "$T/bad.zst" "$f"
size=$(stat -c %s "$f")
python3 - "$BAD/manifest" "$f" "$size" <<'PY'
import json, sys
m = json.load(open(sys.argv[1]))
for e in m["entries"]:
    if e["url"] == "file://" + sys.argv[2]:
        e["meta"]["content_length"] = int(sys.argv[3])
json.dump(m, open(sys.argv[1], "w"))
PY
if "$NS" load "file://$BAD/manifest" >"$T/bad.out" 2>&1; then fail "a bad row loaded: $(cat "$T/bad.out")"; fi
grep -q "load file 'file://$f' line 3: invalid input syntax for type bigint: \"x7\" (column units)" "$T/bad.out" ||
  fail "the error does not name file, line and column: $(cat "$T/bad.out")"
[ "$(wh_totals)" = "$before" ] || fail "the failed load changed the warehouse"
[ "$("${PSQL[@]}" -c "SELECT state FROM nightshift.loads WHERE manifest = 'file://$BAD/manifest'")" = failed ] ||
  fail "the failed load is not recorded as failed"
[ "$(leftovers)" = 0 ] || fail "the failed load left stream tables"

note "a load file that changed after the commit"
echo "extra" >>"$f"
if "$NS" load "file://$BAD/manifest" >"$T/changed.out" 2>&1; then fail "a changed file loaded"; fi
grep -q "the manifest says $size: it changed after the run committed" "$T/changed.out" ||
  fail "no clear error for a changed file: $(cat "$T/changed.out")"
[ "$(wh_totals)" = "$before" ] || fail "the changed-file load changed the warehouse"

note "replace: all (a master snapshot)"
P1=$(run master_products $D1)
P2=$(run master_products $D2)
"$NS" load "file://$P1" >/dev/null || fail "products 1"
"$NS" load "file://$P2" >/dev/null || fail "products 2"
n2=$(json_get rows_out <"$(dirname "$P2")/job.json") # (descriptions hold line breaks)
[ "$("${PSQL[@]}" -c "SELECT count(*) FROM dim_product")" = "$n2" ] ||
  fail "dim_product holds $("${PSQL[@]}" -c "SELECT count(*) FROM dim_product") rows, the last snapshot $n2"
[ "$("${PSQL[@]}" -c "SELECT count(*) FROM pg_inherits WHERE inhparent = 'dim_product'::regclass")" -ge 1 ] ||
  fail "dim_product has no partition"

note "replace by keys with a version: partial replacement, late older restatement"
"${PSQL[@]}" -c "CREATE TABLE ad_t (ad_id text, day date, clicks bigint, report_date date,
                 load_part bigint NOT NULL) PARTITION BY LIST (load_part)"
cat >"$T/ad_t.yaml" <<'EOF'
name: ad_t
input:
  uri: "{raw}/ads_t/dt={date}/"
  delimiter: ","
  header: true
  columns:
    - {name: ad_id, type: string}
    - {name: day, type: date}
    - {name: clicks, type: int}
    - {name: dt, type: date, from_path: dt}
transform:
  - {name: ad_id, from: ad_id}
  - {name: day, from: day}
  - {name: clicks, from: clicks}
  - {name: report_date, from: dt}
output:
  uri: "{out}/ad_t/dt={date}/"
  table: ad_t
  sort_key: [ad_id, day]
  slices: 2
  load:
    replace: [ad_id, day]
    version: report_date
EOF
mkdir -p "$T/raw/ads_t/dt=2026-11-20" "$T/raw/ads_t/dt=2026-11-21" "$T/raw/ads_t/dt=2026-11-19"
printf 'ad_id,day,clicks\nA,2026-11-18,10\nA,2026-11-19,11\nB,2026-11-19,20\n' >"$T/raw/ads_t/dt=2026-11-20/r.csv"
printf 'ad_id,day,clicks\nA,2026-11-19,12\nA,2026-11-20,13\n' >"$T/raw/ads_t/dt=2026-11-21/r.csv"
printf 'ad_id,day,clicks\nA,2026-11-19,99\nA,2026-11-17,9\n' >"$T/raw/ads_t/dt=2026-11-19/r.csv"
runf() { # runf JOBFILE DATE: like run, for a job file of the test
  local out
  out=$("$NS" submit "$1" --date "$2" --var raw="$RAW" --var out="$OUT" --wait) || fail "$1 $2: $out"
  echo "$out" | grep -o 'file://[^ ]*/manifest' | head -1
}
for d in 2026-11-20 2026-11-21 2026-11-19; do
  m=$(runf "$T/ad_t.yaml" $d)
  "$NS" load "$m" >"$T/ad-$d.out" || fail "ad_t $d: $(cat "$T/ad-$d.out")"
done
got=$("${PSQL[@]}" -c "SELECT ad_id, day, clicks, report_date FROM ad_t ORDER BY 1, 2" | tr '\n' ' ')
want="A|2026-11-17|9|2026-11-19 A|2026-11-18|10|2026-11-20 A|2026-11-19|12|2026-11-21 A|2026-11-20|13|2026-11-21 B|2026-11-19|20|2026-11-20 "
[ "$got" = "$want" ] || fail "ad_t holds: $got; want: $want"

note "submit --load"
out=$("$NS" submit "$NS_SRC/jobs/retail_pos.yaml" --date $D1 --var raw="$RAW" --var out="$OUT" --wait --load) ||
  fail "submit --load: $out"
M1B=$(echo "$out" | grep -o 'file://[^ ]*/manifest' | head -1 | sed 's|^file://||')
echo "$out" | grep -q "sales_retail: load [0-9]* published" || fail "submit --load did not load: $out"
want=$(files_totals "$M1B" "$M2C")
[ "$(wh_totals)" = "$want" ] || fail "after submit --load: $(wh_totals), want $want"
note "ok"
