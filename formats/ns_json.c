/*
 * ns_json: streaming reader of JSON lines and concatenated JSON values (see
 * ns_json.h for the rules it implements).
 *
 * Workload: every byte of a JSON feed goes through here, records of 0.3-3
 * KB, hundreds of MB per task. The reader owns one input window (ns_inbuf:
 * NS_INBUF_INITIAL, 64 KiB, doubled up to max_record when a value needs it,
 * with NS_JSON_SHIM_PADDING zero bytes after it because simdjson reads past
 * the end of a value) and never allocates per record:
 *   - JSON lines: a record is a line of the window, found with memchr for
 *     LF (ns_inbuf_lines_next, as in ns_delim);
 *   - concatenated values: a small resumable scanner matches brackets
 *     outside strings to find where a value ends (its state survives buffer
 *     refills, so a reader returning one byte at a time costs no rescans);
 *   - the value is then parsed and validated once, and its fields picked,
 *     by ns_json_shim (simdjson On-Demand); fields point into the input
 *     buffer or the parser's string buffer.
 * The input buffer is compacted only when more input is needed, at the
 * next call, so everything handed out stays valid until then.
 *
 * Paths become a tree of keys (ns_json_node_t, first-kid/next-sibling
 * links) that the shim follows while it walks a value; the exploded
 * array's node has an element node for the "name[]" paths, which fill
 * element slots, one row per element. Each element then becomes a record:
 * the top-level fields copied, the element's fields laid over them.
 */
#include "ns_json.h"

#include "ns_inbuf.h"
#include "ns_json_shim.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_DEPTH_DEFAULT 64
#define S_WHO "json reader"

/* Modes of the concatenated-value scanner. */
enum {
    S_VALUE,   /* inside a value that began with '{' or '[': matching brackets */
    S_GARBAGE, /* in a bad region: looking for the next '{' */
};

/* Results of the concatenated-value scanner. */
enum {
    S_MORE,   /* the value goes on past the buffered bytes */
    S_DONE,   /* the value ends at *stop (exclusive) */
    S_BROKEN, /* a bad region ends at *stop, where a '{' starts over */
};

typedef struct ns_json ns_json_t;

struct ns_json {
    ns_recsrc_t base;        /* dispatch header, first */
    ns_inbuf_t in;           /* the input window, NS_JSON_SHIM_PADDING zero bytes after it */
    ns_json_opts_t o;        /* options, defaults filled in */
    uint64_t start;          /* split start (object offset) */
    uint64_t end;            /* split end, exclusive */
    ns_inbuf_lines_t lines;  /* lines: where the split's lines are */
    bool started;            /* BOM and split resync handled */
    bool done;               /* END has been returned */
    bool failed;             /* an error was returned */
    bool discarding;         /* concatenated: a too-long value is being skipped by the scanner */
    size_t scan;             /* concatenated: bytes after pos already scanned */
    int cmode;               /* scanner: S_VALUE or S_GARBAGE */
    long cdepth;             /* scanner: open brackets */
    bool cstr;               /* scanner: inside a string */
    bool cesc;               /* scanner: the previous string byte was a backslash */
    unsigned char cprev;     /* scanner: last non-whitespace byte outside strings before pos */
    int npaths;              /* fields per record */
    int nelem;               /* element paths */
    int stride;              /* fields per element row in the shim's result (nelem, >= 1) */
    int *elem_field;         /* element slot -> field index */
    char *names;             /* copies of the paths and of explode, NUL-separated */
    const char *explode;     /* in names, or NULL */
    ns_json_node_t *nodes;   /* the key tree */
    int nnodes;              /* nodes used */
    ns_json_shim_t *shim;    /* the parser */
    ns_field_t *fields;      /* npaths fields handed out in records */
    ns_json_result_t res;    /* the last parsed value */
    size_t pend_next;        /* next record of that value to hand out */
    size_t pend_count;       /* records it makes */
    uint64_t pend_off;       /* its offset */
    const char *pend_raw;    /* its raw bytes (in buf) */
    size_t pend_len;         /* its length */
    char reason[192];        /* formatted reject reasons */
};

void ns_json_opts_default(ns_json_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->max_record = NS_INBUF_RECORD_DEFAULT;
    o->max_depth = S_MAX_DEPTH_DEFAULT;
    o->concatenated = false;
}

static bool s_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* ---- paths ---------------------------------------------------------------- */

