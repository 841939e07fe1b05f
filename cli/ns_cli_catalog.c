/*
 * ns_cli_catalog: `nightshift catalog`, the data catalog from the command
 * line (docs/CATALOG.md):
 *   catalog list [--json]                    every table: kind, columns, partitions, updated
 *   catalog show TABLE [--json]              one table (--json: its document as stored)
 *   catalog crawl PREFIX [--name TABLE] [--sample-bytes N] [--dry-run] [--json]
 *                                            infer a table from raw objects and register it
 *   catalog drop TABLE                       delete a table's document
 * Each takes --catalog URI (else $NIGHTSHIFT_CATALOG, else
 * file://$NIGHTSHIFT_HOME/catalog). Text output is for people; --json for
 * scripts. Workload: a handful of documents per command; text output lists
 * at most S_SHOW_PARTS partitions of a table (--json lists all).
 */
#include "ns_catalog.h"
#include "ns_cli.h"
#include "ns_edi.h"
#include "ns_store.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_SHOW_PARTS 20

static const char s_usage[] =
    "usage: nightshift catalog list [--json] [--catalog URI]\n"
    "       nightshift catalog show TABLE [--json] [--catalog URI]\n"
    "       nightshift catalog crawl PREFIX [--name TABLE] [--sample-bytes N] [--dry-run]\n"
    "                                [--json] [--catalog URI]\n"
    "       nightshift catalog drop TABLE [--catalog URI]\n"
    "The data catalog: one JSON document per table under CATALOG/tables/ (docs/CATALOG.md).\n"
    "Committed jobs register their output tables; crawl infers a table from raw objects\n"
    "(format, delimiter, header, types, key=value partitions) and registers it.\n"
    "--catalog defaults to $NIGHTSHIFT_CATALOG or file://$NIGHTSHIFT_HOME/catalog.\n";

typedef struct {
    bool json, dry_run;
    const char *catalog_opt, *name;
    uint64_t sample_bytes;
    char catalog[NS_URI_MAX];
} s_opts_t;

static void s_human(double b, char *out, size_t cap)
{
    const char *u[] = {"B", "KB", "MB", "GB", "TB"};
    int i = 0;
    while (b >= 1024 && i < 4) {
        b /= 1024;
        i++;
    }
    snprintf(out, cap, i ? "%.1f %s" : "%.0f %s", b, u[i]);
}

static void s_chr(char *out, size_t cap, int c)
{
    if (c < 0)
        snprintf(out, cap, "none");
    else if (c == '\t')
        snprintf(out, cap, "'\\t'");
    else if (c == '\n')
        snprintf(out, cap, "'\\n'");
    else if (c == '\r')
        snprintf(out, cap, "'\\r'");
    else if (c < 0x20 || c == 0x7F)
        snprintf(out, cap, "'\\x%02x'", (unsigned)c);
    else
        snprintf(out, cap, "'%c'", c);
}

static void s_print_storage(const ns_catalog_table_t *t)
{
    const ns_catalog_storage_t *s = &t->storage;
    printf("storage    %s", s->format);
    if (!strcmp(s->format, "delimited")) {
        char d[16], q[16], e[16];
        s_chr(d, sizeof d, s->delimiter);
        s_chr(q, sizeof q, s->quote);
        s_chr(e, sizeof e, s->escape);
        printf(", delimiter %s, quote %s", d, q);
        if (s->escape >= 0)
            printf(", escape %s", e);
        if (s->null_text[0])
            printf(", null %s", s->null_text);
        printf(", %s", s->header ? "header" : "no header");
        if (s->skip_lines)
            printf(", skip_lines %d", s->skip_lines);
        if (s->footer_lines)
            printf(", footer_lines %d", s->footer_lines);
        if (s->trim)
            printf(", trim");
    }
    if (!strcmp(s->format, "json") && s->concatenated)
        printf(", concatenated");
    if (!strcmp(s->format, "edi")) {
        char el[16], co[16], te[16];
        s_chr(el, sizeof el, s->edi_element ? (unsigned char)s->edi_element : -1);
        s_chr(co, sizeof co, s->edi_component ? (unsigned char)s->edi_component : -1);
        s_chr(te, sizeof te, s->edi_terminator ? (unsigned char)s->edi_terminator : -1);
        printf(", X12 %s, element %s, component %s, segment %s, sets %s", s->edi_version, el, co,
               te, s->edi_sets[0] ? s->edi_sets : "none");
    }
    printf(", %s", s->encoding);
    if (s->byte_order[0] || s->bom)
        printf(" (%s%s%s)", s->byte_order, s->byte_order[0] && s->bom ? ", " : "",
               s->bom ? "bom" : "");
    if (!strcmp(t->kind, "crawled") && strcmp(s->format, "edi"))
        printf(", line_end %s", s->crlf ? "crlf" : "lf");
    printf(", compression %s%s\n", s->compression, s->manifest ? ", manifest per partition" : "");
}

