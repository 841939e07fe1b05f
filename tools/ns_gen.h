/*
 * ns_gen: the data generator behind `nightshift gen`. It writes the raw
 * own-store point-of-sale feed of SOURCES.md section 1, one gzip object per
 * store per business day:
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
 * written to <out>/_gen/pos-summary.json.
 *
 * Determinism: the "world" (product catalog, stores, promotion calendar) is
 * fixed; the contents of one store's day depend only on (seed, store id,
 * business date, scale) and the malformed lines additionally on bad_rate,
 * through private PRNGs (splitmix64 seeding xoshiro256**). The same file is
 * produced whatever the number of stores or days or the start date of the
 * run that writes it, and nothing reads the clock.
 *
 * Workload: about 600 transactions (~2,000 lines, ~250 KB raw) per store per
 * day at scale 1.0; single-threaded; memory is bounded by one store-day.
 */
#ifndef NS_GEN_H
#define NS_GEN_H

#include "ns_err.h"

#include <stdint.h>

typedef struct {
    int stores;        /* number of own stores (ids 0001..stores), default 20, 1..9999 */
    int days;          /* days to generate, default 1, 1..3660 */
    const char *start; /* first business date YYYY-MM-DD (default 2026-11-24) */
    uint64_t seed;     /* deterministic for a seed (default 1) */
    const char *out;   /* root URI (file:///... or /abs/path) */
    double bad_rate;   /* fraction of item lines written malformed (default 0.001), 0..1 */
    double scale;      /* multiplies transactions per store per day (default 1.0; ~600 txns/store/day at 1.0), (0, 100] */
    int gzip_level;    /* default 6, 0..9 */
} ns_gen_opts_t;

typedef struct {
    uint64_t files;        /* objects written (one per store per day; the summary not counted) */
    uint64_t lines;        /* data lines written, header lines not counted */
    uint64_t item_lines;   /* ITEM lines, malformed ones included */
    uint64_t bad_lines;    /* malformed lines (all of them ITEM lines) */
    uint64_t bytes_raw;    /* uncompressed bytes, header lines included */
    uint64_t bytes_stored; /* compressed bytes as stored */
} ns_gen_stats_t;

void ns_gen_opts_default(ns_gen_opts_t *o);

/* Writes the feed for opts; fills *st (may be NULL). 0, or -1 with err set
 * (invalid options, or the store failed: the message names the object). */
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
} ns_gen_store_t;

/* The attributes of store id (1..9999); -1 for an id out of range. */
int ns_gen_store_info(int id, ns_gen_store_t *out);

#endif
