/*
 * ns_cli_store: `nightshift store`, the object store from the command line,
 * for any URI nightshift reads or writes (file://, /abs, s3://), with the
 * same settings, retries and credentials as the jobs:
 *   store ls PREFIX        objects under PREFIX: size, etag, URI (--json)
 *   store cat URI...       object bytes to stdout
 *   store put URI [FILE]   FILE (default stdin) to URI, committed at the end
 *   store rm URI...        delete (batched on S3)
 */
#include "ns_cli.h"
#include "ns_buf.h"
#include "ns_redact.h"
#include "ns_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char s_usage[] =
    "usage: nightshift store ls [--json] PREFIX | cat URI... | put URI [FILE] | rm URI...\n"
    "Lists, reads, writes and deletes objects (file://, /abs/path or s3://), with the\n"
    "S3 settings of the environment (docs/STORAGE.md).\n";

/* A store error on stderr, with anything that looks like a secret masked
 * (the S3 backend never puts one there; this is the second line). */
static void s_fail(const ns_err_t *err)
{
    char msg[NS_ERR_MAX];
    fprintf(stderr, "nightshift: store: %s\n", ns_redact_text(err->msg, msg, sizeof msg));
}

typedef struct {
    bool json;
    long n;
} s_ls_t;

static int s_ls_fn(const ns_object_t *o, void *arg)
{
    s_ls_t *l = arg;
    if (l->json) {
        ns_buf_t b;
        ns_buf_init(&b, NS_URI_MAX * 6 + 256);
        ns_buf_appendf(&b, "{\"uri\":");
        ns_buf_append_json(&b, o->uri, strlen(o->uri));
        ns_buf_appendf(&b, ",\"size\":%llu,\"etag\":", (unsigned long long)o->size);
        ns_buf_append_json(&b, o->etag, strlen(o->etag));
        ns_buf_appendf(&b, "}");
        printf("%s%s", l->n ? ",\n" : "[", b.data ? b.data : "");
        ns_buf_free(&b);
    } else {
        printf("%12llu  %s  %s\n", (unsigned long long)o->size, o->etag, o->uri);
    }
    l->n++;
    return 0;
}

static int s_cat(const char *uri)
{
    ns_err_t err;
    ns_reader_t *r = ns_store_open_read(uri, 0, UINT64_MAX, NS_READ_AHEAD, &err);
    if (!r) {
        s_fail(&err);
        return NS_EXIT_ERROR;
    }
    static char buf[1 << 20];
    ssize_t n;
    while ((n = ns_reader_read(r, buf, sizeof buf, &err)) > 0) {
        if (fwrite(buf, 1, (size_t)n, stdout) != (size_t)n) {
            ns_reader_close(&r);
            fprintf(stderr, "nightshift: store: cannot write to stdout\n");
            return NS_EXIT_ERROR;
        }
    }
    ns_reader_close(&r);
    if (n < 0) {
        s_fail(&err);
        return NS_EXIT_ERROR;
    }
    return 0;
}

static int s_put(const char *uri, const char *path)
{
    FILE *f = path ? fopen(path, "rb") : stdin;
    if (!f) {
        fprintf(stderr, "nightshift: store: cannot open '%s'\n", path);
        return NS_EXIT_ERROR;
    }
    ns_err_t err;
    ns_writer_t *w = ns_store_open_write(uri, &err);
    int rc = 0;
    static char buf[1 << 20];
    size_t n;
    while (w && (n = fread(buf, 1, sizeof buf, f)) > 0)
        if (ns_writer_write(w, buf, n, &err))
            rc = -1;
    if (w && ferror(f)) {
        snprintf(err.msg, sizeof err.msg, "cannot read '%s'", path ? path : "stdin");
        rc = -1;
    }
    if (f != stdin)
        fclose(f);
    if (!w || rc) {
        ns_writer_abort(&w);
        s_fail(&err);
        return NS_EXIT_ERROR;
    }
    if (ns_writer_commit(&w, &err)) {
        s_fail(&err);
        return NS_EXIT_ERROR;
    }
    return 0;
}

int ns_cmd_store(int argc, char **argv)
{
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        fputs(s_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? NS_EXIT_USAGE : 0;
    }
    const char *sub = argv[1];
    ns_err_t err;
    if (!strcmp(sub, "ls")) {
        s_ls_t l = {0};
        int i = 2;
        if (i < argc && !strcmp(argv[i], "--json")) {
            l.json = true;
            i++;
        }
        if (i != argc - 1) {
            fputs(s_usage, stderr);
            return NS_EXIT_USAGE;
        }
        long n = ns_store_list(argv[i], s_ls_fn, &l, &err);
        if (l.json)
            printf("%s\n", l.n ? "]" : "[]");
        if (n < 0) {
            s_fail(&err);
            return NS_EXIT_ERROR;
        }
        return 0;
    }
    if (!strcmp(sub, "cat") && argc >= 3) {
        for (int i = 2; i < argc; i++) {
            int rc = s_cat(argv[i]);
            if (rc)
                return rc;
        }
        return fflush(stdout) ? NS_EXIT_ERROR : 0;
    }
    if (!strcmp(sub, "put") && (argc == 3 || argc == 4))
        return s_put(argv[2], argc == 4 ? argv[3] : NULL);
    if (!strcmp(sub, "rm") && argc >= 3) {
        long failed = ns_store_delete_many(argv + 2, argc - 2, &err);
        if (failed) {
            char msg[NS_ERR_MAX];
            fprintf(stderr, "nightshift: store: %ld not deleted: %s\n", failed,
                    ns_redact_text(err.msg, msg, sizeof msg));
            return NS_EXIT_ERROR;
        }
        return 0;
    }
    fputs(s_usage, stderr);
    return NS_EXIT_USAGE;
}
