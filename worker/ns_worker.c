/*
 * ns_worker: the worker process loop (see ns_worker.h).
 */
#include "ns_worker.h"

#include "ns_log.h"
#include "ns_proto.h"
#include "ns_rand.h"
#include "ns_task.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#define S_OUTBOX "inproc://ns-worker-outbox"

typedef struct s_slot {
    int busy;                    /* a thread is (or was) running in it */
    atomic_int finished;         /* the thread has pushed its last message */
    volatile sig_atomic_t cancel;
    pthread_t thread;
    ns_task_t task;
    void *zctx;
    double last_progress;        /* monotonic seconds of the last PROGRESS */
} s_slot_t;

static double s_mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

typedef struct {
    s_slot_t *slot;
    void *push;
} s_thread_ctx_t;

static void s_push(void *push, const ns_msgb_t *b)
{
    /* inproc PUSH to the main thread: blocking is fine, the main thread
     * drains it continuously */
    zmq_send(push, b->sb.data, b->sb.size, 0);
}

static void s_on_progress(void *arg, const ns_task_counters_t *c)
{
    s_thread_ctx_t *tc = arg;
    double now = s_mono();
    if (now - tc->slot->last_progress < 1.0)
        return;
    tc->slot->last_progress = now;
    const ns_task_t *t = &tc->slot->task;
    ns_msgb_t b;
    ns_msgb_init(&b, "PROGRESS", 7);
    ns_msgb_str(&b, "job", t->job);
    ns_msgb_int(&b, "task", t->task);
    ns_msgb_int(&b, "attempt", t->attempt);
    ns_msgb_int(&b, "bytes", (int64_t)c->bytes_in);
    ns_msgb_int(&b, "rows_in", (int64_t)c->rows_in);
    ns_msgb_int(&b, "rows_out", (int64_t)c->rows_out);
    ns_msgb_int(&b, "rejects", (int64_t)c->rejects);
    s_push(tc->push, &b);
    ns_msgb_free(&b);
}

static uint64_t s_memory_opt;
static int s_slow_ms;

static void *s_thread(void *arg)
{
    s_slot_t *slot = arg;
    void *push = zmq_socket(slot->zctx, ZMQ_PUSH);
    int linger = -1; /* what the thread pushed last (DONE) must arrive */
    int64_t maxmsg = NS_PROTO_MAX_MSG;
    zmq_setsockopt(push, ZMQ_LINGER, &linger, sizeof linger);
    zmq_setsockopt(push, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg);
    zmq_connect(push, S_OUTBOX);
    s_thread_ctx_t tc = {slot, push};
    ns_task_ctx_t ctx = {.cancel = &slot->cancel, .progress = s_on_progress, .arg = &tc,
                         .memory = s_memory_opt, .slow_ms = s_slow_ms};
    const ns_task_t *t = &slot->task;
    ns_msgb_t done;
    memset(&done, 0, sizeof done);
    ns_err_t err = {""};
    double t0 = s_mono();
    int rc = ns_task_run(t, &ctx, &done, &err);
    /* The slot counts as free from here: the coordinator may hand out the
     * next task as soon as it sees the message pushed below, and s_reap()
     * joins this thread (waiting out the push) before reusing the slot. */
    slot->finished = 1;
    if (rc == 0) {
        ns_info("%s task %lld attempt %lld done in %.2fs", t->job, (long long)t->task,
                (long long)t->attempt, s_mono() - t0);
        s_push(push, &done);
        ns_msgb_free(&done);
    } else {
        if (slot->cancel)
            snprintf(err.msg, sizeof err.msg, "cancelled");
        ns_warn("%s task %lld attempt %lld failed: %s", t->job, (long long)t->task,
                (long long)t->attempt, err.msg);
        ns_msgb_t b;
        ns_msgb_init(&b, "FAILED", 5);
        ns_msgb_str(&b, "job", t->job);
        ns_msgb_int(&b, "task", t->task);
        ns_msgb_int(&b, "attempt", t->attempt);
        ns_msgb_str(&b, "reason", err.msg);
        ns_msgb_bool(&b, "retryable", rc != -2);
        s_push(push, &b);
        ns_msgb_free(&b);
    }
    zmq_close(push);
    return NULL;
}