/* The child of node `parent` with key k[0..kl), added if missing; -1 when
 * the node array is full (cannot happen: it is sized for every key). */
static int s_child(ns_json_t *d, int parent, const char *k, uint32_t kl, int cap)
{
    int last = -1;
    for (int c = d->nodes[parent].kid; c >= 0; c = d->nodes[c].next) {
        if (d->nodes[c].klen == kl && memcmp(d->nodes[c].key, k, kl) == 0)
            return c;
        last = c;
    }
    if (d->nnodes == cap)
        return -1;
    int n = d->nnodes++;
    d->nodes[n] =
        (ns_json_node_t){.key = k, .klen = kl, .slot = -1, .kid = -1, .next = -1, .elem = -1};
    if (last < 0)
        d->nodes[parent].kid = n;
    else
        d->nodes[last].next = n;
    return n;
}

/* Follows (adding as needed) the dotted keys of p[0..n) from node `from`;
 * the node reached, or -1 with err set. whole is the path as given, for
 * messages. */
static int s_keys(ns_json_t *d, int from, const char *p, size_t n, const char *whole, int cap,
                  ns_err_t *err)
{
    int node = from;
    size_t i = 0;
    for (;;) {
        const char *dot = memchr(p + i, '.', n - i);
        size_t kl = dot ? (size_t)(dot - (p + i)) : n - i;
        if (kl == 0)
            return ns_errf(err, "json reader: path '%s' has an empty key", whole);
        node = s_child(d, node, p + i, (uint32_t)kl, cap);
        if (node < 0)
            return ns_errf(err, "json reader: too many keys in the paths");
        if (!dot)
            return node;
        i += kl + 1;
    }
}

/* Builds the key tree of the paths and of explode (both already copied
 * into d->names). */
static int s_build_tree(ns_json_t *d, const char *const *paths, ns_err_t *err)
{
    /* every key of every path, plus the root and the element node */
    int cap = 2;
    const char *name = d->names;
    for (int i = 0; i <= d->npaths; i++) {
        size_t l = strlen(name);
        for (size_t j = 0; j < l; j++)
            cap += name[j] == '.';
        cap += 1;
        name += l + 1;
    }
    d->nodes = malloc((size_t)cap * sizeof *d->nodes);
    d->elem_field = malloc((size_t)(d->npaths > 0 ? d->npaths : 1) * sizeof *d->elem_field);
    if (!d->nodes || !d->elem_field)
        return ns_errf(err, "json reader: out of memory");
    d->nodes[0] = (ns_json_node_t){.slot = -1, .kid = -1, .next = -1, .elem = -1};
    d->nnodes = 1;
    int elem = -1;
    size_t elen = 0;
    if (d->explode) {
        elen = strlen(d->explode);
        if (elen == 0)
            return ns_errf(err, "json reader: explode is empty");
        if (strstr(d->explode, "[]"))
            return ns_errf(err, "json reader: explode '%s' must name the array without []",
                           d->explode);
        int an = s_keys(d, 0, d->explode, elen, d->explode, cap, err);
        if (an < 0)
            return -1;
        elem = d->nnodes++;
        d->nodes[elem] = (ns_json_node_t){.slot = -1, .kid = -1, .next = -1, .elem = -1};
        d->nodes[an].elem = elem;
    }
    name = d->names;
    for (int i = 0; i < d->npaths; i++) {
        const char *p = name;
        size_t l = strlen(p);
        name += l + 1;
        const char *orig = paths[i];
        int node;
        bool in_elem = false;
        if (d->explode && l >= elen + 2 && memcmp(p, d->explode, elen) == 0 &&
            memcmp(p + elen, "[]", 2) == 0) {
            in_elem = true;
            if (l == elen + 2)
                node = elem;
            else if (p[elen + 2] == '.')
                node = s_keys(d, elem, p + elen + 3, l - elen - 3, orig, cap, err);
            else
                return ns_errf(err, "json reader: path '%s': '[]' must be followed by '.' or end",
                               orig);
        } else if (strstr(p, "[]")) {
            if (d->explode)
                return ns_errf(err, "json reader: path '%s' uses [] but the exploded array is '%s'",
                               orig, d->explode);
            return ns_errf(err, "json reader: path '%s' uses [] but nothing is exploded", orig);
        } else {
            node = s_keys(d, 0, p, l, orig, cap, err);
        }
        if (node < 0)
            return -1;
        if (d->nodes[node].slot >= 0)
            return ns_errf(err, "json reader: path '%s' is given twice", orig);
        if (in_elem) {
            d->elem_field[d->nelem] = i;
            d->nodes[node].slot = d->nelem++;
        } else {
            d->nodes[node].slot = i;
        }
    }
    d->stride = d->nelem > 0 ? d->nelem : 1;
    return 0;
}

