#!/usr/bin/env bash
# A coordinator killed (-9) at each step of a job's end, then restarted on
# its journal, finishes what the dead one left (docs/PROTOCOL.md, "Journal";
# the chaos suite's coordinator_kill scenario found the window):
#   - killed while it writes job.json (before END is journaled): the job is
#     committed again after the restart, with the same manifest;
#   - killed after END, before it cleans up the job's prefix: the restart
#     cleans up and journals SWEPT.
# Either way the job is listed succeeded, its job.json says so (the loader
# needs it), no shuffle run is left under _tmp/, and the load files are
# those of a run that was never killed.
#
# The coordinator runs under gdb (`gdb --args`, so no ptrace attach is
# needed) with a breakpoint at the step; on the break gdb kills it, which
# is a SIGKILL: nothing after the breakpoint runs. Address randomization
# stays on: containers often forbid gdb to turn it off.
command -v gdb >/dev/null || { echo "FAIL: test_commit_window needs gdb (deploy/install-deps installs it)" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"
DATE=2026-11-24
"$NS_BIN" gen --sources pos,master --stores 2 --days 1 --start $DATE --seed 7 --out "file://$T/raw" >/dev/null

submit() { # submit OUT -> job id
  "$NS_BIN" submit "$NS_SRC/jobs/retail_pos.yaml" --date $DATE --var raw="file://$T/raw" \
    --var out="file://$T/$1" --quiet
}
# load_files JOBJSON: the load files of a run and their contents' digest
load_files() {
  local m
  m=$(json_get manifest <"$1")
  manifest_content "${m#file://}" | sha256sum | cut -d' ' -f1
}

note "reference: a run that is not killed"
start_coordinator
start_worker
wait_workers 1
ref=$(submit ref)
"$NS_BIN" wait "$ref" --json --quiet >"$T/ref.json" || fail "reference job: $(cat "$T/ref.json")"
ref_digest=$(load_files "$T/ref.json")
kill -TERM "$COORD_PID"; wait "$COORD_PID" 2>/dev/null || true

for where in s_write_summary s_finish_sweep; do
  note "coordinator killed at $where"
  gdb -batch -ex "set pagination off" -ex "set disable-randomization off" -ex "break $where" -ex run -ex "info stack 3" -ex kill \
    --args "$NS_BIN" coordinator --bind "$NIGHTSHIFT_COORDINATOR" --journal "$T/coordinator.journal" \
    --heartbeat-ms 500 --liveness-ms $LIVENESS >>"$T/logs/gdb-$where.log" 2>&1 &
  COORD_PID=$!
  for _ in $(seq 300); do "$NS_BIN" list >/dev/null 2>&1 && break; sleep 0.1; done
  "$NS_BIN" list >/dev/null 2>&1 || fail "the coordinator did not come up under gdb: $(tail -5 "$T/logs/gdb-$where.log")"
  job=$(submit "out-$where")
  # gdb exits once it has killed the coordinator; a breakpoint never taken
  # would leave it running with the job done: a hang guard, not a time limit
  for _ in $(seq 1200); do kill -0 "$COORD_PID" 2>/dev/null || break; sleep 0.25; done
  if kill -0 "$COORD_PID" 2>/dev/null; then
    kill -9 "$COORD_PID"; pkill -9 -f -- "--journal $T/coordinator.journal" || true
    fail "the coordinator did not stop at $where in 5 minutes: $(grep -v ' INFO ' "$T/logs/gdb-$where.log" | tail -n 5)"
  fi
  wait "$COORD_PID" 2>/dev/null || true
  grep -Eq "Breakpoint 1[.0-9]*, (.* in )?$where \(" "$T/logs/gdb-$where.log" ||
    fail "the coordinator did not stop at $where: $(tail -n 20 "$T/logs/gdb-$where.log")"
  "$NS_BIN" list >/dev/null 2>&1 && fail "a coordinator still answers after the kill at $where"

  start_coordinator
  "$NS_BIN" wait "$job" --json --quiet --timeout 120 >"$T/job.json" || fail "job after the restart: $(cat "$T/job.json")"
  prefix=$(json_get prefix <"$T/job.json")
  dir=${prefix#file://}
  [ -f "${dir}job.json" ] || fail "killed at $where: no job.json after the restart"
  [ "$(json_get state <"${dir}job.json")" = succeeded ] || fail "killed at $where: job.json says $(cat "${dir}job.json")"
  # the sweep of the restarted coordinator may follow the END it replays by a tick
  for _ in $(seq 50); do
    [ -z "$(find "${dir}_tmp" -type f 2>/dev/null)" ] && break
    sleep 0.1
  done
  left=$(find "${dir}_tmp" -type f 2>/dev/null | wc -l)
  [ "$left" = 0 ] || fail "killed at $where: $left shuffle runs left under ${dir}_tmp/"
  [ "$(load_files "$T/job.json")" = "$ref_digest" ] || fail "killed at $where: the load files differ from the reference run's"
  "$NS_BIN" load "$(json_get manifest <"$T/job.json")" --warehouse "host=/nonexistent dbname=none" >"$T/load.out" 2>&1 &&
    fail "a load into no database succeeded"
  grep -q "job.json" "$T/load.out" && fail "killed at $where: the loader cannot read the run: $(head -n 1 "$T/load.out")"
  case $where in
    s_finish_sweep)
      grep -q "job $job: cleaned up" "$T/logs/coordinator.log" || fail "no cleanup of $job after the restart" ;;
  esac
  kill -TERM "$COORD_PID"; wait "$COORD_PID" 2>/dev/null || true
done
echo PASS
