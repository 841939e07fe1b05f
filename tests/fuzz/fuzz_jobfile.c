/*
 * fuzz_jobfile: the job-file parser (common/ns_job.h: YAML through libyaml
 * into ns_job_t), and what the coordinator does with a parsed job before
 * any task runs: the format check (ns_format_check: columns the reader
 * cannot give), the plugin check (ns_plugin_check), the deadline
 * (ns_job_deadline), splittability, and the reader ns_format_open makes
 * from the job's input settings, run over an empty object.
 *
 * Input: the text of one job file. Variables date, yyyymmdd, raw, out and
 * region are given, as `nightshift submit --date 2026-11-24 --var raw=...`
 * gives them.
 */
#include "ns_format.h"
#include "ns_fuzz.h"
#include "ns_job.h"
#include "ns_plugin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const ns_var_t vars[] = {{"date", "2026-11-24"},
                                    {"yyyymmdd", "20261124"},
                                    {"raw", "s3://raw"},
                                    {"out", "file:///var/lib/nightshift/out"},
                                    {"region", "eu"}};
    ns_err_t err = {""};
    ns_job_t *j = ns_job_parse((const char *)data, size, "fuzz.yaml", vars, 5, &err);
    if (!j) {
        NS_FUZZ_CHECK(err.msg[0], "a refused job without a message");
        if (getenv("NS_FUZZ_VERBOSE")) /* what refused a seed */
            fprintf(stderr, "refused: %s\n", err.msg);
        return 0;
    }
    NS_FUZZ_CHECK(j->nout >= 0 && j->nin >= 0, "negative column counts");
    for (int i = 0; i < j->nout; i++) {
        int k = ns_job_out_index(j, j->out[i].name);
        NS_FUZZ_CHECK(k >= 0 && k <= i, "output column '%s' (%d) found at %d", j->out[i].name, i,
                      k);
    }
    NS_FUZZ_CHECK(ns_job_file_columns(j) <= j->nin, "more file columns than columns");
    (void)ns_job_splittable(j);
    double when;
    if (j->deadline) {
        err.msg[0] = '\0';
        if (ns_job_deadline(j->deadline, "2026-11-24", &when, &err))
            NS_FUZZ_CHECK(err.msg[0], "a refused deadline without a message");
    }
    err.msg[0] = '\0';
    if (ns_format_check(j, &err) == 0 && ns_plugin_check(j, &err) == 0) {
        ns_reader_t *src = ns_fuzz_reader("", 0, 0);
        ns_recsrc_t *s = ns_format_open(j, src, 0, 0, UINT64_MAX, &err);
        /* what passed the checks at submit must not fail every task */
        NS_FUZZ_CHECK(s != NULL, "a job that passed the checks has no reader: %s", err.msg);
        ns_fuzz_drain(s, NULL, 0, 0, true, NS_FUZZ_ANY_ORDER, ns_job_file_columns(j), NULL, NULL,
                      NULL);
        ns_reader_close(&src);
    }
    ns_job_destroy(&j);
    NS_FUZZ_CHECK(j == NULL, "ns_job_destroy leaves the pointer");
    return 0;
}
