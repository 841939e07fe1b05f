/*
 * ns_format: the reader of a job's input format, its columns picked out
 * (ns_format.h).
 *
 * Workload: one reader per input split; the projection of EDI fields onto
 * the job's columns is an array copy of a few pointers per record.
 */
#include "ns_format.h"

#include "ns_delim.h"
#include "ns_edi.h"
#include "ns_json.h"

#include <stdlib.h>
#include <string.h>

/* EDI: the reader's fields, picked and ordered as the job's columns. */
typedef struct {
    ns_recsrc_t base;
    ns_recsrc_t *inner;
    int n;
    int map[NS_MAX_COLUMNS];
    ns_field_t out[NS_MAX_COLUMNS];
} s_project_t;

static int s_project_next(ns_recsrc_t *s, ns_record_t *rec, ns_err_t *err)
{
    s_project_t *p = (s_project_t *)s;
    int r = p->inner->next(p->inner, rec, err);
    if (r != NS_REC_RECORD)
        return r;
    for (int i = 0; i < p->n; i++)
        p->out[i] = p->map[i] < rec->nfields ? rec->fields[p->map[i]] : (ns_field_t){NULL, 0};
    rec->fields = p->out;
    rec->nfields = p->n;
    return r;
}

static uint64_t s_project_bytes(const ns_recsrc_t *s)
{
    const s_project_t *p = (const s_project_t *)s;
    return p->inner->bytes(p->inner);
}

static void s_project_destroy(ns_recsrc_t *s)
{
    s_project_t *p = (s_project_t *)s;
    p->inner->destroy(p->inner);
    free(p);
}

static const char *s_field_of(const ns_incol_t *c)
{
    return c->path ? c->path : c->name;
}

static int s_edi_field(const char *name)
{
    for (int f = 0; f < NS_EDI_NFIELDS; f++)
        if (!strcmp(ns_edi_field_names[f], name))
            return f;
    return -1;
}

/* A stream with nothing in it: the reader ns_format_check makes over it
 * checks the job's options and JSON paths as every task's reader will. */
static ssize_t s_empty_read(ns_reader_t *r, void *buf, size_t n, ns_err_t *err)
{
    return 0;
}

static void s_empty_close(ns_reader_t *r)
{
}

int ns_format_check(const ns_job_t *j, ns_err_t *err)
{
    if (j->format == NS_FORMAT_JSON || j->format == NS_FORMAT_DELIMITED) {
        /* a path the reader refuses ("a..b", "x[].y" with nothing exploded)
         * is an error at submit, not in every map task */
        struct ns_reader empty = {.read = s_empty_read, .close = s_empty_close};
        ns_recsrc_t *s = ns_format_open(j, &empty, 0, 0, UINT64_MAX, err);
        if (!s)
            return ns_err_prefix(err, "job '%s'", j->name);
        s->destroy(s);
    }
    if (j->format == NS_FORMAT_EDI) {
        for (int i = 0; i < j->nin; i++)
            if (!j->in[i].path_key && s_edi_field(s_field_of(&j->in[i])) < 0)
                return ns_errf(err,
                               "job '%s': input column '%s': edi records have no field '%s' "
                               "(sender, receiver, interchange_control, group_control, "
                               "set_control, period_start, period_end, store, upc, sku, "
                               "qty_sold, qty_on_hand, qty_returned)",
                               j->name, j->in[i].name, s_field_of(&j->in[i]));
    }
    for (int l = 0; l < j->nlookups; l++)
        if (ns_format_check(j->lookups[l].src, err))
            return ns_err_prefix(err, "lookup '%s'", j->lookups[l].name);
    return 0;
}

/* The delimited reader with the job's options. */
static ns_recsrc_t *s_delimited(const ns_job_t *j, ns_reader_t *src, uint64_t first,
                                uint64_t start, uint64_t end, ns_err_t *err)
{
    ns_delim_opts_t o;
    ns_delim_opts_default(&o);
    o.delimiter = j->delimiter;
    o.quote = j->quote;
    o.escape = j->escape;
    o.quoted_newlines = j->quoted_newlines;
    o.skip_lines = j->skip_lines;
    o.header_lines = j->header_lines;
    o.max_record = j->max_record;
    o.max_fields = NS_MAX_COLUMNS;
    ns_delim_t *d = ns_delim_new(src, &o, first, start, end, err);
    return d ? ns_delim_recsrc(d) : NULL;
}

ns_recsrc_t *ns_format_open(const ns_job_t *j, ns_reader_t *src, uint64_t first, uint64_t start,
                            uint64_t end, ns_err_t *err)
{
    switch (j->format) {
    case NS_FORMAT_DELIMITED:
        return s_delimited(j, src, first, start, end, err);
    case NS_FORMAT_EDI: {
        if (ns_format_check(j, err))
            return NULL;
        ns_edi_opts_t o;
        ns_edi_opts_default(&o);
        o.max_record = j->max_record;
        if (j->max_segments > 0)
            o.max_segments = j->max_segments;
        if (j->max_interchange_segments > 0)
            o.max_interchange_segments = j->max_interchange_segments;
        s_project_t *p = calloc(1, sizeof *p);
        if (!p) {
            ns_errf(err, "edi reader: out of memory");
            return NULL;
        }
        p->inner = ns_edi_new(src, &o, err);
        if (!p->inner) {
            free(p);
            return NULL;
        }
        for (int i = 0; i < j->nin; i++)
            if (!j->in[i].path_key)
                p->map[p->n++] = s_edi_field(s_field_of(&j->in[i]));
        p->base.next = s_project_next;
        p->base.bytes = s_project_bytes;
        p->base.destroy = s_project_destroy;
        return &p->base;
    }
    case NS_FORMAT_JSON: {
        ns_json_opts_t o;
        ns_json_opts_default(&o);
        o.max_record = j->max_record;
        if (j->max_depth > 0)
            o.max_depth = j->max_depth;
        o.concatenated = j->concatenated;
        const char *paths[NS_MAX_COLUMNS];
        int np = 0;
        for (int i = 0; i < j->nin; i++)
            if (!j->in[i].path_key)
                paths[np++] = s_field_of(&j->in[i]);
        return ns_json_new(src, &o, paths, np, j->explode, first, start, end, err);
    }
    }
    ns_errf(err, "job '%s': input format %d has no reader", j->name, (int)j->format);
    return NULL;
}
