#!/usr/bin/env bash
# Lookups (broadcast joins with master data) and arithmetic, end to end:
#   - a product master (UTF-8 BOM, quoted commas, a duplicate sku, a bad
#     row) and currency rates are loaded by every map task;
#   - each sale line gets its clothing line and list price by sku, its USD
#     amount through the day's rate (mul, rounded half away from zero), and
#     a discount computed from columns defined earlier (sub);
#   - an unknown sku is a reject that names the sku and the lookup; an
#     unknown currency with a non-required lookup gives NULL;
#   - a lookup whose objects are missing fails the job with a clear reason.
. "$(dirname "$0")/lib.sh"
start_coordinator
start_worker
start_worker
wait_workers 2
mkdir -p "$T/raw/sales/dt=2026-11-24" "$T/raw/master/products" "$T/raw/master/fx"

printf '\xef\xbb\xbfsku,style,line,list_price\r\nDRS-1042-BLK-M,"Wrap dress, black",Dresses,59.90\r\nTEE-0007-WHT-S,Tee,Basics,14.90\r\nTEE-0007-WHT-S,Tee (duplicate),Other,99.99\r\nJKT-2210-NVY-L,"Jacket ""Navy""",Outerwear,89.00\r\nBAD-ROW,x,y,not-a-price\r\n' \
  > "$T/raw/master/products/products.csv"
printf 'currency,rate_to_usd\nUSD,1\nCAD,0.712345\nGBP,1.2655\n' > "$T/raw/master/fx/rates.csv"
cat > "$T/raw/sales/dt=2026-11-24/s1.psv" <<'EOF'
store|sku|qty|amount|currency
0457|DRS-1042-BLK-M|1|47.90|USD
0458|DRS-1042-BLK-M|2|100.00|CAD
0459|TEE-0007-WHT-S|3|44.70|GBP
0460|JKT-2210-NVY-L|-1|-89.00|CAD
0461|NOPE-0000-XXX-X|1|10.00|USD
0462|TEE-0007-WHT-S|1|14.90|JPY
EOF
cat > "$T/job.yaml" <<'EOF'
name: lookups_t
input:
  uri: "{raw}/sales/dt={date}/"
  columns:
    - {name: store, type: string}
    - {name: sku, type: string}
    - {name: qty, type: int}
    - {name: amount, type: "decimal(12,2)"}
    - {name: currency, type: string}
lookups:
  - name: products
    input:
      uri: "{raw}/master/products/"
      delimiter: ","
      quote: '"'
      columns:
        - {name: sku, type: string}
        - {name: style, type: string}
        - {name: line, type: string}
        - {name: list_price, type: "decimal(12,2)"}
    key: [sku]
  - name: fx
    input:
      uri: "{raw}/master/fx/"
      delimiter: ","
      columns:
        - {name: currency, type: string}
        - {name: rate_to_usd, type: "decimal(18,8)"}
    key: [currency]
transform:
  - {name: store, from: store}
  - {name: sku, from: sku}
  - {name: line, fn: lookup, table: products, args: [sku], column: line, required: true}
  - {name: style, fn: lookup, table: products, args: [sku], column: style}
  - {name: list_price, fn: lookup, table: products, args: [sku], column: list_price}
  - {name: qty, from: qty}
  - {name: list_amount, fn: mul, args: [qty, list_price], type: "decimal(14,2)"}
  - {name: discount, fn: sub, args: [list_amount, amount], type: "decimal(14,2)"}
  - {name: rate, fn: lookup, table: fx, args: [currency], column: rate_to_usd}
  - {name: amount_usd, fn: mul, args: [amount, rate], type: "decimal(14,2)"}
output: {uri: "{out}", table: t, sort_key: [store]}
error_budget: {max_rejects: 1}
EOF
"$NS_BIN" submit "$T/job.yaml" --date 2026-11-24 --var raw="file://$T/raw" --var out="file://$T/out" \
  --wait --json --quiet > "$T/st.json" || fail "job failed: $(cat "$T/st.json")"
manifest_content "$(uri_path "$(json_get manifest < "$T/st.json")")" > "$T/got.txt"
cat > "$T/want.txt" <<'EOF'
0457|DRS-1042-BLK-M|Dresses|Wrap dress, black|59.90|1|59.90|12.00|1.00000000|47.90
0458|DRS-1042-BLK-M|Dresses|Wrap dress, black|59.90|2|119.80|19.80|0.71234500|71.23
0459|TEE-0007-WHT-S|Basics|Tee|14.90|3|44.70|0.00|1.26550000|56.57
0460|JKT-2210-NVY-L|Outerwear|Jacket "Navy"|89.00|-1|-89.00|0.00|0.71234500|-63.40
0462|TEE-0007-WHT-S|Basics|Tee|14.90|1|14.90|0.00|\N|\N
EOF
diff "$T/want.txt" "$T/got.txt" >&2 || fail "rows differ"
[ "$(json_get rejects < "$T/st.json")" = 1 ] || fail "expected 1 reject"
grep -q "column 'line' is required: no row in lookup 'products' for 'NOPE-0000-XXX-X'|0461" \
  "$(uri_path "$(json_get prefix < "$T/st.json")")"/rejects/*.txt || fail "reject reason"
grep -q "lookup 'products': 3 rows, 1 skipped as duplicates, 1 that do not parse" "$T"/logs/worker-*.log ||
  fail "the skipped master rows were not logged"

note "a lookup with no objects fails the job, saying which"
sed 's|{raw}/master/fx/|{raw}/master/nothing-here/|' "$T/job.yaml" > "$T/nofx.yaml"
set +e
"$NS_BIN" submit "$T/nofx.yaml" --date 2026-11-24 --var raw="file://$T/raw" --var out="file://$T/out2" \
  --wait --json --quiet > "$T/nofx.json"
rc=$?
set -e
[ $rc -eq 1 ] || fail "missing lookup: exit $rc"
grep -q "lookup 'fx': no objects under" "$T/nofx.json" || fail "missing lookup: $(cat "$T/nofx.json")"
echo "PASS"
