/*
 * test_s3xml: element text and blocks of S3's XML answers, entity and
 * character references, malformed elements, and the decoding of keys listed
 * with encoding-type=url, and the bounds of ns_xml_check at their edges.
 */
#include "ns_s3xml.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char LIST[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">"
    "<Name>raw</Name><Prefix>pos%2F</Prefix><KeyCount>2</KeyCount>"
    "<IsTruncated>true</IsTruncated><EncodingType>url</EncodingType>"
    "<NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>"
    "<Contents><Key>pos/dt%3D2026-11-24/a+b%2Bc.gz</Key><Size>123</Size>"
    "<ETag>&quot;9b2cf535f27731c974343645a3985328&quot;</ETag><StorageClass>STANDARD</StorageClass></Contents>"
    "<Contents><Key>pos/%C3%A9t%C3%A9</Key><LastModified>2026-11-24T00:00:00.000Z</LastModified>"
    "<Size>0</Size><ETag/></Contents>"
    "</ListBucketResult>";

static char *s_text(const char *xml, size_t n, size_t from, const char *tag, int want)
{
    static ns_buf_t b;
    ns_buf_free(&b);
    ns_buf_init(&b, 4096);
    cr_assert_eq(ns_xml_text(xml, n, from, tag, &b, NULL), want, "tag %s", tag);
    return b.data ? b.data : "";
}

