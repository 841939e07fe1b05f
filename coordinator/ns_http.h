/*
 * ns_http: the coordinator's status page and Prometheus metrics, served over
 * HTTP by libmicrohttpd (docs/OPERATIONS.md, "Status page and metrics").
 *
 * The coordinator is one thread and shares none of its state. Instead it
 * publishes a snapshot (ns_http_snap_t, built on its own thread, every
 * 500 ms and soon after messages changed something): ns_http_publish renders
 * it at once into three texts (the HTML page, the JSON status, the metrics)
 * and swaps them in under a mutex. libmicrohttpd's thread only copies the
 * latest texts out under that mutex; it never sees coordinator state, and a
 * slow client never holds the coordinator up.
 *
 *   GET /             the status page (HTML, no script, refreshes itself)
 *   GET /status.json  the same data as JSON
 *   GET /metrics      Prometheus text exposition format 0.0.4
 *   GET /healthz      200 "ok" while snapshots are fresh; 503 when the
 *                     coordinator has published none for 10 s (loop stuck)
 * HEAD works as GET without the body; any other method is 405, any other
 * path 404. Bounded: at most 64 connections at once, a connection idle for
 * 10 s is closed, request headers are limited by libmicrohttpd's memory
 * limit, and no request body is ever read.
 *
 * Workload: a few requests a minute (a scraper, a person), snapshots of tens
 * of workers and up to hundreds of jobs: rendering is a few hundred KB
 * at most, every text is capped at NS_HTTP_MAX_TEXT.
 */
#ifndef NS_HTTP_H
#define NS_HTTP_H

#include "ns_buf.h"
#include "ns_err.h"

#include <stdint.h>

#define NS_HTTP_MAX_TEXT ((size_t)64 << 20) /* the most one rendered text may be */

/* One job as the status page shows it. Strings are borrowed for the call
 * to ns_http_publish only; NULL reads as "". */
typedef struct {
    const char *id;            /* job id */
    const char *name;          /* job name */
    const char *state;         /* map, reduce, committing, succeeded, failed, cancelled */
    const char *date;          /* business date */
    const char *reason;        /* why it failed, or "" */
    const char *pool;          /* the pool it runs in, or "" (any) */
    double submitted;          /* unix seconds */
    double finished;           /* unix seconds; 0 while it runs */
    double deadline;           /* unix seconds; 0: none */
    int maps_total, maps_done; /* map tasks */
    int reduces_total, reduces_done; /* reduce tasks (planned or to plan) */
    int tasks_pending, tasks_running, tasks_done; /* tasks by state (planned ones) */
    int attempts_running;      /* attempts running, speculative copies included */
    uint64_t bytes_total;      /* input bytes of the map tasks */
    uint64_t bytes_done;       /* of which read (accepted maps, progress of running ones) */
    uint64_t rows_in, rows_out, rejects, filtered; /* row counters */
    int retries;               /* attempts beyond the first */
    int speculative;           /* speculative copies started */
    double projected_finish;   /* unix seconds; 0: unknown or not running */
    const char *projected_by;  /* what estimated it: "bytes rate" (ns_http_project),
                                  or the autoscaler's name for its own estimate */
} ns_http_job_t;

/* One live worker. */
typedef struct {
    const char *id;            /* worker id */
    const char *pool;          /* pool it joined */
    const char *capacity;      /* spot / on-demand */
    int slots, busy;           /* task slots, slots in use */
    int preempting;            /* got a spot interruption notice: takes no more tasks */
    int excluded;              /* excluded from dispatch after failures in a row */
} ns_http_worker_t;

/* What one publish shows. Pools are the workers grouped by (pool, capacity). */
typedef struct {
    double now;                /* unix seconds of the snapshot */
    double started;            /* unix seconds the coordinator started; 0: unknown */
    const char *bind;          /* the coordinator's endpoint, shown on the page */
    const ns_http_job_t *jobs; /* in submission order */
    int njobs;
    const ns_http_worker_t *workers;
    int nworkers;
} ns_http_snap_t;

typedef struct ns_http ns_http_t;

/* Starts serving on addr, "HOST:PORT" (an IPv4 address, a name, or an IPv6
 * address in brackets; port 0 picks a free one). Until the first publish
 * every page answers 503. Returns NULL with err set when addr is malformed
 * or cannot be bound. */
ns_http_t *ns_http_new(const char *addr, ns_err_t *err);
/* Stops the server (waits for its thread) and frees it; accepts NULL and
 * sets *self_p to NULL. */
void ns_http_destroy(ns_http_t **self_p);
/* The port it listens on. */
int ns_http_port(const ns_http_t *self);
/* Renders the snapshot and makes it the one served; returns 0, or -1 with
 * err set when a text would pass NS_HTTP_MAX_TEXT or memory runs out (the
 * previous snapshot stays served, marked stale by /healthz in time). */
int ns_http_publish(ns_http_t *self, const ns_http_snap_t *snap, ns_err_t *err);

/* The renderers, on their own for tests: each appends to b and returns 0,
 * or -1 when b's maximum is reached. */
int ns_http_render_html(ns_buf_t *b, const ns_http_snap_t *snap);
int ns_http_render_json(ns_buf_t *b, const ns_http_snap_t *snap);
int ns_http_render_metrics(ns_buf_t *b, const ns_http_snap_t *snap);

/* The projected finish (unix seconds) of a job submitted at `submitted`
 * that has read `done` of `total` bytes by `now`, at the rate so far; 0 when
 * nothing is read yet. Once all is read it is `now` at the earliest. */
double ns_http_project(double submitted, double now, uint64_t done, uint64_t total);

#endif
