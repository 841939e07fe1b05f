# An independent model of the retail_pos job, for the integration tests:
# reads raw POS lines (header included, any number of files concatenated)
# and prints the expected sales rows in load-file form, plus the expected
# reject count on stderr as "rejects N". Kept deliberately simple and
# separate from the C code it checks.
BEGIN { FS = "|"; OFS = "|"; rejects = 0 }
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
$1 == "" || $2 == "" || $11 == "" || $13 == "" || $15 == "" { rejects++; next }   # required columns
{
  k = $2 OFS $1 OFS $11 OFS nul($5) OFS nul($17) OFS nul($19)
  if (!(k in q)) { q[k] = 0; net[k] = 0; disc[k] = 0; nq[k] = 0; nn[k] = 0; nd[k] = 0 }
  if ($13 != "") { q[k] += $13; nq[k] = 1 }
  if ($15 != "") { net[k] += cents($15); nn[k] = 1 }
  if ($16 != "") { disc[k] += cents($16); nd[k] = 1 }
}
END {
  for (k in q) {
    if (q[k] == 0 && net[k] == 0 && disc[k] == 0) continue   # voids net out
    print k, (nq[k] ? q[k] : "\\N"), (nn[k] ? money(net[k]) : "\\N"), (nd[k] ? money(disc[k]) : "\\N"), "retail"
  }
  print "rejects " rejects > "/dev/stderr"
}
