#!/usr/bin/env bash
# The CEO's queries (warehouse/queries, docs/REPORT.md) against the
# generator's truth: one generated run of NS_CEO_STORES (default 40) own
# stores over NS_CEO_DAYS (default 28) days from 2026-11-09 (crossing
# Thanksgiving, so that the seasonal price discount has days without it),
# seed 1, every job run as of the last day (retail_pos through a copy that
# reads every dt= folder: one submit for the whole window; the fx lookup
# holds 31 days, so the window is at most 31 days), each loaded with
# `nightshift load`, then:
#   - exact totals: fact_sales per channel and business day (units, USD
#     cents) equals truth.totals.sales_usd; q1's weekly channel columns equal
#     the truth summed per ISO week; q6's sessions and converted sessions per
#     campaign equal truth.totals.web_sessions_by_campaign;
#   - the planted effects (truth.effects, read from the truth file): each
#     estimate of q3, q5, q6, q7 against its truth within 5% of the truth
#     factor (conversion rates: 5% relative, or 3 binomial standard errors
#     where a campaign's sessions cannot support 5%), as the table in
#     docs/REPORT.md ("Recovering the planted effects") lists.
# NS_CEO_STORES / NS_CEO_DAYS / NS_CEO_START change the size for a run by
# hand (docs/REPORT.md has the estimates at 40, 80 and 120 stores).
. "$(dirname "$0")/lib.sh"
require_pg
STORES=${NS_CEO_STORES:-40}
NDAYS=${NS_CEO_DAYS:-28}
FIRST=${NS_CEO_START:-2026-11-09}
LAST=$(date -u -d "$FIRST + $((NDAYS - 1)) days" +%F)
RAW=file://$T/raw
OUT=file://$T/out
TRUTH=$T/raw/_gen/truth.json
SECONDS=0
note "generate $STORES stores x $NDAYS days from $FIRST"
"$NS_BIN" gen --stores "$STORES" --days "$NDAYS" --start "$FIRST" --seed 1 --file-bad-rate 0 --out "$RAW" \
  > "$T/gen.out" || fail "gen failed"
echo "gen: ${SECONDS}s"
start_coordinator
start_worker
start_worker
wait_workers 2
"$NS_BIN" warehouse init >/dev/null || fail "warehouse init failed"

# retail_pos over the whole window in one run: the same job reading every dt= folder
sed 's|uri: "{raw}/pos/dt={date}/"|uri: "{raw}/pos/"|' "$NS_SRC/jobs/retail_pos.yaml" > "$T/retail_pos_all.yaml"
grep -q 'uri: "{raw}/pos/"' "$T/retail_pos_all.yaml" || fail "could not make the all-days retail_pos job"
sed 's|uri: "{raw}/ads/search/dt={date}/"|uri: "{raw}/ads/search/"|' "$NS_SRC/jobs/ads_search.yaml" > "$T/ads_search_all.yaml"
grep -q 'uri: "{raw}/ads/search/"' "$T/ads_search_all.yaml" || fail "could not make the all-days ads_search job"

runload() { # runload JOB_FILE: submit as of the last day, wait, load
  local f=$1 job
  job=$(basename "$f" .yaml)
  "$NS_BIN" submit "$f" --date "$LAST" --var raw="$RAW" --var out="$OUT" --wait --json --quiet \
    > "$T/$job.json" || fail "$job failed: $(head -c 600 "$T/$job.json")"
  "$NS_BIN" load "$(json_get manifest < "$T/$job.json")" > "$T/$job.load" 2>&1 ||
    fail "load of $job failed: $(cat "$T/$job.load")"
}
note "every job as of $LAST, each loaded"
for job in master_stores master_products master_promotions master_fx weather_stations weather unemployment; do
  runload "$NS_SRC/jobs/$job.yaml"
done
# dim_promotion: the snapshot of a day lists the promotions overlapping
# D-35..D+28; the first day's snapshot adds the window's early ones
# (replace: [promotion_id] keeps both)
"$NS_BIN" submit "$NS_SRC/jobs/master_promotions.yaml" --date "$FIRST" --var raw="$RAW" --var out="$OUT" \
  --wait --json --quiet > "$T/promo_first.json" || fail "master_promotions $FIRST failed"
"$NS_BIN" load "$(json_get manifest < "$T/promo_first.json")" > "$T/promo_first.load" 2>&1 ||
  fail "load of master_promotions $FIRST failed: $(cat "$T/promo_first.load")"
