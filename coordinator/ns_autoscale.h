/*
 * ns_autoscale: the autoscaler's decision for one pool (docs/FLEETS.md).
 *
 * Given what the pool has (workers of each kind, running and pending), what
 * its jobs still need (bytes and tasks left, the earliest deadline), what
 * its workers have shown (throughput, spot grant delay and ratio) and the
 * previous decision, it says how many spot and on-demand workers the pool
 * should have: the smallest size that finishes before the deadline with a
 * safety margin, spot first, on-demand when spot is not granted in time or
 * would come too late, the pool's min and max, a cool-down against
 * flapping, never fewer workers than are busy.
 *
 * Pure: no I/O, no clock (the time is an input), no allocation; so it is
 * tested alone on traces (tests/unit/test_autoscale.c). The coordinator
 * gathers the input, the drivers (ns_driver) carry out the output.
 */
#ifndef NS_AUTOSCALE_H
#define NS_AUTOSCALE_H

#include "ns_err.h"

#include <stdint.h>

#define NS_POOL_NAME_MAX 64

/* A pool the coordinator manages: --pool NAME:MIN:MAX:SPOT_PRICE:ONDEMAND_PRICE */
typedef struct {
    char name[NS_POOL_NAME_MAX]; /* pool name, as in the job file's pool: */
    int min, max;                /* workers, both kinds together */
    double spot_price;           /* per worker-hour */
    double ondemand_price;       /* per worker-hour */
} ns_pool_conf_t;

/* Parses "NAME:MIN:MAX:SPOT_PRICE:ONDEMAND_PRICE"; -1 with err set when it
 * is malformed or out of range (0 <= MIN <= MAX <= 1024, prices >= 0). */
int ns_pool_conf_parse(const char *s, ns_pool_conf_t *out, ns_err_t *err);

/* Settings shared by every pool. */
typedef struct {
    double safety_margin;  /* fraction of the time left kept in reserve (0.2) */
    double cooldown;       /* seconds between two changes of a pool's size (30) */
    double grant_timeout;  /* seconds a spot request may stay ungranted (20) */
    double worker_start;   /* seconds a new worker needs before it takes tasks (2) */
    double assumed_rate;   /* bytes/s of one worker before any was measured (4 MB/s) */
} ns_as_conf_t;

void ns_as_conf_default(ns_as_conf_t *c);

/* What the coordinator knows of one pool at time now. */
typedef struct {
    double now;              /* seconds (any epoch shared with the other times) */
    int min, max;            /* the pool's limits */
    int spot_running;        /* live spot workers, not draining */
    int ondemand_running;    /* live on-demand workers, not draining */
    int spot_pending;        /* spot workers asked for, not yet joined */
    int ondemand_pending;    /* on-demand workers asked for, not yet joined */
    double spot_asked_at;    /* when the oldest pending spot request was made; 0: none */
    int busy;                /* workers running a task */
    double rate;             /* observed bytes/s of one worker; 0: none yet */
    uint64_t bytes_left;     /* input bytes of the tasks not done */
    int tasks_left;          /* tasks not done (pending or running) */
    double deadline;         /* earliest deadline of the pool's jobs; 0: none */
    double spot_delay;       /* mean seconds from spot request to join; 0: none seen */
    int spot_asked;          /* spot requests made so far */
    int spot_granted;        /* ... of which granted */
    int want_spot;           /* the previous decision (-1: none yet) */
    int want_ondemand;
    double changed_at;       /* when the previous decision changed the size; 0: never */
} ns_as_input_t;

typedef struct {
    int spot;                /* desired spot workers (running + pending) */
    int ondemand;            /* desired on-demand workers */
    int changed;             /* differs from the previous decision */
    int at_risk;             /* even max workers are projected to miss the deadline */
    double projected;        /* projected finish with the workers running now; 0: no work
                                or no worker */
    char why[256];           /* the rule that decided, for the log and status */
} ns_as_decision_t;

/* Projected seconds the work left takes on n workers at rate bytes/s each
 * (a task runs on one worker; the last wave counts whole). 0 without work,
 * a huge value with n < 1. */
double ns_autoscale_eta(uint64_t bytes_left, int tasks_left, int n, double rate);

/* Decides the pool's size (docs/FLEETS.md, "Rules"). */
void ns_autoscale_decide(const ns_as_conf_t *conf, const ns_as_input_t *in,
                         ns_as_decision_t *out);

#endif
