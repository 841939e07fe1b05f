/*
 * ns_gen_pos: the own-store point-of-sale feed (SOURCES.md section 1; the
 * layout and quirks are described in ns_gen.h).
 *
 * How a store's day is made:
 *   - the day plan (PRNG of seed, store, date, "plan") decides how many
 *     transactions each register rings up: ~600 per store per day at scale
 *     1.0, times the store's size, a day-of-week and a season factor (Black
 *     Friday, December, closed on Christmas Day), and the planted store
 *     effect (mall type, staff and manager tenure) and day effect (rain and
 *     temperature in the store's region, the state's unemployment rate, the
 *     retail channel's trend) of ns_gen_world.h;
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
 * Products are chosen by popularity times the clothing line's trend; the
 * promotions that apply to the store add items so that each product's
 * expected units are multiplied by the product of the lifts of the
 * promotion types covering its category (the planted promotion lift). Discounts follow the calendar of ns_gen_promos: the
 * seasonal percentage, the circular's 10% (circular stores only), the
 * weekend coupon. Money is kept in integer cents throughout.
 *
 * Every valid ITEM line is reported to the truth (channel retail, its
 * business date and currency, USD at that date's rate).
 *
 * Workload: ~2,000 lines per store-day formatted into a 64 KiB buffer and
 * streamed through zlib into one object writer at a time.
 */
#include "ns_gen_int.h"
#include "ns_gen_truth.h"
#include "ns_gen_world.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#define S_TXNS_PER_DAY 600.0 /* per store per day at scale 1.0 */
#define S_MAX_REGISTERS 6
#define S_MAX_PER_REGISTER 99999u /* txn_seq is 6 digits: base < 800001 */
#define S_MAX_ITEMS 8
#define S_MAX_EXTRAS 6
#define S_MAX_LINES 32
#define S_OBUF (64 * 1024)
#define S_LINE_MAX 512
#define S_RETURN_DAYS 30
#define S_P_MORE 0.45 /* chance of one more item in a basket */

enum { S_SALE = 0, S_RETURN = 1 };
enum { S_BAD_FIELDS = 0, S_BAD_DATE, S_BAD_QTY, S_BAD_SKU, S_BAD_KINDS };

static const char *const s_header =
    "store_id|business_date|register_id|txn_seq|txn_type|txn_end_local|utc_offset|line_no|"
    "line_type|void_flag|sku|upc|qty|unit_price|ext_amount|disc_amount|promo_id|tender_type|"
    "currency|orig_txn_ref\n";

/* What a store's date looks like to a shopper: the promotions that apply
 * there and the cumulative popularity of the products. */
typedef struct {
    int64_t day;                            /* days since the epoch; INT64_MIN = none yet */
    int store;                              /* store id */
    int npromo;                             /* promotions applying to the store */
    ns_gen_promo_t promo[NS_GEN_MAX_PROMOS]; /* the promotions, in discount precedence */
    double cdf[NS_GEN_MAX_PRODUCTS];        /* cumulative popularity */
    double xcdf[NS_GEN_MAX_PRODUCTS];       /* cumulative popularity x (lift - 1) */
    double xshare;                          /* sum of popularity x (lift - 1) / sum of popularity */
} s_daydata_t;

typedef struct {
    int total;                        /* transactions in the day */
    uint32_t count[S_MAX_REGISTERS];  /* per register */
} s_plan_t;

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
    const ns_gen_opts_t *o;          /* the options */
    const ns_gen_catalog_t *cat;     /* products */
    double nbar;                     /* expected base items per sale */
    s_daydata_t cur;                 /* the store-day being written */
    s_daydata_t scratch;             /* the store-day of a return's original */
    uint32_t *times;                 /* seconds after local midnight of the business date, per txn */
    size_t times_cap;                /* entries allocated */
    char obuf[S_OBUF];               /* formatted lines waiting for the compressor */
    size_t olen;                     /* bytes in obuf */
    uint64_t bad_kind[S_BAD_KINDS];  /* malformed lines by kind */
    int64_t fx;                      /* micro-USD per unit of the store's currency that day */
} s_ctx_t;

/* ------------------------------------------------------------ day data */

