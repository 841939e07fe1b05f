#!/usr/bin/env bash
# CurveZMQ on real processes (docs/SECURITY.md): a worker and a client with
# unknown keys are refused and logged; a worker key cannot submit and a
# client key cannot join as a worker; a key added to the allow-list gets in
# without a restart and its worker runs tasks; plain TCP is refused off
# loopback and against a CurveZMQ coordinator; no keys, no coordinator.
. "$(dirname "$0")/lib.sh"
DATE=2026-11-24
KEYS=$NIGHTSHIFT_HOME/keys
"$NS_BIN" gen --sources pos,master --stores 4 --days 1 --start $DATE --out "file://$NIGHTSHIFT_HOME/raw" >/dev/null
start_coordinator
grep -q "CurveZMQ, allow-list" "$T/logs/coordinator.log" || fail "the coordinator is not on CurveZMQ"
start_worker
wait_workers 1

# ---- a worker with a key the coordinator does not know
mkdir -p "$T/other"
intruder=$("$NS_BIN" keys gen intruder --dir "$T/other")
start_worker --key "$T/other/intruder.key"
wait_for_line "$T/logs/coordinator.log" \
  "refused a connection from 127.0.0.1: public key not on the allow-list: $intruder"
wait_for_line "$T/logs/worker-1.log" "the coordinator refused this worker's key $intruder"
[ "$("$NS_BIN" list --json | grep -o '"busy"' | wc -l)" -eq 1 ] || fail "the unknown worker joined"

# ---- a client with a key the coordinator does not know
set +e
out=$(NIGHTSHIFT_KEY="$T/other/intruder.key" "$NS_BIN" submit retail_pos --date $DATE 2>&1); rc=$?
set -e
[ $rc -eq 1 ] || fail "unknown client: exit $rc ($out)"
case $out in *"refused this client's key"*) ;; *) fail "unknown client: $out";; esac

# ---- the roles: a worker key may not submit, a client key may not work
set +e
out=$(cd "$NS_SRC" && NIGHTSHIFT_KEY="$KEYS/worker.key" "$NS_BIN" submit retail_pos --date $DATE 2>&1); rc=$?
set -e
[ $rc -eq 1 ] || fail "a worker key submitted: exit $rc ($out)"
case $out in *"may not submit or query jobs"*) ;; *) fail "worker key as client: $out";; esac
grep -q "refused a SUBMIT message from a key with the roles 'worker'" "$T/logs/coordinator.log" ||
  fail "the refused SUBMIT is not logged"
start_worker --key "$KEYS/client.key"
wait_for_line "$T/logs/coordinator.log" "refused a READY message from a key with the roles 'client'"
[ "$("$NS_BIN" list --json | grep -o '"busy"' | wc -l)" -eq 1 ] || fail "a client key joined as a worker"
"$NS_BIN" list --json | grep -q '"jobs":\[\]' || fail "a refused request made a job"

# ---- plain TCP: refused off loopback, and against a CurveZMQ coordinator
set +e
out=$("$NS_BIN" coordinator --insecure --bind tcp://0.0.0.0:$((PORT + 1)) --journal "$T/j2" 2>&1); rc=$?
set -e
[ $rc -ne 0 ] || fail "--insecure on 0.0.0.0 started"
case $out in *"loopback only"*) ;; *) fail "--insecure off loopback: $out";; esac
set +e
out=$(NIGHTSHIFT_INSECURE=1 "$NS_BIN" list 2>&1); rc=$?
set -e
[ $rc -eq 1 ] || fail "plain client against CurveZMQ: exit $rc ($out)"
case $out in *"handshake"*) ;; *) fail "plain client: $out";; esac
# a client that pins another coordinator key gets nowhere
set +e
out=$(NIGHTSHIFT_SERVER_KEY="$T/other/intruder.pub" "$NS_BIN" list 2>&1); rc=$?
set -e
[ $rc -eq 1 ] || fail "wrong server key: exit $rc ($out)"

# ---- no keys: no coordinator
set +e
out=$("$NS_BIN" coordinator --keys "$T/none" --bind tcp://127.0.0.1:$((PORT + 2)) --journal "$T/j3" 2>&1); rc=$?
set -e
[ $rc -ne 0 ] || fail "a coordinator without keys started"
case $out in *"coordinator.key"*"nightshift keys init"*) ;; *) fail "no keys: $out";; esac

# ---- the intruder is allowed: it gets in without a restart and works
"$NS_BIN" keys allow worker "$T/other/intruder.pub" intruder >/dev/null
for _ in $(seq 300); do
  [ "$("$NS_BIN" list --json | grep -o '"busy"' | wc -l)" -ge 2 ] && break
  sleep 0.1
done
[ "$("$NS_BIN" list --json | grep -o '"busy"' | wc -l)" -eq 2 ] || fail "the allowed key did not join"
grep -q "allow-list '.*' reread: 3 keys" "$T/logs/coordinator.log" || fail "no reread logged"
(cd "$NS_SRC" && "$NS_BIN" submit retail_pos --date $DATE --wait --json --quiet) > "$T/job.json" ||
  fail "the job failed"
manifest=$(uri_path "$(json_get manifest < "$T/job.json")")
[ -f "$manifest" ] || fail "no manifest"
# the secret keys never reach a log
for k in coordinator worker client; do
  sec=$(sed -n 's/^secret-key = "\(.*\)"$/\1/p' "$KEYS/$k.key")
  [ -n "$sec" ] || fail "no secret in $k.key"
  ! grep -rqF -- "$sec" "$T/logs" "$T/coordinator.journal" || fail "the $k secret key is in a log"
done
echo PASS
