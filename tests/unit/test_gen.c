/*
 * test_gen: the POS data generator (tools/ns_gen.h): determinism (same seed
 * gives the same bytes, another seed other bytes, a file does not depend on
 * the shape of the run or on bad_rate beyond its malformed lines), object
 * layout, the 20-column format, stats against what is on disk (decompressed
 * here with zlib), malformed lines of every kind, transaction invariants
 * (voids net out, tenders pay the net, returns reference real sales), time
 * zones and business days past midnight, the catalog and option checking.
 */
#include "ns_gen.h"
#include "ns_store.h"

#include <criterion/criterion.h>
#include <ctype.h>
#include <ftw.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <zlib.h>

static char s_root[256];

static int s_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void s_setup(void)
{
    snprintf(s_root, sizeof s_root, "/tmp/ns_test_gen.XXXXXX");
    cr_assert_not_null(mkdtemp(s_root));
}

static void s_teardown(void)
{
    nftw(s_root, s_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(gen, .init = s_setup, .fini = s_teardown);

/* ---- helpers ---- */

static void s_opts(ns_gen_opts_t *o, const char *sub, char *buf)
{
    ns_gen_opts_default(o);
    snprintf(buf, NS_URI_MAX, "file://%s/%s", s_root, sub);
    o->out = buf;
    o->sources = 1u << NS_GEN_SRC_POS; /* the other sources: test_gen_sources.c */
}

static void s_run(const ns_gen_opts_t *o, ns_gen_stats_t *st)
{
    ns_err_t err = {{0}};
    int rc = ns_gen_run(o, st, &err);
    cr_assert_eq(rc, 0, "ns_gen_run: %s", err.msg);
}

typedef struct {
    char uri[NS_URI_MAX]; /* object */
    char *raw;            /* stored bytes */
    size_t rawlen;
    char *text;           /* decompressed (NUL-terminated) */
    size_t textlen;
} s_file_t;

typedef struct {
    s_file_t *f;
    size_t n, cap;
} s_files_t;

static char *s_gunzip(const char *data, size_t len, size_t *outlen)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    cr_assert_eq(inflateInit2(&z, 15 + 16), Z_OK);
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap + 1);
    z.next_in = (unsigned char *)data;
    z.avail_in = (uInt)len;
    int rc;
    do {
        if (n == cap) {
            cap *= 2;
            out = realloc(out, cap + 1);
        }
        z.next_out = (unsigned char *)out + n;
        z.avail_out = (uInt)(cap - n);
        rc = inflate(&z, Z_NO_FLUSH);
        cr_assert(rc == Z_OK || rc == Z_STREAM_END, "inflate: %d", rc);
        n = cap - z.avail_out;
    } while (rc != Z_STREAM_END);
    cr_assert_eq(z.avail_in, 0, "trailing bytes after the gzip member");
    inflateEnd(&z);
    out[n] = '\0';
    *outlen = n;
    return out;
}

static int s_collect(const ns_object_t *obj, void *arg)
{
    s_files_t *fs = arg;
    if (fs->n == fs->cap) {
        fs->cap = fs->cap ? fs->cap * 2 : 64;
        fs->f = realloc(fs->f, fs->cap * sizeof *fs->f);
    }
    s_file_t *f = &fs->f[fs->n++];
    memset(f, 0, sizeof *f);
    snprintf(f->uri, sizeof f->uri, "%s", obj->uri);
    return 0;
}

/* Every object under <out>/ (summary included), read and decompressed. */
static void s_load(const char *out, s_files_t *fs)
{
    memset(fs, 0, sizeof *fs);
    ns_err_t err = {{0}};
    char prefix[NS_URI_MAX];
    snprintf(prefix, sizeof prefix, "%s/", out);
    cr_assert_geq(ns_store_list(prefix, s_collect, fs, &err), 0, "%s", err.msg);
    for (size_t i = 0; i < fs->n; i++) {
        s_file_t *f = &fs->f[i];
        cr_assert_eq(ns_store_get(f->uri, 1 << 28, &f->raw, &f->rawlen, &err), 0, "%s", err.msg);
        size_t ul = strlen(f->uri);
        if (ul > 3 && strcmp(f->uri + ul - 3, ".gz") == 0)
            f->text = s_gunzip(f->raw, f->rawlen, &f->textlen);
    }
}

static void s_free(s_files_t *fs)
{
    for (size_t i = 0; i < fs->n; i++) {
        free(fs->f[i].raw);
        free(fs->f[i].text);
    }
    free(fs->f);
    memset(fs, 0, sizeof *fs);
}

