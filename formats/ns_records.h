/*
 * ns_records: the one interface through which the map side reads every input
 * format. A reader turns a byte stream (already decompressed) into records:
 * arrays of text fields, each with the object offset where it began, or
 * rejects that say why a piece of input could not become a record.
 *
 * Readers: ns_delim (delimited text), ns_json (JSON lines and concatenated
 * JSON values), ns_edi (EDI X12 852). Each embeds ns_recsrc_t as its first
 * member, so the map task drives any of them the same way:
 *
 *     for (;;) {
 *         int r = s->next(s, &rec, err);
 *         if (r == NS_REC_END) break;            // clean end of input
 *         if (r < 0) ...                          // I/O error: err says what
 *         if (r == NS_REC_REJECT) ...             // rec.reject, rec.offset, rec.raw
 *         else ...                                // rec.fields[0..nfields)
 *     }
 *     s->destroy(s);
 *
 * Fields are text, as the source wrote them after unquoting/unescaping (a
 * JSON string unescaped to UTF-8; a JSON number as its literal text, so large
 * ids stay exact). A field with p == NULL is absent/null (JSON null or a
 * missing key); an empty delimited field is p != NULL, len 0. Fields and raw
 * stay valid until the next call. Every reader bounds the bytes of a record,
 * the number of fields and (JSON) the nesting depth, and never allocates per
 * field on its hot path.
 */
#ifndef NS_RECORDS_H
#define NS_RECORDS_H

#include "ns_err.h"

#include <stddef.h>
#include <stdint.h>

typedef struct {
    const char *p; /* field bytes (not NUL-terminated); NULL: null/absent */
    uint32_t len;  /* field length */
} ns_field_t;

typedef struct {
    ns_field_t *fields; /* nfields fields, valid until the next call */
    int nfields;
    uint64_t offset;    /* object offset of the record's first byte */
    const char *raw;    /* the raw record bytes (possibly cut at the record bound) */
    size_t raw_len;
    const char *reject; /* for NS_REC_REJECT: the reason ("record exceeds max_record
                           (1048576 bytes)") */
} ns_record_t;

enum { NS_REC_END = 0, NS_REC_RECORD = 1, NS_REC_REJECT = 2 };

typedef struct ns_recsrc ns_recsrc_t;
struct ns_recsrc {
    /* NS_REC_RECORD with rec filled; NS_REC_REJECT with rec->reject,
     * rec->offset and rec->raw set (the caller keeps the reject and calls
     * again); NS_REC_END; or -1 on an I/O error (err set). */
    int (*next)(ns_recsrc_t *s, ns_record_t *rec, ns_err_t *err);
    /* Bytes consumed from the source stream so far (for progress). */
    uint64_t (*bytes)(const ns_recsrc_t *s);
    /* Frees the reader (not the stream it reads). */
    void (*destroy)(ns_recsrc_t *s);
};

#endif
