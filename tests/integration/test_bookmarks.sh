#!/usr/bin/env bash
# Incremental runs with a bookmark (bookmark: true, docs/BOOKMARKS.md):
#   - a run records the objects it read; the next run reads only new ones;
#   - with nothing new, a run succeeds and writes empty load files;
#   - a rewritten object (a new ETag) is read again;
#   - on S3, an identical file sent again keeps its ETag and is skipped;
#   - bookmark show / rewind --to / reset, and a failed run records nothing.
. "$(dirname "$0")/lib.sh"
start_coordinator
start_worker
wait_workers 1
ev() { mkdir -p "$T/raw/events/$1"; printf 'id,n\n%s\n' "$2" > "$T/raw/events/$1/events.csv"; }
ev 14 "a,1
b,2"
ev 15 "c,3"
cat > "$T/job.yaml" <<'EOF'
name: events_t
bookmark: true
input:
  uri: "{raw}/events/"
  delimiter: ","
  columns: [{name: id, type: string}, {name: n, type: int}]
transform: [{name: id, from: id}, {name: n, from: n}]
output: {uri: "{out}/dt={date}", table: events, sort_key: [id]}
EOF
# run DATE NAME [RAW]: submits, waits; prints the rows written
run() {
  "$NS_BIN" submit "$T/job.yaml" --date "$1" --var raw="${3:-file://$T/raw}" --var out="file://$T/out-$2" \
    --wait --json --quiet > "$T/$2.json" || fail "run $2 failed: $(cat "$T/$2.json")"
  manifest_content "$(uri_path "$(json_get manifest < "$T/$2.json")")" | LC_ALL=C sort | tr '\n' ' '
}

note "the first run reads everything"
[ "$(run 2026-11-24 r1)" = "a|1 b|2 c|3 " ] || fail "r1 rows"
"$NS_BIN" bookmark show events_t > "$T/show.txt"
grep -q "^events_t: 2 objects" "$T/show.txt" || fail "bookmark show: $(cat "$T/show.txt")"
grep -q "2026-11-24 .*events/14/events.csv" "$T/show.txt" || fail "bookmark show lines: $(cat "$T/show.txt")"

note "the next run reads only the new hour"
ev 16 "d,4"
[ "$(run 2026-11-25 r2)" = "d|4 " ] || fail "r2 rows: $(run 2026-11-25 r2x)"
[ "$(json_get rows_in < "$T/r2.json")" = 1 ] || fail "r2 read $(json_get rows_in < "$T/r2.json") rows"

note "nothing new: the run succeeds with no rows"
[ "$(run 2026-11-25 r3)" = "" ] || fail "r3 rows"
[ "$(json_get state < "$T/r3.json")" = succeeded ] || fail "r3 state"

note "a rewritten object (new ETag) is read again"
sleep 1.1 # a new mtime, whatever the file system's resolution
ev 15 "c,30"
[ "$(run 2026-11-26 r4)" = "c|30 " ] || fail "r4 rows"

note "rewind --to forgets what later runs read; reset forgets all"
"$NS_BIN" bookmark rewind events_t --to 2026-11-25 | grep -q "2 objects will be read again" || fail "rewind"
[ "$(run 2026-11-27 r5)" = "c|30 d|4 " ] || fail "r5 rows"
"$NS_BIN" bookmark reset events_t >/dev/null || fail "reset"
[ "$(run 2026-11-28 r6)" = "a|1 b|2 c|30 d|4 " ] || fail "r6 rows"
"$NS_BIN" bookmark show events_t --json | grep -q '"date":"2026-11-28"' || fail "show --json"

note "a failed run records nothing"
ev 17 "e,not-a-number"
set +e
"$NS_BIN" submit "$T/job.yaml" --date 2026-11-29 --var raw="file://$T/raw" --var out="file://$T/out-r7" \
  --wait --json --quiet > "$T/r7.json"
rc=$?
set -e
[ $rc -eq 1 ] || fail "r7 should fail on its reject (no error budget): exit $rc"
"$NS_BIN" bookmark show events_t | grep -q "^events_t: 3 objects" || fail "the failed run changed the bookmark"
rm -r "$T/raw/events/17"

if [ -n "${NS_TEST_S3_BUCKET:-}" ]; then
  note "S3: an identical file sent again keeps its ETag and is skipped"
  S3=s3://$NS_TEST_S3_BUCKET/bookmarks-$$
  "$NS_BIN" bookmark reset events_t >/dev/null
  printf 'id,n\nx,1\n' | "$NS_BIN" store put "$S3/events/01/events.csv" || fail "put"
  [ "$(run 2026-11-30 s1 "$S3")" = "x|1 " ] || fail "s1 rows"
  printf 'id,n\nx,1\n' | "$NS_BIN" store put "$S3/events/01/events.csv" || fail "put again"
  printf 'id,n\ny,2\n' | "$NS_BIN" store put "$S3/events/02/events.csv" || fail "put 02"
  [ "$(run 2026-11-30 s2 "$S3")" = "y|2 " ] || fail "s2 rows: the re-sent file was read again"
  printf 'id,n\nx,100\n' | "$NS_BIN" store put "$S3/events/01/events.csv" || fail "put changed"
  [ "$(run 2026-11-30 s3 "$S3")" = "x|100 " ] || fail "s3 rows: the changed file was not read"
fi
echo "PASS"
