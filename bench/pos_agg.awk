# pos_agg.awk: the lookups, filter and aggregation of the retail_pos job
# (jobs/retail_pos.yaml) for the shell pipeline of bench/transform:
#
#   zcat pos-*.psv.gz | mawk -F'|' -v products=P.csv -v fx=R.csv -v dt=DATE \
#       -f pos_agg.awk | LC_ALL=C sort ... | zstd
#
# Lookups (read first, as the job's tasks load them): the product master
# `products` and the rates `fx` (CSV with a header, quoted fields, quoted
# line breaks, maybe a BOM and CRLF); a row with another number of fields
# or a number that does not parse is left out, as nightshift's lookup does.
#
# Input: the concatenated POS extracts (header lines included). Keeps ITEM
# lines; a line with another number of fields than 20, a field that does not
# parse as its column's type (date, timestamp, int, decimal), an empty
# required field (business_date, store_id, qty, ext_amount, currency), a
# sku not in the product master or a (currency, business_date) without a
# rate is a reject, as in nightshift. Per line, net_usd and discount_usd are
# ext_amount and disc_amount times the rate, rounded half away from zero to
# the cent (NULL disc_amount: NULL discount_usd). Sums units, net_local,
# net_usd, discount_usd (in cents; a group whose discounts are all NULL
# keeps NULL) and lines per (business_date, store_id, sku, txn_type,
# promo_id, currency) in a hash table and prints one line per group,
# unsorted, with NULL as an empty field (so that `sort` puts it first, as
# the job does; the pipeline writes \N after sorting), the columns of
# docs/WAREHOUSE.md "Sales":
#
#   business_date|store_key|sku|txn_type|promo_id|currency|units|net_local|net_usd|discount_usd|lines|retail|dt
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

# millionths of a validated decimal text (a rate), rounded half away from zero
function micros(s,    v) {
    v = s * 1000000
    return v < 0 ? -int(-v + 0.5) : int(v + 0.5)
}

# c cents times r millionths, in cents rounded half away from zero; exact
# while |c * r| < 2^53 (a line of 10^7 dollars at a rate of 9)
function usd(c, r,    p, neg, q, m) {
    p = c * r
    neg = p < 0
    if (neg) p = -p
    q = int(p / 1000000)
    m = p - q * 1000000
    if (m < 0) { q--; m += 1000000 }
    if (m >= 1000000) { q++; m -= 1000000 }
    if (2 * m >= 1000000) q++
    return neg ? -q : q
}

function is_decimal(s) {
    return s ~ /^[-+]?([0-9]+\.?[0-9]*|\.[0-9]+)$/
}

# Splits one CSV record of file f (its first line already in `line`) into
# csv[1..n], reading more lines while a quote is open; returns n, or -1 at
# the end of the file inside a quote.
function csv_record(f, line,    n, i, c, field, inq, more) {
    n = 0; field = ""; inq = 0
    for (;;) {
        sub(/\r$/, "", line)
        for (i = 1; i <= length(line); i++) {
            c = substr(line, i, 1)
            if (inq) {
                if (c == "\"") {
                    if (substr(line, i + 1, 1) == "\"") { field = field c; i++ }
                    else inq = 0
                } else field = field c
            } else if (c == "\"") inq = 1
            else if (c == ",") { csv[++n] = field; field = "" }
            else field = field c
        }
        if (!inq)
            break
        if ((getline more < f) <= 0)
            return -1
        field = field "\n"
        line = more
    }
    csv[++n] = field
    return n
}

# Loads the valid rows of a lookup CSV: with want fields, and every field
# listed in `dec` ("10 11 12 13") a decimal or empty; calls keep() for each.
function load_lookup(f, want, dec, which,    line, n, first, i, d, nd, ok) {
    nd = split(dec, d, " ")
    first = 1
    while ((getline line < f) > 0) {
        if (first) { sub(/^\357\273\277/, "", line); first = 0; continue } # BOM, header
        n = csv_record(f, line)
        if (n != want)
            continue
        ok = 1
        for (i = 1; i <= nd && ok; i++)
            if (csv[d[i]] != "" && !is_decimal(csv[d[i]]))
                ok = 0
        if (!ok)
            continue
        if (which == "products") {
            if (csv[1] != "" && !(csv[1] in sku_ok))
                sku_ok[csv[1]] = 1
        } else if (csv[1] != "" && valid_date(csv[2])) {
            # the first row of a key wins, a NULL rate too (its lines are rejects)
            if (!((csv[1] "|" csv[2]) in rate))
                rate[csv[1] "|" csv[2]] = csv[3] == "" ? "" : micros(csv[3])
        }
    }
    close(f)
}

function money(c,    sign) {
    sign = ""
    if (c < 0) { sign = "-"; c = -c }
    return sprintf("%s%.0f.%02d", sign, int(c / 100), c % 100)
}

BEGIN {
    split("31 28 31 30 31 30 31 31 30 31 30 31", mdays, " ")
    items = 0; rejects = 0
    if (products == "" || fx == "" || dt == "") {
        print "pos_agg.awk: needs -v products=FILE -v fx=FILE -v dt=DATE" > "/dev/stderr"
        bad_args = 1
        exit 2
    }
    load_lookup(products, 13, "10 11 12 13", "products")
    load_lookup(fx, 3, "3", "fx")
}

$1 == "store_id" && $9 == "line_type" { next }   # a file's header line

NF != 20 { if ($9 == "ITEM") { items++ }; rejects++; next }

$9 != "ITEM" { next }

{
    items++
    # required: business_date, store_id, qty, ext_amount, currency; the sku
    # and the rate are looked up (required too)
    if ($1 == "" || $13 == "" || $15 == "" || $19 == "" || !valid_date($2)) { rejects++; next }
    if ($6 != "" && !valid_ts($6)) { rejects++; next }
    if ($8 != "" && $8 !~ /^[-+]?[0-9]+$/) { rejects++; next }
    if ($13 !~ /^[-+]?[0-9]+$/) { rejects++; next }
    if ($14 != "" && !is_decimal($14)) { rejects++; next }
    if (!is_decimal($15)) { rejects++; next }
    if ($16 != "" && !is_decimal($16)) { rejects++; next }
    if (!($11 in sku_ok)) { rejects++; next }
    rk = $19 "|" $2
    if (!(rk in rate) || rate[rk] == "") { rejects++; next }
    r = rate[rk]
    k = $2 "|" $1 "|" $11 "|" $5 "|" $17 "|" $19
    c = cents($15)
    q[k] += $13
    e[k] += c
    u[k] += usd(c, r)
    n[k]++
    if ($16 != "") {
        d[k] += usd(cents($16), r)
        dn[k]++
    }
}

END {
    if (bad_args)
        exit 2
    groups = 0
    for (k in q) {
        printf "%s|%.0f|%s|%s|%s|%d|retail|%s\n", k, q[k], money(e[k]), money(u[k]),
            (k in dn) ? money(d[k]) : "", n[k], dt
        groups++
    }
    printf "items=%d rejects=%d groups=%d\n", items, rejects, groups > "/dev/stderr"
}
