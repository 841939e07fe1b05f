/*
 * ns_run: writing and reading sorted runs (layout in ns_run.h).
 *
 * Workload: a map task writes a few runs per partition per spill, each a
 * stream of small records (tens to hundreds of bytes) appended in order; a
 * reduce task reads tens to hundreds of runs at once, one row at a time,
 * through ns_merge. Both sides are on the hot path of the shuffle, so the
 * writer stages records in a fixed buffer and hands the compressor large
 * chunks, and the reader parses rows in place in one bounded buffer of
 * decompressed bytes that grows only for a single oversized row.
 *
 * Compression is ns_codec's zstd writer (with a frame checksum) over the
 * store writer; a thin counting writer between them records the compressed
 * size at commit, so the run's stored size is exact. Reading goes through
 * ns_codec_reader, which reports a corrupt or truncated frame; on top of it
 * the reader checks the magic and that every row is whole and well formed.
 */
#include "ns_run.h"

#include "ns_codec.h"

#include <stdlib.h>
#include <string.h>

/* Records are staged in this much memory before going to the compressor. */
#define S_STAGE (64 * 1024)
/* A single row may make the read buffer grow up to this. */
#define S_ROW_MAX ((size_t)64 * 1024 * 1024)
/* Smallest read buffer we work with, whatever the caller asks. */
#define S_MIN_BUF 4096

/* --------------------------------------------------------------- order */

static int s_memcmp_len(const uint8_t *a, size_t na, const uint8_t *b, size_t nb)
{
    size_t n = na < nb ? na : nb;
    int c = n ? memcmp(a, b, n) : 0;
    if (c)
        return c;
    return na < nb ? -1 : na > nb;
}

int ns_row_cmp(const ns_rowview_t *a, const ns_rowview_t *b)
{
    int c = s_memcmp_len(a->key, a->key_len, b->key, b->key_len);
    if (c)
        return c;
    return s_memcmp_len(a->body, a->body_len, b->body, b->body_len);
}

/* ------------------------------------------------------ counting writer */

/* Sits between the zstd writer and the store writer and, when committed,
 * stores how many compressed bytes went through in *stored. */
/* -------------------------------------------------------------- writer */

struct ns_run_writer {
    char uri[NS_URI_MAX]; /* the run being written */
    ns_writer_t *out;     /* zstd writer over the store writer (owned) */
    uint8_t *stage;       /* S_STAGE bytes of records not yet compressed */
    size_t staged;        /* bytes used in stage */
    uint64_t rows;        /* records added */
    uint64_t bytes;       /* record bytes added */
    uint64_t stored;      /* compressed size, set when the object commits */
    int failed;           /* an add failed; commit will fail */
};

ns_run_writer_t *ns_run_writer_new(const char *uri, int zstd_level, ns_err_t *err)
{
    if (!uri || strlen(uri) >= NS_URI_MAX) {
        ns_errf(err, "run uri is missing or too long");
        return NULL;
    }
    ns_run_writer_t *w = calloc(1, sizeof *w);
    if (w)
        w->stage = malloc(S_STAGE);
    if (!w || !w->stage) {
        ns_errf(err, "cannot write run '%s': out of memory", uri);
        goto fail;
    }
    memcpy(w->uri, uri, strlen(uri) + 1);
    ns_writer_t *dst = ns_store_open_write(uri, err);
    if (!dst)
        goto fail;
    w->out = ns_codec_zstd_writer(dst, zstd_level, err); /* takes dst, even on failure */
    if (!w->out) {
        ns_err_prefix(err, "cannot write run '%s'", uri);
        goto fail;
    }
    ns_codec_report_stored(w->out, &w->stored);
    memcpy(w->stage, NS_RUN_MAGIC, 8);
    w->staged = 8;
    return w;
fail:
    if (w)
        free(w->stage);
    free(w);
    return NULL;
}

static int s_flush(ns_run_writer_t *w, ns_err_t *err)
{
    if (w->staged == 0)
        return 0;
    if (ns_writer_write(w->out, w->stage, w->staged, err)) {
        w->failed = 1;
        return ns_err_prefix(err, "cannot write run '%s'", w->uri);
    }
    w->staged = 0;
    return 0;
}

int ns_run_writer_add(ns_run_writer_t *w, const uint8_t *rec, size_t len, ns_err_t *err)
{
    if (w->failed)
        return ns_errf(err, "cannot write run '%s': write after an earlier error", w->uri);
    if (w->staged + len > S_STAGE) {
        if (s_flush(w, err))
            return -1;
        if (len >= S_STAGE) {
            /* a big record goes straight through */
            if (ns_writer_write(w->out, rec, len, err)) {
                w->failed = 1;
                return ns_err_prefix(err, "cannot write run '%s'", w->uri);
            }
            w->rows++;
            w->bytes += len;
            return 0;
        }
    }
    memcpy(w->stage + w->staged, rec, len);
    w->staged += len;
    w->rows++;
    w->bytes += len;
    return 0;
}

static void s_writer_free(ns_run_writer_t *w)
{
    ns_writer_abort(&w->out);
    free(w->stage);
    free(w);
}

int ns_run_writer_commit(ns_run_writer_t **wp, ns_run_info_t *info, ns_err_t *err)
{
    ns_run_writer_t *w = *wp;
    *wp = NULL;
    int rc = -1;
    if (w->failed) {
        ns_errf(err, "cannot write run '%s': commit after an earlier error", w->uri);
    } else if (s_flush(w, err) == 0) {
        if (ns_writer_commit(&w->out, err))
            ns_err_prefix(err, "cannot commit run '%s'", w->uri);
        else
            rc = 0;
    }
    if (rc == 0 && info) {
        memcpy(info->uri, w->uri, sizeof info->uri);
        info->rows = w->rows;
        info->bytes = w->bytes;
        info->stored = w->stored;
    }
    s_writer_free(w);
    return rc;
}

