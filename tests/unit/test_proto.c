/*
 * Protocol messages: round trips and every malformed-message case the
 * decoder must refuse without crashing or allocating from a lying header.
 */
#include "ns_proto.h"

#include <criterion/criterion.h>
#include <stdlib.h>
#include <string.h>

static int s_decode(const void *p, size_t n, ns_msg_t *m, ns_err_t *err)
{
    return ns_msg_decode(m, p, n, true, err);
}

Test(proto, ready_round_trip)
{
    ns_msgb_t b;
    ns_msgb_init(&b, "READY", 5);
    ns_msgb_str(&b, "worker", "host-1-abcd");
    ns_msgb_str(&b, "pool", "default");
    ns_msgb_str(&b, "capacity", "spot");
    ns_msgb_int(&b, "slots", 2);
    ns_msgb_int(&b, "memory", 1LL << 33);
    ns_msg_t m;
    ns_err_t err;
    cr_assert_eq(s_decode(b.sb.data, b.sb.size, &m, &err), 0, "%s", err.msg);
    cr_assert_str_eq(m.type, "READY");
    char s[64];
    int64_t v;
    cr_assert_eq(ns_mp_get_strz(m.root, "worker", s, sizeof s, &err), 0);
    cr_assert_str_eq(s, "host-1-abcd");
    cr_assert_eq(ns_mp_get_int(m.root, "memory", &v, &err), 0);
    cr_assert_eq(v, 1LL << 33);
    cr_assert_eq(ns_mp_get_int(m.root, "slots", &v, &err), 0);
    cr_assert_eq(v, 2);
    /* wrong types and missing keys are errors that name the key */
    cr_assert_eq(ns_mp_get_int(m.root, "pool", &v, &err), -1);
    cr_assert(strstr(err.msg, "pool"));
    cr_assert_eq(ns_mp_get_strz(m.root, "nope", s, sizeof s, &err), -1);
    cr_assert(strstr(err.msg, "nope"));
    /* too small a buffer is an error, not a truncation */
    cr_assert_eq(ns_mp_get_strz(m.root, "worker", s, 4, &err), -1);
    ns_msg_free(&m);
    ns_msgb_free(&b);
}

Test(proto, task_with_nested_arrays_and_negative_ints)
{
    ns_msgb_t b;
    ns_msgb_init(&b, "TASK", 2);
    ns_msgb_int(&b, "attempt", -1);
    ns_msgb_key(&b, "inputs");
    msgpack_pack_array(&b.pk, 2);
    for (int i = 0; i < 2; i++) {
        msgpack_pack_array(&b.pk, 3);
        ns_mp_str(&b.pk, "file:///x/a b=c.gz");
        msgpack_pack_int64(&b.pk, -1);
        msgpack_pack_uint64(&b.pk, 1ULL << 40);
    }
    ns_msg_t m;
    ns_err_t err;
    cr_assert_eq(s_decode(b.sb.data, b.sb.size, &m, &err), 0, "%s", err.msg);
    const msgpack_object *items;
    uint32_t n;
    cr_assert_eq(ns_mp_get_array(m.root, "inputs", &items, &n, &err), 0);
    cr_assert_eq(n, 2);
    int64_t v;
    cr_assert_eq(ns_mp_int(&items[1].via.array.ptr[1], &v), 0);
    cr_assert_eq(v, -1);
    cr_assert_eq(ns_mp_int(&items[1].via.array.ptr[2], &v), 0);
    cr_assert_eq(v, 1LL << 40);
    cr_assert_eq(ns_mp_get_int(m.root, "attempt", &v, &err), 0);
    cr_assert_eq(v, -1);
    ns_msg_free(&m);
    ns_msgb_free(&b);
}

