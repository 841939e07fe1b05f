/*
 * ns_test_util: small helpers shared by the unit tests: an in-memory
 * ns_reader_t (optionally returning at most `chunk` bytes per read, or
 * failing after a number of bytes, to exercise buffer boundaries and I/O
 * errors); an in-memory ns_writer_t that appends into a caller-owned sink,
 * which survives the writer's commit or abort; and, for the tests of the
 * record readers (ns_records.h), the files under tests/data/, a list of
 * strings, reading a reader to its end checking what every reader
 * promises, records rendered as text, and comparing what was read.
 *
 * Workload: test inputs of bytes to a few MB; test data files are at most
 * 64 KiB; every string is malloc'd and freed by its list.
 */
#ifndef NS_TEST_UTIL_H
#define NS_TEST_UTIL_H

#include "ns_err.h"
#include "ns_memreader.h"
#include "ns_records.h"
#include "ns_store.h"

#include <criterion/criterion.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>


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

/* ---- test data ---- */

/* The source tree, ending with '/', into out: found from this file's path
 * (.../tests/unit/ns_test_util.h), else $NS_SRC, else the working
 * directory ("./"). */
static inline void ns_test_srcdir(char *out, size_t cap)
{
    const char *f = __FILE__, *tail = "tests/unit/ns_test_util.h";
    size_t n = strlen(f), t = strlen(tail);
    if (n > t && strcmp(f + n - t, tail) == 0)
        snprintf(out, cap, "%.*s", (int)(n - t), f);
    else if (getenv("NS_SRC") && *getenv("NS_SRC"))
        snprintf(out, cap, "%s/", getenv("NS_SRC"));
    else
        snprintf(out, cap, "./");
}

/* The bytes of tests/data/<dir>/<name> in the source tree (ns_test_srcdir;
 * malloc'd, NUL-terminated, at most 64 KiB). */
static inline char *ns_test_load(const char *dir, const char *name, size_t *len)
{
    char src[1024], path[1200];
    ns_test_srcdir(src, sizeof src);
    snprintf(path, sizeof path, "%stests/data/%s/%s", src, dir, name);
    FILE *fp = fopen(path, "rb");
    cr_assert(fp, "cannot open '%s'", path);
    size_t cap = 1 << 16;
    char *buf = malloc(cap);
    cr_assert(buf);
    *len = fread(buf, 1, cap - 1, fp);
    cr_assert_lt(*len, cap - 1, "'%s' is larger than the test expects", path);
    buf[*len] = '\0';
    fclose(fp);
    return buf;
}

/* ---- record readers ---- */

/* Source read sizes the reader tests read every input with (0: as much as
 * the reader asks for). */
#define NS_TEST_NCHUNKS 6
static const size_t ns_test_chunks[NS_TEST_NCHUNKS] = {0, 1, 2, 3, 7, 64};

/* Strings, each malloc'd and owned by the list. Start with {0}. */
typedef struct {
    char **items;
    size_t n, cap;
} ns_test_list_t;

static inline void ns_test_list_add(ns_test_list_t *l, char *s)
{
    if (l->n == l->cap) {
        l->cap = l->cap ? l->cap * 2 : 64;
        l->items = realloc(l->items, l->cap * sizeof *l->items);
        cr_assert(l->items);
    }
    l->items[l->n++] = s;
}

static inline void ns_test_list_free(ns_test_list_t *l)
{
    for (size_t i = 0; i < l->n; i++)
        free(l->items[i]);
    free(l->items);
    memset(l, 0, sizeof *l);
}

/* A record reader under test: how to open it, check and render its
 * records. A record is rendered "offset:R:" then, with count, "nfields:",
 * then its fields joined by sep (a null field as null); a reject is
 * "offset:X:reason", with raw followed by ":" and its raw bytes. cfg is
 * the test's description of one reader (options, paths), passed through. */
enum { NS_TEST_ANY_ORDER, NS_TEST_NONDECREASING, NS_TEST_INCREASING };
typedef struct {
    /* the reader over src, a stream from object offset from, for the split
     * [start, end); NULL with err set if it cannot be made */
    ns_recsrc_t *(*open)(ns_reader_t *src, uint64_t from, uint64_t start, uint64_t end,
                         const void *cfg, ns_err_t *err);
    /* the reader's own checks of each record or reject (NULL: none) */
    void (*check)(const ns_record_t *rec, int kind, const void *cfg);
    int order;        /* what offsets do from one record to the next: NS_TEST_* */
    char sep;         /* between fields */
    const char *null; /* a null field (p == NULL) */
    bool count;       /* the field count after "R:" */
    bool raw;         /* a reject's raw bytes after its reason */
} ns_test_reader_t;

