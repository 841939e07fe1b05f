/*
 * ns_s3xml: the little XML S3 speaks back, read without an XML library.
 * S3's responses are flat, machine-written documents (ListBucketResult,
 * InitiateMultipartUploadResult, CompleteMultipartUploadResult, Error); all
 * we need is the text of a named element, the elements of a repeated block
 * (<Contents>...</Contents>), the five predefined entities and numeric
 * character references, and, for listings made with encoding-type=url, the
 * percent-decoding of keys. Part of the S3 backend (issue 3).
 *
 * Bounds: the functions below scan linearly and build no tree, so a
 * document costs no memory beyond its own bytes and the caller's output
 * buffer (an ns_buf_t with its own maximum). ns_xml_check bounds what a
 * server may send before anything else looks at it: its bytes, the depth
 * of its elements and their number, each limit named in its error. Every
 * XML body the S3 backend reads (listing pages, error documents, the
 * answers to CreateMultipartUpload, CompleteMultipartUpload and
 * DeleteObjects) passes ns_xml_check before any element is looked for.
 */
#ifndef NS_S3XML_H
#define NS_S3XML_H

#include "ns_buf.h"
#include "ns_err.h"
#include "ns_store.h"

#include <stddef.h>

#define NS_XML_MAX_BYTES (16u << 20) /* a listing page of 1,000 keys is a few hundred KB */
#define NS_XML_MAX_DEPTH 16          /* S3's documents nest 4 deep */
#define NS_XML_MAX_ELEMENTS 200000   /* a page of 1,000 keys has about 10,000 */

/* Checks that xml[0, n) is within the bounds above, skipping the XML
 * declaration, comments, CDATA sections and declarations: 0, or -1 with err
 * naming the limit ("S3 XML nesting exceeds max_xml_depth (16)"), or a
 * closing tag without its opening one, or a tag cut off by the end. */
int ns_xml_check(const char *xml, size_t n, ns_err_t *err);

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

/* Reads one ListObjectsV2 page of s3://bucket/ (asked with
 * encoding-type=url; what: the listed prefix, for messages): checks it with
 * ns_xml_check, then passes each <Contents> to fn as an object (URI, size,
 * ETag without its quotes), adding one to *count for each. Returns 0 when
 * the page was read: *more is 1 when another page follows, its
 * continuation token then in token; 1 when fn asked to stop; -1 with err
 * set ("cannot list 's3://b/p': the server's answer is refused: S3 XML
 * nesting exceeds max_xml_depth (16)", or a malformed page). */
int ns_s3_list_page(const char *xml, size_t n, const char *bucket, const char *what,
                    ns_store_list_fn fn, void *arg, long *count, int *more, ns_buf_t *token,
                    ns_err_t *err);

/* Decodes a key S3 listed with encoding-type=url, in place: %XX escapes,
 * and '+' as a space (S3 form-encodes spaces; a real '+' comes as %2B).
 * Returns the new length, or -1 on a malformed escape. */
long ns_url_decode(char *s, size_t n);

#endif