Test(s3xml, listing_fields_and_blocks)
{
    size_t n = sizeof LIST - 1;
    cr_assert_str_eq(s_text(LIST, n, 0, "IsTruncated", 1), "true");
    cr_assert_str_eq(s_text(LIST, n, 0, "NextContinuationToken", 1),
                     "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
    s_text(LIST, n, 0, "Marker", 0);
    size_t at = 0, st, len;
    const char *keys[] = {"pos/dt=2026-11-24/a b+c.gz", "pos/\xc3\xa9t\xc3\xa9"};
    const char *sizes[] = {"123", "0"};
    const char *etags[] = {"\"9b2cf535f27731c974343645a3985328\"", ""};
    for (int i = 0; i < 2; i++) {
        cr_assert_eq(ns_xml_block(LIST, n, at, "Contents", &st, &len), 1);
        at = st + len;
        char key[256];
        snprintf(key, sizeof key, "%s", s_text(LIST + st, len, 0, "Key", 1));
        long kl = ns_url_decode(key, strlen(key));
        cr_assert_geq(kl, 0);
        cr_assert_eq((size_t)kl, strlen(keys[i]));
        cr_assert_eq(memcmp(key, keys[i], (size_t)kl), 0, "%s", key);
        cr_assert_str_eq(s_text(LIST + st, len, 0, "Size", 1), sizes[i]);
        cr_assert_str_eq(s_text(LIST + st, len, 0, "ETag", 1), etags[i]);
    }
    cr_assert_eq(ns_xml_block(LIST, n, at, "Contents", &st, &len), 0);
}

Test(s3xml, error_documents_and_references)
{
    const char *e = "<Error><Code>SignatureDoesNotMatch</Code><Message>a &lt;b&gt; &amp; "
                    "&apos;c&apos; &#233;&#x20AC;</Message></Error>";
    cr_assert_str_eq(s_text(e, strlen(e), 0, "Code", 1), "SignatureDoesNotMatch");
    cr_assert_str_eq(s_text(e, strlen(e), 0, "Message", 1), "a <b> & 'c' \xc3\xa9\xe2\x82\xac");
    /* a tag whose name starts like another is not it */
    const char *p = "<CodeX>no</CodeX><Code>yes</Code>";
    cr_assert_str_eq(s_text(p, strlen(p), 0, "Code", 1), "yes");
}

Test(s3xml, malformed_input_is_refused)
{
    const char *bad[] = {"<Code>a &bogus; b</Code>", "<Code>a & b</Code>", "<Code>&#0;</Code>",
                         "<Code>&#x110000;</Code>"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        s_text(bad[i], strlen(bad[i]), 0, "Code", -1);
    s_text("<Code>unterminated", 18, 0, "Code", 0);
    char k1[] = "a%2", k2[] = "a%zz", k3[] = "%41%2b+";
    cr_assert_eq(ns_url_decode(k1, 3), -1);
    cr_assert_eq(ns_url_decode(k2, 4), -1);
    cr_assert_eq(ns_url_decode(k3, 7), 3);
    cr_assert_eq(memcmp(k3, "A+ ", 3), 0);
}

/* depth open tags, then their closing tags: "<a><a>...</a></a>" */
static char *s_deep(int depth, size_t *n)
{
    char *x = malloc((size_t)depth * 7 + 1);
    cr_assert(x);
    size_t k = 0;
    for (int i = 0; i < depth; i++) {
        memcpy(x + k, "<a>", 3);
        k += 3;
    }
    for (int i = 0; i < depth; i++) {
        memcpy(x + k, "</a>", 4);
        k += 4;
    }
    x[k] = '\0';
    *n = k;
    return x;
}

Test(s3xml, check_bounds_at_their_edges)
{
    ns_err_t err = {""};
    cr_assert_eq(ns_xml_check(LIST, sizeof LIST - 1, &err), 0, "%s", err.msg);
    const char *misc = "<?xml version=\"1.0\"?><!-- <x><x> --><R><![CDATA[<y><y>]]><E/></R>";
    cr_assert_eq(ns_xml_check(misc, strlen(misc), &err), 0, "%s", err.msg);

    size_t n;
    char *x = s_deep(NS_XML_MAX_DEPTH, &n);
    cr_assert_eq(ns_xml_check(x, n, &err), 0, "%s", err.msg);
    free(x);
    x = s_deep(NS_XML_MAX_DEPTH + 1, &n);
    cr_assert_eq(ns_xml_check(x, n, &err), -1);
    cr_assert_str_eq(err.msg, "S3 XML nesting exceeds max_xml_depth (16)");
    free(x);

    /* <R> and then empty elements: NS_XML_MAX_ELEMENTS in all, then one more */
    size_t cap = (size_t)NS_XML_MAX_ELEMENTS * 4 + 16;
    x = malloc(cap);
    cr_assert(x);
    for (int over = 0; over <= 1; over++) {
        size_t k = 0;
        memcpy(x, "<R>", 3);
        k = 3;
        for (unsigned i = 1; i < NS_XML_MAX_ELEMENTS + (unsigned)over; i++) {
            memcpy(x + k, "<E/>", 4);
            k += 4;
        }
        memcpy(x + k, "</R>", 4);
        k += 4;
        int rc = ns_xml_check(x, k, &err);
        if (!over) {
            cr_assert_eq(rc, 0, "%s", err.msg);
        } else {
            cr_assert_eq(rc, -1);
            cr_assert_str_eq(err.msg, "S3 XML document exceeds max_xml_elements (200000)");
        }
    }
    free(x);

    /* the size is checked before anything is scanned */
    size_t big = NS_XML_MAX_BYTES + 1;
    x = malloc(big);
    cr_assert(x);
    memset(x, ' ', big);
    cr_assert_eq(ns_xml_check(x, big - 1, &err), 0, "%s", err.msg);
    cr_assert_eq(ns_xml_check(x, big, &err), -1);
    cr_assert_str_eq(err.msg, "S3 XML document of 16777217 bytes exceeds max_xml_bytes (16777216 "
                              "bytes)");
    free(x);

    const char *bad[] = {"<R></R></R>", "<R><E", "<!-- open", "<R><![CDATA[x"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(ns_xml_check(bad[i], strlen(bad[i]), &err), -1, "%s", bad[i]);
        cr_assert(strstr(err.msg, i ? "ends inside a tag" : "closing tag without"), "%s", err.msg);
    }
}

/* ---- ListObjectsV2 pages, as the S3 backend's listing reads them ---- */

typedef struct {
    int n;
    char uri[4][NS_URI_MAX];
    uint64_t size[4];
    char etag[4][NS_ETAG_MAX];
    int stop_after; /* 0: never */
} s_seen_t;

static int s_seen(const ns_object_t *o, void *arg)
{
    s_seen_t *s = arg;
    if (s->n < 4) {
        snprintf(s->uri[s->n], NS_URI_MAX, "%s", o->uri);
        s->size[s->n] = o->size;
        snprintf(s->etag[s->n], NS_ETAG_MAX, "%s", o->etag);
    }
    s->n++;
    return s->stop_after && s->n >= s->stop_after;
}

Test(s3xml, listing_page_is_read)
{
    s_seen_t seen = {0};
    ns_err_t err = {""};
    ns_buf_t token;
    ns_buf_init(&token, 4096);
    long count = 0;
    int more = 0;
    cr_assert_eq(ns_s3_list_page(LIST, sizeof LIST - 1, "raw", "s3://raw/pos/", s_seen, &seen,
                                 &count, &more, &token, &err),
                 0, "%s", err.msg);
    cr_assert_eq(count, 2);
    cr_assert_eq(seen.n, 2);
    cr_assert_str_eq(seen.uri[0], "s3://raw/pos/dt=2026-11-24/a b+c.gz");
    cr_assert_eq(seen.size[0], 123);
    cr_assert_str_eq(seen.etag[0], "9b2cf535f27731c974343645a3985328");
    cr_assert_str_eq(seen.uri[1], "s3://raw/pos/\xc3\xa9t\xc3\xa9");
    cr_assert_eq(more, 1);
    cr_assert_str_eq(token.data, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");

    /* fn stops the listing */
    s_seen_t one = {.stop_after = 1};
    count = 0;
    cr_assert_eq(ns_s3_list_page(LIST, sizeof LIST - 1, "raw", "s3://raw/pos/", s_seen, &one,
                                 &count, &more, &token, &err),
                 1);
    cr_assert_eq(count, 1);

    /* a truncated page without its token */
    const char *notoken = "<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>";
    cr_assert_eq(ns_s3_list_page(notoken, strlen(notoken), "raw", "s3://raw/", s_seen, &seen,
                                 &count, &more, &token, &err),
                 -1);
    cr_assert(strstr(err.msg, "without a continuation token"), "%s", err.msg);
    ns_buf_free(&token);
}

/* A listing page of n <Contents> (each 2 elements deep inside), nested
 * depth levels deeper than S3's, or padded to pad bytes of blanks. */
static char *s_page(unsigned n, int depth, size_t pad, size_t *len)
{
    size_t cap = (size_t)n * 64 + (size_t)depth * 8 + pad + 256;
    char *x = malloc(cap);
    cr_assert(x);
    size_t k = (size_t)snprintf(x, cap, "<ListBucketResult><IsTruncated>false</IsTruncated>");
    for (int i = 0; i < depth; i++)
        k += (size_t)snprintf(x + k, cap - k, "<a>");
    for (unsigned i = 0; i < n; i++)
        k += (size_t)snprintf(x + k, cap - k, "<Contents><Key>k%u</Key><Size>1</Size></Contents>", i);
    for (int i = 0; i < depth; i++)
        k += (size_t)snprintf(x + k, cap - k, "</a>");
    memset(x + k, ' ', pad);
    k += pad;
    k += (size_t)snprintf(x + k, cap - k, "</ListBucketResult>");
    *len = k;
    return x;
}

Test(s3xml, hostile_listing_pages_are_refused_before_any_key)
{
    ns_err_t err = {""};
    ns_buf_t token;
    ns_buf_init(&token, 4096);
    long count = 0;
    int more = 0;
    size_t n;
    struct {
        unsigned contents;
        int depth;
        size_t pad;
        const char *msg;
    } cases[] = {
        /* S3's page is 3 deep at a <Key>: 13 levels more is the limit */
        {3, NS_XML_MAX_DEPTH - 3, 0, NULL},
        {3, NS_XML_MAX_DEPTH - 2, 0, "S3 XML nesting exceeds max_xml_depth (16)"},
        /* 3 elements a key, and the page's own 2 */
        {(NS_XML_MAX_ELEMENTS - 2) / 3, 0, 0, NULL},
        {(NS_XML_MAX_ELEMENTS - 2) / 3 + 1, 0, 0,
         "S3 XML document exceeds max_xml_elements (200000)"},
        {1, 0, NS_XML_MAX_BYTES - 200, NULL},
        {1, 0, NS_XML_MAX_BYTES, "bytes exceeds max_xml_bytes (16777216 bytes)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char *page = s_page(cases[i].contents, cases[i].depth, cases[i].pad, &n);
        s_seen_t seen = {0};
        count = 0;
        int rc = ns_s3_list_page(page, n, "raw", "s3://raw/p/", s_seen, &seen, &count, &more,
                                 &token, &err);
        if (!cases[i].msg) {
            cr_assert_eq(rc, 0, "case %zu: %s", i, err.msg);
            cr_assert_eq(count, (long)cases[i].contents, "case %zu", i);
        } else {
            cr_assert_eq(rc, -1, "case %zu", i);
            cr_assert_eq(seen.n, 0, "case %zu: keys were passed on", i);
            cr_assert(strstr(err.msg, "cannot list 's3://raw/p/': the server's answer is refused: "),
                      "%s", err.msg);
            cr_assert(strstr(err.msg, cases[i].msg), "case %zu: %s", i, err.msg);
        }
        free(page);
    }
    ns_buf_free(&token);
}
