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
 * schema (`out_names`, `out_types`), through a callback. Load files stay sorted as long as
 * the plugin emits in the order it reads, which every plugin here does.
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

/* Emits one output row (plugin->nout values of plugin->out_types). */
typedef int (*ns_plugin_emit_fn)(void *arg, const ns_value_t *vals, ns_err_t *err);

typedef struct ns_reduce_plugin {
    const char *name;             /* as a job names it */
    const char *doc;              /* one line for people */
    const char *const *out_names; /* the load files' columns */
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
/* The load files' columns of a job: the plugin's, or the transform output's
 * (names may be NULL for the latter: they are j->out[i].name). */
int ns_plugin_load_schema(const ns_job_t *j, const char *const **names,
                          const ns_coltype_t **types, int *n, ns_err_t *err);

#endif
