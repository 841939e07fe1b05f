/*
 * ns_curve: CurveZMQ keys, the allow-list and the ZAP handler (ns_curve.h,
 * docs/SECURITY.md).
 */
#include "ns_curve.h"

#include "ns_log.h"
#include "ns_proto.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <zmq.h>

#ifndef ZMQ_ZAP_ENFORCE_DOMAIN
#define ZMQ_ZAP_ENFORCE_DOMAIN 93 /* libzmq >= 4.3 (a draft option there) */
#endif

#define S_KEYFILE_MAX 4096
#define S_ALLOW_MAX (4 * 1024 * 1024)

/* ------------------------------------------------------------------ keys */

static bool s_z85_ok(const char *k)
{
    uint8_t bin[32];
    return strlen(k) == 40 && zmq_z85_decode(bin, k) != NULL;
}

int ns_keypair_new(ns_keypair_t *kp, ns_err_t *err)
{
    if (zmq_curve_keypair(kp->public_key, kp->secret_key))
        return ns_errf(err, "cannot make a CURVE key pair: %s (libzmq without CurveZMQ?)",
                       zmq_strerror(errno));
    return 0;
}

static int s_write_new(const char *path, const char *text, mode_t mode, ns_err_t *err)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
    if (fd < 0)
        return ns_errf(err, "cannot create '%s': %s", path, strerror(errno));
    size_t n = strlen(text);
    int bad = write(fd, text, n) != (ssize_t)n || fsync(fd);
    int e = errno;
    close(fd);
    if (bad) {
        unlink(path);
        return ns_errf(err, "cannot write '%s': %s", path, strerror(e));
    }
    return 0;
}

int ns_keypair_write(const char *dir, const char *name, const ns_keypair_t *kp, ns_err_t *err)
{
    char key[1200], pub[1200], text[512];
    snprintf(key, sizeof key, "%s/%s.key", dir, name);
    snprintf(pub, sizeof pub, "%s/%s.pub", dir, name);
    if (!access(key, F_OK) || !access(pub, F_OK))
        return ns_errf(err, "'%s' or '%s' exists already: keys are never overwritten", key, pub);
    snprintf(text, sizeof text,
             "# nightshift CurveZMQ key pair '%s': keep it private (mode 0600)\n"
             "public-key = \"%s\"\nsecret-key = \"%s\"\n",
             name, kp->public_key, kp->secret_key);
    int rc = s_write_new(key, text, 0600, err);
    explicit_bzero(text, sizeof text);
    if (rc)
        return -1;
    snprintf(text, sizeof text, "# nightshift CurveZMQ public key '%s'\npublic-key = \"%s\"\n",
             name, kp->public_key);
    if (s_write_new(pub, text, 0644, err)) {
        unlink(key);
        return -1;
    }
    return 0;
}

/* The value of `NAME = "VALUE"` in text, into out (41 bytes); 0 if found. */
static int s_key_value(const char *text, const char *name, char out[NS_KEY_Z85])
{
    size_t nl = strlen(name);
    for (const char *p = text; p && *p; p = strchr(p, '\n') ? strchr(p, '\n') + 1 : NULL) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncmp(p, name, nl))
            continue;
        p += nl;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p++ != '=')
            continue;
        while (*p == ' ' || *p == '\t')
            p++;
        if (*p++ != '"')
            continue;
        const char *q = strchr(p, '"');
        if (!q || q - p != 40)
            return -1;
        memcpy(out, p, 40);
        out[40] = '\0';
        return s_z85_ok(out) ? 0 : -1;
    }
    return -1;
}

/* Reads a small file into buf (cap bytes, NUL-terminated). */
static int s_read_small(const char *path, char *buf, size_t cap, struct stat *st, ns_err_t *err)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return ns_errf(err, "cannot open '%s': %s", path, strerror(errno));
    if (fstat(fd, st)) {
        close(fd);
        return ns_errf(err, "cannot stat '%s': %s", path, strerror(errno));
    }
    if ((size_t)st->st_size >= cap) {
        close(fd);
        return ns_errf(err, "'%s' is larger than %zu bytes", path, cap - 1);
    }
    ssize_t n = read(fd, buf, cap - 1);
    close(fd);
    if (n < 0)
        return ns_errf(err, "cannot read '%s': %s", path, strerror(errno));
    buf[n] = '\0';
    return 0;
}

