/*
 * ns_gen_wholesale: what the wholesale partners send about our products.
 *
 * Department stores, EDI X12 852 (SOURCES.md section 2):
 *   wholesale/edi852/dt=<delivery day>/<partner>-<ISA13>.edi
 * one interchange per file, separators defined by its ISA and different per
 * partner (GRANDDEPT '*' '>' "~\n", weekly, one N1*RL transaction set per
 * store; HARTWELLS '|' '^' "\n", daily, one set with SDQ per-store
 * quantities; NORDLINE '*' ':' "~" on one line, daily, N1*RL sets;
 * MERIDIAN, the European group, '*' '>' "~\n", daily, N1*RL sets). XQ
 * gives the reporting period; ZA QS (sold), QA (on hand), QU (returned).
 * An interchange covers one period; it is normally delivered the day after
 * the period ends, sometimes 1..3 days late, sometimes a second time the
 * day after (same name, same bytes); now and then an extra empty file.
 * Planted bad: sets whose CTT01 or SE01 is off by one (the whole set must
 * be rejected), extra LIN loops of unknown products, extra sets (N1*RL) or
 * SDQ pairs for unknown stores.
 *
 * Discount stores, vendor-portal export (SOURCES.md section 3):
 *   wholesale/portal/dt=<delivery day>/<partner>-week-YYYYWW.txt
 * UTF-16LE with a BOM, tab-separated, two preamble lines, a header, one row
 * per store and UPC with activity; money with '$' and thousands
 * separators, POS Sales always quoted, negative quantities and sales for
 * net returns. VALUMART sends the last ISO week every Tuesday (sometimes
 * late or twice); THRIFTCO sends the current week to date every day (CRLF;
 * the latest export of a week replaces the earlier ones). Planted bad rows
 * replace a real row: cut short, one field too many, sales that are no
 * number, an unknown UPC or store number.
 *
 * Partner sales come from ns_gen_partner_day (world): the same store-day
 * gives the same units in every file that covers it.
 */
#include "ns_gen_int.h"
#include "ns_gen_truth.h"
#include "ns_gen_world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_LATE 3

/* Per product sums over a period for one partner store. */
typedef struct {
    int *qs, *qu, *qa;   /* sold, returned (sums), on hand (last day) */
    int *dqs, *dqu, *dqa; /* one day */
} s_period_t;

static int s_period_alloc(s_period_t *p, int n)
{
    memset(p, 0, sizeof *p);
    p->qs = calloc((size_t)n * 6, sizeof(int));
    if (!p->qs)
        return -1;
    p->qu = p->qs + n;
    p->qa = p->qs + 2 * n;
    p->dqs = p->qs + 3 * n;
    p->dqu = p->qs + 4 * n;
    p->dqa = p->qs + 5 * n;
    return 0;
}

static void s_period_free(s_period_t *p)
{
    free(p->qs);
    memset(p, 0, sizeof *p);
}

/* Sums partner store k of p over [d1, d2]. */
static void s_period(const ns_gen_t *g, int p, int k, int64_t d1, int64_t d2, s_period_t *x)
{
    const ns_gen_catalog_t *c = &g->w->cat;
    memset(x->qs, 0, (size_t)c->n * 3 * sizeof(int));
    for (int64_t d = d1; d <= d2; d++) {
        ns_gen_partner_day(g->o->seed, g->o->scale, c, p, k, d, x->dqs, x->dqu, x->dqa);
        for (int i = 0; i < c->n; i++) {
            x->qs[i] += x->dqs[i];
            x->qu[i] += x->dqu[i];
            x->qa[i] = x->dqa[i];
        }
    }
}

/* When an interchange or export of partner p for the period ending e is
 * delivered: its day, and the day it is sent again (or INT64_MIN). */
static void s_delivery(const ns_gen_t *g, int p, int64_t e, int64_t *first, int64_t *again)
{
    ns_gen_rng_t r;
    ns_gen_rng_seed(&r, g->o->seed, (uint64_t)p, (uint64_t)e, 0, NS_GEN_TAG_FILE);
    double u1 = ns_gen_unif(&r), u2 = ns_gen_unif(&r);
    int late = (int)ns_gen_below(&r, S_MAX_LATE) + 1;
    *first = e + 1 + (u1 < g->o->dup_rate ? late : 0);
    *again = u2 < g->o->dup_rate ? *first + 1 : INT64_MIN;
}

