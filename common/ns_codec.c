/*
 * ns_codec: streaming gzip/zstd decompression readers and a zstd
 * compressing writer, each stacked on another ns_reader_t / ns_writer_t
 * (see ns_codec.h).
 *
 * Workload: every compressed input object of a map task goes through one
 * decompressing reader (hundreds of small objects or a few large ones, each
 * read once front to back), and every load file and shuffle run is written
 * through one zstd writer. Each stream holds one fixed input (or output)
 * buffer of 256 KiB plus the codec's own state, whatever the object size.
 *
 * gzip: zlib inflate with automatic gzip/zlib header detection; a file made
 * of several members (cat a.gz b.gz, pigz, bgzip) is read to its end by
 * resetting the inflater after each member. zstd: ZSTD_decompressStream,
 * which moves from one frame to the next by itself. Either way, input that
 * ends inside a member or frame is an error ("truncated gzip stream"), never
 * a silent short read. An empty input is an empty stream.
 *
 * Failures are of two kinds (ns_codec_fault): damaged data (truncated,
 * corrupt, a bomb) and I/O (the source stream failed, out of memory). Either
 * way every byte decoded by an earlier, successful call has been handed out;
 * the output of the failing call is dropped (it may hold garbage decoded
 * before the decoder noticed), and every later read fails with the same
 * message. No resync: a member or frame after the damage is not read.
 */
#include "ns_codec.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <libdeflate.h>
#include <zlib.h>
#include <zstd.h>
#include <zstd_errors.h>

#define S_INBUF (256u * 1024u)
#define S_OUTBUF (256u * 1024u)
#define S_BOMB_SLACK ((double)NS_CODEC_BOMB_SLACK)

/* ------------------------------------------------------------------ names */

static bool s_ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

ns_codec_t ns_codec_from_name(const char *uri)
{
    if (!uri)
        return NS_CODEC_NONE;
    if (s_ends_with(uri, ".gz") || s_ends_with(uri, ".gzip"))
        return NS_CODEC_GZIP;
    if (s_ends_with(uri, ".zst") || s_ends_with(uri, ".zstd"))
        return NS_CODEC_ZSTD;
    return NS_CODEC_NONE;
}

ns_codec_t ns_codec_for(const char *uri, const char *compression)
{
    if (!compression || !strcmp(compression, "auto"))
        return ns_codec_from_name(uri);
    if (!strcmp(compression, "gzip"))
        return NS_CODEC_GZIP;
    if (!strcmp(compression, "zstd"))
        return NS_CODEC_ZSTD;
    return NS_CODEC_NONE;
}

const char *ns_codec_name(ns_codec_t c)
{
    switch (c) {
    case NS_CODEC_GZIP:
        return "gzip";
    case NS_CODEC_ZSTD:
        return "zstd";
    case NS_CODEC_NONE:
        break;
    }
    return "none";
}

/* ----------------------------------------------------------------- reader */

typedef struct {
    struct ns_reader base;  /* must be first: ns_reader_read dispatches through it */
    ns_reader_t *src;       /* compressed stream (owned) */
    ns_codec_t codec;       /* NS_CODEC_GZIP or NS_CODEC_ZSTD */
    unsigned char *in;      /* compressed input buffer, S_INBUF bytes */
    size_t in_len;          /* bytes of in filled */
    size_t in_pos;          /* bytes of in consumed by the decoder */
    bool src_eof;           /* src returned 0 */
    bool in_unit;           /* inside a gzip member / zstd frame (not at a boundary) */
    ns_codec_fault_t fault; /* kind != NONE: failed; every later read fails the same way */
    z_stream zs;            /* gzip state */
    bool zs_init;           /* zs needs inflateEnd */
    ZSTD_DCtx *zd;          /* zstd state */
    uint64_t in_total;      /* compressed bytes read from src */
    uint64_t out_total;     /* decompressed bytes produced */
    double max_ratio;       /* bomb guard; 0 disables */
} s_dreader_t;

/* Compressed bytes the decoder has consumed. */
static uint64_t s_in_used(const s_dreader_t *r)
{
    return r->in_total - (uint64_t)(r->in_len - r->in_pos);
}

