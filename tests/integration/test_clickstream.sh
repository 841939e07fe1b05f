#!/usr/bin/env bash
# Clickstream end to end: concatenated JSON events (`}{`, no newlines) in
# hourly gzip files, a late event in a later hour's folder, a retried
# delivery (same messageId), read as format: json and sessionized by the C
# reduce plugin `sessionize`: 30 minutes of silence cut a session, the
# landing page and campaign are the first event's, an "Order Completed"
# event converts the session with its order id. A broken event is a reject.
. "$(dirname "$0")/lib.sh"
start_coordinator
start_worker
start_worker
wait_workers 2
d14=$T/raw/clickstream/2026/11/24/14
d15=$T/raw/clickstream/2026/11/24/15
mkdir -p "$d14" "$d15"
ev() { # ev TYPE MSGID ANON USER TS PATH [EVENT] [ORDER] [SOURCE]
  local user=null event="" order="" camp='{}'
  [ "$4" = - ] || user="\"$4\""
  [ -z "${7:-}" ] || event=",\"event\":\"$7\""
  [ -z "${8:-}" ] || order=",\"order_id\":\"$8\""
  [ -z "${9:-}" ] || camp="{\"campaign\":{\"source\":\"$9\",\"medium\":\"cpc\",\"name\":\"fall_denim\"}}"
  printf '{"type":"%s","messageId":"%s","anonymousId":"%s","userId":%s%s,"timestamp":"%s","receivedAt":"%s","properties":{"path":"%s"%s},"context":%s}' \
    "$1" "$2" "$3" "$user" "$event" "$5" "$5" "$6" "$order" "$camp"
}
{
  ev page m1 visitor-a - 2026-11-24T14:03:22.989Z / "" "" google
  ev page m2 visitor-a - 2026-11-24T14:05:00Z /p/linen-shirt
  ev page m2 visitor-a - 2026-11-24T14:05:00Z /p/linen-shirt   # the retried delivery
  ev page m9 visitor-b - 2026-11-24T14:20:00Z /p/jacket
  printf '{"type":"page","messageId":"broken",'                 # cut short: a reject
} | gzip > "$d14/clickstream-1-2026-11-24-14-00-00-aaaa.gz"
{
  ev track m3 visitor-a u1001 2026-11-24T14:31:00Z /checkout/thanks "Order Completed" 5940139491234
  echo
  ev page m4 visitor-a u1001 2026-11-24T15:10:00Z /sale   # 39 minutes later: a new session
  echo
} | gzip > "$d15/clickstream-1-2026-11-24-15-00-00-bbbb.gz"
cat > "$T/job.yaml" <<'EOF'
name: clicks_t
input:
  uri: "{raw}/clickstream/2026/11/24/"
  format: json
  concatenated: true
  columns:
    - {name: anonymous_id, type: string, path: anonymousId}
    - {name: ts, type: timestamp, path: timestamp}
    - {name: message_id, type: string, path: messageId}
    - {name: event_type, type: string, path: type}
    - {name: event_name, type: string, path: event}
    - {name: path, type: string, path: properties.path}
    - {name: user_id, type: string, path: userId}
    - {name: campaign_source, type: string, path: context.campaign.source}
    - {name: campaign_medium, type: string, path: context.campaign.medium}
    - {name: campaign_name, type: string, path: context.campaign.name}
    - {name: order_id, type: string, path: properties.order_id}
transform:
  - {name: anonymous_id, from: anonymous_id, required: true}
  - {name: ts, from: ts, required: true}
  - {name: message_id, from: message_id}
  - {name: event_type, from: event_type}
  - {name: event_name, from: event_name}
  - {name: path, from: path}
  - {name: user_id, from: user_id}
  - {name: campaign_source, from: campaign_source}
  - {name: campaign_medium, from: campaign_medium}
  - {name: campaign_name, from: campaign_name}
  - {name: order_id, from: order_id}
output:
  uri: "{out}"
  table: web_sessions
  sort_key: [anonymous_id, ts, message_id]
  reduce: {kind: plugin, name: sessionize, group: 1}
  slices: 2
error_budget: {max_rejects: 1}
EOF
"$NS_BIN" submit "$T/job.yaml" --date 2026-11-24 --var raw="file://$T/raw" --var out="file://$T/out" \
  --wait --json --quiet > "$T/st.json" || fail "job failed: $(cat "$T/st.json")"
manifest_content "$(uri_path "$(json_get manifest < "$T/st.json")")" | LC_ALL=C sort > "$T/got.txt"
a1=$(date -u -d 2026-11-24T14:03:22Z +%s)
a2=$(date -u -d 2026-11-24T15:10:00Z +%s)
b1=$(date -u -d 2026-11-24T14:20:00Z +%s)
cat > "$T/want.txt" <<EOF
visitor-a-$a1|visitor-a|u1001|2026-11-24|2026-11-24 14:03:22.989000|2026-11-24 14:31:00|3|2|/|google|cpc|fall_denim|t|5940139491234
visitor-a-$a2|visitor-a|u1001|2026-11-24|2026-11-24 15:10:00|2026-11-24 15:10:00|1|1|/sale|\N|\N|\N|f|\N
visitor-b-$b1|visitor-b|\N|2026-11-24|2026-11-24 14:20:00|2026-11-24 14:20:00|1|1|/p/jacket|\N|\N|\N|f|\N
EOF
diff "$T/want.txt" "$T/got.txt" >&2 || fail "sessions differ"
[ "$(json_get rejects < "$T/st.json")" = 1 ] || fail "expected the cut event as 1 reject: $(cat "$T/st.json")"

note "a job that does not give the plugin its columns is refused at submit"
sed 's/  - {name: event_name, from: event_name}//' "$T/job.yaml" > "$T/bad.yaml"
set +e
err=$("$NS_BIN" submit "$T/bad.yaml" --date 2026-11-24 --var raw="file://$T/raw" --var out="file://$T/x" 2>&1)
rc=$?
set -e
[ $rc -eq 1 ] && echo "$err" | grep -q "reduce plugin 'sessionize': the transform has no column 'event_name'" ||
  fail "plugin check: exit $rc, $err"
echo "PASS"