int ns_keyfile_read(const char *path, ns_keypair_t *kp, bool want_secret, ns_err_t *err)
{
    char text[S_KEYFILE_MAX];
    struct stat st;
    memset(kp, 0, sizeof *kp);
    if (s_read_small(path, text, sizeof text, &st, err))
        return -1;
    int rc = 0;
    if (s_key_value(text, "public-key", kp->public_key)) {
        rc = ns_errf(err, "'%s' holds no valid public-key = \"<40 Z85 characters>\"", path);
    } else if (want_secret) {
        if (s_key_value(text, "secret-key", kp->secret_key))
            rc = ns_errf(err, "'%s' holds no valid secret-key (a .pub file instead of a .key?)",
                         path);
        else if (st.st_mode & 027) /* group-readable is fine (a Kubernetes secret's fsGroup) */
            rc = ns_errf(err, "key pair '%s' may be read by others (mode %04o): chmod 600 it",
                         path, (unsigned)(st.st_mode & 07777));
    }
    explicit_bzero(text, sizeof text);
    if (rc)
        explicit_bzero(kp, sizeof *kp);
    return rc;
}

int ns_key_parse_public(const char *text_or_path, char pub[NS_KEY_Z85], ns_err_t *err)
{
    if (strlen(text_or_path) == 40 && s_z85_ok(text_or_path)) {
        memcpy(pub, text_or_path, NS_KEY_Z85);
        return 0;
    }
    ns_keypair_t kp;
    if (ns_keyfile_read(text_or_path, &kp, false, err))
        return -1;
    memcpy(pub, kp.public_key, NS_KEY_Z85);
    return 0;
}

/* ------------------------------------------------------------ allow-list */

int ns_roles_parse(const char *s)
{
    if (!strcmp(s, "worker"))
        return NS_ROLE_WORKER;
    if (!strcmp(s, "client"))
        return NS_ROLE_CLIENT;
    if (!strcmp(s, "worker,client") || !strcmp(s, "client,worker"))
        return NS_ROLE_ALL;
    return -1;
}

const char *ns_roles_name(int roles)
{
    switch (roles) {
    case NS_ROLE_WORKER: return "worker";
    case NS_ROLE_CLIENT: return "client";
    case NS_ROLE_ALL: return "worker,client";
    default: return "none";
    }
}

int ns_allow_parse(const char *text, const char *path, ns_allow_entry_t **out, int *n,
                   ns_err_t *err)
{
    *out = NULL;
    *n = 0;
    int cap = 0, line = 0;
    for (const char *p = text; *p;) {
        const char *e = strchr(p, '\n');
        size_t len = e ? (size_t)(e - p) : strlen(p);
        line++;
        char buf[512];
        if (len >= sizeof buf) {
            free(*out);
            *out = NULL;
            return ns_errf(err, "%s line %d: longer than %zu bytes", path, line, sizeof buf - 1);
        }
        memcpy(buf, p, len);
        buf[len] = '\0';
        p = e ? e + 1 : p + len;
        char *save = NULL;
        char *roles = strtok_r(buf, " \t\r", &save);
        if (!roles || roles[0] == '#') /* Z85 has '#': comments are whole lines */
            continue;
        char *key = strtok_r(NULL, " \t\r", &save);
        char *name = strtok_r(NULL, " \t\r", &save);
        char *extra = name ? strtok_r(NULL, " \t\r", &save) : NULL;
        int r = ns_roles_parse(roles);
        const char *why = NULL;
        if (r < 0)
            why = "the roles must be worker, client or worker,client";
        else if (!key || !s_z85_ok(key))
            why = "the public key must be 40 Z85 characters";
        else if (name && strlen(name) >= sizeof(*out)->name)
            why = "the name is longer than 63 bytes";
        else if (extra)
            why = "expected ROLES PUBLIC-KEY [NAME]";
        for (int i = 0; !why && i < *n; i++)
            if (!strcmp((*out)[i].key, key))
                why = "the key is listed twice (give it the roles worker,client instead)";
        if (why) {
            free(*out);
            *out = NULL;
            *n = 0;
            return ns_errf(err, "%s line %d: %s", path, line, why);
        }
        if (*n == cap) {
            cap = cap ? 2 * cap : 16;
            ns_allow_entry_t *m = realloc(*out, (size_t)cap * sizeof *m);
            if (!m) {
                free(*out);
                *out = NULL;
                *n = 0;
                return ns_errf(err, "out of memory reading '%s'", path);
            }
            *out = m;
        }
        ns_allow_entry_t *a = &(*out)[(*n)++];
        memcpy(a->key, key, NS_KEY_Z85);
        a->roles = r;
        snprintf(a->name, sizeof a->name, "%s", name ? name : "-");
    }
    if (*n == 0)
        return ns_errf(err, "the allow-list '%s' names no key: nobody could connect", path);
    return 0;
}

