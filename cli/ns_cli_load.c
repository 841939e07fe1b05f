/*
 * ns_cli_load: `nightshift load MANIFEST`, a committed job run into the
 * warehouse (docs/LOADER.md), and the load step of `submit --load`.
 */
#include "ns_cli.h"
#include "ns_load.h"
#include "ns_log.h"
#include "ns_redact.h"
#include "ns_wh.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_usage[] =
    "usage: nightshift load MANIFEST [--warehouse CONN] [--parallel N] [--force] [--json]\n"
    "       nightshift load MANIFEST --target redshift [--iam-role ARN] [--print]\n"
    "Loads a committed job run (its manifest URI, file:// or s3://) into the warehouse,\n"
    "exactly once: a manifest already loaded is skipped (--force loads it again), the\n"
    "rows the job's output.load says it replaces are replaced in the same transaction.\n"
    "The warehouse: --warehouse (a libpq connection string or URI), $NIGHTSHIFT_WAREHOUSE,\n"
    "the private one of `nightshift warehouse up`, or libpq's PG* variables.\n";

int ns_cli_load(const ns_load_opts_t *o, bool json)
{
    ns_load_result_t res;
    ns_err_t err;
    ns_err_clear(&err);
    if (ns_load(o, &res, &err)) {
        char msg[NS_ERR_MAX];
        fprintf(stderr, "nightshift load: %s\n", ns_redact_text(err.msg, msg, sizeof msg));
        return NS_EXIT_FAILED;
    }
    if (o->target == NS_TARGET_REDSHIFT) {
        if (!o->print)
            fprintf(stderr, "nightshift load: ran the Redshift COPY and merge for %s\n", res.table);
        return NS_EXIT_OK;
    }
    if (json) {
        printf("{\"table\":\"%s\",\"load_id\":%lld,\"skipped\":%s,\"streams\":%d,\"files\":%d,"
               "\"rows\":%llu,\"bytes\":%llu,\"replaced_rows\":%llu,\"superseded_rows\":%llu,"
               "\"dropped_partitions\":%d,\"seconds\":%.3f}\n",
               res.table, (long long)res.load_id, res.skipped ? "true" : "false", res.streams,
               res.files, (unsigned long long)res.rows, (unsigned long long)res.bytes,
               (unsigned long long)res.replaced_rows, (unsigned long long)res.superseded,
               res.dropped_parts, res.seconds);
    } else if (res.skipped) {
        printf("%s: already loaded (load %lld): nothing to do\n", res.table,
               (long long)res.load_id);
    } else {
        printf("%s: load %lld published: %llu rows from %d files over %d streams in %.2f s "
               "(%.1f MB/s); replaced %llu rows (%d partitions dropped)%s\n",
               res.table, (long long)res.load_id, (unsigned long long)res.rows, res.files,
               res.streams, res.seconds,
               res.seconds > 0 ? (double)res.bytes / 1e6 / res.seconds : 0.0,
               (unsigned long long)res.replaced_rows, res.dropped_parts,
               res.superseded ? "; older restatements kept out" : "");
    }
    return NS_EXIT_OK;
}

int ns_cmd_load(int argc, char **argv)
{
    static const struct option opts[] = {{"warehouse", required_argument, 0, 'w'},
                                         {"parallel", required_argument, 0, 'p'},
                                         {"force", no_argument, 0, 'f'},
                                         {"target", required_argument, 0, 't'},
                                         {"print", no_argument, 0, 'P'},
                                         {"iam-role", required_argument, 0, 'r'},
                                         {"json", no_argument, 0, 'j'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    ns_load_opts_t o = {.out = stdout};
    bool json = false;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'w': o.warehouse = optarg; break;
        case 'p':
            o.parallel = atoi(optarg);
            if (o.parallel < 1 || o.parallel > 64) {
                fprintf(stderr, "nightshift load: --parallel must be 1..64\n");
                return NS_EXIT_USAGE;
            }
            break;
        case 'f': o.force = true; break;
        case 't':
            if (!strcmp(optarg, "redshift"))
                o.target = NS_TARGET_REDSHIFT;
            else if (strcmp(optarg, "postgres")) {
                fprintf(stderr, "nightshift load: --target is postgres or redshift\n");
                return NS_EXIT_USAGE;
            }
            break;
        case 'P': o.print = true; break;
        case 'r': o.iam_role = optarg; break;
        case 'j': json = true; break;
        case 'h': fputs(s_usage, stdout); return NS_EXIT_OK;
        default: fputs(s_usage, stderr); return NS_EXIT_USAGE;
        }
    }
    if (argc - optind != 1 || (o.print && o.target != NS_TARGET_REDSHIFT)) {
        fputs(s_usage, stderr);
        return NS_EXIT_USAGE;
    }
    o.manifest = argv[optind];
    char *wh = NULL;
    if (o.warehouse && !(o.warehouse = wh = ns_wh_hide_arg((char *)o.warehouse))) {
        fprintf(stderr, "nightshift load: out of memory\n");
        return NS_EXIT_ERROR;
    }
    int rc = ns_cli_load(&o, json);
    free(wh);
    return rc;
}
