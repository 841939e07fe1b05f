/*
 * test_s3_store: the S3 backend against a real signature-checking server
 * (deploy/s3: Swift with s3api), started by deploy/test, which exports
 * AWS_ENDPOINT_URL, the test credentials and NS_TEST_S3_BUCKET (a bucket
 * that exists). Every test works under a prefix of its own.
 *
 * Shown here: keys with '=', spaces, '+', '%', unicode and deep prefixes
 * round-trip through put, head, get, list and delete; listings of more than
 * 1,000 keys page with continuation tokens; DeleteObjects batches; a multipart upload of tens of MB
 * reads back byte-identical, whole, in ranges and with read-ahead; abort
 * leaves nothing; empty and missing objects; a wrong secret is a clear
 * SignatureDoesNotMatch error without retries; an unreachable endpoint is
 * retried, then reported.
 */
#include "ns_store.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <unistd.h>

static char s_base[512]; /* s3://bucket/ns-test-RANDOM */

static void s_setup(void)
{
    const char *b = getenv("NS_TEST_S3_BUCKET");
    cr_assert(b && *b && getenv("AWS_ENDPOINT_URL"),
              "needs the S3 test server: run through deploy/test (it starts deploy/s3 and "
              "exports AWS_ENDPOINT_URL, credentials and NS_TEST_S3_BUCKET)");
    unsigned r = 0;
    cr_assert_eq(getrandom(&r, sizeof r, 0), (ssize_t)sizeof r);
    snprintf(s_base, sizeof s_base, "s3://%s/ns-test-%08x", b, r);
}

TestSuite(s3, .init = s_setup, .timeout = 600);

static const char *s_uri(char *out, const char *key)
{
    cr_assert_eq(ns_uri_join(out, s_base, key), 0);
    return out;
}

typedef struct {
    char (*uris)[NS_URI_MAX];
    uint64_t *sizes;
    int n, cap;
} s_list_t;

static int s_collect(const ns_object_t *o, void *arg)
{
    s_list_t *l = arg;
    cr_assert_lt(l->n, l->cap, "more objects listed than expected");
    memcpy(l->uris[l->n], o->uri, strlen(o->uri) + 1);
    l->sizes[l->n] = o->size;
    l->n++;
    return 0;
}

static int s_stop_at_cap(const ns_object_t *o, void *arg)
{
    s_list_t *l = arg;
    s_collect(o, arg);
    return l->n == l->cap;
}

static void s_fill(unsigned char *p, size_t n, uint64_t seed)
{
    uint64_t x = seed * 0x9E3779B97F4A7C15ull + 1;
    for (size_t i = 0; i < n; i++) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        p[i] = (unsigned char)(x >> 24);
    }
}

/* Reads all of [off, off+len) with reads of `step` bytes. */
static size_t s_read_all(const char *uri, uint64_t off, uint64_t len, unsigned flags,
                         size_t step, unsigned char *out, size_t cap)
{
    ns_err_t err = {{0}};
    ns_reader_t *r = ns_store_open_read(uri, off, len, flags, &err);
    cr_assert_not_null(r, "%s", err.msg);
    size_t got = 0;
    for (;;) {
        size_t want = cap - got < step ? cap - got : step;
        ssize_t n = ns_reader_read(r, out + got, want, &err);
        cr_assert_geq(n, 0, "%s", err.msg);
        if (n == 0)
            break;
        got += (size_t)n;
        cr_assert_leq(got, cap);
        if (got == cap) {
            unsigned char extra;
            cr_assert_eq(ns_reader_read(r, &extra, 1, &err), 0, "bytes past the range");
            break;
        }
    }
    ns_reader_close(&r);
    return got;
}

