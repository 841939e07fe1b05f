/*
 * ns_task: one map or reduce attempt (see ns_task.h).
 *
 * The map loop is the hot path of the whole system: per record it parses
 * the typed input columns, evaluates the filter on the raw text, computes
 * the output values, encodes the row once (key + fields) and copies it into
 * the sorter's arena. Nothing is allocated per record: strings produced by
 * transforms go into a scratch buffer reset per record.
 */
#include "ns_task.h"

#include "ns_codec.h"
#include "ns_input.h"
#include "ns_job.h"
#include "ns_loadfile.h"
#include "ns_lookup.h"
#include "ns_log.h"
#include "ns_merge.h"
#include "ns_plugin.h"
#include "ns_row.h"
#include "ns_run.h"
#include "ns_scope.h"
#include "ns_sorter.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#define S_RUN_BUF (256 * 1024)
#define S_REJECT_RAW_MAX 4096

/* ------------------------------------------------------------ parsing */

int ns_task_parse(ns_task_t *t, const msgpack_object *r, ns_err_t *err)
{
    memset(t, 0, sizeof *t);
    char kind[16];
    const char *text;
    size_t tlen;
    int64_t parts;
    if (ns_mp_get_strz(r, "job", t->job, sizeof t->job, err) ||
        ns_mp_get_int(r, "task", &t->task, err) || ns_mp_get_int(r, "attempt", &t->attempt, err) ||
        ns_mp_get_strz(r, "kind", kind, sizeof kind, err) ||
        ns_mp_get_str(r, "jobdef", &text, &tlen, err) ||
        ns_mp_get_strz(r, "source", t->source, sizeof t->source, err) ||
        ns_mp_get_strz(r, "date", t->date, sizeof t->date, err) ||
        ns_mp_get_strz(r, "prefix", t->prefix, sizeof t->prefix, err) ||
        ns_mp_get_int(r, "partitions", &parts, err))
        goto fail;
    if (parts < 1 || parts > NS_MAX_COLUMNS) {
        ns_errf(err, "bad partition count %lld", (long long)parts);
        goto fail;
    }
    t->partitions = (int)parts;
    t->jobdef = strndup(text, tlen);
    if (!t->jobdef) {
        ns_errf(err, "out of memory");
        goto fail;
    }
    const msgpack_object *vars = ns_mp_get(r, "vars");
    if (vars && vars->type == MSGPACK_OBJECT_MAP) {
        for (uint32_t i = 0; i < vars->via.map.size && t->nvars < NS_TASK_MAX_VARS; i++) {
            char k[128], v[NS_URI_MAX];
            if (ns_mp_strz(&vars->via.map.ptr[i].key, k, sizeof k) ||
                ns_mp_strz(&vars->via.map.ptr[i].val, v, sizeof v)) {
                ns_errf(err, "bad vars");
                goto fail;
            }
            t->var_names[t->nvars] = strdup(k);
            t->var_values[t->nvars] = strdup(v);
            t->nvars++;
        }
    }
    if (!strcmp(kind, "map")) {
        t->is_map = 1;
        const msgpack_object *items;
        uint32_t n;
        if (ns_mp_get_array(r, "inputs", &items, &n, err))
            goto fail;
        t->inputs = calloc(n ? n : 1, sizeof *t->inputs);
        if (!t->inputs) {
            ns_errf(err, "out of memory");
            goto fail;
        }
        for (uint32_t i = 0; i < n; i++) {
            if (ns_split_unpack(&items[i], &t->inputs[i])) {
                ns_errf(err, "bad input %u", i);
                goto fail;
            }
            t->ninputs++;
        }
    } else if (!strcmp(kind, "reduce")) {
        int64_t part, files, in_bytes;
        const msgpack_object *items;
        uint32_t n;
        if (ns_mp_get_int(r, "partition", &part, err) || ns_mp_get_int(r, "files", &files, err) ||
            ns_mp_get_int(r, "in_bytes", &in_bytes, err) ||
            ns_mp_get_array(r, "runs", &items, &n, err))
            goto fail;
        if (part < 0 || part >= parts || files < 1 || files > 100000 || in_bytes < 0) {
            ns_errf(err, "bad reduce parameters");
            goto fail;
        }
        t->partition = (int)part;
        t->files = (int)files;
        t->in_bytes = (uint64_t)in_bytes;
        t->runs = calloc(n ? n : 1, sizeof *t->runs);
        if (!t->runs) {
            ns_errf(err, "out of memory");
            goto fail;
        }
        for (uint32_t i = 0; i < n; i++) {
            char uri[NS_URI_MAX];
            if (ns_mp_strz(&items[i], uri, sizeof uri)) {
                ns_errf(err, "bad run %u", i);
                goto fail;
            }
            t->runs[i] = strdup(uri);
            if (!t->runs[i]) {
                ns_errf(err, "out of memory");
                goto fail;
            }
            t->nruns++;
        }
    } else {
        ns_errf(err, "unknown task kind '%s'", kind);
        goto fail;
    }
    return 0;
fail:
    ns_task_free(t);
    return -1;
}

void ns_task_free(ns_task_t *t)
{
    if (!t)
        return;
    free(t->jobdef);
    for (int i = 0; i < t->nvars; i++) {
        free(t->var_names[i]);
        free(t->var_values[i]);
    }
    for (int i = 0; i < t->ninputs; i++)
        free(t->inputs[i].uri);
    free(t->inputs);
    for (int i = 0; i < t->nruns; i++)
        free(t->runs[i]);
    free(t->runs);
    memset(t, 0, sizeof *t);
}

static ns_job_t *s_job(const ns_task_t *t, ns_err_t *err)
{
    ns_var_t vars[NS_TASK_MAX_VARS];
    for (int i = 0; i < t->nvars; i++) {
        vars[i].name = t->var_names[i];
        vars[i].value = t->var_values[i];
    }
    ns_job_t *j = ns_job_parse(t->jobdef, strlen(t->jobdef), t->source, vars, t->nvars, err);
    if (j && ns_job_apply_storage(j, err))
        ns_job_destroy(&j);
    return j;
}

/* -------------------------------------------------------------- groups */

/* Rows of one group (the leading group_len sort-key columns), folded as the
 * job's reduce says: aggregate sums the sum columns (other columns keep the
 * group's first row), dedupe keeps the first or the last row. The same
 * folding runs on the map side, as a combiner at each spill (partial sums,
 * far fewer rows to shuffle), and on the reduce side (the final rows), so
 * both sides agree by construction. Rows must arrive in run order. */
typedef int (*s_group_out_fn)(void *arg, const ns_value_t *vals, ns_err_t *err);

typedef struct {
    const ns_job_t *job;
    ns_value_t *vals;     /* the held group's values */
    ns_value_t *cur;      /* the incoming row's values */
    uint8_t *row;         /* bytes of the held row (its strings point here) */
    size_t cap;
    const uint8_t *key;   /* the held row's normalized key (in row) */
    uint16_t key_len;
    int held;             /* a group is held */
    s_group_out_fn out;   /* receives each finished group */
    void *arg;
} s_group_t;

static int s_group_init(s_group_t *g, const ns_job_t *job, s_group_out_fn out, void *arg)
{
    memset(g, 0, sizeof *g);
    g->job = job;
    g->out = out;
    g->arg = arg;
    g->vals = calloc((size_t)job->nout, sizeof *g->vals);
    g->cur = calloc((size_t)job->nout, sizeof *g->cur);
    return g->vals && g->cur ? 0 : -1;
}

