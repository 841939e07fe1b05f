/*
 * ns_gen_world: the world behind every generated source (see
 * ns_gen_world.h): the tables (regions, cities, states, partners,
 * campaigns, categories, lines), the catalog and store builders, the
 * promotion calendar, the latent daily weather and monthly unemployment,
 * currency rates, partner-store daily sales and the online day plan, and
 * the planted effects that connect them.
 *
 * The catalog and the own stores' original attributes are drawn exactly as
 * the POS-only generator drew them, so the products and stores of earlier
 * runs keep their SKUs, UPCs, currencies and time zones; the attributes
 * added with the other sources come from streams of their own.
 */
#include "ns_gen_world.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_PI 3.14159265358979323846

/* ---------------------------------------------------------------- tables */

const char *const ns_gen_currency_codes[NS_GEN_NCUR] = {"USD", "CAD", "GBP", "EUR"};
const char *const ns_gen_channel_names[NS_GEN_NCH] = {"retail", "department", "discount", "online"};
const double ns_gen_channel_growth[NS_GEN_NCH] = {-0.03, -0.06, 0.02, 0.25};
const char *const ns_gen_line_names[NS_GEN_NLINE] = {"Essentials", "Denim Lab", "Studio",
                                                     "Active",     "Heritage",  "Outdoor"};
const double ns_gen_line_growth[NS_GEN_NLINE] = {0.00, 0.05, 0.15, 0.25, -0.10, 0.08};
const char *const ns_gen_mall_names[NS_GEN_NMALL] = {"strip", "enclosed", "street", "outlet"};
const double ns_gen_mall_effect[NS_GEN_NMALL] = {1.00, 1.12, 0.94, 0.86};
const char *const ns_gen_promo_type_names[NS_GEN_NPT] = {"price discount", "coupon", "endcap",
                                                         "circular", "in-store display"};
const double ns_gen_promo_lift[NS_GEN_NPT] = {1.45, 1.08, 1.30, 1.20, 1.15};
const char *const ns_gen_store_filter_names[4] = {"all own stores", "own stores with endcaps",
                                                  "own stores in the circular program",
                                                  "own stores with in-store displays"};

static const char *const s_cat_codes[NS_GEN_NCAT] = {"TEE", "SHR", "DRS", "SKT", "JNS", "PNT", "SHO",
                                                     "SWT", "HDY", "JKT", "CTS", "SCF", "BAG"};
static const char *const s_cat_names[NS_GEN_NCAT] = {
    "T-shirts", "Shirts", "Dresses", "Skirts", "Jeans", "Trousers", "Shorts",
    "Sweaters", "Hoodies", "Jackets", "Coats", "Scarves", "Bags"};

const char *ns_gen_cat_code(int c)
{
    return s_cat_codes[c];
}

const char *ns_gen_cat_name(int c)
{
    return s_cat_names[c];
}

const ns_gen_region_t ns_gen_regions[NS_GEN_NREGION] = {
    /* code    name                country mean  amp  diur  wetW  wetS  mm    rain    temp    snow */
    {"US-NE", "Northeast", "US", 16.0, 13.0, 9.0, 0.33, 0.30, 8.0, -0.12, 0.006, true},
    {"US-SE", "Southeast", "US", 25.0, 8.0, 10.0, 0.30, 0.40, 12.0, -0.08, -0.004, true},
    {"US-MW", "Midwest", "US", 15.0, 15.0, 10.0, 0.28, 0.33, 9.0, -0.10, 0.008, true},
    {"US-SC", "South Central", "US", 26.0, 9.0, 11.0, 0.18, 0.22, 14.0, -0.15, -0.005, true},
    {"US-MT", "Mountain", "US", 17.0, 13.0, 15.0, 0.15, 0.20, 5.0, -0.05, 0.004, true},
    {"US-W", "Pacific", "US", 20.0, 6.0, 9.0, 0.35, 0.05, 10.0, -0.14, 0.002, true},
    {"CA-ON", "Ontario", "CA", 12.0, 15.0, 9.0, 0.35, 0.33, 7.0, -0.10, 0.009, true},
    {"CA-BC", "British Columbia", "CA", 14.0, 8.0, 7.0, 0.55, 0.20, 9.0, -0.06, 0.005, true},
    {"GB", "United Kingdom", "GB", 14.0, 6.0, 7.0, 0.55, 0.45, 5.0, -0.07, 0.010, false},
    {"DE", "Germany", "DE", 14.0, 10.0, 9.0, 0.45, 0.45, 5.0, -0.09, 0.007, false},
    {"FR", "France", "FR", 16.0, 9.0, 9.0, 0.40, 0.30, 6.0, -0.08, 0.006, false},
    {"NL", "Netherlands", "NL", 14.0, 7.0, 7.0, 0.50, 0.45, 5.0, -0.05, 0.007, false},
    {"ES", "Spain", "ES", 21.0, 9.0, 11.0, 0.25, 0.05, 8.0, -0.18, -0.003, false},
};
enum { R_NE, R_SE, R_MW, R_SC, R_MT, R_W, R_ON, R_BC, R_GB, R_DE, R_FR, R_NL, R_ES };

const ns_gen_city_t ns_gen_cities[] = {
    {"New York", "NY", "US", R_NE, NS_GEN_Z_NY, 40.71, -74.01, 36},
    {"Boston", "MA", "US", R_NE, NS_GEN_Z_NY, 42.36, -71.06, 25},
    {"Philadelphia", "PA", "US", R_NE, NS_GEN_Z_NY, 39.95, -75.17, 42},
    {"Columbus", "OH", "US", R_MW, NS_GEN_Z_NY, 39.96, -83.00, 39},
    {"Dayton", "OH", "US", R_MW, NS_GEN_Z_NY, 39.76, -84.19, 39},
    {"Detroit", "MI", "US", R_MW, NS_GEN_Z_NY, 42.33, -83.05, 26},
    {"Atlanta", "GA", "US", R_SE, NS_GEN_Z_NY, 33.75, -84.39, 13},
    {"Miami", "FL", "US", R_SE, NS_GEN_Z_NY, 25.76, -80.19, 12},
    {"Charlotte", "NC", "US", R_SE, NS_GEN_Z_NY, 35.23, -80.84, 37},
    {"Chicago", "IL", "US", R_MW, NS_GEN_Z_CHI, 41.88, -87.63, 17},
    {"Minneapolis", "MN", "US", R_MW, NS_GEN_Z_CHI, 44.98, -93.27, 27},
    {"Dallas", "TX", "US", R_SC, NS_GEN_Z_CHI, 32.78, -96.80, 48},
    {"Houston", "TX", "US", R_SC, NS_GEN_Z_CHI, 29.76, -95.37, 48},
    {"Nashville", "TN", "US", R_SE, NS_GEN_Z_CHI, 36.16, -86.78, 47},
    {"Denver", "CO", "US", R_MT, NS_GEN_Z_DEN, 39.74, -104.99, 8},
    {"Salt Lake City", "UT", "US", R_MT, NS_GEN_Z_DEN, 40.76, -111.89, 49},
    {"Los Angeles", "CA", "US", R_W, NS_GEN_Z_LA, 34.05, -118.24, 6},
    {"San Francisco", "CA", "US", R_W, NS_GEN_Z_LA, 37.77, -122.42, 6},
    {"Seattle", "WA", "US", R_W, NS_GEN_Z_LA, 47.61, -122.33, 53},
    {"Portland", "OR", "US", R_W, NS_GEN_Z_LA, 45.52, -122.68, 41},
    {"Toronto", "ON", "CA", R_ON, NS_GEN_Z_TOR, 43.65, -79.38, 0},
    {"Ottawa", "ON", "CA", R_ON, NS_GEN_Z_TOR, 45.42, -75.70, 0},
    {"Vancouver", "BC", "CA", R_BC, NS_GEN_Z_VAN, 49.28, -123.12, 0},
    {"Victoria", "BC", "CA", R_BC, NS_GEN_Z_VAN, 48.43, -123.37, 0},
    {"London", "ENG", "GB", R_GB, NS_GEN_Z_LON, 51.51, -0.13, 0},
    {"Manchester", "ENG", "GB", R_GB, NS_GEN_Z_LON, 53.48, -2.24, 0},
    {"Berlin", "BE", "DE", R_DE, NS_GEN_Z_BER, 52.52, 13.40, 0},
    {"Munich", "BY", "DE", R_DE, NS_GEN_Z_BER, 48.14, 11.58, 0},
    {"Paris", "IDF", "FR", R_FR, NS_GEN_Z_PAR, 48.86, 2.35, 0},
    {"Lyon", "ARA", "FR", R_FR, NS_GEN_Z_PAR, 45.76, 4.84, 0},
    {"Amsterdam", "NH", "NL", R_NL, NS_GEN_Z_AMS, 52.37, 4.90, 0},
    {"Rotterdam", "ZH", "NL", R_NL, NS_GEN_Z_AMS, 51.92, 4.48, 0},
    {"Madrid", "MD", "ES", R_ES, NS_GEN_Z_MAD, 40.42, -3.70, 0},
    {"Barcelona", "CT", "ES", R_ES, NS_GEN_Z_MAD, 41.39, 2.17, 0},
};
const int ns_gen_ncities = (int)(sizeof ns_gen_cities / sizeof ns_gen_cities[0]);
#define S_NUS_CITIES 20 /* the first 20 cities are in the US */