Test(s3, unusual_keys_round_trip)
{
    static const char *keys[] = {
        "k/dt=2026-11-24/part=1/a.csv.gz",
        "k/with space and+plus.txt",
        "k/per%cent%2F%zz.txt",
        "k/unicode-\xc3\xa9\xe2\x82\xac\xf0\x9f\x91\x97.txt",
        "k/deep/a/b/c/d/e/f/g/h/i/j/k/l/m/n/o/p/q.txt",
        "k/amp&question?hash#semi;colon:tilde~star*quote'.txt",
    };
    enum { N = sizeof keys / sizeof keys[0] };
    char uri[NS_URI_MAX];
    ns_err_t err = {{0}};
    for (int i = 0; i < N; i++) {
        char body[256];
        int bl = snprintf(body, sizeof body, "body of %s\n", keys[i]);
        cr_assert_eq(ns_store_put(s_uri(uri, keys[i]), body, (size_t)bl, &err), 0, "%s: %s",
                     keys[i], err.msg);
        ns_object_t o;
        cr_assert_eq(ns_store_head(uri, &o, &err), 0, "%s", err.msg);
        cr_assert_eq(o.size, (uint64_t)bl);
        cr_assert_neq(o.etag[0], '\0');
        char *got;
        size_t gl;
        cr_assert_eq(ns_store_get(uri, 1 << 20, &got, &gl, &err), 0, "%s", err.msg);
        cr_assert_eq(gl, (size_t)bl);
        cr_assert_eq(memcmp(got, body, gl), 0);
        free(got);
    }
    /* listing returns every key exactly, in byte order */
    char exp[N][NS_URI_MAX];
    for (int i = 0; i < N; i++)
        s_uri(exp[i], keys[i]);
    qsort(exp, N, NS_URI_MAX, (int (*)(const void *, const void *))strcmp);
    char got[N + 1][NS_URI_MAX];
    uint64_t sizes[N + 1];
    s_list_t l = {got, sizes, 0, N + 1};
    cr_assert_eq(ns_store_list(s_uri(uri, "k/"), s_collect, &l, &err), N, "%s", err.msg);
    for (int i = 0; i < N; i++)
        cr_assert_str_eq(got[i], exp[i]);
    /* a prefix with '=' in it */
    l.n = 0;
    cr_assert_eq(ns_store_list(s_uri(uri, "k/dt=2026-11-24/"), s_collect, &l, &err), 1, "%s",
                 err.msg);
    /* delete half one by one, twice (the second is a no-op, as on S3), and
     * the rest, '&' and all, in one DeleteObjects batch */
    char *batch[N];
    int nb = 0;
    for (int i = 0; i < N; i++) {
        if (i % 2) {
            batch[nb++] = strdup(s_uri(uri, keys[i]));
            continue;
        }
        cr_assert_eq(ns_store_delete(s_uri(uri, keys[i]), &err), 0, "%s", err.msg);
        cr_assert_eq(ns_store_delete(uri, &err), 0, "%s", err.msg);
    }
    cr_assert_eq(ns_store_delete_many(batch, nb, &err), 0, "%s", err.msg);
    for (int i = 0; i < nb; i++)
        free(batch[i]);
    for (int i = 0; i < N; i++) {
        s_uri(uri, keys[i]);
        ns_object_t o;
        cr_assert_eq(ns_store_head(uri, &o, &err), -1);
        cr_assert(strstr(err.msg, "not found"), "%s", err.msg);
    }
    l.n = 0;
    cr_assert_eq(ns_store_list(s_uri(uri, "k/"), s_collect, &l, &err), 0, "%s", err.msg);
}

/* PUTs keys many/00000.. from several threads at once, each thread on
 * connections of its own. */
enum { S_MANY = 1234, S_THREADS = 6 };

typedef struct {
    int first;
    char err[NS_ERR_MAX];
} s_many_t;

static void *s_many_thread(void *arg)
{
    s_many_t *m = arg;
    ns_err_t err = {{0}};
    for (int i = m->first; i < S_MANY && !m->err[0]; i += S_THREADS) {
        char key[64], uri[NS_URI_MAX], body[16];
        snprintf(key, sizeof key, "many/%05d", i);
        int bl = snprintf(body, sizeof body, "%d", i);
        if (ns_uri_join(uri, s_base, key) || ns_store_put(uri, body, (size_t)bl, &err))
            snprintf(m->err, sizeof m->err, "%s", err.msg);
    }
    return NULL;
}

static void s_many(void)
{
    pthread_t t[S_THREADS];
    s_many_t m[S_THREADS];
    for (int i = 0; i < S_THREADS; i++) {
        m[i] = (s_many_t){.first = i};
        cr_assert_eq(pthread_create(&t[i], NULL, s_many_thread, &m[i]), 0);
    }
    for (int i = 0; i < S_THREADS; i++) {
        pthread_join(t[i], NULL);
        cr_assert_eq(m[i].err[0], '\0', "%s", m[i].err);
    }
}

