/*
 * online_orders_latest: the `orders_latest` reduce plugin (ns_plugin.h) of
 * the online_orders job: what a declarative job cannot say about order
 * versions. Rows arrive grouped by order id, ordered by updated_at, one row
 * per line item of each version (input.explode: line_items). For each order
 * only the latest version counts (copies of one version are identical and
 * count once); a voided latest version counts nothing; otherwise each line
 * item counts its quantity and net amount less what the order's refunds
 * give back for it (refunds[].refund_line_items[] matched by line_item_id).
 *
 * Reads these transform output columns (by name):
 *   order_id string, updated_at timestamp, line_item_id string,
 *   financial_status string, business_date date (UTC date of created_at),
 *   sku string, currency string, quantity int, net_local decimal(14,2)
 *   (price x quantity - total_discount), discount_local decimal(14,2),
 *   usd_per_unit decimal(12,6), refunds string (the JSON text of the
 *   order's refunds array), source_date date;
 * the job's sort key must start with order_id, updated_at and its reduce
 * group be 1 (the order).
 *
 * Writes the columns of the sales tables (docs/WAREHOUSE.md), one row per
 * line item of the latest version: business_date, store_key (ONLINE), sku,
 * txn_type (ORDER), promo_id (NULL), currency, units, net_local, net_usd
 * (net_local x usd_per_unit, rounded half away from zero to the cent),
 * discount_usd, lines (1), channel (online), source_date.
 *
 * Refund line items are read from the refunds text as flat objects
 * ({"line_item_id":"..","quantity":N,"subtotal":".."}, as the platform
 * writes them); a refund line item without a quantity or subtotal counts
 * 0 for it. Memory: the rows of one version of one order.
 */
#include "ns_plugin.h"

#include "ns_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { I_ORDER, I_UPD, I_LINE, I_STATUS, I_DATE, I_SKU, I_CUR, I_QTY, I_NET, I_DISC, I_RATE,
       I_REFUNDS, I_SRC, I_N };
static const ns_plugin_col_t s_in[I_N] = {
    {"order_id", NS_T_STRING, 0},       {"updated_at", NS_T_TIMESTAMP, 0},
    {"line_item_id", NS_T_STRING, 0},   {"financial_status", NS_T_STRING, 0},
    {"business_date", NS_T_DATE, 0},    {"sku", NS_T_STRING, 0},
    {"currency", NS_T_STRING, 0},       {"quantity", NS_T_INT, 0},
    {"net_local", NS_T_DECIMAL, 2},     {"discount_local", NS_T_DECIMAL, 2},
    {"usd_per_unit", NS_T_DECIMAL, 6},  {"refunds", NS_T_STRING, 0},
    {"source_date", NS_T_DATE, 0}};
static const char *const s_lead[2] = {"order_id", "updated_at"};

enum { O_DATE, O_STORE, O_SKU, O_TYPE, O_PROMO, O_CUR, O_UNITS, O_NET, O_USD, O_DISC, O_LINES,
       O_CHANNEL, O_SRC, O_N };
static const char *const s_out_names[O_N] = {
    "business_date", "store_key", "sku",     "txn_type", "promo_id", "currency",   "units",
    "net_local",     "net_usd",   "discount_usd", "lines", "channel", "source_date"};
static const ns_coltype_t s_out_types[O_N] = {
    {NS_T_DATE, 0},   {NS_T_STRING, 0},  {NS_T_STRING, 0},  {NS_T_STRING, 0}, {NS_T_STRING, 0},
    {NS_T_STRING, 0}, {NS_T_INT, 0},     {NS_T_DECIMAL, 2}, {NS_T_DECIMAL, 2}, {NS_T_DECIMAL, 2},
    {NS_T_INT, 0},    {NS_T_STRING, 0},  {NS_T_DATE, 0}};

typedef struct {
    ns_plugin_rows_t lines; /* first (ns_plugin_rows_new): the held version's line items */
    int col[I_N];
} s_state_t;

static int s_check(const ns_job_t *j, ns_err_t *err)
{
    int col[I_N];
    if (ns_plugin_cols(j, s_in, I_N, col, err))
        return -1;
    return ns_plugin_keys(j, s_lead, 2, 1, "the order", err);
}

static void *s_open(const ns_job_t *j, ns_err_t *err)
{
    int col[I_N];
    if (ns_plugin_cols(j, s_in, I_N, col, err))
        return NULL;
    s_state_t *st =
        ns_plugin_rows_new(sizeof *st, j, col, I_N, 256u << 20, "one order's versions", err);
    if (st)
        memcpy(st->col, col, sizeof col);
    return st;
}

/* The value after "key": in the flat object text [p, end), or NULL. */
static const char *s_member(const char *p, const char *end, const char *key)
{
    size_t kl = strlen(key);
    for (const char *q = p; q + kl + 2 <= end; q++) {
        if (*q != '"' || memcmp(q + 1, key, kl) || q[kl + 1] != '"')
            continue;
        q += kl + 2;
        while (q < end && (*q == ' ' || *q == ':' || *q == '\t' || *q == '\n' || *q == '\r'))
            q++;
        return q < end ? q : NULL;
    }
    return NULL;
}