static void s_group_free(s_group_t *g)
{
    free(g->vals);
    free(g->cur);
    free(g->row);
    memset(g, 0, sizeof *g);
}

static int s_same_group(const ns_job_t *j, const ns_value_t *a, const ns_value_t *b)
{
    for (int i = 0; i < j->group_len; i++) {
        int c = j->sort_key[i];
        if (a[c].null != b[c].null)
            return 0;
        if (a[c].null)
            continue;
        if (j->out_types[c].type == NS_T_STRING) {
            if (a[c].len != b[c].len || memcmp(a[c].s, b[c].s, a[c].len))
                return 0;
        } else if (a[c].i != b[c].i) {
            return 0;
        }
    }
    return 1;
}

static int s_group_flush(s_group_t *g, ns_err_t *err)
{
    if (!g->held)
        return 0;
    g->held = 0;
    return g->out(g->arg, g->vals, err);
}

static int s_group_hold(s_group_t *g, const ns_rowview_t *row, ns_err_t *err)
{
    if (row->total_len > g->cap) {
        uint8_t *p = realloc(g->row, row->total_len);
        if (!p)
            return ns_errf(err, "out of memory");
        g->row = p;
        g->cap = row->total_len;
    }
    memcpy(g->row, ns_row_record(row), row->total_len);
    ns_rowview_t hv;
    if (ns_row_view(g->row, row->total_len, &hv) ||
        ns_row_decode(&hv, g->job->out_types, g->job->nout, g->vals))
        return ns_errf(err, "corrupt row in a sorted run");
    g->key = hv.key;
    g->key_len = hv.key_len;
    g->held = 1;
    return 0;
}

/* Adds a row: 1 when it starts a new group (the previous one, if any, went
 * to out), 0 when it was folded into the held group, -1 on error. */
static int s_group_add(s_group_t *g, const ns_rowview_t *row, ns_err_t *err)
{
    const ns_job_t *j = g->job;
    int same = 0;
    if (g->held) {
        if (j->group_len == j->nsort) /* the group is the whole key: compare bytes */
            same = row->key_len == g->key_len && !memcmp(row->key, g->key, g->key_len);
        else if (ns_row_decode(row, j->out_types, j->nout, g->cur))
            return ns_errf(err, "corrupt row in a sorted run");
        else
            same = s_same_group(j, g->vals, g->cur);
    }
    if (same) {
        if (j->reduce == NS_REDUCE_DEDUPE) {
            if (!j->keep_last)
                return 0;
            return s_group_hold(g, row, err) ? -1 : 0;
        }
        if (ns_row_decode(row, j->out_types, j->nout, g->cur))
            return ns_errf(err, "corrupt row in a sorted run");
        for (int i = 0; i < j->nsum; i++) {
            int col = j->sum_cols[i];
            if (g->cur[col].null)
                continue;
            if (g->vals[col].null) {
                g->vals[col].null = false;
                g->vals[col].i = 0;
            }
            if (__builtin_add_overflow(g->vals[col].i, g->cur[col].i, &g->vals[col].i))
                return ns_errf(err, "sum of column '%s' overflows", j->out[col].name);
        }
        return 0;
    }
    if (s_group_flush(g, err) || s_group_hold(g, row, err))
        return -1;
    return 1;
}

/* The map-side combiner: folds each spilled run's rows by group and writes
 * one row per group (partial sums) into the run. */
typedef struct {
    s_group_t group;
    ns_run_writer_t *w; /* the run being written */
    ns_buf_t buf;       /* the re-encoded row */
} s_combiner_t;

static int s_combine_out(void *arg, const ns_value_t *vals, ns_err_t *err)
{
    s_combiner_t *cb = arg;
    const ns_job_t *j = cb->group.job;
    ns_buf_reset(&cb->buf);
    if (ns_row_encode(&cb->buf, j->out_types, vals, j->nout, j->sort_key, j->nsort))
        return ns_errf(err, "combined row too large");
    return ns_run_writer_add(cb->w, (const uint8_t *)cb->buf.data, cb->buf.len, err);
}

static int s_combine_emit(void *arg, ns_run_writer_t *w, const uint8_t *rec, size_t len,
                          ns_err_t *err)
{
    s_combiner_t *cb = arg;
    cb->w = w;
    if (!rec)
        return s_group_flush(&cb->group, err);
    ns_rowview_t row;
    if (ns_row_view(rec, len, &row))
        return ns_errf(err, "corrupt row in the sorter");
    return s_group_add(&cb->group, &row, err) < 0 ? -1 : 0;
}

/* ------------------------------------------------ map-side hash aggregate */

/* For an aggregate job whose group is the whole sort key, the map folds
 * rows with equal keys in a hash table before they reach the sorter: the
 * POS feed's 2.9 million item lines a day become 320 thousand groups, so
 * the sort, the runs and the reduce see a fraction of the rows. The table
 * and its entries stay within their share of the task's memory budget;
 * when full, the partial groups go to the sorter (which combines them again
 * at each spill) and the table starts over. Sums are exact (int64, overflow
 * is an error); other columns come from the group's first row in the task. */
typedef struct {
    uint64_t hash; /* of the key bytes; 0 marks an empty slot */
    size_t off;    /* entry offset in the arena */
} s_hslot_t;

typedef struct {
    const ns_job_t *job;
    s_hslot_t *slots;  /* open addressing, linear probing */
    size_t cap;        /* slots, a power of two */
    size_t n;          /* entries */
    ns_buf_t arena;    /* entries: int part | u32 len | record | i64 sums[] | u8 nulls[] */
    size_t budget;     /* bytes for slots and arena together */
    ns_buf_t buf;      /* a re-encoded row */
} s_hagg_t;

static int s_hagg_init(s_hagg_t *h, const ns_job_t *job, size_t budget)
{
    memset(h, 0, sizeof *h);
    h->job = job;
    h->budget = budget;
    h->cap = 1024;
    while (h->cap * sizeof(s_hslot_t) * 8 < budget && h->cap < ((size_t)1 << 24))
        h->cap *= 2; /* slots take an eighth of the share at most */
    h->slots = calloc(h->cap, sizeof *h->slots);
    ns_buf_init(&h->arena, budget);
    ns_buf_init(&h->buf, (size_t)1 << 30);
    return h->slots ? 0 : -1;
}

static void s_hagg_free(s_hagg_t *h)
{
    free(h->slots);
    ns_buf_free(&h->arena);
    ns_buf_free(&h->buf);
    memset(h, 0, sizeof *h);
}

static size_t s_hagg_entry_size(const s_hagg_t *h, size_t reclen)
{
    size_t n = sizeof(int) + sizeof(uint32_t) + reclen;
    n = (n + 7) & ~(size_t)7;
    return n + (size_t)h->job->nsum * (sizeof(int64_t) + 1);
}

