#!/usr/bin/env bash
# The sales jobs of the four channels against the generator's truth file:
# every source of a 3-day run (6 stores, seed 4, the default bad rates) is
# generated; retail_pos runs once per delivery day (--date), the restating
# jobs wholesale_edi852, wholesale_portal and online_orders once, as of the
# last day (they read every delivery folder under their prefix); their load
# files are summed per (channel, business_date, currency) and units,
# net_local cents, net_usd cents and lines must equal _gen/truth.json
# totals.sales exactly (docs/GENERATOR.md "The truth file"). A difference
# prints the groups that differ.
#
# The default --file-bad-rate plants truncated copies of complete order
# files: online_orders keeps the versions before the damage (the latest
# version per order wins, so the copies add nothing) and makes each damage
# one reject, "truncated gzip stream at compressed byte N"; the online
# channel is compared on that same default data.
. "$(dirname "$0")/lib.sh"
FIRST=2026-11-24
DAYS=(2026-11-24 2026-11-25 2026-11-26)
LAST=${DAYS[-1]}
"$NS_BIN" gen --stores 6 --days 3 --start $FIRST --seed 4 --out "file://$T/raw" >/dev/null
start_coordinator
start_worker
start_worker
wait_workers 2

# run JOB DATE RAW NAME LIST: submits and waits; the manifest path goes to $T/LIST.manifests
run() {
  "$NS_BIN" submit "$NS_SRC/jobs/$1.yaml" --date "$2" --var raw="file://$3" --var out="file://$T/out" \
    --wait --json --quiet > "$T/$4.json" || fail "$1 --date $2 failed: $(head -c 600 "$T/$4.json")"
  uri_path "$(json_get manifest < "$T/$4.json")" >> "$T/$5.manifests"
  echo "$1 $2: rows_in $(json_get rows_in < "$T/$4.json") rows_out $(json_get rows_out < "$T/$4.json") rejects $(json_get rejects < "$T/$4.json")"
}

note "retail_pos per day, the wholesale jobs as of the last day"
for d in "${DAYS[@]}"; do run retail_pos "$d" "$T/raw" "pos-$d" main; done
run wholesale_edi852 $LAST "$T/raw" edi main
run wholesale_portal $LAST "$T/raw" portal main

note "online_orders on the default data: each truncated order file is one damage reject"
run online_orders $LAST "$T/raw" online online
python3 - "$T/raw/online" "$(uri_path "$(json_get prefix < "$T/online.json")")/rejects" <<'EOF' ||
import glob, gzip, os, re, sys, zlib
damaged = set()
for p in glob.glob(os.path.join(sys.argv[1], '**', '*.gz'), recursive=True):
    try:
        gzip.open(p).read()
    except (EOFError, OSError, zlib.error):
        damaged.add(p)
hits = {}
for f in glob.glob(os.path.join(sys.argv[2], '*.txt')):
    for m in re.finditer(r'^file://([^|]*)\|\d+\|truncated gzip stream at compressed byte (\d+)\|$',
                         open(f, encoding='utf-8', errors='replace').read(), re.M):
        hits[m.group(1)] = hits.get(m.group(1), 0) + 1
        if int(m.group(2)) != os.path.getsize(m.group(1)):
            sys.exit('%s: damage at %s, the object has %d bytes' % (m.group(1), m.group(2), os.path.getsize(m.group(1))))
print('%d truncated order files, damage rejects %s' % (len(damaged), sorted(hits.values())))
sys.exit(0 if damaged and set(hits) == damaged and set(hits.values()) == {1} else 1)
EOF
  fail "online_orders: the truncated order files are not one damage reject each"

