/*
 * ns_coord: the coordinator. One thread, one ROUTER socket, one journal.
 *
 * It accepts jobs from the CLI, plans their map tasks (ns_plan), hands tasks
 * to workers that said READY, watches heartbeats, requeues the attempts of
 * workers that fall silent, retries failed attempts up to the job's limit,
 * starts a speculative copy of a straggler, accepts exactly one attempt per
 * task, plans the reduce tasks when the maps are done, and commits the job
 * by writing the manifest that names exactly the load files of the accepted
 * reduce attempts. Every state change is journaled (ns_journal) before it is
 * acted on, and the journal is replayed at start, so a coordinator killed at
 * any point goes on where it stopped.
 *
 * With --autoscale it also sizes the worker pools it manages (ns_autoscale
 * decides, ns_driver carries out; docs/FLEETS.md) and accounts each job's
 * worker-hours and cost by capacity kind.
 *
 * Workload: tens of workers, hundreds to a few thousand tasks per night,
 * messages at a few hundred per second at most: simple arrays and linear
 * scans are enough and keep the logic easy to check.
 */
#ifndef NS_COORD_H
#define NS_COORD_H

#include "ns_autoscale.h"
#include "ns_curve.h"
#include "ns_err.h"

#include <signal.h>

typedef struct {
    const char *bind;          /* ZeroMQ endpoint to bind */
    const ns_sec_t *sec;       /* CurveZMQ keys and allow-list, or insecure (ns_curve.h) */
    const char *journal;       /* journal file path */
    int heartbeat_ms;          /* send a heartbeat after this much silence (1000) */
    int liveness_ms;           /* a worker silent this long is dead (5000) */
    double speculate_factor;   /* straggler: running > factor x median (2.0; 0 disables) */
    int speculate_min_ms;      /* ... and longer than this (10000) */
    const char *catalog;       /* catalog URI committed runs are registered in; NULL/"none": none */
    const char *http;          /* HOST:PORT of the status page and metrics (ns_http); NULL: none */
    /* fleets (docs/FLEETS.md) */
    int autoscale;             /* size the managed pools with the autoscaler */
    const ns_pool_conf_t *pools; /* the managed pools */
    int npools;
    ns_as_conf_t as;           /* autoscaler settings */
    const char *driver;        /* "local" (default) or "exec" */
    const char *driver_cmd;    /* exec: the command (%p %k %n) */
    const char *worker_log_dir; /* local: where started workers log */
    int worker_slots;          /* local: --slots of started workers (1) */
    char *const *worker_args;  /* local: extra arguments of started workers */
    int nworker_args;
    double spot_grant_delay;   /* local: spot simulation (0 s, 1, 0) */
    double spot_grant_probability;
    double spot_interrupt_rate;
    volatile sig_atomic_t *stop; /* set by a signal handler to stop */
} ns_coord_opts_t;

void ns_coord_opts_default(ns_coord_opts_t *o);
/* Runs until *stop; returns 0, or -1 with err set if it could not start
 * (bind failed, journal unreadable) or the journal could not be written. */
int ns_coord_run(const ns_coord_opts_t *opts, ns_err_t *err);

#endif