/* Hands every held group to the sorter, then empties the table. */
static int s_hagg_flush(s_hagg_t *h, ns_sorter_t *sorter, ns_value_t *vals, ns_err_t *err)
{
    const ns_job_t *j = h->job;
    size_t at = 0;
    while (at < h->arena.len) {
        const char *e = h->arena.data + at;
        int part;
        uint32_t len;
        memcpy(&part, e, sizeof part);
        memcpy(&len, e + sizeof part, sizeof len);
        const uint8_t *rec = (const uint8_t *)e + sizeof part + sizeof len;
        size_t sums_at = ((sizeof part + sizeof len + len + 7) & ~(size_t)7);
        const char *sums = e + sums_at;
        const char *nulls = sums + (size_t)j->nsum * sizeof(int64_t);
        ns_rowview_t v;
        if (ns_row_view(rec, len, &v) || ns_row_decode(&v, j->out_types, j->nout, vals))
            return ns_errf(err, "corrupt row in the aggregate table");
        for (int i = 0; i < j->nsum; i++) {
            int col = j->sum_cols[i];
            vals[col].null = nulls[i] != 0;
            memcpy(&vals[col].i, sums + (size_t)i * sizeof(int64_t), sizeof(int64_t));
        }
        ns_buf_reset(&h->buf);
        if (ns_row_encode(&h->buf, j->out_types, vals, j->nout, j->sort_key, j->nsort))
            return ns_errf(err, "aggregated row too large");
        if (ns_sorter_add(sorter, part, (const uint8_t *)h->buf.data, h->buf.len, err))
            return -1;
        at += s_hagg_entry_size(h, len);
    }
    ns_buf_reset(&h->arena);
    memset(h->slots, 0, h->cap * sizeof *h->slots);
    h->n = 0;
    return 0;
}

/* Folds one row into the table: key is its normalized sort key, vals its
 * values; the row is encoded (into row) only when it starts a new group. */
static int s_hagg_add(s_hagg_t *h, ns_sorter_t *sorter, int part, const ns_buf_t *key,
                      ns_buf_t *row, const ns_value_t *vals, ns_value_t *scratch, ns_err_t *err)
{
    const ns_job_t *j = h->job;
    struct {
        const uint8_t *key;
        uint16_t key_len;
    } v = {(const uint8_t *)key->data, (uint16_t)key->len};
    uint64_t hash = XXH64(v.key, v.key_len, 1) | 1;
    size_t mask = h->cap - 1, i = (size_t)hash & mask;
    for (; h->slots[i].hash; i = (i + 1) & mask) {
        if (h->slots[i].hash != hash)
            continue;
        char *e = h->arena.data + h->slots[i].off;
        uint32_t len;
        memcpy(&len, e + sizeof(int), sizeof len);
        const uint8_t *rec = (const uint8_t *)e + sizeof(int) + sizeof len;
        uint16_t klen = (uint16_t)(rec[4] | rec[5] << 8);
        if (klen != v.key_len || memcmp(rec + 6, v.key, klen))
            continue;
        char *sums = e + ((sizeof(int) + sizeof len + len + 7) & ~(size_t)7);
        char *nulls = sums + (size_t)j->nsum * sizeof(int64_t);
        for (int k = 0; k < j->nsum; k++) {
            const ns_value_t *x = &vals[j->sum_cols[k]];
            if (x->null)
                continue;
            int64_t acc;
            memcpy(&acc, sums + (size_t)k * sizeof acc, sizeof acc);
            if (nulls[k])
                acc = 0;
            if (__builtin_add_overflow(acc, x->i, &acc))
                return ns_errf(err, "sum of column '%s' overflows", j->out[j->sum_cols[k]].name);
            memcpy(sums + (size_t)k * sizeof acc, &acc, sizeof acc);
            nulls[k] = 0;
        }
        return 0;
    }
    ns_buf_reset(row);
    if (ns_row_encode(row, j->out_types, vals, j->nout, j->sort_key, j->nsort))
        return ns_errf(err, "row too large");
    size_t need = s_hagg_entry_size(h, row->len);
    if (h->n + 1 > h->cap / 2 || h->arena.len + need + h->cap * sizeof(s_hslot_t) > h->budget) {
        if (s_hagg_flush(h, sorter, scratch, err))
            return -1;
        if (need + h->cap * sizeof(s_hslot_t) > h->budget) /* a huge row: straight through */
            return ns_sorter_add(sorter, part, (const uint8_t *)row->data, row->len, err);
        i = (size_t)hash & mask;
    }
    size_t off = h->arena.len;
    char *e = ns_buf_reserve(&h->arena, need);
    if (!e)
        return ns_errf(err, "aggregate table: out of memory");
    memset(e, 0, need);
    uint32_t len = (uint32_t)row->len;
    memcpy(e, &part, sizeof part);
    memcpy(e + sizeof part, &len, sizeof len);
    memcpy(e + sizeof part + sizeof len, row->data, row->len);
    char *sums = e + ((sizeof part + sizeof len + row->len + 7) & ~(size_t)7);
    char *nulls = sums + (size_t)j->nsum * sizeof(int64_t);
    for (int k = 0; k < j->nsum; k++) {
        const ns_value_t *x = &vals[j->sum_cols[k]];
        nulls[k] = x->null;
        memcpy(sums + (size_t)k * sizeof(int64_t), &x->i, sizeof(int64_t));
    }
    h->arena.len += need;
    h->slots[i].hash = hash;
    h->slots[i].off = off;
    h->n++;
    return 0;
}

/* ---------------------------------------------------------------- map */

typedef struct {
    const ns_task_t *task;
    const ns_task_ctx_t *ctx;
    ns_job_t *job;
    ns_value_t *in;           /* typed input values (nin) */
    ns_value_t *out;          /* output values (nout) */
    ns_value_t *calc;         /* every transform value, hidden ones too (ncalc) */
    ns_value_t *consts;       /* parsed constants per output column */
    ns_buf_t scratch;         /* strings made by transforms, per record */
    ns_buf_t row;             /* the encoded row */
    ns_buf_t key;             /* the distribution key */
    ns_sorter_t *sorter;
    ns_writer_t *rejects;     /* opened at the first reject */
    char rejects_uri[NS_URI_MAX];
    ns_task_counters_t c;
    uint64_t next_progress;
    s_hagg_t *hagg;           /* map-side hash aggregate, or NULL */
    ns_value_t *gvals;        /* values for re-encoding flushed groups */
    ns_lktable_t **lk;        /* the job's lookup tables, loaded at the start */
} s_map_t;

/* Every object a task writes lies under its job's prefix (ns_scope.h):
 * joins key to it into uri, 0 or -1 with err set. */
static int s_out_uri(const ns_task_t *t, const char *key, char *uri, ns_err_t *err)
{
    if (ns_uri_join(uri, t->prefix, key))
        return ns_errf(err, "'%s' + '%s' is longer than %d bytes", t->prefix, key, NS_URI_MAX - 1);
    if (ns_scope_within(uri, t->prefix, err))
        return ns_err_prefix(err, "refusing to write");
    return 0;
}

static int s_run_name(void *arg, int partition, int run_no, char *uri)
{
    const ns_task_t *t = arg;
    char key[128];
    snprintf(key, sizeof key, "_tmp/m%05lld-a%lld/p%04d-r%04d.run.zst", (long long)t->task,
             (long long)t->attempt, partition, run_no);
    return s_out_uri(t, key, uri, NULL);
}

