/*
 * ns_autoscale: the autoscaler's decision (see ns_autoscale.h and
 * docs/FLEETS.md, whose "Rules" this follows in order).
 */
#include "ns_autoscale.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_MAX_POOL 1024

int ns_pool_conf_parse(const char *s, ns_pool_conf_t *out, ns_err_t *err)
{
    memset(out, 0, sizeof *out);
    const char *c1 = strchr(s, ':');
    if (!c1 || c1 == s || (size_t)(c1 - s) >= sizeof out->name)
        return ns_errf(err, "bad pool '%s': want NAME:MIN:MAX:SPOT_PRICE:ONDEMAND_PRICE", s);
    memcpy(out->name, s, (size_t)(c1 - s));
    for (const char *p = out->name; *p; p++)
        if (!(*p >= 'a' && *p <= 'z') && !(*p >= 'A' && *p <= 'Z') && !(*p >= '0' && *p <= '9') &&
            *p != '_' && *p != '-')
            return ns_errf(err, "bad pool name '%s': letters, digits, '_' and '-' only",
                           out->name);
    char *end;
    errno = 0;
    long mn = strtol(c1 + 1, &end, 10);
    if (end == c1 + 1 || *end != ':')
        return ns_errf(err, "bad pool '%s': MIN is not a number", s);
    const char *p = end + 1;
    long mx = strtol(p, &end, 10);
    if (end == p || *end != ':')
        return ns_errf(err, "bad pool '%s': MAX is not a number", s);
    p = end + 1;
    double sp = strtod(p, &end);
    if (end == p || *end != ':')
        return ns_errf(err, "bad pool '%s': SPOT_PRICE is not a number", s);
    p = end + 1;
    double od = strtod(p, &end);
    if (end == p || *end)
        return ns_errf(err, "bad pool '%s': ONDEMAND_PRICE is not a number", s);
    if (errno || mn < 0 || mx < mn || mx > S_MAX_POOL)
        return ns_errf(err, "bad pool '%s': want 0 <= MIN <= MAX <= %d", s, S_MAX_POOL);
    if (!(sp >= 0) || !(od >= 0) || !isfinite(sp) || !isfinite(od))
        return ns_errf(err, "bad pool '%s': prices must be >= 0", s);
    out->min = (int)mn;
    out->max = (int)mx;
    out->spot_price = sp;
    out->ondemand_price = od;
    return 0;
}

void ns_as_conf_default(ns_as_conf_t *c)
{
    c->safety_margin = 0.2;
    c->cooldown = 30;
    c->grant_timeout = 20;
    c->worker_start = 2;
    c->assumed_rate = 4e6;
}

double ns_autoscale_eta(uint64_t bytes_left, int tasks_left, int n, double rate)
{
    if (tasks_left <= 0)
        return 0;
    if (n < 1 || rate <= 0)
        return 1e18;
    double waves = ceil((double)tasks_left / (double)n);
    return waves * ((double)bytes_left / (double)tasks_left) / rate;
}

static int s_max(int a, int b)
{
    return a > b ? a : b;
}

static int s_min(int a, int b)
{
    return a < b ? a : b;
}

/* Would n workers finish within avail seconds when the running ones work
 * alone for the first d seconds? */
static int s_in_time(const ns_as_input_t *in, double rate, int running, int n, double d,
                     double avail)
{
    double done = (double)running * rate * d;
    double left = (double)in->bytes_left - done;
    if (left <= 0)
        return d <= avail || running > 0;
    int tasks = (int)ceil((double)in->tasks_left * left / (double)in->bytes_left);
    return d + ns_autoscale_eta((uint64_t)left, tasks, n, rate) <= avail;
}

