/*
 * ns_sigv4: AWS Signature Version 4 (see ns_sigv4.h for the rules).
 */
#include "ns_sigv4.h"

#include <ctype.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_HEADERS 64
#define S_MAX_PARAMS 64

static void s_hex(const unsigned char *d, size_t n, char *out)
{
    static const char hx[] = "0123456789abcdef";
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hx[d[i] >> 4];
        out[2 * i + 1] = hx[d[i] & 15];
    }
    out[2 * n] = '\0';
}

void ns_sha256_hex(const void *data, size_t n, char out[NS_SHA256_HEX])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(data, n, md, &len, EVP_sha256(), NULL);
    s_hex(md, 32, out);
}

static void s_hmac(const void *key, size_t klen, const void *msg, size_t mlen, unsigned char out[32])
{
    unsigned int len = 32;
    HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &len);
}

int ns_sigv4_encode(ns_buf_t *out, const char *s, size_t n, bool keep_slash)
{
    static const char hx[] = "0123456789ABCDEF";
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || (keep_slash && c == '/')) {
            if (ns_buf_append(out, &s[i], 1))
                return -1;
        } else {
            char e[3] = {'%', hx[c >> 4], hx[c & 15]};
            if (ns_buf_append(out, e, 3))
                return -1;
        }
    }
    return 0;
}

typedef struct {
    char *name, *value; /* encoded */
} s_pair_t;

static int s_pair_cmp(const void *a, const void *b)
{
    const s_pair_t *x = a, *y = b;
    int c = strcmp(x->name, y->name);
    return c ? c : strcmp(x->value, y->value);
}

static char *s_encoded(const char *s, size_t n)
{
    ns_buf_t b;
    ns_buf_init(&b, 1 << 20);
    if (ns_sigv4_encode(&b, s, n, false) || ns_buf_append(&b, "", 0)) {
        ns_buf_free(&b);
        return NULL;
    }
    return b.data ? b.data : strdup("");
}

int ns_sigv4_query(const ns_header_t *params, int n, ns_buf_t *out, ns_err_t *err)
{
    if (n > S_MAX_PARAMS)
        return ns_errf(err, "sigv4: more than %d query parameters", S_MAX_PARAMS);
    s_pair_t p[S_MAX_PARAMS];
    int k = 0, rc = 0;
    for (; k < n; k++) {
        const char *v = params[k].value ? params[k].value : "";
        p[k].name = s_encoded(params[k].name, strlen(params[k].name));
        p[k].value = s_encoded(v, strlen(v));
        if (!p[k].name || !p[k].value) {
            k++;
            rc = ns_errf(err, "sigv4: out of memory");
            break;
        }
    }
    if (!rc) {
        qsort(p, (size_t)n, sizeof *p, s_pair_cmp);
        for (int i = 0; i < n && !rc; i++)
            rc = ns_buf_appendf(out, "%s%s=%s", i ? "&" : "", p[i].name, p[i].value);
        if (rc)
            rc = ns_errf(err, "sigv4: query too long");
    }
    for (int i = 0; i < k; i++) {
        free(p[i].name);
        free(p[i].value);
    }
    return rc;
}

typedef struct {
    char name[128];
    const char *value;
} s_hdr_t;

static int s_hdr_cmp(const void *a, const void *b)
{
    return strcmp(((const s_hdr_t *)a)->name, ((const s_hdr_t *)b)->name);
}

/* Appends the canonical headers and, into signed_out, the signed list. */
static int s_headers(const ns_sigv4_req_t *r, ns_buf_t *out, ns_buf_t *signed_out, ns_err_t *err)
{
    if (r->nheaders > S_MAX_HEADERS)
        return ns_errf(err, "sigv4: more than %d headers", S_MAX_HEADERS);
    s_hdr_t h[S_MAX_HEADERS];
    for (int i = 0; i < r->nheaders; i++) {
        size_t nl = strlen(r->headers[i].name);
        if (nl == 0 || nl >= sizeof h[i].name)
            return ns_errf(err, "sigv4: bad header name");
        for (size_t k = 0; k <= nl; k++)
            h[i].name[k] = (char)tolower((unsigned char)r->headers[i].name[k]);
        h[i].value = r->headers[i].value ? r->headers[i].value : "";
    }
    qsort(h, (size_t)r->nheaders, sizeof *h, s_hdr_cmp);
    for (int i = 0; i < r->nheaders; i++) {
        if (ns_buf_appendf(out, "%s:", h[i].name) ||
            ns_buf_appendf(signed_out, "%s%s", i ? ";" : "", h[i].name))
            return ns_errf(err, "sigv4: headers too long");
        const char *v = h[i].value;
        while (*v == ' ' || *v == '\t')
            v++;
        size_t vl = strlen(v);
        while (vl && (v[vl - 1] == ' ' || v[vl - 1] == '\t'))
            vl--;
        int blank = 0;
        for (size_t k = 0; k < vl; k++) {
            if (v[k] == ' ' || v[k] == '\t') {
                blank = 1;
                continue;
            }
            if ((blank && ns_buf_append(out, " ", 1)) || ns_buf_append(out, &v[k], 1))
                return ns_errf(err, "sigv4: headers too long");
            blank = 0;
        }
        if (ns_buf_append(out, "\n", 1))
            return ns_errf(err, "sigv4: headers too long");
    }
    return 0;
}

