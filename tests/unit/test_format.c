/*
 * Tests of ns_format_check: what the coordinator checks at submit so that a
 * job whose input cannot be read is refused then, not in every map task.
 * Found by tests/fuzz/fuzz_jobfile (tests/fuzz/regressions/jobfile/): JSON
 * paths the reader refuses passed the check.
 */
#include "ns_format.h"
#include "ns_job.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

/* A JSON job reading the column `a` at path (YAML-quoted), exploding
 * explode (NULL: nothing). */
static ns_job_t *s_json_job(const char *path, const char *explode)
{
    char yaml[1024];
    snprintf(yaml, sizeof yaml,
             "name: t\n"
             "input:\n"
             "  uri: /raw/\n"
             "  format: json\n"
             "%s%s%s"
             "  columns:\n"
             "    - {name: a, type: string, path: '%s'}\n"
             "transform:\n"
             "  - {name: a, from: a}\n"
             "output:\n"
             "  uri: /out/\n"
             "  table: t\n"
             "  sort_key: [a]\n",
             explode ? "  explode: " : "", explode ? explode : "", explode ? "\n" : "", path);
    ns_err_t err;
    ns_err_clear(&err);
    ns_job_t *j = ns_job_parse(yaml, strlen(yaml), "t.yaml", NULL, 0, &err);
    cr_assert(j, "parse failed: %s\n%s", err.msg, yaml);
    return j;
}

static void s_refused(const char *path, const char *explode, const char *frag)
{
    ns_job_t *j = s_json_job(path, explode);
    ns_err_t err;
    ns_err_clear(&err);
    cr_expect_eq(ns_format_check(j, &err), -1, "path '%s' passed the check", path);
    cr_expect(strstr(err.msg, frag), "path '%s': '%s' lacks '%s'", path, err.msg, frag);
    cr_expect(strstr(err.msg, "job 't'"), "'%s' does not name the job", err.msg);
    ns_job_destroy(&j);
}

Test(format, json_paths_the_reader_refuses_are_refused_at_submit)
{
    s_refused("a..b", NULL, "path 'a..b' has an empty key");
    s_refused("x[].y", NULL, "uses [] but nothing is exploded");
    s_refused("a.b[]", NULL, "uses [] but nothing is exploded");
    s_refused("items[].y", "other", "uses [] but the exploded array is 'other'");
}

Test(format, good_json_paths_pass)
{
    const char *ok[][2] = {{"customer.id", NULL}, {"items[].sku", "items"}, {"items[]", "items"}};
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ns_job_t *j = s_json_job(ok[i][0], ok[i][1]);
        ns_err_t err;
        ns_err_clear(&err);
        cr_expect_eq(ns_format_check(j, &err), 0, "path '%s': %s", ok[i][0], err.msg);
        ns_job_destroy(&j);
    }
}
