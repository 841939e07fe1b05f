#!/usr/bin/env bash
# Fresh data without loading (docs/LOADER.md): `nightshift external register`
# exposes the load files of the runs committed within --since as a
# PostgreSQL foreign table (file_fdw through zstd -dc) and prints the
# Redshift Spectrum DDL for the same files:
#   - clickstream sessions of two hourly runs, queried unloaded, equal the
#     runs' rows and join with loaded data;
#   - a run that committed before the window is left out;
#   - a table with no run in the window gives an empty foreign table;
#   - an unknown table is a clear error.
. "$(dirname "$0")/lib.sh"
require_pg
start_coordinator
start_worker
start_worker
wait_workers 2
NS=$NS_BIN
RAW=file://$T/raw
OUT=file://$T/out
D=2026-11-24
chmod 755 "$T" # file_fdw's program runs as the postgres user: it reads the load files

"$NS" warehouse init >/dev/null || fail "warehouse init"
"$NS" gen --stores 3 --days 1 --start $D --seed 5 --sources clickstream,orders --out "$RAW" >/dev/null ||
  fail "gen failed"
# the day's clickstream in two deliveries: the first hours, then the rest
mkdir -p "$T/later"
later=$(find "$T/raw/clickstream" -type f | sort | tail -n 8)
for f in $later; do mkdir -p "$T/later/$(dirname "${f#$T/raw/}")"; mv "$f" "$T/later/${f#$T/raw/}"; done

run() {
  local out
  out=$("$NS" submit "$NS_SRC/jobs/clickstream.yaml" --date $D --var raw="$RAW" --var out="$OUT" --wait) ||
    fail "clickstream failed: $out"
  echo "$out" | grep -o 'file://[^ ]*/manifest' | head -1 | sed 's|^file://||'
}
M1=$(run)
(cd "$T/later" && find . -type f | while read -r f; do mkdir -p "$T/raw/$(dirname "$f")"; mv "$f" "$T/raw/$f"; done)
M2=$(run)
[ "$M1" != "$M2" ] || fail "the second run wrote the same manifest"
rows() { json_get rows_out <"$(dirname "$1")/job.json"; }
n1=$(rows "$M1")
n2=$(rows "$M2")
[ "$n1" -gt 0 ] && [ "$n2" -gt 0 ] || fail "a run wrote no sessions ($n1, $n2)"

note "the catalog keeps both incremental runs, one partition each"
"$NS" catalog show web_sessions --json >"$T/cat.json" || fail "catalog show"
python3 - "$T/cat.json" "$(basename "$(dirname "$M1")")" "$(basename "$(dirname "$M2")")" <<'PY' || fail "catalog partitions: $(cat "$T/cat.json" | head -c 600)"
import json, sys
d = json.load(open(sys.argv[1]))
runs = sorted(p["values"].get("run") for p in d["partitions"])
assert [k["name"] for k in d["partition_keys"]] == ["dt", "run"], d["partition_keys"]
assert runs == sorted(sys.argv[2:4]), runs
PY

note "both runs, unloaded"
chmod -R o+rX "$T/out"
"$NS" external register web_sessions --since 6h >"$T/spectrum.sql" 2>"$T/ext.err" ||
  fail "external register: $(cat "$T/ext.err")"
got=$("${PSQL[@]}" -c "SELECT count(*) FROM ext.web_sessions")
[ "$got" = $((n1 + n2)) ] || fail "ext.web_sessions has $got rows, the runs $n1 + $n2"
# the foreign table reads what the load files hold, column for column
"${PSQL[@]}" -c "CREATE TABLE chk AS SELECT * FROM ext.web_sessions WHERE false"
for f in $(manifest_urls "$M1") $(manifest_urls "$M2"); do
  "${PSQL[@]}" -c "\\copy chk FROM PROGRAM 'zstd -dcq $f' WITH (DELIMITER '|')"
done
diff=$("${PSQL[@]}" -c "SELECT count(*) FROM ((SELECT * FROM ext.web_sessions EXCEPT ALL SELECT * FROM chk)
                        UNION ALL (SELECT * FROM chk EXCEPT ALL SELECT * FROM ext.web_sessions)) d")
[ "$diff" = 0 ] || fail "ext.web_sessions differs from the load files in $diff rows"

note "joined with loaded data"
"$NS" load "file://$M1" >/dev/null || fail "load of the first run"
joined=$("${PSQL[@]}" -c "SELECT count(*) FROM ext.web_sessions e JOIN web_sessions w USING (session_id)")
[ "$joined" = "$n1" ] || fail "the first run's sessions join $joined loaded rows, want $n1"

note "the Spectrum DDL names the same runs"
grep -q "CREATE EXTERNAL TABLE spectrum.web_sessions" "$T/spectrum.sql" || fail "no Spectrum table: $(cat "$T/spectrum.sql")"
for m in "$M1" "$M2"; do
  grep -q "LOCATION 'file://$(dirname "$m")/load/'" "$T/spectrum.sql" ||
    fail "the Spectrum DDL lacks the partition of $m"
done
grep -q "PARTITIONED BY (job_id VARCHAR(256))" "$T/spectrum.sql" || fail "no partition column"

note "a run that committed before the window is left out"
python3 - "$(dirname "$M1")/job.json" <<'PY'
import json, sys
p = sys.argv[1]
j = json.load(open(p))
j["committed"] = "2026-01-01T00:00:00Z"
json.dump(j, open(p, "w"))
PY
"$NS" external register web_sessions --since 6h >/dev/null 2>"$T/ext.err" || fail "register: $(cat "$T/ext.err")"
got=$("${PSQL[@]}" -c "SELECT count(*) FROM ext.web_sessions")
[ "$got" = "$n2" ] || fail "with the first run outside the window: $got rows, want $n2"

note "no run in the window: an empty table"
"$NS" external register web_sessions --since 1s >/dev/null 2>&1 || true
sleep 2
"$NS" external register web_sessions --since 1s >/dev/null 2>"$T/ext.err" || fail "register: $(cat "$T/ext.err")"
[ "$("${PSQL[@]}" -c "SELECT count(*) FROM ext.web_sessions")" = 0 ] || fail "an empty window is not empty"

note "an unknown table"
if "$NS" external register no_such_table >/dev/null 2>"$T/ext.err"; then fail "an unknown table registered"; fi
grep -q "no table 'no_such_table' in the catalog" "$T/ext.err" || fail "unclear error: $(cat "$T/ext.err")"
note "ok"
