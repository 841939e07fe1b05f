#!/usr/bin/env bash
# nightshift rerun (docs/CLI.md; RERUN in docs/PROTOCOL.md): an ended job
# run again as a new job with the job file text, date and variables it was
# submitted with.
#   - a rerun of a committed retail_pos day writes the same load files under
#     a new job id, and `rerun --load` replaces the day in the warehouse
#     (the totals stay those of the load files: nothing counted twice);
#   - after the coordinator is killed (-9) and restarted on its journal, the
#     old job can still be rerun (its text and variables come from the
#     journal);
#   - refused with a clear error: a job still running (exit 1), an unknown
#     job (exit 1), --date or --var (exit 2, usage).
# nightshift logs (docs/CLI.md): the coordinator's and workers' log lines
# merged by time, prefixed with the process:
#   - `logs JOB` prints only lines naming the job, from the coordinator and
#     the workers, in time order, its start and end among them;
#   - --lines N prints the last N; a job no line names exits 1;
#   - `logs JOB --follow` prints a job's lines as they come and ends by
#     itself once the job has ended.
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

"$NS" warehouse init >/dev/null || fail "warehouse init failed"
"$NS" gen --stores 3 --days 1 --start $D --seed 5 --sources pos,master --out "$RAW" >/dev/null ||
  fail "gen failed"

status_field() { "$NS" status "$1" --json | json_get "$2"; }
wh_totals() {
  "${PSQL[@]}" -c "SELECT business_date, count(*), sum(units), sum(net_usd) FROM sales_retail GROUP BY 1 ORDER BY 1"
}

note "the first run, loaded"
J1=$("$NS" submit "$NS_SRC/jobs/retail_pos.yaml" --date $D --var raw="$RAW" --var out="$OUT" --quiet) ||
  fail "submit failed"
"$NS" wait "$J1" --quiet --timeout 600 >/dev/null || fail "job $J1 did not succeed"
M1=$(status_field "$J1" manifest)
[ -n "$M1" ] || fail "job $J1 names no manifest"
"$NS" load "$M1" >/dev/null || fail "load of $M1 failed"
manifest_content "$(uri_path "$M1")" > "$T/run1.txt"
[ -s "$T/run1.txt" ] || fail "the first run wrote no rows"
before=$(wh_totals)

note "rerun --load: a new job, the same load files, the day replaced"
"$NS" rerun "$J1" --load --json --quiet > "$T/rerun.json" 2> "$T/rerun.err" ||
  fail "rerun --load failed: $(cat "$T/rerun.json" "$T/rerun.err")"
J2=$("$NS" list --json | grep -o '"id":"retail_pos-[^"]*"' | sed 's/"id":"//; s/"$//' | grep -vx "$J1" | tail -1)
[ -n "$J2" ] && [ "$J2" != "$J1" ] || fail "no new job after the rerun: $("$NS" list)"
[ "$(status_field "$J2" state)" = succeeded ] || fail "the rerun $J2 did not succeed"
[ "$(status_field "$J2" date)" = $D ] || fail "the rerun $J2 has date $(status_field "$J2" date), want $D"
M2=$(status_field "$J2" manifest)
case "$M2" in "$OUT/retail_pos/"*"/$J2/manifest") ;; *) fail "the rerun's manifest $M2 is not under its own prefix in $OUT" ;; esac
manifest_content "$(uri_path "$M2")" > "$T/run2.txt"
cmp -s "$T/run1.txt" "$T/run2.txt" || fail "the rerun's load files differ from the first run's"
grep -q '"skipped":false' "$T/rerun.json" || fail "the rerun's load did not run: $(cat "$T/rerun.json")"
[ "$(wh_totals)" = "$before" ] || fail "warehouse totals changed after the rerun's load: $before -> $(wh_totals)"

note "after a coordinator restart (-9) the old job is rerun from the journal"
kill -9 "$COORD_PID"
wait "$COORD_PID" 2>/dev/null || true
start_coordinator
wait_workers 2
J3=$("$NS" rerun "$J1" --quiet) || fail "rerun after the restart failed"
[ -n "$J3" ] && [ "$J3" != "$J1" ] && [ "$J3" != "$J2" ] || fail "rerun after the restart gave '$J3'"
"$NS" wait "$J3" --quiet --timeout 600 >/dev/null || fail "the rerun $J3 after the restart did not succeed"
manifest_content "$(uri_path "$(status_field "$J3" manifest)")" > "$T/run3.txt"
cmp -s "$T/run1.txt" "$T/run3.txt" || fail "the rerun after the restart wrote other load files"

