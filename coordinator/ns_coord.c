/*
 * ns_coord: the coordinator (see ns_coord.h for what it does and why it is
 * shaped this way).
 *
 * State lives in three arrays: jobs (each with its tasks), workers, and the
 * attempts running on them. Every change that must survive a restart goes
 * through s_log() (journal append + sync) and then through the same s_apply_*
 * function that replay uses, so live operation and recovery cannot drift
 * apart.
 *
 * Output layout of a job under its prefix (output.uri + job id + "/"):
 *   _tmp/m00003-a2/p0001-r0000.run.zst   shuffle runs of map attempt 2 of task 3
 *   _tmp/r00001-a1/...                     intermediate merge runs of a reduce
 *   load/part-0001-0000-a1.psv.zst         load files of reduce attempt 1 of slice 1
 *   rejects/m00003-a2.txt                  rejects of map attempt 2 of task 3
 *   manifest                               the Redshift manifest: the load files
 *   job.json                               counters, state and the reject files
 * Only the manifest says which files exist; at commit everything under the
 * prefix that it and job.json do not name is deleted.
 */
#include "ns_coord.h"

#include "ns_bookmark.h"
#include "ns_catalog.h"
#include "ns_codec.h"
#include "ns_driver.h"
#include "ns_job.h"
#include "ns_format.h"
#include "ns_http.h"
#include "ns_journal.h"
#include "ns_log.h"
#include "ns_plan.h"
#include "ns_plugin.h"
#include "ns_proto.h"
#include "ns_rand.h"
#include "ns_store.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define S_MAX_ATT 4      /* attempts of one task running at once (1 + speculative) */
#define S_MAX_VARS 32
#define S_MAX_AVOID 8    /* workers a task remembers having failed on */
#define S_EXCLUDE_STREAK 3   /* counted failures in a row, of 2+ tasks, that exclude a worker */
#define S_EXCLUDE_S 30.0     /* the first exclusion's length; each next one doubles */
#define S_EXCLUDE_MAX_S 600.0

enum { J_MAP = 0, J_REDUCE, J_COMMITTING, J_SUCCEEDED, J_FAILED, J_CANCELLED };
static const char *s_job_state_names[] = {"map", "reduce", "committing", "succeeded", "failed",
                                          "cancelled"};
enum { T_PENDING = 0, T_RUNNING, T_DONE };
enum { K_MAP = 0, K_REDUCE = 1 };

typedef struct {
    char *uri;          /* run or load file */
    int partition;      /* partition (runs) or slice (load files) */
    uint64_t rows;      /* rows in it */
    uint64_t bytes;     /* uncompressed bytes */
    uint64_t stored;    /* bytes in the store */
} s_out_t;

typedef struct {
    int64_t id;         /* attempt number within the task */
    int worker;         /* index into workers, -1 when unknown (after replay) */
    double started;     /* monotonic seconds */
    uint64_t p_bytes, p_rows_in, p_rows_out, p_rejects; /* last PROGRESS */
} s_att_t;

typedef struct {
    int kind;           /* K_MAP or K_REDUCE */
    int partition;      /* reduce: the slice it writes */
    ns_split_t *splits; /* map: what it reads (owned) */
    int nsplits;
    uint64_t bytes;     /* map: stored input bytes; reduce: run bytes */
    int state;          /* T_* */
    int64_t next_attempt; /* attempt numbers used so far */
    int failures;       /* failed or lost attempts that count against the limit */
    char reason[512];   /* last failure */
    int failed_on[S_MAX_AVOID]; /* workers a counted failure happened on (this
                                   process only: replay does not know them) */
    int nfailed_on;
    s_att_t att[S_MAX_ATT]; /* running attempts */
    int natt;
    int64_t accepted;   /* accepted attempt, -1 until done */
    s_out_t *outs;      /* outputs of the accepted attempt */
    int nouts;
    char *rejects_uri;  /* rejects of the accepted attempt, or NULL */
    uint64_t bytes_in, rows_in, rows_out, rejects, filtered; /* counters of the accepted attempt */
    double duration;    /* seconds the accepted attempt ran (0 after replay) */
} s_task_t;

typedef struct {
    char id[NS_PROTO_MAX_ID];  /* job id: name-yyyymmdd-hex */
    char *text;                /* job file text (owned) */
    char *source;              /* job file name */
    char date[16];             /* business date */
    char *var_names[S_MAX_VARS], *var_values[S_MAX_VARS];
    int nvars;
    ns_job_t *def;             /* parsed definition */
    int state;                 /* J_* */
    char reason[1024];         /* why it failed */
    s_task_t *tasks;           /* maps first, then reduces */
    int nmaps, nreduces;
    int files_per_slice;       /* load files each reduce writes */
    char prefix[NS_URI_MAX];   /* output prefix, ends in '/' */
    char manifest[NS_URI_MAX]; /* set at commit */
    double submitted, finished; /* unix seconds */
    int retries, speculative;  /* attempts beyond the first, speculative copies */
    double deadline;           /* unix seconds; 0: none */
    double projected;          /* projected finish (autoscaled pools), unix seconds; 0: unknown */
    double hours[2], cost[2];  /* worker-hours and cost by kind (NS_KIND_*) */
    int swept;                 /* ended and its prefix cleaned up (SWEPT journaled) */
    double sweep_at;           /* monotonic seconds of the next cleanup try */
} s_job_t;

typedef struct {
    uint8_t rid[256];          /* ZeroMQ routing id */
    size_t ridlen;
    char id[NS_PROTO_MAX_ID];  /* worker id from READY */
    char pool[64];
    char capacity[16];         /* spot / on-demand */
    int slots, busy;           /* task slots, slots in use */
    int64_t memory;
    double last_seen, last_sent; /* monotonic seconds */
    int alive;                 /* said READY and not declared dead */
    int preempting;            /* takes no more tasks */
    int64_t session;           /* the worker process's READY session */
    int foreign;               /* slots taken by attempts it runs that we do not track
                                  (started before a coordinator restart, not adopted) */
    int kind;                  /* NS_KIND_SPOT or NS_KIND_ONDEMAND */
    double price;              /* per hour */
    int draining;              /* told to STOP: takes no more tasks */
    int fail_streak;           /* counted failures in a row, no DONE between */
    int streak_tasks;          /* distinct tasks among them */
    const s_job_t *streak_job; /* the task of the last one (job, index) */
    int streak_tidx;
    double excluded_until;     /* monotonic seconds: no dispatch before (PROTOCOL.md, "Retries") */
    int exclusions;            /* times excluded; the next lasts twice as long */
} s_worker_t;

/* A pool the autoscaler manages (docs/FLEETS.md). */
typedef struct {
    ns_pool_conf_t conf;
    int want[2];               /* the last decision by kind, -1: none yet */
    double changed_at;         /* unix seconds the size last changed */
    double bytes, secs;        /* finished tasks' bytes and seconds (throughput) */
    double projected, deadline; /* of the last decision */
    uint64_t bytes_left;
    int tasks_left, busy;
    char why[256];             /* the last decision's reason */
    double idle_cost;          /* cost of idle workers with no job in the pool */
    int preempted;             /* interruptions seen */
} s_pool_t;

typedef struct {
    const ns_coord_opts_t *o;
    void *zctx, *router;
    ns_zap_t *zap;   /* the CurveZMQ allow-list's ZAP handler (NULL: insecure) */
    void *mon;       /* the router's handshakes, for the log */
    double handshake_logged;
    double role_logged; /* a worker message from a non-worker key was last logged */
    ns_journal_t *journal;
    int replaying;             /* inside journal replay: no sends, no appends */
    s_job_t **jobs;
    int njobs;
    s_worker_t *workers;
    int nworkers;
    ns_err_t fatal;            /* set when the journal cannot be written */
    int failed;
    ns_driver_t *driver;       /* --autoscale: carries out the decisions */
    s_pool_t *pools;           /* managed pools (opts->pools) */
    int npools;
    double last_account, last_scale; /* unix seconds of the last accounting and decision */
    ns_http_t *http;           /* status page and metrics server, NULL without --http */
    double http_started;       /* unix seconds the coordinator started (shown there) */
    double http_published;     /* monotonic seconds of the last snapshot handed to it */
} s_coord_t;

/* ------------------------------------------------------------------ utils */

