/*
 * bench_simdjson: parse + extract with simdjson 3.0.1 (Debian
 * libsimdjson-dev, C++), in one of three ways chosen at build time:
 *
 *   BENCH_MODE=1 "dom": dom::parser::parse() per line (validates everything
 *     into a tape; numbers become int64/double, their text is lost), then
 *     element["key"] lookups; integers printed back with snprintf.
 *   BENCH_MODE=2 "ondemand": the On-Demand API as its documentation uses it:
 *     iterate() per line, find_field_unordered() for each path, everything
 *     not asked for is skipped without being validated (`{"x":tru}` passes
 *     if x is not read); numbers as their raw token text.
 *   BENCH_MODE=3 "walk": what the nightshift reader does: one On-Demand pass
 *     over every key and value of the record in document order, the wanted
 *     paths picked up on the way (a small tree of keys), every other value
 *     still validated (strings unescaped, numbers checked against the JSON
 *     grammar, true/false/null spelled right) and trailing bytes refused.
 *
 * Stage 1 (the SIMD structural index) is dispatched at run time by the
 * library (haswell on an AVX2 machine); the On-Demand iteration is compiled
 * into this file for the target of the compiler flags (the baseline x86-64
 * "fallback" kernel unless -march says more). See bench_common.h.
 *
 * Workload and bounds: bench_common.h's (one ~100 MB file in memory, lines
 * of a few KB; one parser reused for every line).
 */
#include "bench_common.h"

#include <simdjson.h>
#include <string_view>

using namespace simdjson;

#ifndef BENCH_MODE
#define BENCH_MODE 3
#endif

