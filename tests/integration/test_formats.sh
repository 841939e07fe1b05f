#!/usr/bin/env bash
# Input-format options end to end on hand-written files (SOURCES.md quirks):
#   - a UTF-16LE vendor-portal export with a BOM, two preamble lines, tabs,
#     money with currency signs and thousands separators, negative returns,
#     CRLF line ends (input.encoding: utf-16, skip_lines, number: money);
#   - a search-ads CSV with a title, a date-range line, quoted grouped
#     numbers and a Total row dropped by a filter (number: grouped);
#   - a padded LAUS-style TSV (input.trim) with M13 rows filtered out;
#   - bad numbers ("1,23", "$") are rejects that say why;
#   - EDI X12 852 files (format: edi): columns picked by field name, dates in
#     YYYYMMDD, a transaction set whose CTT count is wrong rejected whole;
#   - GHCN rows pivoted per station and day (fn when, aggregate), tenths
#     scaled (mul by a literal), a column from the key (from_path: year).
# The load files hold exactly the expected rows.
. "$(dirname "$0")/lib.sh"
start_coordinator
start_worker
wait_workers 1
mkdir -p "$T/raw/portal" "$T/raw/ads" "$T/raw/laus"

# run_job YAML NAME: submits, waits, prints the load files' rows sorted
run_job() {
  "$NS_BIN" submit "$1" --date 2026-11-24 --var raw="file://$T/raw" --var out="file://$T/out-$2" \
    --wait --json --quiet > "$T/$2.json" || fail "$2 failed: $(cat "$T/$2.json")"
  manifest_content "$(uri_path "$(json_get manifest < "$T/$2.json")")" | LC_ALL=C sort
}

note "UTF-16LE portal export"
printf 'Weekly POS by Store and Item\r\nRun date 11/25/2026\r\nStore Nbr\tStore Name\tState\tWeek\tUPC\tItem Desc\tUnit Retail\tPOS Qty\tPOS Sales\tOH Qty\r\n1187\tVALUMART #1187, DAYTON\tOH\t202647\t012345678905\tWRAP DRESS BLK M\t$39.90\t14\t"$558.60"\t36\r\n1187\tVALUMART #1187, DAYTON\tOH\t202647\t012345678912\tJACKET NVY L\t$59.00\t-1\t"-$59.00"\t4\r\n1188\tVALUMART #1188, \xc3\x89TAMPES\tOH\t202647\t012345678929\tTEE WHT S\t$1,014.90\t100\t"$1,490.00"\t1,200\r\n1189\tBAD ROW\tOH\t202647\t012345678929\tTEE WHT S\t$14.90\t1\t"$1,49.00"\t2\r\n' |
  iconv -f UTF-8 -t UTF-16LE | { printf '\xff\xfe'; cat; } > "$T/raw/portal/valumart-week-202647.txt"
cat > "$T/portal.yaml" <<'EOF'
name: portal_t
input:
  uri: "{raw}/portal/"
  encoding: utf-16
  delimiter: "\t"
  quote: '"'
  skip_lines: 2
  columns:
    - {name: store, type: string}
    - {name: store_name, type: string}
    - {name: state, type: string}
    - {name: week, type: int}
    - {name: upc, type: string}
    - {name: item, type: string}
    - {name: unit_retail, type: "decimal(12,2)", number: money}
    - {name: qty, type: int, number: grouped}
    - {name: sales, type: "decimal(12,2)", number: money}
    - {name: on_hand, type: int, number: grouped}
transform:
  - {name: store, from: store}
  - {name: store_name, from: store_name}
  - {name: upc, from: upc}
  - {name: unit_retail, from: unit_retail}
  - {name: qty, from: qty}
  - {name: sales, from: sales}
  - {name: on_hand, from: on_hand}
