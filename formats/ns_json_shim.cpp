/*
 * ns_json_shim: the only C++ in nightshift. simdjson (Debian's
 * libsimdjson-dev 3.0.1) has no C API, and it parses JSON 7-9x faster than
 * the C libraries Debian has (bench/json_parsers, docs/PERFORMANCE.md), so
 * this file wraps the one thing ns_json.c needs from it behind the C
 * interface of ns_json_shim.h: parse one value, validate all of it, and
 * pick the fields named by a tree of keys, in one pass in document order.
 *
 * Workload: one call per JSON record (0.3-3 KB, up to max_len), millions
 * per task. Built without exceptions or RTTI: nothing can unwind into C
 * frames; errors travel as simdjson error codes and become NS_JSON_E_*.
 * Allocation happens only when the parser's capacity or the element rows
 * must grow (by doubling), never per field.
 *
 * Why a walk of everything: the On-Demand API only checks what it is asked
 * for; a value it skips is matched by brackets, not parsed, so `tru`, `01`
 * or `[1,,2]` in a field nobody reads would pass. The walk visits every key
 * and value: strings and keys are unescaped by simdjson (which checks
 * escapes and surrogates; stage 1 checks UTF-8 and control characters), and
 * numbers and literals, whose raw token is all On-Demand gives without
 * converting them, are checked here against the JSON grammar. The walk
 * recurses once per nesting level and refuses levels past max_depth before
 * recursing, so the stack stays bounded whatever the input.
 */
#include "ns_json_shim.h"

#include <simdjson.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <new>
#include <string_view>

using namespace simdjson;

static_assert(NS_JSON_SHIM_PADDING >= SIMDJSON_PADDING, "padding must cover simdjson's");

/* The parser's first capacity: a record of 0.3-3 KB fits, and simdjson's
 * buffers for it (about 6 bytes a byte) stay small, so that a reader opened
 * over a small object costs little (64 KiB took ~370 KB, which ASan maps
 * and unmaps per reader); a larger value doubles it. */
#define S_MIN_CAPACITY (4u * 1024u)

struct ns_json_shim {
    ondemand::parser parser; /* reused for every value; owns the string buffer */
    ns_json_node_t *nodes;   /* the key tree, node 0 the root */
    int nnodes;              /* nodes in the tree */
    int nfields;             /* top-level slots */
    int nelem;               /* element slots (per row) */
    int row_width;           /* fields per row: nelem, at least 1 */
    int max_depth;           /* deepest nesting allowed (root object = 1) */
    size_t max_len;          /* longest input */
    size_t capacity;         /* bytes the parser is allocated for */
    ns_field_t *fields;      /* nfields top-level values */
    ns_field_t *rows;        /* element rows, row_width fields each */
    size_t rows_cap;         /* rows allocated */
    size_t nrows;            /* rows filled by this parse */
    const char *end;         /* end of the current input */
    const char *error;       /* reason of the last failure */
    char msg[128];           /* formatted reasons */
};

extern "C" ns_json_shim_t *ns_json_shim_new(const ns_json_node_t *nodes, int nnodes, int nfields,
                                            int nelem_slots, int max_depth, size_t max_len)
{
    ns_json_shim_t *s = new (std::nothrow) ns_json_shim_t();
    if (!s)
        return NULL;
    s->nodes = (ns_json_node_t *)malloc((size_t)nnodes * sizeof *s->nodes);
    s->fields = (ns_field_t *)calloc((size_t)(nfields > 0 ? nfields : 1), sizeof *s->fields);
    if (!s->nodes || !s->fields) {
        ns_json_shim_destroy(&s);
        return NULL;
    }
    memcpy(s->nodes, nodes, (size_t)nnodes * sizeof *s->nodes);
    s->nnodes = nnodes;
    s->nfields = nfields;
    s->nelem = nelem_slots;
    s->row_width = nelem_slots > 0 ? nelem_slots : 1;
    s->max_depth = max_depth;
    s->max_len = max_len;
    return s;
}

