/*
 * ns_store_s3: the S3 backend of the object-store interface (ns_store.h),
 * for AWS S3 and S3-compatible servers (MinIO, Ceph RGW, Swift s3api).
 *
 * Transport: libcurl, one multi handle per thread (a worker's slots are
 * threads), so every request a thread makes reuses that thread's
 * connections, and several ranged GETs of one stream can run at once. Curl
 * connection caches are not shared across threads (libcurl does not support
 * that for concurrent use). Requests are signed here with SigV4 (ns_sigv4),
 * never by libcurl's CURLOPT_AWS_SIGV4, which Debian 12's 7.88 gets wrong
 * for keys with '=', query values with '/' and valueless parameters.
 *
 * Reading: a stream is a sequence of ranged GETs ("chunks") of a bounded
 * size, each into its own buffer, with If-Match on the ETag the first one
 * returned, so an object replaced mid-read fails instead of splicing two
 * versions. A plain stream (shuffle runs; a reduce holds up to fan-in of them
 * open) keeps two 1 MiB chunks; a read-ahead stream (map input, read straight
 * through) keeps four 8 MiB chunks in flight. A failed or short chunk is
 * fetched again, so a cut body costs one chunk, never the stream.
 *
 * Writing: bytes collect in a part buffer; an object that fits one part is a
 * single PUT, a larger one a multipart upload whose parts (8 MiB, doubling
 * every 1,000 parts to stay under S3's 10,000) are uploaded as they fill; any
 * failure or abort aborts the upload, so no parts are left behind.
 *
 * Retries (AWS SDK "standard" mode): 500, 502, 503, 504, SlowDown,
 * RequestTimeout, InternalError and connection-level errors are retried with
 * exponential backoff and full jitter (base 100 ms, 500 ms when throttled,
 * cap 20 s), up to NIGHTSHIFT_S3_MAX_ATTEMPTS attempts (default 5), signing
 * each attempt anew and rewinding the body. The final error names the
 * object, the HTTP status and S3's error code and message. Credentials are
 * never written to a log or an error message.
 *
 * Answers are bounded: each request keeps at most resp_max bytes of body
 * (past that it fails, naming the limit), and every XML body (a listing
 * page, an error document, the answers to CreateMultipartUpload,
 * CompleteMultipartUpload and DeleteObjects) passes ns_xml_check (size,
 * depth, element count) before any element of it is looked for.
 *
 * Workload: a map task streams one large range or a few hundred small
 * objects; a reduce task streams up to fan-in (64) runs at once; writers
 * stream runs and load files of up to a few GB; the coordinator lists
 * prefixes of thousands of keys and deletes strays.
 */
#include "ns_redact.h"
#include "ns_s3conf.h"
#include "ns_s3xml.h"
#include "ns_sigv4.h"
#include "ns_store.h"

#include <curl/curl.h>
#include <openssl/evp.h>
#include <errno.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/random.h>
#include <time.h>

#define S_SMALL_CHUNK (1u << 20)    /* plain streams */
#define S_SMALL_DEPTH 2
#define S_BIG_CHUNK (8u << 20)      /* read-ahead streams */
#define S_BIG_DEPTH 4
#define S_MAX_DEPTH 4
#define S_PART_MIN (5u << 20)       /* S3's smallest part but the last */
#define S_PART_DEFAULT (8u << 20)
#define S_MAX_PARTS 10000
#define S_ERR_BODY_MAX (64u << 10)  /* error documents kept for their code */
#define S_LIST_BODY_MAX NS_XML_MAX_BYTES /* one listing page or DeleteObjects answer */
#define S_IDLE_MAX 16               /* idle easy handles kept per thread */

/* ---- settings, loaded once per process ---------------------------------- */

static pthread_once_t s_once = PTHREAD_ONCE_INIT;
static ns_s3_config_t s_conf;
static int s_conf_rc;
static ns_err_t s_conf_err;
static int s_max_attempts = 5;
static size_t s_part_size = S_PART_DEFAULT;
static pthread_key_t s_key;

static void s_ctx_free(void *p);

static void s_init(void)
{
    curl_global_init(CURL_GLOBAL_DEFAULT);
    pthread_key_create(&s_key, s_ctx_free);
    s_conf_rc = ns_s3_config_load(&s_conf, &s_conf_err);
    const char *a = getenv("NIGHTSHIFT_S3_MAX_ATTEMPTS");
    if (a && *a) {
        long v = strtol(a, NULL, 10);
        if (v >= 1 && v <= 20)
            s_max_attempts = (int)v;
    }
    const char *ps = getenv("NIGHTSHIFT_S3_PART_SIZE");
    if (ps && *ps) {
        long long v = strtoll(ps, NULL, 10);
        if (v >= (long long)S_PART_MIN && v <= (1ll << 30))
            s_part_size = (size_t)v;
    }
}

static const ns_s3_config_t *s_config(ns_err_t *err)
{
    pthread_once(&s_once, s_init);
    if (s_conf_rc) {
        ns_errf(err, "%s", s_conf_err.msg);
        return NULL;
    }
    return &s_conf;
}

/* Per-bucket overrides (a job's s3: section). */
#define S_MAX_BUCKETS 64
typedef struct {
    char bucket[64];
    char endpoint[sizeof s_conf.endpoint];
    char region[sizeof s_conf.region];
    bool path_style;
} s_place_t;
static pthread_mutex_t s_places_mu = PTHREAD_MUTEX_INITIALIZER;
static s_place_t s_places[S_MAX_BUCKETS];
static int s_nplaces;

int ns_store_s3_bucket_settings(const char *bucket, const char *endpoint, const char *region,
                                int path_style, ns_err_t *err)
{
    if (!s_config(err))
        return -1;
    s_place_t p;
    memset(&p, 0, sizeof p);
    if (snprintf(p.bucket, sizeof p.bucket, "%s", bucket) >= (int)sizeof p.bucket ||
        snprintf(p.endpoint, sizeof p.endpoint, "%s", endpoint ? endpoint : s_conf.endpoint) >=
            (int)sizeof p.endpoint ||
        snprintf(p.region, sizeof p.region, "%s", region ? region : s_conf.region) >=
            (int)sizeof p.region)
        return ns_errf(err, "s3 settings for bucket '%s': a value is too long", bucket);
    size_t el = strlen(p.endpoint);
    while (el && p.endpoint[el - 1] == '/')
        p.endpoint[--el] = '\0';
    p.path_style = path_style >= 0 ? path_style : endpoint ? true : s_conf.path_style;
    pthread_mutex_lock(&s_places_mu);
    int rc = 0;
    int i = 0;
    for (; i < s_nplaces && strcmp(s_places[i].bucket, bucket); i++)
        ;
    if (i < s_nplaces) {
        if (memcmp(&s_places[i], &p, sizeof p))
            rc = ns_errf(err, "s3 settings for bucket '%s' differ from those another job gave (%s)",
                         bucket, s_places[i].endpoint);
    } else if (s_nplaces == S_MAX_BUCKETS) {
        rc = ns_errf(err, "s3 settings for bucket '%s': more than %d buckets with settings", bucket,
                     S_MAX_BUCKETS);
    } else {
        s_places[s_nplaces++] = p;
    }
    pthread_mutex_unlock(&s_places_mu);
    return rc;
}

