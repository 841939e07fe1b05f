#!/usr/bin/env bash
# A job reads and writes only below its own prefixes (docs/SECURITY.md,
# "Job prefixes"), with real processes: a coordinator and a worker confined
# to a store root (NIGHTSHIFT_STORE_ROOTS) and hostile job files.
#   - a benign job below the root runs; a symbolic link planted in its input
#     folder, pointing outside the root, is not followed (its rows never
#     reach the output);
#   - '..' in input.uri, an absolute path outside the root, output.uri
#     outside it, a lookup outside it, another bucket, a file:// URI with a
#     host, a --var value with '../' (and a value that is only '..'): each
#     submit fails (exit 1) with an error naming the key and the value (or
#     the variable), and no job is created;
#   - a worker checks again: a job the coordinator accepts (its roots are
#     wider) but whose output lies outside the worker's roots fails on the
#     worker, naming the rule, and no load file is written there;
#   - nothing outside the root was read into an output or written: the
#     outside tree is byte for byte what it was;
#   - a job's s3.endpoint (where the worker's signed requests and the job's
#     data would go) must be listed in NIGHTSHIFT_S3_ENDPOINTS or be the
#     process's own endpoint: one listed on both sides runs, one listed
#     nowhere is refused at submit (nothing journaled), and one only the
#     coordinator lists fails on the worker, naming the rule.
. "$(dirname "$0")/lib.sh"

STORE=$T/store
OUTSIDE=$T/outside
WIDE=$T/wide # in the coordinator's roots, not in the worker's
mkdir -p "$STORE/raw/in/dt=2026-11-24" "$STORE/raw/master" "$OUTSIDE/secret" "$WIDE"
printf 'k|v\nSECRET-ROW|42\n' > "$OUTSIDE/secret/s.psv"
printf 'k|v\nMASTER-SECRET|1\n' > "$OUTSIDE/secret/master.psv"
printf 'k|v\na|1\nb|2\n' > "$STORE/raw/in/dt=2026-11-24/a.psv"
printf 'k|v\na|x\n' > "$STORE/raw/master/m.psv"
# links inside the root, to a file and to a folder outside it
ln -s "$OUTSIDE/secret/s.psv" "$STORE/raw/in/dt=2026-11-24/b.psv"
ln -s "$OUTSIDE/secret" "$STORE/raw/in/dt=2026-11-24/linked"
snapshot() { (cd "$OUTSIDE" && find . -printf '%p %s %T@\n' | sort && find . -type f -exec sha256sum {} + | sort); }
snapshot > "$T/outside.before"

EP_OK=http://s3-a.example.internal:9000   # allowed everywhere
EP_WIDE=http://s3-b.example.internal:9000 # allowed by the coordinator only
NIGHTSHIFT_S3_ENDPOINTS="$EP_OK $EP_WIDE" NIGHTSHIFT_STORE_ROOTS="file://$STORE file://$WIDE" \
  start_coordinator
NIGHTSHIFT_S3_ENDPOINTS="$EP_OK" NIGHTSHIFT_STORE_ROOTS="file://$STORE" start_worker
wait_workers 1

# job FILE [INPUT] [OUTPUT] [LOOKUP] [S3_ENDPOINT]: a small job file with
# these URIs (and an s3: section)
job() {
  local f=$1 in=${2:-'{raw}/in/dt={date}/'} out=${3:-'{out}/t/'} lk=${4:-} ep=${5:-}
  {
    echo "name: prefixes_t"
    echo "input:"
    echo "  uri: \"$in\""
    echo "  columns: [{name: k, type: string}, {name: v, type: string}]"
    if [ -n "$lk" ]; then
      echo "lookups:"
      echo "  - name: m"
      echo "    input: {uri: \"$lk\", columns: [{name: k, type: string}, {name: v, type: string}]}"
      echo "    key: [k]"
    fi
    echo "transform: [{name: k, from: k}, {name: v, from: v}]"
    echo "output: {uri: \"$out\", table: t, sort_key: [k]}"
    if [ -n "$ep" ]; then echo "s3: {endpoint: \"$ep\", region: eu-west-1}"; fi
  } > "$f"
}
submit() { # [RAW=URI] submit FILE [--var ...]: raw and out default to below the root
  local f=$1
  shift
  "$NS_BIN" submit "$f" --date 2026-11-24 --var raw="${RAW:-file://$STORE/raw}" \
    --var out="file://$STORE/out" "$@"
}