static void s_print_keys(const char *label, char *const *v, int n)
{
    if (!n)
        return;
    printf("%-10s ", label);
    for (int i = 0; i < n; i++)
        printf("%s%s", i ? ", " : "", v[i]);
    printf("\n");
}

static void s_print_values(const ns_catalog_part_t *p, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (int i = 0; i < p->nvalues && o < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%s=%s", i ? "/" : "", p->keys[i], p->values[i]);
}

static void s_print_table(const ns_catalog_table_t *t)
{
    bool job = !strcmp(t->kind, "job");
    printf("table      %s (%s, version %lld, schema version %lld)\n", t->name, t->kind,
           (long long)t->version, (long long)t->schema_version);
    printf("location   %s\n", t->location ? t->location : "");
    if (job && t->job)
        printf("job        %s\n", t->job);
    printf("updated    %s (created %s)\n", t->updated, t->created);
    s_print_storage(t);
    printf("columns    %d\n", t->ncols);
    for (int i = 0; i < t->ncols; i++) {
        const ns_catalog_col_t *c = &t->cols[i];
        char wt[32];
        ns_catalog_warehouse_type(&c->type, wt, sizeof wt);
        printf("  %-24s %-14s", c->name, wt);
        if (c->number == NS_NUM_MONEY)
            printf(" number money");
        else if (c->number == NS_NUM_GROUPED)
            printf(" number grouped");
        if (c->yyyymmdd)
            printf(" yyyymmdd");
        if (c->json)
            printf(" json %s", c->json == NS_CJSON_OBJECT ? "object" : "array");
        if (c->nullable)
            printf(" nullable");
        if (c->mismatches)
            printf(" %llu mismatches (e.g. '%s')", (unsigned long long)c->mismatches,
                   c->mismatch_example ? c->mismatch_example : "");
        if (c->source_name)
            printf(" (%s)", c->source_name);
        printf("\n");
    }
    if (job) {
        s_print_keys("sort key", t->sort_key, t->nsort);
        s_print_keys("dist key", t->dist_key, t->ndist);
    }
    if (t->npkeys) {
        printf("partition keys\n");
        for (int i = 0; i < t->npkeys; i++) {
            const ns_catalog_pkey_t *k = &t->pkeys[i];
            char wt[32];
            ns_catalog_warehouse_type(&k->type, wt, sizeof wt);
            printf("  %-24s %-14s", k->name, wt);
            if (!job) {
                printf(" %llu value%s", (unsigned long long)k->distinct,
                       k->distinct == 1 ? "" : "s");
                for (int v = 0; v < k->nvalues && v < 8; v++)
                    printf("%s%s", v ? ", " : ": ", k->values[v]);
                if ((uint64_t)k->nvalues < k->distinct || k->nvalues > 8)
                    printf(", ...");
            }
            printf("\n");
        }
    }
    printf("partitions %d\n", t->nparts);
    int from = t->nparts > S_SHOW_PARTS ? t->nparts - S_SHOW_PARTS : 0;
    if (from)
        printf("  (%d earlier partitions not shown; --json lists them)\n", from);
    for (int i = from; i < t->nparts; i++) {
        const ns_catalog_part_t *p = &t->parts[i];
        char vals[512], hb[32];
        s_print_values(p, vals, sizeof vals);
        if (job) {
            s_human((double)p->stored, hb, sizeof hb);
            printf("  %-24s %llu rows in %d files, %s stored, job %s, committed %s\n", vals,
                   (unsigned long long)p->rows, p->nfiles, hb, p->job ? p->job : "", p->committed);
            printf("  %-24s manifest %s\n", "", p->manifest ? p->manifest : "");
        } else {
            s_human((double)p->bytes, hb, sizeof hb);
            printf("  %-24s %llu object%s, %s\n", vals, (unsigned long long)p->objects,
                   p->objects == 1 ? "" : "s", hb);
        }
    }
    if (!strcmp(t->kind, "crawled")) {
        const ns_catalog_crawlinfo_t *c = &t->crawl;
        char hb[32], sb[32];
        s_human((double)c->bytes, hb, sizeof hb);
        s_human((double)c->sample_bytes, sb, sizeof sb);
        printf("crawl      %s at %s: %llu object%s, %s (%llu skipped, %llu empty)\n",
               c->prefix ? c->prefix : "", c->crawled, (unsigned long long)c->objects,
               c->objects == 1 ? "" : "s", hb, (unsigned long long)c->skipped,
               (unsigned long long)c->empty);
        printf("sampled    %d object%s, up to %s each: %llu records used, %llu bad\n", c->nsampled,
               c->nsampled == 1 ? "" : "s", sb, (unsigned long long)c->records,
               (unsigned long long)c->bad_records);
        for (int i = 0; i < c->nsampled; i++)
            printf("  %s\n", c->sampled[i]);
        if (c->partitions_truncated)
            printf("           (more than %d partitions: the first are listed)\n",
                   NS_CATALOG_MAX_CRAWL_PARTS);
        for (int i = 0; i < c->nwarnings; i++)
            printf("warning    %s\n", c->warnings[i]);
    }
}

/* ------------------------------------------------------------- list */

typedef struct {
    bool json;
    int n, unreadable;
} s_list_t;

static int s_list_fn(const char *name, const ns_catalog_table_t *t, const char *why, void *arg)
{
    s_list_t *l = arg;
    ns_buf_t b;
    ns_buf_init(&b, 1 << 20);
    if (!t)
        l->unreadable++;
    if (l->json) {
        ns_buf_appendf(&b, "%s\n  {\"name\": ", l->n ? "," : "");
        ns_buf_append_json(&b, name, strlen(name));
        if (t) {
            ns_buf_appendf(&b, ", \"kind\": ");
            ns_buf_append_json(&b, t->kind, strlen(t->kind));
            ns_buf_appendf(&b,
                           ", \"columns\": %d, \"partitions\": %d, \"version\": %lld, "
                           "\"schema_version\": %lld, \"updated\": ",
                           t->ncols, t->nparts, (long long)t->version,
                           (long long)t->schema_version);
            ns_buf_append_json(&b, t->updated, strlen(t->updated));
            ns_buf_appendf(&b, ", \"location\": ");
            const char *loc = t->location ? t->location : "";
            ns_buf_append_json(&b, loc, strlen(loc));
        } else {
            ns_buf_appendf(&b, ", \"error\": ");
            ns_buf_append_json(&b, why, strlen(why));
        }
        ns_buf_appendf(&b, "}");
        fputs(b.data ? b.data : "", stdout);
    } else if (t) {
        printf("%-32s %-8s %7d %10d %7lld  %s\n", name, t->kind, t->ncols, t->nparts,
               (long long)t->version, t->updated);
    } else {
        printf("%-32s %-8s %7s %10s %7s  %s\n", name, "?", "?", "?", "?", "?");
        fprintf(stderr, "nightshift: catalog: %s\n", why);
    }
    ns_buf_free(&b);
    l->n++;
    return 0;
}

static int s_list(s_opts_t *o)
{
    s_list_t l = {.json = o->json};
    ns_err_t err;
    if (o->json) {
        printf("{\"catalog\": ");
        ns_buf_t b;
        ns_buf_init(&b, NS_URI_MAX * 7);
        ns_buf_append_json(&b, o->catalog, strlen(o->catalog));
        printf("%s, \"tables\": [", b.data ? b.data : "\"\"");
        ns_buf_free(&b);
    } else {
        printf("%-32s %-8s %7s %10s %7s  %s\n", "TABLE", "KIND", "COLUMNS", "PARTITIONS", "VERSION",
               "UPDATED");
    }
    long n = ns_catalog_list(o->catalog, s_list_fn, &l, &err);
    if (o->json)
        printf("%s]}\n", l.n ? "\n" : "");
    if (n < 0) {
        fprintf(stderr, "nightshift: catalog: %s\n", err.msg);
        return NS_EXIT_ERROR;
    }
    return l.unreadable ? NS_EXIT_ERROR : 0;
}

/* ------------------------------------------------------------- show */

static int s_show(s_opts_t *o, const char *name)
{
    ns_catalog_table_t *t = NULL;
    char *raw = NULL;
    size_t rawlen = 0;
    ns_err_t err;
    int g = ns_catalog_get(o->catalog, name, &t, &raw, &rawlen, &err);
    if (g == 1) {
        fprintf(stderr, "nightshift: catalog: no table '%s' in '%s'\n", name, o->catalog);
        return NS_EXIT_FAILED;
    }
    if (g < 0) {
        fprintf(stderr, "nightshift: catalog: %s\n", err.msg);
        return ns_catalog_valid_name(name) ? NS_EXIT_ERROR : NS_EXIT_USAGE;
    }
    if (o->json)
        fwrite(raw, 1, rawlen, stdout);
    else
        s_print_table(t);
    free(raw);
    ns_catalog_table_destroy(&t);
    return fflush(stdout) ? NS_EXIT_ERROR : 0;
}

/* ------------------------------------------------------------ crawl */

static bool s_same_columns(const ns_catalog_table_t *a, const ns_catalog_table_t *b)
{
    if (a->ncols != b->ncols)
        return false;
    for (int i = 0; i < a->ncols; i++)
        if (strcmp(a->cols[i].name, b->cols[i].name) ||
            a->cols[i].type.type != b->cols[i].type.type ||
            a->cols[i].type.scale != b->cols[i].type.scale)
            return false;
    return true;
}

static int s_crawl(s_opts_t *o, const char *prefix)
{
    ns_crawl_opts_t co = {.prefix = prefix,
                          .name = o->name,
                          .sample_bytes = o->sample_bytes,
                          .edi_fields = ns_edi_field_names,
                          .nedi_fields = NS_EDI_NFIELDS};
    ns_catalog_table_t *t = NULL, *old = NULL;
    ns_err_t err;
    int rc = ns_catalog_crawl(&co, &t, &err);
    if (rc) {
        fprintf(stderr, "nightshift: catalog: %s\n", err.msg);
        return rc == 1 ? NS_EXIT_FAILED : NS_EXIT_ERROR;
    }
    int exit_code = 0;
    if (!o->dry_run) {
        int g = ns_catalog_get(o->catalog, t->name, &old, NULL, NULL, &err);
        if (g < 0) {
            fprintf(stderr, "nightshift: catalog: %s\n", err.msg);
            exit_code = NS_EXIT_ERROR;
            goto out;
        }
        if (old && strcmp(old->kind, "crawled")) {
            fprintf(stderr,
                    "nightshift: catalog: table '%s' is registered by %s '%s'; crawl it under "
                    "another --name\n",
                    t->name, !strcmp(old->kind, "job") ? "job" : "kind",
                    old->job ? old->job : old->kind);
            exit_code = NS_EXIT_FAILED;
            goto out;
        }
        if (old) {
            /* a new version of the crawled table: history and other tools' keys stay */
            t->version = old->version + 1;
            t->schema_version = old->schema_version + (s_same_columns(old, t) ? 0 : 1);
            if (old->created[0])
                snprintf(t->created, sizeof t->created, "%s", old->created);
            t->extra = old->extra;
            t->nextra = old->nextra;
            old->extra = NULL;
            old->nextra = 0;
        }
        if (ns_catalog_put(o->catalog, t, &err)) {
            fprintf(stderr, "nightshift: catalog: %s\n", err.msg);
            exit_code = NS_EXIT_ERROR;
            goto out;
        }
    }
    if (o->json) {
        ns_buf_t b;
        ns_buf_init(&b, NS_CATALOG_DOC_MAX);
        if (ns_catalog_to_json(t, &b, &err)) {
            fprintf(stderr, "nightshift: catalog: %s\n", err.msg);
            exit_code = NS_EXIT_ERROR;
        } else {
            fwrite(b.data, 1, b.len, stdout);
        }
        ns_buf_free(&b);
    } else {
        s_print_table(t);
        if (!o->dry_run) {
            char uri[NS_URI_MAX];
            if (!ns_catalog_doc_uri(o->catalog, t->name, uri, &err))
                printf("written    %s\n", uri);
        }
    }
out:
    ns_catalog_table_destroy(&t);
    ns_catalog_table_destroy(&old);
    return exit_code;
}

/* -------------------------------------------------------------- main */

int ns_cmd_catalog(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(s_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? NS_EXIT_USAGE : 0;
    }
    const char *sub = argv[1];
    static const struct option opts[] = {
        {"json", no_argument, 0, 'j'},
        {"catalog", required_argument, 0, 'c'},
        {"name", required_argument, 0, 'n'},
        {"sample-bytes", required_argument, 0, 's'},
        {"dry-run", no_argument, 0, 'd'},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    s_opts_t o = {0};
    bool crawl = !strcmp(sub, "crawl");
    optind = 1;
    int c;
    while ((c = getopt_long(argc - 1, argv + 1, "", opts, NULL)) != -1) {
        switch (c) {
        case 'j':
            o.json = true;
            break;
        case 'c':
            o.catalog_opt = optarg;
            break;
        case 'n':
            if (!crawl)
                goto usage;
            o.name = optarg;
            break;
        case 's':
            if (!crawl || ns_cli_size(optarg, &o.sample_bytes) || o.sample_bytes == 0 ||
                o.sample_bytes > NS_CRAWL_MAX_SAMPLE) {
                fprintf(stderr, "nightshift: catalog: bad --sample-bytes '%s' (1 .. 16MB)\n",
                        optarg);
                return NS_EXIT_USAGE;
            }
            break;
        case 'd':
            if (!crawl)
                goto usage;
            o.dry_run = true;
            break;
        case 'h':
            fputs(s_usage, stdout);
            return 0;
        default:
            goto usage;
        }
    }
    /* positional arguments after the subcommand */
    char **pos = argv + 1 + optind;
    int npos = argc - 1 - optind;
    ns_catalog_uri(o.catalog_opt, ns_cli_home(), o.catalog, sizeof o.catalog);
    if (!strcmp(o.catalog, "none")) {
        fprintf(stderr, "nightshift: catalog: the catalog is switched off (none)\n");
        return NS_EXIT_USAGE;
    }
    if (o.name && !ns_catalog_valid_name(o.name)) {
        fprintf(stderr,
                "nightshift: catalog: bad table name '%s': letters, digits and '_', at "
                "most one '.', not starting with a digit\n",
                o.name);
        return NS_EXIT_USAGE;
    }
    if (!strcmp(sub, "list") && npos == 0)
        return s_list(&o);
    if (!strcmp(sub, "show") && npos == 1)
        return s_show(&o, pos[0]);
    if (crawl && npos == 1)
        return s_crawl(&o, pos[0]);
    if (!strcmp(sub, "drop") && npos == 1 && !o.json) {
        ns_err_t err;
        int rc = ns_catalog_drop(o.catalog, pos[0], &err);
        if (rc == 1) {
            fprintf(stderr, "nightshift: catalog: no table '%s' in '%s'\n", pos[0], o.catalog);
            return NS_EXIT_FAILED;
        }
        if (rc) {
            fprintf(stderr, "nightshift: catalog: %s\n", err.msg);
            return ns_catalog_valid_name(pos[0]) ? NS_EXIT_ERROR : NS_EXIT_USAGE;
        }
        return 0;
    }
usage:
    fputs(s_usage, stderr);
    return NS_EXIT_USAGE;
}