/* Where bucket lives: its override, else the environment's settings. */
static void s_place(const char *bucket, s_place_t *out)
{
    pthread_mutex_lock(&s_places_mu);
    for (int i = 0; i < s_nplaces; i++) {
        if (!strcmp(s_places[i].bucket, bucket)) {
            *out = s_places[i];
            pthread_mutex_unlock(&s_places_mu);
            return;
        }
    }
    pthread_mutex_unlock(&s_places_mu);
    memcpy(out->endpoint, s_conf.endpoint, sizeof out->endpoint);
    memcpy(out->region, s_conf.region, sizeof out->region);
    out->path_style = s_conf.path_style;
}

/* ---- per-thread transport ------------------------------------------------ */

typedef struct s_ctx {
    CURLM *multi;
    CURL *idle[S_IDLE_MAX];
    int nidle;
    pthread_t owner;
} s_ctx_t;

static void s_ctx_free(void *p)
{
    s_ctx_t *c = p;
    if (!c)
        return;
    for (int i = 0; i < c->nidle; i++)
        curl_easy_cleanup(c->idle[i]);
    curl_multi_cleanup(c->multi);
    free(c);
}

/* The calling thread's context, made on first use; freed when the thread
 * exits (the main thread's lives until the process ends). */
static s_ctx_t *s_ctx(ns_err_t *err)
{
    if (!s_config(err))
        return NULL;
    s_ctx_t *c = pthread_getspecific(s_key);
    if (c)
        return c;
    c = calloc(1, sizeof *c);
    if (!c || !(c->multi = curl_multi_init())) {
        free(c);
        ns_errf(err, "s3: cannot create a curl multi handle");
        return NULL;
    }
    c->owner = pthread_self();
    pthread_setspecific(s_key, c);
    return c;
}

/* One HTTP exchange, possibly in flight while others are. */
typedef struct {
    s_ctx_t *ctx;
    CURL *easy;
    struct curl_slist *hdrs;
    /* request */
    char method[8];
    const char *up;     /* request body (PUT/POST), or NULL */
    size_t uplen, upoff;
    /* response */
    ns_buf_t body;      /* kept up to body.max bytes; more is an error */
    bool overflow;      /* the body passed body.max (the transfer was cut) */
    bool xml;           /* the request's answer is an S3 XML document */
    long status;
    CURLcode rc;
    bool done, running;
    char etag[NS_ETAG_MAX];
    uint64_t total;     /* object size from Content-Range, or UINT64_MAX */
    uint64_t clen;      /* Content-Length, or UINT64_MAX */
    char errbuf[CURL_ERROR_SIZE];
} s_xfer_t;

static size_t s_on_body(char *p, size_t sz, size_t nm, void *arg)
{
    s_xfer_t *x = arg;
    size_t n = sz * nm;
    if (ns_buf_append(&x->body, p, n)) {
        x->overflow = true;
        return 0; /* CURLE_WRITE_ERROR */
    }
    return n;
}

static size_t s_on_upload(char *p, size_t sz, size_t nm, void *arg)
{
    s_xfer_t *x = arg;
    size_t n = sz * nm, left = x->uplen - x->upoff;
    if (n > left)
        n = left;
    memcpy(p, x->up + x->upoff, n);
    x->upoff += n;
    return n;
}

static int s_on_seek(void *arg, curl_off_t off, int origin)
{
    s_xfer_t *x = arg;
    if (origin != SEEK_SET || off < 0 || (uint64_t)off > x->uplen)
        return CURL_SEEKFUNC_CANTSEEK;
    x->upoff = (size_t)off;
    return CURL_SEEKFUNC_OK;
}

static int s_hdr_is(const char *line, size_t n, const char *name, const char **val, size_t *vlen)
{
    size_t nl = strlen(name);
    if (n <= nl || line[nl] != ':' || strncasecmp(line, name, nl))
        return 0;
    const char *v = line + nl + 1;
    size_t l = n - nl - 1;
    while (l && (*v == ' ' || *v == '\t')) {
        v++;
        l--;
    }
    while (l && (v[l - 1] == '\r' || v[l - 1] == '\n' || v[l - 1] == ' '))
        l--;
    *val = v;
    *vlen = l;
    return 1;
}

static size_t s_on_header(char *p, size_t sz, size_t nm, void *arg)
{
    s_xfer_t *x = arg;
    size_t n = sz * nm;
    const char *v;
    size_t vl;
    if (n >= 5 && !memcmp(p, "HTTP/", 5)) { /* a new response (after 100 Continue, say) */
        x->etag[0] = '\0';
        x->total = x->clen = UINT64_MAX;
    } else if (s_hdr_is(p, n, "ETag", &v, &vl)) {
        if (vl >= 2 && v[0] == '"' && v[vl - 1] == '"') {
            v++;
            vl -= 2;
        }
        if (vl < sizeof x->etag) {
            memcpy(x->etag, v, vl);
            x->etag[vl] = '\0';
        }
    } else if (s_hdr_is(p, n, "Content-Range", &v, &vl)) {
        const char *slash = memchr(v, '/', vl);
        if (slash && slash + 1 < v + vl && slash[1] != '*')
            x->total = strtoull(slash + 1, NULL, 10);
    } else if (s_hdr_is(p, n, "Content-Length", &v, &vl)) {
        x->clen = strtoull(v, NULL, 10);
    }
    return n;
}

/* Drives the thread's transfers until x is done. */
static void s_wait(s_xfer_t *x)
{
    s_ctx_t *c = x->ctx;
    if (!x->running && !x->done) { /* never started */
        x->rc = CURLE_FAILED_INIT;
        x->done = true;
    }
    while (!x->done) {
        int running = 0;
        curl_multi_perform(c->multi, &running);
        CURLMsg *m;
        int left;
        while ((m = curl_multi_info_read(c->multi, &left))) {
            if (m->msg != CURLMSG_DONE)
                continue;
            s_xfer_t *d = NULL;
            curl_easy_getinfo(m->easy_handle, CURLINFO_PRIVATE, (char **)&d);
            if (!d)
                continue;
            d->rc = m->data.result;
            curl_easy_getinfo(d->easy, CURLINFO_RESPONSE_CODE, &d->status);
            d->done = true;
        }
        if (x->done)
            break;
        curl_multi_poll(c->multi, NULL, 0, 1000, NULL);
    }
}

