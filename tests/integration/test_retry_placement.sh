#!/usr/bin/env bash
# Retries go to another worker (docs/PROTOCOL.md, "Retries"), with real
# processes: one healthy but slow worker and one broken worker whose disk is
# full. The broken worker runs in a mount namespace of its own where the
# job's output directory is a full 4 KiB tmpfs: every spill, run and load
# file it writes fails with ENOSPC at once, as on a worker whose spill disk
# filled up (the chaos suite's spill_full scenario found the bug).
#
# Being fast at failing, the broken worker is the free one whenever a retry
# is dispatched; if retries went to any free worker it would take all of a
# task's attempts and fail the job ("task m... failed 4 times") while the
# healthy worker would have run it seconds later. Asserted:
#   - the job succeeds and writes the same rows as a run on a healthy fleet;
#   - every task the broken worker failed was retried on the healthy one,
#     and no task went twice to the broken worker;
#   - after 3 failures in a row, of more than one task, the broken worker
#     is excluded from dispatch for 30 s (logged), so it fails at most one
#     more attempt (one may cross the exclusion);
#   - with the healthy worker gone, the broken one alone fails the job
#     after max_attempts, naming the full disk: neither the retry rule nor
#     its exclusion keeps the last worker of a pool from working.
# Needs root (unshare -m, mount), like test_multihost.
if [ "$(id -u)" != 0 ]; then
  echo "FAIL: test_retry_placement needs root (a mount namespace with a full tmpfs); run ctest as root" >&2
  exit 1
fi
. "$(dirname "$0")/lib.sh"
DATE=2026-11-24
"$NS_BIN" gen --sources pos,master --stores 6 --days 1 --start $DATE --seed 7 --out "file://$T/raw" >/dev/null
sed 's/^\(  split_size:\).*/\1 64KB/' "$NS_SRC/jobs/retail_pos.yaml" >"$T/job.yaml"
grep -q "split_size: 64KB" "$T/job.yaml" || fail "the job file has no split_size to shrink"
start_coordinator

run_job() { # run_job OUT -> job id; waits for it
  local job
  job=$("$NS_BIN" submit "$T/job.yaml" --date $DATE --var raw="file://$T/raw" --var out="file://$T/$1" --quiet)
  "$NS_BIN" wait "$job" --json --quiet --timeout 300 >"$T/$1.json" || true
  echo "$job"
}
rows_of() { json_get rows_out <"$T/$1.json"; }

note "reference: one healthy worker"
start_worker
wait_workers 1
ref=$(run_job ref)
[ "$(json_get state <"$T/ref.json")" = succeeded ] || fail "reference run: $(cat "$T/ref.json")"
kill -TERM "${WORKER_PIDS[0]}"; wait "${WORKER_PIDS[0]}" 2>/dev/null || true

note "a slow healthy worker and one with a full disk"
start_worker --slow-ms 1500
mkdir -p "$T/mixed" "$T/alone"
n=${#WORKER_PIDS[@]}
unshare --mount --propagation private -- bash -c '
  for d in "$1/mixed" "$1/alone"; do
    mount -t tmpfs -o size=4k full "$d" || exit 1
    cat /dev/zero >"$d/.fill" 2>/dev/null || true
  done
  shift; exec "$@"' full "$T" "$NS_BIN" worker --connect "$NIGHTSHIFT_COORDINATOR" \
  --heartbeat-ms 500 --liveness-ms $LIVENESS >>"$T/logs/worker-$n.log" 2>&1 &
WORKER_PIDS+=($!)
BROKEN_PID=$!
wait_workers 2
job=$(run_job mixed)
state=$(json_get state <"$T/mixed.json")
[ "$state" = succeeded ] || fail "the job failed with a broken worker in the fleet: $(cat "$T/mixed.json")"
[ "$(rows_of mixed)" = "$(rows_of ref)" ] || fail "rows out: $(rows_of mixed) with the broken worker, $(rows_of ref) without"

# who ran what: "job J: m00003 attempt 1 -> worker W"; worker ids are
# HOST-PID-XXXX
broken_id=$(grep -o "worker [^ ]*-$BROKEN_PID-[0-9a-f]* ready" "$T/logs/coordinator.log" | head -n 1 | cut -d' ' -f2)
[ -n "$broken_id" ] || fail "no READY of the broken worker (pid $BROKEN_PID) in the log"
grep "job $job: .* attempt [0-9]* -> worker" "$T/logs/coordinator.log" |
  sed 's/.*: \([mr][0-9]*\)\( (speculative)\)\{0,1\} attempt \([0-9]*\) -> worker \(.*\)/\1 \3 \4/' >"$T/attempts"
on_broken=$(awk -v b="$broken_id" '$3 == b' "$T/attempts" | wc -l)
[ "$on_broken" -ge 1 ] || fail "the broken worker got no task, the test proves nothing: $(cat "$T/attempts")"
twice=$(awk -v b="$broken_id" '$3 == b { n[$1]++ } END { for (t in n) if (n[t] > 1) print t }' "$T/attempts")
[ -z "$twice" ] || fail "tasks given again to the worker they failed on: $twice"
retried=$(awk -v b="$broken_id" '$3 == b { f[$1] = 1 } $3 != b && $2 > 0 && f[$1] { r[$1] = 1 }
  END { n = 0; for (t in f) if (!r[t]) print t }' "$T/attempts")
[ -z "$retried" ] || fail "tasks the broken worker failed and nobody retried: $retried"
note "the broken worker failed $on_broken attempts, each retried on the healthy one"
# after 3 failures in a row, of more than one task, it gets no tasks for a while
grep -q "worker $broken_id excluded from dispatch for 30 s: 3 attempts in a row of [0-9]* tasks failed on it; last: .*No space left" \
  "$T/logs/coordinator.log" || fail "the broken worker was not excluded: $(grep -c . "$T/attempts") attempts"
[ "$on_broken" -le 4 ] || fail "the broken worker got $on_broken attempts while excluded"

note "the broken worker alone: the job fails after max_attempts, naming why"
kill -TERM "${WORKER_PIDS[1]}"; wait "${WORKER_PIDS[1]}" 2>/dev/null || true
alone=$(run_job alone)
[ "$(json_get state <"$T/alone.json")" = failed ] || fail "a job on the broken worker alone: $(cat "$T/alone.json")"
json_get reason <"$T/alone.json" | grep -q "failed [0-9]* times.*No space left" ||
  fail "reason: $(json_get reason <"$T/alone.json")"
[ -z "$(find "$T/alone" -name '*.psv.zst' 2>/dev/null)" ] || fail "load files written by a failed job"
echo PASS
