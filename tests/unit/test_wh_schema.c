/*
 * test_wh_schema: the warehouse DDL (warehouse/postgres/schema.sql and
 * warehouse/redshift/schema.sql, each followed by warehouse/views.sql, as
 * compiled into the binary) against the jobs that fill it and against each
 * other:
 *   - every job of jobs/ (every .yaml) has its output.table, with exactly its load
 *     files' columns in order and their types, plus load_part last, as a
 *     table partitioned by LIST (load_part) with no partition, on a real
 *     PostgreSQL (information_schema; NS_TEST_PG);
 *   - init is idempotent: a second and third run keep the rows loaded in
 *     between, and dim_date has every day of 2020..2035 once;
 *   - the Redshift dim_date fill, run on PostgreSQL, gives the same rows as
 *     PostgreSQL's generate_series fill;
 *   - golden text: every PostgreSQL table is in the Redshift DDL with the
 *     same columns in the same order (load_part aside), each with ENCODE,
 *     DISTSTYLE and COMPOUND SORTKEY, DISTKEY and SORTKEY following the
 *     jobs' distribution and sort keys; a table made LIKE another has its
 *     columns; the four Redshift sales tables, written out (LIKE would
 *     copy sales_retail's keys), have the same columns, types and ENCODE;
 *   - the views are in views.sql only, applied for both targets.
 * The database tests need a PostgreSQL server: set NS_TEST_PG to a libpq
 * conninfo (deploy/pg start prints one; deploy/test sets it). They create
 * and drop a database of their own.
 */
#include "ns_job.h"
#include "ns_plugin.h"
#include "ns_test_util.h"
#include "ns_wh.h"
#include "ns_wh_schema.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_MAXCOL 64
#define S_MAXTAB 48

/* ---- the DDL as text ---- */

typedef struct {
    char name[64];
    char cols[S_MAXCOL][64];
    char types[S_MAXCOL][64];
    int encoded[S_MAXCOL]; /* the column has ENCODE */
    char enc[S_MAXCOL][16];  /* its encoding (AZ64, ZSTD, ...) */
    int ncol;
    char attrs[512];       /* what follows the column list up to ';' */
} s_table_t;

static const s_table_t *s_find(const s_table_t *t, int n, const char *name)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(t[i].name, name))
            return &t[i];
    return NULL;
}

/* Parses every "CREATE TABLE IF NOT EXISTS" of sql: one column per line,
 * "name TYPE ...", until a line starting with ")" or "PRIMARY KEY"; or
 * "(LIKE parent ...)", parent a table before it, whose columns it gets. */
static int s_parse_tables(const char *sql, s_table_t *t, int cap)
{
    static const char key[] = "\nCREATE TABLE IF NOT EXISTS ";
    int n = 0;
    for (const char *p = strstr(sql, key); p; p = strstr(p, key)) {
        cr_assert_lt(n, cap);
        s_table_t *tb = &t[n++];
        memset(tb, 0, sizeof *tb);
        p += sizeof key - 1;
        sscanf(p, "%63[a-z_0-9]", tb->name);
        p += strlen(tb->name);
        char parent[64];
        if (sscanf(p, " (LIKE %63[a-z_0-9]", parent) == 1) {
            const s_table_t *pt = s_find(t, n - 1, parent);
            cr_assert(pt, "%s: LIKE %s, a table not before it", tb->name, parent);
            char name[64];
            memcpy(name, tb->name, sizeof name);
            *tb = *pt;
            memcpy(tb->name, name, sizeof name);
            p = strchr(p, ')');
            cr_assert(p, "%s: no end of LIKE %s", tb->name, parent);
            memset(tb->attrs, 0, sizeof tb->attrs);
        } else {
            p = strchr(p, '\n') + 1;
        }
        while (*p && *p != ')') {
            const char *e = strchr(p, '\n');
            cr_assert(e, "%s: no end of the column list", tb->name);
            char line[512];
            snprintf(line, sizeof line, "%.*s", (int)(e - p), p);
            const char *l = line;
            while (*l == ' ')
                l++;
            if (*l == ')' || !strncmp(l, "PRIMARY KEY", 11)) {
                if (*l == 'P')
                    p = e + 1;
                break;
            }
            p = e + 1;
            cr_assert_lt(tb->ncol, S_MAXCOL);
            int c = tb->ncol++;
            cr_assert_eq(sscanf(l, "%63s %63[A-Z0-9(),]", tb->cols[c], tb->types[c]), 2,
                         "%s: cannot read the column line '%s'", tb->name, line);
            size_t tl = strlen(tb->types[c]);
            if (tl && tb->types[c][tl - 1] == ',')
                tb->types[c][tl - 1] = '\0';
            const char *en = strstr(l, " ENCODE ");
            tb->encoded[c] = en != NULL;
            if (en)
                sscanf(en + 8, "%15[A-Z0-9]", tb->enc[c]);
        }
        while (*p == ' ' || *p == ')' || *p == '\n')
            p++;
        const char *semi = strchr(p, ';');
        cr_assert(semi);
        snprintf(tb->attrs, sizeof tb->attrs, "%.*s", (int)(semi - p), p);
    }
    return n;
}

