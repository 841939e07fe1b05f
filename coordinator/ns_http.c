/*
 * ns_http: the status page and metrics server (see ns_http.h for the shape:
 * the coordinator renders, libmicrohttpd's thread copies the latest texts).
 *
 * The renderers escape everything that comes from jobs and workers: HTML
 * text and attributes (& < > " '), JSON strings (ns_buf_append_json), and
 * Prometheus label values (backslash, double quote, newline), and pass a
 * failure's reason through ns_redact_text (docs/SECURITY.md). Metric
 * families are written whole, one after the other, each with its HELP and
 * TYPE lines, as the exposition format wants.
 */
#include "ns_http.h"

#include "ns_log.h"
#include "ns_redact.h"

#include <microhttpd.h>
#include <netdb.h>
#include <pthread.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define S_MAX_CONNECTIONS 64 /* connections served at once; more are refused */
#define S_TIMEOUT_S 10       /* an idle connection is closed after this */
#define S_STALE_S 10.0       /* /healthz fails when no snapshot came for this long */
#define S_REFRESH_S 5        /* the page reloads itself this often */

enum { S_HTML = 0, S_JSON, S_METRICS, S_NTEXTS };

struct ns_http {
    struct MHD_Daemon *daemon; /* libmicrohttpd, with its own thread */
    int port;                  /* the port bound */
    pthread_mutex_t mu;        /* guards the fields below */
    ns_buf_t text[S_NTEXTS];   /* the latest snapshot, rendered */
    int have;                  /* a snapshot was published */
    double published;          /* monotonic seconds of the last publish */
};

static double s_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static const char *s_str(const char *s)
{
    return s ? s : "";
}

/* ------------------------------------------------------------- helpers */

static int s_put(ns_buf_t *b, const char *s)
{
    return ns_buf_append(b, s, strlen(s));
}

static int s_html(ns_buf_t *b, const char *s)
{
    int rc = 0;
    const char *run = s = s_str(s);
    for (; *s && !rc; s++) {
        const char *e = NULL;
        switch (*s) {
        case '&': e = "&amp;"; break;
        case '<': e = "&lt;"; break;
        case '>': e = "&gt;"; break;
        case '"': e = "&quot;"; break;
        case '\'': e = "&#39;"; break;
        default: continue;
        }
        rc = ns_buf_append(b, run, (size_t)(s - run));
        if (!rc)
            rc = s_put(b, e);
        run = s + 1;
    }
    return rc ? rc : ns_buf_append(b, run, strlen(run));
}

static int s_json(ns_buf_t *b, const char *s)
{
    s = s_str(s);
    return ns_buf_append_json(b, s, strlen(s));
}

/* key (with what precedes it: ",\"name\":") then value as a JSON string */
static int s_field(ns_buf_t *b, const char *key, const char *value)
{
    int rc = s_put(b, key);
    return rc ? rc : s_json(b, value);
}

/* A label value of the exposition format: \ " and newline escaped. */
static int s_label(ns_buf_t *b, const char *s)
{
    int rc = 0;
    for (s = s_str(s); *s && !rc; s++) {
        if (*s == '\\')
            rc = s_put(b, "\\\\");
        else if (*s == '"')
            rc = s_put(b, "\\\"");
        else if (*s == '\n')
            rc = s_put(b, "\\n");
        else
            rc = ns_buf_append(b, s, 1);
    }
    return rc;
}

/* "2026-11-25 04:15:02Z", or "-" for 0. */
static void s_fmt_time(double t, char *out, size_t cap)
{
    if (t <= 0) {
        snprintf(out, cap, "-");
        return;
    }
    time_t s = (time_t)t;
    struct tm tm;
    gmtime_r(&s, &tm);
    strftime(out, cap, "%Y-%m-%d %H:%M:%SZ", &tm);
}

/* "3h02m", "4m12s", "9s". */
static void s_fmt_dur(double secs, char *out, size_t cap)
{
    long s = secs > 0 && secs < 1e9 ? (long)(secs + 0.5) : 0;
    if (s >= 3600)
        snprintf(out, cap, "%ldh%02ldm", s / 3600, s / 60 % 60);
    else if (s >= 60)
        snprintf(out, cap, "%ldm%02lds", s / 60, s % 60);
    else
        snprintf(out, cap, "%lds", s);
}

static double s_pct(const ns_http_job_t *j)
{
    if (!strcmp(s_str(j->state), "succeeded"))
        return 100.0;
    if (!j->bytes_total)
        return 0.0;
    double p = 100.0 * (double)j->bytes_done / (double)j->bytes_total;
    return p > 100.0 ? 100.0 : p;
}

static const char *s_worker_state(const ns_http_worker_t *w)
{
    return w->preempting ? "preempting" : w->busy > 0 ? "busy" : w->excluded ? "excluded" : "idle";
}