static int s_canonical(const ns_sigv4_req_t *r, ns_buf_t *out, ns_buf_t *signed_hdrs,
                       ns_err_t *err)
{
    if (ns_buf_appendf(out, "%s\n", r->method) ||
        ns_sigv4_encode(out, r->path, strlen(r->path), true) || ns_buf_append(out, "\n", 1))
        return ns_errf(err, "sigv4: path too long");
    if (ns_sigv4_query(r->params, r->nparams, out, err))
        return -1;
    if (ns_buf_append(out, "\n", 1) || s_headers(r, out, signed_hdrs, err) ||
        ns_buf_appendf(out, "\n%s\n%s", signed_hdrs->data ? signed_hdrs->data : "",
                       r->payload_hash))
        return ns_errf(err, "sigv4: request too long");
    return 0;
}

int ns_sigv4_canonical(const ns_sigv4_req_t *r, ns_buf_t *out, ns_err_t *err)
{
    ns_buf_t sh;
    ns_buf_init(&sh, 1 << 16);
    int rc = s_canonical(r, out, &sh, err);
    ns_buf_free(&sh);
    return rc;
}

int ns_sigv4_authorization(const ns_sigv4_req_t *r, ns_buf_t *out, ns_err_t *err)
{
    if (!r->amz_date || strlen(r->amz_date) != 16)
        return ns_errf(err, "sigv4: amz_date must look like 20130524T000000Z");
    ns_buf_t creq, sh;
    ns_buf_init(&creq, 1 << 20);
    ns_buf_init(&sh, 1 << 16);
    int rc = s_canonical(r, &creq, &sh, err);
    if (rc) {
        ns_buf_free(&creq);
        ns_buf_free(&sh);
        return rc;
    }
    char date[9];
    memcpy(date, r->amz_date, 8);
    date[8] = '\0';
    char creq_hash[NS_SHA256_HEX];
    ns_sha256_hex(creq.data, creq.len, creq_hash);
    char scope[256], sts[512];
    snprintf(scope, sizeof scope, "%s/%s/%s/aws4_request", date, r->region, r->service);
    int stslen = snprintf(sts, sizeof sts, "AWS4-HMAC-SHA256\n%s\n%s\n%s", r->amz_date, scope,
                          creq_hash);
    /* signing key: HMAC chain over date, region, service, "aws4_request" */
    char k0[256];
    int k0len = snprintf(k0, sizeof k0, "AWS4%s", r->secret_key);
    unsigned char kd[32], kr[32], ks[32], kk[32], sig[32];
    s_hmac(k0, (size_t)k0len, date, strlen(date), kd);
    s_hmac(kd, 32, r->region, strlen(r->region), kr);
    s_hmac(kr, 32, r->service, strlen(r->service), ks);
    s_hmac(ks, 32, "aws4_request", 12, kk);
    s_hmac(kk, 32, sts, (size_t)stslen, sig);
    char sighex[65];
    s_hex(sig, 32, sighex);
    rc = ns_buf_appendf(out, "AWS4-HMAC-SHA256 Credential=%s/%s,SignedHeaders=%s,Signature=%s",
                        r->access_key, scope, sh.data ? sh.data : "", sighex);
    OPENSSL_cleanse(k0, sizeof k0); /* the secret does not linger on the stack */
    ns_buf_free(&creq);
    ns_buf_free(&sh);
    return rc ? ns_errf(err, "sigv4: authorization too long") : 0;
}
