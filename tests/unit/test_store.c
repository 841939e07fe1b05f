/*
 * test_store: ns_store dispatch, ns_uri_join and the local backend (put/get,
 * ranges, listing order and prefixes, atomic commit, abort, delete, ETags,
 * streaming, unusual key bytes).
 */
#include "ns_store.h"

#include <criterion/criterion.h>
#include <dirent.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static char s_root[256];

static int s_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void s_setup(void)
{
    snprintf(s_root, sizeof s_root, "/tmp/ns_test_store.XXXXXX");
    cr_assert_not_null(mkdtemp(s_root));
}

static void s_teardown(void)
{
    nftw(s_root, s_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(store, .init = s_setup, .fini = s_teardown);

/* root + "/" + key, with or without "file://". */
static const char *s_uri(char *out, const char *key, int scheme)
{
    snprintf(out, NS_URI_MAX, "%s%s/%s", scheme ? "file://" : "", s_root, key);
    return out;
}

static void s_put(const char *key, const char *text)
{
    char uri[NS_URI_MAX];
    ns_err_t err = {{0}};
    cr_assert_eq(ns_store_put(s_uri(uri, key, 0), text, strlen(text), &err), 0, "%s", err.msg);
}

/* Reads [off, off+len) of key fully with chunk-sized reads. */
static size_t s_read_range(const char *key, uint64_t off, uint64_t len, size_t chunk, char *out,
                           size_t cap)
{
    char uri[NS_URI_MAX];
    ns_err_t err = {{0}};
    ns_reader_t *r = ns_store_open_read(s_uri(uri, key, 1), off, len, 0, &err);
    cr_assert_not_null(r, "%s", err.msg);
    size_t got = 0;
    for (;;) {
        size_t want = chunk < cap - got ? chunk : cap - got;
        ssize_t k = ns_reader_read(r, out + got, want, &err);
        cr_assert_geq(k, 0, "%s", err.msg);
        if (k == 0)
            break;
        got += (size_t)k;
        cr_assert_leq(got, cap);
        if (got == cap)
            break;
    }
    /* the end stays the end */
    char extra;
    cr_assert_eq(ns_reader_read(r, &extra, 1, &err), 0);
    ns_reader_close(&r);
    cr_assert_null(r);
    ns_reader_close(&r); /* NULL is fine */
    return got;
}

#define S_LIST_MAX 1024

typedef struct {
    char (*uris)[NS_URI_MAX]; /* S_LIST_MAX of them */
    uint64_t sizes[S_LIST_MAX];
    char etags[S_LIST_MAX][NS_ETAG_MAX];
    int n;
    int stop_after; /* 0: never stop */
} s_listing_t;

static s_listing_t *s_listing_new(void)
{
    s_listing_t *l = calloc(1, sizeof *l);
    l->uris = calloc(S_LIST_MAX, NS_URI_MAX);
    return l;
}

static void s_listing_free(s_listing_t *l)
{
    free(l->uris);
    free(l);
}

static int s_collect(const ns_object_t *obj, void *arg)
{
    s_listing_t *l = arg;
    cr_assert_lt(l->n, S_LIST_MAX);
    memcpy(l->uris[l->n], obj->uri, strlen(obj->uri) + 1);
    l->sizes[l->n] = obj->size;
    memcpy(l->etags[l->n], obj->etag, NS_ETAG_MAX);
    l->n++;
    return l->stop_after && l->n >= l->stop_after;
}

/* Lists root + "/" + prefix and checks the keys (relative to the root). */
static void s_list_is(const char *prefix, int scheme, const char **want, int nwant)
{
    char uri[NS_URI_MAX], full[NS_URI_MAX];
    s_listing_t *l = s_listing_new();
    ns_err_t err = {{0}};
    long n = ns_store_list(s_uri(uri, prefix, scheme), s_collect, l, &err);
    cr_assert_eq(n, nwant, "list '%s': %ld objects (%s)", prefix, n, err.msg);
    cr_assert_eq(l->n, nwant);
    for (int i = 0; i < nwant; i++)
        cr_assert_str_eq(l->uris[i], s_uri(full, want[i], scheme), "list '%s' item %d", prefix, i);
    s_listing_free(l);
}

/* Names in dir (including hidden ones), excluding "." and "..". */
static int s_dir_entries(const char *dir, char names[][256], int max)
{
    DIR *d = opendir(dir);
    cr_assert_not_null(d);
    int n = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
            continue;
        if (n < max)
            snprintf(names[n], 256, "%s", de->d_name);
        n++;
    }
    closedir(d);
    return n;
}

Test(store, put_get_round_trip)
{
    char uri[NS_URI_MAX];
    ns_err_t err = {{0}};
    s_put("a/b/c.txt", "hello world");
    char *data;
    size_t len;
    cr_assert_eq(ns_store_get(s_uri(uri, "a/b/c.txt", 1), 1024, &data, &len, &err), 0, "%s",
                 err.msg);
    cr_assert_eq(len, 11);
    cr_assert_eq(memcmp(data, "hello world", 11), 0);
    free(data);
    /* too large for max */
    cr_assert_eq(ns_store_get(uri, 10, &data, &len, &err), -1);
    cr_assert_null(data);
    cr_assert(strstr(err.msg, "larger than"), "%s", err.msg);
    cr_assert_eq(ns_store_get(uri, 11, &data, &len, &err), 0);
    free(data);
    /* empty object */
    s_put("empty", "");
    cr_assert_eq(ns_store_get(s_uri(uri, "empty", 0), 10, &data, &len, &err), 0);
    cr_assert_eq(len, 0);
    free(data);
    /* missing */
    cr_assert_eq(ns_store_get(s_uri(uri, "nope", 0), 10, &data, &len, &err), -1);
    cr_assert(strstr(err.msg, uri), "%s", err.msg);
    cr_assert(strstr(err.msg, "No such file"), "%s", err.msg);
    /* overwrite replaces */
    s_put("a/b/c.txt", "new");
    cr_assert_eq(ns_store_get(s_uri(uri, "a/b/c.txt", 0), 1024, &data, &len, &err), 0);
    cr_assert_eq(len, 3);
    cr_assert_eq(memcmp(data, "new", 3), 0);
    free(data);
}

Test(store, ranged_reads)
{
    s_put("r", "0123456789");
    char buf[64];
    size_t n = s_read_range("r", 2, 5, 64, buf, sizeof buf);
    cr_assert_eq(n, 5);
    cr_assert_eq(memcmp(buf, "23456", 5), 0);
    n = s_read_range("r", 0, UINT64_MAX, 3, buf, sizeof buf); /* small chunks */
    cr_assert_eq(n, 10);
    cr_assert_eq(memcmp(buf, "0123456789", 10), 0);
    n = s_read_range("r", 7, 100, 64, buf, sizeof buf); /* range past the end */
    cr_assert_eq(n, 3);
    cr_assert_eq(memcmp(buf, "789", 3), 0);
    cr_assert_eq(s_read_range("r", 10, 5, 64, buf, sizeof buf), 0); /* at the end */
    cr_assert_eq(s_read_range("r", 50, UINT64_MAX, 64, buf, sizeof buf), 0); /* beyond */
    cr_assert_eq(s_read_range("r", 3, 0, 64, buf, sizeof buf), 0);  /* zero length */
    n = s_read_range("r", 9, UINT64_MAX - 3, 64, buf, sizeof buf); /* off+len overflows */
    cr_assert_eq(n, 1);
    cr_assert_eq(buf[0], '9');
    /* a zero-byte read of an open range returns 0 without ending anything */
    char uri[NS_URI_MAX];
    ns_err_t err;
    ns_reader_t *r = ns_store_open_read(s_uri(uri, "r", 0), 4, 2, 0, &err);
    cr_assert_not_null(r);
    cr_assert_eq(ns_reader_read(r, buf, 0, &err), 0);
    cr_assert_eq(ns_reader_read(r, buf, 64, &err), 2);
    cr_assert_eq(memcmp(buf, "45", 2), 0);
    ns_reader_close(&r);
    /* a directory or a missing object cannot be opened */
    cr_assert_null(ns_store_open_read(s_uri(uri, "", 0), 0, UINT64_MAX, 0, &err));
    cr_assert(strstr(err.msg, "directory"), "%s", err.msg);
    cr_assert_null(ns_store_open_read(s_uri(uri, "missing", 0), 0, UINT64_MAX, 0, &err));
    cr_assert(strstr(err.msg, uri), "%s", err.msg);
}

Test(store, listing_order_and_prefixes)
{
    const char *keys[] = {"a/b",  "a-b",    "a0",     "a/c/d",   "a/c-",     "a/c0",
                          "a/c.d", "b",     "ab",     "a/b0",    "a/.t/y",   ".hid/x",
                          ".z",   "a/c/.tmp", "a/c/.d/q", "a/c/e/f"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        s_put(keys[i], keys[i]);
    /* byte order of the whole key: '-' (2d) < '.' (2e) < '/' (2f) < '0' (30) */
    const char *all[] = {"a-b", "a/b", "a/b0", "a/c-", "a/c.d", "a/c/d", "a/c/e/f", "a/c0", "a0",
                         "ab",  "b"};
    s_list_is("", 0, all, 11);
    s_list_is("", 1, all, 11);
    s_list_is("a", 0, all, 10);
    s_list_is("a/", 1, all + 1, 7);
    s_list_is("a/c", 0, all + 3, 5);
    s_list_is("a/c/", 1, all + 5, 2);
    s_list_is("a/c/d", 0, all + 5, 1);
    s_list_is("a/b", 0, all + 1, 2);
    s_list_is("zzz", 0, NULL, 0);
    s_list_is("nodir/", 0, NULL, 0);
    s_list_is("nodir/deeper/x", 1, NULL, 0);
    /* hidden parts are filtered below the prefix's directory; a directory
     * the prefix names itself is the caller's choice */
    const char *hid[] = {".hid/x"};
    s_list_is(".hid/", 0, hid, 1);
    s_list_is(".hi", 0, NULL, 0);
    s_list_is(".", 0, NULL, 0);
    s_list_is("a/b0/", 0, NULL, 0); /* a file is not a directory */

    /* sizes come with the listing */
    s_listing_t *l = s_listing_new();
    char uri[NS_URI_MAX];
    ns_err_t err;
    cr_assert_eq(ns_store_list(s_uri(uri, "a/c/e/", 0), s_collect, l, &err), 1);
    cr_assert_eq(l->sizes[0], strlen("a/c/e/f"));
    s_listing_free(l);

    /* the callback can stop the listing */
    l = s_listing_new();
    l->stop_after = 2;
    cr_assert_eq(ns_store_list(s_uri(uri, "", 0), s_collect, l, &err), 2);
    cr_assert_eq(l->n, 2);
    s_listing_free(l);

    /* head of a listed object */
    ns_object_t o;
    cr_assert_eq(ns_store_head(s_uri(uri, "a/c/d", 1), &o, &err), 0, "%s", err.msg);
    cr_assert_str_eq(o.uri, uri);
    cr_assert_eq(o.size, 5);
}

static int s_strcmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

Test(store, listing_sorts_a_big_tree)
{
    enum { N = 600 };
    char *want[N];
    char key[64], uri[NS_URI_MAX];
    for (int i = 0; i < N; i++) {
        /* order differs from creation order; some are nested one level */
        int k = (i * 7919) % N;
        snprintf(key, sizeof key, "t/%d%s%c", k / 3, k % 3 == 0 ? "/x" : k % 3 == 1 ? "-y" : "_z",
                 'a' + k % 5);
        s_put(key, "x");
        want[i] = strdup(key);
    }
    qsort(want, N, sizeof want[0], s_strcmp);
    s_listing_t *l = s_listing_new();
    ns_err_t err;
    cr_assert_eq(ns_store_list(s_uri(uri, "t/", 0), s_collect, l, &err), N, "%s", err.msg);
    for (int i = 0; i < N; i++) {
        char full[NS_URI_MAX];
        cr_assert_str_eq(l->uris[i], s_uri(full, want[i], 0), "item %d", i);
        free(want[i]);
    }
    s_listing_free(l);
}

Test(store, writes_are_invisible_until_commit)
{
    char uri[NS_URI_MAX], dir[NS_URI_MAX], names[8][256];
    ns_err_t err = {{0}};
    ns_writer_t *w = ns_store_open_write(s_uri(uri, "out/part-0", 1), &err);
    cr_assert_not_null(w, "%s", err.msg);
    cr_assert_eq(ns_writer_write(w, "abc", 3, &err), 0);
    cr_assert_eq(ns_writer_write(w, "", 0, &err), 0);
    cr_assert_eq(ns_writer_write(w, "de", 2, &err), 0);
    cr_assert_eq(ns_writer_size(w), 5);
    /* a hidden temporary file exists beside it, and nothing is listed */
    int n = s_dir_entries(s_uri(dir, "out", 0), names, 8);
    cr_assert_eq(n, 1);
    cr_assert_eq(strncmp(names[0], ".part-0.tmp-", 12), 0, "%s", names[0]);
    s_list_is("", 0, NULL, 0);
    s_list_is("out/", 1, NULL, 0);
    ns_object_t o;
    cr_assert_eq(ns_store_head(uri, &o, &err), -1);
    cr_assert(strstr(err.msg, "not found"), "%s", err.msg);
    cr_assert_eq(ns_writer_commit(&w, &err), 0, "%s", err.msg);
    cr_assert_null(w);
    const char *want[] = {"out/part-0"};
    s_list_is("", 1, want, 1);
    n = s_dir_entries(dir, names, 8);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(names[0], "part-0");
    cr_assert_eq(ns_store_head(uri, &o, &err), 0);
    cr_assert_eq(o.size, 5);
}

Test(store, abort_leaves_nothing)
{
    char uri[NS_URI_MAX], dir[NS_URI_MAX], names[8][256];
    ns_err_t err;
    s_put("keep/other", "x");
    ns_writer_t *w = ns_store_open_write(s_uri(uri, "keep/gone", 0), &err);
    cr_assert_not_null(w);
    cr_assert_eq(ns_writer_write(w, "data", 4, &err), 0);
    ns_writer_abort(&w);
    cr_assert_null(w);
    ns_writer_abort(&w); /* NULL is fine */
    int n = s_dir_entries(s_uri(dir, "keep", 0), names, 8);
    cr_assert_eq(n, 1);
    cr_assert_str_eq(names[0], "other");
    /* aborting a replacement keeps the old object */
    w = ns_store_open_write(s_uri(uri, "keep/other", 0), &err);
    cr_assert_eq(ns_writer_write(w, "new!", 4, &err), 0);
    ns_writer_abort(&w);
    char *data;
    size_t len;
    cr_assert_eq(ns_store_get(uri, 100, &data, &len, &err), 0);
    cr_assert_eq(len, 1);
    cr_assert_eq(data[0], 'x');
    free(data);
}

Test(store, failed_commit_cleans_up)
{
    char uri[NS_URI_MAX], names[8][256];
    ns_err_t err;
    s_put("busy/inner", "x"); /* "busy" is a directory: committing onto it fails */
    ns_writer_t *w = ns_store_open_write(s_uri(uri, "busy", 0), &err);
    cr_assert_not_null(w, "%s", err.msg);
    cr_assert_eq(ns_writer_write(w, "y", 1, &err), 0);
    cr_assert_eq(ns_writer_commit(&w, &err), -1);
    cr_assert_null(w);
    cr_assert(strstr(err.msg, uri), "%s", err.msg);
    int n = s_dir_entries(s_root, names, 8);
    cr_assert_eq(n, 1, "temporary file left behind");
    cr_assert_str_eq(names[0], "busy");
    /* a key ending in '/' cannot be written; a file cannot be a directory */
    cr_assert_null(ns_store_open_write(s_uri(uri, "dir/", 0), &err));
    cr_assert(strstr(err.msg, "ends with '/'"), "%s", err.msg);
    cr_assert_null(ns_store_open_write(s_uri(uri, "busy/inner/x", 0), &err));
    cr_assert(strstr(err.msg, uri), "%s", err.msg);
}

Test(store, delete)
{
    char uri[NS_URI_MAX];
    ns_err_t err = {{0}};
    s_put("del/x", "1");
    cr_assert_eq(ns_store_delete(s_uri(uri, "del/x", 1), &err), 0, "%s", err.msg);
    ns_object_t o;
    cr_assert_eq(ns_store_head(uri, &o, &err), -1);
    cr_assert(strstr(err.msg, "not found"), "%s", err.msg);
    cr_assert(strstr(err.msg, uri), "%s", err.msg);
    cr_assert_eq(ns_store_delete(uri, &err), 0, "missing object");
    cr_assert_eq(ns_store_delete(s_uri(uri, "never/was/here", 0), &err), 0);
    s_list_is("del/", 0, NULL, 0);
    /* a directory is not an object */
    cr_assert_eq(ns_store_head(s_uri(uri, "del", 0), &o, &err), -1);
    /* many at once: missing ones count as deleted, bad URIs as failures */
    s_put("del/a", "1");
    s_put("del/b", "2");
    char a[NS_URI_MAX], b[NS_URI_MAX], m[NS_URI_MAX];
    s_uri(a, "del/a", 1);
    s_uri(b, "del/b", 0);
    s_uri(m, "del/missing", 0);
    char *many[] = {a, b, m};
    cr_assert_eq(ns_store_delete_many(many, 3, &err), 0, "%s", err.msg);
    s_list_is("del/", 0, NULL, 0);
    char rel[] = "relative/x";
    char *bad[] = {rel, a};
    cr_assert_eq(ns_store_delete_many(bad, 2, &err), 1);
    cr_assert(strstr(err.msg, "relative/x"), "%s", err.msg);
}

Test(store, etag_changes_with_content)
{
    char uri[NS_URI_MAX];
    ns_err_t err;
    ns_object_t a, b, c;
    s_put("e", "aaaa");
    cr_assert_eq(ns_store_head(s_uri(uri, "e", 0), &a, &err), 0);
    cr_assert_eq(ns_store_head(uri, &b, &err), 0);
    cr_assert_str_eq(a.etag, b.etag, "stable while unchanged");
    cr_assert_eq(strncmp(a.etag, "4-", 2), 0, "%s", a.etag);
    s_put("e", "bbbb"); /* same size */
    cr_assert_eq(ns_store_head(uri, &c, &err), 0);
    cr_assert_str_neq(a.etag, c.etag);
    /* listing reports the same ETag as head */
    s_listing_t *l = s_listing_new();
    cr_assert_eq(ns_store_list(uri, s_collect, l, &err), 1);
    cr_assert_str_eq(l->etags[0], c.etag);
    s_listing_free(l);
    struct stat st;
    cr_assert_eq(stat(uri, &st), 0);
    char want[NS_ETAG_MAX];
    snprintf(want, sizeof want, "%llx-%llx-%llx", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ULL +
                 (unsigned long long)st.st_mtim.tv_nsec,
             (unsigned long long)st.st_ino);
    cr_assert_str_eq(c.etag, want);
}

static unsigned char s_pattern(uint64_t i)
{
    return (unsigned char)((i * 2654435761u) >> 13);
}

Test(store, big_file_streamed_in_chunks)
{
    const uint64_t total = 20u * 1024 * 1024 + 12345;
    char uri[NS_URI_MAX];
    ns_err_t err = {{0}};
    ns_writer_t *w = ns_store_open_write(s_uri(uri, "big/run.bin", 0), &err);
    cr_assert_not_null(w);
    unsigned char *chunk = malloc(1 << 20);
    const size_t sizes[] = {1, 7, 4096, 131071, 131072, 131073, 300000, 1 << 20};
    uint64_t pos = 0;
    for (int i = 0; pos < total; i++) {
        size_t n = sizes[i % 8];
        if (n > total - pos)
            n = (size_t)(total - pos);
        for (size_t j = 0; j < n; j++)
            chunk[j] = s_pattern(pos + j);
        cr_assert_eq(ns_writer_write(w, chunk, n, &err), 0, "%s", err.msg);
        pos += n;
        cr_assert_eq(ns_writer_size(w), pos);
    }
    cr_assert_eq(ns_writer_commit(&w, &err), 0, "%s", err.msg);
    ns_object_t o;
    cr_assert_eq(ns_store_head(uri, &o, &err), 0);
    cr_assert_eq(o.size, total);

    /* whole, in 64 KiB reads */
    ns_reader_t *r = ns_store_open_read(uri, 0, UINT64_MAX, 0, &err);
    cr_assert_not_null(r);
    pos = 0;
    for (;;) {
        ssize_t k = ns_reader_read(r, chunk, 65536, &err);
        cr_assert_geq(k, 0);
        if (k == 0)
            break;
        for (ssize_t j = 0; j < k; j++)
            if (chunk[j] != s_pattern(pos + (uint64_t)j))
                cr_assert_fail("byte %llu differs", (unsigned long long)(pos + (uint64_t)j));
        pos += (uint64_t)k;
    }
    cr_assert_eq(pos, total);
    ns_reader_close(&r);

    /* an unaligned range in the middle */
    const uint64_t off = 7777777, len = 3333333;
    r = ns_store_open_read(uri, off, len, 0, &err);
    pos = 0;
    for (;;) {
        ssize_t k = ns_reader_read(r, chunk, 100000, &err);
        cr_assert_geq(k, 0);
        if (k == 0)
            break;
        for (ssize_t j = 0; j < k; j++)
            if (chunk[j] != s_pattern(off + pos + (uint64_t)j))
                cr_assert_fail("range byte %llu differs", (unsigned long long)(pos + (uint64_t)j));
        pos += (uint64_t)k;
    }
    cr_assert_eq(pos, len);
    ns_reader_close(&r);
    free(chunk);
}

Test(store, unusual_key_bytes)
{
    const char *keys[] = {"dt=2026-11-24/my file.txt", "dt=2026-11-24/caf\xc3\xa9 \xe2\x82\xac.gz",
                          "dt=2026-11-24/x=1&y=2 (copy)"};
    for (int i = 0; i < 3; i++)
        s_put(keys[i], keys[i]);
    const char *sorted[] = {keys[1], keys[0], keys[2]};
    s_list_is("dt=2026-11-24/", 1, sorted, 3);
    s_list_is("dt=2026-11-24/my ", 0, sorted + 1, 1);
    char uri[NS_URI_MAX];
    ns_err_t err;
    for (int i = 0; i < 3; i++) {
        char *data;
        size_t len;
        cr_assert_eq(ns_store_get(s_uri(uri, keys[i], 1), 1000, &data, &len, &err), 0, "%s",
                     err.msg);
        cr_assert_eq(len, strlen(keys[i]));
        cr_assert_eq(memcmp(data, keys[i], len), 0);
        free(data);
        cr_assert_eq(ns_store_delete(uri, &err), 0);
    }
    s_list_is("dt=2026-11-24/", 0, NULL, 0);
}

Test(store, dispatch_errors)
{
    ns_err_t err;
    ns_object_t o;
    cr_assert_eq(ns_store_head("relative/path", &o, &err), -1);
    cr_assert(strstr(err.msg, "unsupported"), "%s", err.msg);
    cr_assert_eq(ns_store_head("http://x/y", &o, &err), -1);
    cr_assert_eq(ns_store_head("", &o, &err), -1);
    cr_assert_eq(ns_store_head("file://relative", &o, &err), -1);
    cr_assert(strstr(err.msg, "file://relative"), "%s", err.msg);
    char *longuri = malloc(NS_URI_MAX + 10);
    memset(longuri, 'a', NS_URI_MAX + 9);
    longuri[0] = '/';
    longuri[NS_URI_MAX + 9] = '\0';
    cr_assert_eq(ns_store_head(longuri, &o, &err), -1);
    free(longuri);
    ns_writer_t *w = NULL;
    cr_assert_eq(ns_writer_commit(&w, &err), -1);
}

Test(store, uri_join)
{
    char out[NS_URI_MAX];
    struct {
        const char *prefix, *key, *want;
    } cases[] = {
        {"s3://bucket", "k", "s3://bucket/k"},
        {"s3://bucket/", "k", "s3://bucket/k"},
        {"s3://bucket//", "/k/x", "s3://bucket/k/x"},
        {"file:///data", "a/b", "file:///data/a/b"},
        {"file:///", "a", "file:///a"},
        {"/data/", "a", "/data/a"},
        {"/", "a", "/a"},
        {"/data", "", "/data/"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        cr_assert_eq(ns_uri_join(out, cases[i].prefix, cases[i].key), 0);
        cr_assert_str_eq(out, cases[i].want, "join('%s', '%s')", cases[i].prefix, cases[i].key);
    }
    /* in place */
    snprintf(out, sizeof out, "/data/");
    cr_assert_eq(ns_uri_join(out, out, "k"), 0);
    cr_assert_str_eq(out, "/data/k");
    /* too long */
    char *key = malloc(NS_URI_MAX);
    memset(key, 'k', NS_URI_MAX - 1);
    key[NS_URI_MAX - 1] = '\0';
    cr_assert_eq(ns_uri_join(out, "/d", key), -1);
    key[NS_URI_MAX - 4] = '\0'; /* "/d" + "/" + 2044 = 2047 bytes: fits */
    cr_assert_eq(ns_uri_join(out, "/d", key), 0);
    cr_assert_eq(strlen(out), NS_URI_MAX - 1);
    free(key);
}
