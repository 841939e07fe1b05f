/*
 * ns_gen_weather: the sources republished whole, as of the run's last day.
 *
 * Weather (SOURCES.md section 7): weather/ghcn/by_year/YYYY.csv.gz, the
 * whole year so far (January 1st to the last generated day of that year),
 * no header, rows "station,YYYYMMDD,element,value,mflag,qflag,sflag,obstime"
 * ordered by date, station and element; TMAX/TMIN in tenths of a degree C,
 * PRCP in tenths of mm, SNOW in mm (US and Canadian stations). A trace of
 * rain is 0 with measurement flag T; a small share of values carries a
 * quality flag (the value failed a check: it is off and must not be used);
 * a few stations report a day late, so the last day lacks them. The
 * region's reference station reports the region's latent weather exactly
 * (the one the planted weather effects use). weather/ghcn/stations.txt is
 * the station master in the fixed columns of GHCN's ghcnd-stations.txt,
 * plus the region code from column 87. Planted bad rows replace a real one:
 * too few fields, a value that is no number, a date that does not exist.
 *
 * Unemployment (SOURCES.md section 8): economic/laus/la.data.3.AllStatesS,
 * BLS LAUS state series (seasonally adjusted), measures 03 (rate), 04
 * (unemployed), 05 (employed), 06 (labour force), tab-separated and padded,
 * from January of the year before the latest published month: that month
 * is preliminary (P), the one before revised (R, the final value; the
 * preliminary one differed); M13 annual averages for complete years. A
 * month is published on the third Friday of the next month. Planted bad
 * rows replace a real one: value "-", too few fields, a year that is no
 * number.
 */
#include "ns_gen_int.h"
#include "ns_gen_truth.h"
#include "ns_gen_world.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* --------------------------------------------------------------- weather */

static int s_stations(ns_gen_t *g, ns_err_t *err)
{
    ns_gen_file_t f;
    if (ns_gen_file_begin(&f, NS_GEN_SRC_WEATHER, false, NS_GEN_ENC_UTF8, err,
                          "weather/ghcn/stations.txt") < 0)
        return -1;
    int rc = 0;
    for (int i = 0; i < NS_GEN_NSTATION && rc == 0; i++) {
        const ns_gen_station_t *s = &g->w->st[i];
        const ns_gen_city_t *c = &ns_gen_cities[s->city];
        bool us_ca = strcmp(c->country, "US") == 0 || strcmp(c->country, "CA") == 0;
        char wmo[8] = "";
        if (s->wmo)
            snprintf(wmo, sizeof wmo, "%05d", s->wmo);
        rc = ns_gen_printf(&f, err, "%-11s %8.4f %9.4f %6.1f %-2s %-30s %-3s %-3s %-5s %s\n", s->id,
                           s->lat, s->lon, s->elev, us_ca ? c->state : "", s->name,
                           s->reference ? "GSN" : "", s->coop ? "HCN" : "", wmo,
                           ns_gen_regions[s->region].code);
        f.records++;
    }
    if (rc < 0) {
        ns_gen_file_discard(&f);
        return -1;
    }
    return ns_gen_file_commit(g, &f, NS_GEN_INTACT, 0, err);
}

static const char *const s_elements[NS_GEN_NWX] = {"TMAX", "TMIN", "PRCP", "SNOW"};

