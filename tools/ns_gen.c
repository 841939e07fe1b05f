/*
 * ns_gen: writes the own-store point-of-sale feed (see ns_gen.h and
 * SOURCES.md section 1).
 *
 * How a store's day is made:
 *   - the day plan (PRNG of seed, store, date, "plan") decides how many
 *     transactions each register rings up: ~600 per store per day at scale
 *     1.0, times a store size, a day-of-week and a season factor (Black
 *     Friday, December, closed on Christmas Day);
 *   - the clock (PRNG "time") spreads them over the opening hours with an
 *     afternoon peak; late stores trade until 01:30, and those transactions
 *     keep the business date of the day before; a local time that daylight
 *     saving skips is moved an hour earlier;
 *   - each transaction's contents come from its own PRNG (seed, store, date,
 *     register, seq), so any transaction of any day can be rebuilt alone:
 *     that is how a return finds a real original sale from up to 30 days
 *     before and returns one of its lines at the price that was paid;
 *   - malformed lines come from one more PRNG ("bad") and never change the
 *     valid content, so bad_rate 0 and 0.01 give the same good lines.
 * Products are chosen by popularity (category, style, size), raised for the
 * categories of the promotion running that day (a planted promotion lift);
 * promotions follow a fixed calendar (seasonal percentage discounts and a
 * weekend coupon). Money is kept in integer cents throughout.
 *
 * Workload: ~2,000 lines per store-day formatted into a 64 KiB buffer and
 * streamed through zlib into one object writer at a time.
 */
#include "ns_gen.h"

#include "ns_store.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define S_TXNS_PER_DAY 600.0 /* per store per day at scale 1.0 */
#define S_MAX_REGISTERS 6
#define S_MAX_PER_REGISTER 99999u /* txn_seq is 6 digits: base < 800001 */
#define S_MAX_ITEMS 8
#define S_MAX_LINES 32
#define S_OBUF (64 * 1024)
#define S_LINE_MAX 512
#define S_RETURN_DAYS 30

enum { S_TAG_PLAN = 1, S_TAG_TIME, S_TAG_TXN, S_TAG_BAD, S_TAG_STORE, S_TAG_CATALOG };
enum { S_SALE = 0, S_RETURN = 1 };
enum { S_BAD_FIELDS = 0, S_BAD_DATE, S_BAD_QTY, S_BAD_SKU, S_BAD_KINDS };

static const char *const s_header =
    "store_id|business_date|register_id|txn_seq|txn_type|txn_end_local|utc_offset|line_no|"
    "line_type|void_flag|sku|upc|qty|unit_price|ext_amount|disc_amount|promo_id|tender_type|"
    "currency|orig_txn_ref\n";

/* ------------------------------------------------------------------ PRNG */

