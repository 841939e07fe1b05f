/*
 * ns_edi: streaming reader of EDI X12 852 interchanges (see ns_edi.h for
 * what it accepts, emits and rejects).
 *
 * Workload: whole 852 objects of kilobytes to tens of megabytes, read once
 * by one map task. The reader works one segment at a time out of a fixed
 * 256 KiB input window (ns_inbuf; a segment is at most 64 KiB, so one
 * always fits):
 * finding a segment's end is a memchr for the terminator, splitting it one
 * pass for the element separator into a fixed array of element offsets.
 *
 * A transaction set is all or nothing, so its bytes are copied into a "unit"
 * buffer (at most max_record bytes) as its segments go by, and what the set
 * says is kept as offsets into that copy: one item per LIN (its segment,
 * UPC, SKU) and one entry per (LIN, store) with three quantity slots. A
 * small open-addressing table finds a LIN's entry for a store in O(1); it is
 * emptied for each LIN by bumping a generation number rather than by
 * clearing. Only when SE has passed its checks are the entries handed out,
 * one record per call, with fields pointing into the unit buffer and into
 * copies of the ISA and GS06; a failed set is one reject whose raw text is
 * the unit buffer. The unit buffer also collects the raw text of the other
 * rejects (bytes outside interchanges, a malformed interchange, stray
 * segments). Everything is reused from set to set.
 *
 * Each call of next() either hands out a held record or runs the state
 * machine (outside an interchange / inside one / inside a set) until it has
 * a record, a reject or the end to return. A segment that ends something
 * open (an ST or GE while a set lacks its SE, an ISA while an interchange
 * lacks its IEA) is left unread: the reject for the open thing is returned
 * first and the segment is read again by the next call.
 */
#include "ns_edi.h"

#include "ns_inbuf.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_BUF_SIZE (256u * 1024u)
#define S_MAX_SEGMENT (64u * 1024u)
#define S_MAX_WS 4096 /* line ends kept before a segment (a longer run is cut in raw text) */
#define S_MAX_ELEMENTS 64
#define S_ISA_LEN 106
#define S_MAX_SEGMENTS_DEFAULT 100000
#define S_MAX_SEGMENTS_LIMIT (1 << 28)
#define S_MAX_ISEG_DEFAULT 10000000 /* segments of one interchange */
#define S_MAX_ISEG_LIMIT (1 << 30)
#define S_SDQ_MAX_ELEMENTS 24 /* tag, unit, qualifier, 10 pairs, location */
#define S_GS_RAW 256          /* bytes of a GS kept for a reject's raw text */
#define S_NULL UINT32_MAX     /* span length of an absent value */
#define S_AGAIN 3             /* state step: nothing to return yet */
#define S_WHO "edi reader"

_Static_assert(NS_EDI_QTY_RETURNED + 1 == NS_EDI_NFIELDS, "NS_EDI_NFIELDS and the enum differ");

const char *const ns_edi_field_names[NS_EDI_NFIELDS] = {
    "sender",        "receiver",    "interchange_control",
    "group_control", "set_control", "period_start",
    "period_end",    "store",       "upc",
    "sku",           "qty_sold",    "qty_on_hand",
    "qty_returned",
};

/* Where the reader is in the envelope. */
enum { S_OUT, S_INTER, S_SET, S_DONE };

/* What s_peek_segment found. */
enum { SEG_OK, SEG_EOF, SEG_PARTIAL, SEG_TOO_LONG, SEG_ISA };

/* Byte offsets of the element separators in the fixed-width ISA. */
static const uint8_t s_isa_sep_at[16] = {3,  6,  17, 20, 31, 34, 50,  53,
                                         69, 76, 81, 83, 89, 99, 101, 103};

typedef struct {
    uint32_t off; /* offset in the unit buffer */
    uint32_t len; /* bytes; S_NULL when absent */
} s_span_t;

typedef struct {
    uint64_t offset; /* object offset of the LIN segment */
    s_span_t seg;    /* the LIN segment, without its terminator */
    s_span_t upc;    /* value qualified UP */
    s_span_t sku;    /* value qualified VN */
    s_span_t id;     /* LIN01 (for messages) */
    uint32_t ord;    /* 1-based number of the LIN in its set */
    uint32_t first;  /* index of its first entry */
} s_item_t;

typedef struct {
    s_span_t store;  /* store id */
    s_span_t qty[3]; /* QS, QA, QU */
    uint32_t item;   /* index of its item */
} s_entry_t;

typedef struct {
    uint32_t gen; /* generation (LIN) the slot belongs to; another one means empty */
    uint32_t ent; /* entry index */
} s_slot_t;

typedef struct ns_edi {
    ns_recsrc_t base; /* dispatch header, first */
    ns_inbuf_t in;    /* the input window, S_BUF_SIZE bytes */
    ns_edi_opts_t o;  /* options, defaults filled in */
    int state;        /* S_OUT, S_INTER, S_SET, S_DONE */
    bool started;     /* the BOM check is done */
    bool failed;      /* an I/O error was returned */

    /* the segment s_peek_segment found, at buf + pos + ws */
    size_t ws;                       /* line ends before it */
    size_t seg_len;                  /* bytes, without the terminator */
    int nel;                         /* elements (tag included); > S_MAX_ELEMENTS: too many */
    uint32_t el_off[S_MAX_ELEMENTS]; /* element offsets in the segment */
    uint32_t el_len[S_MAX_ELEMENTS]; /* element lengths */

    /* current interchange */
    char isa[S_ISA_LEN]; /* its ISA segment */
    uint64_t isa_off;    /* object offset of the ISA */
    char esep;           /* element separator */
    char csep;           /* component separator (ISA16; checked, no 852 field read needs it) */
    char term;           /* segment terminator */
    s_span_t sender;     /* ISA06 in isa, trimmed */
    s_span_t receiver;   /* ISA08 in isa, trimmed */
    uint32_t ngroups;    /* GS segments seen */
    uint64_t iseg;       /* segments consumed, its ISA included (max_interchange_segments) */

    /* current functional group */
    bool group_open;       /* a GS is waiting for its GE */
    char gs06[16];         /* group control number */
    size_t gs06_len;       /* bytes of gs06 */
    uint64_t gs_off;       /* object offset of the GS */
    char gs_raw[S_GS_RAW]; /* the GS segment, cut */
    size_t gs_raw_len;     /* bytes of gs_raw */
    uint32_t nsets;        /* ST segments seen in the group */

    /* the unit buffer: the current set's text, or a reject's raw text */
    char *unit;          /* bytes */
    size_t unit_len;     /* bytes used */
    size_t unit_cap;     /* bytes allocated (at most max_record) */
    bool unit_over;      /* more bytes than max_record were offered */
    uint64_t unit_total; /* bytes offered, kept or not */

    /* current transaction set */
    uint64_t st_off;    /* object offset of its ST */
    char st02[20];      /* ST02 cut (for messages) */
    s_span_t st02_span; /* ST02 */
    bool set_failed;    /* a check failed: reason holds why */
    uint32_t nseg;      /* segments counted, ST included */
    uint32_t nlin;      /* LIN segments */
    uint32_t nxq;       /* XQ segments */
    s_span_t xq02;      /* period start */
    s_span_t xq03;      /* period end */
    uint32_t nrl;       /* N1*RL segments */
    s_span_t rl;        /* the N1*RL store */
    bool rl_used;       /* a ZA quantity went to the N1*RL store */
    uint32_t nctt;      /* CTT segments */
    uint64_t ctt01;     /* CTT01 */
    bool za_seen;       /* the current LIN has had a ZA */
    int za_slot;        /* that ZA's quantity slot, -1 for an ignored code */

    /* held records of the set */
    s_item_t *items;    /* one per LIN */
    uint32_t nitems;    /* items used */
    uint32_t items_cap; /* items allocated */
    s_entry_t *ents;    /* one per (LIN, store) */
    uint32_t nents;     /* entries used */
    uint32_t ents_cap;  /* entries allocated */
    s_slot_t *tab;      /* store -> entry of the current LIN */
    uint32_t tab_cap;   /* slots (a power of two) */
    uint32_t gen;       /* generation of the current LIN */
    uint32_t emit_next; /* next entry to hand out */
    uint32_t emit_end;  /* entries to hand out */

    ns_field_t fields[NS_EDI_NFIELDS]; /* handed out in records */
    char reason[512];                  /* reject reason handed out */
} ns_edi_t;