/* ---- input ---------------------------------------------------------------- */

/* ---- records -------------------------------------------------------------- */

static int s_reject(ns_record_t *rec, uint64_t off, const char *raw, size_t n, size_t max,
                    const char *why)
{
    rec->offset = off;
    rec->raw = raw;
    rec->raw_len = n < max ? n : max;
    rec->reject = why;
    rec->fields = NULL;
    rec->nfields = 0;
    return NS_REC_REJECT;
}

static int s_too_long(ns_json_t *d, ns_record_t *rec, uint64_t off, const char *raw, size_t n)
{
    snprintf(d->reason, sizeof d->reason, "JSON value exceeds max_record (%zu bytes)",
             d->o.max_record);
    return s_reject(rec, off, raw, n, d->o.max_record, d->reason);
}

/* Hands out the next record of the parsed value. */
static int s_emit(ns_json_t *d, ns_record_t *rec)
{
    size_t i = d->pend_next++;
    if (d->npaths > 0)
        memcpy(d->fields, d->res.fields, (size_t)d->npaths * sizeof *d->fields);
    if (d->nelem > 0 && i < d->res.nelems) {
        const ns_field_t *row = d->res.elems + i * (size_t)d->stride;
        for (int j = 0; j < d->nelem; j++)
            d->fields[d->elem_field[j]] = row[j];
    }
    rec->fields = d->fields;
    rec->nfields = d->npaths;
    rec->offset = d->pend_off;
    rec->raw = d->pend_raw;
    rec->raw_len = d->pend_len;
    rec->reject = NULL;
    return NS_REC_RECORD;
}

/* Parses the value p[0..n) (n <= max_record) at object offset off and
 * hands out its first record, or a reject. -1 when out of memory. */
static int s_parse(ns_json_t *d, const char *p, size_t n, uint64_t off, ns_record_t *rec,
                   ns_err_t *err)
{
    /* the parser reads up to NS_JSON_SHIM_PADDING bytes past the value:
     * let it see zeros there, not the next value or stale bytes, so that
     * nothing depends on where the reads of the stream ended */
    char save[NS_JSON_SHIM_PADDING];
    char *tail = d->in.buf + (size_t)(p - d->in.buf) + n;
    memcpy(save, tail, sizeof save);
    memset(tail, 0, sizeof save);
    int r = ns_json_shim_parse(d->shim, p, n, &d->res);
    memcpy(tail, save, sizeof save);
    if (r == NS_JSON_E_NOMEM)
        return ns_errf(err, "json reader: out of memory parsing the value at offset %llu",
                       (unsigned long long)off);
    if (r == NS_JSON_E_NOT_ARRAY) {
        snprintf(d->reason, sizeof d->reason, "'%s' is not an array", d->explode);
        return s_reject(rec, off, p, n, n, d->reason);
    }
    if (r != NS_JSON_OK)
        return s_reject(rec, off, p, n, n, d->res.error);
    d->pend_off = off;
    d->pend_raw = p;
    d->pend_len = n;
    d->pend_next = 0;
    d->pend_count = d->explode && d->res.nelems > 0 ? d->res.nelems : 1;
    return s_emit(d, rec);
}

/* A bad region p[0..n) at off (concatenated input): rejected with the
 * parser's reason for it. */
static int s_bad_region(ns_json_t *d, const char *p, size_t n, uint64_t off, ns_record_t *rec,
                        ns_err_t *err)
{
    /* bounded before trimming, as the scan bounds what it has seen so far */
    if (n > d->o.max_record)
        return s_too_long(d, rec, off, p, n);
    while (n > 0 && s_ws((unsigned char)p[n - 1]))
        n--;
    int r = s_parse(d, p, n, off, rec, err);
    if (r == NS_REC_RECORD) { /* a bad region cannot parse; be safe all the same */
        d->pend_next = d->pend_count;
        return s_reject(rec, off, p, n, n, "invalid JSON");
    }
    return r;
}

