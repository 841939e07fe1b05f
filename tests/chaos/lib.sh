# Shared helpers of the chaos suite (tests/chaos/run), sourced after
# tests/integration/lib.sh, whose cluster helpers (start_coordinator,
# start_worker, wait_workers, fail, json_get, require_pg, require_s3,
# start_fault_proxy, cleanup) every scenario uses. A scenario runs in a
# subshell of its own: chaos_scenario_env gives it a fresh $T, home, port,
# coordinator journal and (chaos_db) database, and lib.sh's cleanup stops
# its processes when the subshell exits.

# Debian's own python3 when there is one: it starts in a tenth of the time a
# pyenv shim takes, and the suite runs it often
CHAOS_PYTHON=python3
[ -x /usr/bin/python3 ] && CHAOS_PYTHON=/usr/bin/python3
CHAOS_PY="$CHAOS_PYTHON $NS_SRC/tests/chaos/chaos.py"
CHAOS_DATE=2026-11-24
# The jobs of the day, in load order (as deploy/quickstart: master data
# first). They depend on each other only through the raw master files their
# lookups read, so they are submitted together and run at the same time.
CHAOS_JOBS=(master_fx master_products master_promotions master_stores
            retail_pos online_orders clickstream wholesale_edi852 ads_search ads_social)
CHAOS_SOURCES=pos,orders,clickstream,edi852,ads,master
# no job of a healthy run takes this long here; only a hang gets there
CHAOS_HANG_S=${CHAOS_HANG_S:-900}

note() { echo "== [$(date +%H:%M:%S)] $*"; }

# ---- services ---------------------------------------------------------------
# deploy/services.sh: ns_start_pg, ns_start_s3, ns_stop_services (as deploy/test)
. "$NS_SRC/deploy/services.sh"

# ---- the day ------------------------------------------------------------------
# chaos_gen URI [gen options]: the generated multi-source day
chaos_gen() {
  local out=$1
  shift
  "$NS_BIN" gen --sources "$CHAOS_SOURCES" --days 1 --start $CHAOS_DATE --out "$out" "$@" >"$SUITE_T/gen-$(basename "$out").txt" ||
    { cat "$SUITE_T/gen-$(basename "$out").txt" >&2; return 1; }
}

# chaos_tune_jobs DIR SPLIT: the day's job files with a small split_size (many
# map tasks, so that faults land in the middle of real work); every run of
# the suite, the fault-free one included, uses these same files.
chaos_tune_jobs() {
  local dir=$1 split=$2 j f
  mkdir -p "$dir"
  for j in "${CHAOS_JOBS[@]}"; do
    f=$dir/$j.yaml
    if grep -q '^  split_size:' "$NS_SRC/jobs/$j.yaml"; then
      sed "s/^\(  split_size:\).*/\1 $split/" "$NS_SRC/jobs/$j.yaml" >"$f"
    else
      sed "s/^input:\$/input:\n  split_size: $split/" "$NS_SRC/jobs/$j.yaml" >"$f"
    fi
    grep -q "^  split_size: $split\$" "$f" || { echo "chaos: cannot set split_size in $f" >&2; return 1; }
  done
}

# ---- a scenario's own cluster -------------------------------------------------
# chaos_scenario_env NAME: in the scenario's subshell, a fresh $T (the
# directory lib.sh's cleanup removes when the scenario passes), home, port
# and an EXIT trap that stops what the scenario started.
chaos_scenario_env() {
  CHAOS_NAME=$1
  T=$SUITE_T/$SUITE_ID-$1
  rm -rf "$T"
  mkdir -p "$T/logs"
  export NIGHTSHIFT_HOME=$T/home
  mkdir -p "$NIGHTSHIFT_HOME"
  # the keys lib.sh made for the suite (CurveZMQ, docs/SECURITY.md), unless
  # NIGHTSHIFT_KEYS points every process at them anyway
  if [ -z "${NIGHTSHIFT_KEYS:-}" ] && [ -d "$SUITE_T/home/keys" ]; then
    cp -a "$SUITE_T/home/keys" "$NIGHTSHIFT_HOME/keys"
  fi
  PORT=$(free_port)
  export NIGHTSHIFT_COORDINATOR=tcp://127.0.0.1:$PORT
  COORD_PID=
  WORKER_PIDS=()
  PG_TEST_DB=
  PG_OWN_DIR=
  trap 'cleanup' EXIT
}

# chaos_fault TEXT: adds TEXT to the scenario's "faults injected" column
chaos_fault() {
  if [ -s "$SUITE_T/results/$CHAOS_NAME.faults" ]; then
    printf ', %s' "$*" >>"$SUITE_T/results/$CHAOS_NAME.faults"
  else
    printf '%s' "$*" >"$SUITE_T/results/$CHAOS_NAME.faults"
  fi
  note "fault: $*"
}