/* A record or reject as text (malloc'd), as rd says. */
static inline char *ns_test_render(const ns_record_t *rec, int kind, const ns_test_reader_t *rd)
{
    size_t nl = strlen(rd->null);
    size_t cap = 64 + rec->raw_len + (rec->reject ? strlen(rec->reject) : 0);
    for (int i = 0; i < rec->nfields; i++)
        cap += rec->fields[i].len + nl + 1;
    char *s = malloc(cap);
    cr_assert(s);
    size_t k;
    if (kind == NS_REC_RECORD) {
        k = (size_t)snprintf(s, cap, "%llu:R:", (unsigned long long)rec->offset);
        if (rd->count)
            k += (size_t)snprintf(s + k, cap - k, "%d:", rec->nfields);
        for (int i = 0; i < rec->nfields; i++) {
            const ns_field_t *f = &rec->fields[i];
            if (i)
                s[k++] = rd->sep;
            memcpy(s + k, f->p ? f->p : rd->null, f->p ? f->len : nl);
            k += f->p ? f->len : nl;
        }
    } else {
        k = (size_t)snprintf(s, cap, "%llu:X:%s", (unsigned long long)rec->offset, rec->reject);
        if (rd->raw) {
            s[k++] = ':';
            memcpy(s + k, rec->raw, rec->raw_len);
            k += rec->raw_len;
        }
    }
    s[k] = '\0';
    return s;
}

/* Reads data[0..len) (an object) as the split [start, end), given from
 * start - 1 as the planner does, through a source returning at most chunk
 * bytes a read (0: no limit), and appends each record and reject rendered
 * to out. Checks what every reader promises: each call gives a record (no
 * reason) or a reject (a reason, no fields); raw bytes are the object's at
 * the offset; offsets go as rd->order says; no I/O error; after the end,
 * the end again; the bytes read are within the stream, all of it for a
 * whole object. rd->check adds the reader's own checks. */
static inline void ns_test_read(const ns_test_reader_t *rd, const void *cfg, const char *data,
                                size_t len, uint64_t start, uint64_t end, size_t chunk,
                                ns_test_list_t *out)
{
    uint64_t from = start ? start - 1 : 0;
    ns_reader_t *src = ns_test_mem_reader(data + from, len - from, chunk);
    ns_err_t err = {""};
    ns_recsrc_t *s = rd->open(src, from, start, end, cfg, &err);
    cr_assert(s, "%s", err.msg);
    ns_record_t rec;
    uint64_t last = 0;
    bool any = false;
    int r;
    while ((r = s->next(s, &rec, &err)) > 0) {
        cr_assert(r == NS_REC_RECORD || r == NS_REC_REJECT);
        if (r == NS_REC_REJECT) {
            cr_assert(rec.reject && rec.reject[0]);
            cr_assert_null(rec.fields);
            cr_assert_eq(rec.nfields, 0);
        } else {
            cr_assert_null(rec.reject);
        }
        if (any && rd->order != NS_TEST_ANY_ORDER)
            cr_assert(rd->order == NS_TEST_INCREASING ? rec.offset > last : rec.offset >= last,
                      "offsets go backwards: %llu after %llu", (unsigned long long)rec.offset,
                      (unsigned long long)last);
        any = true;
        last = rec.offset;
        cr_assert_leq(rec.offset + rec.raw_len, len);
        cr_assert(rec.raw_len == 0 || memcmp(rec.raw, data + rec.offset, rec.raw_len) == 0,
                  "raw bytes at %llu are not the input's", (unsigned long long)rec.offset);
        if (rd->check)
            rd->check(&rec, r, cfg);
        ns_test_list_add(out, ns_test_render(&rec, r, rd));
    }
    cr_assert_eq(r, NS_REC_END, "%s", err.msg);
    cr_assert_eq(s->next(s, &rec, &err), NS_REC_END); /* stays at the end */
    cr_assert_leq(s->bytes(s), len - from);
    if (end == UINT64_MAX)
        cr_assert_eq(s->bytes(s), len - from, "a whole object is read to its end");
    s->destroy(s);
    ns_reader_close(&src);
}