static int s_reject(s_map_t *m, const char *uri, uint64_t offset, const char *reason,
                    const char *raw, size_t rawlen, ns_err_t *err)
{
    m->c.rejects++;
    if (!m->rejects) {
        char key[128];
        snprintf(key, sizeof key, "rejects/m%05lld-a%lld.txt", (long long)m->task->task,
                 (long long)m->task->attempt);
        if (s_out_uri(m->task, key, m->rejects_uri, err))
            return -1;
        m->rejects = ns_store_open_write(m->rejects_uri, err);
        if (!m->rejects)
            return -1;
    }
    /* A rejects file is itself a load file: object|offset|reason|raw. */
    if (rawlen > S_REJECT_RAW_MAX)
        rawlen = S_REJECT_RAW_MAX;
    while (rawlen && (raw[rawlen - 1] == '\n' || raw[rawlen - 1] == '\r'))
        rawlen--;
    size_t ul = strlen(uri), rl = strlen(reason);
    size_t cap = 2 * (ul + rl + rawlen) + 64;
    char *line = malloc(cap);
    if (!line)
        return ns_errf(err, "out of memory");
    size_t n = ns_loadfile_escape(uri, ul, line);
    n += (size_t)snprintf(line + n, cap - n, "|%llu|", (unsigned long long)offset);
    n += ns_loadfile_escape(reason, rl, line + n);
    line[n++] = '|';
    n += ns_loadfile_escape(raw, rawlen, line + n);
    line[n++] = '\n';
    int rc = ns_writer_write(m->rejects, line, n, err);
    free(line);
    return rc;
}

static int64_t s_pow10(int n)
{
    int64_t p = 1;
    while (n-- > 0)
        p *= 10;
    return p;
}

static int64_t s_rescale(int64_t v, int from, int to)
{
    if (to >= from)
        return v * s_pow10(to - from);
    int64_t d = s_pow10(from - to);
    int64_t q = v / d, r = v % d;
    if (2 * (r < 0 ? -r : r) >= d)
        q += v < 0 ? -1 : 1;
    return q;
}

/* The value and type of argument a (an input column, or an output column
 * computed earlier for this record). */
static const ns_value_t *s_argv(const s_map_t *m, int a)
{
    return a >= 0 ? &m->in[a] : &m->calc[NS_ARG_OUT(a)];
}

static const ns_coltype_t *s_argt(const ns_job_t *j, int a)
{
    return a >= 0 ? &j->in[a].type : &j->calc[NS_ARG_OUT(a)].type;
}

/* v (of type from) cast to numeric type to; -1 when it overflows. */
static int s_cast_num(const ns_coltype_t *from, const ns_coltype_t *to, int64_t v, int64_t *out)
{
    int fs = from->type == NS_T_DECIMAL ? from->scale : 0;
    int ts = to->type == NS_T_DECIMAL ? to->scale : 0;
    if (ts >= fs) {
        __int128 x = (__int128)v * s_pow10(ts - fs);
        if (x > INT64_MAX || x < INT64_MIN)
            return -1;
        *out = (int64_t)x;
    } else {
        *out = s_rescale(v, fs, ts);
    }
    return 0;
}

/* Casts a value to an output column's type (numbers rescaled). */
static void s_cast_value(const ns_coltype_t *from, const ns_coltype_t *to, ns_value_t *v)
{
    if (!v->null && to->type == NS_T_DECIMAL) {
        if (from->type == NS_T_INT)
            v->i = v->i * s_pow10(to->scale);
        else if (from->type == NS_T_DECIMAL && from->scale != to->scale)
            v->i = s_rescale(v->i, from->scale, to->scale);
    }
}

/* add, sub, mul of two numbers into the output type. */
static int s_arith(const s_map_t *m, const ns_outcol_t *oc, ns_value_t *v, ns_err_t *why)
{
    const ns_job_t *j = m->job;
    ns_value_t lit = {.i = oc->value_num};
    bool one = oc->nargs == 1; /* the second operand is the literal value */
    const ns_value_t *a = s_argv(m, oc->args[0]), *b = one ? &lit : s_argv(m, oc->args[1]);
    if (a->null || b->null) {
        v->null = true;
        return 0;
    }
    const ns_coltype_t *ta = s_argt(j, oc->args[0]);
    const ns_coltype_t *tb = one ? &oc->value_type : s_argt(j, oc->args[1]);
    int64_t x, y;
    if (oc->fn == NS_FN_MUL) {
        int sa = ta->type == NS_T_DECIMAL ? ta->scale : 0;
        int sb = tb->type == NS_T_DECIMAL ? tb->scale : 0;
        int so = oc->type.type == NS_T_DECIMAL ? oc->type.scale : 0;
        __int128 p = (__int128)a->i * b->i; /* at scale sa + sb */
        int from = sa + sb;
        if (so >= from) {
            for (int i = from; i < so; i++)
                p *= 10;
        } else {
            __int128 d = 1;
            for (int i = so; i < from; i++)
                d *= 10;
            __int128 q = p / d, r = p % d;
            if (2 * (r < 0 ? -r : r) >= d)
                q += p < 0 ? -1 : 1;
            p = q;
        }
        if (p > INT64_MAX || p < INT64_MIN)
            return ns_errf(why, "column '%s': product out of range", oc->name);
        v->i = (int64_t)p;
        return 0;
    }
    if (s_cast_num(ta, &oc->type, a->i, &x) || s_cast_num(tb, &oc->type, b->i, &y))
        return ns_errf(why, "column '%s': value out of range", oc->name);
    if (oc->fn == NS_FN_ADD ? __builtin_add_overflow(x, y, &v->i) : __builtin_sub_overflow(x, y, &v->i))
        return ns_errf(why, "column '%s': %s out of range", oc->name,
                       oc->fn == NS_FN_ADD ? "sum" : "difference");
    return 0;
}

/* The Sunday (days since 1970) ending ISO week ww of year y, or -1 when
 * the year has no such week. */
static int64_t s_iso_week_end(int64_t y, int64_t ww)
{
    if (y < 1 || y > 9998 || ww < 1 || ww > 53)
        return -1;
    int64_t jan4 = ns_days_from_civil((int)y, 1, 4), next = ns_days_from_civil((int)y + 1, 1, 4);
    int64_t mon1 = jan4 - ((jan4 % 7 + 10) % 7), mon1n = next - ((next % 7 + 10) % 7);
    if (ww > (mon1n - mon1) / 7)
        return -1;
    return mon1 + 7 * (ww - 1) + 6;
}