const ns_gen_state_t ns_gen_states[] = {
    {1, "AL", "Alabama", 3.2},        {2, "AK", "Alaska", 4.6},
    {4, "AZ", "Arizona", 4.1},        {5, "AR", "Arkansas", 3.5},
    {6, "CA", "California", 5.2},     {8, "CO", "Colorado", 3.6},
    {9, "CT", "Connecticut", 4.1},    {10, "DE", "Delaware", 4.2},
    {11, "DC", "District of Columbia", 5.3}, {12, "FL", "Florida", 3.3},
    {13, "GA", "Georgia", 3.4},       {15, "HI", "Hawaii", 3.1},
    {16, "ID", "Idaho", 3.4},         {17, "IL", "Illinois", 4.7},
    {18, "IN", "Indiana", 3.8},       {19, "IA", "Iowa", 3.0},
    {20, "KS", "Kansas", 3.2},        {21, "KY", "Kentucky", 4.5},
    {22, "LA", "Louisiana", 4.1},     {23, "ME", "Maine", 3.1},
    {24, "MD", "Maryland", 3.0},      {25, "MA", "Massachusetts", 3.8},
    {26, "MI", "Michigan", 4.4},      {27, "MN", "Minnesota", 3.0},
    {28, "MS", "Mississippi", 3.6},   {29, "MO", "Missouri", 3.6},
    {30, "MT", "Montana", 3.1},       {31, "NE", "Nebraska", 2.7},
    {32, "NV", "Nevada", 5.6},        {33, "NH", "New Hampshire", 2.6},
    {34, "NJ", "New Jersey", 4.6},    {35, "NM", "New Mexico", 4.2},
    {36, "NY", "New York", 4.3},      {37, "NC", "North Carolina", 3.7},
    {38, "ND", "North Dakota", 2.4},  {39, "OH", "Ohio", 4.8},
    {40, "OK", "Oklahoma", 3.3},      {41, "OR", "Oregon", 4.1},
    {42, "PA", "Pennsylvania", 3.6},  {44, "RI", "Rhode Island", 4.4},
    {45, "SC", "South Carolina", 4.2}, {46, "SD", "South Dakota", 2.0},
    {47, "TN", "Tennessee", 3.5},     {48, "TX", "Texas", 4.1},
    {49, "UT", "Utah", 3.2},          {50, "VT", "Vermont", 2.4},
    {51, "VA", "Virginia", 3.0},      {53, "WA", "Washington", 4.5},
    {54, "WV", "West Virginia", 4.2}, {55, "WI", "Wisconsin", 3.2},
    {56, "WY", "Wyoming", 3.0},       {72, "PR", "Puerto Rico", 5.6},
};
const int ns_gen_nstates = (int)(sizeof ns_gen_states / sizeof ns_gen_states[0]);

const ns_gen_partner_t ns_gen_partners[NS_GEN_NPARTNER] = {
    {"GRANDDEPT", "GRAND DEPT", NS_GEN_CH_DEPARTMENT, NS_GEN_WEEKLY, 3, '*', '>', "~\n", false,
     false, 90, 0.55, 100, 4, false},
    {"HARTWELLS", "HARTWELLS", NS_GEN_CH_DEPARTMENT, NS_GEN_DAILY, 0, '|', '^', "\n", true, false,
     70, 0.45, 100, 2, false},
    {"NORDLINE", "NORDLINE", NS_GEN_CH_DEPARTMENT, NS_GEN_DAILY, 0, '*', ':', "~", false, false,
     60, 0.40, 100, 5, false},
    {"VALUMART", "VALUMART", NS_GEN_CH_DISCOUNT, NS_GEN_WEEKLY, 2, 0, 0, NULL, false, false, 110,
     0.30, 85, 6, false},
    {"THRIFTCO", "THRIFTCO", NS_GEN_CH_DISCOUNT, NS_GEN_WEEK_TO_DATE, 0, 0, 0, NULL, false, true,
     80, 0.25, 80, 7, false},
    /* a European department-store group: stores in every European country
     * of the world, a daily 852 with one N1*RL set per store */
    {"MERIDIAN", "MERIDIAN", NS_GEN_CH_DEPARTMENT, NS_GEN_DAILY, 0, '*', '>', "~\n", false, false,
     110, 0.50, 100, 3, true},
};

