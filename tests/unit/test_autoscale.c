/*
 * test_autoscale: the autoscaler's decisions (docs/FLEETS.md, "Rules") on
 * hand-built situations and on a progress trace fed back through them:
 * spot only with ample time, on-demand when spot cannot make the deadline or
 * is not granted in time, scale to min without going below the busy
 * workers, and no change within the cool-down however the input flaps.
 */
#include "ns_autoscale.h"

#include <criterion/criterion.h>
#include <string.h>

#define MB 1000000ULL

static ns_as_conf_t s_conf(void)
{
    ns_as_conf_t c;
    ns_as_conf_default(&c);
    c.safety_margin = 0.2;
    c.cooldown = 30;
    c.grant_timeout = 20;
    c.worker_start = 0;
    c.assumed_rate = 1 * MB;
    return c;
}

/* A pool of 0..10 workers at t=1000 with no workers, no decision yet. */
static ns_as_input_t s_pool(void)
{
    ns_as_input_t in;
    memset(&in, 0, sizeof in);
    in.now = 1000;
    in.min = 0;
    in.max = 10;
    in.rate = 1 * MB;
    in.want_spot = -1;
    return in;
}

Test(autoscale, eta_counts_whole_waves)
{
    cr_assert_float_eq(ns_autoscale_eta(100 * MB, 10, 10, 1 * MB), 10.0, 1e-9);
    cr_assert_float_eq(ns_autoscale_eta(100 * MB, 10, 4, 1 * MB), 30.0, 1e-9); /* 3 waves */
    cr_assert_float_eq(ns_autoscale_eta(100 * MB, 10, 20, 1 * MB), 10.0, 1e-9);
    cr_assert_eq(ns_autoscale_eta(0, 0, 3, 1 * MB), 0);
}

Test(autoscale, ample_time_spot_only_smallest_size)
{
    ns_as_conf_t c = s_conf();
    ns_as_input_t in = s_pool();
    in.bytes_left = 100 * MB; /* 100 s of work for one worker */
    in.tasks_left = 10;
    in.deadline = in.now + 3600;
    ns_as_decision_t d;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert_eq(d.spot, 1, "one worker finishes in time: %s", d.why);
    cr_assert_eq(d.ondemand, 0);
    cr_assert(d.changed);
    cr_assert(!d.at_risk);

    /* 100 s available after the margin: 2 workers (5 waves of 10 s) */
    in.deadline = in.now + 60 / 0.8;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert_eq(d.spot, 2, "%s", d.why);
    cr_assert_eq(d.ondemand, 0);
}

Test(autoscale, no_deadline_runs_as_wide_as_the_work_allows)
{
    ns_as_conf_t c = s_conf();
    ns_as_input_t in = s_pool();
    in.bytes_left = 30 * MB;
    in.tasks_left = 3;
    ns_as_decision_t d;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert_eq(d.spot + d.ondemand, 3);
    cr_assert_eq(d.ondemand, 0);
    in.tasks_left = 50;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert_eq(d.spot, 10, "capped at max");
}

Test(autoscale, deadline_spot_cannot_meet_adds_ondemand)
{
    ns_as_conf_t c = s_conf();
    ns_as_input_t in = s_pool();
    /* 400 s of work, 100 s available: 4 workers needed; one spot worker
     * runs; spot has taken 90 s to arrive so far */
    in.bytes_left = 400 * MB;
    in.tasks_left = 40;
    in.deadline = in.now + 125;
    in.spot_running = 1;
    in.spot_delay = 90;
    in.spot_asked = 1;
    in.spot_granted = 1;
    in.want_spot = 1;
    in.want_ondemand = 0;
    in.changed_at = in.now - 100;
    ns_as_decision_t d;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert_eq(d.spot, 1, "the running spot worker stays: %s", d.why);
    cr_assert_eq(d.ondemand, 3, "%s", d.why);
    cr_assert(strstr(d.why, "too late"), "%s", d.why);

    /* the same with spot arriving in 5 s: spot is asked for */
    in.spot_delay = 5;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert_eq(d.ondemand, 0, "%s", d.why);
    cr_assert_geq(d.spot, 4, "%s", d.why);
}

