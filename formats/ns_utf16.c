/*
 * ns_utf16: UTF-16 (LE/BE by byte-order mark) to UTF-8, streaming
 * (ns_utf16.h). Reads 64 KiB of UTF-16 at a time, converts into an output
 * buffer and hands that out; a code unit or surrogate pair cut by a read
 * boundary waits in the input buffer for the next read.
 */
#include "ns_utf16.h"

#include "ns_buf.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define S_IN 65536
#define S_OUT (S_IN / 2 * 3 + 8)

typedef struct {
    ns_reader_t base;
    ns_reader_t *src;
    unsigned char in[S_IN];
    size_t inlen;       /* bytes in in[] */
    char out[S_OUT];
    size_t outlen, outpos;
    bool started;       /* the byte-order mark was looked for */
    bool big;           /* big-endian */
    bool eof;           /* src has ended */
} s_utf16_t;

static unsigned s_unit(const s_utf16_t *u, size_t i)
{
    return u->big ? (unsigned)(u->in[i] << 8 | u->in[i + 1])
                  : (unsigned)(u->in[i] | u->in[i + 1] << 8);
}

/* Converts what in[] holds into out[]; keeps an incomplete tail unless at
 * the end of input. */
static void s_convert(s_utf16_t *u)
{
    size_t i = 0, o = 0;
    if (!u->started && (u->inlen >= 2 || u->eof)) {
        u->started = true;
        if (u->inlen >= 2 && u->in[0] == 0xFF && u->in[1] == 0xFE) {
            i = 2;
        } else if (u->inlen >= 2 && u->in[0] == 0xFE && u->in[1] == 0xFF) {
            u->big = true;
            i = 2;
        }
    }
    if (!u->started)
        return;
    while (i + 2 <= u->inlen) {
        unsigned c = s_unit(u, i);
        if (c >= 0xD800 && c <= 0xDBFF) { /* high surrogate: needs its pair */
            if (i + 4 > u->inlen) {
                if (!u->eof)
                    break;
                o += ns_utf8_put(0xFFFD, u->out + o);
                i += 2;
                continue;
            }
            unsigned d = s_unit(u, i + 2);
            if (d >= 0xDC00 && d <= 0xDFFF) {
                o += ns_utf8_put(0x10000 + ((unsigned long)(c - 0xD800) << 10) + (d - 0xDC00), u->out + o);
                i += 4;
            } else {
                o += ns_utf8_put(0xFFFD, u->out + o);
                i += 2;
            }
            continue;
        }
        o += ns_utf8_put((c >= 0xDC00 && c <= 0xDFFF) ? 0xFFFD : c, u->out + o);
        i += 2;
    }
    if (u->eof && i < u->inlen) { /* an odd byte at the end */
        o += ns_utf8_put(0xFFFD, u->out + o);
        i = u->inlen;
    }
    memmove(u->in, u->in + i, u->inlen - i);
    u->inlen -= i;
    u->outlen = o;
    u->outpos = 0;
}

static ssize_t s_read(ns_reader_t *base, void *buf, size_t n, ns_err_t *err)
{
    s_utf16_t *u = (s_utf16_t *)base;
    while (u->outpos == u->outlen) {
        if (u->eof && u->inlen == 0)
            return 0;
        if (!u->eof) {
            ssize_t got = ns_reader_read(u->src, u->in + u->inlen, S_IN - u->inlen, err);
            if (got < 0)
                return -1;
            if (got == 0)
                u->eof = true;
            u->inlen += (size_t)got;
        }
        s_convert(u);
    }
    size_t take = u->outlen - u->outpos < n ? u->outlen - u->outpos : n;
    memcpy(buf, u->out + u->outpos, take);
    u->outpos += take;
    return (ssize_t)take;
}

static void s_close(ns_reader_t *base)
{
    s_utf16_t *u = (s_utf16_t *)base;
    ns_reader_close(&u->src);
    free(u);
}

ns_reader_t *ns_utf16_reader(ns_reader_t *src, ns_err_t *err)
{
    s_utf16_t *u = calloc(1, sizeof *u);
    if (!u) {
        ns_reader_close(&src);
        ns_errf(err, "utf-16 reader: out of memory");
        return NULL;
    }
    u->base.read = s_read;
    u->base.close = s_close;
    u->src = src;
    return &u->base;
}
