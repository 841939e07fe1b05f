/*
 * ns_fuzz: what the libFuzzer targets of tests/fuzz share (docs/SECURITY.md,
 * "Fuzzing").
 *
 * - NS_FUZZ_CHECK: an invariant the code under test promises; a failure
 *   prints what broke and aborts, which libFuzzer reports as a crash and
 *   keeps the input of.
 * - An in-memory ns_reader_t (the unit tests', tests/unit/ns_memreader.h)
 *   returning at most `chunk` bytes a read, so one input
 *   also exercises the readers' buffer refills.
 * - ns_fuzz_drain: reads a record reader (ns_records.h) to its end checking
 *   what every reader promises (a record or a reject per call, raw bytes
 *   that are the input's at the record's offset, offsets in order, no I/O
 *   error from a memory stream, the end stays the end, every byte read), and
 *   renders the records into a buffer, so that two readings (a whole object
 *   and its byte-range splits) can be compared byte for byte.
 * - ns_fuzz_types: every field through the typed conversions of the map
 *   side (ns_input_type: plain, grouped and money numbers, ISO and YYYYMMDD
 *   dates, timestamps, booleans), each value that parses written back as
 *   the load file writes it and parsed again, which must give it back.
 *
 * Option bytes: the record-reader targets take their options from the first
 * bytes of the input (ns_fuzz_take), the rest being the object's bytes; the
 * seed corpora are made that way (tests/fuzz/make-corpus).
 */
#ifndef NS_FUZZ_H
#define NS_FUZZ_H

#include "ns_buf.h"
#include "ns_err.h"
#include "ns_input.h"
#include "ns_memreader.h"
#include "ns_records.h"
#include "ns_row.h"
#include "ns_store.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

/* libFuzzer's entry point, defined by each target */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NS_FUZZ_CHECK(cond, ...)                                                                   \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "fuzz check failed at %s:%d: %s: ", __FILE__, __LINE__, #cond);        \
            fprintf(stderr, __VA_ARGS__);                                                          \
            fputc('\n', stderr);                                                                   \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

/* The first byte of the input, consumed (0 when there is none). */
static inline uint8_t ns_fuzz_take(const uint8_t **data, size_t *size)
{
    if (*size == 0)
        return 0;
    uint8_t b = **data;
    (*data)++;
    (*size)--;
    return b;
}

/* ---- an in-memory stream ---- */

/* A stream over data[0..len) (borrowed) handing out at most chunk bytes a
 * read (0: no limit): the unit tests' (ns_memreader.h). */
static inline ns_reader_t *ns_fuzz_reader(const void *data, size_t len, size_t chunk)
{
    ns_reader_t *r = ns_test_mem_reader(data, len, chunk);
    NS_FUZZ_CHECK(r != NULL, "out of memory");
    return r;
}

/* Read sizes a target picks from with 3 bits (0: as much as asked). */
static const size_t ns_fuzz_chunks[8] = {0, 1, 2, 3, 7, 64, 4096, 0};

/* The records of a whole reading and of a split reading (at byte k) must
 * be the same, byte for byte. */
static inline void ns_fuzz_same_records(const ns_buf_t *whole, const ns_buf_t *parts, uint64_t k)
{
    NS_FUZZ_CHECK(
        whole->len == parts->len && (!whole->len || !memcmp(whole->data, parts->data, whole->len)),
        "splits at %llu give other records than the whole object:\n--- whole\n%s"
        "--- splits\n%s",
        (unsigned long long)k, whole->data ? whole->data : "", parts->data ? parts->data : "");
}

/* ---- reading a record reader to its end ---- */

enum { NS_FUZZ_ANY_ORDER, NS_FUZZ_NONDECREASING, NS_FUZZ_INCREASING };

/* Called with each record or reject, after the checks and the rendering. */
typedef void (*ns_fuzz_rec_fn)(void *arg, const ns_record_t *rec, int kind);