Test(autoscale, spot_not_granted_within_timeout_goes_ondemand)
{
    ns_as_conf_t c = s_conf();
    ns_as_input_t in = s_pool();
    in.bytes_left = 100 * MB;
    in.tasks_left = 10;
    in.deadline = in.now + 3600;
    /* two spot workers asked 10 s ago: wait */
    in.spot_pending = 2;
    in.spot_asked_at = in.now - 10;
    in.spot_asked = 2;
    in.want_spot = 2;
    in.want_ondemand = 0;
    in.changed_at = in.now - 10;
    ns_as_decision_t d;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert_eq(d.spot, 2, "%s", d.why);
    cr_assert_eq(d.ondemand, 0);
    cr_assert(!d.changed);
    /* 25 s: past the grant timeout, on-demand replaces them, even within
     * the cool-down (the size does not change) */
    in.now += 15;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert_eq(d.spot, 0, "%s", d.why);
    cr_assert_eq(d.ondemand, 2, "%s", d.why);
    cr_assert(d.changed);
    cr_assert(strstr(d.why, "grant timeout"), "%s", d.why);
}

Test(autoscale, spot_rarely_granted_goes_ondemand)
{
    ns_as_conf_t c = s_conf();
    ns_as_input_t in = s_pool();
    in.bytes_left = 100 * MB;
    in.tasks_left = 10;
    in.spot_asked = 4;
    in.spot_granted = 1;
    ns_as_decision_t d;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert_eq(d.spot, 0, "%s", d.why);
    cr_assert_eq(d.ondemand, 10);
}

Test(autoscale, no_work_scales_to_min_keeping_busy_workers)
{
    ns_as_conf_t c = s_conf();
    ns_as_input_t in = s_pool();
    in.min = 1;
    in.spot_running = 4;
    in.ondemand_running = 2;
    in.want_spot = 4;
    in.want_ondemand = 2;
    in.changed_at = in.now - 100;
    ns_as_decision_t d;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert_eq(d.spot + d.ondemand, 1, "%s", d.why);
    cr_assert_eq(d.ondemand, 0, "on-demand goes first");
    cr_assert(d.changed);
    /* three still busy (finishing a job's last tasks, none pending) */
    in.busy = 3;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert_eq(d.spot + d.ondemand, 3, "never below the busy workers: %s", d.why);
    cr_assert_eq(d.ondemand, 0);
    /* min 0, nothing busy: everything goes */
    in.min = 0;
    in.busy = 0;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert_eq(d.spot + d.ondemand, 0);
}

Test(autoscale, flapping_input_no_change_within_cooldown)
{
    ns_as_conf_t c = s_conf();
    ns_as_input_t in = s_pool();
    in.bytes_left = 200 * MB;
    in.tasks_left = 20;
    in.deadline = in.now + 125; /* 100 s available */
    ns_as_decision_t d;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert_eq(d.spot, 2, "%s", d.why);
    in.want_spot = d.spot;
    in.want_ondemand = d.ondemand;
    in.changed_at = in.now;
    in.spot_running = 2;
    /* the measured rate jumps up and down every second */
    for (int s = 1; s < 30; s++) {
        in.now += 1;
        in.rate = (s % 2 ? 0.3 : 3.0) * MB;
        ns_autoscale_decide(&c, &in, &d);
        cr_assert_eq(d.spot, 2, "t+%d: %s", s, d.why);
        cr_assert_eq(d.ondemand, 0, "t+%d: %s", s, d.why);
        cr_assert(!d.changed, "t+%d", s);
    }
    /* after the cool-down the new input counts */
    in.now += 2;
    in.rate = 0.5 * MB;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert(d.changed, "%s", d.why);
    cr_assert_gt(d.spot + d.ondemand, 2, "%s", d.why);
}

Test(autoscale, first_decision_for_a_pool_with_work_ignores_cooldown)
{
    ns_as_conf_t c = s_conf();
    ns_as_input_t in = s_pool();
    in.want_spot = 0;
    in.want_ondemand = 0;
    in.changed_at = in.now - 1; /* just shrunk to nothing */
    in.bytes_left = 10 * MB;
    in.tasks_left = 1;
    ns_as_decision_t d;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert_eq(d.spot, 1, "%s", d.why);
}

Test(autoscale, deadline_out_of_reach_uses_max_and_says_so)
{
    ns_as_conf_t c = s_conf();
    ns_as_input_t in = s_pool();
    in.bytes_left = 10000 * MB;
    in.tasks_left = 100;
    in.deadline = in.now + 60;
    ns_as_decision_t d;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert(d.at_risk);
    cr_assert_eq(d.spot + d.ondemand, 10);
}