/* Takes x off the multi handle and gives its easy handle back to the pool. */
static void s_xfer_end(s_xfer_t *x)
{
    if (x->easy) {
        if (x->running)
            curl_multi_remove_handle(x->ctx->multi, x->easy);
        s_ctx_t *c = x->ctx;
        if (c->nidle < S_IDLE_MAX) {
            curl_easy_reset(x->easy);
            c->idle[c->nidle++] = x->easy;
        } else {
            curl_easy_cleanup(x->easy);
        }
    }
    x->easy = NULL;
    x->running = false;
    curl_slist_free_all(x->hdrs);
    x->hdrs = NULL;
}

static void s_xfer_free(s_xfer_t *x)
{
    s_xfer_end(x);
    ns_buf_free(&x->body);
}

/* ---- requests -------------------------------------------------------------- */

typedef struct {
    const char *method;
    const char *bucket;
    const char *key;          /* "" for the bucket itself */
    const ns_header_t *params;
    int nparams;
    const char *range;        /* "bytes=a-b" or NULL */
    const char *if_match;     /* ETag or NULL */
    const char *content_type; /* or NULL */
    bool content_md5;         /* send Content-MD5 of the body (DeleteObjects needs it) */
    const void *body;         /* PUT/POST body or NULL */
    size_t body_len;
    size_t resp_max;          /* most response-body bytes kept */
    bool xml;                 /* a 2xx answer is an S3 XML document (named limit past resp_max) */
} s_req_t;

static void s_amz_date(char out[17])
{
    time_t now = time(NULL);
    struct tm tm;
    gmtime_r(&now, &tm);
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
}

/* Signs and starts r on x (which must be idle). */
static int s_start(s_ctx_t *c, s_xfer_t *x, const s_req_t *r, ns_err_t *err)
{
    const ns_s3_config_t *cf = &s_conf;
    s_place_t pl;
    s_place(r->bucket, &pl);
    x->ctx = c;
    x->status = 0;
    x->rc = CURLE_OK;
    x->done = false;
    x->etag[0] = '\0';
    x->total = x->clen = UINT64_MAX;
    x->errbuf[0] = '\0';
    x->overflow = false;
    x->xml = r->xml;
    x->up = r->body;
    x->uplen = r->body ? r->body_len : 0;
    x->upoff = 0;
    snprintf(x->method, sizeof x->method, "%s", r->method);
    ns_buf_free(&x->body);
    ns_buf_init(&x->body, r->resp_max);

    /* host and path: https://host/bucket/key (path style) or
     * https://bucket.host/key (virtual-hosted style) */
    const char *ep = pl.endpoint;
    const char *hs = strstr(ep, "://");
    if (!hs) {
        char shown[sizeof pl.endpoint + 16];
        return ns_errf(err, "s3: endpoint '%s' has no scheme (http:// or https://)",
                       ns_redact_text(ep, shown, sizeof shown));
    }
    size_t schemelen = (size_t)(hs - ep);
    const char *hoststart = hs + 3;
    size_t hostlen = strcspn(hoststart, "/");
    char host[512], path[NS_URI_MAX + 300];
    int hl = pl.path_style
                 ? snprintf(host, sizeof host, "%.*s", (int)hostlen, hoststart)
                 : snprintf(host, sizeof host, "%s.%.*s", r->bucket, (int)hostlen, hoststart);
    int plen = pl.path_style
                   ? snprintf(path, sizeof path, "/%s%s%s", r->bucket, r->key[0] ? "/" : "", r->key)
                   : snprintf(path, sizeof path, "/%s", r->key);
    if (hl < 0 || (size_t)hl >= sizeof host || plen < 0 || (size_t)plen >= sizeof path)
        return ns_errf(err, "s3: request URL too long for 's3://%s/%s'", r->bucket, r->key);

    char date[17], hash[NS_SHA256_HEX];
    s_amz_date(date);
    if (r->body)
        ns_sha256_hex(r->body, r->body_len, hash);
    else
        ns_sha256_hex("", 0, hash);
    ns_header_t sh[4] = {{"host", host}, {"x-amz-content-sha256", hash}, {"x-amz-date", date}};
    int nsh = 3;
    if (cf->session_token[0])
        sh[nsh++] = (ns_header_t){"x-amz-security-token", cf->session_token};
    ns_sigv4_req_t sr = {r->method, path, r->params, r->nparams, sh, nsh, hash,
                         cf->access_key, cf->secret_key, pl.region, "s3", date};
    ns_buf_t auth, url;
    ns_buf_init(&auth, 1 << 14);
    ns_buf_init(&url, 1 << 16);
    int rc = ns_sigv4_authorization(&sr, &auth, err);
    if (!rc) {
        rc = ns_buf_appendf(&url, "%.*s://%s", (int)schemelen, ep, host) ||
             ns_sigv4_encode(&url, path, strlen(path), true);
        if (!rc && r->nparams)
            rc = ns_buf_append(&url, "?", 1) || ns_sigv4_query(r->params, r->nparams, &url, err);
        if (rc)
            rc = ns_errf(err, "s3: request URL too long for 's3://%s/%s'", r->bucket, r->key);
    }
    struct curl_slist *h = NULL;
    char line[8192];
#define S_ADD(...)                                          \
    do {                                                    \
        snprintf(line, sizeof line, __VA_ARGS__);           \
        struct curl_slist *nh = curl_slist_append(h, line); \
        if (!nh)                                            \
            rc = -1;                                        \
        else                                                \
            h = nh;                                         \
    } while (0)
    if (!rc) {
        S_ADD("Host: %s", host);
        S_ADD("x-amz-date: %s", date);
        S_ADD("x-amz-content-sha256: %s", hash);
        if (cf->session_token[0])
            S_ADD("x-amz-security-token: %s", cf->session_token);
        S_ADD("Authorization: %s", auth.data);
        S_ADD("Expect:"); /* no 100-continue round trip */
        if (r->range)
            S_ADD("Range: %s", r->range);
        if (r->if_match)
            S_ADD("If-Match: \"%s\"", r->if_match);
        if (r->content_md5) {
            unsigned char md[EVP_MAX_MD_SIZE];
            unsigned int mdlen = 0;
            char b64[64];
            EVP_Digest(r->body ? r->body : "", r->body_len, md, &mdlen, EVP_md5(), NULL);
            EVP_EncodeBlock((unsigned char *)b64, md, (int)mdlen);
            S_ADD("Content-MD5: %s", b64);
        }
        if (r->content_type)
            S_ADD("Content-Type: %s", r->content_type);
        else
            S_ADD("Content-Type:"); /* no value: curl sends none of its own */
        if (rc)
            ns_errf(err, "s3: out of memory");
    }
#undef S_ADD
    /* the signature must not outlive the request in our memory */
    if (auth.data)
        memset(auth.data, 0, auth.len);
    ns_buf_free(&auth);
    if (rc) {
        curl_slist_free_all(h);
        ns_buf_free(&url);
        return -1;
    }
    CURL *e = c->nidle ? c->idle[--c->nidle] : curl_easy_init();
    if (!e) {
        curl_slist_free_all(h);
        ns_buf_free(&url);
        return ns_errf(err, "s3: cannot create a curl handle");
    }
    x->easy = e;
    x->hdrs = h;
    curl_easy_setopt(e, CURLOPT_URL, url.data);
    ns_buf_free(&url);
    curl_easy_setopt(e, CURLOPT_PATH_AS_IS, 1L); /* keys may hold "./" and "//" */
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(e, CURLOPT_PRIVATE, (char *)x);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, s_on_body);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, x);
    curl_easy_setopt(e, CURLOPT_HEADERFUNCTION, s_on_header);
    curl_easy_setopt(e, CURLOPT_HEADERDATA, x);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, x->errbuf);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT, 10L);
    /* a stalled transfer (under 1 KB/s for 30 s) is a connection error */
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_LIMIT, 1024L);
    curl_easy_setopt(e, CURLOPT_LOW_SPEED_TIME, 30L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    if (!strcmp(r->method, "HEAD")) {
        curl_easy_setopt(e, CURLOPT_NOBODY, 1L);
    } else if (!strcmp(r->method, "PUT")) {
        curl_easy_setopt(e, CURLOPT_UPLOAD, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, s_on_upload);
        curl_easy_setopt(e, CURLOPT_READDATA, x);
        curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, s_on_seek);
        curl_easy_setopt(e, CURLOPT_SEEKDATA, x);
        curl_easy_setopt(e, CURLOPT_INFILESIZE_LARGE, (curl_off_t)x->uplen);
    } else if (!strcmp(r->method, "POST")) {
        curl_easy_setopt(e, CURLOPT_POST, 1L);
        curl_easy_setopt(e, CURLOPT_READFUNCTION, s_on_upload);
        curl_easy_setopt(e, CURLOPT_READDATA, x);
        curl_easy_setopt(e, CURLOPT_SEEKFUNCTION, s_on_seek);
        curl_easy_setopt(e, CURLOPT_SEEKDATA, x);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->uplen);
    } else if (strcmp(r->method, "GET")) {
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    }
    if (curl_multi_add_handle(c->multi, e) != CURLM_OK) {
        s_xfer_end(x);
        return ns_errf(err, "s3: cannot start a request");
    }
    x->running = true;
    return 0;
}

