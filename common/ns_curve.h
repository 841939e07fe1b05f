/*
 * ns_curve: who may talk to the coordinator (docs/SECURITY.md).
 *
 * Every coordinator socket is a CurveZMQ server by default: traffic is
 * encrypted and every peer is authenticated by its public key against an
 * allow-list, by a ZAP handler (ZeroMQ RFC 27) that this module runs in a
 * thread of the coordinator. The handler is bound before the server socket,
 * and the server socket sets a ZAP domain and ZMQ_ZAP_ENFORCE_DOMAIN, so a
 * missing or failed handler refuses everyone: libzmq would otherwise accept
 * any CURVE client (encryption without authentication).
 *
 * Keys are Z85 text (40 characters). A key file NAME.key holds a key pair
 * (mode 0600; refused if others may read it or the group write it), NAME.pub
 * the public key alone:
 *     public-key = "..."
 *     secret-key = "..."        (NAME.key only)
 * The allow-list holds one peer per line, "ROLES PUBLIC-KEY [NAME]", ROLES
 * being worker, client or worker,client; a line whose first non-blank
 * character is '#' is a comment (Z85 keys may hold '#'). The handler
 * rereads it when it changes, so a key is added or removed without a
 * restart. A worker key may only speak the worker messages, a client key
 * only the CLI's (docs/PROTOCOL.md).
 *
 * Plain TCP only with an explicit insecure setting, and only on loopback
 * (or ipc:// and inproc://).
 */
#ifndef NS_CURVE_H
#define NS_CURVE_H

#include "ns_err.h"

#include <stdbool.h>

#define NS_KEY_Z85 41          /* 40 Z85 characters + NUL */
#define NS_ZAP_DOMAIN "nightshift"

typedef enum { NS_SEC_COORDINATOR, NS_SEC_WORKER, NS_SEC_CLIENT } ns_sec_role_t;

/* Peer roles, as a bit set (the allow-list's ROLES). */
enum { NS_ROLE_WORKER = 1, NS_ROLE_CLIENT = 2, NS_ROLE_ALL = 3 };

typedef struct {
    char public_key[NS_KEY_Z85];
    char secret_key[NS_KEY_Z85];
} ns_keypair_t;

/* What a process was told (flags); NULL fields take the defaults. */
typedef struct {
    const char *keys_dir;   /* --keys, $NIGHTSHIFT_KEYS, or HOME/keys */
    const char *key_file;   /* --key: own key pair (DIR/<role>.key) */
    const char *server_key; /* --server-key: the coordinator's public key (DIR/coordinator.pub) */
    const char *allow_file; /* --allow: the coordinator's allow-list (DIR/allow) */
    bool insecure;          /* --insecure or NIGHTSHIFT_INSECURE=1 */
} ns_sec_opts_t;

/* What a socket end needs, resolved and read. */
typedef struct {
    bool insecure;
    ns_keypair_t own;
    char server_key[NS_KEY_Z85]; /* workers and clients */
    char allow_file[1024];       /* coordinator */
    char keys_dir[1024];
} ns_sec_t;

/* Resolves o against the environment and home, and reads the key files the
 * role needs. Errors name the file and say how to make keys. */
int ns_sec_load(ns_sec_t *s, ns_sec_role_t role, const ns_sec_opts_t *o, const char *home,
                ns_err_t *err);
/* The keys directory: opt, else $NIGHTSHIFT_KEYS, else HOME/keys. */
void ns_sec_keys_dir(const char *opt, const char *home, char *out, size_t cap);
/* NIGHTSHIFT_INSECURE is set (and not "0"). */
bool ns_sec_insecure_env(void);
/* Wipes the secret key (once the sockets have it). */
void ns_sec_wipe(ns_sec_t *s);

/* Makes sock a CURVE client of the coordinator (or checks that endpoint is
 * on loopback when insecure). */
int ns_sec_client(void *sock, const ns_sec_t *s, const char *endpoint, ns_err_t *err);
/* Makes sock a CURVE server with the ZAP domain enforced (or checks that
 * endpoint is on loopback when insecure). Call after ns_zap_start. */
int ns_sec_server(void *sock, const ns_sec_t *s, const char *endpoint, ns_err_t *err);
/* Is endpoint on loopback (tcp://127.x, [::1], localhost) or ipc/inproc? */
bool ns_sec_loopback(const char *endpoint);

/* The roles of a message's sender: the ZAP user id a handler of this module
 * gave it ("worker,client:NAME"); NS_ROLE_ALL when insecure. zmq_msg is a
 * received zmq_msg_t *. */
int ns_sec_msg_roles(const ns_sec_t *s, void *zmq_msg);

/* Watches sock's handshakes: returns a socket to pass to ns_sec_events
 * (close it with zmq_close before sock), or NULL. name makes the inproc
 * endpoint unique within zctx. */
void *ns_sec_monitor(void *zctx, void *sock, const char *name);
/* Reads the events waiting on mon: a bit set of NS_SEC_EV_*. */
enum { NS_SEC_EV_REFUSED = 1, NS_SEC_EV_FAILED = 2, NS_SEC_EV_OK = 4, NS_SEC_EV_CLOSED = 8 };
int ns_sec_events(void *mon);

/* ---- the ZAP handler ---- */
typedef struct ns_zap ns_zap_t;
/* Reads the allow-list (an error if unreadable, malformed or empty), binds
 * inproc://zeromq.zap.01 in zctx and starts the handler thread. */
ns_zap_t *ns_zap_start(void *zctx, const char *allow_file, ns_err_t *err);
/* Stops the thread and closes its socket (before zmq_ctx_term). */
void ns_zap_stop(ns_zap_t **z);
/* Requests answered so far: accepted, refused (for tests and status). */
void ns_zap_counts(ns_zap_t *z, long *accepted, long *refused);

/* ---- keys and the allow-list ---- */
int ns_keypair_new(ns_keypair_t *kp, ns_err_t *err);
/* Writes DIR/NAME.key (0600, refused if it exists) and DIR/NAME.pub. */
int ns_keypair_write(const char *dir, const char *name, const ns_keypair_t *kp, ns_err_t *err);
/* Reads a key pair file, or (want_secret false) the public key of a .key or
 * .pub file. */
int ns_keyfile_read(const char *path, ns_keypair_t *kp, bool want_secret, ns_err_t *err);
/* Parses a Z85 key or a key file's path into pub. */
int ns_key_parse_public(const char *text_or_path, char pub[NS_KEY_Z85], ns_err_t *err);

typedef struct {
    char key[NS_KEY_Z85];
    int roles;
    char name[64];
} ns_allow_entry_t;

/* Parses an allow-list (the text of the file); *out malloc'ed. Errors name
 * the line. */
int ns_allow_parse(const char *text, const char *path, ns_allow_entry_t **out, int *n,
                   ns_err_t *err);
/* Parses "worker", "client", "worker,client" into roles; -1 if bad. */
int ns_roles_parse(const char *s);
const char *ns_roles_name(int roles);

#endif