# chaos_cluster_up N [worker args]: a coordinator and N workers
chaos_cluster_up() {
  local n=$1 i
  shift
  start_coordinator
  for i in $(seq "$n"); do start_worker "$@"; done
  wait_workers "$n"
}

# chaos_db: a fresh database with the warehouse schema (NIGHTSHIFT_WAREHOUSE)
chaos_db() {
  require_pg
  "$NS_BIN" warehouse init >"$T/warehouse-init.txt" 2>&1 || fail "warehouse init: $(cat "$T/warehouse-init.txt")"
}

# chaos_submit RAW OUT [JOBDIR]: submits the day's jobs (ids in $T/ids, "NAME ID")
chaos_submit() {
  local raw=$1 out=$2 dir=${3:-$CHAOS_JOBDIR} j id
  : >"$T/ids"
  for j in "${CHAOS_JOBS[@]}"; do
    id=$("$NS_BIN" submit "$dir/$j.yaml" --date $CHAOS_DATE --var raw="$raw" --var out="$out" --quiet) ||
      fail "submit $j refused: $id"
    echo "$j $id" >>"$T/ids"
  done
}

# chaos_jobs: NAME ID STATE MAPS_DONE MAPS_TOTAL REDUCES_DONE REDUCES_TOTAL per
# job of $T/ids (nothing when the coordinator does not answer). awk, not
# python: the fault loops call it often, and must see the state while it lasts
chaos_jobs() {
  local l
  l=$("$NS_BIN" list --json 2>/dev/null) || return 0
  echo "$l" | sed 's/},{/}\n{/g' | awk -v ids="$T/ids" '
    function get(k,   i, v) {
      i = index($0, "\"" k "\":")
      if (!i) return ""
      v = substr($0, i + length(k) + 3)
      if (substr(v, 1, 1) == "\"") { v = substr(v, 2); return substr(v, 1, index(v, "\"") - 1) }
      match(v, /^[-0-9.]*/)
      return substr(v, 1, RLENGTH)
    }
    BEGIN { while ((getline line < ids) > 0) { split(line, a, " "); name[a[2]] = a[1]; order[++n] = a[2] } }
    /"maps_total":/ { id = get("id"); if (id in name) st[id] = get("state") " " get("maps_done") " " get("maps_total") " " get("reduces_done") " " get("reduces_total") }
    END { for (i = 1; i <= n; i++) print name[order[i]], order[i], (order[i] in st ? st[order[i]] : "unknown 0 0 0 0") }'
}

# chaos_all_done: every job of $T/ids has ended (succeeded, failed, cancelled)
chaos_all_done() {
  local s
  s=$(chaos_jobs)
  [ -n "$s" ] || return 1
  ! echo "$s" | awk '{print $3}' | grep -qv -e succeeded -e failed -e cancelled
}

# chaos_wait [EXPECT]: waits for every job of $T/ids; their final status in
# $T/jobs/NAME.json; fails unless each ended in EXPECT (default succeeded)
chaos_wait() {
  local want=${1:-succeeded} name id st
  mkdir -p "$T/jobs"
  while read -r name id; do
    "$NS_BIN" wait "$id" --json --quiet --timeout "$CHAOS_HANG_S" >"$T/jobs/$name.json" 2>"$T/jobs/$name.err" || true
    st=$(json_get state <"$T/jobs/$name.json")
    [ "$st" = "$want" ] || fail "job $name ($id) ended '${st:-no answer}', not $want: $(json_get reason <"$T/jobs/$name.json") $(cat "$T/jobs/$name.err")"
  done <"$T/ids"
  note "every job $want"
}

