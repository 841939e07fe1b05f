#!/usr/bin/env bash
# Bounded memory: with a small per-task budget, a worker's peak resident
# memory does not grow with the input. The same job runs on one day of
# data and on four times as much (fresh workers for each, so each peak is
# its own), and each peak stays under a bound that does not depend on the
# input: the budget plus the fixed buffers of a task (decompression, parse,
# zstd contexts, merge buffers) and the process itself.
. "$(dirname "$0")/lib.sh"
DATE=2026-11-24
BUDGET_MB=4
LIMIT_MB=${NS_MEMORY_LIMIT_MB:-96}
# Under AddressSanitizer, freed memory is held in a quarantine that would
# count as peak; without it the sanitizer build measures what the code uses.
if [ "$(ldd "$NS_BIN" | grep -c libasan || true)" -gt 0 ]; then
  export ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=0:thread_local_quarantine_size_kb=0"
fi
sed -e "s/^memory:.*/memory: ${BUDGET_MB}MB/" -e 's/^\(\s*split_size:\).*/\1 32MB/' \
  "$NS_SRC/jobs/retail_pos.yaml" > "$T/job.yaml"
"$NS_BIN" gen --sources pos,master --stores 60 --days 1 --start $DATE --seed 8 --out "file://$T/small" >/dev/null
"$NS_BIN" gen --sources pos,master --stores 60 --days 1 --start $DATE --seed 8 --scale 4 --out "file://$T/big" >/dev/null
start_coordinator

peak_kb() { # highest VmHWM of the running workers
  local m=0 v
  for p in "${WORKER_PIDS[@]}"; do
    v=$(awk '/^VmHWM/ {print $2}' /proc/$p/status 2>/dev/null || echo 0)
    [ "${v:-0}" -gt $m ] && m=$v
  done
  echo $m
}

run() { # run NAME -> peak kB of its workers
  WORKER_PIDS=()
  start_worker; start_worker
  wait_workers 2
  "$NS_BIN" submit "$T/job.yaml" --date $DATE --var raw="file://$T/$1" --var out="file://$T/out-$1" \
    --wait --json --quiet > "$T/$1.json" || fail "job on $1 failed"
  peak_kb > "$T/$1.peak"
  for p in "${WORKER_PIDS[@]}"; do kill "$p"; done
  wait "${WORKER_PIDS[@]}" 2>/dev/null || true
  sleep 2.5 # the coordinator forgets them
}
run small
run big
small_in=$(json_get bytes_total < "$T/small.json"); big_in=$(json_get bytes_total < "$T/big.json")
small_rows=$(json_get rows_in < "$T/small.json"); big_rows=$(json_get rows_in < "$T/big.json")
small_peak=$(cat "$T/small.peak"); big_peak=$(cat "$T/big.peak")
echo "small: $small_rows rows, $small_in bytes stored, peak ${small_peak} kB"
echo "big:   $big_rows rows, $big_in bytes stored, peak ${big_peak} kB"
[ "$big_rows" -gt $((3 * small_rows)) ] || fail "the big input is not much bigger"
[ "$small_peak" -gt 0 ] && [ "$big_peak" -gt 0 ] || fail "no peak measured"
[ "$big_peak" -lt $((LIMIT_MB * 1024)) ] || fail "peak ${big_peak} kB passes ${LIMIT_MB} MB with a ${BUDGET_MB} MB budget"
# four times the input may not cost more than a few MB more
[ "$big_peak" -lt $((small_peak + 16 * 1024)) ] || fail "peak grew with the input: $small_peak -> $big_peak kB"
echo PASS
