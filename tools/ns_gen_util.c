/*
 * ns_gen_util: the generator's plumbing (see ns_gen_int.h): seeded PRNG
 * streams and the few distributions the models need, calendar arithmetic
 * without the C library's time functions (no time zone database, no clock),
 * the eleven time zones the world uses with their daylight saving rules,
 * number formats of the feeds, and the in-memory file that is encoded,
 * gzipped, possibly damaged and written through the object store.
 */
#include "ns_gen_int.h"

#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

/* ------------------------------------------------------------------ PRNG */

static uint64_t s_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

static uint64_t s_mix5(uint64_t seed, uint64_t a, uint64_t b, uint64_t c, uint64_t tag)
{
    uint64_t in[5] = {seed, a, b, c, tag};
    uint64_t h = 0x6e69676874736866ULL; /* "nightshf" */
    for (int i = 0; i < 5; i++) {
        uint64_t x = h ^ in[i];
        h = s_splitmix(&x);
    }
    return h;
}

void ns_gen_rng_seed(ns_gen_rng_t *r, uint64_t seed, uint64_t a, uint64_t b, uint64_t c,
                     uint64_t tag)
{
    uint64_t x = s_mix5(seed, a, b, c, tag);
    for (int i = 0; i < 4; i++)
        r->s[i] = s_splitmix(&x);
}

double ns_gen_hash01(uint64_t seed, uint64_t a, uint64_t b, uint64_t c, uint64_t tag)
{
    uint64_t x = s_mix5(seed, a, b, c, tag);
    return (double)(s_splitmix(&x) >> 11) * (1.0 / 9007199254740992.0);
}

