/*
 * test_row: ns_row parsers, formatter, civil dates, and the binary row with
 * its memcmp-ordered key.
 */
#include "ns_row.h"

#include <criterion/criterion.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

static ns_value_t s_int(int64_t i)
{
    ns_value_t v = {.null = false, .i = i};
    return v;
}

static ns_value_t s_str(const char *s, uint32_t len)
{
    ns_value_t v = {.null = false, .s = s, .len = len};
    return v;
}

static ns_value_t s_null(void)
{
    ns_value_t v = {.null = true};
    return v;
}

/* Encodes the key of vals (all columns) into a fresh buffer. */
static ns_buf_t s_key(const ns_coltype_t *t, const ns_value_t *v, int n)
{
    int cols[NS_MAX_COLUMNS];
    for (int i = 0; i < n; i++)
        cols[i] = i;
    ns_buf_t b;
    ns_buf_init(&b, 1 << 20);
    cr_assert_eq(ns_key_encode(&b, t, v, cols, n), 0);
    return b;
}

static int s_sign(int x)
{
    return (x > 0) - (x < 0);
}

static int s_keycmp(const ns_buf_t *a, const ns_buf_t *b)
{
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->data, b->data, n);
    if (c)
        return s_sign(c);
    return (a->len > b->len) - (a->len < b->len);
}

/* Column-wise reference comparison: NULL first, ints numerically, strings
 * bytewise with a shorter prefix first. */
static int s_refcmp(const ns_coltype_t *t, const ns_value_t *a, const ns_value_t *b, int n)
{
    for (int i = 0; i < n; i++) {
        if (a[i].null || b[i].null) {
            if (a[i].null && b[i].null)
                continue;
            return a[i].null ? -1 : 1;
        }
        if (t[i].type == NS_T_STRING) {
            uint32_t m = a[i].len < b[i].len ? a[i].len : b[i].len;
            int c = m ? memcmp(a[i].s, b[i].s, m) : 0;
            if (c)
                return s_sign(c);
            if (a[i].len != b[i].len)
                return a[i].len < b[i].len ? -1 : 1;
        } else if (a[i].i != b[i].i) {
            return a[i].i < b[i].i ? -1 : 1;
        }
    }
    return 0;
}

/* ---- key order ---- */

Test(row_key, ints_order_like_numbers)
{
    ns_coltype_t t = {NS_T_INT, 0};
    int64_t xs[] = {INT64_MIN, INT64_MIN + 1, -1000000, -256, -255, -1, 0, 1, 255, 256, 65536,
                    INT64_MAX - 1, INT64_MAX};
    int nx = (int)(sizeof xs / sizeof xs[0]);
    for (int i = 0; i < nx; i++) {
        for (int j = 0; j < nx; j++) {
            ns_value_t a = s_int(xs[i]), b = s_int(xs[j]);
            ns_buf_t ka = s_key(&t, &a, 1), kb = s_key(&t, &b, 1);
            cr_assert_eq(s_keycmp(&ka, &kb), s_sign((i > j) - (i < j)), "%lld vs %lld",
                         (long long)xs[i], (long long)xs[j]);
            ns_buf_free(&ka);
            ns_buf_free(&kb);
        }
    }
}

Test(row_key, null_sorts_first)
{
    ns_coltype_t ti = {NS_T_INT, 0}, ts = {NS_T_STRING, 0};
    ns_value_t n = s_null(), lo = s_int(INT64_MIN), empty = s_str("", 0);
    ns_buf_t kn = s_key(&ti, &n, 1), kl = s_key(&ti, &lo, 1);
    cr_assert_lt(s_keycmp(&kn, &kl), 0);
    ns_buf_t kns = s_key(&ts, &n, 1), ke = s_key(&ts, &empty, 1);
    cr_assert_lt(s_keycmp(&kns, &ke), 0);
    ns_buf_free(&kn);
    ns_buf_free(&kl);
    ns_buf_free(&kns);
    ns_buf_free(&ke);
}

