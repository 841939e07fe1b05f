#!/usr/bin/env bash
# Bad input and bad jobs fail clearly and leave nothing half-written:
#   - a job file with an error is refused at submit with line and column;
#   - rejects past the error budget fail the job, no manifest;
#   - an input object that is gone when its task reads it (a store error,
#     not bad data) fails the task on every attempt: the job fails after
#     max_attempts with the reason;
#   - a damaged (truncated) gzip object is not a task error: the records
#     before the damage are kept (the load equals a run over just those
#     lines), the line cut by it is a reject ("cut short: ..."), the damage
#     is one reject (object, decompressed offset, "truncated gzip stream at
#     compressed byte N"), and both count in rows_in and rejects;
#   - a cancelled job ends as cancelled (exit code 4) and its outputs go.
. "$(dirname "$0")/lib.sh"
DATE=2026-11-24
start_coordinator

note "a job file with an error is refused with line and column"
sed 's/^\(\s*\)sort_key:/\1sort_keys:/' "$NS_SRC/jobs/retail_pos.yaml" > "$T/bad.yaml"
set +e
err=$("$NS_BIN" submit "$T/bad.yaml" --date $DATE --var raw="file://$T/raw" --var out="file://$T/out" 2>&1); rc=$?
set -e
[ $rc -eq 1 ] || fail "bad job file: exit $rc"
echo "$err" | grep -Eq "bad.yaml:[0-9]+:[0-9]+: .*sort_key" || fail "bad job file message: $err"

note "an object gone when its task reads it: a store error, retried, then the job fails"
"$NS_BIN" gen --sources pos,master --stores 2 --days 1 --start $DATE --seed 3 --bad-rate 0 --out "file://$T/raw3" >/dev/null
cp -r "$T/raw3" "$T/raw-gone"
# no worker yet: the job is planned (its objects listed) at submit, and no
# task can run before the object is removed
job=$("$NS_BIN" submit "$NS_SRC/jobs/retail_pos.yaml" --date $DATE --var raw="file://$T/raw-gone" \
  --var out="file://$T/out-gone")
rm "$T/raw-gone/pos/dt=$DATE/store=0001/"*.gz
start_worker
start_worker
wait_workers 2
set +e
"$NS_BIN" wait "$job" --json --quiet > "$T/gone.json"; rc=$?
set -e
[ $rc -eq 1 ] || fail "missing object: exit $rc"
reason=$(json_get reason < "$T/gone.json")
echo "$reason" | grep -q "failed 4 times" || fail "missing object: not retried: '$reason'"
echo "$reason" | grep -q "pos-0001-20261124.psv.gz" || fail "missing object: the reason does not name the object: '$reason'"

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

note "a truncated gzip object: the intact lines are kept, the damage is one reject"
f=$(ls "$T/raw3/pos/dt=$DATE/store=0001/"*.gz)
cut=$(( $(stat -c %s "$f") / 2 ))
head -c $cut "$f" > "$f.cut" && mv "$f.cut" "$f"
# the same world with store 0001's file holding just the lines the cut left whole
cp -r "$T/raw3" "$T/raw-whole"
python3 - "$f" "$T/raw-whole/pos/dt=$DATE/store=0001/$(basename "$f")" "$T/raw3/pos/dt=$DATE/store=0002" \
  > "$T/cut.expect" <<'PY'
import glob, gzip, sys, zlib
data = zlib.decompressobj(16 + 15).decompress(open(sys.argv[1], "rb").read())
whole, part = data[:data.rfind(b"\n") + 1], data[data.rfind(b"\n") + 1:]
assert part, "the cut fell on a line end: pick another size"
with gzip.open(sys.argv[2], "wb") as g:
    g.write(whole)
other = sum(gzip.open(p).read().count(b"\n") - 1 for p in glob.glob(sys.argv[3] + "/*.gz"))
# rows_in: the whole lines (less the header) of both stores, the cut line, the damage
print(whole.count(b"\n") - 1 + other + 2, len(whole), len(data))
PY
read -r want_rows cut_line_at damage_at < "$T/cut.expect"
"$NS_BIN" submit "$NS_SRC/jobs/retail_pos.yaml" --date $DATE --var raw="file://$T/raw3" --var out="file://$T/out-cut" \
  --wait --json --quiet > "$T/cut.json" || fail "truncated object: the job failed: $(cat "$T/cut.json")"
[ "$(json_get rejects < "$T/cut.json")" = 2 ] || fail "truncated object: want 2 rejects: $(cat "$T/cut.json")"
[ "$(json_get rows_in < "$T/cut.json")" = "$want_rows" ] || fail "truncated object: rows_in, want $want_rows: $(cat "$T/cut.json")"
cat "$(uri_path "$(json_get prefix < "$T/cut.json")")"/rejects/*.txt > "$T/cut.rejects"
obj="file://$f"
grep -qxF "$obj|$damage_at|truncated gzip stream at compressed byte $cut|" "$T/cut.rejects" ||
  fail "truncated object: no damage reject '$obj|$damage_at|truncated gzip stream at compressed byte $cut|' in: $(cat "$T/cut.rejects")"
grep -qF "$obj|$cut_line_at|cut short: truncated gzip stream|" "$T/cut.rejects" ||
  fail "truncated object: the cut line is not a reject at $cut_line_at: $(cat "$T/cut.rejects")"
[ "$(wc -l < "$T/cut.rejects")" = 2 ] || fail "truncated object: rejects file: $(cat "$T/cut.rejects")"
"$NS_BIN" submit "$NS_SRC/jobs/retail_pos.yaml" --date $DATE --var raw="file://$T/raw-whole" \
  --var out="file://$T/out-whole" --wait --json --quiet > "$T/whole.json" || fail "whole lines: $(cat "$T/whole.json")"
[ "$(json_get rejects < "$T/whole.json")" = 0 ] || fail "whole lines: rejects: $(cat "$T/whole.json")"
manifest_content "$(uri_path "$(json_get manifest < "$T/cut.json")")" | LC_ALL=C sort > "$T/cut.rows"
manifest_content "$(uri_path "$(json_get manifest < "$T/whole.json")")" | LC_ALL=C sort > "$T/whole.rows"
[ -s "$T/whole.rows" ] || fail "whole lines: no rows"
cmp -s "$T/cut.rows" "$T/whole.rows" || fail "the rows before the damage differ from a run over the whole lines: $(diff "$T/cut.rows" "$T/whole.rows" | head -5)"

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
