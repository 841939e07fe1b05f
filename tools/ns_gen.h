/*
 * ns_gen: the data generator behind `nightshift gen`. It writes every raw
 * source of SOURCES.md for a run of days, from one consistent world (own and
 * partner stores, products, promotions, currencies, regions, campaigns), with
 * the data-quality problems real feeds have and with planted effects whose
 * parameters, together with exact totals over the valid records, go to
 * <out>/_gen/truth.json. docs/GENERATOR.md describes every source, quirk,
 * effect and total.
 *
 * The own-store point-of-sale feed (SOURCES.md section 1) is one gzip object
 * per store per business day:
 *
 *     <out>/pos/dt=YYYY-MM-DD/store=NNNN/pos-NNNN-YYYYMMDD.psv.gz
 *
 * pipe-delimited, one header line, 20 columns, one line per line item or
 * tender, with the quirks real audit extracts have: voided lines that repeat
 * an earlier line of the same transaction with negative quantity and amount,
 * returns that reference an original transaction that the generator really
 * produced (store-YYYYMMDD-register-seq), promotions with discounts, local
 * time with a separate UTC offset (daylight saving included), business days
 * that run past midnight in late-closing stores, CAD/GBP/EUR stores, and a
 * fraction of item lines written malformed (wrong field count, bad date,
 * non-numeric quantity, empty sku). A summary with the options and stats is
 * written to <out>/_gen/pos-summary.json. The other sources are written by
 * the tools/ns_gen_*.c modules (EDI 852, vendor portal, online orders,
 * clickstream, ads, weather, unemployment, master data).
 *
 * Determinism: the contents of one object depend only on the seed, the
 * dates it covers and the options that shape it (stores, scale, bad_rate,
 * dup_rate), through private PRNGs (splitmix64 seeding xoshiro256**). The
 * same file is produced whatever the number of days or the start date of
 * the run that writes it, and nothing reads the clock. Malformed records
 * come from separate streams, so bad_rate never changes a valid record.
 *
 * Workload: about 600 transactions (~2,000 lines, ~250 KB raw) per own
 * store per day at scale 1.0, and the other sources in proportion to the
 * store count (docs/GENERATOR.md lists sizes); single-threaded; memory is
 * bounded by the largest single object (a few MB at 20 stores).
 */
#ifndef NS_GEN_H
#define NS_GEN_H

#include "ns_err.h"

#include <stdint.h>

/* The sources, in the order they are written. */
enum {
    NS_GEN_SRC_POS,         /* pos/ */
    NS_GEN_SRC_EDI852,      /* wholesale/edi852/ */
    NS_GEN_SRC_PORTAL,      /* wholesale/portal/ */
    NS_GEN_SRC_ORDERS,      /* online/orders/ */
    NS_GEN_SRC_CLICKSTREAM, /* clickstream/ */
    NS_GEN_SRC_ADS_SEARCH,  /* ads/search/ */
    NS_GEN_SRC_ADS_SOCIAL,  /* ads/social/ */
    NS_GEN_SRC_WEATHER,     /* weather/ghcn/ */
    NS_GEN_SRC_LAUS,        /* economic/laus/ */
    NS_GEN_SRC_MASTER,      /* master/ */
    NS_GEN_NSRC
};
#define NS_GEN_ALL_SOURCES ((1u << NS_GEN_NSRC) - 1)

/* Source names as --sources takes them ("pos", "edi852", "portal", "orders",
 * "clickstream", "ads-search", "ads-social", "weather", "laus", "master"). */
extern const char *const ns_gen_source_names[NS_GEN_NSRC];

/* Parses a comma-separated list of source names ("all", or "ads" for both
 * ads sources) into a mask of (1u << NS_GEN_SRC_*). 0 or -1 with err. */
int ns_gen_parse_sources(const char *list, unsigned *mask, ns_err_t *err);

