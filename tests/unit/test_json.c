/*
 * Tests of ns_json, the JSON-lines / concatenated-JSON reader: the
 * SOURCES.md examples (an order exploded by line_items, clickstream events
 * written `}{` and mixed with newlines, social-ads insights with a BOM,
 * CRLF and blank lines), field text (escapes, surrogate pairs, big numbers
 * kept as written, literals, nulls and missing keys, objects and arrays as
 * raw JSON, repeated keys), exploding (empty, null, missing, not an array,
 * arrays of scalars, nested array paths), rejects with their offsets and
 * how reading goes on after them in both layouts, the max_record and
 * max_depth bounds, option and path errors, I/O errors, byte-range splits
 * (every pair of cut points over a small file: the union of three splits
 * is the whole file's records, each once, in order), and mutated inputs
 * that must never crash and must read the same whatever the read size,
 * and values longer than the reader's first input window (ns_inbuf, 64
 * KiB), read across its growth up to max_record.
 *
 * Every input is read with source reads of 1, 2, 3, 7, 64 bytes and
 * unlimited, which must give the same records; every record's and reject's
 * raw bytes must be the input's bytes at its offset. The files are under
 * tests/data/json/, found from this file's path.
 */
#include "ns_inbuf.h"
#include "ns_json.h"
#include "ns_test_util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

/* What a reader is made with. */
typedef struct {
    ns_json_opts_t o;
    const char *const *paths;
    int npaths;
    const char *explode;
} s_cfg_t;

static s_cfg_t s_cfg(const char *const *paths, int npaths, const char *explode, bool concat)
{
    s_cfg_t c;
    ns_json_opts_default(&c.o);
    c.o.concatenated = concat;
    c.paths = paths;
    c.npaths = npaths;
    c.explode = explode;
    return c;
}

static ns_recsrc_t *s_open(ns_reader_t *src, uint64_t from, uint64_t start, uint64_t end,
                           const void *cfg, ns_err_t *err)
{
    const s_cfg_t *c = cfg;
    return ns_json_new(src, &c->o, c->paths, c->npaths, c->explode, from, start, end, err);
}

static void s_check(const ns_record_t *rec, int kind, const void *cfg)
{
    const s_cfg_t *c = cfg;
    if (kind == NS_REC_RECORD)
        cr_assert_eq(rec->nfields, c->npaths);
}

/* A record as "offset:R:f1|f2|..." (null as \N) or "offset:X:reason:raw";
 * exploded records share their value's offset. */
static const ns_test_reader_t s_rd = {.open = s_open,
                                      .check = s_check,
                                      .order = NS_TEST_NONDECREASING,
                                      .sep = '|',
                                      .null = "\\N",
                                      .raw = true};

/* Reads data[0..len) whole with every source read size and checks the
 * rendered records against want[] (NULL-terminated). */
static void s_expect_n(const char *data, size_t len, const s_cfg_t *c, const char *const *want)
{
    ns_test_expect_all(&s_rd, c, data, len, want);
}

static void s_expect(const char *data, const s_cfg_t *c, const char *const *want)
{
    ns_test_expect_all(&s_rd, c, data, strlen(data), want);
}

/* Offset of the first occurrence of needle in data (which must hold it). */
static unsigned long long s_at(const char *data, const char *needle)
{
    return (unsigned long long)ns_test_offset_of(data, strlen(data), needle, 1);
}

/* ---- the SOURCES.md examples ---- */

Test(json, sources_order_exploded_by_line_items)
{
    size_t len;
    char *data = ns_test_load("json", "orders.jsonl", &len);
    const char *paths[] = {"id",
                           "name",
                           "customer.id",
                           "shipping_address.country_code",
                           "line_items[].id",
                           "line_items[].sku",
                           "line_items[].quantity",
                           "line_items[].price",
                           "total_price",
                           "financial_status",
                           "refunds",
                           "discount_codes"};
    s_cfg_t c = s_cfg(paths, 12, "line_items", false);
    char w[6][600];
    unsigned long long o2 = s_at(data, "{\"id\":\"5940139491235\"");
    unsigned long long o3 = s_at(data, "{\"id\":\"5940139491236\"");
    unsigned long long o4 = s_at(data, "{\"name\":\"#10234\"");
    unsigned long long o5 = s_at(data, "{\"id\":\"5940139491237\"");
    snprintf(w[0], sizeof w[0],
             "0:R:5940139491234|#10231|88123|CA|866550311766439020|DRS-1042-BLK-M|1|59.90|57.90|"
             "paid|[]|[{\"code\":\"FALL26\",\"amount\":\"12.00\",\"type\":\"fixed_amount\"}]");
    snprintf(w[1], sizeof w[1],
             "%llu:R:5940139491235|#10232|90412|CA|866550311766439021|SHT-1001-WHT-S|2|39.90|"
             "149.80|voided|[]|\\N",
             o2);
    snprintf(w[2], sizeof w[2],
             "%llu:R:5940139491235|#10232|90412|CA|866550311766439022|JNS-1107-NAV-L|1|69.90|"
             "149.80|voided|[]|\\N",
             o2);
    /* an empty array, a null array, a missing array: one record each */
    snprintf(w[3], sizeof w[3],
             "%llu:R:5940139491236|#10233|\\N|\\N|\\N|\\N|\\N|\\N|0.00|voided|[]|\\N", o3);
    snprintf(w[4], sizeof w[4], "%llu:R:\\N|#10234|88124|\\N|\\N|\\N|\\N|\\N|12.50|\\N|\\N|\\N",
             o4);
    snprintf(w[5], sizeof w[5],
             "%llu:R:5940139491237|#10235|88125|US|\\N|\\N|\\N|\\N|19.90|\\N|\\N|\\N", o5);
    const char *want[] = {w[0], w[1], w[2], w[3], w[4], w[5], NULL};
    s_expect_n(data, len, &c, want);

    /* without exploding: one record per order, line_items as raw JSON */
    const char *p2[] = {"id", "line_items", "customer"};
    s_cfg_t c2 = s_cfg(p2, 3, NULL, false);
    char v[5][700];
    snprintf(
        v[0], sizeof v[0],
        "0:R:5940139491234|[{\"id\":\"866550311766439020\",\"sku\":\"DRS-1042-BLK-M\","
        "\"quantity\":1,\"price\":\"59.90\",\"total_discount\":\"12.00\"}]|{\"id\":\"88123\"}");
    snprintf(v[1], sizeof v[1],
             "%llu:R:5940139491235|[{\"id\":\"866550311766439021\",\"sku\":\"SHT-1001-WHT-S\","
             "\"quantity\":2,\"price\":\"39.90\"},{\"id\":\"866550311766439022\",\"sku\":\"JNS-"
             "1107-NAV-L\",\"quantity\":1,\"price\":\"69.90\",\"properties\":[{\"name\":\"gift\","
             "\"value\":true}]}]|{\"id\":\"90412\",\"first_name\":\"Jos\\u00e9\"}",
             o2);
    snprintf(v[2], sizeof v[2], "%llu:R:5940139491236|[]|\\N", o3);
    snprintf(v[3], sizeof v[3], "%llu:R:\\N|\\N|{\"id\":88124}", o4);
    snprintf(v[4], sizeof v[4], "%llu:R:5940139491237|\\N|{\"id\":\"88125\"}", o5);
    const char *want2[] = {v[0], v[1], v[2], v[3], v[4], NULL};
    s_expect_n(data, len, &c2, want2);
    free(data);
}