/* What a finished exchange means. */
enum { S_OK, S_RETRY, S_THROTTLED, S_FAIL };

/* S3's error code and message from an error document; when the body is
 * not within ns_xml_check's bounds, none, and the reason in refused. */
static void s_s3_error(const s_xfer_t *x, char *code, size_t ccap, char *msg, size_t mcap,
                       char *refused, size_t rcap)
{
    code[0] = msg[0] = refused[0] = '\0';
    ns_err_t why;
    if (x->body.len && ns_xml_check(x->body.data, x->body.len, &why)) {
        size_t l = strlen(why.msg);
        if (l >= rcap)
            l = rcap - 1;
        memcpy(refused, why.msg, l);
        refused[l] = '\0';
        return;
    }
    ns_buf_t b;
    ns_buf_init(&b, 4096);
    if (x->body.len && ns_xml_text(x->body.data, x->body.len, 0, "Code", &b, NULL) == 1)
        snprintf(code, ccap, "%s", b.data);
    ns_buf_reset(&b);
    if (x->body.len && ns_xml_text(x->body.data, x->body.len, 0, "Message", &b, NULL) == 1)
        snprintf(msg, mcap, "%s", b.data);
    ns_buf_free(&b);
}

static int s_classify(const s_xfer_t *x, bool error_in_200, char *why, size_t cap)
{
    if (x->rc == CURLE_WRITE_ERROR && x->overflow) {
        if (x->xml && x->body.max >= NS_XML_MAX_BYTES && x->status >= 200 && x->status < 300)
            snprintf(why, cap, "HTTP %ld with an XML body that is refused: S3 XML document "
                               "exceeds max_xml_bytes (%u bytes)",
                     x->status, NS_XML_MAX_BYTES);
        else
            snprintf(why, cap, "HTTP %ld with a body of more than %zu bytes (the most kept "
                               "for this request)",
                     x->status, x->body.max);
        return S_FAIL;
    }
    if (x->rc != CURLE_OK) {
        snprintf(why, cap, "%s", x->errbuf[0] ? x->errbuf : curl_easy_strerror(x->rc));
        switch (x->rc) {
        case CURLE_COULDNT_RESOLVE_HOST:
        case CURLE_COULDNT_CONNECT:
        case CURLE_SEND_ERROR:
        case CURLE_RECV_ERROR:
        case CURLE_PARTIAL_FILE:
        case CURLE_GOT_NOTHING:
        case CURLE_OPERATION_TIMEDOUT:
        case CURLE_SSL_CONNECT_ERROR:
        case CURLE_HTTP2:
        case CURLE_HTTP2_STREAM:
            return S_RETRY;
        default:
            return S_FAIL;
        }
    }
    bool ok = x->status >= 200 && x->status < 300;
    if (ok && !error_in_200) /* the body is the caller's (object bytes, a listing page) */
        return S_OK;
    char code[128], msg[512], refused[256];
    s_s3_error(x, code, sizeof code, msg, sizeof msg, refused, sizeof refused);
    if (ok && refused[0]) { /* CompleteMultipartUpload: an answer we cannot read */
        snprintf(why, cap, "HTTP %ld with an XML body that is refused: %s", x->status, refused);
        return S_FAIL;
    }
    if (ok && !code[0]) /* CompleteMultipartUpload: 200 with <Error> fails */
        return S_OK;
    if (ok)
        snprintf(why, cap, "HTTP 200 with an error: %s%s%s", code, msg[0] ? ": " : "", msg);
    else
        snprintf(why, cap, "HTTP %ld%s%s%s%s%s%s%s", x->status, code[0] ? " " : "", code,
                 msg[0] ? ": " : "", msg, refused[0] ? " (its error document is refused: " : "",
                 refused, refused[0] ? ")" : "");
    if (!strcmp(code, "SlowDown") || !strcmp(code, "Throttling") ||
        !strcmp(code, "ThrottlingException") || x->status == 429)
        return S_THROTTLED;
    if (x->status == 500 || x->status == 502 || x->status == 503 || x->status == 504 ||
        !strcmp(code, "RequestTimeout") || !strcmp(code, "InternalError"))
        return x->status == 503 ? S_THROTTLED : S_RETRY;
    return S_FAIL;
}