/* ----------------------------------------------------------------- EDI */

typedef struct {
    ns_gen_file_t *f;       /* the interchange */
    const ns_gen_partner_t *pt;
    int nseg;               /* segments of the current set */
    int nlin;               /* LIN segments of the current set */
    char term[4];           /* segment terminator (+ line break) */
} s_edi_t;

/* One segment: elements joined by the partner's separator. */
static int s_seg(s_edi_t *x, ns_err_t *err, const char *const *el, int n)
{
    char sep[2] = {x->pt->elem, 0};
    for (int i = 0; i < n; i++) {
        if (i && ns_gen_puts(x->f, sep, err) < 0)
            return -1;
        if (ns_gen_puts(x->f, el[i], err) < 0)
            return -1;
    }
    x->nseg++;
    return ns_gen_puts(x->f, x->pt->term, err);
}

#define S_SEG(x, err, ...)                                                                         \
    s_seg((x), (err), (const char *const[]){__VA_ARGS__},                                          \
          (int)(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *)))

/* Quantities of one LIN across stores, SDQ style: ZA without a quantity
 * and SDQ segments of up to 10 (store, quantity) pairs. */
static int s_sdq(s_edi_t *x, ns_err_t *err, const char *code, const char *const *stores,
                 const int *q, int n, bool all)
{
    int have = 0;
    for (int i = 0; i < n; i++)
        have += all || q[i] > 0;
    if (!have)
        return 0;
    if (S_SEG(x, err, "ZA", code) < 0)
        return -1;
    char sep[2] = {x->pt->elem, 0};
    int in = 0;
    for (int i = 0; i < n; i++) {
        if (!all && q[i] <= 0)
            continue;
        if (in == 0 && ns_gen_printf(x->f, err, "SDQ%sEA%s92", sep, sep) < 0)
            return -1;
        if (ns_gen_printf(x->f, err, "%s%s%s%d", sep, stores[i], sep, q[i]) < 0)
            return -1;
        if (++in == 10) {
            x->nseg++;
            if (ns_gen_puts(x->f, x->pt->term, err) < 0)
                return -1;
            in = 0;
        }
    }
    if (in) {
        x->nseg++;
        if (ns_gen_puts(x->f, x->pt->term, err) < 0)
            return -1;
    }
    return 0;
}

/* Closes a set: CTT and SE, off by one when bad (0 CTT, 1 SE). */
static int s_close_set(s_edi_t *x, const char *stctl, int bad, ns_err_t *err)
{
    char ctt[16], se[16];
    snprintf(ctt, sizeof ctt, "%d", x->nlin + (bad == 0));
    if (S_SEG(x, err, "CTT", ctt) < 0)
        return -1;
    snprintf(se, sizeof se, "%d", x->nseg + 1 - (bad == 1));
    return S_SEG(x, err, "SE", se, stctl);
}

/* A valid set's pairs: their sales and their on-hand figures (each pair
 * has a QA), for the period ending e. */
static int s_edi_truth(ns_gen_t *g, int64_t e, int64_t units, int64_t cents, int64_t recs,
                       int64_t onhand, ns_err_t *err)
{
    if (ns_gen_truth_sale(g->t, NS_GEN_CH_DEPARTMENT, e, NS_GEN_USD, units, cents, cents, recs, err))
        return -1;
    return ns_gen_truth_inventory(g->t, NS_GEN_CH_DEPARTMENT, e, recs, onhand, err);
}

/* Writes the interchange of partner p for the period ending e (copy 0 is
 * the first delivery: only it reports to the truth, and only if the truth
 * has not seen this interchange yet). */