static const char *const s_click_paths[] = {"type",
                                            "messageId",
                                            "anonymousId",
                                            "userId",
                                            "timestamp",
                                            "properties.path",
                                            "properties.order_id",
                                            "properties.revenue",
                                            "context.campaign.source",
                                            "context.campaign.medium",
                                            "context.campaign.name"};

static void s_check_clicks(const char *data, size_t len)
{
    s_cfg_t c = s_cfg(s_click_paths, 11, NULL, true);
    char w[5][400];
    snprintf(w[0], sizeof w[0],
             "0:R:page|ajs-9f1c2e|b7d2c1e0-4f7a-4c1e-9d51-0b2f6a1e7c33|\\N|2026-11-24T14:03:22."
             "989Z|/p/linen-shirt|\\N|\\N|meta|paid_social|fall_denim");
    snprintf(w[1], sizeof w[1],
             "%llu:R:track|ajs-9f1c2f|b7d2c1e0-4f7a-4c1e-9d51-0b2f6a1e7c33|u1001|2026-11-24T14:"
             "09:01.120Z|/checkout/thanks|5940139491234|57.90|meta|paid_social|fall_denim",
             s_at(data, "{\"type\":\"track\""));
    snprintf(w[2], sizeof w[2],
             "%llu:R:identify|ajs-9f1c30|c0ffee00-0000-4000-8000-000000000001|u1002|2026-11-24T14:"
             "10:00.000Z|\\N|\\N|\\N|\\N|\\N|\\N",
             s_at(data, "{\"type\":\"identify\""));
    snprintf(w[3], sizeof w[3],
             "%llu:R:page|ajs-9f1c31|c0ffee00-0000-4000-8000-000000000001|\\N|2026-11-24T14:11:"
             "00.000Z|/|\\N|\\N|\\N|\\N|\\N",
             s_at(data, "{\"type\":\"page\",\"messageId\":\"ajs-9f1c31\""));
    snprintf(w[4], sizeof w[4],
             "%llu:R:page|ajs-9f1c32|c0ffee00-0000-4000-8000-000000000001|\\N|2026-11-24T14:12:"
             "00.000Z|/c/denim|\\N|\\N|google|cpc|fall_denim",
             s_at(data, "{\"type\":\"page\",\"messageId\":\"ajs-9f1c32\""));
    const char *want[] = {w[0], w[1], w[2], w[3], w[4], NULL};
    s_expect_n(data, len, &c, want);
}

Test(json, sources_clickstream_concatenated_and_mixed)
{
    /* the file has three values written `}{`, then two more on their own lines */
    size_t len;
    char *data = ns_test_load("json", "clickstream.json", &len);
    cr_assert(strstr(data, "}}{\"type\":\"track\""));
    s_check_clicks(data, len);
    free(data);
}

Test(json, sources_clickstream_as_json_lines_rejects_concatenated_line)
{
    size_t len;
    char *data = ns_test_load("json", "clickstream.json", &len);
    s_cfg_t c = s_cfg(s_click_paths, 11, NULL, false);
    ns_test_list_t got = {0};
    ns_test_read(&s_rd, &c, data, len, 0, UINT64_MAX, 0, &got);
    cr_assert_eq(got.n, 3);
    cr_assert(strncmp(got.items[0], "0:X:invalid JSON: bytes after the value:{\"type\":\"page\"",
                      50) == 0,
              "%s", got.items[0]);
    cr_assert(strstr(got.items[1], ":R:page|ajs-9f1c31|"), "%s", got.items[1]);
    cr_assert(strstr(got.items[2], ":R:page|ajs-9f1c32|"), "%s", got.items[2]);
    ns_test_list_free(&got);
    free(data);
}

Test(json, sources_social_ads_bom_crlf_blank_lines)
{
    size_t len;
    char *data = ns_test_load("json", "insights_bom_crlf.jsonl", &len);
    const char *paths[] = {"date_start", "ad_id",       "campaign_name",
                           "spend",      "impressions", "actions"};
    s_cfg_t c = s_cfg(paths, 6, NULL, false);
    char w[3][300];
    snprintf(w[0], sizeof w[0],
             "3:R:2026-11-24|23851234567890123|fall_denim|5339.5|120034|[{\"action_type\":"
             "\"purchase\",\"value\":\"41\"}]");
    snprintf(w[1], sizeof w[1], "%llu:R:2026-11-24|23851234567890124|holiday_teaser|0|0|[]",
             s_at(data, "{\"date_start\":\"2026-11-24\",\"ad_id\":\"23851234567890124\""));
    snprintf(w[2], sizeof w[2], "%llu:R:2026-11-23|23851234567890125|fall_denim|1200.75|50001|\\N",
             s_at(data, "{\"date_start\":\"2026-11-23\""));
    const char *want[] = {w[0], w[1], w[2], NULL};
    s_expect_n(data, len, &c, want);
    free(data);
}

/* ---- field text ---- */

Test(json, concatenated_inline)
{
    const char *paths[] = {"a"};
    s_cfg_t c = s_cfg(paths, 1, NULL, true);
    const char *w[] = {"0:R:1", "7:R:2", "15:R:3", "24:R:4", "34:R:\\N", NULL};
    s_expect("{\"a\":1}{\"a\":2}\n{\"a\":3}\r\n{\"a\":4}  \t{\"b\":5}\n\n", &c, w);
    const char *w2[] = {NULL};
    s_expect("", &c, w2);
    s_expect(" \n\r\n\t", &c, w2);
    /* pretty-printed values spread over lines */
    const char *w3[] = {"0:R:1", "13:R:[1,\n 2]", NULL};
    s_expect("{\n  \"a\": 1\n}\n{\"a\":[1,\n 2]}", &c, w3);
}