/* Sleeps a full-jitter backoff before attempt number `attempt` (1-based
 * count of failures so far). */
static void s_backoff(int attempt, bool throttled)
{
    double base = throttled ? 0.5 : 0.1, cap = 20.0;
    double ceil = base;
    for (int i = 1; i < attempt && ceil < cap; i++)
        ceil *= 2;
    if (ceil > cap)
        ceil = cap;
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = (uint32_t)rand();
    double s = ceil * ((double)r / 4294967296.0);
    struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&ts, &ts) && errno == EINTR)
        ;
}

/* Runs r to completion with retries; x holds the final response. Returns 0
 * on a 2xx (and, for error_in_200, no <Error> body); -1 otherwise with err
 * naming what, the status and the S3 error. what: e.g. "GET". */
static int s_call(s_ctx_t *c, s_xfer_t *x, const s_req_t *r, bool error_in_200, ns_err_t *err)
{
    char why[768];
    for (int attempt = 1;; attempt++) {
        if (s_start(c, x, r, err))
            return -1;
        s_wait(x);
        s_xfer_end(x);
        int k = s_classify(x, error_in_200, why, sizeof why);
        if (k == S_OK)
            return 0;
        if (k == S_FAIL || attempt >= s_max_attempts) {
            /* a server (or a proxy) may echo what it was sent: never our secrets */
            char safe[sizeof why];
            ns_redact_secret(why, s_conf.secret_key);
            ns_redact_secret(why, s_conf.session_token);
            ns_redact_text(why, safe, sizeof safe);
            return ns_errf(err, "cannot %s 's3://%s/%s': %s%s", r->method, r->bucket, r->key, safe,
                           k == S_FAIL ? "" : " (gave up after retries)");
        }
        s_backoff(attempt, k == S_THROTTLED);
    }
}

/* ---- HEAD, DELETE, list -------------------------------------------------- */

/* A bodiless request on one object (HEAD, DELETE); x holds the answer. */
static int s_object_call(const char *uri, const char *method, s_xfer_t *x, ns_err_t *err)
{
    char bucket[64];
    const char *key;
    s_ctx_t *c = s_ctx(err);
    if (!c || ns_s3_uri_parse(uri, bucket, sizeof bucket, &key, err))
        return -1;
    if (!key[0])
        return ns_errf(err, "cannot %s '%s': no key", method, uri);
    s_req_t r = {.method = method, .bucket = bucket, .key = key, .resp_max = S_ERR_BODY_MAX};
    return s_call(c, x, &r, false, err);
}

static int s_head(const char *uri, ns_object_t *out, ns_err_t *err)
{
    s_xfer_t x = {0};
    int rc = s_object_call(uri, "HEAD", &x, err);
    if (rc && x.status == 404)
        rc = ns_errf(err, "cannot head '%s': not found", uri);
    if (!rc) {
        memset(out, 0, sizeof *out);
        snprintf(out->uri, sizeof out->uri, "%s", uri);
        out->size = x.clen == UINT64_MAX ? 0 : x.clen;
        snprintf(out->etag, sizeof out->etag, "%s", x.etag);
    }
    s_xfer_free(&x);
    return rc;
}

static int s_del(const char *uri, ns_err_t *err)
{
    s_xfer_t x = {0};
    int rc = s_object_call(uri, "DELETE", &x, err);
    if (rc && x.status == 404) /* NoSuchKey: already gone, as S3 itself says */
        rc = 0;
    s_xfer_free(&x);
    return rc;
}

/* DeleteObjects, up to 1,000 keys a request; the keys of one bucket. */
#define S_DELETE_BATCH 1000

static int s_del_batch(s_ctx_t *c, const char *bucket, char *const *uris, int n, int *failed,
                       ns_err_t *err)
{
    ns_buf_t body, k;
    ns_buf_init(&body, (size_t)n * (NS_URI_MAX * 6 + 40) + 128);
    ns_buf_init(&k, NS_URI_MAX);
    int rc = ns_buf_appendf(&body, "<Delete><Quiet>true</Quiet>");
    for (int i = 0; i < n && !rc; i++) {
        const char *key = uris[i] + 5 + strlen(bucket) + 1;
        rc = ns_buf_appendf(&body, "<Object><Key>");
        for (const char *p = key; *p && !rc; p++) {
            switch (*p) {
            case '&': rc = ns_buf_appendf(&body, "&amp;"); break;
            case '<': rc = ns_buf_appendf(&body, "&lt;"); break;
            case '>': rc = ns_buf_appendf(&body, "&gt;"); break;
            case '"': rc = ns_buf_appendf(&body, "&quot;"); break;
            case '\'': rc = ns_buf_appendf(&body, "&apos;"); break;
            case '\r': rc = ns_buf_appendf(&body, "&#13;"); break;
            default: rc = ns_buf_append(&body, p, 1);
            }
        }
        if (!rc)
            rc = ns_buf_appendf(&body, "</Key></Object>");
    }
    if (!rc)
        rc = ns_buf_appendf(&body, "</Delete>");
    if (rc) {
        ns_buf_free(&body);
        ns_buf_free(&k);
        return ns_errf(err, "cannot delete from 's3://%s': out of memory", bucket);
    }
    s_xfer_t x = {0};
    ns_header_t q[] = {{"delete", NULL}};
    s_req_t r = {.method = "POST", .bucket = bucket, .key = "", .params = q, .nparams = 1,
                 .content_type = "application/xml", .content_md5 = true, .body = body.data,
                 .body_len = body.len, .resp_max = S_LIST_BODY_MAX, .xml = true};
    rc = s_call(c, &x, &r, false, err);
    ns_err_t why;
    if (!rc && ns_xml_check(x.body.data ? x.body.data : "", x.body.len, &why)) {
        /* which keys failed is not known: all of them, as far as we can tell */
        if (!*failed)
            ns_errf(err, "cannot delete from 's3://%s': the server's answer is refused: %s",
                    bucket, why.msg);
        *failed += n;
    } else if (!rc) {
        /* Quiet mode: the answer lists only the keys that failed */
        const char *xml = x.body.data ? x.body.data : "";
        size_t at = 0, bs, bl;
        while (ns_xml_block(xml, x.body.len, at, "Error", &bs, &bl)) {
            at = bs + bl;
            if (!*failed) {
                ns_buf_reset(&k);
                ns_xml_text(xml + bs, bl, 0, "Key", &k, NULL);
                char code[128], msg[256];
                ns_buf_t b;
                ns_buf_init(&b, 1024);
                ns_xml_text(xml + bs, bl, 0, "Code", &b, NULL);
                snprintf(code, sizeof code, "%s", b.data ? b.data : "");
                ns_buf_reset(&b);
                ns_xml_text(xml + bs, bl, 0, "Message", &b, NULL);
                snprintf(msg, sizeof msg, "%s", b.data ? b.data : "");
                ns_buf_free(&b);
                ns_errf(err, "cannot delete 's3://%s/%s': %s: %s", bucket, k.data ? k.data : "?",
                        code, msg);
            }
            (*failed)++;
        }
    } else {
        *failed += n;
    }
    s_xfer_free(&x);
    ns_buf_free(&body);
    ns_buf_free(&k);
    return 0;
}