[[maybe_unused]] static const char *s_trim(std::string_view t, size_t *n)
{
    size_t k = t.size();
    while (k && (t[k - 1] == ' ' || t[k - 1] == '\t' || t[k - 1] == '\n' || t[k - 1] == '\r'))
        k--;
    *n = k;
    return t.data();
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
[[maybe_unused]] static bool s_is_number(const char *p, size_t n)
{
    size_t i = 0;
    if (i < n && p[i] == '-')
        i++;
    if (i < n && p[i] == '0')
        i++;
    else if (i < n && p[i] >= '1' && p[i] <= '9')
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
    else
        return false;
    if (i < n && p[i] == '.') {
        size_t d = ++i;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    if (i < n && (p[i] == 'e' || p[i] == 'E')) {
        i++;
        if (i < n && (p[i] == '+' || p[i] == '-'))
            i++;
        size_t d = i;
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
        if (i == d)
            return false;
    }
    return i == n;
}

#if BENCH_MODE == 1
static dom::parser s_dparser;

static void s_take(bench_acc_t *a, simdjson_result<dom::element> r)
{
    dom::element e;
    if (r.get(e)) {
        bench_take(a, NULL, 0);
        return;
    }
    char num[32];
    switch (e.type()) {
    case dom::element_type::STRING: {
        std::string_view s = e.get_string().value_unsafe();
        bench_take(a, s.data(), s.size());
        break;
    }
    case dom::element_type::INT64: {
        int k = snprintf(num, sizeof num, "%lld", (long long)e.get_int64().value_unsafe());
        bench_take(a, num, (size_t)k);
        break;
    }
    case dom::element_type::UINT64: {
        int k =
            snprintf(num, sizeof num, "%llu", (unsigned long long)e.get_uint64().value_unsafe());
        bench_take(a, num, (size_t)k);
        break;
    }
    case dom::element_type::DOUBLE: {
        int k = snprintf(num, sizeof num, "%.17g", e.get_double().value_unsafe());
        bench_take(a, num, (size_t)k);
        break;
    }
    case dom::element_type::BOOL:
        bench_take(a, e.get_bool().value_unsafe() ? "true" : "false",
                   e.get_bool().value_unsafe() ? 4 : 5);
        break;
    default:
        bench_take(a, NULL, 0);
    }
}

static int s_orders(const char *line, size_t n, size_t avail, bench_acc_t *a)
{
    dom::element root;
    if (s_dparser.parse(line, n, false).get(root) || !root.is_object())
        return -1;
    s_take(a, root["id"]);
    s_take(a, root["created_at"]);
    s_take(a, root["currency"]);
    s_take(a, root["total_price"]);
    s_take(a, root["financial_status"]);
    s_take(a, root["customer"]["id"]);
    s_take(a, root["shipping_address"]["country_code"]);
    dom::array items;
    if (!root["line_items"].get(items)) {
        for (dom::element it : items) {
            s_take(a, it["sku"]);
            s_take(a, it["quantity"]);
            s_take(a, it["price"]);
        }
    }
    return 0;
}

static int s_clicks(const char *line, size_t n, size_t avail, bench_acc_t *a)
{
    dom::element root;
    if (s_dparser.parse(line, n, false).get(root) || !root.is_object())
        return -1;
    s_take(a, root["type"]);
    s_take(a, root["messageId"]);
    s_take(a, root["anonymousId"]);
    s_take(a, root["userId"]);
    s_take(a, root["timestamp"]);
    s_take(a, root["properties"]["path"]);
    s_take(a, root["properties"]["sku"]);
    s_take(a, root["context"]["campaign"]["source"]);
    s_take(a, root["context"]["campaign"]["medium"]);
    s_take(a, root["context"]["campaign"]["name"]);
    return 0;
}
#define NAME "simdjson-dom"

#else /* On-Demand */
static ondemand::parser s_parser;

/* The text of a scalar value; objects and arrays count as null here. */
[[maybe_unused]] static int s_take(bench_acc_t *a, ondemand::value v)
{
    ondemand::json_type t;
    if (v.type().get(t))
        return -1;
    size_t k;
    const char *p;
    std::string_view s;
    switch (t) {
    case ondemand::json_type::string:
        if (v.get_string().get(s))
            return -1;
        bench_take(a, s.data(), s.size());
        return 0;
    case ondemand::json_type::number:
    case ondemand::json_type::boolean:
        p = s_trim(v.raw_json_token(), &k);
        bench_take(a, p, k);
        return 0;
    default:
        bench_take(a, NULL, 0);
        return 0;
    }
}

#if BENCH_MODE == 2
static void s_take_r(bench_acc_t *a, simdjson_result<ondemand::value> r)
{
    ondemand::value v;
    if (r.get(v) || s_take(a, v) < 0)
        bench_take(a, NULL, 0);
}

static int s_orders(const char *line, size_t n, size_t avail, bench_acc_t *a)
{
    ondemand::document doc;
    ondemand::object o;
    if (s_parser.iterate(line, n, avail).get(doc) || doc.get_object().get(o))
        return -1;
    s_take_r(a, o["id"]);
    s_take_r(a, o["created_at"]);
    s_take_r(a, o["currency"]);
    s_take_r(a, o["total_price"]);
    s_take_r(a, o["financial_status"]);
    s_take_r(a, o["customer"]["id"]);
    s_take_r(a, o["shipping_address"]["country_code"]);
    ondemand::array items;
    if (!o["line_items"].get_array().get(items)) {
        for (auto r : items) {
            ondemand::object it;
            if (r.get_object().get(it))
                return -1;
            s_take_r(a, it["sku"]);
            s_take_r(a, it["quantity"]);
            s_take_r(a, it["price"]);
        }
    }
    return 0;
}

static int s_clicks(const char *line, size_t n, size_t avail, bench_acc_t *a)
{
    ondemand::document doc;
    ondemand::object o;
    if (s_parser.iterate(line, n, avail).get(doc) || doc.get_object().get(o))
        return -1;
    s_take_r(a, o["type"]);
    s_take_r(a, o["messageId"]);
    s_take_r(a, o["anonymousId"]);
    s_take_r(a, o["userId"]);
    s_take_r(a, o["timestamp"]);
    ondemand::object props;
    if (!o["properties"].get_object().get(props)) {
        s_take_r(a, props["path"]);
        s_take_r(a, props["sku"]);
    } else {
        bench_take(a, NULL, 0);
        bench_take(a, NULL, 0);
    }
    ondemand::object camp;
    if (!o["context"]["campaign"].get_object().get(camp)) {
        s_take_r(a, camp["source"]);
        s_take_r(a, camp["medium"]);
        s_take_r(a, camp["name"]);
    } else {
        for (int i = 0; i < 3; i++)
            bench_take(a, NULL, 0);
    }
    return 0;
}
#define NAME "simdjson-ondemand"

#else /* BENCH_MODE 3: the reader's validating walk */

/* A node of the path tree: a key, and either a leaf slot or children;
 * `each` applies the children to every element of an array. */
struct node {
    const char *key;
    int slot;         /* index of the value, or -1 */
    const node *kids; /* children, ended by key == NULL */
    bool each;        /* the value is an array; kids apply to its elements */
};

static const node s_item[] = {{"sku", 0, NULL, false},
                              {"quantity", 1, NULL, false},
                              {"price", 2, NULL, false},
                              {NULL, -1, NULL, false}};
static const node s_cust[] = {{"id", 5, NULL, false}, {NULL, -1, NULL, false}};
static const node s_ship[] = {{"country_code", 6, NULL, false}, {NULL, -1, NULL, false}};
static const node s_order[] = {{"id", 0, NULL, false},
                               {"created_at", 1, NULL, false},
                               {"currency", 2, NULL, false},
                               {"total_price", 3, NULL, false},
                               {"financial_status", 4, NULL, false},
                               {"customer", -1, s_cust, false},
                               {"shipping_address", -1, s_ship, false},
                               {"line_items", -1, s_item, true},
                               {NULL, -1, NULL, false}};
static const node s_props[] = {
    {"path", 5, NULL, false}, {"sku", 6, NULL, false}, {NULL, -1, NULL, false}};
static const node s_camp[] = {{"source", 7, NULL, false},
                              {"medium", 8, NULL, false},
                              {"name", 9, NULL, false},
                              {NULL, -1, NULL, false}};
static const node s_ctx[] = {{"campaign", -1, s_camp, false}, {NULL, -1, NULL, false}};
static const node s_click[] = {{"type", 0, NULL, false},        {"messageId", 1, NULL, false},
                               {"anonymousId", 2, NULL, false}, {"userId", 3, NULL, false},
                               {"timestamp", 4, NULL, false},   {"properties", -1, s_props, false},
                               {"context", -1, s_ctx, false},   {NULL, -1, NULL, false}};

struct slot {
    const char *p;
    size_t n;
};

static int s_validate(ondemand::value v);

static int s_validate_object(ondemand::object o)
{
    for (auto f : o) {
        std::string_view k;
        ondemand::value v;
        if (f.unescaped_key().get(k) || f.value().get(v) || s_validate(v) < 0)
            return -1;
    }
    return 0;
}

static int s_validate(ondemand::value v)
{
    ondemand::json_type t;
    if (v.type().get(t))
        return -1;
    std::string_view s;
    size_t n;
    const char *p;
    bool b;
    switch (t) {
    case ondemand::json_type::object: {
        ondemand::object o;
        if (v.get_object().get(o))
            return -1;
        return s_validate_object(o);
    }
    case ondemand::json_type::array: {
        ondemand::array arr;
        if (v.get_array().get(arr))
            return -1;
        for (auto e : arr) {
            ondemand::value ev;
            if (e.get(ev) || s_validate(ev) < 0)
                return -1;
        }
        return 0;
    }
    case ondemand::json_type::string:
        return v.get_string().get(s) ? -1 : 0;
    case ondemand::json_type::number:
        p = s_trim(v.raw_json_token(), &n);
        return s_is_number(p, n) ? 0 : -1;
    case ondemand::json_type::boolean:
        return v.get_bool().get(b) ? -1 : 0;
    case ondemand::json_type::null:
        p = s_trim(v.raw_json_token(), &n);
        return n == 4 && memcmp(p, "null", 4) == 0 ? 0 : -1;
    }
    return -1;
}

/* The text of a selected scalar (validated); objects/arrays are walked and
 * count as null here. */
static int s_pick(ondemand::value v, slot *out)
{
    ondemand::json_type t;
    if (v.type().get(t))
        return -1;
    std::string_view s;
    switch (t) {
    case ondemand::json_type::string:
        if (v.get_string().get(s))
            return -1;
        out->p = s.data();
        out->n = s.size();
        return 0;
    case ondemand::json_type::number:
        out->p = s_trim(v.raw_json_token(), &out->n);
        return s_is_number(out->p, out->n) ? 0 : -1;
    default:
        out->p = NULL;
        return s_validate(v);
    }
}

static int s_walk(ondemand::object o, const node *tree, slot *slots, bench_acc_t *a);

/* Each element of an exploded array: its own slots, taken at once. */
static int s_walk_each(ondemand::value v, const node *kids, bench_acc_t *a)
{
    ondemand::array arr;
    if (v.get_array().get(arr))
        return s_validate(v);
    for (auto e : arr) {
        ondemand::value ev;
        ondemand::object eo;
        slot es[3] = {{NULL, 0}, {NULL, 0}, {NULL, 0}};
        if (e.get(ev))
            return -1;
        if (ev.get_object().get(eo)) {
            if (s_validate(ev) < 0)
                return -1;
        } else if (s_walk(eo, kids, es, a) < 0) {
            return -1;
        }
        for (int i = 0; i < 3; i++)
            bench_take(a, es[i].p, es[i].n);
    }
    return 0;
}

static int s_walk(ondemand::object o, const node *tree, slot *slots, bench_acc_t *a)
{
    for (auto f : o) {
        std::string_view k;
        ondemand::value v;
        if (f.unescaped_key().get(k) || f.value().get(v))
            return -1;
        const node *m = NULL;
        for (const node *c = tree; c->key; c++) {
            if (k == c->key) {
                m = c;
                break;
            }
        }
        int r;
        if (!m) {
            r = s_validate(v);
        } else if (m->slot >= 0) {
            r = s_pick(v, &slots[m->slot]);
        } else if (m->each) {
            r = s_walk_each(v, m->kids, a);
        } else {
            ondemand::object so;
            r = v.get_object().get(so) ? s_validate(v) : s_walk(so, m->kids, slots, a);
        }
        if (r < 0)
            return -1;
    }
    return 0;
}

static int s_run(const char *line, size_t n, size_t avail, const node *tree, int nslots,
                 bench_acc_t *a)
{
    ondemand::document doc;
    ondemand::object o;
    slot slots[16];
    for (int i = 0; i < nslots; i++)
        slots[i].p = NULL;
    if (s_parser.iterate(line, n, avail).get(doc) || doc.get_object().get(o))
        return -1;
    if (s_walk(o, tree, slots, a) < 0)
        return -1;
    const char *rest;
    if (doc.current_location().get(rest) != OUT_OF_BOUNDS)
        return -1; /* bytes after the object */
    for (int i = 0; i < nslots; i++)
        bench_take(a, slots[i].p, slots[i].n);
    return 0;
}

static int s_orders(const char *line, size_t n, size_t avail, bench_acc_t *a)
{
    return s_run(line, n, avail, s_order, 7, a);
}

static int s_clicks(const char *line, size_t n, size_t avail, bench_acc_t *a)
{
    return s_run(line, n, avail, s_click, 10, a);
}
#ifdef __AVX2__
#define NAME "simdjson-walk-avx2"
#else
#define NAME "simdjson-walk"
#endif
#endif
#endif

int main(int argc, char **argv)
{
    return bench_main(argc, argv, NAME, s_orders, s_clicks);
}
