/*
 * ns_gen_world: the one world every generated source describes.
 *
 * Own stores (ids 0001..stores), partner stores (department partners that
 * report EDI 852, discount partners that export from a vendor portal), the
 * product catalog (SKU, UPC, style, clothing line, category, colour, size,
 * list prices in four currencies), the promotion calendar, daily currency
 * rates, regions with their weather stations and daily weather, US states
 * with their monthly unemployment rate, and the online campaigns. Every
 * source module reads them from here, so a SKU in an EDI file, a store in a
 * portal export and a promotion on a POS line all exist in master data.
 *
 * The planted effects live here too, as plain parameters and the
 * functions that apply them (ns_gen_store_effect, ns_gen_day_effect, the
 * promotion lifts, the conversion rates): the truth file prints the same
 * parameters, and docs/GENERATOR.md says exactly how each one enters.
 *
 * Everything is a function of (seed, ids, date): building the world costs
 * a few milliseconds and depends on no other option than the store count
 * (which sets how many stores exist, not what a store is).
 */
#ifndef NS_GEN_WORLD_H
#define NS_GEN_WORLD_H

#include "ns_gen_int.h"

#include <stdbool.h>
#include <stdint.h>

/* ---------------------------------------------------------------- basics */

enum { NS_GEN_USD, NS_GEN_CAD, NS_GEN_GBP, NS_GEN_EUR, NS_GEN_NCUR };
extern const char *const ns_gen_currency_codes[NS_GEN_NCUR];

enum { NS_GEN_CH_RETAIL, NS_GEN_CH_DEPARTMENT, NS_GEN_CH_DISCOUNT, NS_GEN_CH_ONLINE, NS_GEN_NCH };
extern const char *const ns_gen_channel_names[NS_GEN_NCH];

enum {
    NS_GEN_C_TEE, NS_GEN_C_SHR, NS_GEN_C_DRS, NS_GEN_C_SKT, NS_GEN_C_JNS, NS_GEN_C_PNT, NS_GEN_C_SHO,
    NS_GEN_C_SWT, NS_GEN_C_HDY, NS_GEN_C_JKT, NS_GEN_C_CTS, NS_GEN_C_SCF, NS_GEN_C_BAG, NS_GEN_NCAT
};
#define NS_GEN_CATBIT(c) (1u << (c))
#define NS_GEN_ALLCATS ((1u << NS_GEN_NCAT) - 1)
const char *ns_gen_cat_code(int c);
const char *ns_gen_cat_name(int c);

enum {
    NS_GEN_L_ESSENTIALS, NS_GEN_L_DENIM, NS_GEN_L_STUDIO, NS_GEN_L_ACTIVE, NS_GEN_L_HERITAGE,
    NS_GEN_L_OUTDOOR, NS_GEN_NLINE
};
extern const char *const ns_gen_line_names[NS_GEN_NLINE];
/* Planted growth per year of each clothing line's demand (all channels). */
extern const double ns_gen_line_growth[NS_GEN_NLINE];
/* Planted growth per year of each channel's volume. */
extern const double ns_gen_channel_growth[NS_GEN_NCH];
/* Trends are 1.0 on this day (2026-01-01). */
int64_t ns_gen_trend_day0(void);
double ns_gen_line_trend(int line, int64_t day);
double ns_gen_channel_trend(int ch, int64_t day);

/* --------------------------------------------------------------- catalog */

typedef struct {
    int n;                                      /* products */
    ns_gen_product_t p[NS_GEN_MAX_PRODUCTS];    /* the products */
    double w[NS_GEN_MAX_PRODUCTS];              /* base popularity */
    int cat[NS_GEN_MAX_PRODUCTS];               /* NS_GEN_C_* */
    int style[NS_GEN_MAX_PRODUCTS];             /* style number (the sku's second part) */
    int line[NS_GEN_MAX_PRODUCTS];              /* NS_GEN_L_* */
} ns_gen_catalog_t;

/* Fills c (deterministic; the same for every seed). */
void ns_gen_catalog_build(ns_gen_catalog_t *c);
/* The style's display name (may hold a comma or quotes), its description
 * (may hold a line break), and the colour's name. */
void ns_gen_style_name(const ns_gen_catalog_t *c, int i, char *out, size_t cap);
void ns_gen_style_desc(const ns_gen_catalog_t *c, int i, char *out, size_t cap);
const char *ns_gen_colour_name(const char *code);

/* --------------------------------------------------------------- regions */

