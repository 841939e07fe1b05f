#!/usr/bin/env bash
# Minimal reproduction (found by the chaos suite's spill_full scenario): the
# coordinator gives the retry of a failed attempt to the worker it just
# failed on, so one broken worker fails a whole job.
#
# One healthy but slow worker (--slow-ms 3000: busy for 3 s per task) and
# one worker that cannot write its spills (its view of the job's _tmp/ is a
# full tmpfs, in a mount namespace of its own). The job has 6 map tasks.
# The broken worker fails its first map at once (ENOSPC), is the only free
# worker when the retry is dispatched, gets it, fails again, ... 4 times:
# "task mNNNNN failed 4 times", every attempt on the broken worker, while
# the healthy worker would have run it a few seconds later.
#
# Expected (what the chaos suite requires): the job succeeds, its failed
# attempts retried on the healthy worker. Exit 0 then, 1 while the bug is
# there. Needs root (unshare -m, mount).
#   NS_BIN=build/nightshift NS_SRC=. tests/chaos/repro/retry_same_worker.sh
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 2; }
NS_SRC=${NS_SRC:-$(cd "$(dirname "$0")/../../.." && pwd)}
NS_BIN=${NS_BIN:-$NS_SRC/build/nightshift}
export NS_SRC NS_BIN
. "$NS_SRC/tests/integration/lib.sh"
DATE=2026-11-24
"$NS_BIN" gen --sources pos,master --stores 6 --days 1 --start $DATE --seed 7 --out "file://$T/raw" >/dev/null
sed 's/^\(  split_size:\).*/\1 64KB/' "$NS_SRC/jobs/retail_pos.yaml" >"$T/job.yaml"
start_coordinator
job=$("$NS_BIN" submit "$T/job.yaml" --date $DATE --var raw="file://$T/raw" --var out="file://$T/out" --quiet)
prefix=$("$NS_BIN" status "$job" --json | json_get prefix)
prefix=${prefix#file://}
start_worker --slow-ms 3000
unshare --mount --propagation private -- bash -c '
  mkdir -p "$1/_tmp" && mount -t tmpfs -o size=4k chaos-full "$1/_tmp" && { cat /dev/zero >"$1/_tmp/.fill" 2>/dev/null; true; }
  shift; exec "$@"' broken "$prefix" "$NS_BIN" worker --connect "$NIGHTSHIFT_COORDINATOR" \
  --heartbeat-ms 500 --liveness-ms $LIVENESS >>"$T/logs/worker-broken.log" 2>&1 &
WORKER_PIDS+=($!)
"$NS_BIN" wait "$job" --json --quiet --timeout 300 >"$T/job.json" || true
state=$(json_get state <"$T/job.json")
echo "job $job: $state $(json_get reason <"$T/job.json" | cut -c1-100)"
echo "attempts per worker:"
grep "attempt [0-9]* -> worker" "$T/logs/coordinator.log" | sed 's/.*job [^ ]*: \([mr][0-9]*\) attempt \([0-9]*\) -> worker \(.*\)/  \1 a\2 \3/'
[ "$state" = succeeded ] || fail "the job failed: its retries went to the worker that could not spill (pid ${WORKER_PIDS[1]})"
echo PASS