static long s_del_many(char *const *uris, int n, ns_err_t *err)
{
    s_ctx_t *c = s_ctx(err);
    if (!c)
        return -1;
    int failed = 0;
    for (int i = 0; i < n;) {
        char bucket[64];
        const char *key;
        if (ns_s3_uri_parse(uris[i], bucket, sizeof bucket, &key, err) || !key[0]) {
            if (!key || !key[0])
                ns_errf(err, "cannot delete '%s': no key", uris[i]);
            failed++;
            i++;
            continue;
        }
        /* a run of keys in the same bucket, at most a batch */
        int k = i + 1;
        size_t bl = strlen(bucket);
        while (k < n && k - i < S_DELETE_BATCH && !strncmp(uris[k], uris[i], 5 + bl + 1))
            k++;
        s_del_batch(c, bucket, uris + i, k - i, &failed, err);
        i = k;
    }
    return failed;
}

static long s_list(const char *prefix, ns_store_list_fn fn, void *arg, ns_err_t *err)
{
    char bucket[64];
    const char *kp;
    s_ctx_t *c = s_ctx(err);
    if (!c || ns_s3_uri_parse(prefix, bucket, sizeof bucket, &kp, err))
        return -1;
    s_xfer_t x = {0};
    ns_buf_t token;
    ns_buf_init(&token, 4096);
    long count = 0;
    for (int page = 0;; page++) {
        ns_header_t q[4] = {{"list-type", "2"}, {"prefix", kp}, {"encoding-type", "url"}};
        int nq = 3;
        if (page)
            q[nq++] = (ns_header_t){"continuation-token", token.data};
        s_req_t r = {.method = "GET", .bucket = bucket, .key = "", .params = q, .nparams = nq,
                     .resp_max = S_LIST_BODY_MAX, .xml = true};
        if (s_call(c, &x, &r, false, err)) {
            count = -1;
            break;
        }
        /* the page is checked (ns_xml_check) and read there; the token is
         * copied out before the next request reuses x */
        int more = 0;
        int rc = ns_s3_list_page(x.body.data ? x.body.data : "", x.body.len, bucket, prefix, fn,
                                 arg, &count, &more, &token, err);
        if (rc < 0)
            count = -1;
        if (rc || !more)
            break;
    }
    s_xfer_free(&x);
    ns_buf_free(&token);
    return count;
}

/* ---- reading --------------------------------------------------------------- */

typedef struct {
    s_xfer_t x;
    uint64_t off;  /* first byte asked for */
    size_t len;    /* bytes asked for */
    size_t used;   /* bytes handed to the reader */
    int failures;  /* failed attempts of this chunk */
    bool busy;     /* requested, not yet consumed */
} s_chunk_t;

typedef struct {
    ns_reader_t base;
    s_ctx_t *ctx;
    char uri[NS_URI_MAX];
    char bucket[64];
    const char *key;     /* inside uri */
    uint64_t pos;        /* next byte to hand out */
    uint64_t end;        /* one past the last byte to read (UINT64_MAX: not yet known) */
    uint64_t next;       /* offset of the next chunk to request */
    size_t chunk;
    int depth;
    int head;            /* chunk holding pos */
    s_chunk_t c[S_MAX_DEPTH];
    char etag[NS_ETAG_MAX];
} s_reader_t;

static int s_chunk_request(s_reader_t *r, s_chunk_t *k, ns_err_t *err)
{
    char range[64];
    snprintf(range, sizeof range, "bytes=%llu-%llu", (unsigned long long)k->off,
             (unsigned long long)(k->off + k->len - 1));
    s_req_t q = {.method = "GET", .bucket = r->bucket, .key = r->key, .range = range,
                 .if_match = r->etag[0] ? r->etag : NULL, .resp_max = k->len > S_ERR_BODY_MAX ? k->len : S_ERR_BODY_MAX};
    k->used = 0;
    k->busy = true;
    return s_start(r->ctx, &k->x, &q, err);
}

/* Requests the next chunks while there is room and bytes left. */
static int s_fill(s_reader_t *r, ns_err_t *err)
{
    for (int i = 0; i < r->depth; i++) {
        s_chunk_t *k = &r->c[(r->head + i) % r->depth];
        if (k->busy)
            continue;
        if (r->end == UINT64_MAX || r->next >= r->end)
            return 0;
        k->off = r->next;
        uint64_t left = r->end - r->next;
        k->len = left < r->chunk ? (size_t)left : r->chunk;
        k->failures = 0;
        r->next += k->len;
        if (s_chunk_request(r, k, err))
            return -1;
    }
    return 0;
}

/* Waits for the head chunk and checks it, re-requesting it after a
 * retryable failure. */
static int s_head_ready(s_reader_t *r, ns_err_t *err)
{
    s_chunk_t *k = &r->c[r->head];
    for (;;) {
        if (!k->x.done)
            s_wait(&k->x);
        if (k->x.running) {
            s_xfer_end(&k->x);
        }
        char why[768];
        int kind = s_classify(&k->x, false, why, sizeof why);
        if (kind == S_OK) {
            if (k->x.status == 200 && k->off != 0)
                return ns_errf(err, "cannot read '%s': the server ignored the Range header", r->uri);
            uint64_t total = k->x.status == 200 ? k->x.body.len : k->x.total;
            if (total == UINT64_MAX)
                return ns_errf(err, "cannot read '%s': no object size in the response", r->uri);
            if (!r->etag[0] && k->x.etag[0])
                snprintf(r->etag, sizeof r->etag, "%s", k->x.etag);
            if (r->end == UINT64_MAX || r->end > total) {
                /* first chunk: now the object's size is known */
                r->end = r->end == UINT64_MAX || r->end > total ? total : r->end;
                if (r->next > r->end)
                    r->next = r->end;
            }
            uint64_t want = r->end > k->off ? r->end - k->off : 0;
            if (want > k->len)
                want = k->len;
            if (k->x.body.len >= want) {
                k->x.body.len = (size_t)want;
                return 0;
            }
            snprintf(why, sizeof why, "short body: %zu of %llu bytes", k->x.body.len,
                     (unsigned long long)want);
            kind = S_RETRY;
        } else if (k->x.status == 416 && k->off == 0 && !r->etag[0]) {
            r->end = 0; /* an empty object has no byte 0 */
            k->x.body.len = 0;
            return 0;
        } else if (k->x.status == 412) {
            return ns_errf(err, "cannot read '%s': the object changed while it was read", r->uri);
        } else if (k->x.status == 404) {
            return ns_errf(err, "cannot read '%s': not found", r->uri);
        }
        if (kind == S_FAIL || ++k->failures >= s_max_attempts)
            return ns_errf(err, "cannot read '%s' at byte %llu: %s%s", r->uri,
                           (unsigned long long)k->off, why,
                           kind == S_FAIL ? "" : " (gave up after retries)");
        s_backoff(k->failures, kind == S_THROTTLED);
        if (s_chunk_request(r, k, err))
            return -1;
    }
}