note "a benign job below the root runs; the planted links are not followed"
job "$T/ok.yaml" '{raw}/in/dt={date}/' '{out}/t/' '{raw}/master/'
submit "$T/ok.yaml" --wait --json --quiet > "$T/ok.json" || fail "benign job: $(cat "$T/ok.json")"
grep -q '"state":"succeeded"' "$T/ok.json" || fail "benign job: $(cat "$T/ok.json")"
manifest_content "$(uri_path "$(json_get manifest < "$T/ok.json")")" > "$T/ok.rows"
[ "$(cat "$T/ok.rows")" = "$(printf 'a|1\nb|2')" ] || fail "benign job read: $(cat "$T/ok.rows")"
[ "$(json_get rows_in < "$T/ok.json")" = 2 ] || fail "rows_in: $(cat "$T/ok.json")"

# refused FILE WANT [submit args...]: the submit fails with exit 1 naming WANT
refused() {
  local f=$1 want=$2 rc=0
  shift 2
  submit "$f" "$@" > "$T/refused.out" 2>&1 || rc=$?
  [ $rc = 1 ] || fail "$(basename "$f"): exit $rc, not 1: $(cat "$T/refused.out")"
  grep -qF -- "$want" "$T/refused.out" ||
    fail "$(basename "$f"): expected '$want' in: $(cat "$T/refused.out")"
  echo "   refused: $(grep -o "[a-z0-9]*\.yaml:[0-9]*:[0-9]*: .*" "$T/refused.out" | head -c 150)"
}

note "hostile job files are refused at submit, naming key and value"
job "$T/dotdot.yaml" '{raw}/../../outside/secret/'
refused "$T/dotdot.yaml" "dotdot.yaml:3:8: input.uri 'file://$STORE/raw/../../outside/secret/' is refused: a '..' path segment"
job "$T/abs.yaml" "$OUTSIDE/secret/"
refused "$T/abs.yaml" "input.uri '$OUTSIDE/secret/' is refused: it is outside the store roots"
job "$T/etc.yaml" "/etc/"
refused "$T/etc.yaml" "input.uri '/etc/' is refused: it is outside the store roots"
job "$T/out.yaml" '{raw}/in/dt={date}/' "file://$OUTSIDE/out/"
refused "$T/out.yaml" "output.uri 'file://$OUTSIDE/out/' is refused: it is outside the store roots"
job "$T/lookup.yaml" '{raw}/in/dt={date}/' '{out}/t/' "file://$OUTSIDE/secret/"
refused "$T/lookup.yaml" "lookups[0].input.uri 'file://$OUTSIDE/secret/' is refused: it is outside the store roots"
job "$T/bucket.yaml" 's3://other-bucket/raw/'
refused "$T/bucket.yaml" "input.uri 's3://other-bucket/raw/' is refused: it is outside the store roots: bucket 'other-bucket' is not among them"
job "$T/host.yaml" 'file://evil.example/raw/'
refused "$T/host.yaml" "input.uri 'file://evil.example/raw/' is refused: a file:// URI with a host part"
job "$T/beside.yaml" "file://$STORE"
refused "$T/beside.yaml" "input.uri 'file://$STORE' is refused: as a prefix it also lists names beside the store root"
job "$T/var.yaml"
RAW="file://$STORE/raw/../../outside/secret" \
  refused "$T/var.yaml" "variable 'raw' in input.uri is 'file://$STORE/raw/../../outside/secret': a '..' path segment is not allowed"
