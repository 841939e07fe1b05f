/*
 * test_gen_util: helpers of the generator's source and truth tests
 * (test_gen_sources.c, test_gen_truth.c): a temporary output root, reading
 * every object of a run (gunzip that tolerates the planted truncations), a
 * small JSON parser (values kept as text, so large ids stay exact), an RFC
 * 4180 field splitter, UTF-16LE to UTF-8, and money and date parsing. They
 * are deliberately independent of tools/: the tests recompute what the
 * generator claims from the bytes it wrote.
 */
#ifndef TEST_GEN_UTIL_H
#define TEST_GEN_UTIL_H

#include "ns_gen.h"
#include "ns_store.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

/* ------------------------------------------------------------ the root */

static char tg_root[256] __attribute__((unused));

static inline int tg_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st, (void)flag, (void)ftw;
    return remove(path);
}

static inline void tg_setup(void)
{
    snprintf(tg_root, sizeof tg_root, "/tmp/ns_test_gen.XXXXXX");
    cr_assert_not_null(mkdtemp(tg_root));
}

static inline void tg_teardown(void)
{
    nftw(tg_root, tg_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static inline void tg_opts(ns_gen_opts_t *o, const char *sub, char *buf)
{
    ns_gen_opts_default(o);
    snprintf(buf, NS_URI_MAX, "file://%s/%s", tg_root, sub);
    o->out = buf;
}

static inline void tg_run(const ns_gen_opts_t *o, ns_gen_stats_t *st)
{
    ns_err_t err = {{0}};
    int rc = ns_gen_run(o, st, &err);
    cr_assert_eq(rc, 0, "ns_gen_run: %s", err.msg);
}

/* ----------------------------------------------------------- the files */

typedef struct {
    char uri[NS_URI_MAX]; /* object */
    const char *key;      /* uri past the root and its '/' */
    char *raw;            /* stored bytes */
    size_t rawlen;
    char *text;           /* decompressed (NUL-terminated), or raw for plain files */
    size_t textlen;
    bool gz;              /* a .gz object */
    bool complete;        /* the gzip stream ended properly (or plain, or empty) */
} tg_file_t;

typedef struct {
    tg_file_t *f;
    size_t n, cap;
} tg_files_t;

/* Inflates what it can: *complete tells whether the member ended. */
static inline char *tg_gunzip(const char *data, size_t len, size_t *outlen, bool *complete)
{
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap + 1);
    *complete = len == 0;
    if (len == 0) {
        out[0] = '\0';
        *outlen = 0;
        return out;
    }
    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)len;
    for (;;) {
        if (n == cap) {
            cap *= 2;
            out = realloc(out, cap + 1);
        }
        z.next_out = (unsigned char *)out + n;
        z.avail_out = (uInt)(cap - n);
        int rc = inflate(&z, Z_NO_FLUSH);
        n = cap - z.avail_out;
        if (rc == Z_STREAM_END) {
            *complete = z.avail_in == 0;
            break;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR)
            break;
        if (rc == Z_BUF_ERROR && z.avail_in == 0)
            break; /* input ended before the member did */
    }
    inflateEnd(&z);
    out[n] = '\0';
    *outlen = n;
    return out;
}

static inline int tg_collect(const ns_object_t *obj, void *arg)
{
    tg_files_t *fs = arg;
    if (fs->n == fs->cap) {
        fs->cap = fs->cap ? fs->cap * 2 : 256;
        fs->f = realloc(fs->f, fs->cap * sizeof *fs->f);
    }
    tg_file_t *f = &fs->f[fs->n++];
    memset(f, 0, sizeof *f);
    snprintf(f->uri, sizeof f->uri, "%s", obj->uri);
    return 0;
}