static ssize_t s_read(ns_reader_t *base, void *buf, size_t n, ns_err_t *err)
{
    s_reader_t *r = (s_reader_t *)base;
    if (!pthread_equal(r->ctx->owner, pthread_self()))
        return ns_errf(err, "cannot read '%s': a stream is used by the thread that opened it",
                       r->uri);
    size_t got = 0;
    while (got < n && r->pos < r->end) {
        s_chunk_t *k = &r->c[r->head];
        if (!k->busy)
            return ns_errf(err, "cannot read '%s': internal error (no chunk at byte %llu)",
                           r->uri, (unsigned long long)r->pos);
        if (k->used == 0 && s_head_ready(r, err))
            return -1;
        size_t avail = k->x.body.len - k->used;
        size_t take = avail < n - got ? avail : n - got;
        memcpy((char *)buf + got, k->x.body.data + k->used, take);
        k->used += take;
        got += take;
        r->pos += take;
        if (k->used == k->x.body.len) { /* chunk used up: recycle it */
            k->busy = false;
            k->used = 0;
            r->head = (r->head + 1) % r->depth;
            if (s_fill(r, err))
                return -1;
        }
        if (take == 0 && r->pos < r->end)
            return ns_errf(err, "cannot read '%s': no progress at byte %llu", r->uri,
                           (unsigned long long)r->pos);
    }
    return (ssize_t)got;
}

static void s_rclose(ns_reader_t *base)
{
    s_reader_t *r = (s_reader_t *)base;
    for (int i = 0; i < S_MAX_DEPTH; i++)
        s_xfer_free(&r->c[i].x);
    free(r);
}

static ns_reader_t *s_open_read(const char *uri, uint64_t off, uint64_t len, unsigned flags,
                                ns_err_t *err)
{
    s_ctx_t *c = s_ctx(err);
    if (!c)
        return NULL;
    s_reader_t *r = calloc(1, sizeof *r);
    if (!r) {
        ns_errf(err, "cannot read '%s': out of memory", uri);
        return NULL;
    }
    r->base.read = s_read;
    r->base.close = s_rclose;
    r->ctx = c;
    snprintf(r->uri, sizeof r->uri, "%s", uri);
    if (ns_s3_uri_parse(r->uri, r->bucket, sizeof r->bucket, &r->key, err)) {
        free(r);
        return NULL;
    }
    if (!r->key[0]) {
        ns_errf(err, "cannot read '%s': no key", uri);
        free(r);
        return NULL;
    }
    bool ahead = flags & NS_READ_AHEAD;
    r->chunk = ahead ? S_BIG_CHUNK : S_SMALL_CHUNK;
    r->depth = ahead ? S_BIG_DEPTH : S_SMALL_DEPTH;
    r->pos = r->next = off;
    r->end = len == UINT64_MAX || off + len < off ? UINT64_MAX : off + len;
    if (len == 0) {
        r->end = off;
        return &r->base;
    }
    /* the first chunk alone: it tells the size and the ETag the others must match */
    s_chunk_t *k = &r->c[0];
    k->off = off;
    uint64_t left = r->end == UINT64_MAX ? UINT64_MAX : r->end - off;
    k->len = left < r->chunk ? (size_t)left : r->chunk;
    r->next = off + k->len;
    if (s_chunk_request(r, k, err) || s_head_ready(r, err) || s_fill(r, err)) {
        s_rclose(&r->base);
        return NULL;
    }
    if (r->pos >= r->end) /* empty or past the end */
        k->busy = false;
    return &r->base;
}

/* ---- writing ---------------------------------------------------------------- */

typedef struct {
    ns_writer_t base;
    s_ctx_t *ctx;
    char uri[NS_URI_MAX];
    char bucket[64];
    const char *key;
    ns_buf_t part;      /* bytes of the part being filled */
    size_t part_size;   /* of the part being filled */
    char upload_id[1024]; /* "" until a multipart upload starts */
    int nparts;
    ns_buf_t done;      /* <Part> elements of the uploaded parts */
    bool failed;
} s_writer_t;

static void s_upload_abort(s_writer_t *w)
{
    if (!w->upload_id[0])
        return;
    ns_err_t e;
    s_xfer_t x = {0};
    ns_header_t q[] = {{"uploadId", w->upload_id}};
    s_req_t r = {.method = "DELETE", .bucket = w->bucket, .key = w->key, .params = q,
                 .nparams = 1, .resp_max = S_ERR_BODY_MAX};
    s_call(w->ctx, &x, &r, false, &e); /* best effort: a lifecycle rule catches the rest */
    s_xfer_free(&x);
    w->upload_id[0] = '\0';
}

