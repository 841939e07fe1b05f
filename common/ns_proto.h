/*
 * ns_proto: the wire messages of docs/PROTOCOL.md, msgpack maps over ZeroMQ.
 *
 * Building: ns_msgb_t packs a map whose size the caller states up front
 * (version and type included automatically). Reading: ns_msg_decode()
 * first walks the bytes with hard limits (size NS_PROTO_MAX_MSG, depth
 * NS_PROTO_MAX_DEPTH, values NS_PROTO_MAX_ELEMS, element counts against the
 * bytes left, trailing bytes), then unpacks with msgpack-c, then checks the
 * version and type; accessors look keys up and check value types, so a
 * handler never touches a msgpack object of the wrong kind. Each limit's
 * error names it: "msgpack nesting exceeds max_depth (16)".
 *
 * The same encoding is used for the coordinator's journal records.
 */
#ifndef NS_PROTO_H
#define NS_PROTO_H

#include "ns_err.h"

#include <msgpack.h>
#include <stdbool.h>
#include <stdint.h>

#define NS_PROTO_VERSION 1
#define NS_PROTO_MAX_MSG (16 * 1024 * 1024)
#define NS_PROTO_MAX_DEPTH 16
/* values (every key, value and element, containers included) in one
 * message: msgpack-c unpacks each into 24 bytes, so this bounds a decoded
 * message at 48 MiB whatever its bytes say (a JOB journal record of 100,000
 * splits holds about 700,000) */
#define NS_PROTO_MAX_ELEMS (2 * 1024 * 1024)
#define NS_PROTO_MAX_ID 128

/* ---- building ---- */
typedef struct {
    msgpack_sbuffer sb; /* the bytes */
    msgpack_packer pk;  /* packer over sb, for nested values */
} ns_msgb_t;

/* Starts a map of nkeys caller keys plus "v" and "t". */
void ns_msgb_init(ns_msgb_t *b, const char *type, uint32_t nkeys);
/* Starts a bare map of nkeys (journal sub-maps, nested maps). */
void ns_msgb_init_raw(ns_msgb_t *b, uint32_t nkeys);
void ns_msgb_free(ns_msgb_t *b);
void ns_msgb_key(ns_msgb_t *b, const char *key);
void ns_msgb_str(ns_msgb_t *b, const char *key, const char *val);
void ns_msgb_strn(ns_msgb_t *b, const char *key, const char *val, size_t n);
void ns_msgb_int(ns_msgb_t *b, const char *key, int64_t val);
void ns_msgb_bool(ns_msgb_t *b, const char *key, bool val);
void ns_msgb_double(ns_msgb_t *b, const char *key, double val);
/* Value-only packers for arrays and nested maps. */
void ns_mp_str(msgpack_packer *pk, const char *s);
void ns_mp_strn(msgpack_packer *pk, const char *s, size_t n);

/* ---- reading ---- */
typedef struct {
    msgpack_unpacked up;        /* owns the unpacked objects */
    char *data;                 /* a copy of the bytes: strings point into it */
    const msgpack_object *root; /* the top-level map */
    char type[32];              /* value of "t" */
} ns_msg_t;

/* Walks, unpacks and checks data. With want_version, "v" must be 1 and "t" a
 * string (wire messages); without, only "t" is required (journal). On
 * failure the message is freed and err says why ("msgpack nesting exceeds
 * max_depth (16)"). */
int ns_msg_decode(ns_msg_t *m, const void *data, size_t len, bool want_version, ns_err_t *err);
void ns_msg_free(ns_msg_t *m);

/* The bounds check alone (exported for tests and fuzzing). */
int ns_msg_check(const void *data, size_t len, ns_err_t *err);

/* Value of key in map, or NULL (map may be NULL or not a map). */
const msgpack_object *ns_mp_get(const msgpack_object *map, const char *key);
/* Typed lookups: 0 on success, -1 if missing or of the wrong type (err
 * names the key). String results point into the message (not NUL-
 * terminated); ns_mp_get_strz copies into a caller buffer of cap bytes and
 * fails when it does not fit. */
int ns_mp_get_str(const msgpack_object *map, const char *key, const char **s, size_t *n, ns_err_t *err);
int ns_mp_get_strz(const msgpack_object *map, const char *key, char *out, size_t cap, ns_err_t *err);
int ns_mp_get_int(const msgpack_object *map, const char *key, int64_t *out, ns_err_t *err);
int ns_mp_get_bool(const msgpack_object *map, const char *key, bool *out, ns_err_t *err);
/* An array value (n elements at *items). */
int ns_mp_get_array(const msgpack_object *map, const char *key, const msgpack_object **items,
                    uint32_t *n, ns_err_t *err);
/* Copies a string object into out (cap bytes); -1 if not a string or too long. */
int ns_mp_strz(const msgpack_object *o, char *out, size_t cap);
/* Integer object (positive or negative) -> int64; -1 if not an integer. */
int ns_mp_int(const msgpack_object *o, int64_t *out);

/* ---- ZeroMQ helpers ---- */
/* Sets linger 0 and ZMQ_MAXMSGSIZE on a new socket. */
int ns_zsock_setup(void *sock);
/* Sends b's bytes as one frame, ZMQ_DONTWAIT; with a routing id first when
 * rid is not NULL. Returns 0 or -1 (errno from zmq). */
int ns_zsend(void *sock, const void *rid, size_t ridlen, const ns_msgb_t *b);

#endif
