#!/usr/bin/env bash
# nightshift warehouse up|down|init|status (docs/WAREHOUSE.md, "Setting up
# the warehouse"):
#   - up starts a private PostgreSQL cluster in $NIGHTSHIFT_HOME (wal_level
#     minimal, no WAL senders), creates database nightshift with the schema,
#     writes and prints its conninfo; up again (already running) applies
#     the schema again and keeps data;
#   - as root with $NIGHTSHIFT_HOME where the postgres user cannot reach it
#     (under a 0700 directory): up places the cluster under
#     /var/lib/nightshift, says so and remembers it; down, status and up
#     again find it; an explicit --dir there is an error (not root: skipped);
#   - init is idempotent: rows loaded between two inits survive; a failing
#     init (the Redshift DDL on PostgreSQL) says why and changes nothing;
#   - status lists the tables with row counts and partitions;
#   - down stops it and removes the conninfo file; data survives a restart;
#   - a bad --warehouse is a clear error with exit code 3, without password;
#   - with NS_TEST_PG: init and status against an existing PostgreSQL.
. "$(dirname "$0")/lib.sh"
command -v psql >/dev/null || fail "needs psql (Debian package postgresql-client-15)"
# as root the server runs as the postgres user, which must reach $T
chmod 755 "$T"
# the root case's cluster lives outside $T: stopped and removed here
H2=$T/private/home
ALT=
trap 'rc=$?; "$NS_BIN" warehouse down >/dev/null 2>&1 || true
  if [ -n "$ALT" ]; then
    NIGHTSHIFT_HOME=$H2 "$NS_BIN" warehouse down >/dev/null 2>&1 || true; rm -rf "$ALT"
  fi; cleanup $rc' EXIT

# below Linux's ephemeral range (32768-60999), so that no client socket of
# another process takes it between this check and the server's bind
WPORT=$(( 32000 + RANDOM % 700 ))
while (exec 3<>/dev/tcp/127.0.0.1/$WPORT) 2>/dev/null; do WPORT=$(( WPORT + 1 )); done
DIR=$NIGHTSHIFT_HOME/warehouse/pg
CI_FILE=$NIGHTSHIFT_HOME/warehouse/conninfo
q() { psql "$1" -X -A -t -q -v ON_ERROR_STOP=1 -c "$2"; }
# status_row OUT TABLE: "rows partitions" of TABLE in status output
status_row() { awk -v t="$2" '$1 == t { print $2, $3 }' "$1"; }

note "up: a private cluster with the schema, its conninfo written and printed"
"$NS_BIN" warehouse up --port "$WPORT" > "$T/up1.txt" 2> "$T/up1.err" || fail "up: $(cat "$T/up1.err")"
CI=$(cat "$T/up1.txt")
[ "$CI" = "host=$DIR port=$WPORT user=postgres dbname=nightshift" ] || fail "up printed '$CI'"
[ "$(cat "$CI_FILE")" = "$CI" ] || fail "conninfo file: $(cat "$CI_FILE")"
[ "$(q "$CI" "SELECT count(*) FROM dim_date")" = 5844 ] || fail "dim_date not filled"
[ "$(q "$CI" "SELECT count(*) FROM pg_partitioned_table")" = 14 ] || fail "partitioned tables"
# no replicas: the loader's COPY into a table created in its transaction skips the WAL
[ "$(q "$CI" "SHOW wal_level")" = minimal ] || fail "wal_level $(q "$CI" "SHOW wal_level")"
[ "$(q "$CI" "SHOW max_wal_senders")" = 0 ] || fail "max_wal_senders"

note "status: every table, with rows and partitions (no --warehouse: the conninfo file)"
"$NS_BIN" warehouse status > "$T/st1.txt" || fail "status: $(cat "$T/st1.txt")"
grep -q "^warehouse: host=$DIR port=$WPORT dbname=nightshift user=postgres$" "$T/st1.txt" ||
  fail "status header: $(head -2 "$T/st1.txt")"
[ "$(status_row "$T/st1.txt" sales_retail)" = "0 0" ] || fail "status sales_retail: $(cat "$T/st1.txt")"
[ "$(status_row "$T/st1.txt" dim_date)" = "5844 " ] || fail "status dim_date: $(cat "$T/st1.txt")"
[ "$(status_row "$T/st1.txt" fact_sales)" = "view " ] || fail "status fact_sales"
! grep -q "^missing" "$T/st1.txt" || fail "status says tables are missing: $(cat "$T/st1.txt")"