Test(row_key, strings_with_zero_bytes_and_prefixes)
{
    ns_coltype_t t[2] = {{NS_T_STRING, 0}, {NS_T_INT, 0}};
    /* strings (with embedded NULs) paired with an int in a second column, so
     * a prefix bug in the first column would show through the second */
    static const struct {
        const char *s;
        uint32_t len;
    } strs[] = {
        {"", 0}, {"\0", 1}, {"\0\0", 2}, {"\0\x01", 2}, {"\x01", 1}, {"a", 1}, {"a\0", 2},
        {"a\0\0", 3}, {"a\0b", 3}, {"a\x01", 2}, {"a\xff", 2}, {"ab", 2}, {"abc", 3},
        {"b", 1}, {"\xff", 1}, {"\xff\xff", 2},
    };
    int ns = (int)(sizeof strs / sizeof strs[0]);
    int64_t ints[] = {INT64_MIN, -1, 0, 7, INT64_MAX};
    int ni = 5;
    int nv = (ns + 1) * ni;
    ns_value_t(*vals)[2] = calloc((size_t)nv, sizeof *vals);
    int k = 0;
    for (int i = -1; i < ns; i++) {
        for (int j = 0; j < ni; j++, k++) {
            vals[k][0] = i < 0 ? s_null() : s_str(strs[i].s, strs[i].len);
            vals[k][1] = s_int(ints[j]);
        }
    }
    for (int a = 0; a < nv; a++) {
        ns_buf_t ka = s_key(t, vals[a], 2);
        for (int b = 0; b < nv; b++) {
            ns_buf_t kb = s_key(t, vals[b], 2);
            cr_assert_eq(s_keycmp(&ka, &kb), s_refcmp(t, vals[a], vals[b], 2), "pair %d %d", a, b);
            ns_buf_free(&kb);
        }
        ns_buf_free(&ka);
    }
    free(vals);
}

Test(row_key, random_multi_column_matches_reference)
{
    ns_coltype_t t[3] = {{NS_T_INT, 0}, {NS_T_STRING, 0}, {NS_T_DATE, 0}};
    enum { N = 300 };
    static char strbuf[N][4];
    ns_value_t vals[N][3];
    srand(12345);
    for (int i = 0; i < N; i++) {
        vals[i][0] = rand() % 7 == 0 ? s_null() : s_int((rand() % 5 - 2) * (int64_t)1e17);
        uint32_t len = (uint32_t)(rand() % 4);
        for (uint32_t j = 0; j < len; j++)
            strbuf[i][j] = "\0\1ab\xff"[rand() % 5];
        vals[i][1] = rand() % 7 == 0 ? s_null() : s_str(strbuf[i], len);
        vals[i][2] = rand() % 7 == 0 ? s_null() : s_int(rand() % 5 - 2);
    }
    for (int a = 0; a < N; a++) {
        ns_buf_t ka = s_key(t, vals[a], 3);
        for (int b = 0; b < N; b++) {
            ns_buf_t kb = s_key(t, vals[b], 3);
            cr_assert_eq(s_keycmp(&ka, &kb), s_refcmp(t, vals[a], vals[b], 3));
            ns_buf_free(&kb);
        }
        ns_buf_free(&ka);
    }
}

Test(row_key, exact_bytes)
{
    ns_coltype_t t[3] = {{NS_T_INT, 0}, {NS_T_STRING, 0}, {NS_T_BOOL, 0}};
    ns_value_t v[3] = {s_int(1), s_str("a\0", 2), s_null()};
    ns_buf_t k = s_key(t, v, 3);
    const uint8_t want[] = {0x01, 0x80, 0, 0, 0, 0, 0, 0, 0x01, 0x01, 'a', 0x00, 0xFF, 0x00, 0x00, 0x00};
    cr_assert_eq(k.len, sizeof want);
    cr_assert_eq(memcmp(k.data, want, sizeof want), 0);
    ns_buf_free(&k);
}

/* ---- encode / view / decode ---- */

Test(row, encode_decode_round_trip)
{
    ns_coltype_t t[7] = {{NS_T_STRING, 0}, {NS_T_INT, 0},       {NS_T_DECIMAL, 2}, {NS_T_DATE, 0},
                         {NS_T_TIMESTAMP, 0}, {NS_T_BOOL, 0}, {NS_T_STRING, 0}};
    ns_value_t v[7] = {s_str("he\0llo", 6), s_int(INT64_MIN), s_int(-1250), s_int(20781),
                       s_null(), s_int(1), s_str("", 0)};
    int keys[2] = {1, 0};
    ns_buf_t b;
    ns_buf_init(&b, 1 << 16);
    cr_assert_eq(ns_buf_append(&b, "xx", 2), 0); /* rows append after existing data */
    cr_assert_eq(ns_row_encode(&b, t, v, 7, keys, 2), 0);
    cr_assert_eq(ns_row_encode(&b, t, v, 7, NULL, 0), 0);

    ns_rowview_t rv;
    const uint8_t *p = (const uint8_t *)b.data + 2;
    size_t avail = b.len - 2;
    cr_assert_eq(ns_row_view(p, avail, &rv), 0);
    cr_assert_lt(rv.total_len, avail);
    /* key equals the separately encoded key */
    ns_buf_t k;
    ns_buf_init(&k, 1 << 16);
    cr_assert_eq(ns_key_encode(&k, t, v, keys, 2), 0);
    cr_assert_eq(rv.key_len, k.len);
    cr_assert_eq(memcmp(rv.key, k.data, k.len), 0);
    ns_buf_free(&k);

    ns_value_t out[7];
    cr_assert_eq(ns_row_decode(&rv, t, 7, out), 0);
    cr_assert_eq(out[0].len, 6);
    cr_assert_eq(memcmp(out[0].s, "he\0llo", 6), 0);
    cr_assert_eq(out[1].i, INT64_MIN);
    cr_assert_eq(out[2].i, -1250);
    cr_assert_eq(out[3].i, 20781);
    cr_assert(out[4].null);
    cr_assert_eq(out[5].i, 1);
    cr_assert(!out[6].null);
    cr_assert_eq(out[6].len, 0);
    /* wrong schema: too few / too many columns, or a type mismatch */
    cr_assert_eq(ns_row_decode(&rv, t, 6, out), -1);
    ns_coltype_t t8[8];
    memcpy(t8, t, sizeof t);
    t8[7] = t[1];
    cr_assert_eq(ns_row_decode(&rv, t8, 8, out), -1);
    ns_coltype_t bad[7];
    memcpy(bad, t, sizeof t);
    bad[1].type = NS_T_STRING;
    cr_assert_eq(ns_row_decode(&rv, bad, 7, out), -1);

    /* second row, keyless */
    const uint8_t *p2 = p + rv.total_len;
    cr_assert_eq(ns_row_view(p2, avail - rv.total_len, &rv), 0);
    cr_assert_eq(rv.key_len, 0);
    cr_assert_eq(rv.total_len, avail - (size_t)(p2 - p));
    cr_assert_eq(ns_row_decode(&rv, t, 7, out), 0);
    cr_assert_eq(out[2].i, -1250);
    ns_buf_free(&b);
}