static const s_file_t *s_find(const s_files_t *fs, const char *key)
{
    for (size_t i = 0; i < fs->n; i++) {
        size_t ul = strlen(fs->f[i].uri), kl = strlen(key);
        if (ul >= kl && strcmp(fs->f[i].uri + ul - kl, key) == 0)
            return &fs->f[i];
    }
    return NULL;
}

/* Splits line[0..len) at '|' into f (copies into buf); returns the field
 * count (may exceed max: only the first max are stored). */
static int s_split(const char *line, size_t len, char *buf, char **f, int max)
{
    memcpy(buf, line, len);
    buf[len] = '\0';
    int n = 0;
    char *p = buf;
    for (;;) {
        char *bar = strchr(p, '|');
        if (n < max)
            f[n] = p;
        n++;
        if (!bar)
            break;
        *bar = '\0';
        p = bar + 1;
    }
    return n;
}

static bool s_is_date(const char *s)
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

static bool s_is_ts(const char *s)
{
    if (strlen(s) != 19 || s[10] != 'T' || s[13] != ':' || s[16] != ':')
        return false;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    for (int i = 11; i < 19; i++)
        if (i != 13 && i != 16 && !isdigit((unsigned char)s[i]))
            return false;
    return s_is_date(date) && atoi(s + 11) < 24 && atoi(s + 14) < 60 && atoi(s + 17) < 60;
}

static bool s_is_int(const char *s)
{
    if (*s == '-')
        s++;
    if (!*s)
        return false;
    for (; *s; s++)
        if (!isdigit((unsigned char)*s))
            return false;
    return true;
}

/* "-12.34" -> -1234; asserts the form. */
static long long s_cents(const char *s)
{
    bool neg = *s == '-';
    if (neg)
        s++;
    const char *dot = strchr(s, '.');
    cr_assert(dot && strlen(dot) == 3 && dot > s, "bad money '%s'", s);
    long long v = atoll(s) * 100 + atoi(dot + 1);
    return neg ? -v : v;
}

/* A line of a well-formed row, or false for a planted bad one. */
static bool s_line_ok(int nf, char **f)
{
    if (nf != 20)
        return false;
    if (!s_is_date(f[1]) || !s_is_ts(f[5]))
        return false;
    if (strcmp(f[8], "ITEM") == 0)
        return f[10][0] && s_is_int(f[12]);
    return true;
}

/* ---- tests ---- */

Test(gen, same_seed_same_bytes_other_seed_other_bytes)
{
    char a[NS_URI_MAX], b[NS_URI_MAX], c[NS_URI_MAX];
    ns_gen_opts_t oa, ob, oc;
    ns_gen_stats_t sa, sb, sc;
    s_opts(&oa, "a", a);
    oa.stores = 3, oa.days = 2, oa.seed = 7, oa.scale = 0.2, oa.bad_rate = 0.01;
    s_opts(&ob, "b", b);
    ob.stores = 3, ob.days = 2, ob.seed = 7, ob.scale = 0.2, ob.bad_rate = 0.01;
    oc = ob;
    s_opts(&oc, "c", c);
    oc.stores = 3, oc.days = 2, oc.seed = 8, oc.scale = 0.2, oc.bad_rate = 0.01;
    s_run(&oa, &sa);
    s_run(&ob, &sb);
    s_run(&oc, &sc);
    cr_assert_eq(memcmp(&sa, &sb, sizeof sa), 0);
    s_files_t fa, fb, fc;
    s_load(a, &fa);
    s_load(b, &fb);
    s_load(c, &fc);
    cr_assert_eq(fa.n, 8); /* 6 data files, the summary and the truth */
    cr_assert_eq(fb.n, fa.n);
    cr_assert_eq(fc.n, fa.n);
    for (size_t i = 0; i < fa.n; i++) {
        const char *key = fa.f[i].uri + strlen(a);
        const s_file_t *g = s_find(&fb, key), *h = s_find(&fc, key);
        cr_assert_not_null(g, "%s missing in the second run", key);
        cr_assert_not_null(h, "%s missing in the other seed's run", key);
        if (strstr(key, "_gen/"))
            continue; /* the summary names its output URI */
        cr_assert_eq(g->rawlen, fa.f[i].rawlen, "%s differs in size", key);
        cr_assert_eq(memcmp(g->raw, fa.f[i].raw, g->rawlen), 0, "%s differs", key);
        cr_assert(h->textlen != fa.f[i].textlen ||
                      memcmp(h->text, fa.f[i].text, h->textlen) != 0,
                  "%s is the same with another seed", key);
    }
    s_free(&fa);
    s_free(&fb);
    s_free(&fc);
}

