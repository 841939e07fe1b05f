/*
 * test_job: the job definition parser: the shipped retail_pos job, defaults,
 * every function and reduce kind, variable substitution, sizes, and one
 * error case per check, each with its exact line:column.
 */
#include "ns_job.h"
#include "ns_scope.h"
#include "ns_store.h"
#include "ns_test_util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

static char *s_read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    cr_assert(f, "cannot open '%s'", path);
    char *buf = malloc(1 << 20);
    cr_assert(buf);
    *len = fread(buf, 1, (1 << 20) - 1, f);
    buf[*len] = '\0';
    fclose(f);
    return buf;
}

static ns_job_t *s_parse(const char *yaml, ns_err_t *err)
{
    static const ns_var_t vars[] = {
        {"raw", "/data/raw"}, {"out", "/data/out"}, {"date", "2026-11-24"}};
    return ns_job_parse(yaml, strlen(yaml), "t.yaml", vars, 3, err);
}

static ns_job_t *s_ok(const char *yaml)
{
    ns_err_t err;
    ns_err_clear(&err);
    ns_job_t *j = s_parse(yaml, &err);
    cr_assert(j, "parse failed: %s\n%s", err.msg, yaml);
    return j;
}

/* Expects the parse to fail with a message that starts with "t.yaml:<where>: "
 * and contains frag. */
static void s_bad(const char *yaml, const char *where, const char *frag)
{
    ns_err_t err;
    ns_err_clear(&err);
    ns_job_t *j = s_parse(yaml, &err);
    cr_expect_null(j, "parse should fail (%s):\n%s", frag, yaml);
    ns_job_destroy(&j);
    char prefix[128];
    snprintf(prefix, sizeof prefix, "t.yaml:%s: ", where);
    cr_expect(strncmp(err.msg, prefix, strlen(prefix)) == 0, "expected '%s...', got '%s'", prefix,
              err.msg);
    cr_expect(strstr(err.msg, frag) != NULL, "expected '%s' in '%s'", frag, err.msg);
}

/* A small valid job, in pieces, so that cases can replace one piece.
 * Lines: name 1; input 2-6; transform 7-9; output 10-13. */
#define NAME "name: t\n"
#define INPUT                                                                                      \
    "input:\n"                                                                                     \
    "  uri: /raw/\n"                                                                               \
    "  columns:\n"                                                                                 \
    "    - {name: a, type: string}\n"                                                              \
    "    - {name: n, type: int}\n"
#define TRANSFORM                                                                                  \
    "transform:\n"                                                                                 \
    "  - {name: a, from: a}\n"                                                                     \
    "  - {name: n, from: n}\n"
#define OUTPUT                                                                                     \
    "output:\n"                                                                                    \
    "  uri: /out/\n"                                                                               \
    "  table: t\n"                                                                                 \
    "  sort_key: [a]\n"

/* ---- the shipped job ---- */

Test(job, retail_pos)
{
    char dir[4096], path[4200];
    ns_test_srcdir(dir, sizeof dir);
    snprintf(path, sizeof path, "%sjobs/retail_pos.yaml", dir);
    size_t len;
    char *text = s_read_file(path, &len);
    ns_var_t vars[] = {{"raw", "s3://acme-raw"}, {"out", "s3://acme-wh"}, {"date", "2026-11-24"}};
    ns_err_t err;
    ns_err_clear(&err);
    ns_job_t *j = ns_job_parse(text, len, "retail_pos.yaml", vars, 3, &err);
    free(text);
    cr_assert(j, "%s", err.msg);

    cr_expect_str_eq(j->name, "retail_pos");
    cr_expect_str_eq(j->source, "retail_pos.yaml");
    cr_expect_str_eq(j->input_uri, "s3://acme-raw/pos/dt=2026-11-24/");
    cr_expect_str_eq(j->output_uri, "s3://acme-wh/retail_pos/dt=2026-11-24/");
    cr_expect_eq(j->format, NS_FORMAT_DELIMITED);
    cr_expect_eq(j->delimiter, '|');
    cr_expect_eq(j->quote, -1);
    cr_expect_eq(j->escape, -1);
    cr_expect_eq(j->quoted_newlines, false);
    cr_expect_eq(j->skip_lines, 0);
    cr_expect_eq(j->header_lines, 1);
    cr_expect_str_eq(j->compression, "gzip");
    cr_expect_eq(j->split_bytes, 32ull << 20);

    static const char *const in_names[] = {
        "store_id",      "business_date", "register_id", "txn_seq",    "txn_type",
        "txn_end_local", "utc_offset",    "line_no",     "line_type",  "void_flag",
        "sku",           "upc",           "qty",         "unit_price", "ext_amount",
        "disc_amount",   "promo_id",      "tender_type", "currency",   "orig_txn_ref"};
    cr_assert_eq(j->nin, 21);
    for (int i = 0; i < 20; i++)
        cr_expect_str_eq(j->in[i].name, in_names[i]);
    cr_expect_eq(j->in[0].type.type, NS_T_STRING);
    cr_expect_eq(j->in[1].type.type, NS_T_DATE);
    cr_expect_eq(j->in[5].type.type, NS_T_TIMESTAMP);
    cr_expect_eq(j->in[12].type.type, NS_T_INT);
    cr_expect_eq(j->in[14].type.type, NS_T_DECIMAL);
    cr_expect_eq(j->in[14].type.scale, 2);
    cr_expect_str_eq(j->in[20].name, "dt");
    cr_expect_str_eq(j->in[20].path_key, "dt");
    cr_assert_eq(j->nlookups, 2);
    cr_expect_str_eq(j->lookups[0].name, "products");
    cr_expect_str_eq(j->lookups[1].name, "fx");
    cr_expect_str_eq(j->lookups[1].src->input_uri, "s3://acme-raw/master/fx/dt=2026-11-24/");
    cr_expect_eq(j->lookups[1].nkey, 2);

    cr_assert_eq(j->nfilter, 1);
    cr_expect_eq(j->filter[0].column, 8);
    cr_expect_eq(j->filter[0].op, NS_OP_EQ);
    cr_assert_eq(j->filter[0].nvalues, 1);
    cr_expect_str_eq(j->filter[0].values[0], "ITEM");

    /* the columns of docs/WAREHOUSE.md "Sales"; usd_per_unit is hidden */
    static const char *const out_names[] = {
        "business_date", "store_key", "sku",          "txn_type", "promo_id", "currency",    "units",
        "net_local",     "net_usd",   "discount_usd", "lines",    "channel",  "source_date"};
    cr_assert_eq(j->nout, 13);
    for (int i = 0; i < 13; i++) {
        cr_expect_str_eq(j->out[i].name, out_names[i]);
        cr_expect_eq(ns_job_out_index(j, out_names[i]), i);
        cr_expect_eq(j->out_types[i].type, j->out[i].type.type);
        cr_expect_eq(j->out_types[i].scale, j->out[i].type.scale);
    }
    cr_assert_eq(j->ncalc, 14);
    cr_expect_str_eq(j->calc[8].name, "usd_per_unit");
    cr_expect(j->calc[8].hidden);
    cr_expect_eq(j->calc[8].fn, NS_FN_LOOKUP);
    cr_expect_eq(j->calc_out[8], -1);
    cr_expect_eq(j->calc_out[9], 8);
    cr_expect_eq(ns_job_out_index(j, "usd_per_unit"), -1);
    cr_expect_eq(j->out[2].fn, NS_FN_LOOKUP);
    cr_expect_eq(j->out[2].args[0], 10); /* sku */
    cr_expect(j->out[2].required);
    cr_expect_not(j->out[4].required);
    cr_expect_eq(j->out[6].type.type, NS_T_INT);
    cr_expect_eq(j->out[6].args[0], 12); /* qty */
    cr_expect_eq(j->out[7].type.type, NS_T_DECIMAL);
    cr_expect_eq(j->out[7].type.scale, 2);
    cr_expect_eq(j->out[7].args[0], 14); /* ext_amount */
    cr_expect_eq(j->out[8].fn, NS_FN_MUL);
    cr_expect_eq(j->out[8].args[1], NS_ARG_OUT(8)); /* calc[8], the rate */
    cr_expect_eq(j->out[11].fn, NS_FN_CONST);
    cr_expect_eq(j->out[11].nargs, 0);
    cr_expect_str_eq(j->calc[12].value, "retail");
    cr_expect_eq(j->out_types[11].type, NS_T_STRING);

    cr_assert_eq(j->ndist, 1);
    cr_expect_eq(j->dist_key[0], 1);
    cr_assert_eq(j->nsort, 6);
    for (int i = 0; i < 6; i++)
        cr_expect_eq(j->sort_key[i], i);
    cr_expect_eq(j->reduce, NS_REDUCE_AGGREGATE);
    cr_expect_eq(j->group_len, 6);
    cr_assert_eq(j->nsum, 5);
    cr_expect_eq(j->sum_cols[0], 6);
    cr_expect_eq(j->sum_cols[1], 7);
    cr_expect_eq(j->sum_cols[2], 8);
    cr_expect_eq(j->sum_cols[3], 9);
    cr_expect_eq(j->sum_cols[4], 10);
    cr_expect_not(j->drop_zero);
    cr_expect_str_eq(j->table, "sales_retail");
    cr_expect_eq(j->slices, 4);
    cr_expect_eq(j->target_file_bytes, 256ull << 20);
    cr_expect_eq(j->zstd_level, 3);
    cr_expect_eq(j->max_rejects, 100000);
    cr_expect_float_eq(j->max_reject_fraction, 0.01, 1e-12);
    cr_expect_str_eq(j->pool, "default");
    cr_expect_eq(j->memory_bytes, 256ull << 20);
    cr_expect_eq(j->max_attempts, 4);
    ns_job_destroy(&j);
    cr_expect_null(j);
    ns_job_destroy(&j);
    ns_job_destroy(NULL);
}

