#!/usr/bin/env bash
# Failures: the retail_pos job run four times on the same data
#   1. undisturbed;
#   2. one worker killed (-9) while it runs a map task and another while it
#      runs a reduce task;
#   3. the coordinator killed (-9) in the map phase and restarted on its
#      journal;
#   4. the same in the reduce phase;
# must produce byte-identical load files (in manifest order); runs 2-4 must
# show that tasks were really lost or the job really recovered.
. "$(dirname "$0")/lib.sh"
DATE=2026-11-24
"$NS_BIN" gen --sources pos,master --stores 120 --days 1 --start $DATE --seed 5 --bad-rate 0.001 --out "file://$T/raw" >/dev/null
# small splits, a small memory budget (several spills per map) and more
# slices: many tasks of a second or so each
sed -e 's/^\(\s*split_size:\).*/\1 1536KB/' -e 's/^\(\s*slices:\).*/\1 6/' \
    -e 's/^\(memory:\).*/\1 2MB/' "$NS_SRC/jobs/retail_pos.yaml" > "$T/job.yaml"
grep -q '^memory: 2MB' "$T/job.yaml" || fail "could not set memory"

is_busy() { # is_busy PID: is that worker running a task?
  local l; l=$("$NS_BIN" list --json)
  echo "$l" | grep -q "\"id\":\"[^\"]*-$1-[0-9a-f]*\",\"pool\":\"[^\"]*\",\"capacity\":\"[^\"]*\",\"slots\":[0-9]*,\"busy\":1"
}

run_job() { # run_job NAME -> job status json in $T/NAME.json
  "$NS_BIN" submit "$T/job.yaml" --date $DATE --var raw="file://$T/raw" --var out="file://$T/out-$1" \
    --quiet > "$T/$1.id" || fail "submit $1"
}

wait_job() {
  "$NS_BIN" wait "$(cat "$T/$1.id")" --json --quiet --timeout 600 > "$T/$1.json" || fail "job $1 did not succeed: $(cat "$T/$1.json")"
}

status_of() { "$NS_BIN" status "$(cat "$T/$1.id")" --json; }

start_coordinator
for _ in 1 2 3; do start_worker; done
wait_workers 3

note "run 1: undisturbed"
run_job clean
wait_job clean
manifest_content "$(uri_path "$(json_get manifest < "$T/clean.json")")" > "$T/clean.txt"
[ -s "$T/clean.txt" ] || fail "clean run wrote nothing"

note "run 2: a worker killed mid-map, another mid-reduce"
# two victims on slow machines (a pause every 4096 rows), so that each
# holds its task long enough to be killed in the middle of it
start_worker --slow-ms 400; victim_map=${WORKER_PIDS[-1]}
start_worker --slow-ms 400; victim_reduce=${WORKER_PIDS[-1]}
wait_workers 5
run_job workers
killed_map=
for _ in $(seq 600); do
  st=$(status_of workers | json_get state)
  if [ "$st" = map ] && is_busy $victim_map; then kill -9 $victim_map; killed_map=1; break; fi
  [ "$st" = map ] || break
  sleep 0.05
done
[ -n "$killed_map" ] || fail "the first victim never ran a map task"
killed_reduce=
for _ in $(seq 1200); do
  st=$(status_of workers | json_get state)
  if [ "$st" = reduce ] && is_busy $victim_reduce; then kill -9 $victim_reduce; killed_reduce=1; break; fi
  case $st in succeeded|failed|cancelled) break;; esac
  sleep 0.05
done
[ -n "$killed_reduce" ] || fail "the second victim never ran a reduce task"
wait_job workers
retries=$(json_get retries < "$T/workers.json")
[ "$retries" -ge 2 ] || fail "expected at least 2 retried attempts, saw $retries"
manifest_content "$(uri_path "$(json_get manifest < "$T/workers.json")")" > "$T/workers.txt"
cmp -s "$T/clean.txt" "$T/workers.txt" || fail "load files differ after killed workers"
# file by file too: the same number of files with the same bytes
diff <(for f in $(manifest_urls "$(uri_path "$(json_get manifest < "$T/clean.json")")"); do zstd -dcq "$f" | md5sum; done) \
     <(for f in $(manifest_urls "$(uri_path "$(json_get manifest < "$T/workers.json")")"); do zstd -dcq "$f" | md5sum; done) \
  || fail "per-file contents differ after killed workers"

note "run 3: the coordinator killed mid-job and restarted"
run_job coord
for _ in $(seq 600); do
  s=$(status_of coord)
  md=$(echo "$s" | json_get maps_done)
  [ "${md:-0}" -ge 2 ] && break
  sleep 0.05
done
[ "${md:-0}" -ge 2 ] || fail "job made no progress"
[ "$(echo "$s" | json_get state)" = map ] || fail "job left the map phase before the kill"
kill -9 $COORD_PID
wait $COORD_PID 2>/dev/null || true
sleep 1
start_coordinator
wait_job coord
grep -q "recovered job $(cat "$T/coord.id")" "$T/logs/coordinator.log" || fail "coordinator did not recover the job from its journal"
manifest_content "$(uri_path "$(json_get manifest < "$T/coord.json")")" > "$T/coord.txt"
cmp -s "$T/clean.txt" "$T/coord.txt" || fail "load files differ after a coordinator restart"
maps_after=$(json_get maps_done < "$T/coord.json")
[ "$maps_after" = "$(json_get maps_total < "$T/coord.json")" ] || fail "maps not all done"

note "run 4: the coordinator killed in the reduce phase and restarted"
# slow machines only, so that the reduce phase lasts long enough to be hit
for p in "${WORKER_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
WORKER_PIDS=()
start_worker --slow-ms 300
start_worker --slow-ms 300
run_job coordreduce
for _ in $(seq 1200); do
  st=$(status_of coordreduce | json_get state)
  [ "$st" = reduce ] && break
  case $st in succeeded|failed|cancelled) break;; esac
  sleep 0.05
done
[ "$st" = reduce ] || fail "never saw the reduce phase (state $st)"
kill -9 $COORD_PID
wait $COORD_PID 2>/dev/null || true
start_coordinator
wait_job coordreduce
[ "$(grep -c "recovered job $(cat "$T/coordreduce.id") in state reduce" "$T/logs/coordinator.log")" -ge 1 ] \
  || fail "coordinator did not recover the job in the reduce phase"
manifest_content "$(uri_path "$(json_get manifest < "$T/coordreduce.json")")" > "$T/coordreduce.txt"
cmp -s "$T/clean.txt" "$T/coordreduce.txt" || fail "load files differ after a restart in the reduce phase"
echo "PASS"