typedef struct {
    const ns_worker_opts_t *o;
    char id[NS_PROTO_MAX_ID];
    char host[64];
    int64_t session;           /* random per process: tells a restart from a re-READY */
    void *zctx, *dealer, *pull;
    void *mon;                 /* the dealer's handshakes (CurveZMQ) */
    double refused_logged;     /* when a refusal was last logged */
    double refused_at;         /* the coordinator refused our key then (0: not) */
    s_slot_t *slots;
    double last_heard, last_sent;
    int draining;              /* STOP or a preemption: no more tasks, exit when idle */
} s_worker_t;

static void s_send(s_worker_t *w, ns_msgb_t *b)
{
    if (ns_zsend(w->dealer, NULL, 0, b) < 0)
        ns_warn("cannot send to the coordinator: %s", zmq_strerror(errno));
    w->last_sent = s_mono();
}

static void s_send_ready(s_worker_t *w)
{
    ns_msgb_t b;
    ns_msgb_init(&b, "READY", w->o->price >= 0 ? 10 : 9);
    if (w->o->price >= 0)
        ns_msgb_double(&b, "price_per_hour", w->o->price);
    ns_msgb_int(&b, "session", w->session);
    ns_msgb_str(&b, "worker", w->id);
    ns_msgb_str(&b, "pool", w->o->pool);
    ns_msgb_str(&b, "capacity", w->o->capacity);
    ns_msgb_int(&b, "slots", w->o->slots);
    ns_msgb_int(&b, "memory", (int64_t)w->o->memory);
    ns_msgb_str(&b, "host", w->host);
    ns_msgb_int(&b, "pid", getpid());
    ns_msgb_key(&b, "running");
    int n = 0;
    for (int i = 0; i < w->o->slots; i++)
        n += w->slots[i].busy && !w->slots[i].finished;
    msgpack_pack_array(&b.pk, (size_t)n);
    for (int i = 0; i < w->o->slots; i++) {
        s_slot_t *s = &w->slots[i];
        if (!s->busy || s->finished)
            continue;
        msgpack_pack_array(&b.pk, 3);
        ns_mp_str(&b.pk, s->task.job);
        msgpack_pack_int64(&b.pk, s->task.task);
        msgpack_pack_int64(&b.pk, s->task.attempt);
    }
    s_send(w, &b);
    ns_msgb_free(&b);
}

static void s_reap(s_worker_t *w)
{
    for (int i = 0; i < w->o->slots; i++) {
        s_slot_t *s = &w->slots[i];
        if (s->busy && s->finished) {
            pthread_join(s->thread, NULL);
            ns_task_free(&s->task);
            s->busy = 0;
            s->finished = 0;
        }
    }
}

static void s_on_task(s_worker_t *w, const ns_msg_t *m)
{
    ns_err_t err;
    s_slot_t *slot = NULL;
    s_reap(w);
    for (int i = 0; i < w->o->slots; i++)
        if (!w->slots[i].busy) {
            slot = &w->slots[i];
            break;
        }
    ns_task_t t;
    if (ns_task_parse(&t, m->root, &err)) {
        ns_warn("dropping malformed TASK: %s", err.msg);
        return;
    }
    if (!slot || w->draining) {
        ns_msgb_t b;
        ns_msgb_init(&b, "FAILED", 6);
        ns_msgb_str(&b, "job", t.job);
        ns_msgb_int(&b, "task", t.task);
        ns_msgb_int(&b, "attempt", t.attempt);
        ns_msgb_str(&b, "reason", w->draining ? "the worker is leaving" : "no free slot on the worker");
        ns_msgb_bool(&b, "retryable", true);
        ns_msgb_bool(&b, "counted", false);
        s_send(w, &b);
        ns_msgb_free(&b);
        ns_task_free(&t);
        return;
    }
    slot->task = t;
    slot->busy = 1;
    slot->finished = 0;
    slot->cancel = 0;
    slot->last_progress = 0;
    slot->zctx = w->zctx;
    ns_info("%s %s task %lld attempt %lld started", t.job, t.is_map ? "map" : "reduce",
            (long long)t.task, (long long)t.attempt);
    if (pthread_create(&slot->thread, NULL, s_thread, slot)) {
        ns_error("cannot start a task thread");
        ns_task_free(&slot->task);
        slot->busy = 0;
    }
}

