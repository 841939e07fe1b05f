/*
 * ns_delim: streaming reader of delimited text (see ns_delim.h for the
 * rules it implements).
 *
 * Workload: every map task pushes all of its input through here, tens of
 * MB/s to GB/s of 100-300 byte records, so the reader is built around one
 * large input buffer (1 MiB, grown up to max_record when a record needs it)
 * and never allocates per record:
 *   - finding a record's end is a memchr for LF, except when quoted fields
 *     may hold line breaks, where a small resumable state machine scans the
 *     bytes once (its state survives buffer refills);
 *   - a record without quote or escape bytes is split in one pass for the
 *     delimiter, and its fields point into the input buffer;
 *   - otherwise one pass over the record undoes quoting and escaping; a
 *     field that needs no change still points into the input buffer, one
 *     that does is copied into a scratch buffer sized once for the longest
 *     record seen.
 * The input buffer is compacted (the partial record moved to its start)
 * only when more input is needed, so the fields handed out stay valid until
 * the next call.
 *
 * Quoting (RFC 4180): a quote character opens a quoted section only as the
 * first byte of a field; inside it a doubled quote is one quote and a single
 * quote closes it; bytes after the closing quote up to the delimiter are
 * kept as they are. The escape character makes the next byte literal, inside
 * or outside quotes. A line break inside quotes (or escaped) continues the
 * record only with quoted_newlines; otherwise every LF ends a record, which
 * is what makes byte-range splits possible, and a record left inside quotes
 * by its LF is a reject.
 */
#include "ns_delim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_BUF_INITIAL (1024u * 1024u)
#define S_MAX_RECORD_DEFAULT (1024u * 1024u)
#define S_MAX_RECORD_LIMIT (1024u * 1024u * 1024u)
#define S_MAX_FIELDS_DEFAULT 256
#define S_MAX_FIELDS_LIMIT (1 << 20)
#define S_FIELDS_INITIAL 64

/* States of the record-end scanner used with quoted_newlines. */
enum { S_FIELD_START, S_UNQUOTED, S_QUOTED, S_QUOTE_SEEN };

struct ns_delim {
    ns_recsrc_t base;        /* the generic interface, first */
    ns_reader_t *src;        /* input (borrowed) */
    ns_delim_opts_t o;       /* options, defaults filled in */
    uint64_t start;          /* split start (object offset) */
    uint64_t end;            /* split end, exclusive */
    uint64_t first_byte;     /* object offset of src's first byte */
    char *buf;               /* input buffer */
    size_t cap;              /* bytes allocated for buf */
    size_t limit;            /* the most cap may grow to */
    size_t len;              /* bytes of buf filled */
    size_t pos;              /* start of the unconsumed bytes in buf */
    uint64_t buf_off;        /* object offset of buf[0] */
    uint64_t nread;          /* bytes read from src */
    bool eof;                /* src returned 0 */
    bool started;            /* BOM, resync and preamble handled */
    bool done;               /* END has been returned */
    bool failed;             /* an I/O error was returned */
    bool skipping;           /* discard through the next LF before the next record */
    uint64_t first_line_off; /* offset of the first record after a BOM (belongs to line 0) */
    size_t scan;             /* bytes after pos already scanned for the record end */
    int qstate;              /* scanner state at pos + scan (quoted_newlines only) */
    bool qescape;            /* scanner: the previous byte was the escape character */
    ns_field_t *fields;      /* field array handed out in records */
    int fields_cap;          /* entries allocated in fields */
    char *scratch;           /* unquoted field bytes */
    size_t scratch_cap;      /* bytes allocated for scratch */
    char reason[128];        /* reject reason handed out in records */
};

void ns_delim_opts_default(ns_delim_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->delimiter = '|';
    o->quote = -1;
    o->escape = -1;
    o->quoted_newlines = false;
    o->skip_lines = 0;
    o->header_lines = 1;
    o->max_record = S_MAX_RECORD_DEFAULT;
    o->max_fields = S_MAX_FIELDS_DEFAULT;
}

