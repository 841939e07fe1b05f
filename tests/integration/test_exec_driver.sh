#!/usr/bin/env bash
# The exec driver (docs/FLEETS.md, "Drivers"): the autoscaler's decisions
# run a configured command with the pool, kind and desired count; here the
# command is a small scaler script that does what a cloud scaling group or
# `kubectl scale` would: start `nightshift worker` processes of that pool
# and kind up to the count, and stop extra ones.
#   - the command is run with %p %k %n filled in, spot first;
#   - the workers it starts join the pool and run the job to the end;
#   - with no work left the count goes back to the pool's minimum (0) and
#     the scaler stops its workers.
. "$(dirname "$0")/lib.sh"
DATE=2026-11-24
"$NS_BIN" gen --sources pos,master --stores 8 --days 1 --start $DATE --seed 2 --out "file://$T/raw" >/dev/null

SCALER=$T/scaler.sh
cat >"$SCALER" <<EOF
#!/usr/bin/env bash
# scaler.sh POOL KIND COUNT: keeps COUNT workers of POOL/KIND running
set -u
pool=\$1 kind=\$2 want=\$3
echo "\$pool \$kind \$want" >> "$T/scaler.calls"
dir="$T/scaler/\$pool-\$kind"
mkdir -p "\$dir"
have=(\$(ls "\$dir" 2>/dev/null | sort -n))
i=\${#have[@]}
while [ "\$i" -lt "\$want" ]; do
  "$NS_BIN" worker --connect "$NIGHTSHIFT_COORDINATOR" --pool "\$pool" --capacity "\$kind" \
    --price 0.03 --heartbeat-ms 500 --liveness-ms $LIVENESS \
    >>"$T/logs/scaled-\$pool-\$kind-\$i.log" 2>&1 &
  echo \$! > "\$dir/\$i"
  i=\$((i + 1))
done
while [ "\$i" -gt "\$want" ]; do
  i=\$((i - 1))
  kill -TERM "\$(cat "\$dir/\$i")" 2>/dev/null || true
  rm -f "\$dir/\$i"
done
EOF
chmod +x "$SCALER"
stop_scaled() {
  for f in "$T"/scaler/*/*; do [ -f "$f" ] && kill -TERM "$(cat "$f")" 2>/dev/null; done
  true
}
trap 'rc=$?; stop_scaled; cleanup $rc' EXIT

start_coordinator --autoscale --pool default:0:2:0.03:0.10 --cooldown 1 \
  --driver exec --driver-cmd "$SCALER %p %k %n"
out=$("$NS_BIN" submit "$NS_SRC/jobs/retail_pos.yaml" --date $DATE --var raw="file://$T/raw" \
  --var out="file://$T/out" --deadline +2h --wait --json --quiet) || fail "the job failed: $out"
[ "$(echo "$out" | json_get state)" = succeeded ] || fail "not succeeded: $out"
[ -s "$T/scaler.calls" ] || fail "the scaling command never ran"
grep -q "^default spot [12]$" "$T/scaler.calls" || fail "no spot scale-up: $(cat "$T/scaler.calls")"
grep -q "driver: running '$SCALER default spot [12]'" "$T/logs/coordinator.log" ||
  fail "the coordinator did not log the command it ran"
ls "$T"/logs/scaled-default-spot-*.log >/dev/null 2>&1 || fail "the scaler started no worker"
grep -h "worker .* ready: pool default, spot" "$T/logs/coordinator.log" >/dev/null ||
  fail "no scaled worker joined the pool"
note "back to the minimum once the work is done"
# the last spot count asked for, after the scale-up, must be 0 (the driver
# also says 0 once at start, before any work)
back_to_zero() {
  awk '$1 == "default" && $2 == "spot" { if ($3 > 0) up = 1; last = $3 }
       END { exit !(up && last == 0) }' "$T/scaler.calls"
}
for _ in $(seq 300); do
  back_to_zero && break
  sleep 0.1
done
back_to_zero || fail "the pool never went back to 0 after the job: $(tr '\n' ';' <"$T/scaler.calls")"
for _ in $(seq 100); do
  [ -z "$(ls "$T"/scaler/default-spot/ 2>/dev/null)" ] && break
  sleep 0.1
done
[ -z "$(ls "$T"/scaler/default-spot/ 2>/dev/null)" ] || fail "the scaler left workers running"
note "ok: $(tr '\n' ';' <"$T/scaler.calls")"
