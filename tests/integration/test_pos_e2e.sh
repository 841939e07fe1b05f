#!/usr/bin/env bash
# End to end: a coordinator and three worker processes run the retail_pos
# job on generated data. The load files are sorted, their rows equal an
# independent model of the job over the valid input rows, rejects are
# counted and listed, the manifest names exactly the committed files with
# their sizes, and nothing else is left under the job's prefix.
. "$(dirname "$0")/lib.sh"
DATE=2026-11-24
"$NS_BIN" gen --sources pos,master --stores 40 --days 1 --start $DATE --seed 11 --bad-rate 0.003 --out "file://$T/raw" >/dev/null
start_coordinator
for _ in 1 2 3; do start_worker; done
wait_workers 3

# A job whose tasks are small enough that all workers take part.
sed -e 's/^\(\s*split_size:\).*/\1 512KB/' "$NS_SRC/jobs/retail_pos.yaml" > "$T/retail_pos.yaml"
grep -q 'split_size: 512KB' "$T/retail_pos.yaml" || fail "could not set split_size"
"$NS_BIN" submit "$T/retail_pos.yaml" --date $DATE --var raw="file://$T/raw" --var out="file://$T/out" \
  --wait --json > "$T/status.json" || fail "job did not succeed: $(cat "$T/status.json")"
state=$(json_get state < "$T/status.json")
[ "$state" = succeeded ] || fail "state $state"
manifest=$(uri_path "$(json_get manifest < "$T/status.json")")
[ -f "$manifest" ] || fail "no manifest at $manifest"
maps=$(json_get maps_total < "$T/status.json")
[ "$maps" -gt 3 ] || fail "expected several map tasks, got $maps"
[ "$(json_get retries < "$T/status.json")" = 0 ] || fail "an undisturbed run retried tasks"