static void s_on_cancel(s_worker_t *w, const ns_msg_t *m)
{
    char job[NS_PROTO_MAX_ID];
    int64_t task, attempt;
    if (ns_mp_get_strz(m->root, "job", job, sizeof job, NULL) ||
        ns_mp_get_int(m->root, "task", &task, NULL) ||
        ns_mp_get_int(m->root, "attempt", &attempt, NULL))
        return;
    for (int i = 0; i < w->o->slots; i++) {
        s_slot_t *s = &w->slots[i];
        if (s->busy && !strcmp(s->task.job, job) && s->task.task == task &&
            s->task.attempt == attempt) {
            ns_info("%s task %lld attempt %lld cancelled by the coordinator", job,
                    (long long)task, (long long)attempt);
            s->cancel = 1;
        }
    }
}

static void s_on_message(s_worker_t *w, const void *data, size_t len)
{
    ns_msg_t m;
    ns_err_t err;
    if (ns_msg_decode(&m, data, len, true, &err)) {
        ns_warn("dropping malformed message from the coordinator: %s", err.msg);
        return;
    }
    w->last_heard = s_mono();
    if (!strcmp(m.type, "TASK"))
        s_on_task(w, &m);
    else if (!strcmp(m.type, "CANCEL"))
        s_on_cancel(w, &m);
    else if (!strcmp(m.type, "RESET"))
        s_send_ready(w);
    else if (!strcmp(m.type, "DISCONNECT"))
        w->last_heard = 0; /* coordinator going away: say READY again soon */
    else if (!strcmp(m.type, "STOP")) {
        if (!w->draining)
            ns_info("worker %s: the coordinator shrinks the pool; leaving once idle", w->id);
        w->draining = 1;
    }
    else if (strcmp(m.type, "HEARTBEAT"))
        ns_warn("dropping message of unknown type '%s'", m.type);
    ns_msg_free(&m);
}

void ns_worker_opts_default(ns_worker_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->connect = "tcp://127.0.0.1:7460";
    o->pool = "default";
    o->capacity = "on-demand";
    o->slots = 1;
    o->heartbeat_ms = 1000;
    o->liveness_ms = 5000;
    o->reconnect_ms = 250;
    o->reconnect_max_ms = 10000;
    o->price = -1;
}

/* A spot interruption notice: say PREEMPTING, stop what runs (the
 * coordinator has requeued it already), take nothing new. */
static void s_preempt(s_worker_t *w)
{
    ns_warn("worker %s: spot interruption notice; leaving", w->id);
    ns_msgb_t b;
    ns_msgb_init(&b, "PREEMPTING", 0);
    s_send(w, &b);
    ns_msgb_free(&b);
    w->draining = 1;
    for (int i = 0; i < w->o->slots; i++)
        if (w->slots[i].busy && !w->slots[i].finished)
            w->slots[i].cancel = 1;
}

#define S_REFUSED_RETRY_S 5.0

/* (Re)opens the DEALER to the coordinator: CurveZMQ keys, routing id,
 * reconnect backoff, the handshake monitor. */