/* Reads s to its end. obj[0..objlen) is the object (NULL: the stream is not
 * the object's bytes, e.g. UTF-16 decoded, so raw bytes are not compared);
 * the stream starts at object offset from, and holds the rest of the object
 * (whole: it is the whole object, which must be read to its end). order:
 * NS_FUZZ_*; nfields >= 0: the fields of every record. Appends each record
 * rendered to out (NULL: not rendered); calls fn (NULL: none). Destroys
 * s. */
static inline void ns_fuzz_drain(ns_recsrc_t *s, const uint8_t *obj, size_t objlen, uint64_t from,
                                 bool whole, int order, int nfields, ns_buf_t *out,
                                 ns_fuzz_rec_fn fn, void *arg)
{
    ns_err_t err = {""};
    ns_record_t rec;
    uint64_t last = 0;
    bool any = false;
    int r;
    while ((r = s->next(s, &rec, &err)) > 0) {
        NS_FUZZ_CHECK(r == NS_REC_RECORD || r == NS_REC_REJECT, "next returned %d", r);
        if (r == NS_REC_REJECT) {
            NS_FUZZ_CHECK(rec.reject && rec.reject[0], "a reject without a reason");
            NS_FUZZ_CHECK(!rec.fields && rec.nfields == 0, "a reject with fields");
        } else {
            NS_FUZZ_CHECK(!rec.reject, "a record with a reason '%s'", rec.reject);
            NS_FUZZ_CHECK(nfields < 0 || rec.nfields == nfields, "%d fields, want %d", rec.nfields,
                          nfields);
            NS_FUZZ_CHECK(rec.nfields == 0 || rec.fields, "fields missing");
        }
        if (any && order != NS_FUZZ_ANY_ORDER)
            NS_FUZZ_CHECK(order == NS_FUZZ_INCREASING ? rec.offset > last : rec.offset >= last,
                          "offsets go backwards: %llu after %llu", (unsigned long long)rec.offset,
                          (unsigned long long)last);
        any = true;
        last = rec.offset;
        if (obj) {
            NS_FUZZ_CHECK(rec.offset <= objlen && rec.raw_len <= objlen - rec.offset,
                          "raw bytes [%llu, +%zu) past the object's %zu",
                          (unsigned long long)rec.offset, rec.raw_len, objlen);
            NS_FUZZ_CHECK(rec.raw_len == 0 || memcmp(rec.raw, obj + rec.offset, rec.raw_len) == 0,
                          "raw bytes at %llu are not the input's", (unsigned long long)rec.offset);
        }
        if (out) {
            int rc = ns_buf_appendf(out, "%llu %c %d %zu:", (unsigned long long)rec.offset,
                                    r == NS_REC_RECORD ? 'R' : 'X', rec.nfields, rec.raw_len);
            rc |= ns_buf_append(out, rec.raw, rec.raw_len);
            if (r == NS_REC_REJECT)
                rc |= ns_buf_appendf(out, " %s", rec.reject);
            for (int i = 0; i < rec.nfields; i++) {
                const ns_field_t *f = &rec.fields[i];
                rc |= f->p ? ns_buf_appendf(out, " %u:", f->len) : ns_buf_appendf(out, " N");
                if (f->p)
                    rc |= ns_buf_append(out, f->p, f->len);
            }
            rc |= ns_buf_append(out, "\n", 1);
            NS_FUZZ_CHECK(rc == 0, "rendering failed");
        } else {
            /* still touch every byte handed out, for ASan */
            volatile unsigned sum = 0;
            for (int i = 0; i < rec.nfields; i++)
                for (uint32_t k = 0; rec.fields[i].p && k < rec.fields[i].len; k++)
                    sum += (unsigned char)rec.fields[i].p[k];
            for (size_t k = 0; k < rec.raw_len; k++)
                sum += (unsigned char)rec.raw[k];
            (void)sum;
        }
        if (fn)
            fn(arg, &rec, r);
    }
    NS_FUZZ_CHECK(r == NS_REC_END, "I/O error from a memory stream: %s", err.msg);
    NS_FUZZ_CHECK(s->next(s, &rec, &err) == NS_REC_END, "the end does not stay the end");
    uint64_t got = s->bytes(s);
    if (obj) {
        NS_FUZZ_CHECK(got <= objlen - from, "read %llu bytes of a %llu-byte stream",
                      (unsigned long long)got, (unsigned long long)(objlen - from));
        if (whole)
            NS_FUZZ_CHECK(got == objlen - from, "read %llu bytes of a %llu-byte object",
                          (unsigned long long)got, (unsigned long long)(objlen - from));
    }
    s->destroy(s);
}

