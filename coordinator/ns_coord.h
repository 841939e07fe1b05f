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
 * Workload: tens of workers, hundreds to a few thousand tasks per night,
 * messages at a few hundred per second at most: simple arrays and linear
 * scans are enough and keep the logic easy to check.
 */
#ifndef NS_COORD_H
#define NS_COORD_H

#include "ns_err.h"

#include <signal.h>

typedef struct {
    const char *bind;          /* ZeroMQ endpoint to bind */
    const char *journal;       /* journal file path */
    int heartbeat_ms;          /* send a heartbeat after this much silence (1000) */
    int liveness_ms;           /* a worker silent this long is dead (5000) */
    double speculate_factor;   /* straggler: running > factor x median (2.0; 0 disables) */
    int speculate_min_ms;      /* ... and longer than this (10000) */
    const char *catalog;       /* catalog URI committed runs are registered in; NULL/"none": none */
    volatile sig_atomic_t *stop; /* set by a signal handler to stop */
} ns_coord_opts_t;

void ns_coord_opts_default(ns_coord_opts_t *o);
/* Runs until *stop; returns 0, or -1 with err set if it could not start
 * (bind failed, journal unreadable) or the journal could not be written. */
int ns_coord_run(const ns_coord_opts_t *opts, ns_err_t *err);

#endif
