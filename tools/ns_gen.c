/*
 * ns_gen: the generator's entry points (see ns_gen.h): options, the run
 * loop over days and sources, and the public views of the world (catalog,
 * store attributes) that tests and other tools use.
 *
 * A run builds the world once, then for each day writes the daily sources
 * in a fixed order (master data, POS, EDI 852, portal, online orders and
 * clickstream, ads), then the sources republished whole (the weather year
 * files and stations, the unemployment file) as of the last day, then the
 * POS summary and the truth file. Each module is in tools/ns_gen_*.c.
 */
#include "ns_gen.h"

#include "ns_gen_int.h"
#include "ns_gen_truth.h"
#include "ns_gen_world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const ns_gen_source_names[NS_GEN_NSRC] = {
    "pos", "edi852", "portal", "orders", "clickstream", "ads-search", "ads-social",
    "weather", "laus", "master"};

int ns_gen_parse_sources(const char *list, unsigned *mask, ns_err_t *err)
{
    *mask = 0;
    if (!list || !*list)
        return ns_errf(err, "invalid sources '': expected a comma-separated list");
    const char *p = list;
    while (*p) {
        const char *e = strchr(p, ',');
        size_t n = e ? (size_t)(e - p) : strlen(p);
        bool found = false;
        if (n == 3 && strncmp(p, "all", 3) == 0) {
            *mask |= NS_GEN_ALL_SOURCES;
            found = true;
        } else if (n == 3 && strncmp(p, "ads", 3) == 0) {
            *mask |= (1u << NS_GEN_SRC_ADS_SEARCH) | (1u << NS_GEN_SRC_ADS_SOCIAL);
            found = true;
        }
        for (int s = 0; s < NS_GEN_NSRC && !found; s++)
            if (strlen(ns_gen_source_names[s]) == n && strncmp(p, ns_gen_source_names[s], n) == 0) {
                *mask |= 1u << s;
                found = true;
            }
        if (!found)
            return ns_errf(err,
                           "invalid sources '%s': unknown source '%.*s' (pos, edi852, portal, "
                           "orders, clickstream, ads-search, ads-social, ads, weather, laus, "
                           "master, all)",
                           list, (int)(n > 64 ? 64 : n), p);
        p += n;
        if (*p == ',')
            p++;
    }
    return 0;
}

void ns_gen_opts_default(ns_gen_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->stores = 20;
    o->days = 1;
    o->start = "2026-11-24";
    o->seed = 1;
    o->out = NULL;
    o->bad_rate = 0.001;
    o->scale = 1.0;
    o->gzip_level = 6;
    o->sources = NS_GEN_ALL_SOURCES;
    o->dup_rate = 0.03;
    o->file_bad_rate = -1;
}

static int s_check_opts(const ns_gen_opts_t *o, int64_t *start, ns_err_t *err)
{
    if (o->stores < 1 || o->stores > 9999)
        return ns_errf(err, "invalid stores %d: expected 1..9999", o->stores);
    if (o->days < 1 || o->days > 3660)
        return ns_errf(err, "invalid days %d: expected 1..3660", o->days);
    if (ns_gen_parse_date(o->start, start) < 0)
        return ns_errf(err, "invalid start date '%s': expected YYYY-MM-DD, years 1971..9990",
                       o->start ? o->start : "(null)");
    int y, m, d;
    ns_gen_civil(*start + o->days - 1, &y, &m, &d);
    if (y > 9990)
        return ns_errf(err, "invalid days %d: the run would end after 9990", o->days);
    if (!(o->bad_rate >= 0 && o->bad_rate <= 1))
        return ns_errf(err, "invalid bad_rate %g: expected 0..1", o->bad_rate);
    if (!(o->scale > 0 && o->scale <= 100))
        return ns_errf(err, "invalid scale %g: expected more than 0, at most 100", o->scale);
    if (o->gzip_level < 0 || o->gzip_level > 9)
        return ns_errf(err, "invalid gzip_level %d: expected 0..9", o->gzip_level);
    if (!(o->dup_rate >= 0 && o->dup_rate <= 1))
        return ns_errf(err, "invalid dup_rate %g: expected 0..1", o->dup_rate);
    if (!(o->file_bad_rate <= 1) || o->file_bad_rate != o->file_bad_rate)
        return ns_errf(err, "invalid file_bad_rate %g: expected 0..1 (or negative: 20 x bad_rate)",
                       o->file_bad_rate);
    if (o->sources == 0 || (o->sources & ~NS_GEN_ALL_SOURCES))
        return ns_errf(err, "invalid sources mask 0x%x", o->sources);
    if (!o->out || !o->out[0])
        return ns_errf(err, "invalid out: an output URI is required");
    if (o->out[0] != '/' && !strstr(o->out, "://"))
        return ns_errf(err, "invalid out '%s': expected an absolute path, file:// or s3:// URI",
                       o->out);
    return 0;
}