Test(json, concatenated_strings_at_every_offset)
{
    /* escaped quotes and backslashes, and brackets inside strings, at every
     * position of the scanner's 8-byte steps */
    const char *paths[] = {"a", "b"};
    s_cfg_t c = s_cfg(paths, 2, NULL, true);
    for (int k = 0; k < 20; k++) {
        char data[256], w0[128], w1[64];
        char xs[32];
        memset(xs, 'x', (size_t)k);
        xs[k] = '\0';
        int n = snprintf(data, sizeof data, "{\"a\":\"%s\\\"}{\\\\\",\"b\":[\"]\"]}{\"a\":\"%s\"}",
                         xs, xs);
        cr_assert_lt(n, (int)sizeof data);
        snprintf(w0, sizeof w0, "0:R:%s\"}{\\|[\"]\"]", xs);
        snprintf(w1, sizeof w1, "%d:R:%s|\\N", 24 + k, xs);
        const char *want[] = {w0, w1, NULL};
        s_expect(data, &c, want);
    }
}

Test(json, big_numbers_stay_exact)
{
    const char *paths[] = {"a", "b", "c", "d", "e", "f", "g"};
    s_cfg_t c = s_cfg(paths, 7, NULL, false);
    const char *w[] = {"0:R:866550311766439020|5940139491234|123456789012345678901234567890|1.10|"
                       "-0.0|1e400|-2.5E-3",
                       NULL};
    s_expect("{\"a\":866550311766439020,\"b\":5940139491234,\"c\":123456789012345678901234567890,"
             "\"d\":1.10,\"e\":-0.0,\"f\":1e400,\"g\":-2.5E-3}\n",
             &c, w);
}

Test(json, escapes_and_surrogate_pairs)
{
    const char *paths[] = {"q", "u", "pair", "euro", "mix", "raw"};
    s_cfg_t c = s_cfg(paths, 6, NULL, false);
    const char *w[] = {"0:R:\"\\/\b\f\n\r\t|\xc3\xa9|\xf0\x9f\x91\x95|\xe2\x82\xac|a\xc3\xa9"
                       "b\xf0\x9f\x98\x80"
                       "c|M\xc3\xbcller",
                       NULL};
    s_expect("{\"q\":\"\\\"\\\\\\/\\b\\f\\n\\r\\t\",\"u\":\"\\u00e9\",\"pair\":\"\\ud83d\\udc55\","
             "\"euro\":\"\\u20AC\",\"mix\":\"a\\u00e9b\\uD83D\\uDE00c\",\"raw\":\"M\xc3\xbcller\"}",
             &c, w);
    /* escaped keys are compared unescaped */
    const char *p2[] = {"k\xc3\xa9y", "a\"b"};
    s_cfg_t c2 = s_cfg(p2, 2, NULL, false);
    const char *w2[] = {"0:R:1|2", NULL};
    s_expect("{\"k\\u00e9y\":1,\"a\\\"b\":2}", &c2, w2);
    /* a lone surrogate, high or low, is an error */
    const char *w3[] = {
        "0:X:invalid JSON: bad escape in a string (or a lone surrogate):{\"q\":\"\\ud83d\"}",
        "15:X:invalid JSON: bad escape in a string (or a lone surrogate):{\"q\":\"\\udc55x\"}",
        "31:R:ok|\\N|\\N|\\N|\\N|\\N", NULL};
    s_expect("{\"q\":\"\\ud83d\"}\n{\"q\":\"\\udc55x\"}\n{\"q\":\"ok\"}", &c, w3);
}

Test(json, nul_escape_keeps_its_length)
{
    const char *data = "{\"a\":\"x\\u0000y\"}\n";
    const char *paths[] = {"a"};
    ns_json_opts_t o;
    ns_json_opts_default(&o);
    ns_reader_t *src = ns_test_mem_reader(data, strlen(data), 0);
    ns_err_t err = {""};
    ns_recsrc_t *s = ns_json_new(src, &o, paths, 1, NULL, 0, 0, UINT64_MAX, &err);
    cr_assert(s, "%s", err.msg);
    ns_record_t rec;
    cr_assert_eq(s->next(s, &rec, &err), NS_REC_RECORD);
    cr_assert_eq(rec.fields[0].len, 3);
    cr_assert(memcmp(rec.fields[0].p, "x\0y", 3) == 0);
    cr_assert_eq(s->next(s, &rec, &err), NS_REC_END);
    s->destroy(s);
    ns_reader_close(&src);
}

Test(json, nulls_missing_literals_and_non_objects_on_the_path)
{
    const char *paths[] = {"a", "b", "c.d", "e.f", "g", "h", "i.j", "zz"};
    s_cfg_t c = s_cfg(paths, 8, NULL, false);
    const char *w[] = {"0:R:\\N|true|\\N|\\N|false||\\N|\\N", NULL};
    /* c is a string and i an array: paths through them are null; h is an
     * empty string (not null); zz is missing */
    s_expect(
        "{\"a\":null,\"b\":true,\"c\":\"str\",\"e\":{},\"g\":false,\"h\":\"\",\"i\":[{\"j\":1}]}",
        &c, w);
}

Test(json, objects_and_arrays_as_raw_text)
{
    const char *paths[] = {"customer", "customer.id", "tags", "empty", "nested"};
    s_cfg_t c = s_cfg(paths, 5, NULL, false);
    const char *w[] = {"0:R:{ \"id\" : \"88123\", \"x\":[1, {\"y\":\"}]\"}] }|88123|[\"a\", \"b\"]|"
                       "{}|{\"a\":{\"b\":[[],{}]}}",
                       NULL};
    s_expect("{\"customer\":{ \"id\" : \"88123\", \"x\":[1, {\"y\":\"}]\"}] },\"tags\":[\"a\", "
             "\"b\"],\"empty\":{},\"nested\":{\"a\":{\"b\":[[],{}]}}}",
             &c, w);
}

Test(json, repeated_key_last_wins)
{
    const char *paths[] = {"id", "it[].x"};
    s_cfg_t c = s_cfg(paths, 2, "it", false);
    const char *w[] = {"0:R:2|3", NULL};
    s_expect("{\"id\":1,\"it\":[{\"x\":1},{\"x\":2}],\"id\":2,\"it\":[{\"x\":3}]}", &c, w);
}

/* ---- exploding ---- */

