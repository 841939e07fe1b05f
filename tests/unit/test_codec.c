/*
 * Tests of ns_codec: gzip (single and multi-member) and zstd round trips,
 * truncated and corrupt inputs reported as errors of the data kind (with
 * where, after handing out the intact prefix), source failures as I/O
 * errors, the compression-bomb guard (at its edge, and 1 GiB bombs stopped
 * without the output's memory), the zstd window limit, and codec choice by
 * name.
 */
#include "ns_codec.h"
#include "ns_test_util.h"

#include <criterion/criterion.h>
#include <malloc.h>
#include <stdio.h>
#include <zlib.h>
#include <zstd.h>

/* Deterministic, moderately compressible test bytes. */
static char *s_make_data(size_t n, unsigned seed)
{
    char *p = malloc(n ? n : 1);
    cr_assert(p);
    uint32_t x = seed * 2654435761u + 1;
    for (size_t i = 0; i < n; i++) {
        x = x * 1103515245u + 12345u;
        p[i] = (x >> 24) % 7 == 0 ? (char)('a' + (x >> 8) % 26) : (char)('0' + (i % 10));
    }
    return p;
}

/* One gzip member of src, appended to *out. */
static void s_gzip_append(const char *src, size_t n, char **out, size_t *outlen)
{
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    cr_assert_eq(deflateInit2(&zs, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY), Z_OK);
    size_t cap = deflateBound(&zs, (uLong)n) + 64;
    *out = realloc(*out, *outlen + cap);
    cr_assert(*out);
    zs.next_in = (Bytef *)src;
    zs.avail_in = (uInt)n;
    zs.next_out = (Bytef *)*out + *outlen;
    zs.avail_out = (uInt)cap;
    cr_assert_eq(deflate(&zs, Z_FINISH), Z_STREAM_END);
    *outlen += cap - zs.avail_out;
    deflateEnd(&zs);
}

/* Reads r to its end with reads of at most step bytes; returns the bytes
 * (or NULL with err set on failure) and closes r. */
static char *s_read_all(ns_reader_t *r, size_t step, size_t *outlen, ns_err_t *err)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    cr_assert(buf);
    for (;;) {
        if (cap - len < step) {
            cap = cap * 2 + step;
            buf = realloc(buf, cap);
            cr_assert(buf);
        }
        ssize_t got = ns_reader_read(r, buf + len, step, err);
        if (got < 0) {
            free(buf);
            ns_reader_close(&r);
            return NULL;
        }
        if (got == 0)
            break;
        cr_assert(got <= (ssize_t)step);
        len += (size_t)got;
    }
    ns_reader_close(&r);
    cr_assert_null(r);
    *outlen = len;
    return buf;
}

/* The fault of the last reader s_read_all_keep read. */
static ns_codec_fault_t s_kept_fault;

/* Reads r until it ends or fails, keeping what it handed out (the bytes in
 * the returned buffer, *outlen of them) and its fault in s_kept_fault;
 * closes r. */
static char *s_read_all_keep(ns_reader_t *r, size_t step, size_t *outlen, ns_err_t *err)
{
    size_t cap = 1 << 16, len = 0;
    char *buf = malloc(cap);
    cr_assert(buf);
    ns_err_clear(err);
    for (;;) {
        if (cap - len < step) {
            cap = cap * 2 + step;
            buf = realloc(buf, cap);
            cr_assert(buf);
        }
        ssize_t got = ns_reader_read(r, buf + len, step, err);
        if (got <= 0)
            break;
        len += (size_t)got;
    }
    ns_codec_fault(r, &s_kept_fault);
    ns_reader_close(&r);
    *outlen = len;
    return buf;
}

static char *s_decode(const char *comp, size_t clen, ns_codec_t codec, size_t chunk, size_t step,
                      double ratio, size_t *outlen, ns_err_t *err)
{
    ns_reader_t *src = ns_test_mem_reader(comp, clen, chunk);
    cr_assert(src);
    ns_reader_t *r = ns_codec_reader(src, codec, ratio, err);
    cr_assert(r, "%s", err->msg);
    return s_read_all(r, step, outlen, err);
}

Test(codec, names)
{
    cr_assert_eq(ns_codec_from_name("s3://b/x/part-0001.csv.gz"), NS_CODEC_GZIP);
    cr_assert_eq(ns_codec_from_name("/a/b.GZIP"), NS_CODEC_GZIP);
    cr_assert_eq(ns_codec_from_name("file:///a/b.zst"), NS_CODEC_ZSTD);
    cr_assert_eq(ns_codec_from_name("b.zstd"), NS_CODEC_ZSTD);
    cr_assert_eq(ns_codec_from_name("b.csv"), NS_CODEC_NONE);
    cr_assert_eq(ns_codec_from_name("gz"), NS_CODEC_NONE);
    cr_assert_eq(ns_codec_from_name("b.gz.csv"), NS_CODEC_NONE);
    cr_assert_str_eq(ns_codec_name(NS_CODEC_GZIP), "gzip");
    cr_assert_str_eq(ns_codec_name(NS_CODEC_ZSTD), "zstd");
    cr_assert_str_eq(ns_codec_name(NS_CODEC_NONE), "none");
}