ns_delim_t *ns_delim_new(ns_reader_t *src, const ns_delim_opts_t *opts, uint64_t first_byte,
                         uint64_t start, uint64_t end, ns_err_t *err)
{
    if (!src || !opts) {
        ns_errf(err, "delimited reader: no input stream or options");
        return NULL;
    }
    ns_delim_opts_t o = *opts;
    if (o.max_record == 0)
        o.max_record = S_MAX_RECORD_DEFAULT;
    if (o.max_fields == 0)
        o.max_fields = S_MAX_FIELDS_DEFAULT;
    if (o.max_record > S_MAX_RECORD_LIMIT) {
        ns_errf(err, "delimited reader: max_record %zu is more than %u", o.max_record,
                S_MAX_RECORD_LIMIT);
        return NULL;
    }
    if (o.max_fields < 0 || o.max_fields > S_MAX_FIELDS_LIMIT) {
        ns_errf(err, "delimited reader: max_fields %d is not in 1..%d", o.max_fields,
                S_MAX_FIELDS_LIMIT);
        return NULL;
    }
    if (o.quote > 255 || o.escape > 255 || o.quote < -1 || o.escape < -1) {
        ns_errf(err, "delimited reader: bad quote or escape character");
        return NULL;
    }
    if (o.quote < 0)
        o.quote = -1;
    if (o.escape < 0 || o.escape == o.quote)
        o.escape = -1; /* an escape equal to the quote is RFC 4180 doubling */
    unsigned char dl = (unsigned char)o.delimiter;
    if (dl == '\n' || dl == '\r' || (int)dl == o.quote || (int)dl == o.escape) {
        ns_errf(err, "delimited reader: delimiter 0x%02x clashes with line ends, quote or escape",
                dl);
        return NULL;
    }
    if (o.quote == '\n' || o.quote == '\r' || o.escape == '\n' || o.escape == '\r') {
        ns_errf(err, "delimited reader: quote or escape character is a line end");
        return NULL;
    }
    if (o.skip_lines < 0 || o.header_lines < 0) {
        ns_errf(err, "delimited reader: negative skip_lines or header_lines");
        return NULL;
    }
    if (start > 0 && first_byte > start - 1) {
        ns_errf(err,
                "delimited reader: the split at %llu needs a stream starting at or before %llu, "
                "not %llu",
                (unsigned long long)start, (unsigned long long)(start - 1),
                (unsigned long long)first_byte);
        return NULL;
    }
    if (start == 0 && first_byte != 0) {
        ns_errf(err, "delimited reader: the split at 0 needs a stream starting at 0");
        return NULL;
    }
    ns_delim_t *d = calloc(1, sizeof *d);
    if (!d) {
        ns_errf(err, "delimited reader: out of memory");
        return NULL;
    }
    d->src = src;
    d->o = o;
    d->start = start;
    d->end = end;
    d->first_byte = first_byte;
    d->buf_off = first_byte;
    /* a record of max_record bytes, plus the CR and LF ending it */
    d->limit = o.max_record + 2 > S_BUF_INITIAL ? o.max_record + 2 : S_BUF_INITIAL;
    d->cap = S_BUF_INITIAL;
    d->buf = malloc(d->cap);
    d->fields_cap = o.max_fields < S_FIELDS_INITIAL ? o.max_fields : S_FIELDS_INITIAL;
    d->fields = malloc((size_t)d->fields_cap * sizeof *d->fields);
    d->first_line_off = UINT64_MAX;
    d->qstate = S_FIELD_START;
    if (!d->buf || !d->fields) {
        ns_errf(err, "delimited reader: out of memory");
        ns_delim_destroy(&d);
        return NULL;
    }
    return d;
}

void ns_delim_destroy(ns_delim_t **dp)
{
    if (!dp || !*dp)
        return;
    ns_delim_t *d = *dp;
    free(d->buf);
    free(d->fields);
    free(d->scratch);
    free(d);
    *dp = NULL;
}

uint64_t ns_delim_bytes(const ns_delim_t *d)
{
    return d ? d->nread : 0;
}

static int s_src_next(ns_recsrc_t *s, ns_record_t *rec, ns_err_t *err)
{
    return ns_delim_next((ns_delim_t *)s, rec, err);
}

static uint64_t s_src_bytes(const ns_recsrc_t *s)
{
    return ns_delim_bytes((const ns_delim_t *)s);
}

static void s_src_destroy(ns_recsrc_t *s)
{
    ns_delim_t *d = (ns_delim_t *)s;
    ns_delim_destroy(&d);
}

ns_recsrc_t *ns_delim_recsrc(ns_delim_t *d)
{
    d->base.next = s_src_next;
    d->base.bytes = s_src_bytes;
    d->base.destroy = s_src_destroy;
    return &d->base;
}

/* Reads more input after the unconsumed bytes, first moving them to the
 * start of the buffer and growing it when they fill most of it. Returns the
 * bytes read (0 at the end of input, setting eof), -1 on error. */