Test(json, explode_variants)
{
    const char *paths[] = {"id", "tags[]", "n"};
    s_cfg_t c = s_cfg(paths, 3, "tags", false);
    const char *w[] = {"0:R:1|a|\\N",
                       "0:R:1|2|\\N",
                       "0:R:1|\\N|\\N",
                       "0:R:1|{\"k\":1}|\\N",
                       "37:R:2|\\N|x",
                       "54:R:3|\\N|\\N",
                       "73:X:'tags' is not an array:{\"id\":4,\"tags\":{\"a\":1}}",
                       "97:X:'tags' is not an array:{\"id\":5,\"tags\":\"a\"}",
                       NULL};
    s_expect("{\"id\":1,\"tags\":[\"a\",2,null,{\"k\":1}]}\n"
             "{\"id\":2,\"n\":\"x\"}\n"
             "{\"tags\":[],\"id\":3}\n"
             "{\"id\":4,\"tags\":{\"a\":1}}\n"
             "{\"id\":5,\"tags\":\"a\"}\n",
             &c, w);
    /* a nested array, elements that are not objects, deep element paths */
    const char *p2[] = {"data.items[].sku", "data.id", "data.items[].dims.w"};
    s_cfg_t c2 = s_cfg(p2, 3, "data.items", false);
    const char *w2[] = {"0:R:A|7|\\N", "0:R:\\N|7|\\N", "0:R:B|7|3", NULL};
    s_expect(
        "{\"data\":{\"items\":[{\"sku\":\"A\"},5,{\"sku\":\"B\",\"dims\":{\"w\":3}}],\"id\":7}}",
        &c2, w2);
    /* exploding with no element paths still makes one record per element */
    const char *p3[] = {"id"};
    s_cfg_t c3 = s_cfg(p3, 1, "it", true);
    const char *w3[] = {"0:R:1", "0:R:1", "0:R:1", "24:R:2", NULL};
    s_expect("{\"id\":1,\"it\":[1,2,3]}\n  {\"id\":2}", &c3, w3);
}

Test(json, explode_many_elements)
{
    /* 5000 elements: the rows grow; every element in order */
    size_t cap = 5000 * 16 + 64, k = 0;
    char *data = malloc(cap);
    cr_assert(data);
    k += (size_t)snprintf(data + k, cap - k, "{\"id\":\"o\",\"it\":[");
    for (int i = 0; i < 5000; i++)
        k += (size_t)snprintf(data + k, cap - k, "%s{\"n\":%d}", i ? "," : "", i);
    k += (size_t)snprintf(data + k, cap - k, "]}\n");
    const char *paths[] = {"it[].n", "id"};
    ns_json_opts_t o;
    ns_json_opts_default(&o);
    ns_reader_t *src = ns_test_mem_reader(data, k, 0);
    ns_err_t err = {""};
    ns_recsrc_t *s = ns_json_new(src, &o, paths, 2, "it", 0, 0, UINT64_MAX, &err);
    cr_assert(s, "%s", err.msg);
    ns_record_t rec;
    for (int i = 0; i < 5000; i++) {
        cr_assert_eq(s->next(s, &rec, &err), NS_REC_RECORD);
        char want[16];
        int wl = snprintf(want, sizeof want, "%d", i);
        cr_assert_eq(rec.fields[0].len, (uint32_t)wl);
        cr_assert(memcmp(rec.fields[0].p, want, (size_t)wl) == 0);
        cr_assert(rec.fields[1].len == 1 && rec.fields[1].p[0] == 'o');
        cr_assert_eq(rec.offset, 0);
        cr_assert_eq(rec.raw_len, k - 1);
    }
    cr_assert_eq(s->next(s, &rec, &err), NS_REC_END);
    s->destroy(s);
    ns_reader_close(&src);
    free(data);
}

/* ---- rejects and resync ---- */

Test(json, rejects_json_lines_file)
{
    size_t len;
    char *data = ns_test_load("json", "rejects.jsonl", &len);
    const char *paths[] = {"id", "line_items[].sku"};
    s_cfg_t c = s_cfg(paths, 2, "line_items", false);
    /* the offsets are those of the first occurrence of `at` */
    const ns_test_want_t exp[] = {
        {"{\"id\":\"1\"", 1, "R:1|\\N"},
        {"{\"id\":\"2\"", 1, "X:invalid JSON: bad literal 'tru':{\"id\":\"2\",\"x\":tru}"},
        {"{\"id\":\"3\"", 1, "X:invalid JSON: bad number '01':{\"id\":\"3\",\"n\":01}"},
        {"{\"id\":\"4\"", 1,
         "X:invalid JSON: missing or extra comma, colon, bracket or "
         "key:{\"id\":\"4\",\"a\":[1,,2]}"},
        {"[{\"id\":\"5\"}]", 1, "X:top-level value is not an object:[{\"id\":\"5\"}]"},
        {"\"just", 1, "X:top-level value is not an object:\"just a string\""},
        {"{\"id\":\"6\"", 1,
         "X:invalid JSON: bad escape in a string (or a lone "
         "surrogate):{\"id\":\"6\",\"s\":\"bad \\q escape\"}"},
        {"{\"id\":\"7\"", 1,
         "X:invalid JSON: unclosed object or array, or bytes after it:{\"id\":\"7\"} trailing"},
        {"{\"id\":\"8\"", 1, "X:invalid JSON: bytes after the value:{\"id\":\"8\"}{\"id\":\"9\"}"},
        {"{\"id\":\"10\"", 1,
         "X:invalid JSON: bad escape in a string (or a lone "
         "surrogate):{\"id\":\"10\",\"lone\":\"\\ud83d\"}"},
        {"{\"id\":\"11\"", 1,
         "X:invalid JSON: missing or extra comma, colon, bracket or "
         "key:{\"id\":\"11\",\"unclosed\":{\"a\":1}"},
        {"{\"id\":\"12\"", 1, "R:12|\\N"},
        {"{\"id\":\"13\"", 1,
         "X:'line_items' is not an array:{\"id\":\"13\",\"line_items\":{\"sku\":\"X\"}}"},
        {"{\"id\":\"14\"", 1, "R:14|A"},
        {"{\"id\":\"14\"", 1, "R:14|B"},
        {"{\"id\":\"15\"", 1,
         "X:invalid JSON: unescaped control character in a "
         "string:{\"id\":\"15\",\"c\":\"tab\tinside\"}"},
    };
    const char **want = ns_test_wants(data, len, exp, sizeof exp / sizeof exp[0]);
    s_expect_n(data, len, &c, want);
    free(want);
    free(data);
}

Test(json, rejects_concatenated_file)
{
    size_t len;
    char *data = ns_test_load("json", "rejects_concat.json", &len);
    const char *paths[] = {"id"};
    s_cfg_t c = s_cfg(paths, 1, NULL, true);
    c.o.max_depth = 3;
    /* the offsets are those of the first occurrence of `at` */
    const ns_test_want_t exp[] = {
        {"{\"id\":\"1\"", 1, "R:1"},
        {"{\"id\":\"2\"", 1, "X:invalid JSON: bad literal 'tru':{\"id\":\"2\",\"x\":tru}"},
        {"{\"id\":\"3\"", 1, "R:3"},
        {"xyz", 1, "X:invalid JSON: unexpected character:xyz"},
        {"{\"id\":\"4\"", 1, "R:4"},
        {"[1,2]", 1, "X:top-level value is not an object:[1,2]"},
        {"{\"id\":\"5\"", 1, "R:5"},
        /* a '{' after "1": the value was cut short; {"id":"7"} is kept */
        {"{\"id\":\"6\"", 1,
         "X:invalid JSON: unclosed object or array, or bytes after it:{\"id\":\"6\",\"a\":1"},
        {"{\"id\":\"7\"", 1, "R:7"},
        /* a newline inside a string: the bad region runs to the next '{' */
        {"{\"id\":\"8\"", 1, "X:invalid JSON: unclosed string:{\"id\":\"8\",\"s\":\"broken"},
        {"{\"id\":\"9\"", 1, "R:9"},
        {"42", 1, "X:top-level value is not an object:42"},
        {"{\"id\":\"10\"", 1, "R:10"},
        {"{\"id\":\"11\"", 1,
         "X:JSON nesting exceeds max_depth (3):{\"id\":\"11\",\"deep\":{\"a\":{\"b\":{\"c\":1}}}}"},
        {"{\"id\":\"12\"", 1,
         "X:invalid JSON: unclosed object or array, or bytes after "
         "it:{\"id\":\"12\",\"open\":[1,2"},
    };
    const char **want = ns_test_wants(data, len, exp, sizeof exp / sizeof exp[0]);
    s_expect_n(data, len, &c, want);
    free(want);
    free(data);
}

