/*
 * ns_catalog: table documents of the data catalog (docs/CATALOG.md): the
 * model, its JSON form (written with ns_buf, read with the small bounded
 * reader below), the documents in the store, and the registration of a
 * committed job run. The crawl is in ns_catalog_crawl.c.
 *
 * Workload: a registration reads and writes one document of a few KB to a
 * few MB once per job run; `catalog list` reads every document once. The
 * reader builds a tree in an arena (a few 64 KiB blocks, freed at once);
 * the text is bounded by NS_CJ_MAX_BYTES (and the caller's maximum,
 * NS_CATALOG_DOC_MAX for documents), nesting by NS_CJ_MAX_DEPTH and the
 * number of values by NS_CJ_MAX_NODES: a value costs a 64-byte node plus
 * its text, so the tree of any text stays below 128 MiB plus the text,
 * where "[0,0,...]" of 64 MiB would otherwise make 2 GiB of nodes.
 */
#include "ns_catalog.h"

#include "ns_store.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

/* ================================================================ JSON */

struct ns_cj_doc {
    ns_cj_t *root; /* the parsed value */
    char **blocks; /* arena blocks (owned) */
    int nblocks, capblocks;
    char *cur;   /* free space in the newest block */
    size_t left; /* bytes left there */
};

typedef struct {
    const char *start, *p, *end; /* the text and where the parser is */
    size_t nodes;                /* values parsed so far (NS_CJ_MAX_NODES) */
    ns_cj_doc_t *d;
    ns_err_t *err;
} s_jp_t;

static void *s_alloc(ns_cj_doc_t *d, size_t n)
{
    n = (n + 7) & ~(size_t)7;
    if (n > d->left) {
        size_t bs = n > 65536 ? n : 65536;
        if (d->nblocks == d->capblocks) {
            int nc = d->capblocks ? d->capblocks * 2 : 8;
            char **nb = realloc(d->blocks, (size_t)nc * sizeof *nb);
            if (!nb)
                return NULL;
            d->blocks = nb;
            d->capblocks = nc;
        }
        char *b = malloc(bs);
        if (!b)
            return NULL;
        d->blocks[d->nblocks++] = b;
        d->cur = b;
        d->left = bs;
    }
    void *p = d->cur;
    d->cur += n;
    d->left -= n;
    return p;
}

static int s_jerr(s_jp_t *j, const char *what)
{
    return ns_errf(j->err, "bad JSON at byte %zu: %s", (size_t)(j->p - j->start), what);
}

static void s_ws(s_jp_t *j)
{
    while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
        j->p++;
}

static int s_hex4(const char *p, unsigned *out)
{
    unsigned v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        v <<= 4;
        if (c >= '0' && c <= '9')
            v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F')
            v |= (unsigned)(c - 'A' + 10);
        else
            return -1;
    }
    *out = v;
    return 0;
}

/* The one-character escapes of JSON strings and the bytes they stand for. */
static const char s_esc_from[] = "\"\\/bfnrt", s_esc_to[] = "\"\\/\b\f\n\r\t";

/* Parses the string at j->p (on its opening quote) into arena memory. */
static int s_jstring(s_jp_t *j, const char **out, size_t *outlen)
{
    const char *q = ++j->p;
    while (q < j->end && *q != '"') {
        if (*q == '\\')
            q++;
        q++;
    }
    if (q >= j->end)
        return s_jerr(j, "unterminated string");
    /* unescaping never makes text longer */
    char *o = s_alloc(j->d, (size_t)(q - j->p) + 1);
    if (!o)
        return ns_errf(j->err, "out of memory reading JSON");
    size_t n = 0;
    while (j->p < q) {
        unsigned char c = (unsigned char)*j->p;
        if (c < 0x20)
            return s_jerr(j, "control character in string");
        if (c != '\\') {
            o[n++] = (char)c;
            j->p++;
            continue;
        }
        j->p++;
        char e = *j->p++;
        const char *one = e ? strchr(s_esc_from, e) : NULL;
        if (one) {
            o[n++] = s_esc_to[one - s_esc_from];
            continue;
        }
        switch (e) {
        case 'u': {
            unsigned cp, lo;
            if (q - j->p < 4 || s_hex4(j->p, &cp))
                return s_jerr(j, "bad \\u escape");
            j->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00 && q - j->p >= 6 && j->p[0] == '\\' && j->p[1] == 'u' &&
                !s_hex4(j->p + 2, &lo) && lo >= 0xDC00 && lo < 0xE000) {
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
                j->p += 6;
            } else if (cp >= 0xD800 && cp < 0xE000) {
                cp = 0xFFFD; /* unpaired surrogate */
            }
            n += ns_utf8_put(cp, o + n);
            break;
        }
        default:
            return s_jerr(j, "bad escape");
        }
    }
    o[n] = '\0';
    j->p = q + 1;
    *out = o;
    *outlen = n;
    return 0;
}

static int s_jdigits(s_jp_t *j)
{
    const char *s = j->p;
    while (j->p < j->end && *j->p >= '0' && *j->p <= '9')
        j->p++;
    return j->p > s ? 0 : -1;
}

static int s_jvalue(s_jp_t *j, ns_cj_t *v, int depth)
{
    s_ws(j);
    if (j->p >= j->end)
        return s_jerr(j, "unexpected end");
    if (++j->nodes > NS_CJ_MAX_NODES)
        return ns_errf(j->err, "bad JSON at byte %zu: the document exceeds max_json_nodes (%u "
                               "values)",
                       (size_t)(j->p - j->start), NS_CJ_MAX_NODES);
    char c = *j->p;
    if (c == '"') {
        v->type = NS_CJ_STR;
        return s_jstring(j, &v->s, &v->len);
    }
    if (c == '{' || c == '[') {
        if (depth >= NS_CJ_MAX_DEPTH) /* depth 0 is the first level */
            return ns_errf(j->err,
                           "bad JSON at byte %zu: nesting exceeds max_json_depth (%d levels)",
                           (size_t)(j->p - j->start), NS_CJ_MAX_DEPTH);
        char close = c == '{' ? '}' : ']';
        v->type = c == '{' ? NS_CJ_OBJ : NS_CJ_ARR;
        j->p++;
        s_ws(j);
        if (j->p < j->end && *j->p == close) {
            j->p++;
            return 0;
        }
        ns_cj_t **tail = &v->kid;
        for (;;) {
            ns_cj_t *k = s_alloc(j->d, sizeof *k);
            if (!k)
                return ns_errf(j->err, "out of memory reading JSON");
            memset(k, 0, sizeof *k);
            if (v->type == NS_CJ_OBJ) {
                s_ws(j);
                if (j->p >= j->end || *j->p != '"')
                    return s_jerr(j, "expected a key");
                size_t kl;
                if (s_jstring(j, &k->key, &kl))
                    return -1;
                s_ws(j);
                if (j->p >= j->end || *j->p != ':')
                    return s_jerr(j, "expected ':'");
                j->p++;
            }
            if (s_jvalue(j, k, depth + 1))
                return -1;
            *tail = k;
            tail = &k->next;
            v->n++;
            s_ws(j);
            if (j->p < j->end && *j->p == ',') {
                j->p++;
                continue;
            }
            if (j->p < j->end && *j->p == close) {
                j->p++;
                return 0;
            }
            return s_jerr(j, v->type == NS_CJ_OBJ ? "expected ',' or '}'" : "expected ',' or ']'");
        }
    }
    if (c == '-' || (c >= '0' && c <= '9')) {
        const char *s = j->p;
        if (c == '-')
            j->p++;
        if (j->p < j->end && *j->p == '0')
            j->p++;
        else if (s_jdigits(j))
            return s_jerr(j, "bad number");
        if (j->p < j->end && *j->p == '.') {
            j->p++;
            if (s_jdigits(j))
                return s_jerr(j, "bad number");
        }
        if (j->p < j->end && (*j->p == 'e' || *j->p == 'E')) {
            j->p++;
            if (j->p < j->end && (*j->p == '+' || *j->p == '-'))
                j->p++;
            if (s_jdigits(j))
                return s_jerr(j, "bad number");
        }
        size_t n = (size_t)(j->p - s);
        char *o = s_alloc(j->d, n + 1);
        if (!o)
            return ns_errf(j->err, "out of memory reading JSON");
        memcpy(o, s, n);
        o[n] = '\0';
        v->type = NS_CJ_NUM;
        v->s = o;
        v->len = n;
        return 0;
    }
    static const struct {
        const char *w;
        ns_cj_type_t t;
        bool b;
    } lits[] = {
        {"true", NS_CJ_BOOL, true}, {"false", NS_CJ_BOOL, false}, {"null", NS_CJ_NULL, false}};
    for (size_t i = 0; i < sizeof lits / sizeof *lits; i++) {
        size_t n = strlen(lits[i].w);
        if ((size_t)(j->end - j->p) >= n && !memcmp(j->p, lits[i].w, n)) {
            j->p += n;
            v->type = lits[i].t;
            v->b = lits[i].b;
            return 0;
        }
    }
    return s_jerr(j, "unexpected character");
}

