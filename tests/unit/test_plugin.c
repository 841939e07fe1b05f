/*
 * test_plugin: the reduce-plugin registry and checks (ns_plugin.h), and the
 * clickstream `sessionize` plugin fed rows directly: 30-minute gaps cut
 * sessions, a new visitor starts a new one, retried messageIds are dropped,
 * landing page and campaign come from the first event, the user id is the
 * last seen, an "Order Completed" event converts the session with its order;
 * the `latest_delivery` plugin (whole exports replace earlier ones per
 * partner and period), and the kept rows plugins share.
 */
#include "ns_job.h"
#include "ns_plugin.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#define COLS                                                                                       \
    "    - {name: anonymous_id, type: string}\n"                                                   \
    "    - {name: ts, type: timestamp}\n"                                                          \
    "    - {name: message_id, type: string}\n"                                                     \
    "    - {name: event_type, type: string}\n"                                                     \
    "    - {name: event_name, type: string}\n"                                                     \
    "    - {name: path, type: string}\n"                                                           \
    "    - {name: user_id, type: string}\n"                                                        \
    "    - {name: campaign_source, type: string}\n"                                                \
    "    - {name: campaign_medium, type: string}\n"                                                \
    "    - {name: campaign_name, type: string}\n"                                                  \
    "    - {name: order_id, type: string}\n"

static const char *const s_names[] = {"anonymous_id", "ts", "message_id", "event_type",
                                      "event_name", "path", "user_id", "campaign_source",
                                      "campaign_medium", "campaign_name", "order_id"};

static ns_job_t *s_job(const char *sort, int group, const char *plugin)
{
    char text[4096];
    int n = snprintf(text, sizeof text, "name: clicks\ninput:\n  uri: /r/\n  columns:\n" COLS
                     "transform:\n");
    for (size_t i = 0; i < sizeof s_names / sizeof *s_names; i++)
        n += snprintf(text + n, sizeof text - (size_t)n, "  - {name: %s, from: %s}\n", s_names[i],
                      s_names[i]);
    snprintf(text + n, sizeof text - (size_t)n,
             "output:\n  uri: /o/\n  table: sessions\n  sort_key: [%s]\n"
             "  reduce: {kind: plugin, name: %s, group: %d}\n",
             sort, plugin, group);
    ns_err_t err;
    ns_job_t *j = ns_job_parse(text, strlen(text), "t.yaml", NULL, 0, &err);
    cr_assert_not_null(j, "%s", err.msg);
    return j;
}

typedef struct {
    char rows[32][512];
    int n;
} s_out_t;

static int s_collect(void *arg, const ns_value_t *v, ns_err_t *err)
{
    s_out_t *o = arg;
    const ns_reduce_plugin_t *p = ns_plugin_find("sessionize");
    char *line = o->rows[o->n++];
    size_t at = 0;
    for (int i = 0; i < p->nout; i++) {
        char f[128];
        if (v[i].null)
            snprintf(f, sizeof f, "NULL");
        else if (p->out_types[i].type == NS_T_STRING)
            snprintf(f, sizeof f, "%.*s", (int)v[i].len, v[i].s);
        else
            snprintf(f, sizeof f, "%lld", (long long)v[i].i);
        at += (size_t)snprintf(line + at, 512 - at, "%s%s", i ? "|" : "", f);
    }
    return 0;
}

static ns_value_t S(const char *s)
{
    return s ? (ns_value_t){.s = s, .len = (uint32_t)strlen(s)} : (ns_value_t){.null = true};
}

/* one event; t in seconds */
static void s_feed(const ns_reduce_plugin_t *p, void *st, s_out_t *out, bool first,
                   const char *anon, long t, const char *msg, const char *type, const char *name,
                   const char *path, const char *user, const char *src, const char *order)
{
    ns_value_t v[11] = {S(anon), {.i = (int64_t)t * 1000000}, S(msg), S(type), S(name),
                        S(path), S(user), S(src), S(src ? "cpc" : NULL), S(src ? "fall" : NULL),
                        S(order)};
    ns_err_t err;
    cr_assert_eq(p->row(st, v, first, s_collect, out, &err), 0, "%s", err.msg);
}