/* Transform column k (of calc[]) into m->calc[k]; returns 0, or -1 with a reason. */
static int s_eval(s_map_t *m, int k, ns_err_t *why)
{
    const ns_outcol_t *oc = &m->job->calc[k];
    ns_value_t *v = &m->calc[k];
    memset(v, 0, sizeof *v);
    switch (oc->fn) {
    case NS_FN_COLUMN:
        *v = *s_argv(m, oc->args[0]);
        s_cast_value(s_argt(m->job, oc->args[0]), &oc->type, v);
        break;
    case NS_FN_LOOKUP: {
        const ns_lookup_t *lk = &m->job->lookups[oc->lookup];
        ns_value_t kv[NS_JOB_MAX_ARGS];
        for (int a = 0; a < oc->nargs; a++)
            kv[a] = *s_argv(m, oc->args[a]);
        const ns_value_t *row = ns_lookup_find(m->lk[oc->lookup], kv);
        if (!row) {
            v->null = true;
            if (oc->required) {
                const ns_value_t *k0 = &kv[0];
                if (k0->null)
                    return ns_errf(why, "column '%s' is required: its lookup key is NULL",
                                   oc->name);
                if (s_argt(m->job, oc->args[0])->type == NS_T_STRING)
                    return ns_errf(why, "column '%s' is required: no row in lookup '%s' for '%.*s'",
                                   oc->name, lk->name, (int)(k0->len < 80 ? k0->len : 80), k0->s);
                return ns_errf(why, "column '%s' is required: no row in lookup '%s' for its key",
                               oc->name, lk->name);
            }
            break;
        }
        *v = row[oc->lookup_col];
        s_cast_value(&lk->src->in[oc->lookup_col].type, &oc->type, v);
        break;
    }
    case NS_FN_ADD:
    case NS_FN_SUB:
    case NS_FN_MUL:
        if (s_arith(m, oc, v, why))
            return -1;
        break;
    case NS_FN_WHEN: {
        const ns_value_t *c = s_argv(m, oc->args[0]);
        size_t vl = strlen(oc->value);
        if (!c->null && c->len == vl && !memcmp(c->s, oc->value, vl)) {
            *v = *s_argv(m, oc->args[1]);
            s_cast_value(s_argt(m->job, oc->args[1]), &oc->type, v);
        } else {
            v->null = true;
        }
        break;
    }
    case NS_FN_CONST:
        *v = m->consts[k];
        break;
    case NS_FN_CONCAT:
    case NS_FN_LPAD: { /* into scratch, which was sized up front and must not move */
        size_t n = 0, at = m->scratch.len;
        for (int a = 0; a < oc->nargs; a++) {
            if (s_argv(m, oc->args[a])->null) {
                v->null = true;
                break;
            }
            n += s_argv(m, oc->args[a])->len;
        }
        if (v->null)
            break;
        size_t pad = oc->fn == NS_FN_LPAD && n < (size_t)oc->value_num ? (size_t)oc->value_num - n : 0;
        if (m->scratch.len + n + pad + 1 > m->scratch.cap)
            return ns_errf(why, "transformed values longer than %zu bytes", m->scratch.cap);
        char *dst = ns_buf_reserve(&m->scratch, n + pad);
        if (!dst)
            return ns_errf(why, "value too long");
        memset(dst, '0', pad);
        dst += pad;
        for (int a = 0; a < oc->nargs; a++) {
            const ns_value_t *s = s_argv(m, oc->args[a]);
            if (s->len)
                memcpy(dst, s->s, s->len);
            dst += s->len;
        }
        m->scratch.len += n + pad;
        v->s = m->scratch.data + at;
        v->len = (uint32_t)(n + pad);
        break;
    }
    case NS_FN_BEFORE: { /* a slice of the argument */
        const ns_value_t *s = s_argv(m, oc->args[0]);
        size_t vl = strlen(oc->value);
        v->null = true;
        for (uint32_t i = 0; !s->null && i + vl <= s->len; i++)
            if (!memcmp(s->s + i, oc->value, vl)) {
                *v = *s;
                v->len = i;
                break;
            }
        break;
    }
    case NS_FN_DATE_OF: { /* floor: 1969-12-31T23:00Z is 1969-12-31 */
        const ns_value_t *ts = s_argv(m, oc->args[0]);
        int64_t d = 86400LL * 1000000LL;
        v->null = ts->null;
        v->i = ts->null ? 0 : ts->i / d - (ts->i % d < 0);
        break;
    }
    case NS_FN_ISO_WEEK_END: {
        const ns_value_t *w = s_argv(m, oc->args[0]);
        if (w->null) {
            v->null = true;
            break;
        }
        v->i = w->i > 0 ? s_iso_week_end(w->i / 100, w->i % 100) : -1;
        if (v->i < 0)
            return ns_errf(why, "column '%s': %lld is not an ISO week YYYYWW", oc->name,
                           (long long)w->i);
        break;
    }
    case NS_FN_SUBSTR: { /* a fixed-width field: the slice without its padding; blank is NULL */
        const ns_value_t *s = s_argv(m, oc->args[0]);
        uint32_t at = (uint32_t)oc->sub_start - 1;
        if (s->null || s->len <= at) {
            v->null = true;
            break;
        }
        const char *p = s->s + at;
        uint32_t n = s->len - at < (uint32_t)oc->sub_len ? s->len - at : (uint32_t)oc->sub_len;
        while (n && (*p == ' ' || *p == '\t')) {
            p++;
            n--;
        }
        while (n && (p[n - 1] == ' ' || p[n - 1] == '\t'))
            n--;
        v->null = n == 0;
        v->s = p;
        v->len = n;
        break;
    }
    case NS_FN_TO_UTC: {
        const ns_value_t *ts = s_argv(m, oc->args[0]);
        const ns_value_t *off = s_argv(m, oc->args[1]);
        if (ts->null || off->null) {
            v->null = true;
            break;
        }
        int secs;
        if (ns_parse_utc_offset(off->s, off->len, &secs, why))
            return -1;
        v->i = ts->i - (int64_t)secs * 1000000;
        break;
    }
    case NS_FN_COALESCE:
        v->null = true;
        for (int a = 0; a < oc->nargs; a++)
            if (!s_argv(m, oc->args[a])->null) {
                *v = *s_argv(m, oc->args[a]);
                s_cast_value(s_argt(m->job, oc->args[a]), &oc->type, v);
                break;
            }
        break;
    case NS_FN_UPPER:
    case NS_FN_TRIM: {
        const ns_value_t *s = s_argv(m, oc->args[0]);
        if (s->null) {
            v->null = true;
            break;
        }
        const char *p = s->s;
        uint32_t n = s->len;
        if (oc->fn == NS_FN_TRIM) {
            while (n && isspace((unsigned char)*p)) {
                p++;
                n--;
            }
            while (n && isspace((unsigned char)p[n - 1]))
                n--;
            v->null = n == 0; /* an all-blank value is NULL (docs/JOBS.md) */
            v->s = p;
            v->len = n;
            break;
        }
        size_t at = m->scratch.len;
        /* values point into scratch, so it must never move while a record
         * is built: it was sized up front and may not grow here */
        if (m->scratch.len + n + 1 > m->scratch.cap)
            return ns_errf(why, "transformed values longer than %zu bytes", m->scratch.cap);
        char *dst = ns_buf_reserve(&m->scratch, n);
        if (!dst)
            return ns_errf(why, "value too long");
        for (uint32_t i = 0; i < n; i++)
            dst[i] = (char)toupper((unsigned char)p[i]);
        m->scratch.len += n;
        v->s = m->scratch.data + at; 
        v->len = n;
        break;
    }
    }
    if (v->null && oc->required)
        return ns_errf(why, "column '%s' is required", oc->name);
    return 0;
}

static int s_filter_ok(const s_map_t *m, const ns_record_t *rec)
{
    for (int i = 0; i < m->job->nfilter; i++) {
        const ns_cond_t *c = &m->job->filter[i];
        const ns_field_t *f = &rec->fields[c->column];
        int isnull = f->len == 0, hit = 0;
        switch (c->op) {
        case NS_OP_NULL:
            if (!isnull) return 0;
            continue;
        case NS_OP_NOT_NULL:
            if (isnull) return 0;
            continue;
        case NS_OP_ENDS_WITH: {
            size_t vl = strlen(c->values[0]);
            if (vl && (f->len < vl || memcmp(f->p + f->len - vl, c->values[0], vl))) return 0;
            continue;
        }
        default:
            break;
        }
        for (int k = 0; k < c->nvalues && !hit; k++)
            hit = strlen(c->values[k]) == f->len && !memcmp(c->values[k], f->p, f->len);
        int want = c->op == NS_OP_EQ || c->op == NS_OP_IN;
        if (hit != want)
            return 0;
    }
    return 1;
}

static void s_progress(s_map_t *m, uint64_t bytes_base, uint64_t bytes_now)
{
    if (!m->ctx->progress)
        return;
    m->c.bytes_in = bytes_base + bytes_now;
    m->ctx->progress(m->ctx->arg, &m->c);
}

/* One record: 0 done (kept, filtered or rejected), -1 fatal error. */
/* The slow-machine test aid: sleeps ctx->slow_ms in small steps, giving
 * up early when the attempt is cancelled. */
