/*
 * The loader's reading of a committed run (manifest + job.json) and the
 * Redshift SQL it writes, against golden text in tests/data/redshift/
 * (there is no Redshift here: docs/LOADER.md). The PostgreSQL path is
 * tested end to end by tests/integration/test_load.sh.
 */
#include "ns_load.h"
#include "ns_test_util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char *s_read(const char *path)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open %s", path);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *p = malloc((size_t)n + 1);
    cr_assert(fread(p, 1, (size_t)n, f) == (size_t)n);
    p[n] = '\0';
    fclose(f);
    return p;
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "wb");
    cr_assert(f, "cannot write %s", path);
    fputs(text, f);
    fclose(f);
}

/* A run folder in a temp dir: the test data's manifest, and its job.json
 * with `from` replaced by `to` (when not NULL). */
static void s_run_dir(char *dir, size_t cap, const char *from, const char *to)
{
    char src[4096], p[4300];
    ns_test_srcdir(src, sizeof src);
    snprintf(dir, cap, "/tmp/ns-load-sql.XXXXXX");
    cr_assert(mkdtemp(dir));
    snprintf(p, sizeof p, "%stests/data/load/manifest", src);
    char *m = s_read(p);
    snprintf(p, sizeof p, "%s/manifest", dir);
    s_write(p, m);
    free(m);
    snprintf(p, sizeof p, "%stests/data/load/job.json", src);
    char *j = s_read(p);
    if (from) {
        char *at = strstr(j, from);
        cr_assert(at, "'%s' not in job.json", from);
        size_t n = strlen(j) - strlen(from) + strlen(to) + 1;
        char *k = malloc(n);
        snprintf(k, n, "%.*s%s%s", (int)(at - j), j, to, at + strlen(from));
        free(j);
        j = k;
    }
    snprintf(p, sizeof p, "%s/job.json", dir);
    s_write(p, j);
    free(j);
}

static void s_rm_dir(const char *dir)
{
    char p[4200];
    snprintf(p, sizeof p, "%s/manifest", dir);
    unlink(p);
    snprintf(p, sizeof p, "%s/job.json", dir);
    unlink(p);
    rmdir(dir);
}

static ns_load_run_t *s_read_run(const char *dir, ns_err_t *err)
{
    char uri[4200];
    snprintf(uri, sizeof uri, "file://%s/manifest", dir);
    ns_load_run_t *r = NULL;
    ns_err_clear(err);
    if (ns_load_read_run(uri, &r, err))
        return NULL;
    return r;
}

/* The SQL of the run, its manifest named as on S3, against the golden file. */
static void s_golden(ns_load_run_t *r, const char *golden)
{
    free(r->manifest);
    r->manifest = strdup("s3://acme-wh/retail_pos/dt=2026-11-24/retail_pos-20261124-1a2b3c/manifest");
    ns_buf_t b;
    ns_buf_init(&b, 1 << 20);
    ns_err_t err;
    cr_assert_eq(ns_load_redshift_sql(r, "arn:aws:iam::123456789012:role/nightshift-load", &b, &err),
                 0, "%s", err.msg);
    char src[4096], p[4300];
    ns_test_srcdir(src, sizeof src);
    snprintf(p, sizeof p, "%stests/data/redshift/%s", src, golden);
    char *want = s_read(p);
    cr_expect_str_eq(b.data, want, "Redshift SQL differs from %s:\n%s", golden, b.data);
    free(want);
    ns_buf_free(&b);
}

Test(load_sql, reads_the_run)
{
    char dir[64];
    s_run_dir(dir, sizeof dir, NULL, NULL);
    ns_err_t err;
    ns_load_run_t *r = s_read_run(dir, &err);
    cr_assert(r, "%s", err.msg);
    cr_expect_str_eq(r->table, "sales_retail");
    cr_expect_str_eq(r->job_id, "retail_pos-20261124-1a2b3c");
    cr_expect_str_eq(r->date, "2026-11-24");
    cr_expect_eq(r->rows_out, 1324);
    cr_assert_eq(r->nfiles, 2);
    cr_expect_eq(r->sizes[0], 75301);
    cr_expect_eq(r->sizes[1], 74117);
    cr_assert_eq(r->ncols, 13);
    cr_expect_str_eq(r->cols[12], "source_date");
    cr_expect_str_eq(r->types[7], "decimal(18,2)");
    cr_expect_eq(r->replace, NS_LOAD_REPLACE_KEYS);
    cr_assert_eq(r->nkeys, 1);
    cr_expect_str_eq(r->keys[0], "business_date");
    cr_expect_null(r->version);
    cr_expect_eq(strlen(r->checksum), 32);
    ns_load_run_free(&r);
    s_rm_dir(dir);
}

Test(load_sql, refuses_bad_runs)
{
    static const struct {
        const char *from, *to, *frag;
    } cases[] = {
        {"\"state\":\"succeeded\"", "\"state\":\"failed\"", "is failed, not succeeded"},
        {"\"keys\":[\"business_date\"]", "\"keys\":[\"nope\"]",
         "output.load.replace names 'nope', not a column of its load files"},
        {"\"load\":{\"replace\":\"keys\",", "\"load\":{\"replace\":\"keys\",\"version\":\"zz\",",
         "output.load.version names 'zz'"},
        {",\"columns\":[", ",\"cols\":[", "lacks the loader's keys"},
        {"\"replace\":\"keys\"", "\"replace\":\"sometimes\"", "unknown load.replace 'sometimes'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char dir[64];
        s_run_dir(dir, sizeof dir, cases[i].from, cases[i].to);
        ns_err_t err;
        ns_load_run_t *r = s_read_run(dir, &err);
        cr_expect_null(r, "case %zu loaded", i);
        cr_expect(strstr(err.msg, cases[i].frag), "case %zu: '%s' not in '%s'", i, cases[i].frag,
                  err.msg);
        ns_load_run_free(&r);
        s_rm_dir(dir);
    }
    ns_err_t err;
    ns_load_run_t *r = NULL;
    cr_expect_neq(ns_load_read_run("file:///nonexistent/run/manifest", &r, &err), 0);
    cr_expect(strstr(err.msg, "/nonexistent/run/manifest"), "%s", err.msg);
}

Test(load_sql, redshift_replace_keys)
{
    char dir[64];
    s_run_dir(dir, sizeof dir, NULL, NULL);
    ns_err_t err;
    ns_load_run_t *r = s_read_run(dir, &err);
    cr_assert(r, "%s", err.msg);
    s_golden(r, "replace_keys.sql");
    ns_load_run_free(&r);
    s_rm_dir(dir);
}

Test(load_sql, redshift_version_and_all)
{
    char dir[64];
    s_run_dir(dir, sizeof dir, "\"keys\":[\"business_date\"]",
              "\"keys\":[\"store_key\",\"sku\"],\"version\":\"source_date\"");
    ns_err_t err;
    ns_load_run_t *r = s_read_run(dir, &err);
    cr_assert(r, "%s", err.msg);
    s_golden(r, "replace_version.sql");
    ns_load_run_free(&r);
    s_rm_dir(dir);
    s_run_dir(dir, sizeof dir, "\"replace\":\"keys\",\"keys\":[\"business_date\"]",
              "\"replace\":\"all\",\"keys\":[]");
    r = s_read_run(dir, &err);
    cr_assert(r, "%s", err.msg);
    s_golden(r, "replace_all.sql");
    ns_load_run_free(&r);
    s_rm_dir(dir);
}