extern "C" void ns_json_shim_destroy(ns_json_shim_t **sp)
{
    if (!sp || !*sp)
        return;
    ns_json_shim_t *s = *sp;
    free(s->nodes);
    free(s->fields);
    free(s->rows);
    delete s;
    *sp = NULL;
}

static int s_fail(ns_json_shim_t *s, int code, const char *why)
{
    s->error = why;
    return code;
}

/* A simdjson error as an outcome with a short lowercase reason. */
static int s_fail_sj(ns_json_shim_t *s, error_code e)
{
    switch (e) {
    case UNESCAPED_CHARS:
        return s_fail(s, NS_JSON_E_INVALID,
                      "invalid JSON: unescaped control character in a string");
    case UTF8_ERROR:
        return s_fail(s, NS_JSON_E_INVALID, "invalid JSON: not valid UTF-8");
    case STRING_ERROR:
        return s_fail(s, NS_JSON_E_INVALID,
                      "invalid JSON: bad escape in a string (or a lone surrogate)");
    case UNCLOSED_STRING:
        return s_fail(s, NS_JSON_E_INVALID, "invalid JSON: unclosed string");
    case INCOMPLETE_ARRAY_OR_OBJECT:
        return s_fail(s, NS_JSON_E_INVALID,
                      "invalid JSON: unclosed object or array, or bytes after it");
    case TAPE_ERROR:
        return s_fail(s, NS_JSON_E_INVALID,
                      "invalid JSON: missing or extra comma, colon, bracket or key");
    case INCORRECT_TYPE:
        return s_fail(s, NS_JSON_E_INVALID, "invalid JSON: unexpected character");
    case DEPTH_ERROR:
        snprintf(s->msg, sizeof s->msg, "JSON nesting exceeds max_depth (%d)", s->max_depth);
        return s_fail(s, NS_JSON_E_DEPTH, s->msg);
    case MEMALLOC:
        return s_fail(s, NS_JSON_E_NOMEM, "out of memory");
    default:
        snprintf(s->msg, sizeof s->msg, "invalid JSON: %s", error_message(e));
        return s_fail(s, NS_JSON_E_INVALID, s->msg);
    }
}

static int s_too_deep(ns_json_shim_t *s)
{
    return s_fail_sj(s, DEPTH_ERROR);
}

/* The raw token of a scalar without the whitespace On-Demand leaves after
 * it. */
static std::string_view s_token(ondemand::value &v)
{
    std::string_view t = v.raw_json_token();
    size_t k = t.size();
    while (k && (t[k - 1] == ' ' || t[k - 1] == '\t' || t[k - 1] == '\n' || t[k - 1] == '\r'))
        k--;
    return t.substr(0, k);
}