static int s_col(const s_table_t *t, const char *name)
{
    for (int i = 0; i < t->ncol; i++)
        if (!strcmp(t->cols[i], name))
            return i;
    return -1;
}

/* The "A, B, C" inside "WORD (" ... ")" of attrs, split; -1 if absent. */
static int s_attr_list(const char *attrs, const char *word, char out[][64], int cap)
{
    const char *p = strstr(attrs, word);
    if (!p)
        return -1;
    p = strchr(p, '(');
    cr_assert(p);
    p++;
    int n = 0;
    while (*p && *p != ')') {
        while (*p == ' ' || *p == ',')
            p++;
        size_t len = strcspn(p, ", )");
        cr_assert_lt(n, cap);
        snprintf(out[n++], 64, "%.*s", (int)len, p);
        p += len;
    }
    return n;
}

/* The DDL of target t as ns_wh_init applies it: its files, in order, as
 * one text (kept for the test's process). */
static const char *s_ddl(ns_wh_target_t t)
{
    static char *ddl[2];
    if (ddl[t])
        return ddl[t];
    size_t len = 0;
    for (const char *const *f = ns_wh_schema_files(t); *f; f++) {
        cr_assert(ns_wh_sql(*f), "warehouse/%s is not compiled in", *f);
        len += strlen(ns_wh_sql(*f));
    }
    ddl[t] = calloc(1, len + 1);
    cr_assert(ddl[t]);
    for (const char *const *f = ns_wh_schema_files(t); *f; f++)
        strcat(ddl[t], ns_wh_sql(*f));
    return ddl[t];
}

/* Every "CREATE OR REPLACE VIEW" statement of sql (up to its ';'), in order. */
static int s_views(const char *sql, char **out, int cap)
{
    int n = 0;
    for (const char *p = strstr(sql, "CREATE OR REPLACE VIEW"); p;
         p = strstr(p + 1, "CREATE OR REPLACE VIEW")) {
        const char *e = strchr(p, ';');
        cr_assert(e && n < cap);
        out[n++] = strndup(p, (size_t)(e - p + 1));
    }
    return n;
}

/* ---- the jobs ---- */

typedef struct {
    char file[256];
    char table[64];
    int ncol;
    char cols[S_MAXCOL][64];
    ns_coltype_t types[S_MAXCOL];
    int ndist, nsort;
    char dist[S_MAXCOL][64];
    char sort[S_MAXCOL][64];
} s_jobcols_t;

