/*
 * ns_sorter: the map side of the shuffle. Collects encoded rows for R
 * partitions in one arena of at most budget bytes (rows plus their index);
 * when the arena is full, or at finish, sorts each partition in run order
 * and writes each non-empty one as a run (ns_run.h), then starts over.
 * Peak memory is about the budget whatever the input size.
 *
 * The caller names the runs: name_fn fills in the URI of run number run_no
 * of a partition.
 */
#ifndef NS_SORTER_H
#define NS_SORTER_H

#include "ns_run.h"

#include <stddef.h>

typedef int (*ns_run_name_fn)(void *arg, int partition, int run_no, char *uri /* NS_URI_MAX */);

typedef struct ns_sorter ns_sorter_t;

ns_sorter_t *ns_sorter_new(int nparts, size_t budget, int zstd_level, ns_run_name_fn name_fn,
                           void *arg, ns_err_t *err);
/* rec is an encoded record (ns_row_encode) of len bytes; copied. */
int ns_sorter_add(ns_sorter_t *s, int partition, const uint8_t *rec, size_t len, ns_err_t *err);
/* The combiner hook: when set, a spill hands each row of a run, in sorted
 * order, to fn (rec, len), and then calls fn with rec NULL at the end of
 * the run; fn writes what it wants into w (ns_run_writer_add), e.g. one
 * row per group with partial sums. Without it rows are written as they are. */
typedef int (*ns_sorter_emit_fn)(void *arg, ns_run_writer_t *w, const uint8_t *rec, size_t len,
                                 ns_err_t *err);
void ns_sorter_set_emit(ns_sorter_t *s, ns_sorter_emit_fn fn, void *arg);

/* Spills what is left. */
int ns_sorter_finish(ns_sorter_t *s, ns_err_t *err);
/* Every run written so far (n set); owned by the sorter. */
const ns_run_info_t *ns_sorter_runs(const ns_sorter_t *s, int *n);
/* Number of spills (times the arena filled or finish ran with rows). */
int ns_sorter_spills(const ns_sorter_t *s);
void ns_sorter_destroy(ns_sorter_t **sp);

#endif
