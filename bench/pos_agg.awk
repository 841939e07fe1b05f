# pos_agg.awk: the filter and aggregation of the retail_pos job
# (jobs/retail_pos.yaml) for the shell pipeline of bench/transform:
#
#   zcat pos-*.psv.gz | mawk -F'|' -f pos_agg.awk | LC_ALL=C sort ... | zstd
#
# Input: the concatenated POS extracts (header lines included). Keeps ITEM
# lines; a line with another number of fields than 20, a field that does not
# parse as its column's type (date, timestamp, int, decimal) or an empty
# required field (business_date, store_id, sku, qty, ext_amount) is a reject,
# as in nightshift. Sums qty, ext_amount and disc_amount (in cents, NULL as 0)
# per (business_date, store_id, sku, txn_type, promo_id, currency) in a hash
# table, drops groups whose sums are all zero, and prints one line per group,
# unsorted, with NULL as an empty field (so that `sort` puts it first, as the
# job does; the pipeline writes \N after sorting):
#
#   business_date|store_id|sku|txn_type|promo_id|currency|quantity|net|discount|retail
#
# Counts go to stderr as one line: items=N rejects=N groups=N.

function valid_date(s,    y, m, d, dim) {
    if (s in date_ok)
        return date_ok[s]
    date_ok[s] = 0
    if (s !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/)
        return 0
    y = substr(s, 1, 4) + 0; m = substr(s, 6, 2) + 0; d = substr(s, 9, 2) + 0
    if (y < 1 || m < 1 || m > 12 || d < 1)
        return 0
    dim = mdays[m]
    if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
        dim = 29
    if (d > dim)
        return 0
    date_ok[s] = 1
    return 1
}

function valid_ts(s) {
    if (s !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][Tt ][0-9][0-9]:[0-9][0-9]:[0-9][0-9](\.[0-9]+)?([Zz]|[-+][0-9][0-9]:[0-9][0-9])?$/)
        return 0
    if (substr(s, 12, 2) + 0 > 23 || substr(s, 15, 2) + 0 > 59 || substr(s, 18, 2) + 0 > 59)
        return 0
    return valid_date(substr(s, 1, 10))
}

# cents of a validated decimal text, rounded half away from zero
function cents(s,    v) {
    v = s * 100
    return v < 0 ? -int(-v + 0.5) : int(v + 0.5)
}

function money(c,    sign) {
    sign = ""
    if (c < 0) { sign = "-"; c = -c }
    return sprintf("%s%.0f.%02d", sign, int(c / 100), c % 100)
}

BEGIN {
    split("31 28 31 30 31 30 31 31 30 31 30 31", mdays, " ")
    items = 0; rejects = 0
}

$1 == "store_id" && $9 == "line_type" { next }   # a file's header line

NF != 20 { if ($9 == "ITEM") { items++ }; rejects++; next }

$9 != "ITEM" { next }

{
    items++
    # required: business_date, store_id, sku, qty, ext_amount
    if ($1 == "" || $11 == "" || $13 == "" || $15 == "" || !valid_date($2)) { rejects++; next }
    if ($6 != "" && !valid_ts($6)) { rejects++; next }
    if ($8 != "" && $8 !~ /^[-+]?[0-9]+$/) { rejects++; next }
    if ($13 !~ /^[-+]?[0-9]+$/) { rejects++; next }
    if ($14 != "" && $14 !~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)$/) { rejects++; next }
    if ($15 !~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)$/) { rejects++; next }
    if ($16 != "" && $16 !~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)$/) { rejects++; next }
    k = $2 "|" $1 "|" $11 "|" $5 "|" $17 "|" $19
    q[k] += $13
    e[k] += cents($15)
    if ($16 != "")
        d[k] += cents($16)
    else
        d[k] += 0
}

END {
    groups = 0
    for (k in q) {
        if (q[k] == 0 && e[k] == 0 && d[k] == 0)
            continue
        printf "%s|%.0f|%s|%s|retail\n", k, q[k], money(e[k]), money(d[k])
        groups++
    }
    printf "items=%d rejects=%d groups=%d\n", items, rejects, groups > "/dev/stderr"
}
