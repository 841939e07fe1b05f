#!/usr/bin/env bash
# Credentials never appear in logs, status output, the journal or error
# messages (docs/SECURITY.md, "Credentials"), with real parts: a coordinator
# (with its status page) and workers on the signature-checking S3 test
# server with its real keys, and a PostgreSQL role with a password.
#   - a job on s3:// runs and is loaded with `submit --load --warehouse
#     postgresql://ROLE:PASSWORD@...` (and a key=value string with
#     password=... in $NIGHTSHIFT_WAREHOUSE): both work;
#   - errors are provoked: a wrong database name, connection strings libpq
#     cannot parse (libpq's message would quote the password), a load that
#     fails on the server (no schema), a wrong AWS secret with a session
#     token (`store ls` and `cat`, and a worker of its own pool whose job
#     fails on them);
#   - then every log, the journal, every `status`/`list --json`/`submit`
#     output, /status.json and the status page, job.json, the manifest,
#     the catalog documents and the warehouse's load ledger are searched for
#     the password and the AWS secrets: none holds them, while the errors
#     still say what went wrong;
#   - the warehouse connection string is never sent to the coordinator, and
#     a --warehouse argument is masked in the process's command line (ps,
#     /proc/PID/cmdline) of `load`, `warehouse status`, `warehouse init`,
#     `report` and `external register`.
. "$(dirname "$0")/lib.sh"
require_pg
require_s3
command -v curl >/dev/null || fail "needs curl (Debian package curl)"
DATE=2026-11-24
RUN=creds-$$-$RANDOM
RAW=s3://$S3_BUCKET/$RUN/raw
OUT=s3://$S3_BUCKET/$RUN/out
NS=$NS_BIN
AWS_SECRET=$AWS_SECRET_ACCESS_KEY
[ ${#AWS_SECRET} -ge 6 ] || fail "the test server's secret is too short to search for"

# ---- a role with a password, owning the test's database ----
PW="Pw-$RANDOM$RANDOM-s3cr3t"
ROLE=ns_cred_$RANDOM$RANDOM
EMPTY_DB=${PG_TEST_DB}_empty
PSQL_BASE=(psql "$PG_BASE" -qAtX -v ON_ERROR_STOP=1)
"${PSQL_BASE[@]}" -c "CREATE ROLE $ROLE LOGIN PASSWORD '$PW'" -c "ALTER DATABASE $PG_TEST_DB OWNER TO $ROLE" \
  -c "CREATE DATABASE $EMPTY_DB OWNER $ROLE" >/dev/null || fail "cannot create the role"
trap 'PG_RC=$?; psql "$PG_BASE" -qAtX -c "DROP DATABASE IF EXISTS $EMPTY_DB WITH (FORCE)" >/dev/null 2>&1 || true
      pg_cleanup; psql "$PG_BASE" -qAtX -c "DROP ROLE IF EXISTS $ROLE" >/dev/null 2>&1 || true
      cleanup $PG_RC' EXIT
PG_PORT=$(echo "$PG_BASE" | grep -o 'port=[0-9]*' | cut -d= -f2)
WH_URI="postgresql://$ROLE:$PW@127.0.0.1:$PG_PORT/$PG_TEST_DB"
WH_KV="host=127.0.0.1 port=$PG_PORT dbname=$PG_TEST_DB user=$ROLE password=$PW"
SUPER_WH=$NIGHTSHIFT_WAREHOUSE
# the cluster gets no warehouse at all: it never needs one
unset NIGHTSHIFT_WAREHOUSE
OUTS=$T/outputs # every CLI output of this test, searched at the end
mkdir -p "$OUTS"
n=0
cli() { # cli NAME COMMAND...: runs it, keeps stdout and stderr, returns its status
  local name=$1
  shift
  n=$((n + 1))
  "$@" > "$OUTS/$n-$name.out" 2> "$OUTS/$n-$name.err"
}

"$NS" warehouse init --warehouse "$WH_URI" > "$OUTS/init.out" 2>&1 || fail "warehouse init as the role: $(cat "$OUTS/init.out")"

HP=$(( PORT + 1 ))
while (exec 3<>/dev/tcp/127.0.0.1/$HP) 2>/dev/null; do HP=$(( HP + 1 )); done
start_coordinator --http "127.0.0.1:$HP"
start_worker
# a worker with a wrong secret and a session token the server does not know,
# in a pool of its own
BAD_SECRET="wrong-$RANDOM$RANDOM-secret"
BAD_TOKEN="tok-$RANDOM$RANDOM-session"
AWS_SECRET_ACCESS_KEY=$BAD_SECRET AWS_SESSION_TOKEN=$BAD_TOKEN start_worker --pool badkeys
wait_workers 2

note "a job on s3://, loaded with a password in the connection URI"
"$NS" gen --sources pos,master --stores 2 --days 1 --start $DATE --seed 5 --out "file://$T/raw" >/dev/null ||
  fail "gen failed"
"${AWS[@]}" s3 cp --recursive --only-show-errors "$T/raw" "$RAW" || fail "upload failed"
cli submit-load "$NS" submit "$NS_SRC/jobs/retail_pos.yaml" --date $DATE --var raw="$RAW" --var out="$OUT" \
  --load --warehouse "$WH_URI" --json || fail "submit --load: $(cat "$OUTS/$n-submit-load.err")"
JOB=$(grep -o '"id":"[^"]*"' "$OUTS/$n-submit-load.out" | head -1 | cut -d'"' -f4)
[ -n "$JOB" ] || fail "no job id in $(cat "$OUTS/$n-submit-load.out")"
grep -q '"table":"sales_retail"' "$OUTS/$n-submit-load.out" || fail "no load result: $(cat "$OUTS/$n-submit-load.out")"
rows=$(psql "$SUPER_WH" -qAtX -c "SELECT count(*) FROM sales_retail")
[ "$rows" -gt 0 ] || fail "nothing loaded"
MANIFEST=$("$NS" status "$JOB" --json | grep -o '"manifest":"[^"]*"' | cut -d'"' -f4)
PREFIX=${MANIFEST%manifest}

note "the same load again through \$NIGHTSHIFT_WAREHOUSE=key=value with password="
NIGHTSHIFT_WAREHOUSE=$WH_KV cli load-env "$NS" load "$MANIFEST" || fail "load: $(cat "$OUTS/$n-load-env.err")"
grep -q "already loaded" "$OUTS/$n-load-env.out" || fail "second load: $(cat "$OUTS/$n-load-env.out")"

note "provoked errors: they say what is wrong, never the password"
BAD_DB_URI="postgresql://$ROLE:$PW@127.0.0.1:$PG_PORT/nosuchdb_$RANDOM"
cli wrong-db "$NS" load "$MANIFEST" --warehouse "$BAD_DB_URI" && fail "a load into a missing database succeeded"
grep -q 'does not exist' "$OUTS/$n-wrong-db.err" || fail "wrong database: $(cat "$OUTS/$n-wrong-db.err")"
cli submit-wrong-db "$NS" submit "$NS_SRC/jobs/retail_pos.yaml" --date $DATE --var raw="$RAW" \
  --var out="$OUT" --load --warehouse "$BAD_DB_URI" && fail "submit --load into a missing database succeeded"
grep -q 'does not exist' "$OUTS/$n-submit-wrong-db.err" || fail "submit --load: $(cat "$OUTS/$n-submit-wrong-db.err")"
cli bad-pct "$NS" load "$MANIFEST" --warehouse "postgresql://$ROLE:$PW%zz@127.0.0.1:$PG_PORT/$PG_TEST_DB" &&
  fail "a malformed URI connected"
grep -q 'invalid percent-encoded token' "$OUTS/$n-bad-pct.err" || fail "bad URI: $(cat "$OUTS/$n-bad-pct.err")"
cli bad-param "$NS" load "$MANIFEST" --warehouse "$WH_URI?$PW=1" && fail "a bad parameter connected"
grep -q 'invalid URI query parameter' "$OUTS/$n-bad-param.err" || fail "bad parameter: $(cat "$OUTS/$n-bad-param.err")"
NIGHTSHIFT_WAREHOUSE="host=127.0.0.1 port=$PG_PORT password=$PW extra" cli bad-kv "$NS" load "$MANIFEST" &&
  fail "a malformed key=value string connected"
grep -q 'missing "="' "$OUTS/$n-bad-kv.err" || fail "bad key=value: $(cat "$OUTS/$n-bad-kv.err")"
cli no-schema "$NS" load "$MANIFEST" --warehouse "postgresql://$ROLE:$PW@127.0.0.1:$PG_PORT/$EMPTY_DB" &&
  fail "a load into a database without the schema succeeded"
[ -s "$OUTS/$n-no-schema.err" ] || fail "the failing load said nothing"
cli warehouse-status "$NS" warehouse status --warehouse "$WH_URI" || fail "warehouse status: $(cat "$OUTS/$n-warehouse-status.err")"

note "S3: a wrong secret and an unknown session token"
AWS_SECRET_ACCESS_KEY=$BAD_SECRET cli bad-secret "$NS" store ls "$RAW/" && fail "a wrong secret listed"
grep -q 'SignatureDoesNotMatch\|403' "$OUTS/$n-bad-secret.err" || fail "wrong secret: $(cat "$OUTS/$n-bad-secret.err")"
# (the test server ignores a token it does not know: whatever it answers
# is searched below)
AWS_SECRET_ACCESS_KEY=$BAD_SECRET AWS_SESSION_TOKEN=$BAD_TOKEN cli bad-token "$NS" store cat "$MANIFEST" &&
  fail "a wrong secret with a token read"
grep -q 'SignatureDoesNotMatch\|403' "$OUTS/$n-bad-token.err" || fail "wrong secret and token: $(cat "$OUTS/$n-bad-token.err")"
sed -e 's/^pool: .*//' -e 's/^max_attempts: .*//' "$NS_SRC/jobs/retail_pos.yaml" > "$T/badkeys.yaml"
printf 'pool: badkeys\nmax_attempts: 1\n' >> "$T/badkeys.yaml"
cli badkeys-job "$NS" submit "$T/badkeys.yaml" --date $DATE --var raw="$RAW" --var out="$OUT" --wait --json &&
  fail "a job on the worker with the wrong keys succeeded"
grep -q '"state":"failed"' "$OUTS/$n-badkeys-job.out" || fail "badkeys job: $(cat "$OUTS/$n-badkeys-job.out")"
BADJOB=$(grep -o '"id":"[^"]*"' "$OUTS/$n-badkeys-job.out" | head -1 | cut -d'"' -f4)
grep -q 'cannot GET\|cannot HEAD\|HTTP 40' "$OUTS/$n-badkeys-job.out" || fail "badkeys reason: $(cat "$OUTS/$n-badkeys-job.out")"

note "status, list, the status page"
cli status-json "$NS" status "$JOB" --json || fail "status"
cli status-bad "$NS" status "$BADJOB" --json || fail "status of the failed job"
cli status-text "$NS" status "$BADJOB" || fail "status text"
cli list-json "$NS" list --json || fail "list --json"
cli list "$NS" list || fail "list"
cli status-page curl -sf "http://127.0.0.1:$HP/status.json" || fail "/status.json"
cli status-html curl -sf "http://127.0.0.1:$HP/" || fail "the status page"
grep -q "$BADJOB" "$OUTS/$n-status-html.out" || fail "the status page lacks the failed job"

note "the --warehouse argument is masked in the command line"
# a "server" that accepts and never answers keeps each command in its
# connect (PostgreSQL, or S3 for the catalog `external` reads first)
python3 -c 'import socket, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16); s.settimeout(1)
print(s.getsockname()[1], flush=True)
conns, end = [], time.time() + 300
while time.time() < end:
    try: conns.append(s.accept())
    except socket.timeout: pass' > "$T/hang.port" &
HANG_PID=$!
WORKER_PIDS+=($HANG_PID) # stopped with the cluster
for _ in $(seq 50); do [ -s "$T/hang.port" ] && break; sleep 0.1; done
HANG=$(cat "$T/hang.port")
HANG_WH="postgresql://$ROLE:$PW@127.0.0.1:$HANG/$PG_TEST_DB?connect_timeout=30"
# check_masked NAME COMMAND...: runs COMMAND, whose --warehouse is HANG_WH,
# until its command line (what ps shows) holds the masked argument; it
# must, and never the password
check_masked() {
  local name=$1 pid cl= masked=
  shift
  "$@" > "$OUTS/hang-$name.out" 2>&1 &
  pid=$!
  for _ in $(seq 100); do
    sleep 0.1
    cl=$(tr '\0' ' ' < /proc/$pid/cmdline 2>/dev/null) || break
    case "$cl" in *"postgresql://$ROLE:***@127.0.0.1:$HANG/"*) masked=$cl; break ;; esac
  done
  kill $pid 2>/dev/null || true
  wait $pid 2>/dev/null || true
  [ -n "$masked" ] || fail "$name: the --warehouse argument was not masked: $cl"
  case "$masked" in *"$PW"*) fail "$name: the password is in its command line: $masked" ;; esac
  echo "   $name: ps shows: ${masked#*nightshift }"
  echo "$masked" >> "$OUTS/cmdline.txt"
}
check_masked load "$NS" load "$MANIFEST" --warehouse "$HANG_WH"
check_masked warehouse-status "$NS" warehouse status --warehouse "$HANG_WH"
check_masked warehouse-init "$NS" warehouse init --warehouse "$HANG_WH"
check_masked report "$NS" report --out "$T/report" --warehouse="$HANG_WH"
AWS_ENDPOINT_URL=http://127.0.0.1:$HANG check_masked external "$NS" external register sales_retail \
  --catalog "s3://$S3_BUCKET/$RUN/catalog" --warehouse "$HANG_WH"

