# spill_full: a worker whose spill space is full (a full tmpfs over the runs' directory)
# Workers have no spill directory of their own: a map task writes its sorted
# runs (the spills of ns_sorter) to the store, under the job's prefix in
# _tmp/ (docs/CLI.md), and the reduce reads them from there. With a file://
# store that is a directory every worker mounts; here one worker (the
# victim) runs in a mount namespace of its own (unshare -m) in which each
# job's _tmp/ is a small tmpfs filled to the last byte before the worker
# starts: every spill it tries fails with ENOSPC (and, as the tmpfs hides
# the shared _tmp/ from it, every reduce it tries finds no runs). The jobs
# are submitted before any worker is up (their prefixes are known at
# submit), then three healthy workers and the victim start. Each failed
# attempt must be reported and retried on another worker, nothing the
# victim half-wrote may reach the output, and the day must end identical to
# the fault-free run. Needs root (mount namespaces, mount); skipped without.
scenario_spill_full() {
  if [ "$(id -u)" != 0 ]; then
    echo "needs root (unshare -m, mount -t tmpfs)" >"$SUITE_T/results/spill_full.note"
    exit 77
  fi
  command -v unshare >/dev/null || { echo "needs unshare (util-linux)" >"$SUITE_T/results/spill_full.note"; exit 77; }
  chaos_scenario_env spill_full
  chaos_db
  start_coordinator
  chaos_submit "$CHAOS_RAW" "file://$T/out"
  local prefixes
  prefixes=$("$NS_BIN" list --json | grep -o '"prefix":"file://[^"]*"' | sed 's/^"prefix":"file:\/\///; s/"$//' | sort -u)
  [ "$(echo "$prefixes" | wc -l)" = ${#CHAOS_JOBS[@]} ] || fail "expected ${#CHAOS_JOBS[@]} job prefixes, got: $prefixes"
  local i
  for i in 1 2 3; do start_worker --slow-ms "$SLOW_MS"; done
  # the victim: a full tmpfs on every job's _tmp/, in its own mount namespace
  echo "$prefixes" >"$T/prefixes"
  unshare --mount --propagation private -- bash -c '
    set -e
    while read -r p; do
      mkdir -p "$p/_tmp"
      mount -t tmpfs -o size=4k,mode=0755 chaos-spill-full "$p/_tmp"
      cat /dev/zero >"$p/_tmp/.fill" 2>/dev/null || true   # to the last byte: ENOSPC from here on
    done <"$1"
    echo "victim: $(wc -l <"$1") full tmpfs mounts; $(df -h "$(head -1 "$1")/_tmp" | tail -1)"
    shift
    exec "$@"' victim "$T/prefixes" "$NS_BIN" worker --connect "$NIGHTSHIFT_COORDINATOR" --heartbeat-ms 500 \
      --liveness-ms $LIVENESS >>"$T/logs/worker-victim.log" 2>&1 &
  WORKER_PIDS+=($!)
  local victim=$!
  wait_workers 4
  local ok=1
  ( chaos_wait ) || ok=0
  head -1 "$T/logs/worker-victim.log"
  local nospace failed
  failed=$(grep -c "attempt [0-9]* failed: " "$T/logs/worker-victim.log" || true)
  nospace=$(grep "attempt [0-9]* failed: " "$T/logs/worker-victim.log" | grep -c "No space left on device" || true)
  chaos_fault "victim's attempts failed: $failed (of them ENOSPC: $nospace)"
  if [ $ok = 0 ]; then
    # which task failed, and on which workers its attempts ran
    local f reason task job workers
    f=$(grep -l '"state":"failed"' "$T"/jobs/*.json | head -1)
    reason=$(json_get reason <"$f")
    job=$(json_get id <"$f")
    task=$(echo "$reason" | sed -n 's/^task \([mr][0-9]*\) failed.*/\1/p')
    workers=$(grep "job $job: $task attempt [0-9]* -> worker" "$T/logs/coordinator.log" | sed 's/.*-> worker //' | sort | uniq -c | awk '{ printf "%s%s x%s", (NR > 1 ? ", " : ""), $2, $1 }' || true)
    fail "job $(basename "$f" .json) failed: ${reason:0:60}...; the attempts of $task ran on: $workers (the victim is the worker with pid $victim)"
  fi
  chaos_fault "task retries: $(chaos_sum retries)"
  kill -0 "$victim" 2>/dev/null || fail "the victim worker died: $(tail -5 "$T/logs/worker-victim.log")"
  [ "$nospace" -ge 1 ] || fail "the victim never ran out of space: no spill of it failed (log: $(tail -3 "$T/logs/worker-victim.log"))"
  chaos_load
  chaos_digest "$CHAOS_RAW"
  chaos_compare
}