Test(codec, none_returns_source)
{
    ns_err_t err = {""};
    ns_reader_t *src = ns_test_mem_reader("abc", 3, 0);
    ns_reader_t *r = ns_codec_reader(src, NS_CODEC_NONE, 10, &err);
    cr_assert_eq(r, src);
    ns_reader_close(&r);
}

Test(codec, gzip_single_member)
{
    const size_t n = 3 * 1024 * 1024 + 17;
    char *data = s_make_data(n, 1);
    char *comp = NULL;
    size_t clen = 0;
    s_gzip_append(data, n, &comp, &clen);
    /* source chunks and read sizes both smaller and larger than the codec's buffers */
    size_t chunks[] = {0, 1000, 7};
    size_t steps[] = {1 << 20, 4096, 1};
    for (int c = 0; c < 3; c++) {
        for (int s = 0; s < 3; s++) {
            if ((chunks[c] == 7 || steps[s] == 1) && !(chunks[c] == 7 && steps[s] == 1))
                continue; /* the byte-at-a-time runs are slow: do one */
            ns_err_t err = {""};
            size_t olen = 0;
            char *out = s_decode(comp, clen, NS_CODEC_GZIP, chunks[c], steps[s], 100, &olen, &err);
            cr_assert(out, "chunk %zu step %zu: %s", chunks[c], steps[s], err.msg);
            cr_assert_eq(olen, n);
            cr_assert(memcmp(out, data, n) == 0);
            free(out);
            if (chunks[c] == 7)
                break;
        }
    }
    free(comp);
    free(data);
}

Test(codec, gzip_multi_member)
{
    /* three members, one empty, like `cat a.gz empty.gz b.gz` */
    size_t n1 = 500000, n2 = 0, n3 = 700001;
    char *d1 = s_make_data(n1, 2), *d3 = s_make_data(n3, 3);
    char *comp = NULL;
    size_t clen = 0;
    s_gzip_append(d1, n1, &comp, &clen);
    s_gzip_append("", n2, &comp, &clen);
    s_gzip_append(d3, n3, &comp, &clen);
    size_t chunks[] = {0, 333, 1};
    for (int c = 0; c < 3; c++) {
        ns_err_t err = {""};
        size_t olen = 0;
        char *out = s_decode(comp, clen, NS_CODEC_GZIP, chunks[c], 65536, 0, &olen, &err);
        cr_assert(out, "%s", err.msg);
        cr_assert_eq(olen, n1 + n3, "chunk %zu: got %zu bytes", chunks[c], olen);
        cr_assert(memcmp(out, d1, n1) == 0);
        cr_assert(memcmp(out + n1, d3, n3) == 0);
        free(out);
    }
    free(comp);
    free(d1);
    free(d3);
}

Test(codec, gzip_empty_input_is_empty)
{
    ns_err_t err = {""};
    size_t olen = 99;
    char *out = s_decode("", 0, NS_CODEC_GZIP, 0, 100, 10, &olen, &err);
    cr_assert(out, "%s", err.msg);
    cr_assert_eq(olen, 0);
    free(out);
}

Test(codec, gzip_truncated_is_error)
{
    size_t n = 300000;
    char *data = s_make_data(n, 4);
    char *comp = NULL;
    size_t clen = 0;
    s_gzip_append(data, n, &comp, &clen);
    s_gzip_append(data, n, &comp, &clen);
    size_t one = clen / 2;
    /* cut inside the deflate data, inside the 8-byte trailer, inside the
     * second member's header and body */
    size_t cuts[] = {5, one / 2, one - 4, one - 1, one + 3, one + 100, clen - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        ns_err_t err = {""};
        size_t olen = 0;
        char *out = s_decode(comp, cuts[i], NS_CODEC_GZIP, 0, 65536, 0, &olen, &err);
        cr_assert_null(out, "cut at %zu of %zu read without error", cuts[i], clen);
        cr_assert(strstr(err.msg, "truncated gzip stream"), "cut %zu: %s", cuts[i], err.msg);
    }
    free(comp);
    free(data);
}

Test(codec, gzip_corrupt_is_error)
{
    size_t n = 100000;
    char *data = s_make_data(n, 5);
    char *comp = NULL;
    size_t clen = 0;
    s_gzip_append(data, n, &comp, &clen);
    comp[clen - 6] ^= 0x55; /* CRC */
    ns_err_t err = {""};
    size_t olen = 0;
    char *out = s_decode(comp, clen, NS_CODEC_GZIP, 0, 65536, 0, &olen, &err);
    cr_assert_null(out);
    cr_assert(strstr(err.msg, "corrupt gzip stream"), "%s", err.msg);

    /* trailing garbage after a complete member */
    comp[clen - 6] ^= 0x55;
    comp = realloc(comp, clen + 4);
    memcpy(comp + clen, "junk", 4);
    out = s_decode(comp, clen + 4, NS_CODEC_GZIP, 0, 65536, 0, &olen, &err);
    cr_assert_null(out);
    cr_assert(strstr(err.msg, "corrupt gzip stream"), "%s", err.msg);
    free(comp);
    free(data);
}

