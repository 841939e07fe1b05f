/*
 * ns_worker: the worker process. A DEALER socket to the coordinator, owned
 * by the main thread, and one thread per running task attempt (up to
 * `slots`). Task threads never touch the DEALER: they push the messages they
 * produce (PROGRESS, DONE, FAILED) over an inproc PUSH socket to the main
 * thread, which forwards them.
 *
 * The main thread says READY, answers heartbeats, forwards CANCEL to the
 * running attempt, and when the coordinator has been silent for the
 * liveness window says READY again (ZeroMQ reconnects the TCP connection
 * itself with exponential backoff between reconnect_ms and
 * reconnect_max_ms). A task keeps running through a coordinator outage and
 * its DONE is delivered when the connection is back.
 *
 * Leaving (docs/FLEETS.md): on a spot interruption notice (*preempt) it
 * says PREEMPTING, cancels its running attempts, takes no more tasks and
 * exits once they have stopped; on STOP from the coordinator (the pool
 * shrinks) it takes no more tasks and exits once its running attempts
 * have finished. Either way it says DISCONNECT last.
 */
#ifndef NS_WORKER_H
#define NS_WORKER_H

#include "ns_curve.h"
#include "ns_err.h"

#include <signal.h>
#include <stdint.h>

typedef struct {
    const char *connect;       /* coordinator endpoint */
    const ns_sec_t *sec;       /* CurveZMQ keys, or insecure on loopback (ns_curve.h) */
    const char *id;            /* worker id; NULL: host-pid-random */
    const char *pool;          /* pool name ("default") */
    const char *capacity;      /* "spot" or "on-demand" */
    int slots;                 /* concurrent task attempts (1) */
    uint64_t memory;           /* per-attempt memory budget; 0: the job's */
    int heartbeat_ms;          /* 1000 */
    int liveness_ms;           /* 5000 */
    int reconnect_ms;          /* 250 */
    int reconnect_max_ms;      /* 10000 */
    int slow_ms;               /* test and demo aid, a slow machine: sleeps this long at
                                  the start of a task and after every 4096 rows */
    double price;              /* per hour, sent in READY; < 0: not said (the pool's price) */
    volatile sig_atomic_t *stop;
    volatile sig_atomic_t *preempt; /* set by a signal handler on a spot interruption
                                       notice (may be NULL) */
} ns_worker_opts_t;

void ns_worker_opts_default(ns_worker_opts_t *o);
int ns_worker_run(const ns_worker_opts_t *opts, ns_err_t *err);

#endif