note "searching every artifact for the secrets"
"${AWS[@]}" s3 cp --recursive --only-show-errors "$OUT" "$T/s3-out" || fail "download of the outputs failed"
psql "$SUPER_WH" -qAtX -c "SELECT * FROM nightshift.loads" > "$OUTS/ledger.txt" ||
  fail "cannot read the load ledger"
files=("$T/logs" "$NIGHTSHIFT_HOME" "$T/coordinator.journal" "$OUTS" "$T/s3-out")
[ -n "$(find "$T/s3-out" -name job.json)" ] || fail "no job.json downloaded"
[ -n "$(find "$T/s3-out" -name manifest)" ] || fail "no manifest downloaded"
[ -n "$(find "$NIGHTSHIFT_HOME/catalog" -type f 2>/dev/null)" ] || fail "no catalog document"
for secret in "$PW" "$AWS_SECRET" "$BAD_SECRET" "$BAD_TOKEN"; do
  if grep -rlF -- "$secret" "${files[@]}" 2>/dev/null; then
    grep -rnF -- "$secret" "${files[@]}" | head -5 >&2
    fail "a secret appears in the files above"
  fi
done
# the coordinator never saw the warehouse: not even its user or database
grep -rqF -- "$ROLE" "$T/logs" "$T/coordinator.journal" && fail "the warehouse reached the coordinator"
# masked messages still carry their meaning
grep -q '\*\*\*' "$OUTS"/*bad-pct.err || fail "the malformed URI's message: $(cat "$OUTS"/*bad-pct.err)"
note "ok"
