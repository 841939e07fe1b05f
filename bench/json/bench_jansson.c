/*
 * bench_jansson: parse + extract with Jansson 2.14 (Debian libjansson-dev),
 * the way a reader would use it: json_loadb() per line (a full DOM of
 * every record, each object a hash table, each string malloc'd), then
 * json_object_get() down the paths, numbers turned back into text with
 * snprintf (Jansson keeps integers as long long and reals as double, not
 * their literal text), json_decref() at the end. See bench_common.h.
 *
 * Workload and bounds: bench_common.h's (one ~100 MB file in memory, lines
 * of a few KB; one parser reused for every line).
 */
#include "bench_common.h"

#include <jansson.h>

/* The text of a scalar: strings as they are, integers printed back. */
static void s_take(bench_acc_t *a, json_t *v)
{
    char num[32];
    if (!v || json_is_null(v)) {
        bench_take(a, NULL, 0);
    } else if (json_is_string(v)) {
        bench_take(a, json_string_value(v), json_string_length(v));
    } else if (json_is_integer(v)) {
        int n = snprintf(num, sizeof num, "%" JSON_INTEGER_FORMAT, json_integer_value(v));
        bench_take(a, num, (size_t)n);
    } else if (json_is_real(v)) {
        int n = snprintf(num, sizeof num, "%.17g", json_real_value(v));
        bench_take(a, num, (size_t)n);
    } else if (json_is_boolean(v)) {
        bench_take(a, json_is_true(v) ? "true" : "false", json_is_true(v) ? 4 : 5);
    } else {
        bench_take(a, NULL, 0);
    }
}

static json_t *s_get(json_t *o, const char *k)
{
    return json_is_object(o) ? json_object_get(o, k) : NULL;
}

static int s_orders(const char *line, size_t n, size_t avail, bench_acc_t *a)
{
    json_error_t e;
    json_t *root = json_loadb(line, n, 0, &e);
    if (!json_is_object(root)) {
        json_decref(root);
        return -1;
    }
    s_take(a, s_get(root, "id"));
    s_take(a, s_get(root, "created_at"));
    s_take(a, s_get(root, "currency"));
    s_take(a, s_get(root, "total_price"));
    s_take(a, s_get(root, "financial_status"));
    s_take(a, s_get(s_get(root, "customer"), "id"));
    s_take(a, s_get(s_get(root, "shipping_address"), "country_code"));
    json_t *items = s_get(root, "line_items");
    size_t i;
    json_t *it;
    json_array_foreach(items, i, it)
    {
        s_take(a, s_get(it, "sku"));
        s_take(a, s_get(it, "quantity"));
        s_take(a, s_get(it, "price"));
    }
    json_decref(root);
    return 0;
}

static int s_clicks(const char *line, size_t n, size_t avail, bench_acc_t *a)
{
    json_error_t e;
    json_t *root = json_loadb(line, n, 0, &e);
    if (!json_is_object(root)) {
        json_decref(root);
        return -1;
    }
    s_take(a, s_get(root, "type"));
    s_take(a, s_get(root, "messageId"));
    s_take(a, s_get(root, "anonymousId"));
    s_take(a, s_get(root, "userId"));
    s_take(a, s_get(root, "timestamp"));
    json_t *props = s_get(root, "properties");
    s_take(a, s_get(props, "path"));
    s_take(a, s_get(props, "sku"));
    json_t *camp = s_get(s_get(root, "context"), "campaign");
    s_take(a, s_get(camp, "source"));
    s_take(a, s_get(camp, "medium"));
    s_take(a, s_get(camp, "name"));
    json_decref(root);
    return 0;
}

int main(int argc, char **argv)
{
    return bench_main(argc, argv, "jansson", s_orders, s_clicks);
}