job "$T/var2.yaml" '{raw}/{sub}/secret/'
refused "$T/var2.yaml" "variable 'sub' in input.uri is '..'" --var sub=..
job "$T/endpoint.yaml" '{raw}/in/dt={date}/' '{out}/t/' '' 'http://evil.example:9000'
refused "$T/endpoint.yaml" "endpoint.yaml:7:16: s3.endpoint 'http://evil.example:9000' is refused: it is neither this process's own S3 endpoint"
grep -qF "nor listed in NIGHTSHIFT_S3_ENDPOINTS ($EP_OK $EP_WIDE)" "$T/refused.out" ||
  fail "the endpoint's refusal names no rule: $(cat "$T/refused.out")"
job "$T/endpoint2.yaml" '{raw}/in/dt={date}/' '{out}/t/' '' 'http://s3-a.example.internal:9000@evil.example'
refused "$T/endpoint2.yaml" "s3.endpoint must not hold a user or password"

# none of them became a job: the coordinator lists the benign one only
"$NS_BIN" list --json > "$T/list.json"
[ "$(grep -o '"id":"prefixes_t-' "$T/list.json" | wc -l)" = 1 ] || fail "refused jobs were created: $(cat "$T/list.json")"
grep -q "evil.example" "$T/coordinator.journal" && fail "the journal holds a refused endpoint"

note "an s3.endpoint both sides allow runs (its buckets are none here: file:// URIs)"
job "$T/ep-ok.yaml" '{raw}/in/dt={date}/' '{out}/t/' '' "$EP_OK"
submit "$T/ep-ok.yaml" --wait --json --quiet > "$T/ep-ok.json" || fail "allowed endpoint: $(cat "$T/ep-ok.json")"
grep -q '"state":"succeeded"' "$T/ep-ok.json" || fail "allowed endpoint: $(cat "$T/ep-ok.json")"

note "the worker checks the endpoint again: one only the coordinator allows fails there"
job "$T/ep-wide.yaml" '{raw}/in/dt={date}/' '{out}/t/' '' "$EP_WIDE"
submit "$T/ep-wide.yaml" --wait --json --quiet > "$T/ep-wide.json" &&
  fail "the worker ran a job with an endpoint it does not allow: $(cat "$T/ep-wide.json")"
grep -q '"state":"failed"' "$T/ep-wide.json" || fail "ep-wide job: $(cat "$T/ep-wide.json")"
grep -qF "s3.endpoint '$EP_WIDE' is refused: it is neither this process's own S3 endpoint" "$T/ep-wide.json" ||
  fail "the worker's reason: $(cat "$T/ep-wide.json")"
grep -qF "NIGHTSHIFT_S3_ENDPOINTS ($EP_OK)" "$T/ep-wide.json" || fail "the worker's reason: $(cat "$T/ep-wide.json")"

note "the worker checks again: output outside its roots fails the job there"
job "$T/wide.yaml" '{raw}/in/dt={date}/' "file://$WIDE/out/"
submit "$T/wide.yaml" --wait --json --quiet > "$T/wide.json" && fail "the worker ran a job outside its roots: $(cat "$T/wide.json")"
grep -q '"state":"failed"' "$T/wide.json" || fail "wide job: $(cat "$T/wide.json")"
grep -qF "output.uri 'file://$WIDE/out/' is refused: it is outside the store roots" "$T/wide.json" ||
  fail "the worker's reason: $(cat "$T/wide.json")"
if find "$WIDE" -path '*/load/*' -o -path '*/rejects/*' -o -path '*/_tmp/*' | grep -q .; then
  fail "the worker wrote below $WIDE: $(find "$WIDE")"
fi

note "nothing outside the root was read into an output or written"
snapshot > "$T/outside.after"
diff "$T/outside.before" "$T/outside.after" > /dev/null || fail "the outside tree changed: $(diff "$T/outside.before" "$T/outside.after")"
if find "$STORE/out" -type f -name '*.zst' -exec zstd -dcq {} + | grep -q "SECRET"; then
  fail "a row from outside the root reached an output"
fi
grep -q "SECRET" "$T/coordinator.journal" && fail "the journal holds outside data"
note "ok"