static ssize_t s_fill(ns_delim_t *d, ns_err_t *err)
{
    if (d->eof)
        return 0;
    if (d->pos > 0) {
        size_t keep = d->len - d->pos;
        if (keep)
            memmove(d->buf, d->buf + d->pos, keep);
        d->buf_off += d->pos;
        d->len = keep;
        d->pos = 0;
    }
    if (d->cap - d->len < d->cap / 4 && d->cap < d->limit) {
        size_t ncap = d->cap * 2 < d->limit ? d->cap * 2 : d->limit;
        char *nb = realloc(d->buf, ncap);
        if (!nb)
            return ns_errf(err, "delimited reader: out of memory growing the buffer to %zu bytes",
                           ncap);
        d->buf = nb;
        d->cap = ncap;
    }
    if (d->len == d->cap)
        return ns_errf(err, "delimited reader: input buffer full"); /* cannot happen: see limit */
    ssize_t got = ns_reader_read(d->src, d->buf + d->len, d->cap - d->len, err);
    if (got < 0)
        return -1;
    if (got == 0)
        d->eof = true;
    d->len += (size_t)got;
    d->nread += (uint64_t)got;
    return got;
}

/* Consumes input through the next LF. 1: done; 0: input ended first (all
 * of it consumed); -1: error. */
static int s_skip_line(ns_delim_t *d, ns_err_t *err)
{
    for (;;) {
        const char *lf = memchr(d->buf + d->pos, '\n', d->len - d->pos);
        if (lf) {
            d->pos = (size_t)(lf - d->buf) + 1;
            return 1;
        }
        d->pos = d->len;
        if (d->eof)
            return 0;
        if (s_fill(d, err) < 0)
            return -1;
    }
}

/* Once per reader: the BOM, the resync of a split, and the preamble and
 * header lines. 1: go on; 0: input ended; -1: error. */
static int s_begin(ns_delim_t *d, ns_err_t *err)
{
    if (d->start == 0) {
        while (d->len - d->pos < 3 && !d->eof) {
            if (s_fill(d, err) < 0)
                return -1;
        }
        if (d->len - d->pos >= 3 && memcmp(d->buf + d->pos, "\xEF\xBB\xBF", 3) == 0) {
            d->pos += 3;
            d->first_line_off = d->buf_off + d->pos;
        }
        for (int i = 0; i < d->o.skip_lines + d->o.header_lines; i++) {
            int r = s_skip_line(d, err);
            if (r <= 0)
                return r;
        }
        return 1;
    }
    /* skip to start-1, then through the first LF at or after it */
    uint64_t gap = d->start - 1 - d->first_byte;
    while (gap > 0) {
        size_t avail = d->len - d->pos;
        if (avail == 0) {
            if (d->eof)
                return 0;
            if (s_fill(d, err) < 0)
                return -1;
            continue;
        }
        size_t take = avail < gap ? avail : (size_t)gap;
        d->pos += take;
        gap -= take;
    }
    return s_skip_line(d, err);
}

/* Scans buf[from, len) for the LF ending the record under quoted_newlines,
 * carrying the scanner state across calls. Returns the LF's index or
 * SIZE_MAX if the record goes on past len. */
static size_t s_scan_quoted(ns_delim_t *d, size_t from)
{
    const unsigned char *b = (const unsigned char *)d->buf;
    const int q = d->o.quote, e = d->o.escape;
    const unsigned char dl = (unsigned char)d->o.delimiter;
    int st = d->qstate;
    bool esc = d->qescape;
    for (size_t i = from; i < d->len; i++) {
        unsigned c = b[i];
        if (esc) {
            esc = false;
            if (st == S_FIELD_START || st == S_QUOTE_SEEN)
                st = S_UNQUOTED;
            continue;
        }
        if (st == S_QUOTED) {
            if ((int)c == q)
                st = S_QUOTE_SEEN;
            else if ((int)c == e)
                esc = true;
            continue;
        }
        if (st == S_QUOTE_SEEN && (int)c == q) {
            st = S_QUOTED; /* doubled quote */
            continue;
        }
        if (c == '\n') {
            d->qstate = S_FIELD_START;
            d->qescape = false;
            return i;
        }
        if (c == dl)
            st = S_FIELD_START;
        else if ((int)c == e)
            esc = true;
        else if (st == S_FIELD_START && (int)c == q)
            st = S_QUOTED;
        else
            st = S_UNQUOTED;
    }
    d->qstate = st;
    d->qescape = esc;
    return SIZE_MAX;
}

/* Finds the end of the record at pos. 1: *rend is the index of its LF
 * (*has_lf) or the end of input; 2: the record is longer than max_record
 * (its end not yet seen); 0: no input left; -1: error. */
