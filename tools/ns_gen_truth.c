/*
 * ns_gen_truth: the truth accumulators and truth.json (see ns_gen_truth.h).
 *
 * Dense per-day arrays for the totals, an open-addressing hash of versioned
 * things (orders, portal week exports, restated social ad days) whose
 * latest valid version is folded into the totals when the file is written,
 * and a plain list for the unemployment rows. The JSON is built in one
 * bounded buffer: its size is proportional to days x (channels x
 * currencies + campaigns + weather elements), a few MB for ten years.
 */
#include "ns_gen_truth.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    int64_t units, net, usd, n; /* sums and valid records */
} s_sale_t;

typedef struct {
    int64_t sessions, converted, orders; /* per day (orders: distinct order ids) */
} s_sess_t;

typedef struct {
    int64_t rows, on_hand; /* inventory records and their on-hand sum */
} s_inv_t;

typedef struct {
    int64_t impressions, clicks, cost, conv, n;
} s_ads_t;

typedef struct {
    int64_t n, sum;
} s_wx_t;

typedef struct {
    int fips, year, month, tenths;
    char foot[4];
} s_laus_t;

#define S_NCAMP (NS_GEN_NCAMPAIGN + 1) /* slot 0: no campaign */

struct ns_gen_truth {
    int64_t lo, nd;                       /* first day covered, days covered */
    s_sale_t *sales;                      /* [nd][NCH][NCUR] */
    s_inv_t *inv;                         /* [nd][NCH] */
    s_sess_t *sess;                       /* [nd] */
    s_sess_t *sess_c;                     /* [nd][S_NCAMP] */
    s_ads_t *ads;                         /* [nd][NCAMPAIGN] */
    s_wx_t *wx;                           /* [nd][NWX] */
    ns_gen_tentry_t *map;                 /* hash of versioned things */
    size_t map_cap, map_n;                /* slots, used */
    s_laus_t *laus;                       /* unemployment rows */
    size_t laus_n, laus_cap;
};

ns_gen_truth_t *ns_gen_truth_new(int64_t first, int64_t last)
{
    ns_gen_truth_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    int y, m, d;
    ns_gen_civil(first, &y, &m, &d);
    int64_t jan1 = ns_gen_days(y, 1, 1);
    t->lo = jan1 < first - 60 ? jan1 : first - 60;
    t->nd = last + 8 - t->lo + 1;
    size_t nd = (size_t)t->nd;
    t->sales = calloc(nd * NS_GEN_NCH * NS_GEN_NCUR, sizeof *t->sales);
    t->inv = calloc(nd * NS_GEN_NCH, sizeof *t->inv);
    t->sess = calloc(nd, sizeof *t->sess);
    t->sess_c = calloc(nd * S_NCAMP, sizeof *t->sess_c);
    t->ads = calloc(nd * NS_GEN_NCAMPAIGN, sizeof *t->ads);
    t->wx = calloc(nd * NS_GEN_NWX, sizeof *t->wx);
    t->map_cap = 1024;
    t->map = calloc(t->map_cap, sizeof *t->map);
    if (!t->sales || !t->inv || !t->sess || !t->sess_c || !t->ads || !t->wx || !t->map) {
        ns_gen_truth_free(&t);
        return NULL;
    }
    return t;
}

void ns_gen_truth_free(ns_gen_truth_t **tp)
{
    if (!tp || !*tp)
        return;
    ns_gen_truth_t *t = *tp;
    free(t->sales);
    free(t->inv);
    free(t->sess);
    free(t->sess_c);
    free(t->ads);
    free(t->wx);
    free(t->map);
    free(t->laus);
    free(t);
    *tp = NULL;
}

static int s_idx(const ns_gen_truth_t *t, int64_t day, ns_err_t *err)
{
    if (day < t->lo || day >= t->lo + t->nd) {
        char iso[16];
        ns_gen_fmt_date(iso, sizeof iso, day, NS_GEN_DATE_ISO);
        return ns_errf(err, "cannot count day %s: outside the truth's range (a generator bug)", iso);
    }
    return (int)(day - t->lo);
}

