/*
 * ns_delim: streaming reader of delimited text (CSV, TSV, pipe-separated),
 * bytes in, records out. It never knows who called it.
 *
 * Handles: any one-byte delimiter; an optional quote character with RFC 4180
 * rules (a quoted field may hold the delimiter, CR/LF and doubled quotes);
 * an optional escape character (backslash-style: the next byte is literal);
 * LF or CRLF line ends (a CR right before LF is dropped); a UTF-8 BOM at the
 * start of the object; preamble lines and header lines to skip at the start
 * of the object; a last line without a line end.
 *
 * Byte-range splits: an object larger than the split size is read by several
 * tasks. A record belongs to the split in which its first byte lies. The
 * reader of split [start, end) with start > 0 is given a stream that begins
 * at object offset start-1; it skips through the first LF it sees (so a
 * record starting exactly at start is kept) and stops before the first record
 * that starts at or after end, reading past end to finish the record it is
 * in. Splitting is only correct when a record cannot hold a raw LF, i.e. the
 * format has no quote character or quoted_newlines is false; the planner
 * never splits other inputs. Preamble and header lines are skipped only by
 * the split that starts at offset 0.
 *
 * Bounds: a record longer than max_record bytes is the reject "record
 * exceeds max_record (1048576 bytes)" (the reader skips to the next line end
 * and goes on; the raw text is the record's first max_record bytes); one
 * with more than max_fields fields is "record exceeds max_fields (256)"; an
 * unterminated quote at the end of input is a reject.
 *
 * Implements ns_recsrc_t (ns_records.h) through ns_delim_recsrc().
 *
 * Workload: tens of MB/s to GB/s of small records (100-300 bytes); the hot
 * path is a memchr/loop over a large input buffer with no per-field
 * allocation. Fields point into the reader's buffer, or into a scratch
 * buffer when unquoting changed them; they stay valid until the next call.
 */
#ifndef NS_DELIM_H
#define NS_DELIM_H

#include "ns_err.h"
#include "ns_records.h"
#include "ns_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    char delimiter;       /* field separator, e.g. '|' */
    int quote;            /* quote character, or -1 for none */
    int escape;           /* escape character, or -1 for none */
    bool quoted_newlines; /* quoted fields may hold LF (makes the input unsplittable) */
    int skip_lines;       /* preamble lines before the header */
    int header_lines;     /* header lines (0 or 1 usually) */
    size_t max_record;    /* bytes; default 1 MiB when 0 */
    int max_fields;       /* default 256 when 0 */
} ns_delim_opts_t;

typedef struct ns_delim ns_delim_t;

/* Sets the defaults: '|' delimiter, no quote, no escape, one header line. */
void ns_delim_opts_default(ns_delim_opts_t *o);

/* src is borrowed; first_byte is the object offset of src's first byte;
 * the split is [start, end) (end = UINT64_MAX for a whole object). */
ns_delim_t *ns_delim_new(ns_reader_t *src, const ns_delim_opts_t *opts, uint64_t first_byte,
                         uint64_t start, uint64_t end, ns_err_t *err);
/* NS_REC_RECORD with rec filled, NS_REC_REJECT with rec->reject and
 * rec->offset set (the caller writes a reject record and calls again),
 * NS_REC_END, or -1 on an I/O error (err set). */
int ns_delim_next(ns_delim_t *d, ns_record_t *rec, ns_err_t *err);
/* Bytes consumed from src so far. */
uint64_t ns_delim_bytes(const ns_delim_t *d);
void ns_delim_destroy(ns_delim_t **dp);
/* The reader as an ns_recsrc_t (ns_records.h); its destroy frees d. */
ns_recsrc_t *ns_delim_recsrc(ns_delim_t *d);

#endif