/* Fails the stream with kind and the formatted message (into err too);
 * returns -1. */
__attribute__((format(printf, 4, 5))) static int s_fail(s_dreader_t *r, ns_codec_errkind_t kind,
                                                        ns_err_t *err, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(r->fault.why, sizeof r->fault.why, fmt, ap);
    va_end(ap);
    r->fault.kind = kind;
    r->fault.in_offset = s_in_used(r);
    r->fault.out_offset = r->out_total;
    return ns_errf(err, "%s", r->fault.why);
}

/* The source stream failed, saying why in err: an I/O error. */
static int s_fail_io(s_dreader_t *r, ns_err_t *err)
{
    snprintf(r->fault.why, sizeof r->fault.why, "%s", err ? err->msg : "read error");
    r->fault.kind = NS_CODEC_ERR_IO;
    r->fault.in_offset = s_in_used(r);
    r->fault.out_offset = r->out_total;
    return -1;
}

/* Reads more compressed input when everything buffered has been used. */
static int s_refill(s_dreader_t *r, ns_err_t *err)
{
    if (r->in_pos < r->in_len || r->src_eof)
        return 0;
    ssize_t got = ns_reader_read(r->src, r->in, S_INBUF, err);
    if (got < 0)
        return s_fail_io(r, err);
    r->in_pos = 0;
    r->in_len = (size_t)got;
    r->in_total += (uint64_t)got;
    if (got == 0)
        r->src_eof = true;
    return 0;
}

/* Decompresses into out[0..n); returns bytes produced (> 0), 0 at the end. */
static ssize_t s_gzip_read(s_dreader_t *r, unsigned char *out, size_t n, ns_err_t *err)
{
    for (;;) {
        if (s_refill(r, err) < 0)
            return -1;
        size_t avail = r->in_len - r->in_pos;
        if (avail == 0 && !r->in_unit)
            return 0; /* at a member boundary with no more input */
        if (avail > 0 && !r->in_unit) {
            if (inflateReset(&r->zs) != Z_OK)
                return s_fail(r, NS_CODEC_ERR_IO, err, "cannot reset gzip decoder");
            r->in_unit = true;
        }
        r->zs.next_in = r->in + r->in_pos;
        r->zs.avail_in = (uInt)avail;
        r->zs.next_out = out;
        r->zs.avail_out = (uInt)n;
        int zr = inflate(&r->zs, Z_NO_FLUSH);
        size_t used = avail - r->zs.avail_in;
        size_t made = n - r->zs.avail_out;
        r->in_pos += used;
        switch (zr) {
        case Z_STREAM_END:
            r->in_unit = false;
            break;
        case Z_OK:
            break;
        case Z_BUF_ERROR:
            /* no progress possible: needs input we do not have */
            if (r->src_eof && r->in_pos == r->in_len && made == 0)
                return s_fail(r, NS_CODEC_ERR_DATA, err, "truncated gzip stream");
            break;
        case Z_NEED_DICT:
            return s_fail(r, NS_CODEC_ERR_DATA, err,
                          "corrupt gzip stream: needs a preset dictionary");
        case Z_MEM_ERROR:
            return s_fail(r, NS_CODEC_ERR_IO, err, "gzip decoder: out of memory");
        default:
            return s_fail(r, NS_CODEC_ERR_DATA, err, "corrupt gzip stream: %s",
                          r->zs.msg ? r->zs.msg : "data error");
        }
        if (made > 0)
            return (ssize_t)made;
        if (r->in_unit && r->src_eof && r->in_pos == r->in_len && used == 0)
            return s_fail(r, NS_CODEC_ERR_DATA, err, "truncated gzip stream");
    }
}