Test(gen, a_file_does_not_depend_on_the_run_shape)
{
    char a[NS_URI_MAX], b[NS_URI_MAX];
    ns_gen_opts_t oa, ob;
    s_opts(&oa, "a", a);
    oa.stores = 3, oa.days = 2, oa.start = "2026-11-23", oa.scale = 0.2;
    s_opts(&ob, "b", b);
    ob.stores = 2, ob.days = 1, ob.start = "2026-11-24", ob.scale = 0.2;
    s_run(&oa, NULL);
    s_run(&ob, NULL);
    s_files_t fa, fb;
    s_load(a, &fa);
    s_load(b, &fb);
    cr_assert_eq(fb.n, 4);
    for (int s = 1; s <= 2; s++) {
        char key[128];
        snprintf(key, sizeof key, "/pos/dt=2026-11-24/store=%04d/pos-%04d-20261124.psv.gz", s, s);
        const s_file_t *x = s_find(&fa, key), *y = s_find(&fb, key);
        cr_assert(x && y, "%s missing", key);
        cr_assert(x->rawlen == y->rawlen && memcmp(x->raw, y->raw, x->rawlen) == 0,
                  "%s depends on the run", key);
    }
    s_free(&fa);
    s_free(&fb);
}

Test(gen, bad_rate_only_corrupts_lines)
{
    char a[NS_URI_MAX], b[NS_URI_MAX];
    ns_gen_opts_t oa, ob;
    ns_gen_stats_t sa, sb;
    s_opts(&oa, "a", a);
    oa.stores = 2, oa.scale = 0.5, oa.bad_rate = 0;
    ob = oa;
    s_opts(&ob, "b", b);
    ob.stores = 2, ob.scale = 0.5, ob.bad_rate = 0.05;
    s_run(&oa, &sa);
    s_run(&ob, &sb);
    cr_assert_eq(sa.bad_lines, 0);
    cr_assert_gt(sb.bad_lines, 0);
    cr_assert_eq(sa.lines, sb.lines);
    cr_assert_eq(sa.item_lines, sb.item_lines);
    s_files_t fa, fb;
    s_load(a, &fa);
    s_load(b, &fb);
    size_t differ = 0;
    for (size_t i = 0; i < fa.n; i++) {
        if (!fa.f[i].text)
            continue;
        const s_file_t *g = s_find(&fb, fa.f[i].uri + strlen(a));
        cr_assert_not_null(g);
        const char *p = fa.f[i].text, *q = g->text;
        while (*p && *q) {
            const char *pe = strchr(p, '\n'), *qe = strchr(q, '\n');
            cr_assert(pe && qe);
            if ((size_t)(pe - p) != (size_t)(qe - q) || memcmp(p, q, (size_t)(pe - p)) != 0) {
                char buf[1024], *f[24];
                int nf = s_split(q, (size_t)(qe - q), buf, f, 24);
                cr_assert(!s_line_ok(nf, f), "a valid line changed with bad_rate: %.*s",
                          (int)(qe - q), q);
                differ++;
            }
            p = pe + 1;
            q = qe + 1;
        }
        cr_assert(!*p && !*q, "line counts differ");
    }
    cr_assert_eq(differ, sb.bad_lines);
    s_free(&fa);
    s_free(&fb);
}

