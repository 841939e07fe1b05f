/*
 * test_catalog: the data catalog (common/ns_catalog*.c, docs/CATALOG.md):
 * the bounded JSON reader, names and types, a table document's write/read
 * round trip through the store, registration of job runs (a rerun of a day
 * replaces its partition, schema changes count, other tools' keys survive,
 * unreadable documents are left alone), listing and dropping, and crawl
 * inference on the hand-written samples of tests/data/catalog/ (pipe with
 * header and key=value partitions, headerless CSV with YYYYMMDD dates, a
 * UTF-16LE portal export with preamble and money, JSON lines, concatenated
 * JSON, a report with a Total footer, padded LAUS) and on in-memory text.
 */
#include "ns_catalog.h"
#include "ns_job.h"
#include "ns_store.h"
#include "ns_test_util.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ------------------------------------------------------------ helpers */

static char s_root[256];
static char s_cat[NS_URI_MAX];

static int s_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void s_setup(void)
{
    snprintf(s_root, sizeof s_root, "/tmp/ns_test_catalog.XXXXXX");
    cr_assert_not_null(mkdtemp(s_root));
    snprintf(s_cat, sizeof s_cat, "file://%s/catalog", s_root);
}

static void s_teardown(void)
{
    nftw(s_root, s_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

TestSuite(catalog, .init = s_setup, .fini = s_teardown);

/* tests/data/catalog/<sub>/ of the source tree (ns_test_srcdir), a file:// URI. */
static void s_data(char *out, size_t cap, const char *sub)
{
    char src[1024];
    ns_test_srcdir(src, sizeof src);
    cr_assert(src[0] == '/', "cannot find the source tree as an absolute path (set NS_SRC)");
    snprintf(out, cap, "file://%stests/data/catalog/%s/", src, sub);
}

#define JOB_TEXT(table, outuri, extra_col)                                                         \
    "name: pos_test\n"                                                                             \
    "input:\n"                                                                                     \
    "  uri: /raw/\n"                                                                               \
    "  columns:\n"                                                                                 \
    "    - {name: store_id, type: string}\n"                                                       \
    "    - {name: business_date, type: date}\n"                                                    \
    "    - {name: qty, type: int}\n"                                                               \
    "    - {name: amount, type: \"decimal(12,2)\"}\n"                                              \
    "    - {name: ts, type: timestamp}\n"                                                          \
    "    - {name: flag, type: bool}\n"                                                             \
    "transform:\n"                                                                                 \
    "  - {name: business_date, from: business_date}\n"                                             \
    "  - {name: store_id, from: store_id}\n"                                                       \
    "  - {name: quantity, from: qty}\n"                                                            \
    "  - {name: net_amount, type: \"decimal(14,2)\", from: amount}\n"                              \
    "  - {name: sold_at, from: ts}\n"                                                              \
    "  - {name: voided, from: flag}\n" extra_col "output:\n"                                       \
    "  uri: \"" outuri "\"\n"                                                                      \
    "  table: " table "\n"                                                                         \
    "  sort_key: [business_date, store_id]\n"                                                      \
    "  distribution_key: [store_id]\n"

static ns_job_t *s_job(const char *text, const char *date)
{
    ns_var_t vars[] = {{"out", "file:///wh"}, {"date", date}};
    ns_err_t err;
    ns_err_clear(&err);
    ns_job_t *j = ns_job_parse(text, strlen(text), "t.yaml", vars, 2, &err);
    cr_assert(j, "job parse failed: %s", err.msg);
    return j;
}

/* A run of job j for date with nfiles load files named after tag. */
static void s_run(ns_catalog_run_t *run, ns_catalog_file_t *files, char (*uris)[NS_URI_MAX],
                  const ns_job_t *j, const char *date, const char *tag, int nfiles)
{
    static char id[64], prefix[NS_URI_MAX / 2], manifest[NS_URI_MAX];
    snprintf(id, sizeof id, "pos_test-%.4s%.2s%.2s-%s", date, date + 5, date + 8, tag);
    snprintf(prefix, sizeof prefix, "%.900s%s/", j->output_uri, id);
    snprintf(manifest, sizeof manifest, "%smanifest", prefix);
    for (int i = 0; i < nfiles; i++) {
        snprintf(uris[i], NS_URI_MAX, "%sload/part-%04d-0000-a0.psv.zst", prefix, i);
        files[i] = (ns_catalog_file_t){uris[i], 100u + (uint64_t)i, 1000u + (uint64_t)i,
                                       300u + (uint64_t)i};
    }
    *run = (ns_catalog_run_t){.job = j,
                              .job_id = id,
                              .date = date,
                              .prefix = prefix,
                              .manifest = manifest,
                              .files = files,
                              .nfiles = nfiles,
                              .committed = 1795000000.0};
}

static const ns_catalog_col_t *s_col(const ns_catalog_table_t *t, const char *name)
{
    for (int i = 0; i < t->ncols; i++)
        if (!strcmp(t->cols[i].name, name))
            return &t->cols[i];
    cr_assert_fail("no column '%s' in table '%s'", name, t->name);
    return NULL;
}

static void s_expect_type(const ns_catalog_table_t *t, const char *name, const char *wtype)
{
    char wt[32];
    const ns_catalog_col_t *c = s_col(t, name);
    ns_catalog_warehouse_type(&c->type, wt, sizeof wt);
    cr_expect_str_eq(wt, wtype, "column '%s' of '%s': %s, expected %s", name, t->name, wt, wtype);
}

static ns_catalog_table_t *s_crawl(const char *sub, const char *name)
{
    char prefix[NS_URI_MAX];
    s_data(prefix, sizeof prefix, sub);
    ns_crawl_opts_t o = {.prefix = prefix, .name = name};
    ns_catalog_table_t *t = NULL;
    ns_err_t err;
    ns_err_clear(&err);
    int rc = ns_catalog_crawl(&o, &t, &err);
    cr_assert_eq(rc, 0, "crawl of %s: %s", prefix, err.msg);
    cr_assert_not_null(t);
    return t;
}

static ns_catalog_table_t *s_infer(const char *text, size_t len, bool complete)
{
    ns_catalog_table_t *t = ns_catalog_table_new();
    cr_assert_not_null(t);
    snprintf(t->kind, sizeof t->kind, "crawled");
    ns_crawl_sample_t s = {"mem://sample", text, len, complete};
    ns_err_t err;
    cr_assert_eq(ns_catalog_infer(t, NULL, &s, 1, &err), 0, "%s", err.msg);
    return t;
}

/* ---------------------------------------------------------- JSON reader */

Test(catalog, json_reader)
{
    const char *text =
        " {\"a\": [1, -2.5e3, true, false, null], \"s\": \"x\\\"\\\\\\/\\n\\u00e9\\ud83c\\udf81\","
        " \"o\": {\"k\": {}}, \"e\": []} ";
    ns_err_t err;
    ns_cj_doc_t *d = ns_cj_parse(text, strlen(text), NULL, &err);
    cr_assert_not_null(d, "%s", err.msg);
    const ns_cj_t *r = ns_cj_root(d);
    cr_assert_eq(r->type, NS_CJ_OBJ);
    cr_expect_eq(r->n, 4);
    const ns_cj_t *a = ns_cj_get(r, "a");
    cr_assert_eq(a->type, NS_CJ_ARR);
    cr_expect_eq(a->n, 5);
    cr_expect_str_eq(a->kid->next->s, "-2.5e3");
    cr_expect_eq(a->kid->next->next->type, NS_CJ_BOOL);
    cr_expect(a->kid->next->next->b);
    const ns_cj_t *s = ns_cj_get(r, "s");
    cr_expect_str_eq(s->s, "x\"\\/\n\xc3\xa9\xf0\x9f\x8e\x81");
    cr_expect_eq(s->len, 11);
    cr_expect_null(ns_cj_get(r, "missing"));
    ns_buf_t b;
    ns_buf_init(&b, 1 << 20);
    cr_assert_eq(ns_cj_write(&b, r), 0);
    cr_expect_str_eq(
        b.data, "{\"a\":[1,-2.5e3,true,false,null],\"s\":\"x\\\"\\\\/\\n\xc3\xa9\xf0\x9f\x8e\x81\","
                "\"o\":{\"k\":{}},\"e\":[]}");
    ns_buf_free(&b);
    ns_cj_free(&d);
    cr_expect_null(d);

    /* concatenated values, one after the other */
    const char *cat = "{\"a\":1}{\"b\":2} {\"c\":3}";
    size_t off = 0, used;
    int n = 0;
    while (off < strlen(cat)) {
        d = ns_cj_parse(cat + off, strlen(cat) - off, &used, &err);
        cr_assert_not_null(d, "%s", err.msg);
        ns_cj_free(&d);
        off += used;
        n++;
    }
    cr_expect_eq(n, 3);

    /* errors say where */
    static const struct {
        const char *text, *frag;
    } bad[] = {
        {"{\"a\":1} x", "text after the value"},
        {"[01]", "expected ','"},
        {"\"abc", "unterminated string"},
        {"\"a\tb\"", "control character"},
        {"{\"a\" 1}", "expected ':'"},
        {"[1,]", "unexpected character"},
        {"{1:2}", "expected a key"},
        {"tru", "unexpected character"},
        {"\"\\q\"", "bad escape"},
        {"-", "bad number"},
        {"", "unexpected end"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ns_err_clear(&err);
        d = ns_cj_parse(bad[i].text, strlen(bad[i].text), NULL, &err);
        cr_expect_null(d, "'%s' parsed", bad[i].text);
        ns_cj_free(&d);
        cr_expect(strstr(err.msg, bad[i].frag) && strstr(err.msg, "bad JSON at byte"),
                  "'%s': expected '%s' in '%s'", bad[i].text, bad[i].frag, err.msg);
    }
    /* nesting is bounded: NS_CJ_MAX_DEPTH levels, not one more */
    char deep[200];
    memset(deep, '[', 100);
    memset(deep + 100, ']', 100);
    d = ns_cj_parse(deep, sizeof deep, NULL, &err);
    cr_expect_null(d);
    cr_expect_str_eq(err.msg, "bad JSON at byte 64: nesting exceeds max_json_depth (64 levels)");
    memset(deep, '[', NS_CJ_MAX_DEPTH);
    memset(deep + NS_CJ_MAX_DEPTH, ']', NS_CJ_MAX_DEPTH);
    d = ns_cj_parse(deep, 2 * NS_CJ_MAX_DEPTH, NULL, &err);
    cr_expect_not_null(d, "%s", err.msg);
    ns_cj_free(&d);
}

/* "[0,0,...,0]" with n zeros: n + 1 JSON values in all. */
static char *s_zeros(size_t n, size_t *len)
{
    char *t = malloc(2 * n + 2);
    cr_assert(t);
    t[0] = '[';
    for (size_t i = 0; i < n; i++) {
        t[1 + 2 * i] = '0';
        t[2 + 2 * i] = ',';
    }
    t[2 * n] = ']';
    t[2 * n + 1] = '\0';
    *len = 2 * n + 1;
    return t;
}

Test(catalog, json_reader_bounds_at_their_edges)
{
    ns_err_t err;
    size_t len;
    /* values: NS_CJ_MAX_NODES in all are read, one more is refused (without
     * the bound, 64 MiB of "0," made 33 million 64-byte nodes: 2 GiB) */
    char *t = s_zeros(NS_CJ_MAX_NODES - 1, &len);
    ns_cj_doc_t *d = ns_cj_parse(t, len, NULL, &err);
    cr_assert_not_null(d, "%s", err.msg);
    cr_expect_eq(ns_cj_root(d)->n, (int)NS_CJ_MAX_NODES - 1);
    ns_cj_free(&d);
    free(t);
    t = s_zeros(NS_CJ_MAX_NODES, &len);
    d = ns_cj_parse(t, len, NULL, &err);
    cr_expect_null(d);
    cr_expect_str_eq(err.msg, "bad JSON at byte 4194303: the document exceeds max_json_nodes "
                              "(2097152 values)");
    /* a catalog document says which one */
    ns_catalog_table_t *tab = ns_catalog_from_json(t, len, "file:///cat/tables/x.json", &err);
    cr_expect_null(tab);
    cr_expect(strstr(err.msg, "cannot read 'file:///cat/tables/x.json': bad JSON at byte 4194303: "
                              "the document exceeds max_json_nodes (2097152 values)"),
              "%s", err.msg);
    free(t);
    /* an object's members count as values too */
    char obj[64];
    snprintf(obj, sizeof obj, "{\"a\": [1, {\"b\": null}], \"c\": \"x\"}");
    d = ns_cj_parse(obj, strlen(obj), NULL, &err);
    cr_assert_not_null(d, "%s", err.msg);
    ns_cj_free(&d);

    /* bytes: NS_CJ_MAX_BYTES are read, one more is refused before it is looked at */
    t = malloc((size_t)NS_CJ_MAX_BYTES + 1);
    cr_assert(t);
    memset(t, ' ', (size_t)NS_CJ_MAX_BYTES + 1);
    t[NS_CJ_MAX_BYTES - 1] = '0';
    d = ns_cj_parse(t, NS_CJ_MAX_BYTES, NULL, &err);
    cr_expect_not_null(d, "%s", err.msg);
    ns_cj_free(&d);
    d = ns_cj_parse(t, (size_t)NS_CJ_MAX_BYTES + 1, NULL, &err);
    cr_expect_null(d);
    cr_expect_str_eq(err.msg, "JSON text of 67108865 bytes exceeds max_json_bytes (67108864 bytes)");
    /* concatenated values (the crawl's samples) read no value past it */
    size_t used = 0;
    d = ns_cj_parse(t, (size_t)NS_CJ_MAX_BYTES + 1, &used, &err);
    cr_expect_not_null(d, "%s", err.msg);
    cr_expect_eq(used, (size_t)NS_CJ_MAX_BYTES);
    ns_cj_free(&d);
    free(t);
}

/* ------------------------------------------------------- names, types */

Test(catalog, names_and_types)
{
    cr_expect(ns_catalog_valid_name("sales_retail"));
    cr_expect(ns_catalog_valid_name("staging.pos_raw"));
    cr_expect(ns_catalog_valid_name("_x1"));
    cr_expect_not(ns_catalog_valid_name(""));
    cr_expect_not(ns_catalog_valid_name("1abc"));
    cr_expect_not(ns_catalog_valid_name("a.b.c"));
    cr_expect_not(ns_catalog_valid_name(".a"));
    cr_expect_not(ns_catalog_valid_name("a."));
    cr_expect_not(ns_catalog_valid_name("../etc"));
    cr_expect_not(ns_catalog_valid_name("a/b"));
    cr_expect_not(ns_catalog_valid_name("a-b"));

    static const struct {
        const char *in, *out;
    } names[] = {
        {"Store Nbr", "store_nbr"},
        {"POS Sales", "pos_sales"},
        {"messageId", "message_id"},
        {"Ad ID", "ad_id"},
        {"2026", "col_2026"},
        {"  --  ", "col"},
        {"UPC", "upc"},
        {"Größe", "gr_e"},
        {"series_id   ", "series_id"},
        {"list_price_usd", "list_price_usd"},
    };
    for (size_t i = 0; i < sizeof names / sizeof *names; i++) {
        char out[NS_CATALOG_COL_MAX];
        ns_catalog_safe_name(names[i].in, strlen(names[i].in), out);
        cr_expect_str_eq(out, names[i].out, "'%s'", names[i].in);
    }
    char longname[300], out[NS_CATALOG_COL_MAX];
    memset(longname, 'a', sizeof longname);
    ns_catalog_safe_name(longname, sizeof longname, out);
    cr_expect_eq(strlen(out), NS_CATALOG_COL_MAX - 1);

    static const struct {
        ns_coltype_t t;
        const char *w;
    } types[] = {
        {{NS_T_STRING, 0}, "VARCHAR"},        {{NS_T_INT, 0}, "BIGINT"},
        {{NS_T_DECIMAL, 2}, "DECIMAL(18,2)"}, {{NS_T_DATE, 0}, "DATE"},
        {{NS_T_TIMESTAMP, 0}, "TIMESTAMP"},   {{NS_T_BOOL, 0}, "BOOLEAN"},
    };
    for (size_t i = 0; i < sizeof types / sizeof *types; i++) {
        char wt[32];
        ns_catalog_warehouse_type(&types[i].t, wt, sizeof wt);
        cr_expect_str_eq(wt, types[i].w);
    }

    char uri[NS_URI_MAX];
    ns_err_t err;
    cr_expect_eq(ns_catalog_doc_uri("s3://acme-cat/catalog", "sales_retail", uri, &err), 0);
    cr_expect_str_eq(uri, "s3://acme-cat/catalog/tables/sales_retail.json");
    cr_expect_eq(ns_catalog_doc_uri("file:///c/", "a.b", uri, &err), 0);
    cr_expect_str_eq(uri, "file:///c/tables/a.b.json");
    cr_expect_eq(ns_catalog_doc_uri("file:///c", "../x", uri, &err), -1);
    cr_expect(strstr(err.msg, "bad table name '../x'"), "%s", err.msg);

    /* the catalog's location: option, environment, home */
    unsetenv("NIGHTSHIFT_CATALOG");
    ns_catalog_uri(NULL, "/var/lib/ns", uri, sizeof uri);
    cr_expect_str_eq(uri, "file:///var/lib/ns/catalog");
    setenv("NIGHTSHIFT_CATALOG", "s3://env-cat/c", 1);
    ns_catalog_uri(NULL, "/var/lib/ns", uri, sizeof uri);
    cr_expect_str_eq(uri, "s3://env-cat/c");
    ns_catalog_uri("file:///opt/c", "/var/lib/ns", uri, sizeof uri);
    cr_expect_str_eq(uri, "file:///opt/c");
    unsetenv("NIGHTSHIFT_CATALOG");
    ns_catalog_uri(NULL, "rel/home", uri, sizeof uri);
    cr_expect(!strncmp(uri, "file:///", 8) && strstr(uri, "/rel/home/catalog"), "%s", uri);
}

/* ------------------------------------------------- documents, register */

Test(catalog, register_round_trip)
{
    ns_job_t *j = s_job(JOB_TEXT("sales_retail", "{out}/retail_pos/dt={date}/", ""), "2026-11-24");
    ns_catalog_file_t files[4];
    char uris[4][NS_URI_MAX];
    ns_catalog_run_t run;
    s_run(&run, files, uris, j, "2026-11-24", "aa11", 4);
    ns_err_t err;
    cr_assert_eq(ns_catalog_register(s_cat, &run, &err), 0, "%s", err.msg);

    /* the document is where docs/CATALOG.md says */
    char path[512];
    snprintf(path, sizeof path, "%s/catalog/tables/sales_retail.json", s_root);
    cr_assert_eq(access(path, R_OK), 0, "no document at %s", path);

    ns_catalog_table_t *t = NULL;
    char *raw = NULL;
    size_t rawlen = 0;
    cr_assert_eq(ns_catalog_get(s_cat, "sales_retail", &t, &raw, &rawlen, &err), 0, "%s", err.msg);
    cr_expect_str_eq(t->name, "sales_retail");
    cr_expect_str_eq(t->kind, "job");
    cr_expect_eq(t->version, 1);
    cr_expect_eq(t->schema_version, 1);
    cr_expect_str_eq(t->location, "file:///wh/retail_pos/");
    cr_expect_str_eq(t->job, "pos_test");
    cr_expect_str_eq(t->storage.format, "delimited");
    cr_expect_eq(t->storage.delimiter, '|');
    cr_expect_eq(t->storage.quote, -1);
    cr_expect_eq(t->storage.escape, '\\');
    cr_expect_str_eq(t->storage.null_text, "\\N");
    cr_expect_str_eq(t->storage.compression, "zstd");
    cr_expect_not(t->storage.header);
    cr_expect(t->storage.manifest);
    cr_assert_eq(t->ncols, 6);
    const char *names[] = {"business_date", "store_id", "quantity",
                           "net_amount",    "sold_at",  "voided"};
    const char *wtypes[] = {"DATE", "VARCHAR", "BIGINT", "DECIMAL(18,2)", "TIMESTAMP", "BOOLEAN"};
    for (int i = 0; i < 6; i++) {
        cr_expect_str_eq(t->cols[i].name, names[i]);
        s_expect_type(t, names[i], wtypes[i]);
    }
    cr_expect(strstr(raw, "\"nightshift_type\": \"decimal(18,2)\""), "%s", raw);
    cr_assert_eq(t->nsort, 2);
    cr_expect_str_eq(t->sort_key[0], "business_date");
    cr_expect_str_eq(t->sort_key[1], "store_id");
    cr_assert_eq(t->ndist, 1);
    cr_expect_str_eq(t->dist_key[0], "store_id");
    cr_assert_eq(t->npkeys, 1);
    cr_expect_str_eq(t->pkeys[0].name, "dt");
    cr_expect_eq(t->pkeys[0].type.type, NS_T_DATE);
    cr_assert_eq(t->nparts, 1);
    const ns_catalog_part_t *p = &t->parts[0];
    cr_assert_eq(p->nvalues, 1);
    cr_expect_str_eq(p->keys[0], "dt");
    cr_expect_str_eq(p->values[0], "2026-11-24");
    cr_expect_str_eq(p->location, "file:///wh/retail_pos/dt=2026-11-24/pos_test-20261124-aa11/");
    cr_expect_str_eq(p->manifest,
                     "file:///wh/retail_pos/dt=2026-11-24/pos_test-20261124-aa11/manifest");
    cr_expect_str_eq(p->job, "pos_test-20261124-aa11");
    cr_expect_str_eq(p->committed, "2026-11-18T11:06:40Z");
    cr_expect_eq(p->schema_version, 1);
    cr_assert_eq(p->nfiles, 4);
    cr_expect_eq(p->rows, 100 + 101 + 102 + 103);
    cr_expect_eq(p->bytes, 1000 + 1001 + 1002 + 1003);
    cr_expect_eq(p->stored, 300 + 301 + 302 + 303);
    cr_expect_str_eq(p->files[3].uri, uris[3]);
    cr_expect_eq(p->files[3].rows, 103);
    cr_expect_eq(p->files[3].stored, 303);
    cr_expect(t->created[0] && !strcmp(t->created, t->updated));

    /* write it again unchanged: the same bytes (a stable form) */
    ns_buf_t b;
    ns_buf_init(&b, NS_CATALOG_DOC_MAX);
    cr_assert_eq(ns_catalog_to_json(t, &b, &err), 0);
    cr_expect_eq(b.len, rawlen);
    cr_expect(b.len == rawlen && !memcmp(b.data, raw, rawlen), "rewrite differs:\n%s\n---\n%s",
              b.data, raw);
    ns_buf_free(&b);
    free(raw);
    ns_catalog_table_destroy(&t);
    cr_expect_null(t);
    ns_job_destroy(&j);
}

Test(catalog, rerun_replaces_partition)
{
    ns_job_t *j24 =
        s_job(JOB_TEXT("sales_retail", "{out}/retail_pos/dt={date}/", ""), "2026-11-24");
    ns_job_t *j25 =
        s_job(JOB_TEXT("sales_retail", "{out}/retail_pos/dt={date}/", ""), "2026-11-25");
    ns_job_t *j23 =
        s_job(JOB_TEXT("sales_retail", "{out}/retail_pos/dt={date}/", ""), "2026-11-23");
    ns_catalog_file_t files[4];
    char uris[4][NS_URI_MAX];
    ns_catalog_run_t run;
    ns_err_t err;
    s_run(&run, files, uris, j24, "2026-11-24", "aa11", 4);
    cr_assert_eq(ns_catalog_register(s_cat, &run, &err), 0, "%s", err.msg);
    s_run(&run, files, uris, j25, "2026-11-25", "bb22", 4);
    cr_assert_eq(ns_catalog_register(s_cat, &run, &err), 0, "%s", err.msg);
    s_run(&run, files, uris, j23, "2026-11-23", "cc33", 2);
    cr_assert_eq(ns_catalog_register(s_cat, &run, &err), 0, "%s", err.msg);
    /* the 24th again, by another job run with other files */
    s_run(&run, files, uris, j24, "2026-11-24", "dd44", 2);
    cr_assert_eq(ns_catalog_register(s_cat, &run, &err), 0, "%s", err.msg);

    ns_catalog_table_t *t = NULL;
    cr_assert_eq(ns_catalog_get(s_cat, "sales_retail", &t, NULL, NULL, &err), 0, "%s", err.msg);
    cr_expect_eq(t->version, 4);
    cr_expect_eq(t->schema_version, 1);
    cr_assert_eq(t->nparts, 3, "one partition per day, got %d", t->nparts);
    cr_expect_str_eq(t->parts[0].values[0], "2026-11-23");
    cr_expect_str_eq(t->parts[1].values[0], "2026-11-24");
    cr_expect_str_eq(t->parts[2].values[0], "2026-11-25");
    cr_expect_str_eq(t->parts[1].job, "pos_test-20261124-dd44");
    cr_expect_eq(t->parts[1].nfiles, 2);
    cr_expect(strstr(t->parts[1].manifest, "dd44/manifest"), "%s", t->parts[1].manifest);
    cr_expect_str_eq(t->parts[0].job, "pos_test-20261123-cc33");
    cr_expect_str_eq(t->parts[2].job, "pos_test-20261125-bb22");
    ns_catalog_table_destroy(&t);

    /* another column: the schema version goes up, old partitions keep theirs */
    ns_job_t *jx = s_job(JOB_TEXT("sales_retail", "{out}/retail_pos/dt={date}/",
                                  "  - {name: channel, type: string, fn: const, value: retail}\n"),
                         "2026-11-26");
    s_run(&run, files, uris, jx, "2026-11-26", "ee55", 1);
    cr_assert_eq(ns_catalog_register(s_cat, &run, &err), 0, "%s", err.msg);
    cr_assert_eq(ns_catalog_get(s_cat, "sales_retail", &t, NULL, NULL, &err), 0, "%s", err.msg);
    cr_expect_eq(t->version, 5);
    cr_expect_eq(t->schema_version, 2);
    cr_expect_eq(t->ncols, 7);
    cr_assert_eq(t->nparts, 4);
    cr_expect_eq(t->parts[0].schema_version, 1);
    cr_expect_eq(t->parts[3].schema_version, 2);
    ns_catalog_table_destroy(&t);

    /* an output.uri without key=value parts: the run date is partition dt */
    ns_job_t *jn = s_job(JOB_TEXT("flat", "{out}/flat/", ""), "2026-11-24");
    s_run(&run, files, uris, jn, "2026-11-24", "ff66", 1);
    cr_assert_eq(ns_catalog_register(s_cat, &run, &err), 0, "%s", err.msg);
    cr_assert_eq(ns_catalog_get(s_cat, "flat", &t, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(t->nparts, 1);
    cr_expect_str_eq(t->parts[0].keys[0], "dt");
    cr_expect_str_eq(t->parts[0].values[0], "2026-11-24");
    cr_expect_str_eq(t->location, "file:///wh/flat/");
    ns_catalog_table_destroy(&t);

    /* several key=value parts, typed: region VARCHAR, hour BIGINT */
    ns_job_t *jm =
        s_job(JOB_TEXT("multi", "{out}/m/region=east/dt={date}/hour=7/", ""), "2026-11-24");
    s_run(&run, files, uris, jm, "2026-11-24", "gg77", 1);
    cr_assert_eq(ns_catalog_register(s_cat, &run, &err), 0, "%s", err.msg);
    cr_assert_eq(ns_catalog_get(s_cat, "multi", &t, NULL, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(t->npkeys, 3);
    cr_expect_str_eq(t->pkeys[0].name, "region");
    cr_expect_eq(t->pkeys[0].type.type, NS_T_STRING);
    cr_expect_eq(t->pkeys[1].type.type, NS_T_DATE);
    cr_expect_str_eq(t->pkeys[2].name, "hour");
    cr_expect_eq(t->pkeys[2].type.type, NS_T_INT);
    cr_expect_str_eq(t->location, "file:///wh/m/");
    ns_catalog_table_destroy(&t);

    ns_job_destroy(&j23);
    ns_job_destroy(&j24);
    ns_job_destroy(&j25);
    ns_job_destroy(&jx);
    ns_job_destroy(&jn);
    ns_job_destroy(&jm);
}

/* Reads the document of table name as text. */
static char *s_doc_text(const char *name)
{
    char uri[NS_URI_MAX];
    ns_err_t err;
    cr_assert_eq(ns_catalog_doc_uri(s_cat, name, uri, &err), 0);
    char *text;
    size_t len;
    cr_assert_eq(ns_store_get(uri, NS_CATALOG_DOC_MAX, &text, &len, &err), 0, "%s", err.msg);
    return text;
}

static void s_put_doc(const char *name, const char *text)
{
    char uri[NS_URI_MAX];
    ns_err_t err;
    cr_assert_eq(ns_catalog_doc_uri(s_cat, name, uri, &err), 0);
    cr_assert_eq(ns_store_put(uri, text, strlen(text), &err), 0, "%s", err.msg);
}

Test(catalog, other_tools_keys_survive)
{
    ns_job_t *j = s_job(JOB_TEXT("sales_retail", "{out}/retail_pos/dt={date}/", ""), "2026-11-24");
    ns_catalog_file_t files[2];
    char uris[2][NS_URI_MAX];
    ns_catalog_run_t run;
    ns_err_t err;
    s_run(&run, files, uris, j, "2026-11-24", "aa11", 2);
    cr_assert_eq(ns_catalog_register(s_cat, &run, &err), 0, "%s", err.msg);
    /* another tool adds its keys */
    char *text = s_doc_text("sales_retail");
    char *end = strrchr(text, '}');
    cr_assert_not_null(end);
    *end = '\0';
    char edited[1 << 16];
    snprintf(edited, sizeof edited,
             "%s, \"owner\": {\"team\": \"bi\", \"tags\": [\"pos\", 1, null]}, \"description\": "
             "\"daily sales \\u00e9\"}\n",
             text);
    free(text);
    s_put_doc("sales_retail", edited);
    s_run(&run, files, uris, j, "2026-11-24", "bb22", 2);
    cr_assert_eq(ns_catalog_register(s_cat, &run, &err), 0, "%s", err.msg);
    text = s_doc_text("sales_retail");
    cr_expect(strstr(text, "\"owner\": {\"team\":\"bi\",\"tags\":[\"pos\",1,null]}"), "%s", text);
    cr_expect(strstr(text, "\"description\": \"daily sales \xc3\xa9\""), "%s", text);
    cr_expect(strstr(text, "bb22") && !strstr(text, "aa11"), "%s", text);
    free(text);
    ns_job_destroy(&j);
}

Test(catalog, unreadable_documents_are_left_alone)
{
    ns_job_t *j = s_job(JOB_TEXT("sales_retail", "{out}/retail_pos/dt={date}/", ""), "2026-11-24");
    ns_catalog_file_t files[1];
    char uris[1][NS_URI_MAX];
    ns_catalog_run_t run;
    s_run(&run, files, uris, j, "2026-11-24", "aa11", 1);
    static const struct {
        const char *doc, *frag;
    } bad[] = {
        {"{\"format_version\": 2, \"name\": \"sales_retail\"}", "written by a newer nightshift"},
        {"{\"name\": \"sales_retail\"}", "not a catalog document"},
        {"{\"format_version\": 1, \"name\": \"other\"}", "names table 'other'"},
        {"{\"format_version\": 1, \"name\": \"sales_retail\", ", "bad JSON at byte"},
        {"[1, 2]", "not a catalog document"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        s_put_doc("sales_retail", bad[i].doc);
        ns_err_t err;
        ns_err_clear(&err);
        cr_expect_eq(ns_catalog_register(s_cat, &run, &err), -1, "%s", bad[i].doc);
        cr_expect(strstr(err.msg, bad[i].frag) &&
                      strstr(err.msg, "cannot register table 'sales_retail' in the catalog") &&
                      strstr(err.msg, "tables/sales_retail.json"),
                  "expected '%s' in '%s'", bad[i].frag, err.msg);
        char *text = s_doc_text("sales_retail");
        cr_expect_str_eq(text, bad[i].doc, "the document was changed");
        free(text);
        ns_catalog_table_t *t = NULL;
        cr_expect_eq(ns_catalog_get(s_cat, "sales_retail", &t, NULL, NULL, &err), -1);
        cr_expect_null(t);
    }
    /* a catalog that cannot be written: the error names it */
    char ro[NS_URI_MAX + 32];
    snprintf(ro, sizeof ro, "file://%s/file-not-dir", s_root);
    ns_err_t err;
    cr_assert_eq(ns_store_put(ro, "x", 1, &err), 0);
    cr_expect_eq(ns_catalog_register(ro, &run, &err), -1);
    cr_expect(strstr(err.msg, "file-not-dir"), "%s", err.msg);
    ns_job_destroy(&j);
}

typedef struct {
    char names[8][NS_CATALOG_NAME_MAX];
    char kinds[8][16];
    int n, bad;
} s_seen_t;

static int s_seen_fn(const char *name, const ns_catalog_table_t *t, const char *why, void *arg)
{
    s_seen_t *s = arg;
    if (s->n < 8) {
        snprintf(s->names[s->n], NS_CATALOG_NAME_MAX, "%s", name);
        snprintf(s->kinds[s->n], 16, "%s", t ? t->kind : "?");
    }
    s->bad += !t && why && *why;
    s->n++;
    return 0;
}

Test(catalog, list_and_drop)
{
    s_seen_t seen = {0};
    ns_err_t err;
    cr_expect_eq(ns_catalog_list(s_cat, s_seen_fn, &seen, &err), 0,
                 "an empty catalog lists nothing");
    ns_job_t *j = s_job(JOB_TEXT("sales_retail", "{out}/retail_pos/dt={date}/", ""), "2026-11-24");
    ns_job_t *k = s_job(JOB_TEXT("staging.pos", "{out}/staging/dt={date}/", ""), "2026-11-24");
    ns_catalog_file_t files[1];
    char uris[1][NS_URI_MAX];
    ns_catalog_run_t run;
    s_run(&run, files, uris, j, "2026-11-24", "aa11", 1);
    cr_assert_eq(ns_catalog_register(s_cat, &run, &err), 0, "%s", err.msg);
    s_run(&run, files, uris, k, "2026-11-24", "bb22", 1);
    cr_assert_eq(ns_catalog_register(s_cat, &run, &err), 0, "%s", err.msg);
    ns_catalog_table_t *c = s_crawl("laus", "laus_raw");
    cr_assert_eq(ns_catalog_put(s_cat, c, &err), 0, "%s", err.msg);
    ns_catalog_table_destroy(&c);
    s_put_doc("broken", "{not json");
    /* objects that are not table documents are ignored */
    char other[NS_URI_MAX + 32];
    snprintf(other, sizeof other, "%s/tables/README.txt", s_cat);
    cr_assert_eq(ns_store_put(other, "x", 1, &err), 0);
    snprintf(other, sizeof other, "%s/tables/sub/x.json", s_cat);
    cr_assert_eq(ns_store_put(other, "{}", 2, &err), 0);

    memset(&seen, 0, sizeof seen);
    cr_assert_eq(ns_catalog_list(s_cat, s_seen_fn, &seen, &err), 4, "%s", err.msg);
    cr_expect_str_eq(seen.names[0], "broken");
    cr_expect_str_eq(seen.names[1], "laus_raw");
    cr_expect_str_eq(seen.kinds[1], "crawled");
    cr_expect_str_eq(seen.names[2], "sales_retail");
    cr_expect_str_eq(seen.kinds[2], "job");
    cr_expect_str_eq(seen.names[3], "staging.pos");
    cr_expect_eq(seen.bad, 1);

    cr_expect_eq(ns_catalog_drop(s_cat, "staging.pos", &err), 0, "%s", err.msg);
    cr_expect_eq(ns_catalog_drop(s_cat, "staging.pos", &err), 1);
    ns_catalog_table_t *t = NULL;
    cr_expect_eq(ns_catalog_get(s_cat, "staging.pos", &t, NULL, NULL, &err), 1);
    cr_expect_eq(ns_catalog_get(s_cat, "never_was", &t, NULL, NULL, &err), 1);
    ns_job_destroy(&j);
    ns_job_destroy(&k);
}

Test(catalog, job_takes_over_crawled_table)
{
    ns_catalog_table_t *c = s_crawl("pipe_header", "sales_retail");
    ns_err_t err;
    cr_assert_eq(ns_catalog_put(s_cat, c, &err), 0, "%s", err.msg);
    ns_catalog_table_destroy(&c);
    ns_job_t *j = s_job(JOB_TEXT("sales_retail", "{out}/retail_pos/dt={date}/", ""), "2026-11-24");
    ns_catalog_file_t files[1];
    char uris[1][NS_URI_MAX];
    ns_catalog_run_t run;
    s_run(&run, files, uris, j, "2026-11-24", "aa11", 1);
    cr_assert_eq(ns_catalog_register(s_cat, &run, &err), 0, "%s", err.msg);
    ns_catalog_table_t *t = NULL;
    cr_assert_eq(ns_catalog_get(s_cat, "sales_retail", &t, NULL, NULL, &err), 0, "%s", err.msg);
    cr_expect_str_eq(t->kind, "job");
    cr_expect_eq(t->version, 2);
    cr_expect_eq(t->schema_version, 2);
    cr_expect_eq(t->nparts, 1, "the crawled partitions are dropped");
    cr_expect_eq(t->npkeys, 1);
    cr_expect_null(t->crawl.prefix);
    cr_expect_str_eq(t->storage.compression, "zstd");
    char *text = s_doc_text("sales_retail");
    cr_expect_null(strstr(text, "\"crawl\""), "%s", text);
    free(text);
    ns_catalog_table_destroy(&t);
    ns_job_destroy(&j);
}

/* -------------------------------------------------------------- crawl */

Test(catalog, crawl_pipe_with_header_and_partitions)
{
    ns_catalog_table_t *t = s_crawl("pipe_header", NULL);
    cr_expect_str_eq(t->name, "pipe_header");
    cr_expect_str_eq(t->kind, "crawled");
    cr_expect_str_eq(t->storage.format, "delimited");
    cr_expect_eq(t->storage.delimiter, '|');
    cr_expect_eq(t->storage.quote, -1);
    cr_expect(t->storage.header);
    cr_expect_eq(t->storage.skip_lines, 0);
    cr_expect_str_eq(t->storage.encoding, "utf-8");
    cr_expect_str_eq(t->storage.compression, "mixed");
    cr_assert_eq(t->ncols, 20);
    cr_expect_str_eq(t->cols[0].name, "store_id");
    s_expect_type(t, "store_id", "VARCHAR"); /* 0457: leading zeros */
    s_expect_type(t, "business_date", "DATE");
    s_expect_type(t, "register_id", "VARCHAR");
    s_expect_type(t, "txn_seq", "VARCHAR");
    s_expect_type(t, "txn_end_local", "TIMESTAMP");
    s_expect_type(t, "utc_offset", "VARCHAR");
    s_expect_type(t, "line_no", "BIGINT");
    s_expect_type(t, "qty", "BIGINT");
    s_expect_type(t, "upc", "VARCHAR");
    s_expect_type(t, "unit_price", "DECIMAL(18,2)");
    s_expect_type(t, "ext_amount", "DECIMAL(18,2)");
    s_expect_type(t, "void_flag", "BOOLEAN");
    cr_expect(s_col(t, "promo_id")->nullable);
    cr_expect_not(s_col(t, "store_id")->nullable);
    cr_expect_null(s_col(t, "qty")->source_name);
    /* partitions from key=value parts; _SUCCESS and _tmp/ skipped */
    cr_expect_eq(t->crawl.objects, 3);
    cr_expect_eq(t->crawl.skipped, 2);
    cr_expect_eq(t->crawl.nsampled, 3);
    cr_expect_eq(t->crawl.records, 3 * 18);
    cr_expect_eq(t->crawl.bad_records, 0);
    cr_assert_eq(t->npkeys, 2);
    cr_expect_str_eq(t->pkeys[0].name, "dt");
    cr_expect_eq(t->pkeys[0].type.type, NS_T_DATE);
    cr_expect_eq(t->pkeys[0].distinct, 2);
    cr_assert_eq(t->pkeys[0].nvalues, 2);
    cr_expect_str_eq(t->pkeys[0].values[0], "2026-11-24");
    cr_expect_str_eq(t->pkeys[0].values[1], "2026-11-25");
    cr_expect_str_eq(t->pkeys[1].name, "store");
    cr_expect_eq(t->pkeys[1].type.type, NS_T_STRING);
    cr_expect_eq(t->pkeys[1].distinct, 2);
    cr_assert_eq(t->nparts, 3);
    cr_expect(strstr(t->parts[1].location, "/pipe_header/dt=2026-11-24/store=0458/"), "%s",
              t->parts[1].location);
    cr_expect_eq(t->parts[1].objects, 1);
    cr_expect_eq(t->parts[1].nvalues, 2);
    cr_expect_str_eq(t->parts[1].values[1], "0458");
    cr_expect_eq(t->crawl.nwarnings, 0, "%s", t->crawl.nwarnings ? t->crawl.warnings[0] : "");

    /* the crawled document round-trips */
    ns_err_t err;
    cr_assert_eq(ns_catalog_put(s_cat, t, &err), 0, "%s", err.msg);
    ns_catalog_table_t *r = NULL;
    char *raw = NULL;
    size_t rawlen;
    cr_assert_eq(ns_catalog_get(s_cat, "pipe_header", &r, &raw, &rawlen, &err), 0, "%s", err.msg);
    ns_buf_t a, b;
    ns_buf_init(&a, NS_CATALOG_DOC_MAX);
    ns_buf_init(&b, NS_CATALOG_DOC_MAX);
    cr_assert_eq(ns_catalog_to_json(t, &a, &err), 0);
    cr_assert_eq(ns_catalog_to_json(r, &b, &err), 0);
    cr_expect_str_eq(a.data, b.data);
    cr_expect_str_eq(a.data, raw);
    cr_expect(strstr(raw, "\"kind\": \"crawled\""));
    cr_expect(strstr(raw, "{\"name\": \"store_id\", \"type\": \"VARCHAR\", \"nightshift_type\": "
                          "\"string\", \"nullable\": false}"),
              "%s", raw);
    ns_buf_free(&a);
    ns_buf_free(&b);
    free(raw);
    ns_catalog_table_destroy(&r);
    ns_catalog_table_destroy(&t);
}

Test(catalog, crawl_headerless_csv_with_dates)
{
    ns_catalog_table_t *t = s_crawl("csv_noheader", "weather");
    cr_expect_str_eq(t->storage.format, "delimited");
    cr_expect_eq(t->storage.delimiter, ',');
    cr_expect_not(t->storage.header);
    cr_expect_str_eq(t->storage.compression, "zstd");
    cr_assert_eq(t->ncols, 8);
    cr_expect_str_eq(t->cols[0].name, "col_1");
    cr_expect_str_eq(t->cols[7].name, "col_8");
    s_expect_type(t, "col_1", "VARCHAR");
    s_expect_type(t, "col_2", "DATE");
    cr_expect(s_col(t, "col_2")->yyyymmdd);
    s_expect_type(t, "col_3", "VARCHAR");
    s_expect_type(t, "col_4", "BIGINT");
    s_expect_type(t, "col_8", "VARCHAR"); /* 0800: a time with a leading zero */
    cr_expect(s_col(t, "col_6")->nullable);
    cr_expect_eq(t->crawl.records, 45, "every row is data");
    cr_expect_eq(t->npkeys, 0);
    ns_catalog_table_destroy(&t);
}

Test(catalog, crawl_utf16_portal_export)
{
    ns_catalog_table_t *t = s_crawl("portal_utf16", NULL);
    cr_expect_str_eq(t->name, "portal_utf16");
    cr_expect_str_eq(t->storage.encoding, "utf-16");
    cr_expect_str_eq(t->storage.byte_order, "le");
    cr_expect(t->storage.bom);
    cr_expect(t->storage.crlf);
    cr_expect_eq(t->storage.delimiter, '\t');
    cr_expect_eq(t->storage.quote, '"');
    cr_expect_eq(t->storage.skip_lines, 2);
    cr_expect(t->storage.header);
    cr_assert_eq(t->ncols, 10);
    cr_expect_str_eq(t->cols[0].name, "store_nbr");
    cr_expect_str_eq(t->cols[0].source_name, "Store Nbr");
    s_expect_type(t, "store_nbr", "BIGINT");
    s_expect_type(t, "store_name", "VARCHAR");
    s_expect_type(t, "week", "BIGINT");
    s_expect_type(t, "upc", "VARCHAR");
    s_expect_type(t, "unit_retail", "DECIMAL(18,2)");
    cr_expect_eq(s_col(t, "unit_retail")->number, NS_NUM_MONEY);
    s_expect_type(t, "pos_qty", "BIGINT");
    cr_expect_eq(s_col(t, "pos_qty")->number, NS_NUM_PLAIN);
    s_expect_type(t, "pos_sales", "DECIMAL(18,2)");
    cr_expect_eq(s_col(t, "pos_sales")->number, NS_NUM_MONEY);
    cr_expect_str_eq(s_col(t, "pos_sales")->source_name, "POS Sales");
    s_expect_type(t, "oh_qty", "BIGINT");
    cr_expect_eq(t->crawl.records, 11);
    cr_assert_eq(t->npkeys, 1);
    cr_expect_str_eq(t->pkeys[0].name, "dt");
    ns_catalog_table_destroy(&t);
}

Test(catalog, crawl_json_lines)
{
    ns_catalog_table_t *t = s_crawl("jsonl", "orders");
    cr_expect_str_eq(t->storage.format, "json");
    cr_expect_not(t->storage.concatenated);
    cr_expect_eq(t->crawl.records, 8);
    cr_expect_eq(t->crawl.nsampled, 2);
    cr_assert_eq(t->ncols, 16);
    cr_expect_str_eq(t->cols[0].name, "id");
    s_expect_type(t, "id", "VARCHAR"); /* a string: ids stay text */
    s_expect_type(t, "total_price", "VARCHAR");
    s_expect_type(t, "created_at", "TIMESTAMP");
    s_expect_type(t, "item_count", "BIGINT");
    s_expect_type(t, "weight_kg", "DECIMAL(18,2)");
    s_expect_type(t, "test", "BOOLEAN");
    s_expect_type(t, "customer", "VARCHAR");
    cr_expect_eq(s_col(t, "customer")->json, NS_CJSON_OBJECT);
    cr_expect_eq(s_col(t, "line_items")->json, NS_CJSON_ARRAY);
    cr_expect(s_col(t, "note")->nullable, "null in one record, missing in six");
    cr_expect_not(s_col(t, "id")->nullable);
    cr_assert_eq(t->npkeys, 2);
    cr_expect_eq(t->pkeys[1].type.type, NS_T_INT);
    cr_expect_str_eq(t->pkeys[1].name, "part");
    ns_catalog_table_destroy(&t);

    t = s_crawl("clickstream", NULL);
    cr_expect_str_eq(t->storage.format, "json");
    cr_expect(t->storage.concatenated);
    cr_expect_eq(t->crawl.records, 6);
    cr_expect_str_eq(s_col(t, "message_id")->source_name, "messageId");
    s_expect_type(t, "timestamp", "TIMESTAMP");
    cr_expect(s_col(t, "user_id")->nullable);
    cr_expect_eq(t->npkeys, 0, "positional folders are no partition keys");
    ns_catalog_table_destroy(&t);
}

Test(catalog, crawl_report_with_preamble_footer_and_padding)
{
    ns_catalog_table_t *t = s_crawl("ads_search", NULL);
    cr_expect_eq(t->storage.delimiter, ',');
    cr_expect_eq(t->storage.quote, '"');
    cr_expect_eq(t->storage.skip_lines, 2);
    cr_expect_eq(t->storage.footer_lines, 1);
    cr_expect(t->storage.header);
    s_expect_type(t, "day", "DATE"); /* the Total row is no date, and not counted */
    s_expect_type(t, "ad_group", "VARCHAR");
    s_expect_type(t, "impressions", "BIGINT");
    cr_expect_eq(s_col(t, "impressions")->number, NS_NUM_GROUPED);
    s_expect_type(t, "cost", "DECIMAL(18,2)");
    s_expect_type(t, "conversions", "DECIMAL(18,1)");
    cr_expect_eq(s_col(t, "day")->mismatches, 0);
    ns_catalog_table_destroy(&t);

    t = s_crawl("laus", NULL);
    cr_expect_eq(t->storage.delimiter, '\t');
    cr_expect(t->storage.trim);
    cr_expect(t->storage.header);
    cr_expect_str_eq(t->cols[0].name, "series_id");
    s_expect_type(t, "series_id", "VARCHAR");
    s_expect_type(t, "year", "BIGINT");
    s_expect_type(t, "value", "DECIMAL(18,1)");
    ns_catalog_table_destroy(&t);
}

Test(catalog, crawl_errors)
{
    ns_catalog_table_t *t = NULL;
    ns_err_t err;
    char prefix[NS_URI_MAX];
    snprintf(prefix, sizeof prefix, "file://%s/nothing-here/", s_root);
    ns_crawl_opts_t o = {.prefix = prefix};
    cr_expect_eq(ns_catalog_crawl(&o, &t, &err), 1);
    cr_expect(strstr(err.msg, "no objects under") && strstr(err.msg, "nothing-here"), "%s",
              err.msg);
    cr_expect_null(t);
    o.name = "bad-name";
    cr_expect_eq(ns_catalog_crawl(&o, &t, &err), -1);
    cr_expect(strstr(err.msg, "bad table name 'bad-name'"), "%s", err.msg);
    o.name = NULL;
    o.sample_bytes = NS_CRAWL_MAX_SAMPLE + 1;
    cr_expect_eq(ns_catalog_crawl(&o, &t, &err), -1);
    /* only empty objects: a table with no columns, saying why */
    snprintf(prefix, sizeof prefix, "file://%s/empties/a.csv", s_root);
    cr_assert_eq(ns_store_put(prefix, "", 0, &err), 0);
    snprintf(prefix, sizeof prefix, "file://%s/empties/", s_root);
    o = (ns_crawl_opts_t){.prefix = prefix};
    cr_assert_eq(ns_catalog_crawl(&o, &t, &err), 0, "%s", err.msg);
    cr_expect_eq(t->crawl.empty, 1);
    cr_expect_eq(t->ncols, 0);
    cr_expect_str_eq(t->storage.format, "unknown");
    cr_expect_eq(t->crawl.nwarnings, 1);
    ns_catalog_table_destroy(&t);
    /* a cut sample: the last, partial record is not used */
    o.sample_bytes = 100;
    char data[NS_URI_MAX];
    s_data(data, sizeof data, "pipe_header");
    o.prefix = data;
    cr_assert_eq(ns_catalog_crawl(&o, &t, &err), 0, "%s", err.msg);
    cr_expect_eq(t->crawl.sample_bytes, 100);
    cr_expect_str_eq(t->storage.format, "unknown", "100 bytes hold no complete record");
    cr_expect(t->crawl.nwarnings > 0);
    ns_catalog_table_destroy(&t);
}

Test(catalog, crawl_many_objects)
{
    /* more objects than sample candidates (1024: thinned evenly) and more
     * partitions than the crawl may list */
    enum { N = 1500, PER = 100 };
    char path[512];
    snprintf(path, sizeof path, "%s/many", s_root);
    cr_assert_eq(mkdir(path, 0755), 0);
    for (int i = 0; i < N; i++) {
        if (i % PER == 0) {
            snprintf(path, sizeof path, "%s/many/n=%02d", s_root, i / PER);
            cr_assert_eq(mkdir(path, 0755), 0, "mkdir %s", path);
        }
        snprintf(path, sizeof path, "%s/many/n=%02d/part-%04d.psv", s_root, i / PER, i);
        FILE *f = fopen(path, "w");
        cr_assert_not_null(f);
        fprintf(f, "k|v\n%d|x%d\n", i, i);
        fclose(f);
    }
    char prefix[NS_URI_MAX];
    snprintf(prefix, sizeof prefix, "file://%s/many/", s_root);
    ns_crawl_opts_t o = {.prefix = prefix, .max_partitions = 10};
    ns_catalog_table_t *t = NULL;
    ns_err_t err;
    cr_assert_eq(ns_catalog_crawl(&o, &t, &err), 0, "%s", err.msg);
    cr_expect_str_eq(t->name, "many");
    cr_expect_eq(t->crawl.objects, N);
    cr_expect_eq(t->nparts, 10);
    cr_expect(t->crawl.partitions_truncated);
    cr_expect_eq(t->parts[9].objects, PER);
    cr_assert_eq(t->npkeys, 1);
    cr_expect_eq(t->pkeys[0].distinct, N / PER);
    cr_expect_eq(t->pkeys[0].nvalues, N / PER);
    cr_expect_eq(t->pkeys[0].type.type, NS_T_STRING); /* n=00: a leading zero */
    cr_assert_eq(t->crawl.nsampled, 3);
    cr_expect(strstr(t->crawl.sampled[0], "/part-0000.psv"), "%s", t->crawl.sampled[0]);
    cr_expect(strstr(t->crawl.sampled[2], "/part-1499.psv"), "%s", t->crawl.sampled[2]);
    int mid = atoi(strstr(t->crawl.sampled[1], "/part-") + 6);
    cr_expect(mid > N / 4 && mid < 3 * N / 4, "middle sample %d", mid);
    cr_expect_eq(t->crawl.records, 3);
    s_expect_type(t, "k", "BIGINT");
    ns_catalog_table_destroy(&t);
}

/* ------------------------------------------------- in-memory inference */

Test(catalog, infer_types_and_tolerance)
{
    /* 300 ints and one broken value: int, with the mismatch reported */
    ns_buf_t b;
    ns_buf_init(&b, 1 << 20);
    ns_buf_appendf(&b, "id,qty,price,code,when\n");
    for (int i = 0; i < 300; i++)
        ns_buf_appendf(&b, "%d,%s,%d.%02d,%s,2026-11-%02d %02d:00:00\n", i + 1,
                       i == 150 ? "1O" : (i % 2 ? "-3" : "7"), i, i % 100, i == 7 ? "A12" : "0042",
                       1 + i % 28, i % 24);
    ns_catalog_table_t *t = s_infer(b.data, b.len, true);
    ns_buf_free(&b);
    cr_expect(t->storage.header);
    s_expect_type(t, "id", "BIGINT");
    s_expect_type(t, "qty", "BIGINT");
    cr_expect_eq(s_col(t, "qty")->mismatches, 1);
    cr_expect_str_eq(s_col(t, "qty")->mismatch_example, "1O");
    s_expect_type(t, "price", "DECIMAL(18,2)");
    s_expect_type(t, "code", "VARCHAR");
    s_expect_type(t, "when", "TIMESTAMP");
    cr_expect(t->crawl.nwarnings >= 1);
    ns_catalog_table_destroy(&t);

    /* too many broken values: text */
    const char *mixed = "a;b\n1;x\n2;y\nthree;z\n4;w\n";
    t = s_infer(mixed, strlen(mixed), true);
    cr_expect_eq(t->storage.delimiter, ';');
    s_expect_type(t, "a", "VARCHAR");
    ns_catalog_table_destroy(&t);

    /* money in every spelling; decimals widen ints; too many digits is text */
    const char *money = "amt|n|big|flag|d\n"
                        "($59.00)|1|1234567890123456789|yes|2026-01-31\n"
                        "\xe2\x82\xac"
                        "5|2.5|1|no|2026-02-28\n"
                        "USD 1,234.50|3|2|Y|2026-12-01\n"
                        "-$1,059.00|4|3|n|2024-02-29\n";
    t = s_infer(money, strlen(money), true);
    s_expect_type(t, "amt", "DECIMAL(18,2)");
    cr_expect_eq(s_col(t, "amt")->number, NS_NUM_MONEY);
    s_expect_type(t, "n", "DECIMAL(18,1)");
    s_expect_type(t, "big", "VARCHAR");
    s_expect_type(t, "flag", "BOOLEAN");
    s_expect_type(t, "d", "DATE");
    ns_catalog_table_destroy(&t);

    /* a misplaced thousands separator is no number */
    const char *grp = "x,y\n\"1,23\",1\n\"12,345\",2\n";
    t = s_infer(grp, strlen(grp), true);
    s_expect_type(t, "x", "VARCHAR");
    ns_catalog_table_destroy(&t);
}

Test(catalog, infer_header_heuristics)
{
    /* all text: a header is distinct names that never appear in the data */
    const char *h = "sku,colour,size\nDRS-1,Black,M\nTEE-7,White,S\nJKT-2,Navy,L\n";
    ns_catalog_table_t *t = s_infer(h, strlen(h), true);
    cr_expect(t->storage.header);
    cr_expect_str_eq(t->cols[1].name, "colour");
    ns_catalog_table_destroy(&t);
    /* ... a first row whose values repeat in the data is data */
    const char *nh = "Black,M,DRS\nWhite,S,TEE\nBlack,L,JKT\n";
    t = s_infer(nh, strlen(nh), true);
    cr_expect_not(t->storage.header);
    cr_expect_str_eq(t->cols[0].name, "col_1");
    ns_catalog_table_destroy(&t);
    /* a numeric first row is data */
    const char *num = "1,2,3\n4,5,6\n";
    t = s_infer(num, strlen(num), true);
    cr_expect_not(t->storage.header);
    s_expect_type(t, "col_3", "BIGINT");
    cr_expect_eq(t->crawl.records, 2);
    ns_catalog_table_destroy(&t);
    /* duplicate header names become unique */
    const char *dup = "Qty,qty,QTY\n1,2,3\n";
    t = s_infer(dup, strlen(dup), true);
    cr_expect(t->storage.header);
    cr_expect_str_eq(t->cols[0].name, "qty");
    cr_expect_str_eq(t->cols[1].name, "qty_2");
    cr_expect_str_eq(t->cols[2].name, "qty_3");
    ns_catalog_table_destroy(&t);
}

Test(catalog, infer_layouts)
{
    /* RFC 4180: quoted delimiters, doubled quotes, quoted line ends, CRLF, UTF-8 BOM */
    const char *q =
        "\xef\xbb\xbfid,name,note\r\n1,\"Smith, J\",\"said \"\"hi\"\"\r\nthen left\"\r\n"
        "2,Doe,plain\r\n3,\"Roe\",\"\"\r\n";
    ns_catalog_table_t *t = s_infer(q, strlen(q), true);
    cr_expect_eq(t->storage.delimiter, ',');
    cr_expect_eq(t->storage.quote, '"');
    cr_expect(t->storage.bom);
    cr_expect_str_eq(t->storage.encoding, "utf-8");
    cr_expect(t->storage.crlf);
    cr_expect_eq(t->ncols, 3);
    cr_expect_eq(t->crawl.records, 3);
    cr_expect_eq(t->crawl.bad_records, 0);
    s_expect_type(t, "id", "BIGINT");
    ns_catalog_table_destroy(&t);

    /* UTF-16BE without a BOM */
    const char *txt = "a\tb\n1\tx\n2\ty\n";
    char be[64];
    size_t n = strlen(txt);
    for (size_t i = 0; i < n; i++) {
        be[2 * i] = 0;
        be[2 * i + 1] = txt[i];
    }
    t = s_infer(be, 2 * n, true);
    cr_expect_str_eq(t->storage.encoding, "utf-16");
    cr_expect_str_eq(t->storage.byte_order, "be");
    cr_expect_not(t->storage.bom);
    cr_expect_eq(t->storage.delimiter, '\t');
    s_expect_type(t, "a", "BIGINT");
    ns_catalog_table_destroy(&t);

    /* binary: unknown */
    const char bin[] = "\x28\xb5\x2f\xfd\x00\x01\x02garbage\x00\x00";
    t = s_infer(bin, sizeof bin, true);
    cr_expect_str_eq(t->storage.format, "unknown");
    cr_expect_eq(t->ncols, 0);
    ns_catalog_table_destroy(&t);

    /* a sample cut in the middle of a record drops that record */
    const char *cut = "k|v\n1|2\n3|4\n5|";
    t = s_infer(cut, strlen(cut), false);
    cr_expect_eq(t->crawl.records, 2);
    cr_expect_eq(t->crawl.bad_records, 0);
    ns_catalog_table_destroy(&t);

    /* JSON lines with a broken line and a non-object */
    const char *js =
        "{\"a\":1,\"b\":\"2026-11-24\"}\n{\"a\":2,\"b\":\"2026-11-25\"}\nnot json\n[1,2]\n"
        "{\"a\":3.25,\"b\":null,\"c\":\"\"}\n";
    t = s_infer(js, strlen(js), true);
    cr_expect_str_eq(t->storage.format, "json");
    cr_expect_eq(t->crawl.records, 3);
    cr_expect_eq(t->crawl.bad_records, 2);
    s_expect_type(t, "a", "DECIMAL(18,2)");
    s_expect_type(t, "b", "DATE");
    cr_expect(s_col(t, "b")->nullable);
    s_expect_type(t, "c", "VARCHAR");
    ns_catalog_table_destroy(&t);

    /* EDI: separators from the ISA, transaction sets from ST */
    const char *edi = "ISA*00*          *00*          *ZZ*GRANDDEPT      *ZZ*CLOTHMAKER     "
                      "*261125*0415*U*00401*000004521*0*P*>~\n"
                      "GS*PD*GRANDDEPT*CLOTHMAKER*20261125*0415*4521*X*004010~\nST*852*0001~\nXQ*H*"
                      "20261118*20261124~\n"
                      "SE*3*0001~\nST*846*0002~\nSE*2*0002~\nGE*2*4521~\nIEA*1*000004521~\n";
    static const char *const fields[] = {"sender", "store", "qty_sold"};
    ns_crawl_opts_t o = {.edi_fields = fields, .nedi_fields = 3};
    t = ns_catalog_table_new();
    ns_crawl_sample_t s = {"mem://x.edi", edi, strlen(edi), true};
    ns_err_t err;
    cr_assert_eq(ns_catalog_infer(t, &o, &s, 1, &err), 0, "%s", err.msg);
    cr_expect_str_eq(t->storage.format, "edi");
    cr_expect_eq(t->storage.edi_element, '*');
    cr_expect_eq(t->storage.edi_component, '>');
    cr_expect_eq(t->storage.edi_terminator, '~');
    cr_expect_str_eq(t->storage.edi_version, "00401");
    cr_expect_str_eq(t->storage.edi_sets, "852,846");
    cr_assert_eq(t->ncols, 3);
    cr_expect_str_eq(t->cols[2].name, "qty_sold");
    ns_catalog_table_destroy(&t);

    /* a second sample that disagrees is not used, with a warning */
    const char *a = "x|y\n1|2\n", *c = "{\"x\":1}\n";
    ns_crawl_sample_t two[2] = {{"mem://a", a, strlen(a), true}, {"mem://c", c, strlen(c), true}};
    t = ns_catalog_table_new();
    cr_assert_eq(ns_catalog_infer(t, NULL, two, 2, &err), 0, "%s", err.msg);
    cr_expect_str_eq(t->storage.format, "delimited");
    cr_assert_eq(t->crawl.nwarnings, 1);
    cr_expect(strstr(t->crawl.warnings[0], "'mem://c' looks like json"), "%s",
              t->crawl.warnings[0]);
    ns_catalog_table_destroy(&t);
}