Test(codec, source_error_propagates)
{
    size_t n = 200000;
    char *data = s_make_data(n, 6);
    char *comp = NULL;
    size_t clen = 0;
    s_gzip_append(data, n, &comp, &clen);
    ns_err_t err = {""};
    ns_reader_t *src = ns_test_mem_reader_ex(comp, clen, 0, clen / 2);
    ns_reader_t *r = ns_codec_reader(src, NS_CODEC_GZIP, 0, &err);
    cr_assert(r);
    size_t olen = 0;
    char *out = s_read_all_keep(r, 65536, &olen, &err);
    cr_assert(strstr(err.msg, "injected failure"), "%s", err.msg);
    /* a failing source is an I/O error, never damage */
    cr_assert_eq(s_kept_fault.kind, NS_CODEC_ERR_IO);
    cr_assert(strstr(s_kept_fault.why, "injected failure"), "%s", s_kept_fault.why);
    cr_assert_leq(olen, n);
    cr_assert(!memcmp(out, data, olen));
    free(out);
    free(comp);
    free(data);
}

/* Compresses data through ns_codec_zstd_writer into sink, writing in
 * pieces of `piece` bytes. */
static void s_zstd_write(const char *data, size_t n, size_t piece, ns_test_sink_t *sink)
{
    ns_err_t err = {""};
    ns_writer_t *w = ns_codec_zstd_writer(ns_test_mem_writer(sink), 3, &err);
    cr_assert(w, "%s", err.msg);
    for (size_t off = 0; off < n; off += piece) {
        size_t k = n - off < piece ? n - off : piece;
        cr_assert_eq(ns_writer_write(w, data + off, k, &err), 0, "%s", err.msg);
    }
    cr_assert_eq(ns_writer_size(w), n);
    cr_assert_leq(ns_codec_compressed_size(w), n + 1024);
    cr_assert_eq(ns_writer_commit(&w, &err), 0, "%s", err.msg);
    cr_assert_null(w);
    cr_assert(sink->committed);
    cr_assert(!sink->aborted);
}

Test(codec, zstd_round_trip)
{
    const size_t n = 5 * 1024 * 1024 + 3;
    char *data = s_make_data(n, 7);
    ns_test_sink_t sink = {0};
    s_zstd_write(data, n, 100000, &sink);
    cr_assert_lt(sink.len, n / 2, "compressed %zu of %zu", sink.len, n);
    /* the frame is a standard one */
    unsigned long long fsz = ZSTD_getFrameContentSize(sink.data, sink.len);
    cr_assert(fsz == ZSTD_CONTENTSIZE_UNKNOWN || fsz == n);

    size_t chunks[] = {0, 4096, 13};
    for (int c = 0; c < 3; c++) {
        ns_err_t err = {""};
        size_t olen = 0;
        char *out = s_decode(sink.data, sink.len, NS_CODEC_ZSTD, chunks[c],
                             c == 2 ? 100 : 1 << 20, 100, &olen, &err);
        cr_assert(out, "%s", err.msg);
        cr_assert_eq(olen, n);
        cr_assert(memcmp(out, data, n) == 0);
        free(out);
    }
    free(sink.data);
    free(data);
}

Test(codec, zstd_multi_frame_and_empty)
{
    size_t n1 = 400000, n2 = 123457;
    char *d1 = s_make_data(n1, 8), *d2 = s_make_data(n2, 9);
    ns_test_sink_t a = {0}, e = {0}, b = {0};
    s_zstd_write(d1, n1, 7777, &a);
    s_zstd_write("", 0, 1, &e);
    cr_assert_gt(e.len, 0); /* an empty frame still has a header */
    s_zstd_write(d2, n2, n2, &b);
    size_t clen = a.len + e.len + b.len;
    char *comp = malloc(clen);
    memcpy(comp, a.data, a.len);
    memcpy(comp + a.len, e.data, e.len);
    memcpy(comp + a.len + e.len, b.data, b.len);
    ns_err_t err = {""};
    size_t olen = 0;
    char *out = s_decode(comp, clen, NS_CODEC_ZSTD, 1000, 65536, 0, &olen, &err);
    cr_assert(out, "%s", err.msg);
    cr_assert_eq(olen, n1 + n2);
    cr_assert(memcmp(out, d1, n1) == 0);
    cr_assert(memcmp(out + n1, d2, n2) == 0);
    free(out);

    out = s_decode(e.data, e.len, NS_CODEC_ZSTD, 0, 65536, 0, &olen, &err);
    cr_assert(out, "%s", err.msg);
    cr_assert_eq(olen, 0);
    free(out);
    out = s_decode("", 0, NS_CODEC_ZSTD, 0, 65536, 0, &olen, &err);
    cr_assert(out, "%s", err.msg);
    cr_assert_eq(olen, 0);
    free(out);

    free(comp);
    free(a.data);
    free(e.data);
    free(b.data);
    free(d1);
    free(d2);
}