Test(gen, layout_and_stats_match_the_disk)
{
    char a[NS_URI_MAX];
    ns_gen_opts_t o;
    ns_gen_stats_t st;
    s_opts(&o, "raw", a);
    o.stores = 4, o.days = 3, o.start = "2026-02-27", o.scale = 0.3, o.bad_rate = 0.03;
    s_run(&o, &st);
    cr_assert_eq(st.files, 12);
    s_files_t fs;
    s_load(a, &fs);
    cr_assert_eq(fs.n, 14);
    static const char *const dates[3][2] = {
        {"2026-02-27", "20260227"}, {"2026-02-28", "20260228"}, {"2026-03-01", "20260301"}};
    static const char header[] =
        "store_id|business_date|register_id|txn_seq|txn_type|txn_end_local|utc_offset|line_no|"
        "line_type|void_flag|sku|upc|qty|unit_price|ext_amount|disc_amount|promo_id|tender_type|"
        "currency|orig_txn_ref\n";
    uint64_t lines = 0, items = 0, bad = 0, raw = 0, stored = 0;
    int kinds[4] = {0};
    for (int d = 0; d < 3; d++) {
        for (int s = 1; s <= 4; s++) {
            char key[128];
            snprintf(key, sizeof key, "/pos/dt=%s/store=%04d/pos-%04d-%s.psv.gz", dates[d][0], s, s,
                     dates[d][1]);
            const s_file_t *f = s_find(&fs, key);
            cr_assert_not_null(f, "missing %s", key);
            cr_assert_eq(strncmp(f->text, header, strlen(header)), 0, "%s: header", key);
            raw += f->textlen;
            stored += f->rawlen;
            const char *p = f->text + strlen(header);
            while (*p) {
                const char *e = strchr(p, '\n');
                cr_assert_not_null(e, "%s: last line not terminated", key);
                char buf[1024], *fl[24];
                int nf = s_split(p, (size_t)(e - p), buf, fl, 24);
                lines++;
                char want_store[16];
                snprintf(want_store, sizeof want_store, "%04d", s);
                cr_assert_str_eq(fl[0], want_store);
                if (nf >= 9 && strcmp(fl[8], "ITEM") == 0)
                    items++;
                if (!s_line_ok(nf, fl)) {
                    bad++;
                    cr_assert(nf >= 9 && strcmp(fl[8], "ITEM") == 0, "a bad non-item line");
                    if (nf != 20)
                        kinds[0]++;
                    else if (!s_is_date(fl[1]) || !s_is_ts(fl[5]))
                        kinds[1]++;
                    else if (!fl[10][0])
                        kinds[3]++;
                    else
                        kinds[2]++;
                } else {
                    cr_assert_str_eq(fl[1], dates[d][0], "business date of %s", key);
                }
                p = e + 1;
            }
        }
    }
    cr_assert_eq(lines, st.lines);
    cr_assert_eq(items, st.item_lines);
    cr_assert_eq(bad, st.bad_lines);
    cr_assert_eq(raw, st.bytes_raw);
    cr_assert_eq(stored, st.bytes_stored);
    for (int k = 0; k < 4; k++)
        cr_assert_gt(kinds[k], 0, "no malformed line of kind %d among %llu", k,
                     (unsigned long long)bad);
    double rate = (double)bad / (double)items;
    cr_assert(rate > 0.015 && rate < 0.05, "bad rate %f for 0.03", rate);
    const s_file_t *sum = s_find(&fs, "/_gen/pos-summary.json");
    cr_assert_not_null(sum);
    char want[128];
    snprintf(want, sizeof want, "\"bad_lines\":%llu,", (unsigned long long)st.bad_lines);
    cr_assert_not_null(strstr(sum->raw, want), "%s", sum->raw);
    snprintf(want, sizeof want, "\"bytes_stored\":%llu}", (unsigned long long)st.bytes_stored);
    cr_assert_not_null(strstr(sum->raw, want), "%s", sum->raw);
    cr_assert_not_null(strstr(sum->raw, "\"stores\":4,\"days\":3,\"start\":\"2026-02-27\""),
                       "%s", sum->raw);
    s_free(&fs);
}

/* One parsed item or tender line. */
typedef struct {
    char key[40];  /* store|date|reg|seq */
    char type[8], ts[20], off[8], line_type[8], voidf[2], sku[24], upc[16], promo[16],
        tender[12], cur[4], orig[32];
    int line_no, qty;
    long long unit, ext, disc;
} s_row_t;

typedef struct {
    s_row_t *r;
    size_t n, cap;
    bool *txn_bad; /* per row: its transaction holds a malformed line */
} s_rows_t;

/* Parses every data file into rows; a transaction with a malformed line is
 * kept but flagged (its lines cannot be checked for sums). */
