/*
 * ns_driver: the local and exec drivers (see ns_driver.h and
 * docs/FLEETS.md).
 *
 * Requests live in one array; tens of them at most, so linear scans. The
 * spot simulation is deterministic: request i (from 0) of the driver is
 * granted when ceil((i+1)P) > ceil(iP), and granted worker g is doomed to
 * an interruption when ceil((g+1)F) > ceil(gF); so exactly ceil(P*n) of n
 * requests are granted, spread evenly, and the same for F.
 */
#include "ns_driver.h"

#include "ns_log.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_MAX_POOLS 32
#define S_MAX_EXEC 64          /* exec commands running at once */
#define S_NOTICE_AFTER 0.5     /* seconds busy before a doomed spot worker gets its notice */

enum { R_PENDING = 0, R_STARTED, R_JOINED };

typedef struct {
    char pool[NS_POOL_NAME_MAX];
    int kind;                  /* NS_KIND_* */
    int state;                 /* R_* */
    double asked_at;           /* when requested */
    double grant_at;           /* local: when to start it; INFINITY: never granted */
    double price;              /* per hour, for --price */
    char id[96];               /* local: the worker id it was started with */
    pid_t pid;                 /* local: its process, once started */
    int doomed;                /* spot simulation: to be interrupted */
    int noticed;               /* the notice was sent */
} s_req_t;

typedef struct {
    char name[NS_POOL_NAME_MAX];
    ns_driver_stats_t st;
    double delay_sum;          /* seconds from request to join, summed */
    int exec_count[2];         /* exec: the count last run with, -1: never */
    int early_exits;           /* local: workers in a row that exited before joining */
    double hold_until;         /* local: start nothing before this (backoff after those) */
} s_pool_t;

struct ns_driver {
    ns_driver_opts_t o;
    char connect[512];         /* o.connect points here */
    int exec;                  /* the exec driver */
    s_req_t *reqs;
    int nreqs, cap;
    s_pool_t pools[S_MAX_POOLS];
    int npools;
    int spot_seq;              /* spot requests made (grant accumulator) */
    int granted_seq;           /* spot workers started (interrupt accumulator) */
    int next_id;               /* worker id counter */
    pid_t exec_pids[S_MAX_EXEC];
    int nexec;
};

static const char *s_kind_name(int kind)
{
    return kind == NS_KIND_SPOT ? "spot" : "on-demand";
}

static s_pool_t *s_pool(ns_driver_t *d, const char *name)
{
    for (int i = 0; i < d->npools; i++)
        if (!strcmp(d->pools[i].name, name))
            return &d->pools[i];
    if (d->npools == S_MAX_POOLS)
        return &d->pools[S_MAX_POOLS - 1]; /* more pools than the coordinator manages */
    s_pool_t *p = &d->pools[d->npools++];
    memset(p, 0, sizeof *p);
    snprintf(p->name, sizeof p->name, "%s", name);
    p->exec_count[0] = p->exec_count[1] = -1;
    return p;
}

/* The i-th event of an accumulator at rate r happens? */
static int s_hits(int i, double r)
{
    if (r <= 0)
        return 0;
    if (r >= 1)
        return 1;
    return ceil((i + 1) * r - 1e-9) > ceil(i * r - 1e-9);
}

ns_driver_t *ns_driver_new(const ns_driver_opts_t *opts, ns_err_t *err)
{
    int exec = !strcmp(opts->kind, "exec");
    if (!exec && strcmp(opts->kind, "local")) {
        ns_errf(err, "unknown driver '%s' (local or exec)", opts->kind);
        return NULL;
    }
    if (exec && (!opts->cmd || !*opts->cmd)) {
        ns_errf(err, "the exec driver needs --driver-cmd");
        return NULL;
    }
    ns_driver_t *d = calloc(1, sizeof *d);
    if (!d) {
        ns_errf(err, "out of memory");
        return NULL;
    }
    d->o = *opts;
    snprintf(d->connect, sizeof d->connect, "%s", opts->connect ? opts->connect : "");
    d->o.connect = d->connect;
    d->exec = exec;
    d->next_id = 1;
    return d;
}