int ns_gen_truth_sale(ns_gen_truth_t *t, int channel, int64_t day, int cur, int64_t units,
                      int64_t net_cents, int64_t usd_cents, int64_t records, ns_err_t *err)
{
    int i = s_idx(t, day, err);
    if (i < 0)
        return -1;
    s_sale_t *s = &t->sales[((size_t)i * NS_GEN_NCH + (size_t)channel) * NS_GEN_NCUR + (size_t)cur];
    s->units += units;
    s->net += net_cents;
    s->usd += usd_cents;
    s->n += records;
    return 0;
}

int ns_gen_truth_inventory(ns_gen_truth_t *t, int channel, int64_t day, int64_t rows,
                           int64_t on_hand, ns_err_t *err)
{
    int i = s_idx(t, day, err);
    if (i < 0)
        return -1;
    s_inv_t *v = &t->inv[(size_t)i * NS_GEN_NCH + (size_t)channel];
    v->rows += rows;
    v->on_hand += on_hand;
    return 0;
}

static uint64_t s_hash(uint64_t k)
{
    k ^= k >> 33;
    k *= 0xff51afd7ed558ccdULL;
    k ^= k >> 33;
    k *= 0xc4ceb9fe1a85ec53ULL;
    return k ^ (k >> 33);
}

static ns_gen_tentry_t *s_find(ns_gen_truth_t *t, uint64_t key, bool *created)
{
    if ((t->map_n + 1) * 2 > t->map_cap) {
        size_t cap = t->map_cap * 2;
        ns_gen_tentry_t *nm = calloc(cap, sizeof *nm);
        if (!nm)
            return NULL;
        for (size_t i = 0; i < t->map_cap; i++) {
            if (!t->map[i].key)
                continue;
            size_t j = (size_t)s_hash(t->map[i].key) & (cap - 1);
            while (nm[j].key)
                j = (j + 1) & (cap - 1);
            nm[j] = t->map[i];
        }
        free(t->map);
        t->map = nm;
        t->map_cap = cap;
    }
    size_t j = (size_t)s_hash(key) & (t->map_cap - 1);
    while (t->map[j].key && t->map[j].key != key)
        j = (j + 1) & (t->map_cap - 1);
    *created = !t->map[j].key;
    if (*created) {
        memset(&t->map[j], 0, sizeof t->map[j]);
        t->map[j].key = key;
        t->map_n++;
    }
    return &t->map[j];
}

ns_gen_tentry_t *ns_gen_truth_latest(ns_gen_truth_t *t, int kind, uint64_t id)
{
    bool created;
    return s_find(t, ((uint64_t)kind << 56) | (id & 0x00ffffffffffffffULL), &created);
}

bool ns_gen_truth_first(ns_gen_truth_t *t, int kind, uint64_t id, bool *oom)
{
    bool created = false;
    *oom = s_find(t, ((uint64_t)kind << 56) | (id & 0x00ffffffffffffffULL), &created) == NULL;
    return created;
}

int ns_gen_truth_sessions(ns_gen_truth_t *t, int64_t day, int campaign, int64_t sessions,
                          int64_t converted, int64_t orders, ns_err_t *err)
{
    int i = s_idx(t, day, err);
    if (i < 0)
        return -1;
    t->sess[i].sessions += sessions;
    t->sess[i].converted += converted;
    t->sess[i].orders += orders;
    s_sess_t *c = &t->sess_c[(size_t)i * S_NCAMP + (size_t)(campaign + 1)];
    c->sessions += sessions;
    c->converted += converted;
    c->orders += orders;
    return 0;
}

int ns_gen_truth_ads(ns_gen_truth_t *t, int64_t day, int campaign, int64_t impressions,
                     int64_t clicks, int64_t cost_cents, int64_t conv_tenths, ns_err_t *err)
{
    int i = s_idx(t, day, err);
    if (i < 0)
        return -1;
    s_ads_t *a = &t->ads[(size_t)i * NS_GEN_NCAMPAIGN + (size_t)campaign];
    a->impressions += impressions;
    a->clicks += clicks;
    a->cost += cost_cents;
    a->conv += conv_tenths;
    a->n++;
    return 0;
}