static void s_parse(const s_files_t *fs, s_rows_t *rows)
{
    memset(rows, 0, sizeof *rows);
    for (size_t i = 0; i < fs->n; i++) {
        if (!fs->f[i].text)
            continue;
        const char *p = strchr(fs->f[i].text, '\n') + 1;
        while (*p) {
            const char *e = strchr(p, '\n');
            char buf[1024], *f[24];
            int nf = s_split(p, (size_t)(e - p), buf, f, 24);
            if (rows->n == rows->cap) {
                rows->cap = rows->cap ? rows->cap * 2 : 4096;
                rows->r = realloc(rows->r, rows->cap * sizeof *rows->r);
                rows->txn_bad = realloc(rows->txn_bad, rows->cap * sizeof *rows->txn_bad);
            }
            s_row_t *r = &rows->r[rows->n];
            memset(r, 0, sizeof *r);
            bool ok = s_line_ok(nf, f);
            rows->txn_bad[rows->n] = !ok;
            snprintf(r->key, sizeof r->key, "%s|%s|%s|%s", f[0], nf > 1 ? f[1] : "",
                     nf > 2 ? f[2] : "", nf > 3 ? f[3] : "");
            if (ok) {
                /* the key uses the business date even if a later field is bad */
                snprintf(r->type, sizeof r->type, "%s", f[4]);
                snprintf(r->ts, sizeof r->ts, "%s", f[5]);
                snprintf(r->off, sizeof r->off, "%s", f[6]);
                r->line_no = atoi(f[7]);
                snprintf(r->line_type, sizeof r->line_type, "%s", f[8]);
                snprintf(r->voidf, sizeof r->voidf, "%s", f[9]);
                snprintf(r->sku, sizeof r->sku, "%s", f[10]);
                snprintf(r->upc, sizeof r->upc, "%s", f[11]);
                r->qty = atoi(f[12]);
                r->unit = f[13][0] ? s_cents(f[13]) : 0;
                r->ext = s_cents(f[14]);
                r->disc = f[15][0] ? s_cents(f[15]) : 0;
                snprintf(r->promo, sizeof r->promo, "%s", f[16]);
                snprintf(r->tender, sizeof r->tender, "%s", f[17]);
                snprintf(r->cur, sizeof r->cur, "%s", f[18]);
                snprintf(r->orig, sizeof r->orig, "%s", f[19]);
            }
            rows->n++;
            p = e + 1;
        }
    }
    /* spread the flag over the transaction: lines of one are consecutive,
     * and a bad business date changes the key, so a bad line also taints
     * its neighbours with the same store, register and seq */
    for (size_t i = 0; i < rows->n; i++) {
        if (!rows->txn_bad[i])
            continue;
        const char *k = strchr(strchr(rows->r[i].key, '|') + 1, '|'); /* |reg|seq */
        for (size_t j = i; j-- > 0;) {
            const char *kj = strchr(strchr(rows->r[j].key, '|') + 1, '|');
            if (strcmp(kj, k) != 0)
                break;
            rows->txn_bad[j] = true;
        }
        for (size_t j = i + 1; j < rows->n; j++) {
            const char *kj = strchr(strchr(rows->r[j].key, '|') + 1, '|');
            if (strcmp(kj, k) != 0)
                break;
            rows->txn_bad[j] = true;
        }
    }
}

static void s_rows_free(s_rows_t *rows)
{
    free(rows->r);
    free(rows->txn_bad);
}

static bool s_upc_ok(const char *u)
{
    if (strlen(u) != 12)
        return false;
    int sum = 0;
    for (int i = 0; i < 12; i++) {
        if (!isdigit((unsigned char)u[i]))
            return false;
        if (i < 11)
            sum += (u[i] - '0') * (i % 2 == 0 ? 3 : 1);
    }
    return (10 - sum % 10) % 10 == u[11] - '0';
}

static const ns_gen_product_t *s_product(const ns_gen_product_t *cat, int n, const char *sku)
{
    for (int i = 0; i < n; i++)
        if (strcmp(cat[i].sku, sku) == 0)
            return &cat[i];
    return NULL;
}