Test(codec, zstd_truncated_and_corrupt_are_errors)
{
    size_t n = 600000;
    char *data = s_make_data(n, 10);
    ns_test_sink_t s = {0};
    s_zstd_write(data, n, n, &s);
    size_t cuts[] = {1, 4, 10, s.len / 2, s.len - 4, s.len - 1};
    for (size_t i = 0; i < sizeof cuts / sizeof cuts[0]; i++) {
        ns_err_t err = {""};
        size_t olen = 0;
        char *out = s_decode(s.data, cuts[i], NS_CODEC_ZSTD, 0, 65536, 0, &olen, &err);
        cr_assert_null(out, "cut at %zu of %zu read without error", cuts[i], s.len);
        cr_assert(strstr(err.msg, "truncated zstd stream"), "cut %zu: %s", cuts[i], err.msg);
    }
    s.data[s.len - 2] ^= 0x21; /* checksum */
    ns_err_t err = {""};
    size_t olen = 0;
    char *out = s_decode(s.data, s.len, NS_CODEC_ZSTD, 0, 65536, 0, &olen, &err);
    cr_assert_null(out);
    cr_assert(strstr(err.msg, "corrupt zstd frame"), "%s", err.msg);
    free(s.data);
    free(data);
}

Test(codec, zstd_writer_abort_aborts_destination)
{
    ns_test_sink_t s = {0};
    ns_err_t err = {""};
    ns_writer_t *w = ns_codec_zstd_writer(ns_test_mem_writer(&s), 1, &err);
    cr_assert(w);
    cr_assert_eq(ns_writer_write(w, "hello", 5, &err), 0);
    ns_writer_abort(&w);
    cr_assert_null(w);
    cr_assert(s.aborted);
    cr_assert(!s.committed);
    ns_writer_abort(&w); /* NULL is fine */
    free(s.data);

    ns_test_sink_t s2 = {0};
    w = ns_codec_zstd_writer(ns_test_mem_writer(&s2), 0, &err);
    cr_assert_null(w);
    cr_assert(strstr(err.msg, "level"), "%s", err.msg);
    cr_assert(s2.aborted);
}

Test(codec, zstd_writer_destination_failure)
{
    ns_test_sink_t s = {.fail_at = 1000};
    ns_err_t err = {""};
    ns_writer_t *w = ns_codec_zstd_writer(ns_test_mem_writer(&s), 1, &err);
    cr_assert(w);
    size_t n = 2 * 1024 * 1024;
    char *data = s_make_data(n, 11);
    int rc = ns_writer_write(w, data, n, &err);
    if (rc == 0)
        rc = ns_writer_commit(&w, &err);
    else
        cr_assert_eq(ns_writer_commit(&w, &err), -1);
    cr_assert_eq(rc, -1);
    cr_assert_null(w);
    cr_assert(strstr(err.msg, "injected failure") || strstr(err.msg, "earlier error"), "%s",
              err.msg);
    cr_assert(s.aborted);
    cr_assert(!s.committed);
    free(s.data);
    free(data);
}

static void s_bomb(ns_codec_t codec)
{
    /* 80 MiB of zeros compresses to well under 1 MiB */
    size_t n = 80u * 1024 * 1024;
    char *zeros = calloc(1, n);
    cr_assert(zeros);
    char *comp = NULL;
    size_t clen = 0;
    ns_test_sink_t s = {0};
    if (codec == NS_CODEC_GZIP) {
        s_gzip_append(zeros, n, &comp, &clen);
    } else {
        s_zstd_write(zeros, n, 1 << 20, &s);
        comp = s.data;
        clen = s.len;
    }
    free(zeros);
    cr_assert_lt(clen, 1024 * 1024);

    /* ratio 2: 80 MiB > 2 * clen + 64 MiB, so the guard trips */
    ns_err_t err = {""};
    size_t olen = 0;
    char *out = s_decode(comp, clen, codec, 0, 1 << 20, 2, &olen, &err);
    cr_assert_null(out, "the bomb guard did not trip");
    cr_assert(strstr(err.msg, "decompressed size exceeds max_ratio ("), "%s", err.msg);

    /* a ratio large enough, or no guard, reads it all */
    out = s_decode(comp, clen, codec, 0, 1 << 20, 100000, &olen, &err);
    cr_assert(out, "%s", err.msg);
    cr_assert_eq(olen, n);
    free(out);
    out = s_decode(comp, clen, codec, 0, 1 << 20, 0, &olen, &err);
    cr_assert(out, "%s", err.msg);
    cr_assert_eq(olen, n);
    free(out);
    free(comp);
}