typedef struct {
    int stores;        /* number of own stores (ids 0001..stores), default 20, 1..9999 */
    int days;          /* days to generate, default 1, 1..3660 */
    const char *start; /* first business date YYYY-MM-DD (default 2026-11-24) */
    uint64_t seed;     /* deterministic for a seed (default 1) */
    const char *out;   /* root URI (file:///... or /abs/path) */
    double bad_rate;   /* fraction of item lines written malformed (default 0.001), 0..1 */
    double scale;      /* multiplies transactions per store per day (default 1.0; ~600 txns/store/day at 1.0), (0, 100] */
    int gzip_level;    /* default 6, 0..9 */
    unsigned sources;  /* mask of (1u << NS_GEN_SRC_*), default NS_GEN_ALL_SOURCES */
    double dup_rate;   /* per file: sent twice, sent late, an extra empty file (default 0.03), 0..1 */
    double file_bad_rate; /* per file: truncated gzip, EDI sets with wrong counts, ...;
                           * < 0 (default) means min(1, 20 * bad_rate) */
} ns_gen_opts_t;

/* What was written for one source. */
typedef struct {
    uint64_t files;        /* objects written */
    uint64_t records;      /* data records (lines, segments sets, events, rows), bad ones included */
    uint64_t bad_records;  /* planted malformed or unknown-reference records */
    uint64_t bytes_raw;    /* bytes before compression (UTF-16 for the portal) */
    uint64_t bytes_stored; /* bytes as stored */
} ns_gen_src_stats_t;

/* The first six fields describe the POS feed alone, as before the other
 * sources existed; src[] has every source (POS included). */
typedef struct {
    uint64_t files;        /* POS objects written (one per store per day; the summary not counted) */
    uint64_t lines;        /* data lines written, header lines not counted */
    uint64_t item_lines;   /* ITEM lines, malformed ones included */
    uint64_t bad_lines;    /* malformed lines (all of them ITEM lines) */
    uint64_t bytes_raw;    /* uncompressed bytes, header lines included */
    uint64_t bytes_stored; /* compressed bytes as stored */
    ns_gen_src_stats_t src[NS_GEN_NSRC]; /* per source */
} ns_gen_stats_t;

void ns_gen_opts_default(ns_gen_opts_t *o);

/* Writes the selected sources for opts and <out>/_gen/truth.json; fills *st
 * (may be NULL). 0, or -1 with err set (invalid options, or the store
 * failed: the message names the object). */
int ns_gen_run(const ns_gen_opts_t *o, ns_gen_stats_t *st, ns_err_t *err);

/* ---- the fixed world, for generators of master data ---- */

#define NS_GEN_MAX_PRODUCTS 600

typedef struct {
    char sku[24];           /* DRS-1042-BLK-M */
    char upc[13];           /* 12 digits with a valid check digit */
    char category[4];       /* DRS, TEE, JKT, ... (the sku's first part) */
    char colour[4];         /* BLK, NVY, ... */
    char size[4];           /* XS..XL, 28..36, OS */
    int64_t price_cents[4]; /* list price in USD, CAD, GBP, EUR (index = ns_gen_store_t.currency) */
} ns_gen_product_t;

/* Fills out[0..max) with the catalog (the same on every call); returns the
 * number of products (a few hundred, at most NS_GEN_MAX_PRODUCTS), or -1
 * when out of memory. */
int ns_gen_catalog(ns_gen_product_t *out, int max);

typedef struct {
    int id;               /* 1..9999, printed as 4 digits */
    char country[3];      /* US, CA, GB, DE, FR, NL, ES */
    int currency;         /* 0 USD, 1 CAD, 2 GBP, 3 EUR */
    const char *currency_code; /* "USD", ... (static) */
    const char *tz;       /* IANA name of its time zone (static) */
    int registers;        /* registers 01..registers */
    int late;             /* 1 if it trades until 01:30 (business day past midnight) */
    char state[4];        /* state or province (US, CA) or country code */
    const char *region;   /* region code (static), e.g. "US-NE" */
} ns_gen_store_t;

/* The attributes of store id (1..9999); -1 for an id out of range. */
int ns_gen_store_info(int id, ns_gen_store_t *out);

#endif