/* Workers grouped by (pool, capacity), in order of first appearance. */
typedef struct {
    const char *pool, *capacity;
    int workers, idle, busy_workers, preempting;
    int slots, busy;
} s_pool_t;

static s_pool_t *s_pools(const ns_http_snap_t *snap, int *npools)
{
    s_pool_t *p = calloc((size_t)(snap->nworkers > 0 ? snap->nworkers : 1), sizeof *p);
    *npools = 0;
    if (!p)
        return NULL;
    for (int i = 0; i < snap->nworkers; i++) {
        const ns_http_worker_t *w = &snap->workers[i];
        int k = 0;
        while (k < *npools && (strcmp(p[k].pool, s_str(w->pool)) ||
                               strcmp(p[k].capacity, s_str(w->capacity))))
            k++;
        if (k == *npools) {
            p[k].pool = s_str(w->pool);
            p[k].capacity = s_str(w->capacity);
            (*npools)++;
        }
        p[k].workers++;
        p[k].idle += !w->preempting && w->busy <= 0;
        p[k].busy_workers += !w->preempting && w->busy > 0;
        p[k].preempting += w->preempting != 0;
        p[k].slots += w->slots;
        p[k].busy += w->busy;
    }
    return p;
}

double ns_http_project(double submitted, double now, uint64_t done, uint64_t total)
{
    double elapsed = now - submitted;
    if (!total || !done || elapsed <= 0)
        return 0;
    double est = submitted + elapsed * ((double)total / (double)done);
    return est < now ? now : est;
}

/* ---------------------------------------------------------------- HTML */

static const char s_css[] =
    "body{font-family:system-ui,sans-serif;margin:1.5em;color:#222}"
    "h1{font-size:1.4em}h2{font-size:1.1em;margin-top:1.5em}"
    "table{border-collapse:collapse;font-size:.9em}"
    "th,td{border:1px solid #ccc;padding:.25em .6em;text-align:left}"
    "td{white-space:nowrap}td.r{white-space:normal;max-width:30em}"
    "td.n{text-align:right;font-variant-numeric:tabular-nums}"
    "th{background:#f0f0f0}.muted{color:#777}"
    ".s-failed,.s-cancelled{color:#b00}.s-succeeded{color:#070}"
    "progress{width:8em}";

static int s_html_jobs(ns_buf_t *b, const ns_http_snap_t *snap)
{
    int rc = s_put(b, "<h2>Jobs</h2>\n");
    if (!snap->njobs)
        return rc ? rc : s_put(b, "<p class=\"muted\">no jobs</p>\n");
    rc = rc ? rc
            : s_put(b, "<table id=\"jobs\"><tr><th>job</th><th>name</th><th>state</th>"
                       "<th>date</th><th>pool</th><th>progress</th><th>tasks done</th>"
                       "<th>pending</th><th>running</th><th>rows in</th><th>rows out</th>"
                       "<th>rejects</th><th>retries</th><th>submitted</th>"
                       "<th>finished / projected finish</th><th>deadline</th>"
                       "<th>reason</th></tr>\n");
    /* newest first */
    for (int i = snap->njobs - 1; i >= 0 && !rc; i--) {
        const ns_http_job_t *j = &snap->jobs[i];
        char sub[32], fin[96], dl[32], in[24];
        s_fmt_time(j->submitted, sub, sizeof sub);
        s_fmt_time(j->deadline, dl, sizeof dl);
        if (j->finished > 0) {
            s_fmt_time(j->finished, fin, sizeof fin);
        } else if (j->projected_finish > 0) {
            char at[32];
            s_fmt_time(j->projected_finish, at, sizeof at);
            s_fmt_dur(j->projected_finish - snap->now, in, sizeof in);
            snprintf(fin, sizeof fin, "%s (in %s)", at, in);
        } else {
            snprintf(fin, sizeof fin, "-");
        }
        double pct = s_pct(j);
        rc = s_put(b, "<tr id=\"job-");
        rc = rc ? rc : s_html(b, j->id);
        rc = rc ? rc : s_put(b, "\"><td>");
        rc = rc ? rc : s_html(b, j->id);
        rc = rc ? rc : s_put(b, "</td><td>");
        rc = rc ? rc : s_html(b, j->name);
        rc = rc ? rc : s_put(b, "</td><td class=\"s-");
        rc = rc ? rc : s_html(b, j->state);
        rc = rc ? rc : s_put(b, "\">");
        rc = rc ? rc : s_html(b, j->state);
        rc = rc ? rc : s_put(b, "</td><td>");
        rc = rc ? rc : s_html(b, j->date);
        rc = rc ? rc : s_put(b, "</td><td>");
        rc = rc ? rc : s_html(b, j->pool && *j->pool ? j->pool : "-");
        rc = rc ? rc
                : ns_buf_appendf(b,
                                 "</td><td><progress max=\"100\" value=\"%.1f\"></progress> "
                                 "%.1f%%</td><td class=\"n\">%d / %d</td><td class=\"n\">%d</td>"
                                 "<td class=\"n\">%d</td><td class=\"n\">%llu</td>"
                                 "<td class=\"n\">%llu</td><td class=\"n\">%llu</td>"
                                 "<td class=\"n\">%d</td><td>%s</td><td>",
                                 pct, pct, j->tasks_done, j->maps_total + j->reduces_total,
                                 j->tasks_pending, j->tasks_running,
                                 (unsigned long long)j->rows_in, (unsigned long long)j->rows_out,
                                 (unsigned long long)j->rejects, j->retries, sub);
        rc = rc ? rc : s_html(b, fin);
        if (!rc && j->finished <= 0 && j->projected_finish > 0 && j->projected_by) {
            rc = s_put(b, " <span class=\"muted\">by ");
            rc = rc ? rc : s_html(b, j->projected_by);
            rc = rc ? rc : s_put(b, "</span>");
        }
        rc = rc ? rc : s_put(b, "</td><td>");
        rc = rc ? rc : s_html(b, dl);
        rc = rc ? rc : s_put(b, "</td><td class=\"r\">");
        char why[2048];
        rc = rc ? rc : s_html(b, ns_redact_text(s_str(j->reason), why, sizeof why));
        rc = rc ? rc : s_put(b, "</td></tr>\n");
    }
    return rc ? rc : s_put(b, "</table>\n");
}

