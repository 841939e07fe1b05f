#!/usr/bin/env bash
# The per-source jobs of jobs/ other than sales (clickstream, ads_search,
# ads_social, weather_stations + weather, unemployment, master_*) run on a
# generated world (`nightshift gen --stores 6 --days 3 --seed 4`, every
# source, planted bad records, damaged and re-sent files) and their load
# files are compared exactly with the generator's truth (_gen/truth.json,
# docs/GENERATOR.md):
#   - web_sessions per day: sessions, converted sessions, distinct orders;
#     and per (day, landing campaign), on the default data with its damaged
#     (truncated) copies of complete files, whose intact events are kept and
#     deduplicated; rejects of the intact objects = the planted bad events,
#     and every damaged copy has its one damage reject;
#   - ads_daily per (platform, day, campaign): impressions, clicks, cost in
#     cents, conversions, rows;
#   - weather_daily per (day, element): non-NULL values and their sum, in
#     the file's units (tenths columns, and the scaled *_c / prcp_mm columns
#     times ten); every station has its region;
#   - unemployment_monthly: one row per (state, year, period) with the
#     value and footnote of the truth, nothing more;
#   - master jobs: rows = the snapshot's valid rows (all rows of the CSV
#     minus the planted bad ones), and the rows plus rejects of the 12
#     snapshots add up to the truth's master record and bad-record counts.
# Then the bookmarks: a second weather run skips the unchanged year file,
# and a re-published one is read again.
. "$(dirname "$0")/lib.sh"
start_coordinator
start_worker
start_worker
wait_workers 2
JOBS=${NS_TEST_JOBS:-$NS_SRC/jobs} # another jobs dir: to check that a broken rule fails
RAW=$T/raw
DAYS="2026-11-24 2026-11-25 2026-11-26"
LAST=2026-11-26
"$NS_BIN" gen --stores 6 --days 3 --seed 4 --out "file://$RAW" > "$T/gen.txt" 2>&1 || fail "gen: $(cat "$T/gen.txt")"
mkdir -p "$T/got"

# run JOB DATE: runs jobs/JOB.yaml for DATE, appends its rows to got/JOB.psv
# and "DATE REJECTS" to got/JOB.runs; got/JOB@DATE.psv keeps the run's rows
run() {
  local st=$T/st-$1-$2.json
  "$NS_BIN" submit "$JOBS/$1.yaml" --date "$2" --var raw="file://$RAW" --var out="file://$T/out" \
    --wait --json --quiet > "$st" || fail "$1 $2 failed: $(cat "$st")"
  manifest_content "$(uri_path "$(json_get manifest < "$st")")" > "$T/got/$1@$2.psv"
  cat "$T/got/$1@$2.psv" >> "$T/got/$1.psv"
  echo "$2 $(json_get rejects < "$st")" >> "$T/got/$1.runs"
}

note "master jobs, every day"
for d in $DAYS; do
  for j in master_stores master_products master_promotions master_fx; do run $j "$d"; done