int ns_gen_truth_weather(ns_gen_truth_t *t, int64_t day, int element, int64_t value, ns_err_t *err)
{
    int i = s_idx(t, day, err);
    if (i < 0)
        return -1;
    s_wx_t *w = &t->wx[(size_t)i * NS_GEN_NWX + (size_t)element];
    w->n++;
    w->sum += value;
    return 0;
}

int ns_gen_truth_laus(ns_gen_truth_t *t, int fips, int year, int month, int tenths,
                      const char *footnote, ns_err_t *err)
{
    if (t->laus_n == t->laus_cap) {
        size_t cap = t->laus_cap ? t->laus_cap * 2 : 256;
        s_laus_t *nl = realloc(t->laus, cap * sizeof *nl);
        if (!nl)
            return ns_errf(err, "cannot count unemployment rows: out of memory");
        t->laus = nl;
        t->laus_cap = cap;
    }
    s_laus_t *l = &t->laus[t->laus_n++];
    l->fips = fips, l->year = year, l->month = month, l->tenths = tenths;
    snprintf(l->foot, sizeof l->foot, "%s", footnote);
    return 0;
}

/* ------------------------------------------------------------------ JSON */

#define S_J(...)                                                                                   \
    do {                                                                                           \
        if (ns_buf_appendf(b, __VA_ARGS__) < 0)                                                    \
            return -1;                                                                             \
    } while (0)

static int s_jstr(ns_buf_t *b, const char *s)
{
    return ns_buf_append_json(b, s, strlen(s));
}

/* Shortest "%g" that reads back as the same double. */
static void s_dbl(char *out, size_t cap, double v)
{
    snprintf(out, cap, "%.15g", v);
    if (strtod(out, NULL) != v)
        snprintf(out, cap, "%.17g", v);
}

static int s_options(ns_buf_t *b, const ns_gen_t *g)
{
    const ns_gen_opts_t *o = g->o;
    char br[40], sc[40], dr[40], fr[40], d1[16], d2[16];
    s_dbl(br, sizeof br, o->bad_rate);
    s_dbl(sc, sizeof sc, o->scale);
    s_dbl(dr, sizeof dr, o->dup_rate);
    s_dbl(fr, sizeof fr, g->file_bad_rate);
    ns_gen_fmt_date(d1, sizeof d1, g->first, NS_GEN_DATE_ISO);
    ns_gen_fmt_date(d2, sizeof d2, g->last, NS_GEN_DATE_ISO);
    S_J("\"format\":\"nightshift-gen-truth/1\",\"options\":{\"stores\":%d,\"days\":%d,"
        "\"start\":\"%s\",\"seed\":%llu,\"bad_rate\":%s,\"scale\":%s,\"dup_rate\":%s,"
        "\"file_bad_rate\":%s,\"gzip_level\":%d,\"sources\":[",
        o->stores, o->days, d1, (unsigned long long)o->seed, br, sc, dr, fr, o->gzip_level);
    int k = 0;
    for (int s = 0; s < NS_GEN_NSRC; s++)
        if (ns_gen_on(g, s))
            S_J("%s\"%s\"", k++ ? "," : "", ns_gen_source_names[s]);
    S_J("]},\"run\":{\"first_day\":\"%s\",\"last_day\":\"%s\"},", d1, d2);
    return 0;
}