typedef struct {
    const char *code;        /* US-NE */
    const char *name;        /* Northeast */
    const char *country;     /* US */
    double tmax_mean;        /* yearly mean of TMAX, deg C */
    double tmax_amp;         /* half the seasonal swing, deg C */
    double diurnal;          /* TMAX - TMIN, deg C */
    double wet_winter;       /* chance of a wet day in January */
    double wet_summer;       /* ... in July */
    double rain_mm;          /* mean amount of a wet day, mm */
    double rain_effect;      /* planted: traffic multiplier - 1 on a rainy day */
    double temp_effect;      /* planted: traffic change per deg C of TMAX anomaly */
    bool snow;               /* its stations report SNOW */
} ns_gen_region_t;

enum { NS_GEN_NREGION = 13 };
extern const ns_gen_region_t ns_gen_regions[NS_GEN_NREGION];

typedef struct {
    const char *city;     /* Dayton */
    const char *state;    /* OH (province, nation code outside the US/CA) */
    const char *country;  /* US */
    int region;           /* index into ns_gen_regions */
    int zone;             /* NS_GEN_Z_* */
    double lat, lon;      /* degrees */
    int fips;             /* US state FIPS code, 0 elsewhere */
} ns_gen_city_t;

extern const ns_gen_city_t ns_gen_cities[];
extern const int ns_gen_ncities;

/* The latent daily weather of a region (what its reference station
 * measures): tenths of deg C, tenths of mm, mm. */
typedef struct {
    int tmax, tmin;    /* tenths of a degree C */
    int prcp;          /* tenths of mm */
    int snow;          /* mm */
    int tmax_normal;   /* the seasonal normal of tmax, tenths of a degree C */
} ns_gen_wx_t;

void ns_gen_weather_latent(uint64_t seed, int region, int64_t day, ns_gen_wx_t *wx);
/* Rain counts for the planted effect from this much (tenths of mm). */
#define NS_GEN_RAIN_THRESHOLD 50

typedef struct {
    char id[12];       /* USW00014739 */
    int region;        /* index into ns_gen_regions */
    int city;          /* the city it is near */
    double lat, lon;   /* degrees */
    double elev;       /* metres */
    bool coop;         /* cooperative station: observation time 0800 */
    bool reference;    /* reports the region's latent weather exactly */
    char name[32];     /* BOSTON LOGAN INTL AP */
    int wmo;           /* WMO id or 0 */
    int late;          /* 1 if it reports each day's values a day late */
} ns_gen_station_t;

enum { NS_GEN_STATIONS_PER_REGION = 3, NS_GEN_NSTATION = NS_GEN_NREGION * NS_GEN_STATIONS_PER_REGION };

/* ------------------------------------------------------------ unemployment */

typedef struct {
    int fips;          /* 1..72 */
    const char *abbr;  /* OH */
    const char *name;  /* Ohio */
    double base;       /* its typical rate, percent */
} ns_gen_state_t;

extern const ns_gen_state_t ns_gen_states[];
extern const int ns_gen_nstates;

/* The true seasonally adjusted unemployment rate of a state and month, in
 * tenths of a percent (51 = 5.1%). */
int ns_gen_unemp_tenths(uint64_t seed, int fips, int year, int month);
/* Planted: store traffic x (rate / reference)^elasticity, US stores, with
 * the true rate of the state in the month NS_GEN_UNEMP_LAG_MONTHS before
 * the month of the sale: the latest month whose rate is published (third
 * Friday of the next month) before the month of the sale begins, the
 * labour-market news shoppers spend on. */
#define NS_GEN_UNEMP_ELASTICITY (-0.5)
#define NS_GEN_UNEMP_REFERENCE 5.0
#define NS_GEN_UNEMP_LAG_MONTHS 2

/* ------------------------------------------------------------------- FX */

/* USD per unit of currency cur on day (6 decimals, as micro-dollars);
 * weekends carry Friday's rate. USD is 1000000. */
int64_t ns_gen_fx_micros(uint64_t seed, int cur, int64_t day);

/* ---------------------------------------------------------------- stores */

enum { NS_GEN_MALL_STRIP, NS_GEN_MALL_ENCLOSED, NS_GEN_MALL_STREET, NS_GEN_MALL_OUTLET, NS_GEN_NMALL };
extern const char *const ns_gen_mall_names[NS_GEN_NMALL];
/* Planted traffic multipliers by mall type. */
extern const double ns_gen_mall_effect[NS_GEN_NMALL];
/* Planted: traffic x (1 + per_year * (tenure_months - reference) / 12). */
#define NS_GEN_STAFF_PER_YEAR 0.04
#define NS_GEN_STAFF_REFERENCE 24
#define NS_GEN_MGR_PER_YEAR 0.02
#define NS_GEN_MGR_REFERENCE 36

