/*
 * ns_curve: key files, the allow-list, and real CurveZMQ sockets on
 * loopback: an allowed key gets through with its roles, an unknown key or a
 * wrong server key does not, a server without its ZAP handler refuses
 * everyone, the allow-list is reread when it changes, and plain TCP is
 * refused off loopback.
 */
#include "ns_curve.h"
#include "ns_proto.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zmq.h>

static char s_dir[64];

static void s_mkdir(void)
{
    strcpy(s_dir, "/tmp/ns-curve.XXXXXX");
    cr_assert(mkdtemp(s_dir));
}

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
}

static void s_key(const char *name, ns_keypair_t *kp)
{
    ns_err_t err;
    cr_assert_eq(ns_keypair_new(kp, &err), 0, "%s", err.msg);
    cr_assert_eq(ns_keypair_write(s_dir, name, kp, &err), 0, "%s", err.msg);
}

Test(curve, key_files)
{
    s_mkdir();
    ns_keypair_t kp, back;
    s_key("w1", &kp);
    char path[128];
    struct stat st;
    snprintf(path, sizeof path, "%s/w1.key", s_dir);
    cr_assert_eq(stat(path, &st), 0);
    cr_assert_eq(st.st_mode & 0777, 0600);
    ns_err_t err;
    cr_assert_eq(ns_keyfile_read(path, &back, true, &err), 0, "%s", err.msg);
    cr_assert_str_eq(back.public_key, kp.public_key);
    cr_assert_str_eq(back.secret_key, kp.secret_key);
    /* the .pub holds no secret */
    snprintf(path, sizeof path, "%s/w1.pub", s_dir);
    cr_assert_eq(ns_keyfile_read(path, &back, false, &err), 0, "%s", err.msg);
    cr_assert_str_eq(back.public_key, kp.public_key);
    cr_assert_neq(ns_keyfile_read(path, &back, true, &err), 0);
    cr_assert(strstr(err.msg, "secret-key"), "%s", err.msg);
    FILE *f = fopen(path, "r");
    char text[512] = "";
    cr_assert(f);
    cr_assert_gt(fread(text, 1, sizeof text - 1, f), 0);
    fclose(f);
    cr_assert_null(strstr(text, kp.secret_key));
    /* never overwritten */
    cr_assert_neq(ns_keypair_write(s_dir, "w1", &kp, &err), 0);
    cr_assert(strstr(err.msg, "never overwritten"), "%s", err.msg);
    /* a key pair others may read is refused */
    snprintf(path, sizeof path, "%s/w1.key", s_dir);
    chmod(path, 0644);
    cr_assert_neq(ns_keyfile_read(path, &back, true, &err), 0);
    cr_assert(strstr(err.msg, "chmod 600"), "%s", err.msg);
    chmod(path, 0640); /* group-readable (a Kubernetes secret with fsGroup) is fine */
    cr_assert_eq(ns_keyfile_read(path, &back, true, &err), 0, "%s", err.msg);
    /* a public key given as text or as a file */
    char pub[NS_KEY_Z85];
    cr_assert_eq(ns_key_parse_public(kp.public_key, pub, &err), 0);
    cr_assert_str_eq(pub, kp.public_key);
    cr_assert_neq(ns_key_parse_public("not-a-key", pub, &err), 0);
    /* a damaged key file */
    snprintf(path, sizeof path, "%s/bad.key", s_dir);
    s_write(path, "public-key = \"short\"\n");
    cr_assert_neq(ns_keyfile_read(path, &back, false, &err), 0);
    cr_assert(strstr(err.msg, "no valid public-key"), "%s", err.msg);
}