static void s_remove(ns_driver_t *d, int i)
{
    d->reqs[i] = d->reqs[--d->nreqs];
}

void ns_driver_destroy(ns_driver_t **dp)
{
    ns_driver_t *d = *dp;
    if (!d)
        return;
    int n = 0;
    for (int i = 0; i < d->nreqs; i++)
        if (d->reqs[i].pid > 0 && kill(d->reqs[i].pid, SIGTERM) == 0)
            n++;
    if (n)
        ns_info("stopping %d local workers", n);
    /* a worker stops within a second or two (its running attempts are
     * cancelled); wait up to 15 s, then leave the rest to PR_SET_PDEATHSIG */
    for (int t = 0; t < 150; t++) {
        int left = 0;
        for (int i = 0; i < d->nreqs; i++)
            if (d->reqs[i].pid > 0) {
                if (waitpid(d->reqs[i].pid, NULL, WNOHANG) == d->reqs[i].pid)
                    d->reqs[i].pid = 0;
                else
                    left++;
            }
        for (int i = 0; i < d->nexec; i++)
            if (d->exec_pids[i] > 0 && waitpid(d->exec_pids[i], NULL, WNOHANG) == d->exec_pids[i])
                d->exec_pids[i] = 0;
        if (!left)
            break;
        usleep(100 * 1000);
    }
    free(d->reqs);
    free(d);
    *dp = NULL;
}

void ns_driver_request(ns_driver_t *d, const ns_pool_conf_t *pool, int kind, int n, double now)
{
    for (int k = 0; k < n; k++) {
        if (d->nreqs == d->cap) {
            int ncap = d->cap ? d->cap * 2 : 16;
            s_req_t *r = realloc(d->reqs, (size_t)ncap * sizeof *r);
            if (!r) {
                ns_error("out of memory asking for workers");
                return;
            }
            d->reqs = r;
            d->cap = ncap;
        }
        s_req_t *r = &d->reqs[d->nreqs++];
        memset(r, 0, sizeof *r);
        snprintf(r->pool, sizeof r->pool, "%s", pool->name);
        r->kind = kind;
        r->asked_at = now;
        r->grant_at = now;
        r->price = kind == NS_KIND_SPOT ? pool->spot_price : pool->ondemand_price;
        s_pool_t *p = s_pool(d, pool->name);
        if (kind == NS_KIND_SPOT) {
            p->st.spot_asked++;
            if (!d->exec) {
                int granted = s_hits(d->spot_seq++, d->o.spot_grant_probability);
                r->grant_at = granted ? now + d->o.spot_grant_delay : INFINITY;
            }
        }
    }
}

int ns_driver_withdraw(ns_driver_t *d, const char *pool, int kind, int n)
{
    int done = 0;
    for (int i = d->nreqs - 1; i >= 0 && done < n; i--) {
        s_req_t *r = &d->reqs[i];
        if (r->state != R_PENDING || r->kind != kind || strcmp(r->pool, pool))
            continue;
        s_remove(d, i);
        done++;
    }
    return done;
}

int ns_driver_pending(const ns_driver_t *d, const char *pool, int kind, double *oldest)
{
    int n = 0;
    double o = 0;
    for (int i = 0; i < d->nreqs; i++) {
        const s_req_t *r = &d->reqs[i];
        if (r->state == R_JOINED || r->kind != kind || strcmp(r->pool, pool))
            continue;
        n++;
        if (o == 0 || r->asked_at < o)
            o = r->asked_at;
    }
    if (oldest)
        *oldest = o;
    return n;
}

