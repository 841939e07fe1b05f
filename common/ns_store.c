/*
 * ns_store: the generic half of the object-store interface (ns_store.h).
 *
 * Picks a backend from the URI's scheme ("file://" or an absolute path ->
 * the local backend; "s3://" -> the S3 backend) and forwards to it;
 * readers and writers dispatch through the function pointers in their
 * header. Also the whole-object convenience calls and ns_uri_join.
 *
 * Workload: one dispatch per object opened, listed or deleted; the byte
 * streams themselves go straight to the backend's read/write functions, so
 * nothing here is on a per-byte path.
 */
#include "ns_store.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

static const ns_store_backend_t *s_backend(const char *uri, ns_err_t *err)
{
    if (!uri || !uri[0]) {
        ns_errf(err, "cannot access '': empty URI");
        return NULL;
    }
    if (strnlen(uri, NS_URI_MAX) >= NS_URI_MAX) {
        ns_errf(err, "cannot access '%.64s...': URI longer than %d bytes", uri, NS_URI_MAX - 1);
        return NULL;
    }
    if (uri[0] == '/' || strncmp(uri, "file://", 7) == 0)
        return &ns_store_local_backend;
    if (strncmp(uri, "s3://", 5) == 0)
        return &ns_store_s3_backend;
    ns_errf(err, "cannot access '%s': unsupported URI (expected file://, an absolute path or s3://)",
            uri);
    return NULL;
}

long ns_store_list(const char *prefix, ns_store_list_fn fn, void *arg, ns_err_t *err)
{
    const ns_store_backend_t *b = s_backend(prefix, err);
    return b ? b->list(prefix, fn, arg, err) : -1;
}

int ns_store_head(const char *uri, ns_object_t *out, ns_err_t *err)
{
    const ns_store_backend_t *b = s_backend(uri, err);
    return b ? b->head(uri, out, err) : -1;
}

int ns_store_delete(const char *uri, ns_err_t *err)
{
    const ns_store_backend_t *b = s_backend(uri, err);
    return b ? b->del(uri, err) : -1;
}

long ns_store_delete_many(char *const *uris, int n, ns_err_t *err)
{
    long failed = 0;
    ns_err_t e1;
    for (int i = 0; i < n;) {
        const ns_store_backend_t *b = s_backend(uris[i], &e1);
        int k = i + 1;
        while (b && b->del_many && k < n && s_backend(uris[k], &e1) == b)
            k++;
        long f = !b ? 1 : b->del_many ? b->del_many(uris + i, k - i, &e1) : (b->del(uris[i], &e1) ? 1 : 0);
        if (f && !failed)
            ns_errf(err, "%s", e1.msg);
        failed += f < 0 ? k - i : f;
        i = k;
    }
    return failed;
}

ns_reader_t *ns_store_open_read(const char *uri, uint64_t offset, uint64_t length,
                                unsigned flags, ns_err_t *err)
{
    const ns_store_backend_t *b = s_backend(uri, err);
    return b ? b->open_read(uri, offset, length, flags, err) : NULL;
}

ssize_t ns_reader_read(ns_reader_t *r, void *buf, size_t n, ns_err_t *err)
{
    return r->read(r, buf, n, err);
}

void ns_reader_close(ns_reader_t **rp)
{
    if (!rp || !*rp)
        return;
    ns_reader_t *r = *rp;
    *rp = NULL;
    r->close(r);
}

ns_writer_t *ns_store_open_write(const char *uri, ns_err_t *err)
{
    const ns_store_backend_t *b = s_backend(uri, err);
    return b ? b->open_write(uri, err) : NULL;
}

int ns_writer_write(ns_writer_t *w, const void *buf, size_t n, ns_err_t *err)
{
    return w->write(w, buf, n, err);
}

uint64_t ns_writer_size(const ns_writer_t *w)
{
    return w->size;
}

int ns_writer_commit(ns_writer_t **wp, ns_err_t *err)
{
    if (!wp || !*wp)
        return ns_errf(err, "cannot commit: no writer");
    ns_writer_t *w = *wp;
    *wp = NULL;
    return w->commit(w, err);
}

void ns_writer_abort(ns_writer_t **wp)
{
    if (!wp || !*wp)
        return;
    ns_writer_t *w = *wp;
    *wp = NULL;
    w->abort(w);
}

int ns_store_get(const char *uri, size_t max, char **out, size_t *outlen, ns_err_t *err)
{
    *out = NULL;
    *outlen = 0;
    ns_reader_t *r = ns_store_open_read(uri, 0, UINT64_MAX, 0, err);
    if (!r)
        return -1;
    size_t cap = max < 65536 ? max + 1 : 65536, len = 0;
    char *data = malloc(cap + 1);
    if (!data) {
        ns_reader_close(&r);
        return ns_errf(err, "cannot read '%s': out of memory", uri);
    }
    for (;;) {
        if (len == cap) {
            if (len > max)
                break;
            size_t ncap = cap > (SIZE_MAX - 1) / 2 ? SIZE_MAX - 1 : cap * 2;
            if (ncap > max + 1)
                ncap = max + 1;
            char *nd = realloc(data, ncap + 1);
            if (!nd) {
                free(data);
                ns_reader_close(&r);
                return ns_errf(err, "cannot read '%s': out of memory", uri);
            }
            data = nd;
            cap = ncap;
        }
        ssize_t got = ns_reader_read(r, data + len, cap - len, err);
        if (got < 0) {
            free(data);
            ns_reader_close(&r);
            return -1;
        }
        if (got == 0)
            break;
        len += (size_t)got;
    }
    ns_reader_close(&r);
    if (len > max) {
        free(data);
        return ns_errf(err, "cannot read '%s': larger than %zu bytes", uri, max);
    }
    data[len] = '\0'; /* a convenience for text; not counted in outlen */
    *out = data;
    *outlen = len;
    return 0;
}

int ns_store_put(const char *uri, const void *data, size_t len, ns_err_t *err)
{
    ns_writer_t *w = ns_store_open_write(uri, err);
    if (!w)
        return -1;
    if (ns_writer_write(w, data, len, err) < 0) {
        ns_writer_abort(&w);
        return -1;
    }
    return ns_writer_commit(&w, err);
}

int ns_uri_join(char *out, const char *prefix, const char *key)
{
    /* never strip the slashes of "scheme://" itself: "file:///" + "k" is
     * "file:///k" */
    const char *sep = strstr(prefix, "://");
    size_t keep_min = sep ? (size_t)(sep - prefix) + 3 : 0;
    size_t plen = strlen(prefix);
    while (plen > keep_min && prefix[plen - 1] == '/')
        plen--;
    while (*key == '/')
        key++;
    size_t klen = strlen(key);
    if (plen + 1 + klen >= NS_URI_MAX) {
        out[0] = '\0';
        return -1;
    }
    memmove(out, prefix, plen); /* out may alias prefix */
    out[plen] = '/';
    memmove(out + plen + 1, key, klen);
    out[plen + 1 + klen] = '\0';
    return 0;
}