static int s_run_days(ns_gen_t *g, ns_err_t *err)
{
    for (int64_t day = g->first; day <= g->last; day++) {
        if (ns_gen_on(g, NS_GEN_SRC_MASTER) && ns_gen_master_day(g, day, err) < 0)
            return -1;
        if (ns_gen_on(g, NS_GEN_SRC_POS) && ns_gen_pos_day(g, day, err) < 0)
            return -1;
        if (ns_gen_on(g, NS_GEN_SRC_EDI852) && ns_gen_edi_day(g, day, err) < 0)
            return -1;
        if (ns_gen_on(g, NS_GEN_SRC_PORTAL) && ns_gen_portal_day(g, day, err) < 0)
            return -1;
        if ((ns_gen_on(g, NS_GEN_SRC_ORDERS) || ns_gen_on(g, NS_GEN_SRC_CLICKSTREAM)) &&
            ns_gen_online_day(g, day, err) < 0)
            return -1;
        if ((ns_gen_on(g, NS_GEN_SRC_ADS_SEARCH) || ns_gen_on(g, NS_GEN_SRC_ADS_SOCIAL)) &&
            ns_gen_ads_day(g, day, err) < 0)
            return -1;
    }
    if (ns_gen_on(g, NS_GEN_SRC_WEATHER) && ns_gen_weather_run(g, err) < 0)
        return -1;
    if (ns_gen_on(g, NS_GEN_SRC_LAUS) && ns_gen_laus_run(g, err) < 0)
        return -1;
    if (ns_gen_on(g, NS_GEN_SRC_POS) && ns_gen_pos_summary(g, err) < 0)
        return -1;
    return ns_gen_truth_write(g, err);
}

int ns_gen_run(const ns_gen_opts_t *o, ns_gen_stats_t *st, ns_err_t *err)
{
    int64_t start = 0;
    ns_gen_stats_t local;
    if (!st)
        st = &local;
    memset(st, 0, sizeof *st);
    if (s_check_opts(o, &start, err) < 0)
        return -1;
    ns_gen_t g;
    memset(&g, 0, sizeof g);
    g.o = o;
    g.first = start;
    g.last = start + o->days - 1;
    g.st = st;
    g.file_bad_rate = o->file_bad_rate >= 0 ? o->file_bad_rate
                                            : (o->bad_rate * 20 > 1 ? 1 : o->bad_rate * 20);
    g.w = ns_gen_world_new(o->stores);
    g.t = ns_gen_truth_new(g.first, g.last);
    int rc = 0;
    if (!g.w || !g.t)
        rc = ns_errf(err, "cannot generate: out of memory");
    if (rc == 0 && ns_gen_on(&g, NS_GEN_SRC_POS))
        rc = ns_gen_pos_begin(&g, err);
    if (rc == 0)
        rc = s_run_days(&g, err);
    ns_gen_pos_end(&g);
    ns_gen_truth_free(&g.t);
    ns_gen_world_free(&g.w);
    return rc;
}

/* ---------------------------------------------------- public world views */

int ns_gen_catalog(ns_gen_product_t *out, int max)
{
    ns_gen_catalog_t *c = malloc(sizeof *c);
    if (!c)
        return -1;
    ns_gen_catalog_build(c);
    int n = c->n < max ? c->n : max;
    if (n > 0)
        memcpy(out, c->p, (size_t)n * sizeof *out);
    n = c->n;
    free(c);
    return n;
}

int ns_gen_store_info(int id, ns_gen_store_t *out)
{
    ns_gen_store_rec_t s;
    if (ns_gen_own_store(id, &s) < 0)
        return -1;
    memset(out, 0, sizeof *out);
    const ns_gen_city_t *c = &ns_gen_cities[s.city];
    out->id = id;
    snprintf(out->country, sizeof out->country, "%s", c->country);
    out->currency = s.currency;
    out->currency_code = ns_gen_currency_codes[s.currency];
    out->tz = ns_gen_zone_name(s.zone);
    out->registers = s.registers;
    out->late = s.late;
    snprintf(out->state, sizeof out->state, "%s", c->state);
    out->region = ns_gen_regions[s.region].code;
    return 0;
}