done
note "ads_search every day, ads_social once (every report so far)"
for d in $DAYS; do run ads_search "$d"; done
run ads_social $LAST
note "clickstream (every hour folder so far, damaged copies included)"
run clickstream $LAST
cat "$(uri_path "$(json_get prefix < "$T/st-clickstream-$LAST.json")")"/rejects/*.txt \
  > "$T/got/clickstream_rejects.psv" 2>/dev/null || true
note "weather (stations first) and unemployment"
run weather_stations $LAST
run weather $LAST
run unemployment $LAST

note "compare with _gen/truth.json"
python3 - "$RAW" "$T/got" <<'PY' || fail "results differ from the truth"
import collections, csv, glob, io, json, os, sys
from decimal import Decimal
raw, got = sys.argv[1], sys.argv[2]
truth = json.load(open(os.path.join(raw, "_gen/truth.json")))
tot = truth["totals"]
bad = []
def rows(job):
    """The load files' rows: '|' between fields, a backslash makes the next
    byte literal (a '|', a backslash, a line break), a field \\N is NULL (None)."""
    p = os.path.join(got, job + ".psv")
    text = open(p, encoding="utf-8").read() if os.path.exists(p) else ""
    out, row, field, i, esc_null = [], [], [], 0, False
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            if text[i + 1] == "N" and not field and text[i + 2:i + 3] in ("|", "\n", ""):
                esc_null = True
            else:
                field.append(text[i + 1])
            i += 2
            continue
        if c in "|\n":
            row.append(None if esc_null else "".join(field))
            field, esc_null = [], False
            if c == "\n":
                out.append(row)
                row = []
        else:
            field.append(c)
        i += 1
    return out
def nul(v):
    return v
def same(what, want, have):
    if want != have:
        keys = sorted(set(want) | set(have), key=str)
        diff = [(k, want.get(k), have.get(k)) for k in keys if want.get(k) != have.get(k)]
        bad.append("%s: %d of %d keys differ, e.g. %s" % (what, len(diff), len(keys), diff[:5]))
    else:
        print("ok %-28s %d keys" % (what, len(want)))

# --- web sessions
# session_id anonymous_id user_id session_date session_start session_end events
# page_views landing_page campaign_source campaign_medium campaign_name converted order_id
ws = rows("clickstream")
ids = [r[0] for r in ws]
if len(ids) != len(set(ids)):
    bad.append("web_sessions: duplicate session ids")
day, camp = collections.defaultdict(lambda: [0, 0, set()]), collections.defaultdict(lambda: [0, 0, set()])
for r in ws:
    for acc in (day[r[3]], camp[(r[3], nul(r[11]) or "")]):
        acc[0] += 1
        acc[1] += r[12] == "t"
        if nul(r[13]) is not None:
            acc[2].add(r[13])
same("web_sessions by day",
     {t["day"]: (t["sessions"], t["converted_sessions"], t["orders"]) for t in tot["web_sessions"]},
     {k: (v[0], v[1], len(v[2])) for k, v in day.items()})
same("web_sessions by campaign",
     {(t["day"], t["campaign"]): (t["sessions"], t["converted_sessions"], t["orders"])
      for t in tot["web_sessions_by_campaign"]},
     {k: (v[0], v[1], len(v[2])) for k, v in camp.items()})

# every planted bad event (cut short, no ISO timestamp, no messageId) of an
# intact object is one reject; a damaged (truncated) copy of a complete file
# has one reject for the damage at its end (plus its event cut by it and the
# bad events before it, which the truth counts in the intact original)
import gzip, zlib
damaged = set()
for d, _, fs in os.walk(os.path.join(raw, "clickstream")):
    for f in fs:
        try:
            gzip.open(os.path.join(d, f)).read()
        except (EOFError, OSError, zlib.error):
            damaged.add(os.path.join(d, f))
rej = sum(int(l.split()[1]) for l in open(os.path.join(got, "clickstream.runs")))
lines = rows("clickstream_rejects")  # object|offset|reason|raw, a load file
if len(lines) != rej:
    bad.append("clickstream: %d rejects counted, %d in the rejects file" % (rej, len(lines)))
intact_rej, damage = 0, collections.Counter()
for obj, off, why, _ in lines:
    path = obj[len("file://"):]
    if path not in damaged:
        intact_rej += 1
    elif why == "truncated gzip stream at compressed byte %d" % os.path.getsize(path):
        damage[path] += 1
if intact_rej != truth["stats"]["clickstream"]["bad_records"]:
    bad.append("clickstream: %d rejects of intact objects, truth says %d bad events" % (intact_rej, truth["stats"]["clickstream"]["bad_records"]))
if not damaged or set(damage) != damaged or set(damage.values()) != {1}:
    bad.append("clickstream: %d damaged objects, damage rejects %s" % (len(damaged), dict(damage)))
print("ok clickstream rejects: %d of intact objects, %d damaged copies with one damage reject each" % (intact_rej, len(damaged)))

# --- ads: platform day campaign ad_id currency impressions clicks cost conversions report_date
ads = collections.defaultdict(lambda: [0, 0, 0, Decimal(0), 0])
keys = set()
for r in rows("ads_search") + rows("ads_social"):
    k = (r[0], r[3], r[1])
    if k in keys:
        bad.append("ads_daily: two rows for %s" % (k,))
    keys.add(k)
    a = ads[(r[0], r[1], r[2], r[4])]
    a[0] += int(r[5]); a[1] += int(r[6]); a[2] += int(Decimal(r[7]) * 100)
    a[3] += Decimal(nul(r[8]) or 0); a[4] += 1
same("ads_daily", {(t["platform"], t["day"], t["campaign"], t["currency"]):
                   (t["impressions"], t["clicks"], t["cost_cents"], "%.1f" % t["conversions"], t["rows"])
                   for t in tot["ads"]},
     {k: (v[0], v[1], v[2], "%.1f" % v[3], v[4]) for k, v in ads.items()})

# --- weather: station day region tmax_tenths tmin_tenths prcp_tenths tmax_c tmin_c prcp_mm snow_mm
wx = collections.defaultdict(lambda: [0, 0])
for r in rows("weather"):
    if nul(r[2]) is None:
        bad.append("weather_daily: no region for station %s" % r[0])
    for el, tenths, scaled in (("TMAX", 3, 6), ("TMIN", 4, 7), ("PRCP", 5, 8), ("SNOW", 9, None)):
        v = nul(r[tenths])
        if scaled is not None and (v is None) != (nul(r[scaled]) is None):
            bad.append("weather_daily: %s of %s %s: tenths and scaled disagree" % (el, r[0], r[1]))
        if v is None:
            continue
        if scaled is not None and Decimal(r[scaled]) * 10 != int(v):
            bad.append("weather_daily: %s of %s %s: %s is not %s tenths" % (el, r[0], r[1], r[scaled], v))
        a = wx[(r[1], el)]
        a[0] += 1
        a[1] += int(v)
same("weather_daily", {(t["day"], t["element"]): [t["values"], t["sum"]] for t in tot["weather"]},
     {k: v for k, v in wx.items()})
stations = rows("weather_stations")
if len(stations) != 39 or any(nul(r[7]) is None for r in stations):
    bad.append("dim_weather_station: %d stations, want 39 with a region each" % len(stations))

# --- unemployment: state_fips series_id year period rate footnote
same("unemployment_monthly",
     {(t["state_fips"], t["series_id"], str(t["year"]), t["period"]): (t["value"], t["footnote"])
      for t in tot["unemployment"]},
     {(r[0], r[1], r[2], r[3]): (r[4], nul(r[5]) or "") for r in rows("unemployment")})
n_un = len(rows("unemployment"))
if n_un != len(tot["unemployment"]):
    bad.append("unemployment_monthly: %d rows for %d truth entries" % (n_un, len(tot["unemployment"])))

# --- master: valid rows of each day's snapshot = the rows of that day's run
ncols = {"stores": 20, "products": 13, "promotions": 11, "fx": 3}
n_rec = n_rej = 0
for which, n in sorted(ncols.items()):
    want, job = {}, "master_" + which
    for path in sorted(glob.glob(os.path.join(raw, "master", which, "dt=*", "*.csv"))):
        text = open(path, encoding="utf-8-sig", newline="").read()
        recs = list(csv.reader(io.StringIO(text)))[1:]
        ok = [r for r in recs if len(r) == n and not (r[0][:1] == "X" and r[0][1:].isdigit())]
        want[path.split("dt=")[1][:10]] = len(ok)
        n_rec += len(recs)
    runs = [l.split() for l in open(os.path.join(got, job + ".runs"))]
    same(job + " rows per day", want, {r[0]: len(rows(job + "@" + r[0])) for r in runs})
    n_rej += sum(int(r[1]) for r in runs)
st = truth["stats"]["master"]
if n_rej != st["bad_records"]:
    bad.append("master: %d rejects, truth says %d bad records" % (n_rej, st["bad_records"]))
if n_rec != st["records"]:
    bad.append("master: %d CSV records, truth says %d" % (n_rec, st["records"]))
print("ok master rejects = truth bad records (%d); CSV records %d, truth %d" % (n_rej, n_rec, st["records"]))
if bad:
    print("\n".join(bad), file=sys.stderr)
    sys.exit(1)
PY
# the weather comparison alone, for the checks below: WX_CMP RAW ROWS
wx_cmp() {
  python3 - "$1" "$2" <<'PY'
import collections, json, os, sys
truth = json.load(open(os.path.join(sys.argv[1], "_gen/truth.json")))["totals"]["weather"]
want = {(t["day"], t["element"]): (t["values"], t["sum"]) for t in truth}
have = collections.defaultdict(lambda: [0, 0])
for l in open(sys.argv[2]):
    r = l.rstrip("\n").split("|")
    for el, k in (("TMAX", 3), ("TMIN", 4), ("PRCP", 5), ("SNOW", 9)):
        if r[k] != "\\N":
            have[(r[1], el)][0] += 1
            have[(r[1], el)][1] += int(r[k])
have = {k: tuple(v) for k, v in have.items()}
if want != have:
    sys.exit("weather differs: %s" % [(k, want.get(k), have.get(k)) for k in sorted(set(want) | set(have)) if want.get(k) != have.get(k)][:5])
print("ok weather_daily (%d keys)" % len(want))
PY
}

note "weather bookmark: an unchanged year file is skipped"
run weather_stations 2026-11-27
run weather 2026-11-27
[ -s "$T/got/weather@2026-11-27.psv" ] && fail "the unchanged year file was read again"
note "weather bookmark: the year file re-published with a new day is read again, whole"
"$NS_BIN" gen --stores 6 --days 4 --seed 4 --sources weather --out "file://$RAW" > "$T/gen2.txt" 2>&1 ||
  fail "gen: $(cat "$T/gen2.txt")"
rm -f "$T/got/weather@2026-11-27.psv"
run weather 2026-11-27
grep -q '|2026-11-27|' "$T/got/weather@2026-11-27.psv" || fail "the new day is missing"
wx_cmp "$RAW" "$T/got/weather@2026-11-27.psv" || fail "re-published weather differs from the truth"

note "ads_social restatements: every day's file present (none arrives empty)"
RAW2=$T/raw2
"$NS_BIN" gen --stores 6 --days 4 --seed 4 --sources ads-social --file-bad-rate 0 --out "file://$RAW2" \
  > "$T/gen3.txt" 2>&1 || fail "gen: $(cat "$T/gen3.txt")"
st=$T/st-social2.json
"$NS_BIN" submit "$JOBS/ads_social.yaml" --date 2026-11-27 --var raw="file://$RAW2" --var out="file://$T/out2" \
  --wait --json --quiet > "$st" || fail "ads_social failed: $(cat "$st")"
manifest_content "$(uri_path "$(json_get manifest < "$st")")" > "$T/social2.psv"
python3 - "$RAW2" "$T/social2.psv" <<'PY' || fail "restated social ads differ from the truth"
import collections, json, os, sys
from decimal import Decimal
truth = json.load(open(os.path.join(sys.argv[1], "_gen/truth.json")))["totals"]["ads"]
want = {(t["day"], t["campaign"]): (t["impressions"], t["clicks"], t["cost_cents"], "%.1f" % t["conversions"], t["rows"]) for t in truth}
acc = collections.defaultdict(lambda: [0, 0, 0, Decimal(0), 0])
days = set()
for l in open(sys.argv[2]):
    r = l.rstrip("\n").split("|")
    a = acc[(r[1], r[2])]
    a[0] += int(r[5]); a[1] += int(r[6]); a[2] += int(Decimal(r[7]) * 100)
    a[3] += Decimal(r[8]) if r[8] != "\\N" else 0; a[4] += 1
    days.add(r[1])
have = {k: (v[0], v[1], v[2], "%.1f" % v[3], v[4]) for k, v in acc.items()}
if want != have:
    sys.exit("differ: %s" % [(k, want.get(k), have.get(k)) for k in sorted(set(want) | set(have)) if want.get(k) != have.get(k)][:5])
print("ok ads_social with restatements: %d keys over %d days" % (len(want), len(days)))
PY
echo "PASS"