static int s_find_end(ns_delim_t *d, size_t *rend, bool *has_lf, ns_err_t *err)
{
    const size_t maxr = d->o.max_record;
    for (;;) {
        size_t avail = d->len - d->pos;
        if (d->o.quoted_newlines) {
            size_t i = s_scan_quoted(d, d->pos + d->scan);
            if (i != SIZE_MAX) {
                d->scan = 0;
                *rend = i;
                *has_lf = true;
                return 1;
            }
        } else {
            const char *lf = memchr(d->buf + d->pos + d->scan, '\n', avail - d->scan);
            if (lf) {
                d->scan = 0;
                *rend = (size_t)(lf - d->buf);
                *has_lf = true;
                return 1;
            }
        }
        d->scan = avail;
        if (d->eof) {
            d->scan = 0;
            d->qstate = S_FIELD_START;
            d->qescape = false;
            if (avail == 0)
                return 0;
            *rend = d->len;
            *has_lf = false;
            return 1;
        }
        /* longer than max_record even if its last byte is the CR of a CRLF */
        if (avail > maxr + 1 || (avail == maxr + 1 && d->buf[d->len - 1] != '\r')) {
            d->scan = 0;
            d->qstate = S_FIELD_START;
            d->qescape = false;
            return 2;
        }
        if (s_fill(d, err) < 0)
            return -1;
    }
}

static int s_grow_fields(ns_delim_t *d)
{
    int ncap = d->fields_cap * 2 < d->o.max_fields ? d->fields_cap * 2 : d->o.max_fields;
    ns_field_t *nf = realloc(d->fields, (size_t)ncap * sizeof *nf);
    if (!nf)
        return -1;
    d->fields = nf;
    d->fields_cap = ncap;
    return 0;
}

/* Hands out the reject reason (a constant, or d->reason); returns
 * NS_REC_REJECT. */
static int s_reject(ns_record_t *rec, const char *why)
{
    rec->reject = why;
    rec->fields = NULL;
    rec->nfields = 0;
    return NS_REC_REJECT;
}

static int s_too_many_fields(ns_delim_t *d, ns_record_t *rec)
{
    snprintf(d->reason, sizeof d->reason, "more than %d fields", d->o.max_fields);
    return s_reject(rec, d->reason);
}

static int s_too_long(ns_delim_t *d, ns_record_t *rec)
{
    snprintf(d->reason, sizeof d->reason, "line longer than %zu bytes", d->o.max_record);
    return s_reject(rec, d->reason);
}

/* Splits p[0..n) on the delimiter: no quote or escape byte in it. One pass
 * over the bytes: fields are short (a few bytes each), where a memchr per
 * field costs more in setup than it saves. */
static int s_split_plain(ns_delim_t *d, const char *p, size_t n, ns_record_t *rec, ns_err_t *err)
{
    const char delim = d->o.delimiter;
    const char *q = p, *e = p + n;
    int nf = 0;
    for (const char *c = p;; c++) {
        if (c != e && *c != delim)
            continue;
        if (nf == d->o.max_fields)
            return s_too_many_fields(d, rec);
        if (nf == d->fields_cap && s_grow_fields(d) < 0)
            return ns_errf(err, "delimited reader: out of memory");
        d->fields[nf].p = q;
        d->fields[nf].len = (uint32_t)(c - q);
        nf++;
        if (c == e)
            break;
        q = c + 1;
    }
    rec->fields = d->fields;
    rec->nfields = nf;
    return NS_REC_RECORD;
}

/* Splits p[0..n) undoing quotes and escapes. With has_lf, a CR as the last
 * byte, outside quotes and not escaped, is the CR of a CRLF and dropped. */
