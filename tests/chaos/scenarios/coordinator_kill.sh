# coordinator_kill: the coordinator killed (-9) in the map and in the reduce phase, restarted
# Three slow workers (twice SLOW_MS: the reduce phases must last long enough
# to be caught) run the day. The coordinator is killed with SIGKILL
# while a job is in its map phase and restarted on its journal, until
# COORD_KILLS restarts have recovered a job in the map phase ("recovered job
# ... in state map" in its log); then the same for the reduce phase. The
# workers reconnect by themselves; every job must resume and the day must
# end identical to the fault-free run.
scenario_coordinator_kill() {
  chaos_scenario_env coordinator_kill
  chaos_db
  chaos_cluster_up 3 --slow-ms $(( SLOW_MS * 2 ))
  chaos_submit "$CHAOS_RAW" "file://$T/out"
  local phase kills=0 hits caught s lines
  local -A hit
  for phase in map reduce; do
    hits=0
    while [ $hits -lt "$COORD_KILLS" ]; do
      caught=
      while :; do
        s=$(chaos_jobs)
        if [ $phase = map ]; then
          caught=$(echo "$s" | awk '$3 == "map" && $4 >= 1 && $4 < $5 { print $2; exit }')
        else
          caught=$(echo "$s" | awk '$3 == "reduce" && $6 < $7 { print $2; exit }')
        fi
        [ -n "$caught" ] && break
        chaos_all_done && break 3
        sleep 0.05
      done
      note "kill -9 the coordinator: job $caught was in the $phase phase"
      kill -9 "$COORD_PID"
      wait "$COORD_PID" 2>/dev/null || true
      kills=$((kills + 1))
      lines=$(wc -l <"$T/logs/coordinator.log")
      start_coordinator
      # the journal replay is logged before the coordinator answers
      if tail -n +"$((lines + 1))" "$T/logs/coordinator.log" | grep -q "recovered job .* in state $phase\$"; then
        hits=$((hits + 1))
      fi
    done
    hit[$phase]=$hits
  done
  chaos_fault "coordinator killed: $kills (recovered jobs in map: ${hit[map]:-0} times, in reduce: ${hit[reduce]:-0})"
  [ "${hit[map]:-0}" -ge 1 ] || fail "the day ended before a restart recovered a job in its map phase"
  [ "${hit[reduce]:-0}" -ge 1 ] || fail "the day ended before a restart recovered a job in its reduce phase"
  chaos_wait
  chaos_fault "task retries: $(chaos_sum retries)"
  chaos_load
  chaos_digest "$CHAOS_RAW"
  chaos_compare
}