/* The year file as of day last (inclusive). */
static int s_year(ns_gen_t *g, int year, int64_t last, ns_err_t *err)
{
    ns_gen_file_t f;
    if (ns_gen_file_begin(&f, NS_GEN_SRC_WEATHER, true, NS_GEN_ENC_UTF8, err,
                          "weather/ghcn/by_year/%04d.csv.gz", year) < 0)
        return -1;
    int rc = 0;
    const ns_gen_world_t *w = g->w;
    for (int64_t day = ns_gen_days(year, 1, 1); day <= last && rc == 0; day++) {
        ns_gen_wx_t lat[NS_GEN_NREGION];
        for (int r = 0; r < NS_GEN_NREGION; r++)
            ns_gen_weather_latent(g->o->seed, r, day, &lat[r]);
        char ymd[16];
        ns_gen_fmt_date(ymd, sizeof ymd, day, NS_GEN_DATE_COMPACT);
        for (int i = 0; i < NS_GEN_NSTATION && rc == 0; i++) {
            const ns_gen_station_t *s = &w->st[i];
            if (s->late && day == g->last)
                continue; /* it reports today's values tomorrow */
            const ns_gen_wx_t *x = &lat[s->region];
            ns_gen_rng_t r, b;
            ns_gen_rng_seed(&r, g->o->seed, (uint64_t)i, (uint64_t)day, 0, NS_GEN_TAG_STATION);
            ns_gen_rng_seed(&b, g->o->seed, (uint64_t)i, (uint64_t)day, 0, NS_GEN_TAG_WEATHER_BAD);
            int v[NS_GEN_NWX];
            if (s->reference) {
                v[0] = x->tmax, v[1] = x->tmin, v[2] = x->prcp, v[3] = x->snow;
                for (int k = 0; k < 5; k++)
                    ns_gen_next(&r); /* the same draws as the others */
            } else {
                int off = (int)(ns_gen_hash01(g->o->seed, (uint64_t)i, 0, 0, NS_GEN_TAG_STATION) * 30) - 15;
                v[0] = x->tmax + off + (int)ns_gen_below(&r, 17) - 8;
                v[1] = x->tmin + off + (int)ns_gen_below(&r, 17) - 8;
                double u = ns_gen_unif(&r), amt = 0.6 + 0.8 * ns_gen_unif(&r);
                bool wet = x->prcp > 0 ? u < 0.9 : u < 0.03;
                v[2] = wet ? (int)((x->prcp > 0 ? x->prcp : 20) * amt) : 0;
                if (wet && v[2] < 1)
                    v[2] = 1;
                ns_gen_next(&r);
                v[3] = ns_gen_regions[s->region].snow && v[0] < 20 && v[2] > 0 ? v[2] : 0;
            }
            const char *sflag = s->coop ? "7" : s->id[0] == 'U' ? "W" : s->id[0] == 'C' ? "C" : "E";
            const char *obs = s->coop ? "0800" : "";
            int nel = ns_gen_regions[s->region].snow ? 4 : 3;
            for (int e = 0; e < nel && rc == 0; e++) {
                /* quality flags and traces are part of the data; bad rows are not */
                double uq = ns_gen_unif(&r), ut = ns_gen_unif(&r);
                uint64_t vq = ns_gen_next(&r);
                double ub = ns_gen_unif(&b);
                uint64_t vb = ns_gen_next(&b);
                char q[2] = "", m[2] = "";
                int value = v[e];
                if (uq < 0.004) {
                    static const char qf[] = "IDGKNORSX";
                    q[0] = qf[vq % 9];
                    value += e < 2 ? 250 + (int)((vq >> 8) % 200) : 900 + (int)((vq >> 8) % 500);
                } else if (e == 2 && value == 0 && ut < 0.05) {
                    m[0] = 'T';
                }
                int kind = ub < g->o->bad_rate ? (int)(vb % 3) : -1;
                char val[24], date[16];
                snprintf(val, sizeof val, "%d", value);
                snprintf(date, sizeof date, "%s", ymd);
                if (kind == 1)
                    snprintf(val, sizeof val, "%dO", value / 10);
                else if (kind == 2)
                    snprintf(date, sizeof date, "%.6s%02d", ymd, 32 + (int)((vb >> 8) % 60));
                if (kind == 0)
                    rc = ns_gen_printf(&f, err, "%s,%s,%s,%s\n", s->id, date, s_elements[e], val);
                else
                    rc = ns_gen_printf(&f, err, "%s,%s,%s,%s,%s,%s,%s,%s\n", s->id, date,
                                       s_elements[e], val, m, q, sflag, obs);
                f.records++;
                if (kind >= 0)
                    f.bad++;
                else if (!q[0] && rc == 0)
                    rc = ns_gen_truth_weather(g->t, day, e, value, err);
            }
        }
    }
    if (rc < 0) {
        ns_gen_file_discard(&f);
        return -1;
    }
    return ns_gen_file_commit(g, &f, NS_GEN_INTACT, 0, err);
}

int ns_gen_weather_run(ns_gen_t *g, ns_err_t *err)
{
    if (s_stations(g, err) < 0)
        return -1;
    int y1, y2, m, d;
    ns_gen_civil(g->first, &y1, &m, &d);
    ns_gen_civil(g->last, &y2, &m, &d);
    for (int y = y1; y <= y2; y++) {
        int64_t end = ns_gen_days(y, 12, 31);
        if (s_year(g, y, end < g->last ? end : g->last, err) < 0)
            return -1;
    }
    return 0;
}

/* ---------------------------------------------------------- unemployment */

/* The third Friday of a month: when the month before is published. */
static int64_t s_release(int y, int m)
{
    int64_t first = ns_gen_days(y, m, 1);
    return first + (5 - ns_gen_weekday(first) + 7) % 7 + 14;
}

/* The labour force of a state (persons), slowly growing. */
static int64_t s_labour_force(uint64_t seed, int fips, int y, int mo)
{
    double base = 300000 + 9000000 * ns_gen_hash01(seed, (uint64_t)fips, 0, 0, NS_GEN_TAG_LAUS) *
                               ns_gen_hash01(seed, (uint64_t)fips, 1, 0, NS_GEN_TAG_LAUS);
    double months = (double)((y - 2020) * 12 + mo - 1);
    return (int64_t)(base * (1.0 + 0.0008 * months));
}