# chaos_sum KEY: the sum of KEY over the jobs' final status
chaos_sum() {
  cat "$T"/jobs/*.json | { grep -o "\"$1\":[0-9]*" || true; } | awk -F: '{ s += $2 } END { print s + 0 }'
}

# chaos_manifest NAME: the manifest URI of job NAME
chaos_manifest() { json_get manifest <"$T/jobs/$1.json"; }

# chaos_load: loads the day's manifests, in order, each exactly once
chaos_load() {
  local j m
  for j in "${CHAOS_JOBS[@]}"; do
    m=$(chaos_manifest "$j")
    "$NS_BIN" load "$m" --json >"$T/load-$j.json" 2>"$T/load-$j.err" ||
      fail "load of $j failed: $(cat "$T/load-$j.err")"
    grep -q '"skipped":false' "$T/load-$j.json" || fail "load of $j was skipped: $(cat "$T/load-$j.json")"
  done
  note "the day is loaded"
}

# chaos_digest_jobs RAW > FILE: per job of the day, what its committed run
# left: counters, its load files (count, and an MD5 of each decompressed
# file, in manifest order), its reject lines (sorted, RAW replaced by {raw},
# so that runs over file:// and s3:// compare); fails on stray objects under
# a run's prefix or reject files that do not hold `rejects` lines (chaos.py
# digest).
chaos_digest_jobs() {
  mkdir -p "$T/digest"
  $CHAOS_PY digest "$1" "$T/jobs" "$T/digest" "${CHAOS_JOBS[@]}" 2>"$T/digest/error" ||
    fail "$(cat "$T/digest/error")"
}

# chaos_digest_warehouse > FILE: per table of the schema (public), its rows,
# the sum of every numeric column and an MD5 of all its rows (sorted, without
# load_part, the one column that names the load); per table the published
# loads and their rows. Fails on loads left staging or stream tables left
# unattached.
chaos_digest_warehouse() {
  chaos_warehouse_state >"$T/warehouse.tables"
  grep -qx 'staging 0' "$T/warehouse.tables" || fail "loads are left in state staging: $(grep '^staging' "$T/warehouse.tables")"
  grep -qx 'unattached 0' "$T/warehouse.tables" || fail "stream tables are left unattached: $(grep '^unattached' "$T/warehouse.tables")"
  grep -v -e '^staging ' -e '^unattached ' "$T/warehouse.tables"
}

# chaos_warehouse_state: the lines of chaos_digest_warehouse, and "staging N"
# (loads in state staging) and "unattached N" (stream tables not attached)
chaos_warehouse_state() {
  # one statement per table, written by the first query and run by \gexec
  "${PSQL[@]}" -F' ' 2>"$T/warehouse.err" <<'SQL' || fail "cannot digest the warehouse: $(cat "$T/warehouse.err")"
SELECT format($f$SELECT %L, 'rows=' || count(*), 'sums=' || concat_ws(',', %s),
                'md5=' || left(md5(coalesce(string_agg(ROW(%s)::text, E'\n' ORDER BY ROW(%s)::text COLLATE "C"), '')), 12)
                FROM public.%I$f$,
              c.relname, coalesce(sums, quote_literal('-')), cols, cols, c.relname)
  FROM pg_class c
  JOIN pg_namespace n ON n.oid = c.relnamespace
  CROSS JOIN LATERAL (
    SELECT string_agg(quote_ident(a.attname), ',' ORDER BY a.attnum) AS cols,
           string_agg(format('coalesce(sum(%I)::text, %L)', a.attname, 'null'), ', ' ORDER BY a.attnum)
             FILTER (WHERE a.atttypid IN ('int2'::regtype, 'int4'::regtype, 'int8'::regtype,
                                          'numeric'::regtype, 'float4'::regtype, 'float8'::regtype)) AS sums
      FROM pg_attribute a
     WHERE a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attname <> 'load_part') x
 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
   AND c.relname NOT LIKE '%\_\_l%'
 ORDER BY c.relname
\gexec
SELECT 'ledger', table_name, 'published=' || count(*), 'rows=' || sum(rows)
  FROM nightshift.loads WHERE state = 'published' GROUP BY table_name ORDER BY table_name;
SELECT 'staging', count(*) FROM nightshift.loads WHERE state = 'staging';
SELECT 'unattached', count(*) FROM pg_class c WHERE c.relname LIKE '%\_\_l%' AND c.relkind = 'r'
   AND NOT EXISTS (SELECT 1 FROM pg_inherits i WHERE i.inhrelid = c.oid);
SQL
}

# chaos_digest RAW: both digests into $T/jobs.digest and $T/warehouse.digest
chaos_digest() {
  chaos_digest_jobs "$1" >"$T/jobs.digest"
  chaos_digest_warehouse >"$T/warehouse.digest"
  note "digested the load files and the warehouse"
}

# chaos_compare: the scenario's digests equal the fault-free run's
chaos_compare() {
  local d ok=1
  for d in jobs warehouse; do
    if ! cmp -s "$SUITE_T/baseline.$d.digest" "$T/$d.digest"; then
      echo "--- $d: fault-free run (<) vs $CHAOS_NAME (>)" >&2
      diff "$SUITE_T/baseline.$d.digest" "$T/$d.digest" >&2 || true
      ok=0
    fi
  done
  if [ $ok = 0 ]; then
    [ -f "$SUITE_T/baseline.files.txt" ] && { diff "$SUITE_T/baseline.files.txt" "$T/digest/files.txt" >&2 || true; }
    fail "the final warehouse or the load files differ from the fault-free run"
  fi
  note "identical to the fault-free run: $(wc -l <"$T/jobs.digest") jobs, $(grep -vc '^ledger' "$T/warehouse.digest") tables"
}
