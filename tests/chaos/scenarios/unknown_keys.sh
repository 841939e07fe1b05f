# unknown_keys: a worker and a client with unknown keys are refused and logged
# The cluster runs on CurveZMQ with the suite's allow-list (docs/SECURITY.md).
# An intruder's key pair, made with `nightshift keys gen` into a directory
# of its own and not on the list, is used by a worker that tries to join
# while the day runs, and by a client that tries to submit a job and to
# list the fleet. Both must be refused (the worker never registers and
# takes no task, each client command exits 1 saying its key was refused),
# the coordinator must log each refusal with the intruder's public key, and
# the day must end identical to the fault-free run.
scenario_unknown_keys() {
  chaos_scenario_env unknown_keys
  chaos_db
  mkdir -p "$T/intruder"
  local pub
  pub=$("$NS_BIN" keys gen intruder --dir "$T/intruder") || fail "keys gen: $pub"
  chaos_cluster_up 3 --slow-ms "$SLOW_MS"
  chaos_submit "$CHAOS_RAW" "file://$T/out"
  # the intruding worker, started while the jobs run
  start_worker --key "$T/intruder/intruder.key"
  local intruder_pid=${WORKER_PIDS[-1]} n=$(( ${#WORKER_PIDS[@]} - 1 ))
  wait_for_line "$T/logs/coordinator.log" "public key not on the allow-list: $pub"
  wait_for_line "$T/logs/worker-$n.log" "the coordinator refused this worker's key $pub"
  chaos_fault "unknown worker: 1"
  # the intruding client: submit and list, both refused
  local out rc cmd
  for cmd in submit list; do
    set +e
    if [ $cmd = submit ]; then
      out=$(NIGHTSHIFT_KEY="$T/intruder/intruder.key" "$NS_BIN" submit "$CHAOS_JOBDIR/${CHAOS_JOBS[0]}.yaml" \
        --date $CHAOS_DATE --var raw="$CHAOS_RAW" --var out="file://$T/intruder/out" --quiet 2>&1)
    else
      out=$(NIGHTSHIFT_KEY="$T/intruder/intruder.key" "$NS_BIN" list --json 2>&1)
    fi
    rc=$?
    set -e
    [ $rc = 1 ] || fail "the unknown client's $cmd: exit $rc, not 1: $out"
    case $out in *"refused this client's key"*) ;; *) fail "the unknown client's $cmd: $out" ;; esac
  done
  chaos_fault "unknown client: 2 commands"
  chaos_wait
  # the intruder never joined: no READY from it, no task, still refused
  kill -0 "$intruder_pid" 2>/dev/null || fail "the refused worker exited: $(tail -3 "$T/logs/worker-$n.log")"
  local joined
  joined=$(grep -c "worker [^ ]*-$intruder_pid-[0-9a-f]* ready" "$T/logs/coordinator.log" || true)
  [ "$joined" = 0 ] || fail "the unknown worker registered"
  "$NS_BIN" list --json | grep -q "\-$intruder_pid-" && fail "the unknown worker is in the fleet"
  [ ! -e "$T/intruder/out" ] || fail "the unknown client's job wrote $T/intruder/out"
  [ "$(wc -l <"$T/ids")" = ${#CHAOS_JOBS[@]} ] || fail "jobs: $(cat "$T/ids")"
  local refusals
  refusals=$(grep -cF "refused a connection from 127.0.0.1: public key not on the allow-list: $pub" "$T/logs/coordinator.log" || true)
  [ "$refusals" -ge 1 ] || fail "no refusal of $pub in the coordinator's log"
  chaos_fault "refusals logged: $refusals (once a minute per key)"
  chaos_load
  chaos_digest "$CHAOS_RAW"
  chaos_compare
}