/* JSON number grammar: -?(0|[1-9][0-9]*)(.[0-9]+)?([eE][+-]?[0-9]+)? */
static bool s_is_number(std::string_view t)
{
    const char *p = t.data();
    size_t n = t.size(), i = 0;
    if (i < n && p[i] == '-')
        i++;
    if (i < n && p[i] == '0') {
        i++;
    } else if (i < n && p[i] >= '1' && p[i] <= '9') {
        while (i < n && p[i] >= '0' && p[i] <= '9')
            i++;
    } else {
        return false;
    }
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

static int s_bad_token(ns_json_shim_t *s, const char *what, std::string_view t)
{
    int show = t.size() > 40 ? 40 : (int)t.size();
    snprintf(s->msg, sizeof s->msg, "invalid JSON: bad %s '%.*s'", what, show, t.data());
    return s_fail(s, NS_JSON_E_INVALID, s->msg);
}

/* Length of the (already validated) object or array starting at p: up to
 * and including its closing bracket. */
static uint32_t s_extent(const char *p, const char *end)
{
    int depth = 0;
    bool instr = false;
    for (const char *c = p; c < end; c++) {
        if (instr) {
            if (*c == '\\')
                c++;
            else if (*c == '"')
                instr = false;
        } else if (*c == '"') {
            instr = true;
        } else if (*c == '{' || *c == '[') {
            depth++;
        } else if (*c == '}' || *c == ']') {
            if (--depth == 0)
                return (uint32_t)(c + 1 - p);
        }
    }
    return (uint32_t)(end - p); /* cannot happen for a validated value */
}

/* A new element row, all null; NULL when out of memory. */
static ns_field_t *s_new_row(ns_json_shim_t *s)
{
    if (s->nrows == s->rows_cap) {
        size_t ncap = s->rows_cap ? s->rows_cap * 2 : 16;
        ns_field_t *nr = (ns_field_t *)realloc(s->rows, ncap * (size_t)s->row_width * sizeof *nr);
        if (!nr)
            return NULL;
        s->rows = nr;
        s->rows_cap = ncap;
    }
    ns_field_t *row = s->rows + s->nrows * (size_t)s->row_width;
    memset(row, 0, (size_t)s->row_width * sizeof *row);
    s->nrows++;
    return row;
}

static int s_value(ns_json_shim_t *s, ondemand::value v, int m, int depth, ns_field_t *slots);

/* Every member of object o; keys matching a child of node `kid` (a
 * sibling list, -1 for none) fill slots. depth is o's level. */
static int s_object(ns_json_shim_t *s, ondemand::object o, int kid, int depth, ns_field_t *slots)
{
    if (depth > s->max_depth)
        return s_too_deep(s);
    for (auto f : o) {
        std::string_view k;
        ondemand::value v;
        error_code e = f.unescaped_key().get(k);
        if (!e)
            e = f.value().get(v);
        if (e)
            return s_fail_sj(s, e);
        int m = -1;
        for (int c = kid; c >= 0; c = s->nodes[c].next) {
            if (s->nodes[c].klen == k.size() && memcmp(s->nodes[c].key, k.data(), k.size()) == 0) {
                m = c;
                break;
            }
        }
        int r = s_value(s, v, m, depth + 1, slots);
        if (r)
            return r;
    }
    return 0;
}

/* One value at nesting level `depth` (its own level if it is an object or
 * array), for node m (-1: nothing picked under it, only validated). */
static int s_value(ns_json_shim_t *s, ondemand::value v, int m, int depth, ns_field_t *slots)
{
    const ns_json_node_t *nd = m >= 0 ? &s->nodes[m] : NULL;
    ns_field_t *out = nd && nd->slot >= 0 ? &slots[nd->slot] : NULL;
    const bool exploded = nd && nd->elem >= 0;
    ondemand::json_type t;
    error_code e = v.type().get(t);
    if (e)
        return s_fail_sj(s, e);
    std::string_view tok;
    switch (t) {
    case ondemand::json_type::object: {
        if (exploded)
            return s_fail(s, NS_JSON_E_NOT_ARRAY, "the exploded key is not an array");
        const char *start = out ? v.raw_json_token().data() : NULL;
        ondemand::object o;
        if ((e = v.get_object().get(o)))
            return s_fail_sj(s, e);
        int r = s_object(s, o, nd ? nd->kid : -1, depth, slots);
        if (r)
            return r;
        if (out) {
            out->p = start;
            out->len = s_extent(start, s->end);
        }
        return 0;
    }
    case ondemand::json_type::array: {
        if (depth > s->max_depth)
            return s_too_deep(s);
        const char *start = out ? v.raw_json_token().data() : NULL;
        ondemand::array a;
        if ((e = v.get_array().get(a)))
            return s_fail_sj(s, e);
        if (exploded)
            s->nrows = 0; /* a repeated key: the last one wins */
        for (auto el : a) {
            ondemand::value ev;
            if ((e = el.get(ev)))
                return s_fail_sj(s, e);
            int r;
            if (exploded) {
                ns_field_t *row = s_new_row(s);
                if (!row)
                    return s_fail(s, NS_JSON_E_NOMEM, "out of memory");
                r = s_value(s, ev, nd->elem, depth + 1, row);
            } else {
                r = s_value(s, ev, -1, depth + 1, NULL);
            }
            if (r)
                return r;
        }
        if (out) {
            out->p = start;
            out->len = s_extent(start, s->end);
        }
        return 0;
    }
    case ondemand::json_type::string: {
        if (exploded)
            return s_fail(s, NS_JSON_E_NOT_ARRAY, "the exploded key is not an array");
        std::string_view str;
        if ((e = v.get_string().get(str)))
            return s_fail_sj(s, e);
        if (out) {
            out->p = str.data();
            out->len = (uint32_t)str.size();
        }
        return 0;
    }
    case ondemand::json_type::number:
        tok = s_token(v);
        if (!s_is_number(tok))
            return s_bad_token(s, "number", tok);
        break;
    case ondemand::json_type::boolean:
        tok = s_token(v);
        if (tok != "true" && tok != "false")
            return s_bad_token(s, "literal", tok);
        break;
    case ondemand::json_type::null:
        tok = s_token(v);
        if (tok != "null")
            return s_bad_token(s, "literal", tok);
        if (exploded)
            s->nrows = 0;
        if (out)
            out->p = NULL;
        return 0;
    }
    if (exploded)
        return s_fail(s, NS_JSON_E_NOT_ARRAY, "the exploded key is not an array");
    if (out) {
        out->p = tok.data();
        out->len = (uint32_t)tok.size();
    }
    return 0;
}

extern "C" int ns_json_shim_parse(ns_json_shim_t *s, const char *p, size_t n, ns_json_result_t *res)
{
    res->fields = s->fields;
    res->elems = NULL;
    res->nelems = 0;
    res->error = NULL;
    size_t i = 0;
    while (i < n && (p[i] == ' ' || p[i] == '\t' || p[i] == '\n' || p[i] == '\r'))
        i++;
    int r;
    if (i == n) {
        r = s_fail(s, NS_JSON_E_INVALID, "invalid JSON: no value");
    } else if (p[i] != '{') {
        if (strchr("[\"-0123456789tfn", p[i]) && p[i] != '\0')
            r = s_fail(s, NS_JSON_E_NOT_OBJECT, "top-level value is not an object");
        else
            r = s_fail(s, NS_JSON_E_INVALID, "invalid JSON: unexpected character");
    } else if (n > s->max_len) {
        r = s_fail(s, NS_JSON_E_INVALID, "invalid JSON: value too long"); /* caller bounds it */
    } else {
        if (n > s->capacity) {
            size_t cap = s->capacity ? s->capacity * 2 : S_MIN_CAPACITY;
            if (cap > s->max_len)
                cap = s->max_len;
            if (cap < n)
                cap = n;
            /* On-Demand checks depth itself only in development builds;
             * s_object/s_value enforce max_depth */
            error_code e = s->parser.allocate(cap, (size_t)s->max_depth + 1);
            if (e) {
                s->capacity = 0;
                r = s_fail_sj(s, e);
                res->error = s->error;
                return r;
            }
            s->capacity = cap;
        }
        memset(s->fields, 0, (size_t)s->nfields * sizeof *s->fields);
        s->nrows = 0;
        s->end = p + n;
        ondemand::document doc;
        ondemand::object root;
        error_code e = s->parser.iterate(p, n, n + NS_JSON_SHIM_PADDING).get(doc);
        if (!e)
            e = doc.get_object().get(root);
        if (e) {
            r = s_fail_sj(s, e);
        } else {
            r = s_object(s, root, s->nodes[0].kid, 1, s->fields);
            const char *rest;
            if (!r && doc.current_location().get(rest) != OUT_OF_BOUNDS)
                r = s_fail(s, NS_JSON_E_INVALID, "invalid JSON: bytes after the value");
        }
    }
    if (r) {
        res->error = s->error;
        return r;
    }
    res->elems = s->rows;
    res->nelems = s->nrows;
    return NS_JSON_OK;
}
