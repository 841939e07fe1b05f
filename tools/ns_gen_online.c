/*
 * ns_gen_online: the online shop's two feeds, made from one model of each
 * day (ns_gen_web_plan: sessions and orders per campaign).
 *
 * Orders (SOURCES.md section 4):
 *   online/orders/dt=<UTC date of updated_at>/orders-NNNN.jsonl.gz
 * one order version per line, modelled on a typical platform's order
 * object: money as strings, ids as large numbers in strings (line item ids
 * beyond 2^53), created_at/updated_at in the shop's local time with an
 * offset. An order is written when created (paid or authorized) and again,
 * with the same id and a newer updated_at, when it is captured, voided
 * (financial_status "voided") or refunded (2..25 days later, "refunded" or
 * "partially_refunded" with refund line items): the latest version wins.
 * Planted: malformed lines (cut short, created_at that is no time, a null
 * id), line items with SKUs nobody knows, files sent twice, an extra empty
 * file, and truncated gzip copies of complete files.
 *
 * Clickstream (SOURCES.md section 5):
 *   clickstream/YYYY/MM/DD/HH/clickstream-1-YYYY-MM-DD-HH-mm-ss-<uuid>.gz
 * events (page / track / identify) of the day's sessions, one file per
 * 15-minute window of arrival (receivedAt, UTC), so late events land in
 * later folders, some files written as concatenated JSON with no
 * delimiter; retried events repeat a messageId; a visitor may come back
 * after 40 minutes or more (a new session); a converting session ends in
 * "Order Completed" carrying the id of the real order it made. Planted:
 * malformed events (cut short in newline-delimited files, never right
 * after ':', ',' or '[', so that read as concatenated JSON the cut event
 * does not swallow the next line's; timestamps that are no time; no
 * messageId), truncated gzip copies of complete files.
 *
 * Truncated files and re-sent files are always copies of a complete file
 * written too, so a job that keeps a truncated file's readable part and a
 * job that rejects it see the same versions and events after it dedupes.
 */
#include "ns_gen_int.h"
#include "ns_gen_truth.h"
#include "ns_gen_world.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_LOOKBACK 30      /* days of earlier orders whose updates may land today */
#define S_MAX_OLINES 8
#define S_ORDERS_PER_FILE 250
#define S_WINDOW_MS (15 * 60 * 1000LL)
#define S_MAX_SESSION_EVENTS 48

/* ----------------------------------------------------------- countries */

typedef struct {
    const char *cc;  /* country code */
    int cur;         /* currency */
    int zone;        /* the shop's time zone for it */
    double share;    /* of orders */
} s_country_t;

static const s_country_t s_countries[] = {
    {"US", NS_GEN_USD, NS_GEN_Z_NY, 0.70}, {"CA", NS_GEN_CAD, NS_GEN_Z_TOR, 0.12},
    {"GB", NS_GEN_GBP, NS_GEN_Z_LON, 0.08}, {"DE", NS_GEN_EUR, NS_GEN_Z_BER, 0.04},
    {"FR", NS_GEN_EUR, NS_GEN_Z_PAR, 0.03}, {"NL", NS_GEN_EUR, NS_GEN_Z_AMS, 0.02},
    {"ES", NS_GEN_EUR, NS_GEN_Z_MAD, 0.01},
};
#define S_NCOUNTRY ((int)(sizeof s_countries / sizeof s_countries[0]))

/* UTC hour weights of online activity (North American evenings first). */
static const double s_hour_w[24] = {1.0, 0.9, 0.7, 0.5, 0.3, 0.2, 0.2, 0.2, 0.3, 0.4, 0.5, 0.6,
                                    0.8, 1.0, 1.1, 1.2, 1.2, 1.2, 1.2, 1.2, 1.3, 1.4, 1.4, 1.2};

static int64_t s_time_of_day_ms(ns_gen_rng_t *r)
{
    double sum = 0;
    for (int h = 0; h < 24; h++)
        sum += s_hour_w[h];
    double x = ns_gen_unif(r) * sum;
    int h = 0;
    while (h < 23 && x >= s_hour_w[h]) {
        x -= s_hour_w[h];
        h++;
    }
    return (int64_t)h * 3600000 + (int64_t)ns_gen_below(r, 3600000);
}

/* ---------------------------------------------------------------- orders */

enum { S_V_CREATED, S_V_CAPTURED, S_V_VOIDED, S_V_REFUNDED };

typedef struct {
    int prod;         /* product index */
    int qty;          /* quantity */
    int64_t price;    /* unit price, cents (local) */
    int64_t disc;     /* total_discount, cents */
    bool unknown;     /* planted: a SKU nobody knows */
    int ref_qty;      /* refunded quantity (refund version) */
    int64_t ref_sub;  /* refunded subtotal, cents */
} s_oline_t;

typedef struct {
    int64_t day;                  /* plan day (UTC) */
    int idx;                      /* index in the day */
    uint64_t id;                  /* order id */
    int campaign;                 /* -1: untracked */
    int country;                  /* index into s_countries */
    int64_t created_ms;           /* UTC */
    int n;                        /* lines */
    s_oline_t l[S_MAX_OLINES];    /* line items */
    char code[16];                /* discount code or "" */
    int64_t shipping, tax;        /* cents */
    int customer;                 /* customer id */
    bool authorized;              /* first version not yet captured */
    int nver;                     /* versions */
    int64_t ver_ms[3];            /* updated_at of each version (UTC ms) */
    int ver_kind[3];              /* S_V_* */
    bool full_refund;             /* refund of everything */
    int city;                     /* shipping city index, or -1 */
} s_order_t;

/* The day's product popularity for the shop (no store promotions). */
typedef struct {
    int64_t day;                       /* INT64_MIN: none */
    double cdf[NS_GEN_MAX_PRODUCTS];   /* cumulative */
    ns_gen_promo_t promo;              /* the seasonal price discount, if any */
    bool has_promo;
} s_shopday_t;

static void s_shopday(const ns_gen_catalog_t *c, int64_t day, s_shopday_t *sd)
{
    if (sd->day == day)
        return;
    sd->day = day;
    double acc = 0, lt[NS_GEN_NLINE];
    for (int l = 0; l < NS_GEN_NLINE; l++)
        lt[l] = ns_gen_line_trend(l, day);
    for (int i = 0; i < c->n; i++) {
        acc += c->w[i] * lt[c->line[i]];
        sd->cdf[i] = acc;
    }
    ns_gen_promo_t p[NS_GEN_MAX_PROMOS];
    int n = ns_gen_promos(day, p);
    sd->has_promo = false;
    for (int k = 0; k < n; k++)
        if (p[k].type == NS_GEN_PT_PRICE) {
            sd->promo = p[k];
            sd->has_promo = true;
        }
}

