/*
 * ns_proto: bounded msgpack messages (see ns_proto.h and docs/PROTOCOL.md).
 *
 * The walker below is the only code that looks at raw bytes from the
 * network. It validates the structure without allocating, so that msgpack-c
 * (which sizes its arrays from the counts in the headers) only ever sees
 * messages whose counts are backed by real bytes.
 */
#include "ns_proto.h"

#include <stdlib.h>
#include <string.h>
#include <zmq.h>

/* ---------------------------------------------------------------- building */

void ns_msgb_init_raw(ns_msgb_t *b, uint32_t nkeys)
{
    msgpack_sbuffer_init(&b->sb);
    msgpack_packer_init(&b->pk, &b->sb, msgpack_sbuffer_write);
    msgpack_pack_map(&b->pk, nkeys);
}

void ns_msgb_init(ns_msgb_t *b, const char *type, uint32_t nkeys)
{
    ns_msgb_init_raw(b, nkeys + 2);
    ns_msgb_int(b, "v", NS_PROTO_VERSION);
    ns_msgb_str(b, "t", type);
}

void ns_msgb_free(ns_msgb_t *b)
{
    msgpack_sbuffer_destroy(&b->sb);
}

void ns_mp_strn(msgpack_packer *pk, const char *s, size_t n)
{
    msgpack_pack_str(pk, n);
    msgpack_pack_str_body(pk, s, n);
}

void ns_mp_str(msgpack_packer *pk, const char *s)
{
    ns_mp_strn(pk, s ? s : "", s ? strlen(s) : 0);
}

void ns_msgb_key(ns_msgb_t *b, const char *key)
{
    ns_mp_str(&b->pk, key);
}

void ns_msgb_str(ns_msgb_t *b, const char *key, const char *val)
{
    ns_msgb_key(b, key);
    ns_mp_str(&b->pk, val);
}

void ns_msgb_strn(ns_msgb_t *b, const char *key, const char *val, size_t n)
{
    ns_msgb_key(b, key);
    ns_mp_strn(&b->pk, val, n);
}

void ns_msgb_int(ns_msgb_t *b, const char *key, int64_t val)
{
    ns_msgb_key(b, key);
    msgpack_pack_int64(&b->pk, val);
}

void ns_msgb_bool(ns_msgb_t *b, const char *key, bool val)
{
    ns_msgb_key(b, key);
    if (val)
        msgpack_pack_true(&b->pk);
    else
        msgpack_pack_false(&b->pk);
}

void ns_msgb_double(ns_msgb_t *b, const char *key, double val)
{
    ns_msgb_key(b, key);
    msgpack_pack_double(&b->pk, val);
}

/* ----------------------------------------------------------------- walking */

typedef struct {
    const uint8_t *p;
    const uint8_t *end;
    uint64_t elems; /* values seen so far (NS_PROTO_MAX_ELEMS) */
    ns_err_t *err;
} s_walk_t;

static int s_need(s_walk_t *w, size_t n)
{
    if ((size_t)(w->end - w->p) < n)
        return ns_errf(w->err, "message truncated");
    return 0;
}

static uint64_t s_be(const uint8_t *p, int n)
{
    uint64_t v = 0;
    for (int i = 0; i < n; i++)
        v = (v << 8) | p[i];
    return v;
}

