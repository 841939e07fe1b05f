/*
 * ns_s3xml: element text, blocks and decoding for S3's XML (ns_s3xml.h).
 *
 * Workload: one listing page (up to 1,000 keys, a few hundred KB) or one
 * error document per request; a linear scan per element asked for, after
 * one of ns_xml_check over the whole document.
 */
#include "ns_s3xml.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_find(const char *hay, size_t n, const char *needle, size_t nl)
{
    return nl <= n ? memmem(hay, n, needle, nl) : NULL;
}

/* Opening tag of name at or after from: "<name>" or "<name/>" or
 * "<name attr...>". Sets *content to the first byte after '>' and *empty. */
static int s_open(const char *xml, size_t n, size_t from, const char *tag, size_t *content,
                  int *empty)
{
    size_t tl = strlen(tag);
    size_t at = from;
    while (at < n) {
        const char *lt = memchr(xml + at, '<', n - at);
        if (!lt)
            return 0;
        size_t i = (size_t)(lt - xml);
        if (i + 1 + tl < n && !memcmp(xml + i + 1, tag, tl)) {
            char c = xml[i + 1 + tl];
            if (c == '>' || c == '/' || c == ' ' || c == '\t' || c == '\r' || c == '\n') {
                const char *gt = memchr(xml + i, '>', n - i);
                if (!gt)
                    return 0;
                *empty = gt[-1] == '/';
                *content = (size_t)(gt - xml) + 1;
                return 1;
            }
        }
        at = i + 1;
    }
    return 0;
}

int ns_xml_block(const char *xml, size_t n, size_t from, const char *tag, size_t *start,
                 size_t *len)
{
    size_t c;
    int empty;
    if (!s_open(xml, n, from, tag, &c, &empty))
        return 0;
    if (empty) {
        *start = c;
        *len = 0;
        return 1;
    }
    char close[80];
    int cl = snprintf(close, sizeof close, "</%s>", tag);
    if (cl < 0 || (size_t)cl >= sizeof close)
        return 0;
    const char *e = s_find(xml + c, n - c, close, (size_t)cl);
    if (!e)
        return 0;
    *start = c;
    *len = (size_t)(e - (xml + c));
    return 1;
}

/* Appends one UTF-8 encoded code point. */
static int s_utf8(ns_buf_t *out, unsigned long cp)
{
    char u[4];
    return cp < 0x110000 ? ns_buf_append(out, u, ns_utf8_put(cp, u)) : -1;
}

int ns_xml_text(const char *xml, size_t n, size_t from, const char *tag, ns_buf_t *out,
                size_t *next)
{
    size_t start, len;
    if (!ns_xml_block(xml, n, from, tag, &start, &len))
        return 0;
    const char *s = xml + start;
    for (size_t i = 0; i < len;) {
        if (s[i] != '&') {
            const char *amp = memchr(s + i, '&', len - i);
            size_t run = amp ? (size_t)(amp - (s + i)) : len - i;
            if (ns_buf_append(out, s + i, run))
                return -1;
            i += run;
            continue;
        }
        const char *semi = memchr(s + i, ';', len - i);
        if (!semi || semi - (s + i) > 12)
            return -1;
        size_t el = (size_t)(semi - (s + i)) + 1;
        static const struct {
            const char *name;
            char c;
        } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
        int done = 0;
        for (size_t e = 0; e < sizeof ents / sizeof ents[0]; e++) {
            if (strlen(ents[e].name) == el && !memcmp(s + i, ents[e].name, el)) {
                if (ns_buf_append(out, &ents[e].c, 1))
                    return -1;
                done = 1;
                break;
            }
        }
        if (!done) {
            if (el < 4 || s[i + 1] != '#')
                return -1;
            char num[16];
            int hex = s[i + 2] == 'x' || s[i + 2] == 'X';
            size_t d0 = i + 2 + (size_t)hex, dl = (size_t)(semi - (s + d0));
            if (dl == 0 || dl >= sizeof num)
                return -1;
            memcpy(num, s + d0, dl);
            num[dl] = '\0';
            char *endp;
            unsigned long cp = strtoul(num, &endp, hex ? 16 : 10);
            if (*endp || cp == 0 || s_utf8(out, cp))
                return -1;
        }
        i += el;
    }
    if (ns_buf_append(out, "", 0))
        return -1;
    if (next)
        *next = start + len;
    return 1;
}

/* The index just past the first occurrence of end in xml[from, n), or 0
 * when it does not occur. */
static size_t s_past(const char *xml, size_t n, size_t from, const char *end)
{
    size_t el = strlen(end);
    const char *e = from < n ? s_find(xml + from, n - from, end, el) : NULL;
    return e ? (size_t)(e - xml) + el : 0;
}