static int s_interchange(ns_gen_t *g, int p, int64_t e, int64_t deliver, int64_t sent,
                         s_period_t *per, ns_err_t *err)
{
    const ns_gen_partner_t *pt = &ns_gen_partners[p];
    const ns_gen_catalog_t *cat = &g->w->cat;
    const int ns = g->w->npart;
    int64_t s0 = pt->cadence == NS_GEN_WEEKLY ? e - 6 : e;
    uint64_t control = (uint64_t)e % 1000000000u;
    char iso[16], isa_d[16], gs_d[16], xq1[16], xq2[16], ctl[16], gctl[16], tm[8];
    ns_gen_fmt_date(iso, sizeof iso, deliver, NS_GEN_DATE_ISO);
    ns_gen_fmt_date(isa_d, sizeof isa_d, sent, NS_GEN_DATE_YYMMDD);
    ns_gen_fmt_date(gs_d, sizeof gs_d, sent, NS_GEN_DATE_COMPACT);
    ns_gen_fmt_date(xq1, sizeof xq1, s0, NS_GEN_DATE_COMPACT);
    ns_gen_fmt_date(xq2, sizeof xq2, e, NS_GEN_DATE_COMPACT);
    snprintf(ctl, sizeof ctl, "%09llu", (unsigned long long)control);
    snprintf(gctl, sizeof gctl, "%llu", (unsigned long long)control);
    snprintf(tm, sizeof tm, "%02d15", pt->send_hour);
    bool oom = false;
    bool truth = ns_gen_truth_first(g->t, NS_GEN_TK_EDI, ((uint64_t)p << 40) | control, &oom);
    if (oom)
        return ns_errf(err, "cannot count interchanges: out of memory");
    ns_gen_file_t f;
    if (ns_gen_file_begin(&f, NS_GEN_SRC_EDI852, false, NS_GEN_ENC_UTF8, err,
                          "wholesale/edi852/dt=%s/%s-%s.edi", iso, pt->code, ctl) < 0)
        return -1;
    s_edi_t x = {&f, pt, 0, 0, {0}};
    ns_gen_rng_t bad;
    ns_gen_rng_seed(&bad, g->o->seed, (uint64_t)p, (uint64_t)e, 0, NS_GEN_TAG_EDI_BAD);
    int rc = ns_gen_printf(&f, err,
                           "ISA%c00%c          %c00%c          %cZZ%c%-15s%cZZ%c%-15s%c%s%c%s%cU%c"
                           "00401%c%s%c0%cP%c%c%s",
                           pt->elem, pt->elem, pt->elem, pt->elem, pt->elem, pt->elem, pt->code,
                           pt->elem, pt->elem, "CLOTHMAKER", pt->elem, isa_d, pt->elem, tm,
                           pt->elem, pt->elem, pt->elem, ctl, pt->elem, pt->elem, pt->elem, pt->comp,
                           pt->term);
    if (rc == 0)
        rc = S_SEG(&x, err, "GS", "PD", pt->code, "CLOTHMAKER", gs_d, tm, gctl, "X", "004010");
    int nsets = 0;
    char stctl[16];
    /* the stores' figures for the period */
    int **qs = NULL, **qu = NULL, **qa = NULL;
    if (rc == 0) {
        qs = calloc((size_t)ns * 3, sizeof *qs);
        int *all = calloc((size_t)ns * 3 * (size_t)cat->n, sizeof *all);
        if (!qs || !all) {
            free(qs);
            free(all);
            ns_gen_file_discard(&f);
            return ns_errf(err, "cannot build an interchange of %s: out of memory", pt->code);
        }
        qu = qs + ns;
        qa = qs + 2 * ns;
        for (int k = 0; k < ns; k++) {
            qs[k] = all + (size_t)k * 3 * (size_t)cat->n;
            qu[k] = qs[k] + cat->n;
            qa[k] = qs[k] + 2 * cat->n;
            s_period(g, p, k, s0, e, per);
            memcpy(qs[k], per->qs, (size_t)cat->n * sizeof(int));
            memcpy(qu[k], per->qu, (size_t)cat->n * sizeof(int));
            memcpy(qa[k], per->qa, (size_t)cat->n * sizeof(int));
        }
    }
    bool wrote_bad_store = false;
    /* truth is reported per set once its fate (bad counts) is known:
     * sales, and the pairs' on-hand (QA) figures */
    int64_t units = 0, cents = 0, recs = 0, onhand = 0;
    if (rc == 0 && !pt->sdq) {
        /* one set per store, and maybe one for a store nobody knows */
        double ux = ns_gen_unif(&bad);
        int extra = ux < g->o->bad_rate * 10 ? 1 : 0;
        for (int k = 0; k < ns + extra && rc == 0; k++) {
            bool unknown_store = k == ns;
            int kk = unknown_store ? 0 : k;
            const char *sid = unknown_store ? "9999" : g->w->part[p][kk].id;
            char nm[32];
            snprintf(nm, sizeof nm, "STORE %s", sid);
            snprintf(stctl, sizeof stctl, "%04d", ++nsets);
            x.nseg = 0, x.nlin = 0;
            int setbad = ns_gen_chance(&bad, g->file_bad_rate) ? (int)ns_gen_below(&bad, 2) : -1;
            units = cents = recs = onhand = 0;
            rc = S_SEG(&x, err, "ST", "852", stctl);
            if (rc == 0)
                rc = S_SEG(&x, err, "XQ", "H", xq1, xq2);
            if (rc == 0)
                rc = S_SEG(&x, err, "N1", "RL", nm, "92", sid);
            for (int i = 0; i < cat->n && rc == 0; i++) {
                if (!ns_gen_partner_carries(cat, p, i) || (qs[kk][i] == 0 && qu[kk][i] == 0))
                    continue;
                const ns_gen_product_t *pr = &cat->p[i];
                char ln[16], a[16], b2[16], c2[16];
                snprintf(ln, sizeof ln, "%d", ++x.nlin);
                snprintf(a, sizeof a, "%d", qs[kk][i]);
                snprintf(b2, sizeof b2, "%d", qa[kk][i]);
                snprintf(c2, sizeof c2, "%d", qu[kk][i]);
                rc = S_SEG(&x, err, "LIN", ln, "UP", pr->upc, "VN", pr->sku);
                if (rc == 0)
                    rc = S_SEG(&x, err, "ZA", "QS", a, "EA");
                if (rc == 0)
                    rc = S_SEG(&x, err, "ZA", "QA", b2, "EA");
                if (rc == 0 && qu[kk][i] > 0)
                    rc = S_SEG(&x, err, "ZA", "QU", c2, "EA");
                f.records++;
                if (!unknown_store) {
                    units += qs[kk][i] - qu[kk][i];
                    cents += (int64_t)(qs[kk][i] - qu[kk][i]) * pr->price_cents[NS_GEN_USD];
                    onhand += qa[kk][i];
                    recs++;
                } else {
                    f.bad++;
                }
                /* an extra LIN of a product nobody knows (two draws always) */
                double ub = ns_gen_unif(&bad);
                uint64_t vb = ns_gen_next(&bad);
                if (rc == 0 && ub < g->o->bad_rate) {
                    char upc[13], sku[32];
                    ns_gen_unknown_upc(upc, vb);
                    snprintf(sku, sizeof sku, "ZZZ-%04u-BLK-M", (unsigned)(vb >> 20) % 10000u);
                    snprintf(ln, sizeof ln, "%d", ++x.nlin);
                    rc = S_SEG(&x, err, "LIN", ln, "UP", upc, "VN", sku);
                    if (rc == 0)
                        rc = S_SEG(&x, err, "ZA", "QS", "1", "EA");
                    f.records++;
                    f.bad++;
                }
            }
            if (rc == 0)
                rc = s_close_set(&x, stctl, setbad, err);
            if (unknown_store)
                wrote_bad_store = true;
            if (setbad >= 0)
                f.bad += (uint64_t)recs;
            else if (truth && recs && rc == 0)
                rc = s_edi_truth(g, e, units, cents, recs, onhand, err);
        }
    } else if (rc == 0) {
        /* one set for all stores, quantities in SDQ pairs */
        const char **sids = calloc((size_t)ns + 1, sizeof *sids);
        int *col = calloc((size_t)ns + 1, sizeof *col);
        if (!sids || !col) {
            rc = ns_errf(err, "cannot build an interchange of %s: out of memory", pt->code);
        } else {
            for (int k = 0; k < ns; k++)
                sids[k] = g->w->part[p][k].id;
            sids[ns] = "9999";
            snprintf(stctl, sizeof stctl, "%04d", ++nsets);
            x.nseg = 0, x.nlin = 0;
            int setbad = ns_gen_chance(&bad, g->file_bad_rate) ? (int)ns_gen_below(&bad, 2) : -1;
            rc = S_SEG(&x, err, "ST", "852", stctl);
            if (rc == 0)
                rc = S_SEG(&x, err, "XQ", "H", xq1, xq2);
            for (int i = 0; i < cat->n && rc == 0; i++) {
                if (!ns_gen_partner_carries(cat, p, i))
                    continue;
                bool any = false;
                for (int k = 0; k < ns; k++)
                    any |= qs[k][i] > 0 || qu[k][i] > 0;
                if (!any)
                    continue;
                const ns_gen_product_t *pr = &cat->p[i];
                char ln[16];
                snprintf(ln, sizeof ln, "%d", ++x.nlin);
                rc = S_SEG(&x, err, "LIN", ln, "UP", pr->upc, "VN", pr->sku);
                double ub = ns_gen_unif(&bad);
                uint64_t vb = ns_gen_next(&bad);
                bool extra = ub < g->o->bad_rate;
                for (int k = 0; k < ns; k++)
                    col[k] = qs[k][i];
                col[ns] = extra ? 1 + (int)(vb % 5) : 0;
                if (rc == 0)
                    rc = s_sdq(&x, err, "QS", sids, col, ns + 1, false);
                for (int k = 0; k < ns; k++)
                    col[k] = qa[k][i];
                col[ns] = 0;
                if (rc == 0)
                    rc = s_sdq(&x, err, "QA", sids, col, ns, true);
                for (int k = 0; k < ns; k++)
                    col[k] = qu[k][i];
                if (rc == 0)
                    rc = s_sdq(&x, err, "QU", sids, col, ns, false);
                for (int k = 0; k < ns; k++) {
                    f.records++;
                    units += qs[k][i] - qu[k][i];
                    cents += (int64_t)(qs[k][i] - qu[k][i]) * pr->price_cents[NS_GEN_USD];
                    onhand += qa[k][i];
                    recs++;
                }
                if (extra) {
                    f.records++;
                    f.bad++;
                    wrote_bad_store = true;
                }
            }
            if (rc == 0)
                rc = s_close_set(&x, stctl, setbad, err);
            if (setbad >= 0)
                f.bad += (uint64_t)recs;
            else if (truth && recs && rc == 0)
                rc = s_edi_truth(g, e, units, cents, recs, onhand, err);
        }
        free(sids);
        free(col);
    }
    (void)wrote_bad_store;
    if (qs) {
        free(qs[0]);
        free(qs);
    }
    if (rc == 0) {
        char n[16];
        snprintf(n, sizeof n, "%d", nsets);
        rc = S_SEG(&x, err, "GE", n, gctl);
    }
    if (rc == 0)
        rc = S_SEG(&x, err, "IEA", "1", ctl);
    if (rc < 0) {
        ns_gen_file_discard(&f);
        return -1;
    }
    return ns_gen_file_commit(g, &f, NS_GEN_INTACT, 0, err);
}

