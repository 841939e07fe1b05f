/*
 * ns_catalog_crawl: `nightshift catalog crawl`, inferring a table from raw
 * objects nobody has described (docs/CATALOG.md, "Crawl"): list the prefix
 * (counting objects, bytes and key=value partitions), read the first bytes
 * of a few objects through the jobs' codecs, and infer format, encoding,
 * delimiter, quote, preamble, header, column names and types.
 *
 * Workload: one run per raw source when it is set up or changes; prefixes
 * of up to millions of objects (listed once, O(1) memory per object beyond
 * the partitions), three samples of 64 KiB by default.
 *
 * Bounds: a sample is at most NS_CRAWL_MAX_SAMPLE bytes (UTF-16 transcoding
 * at most doubles it); at most S_MAX_RECORDS records and NS_MAX_COLUMNS
 * columns are looked at per sample; the listing keeps at most S_MAX_CANDS
 * sample candidates (thinned evenly), NS_CATALOG_MAX_CRAWL_PARTS partitions,
 * S_MAX_PKEYS partition keys and S_SET_MAX distinct values per key
 * (S_SET_TOTAL over all keys): a few tens of MB at most, whatever the
 * number of objects.
 */
#include "ns_catalog.h"

#include "ns_codec.h"
#include "ns_store.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define S_MAX_RECORDS 2000 /* records looked at per sample */
#define S_MAX_PREAMBLE 20  /* preamble lines at most */
#define S_MAX_CANDS 1024   /* sample candidates kept while listing */
#define S_SET_MAX 65536    /* distinct values counted per partition key */
#define S_SET_TOTAL 262144 /* ... and over all keys together */
#define S_MAX_PKEYS 32     /* partition keys (key=value parts of a path) */
#define S_EX_MAX 48        /* bytes of a mismatch example */

/* ========================================================= type votes */

/* What one column's sampled values could be: counts of the non-empty
 * values that fit each type. */
typedef struct {
    uint64_t n, empty; /* non-empty values, empty or missing ones */
    uint64_t n_bool, n_int, n_dec, n_date, n_ymd, n_ts;
    uint64_t n_grouped, n_money; /* numbers that needed that form */
    int max_scale, max_idigits;  /* of the numbers */
    uint64_t n_obj, n_arr;       /* json */
    char ex[6][S_EX_MAX];        /* first value that did not fit: bool int dec date ymd ts */
} s_acc_t;

enum { X_BOOL, X_INT, X_DEC, X_DATE, X_YMD, X_TS };
/* Which types a value may take: JSON strings are never numbers, JSON
 * numbers never dates. */
enum {
    A_TEXT = 0x3F,
    A_JSTR = (1 << X_DATE) | (1 << X_TS),
    A_JNUM = (1 << X_INT) | (1 << X_DEC),
    A_JBOOL = 1 << X_BOOL
};

static void s_ex(s_acc_t *a, int x, const char *s, size_t n)
{
    if (!a->ex[x][0])
        snprintf(a->ex[x], S_EX_MAX, "%.*s", (int)(n < S_EX_MAX - 1 ? n : S_EX_MAX - 1), s);
}

/* A number as the jobs read it (plain, grouped "12,480" or money
 * "-$1,234.50", "($5)", "USD 12.00"): its form (0 plain, 1 grouped, 2
 * money), digits before the point and after it. -1 if not a number or if
 * it has a leading zero (an identifier: 0457). */
static int s_number(const char *s, size_t n, int *form, int *idigits, int *scale)
{
    size_t i = 0, e = n;
    bool money = false;
    *form = 0;
    if (e - i >= 2 && s[i] == '(' && s[e - 1] == ')') {
        money = true;
        i++;
        e--;
    }
    for (int pass = 0; pass < 2; pass++) {
        if (i < e && (s[i] == '-' || s[i] == '+')) {
            i++;
        } else if (i < e && s[i] == '$') {
            money = true;
            i++;
        } else if (e - i >= 2 && (unsigned char)s[i] == 0xC2 &&
                   ((unsigned char)s[i + 1] == 0xA3 || (unsigned char)s[i + 1] == 0xA5)) {
            money = true; /* £ ¥ */
            i += 2;
        } else if (e - i >= 3 && !memcmp(s + i, "\xE2\x82\xAC", 3)) {
            money = true; /* € */
            i += 3;
        } else if (e - i >= 4 && isupper((unsigned char)s[i]) && isupper((unsigned char)s[i + 1]) &&
                   isupper((unsigned char)s[i + 2]) && s[i + 3] == ' ') {
            money = true; /* USD 12.00 */
            i += 4;
        }
    }
    int id = 0, sc = 0, since = -1; /* since: digits since the last ',' (-1: none yet) */
    bool grouped = false, point = false;
    size_t first = i;
    for (; i < e; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9') {
            if (point)
                sc++;
            else
                id++;
            if (since >= 0 && !point)
                since++;
        } else if (c == ',' && !point) {
            if (id == 0 || (since >= 0 && since != 3) || (since < 0 && id > 3))
                return -1;
            since = 0;
            grouped = true;
        } else if (c == '.' && !point) {
            if (since >= 0 && since != 3)
                return -1;
            point = true;
        } else {
            return -1;
        }
    }
    if (id == 0 || (point && sc == 0) || (since >= 0 && since != 3))
        return -1;
    if (s[first] == '0' && id > 1)
        return -1; /* leading zero: an identifier */
    *form = money ? 2 : grouped ? 1 : 0;
    *idigits = id;
    *scale = sc;
    return 0;
}

static bool s_bool_word(const char *s, size_t n)
{
    static const char *const w[] = {"t", "f", "true", "false", "y", "n", "yes", "no"};
    for (size_t i = 0; i < sizeof w / sizeof *w; i++)
        if (strlen(w[i]) == n && !strncasecmp(s, w[i], n))
            return true;
    return false;
}

/* YYYYMMDD between 1900 and 2099 that is a real date. */
static bool s_ymd(const char *s, size_t n)
{
    if (n != 8)
        return false;
    for (int i = 0; i < 8; i++)
        if (s[i] < '0' || s[i] > '9')
            return false;
    if (!((s[0] == '1' && s[1] == '9') || (s[0] == '2' && s[1] == '0')))
        return false;
    char iso[10] = {s[0], s[1], s[2], s[3], '-', s[4], s[5], '-', s[6], s[7]};
    int64_t d;
    return ns_parse_date(iso, 10, &d, NULL) == 0;
}

static void s_acc_add(s_acc_t *a, const char *s, size_t n, int allow)
{
    if (n == 0) {
        a->empty++;
        return;
    }
    a->n++;
    int64_t x;
    if ((allow & (1 << X_BOOL)) && s_bool_word(s, n))
        a->n_bool++;
    else
        s_ex(a, X_BOOL, s, n);
    int form, id, sc;
    bool num = (allow & (1 << X_DEC)) && !s_number(s, n, &form, &id, &sc) && id + sc <= 18;
    if (num) {
        a->n_dec++;
        if (sc > a->max_scale)
            a->max_scale = sc;
        if (id > a->max_idigits)
            a->max_idigits = id;
        a->n_grouped += form == 1;
        a->n_money += form == 2;
    } else {
        s_ex(a, X_DEC, s, n);
    }
    if (num && sc == 0 && (allow & (1 << X_INT)))
        a->n_int++;
    else
        s_ex(a, X_INT, s, n);
    if ((allow & (1 << X_DATE)) && !ns_parse_date(s, n, &x, NULL))
        a->n_date++;
    else
        s_ex(a, X_DATE, s, n);
    if ((allow & (1 << X_YMD)) && s_ymd(s, n))
        a->n_ymd++;
    else
        s_ex(a, X_YMD, s, n);
    if ((allow & (1 << X_TS)) && !ns_parse_timestamp(s, n, &x, NULL))
        a->n_ts++;
    else
        s_ex(a, X_TS, s, n);
}

