/*
 * ns_test_util: small helpers shared by the unit tests: an in-memory
 * ns_reader_t (optionally returning at most `chunk` bytes per read, or
 * failing after a number of bytes, to exercise buffer boundaries and I/O
 * errors) and an in-memory ns_writer_t that appends into a caller-owned
 * sink, which survives the writer's commit or abort.
 */
#ifndef NS_TEST_UTIL_H
#define NS_TEST_UTIL_H

#include "ns_err.h"
#include "ns_store.h"

#include <stdbool.h>
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

/* Where a memory writer's bytes go. Free data with free(). */
typedef struct {
    char *data;     /* bytes written (NUL-terminated for convenience) */
    size_t len;     /* bytes written */
    bool committed; /* commit was called */
    bool aborted;   /* abort was called */
    size_t fail_at; /* writes fail once len would pass this (0 = never) */
} ns_test_sink_t;

typedef struct {
    struct ns_writer base; /* dispatch header, first */
    ns_test_sink_t *sink;  /* borrowed */
} ns_test_memwriter_t;

static inline int ns_test_memwriter_write(ns_writer_t *base, const void *buf, size_t n,
                                          ns_err_t *err)
{
    ns_test_memwriter_t *w = (ns_test_memwriter_t *)base;
    ns_test_sink_t *s = w->sink;
    if (s->fail_at && s->len + n > s->fail_at)
        return ns_errf(err, "cannot write 'mem://test': injected failure");
    char *p = realloc(s->data, s->len + n + 1);
    if (!p)
        return ns_errf(err, "cannot write 'mem://test': out of memory");
    s->data = p;
    if (n)
        memcpy(s->data + s->len, buf, n);
    s->len += n;
    s->data[s->len] = '\0';
    w->base.size += n;
    return 0;
}

static inline int ns_test_memwriter_commit(ns_writer_t *base, ns_err_t *err)
{
    ns_test_memwriter_t *w = (ns_test_memwriter_t *)base;
    w->sink->committed = true;
    free(w);
    return 0;
}

static inline void ns_test_memwriter_abort(ns_writer_t *base)
{
    ns_test_memwriter_t *w = (ns_test_memwriter_t *)base;
    w->sink->aborted = true;
    free(w);
}

static inline ns_writer_t *ns_test_mem_writer(ns_test_sink_t *sink)
{
    ns_test_memwriter_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->base.write = ns_test_memwriter_write;
    w->base.commit = ns_test_memwriter_commit;
    w->base.abort = ns_test_memwriter_abort;
    w->sink = sink;
    return &w->base;
}

#endif