output: {uri: "{out}", table: t, sort_key: [store, upc]}
error_budget: {max_rejects: 1}
EOF
run_job "$T/portal.yaml" portal > "$T/portal.txt"
cat > "$T/portal.want" <<'EOF'
1187|VALUMART #1187, DAYTON|012345678905|39.90|14|558.60|36
1187|VALUMART #1187, DAYTON|012345678912|59.00|-1|-59.00|4
1188|VALUMART #1188, ÉTAMPES|012345678929|1014.90|100|1490.00|1200
EOF
diff "$T/portal.want" "$T/portal.txt" >&2 || fail "portal rows differ"
[ "$(json_get rejects < "$T/portal.json")" = 1 ] || fail "portal: expected 1 reject"
grep -q 'misplaced thousands separator' "$(uri_path "$(json_get prefix < "$T/portal.json")")"/rejects/*.txt ||
  fail "portal: reject reason"

note "search-ads CSV with a Total row"
cat > "$T/raw/ads/campaign-report.csv" <<'EOF'
Campaign report
Nov 24, 2026 - Nov 24, 2026
Day,Campaign,Ad group,Ad ID,Currency code,Impressions,Clicks,Cost,Conversions
2026-11-24,fall_denim,Denim - Search,678901234567,USD,"12,480",311,"402.17",18.5
2026-11-24,winter_coats,"Coats, Wool",678901234568,USD,"1,002,003","1,311","1,402.17",0
Total,,,,,"1,014,483","1,622","1,804.34",18.5
EOF
cat > "$T/ads.yaml" <<'EOF'
name: ads_t
input:
  uri: "{raw}/ads/"
  delimiter: ","
  quote: '"'
  skip_lines: 2
  columns:
    - {name: day, type: date}
    - {name: campaign, type: string}
    - {name: ad_group, type: string}
    - {name: ad_id, type: string}
    - {name: currency, type: string}
    - {name: impressions, type: int, number: grouped}
    - {name: clicks, type: int, number: grouped}
    - {name: cost, type: "decimal(12,2)", number: grouped}
    - {name: conversions, type: "decimal(12,2)"}
filter:
  - {column: day, op: ne, value: Total}
transform:
  - {name: day, from: day}
  - {name: campaign, from: campaign}
  - {name: ad_group, from: ad_group}
  - {name: impressions, from: impressions}
  - {name: clicks, from: clicks}
  - {name: cost, from: cost}
  - {name: conversions, from: conversions}
output: {uri: "{out}", table: t, sort_key: [day, campaign]}
EOF
run_job "$T/ads.yaml" ads > "$T/ads.txt"
cat > "$T/ads.want" <<'EOF'
2026-11-24|fall_denim|Denim - Search|12480|311|402.17|18.50
2026-11-24|winter_coats|Coats, Wool|1002003|1311|1402.17|0.00
EOF
diff "$T/ads.want" "$T/ads.txt" >&2 || fail "ads rows differ"
[ "$(json_get filtered < "$T/ads.json")" = 1 ] || fail "ads: the Total row was not filtered ($(cat "$T/ads.json"))"

note "padded LAUS-style TSV"
printf 'series_id                     \tyear\tperiod\t       value\tfootnote_codes\nLASST390000000000003          \t2026\tM10\t         5.1\tP\nLASST390000000000003          \t2026\tM09\t         5.0\tR\nLASST390000000000003          \t2025\tM13\t         4.8\t\n' > "$T/raw/laus/la.data.3.AllStatesS"
cat > "$T/laus.yaml" <<'EOF'
name: laus_t
input:
  uri: "{raw}/laus/"
  delimiter: "\t"
  trim: true
  columns:
    - {name: series_id, type: string}
    - {name: year, type: int}
    - {name: period, type: string}
    - {name: value, type: "decimal(6,1)"}
    - {name: footnote, type: string}
filter:
  - {column: period, op: ne, value: M13}
transform:
  - {name: series_id, from: series_id}
  - {name: year, from: year}
  - {name: period, from: period}
  - {name: value, from: value}
  - {name: footnote, from: footnote}
output: {uri: "{out}", table: t, sort_key: [series_id, year, period]}
EOF
run_job "$T/laus.yaml" laus > "$T/laus.txt"
printf 'LASST390000000000003|2026|M09|5.0|R\nLASST390000000000003|2026|M10|5.1|P\n' > "$T/laus.want"
diff "$T/laus.want" "$T/laus.txt" >&2 || fail "laus rows differ"
note "EDI 852: the SOURCES.md example and a set with a wrong CTT count"
mkdir -p "$T/raw/edi"
cp "$NS_SRC/tests/data/edi/sample.edi" "$NS_SRC/tests/data/edi/ctt_mismatch.edi" "$T/raw/edi/"
cat > "$T/edi.yaml" <<'EOF'
name: edi_t
input:
  uri: "{raw}/edi/"
  format: edi
  columns:
    - {name: partner, type: string, path: sender}
    - {name: week_end, type: date, path: period_end, date_format: yyyymmdd}
    - {name: store, type: string}
    - {name: upc, type: string}
    - {name: sku, type: string}
    - {name: sold, type: int, path: qty_sold}
    - {name: on_hand, type: int, path: qty_on_hand}
transform:
  - {name: partner, from: partner}
  - {name: week_end, from: week_end}
  - {name: store, from: store}
  - {name: upc, from: upc}
  - {name: sku, from: sku}
  - {name: sold, from: sold}
  - {name: on_hand, from: on_hand}
output: {uri: "{out}", table: t, sort_key: [partner, store, upc]}
error_budget: {max_rejects: 1}
EOF
run_job "$T/edi.yaml" edi > "$T/edi.txt"
cat > "$T/edi.want" <<'EOF'
GRANDDEPT|2026-11-24|0031|012345678905|DRS-1042-BLK-M|14|36
GRANDDEPT|2026-11-24|0031|012345678912|JKT-2210-NVY-L|3|\N
GRANDDEPT|2026-11-24|0044|012345678912|JKT-2210-NVY-L|5|\N
GRANDDEPT|2026-11-24|0044|012345678929|\N|5|\N
EOF
diff "$T/edi.want" "$T/edi.txt" >&2 || fail "edi rows differ"
[ "$(json_get rejects < "$T/edi.json")" = 1 ] || fail "edi: expected the bad set as 1 reject"
grep -q "transaction set 0001: CTT01" "$(uri_path "$(json_get prefix < "$T/edi.json")")"/rejects/*.txt ||
  fail "edi: reject reason: $(cat "$(uri_path "$(json_get prefix < "$T/edi.json")")"/rejects/*.txt)"

note "a column naming a field EDI does not have is refused at submit"
sed 's/path: qty_on_hand/path: qty_ordered/' "$T/edi.yaml" > "$T/edi-bad.yaml"
set +e
err=$("$NS_BIN" submit "$T/edi-bad.yaml" --date 2026-11-24 --var raw="file://$T/raw" --var out="file://$T/x" 2>&1)
rc=$?
set -e
[ $rc -eq 1 ] && echo "$err" | grep -q "edi records have no field 'qty_ordered'" || fail "bad edi field: exit $rc, $err"
note "GHCN rows pivoted to one row per station and day; flagged values dropped"
mkdir -p "$T/raw/ghcn/year=2026"
printf 'USC00242347,20261124,TMAX,133,,,K,0800\nUSC00242347,20261124,TMIN,-56,,,K,0800\nUSC00242347,20261124,PRCP,57,,,K,0800\nUSW00014739,20261124,SNOW,0,,I,W,\nUSW00014739,20261124,TMAX,20,,,W,\nUSW00014739,20261125,TMAX,-15,,,W,\n' |
  gzip > "$T/raw/ghcn/year=2026/2026.csv.gz"
cat > "$T/wx.yaml" <<'EOF'
name: wx_t
input:
  uri: "{raw}/ghcn/"
  delimiter: ","
  header: false
  columns:
    - {name: station, type: string}
    - {name: date, type: date, date_format: yyyymmdd}
    - {name: element, type: string}
    - {name: value, type: int}
    - {name: mflag, type: string}
    - {name: qflag, type: string}
    - {name: sflag, type: string}
    - {name: obs_time, type: string}
    - {name: year, type: int, from_path: year}
filter:
  - {column: qflag, op: null}
  - {column: element, op: in, values: [TMAX, TMIN, PRCP, SNOW]}
transform:
  - {name: station, from: station}
  - {name: date, from: date}
  - {name: year, from: year}
  - {name: tmax_tenths, fn: when, args: [element, value], value: TMAX}
  - {name: tmax_c, fn: mul, args: [tmax_tenths], value: "0.1", type: "decimal(6,1)"}
  - {name: tmin_c, fn: when, args: [element, value], value: TMIN, type: "decimal(6,1)"}
  - {name: prcp_mm, fn: when, args: [element, value], value: PRCP}
  - {name: snow_mm, fn: when, args: [element, value], value: SNOW}
output:
  uri: "{out}"
  table: t
  sort_key: [station, date]
  reduce: {kind: aggregate, group: 2, sum: [tmax_tenths, tmax_c, tmin_c, prcp_mm, snow_mm]}
EOF
run_job "$T/wx.yaml" wx > "$T/wx.txt"
cat > "$T/wx.want" <<'EOF'
USC00242347|2026-11-24|2026|133|13.3|-56.0|57|\N
USW00014739|2026-11-24|2026|20|2.0|\N|\N|\N
USW00014739|2026-11-25|2026|-15|-1.5|\N|\N|\N
EOF
diff "$T/wx.want" "$T/wx.txt" >&2 || fail "weather rows differ"
echo "PASS"