static ssize_t s_zstd_read(s_dreader_t *r, unsigned char *out, size_t n, ns_err_t *err)
{
    for (;;) {
        if (s_refill(r, err) < 0)
            return -1;
        size_t avail = r->in_len - r->in_pos;
        if (avail == 0 && !r->in_unit)
            return 0; /* at a frame boundary with no more input */
        ZSTD_inBuffer ib = {r->in + r->in_pos, avail, 0};
        ZSTD_outBuffer ob = {out, n, 0};
        size_t zr = ZSTD_decompressStream(r->zd, &ob, &ib);
        if (ZSTD_isError(zr) && ZSTD_getErrorCode(zr) == ZSTD_error_frameParameter_windowTooLarge)
            return s_fail(r, NS_CODEC_ERR_DATA, err,
                          "zstd frame window exceeds the decoder's window limit (%u MiB)",
                          (1u << NS_CODEC_ZSTD_WINDOW_LOG_MAX) >> 20);
        if (ZSTD_isError(zr))
            return s_fail(r,
                          ZSTD_getErrorCode(zr) == ZSTD_error_memory_allocation ? NS_CODEC_ERR_IO
                                                                                 : NS_CODEC_ERR_DATA,
                          err, "corrupt zstd frame: %s", ZSTD_getErrorName(zr));
        r->in_pos += ib.pos;
        /* 0: a frame is complete and fully flushed */
        r->in_unit = zr != 0;
        if (ob.pos > 0)
            return (ssize_t)ob.pos;
        if (r->in_unit && r->src_eof && r->in_pos == r->in_len && ib.pos == 0)
            return s_fail(r, NS_CODEC_ERR_DATA, err, "truncated zstd stream");
    }
}

static ssize_t s_dreader_read(ns_reader_t *base, void *buf, size_t n, ns_err_t *err)
{
    s_dreader_t *r = (s_dreader_t *)base;
    if (r->fault.kind != NS_CODEC_ERR_NONE)
        return ns_errf(err, "%s", r->fault.why);
    if (n == 0)
        return 0;
    if (n > S_OUTBUF * 64)
        n = S_OUTBUF * 64; /* keeps zlib's uInt counters in range */
    ssize_t got = r->codec == NS_CODEC_GZIP ? s_gzip_read(r, buf, n, err)
                                            : s_zstd_read(r, buf, n, err);
    if (got < 0)
        return -1; /* the reader s_fail'ed */
    if (r->max_ratio > 0 &&
        (double)(r->out_total + (uint64_t)got) > r->max_ratio * (double)r->in_total + S_BOMB_SLACK)
        return s_fail(r, NS_CODEC_ERR_DATA, err,
                      "decompressed size exceeds max_ratio (%gx the compressed bytes + 64 MiB): "
                      "%llu bytes from %llu %s bytes",
                      r->max_ratio, (unsigned long long)(r->out_total + (uint64_t)got),
                      (unsigned long long)r->in_total, ns_codec_name(r->codec));
    r->out_total += (uint64_t)got;
    return got;
}

static void s_dreader_close(ns_reader_t *base)
{
    s_dreader_t *r = (s_dreader_t *)base;
    if (!r)
        return;
    if (r->zs_init)
        inflateEnd(&r->zs);
    ZSTD_freeDCtx(r->zd);
    ns_reader_close(&r->src);
    free(r->in);
    free(r);
}

ns_codec_errkind_t ns_codec_fault(const ns_reader_t *r, ns_codec_fault_t *f)
{
    if (!r || r->read != s_dreader_read) {
        if (f)
            memset(f, 0, sizeof *f);
        return NS_CODEC_ERR_NONE;
    }
    const s_dreader_t *d = (const s_dreader_t *)r;
    if (f)
        *f = d->fault;
    return d->fault.kind;
}

