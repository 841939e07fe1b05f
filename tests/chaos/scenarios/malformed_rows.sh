# malformed_rows: about 1% malformed rows: every reject listed; past the error budget the job fails, nothing loaded
# The same day generated with about 1% of its records malformed (gen
# --bad-rate MALFORMED_RATE, 0.008: retail_pos and clickstream allow 1% of
# their records, and at exactly 1% clickstream's count falls on either side
# of that by chance; damaged files at the fault-free day's rate) runs and
# loads:
#   - every job succeeds (the day is within every job's error budget);
#   - every reject is listed: the reject files hold exactly as many lines as
#     the job counts rejects, each line names an object of the day, an
#     offset and a reason, and its raw record is the object's bytes at that
#     offset; retail_pos rejects exactly the malformed POS lines the
#     generator planted, every other job at least the bad records planted in
#     its source;
#   - nothing valid is lost: each table holds exactly the rows its jobs wrote.
# Then a POS day with 5% malformed lines, past retail_pos's budget (1%):
# `submit --wait --load` fails with "error budget exceeded", the run's prefix
# holds only job.json (no manifest, no load file), loading its manifest
# fails, and the warehouse (holding the 1% day) is unchanged.
scenario_malformed_rows() {
  chaos_scenario_env malformed_rows
  local raw=file://$T/raw-bad
  chaos_gen "$raw" --stores "$CHAOS_STORES" --seed 7 --bad-rate "$MALFORMED_RATE" --file-bad-rate 0.02
  chaos_db
  chaos_cluster_up 3
  chaos_submit "$raw" "file://$T/out"
  chaos_wait
  chaos_load
  chaos_digest_jobs "$raw" >"$T/jobs.digest"
  local total
  total=$(chaos_sum rejects)
  chaos_fault "rejects: $total of $(chaos_sum rows_in) rows"
  # every reject line, checked against the object it names
  $CHAOS_PY rejects "$raw" "$T"/digest/*.rejects >"$T/rejects.check" 2>&1 || fail "reject lines: $(head -5 "$T/rejects.check")"
  cat "$T/rejects.check"
  [ "$total" -ge 1 ] || fail "a day with 1% malformed records had no rejects"
  # at least the planted bad records of each source (exactly, for POS)
  local truth=${raw#file://}/_gen/truth.json src job planted got
  for src in pos:retail_pos orders:online_orders clickstream:clickstream edi852:wholesale_edi852 \
             ads-search:ads_search ads-social:ads_social; do
    job=${src#*:}
    planted=$($CHAOS_PYTHON -c 'import json,sys; print(json.load(open(sys.argv[1]))["stats"][sys.argv[2]]["bad_records"])' "$truth" "${src%%:*}")
    got=$(json_get rejects <"$T/jobs/$job.json")
    if [ "$job" = retail_pos ]; then
      [ "$got" = "$planted" ] || fail "retail_pos rejects $got lines, the generator planted $planted malformed POS lines"
    else
      [ "$got" -ge "$planted" ] || fail "$job rejects $got records, the generator planted $planted bad ones in ${src%%:*}"
    fi
  done
  # nothing valid lost: per table, the rows its jobs wrote
  local t want
  chaos_digest_warehouse >"$T/warehouse.digest"
  for t in $(sed -n 's/^  table: *\([a-z_]*\).*/\1/p' "$CHAOS_JOBDIR"/*.yaml | sort -u); do
    want=0
    for job in "${CHAOS_JOBS[@]}"; do
      grep -q "^  table: *$t\b" "$CHAOS_JOBDIR/$job.yaml" && want=$(( want + $(json_get rows_out <"$T/jobs/$job.json") ))
    done
    grep -q "^$t rows=$want " "$T/warehouse.digest" || fail "table $t: $(grep "^$t " "$T/warehouse.digest"), its jobs wrote $want rows"
  done

  note "over the error budget: a POS day with 5% malformed lines"
  local over=file://$T/raw-over before st rc prefix
  "$NS_BIN" gen --sources pos,master --stores "$CHAOS_STORES" --days 1 --start $CHAOS_DATE --seed 7 \
    --bad-rate 0.05 --out "$over" >/dev/null || fail "gen of the 5% day failed"
  before=$(chaos_warehouse_state)
  set +e
  "$NS_BIN" submit "$CHAOS_JOBDIR/retail_pos.yaml" --date $CHAOS_DATE --var raw="$over" --var out="file://$T/out-over" \
    --wait --load --json --quiet >"$T/over.json" 2>"$T/over.err"
  rc=$?
  set -e
  st=$(json_get state <"$T/over.json")
  [ $rc = 1 ] && [ "$st" = failed ] || fail "over the budget: exit $rc, state '$st': $(cat "$T/over.json" "$T/over.err")"
  grep -q '"reason":"[^"]*error budget exceeded: [0-9]* rejects' "$T/over.json" ||
    fail "over the budget: the reason does not say so: $(json_get reason <"$T/over.json")"
  prefix=$(json_get prefix <"$T/over.json")
  [ "$("$NS_BIN" store ls "$prefix" | awk '{print $3}')" = "${prefix}job.json" ] ||
    fail "the failed run left more than job.json: $("$NS_BIN" store ls "$prefix" | head -5)"
  if "$NS_BIN" load "${prefix}manifest" >"$T/over-load.out" 2>&1; then fail "the failed run's manifest loaded"; fi
  [ "$(chaos_warehouse_state)" = "$before" ] || fail "the failed run changed the warehouse"
  chaos_fault "over budget: $(json_get reason <"$T/over.json" | grep -o 'error budget exceeded: [0-9]* rejects[^;]*' | head -1) -> job failed, nothing loaded"
}
