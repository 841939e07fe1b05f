/*
 * ns_inbuf: the input window of the record readers (see ns_inbuf.h).
 *
 * Workload: called per refill (a fill reads up to the free part of a buffer
 * of 64 KiB, EDI's 256 KiB, to max_record bytes), per split (the resync)
 * and, through ns_inbuf_lines_more, per line whose end is not yet in the
 * window; the per-line path itself is inline in ns_inbuf.h. Nothing here
 * allocates but a refill that grows the buffer, doubling it up to its
 * limit.
 */
#include "ns_inbuf.h"

#include <stdlib.h>
#include <string.h>

int ns_inbuf_init(ns_inbuf_t *in, ns_reader_t *src, uint64_t first_byte, size_t initial,
                  size_t limit, size_t pad, const char *who, ns_err_t *err)
{
    memset(in, 0, sizeof *in);
    in->src = src;
    in->who = who;
    in->off = first_byte;
    in->cap = initial;
    in->limit = limit > initial ? limit : initial;
    in->pad = pad;
    /* the pad bytes are zero from the start: a parser reading past a value
     * at the end of the buffer never sees uninitialised memory */
    in->buf = pad ? calloc(1, initial + pad) : malloc(initial);
    if (!in->buf)
        return ns_errf(err, "%s: out of memory", who);
    return 0;
}

void ns_inbuf_free(ns_inbuf_t *in)
{
    free(in->buf);
    in->buf = NULL;
    in->cap = in->len = in->pos = 0;
}

ssize_t ns_inbuf_fill(ns_inbuf_t *in, ns_err_t *err)
{
    if (in->eof)
        return 0;
    if (in->pos > 0) {
        size_t keep = in->len - in->pos;
        if (keep)
            memmove(in->buf, in->buf + in->pos, keep);
        in->off += in->pos;
        in->len = keep;
        in->pos = 0;
    }
    /* the window doubles when the partial record it keeps is more than an
     * eighth of it, so that moving partial records costs little beside the
     * bytes the fills read (a 64 KiB window over 48 KB records would move
     * about as much as it reads) */
    if (in->len > in->cap / 8 && in->cap < in->limit) {
        size_t ncap = in->cap * 2 < in->limit ? in->cap * 2 : in->limit;
        char *nb = realloc(in->buf, ncap + in->pad);
        if (!nb)
            return ns_errf(err, "%s: out of memory growing the buffer to %zu bytes", in->who, ncap);
        if (in->pad)
            memset(nb + in->cap, 0, ncap - in->cap + in->pad);
        in->buf = nb;
        in->cap = ncap;
    }
    if (in->len == in->cap) /* cannot happen: readers bound what they keep unconsumed */
        return ns_errf(err, "%s: input buffer full", in->who);
    ssize_t got = ns_reader_read(in->src, in->buf + in->len, in->cap - in->len, err);
    if (got < 0)
        return -1;
    if (got == 0)
        in->eof = true;
    in->len += (size_t)got;
    in->nread += (uint64_t)got;
    return got;
}

int ns_inbuf_skip_bom(ns_inbuf_t *in, ns_err_t *err)
{
    if (ns_inbuf_ensure(in, 3, err) < 0)
        return -1;
    if (in->len - in->pos < 3 || memcmp(in->buf + in->pos, "\xEF\xBB\xBF", 3) != 0)
        return 0;
    in->pos += 3;
    return 1;
}

int ns_inbuf_skip_line(ns_inbuf_t *in, ns_err_t *err)
{
    for (;;) {
        const char *lf = memchr(in->buf + in->pos, '\n', in->len - in->pos);
        if (lf) {
            in->pos = (size_t)(lf - in->buf) + 1;
            return 1;
        }
        in->pos = in->len;
        if (in->eof)
            return 0;
        if (ns_inbuf_fill(in, err) < 0)
            return -1;
    }
}

int ns_inbuf_split_ok(const char *who, uint64_t first_byte, uint64_t start, ns_err_t *err)
{
    if (start > 0 && first_byte > start - 1)
        return ns_errf(err,
                       "%s: the split at %llu needs a stream starting at or before %llu, "
                       "not %llu",
                       who, (unsigned long long)start, (unsigned long long)(start - 1),
                       (unsigned long long)first_byte);
    if (start == 0 && first_byte != 0)
        return ns_errf(err, "%s: the split at 0 needs a stream starting at 0", who);
    return 0;
}

int ns_inbuf_lines_begin(ns_inbuf_t *in, ns_inbuf_lines_t *ls, uint64_t start, uint64_t end,
                         ns_err_t *err)
{
    memset(ls, 0, sizeof *ls);
    ls->end = end;
    ls->bom_end = UINT64_MAX;
    if (start == 0) {
        int b = ns_inbuf_skip_bom(in, err);
        if (b < 0)
            return -1;
        if (b)
            ls->bom_end = in->off + in->pos;
        return 1;
    }
    /* skip to start-1, then through the first LF at or after it */
    uint64_t gap = start - 1 - (in->off + in->pos);
    while (gap > 0) {
        size_t avail = in->len - in->pos;
        if (avail == 0) {
            if (in->eof)
                return 0;
            if (ns_inbuf_fill(in, err) < 0)
                return -1;
            continue;
        }
        size_t take = avail < gap ? avail : (size_t)gap;
        in->pos += take;
        gap -= take;
    }
    return ns_inbuf_skip_line(in, err);
}

int ns_inbuf_lines_more(ns_inbuf_t *in, ns_inbuf_lines_t *ls, size_t done, size_t max_line,
                        ns_inbuf_scan_fn scan_fn, void *arg, ns_inbuf_line_t *line, ns_err_t *err)
{
    for (;;) {
        size_t avail = in->len - in->pos;
        if (in->eof)
            return avail ? ns_inbuf_cut_line(in, ls, in->len, false, max_line, line) : 0;
        /* longer than max_line even if its last byte is the CR of a CRLF */
        if (avail > max_line + 1 || (avail == max_line + 1 && in->buf[in->len - 1] != '\r')) {
            line->p = in->buf + in->pos;
            line->off = in->off + in->pos;
            line->n = max_line;
            line->cr = false;
            ls->skipping = true;
            return 2;
        }
        if (ns_inbuf_fill(in, err) < 0)
            return -1;
        avail = in->len - in->pos;
        size_t lf = ns_inbuf_find_lf(in->buf + in->pos, done, avail, scan_fn, arg);
        if (lf != SIZE_MAX)
            return ns_inbuf_cut_line(in, ls, in->pos + lf, true, max_line, line);
        done = avail;
    }
}

int ns_inbuf_max_record(size_t *max_record, const char *who, ns_err_t *err)
{
    if (*max_record == 0)
        *max_record = NS_INBUF_RECORD_DEFAULT;
    if (*max_record > NS_INBUF_RECORD_LIMIT)
        return ns_errf(err, "%s: max_record %zu is more than %u", who, *max_record,
                       NS_INBUF_RECORD_LIMIT);
    return 0;
}
