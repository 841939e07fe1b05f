/*
 * ns_edi: streaming reader of EDI X12 852 (Product Activity Data), bytes in,
 * records out through ns_recsrc_t (ns_records.h). It never knows who called
 * it.
 *
 * Input: one object holding one or more interchanges (ISA .. IEA), each with
 * functional groups (GS .. GE) of transaction sets (ST .. SE). Separators are
 * taken from each ISA, never assumed: the element separator is the byte after
 * "ISA"; the ISA is fixed-width (106 bytes), so ISA16 at byte 104 is the
 * component separator and byte 105 the segment terminator. CR/LF after a
 * terminator is ignored; a UTF-8 BOM at the start of the object is skipped.
 *
 * Output: one record per (LIN item x store), NS_EDI_NFIELDS text fields in
 * the order of ns_edi_field_names (sender and receiver trimmed of spaces).
 * A ZA with a quantity (ZA*QS*14*EA) is for the set's N1*RL store; a ZA
 * without one is followed by SDQ segments of (store, quantity) pairs. The
 * stores of one LIN are the union of those seen for it, in first-seen order;
 * a quantity the LIN does not report for a store is a null field (p == NULL),
 * otherwise the number's text as written. ZA codes: QS sold, QA on hand, QU
 * returned; other codes are ignored. A record's offset is the object offset
 * of its LIN segment, its raw text that segment (without the terminator).
 *
 * Rejects: a transaction set is all or nothing. Its records are held until
 * its SE has been checked (SE01 = segments counted including ST and SE,
 * SE02 = ST02, CTT01 = LIN segments, one XQ with valid dates, every LIN with
 * a QS/QA/QU quantity, numbers that are numbers, SDQ after a ZA, no
 * quantity reported twice for one LIN and store, bounds below); a set that
 * fails any of them is one reject at the offset of its ST, with the reason
 * ("transaction set 0001: SE01 says 12 segments, counted 11") and the set's
 * text cut at max_record. Envelope errors are rejects of their own: a GE or
 * IEA whose counts or control numbers disagree (the sets already emitted
 * stay emitted), a group or interchange cut off by the next one or by the
 * end of input, segments outside any set, bytes outside any interchange, and
 * a malformed ISA (which takes the rest of its interchange, through an IEA
 * or up to the next well-formed ISA, or the rest of the object).
 *
 * Bounds, each a reject that names it: a segment is at most 65536 bytes
 * ("segment exceeds the segment size limit (65536 bytes)") and 63 elements;
 * a set at most max_record bytes ("transaction set 0001: exceeds
 * max_record (1048576 bytes)") and max_segments segments ("transaction set
 * 0001: exceeds max_segments (100000)"); an interchange at most
 * max_interchange_segments segments, its ISA and IEA included: the segment
 * past it and everything after it through the IEA are one reject
 * ("interchange 000000601 exceeds max_interchange_segments (10000000): the
 * rest of it, through its IEA, is skipped"; a set open at that point is a
 * reject of its own first), the sets before it stay emitted. The records
 * held for one set are bounded by max_record (each needs a few bytes of set
 * text). Memory is a 256 KiB input buffer plus arrays sized for the largest
 * set seen, reused from set to set: nothing is allocated per field or per
 * record.
 *
 * Workload: 852 files are small to medium (kilobytes to tens of megabytes,
 * hundreds to tens of thousands of LIN loops, one to a few hundred stores
 * per LIN); EDI objects are never split, so one task reads a whole object.
 */
#ifndef NS_EDI_H
#define NS_EDI_H

#include "ns_err.h"
#include "ns_records.h"
#include "ns_store.h"

#include <stddef.h>

typedef struct {
    size_t max_record; /* bytes of one transaction set (and of a reject's raw text); 1 MiB when 0 */
    int max_segments;  /* segments of one transaction set; 100000 when 0 */
    int max_interchange_segments; /* segments of one interchange, ISA and IEA included;
                                     10000000 when 0 */
} ns_edi_opts_t;

/* Output columns, in record order. */
enum {
    NS_EDI_SENDER,              /* ISA06, trimmed */
    NS_EDI_RECEIVER,            /* ISA08, trimmed */
    NS_EDI_INTERCHANGE_CONTROL, /* ISA13 */
    NS_EDI_GROUP_CONTROL,       /* GS06 */
    NS_EDI_SET_CONTROL,         /* ST02 */
    NS_EDI_PERIOD_START,        /* XQ02, YYYYMMDD */
    NS_EDI_PERIOD_END,          /* XQ03, YYYYMMDD; null when the XQ has none */
    NS_EDI_STORE,               /* N1*RL element 04, or an SDQ store */
    NS_EDI_UPC,                 /* LIN value qualified UP; null when none */
    NS_EDI_SKU,                 /* LIN value qualified VN; null when none */
    NS_EDI_QTY_SOLD,            /* ZA QS; null when not reported */
    NS_EDI_QTY_ON_HAND,         /* ZA QA; null when not reported */
    NS_EDI_QTY_RETURNED,        /* ZA QU; null when not reported */
};
#define NS_EDI_NFIELDS 13

/* The column names ("sender", ..., "qty_returned"), indexed by the enum. */
extern const char *const ns_edi_field_names[NS_EDI_NFIELDS];

/* Sets the defaults: max_record 1 MiB, max_segments 100000,
 * max_interchange_segments 10000000. */
void ns_edi_opts_default(ns_edi_opts_t *o);

/* A reader of the whole object behind src (borrowed; read from offset 0;
 * EDI objects are never split). opts NULL means the defaults. Returns NULL
 * with err set on bad options or out of memory. Free with s->destroy(s). */
ns_recsrc_t *ns_edi_new(ns_reader_t *src, const ns_edi_opts_t *opts, ns_err_t *err);

#endif
