/*
 * ns_gen_int: what the generator's modules share and nobody else sees.
 *
 * The generator (tools/ns_gen_*.c) writes every raw source of SOURCES.md
 * from one "world" (ns_gen_world.c: stores, partners, products, promotions,
 * currencies, regions, weather stations, campaigns, and the planted effects
 * that tie them together). Each source module turns the world into the bytes
 * of its own feed for one day, and reports what it wrote to the truth
 * accumulators (ns_gen_truth.c), which know the valid records only.
 *
 * Determinism rules every module follows:
 *   - randomness comes only from ns_gen_rng_t generators seeded with
 *     (seed, a, b, c, tag): a module picks a tag of its own (NS_GEN_TAG_*)
 *     and keys its streams by what the content belongs to (store, day,
 *     partner, order, ...), never by the position in the run;
 *   - a record that is planted bad draws from a separate stream, so
 *     bad_rate never changes the valid records;
 *   - nothing reads the clock.
 *
 * Output: a module fills an ns_gen_file_t (bytes in memory, bounded) and
 * commits it; the commit encodes (UTF-16LE), compresses (gzip), damages
 * (truncation) and writes it through the object store, and counts it in the
 * per-source stats. Only the POS module streams (ns_gen_pos.c), because its
 * objects are many and were streamed before the other sources existed.
 */
#ifndef NS_GEN_INT_H
#define NS_GEN_INT_H

#include "ns_buf.h"
#include "ns_err.h"
#include "ns_gen.h"
#include "ns_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ------------------------------------------------------------------ PRNG */

typedef struct {
    uint64_t s[4]; /* xoshiro256** state */
} ns_gen_rng_t;

/* Stream tags: one per kind of content, so streams never overlap. */
enum {
    NS_GEN_TAG_PLAN = 1,
    NS_GEN_TAG_TIME,
    NS_GEN_TAG_TXN,
    NS_GEN_TAG_BAD,
    NS_GEN_TAG_STORE,
    NS_GEN_TAG_CATALOG,
    NS_GEN_TAG_STORE_ATTR = 16,
    NS_GEN_TAG_PARTNER_STORE,
    NS_GEN_TAG_PRODUCT_ATTR,
    NS_GEN_TAG_WEATHER,
    NS_GEN_TAG_STATION,
    NS_GEN_TAG_UNEMP,
    NS_GEN_TAG_FX,
    NS_GEN_TAG_PARTNER_DAY,
    NS_GEN_TAG_EDI,
    NS_GEN_TAG_EDI_BAD,
    NS_GEN_TAG_PORTAL,
    NS_GEN_TAG_PORTAL_BAD,
    NS_GEN_TAG_WEB_PLAN,
    NS_GEN_TAG_ORDER,
    NS_GEN_TAG_ORDER_BAD,
    NS_GEN_TAG_SESSION,
    NS_GEN_TAG_CLICK_BAD,
    NS_GEN_TAG_CLICK_FILE,
    NS_GEN_TAG_ADS,
    NS_GEN_TAG_ADS_BAD,
    NS_GEN_TAG_MASTER,
    NS_GEN_TAG_MASTER_BAD,
    NS_GEN_TAG_LAUS,
    NS_GEN_TAG_LAUS_BAD,
    NS_GEN_TAG_WEATHER_BAD,
    NS_GEN_TAG_FILE, /* file-level quirks: re-sends, late, empty, truncated */
};

void ns_gen_rng_seed(ns_gen_rng_t *r, uint64_t seed, uint64_t a, uint64_t b, uint64_t c,
                     uint64_t tag);

static inline uint64_t ns_gen_rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static inline uint64_t ns_gen_next(ns_gen_rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = ns_gen_rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = ns_gen_rotl(s[3], 45);
    return result;
}

/* Uniform in [0, n); 0 when n is 0. */
static inline uint64_t ns_gen_below(ns_gen_rng_t *r, uint64_t n)
{
    return n ? ns_gen_next(r) % n : 0;
}

/* Uniform in [0, 1). */
static inline double ns_gen_unif(ns_gen_rng_t *r)
{
    return (double)(ns_gen_next(r) >> 11) * (1.0 / 9007199254740992.0);
}

static inline bool ns_gen_chance(ns_gen_rng_t *r, double p)
{
    return ns_gen_unif(r) < p;
}