/* --------------------------------------------------------------- sockets */

bool ns_sec_loopback(const char *ep)
{
    if (!strncmp(ep, "ipc://", 6) || !strncmp(ep, "inproc://", 9))
        return true;
    if (strncmp(ep, "tcp://", 6))
        return false;
    const char *h = ep + 6;
    const char *semi = strchr(h, ';'); /* tcp://SOURCE;HOST:PORT */
    if (semi)
        h = semi + 1;
    const char *colon = strrchr(h, ':');
    if (!colon || colon - h >= 64)
        return false;
    char host[64];
    memcpy(host, h, (size_t)(colon - h));
    host[colon - h] = '\0';
    struct in_addr a4;
    if (inet_pton(AF_INET, host, &a4) == 1)
        return (ntohl(a4.s_addr) >> 24) == 127;
    return !strcmp(host, "localhost") || !strcmp(host, "[::1]");
}

static int s_insecure_ok(const char *endpoint, const char *what, ns_err_t *err)
{
    if (!ns_sec_loopback(endpoint))
        return ns_errf(err,
                       "--insecure (plain TCP) is allowed on loopback only, not to %s '%s': "
                       "use CurveZMQ keys (nightshift keys init)",
                       what, endpoint);
    return 0;
}

int ns_sec_client(void *sock, const ns_sec_t *s, const char *endpoint, ns_err_t *err)
{
    if (s->insecure)
        return s_insecure_ok(endpoint, "connect", err);
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVERKEY, s->server_key, NS_KEY_Z85) ||
        zmq_setsockopt(sock, ZMQ_CURVE_PUBLICKEY, s->own.public_key, NS_KEY_Z85) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, s->own.secret_key, NS_KEY_Z85))
        return ns_errf(err, "cannot set the CurveZMQ keys: %s", zmq_strerror(errno));
    return 0;
}

int ns_sec_server(void *sock, const ns_sec_t *s, const char *endpoint, ns_err_t *err)
{
    if (s->insecure)
        return s_insecure_ok(endpoint, "bind", err);
    int one = 1;
    if (zmq_setsockopt(sock, ZMQ_CURVE_SERVER, &one, sizeof one) ||
        zmq_setsockopt(sock, ZMQ_CURVE_SECRETKEY, s->own.secret_key, NS_KEY_Z85) ||
        zmq_setsockopt(sock, ZMQ_ZAP_DOMAIN, NS_ZAP_DOMAIN, strlen(NS_ZAP_DOMAIN)))
        return ns_errf(err, "cannot make a CurveZMQ server: %s", zmq_strerror(errno));
    /* without it, a handler that is missing would let every key in */
    if (zmq_setsockopt(sock, ZMQ_ZAP_ENFORCE_DOMAIN, &one, sizeof one))
        return ns_errf(err, "this libzmq cannot enforce the ZAP domain (ZMQ_ZAP_ENFORCE_DOMAIN): %s",
                       zmq_strerror(errno));
    return 0;
}

int ns_sec_msg_roles(const ns_sec_t *s, void *zmq_msg)
{
    if (s->insecure)
        return NS_ROLE_ALL;
    const char *uid = zmq_msg_gets((zmq_msg_t *)zmq_msg, "User-Id");
    if (!uid)
        return 0;
    char roles[32];
    size_t n = strcspn(uid, ":");
    if (n >= sizeof roles)
        return 0;
    memcpy(roles, uid, n);
    roles[n] = '\0';
    int r = ns_roles_parse(roles);
    return r < 0 ? 0 : r;
}

void *ns_sec_monitor(void *zctx, void *sock, const char *name)
{
    char ep[128];
    snprintf(ep, sizeof ep, "inproc://ns-monitor-%s-%p", name, sock);
    if (zmq_socket_monitor(sock, ep,
                           ZMQ_EVENT_HANDSHAKE_FAILED_AUTH | ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL |
                               ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL |
                               ZMQ_EVENT_HANDSHAKE_SUCCEEDED | ZMQ_EVENT_DISCONNECTED))
        return NULL;
    void *mon = zmq_socket(zctx, ZMQ_PAIR);
    if (!mon)
        return NULL;
    if (ns_zsock_setup(mon) || zmq_connect(mon, ep)) {
        zmq_close(mon);
        return NULL;
    }
    return mon;
}