const ns_gen_campaign_t ns_gen_campaigns[NS_GEN_NCAMPAIGN] = {
    {"brand_core", NS_GEN_PLAT_SEARCH, "google", "cpc", "https://www.google.com/", 0, 0, 12, 0.065,
     0.92, 45, 0.085, {"Brand - Exact", "Brand, Broad", NULL}},
    {"fall_denim", NS_GEN_PLAT_SEARCH, "google", "cpc", "https://www.google.com/", 901, 1130, 8,
     0.032, 0.92, 129, 0.041, {"Denim - Search", "Denim, Women", "Denim, Men"}},
    {"outerwear_winter", NS_GEN_PLAT_SEARCH, "google", "cpc", "https://www.google.com/", 1015, 228,
     6, 0.024, 0.92, 160, 0.036, {"Coats & Jackets", "Puffers, \"Warm\"", NULL}},
    {"holiday_gifts", NS_GEN_PLAT_SEARCH, "google", "cpc", "https://www.google.com/", 1115, 1224, 8,
     0.041, 0.92, 140, 0.047, {"Gifts - Her", "Gifts - Him", "Stocking stuffers"}},
    {"generic_apparel", NS_GEN_PLAT_SEARCH, "google", "cpc", "https://www.google.com/", 0, 0, 10,
     0.015, 0.92, 95, 0.028, {"Apparel - Generic", NULL, NULL}},
    {"fall_lookbook", NS_GEN_PLAT_SOCIAL, "meta", "paid_social", "https://l.facebook.com/", 915,
     1130, 10, 0.011, 0.78, 85, 0.012, {"Women 25-44", "Lookalike 1%, US", NULL}},
    {"denim_reels", NS_GEN_PLAT_SOCIAL, "meta", "paid_social", "https://l.instagram.com/", 0, 0, 8,
     0.008, 0.78, 60, 0.009, {"Reels - Denim", "Broad 18-34", NULL}},
    {"winter_outerwear_social", NS_GEN_PLAT_SOCIAL, "meta", "paid_social", "https://l.facebook.com/",
     1101, 215, 7, 0.014, 0.78, 90, 0.011, {"Cold regions", "Interest: Skiing, Hiking", NULL}},
    {"retargeting_dpa", NS_GEN_PLAT_SOCIAL, "meta", "paid_social", "https://l.facebook.com/", 0, 0,
     6, 0.055, 0.78, 110, 0.015, {"Cart abandoners 7d", "Viewers 30d", NULL}},
    {"weekly_newsletter", NS_GEN_PLAT_NONE, "newsletter", "email", "", 0, 0, 10, 0.045, 0, 0, 0,
     {NULL, NULL, NULL}},
    {"", NS_GEN_PLAT_NONE, "google", "organic", "https://www.google.com/", 0, 0, 35, 0.028, 0, 0, 0,
     {NULL, NULL, NULL}},
    {"", NS_GEN_PLAT_NONE, "stylemag.example.org", "referral", "https://stylemag.example.org/",
     0, 0, 5, 0.020, 0, 0, 0, {NULL, NULL, NULL}},
    {"", NS_GEN_PLAT_NONE, "", "", "", 0, 0, 30, 0.035, 0, 0, 0, {NULL, NULL, NULL}},
};

bool ns_gen_campaign_active(const ns_gen_campaign_t *c, int64_t day)
{
    if (!c->start_md)
        return true;
    int y, m, d;
    ns_gen_civil(day, &y, &m, &d);
    int md = m * 100 + d;
    if (c->start_md <= c->end_md)
        return md >= c->start_md && md <= c->end_md;
    return md >= c->start_md || md <= c->end_md;
}

/* ---------------------------------------------------------------- trends */

int64_t ns_gen_trend_day0(void)
{
    return ns_gen_days(2026, 1, 1);
}

double ns_gen_line_trend(int line, int64_t day)
{
    return pow(1.0 + ns_gen_line_growth[line], (double)(day - ns_gen_trend_day0()) / 365.25);
}

double ns_gen_channel_trend(int ch, int64_t day)
{
    return pow(1.0 + ns_gen_channel_growth[ch], (double)(day - ns_gen_trend_day0()) / 365.25);
}

/* --------------------------------------------------------------- catalog */

enum { S_SZ_A4, S_SZ_A5, S_SZ_XS4, S_SZ_WAIST, S_SZ_OS };

typedef struct {
    int64_t min, max;  /* USD list price range, cents */
    int sizes;         /* S_SZ_* */
    double weight;     /* popularity */
} s_category_t;

static const s_category_t s_categories[NS_GEN_NCAT] = {
    {990, 2490, S_SZ_A4, 1.6},    {2990, 5990, S_SZ_A4, 1.0},   {4990, 9990, S_SZ_A5, 1.0},
    {2990, 5990, S_SZ_XS4, 0.6},  {3990, 8990, S_SZ_WAIST, 1.2}, {3490, 6990, S_SZ_WAIST, 0.8},
    {1990, 3990, S_SZ_A4, 0.6},   {3990, 7990, S_SZ_A4, 0.8},   {3490, 5990, S_SZ_A4, 0.8},
    {6900, 14900, S_SZ_A4, 0.5},  {9900, 24900, S_SZ_A4, 0.3},  {1490, 2990, S_SZ_OS, 0.4},
    {2490, 7990, S_SZ_OS, 0.3},
};

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
static const char *const s_colour_names[12] = {"Black", "White", "Navy",  "Grey",
                                               "Red",   "Blue",  "Green", "Beige",
                                               "Brown", "Indigo", "Pink", "Olive"};
static const int s_currency_pct[4] = {100, 135, 80, 93}; /* local list price per 100 USD */

const char *ns_gen_colour_name(const char *code)
{
    for (int i = 0; i < 12; i++)
        if (strcmp(code, s_colours[i]) == 0)
            return s_colour_names[i];
    return code;
}

/* Retail price endings: .90 below 60, whole units from 60 up. */
static int64_t s_price_end(int64_t cents)
{
    int64_t units = cents / 100;
    return units >= 60 ? units * 100 : units * 100 + 90;
}

/* The clothing line of a style: a few categories lean to one line. */
static int s_line_of(int cat, int style)
{
    double u = ns_gen_hash01(0x4c494e45ULL, (uint64_t)style, (uint64_t)cat, 0,
                             NS_GEN_TAG_PRODUCT_ATTR);
    switch (cat) {
    case NS_GEN_C_JNS: return u < 0.8 ? NS_GEN_L_DENIM : NS_GEN_L_HERITAGE;
    case NS_GEN_C_JKT:
    case NS_GEN_C_CTS: return u < 0.6 ? NS_GEN_L_OUTDOOR : NS_GEN_L_HERITAGE;
    case NS_GEN_C_HDY:
    case NS_GEN_C_SHO: return u < 0.6 ? NS_GEN_L_ACTIVE : NS_GEN_L_ESSENTIALS;
    case NS_GEN_C_DRS:
    case NS_GEN_C_SKT: return u < 0.7 ? NS_GEN_L_STUDIO : NS_GEN_L_HERITAGE;
    case NS_GEN_C_TEE: return u < 0.6 ? NS_GEN_L_ESSENTIALS : NS_GEN_L_ACTIVE;
    default: return (int)(u * NS_GEN_NLINE) % NS_GEN_NLINE;
    }
}

void ns_gen_catalog_build(ns_gen_catalog_t *c)
{
    memset(c, 0, sizeof *c);
    ns_gen_rng_t r;
    ns_gen_rng_seed(&r, 0x434154414c4f47ULL, 0, 0, 0, NS_GEN_TAG_CATALOG);
    bool used[3000] = {false};
    for (int k = 0; k < NS_GEN_NCAT; k++) {
        const s_category_t *cat = &s_categories[k];
        const s_sizes_t *sz = &s_size_sets[cat->sizes];
        int styles = 2 + (int)ns_gen_below(&r, 3);
        for (int s = 0; s < styles; s++) {
            int style;
            do
                style = 1 + (int)ns_gen_below(&r, 2999);
            while (used[style]);
            used[style] = true;
            int64_t usd = s_price_end(
                cat->min +
                100 * (int64_t)ns_gen_below(&r, (uint64_t)(cat->max - cat->min) / 100 + 1));
            double sw = 0.2 + 2.0 * ns_gen_unif(&r) * ns_gen_unif(&r);
            int ncol = (cat->sizes == S_SZ_OS ? 2 : 1) + (int)ns_gen_below(&r, 3);
            bool colour_used[12] = {false};
            for (int col = 0; col < ncol; col++) {
                int ci;
                do
                    ci = (int)ns_gen_below(&r, 12);
                while (colour_used[ci]);
                colour_used[ci] = true;
                for (int z = 0; z < sz->n; z++) {
                    if (c->n == NS_GEN_MAX_PRODUCTS)
                        return;
                    ns_gen_product_t *p = &c->p[c->n];
                    snprintf(p->sku, sizeof p->sku, "%s-%04d-%s-%s", s_cat_codes[k], style,
                             s_colours[ci], sz->names[z]);
                    /* UPC-A: number system 0, company 12345, item, check digit */
                    char d[16];
                    snprintf(d, sizeof d, "012345%05d", (c->n * 7919 + 1000) % 100000);
                    int sum = 0;
                    for (int i = 0; i < 11; i++)
                        sum += (d[i] - '0') * (i % 2 == 0 ? 3 : 1);
                    memcpy(p->upc, d, 11);
                    p->upc[11] = (char)('0' + (10 - sum % 10) % 10);
                    p->upc[12] = '\0';
                    memcpy(p->category, s_cat_codes[k], 4);
                    memcpy(p->colour, s_colours[ci], 4);
                    snprintf(p->size, sizeof p->size, "%s", sz->names[z]);
                    for (int cu = 0; cu < 4; cu++)
                        p->price_cents[cu] =
                            cu == 0 ? usd : s_price_end(usd * s_currency_pct[cu] / 100);
                    c->w[c->n] = cat->weight * sw * sz->w[z];
                    c->cat[c->n] = k;
                    c->style[c->n] = style;
                    c->line[c->n] = s_line_of(k, style);
                    c->n++;
                }
            }
        }
    }
}