static int s_html_pools(ns_buf_t *b, const ns_http_snap_t *snap)
{
    int n;
    s_pool_t *p = s_pools(snap, &n);
    if (!p)
        return -1;
    int rc = s_put(b, "<h2>Pools</h2>\n");
    if (!n) {
        rc = rc ? rc : s_put(b, "<p class=\"muted\">no workers</p>\n");
        free(p);
        return rc;
    }
    rc = rc ? rc
            : s_put(b, "<table id=\"pools\"><tr><th>pool</th><th>capacity</th><th>workers</th>"
                       "<th>idle</th><th>busy</th><th>preempting</th><th>slots</th>"
                       "<th>slots busy</th></tr>\n");
    for (int i = 0; i < n && !rc; i++) {
        rc = s_put(b, "<tr><td>");
        rc = rc ? rc : s_html(b, p[i].pool);
        rc = rc ? rc : s_put(b, "</td><td>");
        rc = rc ? rc : s_html(b, p[i].capacity);
        rc = rc ? rc
                : ns_buf_appendf(b,
                                 "</td><td class=\"n\">%d</td><td class=\"n\">%d</td>"
                                 "<td class=\"n\">%d</td><td class=\"n\">%d</td>"
                                 "<td class=\"n\">%d</td><td class=\"n\">%d</td></tr>\n",
                                 p[i].workers, p[i].idle, p[i].busy_workers, p[i].preempting,
                                 p[i].slots, p[i].busy);
    }
    free(p);
    return rc ? rc : s_put(b, "</table>\n");
}

static int s_html_workers(ns_buf_t *b, const ns_http_snap_t *snap)
{
    int rc = s_put(b, "<h2>Workers</h2>\n");
    if (!snap->nworkers)
        return rc ? rc : s_put(b, "<p class=\"muted\">no workers</p>\n");
    rc = rc ? rc
            : s_put(b, "<table id=\"workers\"><tr><th>worker</th><th>pool</th>"
                       "<th>capacity</th><th>state</th><th>slots</th><th>busy</th></tr>\n");
    for (int i = 0; i < snap->nworkers && !rc; i++) {
        const ns_http_worker_t *w = &snap->workers[i];
        rc = s_put(b, "<tr><td>");
        rc = rc ? rc : s_html(b, w->id);
        rc = rc ? rc : s_put(b, "</td><td>");
        rc = rc ? rc : s_html(b, w->pool);
        rc = rc ? rc : s_put(b, "</td><td>");
        rc = rc ? rc : s_html(b, w->capacity);
        rc = rc ? rc
                : ns_buf_appendf(b,
                                 "</td><td>%s</td><td class=\"n\">%d</td>"
                                 "<td class=\"n\">%d</td></tr>\n",
                                 s_worker_state(w), w->slots, w->busy);
    }
    return rc ? rc : s_put(b, "</table>\n");
}

