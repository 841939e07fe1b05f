/*
 * Tests of the shuffle: ns_run (writer, reader, row order), ns_sorter
 * (arena, spills, partitions) and ns_merge (k-way merge, merge passes),
 * over a local temporary directory used as the object store.
 */
#include "ns_codec.h"
#include "ns_merge.h"
#include "ns_run.h"
#include "ns_sorter.h"

#include <criterion/criterion.h>

#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ fixture */

static char s_dir[256];

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/ns_test_shuffle_XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
}

static int s_rm(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

static void s_teardown(void)
{
    nftw(s_dir, s_rm, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(shuffle, .init = s_setup, .fini = s_teardown);

/* xorshift64*: deterministic test data */
static uint64_t s_rng = 88172645463325252ULL;
static uint64_t s_rand(void)
{
    s_rng ^= s_rng >> 12;
    s_rng ^= s_rng << 25;
    s_rng ^= s_rng >> 27;
    return s_rng * 2685821657736338717ULL;
}

typedef struct {
    const char *tag; /* name part: "m" sorter runs, "i" intermediates */
    int calls;       /* times called */
} s_namer_t;

static int s_name(void *arg, int partition, int run_no, char *uri)
{
    s_namer_t *nm = arg;
    nm->calls++;
    int n = snprintf(uri, NS_URI_MAX, "file://%s/%s-p%04d-r%04d.run.zst", s_dir, nm->tag, partition,
                     run_no);
    return n < 0 || n >= NS_URI_MAX ? -1 : 0;
}

static void s_uri(char *out, const char *name)
{
    snprintf(out, NS_URI_MAX, "file://%s/%s", s_dir, name);
}

static int s_exists(const char *uri)
{
    ns_object_t o;
    ns_err_t e;
    return ns_store_head(uri, &o, &e) == 0;
}

/* ---------------------------------------------------------- test rows */

#define NCOLS 4
static const ns_coltype_t s_types[NCOLS] = {
    {NS_T_INT, 0}, {NS_T_STRING, 0}, {NS_T_INT, 0}, {NS_T_STRING, 0}};

typedef struct {
    ns_buf_t bytes; /* every record, back to back */
    size_t *off;    /* record offsets */
    int *part;      /* record partitions */
    size_t n;       /* records */
} s_rows_t;

/* Random rows: low-cardinality ints and strings (with NULLs and 0x00
 * bytes) so that keys repeat and prefixes tie often. */
static void s_make_rows(s_rows_t *r, size_t n, int nparts, const int *key, int nkey)
{
    ns_buf_init(&r->bytes, (size_t)1 << 30);
    r->off = calloc(n, sizeof *r->off);
    r->part = calloc(n, sizeof *r->part);
    r->n = n;
    cr_assert(r->off && r->part);
    static const char alpha[] = {'a', 'b', '\0', 'z', '\xff', '\x01'};
    char s1[64], s3[64];
    for (size_t i = 0; i < n; i++) {
        ns_value_t v[NCOLS];
        memset(v, 0, sizeof v);
        v[0].null = s_rand() % 10 == 0;
        v[0].i = (int64_t)(s_rand() % 7) - 3;
        if (s_rand() % 5 == 0)
            v[0].i *= (int64_t)1 << 60; /* big magnitudes, both signs */
        v[1].null = s_rand() % 8 == 0;
        v[1].len = (uint32_t)(s_rand() % 12);
        for (uint32_t k = 0; k < v[1].len; k++)
            s1[k] = alpha[s_rand() % 3 == 0 ? s_rand() % sizeof alpha : 0];
        v[1].s = s1;
        v[2].null = false;
        v[2].i = (int64_t)(s_rand() % 1000);
        v[3].null = s_rand() % 3 == 0;
        /* long common prefixes: the 8-byte sort prefix often ties */
        v[3].len = (uint32_t)(s_rand() % 14);
        for (uint32_t k = 0; k < v[3].len; k++)
            s3[k] = k < 7 ? "cust-00"[k] : (char)('a' + s_rand() % 4);
        v[3].s = s3;
        r->off[i] = r->bytes.len;
        r->part[i] = (int)(s_rand() % (uint64_t)nparts);
        cr_assert_eq(ns_row_encode(&r->bytes, s_types, v, NCOLS, key, nkey), 0);
    }
}

static void s_free_rows(s_rows_t *r)
{
    ns_buf_free(&r->bytes);
    free(r->off);
    free(r->part);
}

static const uint8_t *s_rec(const s_rows_t *r, size_t i)
{
    return (const uint8_t *)r->bytes.data + r->off[i];
}

static ns_rowview_t s_view(const uint8_t *rec)
{
    ns_rowview_t v;
    cr_assert_eq(ns_row_view(rec, SIZE_MAX, &v), 0);
    return v;
}

static int s_qcmp(const void *a, const void *b)
{
    ns_rowview_t va = s_view(*(const uint8_t *const *)a);
    ns_rowview_t vb = s_view(*(const uint8_t *const *)b);
    return ns_row_cmp(&va, &vb);
}

/* The records of one partition sorted in memory. */
static const uint8_t **s_expected(const s_rows_t *r, int part, size_t *n)
{
    const uint8_t **e = calloc(r->n + 1, sizeof *e);
    cr_assert_not_null(e);
    size_t k = 0;
    for (size_t i = 0; i < r->n; i++)
        if (r->part[i] == part)
            e[k++] = s_rec(r, i);
    qsort(e, k, sizeof *e, s_qcmp);
    *n = k;
    return e;
}

static void s_same_row(const ns_rowview_t *got, const uint8_t *want, size_t i)
{
    ns_rowview_t w = s_view(want);
    cr_assert_eq(got->total_len, w.total_len, "row %zu: length %u, want %u", i, got->total_len,
                 w.total_len);
    cr_assert(memcmp(got->key - 6, want, w.total_len) == 0, "row %zu differs", i);
}

/* Merges uris and checks the output equals want[0..nwant). */
static void s_check_merge(const char *const *uris, int n, const uint8_t **want, size_t nwant)
{
    ns_err_t err;
    ns_merge_t *m = ns_merge_new(uris, n, 4096, &err);
    cr_assert_not_null(m, "%s", err.msg);
    ns_rowview_t row;
    size_t i = 0;
    int got;
    while ((got = ns_merge_next(m, &row, &err)) == 1) {
        cr_assert_lt(i, nwant, "merge yields more rows than were added");
        s_same_row(&row, want[i], i);
        i++;
    }
    cr_assert_eq(got, 0, "%s", err.msg);
    cr_assert_eq(i, nwant);
    cr_assert_eq(ns_merge_next(m, &row, &err), 0, "the end stays the end");
    ns_merge_destroy(&m);
    cr_assert_null(m);
}

/* Reads a run whole; checks it is in run order; returns the row count. */
static uint64_t s_check_run(const ns_run_info_t *info)
{
    ns_err_t err;
    ns_run_reader_t *r = ns_run_reader_open(info->uri, 4096, &err);
    cr_assert_not_null(r, "%s", err.msg);
    uint8_t *prev = NULL;
    uint64_t rows = 0, bytes = 0;
    ns_rowview_t row;
    int got;
    while ((got = ns_run_reader_next(r, &row, &err)) == 1) {
        if (prev) {
            ns_rowview_t pv = s_view(prev);
            cr_assert_leq(ns_row_cmp(&pv, &row), 0, "run '%s' not sorted at row %llu", info->uri,
                          (unsigned long long)rows);
        }
        free(prev);
        prev = malloc(row.total_len);
        memcpy(prev, row.key - 6, row.total_len);
        rows++;
        bytes += row.total_len;
    }
    cr_assert_eq(got, 0, "%s", err.msg);
    free(prev);
    ns_run_reader_close(&r);
    cr_assert_null(r);
    cr_assert_eq(rows, info->rows);
    cr_assert_eq(bytes, info->bytes);
    ns_object_t o;
    cr_assert_eq(ns_store_head(info->uri, &o, &err), 0, "%s", err.msg);
    cr_assert_eq(o.size, info->stored, "stored size");
    return rows;
}

/* --------------------------------------------------------------- order */

Test(shuffle, row_order_key_then_fields)
{
    ns_buf_t b;
    ns_buf_init(&b, 1 << 20);
    int key[1] = {0};
    ns_value_t v[NCOLS] = {{.i = 5}, {.s = "x", .len = 1}, {.i = 1}, {.null = true}};
    ns_row_encode(&b, s_types, v, NCOLS, key, 1);
    size_t o2 = b.len;
    v[2].i = 2; /* same key, larger body */
    ns_row_encode(&b, s_types, v, NCOLS, key, 1);
    size_t o3 = b.len;
    v[0].i = -1; /* smaller key, larger body */
    v[2].i = 99;
    ns_row_encode(&b, s_types, v, NCOLS, key, 1);
    size_t o4 = b.len;
    v[0].null = true; /* NULL key sorts first */
    ns_row_encode(&b, s_types, v, NCOLS, key, 1);
    const uint8_t *p = (const uint8_t *)b.data;
    ns_rowview_t r1 = s_view(p), r2 = s_view(p + o2), r3 = s_view(p + o3), r4 = s_view(p + o4);
    cr_assert_lt(ns_row_cmp(&r1, &r2), 0);
    cr_assert_gt(ns_row_cmp(&r2, &r1), 0);
    cr_assert_lt(ns_row_cmp(&r3, &r1), 0);
    cr_assert_lt(ns_row_cmp(&r4, &r3), 0);
    cr_assert_eq(ns_row_cmp(&r2, &r2), 0);
    ns_buf_free(&b);
}

/* ------------------------------------------------------- sorter, merge */

/* Sorts rows through a sorter and checks runs, merges and merge passes. */
static void s_check_rows(s_rows_t *rows_, int nparts, size_t budget, int min_spills)
{
    s_rows_t rows = *rows_;
    size_t nrows = rows.n;
    ns_err_t err;
    s_namer_t nm = {.tag = "m"};
    ns_sorter_t *s = ns_sorter_new(nparts, budget, 1, s_name, &nm, &err);
    cr_assert_not_null(s, "%s", err.msg);
    for (size_t i = 0; i < rows.n; i++) {
        ns_rowview_t v = s_view(s_rec(&rows, i));
        cr_assert_eq(ns_sorter_add(s, rows.part[i], s_rec(&rows, i), v.total_len, &err), 0, "%s",
                     err.msg);
    }
    cr_assert_eq(ns_sorter_finish(s, &err), 0, "%s", err.msg);
    int nruns;
    const ns_run_info_t *runs = ns_sorter_runs(s, &nruns);
    cr_assert_geq(ns_sorter_spills(s), min_spills, "spills: %d", ns_sorter_spills(s));
    cr_assert_eq(nm.calls, nruns);

    /* every run sorted; run numbers count from 0 per partition */
    uint64_t total = 0;
    int *next_no = calloc((size_t)nparts, sizeof *next_no);
    for (int i = 0; i < nruns; i++) {
        cr_assert(runs[i].partition >= 0 && runs[i].partition < nparts);
        char want[NS_URI_MAX];
        s_namer_t tmp = {.tag = "m"};
        s_name(&tmp, runs[i].partition, next_no[runs[i].partition]++, want);
        cr_assert_str_eq(runs[i].uri, want);
        cr_assert_gt(runs[i].rows, 0, "no empty runs");
        total += s_check_run(&runs[i]);
    }
    cr_assert_eq(total, nrows);
    /* one run per non-empty partition per spill */
    for (int p = 0; p < nparts; p++)
        cr_assert_leq(next_no[p], ns_sorter_spills(s), "partition %d has %d runs", p, next_no[p]);

    for (int p = 0; p < nparts; p++) {
        size_t nwant;
        const uint8_t **want = s_expected(&rows, p, &nwant);
        int n = 0;
        char **uris = calloc((size_t)nruns + 1, sizeof *uris);
        for (int i = 0; i < nruns; i++)
            if (runs[i].partition == p)
                uris[n++] = strdup(runs[i].uri);
        cr_assert_eq(n, next_no[p]);
        /* merging every run gives the in-memory sort: order and multiset */
        s_check_merge((const char *const *)uris, n, want, nwant);

        /* merge passes give the same rows, and clean up after themselves */
        for (int fan = 2; fan <= 4; fan++) {
            char **list = calloc((size_t)n + 1, sizeof *list);
            for (int i = 0; i < n; i++)
                list[i] = strdup(uris[i]);
            int nl = n;
            s_namer_t inm = {.tag = "i"};
            cr_assert_eq(ns_merge_passes(&list, &nl, fan, 4096, 1, s_name, &inm, p, 100, &err), 0,
                         "%s", err.msg);
            cr_assert_leq(nl, fan);
            if (n <= fan)
                cr_assert_eq(inm.calls, 0, "no pass when the runs fit the fan-in");
            s_check_merge((const char *const *)list, nl, want, nwant);
            /* the caller's runs are kept */
            for (int i = 0; i < n; i++)
                cr_assert(s_exists(uris[i]), "input '%s' was deleted", uris[i]);
            /* every intermediate ever written is gone unless still listed */
            for (int no = 100; no < 100 + inm.calls; no++) {
                char u[NS_URI_MAX];
                s_namer_t t2 = {.tag = "i"};
                s_name(&t2, p, no, u);
                int listed = 0;
                for (int i = 0; i < nl; i++)
                    listed |= strcmp(list[i], u) == 0;
                cr_assert_eq(s_exists(u), listed, "intermediate '%s'", u);
            }
            for (int i = 0; i < nl; i++) {
                int input = 0;
                for (int j = 0; j < n; j++)
                    input |= strcmp(list[i], uris[j]) == 0;
                if (!input) {
                    ns_store_delete(list[i], &err);
                }
                free(list[i]);
            }
            free(list);
        }
        for (int i = 0; i < n; i++)
            free(uris[i]);
        free(uris);
        free(want);
    }
    free(next_no);
    ns_sorter_destroy(&s);
    cr_assert_null(s);
    ns_sorter_destroy(&s); /* NULL is fine */
}

static void s_sort_and_check(size_t nrows, int nparts, size_t budget, const int *key, int nkey)
{
    s_rows_t rows;
    s_make_rows(&rows, nrows, nparts, key, nkey);
    s_check_rows(&rows, nparts, budget, 6);
    s_free_rows(&rows);
}

Test(shuffle, sorter_spills_and_merges_multi_key)
{
    int key[3] = {1, 0, 3};
    s_sort_and_check(3000, 7, 8192, key, 3);
}

Test(shuffle, sorter_int_key_one_partition)
{
    /* col 2 is not first in the body: ties on the prefix must be broken
     * by the last key byte, not by the fields */
    int key[1] = {2};
    s_sort_and_check(2000, 1, 4096, key, 1);
}

Test(shuffle, sorter_no_key_orders_by_fields)
{
    s_sort_and_check(1500, 3, 2048, NULL, 0);
}

Test(shuffle, sorter_large_run_with_long_common_prefixes)
{
    /* string key first: many rows share 8+ key bytes, big tie groups */
    int key[2] = {3, 2};
    s_sort_and_check(20000, 2, 256 * 1024, key, 2);
}

/* Rows that defeat the 8-byte prefix: duplicates, long equal keys, keys
 * equal but for trailing zero bytes, long equal bodies. */
static void s_make_ties(s_rows_t *r, int nparts)
{
    size_t n = 2400;
    ns_buf_init(&r->bytes, (size_t)1 << 30);
    r->off = calloc(n, sizeof *r->off);
    r->part = calloc(n, sizeof *r->part);
    r->n = n;
    char s1[256], s3[256];
    static const int keys[3][3] = {{1, 3, 0}, {3, 1, 2}, {2, 0, 1}};
    for (size_t i = 0; i < n; i++) {
        ns_value_t v[NCOLS];
        memset(v, 0, sizeof v);
        int kind = (int)(s_rand() % 4), nkey = 2;
        const int *key = keys[0];
        v[0].i = 7;
        v[1].s = s1;
        v[2].i = 9;
        v[3].s = s3;
        if (kind == 0) { /* identical rows */
            v[1].null = v[3].null = true;
        } else if (kind == 1) { /* 100 equal key bytes, then a short tail */
            memset(s1, 'x', 100);
            v[1].len = 100 + (uint32_t)(s_rand() % 3);
            for (uint32_t k = 100; k < v[1].len; k++)
                s1[k] = (char)('a' + s_rand() % 3);
            v[3].null = true;
            v[0].i = (int64_t)(s_rand() % 3);
        } else if (kind == 2) { /* NULL keys of 1, 2 or 3 columns: 00, 00 00, 00 00 00 */
            v[1].null = v[3].null = true;
            v[0].null = true;
            v[2].null = true;
            key = keys[s_rand() % 3];
            nkey = 1 + (int)(s_rand() % 3);
            v[2].null = s_rand() % 2;
        } else { /* same key, bodies equal for 60+ bytes */
            v[1].null = true;
            v[3].len = 60 + (uint32_t)(s_rand() % 2);
            memset(s3, 'y', 60);
            s3[v[3].len - 1] = (char)('a' + s_rand() % 3);
            key = keys[2];
            nkey = 1;
        }
        r->off[i] = r->bytes.len;
        r->part[i] = (int)(s_rand() % (uint64_t)nparts);
        cr_assert_eq(ns_row_encode(&r->bytes, s_types, v, NCOLS, key, nkey), 0);
    }
}

Test(shuffle, sorter_pathological_ties)
{
    for (int nparts = 1; nparts <= 3; nparts += 2) {
        s_rows_t rows;
        s_make_ties(&rows, nparts);
        s_check_rows(&rows, nparts, (size_t)4 << 20, 1); /* one big sort */
        s_teardown();
        cr_assert_eq(mkdir(s_dir, 0700), 0);
        s_check_rows(&rows, nparts, 16384, 5); /* many small ones */
        s_teardown();
        cr_assert_eq(mkdir(s_dir, 0700), 0);
        s_free_rows(&rows);
    }
}

Test(shuffle, sorter_rejects_bad_input)
{
    ns_err_t err;
    s_namer_t nm = {.tag = "m"};
    cr_assert_null(ns_sorter_new(0, 4096, 1, s_name, &nm, &err));
    cr_assert_null(ns_sorter_new(2, 10, 1, s_name, &nm, &err));
    ns_sorter_t *s = ns_sorter_new(2, 2048, 1, s_name, &nm, &err);
    cr_assert_not_null(s, "%s", err.msg);
    ns_buf_t b;
    ns_buf_init(&b, 1 << 20);
    char big[4000];
    memset(big, 'q', sizeof big);
    ns_value_t v[NCOLS] = {{.i = 1}, {.s = big, .len = sizeof big}, {.i = 1}, {.null = true}};
    cr_assert_eq(ns_row_encode(&b, s_types, v, NCOLS, NULL, 0), 0);
    cr_assert_eq(ns_sorter_add(s, 0, (const uint8_t *)b.data, b.len, &err), -1);
    cr_assert(strstr(err.msg, "budget"), "%s", err.msg);
    ns_buf_reset(&b);
    v[1].len = 10;
    cr_assert_eq(ns_row_encode(&b, s_types, v, NCOLS, NULL, 0), 0);
    cr_assert_eq(ns_sorter_add(s, 2, (const uint8_t *)b.data, b.len, &err), -1, "bad partition");
    cr_assert_eq(ns_sorter_add(s, -1, (const uint8_t *)b.data, b.len, &err), -1, "bad partition");
    cr_assert_eq(ns_sorter_add(s, 0, (const uint8_t *)b.data, b.len - 1, &err), -1, "short");
    cr_assert_eq(ns_sorter_add(s, 0, (const uint8_t *)b.data, b.len + 0, &err), 0, "%s", err.msg);
    uint8_t bad[8] = {1, 0, 0, 0, 0, 0, 0, 0}; /* row_len 1: malformed */
    cr_assert_eq(ns_sorter_add(s, 0, bad, 5, &err), -1);
    cr_assert_eq(ns_sorter_finish(s, &err), 0, "%s", err.msg);
    int n;
    ns_sorter_runs(s, &n);
    cr_assert_eq(n, 1);
    cr_assert_eq(ns_sorter_spills(s), 1);
    ns_buf_free(&b);
    ns_sorter_destroy(&s);
}

static int s_no_name(void *arg, int partition, int run_no, char *uri)
{
    (void)arg;
    (void)partition;
    (void)run_no;
    uri[0] = '\0';
    return -1;
}

Test(shuffle, sorter_write_failures_are_errors)
{
    ns_err_t err;
    ns_sorter_t *s = ns_sorter_new(1, 4096, 1, s_no_name, NULL, &err);
    cr_assert_not_null(s, "%s", err.msg);
    ns_buf_t b;
    ns_buf_init(&b, 1 << 20);
    ns_value_t v[NCOLS] = {{.i = 1}, {.s = "abc", .len = 3}, {.i = 1}, {.null = true}};
    cr_assert_eq(ns_row_encode(&b, s_types, v, NCOLS, NULL, 0), 0);
    cr_assert_eq(ns_sorter_add(s, 0, (const uint8_t *)b.data, b.len, &err), 0);
    cr_assert_eq(ns_sorter_finish(s, &err), -1);
    cr_assert(strstr(err.msg, "name"), "%s", err.msg);
    ns_sorter_destroy(&s);

    /* a directory where the run should be: the commit cannot rename */
    char uri[NS_URI_MAX], path[512];
    s_uri(uri, "m-p0000-r0000.run.zst");
    snprintf(path, sizeof path, "%s/m-p0000-r0000.run.zst", s_dir);
    cr_assert_eq(mkdir(path, 0700), 0);
    s_namer_t nm = {.tag = "m"};
    s = ns_sorter_new(1, 4096, 1, s_name, &nm, &err);
    cr_assert_eq(ns_sorter_add(s, 0, (const uint8_t *)b.data, b.len, &err), 0);
    cr_assert_eq(ns_sorter_finish(s, &err), -1);
    cr_assert(strstr(err.msg, "m-p0000-r0000"), "%s", err.msg);
    cr_assert_eq(ns_sorter_add(s, 0, (const uint8_t *)b.data, b.len, &err), -1, "stays failed");
    ns_buf_free(&b);
    ns_sorter_destroy(&s);
}

/* -------------------------------------------------------------- empty */

Test(shuffle, empty_inputs)
{
    ns_err_t err;
    s_namer_t nm = {.tag = "m"};
    ns_sorter_t *s = ns_sorter_new(4, 4096, 1, s_name, &nm, &err);
    cr_assert_not_null(s);
    cr_assert_eq(ns_sorter_finish(s, &err), 0, "%s", err.msg);
    int n = -1;
    ns_sorter_runs(s, &n);
    cr_assert_eq(n, 0);
    cr_assert_eq(ns_sorter_spills(s), 0);
    cr_assert_eq(nm.calls, 0);
    ns_sorter_destroy(&s);

    /* merge of nothing */
    ns_merge_t *m = ns_merge_new(NULL, 0, 4096, &err);
    cr_assert_not_null(m, "%s", err.msg);
    ns_rowview_t row;
    cr_assert_eq(ns_merge_next(m, &row, &err), 0);
    ns_merge_destroy(&m);
    char **list = NULL;
    int nl = 0;
    cr_assert_eq(ns_merge_passes(&list, &nl, 2, 4096, 1, s_name, &nm, 0, 0, &err), 0);
    cr_assert_eq(nl, 0);

    /* a run with no rows, alone and among others */
    char e1[NS_URI_MAX], e2[NS_URI_MAX], e3[NS_URI_MAX];
    s_uri(e1, "empty1.run.zst");
    s_uri(e2, "empty2.run.zst");
    s_uri(e3, "empty3.run.zst");
    const char *es[3] = {e1, e2, e3};
    for (int i = 0; i < 3; i++) {
        ns_run_writer_t *w = ns_run_writer_new(es[i], 3, &err);
        cr_assert_not_null(w, "%s", err.msg);
        ns_run_info_t info;
        cr_assert_eq(ns_run_writer_commit(&w, &info, &err), 0, "%s", err.msg);
        cr_assert_null(w);
        cr_assert_eq(info.rows, 0);
        cr_assert_eq(info.bytes, 0);
        cr_assert_gt(info.stored, 0);
    }
    ns_run_reader_t *r = ns_run_reader_open(e1, 4096, &err);
    cr_assert_not_null(r, "%s", err.msg);
    cr_assert_eq(ns_run_reader_next(r, &row, &err), 0);
    ns_run_reader_close(&r);
    ns_run_reader_close(&r); /* NULL is fine */
    m = ns_merge_new(es, 3, 4096, &err);
    cr_assert_not_null(m, "%s", err.msg);
    cr_assert_eq(ns_merge_next(m, &row, &err), 0);
    ns_merge_destroy(&m);
    list = calloc(3, sizeof *list);
    for (int i = 0; i < 3; i++)
        list[i] = strdup(es[i]);
    nl = 3;
    s_namer_t inm = {.tag = "i"};
    cr_assert_eq(ns_merge_passes(&list, &nl, 2, 4096, 1, s_name, &inm, 0, 0, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(nl, 2);
    cr_assert_eq(inm.calls, 1);
    m = ns_merge_new((const char *const *)list, nl, 4096, &err);
    cr_assert_not_null(m, "%s", err.msg);
    cr_assert_eq(ns_merge_next(m, &row, &err), 0);
    ns_merge_destroy(&m);
    for (int i = 0; i < nl; i++)
        free(list[i]);
    free(list);
}

/* ---------------------------------------------------------- bad runs */

/* Writes a run of nrows rows with the given fan-out of string sizes. */
static void s_write_run(const char *uri, int nrows, uint32_t strlen_, uint64_t *bytes)
{
    ns_err_t err;
    ns_run_writer_t *w = ns_run_writer_new(uri, 1, &err);
    cr_assert_not_null(w, "%s", err.msg);
    ns_buf_t b;
    ns_buf_init(&b, (size_t)1 << 30);
    char *str = malloc(strlen_ + 1);
    int key[1] = {2};
    for (int i = 0; i < nrows; i++) {
        for (uint32_t k = 0; k < strlen_; k++)
            str[k] = (char)('a' + (s_rand() % 26));
        ns_value_t v[NCOLS] = {{.i = i}, {.s = str, .len = strlen_}, {.i = i}, {.null = true}};
        ns_buf_reset(&b);
        cr_assert_eq(ns_row_encode(&b, s_types, v, NCOLS, key, 1), 0);
        cr_assert_eq(ns_run_writer_add(w, (const uint8_t *)b.data, b.len, &err), 0, "%s", err.msg);
    }
    ns_run_info_t info;
    cr_assert_eq(ns_run_writer_commit(&w, &info, &err), 0, "%s", err.msg);
    cr_assert_eq(info.rows, (uint64_t)nrows);
    cr_assert_str_eq(info.uri, uri);
    if (bytes)
        *bytes = info.bytes;
    free(str);
    ns_buf_free(&b);
}

/* Reads uri to the end: the row count, or -1 with err set. */
static long s_read_all(const char *uri, size_t bufsize, ns_err_t *err)
{
    ns_run_reader_t *r = ns_run_reader_open(uri, bufsize, err);
    if (!r)
        return -1;
    ns_rowview_t row;
    long n = 0;
    int got;
    while ((got = ns_run_reader_next(r, &row, err)) == 1)
        n++;
    ns_run_reader_close(&r);
    return got < 0 ? -1 : n;
}

Test(shuffle, rows_larger_than_the_buffer)
{
    char uri[NS_URI_MAX];
    s_uri(uri, "big.run.zst");
    s_write_run(uri, 20, 100000, NULL);
    ns_err_t err;
    cr_assert_eq(s_read_all(uri, 4096, &err), 20, "%s", err.msg);
    const char *one[1] = {uri};
    ns_merge_t *m = ns_merge_new(one, 1, 4096, &err);
    ns_rowview_t row;
    int n = 0;
    while (ns_merge_next(m, &row, &err) == 1) {
        cr_assert_eq(row.body_len, 1 + 8 + 1 + 4 + 100000 + 1 + 8 + 1);
        n++;
    }
    cr_assert_eq(n, 20);
    ns_merge_destroy(&m);
}

Test(shuffle, truncated_run_is_an_error)
{
    char uri[NS_URI_MAX], cut[NS_URI_MAX];
    s_uri(uri, "whole.run.zst");
    s_write_run(uri, 3000, 30, NULL);
    ns_err_t err;
    cr_assert_eq(s_read_all(uri, 4096, &err), 3000, "%s", err.msg);
    char *data;
    size_t len;
    cr_assert_eq(ns_store_get(uri, 1 << 26, &data, &len, &err), 0, "%s", err.msg);
    size_t cuts[] = {1, 4, 5, 13, 100, len / 2, len - 10, len - 1};
    for (size_t c = 0; c < sizeof cuts / sizeof cuts[0]; c++) {
        s_uri(cut, "cut.run.zst");
        cr_assert_eq(ns_store_put(cut, data, len - cuts[c], &err), 0, "%s", err.msg);
        err.msg[0] = '\0';
        cr_assert_eq(s_read_all(cut, 4096, &err), -1, "cut %zu bytes", cuts[c]);
        cr_assert(strstr(err.msg, cut), "message names the run: %s", err.msg);
        /* the merge reports it too */
        const char *two[2] = {uri, cut};
        ns_merge_t *m = ns_merge_new(two, 2, 4096, &err);
        int got = m ? 1 : -1;
        ns_rowview_t row;
        while (got == 1)
            got = ns_merge_next(m, &row, &err);
        cr_assert_eq(got, -1);
        cr_assert(strstr(err.msg, cut), "%s", err.msg);
        if (m)
            cr_assert_eq(ns_merge_next(m, &row, &err), -1, "stays failed");
        ns_merge_destroy(&m);
    }
    /* an empty object is not a run either */
    cr_assert_eq(ns_store_put(cut, "", 0, &err), 0);
    cr_assert_eq(s_read_all(cut, 4096, &err), -1);
    free(data);
}

/* Writes raw (uncompressed) run bytes through a zstd frame. */
static void s_put_zstd(const char *uri, const void *p, size_t n)
{
    ns_err_t err;
    ns_writer_t *w = ns_codec_zstd_writer(ns_store_open_write(uri, &err), 1, &err);
    cr_assert_not_null(w, "%s", err.msg);
    cr_assert_eq(ns_writer_write(w, p, n, &err), 0);
    cr_assert_eq(ns_writer_commit(&w, &err), 0, "%s", err.msg);
}

Test(shuffle, corrupt_runs_are_errors)
{
    char uri[NS_URI_MAX];
    ns_err_t err;
    s_uri(uri, "bad.run.zst");
    ns_buf_t b;
    ns_buf_init(&b, 1 << 20);
    ns_value_t v[NCOLS] = {{.i = 1}, {.s = "abc", .len = 3}, {.i = 1}, {.null = true}};
    ns_buf_append(&b, "NSRUN002", 8);
    ns_row_encode(&b, s_types, v, NCOLS, NULL, 0);
    s_put_zstd(uri, b.data, b.len);
    cr_assert_eq(s_read_all(uri, 4096, &err), -1);
    cr_assert(strstr(err.msg, "magic") && strstr(err.msg, uri), "%s", err.msg);

    /* right magic, then a row whose length cannot be */
    memcpy(b.data, NS_RUN_MAGIC, 8);
    b.data[8] = 1;
    b.data[9] = b.data[10] = b.data[11] = 0;
    s_put_zstd(uri, b.data, b.len);
    cr_assert_eq(s_read_all(uri, 4096, &err), -1);
    cr_assert(strstr(err.msg, "corrupt") && strstr(err.msg, uri), "%s", err.msg);

    /* a row claiming more than 64 MiB */
    b.data[8] = b.data[9] = b.data[10] = 0;
    b.data[11] = 0x7f;
    s_put_zstd(uri, b.data, b.len);
    cr_assert_eq(s_read_all(uri, 4096, &err), -1);
    cr_assert(strstr(err.msg, uri), "%s", err.msg);

    /* a key length past the row */
    ns_buf_reset(&b);
    ns_buf_append(&b, NS_RUN_MAGIC, 8);
    ns_row_encode(&b, s_types, v, NCOLS, NULL, 0);
    b.data[12] = (char)0xff;
    s_put_zstd(uri, b.data, b.len);
    cr_assert_eq(s_read_all(uri, 4096, &err), -1);

    /* a whole frame that ends inside a row */
    ns_buf_reset(&b);
    ns_buf_append(&b, NS_RUN_MAGIC, 8);
    ns_row_encode(&b, s_types, v, NCOLS, NULL, 0);
    ns_row_encode(&b, s_types, v, NCOLS, NULL, 0);
    for (size_t cut = 1; cut < 10; cut++) {
        s_put_zstd(uri, b.data, b.len - cut);
        cr_assert_eq(s_read_all(uri, 4096, &err), -1);
        cr_assert(strstr(err.msg, "truncated") && strstr(err.msg, uri), "%s", err.msg);
    }
    s_put_zstd(uri, b.data, 5); /* inside the magic */
    cr_assert_eq(s_read_all(uri, 4096, &err), -1);
    cr_assert(strstr(err.msg, uri), "%s", err.msg);
    s_put_zstd(uri, b.data, b.len);
    cr_assert_eq(s_read_all(uri, 4096, &err), 2, "%s", err.msg);

    /* not zstd at all, and a missing object */
    cr_assert_eq(ns_store_put(uri, "NSRUN001 plain text", 19, &err), 0);
    cr_assert_eq(s_read_all(uri, 4096, &err), -1);
    cr_assert(strstr(err.msg, uri), "%s", err.msg);
    s_uri(uri, "missing.run.zst");
    cr_assert_eq(s_read_all(uri, 4096, &err), -1);
    const char *one[1] = {uri};
    cr_assert_null(ns_merge_new(one, 1, 4096, &err));

    /* a flipped byte in the compressed data: the frame checksum */
    s_uri(uri, "flip.run.zst");
    s_write_run(uri, 500, 20, NULL);
    char *data;
    size_t len;
    cr_assert_eq(ns_store_get(uri, 1 << 26, &data, &len, &err), 0);
    data[len / 2] ^= 0x20;
    cr_assert_eq(ns_store_put(uri, data, len, &err), 0);
    cr_assert_eq(s_read_all(uri, 4096, &err), -1);
    free(data);
    ns_buf_free(&b);
}

Test(shuffle, merge_passes_failure_cleans_up)
{
    /* three good runs and a truncated one: the pass fails, leaves the
     * caller's list as it was and no intermediates behind */
    char u[4][NS_URI_MAX];
    ns_err_t err;
    for (int i = 0; i < 4; i++) {
        char name[64];
        snprintf(name, sizeof name, "in%d.run.zst", i);
        s_uri(u[i], name);
        s_write_run(u[i], 50, 10, NULL);
    }
    char *data;
    size_t len;
    cr_assert_eq(ns_store_get(u[3], 1 << 26, &data, &len, &err), 0);
    cr_assert_eq(ns_store_put(u[3], data, len - 3, &err), 0);
    free(data);
    char **list = calloc(4, sizeof *list);
    for (int i = 0; i < 4; i++)
        list[i] = strdup(u[i]);
    int n = 4;
    s_namer_t inm = {.tag = "i"};
    cr_assert_eq(ns_merge_passes(&list, &n, 2, 4096, 1, s_name, &inm, 0, 0, &err), -1);
    cr_assert(strstr(err.msg, u[3]), "%s", err.msg);
    cr_assert_eq(n, 4);
    for (int i = 0; i < 4; i++) {
        cr_assert_str_eq(list[i], u[i]);
        cr_assert(s_exists(u[i]));
        free(list[i]);
    }
    free(list);
    list = NULL;
    n = 0;
    for (int no = 0; no < inm.calls; no++) {
        char iu[NS_URI_MAX];
        s_namer_t t2 = {.tag = "i"};
        s_name(&t2, 0, no, iu);
        cr_assert(!s_exists(iu), "'%s' left behind", iu);
    }
    cr_assert_eq(ns_merge_passes(&list, &n, 1, 4096, 1, s_name, &inm, 0, 0, &err), -1, "fan-in 1");
}
