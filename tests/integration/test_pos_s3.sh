#!/usr/bin/env bash
# The spine's POS job with its input and output on a real signature-checking
# S3 server (deploy/s3, started by deploy/test), three ways, all byte-identical:
#   1. a reference run on the local object store;
#   2. input uploaded by the AWS CLI (as multipart objects), the job reading
#      and writing s3://, its manifest and load files downloaded by the AWS
#      CLI and compared byte for byte with the reference;
#   3. the same through a fault-injecting proxy (503 SlowDown, connection
#      resets, bodies cut short), placed by the job's own s3: section: the
#      output is still byte-identical, no task had to be retried, and the
#      proxy's counters show that faults really were injected.
. "$(dirname "$0")/lib.sh"
require_s3
DATE=2026-11-24
RUN=pos-s3-$$-$RANDOM
"$NS_BIN" gen --sources pos,master --stores 40 --days 1 --start $DATE --seed 11 --bad-rate 0.003 --out "file://$T/raw" >/dev/null

# the fault proxy (step 3) first: a job's s3.endpoint must be one the
# processes allow (NIGHTSHIFT_S3_ENDPOINTS, docs/SECURITY.md)
start_fault_proxy "$AWS_ENDPOINT_URL" --seed 7 --p-503 0.06 --p-reset 0.03 --p-short 0.04
export NIGHTSHIFT_S3_ENDPOINTS=$PROXY_URL
start_coordinator
for _ in 1 2 3; do start_worker; done
wait_workers 3
sed -e 's/^\(\s*split_size:\).*/\1 512KB/' "$NS_SRC/jobs/retail_pos.yaml" > "$T/job.yaml"
grep -q 'split_size: 512KB' "$T/job.yaml" || fail "could not set split_size"

# part-SSSS-FFFF of a load file name (the attempt number may differ)
part_id() { basename "$1" | sed 's/^\(part-[0-9]*-[0-9]*\)-a[0-9]*\.psv\.zst$/\1/'; }