Test(gen, transactions_hold_together)
{
    char a[NS_URI_MAX];
    ns_gen_opts_t o;
    s_opts(&o, "raw", a);
    o.stores = 20, o.days = 1, o.start = "2026-11-27", o.scale = 0.15, o.bad_rate = 0.01, o.seed = 3;
    s_run(&o, NULL);
    s_files_t fs;
    s_load(a, &fs);
    s_rows_t rows;
    s_parse(&fs, &rows);
    ns_gen_product_t *cat = malloc(NS_GEN_MAX_PRODUCTS * sizeof *cat);
    int ncat = ns_gen_catalog(cat, NS_GEN_MAX_PRODUCTS);
    int txns = 0, voids = 0, returns = 0, promos = 0, late = 0, zero = 0, multi_tender = 0;
    bool seen_cur[4] = {false};
    for (size_t i = 0; i < rows.n;) {
        size_t j = i;
        while (j < rows.n && strcmp(rows.r[j].key, rows.r[i].key) == 0)
            j++;
        bool bad = false;
        for (size_t k = i; k < j; k++)
            bad |= rows.txn_bad[k];
        const s_row_t *t0 = &rows.r[i];
        if (bad) {
            i = j;
            continue;
        }
        txns++;
        int store = atoi(t0->key);
        ns_gen_store_t si;
        cr_assert_eq(ns_gen_store_info(store, &si), 0);
        long long items = 0, paid = 0;
        int tenders = 0;
        bool is_return = strcmp(t0->type, "RETURN") == 0;
        cr_assert(is_return || strcmp(t0->type, "SALE") == 0, "type %s", t0->type);
        returns += is_return;
        for (size_t k = i; k < j; k++) {
            const s_row_t *r = &rows.r[k];
            cr_assert_eq(r->line_no, (int)(k - i) + 1, "%s: line numbers", r->key);
            cr_assert_str_eq(r->type, t0->type);
            cr_assert_str_eq(r->ts, t0->ts);
            cr_assert_str_eq(r->cur, si.currency_code, "%s: currency", r->key);
            for (int c = 0; c < 4; c++)
                seen_cur[c] |= strcmp(r->cur, (const char *[]){"USD", "CAD", "GBP", "EUR"}[c]) == 0;
            cr_assert(strlen(r->off) == 6 && (r->off[0] == '+' || r->off[0] == '-') &&
                          r->off[3] == ':',
                      "offset %s", r->off);
            if (strcmp(r->line_type, "TENDER") == 0) {
                cr_assert_str_eq(r->voidf, "N");
                cr_assert(!r->sku[0] && !r->upc[0] && !r->promo[0] && r->tender[0]);
                paid += r->ext;
                tenders++;
                continue;
            }
            cr_assert_str_eq(r->line_type, "ITEM");
            cr_assert_eq(tenders, 0, "%s: an item after a tender", r->key);
            cr_assert(!r->tender[0]);
            cr_assert_eq(r->ext, r->qty * r->unit - r->disc, "%s line %d: ext", r->key, r->line_no);
            const ns_gen_product_t *p = s_product(cat, ncat, r->sku);
            cr_assert_not_null(p, "unknown sku %s", r->sku);
            cr_assert_str_eq(p->upc, r->upc);
            cr_assert(s_upc_ok(r->upc), "upc %s", r->upc);
            cr_assert_eq(r->unit, p->price_cents[si.currency], "%s: not the list price", r->sku);
            if (r->promo[0]) {
                promos++;
                cr_assert_neq(r->disc, 0);
            } else {
                cr_assert_eq(r->disc, 0);
            }
            items += r->ext;
            if (r->voidf[0] == 'Y') {
                voids++;
                cr_assert(!is_return);
                bool found = false;
                for (size_t m = i; m < k && !found; m++) {
                    const s_row_t *q = &rows.r[m];
                    found = q->voidf[0] == 'N' && strcmp(q->sku, r->sku) == 0 &&
                            q->qty == -r->qty && q->ext == -r->ext && q->disc == -r->disc &&
                            q->unit == r->unit && strcmp(q->promo, r->promo) == 0;
                }
                cr_assert(found, "%s line %d voids no earlier line", r->key, r->line_no);
            } else if (is_return) {
                cr_assert_lt(r->qty, 0);
                cr_assert_lt(r->ext, 0);
                /* 0457-20261117-02-000455: same store, an earlier day */
                cr_assert_eq(strlen(r->orig), 23, "orig ref '%s'", r->orig);
                cr_assert(strncmp(r->orig, t0->key, 4) == 0 && r->orig[4] == '-', "orig ref '%s'", r->orig);
                char od[9];
                memcpy(od, r->orig + 5, 8);
                od[8] = '\0';
                char bd[9] = {t0->key[5], t0->key[6], t0->key[7], t0->key[8], t0->key[10],
                              t0->key[11], t0->key[13], t0->key[14], 0};
                cr_assert_lt(strcmp(od, bd), 0, "orig %s not before %s", od, bd);
            } else {
                cr_assert_gt(r->qty, 0);
                cr_assert(!r->orig[0]);
            }
        }
        cr_assert_eq(items, paid, "%s: items %lld, tenders %lld", t0->key, items, paid);
        if (items == 0) {
            zero++;
            cr_assert_eq(tenders, 0);
        } else {
            cr_assert_gt(tenders, 0, "%s: no tender", t0->key);
        }
        multi_tender += tenders > 1;
        /* business date vs the wall clock */
        char bdate[11];
        memcpy(bdate, t0->key + 5, 10);
        bdate[10] = '\0';
        if (strncmp(t0->ts, bdate, 10) != 0) {
            late++;
            cr_assert(si.late, "store %d does not trade past midnight", store);
            cr_assert(strcmp(t0->ts + 11, "01:30:00") < 0, "%s: %s", t0->key, t0->ts);
        }
        i = j;
    }
    cr_assert_gt(txns, 1000);
    cr_assert_gt(voids, 10);
    cr_assert_gt(returns, 10);
    cr_assert_gt(promos, 100);
    cr_assert_gt(late, 0);
    cr_assert_gt(zero, 0);
    cr_assert_gt(multi_tender, 0);
    for (int c = 0; c < 4; c++)
        cr_assert(seen_cur[c], "currency %d never seen", c);
    free(cat);
    s_rows_free(&rows);
    s_free(&fs);
}