int ns_gen_edi_day(ns_gen_t *g, int64_t day, ns_err_t *err)
{
    s_period_t per;
    if (s_period_alloc(&per, g->w->cat.n) < 0)
        return ns_errf(err, "cannot generate EDI: out of memory");
    int rc = 0;
    for (int p = 0; p < NS_GEN_NPARTNER && rc == 0; p++) {
        const ns_gen_partner_t *pt = &ns_gen_partners[p];
        if (pt->channel != NS_GEN_CH_DEPARTMENT)
            continue;
        /* every period whose delivery (first or again) falls on day */
        for (int64_t e = day - 2 - S_MAX_LATE; e <= day - 1 && rc == 0; e++) {
            if (pt->cadence == NS_GEN_WEEKLY && ns_gen_weekday(e + 1) != pt->send_weekday)
                continue;
            int64_t first, again;
            s_delivery(g, p, e, &first, &again);
            if (first == day || again == day)
                rc = s_interchange(g, p, e, day, first, &per, err);
        }
        /* now and then an empty file, beside the real ones */
        ns_gen_rng_t r;
        ns_gen_rng_seed(&r, g->o->seed, (uint64_t)p, (uint64_t)day, 1, NS_GEN_TAG_FILE);
        if (rc == 0 && ns_gen_chance(&r, g->o->dup_rate)) {
            char iso[16];
            ns_gen_fmt_date(iso, sizeof iso, day, NS_GEN_DATE_ISO);
            ns_gen_file_t f;
            rc = ns_gen_file_begin(&f, NS_GEN_SRC_EDI852, false, NS_GEN_ENC_UTF8, err,
                                   "wholesale/edi852/dt=%s/%s-9%08lld.edi", iso, pt->code,
                                   (long long)(day % 100000000));
            if (rc == 0)
                rc = ns_gen_file_commit(g, &f, NS_GEN_EMPTY, 0, err);
        }
    }
    s_period_free(&per);
    return rc;
}

