/*
 * ns_bookmark: a job's processed objects, in a TSV object next to the
 * catalog (ns_bookmark.h).
 */
#include "ns_bookmark.h"

#include "ns_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define S_MAX_BYTES (512u << 20) /* a bookmark larger than this is refused */

int ns_bookmark_uri(const char *catalog, const char *job, char *out, ns_err_t *err)
{
    char key[160];
    if (!job[0] || strchr(job, '/') || snprintf(key, sizeof key, "bookmarks/%s.tsv", job) >=
                                           (int)sizeof key)
        return ns_errf(err, "bad job name '%s' for a bookmark", job);
    if (ns_uri_join(out, catalog, key))
        return ns_errf(err, "bookmark uri too long under '%s'", catalog);
    return 0;
}

static int s_reindex(ns_bookmark_t *b)
{
    size_t cap = 64;
    while (cap < (size_t)b->n * 2 + 2)
        cap *= 2;
    int *ix = calloc(cap, sizeof *ix);
    if (!ix)
        return -1;
    for (int i = 0; i < b->n; i++) {
        size_t k = XXH64(b->e[i].uri, strlen(b->e[i].uri), 0) & (cap - 1);
        while (ix[k])
            k = (k + 1) & (cap - 1);
        ix[k] = i + 1;
    }
    free(b->index);
    b->index = ix;
    b->icap = cap;
    return 0;
}

/* Index of uri's entry, or -1. */
static int s_find(const ns_bookmark_t *b, const char *uri)
{
    if (!b->icap)
        return -1;
    size_t k = XXH64(uri, strlen(uri), 0) & (b->icap - 1);
    while (b->index[k]) {
        int i = b->index[k] - 1;
        if (!strcmp(b->e[i].uri, uri))
            return i;
        k = (k + 1) & (b->icap - 1);
    }
    return -1;
}

bool ns_bookmark_has(const ns_bookmark_t *b, const char *uri, const char *etag)
{
    int i = s_find(b, uri);
    return i >= 0 && !strcmp(b->e[i].etag, etag);
}

int ns_bookmark_add(ns_bookmark_t *b, const char *uri, const char *etag, uint64_t size,
                    const char *date, const char *job_id)
{
    int i = s_find(b, uri);
    if (i < 0) {
        if (b->n == b->cap) {
            int ncap = b->cap ? b->cap * 2 : 256;
            ns_bookmark_ent_t *ne = realloc(b->e, (size_t)ncap * sizeof *ne);
            if (!ne)
                return -1;
            b->e = ne;
            b->cap = ncap;
        }
        i = b->n;
        memset(&b->e[i], 0, sizeof b->e[i]);
        if (!(b->e[i].uri = strdup(uri)))
            return -1;
        b->n++;
        if (((size_t)b->n * 2 + 2 > b->icap && s_reindex(b)) || !b->index)
            return -1;
        if (b->icap && s_find(b, uri) < 0) { /* index the new entry */
            size_t k = XXH64(uri, strlen(uri), 0) & (b->icap - 1);
            while (b->index[k])
                k = (k + 1) & (b->icap - 1);
            b->index[k] = i + 1;
        }
    }
    ns_bookmark_ent_t *e = &b->e[i];
    snprintf(e->etag, sizeof e->etag, "%s", etag ? etag : "");
    e->size = size;
    snprintf(e->date, sizeof e->date, "%s", date ? date : "");
    snprintf(e->job_id, sizeof e->job_id, "%s", job_id ? job_id : "");
    return 0;
}

int ns_bookmark_rewind(ns_bookmark_t *b, const char *date)
{
    int kept = 0, dropped = 0;
    for (int i = 0; i < b->n; i++) {
        if (strcmp(b->e[i].date, date) >= 0) {
            free(b->e[i].uri);
            dropped++;
            continue;
        }
        b->e[kept++] = b->e[i];
    }
    b->n = kept;
    s_reindex(b);
    return dropped;
}

void ns_bookmark_free(ns_bookmark_t *b)
{
    for (int i = 0; i < b->n; i++)
        free(b->e[i].uri);
    free(b->e);
    free(b->index);
    memset(b, 0, sizeof *b);
}