ns_reader_t *ns_codec_reader(ns_reader_t *src, ns_codec_t codec, double max_ratio, ns_err_t *err)
{
    if (!src) {
        ns_errf(err, "codec reader: no source stream");
        return NULL;
    }
    if (codec == NS_CODEC_NONE)
        return src;
    if (codec != NS_CODEC_GZIP && codec != NS_CODEC_ZSTD) {
        ns_reader_close(&src);
        ns_errf(err, "codec reader: unknown codec %d", (int)codec);
        return NULL;
    }
    s_dreader_t *r = calloc(1, sizeof *r);
    if (!r) {
        ns_reader_close(&src);
        ns_errf(err, "%s reader: out of memory", ns_codec_name(codec));
        return NULL;
    }
    r->base.read = s_dreader_read;
    r->base.close = s_dreader_close;
    r->src = src;
    r->codec = codec;
    r->max_ratio = max_ratio > 0 ? max_ratio : 0;
    r->in = malloc(S_INBUF);
    if (!r->in)
        goto oom;
    if (codec == NS_CODEC_GZIP) {
        /* 15 + 32: 32 KiB window, detect gzip or zlib headers */
        int zr = inflateInit2(&r->zs, 15 + 32);
        if (zr != Z_OK)
            goto oom;
        r->zs_init = true;
    } else {
        r->zd = ZSTD_createDCtx();
        if (!r->zd)
            goto oom;
        /* the window a frame may ask for is memory the decoder allocates */
        if (ZSTD_isError(ZSTD_DCtx_setParameter(r->zd, ZSTD_d_windowLogMax,
                                                NS_CODEC_ZSTD_WINDOW_LOG_MAX)))
            goto oom;
    }
    return &r->base;
oom:
    ns_errf(err, "%s reader: out of memory", ns_codec_name(codec));
    s_dreader_close(&r->base);
    return NULL;
}

/* ------------------------------------------------------ whole-object gzip */

typedef struct {
    struct ns_reader base; /* must be first */
    unsigned char *data;   /* decompressed bytes */
    size_t len, pos;
} s_mreader_t;

static ssize_t s_mreader_read(ns_reader_t *rd, void *buf, size_t n, ns_err_t *err)
{
    s_mreader_t *r = (s_mreader_t *)rd;
    size_t left = r->len - r->pos;
    if (n > left)
        n = left;
    memcpy(buf, r->data + r->pos, n);
    r->pos += n;
    return (ssize_t)n;
}

static void s_mreader_close(ns_reader_t *rd)
{
    s_mreader_t *r = (s_mreader_t *)rd;
    free(r->data);
    free(r);
}

/* A stream over data[0..len) (taking it: freed on close, or here on
 * failure). */
static ns_reader_t *s_mreader_new(unsigned char *data, size_t len, ns_err_t *err)
{
    s_mreader_t *r = calloc(1, sizeof *r);
    if (!r) {
        free(data);
        ns_errf(err, "gzip reader: out of memory");
        return NULL;
    }
    r->base.read = s_mreader_read;
    r->base.close = s_mreader_close;
    r->data = data;
    r->len = len;
    return &r->base;
}

/* Decompresses every gzip member of in[0..n) into *out; 0, 1 when the
 * output would pass cap or the data is damaged (the caller streams instead,
 * which hands out what comes before the damage), -1 when out of memory. */
static int s_deflate_all(const unsigned char *in, size_t n, size_t cap, unsigned char **out,
                         size_t *outlen, ns_err_t *err)
{
    struct libdeflate_decompressor *dc = libdeflate_alloc_decompressor();
    if (!dc)
        return ns_errf(err, "gzip reader: out of memory");
    /* the last member's ISIZE: the exact size of a one-member file */
    size_t size = n >= 4 ? (size_t)in[n - 4] | (size_t)in[n - 3] << 8 | (size_t)in[n - 2] << 16 |
                               (size_t)in[n - 1] << 24
                         : 0;
    size_t bufcap = size < 4096 ? 4096 : size > cap ? cap : size, used = 0, at = 0;
    unsigned char *buf = malloc(bufcap);
    int rc = 0;
    while (buf && at < n) {
        size_t in_used = 0, got = 0;
        enum libdeflate_result lr = libdeflate_gzip_decompress_ex(
            dc, in + at, n - at, buf + used, bufcap - used, &in_used, &got);
        if (lr == LIBDEFLATE_INSUFFICIENT_SPACE) {
            if (bufcap >= cap) {
                rc = 1;
                break;
            }
            size_t ncap = bufcap * 2 > cap ? cap : bufcap * 2;
            unsigned char *p = realloc(buf, ncap);
            if (!p) {
                free(buf);
                buf = NULL;
                break;
            }
            buf = p;
            bufcap = ncap;
            continue;
        }
        if (lr != LIBDEFLATE_SUCCESS) {
            rc = 1;
            break;
        }
        used += got;
        at += in_used;
    }
    libdeflate_free_decompressor(dc);
    if (!buf)
        return ns_errf(err, "gzip reader: out of memory");
    if (rc) {
        free(buf);
        return rc;
    }
    *out = buf;
    *outlen = used;
    return 0;
}

