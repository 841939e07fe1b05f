/*
 * SigV4 signing, checked against the worked examples of AWS's S3
 * documentation ("Signature Calculations for the Authorization Header":
 * GET object with a Range, PUT object, GET bucket lifecycle, GET bucket
 * list objects; key AKIAIOSFODNN7EXAMPLE, 2013-05-24, us-east-1), and the
 * three cases Debian 12's libcurl signs wrongly.
 */
#include "ns_sigv4.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define AK "AKIAIOSFODNN7EXAMPLE"
#define SK "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
#define DATE "20130524T000000Z"
#define EMPTY "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
#define HOST "examplebucket.s3.amazonaws.com"

static void s_expect(const ns_sigv4_req_t *r, const char *signed_headers, const char *sig)
{
    ns_buf_t out;
    ns_buf_init(&out, 4096);
    ns_err_t err;
    cr_assert_eq(ns_sigv4_authorization(r, &out, &err), 0, "%s", err.msg);
    char want[512];
    snprintf(want, sizeof want,
             "AWS4-HMAC-SHA256 Credential=" AK "/20130524/us-east-1/s3/aws4_request,"
             "SignedHeaders=%s,Signature=%s",
             signed_headers, sig);
    cr_assert_str_eq(out.data, want);
    ns_buf_free(&out);
}

Test(sigv4, empty_payload_hash)
{
    char h[NS_SHA256_HEX];
    ns_sha256_hex("", 0, h);
    cr_assert_str_eq(h, EMPTY);
    ns_sha256_hex("Welcome to Amazon S3.", 21, h);
    cr_assert_str_eq(h, "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
}

Test(sigv4, aws_example_get_object_with_range)
{
    ns_header_t hs[] = {{"Host", HOST}, {"Range", "bytes=0-9"},
                        {"x-amz-content-sha256", EMPTY}, {"x-amz-date", DATE}};
    ns_sigv4_req_t r = {"GET", "/test.txt", NULL, 0, hs, 4, EMPTY, AK, SK, "us-east-1", "s3", DATE};
    s_expect(&r, "host;range;x-amz-content-sha256;x-amz-date",
             "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

Test(sigv4, aws_example_put_object)
{
    const char *ph = "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072";
    ns_header_t hs[] = {{"Host", HOST},
                        {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                        {"x-amz-date", DATE},
                        {"x-amz-storage-class", "REDUCED_REDUNDANCY"},
                        {"x-amz-content-sha256", ph}};
    ns_sigv4_req_t r = {"PUT", "/test$file.text", NULL, 0, hs, 5, ph, AK, SK, "us-east-1", "s3", DATE};
    s_expect(&r, "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
             "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

Test(sigv4, aws_example_get_bucket_lifecycle)
{
    ns_header_t hs[] = {{"Host", HOST}, {"x-amz-date", DATE}, {"x-amz-content-sha256", EMPTY}};
    ns_header_t q[] = {{"lifecycle", NULL}};
    ns_sigv4_req_t r = {"GET", "/", q, 1, hs, 3, EMPTY, AK, SK, "us-east-1", "s3", DATE};
    s_expect(&r, "host;x-amz-content-sha256;x-amz-date",
             "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

Test(sigv4, aws_example_list_objects)
{
    ns_header_t hs[] = {{"Host", HOST}, {"x-amz-date", DATE}, {"x-amz-content-sha256", EMPTY}};
    ns_header_t q[] = {{"prefix", "J"}, {"max-keys", "2"}};
    ns_sigv4_req_t r = {"GET", "/", q, 2, hs, 3, EMPTY, AK, SK,
                        "us-east-1", "s3", DATE};
    s_expect(&r, "host;x-amz-content-sha256;x-amz-date",
             "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

static char *s_canon(const char *method, const char *path, const ns_header_t *q, int nq)
{
    ns_header_t hs[] = {{"HOST", "  127.0.0.1:8080  "}, {"X-Amz-Date", DATE}};
    ns_sigv4_req_t r = {method, path, q, nq, hs, 2, EMPTY, AK, SK, "us-east-1", "s3", DATE};
    ns_buf_t out;
    ns_buf_init(&out, 4096);
    ns_err_t err;
    cr_assert_eq(ns_sigv4_canonical(&r, &out, &err), 0, "%s", err.msg);
    return out.data;
}

Test(sigv4, keys_with_equals_spaces_and_unicode_are_encoded_once)
{
    char *c = s_canon("GET", "/raw/pos/dt=2026-11-24/a b+c%\xc3\xa9.gz", NULL, 0);
    cr_assert_str_eq(c, "GET\n/raw/pos/dt%3D2026-11-24/a%20b%2Bc%25%C3%A9.gz\n\n"
                        "host:127.0.0.1:8080\nx-amz-date:" DATE "\n\nhost;x-amz-date\n" EMPTY);
    free(c);
}

Test(sigv4, query_values_with_slash_and_valueless_parameters)
{
    ns_header_t q[] = {{"list-type", "2"}, {"prefix", "pos/dt=2026-11-24/a&b"},
                       {"encoding-type", "url"}};
    char *c = s_canon("GET", "/raw", q, 3);
    cr_assert(strstr(c, "\nencoding-type=url&list-type=2&prefix=pos%2Fdt%3D2026-11-24%2Fa%26b\n"),
              "%s", c);
    free(c);
    ns_header_t up[] = {{"uploads", NULL}};
    c = s_canon("POST", "/raw/big.zst", up, 1);
    cr_assert(strstr(c, "\n/raw/big.zst\nuploads=\n"), "%s", c);
    free(c);
}

Test(sigv4, bad_date_is_an_error)
{
    ns_header_t hs[] = {{"Host", HOST}};
    ns_sigv4_req_t r = {"GET", "/", NULL, 0, hs, 1, EMPTY, AK, SK, "us-east-1", "s3", "2013-05-24"};
    ns_buf_t out;
    ns_buf_init(&out, 4096);
    ns_err_t err;
    cr_assert_eq(ns_sigv4_authorization(&r, &out, &err), -1);
    cr_assert(strstr(err.msg, "amz_date"));
    ns_buf_free(&out);
}
