/*
 * ns_gen_master: the daily master-data snapshots (SOURCES.md section 9),
 * exported as from a spreadsheet:
 *
 *   master/stores/dt=YYYY-MM-DD/stores.csv         own and partner stores
 *   master/products/dt=YYYY-MM-DD/products.csv     the catalog
 *   master/promotions/dt=YYYY-MM-DD/promotions.csv the calendar around the day
 *   master/fx/dt=YYYY-MM-DD/rates.csv              USD per unit, that day and the 31 before
 *
 * RFC 4180 CSV with a header; a file may start with a UTF-8 BOM and may end
 * its lines with CRLF (decided per file and day); names hold quoted commas
 * and doubled quotes, addresses and descriptions quoted line breaks.
 * Planted bad rows (bad_rate per row) are extra rows: an unknown id with
 * too few fields, an unknown id with "n/a" in the second-to-last field, or
 * an export footer of one field. They never replace a real row, so every
 * store, product, promotion and rate the other sources use is in the
 * snapshot.
 */
#include "ns_gen_int.h"
#include "ns_gen_world.h"

#include <stdio.h>
#include <string.h>

enum { S_STORES, S_PRODUCTS, S_PROMOS, S_FX };

/* rates.csv of day D holds D-S_FX_DAYS .. D: online orders refunded in the
 * run may have been created up to 31 days before it (30 days of refunds,
 * one more for the shop's local date). */
#define S_FX_DAYS 31

typedef struct {
    ns_gen_file_t f;     /* the file */
    bool crlf;           /* line ends */
    ns_gen_rng_t bad;    /* planted bad rows */
    double bad_rate;     /* per row */
    int nfields;         /* columns */
    const char *name;    /* stores, products, ... */
    int64_t day;         /* the snapshot's day */
} s_csv_t;

static int s_eol(s_csv_t *c, ns_err_t *err)
{
    return ns_gen_puts(&c->f, c->crlf ? "\r\n" : "\n", err);
}

static int s_row(s_csv_t *c, const char *const *v, int n, ns_err_t *err)
{
    for (int i = 0; i < n; i++) {
        if (i && ns_gen_put(&c->f, ",", 1, err) < 0)
            return -1;
        if (ns_gen_csv_field(&c->f, v[i], ',', false, err) < 0)
            return -1;
    }
    return s_eol(c, err);
}

/* After each real row: maybe one planted bad row (two draws always). */
static int s_maybe_bad(s_csv_t *c, ns_err_t *err)
{
    double u = ns_gen_unif(&c->bad);
    uint64_t v = ns_gen_next(&c->bad);
    c->f.records++;
    if (u >= c->bad_rate)
        return 0;
    c->f.records++;
    c->f.bad++;
    char day[16];
    ns_gen_fmt_date(day, sizeof day, c->day, NS_GEN_DATE_ISO);
    switch (v % 3) {
    case 0: /* too few fields */
        if (ns_gen_printf(&c->f, err, "X%04u,,", (unsigned)(v >> 8) % 10000u) < 0)
            return -1;
        break;
    case 1: /* the right number of fields, the second last is no number */
        if (ns_gen_printf(&c->f, err, "X%04u", (unsigned)(v >> 8) % 10000u) < 0)
            return -1;
        for (int i = 1; i < c->nfields; i++)
            if (ns_gen_puts(&c->f, i == c->nfields - 2 ? ",n/a" : ",", err) < 0)
                return -1;
        break;
    default: /* an export footer */
        if (ns_gen_printf(&c->f, err, "\"Exported %s from %s.xlsx, page 1 of 1\"", day, c->name) < 0)
            return -1;
        break;
    }
    return s_eol(c, err);
}

static int s_begin(ns_gen_t *g, s_csv_t *c, int which, int64_t day, const char *name,
                   const char *header, int nfields, ns_err_t *err)
{
    char iso[16];
    ns_gen_fmt_date(iso, sizeof iso, day, NS_GEN_DATE_ISO);
    memset(c, 0, sizeof *c);
    if (ns_gen_file_begin(&c->f, NS_GEN_SRC_MASTER, false, NS_GEN_ENC_UTF8, err,
                          "master/%s/dt=%s/%s.csv", which == S_FX ? "fx" : name, iso,
                          which == S_FX ? "rates" : name) < 0)
        return -1;
    ns_gen_rng_t r;
    ns_gen_rng_seed(&r, g->o->seed, (uint64_t)day, (uint64_t)which, 0, NS_GEN_TAG_MASTER);
    bool bom = ns_gen_chance(&r, 0.5) && which != S_FX;
    c->crlf = ns_gen_chance(&r, 0.5) && which != S_FX;
    ns_gen_rng_seed(&c->bad, g->o->seed, (uint64_t)day, (uint64_t)which, 0, NS_GEN_TAG_MASTER_BAD);
    c->bad_rate = g->o->bad_rate;
    c->nfields = nfields;
    c->name = name;
    c->day = day;
    if (bom && ns_gen_puts(&c->f, "\xef\xbb\xbf", err) < 0)
        return -1;
    if (ns_gen_puts(&c->f, header, err) < 0)
        return -1;
    return s_eol(c, err);
}

