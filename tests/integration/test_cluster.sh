#!/usr/bin/env bash
# `nightshift cluster up/down`: a local cluster in the background, a job run
# through it by name, and everything stopped again.
. "$(dirname "$0")/lib.sh"
DATE=2026-11-24
"$NS_BIN" gen --sources pos,master --stores 8 --days 1 --start $DATE --out "file://$NIGHTSHIFT_HOME/raw" >/dev/null
"$NS_BIN" cluster up --workers 2 --liveness-ms 3000 || fail "cluster up"
set +e
"$NS_BIN" cluster up --workers 1 >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 1 ] || fail "a second cluster up in the same home: exit $rc"
for _ in $(seq 50); do
  [ "$("$NS_BIN" list --json | grep -o '"busy"' | wc -l)" -ge 2 ] && break
  sleep 0.1
done
[ "$("$NS_BIN" list --json | grep -o '"busy"' | wc -l)" -eq 2 ] || fail "expected 2 workers"
pids=$(cat "$NIGHTSHIFT_HOME"/run/*.pid)
# by job name from the source tree's jobs/, with the default raw and out roots
(cd "$NS_SRC" && "$NS_BIN" submit retail_pos --date $DATE --wait --json --quiet) > "$T/job.json" || fail "job failed"
manifest=$(uri_path "$(json_get manifest < "$T/job.json")")
case $manifest in "$NIGHTSHIFT_HOME"/out/retail_pos/dt=$DATE/*/manifest) ;; *) fail "manifest not under the default out root: $manifest";; esac
[ -f "$manifest" ] || fail "no manifest"
"$NS_BIN" cluster down || fail "cluster down"
for p in $pids; do kill -0 "$p" 2>/dev/null && fail "process $p still running after cluster down"; done
[ -z "$(ls "$NIGHTSHIFT_HOME/run")" ] || fail "pid files left"
grep -q "worker .* stopping" "$NIGHTSHIFT_HOME"/logs/worker-0.log || fail "worker did not stop cleanly"
set +e
"$NS_BIN" list >/dev/null 2>&1; rc=$?
set -e
[ $rc -eq 3 ] || fail "coordinator still answering after cluster down"
echo PASS
