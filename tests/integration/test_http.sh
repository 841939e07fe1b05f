#!/usr/bin/env bash
# The coordinator's status page and metrics (--http), end to end:
#   - a coordinator with --http on a free loopback port and two workers run
#     a small job with a reject;
#   - curl: /healthz is 200; /metrics is the exposition format (every line
#     a HELP, a TYPE or a well-formed sample, its content type 0.0.4) and
#     its rows_out of the job equals `nightshift status --json`'s;
#     /status.json lists the job and both workers; an unknown path is 404,
#     POST is 405;
#   - headless Chromium (Debian's chromium) opens the page: its dumped DOM
#     has the job id and both workers; its screenshot is kept as a test
#     artifact in the build dir's tests/artifacts/status.png (NS_ARTIFACTS
#     overrides the folder);
#   - a second coordinator asked for the same HTTP port refuses to start.
. "$(dirname "$0")/lib.sh"
command -v curl >/dev/null || fail "needs curl (Debian package curl)"
command -v chromium >/dev/null || fail "needs chromium (Debian package chromium; deploy/install-deps installs it)"
HP=$(( PORT + 1 ))
while (exec 3<>/dev/tcp/127.0.0.1/$HP) 2>/dev/null; do HP=$(( HP + 1 )); done
URL=http://127.0.0.1:$HP
start_coordinator --http "127.0.0.1:$HP"
start_worker --id w-http-a
start_worker --id w-http-b
wait_workers 2

code() { curl -s -o /dev/null -w '%{http_code}' "$@"; }

note "healthz"
[ "$(code "$URL/healthz")" = 200 ] || fail "/healthz is not 200"
[ "$(curl -s "$URL/healthz")" = ok ] || fail "/healthz does not say ok"

note "a small job"
mkdir -p "$T/raw/sales/dt=2026-11-24"
for f in 1 2; do
  {
    echo "store|sku|qty"
    for i in $(seq 1 40); do echo "$f$i|SKU-$((i % 7))|$i"; done
    [ $f = 2 ] && echo "999|SKU-X|not-a-number"
  } > "$T/raw/sales/dt=2026-11-24/s$f.psv"
done
cat > "$T/job.yaml" <<'EOF'
name: http_t
input:
  uri: "{raw}/sales/dt={date}/"
  columns:
    - {name: store, type: string}
    - {name: sku, type: string}
    - {name: qty, type: int}
transform:
  - {name: store, from: store}
  - {name: sku, from: sku}
  - {name: qty, from: qty}
output: {uri: "{out}", table: t, sort_key: [store]}
error_budget: {max_rejects: 5}
EOF
"$NS_BIN" submit "$T/job.yaml" --date 2026-11-24 --var raw="file://$T/raw" --var out="file://$T/out" \
  --wait --json --quiet > "$T/submit.json" || fail "job failed: $(cat "$T/submit.json")"
JOB=$(json_get id < "$T/submit.json")
[ -n "$JOB" ] || fail "no job id in $(cat "$T/submit.json")"
"$NS_BIN" status "$JOB" --json > "$T/status.json" || fail "status failed"
ROWS_OUT=$(json_get rows_out < "$T/status.json")
[ "$ROWS_OUT" = 80 ] || fail "rows_out $ROWS_OUT, want 80"

note "status.json"
ok=
for _ in $(seq 50); do # the next snapshot comes within 500 ms
  curl -sf "$URL/status.json" > "$T/http-status.json" || fail "GET /status.json failed"
  grep -q "\"id\":\"$JOB\",[^}]*\"state\":\"succeeded\"" "$T/http-status.json" && { ok=1; break; }
  sleep 0.1
done
[ -n "$ok" ] || fail "/status.json does not show $JOB succeeded: $(cat "$T/http-status.json")"
for w in w-http-a w-http-b; do
  grep -q "\"id\":\"$w\"" "$T/http-status.json" || fail "/status.json lacks worker $w"
done
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert len(d["workers"]) == 2, d["workers"]; assert d["pools"], d' \
  "$T/http-status.json" || fail "/status.json is not the JSON expected"