Test(curve, allow_list)
{
    ns_keypair_t a, b;
    ns_err_t err;
    cr_assert_eq(ns_keypair_new(&a, &err), 0);
    cr_assert_eq(ns_keypair_new(&b, &err), 0);
    char text[1024];
    snprintf(text, sizeof text,
             "# comment\n\n  # indented comment\nworker %s w1\nworker,client\t%s\n",
             a.public_key, b.public_key);
    ns_allow_entry_t *e;
    int n;
    cr_assert_eq(ns_allow_parse(text, "allow", &e, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 2);
    cr_assert_str_eq(e[0].key, a.public_key);
    cr_assert_eq(e[0].roles, NS_ROLE_WORKER);
    cr_assert_str_eq(e[0].name, "w1");
    cr_assert_eq(e[1].roles, NS_ROLE_ALL);
    cr_assert_str_eq(e[1].name, "-");
    free(e);

    struct {
        const char *fmt, *want;
    } bad[] = {
        {"admin %s x\n", "line 1: the roles"},
        {"# c\nworker 12345\n", "line 2: the public key"},
        {"worker %s a b\n", "line 1: expected ROLES PUBLIC-KEY [NAME]"},
        {"worker %s a # no trailing comments\n", "line 1: expected ROLES PUBLIC-KEY [NAME]"},
        {"worker %s\nclient %s\n", "line 2: the key is listed twice"},
        {"# nobody\n", "names no key"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(text, sizeof text, bad[i].fmt, a.public_key, a.public_key);
        cr_assert_neq(ns_allow_parse(text, "allow", &e, &n, &err), 0, "case %zu", i);
        cr_assert(strstr(err.msg, bad[i].want), "case %zu: %s", i, err.msg);
        cr_assert_null(e);
    }
}

Test(curve, loopback_and_insecure)
{
    cr_assert(ns_sec_loopback("tcp://127.0.0.1:7460"));
    cr_assert(ns_sec_loopback("tcp://127.0.0.53:1"));
    cr_assert(ns_sec_loopback("tcp://localhost:7460"));
    cr_assert(ns_sec_loopback("tcp://[::1]:7460"));
    cr_assert(ns_sec_loopback("ipc:///tmp/x"));
    cr_assert(ns_sec_loopback("tcp://10.0.0.1:5;127.0.0.1:7460"));
    cr_assert_not(ns_sec_loopback("tcp://0.0.0.0:7460"));
    cr_assert_not(ns_sec_loopback("tcp://*:7460"));
    cr_assert_not(ns_sec_loopback("tcp://10.1.2.3:7460"));
    cr_assert_not(ns_sec_loopback("tcp://127.0.0.1.evil.example:7460"));
    cr_assert_not(ns_sec_loopback("tcp://localhost.example:7460"));

    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_ROUTER);
    ns_sec_t sec = {.insecure = true};
    ns_err_t err;
    cr_assert_neq(ns_sec_server(s, &sec, "tcp://0.0.0.0:7460", &err), 0);
    cr_assert(strstr(err.msg, "loopback only"), "%s", err.msg);
    cr_assert_neq(ns_sec_client(s, &sec, "tcp://192.0.2.1:7460", &err), 0);
    cr_assert_eq(ns_sec_server(s, &sec, "tcp://127.0.0.1:7460", &err), 0);
    zmq_close(s);
    zmq_ctx_term(ctx);

    /* the environment says insecure; otherwise the keys must be there */
    s_mkdir();
    ns_sec_opts_t o = {.keys_dir = s_dir};
    setenv("NIGHTSHIFT_INSECURE", "1", 1);
    cr_assert_eq(ns_sec_load(&sec, NS_SEC_WORKER, &o, "/nonexistent", &err), 0);
    cr_assert(sec.insecure);
    setenv("NIGHTSHIFT_INSECURE", "0", 1);
    cr_assert_neq(ns_sec_load(&sec, NS_SEC_WORKER, &o, "/nonexistent", &err), 0);
    cr_assert(strstr(err.msg, "worker.key") && strstr(err.msg, "nightshift keys init"), "%s",
              err.msg);
    unsetenv("NIGHTSHIFT_INSECURE");
}

/* ---- real sockets ---- */

static char s_ep[64];
static ns_keypair_t s_server;

/* A CURVE server ROUTER on a free loopback port, with (zap != NULL) or
 * without a ZAP handler. */
static void *s_serve(void *ctx, const char *allow, ns_zap_t **zap, bool enforce)
{
    ns_err_t err;
    if (zap) {
        *zap = ns_zap_start(ctx, allow, &err);
        cr_assert(*zap, "%s", err.msg);
    }
    void *r = zmq_socket(ctx, ZMQ_ROUTER);
    ns_zsock_setup(r);
    ns_sec_t sec = {0};
    sec.own = s_server;
    if (enforce) {
        cr_assert_eq(ns_sec_server(r, &sec, "tcp://127.0.0.1:1", &err), 0, "%s", err.msg);
    } else { /* what libzmq does by itself: CURVE, a domain, no enforcement */
        int one = 1;
        zmq_setsockopt(r, ZMQ_CURVE_SERVER, &one, sizeof one);
        zmq_setsockopt(r, ZMQ_CURVE_SECRETKEY, s_server.secret_key, 41);
        zmq_setsockopt(r, ZMQ_ZAP_DOMAIN, NS_ZAP_DOMAIN, strlen(NS_ZAP_DOMAIN));
    }
    cr_assert_eq(zmq_bind(r, "tcp://127.0.0.1:*"), 0);
    size_t len = sizeof s_ep;
    zmq_getsockopt(r, ZMQ_LAST_ENDPOINT, s_ep, &len);
    return r;
}

/* Connects a client with key kp (server key: server_pub) and sends "hi";
 * returns the roles the server saw on it, or -1 if nothing arrived within
 * 1.5 s. *refused: the client saw an authentication failure. */
static int s_try(void *sctx, void *router, const ns_keypair_t *kp, const char *server_pub,
                 int *refused)
{
    void *cctx = zmq_ctx_new();
    void *d = zmq_socket(cctx, ZMQ_DEALER);
    ns_zsock_setup(d);
    ns_sec_t sec = {0};
    sec.own = *kp;
    memcpy(sec.server_key, server_pub, NS_KEY_Z85);
    ns_err_t err;
    cr_assert_eq(ns_sec_client(d, &sec, s_ep, &err), 0, "%s", err.msg);
    void *mon = ns_sec_monitor(cctx, d, "test");
    cr_assert(mon);
    cr_assert_eq(zmq_connect(d, s_ep), 0);
    zmq_send(d, "hi", 2, ZMQ_DONTWAIT);
    int roles = -1;
    ns_sec_t server_sec = {0};
    zmq_pollitem_t it = {router, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&it, 1, 1500) > 0) {
        char rid[256];
        zmq_recv(router, rid, sizeof rid, 0);
        zmq_msg_t m;
        zmq_msg_init(&m);
        zmq_msg_recv(&m, router, 0);
        roles = ns_sec_msg_roles(&server_sec, &m);
        zmq_msg_close(&m);
    }
    *refused = (ns_sec_events(mon) & NS_SEC_EV_REFUSED) != 0;
    zmq_close(mon);
    zmq_close(d);
    zmq_ctx_term(cctx);
    (void)sctx;
    return roles;
}