static int s_stores(ns_gen_t *g, int64_t day, ns_err_t *err)
{
    s_csv_t c;
    int rc = s_begin(g, &c, S_STORES, day, "stores",
                     "store_id,partner,name,address,city,state,country,region,lat,lon,opened,"
                     "square_feet,mall_type,manager_tenure_months,staff_tenure_months,endcaps,"
                     "circular_program,in_store_displays,currency,timezone",
                     20, err);
    const ns_gen_world_t *w = g->w;
    int total = w->nown + NS_GEN_NPARTNER * w->npart;
    for (int i = 0; i < total && rc == 0; i++) {
        const ns_gen_store_rec_t *s =
            i < w->nown ? &w->own[i] : &w->part[(i - w->nown) / w->npart][(i - w->nown) % w->npart];
        const ns_gen_city_t *ct = &ns_gen_cities[s->city];
        char lat[32], lon[32], opened[16], sqft[24], mgr[24], staff[24], endc[24], disp[24];
        snprintf(lat, sizeof lat, "%.4f", s->lat);
        snprintf(lon, sizeof lon, "%.4f", s->lon);
        ns_gen_fmt_date(opened, sizeof opened, s->opened, NS_GEN_DATE_ISO);
        ns_gen_fmt_int(sqft, s->sqft);
        ns_gen_fmt_int(mgr, s->mgr_tenure);
        ns_gen_fmt_int(staff, s->staff_tenure);
        ns_gen_fmt_int(endc, s->endcaps);
        ns_gen_fmt_int(disp, s->displays);
        const char *v[20] = {s->id,
                             s->partner < 0 ? "" : ns_gen_partners[s->partner].code,
                             s->name,
                             s->address,
                             ct->city,
                             ct->state,
                             ct->country,
                             ns_gen_regions[s->region].code,
                             lat,
                             lon,
                             opened,
                             sqft,
                             ns_gen_mall_names[s->mall],
                             mgr,
                             staff,
                             endc,
                             s->circular ? "Y" : "N",
                             disp,
                             ns_gen_currency_codes[s->currency],
                             ns_gen_zone_name(s->zone)};
        rc = s_row(&c, v, 20, err);
        if (rc == 0)
            rc = s_maybe_bad(&c, err);
    }
    if (rc == 0)
        return ns_gen_file_commit(g, &c.f, NS_GEN_INTACT, 0, err);
    ns_gen_file_discard(&c.f);
    return -1;
}

static int s_products(ns_gen_t *g, int64_t day, ns_err_t *err)
{
    s_csv_t c;
    int rc = s_begin(g, &c, S_PRODUCTS, day, "products",
                     "sku,upc,style,style_name,description,clothing_line,category,colour,size,"
                     "list_price_usd,list_price_cad,list_price_gbp,list_price_eur",
                     13, err);
    const ns_gen_catalog_t *cat = &g->w->cat;
    for (int i = 0; i < cat->n && rc == 0; i++) {
        const ns_gen_product_t *p = &cat->p[i];
        char style[16], sname[96], desc[128], pr[4][32];
        snprintf(style, sizeof style, "%04d", cat->style[i]);
        ns_gen_style_name(cat, i, sname, sizeof sname);
        ns_gen_style_desc(cat, i, desc, sizeof desc);
        for (int k = 0; k < 4; k++)
            ns_gen_fmt_money(pr[k], p->price_cents[k]);
        const char *v[13] = {p->sku, p->upc, style, sname, desc, ns_gen_line_names[cat->line[i]],
                             p->category, ns_gen_colour_name(p->colour), p->size, pr[0], pr[1],
                             pr[2], pr[3]};
        rc = s_row(&c, v, 13, err);
        if (rc == 0)
            rc = s_maybe_bad(&c, err);
    }
    if (rc == 0)
        return ns_gen_file_commit(g, &c.f, NS_GEN_INTACT, 0, err);
    ns_gen_file_discard(&c.f);
    return -1;
}