Test(row, encode_limits)
{
    ns_coltype_t t = {NS_T_STRING, 0};
    char *big = malloc(NS_MAX_KEY + 10);
    memset(big, 'x', NS_MAX_KEY + 10);
    ns_value_t v = s_str(big, NS_MAX_KEY + 10);
    int key = 0;
    ns_buf_t b;
    ns_buf_init(&b, 1 << 20);
    cr_assert_eq(ns_row_encode(&b, &t, &v, 1, &key, 1), -1, "key too long");
    cr_assert_eq(b.len, 0);
    cr_assert_eq(ns_row_encode(&b, &t, &v, 1, NULL, 0), 0, "long value, no key");
    int badkey = 3;
    cr_assert_eq(ns_row_encode(&b, &t, &v, 1, &badkey, 1), -1, "key column out of range");
    ns_buf_free(&b);
    ns_buf_init(&b, 100);
    size_t before = b.len;
    cr_assert_eq(ns_row_encode(&b, &t, &v, 1, NULL, 0), -1, "buffer maximum");
    cr_assert_eq(b.len, before);
    ns_buf_free(&b);
    free(big);
}

Test(row, view_truncated_and_malformed)
{
    ns_coltype_t t[2] = {{NS_T_INT, 0}, {NS_T_STRING, 0}};
    ns_value_t v[2] = {s_int(42), s_str("abc", 3)};
    int key = 1;
    ns_buf_t b;
    ns_buf_init(&b, 1 << 16);
    cr_assert_eq(ns_row_encode(&b, t, v, 2, &key, 1), 0);
    ns_rowview_t rv;
    const uint8_t *p = (const uint8_t *)b.data;
    for (size_t n = 0; n < b.len; n++)
        cr_assert_eq(ns_row_view(p, n, &rv), 1, "truncated at %zu", n);
    cr_assert_eq(ns_row_view(p, b.len, &rv), 0);
    cr_assert_eq(rv.total_len, b.len);

    uint8_t m[64];
    memcpy(m, p, b.len);
    /* key length larger than the row */
    m[4] = 0xff;
    m[5] = 0x00;
    cr_assert_eq(ns_row_view(m, b.len, &rv), -1);
    /* row length below the key-length field */
    memcpy(m, p, b.len);
    m[0] = 1;
    m[1] = m[2] = m[3] = 0;
    cr_assert_eq(ns_row_view(m, b.len, &rv), -1);
    /* key length beyond NS_MAX_KEY */
    memcpy(m, p, b.len);
    m[4] = 0xff;
    m[5] = 0xff;
    cr_assert_eq(ns_row_view(m, b.len, &rv), -1);
    /* body tags and lengths that do not fit */
    memcpy(m, p, b.len);
    cr_assert_eq(ns_row_view(m, b.len, &rv), 0);
    size_t body = (size_t)(rv.body - m);
    m[body] = 7; /* bad tag */
    cr_assert_eq(ns_row_decode(&rv, t, 2, (ns_value_t[2]){0}), -1);
    memcpy(m, p, b.len);
    m[body + 10] = 0xff; /* string length past the end */
    cr_assert_eq(ns_row_decode(&rv, t, 2, (ns_value_t[2]){0}), -1);
    /* body shorter than the schema */
    memcpy(m, p, b.len);
    rv.body_len -= 1;
    cr_assert_eq(ns_row_decode(&rv, t, 2, (ns_value_t[2]){0}), -1);
    ns_buf_free(&b);
    /* random garbage never crashes and never claims more than avail */
    srand(7);
    for (int i = 0; i < 20000; i++) {
        uint8_t g[40];
        size_t n = (size_t)(rand() % 40);
        for (size_t j = 0; j < n; j++)
            g[j] = (uint8_t)rand();
        if (n >= 4 && rand() % 2)
            g[0] = (uint8_t)(rand() % 40), g[1] = g[2] = g[3] = 0;
        if (n >= 6 && rand() % 2)
            g[4] = (uint8_t)(rand() % 40), g[5] = 0;
        int r = ns_row_view(g, n, &rv);
        if (r == 0) {
            cr_assert_leq(rv.total_len, n);
            ns_value_t out[2];
            (void)ns_row_decode(&rv, t, 2, out);
        }
    }
}