Test(plugin, sessionize_sessions)
{
    ns_job_t *j = s_job("anonymous_id, ts, message_id", 1, "sessionize");
    ns_err_t err;
    cr_assert_eq(ns_plugin_check(j, &err), 0, "%s", err.msg);
    const ns_reduce_plugin_t *p = ns_plugin_find("sessionize");
    const char *const *names;
    const ns_coltype_t *types;
    int n;
    cr_assert_eq(ns_plugin_load_schema(j, &names, &types, &n, &err), 0);
    cr_assert_eq(n, p->nout);
    cr_assert_str_eq(names[0], "session_id");
    void *st = p->open(j, &err);
    cr_assert_not_null(st, "%s", err.msg);
    s_out_t out = {0};
    const long T = 1795000000; /* 2026-11-18 */
    /* visitor a: landing from google, a retried message, converts */
    s_feed(p, st, &out, true, "a", T, "m1", "page", NULL, "/", NULL, "google", NULL);
    s_feed(p, st, &out, false, "a", T + 60, "m2", "page", NULL, "/p/shirt", NULL, NULL, NULL);
    s_feed(p, st, &out, false, "a", T + 60, "m2", "page", NULL, "/p/shirt", NULL, NULL, NULL);
    s_feed(p, st, &out, false, "a", T + 120, "m3", "identify", NULL, NULL, "u1", NULL, NULL);
    s_feed(p, st, &out, false, "a", T + 1900, "m4", "track", "Order Completed", "/checkout", NULL,
           NULL, "5940139491234");
    /* 30 minutes and 1 second later: a new session */
    s_feed(p, st, &out, false, "a", T + 1900 + 1801, "m5", "page", NULL, "/sale", "u2", NULL,
           NULL);
    /* visitor b */
    s_feed(p, st, &out, true, "b", T + 5, "m9", "page", NULL, "/p/jacket", NULL, NULL, NULL);
    cr_assert_eq(p->finish(st, s_collect, &out, &err), 0, "%s", err.msg);
    p->free(st);
    cr_assert_eq(out.n, 3);
    char want[3][512];
    long day = T / 86400;
    snprintf(want[0], 512, "a-%ld|a|u1|%ld|%lld|%lld|4|2|/|google|cpc|fall|1|5940139491234", T,
             day, (long long)T * 1000000, (long long)(T + 1900) * 1000000);
    snprintf(want[1], 512, "a-%ld|a|u2|%ld|%lld|%lld|1|1|/sale|NULL|NULL|NULL|0|NULL",
             T + 3701, day, (long long)(T + 3701) * 1000000, (long long)(T + 3701) * 1000000);
    snprintf(want[2], 512, "b-%ld|b|NULL|%ld|%lld|%lld|1|1|/p/jacket|NULL|NULL|NULL|0|NULL",
             T + 5, day, (long long)(T + 5) * 1000000, (long long)(T + 5) * 1000000);
    for (int i = 0; i < 3; i++)
        cr_assert_str_eq(out.rows[i], want[i]);
    ns_job_destroy(&j);
}

Test(plugin, checks)
{
    ns_err_t err;
    ns_job_t *j = s_job("anonymous_id, ts", 1, "nosuch");
    cr_assert_eq(ns_plugin_check(j, &err), -1);
    cr_assert(strstr(err.msg, "no reduce plugin named 'nosuch'"), "%s", err.msg);
    ns_job_destroy(&j);
    j = s_job("ts, anonymous_id", 1, "sessionize");
    cr_assert_eq(ns_plugin_check(j, &err), -1);
    cr_assert(strstr(err.msg, "sort key must start with anonymous_id, ts"), "%s", err.msg);
    ns_job_destroy(&j);
    j = s_job("anonymous_id, ts", 2, "sessionize");
    cr_assert_eq(ns_plugin_check(j, &err), -1);
    cr_assert(strstr(err.msg, "group must be 1"), "%s", err.msg);
    ns_job_destroy(&j);
    /* a job without a plugin passes, and its load schema is the transform's */
    const char *text = "name: x\ninput:\n  uri: /r/\n  columns: [{name: a, type: string}]\n"
                       "transform: [{name: a, from: a}]\noutput: {uri: /o/, table: t, sort_key: [a]}\n";
    j = ns_job_parse(text, strlen(text), "t.yaml", NULL, 0, &err);
    cr_assert_not_null(j, "%s", err.msg);
    cr_assert_eq(ns_plugin_check(j, &err), 0);
    const char *const *names;
    const ns_coltype_t *types;
    int n;
    cr_assert_eq(ns_plugin_load_schema(j, &names, &types, &n, &err), 0);
    cr_assert_null(names);
    cr_assert_eq(n, 1);
    ns_job_destroy(&j);
}