/* ---- valid jobs ---- */

Test(job, defaults)
{
    ns_job_t *j = s_ok(NAME INPUT TRANSFORM OUTPUT);
    cr_expect_str_eq(j->name, "t");
    cr_expect_str_eq(j->input_uri, "/raw/");
    cr_expect_eq(j->delimiter, '|');
    cr_expect_eq(j->quote, -1);
    cr_expect_eq(j->escape, -1);
    cr_expect_eq(j->header_lines, 1);
    cr_expect_str_eq(j->compression, "auto");
    cr_expect_eq(j->split_bytes, 128ull << 20);
    cr_expect_eq(j->max_record, 1ull << 20);
    cr_expect_eq(j->max_ratio, 100);
    cr_expect_eq(j->max_depth, 0); /* 0: the reader's default */
    cr_expect_eq(j->max_segments, 0);
    cr_expect_eq(j->max_interchange_segments, 0);
    cr_expect_eq(j->nfilter, 0);
    cr_expect_eq(j->out[1].type.type, NS_T_INT); /* taken from the input column */
    cr_expect_eq(j->reduce, NS_REDUCE_IDENTITY);
    cr_expect_eq(j->ndist, 1); /* defaults to the sort key */
    cr_expect_eq(j->dist_key[0], 0);
    cr_expect_eq(j->slices, 1);
    cr_expect_eq(j->target_file_bytes, 256ull << 20);
    cr_expect_eq(j->zstd_level, 3);
    cr_expect_eq(j->max_rejects, 0);
    cr_expect_float_eq(j->max_reject_fraction, 1.0, 1e-12);
    cr_expect_str_eq(j->pool, "default");
    cr_expect_eq(j->memory_bytes, 256ull << 20);
    cr_expect_eq(j->max_attempts, 4);
    cr_expect_null(j->s3_endpoint);
    cr_expect_null(j->s3_region);
    cr_expect_eq(j->s3_path_style, -1);
    cr_expect_eq(ns_job_out_index(j, "missing"), -1);
    cr_expect_eq(ns_job_out_index(NULL, "a"), -1);
    ns_job_destroy(&j);
}

Test(job, functions_and_options)
{
    ns_job_t *j = s_ok("name: fn-test_2\n"
                       "input:\n"
                       "  uri: /raw/\n"
                       "  delimiter: \"\\t\"\n"
                       "  quote: '\"'\n"
                       "  escape: \"\\\\\"\n"
                       "  quoted_newlines: true\n"
                       "  skip_lines: 2\n"
                       "  header: false\n"
                       "  compression: zstd\n"
                       "  split_size: 64KiB\n"
                       "  max_record: 2MB\n"
                       "  columns:\n"
                       "    - {name: local, type: timestamp}\n"
                       "    - {name: off, type: string}\n"
                       "    - {name: s1, type: string}\n"
                       "    - {name: s2, type: string}\n"
                       "    - {name: n, type: int}\n"
                       "    - {name: d, type: 'decimal(10,4)'}\n"
                       "    - {name: flag, type: bool}\n"
                       "filter:\n"
                       "  - {column: s1, op: ne, value: X}\n"
                       "  - {column: s2, op: not_in, values: [A, 'B C', '']}\n"
                       "  - {column: n, op: not_null}\n"
                       "  - {column: flag, op: null}\n"
                       "  - {column: s1, op: in, values: [Q]}\n"
                       "transform:\n"
                       "  - {name: utc, fn: to_utc, args: [local, off]}\n"
                       "  - {name: s, fn: coalesce, args: [s1, s2, off]}\n"
                       "  - {name: up, fn: upper, args: [s1]}\n"
                       "  - {name: tr, type: string, fn: trim, args: [s2], required: true}\n"
                       "  - {name: money, type: 'decimal(14,2)', fn: column, args: [d]}\n"
                       "  - {name: n_as_dec, type: 'decimal(12,3)', from: n}\n"
                       "  - {name: k, type: int, fn: const, value: '-42'}\n"
                       "  - {name: day, type: date, fn: const, value: '2026-11-24'}\n"
                       "  - {name: f, from: flag}\n"
                       "output:\n"
                       "  uri: '{out}/x/{yyyymmdd}/'\n"
                       "  table: analytics.events\n"
                       "  sort_key: [s, up, utc]\n"
                       "  distribution_key: [up, s]\n"
                       "  reduce: {kind: dedupe, group: 2, keep: last}\n"
                       "  slices: 16\n"
                       "  target_file_size: 1GB\n"
                       "  zstd_level: 19\n"
                       "error_budget: {max_fraction: 0.5}\n"
                       "pool: spot-east\n"
                       "memory: 1G\n"
                       "max_attempts: 1\n");
    cr_expect_str_eq(j->name, "fn-test_2");
    cr_expect_eq(j->delimiter, '\t');
    cr_expect_eq(j->quote, '"');
    cr_expect_eq(j->escape, '\\');
    cr_expect(j->quoted_newlines);
    cr_expect_eq(j->skip_lines, 2);
    cr_expect_eq(j->header_lines, 0);
    cr_expect_str_eq(j->compression, "zstd");
    cr_expect_eq(j->split_bytes, 64ull << 10);
    cr_expect_eq(j->max_record, 2ull << 20);
    cr_expect_eq(j->in[5].type.scale, 4);

    cr_assert_eq(j->nfilter, 5);
    cr_expect_eq(j->filter[0].op, NS_OP_NE);
    cr_expect_eq(j->filter[1].op, NS_OP_NOT_IN);
    cr_assert_eq(j->filter[1].nvalues, 3);
    cr_expect_str_eq(j->filter[1].values[1], "B C");
    cr_expect_str_eq(j->filter[1].values[2], "");
    cr_expect_eq(j->filter[2].op, NS_OP_NOT_NULL);
    cr_expect_eq(j->filter[2].nvalues, 0);
    cr_expect_eq(j->filter[3].op, NS_OP_NULL);
    cr_expect_eq(j->filter[3].column, 5 + 1);
    cr_expect_eq(j->filter[4].op, NS_OP_IN);

    cr_assert_eq(j->nout, 9);
    cr_expect_eq(j->out[0].fn, NS_FN_TO_UTC);
    cr_expect_eq(j->out[0].nargs, 2);
    cr_expect_eq(j->out[0].args[0], 0);
    cr_expect_eq(j->out[0].args[1], 1);
    cr_expect_eq(j->out_types[0].type, NS_T_TIMESTAMP);
    cr_expect_eq(j->out[1].fn, NS_FN_COALESCE);
    cr_expect_eq(j->out[1].nargs, 3);
    cr_expect_eq(j->out[1].args[2], 1);
    cr_expect_eq(j->out_types[1].type, NS_T_STRING);
    cr_expect_eq(j->out[2].fn, NS_FN_UPPER);
    cr_expect_eq(j->out[3].fn, NS_FN_TRIM);
    cr_expect(j->out[3].required);
    cr_expect_eq(j->out[4].fn, NS_FN_COLUMN);
    cr_expect_eq(j->out[4].args[0], 5);
    cr_expect_eq(j->out_types[4].scale, 2);
    cr_expect_eq(j->out_types[5].type, NS_T_DECIMAL);
    cr_expect_eq(j->out_types[5].scale, 3);
    cr_expect_str_eq(j->out[6].value, "-42");
    cr_expect_eq(j->out_types[7].type, NS_T_DATE);
    cr_expect_eq(j->out_types[8].type, NS_T_BOOL);

    cr_expect_str_eq(j->output_uri, "/data/out/x/20261124/");
    cr_expect_str_eq(j->table, "analytics.events");
    cr_expect_eq(j->nsort, 3);
    cr_expect_eq(j->ndist, 2);
    cr_expect_eq(j->dist_key[0], 2);
    cr_expect_eq(j->dist_key[1], 1);
    cr_expect_eq(j->reduce, NS_REDUCE_DEDUPE);
    cr_expect_eq(j->group_len, 2);
    cr_expect(j->keep_last);
    cr_expect_eq(j->slices, 16);
    cr_expect_eq(j->target_file_bytes, 1ull << 30);
    cr_expect_eq(j->zstd_level, 19);
    cr_expect_eq(j->max_rejects, UINT64_MAX);
    cr_expect_float_eq(j->max_reject_fraction, 0.5, 1e-12);
    cr_expect_str_eq(j->pool, "spot-east");
    cr_expect_eq(j->memory_bytes, 1ull << 30);
    cr_expect_eq(j->max_attempts, 1);
    ns_job_destroy(&j);
}

Test(job, aggregate_default_distribution_is_the_group)
{
    ns_job_t *j = s_ok(NAME INPUT TRANSFORM "output:\n  uri: /o/\n  table: t\n  sort_key: [a, n]\n"
                                            "  reduce: {kind: aggregate, group: 1, sum: [n]}\n"
                                            "error_budget: {max_rejects: 7}\n");
    cr_expect_eq(j->reduce, NS_REDUCE_AGGREGATE);
    cr_expect_eq(j->ndist, 1);
    cr_expect_eq(j->dist_key[0], 0);
    cr_expect_not(j->drop_zero);
    cr_expect_eq(j->max_rejects, 7);
    cr_expect_float_eq(j->max_reject_fraction, 1.0, 1e-12);
    ns_job_destroy(&j);
}

/* ---- variables ---- */

