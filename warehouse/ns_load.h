/*
 * ns_load: `nightshift load MANIFEST`: a committed job run into the
 * warehouse, exactly once (docs/LOADER.md).
 *
 * PostgreSQL: the load files are COPYed over several connections into new
 * tables that readers cannot see, and published in one transaction that
 * removes what the load replaces and attaches the new tables as partitions
 * of the target. A ledger (nightshift.loads) makes loading a manifest twice
 * a no-op. Redshift: the loader writes (and runs) the COPY ... MANIFEST and
 * the staging-table merge Redshift documents.
 */
#ifndef NS_LOAD_H
#define NS_LOAD_H

#include "ns_buf.h"
#include "ns_err.h"
#include "ns_job.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/* A committed run as the loader sees it: its manifest and job.json. */
typedef struct {
    char *manifest;      /* URI */
    char checksum[33];   /* XXH3-128 of the manifest's bytes, hex */
    char *job_id, *job_name, *table, *date;
    char committed[32];  /* when the run committed (UTC, ISO 8601), or "" */
    uint64_t rows_out;
    int nfiles;
    char **files;        /* load file URIs, in manifest order */
    uint64_t *sizes;     /* their content_length */
    int ncols;
    char **cols;         /* the load files' columns, in order */
    char **types;        /* their nightshift types ("decimal(18,2)") */
    ns_load_replace_t replace;
    int nkeys;
    char **keys;         /* replace keys (column names) */
    char *version;       /* or NULL */
} ns_load_run_t;

/* Reads the manifest and the job.json next to it. Refuses a run that did
 * not succeed, and keys that are not among the columns. */
int ns_load_read_run(const char *manifest, ns_load_run_t **out, ns_err_t *err);
void ns_load_run_free(ns_load_run_t **rp);
/* The two parsers of ns_load_read_run, for tests and fuzzing: the manifest's
 * text (files, sizes, checksum) and the job.json's, named uri in messages,
 * into r, a zeroed run (calloc) with manifest set. 0, or -1 with err set;
 * free r with ns_load_run_free either way. */
int ns_load_parse_manifest(ns_load_run_t *r, const char *text, size_t len, ns_err_t *err);
int ns_load_parse_jobjson(ns_load_run_t *r, const char *uri, const char *text, size_t len,
                          ns_err_t *err);

typedef enum { NS_TARGET_POSTGRES = 0, NS_TARGET_REDSHIFT } ns_load_target_t;

typedef struct {
    const char *manifest;
    const char *warehouse;  /* --warehouse (NULL: ns_wh_conninfo's rules) */
    int parallel;           /* COPY streams (PostgreSQL); 0: 4 */
    bool force;             /* load even when the ledger has the manifest */
    ns_load_target_t target;
    bool print;             /* redshift: print the SQL instead of running it */
    const char *iam_role;   /* redshift: COPY's IAM_ROLE */
    FILE *out;              /* where --print writes (stdout) */
} ns_load_opts_t;

typedef struct {
    int64_t load_id;        /* 0 when skipped or printed */
    bool skipped;           /* the ledger already had the manifest */
    char table[128];
    int streams, files;
    uint64_t rows, bytes;   /* rows loaded, decompressed bytes sent */
    uint64_t replaced_rows; /* stored rows the load replaced */
    uint64_t superseded;    /* load rows dropped for a newer stored version */
    int dropped_parts;      /* stored partitions dropped whole */
    double seconds;
} ns_load_result_t;

int ns_load(const ns_load_opts_t *o, ns_load_result_t *res, ns_err_t *err);

/* The Redshift SQL of a run (docs/LOADER.md), for --print and the golden tests. */
int ns_load_redshift_sql(const ns_load_run_t *r, const char *iam_role, ns_buf_t *out,
                         ns_err_t *err);

#endif