int ns_driver_joined(ns_driver_t *d, const char *worker_id, const char *pool, int kind,
                     double now)
{
    int best = -1;
    for (int i = 0; i < d->nreqs; i++) {
        s_req_t *r = &d->reqs[i];
        if (r->state == R_STARTED && !strcmp(r->id, worker_id)) {
            best = i;
            break;
        }
    }
    if (best < 0 && d->exec)
        for (int i = 0; i < d->nreqs; i++) {
            s_req_t *r = &d->reqs[i];
            if (r->state == R_PENDING && r->kind == kind && !strcmp(r->pool, pool) &&
                (best < 0 || r->asked_at < d->reqs[best].asked_at))
                best = i;
        }
    if (best < 0)
        return 0;
    s_req_t *r = &d->reqs[best];
    s_pool_t *p = s_pool(d, r->pool);
    if (r->kind == NS_KIND_SPOT) {
        p->st.spot_granted++;
        p->delay_sum += now - r->asked_at;
    }
    if (d->exec) {
        p->st.started[r->kind]++;
        s_remove(d, best);
    } else {
        r->state = R_JOINED;
        p->early_exits = 0;
    }
    return 1;
}

/* /bin/sh -c CMD in the background (exec driver). */
static void s_run_cmd(ns_driver_t *d, const char *cmd)
{
    pid_t pid = fork();
    if (pid < 0) {
        ns_warn("driver: cannot run '%s': %s", cmd, strerror(errno));
        return;
    }
    if (pid == 0) {
        execl("/bin/sh", "sh", "-c", cmd, (char *)NULL);
        _exit(127);
    }
    ns_info("driver: running '%s' (pid %d)", cmd, (int)pid);
    for (int i = 0; i < d->nexec; i++)
        if (d->exec_pids[i] == 0) {
            d->exec_pids[i] = pid;
            return;
        }
    if (d->nexec < S_MAX_EXEC)
        d->exec_pids[d->nexec++] = pid;
    else
        waitpid(pid, NULL, 0); /* too many at once: wait for this one */
}

void ns_driver_apply(ns_driver_t *d, const char *pool, int kind, int count)
{
    if (!d->exec)
        return;
    s_pool_t *p = s_pool(d, pool);
    if (p->exec_count[kind] == count)
        return;
    char cmd[4096];
    size_t n = 0;
    for (const char *s = d->o.cmd; *s && n + 80 < sizeof cmd; s++) {
        if (*s != '%' || !s[1]) {
            cmd[n++] = *s;
            continue;
        }
        s++;
        if (*s == 'p')
            n += (size_t)snprintf(cmd + n, sizeof cmd - n, "%.63s", pool);
        else if (*s == 'k')
            n += (size_t)snprintf(cmd + n, sizeof cmd - n, "%s", s_kind_name(kind));
        else if (*s == 'n')
            n += (size_t)snprintf(cmd + n, sizeof cmd - n, "%d", count);
        else
            cmd[n++] = *s; /* %% and unknown: the character */
    }
    cmd[n] = '\0';
    p->exec_count[kind] = count;
    s_run_cmd(d, cmd);
}