static int s_upload_part(s_writer_t *w, ns_err_t *err)
{
    s_xfer_t x = {0};
    int rc = 0;
    if (!w->upload_id[0]) {
        ns_header_t q[] = {{"uploads", NULL}};
        s_req_t r = {.method = "POST", .bucket = w->bucket, .key = w->key, .params = q,
                     .nparams = 1, .content_type = "application/octet-stream",
                     .resp_max = S_ERR_BODY_MAX, .xml = true};
        ns_buf_t id;
        ns_buf_init(&id, sizeof w->upload_id - 1);
        rc = s_call(w->ctx, &x, &r, true, err);
        if (!rc && (ns_xml_text(x.body.data ? x.body.data : "", x.body.len, 0, "UploadId", &id,
                                NULL) != 1 ||
                    !id.len))
            rc = ns_errf(err, "cannot write '%s': no UploadId in the server's answer", w->uri);
        if (!rc)
            memcpy(w->upload_id, id.data, id.len + 1);
        ns_buf_free(&id);
    }
    if (!rc && w->nparts >= S_MAX_PARTS)
        rc = ns_errf(err, "cannot write '%s': more than %d parts", w->uri, S_MAX_PARTS);
    if (!rc) {
        char num[16];
        snprintf(num, sizeof num, "%d", w->nparts + 1);
        ns_header_t q[] = {{"partNumber", num}, {"uploadId", w->upload_id}};
        s_req_t r = {.method = "PUT", .bucket = w->bucket, .key = w->key, .params = q,
                     .nparams = 2, .body = w->part.data ? w->part.data : "",
                     .body_len = w->part.len, .resp_max = S_ERR_BODY_MAX};
        rc = s_call(w->ctx, &x, &r, false, err);
        if (!rc && !x.etag[0])
            rc = ns_errf(err, "cannot write '%s': no ETag for part %d", w->uri, w->nparts + 1);
        if (!rc) {
            w->nparts++;
            if (ns_buf_appendf(&w->done, "<Part><PartNumber>%d</PartNumber><ETag>\"%s\"</ETag></Part>",
                               w->nparts, x.etag))
                rc = ns_errf(err, "cannot write '%s': out of memory", w->uri);
        }
    }
    s_xfer_free(&x);
    if (!rc) {
        ns_buf_reset(&w->part);
        /* parts grow so that 10,000 of them cover terabytes */
        if (w->nparts % 1000 == 0 && w->part_size < (1u << 30))
            w->part_size *= 2;
    }
    return rc;
}

static int s_write(ns_writer_t *base, const void *buf, size_t n, ns_err_t *err)
{
    s_writer_t *w = (s_writer_t *)base;
    if (!pthread_equal(w->ctx->owner, pthread_self()))
        return ns_errf(err, "cannot write '%s': a stream is used by the thread that opened it",
                       w->uri);
    if (w->failed)
        return ns_errf(err, "cannot write '%s': write after an earlier error", w->uri);
    const char *p = buf;
    while (n) {
        size_t room = w->part_size - w->part.len;
        size_t take = n < room ? n : room;
        if (ns_buf_append(&w->part, p, take)) {
            w->failed = true;
            return ns_errf(err, "cannot write '%s': out of memory", w->uri);
        }
        p += take;
        n -= take;
        w->base.size += take;
        if (w->part.len == w->part_size && s_upload_part(w, err)) {
            w->failed = true;
            return -1;
        }
    }
    return 0;
}

static void s_wfree(s_writer_t *w)
{
    ns_buf_free(&w->part);
    ns_buf_free(&w->done);
    free(w);
}

static void s_wabort(ns_writer_t *base)
{
    s_writer_t *w = (s_writer_t *)base;
    s_upload_abort(w);
    s_wfree(w);
}

/* After CompleteMultipartUpload answered 404 (NoSuchUpload): did an earlier
 * attempt, whose answer a cut connection lost, complete this very upload?
 * Then the object has our size and a multipart ETag of our part count. */
static bool s_completed_before(s_writer_t *w)
{
    ns_object_t o;
    ns_err_t e;
    if (s_head(w->uri, &o, &e))
        return false;
    char suffix[16];
    int sl = snprintf(suffix, sizeof suffix, "-%d", w->nparts);
    size_t el = strlen(o.etag);
    return o.size == w->base.size && el > (size_t)sl && !strcmp(o.etag + el - (size_t)sl, suffix);
}

static int s_commit(ns_writer_t *base, ns_err_t *err)
{
    s_writer_t *w = (s_writer_t *)base;
    int rc = 0;
    if (w->failed) {
        rc = ns_errf(err, "cannot commit '%s': an earlier write failed", w->uri);
    } else if (!w->upload_id[0]) {
        s_xfer_t x = {0};
        s_req_t r = {.method = "PUT", .bucket = w->bucket, .key = w->key,
                     .body = w->part.data ? w->part.data : "", .body_len = w->part.len,
                     .resp_max = S_ERR_BODY_MAX};
        rc = s_call(w->ctx, &x, &r, false, err);
        s_xfer_free(&x);
    } else {
        if (w->part.len)
            rc = s_upload_part(w, err);
        if (!rc) {
            ns_buf_t body;
            ns_buf_init(&body, (size_t)S_MAX_PARTS * 160 + 256);
            rc = ns_buf_appendf(&body, "<CompleteMultipartUpload>%s</CompleteMultipartUpload>",
                                w->done.data ? w->done.data : "");
            if (rc)
                rc = ns_errf(err, "cannot commit '%s': out of memory", w->uri);
            s_xfer_t x = {0};
            ns_header_t q[] = {{"uploadId", w->upload_id}};
            s_req_t r = {.method = "POST", .bucket = w->bucket, .key = w->key, .params = q,
                         .nparams = 1, .content_type = "application/xml", .body = body.data,
                         .body_len = body.len, .resp_max = S_ERR_BODY_MAX, .xml = true};
            if (!rc)
                rc = s_call(w->ctx, &x, &r, true, err);
            if (rc && x.status == 404 && s_completed_before(w))
                rc = 0; /* an earlier attempt completed it; its answer was lost */
            s_xfer_free(&x);
            ns_buf_free(&body);
            if (!rc)
                w->upload_id[0] = '\0';
        }
        if (rc)
            s_upload_abort(w);
    }
    s_wfree(w);
    return rc;
}

static ns_writer_t *s_open_write(const char *uri, ns_err_t *err)
{
    s_ctx_t *c = s_ctx(err);
    if (!c)
        return NULL;
    s_writer_t *w = calloc(1, sizeof *w);
    if (!w) {
        ns_errf(err, "cannot write '%s': out of memory", uri);
        return NULL;
    }
    snprintf(w->uri, sizeof w->uri, "%s", uri);
    if (ns_s3_uri_parse(w->uri, w->bucket, sizeof w->bucket, &w->key, err)) {
        free(w);
        return NULL;
    }
    if (!w->key[0] || w->key[strlen(w->key) - 1] == '/') {
        ns_errf(err, "cannot write '%s': not an object key", uri);
        free(w);
        return NULL;
    }
    w->base.write = s_write;
    w->base.commit = s_commit;
    w->base.abort = s_wabort;
    w->ctx = c;
    w->part_size = s_part_size;
    ns_buf_init(&w->part, (1u << 30) + 1);
    ns_buf_init(&w->done, (size_t)S_MAX_PARTS * 160);
    return &w->base;
}

const ns_store_backend_t ns_store_s3_backend = {
    .scheme = "s3",
    .list = s_list,
    .head = s_head,
    .del = s_del,
    .del_many = s_del_many,
    .open_read = s_open_read,
    .open_write = s_open_write,
};
