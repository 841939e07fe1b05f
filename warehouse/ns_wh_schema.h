/*
 * ns_wh_schema: the warehouse's DDL (warehouse/postgres/schema.sql or its
 * Redshift variant warehouse/redshift/schema.sql, then warehouse/views.sql,
 * the views both share; all compiled in) and applying it: `nightshift
 * warehouse init` and every `warehouse up`.
 *
 * The DDL is idempotent (CREATE TABLE IF NOT EXISTS, CREATE OR REPLACE
 * VIEW, dim_date filled with the days it lacks), so it can be applied on
 * every start and never loses data. On PostgreSQL it runs in one
 * transaction under an advisory lock, so two inits at once (a `load` and
 * an `up`) neither fail on each other's half-created objects nor leave a
 * half-applied schema.
 */
#ifndef NS_WH_SCHEMA_H
#define NS_WH_SCHEMA_H

#include "ns_err.h"

#include <libpq-fe.h>

typedef enum { NS_WH_POSTGRES = 0, NS_WH_REDSHIFT = 1 } ns_wh_target_t;

/* The advisory lock (pg_advisory_xact_lock) init holds: "nswh" 1. */
#define NS_WH_SCHEMA_LOCK 0x6e73776800000001LL

/* "postgres" (also "pg", "citus") or "redshift"; 0, or -1 with err set. */
int ns_wh_target(const char *name, ns_wh_target_t *t, ns_err_t *err);

/* The target's DDL files, in the order they are applied (and printed by
 * `warehouse init --print`), NULL-terminated: paths under warehouse/, whose
 * text ns_wh_sql gives: the target's schema.sql, then views.sql. */
const char *const *ns_wh_schema_files(ns_wh_target_t t);

/* The tables the DDL creates, in file order: up to cap names (each fits 64
 * bytes) into names; returns how many there are (may exceed cap). */
int ns_wh_schema_tables(ns_wh_target_t t, char (*names)[64], int cap);

/* Applies the target's DDL files over c, in one transaction; 0, or -1 with
 * err set to the server's message, naming the file (nothing is changed
 * then). */
int ns_wh_init(PGconn *c, ns_wh_target_t t, ns_err_t *err);

#endif
