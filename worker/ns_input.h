/*
 * ns_input: one input object (or a byte range of it) read as records with a
 * job's input settings: the store's ranged stream, decompression, UTF-16
 * transcoding, and the reader of the input format (delimited, json, edi);
 * and the typing of a field's text into a value. Shared by the map task and
 * the lookup tables, so a lookup reads exactly like an input.
 *
 * Bounds: the job's input limits reach the readers (input.max_record,
 * max_depth, max_segments, max_interchange_segments) and the decompressor
 * (input.max_ratio: past it a compressed object is damaged, below); each
 * is named in its reject (docs/SECURITY.md, "Bounded inputs").
 *
 * Workload: one per input split of a map task (a few to hundreds), one per
 * lookup object per task.
 */
#ifndef NS_INPUT_H
#define NS_INPUT_H

#include "ns_err.h"
#include "ns_job.h"
#include "ns_records.h"
#include "ns_row.h"
#include "ns_split.h"

typedef struct ns_input ns_input_t;

/* Flags of ns_input_open. */
enum {
    /* A compressed object found damaged (ns_codec_fault: it ends inside a
     * gzip member or zstd frame, or is corrupt) is read like one that ends
     * where the damage starts: the records before it come out as usual; a
     * record (or reject) whose bytes run up to the damage was cut by it and
     * is a reject "cut short: <why>"; and the last thing handed out is one
     * reject for the damage itself: offset = the decompressed object offset
     * where the intact bytes end, no raw text, reason "<why> at compressed
     * byte N" (N: where the decoder stopped; the object's size when it was
     * cut). Without the flag damage is a read error (-1), like an I/O
     * error, which it always stays for a failure of the store. */
    NS_INPUT_DAMAGE_REJECT = 1u << 0,
};

/* Opens split s (a whole object when s->length < 0) for reading with j's
 * input settings; flags: NS_INPUT_*. NULL with err set on failure. */
ns_input_t *ns_input_open(const ns_job_t *j, const ns_split_t *s, unsigned flags, ns_err_t *err);
/* The records of the input (owned by it). */
ns_recsrc_t *ns_input_records(ns_input_t *in);
/* Closes the reader and the stream; accepts NULL. */
void ns_input_close(ns_input_t **in);

/* Parses text s[0..n) as type t, written in number format num (int and
 * decimal only); empty text is NULL. 0, or -1 with why saying what is wrong. */
int ns_input_type(const ns_coltype_t *t, ns_numfmt_t num, const char *s, size_t n, ns_value_t *v,
                  ns_err_t *why);
/* Strips spaces and tabs around every field of rec (input.trim). */
void ns_input_trim(const ns_record_t *rec);

#endif