ns_reader_t *ns_codec_reader_sized(ns_reader_t *src, ns_codec_t codec, uint64_t stored_size,
                                   double max_ratio, const char *name, ns_err_t *err)
{
    if (!src || codec != NS_CODEC_GZIP || stored_size == 0 || stored_size > NS_CODEC_WHOLE_MAX)
        return ns_codec_reader(src, codec, max_ratio, err);
    size_t n = (size_t)stored_size, got = 0;
    unsigned char *in = malloc(n);
    if (!in) {
        ns_reader_close(&src);
        ns_errf(err, "gzip reader: out of memory");
        return NULL;
    }
    while (got < n) {
        ssize_t r = ns_reader_read(src, in + got, n - got, err);
        if (r < 0) {
            free(in);
            ns_reader_close(&src);
            return NULL;
        }
        if (r == 0)
            break;
        got += (size_t)r;
    }
    unsigned char extra;
    ssize_t more = got == n ? ns_reader_read(src, &extra, 1, err) : 0;
    ns_reader_close(&src);
    if (more != 0 || got < n) {
        /* the object changed since it was listed: an I/O error, not damage */
        free(in);
        if (more >= 0)
            ns_errf(err, "'%s' is %s than its listed size %zu", name,
                    more > 0 ? "larger" : "smaller", n);
        return NULL;
    }
    double cap_d = max_ratio > 0 ? max_ratio * (double)got + S_BOMB_SLACK
                                 : (double)NS_CODEC_WHOLE_OUT_MAX;
    size_t cap = cap_d > NS_CODEC_WHOLE_OUT_MAX ? NS_CODEC_WHOLE_OUT_MAX : (size_t)cap_d;
    unsigned char *out = NULL;
    size_t outlen = 0;
    int rc = s_deflate_all(in, got, cap, &out, &outlen, err);
    if (rc < 0) {
        free(in);
        return NULL;
    }
    if (rc == 1) { /* damaged or too large: stream the stored bytes from memory */
        ns_reader_t *mem = s_mreader_new(in, got, err);
        return mem ? ns_codec_reader(mem, NS_CODEC_GZIP, max_ratio, err) : NULL;
    }
    free(in);
    return s_mreader_new(out, outlen, err);
}

/* ----------------------------------------------------------------- writer */

typedef struct {
    struct ns_writer base; /* must be first: ns_writer_write dispatches through it */
    ns_writer_t *dst;      /* compressed output (owned) */
    ZSTD_CCtx *cctx;       /* compressor */
    unsigned char *out;    /* compressed bytes not yet written to dst */
    size_t out_pos;        /* bytes used in out */
    uint64_t compressed;   /* compressed bytes handed to dst */
    bool failed;           /* an error was reported; every later write fails */
    uint64_t *report;      /* where commit stores the compressed size, or NULL */
} s_zwriter_t;

static int s_zw_drain(s_zwriter_t *w, ns_err_t *err)
{
    if (w->out_pos == 0)
        return 0;
    if (ns_writer_write(w->dst, w->out, w->out_pos, err) < 0)
        return -1;
    w->compressed += w->out_pos;
    w->out_pos = 0;
    return 0;
}

/* Runs the compressor over in with mode until it has taken all of in (and,
 * for ZSTD_e_end, finished the frame). */
