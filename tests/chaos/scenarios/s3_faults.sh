# s3_faults: the S3 server answers ~5% of requests with 503, resets and short bodies
# The day's raw feeds are generated into the S3 test server (deploy/s3);
# the cluster reads them and writes its shuffle runs, load files,
# manifests and rejects there, and the loader reads the load files from there,
# all through tests/integration/s3_fault_proxy.py, which answers 3% of the
# requests with 503 SlowDown, resets 1% after forwarding them and cuts 1% of
# the response bodies short (AWS_ENDPOINT_URL points every nightshift
# process at the proxy). The store's retries must absorb every fault; the
# day must end identical to the fault-free run (the runs are read back past
# the proxy). Fails also when the proxy injected no 503 or no cut.
s3_rm_prefix() { # s3_rm_prefix PREFIX: deletes every object under PREFIX
  "$NS_BIN" store ls "$1" 2>/dev/null | awk '{print $3}' | xargs -r "$NS_BIN" store rm >/dev/null 2>&1 || true
}

scenario_s3_faults() {
  chaos_scenario_env s3_faults
  require_s3
  chaos_db
  base="s3://$S3_BUCKET/chaos-$SUITE_ID" # global: the EXIT trap reads it
  # lib.sh's trap (after require_pg's) plus removing what this scenario put in the bucket
  server=$AWS_ENDPOINT_URL # global too
  trap 'S3_RC=$?; [ -n "${NS_KEEP:-}" ] || AWS_ENDPOINT_URL=$server s3_rm_prefix "$base/"; pg_cleanup; cleanup $S3_RC' EXIT
  # the same day, generated straight into the bucket (past the proxy): the
  # generator's bytes depend only on its options; the listing must match the
  # local day's key for key, size for size
  note "generating the day into $base/raw"
  "$NS_BIN" gen --sources "$CHAOS_SOURCES" --days 1 --start $CHAOS_DATE "${CHAOS_GEN_ARGS[@]}" \
    --out "$base/raw" >"$T/gen-s3.txt" || fail "gen into $base/raw failed: $(cat "$T/gen-s3.txt")"
  diff <("$NS_BIN" store ls "$base/raw/" | awk '{print $1, $3}' | sed "s|$base/raw/||" | grep -v ' _gen/') \
       <("$NS_BIN" store ls "$CHAOS_RAW/" | awk '{print $1, $3}' | sed "s|$CHAOS_RAW/||" | grep -v ' _gen/') >&2 ||
    fail "the day generated into S3 differs from the local one"
  start_fault_proxy "$AWS_ENDPOINT_URL" --seed 7 --p-503 0.03 --p-reset 0.01 --p-short 0.01
  export AWS_ENDPOINT_URL=$PROXY_URL
  chaos_cluster_up 3
  chaos_submit "$base/raw" "$base/out"
  chaos_wait
  chaos_load
  export AWS_ENDPOINT_URL=$server
  local st
  st=$(cat "$PROXY_STATS")
  stat_of() { echo "$st" | grep -o "\"$1\": *[0-9]*" | grep -o '[0-9]*$'; }
  chaos_fault "S3 requests: $(stat_of requests), faults: $(stat_of fault_503) x 503, $(stat_of fault_reset) resets, $(stat_of fault_short) short bodies"
  chaos_fault "task retries: $(chaos_sum retries)"
  [ "$(stat_of fault_503)" -gt 0 ] || fail "the proxy injected no 503"
  [ $(( $(stat_of fault_reset) + $(stat_of fault_short) )) -gt 0 ] || fail "the proxy cut no connection"
  chaos_digest "$base/raw"
  chaos_compare
}