/* ---- parsers ---- */

#define PARSE_OK(fn, text, want)                                                              \
    do {                                                                                      \
        int64_t got_ = 0;                                                                     \
        ns_err_t e_ = {{0}};                                                                  \
        cr_assert_eq(fn(text, strlen(text), &got_, &e_), 0, "%s('%s'): %s", #fn, text, e_.msg); \
        cr_assert_eq(got_, (int64_t)(want), "%s('%s') = %lld", #fn, text, (long long)got_);    \
    } while (0)

#define PARSE_BAD(fn, text)                                                                   \
    do {                                                                                      \
        int64_t got_ = 0;                                                                     \
        ns_err_t e_ = {{0}};                                                                  \
        cr_assert_eq(fn(text, strlen(text), &got_, &e_), -1, "%s('%s') accepted", #fn, text); \
        cr_assert_neq(e_.msg[0], '\0');                                                       \
    } while (0)

Test(parse, int)
{
    PARSE_OK(ns_parse_int, "0", 0);
    PARSE_OK(ns_parse_int, "-0", 0);
    PARSE_OK(ns_parse_int, "+17", 17);
    PARSE_OK(ns_parse_int, "-17", -17);
    PARSE_OK(ns_parse_int, "007", 7);
    PARSE_OK(ns_parse_int, "9223372036854775807", INT64_MAX);
    PARSE_OK(ns_parse_int, "-9223372036854775808", INT64_MIN);
    PARSE_OK(ns_parse_int, "000000000000000000000000000000001", 1);
    PARSE_BAD(ns_parse_int, "");
    PARSE_BAD(ns_parse_int, "-");
    PARSE_BAD(ns_parse_int, "+");
    PARSE_BAD(ns_parse_int, "1.0");
    PARSE_BAD(ns_parse_int, " 1");
    PARSE_BAD(ns_parse_int, "1 ");
    PARSE_BAD(ns_parse_int, "1e3");
    PARSE_BAD(ns_parse_int, "0x10");
    PARSE_BAD(ns_parse_int, "--1");
    PARSE_BAD(ns_parse_int, "9223372036854775808");
    PARSE_BAD(ns_parse_int, "-9223372036854775809");
    PARSE_BAD(ns_parse_int, "99999999999999999999999");
    /* the length is honoured: digits past n are not read */
    int64_t x;
    cr_assert_eq(ns_parse_int("12x", 2, &x, NULL), 0);
    cr_assert_eq(x, 12);
    ns_err_t e;
    cr_assert_eq(ns_parse_int("12a", 3, &x, &e), -1);
    cr_assert_str_eq(e.msg, "bad int '12a'");
}

static int s_dec2(const char *s, size_t n, int64_t *out, ns_err_t *err)
{
    return ns_parse_decimal(s, n, 2, out, err);
}

static int s_dec0(const char *s, size_t n, int64_t *out, ns_err_t *err)
{
    return ns_parse_decimal(s, n, 0, out, err);
}

static int s_dec18(const char *s, size_t n, int64_t *out, ns_err_t *err)
{
    return ns_parse_decimal(s, n, 18, out, err);
}

Test(parse, decimal)
{
    PARSE_OK(s_dec2, "12.5", 1250);
    PARSE_OK(s_dec2, "-12.50", -1250);
    PARSE_OK(s_dec2, "+3", 300);
    PARSE_OK(s_dec2, "3.", 300);
    PARSE_OK(s_dec2, ".5", 50);
    PARSE_OK(s_dec2, "0.004", 0);
    PARSE_OK(s_dec2, "0.005", 1);
    PARSE_OK(s_dec2, "-0.005", -1);
    PARSE_OK(s_dec2, "-0.0049999", 0);
    PARSE_OK(s_dec2, "1.2345", 123);
    PARSE_OK(s_dec2, "1.2350", 124);
    PARSE_OK(s_dec2, "-1.235", -124);
    PARSE_OK(s_dec2, "9.999", 1000);
    PARSE_OK(s_dec2, "92233720368547758.07", INT64_MAX);
    PARSE_OK(s_dec2, "-92233720368547758.08", INT64_MIN);
    PARSE_OK(s_dec0, "2.5", 3);
    PARSE_OK(s_dec0, "-2.5", -3);
    PARSE_OK(s_dec0, "2.49", 2);
    PARSE_OK(s_dec0, "9223372036854775807", INT64_MAX);
    PARSE_OK(s_dec18, "1.5", 1500000000000000000LL);
    PARSE_OK(s_dec18, "-9.223372036854775808", INT64_MIN);
    PARSE_BAD(s_dec2, "");
    PARSE_BAD(s_dec2, ".");
    PARSE_BAD(s_dec2, "-");
    PARSE_BAD(s_dec2, "-.");
    PARSE_BAD(s_dec2, "1.2.3");
    PARSE_BAD(s_dec2, "1,5");
    PARSE_BAD(s_dec2, "1e5");
    PARSE_BAD(s_dec2, " 1");
    PARSE_BAD(s_dec2, "1.5x");
    PARSE_BAD(s_dec2, "1.5555x");
    PARSE_BAD(s_dec2, "92233720368547758.08");
    PARSE_BAD(s_dec2, "92233720368547758.075"); /* rounds up past the maximum */
    PARSE_BAD(s_dec2, "100000000000000000");
    PARSE_BAD(s_dec18, "10");
    PARSE_BAD(s_dec0, "9223372036854775807.5");
    int64_t x;
    ns_err_t e;
    cr_assert_eq(ns_parse_decimal("1.2.3", 5, 2, &x, &e), -1);
    cr_assert_str_eq(e.msg, "bad decimal '1.2.3'");
    cr_assert_eq(ns_parse_decimal("1", 1, 19, &x, &e), -1);
    cr_assert_eq(ns_parse_decimal("1", 1, -1, &x, &e), -1);
}

Test(parse, date)
{
    PARSE_OK(ns_parse_date, "1970-01-01", 0);
    PARSE_OK(ns_parse_date, "1969-12-31", -1);
    PARSE_OK(ns_parse_date, "2000-03-01", 11017);
    PARSE_OK(ns_parse_date, "2026-11-24", 20781);
    PARSE_OK(ns_parse_date, "2024-02-29", 19782);
    PARSE_OK(ns_parse_date, "2000-02-29", 11016);
    PARSE_OK(ns_parse_date, "0001-01-01", -719162);
    PARSE_OK(ns_parse_date, "9999-12-31", 2932896);
    PARSE_BAD(ns_parse_date, "2026-13-01");
    PARSE_BAD(ns_parse_date, "2026-00-01");
    PARSE_BAD(ns_parse_date, "2026-01-00");
    PARSE_BAD(ns_parse_date, "2026-04-31");
    PARSE_BAD(ns_parse_date, "2023-02-29");
    PARSE_BAD(ns_parse_date, "1900-02-29");
    PARSE_BAD(ns_parse_date, "0000-01-01");
    PARSE_BAD(ns_parse_date, "2026-1-01");
    PARSE_BAD(ns_parse_date, "2026/01/01");
    PARSE_BAD(ns_parse_date, "2026-01-01 ");
    PARSE_BAD(ns_parse_date, "20260101"); /* basic format: only with date_format */
    PARSE_BAD(ns_parse_date, "");
    PARSE_BAD(ns_parse_date, "abcd-ef-gh");
    PARSE_BAD(ns_parse_date, "2026-+1-01");
    ns_err_t e;
    int64_t d;
    cr_assert_eq(ns_parse_date("2026-13-01", 10, &d, &e), -1);
    cr_assert_str_eq(e.msg, "bad date '2026-13-01'");
}

Test(parse, timestamp)
{
    const int64_t base = 20781LL * 86400 * 1000000; /* 2026-11-24 */
    const int64_t t19 = base + (19LL * 3600 + 42 * 60 + 7) * 1000000;
    PARSE_OK(ns_parse_timestamp, "2026-11-24 19:42:07", t19);
    PARSE_OK(ns_parse_timestamp, "2026-11-24T19:42:07", t19);
    PARSE_OK(ns_parse_timestamp, "2026-11-24T19:42:07Z", t19);
    PARSE_OK(ns_parse_timestamp, "2026-11-24T19:42:07+00:00", t19);
    PARSE_OK(ns_parse_timestamp, "2026-11-24T21:42:07+02:00", t19);
    PARSE_OK(ns_parse_timestamp, "2026-11-24T14:12:07-05:30", t19);
    PARSE_OK(ns_parse_timestamp, "2026-11-25T01:12:07+05:30", t19);
    PARSE_OK(ns_parse_timestamp, "2026-11-24 19:42:07.5", t19 + 500000);
    PARSE_OK(ns_parse_timestamp, "2026-11-24 19:42:07.000001", t19 + 1);
    PARSE_OK(ns_parse_timestamp, "2026-11-24 19:42:07.123456789", t19 + 123456);
    PARSE_OK(ns_parse_timestamp, "2026-11-24 19:42:07.25Z", t19 + 250000);
    PARSE_OK(ns_parse_timestamp, "1970-01-01 00:00:00", 0);
    PARSE_OK(ns_parse_timestamp, "1969-12-31 23:59:59.999999", -1);
    PARSE_OK(ns_parse_timestamp, "0001-01-01 00:00:00", -62135596800LL * 1000000);
    PARSE_BAD(ns_parse_timestamp, "2026-11-24");
    PARSE_BAD(ns_parse_timestamp, "2026-11-24 24:00:00");
    PARSE_BAD(ns_parse_timestamp, "2026-11-24 23:60:00");
    PARSE_BAD(ns_parse_timestamp, "2026-11-24 23:00:60");
    PARSE_BAD(ns_parse_timestamp, "2026-11-24X19:42:07");
    PARSE_BAD(ns_parse_timestamp, "2026-11-24 19:42");
    PARSE_BAD(ns_parse_timestamp, "2026-11-24 19:42:07.");
    PARSE_BAD(ns_parse_timestamp, "2026-11-24 19:42:07.1234567890");
    PARSE_BAD(ns_parse_timestamp, "2026-11-24 19:42:07 ");
    PARSE_BAD(ns_parse_timestamp, "2026-11-24 19:42:07+0200");
    PARSE_BAD(ns_parse_timestamp, "2026-11-24 19:42:07+02");
    PARSE_BAD(ns_parse_timestamp, "2026-11-24 19:42:07+19:00");
    PARSE_BAD(ns_parse_timestamp, "2026-11-24 19:42:07+02:60");
    PARSE_BAD(ns_parse_timestamp, "2026-11-24 19:42:07ZZ");
    PARSE_BAD(ns_parse_timestamp, "2026-02-30 19:42:07");
    PARSE_BAD(ns_parse_timestamp, "2026-11-24 1a:42:07");
    PARSE_BAD(ns_parse_timestamp, "");
}

Test(parse, utc_offset)
{
    int s = 123;
    ns_err_t e;
    cr_assert_eq(ns_parse_utc_offset("Z", 1, &s, &e), 0);
    cr_assert_eq(s, 0);
    cr_assert_eq(ns_parse_utc_offset("+05:30", 6, &s, &e), 0);
    cr_assert_eq(s, 19800);
    cr_assert_eq(ns_parse_utc_offset("-08:00", 6, &s, &e), 0);
    cr_assert_eq(s, -28800);
    cr_assert_eq(ns_parse_utc_offset("+14:00", 6, &s, &e), 0);
    cr_assert_eq(s, 50400);
    cr_assert_eq(ns_parse_utc_offset("-00:00", 6, &s, &e), 0);
    cr_assert_eq(s, 0);
    const char *bad[] = {"", "+5:30", "05:30", "+0530", "+05:3", "+05:60", "+19:00", "+05:30 ",
                         "ZZ", "+aa:bb", "UTC"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e.msg[0] = '\0';
        cr_assert_eq(ns_parse_utc_offset(bad[i], strlen(bad[i]), &s, &e), -1, "'%s'", bad[i]);
        cr_assert_neq(e.msg[0], '\0');
    }
    cr_assert_eq(ns_parse_utc_offset("+05:6", 5, &s, &e), -1);
    cr_assert_str_eq(e.msg, "bad utc offset '+05:6'");
}

Test(parse, bool)
{
    const char *yes[] = {"t", "T", "true", "TRUE", "True", "1", "y", "yes", "YES"};
    const char *no[] = {"f", "F", "false", "FALSE", "0", "n", "no", "No"};
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
        PARSE_OK(ns_parse_bool, yes[i], 1);
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
        PARSE_OK(ns_parse_bool, no[i], 0);
    PARSE_BAD(ns_parse_bool, "");
    PARSE_BAD(ns_parse_bool, "2");
    PARSE_BAD(ns_parse_bool, "tru");
    PARSE_BAD(ns_parse_bool, "truee");
    PARSE_BAD(ns_parse_bool, "yess");
    PARSE_BAD(ns_parse_bool, " true");
    PARSE_BAD(ns_parse_bool, "falsehood");
}

Test(parse, coltype)
{
    ns_coltype_t t;
    ns_err_t e;
    struct {
        const char *text;
        ns_type_t type;
        int scale;
    } ok[] = {
        {"string", NS_T_STRING, 0},      {"int", NS_T_INT, 0},
        {"date", NS_T_DATE, 0},          {"timestamp", NS_T_TIMESTAMP, 0},
        {"bool", NS_T_BOOL, 0},          {"decimal(12,2)", NS_T_DECIMAL, 2},
        {"decimal(18, 18)", NS_T_DECIMAL, 18}, {"decimal(5)", NS_T_DECIMAL, 0},
        {"DECIMAL(12,4)", NS_T_DECIMAL, 4},   {"Int", NS_T_INT, 0},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        cr_assert_eq(ns_coltype_parse(ok[i].text, &t, &e), 0, "%s: %s", ok[i].text, e.msg);
        cr_assert_eq(t.type, ok[i].type, "%s", ok[i].text);
        cr_assert_eq(t.scale, ok[i].scale, "%s", ok[i].text);
    }
    const char *bad[] = {"", "integer", "str", "decimal", "decimal()", "decimal(12,2",
                         "decimal(19,2)", "decimal(2,3)", "decimal(0,0)", "decimal(12,2)x",
                         "decimal(1234,2)", "decimal(-1,2)", "decimal(a,b)", "int "};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        e.msg[0] = '\0';
        cr_assert_eq(ns_coltype_parse(bad[i], &t, &e), -1, "'%s' accepted", bad[i]);
        cr_assert_neq(e.msg[0], '\0');
    }
    cr_assert_str_eq(ns_type_name(NS_T_DECIMAL), "decimal");
    cr_assert_str_eq(ns_type_name(NS_T_STRING), "string");
    cr_assert_str_eq(ns_type_name(NS_T_INT), "int");
    cr_assert_str_eq(ns_type_name(NS_T_DATE), "date");
    cr_assert_str_eq(ns_type_name(NS_T_TIMESTAMP), "timestamp");
    cr_assert_str_eq(ns_type_name(NS_T_BOOL), "bool");
}

/* ---- formatting ---- */

static void s_fmt_is(ns_type_t type, int scale, ns_value_t v, const char *want)
{
    ns_coltype_t t = {type, scale};
    char out[128];
    memset(out, '#', sizeof out);
    size_t n = ns_format_value(&t, &v, out, sizeof out);
    cr_assert_eq(n, strlen(want), "format %s: got '%.*s' want '%s'", ns_type_name(type), (int)n,
                 out, want);
    cr_assert_eq(memcmp(out, want, n), 0, "got '%.*s' want '%s'", (int)n, out, want);
    cr_assert_eq(out[n], '#', "wrote past the value");
}

Test(format, each_type)
{
    s_fmt_is(NS_T_INT, 0, s_int(0), "0");
    s_fmt_is(NS_T_INT, 0, s_int(-42), "-42");
    s_fmt_is(NS_T_INT, 0, s_int(INT64_MIN), "-9223372036854775808");
    s_fmt_is(NS_T_INT, 0, s_int(INT64_MAX), "9223372036854775807");
    s_fmt_is(NS_T_DECIMAL, 2, s_int(-1250), "-12.50");
    s_fmt_is(NS_T_DECIMAL, 2, s_int(5), "0.05");
    s_fmt_is(NS_T_DECIMAL, 2, s_int(-5), "-0.05");
    s_fmt_is(NS_T_DECIMAL, 2, s_int(0), "0.00");
    s_fmt_is(NS_T_DECIMAL, 0, s_int(-7), "-7");
    s_fmt_is(NS_T_DECIMAL, 4, s_int(123456789), "12345.6789");
    s_fmt_is(NS_T_DECIMAL, 2, s_int(INT64_MIN), "-92233720368547758.08");
    s_fmt_is(NS_T_DECIMAL, 18, s_int(INT64_MAX), "9.223372036854775807");
    s_fmt_is(NS_T_DATE, 0, s_int(20781), "2026-11-24");
    s_fmt_is(NS_T_DATE, 0, s_int(0), "1970-01-01");
    s_fmt_is(NS_T_DATE, 0, s_int(-1), "1969-12-31");
    s_fmt_is(NS_T_DATE, 0, s_int(-719162), "0001-01-01");
    s_fmt_is(NS_T_DATE, 0, s_int(2932896), "9999-12-31");
    const int64_t t19 = 20781LL * 86400000000LL + (19LL * 3600 + 42 * 60 + 7) * 1000000;
    s_fmt_is(NS_T_TIMESTAMP, 0, s_int(t19), "2026-11-24 19:42:07");
    s_fmt_is(NS_T_TIMESTAMP, 0, s_int(t19 + 500000), "2026-11-24 19:42:07.500000");
    s_fmt_is(NS_T_TIMESTAMP, 0, s_int(t19 + 1), "2026-11-24 19:42:07.000001");
    s_fmt_is(NS_T_TIMESTAMP, 0, s_int(-1), "1969-12-31 23:59:59.999999");
    s_fmt_is(NS_T_TIMESTAMP, 0, s_int(0), "1970-01-01 00:00:00");
    s_fmt_is(NS_T_BOOL, 0, s_int(1), "t");
    s_fmt_is(NS_T_BOOL, 0, s_int(0), "f");
    s_fmt_is(NS_T_STRING, 0, s_str("a|b\\c", 5), "a|b\\c");
    s_fmt_is(NS_T_STRING, 0, s_str("", 0), "");
    s_fmt_is(NS_T_INT, 0, s_null(), "");
    /* extreme values format without crashing */
    char out[64];
    ns_coltype_t td = {NS_T_DATE, 0}, tt = {NS_T_TIMESTAMP, 0};
    ns_value_t ext[] = {s_int(INT64_MIN), s_int(INT64_MAX)};
    for (int i = 0; i < 2; i++) {
        cr_assert_gt(ns_format_value(&td, &ext[i], out, sizeof out), 0);
        cr_assert_gt(ns_format_value(&tt, &ext[i], out, sizeof out), 0);
    }
}

Test(format, respects_cap)
{
    ns_coltype_t t = {NS_T_DATE, 0};
    ns_value_t v = s_int(20781);
    char out[8];
    memset(out, '#', sizeof out);
    size_t n = ns_format_value(&t, &v, out, 4);
    cr_assert_eq(n, 4);
    cr_assert_eq(memcmp(out, "2026####", 8), 0);
    ns_coltype_t ts = {NS_T_STRING, 0};
    ns_value_t sv = s_str("abcdef", 6);
    memset(out, '#', sizeof out);
    cr_assert_eq(ns_format_value(&ts, &sv, out, 3), 3);
    cr_assert_eq(memcmp(out, "abc#", 4), 0);
    cr_assert_eq(ns_format_value(&ts, &sv, out, 0), 0);
}

Test(format, parse_round_trip)
{
    const char *ts[] = {"2026-11-24 19:42:07", "1999-12-31 23:59:59.999999", "0001-01-01 00:00:00",
                        "9999-12-31 23:59:59.000001", "2024-02-29 12:00:00.100000"};
    ns_coltype_t tt = {NS_T_TIMESTAMP, 0};
    for (size_t i = 0; i < sizeof ts / sizeof ts[0]; i++) {
        int64_t us;
        cr_assert_eq(ns_parse_timestamp(ts[i], strlen(ts[i]), &us, NULL), 0);
        char out[64];
        ns_value_t v = s_int(us);
        size_t n = ns_format_value(&tt, &v, out, sizeof out);
        cr_assert_eq(n, strlen(ts[i]));
        cr_assert_eq(memcmp(out, ts[i], n), 0, "%s -> %.*s", ts[i], (int)n, out);
    }
    const char *decs[] = {"0.00", "-0.01", "123.45", "-92233720368547758.08"};
    ns_coltype_t tdc = {NS_T_DECIMAL, 2};
    for (size_t i = 0; i < sizeof decs / sizeof decs[0]; i++) {
        int64_t x;
        cr_assert_eq(ns_parse_decimal(decs[i], strlen(decs[i]), 2, &x, NULL), 0);
        char out[64];
        ns_value_t v = s_int(x);
        size_t n = ns_format_value(&tdc, &v, out, sizeof out);
        cr_assert_eq(n, strlen(decs[i]));
        cr_assert_eq(memcmp(out, decs[i], n), 0);
    }
}

/* ---- civil dates ---- */

Test(civil, round_trip_wide_range)
{
    int py = 0;
    unsigned pm = 0, pd = 0;
    ns_civil_from_days(-800000, &py, &pm, &pd);
    for (int64_t days = -800000; days <= 3000000; days++) {
        int y;
        unsigned m, d;
        ns_civil_from_days(days, &y, &m, &d);
        cr_assert(m >= 1 && m <= 12 && d >= 1 && d <= 31);
        if (ns_days_from_civil(y, m, d) != days)
            cr_assert_fail("days %lld -> %d-%u-%u", (long long)days, y, m, d);
        if (days > -800000) {
            /* consecutive days advance the calendar by exactly one day */
            int next_day = (y == py && m == pm && d == pd + 1);
            int next_month = (y == py && m == pm + 1 && d == 1);
            int next_year = (y == py + 1 && m == 1 && d == 1 && pm == 12 && pd == 31);
            if (!(next_day || next_month || next_year))
                cr_assert_fail("%d-%u-%u follows %d-%u-%u", y, m, d, py, pm, pd);
        }
        py = y;
        pm = m;
        pd = d;
    }
    /* far away in both directions */
    int years[] = {-1000000, -4713, -1, 0, 1, 1582, 1900, 2000, 2100, 100000, 1000000};
    for (size_t i = 0; i < sizeof years / sizeof years[0]; i++) {
        int64_t days = ns_days_from_civil(years[i], 2, 28);
        int y;
        unsigned m, d;
        ns_civil_from_days(days, &y, &m, &d);
        cr_assert_eq(y, years[i]);
        cr_assert_eq(m, 2);
        cr_assert_eq(d, 28);
    }
    cr_assert_eq(ns_days_from_civil(1970, 1, 1), 0);
    cr_assert_eq(ns_days_from_civil(2000, 3, 1), 11017);
}
