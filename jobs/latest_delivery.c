/*
 * latest_delivery: the `latest_delivery` reduce plugin (ns_plugin.h) of
 * the jobs that read a partner's restated exports (wholesale_portal,
 * inventory_portal): a partner's later export of a period replaces its
 * earlier ones whole. A row-by-row dedupe cannot say that: when the
 * latest export lacks a row (it was a reject, or the partner dropped it),
 * the row of the export before would survive.
 *
 * Reads these transform output columns (by name):
 *   store_key string (the partner is the text before its first '-':
 *   VALUMART-1187), source_date date (the delivery day);
 * the reduce group is the period (business_date, as_of_date: any leading
 * sort-key columns) and the sort-key column right after it must be
 * store_key, so that a partner's rows of a period follow each other (the
 * keys of one partner share the prefix "PARTNER-"). The distribution key
 * lies within the group, as for every reduce: one period's rows meet in
 * one slice.
 *
 * Writes the transform's columns unchanged (the plugin has no schema of
 * its own), in the order read: of each (period, partner), the rows whose
 * source_date is the greatest among them; every row of that delivery, none
 * of the others. A NULL source_date is older than any date.
 *
 * Memory: the rows of one partner and period, of every delivery read.
 */
#include "ns_plugin.h"

#include <stdlib.h>
#include <string.h>

enum { I_STORE, I_SRC, I_N };
static const ns_plugin_col_t s_in[I_N] = {{"store_key", NS_T_STRING, 0},
                                          {"source_date", NS_T_DATE, 0}};

typedef struct {
    ns_plugin_rows_t rows; /* first (ns_plugin_rows_new): the partner's rows of the period */
    int col[I_N];
    bool dated;     /* a held row has a source_date */
    int64_t latest; /* the greatest of them */
} s_state_t;

static int s_check(const ns_job_t *j, ns_err_t *err)
{
    int col[I_N];
    if (ns_plugin_cols(j, s_in, I_N, col, err))
        return -1;
    if (j->nsort <= j->group_len || j->sort_key[j->group_len] != col[I_STORE])
        return ns_errf(err, "the sort-key column after the reduce group (the period) must be "
                            "store_key, so that a partner's rows follow each other");
    return 0;
}

static void *s_open(const ns_job_t *j, ns_err_t *err)
{
    int col[I_N];
    if (ns_plugin_cols(j, s_in, I_N, col, err))
        return NULL;
    s_state_t *st = ns_plugin_rows_new(sizeof *st, j, NULL, 0, 256u << 20,
                                       "one partner's exports of a period", err);
    if (st)
        memcpy(st->col, col, sizeof col);
    return st;
}

/* The partner part of a store key: the bytes before the first '-'. */
static size_t s_partner(const ns_value_t *key)
{
    if (key->null)
        return 0;
    const char *dash = memchr(key->s, '-', key->len);
    return dash ? (size_t)(dash - key->s) : key->len;
}

/* Emits the held rows of the latest delivery, and forgets them all. */
static int s_flush(s_state_t *st, ns_plugin_emit_fn emit, void *arg, ns_err_t *err)
{
    for (size_t i = 0; i < st->rows.n; i++) {
        const ns_value_t *v = ns_plugin_rows_get(&st->rows, i);
        const ns_value_t *src = &v[st->col[I_SRC]];
        if (st->dated && (src->null || src->i != st->latest))
            continue; /* an earlier delivery */
        if (emit(arg, v, err))
            return -1;
    }
    ns_plugin_rows_reset(&st->rows);
    st->dated = false;
    return 0;
}

static int s_row(void *p, const ns_value_t *vals, bool first, ns_plugin_emit_fn emit, void *arg,
                 ns_err_t *err)
{
    s_state_t *st = p;
    const ns_value_t *key = &vals[st->col[I_STORE]];
    if (st->rows.n && !first) {
        const ns_value_t *held = &ns_plugin_rows_get(&st->rows, 0)[st->col[I_STORE]];
        size_t n = s_partner(key);
        first =
            key->null != held->null || n != s_partner(held) || (n && memcmp(key->s, held->s, n));
    }
    if (first && s_flush(st, emit, arg, err))
        return -1;
    const ns_value_t *src = &vals[st->col[I_SRC]];
    if (!src->null && (!st->dated || src->i > st->latest)) {
        st->dated = true;
        st->latest = src->i;
    }
    return ns_plugin_rows_add(&st->rows, vals, err);
}

static int s_finish(void *p, ns_plugin_emit_fn emit, void *arg, ns_err_t *err)
{
    return s_flush(p, emit, arg, err);
}

const ns_reduce_plugin_t ns_plugin_latest_delivery = {
    .name = "latest_delivery",
    .doc = "partner exports: of each period and partner, only the rows of the latest delivery",
    .out_names = NULL, /* the transform's columns */
    .out_types = NULL,
    .nout = 0,
    .check = s_check,
    .open = s_open,
    .row = s_row,
    .finish = s_finish,
    .free = ns_plugin_rows_delete,
};