static void s_slow(const ns_task_ctx_t *ctx)
{
    for (int waited = 0; waited < ctx->slow_ms && !(ctx->cancel && *ctx->cancel); waited += 20)
        usleep(20 * 1000);
}

static int s_map_record(s_map_t *m, const ns_split_t *in, const ns_record_t *rec,
                        ns_err_t *err)
{
    ns_err_t why;
    const ns_job_t *j = m->job;
    m->c.rows_in++;
    if (rec->nfields != j->nin) {
        snprintf(why.msg, sizeof why.msg, "expected %d fields, found %d", ns_job_file_columns(j),
                 rec->nfields);
        return s_reject(m, in->uri, rec->offset, why.msg, rec->raw, rec->raw_len, err);
    }
    if (j->trim) /* padded fields (LAUS): the blanks are not part of the value */
        ns_input_trim(rec);
    if (!s_filter_ok(m, rec)) {
        m->c.filtered++;
        return 0;
    }
    for (int i = 0; i < j->nin; i++) {
        if (ns_input_type(&j->in[i].type, j->in[i].number, rec->fields[i].p, rec->fields[i].len, &m->in[i], &why)) {
            char reason[NS_ERR_MAX + 128];
            snprintf(reason, sizeof reason, "column '%s': %s", j->in[i].name, why.msg);
            return s_reject(m, in->uri, rec->offset, reason, rec->raw, rec->raw_len, err);
        }
    }
    ns_buf_reset(&m->scratch);
    for (int k = 0; k < j->ncalc; k++)
        if (s_eval(m, k, &why))
            return s_reject(m, in->uri, rec->offset, why.msg, rec->raw, rec->raw_len, err);
    for (int k = 0; k < j->ncalc; k++) /* the written ones (hidden columns are not) */
        if (j->calc_out[k] >= 0)
            m->out[j->calc_out[k]] = m->calc[k];
    ns_buf_reset(&m->key);
    ns_buf_reset(&m->row);
    if (ns_key_encode(&m->key, j->out_types, m->out, j->dist_key, j->ndist))
        return s_reject(m, in->uri, rec->offset, "key too large", rec->raw, rec->raw_len, err);
    int part = (int)(XXH64(m->key.data, m->key.len, 0) % (uint64_t)m->task->partitions);
    if (m->hagg) {
        /* the sort key alone finds the group; the row is encoded only for a new one */
        ns_buf_reset(&m->key);
        if (ns_key_encode(&m->key, j->out_types, m->out, j->sort_key, j->nsort) ||
            m->key.len > NS_MAX_KEY)
            return s_reject(m, in->uri, rec->offset, "key too large", rec->raw, rec->raw_len,
                            err);
        m->c.rows_out++;
        return s_hagg_add(m->hagg, m->sorter, part, &m->key, &m->row, m->out, m->gvals, err);
    }
    if (ns_row_encode(&m->row, j->out_types, m->out, j->nout, j->sort_key, j->nsort))
        return s_reject(m, in->uri, rec->offset, "row too large", rec->raw, rec->raw_len, err);
    m->c.rows_out++;
    return ns_sorter_add(m->sorter, part, (const uint8_t *)m->row.data, m->row.len, err);
}

static int s_map_input(s_map_t *m, const ns_split_t *in, uint64_t bytes_base, ns_err_t *err)
{
    if (ns_scope_within(in->uri, m->job->input_uri, err)) /* the job's input only */
        return ns_err_prefix(err, "refusing to read");
    ns_input_t *input = ns_input_open(m->job, in, NS_INPUT_DAMAGE_REJECT, err);
    if (!input)
        return -1;
    ns_recsrc_t *d = ns_input_records(input);
    int rc = 0;
    ns_record_t rec;
    for (;;) {
        int r = d->next(d, &rec, err);
        if (r == NS_REC_END)
            break;
        if (r < 0) {
            ns_err_prefix(err, "cannot read '%s'", in->uri);
            rc = -1;
            break;
        }
        if (r == NS_REC_REJECT) {
            m->c.rows_in++;
            if (s_reject(m, in->uri, rec.offset, rec.reject, rec.raw, rec.raw_len, err)) {
                rc = -1;
                break;
            }
        } else if (s_map_record(m, in, &rec, err)) {
            rc = -1;
            break;
        }
        if (m->c.rows_in >= m->next_progress) {
            m->next_progress = m->c.rows_in + 4096;
            s_slow(m->ctx);
            if (m->ctx->cancel && *m->ctx->cancel) {
                rc = ns_errf(err, "cancelled");
                break;
            }
            uint64_t done = in->codec ? 0 : d->bytes(d);
            s_progress(m, bytes_base, done);
        }
    }
    ns_input_close(&input);
    return rc;
}

static void s_pack_counters(ns_msgb_t *b, const ns_task_counters_t *c)
{
    ns_msgb_key(b, "counters");
    msgpack_pack_map(&b->pk, 5);
    ns_mp_str(&b->pk, "bytes_in");
    msgpack_pack_uint64(&b->pk, c->bytes_in);
    ns_mp_str(&b->pk, "rows_in");
    msgpack_pack_uint64(&b->pk, c->rows_in);
    ns_mp_str(&b->pk, "rows_out");
    msgpack_pack_uint64(&b->pk, c->rows_out);
    ns_mp_str(&b->pk, "rejects");
    msgpack_pack_uint64(&b->pk, c->rejects);
    ns_mp_str(&b->pk, "filtered");
    msgpack_pack_uint64(&b->pk, c->filtered);
}

static void s_pack_output(msgpack_packer *pk, const char *uri, int part, uint64_t rows,
                          uint64_t bytes, uint64_t stored)
{
    msgpack_pack_map(pk, 5);
    ns_mp_str(pk, "uri");
    ns_mp_str(pk, uri);
    ns_mp_str(pk, "partition");
    msgpack_pack_int(pk, part);
    ns_mp_str(pk, "rows");
    msgpack_pack_uint64(pk, rows);
    ns_mp_str(pk, "bytes");
    msgpack_pack_uint64(pk, bytes);
    ns_mp_str(pk, "stored");
    msgpack_pack_uint64(pk, stored);
}

static void s_done_header(ns_msgb_t *b, const ns_task_t *t, const ns_task_counters_t *c,
                          const char *rejects_uri)
{
    ns_msgb_init(b, "DONE", 6);
    ns_msgb_str(b, "job", t->job);
    ns_msgb_int(b, "task", t->task);
    ns_msgb_int(b, "attempt", t->attempt);
    ns_msgb_str(b, "rejects_uri", rejects_uri);
    s_pack_counters(b, c);
    ns_msgb_key(b, "outputs");
}