void ns_autoscale_decide(const ns_as_conf_t *conf, const ns_as_input_t *in,
                         ns_as_decision_t *out)
{
    memset(out, 0, sizeof *out);
    double rate = in->rate > 0 ? in->rate : conf->assumed_rate;
    int running = in->spot_running + in->ondemand_running;
    if (in->tasks_left > 0 && running > 0)
        out->projected = in->now + ns_autoscale_eta(in->bytes_left, in->tasks_left, running, rate);

    /* 1-2: the size */
    int n;
    double avail = 0;
    char why[128];
    if (in->tasks_left <= 0) {
        n = 0;
        snprintf(why, sizeof why, "no work");
    } else if (in->deadline <= 0) {
        n = s_min(in->max, in->tasks_left);
        snprintf(why, sizeof why, "%d tasks left, no deadline", in->tasks_left);
    } else {
        avail = (in->deadline - in->now) * (1 - conf->safety_margin) - conf->worker_start;
        n = -1;
        for (int k = s_max(in->min, 1); k <= in->max; k++)
            if (ns_autoscale_eta(in->bytes_left, in->tasks_left, k, rate) <= avail) {
                n = k;
                break;
            }
        if (n < 0) {
            n = in->max;
            out->at_risk = 1;
            snprintf(why, sizeof why, "deadline at risk even with max %d workers", in->max);
        } else {
            snprintf(why, sizeof why, "%d workers finish %.0fs of work in %.0fs available", n,
                     ns_autoscale_eta(in->bytes_left, in->tasks_left, n, rate), avail);
        }
    }
    n = s_max(n, in->min);
    n = s_min(n, in->max);
    n = s_max(n, in->busy); /* never below the busy workers */

    /* 4: is spot good enough? */
    int stuck = in->spot_pending > 0 && in->spot_asked_at > 0 &&
                in->now - in->spot_asked_at > conf->grant_timeout;
    int settled = in->spot_asked - in->spot_pending; /* requests granted or given up on */
    int rare = settled >= 3 && 2 * in->spot_granted < settled;
    int late = 0;
    if (in->deadline > 0 && in->tasks_left > 0 && !out->at_risk) {
        double d = in->spot_delay;
        if (in->spot_pending > 0 && in->spot_asked_at > 0 && d < in->now - in->spot_asked_at)
            d = in->now - in->spot_asked_at; /* they take at least as long as they have */
        if (in->spot_pending > 0 && in->spot_asked_at > 0)
            d -= in->now - in->spot_asked_at; /* what is left of the wait */
        if (d < 0)
            d = 0;
        int grow = n > in->spot_running + in->ondemand_running;
        late = grow && !s_in_time(in, rate, running, n, d, avail);
        /* a few more spot workers may still make it: cheaper than on-demand */
        for (int k = n + 1; late && k <= in->max && k <= in->tasks_left; k++)
            if (s_in_time(in, rate, running, k, d, avail)) {
                n = k;
                late = 0;
                snprintf(why, sizeof why, "%d workers finish in time, allowing %.0fs for spot to "
                         "arrive", n, d);
            }
    }
    int avoid_spot = stuck || rare || late;
    const char *spot_why = stuck  ? "spot not granted within the grant timeout"
                           : rare ? "spot rarely granted"
                           : late ? "spot would come too late for the deadline"
                                  : "";

    /* 3-4: the mix */
    int hs = in->spot_running + (avoid_spot ? 0 : in->spot_pending);
    int ho = in->ondemand_running + in->ondemand_pending;
    int spot, od;
    if (n <= hs + ho) { /* shrink (or stay): on-demand first */
        od = s_min(ho, s_max(0, n - hs));
        spot = n - od;
    } else if (avoid_spot) {
        spot = hs;
        od = n - hs;
    } else {
        od = ho;
        spot = n - ho;
    }

    /* 5: cool-down */
    int prev = in->want_spot >= 0;
    int prev_total = prev ? in->want_spot + in->want_ondemand : -1;
    if (prev && spot + od != prev_total && in->changed_at > 0 &&
        in->now - in->changed_at < conf->cooldown && !(prev_total == 0 && in->tasks_left > 0)) {
        spot = in->want_spot;
        od = in->want_ondemand;
        if (avoid_spot && spot > in->spot_running) { /* swap, same size */
            od += spot - in->spot_running;
            spot = in->spot_running;
        }
        snprintf(out->why, sizeof out->why, "cool-down (%.0fs since the last change): %s%s%s",
                 in->now - in->changed_at, why, avoid_spot ? "; " : "", spot_why);
    } else {
        snprintf(out->why, sizeof out->why, "%s%s%s", why, *spot_why ? "; " : "", spot_why);
    }
    out->spot = spot;
    out->ondemand = od;
    out->changed = !prev || spot != in->want_spot || od != in->want_ondemand;
}