Test(proto, every_truncation_is_refused)
{
    ns_msgb_t b;
    ns_msgb_init(&b, "DONE", 3);
    ns_msgb_str(&b, "job", "retail_pos-20261124-abcdef");
    ns_msgb_int(&b, "task", 12);
    ns_msgb_key(&b, "outputs");
    msgpack_pack_array(&b.pk, 1);
    msgpack_pack_map(&b.pk, 1);
    ns_mp_str(&b.pk, "uri");
    ns_mp_str(&b.pk, "file:///out/x.run.zst");
    for (size_t n = 0; n < b.sb.size; n++) {
        char *copy = malloc(n ? n : 1); /* exact size: ASan catches any over-read */
        memcpy(copy, b.sb.data, n);
        ns_msg_t m;
        ns_err_t err;
        cr_assert_eq(s_decode(copy, n, &m, &err), -1, "prefix of %zu bytes accepted", n);
        cr_assert(err.msg[0]);
        free(copy);
    }
    ns_msgb_free(&b);
}

Test(proto, malformed_messages)
{
    struct {
        const char *what;
        const char *bytes;
        size_t len;
        const char *reason;
    } cases[] = {
        {"not a map", "\x93\x01\x02\x03", 4, "not a map"},
        {"invalid type byte", "\x81\xa1t\xc1", 4, "invalid"},
        {"array claims 4 billion elements", "\x81\xa1x\xdd\xff\xff\xff\xff", 8, "exceeds"},
        {"map claims 65535 pairs", "\xde\xff\xff\xa1t", 5, "exceeds"},
        {"string longer than message", "\x81\xa1t\xdb\x7f\xff\xff\xff" "ab", 10, "exceeds"},
        {"bin longer than message", "\x81\xa1t\xc6\x00\x01\x00\x00", 8, "exceeds"},
        {"trailing bytes", "\x82\xa1v\x01\xa1t\xa4PING\x00", 12, "trailing"},
        {"no version", "\x81\xa1t\xa4PING", 8, "'v'"},
        {"wrong version", "\x82\xa1v\x02\xa1t\xa4PING", 11, "version 2"},
        {"type not a string", "\x82\xa1v\x01\xa1t\x05", 7, "'t'"},
        {"empty", "", 0, "empty"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ns_msg_t m;
        ns_err_t err = {""};
        cr_assert_eq(s_decode(cases[i].bytes, cases[i].len, &m, &err), -1, "%s accepted",
                     cases[i].what);
        cr_assert(strstr(err.msg, cases[i].reason), "%s: got '%s'", cases[i].what, err.msg);
    }
}

Test(proto, nesting_bomb)
{
    unsigned char buf[200];
    size_t n = 0;
    buf[n++] = 0x81;
    buf[n++] = 0xa1;
    buf[n++] = 't';
    for (int i = 0; i < 100; i++)
        buf[n++] = 0x91; /* array of one, nested */
    buf[n++] = 0x01;
    ns_msg_t m;
    ns_err_t err;
    cr_assert_eq(s_decode(buf, n, &m, &err), -1);
    cr_assert(strstr(err.msg, "msgpack nesting exceeds max_depth (16)"), "%s", err.msg);
}

/* {"t": [[...[1]...]]} with k arrays: the map is level 1, the arrays 2 to
 * k + 1, the 1 inside k + 2. */
static size_t s_nested(unsigned char *buf, int k)
{
    size_t n = 0;
    buf[n++] = 0x81;
    buf[n++] = 0xa1;
    buf[n++] = 't';
    for (int i = 0; i < k; i++)
        buf[n++] = 0x91;
    buf[n++] = 0x01;
    return n;
}

Test(proto, limits_at_their_edges)
{
    ns_err_t err = {""};
    unsigned char nest[64];
    cr_assert_eq(ns_msg_check(nest, s_nested(nest, NS_PROTO_MAX_DEPTH - 2), &err), 0, "%s",
                 err.msg);
    cr_assert_eq(ns_msg_check(nest, s_nested(nest, NS_PROTO_MAX_DEPTH - 1), &err), -1);
    cr_assert_str_eq(err.msg, "msgpack nesting exceeds max_depth (16)");

    /* {"a": [nil x k]}: 3 + k values (the map, the key, the array, the nils) */
    size_t k = NS_PROTO_MAX_ELEMS - 3, cap = k + 16;
    unsigned char *m = malloc(cap + 1);
    cr_assert(m);
    for (int over = 0; over <= 1; over++) {
        size_t nk = k + (size_t)over, n = 0;
        m[n++] = 0x81;
        m[n++] = 0xa1;
        m[n++] = 'a';
        m[n++] = 0xdd;
        for (int b = 3; b >= 0; b--)
            m[n++] = (unsigned char)(nk >> (8 * b));
        memset(m + n, 0xc0, nk);
        n += nk;
        int rc = ns_msg_check(m, n, &err);
        if (!over) {
            cr_assert_eq(rc, 0, "%s", err.msg);
        } else {
            cr_assert_eq(rc, -1);
            cr_assert_str_eq(err.msg, "msgpack message exceeds max_elements (2097152 values)");
        }
    }
    free(m);

    /* the size: NS_PROTO_MAX_MSG bytes are walked, one more is refused unread */
    size_t big = NS_PROTO_MAX_MSG + 1;
    unsigned char *b = calloc(1, big);
    cr_assert(b);
    b[0] = 0x81; /* {"a": bin32 of the rest} */
    b[1] = 0xa1;
    b[2] = 'a';
    b[3] = 0xc6;
    size_t body = NS_PROTO_MAX_MSG - 8;
    for (int i = 0; i < 4; i++)
        b[4 + i] = (unsigned char)(body >> (8 * (3 - i)));
    cr_assert_eq(ns_msg_check(b, NS_PROTO_MAX_MSG, &err), 0, "%s", err.msg);
    cr_assert_eq(ns_msg_check(b, big, &err), -1);
    cr_assert(strstr(err.msg, "exceeds max_msg (16777216 bytes)"), "%s", err.msg);
    free(b);
}

Test(proto, random_bytes_never_crash)
{
    unsigned seed = 12345;
    for (int round = 0; round < 20000; round++) {
        unsigned char buf[64];
        size_t n = 1 + (size_t)(rand_r(&seed) % 64);
        for (size_t i = 0; i < n; i++)
            buf[i] = (unsigned char)rand_r(&seed);
        if (round % 2)
            buf[0] = 0x80 | (buf[0] & 0x0f); /* start like a map to get deeper */
        unsigned char *copy = malloc(n);
        memcpy(copy, buf, n);
        ns_msg_t m;
        ns_err_t err;
        if (s_decode(copy, n, &m, &err) == 0)
            ns_msg_free(&m);
        free(copy);
    }
}

/* Found by tests/fuzz/fuzz_proto (regressions/proto/empty-*-null-ptr.msgpack):
 * msgpack-c gives an empty string that comes before any other bytes a NULL
 * pointer, which the accessors must not pass to memcpy or memcmp (UBSan). */
Test(proto, empty_string_before_any_bytes)
{
    /* {"": 7, 0: "", "v": 1, "t": "x", "s": ""} */
    static const unsigned char msg[] = {0x85, 0xa0, 0x07, 0x00, 0xa0, 0xa1, 'v', 0x01,
                                        0xa1, 't',  0xa1, 'x',  0xa1, 's',  0xa0};
    ns_msg_t m;
    ns_err_t err;
    cr_assert_eq(s_decode(msg, sizeof msg, &m, &err), 0, "%s", err.msg);
    int64_t v = 0;
    cr_assert_eq(ns_mp_get_int(m.root, "", &v, &err), 0, "%s", err.msg);
    cr_assert_eq(v, 7);
    char s[8] = "junk";
    cr_assert_eq(ns_mp_strz(&m.root->via.map.ptr[1].val, s, sizeof s), 0);
    cr_assert_str_eq(s, "");
    const char *p = NULL;
    size_t n = 1;
    cr_assert_eq(ns_mp_get_str(m.root, "s", &p, &n, &err), 0);
    cr_assert(p != NULL);
    cr_assert_eq(n, 0);
    cr_assert_eq(ns_mp_get_strz(m.root, "s", s, sizeof s, &err), 0);
    cr_assert_str_eq(s, "");
    ns_msg_free(&m);
}