static void s_acc_merge(s_acc_t *a, const s_acc_t *b)
{
    a->n += b->n;
    a->empty += b->empty;
    a->n_bool += b->n_bool;
    a->n_int += b->n_int;
    a->n_dec += b->n_dec;
    a->n_date += b->n_date;
    a->n_ymd += b->n_ymd;
    a->n_ts += b->n_ts;
    a->n_grouped += b->n_grouped;
    a->n_money += b->n_money;
    a->n_obj += b->n_obj;
    a->n_arr += b->n_arr;
    if (b->max_scale > a->max_scale)
        a->max_scale = b->max_scale;
    if (b->max_idigits > a->max_idigits)
        a->max_idigits = b->max_idigits;
    for (int i = 0; i < 6; i++)
        if (!a->ex[i][0])
            memcpy(a->ex[i], b->ex[i], S_EX_MAX);
}

/* The type of a column from its votes: the first type that every value
 * fits, in the order bool, yyyymmdd, int, decimal, date, timestamp; else
 * the first that all but 1% fit; else string. */
static void s_acc_type(const s_acc_t *a, ns_catalog_col_t *c)
{
    c->nullable = a->empty > 0;
    c->type.type = NS_T_STRING;
    c->type.scale = 0;
    if (a->n == 0 || a->n_obj || a->n_arr) {
        c->json = a->n_obj && !a->n_arr   ? NS_CJSON_OBJECT
                  : a->n_arr && !a->n_obj ? NS_CJSON_ARRAY
                                          : NS_CJSON_NONE;
        if (a->n_obj && a->n_arr)
            c->json = NS_CJSON_OBJECT;
        return;
    }
    bool dec_fits = a->max_idigits + a->max_scale <= 18;
    const struct {
        int x;
        uint64_t fit;
        bool ok;
    } order[] = {
        {X_BOOL, a->n_bool, true},   {X_YMD, a->n_ymd, true},   {X_INT, a->n_int, true},
        {X_DEC, a->n_dec, dec_fits}, {X_DATE, a->n_date, true}, {X_TS, a->n_ts, true},
    };
    uint64_t tol = a->n / 100;
    for (int pass = 0; pass < 2; pass++) {
        uint64_t need = pass ? a->n - tol : a->n;
        for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
            if (!order[i].ok || order[i].fit == 0 || order[i].fit < need)
                continue;
            switch (order[i].x) {
            case X_BOOL:
                c->type.type = NS_T_BOOL;
                break;
            case X_YMD:
                c->type.type = NS_T_DATE;
                c->yyyymmdd = true;
                break;
            case X_INT:
                c->type.type = NS_T_INT;
                break;
            case X_DEC:
                c->type.type = NS_T_DECIMAL;
                c->type.scale = a->max_scale;
                break;
            case X_DATE:
                c->type.type = NS_T_DATE;
                break;
            case X_TS:
                c->type.type = NS_T_TIMESTAMP;
                break;
            }
            if (order[i].x == X_INT || order[i].x == X_DEC)
                c->number = a->n_money     ? NS_NUM_MONEY
                            : a->n_grouped ? NS_NUM_GROUPED
                                           : NS_NUM_PLAIN;
            c->mismatches = a->n - order[i].fit;
            if (c->mismatches && a->ex[order[i].x][0])
                c->mismatch_example = strdup(a->ex[order[i].x]);
            return;
        }
    }
}

/* ======================================================= decoding */

typedef struct {
    char *text; /* UTF-8 text (owned) */
    size_t len;
    char encoding[8];   /* utf-8, utf-16 */
    char byte_order[4]; /* le, be or "" */
    bool bom;
} s_text_t;

static int s_decode(const char *d, size_t n, s_text_t *out, ns_err_t *err)
{
    memset(out, 0, sizeof *out);
    snprintf(out->encoding, sizeof out->encoding, "utf-8");
    const unsigned char *u = (const unsigned char *)d;
    int order = 0; /* 1 le, 2 be */
    if (n >= 3 && u[0] == 0xEF && u[1] == 0xBB && u[2] == 0xBF) {
        out->bom = true;
        d += 3;
        n -= 3;
    } else if (n >= 2 && u[0] == 0xFF && u[1] == 0xFE) {
        out->bom = true;
        order = 1;
    } else if (n >= 2 && u[0] == 0xFE && u[1] == 0xFF) {
        out->bom = true;
        order = 2;
    } else if (n >= 8) {
        size_t pairs = n / 2 < 512 ? n / 2 : 512, z_odd = 0, z_even = 0;
        for (size_t i = 0; i < pairs; i++) {
            z_even += u[2 * i] == 0;
            z_odd += u[2 * i + 1] == 0;
        }
        if (z_odd * 10 >= pairs * 3 && z_even * 20 < pairs)
            order = 1;
        else if (z_even * 10 >= pairs * 3 && z_odd * 20 < pairs)
            order = 2;
    }
    if (!order) {
        out->text = malloc(n + 1);
        if (!out->text)
            return ns_errf(err, "out of memory");
        memcpy(out->text, d, n);
        out->text[n] = '\0';
        out->len = n;
        return 0;
    }
    snprintf(out->encoding, sizeof out->encoding, "utf-16");
    snprintf(out->byte_order, sizeof out->byte_order, "%s", order == 1 ? "le" : "be");
    size_t i = out->bom ? 2 : 0;
    out->text = malloc(n / 2 * 3 + 4);
    if (!out->text)
        return ns_errf(err, "out of memory");
    char *o = out->text;
    while (i + 1 < n) {
        unsigned cu = order == 1 ? u[i] | (unsigned)u[i + 1] << 8 : (unsigned)u[i] << 8 | u[i + 1];
        i += 2;
        if (cu >= 0xD800 && cu < 0xDC00 && i + 1 < n) {
            unsigned lo =
                order == 1 ? u[i] | (unsigned)u[i + 1] << 8 : (unsigned)u[i] << 8 | u[i + 1];
            if (lo >= 0xDC00 && lo < 0xE000) {
                i += 2;
                unsigned cp = 0x10000 + ((cu - 0xD800) << 10) + (lo - 0xDC00);
                *o++ = (char)(0xF0 | (cp >> 18));
                *o++ = (char)(0x80 | ((cp >> 12) & 0x3F));
                *o++ = (char)(0x80 | ((cp >> 6) & 0x3F));
                *o++ = (char)(0x80 | (cp & 0x3F));
                continue;
            }
        }
        if (cu >= 0xD800 && cu < 0xE000)
            cu = 0xFFFD;
        if (cu < 0x80) {
            *o++ = (char)cu;
        } else if (cu < 0x800) {
            *o++ = (char)(0xC0 | (cu >> 6));
            *o++ = (char)(0x80 | (cu & 0x3F));
        } else {
            *o++ = (char)(0xE0 | (cu >> 12));
            *o++ = (char)(0x80 | ((cu >> 6) & 0x3F));
            *o++ = (char)(0x80 | (cu & 0x3F));
        }
    }
    *o = '\0';
    out->len = (size_t)(o - out->text);
    return 0;
}

/* ==================================================== delimited records */

typedef struct {
    ns_buf_t pool;  /* field texts, unquoted, each NUL-terminated */
    uint32_t *fofs; /* field i: offset into pool */
    uint32_t *flen; /* field i: length */
    int nf, capf;
    int *rfirst, *rn; /* record r: first field index, field count (> NS_MAX_COLUMNS: too wide) */
    int nrec;
    bool quoted;     /* some field was quoted */
    bool all;        /* every byte of the text is in the records */
    bool crlf_major; /* most line ends are CR LF */
} s_recs_t;