static int s_walk(s_walk_t *w, int depth)
{
    if (depth > NS_PROTO_MAX_DEPTH)
        return ns_errf(w->err, "msgpack nesting exceeds max_depth (%d)", NS_PROTO_MAX_DEPTH);
    /* each value becomes a msgpack_object of msgpack-c's (24 bytes): the
     * count, not the bytes, is what the unpacked message costs */
    if (++w->elems > NS_PROTO_MAX_ELEMS)
        return ns_errf(w->err, "msgpack message exceeds max_elements (%d values)",
                       NS_PROTO_MAX_ELEMS);
    if (s_need(w, 1))
        return -1;
    uint8_t c = *w->p++;
    uint64_t count = 0;     /* container elements */
    int is_map = 0;
    uint64_t skip = 0;      /* payload bytes */
    if (c <= 0x7f || c >= 0xe0 || c == 0xc0 || c == 0xc2 || c == 0xc3)
        return 0;
    if ((c & 0xf0) == 0x80) { count = c & 0x0f; is_map = 1; }
    else if ((c & 0xf0) == 0x90) { count = c & 0x0f; }
    else if ((c & 0xe0) == 0xa0) { skip = c & 0x1f; }
    else {
        int lenbytes = 0;
        switch (c) {
        case 0xc4: case 0xd9: lenbytes = 1; break;              /* bin8, str8 */
        case 0xc5: case 0xda: lenbytes = 2; break;              /* bin16, str16 */
        case 0xc6: case 0xdb: lenbytes = 4; break;              /* bin32, str32 */
        case 0xc7: if (s_need(w, 1)) return -1; skip = (uint64_t)w->p[0] + 1; w->p++; break; /* ext8: len, type, data */
        case 0xc8: if (s_need(w, 2)) return -1; skip = s_be(w->p, 2) + 1; w->p += 2; break;
        case 0xc9: if (s_need(w, 4)) return -1; skip = s_be(w->p, 4) + 1; w->p += 4; break;
        case 0xca: skip = 4; break;
        case 0xcb: skip = 8; break;
        case 0xcc: case 0xd0: skip = 1; break;
        case 0xcd: case 0xd1: skip = 2; break;
        case 0xce: case 0xd2: skip = 4; break;
        case 0xcf: case 0xd3: skip = 8; break;
        case 0xd4: skip = 2; break;
        case 0xd5: skip = 3; break;
        case 0xd6: skip = 5; break;
        case 0xd7: skip = 9; break;
        case 0xd8: skip = 17; break;
        case 0xdc: if (s_need(w, 2)) return -1; count = s_be(w->p, 2); w->p += 2; break;
        case 0xdd: if (s_need(w, 4)) return -1; count = s_be(w->p, 4); w->p += 4; break;
        case 0xde: if (s_need(w, 2)) return -1; count = s_be(w->p, 2); w->p += 2; is_map = 1; break;
        case 0xdf: if (s_need(w, 4)) return -1; count = s_be(w->p, 4); w->p += 4; is_map = 1; break;
        default: return ns_errf(w->err, "invalid msgpack type byte 0x%02x", c);
        }
        if (lenbytes) {
            if (s_need(w, (size_t)lenbytes))
                return -1;
            skip = s_be(w->p, lenbytes);
            w->p += lenbytes;
        }
    }
    if (skip) {
        if ((uint64_t)(w->end - w->p) < skip)
            return ns_errf(w->err, "value of %llu bytes exceeds the message",
                           (unsigned long long)skip);
        w->p += skip;
        return 0;
    }
    uint64_t elems = is_map ? count * 2 : count;
    if (elems > (uint64_t)(w->end - w->p))
        return ns_errf(w->err, "container of %llu elements exceeds the message",
                       (unsigned long long)count);
    for (uint64_t i = 0; i < elems; i++)
        if (s_walk(w, depth + 1))
            return -1;
    return 0;
}

int ns_msg_check(const void *data, size_t len, ns_err_t *err)
{
    if (len == 0)
        return ns_errf(err, "empty message");
    if (len > NS_PROTO_MAX_MSG)
        return ns_errf(err, "message of %zu bytes exceeds max_msg (%d bytes)", len,
                       NS_PROTO_MAX_MSG);
    s_walk_t w = {data, (const uint8_t *)data + len, 0, err};
    if (s_walk(&w, 1))
        return -1;
    if (w.p != w.end)
        return ns_errf(err, "%zu trailing bytes after the message", (size_t)(w.end - w.p));
    return 0;
}

/* ----------------------------------------------------------------- reading */

int ns_msg_decode(ns_msg_t *m, const void *data, size_t len, bool want_version, ns_err_t *err)
{
    memset(m, 0, sizeof *m);
    msgpack_unpacked_init(&m->up);
    if (ns_msg_check(data, len, err))
        goto fail;
    /* msgpack-c points strings into the buffer it unpacks: keep our own copy
     * so a message outlives the ZeroMQ frame it came in */
    m->data = malloc(len);
    if (!m->data) {
        ns_errf(err, "out of memory");
        goto fail;
    }
    memcpy(m->data, data, len);
    size_t off = 0;
    if (msgpack_unpack_next(&m->up, m->data, len, &off) != MSGPACK_UNPACK_SUCCESS) {
        ns_errf(err, "undecodable msgpack");
        goto fail;
    }
    m->root = &m->up.data;
    if (m->root->type != MSGPACK_OBJECT_MAP) {
        ns_errf(err, "message is not a map");
        goto fail;
    }
    if (want_version) {
        int64_t v;
        if (ns_mp_get_int(m->root, "v", &v, err))
            goto fail;
        if (v != NS_PROTO_VERSION) {
            ns_errf(err, "protocol version %lld, expected %d", (long long)v, NS_PROTO_VERSION);
            goto fail;
        }
    }
    if (ns_mp_get_strz(m->root, "t", m->type, sizeof m->type, err))
        goto fail;
    return 0;
fail:
    msgpack_unpacked_destroy(&m->up);
    free(m->data);
    memset(m, 0, sizeof *m);
    msgpack_unpacked_init(&m->up);
    return -1;
}

