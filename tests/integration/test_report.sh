#!/usr/bin/env bash
# `nightshift report` end to end (docs/REPORT.md): three generated days (8
# stores) through every job (retail_pos per day, the others as of the last), `nightshift warehouse init` and `nightshift
# load` into a real PostgreSQL, then `nightshift report --out DIR`:
#   - index.html has 7 sections, each with an svg chart holding data marks
#     and a table; q1.csv .. q7.csv exist;
#   - every CSV equals the same embedded query run directly by psql --csv;
#   - headless Chromium (Debian's chromium) renders the page: in its dumped
#     DOM every chart's svg has its marks; its screenshot is kept as a test
#     artifact in the build dir's tests/artifacts/report.png (NS_ARTIFACTS
#     overrides the folder).
. "$(dirname "$0")/lib.sh"
require_pg
command -v chromium >/dev/null || fail "needs chromium (Debian package chromium; deploy/install-deps installs it)"
D=2026-11-26
DAYS=(2026-11-24 2026-11-25 2026-11-26)
RAW=file://$T/raw
OUT=file://$T/out
"$NS_BIN" gen --stores 8 --days 3 --start ${DAYS[0]} --seed 2 --file-bad-rate 0 --out "$RAW" >/dev/null || fail "gen failed"
start_coordinator
start_worker
start_worker
wait_workers 2
"$NS_BIN" warehouse init >/dev/null || fail "warehouse init failed"

note "every job of jobs/, each run loaded"
runload() { # runload JOB DATE
  local job=$1 d=$2
  "$NS_BIN" submit "$NS_SRC/jobs/$job.yaml" --date "$d" --var raw="$RAW" --var out="$OUT" --wait --json --quiet \
    > "$T/$job.json" || fail "$job $d failed: $(head -c 600 "$T/$job.json")"
  "$NS_BIN" load "$(json_get manifest < "$T/$job.json")" > "$T/$job.load" 2>&1 ||
    fail "load of $job $d failed: $(cat "$T/$job.load")"
}
for d in "${DAYS[@]}"; do runload retail_pos "$d"; runload ads_search "$d"; done
for job in master_stores master_products master_promotions master_fx weather_stations weather unemployment \
           wholesale_edi852 wholesale_portal online_orders clickstream ads_social; do
  runload $job $D
done

note "report"
"$NS_BIN" report --out "$T/report" > "$T/report.log" 2>&1 || fail "report failed: $(cat "$T/report.log")"
H=$T/report/index.html
[ "$(grep -c '<section id="q' "$H")" = 7 ] || fail "expected 7 sections"
[ "$(grep -c '<svg ' "$H")" = 7 ] || fail "expected 7 svg charts"
[ "$(grep -c '<table class="numbers">' "$H")" = 7 ] || fail "expected 7 tables"
# marks per section, in the file as written
python3 - "$H" <<'PY' || fail "a chart has no data marks"
import re, sys
html = open(sys.argv[1], encoding='utf-8').read()
for sec in re.findall(r'<section id="(q\d)">(.*?)</section>', html, re.S):
    svg = re.search(r'<svg .*?</svg>', sec[1], re.S)
    n = len(re.findall(r'class="mark"', svg.group(0))) if svg else 0
    print('%s: %d marks' % (sec[0], n))
    if n == 0:
        sys.exit(1)
PY

note "every CSV equals the query run by psql"
for f in $(cd "$NS_SRC/warehouse/queries" && ls q*.sql); do
  q=${f%%_*}
  [ -f "$T/report/$q.csv" ] || fail "$q.csv missing"
  psql "$NIGHTSHIFT_WAREHOUSE" -X -q --csv -v ON_ERROR_STOP=1 -f "$NS_SRC/warehouse/queries/$f" > "$T/$q.want" ||
    fail "psql $f failed"
  tr -d '\r' < "$T/report/$q.csv" > "$T/$q.got"
  diff "$T/$q.want" "$T/$q.got" > "$T/$q.diff" || fail "$q.csv differs from psql: $(head -20 "$T/$q.diff")"
  [ "$(wc -l < "$T/$q.got")" -ge 2 ] || fail "$q.csv has no rows"
done
# the report's numbers are the data's: q1's retail column sums to the table's net_usd
got=$(python3 -c "import csv,sys; print('%.2f' % sum(float(r['retail_usd']) for r in csv.DictReader(open(sys.argv[1]))))" "$T/q1.got")
want=$("${PSQL[@]}" -c "SELECT sum(net_usd) FROM sales_retail")
[ "$got" = "$want" ] || fail "q1 retail_usd sums to $got, sales_retail holds $want"

note "headless Chromium"
ART=${NS_ARTIFACTS:-$PWD/tests/artifacts}
mkdir -p "$ART"
CHROME=(chromium --headless --no-sandbox --disable-gpu --user-data-dir="$T/chrome" --window-size=1200,4000)
"${CHROME[@]}" --dump-dom "file://$H" > "$T/dom.html" 2> "$T/logs/chromium-dom.log" ||
  fail "chromium --dump-dom failed: $(tail -5 "$T/logs/chromium-dom.log")"
"${CHROME[@]}" --screenshot="$T/report.png" "file://$H" > /dev/null 2> "$T/logs/chromium-shot.log" ||
  fail "chromium --screenshot failed: $(tail -5 "$T/logs/chromium-shot.log")"
python3 - "$T/dom.html" <<'PY' || fail "the rendered DOM lacks charts or marks"
import sys
from html.parser import HTMLParser
class P(HTMLParser):
    def __init__(self):
        super().__init__(); self.svgs = []; self.depth = 0
    def handle_starttag(self, tag, a):
        if tag == 'svg':
            self.svgs.append(0); self.depth += 1
        elif self.depth and dict(a).get('class') == 'mark' and tag in ('rect', 'circle'):
            self.svgs[-1] += 1
    def handle_endtag(self, tag):
        if tag == 'svg':
            self.depth -= 1
p = P(); p.feed(open(sys.argv[1], encoding='utf-8').read())
print('rendered svg marks:', p.svgs)
sys.exit(0 if len(p.svgs) == 7 and all(p.svgs) else 1)
PY
[ -s "$T/report.png" ] && head -c 8 "$T/report.png" | grep -q PNG || fail "no screenshot"
cp "$T/report.png" "$ART/report.png"
echo "screenshot: $ART/report.png"
echo "PASS"