Test(json, rejects_inline_edge_cases)
{
    const char *paths[] = {"a"};
    s_cfg_t c = s_cfg(paths, 1, NULL, false);
    /* a last line without LF, a lone '}' line, an empty object, a line of
     * only a BOM in the middle (a BOM is only skipped at the start) */
    const char *w[] = {"0:R:1",
                       "8:X:invalid JSON: unexpected character:}",
                       "10:R:\\N",
                       "13:X:invalid JSON: unexpected character:\xef\xbb\xbf{}",
                       "19:X:invalid JSON: unclosed object or array, or bytes after it:{\"a\":",
                       NULL};
    s_expect("{\"a\":1}\n}\n{}\n\xef\xbb\xbf{}\n{\"a\":", &c, w);
    /* concatenated: unclosed string at the end, a stray closing bracket */
    s_cfg_t cc = s_cfg(paths, 1, NULL, true);
    const char *w2[] = {"0:X:invalid JSON: unexpected character:]}", "2:R:2",
                        "9:X:invalid JSON: unclosed string:{\"a\":\"x", NULL};
    s_expect("]}{\"a\":2}{\"a\":\"x", &cc, w2);
    /* a '{' right after '}' inside a value: cut there */
    const char *w3[] = {"0:X:invalid JSON: missing or extra comma, colon, bracket or key:{\"a\":{}",
                        "7:R:3", NULL};
    s_expect("{\"a\":{}{\"a\":3}", &cc, w3);
}

/* ---- bounds ---- */

Test(json, max_record_json_lines)
{
    const char *paths[] = {"a"};
    s_cfg_t c = s_cfg(paths, 1, NULL, false);
    c.o.max_record = 11;
    /* 11 bytes is fine (also before CRLF); 12 is not: rejected, cut at 11,
     * and reading goes on at the next line */
    const char *w[] = {"0:R:12345",
                       "12:R:12345",
                       "25:X:JSON value exceeds max_record (11 bytes):{\"a\":123456",
                       "38:R:1",
                       "46:X:JSON value exceeds max_record (11 bytes):{\"a\":\"xxxxx",
                       NULL};
    s_expect(
        "{\"a\":12345}\n{\"a\":12345}\r\n{\"a\":123456}\n{\"a\":1}\n{\"a\":\"xxxxxxxxxxxxxxxxxxxx"
        "xxxxxxxxxxxxxxx\"}",
        &c, w);
}

Test(json, max_record_concatenated)
{
    const char *paths[] = {"a"};
    s_cfg_t c = s_cfg(paths, 1, NULL, true);
    c.o.max_record = 12;
    /* a long value is skipped by bracket matching, even with '{' inside */
    const char *w[] = {"0:R:1",  "7:X:JSON value exceeds max_record (12 bytes):{\"a\":[{\"b\":{",
                       "34:R:2", "41:X:JSON value exceeds max_record (12 bytes):xxxxxxxxxxxx",
                       "61:R:3", "68:X:JSON value exceeds max_record (12 bytes):{\"a\":\"yyyyyy",
                       NULL};
    s_expect("{\"a\":1}{\"a\":[{\"b\":{\"c\":\"}{\"}},{}]}{\"a\":2}xxxxxxxxxxxxxxxxxxxx{\"a\":3}"
             "{\"a\":\"yyyyyyyyyyyyyyyy",
             &c, w);
}

static char *s_nested(int depth, const char *open, const char *inner, const char *close)
{
    size_t ol = strlen(open), cl = strlen(close), il = strlen(inner);
    char *p = malloc((size_t)depth * (ol + cl) + il + 16);
    cr_assert(p);
    size_t k = 0;
    memcpy(p + k, "{\"a\":", 5);
    k += 5;
    for (int i = 1; i < depth; i++) {
        memcpy(p + k, open, ol);
        k += ol;
    }
    memcpy(p + k, inner, il);
    k += il;
    for (int i = 1; i < depth; i++) {
        memcpy(p + k, close, cl);
        k += cl;
    }
    memcpy(p + k, "}\n", 3);
    return p;
}

Test(json, max_depth)
{
    const char *paths[] = {"a"};
    for (int concat = 0; concat <= 1; concat++) {
        s_cfg_t c = s_cfg(paths, 1, NULL, concat);
        c.o.max_depth = 4;
        /* depth 4 (root + 3) is fine, 5 is not; objects and arrays count */
        char *ok = s_nested(4, "[", "1", "]");
        char *deep = s_nested(5, "{\"b\":", "1", "}");
        char *mixed = s_nested(5, "[{\"c\":", "0", "}]");
        size_t lo = strlen(ok), ld = strlen(deep);
        size_t total = lo + ld + strlen(mixed) + 16;
        char *data = malloc(total);
        cr_assert(data);
        snprintf(data, total, "%s%s%s{\"a\":9}\n", ok, deep, mixed);
        char w0[64], w1[200], w2[200], w3[64];
        snprintf(w0, sizeof w0, "0:R:[[[1]]]");
        snprintf(w1, sizeof w1, "%zu:X:JSON nesting exceeds max_depth (4):%.*s", lo, (int)ld - 1,
                 deep);
        snprintf(w2, sizeof w2, "%zu:X:JSON nesting exceeds max_depth (4):%.*s", lo + ld,
                 (int)strlen(mixed) - 1, mixed);
        snprintf(w3, sizeof w3, "%zu:R:9", lo + ld + strlen(mixed));
        const char *want[] = {w0, w1, w2, w3, NULL};
        s_expect(data, &c, want);
        free(ok);
        free(deep);
        free(mixed);
        free(data);
    }
}

/* The defaults, at their edges, in both layouts: nesting 64 and a value of
 * exactly 1 MiB are records, 65 levels and a byte more are rejects naming
 * the limit. */