/* A trace: 60 tasks of 10 MB, 1 MB/s per worker, deadline 400 s away, spot
 * granted 8 s after it is asked; the decisions are carried out (requests
 * join after the delay, workers finish one task each 10 s) and fed back. */
Test(autoscale, trace_fed_back_meets_deadline_then_shrinks)
{
    ns_as_conf_t c = s_conf();
    c.cooldown = 20;
    ns_as_input_t in = s_pool();
    in.min = 0;
    in.max = 8;
    in.deadline = in.now + 400;
    double start = in.now;
    int tasks = 60, changes = 0, pending_spot = 0;
    double asked_at = 0, progress = 0;
    double finished = 0;
    for (int step = 0; step < 2000 && !finished; step++) {
        in.tasks_left = tasks;
        in.bytes_left = (uint64_t)tasks * 10 * MB;
        in.spot_pending = pending_spot;
        in.spot_asked_at = pending_spot ? asked_at : 0;
        in.busy = in.spot_running < tasks ? in.spot_running : tasks;
        ns_as_decision_t d;
        ns_autoscale_decide(&c, &in, &d);
        cr_assert_eq(d.ondemand, 0, "t+%.0f: %s", in.now - start, d.why);
        if (d.changed) {
            if (d.spot + d.ondemand != in.want_spot + in.want_ondemand)
                in.changed_at = in.now, changes++;
            in.want_spot = d.spot;
            in.want_ondemand = d.ondemand;
        }
        int have = in.spot_running + pending_spot;
        if (d.spot > have) {
            if (!pending_spot)
                asked_at = in.now;
            pending_spot += d.spot - have;
            in.spot_asked += d.spot - have;
        } else if (d.spot < have) {
            int drop = have - d.spot;
            int p = drop < pending_spot ? drop : pending_spot;
            pending_spot -= p;
            drop -= p;
            in.spot_running -= drop;
        }
        if (pending_spot && in.now - asked_at >= 8) {
            in.spot_running += pending_spot;
            in.spot_granted += pending_spot;
            in.spot_delay = 8;
            pending_spot = 0;
        }
        /* one second of work */
        progress += (in.spot_running < tasks ? in.spot_running : tasks) / 10.0;
        while (progress >= 1 && tasks > 0) {
            tasks--;
            progress -= 1;
        }
        if (!tasks && !finished)
            finished = in.now;
        in.now += 1;
    }
    cr_assert(finished > 0, "the work never finished");
    cr_assert_leq(finished, in.deadline, "finished %.0fs after the deadline",
                  finished - in.deadline);
    cr_assert_leq(changes, 4, "%d size changes", changes);
    /* no work left: back to min */
    in.tasks_left = 0;
    in.bytes_left = 0;
    in.busy = 0;
    in.now += c.cooldown;
    ns_as_decision_t d;
    ns_autoscale_decide(&c, &in, &d);
    cr_assert_eq(d.spot + d.ondemand, 0, "%s", d.why);
}

Test(autoscale, pool_conf_parse)
{
    ns_pool_conf_t p;
    ns_err_t err;
    cr_assert_eq(ns_pool_conf_parse("heavy:1:32:0.12:0.4", &p, &err), 0, "%s", err.msg);
    cr_assert_str_eq(p.name, "heavy");
    cr_assert_eq(p.min, 1);
    cr_assert_eq(p.max, 32);
    cr_assert_float_eq(p.spot_price, 0.12, 1e-12);
    cr_assert_float_eq(p.ondemand_price, 0.4, 1e-12);
    cr_assert_neq(ns_pool_conf_parse("heavy:3:2:0.1:0.4", &p, &err), 0);
    cr_assert(strstr(err.msg, "MIN <= MAX"), "%s", err.msg);
    cr_assert_neq(ns_pool_conf_parse("heavy:1:2:0.1", &p, &err), 0);
    cr_assert_neq(ns_pool_conf_parse("he/avy:1:2:0.1:0.2", &p, &err), 0);
    cr_assert_neq(ns_pool_conf_parse(":1:2:0.1:0.2", &p, &err), 0);
    cr_assert_neq(ns_pool_conf_parse("a:1:2:-1:0.2", &p, &err), 0);
    cr_assert_neq(ns_pool_conf_parse("a:1:2000:1:0.2", &p, &err), 0);
}