static int s_world(ns_buf_t *b, const ns_gen_t *g)
{
    const ns_gen_world_t *w = g->w;
    S_J("\"world\":{\"own_stores\":%d,\"stores_per_partner\":%d,\"products\":%d,\"partners\":[",
        w->nown, w->npart, w->cat.n);
    for (int p = 0; p < NS_GEN_NPARTNER; p++) {
        const ns_gen_partner_t *pt = &ns_gen_partners[p];
        static const char *const cad[3] = {"daily", "weekly", "week_to_date"};
        S_J("%s{\"code\":\"%s\",\"channel\":\"%s\",\"cadence\":\"%s\",\"stores_in\":\"%s\"",
            p ? "," : "", pt->code, ns_gen_channel_names[pt->channel], cad[pt->cadence],
            pt->europe ? "GB,DE,FR,NL,ES" : "US");
        if (pt->channel == NS_GEN_CH_DEPARTMENT) {
            char e[2] = {pt->elem, 0}, c[2] = {pt->comp, 0};
            S_J(",\"style\":\"%s\",\"element_separator\":", pt->sdq ? "SDQ" : "N1*RL");
            if (s_jstr(b, e) < 0)
                return -1;
            S_J(",\"component_separator\":");
            if (s_jstr(b, c) < 0)
                return -1;
            S_J(",\"segment_terminator\":");
            if (s_jstr(b, pt->term) < 0)
                return -1;
        } else {
            S_J(",\"price_percent_of_list\":%d,\"crlf\":%s", pt->price_pct, pt->crlf ? "true" : "false");
        }
        S_J("}");
    }
    S_J("],\"campaigns\":[");
    static const char *const plat[3] = {"search", "social", "none"};
    for (int c = 0; c < NS_GEN_NCAMPAIGN; c++) {
        const ns_gen_campaign_t *cp = &ns_gen_campaigns[c];
        S_J("%s{\"name\":\"%s\",\"platform\":\"%s\",\"source\":\"%s\",\"medium\":\"%s\"}",
            c ? "," : "", cp->name, plat[cp->platform], cp->source, cp->medium);
    }
    S_J("],\"regions\":[");
    for (int r = 0; r < NS_GEN_NREGION; r++)
        S_J("%s{\"code\":\"%s\",\"name\":\"%s\",\"country\":\"%s\",\"reference_station\":\"%s\"}",
            r ? "," : "", ns_gen_regions[r].code, ns_gen_regions[r].name, ns_gen_regions[r].country,
            w->st[r * NS_GEN_STATIONS_PER_REGION].id);
    S_J("]},");
    return 0;
}

static int s_effects(ns_buf_t *b)
{
    char x[40];
    S_J("\"effects\":{\"promotion_lift\":{");
    for (int i = 0; i < NS_GEN_NPT; i++) {
        s_dbl(x, sizeof x, ns_gen_promo_lift[i]);
        S_J("%s\"%s\":%s", i ? "," : "", ns_gen_promo_type_names[i], x);
    }
    S_J("},\"promotion_stores\":{");
    static const int pt_filter[NS_GEN_NPT] = {NS_GEN_SF_ALL, NS_GEN_SF_ALL, NS_GEN_SF_ENDCAPS,
                                              NS_GEN_SF_CIRCULAR, NS_GEN_SF_DISPLAYS};
    for (int i = 0; i < NS_GEN_NPT; i++)
        S_J("%s\"%s\":\"%s\"", i ? "," : "", ns_gen_promo_type_names[i],
            ns_gen_store_filter_names[pt_filter[i]]);
    S_J("},\"mall_type\":{");
    for (int i = 0; i < NS_GEN_NMALL; i++) {
        s_dbl(x, sizeof x, ns_gen_mall_effect[i]);
        S_J("%s\"%s\":%s", i ? "," : "", ns_gen_mall_names[i], x);
    }
    S_J("},\"staff_tenure\":{\"per_year\":%g,\"reference_months\":%d},"
        "\"manager_tenure\":{\"per_year\":%g,\"reference_months\":%d},",
        NS_GEN_STAFF_PER_YEAR, NS_GEN_STAFF_REFERENCE, NS_GEN_MGR_PER_YEAR, NS_GEN_MGR_REFERENCE);
    S_J("\"weather\":{\"rain_threshold_tenths_mm\":%d,\"regions\":[", NS_GEN_RAIN_THRESHOLD);
    for (int r = 0; r < NS_GEN_NREGION; r++) {
        const ns_gen_region_t *rg = &ns_gen_regions[r];
        char re[40], te[40], mean[40], amp[40];
        s_dbl(re, sizeof re, rg->rain_effect);
        s_dbl(te, sizeof te, rg->temp_effect);
        s_dbl(mean, sizeof mean, rg->tmax_mean);
        s_dbl(amp, sizeof amp, rg->tmax_amp);
        S_J("%s{\"region\":\"%s\",\"rain_effect\":%s,\"temp_effect_per_c\":%s,"
            "\"tmax_normal_mean_c\":%s,\"tmax_normal_amplitude_c\":%s}",
            r ? "," : "", rg->code, re, te, mean, amp);
    }
    S_J("]},\"unemployment\":{\"elasticity\":%g,\"reference_rate\":%g,\"lag_months\":%d,\"applies_to\":"
        "\"US own and partner stores, by the store's state: the rate of the month lag_months before "
        "the sale's month\"},",
        NS_GEN_UNEMP_ELASTICITY, NS_GEN_UNEMP_REFERENCE, NS_GEN_UNEMP_LAG_MONTHS);
    S_J("\"trend_reference_day\":\"2026-01-01\",\"channel_growth_per_year\":{");
    for (int i = 0; i < NS_GEN_NCH; i++) {
        s_dbl(x, sizeof x, ns_gen_channel_growth[i]);
        S_J("%s\"%s\":%s", i ? "," : "", ns_gen_channel_names[i], x);
    }
    S_J("},\"clothing_line_growth_per_year\":{");
    for (int i = 0; i < NS_GEN_NLINE; i++) {
        s_dbl(x, sizeof x, ns_gen_line_growth[i]);
        S_J("%s\"%s\":%s", i ? "," : "", ns_gen_line_names[i], x);
    }
    S_J("},\"conversion_rate\":{");
    int k = 0;
    for (int c = 0; c < NS_GEN_NCAMPAIGN; c++) {
        const ns_gen_campaign_t *cp = &ns_gen_campaigns[c];
        char key[64];
        if (cp->name[0])
            snprintf(key, sizeof key, "%s", cp->name);
        else
            snprintf(key, sizeof key, "(%s)", cp->medium[0] ? cp->medium : "direct");
        s_dbl(x, sizeof x, cp->conv);
        S_J("%s\"%s\":%s", k++ ? "," : "", key, x);
    }
    S_J("},\"landing_rate\":{");
    k = 0;
    for (int c = 0; c < NS_GEN_NCAMPAIGN; c++) {
        const ns_gen_campaign_t *cp = &ns_gen_campaigns[c];
        if (cp->platform == NS_GEN_PLAT_NONE)
            continue;
        s_dbl(x, sizeof x, cp->landing);
        S_J("%s\"%s\":%s", k++ ? "," : "", cp->name, x);
    }
    S_J("}},");
    return 0;
}