# check_against_reference DIR: DIR holds a downloaded job prefix (manifest,
# load/); its load files equal the reference's byte for byte, one for one,
# and the manifest names exactly them with their sizes.
check_against_reference() {
  local dir=$1 bucket=$2 n=0 f id url len
  for f in "$T"/out-ref-files/*.psv.zst; do
    id=$(part_id "$f")
    set -- "$dir"/load/"$id"-a*.psv.zst
    [ -f "$1" ] || fail "no $id in $dir/load"
    [ $# -eq 1 ] || fail "more than one $id in $dir/load: $*"
    cmp -s "$f" "$1" || fail "$1 differs from the reference $f"
    n=$((n + 1))
  done
  [ "$n" -gt 0 ] || fail "the reference has no load files"
  [ "$(find "$dir/load" -type f | wc -l)" = "$n" ] || fail "stray files in $dir/load: $(ls "$dir/load")"
  local m=0
  while read -r url len; do
    case "$url" in "s3://$bucket/"*) ;; *) fail "manifest url $url is not under s3://$bucket/" ;; esac
    f=$dir/load/$(basename "$url")
    [ -f "$f" ] || fail "the manifest names $url, which is not there"
    [ "$(stat -c %s "$f")" = "$len" ] || fail "content_length of $url is $len, object is $(stat -c %s "$f")"
    m=$((m + 1))
  done < <(grep -o '"url":"[^"]*","mandatory":true,"meta":{"content_length":[0-9]*' "$dir/manifest" |
           sed 's/"url":"\([^"]*\)".*"content_length":\([0-9]*\)/\1 \2/')
  [ "$m" = "$n" ] || fail "the manifest names $m files, $n were written"
}

note "reference: the job on the local object store"
"$NS_BIN" submit "$T/job.yaml" --date $DATE --var raw="file://$T/raw" --var out="file://$T/out" \
  --wait --json --quiet > "$T/ref.json" || fail "reference job failed: $(cat "$T/ref.json")"
ref_prefix=$(uri_path "$(json_get prefix < "$T/ref.json")")
mkdir -p "$T/out-ref-files"
cp "$ref_prefix"/load/*.psv.zst "$T/out-ref-files/"

note "input written by the AWS CLI, as multipart objects"
printf '[default]\ns3 =\n  multipart_threshold = 16KB\n  multipart_chunksize = 5MB\n' > "$T/aws-cli.config"
AWS_CONFIG_FILE=$T/aws-cli.config "${AWS[@]}" s3 cp --recursive --only-show-errors \
  "$T/raw" "s3://$S3_BUCKET/$RUN/raw" || fail "aws s3 cp (upload) failed"
first=$(cd "$T/raw" && find . -type f -name '*.gz' | sort | head -1)
etag=$("${AWS[@]}" s3api head-object --bucket "$S3_BUCKET" --key "$RUN/raw/${first#./}" \
  --query ETag --output text)
case "$etag" in *-1*) ;; *) fail "expected a multipart ETag (…-1) from the AWS CLI, got $etag" ;; esac

note "the job with s3:// input and output"
"$NS_BIN" submit "$T/job.yaml" --date $DATE --var raw="s3://$S3_BUCKET/$RUN/raw" \
  --var out="s3://$S3_BUCKET/$RUN/out" --wait --json --quiet > "$T/s3.json" ||
  fail "S3 job failed: $(cat "$T/s3.json")"
for k in rows_in rows_out rejects maps_total; do
  [ "$(json_get $k < "$T/s3.json")" = "$(json_get $k < "$T/ref.json")" ] ||
    fail "$k: $(json_get $k < "$T/s3.json") on S3, $(json_get $k < "$T/ref.json") locally"
done
prefix=$(json_get prefix < "$T/s3.json")
case "$prefix" in "s3://$S3_BUCKET/$RUN/out/"*) ;; *) fail "job prefix $prefix" ;; esac
[ "$(json_get manifest < "$T/s3.json")" = "${prefix}manifest" ] || fail "manifest $(json_get manifest < "$T/s3.json")"

note "load files and manifest read back by the AWS CLI, byte-identical"
"${AWS[@]}" s3 cp --recursive --only-show-errors "$prefix" "$T/s3-out" || fail "aws s3 cp (download) failed"
check_against_reference "$T/s3-out" "$S3_BUCKET"
# nothing but the committed files, the manifest, job.json and rejects is left
keyprefix=${prefix#s3://$S3_BUCKET/}
"${AWS[@]}" s3 ls --recursive "$prefix" | awk '{print $4}' | sed "s|^$keyprefix||" |
  grep -v -e '^manifest$' -e '^job.json$' -e '^rejects/' -e '^load/' > "$T/stray.txt" || true
[ ! -s "$T/stray.txt" ] || fail "stray objects under $prefix: $(head -5 "$T/stray.txt")"
nrej=$(cat "$T/s3-out"/rejects/*.txt | wc -l)
[ "$nrej" = "$(json_get rejects < "$T/s3.json")" ] || fail "reject files hold $nrej lines"
grep -q "^s3://$S3_BUCKET/$RUN/raw/pos/" "$T/s3-out"/rejects/*.txt || fail "rejects do not name the s3:// objects"

note "nightshift store sees what the AWS CLI sees"
"$NS_BIN" store cat "${prefix}manifest" | cmp -s - "$T/s3-out/manifest" || fail "store cat of the manifest differs"
[ "$("$NS_BIN" store ls "$prefix" | wc -l)" = "$("${AWS[@]}" s3 ls --recursive "$prefix" | wc -l)" ] ||
  fail "store ls and aws s3 ls list different counts under $prefix"
echo "put by nightshift" | "$NS_BIN" store put "s3://$S3_BUCKET/$RUN/dt=1/a b+c.txt" || fail "store put"
[ "$("${AWS[@]}" s3 cp "s3://$S3_BUCKET/$RUN/dt=1/a b+c.txt" -)" = "put by nightshift" ] || fail "aws cannot read what store put wrote"
"$NS_BIN" store rm "s3://$S3_BUCKET/$RUN/dt=1/a b+c.txt" || fail "store rm"
set +e
"$NS_BIN" store cat "s3://$S3_BUCKET/$RUN/dt=1/a b+c.txt" > /dev/null 2> "$T/err.txt"
rc=$?
set -e
[ $rc -eq 5 ] && grep -q "not found" "$T/err.txt" || fail "store cat of a deleted object: exit $rc, $(cat "$T/err.txt")"

note "through a proxy that injects 503 SlowDown, resets and short bodies"
FB=$S3_BUCKET-f$$
"${AWS[@]}" s3 mb "s3://$FB" >/dev/null || fail "cannot create bucket $FB"
"${AWS[@]}" s3 cp --recursive --only-show-errors "$T/raw" "s3://$FB/raw" || fail "upload to $FB failed"
# the job's own s3: section sends this bucket through the proxy
cp "$T/job.yaml" "$T/faults.yaml"
printf 's3:\n  endpoint: "%s"\n' "$PROXY_URL" >> "$T/faults.yaml"
"$NS_BIN" submit "$T/faults.yaml" --date $DATE --var raw="s3://$FB/raw" --var out="s3://$FB/out" \
  --wait --json --quiet > "$T/faults.json" || fail "job under faults failed: $(cat "$T/faults.json")"
cat "$PROXY_STATS"; echo
stat_of() { grep -o "\"$1\": *[0-9]*" "$PROXY_STATS" | grep -o '[0-9]*$'; }
[ "$(stat_of fault_503)" -gt 0 ] || fail "the proxy injected no 503s"
[ $(( $(stat_of fault_reset) + $(stat_of fault_short) )) -gt 0 ] || fail "the proxy cut no connection"
[ "$(json_get retries < "$T/faults.json")" = 0 ] || fail "S3 faults made tasks fail and retry: $(cat "$T/faults.json")"
fprefix=$(json_get prefix < "$T/faults.json")
"${AWS[@]}" s3 cp --recursive --only-show-errors "$fprefix" "$T/faults-out" || fail "download of $fprefix failed"
check_against_reference "$T/faults-out" "$FB"

note "no credentials in any log line"
if grep -r -l -e "$AWS_SECRET_ACCESS_KEY" -e "Signature=" -e "Credential=" "$T/logs" "$NIGHTSHIFT_HOME" 2>/dev/null; then
  fail "a log holds credentials or a signature"
fi
echo "PASS"