note "logs: a job's lines from every process, in time order"
L=(--dir "$T/logs")
"$NS" logs "$J2" --lines 0 "${L[@]}" > "$T/logs-j2.txt" || fail "logs $J2 failed"
[ -s "$T/logs-j2.txt" ] || fail "logs $J2 printed nothing"
# every line that has a time names the job (lines without one continue one that does)
grep -E '^[a-z0-9-]+ +\| [0-9]{4}-' "$T/logs-j2.txt" | grep -v -- "$J2" && fail "logs $J2 printed lines of other jobs"
grep -q "^coordinator | .*job $J2 submitted" "$T/logs-j2.txt" || fail "logs $J2: no submit line: $(head "$T/logs-j2.txt")"
grep -q "^coordinator | .*job $J2 succeeded" "$T/logs-j2.txt" || fail "logs $J2: no end line"
grep -q "^worker-[0-9] *| .*$J2 .*done in" "$T/logs-j2.txt" || fail "logs $J2: no worker line: $(cat "$T/logs-j2.txt")"
sed 's/^[^|]*| //' "$T/logs-j2.txt" | cut -c1-24 > "$T/times.txt"
sort -c "$T/times.txt" || fail "logs $J2 is not in time order"
[ "$(grep -c . "$T/logs-j2.txt")" -ge 6 ] || fail "logs $J2: too few lines"
"$NS" logs "$J2" --lines 3 "${L[@]}" > "$T/logs-3.txt" || fail "logs --lines 3"
[ "$(wc -l < "$T/logs-3.txt")" = 3 ] || fail "logs --lines 3 printed $(wc -l < "$T/logs-3.txt") lines"
[ "$(tail -3 "$T/logs-j2.txt")" = "$(cat "$T/logs-3.txt")" ] || fail "logs --lines 3 is not the last 3 lines"
"$NS" logs --lines 5 "${L[@]}" > "$T/logs-5.txt" || fail "logs --lines 5"
[ "$(wc -l < "$T/logs-5.txt")" = 5 ] || fail "logs --lines 5 printed $(wc -l < "$T/logs-5.txt") lines"
rc=0
"$NS" logs retail_pos-19990101-000000 "${L[@]}" > /dev/null 2> "$T/e0" || rc=$?
[ $rc = 1 ] && grep -q "no line of '$T/logs/\*.log' names" "$T/e0" || fail "logs of no job: exit $rc, $(cat "$T/e0")"

note "logs --follow: a job's lines as they come, until it ends"
J5=$("$NS" submit "$NS_SRC/jobs/retail_pos.yaml" --date $D --var raw="$RAW" --var out="$OUT" --quiet) ||
  fail "submit failed"
# a hang guard, not a time limit: --follow must end by itself when the job has
timeout 300 "$NS" logs "$J5" --follow --lines 0 "${L[@]}" > "$T/follow.txt" ||
  fail "logs --follow did not end with the job (exit $?)"
[ "$(status_field "$J5" state)" = succeeded ] || fail "$J5 did not succeed"
grep -q "job $J5 succeeded" "$T/follow.txt" || fail "logs --follow missed the end: $(tail -3 "$T/follow.txt")"
grep -q "^worker-[0-9] *| .*$J5 .*done in" "$T/follow.txt" || fail "logs --follow missed the workers"

note "refusals"
rc=0
"$NS" rerun no-such-job > /dev/null 2> "$T/e1" || rc=$?
[ $rc = 1 ] && grep -q "no job 'no-such-job'" "$T/e1" || fail "rerun of an unknown job: exit $rc, $(cat "$T/e1")"
rc=0
"$NS" rerun "$J1" --date 2026-11-23 > /dev/null 2> "$T/e2" || rc=$?
[ $rc = 2 ] && grep -q "rerun takes the date and variables of JOB" "$T/e2" ||
  fail "rerun --date: exit $rc, $(cat "$T/e2")"
# a job that cannot finish: no worker is left to run it
for p in "${WORKER_PIDS[@]}"; do kill -9 "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
J4=$("$NS" submit "$NS_SRC/jobs/retail_pos.yaml" --date $D --var raw="$RAW" --var out="$OUT" --quiet) ||
  fail "submit without workers failed"
rc=0
"$NS" rerun "$J4" > /dev/null 2> "$T/e3" || rc=$?
[ $rc = 1 ] && grep -q "job '$J4' is still running: wait for it or cancel it first" "$T/e3" ||
  fail "rerun of a running job: exit $rc, $(cat "$T/e3")"
[ "$("$NS" list --json | grep -o '"id":"retail_pos-' | wc -l)" = 5 ] ||
  fail "a refused rerun made a job: $("$NS" list)"
"$NS" cancel "$J4" > /dev/null || fail "cancel $J4"
note "ok"