static void s_daydata_set(s_daydata_t *dd, const s_ctx_t *c, const ns_gen_store_rec_t *st,
                          int64_t day)
{
    if (dd->day == day && dd->store == st->num)
        return;
    dd->day = day;
    dd->store = st->num;
    ns_gen_promo_t all[NS_GEN_MAX_PROMOS];
    int n = ns_gen_promos(day, all);
    dd->npromo = 0;
    for (int k = 0; k < n; k++)
        if (ns_gen_promo_applies(&all[k], st))
            dd->promo[dd->npromo++] = all[k];
    const ns_gen_catalog_t *cat = c->cat;
    /* a product's lift: the product of the lifts of the promotions that
     * cover its category here */
    double lift[NS_GEN_NCAT];
    for (int k = 0; k < NS_GEN_NCAT; k++) {
        lift[k] = 1.0;
        for (int j = 0; j < dd->npromo; j++)
            if (dd->promo[j].cats & NS_GEN_CATBIT(k))
                lift[k] *= ns_gen_promo_lift[dd->promo[j].type];
    }
    double lt[NS_GEN_NLINE];
    for (int l = 0; l < NS_GEN_NLINE; l++)
        lt[l] = ns_gen_line_trend(l, day);
    double acc = 0, xacc = 0;
    for (int i = 0; i < cat->n; i++) {
        double w = cat->w[i] * lt[cat->line[i]];
        acc += w;
        xacc += w * (lift[cat->cat[i]] - 1.0);
        dd->cdf[i] = acc;
        dd->xcdf[i] = xacc;
    }
    dd->xshare = acc > 0 ? xacc / acc : 0;
}

static int s_pick_from(const double *cdf, int n, ns_gen_rng_t *r)
{
    double x = ns_gen_unif(r) * cdf[n - 1];
    int lo = 0, hi = n - 1;
    while (lo < hi) {
        int mid = lo + (hi - lo) / 2;
        if (cdf[mid] > x)
            hi = mid;
        else
            lo = mid + 1;
    }
    return lo;
}

static int s_pick_product(const s_daydata_t *dd, int n, ns_gen_rng_t *r)
{
    return s_pick_from(dd->cdf, n, r);
}

/* -------------------------------------------------------- day plan, txns */

static uint32_t s_seq_base(int64_t day, int reg)
{
    return (uint32_t)(((uint64_t)day * 617u + (uint64_t)reg * 131u) % 800000u) + 1;
}