void ns_run_writer_abort(ns_run_writer_t **wp)
{
    if (!wp || !*wp)
        return;
    s_writer_free(*wp);
    *wp = NULL;
}

/* -------------------------------------------------------------- reader */

struct ns_run_reader {
    char uri[NS_URI_MAX]; /* the run being read */
    ns_reader_t *in;      /* decompressed stream (owned) */
    uint8_t *buf;         /* decompressed bytes */
    size_t cap;           /* bytes allocated in buf */
    size_t base;          /* first byte of buf not yet returned as a row */
    size_t len;           /* bytes of buf filled */
    size_t want;          /* capacity to go back to after an oversized row */
    int eof;              /* the stream has ended */
    int failed;           /* an error was reported; later calls fail */
};

/* Reads more bytes into buf[len..cap); sets eof at the end. */
static int s_fill(ns_run_reader_t *r, ns_err_t *err)
{
    ssize_t got = ns_reader_read(r->in, r->buf + r->len, r->cap - r->len, err);
    if (got < 0)
        return ns_err_prefix(err, "cannot read run '%s'", r->uri);
    if (got == 0)
        r->eof = 1;
    r->len += (size_t)got;
    return 0;
}

static int s_resize(ns_run_reader_t *r, size_t cap, ns_err_t *err)
{
    uint8_t *p = realloc(r->buf, cap);
    if (!p)
        return ns_errf(err, "cannot read run '%s': out of memory", r->uri);
    r->buf = p;
    r->cap = cap;
    return 0;
}

ns_run_reader_t *ns_run_reader_open(const char *uri, size_t bufsize, ns_err_t *err)
{
    if (!uri || strlen(uri) >= NS_URI_MAX) {
        ns_errf(err, "run uri is missing or too long");
        return NULL;
    }
    if (bufsize < S_MIN_BUF)
        bufsize = S_MIN_BUF;
    if (bufsize > S_ROW_MAX)
        bufsize = S_ROW_MAX;
    ns_run_reader_t *r = calloc(1, sizeof *r);
    if (!r) {
        ns_errf(err, "cannot read run '%s': out of memory", uri);
        return NULL;
    }
    memcpy(r->uri, uri, strlen(uri) + 1);
    r->want = bufsize;
    if (s_resize(r, bufsize, err))
        goto fail;
    ns_reader_t *src = ns_store_open_read(uri, 0, UINT64_MAX, 0, err);
    if (!src)
        goto fail;
    /* runs are our own output: no compression-bomb guard (0), rows are
     * bounded by S_ROW_MAX instead */
    r->in = ns_codec_reader(src, NS_CODEC_ZSTD, 0, err);
    if (!r->in) {
        ns_err_prefix(err, "cannot read run '%s'", uri);
        goto fail;
    }
    while (r->len < 8 && !r->eof)
        if (s_fill(r, err))
            goto fail;
    if (r->len < 8) {
        ns_errf(err, "truncated run '%s': no header", uri);
        goto fail;
    }
    if (memcmp(r->buf, NS_RUN_MAGIC, 8) != 0) {
        ns_errf(err, "'%s' is not a run: bad magic", uri);
        goto fail;
    }
    r->base = 8;
    return r;
fail:
    ns_run_reader_close(&r);
    return NULL;
}

int ns_run_reader_next(ns_run_reader_t *r, ns_rowview_t *row, ns_err_t *err)
{
    if (r->failed)
        return ns_errf(err, "cannot read run '%s': read after an earlier error", r->uri);
    for (;;) {
        size_t avail = r->len - r->base;
        int v = ns_row_view(r->buf + r->base, avail, row);
        if (v == 0) {
            r->base += row->total_len;
            return 1;
        }
        if (v < 0) {
            r->failed = 1;
            return ns_errf(err, "corrupt run '%s': bad row at byte %zu", r->uri, r->base);
        }
        /* the row is not whole in the buffer */
        if (r->eof) {
            if (avail == 0)
                return 0;
            r->failed = 1;
            return ns_errf(err, "truncated run '%s': %zu bytes of a partial row at the end", r->uri,
                           avail);
        }
        size_t need = avail + 1;
        if (avail >= 4) {
            uint32_t rl = (uint32_t)r->buf[r->base] | (uint32_t)r->buf[r->base + 1] << 8 |
                          (uint32_t)r->buf[r->base + 2] << 16 | (uint32_t)r->buf[r->base + 3] << 24;
            need = 4 + (size_t)rl;
            if (need > S_ROW_MAX) {
                r->failed = 1;
                return ns_errf(err, "corrupt run '%s': row of %zu bytes at byte %zu is over 64 MiB",
                               r->uri, need, r->base);
            }
        }
        /* move the partial row to the front, then make room for it */
        if (r->base > 0) {
            if (avail)
                memmove(r->buf, r->buf + r->base, avail);
            r->base = 0;
            r->len = avail;
        }
        size_t cap = need > r->want ? need : r->want;
        if (cap != r->cap && (cap > r->cap || avail <= cap) && s_resize(r, cap, err)) {
            r->failed = 1;
            return -1;
        }
        if (s_fill(r, err)) {
            r->failed = 1;
            return -1;
        }
    }
}

void ns_run_reader_close(ns_run_reader_t **rp)
{
    if (!rp || !*rp)
        return;
    ns_run_reader_t *r = *rp;
    ns_reader_close(&r->in);
    free(r->buf);
    free(r);
    *rp = NULL;
}