/* Every job file with an output table: its load files' columns and keys. */
static int s_jobs(s_jobcols_t *jobs, int cap)
{
    char dir[1024], pat[1100];
    ns_test_srcdir(dir, sizeof dir);
    snprintf(pat, sizeof pat, "%sjobs/*.yaml", dir);
    glob_t g;
    cr_assert_eq(glob(pat, 0, NULL, &g), 0, "no job files at '%s'", pat);
    int n = 0;
    for (size_t i = 0; i < g.gl_pathc; i++) {
        FILE *f = fopen(g.gl_pathv[i], "rb");
        cr_assert(f, "cannot open '%s'", g.gl_pathv[i]);
        static char text[1 << 20];
        size_t len = fread(text, 1, sizeof text - 1, f);
        fclose(f);
        text[len] = '\0';
        static const ns_var_t vars[] = {
            {"raw", "file:///raw"}, {"out", "file:///out"}, {"date", "2026-11-24"}};
        ns_err_t err;
        ns_err_clear(&err);
        ns_job_t *j = ns_job_parse(text, len, g.gl_pathv[i], vars, 3, &err);
        cr_assert(j, "%s", err.msg);
        if (!j->table) {
            ns_job_destroy(&j);
            continue;
        }
        cr_assert_lt(n, cap);
        s_jobcols_t *jc = &jobs[n++];
        memset(jc, 0, sizeof *jc);
        snprintf(jc->file, sizeof jc->file, "%s", strrchr(g.gl_pathv[i], '/') + 1);
        snprintf(jc->table, sizeof jc->table, "%s", j->table);
        const char *const *names;
        const ns_coltype_t *types;
        int nc;
        cr_assert_eq(ns_plugin_load_schema(j, &names, &types, &nc, &err), 0, "%s", err.msg);
        cr_assert_leq(nc, S_MAXCOL);
        jc->ncol = nc;
        for (int k = 0; k < nc; k++) {
            snprintf(jc->cols[k], 64, "%s", names ? names[k] : j->out[k].name);
            jc->types[k] = types[k];
        }
        /* keys as names of transform output columns */
        jc->ndist = j->ndist;
        for (int k = 0; k < j->ndist; k++)
            snprintf(jc->dist[k], 64, "%s", j->out[j->dist_key[k]].name);
        jc->nsort = j->nsort;
        for (int k = 0; k < j->nsort; k++)
            snprintf(jc->sort[k], 64, "%s", j->out[j->sort_key[k]].name);
        ns_job_destroy(&j);
    }
    globfree(&g);
    cr_assert_gt(n, 10, "only %d job files with an output table", n);
    return n;
}

static int s_is_load_col(const s_jobcols_t *jc, const char *name)
{
    for (int k = 0; k < jc->ncol; k++)
        if (!strcmp(jc->cols[k], name))
            return 1;
    return 0;
}

/* information_schema's data_type of a nightshift type */
static const char *s_pg_type(const ns_coltype_t *t)
{
    switch (t->type) {
    case NS_T_STRING: return "text";
    case NS_T_INT: return "bigint";
    case NS_T_DECIMAL: return "numeric";
    case NS_T_DATE: return "date";
    case NS_T_TIMESTAMP: return "timestamp without time zone";
    case NS_T_BOOL: return "boolean";
    default: return "?";
    }
}

/* ---- PostgreSQL ---- */

static char s_db[64];
static char s_ci[1024];

/* PostgreSQL's notices ("does not exist, skipping") are not the test's output */
static void s_quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static PGresult *s_q(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    cr_assert(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql,
              PQerrorMessage(c));
    return r;
}

static void s_x(PGconn *c, const char *sql)
{
    PQclear(s_q(c, sql));
}

static long s_count(PGconn *c, const char *sql)
{
    PGresult *r = s_q(c, sql);
    long v = atol(PQgetvalue(r, 0, 0));
    PQclear(r);
    return v;
}