static void s_plan(uint64_t seed, double scale, const ns_gen_store_rec_t *st, int64_t day,
                   s_plan_t *pl)
{
    static const double reg_w[S_MAX_REGISTERS] = {1.0, 0.85, 0.7, 0.55, 0.45, 0.35};
    ns_gen_rng_t r;
    ns_gen_rng_seed(&r, seed, (uint64_t)st->num, (uint64_t)day, 0, NS_GEN_TAG_PLAN);
    memset(pl, 0, sizeof *pl);
    double n = S_TXNS_PER_DAY * scale * st->size * ns_gen_dow_factor(day) * ns_gen_season(day) *
               ns_gen_store_effect(st) * ns_gen_day_effect(seed, st, NS_GEN_CH_RETAIL, day) *
               (0.9 + 0.2 * ns_gen_unif(&r));
    int nreg = st->registers;
    double wsum = 0;
    for (int i = 0; i < nreg; i++)
        wsum += reg_w[i];
    long total = (long)(n + 0.5);
    for (long t = 0; t < total; t++) {
        double x = ns_gen_unif(&r) * wsum;
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

static void s_add_tenders(s_txn_t *t, int64_t net, int first_type, ns_gen_rng_t *r)
{
    if (net == 0 || t->n + 2 > S_MAX_LINES)
        return;
    if (net > 0 && net >= 2000 && ns_gen_chance(r, 0.04)) {
        static const int64_t cards[3] = {1000, 2500, 5000};
        int64_t g = cards[ns_gen_below(r, 3)];
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

static int s_pick_tender(ns_gen_rng_t *r)
{
    double u = ns_gen_unif(r);
    return u < 0.55 ? S_T_CREDIT : u < 0.80 ? S_T_DEBIT : u < 0.94 ? S_T_CASH : S_T_GIFT;
}

/* Prices one item line of product p with the promotions of the day: the
 * first one (in precedence order) that covers it and gives a discount. */
static void s_price_line(const s_ctx_t *c, const s_daydata_t *dd, int cur, int p, int qty,
                         bool weekend_coupon, s_line_t *l)
{
    memset(l, 0, sizeof *l);
    l->item = true;
    l->prod = p;
    l->qty = qty;
    l->unit = c->cat->p[p].price_cents[cur];
    uint32_t bit = NS_GEN_CATBIT(c->cat->cat[p]);
    for (int k = 0; k < dd->npromo; k++) {
        const ns_gen_promo_t *pr = &dd->promo[k];
        if (!(pr->cats & bit))
            continue;
        if (pr->pct) {
            l->disc = (l->unit * qty * pr->pct + 50) / 100;
        } else if (pr->fixed_units && weekend_coupon && l->unit >= (int64_t)pr->min_units * 100) {
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

static int s_qty(ns_gen_rng_t *r)
{
    double u = ns_gen_unif(r);
    return u < 0.87 ? 1 : u < 0.97 ? 2 : 3;
}

static void s_build_sale(const s_ctx_t *c, const ns_gen_store_rec_t *st, const s_daydata_t *dd,
                         ns_gen_rng_t *r, s_txn_t *t)
{
    int cur = st->currency;
    t->type = S_SALE;
    int items = 1;
    while (items < S_MAX_ITEMS && ns_gen_chance(r, S_P_MORE))
        items++;
    bool coupon = false;
    for (int i = 0; i < items; i++) {
        int p = s_pick_product(dd, c->cat->n, r);
        int qty = s_qty(r);
        coupon = ns_gen_chance(r, 0.25);
        s_price_line(c, dd, cur, p, qty, coupon, &t->l[t->n++]);
    }
    /* the promotion lift: items on top, so that a product's expected
     * units are its base units times its lift */
    int64_t want = ns_gen_round_random(r, c->nbar * dd->xshare);
    for (int64_t e = 0; e < want && dd->xshare > 0; e++) {
        int p = s_pick_from(dd->xcdf, c->cat->n, r);
        int qty = s_qty(r);
        if (e < S_MAX_EXTRAS)
            s_price_line(c, dd, cur, p, qty, coupon, &t->l[t->n++]);
    }
    items = t->n;
    if (ns_gen_chance(r, 0.005)) { /* post-void: the whole sale is cancelled, no payment */
        for (int j = 0; j < items; j++)
            s_insert_void(t, j, t->n);
    } else {
        int voids = ns_gen_chance(r, 0.06) ? 1 + ns_gen_chance(r, 0.15) : 0;
        for (int v = 0; v < voids; v++) {
            int j = (int)ns_gen_below(r, (uint64_t)t->n);
            if (!t->l[j].void_line && !t->l[j].voided)
                s_insert_void(t, j, j + 1 + (int)ns_gen_below(r, (uint64_t)(t->n - j)));
        }
    }
    int64_t net = 0;
    for (int i = 0; i < t->n; i++)
        net += t->l[i].ext;
    s_add_tenders(t, net, s_pick_tender(r), r);
}

static int s_build_txn(s_ctx_t *c, const ns_gen_store_rec_t *st, const s_daydata_t *dd, int reg,
                       uint32_t seq, bool resolve, s_txn_t *t);

/* A return of one or two lines of a real earlier sale of the same store. */
static void s_build_return(s_ctx_t *c, const ns_gen_store_rec_t *st, const s_daydata_t *dd,
                           ns_gen_rng_t *r, s_txn_t *t)
{
    for (int attempt = 0; attempt < 6; attempt++) {
        uint64_t a = ns_gen_below(r, S_RETURN_DAYS), b = ns_gen_below(r, S_RETURN_DAYS);
        int64_t k = 1 + (int64_t)(a < b ? a : b); /* 1..30 days ago, recent ones likelier */
        int64_t od = dd->day - k;
        s_plan_t pl;
        s_plan(c->o->seed, c->o->scale, st, od, &pl);
        if (pl.total == 0)
            continue;
        uint32_t idx = (uint32_t)ns_gen_below(r, (uint64_t)pl.total);
        int oreg = 0;
        while (idx >= pl.count[oreg]) {
            idx -= pl.count[oreg];
            oreg++;
        }
        uint32_t oseq = s_seq_base(od, oreg + 1) + idx;
        s_daydata_set(&c->scratch, c, st, od);
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
        int nret = nc >= 2 && ns_gen_chance(r, 0.2) ? 2 : 1;
        int first = (int)ns_gen_below(r, (uint64_t)nc);
        t->type = S_RETURN;
        t->n = 0;
        t->orig_day = od;
        t->orig_reg = oreg + 1;
        t->orig_seq = oseq;
        int64_t net = 0;
        for (int i = 0; i < nret; i++) {
            const s_line_t *ol = &orig.l[cand[(first + i) % nc]];
            int q = ol->qty;
            int rq = q == 1 || ns_gen_chance(r, 0.7) ? q : 1 + (int)ns_gen_below(r, (uint64_t)(q - 1));
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
static int s_build_txn(s_ctx_t *c, const ns_gen_store_rec_t *st, const s_daydata_t *dd, int reg,
                       uint32_t seq, bool resolve, s_txn_t *t)
{
    ns_gen_rng_t r;
    ns_gen_rng_seed(&r, c->o->seed, (uint64_t)st->num, (uint64_t)dd->day,
                    ((uint64_t)reg << 32) | seq, NS_GEN_TAG_TXN);
    memset(t, 0, sizeof *t);
    if (ns_gen_chance(&r, 0.035)) {
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
    int cur;              /* currency index */
} s_txnfmt_t;

/* Formats one line, malformed if bad_kind >= 0, and appends it; a valid
 * item line goes to the truth. */
static int s_emit_line(ns_gen_t *g, s_ctx_t *c, ns_writer_t *w, const s_txnfmt_t *tf,
                       const s_txn_t *t, int i, int bad_kind, int variant, ns_err_t *err)
{
    const s_line_t *l = &t->l[i];
    char lineno[32], qty[32], unit[32], ext[32], disc[32], bad_date[32];
    const char *f[21];
    ns_gen_fmt_int(lineno, i + 1);
    ns_gen_fmt_money(ext, l->ext);
    f[0] = tf->store, f[1] = tf->bdate, f[2] = tf->reg, f[3] = tf->seq, f[4] = tf->type;
    f[5] = tf->ts, f[6] = tf->off, f[7] = lineno;
    f[8] = l->item ? "ITEM" : "TENDER";
    f[9] = l->void_line ? "Y" : "N";
    f[14] = ext;
    f[18] = tf->currency;
    if (l->item) {
        const ns_gen_product_t *p = &c->cat->p[l->prod];
        ns_gen_fmt_int(qty, l->qty);
        ns_gen_fmt_money(unit, l->unit);
        ns_gen_fmt_money(disc, l->disc);
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
        ns_gen_civil(tf->bday, &y, &m, &d);
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
    ns_gen_stats_t *st = g->st;
    st->lines++;
    st->item_lines += l->item;
    st->src[NS_GEN_SRC_POS].records++;
    if (bad_kind >= 0) {
        st->bad_lines++;
        st->src[NS_GEN_SRC_POS].bad_records++;
        c->bad_kind[bad_kind]++;
    } else if (l->item) {
        if (ns_gen_truth_sale(g->t, NS_GEN_CH_RETAIL, tf->bday, tf->cur, l->qty, l->ext,
                              ns_gen_to_usd(l->ext, c->fx), 1, err) < 0)
            return -1;
    }
    return 0;
}

static int s_cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

/* Writes the lines of one store's business day into w. */
static int s_store_day(ns_gen_t *g, s_ctx_t *c, const ns_gen_store_rec_t *st, int64_t day,
                       ns_writer_t *w, ns_err_t *err)
{
    static const double hour_w[26] = {0,   0,   0,   0,   0,   0,   0,   0,   0,   0.5, 0.7, 0.9, 1.2,
                                      1.2, 1.0, 1.0, 1.1, 1.3, 1.4, 1.2, 0.9, 0.6, 0.4, 0.3, 0.2, 0.1};
    const ns_gen_opts_t *o = c->o;
    s_plan_t pl;
    s_plan(o->seed, o->scale, st, day, &pl);
    s_daydata_set(&c->cur, c, st, day);
    c->fx = ns_gen_fx_micros(o->seed, st->currency, day);
    if ((size_t)pl.total > c->times_cap) {
        uint32_t *nt = realloc(c->times, (size_t)pl.total * sizeof *nt);
        if (!nt)
            return ns_errf(err, "cannot plan store %04d: out of memory", st->num);
        c->times = nt;
        c->times_cap = (size_t)pl.total;
    }
    /* the clock: hours open..close with weights, seconds uniform in the hour */
    ns_gen_rng_t tr, br;
    ns_gen_rng_seed(&tr, o->seed, (uint64_t)st->num, (uint64_t)day, 0, NS_GEN_TAG_TIME);
    ns_gen_rng_seed(&br, o->seed, (uint64_t)st->num, (uint64_t)day, 0, NS_GEN_TAG_BAD);
    int last = st->late ? 25 : st->close_hour - 1; /* the last hour with trade */
    double wsum = 0;
    for (int h = st->open_hour; h <= last; h++)
        wsum += hour_w[h];
    size_t at = 0;
    for (int reg = 0; reg < st->registers; reg++) {
        uint32_t *tt = c->times + at;
        for (uint32_t k = 0; k < pl.count[reg]; k++) {
            double x = ns_gen_unif(&tr) * wsum;
            int h = st->open_hour;
            while (h < last && x >= hour_w[h]) {
                x -= hour_w[h];
                h++;
            }
            uint32_t span = h == 25 ? 1800 : 3600;
            uint32_t t = (uint32_t)h * 3600 + (uint32_t)ns_gen_below(&tr, span);
            int off;
            if (ns_gen_zone_local_offset(st->zone, day * 86400 + t, &off) < 0)
                t -= 3600; /* the spring change skips this hour */
            tt[k] = t;
        }
        if (pl.count[reg] > 1)
            qsort(tt, pl.count[reg], sizeof *tt, s_cmp_u32);
        at += pl.count[reg];
    }
    s_txnfmt_t tf;
    memset(&tf, 0, sizeof tf);
    snprintf(tf.store, sizeof tf.store, "%04d", st->num);
    ns_gen_fmt_date(tf.bdate, sizeof tf.bdate, day, NS_GEN_DATE_ISO);
    tf.currency = ns_gen_currency_codes[st->currency];
    tf.cur = st->currency;
    tf.bday = day;
    s_txn_t *t = malloc(sizeof *t);
    if (!t)
        return ns_errf(err, "cannot plan store %04d: out of memory", st->num);
    at = 0;
    int rc = 0;
    for (int reg = 0; reg < st->registers && rc == 0; reg++) {
        uint32_t base = s_seq_base(day, reg + 1);
        snprintf(tf.reg, sizeof tf.reg, "%02d", reg + 1);
        for (uint32_t k = 0; k < pl.count[reg] && rc == 0; k++) {
            uint32_t seq = base + k;
            s_build_txn(c, st, &c->cur, reg + 1, seq, true, t);
            snprintf(tf.seq, sizeof tf.seq, "%06u", seq);
            tf.type = t->type == S_RETURN ? "RETURN" : "SALE";
            int64_t local = day * 86400 + c->times[at + k];
            int off = 0, hh, mm, ss, y, m, d;
            ns_gen_zone_local_offset(st->zone, local, &off);
            ns_gen_civil(ns_gen_floordiv(local, 86400), &y, &m, &d);
            int64_t sod = local - ns_gen_floordiv(local, 86400) * 86400;
            hh = (int)(sod / 3600), mm = (int)(sod / 60 % 60), ss = (int)(sod % 60);
            snprintf(tf.ts, sizeof tf.ts, "%04d-%02d-%02dT%02d:%02d:%02d", y, m, d, hh, mm, ss);
            snprintf(tf.off, sizeof tf.off, "%c%02d:%02d", off < 0 ? '-' : '+', abs(off) / 60,
                     abs(off) % 60);
            if (t->type == S_RETURN) {
                char od[16];
                ns_gen_fmt_date(od, sizeof od, t->orig_day, NS_GEN_DATE_COMPACT);
                snprintf(tf.orig, sizeof tf.orig, "%04d-%s-%02d-%06u", st->num, od, t->orig_reg,
                         t->orig_seq);
            } else {
                tf.orig[0] = '\0';
            }
            for (int i = 0; i < t->n && rc == 0; i++) {
                int kind = -1, variant = 0;
                if (t->l[i].item) {
                    /* always two draws, so the stream does not depend on bad_rate */
                    double u = ns_gen_unif(&br);
                    uint64_t v = ns_gen_next(&br);
                    if (u < o->bad_rate) {
                        kind = (int)(v % S_BAD_KINDS);
                        variant = (int)((v >> 8) % (kind == S_BAD_FIELDS ? 3 : 4));
                    }
                }
                rc = s_emit_line(g, c, w, &tf, t, i, kind, variant, err);
            }
        }
        at += pl.count[reg];
    }
    free(t);
    return rc;
}

/* ------------------------------------------------------------------ run */

int ns_gen_pos_begin(ns_gen_t *g, ns_err_t *err)
{
    s_ctx_t *c = calloc(1, sizeof *c);
    if (!c)
        return ns_errf(err, "cannot generate: out of memory");
    c->o = g->o;
    c->cat = &g->w->cat;
    c->cur.day = INT64_MIN;
    c->scratch.day = INT64_MIN;
    double nbar = 0, p = 1;
    for (int k = 0; k < S_MAX_ITEMS; k++, p *= S_P_MORE)
        nbar += p;
    c->nbar = nbar;
    g->pos = c;
    return 0;
}

void ns_gen_pos_end(ns_gen_t *g)
{
    s_ctx_t *c = g->pos;
    if (!c)
        return;
    free(c->times);
    free(c);
    g->pos = NULL;
}

int ns_gen_pos_day(ns_gen_t *g, int64_t day, ns_err_t *err)
{
    s_ctx_t *c = g->pos;
    const ns_gen_opts_t *o = g->o;
    char iso[16], compact[16], key[256], uri[NS_URI_MAX];
    ns_gen_fmt_date(iso, sizeof iso, day, NS_GEN_DATE_ISO);
    ns_gen_fmt_date(compact, sizeof compact, day, NS_GEN_DATE_COMPACT);
    for (int id = 1; id <= o->stores; id++) {
        const ns_gen_store_rec_t *store = &g->w->own[id - 1];
        snprintf(key, sizeof key, "pos/dt=%s/store=%04d/pos-%04d-%s.psv.gz", iso, id, id, compact);
        if (ns_uri_join(uri, o->out, key) < 0)
            return ns_errf(err, "cannot write '%s' under '%s': URI too long", key, o->out);
        uint64_t stored = 0;
        ns_writer_t *w = s_gz_open(uri, o->gzip_level, &stored, err);
        if (!w)
            return -1;
        size_t hl = strlen(s_header);
        memcpy(c->obuf, s_header, hl);
        c->olen = hl;
        int rc = s_store_day(g, c, store, day, w, err);
        if (rc == 0)
            rc = s_flush(c, w, err);
        if (rc < 0) {
            ns_writer_abort(&w);
            return -1;
        }
        uint64_t raw = ns_writer_size(w);
        if (ns_writer_commit(&w, err) < 0)
            return -1;
        ns_gen_stats_t *st = g->st;
        st->files++;
        st->bytes_raw += raw;
        st->bytes_stored += stored;
        st->src[NS_GEN_SRC_POS].files++;
        st->src[NS_GEN_SRC_POS].bytes_raw += raw;
        st->src[NS_GEN_SRC_POS].bytes_stored += stored;
    }
    return 0;
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

int ns_gen_pos_summary(ns_gen_t *g, ns_err_t *err)
{
    const s_ctx_t *c = g->pos;
    const ns_gen_opts_t *o = g->o;
    const ns_gen_stats_t *s = g->st;
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
