/*
 * ns_driver: carries out the autoscaler's decisions (docs/FLEETS.md,
 * "Drivers").
 *
 * The driver keeps the *requests* for workers of each pool and capacity
 * kind that have not joined yet. A request is made with ns_driver_request,
 * withdrawn (newest first, only while no process was started for it) with
 * ns_driver_withdraw, and ends when its worker says READY
 * (ns_driver_joined) or its process exits first.
 *
 * - local: a request becomes a child process running this binary
 *   (/proc/self/exe) as `nightshift worker`. Spot requests follow the spot
 *   simulation (granted after a delay and with a probability; a share of
 *   the granted workers gets the interruption notice, SIGUSR1, once seen
 *   busy for 0.5 s). Workers are never killed to shrink a pool: the
 *   coordinator drains them with STOP. ns_driver_destroy sends SIGTERM (a
 *   worker's clean stop) to the children still running and reaps them.
 * - exec: ns_driver_apply runs the configured command with the desired
 *   count of the pool and kind whenever it changes.
 *
 * Owned by the coordinator's thread; not thread-safe.
 */
#ifndef NS_DRIVER_H
#define NS_DRIVER_H

#include "ns_autoscale.h"
#include "ns_err.h"

typedef struct ns_driver ns_driver_t;

enum { NS_KIND_SPOT = 0, NS_KIND_ONDEMAND = 1 };

typedef struct {
    const char *kind;                /* "local" or "exec" */
    const char *cmd;                 /* exec: command with %p %k %n %% */
    const char *connect;             /* endpoint the started workers connect to */
    const char *log_dir;             /* local: where worker logs go */
    int heartbeat_ms, liveness_ms;   /* local: passed to the workers */
    int slots;                       /* local: --slots of the workers (1) */
    char *const *worker_args;        /* local: extra worker arguments */
    int nworker_args;
    double spot_grant_delay;         /* local: seconds from request to start (0) */
    double spot_grant_probability;   /* local: share of spot requests granted (1) */
    double spot_interrupt_rate;      /* local: share of spot workers interrupted (0) */
} ns_driver_opts_t;

/* Reports how long the worker with this id has been running a task, in
 * seconds, or a negative value when it runs none (or is unknown). */
typedef double(ns_driver_busy_fn)(void *arg, const char *worker_id);

/* Returns a driver, or NULL with err set (unknown kind, exec without cmd). */
ns_driver_t *ns_driver_new(const ns_driver_opts_t *opts, ns_err_t *err);
/* Stops the local workers (SIGTERM) and reaps them; NULL is harmless. */
void ns_driver_destroy(ns_driver_t **dp);

/* Asks for n more workers of pool and kind at time now. */
void ns_driver_request(ns_driver_t *d, const ns_pool_conf_t *pool, int kind, int n, double now);
/* Withdraws up to n pending requests of pool and kind (newest first, none
 * whose process was started); returns how many it withdrew. */
int ns_driver_withdraw(ns_driver_t *d, const char *pool, int kind, int n);
/* Requests of pool and kind not joined yet; *oldest (may be NULL): when the
 * oldest of them was made, 0 with none. */
int ns_driver_pending(const ns_driver_t *d, const char *pool, int kind, double *oldest);
/* Tells the driver that a worker joined (its first READY): it ends the
 * request it came from (the local driver's own id, else the oldest request
 * of the pool and kind). Returns 1 when it ended one. */
int ns_driver_joined(ns_driver_t *d, const char *worker_id, const char *pool, int kind,
                     double now);
/* exec: runs the command when the desired count of pool and kind differs
 * from the last one it ran with; local: nothing. */
void ns_driver_apply(ns_driver_t *d, const char *pool, int kind, int count);
/* Grants due requests (local: starts their processes), delivers the spot
 * interruptions, reaps processes that exited. busy may be NULL. */
void ns_driver_tick(ns_driver_t *d, double now, ns_driver_busy_fn *busy, void *arg);

/* Spot statistics of all pools so far. */
typedef struct {
    int spot_asked;      /* spot requests made */
    int spot_granted;    /* spot workers that joined */
    double spot_delay;   /* mean seconds from request to join; 0: none */
    int started[2];      /* worker processes started (local) or joins (exec), by kind */
    int interrupted;     /* interruption notices sent (local) */
} ns_driver_stats_t;

void ns_driver_stats(const ns_driver_t *d, const char *pool, ns_driver_stats_t *out);

#endif
