#!/usr/bin/env bash
# Multi-host: the coordinator and three workers each in a network namespace
# of its own (made here, removed at exit), real TCP between them over veth
# pairs and a bridge, on private addresses that exist only inside these
# namespaces (10.77.0.0/24; nothing is sent anywhere else). The object
# store is a local directory (file://) that all namespaces share (a network
# namespace keeps the filesystem).
#
#   ns C (coordinator, 10.77.0.1 on bridge br0, the "switch")
#     br0 -- vw1 <veth> eth0 of ns W1 (10.77.0.11)
#         -- vw2 <veth> eth0 of ns W2 (10.77.0.12)
#         -- vw3 <veth> eth0 of ns W3 (10.77.0.13)
#
# The retail_pos job is run twice: undisturbed, then with one worker's link
# cut (its switch port set down) while it runs a task, long enough for the
# coordinator to declare it lost, and then restored (the partitioned worker
# comes back with a stale attempt). Both runs must produce the same load
# files, and the second must show the lost task retried.
#
# Needs root and iproute2 (ip): run as root, e.g.
#   cd build && sudo ctest -R integration.test_multihost --output-on-failure
if [ "$(id -u)" != 0 ]; then
  echo "FAIL: test_multihost needs root (it creates network namespaces, veth pairs and a bridge); run ctest as root" >&2
  exit 1
fi
command -v ip >/dev/null || { echo "FAIL: test_multihost needs ip (Debian package iproute2; deploy/install-deps installs it)" >&2; exit 1; }
. "$(dirname "$0")/lib.sh"
DATE=2026-11-24
NET=10.77.0
TAG=nsmh$$
NS_C=$TAG-c
NS_W=("$TAG-w1" "$TAG-w2" "$TAG-w3")
MADE_NS=()
export NIGHTSHIFT_COORDINATOR=tcp://$NET.1:$PORT

netns_cleanup() {
  # processes first (all started by this test, in its namespaces), then
  # the namespaces, which takes their veth pairs and bridge with them
  local ns p
  for ns in "${MADE_NS[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -TERM "$p" 2>/dev/null || true; done
  done
  for _ in $(seq 50); do
    local any=
    for ns in "${MADE_NS[@]}"; do [ -n "$(ip netns pids "$ns" 2>/dev/null)" ] && any=1; done
    [ -z "$any" ] && break
    sleep 0.1
  done
  for ns in "${MADE_NS[@]}"; do
    for p in $(ip netns pids "$ns" 2>/dev/null); do kill -9 "$p" 2>/dev/null || true; done
    ip netns del "$ns" 2>/dev/null || true
  done
}
# cleanup (lib.sh) reads the exit status from $?: keep it across ours
trap 'MH_RC=$?; netns_cleanup; cleanup $MH_RC' EXIT

in_ns() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
nsc() { in_ns "$NS_C" "$NS_BIN" "$@"; } # the CLI, on the coordinator's host

note "network: coordinator and 3 workers in namespaces, bridge in $NS_C"
ip netns add "$NS_C" || fail "cannot create a network namespace (needs root with CAP_SYS_ADMIN)"
MADE_NS+=("$NS_C")
in_ns "$NS_C" ip link set lo up
in_ns "$NS_C" ip link add br0 type bridge
in_ns "$NS_C" ip addr add $NET.1/24 dev br0
in_ns "$NS_C" ip link set br0 up
for i in 1 2 3; do
  ns=${NS_W[$((i - 1))]}
  ip netns add "$ns" || fail "cannot create namespace $ns"
  MADE_NS+=("$ns")
  in_ns "$ns" ip link set lo up
  # made inside the namespaces: no interface name of the host is touched
  ip -n "$NS_C" link add vw$i type veth peer name eth0 netns "$ns" || fail "cannot create veth pair $i"
  in_ns "$NS_C" ip link set vw$i master br0
  in_ns "$NS_C" ip link set vw$i up
  in_ns "$ns" ip addr add $NET.1$i/24 dev eth0
  in_ns "$ns" ip link set eth0 up
done
"$NS_BIN" gen --sources pos,master --stores 120 --days 1 --start $DATE --seed 7 --bad-rate 0.001 --out "file://$T/raw" >/dev/null
# small splits, a small memory budget and more slices: many short tasks
sed -e 's/^\(\s*split_size:\).*/\1 1536KB/' -e 's/^\(\s*slices:\).*/\1 6/' \
    -e 's/^\(memory:\).*/\1 2MB/' "$NS_SRC/jobs/retail_pos.yaml" > "$T/job.yaml"
grep -q '^memory: 2MB' "$T/job.yaml" || fail "could not set memory"