typedef struct {
    int partner;          /* -1 for an own store, else index into the world's partners */
    int num;              /* own: store id 1..9999; partner: the partner's store number */
    char id[8];           /* num as 4 digits */
    int city;             /* index into ns_gen_cities */
    int region;           /* index into ns_gen_regions */
    int zone;             /* NS_GEN_Z_* */
    int currency;         /* NS_GEN_USD.. */
    char name[96];        /* display name (may hold a comma or quotes) */
    char address[96];     /* street address (may hold a line break) */
    double lat, lon;      /* degrees */
    int64_t opened;       /* opening day */
    int sqft;             /* selling area, square feet */
    int mall;             /* NS_GEN_MALL_* */
    int mgr_tenure;       /* store manager's tenure, months */
    int staff_tenure;     /* average staff tenure, months */
    int endcaps;          /* endcap fixtures */
    bool circular;        /* takes part in the weekly circular */
    int displays;         /* in-store display fixtures */
    double size;          /* traffic factor 0.6..1.4 */
    int registers;        /* own: registers */
    int late;             /* own: trades until 01:30 */
    int open_hour;        /* own: 9 or 10 */
    int close_hour;       /* own: 21, 22, or 25 (late) */
} ns_gen_store_rec_t;

/* Own store id (1..9999) into *s; -1 when out of range. The fields the
 * POS feed used before the world existed (currency, zone, size, registers,
 * hours) are drawn exactly as then. */
int ns_gen_own_store(int id, ns_gen_store_rec_t *s);

/* mall x staff tenure x manager tenure (the planted store effect). */
double ns_gen_store_effect(const ns_gen_store_rec_t *s);
/* weather x unemployment x channel trend for a store on a day. */
double ns_gen_day_effect(uint64_t seed, const ns_gen_store_rec_t *s, int channel, int64_t day);
/* Weekday and season factors of physical stores (0 on Christmas Day). */
double ns_gen_dow_factor(int64_t day);
double ns_gen_season(int64_t day);

/* -------------------------------------------------------------- partners */

enum { NS_GEN_DAILY, NS_GEN_WEEKLY, NS_GEN_WEEK_TO_DATE };

typedef struct {
    const char *code;      /* GRANDDEPT: ISA06 sender / portal file prefix */
    const char *name;      /* display name prefix of its stores */
    int channel;           /* NS_GEN_CH_DEPARTMENT or NS_GEN_CH_DISCOUNT */
    int cadence;           /* NS_GEN_DAILY, NS_GEN_WEEKLY, NS_GEN_WEEK_TO_DATE */
    int send_weekday;      /* weekly: the weekday it sends (0 = Sunday) */
    char elem, comp;       /* EDI: element and component separators */
    const char *term;      /* EDI: segment terminator (+ line break) */
    bool sdq;              /* EDI: SDQ per-store quantities instead of N1*RL sets */
    bool crlf;             /* portal: CRLF line ends */
    double units;          /* units per store per day at scale 1 */
    double carry;          /* fraction of the styles it carries */
    int price_pct;         /* portal: its retail price as percent of list */
    int send_hour;         /* hour of the day it sends (ISA10 / run time) */
    bool europe;           /* its stores are in GB, DE, FR, NL and ES (else in the US) */
} ns_gen_partner_t;

enum { NS_GEN_NPARTNER = 6 };
extern const ns_gen_partner_t ns_gen_partners[NS_GEN_NPARTNER];

/* Stores per partner for a run of n own stores. */
int ns_gen_partner_nstores(int own_stores);
/* Store k (0-based) of partner p. */
void ns_gen_partner_store(int p, int k, ns_gen_store_rec_t *s);
/* Does partner p carry product i? */
bool ns_gen_partner_carries(const ns_gen_catalog_t *c, int p, int i);

/* Units sold (qs), returned by consumers (qu) and on hand (qa) per product
 * at partner store k of p on day (arrays of c->n; only carried products
 * are nonzero). Depends on (seed, p, k, day, scale) only. */
void ns_gen_partner_day(uint64_t seed, double scale, const ns_gen_catalog_t *c, int p, int k,
                        int64_t day, int *qs, int *qu, int *qa);

/* ------------------------------------------------------------ promotions */

enum {
    NS_GEN_PT_PRICE, NS_GEN_PT_COUPON, NS_GEN_PT_ENDCAP, NS_GEN_PT_CIRCULAR, NS_GEN_PT_DISPLAY,
    NS_GEN_NPT
};
extern const char *const ns_gen_promo_type_names[NS_GEN_NPT];
/* Planted: expected units of the promoted categories x lift, in the stores
 * the promotion applies to, while it runs. */