/* ---- small helpers ---- */

static bool s_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool s_alnum(char c)
{
    return s_digit(c) || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool s_eol(char c)
{
    return c == '\r' || c == '\n';
}

/* A line end, space or tab (what separates interchanges). */
static bool s_blank(char c)
{
    return s_eol(c) || c == ' ' || c == '\t';
}

static bool s_eq(const char *p, size_t n, const char *lit)
{
    size_t l = strlen(lit);
    return n == l && memcmp(p, lit, l) == 0;
}

/* An unsigned count of 1..12 digits. */
static bool s_count(const char *p, size_t n, uint64_t *v)
{
    if (n == 0 || n > 12)
        return false;
    uint64_t x = 0;
    for (size_t i = 0; i < n; i++) {
        if (!s_digit(p[i]))
            return false;
        x = x * 10 + (uint64_t)(p[i] - '0');
    }
    *v = x;
    return true;
}

/* An X12 decimal: an optional '-', digits with at most one '.', at least
 * one digit, at most 32 bytes. */
static bool s_number(const char *p, size_t n)
{
    if (n == 0 || n > 32)
        return false;
    size_t i = p[0] == '-' ? 1 : 0;
    int digits = 0;
    bool dot = false;
    for (; i < n; i++) {
        if (s_digit(p[i]))
            digits++;
        else if (p[i] == '.' && !dot)
            dot = true;
        else
            return false;
    }
    return digits > 0;
}

/* A calendar date YYYYMMDD. */
static bool s_date(const char *p, size_t n)
{
    if (n != 8)
        return false;
    for (size_t i = 0; i < 8; i++)
        if (!s_digit(p[i]))
            return false;
    int y = (p[0] - '0') * 1000 + (p[1] - '0') * 100 + (p[2] - '0') * 10 + (p[3] - '0');
    int m = (p[4] - '0') * 10 + (p[5] - '0');
    int d = (p[6] - '0') * 10 + (p[7] - '0');
    static const int dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (m < 1 || m > 12 || d < 1)
        return false;
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return d <= dim[m - 1] + (m == 2 && leap ? 1 : 0);
}

/* The span of p[off..off+n) without leading and trailing spaces. */
static s_span_t s_trim(const char *p, uint32_t off, uint32_t n)
{
    while (n > 0 && p[off] == ' ') {
        off++;
        n--;
    }
    while (n > 0 && p[off + n - 1] == ' ')
        n--;
    return (s_span_t){off, n};
}

/* At most 32 bytes of untrusted text for a message. */
static int s_cut(size_t n)
{
    return n > 32 ? 32 : (int)n;
}

/* ---- input ---- */

/* Appends to the unit buffer, keeping at most max_record bytes. */
static int s_unit_add(ns_edi_t *d, const char *p, size_t n, ns_err_t *err)
{
    d->unit_total += n;
    size_t room = d->o.max_record - d->unit_len;
    if (n > room) {
        d->unit_over = true;
        n = room;
    }
    if (n == 0)
        return 0;
    if (d->unit_len + n > d->unit_cap) {
        size_t ncap = d->unit_cap ? d->unit_cap : 4096;
        while (ncap < d->unit_len + n)
            ncap *= 2;
        if (ncap > d->o.max_record)
            ncap = d->o.max_record;
        char *nu = realloc(d->unit, ncap);
        if (!nu)
            return ns_errf(err, "edi reader: out of memory growing a buffer to %zu bytes", ncap);
        d->unit = nu;
        d->unit_cap = ncap;
    }
    memcpy(d->unit + d->unit_len, p, n);
    d->unit_len += n;
    return 0;
}

static void s_unit_reset(ns_edi_t *d)
{
    d->unit_len = 0;
    d->unit_over = false;
    d->unit_total = 0;
}

/* Consumes n unconsumed bytes, copying them to the unit buffer with keep. */
static int s_take(ns_edi_t *d, size_t n, bool keep, ns_err_t *err)
{
    if (keep && s_unit_add(d, d->in.buf + d->in.pos, n, err) < 0)
        return -1;
    d->in.pos += n;
    return 0;
}

/* Splits the segment at buf + pos + ws on the element separator. */
static void s_split(ns_edi_t *d)
{
    const char *s = d->in.buf + d->in.pos + d->ws;
    const size_t n = d->seg_len;
    const char e = d->esep;
    int ne = 0;
    size_t start = 0;
    for (size_t i = 0;; i++) {
        if (i < n && s[i] != e)
            continue;
        if (ne < S_MAX_ELEMENTS) {
            d->el_off[ne] = (uint32_t)start;
            d->el_len[ne] = (uint32_t)(i - start);
        }
        ne++;
        if (i == n)
            break;
        start = i + 1;
    }
    d->nel = ne;
}

/* Looks at the next segment without consuming it: skips line ends (left in
 * the buffer, counted in d->ws), then finds the terminator. SEG_OK: the
 * segment is at buf + pos + ws, seg_len bytes, split into elements; SEG_ISA:
 * the bytes there start with "ISA" (an interchange header, whose own
 * separators may differ); SEG_EOF: only line ends were left (consumed);
 * SEG_PARTIAL: the input ends with seg_len bytes and no terminator;
 * SEG_TOO_LONG: no terminator within S_MAX_SEGMENT bytes; -1: error. */
static int s_peek_segment(ns_edi_t *d, ns_err_t *err)
{
    size_t ws = 0;
    for (;;) {
        while (d->in.pos + ws < d->in.len && s_eol(d->in.buf[d->in.pos + ws]))
            ws++;
        if (d->in.pos + ws < d->in.len)
            break;
        if (d->in.eof) {
            d->in.pos += ws;
            d->ws = 0;
            return SEG_EOF;
        }
        if (ws > S_MAX_WS) { /* keeps the run's last S_MAX_WS bytes, however it was read */
            d->in.pos += ws - S_MAX_WS;
            ws = S_MAX_WS;
        }
        if (ns_inbuf_fill(&d->in, err) < 0)
            return -1;
    }
    if (ws > S_MAX_WS) {
        d->in.pos += ws - S_MAX_WS;
        ws = S_MAX_WS;
    }
    d->ws = ws;
    if (ns_inbuf_ensure(&d->in, ws + 3, err) < 0)
        return -1;
    if (d->in.len - d->in.pos >= ws + 3 && memcmp(d->in.buf + d->in.pos + ws, "ISA", 3) == 0)
        return SEG_ISA;
    size_t scan = 0;
    for (;;) {
        size_t avail = d->in.len - d->in.pos - ws;
        const char *t = memchr(d->in.buf + d->in.pos + ws + scan, d->term, avail - scan);
        if (t) {
            d->seg_len = (size_t)(t - (d->in.buf + d->in.pos + ws));
            if (d->seg_len > S_MAX_SEGMENT)
                return SEG_TOO_LONG;
            s_split(d);
            return SEG_OK;
        }
        scan = avail;
        if (avail > S_MAX_SEGMENT)
            return SEG_TOO_LONG;
        if (d->in.eof) {
            d->seg_len = avail;
            s_split(d);
            return SEG_PARTIAL;
        }
        if (ns_inbuf_fill(&d->in, err) < 0)
            return -1;
    }
}

/* Consumes the segment s_peek_segment found (with the line ends before it
 * and its terminator), copying it to the unit buffer with keep. Returns the
 * unit offset where the segment itself starts. */
static int s_take_segment(ns_edi_t *d, bool keep, uint32_t *uoff, ns_err_t *err)
{
    if (s_take(d, d->ws, keep, err) < 0)
        return -1;
    *uoff = (uint32_t)d->unit_len;
    size_t n = d->seg_len + (d->in.pos + d->seg_len < d->in.len ? 1 : 0);
    d->iseg++;
    return s_take(d, n, keep, err);
}

/* Consumes the segment s_peek_segment found (SEG_OK: it has its
 * terminator) without keeping it. */
static void s_skip_segment(ns_edi_t *d)
{
    d->in.pos += d->ws + d->seg_len + 1;
    d->iseg++;
}

/* Consumes a segment longer than S_MAX_SEGMENT: through its terminator or
 * to the end of input. */
static int s_take_long(ns_edi_t *d, bool keep, ns_err_t *err)
{
    if (s_take(d, d->ws, keep, err) < 0)
        return -1;
    d->iseg++;
    for (;;) {
        size_t avail = d->in.len - d->in.pos;
        const char *t = memchr(d->in.buf + d->in.pos, d->term, avail);
        if (t)
            return s_take(d, (size_t)(t - (d->in.buf + d->in.pos)) + 1, keep, err);
        if (s_take(d, avail, keep, err) < 0)
            return -1;
        if (d->in.eof)
            return 0;
        if (ns_inbuf_fill(&d->in, err) < 0)
            return -1;
    }
}

/* Element i of the segment at s: its bytes in *p and *n; false if the segment
 * has no element i or it is empty. */
static bool s_el(const ns_edi_t *d, const char *s, int i, const char **p, size_t *n)
{
    if (i >= d->nel || i >= S_MAX_ELEMENTS || d->el_len[i] == 0)
        return false;
    *p = s + d->el_off[i];
    *n = d->el_len[i];
    return true;
}

static bool s_tag(const ns_edi_t *d, const char *s, const char *lit)
{
    return s_eq(s, d->el_len[0], lit);
}

/* ---- the ISA ---- */

/* Checks the fixed-width ISA at b (n bytes available, all of the rest of the
 * input when fewer than 106). why (may be NULL) gets the reason. */
static bool s_isa_ok(const char *b, size_t n, char *why, size_t cap)
{
    if (n < S_ISA_LEN) {
        if (why)
            snprintf(why, cap, "the input ends %zu bytes into the 106-byte ISA", n);
        return false;
    }
    const char e = b[3], c = b[104], t = b[105];
    if (s_alnum(e) || s_eol(e) || e == ' ') {
        if (why)
            snprintf(why, cap, "element separator 0x%02x is a letter, digit, space or line end",
                     (unsigned char)e);
        return false;
    }
    for (int k = 1; k < 16; k++) {
        if (b[s_isa_sep_at[k]] != e) {
            if (why)
                snprintf(why, cap, "ISA%02d does not end at byte %d (the ISA is fixed-width)", k,
                         s_isa_sep_at[k]);
            return false;
        }
    }
    for (int i = 4, k = 1; i < 104; i++) {
        if (k < 16 && i == s_isa_sep_at[k]) {
            k++;
            continue;
        }
        if (b[i] == e) {
            if (why)
                snprintf(why, cap, "element separator inside an ISA element at byte %d", i);
            return false;
        }
    }
    for (int i = 90; i < 99; i++) {
        if (!s_digit(b[i])) {
            if (why)
                snprintf(why, cap, "ISA13 '%.9s' is not a 9-digit control number", b + 90);
            return false;
        }
    }
    if (c == e || t == e || t == c || s_alnum(c) || s_alnum(t)) {
        if (why)
            snprintf(why, cap,
                     "separators element 0x%02x, component 0x%02x, segment 0x%02x are not "
                     "three distinct non-alphanumeric bytes",
                     (unsigned char)e, (unsigned char)c, (unsigned char)t);
        return false;
    }
    return true;
}

/* An IEA segment "IEA<e>digits<e>digits<t>" at p (n bytes, enough or all
 * of the input): *end is its length with the terminator. */
static bool s_iea_shape(const char *p, size_t n, char e, size_t *end)
{
    if (n < 4 || memcmp(p, "IEA", 3) != 0 || p[3] != e)
        return false;
    size_t i = 4, k = 0;
    while (i < n && s_digit(p[i]) && k < 5) {
        i++;
        k++;
    }
    if (k == 0 || i >= n || p[i] != e)
        return false;
    i++;
    k = 0;
    while (i < n && s_digit(p[i]) && k < 9) {
        i++;
        k++;
    }
    if (k == 0)
        return false;
    if (i == n) {
        *end = n;
        return true;
    }
    if (s_digit(p[i]) || p[i] == e)
        return false;
    *end = i + 1;
    return true;
}

/* Takes the well-formed ISA at pos as the current interchange. */
static void s_begin_interchange(ns_edi_t *d)
{
    memcpy(d->isa, d->in.buf + d->in.pos, S_ISA_LEN);
    d->isa_off = d->in.off + d->in.pos;
    d->esep = d->isa[3];
    d->csep = d->isa[104];
    d->term = d->isa[105];
    d->sender = s_trim(d->isa, 35, 15);
    d->receiver = s_trim(d->isa, 54, 15);
    d->ngroups = 0;
    d->iseg = 1;
    d->group_open = false;
    d->in.pos += S_ISA_LEN;
    d->state = S_INTER;
}

/* ---- rejects ---- */

static int s_reject_at(ns_record_t *rec, uint64_t off, const char *raw, size_t raw_len,
                       const char *why)
{
    rec->fields = NULL;
    rec->nfields = 0;
    rec->offset = off;
    rec->raw = raw;
    rec->raw_len = raw_len;
    rec->reject = why;
    return NS_REC_REJECT;
}

/* A reject whose raw text is the unit buffer. */
static int s_reject_unit(ns_edi_t *d, ns_record_t *rec, uint64_t off)
{
    return s_reject_at(rec, off, d->unit, d->unit_len, d->reason);
}

static int s_reasonf(ns_edi_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static int s_reasonf(ns_edi_t *d, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(d->reason, sizeof d->reason, fmt, ap);
    va_end(ap);
    return 0;
}

/* Marks the set failed with the first reason only. */
static void s_set_fail(ns_edi_t *d, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_set_fail(ns_edi_t *d, const char *fmt, ...)
{
    if (d->set_failed)
        return;
    d->set_failed = true;
    char msg[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    snprintf(d->reason, sizeof d->reason, "transaction set %s: %s", d->st02, msg);
}

/* ---- outside an interchange ---- */

/* Consumes bytes (into the unit buffer) outside any interchange, or those of
 * a malformed interchange whose ISA is at pos (bad), up to where the next
 * interchange may start:
 *   outside: up to an "ISA" that follows no letter or digit ("VISA" does
 *     not count), or a well-formed ISA;
 *   bad: through the first IEA of the right shape ("IEA*1*000000601~", with
 *     the bad ISA's element separator), or up to a well-formed ISA;
 * or to the end of input. A candidate is judged with 106 bytes in view. */
static int s_take_until(ns_edi_t *d, bool bad, ns_err_t *err)
{
    const bool have_e = bad && d->in.len - d->in.pos >= 4;
    const char e = have_e ? d->in.buf[d->in.pos + 3] : 0;
    size_t from = bad ? 3 : 1; /* the bytes at pos are not a place to stop */
    char last = 0;             /* the byte before pos */
    for (;;) {
        size_t avail = d->in.len - d->in.pos;
        size_t i = from < avail ? from : avail;
        bool more = false;
        while (i < avail) {
            const char *c = memchr(d->in.buf + d->in.pos + i, 'I', avail - i);
            if (!c) {
                i = avail;
                break;
            }
            i = (size_t)(c - (d->in.buf + d->in.pos));
            size_t rest = avail - i;
            if (rest < S_ISA_LEN && !d->in.eof) {
                more = true;
                break;
            }
            const char *p = d->in.buf + d->in.pos + i;
            if (rest >= 3 && p[1] == 'S' && p[2] == 'A') {
                char prev = i > 0 ? p[-1] : last;
                if ((!bad && !s_alnum(prev)) || s_isa_ok(p, rest, NULL, 0))
                    return s_take(d, i, true, err);
            }
            size_t end = 0;
            if (have_e && s_iea_shape(p, rest, e, &end))
                return s_take(d, i + end, true, err);
            i++;
        }
        if (d->in.eof)
            return s_take(d, avail, true, err);
        size_t take = more ? i : avail;
        if (take > 0)
            last = d->in.buf[d->in.pos + take - 1];
        if (s_take(d, take, true, err) < 0)
            return -1;
        from = 0;
        if (ns_inbuf_fill(&d->in, err) < 0)
            return -1;
    }
}

/* Drops the line ends and blanks that end the unit buffer (those before the
 * next ISA belong to no reject); returns the bytes offered, less them. */
static uint64_t s_unit_trim(ns_edi_t *d)
{
    if (d->unit_len != d->unit_total)
        return d->unit_total; /* cut at max_record: its end is not in view */
    while (d->unit_len > 0 && s_blank(d->unit[d->unit_len - 1]))
        d->unit_len--;
    d->unit_total = d->unit_len;
    return d->unit_total;
}

static int s_step_out(ns_edi_t *d, ns_record_t *rec, ns_err_t *err)
{
    if (!d->started) {
        d->started = true;
        if (ns_inbuf_skip_bom(&d->in, err) < 0)
            return -1;
    }
    for (;;) {
        while (d->in.pos < d->in.len && s_blank(d->in.buf[d->in.pos]))
            d->in.pos++;
        if (d->in.pos < d->in.len)
            break;
        if (d->in.eof) {
            d->state = S_DONE;
            return NS_REC_END;
        }
        if (ns_inbuf_fill(&d->in, err) < 0)
            return -1;
    }
    if (ns_inbuf_ensure(&d->in, S_ISA_LEN, err) < 0)
        return -1;
    const uint64_t off = d->in.off + d->in.pos;
    const size_t avail = d->in.len - d->in.pos;
    if (avail >= 3 && memcmp(d->in.buf + d->in.pos, "ISA", 3) == 0) {
        char why[200];
        if (s_isa_ok(d->in.buf + d->in.pos, avail, why, sizeof why)) {
            s_begin_interchange(d);
            return S_AGAIN;
        }
        s_reasonf(d, "malformed ISA: %s", why);
        if (s_take_until(d, true, err) < 0)
            return -1;
        s_unit_trim(d);
        return s_reject_unit(d, rec, off);
    }
    if (s_take_until(d, false, err) < 0)
        return -1;
    uint64_t n = s_unit_trim(d);
    s_reasonf(d, "%llu byte%s outside any interchange (ISA .. IEA)", (unsigned long long)n,
              n == 1 ? "" : "s");
    return s_reject_unit(d, rec, off);
}

/* ---- inside an interchange, between sets ---- */

static bool s_structural(const ns_edi_t *d, const char *s)
{
    return s_tag(d, s, "ST") || s_tag(d, s, "GS") || s_tag(d, s, "GE") || s_tag(d, s, "IEA");
}

/* A reject for the open interchange (cut off by the end of input or by the
 * next ISA); its raw text is its ISA. */
static int s_interchange_cut(ns_edi_t *d, ns_record_t *rec, const char *why)
{
    s_reasonf(d, "interchange %.9s: %s", d->isa + 90, why);
    d->state = S_OUT;
    return s_reject_at(rec, d->isa_off, d->isa, S_ISA_LEN, d->reason);
}

/* Collects segments outside any set (starting with the one just peeked,
 * result sr) up to the next ST, GS, GE, IEA, ISA or the end: one reject. */
static int s_stray(ns_edi_t *d, int sr, ns_record_t *rec, ns_err_t *err)
{
    d->in.pos += d->ws; /* line ends before it are not part of the raw text */
    d->ws = 0;
    const uint64_t off = d->in.off + d->in.pos;
    char tag[8] = "";
    if (sr == SEG_OK || sr == SEG_PARTIAL)
        snprintf(tag, sizeof tag, "%.*s", (int)(d->el_len[0] < 4 ? d->el_len[0] : 4),
                 d->in.buf + d->in.pos + d->ws);
    bool first_long = sr == SEG_TOO_LONG;
    uint32_t n = 0;
    for (;;) {
        uint32_t uoff;
        if (sr == SEG_TOO_LONG) {
            if (s_take_long(d, true, err) < 0)
                return -1;
        } else if (s_take_segment(d, true, &uoff, err) < 0) {
            return -1;
        }
        n++;
        if (sr == SEG_PARTIAL)
            break;
        sr = s_peek_segment(d, err);
        if (sr < 0)
            return -1;
        if (sr == SEG_TOO_LONG || sr == SEG_PARTIAL)
            continue;
        if (sr == SEG_OK && !s_structural(d, d->in.buf + d->in.pos + d->ws))
            continue;
        break;
    }
    if (first_long)
        s_reasonf(d,
                  "interchange %.9s: %u segment%s outside a transaction set, the first exceeds "
                  "the segment size limit (%u bytes)",
                  d->isa + 90, n, n == 1 ? "" : "s", S_MAX_SEGMENT);
    else
        s_reasonf(d, "interchange %.9s: %u segment%s outside a transaction set, starting with '%s'",
                  d->isa + 90, n, n == 1 ? "" : "s", tag);
    return s_reject_unit(d, rec, off);
}

/* A reject whose raw text is the segment peeked at pos + ws (consumed). */
static int s_reject_segment(ns_edi_t *d, ns_record_t *rec, ns_err_t *err)
{
    d->in.pos += d->ws;
    d->ws = 0;
    const uint64_t off = d->in.off + d->in.pos;
    uint32_t uoff;
    s_unit_reset(d);
    if (s_take_segment(d, true, &uoff, err) < 0)
        return -1;
    size_t n = d->unit_len < d->seg_len ? d->unit_len : d->seg_len; /* without the terminator */
    return s_reject_at(rec, off, d->unit, n, d->reason);
}

static void s_begin_set(ns_edi_t *d);

/* Whether the segment peeked (result sr) would be one more than the
 * interchange may hold. */
static bool s_inter_full(const ns_edi_t *d, int sr)
{
    return (sr == SEG_OK || sr == SEG_PARTIAL || sr == SEG_TOO_LONG) &&
           d->iseg >= (uint64_t)d->o.max_interchange_segments;
}

/* The interchange holds more segments than max_interchange_segments: its
 * segments from the one peeked (result sr) through its IEA (or up to the
 * next ISA, or the end of input) are one reject, cut at max_record; the
 * sets emitted before stay emitted. */
static int s_inter_over(ns_edi_t *d, int sr, ns_record_t *rec, ns_err_t *err)
{
    d->in.pos += d->ws; /* line ends before it are not part of the raw text */
    d->ws = 0;
    const uint64_t off = d->in.off + d->in.pos;
    s_unit_reset(d);
    for (;;) {
        uint32_t uoff;
        bool last = sr == SEG_PARTIAL ||
                    (sr == SEG_OK && s_tag(d, d->in.buf + d->in.pos + d->ws, "IEA"));
        if (sr == SEG_TOO_LONG ? s_take_long(d, true, err) < 0
                               : s_take_segment(d, true, &uoff, err) < 0)
            return -1;
        if (last)
            break;
        sr = s_peek_segment(d, err);
        if (sr < 0)
            return -1;
        if (sr == SEG_EOF || sr == SEG_ISA)
            break;
    }
    s_unit_trim(d);
    s_reasonf(d,
              "interchange %.9s exceeds max_interchange_segments (%d): the rest of it, through "
              "its IEA, is skipped",
              d->isa + 90, d->o.max_interchange_segments);
    d->group_open = false;
    d->state = S_OUT;
    return s_reject_unit(d, rec, off);
}

static int s_step_inter(ns_edi_t *d, ns_record_t *rec, ns_err_t *err)
{
    int sr = s_peek_segment(d, err);
    if (sr < 0)
        return -1;
    if (sr == SEG_EOF)
        return s_interchange_cut(d, rec, "input ends before IEA");
    if (sr == SEG_ISA)
        return s_interchange_cut(d, rec, "no IEA before the next ISA");
    if (s_inter_full(d, sr))
        return s_inter_over(d, sr, rec, err);
    if (sr != SEG_OK)
        return s_stray(d, sr, rec, err);
    const char *s = d->in.buf + d->in.pos + d->ws;
    const char *p;
    size_t n;
    uint64_t v = 0;
    if (s_tag(d, s, "ST")) {
        s_begin_set(d);
        return S_AGAIN;
    }
    if (s_tag(d, s, "GS")) {
        if (d->group_open) {
            d->group_open = false;
            s_reasonf(d, "group %s: no GE before the next GS", d->gs06);
            return s_reject_at(rec, d->gs_off, d->gs_raw, d->gs_raw_len, d->reason);
        }
        d->ngroups++;
        if (!s_el(d, s, 6, &p, &n) || n > 9 || !s_count(p, n, &v)) {
            bool has = s_el(d, s, 6, &p, &n);
            s_reasonf(d, "interchange %.9s: GS06 '%.*s' is not a group control number", d->isa + 90,
                      has ? s_cut(n) : 0, has ? p : "");
            return s_reject_segment(d, rec, err);
        }
        memcpy(d->gs06, p, n);
        d->gs06[n] = '\0';
        d->gs06_len = n;
        d->gs_off = d->in.off + d->in.pos + d->ws;
        d->gs_raw_len = d->seg_len < S_GS_RAW ? d->seg_len : S_GS_RAW;
        memcpy(d->gs_raw, s, d->gs_raw_len);
        d->nsets = 0;
        d->group_open = true;
        s_skip_segment(d);
        return S_AGAIN;
    }
    if (s_tag(d, s, "GE")) {
        if (!d->group_open) {
            s_reasonf(d, "interchange %.9s: GE without a GS", d->isa + 90);
            return s_reject_segment(d, rec, err);
        }
        d->group_open = false;
        if (!s_el(d, s, 1, &p, &n) || !s_count(p, n, &v) || v != d->nsets) {
            bool has = s_el(d, s, 1, &p, &n);
            s_reasonf(d, "group %s: GE01 says '%.*s' sets, counted %u", d->gs06, has ? s_cut(n) : 0,
                      has ? p : "", d->nsets);
            return s_reject_segment(d, rec, err);
        }
        if (!s_el(d, s, 2, &p, &n) || !s_eq(p, n, d->gs06)) {
            bool has = s_el(d, s, 2, &p, &n);
            s_reasonf(d, "group %s: GE02 '%.*s' does not match GS06", d->gs06, has ? s_cut(n) : 0,
                      has ? p : "");
            return s_reject_segment(d, rec, err);
        }
        s_skip_segment(d);
        return S_AGAIN;
    }
    if (s_tag(d, s, "IEA")) {
        if (d->group_open) {
            d->group_open = false;
            s_reasonf(d, "group %s: no GE before IEA", d->gs06);
            return s_reject_at(rec, d->gs_off, d->gs_raw, d->gs_raw_len, d->reason);
        }
        d->state = S_OUT;
        if (!s_el(d, s, 1, &p, &n) || !s_count(p, n, &v) || v != d->ngroups) {
            bool has = s_el(d, s, 1, &p, &n);
            s_reasonf(d, "interchange %.9s: IEA01 says '%.*s' groups, counted %u", d->isa + 90,
                      has ? s_cut(n) : 0, has ? p : "", d->ngroups);
            return s_reject_segment(d, rec, err);
        }
        if (!s_el(d, s, 2, &p, &n) || n != 9 || memcmp(p, d->isa + 90, 9) != 0) {
            bool has = s_el(d, s, 2, &p, &n);
            s_reasonf(d, "interchange %.9s: IEA02 '%.*s' does not match ISA13", d->isa + 90,
                      has ? s_cut(n) : 0, has ? p : "");
            return s_reject_segment(d, rec, err);
        }
        s_skip_segment(d);
        return S_AGAIN;
    }
    return s_stray(d, sr, rec, err);
}

/* ---- inside a transaction set ---- */

static s_span_t s_span(uint32_t segoff, const ns_edi_t *d, int i)
{
    if (i >= d->nel || i >= S_MAX_ELEMENTS || d->el_len[i] == 0)
        return (s_span_t){0, S_NULL};
    return (s_span_t){segoff + d->el_off[i], d->el_len[i]};
}

/* Starts a set at the ST peeked at pos + ws. */
static void s_begin_set(ns_edi_t *d)
{
    const char *s = d->in.buf + d->in.pos + d->ws;
    const char *p;
    size_t n;
    s_unit_reset(d);
    d->in.pos += d->ws; /* the set's raw text starts at its ST */
    d->ws = 0;
    d->st_off = d->in.off + d->in.pos;
    if (s_el(d, s, 2, &p, &n))
        snprintf(d->st02, sizeof d->st02, "%.*s", n > 16 ? 16 : (int)n, p);
    else
        snprintf(d->st02, sizeof d->st02, "(no ST02)");
    d->set_failed = false;
    d->nseg = 0;
    d->nlin = 0;
    d->nxq = 0;
    d->xq02 = d->xq03 = (s_span_t){0, S_NULL};
    d->nrl = 0;
    d->rl = (s_span_t){0, S_NULL};
    d->rl_used = false;
    d->nctt = 0;
    d->ctt01 = 0;
    d->za_seen = false;
    d->za_slot = -1;
    d->nitems = 0;
    d->nents = 0;
    d->emit_next = d->emit_end = 0;
    if (d->group_open)
        d->nsets++;
    d->state = S_SET;
    /* the ST itself is read by s_step_set like any other segment */
}

/* The LIN's name for messages: "LIN 3" (its LIN01) or "LIN #3". */
static void s_lin_name(const ns_edi_t *d, const s_item_t *it, char *out, size_t cap)
{
    if (it->id.len != S_NULL)
        snprintf(out, cap, "LIN %.*s", s_cut(it->id.len), d->unit + it->id.off);
    else
        snprintf(out, cap, "LIN #%u", it->ord);
}

/* Ends the current LIN loop: it must have reported a quantity. */
static void s_close_item(ns_edi_t *d)
{
    if (d->nitems == 0)
        return;
    s_item_t *it = &d->items[d->nitems - 1];
    if (it->first == d->nents) {
        char name[48];
        s_lin_name(d, it, name, sizeof name);
        s_set_fail(d, "%s has no QS, QA or QU quantity", name);
    }
}

static uint32_t s_hash(const char *p, size_t n)
{
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < n; i++)
        h = (h ^ (unsigned char)p[i]) * 16777619u;
    return h;
}

/* Puts entry e of the current LIN into the table (known not to be there). */
static void s_tab_put(ns_edi_t *d, uint32_t e)
{
    const s_span_t st = d->ents[e].store;
    uint32_t mask = d->tab_cap - 1;
    uint32_t h = s_hash(d->unit + st.off, st.len) & mask;
    while (d->tab[h].gen == d->gen)
        h = (h + 1) & mask;
    d->tab[h].gen = d->gen;
    d->tab[h].ent = e;
}

/* The entry of the current LIN for store (a span in the unit), made if new. */
static int s_entry(ns_edi_t *d, s_span_t store, uint32_t *out, ns_err_t *err)
{
    const s_item_t *it = &d->items[d->nitems - 1];
    uint32_t nst = d->nents - it->first;
    if ((nst + 1) * 2 > d->tab_cap) {
        uint32_t ncap = d->tab_cap * 2;
        s_slot_t *nt = calloc(ncap, sizeof *nt);
        if (!nt)
            return ns_errf(err, "edi reader: out of memory");
        free(d->tab);
        d->tab = nt;
        d->tab_cap = ncap;
        for (uint32_t e = it->first; e < d->nents; e++)
            s_tab_put(d, e);
    }
    const char *key = d->unit + store.off;
    uint32_t mask = d->tab_cap - 1;
    uint32_t h = s_hash(key, store.len) & mask;
    for (;;) {
        s_slot_t *sl = &d->tab[h];
        if (sl->gen != d->gen)
            break;
        const s_span_t o = d->ents[sl->ent].store;
        if (o.len == store.len && memcmp(d->unit + o.off, key, store.len) == 0) {
            *out = sl->ent;
            return 0;
        }
        h = (h + 1) & mask;
    }
    if (d->nents == d->ents_cap) {
        uint32_t ncap = d->ents_cap * 2;
        s_entry_t *ne = realloc(d->ents, (size_t)ncap * sizeof *ne);
        if (!ne)
            return ns_errf(err, "edi reader: out of memory");
        d->ents = ne;
        d->ents_cap = ncap;
    }
    s_entry_t *e = &d->ents[d->nents];
    e->store = store;
    for (int q = 0; q < 3; q++)
        e->qty[q] = (s_span_t){0, S_NULL};
    e->item = d->nitems - 1;
    d->tab[h].gen = d->gen;
    d->tab[h].ent = d->nents;
    *out = d->nents++;
    return 0;
}

static const char *const s_za_codes[3] = {"QS", "QA", "QU"};

/* Sets quantity slot q of the current LIN for store. */
static int s_set_qty(ns_edi_t *d, s_span_t store, int q, s_span_t qty, ns_err_t *err)
{
    uint32_t e = 0;
    if (s_entry(d, store, &e, err) < 0)
        return -1;
    if (d->ents[e].qty[q].len != S_NULL) {
        char name[48];
        s_lin_name(d, &d->items[d->nitems - 1], name, sizeof name);
        s_set_fail(d, "%s reports %s twice for store '%.*s'", name, s_za_codes[q], s_cut(store.len),
                   d->unit + store.off);
        return 0;
    }
    d->ents[e].qty[q] = qty;
    return 0;
}

static int s_do_lin(ns_edi_t *d, const char *s, uint32_t so, uint64_t obj_off, ns_err_t *err)
{
    s_close_item(d);
    d->nlin++;
    if (d->nitems == d->items_cap) {
        uint32_t ncap = d->items_cap * 2;
        s_item_t *ni = realloc(d->items, (size_t)ncap * sizeof *ni);
        if (!ni)
            return ns_errf(err, "edi reader: out of memory");
        d->items = ni;
        d->items_cap = ncap;
    }
    s_item_t *it = &d->items[d->nitems++];
    it->offset = obj_off;
    it->seg = (s_span_t){so, (uint32_t)d->seg_len};
    it->id = s_span(so, d, 1);
    it->upc = it->sku = (s_span_t){0, S_NULL};
    it->ord = d->nlin;
    it->first = d->nents;
    int nel = d->nel < S_MAX_ELEMENTS ? d->nel : S_MAX_ELEMENTS;
    for (int i = 2; i + 1 < nel; i += 2) {
        const char *q = s + d->el_off[i];
        size_t qn = d->el_len[i];
        s_span_t v = s_span(so, d, i + 1);
        if (v.len == S_NULL)
            continue;
        if (s_eq(q, qn, "UP") && it->upc.len == S_NULL)
            it->upc = v;
        else if (s_eq(q, qn, "VN") && it->sku.len == S_NULL)
            it->sku = v;
    }
    d->za_seen = false;
    d->za_slot = -1;
    if (++d->gen == 0) { /* wrapped: every slot would look current */
        memset(d->tab, 0, (size_t)d->tab_cap * sizeof *d->tab);
        d->gen = 1;
    }
    return 0;
}

static int s_do_za(ns_edi_t *d, const char *s, uint32_t so, ns_err_t *err)
{
    if (d->nitems == 0) {
        s_set_fail(d, "ZA before any LIN");
        return 0;
    }
    const char *p;
    size_t n;
    int slot = -1;
    if (s_el(d, s, 1, &p, &n))
        for (int q = 0; q < 3; q++)
            if (s_eq(p, n, s_za_codes[q]))
                slot = q;
    d->za_seen = true;
    d->za_slot = slot;
    if (slot < 0 || !s_el(d, s, 2, &p, &n))
        return 0; /* an ignored code, or quantities in SDQ segments */
    if (!s_number(p, n)) {
        s_set_fail(d, "ZA %s quantity '%.*s' is not a number", s_za_codes[slot], s_cut(n), p);
        return 0;
    }
    if (d->nrl == 0) {
        s_set_fail(d, "ZA %s quantity without a reporting store (N1*RL)", s_za_codes[slot]);
        return 0;
    }
    if (d->nrl > 1) {
        s_set_fail(d, "ZA %s quantity, but the set names %u reporting stores (N1*RL)",
                   s_za_codes[slot], d->nrl);
        return 0;
    }
    d->rl_used = true;
    return s_set_qty(d, d->rl, slot, s_span(so, d, 2), err);
}

static int s_do_sdq(ns_edi_t *d, const char *s, uint32_t so, ns_err_t *err)
{
    if (d->nitems == 0 || !d->za_seen) {
        s_set_fail(d, "SDQ without a preceding ZA");
        return 0;
    }
    if (d->nel > S_SDQ_MAX_ELEMENTS) {
        s_set_fail(d, "SDQ with more than 10 store/quantity pairs");
        return 0;
    }
    if (d->za_slot < 0)
        return 0; /* quantities of an ignored ZA code */
    for (int i = 3; i < d->nel && i < 23; i += 2) {
        const char *sp, *qp;
        size_t sn, qn;
        bool has_s = s_el(d, s, i, &sp, &sn);
        bool has_q = s_el(d, s, i + 1, &qp, &qn);
        if (!has_s && !has_q)
            continue;
        if (!has_s) {
            s_set_fail(d, "SDQ quantity '%.*s' without a store", s_cut(qn), qp);
            return 0;
        }
        if (!has_q) {
            s_set_fail(d, "SDQ store '%.*s' has no quantity", s_cut(sn), sp);
            return 0;
        }
        if (!s_number(qp, qn)) {
            s_set_fail(d, "SDQ %s quantity '%.*s' for store '%.*s' is not a number",
                       s_za_codes[d->za_slot], s_cut(qn), qp, s_cut(sn), sp);
            return 0;
        }
        if (s_set_qty(d, s_span(so, d, i), d->za_slot, s_span(so, d, i + 1), err) < 0)
            return -1;
        if (d->set_failed)
            return 0;
    }
    return 0;
}

/* What a segment of the set says, for the segment at unit offset so. */
static int s_do_segment(ns_edi_t *d, uint32_t so, uint64_t obj_off, ns_err_t *err)
{
    const char *s = d->unit + so;
    const char *p;
    size_t n;
    uint64_t v = 0;
    if (d->nel > S_MAX_ELEMENTS) {
        s_set_fail(d, "segment '%.*s' exceeds the element limit (%d elements)",
                   s_cut(d->el_len[0]), s, S_MAX_ELEMENTS - 1);
        return 0;
    }
    if (d->nseg == 1) { /* the ST */
        d->st02_span = s_span(so, d, 2);
        if (!s_el(d, s, 1, &p, &n) || !s_eq(p, n, "852")) {
            bool has = s_el(d, s, 1, &p, &n);
            s_set_fail(d, "is a '%.*s', not an 852", has ? s_cut(n) : 0, has ? p : "");
        } else if (d->st02_span.len == S_NULL) {
            s_set_fail(d, "no control number (ST02)");
        } else if (!d->group_open) {
            s_set_fail(d, "not inside a functional group (GS)");
        }
        return 0;
    }
    if (s_tag(d, s, "LIN"))
        return s_do_lin(d, s, so, obj_off, err);
    if (s_tag(d, s, "ZA"))
        return s_do_za(d, s, so, err);
    if (s_tag(d, s, "SDQ"))
        return s_do_sdq(d, s, so, err);
    if (s_tag(d, s, "XQ")) {
        if (d->nxq++ > 0) {
            s_set_fail(d, "more than one XQ");
            return 0;
        }
        if (!s_el(d, s, 2, &p, &n) || !s_date(p, n)) {
            bool has = s_el(d, s, 2, &p, &n);
            s_set_fail(d, "XQ02 '%.*s' is not a date YYYYMMDD", has ? s_cut(n) : 0, has ? p : "");
            return 0;
        }
        d->xq02 = s_span(so, d, 2);
        if (s_el(d, s, 3, &p, &n)) {
            if (!s_date(p, n)) {
                s_set_fail(d, "XQ03 '%.*s' is not a date YYYYMMDD", s_cut(n), p);
                return 0;
            }
            d->xq03 = s_span(so, d, 3);
        }
        return 0;
    }
    if (s_tag(d, s, "N1")) {
        if (!s_el(d, s, 1, &p, &n) || !s_eq(p, n, "RL"))
            return 0;
        if (!s_el(d, s, 4, &p, &n)) {
            s_set_fail(d, "N1*RL without a store id (N104)");
            return 0;
        }
        d->nrl++;
        d->rl = s_span(so, d, 4);
        if (d->nrl > 1 && d->rl_used)
            s_set_fail(d, "ZA quantities, but the set names %u reporting stores (N1*RL)", d->nrl);
        return 0;
    }
    if (s_tag(d, s, "CTT")) {
        if (d->nctt++ > 0) {
            s_set_fail(d, "more than one CTT");
            return 0;
        }
        if (!s_el(d, s, 1, &p, &n) || !s_count(p, n, &v)) {
            bool has = s_el(d, s, 1, &p, &n);
            s_set_fail(d, "CTT01 '%.*s' is not a number", has ? s_cut(n) : 0, has ? p : "");
            return 0;
        }
        d->ctt01 = v;
        return 0;
    }
    return 0; /* DTM, REF, N2..N4, PO4, CTP, ...: counted, not used */
}

/* The checks at SE (the segment at unit offset so). */
static void s_check_se(ns_edi_t *d, uint32_t so)
{
    const char *s = d->unit + so;
    const char *p;
    size_t n;
    uint64_t v = 0;
    s_close_item(d);
    if (d->set_failed)
        return;
    if (!s_el(d, s, 1, &p, &n)) {
        s_set_fail(d, "no SE01 (segment count), counted %u", d->nseg);
        return;
    }
    if (!s_count(p, n, &v)) {
        s_set_fail(d, "SE01 '%.*s' is not a segment count", s_cut(n), p);
        return;
    }
    if (v != d->nseg) {
        s_set_fail(d, "SE01 says %.*s segments, counted %u", s_cut(n), p, d->nseg);
        return;
    }
    const s_span_t st02 = d->st02_span;
    if (!s_el(d, s, 2, &p, &n) || n != st02.len || memcmp(p, d->unit + st02.off, n) != 0) {
        bool has = s_el(d, s, 2, &p, &n);
        s_set_fail(d, "SE02 '%.*s' does not match ST02", has ? s_cut(n) : 0, has ? p : "");
        return;
    }
    if (d->nxq == 0) {
        s_set_fail(d, "no XQ (reporting period)");
        return;
    }
    if (d->nctt > 0 && d->ctt01 != d->nlin) {
        s_set_fail(d, "CTT01 says %llu LIN segments, counted %u", (unsigned long long)d->ctt01,
                   d->nlin);
        return;
    }
}

/* Ends the set (after its SE, or cut off by why): a reject, or the start of
 * its records. */
static int s_end_set(ns_edi_t *d, ns_record_t *rec, const char *why)
{
    d->state = S_INTER;
    if (why)
        s_set_fail(d, "%s", why);
    if (d->set_failed)
        return s_reject_unit(d, rec, d->st_off);
    d->emit_next = 0;
    d->emit_end = d->nents;
    return S_AGAIN;
}

static int s_step_set(ns_edi_t *d, ns_record_t *rec, ns_err_t *err)
{
    int sr = s_peek_segment(d, err);
    if (sr < 0)
        return -1;
    if (s_inter_full(d, sr)) {
        /* s_step_inter then skips the rest of the interchange */
        char why[96];
        snprintf(why, sizeof why, "interchange exceeds max_interchange_segments (%d)",
                 d->o.max_interchange_segments);
        return s_end_set(d, rec, why);
    }
    uint32_t so;
    switch (sr) {
    case SEG_EOF:
        return s_end_set(d, rec, "input ends before SE");
    case SEG_ISA:
        return s_end_set(d, rec, "no SE before the next ISA");
    case SEG_PARTIAL:
        if (s_take_segment(d, true, &so, err) < 0)
            return -1;
        return s_end_set(d, rec, "input ends before SE");
    case SEG_TOO_LONG:
        if (s_take_long(d, true, err) < 0)
            return -1;
        if (d->nseg < UINT32_MAX)
            d->nseg++;
        s_set_fail(d, "segment exceeds the segment size limit (%u bytes)", S_MAX_SEGMENT);
        return S_AGAIN;
    default:
        break;
    }
    const char *s = d->in.buf + d->in.pos + d->ws;
    if (d->nseg > 0 && s_structural(d, s)) {
        char why[32];
        snprintf(why, sizeof why, "no SE before %.*s", (int)d->el_len[0], s);
        return s_end_set(d, rec, why);
    }
    const bool is_se = s_tag(d, s, "SE");
    const uint64_t obj_off = d->in.off + d->in.pos + d->ws;
    if (s_take_segment(d, true, &so, err) < 0)
        return -1;
    if (d->nseg < UINT32_MAX)
        d->nseg++;
    if (d->nseg > (uint32_t)d->o.max_segments)
        s_set_fail(d, "exceeds max_segments (%d)", d->o.max_segments);
    if (d->unit_over)
        s_set_fail(d, "exceeds max_record (%zu bytes)", d->o.max_record);
    if (!d->set_failed && s_do_segment(d, so, obj_off, err) < 0)
        return -1;
    if (!is_se)
        return S_AGAIN;
    if (!d->set_failed)
        s_check_se(d, so);
    return s_end_set(d, rec, NULL);
}

/* ---- records ---- */

static ns_field_t s_field(const ns_edi_t *d, s_span_t sp)
{
    if (sp.len == S_NULL)
        return (ns_field_t){NULL, 0};
    return (ns_field_t){d->unit + sp.off, sp.len};
}

static int s_emit(ns_edi_t *d, ns_record_t *rec)
{
    const s_entry_t *e = &d->ents[d->emit_next++];
    const s_item_t *it = &d->items[e->item];
    ns_field_t *f = d->fields;
    f[NS_EDI_SENDER] = (ns_field_t){d->isa + d->sender.off, d->sender.len};
    f[NS_EDI_RECEIVER] = (ns_field_t){d->isa + d->receiver.off, d->receiver.len};
    f[NS_EDI_INTERCHANGE_CONTROL] = (ns_field_t){d->isa + 90, 9};
    f[NS_EDI_GROUP_CONTROL] = (ns_field_t){d->gs06, (uint32_t)d->gs06_len};
    f[NS_EDI_SET_CONTROL] = s_field(d, d->st02_span);
    f[NS_EDI_PERIOD_START] = s_field(d, d->xq02);
    f[NS_EDI_PERIOD_END] = s_field(d, d->xq03);
    f[NS_EDI_STORE] = s_field(d, e->store);
    f[NS_EDI_UPC] = s_field(d, it->upc);
    f[NS_EDI_SKU] = s_field(d, it->sku);
    f[NS_EDI_QTY_SOLD] = s_field(d, e->qty[0]);
    f[NS_EDI_QTY_ON_HAND] = s_field(d, e->qty[1]);
    f[NS_EDI_QTY_RETURNED] = s_field(d, e->qty[2]);
    rec->fields = f;
    rec->nfields = NS_EDI_NFIELDS;
    rec->offset = it->offset;
    rec->raw = d->unit + it->seg.off;
    rec->raw_len = it->seg.len;
    rec->reject = NULL;
    return NS_REC_RECORD;
}

/* ---- the ns_recsrc_t interface ---- */

static int s_next(ns_recsrc_t *s, ns_record_t *rec, ns_err_t *err)
{
    ns_edi_t *d = (ns_edi_t *)s;
    memset(rec, 0, sizeof *rec);
    if (d->failed)
        return ns_errf(err, "edi reader: read after an earlier error");
    for (;;) {
        if (d->emit_next < d->emit_end)
            return s_emit(d, rec);
        d->emit_next = d->emit_end = 0;
        if (d->state != S_SET)
            s_unit_reset(d);
        int r;
        switch (d->state) {
        case S_OUT:
            r = s_step_out(d, rec, err);
            break;
        case S_INTER:
            r = s_step_inter(d, rec, err);
            break;
        case S_SET:
            r = s_step_set(d, rec, err);
            break;
        default:
            return NS_REC_END;
        }
        if (r < 0) {
            d->failed = true;
            memset(rec, 0, sizeof *rec);
            return -1;
        }
        if (r != S_AGAIN)
            return r;
    }
}

static uint64_t s_bytes(const ns_recsrc_t *s)
{
    return ((const ns_edi_t *)s)->in.nread;
}

static void s_destroy(ns_recsrc_t *s)
{
    if (!s)
        return;
    ns_edi_t *d = (ns_edi_t *)s;
    ns_inbuf_free(&d->in);
    free(d->unit);
    free(d->items);
    free(d->ents);
    free(d->tab);
    free(d);
}

void ns_edi_opts_default(ns_edi_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->max_record = NS_INBUF_RECORD_DEFAULT;
    o->max_segments = S_MAX_SEGMENTS_DEFAULT;
    o->max_interchange_segments = S_MAX_ISEG_DEFAULT;
}

ns_recsrc_t *ns_edi_new(ns_reader_t *src, const ns_edi_opts_t *opts, ns_err_t *err)
{
    if (!src) {
        ns_errf(err, "edi reader: no input stream");
        return NULL;
    }
    ns_edi_opts_t o;
    if (opts)
        o = *opts;
    else
        ns_edi_opts_default(&o);
    if (ns_inbuf_max_record(&o.max_record, S_WHO, err) < 0)
        return NULL;
    if (o.max_segments == 0)
        o.max_segments = S_MAX_SEGMENTS_DEFAULT;
    if (o.max_segments < 0 || o.max_segments > S_MAX_SEGMENTS_LIMIT) {
        ns_errf(err, "edi reader: max_segments %d is not in 1..%d", o.max_segments,
                S_MAX_SEGMENTS_LIMIT);
        return NULL;
    }
    if (o.max_interchange_segments == 0)
        o.max_interchange_segments = S_MAX_ISEG_DEFAULT;
    if (o.max_interchange_segments < 0 || o.max_interchange_segments > S_MAX_ISEG_LIMIT) {
        ns_errf(err, "edi reader: max_interchange_segments %d is not in 1..%d",
                o.max_interchange_segments, S_MAX_ISEG_LIMIT);
        return NULL;
    }
    ns_edi_t *d = calloc(1, sizeof *d);
    if (!d) {
        ns_errf(err, "edi reader: out of memory");
        return NULL;
    }
    d->base.next = s_next;
    d->base.bytes = s_bytes;
    d->base.destroy = s_destroy;
    d->o = o;
    d->state = S_OUT;
    int ir = ns_inbuf_init(&d->in, src, 0, S_BUF_SIZE, S_BUF_SIZE, 0, S_WHO, err);
    d->items_cap = 64;
    d->items = malloc(d->items_cap * sizeof *d->items);
    d->ents_cap = 256;
    d->ents = malloc(d->ents_cap * sizeof *d->ents);
    d->tab_cap = 64;
    d->tab = calloc(d->tab_cap, sizeof *d->tab);
    d->gen = 1;
    if (ir < 0 || !d->items || !d->ents || !d->tab) {
        ns_errf(err, "edi reader: out of memory");
        s_destroy(&d->base);
        return NULL;
    }
    return &d->base;
}
