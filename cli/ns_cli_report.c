/*
 * ns_cli_report: `nightshift report --out DIR [--warehouse CONN]`: the
 * CEO's seven questions from the warehouse as DIR/index.html (charts and
 * numbers) and DIR/qN.csv (warehouse/ns_report.h, docs/REPORT.md).
 */
#include "ns_cli.h"
#include "ns_report.h"
#include "ns_wh.h"

#include <getopt.h>
#include <stdlib.h>

int ns_cmd_report(int argc, char **argv)
{
    static const char usage[] =
        "usage: nightshift report --out DIR [--warehouse CONN]\n"
        "Runs the CEO's questions (warehouse/queries/, built in) against the warehouse\n"
        "and writes DIR/index.html (a chart and the numbers per question) and\n"
        "DIR/q1.csv .. DIR/q7.csv. DIR is created when missing.\n"
        "  --warehouse CONN  libpq connection string or URI (default: $NIGHTSHIFT_WAREHOUSE,\n"
        "                    then the cluster of `nightshift warehouse up`, then PG*)\n";
    static const struct option opts[] = {
        {"out", required_argument, 0, 'o'},
        {"warehouse", required_argument, 0, 'w'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *out = NULL, *wh = NULL;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'o': out = optarg; break;
        case 'w': wh = optarg; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return NS_EXIT_USAGE;
        }
    }
    if (!out || !*out || optind != argc) {
        fputs(usage, stderr);
        return NS_EXIT_USAGE;
    }
    /* ps shows the argument with its password masked from here on */
    char *wh_copy = NULL;
    if (wh && !(wh = wh_copy = ns_wh_hide_arg((char *)wh))) {
        fprintf(stderr, "nightshift: report: out of memory\n");
        return NS_EXIT_ERROR;
    }
    ns_err_t err;
    ns_err_clear(&err);
    PGconn *conn = ns_wh_connect(wh, &err);
    free(wh_copy);
    if (!conn) {
        fprintf(stderr, "nightshift: report: %s\n", err.msg);
        return NS_EXIT_ERROR;
    }
    int rc = ns_report_write(conn, out, &err);
    PQfinish(conn);
    if (rc) {
        fprintf(stderr, "nightshift: report: %s\n", err.msg);
        return NS_EXIT_ERROR;
    }
    printf("report: %s/index.html\n", out);
    return 0;
}