static int s_dealer_open(s_worker_t *w, ns_err_t *err)
{
    const ns_worker_opts_t *o = w->o;
    if (w->mon)
        zmq_close(w->mon);
    if (w->dealer)
        zmq_close(w->dealer);
    w->mon = NULL;
    w->dealer = zmq_socket(w->zctx, ZMQ_DEALER);
    if (!w->dealer || ns_zsock_setup(w->dealer))
        return ns_errf(err, "cannot set up the worker socket: %s", zmq_strerror(errno));
    if (ns_sec_client(w->dealer, o->sec, o->connect, err))
        return -1;
    w->mon = o->sec->insecure ? NULL : ns_sec_monitor(w->zctx, w->dealer, "worker");
    zmq_setsockopt(w->dealer, ZMQ_ROUTING_ID, w->id, strlen(w->id));
    zmq_setsockopt(w->dealer, ZMQ_RECONNECT_IVL, &o->reconnect_ms, sizeof o->reconnect_ms);
    zmq_setsockopt(w->dealer, ZMQ_RECONNECT_IVL_MAX, &o->reconnect_max_ms,
                   sizeof o->reconnect_max_ms);
    if (zmq_connect(w->dealer, o->connect))
        return ns_errf(err, "cannot connect to '%s': %s", o->connect, zmq_strerror(errno));
    return 0;
}

static int s_idle(const s_worker_t *w)
{
    for (int i = 0; i < w->o->slots; i++)
        if (w->slots[i].busy)
            return 0;
    return 1;
}