int ns_http_render_html(ns_buf_t *b, const ns_http_snap_t *snap)
{
    char now[32], up[24];
    s_fmt_time(snap->now, now, sizeof now);
    s_fmt_dur(snap->started > 0 ? snap->now - snap->started : 0, up, sizeof up);
    int rc = ns_buf_appendf(b,
                            "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">"
                            "<meta http-equiv=\"refresh\" content=\"%d\">"
                            "<title>nightshift coordinator</title><style>%s</style></head>\n"
                            "<body>\n<h1>nightshift coordinator</h1>\n<p>",
                            S_REFRESH_S, s_css);
    rc = rc ? rc : s_html(b, snap->bind);
    rc = rc ? rc
            : ns_buf_appendf(b,
                             " &middot; snapshot %s &middot; up %s &middot; %d jobs, %d workers"
                             " &middot; <a href=\"/status.json\">status.json</a>"
                             " &middot; <a href=\"/metrics\">metrics</a></p>\n",
                             now, snap->started > 0 ? up : "-", snap->njobs, snap->nworkers);
    rc = rc ? rc : s_html_jobs(b, snap);
    rc = rc ? rc : s_html_pools(b, snap);
    rc = rc ? rc : s_html_workers(b, snap);
    return rc ? rc : s_put(b, "</body></html>\n");
}

/* ---------------------------------------------------------------- JSON */

int ns_http_render_json(ns_buf_t *b, const ns_http_snap_t *snap)
{
    int rc = ns_buf_appendf(b, "{\"now\":%.3f,\"started\":%.3f,\"bind\":", snap->now,
                            snap->started);
    rc = rc ? rc : s_json(b, snap->bind);
    rc = rc ? rc : s_put(b, ",\"jobs\":[");
    for (int i = 0; i < snap->njobs && !rc; i++) {
        const ns_http_job_t *j = &snap->jobs[i];
        rc = s_field(b, i ? ",{\"id\":" : "{\"id\":", j->id);
        rc = rc ? rc : s_field(b, ",\"name\":", j->name);
        rc = rc ? rc : s_field(b, ",\"state\":", j->state);
        rc = rc ? rc : s_field(b, ",\"date\":", j->date);
        rc = rc ? rc : s_field(b, ",\"pool\":", j->pool);
        char why[2048]; /* a failure's reason may quote a message: never a secret */
        rc = rc ? rc : s_field(b, ",\"reason\":", ns_redact_text(s_str(j->reason), why, sizeof why));
        rc = rc ? rc
                : ns_buf_appendf(
                      b,
                      ",\"submitted\":%.3f,\"finished\":%.3f,\"deadline\":%.3f,"
                      "\"maps_total\":%d,\"maps_done\":%d,\"reduces_total\":%d,"
                      "\"reduces_done\":%d,\"tasks_pending\":%d,\"tasks_running\":%d,"
                      "\"tasks_done\":%d,\"attempts_running\":%d,\"bytes_total\":%llu,"
                      "\"bytes_done\":%llu,\"progress\":%.2f,\"rows_in\":%llu,\"rows_out\":%llu,"
                      "\"rejects\":%llu,\"filtered\":%llu,\"retries\":%d,\"speculative\":%d,"
                      "\"projected_finish\":%.3f,\"projected_by\":",
                      j->submitted, j->finished, j->deadline, j->maps_total, j->maps_done,
                      j->reduces_total, j->reduces_done, j->tasks_pending, j->tasks_running,
                      j->tasks_done, j->attempts_running, (unsigned long long)j->bytes_total,
                      (unsigned long long)j->bytes_done, s_pct(j), (unsigned long long)j->rows_in,
                      (unsigned long long)j->rows_out, (unsigned long long)j->rejects,
                      (unsigned long long)j->filtered, j->retries, j->speculative,
                      j->projected_finish);
        rc = rc ? rc : s_json(b, j->projected_finish > 0 ? j->projected_by : "");
        rc = rc ? rc : s_put(b, "}");
    }
    int n;
    s_pool_t *p = rc ? NULL : s_pools(snap, &n);
    if (!p)
        return -1;
    rc = s_put(b, "],\"pools\":[");
    for (int i = 0; i < n && !rc; i++) {
        rc = s_field(b, i ? ",{\"pool\":" : "{\"pool\":", p[i].pool);
        rc = rc ? rc : s_field(b, ",\"capacity\":", p[i].capacity);
        rc = rc ? rc
                : ns_buf_appendf(b,
                                 ",\"workers\":%d,\"idle\":%d,\"busy_workers\":%d,"
                                 "\"preempting\":%d,\"slots\":%d,\"busy\":%d}",
                                 p[i].workers, p[i].idle, p[i].busy_workers, p[i].preempting,
                                 p[i].slots, p[i].busy);
    }
    free(p);
    rc = rc ? rc : s_put(b, "],\"workers\":[");
    for (int i = 0; i < snap->nworkers && !rc; i++) {
        const ns_http_worker_t *w = &snap->workers[i];
        rc = s_field(b, i ? ",{\"id\":" : "{\"id\":", w->id);
        rc = rc ? rc : s_field(b, ",\"pool\":", w->pool);
        rc = rc ? rc : s_field(b, ",\"capacity\":", w->capacity);
        rc = rc ? rc
                : ns_buf_appendf(b, ",\"state\":\"%s\",\"slots\":%d,\"busy\":%d}",
                                 s_worker_state(w), w->slots, w->busy);
    }
    return rc ? rc : s_put(b, "]}\n");
}

