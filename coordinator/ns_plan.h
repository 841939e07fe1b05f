/*
 * ns_plan: turns the listing of a job's input prefix into map tasks.
 *
 * - An uncompressed object of a splittable format larger than the split size
 *   becomes ceil(size/split) byte ranges of about equal size, one task each
 *   (the reader resyncs to record boundaries: formats/ns_delim.h).
 * - Compressed objects are read whole (a gzip or zstd stream cannot be
 *   entered in the middle), each in a task of its own when larger than the
 *   split size.
 * - Smaller objects are packed, in key order, into tasks of up to the split
 *   size, so a thousand 200 KB store files do not become a thousand tasks.
 * - Sizes are compared as estimated uncompressed bytes: a compressed object
 *   weighs NS_PLAN_COMPRESSED_RATIO times its stored size (text feeds shrink
 *   5-10x with gzip or zstd), so that split_size means about the same work
 *   per task whatever the compression.
 * - Empty objects are skipped.
 * Pure: no I/O, so it is tested alone.
 */
#ifndef NS_PLAN_H
#define NS_PLAN_H

#include "ns_err.h"
#include "ns_split.h"
#include "ns_store.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    ns_split_t *splits; /* owned */
    int nsplits;
    uint64_t bytes;     /* stored bytes this task reads */
} ns_maptask_t;

#define NS_PLAN_COMPRESSED_RATIO 8

/* compression: "auto" (by name), "none", "gzip", "zstd". */
int ns_plan_maps(const ns_object_t *objs, int nobjs, uint64_t split_bytes, bool splittable,
                 const char *compression, ns_maptask_t **tasks, int *ntasks, ns_err_t *err);
void ns_plan_free(ns_maptask_t *tasks, int ntasks);

#endif
