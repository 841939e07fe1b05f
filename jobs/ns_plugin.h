/*
 * ns_plugin: custom reduce steps written in C, for what a declarative job
 * cannot say (clickstream sessionization). A job names one with
 *
 *     output:
 *       reduce: {kind: plugin, name: sessionize, group: 1}
 *
 * The reduce task then hands the plugin every row of its partition in sort
 * order (the job's transform output, sorted by output.sort_key), saying
 * which rows start a new group (the leading `group` sort-key columns
 * changed), and the plugin emits the rows of the load files, in its own
 * schema (`out_names`, `out_types`) or, when it has none (`out_names`
 * NULL), in the transform's, through a callback. Load files stay sorted as
 * long as the plugin emits in the order it reads, which every plugin here
 * does.
 *
 * Plugins are compiled in (the C files of jobs/, listed in jobs/ns_plugins.c): a job
 * file cannot load code, and the coordinator can check a job against its
 * plugin (ns_plugin_check) before any task runs.
 *
 * A plugin instance lives for one reduce task, on one thread; its memory
 * must be bounded by the size of one group, never the partition.
 */
#ifndef NS_PLUGIN_H
#define NS_PLUGIN_H

#include "ns_err.h"
#include "ns_job.h"
#include "ns_row.h"

#include <stdbool.h>

/* Emits one output row (the values of the load schema, ns_plugin_load_schema). */
typedef int (*ns_plugin_emit_fn)(void *arg, const ns_value_t *vals, ns_err_t *err);

typedef struct ns_reduce_plugin {
    const char *name;             /* as a job names it */
    const char *doc;              /* one line for people */
    const char *const *out_names; /* the load files' columns; NULL: the transform's */
    const ns_coltype_t *out_types;
    int nout;
    /* Checks that the job's transform output holds the columns (names and
     * types) the plugin reads; 0, or -1 with err naming what is missing. */
    int (*check)(const ns_job_t *j, ns_err_t *err);
    /* A new instance for one reduce task; NULL with err set on failure. */
    void *(*open)(const ns_job_t *j, ns_err_t *err);
    /* One input row (j->nout values); first: it starts a new group. */
    int (*row)(void *st, const ns_value_t *vals, bool first, ns_plugin_emit_fn emit, void *arg,
               ns_err_t *err);
    /* The end of the input: emit what is still held. */
    int (*finish)(void *st, ns_plugin_emit_fn emit, void *arg, ns_err_t *err);
    void (*free)(void *st);
} ns_reduce_plugin_t;

/* The built-in plugin of that name, or NULL. */
const ns_reduce_plugin_t *ns_plugin_find(const char *name);
/* For a job with reduce kind plugin: finds its plugin and runs its check;
 * a no-op (0) for other jobs. */
int ns_plugin_check(const ns_job_t *j, ns_err_t *err);
/* The load files' columns of a job: its plugin's, or the transform output's
 * for a job without a plugin or with a plugin without a schema of its own
 * (names NULL then: they are j->out[i].name). */
int ns_plugin_load_schema(const ns_job_t *j, const char *const **names,
                          const ns_coltype_t **types, int *n, ns_err_t *err);

/* ---- What the plugins share (jobs/ns_plugin_util.c) ---- */

/* A transform output column a plugin reads. */
typedef struct {
    const char *name;
    ns_type_t type;
    int scale; /* NS_T_DECIMAL: the scale it must have */
} ns_plugin_col_t;

/* Finds each of the n columns among the job's transform output columns:
 * col[i] is the index of cols[i]. 0, or -1 with err naming the first one
 * that is missing or of another type. */
int ns_plugin_cols(const ns_job_t *j, const ns_plugin_col_t *cols, int n, int *col, ns_err_t *err);
/* 0 if the job's sort key starts with the n columns lead and its reduce
 * group is group (what: what one group is, "the order"); else -1 with err. */
int ns_plugin_keys(const ns_job_t *j, const char *const *lead, int n, int group, const char *what,
                   ns_err_t *err);

/* A string kept past the row call: its bytes live in a buffer of the
 * plugin's (ns_buf_t, bounded by its max). */
typedef struct {
    bool null;
    uint32_t len;
    size_t off;
} ns_plugin_str_t;

/* Copies v's bytes to the end of strs; what names the buffer in the error
 * when its max would be passed ("session strings"). */
int ns_plugin_keep(ns_buf_t *strs, const ns_value_t *v, ns_plugin_str_t *out, const char *what,
                   ns_err_t *err);
/* The kept string as a value (valid until strs changes). */
ns_value_t ns_plugin_kept(const ns_buf_t *strs, const ns_plugin_str_t *s);

/* Rows kept past the row call: some transform columns of each, strings
 * copied into one bounded buffer. Memory: the rows held, which a plugin
 * empties at least once per group. */
typedef struct {
    int ncol;          /* columns kept per row */
    int *col;          /* the transform index of each */
    bool *str;         /* which are strings */
    ns_value_t *v;     /* n x ncol values */
    size_t *off;       /* n x ncol string offsets in strs */
    size_t n, cap;     /* rows held, room */
    ns_buf_t strs;
    const char *what;  /* names the rows in errors ("one order's versions") */
} ns_plugin_rows_t;

/* Keeps the ncol transform columns col (NULL: every transform column, in
 * order) of each row added, with at most max_bytes of strings. */
int ns_plugin_rows_init(ns_plugin_rows_t *r, const ns_job_t *j, const int *col, int ncol,
                        size_t max_bytes, const char *what, ns_err_t *err);
/* Keeps a row of the transform (j->nout values). */
int ns_plugin_rows_add(ns_plugin_rows_t *r, const ns_value_t *vals, ns_err_t *err);
/* Row i's ncol values, strings pointing into the buffer: valid until the
 * next add, reset or free. */
const ns_value_t *ns_plugin_rows_get(ns_plugin_rows_t *r, size_t i);
void ns_plugin_rows_reset(ns_plugin_rows_t *r);
void ns_plugin_rows_free(ns_plugin_rows_t *r);
/* The state of a plugin that keeps rows: size zeroed bytes whose first
 * member is an ns_plugin_rows_t, initialized as by ns_plugin_rows_init;
 * NULL with err set on failure. ns_plugin_rows_delete frees it (a
 * plugin's `free`). */
void *ns_plugin_rows_new(size_t size, const ns_job_t *j, const int *col, int ncol,
                         size_t max_bytes, const char *what, ns_err_t *err);
void ns_plugin_rows_delete(void *st);

#endif
