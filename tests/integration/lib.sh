# Shared helpers of the integration tests: a private cluster of real
# processes (coordinator + workers over TCP on loopback) in a temp dir.
# Sourced by test_*.sh; NS_BIN (the nightshift binary) and NS_SRC (the
# source tree) come from ctest.
set -euo pipefail
NS_BIN=${NS_BIN:?NS_BIN must point to the nightshift binary}
NS_SRC=${NS_SRC:?NS_SRC must point to the source tree}
T=$(mktemp -d /tmp/ns-it.XXXXXX)
export NIGHTSHIFT_HOME=$T/home
mkdir -p "$NIGHTSHIFT_HOME" "$T/logs"
# CurveZMQ keys and the allow-list in $NIGHTSHIFT_HOME/keys: every process of
# the test finds them there (docs/SECURITY.md)
"$NS_BIN" keys init >/dev/null
# free_port [FROM]: prints a port on 127.0.0.1 that nothing listens on, from
# FROM (default a random one in 20000..31999) upwards: below Linux's
# ephemeral range (32768-60999, /proc/sys/net/ipv4/ip_local_port_range), so
# that no client socket of another test can take it before the bind
free_port() {
  local p=${1:-$(( 20000 + RANDOM % 12000 ))}
  while (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; do p=$(( p + 1 )); done
  echo "$p"
}
PORT=$(free_port)
export NIGHTSHIFT_COORDINATOR=tcp://127.0.0.1:$PORT
COORD_PID=
WORKER_PIDS=()
LIVENESS=2000

fail() { echo "FAIL: $*" >&2; echo "--- coordinator log tail" >&2; tail -n 40 "$T/logs/coordinator.log" >&2 || true; exit 1; }
note() { echo "== $*"; }

# cleanup [RC]: stops what the test started; exits with RC (default: the
# status of the command before it). A trap that does more first passes the
# status on as RC: `(exit $rc); cleanup` would end the trap there under set -e.
cleanup() {
  local rc=${1:-$?}
  # stop the processes cleanly so sanitizer builds report leaks at exit
  if ls "$NIGHTSHIFT_HOME"/run/*.pid >/dev/null 2>&1; then
    "$NS_BIN" cluster down >/dev/null 2>&1 || true
  fi
  for p in "${WORKER_PIDS[@]}" $COORD_PID; do kill -TERM "$p" 2>/dev/null || true; done
  for _ in $(seq 50); do
    local alive=0
    for p in "${WORKER_PIDS[@]}" $COORD_PID; do kill -0 "$p" 2>/dev/null && alive=1; done
    [ $alive = 0 ] && break
    sleep 0.1
  done
  for p in "${WORKER_PIDS[@]}" $COORD_PID; do kill -9 "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if grep -l -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/logs/*.log "$NIGHTSHIFT_HOME"/logs/*.log 2>/dev/null; then
    echo "FAIL: sanitizer reports in the logs above:" >&2
    grep -h -A12 -E "ERROR: (Address|Leak)Sanitizer|runtime error:" "$T"/logs/*.log "$NIGHTSHIFT_HOME"/logs/*.log 2>/dev/null | head -60 >&2
    rc=1
  fi
  if [ $rc -eq 0 ] && [ -z "${NS_KEEP:-}" ]; then rm -rf "$T"; else echo "kept $T" >&2; fi
  exit $rc
}
trap cleanup EXIT

start_coordinator() {
  "$NS_BIN" coordinator --bind "$NIGHTSHIFT_COORDINATOR" --journal "$T/coordinator.journal" \
    --heartbeat-ms 500 --liveness-ms $LIVENESS "$@" >>"$T/logs/coordinator.log" 2>&1 &
  COORD_PID=$!
  for _ in $(seq 100); do
    # one that exits instead (a bad option, a port taken, a bad key file)
    # fails the test at once, not after 100 unanswered `list`s of 10 s
    kill -0 "$COORD_PID" 2>/dev/null ||
      fail "the coordinator exited at start: $(tail -n 3 "$T/logs/coordinator.log")"
    "$NS_BIN" list >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  fail "coordinator did not come up"
}

# wait_for_line FILE TEXT: waits up to 10 s for a line holding TEXT (a fixed
# string) in FILE; fails the test if none comes
wait_for_line() {
  for _ in $(seq 100); do
    grep -qF -- "$2" "$1" 2>/dev/null && return 0
    sleep 0.1
  done
  fail "no line '$2' in $1"
}

start_worker() {
  local n=${#WORKER_PIDS[@]}
  "$NS_BIN" worker --connect "$NIGHTSHIFT_COORDINATOR" --heartbeat-ms 500 --liveness-ms $LIVENESS \
    "$@" >>"$T/logs/worker-$n.log" 2>&1 &
  WORKER_PIDS+=($!)
}

wait_workers() { # wait until N workers are registered
  for _ in $(seq 100); do
    local c
    c=$("$NS_BIN" list --json 2>/dev/null | grep -o '"busy"' | wc -l || true)
    [ "$c" -ge "$1" ] && return 0
    sleep 0.1
  done
  fail "workers did not register"
}

json_get() { # json_get KEY < json: the first string or number value of KEY
  { grep -o "\"$1\":\(\"[^\"]*\"\|[-0-9.]*\)" || true; } | head -n1 | sed 's/^[^:]*://; s/"//g'
}

manifest_urls() { # manifest_urls MANIFEST_PATH -> paths in order
  grep -o '"url":"[^"]*"' "$1" | sed 's/"url":"file:\/\///; s/"$//'
}

# Decompressed content of every load file of a manifest, in manifest order.
manifest_content() {
  manifest_urls "$1" | while read -r f; do zstd -dcq "$f"; done
}

uri_path() { echo "${1#file://}"; }

# ---- S3 (deploy/test starts the test server and exports its settings) ----
# require_s3: fails unless the S3 test server's settings are in the
# environment; sets S3_BUCKET and AWS (the AWS CLI, pointed at the server).
require_s3() {
  [ -n "${NS_TEST_S3_BUCKET:-}" ] && [ -n "${AWS_ENDPOINT_URL:-}" ] ||
    fail "needs the S3 test server: run through deploy/test (it exports AWS_ENDPOINT_URL, credentials and NS_TEST_S3_BUCKET)"
  [ -x /usr/bin/aws ] || fail "needs the AWS CLI (Debian package awscli; deploy/install-deps installs it)"
  S3_BUCKET=$NS_TEST_S3_BUCKET
  # Debian's awscli ignores AWS_ENDPOINT_URL: say it on the command line
  AWS=(/usr/bin/aws --endpoint-url "$AWS_ENDPOINT_URL" --no-cli-pager)
}

# start_fault_proxy UPSTREAM_URL ARGS...: starts tests/integration/s3_fault_proxy.py
# in front of the server; sets PROXY_URL and PROXY_STATS.
start_fault_proxy() {
  local up=${1#http://}
  shift
  rm -f "$T/proxy.port"
  PROXY_STATS=$T/proxy.stats
  python3 "$NS_SRC/tests/integration/s3_fault_proxy.py" --listen-port-file "$T/proxy.port" \
    --upstream "$up" --stats "$PROXY_STATS" "$@" >>"$T/logs/proxy.log" 2>&1 &
  WORKER_PIDS+=($!) # stopped with the cluster
  for _ in $(seq 100); do
    [ -s "$T/proxy.port" ] && break
    sleep 0.1
  done
  [ -s "$T/proxy.port" ] || fail "the fault proxy did not start: $(tail -5 "$T/logs/proxy.log")"
  PROXY_URL=http://127.0.0.1:$(cat "$T/proxy.port")
}

# ---- PostgreSQL (deploy/test starts a private cluster: NS_TEST_PG) ----
# require_pg: a fresh database for this test in the server of NS_TEST_PG
# (or, without it, in a private cluster started here under $T), dropped at
# exit; exports NIGHTSHIFT_WAREHOUSE (its connection string) and sets PSQL
# (psql on it, quiet, stopping at the first error, unaligned output).
PG_TEST_DB=
PG_OWN_DIR=
require_pg() {
  command -v psql >/dev/null || fail "needs psql (Debian package postgresql-client)"
  local base=${NS_TEST_PG:-}
  if [ -z "$base" ]; then
    PG_OWN_DIR=$T/pg
    chmod 755 "$T" # the postgres user runs the server in it
    local port=$(( 32000 + RANDOM % 700 )) # below the ephemeral range, as PORT above
    while (exec 3<>/dev/tcp/127.0.0.1/$port) 2>/dev/null; do port=$(( port + 1 )); done
    base=$("$NS_SRC/deploy/pg" start "$PG_OWN_DIR" "$port") || fail "cannot start PostgreSQL"
  fi
  PG_BASE=$base
  PG_TEST_DB=ns_$(basename "$T" | tr -c 'a-zA-Z0-9\n' '_' | tr 'A-Z' 'a-z')
  psql "$base" -qAtX -v ON_ERROR_STOP=1 -c "CREATE DATABASE $PG_TEST_DB" >/dev/null ||
    fail "cannot create database $PG_TEST_DB"
  export NIGHTSHIFT_WAREHOUSE="$base dbname=$PG_TEST_DB"
  PSQL=(psql "$NIGHTSHIFT_WAREHOUSE" -qAtX -v ON_ERROR_STOP=1)
  trap 'PG_RC=$?; pg_cleanup; cleanup $PG_RC' EXIT
}
pg_cleanup() {
  if [ -n "$PG_TEST_DB" ]; then
    psql "$PG_BASE" -qAtX -c "DROP DATABASE IF EXISTS $PG_TEST_DB WITH (FORCE)" >/dev/null 2>&1 || true
  fi
  if [ -n "$PG_OWN_DIR" ]; then
    "$NS_SRC/deploy/pg" stop "$PG_OWN_DIR" >/dev/null 2>&1 || true
  fi
}

# ---- helpers of the chaos suite (tests/chaos/run); usable by any test ----
# worker_busy PID: is the worker process PID registered and running a task?
# (worker ids are HOST-PID-XXXX; `list --json` gives each worker's busy slots)
worker_busy() {
  local py=python3
  [ -x /usr/bin/python3 ] && py=/usr/bin/python3 # not a (slow) pyenv shim
  "$NS_BIN" list --json 2>/dev/null | $py -c '
import json, sys
pid = sys.argv[1]
for w in json.load(sys.stdin).get("workers", []):
    if w.get("id", "").split("-")[-2:-1] == [pid]:
        sys.exit(0 if w.get("busy", 0) > 0 else 1)
sys.exit(1)' "$1"
}

# live_pids PID...: those of the PIDs that are still running
live_pids() {
  local p
  for p in "$@"; do kill -0 "$p" 2>/dev/null && echo "$p"; done
  return 0
}
