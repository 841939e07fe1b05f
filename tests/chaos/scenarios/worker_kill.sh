# worker_kill: a random worker killed (-9) every few seconds, a new one started
# Four slow workers (they pause KILL_SLOW_MS ms per task and per 4096 rows,
# so that a kill lands in the middle of work) run the day. Until every job has
# ended, every KILL_EVERY seconds a random live worker gets SIGKILL and a new
# worker takes its place. The coordinator must notice each lost worker,
# retry its attempts elsewhere and ignore whatever a dead attempt left; the
# day must end identical to the fault-free run. Fails also when no kill hit
# a worker that was running a task (nothing was tested).
scenario_worker_kill() {
  chaos_scenario_env worker_kill
  chaos_db
  chaos_cluster_up 4 --slow-ms "$KILL_SLOW_MS"
  chaos_submit "$CHAOS_RAW" "file://$T/out"
  local kills=0 busy=0 victim live
  while ! chaos_all_done; do
    sleep "$KILL_EVERY"
    chaos_all_done && break
    mapfile -t live < <(live_pids "${WORKER_PIDS[@]}")
    [ ${#live[@]} -gt 0 ] || fail "no worker left alive"
    victim=${live[RANDOM % ${#live[@]}]}
    if worker_busy "$victim"; then busy=$((busy + 1)); note "kill -9 worker $victim (busy)"; else note "kill -9 worker $victim (idle)"; fi
    kill -9 "$victim"
    wait "$victim" 2>/dev/null || true
    kills=$((kills + 1))
    start_worker --slow-ms "$KILL_SLOW_MS"
  done
  chaos_fault "workers killed: $kills (busy: $busy)"
  chaos_wait
  local retries
  retries=$(chaos_sum retries)
  chaos_fault "task retries: $retries"
  [ "$busy" -ge 1 ] || fail "no kill hit a worker running a task ($kills kills): the day was too short"
  [ "$retries" -ge 1 ] || fail "$busy busy workers were killed, yet no task was retried"
  [ "$kills" -ge "$KILLS_MIN" ] || echo "$kills kills, fewer than the $KILLS_MIN wanted: the day ended first" >"$SUITE_T/results/worker_kill.note"
  chaos_load
  chaos_digest "$CHAOS_RAW"
  chaos_compare
}