int ns_worker_run(const ns_worker_opts_t *o, ns_err_t *err)
{
    s_worker_t w = {.o = o};
    int rc = -1;
    s_memory_opt = o->memory;
    s_slow_ms = o->slow_ms;
    gethostname(w.host, sizeof w.host - 1);
    if (o->id) {
        snprintf(w.id, sizeof w.id, "%s", o->id);
    } else {
        unsigned r = (unsigned)ns_rand_u64();
        snprintf(w.id, sizeof w.id, "%.40s-%d-%04x", w.host, (int)getpid(), r & 0xffff);
    }
    w.session = (int64_t)(ns_rand_u64() >> 1);
    ns_log_set_name("worker");
    w.slots = calloc((size_t)o->slots, sizeof *w.slots);
    w.zctx = zmq_ctx_new();
    w.pull = zmq_socket(w.zctx, ZMQ_PULL);
    if (!w.slots || !w.pull || ns_zsock_setup(w.pull) || zmq_bind(w.pull, S_OUTBOX)) {
        ns_errf(err, "cannot set up worker sockets: %s", zmq_strerror(errno));
        goto out;
    }
    if (!o->sec) {
        ns_errf(err, "no security settings: CurveZMQ keys, or insecure on loopback");
        goto out;
    }
    if (s_dealer_open(&w, err))
        goto out;
    ns_info("worker %s connecting to %s (pool %s, %s, %d slots)", w.id, o->connect, o->pool,
            o->capacity, o->slots);
    s_send_ready(&w);
    w.last_heard = s_mono();
    int preempted = 0;
    while (!*o->stop) {
        if (o->preempt && *o->preempt && !preempted) {
            preempted = 1;
            s_preempt(&w);
        }
        zmq_pollitem_t items[2] = {{w.dealer, 0, ZMQ_POLLIN, 0}, {w.pull, 0, ZMQ_POLLIN, 0}};
        int n = zmq_poll(items, 2, 100);
        if (n < 0 && errno != EINTR) {
            ns_errf(err, "poll failed: %s", zmq_strerror(errno));
            goto out;
        }
        if (n > 0 && (items[0].revents & ZMQ_POLLIN)) {
            for (int burst = 0; burst < 64; burst++) {
                zmq_msg_t msg;
                zmq_msg_init(&msg);
                if (zmq_msg_recv(&msg, w.dealer, ZMQ_DONTWAIT) < 0) {
                    zmq_msg_close(&msg);
                    break;
                }
                if (!zmq_msg_more(&msg))
                    s_on_message(&w, zmq_msg_data(&msg), zmq_msg_size(&msg));
                zmq_msg_close(&msg);
            }
        }
        if (n > 0 && (items[1].revents & ZMQ_POLLIN)) {
            for (int burst = 0; burst < 64; burst++) {
                zmq_msg_t msg;
                zmq_msg_init(&msg);
                if (zmq_msg_recv(&msg, w.pull, ZMQ_DONTWAIT) < 0) {
                    zmq_msg_close(&msg);
                    break;
                }
                if (zmq_send(w.dealer, zmq_msg_data(&msg), zmq_msg_size(&msg), ZMQ_DONTWAIT) < 0)
                    ns_warn("cannot forward a message to the coordinator: %s",
                            zmq_strerror(errno));
                w.last_sent = s_mono();
                zmq_msg_close(&msg);
            }
        }
        s_reap(&w);
        if (w.draining && s_idle(&w))
            break;
        double now = s_mono();
        if (w.mon && (ns_sec_events(w.mon) & NS_SEC_EV_REFUSED)) {
            if (now - w.refused_logged >= 30) {
                ns_error("the coordinator refused this worker's key %s: it is not on the "
                         "coordinator's allow-list with the role 'worker' (retrying)",
                         o->sec->own.public_key);
                w.refused_logged = now;
            }
            w.refused_at = now;
        }
        /* libzmq does not reconnect after a refusal: a new socket, in case
         * the key has been allowed meanwhile */
        if (w.refused_at > 0 && now - w.refused_at >= S_REFUSED_RETRY_S) {
            w.refused_at = 0;
            if (s_dealer_open(&w, err))
                goto out;
            s_send_ready(&w);
        }
        if ((now - w.last_heard) * 1000 > o->liveness_ms) {
            ns_warn("coordinator silent for %d ms; saying READY again", o->liveness_ms);
            s_send_ready(&w);
            w.last_heard = now;
        } else if ((now - w.last_sent) * 1000 >= o->heartbeat_ms) {
            ns_msgb_t b;
            ns_msgb_init(&b, "HEARTBEAT", 0);
            s_send(&w, &b);
            ns_msgb_free(&b);
        }
    }
    /* what finished threads pushed last (a DONE) goes out before DISCONNECT */
    for (;;) {
        zmq_msg_t msg;
        zmq_msg_init(&msg);
        if (zmq_msg_recv(&msg, w.pull, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&msg);
            break;
        }
        zmq_send(w.dealer, zmq_msg_data(&msg), zmq_msg_size(&msg), ZMQ_DONTWAIT);
        zmq_msg_close(&msg);
    }
    rc = 0;
    ns_info("worker %s stopping", w.id);
    {
        ns_msgb_t b;
        ns_msgb_init(&b, "DISCONNECT", 0);
        s_send(&w, &b);
        ns_msgb_free(&b);
    }
out:
    if (w.slots) {
        for (int i = 0; i < o->slots; i++)
            if (w.slots[i].busy)
                w.slots[i].cancel = 1;
        for (int i = 0; i < o->slots; i++)
            if (w.slots[i].busy) {
                /* drain the outbox so a thread blocked on send can finish */
                while (!w.slots[i].finished) {
                    zmq_msg_t msg;
                    zmq_msg_init(&msg);
                    zmq_msg_recv(&msg, w.pull, ZMQ_DONTWAIT);
                    zmq_msg_close(&msg);
                    usleep(1000);
                }
                pthread_join(w.slots[i].thread, NULL);
                ns_task_free(&w.slots[i].task);
            }
    }
    if (w.mon)
        zmq_close(w.mon);
    if (w.dealer) {
        /* give DISCONNECT a moment to leave */
        int linger = 200;
        zmq_setsockopt(w.dealer, ZMQ_LINGER, &linger, sizeof linger);
        zmq_close(w.dealer);
    }
    if (w.pull)
        zmq_close(w.pull);
    if (w.zctx)
        zmq_ctx_term(w.zctx);
    free(w.slots);
    return rc;
}