/* --------------------------------------------------------------- portal */

/* Writes one export of partner p for the ISO week starting mon, covering
 * [mon, to], delivered on deliver. */
static int s_export(ns_gen_t *g, int p, int64_t mon, int64_t to, int64_t deliver, int64_t run,
                    s_period_t *per, ns_err_t *err)
{
    const ns_gen_partner_t *pt = &ns_gen_partners[p];
    const ns_gen_catalog_t *cat = &g->w->cat;
    int iy, iw;
    ns_gen_iso_week(mon, &iy, &iw);
    char iso[16], rund[16], week[16];
    ns_gen_fmt_date(iso, sizeof iso, deliver, NS_GEN_DATE_ISO);
    ns_gen_fmt_date(rund, sizeof rund, run, NS_GEN_DATE_US);
    snprintf(week, sizeof week, "%04d%02d", iy, iw);
    ns_gen_file_t f;
    if (ns_gen_file_begin(&f, NS_GEN_SRC_PORTAL, false, NS_GEN_ENC_UTF16LE, err,
                          "wholesale/portal/dt=%s/%s-week-%s.txt", iso, pt->code, week) < 0)
        return -1;
    const char *eol = pt->crlf ? "\r\n" : "\n";
    int rc;
    if (pt->cadence == NS_GEN_WEEK_TO_DATE)
        rc = ns_gen_printf(&f, err, "Thriftco\xc2\xae Vendor Portal \xe2\x80\x94 POS Week-to-Date by Store and Item%s"
                                    "Run date %s%s",
                           eol, rund, eol);
    else
        rc = ns_gen_printf(&f, err, "Weekly POS by Store and Item%sRun date %s%s", eol, rund, eol);
    if (rc == 0)
        rc = ns_gen_printf(&f, err,
                           "Store Nbr\tStore Name\tState\tWeek\tUPC\tItem Desc\tUnit Retail\t"
                           "POS Qty\tPOS Sales\tOH Qty%s",
                           eol);
    ns_gen_rng_t bad;
    ns_gen_rng_seed(&bad, g->o->seed, (uint64_t)p, (uint64_t)mon, (uint64_t)to, NS_GEN_TAG_PORTAL_BAD);
    int64_t units = 0, cents = 0, recs = 0, onhand = 0;
    for (int k = 0; k < g->w->npart && rc == 0; k++) {
        const ns_gen_store_rec_t *s = &g->w->part[p][k];
        s_period(g, p, k, mon, to, per);
        for (int i = 0; i < cat->n && rc == 0; i++) {
            if (!ns_gen_partner_carries(cat, p, i) || (per->qs[i] == 0 && per->qu[i] == 0))
                continue;
            const ns_gen_product_t *pr = &cat->p[i];
            int qty = per->qs[i] - per->qu[i];
            /* the partner's own retail: its share of list, ending in .88 */
            int64_t unit = pr->price_cents[NS_GEN_USD] * pt->price_pct / 10000 * 100 + 88;
            int64_t sales = unit * qty;
            char desc[128], sname[96], price[40], sal[48], upc[13], store[8];
            ns_gen_style_name(cat, (int)i, sname, sizeof sname);
            snprintf(desc, sizeof desc, "%s %s %s", sname, pr->colour, pr->size);
            for (char *q = desc; *q; q++)
                if (*q >= 'a' && *q <= 'z')
                    *q = (char)(*q - 'a' + 'A');
            ns_gen_fmt_money_sign(price, unit, "$");
            ns_gen_fmt_money_sign(sal, sales, "$");
            memcpy(upc, pr->upc, 13);
            snprintf(store, sizeof store, "%d", s->num);
            double ub = ns_gen_unif(&bad);
            uint64_t vb = ns_gen_next(&bad);
            int kind = ub < g->o->bad_rate ? (int)(vb % 5) : -1;
            if (kind == 2) { /* sales that are no number */
                char *dig = strchr(sal, '.');
                if (dig && dig > sal && dig[-1] >= '0' && dig[-1] <= '9')
                    dig[-1] = 'O';
            } else if (kind == 3) {
                ns_gen_unknown_upc(upc, vb >> 8);
            } else if (kind == 4) {
                snprintf(store, sizeof store, "99%02u", (unsigned)(vb >> 8) % 100u);
            }
            rc = ns_gen_printf(&f, err, "%s\t%s\t%s\t%s\t%s\t", store, s->name,
                               ns_gen_cities[s->city].state, week, upc);
            if (rc == 0)
                rc = ns_gen_csv_field(&f, desc, '\t', false, err);
            if (rc == 0 && kind == 0) /* cut short after the price */
                rc = ns_gen_printf(&f, err, "\t%s%s", price, eol);
            else if (rc == 0)
                rc = ns_gen_printf(&f, err, "\t%s\t%d\t\"%s\"\t%d%s%s", price, qty, sal, per->qa[i],
                                   kind == 1 ? "\tX" : "", eol);
            f.records++;
            if (kind >= 0) {
                f.bad++;
            } else {
                units += qty;
                cents += sales;
                onhand += per->qa[i];
                recs++;
            }
        }
    }
    if (rc < 0) {
        ns_gen_file_discard(&f);
        return -1;
    }
    /* the latest export of (partner, week) replaces the earlier ones */
    ns_gen_tentry_t *t = ns_gen_truth_latest(g->t, NS_GEN_TK_PORTAL, ((uint64_t)p << 40) | (uint64_t)mon);
    if (!t) {
        ns_gen_file_discard(&f);
        return ns_errf(err, "cannot count portal exports: out of memory");
    }
    t->day = mon + 6;
    t->a = NS_GEN_CH_DISCOUNT;
    t->cur = NS_GEN_USD;
    t->v[0] = units, t->v[1] = cents, t->v[2] = cents, t->v[3] = onhand;
    t->n = recs;
    return ns_gen_file_commit(g, &f, NS_GEN_INTACT, 0, err);
}