/* Standard normal (Box-Muller, one of the pair). */
double ns_gen_normal(ns_gen_rng_t *r);
/* Poisson(lambda), lambda >= 0 (normal approximation above 60). */
int64_t ns_gen_poisson(ns_gen_rng_t *r, double lambda);
/* Binomial(n, p) (a normal approximation for large n). */
int64_t ns_gen_binomial(ns_gen_rng_t *r, int64_t n, double p);
/* floor(x) plus one with probability frac(x): an integer with mean x >= 0. */
int64_t ns_gen_round_random(ns_gen_rng_t *r, double x);
/* A pseudo-random value in [0, 1) that depends only on its inputs (no
 * stream): for smooth signals computed day by day. */
double ns_gen_hash01(uint64_t seed, uint64_t a, uint64_t b, uint64_t c, uint64_t tag);

/* ----------------------------------------------------------------- dates */

int64_t ns_gen_days(int y, int m, int d);
void ns_gen_civil(int64_t days, int *y, int *m, int *d);
/* 0 = Sunday. */
int ns_gen_weekday(int64_t days);
int64_t ns_gen_floordiv(int64_t a, int64_t b);
/* The nth (1-based) Sunday of a month, or the last one when n is 0. */
int64_t ns_gen_sunday(int y, int m, int n);
/* Thanksgiving (4th Thursday of November) of year y. */
int64_t ns_gen_thanksgiving(int y);
/* Strict YYYY-MM-DD, years 1971..9990; 0 or -1. */
int ns_gen_parse_date(const char *s, int64_t *days);
/* ISO 8601 week of a day: its year and week number (1..53). */
void ns_gen_iso_week(int64_t day, int *year, int *week);
/* The Monday that starts the ISO week of day. */
int64_t ns_gen_iso_monday(int64_t day);
/* Day of the year, 0-based. */
int ns_gen_yday(int64_t day);

enum {
    NS_GEN_DATE_ISO,     /* 2026-11-24 */
    NS_GEN_DATE_COMPACT, /* 20261124 */
    NS_GEN_DATE_US,      /* 11/24/2026 */
    NS_GEN_DATE_YYMMDD,  /* 261124 */
    NS_GEN_DATE_LONG,    /* Nov 24, 2026 */
};
/* Formats day into out (cap >= 16). */
void ns_gen_fmt_date(char *out, size_t cap, int64_t day, int style);

/* ------------------------------------------------------------ time zones */

enum {
    NS_GEN_Z_NY, NS_GEN_Z_CHI, NS_GEN_Z_DEN, NS_GEN_Z_LA, NS_GEN_Z_TOR, NS_GEN_Z_VAN,
    NS_GEN_Z_LON, NS_GEN_Z_BER, NS_GEN_Z_PAR, NS_GEN_Z_AMS, NS_GEN_Z_MAD, NS_GEN_NZONE
};
/* IANA name of a zone. */
const char *ns_gen_zone_name(int zone);
/* The UTC offset (minutes) of a local wall-clock time (seconds since the
 * epoch as if local were UTC); -1 if daylight saving skips that time. An
 * ambiguous time takes the standard offset. */
int ns_gen_zone_local_offset(int zone, int64_t local, int *off_min);
/* The UTC offset (minutes) in force at a UTC instant. */
int ns_gen_zone_utc_offset(int zone, int64_t utc);

/* ------------------------------------------------------------ formatting */

/* Decimal digits of v (out cap >= 24); returns the length. */
size_t ns_gen_fmt_int(char *out, int64_t v);
/* Cents as "-12.34" (cap >= 32). */
void ns_gen_fmt_money(char *out, int64_t cents);
/* Thousands separators: 12480 -> "12,480" (cap >= 32). */
void ns_gen_fmt_thousands(char *out, int64_t v);
/* Cents with a currency sign and thousands separators: -5900 -> "-$59.00",
 * 120400 -> "$1,204.00" (cap >= 40). */
void ns_gen_fmt_money_sign(char *out, int64_t cents, const char *sign);
/* Cents as a trimmed decimal: 533950 -> "5339.5", 1200 -> "12", 7 -> "0.07". */
void ns_gen_fmt_money_trim(char *out, int64_t cents);
/* usd = round-half-away-from-zero(local_cents * micros / 1e6). */
int64_t ns_gen_to_usd(int64_t local_cents, int64_t micros);

/* ---------------------------------------------------------------- output */