int ns_sec_events(void *mon)
{
    int seen = 0;
    for (;;) {
        zmq_msg_t ev, addr;
        zmq_msg_init(&ev);
        if (zmq_msg_recv(&ev, mon, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&ev);
            break;
        }
        uint16_t e = 0;
        if (zmq_msg_size(&ev) >= 2)
            memcpy(&e, zmq_msg_data(&ev), 2);
        int more = zmq_msg_more(&ev);
        zmq_msg_close(&ev);
        if (more) { /* the endpoint frame */
            zmq_msg_init(&addr);
            zmq_msg_recv(&addr, mon, 0);
            zmq_msg_close(&addr);
        }
        if (e == ZMQ_EVENT_HANDSHAKE_FAILED_AUTH)
            seen |= NS_SEC_EV_REFUSED;
        else if (e == ZMQ_EVENT_HANDSHAKE_FAILED_PROTOCOL ||
                 e == ZMQ_EVENT_HANDSHAKE_FAILED_NO_DETAIL)
            seen |= NS_SEC_EV_FAILED;
        else if (e == ZMQ_EVENT_HANDSHAKE_SUCCEEDED)
            seen |= NS_SEC_EV_OK;
        else if (e == ZMQ_EVENT_DISCONNECTED)
            seen |= NS_SEC_EV_CLOSED;
    }
    return seen;
}

/* ------------------------------------------------------------- settings */

/* opt, else $env (env may be NULL), else dir/file. */
static void s_path(char *out, size_t cap, const char *opt, const char *env, const char *dir,
                   const char *file)
{
    const char *e = env ? getenv(env) : NULL;
    if (opt)
        snprintf(out, cap, "%s", opt);
    else if (e && *e)
        snprintf(out, cap, "%s", e);
    else
        snprintf(out, cap, "%s/%s", dir, file);
}

void ns_sec_keys_dir(const char *opt, const char *home, char *out, size_t cap)
{
    s_path(out, cap, opt, "NIGHTSHIFT_KEYS", home, "keys");
}

bool ns_sec_insecure_env(void)
{
    const char *e = getenv("NIGHTSHIFT_INSECURE");
    return e && *e && strcmp(e, "0");
}

int ns_sec_load(ns_sec_t *s, ns_sec_role_t role, const ns_sec_opts_t *o, const char *home,
                ns_err_t *err)
{
    memset(s, 0, sizeof *s);
    s->insecure = o->insecure || ns_sec_insecure_env();
    if (s->insecure)
        return 0;
    ns_sec_keys_dir(o->keys_dir, home, s->keys_dir, sizeof s->keys_dir);
    static const char *const own[] = {"coordinator.key", "worker.key", "client.key"};
    char path[1200];
    s_path(path, sizeof path, o->key_file, role == NS_SEC_COORDINATOR ? NULL : "NIGHTSHIFT_KEY",
           s->keys_dir, own[role]);
    if (ns_keyfile_read(path, &s->own, true, err))
        goto hint;
    if (role == NS_SEC_COORDINATOR) {
        s_path(s->allow_file, sizeof s->allow_file, o->allow_file, NULL, s->keys_dir, "allow");
        return 0;
    }
    s_path(path, sizeof path, o->server_key, "NIGHTSHIFT_SERVER_KEY", s->keys_dir,
           "coordinator.pub");
    if (ns_key_parse_public(path, s->server_key, err))
        goto hint;
    return 0;
hint:
    ns_sec_wipe(s);
    {
        ns_err_t e = *err;
        ns_errf(err, "%s (make keys with `nightshift keys init`, see docs/SECURITY.md; plain TCP "
                     "on loopback needs --insecure)", e.msg);
    }
    return -1;
}

void ns_sec_wipe(ns_sec_t *s)
{
    explicit_bzero(s->own.secret_key, sizeof s->own.secret_key);
}

/* ---------------------------------------------------------- ZAP handler */

#define S_SEEN 64

