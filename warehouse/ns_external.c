/* ns_external: the newest load files as foreign / external tables
 * (ns_external.h). */
#include "ns_external.h"

#include "ns_store.h"
#include "ns_wh.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

double ns_external_duration(const char *s)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    double mul = 1;
    if (!strcmp(end, "d"))
        mul = 86400;
    else if (!strcmp(end, "h"))
        mul = 3600;
    else if (!strcmp(end, "m"))
        mul = 60;
    else if (strcmp(end, "s") && *end)
        return -1;
    return v * mul;
}

/* "2026-11-25T04:12:07Z" -> unix seconds, or -1 */
static double s_iso_time(const char *s)
{
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    if (sscanf(s, "%4d-%2d-%2dT%2d:%2d:%2dZ", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour,
               &tm.tm_min, &tm.tm_sec) != 6)
        return -1;
    tm.tm_year -= 1900;
    tm.tm_mon -= 1;
    return (double)timegm(&tm);
}

typedef struct {
    char **uris;
    int n, cap;
    int oom;
} s_list_t;

static int s_on_object(const ns_object_t *o, void *arg)
{
    s_list_t *l = arg;
    size_t n = strlen(o->uri);
    if (n < 9 || strcmp(o->uri + n - 9, "/manifest"))
        return 0;
    if (l->n == l->cap) {
        int cap = l->cap ? 2 * l->cap : 64;
        char **u = realloc(l->uris, (size_t)cap * sizeof *u);
        if (!u) {
            l->oom = 1;
            return 1;
        }
        l->uris = u;
        l->cap = cap;
    }
    if (!(l->uris[l->n] = strdup(o->uri))) {
        l->oom = 1;
        return 1;
    }
    l->n++;
    return 0;
}

static int s_by_commit(const void *a, const void *b)
{
    const ns_load_run_t *x = *(ns_load_run_t *const *)a, *y = *(ns_load_run_t *const *)b;
    int c = strcmp(x->committed, y->committed);
    return c ? c : strcmp(x->manifest, y->manifest);
}

void ns_external_free(ns_ext_runs_t *r)
{
    for (int i = 0; i < r->nruns; i++)
        ns_load_run_free(&r->runs[i]);
    free(r->runs);
    r->runs = NULL;
    r->nruns = 0;
}

int ns_external_find(const ns_catalog_table_t *t, double since, ns_ext_runs_t *out, ns_err_t *err)
{
    memset(out, 0, sizeof *out);
    if (strcmp(t->kind, "job") || !t->location)
        return ns_errf(err, "table '%s' is not a job's output table in the catalog", t->name);
    s_list_t l = {0};
    long rc = ns_store_list(t->location, s_on_object, &l, err);
    if (l.oom)
        rc = ns_errf(err, "out of memory");
    if (rc >= 0 && l.n > 0 && !(out->runs = calloc((size_t)l.n, sizeof *out->runs)))
        rc = ns_errf(err, "out of memory");
    for (int i = 0; rc >= 0 && i < l.n; i++) {
        ns_load_run_t *r = NULL;
        ns_err_t e;
        if (ns_load_read_run(l.uris[i], &r, &e))
            continue; /* not a committed run (or an older nightshift's): not fresh data */
        double when = s_iso_time(r->committed);
        if (strcmp(r->table, t->name) || when < 0 || when < since) {
            ns_load_run_free(&r);
            continue;
        }
        out->runs[out->nruns++] = r;
    }
    for (int i = 0; i < l.n; i++)
        free(l.uris[i]);
    free(l.uris);
    if (rc < 0) {
        ns_external_free(out);
        return -1;
    }
    qsort(out->runs, (size_t)out->nruns, sizeof *out->runs, s_by_commit);
    return 0;
}

/* schema.table, each part quoted as needed */
static int s_name(ns_buf_t *b, const char *schema, const char *table)
{
    char q1[300], q2[300];
    const char *dot = strrchr(table, '.');
    if (ns_wh_ident(schema, q1, sizeof q1) || ns_wh_ident(dot ? dot + 1 : table, q2, sizeof q2))
        return -1;
    return ns_buf_appendf(b, "%s.%s", q1, q2);
}

static int s_columns(ns_buf_t *b, const ns_catalog_table_t *t, int spectrum)
{
    int rc = 0;
    for (int i = 0; i < t->ncols; i++) {
        char q[300], type[64];
        if (ns_wh_ident(t->cols[i].name, q, sizeof q))
            return -1;
        ns_catalog_warehouse_type(&t->cols[i].type, type, sizeof type);
        if (spectrum && !strcmp(type, "VARCHAR"))
            snprintf(type, sizeof type, "VARCHAR(65535)");
        rc |= ns_buf_appendf(b, "%s  %s %s", i ? ",\n" : "", q, type);
    }
    return rc;
}

/* s as one shell word inside a SQL literal: 'it''s' -> '''it'"'"'s''' */
static int s_shell_word(ns_buf_t *b, const char *s)
{
    int rc = ns_buf_append(b, "''", 2); /* the shell's opening quote, doubled for SQL */
    for (; *s && !rc; s++) {
        if (*s == '\'')
            rc = ns_buf_appendf(b, "''\"''\"''"); /* close, a quoted quote, reopen */
        else
            rc = ns_buf_append(b, s, 1);
    }
    return rc | ns_buf_append(b, "''", 2);
}