static ns_job_t *s_with_uri(const char *uri, const ns_var_t *vars, int nvars, ns_err_t *err)
{
    char yaml[2048];
    snprintf(yaml, sizeof yaml,
             "name: t\ninput:\n  uri: '%s'\n  columns: [{name: a, type: string}]\n"
             "transform: [{name: a, from: a}]\n"
             "output: {uri: /o/, table: t, sort_key: [a]}\n",
             uri);
    return ns_job_parse(yaml, strlen(yaml), "v.yaml", vars, nvars, err);
}

Test(job, variables)
{
    ns_var_t vars[] = {
        {"date", "2026-02-03"}, {"bucket", "s3://bkt"}, {"bucket", "ignored"}, {"empty", ""}};
    ns_err_t err;
    ns_err_clear(&err);
    ns_job_t *j = s_with_uri("{bucket}/x/{date}/{yyyymmdd}{empty}/{{lit}}", vars, 4, &err);
    cr_assert(j, "%s", err.msg);
    cr_expect_str_eq(j->input_uri, "s3://bkt/x/2026-02-03/20260203/{lit}");
    ns_job_destroy(&j);

    /* an explicit yyyymmdd wins over the derived one */
    ns_var_t v2[] = {{"yyyymmdd", "19991231"}, {"date", "2026-02-03"}};
    j = s_with_uri("/{yyyymmdd}", v2, 2, &err);
    cr_assert(j, "%s", err.msg);
    cr_expect_str_eq(j->input_uri, "/19991231");
    ns_job_destroy(&j);

    /* no variables at all is fine when none are used */
    j = s_with_uri("/plain/path/", NULL, 0, &err);
    cr_assert(j, "%s", err.msg);
    ns_job_destroy(&j);
}

Test(job, variable_errors)
{
    ns_var_t vars[] = {{"date", "2026-02-30"}, {"x", "1"}};
    ns_err_t err;
    ns_job_t *j = s_with_uri("{raw}/pos/", vars, 2, &err);
    cr_expect_null(j);
    cr_expect_str_eq(err.msg, "v.yaml:3:8: variable 'raw' in input.uri has no value (give it "
                              "with --var raw=VALUE)");
    j = s_with_uri("/{date}/", vars, 2, &err);
    cr_expect_null(j);
    cr_expect(strstr(err.msg, "v.yaml:3:8: bad date '2026-02-30' for variable 'date'"), "%s",
              err.msg);
    j = s_with_uri("/{yyyymmdd}/", vars, 2, &err);
    cr_expect_null(j);
    cr_expect(strstr(err.msg, "bad date '2026-02-30'"), "%s", err.msg);
    j = s_with_uri("/{date}/", NULL, 0, &err);
    cr_expect_null(j);
    cr_expect(strstr(err.msg, "v.yaml:3:8: variable 'date' in input.uri has no value"), "%s",
              err.msg);
    j = s_with_uri("/{x/", vars, 2, &err);
    cr_expect_null(j);
    cr_expect(strstr(err.msg, "v.yaml:3:8: bad variable reference in input.uri at byte 2"), "%s",
              err.msg);
    j = s_with_uri("/{}/", vars, 2, &err);
    cr_expect_null(j);
    cr_expect(strstr(err.msg, "bad variable reference"), "%s", err.msg);
    j = s_with_uri("/{1x}/", vars, 2, &err);
    cr_expect_null(j);
    cr_expect(strstr(err.msg, "bad variable reference"), "%s", err.msg);

    /* the result is bounded */
    char big[5000];
    memset(big, 'a', 4000);
    big[4000] = '\0';
    ns_var_t vb[] = {{"b", big}};
    j = s_with_uri("{b}/{b}", vb, 1, &err);
    cr_expect_null(j);
    cr_expect(strstr(err.msg, "input.uri is longer than 4096 bytes"), "%s", err.msg);
}

/* ---- sizes and numbers ---- */

static uint64_t s_split(const char *size, ns_err_t *err)
{
    char yaml[512];
    snprintf(yaml, sizeof yaml,
             NAME "input:\n  uri: /r/\n  split_size: %s\n  columns:\n"
                  "    - {name: a, type: string}\n"
                  "    - {name: n, type: int}\n" TRANSFORM OUTPUT,
             size);
    ns_job_t *j = ns_job_parse(yaml, strlen(yaml), "t.yaml", NULL, 0, err);
    uint64_t v = j ? j->split_bytes : 0;
    ns_job_destroy(&j);
    return v;
}