/* JSON lines: the next record or reject of this split. */
static int s_next_line(ns_json_t *d, ns_record_t *rec, ns_err_t *err)
{
    for (;;) {
        ns_inbuf_line_t ln;
        int r = ns_inbuf_lines_next(&d->in, &d->lines, d->o.max_record, NULL, NULL, &ln, err);
        if (r <= 0)
            return r;
        if (r == 2)
            return s_too_long(d, rec, ln.off, ln.p, ln.n);
        const char *p = ln.p;
        size_t a = 0, n = ln.n;
        while (a < n && s_ws((unsigned char)p[a]))
            a++;
        while (n > a && s_ws((unsigned char)p[n - 1]))
            n--;
        if (a == n)
            continue; /* a blank line */
        return s_parse(d, p + a, n - a, ln.off + a, rec, err);
    }
}

/* Index of the first '"', '\\' or control byte in b[i, len), or len. Eight
 * bytes at a time: a word without any of them is skipped whole (the lowest
 * flagged byte of these tests is always a true hit). */
static size_t s_string_stop(const unsigned char *b, size_t i, size_t len)
{
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    const uint64_t ones = UINT64_C(0x0101010101010101), high = UINT64_C(0x8080808080808080);
    while (i + 8 <= len) {
        uint64_t x;
        memcpy(&x, b + i, 8);
        uint64_t q = x ^ (ones * '"'), bs = x ^ (ones * '\\');
        uint64_t m = (((q - ones) & ~q) | ((bs - ones) & ~bs) | ((x - ones * 0x20) & ~x)) & high;
        if (m)
            return i + ((size_t)__builtin_ctzll(m) >> 3);
        i += 8;
    }
#endif
    while (i < len && b[i] != '"' && b[i] != '\\' && b[i] >= 0x20)
        i++;
    return i;
}

/* Byte classes of the scanner outside strings (0: nothing to do). */
enum { S_C_QUOTE = 1, S_C_OBJ, S_C_ARR, S_C_CLOSE };

static const unsigned char s_class[256] = {
    ['"'] = S_C_QUOTE, ['{'] = S_C_OBJ, ['['] = S_C_ARR, ['}'] = S_C_CLOSE, [']'] = S_C_CLOSE,
};

/* The last byte before b[i] that is not whitespace, looking back no
 * further than pos (bytes before it are gone); d->cprev when there is
 * none. Outside strings this is the end of the previous token. */
static unsigned char s_prev(const ns_json_t *d, size_t i)
{
    while (i > d->in.pos) {
        unsigned char c = (unsigned char)d->in.buf[--i];
        if (!s_ws(c))
            return c;
    }
    return d->cprev;
}

/* Concatenated values: scans buf[pos + scan, len) for the end of the value
 * (or bad region) at pos, carrying its state across calls. */
static int s_scan(ns_json_t *d, size_t *stop)
{
    const unsigned char *b = (const unsigned char *)d->in.buf;
    const size_t len = d->in.len;
    size_t i = d->in.pos + d->scan;
    if (d->cmode == S_VALUE) {
        long depth = d->cdepth;
        bool instr = d->cstr, esc = d->cesc;
        while (i < len) {
            if (instr) {
                if (esc) {
                    if (b[i] < 0x20)
                        goto broken; /* a control byte, even escaped */
                    esc = false;
                    i++;
                    continue;
                }
                i = s_string_stop(b, i, len);
                if (i == len)
                    break;
                if (b[i] == '"')
                    instr = false;
                else if (b[i] == '\\')
                    esc = true;
                else
                    goto broken;
                i++;
                continue;
            }
            while (i < len && !s_class[b[i]])
                i++;
            if (i == len)
                break;
            switch (s_class[b[i]]) {
            case S_C_QUOTE:
                instr = true;
                break;
            case S_C_OBJ:
                /* inside a value '{' only follows ':', ',' or '[': anything
                 * else means this value was cut short and a new one starts */
                if (depth > 0) {
                    unsigned char pv = s_prev(d, i);
                    if (pv != ':' && pv != ',' && pv != '[') {
                        d->scan = 0;
                        *stop = i;
                        return S_BROKEN;
                    }
                }
                depth++;
                break;
            case S_C_ARR:
                depth++;
                break;
            default: /* S_C_CLOSE */
                if (--depth <= 0) {
                    d->scan = 0;
                    *stop = i + 1;
                    return S_DONE;
                }
                break;
            }
            i++;
        }
        d->cdepth = depth;
        d->cstr = instr;
        d->cesc = esc;
        /* for s_prev once these bytes are gone (a string ends with '"') */
        d->cprev = instr ? '"' : s_prev(d, len);
        d->scan = len - d->in.pos;
        return S_MORE;
    broken:
        /* a raw control byte (a newline) cannot be in a string: the value
         * is broken, and its region runs to the next '{' */
        d->cmode = S_GARBAGE;
    }
    const char *lb = memchr(d->in.buf + i, '{', len - i);
    if (lb) {
        d->scan = 0;
        *stop = (size_t)(lb - d->in.buf);
        return S_BROKEN;
    }
    d->scan = len - d->in.pos;
    return S_MORE;
}