/* Starts the worker process of request r (local driver). */
static void s_start(ns_driver_t *d, s_req_t *r)
{
    snprintf(r->id, sizeof r->id, "%.63s-%s-%d", r->pool, s_kind_name(r->kind), d->next_id++);
    char log[1200], price[32], hb[16], lv[16], slots[16];
    snprintf(log, sizeof log, "%s/%s.log", d->o.log_dir ? d->o.log_dir : ".", r->id);
    snprintf(price, sizeof price, "%g", r->price);
    snprintf(hb, sizeof hb, "%d", d->o.heartbeat_ms);
    snprintf(lv, sizeof lv, "%d", d->o.liveness_ms);
    snprintf(slots, sizeof slots, "%d", d->o.slots > 0 ? d->o.slots : 1);
    char *args[40 + 32];
    int n = 0;
    args[n++] = "nightshift";
    args[n++] = "worker";
    args[n++] = "--connect";
    args[n++] = (char *)d->o.connect;
    args[n++] = "--pool";
    args[n++] = r->pool;
    args[n++] = "--capacity";
    args[n++] = (char *)s_kind_name(r->kind);
    args[n++] = "--price";
    args[n++] = price;
    args[n++] = "--id";
    args[n++] = r->id;
    args[n++] = "--heartbeat-ms";
    args[n++] = hb;
    args[n++] = "--liveness-ms";
    args[n++] = lv;
    args[n++] = "--slots";
    args[n++] = slots;
    for (int i = 0; i < d->o.nworker_args && i < 32; i++)
        args[n++] = d->o.worker_args[i];
    args[n] = NULL;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid < 0) {
        ns_warn("driver: cannot start worker %s: %s", r->id, strerror(errno));
        return;
    }
    if (pid == 0) {
        /* die with the coordinator: a worker must not outlive the driver
         * that counts it */
        prctl(PR_SET_PDEATHSIG, SIGTERM);
        if (getppid() != parent)
            _exit(0);
        setpgid(0, 0); /* a terminal's ^C reaches the coordinator only */
        ns_child_stdio(log);
        execv("/proc/self/exe", args);
        _exit(127);
    }
    r->pid = pid;
    r->state = R_STARTED;
    s_pool_t *p = s_pool(d, r->pool);
    p->st.started[r->kind]++;
    if (r->kind == NS_KIND_SPOT)
        r->doomed = s_hits(d->granted_seq++, d->o.spot_interrupt_rate);
    ns_info("driver: started %s worker %s of pool %s (pid %d)%s", s_kind_name(r->kind), r->id,
            r->pool, (int)pid, r->doomed ? "; the spot simulation will interrupt it" : "");
}

void ns_driver_tick(ns_driver_t *d, double now, ns_driver_busy_fn *busy, void *arg)
{
    for (int i = 0; i < d->nexec; i++)
        if (d->exec_pids[i] > 0) {
            int st;
            if (waitpid(d->exec_pids[i], &st, WNOHANG) == d->exec_pids[i]) {
                if (!WIFEXITED(st) || WEXITSTATUS(st))
                    ns_warn("driver: command (pid %d) failed with status %d",
                            (int)d->exec_pids[i], WIFEXITED(st) ? WEXITSTATUS(st) : -1);
                d->exec_pids[i] = 0;
            }
        }
    if (d->exec)
        return;
    for (int i = d->nreqs - 1; i >= 0; i--) {
        s_req_t *r = &d->reqs[i];
        if (r->state == R_PENDING && r->grant_at <= now) {
            if (now >= s_pool(d, r->pool)->hold_until)
                s_start(d, r);
            continue;
        }
        if (r->pid <= 0)
            continue;
        int st;
        if (waitpid(r->pid, &st, WNOHANG) == r->pid) {
            ns_info("driver: worker %s exited (%s %d)", r->id,
                    WIFEXITED(st) ? "status" : "signal",
                    WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
            s_pool_t *p = s_pool(d, r->pool);
            if (r->state == R_STARTED) { /* it never joined: back off, 1 s doubling to 60 s */
                p->early_exits++;
                double wait = p->early_exits > 6 ? 60 : (double)(1 << (p->early_exits - 1));
                p->hold_until = now + wait;
                ns_warn("driver: worker %s exited before it joined (see its log); starting "
                        "workers of pool %s again in %.0fs", r->id, r->pool, wait);
            }
            s_remove(d, i);
            continue;
        }
        if (r->doomed && !r->noticed && r->state == R_JOINED && busy &&
            busy(arg, r->id) >= S_NOTICE_AFTER) {
            ns_info("driver: spot simulation: interruption notice to worker %s", r->id);
            kill(r->pid, SIGUSR1);
            r->noticed = 1;
            s_pool(d, r->pool)->st.interrupted++;
        }
    }
}

void ns_driver_stats(const ns_driver_t *d, const char *pool, ns_driver_stats_t *out)
{
    memset(out, 0, sizeof *out);
    for (int i = 0; i < d->npools; i++)
        if (!strcmp(d->pools[i].name, pool)) {
            *out = d->pools[i].st;
            if (out->spot_granted)
                out->spot_delay = d->pools[i].delay_sum / out->spot_granted;
        }
}
