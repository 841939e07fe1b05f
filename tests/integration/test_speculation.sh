#!/usr/bin/env bash
# Stragglers: a worker on a "slow machine" (it sleeps a minute before each
# task) would hold the job up; the coordinator starts a speculative copy of
# its task on another worker, accepts whichever finishes first, cancels the
# other, and the load files are identical to an undisturbed run.
. "$(dirname "$0")/lib.sh"
DATE=2026-11-24
"$NS_BIN" gen --sources pos,master --stores 40 --days 1 --start $DATE --seed 3 --bad-rate 0 --out "file://$T/raw" >/dev/null
sed -e 's/^\(\s*split_size:\).*/\1 512KB/' "$NS_SRC/jobs/retail_pos.yaml" > "$T/job.yaml"
start_coordinator --speculate-factor 2 --speculate-min-ms 300
start_worker
start_worker
wait_workers 2

note "undisturbed run on two fast workers"
"$NS_BIN" submit "$T/job.yaml" --date $DATE --var raw="file://$T/raw" --var out="file://$T/out-a" \
  --wait --json --quiet > "$T/a.json" || fail "run a failed"
[ "$(json_get speculative < "$T/a.json")" = 0 ] || fail "speculation without stragglers"

note "a slow worker joins"
start_worker --slow-ms 60000
wait_workers 3
"$NS_BIN" submit "$T/job.yaml" --date $DATE --var raw="file://$T/raw" --var out="file://$T/out-b" \
  --wait --json --quiet --timeout 300 > "$T/b.json" || fail "run b failed"
spec=$(json_get speculative < "$T/b.json")
[ "$spec" -ge 1 ] || fail "no speculative attempt was started"
grep -q "cancelled by the coordinator" "$T/logs/worker-2.log" || fail "the slow attempt was not cancelled"
cmp -s <(manifest_content "$(uri_path "$(json_get manifest < "$T/a.json")")") \
       <(manifest_content "$(uri_path "$(json_get manifest < "$T/b.json")")") \
  || fail "load files differ with speculation"
prefix=$(uri_path "$(json_get prefix < "$T/b.json")")
left=$(find "$prefix" -type f | grep -v -e '/manifest$' -e '/job.json$' -e '/rejects/' | sort)
[ "$left" = "$(manifest_urls "$prefix/manifest" | sort)" ] || fail "the losing attempt's files were not cleaned up"
echo "PASS ($spec speculative attempts)"