/* Concatenated values: goes on skipping a value that was longer than
 * max_record, to its end. 1: done; 0: input ended; -1: error. */
static int s_discard(ns_json_t *d, ns_err_t *err)
{
    for (;;) {
        size_t stop;
        if (s_scan(d, &stop) != S_MORE) {
            d->in.pos = stop;
            d->discarding = false;
            return 1;
        }
        d->in.pos = d->in.len; /* the scanner's state holds all it needs */
        d->scan = 0;
        if (d->in.eof) {
            d->discarding = false;
            return 0;
        }
        if (ns_inbuf_fill(&d->in, err) < 0)
            return -1;
    }
}

/* Concatenated values: the next record or reject. */
static int s_next_concat(ns_json_t *d, ns_record_t *rec, ns_err_t *err)
{
    if (d->discarding) {
        int r = s_discard(d, err);
        if (r <= 0)
            return r;
    }
    for (;;) {
        while (d->in.pos < d->in.len && s_ws((unsigned char)d->in.buf[d->in.pos]))
            d->in.pos++;
        if (d->in.pos < d->in.len)
            break;
        if (d->in.eof)
            return NS_REC_END;
        if (ns_inbuf_fill(&d->in, err) < 0)
            return -1;
    }
    unsigned char c = (unsigned char)d->in.buf[d->in.pos];
    d->cmode = c == '{' || c == '[' ? S_VALUE : S_GARBAGE;
    d->cdepth = 0;
    d->cstr = d->cesc = false;
    d->cprev = 0;
    d->scan = 0;
    for (;;) {
        size_t stop = 0;
        int sr = s_scan(d, &stop);
        const char *p = d->in.buf + d->in.pos;
        uint64_t off = d->in.off + d->in.pos;
        if (sr == S_DONE) {
            size_t n = stop - d->in.pos;
            d->in.pos = stop;
            if (n > d->o.max_record)
                return s_too_long(d, rec, off, p, n);
            if (d->cmode == S_GARBAGE) /* cannot happen: S_DONE is for values */
                return s_bad_region(d, p, n, off, rec, err);
            return s_parse(d, p, n, off, rec, err);
        }
        if (sr == S_BROKEN) {
            size_t n = stop - d->in.pos;
            d->in.pos = stop;
            return s_bad_region(d, p, n, off, rec, err);
        }
        size_t avail = d->in.len - d->in.pos;
        if (d->in.eof) {
            d->in.pos = d->in.len;
            d->scan = 0;
            return s_bad_region(d, p, avail, off, rec, err);
        }
        if (avail > d->o.max_record) {
            d->discarding = true;
            return s_too_long(d, rec, off, p, avail);
        }
        if (ns_inbuf_fill(&d->in, err) < 0)
            return -1;
    }
}

static int s_next(ns_recsrc_t *base, ns_record_t *rec, ns_err_t *err)
{
    ns_json_t *d = (ns_json_t *)base;
    memset(rec, 0, sizeof *rec);
    if (d->failed)
        return ns_errf(err, "json reader: read after an earlier error");
    if (d->done)
        return NS_REC_END;
    if (d->pend_next < d->pend_count)
        return s_emit(d, rec);
    d->pend_next = d->pend_count = 0;
    int r = 1;
    if (!d->started) {
        d->started = true;
        r = ns_inbuf_lines_begin(&d->in, &d->lines, d->start, d->end, err);
    }
    if (r > 0)
        r = d->o.concatenated ? s_next_concat(d, rec, err) : s_next_line(d, rec, err);
    if (r == NS_REC_END)
        d->done = true;
    if (r < 0)
        d->failed = true;
    return r;
}

static uint64_t s_bytes(const ns_recsrc_t *base)
{
    return base ? ((const ns_json_t *)base)->in.nread : 0;
}

