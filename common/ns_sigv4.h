/*
 * ns_sigv4: AWS Signature Version 4 for S3 requests, computed here (with
 * OpenSSL's HMAC-SHA256) rather than by libcurl: Debian 12's libcurl 7.88
 * mis-signs object keys holding '=', query values holding '/' and query
 * parameters without a value, and a signature-checking server answers those
 * with 403. First piece of the S3 backend
 * (issue 3); pure functions, no I/O.
 *
 * Canonical request (AWS's rules for S3):
 *   METHOD \n URI \n QUERY \n HEADERS \n SIGNED \n PAYLOAD-HASH
 * URI: every path byte outside A-Z a-z 0-9 - . _ ~ and '/' percent-encoded
 * (uppercase hex), once (S3 does not double-encode). QUERY: each name and
 * value percent-encoded ('/' too), pairs sorted by name then value, "name="
 * for a parameter without a value. HEADERS: lowercase names, values with
 * leading/trailing blanks trimmed and inner runs of blanks squeezed, sorted
 * by name, each "name:value\n". SIGNED: the names joined by ';'.
 */
#ifndef NS_SIGV4_H
#define NS_SIGV4_H

#include "ns_buf.h"
#include "ns_err.h"

#include <stdbool.h>
#include <stddef.h>

#define NS_SHA256_HEX 65 /* 64 hex digits and NUL */

typedef struct {
    const char *name;  /* any case */
    const char *value; /* as sent */
} ns_header_t;

typedef struct {
    const char *method;       /* GET, PUT, ... */
    const char *path;         /* decoded path, e.g. "/bucket/dt=2026-11-24/a b.gz" */
    const ns_header_t *params; /* query parameters, decoded (encoded here, so a prefix
                                  "pos/dt=1&2/" is fine); value NULL: no value ("?uploads") */
    int nparams;
    const ns_header_t *headers; /* headers to sign (host, x-amz-date, x-amz-content-sha256, ...) */
    int nheaders;
    const char *payload_hash; /* hex SHA-256 of the body, or "UNSIGNED-PAYLOAD" */
    const char *access_key;
    const char *secret_key;
    const char *region;       /* us-east-1 */
    const char *service;      /* s3 */
    const char *amz_date;     /* 20130524T000000Z (the x-amz-date header's value) */
} ns_sigv4_req_t;

/* Percent-encodes s into out (appending); keep_slash keeps '/' as is. */
int ns_sigv4_encode(ns_buf_t *out, const char *s, size_t n, bool keep_slash);
/* Appends the canonical query string (names and values encoded, sorted,
 * "name=" for a parameter without a value), which is also what goes into the
 * request's URL, so the two can never differ. */
int ns_sigv4_query(const ns_header_t *params, int n, ns_buf_t *out, ns_err_t *err);
/* The canonical request (for tests and debugging). */
int ns_sigv4_canonical(const ns_sigv4_req_t *r, ns_buf_t *out, ns_err_t *err);
/* The Authorization header's value:
 * "AWS4-HMAC-SHA256 Credential=AK/20130524/us-east-1/s3/aws4_request,
 *  SignedHeaders=host;range;...,Signature=<64 hex>". */
int ns_sigv4_authorization(const ns_sigv4_req_t *r, ns_buf_t *out, ns_err_t *err);
/* Hex SHA-256 of data (out holds NS_SHA256_HEX bytes). */
void ns_sha256_hex(const void *data, size_t n, char out[NS_SHA256_HEX]);

#endif