/* Every object under out/, read (and gunzipped). */
static inline void tg_load(const char *out, tg_files_t *fs)
{
    memset(fs, 0, sizeof *fs);
    ns_err_t err = {{0}};
    char prefix[NS_URI_MAX + 2];
    snprintf(prefix, sizeof prefix, "%s/", out);
    cr_assert_geq(ns_store_list(prefix, tg_collect, fs, &err), 0, "%s", err.msg);
    for (size_t i = 0; i < fs->n; i++) {
        tg_file_t *f = &fs->f[i];
        f->key = f->uri + strlen(prefix);
        cr_assert_eq(ns_store_get(f->uri, 1 << 28, &f->raw, &f->rawlen, &err), 0, "%s", err.msg);
        size_t ul = strlen(f->uri);
        f->gz = ul > 3 && strcmp(f->uri + ul - 3, ".gz") == 0;
        if (f->gz) {
            f->text = tg_gunzip(f->raw, f->rawlen, &f->textlen, &f->complete);
        } else {
            f->text = malloc(f->rawlen + 1);
            memcpy(f->text, f->raw ? f->raw : "", f->rawlen);
            f->text[f->rawlen] = '\0';
            f->textlen = f->rawlen;
            f->complete = true;
        }
    }
}

static inline void tg_free(tg_files_t *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        free(fs->f[i].raw);
        free(fs->f[i].text);
    }
    free(fs->f);
    memset(fs, 0, sizeof *fs);
}