struct ns_zap {
    void *sock;
    pthread_t thread;
    atomic_int stop;
    atomic_long accepted, refused;
    char path[1024];
    ns_allow_entry_t *allow;
    int nallow;
    int ok;                       /* the allow-list last read is valid */
    struct stat st;               /* of the allow-list last read */
    struct {                      /* refusals logged: at most one line a minute per key */
        char key[NS_KEY_Z85];
        time_t last;
        long quiet;
    } seen[S_SEEN];
    int nseen;
};

static int s_allow_load(ns_zap_t *z, ns_err_t *err)
{
    char *text = malloc(S_ALLOW_MAX);
    if (!text)
        return ns_errf(err, "out of memory");
    struct stat st;
    ns_allow_entry_t *a = NULL;
    int n = 0;
    int rc = s_read_small(z->path, text, S_ALLOW_MAX, &st, err);
    if (!rc)
        rc = ns_allow_parse(text, z->path, &a, &n, err);
    free(text);
    z->st = st;
    if (rc) {
        z->ok = 0; /* a broken allow-list refuses everyone */
        return -1;
    }
    free(z->allow);
    z->allow = a;
    z->nallow = n;
    z->ok = 1;
    return 0;
}

/* Rereads the allow-list when the file changed. */
static void s_allow_refresh(ns_zap_t *z)
{
    struct stat st;
    if (stat(z->path, &st)) {
        if (z->ok)
            ns_error("allow-list '%s': %s: refusing everyone until it is back", z->path,
                     strerror(errno));
        z->ok = 0;
        memset(&z->st, 0, sizeof z->st);
        return;
    }
    if (st.st_ino == z->st.st_ino && st.st_size == z->st.st_size &&
        st.st_mtim.tv_sec == z->st.st_mtim.tv_sec && st.st_mtim.tv_nsec == z->st.st_mtim.tv_nsec)
        return;
    ns_err_t err;
    if (s_allow_load(z, &err))
        ns_error("%s: refusing everyone until it is mended", err.msg);
    else
        ns_info("allow-list '%s' reread: %d keys", z->path, z->nallow);
}

static void s_log_refusal(ns_zap_t *z, const char *key, const char *addr, const char *why)
{
    time_t now = time(NULL);
    int i;
    for (i = 0; i < z->nseen && strcmp(z->seen[i].key, key); i++)
        ;
    if (i == z->nseen) {
        if (z->nseen < S_SEEN)
            z->nseen++;
        else
            i = (int)(now % S_SEEN); /* forget someone */
        snprintf(z->seen[i].key, sizeof z->seen[i].key, "%s", key);
        z->seen[i].last = 0;
        z->seen[i].quiet = 0;
    }
    if (now - z->seen[i].last >= 60) {
        if (z->seen[i].quiet)
            ns_warn("refused a connection from %s: %s%s (and %ld times since the last line)",
                    addr, why, key, z->seen[i].quiet);
        else
            ns_warn("refused a connection from %s: %s%s", addr, why, key);
        z->seen[i].last = now;
        z->seen[i].quiet = 0;
    } else {
        z->seen[i].quiet++;
    }
}

static void s_reply(void *sock, const zmq_msg_t *reqid, const char *code, const char *text,
                    const char *user)
{
    zmq_send(sock, "1.0", 3, ZMQ_SNDMORE);
    zmq_send(sock, zmq_msg_data((zmq_msg_t *)reqid), zmq_msg_size((zmq_msg_t *)reqid),
             ZMQ_SNDMORE);
    zmq_send(sock, code, strlen(code), ZMQ_SNDMORE);
    zmq_send(sock, text, strlen(text), ZMQ_SNDMORE);
    zmq_send(sock, user, strlen(user), ZMQ_SNDMORE);
    zmq_send(sock, "", 0, 0);
}

static bool s_frame_is(zmq_msg_t *f, const char *s)
{
    return zmq_msg_size(f) == strlen(s) && !memcmp(zmq_msg_data(f), s, strlen(s));
}

/* One ZAP request: version, request id, domain, address, routing id,
 * mechanism, credentials (RFC 27). */