Test(json, default_limits_at_their_edges)
{
    const char *paths[] = {"a"};
    char *ok = s_nested(64, "[", "1", "]");
    char *deep = s_nested(65, "[", "1", "]");
    const size_t mib = 1024 * 1024;
    /* {"a":"xxx...x"} of exactly 1 MiB, then one a byte longer */
    size_t lo = strlen(ok), ld = strlen(deep), len = lo + ld + 2 * mib + 3;
    char *data = malloc(len + 1);
    cr_assert(data);
    size_t k = 0;
    memcpy(data + k, ok, lo);
    k += lo;
    memcpy(data + k, deep, ld);
    k += ld;
    for (size_t v = mib; v <= mib + 1; v++) {
        memcpy(data + k, "{\"a\":\"", 6);
        memset(data + k + 6, 'x', v - 8);
        memcpy(data + k + v - 2, "\"}\n", 3);
        k += v + 1;
    }
    cr_assert_eq(k, len);
    for (int concat = 0; concat <= 1; concat++) {
        s_cfg_t c = s_cfg(paths, 1, NULL, concat);
        ns_test_list_t got = {0};
        ns_test_read(&s_rd, &c, data, len, 0, UINT64_MAX, 65536, &got);
        cr_assert_eq(got.n, 4);
        cr_assert(strncmp(got.items[0], "0:R:[[[[", 8) == 0, "%.40s", got.items[0]);
        char w[128];
        snprintf(w, sizeof w, "%zu:X:JSON nesting exceeds max_depth (64):{\"a\":[[[", lo);
        cr_assert(strncmp(got.items[1], w, strlen(w)) == 0, "%.80s", got.items[1]);
        snprintf(w, sizeof w, "%zu:R:xxx", lo + ld);
        cr_assert(strncmp(got.items[2], w, strlen(w)) == 0, "%.80s", got.items[2]);
        snprintf(w, sizeof w, "%zu:X:JSON value exceeds max_record (1048576 bytes):{\"a\":\"xxx",
                 lo + ld + mib + 1);
        cr_assert(strncmp(got.items[3], w, strlen(w)) == 0, "%.80s", got.items[3]);
        ns_test_list_free(&got);
    }
    free(ok);
    free(deep);
    free(data);
}

Test(json, very_deep_input_does_not_crash)
{
    /* 200,000 open brackets: bounded by max_depth, not by the stack */
    size_t n = 200000;
    char *data = malloc(2 * n + 64);
    cr_assert(data);
    size_t k = 0;
    memcpy(data, "{\"a\":", 5);
    k = 5;
    for (size_t i = 0; i < n; i++)
        data[k++] = '[';
    for (size_t i = 0; i < n; i++)
        data[k++] = ']';
    memcpy(data + k, "}\n{\"a\":1}\n", 11);
    k += 10;
    const char *paths[] = {"a"};
    for (int concat = 0; concat <= 1; concat++) {
        s_cfg_t c = s_cfg(paths, 1, NULL, concat);
        ns_test_list_t got = {0};
        ns_test_read(&s_rd, &c, data, k, 0, UINT64_MAX, 0, &got);
        cr_assert_eq(got.n, 2);
        const char *w0 = "0:X:JSON nesting exceeds max_depth (64):";
        cr_assert(strncmp(got.items[0], w0, strlen(w0)) == 0, "%.80s", got.items[0]);
        cr_assert_str_eq(got.items[1], "400007:R:1");
        ns_test_list_free(&got);
    }
    free(data);
}

/* ---- options, paths, I/O ---- */

Test(json, defaults)
{
    ns_json_opts_t o;
    memset(&o, 0x5a, sizeof o);
    ns_json_opts_default(&o);
    cr_assert_eq(o.max_record, 1024 * 1024);
    cr_assert_eq(o.max_depth, 64);
    cr_assert(!o.concatenated);
}

static void s_bad_new(const ns_json_opts_t *o, const char *const *paths, int npaths,
                      const char *explode, uint64_t first, uint64_t start, uint64_t end,
                      const char *msg)
{
    ns_reader_t *src = ns_test_mem_reader("", 0, 0);
    ns_err_t err = {""};
    ns_recsrc_t *s = ns_json_new(src, o, paths, npaths, explode, first, start, end, &err);
    cr_assert_null(s, "expected '%s'", msg);
    cr_assert(strstr(err.msg, msg), "got '%s', want '%s'", err.msg, msg);
    ns_reader_close(&src);
}

Test(json, bad_options_and_paths)
{
    ns_json_opts_t o;
    ns_json_opts_default(&o);
    const char *p1[] = {"a..b"};
    s_bad_new(&o, p1, 1, NULL, 0, 0, UINT64_MAX, "path 'a..b' has an empty key");
    const char *p2[] = {".a"};
    s_bad_new(&o, p2, 1, NULL, 0, 0, UINT64_MAX, "has an empty key");
    const char *p3[] = {"items[].sku"};
    s_bad_new(&o, p3, 1, NULL, 0, 0, UINT64_MAX, "uses [] but nothing is exploded");
    s_bad_new(&o, p3, 1, "line_items", 0, 0, UINT64_MAX, "exploded array is 'line_items'");
    const char *p4[] = {"id", "id"};
    s_bad_new(&o, p4, 2, NULL, 0, 0, UINT64_MAX, "path 'id' is given twice");
    const char *p5[] = {"it[]x"};
    s_bad_new(&o, p5, 1, "it", 0, 0, UINT64_MAX, "must be followed by '.' or end");
    const char *p6[] = {""};
    s_bad_new(&o, p6, 1, NULL, 0, 0, UINT64_MAX, "path 1 is empty");
    const char *p7[] = {"a"};
    s_bad_new(&o, p7, 1, "it[]", 0, 0, UINT64_MAX, "without []");
    s_bad_new(&o, p7, 1, "", 0, 0, UINT64_MAX, "explode is empty");
    s_bad_new(&o, p7, -1, NULL, 0, 0, UINT64_MAX, "paths");
    s_bad_new(&o, p7, 1, NULL, 10, 10, UINT64_MAX, "needs a stream starting at or before 9");
    s_bad_new(&o, p7, 1, NULL, 5, 0, UINT64_MAX, "split at 0 needs a stream starting at 0");
    ns_json_opts_t oc = o;
    oc.concatenated = true;
    s_bad_new(&oc, p7, 1, NULL, 9, 10, UINT64_MAX, "concatenated JSON cannot be split");
    s_bad_new(&oc, p7, 1, NULL, 0, 0, 100, "concatenated JSON cannot be split");
    ns_json_opts_t od = o;
    od.max_depth = 5000;
    s_bad_new(&od, p7, 1, NULL, 0, 0, UINT64_MAX, "max_depth 5000");
    ns_json_opts_t om = o;
    om.max_record = (size_t)2 << 30;
    s_bad_new(&om, p7, 1, NULL, 0, 0, UINT64_MAX, "max_record");
    char longp[NS_JSON_MAX_PATH_LEN + 2];
    memset(longp, 'k', sizeof longp - 1);
    longp[sizeof longp - 1] = '\0';
    const char *p8[] = {longp};
    s_bad_new(&o, p8, 1, NULL, 0, 0, UINT64_MAX, "longer than");
}

