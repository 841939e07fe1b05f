/*
 * ns_scope: the rule for the store URIs a job names and the store roots
 * that confine them (ns_scope.h, docs/SECURITY.md "Job prefixes").
 *
 * The roots are kept normalized: local ones as a path without "file://"
 * and without trailing '/' ("" for "/"), S3 ones as "s3://bucket[/prefix]"
 * without trailing '/'. A URI is compared in the same form, so
 * "file:///srv/ns/x" and "/srv/ns/x" are one place.
 */
#include "ns_scope.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ROOT_MAX 1024

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static char s_roots[NS_SCOPE_MAX_ROOTS][S_ROOT_MAX]; /* normalized roots */
static char s_shown[NS_SCOPE_MAX_ROOTS * 64 + 64];   /* the roots as written, for messages */
static int s_nroots;
static int s_bad;                                    /* the list was malformed: refuse all */
static ns_err_t s_bad_err;                           /* ... with this message */

/* The local path of a local URI ("file:///x" -> "/x", "/x" -> "/x"), or
 * NULL for anything else. */
static const char *s_local(const char *uri)
{
    if (!strncmp(uri, "file://", 7))
        return uri + 7;
    return uri[0] == '/' ? uri : NULL;
}

static bool s_bucket_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_';
}

int ns_scope_check_uri(const char *uri, ns_err_t *err)
{
    if (!uri || !uri[0])
        return ns_errf(err, "an empty URI");
    for (const char *p = uri; *p; p++)
        if ((unsigned char)*p < 0x20 || *p == 0x7f)
            return ns_errf(err, "a control character (byte %zu)", (size_t)(p - uri) + 1);
    const char *segs; /* where the '/'-separated segments start */
    if (!strncmp(uri, "s3://", 5)) {
        const char *b = uri + 5;
        size_t bl = strcspn(b, "/");
        if (bl < 3 || bl > 63)
            return ns_errf(err, "a bucket name of %zu characters (3 to 63)", bl);
        for (size_t i = 0; i < bl; i++)
            if (!s_bucket_char(b[i]))
                return ns_errf(err, "a bad bucket name '%.*s' (a-z, 0-9, '.', '-', '_')", (int)bl,
                               b);
        if (!b[bl])
            return 0;
        segs = b + bl + 1;
    } else if (!strncmp(uri, "file://", 7)) {
        if (uri[7] != '/')
            return ns_errf(err, "a file:// URI with a host part (only file:///path)");
        segs = uri + 8;
    } else if (uri[0] == '/') {
        segs = uri + 1;
    } else {
        const char *colon = strstr(uri, "://");
        if (colon)
            return ns_errf(err, "the scheme '%.*s' (only file:///path, /path and s3://bucket/)",
                           (int)(colon - uri) > 16 ? 16 : (int)(colon - uri), uri);
        return ns_errf(err, "a relative path (only file:///path, /path and s3://bucket/)");
    }
    for (const char *s = segs;;) {
        size_t n = strcspn(s, "/");
        if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.'))
            return ns_errf(err, "a '%.*s' path segment", (int)n, s);
        if (!s[n])
            break;
        s += n + 1;
    }
    return 0;
}

/* uri in the roots' normalized form into out; -1 when it does not fit. */
static int s_norm(const char *uri, char *out, size_t cap)
{
    const char *l = s_local(uri);
    int n = snprintf(out, cap, "%s", l ? l : uri);
    if (n < 0 || (size_t)n >= cap)
        return -1;
    while (n > 0 && out[n - 1] == '/')
        out[--n] = '\0';
    return 0;
}

static int s_parse_roots(const char *list, ns_err_t *err)
{
    s_nroots = 0;
    s_bad = 0;
    s_shown[0] = '\0';
    size_t shown = 0;
    const char *p = list ? list : "";
    for (;;) {
        p += strspn(p, " \t\r\n");
        if (!*p)
            break;
        size_t n = strcspn(p, " \t\r\n");
        char one[S_ROOT_MAX];
        ns_err_t why;
        if (n >= sizeof one) {
            ns_errf(err, "NIGHTSHIFT_STORE_ROOTS: a root of %zu bytes (at most %d)", n,
                    S_ROOT_MAX - 1);
            goto bad;
        }
        memcpy(one, p, n);
        one[n] = '\0';
        if (s_nroots == NS_SCOPE_MAX_ROOTS) {
            ns_errf(err, "NIGHTSHIFT_STORE_ROOTS: more than %d roots", NS_SCOPE_MAX_ROOTS);
            goto bad;
        }
        if (ns_scope_check_uri(one, &why)) {
            ns_errf(err, "NIGHTSHIFT_STORE_ROOTS: bad root '%s': %s", one, why.msg);
            goto bad;
        }
        if (s_norm(one, s_roots[s_nroots], S_ROOT_MAX)) {
            ns_errf(err, "NIGHTSHIFT_STORE_ROOTS: root '%s' too long", one);
            goto bad;
        }
        int w = snprintf(s_shown + shown, sizeof s_shown - shown, "%s%s", shown ? " " : "", one);
        if (w > 0 && (size_t)w < sizeof s_shown - shown)
            shown += (size_t)w;
        s_nroots++;
        p += n;
    }
    return 0;
bad:
    s_bad = 1;
    s_bad_err = *err;
    return -1;
}