void ns_msg_free(ns_msg_t *m)
{
    msgpack_unpacked_destroy(&m->up);
    free(m->data);
    m->data = NULL;
    m->root = NULL;
}

const msgpack_object *ns_mp_get(const msgpack_object *map, const char *key)
{
    if (!map || map->type != MSGPACK_OBJECT_MAP)
        return NULL;
    size_t kl = strlen(key);
    for (uint32_t i = 0; i < map->via.map.size; i++) {
        const msgpack_object *k = &map->via.map.ptr[i].key;
        if (k->type == MSGPACK_OBJECT_STR && k->via.str.size == kl &&
            (kl == 0 || memcmp(k->via.str.ptr, key, kl) == 0)) /* ptr may be NULL when empty */
            return &map->via.map.ptr[i].val;
    }
    return NULL;
}

int ns_mp_get_str(const msgpack_object *map, const char *key, const char **s, size_t *n,
                  ns_err_t *err)
{
    const msgpack_object *o = ns_mp_get(map, key);
    if (!o)
        return ns_errf(err, "missing key '%s'", key);
    if (o->type != MSGPACK_OBJECT_STR)
        return ns_errf(err, "key '%s' is not a string", key);
    /* msgpack-c leaves ptr NULL for an empty string before any other bytes */
    *s = o->via.str.size ? o->via.str.ptr : "";
    *n = o->via.str.size;
    return 0;
}

int ns_mp_strz(const msgpack_object *o, char *out, size_t cap)
{
    if (!o || o->type != MSGPACK_OBJECT_STR || o->via.str.size >= cap)
        return -1;
    if (o->via.str.size) /* ptr may be NULL when empty (ns_mp_get_str) */
        memcpy(out, o->via.str.ptr, o->via.str.size);
    out[o->via.str.size] = '\0';
    return 0;
}

int ns_mp_get_strz(const msgpack_object *map, const char *key, char *out, size_t cap,
                   ns_err_t *err)
{
    const char *s = NULL;
    size_t n = 0;
    if (ns_mp_get_str(map, key, &s, &n, err))
        return -1;
    if (n >= cap)
        return ns_errf(err, "key '%s' longer than %zu bytes", key, cap - 1);
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

int ns_mp_int(const msgpack_object *o, int64_t *out)
{
    if (!o)
        return -1;
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER) {
        if (o->via.u64 > (uint64_t)INT64_MAX)
            return -1;
        *out = (int64_t)o->via.u64;
        return 0;
    }
    if (o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        *out = o->via.i64;
        return 0;
    }
    return -1;
}

int ns_mp_get_int(const msgpack_object *map, const char *key, int64_t *out, ns_err_t *err)
{
    const msgpack_object *o = ns_mp_get(map, key);
    if (!o)
        return ns_errf(err, "missing key '%s'", key);
    if (ns_mp_int(o, out))
        return ns_errf(err, "key '%s' is not an integer", key);
    return 0;
}

int ns_mp_get_bool(const msgpack_object *map, const char *key, bool *out, ns_err_t *err)
{
    const msgpack_object *o = ns_mp_get(map, key);
    if (!o)
        return ns_errf(err, "missing key '%s'", key);
    if (o->type != MSGPACK_OBJECT_BOOLEAN)
        return ns_errf(err, "key '%s' is not a boolean", key);
    *out = o->via.boolean;
    return 0;
}

int ns_mp_get_array(const msgpack_object *map, const char *key, const msgpack_object **items,
                    uint32_t *n, ns_err_t *err)
{
    const msgpack_object *o = ns_mp_get(map, key);
    if (!o)
        return ns_errf(err, "missing key '%s'", key);
    if (o->type != MSGPACK_OBJECT_ARRAY)
        return ns_errf(err, "key '%s' is not an array", key);
    *items = o->via.array.ptr;
    *n = o->via.array.size;
    return 0;
}

/* ------------------------------------------------------------------ zeromq */

int ns_zsock_setup(void *sock)
{
    int linger = 0;
    int64_t maxmsg = NS_PROTO_MAX_MSG;
    if (zmq_setsockopt(sock, ZMQ_LINGER, &linger, sizeof linger))
        return -1;
    if (zmq_setsockopt(sock, ZMQ_MAXMSGSIZE, &maxmsg, sizeof maxmsg))
        return -1;
    return 0;
}

int ns_zsend(void *sock, const void *rid, size_t ridlen, const ns_msgb_t *b)
{
    if (rid && zmq_send(sock, rid, ridlen, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        return -1;
    if (zmq_send(sock, b->sb.data, b->sb.size, ZMQ_DONTWAIT) < 0)
        return -1;
    return 0;
}