Test(job, sizes)
{
    ns_err_t err;
    static const struct {
        const char *text;
        uint64_t bytes;
    } ok[] = {
        {"1", 1},
        {"4096", 4096},
        {"10B", 10},
        {"1KB", 1024},
        {"3 kb", 3072},
        {"2KiB", 2048},
        {"5K", 5120},
        {"128MB", 128ull << 20},
        {"1MiB", 1ull << 20},
        {"2GB", 2ull << 30},
        {"1 TB", 1ull << 40},
        {"\"7mb\"", 7ull << 20},
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        ns_err_clear(&err);
        cr_expect_eq(s_split(ok[i].text, &err), ok[i].bytes, "'%s': %s", ok[i].text, err.msg);
    }
    static const struct {
        const char *text;
        const char *frag;
    } bad[] = {
        {"0", "must be between 1 and"},
        {"2TB", "must be between 1 and"},
        {"12XB", "unknown unit"},
        {"1.5GB", "unknown unit"},
        {"MB", "expected a size like 128MB"},
        {"-1", "expected a size"},
        {"99999999999999999999", "too large"},
        {"99999999999TB", "too large"},
        {"[1]", "must be a scalar, not a sequence"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ns_err_clear(&err);
        cr_expect_eq(s_split(bad[i].text, &err), 0, "'%s' should fail", bad[i].text);
        cr_expect(strncmp(err.msg, "t.yaml:4:15: ", 13) == 0, "'%s': %s", bad[i].text, err.msg);
        cr_expect(strstr(err.msg, bad[i].frag), "'%s': %s", bad[i].text, err.msg);
    }
}

/* ---- errors, each with its position ---- */

Test(job, error_structure)
{
    s_bad(NAME INPUT TRANSFORM OUTPUT "colour: red\n", "14:1", "unknown key 'colour' in the job");
    s_bad(NAME INPUT TRANSFORM "output:\n  uri: /o/\n  table: t\n  colums: [a]\n  sort_key: [a]\n",
          "13:3", "unknown key 'colums' in output");
    s_bad(NAME INPUT TRANSFORM, "1:1", "missing key 'output' in the job");
    s_bad(INPUT TRANSFORM OUTPUT, "1:1", "missing key 'name' in the job");
    s_bad(NAME "input: /raw/\n" TRANSFORM OUTPUT, "2:8", "input must be a mapping, not a scalar");
    s_bad(NAME "input:\n  columns: [{name: a, type: string}]\n" TRANSFORM OUTPUT, "3:3",
          "missing key 'uri' in input");
    s_bad(NAME "name: u\n" INPUT TRANSFORM OUTPUT, "2:1", "duplicate key 'name' in the job");
    s_bad("- a\n- b\n", "1:1", "the job must be a mapping, not a sequence");
    s_bad(NAME INPUT "transform: {name: a}\n" OUTPUT, "7:12", "transform must be a sequence");
    s_bad(NAME INPUT TRANSFORM OUTPUT "filter: {column: a}\n", "14:9", "filter must be a sequence");
    s_bad(NAME INPUT TRANSFORM OUTPUT "? [a]\n: 1\n", "14:3", "keys of the job must be scalars");
    s_bad("name: [bad\n", "2:1", "did not find expected ',' or ']'");
    s_bad(NAME INPUT TRANSFORM OUTPUT "---\nname: again\n", "15:1", "more than one YAML document");
    s_bad("name: 'a/b'\n" INPUT TRANSFORM OUTPUT, "1:7", "bad job name 'a/b'");
    s_bad(NAME INPUT TRANSFORM OUTPUT "description: [x]\n", "14:14",
          "description must be a scalar");
}

Test(job, error_input)
{
    s_bad(NAME "input:\n  uri: /r/\n  columns:\n    - {name: a, type: integr}\n" TRANSFORM OUTPUT,
          "5:23", "bad type 'integr'");
    s_bad(
        NAME
        "input:\n  uri: /r/\n  columns:\n    - {name: a, type: 'decimal(30,2)'}\n" TRANSFORM OUTPUT,
        "5:23", "decimal precision");
    s_bad(NAME "input:\n  uri: /r/\n  columns:\n    - {name: a, type: string}\n"
               "    - {name: a, type: int}\n" TRANSFORM OUTPUT,
          "6:14", "duplicate input column 'a'");
    s_bad(NAME
          "input:\n  uri: /r/\n  columns:\n    - {name: 'a b', type: string}\n" TRANSFORM OUTPUT,
          "5:14", "bad column name 'a b'");
    s_bad(NAME "input:\n  uri: /r/\n  columns:\n    - {name: a}\n" TRANSFORM OUTPUT, "5:7",
          "missing key 'type' in input.columns[0]");
    s_bad(NAME "input:\n  uri: /r/\n  columns:\n    - {name: a, typ: string}\n" TRANSFORM OUTPUT,
          "5:17", "unknown key 'typ' in input.columns[0]");
    s_bad(NAME "input:\n  uri: /r/\n  columns: []\n" TRANSFORM OUTPUT, "4:12",
          "input.columns must list at least one column");
    s_bad(NAME
          "input:\n  uri: /r/\n  delimiter: '||'\n  columns: [{name: a, type: string}]\n" TRANSFORM
              OUTPUT,
          "4:14", "bad input.delimiter '||'");
    s_bad(
        NAME
        "input:\n  uri: /r/\n  quote: '|'\n  columns: [{name: a, type: string}]\n" TRANSFORM OUTPUT,
        "4:10", "input.quote must differ from input.delimiter");
    s_bad(NAME "input:\n  uri: /r/\n  quote: '\"'\n  escape: '\"'\n"
               "  columns: [{name: a, type: string}]\n" TRANSFORM OUTPUT,
          "5:11", "input.escape must differ");
    s_bad(NAME "input:\n  uri: /r/\n  quoted_newlines: true\n"
               "  columns: [{name: a, type: string}]\n" TRANSFORM OUTPUT,
          "4:20", "quoted_newlines needs a quote character");
    s_bad(NAME "input:\n  uri: /r/\n  header: yes\n  columns: [{name: a, type: string}]\n" TRANSFORM
              OUTPUT,
          "4:11", "bad input.header 'yes': expected true or false");
    s_bad(
        NAME
        "input:\n  uri: /r/\n  compression: bzip2\n  columns: [{name: a, type: string}]\n" TRANSFORM
            OUTPUT,
        "4:16", "expected one of auto, none, gzip, zstd");
    s_bad(NAME
          "input:\n  uri: /r/\n  format: xml\n  columns: [{name: a, type: string}]\n" TRANSFORM
              OUTPUT,
          "4:11", "bad input.format 'xml'");
    s_bad(NAME
          "input:\n  uri: /r/\n  skip_lines: -1\n  columns: [{name: a, type: string}]\n" TRANSFORM
              OUTPUT,
          "4:15", "bad input.skip_lines '-1': out of range 0..1000");
    s_bad(NAME
          "input:\n  uri: /r/\n  skip_lines: 1e3\n  columns: [{name: a, type: string}]\n" TRANSFORM
              OUTPUT,
          "4:15", "expected an integer");
    s_bad(NAME
          "input:\n  uri: /r/\n  max_record: 65MB\n  columns: [{name: a, type: string}]\n" TRANSFORM
              OUTPUT,
          "4:15", "bad input.max_record '65MB'");
    s_bad(NAME "input:\n  uri: ''\n  columns: [{name: a, type: string}]\n" TRANSFORM OUTPUT, "3:8",
          "input.uri must not be empty");
}

Test(job, error_filter)
{
    const char *head = NAME INPUT TRANSFORM OUTPUT "filter:\n";
    char y[2048];
    snprintf(y, sizeof y, "%s  - {column: zz, op: eq, value: 1}\n", head);
    s_bad(y, "15:14", "unknown input column 'zz' in filter[0]");
    snprintf(y, sizeof y, "%s  - {column: a, op: like, value: 1}\n", head);
    s_bad(y, "15:21", "bad op 'like': expected one of eq, ne, in, not_in, null, not_null");
    snprintf(y, sizeof y, "%s  - {column: a, op: eq}\n", head);
    s_bad(y, "15:5", "op 'eq' needs 'value' in filter[0]");
    snprintf(y, sizeof y, "%s  - {column: a, op: ne, values: [x]}\n", head);
    s_bad(y, "15:33", "op 'ne' takes 'value', not 'values'");
    snprintf(y, sizeof y, "%s  - {column: a, op: in, value: x}\n", head);
    s_bad(y, "15:32", "op 'in' takes 'values', not 'value'");
    snprintf(y, sizeof y, "%s  - {column: a, op: not_in}\n", head);
    s_bad(y, "15:5", "op 'not_in' needs 'values'");
    snprintf(y, sizeof y, "%s  - {column: a, op: in, values: x}\n", head);
    s_bad(y, "15:33", "values of filter[0] must be a sequence");
    snprintf(y, sizeof y, "%s  - {column: a, op: in, values: []}\n", head);
    s_bad(y, "15:33", "must list 1 to 32 values");
    snprintf(y, sizeof y, "%s  - {column: a, op: in, values: [[x]]}\n", head);
    s_bad(y, "15:34", "filter value must be a scalar, not a sequence");
    snprintf(y, sizeof y, "%s  - {column: a, op: null, value: x}\n", head);
    s_bad(y, "15:34", "op 'null' takes no value");
    snprintf(y, sizeof y, "%s  - {column: a, op: eq, value: x}\n  - {column: a, opp: eq}\n", head);
    s_bad(y, "16:17", "unknown key 'opp' in filter[1]");
    snprintf(y, sizeof y, "%s  - [a, eq, x]\n", head);
    s_bad(y, "15:5", "filter[0] must be a mapping, not a sequence");
}

#define TR_HEAD                                                                                    \
    NAME "input:\n  uri: /r/\n  columns:\n"                                                        \
         "    - {name: s, type: string}\n"                                                         \
         "    - {name: n, type: int}\n"                                                            \
         "    - {name: ts, type: timestamp}\n"                                                     \
         "    - {name: d, type: date}\n"                                                           \
         "transform:\n"                                                                            \
         "  - {name: a, from: s}\n"
/* lines: the transform item of each case is line 11 */
#define TR_TAIL "output: {uri: /o/, table: t, sort_key: [a]}\n"

Test(job, error_transform)
{
    s_bad(TR_HEAD "  - {name: x, type: date, from: n}\n" TR_TAIL, "11:33",
          "cannot cast input column 'n' (int) to date in transform 'x'");
    s_bad(TR_HEAD "  - {name: x, type: int, from: s}\n" TR_TAIL, "11:32",
          "cannot cast input column 's' (string) to int");
    s_bad(TR_HEAD "  - {name: x, type: timestamp, from: d}\n" TR_TAIL, "11:38",
          "cannot cast input column 'd' (date) to timestamp");
    s_bad(TR_HEAD "  - {name: x, from: nope}\n" TR_TAIL, "11:21",
          "unknown input column 'nope' in transform 'x'");
    s_bad(TR_HEAD "  - {name: a, from: n}\n" TR_TAIL, "11:12", "duplicate output column 'a'");
    s_bad(TR_HEAD "  - {name: x}\n" TR_TAIL, "11:5", "missing key 'from' or 'fn' in transform 'x'");
    s_bad(TR_HEAD "  - {type: int, from: n}\n" TR_TAIL, "11:5",
          "missing key 'name' in transform[1]");
    s_bad(TR_HEAD "  - {name: x, from: n, fn: upper}\n" TR_TAIL, "11:28",
          "give either 'from' or 'fn'");
    s_bad(TR_HEAD "  - {name: x, from: n, args: [n]}\n" TR_TAIL, "11:30",
          "'args' does not go with 'from'");
    s_bad(TR_HEAD "  - {name: x, fn: lower, args: [s]}\n" TR_TAIL, "11:19", "bad fn 'lower'");
    s_bad(TR_HEAD "  - {name: x, fn: to_utc, args: [ts]}\n" TR_TAIL, "11:33",
          "fn 'to_utc' takes 2 arguments in transform 'x', not 1");
    s_bad(TR_HEAD "  - {name: x, fn: to_utc, args: [d, s]}\n" TR_TAIL, "11:34",
          "fn to_utc needs a timestamp first argument");
    s_bad(TR_HEAD "  - {name: x, fn: to_utc, args: [ts, n]}\n" TR_TAIL, "11:38",
          "needs a string UTC offset second argument");
    s_bad(TR_HEAD "  - {name: x, type: string, fn: to_utc, args: [ts, s]}\n" TR_TAIL, "11:21",
          "fn to_utc gives a timestamp");
    s_bad(TR_HEAD "  - {name: x, fn: upper, args: [n]}\n" TR_TAIL, "11:33",
          "fn upper needs a string argument");
    s_bad(TR_HEAD "  - {name: x, fn: trim}\n" TR_TAIL, "11:19", "fn 'trim' takes 1 argument");
    s_bad(TR_HEAD "  - {name: x, fn: coalesce, args: [s, s, s, s, s]}\n" TR_TAIL, "11:35",
          "too many args");
    s_bad(TR_HEAD "  - {name: x, fn: coalesce, args: [s, n]}\n" TR_TAIL, "11:39",
          "cannot cast input column 'n' (int) to string");
    s_bad(TR_HEAD "  - {name: x, fn: coalesce, args: s}\n" TR_TAIL, "11:35",
          "args of transform 'x' must be a sequence");
    s_bad(TR_HEAD "  - {name: x, fn: const}\n" TR_TAIL, "11:5",
          "missing key 'type' in transform 'x' (fn const needs it)");
    s_bad(TR_HEAD "  - {name: x, type: int, fn: const, value: 12a}\n" TR_TAIL, "11:44",
          "bad value for int column 'x'");
    s_bad(TR_HEAD "  - {name: x, type: date, fn: const, value: '2026-02-30'}\n" TR_TAIL, "11:45",
          "bad value for date column 'x'");
    s_bad(TR_HEAD "  - {name: x, type: string, fn: const, value: ''}\n" TR_TAIL, "11:47",
          "const value must not be empty");
    s_bad(TR_HEAD "  - {name: x, type: string, fn: const, value: v, args: [s]}\n" TR_TAIL, "11:56",
          "fn 'const' takes 0 arguments");
    s_bad(TR_HEAD "  - {name: x, from: s, value: v}\n" TR_TAIL, "11:31",
          "'value' only goes with fn const");
    s_bad(TR_HEAD "  - {name: x, from: s, required: 1}\n" TR_TAIL, "11:34", "bad required '1'");
    s_bad(NAME INPUT "transform: []\n" OUTPUT, "7:12",
          "transform must list at least one output column");
}

#define OUT_HEAD                                                                                   \
    NAME "input:\n  uri: /r/\n  columns:\n"                                                        \
         "    - {name: s, type: string}\n"                                                         \
         "    - {name: n, type: int}\n"                                                            \
         "transform:\n"                                                                            \
         "  - {name: a, from: s}\n"                                                                \
         "  - {name: b, from: s}\n"                                                                \
         "  - {name: q, from: n}\n"                                                                \
         "output:\n"                                                                               \
         "  uri: /o/\n"                                                                            \
         "  table: t\n"
/* the case's first line is line 14 */

Test(job, error_output)
{
    s_bad(OUT_HEAD "  sort_key: [a, zz]\n", "14:17",
          "unknown output column 'zz' in output.sort_key");
    s_bad(OUT_HEAD "  sort_key: [a, a]\n", "14:17", "column 'a' appears twice in output.sort_key");
    s_bad(OUT_HEAD "  sort_key: []\n", "14:13", "must name at least one output column");
    s_bad(OUT_HEAD "  sort_key: a\n", "14:13", "output.sort_key must be a sequence");
    s_bad(OUT_HEAD, "12:3", "missing key 'sort_key' in output");
    s_bad(OUT_HEAD "  sort_key: [a]\n  distribution_key: [x]\n", "15:22",
          "unknown output column 'x' in output.distribution_key");
    s_bad(OUT_HEAD "  sort_key: [a, b]\n  reduce: {kind: aggregate, group: 3, sum: [q]}\n", "15:36",
          "reduce group 3 is longer than the sort key (2 columns)");
    s_bad(OUT_HEAD "  sort_key: [a, b]\n  reduce: {kind: aggregate, group: 0, sum: [q]}\n", "15:36",
          "bad reduce group '0': out of range 1..256");
    s_bad(OUT_HEAD "  sort_key: [a, b]\n  reduce: {kind: aggregate, group: 2, sum: [b]}\n", "15:45",
          "sum column 'b' is string, not int or decimal");
    s_bad(OUT_HEAD "  sort_key: [a, q]\n  reduce: {kind: aggregate, group: 2, sum: [q]}\n", "15:45",
          "sum column 'q' is part of the group");
    s_bad(OUT_HEAD "  sort_key: [a, b]\n  reduce: {kind: aggregate, group: 2}\n", "15:11",
          "missing key 'sum' in output.reduce");
    s_bad(OUT_HEAD "  sort_key: [a, b]\n  reduce: {kind: aggregate, sum: [q]}\n", "15:11",
          "missing key 'group' in output.reduce (reduce kind aggregate needs it)");
    s_bad(OUT_HEAD
          "  sort_key: [a, b]\n  reduce: {kind: aggregate, group: 1, sum: [q], keep: last}\n",
          "15:55", "key 'keep' only goes with reduce kind dedupe");
    s_bad(OUT_HEAD "  sort_key: [a, b]\n  reduce: {kind: dedupe, group: 1, drop_zero: true}\n",
          "15:47", "key 'drop_zero' only goes with reduce kind aggregate");
    s_bad(OUT_HEAD "  sort_key: [a, b]\n  reduce: {kind: identity, group: 1}\n", "15:35",
          "key 'group' does not go with reduce kind identity");
    s_bad(OUT_HEAD "  sort_key: [a, b]\n  reduce: {kind: dedupe, group: 1, keep: middle}\n",
          "15:42", "bad reduce keep 'middle': expected one of first, last");
    s_bad(OUT_HEAD "  sort_key: [a, b]\n  reduce: {kind: merge}\n", "15:18",
          "bad reduce kind 'merge'");
    s_bad(OUT_HEAD "  sort_key: [a, b]\n  reduce: {group: 1}\n", "15:11",
          "missing key 'kind' in output.reduce");
    s_bad(OUT_HEAD "  sort_key: [a, b]\n  reduce: {kind: dedupe, group: 1}\n"
                   "  distribution_key: [b]\n",
          "16:22", "distribution key column 'b' is not in the reduce group");
    s_bad(OUT_HEAD "  sort_key: [a]\n  slices: 0\n", "15:11", "bad output.slices '0'");
    s_bad(OUT_HEAD "  sort_key: [a]\n  zstd_level: 25\n", "15:15",
          "bad output.zstd_level '25': out of range 1..19");
    s_bad(OUT_HEAD "  sort_key: [a]\n  zstd_level: abc\n", "15:15", "expected an integer");
    s_bad(OUT_HEAD "  sort_key: [a]\n  target_file_size: 0\n", "15:21",
          "bad output.target_file_size '0'");
    s_bad(NAME INPUT TRANSFORM "output:\n  uri: /o/\n  table: 'x.y.z'\n  sort_key: [a]\n", "12:10",
          "bad output.table 'x.y.z'");
    s_bad(NAME INPUT TRANSFORM "output:\n  uri: /o/\n  table: 'x-y'\n  sort_key: [a]\n", "12:10",
          "bad output.table 'x-y'");
}

Test(job, error_operations)
{
    s_bad(NAME INPUT TRANSFORM OUTPUT "error_budget: {max_fraction: 1.5}\n", "14:30",
          "bad error_budget.max_fraction '1.5': must be between 0 and 1");
    s_bad(NAME INPUT TRANSFORM OUTPUT "error_budget: {max_fraction: 1%}\n", "14:30",
          "expected a number like 0.01");
    s_bad(NAME INPUT TRANSFORM OUTPUT "error_budget: {max_rejects: -3}\n", "14:29",
          "bad error_budget.max_rejects '-3'");
    s_bad(NAME INPUT TRANSFORM OUTPUT "error_budget: {}\n", "14:15",
          "error_budget needs max_rejects, max_fraction or both");
    s_bad(NAME INPUT TRANSFORM OUTPUT "pool: 'a b'\n", "14:7", "bad pool 'a b'");
    s_bad(NAME INPUT TRANSFORM OUTPUT "memory: 512KB\n", "14:9", "bad memory '512KB'");
    s_bad(NAME INPUT TRANSFORM OUTPUT "max_attempts: 0\n", "14:15",
          "bad max_attempts '0': out of range 1..100");
}

Test(job, s3_settings)
{
    /* an endpoint the operator allows (NIGHTSHIFT_S3_ENDPOINTS; docs/SECURITY.md) */
    ns_err_t err;
    cr_assert_eq(ns_scope_set_endpoints("http://minio-2026-11-24:9000", &err), 0, "%s", err.msg);
    ns_job_t *j = s_ok(NAME INPUT TRANSFORM OUTPUT
                       "s3: {endpoint: 'http://minio-{date}:9000', region: eu-west-1, "
                       "path_style: false}\n");
    cr_expect_str_eq(j->s3_endpoint, "http://minio-2026-11-24:9000"); /* variables apply */
    cr_expect_str_eq(j->s3_region, "eu-west-1");
    cr_expect_eq(j->s3_path_style, 0);
    cr_expect_eq(ns_job_apply_storage(j, &err), 0, "%s", err.msg); /* no s3:// URIs: nothing to do */
    /* a process that does not allow it refuses it before any request goes there */
    cr_assert_eq(ns_scope_set_endpoints("", &err), 0, "%s", err.msg);
    cr_expect_eq(ns_job_apply_storage(j, &err), -1);
    cr_expect(strstr(err.msg, "job 't': s3.endpoint 'http://minio-2026-11-24:9000' is refused: "
                              "it is neither this process's own S3 endpoint"),
              "%s", err.msg);
    ns_job_destroy(&j);
    s_bad(NAME INPUT TRANSFORM OUTPUT "s3: {endpoint: 'http://minio-{date}:9000'}\n", "14:16",
          "s3.endpoint 'http://minio-2026-11-24:9000' is refused: it is neither this process's "
          "own S3 endpoint");
    s_bad(NAME INPUT TRANSFORM OUTPUT "s3: {endpoint: 'ftp://x'}\n", "14:16",
          "bad s3.endpoint 'ftp://x'");
    s_bad(NAME INPUT TRANSFORM OUTPUT "s3: {path_style: maybe}\n", "14:18",
          "bad s3.path_style 'maybe'");
    s_bad(NAME INPUT TRANSFORM OUTPUT "s3: {bucket: x}\n", "14:6", "bucket");
}

/* The s3: section places every bucket the job names, its lookups' too:
 * the S3 backend then refuses another place for them. */
Test(job, s3_settings_place_every_bucket)
{
    ns_err_t err;
    setenv("AWS_ACCESS_KEY_ID", "AKIDEXAMPLE", 1); /* placing a bucket reads the credentials */
    setenv("AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY", 1);
    cr_assert_eq(ns_scope_set_endpoints("http://other:9000", &err), 0, "%s", err.msg);
    ns_job_t *j = s_ok(NAME
                       "input:\n  uri: s3://in-b/raw/\n"
                       "  columns:\n    - {name: a, type: string}\n    - {name: n, type: int}\n"
                       "lookups:\n  - name: p\n    input:\n      uri: s3://lk-b/m/\n"
                       "      columns: [{name: a, type: string}]\n    key: [a]\n"
                       TRANSFORM
                       "output:\n  uri: s3://out-b/o/\n  table: t\n  sort_key: [a]\n"
                       "s3: {endpoint: 'http://other:9000', region: eu-west-1}\n");
    cr_assert_eq(ns_job_apply_storage(j, &err), 0, "%s", err.msg);
    const char *const buckets[] = {"in-b", "lk-b", "out-b"};
    for (int i = 0; i < 3; i++) {
        /* another place is an error (an unplaced bucket would take it),
         * the same place again a no-op */
        cr_expect_eq(ns_store_s3_bucket_settings(buckets[i], NULL, NULL, -1, &err), -1,
                     "bucket %s was not placed", buckets[i]);
        cr_expect(strstr(err.msg, "differ from those another job gave (http://other:9000)"), "%s",
                  err.msg);
        cr_expect_eq(ns_store_s3_bucket_settings(buckets[i], "http://other:9000", "eu-west-1", -1,
                                                 &err),
                     0, "%s: %s", buckets[i], err.msg);
    }
    ns_job_destroy(&j);
}

Test(job, input_formats_and_options)
{
    ns_job_t *j = s_ok(NAME
                       "input:\n"
                       "  uri: /raw/\n"
                       "  encoding: utf-16\n"
                       "  trim: true\n"
                       "  columns:\n"
                       "    - {name: a, type: string}\n"
                       "    - {name: n, type: 'decimal(12,2)', number: money}\n" TRANSFORM OUTPUT);
    cr_expect_eq(j->format, NS_FORMAT_DELIMITED);
    cr_expect_eq(j->encoding, NS_ENC_UTF16);
    cr_expect(j->trim);
    cr_expect_eq(j->in[1].number, NS_NUM_MONEY);
    cr_expect_eq(j->in[0].number, NS_NUM_PLAIN);
    cr_expect_not(ns_job_splittable(j), "UTF-16 input is read whole");
    ns_job_destroy(&j);
    j = s_ok(NAME
             "input:\n"
             "  uri: /raw/\n"
             "  format: json\n"
             "  concatenated: true\n"
             "  explode: line_items\n"
             "  columns:\n"
             "    - {name: a, type: string, path: customer.id}\n"
             "    - {name: n, type: int, path: 'line_items[].quantity'}\n" TRANSFORM OUTPUT);
    cr_expect_eq(j->format, NS_FORMAT_JSON);
    cr_expect(j->concatenated);
    cr_expect_str_eq(j->explode, "line_items");
    cr_expect_str_eq(j->in[0].path, "customer.id");
    cr_expect_eq(j->header_lines, 0);
    cr_expect_not(ns_job_splittable(j));
    ns_job_destroy(&j);
    j = s_ok(NAME INPUT TRANSFORM OUTPUT);
    cr_expect(ns_job_splittable(j));
    ns_job_destroy(&j);
    s_bad(NAME "input:\n  uri: /raw/\n  encoding: latin1\n  columns: [{name: a, type: string}]\n"
               TRANSFORM OUTPUT, "4:13", "input.encoding");
    s_bad(NAME "input:\n  uri: /raw/\n  columns: [{name: a, type: string, number: money}]\n"
               TRANSFORM OUTPUT, "4:45", "applies to int and decimal columns only");
    s_bad(NAME "input:\n  uri: /raw/\n  columns: [{name: a, type: string, path: x}]\n"
               TRANSFORM OUTPUT, "4:43", "path applies to json and edi inputs");
    s_bad(NAME "input:\n  uri: /raw/\n  concatenated: true\n  columns: [{name: a, type: string}]\n"
               TRANSFORM OUTPUT, "4:17", "applies to json input only");
    s_bad(NAME "input:\n  uri: /raw/\n  format: edi\n  delimiter: ','\n  columns: [{name: a, type: string}]\n"
               TRANSFORM OUTPUT, "5:14", "input.delimiter applies to delimited input only");
}

#define LOOKUPS                                                                                    \
    "lookups:\n"                                                                                   \
    "  - name: p\n"                                                                                \
    "    input:\n"                                                                                 \
    "      uri: /m/\n"                                                                             \
    "      columns: [{name: a, type: string}, {name: price, type: 'decimal(12,2)'}]\n"             \
    "    key: [a]\n"

Test(job, lookups_and_arithmetic)
{
    ns_job_t *j = s_ok(NAME INPUT LOOKUPS
                       "transform:\n"
                       "  - {name: a, from: a}\n"
                       "  - {name: price, fn: lookup, table: p, args: [a], column: price, required: true}\n"
                       "  - {name: total, fn: mul, args: [n, price], type: 'decimal(14,2)'}\n"
                       "  - {name: diff, fn: sub, args: [total, price]}\n" OUTPUT);
    cr_expect_eq(j->nlookups, 1);
    cr_expect_str_eq(j->lookups[0].name, "p");
    cr_expect_str_eq(j->lookups[0].src->input_uri, "/m/");
    cr_expect_eq(j->lookups[0].nkey, 1);
    cr_expect_eq(j->lookups[0].max_bytes, 256ull << 20);
    cr_expect_eq(j->out[1].fn, NS_FN_LOOKUP);
    cr_expect_eq(j->out[1].lookup_col, 1);
    cr_expect_eq(j->out[1].type.scale, 2);
    cr_expect_eq(j->out[2].args[1], NS_ARG_OUT(1), "an earlier output column as an argument");
    cr_expect_eq(j->out[3].type.scale, 2, "sub takes its first argument's type");
    ns_job_destroy(&j);
#define T1 "transform:\n  - {name: a, from: a}\n"
    s_bad(NAME INPUT LOOKUPS T1 "  - {name: x, fn: lookup, table: q, args: [a], column: price}\n" OUTPUT,
          "15:34", "unknown lookup 'q'");
    s_bad(NAME INPUT LOOKUPS T1 "  - {name: x, fn: lookup, table: p, args: [a], column: nope}\n" OUTPUT,
          "15:56", "lookup 'p' has no column 'nope'");
    s_bad(NAME INPUT LOOKUPS T1 "  - {name: x, fn: lookup, table: p, args: [a, n], column: price}\n" OUTPUT,
          "15:43", "lookup 'p' has a key of 1 column");
    s_bad(NAME INPUT LOOKUPS T1 "  - {name: x, fn: lookup, table: p, args: [n], column: price}\n" OUTPUT,
          "15:44", "'n' (int) does not match key column 'a'");
    s_bad(NAME INPUT LOOKUPS T1 "  - {name: x, fn: lookup, args: [a]}\n" OUTPUT, "15:5",
          "fn lookup needs 'table' and 'column'");
    s_bad(NAME INPUT LOOKUPS T1 "  - {name: x, fn: mul, args: [n, n]}\n" OUTPUT, "15:5",
          "fn mul needs it");
    s_bad(NAME INPUT LOOKUPS T1 "  - {name: x, fn: add, args: [n, a]}\n" OUTPUT, "15:34",
          "fn add needs int or decimal arguments");
    s_bad(NAME INPUT LOOKUPS T1 "  - {name: x, fn: add, args: [n, later]}\n  - {name: later, from: n}\n" OUTPUT,
          "15:34", "unknown input column 'later'");
    s_bad(NAME INPUT "lookups:\n  - name: p\n    input: {uri: /m/, columns: [{name: a, type: string}]}\n"
                     "    key: [b]\n" TRANSFORM OUTPUT,
          "10:11", "unknown input column 'b' in the key of lookup 'p'");
#undef T1
}

/* substr cuts fixed-width columns (GHCN stations.txt); ends_with filters by
 * a suffix (the LAUS measure code). */
Test(job, substr_and_ends_with)
{
    ns_job_t *j = s_ok(TR_HEAD "  - {name: id, fn: substr, args: [s], start: 1, length: 11}\n"
                               "  - {name: rest, fn: substr, args: [a], start: 87}\n"
                               "  - {name: id2, fn: trim, args: [id]}\n"
                       "filter:\n  - {column: s, op: ends_with, value: '03'}\n" TR_TAIL);
    cr_expect_eq(j->out[1].fn, NS_FN_SUBSTR);
    cr_expect_eq(j->out[1].type.type, NS_T_STRING);
    cr_expect_eq(j->out[1].sub_start, 1);
    cr_expect_eq(j->out[1].sub_len, 11);
    cr_expect_eq(j->out[2].args[0], NS_ARG_OUT(0), "an earlier output column as an argument");
    cr_expect_eq(j->out[2].sub_start, 87);
    cr_expect_eq(j->out[2].sub_len, 64 << 20, "without length: to the end");
    cr_expect_eq(j->filter[0].op, NS_OP_ENDS_WITH);
    cr_expect_str_eq(j->filter[0].values[0], "03");
    ns_job_destroy(&j);
    s_bad(TR_HEAD "  - {name: x, fn: substr, args: [s]}\n" TR_TAIL, "11:5",
          "fn substr needs 'start' (the first byte, from 1) in transform 'x'");
    s_bad(TR_HEAD "  - {name: x, fn: substr, args: [s], start: 0}\n" TR_TAIL, "11:45", "start");
    s_bad(TR_HEAD "  - {name: x, fn: substr, args: [s], start: 1, length: 0}\n" TR_TAIL, "11:56",
          "length");
    s_bad(TR_HEAD "  - {name: x, fn: substr, args: [n], start: 1}\n" TR_TAIL, "11:34",
          "fn substr needs a string argument");
    s_bad(TR_HEAD "  - {name: x, type: int, fn: substr, args: [s], start: 1}\n" TR_TAIL, "11:21",
          "fn substr gives a string");
    s_bad(TR_HEAD "  - {name: x, fn: substr, args: [s, s], start: 1}\n" TR_TAIL, "11:33",
          "fn 'substr' takes 1 argument");
    s_bad(TR_HEAD "  - {name: x, fn: trim, args: [s], start: 1}\n" TR_TAIL, "11:43",
          "'start' and 'length' only go with fn substr");
    s_bad(TR_HEAD "  - {name: x, from: s, length: 2}\n" TR_TAIL, "11:32",
          "'start' and 'length' only go with fn substr");
    const char *head = NAME INPUT TRANSFORM OUTPUT "filter:\n";
    char y[2048];
    snprintf(y, sizeof y, "%s  - {column: a, op: ends_with}\n", head);
    s_bad(y, "15:5", "op 'ends_with' needs 'value' in filter[0]");
    snprintf(y, sizeof y, "%s  - {column: a, op: ends_with, values: ['03']}\n", head);
    s_bad(y, "15:40", "op 'ends_with' takes 'value', not 'values'");
}

/* ---- bounds ---- */

Test(job, bounds)
{
    ns_err_t err;
    /* text larger than 1 MiB */
    size_t big = (1u << 20) + 1;
    char *text = malloc(big);
    cr_assert(text);
    memset(text, '#', big);
    ns_job_t *j = ns_job_parse(text, big, "big.yaml", NULL, 0, &err);
    cr_expect_null(j);
    cr_expect(strstr(err.msg, "big.yaml: job definition is 1048577 bytes"), "%s", err.msg);
    free(text);

    /* 257 input columns */
    size_t cap = 64 * 1024;
    text = malloc(cap);
    cr_assert(text);
    size_t o = (size_t)snprintf(text, cap, "name: t\ninput:\n  uri: /r/\n  columns:\n");
    for (int i = 0; i < 257; i++)
        o += (size_t)snprintf(text + o, cap - o, "    - {name: c%d, type: int}\n", i);
    snprintf(text + o, cap - o, TRANSFORM OUTPUT);
    j = ns_job_parse(text, strlen(text), "t.yaml", NULL, 0, &err);
    cr_expect_null(j);
    cr_expect_str_eq(err.msg, "t.yaml:261:7: more than 256 input columns");
    free(text);

    /* a name one byte too long */
    char y[1024];
    snprintf(
        y, sizeof y,
        "name: t\ninput:\n  uri: /r/\n  columns:\n    - {name: %0*d, type: int}\n" TRANSFORM OUTPUT,
        64, 0);
    j = ns_job_parse(y, strlen(y), "t.yaml", NULL, 0, &err);
    cr_expect_null(j);
    cr_expect(strstr(err.msg, "t.yaml:5:14: bad column name '0000"), "%s", err.msg);

    /* empty and NULL text, invalid UTF-8 */
    j = ns_job_parse("", 0, NULL, NULL, 0, &err);
    cr_expect_null(j);
    cr_expect_str_eq(err.msg, "job: empty job definition");
    j = ns_job_parse(NULL, 0, "x", NULL, 0, &err);
    cr_expect_null(j);
    cr_expect_str_eq(err.msg, "x: no job text");
    const char bad_utf8[] = "name: t\ndescription: \xff\xfe\n";
    j = ns_job_parse(bad_utf8, sizeof bad_utf8 - 1, "u.yaml", NULL, 0, &err);
    cr_expect_null(j);
    cr_expect(strncmp(err.msg, "u.yaml:2:14: ", 13) == 0, "%s", err.msg);

    /* a cyclic alias is walked by the schema, not followed */
    const char *cyc = "name: t\ninput: &x {uri: /r/, columns: *x}\ntransform: []\noutput: {}\n";
    j = ns_job_parse(cyc, strlen(cyc), "a.yaml", NULL, 0, &err);
    cr_expect_null(j);
    cr_expect(strstr(err.msg, "input.columns must be a sequence, not a mapping"), "%s", err.msg);
}

/* The reader limits of the input section: each for its formats, each in
 * its range, at both ends. */
Test(job, input_limits)
{
    ns_job_t *j = s_ok(NAME "input:\n  uri: /r/\n  format: json\n  max_depth: 1024\n"
                            "  max_ratio: 100000\n  max_record: 64MB\n"
                            "  columns: [{name: a, type: string}, {name: n, type: int}]\n" TRANSFORM
                                OUTPUT);
    cr_expect_eq(j->max_depth, 1024);
    cr_expect_eq(j->max_ratio, 100000);
    cr_expect_eq(j->max_record, 64ull << 20);
    ns_job_destroy(&j);
    j = s_ok(NAME "input:\n  uri: /r/\n  format: edi\n  max_segments: 268435456\n"
                  "  max_interchange_segments: 1\n  max_ratio: 1\n"
                  "  columns: [{name: a, type: string}, {name: n, type: int}]\n" TRANSFORM OUTPUT);
    cr_expect_eq(j->max_segments, 1 << 28);
    cr_expect_eq(j->max_interchange_segments, 1);
    cr_expect_eq(j->max_ratio, 1);
    ns_job_destroy(&j);
    j = s_ok(NAME "input:\n  uri: /r/\n  format: edi\n  max_segments: 1\n"
                  "  max_interchange_segments: 1073741824\n"
                  "  columns: [{name: a, type: string}, {name: n, type: int}]\n" TRANSFORM OUTPUT);
    cr_expect_eq(j->max_segments, 1);
    cr_expect_eq(j->max_interchange_segments, 1 << 30);
    ns_job_destroy(&j);

#define S_IN(fmt, key) NAME "input:\n  uri: /r/\n  format: " fmt "\n  " key "\n"               \
                            "  columns: [{name: a, type: string}]\n" TRANSFORM OUTPUT
    s_bad(S_IN("json", "max_depth: 0"), "5:14", "bad input.max_depth '0': out of range 1..1024");
    s_bad(S_IN("json", "max_depth: 1025"), "5:14", "out of range 1..1024");
    s_bad(S_IN("delimited", "max_depth: 8"), "5:14", "input.max_depth applies to json input only");
    s_bad(S_IN("edi", "max_segments: 0"), "5:17", "bad input.max_segments '0': out of range");
    s_bad(S_IN("edi", "max_segments: 268435457"), "5:17", "out of range 1..268435456");
    s_bad(S_IN("json", "max_segments: 9"), "5:17", "input.max_segments applies to edi input only");
    s_bad(S_IN("edi", "max_interchange_segments: 1073741825"), "5:29",
          "bad input.max_interchange_segments '1073741825': out of range 1..1073741824");
    s_bad(S_IN("delimited", "max_interchange_segments: 9"), "5:29",
          "input.max_interchange_segments applies to edi input only");
    s_bad(S_IN("json", "max_ratio: 0"), "5:14", "bad input.max_ratio '0': out of range 1..100000");
    s_bad(S_IN("json", "max_ratio: 100001"), "5:14", "out of range 1..100000");
    s_bad(S_IN("json", "max_ratio: 2.5"), "5:14", "expected an integer");
#undef S_IN
}

/* Lines of "  - x\n" under the description: with the base job's nodes
 * (the description's key and sequence included), n items make 42 + n. */
static char *s_desc_list(int n, size_t *len)
{
    const char *base = NAME INPUT TRANSFORM OUTPUT "description:\n";
    size_t cap = strlen(base) + (size_t)n * 6 + 1;
    char *y = malloc(cap);
    cr_assert(y);
    size_t k = (size_t)snprintf(y, cap, "%s", base);
    for (int i = 0; i < n; i++) {
        memcpy(y + k, "  - x\n", 6);
        k += 6;
    }
    y[k] = '\0';
    *len = k;
    return y;
}

/* The bounds of the job file itself, each checked before the document is
 * built and named in its error; just under each, the job gets as far as
 * the schema (a description must be a scalar). */
Test(job, job_file_bounds)
{
    ns_err_t err;
    /* nesting: the root mapping is level 1, so 31 brackets make 32 levels */
    for (int depth = 32; depth <= 33; depth++) {
        char y[512];
        int k = snprintf(y, sizeof y, NAME INPUT TRANSFORM OUTPUT "description: ");
        for (int i = 1; i < depth; i++)
            y[k++] = '[';
        for (int i = 1; i < depth; i++)
            y[k++] = ']';
        y[k++] = '\n';
        y[k] = '\0';
        ns_job_t *j = ns_job_parse(y, (size_t)k, "t.yaml", NULL, 0, &err);
        cr_expect_null(j);
        if (depth == 32)
            cr_expect(strstr(err.msg, "description must be a scalar"), "%s", err.msg);
        else
            cr_expect_str_eq(err.msg, "t.yaml:14:45: nesting exceeds max_job_depth (32 levels)");
    }
    /* a megabyte of brackets stops at level 33, not at the end */
    size_t big = 1u << 20;
    char *text = malloc(big);
    cr_assert(text);
    memset(text, '[', big);
    ns_job_t *j = ns_job_parse(text, big, "b.yaml", NULL, 0, &err);
    cr_expect_null(j);
    cr_expect_str_eq(err.msg, "b.yaml:1:33: nesting exceeds max_job_depth (32 levels)");
    free(text);

    /* nodes */
    for (int over = 0; over <= 1; over++) {
        size_t len;
        char *y = s_desc_list(65536 - 42 + over, &len);
        j = ns_job_parse(y, len, "t.yaml", NULL, 0, &err);
        cr_expect_null(j);
        if (!over)
            cr_expect(strstr(err.msg, "description must be a scalar"), "%s", err.msg);
        else
            cr_expect_str_eq(err.msg, "t.yaml:65509:5: job definition exceeds max_job_nodes "
                                      "(65536 YAML nodes)");
        free(y);
    }

    /* bytes: exactly 1 MiB is parsed (and is empty), one more is refused unread */
    text = malloc(big + 1);
    cr_assert(text);
    memset(text, '#', big + 1);
    j = ns_job_parse(text, big, "c.yaml", NULL, 0, &err);
    cr_expect_null(j);
    cr_expect_str_eq(err.msg, "c.yaml: empty job definition");
    j = ns_job_parse(text, big + 1, "c.yaml", NULL, 0, &err);
    cr_expect_null(j);
    cr_expect_str_eq(err.msg, "c.yaml: job definition is 1048577 bytes, exceeds max_job_bytes "
                              "(1048576 bytes)");
    free(text);
}

/* hidden columns, a const without a value (NULL), and the functions of the
 * sales jobs: concat, lpad, before, date_of, iso_week_end */
Test(job, transform_hidden_and_sales_fns)
{
    ns_job_t *j = s_ok(TR_HEAD
                       "  - {name: dash, fn: const, type: string, value: '-', hidden: true}\n"
                       "  - {name: p, fn: before, args: [s], value: ' #', hidden: true}\n"
                       "  - {name: nr, fn: lpad, args: [s], value: '4'}\n"
                       "  - {name: key, fn: concat, args: [p, dash, nr]}\n"
                       "  - {name: day, fn: date_of, args: [ts]}\n"
                       "  - {name: wk, fn: iso_week_end, args: [n]}\n"
                       "  - {name: none, fn: const, type: \"decimal(14,2)\"}\n" TR_TAIL);
    /* out[] holds the written columns only; calc[] all of them, in order */
    cr_assert_eq(j->nout, 6);
    cr_assert_eq(j->ncalc, 8);
    cr_expect_str_eq(j->out[1].name, "nr");
    cr_expect_str_eq(j->out[2].name, "key");
    cr_expect_eq(j->calc_out[1], -1);
    cr_expect_eq(j->calc_out[2], -1);
    cr_expect_eq(j->calc_out[4], 2);
    cr_expect_eq(j->calc[4].fn, NS_FN_CONCAT);
    cr_expect_eq(j->calc[4].args[0], NS_ARG_OUT(2)); /* p: an index of calc[] */
    cr_expect_eq(j->calc[3].value_num, 4);
    cr_expect_eq(j->out_types[2].type, NS_T_STRING);
    cr_expect_eq(j->out_types[3].type, NS_T_DATE);
    cr_expect_eq(j->out_types[4].type, NS_T_DATE);
    cr_expect_eq(j->out_types[5].type, NS_T_DECIMAL);
    cr_expect_null(j->calc[7].value);
    cr_expect_eq(ns_job_out_index(j, "dash"), -1);
    ns_job_destroy(&j);
    /* without hidden columns calc is out */
    j = s_ok(TR_HEAD TR_TAIL);
    cr_expect_eq(j->calc, j->out);
    cr_expect_eq(j->ncalc, 1);
    ns_job_destroy(&j);

    s_bad(TR_HEAD "  - {name: x, fn: concat, args: [s, n]}\n" TR_TAIL, "11:37",
          "fn concat needs string arguments in transform 'x'; 'n' is int");
    s_bad(TR_HEAD "  - {name: x, fn: concat, args: [s, s, s, s, s]}\n" TR_TAIL, "11:33",
          "too many args");
    s_bad(TR_HEAD "  - {name: x, fn: lpad, args: [s]}\n" TR_TAIL, "11:5",
          "missing key 'value' in transform 'x' (fn lpad pads to that width)");
    s_bad(TR_HEAD "  - {name: x, fn: lpad, args: [s], value: '65'}\n" TR_TAIL, "11:43",
          "fn lpad needs a width of 1 to 64");
    s_bad(TR_HEAD "  - {name: x, fn: lpad, args: [s], value: 4x}\n" TR_TAIL, "11:43",
          "fn lpad needs a width of 1 to 64");
    s_bad(TR_HEAD "  - {name: x, fn: before, args: [s]}\n" TR_TAIL, "11:5",
          "missing key 'value' in transform 'x' (fn before cuts at it)");
    s_bad(TR_HEAD "  - {name: x, type: int, fn: before, args: [s], value: '#'}\n" TR_TAIL, "11:21",
          "fn before gives a string");
    s_bad(TR_HEAD "  - {name: x, fn: date_of, args: [d]}\n" TR_TAIL, "11:35",
          "fn date_of needs a timestamp argument in transform 'x'; 'd' is date");
    s_bad(TR_HEAD "  - {name: x, fn: iso_week_end, args: [s]}\n" TR_TAIL, "11:40",
          "fn iso_week_end needs an int argument in transform 'x'; 's' is string");
    s_bad(TR_HEAD "  - {name: x, type: string, fn: date_of, args: [ts]}\n" TR_TAIL, "11:21",
          "fn date_of gives a date");
    s_bad(TR_HEAD "  - {name: x, from: s, hidden: yes}\n" TR_TAIL, "11:32", "bad hidden 'yes'");
    /* a hidden column is not written, so no key can name it */
    s_bad(NAME "input:\n  uri: /r/\n  columns:\n    - {name: s, type: string}\n"
               "transform:\n  - {name: a, from: s}\n  - {name: h, from: s, hidden: true}\n"
               "output: {uri: /o/, table: t, sort_key: [a, h]}\n",
          "9:44", "unknown output column 'h' in output.sort_key");
    s_bad(NAME "input:\n  uri: /r/\n  columns:\n    - {name: s, type: string}\n"
               "transform:\n  - {name: a, from: s, hidden: true}\n"
               "output: {uri: /o/, table: t, sort_key: [a]}\n",
          "7:3", "every transform column is hidden");
}

/* ---- output.load: what a load replaces (docs/LOADER.md) ---- */

Test(job, output_load)
{
    ns_job_t *j = s_ok(NAME INPUT TRANSFORM OUTPUT);
    cr_expect_eq(j->load_replace, NS_LOAD_APPEND, "no load key: rows are added");
    ns_job_destroy(&j);
    j = s_ok(NAME INPUT TRANSFORM OUTPUT "  load: {replace: all}\n");
    cr_expect_eq(j->load_replace, NS_LOAD_REPLACE_ALL);
    ns_job_destroy(&j);
    j = s_ok(NAME INPUT TRANSFORM OUTPUT "  load: {replace: none}\n");
    cr_expect_eq(j->load_replace, NS_LOAD_APPEND);
    ns_job_destroy(&j);
    j = s_ok(NAME INPUT TRANSFORM OUTPUT "  load: {replace: [n, a], version: n}\n");
    cr_expect_eq(j->load_replace, NS_LOAD_REPLACE_KEYS);
    cr_assert_eq(j->nload_keys, 2);
    cr_expect_str_eq(j->load_keys[0], "n");
    cr_expect_str_eq(j->load_keys[1], "a");
    cr_expect_str_eq(j->load_version, "n");
    ns_job_destroy(&j);

    s_bad(NAME INPUT TRANSFORM OUTPUT "  load: {replace: [zz]}\n", "14:20",
          "unknown output column 'zz' in output.load.replace");
    s_bad(NAME INPUT TRANSFORM OUTPUT "  load: {replace: [a, a]}\n", "14:23",
          "column 'a' appears twice in output.load.replace");
    s_bad(NAME INPUT TRANSFORM OUTPUT "  load: {replace: some}\n", "14:19", "output.load.replace");
    s_bad(NAME INPUT TRANSFORM OUTPUT "  load: {replace: []}\n", "14:19",
          "output.load.replace must name 1 to");
    s_bad(NAME INPUT TRANSFORM OUTPUT "  load: {replace: all, version: n}\n", "14:33",
          "output.load.version needs output.load.replace to name key columns");
    s_bad(NAME INPUT TRANSFORM OUTPUT "  load: {replace: [a], version: q}\n", "14:33",
          "unknown output column 'q' in output.load.version");
    s_bad(NAME INPUT TRANSFORM OUTPUT "  load: {mode: x}\n", "14:10", "unknown key 'mode' in output.load");
}

#include <time.h> /* tzset, for the deadline test */

Test(job, deadline)
{
    ns_job_t *j = s_ok(NAME INPUT TRANSFORM OUTPUT);
    cr_expect_null(j->deadline, "no deadline by default");
    ns_job_destroy(&j);
    j = s_ok(NAME INPUT TRANSFORM OUTPUT "deadline: \"06:00\"\n");
    cr_expect_str_eq(j->deadline, "06:00");
    ns_job_destroy(&j);
    j = s_ok(NAME INPUT TRANSFORM OUTPUT "deadline: 2026-11-25T05:30:00Z\n");
    cr_expect_str_eq(j->deadline, "2026-11-25T05:30:00Z");
    ns_job_destroy(&j);
    s_bad(NAME INPUT TRANSFORM OUTPUT "deadline: \"6 am\"\n", "14:11", "bad deadline '6 am'");
    s_bad(NAME INPUT TRANSFORM OUTPUT "deadline: \"25:00\"\n", "14:11", "out of range");

    /* resolved against the run date: HH:MM is local time the next morning */
    setenv("TZ", "UTC", 1);
    tzset();
    ns_err_t err;
    double t = 0;
    cr_assert_eq(ns_job_deadline("06:00", "2026-11-24", &t, &err), 0, "%s", err.msg);
    cr_expect_float_eq(t, 1795586400.0, 0.5, "2026-11-25T06:00Z, got %.0f", t); /* date -d */
    cr_assert_eq(ns_job_deadline("06:00", "2026-12-31", &t, &err), 0, "%s", err.msg);
    cr_expect_float_eq(t, 1798783200.0, 0.5, "across the year: 2027-01-01T06:00Z");
    cr_assert_eq(ns_job_deadline("2026-11-25T06:00:00Z", "2026-11-24", &t, &err), 0);
    cr_expect_float_eq(t, 1795586400.0, 0.5);
    cr_assert_eq(ns_job_deadline("2026-11-25T07:00+01:00", NULL, &t, &err), 0);
    cr_expect_float_eq(t, 1795586400.0, 0.5, "an offset names the same instant");
    cr_assert_eq(ns_job_deadline("2026-11-25 06:00", NULL, &t, &err), 0);
    cr_expect_float_eq(t, 1795586400.0, 0.5, "no zone: local time (UTC here)");
    setenv("TZ", "America/New_York", 1);
    tzset();
    cr_assert_eq(ns_job_deadline("06:00", "2026-11-24", &t, &err), 0);
    cr_expect_float_eq(t, 1795586400.0 + 5 * 3600, 0.5, "06:00 EST is 11:00Z");
    unsetenv("TZ");
    tzset();
    cr_expect_neq(ns_job_deadline("2026-11-25T06:00Q", NULL, &t, &err), 0);
    cr_expect_neq(ns_job_deadline("06:00", "2026-1-24", &t, &err), 0);
}