Test(curve, zap_allows_and_refuses)
{
    s_mkdir();
    ns_keypair_t w, c, x;
    s_key("coordinator", &s_server);
    s_key("w", &w);
    s_key("c", &c);
    s_key("x", &x);
    char allow[128], text[512];
    snprintf(allow, sizeof allow, "%s/allow", s_dir);
    snprintf(text, sizeof text, "worker %s w\nclient %s c\n", w.public_key, c.public_key);
    s_write(allow, text);
    void *ctx = zmq_ctx_new();
    ns_zap_t *zap;
    void *r = s_serve(ctx, allow, &zap, true);
    int refused;
    cr_assert_eq(s_try(ctx, r, &w, s_server.public_key, &refused), NS_ROLE_WORKER);
    cr_assert_eq(s_try(ctx, r, &c, s_server.public_key, &refused), NS_ROLE_CLIENT);
    /* unknown key: nothing arrives, the client learns it was refused */
    cr_assert_eq(s_try(ctx, r, &x, s_server.public_key, &refused), -1);
    cr_assert(refused);
    long acc, ref;
    ns_zap_counts(zap, &acc, &ref);
    cr_assert_eq(acc, 2);
    cr_assert_geq(ref, 1);
    /* an allowed key that pins another server key gets nowhere */
    cr_assert_eq(s_try(ctx, r, &w, x.public_key, &refused), -1);

    /* the allow-list is reread: x added (a new file renamed over it) */
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s.new", allow);
    snprintf(text, sizeof text, "worker %s w\nclient %s c\nworker,client %s x\n", w.public_key,
             c.public_key, x.public_key);
    s_write(tmp, text);
    cr_assert_eq(rename(tmp, allow), 0);
    cr_assert_eq(s_try(ctx, r, &x, s_server.public_key, &refused), NS_ROLE_ALL);
    /* a broken allow-list refuses everyone, even keys it used to allow */
    s_write(tmp, "worker not-a-key\n");
    cr_assert_eq(rename(tmp, allow), 0);
    cr_assert_eq(s_try(ctx, r, &w, s_server.public_key, &refused), -1);
    cr_assert(refused);
    unlink(allow);
    cr_assert_eq(s_try(ctx, r, &w, s_server.public_key, &refused), -1);

    zmq_close(r);
    ns_zap_stop(&zap);
    zmq_ctx_term(ctx);
}

Test(curve, no_handler_refuses_everyone)
{
    s_mkdir();
    ns_keypair_t w;
    s_key("coordinator", &s_server);
    s_key("w", &w);
    int refused;
    /* libzmq alone, without a handler: any key gets in (why the domain is
     * enforced) */
    void *ctx = zmq_ctx_new();
    void *r = s_serve(ctx, NULL, NULL, false);
    cr_assert_neq(s_try(ctx, r, &w, s_server.public_key, &refused), -1);
    zmq_close(r);
    zmq_ctx_term(ctx);
    /* ns_sec_server, no handler: nobody */
    ctx = zmq_ctx_new();
    r = s_serve(ctx, NULL, NULL, true);
    cr_assert_eq(s_try(ctx, r, &w, s_server.public_key, &refused), -1);
    zmq_close(r);
    zmq_ctx_term(ctx);
    /* a handler cannot start on an unusable allow-list */
    char allow[128];
    snprintf(allow, sizeof allow, "%s/allow", s_dir);
    ns_err_t err;
    cr_assert_null(ns_zap_start(ctx = zmq_ctx_new(), allow, &err));
    cr_assert(strstr(err.msg, "cannot open"), "%s", err.msg);
    s_write(allow, "# empty\n");
    cr_assert_null(ns_zap_start(ctx, allow, &err));
    cr_assert(strstr(err.msg, "names no key"), "%s", err.msg);
    zmq_ctx_term(ctx);
}
