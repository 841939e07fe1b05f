/*
 * bench_jsonc: parse + extract with json-c 0.16 (Debian libjson-c-dev), the
 * way a reader would use it: one json_tokener reused for every line
 * (depth 64, strict mode), json_tokener_parse_ex() builds a DOM of linked
 * hash tables, json_object_object_get_ex() down the paths, integers
 * printed back with snprintf (cheaper than json_object_get_string(), which
 * builds a print buffer per object), json_object_put() at the end. See
 * bench_common.h.
 *
 * Workload and bounds: bench_common.h's (one ~100 MB file in memory, lines
 * of a few KB; one parser reused for every line).
 */
#include "bench_common.h"

#include <inttypes.h>
#include <json-c/json.h>

static json_tokener *s_tok;

static void s_take(bench_acc_t *a, json_object *v)
{
    char num[32];
    switch (v ? json_object_get_type(v) : json_type_null) {
    case json_type_string:
        bench_take(a, json_object_get_string(v), (size_t)json_object_get_string_len(v));
        break;
    case json_type_int: {
        int n = snprintf(num, sizeof num, "%" PRId64, json_object_get_int64(v));
        bench_take(a, num, (size_t)n);
        break;
    }
    case json_type_double:
        /* json-c keeps the literal text of a parsed double */
        bench_take(a, json_object_get_string(v), strlen(json_object_get_string(v)));
        break;
    case json_type_boolean:
        bench_take(a, json_object_get_boolean(v) ? "true" : "false",
                   json_object_get_boolean(v) ? 4 : 5);
        break;
    default:
        bench_take(a, NULL, 0);
    }
}

static json_object *s_get(json_object *o, const char *k)
{
    json_object *v = NULL;
    if (o && json_object_is_type(o, json_type_object) && json_object_object_get_ex(o, k, &v))
        return v;
    return NULL;
}

static json_object *s_parse(const char *line, size_t n)
{
    json_tokener_reset(s_tok);
    json_object *root = json_tokener_parse_ex(s_tok, line, (int)n);
    if (json_tokener_get_error(s_tok) != json_tokener_success ||
        json_tokener_get_parse_end(s_tok) != n || !json_object_is_type(root, json_type_object)) {
        json_object_put(root);
        return NULL;
    }
    return root;
}

static int s_orders(const char *line, size_t n, size_t avail, bench_acc_t *a)
{
    json_object *root = s_parse(line, n);
    if (!root)
        return -1;
    s_take(a, s_get(root, "id"));
    s_take(a, s_get(root, "created_at"));
    s_take(a, s_get(root, "currency"));
    s_take(a, s_get(root, "total_price"));
    s_take(a, s_get(root, "financial_status"));
    s_take(a, s_get(s_get(root, "customer"), "id"));
    s_take(a, s_get(s_get(root, "shipping_address"), "country_code"));
    json_object *items = s_get(root, "line_items");
    if (items && json_object_is_type(items, json_type_array)) {
        size_t k = json_object_array_length(items);
        for (size_t i = 0; i < k; i++) {
            json_object *it = json_object_array_get_idx(items, i);
            s_take(a, s_get(it, "sku"));
            s_take(a, s_get(it, "quantity"));
            s_take(a, s_get(it, "price"));
        }
    }
    json_object_put(root);
    return 0;
}

static int s_clicks(const char *line, size_t n, size_t avail, bench_acc_t *a)
{
    json_object *root = s_parse(line, n);
    if (!root)
        return -1;
    s_take(a, s_get(root, "type"));
    s_take(a, s_get(root, "messageId"));
    s_take(a, s_get(root, "anonymousId"));
    s_take(a, s_get(root, "userId"));
    s_take(a, s_get(root, "timestamp"));
    json_object *props = s_get(root, "properties");
    s_take(a, s_get(props, "path"));
    s_take(a, s_get(props, "sku"));
    json_object *camp = s_get(s_get(root, "context"), "campaign");
    s_take(a, s_get(camp, "source"));
    s_take(a, s_get(camp, "medium"));
    s_take(a, s_get(camp, "name"));
    json_object_put(root);
    return 0;
}

int main(int argc, char **argv)
{
    s_tok = json_tokener_new_ex(64);
    if (!s_tok)
        return 1;
    json_tokener_set_flags(s_tok, JSON_TOKENER_STRICT);
    int r = bench_main(argc, argv, "json-c", s_orders, s_clicks);
    json_tokener_free(s_tok);
    return r;
}
