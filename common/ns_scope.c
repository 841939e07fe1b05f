/*
 * ns_scope: the rule for the store URIs a job names and the store roots
 * that confine them (ns_scope.h, docs/SECURITY.md "Job prefixes").
 *
 * The roots are kept normalized: local ones as a path without "file://"
 * and without trailing '/' ("" for "/"), S3 ones as "s3://bucket[/prefix]"
 * without trailing '/'. A URI is compared in the same form, so
 * "file:///srv/ns/x" and "/srv/ns/x" are one place.
 *
 * The allowed S3 endpoints are kept as "scheme://host[:port]" in lower
 * case; a job's endpoint and the process's own are compared in that form.
 */
#include "ns_scope.h"

#include "ns_s3conf.h"

#include <ctype.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_ITEM_MAX 1024

/* A list an environment variable sets (the store roots, the S3 endpoints):
 * blank-separated entries, each normalized by norm. */
typedef struct {
    const char *var;   /* the variable: NIGHTSHIFT_STORE_ROOTS, ... */
    const char *what;  /* an entry, in messages: "root", "endpoint" */
    /* entry in normalized form into out; -1 with why set when it is bad */
    int (*norm)(const char *entry, char *out, size_t cap, ns_err_t *why);
    char items[NS_SCOPE_MAX_ROOTS][S_ITEM_MAX]; /* normalized entries */
    char shown[NS_SCOPE_MAX_ROOTS * 64 + 64];   /* the list as written, for messages */
    int n;
    int bad;           /* the list was malformed: refuse all */
    ns_err_t bad_err;  /* ... with this message */
} s_list_t;

static int s_root_norm(const char *entry, char *out, size_t cap, ns_err_t *why);
static int s_ep_norm_entry(const char *entry, char *out, size_t cap, ns_err_t *why);

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static s_list_t s_rl = {.var = "NIGHTSHIFT_STORE_ROOTS", .what = "root", .norm = s_root_norm};
static pthread_once_t s_ep_once = PTHREAD_ONCE_INIT;
static s_list_t s_el = {.var = "NIGHTSHIFT_S3_ENDPOINTS", .what = "endpoint",
                        .norm = s_ep_norm_entry};

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

static int s_root_norm(const char *entry, char *out, size_t cap, ns_err_t *why)
{
    if (ns_scope_check_uri(entry, why))
        return -1;
    if (s_norm(entry, out, cap))
        return ns_errf(why, "too long");
    return 0;
}

/* Sets l from list (blank-separated); on a bad entry l refuses everything
 * with the message, which names the variable and the entry (an entry
 * holding '@', a user:password@, is not shown). */
static int s_list_parse(s_list_t *l, const char *list, ns_err_t *err)
{
    l->n = 0;
    l->bad = 0;
    l->shown[0] = '\0';
    size_t shown = 0;
    const char *p = list ? list : "";
    for (;;) {
        p += strspn(p, " \t\r\n");
        if (!*p)
            break;
        size_t n = strcspn(p, " \t\r\n");
        char one[S_ITEM_MAX];
        ns_err_t why;
        if (n >= sizeof one) {
            ns_errf(err, "%s: a %s of %zu bytes (at most %d)", l->var, l->what, n, S_ITEM_MAX - 1);
            goto bad;
        }
        memcpy(one, p, n);
        one[n] = '\0';
        if (l->n == NS_SCOPE_MAX_ROOTS) {
            ns_errf(err, "%s: more than %d %ss", l->var, NS_SCOPE_MAX_ROOTS, l->what);
            goto bad;
        }
        if (l->norm(one, l->items[l->n], S_ITEM_MAX, &why)) {
            ns_errf(err, "%s: bad %s '%.128s': %s", l->var, l->what,
                    strchr(one, '@') ? "...@..." : one, why.msg);
            goto bad;
        }
        int w = snprintf(l->shown + shown, sizeof l->shown - shown, "%s%s", shown ? " " : "", one);
        if (w > 0 && (size_t)w < sizeof l->shown - shown)
            shown += (size_t)w;
        l->n++;
        p += n;
    }
    return 0;
bad:
    l->bad = 1;
    l->bad_err = *err;
    return -1;
}

static void s_load_env(void)
{
    ns_err_t e;
    s_list_parse(&s_rl, getenv(s_rl.var), &e);
}

int ns_scope_set_roots(const char *list, ns_err_t *err)
{
    pthread_once(&s_once, s_load_env);
    return s_list_parse(&s_rl, list ? list : getenv(s_rl.var), err);
}

