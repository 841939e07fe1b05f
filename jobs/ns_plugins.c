/*
 * ns_plugins: the registry of built-in reduce plugins (ns_plugin.h). A new
 * plugin is a jobs/<name>.c defining a const ns_reduce_plugin_t, listed
 * here.
 */
#include "ns_plugin.h"

#include <string.h>

extern const ns_reduce_plugin_t ns_plugin_sessionize;
extern const ns_reduce_plugin_t ns_plugin_orders_latest;
extern const ns_reduce_plugin_t ns_plugin_latest_delivery;

static const ns_reduce_plugin_t *const s_plugins[] = {
    &ns_plugin_sessionize,
    &ns_plugin_orders_latest,
    &ns_plugin_latest_delivery,
};

const ns_reduce_plugin_t *ns_plugin_find(const char *name)
{
    for (size_t i = 0; name && i < sizeof s_plugins / sizeof s_plugins[0]; i++)
        if (!strcmp(s_plugins[i]->name, name))
            return s_plugins[i];
    return NULL;
}

int ns_plugin_check(const ns_job_t *j, ns_err_t *err)
{
    if (j->reduce != NS_REDUCE_PLUGIN)
        return 0;
    const ns_reduce_plugin_t *p = ns_plugin_find(j->plugin);
    if (!p)
        return ns_errf(err, "job '%s': no reduce plugin named '%s' (built in: sessionize, orders_latest, latest_delivery)",
                       j->name, j->plugin ? j->plugin : "");
    if (p->check(j, err))
        return ns_err_prefix(err, "job '%s': reduce plugin '%s'", j->name, p->name);
    return 0;
}

int ns_plugin_load_schema(const ns_job_t *j, const char *const **names,
                          const ns_coltype_t **types, int *n, ns_err_t *err)
{
    const ns_reduce_plugin_t *p = NULL;
    if (j->reduce == NS_REDUCE_PLUGIN && !(p = ns_plugin_find(j->plugin)))
        return ns_errf(err, "job '%s': no reduce plugin named '%s'", j->name, j->plugin);
    if (!p || !p->out_names) { /* the transform's columns */
        *names = NULL;
        *types = j->out_types;
        *n = j->nout;
        return 0;
    }
    *names = p->out_names;
    *types = p->out_types;
    *n = p->nout;
    return 0;
}