static void s_zap_one(ns_zap_t *z)
{
    zmq_msg_t f[8];
    int nf = 0, more = 1;
    while (more) {
        zmq_msg_t t;
        zmq_msg_init(&t);
        if (zmq_msg_recv(&t, z->sock, 0) < 0) {
            zmq_msg_close(&t);
            break;
        }
        more = zmq_msg_more(&t);
        if (nf < 8)
            f[nf++] = t;
        else
            zmq_msg_close(&t);
    }
    if (nf < 6) { /* not a ZAP request: REP still owes an answer */
        zmq_msg_t none;
        zmq_msg_init(&none);
        s_reply(z->sock, &none, "500", "malformed request", "");
        zmq_msg_close(&none);
        goto out;
    }
    char addr[64];
    size_t al = zmq_msg_size(&f[3]) < sizeof addr ? zmq_msg_size(&f[3]) : sizeof addr - 1;
    memcpy(addr, zmq_msg_data(&f[3]), al);
    addr[al] = '\0';
    for (size_t i = 0; i < al; i++)
        if (!isprint((unsigned char)addr[i]))
            addr[i] = '?';
    char key[NS_KEY_Z85] = "";
    if (!s_frame_is(&f[0], "1.0")) {
        s_reply(z->sock, &f[1], "500", "unsupported ZAP version", "");
        goto out;
    }
    if (!s_frame_is(&f[2], NS_ZAP_DOMAIN) || !s_frame_is(&f[5], "CURVE") || nf < 7 ||
        zmq_msg_size(&f[6]) != 32) {
        atomic_fetch_add(&z->refused, 1);
        s_log_refusal(z, "", addr, "not a CurveZMQ connection of the nightshift domain");
        s_reply(z->sock, &f[1], "400", "wrong domain or mechanism", "");
        goto out;
    }
    zmq_z85_encode(key, zmq_msg_data(&f[6]), 32);
    s_allow_refresh(z);
    const ns_allow_entry_t *a = NULL;
    for (int i = 0; z->ok && i < z->nallow && !a; i++)
        if (!strcmp(z->allow[i].key, key))
            a = &z->allow[i];
    if (!a) {
        atomic_fetch_add(&z->refused, 1);
        s_log_refusal(z, key, addr,
                      z->ok ? "public key not on the allow-list: " : "allow-list unusable, key ");
        s_reply(z->sock, &f[1], "400", "key not allowed", "");
        goto out;
    }
    char user[128];
    snprintf(user, sizeof user, "%s:%s", ns_roles_name(a->roles), a->name);
    atomic_fetch_add(&z->accepted, 1);
    ns_debug("accepted %s from %s", user, addr);
    s_reply(z->sock, &f[1], "200", "OK", user);
out:
    for (int i = 0; i < nf; i++)
        zmq_msg_close(&f[i]);
}

static void *s_zap_main(void *arg)
{
    ns_zap_t *z = arg;
    while (!atomic_load(&z->stop)) {
        zmq_pollitem_t it = {z->sock, 0, ZMQ_POLLIN, 0};
        int n = zmq_poll(&it, 1, 100);
        if (n < 0) {
            if (errno == ETERM)
                break;
            continue;
        }
        if (n > 0)
            s_zap_one(z);
    }
    return NULL;
}

ns_zap_t *ns_zap_start(void *zctx, const char *allow_file, ns_err_t *err)
{
    ns_zap_t *z = calloc(1, sizeof *z);
    if (!z) {
        ns_errf(err, "out of memory");
        return NULL;
    }
    snprintf(z->path, sizeof z->path, "%s", allow_file);
    if (s_allow_load(z, err)) {
        free(z->allow);
        free(z);
        return NULL;
    }
    z->sock = zmq_socket(zctx, ZMQ_REP);
    if (!z->sock || ns_zsock_setup(z->sock) || zmq_bind(z->sock, "inproc://zeromq.zap.01")) {
        ns_errf(err, "cannot bind the ZAP handler: %s", zmq_strerror(errno));
        if (z->sock)
            zmq_close(z->sock);
        free(z->allow);
        free(z);
        return NULL;
    }
    if (pthread_create(&z->thread, NULL, s_zap_main, z)) {
        ns_errf(err, "cannot start the ZAP handler thread");
        zmq_close(z->sock);
        free(z->allow);
        free(z);
        return NULL;
    }
    ns_info("CurveZMQ: allow-list '%s' with %d keys", z->path, z->nallow);
    return z;
}

void ns_zap_stop(ns_zap_t **zp)
{
    ns_zap_t *z = *zp;
    if (!z)
        return;
    atomic_store(&z->stop, 1);
    pthread_join(z->thread, NULL);
    zmq_close(z->sock);
    free(z->allow);
    free(z);
    *zp = NULL;
}

void ns_zap_counts(ns_zap_t *z, long *accepted, long *refused)
{
    *accepted = atomic_load(&z->accepted);
    *refused = atomic_load(&z->refused);
}