Test(json, no_paths_counts_records)
{
    s_cfg_t c = s_cfg(NULL, 0, NULL, false);
    const char *w[] = {"0:R:", "3:R:", NULL};
    s_expect("{}\n{}\n", &c, w);
}

Test(json, io_error)
{
    const char *data = "{\"a\":1}\n{\"a\":2}\n{\"a\":3}\n";
    const char *paths[] = {"a"};
    for (int concat = 0; concat <= 1; concat++) {
        ns_json_opts_t o;
        ns_json_opts_default(&o);
        o.concatenated = concat;
        ns_reader_t *src = ns_test_mem_reader_ex(data, strlen(data), 4, 12);
        ns_err_t err = {""};
        ns_recsrc_t *s = ns_json_new(src, &o, paths, 1, NULL, 0, 0, UINT64_MAX, &err);
        cr_assert(s, "%s", err.msg);
        ns_record_t rec;
        cr_assert_eq(s->next(s, &rec, &err), NS_REC_RECORD);
        cr_assert_eq(s->next(s, &rec, &err), -1);
        cr_assert(strstr(err.msg, "injected failure"), "%s", err.msg);
        cr_assert_eq(s->next(s, &rec, &err), -1);
        cr_assert(strstr(err.msg, "after an earlier error"), "%s", err.msg);
        s->destroy(s);
        ns_reader_close(&src);
    }
}

/* ---- splits ---- */

/* Reads data whole, then as three splits [0,a) [a,b) [b,len) for every
 * pair of cut points a <= b (every `step`th), and checks the three lists
 * add up to the whole one. */
static void s_check_splits(const char *data, size_t len, const s_cfg_t *c, size_t step)
{
    ns_test_list_t whole = {0};
    ns_test_read(&s_rd, c, data, len, 0, UINT64_MAX, 0, &whole);
    for (size_t a = 0; a <= len; a += step) {
        for (size_t b = a; b <= len; b += step) {
            ns_test_list_t got = {0};
            ns_test_read(&s_rd, c, data, len, 0, a, 0, &got);
            if (a < len)
                ns_test_read(&s_rd, c, data, len, a, b, a % 3 + 1, &got);
            if (b < len)
                ns_test_read(&s_rd, c, data, len, b, UINT64_MAX, 0, &got);
            char what[64];
            snprintf(what, sizeof what, "splits at %zu and %zu", a, b);
            ns_test_same(&got, &whole, what);
            ns_test_list_free(&got);
        }
    }
    ns_test_list_free(&whole);
}

Test(json, splits_into_three_ranges)
{
    /* records, an exploded array, CRLF, blank lines, a reject, a line
     * with leading spaces, a last line without LF */
    const char *data = "{\"id\":1,\"it\":[{\"s\":\"a\"},{\"s\":\"b\"}]}\n"
                       "{\"id\":2}\r\n"
                       "\n"
                       "{\"id\":3,\"it\":[]}\n"
                       "{\"id\":4,\"x\":tru}\n"
                       "   {\"id\":5,\"it\":[{\"s\":\"\\u00e9\"}]}\n"
                       "\r\n"
                       "{\"id\":6}";
    const char *paths[] = {"id", "it[].s"};
    s_cfg_t c = s_cfg(paths, 2, "it", false);
    s_check_splits(data, strlen(data), &c, 1);
    /* with a BOM: the first line still belongs to the split at 0 */
    const char *bom = "\xef\xbb\xbf{\"id\":1}\n{\"id\":2}\n{\"id\":3}\n";
    s_check_splits(bom, strlen(bom), &c, 1);
}

Test(json, splits_of_the_orders_file)
{
    size_t len;
    char *data = ns_test_load("json", "orders.jsonl", &len);
    const char *paths[] = {"id", "line_items[].sku", "customer.id"};
    s_cfg_t c = s_cfg(paths, 3, "line_items", false);
    s_check_splits(data, len, &c, 37);
    free(data);
}

/* ---- robustness ---- */

static uint64_t s_rng = 0x9E3779B97F4A7C15u;