void ns_gen_style_name(const ns_gen_catalog_t *c, int i, char *out, size_t cap)
{
    static const char *const adj[12] = {"Classic", "Relaxed", "Slim",   "Everyday", "Cropped",
                                        "Vintage", "Wrap",    "Utility", "Tailored", "Oversized",
                                        "Lightweight", "Heavyweight"};
    static const char *const noun[NS_GEN_NCAT] = {"Tee",     "Shirt", "Dress", "Skirt", "Jeans",
                                                  "Trouser", "Short", "Sweater", "Hoodie", "Jacket",
                                                  "Coat",    "Scarf", "Tote"};
    int style = c->style[i], cat = c->cat[i];
    double u = ns_gen_hash01(0x4e414d45ULL, (uint64_t)style, 0, 0, NS_GEN_TAG_PRODUCT_ATTR);
    const char *a = adj[style % 12];
    if (u < 0.08)
        snprintf(out, cap, "The \"%s\" %s", a, noun[cat]); /* quotes */
    else if (u < 0.16)
        snprintf(out, cap, "%s %s, %s", a, noun[cat], ns_gen_line_names[c->line[i]]); /* comma */
    else
        snprintf(out, cap, "%s %s", a, noun[cat]);
}

void ns_gen_style_desc(const ns_gen_catalog_t *c, int i, char *out, size_t cap)
{
    double u = ns_gen_hash01(0x44455343ULL, (uint64_t)c->style[i], 0, 0, NS_GEN_TAG_PRODUCT_ATTR);
    if (u < 0.06)
        snprintf(out, cap, "Care: machine wash cold\nImported"); /* a line break in a field */
    else if (u < 0.12)
        snprintf(out, cap, "%s, %s; size %s", ns_gen_colour_name(c->p[i].colour),
                 s_cat_names[c->cat[i]], c->p[i].size);
    else
        snprintf(out, cap, "%s %s", ns_gen_colour_name(c->p[i].colour), s_cat_names[c->cat[i]]);
}

int ns_gen_find_upc(const ns_gen_catalog_t *c, const char *upc)
{
    for (int i = 0; i < c->n; i++)
        if (memcmp(c->p[i].upc, upc, 12) == 0)
            return i;
    return -1;
}

void ns_gen_unknown_upc(char out[13], uint64_t k)
{
    char d[16];
    snprintf(d, sizeof d, "099999%05u", (unsigned)(k % 100000));
    int sum = 0;
    for (int i = 0; i < 11; i++)
        sum += (d[i] - '0') * (i % 2 == 0 ? 3 : 1);
    memcpy(out, d, 11);
    out[11] = (char)('0' + (10 - sum % 10) % 10);
    out[12] = '\0';
}

/* --------------------------------------------------------------- weather */

void ns_gen_weather_latent(uint64_t seed, int region, int64_t day, ns_gen_wx_t *wx)
{
    const ns_gen_region_t *r = &ns_gen_regions[region];
    static const double period[3] = {4.3, 9.7, 21.1}, amp[3] = {2.2, 2.6, 1.8};
    double yd = (double)ns_gen_yday(day);
    double season = cos(2 * S_PI * (yd - 15.0) / 365.25); /* 1 mid-January, -1 mid-July */
    double normal = r->tmax_mean - r->tmax_amp * season;
    double anom = 0;
    for (int k = 0; k < 3; k++) {
        double ph = 2 * S_PI * ns_gen_hash01(seed, (uint64_t)region, (uint64_t)k, 0,
                                             NS_GEN_TAG_WEATHER);
        anom += amp[k] * sin(2 * S_PI * (double)day / period[k] + ph);
    }
    anom += 4.0 * (ns_gen_hash01(seed, (uint64_t)region, (uint64_t)day, 1, NS_GEN_TAG_WEATHER) - 0.5);
    wx->tmax_normal = (int)floor(normal * 10 + 0.5);
    wx->tmax = (int)floor((normal + anom) * 10 + 0.5);
    double dr = r->diurnal +
                4.0 * (ns_gen_hash01(seed, (uint64_t)region, (uint64_t)day, 2, NS_GEN_TAG_WEATHER) - 0.5);
    wx->tmin = wx->tmax - (int)floor(dr * 10 + 0.5);
    double summer = (1 - season) / 2;
    double pwet = r->wet_winter + (r->wet_summer - r->wet_winter) * summer;
    double h = ns_gen_hash01(seed, (uint64_t)region, (uint64_t)day, 3, NS_GEN_TAG_WEATHER);
    wx->prcp = 0;
    if (h < pwet) {
        double a = ns_gen_hash01(seed, (uint64_t)region, (uint64_t)day, 4, NS_GEN_TAG_WEATHER);
        double mm = r->rain_mm * -log(1.0 - a * 0.999);
        int t = (int)floor(mm * 10 + 0.5);
        wx->prcp = t < 1 ? 1 : t > 2500 ? 2500 : t;
    }
    wx->snow = r->snow && wx->tmax < 20 && wx->prcp > 0 ? wx->prcp : 0; /* 10:1, tenths mm -> mm */
}

/* ---------------------------------------------------------- unemployment */

int ns_gen_unemp_tenths(uint64_t seed, int fips, int year, int month)
{
    double base = 4.0;
    for (int i = 0; i < ns_gen_nstates; i++)
        if (ns_gen_states[i].fips == fips)
            base = ns_gen_states[i].base;
    double months = (double)((year - 2020) * 12 + (month - 1));
    double ph = 2 * S_PI * ns_gen_hash01(seed, (uint64_t)fips, 0, 0, NS_GEN_TAG_UNEMP);
    double rate = base + 0.5 * sin(2 * S_PI * months / 72.0 + 1.0) +
                  0.3 * sin(2 * S_PI * months / 30.0 + ph) +
                  0.2 * (ns_gen_hash01(seed, (uint64_t)fips, (uint64_t)year, (uint64_t)month,
                                       NS_GEN_TAG_UNEMP) - 0.5);
    if (rate < 2.0)
        rate = 2.0;
    if (rate > 12.0)
        rate = 12.0;
    return (int)floor(rate * 10 + 0.5);
}

/* -------------------------------------------------------------------- FX */