void ns_cj_free(ns_cj_doc_t **dp)
{
    if (!dp || !*dp)
        return;
    ns_cj_doc_t *d = *dp;
    for (int i = 0; i < d->nblocks; i++)
        free(d->blocks[i]);
    free(d->blocks);
    free(d);
    *dp = NULL;
}

ns_cj_doc_t *ns_cj_parse(const char *text, size_t len, size_t *used, ns_err_t *err)
{
    if (len > NS_CJ_MAX_BYTES) {
        if (!used) {
            ns_errf(err, "JSON text of %zu bytes exceeds max_json_bytes (%u bytes)", len,
                    NS_CJ_MAX_BYTES);
            return NULL;
        }
        len = NS_CJ_MAX_BYTES; /* one of concatenated values: no value reads past it */
    }
    ns_cj_doc_t *d = calloc(1, sizeof *d);
    if (!d) {
        ns_errf(err, "out of memory reading JSON");
        return NULL;
    }
    s_jp_t j = {.start = text, .p = text, .end = text + len, .d = d, .err = err};
    d->root = s_alloc(d, sizeof *d->root);
    if (!d->root) {
        ns_errf(err, "out of memory reading JSON");
        ns_cj_free(&d);
        return NULL;
    }
    memset(d->root, 0, sizeof *d->root);
    if (s_jvalue(&j, d->root, 0)) {
        ns_cj_free(&d);
        return NULL;
    }
    if (used) {
        *used = (size_t)(j.p - text);
    } else {
        s_ws(&j);
        if (j.p != j.end) {
            s_jerr(&j, "text after the value");
            ns_cj_free(&d);
            return NULL;
        }
    }
    return d;
}

const ns_cj_t *ns_cj_root(const ns_cj_doc_t *d)
{
    return d ? d->root : NULL;
}

const ns_cj_t *ns_cj_get(const ns_cj_t *obj, const char *key)
{
    if (!obj || obj->type != NS_CJ_OBJ)
        return NULL;
    for (const ns_cj_t *k = obj->kid; k; k = k->next)
        if (!strcmp(k->key, key))
            return k;
    return NULL;
}

int ns_cj_write(ns_buf_t *b, const ns_cj_t *v)
{
    int rc = 0;
    switch (v->type) {
    case NS_CJ_NULL:
        return ns_buf_append(b, "null", 4);
    case NS_CJ_BOOL:
        return v->b ? ns_buf_append(b, "true", 4) : ns_buf_append(b, "false", 5);
    case NS_CJ_NUM:
        return ns_buf_append(b, v->s, v->len);
    case NS_CJ_STR:
        return ns_buf_append_json(b, v->s, v->len);
    case NS_CJ_ARR:
    case NS_CJ_OBJ:
        rc |= ns_buf_append(b, v->type == NS_CJ_OBJ ? "{" : "[", 1);
        for (const ns_cj_t *k = v->kid; k && !rc; k = k->next) {
            if (k != v->kid)
                rc |= ns_buf_append(b, ",", 1);
            if (v->type == NS_CJ_OBJ) {
                rc |= ns_buf_append_json(b, k->key, strlen(k->key));
                rc |= ns_buf_append(b, ":", 1);
            }
            rc |= ns_cj_write(b, k);
        }
        rc |= ns_buf_append(b, v->type == NS_CJ_OBJ ? "}" : "]", 1);
        return rc ? -1 : 0;
    }
    return -1;
}

/* ============================================================== model */

ns_catalog_table_t *ns_catalog_table_new(void)
{
    ns_catalog_table_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->storage.delimiter = t->storage.quote = t->storage.escape = -1;
    snprintf(t->storage.format, sizeof t->storage.format, "unknown");
    snprintf(t->storage.encoding, sizeof t->storage.encoding, "utf-8");
    snprintf(t->storage.compression, sizeof t->storage.compression, "none");
    return t;
}

