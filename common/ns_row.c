/*
 * ns_row: typed values, their text parsers and formatters, and the compact
 * binary row with its memcmp-ordered key (layout in ns_row.h).
 *
 * Workload: every field of every input record goes through one parser here
 * in the map task (billions of calls per job), and every output field goes
 * through ns_format_value in the load-file writer; every row is encoded
 * once and viewed/decoded several times (sort, spill, merge). So the
 * parsers are hand-written digit loops over (pointer, length) that never
 * read past n and never allocate, and encoding sizes the row first and
 * writes it with a single reservation.
 */
#include "ns_row.h"

#include <limits.h>
#include <string.h>

/* How much of a bad input an error message quotes. */
#define S_QUOTE_MAX 64

static int s_bad(ns_err_t *err, const char *what, const char *s, size_t n)
{
    int show = (int)(n > S_QUOTE_MAX ? S_QUOTE_MAX : n);
    return ns_errf(err, "bad %s '%.*s%s'", what, show, s, n > S_QUOTE_MAX ? "..." : "");
}

static int s_isdigit(char c)
{
    return c >= '0' && c <= '9';
}

static char s_lower(char c)
{
    return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive comparison of s[0..n) with the NUL-terminated word. */
static int s_ieq(const char *s, size_t n, const char *word)
{
    size_t i = 0;
    for (; i < n; i++) {
        if (word[i] == '\0' || s_lower(s[i]) != word[i])
            return 0;
    }
    return word[i] == '\0';
}

/* Reads exactly k digits at s; -1 if any is not a digit. */
static int s_digits(const char *s, int k)
{
    int v = 0;
    for (int i = 0; i < k; i++) {
        if (!s_isdigit(s[i]))
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

static const int64_t s_pow10[19] = {
    1LL,
    10LL,
    100LL,
    1000LL,
    10000LL,
    100000LL,
    1000000LL,
    10000000LL,
    100000000LL,
    1000000000LL,
    10000000000LL,
    100000000000LL,
    1000000000000LL,
    10000000000000LL,
    100000000000000LL,
    1000000000000000LL,
    10000000000000000LL,
    100000000000000000LL,
    1000000000000000000LL,
};

/* ---- types ---- */

const char *ns_type_name(ns_type_t t)
{
    switch (t) {
    case NS_T_STRING: return "string";
    case NS_T_INT: return "int";
    case NS_T_DECIMAL: return "decimal";
    case NS_T_DATE: return "date";
    case NS_T_TIMESTAMP: return "timestamp";
    case NS_T_BOOL: return "bool";
    }
    return "unknown";
}

/* Parses an unsigned decimal number of 1..3 digits at *p (advancing it). */
static int s_small_uint(const char **p, const char *end, int *out)
{
    const char *q = *p;
    int v = 0, k = 0;
    while (q < end && s_isdigit(*q) && k < 3) {
        v = v * 10 + (*q - '0');
        q++;
        k++;
    }
    if (k == 0 || (q < end && s_isdigit(*q)))
        return -1;
    *p = q;
    *out = v;
    return 0;
}

static void s_skip_spaces(const char **p, const char *end)
{
    while (*p < end && **p == ' ')
        (*p)++;
}

int ns_coltype_parse(const char *text, ns_coltype_t *out, ns_err_t *err)
{
    if (!text)
        return ns_errf(err, "bad type ''");
    size_t n = strnlen(text, 256);
    static const struct {
        const char *name;
        ns_type_t type;
    } plain[] = {
        {"string", NS_T_STRING},  {"int", NS_T_INT},          {"date", NS_T_DATE},
        {"timestamp", NS_T_TIMESTAMP}, {"bool", NS_T_BOOL},
    };
    for (size_t i = 0; i < sizeof plain / sizeof plain[0]; i++) {
        if (s_ieq(text, n, plain[i].name)) {
            out->type = plain[i].type;
            out->scale = 0;
            return 0;
        }
    }
    /* decimal(p,s) or decimal(p); 1 <= p <= 18, 0 <= s <= p */
    if (n > 7 && s_ieq(text, 7, "decimal")) {
        const char *p = text + 7, *end = text + n;
        int prec = 0, scale = 0;
        s_skip_spaces(&p, end);
        if (p >= end || *p++ != '(')
            goto bad;
        s_skip_spaces(&p, end);
        if (s_small_uint(&p, end, &prec))
            goto bad;
        s_skip_spaces(&p, end);
        if (p < end && *p == ',') {
            p++;
            s_skip_spaces(&p, end);
            if (s_small_uint(&p, end, &scale))
                goto bad;
            s_skip_spaces(&p, end);
        }
        if (p >= end || *p++ != ')' || p != end)
            goto bad;
        if (prec < 1 || prec > 18 || scale > prec)
            return ns_errf(err, "bad type '%s': decimal precision must be 1..18 and scale 0..precision", text);
        out->type = NS_T_DECIMAL;
        out->scale = scale;
        return 0;
    }
bad:
    return s_bad(err, "type", text, n);
}

/* ---- parsers ---- */

int ns_parse_int(const char *s, size_t n, int64_t *out, ns_err_t *err)
{
    const char *p = s, *end = s + n;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+')) {
        neg = *p == '-';
        p++;
    }
    if (p == end)
        return s_bad(err, "int", s, n);
    uint64_t v = 0;
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    for (; p < end; p++) {
        if (!s_isdigit(*p))
            return s_bad(err, "int", s, n);
        unsigned d = (unsigned)(*p - '0');
        if (v > (limit - d) / 10)
            return ns_errf(err, "int out of range '%.*s'", (int)(n > S_QUOTE_MAX ? S_QUOTE_MAX : n), s);
        v = v * 10 + d;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
}

int ns_parse_decimal(const char *s, size_t n, int scale, int64_t *out, ns_err_t *err)
{
    if (scale < 0 || scale > 18)
        return ns_errf(err, "bad decimal scale %d", scale);
    const char *p = s, *end = s + n;
    int neg = 0;
    if (p < end && (*p == '-' || *p == '+')) {
        neg = *p == '-';
        p++;
    }
    const uint64_t limit = neg ? (uint64_t)INT64_MAX + 1u : (uint64_t)INT64_MAX;
    uint64_t v = 0;
    int ndigits = 0, frac = 0, seen_point = 0, round_up = -1;
    for (; p < end; p++) {
        char c = *p;
        if (c == '.') {
            if (seen_point)
                return s_bad(err, "decimal", s, n);
            seen_point = 1;
            continue;
        }
        if (!s_isdigit(c))
            return s_bad(err, "decimal", s, n);
        ndigits++;
        if (seen_point) {
            if (frac == scale) {
                /* the first digit past the scale decides; the rest are only checked */
                if (round_up < 0)
                    round_up = c >= '5';
                continue;
            }
            frac++;
        }
        unsigned d = (unsigned)(c - '0');
        if (v > (limit - d) / 10)
            goto overflow;
        v = v * 10 + d;
    }
    if (ndigits == 0)
        return s_bad(err, "decimal", s, n);
    for (; frac < scale; frac++) {
        if (v > limit / 10)
            goto overflow;
        v *= 10;
    }
    if (round_up > 0) {
        if (v >= limit)
            goto overflow;
        v++;
    }
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return 0;
overflow:
    return ns_errf(err, "decimal out of range '%.*s'", (int)(n > S_QUOTE_MAX ? S_QUOTE_MAX : n), s);
}

static const unsigned char s_mdays[13] = {0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

static int s_leap(int y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

/* Parses YYYY-MM-DD at s (needs 10 bytes); -1 if malformed or not a date. */
static int s_date10(const char *s, int64_t *days)
{
    int y = s_digits(s, 4);
    int m = s_digits(s + 5, 2);
    int d = s_digits(s + 8, 2);
    if (y < 1 || m < 1 || m > 12 || d < 1 || s[4] != '-' || s[7] != '-')
        return -1;
    int dim = s_mdays[m] + (m == 2 && s_leap(y));
    if (d > dim)
        return -1;
    *days = ns_days_from_civil(y, (unsigned)m, (unsigned)d);
    return 0;
}

int ns_parse_date(const char *s, size_t n, int64_t *days, ns_err_t *err)
{
    if (n != 10 || s_date10(s, days))
        return s_bad(err, "date", s, n);
    return 0;
}

/* +HH:MM / -HH:MM at s (6 bytes) -> seconds; -1 if malformed. */
static int s_offset6(const char *s, int *seconds)
{
    if ((s[0] != '+' && s[0] != '-') || s[3] != ':')
        return -1;
    int h = s_digits(s + 1, 2);
    int m = s_digits(s + 4, 2);
    if (h < 0 || m < 0 || m > 59 || h * 60 + m > 18 * 60)
        return -1;
    int v = (h * 60 + m) * 60;
    *seconds = s[0] == '-' ? -v : v;
    return 0;
}

int ns_parse_utc_offset(const char *s, size_t n, int *seconds, ns_err_t *err)
{
    if (n == 1 && (s[0] == 'Z' || s[0] == 'z')) {
        *seconds = 0;
        return 0;
    }
    if (n != 6 || s_offset6(s, seconds))
        return s_bad(err, "utc offset", s, n);
    return 0;
}

int ns_parse_timestamp(const char *s, size_t n, int64_t *micros, ns_err_t *err)
{
    int64_t days;
    if (n < 19 || s_date10(s, &days) || (s[10] != 'T' && s[10] != ' ' && s[10] != 't') ||
        s[13] != ':' || s[16] != ':')
        return s_bad(err, "timestamp", s, n);
    int hh = s_digits(s + 11, 2), mm = s_digits(s + 14, 2), ss = s_digits(s + 17, 2);
    if (hh < 0 || hh > 23 || mm < 0 || mm > 59 || ss < 0 || ss > 59)
        return s_bad(err, "timestamp", s, n);
    const char *p = s + 19, *end = s + n;
    int64_t frac = 0;
    if (p < end && *p == '.') {
        p++;
        int k = 0;
        /* up to 9 digits (nanoseconds) accepted; truncated to microseconds */
        while (p < end && s_isdigit(*p) && k < 9) {
            if (k < 6)
                frac = frac * 10 + (*p - '0');
            p++;
            k++;
        }
        if (k == 0)
            return s_bad(err, "timestamp", s, n);
        for (; k < 6; k++)
            frac *= 10;
    }
    int off = 0;
    if (p < end) {
        size_t rest = (size_t)(end - p);
        if (rest == 1 && (*p == 'Z' || *p == 'z'))
            off = 0;
        else if (rest != 6 || s_offset6(p, &off))
            return s_bad(err, "timestamp", s, n);
    }
    int64_t secs = days * 86400 + hh * 3600 + mm * 60 + ss - off;
    *micros = secs * 1000000 + frac;
    return 0;
}

int ns_parse_bool(const char *s, size_t n, int64_t *out, ns_err_t *err)
{
    static const char *const yes[] = {"t", "true", "1", "y", "yes"};
    static const char *const no[] = {"f", "false", "0", "n", "no"};
    if (n <= 5) {
        for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
            if (s_ieq(s, n, yes[i])) {
                *out = 1;
                return 0;
            }
            if (s_ieq(s, n, no[i])) {
                *out = 0;
                return 0;
            }
        }
    }
    return s_bad(err, "bool", s, n);
}

/* ---- civil dates (the days-from-civil algorithm of H. Hinnant) ---- */

int64_t ns_days_from_civil(int y, unsigned m, unsigned d)
{
    int64_t yy = (int64_t)y - (m <= 2);
    int64_t era = (yy >= 0 ? yy : yy - 399) / 400;
    int64_t yoe = yy - era * 400;                                     /* [0, 399] */
    int64_t mp = (m + 9) % 12;                                        /* March = 0 */
    int64_t doy = (153 * mp + 2) / 5 + (int64_t)d - 1;                /* [0, 365] */
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;              /* [0, 146096] */
    return era * 146097 + doe - 719468;
}

/* Days beyond this are clamped so the year fits an int. */
#define S_DAYS_LIMIT 700000000000LL

void ns_civil_from_days(int64_t days, int *y, unsigned *m, unsigned *d)
{
    if (days > S_DAYS_LIMIT)
        days = S_DAYS_LIMIT;
    if (days < -S_DAYS_LIMIT)
        days = -S_DAYS_LIMIT;
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;                                   /* [0, 146096] */
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365; /* [0, 399] */
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);            /* [0, 365] */
    int64_t mp = (5 * doy + 2) / 153;                                 /* [0, 11] */
    *d = (unsigned)(doy - (153 * mp + 2) / 5 + 1);
    *m = (unsigned)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

/* ---- formatting ---- */

/* Writes the decimal digits of v (at least width of them) into tmp's end;
 * returns the start. */
static char *s_utoa(uint64_t v, char *end, int width)
{
    char *p = end;
    do {
        *--p = (char)('0' + v % 10);
        v /= 10;
        width--;
    } while (v || width > 0);
    return p;
}

static size_t s_put(char *out, size_t cap, size_t at, const char *src, size_t n)
{
    if (at < cap) {
        size_t k = cap - at < n ? cap - at : n;
        memcpy(out + at, src, k);
    }
    return at + n;
}

static uint64_t s_abs(int64_t v)
{
    return v < 0 ? 0 - (uint64_t)v : (uint64_t)v;
}

static size_t s_fmt_date(int64_t days, char *tmp)
{
    int y;
    unsigned m, d;
    ns_civil_from_days(days, &y, &m, &d);
    char num[24];
    char *end = num + sizeof num;
    size_t k = 0;
    if (y < 0)
        tmp[k++] = '-';
    char *p = s_utoa(s_abs(y), end, 4);
    memcpy(tmp + k, p, (size_t)(end - p));
    k += (size_t)(end - p);
    tmp[k++] = '-';
    tmp[k++] = (char)('0' + m / 10);
    tmp[k++] = (char)('0' + m % 10);
    tmp[k++] = '-';
    tmp[k++] = (char)('0' + d / 10);
    tmp[k++] = (char)('0' + d % 10);
    return k;
}

size_t ns_format_value(const ns_coltype_t *t, const ns_value_t *v, char *out, size_t cap)
{
    if (v->null)
        return 0;
    char tmp[64];
    char *end = tmp + sizeof tmp;
    size_t k = 0;
    switch (t->type) {
    case NS_T_STRING: {
        size_t n = v->len < cap ? v->len : cap;
        if (n)
            memcpy(out, v->s, n);
        return n;
    }
    case NS_T_INT: {
        char *p = s_utoa(s_abs(v->i), end, 1);
        if (v->i < 0)
            *--p = '-';
        k = s_put(out, cap, 0, p, (size_t)(end - p));
        break;
    }
    case NS_T_DECIMAL: {
        int scale = t->scale < 0 ? 0 : t->scale > 18 ? 18 : t->scale;
        uint64_t a = s_abs(v->i);
        uint64_t ip = a / (uint64_t)s_pow10[scale], fp = a % (uint64_t)s_pow10[scale];
        char *p = end;
        if (scale > 0) {
            p = s_utoa(fp, end, scale);
            *--p = '.';
        }
        p = s_utoa(ip, p, 1);
        if (v->i < 0)
            *--p = '-';
        k = s_put(out, cap, 0, p, (size_t)(end - p));
        break;
    }
    case NS_T_DATE:
        k = s_put(out, cap, 0, tmp, s_fmt_date(v->i, tmp));
        break;
    case NS_T_TIMESTAMP: {
        int64_t us = v->i;
        int64_t days = us / 86400000000LL, rem = us % 86400000000LL;
        if (rem < 0) {
            rem += 86400000000LL;
            days--;
        }
        size_t n = s_fmt_date(days, tmp);
        int64_t secs = rem / 1000000, frac = rem % 1000000;
        int hh = (int)(secs / 3600), mm = (int)(secs / 60 % 60), ss = (int)(secs % 60);
        tmp[n++] = ' ';
        tmp[n++] = (char)('0' + hh / 10);
        tmp[n++] = (char)('0' + hh % 10);
        tmp[n++] = ':';
        tmp[n++] = (char)('0' + mm / 10);
        tmp[n++] = (char)('0' + mm % 10);
        tmp[n++] = ':';
        tmp[n++] = (char)('0' + ss / 10);
        tmp[n++] = (char)('0' + ss % 10);
        if (frac) {
            tmp[n++] = '.';
            for (int64_t div = 100000; div; div /= 10)
                tmp[n++] = (char)('0' + frac / div % 10);
        }
        k = s_put(out, cap, 0, tmp, n);
        break;
    }
    case NS_T_BOOL:
        k = s_put(out, cap, 0, v->i ? "t" : "f", 1);
        break;
    default:
        return 0;
    }
    return k < cap ? k : cap;
}

/* ---- binary rows ---- */

static uint8_t *s_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    return p + 2;
}

static uint8_t *s_put_le32(uint8_t *p, uint32_t v)
{
    for (int i = 0; i < 4; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return p + 4;
}

static uint8_t *s_put_le64(uint8_t *p, uint64_t v)
{
    for (int i = 0; i < 8; i++)
        p[i] = (uint8_t)(v >> (8 * i));
    return p + 8;
}

static uint32_t s_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t s_get_le64(const uint8_t *p)
{
    uint64_t v = 0;
    for (int i = 7; i >= 0; i--)
        v = v << 8 | p[i];
    return v;
}

/* Normalized key size of one column's value; 0 on a bad column type. */
static size_t s_key_size(const ns_coltype_t *t, const ns_value_t *v)
{
    if (v->null)
        return 1;
    if (t->type != NS_T_STRING)
        return 9;
    size_t n = 1 + v->len + 2;
    const char *p = v->s, *end = v->s + v->len;
    while (p < end && (p = memchr(p, 0, (size_t)(end - p))) != NULL) {
        n++;
        p++;
    }
    return n;
}

static uint8_t *s_key_write(uint8_t *p, const ns_coltype_t *t, const ns_value_t *v)
{
    if (v->null) {
        *p++ = 0x00;
        return p;
    }
    *p++ = 0x01;
    if (t->type != NS_T_STRING) {
        uint64_t u = (uint64_t)v->i ^ 0x8000000000000000ULL;
        for (int i = 7; i >= 0; i--)
            *p++ = (uint8_t)(u >> (8 * i));
        return p;
    }
    const char *s = v->s, *end = v->s + v->len;
    while (s < end) {
        const char *z = memchr(s, 0, (size_t)(end - s));
        size_t run = (size_t)((z ? z : end) - s);
        memcpy(p, s, run);
        p += run;
        s += run;
        if (z) {
            *p++ = 0x00;
            *p++ = 0xFF;
            s++;
        }
    }
    *p++ = 0x00;
    *p++ = 0x00;
    return p;
}

static size_t s_field_size(const ns_coltype_t *t, const ns_value_t *v)
{
    if (v->null)
        return 1;
    return t->type == NS_T_STRING ? 5 + (size_t)v->len : 9;
}

/* Sums the key size of cols; (size_t)-1 if a column index is out of range. */
static size_t s_keys_size(const ns_coltype_t *types, const ns_value_t *vals, int ncols,
                          const int *cols, int nkey)
{
    size_t n = 0;
    for (int i = 0; i < nkey; i++) {
        if (cols[i] < 0 || cols[i] >= ncols)
            return (size_t)-1;
        n += s_key_size(&types[cols[i]], &vals[cols[i]]);
    }
    return n;
}

int ns_row_encode(ns_buf_t *out, const ns_coltype_t *types, const ns_value_t *vals, int ncols,
                  const int *key_cols, int nkey)
{
    if (ncols < 0 || ncols > NS_MAX_COLUMNS || nkey < 0 || nkey > NS_MAX_COLUMNS)
        return -1;
    size_t klen = s_keys_size(types, vals, ncols, key_cols, nkey);
    if (klen > NS_MAX_KEY)
        return -1;
    size_t blen = 0;
    for (int i = 0; i < ncols; i++) {
        if (types[i].type == NS_T_STRING && !vals[i].null && vals[i].len > UINT32_MAX - 16)
            return -1;
        blen += s_field_size(&types[i], &vals[i]);
    }
    size_t row_len = 2 + klen + blen;
    if (row_len > UINT32_MAX - 4)
        return -1;
    uint8_t *p = (uint8_t *)ns_buf_reserve(out, 4 + row_len);
    if (!p)
        return -1;
    uint8_t *start = p;
    p = s_put_le32(p, (uint32_t)row_len);
    p = s_put_le16(p, (uint16_t)klen);
    for (int i = 0; i < nkey; i++)
        p = s_key_write(p, &types[key_cols[i]], &vals[key_cols[i]]);
    for (int i = 0; i < ncols; i++) {
        const ns_value_t *v = &vals[i];
        if (v->null) {
            *p++ = 0;
            continue;
        }
        *p++ = 1;
        if (types[i].type == NS_T_STRING) {
            p = s_put_le32(p, v->len);
            if (v->len)
                memcpy(p, v->s, v->len);
            p += v->len;
        } else {
            p = s_put_le64(p, (uint64_t)v->i);
        }
    }
    out->len += (size_t)(p - start);
    out->data[out->len] = '\0';
    return 0;
}

int ns_key_encode(ns_buf_t *out, const ns_coltype_t *types, const ns_value_t *vals,
                  const int *cols, int ncols)
{
    if (ncols < 0 || ncols > NS_MAX_COLUMNS)
        return -1;
    /* cols index into types/vals, whose length the caller vouches for */
    size_t klen = 0;
    for (int i = 0; i < ncols; i++) {
        if (cols[i] < 0 || cols[i] >= NS_MAX_COLUMNS)
            return -1;
        klen += s_key_size(&types[cols[i]], &vals[cols[i]]);
    }
    uint8_t *p = (uint8_t *)ns_buf_reserve(out, klen);
    if (!p)
        return -1;
    uint8_t *start = p;
    for (int i = 0; i < ncols; i++)
        p = s_key_write(p, &types[cols[i]], &vals[cols[i]]);
    out->len += (size_t)(p - start);
    out->data[out->len] = '\0';
    return 0;
}

int ns_row_view(const uint8_t *p, size_t avail, ns_rowview_t *out)
{
    if (avail < 4)
        return 1;
    uint32_t row_len = s_get_le32(p);
    if (row_len < 2 || row_len > UINT32_MAX - 4)
        return -1;
    if (avail < 4 + (size_t)row_len) {
        /* the key length is already readable: reject garbage early */
        if (avail >= 6) {
            uint16_t kl = (uint16_t)(p[4] | p[5] << 8);
            if (kl > NS_MAX_KEY || kl > row_len - 2)
                return -1;
        }
        return 1;
    }
    uint16_t key_len = (uint16_t)(p[4] | p[5] << 8);
    if (key_len > NS_MAX_KEY || key_len > row_len - 2)
        return -1;
    out->key = p + 6;
    out->key_len = key_len;
    out->body = p + 6 + key_len;
    out->body_len = row_len - 2 - key_len;
    out->total_len = 4 + row_len;
    return 0;
}

int ns_row_decode(const ns_rowview_t *row, const ns_coltype_t *types, int ncols, ns_value_t *vals)
{
    if (ncols < 0 || ncols > NS_MAX_COLUMNS)
        return -1;
    const uint8_t *p = row->body, *end = row->body + row->body_len;
    for (int i = 0; i < ncols; i++) {
        ns_value_t *v = &vals[i];
        if (p >= end)
            return -1;
        uint8_t tag = *p++;
        v->i = 0;
        v->s = NULL;
        v->len = 0;
        if (tag == 0) {
            v->null = true;
            continue;
        }
        if (tag != 1)
            return -1;
        v->null = false;
        if (types[i].type == NS_T_STRING) {
            if (end - p < 4)
                return -1;
            uint32_t len = s_get_le32(p);
            p += 4;
            if ((size_t)(end - p) < len)
                return -1;
            v->s = (const char *)p;
            v->len = len;
            p += len;
        } else {
            if (end - p < 8)
                return -1;
            v->i = (int64_t)s_get_le64(p);
            p += 8;
        }
    }
    return p == end ? 0 : -1;
}