/* ------------------------------------------------------------- metrics */

static int s_family(ns_buf_t *b, const char *name, const char *type, const char *help)
{
    return ns_buf_appendf(b, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* name{k1="v1",...} value: labels[] holds nlabels key/value pairs. */
static int s_sample(ns_buf_t *b, const char *name, const char *const *labels, int nlabels,
                    const char *value)
{
    int rc = s_put(b, name);
    for (int i = 0; i < nlabels && !rc; i++) {
        rc = ns_buf_appendf(b, "%s%s=\"", i ? "," : "{", labels[2 * i]);
        rc = rc ? rc : s_label(b, labels[2 * i + 1]);
        rc = rc ? rc : s_put(b, "\"");
    }
    if (!rc && nlabels)
        rc = s_put(b, "}");
    return rc ? rc : ns_buf_appendf(b, " %s\n", value);
}

static int s_sample_u(ns_buf_t *b, const char *name, const char *const *labels, int nlabels,
                      uint64_t v)
{
    char num[32];
    snprintf(num, sizeof num, "%llu", (unsigned long long)v);
    return s_sample(b, name, labels, nlabels, num);
}

static int s_sample_d(ns_buf_t *b, const char *name, const char *const *labels, int nlabels,
                      double v)
{
    char num[48];
    snprintf(num, sizeof num, "%.3f", v);
    return s_sample(b, name, labels, nlabels, num);
}

/* The per-job families whose value is one counter of the job. */
typedef struct {
    const char *name, *type, *help;
    size_t off;  /* offset of the uint64_t or int field */
    int is_int;  /* the field is an int */
} s_jobmetric_t;

#define S_JM(n, t, h, f, i) {n, t, h, offsetof(ns_http_job_t, f), i}
static const s_jobmetric_t s_jobmetrics[] = {
    S_JM("nightshift_job_bytes_total", "gauge", "Input bytes of the job's map tasks.",
         bytes_total, 0),
    S_JM("nightshift_job_bytes_done", "gauge",
         "Input bytes read so far (accepted maps, progress of running ones).", bytes_done, 0),
    S_JM("nightshift_job_rows_in", "gauge", "Rows read by the job.", rows_in, 0),
    S_JM("nightshift_job_rows_out", "gauge", "Rows written to the job's load files.", rows_out,
         0),
    S_JM("nightshift_job_rejects", "gauge", "Rows the job rejected.", rejects, 0),
    S_JM("nightshift_job_filtered", "gauge", "Rows the job's filters dropped.", filtered, 0),
    S_JM("nightshift_job_attempts_running", "gauge",
         "Task attempts of the job running now, speculative copies included.", attempts_running,
         1),
    S_JM("nightshift_task_retries_total", "counter",
         "Task attempts of the job beyond the first (retries and requeues).", retries, 1),
    S_JM("nightshift_task_speculative_total", "counter",
         "Speculative copies of straggling tasks the job started.", speculative, 1),
};

static const char *const s_job_states[] = {"map",       "reduce", "committing", "succeeded",
                                           "failed",    "cancelled"};

static int s_metrics_jobs(ns_buf_t *b, const ns_http_snap_t *snap)
{
    int rc = s_family(b, "nightshift_jobs", "gauge", "Jobs the coordinator knows, by state.");
    int nstates = (int)(sizeof s_job_states / sizeof *s_job_states);
    for (int s = 0; s < nstates && !rc; s++) {
        uint64_t n = 0;
        for (int i = 0; i < snap->njobs; i++)
            n += !strcmp(s_str(snap->jobs[i].state), s_job_states[s]);
        const char *l[] = {"state", s_job_states[s]};
        rc = s_sample_u(b, "nightshift_jobs", l, 1, n);
    }
    rc = rc ? rc
            : s_family(b, "nightshift_job_info", "gauge",
                       "Always 1: a job's name, state, business date and pool as labels.");
    for (int i = 0; i < snap->njobs && !rc; i++) {
        const ns_http_job_t *j = &snap->jobs[i];
        const char *l[] = {"job", s_str(j->id),     "name", s_str(j->name),
                           "state", s_str(j->state), "date", s_str(j->date),
                           "pool", s_str(j->pool)};
        rc = s_sample_u(b, "nightshift_job_info", l, 5, 1);
    }
    rc = rc ? rc : s_family(b, "nightshift_tasks", "gauge", "Planned tasks of a job, by state.");
    for (int i = 0; i < snap->njobs && !rc; i++) {
        const ns_http_job_t *j = &snap->jobs[i];
        const char *st[] = {"pending", "running", "done"};
        const int n[] = {j->tasks_pending, j->tasks_running, j->tasks_done};
        for (int k = 0; k < 3 && !rc; k++) {
            const char *l[] = {"job", s_str(j->id), "state", st[k]};
            rc = s_sample_u(b, "nightshift_tasks", l, 2, (uint64_t)(n[k] > 0 ? n[k] : 0));
        }
    }
    for (size_t m = 0; m < sizeof s_jobmetrics / sizeof *s_jobmetrics && !rc; m++) {
        const s_jobmetric_t *jm = &s_jobmetrics[m];
        rc = s_family(b, jm->name, jm->type, jm->help);
        for (int i = 0; i < snap->njobs && !rc; i++) {
            const ns_http_job_t *j = &snap->jobs[i];
            const char *f = (const char *)j + jm->off;
            uint64_t v;
            if (jm->is_int) {
                int iv;
                memcpy(&iv, f, sizeof iv);
                v = iv > 0 ? (uint64_t)iv : 0;
            } else {
                memcpy(&v, f, sizeof v);
            }
            const char *l[] = {"job", s_str(j->id)};
            rc = s_sample_u(b, jm->name, l, 1, v);
        }
    }
    rc = rc ? rc
            : s_family(b, "nightshift_job_submitted_seconds", "gauge",
                       "Unix time the job was submitted.");
    for (int i = 0; i < snap->njobs && !rc; i++) {
        const char *l[] = {"job", s_str(snap->jobs[i].id)};
        rc = s_sample_d(b, "nightshift_job_submitted_seconds", l, 1, snap->jobs[i].submitted);
    }
    rc = rc ? rc
            : s_family(b, "nightshift_job_finished_seconds", "gauge",
                       "Unix time the job finished (finished jobs only).");
    for (int i = 0; i < snap->njobs && !rc; i++) {
        const char *l[] = {"job", s_str(snap->jobs[i].id)};
        if (snap->jobs[i].finished > 0)
            rc = s_sample_d(b, "nightshift_job_finished_seconds", l, 1, snap->jobs[i].finished);
    }
    rc = rc ? rc
            : s_family(b, "nightshift_job_projected_finish_seconds", "gauge",
                       "Unix time a running job is projected to finish (when known).");
    for (int i = 0; i < snap->njobs && !rc; i++) {
        const ns_http_job_t *j = &snap->jobs[i];
        const char *l[] = {"job", s_str(j->id), "by", s_str(j->projected_by)};
        if (j->finished <= 0 && j->projected_finish > 0)
            rc = s_sample_d(b, "nightshift_job_projected_finish_seconds", l, 2,
                            j->projected_finish);
    }
    rc = rc ? rc
            : s_family(b, "nightshift_job_deadline_seconds", "gauge",
                       "Unix time a job must finish by (jobs with a deadline only).");
    for (int i = 0; i < snap->njobs && !rc; i++) {
        const char *l[] = {"job", s_str(snap->jobs[i].id)};
        if (snap->jobs[i].deadline > 0)
            rc = s_sample_d(b, "nightshift_job_deadline_seconds", l, 1, snap->jobs[i].deadline);
    }
    return rc;
}

static int s_metrics_workers(ns_buf_t *b, const ns_http_snap_t *snap)
{
    int n;
    s_pool_t *p = s_pools(snap, &n);
    if (!p)
        return -1;
    int rc = s_family(b, "nightshift_workers", "gauge",
                      "Live workers by pool, capacity kind and state (idle, busy, preempting).");
    for (int i = 0; i < n && !rc; i++) {
        const char *st[] = {"idle", "busy", "preempting"};
        const int v[] = {p[i].idle, p[i].busy_workers, p[i].preempting};
        for (int k = 0; k < 3 && !rc; k++) {
            const char *l[] = {"pool", p[i].pool, "capacity", p[i].capacity, "state", st[k]};
            rc = s_sample_u(b, "nightshift_workers", l, 3, (uint64_t)v[k]);
        }
    }
    rc = rc ? rc
            : s_family(b, "nightshift_worker_slots", "gauge",
                       "Task slots of the live workers by pool, capacity kind and state "
                       "(busy, free).");
    for (int i = 0; i < n && !rc; i++) {
        int busy = p[i].busy < p[i].slots ? p[i].busy : p[i].slots;
        const char *lb[] = {"pool", p[i].pool, "capacity", p[i].capacity, "state", "busy"};
        const char *lf[] = {"pool", p[i].pool, "capacity", p[i].capacity, "state", "free"};
        rc = s_sample_u(b, "nightshift_worker_slots", lb, 3, (uint64_t)(busy > 0 ? busy : 0));
        rc = rc ? rc
                : s_sample_u(b, "nightshift_worker_slots", lf, 3,
                             (uint64_t)(p[i].slots - busy > 0 ? p[i].slots - busy : 0));
    }
    free(p);
    return rc;
}

int ns_http_render_metrics(ns_buf_t *b, const ns_http_snap_t *snap)
{
    int rc = s_family(b, "nightshift_snapshot_timestamp_seconds", "gauge",
                      "Unix time of the coordinator snapshot these metrics come from.");
    rc = rc ? rc : s_sample_d(b, "nightshift_snapshot_timestamp_seconds", NULL, 0, snap->now);
    if (snap->started > 0) {
        rc = rc ? rc
                : s_family(b, "nightshift_coordinator_start_time_seconds", "gauge",
                           "Unix time the coordinator started.");
        rc = rc ? rc
                : s_sample_d(b, "nightshift_coordinator_start_time_seconds", NULL, 0,
                             snap->started);
    }
    rc = rc ? rc : s_metrics_jobs(b, snap);
    return rc ? rc : s_metrics_workers(b, snap);
}

/* -------------------------------------------------------------- server */

static const char *const s_types[S_NTEXTS] = {
    "text/html; charset=utf-8",
    "application/json",
    "text/plain; version=0.0.4; charset=utf-8",
};

static enum MHD_Result s_send(struct MHD_Connection *conn, unsigned status, const char *type,
                              struct MHD_Response *resp)
{
    if (!resp)
        return MHD_NO;
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL, "no-store");
    if (status == MHD_HTTP_METHOD_NOT_ALLOWED)
        MHD_add_response_header(resp, MHD_HTTP_HEADER_ALLOW, "GET, HEAD");
    enum MHD_Result r = MHD_queue_response(conn, status, resp);
    MHD_destroy_response(resp);
    return r;
}

static enum MHD_Result s_text(struct MHD_Connection *conn, unsigned status, const char *msg)
{
    struct MHD_Response *resp =
        MHD_create_response_from_buffer(strlen(msg), (void *)msg, MHD_RESPMEM_MUST_COPY);
    return s_send(conn, status, "text/plain; charset=utf-8", resp);
}

static enum MHD_Result s_handle(void *cls, struct MHD_Connection *conn, const char *url,
                                const char *method, const char *version, const char *upload_data,
                                size_t *upload_data_size, void **con_cls)
{
    ns_http_t *h = cls;
    if (strcmp(method, MHD_HTTP_METHOD_GET) && strcmp(method, MHD_HTTP_METHOD_HEAD))
        return s_text(conn, MHD_HTTP_METHOD_NOT_ALLOWED, "method not allowed\n");
    int which;
    if (!strcmp(url, "/"))
        which = S_HTML;
    else if (!strcmp(url, "/status.json"))
        which = S_JSON;
    else if (!strcmp(url, "/metrics"))
        which = S_METRICS;
    else if (!strcmp(url, "/healthz"))
        which = S_NTEXTS;
    else
        return s_text(conn, MHD_HTTP_NOT_FOUND, "not found\n");
    pthread_mutex_lock(&h->mu);
    int have = h->have;
    double age = s_mono() - h->published;
    struct MHD_Response *resp = NULL;
    if (have && which < S_NTEXTS)
        resp = MHD_create_response_from_buffer(h->text[which].len, h->text[which].data,
                                               MHD_RESPMEM_MUST_COPY);
    pthread_mutex_unlock(&h->mu);
    if (!have)
        return s_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, "no snapshot yet\n");
    if (which == S_NTEXTS) {
        if (age > S_STALE_S) {
            char msg[96];
            snprintf(msg, sizeof msg, "stale: no snapshot from the coordinator for %.0f s\n", age);
            return s_text(conn, MHD_HTTP_SERVICE_UNAVAILABLE, msg);
        }
        return s_text(conn, MHD_HTTP_OK, "ok\n");
    }
    return s_send(conn, MHD_HTTP_OK, s_types[which], resp);
}