note "rows loaded (a partition attached, as the loader does) survive up and init"
q "$CI" "CREATE TABLE sales_retail_p1 (LIKE sales_retail);
  INSERT INTO sales_retail_p1 VALUES ('2026-11-24', '0457', 'DRS-1042-BLK-M', 'SALE', NULL,
    'USD', 3, 30.00, 30.00, 0.00, 1, 'retail', '2026-11-24', 1);
  ALTER TABLE sales_retail ATTACH PARTITION sales_retail_p1 FOR VALUES IN (1);"
"$NS_BIN" warehouse up > "$T/up2.txt" 2>&1 || fail "up again: $(cat "$T/up2.txt")"
[ "$(cat "$T/up2.txt")" = "$CI" ] || fail "up again printed '$(cat "$T/up2.txt")'"
"$NS_BIN" warehouse init > "$T/init1.txt" 2>&1 || fail "init: $(cat "$T/init1.txt")"
grep -q "^schema applied: host=$DIR port=$WPORT dbname=nightshift user=postgres (15 tables, target postgres)$" \
  "$T/init1.txt" || fail "init output: $(cat "$T/init1.txt")"
"$NS_BIN" warehouse init >/dev/null 2>&1 || fail "init twice"
[ "$(q "$CI" "SELECT sum(units) FROM fact_sales")" = 3 ] || fail "the row did not survive init"
"$NS_BIN" warehouse status > "$T/st2.txt" || fail "status 2"
[ "$(status_row "$T/st2.txt" sales_retail)" = "1 1" ] || fail "status after load: $(cat "$T/st2.txt")"

note "a failing init (the Redshift DDL on PostgreSQL) says why and changes nothing"
rc=0
"$NS_BIN" warehouse init --target redshift > "$T/rs.out" 2> "$T/rs.err" || rc=$?
[ $rc = 1 ] || fail "init --target redshift on PostgreSQL: exit $rc"
grep -q "untested" "$T/rs.err" || fail "no note that Redshift is untested: $(cat "$T/rs.err")"
grep -q "warehouse init (warehouse/redshift/schema.sql) failed: .*syntax error" "$T/rs.err" ||
  fail "redshift init error: $(cat "$T/rs.err")"
[ "$(q "$CI" "SELECT count(*) FROM pg_class WHERE relname = 'sales_retail' AND relkind = 'p'")" = 1 ] ||
  fail "sales_retail changed"
[ "$(q "$CI" "SELECT sum(units) FROM fact_sales")" = 3 ] || fail "a failed init lost rows"

note "up on another port while running: refused"
rc=0
"$NS_BIN" warehouse up --port $(( WPORT + 1 )) > /dev/null 2> "$T/up3.err" || rc=$?
[ $rc = 1 ] && grep -q "already running on port $WPORT" "$T/up3.err" || fail "up --port other: exit $rc, $(cat "$T/up3.err")"

note "down: stopped, conninfo removed; data survives a restart"
"$NS_BIN" warehouse down > "$T/down.txt" || fail "down"
grep -q "^warehouse stopped: $DIR$" "$T/down.txt" || fail "down said: $(cat "$T/down.txt")"
[ ! -e "$CI_FILE" ] || fail "conninfo file left"
rc=0
"$NS_BIN" warehouse status --warehouse "$CI" > /dev/null 2> "$T/st3.err" || rc=$?
[ $rc = 3 ] && grep -q "cannot connect to the warehouse" "$T/st3.err" || fail "status after down: exit $rc"
"$NS_BIN" warehouse down > "$T/down2.txt" || fail "down twice"
grep -q "^warehouse not running: $DIR$" "$T/down2.txt" || fail "down twice: $(cat "$T/down2.txt")"
"$NS_BIN" warehouse up --port "$WPORT" > "$T/up4.txt" 2>&1 || fail "up after down: $(cat "$T/up4.txt")"
[ "$(q "$CI" "SELECT sum(units) FROM fact_sales")" = 3 ] || fail "rows lost by down/up"
"$NS_BIN" warehouse down > /dev/null || fail "down 2"

