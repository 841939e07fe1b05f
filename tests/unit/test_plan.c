/*
 * Map-task planning: packing small objects, splitting large uncompressed
 * ones into ranges that cover every byte once, compressed ones whole.
 */
#include "ns_plan.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

static ns_object_t s_obj(const char *name, uint64_t size)
{
    ns_object_t o;
    memset(&o, 0, sizeof o);
    snprintf(o.uri, sizeof o.uri, "file:///raw/%s", name);
    o.size = size;
    return o;
}

Test(plan, packs_small_objects_up_to_split)
{
    ns_object_t objs[10];
    for (int i = 0; i < 10; i++) {
        char name[32];
        snprintf(name, sizeof name, "pos-%04d.psv", i);
        objs[i] = s_obj(name, 300);
    }
    ns_maptask_t *t;
    int n;
    ns_err_t err;
    cr_assert_eq(ns_plan_maps(objs, 10, 1000, true, "auto", &t, &n, &err), 0);
    cr_assert_eq(n, 4); /* 3+3+3+1 */
    int total = 0;
    for (int i = 0; i < n; i++) {
        cr_assert_leq(t[i].bytes, 1000);
        for (int k = 0; k < t[i].nsplits; k++)
            cr_assert_eq(t[i].splits[k].length, -1);
        total += t[i].nsplits;
    }
    cr_assert_eq(total, 10);
    ns_plan_free(t, n);
}

Test(plan, compressed_objects_weigh_their_estimated_uncompressed_size)
{
    ns_object_t objs[10];
    for (int i = 0; i < 10; i++) {
        char name[32];
        snprintf(name, sizeof name, "pos-%04d.psv.gz", i);
        objs[i] = s_obj(name, 30); /* about 240 bytes of text each */
    }
    ns_maptask_t *t;
    int n;
    ns_err_t err;
    cr_assert_eq(ns_plan_maps(objs, 10, 1000, true, "auto", &t, &n, &err), 0);
    cr_assert_eq(n, 3); /* 4 + 4 + 2 */
    cr_assert_eq(t[0].nsplits, 4);
    cr_assert_eq(t[2].nsplits, 2);
    cr_assert_eq(t[0].bytes, 120, "bytes stay stored bytes (for progress)");
    for (int i = 0; i < n; i++)
        for (int k = 0; k < t[i].nsplits; k++) {
            cr_assert_eq(t[i].splits[k].length, -1);
            cr_assert_eq(t[i].splits[k].codec, 1 /* gzip */);
        }
    ns_plan_free(t, n);
    /* one compressed object above the split (by its weight) gets a task alone */
    objs[1].size = 200;
    cr_assert_eq(ns_plan_maps(objs, 3, 1000, true, "auto", &t, &n, &err), 0);
    cr_assert_eq(n, 3);
    ns_plan_free(t, n);
}

Test(plan, splits_large_uncompressed_objects_covering_every_byte)
{
    for (uint64_t size = 1001; size < 5000; size += 377) {
        ns_object_t o = s_obj("big.psv", size);
        ns_maptask_t *t;
        int n;
        ns_err_t err;
        cr_assert_eq(ns_plan_maps(&o, 1, 1000, true, "auto", &t, &n, &err), 0);
        cr_assert_eq((uint64_t)n, (size + 999) / 1000);
        uint64_t next = 0;
        for (int i = 0; i < n; i++) {
            cr_assert_eq(t[i].nsplits, 1);
            cr_assert_eq(t[i].splits[0].offset, next);
            cr_assert_gt(t[i].splits[0].length, 0);
            cr_assert_leq(t[i].splits[0].length, 1000);
            next += (uint64_t)t[i].splits[0].length;
        }
        cr_assert_eq(next, size);
        ns_plan_free(t, n);
    }
}

Test(plan, compressed_and_unsplittable_objects_stay_whole)
{
    ns_object_t objs[3] = {s_obj("a.psv.gz", 5000), s_obj("b.psv.zst", 5000),
                           s_obj("c.csv", 5000)};
    ns_maptask_t *t;
    int n;
    ns_err_t err;
    cr_assert_eq(ns_plan_maps(objs, 3, 1000, false, "auto", &t, &n, &err), 0);
    cr_assert_eq(n, 3);
    for (int i = 0; i < 3; i++) {
        cr_assert_eq(t[i].nsplits, 1);
        cr_assert_eq(t[i].splits[0].length, -1);
    }
    cr_assert_eq(t[1].splits[0].codec, 2 /* zstd */);
    ns_plan_free(t, n);
}

Test(plan, skips_empty_objects_and_handles_none)
{
    ns_object_t objs[2] = {s_obj("empty.psv", 0), s_obj("x.psv", 10)};
    ns_maptask_t *t;
    int n;
    ns_err_t err;
    cr_assert_eq(ns_plan_maps(objs, 2, 1000, true, "none", &t, &n, &err), 0);
    cr_assert_eq(n, 1);
    cr_assert_eq(t[0].nsplits, 1);
    ns_plan_free(t, n);
    cr_assert_eq(ns_plan_maps(objs, 0, 1000, true, "auto", &t, &n, &err), 0);
    cr_assert_eq(n, 0);
    cr_assert_eq(ns_plan_maps(objs, 2, 0, true, "auto", &t, &n, &err), -1);
}
