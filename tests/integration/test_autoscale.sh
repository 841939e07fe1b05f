#!/usr/bin/env bash
# Fleets (docs/FLEETS.md): the coordinator sizes the pool itself with the
# local driver; no worker is started by hand.
#   a. ample time: only spot workers are started, the job succeeds before
#      its deadline, no on-demand cost;
#   b. spot never granted (probability 0): after the grant timeout the
#      autoscaler asks for on-demand workers and the job finishes before its
#      deadline, as the coordinator measured it;
#   c. 30% of the spot workers interrupted while they run a task: their
#      tasks are requeued at once and the load files are byte-identical to
#      run a's.
. "$(dirname "$0")/lib.sh"
DATE=2026-11-24
"$NS_BIN" gen --sources pos,master --stores 120 --days 1 --start $DATE --seed 5 --bad-rate 0.001 --out "file://$T/raw" >/dev/null
# many tasks of a second or so each (as in test_pos_failures.sh)
sed -e 's/^\(\s*split_size:\).*/\1 1536KB/' -e 's/^\(\s*slices:\).*/\1 6/' \
    -e 's/^\(memory:\).*/\1 2MB/' "$NS_SRC/jobs/retail_pos.yaml" > "$T/job.yaml"

FLEET=(--autoscale --pool default:0:4:0.03:0.10 --cooldown 2 --safety-margin 0.2)

restart_coordinator() { # stops the coordinator (and so its workers), starts it with "$@"
  if [ -n "$COORD_PID" ]; then
    kill -TERM "$COORD_PID"
    wait "$COORD_PID" 2>/dev/null || true
    mv "$T/logs/coordinator.log" "$T/logs/coordinator-$1.log"
  fi
  shift
  start_coordinator "$@"
}

run_job() { # run_job NAME DEADLINE -> the job map in $T/NAME.json
  "$NS_BIN" submit "$T/job.yaml" --date $DATE --var raw="file://$T/raw" --var out="file://$T/out-$1" \
    --deadline "$2" --wait --json --quiet > "$T/$1.json" || fail "job $1 did not succeed: $(cat "$T/$1.json")"
  "$NS_BIN" list --json > "$T/$1.list.json"
}

kinds() { # kinds KEY FILE: "SPOT ONDEMAND" of the {spot, on-demand} map KEY
  local m; m=$(grep -o "\"$1\":{[^}]*}" "$2" | head -n1)
  echo "$(echo "$m" | json_get spot) $(echo "$m" | json_get on-demand)"
}
positive() { awk -v x="$1" 'BEGIN { exit !(x > 0) }'; }
zero() { awk -v x="$1" 'BEGIN { exit !(x == 0) }'; }

note "a: ample time, spot only"
restart_coordinator - "${FLEET[@]}" --spot-grant-delay 0.5
run_job a +2h
[ "$(json_get state < "$T/a.json")" = succeeded ] || fail "a: not succeeded"
grep -q '"met_deadline":true' "$T/a.json" || fail "a: deadline not met: $(cat "$T/a.json")"
read -r sh oh < <(kinds worker_hours "$T/a.json")
read -r sc oc < <(kinds cost "$T/a.json")
positive "$sh" || fail "a: no spot worker-hours ($sh)"
positive "$sc" || fail "a: no spot cost ($sc)"
zero "$oh" && zero "$oc" || fail "a: on-demand hours $oh cost $oc"
read -r ss os < <(kinds started "$T/a.list.json")
[ "$ss" -ge 1 ] && [ "$os" = 0 ] || fail "a: started spot $ss on-demand $os"
grep -q "started on-demand worker" "$T/logs/coordinator.log" && fail "a: an on-demand worker was started"
grep -q 'autoscale pool default: spot 0 -> [1-4], on-demand 0 -> 0' "$T/logs/coordinator.log" \
  || fail "a: no spot decision logged"
manifest_content "$(uri_path "$(json_get manifest < "$T/a.json")")" > "$T/a.txt"
[ -s "$T/a.txt" ] || fail "a: no output"
prefix=$(uri_path "$(json_get prefix < "$T/a.json")")
grep -q '"worker_hours":{"spot":' "$prefix/job.json" || fail "a: job.json without worker_hours"

note "b: spot never granted, on-demand added"
restart_coordinator a "${FLEET[@]}" --spot-grant-probability 0 --spot-grant-timeout 3
run_job b +30m
grep -q '"met_deadline":true' "$T/b.json" || fail "b: deadline not met: $(cat "$T/b.json")"
grep -q "spot not granted within the grant timeout" "$T/logs/coordinator.log" \
  || fail "b: no on-demand decision after the grant timeout"
grep -q "started on-demand worker" "$T/logs/coordinator.log" || fail "b: no on-demand worker started"
grep -q "started spot worker" "$T/logs/coordinator.log" && fail "b: a spot worker was started"
read -r sh oh < <(kinds worker_hours "$T/b.json")
read -r sc oc < <(kinds cost "$T/b.json")
positive "$oh" && positive "$oc" || fail "b: on-demand hours $oh cost $oc"
zero "$sh" || fail "b: spot hours $sh"
cmp -s "$T/a.txt" <(manifest_content "$(uri_path "$(json_get manifest < "$T/b.json")")") \
  || fail "b: load files differ from a's"

note "c: 30% of the spot workers interrupted mid-task"
# slow machines (a pause every 4096 rows) so that tasks last a few seconds
restart_coordinator b "${FLEET[@]}" --spot-grant-delay 0.2 --spot-interrupt-rate 0.3 \
  --worker-arg --slow-ms --worker-arg 150
run_job c +2h
grep -q '"met_deadline":true' "$T/c.json" || fail "c: deadline not met"
n=$(grep -c "preempted: [1-9][0-9]* running attempts requeued" "$T/logs/coordinator.log" || true)
[ "$n" -ge 1 ] || fail "c: no worker was interrupted while running a task"
grep -q '"preempted":[1-9]' "$T/c.list.json" || fail "c: the pool counted no interruption"
[ "$(json_get retries < "$T/c.json")" -ge 1 ] || fail "c: no attempt was requeued"
grep -l "spot interruption notice; leaving" "$NIGHTSHIFT_HOME"/logs/default-spot-*.log >/dev/null \
  || fail "c: no worker got the notice"
manifest_content "$(uri_path "$(json_get manifest < "$T/c.json")")" > "$T/c.txt"
cmp -s "$T/a.txt" "$T/c.txt" || fail "c: load files differ after interruptions"
diff <(for f in $(manifest_urls "$(uri_path "$(json_get manifest < "$T/a.json")")"); do zstd -dcq "$f" | md5sum; done) \
     <(for f in $(manifest_urls "$(uri_path "$(json_get manifest < "$T/c.json")")"); do zstd -dcq "$f" | md5sum; done) \
  || fail "c: per-file contents differ after interruptions"
echo "PASS ($n interruptions)"