static double s_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static double s_wall(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void s_task_name(const s_task_t *t, int idx, const s_job_t *j, char *out, size_t cap)
{
    if (t->kind == K_MAP)
        snprintf(out, cap, "m%05d", idx);
    else
        snprintf(out, cap, "r%05d", idx - j->nmaps);
}

static s_job_t *s_find_job(s_coord_t *c, const char *id)
{
    for (int i = 0; i < c->njobs; i++)
        if (!strcmp(c->jobs[i]->id, id))
            return c->jobs[i];
    return NULL;
}

static int s_find_worker(s_coord_t *c, const uint8_t *rid, size_t ridlen)
{
    for (int i = 0; i < c->nworkers; i++)
        if (c->workers[i].ridlen == ridlen && !memcmp(c->workers[i].rid, rid, ridlen))
            return i;
    return -1;
}

static int s_job_done(const s_job_t *j)
{
    return j->state >= J_SUCCEEDED;
}

/* Appends a journal record (not during replay). A journal that cannot be
 * written stops the coordinator: acting on an unrecorded change could lose
 * or duplicate output after a restart. */
static int s_log(s_coord_t *c, const ns_msgb_t *b)
{
    if (c->replaying)
        return 0;
    if (c->failed)
        return -1;
    if (ns_journal_append(c->journal, b, &c->fatal)) {
        ns_error("%s", c->fatal.msg);
        c->failed = 1;
        return -1;
    }
    return 0;
}

static void s_free_task(s_task_t *t)
{
    for (int i = 0; i < t->nsplits; i++)
        free(t->splits[i].uri);
    free(t->splits);
    for (int i = 0; i < t->nouts; i++)
        free(t->outs[i].uri);
    free(t->outs);
    free(t->rejects_uri);
}

static void s_free_job(s_job_t *j)
{
    if (!j)
        return;
    for (int i = 0; i < j->nmaps + j->nreduces; i++)
        s_free_task(&j->tasks[i]);
    free(j->tasks);
    free(j->text);
    free(j->source);
    for (int i = 0; i < j->nvars; i++) {
        free(j->var_names[i]);
        free(j->var_values[i]);
    }
    ns_job_destroy(&j->def);
    free(j);
}

/* ---------------------------------------------------------------- sending */

static void s_send(s_coord_t *c, int widx, ns_msgb_t *b)
{
    if (c->replaying || widx < 0)
        return;
    s_worker_t *w = &c->workers[widx];
    if (ns_zsend(c->router, w->rid, w->ridlen, b) < 0) {
        ns_warn("cannot send to worker %s: %s", w->id, zmq_strerror(errno));
        /* treat as silent: the liveness check will declare it dead */
        w->last_seen = 0;
        return;
    }
    w->last_sent = s_mono();
}

static void s_reply_rid(s_coord_t *c, const uint8_t *rid, size_t ridlen, ns_msgb_t *b)
{
    if (ns_zsend(c->router, rid, ridlen, b) < 0)
        ns_warn("cannot send reply: %s", zmq_strerror(errno));
}

static void s_reply_error(s_coord_t *c, const uint8_t *rid, size_t ridlen, const char *msg)
{
    ns_msgb_t b;
    ns_msgb_init(&b, "REPLY", 2);
    ns_msgb_bool(&b, "ok", false);
    ns_msgb_str(&b, "error", msg);
    s_reply_rid(c, rid, ridlen, &b);
    ns_msgb_free(&b);
}

static void s_send_simple(s_coord_t *c, const uint8_t *rid, size_t ridlen, const char *type)
{
    ns_msgb_t b;
    ns_msgb_init(&b, type, 0);
    s_reply_rid(c, rid, ridlen, &b);
    ns_msgb_free(&b);
}

static void s_send_cancel(s_coord_t *c, s_job_t *j, int tidx, int64_t attempt, int widx)
{
    ns_msgb_t b;
    ns_msgb_init(&b, "CANCEL", 3);
    ns_msgb_str(&b, "job", j->id);
    ns_msgb_int(&b, "task", tidx);
    ns_msgb_int(&b, "attempt", attempt);
    s_send(c, widx, &b);
    ns_msgb_free(&b);
}

/* ------------------------------------------------------------ job records */

static int s_job_from_record(s_coord_t *c, const msgpack_object *r, ns_err_t *err);

/* The JOB record: everything needed to rebuild the job and its map plan. */
static void s_build_job_record(ns_msgb_t *b, const s_job_t *j)
{
    ns_msgb_init_raw(b, 9);
    ns_msgb_str(b, "t", "JOB");
    ns_msgb_double(b, "deadline", j->deadline);
    ns_msgb_str(b, "job", j->id);
    ns_msgb_str(b, "jobdef", j->text);
    ns_msgb_str(b, "source", j->source);
    ns_msgb_str(b, "date", j->date);
    ns_msgb_double(b, "submitted", j->submitted);
    ns_msgb_key(b, "vars");
    msgpack_pack_map(&b->pk, (size_t)j->nvars);
    for (int i = 0; i < j->nvars; i++) {
        ns_mp_str(&b->pk, j->var_names[i]);
        ns_mp_str(&b->pk, j->var_values[i]);
    }
    ns_msgb_key(b, "maps");
    msgpack_pack_array(&b->pk, (size_t)j->nmaps);
    for (int i = 0; i < j->nmaps; i++) {
        const s_task_t *t = &j->tasks[i];
        msgpack_pack_array(&b->pk, (size_t)t->nsplits);
        for (int k = 0; k < t->nsplits; k++)
            ns_split_pack(&b->pk, &t->splits[k]);
    }
}

static int s_parse_def(s_job_t *j, ns_err_t *err)
{
    ns_var_t vars[S_MAX_VARS];
    for (int i = 0; i < j->nvars; i++) {
        vars[i].name = j->var_names[i];
        vars[i].value = j->var_values[i];
    }
    j->def = ns_job_parse(j->text, strlen(j->text), j->source, vars, j->nvars, err);
    if (j->def && (ns_job_apply_storage(j->def, err) || ns_format_check(j->def, err) ||
                   ns_plugin_check(j->def, err)))
        ns_job_destroy(&j->def);
    return j->def ? 0 : -1;
}

static int s_set_vars(s_job_t *j, const msgpack_object *vars, ns_err_t *err)
{
    if (!vars)
        return 0;
    if (vars->type != MSGPACK_OBJECT_MAP)
        return ns_errf(err, "vars is not a map");
    if (vars->via.map.size > S_MAX_VARS - 2)
        return ns_errf(err, "more than %d vars", S_MAX_VARS - 2);
    for (uint32_t i = 0; i < vars->via.map.size; i++) {
        char k[128], v[NS_URI_MAX];
        if (ns_mp_strz(&vars->via.map.ptr[i].key, k, sizeof k) ||
            ns_mp_strz(&vars->via.map.ptr[i].val, v, sizeof v))
            return ns_errf(err, "vars must map short strings to strings");
        if (strlen(k) != vars->via.map.ptr[i].key.via.str.size ||
            strlen(v) != vars->via.map.ptr[i].val.via.str.size) /* docs/SECURITY.md */
            return ns_errf(err, "variable '%s' holds a NUL byte", k);
        j->var_names[j->nvars] = strdup(k);
        j->var_values[j->nvars] = strdup(v);
        j->nvars++;
    }
    return 0;
}

static void s_init_prefix(s_job_t *j)
{
    const char *base = j->def->output_uri;
    size_t n = strlen(base);
    snprintf(j->prefix, sizeof j->prefix, "%s%s%s/", base, n && base[n - 1] == '/' ? "" : "/",
             j->id);
}

static int s_job_from_record(s_coord_t *c, const msgpack_object *r, ns_err_t *err)
{
    s_job_t *j = calloc(1, sizeof *j);
    if (!j)
        return ns_errf(err, "out of memory");
    const char *text;
    size_t tlen;
    char source[512];
    const msgpack_object *maps;
    uint32_t nmaps;
    if (ns_mp_get_strz(r, "job", j->id, sizeof j->id, err) ||
        ns_mp_get_str(r, "jobdef", &text, &tlen, err) ||
        ns_mp_get_strz(r, "source", source, sizeof source, err) ||
        ns_mp_get_strz(r, "date", j->date, sizeof j->date, err) ||
        ns_mp_get_array(r, "maps", &maps, &nmaps, err) ||
        s_set_vars(j, ns_mp_get(r, "vars"), err))
        goto fail;
    const msgpack_object *sub = ns_mp_get(r, "submitted");
    if (sub && sub->type == MSGPACK_OBJECT_FLOAT64)
        j->submitted = sub->via.f64;
    const msgpack_object *dl = ns_mp_get(r, "deadline");
    if (dl && dl->type == MSGPACK_OBJECT_FLOAT64)
        j->deadline = dl->via.f64;
    j->text = strndup(text, tlen);
    j->source = strdup(source);
    if (!j->text || !j->source) {
        ns_errf(err, "out of memory");
        goto fail;
    }
    if (s_parse_def(j, err))
        goto fail;
    j->tasks = calloc(nmaps ? nmaps : 1, sizeof *j->tasks);
    if (!j->tasks) {
        ns_errf(err, "out of memory");
        goto fail;
    }
    for (uint32_t i = 0; i < nmaps; i++) {
        s_task_t *t = &j->tasks[i];
        t->kind = K_MAP;
        t->accepted = -1;
        j->nmaps++;
        if (maps[i].type != MSGPACK_OBJECT_ARRAY) {
            ns_errf(err, "bad map plan");
            goto fail;
        }
        uint32_t ns = maps[i].via.array.size;
        t->splits = calloc(ns ? ns : 1, sizeof *t->splits);
        if (!t->splits) {
            ns_errf(err, "out of memory");
            goto fail;
        }
        for (uint32_t k = 0; k < ns; k++) {
            if (ns_split_unpack(&maps[i].via.array.ptr[k], &t->splits[k])) {
                ns_errf(err, "bad split in map plan");
                goto fail;
            }
            t->nsplits++;
            t->bytes += ns_split_bytes(&t->splits[k]);
        }
    }
    s_init_prefix(j);
    j->state = J_MAP;
    s_job_t **jobs = realloc(c->jobs, (size_t)(c->njobs + 1) * sizeof *jobs);
    if (!jobs) {
        ns_errf(err, "out of memory");
        goto fail;
    }
    c->jobs = jobs;
    c->jobs[c->njobs++] = j;
    return 0;
fail:
    s_free_job(j);
    return -1;
}

/* --------------------------------------------------------- state changes */

static s_task_t *s_task_of(s_coord_t *c, const msgpack_object *r, s_job_t **jp, int *tidx,
                           int64_t *attempt, ns_err_t *err)
{
    char id[NS_PROTO_MAX_ID];
    int64_t task, att;
    if (ns_mp_get_strz(r, "job", id, sizeof id, err) || ns_mp_get_int(r, "task", &task, err) ||
        ns_mp_get_int(r, "attempt", &att, err))
        return NULL;
    s_job_t *j = s_find_job(c, id);
    if (!j) {
        ns_errf(err, "unknown job '%s'", id);
        return NULL;
    }
    if (task < 0 || task >= j->nmaps + j->nreduces) {
        ns_errf(err, "job '%s' has no task %lld", id, (long long)task);
        return NULL;
    }
    *jp = j;
    *tidx = (int)task;
    *attempt = att;
    return &j->tasks[task];
}

static int s_att_index(const s_task_t *t, int64_t attempt)
{
    for (int i = 0; i < t->natt; i++)
        if (t->att[i].id == attempt)
            return i;
    return -1;
}

static void s_drop_att(s_coord_t *c, s_task_t *t, int ai)
{
    int w = t->att[ai].worker;
    if (w >= 0 && w < c->nworkers && c->workers[w].busy > 0)
        c->workers[w].busy--;
    t->att[ai] = t->att[--t->natt];
}

static int s_end_job(s_coord_t *c, s_job_t *j, int state, const char *reason);

static s_pool_t *s_find_pool(s_coord_t *c, const char *name)
{
    for (int i = 0; i < c->npools; i++)
        if (!strcmp(c->pools[i].conf.name, name))
            return &c->pools[i];
    return NULL;
}

/* A finished attempt: its bytes and seconds count toward its pool's
 * observed throughput per worker. */
static void s_observe(s_coord_t *c, int widx, uint64_t bytes, double secs)
{
    if (c->replaying || widx < 0 || widx >= c->nworkers || secs <= 0)
        return;
    s_pool_t *p = s_find_pool(c, c->workers[widx].pool);
    if (p) {
        p->bytes += (double)bytes;
        p->secs += secs;
    }
}

static void s_apply_start(s_coord_t *c, s_job_t *j, s_task_t *t, int64_t attempt, int widx)
{
    if (attempt >= t->next_attempt)
        t->next_attempt = attempt + 1;
    if (t->state == T_DONE || t->natt >= S_MAX_ATT)
        return;
    s_att_t *a = &t->att[t->natt++];
    memset(a, 0, sizeof *a);
    a->id = attempt;
    a->worker = widx;
    a->started = s_mono();
    t->state = T_RUNNING;
    if (attempt > 0)
        j->retries++;
    if (widx >= 0)
        c->workers[widx].busy++;
}

static int s_unpack_outputs(s_task_t *t, const msgpack_object *r, ns_err_t *err)
{
    const msgpack_object *outs;
    uint32_t n;
    if (ns_mp_get_array(r, "outputs", &outs, &n, err))
        return -1;
    t->outs = calloc(n ? n : 1, sizeof *t->outs);
    if (!t->outs)
        return ns_errf(err, "out of memory");
    for (uint32_t i = 0; i < n; i++) {
        s_out_t *o = &t->outs[i];
        char uri[NS_URI_MAX];
        int64_t part, rows, bytes, stored;
        if (ns_mp_get_strz(&outs[i], "uri", uri, sizeof uri, err) ||
            ns_mp_get_int(&outs[i], "partition", &part, err) ||
            ns_mp_get_int(&outs[i], "rows", &rows, err) ||
            ns_mp_get_int(&outs[i], "bytes", &bytes, err) ||
            ns_mp_get_int(&outs[i], "stored", &stored, err))
            return -1;
        o->uri = strdup(uri);
        if (!o->uri)
            return ns_errf(err, "out of memory");
        o->partition = (int)part;
        o->rows = (uint64_t)rows;
        o->bytes = (uint64_t)bytes;
        o->stored = (uint64_t)stored;
        t->nouts++;
    }
    const msgpack_object *cn = ns_mp_get(r, "counters");
    int64_t v;
    if (!ns_mp_get_int(cn, "bytes_in", &v, NULL)) t->bytes_in = (uint64_t)v;
    if (!ns_mp_get_int(cn, "rows_in", &v, NULL)) t->rows_in = (uint64_t)v;
    if (!ns_mp_get_int(cn, "rows_out", &v, NULL)) t->rows_out = (uint64_t)v;
    if (!ns_mp_get_int(cn, "rejects", &v, NULL)) t->rejects = (uint64_t)v;
    if (!ns_mp_get_int(cn, "filtered", &v, NULL)) t->filtered = (uint64_t)v;
    char rej[NS_URI_MAX];
    if (!ns_mp_get_strz(r, "rejects_uri", rej, sizeof rej, NULL) && rej[0])
        t->rejects_uri = strdup(rej);
    return 0;
}

/* Accepts attempt's DONE: the task's outputs become those of this attempt.
 * Other running attempts of the task are told to stop. */
static int s_apply_done(s_coord_t *c, s_job_t *j, int tidx, int64_t attempt,
                        const msgpack_object *r, ns_err_t *err)
{
    s_task_t *t = &j->tasks[tidx];
    if (attempt >= t->next_attempt)
        t->next_attempt = attempt + 1;
    if (s_unpack_outputs(t, r, err))
        return -1;
    t->state = T_DONE;
    t->accepted = attempt;
    int ai = s_att_index(t, attempt);
    if (ai >= 0) {
        int w = t->att[ai].worker;
        t->duration = s_mono() - t->att[ai].started;
        s_observe(c, w, t->bytes, t->duration);
        if (w >= 0 && w < c->nworkers) {
            c->workers[w].fail_streak = c->workers[w].streak_tasks = 0;
            c->workers[w].exclusions = 0;
        }
        s_drop_att(c, t, ai);
    }
    while (t->natt > 0) {
        s_send_cancel(c, j, tidx, t->att[0].id, t->att[0].worker);
        s_drop_att(c, t, 0);
    }
    return 0;
}

static int s_usable(const s_worker_t *w, const char *pool)
{
    return w->alive && !w->preempting && !w->draining && !strcmp(w->pool, pool);
}

/* Does pool have a usable worker that is not excluded? While it does,
 * excluded workers get nothing; when it does not, they are all it has. */
static int s_pool_unexcluded(const s_coord_t *c, const char *pool, double now, int but)
{
    for (int i = 0; i < c->nworkers; i++)
        if (i != but && s_usable(&c->workers[i], pool) && now >= c->workers[i].excluded_until)
            return 1;
    return 0;
}

/* A counted failure on worker widx. S_EXCLUDE_STREAK of them in a row, of
 * more than one task, exclude it from dispatch for a while (a full disk,
 * bad credentials: it fails whatever it gets), unless it is the last
 * usable worker of its pool. A DONE ends the streak. */
static void s_streak(s_coord_t *c, int widx, const s_job_t *j, int tidx, const char *reason)
{
    if (c->replaying || widx < 0 || widx >= c->nworkers)
        return;
    s_worker_t *w = &c->workers[widx];
    if (w->fail_streak == 0 || w->streak_job != j || w->streak_tidx != tidx)
        w->streak_tasks++;
    w->fail_streak++;
    w->streak_job = j;
    w->streak_tidx = tidx;
    if (w->fail_streak < S_EXCLUDE_STREAK || w->streak_tasks < 2 || !w->alive)
        return;
    double now = s_mono();
    if (!s_pool_unexcluded(c, w->pool, now, widx))
        return;
    double len = S_EXCLUDE_S;
    for (int k = 0; k < w->exclusions && len < S_EXCLUDE_MAX_S; k++)
        len *= 2;
    if (len > S_EXCLUDE_MAX_S)
        len = S_EXCLUDE_MAX_S;
    w->excluded_until = now + len;
    w->exclusions++;
    ns_warn("worker %s excluded from dispatch for %.0f s: %d attempts in a row of %d tasks "
            "failed on it; last: %s",
            w->id, len, w->fail_streak, w->streak_tasks, reason);
    w->fail_streak = w->streak_tasks = 0;
}

static int s_failed_on(const s_task_t *t, int widx)
{
    for (int i = 0; i < t->nfailed_on; i++)
        if (t->failed_on[i] == widx)
            return 1;
    return 0;
}

static void s_apply_fail(s_coord_t *c, s_job_t *j, int tidx, int64_t attempt, const char *reason,
                         bool counted)
{
    s_task_t *t = &j->tasks[tidx];
    if (attempt >= t->next_attempt)
        t->next_attempt = attempt + 1;
    int ai = s_att_index(t, attempt);
    if (ai >= 0) {
        int w = t->att[ai].worker;
        if (counted && w >= 0)
            s_streak(c, w, j, tidx, reason);
        if (counted && w >= 0 && !s_failed_on(t, w)) {
            if (t->nfailed_on == S_MAX_AVOID)
                memmove(t->failed_on, t->failed_on + 1, (S_MAX_AVOID - 1) * sizeof *t->failed_on);
            else
                t->nfailed_on++;
            t->failed_on[t->nfailed_on - 1] = w;
        }
        s_drop_att(c, t, ai);
    }
    if (t->state == T_DONE)
        return;
    if (counted) {
        t->failures++;
        snprintf(t->reason, sizeof t->reason, "%s", reason);
    }
    if (t->natt == 0)
        t->state = T_PENDING;
    if (counted && t->failures >= j->def->max_attempts && t->natt == 0 && !s_job_done(j)) {
        char name[16], msg[1024];
        s_task_name(t, tidx, j, name, sizeof name);
        snprintf(msg, sizeof msg, "task %s failed %d times; last: %s", name, t->failures, reason);
        s_end_job(c, j, J_FAILED, msg);
    }
}

static void s_apply_reduce(s_job_t *j, int files)
{
    if (j->nreduces)
        return;
    int r = j->def->slices;
    s_task_t *tasks = realloc(j->tasks, (size_t)(j->nmaps + r) * sizeof *tasks);
    if (!tasks) {
        ns_error("out of memory planning reduces of %s", j->id);
        return;
    }
    j->tasks = tasks;
    memset(&j->tasks[j->nmaps], 0, (size_t)r * sizeof *tasks);
    for (int p = 0; p < r; p++) {
        s_task_t *t = &j->tasks[j->nmaps + p];
        t->kind = K_REDUCE;
        t->partition = p;
        t->accepted = -1;
        for (int m = 0; m < j->nmaps; m++)
            for (int k = 0; k < j->tasks[m].nouts; k++)
                if (j->tasks[m].outs[k].partition == p)
                    t->bytes += j->tasks[m].outs[k].bytes;
    }
    j->nreduces = r;
    j->files_per_slice = files;
    j->state = J_REDUCE;
}

/* A map {spot, on-demand} of two doubles (worker-hours, cost). */
static void s_pack_kinds(ns_msgb_t *b, const char *key, const double v[2])
{
    ns_msgb_key(b, key);
    msgpack_pack_map(&b->pk, 2);
    ns_mp_str(&b->pk, "spot");
    msgpack_pack_double(&b->pk, v[NS_KIND_SPOT]);
    ns_mp_str(&b->pk, "on-demand");
    msgpack_pack_double(&b->pk, v[NS_KIND_ONDEMAND]);
}

static void s_unpack_kinds(const msgpack_object *o, double v[2])
{
    const char *keys[2] = {"spot", "on-demand"};
    for (int k = 0; k < 2; k++) {
        const msgpack_object *x = o && o->type == MSGPACK_OBJECT_MAP ? ns_mp_get(o, keys[k]) : NULL;
        if (x && x->type == MSGPACK_OBJECT_FLOAT64)
            v[k] = x->via.f64;
    }
}

/* ------------------------------------------------------------------ replay */

static int s_replay_record(const ns_msg_t *m, void *arg)
{
    s_coord_t *c = arg;
    ns_err_t err;
    const char *t = m->type;
    if (!strcmp(t, "JOB")) {
        if (s_job_from_record(c, m->root, &err))
            ns_warn("journal: cannot rebuild job: %s", err.msg);
        return 0;
    }
    char id[NS_PROTO_MAX_ID];
    if (ns_mp_get_strz(m->root, "job", id, sizeof id, &err))
        return 0;
    s_job_t *j = s_find_job(c, id);
    if (!j)
        return 0;
    if (!strcmp(t, "END")) {
        int64_t st = J_FAILED;
        ns_mp_get_int(m->root, "state", &st, NULL);
        ns_mp_get_strz(m->root, "reason", j->reason, sizeof j->reason, NULL);
        ns_mp_get_strz(m->root, "manifest", j->manifest, sizeof j->manifest, NULL);
        const msgpack_object *fin = ns_mp_get(m->root, "finished");
        if (fin && fin->type == MSGPACK_OBJECT_FLOAT64)
            j->finished = fin->via.f64;
        s_unpack_kinds(ns_mp_get(m->root, "worker_hours"), j->hours);
        s_unpack_kinds(ns_mp_get(m->root, "cost"), j->cost);
        j->state = (int)st;
        for (int i = 0; i < j->nmaps + j->nreduces; i++)
            j->tasks[i].natt = 0;
        return 0;
    }
    if (!strcmp(t, "SWEPT")) {
        j->swept = 1;
        return 0;
    }
    if (!strcmp(t, "REDUCE")) {
        int64_t files = 1;
        ns_mp_get_int(m->root, "files", &files, NULL);
        s_apply_reduce(j, (int)files);
        return 0;
    }
    int tidx;
    int64_t attempt;
    s_task_t *task = s_task_of(c, m->root, &j, &tidx, &attempt, &err);
    if (!task)
        return 0;
    if (!strcmp(t, "START")) {
        s_apply_start(c, j, task, attempt, -1);
    } else if (!strcmp(t, "DONE")) {
        if (task->state != T_DONE && s_apply_done(c, j, tidx, attempt, m->root, &err))
            ns_warn("journal: bad DONE record: %s", err.msg);
    } else if (!strcmp(t, "FAIL")) {
        char reason[512] = "";
        bool counted = true;
        ns_mp_get_strz(m->root, "reason", reason, sizeof reason, NULL);
        ns_mp_get_bool(m->root, "counted", &counted, NULL);
        s_apply_fail(c, j, tidx, attempt, reason, counted);
    }
    return 0;
}

/* After replay, attempts that were running when the coordinator stopped are
 * lost through no fault of theirs: back to pending, not counted. A late DONE
 * from one of them is still accepted (its attempt number is known). */
static void s_after_replay(s_coord_t *c)
{
    for (int i = 0; i < c->njobs; i++) {
        s_job_t *j = c->jobs[i];
        for (int k = 0; k < j->nmaps + j->nreduces; k++) {
            s_task_t *t = &j->tasks[k];
            t->natt = 0;
            if (t->state == T_RUNNING)
                t->state = T_PENDING;
        }
        if (!s_job_done(j))
            ns_info("recovered job %s in state %s", j->id, s_job_state_names[j->state]);
    }
}

/* ------------------------------------------------------------------ commit */

static void s_fmt_counters(const s_job_t *j, uint64_t *rows_in, uint64_t *rows_out,
                           uint64_t *rejects, uint64_t *filtered, uint64_t *bytes_done)
{
    *rows_in = *rows_out = *rejects = *filtered = *bytes_done = 0;
    for (int i = 0; i < j->nmaps; i++) {
        const s_task_t *t = &j->tasks[i];
        if (t->state == T_DONE) {
            *rows_in += t->rows_in;
            *rejects += t->rejects;
            *filtered += t->filtered;
            *bytes_done += t->bytes;
        } else {
            uint64_t best = 0, bi = 0, br = 0;
            for (int a = 0; a < t->natt; a++)
                if (t->att[a].p_bytes >= best) {
                    best = t->att[a].p_bytes;
                    bi = t->att[a].p_rows_in;
                    br = t->att[a].p_rejects;
                }
            *bytes_done += best < t->bytes ? best : t->bytes;
            *rows_in += bi;
            *rejects += br;
        }
    }
    for (int i = j->nmaps; i < j->nmaps + j->nreduces; i++)
        if (j->tasks[i].state == T_DONE)
            *rows_out += j->tasks[i].rows_out;
}

static int s_json_str(ns_buf_t *b, const char *s)
{
    return ns_buf_append_json(b, s, strlen(s));
}

/* Writes the manifest (Redshift format) naming the accepted load files in
 * slice order, then job.json. Deterministic: a commit repeated after a
 * restart writes the same bytes. */
static int s_write_manifest(s_job_t *j, ns_err_t *err)
{
    ns_buf_t b;
    ns_buf_init(&b, (size_t)1 << 30);
    int rc = ns_buf_append(&b, "{\"entries\":[", 12);
    int first = 1;
    for (int i = j->nmaps; i < j->nmaps + j->nreduces && !rc; i++) {
        const s_task_t *t = &j->tasks[i];
        for (int k = 0; k < t->nouts && !rc; k++) {
            rc |= ns_buf_appendf(&b, "%s\n  {\"url\":", first ? "" : ",");
            rc |= s_json_str(&b, t->outs[k].uri);
            rc |= ns_buf_appendf(&b, ",\"mandatory\":true,\"meta\":{\"content_length\":%llu}}",
                                 (unsigned long long)t->outs[k].stored);
            first = 0;
        }
    }
    rc |= ns_buf_append(&b, "\n]}\n", 4);
    if (rc) {
        ns_buf_free(&b);
        return ns_errf(err, "manifest of job '%s' too large", j->id);
    }
    if (ns_uri_join(j->manifest, j->prefix, "manifest")) {
        ns_buf_free(&b);
        return ns_errf(err, "job prefix '%s' too long", j->prefix);
    }
    rc = ns_store_put(j->manifest, b.data, b.len, err);
    ns_buf_free(&b);
    return rc;
}

/* job.json's keys for the loader (docs/LOADER.md): "columns", the load
 * files' columns with their nightshift types, and "load", the job's
 * output.load. */
static int s_write_load_schema(ns_buf_t *b, const ns_job_t *def, ns_err_t *err)
{
    const char *const *names;
    const ns_coltype_t *types;
    int n;
    if (ns_plugin_load_schema(def, &names, &types, &n, err))
        return -1;
    int rc = ns_buf_appendf(b, ",\"columns\":[");
    for (int i = 0; i < n; i++) {
        rc |= ns_buf_appendf(b, "%s{\"name\":", i ? "," : "");
        rc |= s_json_str(b, names ? names[i] : def->out[i].name);
        if (types[i].type == NS_T_DECIMAL)
            rc |= ns_buf_appendf(b, ",\"type\":\"decimal(18,%d)\"}", types[i].scale);
        else
            rc |= ns_buf_appendf(b, ",\"type\":\"%s\"}", ns_type_name(types[i].type));
    }
    static const char *const modes[] = {"none", "keys", "all"};
    rc |= ns_buf_appendf(b, "],\"load\":{\"replace\":\"%s\",\"keys\":[", modes[def->load_replace]);
    for (int i = 0; i < def->nload_keys; i++) {
        rc |= ns_buf_appendf(b, "%s", i ? "," : "");
        rc |= s_json_str(b, def->load_keys[i]);
    }
    rc |= ns_buf_appendf(b, "]");
    if (def->load_version) {
        rc |= ns_buf_appendf(b, ",\"version\":");
        rc |= s_json_str(b, def->load_version);
    }
    rc |= ns_buf_appendf(b, "}");
    return rc ? -1 : 0;
}

/* job.json of a job that ends in STATE for REASON (written before END is
 * journaled: j->state is still the running one). Out of line, as
 * s_finish_sweep: test_commit_window stops the coordinator at each with a
 * breakpoint, which an inlined copy does not reliably take. */
__attribute__((noinline)) static int s_write_summary(s_job_t *j, int state, const char *reason, ns_err_t *err)
{
    uint64_t rows_in, rows_out, rejects, filtered, bytes_done;
    s_fmt_counters(j, &rows_in, &rows_out, &rejects, &filtered, &bytes_done);
    ns_buf_t b;
    ns_buf_init(&b, (size_t)1 << 30);
    int rc = ns_buf_appendf(&b, "{\"job\":");
    rc |= s_json_str(&b, j->id);
    rc |= ns_buf_appendf(&b, ",\"name\":");
    rc |= s_json_str(&b, j->def->name);
    rc |= ns_buf_appendf(&b, ",\"table\":");
    rc |= s_json_str(&b, j->def->table ? j->def->table : "");
    rc |= ns_buf_appendf(&b, ",\"date\":\"%s\",\"state\":\"%s\",\"reason\":", j->date,
                         s_job_state_names[state]);
    rc |= s_json_str(&b, reason);
    rc |= ns_buf_appendf(&b, ",\"manifest\":");
    rc |= s_json_str(&b, j->manifest);
    if (state == J_SUCCEEDED) {
        /* when the run committed, for readers that want the newest runs
         * (nightshift external register --since) */
        char when[32];
        ns_catalog_time(s_wall(), when);
        rc |= ns_buf_appendf(&b, ",\"committed\":\"%s\"", when);
    }
    rc |= ns_buf_appendf(&b,
                         ",\"rows_in\":%llu,\"rows_out\":%llu,\"rejects\":%llu,\"filtered\":%llu,"
                         "\"maps\":%d,\"reduces\":%d,\"files_per_slice\":%d",
                         (unsigned long long)rows_in, (unsigned long long)rows_out,
                         (unsigned long long)rejects, (unsigned long long)filtered, j->nmaps,
                         j->nreduces, j->files_per_slice);
    rc |= ns_buf_appendf(&b, ",\"pool\":");
    rc |= s_json_str(&b, j->def->pool);
    rc |= ns_buf_appendf(&b,
                         ",\"deadline\":%.3f,\"finished\":%.3f,\"worker_hours\":{\"spot\":%.6f,"
                         "\"on-demand\":%.6f},\"cost\":{\"spot\":%.6f,\"on-demand\":%.6f}",
                         j->deadline, j->finished, j->hours[NS_KIND_SPOT],
                         j->hours[NS_KIND_ONDEMAND], j->cost[NS_KIND_SPOT],
                         j->cost[NS_KIND_ONDEMAND]);
    rc |= s_write_load_schema(&b, j->def, err);
    rc |= ns_buf_appendf(&b, ",\"rejects_files\":[");
    int first = 1;
    for (int i = 0; i < j->nmaps; i++)
        if (j->tasks[i].state == T_DONE && j->tasks[i].rejects_uri) {
            if (!first)
                rc |= ns_buf_append(&b, ",", 1);
            rc |= s_json_str(&b, j->tasks[i].rejects_uri);
            first = 0;
        }
    rc |= ns_buf_appendf(&b, "]}\n");
    if (rc) {
        ns_buf_free(&b);
        return ns_errf(err, "summary of job '%s' too large", j->id);
    }
    char uri[NS_URI_MAX];
    if (ns_uri_join(uri, j->prefix, "job.json")) {
        ns_buf_free(&b);
        return ns_errf(err, "job prefix '%s' too long", j->prefix);
    }
    rc = ns_store_put(uri, b.data, b.len, err);
    ns_buf_free(&b);
    return rc;
}

typedef struct {
    s_job_t *job;
    char **del;   /* URIs to delete */
    int ndel, cap;
    int keep_outputs; /* keep accepted load files and rejects */
} s_sweep_t;

static int s_keep(const s_sweep_t *s, const char *uri)
{
    const s_job_t *j = s->job;
    size_t pl = strlen(j->prefix);
    if (!strcmp(uri + pl, "job.json"))
        return 1;
    if (!s->keep_outputs)
        return 0;
    if (!strcmp(uri + pl, "manifest"))
        return 1;
    for (int i = 0; i < j->nmaps + j->nreduces; i++) {
        const s_task_t *t = &j->tasks[i];
        if (t->state != T_DONE)
            continue;
        if (t->rejects_uri && !strcmp(t->rejects_uri, uri))
            return 1;
        if (t->kind == K_REDUCE)
            for (int k = 0; k < t->nouts; k++)
                if (!strcmp(t->outs[k].uri, uri))
                    return 1;
    }
    return 0;
}

static int s_sweep_fn(const ns_object_t *o, void *arg)
{
    s_sweep_t *s = arg;
    if (strncmp(o->uri, s->job->prefix, strlen(s->job->prefix)) || s_keep(s, o->uri))
        return 0;
    if (s->ndel == s->cap) {
        int ncap = s->cap ? s->cap * 2 : 64;
        char **d = realloc(s->del, (size_t)ncap * sizeof *d);
        if (!d)
            return 1;
        s->del = d;
        s->cap = ncap;
    }
    s->del[s->ndel] = strdup(o->uri);
    if (s->del[s->ndel])
        s->ndel++;
    return 0;
}

/* Deletes every object under the job's prefix that the committed job does
 * not name (or, for a failed job, everything but job.json); -1 when some
 * may be left. */
static int s_sweep(s_job_t *j, int keep_outputs)
{
    s_sweep_t s = {.job = j, .keep_outputs = keep_outputs};
    ns_err_t err;
    int rc = 0;
    if (ns_store_list(j->prefix, s_sweep_fn, &s, &err) < 0) {
        ns_warn("job %s: cannot list '%s' for cleanup: %s", j->id, j->prefix, err.msg);
        rc = -1;
    }
    long failed = s.ndel ? ns_store_delete_many(s.del, s.ndel, &err) : 0;
    for (int i = 0; i < s.ndel; i++)
        free(s.del[i]);
    free(s.del);
    if (failed) {
        ns_warn("job %s: %ld of %d objects not cleaned up: %s", j->id, failed, s.ndel, err.msg);
        rc = -1;
    }
    ns_info("job %s: cleaned up %ld objects", j->id, s.ndel - failed);
    return rc;
}

#define S_SWEEP_RETRY 60.0 /* seconds between cleanup tries of an ended job */

/* Cleans up an ended job's prefix and journals SWEPT once it is clean. A
 * job that ended while the coordinator died before this, or whose cleanup
 * failed (the store unreachable), is tried again from s_tick. */
__attribute__((noinline)) static void s_finish_sweep(s_coord_t *c, s_job_t *j)
{
    if (s_sweep(j, j->state == J_SUCCEEDED)) {
        j->sweep_at = s_mono() + S_SWEEP_RETRY;
        return;
    }
    ns_msgb_t b;
    ns_msgb_init_raw(&b, 2);
    ns_msgb_str(&b, "t", "SWEPT");
    ns_msgb_str(&b, "job", j->id);
    if (!s_log(c, &b))
        j->swept = 1;
    ns_msgb_free(&b);
}

/* Ends a job: job.json first (a restart before END runs the commit again
 * and rewrites it; written after END, a restart in between would never
 * write it and the run could not be loaded), then END, then the cleanup.
 * -1 when the job did not end: a succeeded job's job.json could not be
 * written (s_commit tries again next tick) or the journal failed. */
static int s_end_job(s_coord_t *c, s_job_t *j, int state, const char *reason)
{
    if (s_job_done(j))
        return 0;
    if (!reason)
        reason = "";
    j->finished = s_wall();
    if (!c->replaying) {
        ns_err_t err;
        if (s_write_summary(j, state, reason, &err)) {
            ns_warn("job %s: cannot write job.json: %s", j->id, err.msg);
            if (state == J_SUCCEEDED)
                return -1;
        }
    }
    ns_msgb_t b;
    ns_msgb_init_raw(&b, 8);
    ns_msgb_str(&b, "t", "END");
    ns_msgb_str(&b, "job", j->id);
    s_pack_kinds(&b, "worker_hours", j->hours);
    s_pack_kinds(&b, "cost", j->cost);
    ns_msgb_int(&b, "state", state);
    ns_msgb_str(&b, "reason", reason);
    ns_msgb_str(&b, "manifest", j->manifest);
    ns_msgb_double(&b, "finished", j->finished);
    int rc = s_log(c, &b);
    ns_msgb_free(&b);
    if (rc)
        return -1;
    j->state = state;
    snprintf(j->reason, sizeof j->reason, "%s", reason);
    for (int i = 0; i < j->nmaps + j->nreduces; i++) {
        s_task_t *t = &j->tasks[i];
        while (t->natt > 0) {
            s_send_cancel(c, j, i, t->att[0].id, t->att[0].worker);
            s_drop_att(c, t, 0);
        }
    }
    if (state == J_SUCCEEDED)
        ns_info("job %s succeeded: manifest %s", j->id, j->manifest);
    else
        ns_warn("job %s %s: %s", j->id, s_job_state_names[state], j->reason);
    if (!c->replaying)
        s_finish_sweep(c, j);
    return 0;
}

/* Registers the committed run in the catalog (docs/CATALOG.md): its output
 * table's columns and keys, and a partition naming the manifest and load
 * files. Before END is journaled, so a restart registers again (an equal
 * partition replaces this one). A failure is a warning: the job's output
 * is complete without it. */
static void s_register(s_coord_t *c, s_job_t *j)
{
    const char *cat = c->o->catalog;
    if (!cat || !*cat || !strcmp(cat, "none"))
        return;
    int n = 0;
    for (int i = j->nmaps; i < j->nmaps + j->nreduces; i++)
        n += j->tasks[i].nouts;
    ns_catalog_file_t *files = calloc((size_t)(n ? n : 1), sizeof *files);
    ns_err_t err;
    if (!files) {
        ns_warn("job %s: cannot register in the catalog: out of memory", j->id);
        return;
    }
    n = 0;
    for (int i = j->nmaps; i < j->nmaps + j->nreduces; i++)
        for (int k = 0; k < j->tasks[i].nouts; k++) {
            const s_out_t *o = &j->tasks[i].outs[k];
            files[n++] = (ns_catalog_file_t){o->uri, o->rows, o->bytes, o->stored};
        }
    ns_catalog_run_t run = {.job = j->def, .job_id = j->id, .date = j->date, .prefix = j->prefix,
                            .manifest = j->manifest, .files = files, .nfiles = n,
                            .committed = s_wall()};
    /* a plugin may write its own columns */
    if (ns_plugin_load_schema(j->def, &run.col_names, &run.col_types, &run.ncols, &err)) {
        ns_warn("job %s: cannot register in the catalog: %s", j->id, err.msg);
        free(files);
        return;
    }
    if (ns_catalog_register(cat, &run, &err))
        ns_warn("job %s: %s (the job succeeds without it)", j->id, err.msg);
    else
        ns_info("job %s: registered table '%s' in the catalog %s", j->id, j->def->table, cat);
    free(files);
}

/* An incremental job's committed run: its input objects go into the job's
 * bookmark, so the next run skips them (docs/BOOKMARKS.md). Before END is
 * journaled, so a restart records them again (the same lines). A failure
 * is a warning: the output is complete, but the next run will read these
 * objects again. */
static void s_bookmark(s_coord_t *c, s_job_t *j)
{
    const char *cat = c->o->catalog;
    if (!j->def->bookmark)
        return;
    if (!cat || !*cat || !strcmp(cat, "none")) {
        ns_warn("job %s: bookmark: true, but the coordinator has no catalog to keep it in", j->id);
        return;
    }
    ns_bookmark_t b;
    ns_err_t err;
    if (ns_bookmark_load(cat, j->def->name, &b, &err)) {
        ns_warn("job %s: cannot update the bookmark: %s (the next run reads these objects again)",
                j->id, err.msg);
        return;
    }
    int n = 0, rc = 0;
    for (int i = 0; i < j->nmaps && !rc; i++)
        for (int k = 0; k < j->tasks[i].nsplits && !rc; k++) {
            const ns_split_t *sp = &j->tasks[i].splits[k];
            rc = ns_bookmark_add(&b, sp->uri, sp->etag, sp->size, j->date, j->id);
            n++;
        }
    if (rc)
        ns_errf(&err, "out of memory");
    if (rc || ns_bookmark_save(cat, j->def->name, &b, &err))
        ns_warn("job %s: cannot update the bookmark: %s (the next run reads these objects again)",
                j->id, err.msg);
    else
        ns_info("job %s: bookmark of '%s' now holds %d objects", j->id, j->def->name, b.n);
    ns_bookmark_free(&b);
}

static void s_commit(s_coord_t *c, s_job_t *j)
{
    ns_err_t err;
    j->state = J_COMMITTING;
    if (s_write_manifest(j, &err)) {
        /* The store may be briefly unavailable: try again next tick. */
        ns_warn("job %s: cannot write manifest: %s", j->id, err.msg);
        return;
    }
    s_bookmark(c, j);
    s_register(c, j);
    s_end_job(c, j, J_SUCCEEDED, "");
}

/* ---------------------------------------------------------------- phases */

static int s_check_budget(s_coord_t *c, s_job_t *j)
{
    uint64_t rows_in, rows_out, rejects, filtered, bytes_done;
    s_fmt_counters(j, &rows_in, &rows_out, &rejects, &filtered, &bytes_done);
    uint64_t done_rejects = 0, done_rows = 0;
    for (int i = 0; i < j->nmaps; i++)
        if (j->tasks[i].state == T_DONE) {
            done_rejects += j->tasks[i].rejects;
            done_rows += j->tasks[i].rows_in;
        }
    char msg[512];
    if (done_rejects > j->def->max_rejects) {
        snprintf(msg, sizeof msg, "error budget exceeded: %llu rejects > max_rejects %llu",
                 (unsigned long long)done_rejects, (unsigned long long)j->def->max_rejects);
        s_end_job(c, j, J_FAILED, msg);
        return -1;
    }
    int maps_done = 1;
    for (int i = 0; i < j->nmaps; i++)
        maps_done &= j->tasks[i].state == T_DONE;
    if (maps_done && done_rows > 0 &&
        (double)done_rejects / (double)done_rows > j->def->max_reject_fraction) {
        snprintf(msg, sizeof msg,
                 "error budget exceeded: %llu rejects of %llu records (%.4f%%) > max_fraction %g",
                 (unsigned long long)done_rejects, (unsigned long long)done_rows,
                 100.0 * (double)done_rejects / (double)done_rows, j->def->max_reject_fraction);
        s_end_job(c, j, J_FAILED, msg);
        return -1;
    }
    return 0;
}

static void s_advance(s_coord_t *c, s_job_t *j)
{
    if (s_job_done(j))
        return;
    if (j->state == J_MAP) {
        for (int i = 0; i < j->nmaps; i++)
            if (j->tasks[i].state != T_DONE)
                return;
        if (s_check_budget(c, j))
            return;
        uint64_t per[NS_MAX_COLUMNS] = {0};
        int r = j->def->slices;
        uint64_t maxb = 0;
        for (int i = 0; i < j->nmaps; i++)
            for (int k = 0; k < j->tasks[i].nouts; k++) {
                int p = j->tasks[i].outs[k].partition;
                if (p >= 0 && p < r && p < NS_MAX_COLUMNS)
                    per[p] += j->tasks[i].outs[k].bytes;
            }
        for (int p = 0; p < r && p < NS_MAX_COLUMNS; p++)
            if (per[p] > maxb)
                maxb = per[p];
        uint64_t target = j->def->target_file_bytes ? j->def->target_file_bytes : 1;
        int files = (int)((maxb + target - 1) / target);
        if (files < 1)
            files = 1;
        ns_msgb_t b;
        ns_msgb_init_raw(&b, 3);
        ns_msgb_str(&b, "t", "REDUCE");
        ns_msgb_str(&b, "job", j->id);
        ns_msgb_int(&b, "files", files);
        int rc = s_log(c, &b);
        ns_msgb_free(&b);
        if (rc)
            return;
        s_apply_reduce(j, files);
        ns_info("job %s: maps done, %d reduce tasks writing %d files each", j->id, r, files);
    }
    if (j->state == J_REDUCE || j->state == J_COMMITTING) {
        for (int i = j->nmaps; i < j->nmaps + j->nreduces; i++)
            if (j->tasks[i].state != T_DONE)
                return;
        s_commit(c, j);
    }
}

/* --------------------------------------------------------------- dispatch */

static void s_pack_vars(ns_msgb_t *b, const s_job_t *j)
{
    ns_msgb_key(b, "vars");
    msgpack_pack_map(&b->pk, (size_t)j->nvars);
    for (int i = 0; i < j->nvars; i++) {
        ns_mp_str(&b->pk, j->var_names[i]);
        ns_mp_str(&b->pk, j->var_values[i]);
    }
}

static void s_build_task(ns_msgb_t *b, const s_job_t *j, int tidx, int64_t attempt)
{
    const s_task_t *t = &j->tasks[tidx];
    int extra = t->kind == K_MAP ? 1 : 4;
    ns_msgb_init(b, "TASK", 10 + (uint32_t)extra);
    ns_msgb_str(b, "job", j->id);
    ns_msgb_int(b, "task", tidx);
    ns_msgb_int(b, "attempt", attempt);
    ns_msgb_str(b, "kind", t->kind == K_MAP ? "map" : "reduce");
    ns_msgb_str(b, "jobdef", j->text);
    ns_msgb_str(b, "source", j->source);
    ns_msgb_str(b, "date", j->date);
    s_pack_vars(b, j);
    ns_msgb_str(b, "prefix", j->prefix);
    ns_msgb_int(b, "partitions", j->def->slices);
    if (t->kind == K_MAP) {
        ns_msgb_key(b, "inputs");
        msgpack_pack_array(&b->pk, (size_t)t->nsplits);
        for (int k = 0; k < t->nsplits; k++)
            ns_split_pack(&b->pk, &t->splits[k]);
        return;
    }
    ns_msgb_int(b, "partition", t->partition);
    ns_msgb_int(b, "files", j->files_per_slice);
    ns_msgb_int(b, "in_bytes", (int64_t)t->bytes);
    int nruns = 0;
    for (int m = 0; m < j->nmaps; m++)
        for (int k = 0; k < j->tasks[m].nouts; k++)
            nruns += j->tasks[m].outs[k].partition == t->partition;
    ns_msgb_key(b, "runs");
    msgpack_pack_array(&b->pk, (size_t)nruns);
    for (int m = 0; m < j->nmaps; m++)
        for (int k = 0; k < j->tasks[m].nouts; k++)
            if (j->tasks[m].outs[k].partition == t->partition)
                ns_mp_str(&b->pk, j->tasks[m].outs[k].uri);
}

static int s_start_attempt(s_coord_t *c, s_job_t *j, int tidx, int widx, int speculative)
{
    s_task_t *t = &j->tasks[tidx];
    int64_t attempt = t->next_attempt;
    ns_msgb_t b;
    ns_msgb_init_raw(&b, 5);
    ns_msgb_str(&b, "t", "START");
    ns_msgb_str(&b, "job", j->id);
    ns_msgb_int(&b, "task", tidx);
    ns_msgb_int(&b, "attempt", attempt);
    ns_msgb_str(&b, "worker", c->workers[widx].id);
    int rc = s_log(c, &b);
    ns_msgb_free(&b);
    if (rc)
        return -1;
    s_apply_start(c, j, t, attempt, widx);
    if (speculative)
        j->speculative++;
    s_build_task(&b, j, tidx, attempt);
    s_send(c, widx, &b);
    ns_msgb_free(&b);
    char name[16];
    s_task_name(t, tidx, j, name, sizeof name);
    ns_info("job %s: %s%s attempt %lld -> worker %s", j->id, name,
            speculative ? " (speculative)" : "", (long long)attempt, c->workers[widx].id);
    return 0;
}

/* Worker choice for a task. AVOID_RUNNING: not a worker running an attempt
 * of it (speculation). AVOID_FAILED: not a worker it failed on (retries). */
enum { AVOID_NONE = 0, AVOID_RUNNING = 1, AVOID_FAILED = 2 };

/* Can worker w take tasks of pool now? honor: skip it while excluded. */
static int s_takes_tasks(const s_worker_t *w, const char *pool, double now, int honor)
{
    return s_usable(w, pool) && !(honor && now < w->excluded_until);
}

static int s_free_worker(s_coord_t *c, const char *pool, int avoid, const s_task_t *t)
{
    int best = -1;
    double now = s_mono();
    int honor = s_pool_unexcluded(c, pool, now, -1);
    for (int i = 0; i < c->nworkers; i++) {
        s_worker_t *w = &c->workers[i];
        if (!s_takes_tasks(w, pool, now, honor) || w->busy >= w->slots)
            continue;
        if (avoid == AVOID_RUNNING) {
            int same = 0;
            for (int a = 0; a < t->natt; a++)
                same |= t->att[a].worker == i;
            if (same)
                continue;
        }
        if (avoid == AVOID_FAILED && s_failed_on(t, i))
            continue;
        if (best < 0 || w->busy < c->workers[best].busy)
            best = i;
    }
    return best;
}

/* The worker a pending task's next attempt goes to: one it has not failed
 * on. When none of those is free but one is in the pool, the task waits
 * for it (-2): a broken worker (full disk, bad credentials) fails fast and
 * would otherwise be the free one each time and take every retry. Only
 * when every worker of the pool has failed it may one of them retry it. */
static int s_worker_for(s_coord_t *c, const char *pool, const s_task_t *t)
{
    if (t->nfailed_on == 0)
        return s_free_worker(c, pool, AVOID_NONE, t);
    int w = s_free_worker(c, pool, AVOID_FAILED, t);
    if (w >= 0)
        return w;
    double now = s_mono();
    int honor = s_pool_unexcluded(c, pool, now, -1);
    for (int i = 0; i < c->nworkers; i++)
        if (s_takes_tasks(&c->workers[i], pool, now, honor) && !s_failed_on(t, i))
            return -2;
    return s_free_worker(c, pool, AVOID_NONE, t);
}

static double s_median_duration(const s_job_t *j, int kind)
{
    double d[4096];
    int n = 0;
    for (int i = 0; i < j->nmaps + j->nreduces && n < 4096; i++)
        if (j->tasks[i].kind == kind && j->tasks[i].state == T_DONE && j->tasks[i].duration > 0)
            d[n++] = j->tasks[i].duration;
    if (n == 0)
        return 0;
    for (int i = 1; i < n; i++)
        for (int k = i; k > 0 && d[k - 1] > d[k]; k--) {
            double x = d[k];
            d[k] = d[k - 1];
            d[k - 1] = x;
        }
    return d[n / 2];
}

static void s_dispatch(s_coord_t *c)
{
    for (int ji = 0; ji < c->njobs; ji++) {
        s_job_t *j = c->jobs[ji];
        if (j->state != J_MAP && j->state != J_REDUCE)
            continue;
        int lo = j->state == J_MAP ? 0 : j->nmaps;
        int hi = j->state == J_MAP ? j->nmaps : j->nmaps + j->nreduces;
        int pending = 0;
        for (int i = lo; i < hi && !c->failed; i++) {
            s_task_t *t = &j->tasks[i];
            if (t->state != T_PENDING)
                continue;
            int w = s_worker_for(c, j->def->pool, t);
            if (w == -2) {
                pending = 1;
                continue; /* waits for a worker it has not failed on */
            }
            if (w < 0) {
                pending = 1;
                break;
            }
            s_start_attempt(c, j, i, w, 0);
        }
        if (pending || c->o->speculate_factor <= 0)
            continue;
        /* Speculation: a straggler gets a second attempt on another worker. */
        int kind = j->state == J_MAP ? K_MAP : K_REDUCE;
        double med = s_median_duration(j, kind);
        if (med <= 0)
            continue;
        double now = s_mono();
        for (int i = lo; i < hi; i++) {
            s_task_t *t = &j->tasks[i];
            if (t->state != T_RUNNING || t->natt != 1)
                continue;
            double ran = now - t->att[0].started;
            if (ran < c->o->speculate_factor * med || ran * 1000 < c->o->speculate_min_ms)
                continue;
            int w = s_free_worker(c, j->def->pool, AVOID_RUNNING, t);
            if (w < 0)
                break;
            s_start_attempt(c, j, i, w, 1);
        }
    }
}

/* ---------------------------------------------------------------- workers */

/* Journals and applies the failure of one attempt. */
static int s_log_fail(s_coord_t *c, s_job_t *j, int tidx, int64_t attempt, const char *reason,
                      bool counted)
{
    ns_msgb_t b;
    ns_msgb_init_raw(&b, 6);
    ns_msgb_str(&b, "t", "FAIL");
    ns_msgb_str(&b, "job", j->id);
    ns_msgb_int(&b, "task", tidx);
    ns_msgb_int(&b, "attempt", attempt);
    ns_msgb_str(&b, "reason", reason);
    ns_msgb_bool(&b, "counted", counted);
    int rc = s_log(c, &b);
    ns_msgb_free(&b);
    if (rc)
        return -1;
    s_apply_fail(c, j, tidx, attempt, reason, counted);
    return 0;
}

/* Fails every attempt worker widx runs with reason (counted against its
 * task or not); returns how many, or -1 when the journal cannot record it. */
static int s_fail_attempts_of(s_coord_t *c, int widx, const char *reason, bool counted)
{
    int n = 0;
    for (int ji = 0; ji < c->njobs; ji++) {
        s_job_t *j = c->jobs[ji];
        for (int i = 0; i < j->nmaps + j->nreduces; i++) {
            s_task_t *t = &j->tasks[i];
            for (int a = t->natt - 1; a >= 0; a--) {
                if (t->att[a].worker != widx)
                    continue;
                if (s_log_fail(c, j, i, t->att[a].id, reason, counted))
                    return -1;
                n++;
            }
        }
    }
    return n;
}

static void s_lose_worker(s_coord_t *c, int widx, const char *why)
{
    s_worker_t *w = &c->workers[widx];
    if (!w->alive)
        return;
    w->alive = 0;
    ns_warn("worker %s lost: %s", w->id, why);
    char reason[512];
    snprintf(reason, sizeof reason, "worker %s lost (%s)", w->id, why);
    if (s_fail_attempts_of(c, widx, reason, true) < 0)
        return;
    w->busy = 0;
}

/* One [job, task, attempt] entry of a READY's running list. */
static int s_running_entry(const msgpack_object *e, char id[NS_PROTO_MAX_ID], int64_t *task,
                           int64_t *attempt)
{
    if (e->type != MSGPACK_OBJECT_ARRAY || e->via.array.size != 3 ||
        ns_mp_strz(&e->via.array.ptr[0], id, NS_PROTO_MAX_ID) ||
        ns_mp_int(&e->via.array.ptr[1], task) || ns_mp_int(&e->via.array.ptr[2], attempt))
        return -1;
    return 0;
}

/* Does a READY's running list hold [job, task, attempt]? */
static int s_reports(const msgpack_object *running, const char *job, int task, int64_t attempt);

/* Attempts we track on a worker; *listed: how many of them running lists. */
static int s_attempts_on(s_coord_t *c, int widx, const msgpack_object *running, int *listed)
{
    int mine = 0;
    *listed = 0;
    for (int ji = 0; ji < c->njobs; ji++) {
        s_job_t *j = c->jobs[ji];
        for (int i = 0; i < j->nmaps + j->nreduces; i++)
            for (int a = 0; a < j->tasks[i].natt; a++)
                if (j->tasks[i].att[a].worker == widx) {
                    mine++;
                    *listed += s_reports(running, j->id, i, j->tasks[i].att[a].id);
                }
    }
    return mine;
}

/* Does a READY's running list hold [job, task, attempt]? */
static int s_reports(const msgpack_object *running, const char *job, int task, int64_t attempt)
{
    if (!running)
        return 0;
    for (uint32_t i = 0; i < running->via.array.size; i++) {
        char id[NS_PROTO_MAX_ID];
        int64_t tk, at;
        if (s_running_entry(&running->via.array.ptr[i], id, &tk, &at))
            continue;
        if (tk == task && at == attempt && !strcmp(id, job))
            return 1;
    }
    return 0;
}

/* A worker that (re)joins while running attempts this coordinator started
 * before a restart: a pending task whose journaled attempt is still running
 * is adopted instead of being started again. */
static void s_adopt(s_coord_t *c, int widx, const msgpack_object *running)
{
    if (!running)
        return;
    /* every attempt it runs takes a slot, adopted or not */
    c->workers[widx].foreign = (int)running->via.array.size;
    c->workers[widx].busy += (int)running->via.array.size;
    for (uint32_t i = 0; i < running->via.array.size; i++) {
        char id[NS_PROTO_MAX_ID];
        int64_t tk, at;
        if (s_running_entry(&running->via.array.ptr[i], id, &tk, &at))
            continue;
        s_job_t *j = s_find_job(c, id);
        if (!j || s_job_done(j) || tk < 0 || tk >= j->nmaps + j->nreduces)
            continue;
        s_task_t *t = &j->tasks[tk];
        if (t->state != T_PENDING || at < 0 || at >= t->next_attempt || s_att_index(t, at) >= 0)
            continue;
        c->workers[widx].foreign--;
        c->workers[widx].busy--; /* s_apply_start counts it again */
        s_apply_start(c, j, t, at, widx);
        j->retries -= at > 0; /* not a new attempt */
        ns_info("job %s: task %lld attempt %lld adopted from worker %s", j->id, (long long)tk,
                (long long)at, c->workers[widx].id);
    }
}

static void s_on_ready(s_coord_t *c, const uint8_t *rid, size_t ridlen, const ns_msg_t *m)
{
    ns_err_t err;
    char id[NS_PROTO_MAX_ID], pool[64], cap[16];
    int64_t slots, memory;
    if (ns_mp_get_strz(m->root, "worker", id, sizeof id, &err) ||
        ns_mp_get_strz(m->root, "pool", pool, sizeof pool, &err) ||
        ns_mp_get_strz(m->root, "capacity", cap, sizeof cap, &err) ||
        ns_mp_get_int(m->root, "slots", &slots, &err) ||
        ns_mp_get_int(m->root, "memory", &memory, &err) || slots < 1 || slots > 256) {
        ns_warn("dropping malformed READY: %s", err.msg);
        return;
    }
    const msgpack_object *running = ns_mp_get(m->root, "running");
    if (running && running->type != MSGPACK_OBJECT_ARRAY)
        running = NULL;
    int64_t session = 0;
    ns_mp_get_int(m->root, "session", &session, NULL);
    int widx = s_find_worker(c, rid, ridlen);
    if (widx >= 0 && c->workers[widx].alive && c->workers[widx].session != session)
        s_lose_worker(c, widx, "worker restarted"); /* same id, new process: its attempts are gone */
    if (widx >= 0 && c->workers[widx].alive) {
        /* READY again from the same process (it heard nothing for a while,
         * or we said RESET): its threads kept running, so the attempts we
         * gave it are still its own even when its list misses them (a TASK
         * in flight while it wrote the READY); their DONE or FAILED will
         * come. Only the slot count is brought up to date. */
        s_worker_t *w = &c->workers[widx];
        int tracked = 0;
        w->busy = s_attempts_on(c, widx, running, &tracked);
        int reported = running ? (int)running->via.array.size : 0;
        w->foreign = reported > tracked ? reported - tracked : 0;
        w->busy += w->foreign;
        w->last_seen = s_mono();
        return;
    }
    if (widx < 0) {
        s_worker_t *ws = realloc(c->workers, (size_t)(c->nworkers + 1) * sizeof *ws);
        if (!ws)
            return;
        c->workers = ws;
        widx = c->nworkers++;
    }
    s_worker_t *w = &c->workers[widx];
    memset(w, 0, sizeof *w);
    memcpy(w->rid, rid, ridlen);
    w->ridlen = ridlen;
    snprintf(w->id, sizeof w->id, "%s", id);
    snprintf(w->pool, sizeof w->pool, "%s", pool);
    snprintf(w->capacity, sizeof w->capacity, "%s", cap);
    w->slots = (int)slots;
    w->memory = memory;
    w->session = session;
    w->alive = 1;
    w->last_seen = s_mono();
    w->kind = strcmp(cap, "spot") ? NS_KIND_ONDEMAND : NS_KIND_SPOT;
    const s_pool_t *pc = s_find_pool(c, pool);
    w->price = pc ? (w->kind == NS_KIND_SPOT ? pc->conf.spot_price : pc->conf.ondemand_price) : 0;
    const msgpack_object *price = ns_mp_get(m->root, "price_per_hour");
    if (price && price->type == MSGPACK_OBJECT_FLOAT64 && price->via.f64 >= 0)
        w->price = price->via.f64;
    else if (price && price->type == MSGPACK_OBJECT_POSITIVE_INTEGER)
        w->price = (double)price->via.u64;
    if (c->driver)
        ns_driver_joined(c->driver, w->id, w->pool, w->kind, s_wall());
    ns_info("worker %s ready: pool %s, %s, %d slots, %.4g per hour", w->id, w->pool, w->capacity,
            w->slots, w->price);
    s_adopt(c, widx, running);
}

/* Deletes the outputs a DONE lists (a losing attempt that finished after
 * the winner: the job's sweep may already have run). Only objects under the
 * job's prefix are touched. */
static void s_delete_outputs(const msgpack_object *r, const s_job_t *j)
{
    const msgpack_object *outs;
    uint32_t n;
    if (ns_mp_get_array(r, "outputs", &outs, &n, NULL))
        return;
    size_t pl = strlen(j->prefix);
    for (uint32_t i = 0; i < n; i++) {
        char uri[NS_URI_MAX];
        ns_err_t err;
        if (ns_mp_get_strz(&outs[i], "uri", uri, sizeof uri, NULL) || strncmp(uri, j->prefix, pl))
            continue;
        if (ns_store_delete(uri, &err))
            ns_warn("job %s: %s", j->id, err.msg);
    }
    char rej[NS_URI_MAX];
    ns_err_t err;
    if (!ns_mp_get_strz(r, "rejects_uri", rej, sizeof rej, NULL) && rej[0] &&
        !strncmp(rej, j->prefix, pl) && ns_store_delete(rej, &err))
        ns_warn("job %s: %s", j->id, err.msg);
}

static void s_on_done(s_coord_t *c, const ns_msg_t *m, const void *raw, size_t rawlen)
{
    ns_err_t err;
    s_job_t *j;
    int tidx;
    int64_t attempt;
    s_task_t *t = s_task_of(c, m->root, &j, &tidx, &attempt, &err);
    if (!t) {
        ns_warn("dropping DONE: %s", err.msg);
        return;
    }
    char name[16];
    s_task_name(t, tidx, j, name, sizeof name);
    if (s_job_done(j) || t->state == T_DONE) {
        ns_info("job %s: %s attempt %lld finished after the task was done; ignored", j->id, name,
                (long long)attempt);
        int ai = s_att_index(t, attempt);
        if (ai >= 0)
            s_drop_att(c, t, ai);
        if (attempt != t->accepted)
            s_delete_outputs(m->root, j);
        return;
    }
    if (attempt < 0 || attempt >= t->next_attempt) {
        ns_warn("job %s: DONE for unknown attempt %lld of %s dropped", j->id, (long long)attempt,
                name);
        return;
    }
    /* Validate before journaling: a record replay would reject must not be
     * written. */
    s_task_t probe = {0};
    if (s_unpack_outputs(&probe, m->root, &err)) {
        s_free_task(&probe);
        ns_warn("job %s: malformed DONE for %s dropped: %s", j->id, name, err.msg);
        return;
    }
    s_free_task(&probe);
    ns_msgb_t b;
    msgpack_sbuffer_init(&b.sb);
    msgpack_sbuffer_write(&b.sb, raw, rawlen);
    int rc = s_log(c, &b);
    ns_msgb_free(&b);
    if (rc)
        return;
    if (s_apply_done(c, j, tidx, attempt, m->root, &err)) {
        ns_warn("job %s: %s", j->id, err.msg);
        return;
    }
    ns_info("job %s: %s attempt %lld done (%llu rows in, %llu out, %llu rejects)", j->id, name,
            (long long)attempt, (unsigned long long)t->rows_in, (unsigned long long)t->rows_out,
            (unsigned long long)t->rejects);
    if (t->kind == K_MAP)
        s_check_budget(c, j);
    s_advance(c, j);
}

static void s_on_failed(s_coord_t *c, const ns_msg_t *m)
{
    ns_err_t err;
    s_job_t *j;
    int tidx;
    int64_t attempt;
    s_task_t *t = s_task_of(c, m->root, &j, &tidx, &attempt, &err);
    if (!t) {
        ns_warn("dropping FAILED: %s", err.msg);
        return;
    }
    char reason[512] = "unknown";
    bool retryable = true, counted = true;
    ns_mp_get_strz(m->root, "reason", reason, sizeof reason, NULL);
    ns_mp_get_bool(m->root, "retryable", &retryable, NULL);
    ns_mp_get_bool(m->root, "counted", &counted, NULL); /* false: not the task's fault */
    int ai = s_att_index(t, attempt);
    if (ai < 0 || s_job_done(j)) {
        if (ai >= 0)
            s_drop_att(c, t, ai);
        return; /* a cancelled or superseded attempt */
    }
    char name[16];
    s_task_name(t, tidx, j, name, sizeof name);
    ns_warn("job %s: %s attempt %lld failed: %s", j->id, name, (long long)attempt, reason);
    int widx = t->att[ai].worker;
    if (s_log_fail(c, j, tidx, attempt, reason, counted))
        return;
    if (!counted && widx >= 0) {
        /* it runs something we do not know of: count it full until its
         * next DONE, FAILED or READY says otherwise */
        s_worker_t *w = &c->workers[widx];
        int listed;
        int mine = s_attempts_on(c, widx, NULL, &listed);
        w->foreign = w->slots > mine ? w->slots - mine : 0;
        w->busy = mine + w->foreign;
    }
    if (!retryable && !s_job_done(j)) {
        char msg[1024];
        snprintf(msg, sizeof msg, "task %s failed: %s", name, reason);
        s_end_job(c, j, J_FAILED, msg);
    }
}

static void s_on_progress(s_coord_t *c, const ns_msg_t *m)
{
    ns_err_t err;
    s_job_t *j;
    int tidx;
    int64_t attempt;
    s_task_t *t = s_task_of(c, m->root, &j, &tidx, &attempt, &err);
    if (!t)
        return;
    int ai = s_att_index(t, attempt);
    if (ai < 0)
        return;
    int64_t v;
    if (!ns_mp_get_int(m->root, "bytes", &v, NULL)) t->att[ai].p_bytes = (uint64_t)v;
    if (!ns_mp_get_int(m->root, "rows_in", &v, NULL)) t->att[ai].p_rows_in = (uint64_t)v;
    if (!ns_mp_get_int(m->root, "rows_out", &v, NULL)) t->att[ai].p_rows_out = (uint64_t)v;
    if (!ns_mp_get_int(m->root, "rejects", &v, NULL)) t->att[ai].p_rejects = (uint64_t)v;
}

/* -------------------------------------------------------------------- CLI */

static void s_pack_job(ns_msgb_t *b, s_job_t *j, int with_tasks)
{
    uint64_t rows_in, rows_out, rejects, filtered, bytes_done, bytes_total = 0;
    s_fmt_counters(j, &rows_in, &rows_out, &rejects, &filtered, &bytes_done);
    int maps_done = 0, reduces_done = 0, running = 0;
    for (int i = 0; i < j->nmaps; i++) {
        bytes_total += j->tasks[i].bytes;
        maps_done += j->tasks[i].state == T_DONE;
    }
    for (int i = 0; i < j->nmaps + j->nreduces; i++)
        running += j->tasks[i].natt;
    for (int i = j->nmaps; i < j->nmaps + j->nreduces; i++)
        reduces_done += j->tasks[i].state == T_DONE;
    int reduces_total = j->nreduces ? j->nreduces : j->def->slices;
    msgpack_pack_map(&b->pk, 30 + (with_tasks ? 1 : 0));
    ns_msgb_str(b, "id", j->id);
    ns_msgb_str(b, "name", j->def->name);
    ns_msgb_str(b, "state", s_job_state_names[j->state]);
    ns_msgb_str(b, "reason", j->reason);
    ns_msgb_str(b, "date", j->date);
    ns_msgb_double(b, "submitted", j->submitted);
    ns_msgb_double(b, "finished", j->finished);
    ns_msgb_int(b, "tasks_total", j->nmaps + reduces_total);
    ns_msgb_int(b, "tasks_done", maps_done + reduces_done);
    ns_msgb_int(b, "maps_total", j->nmaps);
    ns_msgb_int(b, "maps_done", maps_done);
    ns_msgb_int(b, "reduces_total", reduces_total);
    ns_msgb_int(b, "reduces_done", reduces_done);
    ns_msgb_int(b, "running", running);
    ns_msgb_int(b, "bytes_total", (int64_t)bytes_total);
    ns_msgb_int(b, "bytes_done", (int64_t)bytes_done);
    ns_msgb_int(b, "rows_in", (int64_t)rows_in);
    ns_msgb_int(b, "rows_out", (int64_t)rows_out);
    ns_msgb_int(b, "rejects", (int64_t)rejects);
    ns_msgb_int(b, "filtered", (int64_t)filtered);
    ns_msgb_int(b, "retries", j->retries);
    ns_msgb_int(b, "speculative", j->speculative);
    ns_msgb_str(b, "manifest", j->manifest);
    ns_msgb_str(b, "prefix", j->prefix);
    ns_msgb_str(b, "pool", j->def->pool);
    ns_msgb_double(b, "deadline", j->deadline);
    ns_msgb_double(b, "projected_finish", s_job_done(j) ? 0 : j->projected);
    ns_msgb_bool(b, "met_deadline",
                 j->deadline > 0 && j->state == J_SUCCEEDED && j->finished <= j->deadline);
    s_pack_kinds(b, "worker_hours", j->hours);
    s_pack_kinds(b, "cost", j->cost);
    if (!with_tasks)
        return;
    ns_msgb_key(b, "tasks");
    msgpack_pack_array(&b->pk, (size_t)(j->nmaps + j->nreduces));
    static const char *tstates[] = {"pending", "running", "done"};
    for (int i = 0; i < j->nmaps + j->nreduces; i++) {
        const s_task_t *t = &j->tasks[i];
        char name[16];
        s_task_name(t, i, j, name, sizeof name);
        msgpack_pack_map(&b->pk, 6);
        ns_mp_str(&b->pk, "name");
        ns_mp_str(&b->pk, name);
        ns_mp_str(&b->pk, "state");
        ns_mp_str(&b->pk, tstates[t->state]);
        ns_mp_str(&b->pk, "attempts");
        msgpack_pack_int64(&b->pk, t->next_attempt);
        ns_mp_str(&b->pk, "failures");
        msgpack_pack_int(&b->pk, t->failures);
        ns_mp_str(&b->pk, "bytes");
        msgpack_pack_uint64(&b->pk, t->bytes);
        ns_mp_str(&b->pk, "reason");
        ns_mp_str(&b->pk, t->reason);
    }
}

typedef struct {
    ns_object_t *objs;
    int n, cap;
    int too_many;
} s_listing_t;

static int s_list_fn(const ns_object_t *o, void *arg)
{
    s_listing_t *l = arg;
    if (l->n == l->cap) {
        if (l->cap >= 10000000) {
            l->too_many = 1;
            return 1;
        }
        int ncap = l->cap ? l->cap * 2 : 256;
        ns_object_t *p = realloc(l->objs, (size_t)ncap * sizeof *p);
        if (!p)
            return 1;
        l->objs = p;
        l->cap = ncap;
    }
    l->objs[l->n++] = *o;
    return 0;
}

static void s_on_submit(s_coord_t *c, const uint8_t *rid, size_t ridlen, const ns_msg_t *m)
{
    ns_err_t err;
    const char *text;
    size_t tlen;
    char source[512], date[16];
    s_job_t *j = calloc(1, sizeof *j);
    s_listing_t l = {0};
    ns_maptask_t *maps = NULL;
    int nmaps = 0;
    if (!j) {
        s_reply_error(c, rid, ridlen, "out of memory");
        return;
    }
    if (ns_mp_get_str(m->root, "jobdef", &text, &tlen, &err) ||
        ns_mp_get_strz(m->root, "source", source, sizeof source, &err) ||
        ns_mp_get_strz(m->root, "date", date, sizeof date, &err) ||
        s_set_vars(j, ns_mp_get(m->root, "vars"), &err))
        goto fail;
    int64_t days;
    if (ns_parse_date(date, strlen(date), &days, &err)) {
        ns_err_prefix(&err, "bad --date");
        goto fail;
    }
    snprintf(j->date, sizeof j->date, "%s", date);
    j->text = strndup(text, tlen);
    j->source = strdup(source);
    if (!j->text || !j->source) {
        ns_errf(&err, "out of memory");
        goto fail;
    }
    /* date and yyyymmdd are variables too */
    char ymd[16];
    snprintf(ymd, sizeof ymd, "%.4s%.2s%.2s", date, date + 5, date + 8);
    j->var_names[j->nvars] = strdup("date");
    j->var_values[j->nvars++] = strdup(date);
    j->var_names[j->nvars] = strdup("yyyymmdd");
    j->var_values[j->nvars++] = strdup(ymd);
    if (s_parse_def(j, &err))
        goto fail;
    char dl[64] = "";
    ns_mp_get_strz(m->root, "deadline", dl, sizeof dl, NULL); /* submit --deadline */
    if ((dl[0] || j->def->deadline) &&
        ns_job_deadline(dl[0] ? dl : j->def->deadline, date, &j->deadline, &err))
        goto fail;
    if (j->def->slices < 1 || j->def->slices > NS_MAX_COLUMNS) {
        ns_errf(&err, "slices must be between 1 and %d", NS_MAX_COLUMNS);
        goto fail;
    }
    unsigned rnd = (unsigned)(ns_rand_u64() & 0xffffff);
    snprintf(j->id, sizeof j->id, "%s-%s-%06x", j->def->name, ymd, rnd);
    s_init_prefix(j);
    if (ns_store_list(j->def->input_uri, s_list_fn, &l, &err) < 0)
        goto fail;
    if (l.too_many) {
        ns_errf(&err, "more than 10 million objects under '%s'", j->def->input_uri);
        goto fail;
    }
    if (l.n == 0) {
        ns_errf(&err, "no input objects under '%s'", j->def->input_uri);
        goto fail;
    }
    int skipped = 0;
    if (j->def->bookmark) { /* incremental: only what no committed run has read */
        const char *cat = c->o->catalog;
        ns_bookmark_t bm;
        if (!cat || !*cat || !strcmp(cat, "none")) {
            ns_errf(&err, "job '%s' keeps a bookmark, but the coordinator has no catalog "
                          "(--catalog)", j->def->name);
            goto fail;
        }
        if (ns_bookmark_load(cat, j->def->name, &bm, &err))
            goto fail;
        int kept = 0;
        for (int i = 0; i < l.n; i++) {
            if (ns_bookmark_has(&bm, l.objs[i].uri, l.objs[i].etag))
                skipped++;
            else
                l.objs[kept++] = l.objs[i];
        }
        l.n = kept;
        ns_bookmark_free(&bm);
        if (skipped)
            ns_info("job %s: %d input objects skipped (processed before, per the bookmark)",
                    j->def->name, skipped);
    }
    bool splittable = ns_job_splittable(j->def);
    if (ns_plan_maps(l.objs, l.n, j->def->split_bytes, splittable, j->def->compression, &maps,
                     &nmaps, &err))
        goto fail;
    j->tasks = calloc(nmaps ? (size_t)nmaps : 1, sizeof *j->tasks);
    if (!j->tasks) {
        ns_errf(&err, "out of memory");
        goto fail;
    }
    for (int i = 0; i < nmaps; i++) {
        s_task_t *t = &j->tasks[i];
        t->kind = K_MAP;
        t->accepted = -1;
        t->splits = maps[i].splits;
        t->nsplits = maps[i].nsplits;
        t->bytes = maps[i].bytes;
        maps[i].splits = NULL;
        maps[i].nsplits = 0;
    }
    j->nmaps = nmaps;
    j->state = J_MAP;
    j->submitted = s_wall();
    ns_msgb_t rec;
    s_build_job_record(&rec, j);
    int rc = s_log(c, &rec);
    ns_msgb_free(&rec);
    if (rc) {
        ns_errf(&err, "coordinator journal unavailable");
        goto fail;
    }
    s_job_t **jobs = realloc(c->jobs, (size_t)(c->njobs + 1) * sizeof *jobs);
    if (!jobs) {
        ns_errf(&err, "out of memory");
        goto fail;
    }
    c->jobs = jobs;
    c->jobs[c->njobs++] = j;
    ns_plan_free(maps, nmaps);
    free(l.objs);
    ns_info("job %s submitted: %d input objects, %d map tasks, prefix %s", j->id, l.n, nmaps,
            j->prefix);
    ns_msgb_t b;
    ns_msgb_init(&b, "REPLY", 2);
    ns_msgb_bool(&b, "ok", true);
    ns_msgb_str(&b, "job", j->id);
    s_reply_rid(c, rid, ridlen, &b);
    ns_msgb_free(&b);
    return;
fail:
    ns_plan_free(maps, nmaps);
    free(l.objs);
    s_free_job(j);
    ns_warn("submit refused: %s", err.msg);
    s_reply_error(c, rid, ridlen, err.msg);
}

static void s_on_status(s_coord_t *c, const uint8_t *rid, size_t ridlen, const ns_msg_t *m)
{
    char id[NS_PROTO_MAX_ID];
    ns_err_t err;
    if (ns_mp_get_strz(m->root, "job", id, sizeof id, &err)) {
        s_reply_error(c, rid, ridlen, err.msg);
        return;
    }
    s_job_t *j = s_find_job(c, id);
    if (!j) {
        char msg[256];
        snprintf(msg, sizeof msg, "no job '%s'", id);
        s_reply_error(c, rid, ridlen, msg);
        return;
    }
    if (!strcmp(m->type, "CANCEL") && !s_job_done(j))
        s_end_job(c, j, J_CANCELLED, "cancelled by request");
    ns_msgb_t b;
    ns_msgb_init(&b, "REPLY", 2);
    ns_msgb_bool(&b, "ok", true);
    ns_msgb_key(&b, "job");
    s_pack_job(&b, j, 1);
    s_reply_rid(c, rid, ridlen, &b);
    ns_msgb_free(&b);
}

/* RERUN: the job's definition, date and variables submitted again as a new
 * job (docs/PROTOCOL.md); the reply is SUBMIT's. A job still running is
 * refused: two runs of one day would race to commit. */
static void s_on_rerun(s_coord_t *c, const uint8_t *rid, size_t ridlen, const ns_msg_t *m)
{
    char id[NS_PROTO_MAX_ID], dl[64] = "";
    ns_err_t err;
    if (ns_mp_get_strz(m->root, "job", id, sizeof id, &err)) {
        s_reply_error(c, rid, ridlen, err.msg);
        return;
    }
    ns_mp_get_strz(m->root, "deadline", dl, sizeof dl, NULL);
    s_job_t *j = s_find_job(c, id);
    char msg[512];
    if (!j) {
        snprintf(msg, sizeof msg, "no job '%s'", id);
        s_reply_error(c, rid, ridlen, msg);
        return;
    }
    if (!s_job_done(j)) {
        snprintf(msg, sizeof msg, "job '%s' is still running: wait for it or cancel it first", id);
        s_reply_error(c, rid, ridlen, msg);
        return;
    }
    /* the variables as submitted: date and yyyymmdd, which submit adds
     * last, are made again from the date */
    int nv = j->nvars;
    if (nv >= 2 && !strcmp(j->var_names[nv - 1], "yyyymmdd") &&
        !strcmp(j->var_names[nv - 2], "date"))
        nv -= 2;
    ns_msgb_t b;
    ns_msgb_init(&b, "SUBMIT", dl[0] ? 5 : 4);
    if (dl[0])
        ns_msgb_str(&b, "deadline", dl);
    ns_msgb_str(&b, "jobdef", j->text);
    ns_msgb_str(&b, "source", j->source);
    ns_msgb_str(&b, "date", j->date);
    ns_msgb_key(&b, "vars");
    msgpack_pack_map(&b.pk, (size_t)nv);
    for (int i = 0; i < nv; i++) {
        ns_mp_str(&b.pk, j->var_names[i]);
        ns_mp_str(&b.pk, j->var_values[i]);
    }
    ns_msg_t sub;
    if (ns_msg_decode(&sub, b.sb.data, b.sb.size, true, &err)) {
        ns_msgb_free(&b);
        s_reply_error(c, rid, ridlen, err.msg);
        return;
    }
    ns_info("job %s: rerun requested", id);
    s_on_submit(c, rid, ridlen, &sub); /* replies with the new job's id */
    ns_msg_free(&sub);
    ns_msgb_free(&b);
}

/* The managed pools, for LIST (docs/PROTOCOL.md, "A pool map"). */
static void s_pack_pools(s_coord_t *c, ns_msgb_t *b)
{
    ns_msgb_key(b, "pools");
    msgpack_pack_array(&b->pk, (size_t)c->npools);
    for (int i = 0; i < c->npools; i++) {
        const s_pool_t *p = &c->pools[i];
        int live[2] = {0, 0};
        for (int k = 0; k < c->nworkers; k++) {
            const s_worker_t *w = &c->workers[k];
            if (w->alive && !w->draining && !w->preempting && !strcmp(w->pool, p->conf.name))
                live[w->kind]++;
        }
        ns_driver_stats_t st;
        memset(&st, 0, sizeof st);
        int pend[2] = {0, 0};
        if (c->driver) {
            ns_driver_stats(c->driver, p->conf.name, &st);
            pend[0] = ns_driver_pending(c->driver, p->conf.name, NS_KIND_SPOT, NULL);
            pend[1] = ns_driver_pending(c->driver, p->conf.name, NS_KIND_ONDEMAND, NULL);
        }
        msgpack_pack_map(&b->pk, 22);
        ns_msgb_str(b, "name", p->conf.name);
        ns_msgb_int(b, "min", p->conf.min);
        ns_msgb_int(b, "max", p->conf.max);
        ns_msgb_double(b, "spot_price", p->conf.spot_price);
        ns_msgb_double(b, "ondemand_price", p->conf.ondemand_price);
        ns_msgb_int(b, "spot", live[NS_KIND_SPOT]);
        ns_msgb_int(b, "ondemand", live[NS_KIND_ONDEMAND]);
        ns_msgb_int(b, "spot_pending", pend[NS_KIND_SPOT]);
        ns_msgb_int(b, "ondemand_pending", pend[NS_KIND_ONDEMAND]);
        ns_msgb_int(b, "want_spot", p->want[NS_KIND_SPOT]);
        ns_msgb_int(b, "want_ondemand", p->want[NS_KIND_ONDEMAND]);
        ns_msgb_int(b, "busy", p->busy);
        ns_msgb_double(b, "rate", p->secs > 0 ? p->bytes / p->secs : 0);
        ns_msgb_int(b, "bytes_left", (int64_t)p->bytes_left);
        ns_msgb_int(b, "tasks_left", p->tasks_left);
        ns_msgb_double(b, "deadline", p->deadline);
        ns_msgb_double(b, "projected_finish", p->projected);
        ns_msgb_str(b, "decision", p->why);
        ns_msgb_double(b, "idle_cost", p->idle_cost);
        ns_msgb_int(b, "preempted", p->preempted);
        ns_msgb_int(b, "interrupted", st.interrupted);
        ns_msgb_key(b, "started");
        msgpack_pack_map(&b->pk, 2);
        ns_mp_str(&b->pk, "spot");
        msgpack_pack_int(&b->pk, st.started[NS_KIND_SPOT]);
        ns_mp_str(&b->pk, "on-demand");
        msgpack_pack_int(&b->pk, st.started[NS_KIND_ONDEMAND]);
    }
}

static void s_on_list(s_coord_t *c, const uint8_t *rid, size_t ridlen)
{
    ns_msgb_t b;
    ns_msgb_init(&b, "REPLY", 4);
    ns_msgb_bool(&b, "ok", true);
    s_pack_pools(c, &b);
    ns_msgb_key(&b, "jobs");
    msgpack_pack_array(&b.pk, (size_t)c->njobs);
    for (int i = 0; i < c->njobs; i++)
        s_pack_job(&b, c->jobs[i], 0);
    ns_msgb_key(&b, "workers");
    int alive = 0;
    for (int i = 0; i < c->nworkers; i++)
        alive += c->workers[i].alive;
    msgpack_pack_array(&b.pk, (size_t)alive);
    for (int i = 0; i < c->nworkers; i++) {
        s_worker_t *w = &c->workers[i];
        if (!w->alive)
            continue;
        msgpack_pack_map(&b.pk, 9);
        double excl = w->excluded_until - s_mono();
        ns_mp_str(&b.pk, "excluded_s");
        msgpack_pack_double(&b.pk, excl > 0 ? excl : 0);
        ns_mp_str(&b.pk, "price_per_hour");
        msgpack_pack_double(&b.pk, w->price);
        ns_mp_str(&b.pk, "draining");
        msgpack_pack_int(&b.pk, w->draining);
        ns_mp_str(&b.pk, "preempting");
        msgpack_pack_int(&b.pk, w->preempting);
        ns_mp_str(&b.pk, "id");
        ns_mp_str(&b.pk, w->id);
        ns_mp_str(&b.pk, "pool");
        ns_mp_str(&b.pk, w->pool);
        ns_mp_str(&b.pk, "capacity");
        ns_mp_str(&b.pk, w->capacity);
        ns_mp_str(&b.pk, "slots");
        msgpack_pack_int(&b.pk, w->slots);
        ns_mp_str(&b.pk, "busy");
        msgpack_pack_int(&b.pk, w->busy);
    }
    s_reply_rid(c, rid, ridlen, &b);
    ns_msgb_free(&b);
}

/* ------------------------------------------------------------ status page */

/* Hands ns_http a snapshot of the jobs and live workers; it renders the
 * status page, status.json and the metrics from it for its own thread, so
 * nothing here is shared. The projected finish is the bytes rate so far
 * (ns_http_project); a better estimate (the autoscaler's) goes into
 * projected_finish/projected_by in its place. */
static void s_publish(s_coord_t *c)
{
    c->http_published = s_mono();
    ns_http_job_t *jobs = calloc((size_t)(c->njobs > 0 ? c->njobs : 1), sizeof *jobs);
    ns_http_worker_t *ws = calloc((size_t)(c->nworkers > 0 ? c->nworkers : 1), sizeof *ws);
    ns_http_snap_t snap = {.now = s_wall(), .started = c->http_started, .bind = c->o->bind,
                           .jobs = jobs, .njobs = c->njobs, .workers = ws};
    for (int i = 0; jobs && ws && i < c->njobs; i++) {
        const s_job_t *j = c->jobs[i];
        ns_http_job_t *h = &jobs[i];
        *h = (ns_http_job_t){.id = j->id, .name = j->def->name,
                             .state = s_job_state_names[j->state], .date = j->date,
                             .reason = j->reason, .submitted = j->submitted,
                             .finished = s_job_done(j) ? j->finished : 0,
                             .maps_total = j->nmaps,
                             .reduces_total = j->nreduces ? j->nreduces : j->def->slices,
                             .retries = j->retries, .speculative = j->speculative};
        s_fmt_counters(j, &h->rows_in, &h->rows_out, &h->rejects, &h->filtered, &h->bytes_done);
        for (int t = 0; t < j->nmaps + j->nreduces; t++) {
            const s_task_t *tk = &j->tasks[t];
            h->tasks_pending += tk->state == T_PENDING;
            h->tasks_running += tk->state == T_RUNNING;
            h->tasks_done += tk->state == T_DONE;
            h->attempts_running += tk->natt;
            if (t < j->nmaps) {
                h->maps_done += tk->state == T_DONE;
                h->bytes_total += tk->bytes;
            } else {
                h->reduces_done += tk->state == T_DONE;
            }
        }
        if (!s_job_done(j)) {
            h->projected_finish =
                ns_http_project(j->submitted, snap.now, h->bytes_done, h->bytes_total);
            h->projected_by = "bytes rate";
            if (j->projected > 0) { /* the autoscaler's estimate (docs/FLEETS.md) */
                h->projected_finish = j->projected;
                h->projected_by = "autoscaler";
            }
        }
    }
    for (int i = 0; jobs && ws && i < c->nworkers; i++) {
        const s_worker_t *w = &c->workers[i];
        if (w->alive)
            ws[snap.nworkers++] = (ns_http_worker_t){.id = w->id, .pool = w->pool,
                                                     .capacity = w->capacity, .slots = w->slots,
                                                     .busy = w->busy,
                                                     .preempting = w->preempting,
                                                     .excluded = s_mono() < w->excluded_until};
    }
    ns_err_t err;
    if (!jobs || !ws)
        ns_warn("status page: out of memory for a snapshot");
    else if (ns_http_publish(c->http, &snap, &err))
        ns_warn("status page: %s", err.msg);
    free(jobs);
    free(ws);
}

/* ------------------------------------------------------------------- loop */

/* A DONE or FAILED for an attempt we do not track on this worker frees one
 * of its foreign slots. */
static void s_release_foreign(s_coord_t *c, int widx, const ns_msg_t *m)
{
    s_worker_t *w = &c->workers[widx];
    if (w->foreign <= 0)
        return;
    s_job_t *j;
    int tidx;
    int64_t attempt;
    s_task_t *t = s_task_of(c, m->root, &j, &tidx, &attempt, NULL);
    int ai = t ? s_att_index(t, attempt) : -1;
    if (ai >= 0 && t->att[ai].worker == widx)
        return;
    w->foreign--;
    if (w->busy > 0)
        w->busy--;
}

/* A spot interruption notice: the worker takes no more tasks, and what it
 * runs is requeued at once, not counted against the tasks. */
static void s_preempted(s_coord_t *c, int widx)
{
    s_worker_t *w = &c->workers[widx];
    if (w->preempting)
        return;
    w->preempting = 1;
    s_pool_t *p = s_find_pool(c, w->pool);
    if (p)
        p->preempted++;
    char reason[512];
    snprintf(reason, sizeof reason, "worker %s preempted (spot interruption)", w->id);
    int n = s_fail_attempts_of(c, widx, reason, false);
    if (n < 0)
        return;
    ns_warn("worker %s preempted: %d running attempts requeued", w->id, n);
}

/* The messages a client key may send (docs/PROTOCOL.md); all others are a
 * worker's. */
static bool s_client_type(const char *t)
{
    return !strcmp(t, "SUBMIT") || !strcmp(t, "STATUS") || !strcmp(t, "CANCEL") ||
           !strcmp(t, "LIST") || !strcmp(t, "RERUN");
}

/* roles: what the sender's key may do (ns_sec_msg_roles). */
static void s_on_message(s_coord_t *c, const uint8_t *rid, size_t ridlen, const void *data,
                         size_t len, int roles)
{
    ns_msg_t m;
    ns_err_t err;
    if (ns_msg_decode(&m, data, len, true, &err)) {
        ns_warn("dropping malformed message (%zu bytes): %s", len, err.msg);
        return;
    }
    int need = s_client_type(m.type) ? NS_ROLE_CLIENT : NS_ROLE_WORKER;
    if (!(roles & need)) {
        /* a client's requests are few; a worker's heartbeats are not */
        if (need == NS_ROLE_CLIENT || s_mono() - c->role_logged >= 30) {
            ns_warn("refused a %s message from a key with the roles '%s': it needs the role '%s'",
                    m.type, ns_roles_name(roles), ns_roles_name(need));
            if (need == NS_ROLE_WORKER)
                c->role_logged = s_mono();
        }
        if (need == NS_ROLE_CLIENT)
            s_reply_error(c, rid, ridlen,
                          "this key may not submit or query jobs: its allow-list role is "
                          "not 'client'");
        ns_msg_free(&m);
        return;
    }
    int widx = s_find_worker(c, rid, ridlen);
    if (widx >= 0)
        c->workers[widx].last_seen = s_mono();
    const char *t = m.type;
    if (!strcmp(t, "READY")) {
        s_on_ready(c, rid, ridlen, &m);
    } else if (!strcmp(t, "HEARTBEAT") || !strcmp(t, "PROGRESS") || !strcmp(t, "DONE") ||
               !strcmp(t, "FAILED")) {
        if (widx >= 0 && (!strcmp(t, "DONE") || !strcmp(t, "FAILED")))
            s_release_foreign(c, widx, &m);
        if (!strcmp(t, "DONE"))
            s_on_done(c, &m, data, len);
        else if (!strcmp(t, "FAILED"))
            s_on_failed(c, &m);
        else if (!strcmp(t, "PROGRESS"))
            s_on_progress(c, &m);
        if (widx < 0 || !c->workers[widx].alive)
            s_send_simple(c, rid, ridlen, "RESET");
    } else if (!strcmp(t, "PREEMPTING")) {
        if (widx >= 0)
            s_preempted(c, widx);
    } else if (!strcmp(t, "DISCONNECT")) {
        if (widx >= 0)
            s_lose_worker(c, widx, "disconnected");
    } else if (!strcmp(t, "SUBMIT")) {
        s_on_submit(c, rid, ridlen, &m);
    } else if (!strcmp(t, "RERUN")) {
        s_on_rerun(c, rid, ridlen, &m);
    } else if (!strcmp(t, "STATUS") || !strcmp(t, "CANCEL")) {
        s_on_status(c, rid, ridlen, &m);
    } else if (!strcmp(t, "LIST")) {
        s_on_list(c, rid, ridlen);
    } else {
        ns_warn("dropping message of unknown type '%s'", t);
    }
    ns_msg_free(&m);
}

/* ----------------------------------------------------------------- fleets */

/* Accrues dt seconds of every live worker (docs/FLEETS.md, "Cost
 * accounting"): to the jobs of the attempts it runs, else to the unfinished
 * jobs of its pool, else to the pool's idle cost. */
static void s_account(s_coord_t *c, double dt)
{
    if (dt <= 0 || c->nworkers == 0)
        return;
    int *natt = calloc((size_t)c->nworkers, sizeof *natt);
    if (!natt)
        return;
    for (int ji = 0; ji < c->njobs; ji++) {
        const s_job_t *j = c->jobs[ji];
        for (int i = 0; i < j->nmaps + j->nreduces; i++)
            for (int a = 0; a < j->tasks[i].natt; a++)
                if (j->tasks[i].att[a].worker >= 0 && j->tasks[i].att[a].worker < c->nworkers)
                    natt[j->tasks[i].att[a].worker]++;
    }
    for (int ji = 0; ji < c->njobs; ji++) {
        s_job_t *j = c->jobs[ji];
        for (int i = 0; i < j->nmaps + j->nreduces; i++)
            for (int a = 0; a < j->tasks[i].natt; a++) {
                int wi = j->tasks[i].att[a].worker;
                if (wi < 0 || wi >= c->nworkers || !c->workers[wi].alive)
                    continue;
                const s_worker_t *w = &c->workers[wi];
                j->hours[w->kind] += dt / 3600 / natt[wi];
                j->cost[w->kind] += w->price * dt / 3600 / natt[wi];
            }
    }
    for (int wi = 0; wi < c->nworkers; wi++) {
        const s_worker_t *w = &c->workers[wi];
        if (!w->alive || natt[wi])
            continue;
        int njobs = 0;
        for (int ji = 0; ji < c->njobs; ji++)
            njobs += !s_job_done(c->jobs[ji]) && !strcmp(c->jobs[ji]->def->pool, w->pool);
        for (int ji = 0; ji < c->njobs && njobs; ji++) {
            s_job_t *j = c->jobs[ji];
            if (s_job_done(j) || strcmp(j->def->pool, w->pool))
                continue;
            j->hours[w->kind] += dt / 3600 / njobs;
            j->cost[w->kind] += w->price * dt / 3600 / njobs;
        }
        s_pool_t *p = njobs ? NULL : s_find_pool(c, w->pool);
        if (p)
            p->idle_cost += w->price * dt / 3600;
    }
    free(natt);
}

/* Seconds the worker with this id has been running its oldest attempt, or
 * -1 (for the local driver's spot simulation). */
static double s_busy_for(void *arg, const char *worker_id)
{
    s_coord_t *c = arg;
    double oldest = 0;
    for (int ji = 0; ji < c->njobs; ji++) {
        const s_job_t *j = c->jobs[ji];
        for (int i = 0; i < j->nmaps + j->nreduces; i++)
            for (int a = 0; a < j->tasks[i].natt; a++) {
                int wi = j->tasks[i].att[a].worker;
                if (wi >= 0 && !strcmp(c->workers[wi].id, worker_id) &&
                    (oldest == 0 || j->tasks[i].att[a].started < oldest))
                    oldest = j->tasks[i].att[a].started;
            }
    }
    return oldest > 0 ? s_mono() - oldest : -1;
}

/* The work left of the pool's unfinished jobs; their earliest deadline. */
static void s_pool_work(s_coord_t *c, s_pool_t *p, ns_as_input_t *in)
{
    for (int ji = 0; ji < c->njobs; ji++) {
        const s_job_t *j = c->jobs[ji];
        if (s_job_done(j) || strcmp(j->def->pool, p->conf.name))
            continue;
        uint64_t map_bytes = 0;
        for (int i = 0; i < j->nmaps + j->nreduces; i++) {
            map_bytes += i < j->nmaps ? j->tasks[i].bytes : 0;
            if (j->tasks[i].state == T_DONE)
                continue;
            in->tasks_left++;
            in->bytes_left += j->tasks[i].bytes;
        }
        if (!j->nreduces) { /* reduces not planned yet: the maps' bytes over the slices */
            in->tasks_left += j->def->slices;
            in->bytes_left += map_bytes;
        }
        if (j->deadline > 0 && (in->deadline == 0 || j->deadline < in->deadline))
            in->deadline = j->deadline;
    }
}

/* Drains up to n idle live workers of the pool and kind (STOP). */
static int s_drain(s_coord_t *c, const char *pool, int kind, int n)
{
    int done = 0;
    for (int i = c->nworkers - 1; i >= 0 && done < n; i--) {
        s_worker_t *w = &c->workers[i];
        if (!w->alive || w->draining || w->preempting || w->busy > 0 || w->kind != kind ||
            strcmp(w->pool, pool))
            continue;
        w->draining = 1;
        ns_msgb_t b;
        ns_msgb_init(&b, "STOP", 0);
        s_send(c, i, &b);
        ns_msgb_free(&b);
        ns_info("autoscale pool %s: draining idle %s worker %s", pool,
                kind == NS_KIND_SPOT ? "spot" : "on-demand", w->id);
        done++;
    }
    return done;
}

/* One autoscaler round over the managed pools (docs/FLEETS.md). */
static void s_autoscale(s_coord_t *c, double now)
{
    for (int pi = 0; pi < c->npools; pi++) {
        s_pool_t *p = &c->pools[pi];
        ns_as_input_t in;
        memset(&in, 0, sizeof in);
        in.now = now;
        in.min = p->conf.min;
        in.max = p->conf.max;
        for (int i = 0; i < c->nworkers; i++) {
            const s_worker_t *w = &c->workers[i];
            if (!w->alive || w->draining || w->preempting || strcmp(w->pool, p->conf.name))
                continue;
            if (w->kind == NS_KIND_SPOT)
                in.spot_running++;
            else
                in.ondemand_running++;
            in.busy += w->busy > 0;
        }
        in.spot_pending = ns_driver_pending(c->driver, p->conf.name, NS_KIND_SPOT,
                                            &in.spot_asked_at);
        in.ondemand_pending = ns_driver_pending(c->driver, p->conf.name, NS_KIND_ONDEMAND, NULL);
        in.rate = p->secs > 0 ? p->bytes / p->secs : 0;
        s_pool_work(c, p, &in);
        ns_driver_stats_t st;
        ns_driver_stats(c->driver, p->conf.name, &st);
        in.spot_delay = st.spot_delay;
        in.spot_asked = st.spot_asked;
        in.spot_granted = st.spot_granted;
        in.want_spot = p->want[NS_KIND_SPOT];
        in.want_ondemand = p->want[NS_KIND_ONDEMAND];
        in.changed_at = p->changed_at;
        ns_as_decision_t d;
        ns_autoscale_decide(&c->o->as, &in, &d);
        p->bytes_left = in.bytes_left;
        p->tasks_left = in.tasks_left;
        p->busy = in.busy;
        p->deadline = in.deadline;
        p->projected = d.projected;
        for (int ji = 0; ji < c->njobs; ji++)
            if (!strcmp(c->jobs[ji]->def->pool, p->conf.name))
                c->jobs[ji]->projected = d.projected;
        if (d.changed) {
            ns_info("autoscale pool %s: spot %d -> %d, on-demand %d -> %d: %s", p->conf.name,
                    p->want[NS_KIND_SPOT] < 0 ? 0 : p->want[NS_KIND_SPOT], d.spot,
                    p->want[NS_KIND_ONDEMAND] < 0 ? 0 : p->want[NS_KIND_ONDEMAND], d.ondemand,
                    d.why);
            if (p->want[0] < 0 || d.spot + d.ondemand != p->want[0] + p->want[1])
                p->changed_at = now;
            p->want[NS_KIND_SPOT] = d.spot;
            p->want[NS_KIND_ONDEMAND] = d.ondemand;
        }
        snprintf(p->why, sizeof p->why, "%s", d.why);
        /* carry it out: ask, or withdraw requests and then drain idle workers */
        const int live[2] = {in.spot_running, in.ondemand_running};
        const int pend[2] = {in.spot_pending, in.ondemand_pending};
        for (int k = 0; k < 2; k++) {
            int want = p->want[k], have = live[k] + pend[k];
            if (want > have) {
                ns_driver_request(c->driver, &p->conf, k, want - have, now);
            } else if (want < have) {
                int excess = have - want;
                excess -= ns_driver_withdraw(c->driver, p->conf.name, k, excess);
                if (excess > 0)
                    excess -= s_drain(c, p->conf.name, k, excess);
            }
            ns_driver_apply(c->driver, p->conf.name, k, want);
        }
    }
}

/* Moves jobs to their next phase and hands out tasks. Runs on every tick
 * and right after any message that can free a slot or add work, so a
 * worker never waits for the next tick to get its next task. */
static void s_schedule(s_coord_t *c)
{
    for (int i = 0; i < c->njobs; i++)
        s_advance(c, c->jobs[i]);
    s_dispatch(c);
}

static void s_tick(s_coord_t *c)
{
    double now = s_mono();
    for (int i = 0; i < c->nworkers; i++) {
        s_worker_t *w = &c->workers[i];
        if (!w->alive)
            continue;
        if ((now - w->last_seen) * 1000 > c->o->liveness_ms) {
            s_lose_worker(c, i, "heartbeat timeout");
            continue;
        }
        if ((now - w->last_sent) * 1000 >= c->o->heartbeat_ms) {
            ns_msgb_t b;
            ns_msgb_init(&b, "HEARTBEAT", 0);
            s_send(c, i, &b);
            ns_msgb_free(&b);
        }
    }
    double wall = s_wall();
    if (c->last_account > 0)
        s_account(c, wall - c->last_account);
    c->last_account = wall;
    if (c->driver) {
        if (wall - c->last_scale >= 1.0) {
            s_autoscale(c, wall);
            c->last_scale = wall;
        }
        ns_driver_tick(c->driver, wall, s_busy_for, c);
    }
    /* ended jobs not yet cleaned up (a restart, a store error): one a tick */
    for (int i = 0; i < c->njobs; i++) {
        s_job_t *j = c->jobs[i];
        if (s_job_done(j) && !j->swept && now >= j->sweep_at) {
            s_finish_sweep(c, j);
            break;
        }
    }
    s_schedule(c);
}

void ns_coord_opts_default(ns_coord_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->bind = "tcp://127.0.0.1:7460";
    o->journal = "nightshift.journal";
    o->heartbeat_ms = 1000;
    o->liveness_ms = 5000;
    o->speculate_factor = 2.0;
    o->speculate_min_ms = 10000;
    ns_as_conf_default(&o->as);
    o->driver = "local";
    o->worker_slots = 1;
    o->spot_grant_probability = 1;
}

/* --autoscale: the managed pools and the driver. */
static int s_fleet_init(s_coord_t *c, ns_err_t *err)
{
    const ns_coord_opts_t *o = c->o;
    if (!o->autoscale)
        return 0;
    static const ns_pool_conf_t def = {"default", 0, 4, 0.03, 0.10};
    const ns_pool_conf_t *confs = o->npools ? o->pools : &def;
    int n = o->npools ? o->npools : 1;
    c->pools = calloc((size_t)n, sizeof *c->pools);
    if (!c->pools)
        return ns_errf(err, "out of memory");
    for (int i = 0; i < n; i++) {
        c->pools[i].conf = confs[i];
        c->pools[i].want[0] = c->pools[i].want[1] = -1;
        ns_info("autoscale pool %s: %d..%d workers, spot %g, on-demand %g per hour",
                confs[i].name, confs[i].min, confs[i].max, confs[i].spot_price,
                confs[i].ondemand_price);
    }
    c->npools = n;
    char connect[512];
    snprintf(connect, sizeof connect, "%s", o->bind);
    char *star = strstr(connect, "://*");
    if (star) { /* bound to every interface: the workers here connect to loopback */
        char rest[512];
        snprintf(rest, sizeof rest, "%s", star + 4);
        snprintf(star, sizeof connect - (size_t)(star - connect), "://127.0.0.1%s", rest);
    }
    ns_driver_opts_t d = {.kind = o->driver ? o->driver : "local", .cmd = o->driver_cmd,
                          .connect = connect, .log_dir = o->worker_log_dir,
                          .heartbeat_ms = o->heartbeat_ms, .liveness_ms = o->liveness_ms,
                          .slots = o->worker_slots, .worker_args = o->worker_args,
                          .nworker_args = o->nworker_args,
                          .spot_grant_delay = o->spot_grant_delay,
                          .spot_grant_probability = o->spot_grant_probability,
                          .spot_interrupt_rate = o->spot_interrupt_rate};
    c->driver = ns_driver_new(&d, err);
    if (!c->driver)
        return -1;
    ns_info("autoscale: driver %s, safety margin %.0f%%, cool-down %gs, spot grant timeout %gs",
            d.kind, o->as.safety_margin * 100, o->as.cooldown, o->as.grant_timeout);
    return 0;
}

int ns_coord_run(const ns_coord_opts_t *opts, ns_err_t *err)
{
    s_coord_t c = {.o = opts};
    int rc = -1;
    if (!opts->sec)
        return ns_errf(err, "no security settings: CurveZMQ keys, or insecure on loopback");
    c.replaying = 1;
    c.journal = ns_journal_open(opts->journal, s_replay_record, &c, err);
    c.replaying = 0;
    if (!c.journal)
        goto out;
    s_after_replay(&c);
    ns_info("journal %s: replayed %ld records, %d jobs", opts->journal,
            ns_journal_replayed(c.journal), c.njobs);
    c.zctx = zmq_ctx_new();
    /* the ZAP handler first: the server socket must never see a handshake
     * without it (docs/SECURITY.md) */
    if (!opts->sec->insecure && !(c.zap = ns_zap_start(c.zctx, opts->sec->allow_file, err)))
        goto out;
    c.router = zmq_socket(c.zctx, ZMQ_ROUTER);
    int one = 1;
    if (!c.router || ns_zsock_setup(c.router) ||
        zmq_setsockopt(c.router, ZMQ_ROUTER_MANDATORY, &one, sizeof one) ||
        zmq_setsockopt(c.router, ZMQ_ROUTER_HANDOVER, &one, sizeof one)) {
        ns_errf(err, "cannot create the coordinator socket: %s", zmq_strerror(errno));
        goto out;
    }
    if (ns_sec_server(c.router, opts->sec, opts->bind, err))
        goto out;
    c.mon = ns_sec_monitor(c.zctx, c.router, "coordinator");
    if (zmq_bind(c.router, opts->bind)) {
        ns_errf(err, "cannot bind '%s': %s", opts->bind, zmq_strerror(errno));
        goto out;
    }
    ns_info("coordinator listening on %s (%s)", opts->bind,
            opts->sec->insecure ? "INSECURE: plain TCP, no authentication" : "CurveZMQ, allow-list");
    if (s_fleet_init(&c, err))
        goto out;
    if (opts->http) {
        c.http_started = s_wall();
        if (!(c.http = ns_http_new(opts->http, err)))
            goto out;
        s_publish(&c);
        ns_info("status page and metrics on %s (port %d)", opts->http, ns_http_port(c.http));
    }
    double last_tick = 0;
    int http_dirty = 0;
    while (!*opts->stop && !c.failed) {
        zmq_pollitem_t item = {c.router, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(&item, 1, 100);
        if (n < 0 && errno != EINTR) {
            ns_errf(err, "poll failed: %s", zmq_strerror(errno));
            goto out;
        }
        for (int burst = 0; n > 0 && burst < 256; burst++) {
            uint8_t rid[256];
            int rl = zmq_recv(c.router, rid, sizeof rid, ZMQ_DONTWAIT);
            if (rl < 0)
                break;
            int more = 0;
            size_t ml = sizeof more;
            zmq_getsockopt(c.router, ZMQ_RCVMORE, &more, &ml);
            if (!more || rl > (int)sizeof rid)
                continue;
            zmq_msg_t msg;
            zmq_msg_init(&msg);
            if (zmq_msg_recv(&msg, c.router, ZMQ_DONTWAIT) < 0) {
                zmq_msg_close(&msg);
                continue;
            }
            int extra = zmq_msg_more(&msg);
            if (!extra)
                s_on_message(&c, rid, (size_t)rl, zmq_msg_data(&msg), zmq_msg_size(&msg),
                             ns_sec_msg_roles(opts->sec, &msg));
            zmq_msg_close(&msg);
            while (extra) { /* drop multi-frame junk */
                zmq_msg_t junk;
                zmq_msg_init(&junk);
                if (zmq_msg_recv(&junk, c.router, ZMQ_DONTWAIT) < 0) {
                    zmq_msg_close(&junk);
                    break;
                }
                extra = zmq_msg_more(&junk);
                zmq_msg_close(&junk);
                ns_warn("dropping multi-frame message");
            }
        }
        if (n > 0)
            s_schedule(&c);
        double now = s_mono();
        if (now - last_tick >= 0.1) {
            s_tick(&c);
            last_tick = now;
            if (c.mon && (ns_sec_events(c.mon) & NS_SEC_EV_FAILED) &&
                now - c.handshake_logged >= 60) {
                ns_warn("a connection failed the %s handshake: a peer with a wrong coordinator "
                        "public key, or %s",
                        opts->sec->insecure ? "plain" : "CurveZMQ",
                        opts->sec->insecure ? "one using CurveZMQ" : "one without CurveZMQ");
                c.handshake_logged = now;
            }
        }
        /* status snapshot: every 500 ms, and within 100 ms of messages */
        http_dirty |= n > 0;
        if (c.http && now - c.http_published >= (http_dirty ? 0.1 : 0.5)) {
            s_publish(&c);
            http_dirty = 0;
        }
    }
    if (c.failed) {
        *err = c.fatal;
        goto out;
    }
    /* Tell workers we are going so they start reconnecting at once. */
    for (int i = 0; i < c.nworkers; i++)
        if (c.workers[i].alive) {
            ns_msgb_t b;
            ns_msgb_init(&b, "DISCONNECT", 0);
            s_send(&c, i, &b);
            ns_msgb_free(&b);
        }
    rc = 0;
out:
    if (c.mon)
        zmq_close(c.mon);
    if (c.router)
        zmq_close(c.router);
    ns_zap_stop(&c.zap);
    if (c.zctx)
        zmq_ctx_term(c.zctx);
    ns_driver_destroy(&c.driver);
    free(c.pools);
    ns_http_destroy(&c.http);
    ns_journal_close(&c.journal);
    for (int i = 0; i < c.njobs; i++)
        s_free_job(c.jobs[i]);
    free(c.jobs);
    free(c.workers);
    return rc;
}