/* ---- typed conversions ---- */

/* Parses s[0..n) as each input type and text format a job can give a
 * column; every value that parses is written back as the load file writes
 * it (ns_format_value) and parsed again as plain text, which must give the
 * same value. */
static inline void ns_fuzz_types(const char *s, size_t n)
{
    static const struct {
        ns_type_t type;
        int scale;
        ns_numfmt_t num;
    } tt[] = {
        {NS_T_STRING, 0, NS_NUM_PLAIN},    {NS_T_INT, 0, NS_NUM_PLAIN},
        {NS_T_INT, 0, NS_NUM_GROUPED},     {NS_T_INT, 0, NS_NUM_MONEY},
        {NS_T_DECIMAL, 2, NS_NUM_PLAIN},   {NS_T_DECIMAL, 2, NS_NUM_MONEY},
        {NS_T_DECIMAL, 1, NS_NUM_GROUPED}, {NS_T_DECIMAL, 0, NS_NUM_MONEY},
        {NS_T_DECIMAL, 18, NS_NUM_PLAIN},  {NS_T_DATE, 0, NS_NUM_PLAIN},
        {NS_T_DATE, 0, NS_DATE_BASIC},     {NS_T_TIMESTAMP, 0, NS_NUM_PLAIN},
        {NS_T_BOOL, 0, NS_NUM_PLAIN},
    };
    for (size_t k = 0; k < sizeof tt / sizeof tt[0]; k++) {
        ns_coltype_t t;
        memset(&t, 0, sizeof t);
        t.type = tt[k].type;
        t.scale = tt[k].scale;
        ns_value_t v, w;
        ns_err_t why = {""};
        if (ns_input_type(&t, tt[k].num, s, n, &v, &why))
            continue;
        if (v.null || t.type == NS_T_STRING)
            continue;
        char text[128];
        size_t tn = ns_format_value(&t, &v, text, sizeof text);
        NS_FUZZ_CHECK(tn > 0 && tn < sizeof text, "type %d: '%.*s' written as %zu bytes",
                      (int)t.type, (int)(n < 64 ? n : 64), s, tn);
        if (ns_input_type(&t, NS_NUM_PLAIN, text, tn, &w, &why)) {
            /* a timestamp whose zone moved it out of years 0000-9999 */
            NS_FUZZ_CHECK(t.type == NS_T_TIMESTAMP, "type %d: '%.*s' written as '%.*s': %s",
                          (int)t.type, (int)(n < 64 ? n : 64), s, (int)tn, text, why.msg);
            continue;
        }
        NS_FUZZ_CHECK(!w.null && w.i == v.i,
                      "type %d: '%.*s' is %lld, written as '%.*s', read back as %lld", (int)t.type,
                      (int)(n < 64 ? n : 64), s, (long long)v.i, (int)tn, text, (long long)w.i);
    }
}

/* An ns_fuzz_rec_fn: every field of a record through ns_fuzz_types. */
static inline void ns_fuzz_types_rec(void *arg, const ns_record_t *rec, int kind)
{
    (void)arg;
    if (kind != NS_REC_RECORD)
        return;
    for (int i = 0; i < rec->nfields; i++)
        if (rec->fields[i].p)
            ns_fuzz_types(rec->fields[i].p, rec->fields[i].len);
}

#endif