Test(s3, listing_pages_past_1000_keys)
{
    enum { N = S_MANY };
    char uri[NS_URI_MAX];
    ns_err_t err = {{0}};
    s_many();
    char (*got)[NS_URI_MAX] = calloc(N + 1, NS_URI_MAX);
    uint64_t *sizes = calloc(N + 1, sizeof *sizes);
    s_list_t l = {got, sizes, 0, N + 1};
    cr_assert_eq(ns_store_list(s_uri(uri, "many/"), s_collect, &l, &err), N, "%s", err.msg);
    for (int i = 0; i < N; i++) {
        char key[64], exp[NS_URI_MAX];
        snprintf(key, sizeof key, "many/%05d", i);
        cr_assert_str_eq(got[i], s_uri(exp, key));
        char body[16];
        cr_assert_eq(sizes[i], (uint64_t)snprintf(body, sizeof body, "%d", i));
    }
    /* a callback that stops early stops the listing */
    l.n = 0;
    l.cap = 5;
    s_list_t *lp = &l;
    cr_assert_eq(ns_store_list(s_uri(uri, "many/"), s_stop_at_cap, lp, &err), 5, "%s", err.msg);
    /* DeleteObjects in batches of 1,000 */
    char **del = calloc(N, sizeof *del);
    for (int i = 0; i < N; i++)
        del[i] = got[i];
    cr_assert_eq(ns_store_delete_many(del, N, &err), 0, "%s", err.msg);
    free(del);
    l.n = 0;
    l.cap = N + 1;
    cr_assert_eq(ns_store_list(s_uri(uri, "many/"), s_collect, &l, &err), 0, "%s", err.msg);
    free(got);
    free(sizes);
}

Test(s3, multipart_upload_reads_back_byte_identical)
{
    const size_t len = 37u * 1000 * 1000 + 12345; /* several 8 MiB parts and a short last one */
    unsigned char *data = malloc(len), *back = malloc(len + 1);
    cr_assert(data && back);
    s_fill(data, len, 42);
    char uri[NS_URI_MAX];
    ns_err_t err = {{0}};
    ns_writer_t *w = ns_store_open_write(s_uri(uri, "big/load-0000.zst"), &err);
    cr_assert_not_null(w, "%s", err.msg);
    /* odd-sized writes cross the part boundaries anywhere */
    for (size_t at = 0, step = 1; at < len; step = step * 7 % 1000003 + 1) {
        size_t n = len - at < step ? len - at : step;
        cr_assert_eq(ns_writer_write(w, data + at, n, &err), 0, "%s", err.msg);
        at += n;
    }
    cr_assert_eq(ns_writer_size(w), len);
    cr_assert_eq(ns_writer_commit(&w, &err), 0, "%s", err.msg);
    ns_object_t o;
    cr_assert_eq(ns_store_head(uri, &o, &err), 0, "%s", err.msg);
    cr_assert_eq(o.size, len);
    cr_assert(strchr(o.etag, '-'), "a multipart ETag ends in -PARTS: %s", o.etag);

    /* whole, plain and with read-ahead, with reads of odd sizes */
    memset(back, 0, len);
    cr_assert_eq(s_read_all(uri, 0, UINT64_MAX, 0, 65537, back, len), len);
    cr_assert_eq(memcmp(back, data, len), 0);
    memset(back, 0, len);
    cr_assert_eq(s_read_all(uri, 0, UINT64_MAX, NS_READ_AHEAD, 3u << 20, back, len), len);
    cr_assert_eq(memcmp(back, data, len), 0);
    /* ranges across chunk boundaries, and one running past the end */
    static const uint64_t offs[] = {1, (1u << 20) - 3, (8u << 20) + 5, 30000000};
    for (size_t i = 0; i < sizeof offs / sizeof offs[0]; i++) {
        uint64_t off = offs[i], rl = 5000000;
        if (off + rl > len)
            rl = len - off;
        cr_assert_eq(s_read_all(uri, off, rl, i % 2 ? NS_READ_AHEAD : 0, 4096, back, rl), rl);
        cr_assert_eq(memcmp(back, data + off, rl), 0, "range at %llu", (unsigned long long)off);
    }
    cr_assert_eq(s_read_all(uri, len - 10, 1000, 0, 4096, back, 10), 10);
    cr_assert_eq(memcmp(back, data + len - 10, 10), 0);
    cr_assert_eq(ns_store_delete(uri, &err), 0, "%s", err.msg);
    free(data);
    free(back);
}

