/*
 * ns_gen_truth: what the generated files say, counted over the valid
 * records only, and written to <out>/_gen/truth.json with the planted
 * effects' parameters (docs/GENERATOR.md defines every number).
 *
 * Source modules report each valid record as they write it. Sources whose
 * records are versions of one thing (online orders updated by refunds,
 * social ads restated, the portal's week-to-date exports) report through
 * ns_gen_truth_latest(): the entry of that thing is replaced by each newer
 * version written, so the totals hold only the latest valid version.
 * Dense arrays cover every day the run's files can speak of (from the
 * first weather day of the first year, or 60 days before the run, to a
 * week after it).
 */
#ifndef NS_GEN_TRUTH_H
#define NS_GEN_TRUTH_H

#include "ns_gen_int.h"
#include "ns_gen_world.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct ns_gen_truth ns_gen_truth_t;

/* Kinds of versioned things (ns_gen_truth_latest) and of seen-sets. */
enum {
    NS_GEN_TK_ORDER = 1,  /* an online order: a = channel, cur, v = units, net, usd */
    NS_GEN_TK_PORTAL,     /* one (partner, week) export: the same, v[3] = on hand */
    NS_GEN_TK_SOCIAL,     /* one (ad, day): a = campaign, v = impressions, clicks, cost, conv x10 */
    NS_GEN_TK_EDI,        /* an interchange (partner, control) seen */
};

typedef struct {
    uint64_t key;  /* (kind << 56) | id; 0 = empty slot */
    int64_t day;   /* the day the totals go to */
    int a;         /* channel or campaign */
    int cur;       /* currency */
    int64_t v[4];  /* figures (see the kinds) */
    int64_t n;     /* valid records behind them */
} ns_gen_tentry_t;

enum { NS_GEN_WX_TMAX, NS_GEN_WX_TMIN, NS_GEN_WX_PRCP, NS_GEN_WX_SNOW, NS_GEN_NWX };

/* For a run of days [first, last]; NULL when out of memory. */
ns_gen_truth_t *ns_gen_truth_new(int64_t first, int64_t last);
void ns_gen_truth_free(ns_gen_truth_t **tp);

/* One valid sales record (or the sum of several). */
int ns_gen_truth_sale(ns_gen_truth_t *t, int channel, int64_t day, int cur, int64_t units,
                      int64_t net_cents, int64_t usd_cents, int64_t records, ns_err_t *err);
/* Valid inventory records (on-hand figures) of one channel and as-of day:
 * rows of them and the sum of their on-hand quantities. */
int ns_gen_truth_inventory(ns_gen_truth_t *t, int channel, int64_t day, int64_t rows,
                           int64_t on_hand, ns_err_t *err);
/* The entry of a versioned thing, created empty on first use; NULL when
 * out of memory. The caller overwrites it with the newer version. */
ns_gen_tentry_t *ns_gen_truth_latest(ns_gen_truth_t *t, int kind, uint64_t id);
/* true the first time (kind, id) is seen. */
bool ns_gen_truth_first(ns_gen_truth_t *t, int kind, uint64_t id, bool *oom);
/* Sessions of one day: sessions, converted sessions, distinct orders; and
 * per campaign (-1 = none). */
int ns_gen_truth_sessions(ns_gen_truth_t *t, int64_t day, int campaign, int64_t sessions,
                          int64_t converted, int64_t orders, ns_err_t *err);
/* Ads figures of one valid report row (search; social goes through
 * ns_gen_truth_latest). */
int ns_gen_truth_ads(ns_gen_truth_t *t, int64_t day, int campaign, int64_t impressions,
                     int64_t clicks, int64_t cost_cents, int64_t conv_tenths, ns_err_t *err);
/* One kept weather value. */
int ns_gen_truth_weather(ns_gen_truth_t *t, int64_t day, int element, int64_t value, ns_err_t *err);
/* One valid unemployment rate row (measure 03). */
int ns_gen_truth_laus(ns_gen_truth_t *t, int fips, int year, int month, int tenths,
                      const char *footnote, ns_err_t *err);

/* Writes <out>/_gen/truth.json. */
int ns_gen_truth_write(ns_gen_t *g, ns_err_t *err);

#endif
