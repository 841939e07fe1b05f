/*
 * ns_utf16: a stream that turns UTF-16 text into UTF-8, so the readers above
 * (delimited, JSON) only ever see UTF-8. Discount-store vendor portals export
 * UTF-16LE with a byte-order mark (SOURCES.md section 3).
 *
 * The byte-order mark decides the byte order (FF FE little-endian, FE FF
 * big-endian) and is dropped; without one the text is taken as
 * little-endian. Surrogate pairs become one 4-byte UTF-8 sequence; an
 * unpaired surrogate, or an odd byte at the end, becomes U+FFFD (the
 * replacement character), so no input can stop the stream. Byte offsets
 * seen above are offsets in the UTF-8 text: such objects are read whole,
 * never split.
 *
 * Workload: portal exports of a few MB; a 64 KiB input buffer, output at
 * most 3 UTF-8 bytes per UTF-16 code unit.
 */
#ifndef NS_UTF16_H
#define NS_UTF16_H

#include "ns_err.h"
#include "ns_store.h"

/* Wraps src, taking ownership (closing the result closes src). */
ns_reader_t *ns_utf16_reader(ns_reader_t *src, ns_err_t *err);

#endif
