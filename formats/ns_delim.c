/*
 * ns_delim: streaming reader of delimited text (see ns_delim.h for the
 * rules it implements).
 *
 * Workload: every map task pushes all of its input through here, tens of
 * MB/s to GB/s of 100-300 byte records, so the reader is built around one
 * input window (ns_inbuf: NS_INBUF_INITIAL, 64 KiB, doubled up to
 * max_record when a record needs it) and never allocates per record:
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

#include "ns_inbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_FIELDS_DEFAULT 256
#define S_MAX_FIELDS_LIMIT (1 << 20)
#define S_FIELDS_INITIAL 64
#define S_WHO "delimited reader"

/* States of the record-end scanner used with quoted_newlines. */
enum { S_FIELD_START, S_UNQUOTED, S_QUOTED, S_QUOTE_SEEN };

struct ns_delim {
    ns_recsrc_t base;        /* the generic interface, first */
    ns_inbuf_t in;           /* the input window */
    ns_delim_opts_t o;       /* options, defaults filled in */
    uint64_t start;          /* split start (object offset) */
    uint64_t end;            /* split end, exclusive */
    ns_inbuf_lines_t lines;  /* where the split's lines are */
    bool started;            /* BOM, resync and preamble handled */
    bool done;               /* END has been returned */
    bool failed;             /* an I/O error was returned */
    int qstate;              /* scanner state after the bytes scanned (quoted_newlines only) */
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
    o->max_record = NS_INBUF_RECORD_DEFAULT;
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
    if (ns_inbuf_max_record(&o.max_record, S_WHO, err) < 0)
        return NULL;
    if (o.max_fields == 0)
        o.max_fields = S_MAX_FIELDS_DEFAULT;
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
    if (ns_inbuf_split_ok(S_WHO, first_byte, start, err) < 0)
        return NULL;
    ns_delim_t *d = calloc(1, sizeof *d);
    if (!d) {
        ns_errf(err, "delimited reader: out of memory");
        return NULL;
    }
    d->o = o;
    d->start = start;
    d->end = end;
    int ir = ns_inbuf_init(&d->in, src, first_byte, NS_INBUF_INITIAL,
                           ns_inbuf_line_limit(o.max_record, NS_INBUF_INITIAL), 0, S_WHO, err);
    d->fields_cap = o.max_fields < S_FIELDS_INITIAL ? o.max_fields : S_FIELDS_INITIAL;
    d->fields = malloc((size_t)d->fields_cap * sizeof *d->fields);
    if (ir < 0 || !d->fields) {
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
    ns_inbuf_free(&d->in);
    free(d->fields);
    free(d->scratch);
    free(d);
    *dp = NULL;
}

uint64_t ns_delim_bytes(const ns_delim_t *d)
{
    return d ? d->in.nread : 0;
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

/* Once per reader: the BOM, the resync of a split, and the preamble and
 * header lines. 1: go on; 0: input ended; -1: error. */
static int s_begin(ns_delim_t *d, ns_err_t *err)
{
    int r = ns_inbuf_lines_begin(&d->in, &d->lines, d->start, d->end, err);
    for (int i = 0; r > 0 && d->start == 0 && i < d->o.skip_lines + d->o.header_lines; i++)
        r = ns_inbuf_skip_line(&d->in, err);
    return r;
}

/* The ns_inbuf_scan_fn of quoted_newlines: scans line[done, avail) for the
 * LF ending the record, carrying the scanner state across calls. Returns
 * the LF's index or SIZE_MAX if the record goes on past avail. */
static size_t s_scan_quoted(void *arg, const char *line, size_t done, size_t avail)
{
    ns_delim_t *d = arg;
    const unsigned char *b = (const unsigned char *)line;
    const int q = d->o.quote, e = d->o.escape;
    const unsigned char dl = (unsigned char)d->o.delimiter;
    int st = done ? d->qstate : S_FIELD_START;
    bool esc = done ? d->qescape : false;
    for (size_t i = done; i < avail; i++) {
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
        if (c == '\n')
            return i;
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

/* Fails the reader for good: out of memory. Returns -1. */
static int s_oom(ns_delim_t *d, ns_err_t *err)
{
    d->failed = true;
    return ns_errf(err, "delimited reader: out of memory");
}

static int s_too_many_fields(ns_delim_t *d, ns_record_t *rec)
{
    snprintf(d->reason, sizeof d->reason, "record exceeds max_fields (%d)", d->o.max_fields);
    return s_reject(rec, d->reason);
}

static int s_too_long(ns_delim_t *d, ns_record_t *rec)
{
    snprintf(d->reason, sizeof d->reason, "record exceeds max_record (%zu bytes)", d->o.max_record);
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
            return s_oom(d, err);
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

/* Splits p[0..n) undoing quotes and escapes. With crlf (the line ended
 * with CR LF), a CR as the last byte, outside quotes and not escaped, is
 * that CR and dropped. */
static int s_split_quoted(ns_delim_t *d, const char *p, size_t n, bool crlf, ns_record_t *rec,
                          ns_err_t *err)
{
    if (d->scratch_cap < n) {
        size_t ncap = d->scratch_cap ? d->scratch_cap : 4096;
        while (ncap < n)
            ncap *= 2;
        char *ns = realloc(d->scratch, ncap);
        if (!ns)
            return s_oom(d, err);
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
            return s_oom(d, err);
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
            if (c == '\r' && crlf && i == n - 1)
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
    memset(rec, 0, sizeof *rec);
    if (d->failed)
        return ns_errf(err, "delimited reader: read after an earlier error");
    if (d->done)
        return NS_REC_END;
    int r = 1;
    if (!d->started) {
        d->started = true;
        r = s_begin(d, err);
    }
    ns_inbuf_line_t ln;
    if (r > 0)
        r = ns_inbuf_lines_next(&d->in, &d->lines, d->o.max_record,
                                d->o.quoted_newlines ? s_scan_quoted : NULL, d, &ln, err);
    if (r == 0) {
        d->done = true;
        return NS_REC_END;
    }
    if (r < 0) {
        d->failed = true;
        return -1;
    }
    rec->offset = ln.off;
    rec->raw = ln.p;
    rec->raw_len = ln.n;
    if (r == 2)
        return s_too_long(d, rec);
    /* the quoted split drops the CR of a CRLF itself (unless quoted) */
    bool special = false;
    size_t n = ln.n + ln.cr;
    if (d->o.quote >= 0 && memchr(ln.p, d->o.quote, n))
        special = true;
    else if (d->o.escape >= 0 && memchr(ln.p, d->o.escape, n))
        special = true;
    if (special)
        return s_split_quoted(d, ln.p, n, ln.cr, rec, err);
    return s_split_plain(d, ln.p, ln.n, rec, err);
}