note "every manifest entry exists with its content_length"
n=0
while read -r url len; do
  f=${url#file://}
  [ -f "$f" ] || fail "manifest names missing $f"
  [ "$(stat -c %s "$f")" = "$len" ] || fail "content_length of $f is $len, file is $(stat -c %s "$f")"
  n=$((n + 1))
done < <(grep -o '"url":"[^"]*","mandatory":true,"meta":{"content_length":[0-9]*' "$manifest" |
         sed 's/"url":"\([^"]*\)".*"content_length":\([0-9]*\)/\1 \2/')
slices=$(grep -E '^\s*slices:' "$T/retail_pos.yaml" | grep -o '[0-9]*')
[ $((n % slices)) -eq 0 ] || fail "$n load files is not a multiple of $slices slices"

note "every load file is sorted by the sort key (NULL first)"
for f in $(manifest_urls "$manifest"); do
  zstd -dcq "$f" | sed 's/\\N//g' | LC_ALL=C sort -c -t'|' -k1,1 -k2,2 -k3,3 -k4,4 -k5,5 -k6,6 \
    || fail "$f is not sorted"
done

note "rows equal the model of the job over the valid input"
find "$T/raw/pos/dt=$DATE" -name '*.gz' | sort | xargs zcat | \
  awk -v fx="$T/raw/master/fx/dt=$DATE/rates.csv" -v products="$T/raw/master/products/dt=$DATE/products.csv" \
      -v dt=$DATE -f "$NS_SRC/tests/integration/expected_pos.awk" 2>"$T/expected.rejects" | LC_ALL=C sort > "$T/expected.txt"
manifest_content "$manifest" | LC_ALL=C sort > "$T/actual.txt"
[ -s "$T/expected.txt" ] || fail "model produced no rows"
if ! cmp -s "$T/expected.txt" "$T/actual.txt"; then
  diff "$T/expected.txt" "$T/actual.txt" | head -20 >&2
  fail "load files differ from the model ($(wc -l < "$T/expected.txt") expected rows, $(wc -l < "$T/actual.txt") actual)"
fi
exp_rejects=$(sed -n 's/rejects //p' "$T/expected.rejects")
rejects=$(json_get rejects < "$T/status.json")
[ "$exp_rejects" -gt 0 ] || fail "the generator planted no bad rows"
[ "$rejects" = "$exp_rejects" ] || fail "rejects: job says $rejects, model says $exp_rejects"
rows_out=$(json_get rows_out < "$T/status.json")
[ "$rows_out" = "$(wc -l < "$T/actual.txt")" ] || fail "rows_out $rows_out != rows in files"

note "reject files list object, offset and reason for each reject"
prefix=$(uri_path "$(json_get prefix < "$T/status.json")")
cat "$prefix"/rejects/*.txt > "$T/rejects.txt"
[ "$(wc -l < "$T/rejects.txt")" = "$rejects" ] || fail "reject files hold $(wc -l < "$T/rejects.txt") lines, expected $rejects"
awk -F'|' '$1 !~ /^file:\/\// || $2 !~ /^[0-9]+$/ || $3 == "" { bad++ } END { exit bad > 0 }' "$T/rejects.txt" \
  || fail "malformed reject lines: $(head -3 "$T/rejects.txt")"
# the offset points at the rejected line in the decompressed object
read -r obj off _ < <(head -1 "$T/rejects.txt" | awk -F'|' '{print $1, $2}')
raw=$(head -1 "$T/rejects.txt" | cut -d'|' -f4-)
line=$(set +o pipefail; zcat "${obj#file://}" | tail -c +$((off + 1)) | head -1 | tr -d '\r')
[ "${line:0:20}" = "$(printf '%s' "$raw" | sed 's/\\|/|/g' | cut -c1-20)" ] || fail "offset $off of $obj does not point at the rejected line"

note "nothing but the committed files is left under the prefix"
left=$(find "$prefix" -type f | grep -v -e '/manifest$' -e '/job.json$' -e '/rejects/' | sort)
want=$(manifest_urls "$manifest" | sort)
[ "$left" = "$want" ] || fail "stray files under $prefix: $(comm -23 <(echo "$left") <(echo "$want") | head -5)"
[ ! -d "$prefix/_tmp" ] || [ -z "$(find "$prefix/_tmp" -type f)" ] || fail "_tmp not cleaned"

note "a small target file size cuts each slice into several files, the same rows"
sed -e 's/^\(\s*target_file_size:\).*/\1 64KB/' "$T/retail_pos.yaml" > "$T/small_files.yaml"
"$NS_BIN" submit "$T/small_files.yaml" --date $DATE --var raw="file://$T/raw" --var out="file://$T/out-small" \
  --wait --json --quiet > "$T/small.json" || fail "small-files job failed"
small_manifest=$(uri_path "$(json_get manifest < "$T/small.json")")
nfiles=$(manifest_urls "$small_manifest" | wc -l)
[ "$nfiles" -gt "$slices" ] || fail "expected more than one file per slice, got $nfiles"
[ $((nfiles % slices)) -eq 0 ] || fail "$nfiles load files is not a multiple of $slices slices"
manifest_content "$small_manifest" | LC_ALL=C sort | cmp -s - "$T/actual.txt" || fail "cutting files changed the rows"
for f in $(manifest_urls "$small_manifest"); do
  zstd -dcq "$f" | sed 's/\\N//g' | LC_ALL=C sort -c -t'|' -k1,1 -k2,2 -k3,3 -k4,4 -k5,5 -k6,6 || fail "$f is not sorted"
done

note "bad input: a job whose input prefix is empty is refused with a clear error"
set +e
err=$("$NS_BIN" submit "$T/retail_pos.yaml" --date 2026-01-01 --var raw="file://$T/raw" --var out="file://$T/out" 2>&1)
rc=$?
set -e
[ $rc -eq 1 ] || fail "empty input: exit $rc"
echo "$err" | grep -q "no input objects" || fail "empty input: message '$err'"
echo "PASS"