static int s_pick(const s_shopday_t *sd, int n, ns_gen_rng_t *r)
{
    double x = ns_gen_unif(r) * sd->cdf[n - 1];
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (sd->cdf[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static int s_campaign_of(const ns_gen_webplan_t *pl, int idx)
{
    for (int c = 0; c < NS_GEN_NCAMPAIGN; c++)
        if (idx >= pl->first_order[c] && idx < pl->first_order[c + 1])
            return c;
    return -1;
}

/* Builds order idx of day (all its versions). */
static void s_order(const ns_gen_t *g, const ns_gen_webplan_t *pl, s_shopday_t *sd, int64_t day,
                    int idx, s_order_t *o)
{
    const ns_gen_catalog_t *cat = &g->w->cat;
    ns_gen_rng_t r, b;
    ns_gen_rng_seed(&r, g->o->seed, (uint64_t)day, (uint64_t)idx, 0, NS_GEN_TAG_ORDER);
    ns_gen_rng_seed(&b, g->o->seed, (uint64_t)day, (uint64_t)idx, 0, NS_GEN_TAG_ORDER_BAD);
    s_shopday(cat, day, sd);
    memset(o, 0, sizeof *o);
    o->day = day;
    o->idx = idx;
    o->id = 5000000000000ULL + (uint64_t)(day % 100000) * 100000ULL + (uint64_t)idx;
    o->campaign = s_campaign_of(pl, idx);
    double u = ns_gen_unif(&r), acc = 0;
    o->country = S_NCOUNTRY - 1;
    for (int k = 0; k < S_NCOUNTRY; k++) {
        acc += s_countries[k].share;
        if (u < acc) {
            o->country = k;
            break;
        }
    }
    int cur = s_countries[o->country].cur;
    o->created_ms = day * 86400000LL + s_time_of_day_ms(&r);
    o->customer = 10000 + (int)ns_gen_below(&r, 890000);
    o->n = 1;
    while (o->n < S_MAX_OLINES && ns_gen_chance(&r, 0.4))
        o->n++;
    bool use_code = sd->has_promo && ns_gen_chance(&r, 0.4);
    int64_t sub = 0;
    for (int i = 0; i < o->n; i++) {
        s_oline_t *l = &o->l[i];
        l->prod = s_pick(sd, cat->n, &r);
        l->qty = ns_gen_chance(&r, 0.9) ? 1 : 2;
        l->price = cat->p[l->prod].price_cents[cur];
        if (use_code && (sd->promo.cats & NS_GEN_CATBIT(cat->cat[l->prod])))
            l->disc = (l->price * l->qty * sd->promo.pct + 50) / 100;
        l->unknown = ns_gen_chance(&b, g->o->bad_rate);
        sub += l->price * l->qty - l->disc;
    }
    int64_t disc_total = 0;
    for (int i = 0; i < o->n; i++)
        disc_total += o->l[i].disc;
    if (use_code && disc_total > 0)
        snprintf(o->code, sizeof o->code, "%s", sd->promo.code);
    o->shipping = sub >= 7500 ? 0 : 595;
    o->tax = cur == NS_GEN_USD ? (sub * 7 + 50) / 100 : 0;
    int cities[8], nc = 0;
    for (int i = 0; i < ns_gen_ncities && nc < 8; i++)
        if (strcmp(ns_gen_cities[i].country, s_countries[o->country].cc) == 0)
            cities[nc++] = i;
    o->city = nc ? cities[ns_gen_below(&r, (uint64_t)nc)] : -1;
    /* the versions */
    o->authorized = ns_gen_chance(&r, 0.07);
    o->ver_ms[0] = o->created_ms;
    o->ver_kind[0] = S_V_CREATED;
    o->nver = 1;
    double life = ns_gen_unif(&r);
    int64_t later = (int64_t)ns_gen_below(&r, 20 * 3600000LL) + 3600000LL;
    int64_t refund_days = 2 + (int64_t)ns_gen_below(&r, 24);
    int64_t refund_ms = (int64_t)ns_gen_below(&r, 86400000LL);
    o->full_refund = ns_gen_chance(&r, 0.5);
    int which = (int)ns_gen_below(&r, (uint64_t)o->n);
    if (o->authorized) {
        o->ver_ms[1] = o->created_ms + later;
        o->ver_kind[1] = life < 0.5 ? S_V_VOIDED : S_V_CAPTURED;
        o->nver = 2;
    } else if (life < 0.09) {
        o->ver_ms[1] = o->created_ms + refund_days * 86400000LL + refund_ms;
        o->ver_kind[1] = S_V_REFUNDED;
        o->nver = 2;
        for (int i = 0; i < o->n; i++) {
            s_oline_t *l = &o->l[i];
            if (!o->full_refund && i != which)
                continue;
            l->ref_qty = o->full_refund ? l->qty : 1;
            l->ref_sub = l->price * l->ref_qty - (l->disc * l->ref_qty + l->qty / 2) / l->qty;
        }
    }
}

static void s_slug(const ns_gen_catalog_t *c, int i, char *out, size_t cap)
{
    char name[96];
    ns_gen_style_name(c, i, name, sizeof name);
    size_t n = 0;
    for (const char *p = name; *p && n + 8 < cap; p++) {
        char ch = *p;
        if (ch >= 'A' && ch <= 'Z')
            out[n++] = (char)(ch - 'A' + 'a');
        else if ((ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9'))
            out[n++] = ch;
        else if (n && out[n - 1] != '-')
            out[n++] = '-';
    }
    while (n && out[n - 1] == '-')
        n--;
    snprintf(out + n, cap - n, "-%04d", c->style[i]);
}

/* "2026-11-24T10:30:00-05:00" of a UTC instant in a zone. */
static void s_local_ts(char *out, size_t cap, int64_t utc_ms, int zone)
{
    int64_t utc = ns_gen_floordiv(utc_ms, 1000);
    int off = ns_gen_zone_utc_offset(zone, utc);
    int64_t local = utc + off * 60;
    int y, m, d;
    ns_gen_civil(ns_gen_floordiv(local, 86400), &y, &m, &d);
    int64_t sod = local - ns_gen_floordiv(local, 86400) * 86400;
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d%c%02d:%02d", y, m, d, (int)(sod / 3600),
             (int)(sod / 60 % 60), (int)(sod % 60), off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
}

/* "2026-11-24T14:03:22.989Z" */
static void s_utc_ts(char *out, size_t cap, int64_t ms)
{
    int64_t s = ns_gen_floordiv(ms, 1000);
    int y, m, d;
    ns_gen_civil(ns_gen_floordiv(s, 86400), &y, &m, &d);
    int64_t sod = s - ns_gen_floordiv(s, 86400) * 86400;
    snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", y, m, d, (int)(sod / 3600),
             (int)(sod / 60 % 60), (int)(sod % 60), (int)(ms - s * 1000));
}

/* One version of an order as a JSON line; bad: -1 valid, else the kind of
 * damage. Returns the line's valid item lines' truth through *t. */
static int s_order_json(const ns_gen_t *g, const s_order_t *o, int v, int bad, ns_buf_t *b)
{
    const ns_gen_catalog_t *cat = &g->w->cat;
    const s_country_t *ct = &s_countries[o->country];
    int cur = ct->cur;
    int kind = o->ver_kind[v];
    bool refunded = kind == S_V_REFUNDED, voided = kind == S_V_VOIDED;
    char created[40], updated[40], money[32];
    s_local_ts(created, sizeof created, o->created_ms, ct->zone);
    s_local_ts(updated, sizeof updated, o->ver_ms[v], ct->zone);
    if (bad == 1) { /* a created_at that is no time */
        char good[40];
        memcpy(good, created, sizeof good);
        snprintf(created, sizeof created, "%.10s %02d:%.5s", good, 24 + o->idx % 5, good + 14);
    }
    int64_t linetot = 0, disc = 0;
    for (int i = 0; i < o->n; i++) {
        linetot += o->l[i].price * o->l[i].qty;
        disc += o->l[i].disc;
    }
    int64_t sub = linetot - disc;
    if (bad == 2) {
        if (ns_buf_appendf(b, "{\"id\":null") < 0)
            return -1;
    } else if (ns_buf_appendf(b, "{\"id\":\"%llu\"", (unsigned long long)o->id) < 0) {
        return -1;
    }
    const char *status = voided ? "voided"
                         : refunded ? (o->full_refund ? "refunded" : "partially_refunded")
                         : (o->authorized && kind == S_V_CREATED) ? "authorized"
                                                                  : "paid";
    if (ns_buf_appendf(b,
                       ",\"name\":\"#%lld\",\"created_at\":\"%s\",\"updated_at\":\"%s\","
                       "\"currency\":\"%s\",\"presentment_currency\":\"%s\"",
                       (long long)((o->day % 100000) * 10000 + o->idx + 1), created, updated,
                       ns_gen_currency_codes[cur], ns_gen_currency_codes[cur]) < 0)
        return -1;
    ns_gen_fmt_money(money, sub);
    if (ns_buf_appendf(b, ",\"subtotal_price\":\"%s\"", money) < 0)
        return -1;
    ns_gen_fmt_money(money, disc);
    if (ns_buf_appendf(b, ",\"total_discounts\":\"%s\"", money) < 0)
        return -1;
    ns_gen_fmt_money(money, o->tax);
    if (ns_buf_appendf(b, ",\"total_tax\":\"%s\"", money) < 0)
        return -1;
    ns_gen_fmt_money(money, sub + o->tax + o->shipping);
    if (ns_buf_appendf(b, ",\"total_price\":\"%s\",\"taxes_included\":%s,\"financial_status\":\"%s\"",
                       money, cur == NS_GEN_USD ? "false" : "true", status) < 0)
        return -1;
    if (voided) {
        if (ns_buf_appendf(b, ",\"cancelled_at\":\"%s\",\"cancel_reason\":\"customer\"", updated) < 0)
            return -1;
    } else if (ns_buf_appendf(b, ",\"cancelled_at\":null") < 0) {
        return -1;
    }
    if (ns_buf_appendf(b, ",\"discount_codes\":[") < 0)
        return -1;
    if (o->code[0]) {
        ns_gen_fmt_money(money, disc);
        if (ns_buf_appendf(b, "{\"code\":\"%s\",\"amount\":\"%s\",\"type\":\"percentage\"}", o->code,
                           money) < 0)
            return -1;
    }
    /* where the visit came from */
    char landing[256];
    if (o->campaign >= 0 && ns_gen_campaigns[o->campaign].name[0]) {
        const ns_gen_campaign_t *cp = &ns_gen_campaigns[o->campaign];
        snprintf(landing, sizeof landing, "\"/?utm_source=%s&utm_medium=%s&utm_campaign=%s\"",
                 cp->source, cp->medium, cp->name);
    } else if (o->campaign >= 0) {
        snprintf(landing, sizeof landing, "\"/\"");
    } else {
        snprintf(landing, sizeof landing, "null");
    }
    if (ns_buf_appendf(b, "],\"landing_site\":%s,\"source_name\":\"web\",\"customer\":{\"id\":\"%d\"},"
                          "\"line_items\":[",
                       landing, o->customer) < 0)
        return -1;
    for (int i = 0; i < o->n; i++) {
        const s_oline_t *l = &o->l[i];
        char sku[32], price[32], ld[32];
        if (l->unknown)
            snprintf(sku, sizeof sku, "ZZZ-%04d-BLK-M", (int)(o->id % 10000));
        else
            snprintf(sku, sizeof sku, "%s", cat->p[l->prod].sku);
        ns_gen_fmt_money(price, l->price);
        ns_gen_fmt_money(ld, l->disc);
        if (ns_buf_appendf(b, "%s{\"id\":\"%llu\",\"sku\":\"%s\",\"quantity\":%d,\"price\":\"%s\","
                              "\"total_discount\":\"%s\"}",
                           i ? "," : "", 866550000000000000ULL + o->id % 100000000000ULL * 10 + (uint64_t)i,
                           sku, l->qty, price, ld) < 0)
            return -1;
    }
    if (ns_buf_appendf(b, "],\"shipping_address\":") < 0)
        return -1;
    if (o->city >= 0) {
        const ns_gen_city_t *c = &ns_gen_cities[o->city];
        if (ns_buf_appendf(b, "{\"city\":\"%s\",\"province_code\":\"%s\",\"country_code\":\"%s\"}",
                           c->city, c->state, c->country) < 0)
            return -1;
    } else if (ns_buf_appendf(b, "null") < 0) {
        return -1;
    }
    if (ns_buf_appendf(b, ",\"refunds\":[") < 0)
        return -1;
    if (refunded) {
        if (ns_buf_appendf(b, "{\"id\":\"%llu\",\"created_at\":\"%s\",\"refund_line_items\":[",
                           (unsigned long long)(o->id * 10 + 7), updated) < 0)
            return -1;
        int k = 0;
        for (int i = 0; i < o->n; i++) {
            const s_oline_t *l = &o->l[i];
            if (!l->ref_qty)
                continue;
            ns_gen_fmt_money(money, l->ref_sub);
            if (ns_buf_appendf(b, "%s{\"line_item_id\":\"%llu\",\"quantity\":%d,\"subtotal\":\"%s\"}",
                               k++ ? "," : "",
                               866550000000000000ULL + o->id % 100000000000ULL * 10 + (uint64_t)i,
                               l->ref_qty, money) < 0)
                return -1;
        }
        if (ns_buf_appendf(b, "]}") < 0)
            return -1;
    }
    return ns_buf_appendf(b, "]}");
}

/* One version to write today. */
typedef struct {
    int64_t at_ms;  /* updated_at */
    int64_t day;    /* the order's plan day */
    int idx;        /* its index */
    int v;          /* version */
} s_ver_t;

static int s_cmp_ver(const void *a, const void *b)
{
    const s_ver_t *x = a, *y = b;
    if (x->at_ms != y->at_ms)
        return x->at_ms < y->at_ms ? -1 : 1;
    if (x->day != y->day)
        return x->day < y->day ? -1 : 1;
    if (x->idx != y->idx)
        return x->idx < y->idx ? -1 : 1;
    return x->v - y->v;
}

/* Reports one valid version: it replaces the order's earlier one. */
static int s_order_truth(ns_gen_t *g, const s_order_t *o, int v, ns_err_t *err)
{
    ns_gen_tentry_t *t = ns_gen_truth_latest(g->t, NS_GEN_TK_ORDER, o->id);
    if (!t)
        return ns_errf(err, "cannot count orders: out of memory");
    const s_country_t *ct = &s_countries[o->country];
    int64_t day = ns_gen_floordiv(o->created_ms, 86400000LL); /* created_at's UTC date */
    int64_t fx = ns_gen_fx_micros(g->o->seed, ct->cur, day);
    memset(t->v, 0, sizeof t->v);
    t->n = 0;
    t->day = day;
    t->a = NS_GEN_CH_ONLINE;
    t->cur = ct->cur;
    if (o->ver_kind[v] == S_V_VOIDED)
        return 0;
    for (int i = 0; i < o->n; i++) {
        const s_oline_t *l = &o->l[i];
        if (l->unknown)
            continue;
        bool ref = o->ver_kind[v] == S_V_REFUNDED;
        int64_t net = l->price * l->qty - l->disc - (ref ? l->ref_sub : 0);
        t->v[0] += l->qty - (ref ? l->ref_qty : 0);
        t->v[1] += net;
        t->v[2] += ns_gen_to_usd(net, fx);
        t->n++;
    }
    return 0;
}

/* Writes one orders file (and maybe a re-sent copy and a truncated copy). */
static int s_orders_file(ns_gen_t *g, int64_t day, int *fileno, ns_buf_t *body, uint64_t records,
                         uint64_t bad, ns_gen_rng_t *fr, ns_err_t *err)
{
    char iso[16];
    ns_gen_fmt_date(iso, sizeof iso, day, NS_GEN_DATE_ISO);
    double u_dup = ns_gen_unif(fr), u_cut = ns_gen_unif(fr), cut = 0.2 + 0.6 * ns_gen_unif(fr);
    int copies = 1 + (u_dup < g->o->dup_rate) + (u_cut < g->file_bad_rate);
    for (int k = 0; k < copies; k++) {
        ns_gen_file_t f;
        if (ns_gen_file_begin(&f, NS_GEN_SRC_ORDERS, true, NS_GEN_ENC_UTF8, err,
                              "online/orders/dt=%s/orders-%04d.jsonl.gz", iso, ++*fileno) < 0)
            return -1;
        if (ns_gen_put(&f, body->data ? body->data : "", body->len, err) < 0) {
            ns_gen_file_discard(&f);
            return -1;
        }
        bool truncated = k == copies - 1 && u_cut < g->file_bad_rate;
        f.records = records;
        f.bad = bad;
        if (ns_gen_file_commit(g, &f, truncated ? NS_GEN_TRUNCATE : NS_GEN_INTACT, cut, err) < 0)
            return -1;
    }
    return 0;
}

static int s_orders_day(ns_gen_t *g, int64_t day, s_shopday_t *sd, ns_err_t *err)
{
    /* the versions whose updated_at falls on day: today's orders and
     * updates of the orders of the S_LOOKBACK days before */
    s_ver_t *vs = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;
    s_order_t o;
    for (int64_t d = day - S_LOOKBACK; d <= day && rc == 0; d++) {
        ns_gen_webplan_t pl;
        ns_gen_web_plan(g->o->seed, g->o->stores, g->o->scale, d, &pl);
        for (int i = 0; i < pl.norders && rc == 0; i++) {
            s_order(g, &pl, sd, d, i, &o);
            for (int v = 0; v < o.nver; v++) {
                if (ns_gen_floordiv(o.ver_ms[v], 86400000LL) != day)
                    continue;
                if (n == cap) {
                    size_t nc = cap ? cap * 2 : 256;
                    s_ver_t *nv = realloc(vs, nc * sizeof *nv);
                    if (!nv) {
                        rc = ns_errf(err, "cannot generate orders: out of memory");
                        break;
                    }
                    vs = nv;
                    cap = nc;
                }
                vs[n++] = (s_ver_t){o.ver_ms[v], d, i, v};
            }
        }
    }
    if (rc == 0 && n > 1)
        qsort(vs, n, sizeof *vs, s_cmp_ver);
    ns_buf_t body;
    ns_buf_init(&body, NS_GEN_FILE_MAX);
    ns_gen_rng_t fr;
    ns_gen_rng_seed(&fr, g->o->seed, (uint64_t)day, 0, 0, NS_GEN_TAG_FILE);
    int fileno = 0;
    uint64_t recs = 0, bad = 0;
    int64_t cached_day = INT64_MIN;
    ns_gen_webplan_t pl;
    for (size_t i = 0; i < n && rc == 0; i++) {
        const s_ver_t *v = &vs[i];
        if (v->day != cached_day) {
            ns_gen_web_plan(g->o->seed, g->o->stores, g->o->scale, v->day, &pl);
            cached_day = v->day;
        }
        s_order(g, &pl, sd, v->day, v->idx, &o);
        ns_gen_rng_t b;
        ns_gen_rng_seed(&b, g->o->seed, (uint64_t)v->day, (uint64_t)v->idx, (uint64_t)v->v + 1,
                        NS_GEN_TAG_ORDER_BAD);
        double ub = ns_gen_unif(&b);
        int kind = ub < g->o->bad_rate ? (int)ns_gen_below(&b, 3) : -1;
        size_t start = body.len;
        if (s_order_json(g, &o, v->v, kind, &body) < 0) {
            rc = ns_errf(err, "cannot build orders of %lld: out of memory", (long long)day);
            break;
        }
        if (kind == 0) { /* cut short: the line ends in the middle */
            size_t len = body.len - start;
            body.len = start + len / 2;
            body.data[body.len] = '\0';
        }
        if (ns_buf_append(&body, "\n", 1) < 0) {
            rc = ns_errf(err, "cannot build orders: out of memory");
            break;
        }
        recs++;
        bool unknown = false;
        for (int k = 0; k < o.n; k++)
            unknown |= o.l[k].unknown;
        if (kind >= 0 || unknown)
            bad++;
        if (kind < 0)
            rc = s_order_truth(g, &o, v->v, err);
        if (rc == 0 && (recs % S_ORDERS_PER_FILE == 0 || i + 1 == n)) {
            rc = s_orders_file(g, day, &fileno, &body, recs, bad, &fr, err);
            ns_buf_reset(&body);
            recs = bad = 0;
        }
    }
    if (rc == 0 && ns_gen_chance(&fr, g->o->dup_rate)) { /* an extra empty file */
        char iso[16];
        ns_gen_fmt_date(iso, sizeof iso, day, NS_GEN_DATE_ISO);
        ns_gen_file_t f;
        rc = ns_gen_file_begin(&f, NS_GEN_SRC_ORDERS, true, NS_GEN_ENC_UTF8, err,
                               "online/orders/dt=%s/orders-%04d.jsonl.gz", iso, ++fileno);
        if (rc == 0)
            rc = ns_gen_file_commit(g, &f, NS_GEN_EMPTY, 0, err);
    }
    ns_buf_free(&body);
    free(vs);
    return rc;
}

/* ----------------------------------------------------------- clickstream */

enum { S_E_PAGE, S_E_TRACK, S_E_IDENTIFY };
enum { S_T_NONE, S_T_VIEWED, S_T_ADDED, S_T_COMPLETED };
enum { S_P_HOME, S_P_CATEGORY, S_P_PRODUCT, S_P_CART, S_P_CHECKOUT, S_P_THANKS };

typedef struct {
    int64_t ts;          /* timestamp, UTC ms */
    int64_t recv;        /* receivedAt, UTC ms */
    uint64_t anon[2];    /* anonymousId (a UUID) */
    uint64_t msg[2];     /* messageId bits */
    int32_t visitor;     /* index of the visitor in the day */
    int32_t prod;        /* product (product pages and tracks) or category */
    int32_t order;       /* order index (Order Completed), else -1 */
    int32_t user;        /* userId, or 0 before identify */
    int8_t type;         /* S_E_* */
    int8_t event;        /* S_T_* */
    int8_t page;         /* S_P_* */
    int8_t campaign;     /* context.campaign of a landing page: campaign index, else -1 */
    int8_t bad;          /* 0, or 1 + the kind of damage */
    int8_t dup;          /* a retry copy */
    int8_t landing;      /* first page of a session: carries referrer and utm */
} s_event_t;

typedef struct {
    s_event_t *e;        /* events */
    size_t n, cap;       /* used, allocated */
} s_events_t;

static s_event_t *s_push(s_events_t *es)
{
    if (es->n == es->cap) {
        size_t nc = es->cap ? es->cap * 2 : 4096;
        s_event_t *ne = realloc(es->e, nc * sizeof *ne);
        if (!ne)
            return NULL;
        es->e = ne;
        es->cap = nc;
    }
    s_event_t *e = &es->e[es->n++];
    memset(e, 0, sizeof *e);
    e->order = -1;
    e->campaign = -1;
    return e;
}

/* Adds the events of one session; start_ms < 0: end at end_ms instead. */
static int s_session(s_events_t *es, ns_gen_rng_t *r, const ns_gen_catalog_t *cat,
                     const s_shopday_t *sd, int visitor, const uint64_t anon[2], int campaign,
                     bool landing_ctx, int64_t start_ms, int64_t end_ms, int order, int customer,
                     int max_pages, int64_t *last_ms, int *user)
{
    int8_t kinds[S_MAX_SESSION_EVENTS], pages[S_MAX_SESSION_EVENTS], evs[S_MAX_SESSION_EVENTS];
    int32_t prods[S_MAX_SESSION_EVENTS];
    int64_t gaps[S_MAX_SESSION_EVENTS];
    int n = 0;
#define S_ADD(k, p, ev, pr)                                                                        \
    do {                                                                                           \
        if (n < S_MAX_SESSION_EVENTS - 8) {                                                        \
            kinds[n] = (k), pages[n] = (p), evs[n] = (ev), prods[n] = (pr);                        \
            n++;                                                                                   \
        }                                                                                          \
    } while (0)
    int pagesn = 1;
    while (pagesn < max_pages && ns_gen_chance(r, 0.55))
        pagesn++;
    int prod = s_pick(sd, cat->n, r);
    int first_page = ns_gen_chance(r, 0.6) ? S_P_PRODUCT : ns_gen_chance(r, 0.5) ? S_P_CATEGORY : S_P_HOME;
    S_ADD(S_E_PAGE, first_page, S_T_NONE, first_page == S_P_CATEGORY ? cat->cat[prod] : prod);
    if (first_page == S_P_PRODUCT)
        S_ADD(S_E_TRACK, S_P_PRODUCT, S_T_VIEWED, prod);
    for (int k = 1; k < pagesn; k++) {
        prod = s_pick(sd, cat->n, r);
        int pg = ns_gen_chance(r, 0.7) ? S_P_PRODUCT : S_P_CATEGORY;
        S_ADD(S_E_PAGE, pg, S_T_NONE, pg == S_P_CATEGORY ? cat->cat[prod] : prod);
        if (pg == S_P_PRODUCT && ns_gen_chance(r, 0.8))
            S_ADD(S_E_TRACK, S_P_PRODUCT, S_T_VIEWED, prod);
    }
    if (order >= 0 || ns_gen_chance(r, 0.15)) {
        S_ADD(S_E_TRACK, S_P_PRODUCT, S_T_ADDED, prod);
        S_ADD(S_E_PAGE, S_P_CART, S_T_NONE, 0);
    }
    if (order >= 0) {
        S_ADD(S_E_PAGE, S_P_CHECKOUT, S_T_NONE, 0);
        S_ADD(S_E_IDENTIFY, S_P_CHECKOUT, S_T_NONE, 0);
        S_ADD(S_E_TRACK, S_P_CHECKOUT, S_T_COMPLETED, 0);
        S_ADD(S_E_PAGE, S_P_THANKS, S_T_NONE, 0);
    }
#undef S_ADD
    /* gaps: seconds to minutes, never more than 25 minutes; the order
     * completes at end_ms, so the page after it comes a moment later */
    for (int k = 0; k < n; k++) {
        int64_t gp = 0;
        if (k) {
            double x = 1500.0 + 90000.0 * -log(1.0 - 0.999 * ns_gen_unif(r));
            gp = (int64_t)(x > 25 * 60000.0 ? 25 * 60000.0 : x);
            if (evs[k] == S_T_VIEWED || kinds[k] == S_E_IDENTIFY || evs[k] == S_T_COMPLETED)
                gp = 200 + (int64_t)ns_gen_below(r, 1500);
        }
        gaps[k] = gp;
    }
    int64_t t = start_ms;
    if (start_ms < 0) {
        int64_t to_completed = 0;
        for (int k = 0; k < n; k++) {
            to_completed += gaps[k];
            if (evs[k] == S_T_COMPLETED)
                break;
        }
        t = end_ms - to_completed;
    }
    for (int k = 0; k < n; k++) {
        t += gaps[k];
        s_event_t *e = s_push(es);
        if (!e)
            return -1;
        e->ts = t;
        e->visitor = visitor;
        e->anon[0] = anon[0];
        e->anon[1] = anon[1];
        e->msg[0] = ns_gen_next(r);
        e->msg[1] = ns_gen_next(r);
        e->type = kinds[k];
        e->page = pages[k];
        e->event = evs[k];
        e->prod = prods[k];
        if (kinds[k] == S_E_IDENTIFY)
            *user = customer;
        e->user = *user;
        if (evs[k] == S_T_COMPLETED)
            e->order = order;
        e->landing = k == 0;
        e->campaign = k == 0 && landing_ctx ? (int8_t)campaign : -1;
        /* arrival: usually within a second, sometimes hours later */
        double late = ns_gen_unif(r);
        e->recv = t + (late < 0.03 ? 15 * 60000 + (int64_t)ns_gen_below(r, 5 * 3600000LL)
                                   : 40 + (int64_t)ns_gen_below(r, 900));
    }
    *last_ms = t;
    return 0;
}

/* Builds every event of the day's sessions into es, with the visitors'
 * truth reported. */
static int s_click_events(ns_gen_t *g, int64_t day, s_shopday_t *sd, s_events_t *es, ns_err_t *err)
{
    const ns_gen_catalog_t *cat = &g->w->cat;
    ns_gen_webplan_t pl;
    ns_gen_web_plan(g->o->seed, g->o->stores, g->o->scale, day, &pl);
    s_shopday(cat, day, sd);
    int visitor = 0;
    s_order_t o;
    s_shopday_t osd;
    osd.day = INT64_MIN;
    for (int c = 0; c < NS_GEN_NCAMPAIGN; c++) {
        const ns_gen_campaign_t *cp = &ns_gen_campaigns[c];
        for (int64_t k = 0; k < pl.sessions[c]; k++) {
            ns_gen_rng_t r;
            ns_gen_rng_seed(&r, g->o->seed, (uint64_t)day, (uint64_t)c, (uint64_t)k, NS_GEN_TAG_SESSION);
            uint64_t anon[2] = {ns_gen_next(&r), ns_gen_next(&r)};
            int order = -1, customer = 0, user = 0;
            int64_t start = -1, end = 0, last = 0;
            if (k < pl.orders[c]) {
                order = (int)(pl.first_order[c] + k);
                s_order(g, &pl, &osd, day, order, &o);
                end = o.created_ms;
                customer = o.customer;
            } else {
                start = day * 86400000LL + s_time_of_day_ms(&r);
            }
            bool ctx = cp->source[0] != 0; /* direct visits carry no campaign context */
            if (s_session(es, &r, cat, sd, visitor, anon, c, ctx, start, end, order, customer, 10,
                          &last, &user) < 0)
                return ns_errf(err, "cannot generate clickstream: out of memory");
            if (ns_gen_chance(&r, 0.12)) { /* the visitor comes back later, directly */
                int64_t back = last + 40 * 60000LL + (int64_t)ns_gen_below(&r, 200 * 60000LL);
                if (s_session(es, &r, cat, sd, visitor, anon, -1, false, back, 0, -1, 0, 4, &last,
                              &user) < 0)
                    return ns_errf(err, "cannot generate clickstream: out of memory");
            }
            visitor++;
        }
    }
    /* planted bad events and retried duplicates: their own stream */
    ns_gen_rng_t b;
    ns_gen_rng_seed(&b, g->o->seed, (uint64_t)day, 0, 0, NS_GEN_TAG_CLICK_BAD);
    size_t n0 = es->n;
    for (size_t i = 0; i < n0; i++) {
        double ub = ns_gen_unif(&b), ud = ns_gen_unif(&b);
        uint64_t v = ns_gen_next(&b);
        if (ub < g->o->bad_rate)
            es->e[i].bad = (int8_t)(1 + v % 3);
        if (ud < 0.01) {
            s_event_t *e = s_push(es);
            if (!e)
                return ns_errf(err, "cannot generate clickstream: out of memory");
            *e = es->e[i];
            e->dup = 1;
            e->recv += 1000 + (int64_t)((v >> 8) % 120000);
        }
    }
    /* the truth: sessionize each visitor's valid events (in time order,
     * retries dropped); a gap of more than 30 minutes starts a session */
    for (size_t i = 0; i < n0;) {
        size_t j = i;
        while (j < n0 && es->e[j].visitor == es->e[i].visitor)
            j++;
        int64_t prev = INT64_MIN, sday = 0;
        int scamp = -1;
        bool open = false, conv = false;
        for (size_t k = i; k <= j; k++) {
            const s_event_t *e = k < j ? &es->e[k] : NULL;
            if (e && e->bad)
                continue;
            if (open && (!e || e->ts - prev > 30 * 60000LL)) {
                if (ns_gen_truth_sessions(g->t, sday, scamp, 1, conv, conv, err) < 0)
                    return -1;
                open = false;
            }
            if (!e)
                break;
            if (!open) {
                open = true;
                conv = false;
                sday = ns_gen_floordiv(e->ts, 86400000LL);
                scamp = e->campaign >= 0 && ns_gen_campaigns[e->campaign].name[0] ? e->campaign : -1;
            }
            conv |= e->event == S_T_COMPLETED;
            prev = e->ts;
        }
        i = j;
    }
    return 0;
}

static int s_hex(char *out, uint64_t v, int digits)
{
    static const char hx[] = "0123456789abcdef";
    for (int i = digits - 1; i >= 0; i--, v >>= 4)
        out[i] = hx[v & 15];
    return digits;
}

static void s_uuid(char out[40], const uint64_t u[2])
{
    uint64_t a = (u[0] & 0xffffffffffff0fffULL) | 0x4000ULL;
    uint64_t b = (u[1] & 0x3fffffffffffffffULL) | 0x8000000000000000ULL;
    int n = 0;
    n += s_hex(out + n, a >> 32, 8);
    out[n++] = '-';
    n += s_hex(out + n, a >> 16, 4);
    out[n++] = '-';
    n += s_hex(out + n, a, 4);
    out[n++] = '-';
    n += s_hex(out + n, b >> 48, 4);
    out[n++] = '-';
    n += s_hex(out + n, b, 12);
    out[n] = '\0';
}

static const char *const s_page_paths[6] = {"/", "/c/", "/p/", "/cart", "/checkout",
                                            "/checkout/thank-you"};

/* One event as JSON into b (kind of damage in e->bad; cut only when the
 * file is newline-delimited). */
static int s_event_json(const ns_gen_t *g, int64_t day, const s_event_t *e, bool concat,
                        s_shopday_t *osd, ns_buf_t *b)
{
    const ns_gen_catalog_t *cat = &g->w->cat;
    char anon[40], ts[40], recv[40], msg[40], path[160];
    s_uuid(anon, e->anon);
    s_utc_ts(ts, sizeof ts, e->ts);
    s_utc_ts(recv, sizeof recv, e->recv);
    int n = 0;
    n += s_hex(msg + n, e->msg[0], 16);
    n += s_hex(msg + n, e->msg[1], 16);
    msg[n] = '\0';
    int bad = e->bad ? e->bad - 1 : -1;
    if (bad == 0 && concat)
        bad = 1; /* a cut record would swallow its neighbour without a delimiter */
    if (bad == 1)
        snprintf(ts, sizeof ts, "%02d/%02d/%04d %02d:%02d", (int)(e->ts / 86400000 % 28) + 1, 11,
                 2026, (int)(e->ts / 3600000 % 24), (int)(e->ts / 60000 % 60));
    size_t start = b->len;
    static const char *const types[3] = {"page", "track", "identify"};
    if (ns_buf_appendf(b, "{\"type\":\"%s\"", types[e->type]) < 0)
        return -1;
    static const char *const evn[4] = {"", "Product Viewed", "Product Added", "Order Completed"};
    if (e->type == S_E_TRACK && ns_buf_appendf(b, ",\"event\":\"%s\"", evn[(int)e->event]) < 0)
        return -1;
    if (bad != 2 && ns_buf_appendf(b, ",\"messageId\":\"ajs-%s\"", msg) < 0)
        return -1;
    if (ns_buf_appendf(b, ",\"anonymousId\":\"%s\",\"userId\":", anon) < 0)
        return -1;
    if ((e->user ? ns_buf_appendf(b, "\"%d\"", e->user) : ns_buf_appendf(b, "null")) < 0)
        return -1;
    if (ns_buf_appendf(b, ",\"timestamp\":\"%s\",\"receivedAt\":\"%s\"", ts, recv) < 0)
        return -1;
    /* properties */
    if (e->page == S_P_PRODUCT) {
        char slug[128];
        s_slug(cat, e->prod, slug, sizeof slug);
        snprintf(path, sizeof path, "/p/%s", slug);
    } else if (e->page == S_P_CATEGORY) {
        snprintf(path, sizeof path, "/c/%s", ns_gen_cat_name(e->prod));
        for (char *q = path; *q; q++)
            if (*q >= 'A' && *q <= 'Z')
                *q = (char)(*q - 'A' + 'a');
    } else {
        snprintf(path, sizeof path, "%s", s_page_paths[(int)e->page]);
    }
    const ns_gen_campaign_t *cp = e->campaign >= 0 ? &ns_gen_campaigns[(int)e->campaign] : NULL;
    if (e->type == S_E_PAGE) {
        char url[400], utm[200] = "";
        if (cp && cp->name[0])
            snprintf(utm, sizeof utm, "?utm_source=%s&utm_medium=%s&utm_campaign=%s", cp->source,
                     cp->medium, cp->name);
        snprintf(url, sizeof url, "https://shop.example.com%s%s", path, utm);
        const char *ref = e->landing ? (cp ? cp->referrer : "") : "https://shop.example.com/";
        if (ns_buf_appendf(b, ",\"properties\":{\"path\":\"%s\",\"url\":\"%s\",\"referrer\":\"%s\"}",
                           path, url, ref) < 0)
            return -1;
    } else if (e->type == S_E_IDENTIFY) {
        if (ns_buf_appendf(b, ",\"traits\":{\"email_domain\":\"example.com\"}") < 0)
            return -1;
    } else if (e->event == S_T_COMPLETED) {
        ns_gen_webplan_t pl;
        ns_gen_web_plan(g->o->seed, g->o->stores, g->o->scale, day, &pl);
        s_order_t o;
        s_order(g, &pl, osd, day, e->order, &o);
        int64_t sub = 0;
        for (int i = 0; i < o.n; i++)
            sub += o.l[i].price * o.l[i].qty - o.l[i].disc;
        char money[32];
        ns_gen_fmt_money(money, sub);
        if (ns_buf_appendf(b, ",\"properties\":{\"order_id\":\"%llu\",\"revenue\":\"%s\","
                              "\"currency\":\"%s\",\"products\":[",
                           (unsigned long long)o.id, money,
                           ns_gen_currency_codes[s_countries[o.country].cur]) < 0)
            return -1;
        for (int i = 0; i < o.n; i++)
            if (ns_buf_appendf(b, "%s{\"sku\":\"%s\",\"quantity\":%d}", i ? "," : "",
                               o.l[i].unknown ? "ZZZ-0000-BLK-M" : cat->p[o.l[i].prod].sku,
                               o.l[i].qty) < 0)
                return -1;
        if (ns_buf_appendf(b, "]}") < 0)
            return -1;
    } else {
        char price[32];
        ns_gen_fmt_money(price, cat->p[e->prod].price_cents[NS_GEN_USD]);
        if (ns_buf_appendf(b, ",\"properties\":{\"sku\":\"%s\",\"price\":%s,\"currency\":\"USD\"}",
                           cat->p[e->prod].sku, price) < 0)
            return -1;
    }
    if (ns_buf_appendf(b, ",\"context\":{") < 0)
        return -1;
    if (cp && cp->source[0]) {
        if (ns_buf_appendf(b, "\"campaign\":{\"source\":\"%s\",\"medium\":\"%s\"", cp->source,
                           cp->medium) < 0)
            return -1;
        if (cp->name[0] && ns_buf_appendf(b, ",\"name\":\"%s\"", cp->name) < 0)
            return -1;
        if (ns_buf_appendf(b, "},") < 0)
            return -1;
    }
    if (ns_buf_appendf(b, "\"library\":{\"name\":\"analytics.js\",\"version\":\"4.1.0\"}}}") < 0)
        return -1;
    if (bad == 0) { /* cut short */
        size_t len = b->len - start;
        b->len = start + len * 2 / 3;
        /* never right after ':', ',' or '[': there the next line's event
         * would read as the cut value's nested member to a reader of
         * concatenated JSON (a newline is whitespace), and be lost with it */
        while (b->len > start + 1 && strchr(":,[", b->data[b->len - 1]))
            b->len--;
        b->data[b->len] = '\0';
    }
    return concat ? 0 : ns_buf_append(b, "\n", 1);
}

static int s_cmp_recv(const void *a, const void *b)
{
    const s_event_t *x = a, *y = b;
    if (x->recv != y->recv)
        return x->recv < y->recv ? -1 : 1;
    if (x->visitor != y->visitor)
        return x->visitor < y->visitor ? -1 : 1;
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int s_click_file(ns_gen_t *g, int64_t day, int64_t window, const s_event_t *e, size_t n,
                        s_shopday_t *osd, ns_err_t *err)
{
    ns_gen_rng_t r;
    ns_gen_rng_seed(&r, g->o->seed, (uint64_t)day, (uint64_t)window, 0, NS_GEN_TAG_CLICK_FILE);
    bool concat = ns_gen_chance(&r, 0.25);
    double u_cut = ns_gen_unif(&r), cut = 0.2 + 0.6 * ns_gen_unif(&r);
    int64_t name_ms = window * S_WINDOW_MS + S_WINDOW_MS - 60000 + (int64_t)ns_gen_below(&r, 50000);
    uint64_t id[2][2] = {{ns_gen_next(&r), ns_gen_next(&r)}, {ns_gen_next(&r), ns_gen_next(&r)}};
    ns_buf_t body;
    ns_buf_init(&body, NS_GEN_FILE_MAX);
    uint64_t bad = 0;
    for (size_t i = 0; i < n; i++) {
        if (s_event_json(g, day, &e[i], concat, osd, &body) < 0) {
            ns_buf_free(&body);
            return ns_errf(err, "cannot build clickstream: out of memory");
        }
        bad += e[i].bad != 0;
    }
    int copies = 1 + (u_cut < g->file_bad_rate);
    int rc = 0;
    for (int k = 0; k < copies && rc == 0; k++) {
        int64_t t = ns_gen_floordiv(name_ms + k * 5000, 1000);
        int y, m, d;
        ns_gen_civil(ns_gen_floordiv(t, 86400), &y, &m, &d);
        int64_t sod = t - ns_gen_floordiv(t, 86400) * 86400;
        int hh = (int)(sod / 3600), mm = (int)(sod / 60 % 60), ss = (int)(sod % 60);
        char uuid[40];
        s_uuid(uuid, id[k]);
        ns_gen_file_t f;
        rc = ns_gen_file_begin(&f, NS_GEN_SRC_CLICKSTREAM, true, NS_GEN_ENC_UTF8, err,
                               "clickstream/%04d/%02d/%02d/%02d/"
                               "clickstream-1-%04d-%02d-%02d-%02d-%02d-%02d-%s.gz",
                               y, m, d, hh, y, m, d, hh, mm, ss, uuid);
        if (rc == 0)
            rc = ns_gen_put(&f, body.data ? body.data : "", body.len, err);
        if (rc < 0) {
            ns_gen_file_discard(&f);
            break;
        }
        f.records = n;
        f.bad = bad;
        rc = ns_gen_file_commit(g, &f, k == 1 ? NS_GEN_TRUNCATE : NS_GEN_INTACT, cut, err);
    }
    ns_buf_free(&body);
    return rc;
}

static int s_click_day(ns_gen_t *g, int64_t day, s_shopday_t *sd, ns_err_t *err)
{
    s_events_t es = {NULL, 0, 0};
    int rc = s_click_events(g, day, sd, &es, err);
    if (rc == 0 && es.n > 1)
        qsort(es.e, es.n, sizeof *es.e, s_cmp_recv);
    s_shopday_t osd;
    osd.day = INT64_MIN;
    for (size_t i = 0; i < es.n && rc == 0;) {
        int64_t w = ns_gen_floordiv(es.e[i].recv, S_WINDOW_MS);
        size_t j = i;
        while (j < es.n && ns_gen_floordiv(es.e[j].recv, S_WINDOW_MS) == w)
            j++;
        rc = s_click_file(g, day, w, es.e + i, j - i, &osd, err);
        i = j;
    }
    free(es.e);
    return rc;
}

int ns_gen_online_day(ns_gen_t *g, int64_t day, ns_err_t *err)
{
    s_shopday_t *sd = malloc(sizeof *sd);
    if (!sd)
        return ns_errf(err, "cannot generate online data: out of memory");
    sd->day = INT64_MIN;
    int rc = 0;
    if (ns_gen_on(g, NS_GEN_SRC_ORDERS))
        rc = s_orders_day(g, day, sd, err);
    if (rc == 0 && ns_gen_on(g, NS_GEN_SRC_CLICKSTREAM))
        rc = s_click_day(g, day, sd, err);
    free(sd);
    return rc;
}