# compare TRUTH CHANNELS MANIFEST_LIST: sums the load files (columns of
# docs/WAREHOUSE.md "Sales") and compares them with the truth's groups of
# those channels
compare() {
  python3 - "$@" <<'EOF'
import json, re, subprocess, sys
truth, channels, lists = sys.argv[1], sys.argv[2].split(','), sys.argv[3]
COLS = ['business_date', 'store_key', 'sku', 'txn_type', 'promo_id', 'currency', 'units',
        'net_local', 'net_usd', 'discount_usd', 'lines', 'channel', 'source_date']
def cents(s):
    m = re.fullmatch(r'(-?)(\d+)\.(\d\d)', s)
    if not m:
        raise SystemExit('not a DECIMAL(14,2): %r' % s)
    v = int(m.group(2)) * 100 + int(m.group(3))
    return -v if m.group(1) else v
got, rows = {}, 0
for mf in open(lists).read().split():
    for url in re.findall(r'"url":"file://([^"]*)"', open(mf).read()):
        out = subprocess.run(['zstd', '-dcq', url], capture_output=True, check=True).stdout
        for line in out.decode().splitlines():
            f = line.split('|')
            if len(f) != len(COLS):
                raise SystemExit('%s: %d columns, not %d: %s' % (url, len(f), len(COLS), line))
            r = dict(zip(COLS, f))
            if r['channel'] not in channels:
                raise SystemExit('%s: channel %s' % (url, r['channel']))
            g = got.setdefault((r['channel'], r['business_date'], r['currency']), [0, 0, 0, 0])
            g[0] += int(r['units']); g[1] += cents(r['net_local'])
            g[2] += cents(r['net_usd']); g[3] += int(r['lines'])
            rows += 1
want = {(t['channel'], t['day'], t['currency']): [t['units'], t['net_cents'], t['usd_cents'], t['records']]
        for t in json.load(open(truth))['totals']['sales'] if t['channel'] in channels}
bad = [k for k in sorted(set(got) | set(want)) if got.get(k) != want.get(k)]
for k in bad:
    print('DIFF %-10s %s %s  job [units, net, usd, lines] %s  truth %s' % (k + (got.get(k), want.get(k))))
print('%s: %d load rows, %d truth groups, %d differ' % (','.join(channels), rows, len(want), len(bad)))
sys.exit(1 if bad or not want else 0)
EOF
}

note "load files against the truth: retail, department, discount"
compare "$T/raw/_gen/truth.json" retail,department,discount "$T/main.manifests" ||
  fail "sales differ from the truth"

# Portal restatements, the whole export wins (docs/WAREHOUSE.md "Sales"):
# in this world (12 stores, seed 7, 1% bad rows) the latest export of a
# partner's week has a bad row whose store and UPC an earlier export of the
# week has as a valid row. The truth counts only the latest export, so the
# earlier row must not survive (a row-by-row dedupe kept it: one row, 2
# units, too many).
note "discount: a bad row in the latest export does not bring back the earlier export's row"
"$NS_BIN" gen --stores 12 --days 3 --start $FIRST --seed 7 --bad-rate 0.01 --sources portal,master \
  --out "file://$T/raw7" >/dev/null
python3 - "$T/raw7" <<'EOF' || fail "no row of an earlier export is missing from (bad in) the latest"
import glob, os, re, sys
# export file name (partner, week) -> [(dt, {(store, upc) of its valid-looking rows})]
exports = {}
for path in glob.glob(os.path.join(sys.argv[1], 'wholesale/portal/dt=*/*.txt')):
    dt = re.search(r'dt=([0-9-]+)/', path).group(1)
    keys = set()
    for r in open(path, 'rb').read().decode('utf-16').splitlines()[3:]:
        f = r.split('\t')
        if len(f) == 10 and re.fullmatch(r'-?\d+', f[7]) and re.fullmatch(r'"-?\$[\d,]+\.\d\d"', f[8]):
            keys.add((f[0], f[4]))
    exports.setdefault(os.path.basename(path), []).append((dt, keys))
stale = 0
for ex in exports.values():
    ex.sort(key=lambda e: e[0])
    stale += len(set().union(*(k for _, k in ex[:-1])) - ex[-1][1])
print('rows of earlier exports that the latest export of their week lacks: %d' % stale)
sys.exit(0 if stale else 1)
EOF
run wholesale_portal $LAST "$T/raw7" portal7 portal7
compare "$T/raw7/_gen/truth.json" discount "$T/portal7.manifests" ||
  fail "discount sales (seed 7) differ from the truth"
note "load files against the truth: online"
compare "$T/raw/_gen/truth.json" online "$T/online.manifests" || fail "online sales differ from the truth"
echo "PASS"