Test(s3, abort_leaves_nothing_and_empty_objects_work)
{
    const size_t len = 12u << 20;
    unsigned char *data = malloc(len);
    s_fill(data, len, 7);
    char uri[NS_URI_MAX];
    ns_err_t err = {{0}};
    ns_writer_t *w = ns_store_open_write(s_uri(uri, "abort/x"), &err);
    cr_assert_not_null(w, "%s", err.msg);
    cr_assert_eq(ns_writer_write(w, data, len, &err), 0, "%s", err.msg); /* a part went up */
    ns_writer_abort(&w);
    ns_object_t o;
    cr_assert_eq(ns_store_head(uri, &o, &err), -1);
    cr_assert(strstr(err.msg, "not found"), "%s", err.msg);
    free(data);

    cr_assert_eq(ns_store_put(s_uri(uri, "empty"), "", 0, &err), 0, "%s", err.msg);
    cr_assert_eq(ns_store_head(uri, &o, &err), 0, "%s", err.msg);
    cr_assert_eq(o.size, 0);
    char *got;
    size_t gl;
    cr_assert_eq(ns_store_get(uri, 100, &got, &gl, &err), 0, "%s", err.msg);
    cr_assert_eq(gl, 0);
    free(got);
    cr_assert_eq(ns_store_delete(uri, &err), 0, "%s", err.msg);

    cr_assert_null(ns_store_open_read(s_uri(uri, "missing"), 0, UINT64_MAX, 0, &err));
    cr_assert(strstr(err.msg, "not found") && strstr(err.msg, uri), "%s", err.msg);
    cr_assert_null(ns_store_open_write(s_uri(uri, "dir/"), &err));
}

Test(s3, wrong_secret_is_a_clear_error_without_retries)
{
    setenv("AWS_SECRET_ACCESS_KEY", "not-the-secret", 1); /* this test's own process */
    char uri[NS_URI_MAX];
    ns_err_t err = {{0}};
    cr_assert_eq(ns_store_put(s_uri(uri, "denied"), "x", 1, &err), -1);
    cr_assert(strstr(err.msg, "SignatureDoesNotMatch"), "%s", err.msg);
    cr_assert(strstr(err.msg, "403"), "%s", err.msg);
    cr_assert(strstr(err.msg, "denied"), "the error names the object: %s", err.msg);
    cr_assert_null(strstr(err.msg, "retries"), "a signature error is not retried: %s", err.msg);
    cr_assert_null(strstr(err.msg, "not-the-secret"), "the secret leaked: %s", err.msg);
    s_list_t l = {NULL, NULL, 0, 0};
    cr_assert_eq(ns_store_list(s_uri(uri, ""), s_collect, &l, &err), -1);
    cr_assert(strstr(err.msg, "SignatureDoesNotMatch"), "%s", err.msg);
}

Test(s3, unreachable_endpoint_is_retried_then_reported)
{
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9", 1); /* discard port: nothing listens */
    setenv("NIGHTSHIFT_S3_MAX_ATTEMPTS", "3", 1);
    char uri[NS_URI_MAX];
    ns_err_t err = {{0}};
    ns_object_t o;
    cr_assert_eq(ns_store_head(s_uri(uri, "x"), &o, &err), -1);
    cr_assert(strstr(err.msg, "gave up after retries"), "%s", err.msg);
    cr_assert(strstr(err.msg, uri), "%s", err.msg);
}

Test(s3, per_bucket_settings_override_the_environment)
{
    char real[512];
    snprintf(real, sizeof real, "%s", getenv("AWS_ENDPOINT_URL"));
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:9", 1); /* the environment points nowhere */
    setenv("AWS_REGION", "eu-north-1", 1);
    const char *bucket = getenv("NS_TEST_S3_BUCKET");
    ns_err_t err = {{0}};
    /* a job's s3: section names the real endpoint and region for its bucket */
    cr_assert_eq(ns_store_s3_bucket_settings(bucket, real, "us-east-1", -1, &err), 0, "%s", err.msg);
    cr_assert_eq(ns_store_s3_bucket_settings(bucket, real, "us-east-1", -1, &err), 0, "%s", err.msg);
    cr_assert_eq(ns_store_s3_bucket_settings(bucket, "http://127.0.0.1:10", NULL, -1, &err), -1);
    cr_assert(strstr(err.msg, bucket), "%s", err.msg);
    char uri[NS_URI_MAX];
    cr_assert_eq(ns_store_put(s_uri(uri, "placed"), "abc", 3, &err), 0, "%s", err.msg);
    char *got;
    size_t gl;
    cr_assert_eq(ns_store_get(uri, 10, &got, &gl, &err), 0, "%s", err.msg);
    cr_assert_eq(gl, 3);
    free(got);
    cr_assert_eq(ns_store_delete(uri, &err), 0, "%s", err.msg);
}