static int s_stats(ns_buf_t *b, const ns_gen_t *g)
{
    S_J("\"stats\":{");
    int k = 0;
    for (int s = 0; s < NS_GEN_NSRC; s++) {
        if (!ns_gen_on(g, s))
            continue;
        const ns_gen_src_stats_t *x = &g->st->src[s];
        S_J("%s\"%s\":{\"files\":%llu,\"records\":%llu,\"bad_records\":%llu,\"bytes_raw\":%llu,"
            "\"bytes_stored\":%llu}",
            k++ ? "," : "", ns_gen_source_names[s], (unsigned long long)x->files,
            (unsigned long long)x->records, (unsigned long long)x->bad_records,
            (unsigned long long)x->bytes_raw, (unsigned long long)x->bytes_stored);
    }
    S_J("},");
    return 0;
}

/* Folds the latest versions into the dense totals. */
static int s_fold(ns_gen_truth_t *t, ns_err_t *err)
{
    for (size_t i = 0; i < t->map_cap; i++) {
        const ns_gen_tentry_t *e = &t->map[i];
        int kind = (int)(e->key >> 56);
        if (!e->key || e->n == 0)
            continue;
        if (kind == NS_GEN_TK_ORDER || kind == NS_GEN_TK_PORTAL) {
            if (ns_gen_truth_sale(t, e->a, e->day, e->cur, e->v[0], e->v[1], e->v[2], e->n, err) < 0)
                return -1;
            /* an export's valid rows are also its on-hand figures */
            if (kind == NS_GEN_TK_PORTAL &&
                ns_gen_truth_inventory(t, e->a, e->day, e->n, e->v[3], err) < 0)
                return -1;
        } else if (kind == NS_GEN_TK_SOCIAL) {
            int d = s_idx(t, e->day, err);
            if (d < 0)
                return -1;
            s_ads_t *a = &t->ads[(size_t)d * NS_GEN_NCAMPAIGN + (size_t)e->a];
            a->impressions += e->v[0];
            a->clicks += e->v[1];
            a->cost += e->v[2];
            a->conv += e->v[3];
            a->n += e->n;
        }
    }
    return 0;
}