static void s_recs_free(s_recs_t *r)
{
    ns_buf_free(&r->pool);
    free(r->fofs);
    free(r->flen);
    free(r->rfirst);
    free(r->rn);
    memset(r, 0, sizeof *r);
}

static int s_add_field(s_recs_t *r, const ns_buf_t *f)
{
    if (r->nf == r->capf) {
        int nc = r->capf ? r->capf * 2 : 1024;
        uint32_t *a = realloc(r->fofs, (size_t)nc * sizeof *a);
        if (!a)
            return -1;
        r->fofs = a;
        uint32_t *b = realloc(r->flen, (size_t)nc * sizeof *b);
        if (!b)
            return -1;
        r->flen = b;
        r->capf = nc;
    }
    r->fofs[r->nf] = (uint32_t)r->pool.len;
    r->flen[r->nf] = (uint32_t)f->len;
    if (ns_buf_append(&r->pool, f->data ? f->data : "", f->len) || ns_buf_append(&r->pool, "", 1))
        return -1;
    r->nf++;
    return 0;
}

static const char *s_field(const s_recs_t *r, int rec, int i, size_t *n)
{
    int f = r->rfirst[rec] + i;
    *n = r->flen[f];
    return r->pool.data + r->fofs[f];
}

/* Splits text into records of fields at delim, with RFC 4180 quoting when
 * quote >= 0 (a quote is special at the start of a field; quoted fields may
 * hold delimiters, doubled quotes and line ends). The last record is
 * dropped when the text was cut (!complete) and it is not known to be
 * whole. */
static int s_split(const char *t, size_t n, int delim, int quote, bool complete, s_recs_t *r)
{
    memset(r, 0, sizeof *r);
    ns_buf_init(&r->pool, 2 * n + 64 + (size_t)S_MAX_RECORDS * 2 * NS_MAX_COLUMNS);
    ns_buf_t f;
    ns_buf_init(&f, n + 1);
    int *rf = malloc(S_MAX_RECORDS * sizeof *rf), *rn = malloc(S_MAX_RECORDS * sizeof *rn);
    if (!rf || !rn) {
        free(rf);
        free(rn);
        ns_buf_free(&f);
        return -1;
    }
    r->rfirst = rf;
    r->rn = rn;
    size_t p = 0, crlf = 0, lf = 0;
    while (p < n && r->nrec < S_MAX_RECORDS) {
        int first = r->nf, count = 0;
        bool eol = false, open = false;
        while (!eol) {
            ns_buf_reset(&f);
            if (quote >= 0 && p < n && t[p] == quote) {
                r->quoted = true;
                p++;
                open = true;
                while (p < n) {
                    if (t[p] == quote) {
                        if (p + 1 < n && t[p + 1] == quote) {
                            ns_buf_append(&f, t + p, 1);
                            p += 2;
                            continue;
                        }
                        p++;
                        open = false;
                        break;
                    }
                    ns_buf_append(&f, t + p, 1);
                    p++;
                }
            }
            size_t s = p;
            while (p < n && t[p] != delim && t[p] != '\n')
                p++;
            size_t e = p;
            if (p < n && t[p] == '\n') {
                if (e > s && t[e - 1] == '\r') {
                    e--;
                    crlf++;
                } else if (e == s && f.len && p > 0 && t[p - 1] == '\r') {
                    crlf++;
                } else {
                    lf++;
                }
            }
            if (e > s && ns_buf_append(&f, t + s, e - s))
                goto oom;
            if (count < NS_MAX_COLUMNS && s_add_field(r, &f))
                goto oom;
            count++;
            if (p >= n) {
                eol = true;
                if (!complete)
                    open = true; /* cut: the record may go on */
            } else if (t[p] == '\n') {
                p++;
                eol = true;
            } else {
                p++; /* delimiter */
                if (p >= n && !complete)
                    open = true;
            }
        }
        if (open) {
            r->nf = first;
            break;
        }
        /* a blank line is no record */
        if (count == 1 && r->flen[first] == 0) {
            r->nf = first;
            continue;
        }
        r->rfirst[r->nrec] = first;
        r->rn[r->nrec] = count;
        r->nrec++;
    }
    r->crlf_major = crlf > lf;
    r->all = p >= n;
    ns_buf_free(&f);
    return 0;
oom:
    ns_buf_free(&f);
    return -1;
}

typedef struct {
    int delim, quote;
    int cols;           /* the table's number of fields */
    int skip;           /* preamble records */
    double consistency; /* records after the preamble with cols fields, fraction */
} s_cand_t;

static void s_score(const s_recs_t *r, int delim, int quote, s_cand_t *c)
{
    memset(c, 0, sizeof *c);
    c->delim = delim;
    c->quote = quote;
    if (r->nrec == 0)
        return;
    /* mode of the field counts (ties: more fields) */
    int best = 0, bestn = 0;
    for (int i = 0; i < r->nrec; i++) {
        int k = r->rn[i], cnt = 0;
        if (k == best)
            continue;
        for (int j = 0; j < r->nrec; j++)
            cnt += r->rn[j] == k;
        if (cnt > bestn || (cnt == bestn && k > best)) {
            best = k;
            bestn = cnt;
        }
        if (bestn * 2 > r->nrec)
            break;
    }
    c->cols = best;
    int skip = 0;
    while (skip < r->nrec && skip < S_MAX_PREAMBLE && r->rn[skip] != best)
        skip++;
    c->skip = skip;
    int good = 0;
    for (int i = skip; i < r->nrec; i++)
        good += r->rn[i] == best;
    c->consistency = r->nrec > skip ? (double)good / (r->nrec - skip) : 0;
}

/* ======================================================= one sample */

typedef struct {
    char format[16];
    ns_catalog_storage_t st; /* layout (format inside too) */
    int ncols;
    char names[NS_MAX_COLUMNS][NS_CATALOG_COL_MAX];
    char *source[NS_MAX_COLUMNS]; /* header texts (owned), NULL when equal to the name */
    s_acc_t acc[NS_MAX_COLUMNS];
    uint64_t records, bad;
    uint64_t present[NS_MAX_COLUMNS]; /* json: records that have the key */
} s_sample_t;

static void s_sample_free(s_sample_t *s)
{
    for (int i = 0; i < s->ncols; i++)
        free(s->source[i]);
}

/* Unique safe names from header texts. */
static int s_set_name(s_sample_t *s, int i, const char *text, size_t n)
{
    char base[NS_CATALOG_COL_MAX];
    ns_catalog_safe_name(text, n, base);
    snprintf(s->names[i], sizeof s->names[i], "%s", base);
    for (int k = 2;; k++) {
        bool dup = false;
        for (int j = 0; j < i && !dup; j++)
            dup = !strcmp(s->names[j], s->names[i]);
        if (!dup)
            break;
        char suf[16];
        int sl = snprintf(suf, sizeof suf, "_%d", k);
        snprintf(s->names[i], sizeof s->names[i], "%.*s%s", (int)(NS_CATALOG_COL_MAX - 1 - sl),
                 base, suf);
    }
    s->source[i] = NULL;
    if (n != strlen(s->names[i]) || memcmp(text, s->names[i], n)) {
        size_t cut = n < 256 ? n : 256;
        if (!(s->source[i] = strndup(text, cut)))
            return -1;
    }
    return 0;
}

static bool s_is_blank(char c)
{
    return c == ' ' || c == '\t';
}

