/*
 * fuzz_proto: the wire and journal message decoder (common/ns_proto.h), the
 * only code that looks at bytes from the network.
 *
 * Input: the bytes of one message. Checks the bounds walker alone
 * (ns_msg_check), then the decoder with and without the version check,
 * and walks the decoded map the way handlers do: every typed accessor on
 * the keys of docs/PROTOCOL.md and on the message's own keys, nested maps
 * and arrays included. The walker and msgpack-c must agree: a message the
 * walker accepts is one msgpack-c unpacks.
 */
#include "ns_fuzz.h"
#include "ns_proto.h"

static const char *const s_keys[] = {
    "v",      "t",          "worker",   "pool",      "capacity", "slots",    "memory",
    "host",   "pid",        "session",  "running",   "job",      "task",     "attempt",
    "bytes",  "rows_in",    "rows_out", "rejects",   "outputs",  "counters", "rejects_uri",
    "reason", "retryable",  "counted",  "kind",      "jobdef",   "source",   "vars",
    "prefix", "partitions", "inputs",   "partition", "runs",     "files",    "in_bytes",
    "uri",    "stored",     "ok",       "error",     "date",     "deadline", "price_per_hour",
};

/* Every accessor on map's keys and ours; nested values walked to depth. */
static void s_walk(const msgpack_object *o, int depth)
{
    NS_FUZZ_CHECK(depth <= NS_PROTO_MAX_DEPTH + 1, "decoded depth %d", depth);
    char buf[NS_PROTO_MAX_ID];
    int64_t i;
    if (o->type == MSGPACK_OBJECT_STR) {
        (void)ns_mp_strz(o, buf, sizeof buf);
        (void)ns_mp_strz(o, buf, 4);
        return;
    }
    if (o->type == MSGPACK_OBJECT_POSITIVE_INTEGER || o->type == MSGPACK_OBJECT_NEGATIVE_INTEGER) {
        (void)ns_mp_int(o, &i);
        return;
    }
    if (o->type == MSGPACK_OBJECT_ARRAY) {
        for (uint32_t k = 0; k < o->via.array.size; k++)
            s_walk(&o->via.array.ptr[k], depth + 1);
        return;
    }
    if (o->type != MSGPACK_OBJECT_MAP)
        return;
    ns_err_t err = {""};
    const char *s;
    size_t n;
    bool b;
    const msgpack_object *items;
    uint32_t ni;
    for (size_t k = 0; k < sizeof s_keys / sizeof s_keys[0]; k++) {
        const char *key = s_keys[k];
        (void)ns_mp_get(o, key);
        if (!ns_mp_get_str(o, key, &s, &n, &err) && n) {
            volatile char c = s[n - 1]; /* the string is inside the message */
            (void)c;
        }
        (void)ns_mp_get_strz(o, key, buf, sizeof buf, &err);
        (void)ns_mp_get_int(o, key, &i, &err);
        (void)ns_mp_get_bool(o, key, &b, &err);
        (void)ns_mp_get_array(o, key, &items, &ni, &err);
    }
    for (uint32_t k = 0; k < o->via.map.size; k++) {
        const msgpack_object *key = &o->via.map.ptr[k].key;
        if (key->type == MSGPACK_OBJECT_STR && ns_mp_strz(key, buf, sizeof buf) == 0)
            NS_FUZZ_CHECK(ns_mp_get(o, buf) != NULL ||
                              memchr(key->via.str.ptr, 0, key->via.str.size),
                          "key '%s' not found in its own map", buf);
        s_walk(key, depth + 1);
        s_walk(&o->via.map.ptr[k].val, depth + 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ns_err_t err = {""};
    int checked = ns_msg_check(data, size, &err);
    for (int want_version = 0; want_version < 2; want_version++) {
        ns_msg_t m;
        err.msg[0] = '\0';
        int rc = ns_msg_decode(&m, data, size, want_version, &err);
        if (rc) {
            NS_FUZZ_CHECK(err.msg[0], "a failure without a message");
            NS_FUZZ_CHECK(checked || strcmp(err.msg, "undecodable msgpack"),
                          "ns_msg_check accepts what msgpack-c cannot unpack");
            NS_FUZZ_CHECK(m.data == NULL && m.root == NULL, "a failed decode keeps its message");
            ns_msg_free(&m);
            continue;
        }
        NS_FUZZ_CHECK(checked == 0, "decoded a message ns_msg_check refuses: %s", err.msg);
        NS_FUZZ_CHECK(m.root && m.root->type == MSGPACK_OBJECT_MAP, "the root is not a map");
        NS_FUZZ_CHECK(memchr(m.type, 0, sizeof m.type), "type not terminated");
        s_walk(m.root, 1);
        ns_msg_free(&m);
    }
    return 0;
}