static PGconn *s_connect_db(const char *db)
{
    const char *keys[] = {"dbname", "dbname", NULL};
    const char *vals[] = {s_ci, db, NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    cr_assert(c && PQstatus(c) == CONNECTION_OK, "cannot connect to database '%s': %s", db,
              c ? PQerrorMessage(c) : "out of memory");
    PQsetNoticeProcessor(c, s_quiet, NULL);
    return c;
}

/* A fresh database of this test, the schema not applied yet. */
static PGconn *s_fresh_db(void)
{
    const char *ci = getenv("NS_TEST_PG");
    cr_assert(ci && *ci,
              "NS_TEST_PG is not set: these tests need a PostgreSQL server; set NS_TEST_PG to "
              "a libpq conninfo, e.g. \"host=/tmp/pg port=5432 user=postgres dbname=postgres\"");
    snprintf(s_ci, sizeof s_ci, "%s", ci);
    PGconn *admin = PQconnectdb(ci);
    cr_assert(admin && PQstatus(admin) == CONNECTION_OK, "cannot connect to '%s': %s", ci,
              admin ? PQerrorMessage(admin) : "out of memory");
    PQsetNoticeProcessor(admin, s_quiet, NULL);
    snprintf(s_db, sizeof s_db, "ns_wh_schema_%ld", (long)getpid());
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s", s_db);
    s_x(admin, sql);
    snprintf(sql, sizeof sql, "CREATE DATABASE %s", s_db);
    s_x(admin, sql);
    PQfinish(admin);
    return s_connect_db(s_db);
}

static void s_drop_db(PGconn *c)
{
    PQfinish(c);
    PGconn *admin = PQconnectdb(s_ci);
    char sql[160];
    snprintf(sql, sizeof sql, "DROP DATABASE IF EXISTS %s WITH (FORCE)", s_db);
    s_x(admin, sql);
    PQfinish(admin);
}

static void s_init(PGconn *c, ns_wh_target_t t)
{
    ns_err_t err;
    ns_err_clear(&err);
    cr_assert_eq(ns_wh_init(c, t, &err), 0, "%s", err.msg);
}

Test(wh_schema, every_job_table_matches_on_postgres)
{
    static s_jobcols_t jobs[S_MAXTAB];
    int nj = s_jobs(jobs, S_MAXTAB);
    PGconn *c = s_fresh_db();
    s_init(c, NS_WH_POSTGRES);
    for (int i = 0; i < nj; i++) {
        const s_jobcols_t *jc = &jobs[i];
        char sql[512];
        snprintf(sql, sizeof sql,
                 "SELECT column_name, data_type, coalesce(numeric_scale, 0), is_nullable"
                 " FROM information_schema.columns WHERE table_schema = 'public'"
                 " AND table_name = '%s' ORDER BY ordinal_position", jc->table);
        PGresult *r = s_q(c, sql);
        cr_assert_gt(PQntuples(r), 0, "%s: its table '%s' is not in postgres/schema.sql",
                     jc->file, jc->table);
        cr_assert_eq(PQntuples(r), jc->ncol + 1,
                     "%s: table '%s' has %d columns, the job's load files %d (+ load_part)",
                     jc->file, jc->table, PQntuples(r), jc->ncol);
        for (int k = 0; k < jc->ncol; k++) {
            cr_assert_str_eq(PQgetvalue(r, k, 0), jc->cols[k], "%s: %s column %d", jc->file,
                             jc->table, k + 1);
            cr_assert_str_eq(PQgetvalue(r, k, 1), s_pg_type(&jc->types[k]), "%s: %s.%s",
                             jc->file, jc->table, jc->cols[k]);
            if (jc->types[k].type == NS_T_DECIMAL)
                cr_assert_eq(atoi(PQgetvalue(r, k, 2)), jc->types[k].scale,
                             "%s: %s.%s scale", jc->file, jc->table, jc->cols[k]);
        }
        cr_assert_str_eq(PQgetvalue(r, jc->ncol, 0), "load_part", "%s: last column",
                         jc->table);
        cr_assert_str_eq(PQgetvalue(r, jc->ncol, 1), "bigint");
        cr_assert_str_eq(PQgetvalue(r, jc->ncol, 3), "NO", "%s.load_part NOT NULL", jc->table);
        PQclear(r);
        /* partitioned by LIST (load_part), no partition, no constraint */
        snprintf(sql, sizeof sql,
                 "SELECT p.partstrat, a.attname,"
                 " (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid),"
                 " (SELECT count(*) FROM pg_constraint k WHERE k.conrelid = c.oid"
                 "  AND k.contype IN ('p', 'u'))"
                 " FROM pg_class c JOIN pg_partitioned_table p ON p.partrelid = c.oid"
                 " JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum = p.partattrs[0]"
                 " WHERE c.relname = '%s' AND p.partnatts = 1", jc->table);
        r = s_q(c, sql);
        cr_assert_eq(PQntuples(r), 1, "%s is not partitioned by one column", jc->table);
        cr_assert_str_eq(PQgetvalue(r, 0, 0), "l", "%s: not BY LIST", jc->table);
        cr_assert_str_eq(PQgetvalue(r, 0, 1), "load_part");
        cr_assert_str_eq(PQgetvalue(r, 0, 2), "0", "%s has partitions", jc->table);
        cr_assert_str_eq(PQgetvalue(r, 0, 3), "0", "%s has a key", jc->table);
        PQclear(r);
    }
    s_drop_db(c);
}

Test(wh_schema, init_is_idempotent_and_keeps_rows)
{
    PGconn *c = s_fresh_db();
    s_init(c, NS_WH_POSTGRES);
    /* a load as the loader makes one: a partition attached to the parent */
    s_x(c, "CREATE TABLE sales_retail_p7 (LIKE sales_retail)");
    s_x(c, "INSERT INTO sales_retail_p7 VALUES ('2026-11-24', '0457', 'DRS-1042-BLK-M', 'SALE',"
           " NULL, 'USD', 2, 20.00, 20.00, 0.00, 1, 'retail', '2026-11-24', 7)");
    s_x(c, "ALTER TABLE sales_retail ATTACH PARTITION sales_retail_p7 FOR VALUES IN (7)");
    s_x(c, "DELETE FROM dim_date WHERE day = '2026-11-27'");
    s_init(c, NS_WH_POSTGRES);
    s_init(c, NS_WH_POSTGRES);
    cr_assert_eq(s_count(c, "SELECT count(*) FROM fact_sales WHERE store_key = '0457'"), 1);
    cr_assert_eq(s_count(c, "SELECT sum(units) FROM sales_retail"), 2);
    /* every day once, the deleted one back */
    cr_assert_eq(s_count(c, "SELECT count(*) FROM dim_date"), 5844); /* 2020..2035 */
    cr_assert_eq(s_count(c, "SELECT count(DISTINCT day) FROM dim_date"), 5844);
    cr_assert_eq(s_count(c, "SELECT count(*) FROM dim_date WHERE day = '2026-11-27'"
                            " AND is_black_friday AND iso_week = 48 AND week_end = '2026-11-29'"),
                 1);
    cr_assert_eq(s_count(c, "SELECT count(*) FROM dim_date WHERE is_cyber_monday"
                            " AND day = '2026-11-30'"), 1);
    cr_assert_eq(s_count(c, "SELECT count(*) FROM dim_channel"), 4);
    cr_assert_eq(s_count(c, "SELECT count(*) FROM dim_channel c LEFT JOIN fact_sales s"
                            " ON s.channel = c.channel WHERE c.channel = 'retail'"), 1);
    /* a region from the stores and the stations, counted once */
    s_x(c, "CREATE TABLE dim_store_p1 (LIKE dim_store)");
    s_x(c, "INSERT INTO dim_store_p1 (store_id, partner, name, country, region, load_part)"
           " VALUES ('0001', NULL, 'a', 'US', 'US-NE', 1), ('0002', '', 'b', 'US', 'US-NE', 1),"
           " ('0100', 'GRANDDEPT', 'c', 'US', 'US-NE', 1), ('0003', NULL, 'd', 'GB', 'GB', 1)");
    s_x(c, "ALTER TABLE dim_store ATTACH PARTITION dim_store_p1 FOR VALUES IN (1)");
    s_x(c, "CREATE TABLE dim_weather_station_p1 (LIKE dim_weather_station)");
    s_x(c, "INSERT INTO dim_weather_station_p1 (station, region, load_part) VALUES"
           " ('USW1', 'US-NE', 1), ('USW2', 'US-NE', 1), ('FRX1', 'FR', 1)");
    s_x(c, "ALTER TABLE dim_weather_station ATTACH PARTITION dim_weather_station_p1"
           " FOR VALUES IN (1)");
    cr_assert_eq(s_count(c, "SELECT count(*) FROM dim_region"), 3);
    cr_assert_eq(s_count(c, "SELECT count(*) FROM dim_region WHERE region = 'US-NE'"
                            " AND country = 'US' AND own_stores = 2 AND partner_stores = 1"
                            " AND weather_stations = 2"), 1);
    cr_assert_eq(s_count(c, "SELECT count(*) FROM dim_region WHERE region = 'FR'"
                            " AND country IS NULL AND own_stores = 0"), 1);
    s_drop_db(c);
}

/* The Redshift dim_date fill (its INSERT statement), run on PostgreSQL,
 * gives exactly PostgreSQL's rows, and adds nothing when run again. */
Test(wh_schema, redshift_dim_date_fill_equals_postgres)
{
    PGconn *c = s_fresh_db();
    s_init(c, NS_WH_POSTGRES);
    const char *rs = s_ddl(NS_WH_REDSHIFT);
    const char *p = strstr(rs, "\nINSERT INTO dim_date");
    cr_assert(p, "no dim_date INSERT in redshift/schema.sql");
    const char *e = strchr(p, ';');
    char *ins = strndup(p, (size_t)(e - p + 1));
    s_x(c, "CREATE TEMP TABLE pg_dd AS SELECT * FROM dim_date");
    s_x(c, "TRUNCATE dim_date");
    s_x(c, ins);
    s_x(c, ins);
    free(ins);
    cr_assert_eq(s_count(c, "SELECT count(*) FROM dim_date"), 5844);
    cr_assert_eq(s_count(c, "SELECT count(*) FROM (SELECT * FROM dim_date EXCEPT"
                            " SELECT * FROM pg_dd) x"), 0);
    cr_assert_eq(s_count(c, "SELECT count(*) FROM (SELECT * FROM pg_dd EXCEPT"
                            " SELECT * FROM dim_date) x"), 0);
    s_drop_db(c);
}

/* ---- golden text: the Redshift variant ---- */

Test(wh_schema, redshift_has_every_table_with_keys)
{
    static s_table_t pg[S_MAXTAB], rs[S_MAXTAB];
    const char *pgsql = s_ddl(NS_WH_POSTGRES);
    const char *rssql = s_ddl(NS_WH_REDSHIFT);
    int npg = s_parse_tables(pgsql, pg, S_MAXTAB);
    int nrs = s_parse_tables(rssql, rs, S_MAXTAB);
    cr_assert_geq(npg, 15);
    cr_assert_eq(nrs, npg, "postgres has %d tables, redshift %d", npg, nrs);
    cr_assert_null(strstr(rssql, "PARTITION BY"), "redshift has partitions");
    const char *ins = strstr(rssql, "\nINSERT INTO dim_date");
    cr_assert(ins, "redshift does not fill dim_date");
    char *stmt = strndup(ins, (size_t)(strchr(ins, ';') - ins));
    cr_assert_null(strstr(stmt, "generate_series"), "generate_series cannot fill a table");
    free(stmt);
    char names[S_MAXTAB][64];
    cr_assert_eq(ns_wh_schema_tables(NS_WH_POSTGRES, names, S_MAXTAB), npg);
    for (int i = 0; i < npg; i++) {
        cr_assert_str_eq(names[i], pg[i].name);
        const s_table_t *r = s_find(rs, nrs, pg[i].name);
        cr_assert(r, "table '%s' is not in redshift/schema.sql", pg[i].name);
        int loaded = strstr(pg[i].attrs, "PARTITION BY LIST (load_part)") != NULL;
        int n = pg[i].ncol - loaded;
        if (loaded)
            cr_assert_str_eq(pg[i].cols[n], "load_part", "%s", pg[i].name);
        cr_assert_eq(r->ncol, n, "%s: postgres %d columns, redshift %d", r->name, n, r->ncol);
        for (int k = 0; k < n; k++) {
            cr_assert_str_eq(r->cols[k], pg[i].cols[k], "%s column %d", r->name, k + 1);
            cr_assert(r->encoded[k], "%s.%s has no ENCODE", r->name, r->cols[k]);
            if (!strcmp(pg[i].types[k], "TEXT"))
                cr_assert(!strncmp(r->types[k], "VARCHAR(", 8), "%s.%s: %s for TEXT", r->name,
                          r->cols[k], r->types[k]);
            else
                cr_assert_str_eq(r->types[k], pg[i].types[k], "%s.%s", r->name, r->cols[k]);
        }
        cr_assert(strstr(r->attrs, "DISTSTYLE "), "%s has no DISTSTYLE", r->name);
        char keys[S_MAXCOL][64];
        int nd = s_attr_list(r->attrs, "DISTKEY", keys, S_MAXCOL);
        cr_assert((nd == 1 && strstr(r->attrs, "DISTSTYLE KEY")) ||
                      (nd < 0 && !strstr(r->attrs, "DISTSTYLE KEY")),
                  "%s: DISTSTYLE KEY goes with one DISTKEY: %s", r->name, r->attrs);
        if (nd == 1)
            cr_assert_geq(s_col(r, keys[0]), 0, "%s: DISTKEY %s", r->name, keys[0]);
        cr_assert(strstr(r->attrs, "COMPOUND SORTKEY"), "%s has no SORTKEY", r->name);
        int ns = s_attr_list(r->attrs, "SORTKEY", keys, S_MAXCOL);
        cr_assert_gt(ns, 0);
        for (int k = 0; k < ns; k++)
            cr_assert_geq(s_col(r, keys[k]), 0, "%s: SORTKEY %s", r->name, keys[k]);
    }
}

Test(wh_schema, redshift_keys_follow_the_jobs)
{
    static s_jobcols_t jobs[S_MAXTAB];
    static s_table_t rs[S_MAXTAB];
    int nj = s_jobs(jobs, S_MAXTAB);
    int nrs = s_parse_tables(s_ddl(NS_WH_REDSHIFT), rs, S_MAXTAB);
    for (int i = 0; i < nj; i++) {
        const s_jobcols_t *jc = &jobs[i];
        const s_table_t *r = s_find(rs, nrs, jc->table);
        cr_assert(r, "%s: table '%s' is not in redshift/schema.sql", jc->file, jc->table);
        char keys[S_MAXCOL][64];
        /* one distribution column of the load files (the explicit one, or
         * the default: the reduce group): the DISTKEY, that of this job or
         * of another job of the same table (inventory_partner's two jobs
         * distribute differently; a table has one DISTKEY); small
         * dimensions are copied to every node (DISTSTYLE ALL) instead */
        if (!strstr(r->attrs, "DISTSTYLE ALL") && jc->ndist == 1 &&
            s_is_load_col(jc, jc->dist[0])) {
            cr_assert_eq(s_attr_list(r->attrs, "DISTKEY", keys, S_MAXCOL), 1,
                         "%s: %s should have DISTKEY (%s)", jc->file, r->name, jc->dist[0]);
            int ok = 0;
            for (int o = 0; o < nj && !ok; o++)
                ok = !strcmp(jobs[o].table, jc->table) && jobs[o].ndist == 1 &&
                     !strcmp(jobs[o].dist[0], keys[0]);
            cr_assert(ok, "%s: %s DISTKEY (%s) is no job's distribution key (%s)", jc->file,
                      r->name, keys[0], jc->dist[0]);
        }
        /* a sort key of load columns: the SORTKEY is a prefix of it */
        int all = jc->nsort > 0;
        for (int k = 0; k < jc->nsort; k++)
            all &= s_is_load_col(jc, jc->sort[k]);
        if (!all)
            continue;
        int ns = s_attr_list(r->attrs, "SORTKEY", keys, S_MAXCOL);
        cr_assert(ns > 0 && ns <= jc->nsort, "%s: %s SORTKEY", jc->file, r->name);
        for (int k = 0; k < ns; k++)
            cr_assert_str_eq(keys[k], jc->sort[k], "%s: %s SORTKEY column %d", jc->file, r->name,
                             k + 1);
    }
}

/* The four sales tables have one set of columns: in PostgreSQL the other
 * three are made LIKE sales_retail; in Redshift they are written out (a
 * LIKE table would take sales_retail's DISTKEY and SORTKEY), so the test
 * keeps them the same: names, types and encodings. */
Test(wh_schema, sales_tables_share_their_columns)
{
    static const char *const sales[] = {"sales_retail", "sales_department", "sales_discount",
                                        "sales_online"};
    static s_table_t pg[S_MAXTAB], rs[S_MAXTAB];
    int npg = s_parse_tables(s_ddl(NS_WH_POSTGRES), pg, S_MAXTAB);
    int nrs = s_parse_tables(s_ddl(NS_WH_REDSHIFT), rs, S_MAXTAB);
    const s_table_t *r0 = s_find(rs, nrs, sales[0]);
    cr_assert(r0 && s_find(pg, npg, sales[0]));
    for (int i = 1; i < 4; i++) {
        char like[128];
        snprintf(like, sizeof like, "\nCREATE TABLE IF NOT EXISTS %s (LIKE sales_retail ",
                 sales[i]);
        cr_assert(strstr(s_ddl(NS_WH_POSTGRES), like), "postgres: %s is not LIKE sales_retail",
                  sales[i]);
        const s_table_t *r = s_find(rs, nrs, sales[i]);
        cr_assert(r, "redshift has no %s", sales[i]);
        cr_assert_eq(r->ncol, r0->ncol, "redshift %s: %d columns, sales_retail %d", sales[i],
                     r->ncol, r0->ncol);
        for (int k = 0; k < r0->ncol; k++) {
            cr_assert_str_eq(r->cols[k], r0->cols[k], "redshift %s column %d", sales[i], k + 1);
            cr_assert_str_eq(r->types[k], r0->types[k], "redshift %s.%s", sales[i], r->cols[k]);
            cr_assert_str_eq(r->enc[k], r0->enc[k], "redshift %s.%s ENCODE", sales[i],
                             r->cols[k]);
        }
    }
}

/* The views are written once, views.sql, applied after either target's
 * schema.sql (and so in the SQL both servers speak): neither schema file
 * has one, views.sql has nothing else. */
Test(wh_schema, views_are_one_file_for_both_targets)
{
    static const char *const want[] = {"fact_sales", "dim_channel", "dim_region",
                                       "dim_campaign"};
    const char *const *pf = ns_wh_schema_files(NS_WH_POSTGRES);
    const char *const *rf = ns_wh_schema_files(NS_WH_REDSHIFT);
    cr_assert_str_eq(pf[0], "postgres/schema.sql");
    cr_assert_str_eq(rf[0], "redshift/schema.sql");
    cr_assert(pf[1] && rf[1]);
    cr_assert_str_eq(pf[1], "views.sql");
    cr_assert_str_eq(rf[1], "views.sql");
    cr_assert_null(pf[2]);
    cr_assert_null(rf[2]);
    cr_assert_null(strstr(ns_wh_sql(pf[0]), " VIEW "), "a view in %s", pf[0]);
    cr_assert_null(strstr(ns_wh_sql(rf[0]), " VIEW "), "a view in %s", rf[0]);
    const char *views = ns_wh_sql("views.sql");
    cr_assert_null(strstr(views, "CREATE TABLE"));
    cr_assert_null(strstr(views, "INSERT"));
    char *v[16];
    int n = s_views(views, v, 16);
    cr_assert_eq(n, 4, "views.sql: %d views", n);
    for (int i = 0; i < n; i++) {
        char head[96];
        snprintf(head, sizeof head, "CREATE OR REPLACE VIEW %s AS\n", want[i]);
        cr_assert(!strncmp(v[i], head, strlen(head)), "view %d is not %s", i + 1, want[i]);
        free(v[i]);
    }
}

Test(wh_schema, targets)
{
    ns_wh_target_t t;
    ns_err_t err;
    ns_err_clear(&err);
    cr_assert_eq(ns_wh_target("redshift", &t, &err), 0);
    cr_assert_eq(t, NS_WH_REDSHIFT);
    cr_assert_eq(ns_wh_target(NULL, &t, &err), 0);
    cr_assert_eq(t, NS_WH_POSTGRES);
    cr_assert_eq(ns_wh_target("oracle", &t, &err), -1);
    cr_assert(strstr(err.msg, "'oracle'"), "%s", err.msg);
}