int64_t ns_gen_fx_micros(uint64_t seed, int cur, int64_t day)
{
    static const double base[NS_GEN_NCUR] = {1.0, 0.7300, 1.2700, 1.0850};
    if (cur == NS_GEN_USD)
        return 1000000;
    int wd = ns_gen_weekday(day);
    int64_t d = day - (wd == 6 ? 1 : wd == 0 ? 2 : 0); /* weekends: Friday's rate */
    double p1 = 2 * S_PI * ns_gen_hash01(seed, (uint64_t)cur, 0, 0, NS_GEN_TAG_FX);
    double p2 = 2 * S_PI * ns_gen_hash01(seed, (uint64_t)cur, 1, 0, NS_GEN_TAG_FX);
    double x = base[cur] * (1 + 0.035 * sin(2 * S_PI * (double)d / 365.25 + p1) +
                            0.012 * sin(2 * S_PI * (double)d / 41.0 + p2) +
                            0.006 * (ns_gen_hash01(seed, (uint64_t)cur, (uint64_t)d, 2, NS_GEN_TAG_FX) - 0.5));
    return (int64_t)floor(x * 1e6 + 0.5);
}

/* ---------------------------------------------------------------- stores */

static void s_address(ns_gen_rng_t *r, char *out, size_t cap)
{
    static const char *const streets[8] = {"Main St", "Market St", "High Street", "Oak Ave",
                                           "Lake Shore Dr", "Mall Rd", "Center Blvd", "Commerce Way"};
    int num = 10 + (int)ns_gen_below(r, 9000);
    const char *st = streets[ns_gen_below(r, 8)];
    if (ns_gen_chance(r, 0.12))
        snprintf(out, cap, "%d %s\nSuite %d", num, st, 100 + (int)ns_gen_below(r, 400)); /* two lines */
    else
        snprintf(out, cap, "%d %s", num, st);
}

/* The attributes every store has, drawn from its own stream. */
static void s_common_attrs(ns_gen_rng_t *r, ns_gen_store_rec_t *s)
{
    const ns_gen_city_t *c = &ns_gen_cities[s->city];
    s->region = c->region;
    s->zone = c->zone;
    s->lat = c->lat + 0.3 * (ns_gen_unif(r) - 0.5);
    s->lon = c->lon + 0.3 * (ns_gen_unif(r) - 0.5);
    s->opened = ns_gen_days(1996, 1, 1) + (int64_t)ns_gen_below(r, 30 * 365);
    s->mgr_tenure = 3 + (int)(177.0 * ns_gen_unif(r) * ns_gen_unif(r));
    s->staff_tenure = 4 + (int)ns_gen_below(r, 57);
    s->endcaps = ns_gen_chance(r, 0.3) ? 0 : 1 + (int)ns_gen_below(r, 8);
    s->circular = ns_gen_chance(r, 0.6);
    s->displays = ns_gen_chance(r, 0.35) ? 0 : 1 + (int)ns_gen_below(r, 6);
    s_address(r, s->address, sizeof s->address);
}

int ns_gen_own_store(int id, ns_gen_store_rec_t *s)
{
    if (id < 1 || id > 9999)
        return -1;
    memset(s, 0, sizeof *s);
    ns_gen_rng_t r;
    ns_gen_rng_seed(&r, 0x53544f5245ULL, (uint64_t)id, 0, 0, NS_GEN_TAG_STORE);
    /* the country by id, so that any 20 consecutive ids hold every currency
     * (15 US, 2 CA, 1 GB, 2 euro); the zone within it at random (exactly the
     * draws of the POS-only generator) */
    double v = ns_gen_unif(&r);
    int zone, cur, rem = id % 20;
    if (rem == 3 || rem == 11) {
        cur = NS_GEN_CAD;
        zone = v < 0.7 ? NS_GEN_Z_TOR : NS_GEN_Z_VAN;
    } else if (rem == 7) {
        cur = NS_GEN_GBP;
        zone = NS_GEN_Z_LON;
    } else if (rem == 15 || rem == 18) {
        int k = (int)(v * 4);
        k = k > 3 ? 3 : k;
        cur = NS_GEN_EUR;
        zone = NS_GEN_Z_BER + k;
    } else {
        cur = NS_GEN_USD;
        zone = v < 0.45 ? NS_GEN_Z_NY : v < 0.75 ? NS_GEN_Z_CHI : v < 0.85 ? NS_GEN_Z_DEN : NS_GEN_Z_LA;
    }
    s->partner = -1;
    s->num = id;
    snprintf(s->id, sizeof s->id, "%04d", id);
    s->currency = cur;
    s->size = 0.6 + 0.8 * ns_gen_unif(&r);
    s->registers = 2 + (int)ns_gen_below(&r, 3) + (s->size > 1.0) + (s->size > 1.25);
    s->late = ns_gen_chance(&r, 0.2);
    s->open_hour = ns_gen_chance(&r, 0.5) ? 9 : 10;
    s->close_hour = s->late ? 25 : ns_gen_chance(&r, 0.5) ? 21 : 22;
    /* what came with the other sources: a stream of its own */
    ns_gen_rng_t a;
    ns_gen_rng_seed(&a, 0x53544f5245ULL, (uint64_t)id, 1, 0, NS_GEN_TAG_STORE_ATTR);
    int cand[8], nc = 0;
    for (int i = 0; i < ns_gen_ncities && nc < 8; i++)
        if (ns_gen_cities[i].zone == zone)
            cand[nc++] = i;
    s->city = cand[ns_gen_below(&a, (uint64_t)nc)];
    s_common_attrs(&a, s);
    s->zone = zone; /* the city shares it; kept explicit */
    double u = ns_gen_unif(&a);
    s->mall = u < 0.35 ? NS_GEN_MALL_STRIP : u < 0.70 ? NS_GEN_MALL_ENCLOSED : u < 0.85 ? NS_GEN_MALL_STREET
                                                                             : NS_GEN_MALL_OUTLET;
    s->sqft = 100 * (35 + (int)(s->size * 60) + (int)ns_gen_below(&a, 10));
    static const char *const desc[NS_GEN_NMALL] = {"Plaza", "Mall", "Downtown", "Outlet"};
    const char *city = ns_gen_cities[s->city].city;
    double q = ns_gen_unif(&a);
    if (q < 0.15)
        snprintf(s->name, sizeof s->name, "Clothmaker %s, %s %s", city, city, desc[s->mall]);
    else if (q < 0.20)
        snprintf(s->name, sizeof s->name, "Clothmaker \"The %s\" %s", desc[s->mall], city);
    else
        snprintf(s->name, sizeof s->name, "Clothmaker %s %s", city, desc[s->mall]);
    return 0;
}

double ns_gen_store_effect(const ns_gen_store_rec_t *s)
{
    return ns_gen_mall_effect[s->mall] *
           (1.0 + NS_GEN_STAFF_PER_YEAR * (s->staff_tenure - NS_GEN_STAFF_REFERENCE) / 12.0) *
           (1.0 + NS_GEN_MGR_PER_YEAR * (s->mgr_tenure - NS_GEN_MGR_REFERENCE) / 12.0);
}

