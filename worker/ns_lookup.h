/*
 * ns_lookup: a lookup table of a job (ns_job.h, `lookups:`) loaded whole
 * into memory by each map task and probed by key: the broadcast side of a
 * join with master data (products, stores, currency rates).
 *
 * Loading reads every object under the lookup's input URI with its input
 * settings (ns_input), types each field, and keeps the rows in an arena,
 * indexed by the normalized key of the key columns (ns_key_encode) in an
 * open-addressing hash table. The first row of a key wins; later rows with
 * the same key and rows that do not parse are skipped and counted (a
 * master-data problem must not stop a nightly run; the counts go to the log).
 * Memory is bounded by the lookup's max_size: a bigger table fails the task
 * with a message saying so.
 *
 * Workload: tables of tens to hundreds of thousands of rows (products,
 * stores), loaded once per map task; probes once per record per lookup
 * column (a hash of a short key and one memcmp).
 */
#ifndef NS_LOOKUP_H
#define NS_LOOKUP_H

#include "ns_err.h"
#include "ns_job.h"
#include "ns_row.h"

typedef struct ns_lktable ns_lktable_t;

typedef struct {
    uint64_t rows;       /* rows kept */
    uint64_t duplicates; /* rows skipped: their key was seen before */
    uint64_t bad;        /* rows skipped: wrong field count or a value that does not parse */
    uint64_t bytes;      /* memory taken */
} ns_lkstats_t;

/* Loads lookup lk. NULL with err set when an object cannot be read or the
 * table passes lk->max_bytes. */
ns_lktable_t *ns_lookup_load(const ns_lookup_t *lk, ns_lkstats_t *st, ns_err_t *err);
/* The row whose key equals the n values of keyv (types of the key columns);
 * its values are the lookup input's columns; NULL if none. A NULL key
 * value matches nothing. */
const ns_value_t *ns_lookup_find(ns_lktable_t *t, const ns_value_t *keyv);
void ns_lookup_free(ns_lktable_t **tp);

#endif