note "a bad --warehouse: a clear error, exit 3, no password shown"
for bad in "host=$T/nowhere port=1 dbname=x" "postgresql://u:secretpw@127.0.0.1:1/x" "bogus_option=1"; do
  rc=0
  "$NS_BIN" warehouse status --warehouse "$bad" > /dev/null 2> "$T/bad.err" || rc=$?
  [ $rc = 3 ] || fail "status --warehouse '$bad': exit $rc"
  grep -q "^nightshift: cannot connect to the warehouse: " "$T/bad.err" || fail "bad.err: $(cat "$T/bad.err")"
  ! grep -q secretpw "$T/bad.err" || fail "the password is in the message"
  rc=0
  "$NS_BIN" warehouse init --warehouse "$bad" > /dev/null 2>&1 || rc=$?
  [ $rc = 3 ] || fail "init --warehouse '$bad': exit $rc"
done
rc=0
"$NS_BIN" warehouse init --target oracle > /dev/null 2> "$T/bad.err" || rc=$?
[ $rc = 2 ] && grep -q "unknown warehouse target 'oracle'" "$T/bad.err" || fail "--target oracle: exit $rc"
rc=0
"$NS_BIN" warehouse up --port 80 > /dev/null 2>&1 || rc=$?
[ $rc = 2 ] || fail "up --port 80: exit $rc"

note "init --print: the DDL of each target"
"$NS_BIN" warehouse init --print > "$T/pg.sql" || fail "print postgres"
grep -q "PARTITION BY LIST (load_part);" "$T/pg.sql" || fail "print postgres: not the PostgreSQL DDL"
"$NS_BIN" warehouse init --print --target redshift > "$T/rs.sql" || fail "print redshift"
grep -q "^DISTSTYLE KEY DISTKEY (store_key)$" "$T/rs.sql" && ! grep -q "PARTITION BY" "$T/rs.sql" ||
  fail "print redshift: not the Redshift DDL"
for f in pg rs; do # the views (views.sql, one text for both) follow the tables
  grep -A3 "^CREATE OR REPLACE VIEW" "$T/$f.sql" > "$T/$f-views.sql"
  [ "$(grep -c "^CREATE OR REPLACE VIEW" "$T/$f-views.sql")" = 4 ] || fail "print $f: views"
  [ "$(grep -n "^CREATE OR REPLACE VIEW fact_sales" "$T/$f.sql" | cut -d: -f1)" -gt \
    "$(grep -n "^CREATE TABLE IF NOT EXISTS dim_date" "$T/$f.sql" | cut -d: -f1)" ] ||
    fail "print $f: the views before the tables"
done
cmp -s "$T/pg-views.sql" "$T/rs-views.sql" || fail "print: the views differ between targets"

