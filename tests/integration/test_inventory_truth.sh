#!/usr/bin/env bash
# The inventory jobs against the generator's truth file: inventory_edi852
# (EDI 852 QA) and inventory_portal (portal OH Qty), restating jobs run once
# as of the last day of a 3-day run (6 stores, seed 4, the default bad and
# duplicate rates: re-sent and late interchanges and exports, damaged sets,
# bad rows). Their load files (docs/WAREHOUSE.md "Inventory") are summed per
# (channel, as_of_date), and rows and on_hand must equal _gen/truth.json
# totals.inventory exactly (docs/GENERATOR.md "The truth file"). A second
# world (12 stores, seed 7, 1% bad rows: unknown UPCs and stores in the
# interchanges, rejects in both jobs) has a bad row in the latest export
# of a week whose store and UPC an earlier export has valid: the latest
# export wins whole there too (the latest_delivery plugin; test_sales_truth
# checks that the world has such a row). A difference
# prints the groups that differ.
. "$(dirname "$0")/lib.sh"
FIRST=2026-11-24
LAST=2026-11-26
"$NS_BIN" gen --stores 6 --days 3 --start $FIRST --seed 4 --sources edi852,portal,master \
  --out "file://$T/raw" >/dev/null
"$NS_BIN" gen --stores 12 --days 3 --start $FIRST --seed 7 --bad-rate 0.01 --sources edi852,portal,master \
  --out "file://$T/raw7" >/dev/null
start_coordinator
start_worker
start_worker
wait_workers 2

# run JOB RAW NAME: submits as of the last day and waits; the manifest path goes to $T/NAME.manifests
run() {
  "$NS_BIN" submit "$NS_SRC/jobs/$1.yaml" --date $LAST --var raw="file://$2" --var out="file://$T/out" \
    --wait --json --quiet > "$T/$3.json" || fail "$1 on $2 failed: $(head -c 600 "$T/$3.json")"
  uri_path "$(json_get manifest < "$T/$3.json")" > "$T/$3.manifests"
  echo "$1 $(basename "$2"): rows_in $(json_get rows_in < "$T/$3.json") rows_out $(json_get rows_out < "$T/$3.json") rejects $(json_get rejects < "$T/$3.json")"
}

# compare TRUTH CHANNEL MANIFEST_LIST: sums the load files' rows per
# as_of_date and compares rows and on_hand with the truth's entries of that
# channel
cat > "$T/compare.py" <<'EOF'
import json, sys
truth, channel = sys.argv[1:3]
COLS = ['as_of_date', 'store_key', 'sku', 'on_hand', 'channel', 'source_date']
got, keys = {}, set()
for line in sys.stdin:
    f = line.rstrip('\n').split('|')
    if len(f) != len(COLS):
        raise SystemExit('%d columns, not %d: %s' % (len(f), len(COLS), line))
    r = dict(zip(COLS, f))
    if r['channel'] != channel:
        raise SystemExit('channel %s: %s' % (r['channel'], line))
    k = (r['as_of_date'], r['store_key'], r['sku'])
    if k in keys:
        raise SystemExit('(as_of_date, store_key, sku) %s twice' % (k,))
    keys.add(k)
    g = got.setdefault(r['as_of_date'], [0, 0])
    g[0] += 1
    g[1] += int(r['on_hand'])
want = {t['day']: [t['rows'], t['on_hand']]
        for t in json.load(open(truth))['totals']['inventory'] if t['channel'] == channel}
bad = [k for k in sorted(set(got) | set(want)) if got.get(k) != want.get(k)]
for k in bad:
    print('DIFF %-10s %s  job [rows, on_hand] %s  truth %s' % (channel, k, got.get(k), want.get(k)))
print('%s: %d load rows, %d truth days, %d differ' % (channel, len(keys), len(want), len(bad)))
sys.exit(1 if bad or not want else 0)
EOF
compare() {
  while read -r m; do manifest_content "$m"; done < "$3" | python3 "$T/compare.py" "$1" "$2"
}

note "inventory_edi852 and inventory_portal as of the last day"
run inventory_edi852 "$T/raw" edi
run inventory_portal "$T/raw" portal
run inventory_edi852 "$T/raw7" edi7
run inventory_portal "$T/raw7" portal7
grep -q '"rejects":0[,}]' "$T/edi7.json" && fail "inventory_edi852: no rejects in the seed-7 world"
grep -q '"rejects":0[,}]' "$T/portal7.json" && fail "inventory_portal: no rejects in the seed-7 world"

note "load files against the truth"
compare "$T/raw/_gen/truth.json" department "$T/edi.manifests" || fail "department inventory differs from the truth"
compare "$T/raw/_gen/truth.json" discount "$T/portal.manifests" || fail "discount inventory differs from the truth"
compare "$T/raw7/_gen/truth.json" department "$T/edi7.manifests" ||
  fail "department inventory (seed 7) differs from the truth"
compare "$T/raw7/_gen/truth.json" discount "$T/portal7.manifests" ||
  fail "discount inventory (seed 7) differs from the truth"
echo "PASS"