int ns_gen_portal_day(ns_gen_t *g, int64_t day, ns_err_t *err)
{
    s_period_t per;
    if (s_period_alloc(&per, g->w->cat.n) < 0)
        return ns_errf(err, "cannot generate portal exports: out of memory");
    int rc = 0;
    for (int p = 0; p < NS_GEN_NPARTNER && rc == 0; p++) {
        const ns_gen_partner_t *pt = &ns_gen_partners[p];
        if (pt->channel != NS_GEN_CH_DISCOUNT)
            continue;
        if (pt->cadence == NS_GEN_WEEK_TO_DATE) {
            int64_t mon = ns_gen_iso_monday(day - 1);
            rc = s_export(g, p, mon, day - 1, day, day, &per, err);
            continue;
        }
        /* weekly: the export for the week ending e is due on the send day
         * after it; it may come late, or twice */
        for (int64_t e = day - 2 - S_MAX_LATE - 7; e <= day - 1 && rc == 0; e++) {
            if (ns_gen_weekday(e) != 0)
                continue; /* weeks end on Sunday */
            int64_t due = e + 1 + (pt->send_weekday + 6) % 7; /* Monday + ... */
            int64_t first, again;
            s_delivery(g, p, e, &first, &again);
            first += due - (e + 1);
            if (again != INT64_MIN)
                again = first + 1;
            if (first == day || again == day)
                rc = s_export(g, p, e - 6, e, day, first, &per, err);
        }
    }
    s_period_free(&per);
    return rc;
}
