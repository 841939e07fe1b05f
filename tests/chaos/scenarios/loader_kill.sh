# loader_kill: the loader killed (-9) mid-load and run again
# The day runs undisturbed; then each load of LOADER_TABLES is killed with
# SIGKILL at two points before it is run to the end:
#   - mid-stream (tables whose load replaces by keys): a session holds
#     nightshift.load_keys in SHARE mode, so the streams, their COPY done,
#     wait to write their keys; the loader is killed while it waits;
#   - mid-publish: a session holds the target table in SHARE UPDATE EXCLUSIVE
#     mode, so the streams commit and the publish transaction waits for
#     ATTACH PARTITION; the loader is killed while it waits.
# Each kill must leave the warehouse as it was (the killed load is 'staging'
# in the ledger, no rows visible), the next loader must clean up after it
# ('abandoned', its stream tables dropped) and publish; afterwards every
# manifest is loaded once more and must be skipped (the ledger keeps a
# manifest from being loaded twice). The final warehouse must be identical
# to the fault-free run.
chaos_lock_hold() { # chaos_lock_hold SQL: a session that holds SQL's lock until chaos_lock_release
  rm -f "$T/lock.in"
  mkfifo "$T/lock.in"
  psql "$NIGHTSHIFT_WAREHOUSE" -qAtX -v ON_ERROR_STOP=1 <"$T/lock.in" >"$T/lock.out" 2>&1 &
  LOCK_PID=$!
  exec 7>"$T/lock.in"
  echo "BEGIN; $1; SELECT 'locked';" >&7
  local i
  for i in $(seq 100); do grep -q '^locked$' "$T/lock.out" && return 0; sleep 0.1; done
  fail "could not take the lock ($1): $(cat "$T/lock.out")"
}
chaos_lock_release() {
  echo "COMMIT;" >&7
  exec 7>&-
  wait "$LOCK_PID" || fail "the locking session failed: $(cat "$T/lock.out")"
}
chaos_loader_waits() { # chaos_loader_waits PATTERN: a nightshift session waits for a lock in a statement like PATTERN
  [ "$("${PSQL[@]}" -c "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()
         AND application_name = 'nightshift' AND wait_event_type = 'Lock' AND query LIKE '$1'")" -ge 1 ]
}
chaos_ledger_rows() { # chaos_ledger_rows MANIFEST: its rows in the ledger (0 before the first loader)
  if [ "$("${PSQL[@]}" -c "SELECT to_regclass('nightshift.loads') IS NOT NULL")" = t ]; then
    "${PSQL[@]}" -c "SELECT count(*) FROM nightshift.loads WHERE manifest = '$1'"
  else
    echo 0
  fi
}

chaos_table_state() { # chaos_table_state TABLE: its rows (all columns), and the published loads
  "${PSQL[@]}" -c "SELECT count(*), md5(coalesce(string_agg(t::text, E'\n' ORDER BY t::text), '')) FROM public.$1 t"
  # the ledger exists once a loader has run
  if [ "$("${PSQL[@]}" -c "SELECT to_regclass('nightshift.loads') IS NOT NULL")" = t ]; then
    "${PSQL[@]}" -c "SELECT count(*) FROM nightshift.loads WHERE state = 'published'"
  else
    echo 0
  fi
}