Test(gen, returns_reference_real_sales)
{
    char a[NS_URI_MAX];
    ns_gen_opts_t o;
    s_opts(&o, "raw", a);
    o.stores = 2, o.days = 31, o.start = "2026-10-01", o.scale = 0.5, o.bad_rate = 0;
    s_run(&o, NULL);
    s_files_t fs;
    s_load(a, &fs);
    s_rows_t rows;
    s_parse(&fs, &rows);
    int checked = 0;
    for (size_t i = 0; i < rows.n; i++) {
        const s_row_t *r = &rows.r[i];
        if (strcmp(r->type, "RETURN") != 0 || strcmp(r->line_type, "ITEM") != 0)
            continue;
        /* 0001-20261015-02-001234 -> 0001|2026-10-15|02|001234 */
        char key[40];
        snprintf(key, sizeof key, "%.4s|%.4s-%.2s-%.2s|%.2s|%.6s", r->orig, r->orig + 5,
                 r->orig + 9, r->orig + 11, r->orig + 14, r->orig + 17);
        if (strncmp(key + 5, "2026-10-01", 10) < 0)
            continue; /* before the generated range */
        bool found = false;
        for (size_t j = 0; j < rows.n && !found; j++) {
            const s_row_t *q = &rows.r[j];
            found = strcmp(q->key, key) == 0 && strcmp(q->type, "SALE") == 0 &&
                    q->voidf[0] == 'N' && strcmp(q->sku, r->sku) == 0 && q->unit == r->unit &&
                    strcmp(q->promo, r->promo) == 0 && q->qty >= -r->qty;
        }
        cr_assert(found, "return %s of %s: no such sale line %s", r->key, r->sku, key);
        checked++;
    }
    cr_assert_gt(checked, 20, "only %d returns checked", checked);
    s_rows_free(&rows);
    s_free(&fs);
}

Test(gen, volume_follows_scale)
{
    char a[NS_URI_MAX], b[NS_URI_MAX];
    ns_gen_opts_t o;
    ns_gen_stats_t s1, s2;
    s_opts(&o, "a", a);
    o.stores = 10, o.start = "2026-11-18"; /* a Wednesday */
    s_run(&o, &s1);
    s_opts(&o, "b", b);
    o.stores = 10, o.start = "2026-11-18", o.scale = 0.5;
    s_run(&o, &s2);
    s_files_t fs;
    s_load(a, &fs);
    s_rows_t rows;
    s_parse(&fs, &rows);
    int txns = 0;
    for (size_t i = 0; i < rows.n; i++)
        txns += rows.r[i].line_no == 1;
    cr_assert(txns > 10 * 350 && txns < 10 * 900, "%d txns for 10 stores", txns);
    double ratio = (double)s2.lines / (double)s1.lines;
    cr_assert(ratio > 0.4 && ratio < 0.6, "scale 0.5 gives %f of the lines", ratio);
    s_rows_free(&rows);
    s_free(&fs);
}

Test(gen, gzip_level_changes_only_the_compression)
{
    char a[NS_URI_MAX], b[NS_URI_MAX];
    ns_gen_opts_t o;
    ns_gen_stats_t s0, s9;
    s_opts(&o, "a", a);
    o.stores = 2, o.scale = 0.2, o.gzip_level = 0;
    s_run(&o, &s0);
    s_opts(&o, "b", b);
    o.stores = 2, o.scale = 0.2, o.gzip_level = 9;
    s_run(&o, &s9);
    cr_assert_eq(s0.bytes_raw, s9.bytes_raw);
    cr_assert_gt(s0.bytes_stored, s0.bytes_raw); /* stored blocks add framing */
    cr_assert_lt(s9.bytes_stored * 4, s9.bytes_raw);
    s_files_t f0, f9;
    s_load(a, &f0);
    s_load(b, &f9);
    for (size_t i = 0; i < f0.n; i++) {
        if (!f0.f[i].text)
            continue;
        const s_file_t *g = s_find(&f9, f0.f[i].uri + strlen(a));
        cr_assert(g && g->textlen == f0.f[i].textlen &&
                  memcmp(g->text, f0.f[i].text, g->textlen) == 0);
    }
    s_free(&f0);
    s_free(&f9);
}