/* ------------------------------------------------------ latest_delivery */

static ns_job_t *s_portal_job(const char *sort, int group, const char *src_type)
{
    char text[2048];
    snprintf(text, sizeof text,
             "name: portal\ninput:\n  uri: /r/\n  columns:\n"
             "    - {name: week_end, type: date}\n    - {name: store, type: string}\n"
             "    - {name: sku, type: string}\n    - {name: qty, type: int}\n"
             "    - {name: dt, type: %s}\n"
             "transform:\n  - {name: business_date, from: week_end}\n"
             "  - {name: store_key, from: store}\n  - {name: sku, from: sku}\n"
             "  - {name: units, from: qty}\n  - {name: source_date, from: dt}\n"
             "output:\n  uri: /o/\n  table: sales_discount\n  sort_key: [%s]\n"
             "  reduce: {kind: plugin, name: latest_delivery, group: %d}\n",
             src_type, sort, group);
    ns_err_t err;
    ns_job_t *j = ns_job_parse(text, strlen(text), "t.yaml", NULL, 0, &err);
    cr_assert_not_null(j, "%s", err.msg);
    return j;
}

/* the rows as "business_date|store_key|sku|units|source_date" (dates in days) */
static int s_collect_row(void *arg, const ns_value_t *v, ns_err_t *err)
{
    (void)err;
    s_out_t *o = arg;
    cr_assert_lt(o->n, 32);
    snprintf(o->rows[o->n++], 512, "%lld|%.*s|%.*s|%lld|%lld", (long long)v[0].i, (int)v[1].len,
             v[1].s, (int)v[2].len, v[2].s, (long long)v[3].i, (long long)v[4].i);
    return 0;
}

static void s_portal_row(const ns_reduce_plugin_t *p, void *st, s_out_t *out, bool first,
                         int64_t week, const char *store, const char *sku, int64_t units,
                         int64_t src)
{
    ns_value_t v[5] = {{.i = week}, S(store), S(sku), {.i = units}, {.i = src}};
    ns_err_t err;
    cr_assert_eq(p->row(st, v, first, s_collect_row, out, &err), 0, "%s", err.msg);
}

Test(plugin, latest_delivery_keeps_the_latest_export_of_each_partner_and_week)
{
    ns_job_t *j = s_portal_job("business_date, store_key, sku, source_date", 1, "date");
    ns_err_t err;
    cr_assert_eq(ns_plugin_check(j, &err), 0, "%s", err.msg);
    const ns_reduce_plugin_t *p = ns_plugin_find("latest_delivery");
    cr_assert_not_null(p);
    /* it writes the transform's columns */
    const char *const *names;
    const ns_coltype_t *types;
    int n;
    cr_assert_eq(ns_plugin_load_schema(j, &names, &types, &n, &err), 0, "%s", err.msg);
    cr_assert_null(names);
    cr_assert_eq(n, 5);
    cr_assert_eq(types, j->out_types);
    void *st = p->open(j, &err);
    cr_assert_not_null(st, "%s", err.msg);
    s_out_t out = {0};
    const int64_t W1 = 20779, W2 = 20786, D1 = 20780, D2 = 20781, D3 = 20782;
    /* week 1, THRIFTCO: exports of D1 and D2; the D2 one lacks store 0002's
     * row (a reject in it), so the D1 row must go too */
    s_portal_row(p, st, &out, true, W1, "THRIFTCO-0001", "A", 3, D1);
    s_portal_row(p, st, &out, false, W1, "THRIFTCO-0001", "A", 5, D2);
    s_portal_row(p, st, &out, false, W1, "THRIFTCO-0001", "B", 1, D2);
    s_portal_row(p, st, &out, false, W1, "THRIFTCO-0002", "A", 2, D1);
    s_portal_row(p, st, &out, false, W1, "THRIFTCO-0003", "C", 4, D2);
    /* week 1, VALUMART: one export (D1), sent again on D3: the D3 copy wins */
    s_portal_row(p, st, &out, false, W1, "VALUMART-1187", "A", 7, D1);
    s_portal_row(p, st, &out, false, W1, "VALUMART-1187", "A", 7, D3);
    s_portal_row(p, st, &out, false, W1, "VALUMART-1190", "B", 1, D1);
    s_portal_row(p, st, &out, false, W1, "VALUMART-1190", "B", 1, D3);
    /* week 2 (a new group), THRIFTCO only: its single export, even though
     * week 1's latest was later */
    s_portal_row(p, st, &out, true, W2, "THRIFTCO-0001", "A", 9, D1);
    cr_assert_eq(p->finish(st, s_collect_row, &out, &err), 0, "%s", err.msg);
    p->free(st);
    char want[6][64];
    snprintf(want[0], 64, "%lld|THRIFTCO-0001|A|5|%lld", (long long)W1, (long long)D2);
    snprintf(want[1], 64, "%lld|THRIFTCO-0001|B|1|%lld", (long long)W1, (long long)D2);
    snprintf(want[2], 64, "%lld|THRIFTCO-0003|C|4|%lld", (long long)W1, (long long)D2);
    snprintf(want[3], 64, "%lld|VALUMART-1187|A|7|%lld", (long long)W1, (long long)D3);
    snprintf(want[4], 64, "%lld|VALUMART-1190|B|1|%lld", (long long)W1, (long long)D3);
    snprintf(want[5], 64, "%lld|THRIFTCO-0001|A|9|%lld", (long long)W2, (long long)D1);
    cr_assert_eq(out.n, 6);
    for (int i = 0; i < 6; i++)
        cr_assert_str_eq(out.rows[i], want[i]);
    ns_job_destroy(&j);
}