static inline bool tg_starts(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static inline bool tg_ends(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

static inline const tg_file_t *tg_find(const tg_files_t *fs, const char *key)
{
    for (size_t i = 0; i < fs->n; i++)
        if (strcmp(fs->f[i].key, key) == 0)
            return &fs->f[i];
    return NULL;
}

/* Next line of text at *p (without CR LF); false at the end. The line is
 * copied into buf (cap bytes; longer lines are cut). */
static inline bool tg_line(const char **p, char *buf, size_t cap, bool *terminated)
{
    if (!**p)
        return false;
    const char *e = strchr(*p, '\n');
    size_t n = e ? (size_t)(e - *p) : strlen(*p);
    if (terminated)
        *terminated = e != NULL;
    size_t k = n;
    if (k && (*p)[k - 1] == '\r')
        k--;
    if (k >= cap)
        k = cap - 1;
    memcpy(buf, *p, k);
    buf[k] = '\0';
    *p += e ? n + 1 : n;
    return true;
}

/* ---------------------------------------------------------------- CSV */

/* One RFC 4180 record from *p (quoted fields may hold sep, quotes and line
 * breaks) into fields (each NUL-terminated in buf); returns the field
 * count, or -1 at the end of input. *p moves past the record. */
static inline int tg_csv(const char **p, char sep, char *buf, size_t cap, char **f, int max)
{
    const char *s = *p;
    if (!*s)
        return -1;
    int n = 0;
    size_t o = 0;
    for (;;) {
        if (n < max)
            f[n] = buf + o;
        n++;
        if (*s == '"') {
            s++;
            for (;;) {
                if (!*s)
                    break;
                if (*s == '"' && s[1] == '"') {
                    if (o + 1 < cap)
                        buf[o++] = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    if (o + 1 < cap)
                        buf[o++] = *s;
                    s++;
                }
            }
        }
        while (*s && *s != sep && *s != '\n' && !(*s == '\r' && s[1] == '\n')) {
            if (o + 1 < cap)
                buf[o++] = *s;
            s++;
        }
        if (o < cap)
            buf[o++] = '\0';
        if (*s == sep) {
            s++;
            continue;
        }
        if (*s == '\r')
            s++;
        if (*s == '\n')
            s++;
        break;
    }
    *p = s;
    return n;
}

/* ----------------------------------------------------------- UTF-16LE */

/* BOM + UTF-16LE (BMP) to UTF-8; NULL if no BOM. */
static inline char *tg_utf16(const char *raw, size_t len)
{
    if (len < 2 || (unsigned char)raw[0] != 0xff || (unsigned char)raw[1] != 0xfe)
        return NULL;
    char *out = malloc(len * 2 + 1);
    size_t o = 0;
    for (size_t i = 2; i + 1 < len; i += 2) {
        unsigned cp = (unsigned char)raw[i] | ((unsigned)(unsigned char)raw[i + 1] << 8);
        if (cp < 0x80) {
            out[o++] = (char)cp;
        } else if (cp < 0x800) {
            out[o++] = (char)(0xc0 | (cp >> 6));
            out[o++] = (char)(0x80 | (cp & 0x3f));
        } else {
            out[o++] = (char)(0xe0 | (cp >> 12));
            out[o++] = (char)(0x80 | ((cp >> 6) & 0x3f));
            out[o++] = (char)(0x80 | (cp & 0x3f));
        }
    }
    out[o] = '\0';
    return out;
}

/* -------------------------------------------------------------- money */

/* "-$1,204.56" / "12.3" / "7" -> cents; false if it is no such number. */
static inline bool tg_money(const char *s, long long *cents)
{
    bool neg = false;
    if (*s == '-')
        neg = true, s++;
    if (*s == '$')
        s++;
    long long v = 0;
    int digits = 0, frac = -1;
    for (; *s; s++) {
        if (isdigit((unsigned char)*s)) {
            if (frac >= 0) {
                if (frac >= 2)
                    return false;
                frac++;
            }
            v = v * 10 + (*s - '0');
            digits++;
        } else if (*s == ',' && frac < 0) {
            continue;
        } else if (*s == '.' && frac < 0) {
            frac = 0;
        } else {
            return false;
        }
    }
    if (!digits)
        return false;
    if (frac < 0)
        frac = 0;
    while (frac < 2)
        v *= 10, frac++;
    *cents = neg ? -v : v;
    return true;
}

static inline bool tg_int(const char *s, long long *v)
{
    const char *p = s;
    if (*p == '-')
        p++;
    if (!*p)
        return false;
    for (const char *q = p; *q; q++)
        if (!isdigit((unsigned char)*q))
            return false;
    *v = atoll(s);
    return true;
}

static inline bool tg_date(const char *s)
{
    if (strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return false;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && !isdigit((unsigned char)s[i]))
            return false;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    static const int md[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    return m >= 1 && m <= 12 && d >= 1 && d <= md[m - 1] + (m == 2 && leap);
}

/* round-half-away-from-zero(cents * micros / 1e6) */
static inline long long tg_usd(long long cents, long long micros)
{
    long long p = cents * micros, a = p < 0 ? -p : p, q = (a + 500000) / 1000000;
    return p < 0 ? -q : q;
}

/* ---------------------------------------------------------------- JSON */

typedef struct tg_jv tg_jv_t;
struct tg_jv {
    char t;          /* 'o' object, 'a' array, 's' string, 'n' number, 'b' bool, 'z' null */
    char *s;         /* string (unescaped) or number/bool text */
    int len, cap;    /* members */
    char **keys;     /* object keys */
    tg_jv_t **vals;  /* members */
};

static inline void tg_jv_free(tg_jv_t *v)
{
    if (!v)
        return;
    for (int i = 0; i < v->len; i++) {
        if (v->keys)
            free(v->keys[i]);
        tg_jv_free(v->vals[i]);
    }
    free(v->keys);
    free(v->vals);
    free(v->s);
    free(v);
}

static inline void tg_ws(const char **p, const char *end)
{
    while (*p < end && (**p == ' ' || **p == '\t' || **p == '\n' || **p == '\r'))
        (*p)++;
}

static inline char *tg_jstr(const char **p, const char *end)
{
    if (*p >= end || **p != '"')
        return NULL;
    (*p)++;
    size_t cap = 64, n = 0;
    char *out = malloc(cap);
    while (*p < end && **p != '"') {
        if (n + 8 >= cap)
            out = realloc(out, cap *= 2);
        char c = **p;
        if ((unsigned char)c < 0x20) {
            free(out);
            return NULL;
        }
        if (c == '\\') {
            (*p)++;
            if (*p >= end) {
                free(out);
                return NULL;
            }
            char e = **p;
            if (e == 'n')
                out[n++] = '\n';
            else if (e == 't')
                out[n++] = '\t';
            else if (e == 'r')
                out[n++] = '\r';
            else if (e == 'u' && *p + 4 < end) {
                unsigned cp = (unsigned)strtoul((char[5]){(*p)[1], (*p)[2], (*p)[3], (*p)[4], 0}, NULL, 16);
                out[n++] = cp < 0x80 ? (char)cp : '?';
                *p += 4;
            } else
                out[n++] = e;
        } else {
            out[n++] = c;
        }
        (*p)++;
    }
    if (*p >= end) {
        free(out);
        return NULL;
    }
    (*p)++;
    out[n] = '\0';
    return out;
}

static inline tg_jv_t *tg_jparse(const char **p, const char *end, int depth)
{
    tg_ws(p, end);
    if (*p >= end || depth > 32)
        return NULL;
    tg_jv_t *v = calloc(1, sizeof *v);
    char c = **p;
    if (c == '{' || c == '[') {
        v->t = c == '{' ? 'o' : 'a';
        (*p)++;
        tg_ws(p, end);
        if (*p < end && **p == (c == '{' ? '}' : ']')) {
            (*p)++;
            return v;
        }
        for (;;) {
            char *key = NULL;
            tg_ws(p, end);
            if (v->t == 'o') {
                key = tg_jstr(p, end);
                tg_ws(p, end);
                if (!key || *p >= end || **p != ':') {
                    free(key);
                    tg_jv_free(v);
                    return NULL;
                }
                (*p)++;
            }
            tg_jv_t *m = tg_jparse(p, end, depth + 1);
            if (!m) {
                free(key);
                tg_jv_free(v);
                return NULL;
            }
            if (v->len == v->cap) {
                v->cap = v->cap ? v->cap * 2 : 8;
                v->vals = realloc(v->vals, (size_t)v->cap * sizeof *v->vals);
                if (v->t == 'o')
                    v->keys = realloc(v->keys, (size_t)v->cap * sizeof *v->keys);
            }
            if (v->t == 'o')
                v->keys[v->len] = key;
            v->vals[v->len++] = m;
            tg_ws(p, end);
            if (*p < end && **p == ',') {
                (*p)++;
                continue;
            }
            if (*p < end && **p == (v->t == 'o' ? '}' : ']')) {
                (*p)++;
                return v;
            }
            tg_jv_free(v);
            return NULL;
        }
    }
    if (c == '"') {
        v->t = 's';
        v->s = tg_jstr(p, end);
        if (!v->s) {
            free(v);
            return NULL;
        }
        return v;
    }
    const char *s = *p;
    while (*p < end && (isalnum((unsigned char)**p) || **p == '-' || **p == '+' || **p == '.'))
        (*p)++;
    size_t n = (size_t)(*p - s);
    if (!n) {
        free(v);
        return NULL;
    }
    v->s = strndup(s, n);
    v->t = strcmp(v->s, "null") == 0 ? 'z' : (strcmp(v->s, "true") == 0 || strcmp(v->s, "false") == 0) ? 'b' : 'n';
    if (v->t == 'n' && !(isdigit((unsigned char)s[0]) || s[0] == '-')) {
        tg_jv_free(v);
        return NULL;
    }
    return v;
}

static inline const tg_jv_t *tg_jget(const tg_jv_t *o, const char *key)
{
    if (!o || o->t != 'o')
        return NULL;
    for (int i = 0; i < o->len; i++)
        if (strcmp(o->keys[i], key) == 0)
            return o->vals[i];
    return NULL;
}

/* A string member, or NULL. */
static inline const char *tg_jstr_of(const tg_jv_t *o, const char *key)
{
    const tg_jv_t *v = tg_jget(o, key);
    return v && v->t == 's' ? v->s : NULL;
}

/* A string member, or "" (never NULL). */
static inline const char *tg_jsv(const tg_jv_t *o, const char *key)
{
    const char *s = tg_jstr_of(o, key);
    return s ? s : "";
}

/* ----------------------------------------------------- master lookups */

typedef struct {
    char sku[32], upc[16];
    long long usd;        /* list price, cents */
} tg_product_t;

typedef struct {
    tg_product_t *p;
    int n;
    char (*stores)[24];   /* "partner|id" of every store in master */
    int nstores;
} tg_master_t;

/* Reads master/products and master/stores of day iso from fs. */
static inline void tg_master(const tg_files_t *fs, const char *iso, tg_master_t *m)
{
    memset(m, 0, sizeof *m);
    char key[128];
    snprintf(key, sizeof key, "master/products/dt=%s/products.csv", iso);
    const tg_file_t *f = tg_find(fs, key);
    cr_assert_not_null(f, "no %s", key);
    const char *p = f->text;
    if (tg_starts(p, "\xef\xbb\xbf"))
        p += 3;
    char buf[4096], *fl[32];
    cr_assert_eq(tg_csv(&p, ',', buf, sizeof buf, fl, 32), 13, "products header");
    m->p = calloc(1000, sizeof *m->p);
    int nf;
    while ((nf = tg_csv(&p, ',', buf, sizeof buf, fl, 32)) >= 0) {
        long long c;
        if (nf != 13 || !tg_money(fl[9], &c))
            continue; /* a planted junk row */
        tg_product_t *x = &m->p[m->n++];
        snprintf(x->sku, sizeof x->sku, "%s", fl[0]);
        snprintf(x->upc, sizeof x->upc, "%s", fl[1]);
        x->usd = c;
    }
    snprintf(key, sizeof key, "master/stores/dt=%s/stores.csv", iso);
    f = tg_find(fs, key);
    cr_assert_not_null(f, "no %s", key);
    p = f->text;
    if (tg_starts(p, "\xef\xbb\xbf"))
        p += 3;
    cr_assert_eq(tg_csv(&p, ',', buf, sizeof buf, fl, 32), 20, "stores header");
    m->stores = calloc(20000, sizeof *m->stores);
    while ((nf = tg_csv(&p, ',', buf, sizeof buf, fl, 32)) >= 0) {
        long long v;
        if (nf != 20 || !tg_int(fl[11], &v))
            continue;
        snprintf(m->stores[m->nstores++], sizeof m->stores[0], "%.10s|%.8s", fl[1], fl[0]);
    }
}

static inline void tg_master_free(tg_master_t *m)
{
    free(m->p);
    free(m->stores);
}

static inline const tg_product_t *tg_by_sku(const tg_master_t *m, const char *sku)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->p[i].sku, sku) == 0)
            return &m->p[i];
    return NULL;
}