note "metrics"
curl -sf -D "$T/metrics.head" "$URL/metrics" > "$T/metrics.txt" || fail "GET /metrics failed"
grep -qi '^content-type: text/plain; version=0.0.4' "$T/metrics.head" || fail "metrics content type: $(cat "$T/metrics.head")"
NAME='[a-zA-Z_:][a-zA-Z0-9_:]*'
LABEL='[a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\[\\"n])*"'
SAMPLE="^$NAME(\\{$LABEL(,$LABEL)*\\})? -?[0-9]+(\\.[0-9]+)?([eE][-+]?[0-9]+)?\$"
bad=$(grep -v '^#' "$T/metrics.txt" | grep -Ev "$SAMPLE" || true)
[ -z "$bad" ] || fail "malformed metric lines: $bad"
bad=$(grep '^#' "$T/metrics.txt" | grep -Ev "^# (HELP $NAME .+|TYPE $NAME (gauge|counter|histogram|summary|untyped))\$" || true)
[ -z "$bad" ] || fail "malformed comment lines: $bad"
# every family: HELP, then TYPE, then its samples, once
awk '/^# HELP/ { if (seen[$3]++) { print "family twice: " $3; exit 1 } fam = $3; next }
     /^# TYPE/ { if ($3 != fam) { print "TYPE out of place: " $0; exit 1 } next }
     { n = $0; sub(/[{ ].*/, "", n); if (n != fam) { print "sample outside its family: " $0; exit 1 } }' \
  "$T/metrics.txt" || fail "metric families out of order"
M_ROWS=$(grep "^nightshift_job_rows_out{job=\"$JOB\"} " "$T/metrics.txt" | awk '{print $2}')
[ "$M_ROWS" = "$ROWS_OUT" ] || fail "metrics rows_out '$M_ROWS', status says $ROWS_OUT"
M_REJ=$(grep "^nightshift_job_rejects{job=\"$JOB\"} " "$T/metrics.txt" | awk '{print $2}')
[ "$M_REJ" = "$(json_get rejects < "$T/status.json")" ] || fail "metrics rejects '$M_REJ'"
grep -q '^nightshift_jobs{state="succeeded"} 1$' "$T/metrics.txt" || fail "nightshift_jobs{state=succeeded} is not 1"
grep -q "^nightshift_tasks{job=\"$JOB\",state=\"done\"} " "$T/metrics.txt" || fail "no nightshift_tasks of the job"
[ "$(grep '^nightshift_workers{' "$T/metrics.txt" | awk '{s += $2} END {print s}')" = 2 ] ||
  fail "nightshift_workers does not add up to 2 workers"

note "bad requests"
[ "$(code "$URL/nope")" = 404 ] || fail "unknown path is not 404"
[ "$(code -X POST -d x "$URL/metrics")" = 405 ] || fail "POST is not 405"
curl -s -D - -o /dev/null -X POST -d x "$URL/" | grep -qi '^allow: GET, HEAD' || fail "405 without Allow"
[ "$(code -I "$URL/")" = 200 ] || fail "HEAD / is not 200"

note "page in headless chromium"
curl -sf "$URL/" > "$T/page.html" || fail "GET / failed"
grep -q "$JOB" "$T/page.html" || fail "the page lacks the job"
ART=${NS_ARTIFACTS:-$PWD/tests/artifacts}
mkdir -p "$ART"
CHROME=(chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chrome" --window-size=1400,900)
"${CHROME[@]}" --dump-dom "$URL/" > "$T/dom.html" 2> "$T/logs/chromium-dom.log" ||
  fail "chromium --dump-dom failed: $(tail -5 "$T/logs/chromium-dom.log")"
for want in "$JOB" w-http-a w-http-b "<table id=\"jobs\">" succeeded; do
  grep -qF "$want" "$T/dom.html" || fail "the rendered page lacks '$want'"
done
"${CHROME[@]}" --screenshot="$T/status.png" "$URL/" > /dev/null 2> "$T/logs/chromium-shot.log" ||
  fail "chromium --screenshot failed: $(tail -5 "$T/logs/chromium-shot.log")"
[ -s "$T/status.png" ] || fail "no screenshot"
cp "$T/status.png" "$ART/status.png"

note "a second coordinator on the same HTTP port"
rc=0
"$NS_BIN" coordinator --bind "tcp://127.0.0.1:*" --journal "$T/second.journal" --http "127.0.0.1:$HP" \
  > "$T/logs/second.log" 2>&1 || rc=$?
[ $rc -ne 0 ] || fail "a second coordinator served the same HTTP port"
grep -q "cannot serve HTTP on '127.0.0.1:$HP'" "$T/logs/second.log" || fail "no clear error: $(cat "$T/logs/second.log")"
rc=0
"$NS_BIN" coordinator --bind "tcp://127.0.0.1:*" --journal "$T/third.journal" --http "127.0.0.1" \
  > "$T/logs/third.log" 2>&1 || rc=$?
[ $rc -ne 0 ] && grep -q "bad HTTP address" "$T/logs/third.log" || fail "a malformed --http was taken"
[ "$(code "$URL/healthz")" = 200 ] || fail "the first coordinator's page is gone"
echo "PASS"