/* Whether a header cell looks like a column name rather than data. */
static bool s_namey(const char *s, size_t n)
{
    if (n == 0 || n > 128)
        return false;
    int form, id, sc;
    if (!s_number(s, n, &form, &id, &sc))
        return false;
    int64_t x;
    if (!ns_parse_date(s, n, &x, NULL) || !ns_parse_timestamp(s, n, &x, NULL) || s_ymd(s, n))
        return false;
    return isalpha((unsigned char)s[0]) || s[0] == '_' || (unsigned char)s[0] >= 0x80 ||
           s[0] == '#';
}

static void s_value(const char *s, size_t n, bool trim, const char **v, size_t *vn)
{
    if (trim) {
        while (n && s_is_blank(*s)) {
            s++;
            n--;
        }
        while (n && s_is_blank(s[n - 1]))
            n--;
    }
    *v = s;
    *vn = n;
}

static bool s_footer(const char *s, size_t n)
{
    while (n && s_is_blank(*s)) {
        s++;
        n--;
    }
    return (n >= 5 && !strncasecmp(s, "total", 5)) ||
           (n >= 11 && !strncasecmp(s, "grand total", 11));
}

static int s_delimited(s_sample_t *out, const s_text_t *tx, bool complete, const char *name,
                       ns_catalog_table_t *t)
{
    static const int delims[] = {',', '\t', '|', ';'};
    s_cand_t best = {0};
    best.delim = -1;
    for (size_t d = 0; d < sizeof delims / sizeof *delims; d++) {
        s_cand_t cq, cn;
        s_recs_t rq, rn;
        if (s_split(tx->text, tx->len, delims[d], '"', complete, &rq))
            return -1;
        bool quoted = rq.quoted;
        s_score(&rq, delims[d], '"', &cq);
        s_recs_free(&rq);
        if (s_split(tx->text, tx->len, delims[d], -1, complete, &rn))
            return -1;
        s_score(&rn, delims[d], -1, &cn);
        s_recs_free(&rn);
        s_cand_t *c = quoted && cq.consistency >= cn.consistency ? &cq : &cn;
        if (c->cols < 2)
            continue;
        /* a real delimiter splits (nearly) every record the same way, and
         * into more fields than a stray one in the text (a comma in a
         * store name) does: among the consistent ones, most fields wins */
        bool ok = c->consistency >= 0.9, best_ok = best.consistency >= 0.9;
        if (best.delim < 0 || (ok && !best_ok) || (ok == best_ok && ok && c->cols > best.cols) ||
            (ok == best_ok && !ok && c->consistency > best.consistency + 1e-9))
            best = *c;
    }
    if (best.delim < 0 || best.consistency < 0.5)
        return 1;
    s_recs_t r;
    if (s_split(tx->text, tx->len, best.delim, best.quote, complete, &r))
        return -1;
    int rc = -1;
    int m = best.cols, k = best.skip;
    ns_catalog_storage_t *st = &out->st;
    snprintf(out->format, sizeof out->format, "delimited");
    st->delimiter = best.delim;
    st->quote = best.quote;
    st->escape = -1;
    st->skip_lines = k;
    st->crlf = r.crlf_major;
    if (m > NS_MAX_COLUMNS) {
        ns_catalog_warn(t, "'%s': more than %d columns; only the first %d are described", name,
                        NS_MAX_COLUMNS, NS_MAX_COLUMNS);
        m = NS_MAX_COLUMNS;
    }
    out->ncols = m;
    /* the usable records: after the preamble, with m fields, no footer */
    int end = r.nrec;
    if (complete && r.all && end - k > 2 && r.rn[end - 1] == best.cols) {
        size_t n;
        const char *f0 = s_field(&r, end - 1, 0, &n);
        size_t n1;
        const char *f1 = s_field(&r, end - 2, 0, &n1);
        if (s_footer(f0, n) && !s_footer(f1, n1)) {
            st->footer_lines = 1;
            end--;
        }
    }
    /* padded fields: trim */
    uint64_t padded[NS_MAX_COLUMNS] = {0}, filled[NS_MAX_COLUMNS] = {0};
    for (int i = k; i < end; i++) {
        if (r.rn[i] != best.cols)
            continue;
        for (int c = 0; c < m; c++) {
            size_t n;
            const char *f = s_field(&r, i, c, &n);
            if (!n)
                continue;
            filled[c]++;
            padded[c] += s_is_blank(f[0]) || s_is_blank(f[n - 1]);
        }
    }
    for (int c = 0; c < m; c++)
        if (filled[c] >= 2 && padded[c] * 2 >= filled[c])
            st->trim = true;
    /* votes of the rows after the header candidate */
    for (int i = k + 1; i < end; i++) {
        if (r.rn[i] != best.cols) {
            out->bad++;
            continue;
        }
        out->records++;
        for (int c = 0; c < m; c++) {
            size_t n, vn;
            const char *v, *f = s_field(&r, i, c, &n);
            s_value(f, n, st->trim, &v, &vn);
            s_acc_add(&out->acc[c], v, vn, A_TEXT);
        }
    }
    /* header? */
    bool header = false;
    if (k < end) {
        int fit = 0, fail = 0;
        bool namey = true, distinct = true, unseen = true;
        for (int c = 0; c < m; c++) {
            size_t n, vn;
            const char *v, *f = s_field(&r, k, c, &n);
            s_value(f, n, true, &v, &vn);
            namey &= s_namey(v, vn);
            for (int c2 = 0; c2 < c && distinct; c2++) {
                size_t n2, vn2;
                const char *v2, *f2 = s_field(&r, k, c2, &n2);
                s_value(f2, n2, true, &v2, &vn2);
                distinct = vn2 != vn || memcmp(v, v2, vn);
            }
            for (int i = k + 1; i < end && unseen; i++) {
                if (r.rn[i] != best.cols)
                    continue;
                size_t dn, dvn;
                const char *dv, *df = s_field(&r, i, c, &dn);
                s_value(df, dn, true, &dv, &dvn);
                unseen = !(dvn == vn && !memcmp(dv, v, vn));
            }
            ns_catalog_col_t col = {0};
            s_acc_type(&out->acc[c], &col);
            free(col.mismatch_example);
            if (col.type.type == NS_T_STRING)
                continue;
            s_acc_t one = {0};
            const char *tv;
            size_t tvn;
            s_value(f, n, st->trim, &tv, &tvn);
            if (tvn == 0)
                continue; /* an empty cell says nothing */
            s_acc_add(&one, tv, tvn, A_TEXT);
            ns_catalog_col_t hc = {0};
            s_acc_type(&one, &hc);
            free(hc.mismatch_example);
            bool fits = hc.type.type == col.type.type ||
                        (col.type.type == NS_T_DECIMAL && hc.type.type == NS_T_INT) ||
                        (col.type.type == NS_T_INT && hc.type.type == NS_T_DATE && hc.yyyymmdd);
            if (fits)
                fit++;
            else
                fail++;
        }
        if (fit + fail > 0)
            header = namey && fail > fit;
        else
            header = namey && distinct && unseen && end - k >= 2;
    }
    st->header = header;
    for (int c = 0; c < m; c++) {
        if (header) {
            size_t n, vn;
            const char *v, *f = s_field(&r, k, c, &n);
            s_value(f, n, true, &v, &vn);
            if (s_set_name(out, c, v, vn))
                goto out;
        } else {
            snprintf(out->names[c], sizeof out->names[c], "col_%d", c + 1);
        }
    }
    if (!header && k < end) {
        out->records++;
        for (int c = 0; c < m; c++) {
            size_t n, vn;
            const char *v, *f = s_field(&r, k, c, &n);
            s_value(f, n, st->trim, &v, &vn);
            s_acc_add(&out->acc[c], v, vn, A_TEXT);
        }
    }
    rc = 0;
out:
    s_recs_free(&r);
    return rc;
}

