/*
 * ns_s3xml: the little XML S3 speaks back, read without an XML library.
 * S3's responses are flat, machine-written documents (ListBucketResult,
 * InitiateMultipartUploadResult, CompleteMultipartUploadResult, Error); all
 * we need is the text of a named element, the elements of a repeated block
 * (<Contents>...</Contents>), the five predefined entities and numeric
 * character references, and, for listings made with encoding-type=url, the
 * percent-decoding of keys. Part of the S3 backend (issue 3).
 */
#ifndef NS_S3XML_H
#define NS_S3XML_H

#include "ns_buf.h"

#include <stddef.h>

/* Finds the first <tag>text</tag> (or <tag/>) in xml[from, n) and appends
 * its text, entities decoded, to out. Returns 1 when found (*next, if not
 * NULL, is set just past the closing tag), 0 when absent, -1 when the
 * element is malformed or out is full. */
int ns_xml_text(const char *xml, size_t n, size_t from, const char *tag, ns_buf_t *out,
                size_t *next);

/* Finds the next <tag>...</tag> block in xml[from, n): sets *start and *len to
 * its content and returns 1, 0 when there is none. */
int ns_xml_block(const char *xml, size_t n, size_t from, const char *tag, size_t *start,
                 size_t *len);

/* Decodes a key S3 listed with encoding-type=url, in place: %XX escapes,
 * and '+' as a space (S3 form-encodes spaces; a real '+' comes as %2B).
 * Returns the new length, or -1 on a malformed escape. */
long ns_url_decode(char *s, size_t n);

#endif