int ns_xml_check(const char *xml, size_t n, ns_err_t *err)
{
    if (n > NS_XML_MAX_BYTES)
        return ns_errf(err, "S3 XML document of %zu bytes exceeds max_xml_bytes (%u bytes)", n,
                       NS_XML_MAX_BYTES);
    int depth = 0;
    size_t elements = 0;
    for (size_t i = 0; i < n;) {
        const char *lt = memchr(xml + i, '<', n - i);
        if (!lt)
            break;
        i = (size_t)(lt - xml);
        const char *rest = xml + i;
        size_t left = n - i, next;
        if (left >= 4 && !memcmp(rest, "<!--", 4)) {
            next = s_past(xml, n, i + 4, "-->");
        } else if (left >= 9 && !memcmp(rest, "<![CDATA[", 9)) {
            next = s_past(xml, n, i + 9, "]]>");
        } else if (left >= 2 && rest[1] == '?') {
            next = s_past(xml, n, i + 2, "?>");
        } else {
            next = s_past(xml, n, i + 1, ">");
            if (next && left >= 2 && rest[1] == '/') {
                if (--depth < 0)
                    return ns_errf(err, "S3 XML document has a closing tag without its opening "
                                        "tag at byte %zu", i);
            } else if (next && left >= 2 && rest[1] != '!') {
                if (++elements > NS_XML_MAX_ELEMENTS)
                    return ns_errf(err, "S3 XML document exceeds max_xml_elements (%u)",
                                   NS_XML_MAX_ELEMENTS);
                if (xml[next - 2] != '/' && ++depth > NS_XML_MAX_DEPTH)
                    return ns_errf(err, "S3 XML nesting exceeds max_xml_depth (%d)",
                                   NS_XML_MAX_DEPTH);
            }
        }
        if (!next)
            return ns_errf(err, "S3 XML document ends inside a tag at byte %zu", i);
        i = next;
    }
    return 0;
}

static int s_hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

long ns_url_decode(char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '%') {
            if (i + 2 >= n)
                return -1;
            int h = s_hexval(s[i + 1]), l = s_hexval(s[i + 2]);
            if (h < 0 || l < 0)
                return -1;
            s[o++] = (char)(h * 16 + l);
            i += 2;
        } else {
            s[o++] = s[i] == '+' ? ' ' : s[i];
        }
    }
    if (o < n)
        s[o] = '\0';
    return (long)o;
}

int ns_s3_list_page(const char *xml, size_t n, const char *bucket, const char *what,
                    ns_store_list_fn fn, void *arg, long *count, int *more, ns_buf_t *token,
                    ns_err_t *err)
{
    ns_err_t why;
    *more = 0;
    if (ns_xml_check(xml, n, &why))
        return ns_errf(err, "cannot list '%s': the server's answer is refused: %s", what, why.msg);
    ns_buf_t key, tmp;
    ns_buf_init(&key, NS_URI_MAX);
    ns_buf_init(&tmp, 4096);
    int rc = 0;
    size_t at = 0, bs, bl;
    /* keys come percent-encoded only if the server honoured encoding-type */
    bool urlenc = ns_xml_text(xml, n, 0, "EncodingType", &tmp, NULL) == 1 &&
                  !strcmp(tmp.data, "url");
    while (!rc && ns_xml_block(xml, n, at, "Contents", &bs, &bl)) {
        at = bs + bl;
        ns_object_t o;
        memset(&o, 0, sizeof o);
        ns_buf_reset(&key);
        ns_buf_reset(&tmp);
        long kl;
        if (ns_xml_text(xml + bs, bl, 0, "Key", &key, NULL) != 1 ||
            (kl = urlenc ? ns_url_decode(key.data, key.len) : (long)key.len) < 0 ||
            ns_xml_text(xml + bs, bl, 0, "Size", &tmp, NULL) != 1) {
            rc = ns_errf(err, "cannot list '%s': malformed ListObjectsV2 response", what);
            break;
        }
        int ul = snprintf(o.uri, sizeof o.uri, "s3://%s/%.*s", bucket, (int)kl, key.data);
        if (ul < 0 || (size_t)ul >= sizeof o.uri) {
            rc = ns_errf(err, "cannot list '%s': key longer than %d bytes", what, NS_URI_MAX);
            break;
        }
        o.size = strtoull(tmp.data, NULL, 10);
        ns_buf_reset(&tmp);
        if (ns_xml_text(xml + bs, bl, 0, "ETag", &tmp, NULL) == 1) {
            const char *e = tmp.data;
            size_t el = tmp.len;
            if (el >= 2 && e[0] == '"' && e[el - 1] == '"') {
                e++;
                el -= 2;
            }
            snprintf(o.etag, sizeof o.etag, "%.*s", (int)el, e);
        }
        (*count)++;
        if (fn(&o, arg))
            rc = 1;
    }
    if (!rc) {
        ns_buf_reset(&tmp);
        *more = ns_xml_text(xml, n, 0, "IsTruncated", &tmp, NULL) == 1 &&
                !strcmp(tmp.data, "true");
        ns_buf_reset(token);
        if (*more && (ns_xml_text(xml, n, 0, "NextContinuationToken", token, NULL) != 1 ||
                      !token->len)) {
            *more = 0;
            rc = ns_errf(err, "cannot list '%s': truncated page without a continuation token",
                         what);
        }
    }
    ns_buf_free(&key);
    ns_buf_free(&tmp);
    return rc;
}