/* ============================================================ JSON */

static int s_json_col(s_sample_t *s, const char *key, ns_catalog_table_t *t, const char *name)
{
    char safe[NS_CATALOG_COL_MAX];
    ns_catalog_safe_name(key, strlen(key), safe);
    for (int i = 0; i < s->ncols; i++)
        if ((s->source[i] && !strcmp(s->source[i], key)) ||
            (!s->source[i] && !strcmp(s->names[i], key)))
            return i;
    if (s->ncols >= NS_MAX_COLUMNS) {
        ns_catalog_warn(t, "'%s': more than %d keys; the others are not described", name,
                        NS_MAX_COLUMNS);
        return -1;
    }
    int i = s->ncols;
    if (s_set_name(s, i, key, strlen(key)))
        return -2;
    s->ncols++;
    return i;
}

static int s_json(s_sample_t *out, const s_text_t *tx, bool complete, const char *name,
                  ns_catalog_table_t *t)
{
    const char *p = tx->text, *end = tx->text + tx->len;
    snprintf(out->format, sizeof out->format, "json");
    uint64_t records = 0;
    bool prev = false;
    while (p < end && records + out->bad < S_MAX_RECORDS) {
        bool newline = false;
        while (p < end && (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n')) {
            newline |= *p == '\n';
            p++;
        }
        if (p >= end)
            break;
        size_t used;
        ns_err_t e;
        ns_cj_doc_t *d = ns_cj_parse(p, (size_t)(end - p), &used, &e);
        if (!d) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            if (!complete && !nl)
                break; /* the cut last record */
            if (records == 0 && out->bad == 0 && !nl)
                return 1;
            out->bad++;
            if (!nl)
                break;
            p = nl + 1;
            prev = false;
            continue;
        }
        if (prev && !newline)
            out->st.concatenated = true;
        prev = true;
        p += used;
        const ns_cj_t *r = ns_cj_root(d);
        if (r->type != NS_CJ_OBJ) {
            out->bad++;
            ns_cj_free(&d);
            continue;
        }
        records++;
        for (const ns_cj_t *k = r->kid; k; k = k->next) {
            int c = s_json_col(out, k->key, t, name);
            if (c == -2) {
                ns_cj_free(&d);
                return -1;
            }
            if (c < 0)
                continue;
            s_acc_t *a = &out->acc[c];
            out->present[c]++;
            switch (k->type) {
            case NS_CJ_NULL:
                a->empty++;
                break;
            case NS_CJ_BOOL:
                s_acc_add(a, k->b ? "true" : "false", k->b ? 4 : 5, A_JBOOL);
                break;
            case NS_CJ_NUM:
                s_acc_add(a, k->s, k->len, A_JNUM);
                break;
            case NS_CJ_STR:
                if (k->len == 0)
                    a->n++; /* an empty string is a value, and no number or date */
                else
                    s_acc_add(a, k->s, k->len, A_JSTR);
                break;
            case NS_CJ_OBJ:
                a->n++;
                a->n_obj++;
                break;
            case NS_CJ_ARR:
                a->n++;
                a->n_arr++;
                break;
            }
        }
        ns_cj_free(&d);
    }
    if (records == 0)
        return 1;
    out->records = records;
    for (int c = 0; c < out->ncols; c++)
        out->acc[c].empty += records - out->present[c];
    return 0;
}

/* ============================================================= EDI */

static int s_edi(s_sample_t *out, const s_text_t *tx, const ns_crawl_opts_t *o)
{
    const char *s = tx->text;
    size_t n = tx->len;
    while (n && (*s == ' ' || *s == '\r' || *s == '\n' || *s == '\t')) {
        s++;
        n--;
    }
    if (n < 106 || memcmp(s, "ISA", 3) || isalnum((unsigned char)s[3]) || s[3] == ' ')
        return 1;
    char el = s[3], comp = s[104], term = s[105];
    /* the ISA has 16 elements: exactly 16 separators before the terminator */
    int seps = 0;
    for (int i = 3; i < 105; i++)
        seps += s[i] == el;
    if (seps != 16)
        return 1;
    ns_catalog_storage_t *st = &out->st;
    snprintf(out->format, sizeof out->format, "edi");
    st->edi_element = el;
    st->edi_component = comp;
    st->edi_terminator = term;
    /* ISA12: the element after the 12th separator */
    int k = 0;
    for (int i = 3; i < 105; i++)
        if (s[i] == el && ++k == 12) {
            int j = i + 1;
            size_t l = 0;
            while (j < 105 && s[j] != el && l + 1 < sizeof st->edi_version)
                st->edi_version[l++] = s[j++];
            st->edi_version[l] = '\0';
            break;
        }
    /* transaction sets: ST*<id> */
    size_t p = 0;
    while (p < n) {
        const char *seg = s + p;
        const char *e = memchr(seg, term, n - p);
        size_t len = e ? (size_t)(e - seg) : n - p;
        while (len && (*seg == '\r' || *seg == '\n')) {
            seg++;
            len--;
        }
        if (len > 3 && seg[0] == 'S' && seg[1] == 'T' && seg[2] == el) {
            out->records++;
            size_t il = 0;
            while (3 + il < len && seg[3 + il] != el && il < 8)
                il++;
            char id[12];
            snprintf(id, sizeof id, "%.*s", (int)il, seg + 3);
            bool seen = false;
            for (const char *q = st->edi_sets; *q && !seen;) {
                size_t ql = strcspn(q, ",");
                seen = ql == il && !memcmp(q, id, il);
                q += ql + (q[ql] == ',');
            }
            size_t used = strlen(st->edi_sets);
            if (!seen && used + il + 2 < sizeof st->edi_sets)
                snprintf(st->edi_sets + used, sizeof st->edi_sets - used, "%s%s", used ? "," : "",
                         id);
        }
        if (!e)
            break;
        p = (size_t)(e - s) + 1;
    }
    for (int i = 0; o && o->edi_fields && i < o->nedi_fields && i < NS_MAX_COLUMNS; i++) {
        snprintf(out->names[i], sizeof out->names[i], "%s", o->edi_fields[i]);
        out->ncols++;
    }
    return 0;
}

/* ===================================================== all samples */

static int s_analyze(s_sample_t *s, const ns_crawl_opts_t *o, const ns_crawl_sample_t *in,
                     ns_catalog_table_t *t, ns_err_t *err)
{
    s_text_t tx;
    if (s_decode(in->data, in->len, &tx, err))
        return ns_err_prefix(err, "cannot sample '%s'", in->name);
    ns_catalog_storage_t *st = &s->st;
    st->delimiter = st->quote = st->escape = -1;
    snprintf(st->encoding, sizeof st->encoding, "%s", tx.encoding);
    snprintf(st->byte_order, sizeof st->byte_order, "%s", tx.byte_order);
    st->bom = tx.bom;
    snprintf(s->format, sizeof s->format, "unknown");
    int rc = 1;
    if (memchr(tx.text, '\0', tx.len)) {
        ns_catalog_warn(t, "'%s' holds NUL bytes: not text", in->name);
    } else {
        const char *p = tx.text;
        while (p < tx.text + tx.len && isspace((unsigned char)*p))
            p++;
        if (p < tx.text + tx.len && *p == 'I')
            rc = s_edi(s, &tx, o);
        else if (p < tx.text + tx.len && *p == '{')
            rc = s_json(s, &tx, in->complete, in->name, t);
        if (rc == 1) {
            s->ncols = 0;
            s->records = s->bad = 0;
            memset(s->acc, 0, sizeof s->acc);
            rc = s_delimited(s, &tx, in->complete, in->name, t);
        }
        if (rc == 1) {
            snprintf(s->format, sizeof s->format, "unknown");
            ns_catalog_warn(t,
                            "'%s': no complete record in %zu bytes that is JSON, EDI, or "
                            "split consistently by , | tab or ;",
                            in->name, in->len);
        }
    }
    snprintf(st->format, sizeof st->format, "%s", s->format);
    free(tx.text);
    if (rc < 0)
        return ns_errf(err, "cannot sample '%s': out of memory", in->name);
    return rc;
}

