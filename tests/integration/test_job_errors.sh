#!/usr/bin/env bash
# Bad input and bad jobs fail clearly and leave nothing half-written:
#   - a job file with an error is refused at submit with line and column;
#   - rejects past the error budget fail the job, no manifest;
#   - a corrupt (truncated) gzip object fails its task on every attempt: the
#     job fails after max_attempts with the reason;
#   - a cancelled job ends as cancelled (exit code 4) and its outputs go.
. "$(dirname "$0")/lib.sh"
DATE=2026-11-24
start_coordinator
start_worker
start_worker
wait_workers 2

note "a job file with an error is refused with line and column"
sed 's/^\(\s*\)sort_key:/\1sort_keys:/' "$NS_SRC/jobs/retail_pos.yaml" > "$T/bad.yaml"
set +e
err=$("$NS_BIN" submit "$T/bad.yaml" --date $DATE --var raw="file://$T/raw" --var out="file://$T/out" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] || fail "bad job file: exit $rc"
echo "$err" | grep -Eq "bad.yaml:[0-9]+:[0-9]+: .*sort_key" || fail "bad job file message: $err"

note "rejects past the error budget fail the job"
"$NS_BIN" gen --sources pos,master --stores 10 --days 1 --start $DATE --seed 2 --bad-rate 0.05 --out "file://$T/raw" >/dev/null
sed 's/^error_budget:.*/error_budget: {max_rejects: 10, max_fraction: 0.5}/' "$NS_SRC/jobs/retail_pos.yaml" > "$T/budget.yaml"
set +e
"$NS_BIN" submit "$T/budget.yaml" --date $DATE --var raw="file://$T/raw" --var out="file://$T/out-budget" \
  --wait --json --quiet > "$T/budget.json"; rc=$?
set -e
[ $rc -eq 1 ] || fail "error budget: exit $rc"
[ "$(json_get state < "$T/budget.json")" = failed ] || fail "error budget: state"
grep -q "error budget exceeded: [0-9]* rejects > max_rejects 10" "$T/budget.json" || fail "error budget: reason $(json_get reason < "$T/budget.json")"
prefix=$(uri_path "$(json_get prefix < "$T/budget.json")")
[ "$(cd "$prefix" && find . -type f)" = "./job.json" ] || fail "a failed job left files: $(cd "$prefix" && find . -type f | head)"

note "the fraction limit works too"
sed 's/^error_budget:.*/error_budget: {max_rejects: 100000, max_fraction: 0.001}/' "$NS_SRC/jobs/retail_pos.yaml" > "$T/fraction.yaml"
set +e
"$NS_BIN" submit "$T/fraction.yaml" --date $DATE --var raw="file://$T/raw" --var out="file://$T/out-frac" \
  --wait --json --quiet > "$T/frac.json"; rc=$?
set -e
[ $rc -eq 1 ] && grep -q "max_fraction 0.001" "$T/frac.json" || fail "fraction budget: rc $rc $(json_get reason < "$T/frac.json")"

note "a corrupt object fails its task max_attempts times, then the job"
mkdir -p "$T/raw2/pos/dt=$DATE/store=0001"
cp "$T/raw/pos/dt=$DATE/store=0001/"*.gz "$T/raw2/pos/dt=$DATE/store=0001/"
cp -r "$T/raw/master" "$T/raw2/"   # the lookups of the job
f=$(ls "$T/raw2/pos/dt=$DATE/store=0001/"*.gz)
head -c $(( $(stat -c %s "$f") / 2 )) "$f" > "$f.cut" && mv "$f.cut" "$f"
set +e
"$NS_BIN" submit "$T/budget.yaml" --date $DATE --var raw="file://$T/raw2" --var out="file://$T/out-corrupt" \
  --wait --json --quiet > "$T/corrupt.json"; rc=$?
set -e
[ $rc -eq 1 ] || fail "corrupt input: exit $rc"
reason=$(json_get reason < "$T/corrupt.json")
echo "$reason" | grep -q "failed 4 times" || fail "corrupt input: reason '$reason'"
echo "$reason" | grep -qi "gzip" || fail "corrupt input: the reason does not say what is wrong: '$reason'"
echo "$reason" | grep -q "pos-0001-20261124.psv.gz" || fail "corrupt input: the reason does not name the object: '$reason'"

note "cancel"
start_worker --slow-ms 60000
kill -9 "${WORKER_PIDS[0]}" "${WORKER_PIDS[1]}"
sleep 3 # the coordinator notices the two fast workers are gone
job=$("$NS_BIN" submit "$NS_SRC/jobs/retail_pos.yaml" --date $DATE --var raw="file://$T/raw" --var out="file://$T/out-cancel")
sleep 1
"$NS_BIN" cancel "$job" --json > "$T/cancel.json" || fail "cancel refused"
set +e
"$NS_BIN" wait "$job" --json --quiet > "$T/cancelled.json"; rc=$?
set -e
[ $rc -eq 4 ] || fail "wait on a cancelled job: exit $rc"
[ "$(json_get state < "$T/cancelled.json")" = cancelled ] || fail "cancelled state"
for _ in $(seq 50); do grep -q "cancelled by the coordinator" "$T/logs/worker-2.log" && break; sleep 0.1; done
grep -q "cancelled by the coordinator" "$T/logs/worker-2.log" || fail "the running attempt was not cancelled"

note "unknown jobs and usage errors"
set +e
"$NS_BIN" status no-such-job >/dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || fail "unknown job: exit $rc"
"$NS_BIN" submit >/dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || fail "usage: exit $rc"
NIGHTSHIFT_COORDINATOR=tcp://127.0.0.1:1 "$NS_BIN" list >/dev/null 2>&1; rc=$?
[ $rc -eq 3 ] || fail "unreachable: exit $rc"
set -e
echo PASS