static int s_totals(ns_buf_t *b, const ns_gen_t *g)
{
    const ns_gen_truth_t *t = g->t;
    char day[16];
    S_J("\"totals\":{\"sales\":[");
    int k = 0;
    for (int64_t i = 0; i < t->nd; i++) {
        ns_gen_fmt_date(day, sizeof day, t->lo + i, NS_GEN_DATE_ISO);
        for (int ch = 0; ch < NS_GEN_NCH; ch++)
            for (int c = 0; c < NS_GEN_NCUR; c++) {
                const s_sale_t *s = &t->sales[((size_t)i * NS_GEN_NCH + (size_t)ch) * NS_GEN_NCUR + (size_t)c];
                if (!s->n)
                    continue;
                S_J("%s\n{\"channel\":\"%s\",\"day\":\"%s\",\"currency\":\"%s\",\"units\":%lld,"
                    "\"net_cents\":%lld,\"usd_cents\":%lld,\"records\":%lld}",
                    k++ ? "," : "", ns_gen_channel_names[ch], day, ns_gen_currency_codes[c],
                    (long long)s->units, (long long)s->net, (long long)s->usd, (long long)s->n);
            }
    }
    S_J("],\n\"sales_usd\":[");
    k = 0;
    for (int64_t i = 0; i < t->nd; i++) {
        ns_gen_fmt_date(day, sizeof day, t->lo + i, NS_GEN_DATE_ISO);
        for (int ch = 0; ch < NS_GEN_NCH; ch++) {
            int64_t u = 0, usd = 0, n = 0;
            for (int c = 0; c < NS_GEN_NCUR; c++) {
                const s_sale_t *s = &t->sales[((size_t)i * NS_GEN_NCH + (size_t)ch) * NS_GEN_NCUR + (size_t)c];
                u += s->units, usd += s->usd, n += s->n;
            }
            if (!n)
                continue;
            S_J("%s\n{\"channel\":\"%s\",\"day\":\"%s\",\"units\":%lld,\"usd_cents\":%lld}",
                k++ ? "," : "", ns_gen_channel_names[ch], day, (long long)u, (long long)usd);
        }
    }
    S_J("],\n\"inventory\":[");
    k = 0;
    for (int64_t i = 0; i < t->nd; i++) {
        ns_gen_fmt_date(day, sizeof day, t->lo + i, NS_GEN_DATE_ISO);
        for (int ch = 0; ch < NS_GEN_NCH; ch++) {
            const s_inv_t *v = &t->inv[(size_t)i * NS_GEN_NCH + (size_t)ch];
            if (!v->rows)
                continue;
            S_J("%s\n{\"channel\":\"%s\",\"day\":\"%s\",\"rows\":%lld,\"on_hand\":%lld}",
                k++ ? "," : "", ns_gen_channel_names[ch], day, (long long)v->rows,
                (long long)v->on_hand);
        }
    }
    S_J("],\n\"web_sessions\":[");
    k = 0;
    for (int64_t i = 0; i < t->nd; i++) {
        const s_sess_t *s = &t->sess[i];
        if (!s->sessions)
            continue;
        ns_gen_fmt_date(day, sizeof day, t->lo + i, NS_GEN_DATE_ISO);
        S_J("%s\n{\"day\":\"%s\",\"sessions\":%lld,\"converted_sessions\":%lld,\"orders\":%lld}",
            k++ ? "," : "", day, (long long)s->sessions, (long long)s->converted,
            (long long)s->orders);
    }
    S_J("],\n\"web_sessions_by_campaign\":[");
    k = 0;
    for (int64_t i = 0; i < t->nd; i++) {
        ns_gen_fmt_date(day, sizeof day, t->lo + i, NS_GEN_DATE_ISO);
        for (int c = 0; c < S_NCAMP; c++) {
            const s_sess_t *s = &t->sess_c[(size_t)i * S_NCAMP + (size_t)c];
            if (!s->sessions)
                continue;
            S_J("%s\n{\"day\":\"%s\",\"campaign\":\"%s\",\"sessions\":%lld,"
                "\"converted_sessions\":%lld,\"orders\":%lld}",
                k++ ? "," : "", day, c ? ns_gen_campaigns[c - 1].name : "", (long long)s->sessions,
                (long long)s->converted, (long long)s->orders);
        }
    }
    S_J("],\n\"ads\":[");
    k = 0;
    for (int64_t i = 0; i < t->nd; i++) {
        ns_gen_fmt_date(day, sizeof day, t->lo + i, NS_GEN_DATE_ISO);
        for (int c = 0; c < NS_GEN_NCAMPAIGN; c++) {
            const s_ads_t *a = &t->ads[(size_t)i * NS_GEN_NCAMPAIGN + (size_t)c];
            if (!a->n)
                continue;
            const ns_gen_campaign_t *cp = &ns_gen_campaigns[c];
            char cost[32];
            ns_gen_fmt_money(cost, a->cost);
            S_J("%s\n{\"platform\":\"%s\",\"day\":\"%s\",\"campaign\":\"%s\",\"currency\":\"USD\","
                "\"impressions\":%lld,\"clicks\":%lld,\"cost_cents\":%lld,\"conversions\":%lld.%lld,"
                "\"rows\":%lld}",
                k++ ? "," : "", cp->platform == NS_GEN_PLAT_SEARCH ? "search" : "social", day,
                cp->name, (long long)a->impressions, (long long)a->clicks, (long long)a->cost,
                (long long)(a->conv / 10), (long long)(a->conv % 10), (long long)a->n);
        }
    }
    S_J("],\n\"weather\":[");
    static const char *const el[NS_GEN_NWX] = {"TMAX", "TMIN", "PRCP", "SNOW"};
    k = 0;
    for (int64_t i = 0; i < t->nd; i++) {
        ns_gen_fmt_date(day, sizeof day, t->lo + i, NS_GEN_DATE_ISO);
        for (int e = 0; e < NS_GEN_NWX; e++) {
            const s_wx_t *w = &t->wx[(size_t)i * NS_GEN_NWX + (size_t)e];
            if (!w->n)
                continue;
            S_J("%s\n{\"day\":\"%s\",\"element\":\"%s\",\"values\":%lld,\"sum\":%lld}", k++ ? "," : "",
                day, el[e], (long long)w->n, (long long)w->sum);
        }
    }
    S_J("],\n\"unemployment\":[");
    for (size_t i = 0; i < t->laus_n; i++) {
        const s_laus_t *l = &t->laus[i];
        S_J("%s\n{\"state_fips\":\"%02d\",\"series_id\":\"LASST%02d0000000000003\",\"year\":%d,"
            "\"period\":\"M%02d\",\"value\":\"%d.%d\",\"footnote\":\"%s\"}",
            i ? "," : "", l->fips, l->fips, l->year, l->month, l->tenths / 10, l->tenths % 10,
            l->foot);
    }
    S_J("]}");
    return 0;
}

int ns_gen_truth_write(ns_gen_t *g, ns_err_t *err)
{
    if (s_fold(g->t, err) < 0)
        return -1;
    ns_buf_t b;
    ns_buf_init(&b, (size_t)1 << 30);
    int rc = ns_buf_append(&b, "{", 1);
    if (rc == 0)
        rc = s_options(&b, g);
    if (rc == 0)
        rc = s_world(&b, g);
    if (rc == 0)
        rc = s_effects(&b);
    if (rc == 0)
        rc = s_stats(&b, g);
    if (rc == 0)
        rc = s_totals(&b, g);
    if (rc == 0)
        rc = ns_buf_append(&b, "}\n", 2);
    if (rc < 0) {
        ns_buf_free(&b);
        return ns_errf(err, "cannot build _gen/truth.json: out of memory");
    }
    rc = ns_gen_put_object(g, "_gen/truth.json", b.data, b.len, err);
    ns_buf_free(&b);
    return rc;
}