/* How a file's bytes reach the store. */
enum {
    NS_GEN_ENC_UTF8 = 0,   /* as built */
    NS_GEN_ENC_UTF16LE = 1 /* converted to UTF-16LE with a byte-order mark */
};

/* One object being built in memory. */
typedef struct {
    ns_buf_t b;          /* the text (UTF-8), bounded by NS_GEN_FILE_MAX */
    char key[512];       /* key under the output root */
    int src;             /* NS_GEN_SRC_* it counts towards */
    bool gz;             /* gzip it on commit */
    int enc;             /* NS_GEN_ENC_* */
    uint64_t records;    /* data records in it */
    uint64_t bad;        /* of which planted bad */
} ns_gen_file_t;

#define NS_GEN_FILE_MAX ((size_t)1 << 30)

struct ns_gen_world;
struct ns_gen_truth;

/* The state of one run, shared by the modules. */
typedef struct ns_gen {
    const ns_gen_opts_t *o;             /* options (checked) */
    int64_t first, last;                /* first and last generated day */
    double file_bad_rate;               /* per-file damage probability in use */
    struct ns_gen_world *w;             /* the world */
    struct ns_gen_truth *t;             /* truth accumulators */
    ns_gen_stats_t *st;                 /* stats being filled */
    void *pos;                          /* the POS module's state (ns_gen_pos.c) */
} ns_gen_t;

/* Starts a file: key from the format (relative to the output root). */
int ns_gen_file_begin(ns_gen_file_t *f, int src, bool gz, int enc, ns_err_t *err,
                      const char *keyfmt, ...) __attribute__((format(printf, 6, 7)));
/* Appends text. */
int ns_gen_put(ns_gen_file_t *f, const char *s, size_t n, ns_err_t *err);
int ns_gen_puts(ns_gen_file_t *f, const char *s, ns_err_t *err);
int ns_gen_printf(ns_gen_file_t *f, ns_err_t *err, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Appends one CSV field (RFC 4180): quoted when it holds sep, a quote, CR
 * or LF, or when force is set; quotes doubled. */
int ns_gen_csv_field(ns_gen_file_t *f, const char *s, char sep, bool force, ns_err_t *err);

/* Damage applied on commit. */
enum {
    NS_GEN_INTACT = 0,
    NS_GEN_TRUNCATE = 1, /* only the first part of the (compressed) bytes */
    NS_GEN_EMPTY = 2     /* a zero-byte object */
};

/* Encodes, compresses, damages and writes f, counts it in the stats of its
 * source, and frees its buffer (also on failure). cut is the fraction of
 * the bytes kept by NS_GEN_TRUNCATE (0.1..0.9). */
int ns_gen_file_commit(ns_gen_t *g, ns_gen_file_t *f, int damage, double cut, ns_err_t *err);
/* Frees a file that will not be written. */
void ns_gen_file_discard(ns_gen_file_t *f);

/* Writes a whole object (already encoded) under the root. */
int ns_gen_put_object(ns_gen_t *g, const char *key, const void *data, size_t len, ns_err_t *err);

/* Is source s selected? */
static inline bool ns_gen_on(const ns_gen_t *g, int s)
{
    return (g->o->sources >> s) & 1u;
}

/* ---------------------------------------------------------- source units */

/* Each writes its source's objects for one day (or, for the sources that
 * are republished whole, for the run) and reports to the truth. */
int ns_gen_pos_day(ns_gen_t *g, int64_t day, ns_err_t *err);
int ns_gen_pos_begin(ns_gen_t *g, ns_err_t *err);
void ns_gen_pos_end(ns_gen_t *g);
int ns_gen_pos_summary(ns_gen_t *g, ns_err_t *err);
int ns_gen_edi_day(ns_gen_t *g, int64_t day, ns_err_t *err);
int ns_gen_portal_day(ns_gen_t *g, int64_t day, ns_err_t *err);
int ns_gen_online_day(ns_gen_t *g, int64_t day, ns_err_t *err);
int ns_gen_ads_day(ns_gen_t *g, int64_t day, ns_err_t *err);
int ns_gen_master_day(ns_gen_t *g, int64_t day, ns_err_t *err);
int ns_gen_weather_run(ns_gen_t *g, ns_err_t *err);
int ns_gen_laus_run(ns_gen_t *g, ns_err_t *err);

#endif