Test(plugin, latest_delivery_checks)
{
    ns_err_t err;
    /* the partner's rows would not follow each other */
    ns_job_t *j = s_portal_job("business_date, sku, store_key, source_date", 1, "date");
    cr_assert_eq(ns_plugin_check(j, &err), -1);
    cr_assert(strstr(err.msg, "after the reduce group (the period) must be store_key"), "%s",
              err.msg);
    ns_job_destroy(&j);
    /* store_key in the group: each store would be a partner */
    j = s_portal_job("business_date, store_key, sku, source_date", 2, "date");
    cr_assert_eq(ns_plugin_check(j, &err), -1);
    cr_assert(strstr(err.msg, "must be store_key"), "%s", err.msg);
    ns_job_destroy(&j);
    /* source_date must be a date */
    j = s_portal_job("business_date, store_key, sku", 1, "string");
    cr_assert_eq(ns_plugin_check(j, &err), -1);
    cr_assert(strstr(err.msg, "transform column 'source_date' must be date, not string"), "%s",
              err.msg);
    cr_assert(strstr(err.msg, "reduce plugin 'latest_delivery'"), "%s", err.msg);
    ns_job_destroy(&j);
}

/* Kept rows keep their strings past the caller's buffers, and say when
 * their bound is passed. */
Test(plugin, kept_rows)
{
    ns_job_t *j = s_portal_job("business_date, store_key, sku, source_date", 1, "date");
    ns_err_t err;
    ns_plugin_rows_t r;
    int col[2] = {2, 1}; /* sku, store_key */
    cr_assert_eq(ns_plugin_rows_init(&r, j, col, 2, 24, "test rows", &err), 0);
    char a[16], b[16];
    for (int i = 0; i < 3; i++) {
        snprintf(a, sizeof a, "SKU%d", i);
        snprintf(b, sizeof b, "ST-%d", i);
        ns_value_t v[5] = {{.i = 1}, S(b), S(i == 1 ? NULL : a), {.i = 2}, {.i = 3}};
        cr_assert_eq(ns_plugin_rows_add(&r, v, &err), 0, "%s", err.msg);
        memset(a, 'x', sizeof a - 1);
        memset(b, 'x', sizeof b - 1);
    }
    cr_assert_eq(r.n, 3);
    const ns_value_t *v = ns_plugin_rows_get(&r, 2);
    cr_assert_eq(v[0].len, 4);
    cr_assert_eq(memcmp(v[0].s, "SKU2", 4), 0);
    cr_assert_eq(memcmp(v[1].s, "ST-2", 4), 0);
    cr_assert(ns_plugin_rows_get(&r, 1)[0].null);
    ns_value_t big = S("a string longer than the bound");
    ns_value_t row[5] = {{.i = 1}, big, big, {.i = 2}, {.i = 3}};
    cr_assert_eq(ns_plugin_rows_add(&r, row, &err), -1);
    cr_assert(strstr(err.msg, "test rows longer than 24 bytes"), "%s", err.msg);
    ns_plugin_rows_reset(&r);
    cr_assert_eq(r.n, 0);
    ns_plugin_rows_free(&r);
    ns_job_destroy(&j);
}