double ns_gen_day_effect(uint64_t seed, const ns_gen_store_rec_t *s, int channel, int64_t day)
{
    const ns_gen_region_t *r = &ns_gen_regions[s->region];
    ns_gen_wx_t wx;
    ns_gen_weather_latent(seed, s->region, day, &wx);
    double f = 1.0;
    if (wx.prcp >= NS_GEN_RAIN_THRESHOLD)
        f *= 1.0 + r->rain_effect;
    f *= 1.0 + r->temp_effect * (double)(wx.tmax - wx.tmax_normal) / 10.0;
    const ns_gen_city_t *c = &ns_gen_cities[s->city];
    if (c->fips) {
        int y, m, d;
        ns_gen_civil(day, &y, &m, &d);
        int lag = y * 12 + (m - 1) - NS_GEN_UNEMP_LAG_MONTHS; /* months since year 0 */
        double u = ns_gen_unemp_tenths(seed, c->fips, lag / 12, lag % 12 + 1) / 10.0;
        f *= pow(u / NS_GEN_UNEMP_REFERENCE, NS_GEN_UNEMP_ELASTICITY);
    }
    return f * ns_gen_channel_trend(channel, day);
}

double ns_gen_dow_factor(int64_t day)
{
    static const double dow_f[7] = {1.15, 0.8, 0.85, 0.9, 0.95, 1.15, 1.35};
    return dow_f[ns_gen_weekday(day)];
}

