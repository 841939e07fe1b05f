/* ns_wh_schema: the warehouse DDL and applying it (ns_wh_schema.h). */
#include "ns_wh_schema.h"

#include "ns_wh.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

int ns_wh_target(const char *name, ns_wh_target_t *t, ns_err_t *err)
{
    if (!name || !strcmp(name, "postgres") || !strcmp(name, "postgresql") ||
        !strcmp(name, "pg") || !strcmp(name, "citus")) {
        *t = NS_WH_POSTGRES;
        return 0;
    }
    if (!strcmp(name, "redshift")) {
        *t = NS_WH_REDSHIFT;
        return 0;
    }
    return ns_errf(err, "unknown warehouse target '%s' (expected postgres or redshift)", name);
}

const char *const *ns_wh_schema_files(ns_wh_target_t t)
{
    static const char *const pg[] = {"postgres/schema.sql", "views.sql", NULL};
    static const char *const rs[] = {"redshift/schema.sql", "views.sql", NULL};
    return t == NS_WH_REDSHIFT ? rs : pg;
}

int ns_wh_schema_tables(ns_wh_target_t t, char (*names)[64], int cap)
{
    static const char key[] = "\nCREATE TABLE IF NOT EXISTS ";
    int n = 0;
    for (const char *const *f = ns_wh_schema_files(t); *f; f++) {
        const char *sql = ns_wh_sql(*f);
        for (const char *p = sql ? strstr(sql, key) : NULL; p; p = strstr(p, key)) {
            p += sizeof key - 1;
            size_t len = 0;
            while (p[len] == '_' || isalnum((unsigned char)p[len]))
                len++;
            if (n < cap)
                snprintf(names[n], 64, "%.*s", (int)(len < 63 ? len : 63), p);
            n++;
        }
    }
    return n;
}

/* Runs sql (what names it in the error); on failure rolls back. */
static int s_run(PGconn *c, const char *sql, const char *what, ns_err_t *err)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        rc = ns_wh_err(err, r, c, what);
        PQclear(PQexec(c, "ROLLBACK"));
    }
    PQclear(r);
    return rc;
}

int ns_wh_init(PGconn *c, ns_wh_target_t t, ns_err_t *err)
{
    const char *const *files = ns_wh_schema_files(t);
    for (const char *const *f = files; *f; f++)
        if (!ns_wh_sql(*f))
            return ns_errf(err, "the warehouse DDL is not compiled in (warehouse/%s)", *f);
    if (ns_wh_exec(c, "BEGIN", err))
        return ns_err_prefix(err, "warehouse init");
    /* Redshift has neither advisory locks nor "already exists" notices to quiet */
    if (t == NS_WH_POSTGRES) {
        char lock[128];
        snprintf(lock, sizeof lock,
                 "SET LOCAL client_min_messages = warning; SELECT pg_advisory_xact_lock(%lld)",
                 (long long)NS_WH_SCHEMA_LOCK);
        if (s_run(c, lock, "warehouse init failed", err))
            return -1;
    }
    char what[96];
    for (const char *const *f = files; *f; f++) {
        snprintf(what, sizeof what, "warehouse init (warehouse/%s) failed", *f);
        if (s_run(c, ns_wh_sql(*f), what, err))
            return -1;
    }
    return s_run(c, "COMMIT", "warehouse init failed", err);
}