static void s_mhd_log(void *cls, const char *fmt, va_list ap)
{
    char msg[512];
    vsnprintf(msg, sizeof msg, fmt, ap);
    size_t n = strlen(msg);
    while (n && (msg[n - 1] == '\n' || msg[n - 1] == '\r'))
        msg[--n] = '\0';
    ns_warn("http: %s", msg);
}

/* Splits "HOST:PORT" (HOST may be "[v6]") and resolves it. */
static struct addrinfo *s_resolve(const char *addr, ns_err_t *err)
{
    const char *colon = strrchr(addr, ':');
    char host[256], port[8];
    size_t hl = colon ? (size_t)(colon - addr) : 0;
    size_t pl = colon ? strlen(colon + 1) : 0;
    if (!colon || !hl || hl >= sizeof host || !pl || pl > 5 ||
        strspn(colon + 1, "0123456789") != pl || atoi(colon + 1) > 65535) {
        ns_errf(err, "bad HTTP address '%s' (want HOST:PORT, e.g. 127.0.0.1:7461)", addr);
        return NULL;
    }
    memcpy(host, addr, hl);
    host[hl] = '\0';
    if (host[0] == '[' && hl > 2 && host[hl - 1] == ']') {
        memmove(host, host + 1, hl - 2);
        host[hl - 2] = '\0';
    }
    memcpy(port, colon + 1, pl + 1);
    struct addrinfo hints, *res = NULL;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICSERV | AI_PASSIVE;
    int rc = getaddrinfo(host, port, &hints, &res);
    if (rc || !res) {
        ns_errf(err, "cannot resolve HTTP address '%s': %s", addr,
                rc ? gai_strerror(rc) : "no address");
        return NULL;
    }
    return res;
}