double ns_gen_season(int64_t day)
{
    int y, m, d;
    ns_gen_civil(day, &y, &m, &d);
    int64_t thanks = ns_gen_thanksgiving(y);
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

/* -------------------------------------------------------------- partners */

int ns_gen_partner_nstores(int own_stores)
{
    int n = (own_stores + 3) / 4;
    return n < 1 ? 1 : n;
}

void ns_gen_partner_store(int p, int k, ns_gen_store_rec_t *s)
{
    const ns_gen_partner_t *pt = &ns_gen_partners[p];
    memset(s, 0, sizeof *s);
    ns_gen_rng_t r;
    ns_gen_rng_seed(&r, 0x50415254ULL, (uint64_t)p, (uint64_t)k, 0, NS_GEN_TAG_PARTNER_STORE);
    s->partner = p;
    /* 7919 is prime, so k -> num is one to one for k < 9000 */
    s->num = 100 + (int)(((uint64_t)k * 7919u + (uint64_t)p * 1237u) % 9000u);
    snprintf(s->id, sizeof s->id, "%04d", s->num);
    if (pt->europe) {
        /* the group's stores go round its countries (GB, DE, FR, NL, ES: the
         * regions R_GB..R_ES), then round each country's cities, so that
         * every country has ceil / floor of stores / 5 of them */
        int region = R_GB + k % (R_ES - R_GB + 1), nth = k / (R_ES - R_GB + 1), found = 0;
        for (int i = 0; i < ns_gen_ncities; i++)
            found += ns_gen_cities[i].region == region;
        for (int i = 0, m = nth % found; i < ns_gen_ncities; i++)
            if (ns_gen_cities[i].region == region && m-- == 0) {
                s->city = i;
                break;
            }
        s->currency = strcmp(ns_gen_cities[s->city].country, "GB") == 0 ? NS_GEN_GBP : NS_GEN_EUR;
    } else {
        s->city = (int)ns_gen_below(&r, S_NUS_CITIES);
        s->currency = NS_GEN_USD;
    }
    s->size = 0.7 + 0.6 * ns_gen_unif(&r);
    s_common_attrs(&r, s);
    /* the floor area follows the store's traffic (size), as an own store's
     * does, up to a tenth: a bigger store sells more of our lines */
    if (pt->channel == NS_GEN_CH_DEPARTMENT) {
        /* high-street stores in Europe, mall anchors in the US */
        s->mall = ns_gen_chance(&r, pt->europe ? 0.3 : 0.7) ? NS_GEN_MALL_ENCLOSED : NS_GEN_MALL_STREET;
        s->sqft = 1000 * ((int)(s->size * 150) + (int)ns_gen_below(&r, 15));
    } else {
        s->mall = ns_gen_chance(&r, 0.85) ? NS_GEN_MALL_STRIP : NS_GEN_MALL_OUTLET;
        s->sqft = 1000 * ((int)(s->size * 130) + (int)ns_gen_below(&r, 13));
    }
    char city[48];
    snprintf(city, sizeof city, "%s", ns_gen_cities[s->city].city);
    for (char *c = city; *c; c++)
        if (*c >= 'a' && *c <= 'z')
            *c = (char)(*c - 'a' + 'A');
    snprintf(s->name, sizeof s->name, "%s #%s, %s", pt->name, s->id, city);
}

bool ns_gen_partner_carries(const ns_gen_catalog_t *c, int p, int i)
{
    const ns_gen_partner_t *pt = &ns_gen_partners[p];
    double u = ns_gen_hash01(0x43415252ULL, (uint64_t)p, (uint64_t)c->style[i], 0,
                             NS_GEN_TAG_PRODUCT_ATTR);
    double carry = pt->carry;
    if (pt->channel == NS_GEN_CH_DISCOUNT) {
        int l = c->line[i];
        carry *= l == NS_GEN_L_ESSENTIALS || l == NS_GEN_L_ACTIVE || l == NS_GEN_L_DENIM ? 1.8 : 0.4;
    }
    return u < carry;
}

void ns_gen_partner_day(uint64_t seed, double scale, const ns_gen_catalog_t *c, int p, int k,
                        int64_t day, int *qs, int *qu, int *qa)
{
    const ns_gen_partner_t *pt = &ns_gen_partners[p];
    ns_gen_store_rec_t s;
    ns_gen_partner_store(p, k, &s);
    double total = pt->units * scale * s.size * ns_gen_store_effect(&s) *
                   ns_gen_day_effect(seed, &s, pt->channel, day) * ns_gen_dow_factor(day) *
                   ns_gen_season(day);
    double lt[NS_GEN_NLINE], wsum = 0;
    for (int l = 0; l < NS_GEN_NLINE; l++)
        lt[l] = ns_gen_line_trend(l, day);
    for (int i = 0; i < c->n; i++) {
        qs[i] = ns_gen_partner_carries(c, p, i); /* remembered for the loop below */
        if (qs[i])
            wsum += c->w[i] * lt[c->line[i]];
    }
    ns_gen_rng_t r;
    ns_gen_rng_seed(&r, seed, (uint64_t)p, (uint64_t)k, (uint64_t)day, NS_GEN_TAG_PARTNER_DAY);
    for (int i = 0; i < c->n; i++) {
        bool carried = qs[i] != 0;
        qs[i] = qu[i] = qa[i] = 0;
        if (!carried)
            continue;
        double lam = wsum > 0 ? total * c->w[i] * lt[c->line[i]] / wsum : 0;
        qs[i] = (int)ns_gen_poisson(&r, lam);
        qu[i] = (int)ns_gen_poisson(&r, lam * 0.04);
        qa[i] = (int)ns_gen_poisson(&r, 6 + lam * 8);
    }
}

/* ------------------------------------------------------------ promotions */

/* Rotations of featured categories by week (endcaps, circulars) and month
 * (displays). */
static const uint32_t s_rot_endcap[8] = {
    NS_GEN_CATBIT(NS_GEN_C_TEE) | NS_GEN_CATBIT(NS_GEN_C_SHO),
    NS_GEN_CATBIT(NS_GEN_C_JNS) | NS_GEN_CATBIT(NS_GEN_C_SHR),
    NS_GEN_CATBIT(NS_GEN_C_SWT) | NS_GEN_CATBIT(NS_GEN_C_SCF),
    NS_GEN_CATBIT(NS_GEN_C_DRS) | NS_GEN_CATBIT(NS_GEN_C_BAG),
    NS_GEN_CATBIT(NS_GEN_C_HDY) | NS_GEN_CATBIT(NS_GEN_C_PNT),
    NS_GEN_CATBIT(NS_GEN_C_JKT) | NS_GEN_CATBIT(NS_GEN_C_TEE),
    NS_GEN_CATBIT(NS_GEN_C_SKT) | NS_GEN_CATBIT(NS_GEN_C_SCF),
    NS_GEN_CATBIT(NS_GEN_C_CTS) | NS_GEN_CATBIT(NS_GEN_C_BAG),
};
static const uint32_t s_rot_circ[6] = {
    NS_GEN_CATBIT(NS_GEN_C_SHR) | NS_GEN_CATBIT(NS_GEN_C_PNT),
    NS_GEN_CATBIT(NS_GEN_C_HDY),
    NS_GEN_CATBIT(NS_GEN_C_TEE) | NS_GEN_CATBIT(NS_GEN_C_SKT),
    NS_GEN_CATBIT(NS_GEN_C_JNS),
    NS_GEN_CATBIT(NS_GEN_C_SWT) | NS_GEN_CATBIT(NS_GEN_C_SHO),
    NS_GEN_CATBIT(NS_GEN_C_BAG) | NS_GEN_CATBIT(NS_GEN_C_SCF),
};
static const uint32_t s_rot_display[4] = {
    NS_GEN_CATBIT(NS_GEN_C_DRS) | NS_GEN_CATBIT(NS_GEN_C_SKT),
    NS_GEN_CATBIT(NS_GEN_C_JNS) | NS_GEN_CATBIT(NS_GEN_C_JKT),
    NS_GEN_CATBIT(NS_GEN_C_SWT) | NS_GEN_CATBIT(NS_GEN_C_HDY),
    NS_GEN_CATBIT(NS_GEN_C_TEE) | NS_GEN_CATBIT(NS_GEN_C_BAG),
};

static ns_gen_promo_t *s_add(ns_gen_promo_t *out, int *n, int type, int filter, uint32_t cats,
                             int64_t start, int64_t end)
{
    ns_gen_promo_t *p = &out[(*n)++];
    memset(p, 0, sizeof *p);
    p->type = type;
    p->store_filter = filter;
    p->cats = cats;
    p->start = start;
    p->end = end;
    return p;
}

int ns_gen_promos(int64_t day, ns_gen_promo_t out[NS_GEN_MAX_PROMOS])
{
    int y, m, d, n = 0;
    ns_gen_civil(day, &y, &m, &d);
    unsigned yy = (unsigned)y % 100u;
    int64_t thanks = ns_gen_thanksgiving(y);
    /* the seasonal price discount, at most one a day */
    struct {
        const char *tag, *name;
        int pct;
        uint32_t cats;
        int64_t start, end;
    } seas[6] = {
        {"FALL", "Fall Denim & Knits, 20% off", 20,
         NS_GEN_CATBIT(NS_GEN_C_DRS) | NS_GEN_CATBIT(NS_GEN_C_JNS) | NS_GEN_CATBIT(NS_GEN_C_JKT) |
             NS_GEN_CATBIT(NS_GEN_C_SWT),
         ns_gen_days(y, 9, 15), thanks},
        {"BFRI", "Black Friday: 40% off \"everything\"", 40, NS_GEN_ALLCATS, thanks + 1, thanks + 4},
        {"HOLI", "Holiday Gifts, 25% off", 25,
         NS_GEN_CATBIT(NS_GEN_C_SWT) | NS_GEN_CATBIT(NS_GEN_C_SCF) | NS_GEN_CATBIT(NS_GEN_C_BAG) |
             NS_GEN_CATBIT(NS_GEN_C_CTS),
         thanks + 5, ns_gen_days(y, 12, 24)},
        {"WINT", "Winter Sale, 30% off outerwear", 30,
         NS_GEN_CATBIT(NS_GEN_C_JKT) | NS_GEN_CATBIT(NS_GEN_C_CTS) | NS_GEN_CATBIT(NS_GEN_C_SWT) |
             NS_GEN_CATBIT(NS_GEN_C_HDY) | NS_GEN_CATBIT(NS_GEN_C_SCF),
         ns_gen_days(y, 1, 2), ns_gen_days(y, 3, 1) - 1},
        {"SPRG", "Spring Dresses, 15% off", 15,
         NS_GEN_CATBIT(NS_GEN_C_DRS) | NS_GEN_CATBIT(NS_GEN_C_SKT) | NS_GEN_CATBIT(NS_GEN_C_SHR),
         ns_gen_days(y, 3, 15), ns_gen_days(y, 4, 30)},
        {"SUMR", "Summer Tees & Shorts, 25% off", 25,
         NS_GEN_CATBIT(NS_GEN_C_TEE) | NS_GEN_CATBIT(NS_GEN_C_SHO), ns_gen_days(y, 6, 1),
         ns_gen_days(y, 7, 31)},
    };
    for (int i = 0; i < 6; i++) {
        if (day < seas[i].start || day > seas[i].end)
            continue;
        ns_gen_promo_t *p = s_add(out, &n, NS_GEN_PT_PRICE, NS_GEN_SF_ALL, seas[i].cats,
                                  seas[i].start, seas[i].end);
        snprintf(p->id, sizeof p->id, "P%02u%s", yy, seas[i].tag);
        snprintf(p->code, sizeof p->code, "%s%02u", seas[i].tag, yy);
        snprintf(p->name, sizeof p->name, "%s", seas[i].name);
        p->pct = seas[i].pct;
        break;
    }
    int iy, iw;
    ns_gen_iso_week(day, &iy, &iw);
    int64_t mon = ns_gen_iso_monday(day);
    unsigned iyy = (unsigned)iy % 100u;
    /* the weekly circular: 10% off the featured categories */
    ns_gen_promo_t *p = s_add(out, &n, NS_GEN_PT_CIRCULAR, NS_GEN_SF_CIRCULAR,
                              s_rot_circ[(iy * 53 + iw) % 6], mon, mon + 6);
    snprintf(p->id, sizeof p->id, "R%02uW%02d", iyy, iw);
    snprintf(p->name, sizeof p->name, "Weekly circular, week %d", iw);
    p->pct = 10;
    /* the weekend coupon: named after its Saturday */
    int dow = ns_gen_weekday(day);
    if (dow == 0 || dow == 6) {
        int64_t sat = dow == 6 ? day : day - 1;
        int sy, sm, sd;
        ns_gen_civil(sat, &sy, &sm, &sd);
        int64_t jan1 = ns_gen_days(sy, 1, 1);
        p = s_add(out, &n, NS_GEN_PT_COUPON, NS_GEN_SF_ALL, NS_GEN_ALLCATS, sat, sat + 1);
        snprintf(p->id, sizeof p->id, "C%02uW%02u", (unsigned)sy % 100u,
                 (unsigned)((sat - jan1) / 7 + 1) % 100u);
        snprintf(p->name, sizeof p->name, "Weekend coupon: 10 off, items 50+");
        p->fixed_units = 10;
        p->min_units = 50;
    }
    /* endcap features (weekly) and in-store displays (monthly): no discount */
    p = s_add(out, &n, NS_GEN_PT_ENDCAP, NS_GEN_SF_ENDCAPS, s_rot_endcap[(iy * 53 + iw) % 8], mon,
              mon + 6);
    snprintf(p->id, sizeof p->id, "E%02uW%02d", iyy, iw);
    snprintf(p->name, sizeof p->name, "Endcap feature, week %d", iw);
    int64_t m1 = ns_gen_days(y, m, 1), m2 = ns_gen_days(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) - 1;
    p = s_add(out, &n, NS_GEN_PT_DISPLAY, NS_GEN_SF_DISPLAYS, s_rot_display[(y * 12 + m) % 4], m1, m2);
    snprintf(p->id, sizeof p->id, "D%02uM%02d", yy, m);
    snprintf(p->name, sizeof p->name, "In-store display, month %02d", m);
    return n;
}

bool ns_gen_promo_applies(const ns_gen_promo_t *p, const ns_gen_store_rec_t *s)
{
    if (s->partner >= 0)
        return false;
    switch (p->store_filter) {
    case NS_GEN_SF_ENDCAPS: return s->endcaps > 0;
    case NS_GEN_SF_CIRCULAR: return s->circular;
    case NS_GEN_SF_DISPLAYS: return s->displays > 0;
    default: return true;
    }
}

/* ---------------------------------------------------------------- online */

double ns_gen_online_season(int64_t day)
{
    static const double dow_f[7] = {1.10, 1.05, 0.95, 0.95, 0.95, 0.95, 1.05};
    int y, m, d;
    ns_gen_civil(day, &y, &m, &d);
    int64_t thanks = ns_gen_thanksgiving(y);
    double f = dow_f[ns_gen_weekday(day)];
    if (day == thanks + 1)
        f *= 2.5;
    else if (day == thanks + 4)
        f *= 2.2; /* Cyber Monday */
    else if (m == 12 && d == 25)
        f *= 0.6;
    else if (m == 12 && d < 20)
        f *= 1.4;
    else if (m == 1 && d <= 15)
        f *= 0.85;
    return f;
}

void ns_gen_web_plan(uint64_t seed, int stores, double scale, int64_t day, ns_gen_webplan_t *p)
{
    memset(p, 0, sizeof *p);
    double f = (double)stores * scale * ns_gen_online_season(day) *
               ns_gen_channel_trend(NS_GEN_CH_ONLINE, day);
    int64_t total = 0;
    for (int c = 0; c < NS_GEN_NCAMPAIGN; c++) {
        const ns_gen_campaign_t *cp = &ns_gen_campaigns[c];
        ns_gen_rng_t r;
        ns_gen_rng_seed(&r, seed, (uint64_t)day, (uint64_t)c, 0, NS_GEN_TAG_WEB_PLAN);
        p->first_order[c] = total;
        if (!ns_gen_campaign_active(cp, day))
            continue;
        double mean = cp->sessions * f * (0.85 + 0.3 * ns_gen_unif(&r));
        if (cp->platform != NS_GEN_PLAT_NONE) {
            p->clicks[c] = ns_gen_poisson(&r, mean / cp->landing);
            p->sessions[c] = ns_gen_binomial(&r, p->clicks[c], cp->landing);
        } else {
            p->sessions[c] = ns_gen_poisson(&r, mean);
        }
        p->orders[c] = ns_gen_binomial(&r, p->sessions[c], cp->conv);
        total += p->orders[c];
    }
    p->first_order[NS_GEN_NCAMPAIGN] = total;
    ns_gen_rng_t r;
    ns_gen_rng_seed(&r, seed, (uint64_t)day, NS_GEN_NCAMPAIGN, 0, NS_GEN_TAG_WEB_PLAN);
    p->untracked = ns_gen_poisson(&r, 0.08 * (double)total);
    p->norders = total + p->untracked;
}

/* ----------------------------------------------------------------- world */

static void s_stations(ns_gen_world_t *w)
{
    for (int r = 0; r < NS_GEN_NREGION; r++) {
        int cities[8], nc = 0;
        for (int i = 0; i < ns_gen_ncities && nc < 8; i++)
            if (ns_gen_cities[i].region == r)
                cities[nc++] = i;
        const char *cc = ns_gen_regions[r].country;
        for (int k = 0; k < NS_GEN_STATIONS_PER_REGION; k++) {
            ns_gen_station_t *s = &w->st[r * NS_GEN_STATIONS_PER_REGION + k];
            memset(s, 0, sizeof *s);
            ns_gen_rng_t rng;
            ns_gen_rng_seed(&rng, 0x5354414eULL, (uint64_t)r, (uint64_t)k, 0, NS_GEN_TAG_STATION);
            s->region = r;
            s->city = cities[k % nc];
            const ns_gen_city_t *c = &ns_gen_cities[s->city];
            s->reference = k == 0;
            s->coop = k == 2 && (strcmp(cc, "US") == 0);
            s->late = s->coop && r % 2 == 0;
            s->lat = c->lat + (k == 0 ? 0.05 : 0.4 * (ns_gen_unif(&rng) - 0.5));
            s->lon = c->lon + (k == 0 ? -0.05 : 0.4 * (ns_gen_unif(&rng) - 0.5));
            s->elev = 5 + 400 * ns_gen_unif(&rng);
            unsigned num = 10000u + (unsigned)(r * 1031 + k * 3779) % 89999u;
            if (strcmp(cc, "US") == 0)
                snprintf(s->id, sizeof s->id, s->coop ? "USC00%06u" : "USW000%05u",
                         s->coop ? num * 7u % 1000000u : num);
            else if (strcmp(cc, "CA") == 0)
                snprintf(s->id, sizeof s->id, "CA00%07u", num * 31u % 10000000u);
            else if (strcmp(cc, "GB") == 0)
                snprintf(s->id, sizeof s->id, "UKM000%05u", num);
            else if (strcmp(cc, "DE") == 0)
                snprintf(s->id, sizeof s->id, "GM000%06u", num);
            else if (strcmp(cc, "FR") == 0)
                snprintf(s->id, sizeof s->id, "FR000%06u", num);
            else if (strcmp(cc, "NL") == 0)
                snprintf(s->id, sizeof s->id, "NLM000%05u", num);
            else
                snprintf(s->id, sizeof s->id, "SP000%06u", num);
            char up[40];
            snprintf(up, sizeof up, "%s", c->city);
            for (char *q = up; *q; q++)
                if (*q >= 'a' && *q <= 'z')
                    *q = (char)(*q - 'a' + 'A');
            static const char *const suffix[3] = {"INTL AP", "CITY", "2 NW"};
            snprintf(s->name, sizeof s->name, "%.20s %s", up, suffix[k]);
            s->wmo = k == 0 ? 70000 + (int)(num % 9999) : 0;
        }
    }
}

ns_gen_world_t *ns_gen_world_new(int own_stores)
{
    ns_gen_world_t *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    ns_gen_catalog_build(&w->cat);
    w->nown = own_stores;
    w->own = calloc((size_t)own_stores, sizeof *w->own);
    w->npart = ns_gen_partner_nstores(own_stores);
    bool ok = w->own != NULL;
    for (int p = 0; p < NS_GEN_NPARTNER && ok; p++) {
        w->part[p] = calloc((size_t)w->npart, sizeof *w->part[p]);
        ok = w->part[p] != NULL;
    }
    if (!ok) {
        ns_gen_world_free(&w);
        return NULL;
    }
    for (int i = 0; i < own_stores; i++)
        ns_gen_own_store(i + 1, &w->own[i]);
    for (int p = 0; p < NS_GEN_NPARTNER; p++)
        for (int k = 0; k < w->npart; k++)
            ns_gen_partner_store(p, k, &w->part[p][k]);
    s_stations(w);
    return w;
}

void ns_gen_world_free(ns_gen_world_t **wp)
{
    if (!wp || !*wp)
        return;
    ns_gen_world_t *w = *wp;
    free(w->own);
    for (int p = 0; p < NS_GEN_NPARTNER; p++)
        free(w->part[p]);
    free(w);
    *wp = NULL;
}