int ns_external_pg_sql(const ns_catalog_table_t *t, const ns_ext_runs_t *r, const char *schema,
                       ns_buf_t *b, ns_err_t *err)
{
    int rc = ns_buf_appendf(b,
                            "CREATE EXTENSION IF NOT EXISTS file_fdw;\n"
                            "CREATE SERVER IF NOT EXISTS nightshift_files FOREIGN DATA WRAPPER "
                            "file_fdw;\nCREATE SCHEMA IF NOT EXISTS ");
    char qs[300];
    if (ns_wh_ident(schema, qs, sizeof qs))
        return ns_errf(err, "bad schema name '%s'", schema);
    rc |= ns_buf_appendf(b, "%s;\nBEGIN;\nDROP FOREIGN TABLE IF EXISTS ", qs);
    rc |= s_name(b, schema, t->name);
    rc |= ns_buf_appendf(b, ";\nCREATE FOREIGN TABLE ");
    rc |= s_name(b, schema, t->name);
    rc |= ns_buf_appendf(b, " (\n");
    rc |= s_columns(b, t, 0);
    rc |= ns_buf_appendf(b, "\n) SERVER nightshift_files OPTIONS (program '");
    int files = 0;
    for (int i = 0; i < r->nruns && !rc; i++)
        for (int k = 0; k < r->runs[i]->nfiles && !rc; k++) {
            const char *u = r->runs[i]->files[k];
            if (strncmp(u, "file://", 7))
                return ns_errf(err,
                               "load file '%s' is not a local file: file_fdw reads files on the "
                               "database server; query it in Redshift Spectrum (the DDL below "
                               "--spectrum) or load it",
                               u);
            rc |= ns_buf_appendf(b, "%s", files++ ? " " : "zstd -dcq -- ");
            rc |= s_shell_word(b, u + 7);
        }
    if (!files)
        rc |= ns_buf_appendf(b, "true"); /* no run in the window: an empty table */
    rc |= ns_buf_appendf(b, "', format 'text', delimiter '|', null '\\N');\nCOMMENT ON FOREIGN TABLE ");
    rc |= s_name(b, schema, t->name);
    rc |= ns_buf_appendf(b, " IS 'nightshift external: %d runs of %s, %d load files';\nCOMMIT;\n",
                         r->nruns, t->job ? t->job : "?", files);
    return rc ? ns_errf(err, "the foreign table's SQL does not fit") : 0;
}

int ns_external_spectrum_sql(const ns_catalog_table_t *t, const ns_ext_runs_t *r,
                             const char *schema, ns_buf_t *b, ns_err_t *err)
{
    char qs[300];
    if (ns_wh_ident(schema, qs, sizeof qs))
        return ns_errf(err, "bad schema name '%s'", schema);
    int rc = ns_buf_appendf(b,
                            "-- Redshift Spectrum: the same load files, one partition per run\n"
                            "CREATE EXTERNAL SCHEMA IF NOT EXISTS %s FROM DATA CATALOG DATABASE "
                            "'nightshift'\n  IAM_ROLE default CREATE EXTERNAL DATABASE IF NOT "
                            "EXISTS;\nDROP TABLE IF EXISTS ",
                            qs);
    rc |= s_name(b, schema, t->name);
    rc |= ns_buf_appendf(b, ";\nCREATE EXTERNAL TABLE ");
    rc |= s_name(b, schema, t->name);
    rc |= ns_buf_appendf(b, " (\n");
    rc |= s_columns(b, t, 1);
    rc |= ns_buf_appendf(b,
                         "\n)\nPARTITIONED BY (job_id VARCHAR(256))\n"
                         "ROW FORMAT SERDE 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe'\n"
                         "WITH SERDEPROPERTIES ('field.delim' = '|', 'escape.delim' = '\\\\', "
                         "'serialization.null.format' = '\\\\N')\n"
                         "STORED AS TEXTFILE\nLOCATION ");
    rc |= ns_wh_literal(b, t->location);
    rc |= ns_buf_appendf(b, ";\n");
    if (r->nruns > 0) {
        rc |= ns_buf_appendf(b, "ALTER TABLE ");
        rc |= s_name(b, schema, t->name);
        rc |= ns_buf_appendf(b, " ADD IF NOT EXISTS");
        for (int i = 0; i < r->nruns; i++) {
            const char *m = r->runs[i]->manifest;
            const char *slash = strrchr(m, '/');
            char loc[NS_URI_MAX + 8];
            snprintf(loc, sizeof loc, "%.*sload/", (int)(slash - m + 1), m);
            rc |= ns_buf_appendf(b, "\n  PARTITION (job_id = ");
            rc |= ns_wh_literal(b, r->runs[i]->job_id);
            rc |= ns_buf_appendf(b, ") LOCATION ");
            rc |= ns_wh_literal(b, loc);
        }
        rc |= ns_buf_appendf(b, ";\n");
    }
    return rc ? ns_errf(err, "the Spectrum DDL does not fit") : 0;
}