ns_http_t *ns_http_new(const char *addr, ns_err_t *err)
{
    struct addrinfo *ai = s_resolve(addr, err);
    if (!ai)
        return NULL;
    ns_http_t *h = calloc(1, sizeof *h);
    if (!h) {
        freeaddrinfo(ai);
        ns_errf(err, "out of memory");
        return NULL;
    }
    pthread_mutex_init(&h->mu, NULL);
    for (int i = 0; i < S_NTEXTS; i++)
        ns_buf_init(&h->text[i], NS_HTTP_MAX_TEXT);
    unsigned flags = MHD_USE_AUTO_INTERNAL_THREAD | MHD_USE_ERROR_LOG;
    if (ai->ai_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    /* the logger first, so that MHD says nothing on stderr itself; no
     * address reuse option: its SO_REUSEPORT would let a second coordinator
     * share the port instead of failing */
    h->daemon = MHD_start_daemon(flags, 0, NULL, NULL, s_handle, h, MHD_OPTION_EXTERNAL_LOGGER,
                                 s_mhd_log, NULL, MHD_OPTION_SOCK_ADDR, ai->ai_addr,
                                 MHD_OPTION_CONNECTION_LIMIT, (unsigned)S_MAX_CONNECTIONS,
                                 MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)S_TIMEOUT_S,
                                 MHD_OPTION_END);
    freeaddrinfo(ai);
    if (!h->daemon) {
        ns_errf(err, "cannot serve HTTP on '%s' (address in use or not local?)", addr);
        ns_http_destroy(&h);
        return NULL;
    }
    const union MHD_DaemonInfo *info = MHD_get_daemon_info(h->daemon, MHD_DAEMON_INFO_BIND_PORT);
    h->port = info ? info->port : 0;
    return h;
}