Test(codec, bomb_guard_gzip)
{
    s_bomb(NS_CODEC_GZIP);
}

Test(codec, bomb_guard_zstd)
{
    s_bomb(NS_CODEC_ZSTD);
}

/* The guard at its edge: out bytes from clen compressed pass with a ratio r
 * where r * clen + 64 MiB >= out, and fail with one less. */
static void s_bomb_edge(ns_codec_t codec)
{
    size_t n = 80u << 20;
    char *zeros = calloc(1, n), *comp = NULL;
    cr_assert(zeros);
    size_t clen = 0;
    ns_test_sink_t s = {0};
    if (codec == NS_CODEC_GZIP) {
        s_gzip_append(zeros, n, &comp, &clen);
    } else {
        s_zstd_write(zeros, n, 1 << 20, &s);
        comp = s.data;
        clen = s.len;
    }
    free(zeros);
    cr_assert_lt(clen, 256u << 10); /* read in one go: the guard sees all of it */
    double r = (double)(((n - NS_CODEC_BOMB_SLACK) + clen - 1) / clen);
    cr_assert_geq(r * (double)clen + NS_CODEC_BOMB_SLACK, (double)n);
    cr_assert_lt((r - 1) * (double)clen + NS_CODEC_BOMB_SLACK, (double)n);
    ns_err_t err = {""};
    size_t olen = 0;
    char *out = s_decode(comp, clen, codec, 0, 1 << 20, r, &olen, &err);
    cr_assert(out, "ratio %g: %s", r, err.msg);
    cr_assert_eq(olen, n);
    free(out);
    out = s_decode(comp, clen, codec, 0, 1 << 20, r - 1, &olen, &err);
    cr_assert_null(out);
    char want[128];
    snprintf(want, sizeof want, "decompressed size exceeds max_ratio (%gx the compressed bytes + "
             "64 MiB)", r - 1);
    cr_assert(strstr(err.msg, want), "%s", err.msg);
    free(comp);
}

Test(codec, bomb_guard_edge_gzip)
{
    s_bomb_edge(NS_CODEC_GZIP);
}

Test(codec, bomb_guard_edge_zstd)
{
    s_bomb_edge(NS_CODEC_ZSTD);
}

/* 1 GiB of zeros, compressed: `units` copies of one gzip member or zstd
 * frame of 64 MiB of zeros (a file of several members or frames decodes to
 * their concatenation), made from a 1 MiB block of zeros. */
static char *s_zeros_bomb(ns_codec_t codec, int units, size_t *clen)
{
    static const char block[1 << 20];
    const int blocks = 64;
    size_t cap = 4u << 20, len = 0;
    char *unit = malloc(cap);
    cr_assert(unit);
    if (codec == NS_CODEC_GZIP) {
        z_stream zs;
        memset(&zs, 0, sizeof zs);
        cr_assert_eq(deflateInit2(&zs, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY), Z_OK);
        zs.next_out = (Bytef *)unit;
        zs.avail_out = (uInt)cap;
        for (int b = 0; b <= blocks; b++) {
            zs.next_in = (Bytef *)block;
            zs.avail_in = b < blocks ? (uInt)sizeof block : 0;
            int zr = deflate(&zs, b < blocks ? Z_NO_FLUSH : Z_FINISH);
            cr_assert(zr == Z_OK || zr == Z_STREAM_END);
            cr_assert_eq(zs.avail_in, 0);
            cr_assert_gt(zs.avail_out, 0);
        }
        len = cap - zs.avail_out;
        deflateEnd(&zs);
    } else {
        ZSTD_CCtx *cc = ZSTD_createCCtx();
        cr_assert(cc);
        ZSTD_outBuffer ob = {unit, cap, 0};
        for (int b = 0; b <= blocks; b++) {
            ZSTD_inBuffer ib = {block, b < blocks ? sizeof block : 0, 0};
            size_t left =
                ZSTD_compressStream2(cc, &ob, &ib, b < blocks ? ZSTD_e_continue : ZSTD_e_end);
            cr_assert(!ZSTD_isError(left) && ib.pos == ib.size && ob.pos < cap);
            cr_assert(b < blocks || left == 0);
        }
        len = ob.pos;
        ZSTD_freeCCtx(cc);
    }
    char *all = malloc(len * (size_t)units);
    cr_assert(all);
    for (int u = 0; u < units; u++)
        memcpy(all + (size_t)u * len, unit, len);
    free(unit);
    *clen = len * (size_t)units;
    return all;
}

/* Heap bytes in use (glibc's count; 0 under ASan, whose allocator it does
 * not see). */
static size_t s_heap(void)
{
    struct mallinfo2 mi = mallinfo2();
    return mi.uordblks + mi.hblkhd;
}

/* A 1 GiB bomb read through a 64 KiB buffer: stopped with the max_ratio
 * error at or before its bound, the bytes before it handed out, and the
 * heap never near the decompressed size. sized: through the whole-object
 * path (which may hold up to its bound) instead of the stream. */
