# An independent model of the retail_pos job, for the integration tests:
# reads raw POS lines (header included, any number of files concatenated)
# and prints the expected sales rows in load-file form (the columns of
# docs/WAREHOUSE.md "Sales"), plus the expected reject count on stderr as
# "rejects N". Kept deliberately simple and separate from the C code it
# checks.
#   awk -v fx=RATES_CSV -v products=PRODUCTS_CSV -v dt=YYYY-MM-DD -f expected_pos.awk
# fx: master/fx rates.csv (currency,rate_date,usd_per_unit); products:
# master/products products.csv (only its first field, the sku, is used:
# the master's quoted descriptions never start a line with a known sku).
BEGIN {
  FS = "|"; OFS = "|"; rejects = 0
  while ((getline l < fx) > 0) {
    split(l, a, ",")
    if (a[3] ~ /^[0-9]+\.[0-9]+$/) rate[a[1] "," a[2]] = micro(a[3])
  }
  while ((getline l < products) > 0) {
    split(l, a, ",")
    if (a[1] ~ /^[A-Z]+-[0-9]+-[A-Z]+-[A-Z0-9]+$/) known[a[1]] = 1
  }
}
function micro(s,   p, fp) { # "0.713418" -> 713418
  p = index(s, "."); fp = substr(s, p + 1)
  while (length(fp) < 6) fp = fp "0"
  return substr(s, 1, p - 1) * 1000000 + substr(fp, 1, 6)
}
function usd(c, m,   p, q) { # round_half_away_from_zero(c * m / 10^6)
  p = c * m
  q = int(p / 1000000)
  if (p - q * 1000000 >= 500000) q++
  else if (q * 1000000 - p >= 500000) q--
  return q
}
function cents(s,   sign, p, ip, fp) {
  sign = 1
  if (substr(s, 1, 1) == "-") { sign = -1; s = substr(s, 2) }
  p = index(s, ".")
  if (p == 0) return sign * (s * 100)
  ip = substr(s, 1, p - 1); fp = substr(s, p + 1)
  while (length(fp) < 2) fp = fp "0"
  return sign * (ip * 100 + substr(fp, 1, 2))
}
function money(c,   sign) {
  sign = ""
  if (c < 0) { sign = "-"; c = -c }
  return sprintf("%s%d.%02d", sign, int(c / 100), c % 100)
}
function leap(y) { return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }
function okdate(s,   y, m, d, mdays) {
  if (s !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]$/) return 0
  y = substr(s, 1, 4) + 0; m = substr(s, 6, 2) + 0; d = substr(s, 9, 2) + 0
  if (m < 1 || m > 12 || d < 1) return 0
  split("31 28 31 30 31 30 31 31 30 31 30 31", mdays, " ")
  if (m == 2 && leap(y)) return d <= 29
  return d <= mdays[m]
}
function okts(s) {
  if (s == "") return 1
  if (s !~ /^[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9][T ][0-9][0-9]:[0-9][0-9]:[0-9][0-9]$/) return 0
  return okdate(substr(s, 1, 10)) && substr(s, 12, 2) + 0 < 24 && substr(s, 15, 2) + 0 < 60 && substr(s, 18, 2) + 0 < 61
}
function okint(s) { return s == "" || s ~ /^-?[0-9]+$/ }
function okdec(s) { return s == "" || s ~ /^-?[0-9]+(\.[0-9]+)?$/ }
function nul(s) { return s == "" ? "\\N" : s }
$1 == "store_id" { next }          # header line of each file
{ sub(/\r$/, "") }
NF != 20 { rejects++; next }
$9 != "ITEM" { next }              # tender lines are not sales
!okdate($2) || !okts($6) || !okint($8) || !okint($13) || !okdec($14) || !okdec($15) || !okdec($16) { rejects++; next }
$1 == "" || $2 == "" || $11 == "" || !($11 in known) || $19 == "" || !(($19 "," $2) in rate) || $13 == "" || $15 == "" { rejects++; next }   # required columns and lookups
{
  k = $2 OFS $1 OFS $11 OFS nul($5) OFS nul($17) OFS nul($19)
  if (!(k in q)) { q[k] = 0; net[k] = 0; usdnet[k] = 0; disc[k] = 0; nd[k] = 0; lines[k] = 0 }
  m = rate[$19 "," $2]
  q[k] += $13; net[k] += cents($15); usdnet[k] += usd(cents($15), m); lines[k]++
  if ($16 != "") { disc[k] += usd(cents($16), m); nd[k] = 1 }
}
END {
  for (k in q)   # a fully voided sale stays: its lines count (units and amounts 0)
    print k, q[k], money(net[k]), money(usdnet[k]), (nd[k] ? money(disc[k]) : "\\N"), lines[k], "retail", dt
  print "rejects " rejects > "/dev/stderr"
}