double ns_gen_normal(ns_gen_rng_t *r)
{
    double u1 = ns_gen_unif(r), u2 = ns_gen_unif(r);
    if (u1 < 1e-300)
        u1 = 1e-300;
    return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

int64_t ns_gen_poisson(ns_gen_rng_t *r, double lambda)
{
    if (!(lambda > 0))
        return 0;
    if (lambda > 60) {
        double x = lambda + sqrt(lambda) * ns_gen_normal(r) + 0.5;
        return x < 0 ? 0 : (int64_t)x;
    }
    double l = exp(-lambda), p = ns_gen_unif(r);
    int64_t k = 0;
    double acc = l;
    while (p > acc && k < 1000) {
        k++;
        l *= lambda / (double)k;
        acc += l;
    }
    return k;
}

int64_t ns_gen_binomial(ns_gen_rng_t *r, int64_t n, double p)
{
    if (n <= 0 || !(p > 0))
        return 0;
    if (p >= 1)
        return n;
    if (n <= 400) {
        int64_t k = 0;
        for (int64_t i = 0; i < n; i++)
            k += ns_gen_chance(r, p);
        return k;
    }
    double mean = (double)n * p, sd = sqrt(mean * (1 - p));
    double x = mean + sd * ns_gen_normal(r) + 0.5;
    if (x < 0)
        x = 0;
    if (x > (double)n)
        x = (double)n;
    return (int64_t)x;
}

int64_t ns_gen_round_random(ns_gen_rng_t *r, double x)
{
    if (!(x > 0))
        return 0;
    double f = floor(x);
    return (int64_t)f + (ns_gen_unif(r) < x - f);
}

/* ----------------------------------------------------------------- dates */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
int64_t ns_gen_days(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

void ns_gen_civil(int64_t z, int *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

int ns_gen_weekday(int64_t days)
{
    int64_t w = (days + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

int64_t ns_gen_floordiv(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

int64_t ns_gen_sunday(int y, int m, int n)
{
    if (n > 0) {
        int64_t first = ns_gen_days(y, m, 1);
        return first + (7 - ns_gen_weekday(first)) % 7 + 7 * (n - 1);
    }
    int64_t last = ns_gen_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1;
    return last - ns_gen_weekday(last);
}

int64_t ns_gen_thanksgiving(int y)
{
    int64_t t = ns_gen_days(y, 11, 1);
    return t + (4 - ns_gen_weekday(t) + 7) % 7 + 21;
}

int ns_gen_parse_date(const char *s, int64_t *days)
{
    if (!s || strlen(s) != 10 || s[4] != '-' || s[7] != '-')
        return -1;
    for (int i = 0; i < 10; i++)
        if (i != 4 && i != 7 && (s[i] < '0' || s[i] > '9'))
            return -1;
    int y = atoi(s), m = atoi(s + 5), d = atoi(s + 8);
    if (y < 1971 || y > 9990 || m < 1 || m > 12 || d < 1)
        return -1;
    static const int mdays[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    if (d > mdays[m - 1] + (m == 2 && leap))
        return -1;
    *days = ns_gen_days(y, m, d);
    return 0;
}

int64_t ns_gen_iso_monday(int64_t day)
{
    return day - (ns_gen_weekday(day) + 6) % 7;
}

void ns_gen_iso_week(int64_t day, int *year, int *week)
{
    int64_t thu = ns_gen_iso_monday(day) + 3; /* the Thursday decides the year */
    int y, m, d;
    ns_gen_civil(thu, &y, &m, &d);
    *year = y;
    *week = (int)((thu - ns_gen_days(y, 1, 1)) / 7) + 1;
}

int ns_gen_yday(int64_t day)
{
    int y, m, d;
    ns_gen_civil(day, &y, &m, &d);
    return (int)(day - ns_gen_days(y, 1, 1));
}

void ns_gen_fmt_date(char *out, size_t cap, int64_t day, int style)
{
    static const char *const mon[12] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                        "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    int y, m, d;
    ns_gen_civil(day, &y, &m, &d);
    switch (style) {
    case NS_GEN_DATE_COMPACT: snprintf(out, cap, "%04d%02d%02d", y, m, d); break;
    case NS_GEN_DATE_US: snprintf(out, cap, "%02d/%02d/%04d", m, d, y); break;
    case NS_GEN_DATE_YYMMDD: snprintf(out, cap, "%02d%02d%02d", y % 100, m, d); break;
    case NS_GEN_DATE_LONG: snprintf(out, cap, "%s %d, %04d", mon[m - 1], d, y); break;
    default: snprintf(out, cap, "%04d-%02d-%02d", y, m, d); break;
    }
}

/* ------------------------------------------------------------ time zones */

enum { S_RULE_US, S_RULE_EU };

typedef struct {
    const char *name; /* IANA name */
    int std_min;      /* standard offset from UTC, minutes */
    int rule;         /* S_RULE_* daylight saving rule */
} s_zone_t;

static const s_zone_t s_zones[NS_GEN_NZONE] = {
    {"America/New_York", -300, S_RULE_US},  {"America/Chicago", -360, S_RULE_US},
    {"America/Denver", -420, S_RULE_US},    {"America/Los_Angeles", -480, S_RULE_US},
    {"America/Toronto", -300, S_RULE_US},   {"America/Vancouver", -480, S_RULE_US},
    {"Europe/London", 0, S_RULE_EU},        {"Europe/Berlin", 60, S_RULE_EU},
    {"Europe/Paris", 60, S_RULE_EU},        {"Europe/Amsterdam", 60, S_RULE_EU},
    {"Europe/Madrid", 60, S_RULE_EU},
};

const char *ns_gen_zone_name(int zone)
{
    return s_zones[zone].name;
}

static bool s_is_dst(const s_zone_t *z, int64_t utc)
{
    int y, m, d;
    ns_gen_civil(ns_gen_floordiv(utc, 86400), &y, &m, &d);
    int64_t start, end;
    if (z->rule == S_RULE_US) { /* 2nd Sunday of March 02:00 std .. 1st Sunday of November 02:00 dst */
        start = ns_gen_sunday(y, 3, 2) * 86400 + 2 * 3600 - z->std_min * 60;
        end = ns_gen_sunday(y, 11, 1) * 86400 + 2 * 3600 - (z->std_min + 60) * 60;
    } else { /* last Sunday of March .. last Sunday of October, 01:00 UTC */
        start = ns_gen_sunday(y, 3, 0) * 86400 + 3600;
        end = ns_gen_sunday(y, 10, 0) * 86400 + 3600;
    }
    return utc >= start && utc < end;
}

int ns_gen_zone_local_offset(int zone, int64_t local, int *off_min)
{
    const s_zone_t *z = &s_zones[zone];
    if (!s_is_dst(z, local - z->std_min * 60)) {
        *off_min = z->std_min;
        return 0;
    }
    if (s_is_dst(z, local - (z->std_min + 60) * 60)) {
        *off_min = z->std_min + 60;
        return 0;
    }
    return -1;
}

int ns_gen_zone_utc_offset(int zone, int64_t utc)
{
    const s_zone_t *z = &s_zones[zone];
    return z->std_min + (s_is_dst(z, utc) ? 60 : 0);
}

/* ------------------------------------------------------------ formatting */

size_t ns_gen_fmt_int(char *out, int64_t v)
{
    char tmp[24];
    size_t n = 0, len = 0;
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do
        tmp[n++] = (char)('0' + a % 10);
    while ((a /= 10) != 0);
    if (v < 0)
        out[len++] = '-';
    while (n)
        out[len++] = tmp[--n];
    out[len] = '\0';
    return len;
}

void ns_gen_fmt_money(char *out, int64_t c)
{
    uint64_t a = c < 0 ? (uint64_t)0 - (uint64_t)c : (uint64_t)c;
    size_t len = 0;
    if (c < 0)
        out[len++] = '-';
    len += ns_gen_fmt_int(out + len, (int64_t)(a / 100));
    out[len++] = '.';
    out[len++] = (char)('0' + a % 100 / 10);
    out[len++] = (char)('0' + a % 10);
    out[len] = '\0';
}

/* Digits of a >= 0 with a comma every three. */
static size_t s_grouped(char *out, uint64_t a)
{
    char tmp[32];
    size_t n = 0, len = 0;
    int k = 0;
    do {
        if (k && k % 3 == 0)
            tmp[n++] = ',';
        tmp[n++] = (char)('0' + a % 10);
        k++;
    } while ((a /= 10) != 0);
    while (n)
        out[len++] = tmp[--n];
    out[len] = '\0';
    return len;
}

void ns_gen_fmt_thousands(char *out, int64_t v)
{
    size_t len = 0;
    uint64_t a = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    if (v < 0)
        out[len++] = '-';
    s_grouped(out + len, a);
}

void ns_gen_fmt_money_sign(char *out, int64_t c, const char *sign)
{
    uint64_t a = c < 0 ? (uint64_t)0 - (uint64_t)c : (uint64_t)c;
    size_t len = 0, sl = strlen(sign);
    if (c < 0)
        out[len++] = '-';
    memcpy(out + len, sign, sl);
    len += sl;
    len += s_grouped(out + len, a / 100);
    out[len++] = '.';
    out[len++] = (char)('0' + a % 100 / 10);
    out[len++] = (char)('0' + a % 10);
    out[len] = '\0';
}

void ns_gen_fmt_money_trim(char *out, int64_t c)
{
    ns_gen_fmt_money(out, c);
    size_t n = strlen(out);
    while (n > 0 && out[n - 1] == '0')
        n--;
    if (n > 0 && out[n - 1] == '.')
        n--;
    out[n] = '\0';
}

int64_t ns_gen_to_usd(int64_t local_cents, int64_t micros)
{
    int64_t p = local_cents * micros;
    int64_t a = p < 0 ? -p : p;
    int64_t q = (a + 500000) / 1000000;
    return p < 0 ? -q : q;
}

/* ---------------------------------------------------------------- output */

int ns_gen_file_begin(ns_gen_file_t *f, int src, bool gz, int enc, ns_err_t *err,
                      const char *keyfmt, ...)
{
    memset(f, 0, sizeof *f);
    ns_buf_init(&f->b, NS_GEN_FILE_MAX);
    f->src = src;
    f->gz = gz;
    f->enc = enc;
    va_list ap;
    va_start(ap, keyfmt);
    int n = vsnprintf(f->key, sizeof f->key, keyfmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof f->key)
        return ns_errf(err, "cannot name an object: key longer than %zu bytes", sizeof f->key);
    return 0;
}

int ns_gen_put(ns_gen_file_t *f, const char *s, size_t n, ns_err_t *err)
{
    if (ns_buf_append(&f->b, s, n) < 0)
        return ns_errf(err, "cannot build '%s': larger than %zu bytes or out of memory", f->key,
                       NS_GEN_FILE_MAX);
    return 0;
}

int ns_gen_puts(ns_gen_file_t *f, const char *s, ns_err_t *err)
{
    return ns_gen_put(f, s, strlen(s), err);
}

int ns_gen_printf(ns_gen_file_t *f, ns_err_t *err, const char *fmt, ...)
{
    char tmp[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0 || (size_t)n >= sizeof tmp)
        return ns_errf(err, "cannot build '%s': a record longer than %zu bytes", f->key, sizeof tmp);
    return ns_gen_put(f, tmp, (size_t)n, err);
}

int ns_gen_csv_field(ns_gen_file_t *f, const char *s, char sep, bool force, ns_err_t *err)
{
    bool q = force;
    for (const char *p = s; *p && !q; p++)
        q = *p == sep || *p == '"' || *p == '\r' || *p == '\n';
    if (!q)
        return ns_gen_puts(f, s, err);
    if (ns_gen_put(f, "\"", 1, err) < 0)
        return -1;
    for (const char *p = s; *p; p++) {
        if (*p == '"' && ns_gen_put(f, "\"", 1, err) < 0)
            return -1;
        if (ns_gen_put(f, p, 1, err) < 0)
            return -1;
    }
    return ns_gen_put(f, "\"", 1, err);
}

void ns_gen_file_discard(ns_gen_file_t *f)
{
    ns_buf_free(&f->b);
}

/* UTF-8 (as the generator writes it: BMP only) to UTF-16LE with a BOM. */
static int s_utf16(const ns_gen_file_t *f, ns_buf_t *out, ns_err_t *err)
{
    const unsigned char *p = (const unsigned char *)f->b.data;
    size_t n = f->b.len;
    if (ns_buf_append(out, "\xff\xfe", 2) < 0 || !ns_buf_reserve(out, n * 2))
        return ns_errf(err, "cannot build '%s': out of memory", f->key);
    for (size_t i = 0; i < n;) {
        unsigned cp = p[i];
        size_t k = 1;
        if (cp >= 0xe0 && i + 2 < n) {
            cp = ((cp & 0x0fu) << 12) | ((p[i + 1] & 0x3fu) << 6) | (p[i + 2] & 0x3fu);
            k = 3;
        } else if (cp >= 0xc0 && i + 1 < n) {
            cp = ((cp & 0x1fu) << 6) | (p[i + 1] & 0x3fu);
            k = 2;
        }
        char u[2] = {(char)(cp & 0xff), (char)(cp >> 8)};
        if (ns_buf_append(out, u, 2) < 0)
            return ns_errf(err, "cannot build '%s': out of memory", f->key);
        i += k;
    }
    return 0;
}

/* gzip (deterministic: no name, no mtime) of data into out. */
static int s_gzip(const char *key, const void *data, size_t n, int level, ns_buf_t *out,
                  ns_err_t *err)
{
    z_stream z;
    memset(&z, 0, sizeof z);
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        return ns_errf(err, "cannot compress '%s': deflateInit2 failed", key);
    const unsigned char *p = data;
    int rc = Z_OK;
    for (;;) {
        size_t chunk = n > (size_t)UINT_MAX / 2 ? (size_t)UINT_MAX / 2 : n;
        z.next_in = (unsigned char *)p;
        z.avail_in = (uInt)chunk;
        int flush = chunk == n ? Z_FINISH : Z_NO_FLUSH;
        do {
            char *dst = ns_buf_reserve(out, 65536);
            if (!dst) {
                deflateEnd(&z);
                return ns_errf(err, "cannot compress '%s': out of memory", key);
            }
            z.next_out = (unsigned char *)dst;
            z.avail_out = 65536;
            rc = deflate(&z, flush);
            if (rc == Z_STREAM_ERROR) {
                deflateEnd(&z);
                return ns_errf(err, "cannot compress '%s': deflate failed", key);
            }
            out->len += 65536 - z.avail_out;
        } while (z.avail_out == 0 || (flush == Z_FINISH && rc != Z_STREAM_END));
        p += chunk;
        n -= chunk;
        if (flush == Z_FINISH)
            break;
    }
    deflateEnd(&z);
    return 0;
}

int ns_gen_put_object(ns_gen_t *g, const char *key, const void *data, size_t len, ns_err_t *err)
{
    char uri[NS_URI_MAX];
    if (ns_uri_join(uri, g->o->out, key) < 0)
        return ns_errf(err, "cannot write '%s' under '%s': URI too long", key, g->o->out);
    ns_writer_t *w = ns_store_open_write(uri, err);
    if (!w)
        return -1;
    if (len && ns_writer_write(w, data, len, err) < 0) {
        ns_writer_abort(&w);
        return -1;
    }
    return ns_writer_commit(&w, err);
}

int ns_gen_file_commit(ns_gen_t *g, ns_gen_file_t *f, int damage, double cut, ns_err_t *err)
{
    ns_buf_t enc, gz;
    ns_buf_init(&enc, NS_GEN_FILE_MAX * 2 + 2);
    ns_buf_init(&gz, NS_GEN_FILE_MAX * 2 + 4096);
    const char *data = f->b.data ? f->b.data : "";
    size_t len = f->b.len;
    int rc = 0;
    if (f->enc == NS_GEN_ENC_UTF16LE) {
        rc = s_utf16(f, &enc, err);
        data = enc.data, len = enc.len;
    }
    size_t raw = len;
    if (rc == 0 && f->gz) {
        rc = s_gzip(f->key, data, len, g->o->gzip_level, &gz, err);
        data = gz.data, len = gz.len;
    }
    if (rc == 0) {
        if (damage == NS_GEN_EMPTY)
            len = 0;
        else if (damage == NS_GEN_TRUNCATE)
            len = (size_t)((double)len * (cut < 0.05 ? 0.05 : cut > 0.95 ? 0.95 : cut));
        rc = ns_gen_put_object(g, f->key, data, len, err);
    }
    if (rc == 0) {
        ns_gen_src_stats_t *s = &g->st->src[f->src];
        s->files++;
        s->records += f->records;
        s->bad_records += f->bad;
        s->bytes_raw += damage == NS_GEN_EMPTY ? 0 : raw;
        s->bytes_stored += len;
    }
    ns_buf_free(&enc);
    ns_buf_free(&gz);
    ns_buf_free(&f->b);
    return rc;
}