int ns_scope_nroots(void)
{
    pthread_once(&s_once, s_load_env);
    return s_rl.n;
}

int ns_scope_check_roots(const char *uri, bool listed, ns_err_t *err)
{
    pthread_once(&s_once, s_load_env);
    if (s_rl.bad)
        return ns_errf(err, "%s", s_rl.bad_err.msg);
    if (!s_rl.n)
        return 0;
    char u[S_ITEM_MAX + 8];
    const char *l = s_local(uri);
    if (snprintf(u, sizeof u, "%s", l ? l : uri) >= (int)sizeof u)
        return ns_errf(err, "it is longer than any store root allows");
    size_t ul = strlen(u);
    bool beside = false;
    for (int i = 0; i < s_rl.n; i++) {
        const char *r = s_rl.items[i];
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
                       s_rl.shown);
    if (!l) {
        char bucket[64];
        snprintf(bucket, sizeof bucket, "%.*s", (int)strcspn(uri + 5, "/"), uri + 5);
        return ns_errf(err, "it is outside the store roots: bucket '%s' is not among them "
                            "(NIGHTSHIFT_STORE_ROOTS: %s)",
                       bucket, s_rl.shown);
    }
    return ns_errf(err, "it is outside the store roots (NIGHTSHIFT_STORE_ROOTS: %s)", s_rl.shown);
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
    for (int i = 0; i < s_rl.n; i++) {
        const char *r = s_rl.items[i];
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

/* ---- S3 endpoints ---- */


/* "scheme://host[:port]" of an endpoint in lower case (a path after the
 * host is dropped) into out; -1 when it is not http[s]://host[:port]. */
static int s_ep_norm(const char *ep, char *out, size_t cap)
{
    size_t sl;
    if (!strncmp(ep, "http://", 7))
        sl = 7;
    else if (!strncmp(ep, "https://", 8))
        sl = 8;
    else
        return -1;
    size_t al = strcspn(ep + sl, "/");
    if (al == 0 || sl + al >= cap)
        return -1;
    for (size_t i = 0; i < sl + al; i++) {
        unsigned char c = (unsigned char)ep[i];
        if (i >= sl && !isalnum(c) && c != '.' && c != '-' && c != ':' && c != '[' && c != ']')
            return -1; /* no user:password@, no ?query or #fragment, no blank */
        out[i] = (char)tolower(c);
    }
    out[sl + al] = '\0';
    return 0;
}

static int s_ep_norm_entry(const char *entry, char *out, size_t cap, ns_err_t *why)
{
    if (s_ep_norm(entry, out, cap))
        return ns_errf(why, "expected http://host[:port] or https://host[:port]");
    return 0;
}

static void s_load_eps(void)
{
    ns_err_t e;
    s_list_parse(&s_el, getenv(s_el.var), &e);
}

int ns_scope_set_endpoints(const char *list, ns_err_t *err)
{
    pthread_once(&s_ep_once, s_load_eps);
    return s_list_parse(&s_el, list ? list : getenv(s_el.var), err);
}

int ns_scope_check_endpoint(const char *endpoint, ns_err_t *err)
{
    pthread_once(&s_ep_once, s_load_eps);
    if (s_el.bad)
        return ns_errf(err, "%s", s_el.bad_err.msg);
    char want[S_ITEM_MAX];
    if (!endpoint || s_ep_norm(endpoint, want, sizeof want))
        return ns_errf(err, "it is not http://host[:port] or https://host[:port]");
    for (int i = 0; i < s_el.n; i++)
        if (!strcmp(want, s_el.items[i]))
            return 0;
    /* the process's own endpoint, as the S3 backend finds it */
    ns_s3_config_t *conf = calloc(1, sizeof *conf);
    if (!conf)
        return ns_errf(err, "out of memory");
    ns_err_t e;
    char own[S_ITEM_MAX] = "";
    if (!ns_s3_config_load(conf, &e) && s_ep_norm(conf->endpoint, own, sizeof own))
        own[0] = '\0';
    memset(conf, 0, sizeof *conf); /* it held the keys */
    free(conf);
    if (own[0] && !strcmp(want, own))
        return 0;
    return ns_errf(err, "it is neither this process's own S3 endpoint (%s) nor listed in "
                        "NIGHTSHIFT_S3_ENDPOINTS (%s)",
                   own[0] ? own : "none: no S3 settings", s_el.n ? s_el.shown : "unset or empty");
}
