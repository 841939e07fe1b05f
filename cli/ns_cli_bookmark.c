/*
 * ns_cli_bookmark: `nightshift bookmark`, the incremental-run bookmarks of
 * jobs (docs/BOOKMARKS.md), read and changed directly in the catalog's store:
 *   bookmark show JOB [--json]     the objects processed, with run date and job id
 *   bookmark rewind JOB --to DATE  forget what runs dated DATE or later read
 *   bookmark reset JOB             forget everything: the next run reads all
 * --catalog URI as for `nightshift catalog`.
 */
#include "ns_bookmark.h"
#include "ns_buf.h"
#include "ns_catalog.h"
#include "ns_cli.h"

#include <getopt.h>
#include <stdio.h>
#include <string.h>

static const char s_usage[] =
    "usage: nightshift bookmark show JOB [--json] | rewind JOB --to YYYY-MM-DD | reset JOB\n"
    "         [--catalog URI]\n"
    "The objects an incremental job (bookmark: true) has processed, kept in the\n"
    "catalog ($NIGHTSHIFT_CATALOG or file://$NIGHTSHIFT_HOME/catalog).\n";

static void s_show(const ns_bookmark_t *b, const char *job, bool json)
{
    if (!json) {
        printf("%s: %d objects\n", job, b->n);
        for (int i = 0; i < b->n; i++)
            printf("%s  %-12llu  %s  %s  %s\n", b->e[i].date, (unsigned long long)b->e[i].size,
                   b->e[i].job_id, b->e[i].etag, b->e[i].uri);
        return;
    }
    ns_buf_t o;
    ns_buf_init(&o, (size_t)1 << 30);
    ns_buf_appendf(&o, "{\"job\":");
    ns_buf_append_json(&o, job, strlen(job));
    ns_buf_appendf(&o, ",\"objects\":[");
    for (int i = 0; i < b->n; i++) {
        const ns_bookmark_ent_t *e = &b->e[i];
        ns_buf_appendf(&o, "%s{\"uri\":", i ? "," : "");
        ns_buf_append_json(&o, e->uri, strlen(e->uri));
        ns_buf_appendf(&o, ",\"etag\":");
        ns_buf_append_json(&o, e->etag, strlen(e->etag));
        ns_buf_appendf(&o, ",\"size\":%llu,\"date\":\"%s\",\"job_id\":", (unsigned long long)e->size,
                       e->date);
        ns_buf_append_json(&o, e->job_id, strlen(e->job_id));
        ns_buf_appendf(&o, "}");
    }
    ns_buf_appendf(&o, "]}\n");
    fputs(o.data ? o.data : "", stdout);
    ns_buf_free(&o);
}

int ns_cmd_bookmark(int argc, char **argv)
{
    static const struct option opts[] = {{"json", no_argument, 0, 'j'},
                                         {"to", required_argument, 0, 't'},
                                         {"catalog", required_argument, 0, 'C'},
                                         {"help", no_argument, 0, 'h'},
                                         {0, 0, 0, 0}};
    bool json = false;
    const char *to = NULL, *catalog_opt = NULL;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'j': json = true; break;
        case 't': to = optarg; break;
        case 'C': catalog_opt = optarg; break;
        case 'h': fputs(s_usage, stdout); return 0;
        default: fputs(s_usage, stderr); return NS_EXIT_USAGE;
        }
    }
    if (argc - optind != 2) {
        fputs(s_usage, stderr);
        return NS_EXIT_USAGE;
    }
    const char *sub = argv[optind], *job = argv[optind + 1];
    char catalog[NS_URI_MAX];
    ns_catalog_uri(catalog_opt, ns_cli_home(), catalog, sizeof catalog);
    ns_err_t err;
    if (!strcmp(sub, "reset")) {
        if (ns_bookmark_reset(catalog, job, &err)) {
            fprintf(stderr, "nightshift: bookmark: %s\n", err.msg);
            return NS_EXIT_ERROR;
        }
        printf("bookmark of %s reset: the next run reads every input object\n", job);
        return 0;
    }
    if (strcmp(sub, "show") && strcmp(sub, "rewind")) {
        fputs(s_usage, stderr);
        return NS_EXIT_USAGE;
    }
    if (!strcmp(sub, "rewind")) {
        int64_t d;
        if (!to || ns_parse_date(to, strlen(to), &d, &err) || strlen(to) != 10) {
            fprintf(stderr, "nightshift: bookmark rewind needs --to YYYY-MM-DD\n");
            return NS_EXIT_USAGE;
        }
    }
    ns_bookmark_t b;
    if (ns_bookmark_load(catalog, job, &b, &err)) {
        fprintf(stderr, "nightshift: bookmark: %s\n", err.msg);
        return NS_EXIT_ERROR;
    }
    int rc = 0;
    if (!strcmp(sub, "show")) {
        s_show(&b, job, json);
    } else {
        int dropped = ns_bookmark_rewind(&b, to);
        if (ns_bookmark_save(catalog, job, &b, &err)) {
            fprintf(stderr, "nightshift: bookmark: %s\n", err.msg);
            rc = NS_EXIT_ERROR;
        } else {
            printf("bookmark of %s rewound to %s: %d objects will be read again, %d stay done\n",
                   job, to, dropped, b.n);
        }
    }
    ns_bookmark_free(&b);
    return rc;
}