runload "$T/retail_pos_all.yaml"
runload "$T/ads_search_all.yaml"
for job in wholesale_edi852 wholesale_portal online_orders clickstream ads_social; do
  runload "$NS_SRC/jobs/$job.yaml"
done
echo "jobs and loads: ${SECONDS}s"

note "the queries"
for f in $(cd "$NS_SRC/warehouse/queries" && ls q*.sql); do
  psql "$NIGHTSHIFT_WAREHOUSE" -X -q --csv -v ON_ERROR_STOP=1 -f "$NS_SRC/warehouse/queries/$f" > "$T/${f%%_*}.csv" ||
    fail "$f failed"
done
psql "$NIGHTSHIFT_WAREHOUSE" -X -q --csv -v ON_ERROR_STOP=1 \
  -c "SELECT channel, business_date, sum(units) AS units, sum(net_usd) AS usd FROM fact_sales GROUP BY 1, 2" > "$T/sales.csv"
psql "$NIGHTSHIFT_WAREHOUSE" -X -q --csv -v ON_ERROR_STOP=1 \
  -c "SELECT DISTINCT coalesce(partner, '') AS partner, region FROM dim_store" > "$T/store_regions.csv"
echo "queries: ${SECONDS}s"

note "exact totals and planted effects against $TRUTH"
python3 - "$TRUTH" "$T" <<'PY' || fail "the queries do not recover the truth (above)"
import csv, datetime, json, math, sys, collections
truth, T = json.load(open(sys.argv[1])), sys.argv[2]
eff, tot = truth['effects'], truth['totals']
rows = lambda q: list(csv.DictReader(open('%s/%s.csv' % (T, q))))
bad = []
def check(name, ok, text):
    print('%-4s %-44s %s' % ('ok' if ok else 'FAIL', name, text))
    if not ok:
        bad.append(name)
cents = lambda s: int(round(float(s) * 100))

# --- exact: sales per channel and day (units, USD cents), from the first
# day the jobs' fx lookup (master/fx of the last day: it and the 31 days
# before it) can convert: the truth also counts refunds of orders created
# weeks before the run, on their creation day
last = datetime.date.fromisoformat(truth['run']['last_day'])
cut = str(last - datetime.timedelta(days=31))
want = {(t['channel'], t['day']): (t['units'], t['usd_cents']) for t in tot['sales_usd']
        if (t['units'] or t['usd_cents']) and t['day'] >= cut}
print('truth channel-days before %s (not comparable): %d' % (cut, sum(1 for t in tot['sales_usd']
      if (t['units'] or t['usd_cents']) and t['day'] < cut)))
got = {(r['channel'], r['business_date']): (int(r['units']), cents(r['usd'])) for r in rows('sales') if r['business_date'] >= cut}
diff = sorted(k for k in set(want) | set(got) if want.get(k, (0, 0)) != got.get(k, (0, 0)))
check('sales by channel and day', not diff, '%d channel-days, %d differ %s' %
      (len(want), len(diff), [(k, want.get(k), got.get(k)) for k in diff[:5]]))
# --- exact: q1's weekly channel columns = the truth summed per ISO week
wk = collections.Counter()
for (ch, day), (_, c) in want.items():
    d = datetime.date.fromisoformat(day)
    wk[(ch, str(d - datetime.timedelta(days=d.weekday())))] += c
q1 = {(ch, r['week']): cents(r[ch + '_usd']) for r in rows('q1') for ch in ('retail', 'department', 'discount', 'online')
      if r['week'] >= cut}
wk = {k: v for k, v in wk.items() if k[1] >= cut} # whole weeks after the cut
diff = sorted(k for k in set(q1) | set(wk) if q1.get(k, 0) != wk.get(k, 0))
check('q1 weekly USD by channel', not diff, '%d channel-weeks, %d differ %s' % (len(q1), len(diff), diff[:5]))
# --- exact: q6's sessions and converted sessions per campaign ('' = organic, referral, direct)
w = collections.defaultdict(lambda: [0, 0])
for t in tot['web_sessions_by_campaign']:
    w[t['campaign']][0] += t['sessions']; w[t['campaign']][1] += t['converted_sessions']