static int s_run_map(const ns_task_t *t, const ns_task_ctx_t *ctx, ns_job_t *job,
                     ns_msgb_t *done, ns_err_t *err)
{
    s_map_t m = {.task = t, .ctx = ctx, .job = job};
    s_combiner_t comb;
    memset(&comb, 0, sizeof comb);
    ns_buf_init(&comb.buf, (size_t)1 << 30);
    int rc = -1;
    m.in = calloc((size_t)job->nin, sizeof *m.in);
    m.out = calloc((size_t)job->nout, sizeof *m.out);
    m.calc = calloc((size_t)job->ncalc, sizeof *m.calc);
    m.consts = calloc((size_t)job->ncalc, sizeof *m.consts);
    ns_buf_init(&m.scratch, job->max_record * 2 + 1024);
    ns_buf_init(&m.row, job->max_record * 2 + 65536);
    ns_buf_init(&m.key, NS_MAX_KEY * 2);
    if (!m.in || !m.out || !m.calc || !m.consts || !ns_buf_reserve(&m.scratch, job->max_record * 2)) {
        ns_errf(err, "out of memory");
        goto out;
    }
    for (int k = 0; k < job->ncalc; k++)
        if (job->calc[k].fn == NS_FN_CONST) {
            ns_err_t why;
            const char *v = job->calc[k].value ? job->calc[k].value : "";
            if (ns_input_type(&job->calc[k].type, NS_NUM_PLAIN, v, strlen(v), &m.consts[k], &why)) {
                ns_errf(err, "constant of column '%s': %s", job->calc[k].name, why.msg);
                goto out;
            }
        }
    if (job->nlookups) {
        m.lk = calloc((size_t)job->nlookups, sizeof *m.lk);
        if (!m.lk) {
            ns_errf(err, "out of memory");
            goto out;
        }
        for (int i = 0; i < job->nlookups; i++) {
            ns_lkstats_t st;
            m.lk[i] = ns_lookup_load(&job->lookups[i], &st, err);
            if (!m.lk[i])
                goto out;
            if (st.duplicates || st.bad)
                ns_warn("job %s task %lld: lookup '%s': %llu rows, %llu skipped as duplicates, "
                        "%llu that do not parse",
                        t->job, (long long)t->task, job->lookups[i].name, (unsigned long long)st.rows,
                        (unsigned long long)st.duplicates, (unsigned long long)st.bad);
        }
    }
    uint64_t budget = ctx->memory ? ctx->memory : job->memory_bytes;
    s_hagg_t hagg;
    memset(&hagg, 0, sizeof hagg);
    if (job->reduce == NS_REDUCE_AGGREGATE && job->group_len == job->nsort && budget >= 64 * 1024) {
        /* half of the budget folds rows, half sorts what comes out */
        budget /= 2;
        m.gvals = calloc((size_t)job->nout, sizeof *m.gvals);
        if (!m.gvals || s_hagg_init(&hagg, job, budget)) {
            ns_errf(err, "out of memory");
            goto out;
        }
        m.hagg = &hagg;
    }
    m.sorter = ns_sorter_new(t->partitions, budget, job->zstd_level > 3 ? 3 : 1, s_run_name,
                             (void *)t, err);
    if (!m.sorter)
        goto out;
    if (job->reduce == NS_REDUCE_DEDUPE || job->reduce == NS_REDUCE_AGGREGATE) {
        if (s_group_init(&comb.group, job, s_combine_out, &comb)) {
            ns_errf(err, "out of memory");
            goto out;
        }
        ns_sorter_set_emit(m.sorter, s_combine_emit, &comb);
    }
    uint64_t base = 0;
    for (int i = 0; i < t->ninputs; i++) {
        if (s_map_input(&m, &t->inputs[i], base, err))
            goto out;
        base += ns_split_bytes(&t->inputs[i]);
        s_progress(&m, base, 0);
    }
    m.c.bytes_in = base;
    if (m.hagg && s_hagg_flush(m.hagg, m.sorter, m.gvals, err))
        goto out;
    if (ns_sorter_finish(m.sorter, err))
        goto out;
    if (m.rejects) {
        if (ns_writer_commit(&m.rejects, err))
            goto out;
    } else {
        m.rejects_uri[0] = '\0';
    }
    int nruns;
    const ns_run_info_t *runs = ns_sorter_runs(m.sorter, &nruns);
    s_done_header(done, t, &m.c, m.rejects_uri);
    msgpack_pack_array(&done->pk, (size_t)nruns);
    for (int i = 0; i < nruns; i++)
        s_pack_output(&done->pk, runs[i].uri, runs[i].partition, runs[i].rows, runs[i].bytes,
                      runs[i].stored);
    rc = 0;
out:
    ns_writer_abort(&m.rejects);
    ns_sorter_destroy(&m.sorter);
    s_group_free(&comb.group);
    ns_buf_free(&comb.buf);
    if (m.hagg)
        s_hagg_free(m.hagg);
    for (int i = 0; m.lk && i < job->nlookups; i++)
        ns_lookup_free(&m.lk[i]);
    free(m.lk);
    free(m.gvals);
    free(m.in);
    free(m.out);
    free(m.calc);
    free(m.consts);
    ns_buf_free(&m.scratch);
    ns_buf_free(&m.row);
    ns_buf_free(&m.key);
    return rc;
}

/* ------------------------------------------------------------- reduce */

typedef struct {
    const ns_task_t *task;
    ns_job_t *job;
    const ns_coltype_t *ltypes; /* the load files' columns: the transform's or a plugin's */
    int nl;
    ns_loadfile_t *lf;      /* current load file */
    int file_no;            /* index of the current file */
    char uri[NS_URI_MAX];   /* its URI */
    uint64_t file_rows;
    uint64_t stored;        /* compressed size of the current file, set at its commit */
    int nfiles;
    struct {
        char uri[NS_URI_MAX];
        uint64_t rows, bytes, stored;
    } *files;
    uint64_t rows_out;
} s_reduce_t;

static int s_reduce_open(s_reduce_t *r, ns_err_t *err)
{
    char key[128];
    snprintf(key, sizeof key, "load/part-%04d-%04d-a%lld.psv.zst", r->task->partition,
             r->file_no, (long long)r->task->attempt);
    if (s_out_uri(r->task, key, r->uri, err))
        return -1;
    ns_writer_t *w = ns_store_open_write(r->uri, err);
    if (!w)
        return -1;
    /* each constructor takes its destination, also when it fails */
    ns_writer_t *z = ns_codec_zstd_writer(w, r->job->zstd_level, err);
    if (!z)
        return -1;
    r->stored = 0;
    ns_codec_report_stored(z, &r->stored);
    r->lf = ns_loadfile_new(z, r->ltypes, r->nl, err);
    if (!r->lf)
        return -1;
    r->file_rows = 0;
    return 0;
}

static int s_reduce_close(s_reduce_t *r, ns_err_t *err)
{
    uint64_t rows = ns_loadfile_rows(r->lf);
    if (ns_loadfile_commit(&r->lf, err))
        return -1;
    int i = r->nfiles++;
    snprintf(r->files[i].uri, sizeof r->files[i].uri, "%s", r->uri);
    r->files[i].rows = rows;
    r->files[i].bytes = 0;
    r->files[i].stored = r->stored;
    r->file_no++;
    return 0;
}

static int s_emit(s_reduce_t *r, const ns_value_t *vals, ns_err_t *err)
{
    r->rows_out++;
    return ns_loadfile_write(r->lf, vals, err);
}

/* The reduce side's group output: a finished group becomes a load-file
 * row, unless it is an aggregate whose sums are all zero and the job says
 * to drop those (a sale and its void net out). */
static int s_reduce_out(void *arg, const ns_value_t *vals, ns_err_t *err)
{
    s_reduce_t *r = arg;
    const ns_job_t *j = r->job;
    if (j->reduce == NS_REDUCE_AGGREGATE && j->drop_zero) {
        int zero = 1;
        for (int i = 0; i < j->nsum; i++)
            zero &= vals[j->sum_cols[i]].null || vals[j->sum_cols[i]].i == 0;
        if (zero)
            return 0;
    }
    return s_emit(r, vals, err);
}

static int s_plugin_out(void *arg, const ns_value_t *vals, ns_err_t *err)
{
    return s_emit(arg, vals, err);
}

