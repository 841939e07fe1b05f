/*
 * ns_run: sorted runs, the unit of the shuffle. A run is one object in the
 * job's shuffle area holding encoded rows (ns_row.h) in key order, zstd
 * compressed. Uncompressed layout: the 8 bytes "NSRUN001", then the rows
 * back to back. A map task writes one run per partition each time its memory
 * budget fills; a reduce task merges every run of its partition.
 *
 * Row order inside a run (and out of a merge) is total and deterministic:
 * by normalized key, then by the encoded fields (memcmp), so the same set of
 * rows always comes out in the same order whatever the run boundaries were.
 */
#ifndef NS_RUN_H
#define NS_RUN_H

#include "ns_err.h"
#include "ns_row.h"
#include "ns_store.h"

#include <stdint.h>

#define NS_RUN_MAGIC "NSRUN001"

typedef struct {
    char uri[NS_URI_MAX]; /* where the run is */
    int partition;        /* partition it belongs to */
    uint64_t rows;        /* rows in it */
    uint64_t bytes;       /* uncompressed bytes of the rows */
    uint64_t stored;      /* compressed bytes in the store */
} ns_run_info_t;

/* Compares two encoded rows in run order (key, then fields). */
int ns_row_cmp(const ns_rowview_t *a, const ns_rowview_t *b);

typedef struct ns_run_writer ns_run_writer_t;
ns_run_writer_t *ns_run_writer_new(const char *uri, int zstd_level, ns_err_t *err);
/* Appends one encoded record (with its u32 length prefix). Rows must come in
 * run order; the writer does not check. */
int ns_run_writer_add(ns_run_writer_t *w, const uint8_t *rec, size_t len, ns_err_t *err);
/* Commits the object and fills info (uri, rows, bytes, stored; partition
 * left to the caller); frees the writer. */
int ns_run_writer_commit(ns_run_writer_t **wp, ns_run_info_t *info, ns_err_t *err);
void ns_run_writer_abort(ns_run_writer_t **wp);

typedef struct ns_run_reader ns_run_reader_t;
/* bufsize: bytes of decompressed buffer (a row larger than this is still
 * read; the buffer grows up to the row size, bounded by 64 MiB). */
ns_run_reader_t *ns_run_reader_open(const char *uri, size_t bufsize, ns_err_t *err);
/* 1 and *row (valid until the next call), 0 at the end, -1 on error (a
 * truncated or corrupt run is an error naming the uri). */
int ns_run_reader_next(ns_run_reader_t *r, ns_rowview_t *row, ns_err_t *err);
void ns_run_reader_close(ns_run_reader_t **rp);

#endif