static int s_promos(ns_gen_t *g, int64_t day, ns_err_t *err)
{
    s_csv_t c;
    int rc = s_begin(g, &c, S_PROMOS, day, "promotions",
                     "promotion_id,name,type,start_date,end_date,categories,stores,discount_pct,"
                     "discount_amount,min_unit_price,online_code",
                     11, err);
    /* every promotion that overlaps [day - 35, day + 28], once, by start */
    enum { S_MAXP = 256 };
    ns_gen_promo_t seen[S_MAXP];
    int n = 0;
    for (int64_t d = day - 35; d <= day + 28; d++) {
        ns_gen_promo_t p[NS_GEN_MAX_PROMOS];
        int k = ns_gen_promos(d, p);
        for (int i = 0; i < k; i++) {
            bool dup = false;
            for (int j = 0; j < n && !dup; j++)
                dup = strcmp(seen[j].id, p[i].id) == 0;
            if (!dup && n < S_MAXP)
                seen[n++] = p[i];
        }
    }
    for (int i = 1; i < n; i++) { /* insertion sort by (start, id) */
        ns_gen_promo_t x = seen[i];
        int j = i - 1;
        while (j >= 0 && (seen[j].start > x.start ||
                          (seen[j].start == x.start && strcmp(seen[j].id, x.id) > 0))) {
            seen[j + 1] = seen[j];
            j--;
        }
        seen[j + 1] = x;
    }
    for (int i = 0; i < n && rc == 0; i++) {
        const ns_gen_promo_t *p = &seen[i];
        char start[16], end[16], cats[96], pct[16], amt[32], minp[32];
        ns_gen_fmt_date(start, sizeof start, p->start, NS_GEN_DATE_ISO);
        ns_gen_fmt_date(end, sizeof end, p->end, NS_GEN_DATE_ISO);
        if (p->cats == NS_GEN_ALLCATS) {
            snprintf(cats, sizeof cats, "ALL");
        } else {
            size_t len = 0;
            cats[0] = '\0';
            for (int k = 0; k < NS_GEN_NCAT; k++)
                if (p->cats & NS_GEN_CATBIT(k))
                    len += (size_t)snprintf(cats + len, sizeof cats - len, "%s%s", len ? ", " : "",
                                            ns_gen_cat_code(k));
        }
        snprintf(pct, sizeof pct, "%d", p->pct);
        if (!p->pct)
            pct[0] = '\0';
        if (p->fixed_units) {
            ns_gen_fmt_money(amt, (int64_t)p->fixed_units * 100);
            ns_gen_fmt_money(minp, (int64_t)p->min_units * 100);
        } else {
            amt[0] = minp[0] = '\0';
        }
        const char *v[11] = {p->id, p->name, ns_gen_promo_type_names[p->type], start, end, cats,
                             ns_gen_store_filter_names[p->store_filter], pct, amt, minp, p->code};
        rc = s_row(&c, v, 11, err);
        if (rc == 0)
            rc = s_maybe_bad(&c, err);
    }
    if (rc == 0)
        return ns_gen_file_commit(g, &c.f, NS_GEN_INTACT, 0, err);
    ns_gen_file_discard(&c.f);
    return -1;
}

static int s_fx(ns_gen_t *g, int64_t day, ns_err_t *err)
{
    s_csv_t c;
    int rc = s_begin(g, &c, S_FX, day, "fx", "currency,rate_date,usd_per_unit", 3, err);
    /* a rolling window: the day and the S_FX_DAYS before it, so every
     * date a file of the run can speak of has its rate */
    for (int64_t x = day - S_FX_DAYS; x <= day && rc == 0; x++) {
        char iso[16];
        ns_gen_fmt_date(iso, sizeof iso, x, NS_GEN_DATE_ISO);
        for (int cur = 0; cur < NS_GEN_NCUR && rc == 0; cur++) {
            int64_t m = ns_gen_fx_micros(g->o->seed, cur, x);
            char rate[32];
            snprintf(rate, sizeof rate, "%lld.%06lld", (long long)(m / 1000000),
                     (long long)(m % 1000000));
            const char *v[3] = {ns_gen_currency_codes[cur], iso, rate};
            rc = s_row(&c, v, 3, err);
            if (rc == 0)
                rc = s_maybe_bad(&c, err);
        }
    }
    if (rc == 0)
        return ns_gen_file_commit(g, &c.f, NS_GEN_INTACT, 0, err);
    ns_gen_file_discard(&c.f);
    return -1;
}

int ns_gen_master_day(ns_gen_t *g, int64_t day, ns_err_t *err)
{
    if (s_stores(g, day, err) < 0 || s_products(g, day, err) < 0 || s_promos(g, day, err) < 0 ||
        s_fx(g, day, err) < 0)
        return -1;
    return 0;
}
