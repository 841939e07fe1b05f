/*
 * ns_memreader: an in-memory ns_reader_t for the tests (unit tests through
 * ns_test_util.h, and the fuzz targets, which cannot include Criterion):
 * optionally returning at most `chunk` bytes per read, or failing after a
 * number of bytes, to exercise buffer boundaries and I/O errors.
 */
#ifndef NS_MEMREADER_H
#define NS_MEMREADER_H

#include "ns_err.h"
#include "ns_store.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

typedef struct {
    struct ns_reader base; /* dispatch header, first */
    const char *data;      /* borrowed bytes */
    size_t len;            /* bytes in data */
    size_t pos;            /* bytes returned so far */
    size_t chunk;          /* most bytes per read; 0 = no limit */
    size_t fail_at;        /* fail once pos reaches this; SIZE_MAX = never */
} ns_test_memreader_t;

static inline ssize_t ns_test_memreader_read(ns_reader_t *base, void *buf, size_t n, ns_err_t *err)
{
    ns_test_memreader_t *r = (ns_test_memreader_t *)base;
    if (r->pos >= r->fail_at)
        return ns_errf(err, "cannot read 'mem://test': injected failure");
    size_t left = r->len - r->pos;
    if (n > left)
        n = left;
    if (r->chunk && n > r->chunk)
        n = r->chunk;
    if (r->fail_at != SIZE_MAX && n > r->fail_at - r->pos)
        n = r->fail_at - r->pos;
    if (n)
        memcpy(buf, r->data + r->pos, n);
    r->pos += n;
    return (ssize_t)n;
}

static inline void ns_test_memreader_close(ns_reader_t *base)
{
    free(base);
}

/* A reader over data[0..len) (borrowed; must outlive the reader). */
static inline ns_reader_t *ns_test_mem_reader_ex(const void *data, size_t len, size_t chunk,
                                                 size_t fail_at)
{
    ns_test_memreader_t *r = calloc(1, sizeof *r);
    if (!r)
        return NULL;
    r->base.read = ns_test_memreader_read;
    r->base.close = ns_test_memreader_close;
    r->data = data;
    r->len = len;
    r->chunk = chunk;
    r->fail_at = fail_at;
    return &r->base;
}

static inline ns_reader_t *ns_test_mem_reader(const void *data, size_t len, size_t chunk)
{
    return ns_test_mem_reader_ex(data, len, chunk, SIZE_MAX);
}

#endif