static void s_destroy(ns_recsrc_t *base)
{
    ns_json_t *d = (ns_json_t *)base;
    if (!d)
        return;
    ns_json_shim_destroy(&d->shim);
    ns_inbuf_free(&d->in);
    free(d->fields);
    free(d->nodes);
    free(d->elem_field);
    free(d->names);
    free(d);
}

ns_recsrc_t *ns_json_new(ns_reader_t *src, const ns_json_opts_t *opts, const char *const *paths,
                         int npaths, const char *explode, uint64_t first_byte, uint64_t start,
                         uint64_t end, ns_err_t *err)
{
    if (!src || !opts) {
        ns_errf(err, "json reader: no input stream or options");
        return NULL;
    }
    if (npaths < 0 || npaths > NS_JSON_MAX_PATHS || (npaths > 0 && !paths)) {
        ns_errf(err, "json reader: %d paths (at most %d)", npaths, NS_JSON_MAX_PATHS);
        return NULL;
    }
    ns_json_opts_t o = *opts;
    if (ns_inbuf_max_record(&o.max_record, S_WHO, err) < 0)
        return NULL;
    if (o.max_depth == 0)
        o.max_depth = S_MAX_DEPTH_DEFAULT;
    if (o.max_depth < 1 || o.max_depth > NS_JSON_MAX_DEPTH_LIMIT) {
        ns_errf(err, "json reader: max_depth %d is not in 1..%d", o.max_depth,
                NS_JSON_MAX_DEPTH_LIMIT);
        return NULL;
    }
    if (o.concatenated && (start != 0 || end != UINT64_MAX)) {
        ns_errf(err, "json reader: concatenated JSON cannot be split (split [%llu, %llu))",
                (unsigned long long)start, (unsigned long long)end);
        return NULL;
    }
    if (ns_inbuf_split_ok(S_WHO, first_byte, start, err) < 0)
        return NULL;
    size_t total = explode ? strlen(explode) + 1 : 1;
    for (int i = 0; i < npaths; i++) {
        if (!paths[i] || !paths[i][0]) {
            ns_errf(err, "json reader: path %d is empty", i + 1);
            return NULL;
        }
        size_t l = strnlen(paths[i], NS_JSON_MAX_PATH_LEN + 1);
        if (l > NS_JSON_MAX_PATH_LEN) {
            ns_errf(err, "json reader: path %d is longer than %d bytes", i + 1,
                    NS_JSON_MAX_PATH_LEN);
            return NULL;
        }
        total += l + 1;
    }
    if (explode && strnlen(explode, NS_JSON_MAX_PATH_LEN + 1) > NS_JSON_MAX_PATH_LEN) {
        ns_errf(err, "json reader: explode is longer than %d bytes", NS_JSON_MAX_PATH_LEN);
        return NULL;
    }
    ns_json_t *d = calloc(1, sizeof *d);
    if (!d) {
        ns_errf(err, "json reader: out of memory");
        return NULL;
    }
    d->base.next = s_next;
    d->base.bytes = s_bytes;
    d->base.destroy = s_destroy;
    d->o = o;
    d->start = start;
    d->end = end;
    d->npaths = npaths;
    int ir = ns_inbuf_init(&d->in, src, first_byte, NS_INBUF_INITIAL,
                           ns_inbuf_line_limit(o.max_record, NS_INBUF_INITIAL),
                           NS_JSON_SHIM_PADDING, S_WHO, err);
    d->fields = calloc((size_t)(npaths > 0 ? npaths : 1), sizeof *d->fields);
    d->names = malloc(total);
    if (ir < 0 || !d->fields || !d->names) {
        ns_errf(err, "json reader: out of memory");
        goto fail;
    }
    /* names: each path, then explode, NUL-terminated */
    char *w = d->names;
    for (int i = 0; i < npaths; i++) {
        size_t l = strlen(paths[i]);
        memcpy(w, paths[i], l + 1);
        w += l + 1;
    }
    *w = '\0';
    if (explode) {
        memcpy(w, explode, strlen(explode) + 1);
        d->explode = w;
    }
    if (s_build_tree(d, paths, err) < 0)
        goto fail;
    d->shim = ns_json_shim_new(d->nodes, d->nnodes, npaths, d->nelem, o.max_depth, o.max_record);
    if (!d->shim) {
        ns_errf(err, "json reader: out of memory");
        goto fail;
    }
    return &d->base;
fail:
    s_destroy(&d->base);
    return NULL;
}