static int s_split_quoted(ns_delim_t *d, const char *p, size_t n, bool has_lf, ns_record_t *rec,
                          ns_err_t *err)
{
    if (d->scratch_cap < n) {
        size_t ncap = d->scratch_cap ? d->scratch_cap : 4096;
        while (ncap < n)
            ncap *= 2;
        char *ns = realloc(d->scratch, ncap);
        if (!ns)
            return ns_errf(err, "delimited reader: out of memory");
        d->scratch = ns;
        d->scratch_cap = ncap;
    }
    const int q = d->o.quote, e = d->o.escape;
    const unsigned char dl = (unsigned char)d->o.delimiter;
    const unsigned char *b = (const unsigned char *)p;
    char *sc = d->scratch;
    size_t so = 0; /* scratch bytes used */
    size_t i = 0;
    int nf = 0;
    for (;;) {
        if (nf == d->o.max_fields)
            return s_too_many_fields(d, rec);
        if (nf == d->fields_cap && s_grow_fields(d) < 0)
            return ns_errf(err, "delimited reader: out of memory");
        size_t fs = i;      /* field start in p */
        bool copied = false; /* field is in scratch from ss */
        size_t ss = so;
        bool inq = false;
        if (q >= 0 && i < n && b[i] == q) {
            copied = true;
            inq = true;
            i++;
        }
        for (; i < n; i++) {
            unsigned c = b[i];
            if (inq) {
                if ((int)c == q) {
                    if (i + 1 < n && b[i + 1] == q) {
                        sc[so++] = (char)q;
                        i++;
                    } else {
                        inq = false;
                    }
                } else if ((int)c == e) {
                    if (i + 1 >= n)
                        return s_reject(rec, "escape character at the end of a record");
                    sc[so++] = (char)b[++i];
                } else {
                    sc[so++] = (char)c;
                }
                continue;
            }
            if (c == dl)
                break;
            if ((int)c == e) {
                if (i + 1 >= n)
                    return s_reject(rec, "escape character at the end of a record");
                if (!copied) {
                    memcpy(sc + so, p + fs, i - fs);
                    so += i - fs;
                    copied = true;
                }
                sc[so++] = (char)b[++i];
                continue;
            }
            if (c == '\r' && has_lf && i == n - 1)
                break;
            if (copied)
                sc[so++] = (char)c;
        }
        if (inq)
            return s_reject(rec, "unterminated quote");
        if (copied) {
            d->fields[nf].p = sc + ss;
            d->fields[nf].len = (uint32_t)(so - ss);
        } else {
            d->fields[nf].p = p + fs;
            d->fields[nf].len = (uint32_t)(i - fs);
        }
        nf++;
        if (i < n && b[i] == dl) {
            i++;
            continue;
        }
        break;
    }
    rec->fields = d->fields;
    rec->nfields = nf;
    return NS_REC_RECORD;
}

int ns_delim_next(ns_delim_t *d, ns_record_t *rec, ns_err_t *err)
{
    rec->fields = NULL;
    rec->nfields = 0;
    rec->raw = NULL;
    rec->raw_len = 0;
    rec->reject = NULL;
    rec->offset = 0;
    if (d->failed)
        return ns_errf(err, "delimited reader: read after an earlier error");
    if (d->done)
        return NS_REC_END;
    if (!d->started) {
        d->started = true;
        int r = s_begin(d, err);
        if (r < 0)
            goto fail;
        if (r == 0)
            goto end;
    }
    if (d->skipping) {
        d->skipping = false;
        int r = s_skip_line(d, err);
        if (r < 0)
            goto fail;
        if (r == 0)
            goto end;
    }
    uint64_t off = d->buf_off + d->pos;
    /* the first record after a BOM belongs to the line starting at 0 */
    uint64_t owner = off == d->first_line_off ? 0 : off;
    if (owner >= d->end)
        goto end;
    size_t rend = 0;
    bool has_lf = false;
    int fr = s_find_end(d, &rend, &has_lf, err);
    if (fr < 0)
        goto fail;
    if (fr == 0)
        goto end;
    rec->offset = d->buf_off + d->pos; /* s_find_end may have moved the buffer */
    const char *p = d->buf + d->pos;
    if (fr == 2) {
        rec->raw = p;
        rec->raw_len = d->o.max_record;
        d->skipping = true;
        return s_too_long(d, rec);
    }
    size_t n = rend - d->pos;
    size_t content = n;
    if (has_lf && n > 0 && p[n - 1] == '\r')
        content = n - 1;
    rec->raw = p;
    rec->raw_len = content;
    if (content > d->o.max_record) {
        /* as when the end was not yet seen: go on after the first LF */
        rec->raw_len = d->o.max_record;
        d->skipping = true;
        return s_too_long(d, rec);
    }
    d->pos = has_lf ? rend + 1 : rend;
    int r;
    bool special = false;
    if (d->o.quote >= 0 && memchr(p, d->o.quote, n))
        special = true;
    else if (d->o.escape >= 0 && memchr(p, d->o.escape, n))
        special = true;
    if (special)
        r = s_split_quoted(d, p, n, has_lf, rec, err);
    else
        r = s_split_plain(d, p, content, rec, err);
    if (r < 0)
        goto fail;
    return r;
end:
    d->done = true;
    return NS_REC_END;
fail:
    d->failed = true;
    return -1;
}