if [ "$(id -u)" = 0 ]; then
  note "root, NIGHTSHIFT_HOME under a 0700 directory: the cluster goes under /var/lib/nightshift"
  mkdir -m 700 "$T/private"
  W2=$(( WPORT + 2 ))
  while (exec 3<>/dev/tcp/127.0.0.1/$W2) 2>/dev/null; do W2=$(( W2 + 1 )); done
  NIGHTSHIFT_HOME=$H2 "$NS_BIN" warehouse up --port "$W2" > "$T/alt-up.txt" 2> "$T/alt-up.err" ||
    fail "up as root in a closed home: $(cat "$T/alt-up.err")"
  ALT=$(cat "$H2/warehouse/location" 2>/dev/null) || fail "no location file: $(cat "$T/alt-up.err")"
  case "$ALT" in /var/lib/nightshift/warehouse-*) ;; *) fail "location '$ALT'" ;; esac
  ACI="host=$ALT port=$W2 user=postgres dbname=nightshift"
  [ "$(cat "$T/alt-up.txt")" = "$ACI" ] || fail "up printed '$(cat "$T/alt-up.txt")'"
  grep -q "cannot reach '$H2/warehouse/pg'; the warehouse is in '$ALT'" "$T/alt-up.err" ||
    fail "up did not say where: $(cat "$T/alt-up.err")"
  [ "$(stat -c %U:%a "$ALT")" = postgres:700 ] || fail "$ALT: $(stat -c %U:%a "$ALT")"
  [ ! -e "$H2/warehouse/pg" ] || fail "the unreachable directory was left"
  NIGHTSHIFT_HOME=$H2 "$NS_BIN" warehouse status > "$T/alt-st.txt" || fail "status: $(cat "$T/alt-st.txt")"
  grep -q "^warehouse: host=$ALT port=$W2 dbname=nightshift user=postgres$" "$T/alt-st.txt" ||
    fail "status: $(head -1 "$T/alt-st.txt")"
  q "$ACI" "CREATE TABLE fx_rate_p1 (LIKE fx_rate); INSERT INTO fx_rate_p1 VALUES ('CAD',
    '2026-11-24', 0.712345, 1); ALTER TABLE fx_rate ATTACH PARTITION fx_rate_p1 FOR VALUES IN (1);"
  NIGHTSHIFT_HOME=$H2 "$NS_BIN" warehouse down > "$T/alt-down.txt" || fail "down"
  grep -q "^warehouse stopped: $ALT$" "$T/alt-down.txt" || fail "down: $(cat "$T/alt-down.txt")"
  [ ! -e "$H2/warehouse/conninfo" ] && [ -e "$H2/warehouse/location" ] ||
    fail "down: conninfo left or location removed"
  NIGHTSHIFT_HOME=$H2 "$NS_BIN" warehouse up --port "$W2" > "$T/alt-up2.txt" 2> "$T/alt-up2.err" ||
    fail "up again: $(cat "$T/alt-up2.err")"
  [ "$(cat "$T/alt-up2.txt")" = "$ACI" ] || fail "up again printed '$(cat "$T/alt-up2.txt")'"
  [ "$(q "$ACI" "SELECT usd_per_unit FROM fx_rate")" = 0.712345 ] || fail "rows lost by down/up"
  NIGHTSHIFT_HOME=$H2 "$NS_BIN" warehouse down > /dev/null || fail "down 2"
  rc=0
  NIGHTSHIFT_HOME=$H2 "$NS_BIN" warehouse up --port "$W2" --dir "$T/private/pg" > /dev/null \
    2> "$T/alt-dir.err" || rc=$?
  [ $rc = 5 ] && grep -q "the postgres user cannot reach '$T/private/pg'" "$T/alt-dir.err" ||
    fail "an explicit --dir out of reach: exit $rc, $(cat "$T/alt-dir.err")"
else
  note "not root: the postgres-user-cannot-reach-the-home case is skipped (it needs root)"
fi

if [ -n "${NS_TEST_PG:-}" ]; then
  note "an existing PostgreSQL (NS_TEST_PG): init, rows, init again, status"
  DB=ns_wh_it_$$
  q "$NS_TEST_PG" "DROP DATABASE IF EXISTS $DB" 2>/dev/null
  q "$NS_TEST_PG" "CREATE DATABASE $DB"
  EXT="$NS_TEST_PG dbname=$DB" # a key=value conninfo: the last dbname wins
  "$NS_BIN" warehouse init --warehouse "$EXT" > "$T/ext.txt" 2>&1 || fail "init existing: $(cat "$T/ext.txt")"
  q "$EXT" "CREATE TABLE ads_daily_p5 (LIKE ads_daily);
    INSERT INTO ads_daily_p5 VALUES ('search', '2026-11-24', 'brand_core', 'a1', 'USD', 100, 7,
      12.34, 1.0, '2026-11-25', 5);
    ALTER TABLE ads_daily ATTACH PARTITION ads_daily_p5 FOR VALUES IN (5);"
  NIGHTSHIFT_WAREHOUSE="$EXT" "$NS_BIN" warehouse init > /dev/null 2>&1 || fail "init existing twice"
  NIGHTSHIFT_WAREHOUSE="$EXT" "$NS_BIN" warehouse status > "$T/ext-st.txt" || fail "status existing"
  grep -q "dbname=$DB " "$T/ext-st.txt" || fail "status existing: $(head -1 "$T/ext-st.txt")"
  [ "$(status_row "$T/ext-st.txt" ads_daily)" = "1 1" ] || fail "status existing: $(cat "$T/ext-st.txt")"
  [ "$(q "$EXT" "SELECT campaign || ' ' || platform FROM dim_campaign")" = "brand_core search" ] ||
    fail "dim_campaign"
  q "$NS_TEST_PG" "DROP DATABASE $DB WITH (FORCE)"
else
  note "NS_TEST_PG not set: the existing-PostgreSQL part is skipped (deploy/test sets it)"
fi
echo "OK"
