/*
 * ns_gen_ads: the daily ad reports (SOURCES.md section 6).
 *
 * Search, ads/search/dt=YYYY-MM-DD/campaign-report.csv: a title line, a
 * date-range line, the header, one row per ad (one ad per ad group) of the
 * day, and a Total row; CRLF; numbers of 1,000 and more with thousands
 * separators in quotes, Cost always quoted, Conversions with one decimal
 * (attribution splits them); ad group names with quoted commas and quotes.
 * Planted bad rows replace a real one: cut after the ad id, Clicks "--".
 *
 * Social, ads/social/dt=YYYY-MM-DD/insights.jsonl: one JSON object per ad
 * per day, every number a string ("spend":"5339.5"), dates in the ad
 * account's time zone. The file of day D reports D-1 and restates D-2 and
 * D-3 (spend and purchases change as late conversions come in): a newer
 * file's figures for a day replace the older ones. Planted bad rows
 * replace a real one: spend with a thousands separator, no ad_id, a line
 * cut short; a whole day's file may arrive empty (file_bad_rate).
 *
 * Clicks come from the online day plan (ns_gen_web_plan), so the sessions
 * that land from a campaign and its reported clicks agree; conversions are
 * the campaign's real orders, attributed with some noise.
 */
#include "ns_gen_int.h"
#include "ns_gen_truth.h"
#include "ns_gen_world.h"

#include <stdio.h>
#include <string.h>

#define S_RESTATE_DAYS 3

/* The figures of one ad (campaign c, group k) on day as reported in
 * version v (1 = first report, 2.. = restatements). */
typedef struct {
    int64_t impressions, clicks, cost, conv10, reach;
} s_fig_t;

static int s_groups(const ns_gen_campaign_t *cp)
{
    int n = 0;
    while (n < 3 && cp->groups[n])
        n++;
    return n;
}

/* Splits the campaign's day into its ads; fig[k] for each group. */
static void s_figures(const ns_gen_t *g, int64_t day, int c, int version, s_fig_t *fig)
{
    const ns_gen_campaign_t *cp = &ns_gen_campaigns[c];
    ns_gen_webplan_t pl;
    ns_gen_web_plan(g->o->seed, g->o->stores, g->o->scale, day, &pl);
    int ng = s_groups(cp);
    ns_gen_rng_t r;
    ns_gen_rng_seed(&r, g->o->seed, (uint64_t)day, (uint64_t)c, 0, NS_GEN_TAG_ADS);
    double w[3], ws = 0;
    for (int k = 0; k < ng; k++) {
        w[k] = 0.3 + ns_gen_unif(&r);
        ws += w[k];
    }
    int64_t left = pl.clicks[c], oleft = pl.orders[c];
    double wl = ws;
    for (int k = 0; k < ng; k++) {
        s_fig_t *f = &fig[k];
        memset(f, 0, sizeof *f);
        int64_t cl = k == ng - 1 ? left : ns_gen_binomial(&r, left, w[k] / wl);
        int64_t ok = k == ng - 1 ? oleft : ns_gen_binomial(&r, oleft, w[k] / wl);
        left -= cl, oleft -= ok, wl -= w[k];
        double ctr = cp->ctr * (0.8 + 0.4 * ns_gen_unif(&r));
        double cpc = (double)cp->cpc_cents * (0.8 + 0.45 * ns_gen_unif(&r));
        f->clicks = cl;
        f->impressions = (int64_t)((double)cl / ctr) + (int64_t)ns_gen_below(&r, 50);
        f->reach = f->impressions * 6 / 10;
        f->cost = (int64_t)((double)cl * cpc + 0.5);
        double attributed = (double)ok * (0.8 + 0.35 * ns_gen_unif(&r));
        f->conv10 = cp->platform == NS_GEN_PLAT_SEARCH ? (int64_t)(attributed * 10 + 0.5)
                                                        : (int64_t)(attributed + 0.5) * 10;
    }
    /* restatements: each later version moves spend a little and adds the
     * conversions that were attributed late */
    for (int v = 2; v <= version; v++) {
        ns_gen_rng_t rv;
        ns_gen_rng_seed(&rv, g->o->seed, (uint64_t)day, (uint64_t)c, (uint64_t)v, NS_GEN_TAG_ADS);
        for (int k = 0; k < ng; k++) {
            s_fig_t *f = &fig[k];
            f->cost = f->cost * (990 + (int64_t)ns_gen_below(&rv, 31)) / 1000;
            f->conv10 += 10 * (int64_t)ns_gen_below(&rv, 2 + (uint64_t)f->conv10 / 50);
            f->impressions += (int64_t)ns_gen_below(&rv, 20);
        }
    }
}

/* "12,480" quoted from 1,000 up, plain below. */
static void s_num(char *out, size_t cap, int64_t v)
{
    char t[32];
    ns_gen_fmt_thousands(t, v);
    if (v >= 1000)
        snprintf(out, cap, "\"%s\"", t);
    else
        snprintf(out, cap, "%s", t);
}