static uint64_t s_rand(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

Test(json, mutated_inputs_never_crash_and_read_alike)
{
    /* the example files with bytes changed, inserted and cut, read in
     * both layouts whole and one byte at a time: same records */
    const char *files[] = {"orders.jsonl", "clickstream.json", "rejects.jsonl",
                           "rejects_concat.json"};
    const char *paths[] = {"id", "line_items[].sku", "customer", "type", "context.campaign"};
    static const char bytes[] = "{}[]\":,\\\n\r tfn0-e.\x01\xc3\xff\0u";
    for (size_t f = 0; f < sizeof files / sizeof files[0]; f++) {
        size_t len;
        char *orig = ns_test_load("json", files[f], &len);
        char *m = malloc(len + 64);
        cr_assert(m);
        for (int round = 0; round < 150; round++) {
            memcpy(m, orig, len);
            size_t ml = len;
            int edits = 1 + (int)(s_rand() % 6);
            for (int e = 0; e < edits && ml > 1; e++) {
                size_t at = (size_t)(s_rand() % ml);
                unsigned op = (unsigned)(s_rand() % 3);
                char b = bytes[s_rand() % (sizeof bytes - 1)];
                if (op == 0) {
                    m[at] = b;
                } else if (op == 1 && ml < len + 60) {
                    memmove(m + at + 1, m + at, ml - at);
                    m[at] = b;
                    ml++;
                } else {
                    memmove(m + at, m + at + 1, ml - at - 1);
                    ml--;
                }
            }
            if (s_rand() % 4 == 0)
                ml = (size_t)(s_rand() % ml);
            for (int concat = 0; concat <= 1; concat++) {
                s_cfg_t c = s_cfg(paths, 5, "line_items", concat);
                c.o.max_record = 200 + (size_t)(s_rand() % 2000);
                c.o.max_depth = 2 + (int)(s_rand() % 5);
                ns_test_list_t a = {0}, b = {0};
                ns_test_read(&s_rd, &c, m, ml, 0, UINT64_MAX, 0, &a);
                ns_test_read(&s_rd, &c, m, ml, 0, UINT64_MAX, 1, &b);
                char what[64];
                snprintf(what, sizeof what, "%s round %d", files[f], round);
                ns_test_same(&b, &a, what);
                ns_test_list_free(&a);
                ns_test_list_free(&b);
            }
        }
        free(m);
        free(orig);
    }
}

/* ---- the input window ---- */

/* The window starts at NS_INBUF_INITIAL (64 KiB) and doubles as values
 * need it, up to max_record: values around and past the first window, in
 * both layouts, at every read size, and (JSON lines) as byte-range splits. */

/* Source read sizes of the window tests: unlimited, byte by byte, and
 * sizes that end reads inside and just past the first window. */
static const size_t s_wchunks[] = {0, 1, 4096, NS_INBUF_INITIAL + 3};
#define S_NWCHUNKS (sizeof s_wchunks / sizeof s_wchunks[0])

/* Reads data[0..len) whole with every s_wchunks size and checks the
 * records against want[0..n). */
static void s_expect_window(const char *data, size_t len, const s_cfg_t *c, char *const *want,
                            size_t n)
{
    for (size_t i = 0; i < S_NWCHUNKS; i++) {
        ns_test_list_t got = {0};
        ns_test_read(&s_rd, c, data, len, 0, UINT64_MAX, s_wchunks[i], &got);
        cr_assert_eq(got.n, n, "read size %zu: %zu records, want %zu", s_wchunks[i], got.n, n);
        for (size_t r = 0; r < n; r++)
            cr_assert(strcmp(got.items[r], want[r]) == 0, "read size %zu, record %zu: %.60s",
                      s_wchunks[i], r, got.items[r]);
        ns_test_list_free(&got);
    }
}

/* Writes {"n":i,"a":"..."} of exactly L bytes at data + *k: the string
 * holds brackets (which the concatenated scanner must skip in a string)
 * and an escaped quote every 1000 bytes. Its field "a" as the reader
 * gives it (unescaped) goes to text, which has room for L bytes. */
static void s_long_value(char *data, size_t *k, size_t i, size_t L, char *text)
{
    static const char pat[] = "abc{de[fg]hi}jklmnopqrstuvw";
    size_t off = *k;
    *k += (size_t)sprintf(data + *k, "{\"n\":%zu,\"a\":\"", i);
    size_t body = L - (*k - off) - 2, t = 0;
    for (size_t j = 0; j < body; j++) {
        if (j % 1000 == 998 && j + 1 < body) {
            data[(*k)++] = '\\';
            data[(*k)++] = '"';
            text[t++] = '"';
            j++;
            continue;
        }
        data[(*k)++] = pat[j % (sizeof pat - 1)];
        text[t++] = pat[j % (sizeof pat - 1)];
    }
    text[t] = '\0';
    data[(*k)++] = '"';
    data[(*k)++] = '}';
    cr_assert_eq(*k - off, L);
}

Test(json, values_longer_than_the_initial_window)
{
    const size_t w = NS_INBUF_INITIAL;
    const size_t sizes[] = {w - 1, w, w + 1, 3 * w + 5, 700000};
    const size_t nsizes = sizeof sizes / sizeof sizes[0];
    size_t cap = 4096;
    for (size_t s = 0; s < nsizes; s++)
        cap += sizes[s] + 32;
    char *data = malloc(cap);
    char *text = malloc(cap);
    char *want[2 * 5];
    size_t k = 0, nw = 0;
    cr_assert(data && text);
    for (size_t s = 0; s < nsizes; s++) {
        size_t off = k;
        s_long_value(data, &k, s, sizes[s], text);
        size_t rl = 64 + sizes[s];
        want[nw] = malloc(rl);
        cr_assert(want[nw]);
        snprintf(want[nw++], rl, "%zu:R:%zu|%s", off, s, text);
        k += (size_t)sprintf(data + k, "%s", s % 2 ? "\r\n" : "\n");
        /* then a short value */
        want[nw] = malloc(64);
        cr_assert(want[nw]);
        snprintf(want[nw++], 64, "%zu:R:s%zu|\\N", k, s);
        k += (size_t)sprintf(data + k, "{\"n\":\"s%zu\"}\n", s);
    }
    const char *paths[] = {"n", "a"};
    for (int concat = 0; concat <= 1; concat++) {
        s_cfg_t c = s_cfg(paths, 2, NULL, concat);
        s_expect_window(data, k, &c, want, nw);
    }
    /* JSON lines splits: cut at each long value's start, just after it,
     * and in its middle */
    s_cfg_t c = s_cfg(paths, 2, NULL, false);
    ns_test_list_t whole = {0};
    ns_test_read(&s_rd, &c, data, k, 0, UINT64_MAX, 0, &whole);
    for (size_t i = 0; i < nw; i += 2) {
        uint64_t at = strtoull(want[i], NULL, 10);
        const uint64_t cuts[] = {at, at + 1, at + sizes[i / 2] / 2};
        for (int j = 0; j < 3; j++)
            ns_test_split_same(&s_rd, &c, data, k, cuts[j], 4096, &whole);
    }
    ns_test_list_free(&whole);
    for (size_t i = 0; i < nw; i++)
        free(want[i]);
    free(text);
    free(data);
}

/* A max_record past the first window, in both layouts: a value of exactly
 * max_record bytes is a record (with LF or CRLF after it), a byte more is
 * the reject naming the limit (raw text cut at max_record), and reading
 * goes on after it. */
Test(json, max_record_past_the_initial_window)
{
    const size_t m = 200000;
    cr_assert_gt(m, NS_INBUF_INITIAL);
    const size_t lens[] = {m, m, m + 1, m + 1};
    const char *const eols[] = {"\n", "\r\n", "\n", "\r\n"};
    size_t cap = 4 * (m + 3) + 64, k = 0;
    char *data = malloc(cap);
    char *text = malloc(m + 1);
    char *want[5];
    cr_assert(data && text);
    for (size_t i = 0; i < 4; i++) {
        size_t off = k;
        s_long_value(data, &k, i, lens[i], text);
        size_t rl = m + 128;
        want[i] = malloc(rl);
        cr_assert(want[i]);
        if (lens[i] == m) {
            snprintf(want[i], rl, "%zu:R:%zu|%s", off, i, text);
        } else {
            int h =
                snprintf(want[i], rl, "%zu:X:JSON value exceeds max_record (%zu bytes):", off, m);
            memcpy(want[i] + h, data + off, m); /* a reject's raw text: the first m bytes */
            want[i][(size_t)h + m] = '\0';
        }
        k += (size_t)sprintf(data + k, "%s", eols[i]);
    }
    want[4] = malloc(64);
    cr_assert(want[4]);
    snprintf(want[4], 64, "%zu:R:9|\\N", k);
    k += (size_t)sprintf(data + k, "{\"n\":9}\n");
    const char *paths[] = {"n", "a"};
    for (int concat = 0; concat <= 1; concat++) {
        s_cfg_t c = s_cfg(paths, 2, NULL, concat);
        c.o.max_record = m;
        s_expect_window(data, k, &c, want, 5);
    }
    for (int i = 0; i < 5; i++)
        free(want[i]);
    free(text);
    free(data);
}
