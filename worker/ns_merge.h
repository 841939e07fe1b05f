/*
 * ns_merge: the reduce side of the shuffle. A k-way merge (binary heap) of
 * sorted runs, yielding rows in run order (ns_run.h). Memory is bufsize per
 * open run; when more than fan_in runs are given, ns_merge_passes first
 * merges groups of fan_in runs into intermediate runs (named by name_fn),
 * so the final merge never holds more than fan_in streams.
 */
#ifndef NS_MERGE_H
#define NS_MERGE_H

#include "ns_run.h"
#include "ns_sorter.h"

typedef struct ns_merge ns_merge_t;

ns_merge_t *ns_merge_new(const char *const *uris, int n, size_t bufsize, ns_err_t *err);
/* 1 and *row (valid until the next call), 0 at the end, -1 on error. */
int ns_merge_next(ns_merge_t *m, ns_rowview_t *row, ns_err_t *err);
void ns_merge_destroy(ns_merge_t **mp);

/* While *n > fan_in: merges consecutive groups of fan_in runs of *uris into
 * new runs named by name_fn(arg, partition, run_no, uri) with run_no
 * counting from first_run_no, and replaces *uris (a malloc'd array of
 * malloc'd strings, owned by the caller) by the new list. Intermediate
 * runs it wrote and no longer needs are deleted. */
int ns_merge_passes(char ***uris, int *n, int fan_in, size_t bufsize, int zstd_level,
                    ns_run_name_fn name_fn, void *arg, int partition, int first_run_no,
                    ns_err_t *err);

#endif