Test(gen, empty_day_still_writes_a_file)
{
    char a[NS_URI_MAX];
    ns_gen_opts_t o;
    ns_gen_stats_t st;
    s_opts(&o, "a", a);
    o.stores = 2, o.start = "2026-12-25"; /* closed */
    s_run(&o, &st);
    cr_assert_eq(st.files, 2);
    cr_assert_eq(st.lines, 0);
    s_files_t fs;
    s_load(a, &fs);
    const s_file_t *f = s_find(&fs, "/pos/dt=2026-12-25/store=0001/pos-0001-20261225.psv.gz");
    cr_assert_not_null(f);
    cr_assert_eq(strncmp(f->text, "store_id|", 9), 0);
    cr_assert_eq(strchr(f->text, '\n') + 1, f->text + f->textlen);
    s_free(&fs);
}

Test(gen, catalog_and_stores)
{
    ns_gen_product_t *cat = malloc(NS_GEN_MAX_PRODUCTS * sizeof *cat);
    int n = ns_gen_catalog(cat, NS_GEN_MAX_PRODUCTS);
    cr_assert(n >= 200 && n <= NS_GEN_MAX_PRODUCTS, "%d products", n);
    for (int i = 0; i < n; i++) {
        const ns_gen_product_t *p = &cat[i];
        /* DRS-1042-BLK-M */
        cr_assert(strlen(p->sku) >= 14 && p->sku[3] == '-' && p->sku[8] == '-' && p->sku[12] == '-',
                  "sku %s", p->sku);
        cr_assert_eq(strncmp(p->sku, p->category, 3), 0);
        cr_assert(s_upc_ok(p->upc), "upc %s", p->upc);
        for (int c = 0; c < 4; c++) {
            cr_assert_gt(p->price_cents[c], 0);
            int cents = (int)(p->price_cents[c] % 100);
            cr_assert(cents == 0 || cents == 90, "price %lld", (long long)p->price_cents[c]);
        }
        for (int j = 0; j < i; j++) {
            cr_assert_str_neq(p->sku, cat[j].sku);
            cr_assert_str_neq(p->upc, cat[j].upc);
        }
    }
    ns_gen_product_t again[4];
    cr_assert_eq(ns_gen_catalog(again, 4), n);
    cr_assert_eq(memcmp(again, cat, sizeof again), 0);
    free(cat);
    bool cur[4] = {false};
    for (int id = 1; id <= 20; id++) {
        ns_gen_store_t s;
        cr_assert_eq(ns_gen_store_info(id, &s), 0);
        cr_assert_eq(s.id, id);
        cr_assert(s.registers >= 2 && s.registers <= 6);
        cur[s.currency] = true;
        static const char *const codes[4] = {"USD", "CAD", "GBP", "EUR"};
        cr_assert_str_eq(s.currency_code, codes[s.currency]);
    }
    for (int c = 0; c < 4; c++)
        cr_assert(cur[c]);
    ns_gen_store_t s;
    cr_assert_eq(ns_gen_store_info(0, &s), -1);
    cr_assert_eq(ns_gen_store_info(10000, &s), -1);
}

Test(gen, bad_options_are_refused)
{
    char a[NS_URI_MAX];
    ns_gen_opts_t o;
    ns_err_t err;
#define S_BAD(stmt, needle)                                                                         \
    do {                                                                                            \
        s_opts(&o, "x", a);                                                                         \
        stmt;                                                                                       \
        memset(&err, 0, sizeof err);                                                                \
        cr_assert_eq(ns_gen_run(&o, NULL, &err), -1, #stmt " accepted");                            \
        cr_assert_not_null(strstr(err.msg, needle), #stmt ": message '%s'", err.msg);               \
    } while (0)
    S_BAD(o.stores = 0, "stores");
    S_BAD(o.stores = 10000, "stores");
    S_BAD(o.days = 0, "days");
    S_BAD(o.start = "2026-13-01", "2026-13-01");
    S_BAD(o.start = "2026-02-29", "2026-02-29");
    S_BAD(o.start = "2026-1-01", "2026-1-01");
    S_BAD(o.start = NULL, "start");
    S_BAD(o.bad_rate = 1.5, "bad_rate");
    S_BAD(o.bad_rate = -0.1, "bad_rate");
    S_BAD(o.scale = 0, "scale");
    S_BAD(o.scale = 1000, "scale");
    S_BAD(o.gzip_level = 10, "gzip_level");
    S_BAD(o.out = NULL, "out");
    S_BAD(o.out = "relative/dir", "relative/dir");
#undef S_BAD
    /* nothing was written for any of them */
    struct stat sb;
    char path[512];
    snprintf(path, sizeof path, "%s/x", s_root);
    cr_assert_neq(stat(path, &sb), 0);
}