int ns_catalog_infer(ns_catalog_table_t *t, const ns_crawl_opts_t *o, const ns_crawl_sample_t *in,
                     int n, ns_err_t *err)
{
    s_sample_t *first = calloc(1, sizeof *first), *s = calloc(1, sizeof *s);
    int rc = -1;
    if (!first || !s) {
        ns_errf(err, "out of memory");
        goto out;
    }
    bool have = false;
    for (int i = 0; i < n; i++) {
        s_sample_t *cur = have ? s : first;
        s_sample_free(cur);
        memset(cur, 0, sizeof *cur);
        int a = s_analyze(cur, o, &in[i], t, err);
        if (a < 0)
            goto out;
        if (a > 0)
            continue;
        if (!have) {
            have = true;
            continue;
        }
        const ns_catalog_storage_t *f = &first->st, *c = &cur->st;
        if (strcmp(first->format, cur->format)) {
            ns_catalog_warn(t, "'%s' looks like %s, the first sampled object like %s: not used",
                            in[i].name, cur->format, first->format);
            continue;
        }
        if (strcmp(first->format, "json") &&
            (cur->ncols != first->ncols || f->delimiter != c->delimiter)) {
            ns_catalog_warn(t, "'%s' has %d columns%s, the first sampled object %d: not used",
                            in[i].name, cur->ncols,
                            f->delimiter != c->delimiter ? " and another delimiter" : "",
                            first->ncols);
            continue;
        }
        if (!strcmp(first->format, "json")) {
            /* keys are matched by name; new keys are added */
            for (int k = 0; k < cur->ncols; k++) {
                const char *key = cur->source[k] ? cur->source[k] : cur->names[k];
                int fc = s_json_col(first, key, t, in[i].name);
                if (fc == -2) {
                    ns_errf(err, "out of memory");
                    goto out;
                }
                if (fc >= 0)
                    s_acc_merge(&first->acc[fc], &cur->acc[k]);
            }
        } else {
            if (f->header != c->header || f->skip_lines != c->skip_lines)
                ns_catalog_warn(t,
                                "'%s' has %s header and %d preamble lines, the first sampled "
                                "object %s and %d",
                                in[i].name, c->header ? "a" : "no", c->skip_lines,
                                f->header ? "a header" : "none", f->skip_lines);
            for (int k = 0; k < cur->ncols; k++)
                s_acc_merge(&first->acc[k], &cur->acc[k]);
        }
        first->st.trim |= c->trim;
        first->st.concatenated |= c->concatenated;
        first->records += cur->records;
        first->bad += cur->bad;
    }
    memset(&t->storage, 0, sizeof t->storage);
    t->storage.delimiter = t->storage.quote = t->storage.escape = -1;
    snprintf(t->storage.format, sizeof t->storage.format, "unknown");
    snprintf(t->storage.encoding, sizeof t->storage.encoding, "utf-8");
    snprintf(t->storage.compression, sizeof t->storage.compression, "none");
    if (!have) {
        rc = 0;
        goto out;
    }
    t->storage = first->st;
    if (!t->storage.compression[0])
        snprintf(t->storage.compression, sizeof t->storage.compression, "none");
    t->crawl.records += first->records;
    t->crawl.bad_records += first->bad;
    t->cols = calloc((size_t)(first->ncols ? first->ncols : 1), sizeof *t->cols);
    if (!t->cols) {
        ns_errf(err, "out of memory");
        goto out;
    }
    for (int c = 0; c < first->ncols; c++) {
        ns_catalog_col_t *col = &t->cols[c];
        snprintf(col->name, sizeof col->name, "%s", first->names[c]);
        col->source_name = first->source[c];
        first->source[c] = NULL;
        if (!strcmp(first->format, "edi"))
            col->type.type = NS_T_STRING;
        else
            s_acc_type(&first->acc[c], col);
        t->ncols++;
        if (col->mismatches)
            ns_catalog_warn(t, "column '%s': %llu of %llu sampled values are not %s (e.g. '%s')",
                            col->name, (unsigned long long)col->mismatches,
                            (unsigned long long)first->acc[c].n, ns_type_name(col->type.type),
                            col->mismatch_example ? col->mismatch_example : "");
    }
    rc = 0;
out:
    if (first) {
        s_sample_free(first);
        free(first);
    }
    if (s) {
        s_sample_free(s);
        free(s);
    }
    return rc;
}

/* ============================================================ listing */

typedef struct {
    char **v; /* open addressing, S_SET_MAX * 2 slots at most */
    size_t cap, n;
    bool full;
} s_set_t;

static uint64_t s_hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return h;
}

/* Adds s; 1 if new, 0 if seen (or the set is full), -1 out of memory.
 * *total counts the entries of all sets (at most S_SET_TOTAL). */
static int s_set_add(s_set_t *set, const char *s, size_t *total)
{
    if (set->n * 2 >= set->cap) {
        if (set->n >= S_SET_MAX || *total >= S_SET_TOTAL) {
            set->full = true;
            return 0;
        }
        size_t nc = set->cap ? set->cap * 2 : 64;
        char **nv = calloc(nc, sizeof *nv);
        if (!nv)
            return -1;
        for (size_t i = 0; i < set->cap; i++)
            if (set->v[i]) {
                size_t h = s_hash(set->v[i]) & (nc - 1);
                while (nv[h])
                    h = (h + 1) & (nc - 1);
                nv[h] = set->v[i];
            }
        free(set->v);
        set->v = nv;
        set->cap = nc;
    }
    size_t h = s_hash(s) & (set->cap - 1);
    while (set->v[h]) {
        if (!strcmp(set->v[h], s))
            return 0;
        h = (h + 1) & (set->cap - 1);
    }
    if (set->n >= S_SET_MAX || *total >= S_SET_TOTAL) {
        set->full = true;
        return 0;
    }
    if (!(set->v[h] = strdup(s)))
        return -1;
    set->n++;
    (*total)++;
    return 1;
}

static void s_set_free(s_set_t *set)
{
    for (size_t i = 0; i < set->cap; i++)
        free(set->v[i]);
    free(set->v);
    memset(set, 0, sizeof *set);
}

typedef struct {
    ns_catalog_table_t *t;
    const char *prefix;
    size_t plen;
    s_set_t sets[S_MAX_PKEYS]; /* distinct values per partition key */
    size_t set_total;          /* entries of all sets */
    bool kdate[S_MAX_PKEYS], kint[S_MAX_PKEYS];
    char **cand; /* sample candidates: every stride-th object */
    uint64_t *cand_size;
    int ncand;
    uint64_t stride, seen; /* candidates are objects seen % stride == 0 */
    char *last;            /* the last non-empty object */
    uint64_t last_size;
    uint64_t codec[3]; /* objects by codec */
    int max_parts;     /* partitions listed at most */
    int oom;
} s_list_t;