static int s_zw_run(s_zwriter_t *w, ZSTD_inBuffer *in, ZSTD_EndDirective mode, ns_err_t *err)
{
    for (;;) {
        ZSTD_outBuffer ob = {w->out, S_OUTBUF, w->out_pos};
        size_t left = ZSTD_compressStream2(w->cctx, &ob, in, mode);
        if (ZSTD_isError(left))
            return ns_errf(err, "zstd compression failed: %s", ZSTD_getErrorName(left));
        w->out_pos = ob.pos;
        if (w->out_pos == S_OUTBUF && s_zw_drain(w, err) < 0)
            return -1;
        bool done = mode == ZSTD_e_end ? left == 0 : in->pos == in->size;
        if (done)
            return 0;
    }
}

static int s_zw_write(ns_writer_t *base, const void *buf, size_t n, ns_err_t *err)
{
    s_zwriter_t *w = (s_zwriter_t *)base;
    if (w->failed)
        return ns_errf(err, "zstd writer: write after an earlier error");
    if (n == 0)
        return 0;
    ZSTD_inBuffer in = {buf, n, 0};
    if (s_zw_run(w, &in, ZSTD_e_continue, err) < 0) {
        w->failed = true;
        return -1;
    }
    w->base.size += n;
    return 0;
}

static void s_zw_free(s_zwriter_t *w)
{
    ZSTD_freeCCtx(w->cctx);
    free(w->out);
    free(w);
}

static int s_zw_commit(ns_writer_t *base, ns_err_t *err)
{
    s_zwriter_t *w = (s_zwriter_t *)base;
    int rc = -1;
    if (w->failed) {
        ns_errf(err, "zstd writer: commit after an earlier error");
    } else {
        ZSTD_inBuffer in = {NULL, 0, 0};
        if (s_zw_run(w, &in, ZSTD_e_end, err) == 0 && s_zw_drain(w, err) == 0)
            rc = 0;
    }
    if (rc == 0) {
        if (w->report)
            *w->report = w->compressed;
        rc = ns_writer_commit(&w->dst, err);
    } else {
        ns_writer_abort(&w->dst);
    }
    s_zw_free(w);
    return rc;
}

static void s_zw_abort(ns_writer_t *base)
{
    s_zwriter_t *w = (s_zwriter_t *)base;
    if (!w)
        return;
    ns_writer_abort(&w->dst);
    s_zw_free(w);
}

ns_writer_t *ns_codec_zstd_writer(ns_writer_t *dst, int level, ns_err_t *err)
{
    if (!dst) {
        ns_errf(err, "zstd writer: no destination stream");
        return NULL;
    }
    if (level < 1 || level > 19) {
        ns_writer_abort(&dst);
        ns_errf(err, "zstd writer: level %d is not in 1..19", level);
        return NULL;
    }
    s_zwriter_t *w = calloc(1, sizeof *w);
    if (!w) {
        ns_writer_abort(&dst);
        ns_errf(err, "zstd writer: out of memory");
        return NULL;
    }
    w->base.write = s_zw_write;
    w->base.commit = s_zw_commit;
    w->base.abort = s_zw_abort;
    w->dst = dst;
    w->out = malloc(S_OUTBUF);
    w->cctx = ZSTD_createCCtx();
    if (!w->out || !w->cctx) {
        ns_errf(err, "zstd writer: out of memory");
        s_zw_abort(&w->base);
        return NULL;
    }
    size_t r1 = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_compressionLevel, level);
    size_t r2 = ZSTD_CCtx_setParameter(w->cctx, ZSTD_c_checksumFlag, 1);
    if (ZSTD_isError(r1) || ZSTD_isError(r2)) {
        ns_errf(err, "zstd writer: cannot set parameters: %s",
                ZSTD_getErrorName(ZSTD_isError(r1) ? r1 : r2));
        s_zw_abort(&w->base);
        return NULL;
    }
    return &w->base;
}

void ns_codec_report_stored(ns_writer_t *w, uint64_t *stored)
{
    if (w && w->write == s_zw_write)
        ((s_zwriter_t *)w)->report = stored;
}

uint64_t ns_codec_compressed_size(const ns_writer_t *w)
{
    if (!w)
        return 0;
    if (w->write != s_zw_write)
        return w->size; /* not a compressing writer: nothing is compressed */
    const s_zwriter_t *z = (const s_zwriter_t *)w;
    return z->compressed + z->out_pos;
}
