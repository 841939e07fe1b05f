# baseline: the fault-free run every comparing scenario is held against
# A coordinator and three workers run the day's jobs; the day is loaded into
# a fresh database; its digests become $SUITE_T/baseline.*.digest. It must
# itself be clean: no task retried, every job with rows out, every table
# the day loads not empty.
scenario_baseline() {
  chaos_scenario_env baseline
  chaos_db
  chaos_cluster_up 3
  chaos_submit "$CHAOS_RAW" "file://$T/out"
  chaos_wait
  [ "$(chaos_sum retries)" = 0 ] || fail "the fault-free run retried $(chaos_sum retries) tasks"
  local j
  for j in "${CHAOS_JOBS[@]}"; do
    [ "$(json_get rows_out <"$T/jobs/$j.json")" -gt 0 ] || fail "$j wrote no rows"
  done
  chaos_load
  chaos_digest "$CHAOS_RAW"
  local empty
  empty=$(grep -v '^ledger' "$T/warehouse.digest" | grep ' rows=0 ' | awk '{print $1}' | tr '\n' ' ')
  for j in "${CHAOS_JOBS[@]}"; do
    local table
    table=$(sed -n 's/^  table: *\([a-z_]*\).*/\1/p' "$CHAOS_JOBDIR/$j.yaml")
    [[ " $empty " != *" $table "* ]] || fail "table $table of $j is empty after the load"
  done
  cp "$T/jobs.digest" "$SUITE_T/baseline.jobs.digest"
  cp "$T/warehouse.digest" "$SUITE_T/baseline.warehouse.digest"
  cp "$T/digest/files.txt" "$SUITE_T/baseline.files.txt"
  cat "$T/jobs.digest" "$T/warehouse.digest"
  echo "$(chaos_sum maps_total) map and $(chaos_sum reduces_total) reduce tasks" >"$SUITE_T/results/baseline.note"
  chaos_fault none
}
