/*
 * ns_json_shim: the C face of the one C++ file of nightshift
 * (ns_json_shim.cpp), which parses one JSON value with simdjson's
 * On-Demand API and picks out the fields that ns_json asked for. Only
 * ns_json.c uses it; everything else about reading JSON (buffering,
 * framing records, splits, rejects) is C, in ns_json.c.
 *
 * The fields to pick are a tree of keys built by ns_json.c from the
 * caller's paths: node 0 is the root object; each node has a key, an
 * optional slot (the field it fills) and children (first kid, next
 * sibling). The node of the exploded array has an element node (`elem`)
 * whose slot and children apply to each element of the array and fill
 * element slots, one row of them per element.
 *
 * One parse validates the whole value, not only the parts that are picked
 * (simdjson's On-Demand API would skip them unchecked): every key and
 * string is unescaped, every number is checked against the JSON grammar,
 * true/false/null are checked, nesting is bounded, bytes after the value
 * are refused. The input must have NS_JSON_SHIM_PADDING readable bytes
 * after its end (their content does not matter).
 *
 * Workload and bounds: one call per record (0.3-3 KB typically, at most
 * max_len bytes), millions per task. Results point into the input or into
 * the parser's own string buffer and stay valid until the next parse. No
 * allocation per field: the parser's capacity (up to max_len) and the
 * element rows grow by doubling and are kept between parses.
 */
#ifndef NS_JSON_SHIM_H
#define NS_JSON_SHIM_H

#include "ns_records.h"

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define NS_JSON_SHIM_PADDING 64 /* simdjson's SIMDJSON_PADDING */

typedef struct {
    const char *key; /* key bytes (not NUL-terminated); unused for node 0 and element nodes */
    uint32_t klen;   /* key length */
    int32_t slot;    /* field filled by this node's value, or -1; an element slot for nodes
                        under an element node */
    int32_t kid;     /* first child, or -1 */
    int32_t next;    /* next sibling, or -1 */
    int32_t elem;    /* the exploded array's node: its element node; else -1 */
} ns_json_node_t;

/* Outcomes of ns_json_shim_parse. */
enum {
    NS_JSON_OK = 0,
    NS_JSON_E_INVALID = -1,    /* not valid JSON (reason in res->error) */
    NS_JSON_E_DEPTH = -2,      /* nesting deeper than max_depth */
    NS_JSON_E_NOT_OBJECT = -3, /* valid start of a value, but not an object */
    NS_JSON_E_NOT_ARRAY = -4,  /* the exploded key holds neither an array nor null */
    NS_JSON_E_NOMEM = -5,      /* out of memory */
};

typedef struct {
    const ns_field_t *fields; /* nfields fields of the value (element paths left NULL) */
    const ns_field_t *elems;  /* nelems rows of nelem_slots fields, one per element */
    size_t nelems;            /* elements of the exploded array (0: missing, null or empty) */
    const char *error;        /* reason, for an outcome other than NS_JSON_OK */
} ns_json_result_t;

typedef struct ns_json_shim ns_json_shim_t;

/* nodes (copied; keys borrowed: they must outlive the shim) holds nnodes
 * nodes, node 0 the root; nfields top-level slots, nelem_slots element
 * slots. max_depth bounds nesting (the root object is depth 1); max_len
 * bounds the input length. NULL when out of memory. */
ns_json_shim_t *ns_json_shim_new(const ns_json_node_t *nodes, int nnodes, int nfields,
                                 int nelem_slots, int max_depth, size_t max_len);
/* Frees the shim; accepts NULL and sets *sp to NULL. */
void ns_json_shim_destroy(ns_json_shim_t **sp);
/* Parses p[0..n) (n <= max_len; p[n..n+NS_JSON_SHIM_PADDING) readable),
 * which may have JSON whitespace around the value. Returns NS_JSON_OK with
 * res filled, or an NS_JSON_E_* outcome with res->error set. */
int ns_json_shim_parse(ns_json_shim_t *s, const char *p, size_t n, ns_json_result_t *res);

#ifdef __cplusplus
}
#endif

#endif