static void s_bomb_1g(ns_codec_t codec, bool sized)
{
    const uint64_t total = 1ull << 30;
    size_t clen = 0;
    char *comp = s_zeros_bomb(codec, 16, &clen);
    cr_assert_lt(clen, 2u << 20, "%zu compressed bytes", clen);
    size_t base = s_heap(), peak = base;
    ns_err_t err = {""};
    ns_reader_t *src = ns_test_mem_reader(comp, clen, 0);
    ns_reader_t *r = sized ? ns_codec_reader_sized(src, codec, clen, NS_CODEC_RATIO_DEFAULT,
                                                   "mem://bomb", &err)
                           : ns_codec_reader(src, codec, NS_CODEC_RATIO_DEFAULT, &err);
    cr_assert(r, "%s", err.msg);
    static char buf[64 << 10];
    uint64_t out = 0;
    ssize_t got;
    while ((got = ns_reader_read(r, buf, sizeof buf, &err)) > 0) {
        out += (uint64_t)got;
        size_t h = s_heap();
        peak = h > peak ? h : peak;
    }
    cr_assert_eq(got, -1, "the bomb was read whole");
    cr_assert(strstr(err.msg, "decompressed size exceeds max_ratio (100x the compressed bytes + "
                              "64 MiB)"),
              "%s", err.msg);
    ns_codec_fault_t f;
    cr_assert_eq(ns_codec_fault(r, &f), NS_CODEC_ERR_DATA);
    cr_assert_eq(f.out_offset, out);
    double bound = 100.0 * (double)clen + NS_CODEC_BOMB_SLACK;
    cr_assert_leq((double)out, bound);
    cr_assert_gt(out, NS_CODEC_BOMB_SLACK); /* the guard let the slack through */
    cr_assert_lt(out, total);
    /* the stream's memory is fixed buffers; the whole-object path keeps at
     * most its bound; neither comes near the 1 GiB */
    size_t grew = peak - base;
    cr_assert_lt(grew, sized ? (size_t)bound + (16u << 20) : 16u << 20, "grew %zu", grew);
    ns_reader_close(&r);
    free(comp);
}

Test(codec, gzip_bomb_of_1gib_is_stopped)
{
    s_bomb_1g(NS_CODEC_GZIP, false);
}

Test(codec, zstd_bomb_of_1gib_is_stopped)
{
    s_bomb_1g(NS_CODEC_ZSTD, false);
}

Test(codec, whole_gzip_bomb_of_1gib_is_stopped)
{
    s_bomb_1g(NS_CODEC_GZIP, true);
}

Test(codec, zstd_window_limit)
{
    /* a frame that asks for a 256 MiB window is refused before the decoder
     * allocates it; 128 MiB is accepted */
    const int wmax = NS_CODEC_ZSTD_WINDOW_LOG_MAX;
    for (int wlog = wmax; wlog <= wmax + 1; wlog++) {
        ZSTD_CCtx *cc = ZSTD_createCCtx();
        cr_assert(cc);
        cr_assert(!ZSTD_isError(ZSTD_CCtx_setParameter(cc, ZSTD_c_windowLog, wlog)));
        char frame[256];
        ZSTD_outBuffer ob = {frame, sizeof frame, 0};
        ZSTD_inBuffer ib = {"hello", 5, 0};
        /* not ZSTD_e_end at once: the frame would then be sized to its 5 bytes */
        cr_assert(!ZSTD_isError(ZSTD_compressStream2(cc, &ob, &ib, ZSTD_e_continue)));
        ZSTD_inBuffer none = {NULL, 0, 0};
        cr_assert_eq(ZSTD_compressStream2(cc, &ob, &none, ZSTD_e_end), 0);
        ZSTD_freeCCtx(cc);
        ns_err_t err = {""};
        size_t olen = 0;
        char *out = s_decode(frame, ob.pos, NS_CODEC_ZSTD, 0, 4096, 0, &olen, &err);
        if (wlog == NS_CODEC_ZSTD_WINDOW_LOG_MAX) {
            cr_assert(out, "%s", err.msg);
            cr_assert_eq(olen, 5);
            free(out);
        } else {
            cr_assert_null(out);
            cr_assert(strstr(err.msg, "zstd frame window exceeds the decoder's window limit "
                                      "(128 MiB)"),
                      "%s", err.msg);
        }
    }
}

Test(codec, read_after_error_fails)
{
    ns_err_t err = {""};
    ns_reader_t *r = ns_codec_reader(ns_test_mem_reader("not gzip at all", 15, 0), NS_CODEC_GZIP,
                                     0, &err);
    cr_assert(r);
    char buf[64];
    cr_assert_eq(ns_reader_read(r, buf, sizeof buf, &err), -1);
    cr_assert_eq(ns_reader_read(r, buf, sizeof buf, &err), -1);
    ns_reader_close(&r);
    cr_assert_null(r);
}

