/*
 * ns_json: streaming reader of JSON records, bytes in, records out
 * (ns_recsrc_t, see ns_records.h). Two layouts, both seen in the raw feeds
 * (shared/SOURCES.md sections 4-6):
 *   - JSON lines: one object per line (orders, social ads insights);
 *   - concatenated values (`concatenated`): objects one after another with
 *     or without whitespace or newlines between them (`}{`), as a delivery
 *     stream writes clickstream events when no delimiter is configured.
 *
 * Fields are chosen by paths of keys separated by dots: "id",
 * "customer.id", "context.campaign.source". One record has one field per
 * path, in the order of the paths:
 *   - a string: its text unescaped to UTF-8 (\uXXXX, surrogate pairs);
 *   - a number: its literal text ("866550311766439020" and "1.10" stay as
 *     written, nothing goes through a double);
 *   - true / false: that text;
 *   - null, or a key that is missing (or a path through a non-object):
 *     p == NULL;
 *   - an object or array: its raw JSON text, as written.
 * Keys are compared after unescaping; a key holding '.' cannot be named. A
 * key given twice in one object: the last one wins.
 *
 * Exploding: `explode` names one array ("line_items", or a dotted path to
 * it). The reader then makes one record per element of that array; paths
 * that begin with "line_items[]." read from the element ("line_items[].sku",
 * "line_items[].quantity"), the path "line_items[]" is the element itself,
 * and the other paths repeat the values of the enclosing object in each of
 * its records. An empty, missing or null exploded array yields ONE record
 * with the element fields null (so an order without items is still seen);
 * an exploded key that holds anything else (an object, a string) is a
 * reject. All records of one object carry its offset and raw text.
 *
 * Offsets and raw text are those of the value without the whitespace
 * around it; in JSON lines a record still belongs to its line (below).
 *
 * Validation: every value is checked whole, including the parts no path
 * reads (`{"x":tru,"id":1}` is a reject even when x is not selected): UTF-8,
 * escapes (a lone surrogate is an error), numbers against the JSON grammar,
 * literals, structure, nothing but whitespace after the value. A UTF-8 BOM
 * at the start of the object, CRLF line ends and blank lines are accepted.
 *
 * Rejects (NS_REC_REJECT with the offset of the value's first byte, a
 * reason and the raw bytes, cut at max_record):
 *   - "invalid JSON: ..." with what is wrong; in JSON lines, a line that
 *     holds two values (`}{`) is "bytes after the value": such files need
 *     `concatenated`;
 *   - "JSON value exceeds max_record (N bytes)" (JSON lines: the line, CR
 *     excluded, offset of the line; concatenated: the value or bad region);
 *   - "JSON nesting exceeds max_depth (N)" (the top-level object is level
 *     1; a level past it is refused before the parser descends into it);
 *   - "top-level value is not an object" (an array, string, number, ...,
 *     told by its first byte);
 *   - "'line_items' is not an array".
 * Resync after a reject: JSON lines go on at the next line. Concatenated
 * input goes on after the value when its brackets balanced (a value that
 * is merely invalid inside), and otherwise at the next '{' after the bad
 * region: bytes that do not start with '{' or '[' are a bad region up to
 * the next '{'; a value is cut short (a bad region ending before that '{')
 * where a '{' follows something other than ':', ',' or '[' (`{"a":1{"b":2}`
 * keeps {"b":2}), or where a string holds a raw control byte such as a
 * newline (the region then runs to the next '{'); a value longer than
 * max_record is skipped by bracket matching to its end; a value still open
 * at the end of input is a reject of what is left.
 *
 * Byte-range splits (JSON lines only; concatenated input is never split):
 * the rule of ns_delim. A record belongs to the split in which the first
 * byte of its line lies; the reader of split [start, end) with start > 0 is
 * given a stream that begins at object offset start-1, skips through the
 * first LF it sees, and stops before the first line that starts at or after
 * end, reading past end to finish the line it is in.
 *
 * Workload: map tasks push every byte of a JSON feed through here, 100 MB
 * to GB per task, records of 0.3-3 KB. The input buffer (NS_INBUF_INITIAL,
 * 64 KiB, doubled up to max_record) is read in large blocks; each value is parsed once by
 * simdjson (ns_json_shim.cpp); fields point into the input buffer or the
 * parser's string buffer and stay valid until the next call. No allocation
 * per record or field. Memory: the input buffer (up to max_record + 2
 * bytes) plus simdjson's parser, sized for the largest value seen (about 6
 * bytes per byte of it: ~6 MiB for a 1 MiB value).
 */
#ifndef NS_JSON_H
#define NS_JSON_H

#include "ns_err.h"
#include "ns_records.h"
#include "ns_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NS_JSON_MAX_PATHS 256     /* paths per reader */
#define NS_JSON_MAX_PATH_LEN 1024 /* bytes per path */
#define NS_JSON_MAX_DEPTH_LIMIT 1024

typedef struct {
    size_t max_record; /* bytes per JSON value (JSON lines: per line); default 1 MiB when 0,
                          at most 1 GiB */
    int max_depth;     /* nesting levels, the top-level object being 1; default 64 when 0,
                          at most NS_JSON_MAX_DEPTH_LIMIT */
    bool concatenated; /* values may follow each other with no newline (`}{`); such input
                          is never split */
} ns_json_opts_t;

/* Sets the defaults: JSON lines, 1 MiB values, depth 64. */
void ns_json_opts_default(ns_json_opts_t *o);

/* A reader of src (borrowed; it must outlive the reader) whose records
 * have npaths fields, one per path (copied). explode is NULL or the path of
 * the array to explode (see above). first_byte is the object offset of
 * src's first byte; the split is [start, end), end = UINT64_MAX for a whole
 * object. NULL with err set for bad options or paths ("path
 * 'a..b' has an empty key"), or when out of memory. Free with
 * s->destroy(s). */
ns_recsrc_t *ns_json_new(ns_reader_t *src, const ns_json_opts_t *o, const char *const *paths,
                         int npaths, const char *explode, uint64_t first_byte, uint64_t start,
                         uint64_t end, ns_err_t *err);

#endif