static int s_put_uri(ns_buf_t *o, const char *u)
{
    for (; *u; u++) {
        const char *esc = *u == '%' ? "%25" : *u == '\t' ? "%09" : *u == '\r' ? "%0D"
                                                           : *u == '\n' ? "%0A" : NULL;
        if (esc ? ns_buf_append(o, esc, 3) : ns_buf_append(o, u, 1))
            return -1;
    }
    return 0;
}

int ns_bookmark_save(const char *catalog, const char *job, const ns_bookmark_t *b,
                     ns_err_t *err)
{
    char uri[NS_URI_MAX];
    if (ns_bookmark_uri(catalog, job, uri, err))
        return -1;
    ns_buf_t o;
    ns_buf_init(&o, S_MAX_BYTES);
    int rc = ns_buf_appendf(&o, "# nightshift bookmark v1: uri\tetag\tsize\tdate\tjob_id\n");
    for (int i = 0; i < b->n && !rc; i++) {
        const ns_bookmark_ent_t *e = &b->e[i];
        rc = s_put_uri(&o, e->uri) ||
             ns_buf_appendf(&o, "\t%s\t%llu\t%s\t%s\n", e->etag, (unsigned long long)e->size,
                            e->date, e->job_id);
    }
    if (rc) {
        ns_buf_free(&o);
        return ns_errf(err, "cannot write '%s': bookmark larger than %u MB", uri,
                       S_MAX_BYTES >> 20);
    }
    rc = ns_store_put(uri, o.data ? o.data : "", o.len, err);
    ns_buf_free(&o);
    return rc;
}

int ns_bookmark_reset(const char *catalog, const char *job, ns_err_t *err)
{
    char uri[NS_URI_MAX];
    if (ns_bookmark_uri(catalog, job, uri, err))
        return -1;
    return ns_store_delete(uri, err);
}

static int s_hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                          : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* Parses one line (NUL-terminated, no LF) into b. */
static int s_line(ns_bookmark_t *b, char *line)
{
    char *f[5];
    int nf = 0;
    for (char *p = line; nf < 5;) {
        f[nf++] = p;
        char *tab = strchr(p, '\t');
        if (!tab)
            break;
        *tab = '\0';
        p = tab + 1;
    }
    if (nf != 5)
        return -1;
    char *w = f[0];
    for (char *r = f[0]; *r; r++) {
        if (*r == '%') {
            int h = s_hex(r[1]), l = h < 0 ? -1 : s_hex(r[2]);
            if (h < 0 || l < 0)
                return -1;
            *w++ = (char)(h * 16 + l);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    char *end;
    unsigned long long size = strtoull(f[2], &end, 10);
    if (!f[0][0] || *end || strlen(f[1]) >= NS_ETAG_MAX)
        return -1;
    return ns_bookmark_add(b, f[0], f[1], size, f[3], f[4]);
}

int ns_bookmark_load(const char *catalog, const char *job, ns_bookmark_t *b, ns_err_t *err)
{
    memset(b, 0, sizeof *b);
    char uri[NS_URI_MAX];
    if (ns_bookmark_uri(catalog, job, uri, err))
        return -1;
    ns_object_t o;
    ns_err_t e;
    if (ns_store_head(uri, &o, &e))
        return strstr(e.msg, "not found") ? 0 : ns_errf(err, "%s", e.msg);
    char *text;
    size_t len;
    if (ns_store_get(uri, S_MAX_BYTES, &text, &len, err))
        return -1;
    int lineno = 0, rc = 0;
    for (char *p = text; p < text + len && !rc;) {
        char *nl = memchr(p, '\n', (size_t)(text + len - p));
        if (!nl) {
            rc = ns_errf(err, "%s:%d: the last line has no line end (a cut file?)", uri,
                         lineno + 1);
            break;
        }
        *nl = '\0';
        lineno++;
        if (p[0] != '#' && p[0] && s_line(b, p))
            rc = ns_errf(err, "%s:%d: malformed bookmark line", uri, lineno);
        p = nl + 1;
    }
    free(text);
    if (rc)
        ns_bookmark_free(b);
    return rc;
}