/* ---- whole-object gzip (libdeflate) ---- */

static char *s_decode_sized(const char *comp, size_t clen, uint64_t listed, double ratio,
                            size_t *outlen, ns_err_t *err)
{
    ns_reader_t *src = ns_test_mem_reader(comp, clen, 1000);
    ns_reader_t *r = ns_codec_reader_sized(src, NS_CODEC_GZIP, listed, ratio, "mem://x.gz", err);
    if (!r)
        return NULL;
    return s_read_all(r, 777, outlen, err);
}

Test(codec, whole_gzip_equals_streamed_for_one_and_many_members)
{
    for (int members = 1; members <= 4; members++) {
        char *comp = NULL, *plain = NULL;
        size_t clen = 0, plen = 0;
        for (int m = 0; m < members; m++) {
            size_t n = 100000 + (size_t)m * 33333;
            char *d = s_make_data(n, (unsigned)m + 1);
            s_gzip_append(d, n, &comp, &clen);
            plain = realloc(plain, plen + n);
            memcpy(plain + plen, d, n);
            plen += n;
            free(d);
        }
        ns_err_t err;
        size_t got;
        char *out = s_decode_sized(comp, clen, clen, 1000, &got, &err);
        cr_assert(out, "%s", err.msg);
        cr_assert_eq(got, plen, "%d members: %zu bytes, expected %zu", members, got, plen);
        cr_assert(!memcmp(out, plain, plen));
        free(out);
        free(comp);
        free(plain);
    }
}

Test(codec, whole_gzip_errors)
{
    size_t n = 200000;
    char *d = s_make_data(n, 9), *comp = NULL;
    size_t clen = 0, got;
    s_gzip_append(d, n, &comp, &clen);
    ns_err_t err;
    /* truncated: streamed instead, the intact prefix first, then damage */
    ns_reader_t *r = ns_codec_reader_sized(ns_test_mem_reader(comp, clen / 2, 1000), NS_CODEC_GZIP,
                                           clen / 2, 1000, "mem://x.gz", &err);
    cr_assert(r, "%s", err.msg);
    char *out = s_read_all_keep(r, 777, &got, &err);
    cr_assert(strstr(err.msg, "truncated gzip stream"), "%s", err.msg);
    cr_assert_eq(s_kept_fault.kind, NS_CODEC_ERR_DATA);
    cr_assert_eq(s_kept_fault.in_offset, clen / 2);
    cr_assert_eq(s_kept_fault.out_offset, got);
    cr_assert(got > n / 4 && got < n, "%zu of %zu bytes before the cut", got, n);
    cr_assert(!memcmp(out, d, got));
    free(out);
    /* the object is longer or shorter than listed: it changed since it was
     * listed, an error at open (I/O, not damage) */
    cr_assert_null(s_decode_sized(comp, clen, clen - 10, 1000, &got, &err));
    cr_assert(strstr(err.msg, "larger than its listed size"), "%s", err.msg);
    cr_assert_null(s_decode_sized(comp, clen - 10, clen, 1000, &got, &err));
    cr_assert(strstr(err.msg, "smaller than its listed size"), "%s", err.msg);
    /* larger than the whole-object limit is streamed instead: same bytes */
    out = s_decode_sized(comp, clen, (uint64_t)NS_CODEC_WHOLE_MAX + 1, 1000, &got, &err);
    cr_assert(out, "%s", err.msg);
    cr_assert_eq(got, n);
    cr_assert(!memcmp(out, d, n));
    free(out);
    free(comp);
    free(d);
}

Test(codec, whole_gzip_bomb_is_refused)
{
    size_t n = 80u << 20; /* 80 MiB of zeros: about 80 KB of gzip */
    char *zeros = calloc(1, n), *comp = NULL;
    size_t clen = 0, got;
    s_gzip_append(zeros, n, &comp, &clen);
    free(zeros);
    ns_err_t err;
    /* more than the whole-object bound: streamed, where the guard trips */
    ns_reader_t *r = ns_codec_reader_sized(ns_test_mem_reader(comp, clen, 1000), NS_CODEC_GZIP,
                                           clen, 2, "mem://x.gz", &err);
    cr_assert(r, "%s", err.msg);
    free(s_read_all_keep(r, 1 << 20, &got, &err));
    cr_assert(strstr(err.msg, "decompressed size exceeds max_ratio ("), "%s", err.msg);
    cr_assert_eq(s_kept_fault.kind, NS_CODEC_ERR_DATA);
    cr_assert_lt(got, n);
    free(comp);
}

/* ---- the kind of a failure, and where ---- */

/* Cuts comp (clen bytes of codec, decoding to data[0..n)) at every cut and
 * checks: the bytes handed out are a prefix of data, then a data error with
 * msg, the compressed offset of the cut and the decompressed offset of the
 * end of that prefix; a cut well inside keeps a good part of the data. */
