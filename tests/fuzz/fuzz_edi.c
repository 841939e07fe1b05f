/*
 * fuzz_edi: the EDI X12 852 reader (formats/ns_edi.h).
 *
 * Input: one option byte, then the object's bytes.
 *   byte 0: bits 0-2 source read size (ns_fuzz_chunks), bits 3-4
 *           max_record (default, 64, 512, 4096), bits 5-6 max_segments
 *           (default, 3, 10, 50), bit 7 type every field (ns_fuzz_types:
 *           the YYYYMMDD period dates and the quantities are typed so).
 * The object is read whole (EDI objects are never split) and its records
 * checked (ns_fuzz_drain; offsets may go back, as an interchange's reject
 * comes after the records of its sets); a record has NS_EDI_NFIELDS fields
 * and its raw text is its LIN segment.
 */
#include "ns_edi.h"
#include "ns_fuzz.h"

static void s_rec(void *arg, const ns_record_t *rec, int kind)
{
    bool typed = *(const bool *)arg;
    if (kind != NS_REC_RECORD)
        return;
    NS_FUZZ_CHECK(rec->raw_len >= 4 && memcmp(rec->raw, "LIN", 3) == 0,
                  "a record's raw text is not its LIN segment");
    if (typed)
        ns_fuzz_types_rec(NULL, rec, kind);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const size_t max_records[4] = {0, 64, 512, 4096};
    static const int max_segments[4] = {0, 3, 10, 50};
    uint8_t a = ns_fuzz_take(&data, &size);
    ns_edi_opts_t o;
    ns_edi_opts_default(&o);
    o.max_record = max_records[(a >> 3) & 3];
    o.max_segments = max_segments[(a >> 5) & 3];
    bool typed = a & 128;
    ns_err_t err = {""};
    ns_reader_t *src = ns_fuzz_reader(data, size, ns_fuzz_chunks[a & 7]);
    ns_recsrc_t *s = ns_edi_new(src, &o, &err);
    NS_FUZZ_CHECK(s != NULL, "ns_edi_new: %s", err.msg);
    ns_fuzz_drain(s, data, size, 0, true, NS_FUZZ_ANY_ORDER, NS_EDI_NFIELDS, NULL, s_rec, &typed);
    ns_reader_close(&src);
    return 0;
}