static uint64_t s_splitmix(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

typedef struct {
    uint64_t s[4]; /* xoshiro256** state */
} s_rng_t;

static uint64_t s_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t s_next(s_rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = s_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = s_rotl(s[3], 45);
    return result;
}

/* A generator that depends only on its five inputs. */
static void s_rng_seed(s_rng_t *r, uint64_t seed, uint64_t a, uint64_t b, uint64_t c, uint64_t tag)
{
    uint64_t in[5] = {seed, a, b, c, tag};
    uint64_t h = 0x6e69676874736866ULL; /* "nightshf" */
    for (int i = 0; i < 5; i++) {
        uint64_t x = h ^ in[i];
        h = s_splitmix(&x);
    }
    uint64_t x = h;
    for (int i = 0; i < 4; i++)
        r->s[i] = s_splitmix(&x);
}

static uint64_t s_below(s_rng_t *r, uint64_t n)
{
    return n ? s_next(r) % n : 0;
}

static double s_unif(s_rng_t *r)
{
    return (double)(s_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static bool s_chance(s_rng_t *r, double p)
{
    return s_unif(r) < p;
}

/* ----------------------------------------------------------------- dates */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant). */
static int64_t s_days_from_civil(int y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void s_civil_from_days(int64_t z, int *y, int *m, int *d)
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

/* 0 = Sunday. */
static int s_weekday(int64_t days)
{
    int64_t w = (days + 4) % 7;
    return (int)(w < 0 ? w + 7 : w);
}

/* The nth (1-based) Sunday of a month, or the last one when n is 0. */
static int64_t s_sunday(int y, int m, int n)
{
    if (n > 0) {
        int64_t first = s_days_from_civil(y, m, 1);
        return first + (7 - s_weekday(first)) % 7 + 7 * (n - 1);
    }
    int64_t last = s_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1;
    return last - s_weekday(last);
}

static int64_t s_floordiv(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

/* Strict YYYY-MM-DD, years 1971..9990 (so every date the run touches,
 * returns included, prints with four digits). */
static int s_parse_date(const char *s, int64_t *days)
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
    *days = s_days_from_civil(y, m, d);
    return 0;
}

/* ------------------------------------------------------------ time zones */

enum { S_RULE_US, S_RULE_EU };

typedef struct {
    const char *name; /* IANA name */
    int std_min;      /* standard offset from UTC, minutes */
    int rule;         /* S_RULE_* daylight saving rule */
} s_zone_t;

static const s_zone_t s_zones[] = {
    {"America/New_York", -300, S_RULE_US},  {"America/Chicago", -360, S_RULE_US},
    {"America/Denver", -420, S_RULE_US},    {"America/Los_Angeles", -480, S_RULE_US},
    {"America/Toronto", -300, S_RULE_US},   {"America/Vancouver", -480, S_RULE_US},
    {"Europe/London", 0, S_RULE_EU},        {"Europe/Berlin", 60, S_RULE_EU},
    {"Europe/Paris", 60, S_RULE_EU},        {"Europe/Amsterdam", 60, S_RULE_EU},
    {"Europe/Madrid", 60, S_RULE_EU},
};
enum { S_Z_NY, S_Z_CHI, S_Z_DEN, S_Z_LA, S_Z_TOR, S_Z_VAN, S_Z_LON, S_Z_BER, S_Z_PAR, S_Z_AMS, S_Z_MAD };

/* Is daylight saving time in force in zone z at this UTC instant? */
static bool s_is_dst(const s_zone_t *z, int64_t utc)
{
    int y, m, d;
    s_civil_from_days(s_floordiv(utc, 86400), &y, &m, &d);
    int64_t start, end;
    if (z->rule == S_RULE_US) { /* 2nd Sunday of March 02:00 std .. 1st Sunday of November 02:00 dst */
        start = s_sunday(y, 3, 2) * 86400 + 2 * 3600 - z->std_min * 60;
        end = s_sunday(y, 11, 1) * 86400 + 2 * 3600 - (z->std_min + 60) * 60;
    } else { /* last Sunday of March .. last Sunday of October, 01:00 UTC */
        start = s_sunday(y, 3, 0) * 86400 + 3600;
        end = s_sunday(y, 10, 0) * 86400 + 3600;
    }
    return utc >= start && utc < end;
}

/* The UTC offset (minutes) of a local wall-clock time (seconds since the
 * epoch as if local were UTC); -1 if the time does not exist (skipped by
 * the spring change). An ambiguous time takes the standard offset. */
static int s_local_offset(const s_zone_t *z, int64_t local, int *off_min)
{
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

/* ---------------------------------------------------------------- stores */

static const char *const s_currency_codes[4] = {"USD", "CAD", "GBP", "EUR"};
static const int s_currency_pct[4] = {100, 135, 80, 93}; /* local list price per 100 USD */

typedef struct {
    ns_gen_store_t pub;   /* what ns_gen_store_info tells */
    const s_zone_t *zone; /* its time zone */
    double size;          /* traffic factor, 0.6..1.4 */
    int open_hour;        /* 9 or 10 */
    int close_hour;       /* 21 or 22; late stores 25 (and half of hour 25) */
} s_store_t;

static int s_store(int id, s_store_t *st)
{
    if (id < 1 || id > 9999)
        return -1;
    memset(st, 0, sizeof *st);
    s_rng_t r;
    s_rng_seed(&r, 0x53544f5245ULL, (uint64_t)id, 0, 0, S_TAG_STORE);
    /* the country by id, so that any 20 consecutive ids hold every currency
     * (15 US, 2 CA, 1 GB, 2 euro); the zone within it at random */
    double v = s_unif(&r);
    int zone, cur, rem = id % 20;
    const char *country;
    if (rem == 3 || rem == 11) {
        country = "CA";
        cur = 1;
        zone = v < 0.7 ? S_Z_TOR : S_Z_VAN;
    } else if (rem == 7) {
        country = "GB";
        cur = 2;
        zone = S_Z_LON;
    } else if (rem == 15 || rem == 18) {
        static const char *const eu[4] = {"DE", "FR", "NL", "ES"};
        int k = (int)(v * 4);
        k = k > 3 ? 3 : k;
        country = eu[k];
        cur = 3;
        zone = S_Z_BER + k;
    } else {
        country = "US";
        cur = 0;
        zone = v < 0.45 ? S_Z_NY : v < 0.75 ? S_Z_CHI : v < 0.85 ? S_Z_DEN : S_Z_LA;
    }
    st->pub.id = id;
    memcpy(st->pub.country, country, 3);
    st->pub.currency = cur;
    st->pub.currency_code = s_currency_codes[cur];
    st->zone = &s_zones[zone];
    st->pub.tz = st->zone->name;
    st->size = 0.6 + 0.8 * s_unif(&r);
    st->pub.registers = 2 + (int)s_below(&r, 3) + (st->size > 1.0) + (st->size > 1.25);
    st->pub.late = s_chance(&r, 0.2);
    st->open_hour = s_chance(&r, 0.5) ? 9 : 10;
    st->close_hour = st->pub.late ? 25 : s_chance(&r, 0.5) ? 21 : 22;
    return 0;
}

int ns_gen_store_info(int id, ns_gen_store_t *out)
{
    s_store_t st;
    if (s_store(id, &st) < 0)
        return -1;
    *out = st.pub;
    return 0;
}

/* --------------------------------------------------------------- catalog */

enum { S_SZ_A4, S_SZ_A5, S_SZ_XS4, S_SZ_WAIST, S_SZ_OS };

typedef struct {
    const char *code;  /* sku prefix */
    int64_t min, max;  /* USD list price range, cents */
    int sizes;         /* S_SZ_* */
    double weight;     /* popularity */
} s_category_t;

static const s_category_t s_categories[] = {
    {"TEE", 990, 2490, S_SZ_A4, 1.6},    {"SHR", 2990, 5990, S_SZ_A4, 1.0},
    {"DRS", 4990, 9990, S_SZ_A5, 1.0},   {"SKT", 2990, 5990, S_SZ_XS4, 0.6},
    {"JNS", 3990, 8990, S_SZ_WAIST, 1.2}, {"PNT", 3490, 6990, S_SZ_WAIST, 0.8},
    {"SHO", 1990, 3990, S_SZ_A4, 0.6},   {"SWT", 3990, 7990, S_SZ_A4, 0.8},
    {"HDY", 3490, 5990, S_SZ_A4, 0.8},   {"JKT", 6900, 14900, S_SZ_A4, 0.5},
    {"CTS", 9900, 24900, S_SZ_A4, 0.3},  {"SCF", 1490, 2990, S_SZ_OS, 0.4},
    {"BAG", 2490, 7990, S_SZ_OS, 0.3},
};
#define S_NCAT ((int)(sizeof s_categories / sizeof s_categories[0]))
enum { C_TEE, C_SHR, C_DRS, C_SKT, C_JNS, C_PNT, C_SHO, C_SWT, C_HDY, C_JKT, C_CTS, C_SCF, C_BAG };
#define S_CAT(c) (1u << (c))

typedef struct {
    const char *names[5]; /* size labels */
    double w[5];          /* their popularity */
    int n;                /* how many */
} s_sizes_t;

static const s_sizes_t s_size_sets[] = {
    [S_SZ_A4] = {{"S", "M", "L", "XL"}, {0.9, 1.2, 1.1, 0.6}, 4},
    [S_SZ_A5] = {{"XS", "S", "M", "L", "XL"}, {0.5, 0.9, 1.2, 1.1, 0.6}, 5},
    [S_SZ_XS4] = {{"XS", "S", "M", "L"}, {0.5, 0.9, 1.2, 1.1}, 4},
    [S_SZ_WAIST] = {{"28", "30", "32", "34", "36"}, {0.6, 1.0, 1.2, 1.0, 0.6}, 5},
    [S_SZ_OS] = {{"OS"}, {1.0}, 1},
};

static const char *const s_colours[12] = {"BLK", "WHT", "NVY", "GRY", "RED", "BLU",
                                          "GRN", "BEI", "BRN", "IND", "PNK", "OLV"};

typedef struct {
    int n;                                     /* products */
    ns_gen_product_t p[NS_GEN_MAX_PRODUCTS];   /* the products */
    double w[NS_GEN_MAX_PRODUCTS];             /* base popularity */
    int cat[NS_GEN_MAX_PRODUCTS];              /* index into s_categories */
} s_catalog_t;

/* Retail price endings: .90 below 60, whole units from 60 up. */
static int64_t s_price_end(int64_t cents)
{
    int64_t units = cents / 100;
    return units >= 60 ? units * 100 : units * 100 + 90;
}

static void s_catalog_build(s_catalog_t *c)
{
    memset(c, 0, sizeof *c);
    s_rng_t r;
    s_rng_seed(&r, 0x434154414c4f47ULL, 0, 0, 0, S_TAG_CATALOG);
    bool used[3000] = {false};
    for (int k = 0; k < S_NCAT; k++) {
        const s_category_t *cat = &s_categories[k];
        const s_sizes_t *sz = &s_size_sets[cat->sizes];
        int styles = 2 + (int)s_below(&r, 3);
        for (int s = 0; s < styles; s++) {
            int style;
            do
                style = 1 + (int)s_below(&r, 2999);
            while (used[style]);
            used[style] = true;
            int64_t usd = s_price_end(cat->min + 100 * (int64_t)s_below(&r, (uint64_t)(cat->max - cat->min) / 100 + 1));
            double sw = 0.2 + 2.0 * s_unif(&r) * s_unif(&r);
            int ncol = (cat->sizes == S_SZ_OS ? 2 : 1) + (int)s_below(&r, 3);
            bool colour_used[12] = {false};
            for (int col = 0; col < ncol; col++) {
                int ci;
                do
                    ci = (int)s_below(&r, 12);
                while (colour_used[ci]);
                colour_used[ci] = true;
                for (int z = 0; z < sz->n; z++) {
                    if (c->n == NS_GEN_MAX_PRODUCTS)
                        return;
                    ns_gen_product_t *p = &c->p[c->n];
                    snprintf(p->sku, sizeof p->sku, "%s-%04d-%s-%s", cat->code, style, s_colours[ci],
                             sz->names[z]);
                    /* UPC-A: number system 0, company 12345, item, check digit */
                    char d[16];
                    snprintf(d, sizeof d, "012345%05d", (c->n * 7919 + 1000) % 100000);
                    int sum = 0;
                    for (int i = 0; i < 11; i++)
                        sum += (d[i] - '0') * (i % 2 == 0 ? 3 : 1);
                    memcpy(p->upc, d, 11);
                    p->upc[11] = (char)('0' + (10 - sum % 10) % 10);
                    p->upc[12] = '\0';
                    memcpy(p->category, cat->code, 4);
                    memcpy(p->colour, s_colours[ci], 4);
                    snprintf(p->size, sizeof p->size, "%s", sz->names[z]);
                    for (int cu = 0; cu < 4; cu++)
                        p->price_cents[cu] = cu == 0 ? usd : s_price_end(usd * s_currency_pct[cu] / 100);
                    c->w[c->n] = cat->weight * sw * sz->w[z];
                    c->cat[c->n] = k;
                    c->n++;
                }
            }
        }
    }
}

int ns_gen_catalog(ns_gen_product_t *out, int max)
{
    s_catalog_t *c = malloc(sizeof *c);
    if (!c)
        return -1;
    s_catalog_build(c);
    int n = c->n < max ? c->n : max;
    if (n > 0)
        memcpy(out, c->p, (size_t)n * sizeof *out);
    n = c->n;
    free(c);
    return n;
}

/* ------------------------------------------------------------ promotions */

typedef struct {
    char id[16];      /* promo_id as printed */
    int pct;          /* percentage off, or 0 */
    int fixed_units;  /* fixed amount off a line in local currency units, or 0 */
    int min_units;    /* a fixed discount needs at least this unit price */
    uint32_t cats;    /* S_CAT() mask of the categories it covers */
    double lift;      /* demand multiplier for those categories */
} s_promo_t;

/* The promotions of a date: at most one seasonal and a weekend coupon. */
static int s_promos(int64_t day, s_promo_t out[2])
{
    int y, m, d, n = 0;
    s_civil_from_days(day, &y, &m, &d);
    unsigned yy = (unsigned)y % 100u;
    int dow = s_weekday(day);
    int64_t thanks = s_days_from_civil(y, 11, 1);
    thanks += (4 - s_weekday(thanks) + 7) % 7 + 21; /* 4th Thursday of November */
    const uint32_t all = (1u << S_NCAT) - 1;
    s_promo_t *p = &out[n];
    memset(p, 0, sizeof *p);
    if (day > thanks && day <= thanks + 4) {
        snprintf(p->id, sizeof p->id, "P%02uBFRI", yy);
        p->pct = 40, p->cats = all, p->lift = 2.0;
    } else if (m == 12 && d <= 24) {
        snprintf(p->id, sizeof p->id, "P%02uHOLI", yy);
        p->pct = 25, p->lift = 1.6;
        p->cats = S_CAT(C_SWT) | S_CAT(C_SCF) | S_CAT(C_BAG) | S_CAT(C_CTS);
    } else if ((m == 1 && d >= 2) || m == 2) {
        snprintf(p->id, sizeof p->id, "P%02uWINT", yy);
        p->pct = 30, p->lift = 1.8;
        p->cats = S_CAT(C_JKT) | S_CAT(C_CTS) | S_CAT(C_SWT) | S_CAT(C_HDY) | S_CAT(C_SCF);
    } else if ((m == 3 && d >= 15) || m == 4) {
        snprintf(p->id, sizeof p->id, "P%02uSPRG", yy);
        p->pct = 15, p->lift = 1.4;
        p->cats = S_CAT(C_DRS) | S_CAT(C_SKT) | S_CAT(C_SHR);
    } else if (m == 6 || m == 7) {
        snprintf(p->id, sizeof p->id, "P%02uSUMR", yy);
        p->pct = 25, p->lift = 1.5;
        p->cats = S_CAT(C_TEE) | S_CAT(C_SHO);
    } else if ((m == 9 && d >= 15) || m == 10 || m == 11) {
        snprintf(p->id, sizeof p->id, "P%02uFALL", yy);
        p->pct = 20, p->lift = 1.5;
        p->cats = S_CAT(C_DRS) | S_CAT(C_JNS) | S_CAT(C_JKT) | S_CAT(C_SWT);
    }
    if (p->id[0])
        n++;
    if (dow == 0 || dow == 6) {
        p = &out[n++];
        memset(p, 0, sizeof *p);
        int64_t jan1 = s_days_from_civil(y, 1, 1);
        snprintf(p->id, sizeof p->id, "C%02uW%02u", yy, (unsigned)((day - jan1) / 7 + 1) % 100u);
        p->fixed_units = 10, p->min_units = 50, p->cats = all, p->lift = 1.0;
    }
    return n;
}

/* What a date looks like to a shopper: its promotions and the cumulative
 * popularity of the products. */
typedef struct {
    int64_t day;                        /* days since the epoch; INT64_MIN = none yet */
    int npromo;                         /* promotions running */
    s_promo_t promo[2];                 /* the promotions */
    double cdf[NS_GEN_MAX_PRODUCTS];    /* cumulative popularity */
} s_daydata_t;

static void s_daydata_set(s_daydata_t *dd, const s_catalog_t *c, int64_t day)
{
    if (dd->day == day)
        return;
    dd->day = day;
    dd->npromo = s_promos(day, dd->promo);
    double acc = 0;
    for (int i = 0; i < c->n; i++) {
        double w = c->w[i];
        for (int k = 0; k < dd->npromo; k++)
            if (dd->promo[k].cats & S_CAT(c->cat[i]))
                w *= dd->promo[k].lift;
        acc += w;
        dd->cdf[i] = acc;
    }
}

static int s_pick_product(const s_daydata_t *dd, int n, s_rng_t *r)
{
    double x = s_unif(r) * dd->cdf[n - 1];
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (dd->cdf[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

/* -------------------------------------------------------- day plan, txns */

typedef struct {
    int total;                        /* transactions in the day */
    uint32_t count[S_MAX_REGISTERS];  /* per register */
} s_plan_t;

static uint32_t s_seq_base(int64_t day, int reg)
{
    return (uint32_t)(((uint64_t)day * 617u + (uint64_t)reg * 131u) % 800000u) + 1;
}

static double s_season(int64_t day)
{
    int y, m, d;
    s_civil_from_days(day, &y, &m, &d);
    int64_t thanks = s_days_from_civil(y, 11, 1);
    thanks += (4 - s_weekday(thanks) + 7) % 7 + 21;
    if (m == 12 && d == 25)
        return 0.0; /* closed: the store still sends its (empty) extract */
    if (day == thanks + 1)
        return 2.2;
    if (day > thanks + 1 && day <= thanks + 4)
        return 1.4;
    if (m == 12 && d < 25)
        return 1.3;
    if (m == 1 && d <= 15)
        return 0.8;
    return 1.0;
}

static void s_plan(uint64_t seed, double scale, const s_store_t *st, int64_t day, s_plan_t *pl)
{
    static const double dow_f[7] = {1.15, 0.8, 0.85, 0.9, 0.95, 1.15, 1.35};
    static const double reg_w[S_MAX_REGISTERS] = {1.0, 0.85, 0.7, 0.55, 0.45, 0.35};
    s_rng_t r;
    s_rng_seed(&r, seed, (uint64_t)st->pub.id, (uint64_t)day, 0, S_TAG_PLAN);
    memset(pl, 0, sizeof *pl);
    double n = S_TXNS_PER_DAY * scale * st->size * dow_f[s_weekday(day)] * s_season(day) *
               (0.9 + 0.2 * s_unif(&r));
    int nreg = st->pub.registers;
    double wsum = 0;
    for (int i = 0; i < nreg; i++)
        wsum += reg_w[i];
    long total = (long)(n + 0.5);
    for (long t = 0; t < total; t++) {
        double x = s_unif(&r) * wsum;
        int k = 0;
        while (k < nreg - 1 && x >= reg_w[k]) {
            x -= reg_w[k];
            k++;
        }
        if (pl->count[k] < S_MAX_PER_REGISTER) {
            pl->count[k]++;
            pl->total++;
        }
    }
}

typedef struct {
    bool item;         /* ITEM, else TENDER */
    bool void_line;    /* void_flag Y */
    bool voided;       /* a later line voids this one */
    int prod;          /* product index (ITEM) */
    int qty;           /* signed quantity (ITEM) */
    int64_t unit;      /* unit price, cents (ITEM) */
    int64_t ext;       /* ext_amount or tender amount, cents */
    int64_t disc;      /* disc_amount, cents (ITEM) */
    char promo[16];    /* promo_id or "" */
    int tender;        /* index into s_tenders (TENDER) */
} s_line_t;

static const char *const s_tenders[4] = {"CREDIT", "DEBIT", "CASH", "GIFTCARD"};
enum { S_T_CREDIT, S_T_DEBIT, S_T_CASH, S_T_GIFT };

typedef struct {
    int type;                   /* S_SALE or S_RETURN */
    int n;                      /* lines */
    s_line_t l[S_MAX_LINES];    /* the lines in order */
    int64_t orig_day;           /* RETURN: the original's business date */
    int orig_reg;               /* RETURN: its register */
    uint32_t orig_seq;          /* RETURN: its txn_seq */
} s_txn_t;

typedef struct {
    const ns_gen_opts_t *o;  /* the options */
    s_catalog_t cat;         /* products */
    s_daydata_t cur;         /* the day being written */
    s_daydata_t scratch;     /* the day of a return's original */
    uint32_t *times;         /* seconds after local midnight of the business date, per txn */
    size_t times_cap;        /* entries allocated */
    char obuf[S_OBUF];       /* formatted lines waiting for the compressor */
    size_t olen;             /* bytes in obuf */
    ns_gen_stats_t st;       /* running totals */
    uint64_t bad_kind[S_BAD_KINDS]; /* malformed lines by kind */
} s_ctx_t;

static void s_add_tenders(s_txn_t *t, int64_t net, int first_type, s_rng_t *r)
{
    if (net == 0 || t->n + 2 > S_MAX_LINES)
        return;
    if (net > 0 && net >= 2000 && s_chance(r, 0.04)) {
        static const int64_t cards[3] = {1000, 2500, 5000};
        int64_t g = cards[s_below(r, 3)];
        if (g < net) {
            s_line_t *l = &t->l[t->n++];
            memset(l, 0, sizeof *l);
            l->tender = S_T_GIFT;
            l->ext = g;
            net -= g;
            first_type = S_T_CREDIT;
        }
    }
    s_line_t *l = &t->l[t->n++];
    memset(l, 0, sizeof *l);
    l->tender = first_type;
    l->ext = net;
}

static int s_pick_tender(s_rng_t *r)
{
    double u = s_unif(r);
    return u < 0.55 ? S_T_CREDIT : u < 0.80 ? S_T_DEBIT : u < 0.94 ? S_T_CASH : S_T_GIFT;
}

/* Prices one item line of product p with the day's promotions. */
static void s_price_line(const s_ctx_t *c, const s_daydata_t *dd, int cur, int p, int qty,
                         bool weekend_coupon, s_line_t *l)
{
    memset(l, 0, sizeof *l);
    l->item = true;
    l->prod = p;
    l->qty = qty;
    l->unit = c->cat.p[p].price_cents[cur];
    uint32_t bit = S_CAT(c->cat.cat[p]);
    for (int k = 0; k < dd->npromo; k++) {
        const s_promo_t *pr = &dd->promo[k];
        if (!(pr->cats & bit))
            continue;
        if (pr->pct) {
            l->disc = (l->unit * qty * pr->pct + 50) / 100;
        } else if (weekend_coupon && l->unit >= (int64_t)pr->min_units * 100) {
            l->disc = (int64_t)pr->fixed_units * 100;
        } else {
            continue;
        }
        snprintf(l->promo, sizeof l->promo, "%s", pr->id);
        break;
    }
    l->ext = l->unit * qty - l->disc;
}

/* Inserts a void of line j at position pos (> j). */
static void s_insert_void(s_txn_t *t, int j, int pos)
{
    memmove(&t->l[pos + 1], &t->l[pos], (size_t)(t->n - pos) * sizeof t->l[0]);
    t->n++;
    s_line_t *v = &t->l[pos];
    *v = t->l[j];
    v->void_line = true;
    v->voided = false;
    v->qty = -v->qty;
    v->ext = -v->ext;
    v->disc = -v->disc;
    t->l[j].voided = true;
}

static void s_build_sale(const s_ctx_t *c, const s_store_t *st, const s_daydata_t *dd, s_rng_t *r,
                         s_txn_t *t)
{
    int cur = st->pub.currency;
    t->type = S_SALE;
    int items = 1;
    while (items < S_MAX_ITEMS && s_chance(r, 0.45))
        items++;
    for (int i = 0; i < items; i++) {
        int p = s_pick_product(dd, c->cat.n, r);
        double u = s_unif(r);
        int qty = u < 0.87 ? 1 : u < 0.97 ? 2 : 3;
        bool coupon = s_chance(r, 0.25);
        s_price_line(c, dd, cur, p, qty, coupon, &t->l[t->n++]);
    }
    if (s_chance(r, 0.005)) { /* post-void: the whole sale is cancelled, no payment */
        for (int j = 0; j < items; j++)
            s_insert_void(t, j, t->n);
    } else {
        int voids = s_chance(r, 0.06) ? 1 + s_chance(r, 0.15) : 0;
        for (int v = 0; v < voids; v++) {
            int j = (int)s_below(r, (uint64_t)t->n);
            if (!t->l[j].void_line && !t->l[j].voided)
                s_insert_void(t, j, j + 1 + (int)s_below(r, (uint64_t)(t->n - j)));
        }
    }
    int64_t net = 0;
    for (int i = 0; i < t->n; i++)
        net += t->l[i].ext;
    s_add_tenders(t, net, s_pick_tender(r), r);
}

static int s_build_txn(s_ctx_t *c, const s_store_t *st, const s_daydata_t *dd, int reg,
                       uint32_t seq, bool resolve, s_txn_t *t);

/* A return of one or two lines of a real earlier sale of the same store. */
static void s_build_return(s_ctx_t *c, const s_store_t *st, const s_daydata_t *dd, s_rng_t *r,
                           s_txn_t *t)
{
    for (int attempt = 0; attempt < 6; attempt++) {
        uint64_t a = s_below(r, S_RETURN_DAYS), b = s_below(r, S_RETURN_DAYS);
        int64_t k = 1 + (int64_t)(a < b ? a : b); /* 1..30 days ago, recent ones likelier */
        int64_t od = dd->day - k;
        s_plan_t pl;
        s_plan(c->o->seed, c->o->scale, st, od, &pl);
        if (pl.total == 0)
            continue;
        uint32_t idx = (uint32_t)s_below(r, (uint64_t)pl.total);
        int oreg = 0;
        while (idx >= pl.count[oreg]) {
            idx -= pl.count[oreg];
            oreg++;
        }
        uint32_t oseq = s_seq_base(od, oreg + 1) + idx;
        s_daydata_set(&c->scratch, &c->cat, od);
        s_txn_t orig;
        if (s_build_txn(c, st, &c->scratch, oreg + 1, oseq, false, &orig) < 0 ||
            orig.type != S_SALE)
            continue;
        int cand[S_MAX_LINES], nc = 0, otender = S_T_CREDIT;
        bool have_tender = false;
        for (int i = 0; i < orig.n; i++) {
            if (orig.l[i].item && !orig.l[i].void_line && !orig.l[i].voided)
                cand[nc++] = i;
            if (!orig.l[i].item && !have_tender) {
                otender = orig.l[i].tender;
                have_tender = true;
            }
        }
        if (nc == 0)
            continue;
        int nret = nc >= 2 && s_chance(r, 0.2) ? 2 : 1;
        int first = (int)s_below(r, (uint64_t)nc);
        t->type = S_RETURN;
        t->n = 0;
        t->orig_day = od;
        t->orig_reg = oreg + 1;
        t->orig_seq = oseq;
        int64_t net = 0;
        for (int i = 0; i < nret; i++) {
            const s_line_t *ol = &orig.l[cand[(first + i) % nc]];
            int q = ol->qty;
            int rq = q == 1 || s_chance(r, 0.7) ? q : 1 + (int)s_below(r, (uint64_t)(q - 1));
            int64_t disc = (ol->disc * rq * 2 + q) / (2 * q);
            s_line_t *l = &t->l[t->n++];
            *l = *ol;
            l->qty = -rq;
            l->disc = -disc;
            l->ext = -(l->unit * rq - disc);
            net += l->ext;
        }
        s_add_tenders(t, net, otender, r); /* refunded to the original tender */
        return;
    }
    t->n = 0;
    s_build_sale(c, st, dd, r, t); /* no sale found to return: ring a sale instead */
}

/* Builds the transaction (reg, seq) of dd->day. With resolve false a return
 * is only typed, not built (enough to tell that it is no sale). */
static int s_build_txn(s_ctx_t *c, const s_store_t *st, const s_daydata_t *dd, int reg,
                       uint32_t seq, bool resolve, s_txn_t *t)
{
    s_rng_t r;
    s_rng_seed(&r, c->o->seed, (uint64_t)st->pub.id, (uint64_t)dd->day,
               ((uint64_t)reg << 32) | seq, S_TAG_TXN);
    memset(t, 0, sizeof *t);
    if (s_chance(&r, 0.035)) {
        t->type = S_RETURN;
        if (resolve)
            s_build_return(c, st, dd, &r, t);
        return 0;
    }
    s_build_sale(c, st, dd, &r, t);
    return 0;
}

/* ------------------------------------------------------------ gzip writer */

typedef struct {
    struct ns_writer base;     /* dispatch header, first */
    ns_writer_t *inner;        /* the object being written */
    z_stream z;                /* deflate state */
    uint64_t *stored;          /* where commit reports the compressed size */
    unsigned char out[S_OBUF]; /* compressed bytes waiting for inner */
} s_gz_t;

static int s_gz_drain(s_gz_t *g, int flush, ns_err_t *err)
{
    for (;;) {
        g->z.next_out = g->out;
        g->z.avail_out = sizeof g->out;
        int rc = deflate(&g->z, flush);
        if (rc == Z_STREAM_ERROR)
            return ns_errf(err, "cannot compress: deflate failed");
        size_t have = sizeof g->out - g->z.avail_out;
        if (have && ns_writer_write(g->inner, g->out, have, err) < 0)
            return -1;
        if (flush == Z_FINISH ? rc == Z_STREAM_END : g->z.avail_out != 0)
            return 0;
    }
}

static int s_gz_write(ns_writer_t *w, const void *buf, size_t n, ns_err_t *err)
{
    s_gz_t *g = (s_gz_t *)w;
    const unsigned char *p = buf;
    while (n > 0) {
        uInt chunk = n > UINT_MAX ? UINT_MAX : (uInt)n;
        g->z.next_in = (unsigned char *)p;
        g->z.avail_in = chunk;
        if (s_gz_drain(g, Z_NO_FLUSH, err) < 0)
            return -1;
        p += chunk;
        n -= chunk;
        g->base.size += chunk;
    }
    return 0;
}

static int s_gz_commit(ns_writer_t *w, ns_err_t *err)
{
    s_gz_t *g = (s_gz_t *)w;
    g->z.next_in = NULL;
    g->z.avail_in = 0;
    int rc = s_gz_drain(g, Z_FINISH, err);
    deflateEnd(&g->z);
    if (rc < 0) {
        ns_writer_abort(&g->inner);
    } else {
        if (g->stored)
            *g->stored = ns_writer_size(g->inner);
        rc = ns_writer_commit(&g->inner, err);
    }
    free(g);
    return rc;
}

static void s_gz_abort(ns_writer_t *w)
{
    s_gz_t *g = (s_gz_t *)w;
    deflateEnd(&g->z);
    ns_writer_abort(&g->inner);
    free(g);
}

/* A writer that gzips into uri; commit stores the compressed size in
 * *stored. */
static ns_writer_t *s_gz_open(const char *uri, int level, uint64_t *stored, ns_err_t *err)
{
    s_gz_t *g = calloc(1, sizeof *g);
    if (!g) {
        ns_errf(err, "cannot write '%s': out of memory", uri);
        return NULL;
    }
    if (deflateInit2(&g->z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
        free(g);
        ns_errf(err, "cannot write '%s': deflateInit2 failed", uri);
        return NULL;
    }
    g->inner = ns_store_open_write(uri, err);
    if (!g->inner) {
        deflateEnd(&g->z);
        free(g);
        return NULL;
    }
    g->base.write = s_gz_write;
    g->base.commit = s_gz_commit;
    g->base.abort = s_gz_abort;
    g->stored = stored;
    return &g->base;
}

/* ------------------------------------------------------------ formatting */

/* Decimal digits of v into out (at least cap 24); returns the length. */
static size_t s_int(char *out, int64_t v)
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

/* Cents as "-12.34" (cap at least 32). */
static void s_money(char *out, int64_t c)
{
    uint64_t a = c < 0 ? (uint64_t)0 - (uint64_t)c : (uint64_t)c;
    size_t len = 0;
    if (c < 0)
        out[len++] = '-';
    len += s_int(out + len, (int64_t)(a / 100));
    out[len++] = '.';
    out[len++] = (char)('0' + a % 100 / 10);
    out[len++] = (char)('0' + a % 10);
    out[len] = '\0';
}

/* YYYY-MM-DD, or YYYYMMDD when compact. */
static void s_date(char *out, size_t cap, int64_t day, bool compact)
{
    int y, m, d;
    s_civil_from_days(day, &y, &m, &d);
    if (compact)
        snprintf(out, cap, "%04d%02d%02d", y, m, d);
    else
        snprintf(out, cap, "%04d-%02d-%02d", y, m, d);
}

static int s_flush(s_ctx_t *c, ns_writer_t *w, ns_err_t *err)
{
    if (c->olen && ns_writer_write(w, c->obuf, c->olen, err) < 0)
        return -1;
    c->olen = 0;
    return 0;
}

/* Everything a line shares with the other lines of its transaction. */
typedef struct {
    char store[16], bdate[16], reg[16], seq[16], ts[48], off[16], orig[64];
    const char *type;     /* SALE / RETURN */
    const char *currency; /* USD, ... */
    int64_t bday;         /* business date, days */
    int64_t local;        /* txn_end_local, seconds as if UTC */
} s_txnfmt_t;

/* Formats one line, malformed if bad_kind >= 0, and appends it. */
static int s_emit_line(s_ctx_t *c, ns_writer_t *w, const s_txnfmt_t *tf, const s_txn_t *t, int i,
                       int bad_kind, int variant, ns_err_t *err)
{
    const s_line_t *l = &t->l[i];
    char lineno[32], qty[32], unit[32], ext[32], disc[32], bad_date[32];
    const char *f[21];
    s_int(lineno, i + 1);
    s_money(ext, l->ext);
    f[0] = tf->store, f[1] = tf->bdate, f[2] = tf->reg, f[3] = tf->seq, f[4] = tf->type;
    f[5] = tf->ts, f[6] = tf->off, f[7] = lineno;
    f[8] = l->item ? "ITEM" : "TENDER";
    f[9] = l->void_line ? "Y" : "N";
    f[14] = ext;
    f[18] = tf->currency;
    if (l->item) {
        const ns_gen_product_t *p = &c->cat.p[l->prod];
        s_int(qty, l->qty);
        s_money(unit, l->unit);
        s_money(disc, l->disc);
        f[10] = p->sku, f[11] = p->upc, f[12] = qty, f[13] = unit, f[15] = disc;
        f[16] = l->promo, f[17] = "";
        f[19] = t->type == S_RETURN ? tf->orig : "";
    } else {
        f[10] = f[11] = f[12] = f[13] = f[15] = f[16] = f[19] = "";
        f[17] = s_tenders[l->tender];
    }
    int nf = 20;
    if (bad_kind == S_BAD_FIELDS) {
        nf = variant == 0 ? 19 : variant == 1 ? 21 : 12; /* lost field, stray '|', cut short */
        f[20] = "";
    } else if (bad_kind == S_BAD_DATE) {
        int y, m, d;
        s_civil_from_days(tf->bday, &y, &m, &d);
        if (variant == 0) {
            snprintf(bad_date, sizeof bad_date, "%04d-02-30", y);
            f[1] = bad_date;
        } else if (variant == 1) {
            snprintf(bad_date, sizeof bad_date, "%02d/%02d/%04d", d, m, y);
            f[1] = bad_date;
        } else if (variant == 2) {
            snprintf(bad_date, sizeof bad_date, "%04d%02d%02d", y, m, d);
            f[1] = bad_date;
        } else {
            snprintf(bad_date, sizeof bad_date, "%.11s24%.6s", tf->ts, tf->ts + 13);
            f[5] = bad_date;
        }
    } else if (bad_kind == S_BAD_QTY) {
        static const char *const bad_qty[4] = {"1O", "one", "l", "N/A"};
        f[12] = bad_qty[variant];
    } else if (bad_kind == S_BAD_SKU) {
        f[10] = "";
    }
    if (c->olen + S_LINE_MAX > sizeof c->obuf && s_flush(c, w, err) < 0)
        return -1;
    char *o = c->obuf + c->olen;
    size_t left = sizeof c->obuf - c->olen, pos = 0;
    for (int k = 0; k < nf; k++) {
        size_t n = strlen(f[k]);
        if (pos + n + 2 >= left)
            return ns_errf(err, "cannot format a line: longer than %d bytes", S_LINE_MAX);
        if (k)
            o[pos++] = '|';
        memcpy(o + pos, f[k], n);
        pos += n;
    }
    if (pos + 1 >= left)
        return ns_errf(err, "cannot format a line: longer than %d bytes", S_LINE_MAX);
    o[pos++] = '\n';
    c->olen += pos;
    c->st.lines++;
    c->st.item_lines += l->item;
    if (bad_kind >= 0) {
        c->st.bad_lines++;
        c->bad_kind[bad_kind]++;
    }
    return 0;
}

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Writes the lines of one store's business day into w. */
static int s_store_day(s_ctx_t *c, const s_store_t *st, int64_t day, ns_writer_t *w, ns_err_t *err)
{
    static const double hour_w[26] = {0,   0,   0,   0,   0,   0,   0,   0,   0,   0.5, 0.7, 0.9, 1.2,
                                      1.2, 1.0, 1.0, 1.1, 1.3, 1.4, 1.2, 0.9, 0.6, 0.4, 0.3, 0.2, 0.1};
    const ns_gen_opts_t *o = c->o;
    s_plan_t pl;
    s_plan(o->seed, o->scale, st, day, &pl);
    s_daydata_set(&c->cur, &c->cat, day);
    if ((size_t)pl.total > c->times_cap) {
        uint32_t *nt = realloc(c->times, (size_t)pl.total * sizeof *nt);
        if (!nt)
            return ns_errf(err, "cannot plan store %04d: out of memory", st->pub.id);
        c->times = nt;
        c->times_cap = (size_t)pl.total;
    }
    /* the clock: hours open..close with weights, seconds uniform in the hour */
    s_rng_t tr, br;
    s_rng_seed(&tr, o->seed, (uint64_t)st->pub.id, (uint64_t)day, 0, S_TAG_TIME);
    s_rng_seed(&br, o->seed, (uint64_t)st->pub.id, (uint64_t)day, 0, S_TAG_BAD);
    int last = st->pub.late ? 25 : st->close_hour - 1; /* the last hour with trade */
    double wsum = 0;
    for (int h = st->open_hour; h <= last; h++)
        wsum += hour_w[h];
    size_t at = 0;
    for (int reg = 0; reg < st->pub.registers; reg++) {
        uint32_t *tt = c->times + at;
        for (uint32_t k = 0; k < pl.count[reg]; k++) {
            double x = s_unif(&tr) * wsum;
            int h = st->open_hour;
            while (h < last && x >= hour_w[h]) {
                x -= hour_w[h];
                h++;
            }
            uint32_t span = h == 25 ? 1800 : 3600;
            uint32_t t = (uint32_t)h * 3600 + (uint32_t)s_below(&tr, span);
            int off;
            if (s_local_offset(st->zone, day * 86400 + t, &off) < 0)
                t -= 3600; /* the spring change skips this hour */
            tt[k] = t;
        }
        if (pl.count[reg] > 1)
            qsort(tt, pl.count[reg], sizeof *tt, s_cmp_u32);
        at += pl.count[reg];
    }
    s_txnfmt_t tf;
    memset(&tf, 0, sizeof tf);
    snprintf(tf.store, sizeof tf.store, "%04d", st->pub.id);
    s_date(tf.bdate, sizeof tf.bdate, day, false);
    tf.currency = st->pub.currency_code;
    tf.bday = day;
    s_txn_t *t = malloc(sizeof *t);
    if (!t)
        return ns_errf(err, "cannot plan store %04d: out of memory", st->pub.id);
    at = 0;
    int rc = 0;
    for (int reg = 0; reg < st->pub.registers && rc == 0; reg++) {
        uint32_t base = s_seq_base(day, reg + 1);
        snprintf(tf.reg, sizeof tf.reg, "%02d", reg + 1);
        for (uint32_t k = 0; k < pl.count[reg] && rc == 0; k++) {
            uint32_t seq = base + k;
            s_build_txn(c, st, &c->cur, reg + 1, seq, true, t);
            snprintf(tf.seq, sizeof tf.seq, "%06u", seq);
            tf.type = t->type == S_RETURN ? "RETURN" : "SALE";
            int64_t local = day * 86400 + c->times[at + k];
            int off = 0, hh, mm, ss, y, m, d;
            s_local_offset(st->zone, local, &off);
            s_civil_from_days(s_floordiv(local, 86400), &y, &m, &d);
            int64_t sod = local - s_floordiv(local, 86400) * 86400;
            hh = (int)(sod / 3600), mm = (int)(sod / 60 % 60), ss = (int)(sod % 60);
            snprintf(tf.ts, sizeof tf.ts, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, hh, mm, ss);
            snprintf(tf.off, sizeof tf.off, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60,
                     abs(off) % 60);
            if (t->type == S_RETURN) {
                char od[16];
                s_date(od, sizeof od, t->orig_day, true);
                snprintf(tf.orig, sizeof tf.orig, "%04d-%s-%02d-%06u", st->pub.id, od, t->orig_reg,
                         t->orig_seq);
            } else {
                tf.orig[0] = '\0';
            }
            for (int i = 0; i < t->n && rc == 0; i++) {
                int kind = -1, variant = 0;
                if (t->l[i].item) {
                    /* always two draws, so the stream does not depend on bad_rate */
                    double u = s_unif(&br);
                    uint64_t v = s_next(&br);
                    if (u < o->bad_rate) {
                        kind = (int)(v % S_BAD_KINDS);
                        variant = (int)((v >> 8) % (kind == S_BAD_FIELDS ? 3 : 4));
                    }
                }
                rc = s_emit_line(c, w, &tf, t, i, kind, variant, err);
            }
        }
        at += pl.count[reg];
    }
    free(t);
    return rc;
}

/* ------------------------------------------------------------------ run */

void ns_gen_opts_default(ns_gen_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->stores = 20;
    o->days = 1;
    o->start = "2026-11-24";
    o->seed = 1;
    o->out = NULL;
    o->bad_rate = 0.001;
    o->scale = 1.0;
    o->gzip_level = 6;
}

/* Shortest "%g" that reads back as the same double. */
static void s_json_double(char *out, size_t cap, double v)
{
    snprintf(out, cap, "%.15g", v);
    if (strtod(out, NULL) != v)
        snprintf(out, cap, "%.17g", v);
}

static int s_json_string(char *out, size_t cap, const char *s)
{
    size_t pos = 0;
    out[pos++] = '"';
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (pos + 8 >= cap)
            return -1;
        if (ch == '"' || ch == '\\')
            pos += (size_t)snprintf(out + pos, cap - pos, "\\%c", ch);
        else if (ch < 0x20)
            pos += (size_t)snprintf(out + pos, cap - pos, "\\u%04x", ch);
        else
            out[pos++] = (char)ch;
    }
    out[pos++] = '"';
    out[pos] = '\0';
    return 0;
}

static int s_write_summary(const s_ctx_t *c, ns_err_t *err)
{
    const ns_gen_opts_t *o = c->o;
    const ns_gen_stats_t *s = &c->st;
    char uri[NS_URI_MAX], out_json[NS_URI_MAX * 6 + 8], br[40], sc[40], doc[NS_URI_MAX * 6 + 2048];
    if (ns_uri_join(uri, o->out, "_gen/pos-summary.json") < 0)
        return ns_errf(err, "cannot write summary under '%s': URI too long", o->out);
    if (s_json_string(out_json, sizeof out_json, o->out) < 0)
        return ns_errf(err, "cannot write '%s': output URI too long", uri);
    s_json_double(br, sizeof br, o->bad_rate);
    s_json_double(sc, sizeof sc, o->scale);
    int n = snprintf(doc, sizeof doc,
                     "{\"source\":\"pos\",\"options\":{\"stores\":%d,\"days\":%d,\"start\":\"%s\","
                     "\"seed\":%llu,\"out\":%s,\"bad_rate\":%s,\"scale\":%s,\"gzip_level\":%d},"
                     "\"stats\":{\"files\":%llu,\"lines\":%llu,\"item_lines\":%llu,"
                     "\"bad_lines\":%llu,\"bytes_raw\":%llu,\"bytes_stored\":%llu},"
                     "\"bad_by_kind\":{\"field_count\":%llu,\"date\":%llu,\"qty\":%llu,"
                     "\"empty_sku\":%llu}}\n",
                     o->stores, o->days, o->start, (unsigned long long)o->seed, out_json, br, sc,
                     o->gzip_level, (unsigned long long)s->files, (unsigned long long)s->lines,
                     (unsigned long long)s->item_lines, (unsigned long long)s->bad_lines,
                     (unsigned long long)s->bytes_raw, (unsigned long long)s->bytes_stored,
                     (unsigned long long)c->bad_kind[S_BAD_FIELDS],
                     (unsigned long long)c->bad_kind[S_BAD_DATE],
                     (unsigned long long)c->bad_kind[S_BAD_QTY],
                     (unsigned long long)c->bad_kind[S_BAD_SKU]);
    if (n < 0 || (size_t)n >= sizeof doc)
        return ns_errf(err, "cannot write '%s': summary too long", uri);
    return ns_store_put(uri, doc, (size_t)n, err);
}

static int s_check_opts(const ns_gen_opts_t *o, int64_t *start, ns_err_t *err)
{
    if (o->stores < 1 || o->stores > 9999)
        return ns_errf(err, "invalid stores %d: expected 1..9999", o->stores);
    if (o->days < 1 || o->days > 3660)
        return ns_errf(err, "invalid days %d: expected 1..3660", o->days);
    if (s_parse_date(o->start, start) < 0)
        return ns_errf(err, "invalid start date '%s': expected YYYY-MM-DD, years 1971..9990",
                       o->start ? o->start : "(null)");
    int y, m, d;
    s_civil_from_days(*start + o->days - 1, &y, &m, &d);
    if (y > 9990)
        return ns_errf(err, "invalid days %d: the run would end after 9990", o->days);
    if (!(o->bad_rate >= 0 && o->bad_rate <= 1))
        return ns_errf(err, "invalid bad_rate %g: expected 0..1", o->bad_rate);
    if (!(o->scale > 0 && o->scale <= 100))
        return ns_errf(err, "invalid scale %g: expected more than 0, at most 100", o->scale);
    if (o->gzip_level < 0 || o->gzip_level > 9)
        return ns_errf(err, "invalid gzip_level %d: expected 0..9", o->gzip_level);
    if (!o->out || !o->out[0])
        return ns_errf(err, "invalid out: an output URI is required");
    return 0;
}

int ns_gen_run(const ns_gen_opts_t *o, ns_gen_stats_t *st, ns_err_t *err)
{
    int64_t start = 0;
    if (st)
        memset(st, 0, sizeof *st);
    if (s_check_opts(o, &start, err) < 0)
        return -1;
    s_ctx_t *c = calloc(1, sizeof *c);
    if (!c)
        return ns_errf(err, "cannot generate: out of memory");
    c->o = o;
    s_catalog_build(&c->cat);
    c->cur.day = INT64_MIN;
    c->scratch.day = INT64_MIN;
    int rc = 0;
    for (int dn = 0; dn < o->days && rc == 0; dn++) {
        int64_t day = start + dn;
        char iso[16], compact[16], key[256], uri[NS_URI_MAX];
        s_date(iso, sizeof iso, day, false);
        s_date(compact, sizeof compact, day, true);
        for (int id = 1; id <= o->stores && rc == 0; id++) {
            s_store_t store;
            s_store(id, &store);
            snprintf(key, sizeof key, "pos/dt=%s/store=%04d/pos-%04d-%s.psv.gz", iso, id, id,
                     compact);
            if (ns_uri_join(uri, o->out, key) < 0) {
                rc = ns_errf(err, "cannot write '%s' under '%s': URI too long", key, o->out);
                break;
            }
            uint64_t stored = 0;
            ns_writer_t *w = s_gz_open(uri, o->gzip_level, &stored, err);
            if (!w) {
                rc = -1;
                break;
            }
            c->olen = 0;
            size_t hl = strlen(s_header);
            memcpy(c->obuf, s_header, hl);
            c->olen = hl;
            rc = s_store_day(c, &store, day, w, err);
            if (rc == 0)
                rc = s_flush(c, w, err);
            if (rc < 0) {
                ns_writer_abort(&w);
                break;
            }
            uint64_t raw = ns_writer_size(w);
            if (ns_writer_commit(&w, err) < 0) {
                rc = -1;
                break;
            }
            c->st.files++;
            c->st.bytes_raw += raw;
            c->st.bytes_stored += stored;
        }
    }
    if (rc == 0)
        rc = s_write_summary(c, err);
    if (st)
        *st = c->st;
    free(c->times);
    free(c);
    return rc;
}
