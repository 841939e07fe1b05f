/*
 * ns_plan: map-task planning from an input listing (see ns_plan.h).
 */
#include "ns_plan.h"

#include "ns_codec.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static ns_maptask_t *s_new_task(ns_maptask_t **tasks, int *ntasks, int *cap)
{
    if (*ntasks == *cap) {
        int ncap = *cap ? *cap * 2 : 16;
        ns_maptask_t *t = realloc(*tasks, (size_t)ncap * sizeof *t);
        if (!t)
            return NULL;
        *tasks = t;
        *cap = ncap;
    }
    ns_maptask_t *t = &(*tasks)[(*ntasks)++];
    memset(t, 0, sizeof *t);
    return t;
}

static int s_add_split(ns_maptask_t *t, const ns_object_t *o, uint64_t off, int64_t len, int codec)
{
    ns_split_t *s = realloc(t->splits, (size_t)(t->nsplits + 1) * sizeof *s);
    if (!s)
        return -1;
    t->splits = s;
    ns_split_t *sp = &s[t->nsplits];
    sp->uri = strdup(o->uri);
    if (!sp->uri)
        return -1;
    sp->offset = off;
    sp->length = len;
    sp->size = o->size;
    sp->codec = codec;
    snprintf(sp->etag, sizeof sp->etag, "%s", o->etag);
    t->nsplits++;
    t->bytes += len < 0 ? o->size : (uint64_t)len;
    return 0;
}

int ns_plan_maps(const ns_object_t *objs, int nobjs, uint64_t split_bytes, bool splittable,
                 const char *compression, ns_maptask_t **tasks, int *ntasks, ns_err_t *err)
{
    *tasks = NULL;
    *ntasks = 0;
    int cap = 0;
    if (split_bytes == 0)
        return ns_errf(err, "split size must be positive");
    int pack = -1;            /* index of the task being packed with small objects */
    uint64_t pack_weight = 0; /* its estimated uncompressed bytes */
    for (int i = 0; i < nobjs; i++) {
        const ns_object_t *o = &objs[i];
        if (o->size == 0)
            continue;
        int codec = (int)ns_codec_for(o->uri, compression);
        uint64_t weight = codec == NS_CODEC_NONE ? o->size : o->size * NS_PLAN_COMPRESSED_RATIO;
        if (o->size > split_bytes && splittable && codec == NS_CODEC_NONE) {
            uint64_t n = (o->size + split_bytes - 1) / split_bytes;
            uint64_t step = (o->size + n - 1) / n;
            for (uint64_t off = 0; off < o->size; off += step) {
                uint64_t len = o->size - off < step ? o->size - off : step;
                ns_maptask_t *t = s_new_task(tasks, ntasks, &cap);
                if (!t || s_add_split(t, o, off, (int64_t)len, codec))
                    goto oom;
            }
            pack = -1;
            continue;
        }
        if (weight > split_bytes) {
            ns_maptask_t *t = s_new_task(tasks, ntasks, &cap);
            if (!t || s_add_split(t, o, 0, -1, codec))
                goto oom;
            pack = -1;
            continue;
        }
        if (pack < 0 || pack_weight + weight > split_bytes) {
            if (!s_new_task(tasks, ntasks, &cap))
                goto oom;
            pack = *ntasks - 1;
            pack_weight = 0;
        }
        pack_weight += weight;
        if (s_add_split(&(*tasks)[pack], o, 0, -1, codec))
            goto oom;
    }
    return 0;
oom:
    ns_plan_free(*tasks, *ntasks);
    *tasks = NULL;
    *ntasks = 0;
    return ns_errf(err, "out of memory while planning");
}

void ns_plan_free(ns_maptask_t *tasks, int ntasks)
{
    if (!tasks)
        return;
    for (int i = 0; i < ntasks; i++) {
        for (int j = 0; j < tasks[i].nsplits; j++)
            free(tasks[i].splits[j].uri);
        free(tasks[i].splits);
    }
    free(tasks);
}
