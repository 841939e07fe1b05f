/*
 * ns_row: typed values and the compact binary row used inside the engine.
 *
 * Text is parsed once, in the map task, into typed values; rows then travel
 * through sort, spill, shuffle and merge in this binary form, and become text
 * again only in the load-file writer.
 *
 * Encoded row (all integers little-endian unless said otherwise):
 *   u32 row_len        bytes after this field
 *   u16 key_len        bytes of the normalized sort key
 *   key[key_len]       memcmp-ordered sort key (see below)
 *   fields             one per column of the output schema, in order:
 *                        u8 0 = NULL
 *                        u8 1, then i64            (int, decimal, date, timestamp, bool)
 *                        u8 1, then u32 len, bytes (string)
 *
 * Normalized key: per sort column, u8 0x00 for NULL (NULLs sort first) or
 * u8 0x01 followed by an i64 written big-endian with its sign bit flipped,
 * or for strings the bytes with 0x00 written as 0x00 0xFF and terminated by
 * 0x00 0x00. memcmp of two keys orders rows exactly as comparing the
 * columns in turn would. The distribution key is hashed (xxh64) in the same
 * normalized form.
 *
 * Value domains: int is i64; decimal(p,s) is i64 scaled by 10^s; date is
 * days since 1970-01-01; timestamp is microseconds since 1970-01-01T00:00:00Z
 * (UTC); bool is 0/1.
 */
#ifndef NS_ROW_H
#define NS_ROW_H

#include "ns_buf.h"
#include "ns_err.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
    NS_T_STRING = 1,
    NS_T_INT = 2,
    NS_T_DECIMAL = 3,
    NS_T_DATE = 4,
    NS_T_TIMESTAMP = 5,
    NS_T_BOOL = 6,
} ns_type_t;

#define NS_MAX_COLUMNS 256
#define NS_MAX_KEY 4096

typedef struct {
    ns_type_t type; /* the column's type */
    int scale;      /* digits after the point, for NS_T_DECIMAL */
} ns_coltype_t;

typedef struct {
    bool null;     /* true: SQL NULL; nothing else is read */
    int64_t i;     /* non-string types, in the domains above */
    const char *s; /* string bytes (not NUL-terminated); borrowed */
    uint32_t len;  /* string length */
} ns_value_t;

/* Name of a type for messages and docs ("decimal", "date", ...). */
const char *ns_type_name(ns_type_t t);
/* Parses "string", "int", "decimal(12,2)", "date", "timestamp", "bool". */
int ns_coltype_parse(const char *text, ns_coltype_t *out, ns_err_t *err);

/* Text -> typed value. Each returns 0, or -1 with a short reason in err
 * ("bad date '2026-13-01'"). */
int ns_parse_int(const char *s, size_t n, int64_t *out, ns_err_t *err);
/* Accepts an optional sign, digits, '.', more digits; rounds half away
 * from zero past scale digits. */
int ns_parse_decimal(const char *s, size_t n, int scale, int64_t *out, ns_err_t *err);
/* YYYY-MM-DD */
int ns_parse_date(const char *s, size_t n, int64_t *days, ns_err_t *err);
/* YYYY-MM-DD[T ]HH:MM:SS[.ffffff][Z|+HH:MM|-HH:MM]; without a zone the
 * value is taken as UTC. */
int ns_parse_timestamp(const char *s, size_t n, int64_t *micros, ns_err_t *err);
/* +HH:MM / -HH:MM / Z -> seconds east of UTC */
int ns_parse_utc_offset(const char *s, size_t n, int *seconds, ns_err_t *err);
int ns_parse_bool(const char *s, size_t n, int64_t *out, ns_err_t *err);

/* Typed value -> text, as the load file writes it (no escaping here).
 * Writes at most cap bytes to out and returns the length. decimal: -12.50;
 * date: 2026-11-24; timestamp: 2026-11-24 19:42:07 or with .ffffff when the
 * fraction is not zero; bool: t/f. */
size_t ns_format_value(const ns_coltype_t *t, const ns_value_t *v, char *out, size_t cap);

/* Days since epoch <-> civil date. */
int64_t ns_days_from_civil(int y, unsigned m, unsigned d);
void ns_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d);

/* Appends the encoded row (length, key, fields) to out. key_cols lists the
 * column indexes of the sort key (nkey of them). -1 if the buffer's maximum
 * or NS_MAX_KEY would be passed. */
int ns_row_encode(ns_buf_t *out, const ns_coltype_t *types, const ns_value_t *vals, int ncols,
                  const int *key_cols, int nkey);
/* Appends the normalized key of the given columns (used for hashing). */
int ns_key_encode(ns_buf_t *out, const ns_coltype_t *types, const ns_value_t *vals,
                  const int *cols, int ncols);

/* A view of an encoded row. */
typedef struct {
    const uint8_t *key;  /* normalized sort key */
    uint16_t key_len;
    const uint8_t *body; /* encoded fields */
    uint32_t body_len;
    uint32_t total_len;  /* bytes of the whole record including the u32 length */
} ns_rowview_t;

/* Parses the record at p (avail bytes). Returns 0, 1 if avail is too short
 * for the whole record, -1 if the record is malformed. */
int ns_row_view(const uint8_t *p, size_t avail, ns_rowview_t *out);
/* The whole encoded record a view was made from (its u32 length first),
 * total_len bytes long: what a run writer takes. */
static inline const uint8_t *ns_row_record(const ns_rowview_t *row)
{
    return row->key - 6; /* u32 row_len, u16 key_len, then the key */
}
/* Decodes the fields of a row into vals (strings point into the row).
 * -1 if the body does not match the schema. */
int ns_row_decode(const ns_rowview_t *row, const ns_coltype_t *types, int ncols, ns_value_t *vals);

#endif
