/*
 * The coordinator on a real ZeroMQ socket (in a thread of the test): bytes
 * that are not a valid message (garbage, lying msgpack headers, a wrong
 * version, unknown types, extra frames, messages that reference unknown
 * jobs) are dropped and the coordinator goes on answering; an unknown
 * worker's heartbeat gets RESET; a READY registers the worker.
 */
#include "ns_coord.h"
#include "ns_proto.h"

#include <criterion/criterion.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zmq.h>

static volatile sig_atomic_t s_stop;
static char s_dir[64], s_journal[128], s_endpoint[64];
static int s_rc;

static void *s_run(void *arg)
{
    (void)arg;
    ns_coord_opts_t o;
    ns_coord_opts_default(&o);
    o.bind = s_endpoint;
    o.journal = s_journal;
    o.stop = &s_stop;
    static const ns_sec_t insecure = {.insecure = true}; /* loopback */
    o.sec = &insecure;
    ns_err_t err;
    s_rc = ns_coord_run(&o, &err);
    return NULL;
}

static int s_recv_type(void *sock, char *type, size_t cap, int timeout_ms)
{
    zmq_pollitem_t it = {sock, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, timeout_ms) <= 0)
        return -1;
    char buf[65536];
    int n = zmq_recv(sock, buf, sizeof buf, 0);
    if (n < 0)
        return -1;
    ns_msg_t m;
    ns_err_t err;
    if (ns_msg_decode(&m, buf, (size_t)n, true, &err))
        return -1;
    snprintf(type, cap, "%s", m.type);
    bool ok = true;
    ns_mp_get_bool(m.root, "ok", &ok, NULL);
    ns_msg_free(&m);
    return ok ? 0 : 1;
}

Test(coord, survives_malformed_messages)
{
    strcpy(s_dir, "/tmp/ns-coord.XXXXXX");
    cr_assert(mkdtemp(s_dir));
    snprintf(s_journal, sizeof s_journal, "%s/journal", s_dir);
    snprintf(s_endpoint, sizeof s_endpoint, "tcp://127.0.0.1:%d", 30000 + getpid() % 20000);
    s_stop = 0;
    pthread_t th;
    cr_assert_eq(pthread_create(&th, NULL, s_run, NULL), 0);

    void *ctx = zmq_ctx_new();
    void *d = zmq_socket(ctx, ZMQ_DEALER);
    ns_zsock_setup(d);
    cr_assert_eq(zmq_connect(d, s_endpoint), 0);

    /* garbage of every kind */
    const char *junk[] = {"hello", "\x93\x01\x02\x03", "\x81\xa1t\xdd\xff\xff\xff\xff",
                          "\x82\xa1v\x02\xa1t\xa4LIST", "\x82\xa1v\x01\xa1t\xa4NOPE"};
    const size_t jlen[] = {5, 4, 8, 11, 11};
    for (int i = 0; i < 5; i++)
        cr_assert_geq(zmq_send(d, junk[i], jlen[i], 0), 0);
    zmq_send(d, "a", 1, ZMQ_SNDMORE); /* a two-frame message */
    zmq_send(d, "b", 1, 0);
    ns_msgb_t b;
    ns_msgb_init(&b, "STATUS", 1); /* an unknown job: a clear refusal */
    ns_msgb_str(&b, "job", "no-such-job");
    zmq_send(d, b.sb.data, b.sb.size, 0);
    ns_msgb_free(&b);
    char type[32];
    int rc = -1;
    /* the first answer may take a moment (the coordinator starts up) */
    for (int i = 0; i < 50 && rc < 0; i++)
        rc = s_recv_type(d, type, sizeof type, 100);
    cr_assert_eq(rc, 1, "an unknown job must get a refusal");
    cr_assert_str_eq(type, "REPLY");

    ns_msgb_init(&b, "LIST", 0);
    zmq_send(d, b.sb.data, b.sb.size, 0);
    ns_msgb_free(&b);
    cr_assert_eq(s_recv_type(d, type, sizeof type, 5000), 0, "no answer to LIST after junk");

    /* a heartbeat from a worker it does not know: RESET */
    ns_msgb_init(&b, "HEARTBEAT", 0);
    zmq_send(d, b.sb.data, b.sb.size, 0);
    ns_msgb_free(&b);
    cr_assert_geq(s_recv_type(d, type, sizeof type, 5000), 0);
    cr_assert_str_eq(type, "RESET");

    /* a malformed READY (slots missing) is dropped; a good one registers */
    ns_msgb_init(&b, "READY", 1);
    ns_msgb_str(&b, "worker", "w1");
    zmq_send(d, b.sb.data, b.sb.size, 0);
    ns_msgb_free(&b);
    ns_msgb_init(&b, "READY", 5);
    ns_msgb_str(&b, "worker", "w1");
    ns_msgb_str(&b, "pool", "default");
    ns_msgb_str(&b, "capacity", "spot");
    ns_msgb_int(&b, "slots", 1);
    ns_msgb_int(&b, "memory", 0);
    zmq_send(d, b.sb.data, b.sb.size, 0);
    ns_msgb_free(&b);
    void *cli = zmq_socket(ctx, ZMQ_DEALER);
    ns_zsock_setup(cli);
    zmq_connect(cli, s_endpoint);
    ns_msgb_init(&b, "LIST", 0);
    zmq_send(cli, b.sb.data, b.sb.size, 0);
    ns_msgb_free(&b);
    zmq_pollitem_t it = {cli, 0, ZMQ_POLLIN, 0};
    cr_assert_eq(zmq_poll(&it, 1, 5000), 1);
    char buf[65536];
    int n = zmq_recv(cli, buf, sizeof buf, 0);
    ns_msg_t m;
    ns_err_t err;
    cr_assert_eq(ns_msg_decode(&m, buf, (size_t)n, true, &err), 0);
    const msgpack_object *workers;
    uint32_t nw;
    cr_assert_eq(ns_mp_get_array(m.root, "workers", &workers, &nw, &err), 0);
    cr_assert_eq(nw, 1, "the good READY registers exactly one worker");
    ns_msg_free(&m);

    s_stop = 1;
    pthread_join(th, NULL);
    cr_assert_eq(s_rc, 0);
    zmq_close(cli);
    zmq_close(d);
    zmq_ctx_term(ctx);
    unlink(s_journal);
    rmdir(s_dir);
}
