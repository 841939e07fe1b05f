/*
 * fuzz_delim: the delimited-text reader (formats/ns_delim.h).
 *
 * Input: three option bytes, then the object's bytes.
 *   byte 0: bits 0-1 delimiter ('|' ',' TAB US), bit 2 quote '"', bit 3
 *           escape '\\', bit 4 quoted_newlines, bits 5-6 header lines
 *           (0, 1, 2, 1), bit 7 two preamble lines (title, run date);
 *   byte 1: bits 0-2 source read size (ns_fuzz_chunks), bits 3-4 max_record
 *           (default, 16, 64, 256), bits 5-6 max_fields (default, 1, 3, 8),
 *           bit 7 the object is UTF-16 (read through ns_utf16_reader);
 *   byte 2: where the object is cut in two byte-range splits; bit 0 also
 *           trims the fields before typing them.
 * The object is read whole, its records checked (ns_fuzz_drain) and their
 * fields typed (ns_fuzz_types); when the
 * options allow splitting (no quoted_newlines), it is read again as the
 * splits [0, k) and [k, end), which must give the same records (k at or
 * after the first record, past the preamble and header lines that only the
 * split at 0 skips).
 */
#include "ns_delim.h"
#include "ns_fuzz.h"
#include "ns_input.h"
#include "ns_utf16.h"

static ns_recsrc_t *s_open(ns_reader_t *src, const ns_delim_opts_t *o, uint64_t from,
                           uint64_t start, uint64_t end)
{
    ns_err_t err = {""};
    ns_delim_t *d = ns_delim_new(src, o, from, start, end, &err);
    NS_FUZZ_CHECK(d != NULL, "ns_delim_new: %s", err.msg);
    return ns_delim_recsrc(d);
}

/* ns_fuzz_rec_fn: notes the first offset, trims (arg->trim) and types */
typedef struct {
    bool any;       /* a record or reject was seen */
    uint64_t first; /* offset of the first one */
    bool trim;      /* trim blanks before typing, as `trim: true` jobs do */
} s_seen_t;

static void s_rec(void *arg, const ns_record_t *rec, int kind)
{
    s_seen_t *s = arg;
    if (!s->any) {
        s->any = true;
        s->first = rec->offset;
    }
    if (kind == NS_REC_RECORD && s->trim)
        ns_input_trim(rec);
    ns_fuzz_types_rec(NULL, rec, kind);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char delims[4] = {'|', ',', '\t', '\x1f'};
    static const size_t max_records[4] = {0, 16, 64, 256};
    static const int max_fields[4] = {0, 1, 3, 8};
    static const int headers[4] = {0, 1, 2, 1};
    uint8_t a = ns_fuzz_take(&data, &size);
    uint8_t b = ns_fuzz_take(&data, &size);
    uint8_t c = ns_fuzz_take(&data, &size);
    ns_delim_opts_t o;
    ns_delim_opts_default(&o);
    o.delimiter = delims[a & 3];
    o.quote = a & 4 ? '"' : -1;
    o.escape = a & 8 ? '\\' : -1;
    o.quoted_newlines = a & 16;
    o.header_lines = headers[(a >> 5) & 3];
    o.skip_lines = a & 128 ? 2 : 0;
    o.max_record = max_records[(b >> 3) & 3];
    o.max_fields = max_fields[(b >> 5) & 3];
    size_t chunk = ns_fuzz_chunks[b & 7];
    s_seen_t seen = {.trim = c & 1};

    if (b & 128) { /* UTF-16: offsets are those of the UTF-8 text */
        ns_err_t err = {""};
        ns_reader_t *src = ns_utf16_reader(ns_fuzz_reader(data, size, chunk), &err);
        NS_FUZZ_CHECK(src != NULL, "ns_utf16_reader: %s", err.msg);
        ns_fuzz_drain(s_open(src, &o, 0, 0, UINT64_MAX), NULL, 0, 0, true, NS_FUZZ_INCREASING, -1,
                      NULL, s_rec, &seen);
        ns_reader_close(&src);
        return 0;
    }

    ns_buf_t whole, parts;
    ns_buf_init(&whole, (size_t)64 << 20);
    ns_buf_init(&parts, (size_t)64 << 20);
    ns_reader_t *src = ns_fuzz_reader(data, size, chunk);
    ns_fuzz_drain(s_open(src, &o, 0, 0, UINT64_MAX), data, size, 0, true, NS_FUZZ_INCREASING, -1,
                  &whole, s_rec, &seen);
    ns_reader_close(&src);

    /* splittable: no record holds a raw LF (quoted_newlines off; a job
     * cannot have it without a quote, ns_job_splittable) */
    if (!o.quoted_newlines && seen.any && seen.first <= size) {
        /* k in [first, size]: past the lines only the split at 0 skips */
        uint64_t k = seen.first + (uint64_t)c * (size - seen.first) / 255;
        if (k == 0)
            k = 1;
        src = ns_fuzz_reader(data, size, chunk);
        ns_fuzz_drain(s_open(src, &o, 0, 0, k), data, size, 0, false, NS_FUZZ_INCREASING, -1,
                      &parts, NULL, NULL);
        ns_reader_close(&src);
        src = ns_fuzz_reader(data + k - 1, size - (k - 1), chunk);
        ns_fuzz_drain(s_open(src, &o, k - 1, k, UINT64_MAX), data, size, k - 1, true,
                      NS_FUZZ_INCREASING, -1, &parts, NULL, NULL);
        ns_reader_close(&src);
        ns_fuzz_same_records(&whole, &parts, k);
    }
    ns_buf_free(&whole);
    ns_buf_free(&parts);
    return 0;
}
