/*
 * test_load_limits: the size bounds of the documents the loader reads back
 * (a run's manifest and job.json): at the bound a document is parsed, one
 * byte more is refused with an error naming the limit, whether the text is
 * handed to the parser or read from the store.
 */
#include "ns_load.h"
#include "ns_store.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define S_LIMIT ((size_t)16 << 20)

/* "{...}" followed by spaces up to n bytes (JSON allows them). */
static char *s_padded(const char *json, size_t n)
{
    char *t = malloc(n + 1);
    cr_assert(t);
    memset(t, ' ', n);
    memcpy(t, json, strlen(json));
    t[n] = '\0';
    return t;
}

static ns_load_run_t *s_run(const char *manifest)
{
    ns_load_run_t *r = calloc(1, sizeof *r);
    cr_assert(r);
    r->manifest = strdup(manifest);
    cr_assert(r->manifest);
    return r;
}

Test(load_limits, manifest_bytes)
{
    char *t = s_padded("{\"entries\":[{\"url\":\"s3://b/x.zst\",\"meta\":{\"content_length\":7}}]}",
                       S_LIMIT + 1);
    ns_err_t err = {""};
    ns_load_run_t *r = s_run("s3://b/run/manifest");
    cr_assert_eq(ns_load_parse_manifest(r, t, S_LIMIT, &err), 0, "%s", err.msg);
    cr_assert_eq(r->nfiles, 1);
    cr_assert_eq(r->sizes[0], 7);
    ns_load_run_free(&r);
    r = s_run("s3://b/run/manifest");
    cr_assert_eq(ns_load_parse_manifest(r, t, S_LIMIT + 1, &err), -1);
    cr_assert_str_eq(err.msg, "manifest 's3://b/run/manifest' is 16777217 bytes, exceeds "
                              "max_manifest_bytes (16777216 bytes)");
    ns_load_run_free(&r);
    free(t);
}

Test(load_limits, jobjson_bytes)
{
    /* within the bound the parser reads it (and says what it lacks) */
    char *t = s_padded("{\"state\":\"succeeded\"}", S_LIMIT + 1);
    ns_err_t err = {""};
    ns_load_run_t *r = s_run("s3://b/run/manifest");
    cr_assert_eq(ns_load_parse_jobjson(r, "s3://b/run/job.json", t, S_LIMIT, &err), -1);
    cr_assert(strstr(err.msg, "lacks the loader's keys"), "%s", err.msg);
    cr_assert_eq(ns_load_parse_jobjson(r, "s3://b/run/job.json", t, S_LIMIT + 1, &err), -1);
    cr_assert_str_eq(err.msg, "'s3://b/run/job.json' is 16777217 bytes, exceeds max_jobjson_bytes "
                              "(16777216 bytes)");
    ns_load_run_free(&r);
    free(t);
}

Test(load_limits, manifest_read_from_the_store)
{
    char dir[] = "/tmp/ns-load-limits-XXXXXX";
    cr_assert(mkdtemp(dir));
    char uri[256];
    snprintf(uri, sizeof uri, "file://%s/manifest", dir);
    char *t = s_padded("{\"entries\":[]}", S_LIMIT + 1);
    ns_err_t err = {""};
    cr_assert_eq(ns_store_put(uri, t, S_LIMIT + 1, &err), 0, "%s", err.msg);
    ns_load_run_t *r = NULL;
    cr_assert_eq(ns_load_read_run(uri, &r, &err), -1);
    cr_assert_null(r);
    char want[512];
    snprintf(want, sizeof want,
             "'%s' is 16777217 bytes, exceeds max_manifest_bytes (16777216 bytes)", uri);
    cr_assert_str_eq(err.msg, want);
    /* at the bound it is read, and the next thing missing is the job.json */
    cr_assert_eq(ns_store_put(uri, t, S_LIMIT, &err), 0, "%s", err.msg);
    cr_assert_eq(ns_load_read_run(uri, &r, &err), -1);
    cr_assert(strstr(err.msg, "job.json"), "%s", err.msg);
    cr_assert_eq(ns_store_delete(uri, &err), 0, "%s", err.msg);
    free(t);
    cr_assert_eq(rmdir(dir), 0);
}
