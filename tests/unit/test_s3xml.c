/*
 * test_s3xml: element text and blocks of S3's XML answers, entity and
 * character references, malformed elements, and the decoding of keys listed
 * with encoding-type=url.
 */
#include "ns_s3xml.h"

#include <criterion/criterion.h>
#include <stdio.h>
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