extern const double ns_gen_promo_lift[NS_GEN_NPT];

enum { NS_GEN_SF_ALL, NS_GEN_SF_ENDCAPS, NS_GEN_SF_CIRCULAR, NS_GEN_SF_DISPLAYS };
extern const char *const ns_gen_store_filter_names[4];

typedef struct {
    char id[16];        /* promo_id as printed on POS lines */
    char code[16];      /* online discount code ("" if none) */
    char name[64];      /* display name (may hold a comma or quotes) */
    int type;           /* NS_GEN_PT_* */
    int pct;            /* percentage off, or 0 */
    int fixed_units;    /* fixed amount off a line (local currency units), or 0 */
    int min_units;      /* a fixed discount needs at least this unit price */
    uint32_t cats;      /* NS_GEN_CATBIT() mask of the categories it covers */
    int store_filter;   /* NS_GEN_SF_* */
    int64_t start, end; /* first and last day */
} ns_gen_promo_t;

enum { NS_GEN_MAX_PROMOS = 8 };
/* Every promotion running on day, in discount precedence order (price
 * discount, circular, coupon, then the ones without a discount). */
int ns_gen_promos(int64_t day, ns_gen_promo_t out[NS_GEN_MAX_PROMOS]);
bool ns_gen_promo_applies(const ns_gen_promo_t *p, const ns_gen_store_rec_t *s);

/* ------------------------------------------------------------- campaigns */

enum { NS_GEN_PLAT_SEARCH, NS_GEN_PLAT_SOCIAL, NS_GEN_PLAT_NONE };

typedef struct {
    const char *name;       /* utm_campaign ("" for none) */
    int platform;           /* NS_GEN_PLAT_* */
    const char *source;     /* utm_source */
    const char *medium;     /* utm_medium ("" for direct) */
    const char *referrer;   /* document referrer of the landing page */
    int start_md, end_md;   /* active from month*100+day to (wraps the year); 0 = always */
    double sessions;        /* sessions per day per own store at scale 1 */
    double conv;            /* planted conversion rate of its sessions */
    double landing;         /* paid: sessions per click */
    int64_t cpc_cents;      /* paid: mean cost per click */
    double ctr;             /* paid: clicks per impression */
    const char *groups[3];  /* paid: ad group / ad set names (may hold commas) */
} ns_gen_campaign_t;

enum { NS_GEN_NCAMPAIGN = 13 };
extern const ns_gen_campaign_t ns_gen_campaigns[NS_GEN_NCAMPAIGN];
bool ns_gen_campaign_active(const ns_gen_campaign_t *c, int64_t day);

/* The online day: how many clicks, sessions and orders each campaign
 * brings (orders are numbered campaign by campaign: the orders of campaign
 * c are first_order[c] .. first_order[c+1]-1, the untracked ones last). */
typedef struct {
    int64_t clicks[NS_GEN_NCAMPAIGN];          /* paid: ad clicks */
    int64_t sessions[NS_GEN_NCAMPAIGN];        /* sessions that landed */
    int64_t orders[NS_GEN_NCAMPAIGN];          /* of which converted (one order each) */
    int64_t untracked;                         /* orders with no tracked session */
    int64_t first_order[NS_GEN_NCAMPAIGN + 1]; /* numbering, see above */
    int64_t norders;                           /* orders of the day */
} ns_gen_webplan_t;

void ns_gen_web_plan(uint64_t seed, int stores, double scale, int64_t day, ns_gen_webplan_t *p);
/* The online shop's traffic factors (Black Friday, Cyber Monday, ...). */
double ns_gen_online_season(int64_t day);

/* ----------------------------------------------------------------- world */

typedef struct ns_gen_world {
    ns_gen_catalog_t cat;                       /* products */
    int nown;                                   /* own stores */
    ns_gen_store_rec_t *own;                    /* own stores 1..nown at [0..nown) */
    int npart;                                  /* stores per partner */
    ns_gen_store_rec_t *part[NS_GEN_NPARTNER];  /* partner stores */
    ns_gen_station_t st[NS_GEN_NSTATION];       /* weather stations */
} ns_gen_world_t;

/* Builds the world of a run; NULL when out of memory. */
ns_gen_world_t *ns_gen_world_new(int own_stores);
void ns_gen_world_free(ns_gen_world_t **wp);

/* Index of a UPC / SKU in the catalog, or -1. */
int ns_gen_find_upc(const ns_gen_catalog_t *c, const char *upc);

/* A UPC-A with a valid check digit for an item number that no product has
 * (unknown products planted in the feeds). */
void ns_gen_unknown_upc(char out[13], uint64_t k);

#endif
