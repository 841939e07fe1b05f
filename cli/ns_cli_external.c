/*
 * ns_cli_external: `nightshift external register TABLE --since 6h`, the
 * newest load files of a table queried before they are loaded
 * (docs/LOADER.md, "Fresh data without loading").
 */
#include "ns_catalog.h"
#include "ns_cli.h"
#include "ns_external.h"
#include "ns_store.h"
#include "ns_wh.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char s_usage[] =
    "usage: nightshift external register TABLE [--since 6h] [--schema ext]\n"
    "         [--spectrum-schema spectrum] [--print] [--catalog URI] [--warehouse CONN]\n"
    "Exposes the load files of the runs of TABLE's job that committed within --since\n"
    "(default 6h) as the PostgreSQL foreign table SCHEMA.TABLE (file_fdw reading them\n"
    "through zstd -dc on the database server: file:// load files, a superuser or\n"
    "pg_execute_server_program), and prints the Redshift Spectrum DDL for the same\n"
    "files. --print prints the PostgreSQL SQL too instead of running it.\n";

static int s_register(const char *table, const char *since_opt, const char *schema,
                      const char *spectrum, int print, const char *catalog_opt,
                      const char *warehouse);

int ns_cmd_external(int argc, char **argv)
{
    static const struct option opts[] = {{"since", required_argument, 0, 's'},
                                         {"schema", required_argument, 0, 'S'},
                                         {"spectrum-schema", required_argument, 0, 'R'},
                                         {"print", no_argument, 0, 'p'},
                                         {"catalog", required_argument, 0, 'C'},
                                         {"warehouse", required_argument, 0, 'w'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    const char *since_opt = "6h", *schema = "ext", *spectrum = "spectrum";
    const char *catalog_opt = NULL, *warehouse = NULL;
    int print = 0;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 's': since_opt = optarg; break;
        case 'S': schema = optarg; break;
        case 'R': spectrum = optarg; break;
        case 'p': print = 1; break;
        case 'C': catalog_opt = optarg; break;
        case 'w': warehouse = optarg; break;
        case 'h': fputs(s_usage, stdout); return NS_EXIT_OK;
        default: fputs(s_usage, stderr); return NS_EXIT_USAGE;
        }
    }
    if (argc - optind != 2 || strcmp(argv[optind], "register")) {
        fputs(s_usage, stderr);
        return NS_EXIT_USAGE;
    }
    const char *table = argv[optind + 1];
    /* ps shows the argument with its password masked from here on */
    char *wh_copy = NULL;
    if (warehouse && !(warehouse = wh_copy = ns_wh_hide_arg((char *)warehouse))) {
        fprintf(stderr, "nightshift external: out of memory\n");
        return NS_EXIT_ERROR;
    }
    int rc = s_register(table, since_opt, schema, spectrum, print, catalog_opt, warehouse);
    free(wh_copy);
    return rc;
}

/* The work of `external register`, once the options are read. */
static int s_register(const char *table, const char *since_opt, const char *schema,
                      const char *spectrum, int print, const char *catalog_opt,
                      const char *warehouse)
{
    double since = ns_external_duration(since_opt);
    if (since < 0) {
        fprintf(stderr, "nightshift external: bad --since '%s' (like 6h, 90m, 2d)\n", since_opt);
        return NS_EXIT_USAGE;
    }
    char catalog[NS_URI_MAX];
    ns_catalog_uri(catalog_opt, ns_cli_home(), catalog, sizeof catalog);
    ns_err_t err;
    ns_err_clear(&err);
    ns_catalog_table_t *t = NULL;
    int got = ns_catalog_get(catalog, table, &t, NULL, NULL, &err);
    if (got != 0) {
        if (got > 0)
            fprintf(stderr, "nightshift external: no table '%s' in the catalog %s\n", table,
                    catalog);
        else
            fprintf(stderr, "nightshift external: %s\n", err.msg);
        ns_catalog_table_destroy(&t);
        return NS_EXIT_FAILED;
    }
    ns_ext_runs_t runs;
    int rc = NS_EXIT_OK;
    if (ns_external_find(t, (double)time(NULL) - since, &runs, &err)) {
        fprintf(stderr, "nightshift external: %s\n", err.msg);
        ns_catalog_table_destroy(&t);
        return NS_EXIT_FAILED;
    }
    ns_buf_t pg, rs;
    ns_buf_init(&pg, (size_t)64 << 20);
    ns_buf_init(&rs, (size_t)64 << 20);
    if (ns_external_pg_sql(t, &runs, schema, &pg, &err) ||
        ns_external_spectrum_sql(t, &runs, spectrum, &rs, &err)) {
        fprintf(stderr, "nightshift external: %s\n", err.msg);
        rc = NS_EXIT_FAILED;
    } else if (print) {
        printf("-- PostgreSQL\n%s\n%s", pg.data, rs.data);
    } else {
        PGconn *conn = ns_wh_connect(warehouse, &err);
        if (!conn || ns_wh_exec(conn, pg.data, &err)) {
            fprintf(stderr, "nightshift external: %s\n", err.msg);
            rc = NS_EXIT_FAILED;
        } else {
            fprintf(stderr, "nightshift external: %s.%s reads %d runs committed in the last %s\n",
                    schema, table, runs.nruns, since_opt);
            fputs(rs.data, stdout);
        }
        if (conn)
            PQfinish(conn);
    }
    ns_buf_free(&pg);
    ns_buf_free(&rs);
    ns_external_free(&runs);
    ns_catalog_table_destroy(&t);
    return rc;
}