note "coordinator on $NIGHTSHIFT_COORDINATOR in $NS_C"
# ip netns exec execs the command: $! is the coordinator's pid (no shell
# function here, whose subshell would be another process)
ip netns exec "$NS_C" "$NS_BIN" coordinator --bind "$NIGHTSHIFT_COORDINATOR" --journal "$T/coordinator.journal" \
  --heartbeat-ms 500 --liveness-ms $LIVENESS >>"$T/logs/coordinator.log" 2>&1 &
COORD_PID=$!
up=
for _ in $(seq 100); do nsc list >/dev/null 2>&1 && { up=1; break; }; sleep 0.1; done
[ -n "$up" ] || fail "coordinator did not come up in $NS_C"

# worker i on host i; the third is a slow machine (a pause at the start of
# a task and every 4096 rows), so that it holds a task long enough to be
# cut off in the middle of it
for i in 1 2 3; do
  extra=()
  [ $i = 3 ] && extra=(--slow-ms 1000)
  ip netns exec "${NS_W[$((i - 1))]}" "$NS_BIN" worker --connect "$NIGHTSHIFT_COORDINATOR" \
    --heartbeat-ms 500 --liveness-ms $LIVENESS "${extra[@]}" >>"$T/logs/worker-$i.log" 2>&1 &
  WORKER_PIDS+=($!)
done
victim=${WORKER_PIDS[2]} # the worker's id has its pid: HOST-PID-RANDOM

n_workers() { nsc list --json 2>/dev/null | grep -o '"busy"' | wc -l || true; }
for _ in $(seq 100); do [ "$(n_workers)" -ge 3 ] && break; sleep 0.1; done
[ "$(n_workers)" -ge 3 ] || fail "the 3 workers did not register over the network"

is_busy() { # is_busy PID: is that worker running a task?
  nsc list --json | grep -q "\"id\":\"[^\"]*-$1-[0-9a-f]*\",\"pool\":\"[^\"]*\",\"capacity\":\"[^\"]*\",\"slots\":[0-9]*,\"busy\":1"
}
listed() { nsc list --json | grep -q "\"id\":\"[^\"]*-$1-[0-9a-f]*\""; }
run_job() { # run_job NAME: submits, id in $T/NAME.id
  nsc submit "$T/job.yaml" --date $DATE --var raw="file://$T/raw" --var out="file://$T/out-$1" \
    --quiet > "$T/$1.id" || fail "submit $1"
}
wait_job() {
  nsc wait "$(cat "$T/$1.id")" --json --quiet --timeout 900 > "$T/$1.json" || fail "job $1 did not succeed: $(cat "$T/$1.json")"
}
content() { manifest_content "$(uri_path "$(json_get manifest < "$T/$1.json")")"; }
per_file() {
  for f in $(manifest_urls "$(uri_path "$(json_get manifest < "$T/$1.json")")"); do zstd -dcq "$f" | md5sum; done
}

note "run 1: undisturbed, over the network"
run_job clean
wait_job clean
content clean > "$T/clean.txt"
[ -s "$T/clean.txt" ] || fail "clean run wrote nothing"
[ "$(json_get retries < "$T/clean.json")" = 0 ] || fail "the undisturbed run retried tasks"

note "run 2: worker host 3's link cut while it runs a task"
run_job cut
cut=
for i in $(seq 2400); do
  if is_busy $victim; then
    in_ns "$NS_C" ip link set vw3 down
    cut=1
    break
  fi
  if [ $((i % 20)) = 0 ]; then
    st=$(nsc status "$(cat "$T/cut.id")" --json | json_get state)
    case $st in succeeded|failed|cancelled) break;; esac
  fi
  sleep 0.02
done
[ -n "$cut" ] || fail "the victim never ran a task"
# the coordinator must notice the silence and give the task to others
lost=
for _ in $(seq 600); do
  grep -q "worker [^ ]*-$victim-[0-9a-f]* lost" "$T/logs/coordinator.log" && { lost=1; break; }
  sleep 0.1
done
[ -n "$lost" ] || fail "the coordinator did not declare the cut-off worker lost"
listed $victim && fail "the cut-off worker is still listed"
# the cable is plugged back in: the worker may come back with a stale attempt
in_ns "$NS_C" ip link set vw3 up
wait_job cut
retries=$(json_get retries < "$T/cut.json")
[ "${retries:-0}" -ge 1 ] || fail "expected the lost task retried, saw retries=$retries"
content cut > "$T/cut.txt"
cmp -s "$T/clean.txt" "$T/cut.txt" || fail "load files differ after a worker's link was cut"
diff <(per_file clean) <(per_file cut) >/dev/null || fail "per-file contents differ after a worker's link was cut"
# the reconnected worker registers again (a fresh process was not needed)
back=
for _ in $(seq 200); do listed $victim && { back=1; break; }; sleep 0.1; done
[ -n "$back" ] || fail "the worker did not come back after its link was restored"
echo PASS