static int s_search(ns_gen_t *g, int64_t day, ns_err_t *err)
{
    char iso[16], lng[32];
    ns_gen_fmt_date(iso, sizeof iso, day, NS_GEN_DATE_ISO);
    ns_gen_fmt_date(lng, sizeof lng, day, NS_GEN_DATE_LONG);
    ns_gen_file_t f;
    if (ns_gen_file_begin(&f, NS_GEN_SRC_ADS_SEARCH, false, NS_GEN_ENC_UTF8, err,
                          "ads/search/dt=%s/campaign-report.csv", iso) < 0)
        return -1;
    int rc = ns_gen_printf(&f, err,
                           "Campaign report\r\n%s - %s\r\nDay,Campaign,Ad group,Ad ID,Currency code,"
                           "Impressions,Clicks,Cost,Conversions\r\n",
                           lng, lng);
    ns_gen_rng_t bad;
    ns_gen_rng_seed(&bad, g->o->seed, (uint64_t)day, 0, 0, NS_GEN_TAG_ADS_BAD);
    s_fig_t tot = {0, 0, 0, 0, 0};
    for (int c = 0; c < NS_GEN_NCAMPAIGN && rc == 0; c++) {
        const ns_gen_campaign_t *cp = &ns_gen_campaigns[c];
        if (cp->platform != NS_GEN_PLAT_SEARCH || !ns_gen_campaign_active(cp, day))
            continue;
        s_fig_t fig[3];
        s_figures(g, day, c, 1, fig);
        for (int k = 0; k < s_groups(cp) && rc == 0; k++) {
            const s_fig_t *x = &fig[k];
            char imp[40], clk[40], cost[48], costq[56], adid[24];
            s_num(imp, sizeof imp, x->impressions);
            s_num(clk, sizeof clk, x->clicks);
            ns_gen_fmt_money_sign(cost, x->cost, "");
            snprintf(costq, sizeof costq, "\"%s\"", cost);
            snprintf(adid, sizeof adid, "6789%02d%06d", c, 100000 + k * 7919);
            double ub = ns_gen_unif(&bad);
            uint64_t vb = ns_gen_next(&bad);
            int kind = ub < g->o->bad_rate ? (int)(vb % 2) : -1;
            rc = ns_gen_printf(&f, err, "%s,%s,", iso, cp->name);
            if (rc == 0)
                rc = ns_gen_csv_field(&f, cp->groups[k], ',', false, err);
            if (rc == 0 && kind == 0)
                rc = ns_gen_printf(&f, err, ",%s\r\n", adid);
            else if (rc == 0)
                rc = ns_gen_printf(&f, err, ",%s,USD,%s,%s,%s,%lld.%lld\r\n", adid, imp,
                                   kind == 1 ? "--" : clk, costq, (long long)(x->conv10 / 10),
                                   (long long)(x->conv10 % 10));
            f.records++;
            tot.impressions += x->impressions, tot.clicks += x->clicks, tot.cost += x->cost;
            tot.conv10 += x->conv10;
            if (kind >= 0)
                f.bad++;
            else if (rc == 0)
                rc = ns_gen_truth_ads(g->t, day, c, x->impressions, x->clicks, x->cost, x->conv10,
                                      err);
        }
    }
    if (rc == 0) {
        char imp[40], clk[40], cost[48];
        s_num(imp, sizeof imp, tot.impressions);
        s_num(clk, sizeof clk, tot.clicks);
        ns_gen_fmt_money_sign(cost, tot.cost, "");
        rc = ns_gen_printf(&f, err, "Total,,,,,%s,%s,\"%s\",%lld.%lld\r\n", imp, clk, cost,
                           (long long)(tot.conv10 / 10), (long long)(tot.conv10 % 10));
    }
    if (rc < 0) {
        ns_gen_file_discard(&f);
        return -1;
    }
    return ns_gen_file_commit(g, &f, NS_GEN_INTACT, 0, err);
}