void ns_http_destroy(ns_http_t **self_p)
{
    ns_http_t *h = self_p ? *self_p : NULL;
    if (!h)
        return;
    if (h->daemon)
        MHD_stop_daemon(h->daemon);
    pthread_mutex_destroy(&h->mu);
    for (int i = 0; i < S_NTEXTS; i++)
        ns_buf_free(&h->text[i]);
    free(h);
    *self_p = NULL;
}

int ns_http_port(const ns_http_t *self)
{
    return self->port;
}

int ns_http_publish(ns_http_t *self, const ns_http_snap_t *snap, ns_err_t *err)
{
    ns_buf_t t[S_NTEXTS];
    for (int i = 0; i < S_NTEXTS; i++)
        ns_buf_init(&t[i], NS_HTTP_MAX_TEXT);
    if (ns_http_render_html(&t[S_HTML], snap) || ns_http_render_json(&t[S_JSON], snap) ||
        ns_http_render_metrics(&t[S_METRICS], snap)) {
        for (int i = 0; i < S_NTEXTS; i++)
            ns_buf_free(&t[i]);
        return ns_errf(err, "cannot render the status snapshot: more than %zu bytes or out of "
                            "memory", NS_HTTP_MAX_TEXT);
    }
    pthread_mutex_lock(&self->mu);
    for (int i = 0; i < S_NTEXTS; i++) {
        ns_buf_t old = self->text[i];
        self->text[i] = t[i];
        t[i] = old;
    }
    self->have = 1;
    self->published = s_mono();
    pthread_mutex_unlock(&self->mu);
    for (int i = 0; i < S_NTEXTS; i++)
        ns_buf_free(&t[i]);
    return 0;
}