static int s_part_of(s_list_t *l, const char *rel, ns_catalog_part_t *p, size_t *loclen)
{
    /* key=value directory parts of rel */
    const char *q = rel;
    *loclen = 0;
    for (;;) {
        const char *e = strchr(q, '/');
        if (!e)
            break;
        const char *eq = memchr(q, '=', (size_t)(e - q));
        if (eq && eq > q && (size_t)(eq - q) < NS_CATALOG_COL_MAX && p->nvalues < S_MAX_PKEYS) {
            char **nk = realloc(p->keys, (size_t)(p->nvalues + 1) * sizeof *nk);
            if (!nk)
                return -1;
            p->keys = nk;
            char **nv = realloc(p->values, (size_t)(p->nvalues + 1) * sizeof *nv);
            if (!nv)
                return -1;
            p->values = nv;
            char key[NS_CATALOG_COL_MAX];
            ns_catalog_safe_name(q, (size_t)(eq - q), key);
            nk[p->nvalues] = strdup(key);
            nv[p->nvalues] = strndup(eq + 1, (size_t)(e - eq - 1));
            p->nvalues++;
            if (!nk[p->nvalues - 1] || !nv[p->nvalues - 1])
                return -1;
            *loclen = (size_t)(e - rel) + 1;
        }
        q = e + 1;
    }
    return 0;
}

static void s_free_part_kv(ns_catalog_part_t *p)
{
    for (int i = 0; i < p->nvalues; i++) {
        free(p->keys[i]);
        free(p->values[i]);
    }
    free(p->keys);
    free(p->values);
    free(p->location);
    memset(p, 0, sizeof *p);
}

static bool s_hidden(const char *rel)
{
    for (const char *q = rel; *q;) {
        if (*q == '_' || *q == '.')
            return true;
        const char *e = strchr(q, '/');
        if (!e)
            break;
        q = e + 1;
    }
    return false;
}

static int s_add_key(s_list_t *l, const char *key)
{
    ns_catalog_table_t *t = l->t;
    for (int i = 0; i < t->npkeys; i++)
        if (!strcmp(t->pkeys[i].name, key))
            return i;
    if (t->npkeys >= S_MAX_PKEYS)
        return -1;
    ns_catalog_pkey_t *nk = realloc(t->pkeys, (size_t)(t->npkeys + 1) * sizeof *nk);
    if (!nk)
        return -2;
    t->pkeys = nk;
    memset(&nk[t->npkeys], 0, sizeof *nk);
    snprintf(nk[t->npkeys].name, sizeof nk[t->npkeys].name, "%s", key);
    l->kdate[t->npkeys] = l->kint[t->npkeys] = true;
    return t->npkeys++;
}

static int s_list_fn(const ns_object_t *o, void *arg)
{
    s_list_t *l = arg;
    ns_catalog_table_t *t = l->t;
    ns_catalog_crawlinfo_t *c = &t->crawl;
    const char *rel = o->uri + l->plen;
    if (strncmp(o->uri, l->prefix, l->plen))
        return 0;
    while (*rel == '/')
        rel++;
    if (s_hidden(rel)) {
        c->skipped++;
        return 0;
    }
    c->objects++;
    c->bytes += o->size;
    l->codec[ns_codec_from_name(o->uri)]++;
    if (o->size == 0)
        c->empty++;
    /* partition */
    ns_catalog_part_t p = {0};
    size_t loclen;
    if (s_part_of(l, rel, &p, &loclen))
        goto oom;
    for (int i = 0; i < p.nvalues; i++) {
        int k = s_add_key(l, p.keys[i]);
        if (k == -2)
            goto oom;
        if (k < 0)
            continue;
        const char *v = p.values[i];
        size_t vn = strlen(v);
        int64_t x;
        if (ns_parse_date(v, vn, &x, NULL))
            l->kdate[k] = false;
        if (ns_parse_int(v, vn, &x, NULL) || (vn > 1 && v[0] == '0') ||
            (vn > 1 && v[0] == '-' && v[1] == '0'))
            l->kint[k] = false;
        int added = s_set_add(&l->sets[k], v, &l->set_total);
        if (added < 0)
            goto oom;
        if (added) {
            ns_catalog_pkey_t *pk = &t->pkeys[k];
            pk->distinct++;
            if (pk->nvalues < NS_CATALOG_MAX_KEY_VALUES) {
                char **nv = realloc(pk->values, (size_t)(pk->nvalues + 1) * sizeof *nv);
                if (!nv)
                    goto oom;
                pk->values = nv;
                if (!(nv[pk->nvalues] = strdup(v)))
                    goto oom;
                pk->nvalues++;
            }
        }
    }
    if (p.nvalues) {
        size_t pl = (size_t)(rel - o->uri) + loclen;
        if (!(p.location = strndup(o->uri, pl)))
            goto oom;
        int found = -1;
        for (int i = t->nparts - 1; i >= 0 && found < 0; i--)
            if (!strcmp(t->parts[i].location, p.location))
                found = i;
        if (found >= 0) {
            t->parts[found].objects++;
            t->parts[found].bytes += o->size;
            s_free_part_kv(&p);
        } else if (t->nparts >= l->max_parts) {
            c->partitions_truncated = true;
            s_free_part_kv(&p);
        } else {
            ns_catalog_part_t *np = realloc(t->parts, (size_t)(t->nparts + 1) * sizeof *np);
            if (!np)
                goto oom;
            t->parts = np;
            p.objects = 1;
            p.bytes = o->size;
            np[t->nparts++] = p;
        }
    }
    /* sample candidates: non-empty objects, thinned evenly */
    if (o->size > 0) {
        if (l->seen % l->stride == 0) {
            if (l->ncand == S_MAX_CANDS) {
                /* keep every other one: slot i takes slot 2i, whose
                 * neighbour 2i+1 is dropped; every slot is consumed
                 * before it is written */
                for (int i = 0; i < S_MAX_CANDS / 2; i++) {
                    char *keep = l->cand[2 * i];
                    uint64_t ks = l->cand_size[2 * i];
                    free(l->cand[2 * i + 1]);
                    l->cand[2 * i + 1] = NULL;
                    l->cand[i] = keep;
                    l->cand_size[i] = ks;
                }
                for (int i = S_MAX_CANDS / 2; i < S_MAX_CANDS; i++)
                    l->cand[i] = NULL;
                l->ncand = S_MAX_CANDS / 2;
                l->stride *= 2;
            }
            if (l->seen % l->stride == 0) {
                if (!(l->cand[l->ncand] = strdup(o->uri)))
                    goto oom;
                l->cand_size[l->ncand++] = o->size;
            }
        }
        l->seen++;
        free(l->last);
        if (!(l->last = strdup(o->uri)))
            goto oom;
        l->last_size = o->size;
    }
    return 0;
oom:
    s_free_part_kv(&p);
    l->oom = 1;
    return 1;
}

