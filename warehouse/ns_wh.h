/*
 * ns_wh: the warehouse side of nightshift: which PostgreSQL (or Redshift)
 * to talk to, the SQL files compiled into the binary (the .sql files of warehouse/:
 * schema, Redshift variant, the CEO's queries), and small libpq helpers
 * shared by `warehouse`, `load` and `report`.
 *
 * Which warehouse (first that is set):
 *   1. the --warehouse argument (any libpq connection string or URI);
 *   2. $NIGHTSHIFT_WAREHOUSE;
 *   3. the private cluster that `nightshift warehouse up` started: the
 *      connection string it wrote to $NIGHTSHIFT_HOME/warehouse/conninfo;
 *   4. "" : libpq's defaults, so PGHOST, PGPORT, PGUSER, PGDATABASE,
 *      PGPASSWORD, PGSERVICE ... work as with psql.
 * Passwords never appear in messages: ns_wh_describe shows host, port,
 * database and user only, and ns_wh_connect's errors are scrubbed of the
 * connection string's passwords (ns_redact.h). The connection string is
 * used by the process that connects (the CLI) and sent nowhere.
 */
#ifndef NS_WH_H
#define NS_WH_H

#include "ns_buf.h"
#include "ns_err.h"

#include <libpq-fe.h>
#include <stddef.h>

typedef struct {
    const char *path; /* relative to warehouse/: "postgres/schema.sql" */
    const char *text;
} ns_wh_sql_t;

/* Every warehouse/ *.sql file, in path order, ending with {NULL, NULL}. */
extern const ns_wh_sql_t ns_wh_sql_files[];

/* The text of warehouse/<path>, or NULL. */
const char *ns_wh_sql(const char *path);

/* The connection string to use (rules above) into out; 0, or -1 when it
 * does not fit or the conninfo file cannot be read. */
int ns_wh_conninfo(const char *arg, char *out, size_t cap, ns_err_t *err);

/* For a --warehouse argument of a command line: returns a malloc'd copy
 * of arg (the caller uses and frees it; NULL when out of memory) and
 * overwrites arg in place with its passwords masked, so that ps and
 * /proc/PID/cmdline stop showing them (others may have seen them before:
 * prefer $NIGHTSHIFT_WAREHOUSE, PGPASSWORD or a ~/.pgpass file). */
char *ns_wh_hide_arg(char *arg);

/* Connects (arg as for ns_wh_conninfo), with application_name nightshift,
 * client_encoding UTF8 and TimeZone UTC. NULL with err set on failure
 * (libpq's message, without secrets). */
PGconn *ns_wh_connect(const char *arg, ns_err_t *err);

/* "host=... port=... dbname=... user=..." of a live connection, for logs. */
void ns_wh_describe(PGconn *c, char *out, size_t cap);

/* Runs one or more statements without parameters; 0, or -1 with err set to
 * PostgreSQL's message (and its detail and context when it gives them). */
int ns_wh_exec(PGconn *c, const char *sql, ns_err_t *err);

/* Sets err from a failed result (message, detail, hint, context); returns -1. */
int ns_wh_err(ns_err_t *err, const PGresult *r, PGconn *c, const char *what);

/* Quotes an identifier ("sales_retail" stays as is when it is plain
 * lowercase; anything else is double-quoted) into out. */
int ns_wh_ident(const char *name, char *out, size_t cap);

/* Appends s as an SQL string literal ('it''s'). */
int ns_wh_literal(ns_buf_t *b, const char *s);

#endif