/* An expected record or reject: its offset is that of the nth (1-based)
 * occurrence of `at` in the input; `what` is its rendering after
 * "offset:". */
typedef struct {
    const char *at;
    int nth;
    const char *what;
} ns_test_want_t;

/* The offset of the nth (1-based) occurrence of at in data[0..len), which
 * must be there. */
static inline uint64_t ns_test_offset_of(const char *data, size_t len, const char *at, int nth)
{
    const char *p = data;
    size_t n = strlen(at);
    for (int i = 0; i < nth; i++) {
        const char *q = memmem(p, len - (size_t)(p - data), at, n);
        cr_assert(q, "'%s' occurs fewer than %d times in the input", at, nth);
        if (i == nth - 1)
            return (uint64_t)(q - data);
        p = q + 1;
    }
    return 0;
}

/* want[0..n) as the NULL-terminated strings "offset:what" that
 * ns_test_expect takes, offsets found in data[0..len); one block, free()
 * it. */
static inline const char **ns_test_wants(const char *data, size_t len, const ns_test_want_t *want,
                                         size_t n)
{
    enum { S_WANT_MAX = 1024 };
    const char **w = malloc((n + 1) * sizeof *w + n * S_WANT_MAX);
    cr_assert(w);
    char *text = (char *)(w + n + 1);
    for (size_t i = 0; i < n; i++) {
        w[i] = text + i * S_WANT_MAX;
        snprintf(text + i * S_WANT_MAX, S_WANT_MAX, "%llu:%s",
                 (unsigned long long)ns_test_offset_of(data, len, want[i].at, want[i].nth),
                 want[i].what);
    }
    w[n] = NULL;
    return w;
}

/* Checks that got holds the strings of want (NULL-terminated), in order;
 * chunk, the source read size, is named in the messages. */
static inline void ns_test_expect(const ns_test_list_t *got, const char *const *want, size_t chunk)
{
    size_t i = 0;
    for (; want[i]; i++) {
        cr_assert_lt(i, got->n, "chunk %zu: record %zu missing (want '%s')", chunk, i, want[i]);
        cr_assert_str_eq(got->items[i], want[i], "chunk %zu: record %zu: got '%s' want '%s'", chunk,
                         i, got->items[i], want[i]);
    }
    cr_assert_eq(got->n, i, "chunk %zu: %zu records, want %zu (extra: '%s')", chunk, got->n, i,
                 got->n > i ? got->items[i] : "");
}

/* Reads data[0..len) whole with every source read size (ns_test_chunks)
 * and checks the rendered records against want (NULL-terminated). */
static inline void ns_test_expect_all(const ns_test_reader_t *rd, const void *cfg, const char *data,
                                      size_t len, const char *const *want)
{
    for (size_t c = 0; c < NS_TEST_NCHUNKS; c++) {
        ns_test_list_t got = {0};
        ns_test_read(rd, cfg, data, len, 0, UINT64_MAX, ns_test_chunks[c], &got);
        ns_test_expect(&got, want, ns_test_chunks[c]);
        ns_test_list_free(&got);
    }
}

/* Checks that got holds the same strings as want; what names the case in
 * the messages. */
static inline void ns_test_same(const ns_test_list_t *got, const ns_test_list_t *want,
                                const char *what)
{
    cr_assert_eq(got->n, want->n, "%s: %zu records, want %zu", what, got->n, want->n);
    for (size_t i = 0; i < got->n; i++)
        cr_assert_str_eq(got->items[i], want->items[i], "%s: record %zu", what, i);
}

/* Checks that reading data as two splits cut at `cut` (each read in chunks
 * of `chunk` bytes) gives the same records as `whole`. */
static inline void ns_test_split_same(const ns_test_reader_t *rd, const void *cfg,
                                      const char *data, size_t len, uint64_t cut, size_t chunk,
                                      const ns_test_list_t *whole)
{
    ns_test_list_t u = {0};
    ns_test_read(rd, cfg, data, len, 0, cut, chunk, &u);
    ns_test_read(rd, cfg, data, len, cut, UINT64_MAX, chunk, &u);
    char what[64];
    snprintf(what, sizeof what, "splits cut at %llu", (unsigned long long)cut);
    ns_test_same(&u, whole, what);
    ns_test_list_free(&u);
}

#endif