/* Reads the first max bytes of an object, decompressed. */
static int s_read_sample(const char *uri, uint64_t size, uint64_t max, char **out, size_t *len,
                         bool *complete, ns_catalog_table_t *t, ns_err_t *err)
{
    ns_codec_t codec = ns_codec_from_name(uri);
    uint64_t range = codec == NS_CODEC_NONE ? max + 1 : UINT64_MAX;
    ns_reader_t *r = ns_store_open_read(uri, 0, range, 0, err);
    if (!r)
        return -1;
    r = ns_codec_reader(r, codec, 0, err);
    if (!r)
        return ns_err_prefix(err, "cannot decompress '%s'", uri);
    char *buf = malloc(max + 1);
    if (!buf) {
        ns_reader_close(&r);
        return ns_errf(err, "cannot sample '%s': out of memory", uri);
    }
    size_t got = 0;
    bool eof = false;
    ns_err_t e;
    while (got < max + 1) {
        ssize_t k = ns_reader_read(r, buf + got, max + 1 - got, &e);
        if (k < 0) {
            if (got == 0) {
                ns_reader_close(&r);
                free(buf);
                *err = e;
                return -1;
            }
            ns_catalog_warn(t, "'%s': read stopped after %zu bytes: %s", uri, got, e.msg);
            break;
        }
        if (k == 0) {
            eof = true;
            break;
        }
        got += (size_t)k;
    }
    ns_reader_close(&r);
    *complete = eof && got <= max;
    if (got > max)
        got = (size_t)max;
    (void)size;
    *out = buf;
    *len = got;
    return 0;
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static void s_default_name(const char *prefix, char *out)
{
    const char *p = strstr(prefix, "://");
    p = p ? p + 3 : prefix;
    const char *best = NULL;
    size_t bestn = 0;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        if (n && !memchr(p, '=', n)) {
            best = p;
            bestn = n;
        }
        if (!e)
            break;
        p = e + 1;
    }
    if (best) {
        const char *dot = memchr(best, '.', bestn); /* a file: its name without extensions */
        if (dot && dot > best)
            bestn = (size_t)(dot - best);
    }
    ns_catalog_safe_name(best ? best : "table", best ? bestn : 5, out);
}

int ns_catalog_crawl(const ns_crawl_opts_t *o, ns_catalog_table_t **out, ns_err_t *err)
{
    *out = NULL;
    uint64_t max = o->sample_bytes ? o->sample_bytes : NS_CRAWL_DEFAULT_SAMPLE;
    if (max > NS_CRAWL_MAX_SAMPLE)
        return ns_errf(err, "sample size %llu is more than %u bytes", (unsigned long long)max,
                       NS_CRAWL_MAX_SAMPLE);
    int nsamples = o->max_samples > 0 ? o->max_samples : 3;
    if (nsamples > 16)
        nsamples = 16;
    char name[NS_CATALOG_NAME_MAX];
    if (o->name)
        snprintf(name, sizeof name, "%s", o->name);
    else
        s_default_name(o->prefix, name);
    if (!ns_catalog_valid_name(name))
        return ns_errf(err,
                       "bad table name '%s': letters, digits and '_', at most one '.', "
                       "not starting with a digit",
                       name);
    ns_catalog_table_t *t = ns_catalog_table_new();
    s_list_t *l = calloc(1, sizeof *l);
    char **cand = calloc(S_MAX_CANDS, sizeof *cand);
    uint64_t *csize = calloc(S_MAX_CANDS, sizeof *csize);
    ns_crawl_sample_t *samples = calloc((size_t)nsamples, sizeof *samples);
    char **bufs = calloc((size_t)nsamples, sizeof *bufs);
    int rc = -1, ns = 0;
    if (!t || !l || !cand || !csize || !samples || !bufs) {
        ns_errf(err, "out of memory");
        goto out;
    }
    snprintf(t->name, sizeof t->name, "%s", name);
    snprintf(t->kind, sizeof t->kind, "crawled");
    ns_catalog_time(-1, t->crawl.crawled);
    t->crawl.sample_bytes = max;
    if (!(t->crawl.prefix = strdup(o->prefix)) || !(t->location = strdup(o->prefix))) {
        ns_errf(err, "out of memory");
        goto out;
    }
    l->t = t;
    l->prefix = o->prefix;
    l->plen = strlen(o->prefix);
    l->cand = cand;
    l->cand_size = csize;
    l->stride = 1;
    l->max_parts = o->max_partitions > 0 && o->max_partitions < NS_CATALOG_MAX_CRAWL_PARTS
                       ? o->max_partitions
                       : NS_CATALOG_MAX_CRAWL_PARTS;
    if (ns_store_list(o->prefix, s_list_fn, l, err) < 0)
        goto out;
    if (l->oom) {
        ns_errf(err, "cannot crawl '%s': out of memory", o->prefix);
        goto out;
    }
    if (t->crawl.objects == 0) {
        ns_errf(err, "no objects under '%s'%s", o->prefix,
                t->crawl.skipped ? " (only hidden ones: _x or .x)" : "");
        rc = 1;
        goto out;
    }
    /* partition keys: types, sorted values */
    for (int k = 0; k < t->npkeys; k++) {
        ns_catalog_pkey_t *pk = &t->pkeys[k];
        pk->type.type = l->kdate[k] ? NS_T_DATE : l->kint[k] ? NS_T_INT : NS_T_STRING;
        if (pk->nvalues > 1)
            qsort(pk->values, (size_t)pk->nvalues, sizeof *pk->values, s_cmp_str);
        if (l->sets[k].full)
            ns_catalog_warn(t,
                            "partition key '%s': too many distinct values to count (%d per key, "
                            "%d in all); 'distinct' is a lower bound",
                            pk->name, S_SET_MAX, S_SET_TOTAL);
    }
    snprintf(t->storage.compression, sizeof t->storage.compression, "%s",
             (l->codec[1] != 0) + (l->codec[2] != 0) + (l->codec[0] != 0) > 1 ? "mixed"
             : l->codec[NS_CODEC_GZIP]                                        ? "gzip"
             : l->codec[NS_CODEC_ZSTD]                                        ? "zstd"
                                                                              : "none");
    /* pick the samples: spread over the candidates, the last object last */
    const char *pick[16];
    uint64_t pick_size[16];
    int npick = 0;
    if (l->ncand > 0) {
        int want = nsamples;
        for (int i = 0; i < want - 1 && npick < want; i++) {
            int idx = want - 1 > 0 ? (int)((int64_t)i * (l->ncand - 1) / (want - 1)) : 0;
            if (npick && !strcmp(pick[npick - 1], cand[idx]))
                continue;
            pick[npick] = cand[idx];
            pick_size[npick++] = csize[idx];
        }
        bool dup = false;
        for (int i = 0; i < npick; i++)
            dup |= !strcmp(pick[i], l->last);
        if (!dup && npick < want) {
            pick[npick] = l->last;
            pick_size[npick++] = l->last_size;
        }
    }
    if (npick == 0)
        ns_catalog_warn(t, "every object under '%s' is empty", o->prefix);
    for (int i = 0; i < npick; i++) {
        ns_crawl_sample_t *s = &samples[ns];
        if (s_read_sample(pick[i], pick_size[i], max, &bufs[ns], &s->len, &s->complete, t, err))
            goto out;
        s->data = bufs[ns];
        s->name = pick[i];
        ns++;
        char **sv = realloc(t->crawl.sampled, (size_t)(t->crawl.nsampled + 1) * sizeof *sv);
        if (!sv || !(sv[t->crawl.nsampled] = strdup(pick[i]))) {
            if (sv)
                t->crawl.sampled = sv;
            ns_errf(err, "out of memory");
            goto out;
        }
        t->crawl.sampled = sv;
        t->crawl.nsampled++;
    }
    char compression[8];
    snprintf(compression, sizeof compression, "%s", t->storage.compression);
    if (ns_catalog_infer(t, o, samples, ns, err))
        goto out;
    snprintf(t->storage.compression, sizeof t->storage.compression, "%s", compression);
    t->version = 1;
    t->schema_version = 1;
    ns_catalog_time(-1, t->created);
    snprintf(t->updated, sizeof t->updated, "%s", t->created);
    *out = t;
    t = NULL;
    rc = 0;
out:
    if (l) {
        for (int k = 0; k < S_MAX_PKEYS; k++)
            s_set_free(&l->sets[k]);
        free(l->last);
        for (int i = 0; i < l->ncand; i++)
            free(cand[i]);
        free(l);
    }
    free(cand);
    free(csize);
    for (int i = 0; i < ns; i++)
        free(bufs[i]);
    free(bufs);
    free(samples);
    ns_catalog_table_destroy(&t);
    return rc;
}