static void s_free_strv(char **v, int n)
{
    if (!v)
        return;
    for (int i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static void s_free_part(ns_catalog_part_t *p)
{
    s_free_strv(p->keys, p->nvalues);
    s_free_strv(p->values, p->nvalues);
    free(p->location);
    free(p->manifest);
    free(p->job);
    for (int i = 0; i < p->nfiles; i++)
        free(p->files[i].uri);
    free(p->files);
    memset(p, 0, sizeof *p);
}

static void s_free_cols(ns_catalog_table_t *t)
{
    for (int i = 0; i < t->ncols; i++) {
        free(t->cols[i].source_name);
        free(t->cols[i].mismatch_example);
    }
    free(t->cols);
    t->cols = NULL;
    t->ncols = 0;
}

static void s_free_pkeys(ns_catalog_table_t *t)
{
    for (int i = 0; i < t->npkeys; i++)
        s_free_strv(t->pkeys[i].values, t->pkeys[i].nvalues);
    free(t->pkeys);
    t->pkeys = NULL;
    t->npkeys = 0;
}

static void s_free_parts(ns_catalog_table_t *t)
{
    for (int i = 0; i < t->nparts; i++)
        s_free_part(&t->parts[i]);
    free(t->parts);
    t->parts = NULL;
    t->nparts = 0;
}

static void s_free_crawl(ns_catalog_crawlinfo_t *c)
{
    free(c->prefix);
    s_free_strv(c->sampled, c->nsampled);
    s_free_strv(c->warnings, c->nwarnings);
    memset(c, 0, sizeof *c);
}

void ns_catalog_table_destroy(ns_catalog_table_t **tp)
{
    if (!tp || !*tp)
        return;
    ns_catalog_table_t *t = *tp;
    free(t->location);
    free(t->job);
    s_free_cols(t);
    s_free_pkeys(t);
    s_free_strv(t->sort_key, t->nsort);
    s_free_strv(t->dist_key, t->ndist);
    s_free_parts(t);
    s_free_crawl(&t->crawl);
    for (int i = 0; i < t->nextra; i++) {
        free(t->extra[i].key);
        free(t->extra[i].json);
    }
    free(t->extra);
    free(t);
    *tp = NULL;
}

/* The warehouse spelling of each type but DECIMAL(18,scale). */
static const char *const s_wtypes[] = {
    [NS_T_STRING] = "VARCHAR",      [NS_T_INT] = "BIGINT",   [NS_T_DATE] = "DATE",
    [NS_T_TIMESTAMP] = "TIMESTAMP", [NS_T_BOOL] = "BOOLEAN",
};
#define S_NWTYPES (sizeof s_wtypes / sizeof *s_wtypes)

void ns_catalog_warehouse_type(const ns_coltype_t *t, char *out, size_t cap)
{
    if (t->type == NS_T_DECIMAL)
        snprintf(out, cap, "DECIMAL(18,%d)", t->scale);
    else if ((size_t)t->type < S_NWTYPES && s_wtypes[t->type])
        snprintf(out, cap, "%s", s_wtypes[t->type]);
    else
        snprintf(out, cap, "VARCHAR");
}

/* nightshift's spelling of a type: string, int, decimal(18,2), ... */
static void s_ns_type(const ns_coltype_t *t, char *out, size_t cap)
{
    if (t->type == NS_T_DECIMAL)
        snprintf(out, cap, "decimal(18,%d)", t->scale);
    else
        snprintf(out, cap, "%s", ns_type_name(t->type));
}

/* The warehouse spelling back to a type (documents other tools wrote). */
static int s_parse_wtype(const char *s, ns_coltype_t *t)
{
    int p, sc;
    t->scale = 0;
    for (size_t i = 0; i < S_NWTYPES; i++) {
        if (s_wtypes[i] && !strcasecmp(s, s_wtypes[i])) {
            t->type = (ns_type_t)i;
            return 0;
        }
    }
    if (!strncasecmp(s, "VARCHAR(", 8) || !strcasecmp(s, "TEXT"))
        t->type = NS_T_STRING;
    else if (!strcasecmp(s, "INTEGER") || !strcasecmp(s, "INT"))
        t->type = NS_T_INT;
    else if (sscanf(s, "DECIMAL(%d,%d)", &p, &sc) == 2 && sc >= 0 && sc <= 18) {
        t->type = NS_T_DECIMAL;
        t->scale = sc;
    } else
        return -1;
    return 0;
}

static bool s_ident(const char *s, size_t n)
{
    if (n == 0 || isdigit((unsigned char)s[0]))
        return false;
    for (size_t i = 0; i < n; i++)
        if (!isalnum((unsigned char)s[i]) && s[i] != '_')
            return false;
    return true;
}

bool ns_catalog_valid_name(const char *name)
{
    size_t n = strlen(name);
    if (n == 0 || n >= NS_CATALOG_NAME_MAX)
        return false;
    const char *dot = memchr(name, '.', n);
    if (!dot)
        return s_ident(name, n);
    return s_ident(name, (size_t)(dot - name)) && s_ident(dot + 1, n - (size_t)(dot - name) - 1);
}

void ns_catalog_safe_name(const char *text, size_t n, char *out)
{
    size_t o = 0;
    const size_t cap = NS_CATALOG_COL_MAX - 1;
    for (size_t i = 0; i < n && o < cap; i++) {
        unsigned char c = (unsigned char)text[i];
        if (isalnum(c) && c < 0x80) {
            if (o == 0 && isdigit(c)) {
                memcpy(out, "col_", 4);
                o = 4;
            }
            /* camelCase: messageId -> message_id */
            if (isupper(c) && i > 0 &&
                (islower((unsigned char)text[i - 1]) || isdigit((unsigned char)text[i - 1])) &&
                o > 0 && out[o - 1] != '_' && o + 1 < cap)
                out[o++] = '_';
            out[o++] = (char)tolower(c);
        } else if (o > 0 && out[o - 1] != '_') {
            out[o++] = '_';
        }
    }
    while (o > 0 && out[o - 1] == '_')
        o--;
    if (o == 0) {
        memcpy(out, "col", 3);
        o = 3;
    }
    out[o] = '\0';
}

void ns_catalog_time(double t, char out[32])
{
    time_t s;
    if (t < 0) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        s = ts.tv_sec;
    } else {
        s = (time_t)t;
    }
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

void ns_catalog_warn(ns_catalog_table_t *t, const char *fmt, ...)
{
    ns_catalog_crawlinfo_t *c = &t->crawl;
    if (c->nwarnings >= NS_CATALOG_MAX_WARNINGS)
        return;
    char msg[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    for (int i = 0; i < c->nwarnings; i++)
        if (!strcmp(c->warnings[i], msg))
            return;
    char **w = realloc(c->warnings, (size_t)(c->nwarnings + 1) * sizeof *w);
    if (!w)
        return;
    c->warnings = w;
    if ((c->warnings[c->nwarnings] = strdup(msg)))
        c->nwarnings++;
}

/* ========================================================== JSON out */

static int s_jstr(ns_buf_t *b, const char *s)
{
    if (!s)
        return ns_buf_append(b, "null", 4);
    return ns_buf_append_json(b, s, strlen(s));
}

static int s_jchr(ns_buf_t *b, int c)
{
    if (c < 0)
        return ns_buf_append(b, "null", 4);
    char ch = (char)c;
    return ns_buf_append_json(b, &ch, 1);
}

/* lead (literal text: a separator and a key), then the value s or c. */
static int s_jfield(ns_buf_t *b, const char *lead, const char *s)
{
    int rc = ns_buf_append(b, lead, strlen(lead));
    return rc | s_jstr(b, s);
}

static int s_jfield_chr(ns_buf_t *b, const char *lead, int c)
{
    int rc = ns_buf_append(b, lead, strlen(lead));
    return rc | s_jchr(b, c);
}

static int s_jstrv(ns_buf_t *b, char *const *v, int n)
{
    int rc = ns_buf_append(b, "[", 1);
    for (int i = 0; i < n; i++) {
        if (i)
            rc |= ns_buf_append(b, ", ", 2);
        rc |= s_jstr(b, v[i]);
    }
    return rc | ns_buf_append(b, "]", 1);
}

/* An EDI separator as s_jchr takes it: 0 (not known) is -1. */
static int s_sep(char c)
{
    return c ? (unsigned char)c : -1;
}

static int s_storage_json(ns_buf_t *b, const ns_catalog_table_t *t)
{
    const ns_catalog_storage_t *s = &t->storage;
    bool job = !strcmp(t->kind, "job");
    int rc = s_jfield(b, "{\"format\": ", s->format);
    if (!strcmp(s->format, "delimited")) {
        rc |= s_jfield_chr(b, ", \"delimiter\": ", s->delimiter);
        rc |= s_jfield_chr(b, ", \"quote\": ", s->quote);
        rc |= s_jfield_chr(b, ", \"escape\": ", s->escape);
        if (s->null_text[0])
            rc |= s_jfield(b, ", \"null\": ", s->null_text);
        rc |= ns_buf_appendf(b, ", \"header\": %s, \"skip_lines\": %d",
                             s->header ? "true" : "false", s->skip_lines);
        if (!job)
            rc |= ns_buf_appendf(b, ", \"footer_lines\": %d, \"trim\": %s", s->footer_lines,
                                 s->trim ? "true" : "false");
    }
    if (!strcmp(s->format, "json"))
        rc |= ns_buf_appendf(b, ", \"concatenated\": %s", s->concatenated ? "true" : "false");
    if (!strcmp(s->format, "edi")) {
        rc |= s_jfield_chr(b, ", \"edi\": {\"element_separator\": ", s_sep(s->edi_element));
        rc |= s_jfield_chr(b, ", \"component_separator\": ", s_sep(s->edi_component));
        rc |= s_jfield_chr(b, ", \"segment_terminator\": ", s_sep(s->edi_terminator));
        rc |= s_jfield(b, ", \"version\": ", s->edi_version);
        rc |= ns_buf_appendf(b, ", \"transaction_sets\": [");
        const char *p = s->edi_sets;
        for (int first = 1; *p; first = 0) {
            const char *e = strchr(p, ',');
            size_t n = e ? (size_t)(e - p) : strlen(p);
            if (!first)
                rc |= ns_buf_append(b, ", ", 2);
            rc |= ns_buf_append_json(b, p, n);
            p += n + (e ? 1 : 0);
        }
        rc |= ns_buf_append(b, "]}", 2);
    }
    rc |= s_jfield(b, ", \"encoding\": ", s->encoding);
    if (!job) {
        rc |= ns_buf_appendf(b, ", \"bom\": %s", s->bom ? "true" : "false");
        if (s->byte_order[0])
            rc |= s_jfield(b, ", \"byte_order\": ", s->byte_order);
        if (strcmp(s->format, "edi"))
            rc |= ns_buf_appendf(b, ", \"line_end\": \"%s\"", s->crlf ? "crlf" : "lf");
    }
    rc |= s_jfield(b, ", \"compression\": ", s->compression);
    if (job)
        rc |= ns_buf_appendf(b, ", \"manifest\": %s", s->manifest ? "true" : "false");
    return rc | ns_buf_append(b, "}", 1);
}

static int s_col_json(ns_buf_t *b, const ns_catalog_col_t *c, bool crawled)
{
    char wt[32], nt[32];
    ns_catalog_warehouse_type(&c->type, wt, sizeof wt);
    s_ns_type(&c->type, nt, sizeof nt);
    int rc = s_jfield(b, "{\"name\": ", c->name);
    rc |= ns_buf_appendf(b, ", \"type\": \"%s\", \"nightshift_type\": \"%s\"", wt, nt);
    if (c->source_name)
        rc |= s_jfield(b, ", \"source_name\": ", c->source_name);
    if (c->number == NS_NUM_GROUPED)
        rc |= ns_buf_appendf(b, ", \"number\": \"grouped\"");
    else if (c->number == NS_NUM_MONEY)
        rc |= ns_buf_appendf(b, ", \"number\": \"money\"");
    if (c->yyyymmdd)
        rc |= ns_buf_appendf(b, ", \"date_format\": \"yyyymmdd\"");
    if (c->json)
        rc |= ns_buf_appendf(b, ", \"json\": \"%s\"",
                             c->json == NS_CJSON_OBJECT ? "object" : "array");
    if (crawled)
        rc |= ns_buf_appendf(b, ", \"nullable\": %s", c->nullable ? "true" : "false");
    if (c->mismatches) {
        rc |= ns_buf_appendf(b, ", \"mismatches\": %llu", (unsigned long long)c->mismatches);
        if (c->mismatch_example)
            rc |= s_jfield(b, ", \"mismatch_example\": ", c->mismatch_example);
    }
    return rc | ns_buf_append(b, "}", 1);
}

static int s_part_json(ns_buf_t *b, const ns_catalog_part_t *p, bool job)
{
    int rc = ns_buf_appendf(b, "{\"values\": {");
    for (int i = 0; i < p->nvalues; i++) {
        if (i)
            rc |= ns_buf_append(b, ", ", 2);
        rc |= s_jstr(b, p->keys[i]);
        rc |= ns_buf_append(b, ": ", 2);
        rc |= s_jstr(b, p->values[i]);
    }
    rc |= s_jfield(b, "}, \"location\": ", p->location);
    if (!job)
        return rc | ns_buf_appendf(b, ", \"objects\": %llu, \"bytes\": %llu}",
                                   (unsigned long long)p->objects, (unsigned long long)p->bytes);
    rc |= s_jfield(b, ",\n     \"manifest\": ", p->manifest);
    rc |= s_jfield(b, ",\n     \"job\": ", p->job);
    rc |= s_jfield(b, ", \"committed\": ", p->committed);
    /* uncompressed bytes only when known: workers may report 0 */
    rc |= ns_buf_appendf(b, ", \"schema_version\": %lld, \"rows\": %llu",
                         (long long)p->schema_version, (unsigned long long)p->rows);
    if (p->bytes)
        rc |= ns_buf_appendf(b, ", \"bytes\": %llu", (unsigned long long)p->bytes);
    rc |= ns_buf_appendf(b, ", \"stored_bytes\": %llu,\n     \"files\": [",
                         (unsigned long long)p->stored);
    for (int i = 0; i < p->nfiles; i++) {
        rc |= ns_buf_appendf(b, "%s{\"uri\": ", i ? ",\n       " : "\n       ");
        rc |= s_jstr(b, p->files[i].uri);
        rc |= ns_buf_appendf(b, ", \"rows\": %llu", (unsigned long long)p->files[i].rows);
        if (p->files[i].bytes)
            rc |= ns_buf_appendf(b, ", \"bytes\": %llu", (unsigned long long)p->files[i].bytes);
        rc |=
            ns_buf_appendf(b, ", \"stored_bytes\": %llu}", (unsigned long long)p->files[i].stored);
    }
    return rc | ns_buf_append(b, "]}", 2);
}

static int s_crawl_json(ns_buf_t *b, const ns_catalog_crawlinfo_t *c)
{
    int rc = s_jfield(b, "{\n    \"prefix\": ", c->prefix);
    rc |= s_jfield(b, ", \"crawled\": ", c->crawled);
    rc |= ns_buf_appendf(b,
                         ",\n    \"objects\": %llu, \"bytes\": %llu, \"skipped_objects\": %llu, "
                         "\"empty_objects\": %llu, \"sample_bytes\": %llu,\n    \"sampled\": ",
                         (unsigned long long)c->objects, (unsigned long long)c->bytes,
                         (unsigned long long)c->skipped, (unsigned long long)c->empty,
                         (unsigned long long)c->sample_bytes);
    rc |= s_jstrv(b, c->sampled, c->nsampled);
    rc |= ns_buf_appendf(b,
                         ",\n    \"records\": %llu, \"bad_records\": %llu, "
                         "\"partitions_truncated\": %s,\n    \"warnings\": ",
                         (unsigned long long)c->records, (unsigned long long)c->bad_records,
                         c->partitions_truncated ? "true" : "false");
    rc |= s_jstrv(b, c->warnings, c->nwarnings);
    return rc | ns_buf_append(b, "\n  }", 4);
}

int ns_catalog_to_json(const ns_catalog_table_t *t, ns_buf_t *b, ns_err_t *err)
{
    bool job = !strcmp(t->kind, "job");
    bool crawled = !strcmp(t->kind, "crawled");
    int rc =
        ns_buf_appendf(b, "{\n  \"format_version\": %d,\n  \"name\": ", NS_CATALOG_FORMAT_VERSION);
    rc |= s_jstr(b, t->name);
    rc |= s_jfield(b, ",\n  \"kind\": ", t->kind);
    rc |= ns_buf_appendf(b, ",\n  \"version\": %lld,\n  \"schema_version\": %lld,\n  \"created\": ",
                         (long long)t->version, (long long)t->schema_version);
    rc |= s_jstr(b, t->created);
    rc |= s_jfield(b, ",\n  \"updated\": ", t->updated);
    rc |= s_jfield(b, ",\n  \"location\": ", t->location);
    if (job)
        rc |= s_jfield(b, ",\n  \"job\": ", t->job);
    rc |= ns_buf_appendf(b, ",\n  \"storage\": ");
    rc |= s_storage_json(b, t);
    rc |= ns_buf_appendf(b, ",\n  \"columns\": [");
    for (int i = 0; i < t->ncols; i++) {
        rc |= ns_buf_appendf(b, "%s\n    ", i ? "," : "");
        rc |= s_col_json(b, &t->cols[i], crawled);
    }
    rc |= ns_buf_appendf(b, "%s],\n  \"partition_keys\": [", t->ncols ? "\n  " : "");
    for (int i = 0; i < t->npkeys; i++) {
        const ns_catalog_pkey_t *k = &t->pkeys[i];
        char wt[32];
        ns_catalog_warehouse_type(&k->type, wt, sizeof wt);
        rc |= ns_buf_appendf(b, "%s\n    {\"name\": ", i ? "," : "");
        rc |= s_jstr(b, k->name);
        rc |= ns_buf_appendf(b, ", \"type\": \"%s\"", wt);
        if (crawled) {
            rc |= ns_buf_appendf(
                b, ", \"distinct\": %llu, \"values\": ", (unsigned long long)k->distinct);
            rc |= s_jstrv(b, k->values, k->nvalues);
        }
        rc |= ns_buf_append(b, "}", 1);
    }
    rc |= ns_buf_appendf(b, "%s]", t->npkeys ? "\n  " : "");
    if (job) {
        rc |= ns_buf_appendf(b, ",\n  \"sort_key\": ");
        rc |= s_jstrv(b, t->sort_key, t->nsort);
        rc |= ns_buf_appendf(b, ",\n  \"distribution_key\": ");
        rc |= s_jstrv(b, t->dist_key, t->ndist);
    }
    rc |= ns_buf_appendf(b, ",\n  \"partitions\": [");
    for (int i = 0; i < t->nparts; i++) {
        rc |= ns_buf_appendf(b, "%s\n    ", i ? "," : "");
        rc |= s_part_json(b, &t->parts[i], job);
    }
    rc |= ns_buf_appendf(b, "%s]", t->nparts ? "\n  " : "");
    if (crawled) {
        rc |= ns_buf_appendf(b, ",\n  \"crawl\": ");
        rc |= s_crawl_json(b, &t->crawl);
    }
    for (int i = 0; i < t->nextra; i++) {
        rc |= s_jfield(b, ",\n  ", t->extra[i].key);
        rc |= ns_buf_appendf(b, ": %s", t->extra[i].json);
    }
    rc |= ns_buf_appendf(b, "\n}\n");
    if (rc)
        return ns_errf(err, "document of table '%s' too large", t->name);
    return 0;
}

/* =========================================================== JSON in */

static const char *s_gstr(const ns_cj_t *o, const char *key)
{
    const ns_cj_t *v = ns_cj_get(o, key);
    return v && v->type == NS_CJ_STR ? v->s : NULL;
}

static int64_t s_gint(const ns_cj_t *o, const char *key, int64_t def)
{
    const ns_cj_t *v = ns_cj_get(o, key);
    if (!v || v->type != NS_CJ_NUM)
        return def;
    errno = 0;
    char *end;
    long long x = strtoll(v->s, &end, 10);
    if (errno || *end)
        return def;
    return x;
}

static uint64_t s_gu64(const ns_cj_t *o, const char *key)
{
    int64_t v = s_gint(o, key, 0);
    return v > 0 ? (uint64_t)v : 0;
}

static bool s_gbool(const ns_cj_t *o, const char *key)
{
    const ns_cj_t *v = ns_cj_get(o, key);
    return v && v->type == NS_CJ_BOOL && v->b;
}

/* A one-character string or null -> byte or -1. */
static int s_gchr(const ns_cj_t *o, const char *key)
{
    const ns_cj_t *v = ns_cj_get(o, key);
    return v && v->type == NS_CJ_STR && v->len == 1 ? (unsigned char)v->s[0] : -1;
}

static void s_gcpy(const ns_cj_t *o, const char *key, char *out, size_t cap)
{
    const char *s = s_gstr(o, key);
    snprintf(out, cap, "%s", s ? s : "");
}

static int s_dup(char **out, const char *s)
{
    *out = NULL;
    if (!s)
        return 0;
    *out = strdup(s);
    return *out ? 0 : -1;
}

static int s_gstrv(const ns_cj_t *o, const char *key, char ***out, int *n)
{
    const ns_cj_t *a = ns_cj_get(o, key);
    *out = NULL;
    *n = 0;
    if (!a || a->type != NS_CJ_ARR || a->n == 0)
        return 0;
    *out = calloc((size_t)a->n, sizeof **out);
    if (!*out)
        return -1;
    for (const ns_cj_t *k = a->kid; k; k = k->next)
        if (k->type == NS_CJ_STR && !((*out)[(*n)++] = strdup(k->s)))
            return -1;
    return 0;
}

static int s_read_type(const ns_cj_t *o, ns_coltype_t *t)
{
    const char *nt = s_gstr(o, "nightshift_type"), *wt = s_gstr(o, "type");
    ns_err_t e;
    if (nt && !ns_coltype_parse(nt, t, &e))
        return 0;
    if (wt && !s_parse_wtype(wt, t))
        return 0;
    t->type = NS_T_STRING;
    t->scale = 0;
    return -1;
}

static int s_read_storage(const ns_cj_t *s, ns_catalog_storage_t *st)
{
    if (!s || s->type != NS_CJ_OBJ)
        return 0;
    const char *f = s_gstr(s, "format");
    snprintf(st->format, sizeof st->format, "%s", f ? f : "unknown");
    st->delimiter = s_gchr(s, "delimiter");
    st->quote = s_gchr(s, "quote");
    st->escape = s_gchr(s, "escape");
    st->header = s_gbool(s, "header");
    st->skip_lines = (int)s_gint(s, "skip_lines", 0);
    st->footer_lines = (int)s_gint(s, "footer_lines", 0);
    if (s_gstr(s, "encoding"))
        s_gcpy(s, "encoding", st->encoding, sizeof st->encoding);
    st->bom = s_gbool(s, "bom");
    s_gcpy(s, "byte_order", st->byte_order, sizeof st->byte_order);
    const char *le = s_gstr(s, "line_end");
    st->crlf = le && !strcmp(le, "crlf");
    st->trim = s_gbool(s, "trim");
    st->concatenated = s_gbool(s, "concatenated");
    if (s_gstr(s, "compression"))
        s_gcpy(s, "compression", st->compression, sizeof st->compression);
    s_gcpy(s, "null", st->null_text, sizeof st->null_text);
    st->manifest = s_gbool(s, "manifest");
    const ns_cj_t *e = ns_cj_get(s, "edi");
    if (e && e->type == NS_CJ_OBJ) {
        int c;
        st->edi_element = (char)((c = s_gchr(e, "element_separator")) < 0 ? 0 : c);
        st->edi_component = (char)((c = s_gchr(e, "component_separator")) < 0 ? 0 : c);
        st->edi_terminator = (char)((c = s_gchr(e, "segment_terminator")) < 0 ? 0 : c);
        s_gcpy(e, "version", st->edi_version, sizeof st->edi_version);
        const ns_cj_t *ts = ns_cj_get(e, "transaction_sets");
        size_t o = 0;
        for (const ns_cj_t *k = ts && ts->type == NS_CJ_ARR ? ts->kid : NULL; k; k = k->next)
            if (k->type == NS_CJ_STR && o + k->len + 2 < sizeof st->edi_sets)
                o += (size_t)snprintf(st->edi_sets + o, sizeof st->edi_sets - o, "%s%s",
                                      o ? "," : "", k->s);
    }
    return 0;
}

static int s_read_part(const ns_cj_t *o, ns_catalog_part_t *p)
{
    const ns_cj_t *v = ns_cj_get(o, "values");
    if (v && v->type == NS_CJ_OBJ && v->n > 0) {
        p->keys = calloc((size_t)v->n, sizeof *p->keys);
        p->values = calloc((size_t)v->n, sizeof *p->values);
        if (!p->keys || !p->values)
            return -1;
        for (const ns_cj_t *k = v->kid; k; k = k->next) {
            if (k->type != NS_CJ_STR)
                continue;
            p->keys[p->nvalues] = strdup(k->key);
            p->values[p->nvalues] = strdup(k->s);
            if (!p->keys[p->nvalues] || !p->values[p->nvalues]) {
                p->nvalues++;
                return -1;
            }
            p->nvalues++;
        }
    }
    if (s_dup(&p->location, s_gstr(o, "location")) || s_dup(&p->manifest, s_gstr(o, "manifest")) ||
        s_dup(&p->job, s_gstr(o, "job")))
        return -1;
    s_gcpy(o, "committed", p->committed, sizeof p->committed);
    p->schema_version = s_gint(o, "schema_version", 0);
    p->rows = s_gu64(o, "rows");
    p->bytes = s_gu64(o, "bytes");
    p->stored = s_gu64(o, "stored_bytes");
    p->objects = s_gu64(o, "objects");
    const ns_cj_t *fs = ns_cj_get(o, "files");
    if (fs && fs->type == NS_CJ_ARR && fs->n > 0) {
        p->files = calloc((size_t)fs->n, sizeof *p->files);
        if (!p->files)
            return -1;
        for (const ns_cj_t *f = fs->kid; f; f = f->next) {
            const char *uri = s_gstr(f, "uri");
            if (!uri)
                continue;
            ns_catalog_file_t *lf = &p->files[p->nfiles];
            if (!(lf->uri = strdup(uri)))
                return -1;
            lf->rows = s_gu64(f, "rows");
            lf->bytes = s_gu64(f, "bytes");
            lf->stored = s_gu64(f, "stored_bytes");
            p->nfiles++;
        }
    }
    return 0;
}

static int s_read_crawl(const ns_cj_t *o, ns_catalog_crawlinfo_t *c)
{
    if (!o || o->type != NS_CJ_OBJ)
        return 0;
    if (s_dup(&c->prefix, s_gstr(o, "prefix")))
        return -1;
    s_gcpy(o, "crawled", c->crawled, sizeof c->crawled);
    c->objects = s_gu64(o, "objects");
    c->bytes = s_gu64(o, "bytes");
    c->skipped = s_gu64(o, "skipped_objects");
    c->empty = s_gu64(o, "empty_objects");
    c->sample_bytes = s_gu64(o, "sample_bytes");
    c->records = s_gu64(o, "records");
    c->bad_records = s_gu64(o, "bad_records");
    c->partitions_truncated = s_gbool(o, "partitions_truncated");
    if (s_gstrv(o, "sampled", &c->sampled, &c->nsampled) ||
        s_gstrv(o, "warnings", &c->warnings, &c->nwarnings))
        return -1;
    return 0;
}

static const char *const s_known_keys[] = {
    "format_version",
    "name",
    "kind",
    "version",
    "schema_version",
    "created",
    "updated",
    "location",
    "job",
    "storage",
    "columns",
    "partition_keys",
    "sort_key",
    "distribution_key",
    "partitions",
    "crawl",
};

static int s_read_table(const ns_cj_t *r, ns_catalog_table_t *t, const char *uri, ns_err_t *err)
{
    const char *s;
    if (!(s = s_gstr(r, "name")) || !ns_catalog_valid_name(s))
        return ns_errf(err, "'%s' is not a catalog document: no valid 'name'", uri);
    snprintf(t->name, sizeof t->name, "%s", s);
    s_gcpy(r, "kind", t->kind, sizeof t->kind);
    t->version = s_gint(r, "version", 0);
    t->schema_version = s_gint(r, "schema_version", 1);
    s_gcpy(r, "created", t->created, sizeof t->created);
    s_gcpy(r, "updated", t->updated, sizeof t->updated);
    if (s_dup(&t->location, s_gstr(r, "location")) || s_dup(&t->job, s_gstr(r, "job")))
        goto oom;
    s_read_storage(ns_cj_get(r, "storage"), &t->storage);
    const ns_cj_t *a = ns_cj_get(r, "columns");
    if (a && a->type == NS_CJ_ARR && a->n > 0) {
        if (a->n > NS_MAX_COLUMNS)
            return ns_errf(err, "'%s': more than %d columns", uri, NS_MAX_COLUMNS);
        if (!(t->cols = calloc((size_t)a->n, sizeof *t->cols)))
            goto oom;
        for (const ns_cj_t *k = a->kid; k; k = k->next) {
            const char *n = s_gstr(k, "name");
            if (!n)
                return ns_errf(err, "'%s': a column without a name", uri);
            ns_catalog_col_t *c = &t->cols[t->ncols++];
            snprintf(c->name, sizeof c->name, "%s", n);
            s_read_type(k, &c->type);
            const char *num = s_gstr(k, "number");
            c->number = num && !strcmp(num, "money")     ? NS_NUM_MONEY
                        : num && !strcmp(num, "grouped") ? NS_NUM_GROUPED
                                                         : NS_NUM_PLAIN;
            const char *df = s_gstr(k, "date_format");
            c->yyyymmdd = df && !strcmp(df, "yyyymmdd");
            const char *js = s_gstr(k, "json");
            c->json = js && !strcmp(js, "object")  ? NS_CJSON_OBJECT
                      : js && !strcmp(js, "array") ? NS_CJSON_ARRAY
                                                   : NS_CJSON_NONE;
            c->nullable = s_gbool(k, "nullable");
            c->mismatches = s_gu64(k, "mismatches");
            if (s_dup(&c->source_name, s_gstr(k, "source_name")) ||
                s_dup(&c->mismatch_example, s_gstr(k, "mismatch_example")))
                goto oom;
        }
    }
    a = ns_cj_get(r, "partition_keys");
    if (a && a->type == NS_CJ_ARR && a->n > 0) {
        if (!(t->pkeys = calloc((size_t)a->n, sizeof *t->pkeys)))
            goto oom;
        for (const ns_cj_t *k = a->kid; k; k = k->next) {
            const char *n = s_gstr(k, "name");
            if (!n)
                continue;
            ns_catalog_pkey_t *pk = &t->pkeys[t->npkeys++];
            snprintf(pk->name, sizeof pk->name, "%s", n);
            s_read_type(k, &pk->type);
            pk->distinct = s_gu64(k, "distinct");
            if (s_gstrv(k, "values", &pk->values, &pk->nvalues))
                goto oom;
        }
    }
    if (s_gstrv(r, "sort_key", &t->sort_key, &t->nsort) ||
        s_gstrv(r, "distribution_key", &t->dist_key, &t->ndist))
        goto oom;
    a = ns_cj_get(r, "partitions");
    if (a && a->type == NS_CJ_ARR && a->n > 0) {
        if (a->n > NS_CATALOG_MAX_PARTITIONS)
            return ns_errf(err, "'%s': more than %d partitions", uri, NS_CATALOG_MAX_PARTITIONS);
        if (!(t->parts = calloc((size_t)a->n, sizeof *t->parts)))
            goto oom;
        for (const ns_cj_t *k = a->kid; k; k = k->next)
            if (k->type == NS_CJ_OBJ && s_read_part(k, &t->parts[t->nparts++]))
                goto oom;
    }
    if (s_read_crawl(ns_cj_get(r, "crawl"), &t->crawl))
        goto oom;
    for (const ns_cj_t *k = r->kid; k; k = k->next) {
        bool known = false;
        for (size_t i = 0; i < sizeof s_known_keys / sizeof *s_known_keys && !known; i++)
            known = !strcmp(k->key, s_known_keys[i]);
        if (known)
            continue;
        ns_buf_t b;
        ns_buf_init(&b, NS_CATALOG_DOC_MAX);
        ns_catalog_extra_t *x = realloc(t->extra, (size_t)(t->nextra + 1) * sizeof *x);
        if (!x || ns_cj_write(&b, k)) {
            ns_buf_free(&b);
            if (x)
                t->extra = x;
            goto oom;
        }
        t->extra = x;
        x[t->nextra].key = strdup(k->key);
        x[t->nextra].json = b.data; /* owned now */
        t->nextra++;
        if (!x[t->nextra - 1].key || !x[t->nextra - 1].json)
            goto oom;
    }
    return 0;
oom:
    return ns_errf(err, "cannot read '%s': out of memory", uri);
}

ns_catalog_table_t *ns_catalog_from_json(const char *text, size_t len, const char *uri,
                                         ns_err_t *err)
{
    ns_cj_doc_t *d = ns_cj_parse(text, len, NULL, err);
    if (!d) {
        ns_err_prefix(err, "cannot read '%s'", uri);
        return NULL;
    }
    const ns_cj_t *r = ns_cj_root(d);
    ns_catalog_table_t *t = NULL;
    int64_t fv = s_gint(r, "format_version", -1);
    if (r->type != NS_CJ_OBJ || fv < 1) {
        ns_errf(err, "'%s' is not a catalog document: no format_version", uri);
    } else if (fv > NS_CATALOG_FORMAT_VERSION) {
        ns_errf(err,
                "'%s' has format_version %lld, written by a newer nightshift (this one reads %d)",
                uri, (long long)fv, NS_CATALOG_FORMAT_VERSION);
    } else if (!(t = ns_catalog_table_new())) {
        ns_errf(err, "cannot read '%s': out of memory", uri);
    } else if (s_read_table(r, t, uri, err)) {
        ns_catalog_table_destroy(&t);
    }
    ns_cj_free(&d);
    return t;
}

/* ========================================================= documents */

void ns_catalog_uri(const char *opt, const char *home, char *out, size_t cap)
{
    const char *env = getenv("NIGHTSHIFT_CATALOG");
    if (opt && *opt) {
        snprintf(out, cap, "%s", opt);
    } else if (env && *env) {
        snprintf(out, cap, "%s", env);
    } else if (home && home[0] == '/') {
        snprintf(out, cap, "file://%s/catalog", home);
    } else {
        char cwd[1024];
        if (!getcwd(cwd, sizeof cwd))
            snprintf(cwd, sizeof cwd, "/");
        snprintf(out, cap, "file://%s/%s/catalog", cwd, home ? home : ".");
    }
}

int ns_catalog_doc_uri(const char *catalog, const char *name, char *out, ns_err_t *err)
{
    if (!ns_catalog_valid_name(name))
        return ns_errf(err,
                       "bad table name '%s': letters, digits and '_', at most one '.', "
                       "not starting with a digit",
                       name);
    char key[NS_CATALOG_NAME_MAX + 16];
    snprintf(key, sizeof key, "tables/%s.json", name);
    if (ns_uri_join(out, catalog, key))
        return ns_errf(err, "catalog URI '%s' too long", catalog);
    return 0;
}

static bool s_missing(const char *msg)
{
    return strstr(msg, "not found") != NULL;
}

int ns_catalog_get(const char *catalog, const char *name, ns_catalog_table_t **out, char **raw,
                   size_t *rawlen, ns_err_t *err)
{
    char uri[NS_URI_MAX];
    *out = NULL;
    if (raw)
        *raw = NULL;
    if (ns_catalog_doc_uri(catalog, name, uri, err))
        return -1;
    ns_object_t o;
    if (ns_store_head(uri, &o, err))
        return s_missing(err->msg) ? 1 : -1;
    char *text;
    size_t len;
    if (ns_store_get(uri, NS_CATALOG_DOC_MAX, &text, &len, err)) {
        if (s_missing(err->msg) || strstr(err->msg, "No such file"))
            return 1; /* deleted since the HEAD */
        return -1;
    }
    *out = ns_catalog_from_json(text, len, uri, err);
    if (*out && strcmp((*out)->name, name)) {
        ns_errf(err, "'%s' names table '%s', not '%s'", uri, (*out)->name, name);
        ns_catalog_table_destroy(out);
    }
    if (*out && raw) {
        *raw = text;
        *rawlen = len;
    } else {
        free(text);
    }
    return *out ? 0 : -1;
}

int ns_catalog_put(const char *catalog, const ns_catalog_table_t *t, ns_err_t *err)
{
    char uri[NS_URI_MAX];
    if (ns_catalog_doc_uri(catalog, t->name, uri, err))
        return -1;
    ns_buf_t b;
    ns_buf_init(&b, NS_CATALOG_DOC_MAX);
    int rc = ns_catalog_to_json(t, &b, err);
    if (!rc)
        rc = ns_store_put(uri, b.data, b.len, err);
    ns_buf_free(&b);
    return rc;
}

int ns_catalog_drop(const char *catalog, const char *name, ns_err_t *err)
{
    char uri[NS_URI_MAX];
    if (ns_catalog_doc_uri(catalog, name, uri, err))
        return -1;
    ns_object_t o;
    if (ns_store_head(uri, &o, err))
        return s_missing(err->msg) ? 1 : -1;
    return ns_store_delete(uri, err);
}

typedef struct {
    char tables[NS_URI_MAX]; /* <catalog>/tables/ */
    char **names;
    int n, cap;
    int oom;
} s_names_t;

static int s_list_fn(const ns_object_t *o, void *arg)
{
    s_names_t *s = arg;
    const char *rel = o->uri + strlen(s->tables);
    size_t n = strlen(rel);
    if (strncmp(o->uri, s->tables, strlen(s->tables)) || n <= 5 || strcmp(rel + n - 5, ".json") ||
        strchr(rel, '/'))
        return 0;
    char name[NS_CATALOG_NAME_MAX];
    if (n - 5 >= sizeof name)
        return 0;
    memcpy(name, rel, n - 5);
    name[n - 5] = '\0';
    if (!ns_catalog_valid_name(name))
        return 0;
    if (s->n == s->cap) {
        int nc = s->cap ? s->cap * 2 : 64;
        char **nn = realloc(s->names, (size_t)nc * sizeof *nn);
        if (!nn) {
            s->oom = 1;
            return 1;
        }
        s->names = nn;
        s->cap = nc;
    }
    if (!(s->names[s->n] = strdup(name))) {
        s->oom = 1;
        return 1;
    }
    s->n++;
    return 0;
}

static int s_cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

long ns_catalog_list(const char *catalog, ns_catalog_list_fn fn, void *arg, ns_err_t *err)
{
    s_names_t s = {0};
    if (ns_uri_join(s.tables, catalog, "tables/"))
        return ns_errf(err, "catalog URI '%s' too long", catalog);
    long rc = ns_store_list(s.tables, s_list_fn, &s, err);
    if (rc >= 0 && s.oom)
        rc = ns_errf(err, "cannot list '%s': out of memory", s.tables);
    if (rc >= 0) {
        if (s.n > 1)
            qsort(s.names, (size_t)s.n, sizeof *s.names, s_cmp_str);
        for (int i = 0; i < s.n; i++) {
            ns_catalog_table_t *t = NULL;
            ns_err_t e;
            int g = ns_catalog_get(catalog, s.names[i], &t, NULL, NULL, &e);
            if (g == 1)
                continue; /* dropped meanwhile */
            int stop = fn(s.names[i], t, g ? e.msg : NULL, arg);
            ns_catalog_table_destroy(&t);
            if (stop)
                break;
        }
        rc = s.n;
    }
    s_free_strv(s.names, s.n);
    return rc;
}

/* ====================================================== registration */

/* key=value parts of a URI's path (after the scheme and bucket). Fills
 * keys/values (malloc'd, n of them). */
static int s_uri_kv(const char *uri, char ***keys, char ***values, int *n)
{
    *keys = *values = NULL;
    *n = 0;
    const char *p = strstr(uri, "://");
    p = p ? p + 3 : uri;
    while (*p) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        const char *eq = memchr(p, '=', len);
        if (eq && e && s_ident(p, (size_t)(eq - p)) && (size_t)(eq - p) < NS_CATALOG_COL_MAX) {
            char **nk = realloc(*keys, (size_t)(*n + 1) * sizeof *nk);
            if (!nk)
                return -1;
            *keys = nk;
            char **nv = realloc(*values, (size_t)(*n + 1) * sizeof *nv);
            if (!nv)
                return -1;
            *values = nv;
            nk[*n] = strndup(p, (size_t)(eq - p));
            nv[*n] = strndup(eq + 1, len - (size_t)(eq - p) - 1);
            (*n)++;
            if (!nk[*n - 1] || !nv[*n - 1])
                return -1;
        }
        if (!e)
            break;
        p = e + 1;
    }
    return 0;
}

/* The type all these partition values share: DATE, BIGINT or VARCHAR. */
static ns_coltype_t s_pkey_type(const ns_catalog_table_t *t, const char *key, const char *extra)
{
    ns_coltype_t ty = {NS_T_DATE, 0};
    bool date = true, num = true;
    for (int i = -1; i < t->nparts; i++) {
        const char *v = NULL;
        if (i < 0) {
            v = extra;
        } else {
            for (int k = 0; k < t->parts[i].nvalues; k++)
                if (!strcmp(t->parts[i].keys[k], key))
                    v = t->parts[i].values[k];
        }
        if (!v)
            continue;
        size_t n = strlen(v);
        int64_t x;
        if (ns_parse_date(v, n, &x, NULL))
            date = false;
        if (ns_parse_int(v, n, &x, NULL) || (n > 1 && v[0] == '0') ||
            (n > 2 && v[0] == '-' && v[1] == '0'))
            num = false;
    }
    ty.type = date ? NS_T_DATE : num ? NS_T_INT : NS_T_STRING;
    return ty;
}

static int s_part_cmp(const ns_catalog_part_t *a, const ns_catalog_part_t *b)
{
    for (int i = 0; i < a->nvalues && i < b->nvalues; i++) {
        int c = strcmp(a->keys[i], b->keys[i]);
        if (!c)
            c = strcmp(a->values[i], b->values[i]);
        if (c)
            return c;
    }
    return a->nvalues - b->nvalues;
}

/* The table's folder: uri up to its first key=value part. */
static char *s_location(const char *uri)
{
    const char *p = strstr(uri, "://");
    p = p ? p + 3 : uri;
    const char *cut = NULL;
    while (*p && !cut) {
        const char *e = strchr(p, '/');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        if (memchr(p, '=', len))
            cut = p;
        p = e ? e + 1 : p + len;
    }
    return cut ? strndup(uri, (size_t)(cut - uri)) : strdup(uri);
}

int ns_catalog_merge_run(ns_catalog_table_t *t, const ns_catalog_run_t *run, ns_err_t *err)
{
    const ns_job_t *j = run->job;
    const char *tname = j->table ? j->table : "";
    if (!ns_catalog_valid_name(tname))
        return ns_errf(err, "bad table name '%s' in job '%s'", tname, j->name);
    if (t->name[0] && strcmp(t->name, tname))
        return ns_errf(err, "document of table '%s' given for table '%s'", t->name, tname);
    if (j->nout > NS_MAX_COLUMNS)
        return ns_errf(err, "job '%s' has too many output columns", j->name);

    /* the new partition and the new values first: nothing changes in t if
     * they cannot be built (on failure they are freed below fail:) */
    ns_catalog_part_t np = {0};
    ns_catalog_col_t *cols = NULL;
    char **sk = NULL, **dk = NULL, *loc = NULL, *jobname = NULL;
    ns_catalog_pkey_t *pk = NULL;
    int rc;
    if (s_uri_kv(j->output_uri, &np.keys, &np.values, &np.nvalues))
        goto oom;
    if (np.nvalues == 0) {
        np.keys = calloc(1, sizeof *np.keys);
        np.values = calloc(1, sizeof *np.values);
        if (!np.keys || !np.values)
            goto oom;
        np.nvalues = 1;
        np.keys[0] = strdup("dt");
        np.values[0] = strdup(run->date ? run->date : "");
        if (!np.keys[0] || !np.values[0])
            goto oom;
    }
    if (j->bookmark) {
        /* an incremental job's runs add data (each reads only new objects)
         * instead of restating their partition: each run is a partition of
         * its own, under one more key, run = the job id */
        char **nk = realloc(np.keys, (size_t)(np.nvalues + 1) * sizeof *nk);
        if (nk)
            np.keys = nk;
        char **nv = nk ? realloc(np.values, (size_t)(np.nvalues + 1) * sizeof *nv) : NULL;
        if (!nv)
            goto oom;
        np.values = nv;
        np.keys[np.nvalues] = strdup("run");
        np.values[np.nvalues] = strdup(run->job_id ? run->job_id : "");
        np.nvalues++;
        if (!np.keys[np.nvalues - 1] || !np.values[np.nvalues - 1])
            goto oom;
    }
    if (s_dup(&np.location, run->prefix) || s_dup(&np.manifest, run->manifest) ||
        s_dup(&np.job, run->job_id))
        goto oom;
    ns_catalog_time(run->committed, np.committed);
    if (run->nfiles > 0 && !(np.files = calloc((size_t)run->nfiles, sizeof *np.files)))
        goto oom;
    for (int i = 0; i < run->nfiles; i++) {
        ns_catalog_file_t *f = &np.files[np.nfiles];
        if (!(f->uri = strdup(run->files[i].uri)))
            goto oom;
        np.nfiles++;
        f->rows = run->files[i].rows;
        f->bytes = run->files[i].bytes;
        f->stored = run->files[i].stored;
        np.rows += f->rows;
        np.bytes += f->bytes;
        np.stored += f->stored;
    }

    /* columns: the load files' */
    int ncols = run->col_names ? run->ncols : j->nout;
    cols = calloc((size_t)(ncols ? ncols : 1), sizeof *cols);
    if (!cols)
        goto oom;
    for (int i = 0; i < ncols; i++) {
        snprintf(cols[i].name, sizeof cols[i].name, "%s",
                 run->col_names ? run->col_names[i] : j->out[i].name);
        cols[i].type = run->col_names ? run->col_types[i] : j->out_types[i];
    }
    bool same = t->ncols == ncols;
    for (int i = 0; same && i < ncols; i++)
        same = !strcmp(t->cols[i].name, cols[i].name) &&
               t->cols[i].type.type == cols[i].type.type &&
               t->cols[i].type.scale == cols[i].type.scale;
    sk = calloc((size_t)(j->nsort ? j->nsort : 1), sizeof *sk);
    dk = calloc((size_t)(j->ndist ? j->ndist : 1), sizeof *dk);
    loc = s_location(j->output_uri);
    jobname = strdup(j->name);
    bool ok = sk && dk && loc && jobname;
    for (int i = 0; ok && i < j->nsort; i++)
        ok = (sk[i] = strdup(j->out[j->sort_key[i]].name)) != NULL;
    for (int i = 0; ok && i < j->ndist; i++)
        ok = (dk[i] = strdup(j->out[j->dist_key[i]].name)) != NULL;
    /* partition keys: this run's */
    pk = calloc((size_t)np.nvalues, sizeof *pk);
    if (!ok || !pk)
        goto oom;

    /* from here on nothing fails but the partition array's growth */
    if (strcmp(t->kind, "job")) {
        /* new, or a crawled table taken over */
        s_free_parts(t);
        s_free_crawl(&t->crawl);
        memset(&t->storage, 0, sizeof t->storage);
    }
    if (t->nparts >= NS_CATALOG_MAX_PARTITIONS) {
        bool replaces = false;
        for (int i = 0; i < t->nparts && !replaces; i++)
            replaces = !s_part_cmp(&t->parts[i], &np);
        if (!replaces) {
            rc = ns_errf(err, "table '%s' has %d partitions, the most a table may have", tname,
                         NS_CATALOG_MAX_PARTITIONS);
            goto fail;
        }
    }
    ns_catalog_part_t *parts = realloc(t->parts, (size_t)(t->nparts + 1) * sizeof *parts);
    if (!parts)
        goto oom;
    t->parts = parts;

    snprintf(t->name, sizeof t->name, "%s", tname);
    if (t->version == 0 || !strcmp(t->kind, "") || t->schema_version < 1)
        t->schema_version = 1;
    else if (!same)
        t->schema_version++;
    snprintf(t->kind, sizeof t->kind, "job");
    s_free_cols(t);
    t->cols = cols;
    t->ncols = ncols;
    s_free_strv(t->sort_key, t->nsort);
    s_free_strv(t->dist_key, t->ndist);
    t->sort_key = sk;
    t->nsort = j->nsort;
    t->dist_key = dk;
    t->ndist = j->ndist;
    free(t->location);
    t->location = loc;
    free(t->job);
    t->job = jobname;

    ns_catalog_storage_t *st = &t->storage;
    memset(st, 0, sizeof *st);
    snprintf(st->format, sizeof st->format, "delimited");
    st->delimiter = '|';
    st->quote = -1;
    st->escape = '\\';
    snprintf(st->null_text, sizeof st->null_text, "\\N");
    snprintf(st->encoding, sizeof st->encoding, "utf-8");
    snprintf(st->compression, sizeof st->compression, "zstd");
    st->manifest = true;

    /* replace the partition with the same values, keep the rest sorted */
    np.schema_version = t->schema_version;
    int w = 0;
    for (int i = 0; i < t->nparts; i++) {
        if (!s_part_cmp(&t->parts[i], &np))
            s_free_part(&t->parts[i]);
        else
            t->parts[w++] = t->parts[i];
    }
    t->nparts = w;
    int at = t->nparts;
    while (at > 0 && s_part_cmp(&t->parts[at - 1], &np) > 0)
        at--;
    memmove(&t->parts[at + 1], &t->parts[at], (size_t)(t->nparts - at) * sizeof *t->parts);
    t->parts[at] = np;
    t->nparts++;

    s_free_pkeys(t);
    t->pkeys = pk;
    t->npkeys = np.nvalues;
    for (int i = 0; i < np.nvalues; i++) {
        snprintf(pk[i].name, sizeof pk[i].name, "%s", np.keys[i]);
        pk[i].type = s_pkey_type(t, np.keys[i], NULL);
    }

    t->version++;
    ns_catalog_time(-1, t->updated);
    if (!t->created[0])
        snprintf(t->created, sizeof t->created, "%s", t->updated);
    return 0;
oom:
    rc = ns_errf(err, "cannot register table '%s': out of memory", tname);
fail:
    free(cols);
    s_free_strv(sk, j->nsort);
    s_free_strv(dk, j->ndist);
    free(loc);
    free(jobname);
    free(pk);
    s_free_part(&np);
    return rc;
}

int ns_catalog_register(const char *catalog, const ns_catalog_run_t *run, ns_err_t *err)
{
    const char *tname = run->job->table ? run->job->table : "";
    ns_catalog_table_t *t = NULL;
    int g = ns_catalog_get(catalog, tname, &t, NULL, NULL, err);
    if (g < 0)
        return ns_err_prefix(err, "cannot register table '%s' in the catalog", tname);
    if (g == 1 && !(t = ns_catalog_table_new()))
        return ns_errf(err, "cannot register table '%s' in the catalog: out of memory", tname);
    int rc = ns_catalog_merge_run(t, run, err);
    if (rc)
        ns_err_prefix(err, "cannot register table '%s' in the catalog", tname);
    else if (ns_catalog_put(catalog, t, err))
        rc = ns_err_prefix(err, "cannot register table '%s' in the catalog", tname);
    ns_catalog_table_destroy(&t);
    return rc;
}