static void s_load_env(void)
{
    ns_err_t e;
    s_parse_roots(getenv("NIGHTSHIFT_STORE_ROOTS"), &e);
}

int ns_scope_set_roots(const char *list, ns_err_t *err)
{
    pthread_once(&s_once, s_load_env);
    return s_parse_roots(list ? list : getenv("NIGHTSHIFT_STORE_ROOTS"), err);
}

int ns_scope_nroots(void)
{
    pthread_once(&s_once, s_load_env);
    return s_nroots;
}

int ns_scope_check_roots(const char *uri, bool listed, ns_err_t *err)
{
    pthread_once(&s_once, s_load_env);
    if (s_bad)
        return ns_errf(err, "%s", s_bad_err.msg);
    if (!s_nroots)
        return 0;
    char u[S_ROOT_MAX + 8];
    const char *l = s_local(uri);
    if (snprintf(u, sizeof u, "%s", l ? l : uri) >= (int)sizeof u)
        return ns_errf(err, "it is longer than any store root allows");
    size_t ul = strlen(u);
    bool beside = false;
    for (int i = 0; i < s_nroots; i++) {
        const char *r = s_roots[i];
        size_t rl = strlen(r);
        bool r_local = r[0] != 's';
        if (r_local != (l != NULL))
            continue;
        if (ul > rl && !memcmp(u, r, rl) && u[rl] == '/')
            return 0; /* below the root */
        if (ul == rl && !memcmp(u, r, rl)) {
            /* the root itself, without the '/': fine to write below, and a
             * whole bucket lists nothing else; a local directory or an S3
             * prefix would list its siblings too */
            bool bucket = !r_local && !strchr(r + 5, '/');
            if (!listed || bucket)
                return 0;
            beside = true;
        }
    }
    if (beside)
        return ns_errf(err, "as a prefix it also lists names beside the store root (end it "
                            "with '/'; NIGHTSHIFT_STORE_ROOTS: %s)",
                       s_shown);
    if (!l) {
        char bucket[64];
        snprintf(bucket, sizeof bucket, "%.*s", (int)strcspn(uri + 5, "/"), uri + 5);
        return ns_errf(err, "it is outside the store roots: bucket '%s' is not among them "
                            "(NIGHTSHIFT_STORE_ROOTS: %s)",
                       bucket, s_shown);
    }
    return ns_errf(err, "it is outside the store roots (NIGHTSHIFT_STORE_ROOTS: %s)", s_shown);
}

int ns_scope_within(const char *uri, const char *prefix, ns_err_t *err)
{
    ns_err_t why;
    if (!uri || !prefix || !prefix[0])
        return ns_errf(err, "'%s' is not under the job's prefixes", uri ? uri : "");
    if (strncmp(uri, prefix, strlen(prefix)))
        return ns_errf(err, "'%s' is not under '%s'", uri, prefix);
    if (ns_scope_check_uri(uri, &why))
        return ns_errf(err, "'%s' is refused: %s", uri, why.msg);
    return 0;
}

size_t ns_scope_local_root(const char *path)
{
    pthread_once(&s_once, s_load_env);
    size_t best = 0;
    bool found = false;
    size_t pl = strlen(path);
    for (int i = 0; i < s_nroots; i++) {
        const char *r = s_roots[i];
        if (r[0] == 's')
            continue;
        size_t rl = strlen(r);
        if (pl > rl && !memcmp(path, r, rl) && path[rl] == '/' && (!found || rl > best)) {
            best = rl;
            found = true;
        }
    }
    if (!found)
        return 0;
    return best ? best : 1; /* the root "/" is the directory "/" */
}
