/*
 * ns_plugin_util: what the reduce plugins share (ns_plugin.h): finding the
 * transform columns they read and checking their types, checking the sort
 * key and group they need, and keeping strings and rows past the row call.
 */
#include "ns_plugin.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int ns_plugin_cols(const ns_job_t *j, const ns_plugin_col_t *cols, int n, int *col, ns_err_t *err)
{
    for (int i = 0; i < n; i++) {
        const ns_plugin_col_t *c = &cols[i];
        col[i] = -1;
        for (int k = 0; k < j->nout && col[i] < 0; k++)
            if (!strcmp(j->out[k].name, c->name))
                col[i] = k;
        if (col[i] < 0)
            return ns_errf(err, "the transform has no column '%s' (%s)", c->name,
                           ns_type_name(c->type));
        const ns_coltype_t *t = &j->out_types[col[i]];
        if (t->type == c->type && (c->type != NS_T_DECIMAL || t->scale == c->scale))
            continue;
        if (c->type == NS_T_DECIMAL)
            return ns_errf(err, "transform column '%s' must be decimal with scale %d", c->name,
                           c->scale);
        return ns_errf(err, "transform column '%s' must be %s, not %s", c->name,
                       ns_type_name(c->type), ns_type_name(t->type));
    }
    return 0;
}

int ns_plugin_keys(const ns_job_t *j, const char *const *lead, int n, int group, const char *what,
                   ns_err_t *err)
{
    bool ok = j->nsort >= n;
    for (int i = 0; ok && i < n; i++)
        ok = !strcmp(j->out[j->sort_key[i]].name, lead[i]);
    if (!ok) {
        char list[256];
        size_t at = 0;
        list[0] = '\0';
        for (int i = 0; i < n && at < sizeof list; i++)
            at += (size_t)snprintf(list + at, sizeof list - at, "%s%s", i ? ", " : "", lead[i]);
        return ns_errf(err, "the sort key must start with %s", list);
    }
    if (j->group_len != group)
        return ns_errf(err, "the reduce group must be %d (%s), not %d", group, what, j->group_len);
    return 0;
}

int ns_plugin_keep(ns_buf_t *strs, const ns_value_t *v, ns_plugin_str_t *out, const char *what,
                   ns_err_t *err)
{
    out->null = v->null;
    out->off = strs->len;
    out->len = v->null ? 0 : v->len;
    if (!v->null && ns_buf_append(strs, v->s, v->len))
        return ns_errf(err, "%s longer than %zu bytes", what, strs->max);
    return 0;
}

ns_value_t ns_plugin_kept(const ns_buf_t *strs, const ns_plugin_str_t *s)
{
    ns_value_t v = {.null = s->null};
    if (!s->null) {
        v.s = strs->data ? strs->data + s->off : "";
        v.len = s->len;
    }
    return v;
}

int ns_plugin_rows_init(ns_plugin_rows_t *r, const ns_job_t *j, const int *col, int ncol,
                        size_t max_bytes, const char *what, ns_err_t *err)
{
    memset(r, 0, sizeof *r);
    if (!col)
        ncol = j->nout;
    r->col = calloc((size_t)ncol + 1, sizeof *r->col);
    r->str = calloc((size_t)ncol + 1, sizeof *r->str);
    if (!r->col || !r->str) {
        ns_plugin_rows_free(r);
        return ns_errf(err, "out of memory");
    }
    r->ncol = ncol;
    for (int c = 0; c < ncol; c++) {
        r->col[c] = col ? col[c] : c;
        r->str[c] = j->out_types[r->col[c]].type == NS_T_STRING;
    }
    r->what = what;
    ns_buf_init(&r->strs, max_bytes);
    return 0;
}

int ns_plugin_rows_add(ns_plugin_rows_t *r, const ns_value_t *vals, ns_err_t *err)
{
    size_t nc = (size_t)r->ncol;
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 16;
        ns_value_t *nv = realloc(r->v, cap * nc * sizeof *nv);
        if (nv)
            r->v = nv;
        size_t *no = nv ? realloc(r->off, cap * nc * sizeof *no) : NULL;
        if (!no)
            return ns_errf(err, "out of memory");
        r->off = no;
        r->cap = cap;
    }
    ns_value_t *v = &r->v[r->n * nc];
    size_t *off = &r->off[r->n * nc];
    for (size_t c = 0; c < nc; c++) {
        v[c] = vals[r->col[c]];
        if (!r->str[c] || v[c].null)
            continue;
        ns_plugin_str_t s;
        if (ns_plugin_keep(&r->strs, &v[c], &s, r->what, err))
            return -1;
        off[c] = s.off;
    }
    r->n++;
    return 0;
}

const ns_value_t *ns_plugin_rows_get(ns_plugin_rows_t *r, size_t i)
{
    size_t nc = (size_t)r->ncol;
    ns_value_t *v = &r->v[i * nc];
    for (size_t c = 0; c < nc; c++)
        if (r->str[c] && !v[c].null)
            v[c].s = r->strs.data ? r->strs.data + r->off[i * nc + c] : "";
    return v;
}

void ns_plugin_rows_reset(ns_plugin_rows_t *r)
{
    r->n = 0;
    ns_buf_reset(&r->strs);
}

void *ns_plugin_rows_new(size_t size, const ns_job_t *j, const int *col, int ncol, size_t max_bytes,
                         const char *what, ns_err_t *err)
{
    ns_plugin_rows_t *st = calloc(1, size < sizeof *st ? sizeof *st : size);
    if (!st) {
        ns_errf(err, "out of memory");
        return NULL;
    }
    if (ns_plugin_rows_init(st, j, col, ncol, max_bytes, what, err)) {
        free(st);
        return NULL;
    }
    return st;
}

void ns_plugin_rows_delete(void *st)
{
    if (!st)
        return;
    ns_plugin_rows_free(st);
    free(st);
}

void ns_plugin_rows_free(ns_plugin_rows_t *r)
{
    free(r->col);
    free(r->str);
    free(r->v);
    free(r->off);
    ns_buf_free(&r->strs);
    memset(r, 0, sizeof *r);
}