static int s_social(ns_gen_t *g, int64_t day, ns_err_t *err)
{
    char iso[16];
    ns_gen_fmt_date(iso, sizeof iso, day, NS_GEN_DATE_ISO);
    ns_gen_file_t f;
    if (ns_gen_file_begin(&f, NS_GEN_SRC_ADS_SOCIAL, false, NS_GEN_ENC_UTF8, err,
                          "ads/social/dt=%s/insights.jsonl", iso) < 0)
        return -1;
    ns_gen_rng_t fr;
    ns_gen_rng_seed(&fr, g->o->seed, (uint64_t)day, 1, 0, NS_GEN_TAG_FILE);
    bool empty = ns_gen_chance(&fr, g->file_bad_rate);
    ns_gen_rng_t bad;
    ns_gen_rng_seed(&bad, g->o->seed, (uint64_t)day, 1, 0, NS_GEN_TAG_ADS_BAD);
    int rc = 0;
    for (int v = 1; v <= S_RESTATE_DAYS && rc == 0; v++) {
        int64_t x = day - v;
        char xd[16];
        ns_gen_fmt_date(xd, sizeof xd, x, NS_GEN_DATE_ISO);
        for (int c = 0; c < NS_GEN_NCAMPAIGN && rc == 0; c++) {
            const ns_gen_campaign_t *cp = &ns_gen_campaigns[c];
            if (cp->platform != NS_GEN_PLAT_SOCIAL || !ns_gen_campaign_active(cp, x))
                continue;
            s_fig_t fig[3];
            s_figures(g, x, c, v, fig);
            for (int k = 0; k < s_groups(cp) && rc == 0; k++) {
                const s_fig_t *q = &fig[k];
                uint64_t adid = 23851000000000000ULL + (uint64_t)c * 1000 + (uint64_t)k;
                char spend[40], cpc[40], ctr[40];
                ns_gen_fmt_money_trim(spend, q->cost);
                ns_gen_fmt_money_trim(cpc, q->clicks ? q->cost / q->clicks : 0);
                snprintf(ctr, sizeof ctr, "%.3f",
                         q->impressions ? 100.0 * (double)q->clicks / (double)q->impressions : 0.0);
                double ub = ns_gen_unif(&bad);
                uint64_t vb = ns_gen_next(&bad);
                int kind = ub < g->o->bad_rate ? (int)(vb % 3) : -1;
                if (kind == 0) { /* a thousands separator: no number */
                    char t[40];
                    ns_gen_fmt_money_sign(t, q->cost % 100000000, "");
                    snprintf(spend, sizeof spend, "%s%.30s", strchr(t, ',') ? "" : "1,", t);
                }
                size_t start = f.b.len;
                rc = ns_gen_printf(&f, err,
                                   "{\"account_id\":\"act_1029384756\",\"account_currency\":\"USD\","
                                   "\"account_timezone\":\"America/Los_Angeles\","
                                   "\"date_start\":\"%s\",\"date_stop\":\"%s\","
                                   "\"campaign_id\":\"%llu\",\"campaign_name\":\"%s\",\"adset_name\":",
                                   xd, xd, (unsigned long long)(23850000000000000ULL + (uint64_t)c * 1000),
                                   cp->name);
                char adset[160];
                size_t al = 0;
                adset[al++] = '"';
                for (const char *p = cp->groups[k]; *p && al + 3 < sizeof adset; p++) {
                    if (*p == '"' || *p == '\\')
                        adset[al++] = '\\';
                    adset[al++] = *p;
                }
                adset[al++] = '"';
                adset[al] = '\0';
                if (rc == 0)
                    rc = ns_gen_puts(&f, adset, err);
                if (rc == 0 && kind != 1)
                    rc = ns_gen_printf(&f, err, ",\"ad_id\":\"%llu\"", (unsigned long long)adid);
                if (rc == 0)
                    rc = ns_gen_printf(&f, err,
                                       ",\"ad_name\":\"%s - ad %d\",\"impressions\":\"%lld\","
                                       "\"reach\":\"%lld\",\"clicks\":\"%lld\",\"spend\":\"%s\","
                                       "\"actions\":[{\"action_type\":\"link_click\",\"value\":\"%lld\"},"
                                       "{\"action_type\":\"purchase\",\"value\":\"%lld\"}],"
                                       "\"cpc\":\"%s\",\"ctr\":\"%s\"}",
                                       cp->name, k + 1, (long long)q->impressions, (long long)q->reach,
                                       (long long)q->clicks, spend, (long long)q->clicks,
                                       (long long)(q->conv10 / 10), cpc, ctr);
                if (rc == 0 && kind == 2) { /* cut short */
                    f.b.len = start + (f.b.len - start) / 2;
                    f.b.data[f.b.len] = '\0';
                }
                if (rc == 0)
                    rc = ns_gen_puts(&f, "\n", err);
                f.records++;
                if (kind >= 0) {
                    f.bad++;
                } else if (!empty && rc == 0) {
                    /* this version replaces what the older files said */
                    ns_gen_tentry_t *t = ns_gen_truth_latest(
                        g->t, NS_GEN_TK_SOCIAL, ((uint64_t)(c * 4 + k) << 32) | (uint64_t)(x & 0xffffffff));
                    if (!t) {
                        rc = ns_errf(err, "cannot count social ads: out of memory");
                        break;
                    }
                    t->day = x;
                    t->a = c;
                    t->v[0] = q->impressions, t->v[1] = q->clicks, t->v[2] = q->cost;
                    t->v[3] = q->conv10;
                    t->n = 1;
                }
            }
        }
    }
    if (rc < 0) {
        ns_gen_file_discard(&f);
        return -1;
    }
    if (empty) {
        f.records = 0;
        f.bad = 0;
    }
    return ns_gen_file_commit(g, &f, empty ? NS_GEN_EMPTY : NS_GEN_INTACT, 0, err);
}

int ns_gen_ads_day(ns_gen_t *g, int64_t day, ns_err_t *err)
{
    if (ns_gen_on(g, NS_GEN_SRC_ADS_SEARCH) && s_search(g, day, err) < 0)
        return -1;
    if (ns_gen_on(g, NS_GEN_SRC_ADS_SOCIAL) && s_social(g, day, err) < 0)
        return -1;
    return 0;
}