/* Refunded quantity and subtotal (cents) of line item id in the refunds text. */
static int s_refunded(const ns_value_t *refunds, const ns_value_t *id, int64_t *qty,
                      int64_t *cents, ns_err_t *err)
{
    *qty = *cents = 0;
    if (refunds->null || id->null)
        return 0;
    const char *s = refunds->s, *end = refunds->s + refunds->len;
    for (const char *p = s; (p = s_member(p, end, "line_item_id")) != NULL;) {
        const char *v = p;
        if (*v != '"' || (size_t)(end - v) < id->len + 2 || memcmp(v + 1, id->s, id->len) ||
            v[id->len + 1] != '"') {
            p = v + 1;
            continue;
        }
        /* the flat object around it */
        const char *ob = v, *oe = v;
        while (ob > s && *ob != '{')
            ob--;
        while (oe < end && *oe != '}')
            oe++;
        const char *q = s_member(ob, oe, "quantity"), *t = s_member(ob, oe, "subtotal");
        if (q) {
            char *stop;
            char num[24];
            size_t n = 0;
            while (q + n < oe && n + 1 < sizeof num && (q[n] == '-' || (q[n] >= '0' && q[n] <= '9')))
                n++;
            memcpy(num, q, n);
            num[n] = 0;
            long long x = strtoll(num, &stop, 10);
            if (n == 0 || *stop)
                return ns_errf(err, "order refund of line item %.*s: quantity is not a number",
                               (int)id->len, id->s);
            *qty += x;
        }
        if (t && *t == '"') {
            const char *te = memchr(t + 1, '"', (size_t)(oe - t - 1));
            int64_t c;
            if (!te || ns_parse_decimal(t + 1, (size_t)(te - t - 1), 2, &c, err))
                return ns_err_prefix(err, "order refund of line item %.*s: subtotal",
                                     (int)id->len, id->s);
            *cents += c;
        }
        p = oe;
    }
    return 0;
}

static int64_t s_usd(int64_t cents, int64_t micro) /* round half away from zero */
{
    __int128 p = (__int128)cents * micro;
    __int128 q = p / 1000000, r = p % 1000000;
    if (2 * (r < 0 ? -r : r) >= 1000000)
        q += p < 0 ? -1 : 1;
    return (int64_t)q;
}

/* Emits the held version (the order's latest) unless it is voided. */
static int s_emit_order(s_state_t *st, ns_plugin_emit_fn emit, void *arg, ns_err_t *err)
{
    for (size_t i = 0; i < st->lines.n; i++) {
        const ns_value_t *v = ns_plugin_rows_get(&st->lines, i);
        if (!v[I_STATUS].null && v[I_STATUS].len == 6 && !memcmp(v[I_STATUS].s, "voided", 6))
            break; /* every line of a version has the order's status */
        const ns_value_t *prev = i > 0 ? ns_plugin_rows_get(&st->lines, i - 1) : NULL;
        if (prev && v[I_LINE].len == prev[I_LINE].len &&
            !memcmp(v[I_LINE].s, prev[I_LINE].s, v[I_LINE].len))
            continue; /* another copy of the same version */
        int64_t rq, rc;
        if (s_refunded(&v[I_REFUNDS], &v[I_LINE], &rq, &rc, err))
            return -1;
        ns_value_t o[O_N];
        memset(o, 0, sizeof o);
        o[O_DATE] = v[I_DATE];
        o[O_STORE] = (ns_value_t){.s = "ONLINE", .len = 6};
        o[O_SKU] = v[I_SKU];
        o[O_TYPE] = (ns_value_t){.s = "ORDER", .len = 5};
        o[O_PROMO].null = true;
        o[O_CUR] = v[I_CUR];
        o[O_UNITS] = (ns_value_t){.null = v[I_QTY].null, .i = v[I_QTY].i - rq};
        o[O_NET] = (ns_value_t){.null = v[I_NET].null, .i = v[I_NET].i - rc};
        o[O_USD] = (ns_value_t){.null = o[O_NET].null || v[I_RATE].null,
                                .i = s_usd(o[O_NET].i, v[I_RATE].i)};
        o[O_DISC] = (ns_value_t){.null = v[I_DISC].null || v[I_RATE].null,
                                 .i = s_usd(v[I_DISC].i, v[I_RATE].i)};
        o[O_LINES].i = 1;
        o[O_CHANNEL] = (ns_value_t){.s = "online", .len = 6};
        o[O_SRC] = v[I_SRC];
        if (emit(arg, o, err))
            return -1;
    }
    ns_plugin_rows_reset(&st->lines);
    return 0;
}

static int s_row(void *p, const ns_value_t *vals, bool first, ns_plugin_emit_fn emit, void *arg,
                 ns_err_t *err)
{
    s_state_t *st = p;
    if (first && s_emit_order(st, emit, arg, err))
        return -1;
    const ns_value_t *upd = &vals[st->col[I_UPD]];
    if (st->lines.n) {
        const ns_value_t *held = &ns_plugin_rows_get(&st->lines, 0)[I_UPD];
        if (upd->null != held->null || upd->i != held->i) /* a newer version replaces it */
            ns_plugin_rows_reset(&st->lines);
    }
    return ns_plugin_rows_add(&st->lines, vals, err);
}

static int s_finish(void *p, ns_plugin_emit_fn emit, void *arg, ns_err_t *err)
{
    return s_emit_order(p, emit, arg, err);
}

const ns_reduce_plugin_t ns_plugin_orders_latest = {
    .name = "orders_latest",
    .doc = "online orders: the latest version of each order, voids dropped, refunds netted per "
           "line item",
    .out_names = s_out_names,
    .out_types = s_out_types,
    .nout = O_N,
    .check = s_check,
    .open = s_open,
    .row = s_row,
    .finish = s_finish,
    .free = ns_plugin_rows_delete,
};
