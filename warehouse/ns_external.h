/*
 * ns_external: today's load files queried where they lie, before tonight's
 * load (docs/LOADER.md, "Fresh data without loading"): the runs of a
 * table's job committed within a window, as a PostgreSQL foreign table
 * (file_fdw reading them through `zstd -dc`) and as Redshift Spectrum DDL.
 */
#ifndef NS_EXTERNAL_H
#define NS_EXTERNAL_H

#include "ns_buf.h"
#include "ns_catalog.h"
#include "ns_err.h"
#include "ns_load.h"

typedef struct {
    ns_load_run_t **runs; /* committed runs of the table, oldest first */
    int nruns;
} ns_ext_runs_t;

/* The succeeded runs under the table's location (its catalog document)
 * whose job.json says they committed at or after since (unix seconds). */
int ns_external_find(const ns_catalog_table_t *t, double since, ns_ext_runs_t *out, ns_err_t *err);
void ns_external_free(ns_ext_runs_t *r);

/* PostgreSQL: file_fdw and a foreign table <schema>.<table> over the runs'
 * files (file:// only: file_fdw runs its program on the database server). */
int ns_external_pg_sql(const ns_catalog_table_t *t, const ns_ext_runs_t *r, const char *schema,
                       ns_buf_t *out, ns_err_t *err);
/* Redshift Spectrum: an external table partitioned by run, one partition
 * per run's load/ folder. */
int ns_external_spectrum_sql(const ns_catalog_table_t *t, const ns_ext_runs_t *r,
                             const char *schema, ns_buf_t *out, ns_err_t *err);

/* "6h", "90m", "2d", "3600s" or seconds -> seconds; -1 if bad. */
double ns_external_duration(const char *s);

#endif