q6 = collections.defaultdict(lambda: [0, 0])
for r in rows('q6'):
    k = '' if r['campaign'].startswith('(') else r['campaign']
    q6[k][0] += int(r['sessions']); q6[k][1] += int(r['converted'])
diff = sorted(k for k in set(w) | set(q6) if w.get(k) != q6.get(k))
check('q6 sessions, converted by campaign', not diff,
      '%d campaigns, %d differ %s' % (len(w), len(diff), [(k, w.get(k), q6.get(k)) for k in diff]))

# --- effects. tol = the allowed |estimate - truth| of the FACTOR (docs/REPORT.md)
def factor(name, est, true, tol):
    check(name, abs(est - true) <= tol + 1e-9, 'estimate %.3f truth %.3f (|diff| %.3f, tolerance %.3f)' %
          (est, true, abs(est - true), tol))
q3 = {r['promotion_type']: float(r['lift']) for r in rows('q3')}
for typ, lift in eff['promotion_lift'].items():
    factor('q3 lift: ' + typ, q3.get(typ, float('nan')), lift, 0.05 * lift)
# q7: one joint fit (mall type, tenures, fixtures, size; region and state
# unemployment controlled); an empty effect (left out of the fit) fails
q7 = {r['attribute']: float(r['effect'] or 'nan') for r in rows('q7')}
for m, f in eff['mall_type'].items():
    if m != 'strip':
        factor('q7 mall: ' + m, q7.get('mall: ' + m, float('nan')), f, 0.05 * f)
# slopes: the factor over a span of the attribute (staff 5 years, manager 10 years)
for key, label, span in (('staff_tenure', 'staff tenure +1 year', 5), ('manager_tenure', 'manager tenure +1 year', 10)):
    true = 1 + span * eff[key]['per_year']
    factor('q7 %s, factor over %d years' % (key, span), 1 + span * (q7[label] - 1), true, 0.05 * true)
# weather: rain (regions with >= 5 rain days: the query's own rule) and
# temperature as the factor at 10 C above normal, in every region with
# stores that report daily
q5 = {r['region']: r for r in rows('q5')}
wx = {x['region']: x for x in eff['weather']['regions']}
nrain = ntemp = 0
for reg, r in sorted(q5.items()):
    if reg not in wx:
        continue
    if r['rain_effect_pct']:
        nrain += 1
        true = 1 + wx[reg]['rain_effect']
        factor('q5 rain: ' + reg, 1 + float(r['rain_effect_pct']) / 100, true, 0.05 * true)
    ntemp += 1
    true = 1 + 10 * wx[reg]['temp_effect_per_c']
    factor('q5 temperature, +10 C: ' + reg, 1 + 10 * float(r['temp_effect_pct_per_c']) / 100, true, 0.05 * true)
check('q5 regions with a rain effect', nrain >= 3, '%d' % nrain)
# every region with stores that report daily (own stores, department
# partners with a daily cadence in the truth's world) has its temperature
daily = {p['code'] for p in truth['world']['partners'] if p['channel'] == 'department' and p['cadence'] == 'daily'}
want_regions = {r['region'] for r in rows('store_regions') if r['partner'] == '' or r['partner'] in daily}
check('q5 regions with a temperature effect', want_regions <= set(q5) and ntemp == len(want_regions),
      '%d of %d (%s missing)' % (ntemp, len(want_regions), sorted(want_regions - set(q5))))
# unemployment: the factor at twice the rate
e = float(q5['US unemployment']['unemployment_elasticity'])
true = 2 ** eff['unemployment']['elasticity']
factor('q5 unemployment, rate x2 (elasticity %.2f)' % e, 2 ** e, true, 0.05 * true)
# conversion rate per campaign: relative error 5% where the campaign has
# >= 1000 expected conversions (2 binomial SE <= 6%), else 3 binomial SE
for r in rows('q6'):
    p = eff['conversion_rate'].get(r['campaign'])
    if p is None or r['campaign'] == '(direct)': # direct also holds the returning visits
        continue
    n = int(r['sessions'])
    se = math.sqrt(p * (1 - p) / n)
    tol = 0.05 * p if n * p >= 1000 else 3 * se
    factor('q6 conversion: ' + r['campaign'], float(r['conversion_rate_pct']) / 100, p, tol)
print('%d checks failed' % len(bad) if bad else 'all checks passed')
sys.exit(1 if bad else 0)
PY
echo "total: ${SECONDS}s"
echo PASS
