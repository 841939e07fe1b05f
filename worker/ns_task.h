/*
 * ns_task: executes one task attempt, map or reduce, as a pure function of
 * the TASK message (docs/PROTOCOL.md) and the object store. It knows nothing
 * of sockets: progress goes to a callback, the result is the DONE message it
 * builds.
 *
 * Map: read each split (ranged and resynced, or a whole compressed object),
 * parse delimited records, type the input columns, filter, compute the
 * output columns, write rejects (object, byte offset, reason, the raw
 * record) to rejects/m<task>-a<attempt>.txt, encode rows, hash the
 * distribution key into the job's partitions and hand them to the sorter,
 * which spills sorted runs to _tmp/m<task>-a<attempt>/ within the memory
 * budget.
 * Reduce: merge every run of one partition (in passes when there are more
 * than the fan-in), apply the reduce step (identity, dedupe, aggregate) and
 * write exactly `files` zstd load files load/part-<slice>-<n>-a<attempt>.psv.zst,
 * cut at equal shares of the input bytes.
 */
#ifndef NS_TASK_H
#define NS_TASK_H

#include "ns_err.h"
#include "ns_proto.h"
#include "ns_split.h"
#include "ns_store.h"

#include <signal.h>
#include <stdint.h>

#define NS_TASK_MAX_VARS 32

typedef struct {
    char job[NS_PROTO_MAX_ID];
    int64_t task, attempt;
    int is_map;
    char *jobdef;             /* job file text (owned) */
    char source[512];
    char date[16];
    char *var_names[NS_TASK_MAX_VARS], *var_values[NS_TASK_MAX_VARS];
    int nvars;
    char prefix[NS_URI_MAX];  /* job output prefix, ends in '/' */
    int partitions;
    ns_split_t *inputs;       /* map */
    int ninputs;
    int partition;            /* reduce */
    char **runs;              /* reduce (owned) */
    int nruns;
    int files;                /* reduce: load files to write */
    uint64_t in_bytes;        /* reduce: bytes of its runs */
} ns_task_t;

typedef struct {
    uint64_t bytes_in, rows_in, rows_out, rejects, filtered;
} ns_task_counters_t;

typedef struct {
    volatile sig_atomic_t *cancel; /* set to stop the attempt */
    void (*progress)(void *arg, const ns_task_counters_t *c); /* may be NULL */
    void *arg;
    uint64_t memory;               /* budget override (0: the job's) */
    int fan_in;                    /* merge fan-in (0: 64) */
    int slow_ms;                   /* test aid, a slow machine: sleep this long at the
                                      start and after every block of 4096 rows */
} ns_task_ctx_t;

/* Parses a TASK message. */
int ns_task_parse(ns_task_t *t, const msgpack_object *root, ns_err_t *err);
void ns_task_free(ns_task_t *t);

/* Runs the attempt. On success returns 0 and done holds the DONE message;
 * on failure returns -1 (retryable: I/O, store) or -2 (not retryable: the
 * job definition does not parse) with err set. Output already written by a
 * failed attempt is left for the coordinator's cleanup. */
int ns_task_run(const ns_task_t *t, const ns_task_ctx_t *ctx, ns_msgb_t *done, ns_err_t *err);

#endif