static inline const tg_product_t *tg_by_upc(const tg_master_t *m, const char *upc)
{
    for (int i = 0; i < m->n; i++)
        if (strcmp(m->p[i].upc, upc) == 0)
            return &m->p[i];
    return NULL;
}

static inline bool tg_store_known(const tg_master_t *m, const char *partner, const char *id)
{
    char k[24];
    snprintf(k, sizeof k, "%.10s|%.8s", partner, id);
    for (int i = 0; i < m->nstores; i++)
        if (strcmp(m->stores[i], k) == 0)
            return true;
    return false;
}

/* micro-USD per unit of cur on day iso, from any master/fx file that lists
 * that date (they all agree: checked). */
static inline long long tg_fx(const tg_files_t *fs, const char *iso, const char *cur)
{
    static struct {
        const tg_files_t *fs;
        char iso[12], cur[4];
        long long v;
    } cache[512];
    static int ncache;
    for (int i = 0; i < ncache; i++)
        if (cache[i].fs == fs && strcmp(cache[i].iso, iso) == 0 && strcmp(cache[i].cur, cur) == 0)
            return cache[i].v;
    long long found = -1;
    for (size_t i = 0; i < fs->n; i++) {
        const tg_file_t *f = &fs->f[i];
        if (!tg_starts(f->key, "master/fx/"))
            continue;
        const char *p = f->text;
        char buf[512], *fl[8];
        int nf;
        while ((nf = tg_csv(&p, ',', buf, sizeof buf, fl, 8)) >= 0) {
            if (nf == 3 && strcmp(fl[0], cur) == 0 && strcmp(fl[1], iso) == 0) {
                const char *dot = strchr(fl[2], '.');
                cr_assert(dot && strlen(dot) == 7, "rate %s", fl[2]);
                long long v = atoll(fl[2]) * 1000000 + atoll(dot + 1);
                cr_assert(found < 0 || found == v, "two %s rates for %s", cur, iso);
                found = v;
            }
        }
    }
    cr_assert_geq(found, 0, "no %s rate on %s", cur, iso);
    if (ncache < 512) {
        cache[ncache].fs = fs;
        snprintf(cache[ncache].iso, sizeof cache[ncache].iso, "%.10s", iso);
        snprintf(cache[ncache].cur, sizeof cache[ncache].cur, "%.3s", cur);
        cache[ncache++].v = found;
    }
    return found;
}

#endif