# chaos_kill_loader JOB TABLE POINT LOCKSQL WAITING: a load of JOB killed
# while POINT: while it waits for LOCKSQL's lock in a statement LIKE WAITING
chaos_kill_loader() {
  local j=$1 table=$2 point=$3 m before after i rows
  shift 3
  m=$(chaos_manifest "$j")
  before=$(chaos_table_state "$table")
  rows=$(chaos_ledger_rows "$m")
  chaos_lock_hold "$1"
  "$NS_BIN" load "$m" >"$T/killed-$j-$point.out" 2>&1 &
  local loader=$!
  for i in $(seq 600); do chaos_loader_waits "$2" && break; kill -0 $loader 2>/dev/null || break; sleep 0.05; done
  chaos_loader_waits "$2" || fail "the load of $j never waited at the $point point ($2): $(cat "$T/killed-$j-$point.out")"
  kill -9 $loader
  wait $loader 2>/dev/null || true
  chaos_lock_release
  [ "$(chaos_ledger_rows "$m")" = $((rows + 1)) ] &&
  [ "$("${PSQL[@]}" -c "SELECT state FROM nightshift.loads WHERE manifest = '$m' ORDER BY load_id DESC LIMIT 1")" = staging ] ||
    fail "the load of $j killed $point is not a new 'staging' row in the ledger"
  after=$(chaos_table_state "$table")
  [ "$before" = "$after" ] || fail "the load of $j killed $point changed the warehouse"
  note "killed the load of $j $point: the warehouse is as it was"
  KILLS=$((KILLS + 1))
}

scenario_loader_kill() {
  chaos_scenario_env loader_kill
  chaos_db
  chaos_cluster_up 3
  chaos_submit "$CHAOS_RAW" "file://$T/out"
  chaos_wait
  local j table replace streamed=0 published=0 m
  KILLS=0
  for j in "${CHAOS_JOBS[@]}"; do
    m=$(chaos_manifest "$j")
    if [[ " $LOADER_TABLES " == *" $j "* ]]; then
      table=$("$NS_BIN" store cat "${m%manifest}job.json" | grep -o '"table":"[^"]*"' | cut -d'"' -f4)
      replace=$("$NS_BIN" store cat "${m%manifest}job.json" | grep -o '"replace":"[^"]*"' | cut -d'"' -f4)
      # mid-stream first: a later loader begins by cleaning up after a
      # killed one, in nightshift.load_keys too. The ledger tables exist once
      # a loader has run (warehouse init does not make them): without them,
      # only mid-publish.
      if [ "$replace" = keys ] &&
         [ "$("${PSQL[@]}" -c "SELECT to_regclass('nightshift.load_keys') IS NOT NULL")" = t ]; then
        chaos_kill_loader "$j" "$table" mid-stream "LOCK TABLE nightshift.load_keys IN SHARE MODE" \
          "%INSERT INTO nightshift.load_keys%"
        streamed=$((streamed + 1))
      fi
      chaos_kill_loader "$j" "$table" mid-publish "LOCK TABLE public.$table IN SHARE UPDATE EXCLUSIVE MODE" \
        "%ATTACH PARTITION%"
      published=$((published + 1))
    fi
    "$NS_BIN" load "$m" --json >"$T/load-$j.json" 2>"$T/load-$j.err" || fail "load of $j after the kills failed: $(cat "$T/load-$j.err")"
    grep -q '"skipped":false' "$T/load-$j.json" || fail "the load of $j after the kills was skipped: $(cat "$T/load-$j.json")"
  done
  chaos_fault "loader killed: $KILLS ($streamed mid-stream, $published mid-publish)"
  local abandoned
  abandoned=$("${PSQL[@]}" -c "SELECT count(*) FROM nightshift.loads WHERE state = 'abandoned'")
  "${PSQL[@]}" -F' ' -c "SELECT load_id, table_name, job_name, state, rows, coalesce(error, '') FROM nightshift.loads ORDER BY 1"
  [ "$abandoned" = "$KILLS" ] || fail "$KILLS loads were killed, the ledger marks $abandoned abandoned"
  [ "$KILLS" -ge 1 ] || fail "no load was killed"
  note "every manifest again: each must be skipped"
  for j in "${CHAOS_JOBS[@]}"; do
    "$NS_BIN" load "$(chaos_manifest "$j")" --json >"$T/reload-$j.json" || fail "reload of $j failed"
    grep -q '"skipped":true' "$T/reload-$j.json" || fail "a second load of $j was not skipped: $(cat "$T/reload-$j.json")"
  done
  chaos_digest "$CHAOS_RAW"
  chaos_compare
}