static void s_check_cuts(const char *comp, size_t clen, const char *data, size_t n,
                         ns_codec_t codec, const size_t *cuts, size_t ncuts, const char *msg)
{
    for (size_t i = 0; i < ncuts; i++) {
        ns_err_t err = {""};
        ns_reader_t *r = ns_codec_reader(ns_test_mem_reader(comp, cuts[i], 4096), codec, 0, &err);
        cr_assert(r, "%s", err.msg);
        size_t got = 0;
        char *out = s_read_all_keep(r, 65536, &got, &err);
        cr_assert(strstr(err.msg, msg), "cut %zu: %s", cuts[i], err.msg);
        cr_assert_eq(s_kept_fault.kind, NS_CODEC_ERR_DATA, "cut %zu", cuts[i]);
        cr_assert_str_eq(s_kept_fault.why, msg);
        cr_assert_eq(s_kept_fault.in_offset, cuts[i], "cut %zu: at compressed %llu", cuts[i],
                     (unsigned long long)s_kept_fault.in_offset);
        cr_assert_eq(s_kept_fault.out_offset, got, "cut %zu", cuts[i]);
        cr_assert_leq(got, n, "cut %zu", cuts[i]);
        cr_assert(!memcmp(out, data, got), "cut %zu: not a prefix", cuts[i]);
        if (cuts[i] == clen / 2)
            cr_assert_gt(got, n / 4, "cut in the middle kept only %zu of %zu bytes", got, n);
        free(out);
    }
}

Test(codec, truncated_gzip_is_data_error_after_the_intact_prefix)
{
    size_t n = 400000;
    char *data = s_make_data(n, 21), *comp = NULL;
    size_t clen = 0;
    s_gzip_append(data, n, &comp, &clen);
    size_t cuts[] = {3, clen / 2, clen - 5};
    s_check_cuts(comp, clen, data, n, NS_CODEC_GZIP, cuts, 3, "truncated gzip stream");
    free(comp);
    free(data);
}

Test(codec, truncated_zstd_is_data_error_after_the_intact_prefix)
{
    size_t n = 400000;
    char *data = s_make_data(n, 22);
    ns_test_sink_t s = {0};
    s_zstd_write(data, n, 50000, &s);
    size_t cuts[] = {3, s.len / 2, s.len - 1};
    s_check_cuts(s.data, s.len, data, n, NS_CODEC_ZSTD, cuts, 3, "truncated zstd stream");
    free(s.data);
    free(data);
}

Test(codec, corrupt_is_data_error)
{
    size_t n = 100000;
    char *data = s_make_data(n, 23), *comp = NULL;
    size_t clen = 0;
    s_gzip_append(data, n, &comp, &clen);
    comp[clen - 6] ^= 0x55; /* CRC */
    ns_err_t err;
    size_t got;
    free(s_read_all_keep(ns_codec_reader(ns_test_mem_reader(comp, clen, 0), NS_CODEC_GZIP, 0, &err),
                         65536, &got, &err));
    cr_assert_eq(s_kept_fault.kind, NS_CODEC_ERR_DATA);
    cr_assert(strstr(s_kept_fault.why, "corrupt gzip stream"), "%s", s_kept_fault.why);
    cr_assert_leq(s_kept_fault.in_offset, clen);
    cr_assert_eq(s_kept_fault.out_offset, got);

    ns_test_sink_t s = {0};
    s_zstd_write(data, n, n, &s);
    s.data[s.len - 2] ^= 0x21; /* checksum */
    free(s_read_all_keep(ns_codec_reader(ns_test_mem_reader(s.data, s.len, 0), NS_CODEC_ZSTD, 0, &err),
                         65536, &got, &err));
    cr_assert_eq(s_kept_fault.kind, NS_CODEC_ERR_DATA);
    cr_assert(strstr(s_kept_fault.why, "corrupt zstd frame"), "%s", s_kept_fault.why);
    free(s.data);
    free(comp);
    free(data);
}

Test(codec, fault_of_a_clean_or_plain_stream_is_none)
{
    ns_err_t err;
    ns_reader_t *plain = ns_test_mem_reader("abc", 3, 0);
    cr_assert_eq(ns_codec_fault(plain, NULL), NS_CODEC_ERR_NONE);
    ns_reader_close(&plain);
    char *comp = NULL;
    size_t clen = 0, got;
    s_gzip_append("hello", 5, &comp, &clen);
    ns_reader_t *r = ns_codec_reader(ns_test_mem_reader(comp, clen, 0), NS_CODEC_GZIP, 0, &err);
    char buf[16];
    cr_assert_eq(ns_reader_read(r, buf, sizeof buf, &err), 5);
    cr_assert_eq(ns_reader_read(r, buf, sizeof buf, &err), 0);
    ns_codec_fault_t f;
    cr_assert_eq(ns_codec_fault(r, &f), NS_CODEC_ERR_NONE);
    cr_assert_eq(f.kind, NS_CODEC_ERR_NONE);
    ns_reader_close(&r);
    (void)got;
    free(comp);
}