int ns_gen_laus_run(ns_gen_t *g, ns_err_t *err)
{
    int64_t last = g->last;
    int y, m, d;
    ns_gen_civil(last, &y, &m, &d);
    /* the latest published month */
    int ly = y, lm = m - 1;
    if (lm == 0)
        ly--, lm = 12;
    if (last < s_release(y, m)) {
        lm--;
        if (lm == 0)
            ly--, lm = 12;
    }
    int py = lm == 1 ? ly - 1 : ly, pm = lm == 1 ? 12 : lm - 1; /* the revised month */
    ns_gen_file_t f;
    if (ns_gen_file_begin(&f, NS_GEN_SRC_LAUS, false, NS_GEN_ENC_UTF8, err,
                          "economic/laus/la.data.3.AllStatesS") < 0)
        return -1;
    int rc = ns_gen_printf(&f, err, "%-30s\t%s\t%s\t%12s\t%s\n", "series_id", "year", "period",
                           "value", "footnote_codes");
    static const int measures[4] = {3, 4, 5, 6};
    for (int s = 0; s < ns_gen_nstates && rc == 0; s++) {
        int fips = ns_gen_states[s].fips;
        for (int mi = 0; mi < 4 && rc == 0; mi++) {
            int meas = measures[mi];
            char series[32];
            snprintf(series, sizeof series, "LASST%02d00000000000%02d", fips, meas);
            for (int yy = ly - 1; yy <= ly && rc == 0; yy++) {
                int64_t sum_tenths = 0, sum_lf = 0, sum_un = 0;
                int months = yy < ly ? 12 : lm;
                for (int mo = 1; mo <= months + (months == 12) && rc == 0; mo++) {
                    bool annual = mo == 13;
                    int tenths;
                    int64_t lf, un;
                    const char *foot = "";
                    if (annual) {
                        tenths = (int)((sum_tenths + 6) / 12);
                        lf = (sum_lf + 6) / 12;
                        un = (sum_un + 6) / 12;
                    } else {
                        tenths = ns_gen_unemp_tenths(g->o->seed, fips, yy, mo);
                        lf = s_labour_force(g->o->seed, fips, yy, mo);
                        if (yy == ly && mo == lm) { /* preliminary: revised next month */
                            int delta = (int)(ns_gen_hash01(g->o->seed, (uint64_t)fips, (uint64_t)yy,
                                                            (uint64_t)mo, NS_GEN_TAG_LAUS) * 5) - 2;
                            tenths += delta ? delta : 1;
                            foot = "P";
                        } else if (yy == py && mo == pm) {
                            foot = "R";
                        }
                        un = lf * tenths / 1000;
                        sum_tenths += tenths, sum_lf += lf, sum_un += un;
                    }
                    char val[24];
                    if (meas == 3)
                        snprintf(val, sizeof val, "%d.%d", tenths / 10, tenths % 10);
                    else
                        snprintf(val, sizeof val, "%lld",
                                 (long long)(meas == 4 ? un : meas == 5 ? lf - un : lf));
                    ns_gen_rng_t b;
                    ns_gen_rng_seed(&b, g->o->seed, (uint64_t)(fips * 10 + meas),
                                    (uint64_t)(yy * 100 + mo), 0, NS_GEN_TAG_LAUS_BAD);
                    double ub = ns_gen_unif(&b);
                    int kind = ub < g->o->bad_rate ? (int)ns_gen_below(&b, 3) : -1;
                    if (kind == 0)
                        snprintf(val, sizeof val, "-");
                    if (kind == 1)
                        rc = ns_gen_printf(&f, err, "%-30s\t%d\tM%02d\n", series, yy, mo);
                    else if (kind == 2)
                        rc = ns_gen_printf(&f, err, "%-30s\t%d%c\tM%02d\t%12s\t%s\n", series, yy / 10,
                                           'O', mo, val, foot);
                    else
                        rc = ns_gen_printf(&f, err, "%-30s\t%d\tM%02d\t%12s\t%s\n", series, yy, mo,
                                           val, foot);
                    f.records++;
                    if (kind >= 0)
                        f.bad++;
                    else if (meas == 3 && !annual && rc == 0)
                        rc = ns_gen_truth_laus(g->t, fips, yy, mo, tenths, foot, err);
                }
            }
        }
    }
    if (rc < 0) {
        ns_gen_file_discard(&f);
        return -1;
    }
    return ns_gen_file_commit(g, &f, NS_GEN_INTACT, 0, err);
}