static int s_merge_name(void *arg, int partition, int run_no, char *uri)
{
    const ns_task_t *t = arg;
    char key[128];
    snprintf(key, sizeof key, "_tmp/r%05d-a%lld/i%05d.run.zst", partition, (long long)t->attempt,
             run_no);
    return s_out_uri(t, key, uri, NULL);
}

static int s_run_reduce(const ns_task_t *t, const ns_task_ctx_t *ctx, ns_job_t *job,
                        ns_msgb_t *done, ns_err_t *err)
{
    s_reduce_t r = {.task = t, .job = job, .ltypes = job->out_types, .nl = job->nout};
    ns_task_counters_t c = {0};
    ns_merge_t *mg = NULL;
    char **uris = NULL;
    int nuris = t->nruns, rc = -1;
    ns_value_t *cur = calloc((size_t)job->nout, sizeof *cur);
    s_group_t g;
    int grouped = job->reduce == NS_REDUCE_DEDUPE || job->reduce == NS_REDUCE_AGGREGATE;
    int ginit = s_group_init(&g, job, s_reduce_out, &r);
    const ns_reduce_plugin_t *plugin = NULL;
    void *pst = NULL;
    ns_buf_t gkey, pkey; /* plugin: the group key of this row and of the one before */
    ns_buf_init(&gkey, NS_MAX_KEY * 2);
    ns_buf_init(&pkey, NS_MAX_KEY * 2);
    if (job->reduce == NS_REDUCE_PLUGIN) {
        const char *const *names;
        if (ns_plugin_check(job, err) ||
            ns_plugin_load_schema(job, &names, &r.ltypes, &r.nl, err))
            goto out;
        plugin = ns_plugin_find(job->plugin);
        if (!(pst = plugin->open(job, err)))
            goto out;
    }
    r.files = calloc((size_t)t->files, sizeof *r.files);
    uris = calloc(nuris ? (size_t)nuris : 1, sizeof *uris);
    if (!cur || ginit || !r.files || !uris) {
        ns_errf(err, "out of memory");
        goto out;
    }
    for (int i = 0; i < nuris; i++)
        if (!(uris[i] = strdup(t->runs[i]))) {
            ns_errf(err, "out of memory");
            goto out;
        }
    int fan_in = ctx->fan_in > 1 ? ctx->fan_in : 64;
    if (ns_merge_passes(&uris, &nuris, fan_in, S_RUN_BUF, 1, s_merge_name, (void *)t,
                        t->partition, 0, err))
        goto out;
    mg = ns_merge_new((const char *const *)uris, nuris, S_RUN_BUF, err);
    if (!mg || s_reduce_open(&r, err))
        goto out;
    /* load files are cut between groups, at equal shares of the input */
    uint64_t consumed = 0, share = t->in_bytes / (uint64_t)t->files + 1;
    ns_rowview_t row;
    int got;
    while ((got = ns_merge_next(mg, &row, err)) == 1) {
        c.rows_in++;
        if ((c.rows_in & 4095) == 0) {
            s_slow(ctx);
            if (ctx->cancel && *ctx->cancel) {
                ns_errf(err, "cancelled");
                goto out;
            }
            c.bytes_in = consumed;
            if (ctx->progress)
                ctx->progress(ctx->arg, &c);
        }
        int boundary;
        if (grouped) {
            boundary = s_group_add(&g, &row, err);
            if (boundary < 0) {
                ns_err_prefix(err, "partition %d", t->partition);
                goto out;
            }
        } else {
            if (ns_row_decode(&row, job->out_types, job->nout, cur)) {
                ns_errf(err, "corrupt row in the runs of partition %d", t->partition);
                goto out;
            }
            boundary = 1;
            if (plugin) {
                ns_buf_reset(&gkey);
                if (ns_key_encode(&gkey, job->out_types, cur, job->sort_key, job->group_len)) {
                    ns_errf(err, "group key too large in partition %d", t->partition);
                    goto out;
                }
                boundary = c.rows_in == 1 || gkey.len != pkey.len ||
                           memcmp(gkey.data, pkey.data, gkey.len);
                if (boundary) {
                    ns_buf_t tmp = pkey;
                    pkey = gkey;
                    gkey = tmp;
                }
            }
        }
        /* the bytes before this row are written: a new file may start */
        while (boundary && r.file_no < t->files - 1 && consumed >= share * (uint64_t)(r.file_no + 1))
            if (s_reduce_close(&r, err) || s_reduce_open(&r, err))
                goto out;
        consumed += row.total_len;
        if (plugin) {
            if (plugin->row(pst, cur, boundary, s_plugin_out, &r, err)) {
                ns_err_prefix(err, "reduce plugin '%s'", plugin->name);
                goto out;
            }
        } else if (!grouped && s_emit(&r, cur, err)) {
            goto out;
        }
    }
    if (got < 0 || (grouped && s_group_flush(&g, err)))
        goto out;
    if (plugin && plugin->finish(pst, s_plugin_out, &r, err)) {
        ns_err_prefix(err, "reduce plugin '%s'", plugin->name);
        goto out;
    }
    if (s_reduce_close(&r, err))
        goto out;
    while (r.file_no < t->files)
        if (s_reduce_open(&r, err) || s_reduce_close(&r, err))
            goto out;
    c.bytes_in = consumed;
    c.rows_out = r.rows_out;
    s_done_header(done, t, &c, "");
    msgpack_pack_array(&done->pk, (size_t)r.nfiles);
    for (int i = 0; i < r.nfiles; i++)
        s_pack_output(&done->pk, r.files[i].uri, t->partition, r.files[i].rows,
                      r.files[i].bytes, r.files[i].stored);
    rc = 0;
out:
    ns_loadfile_abort(&r.lf);
    ns_merge_destroy(&mg);
    for (int i = 0; i < nuris; i++)
        free(uris ? uris[i] : NULL);
    free(uris);
    free(cur);
    s_group_free(&g);
    free(r.files);
    if (plugin)
        plugin->free(pst);
    ns_buf_free(&gkey);
    ns_buf_free(&pkey);
    return rc;
}

/* The task names only objects its job may reach (ns_scope.h): its prefix
 * below output.uri, map inputs below input.uri, reduce runs below its
 * prefix. A coordinator that says otherwise is not followed. */
static int s_check_scope(const ns_task_t *t, const ns_job_t *job, ns_err_t *err)
{
    if (ns_scope_within(t->prefix, job->output_uri, err))
        return ns_err_prefix(err, "task refused: its prefix is not the job's output.uri");
    for (int i = 0; i < t->ninputs; i++)
        if (ns_scope_within(t->inputs[i].uri, job->input_uri, err))
            return ns_err_prefix(err, "task refused: input %d is not the job's input", i);
    for (int i = 0; i < t->nruns; i++)
        if (ns_scope_within(t->runs[i], t->prefix, err))
            return ns_err_prefix(err, "task refused: run %d is not under the job's prefix", i);
    return 0;
}

int ns_task_run(const ns_task_t *t, const ns_task_ctx_t *ctx, ns_msgb_t *done, ns_err_t *err)
{
    ns_job_t *job = s_job(t, err);
    if (!job)
        return -2;
    if (s_check_scope(t, job, err)) {
        ns_job_destroy(&job);
        return -2;
    }
    s_slow(ctx);
    int rc = t->is_map ? s_run_map(t, ctx, job, done, err) : s_run_reduce(t, ctx, job, done, err);
    ns_job_destroy(&job);
    return rc;
}
