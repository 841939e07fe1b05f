/*
 * fuzz_json: the JSON reader (formats/ns_json.h), JSON lines and
 * concatenated values, with and without exploding an array.
 *
 * Input: three option bytes, then the object's bytes.
 *   byte 0: bit 0 concatenated, bits 1-3 the set of paths (s_sets: those of
 *           the jobs/ files and a few more), bits 4-5 max_depth (default,
 *           1, 2, 4), bits 6-7 max_record (default, 32, 256, 4096);
 *   byte 1: bits 0-2 source read size (ns_fuzz_chunks), bit 3 type every
 *           field (ns_fuzz_types);
 *   byte 2: where a JSON-lines object is cut in two byte-range splits.
 * The object is read whole and its records checked (ns_fuzz_drain); JSON
 * lines are read again as the splits [0, k) and [k, end), which must give
 * the same records.
 */
#include "ns_fuzz.h"
#include "ns_json.h"

typedef struct {
    const char *explode; /* or NULL */
    int npaths;
    const char *paths[12];
} s_set_t;

static const s_set_t s_sets[8] = {
    {NULL, 1, {"id"}},
    /* jobs/online_orders.yaml */
    {"line_items",
     7,
     {"id", "customer.id", "line_items[].id", "line_items[].sku", "line_items[].quantity",
      "line_items[].price", "line_items[].total_discount"}},
    /* jobs/clickstream.yaml */
    {NULL,
     11,
     {"anonymousId", "timestamp", "messageId", "type", "event", "properties.path", "userId",
      "context.campaign.source", "context.campaign.medium", "context.campaign.name",
      "properties.order_id"}},
    /* jobs/ads_social.yaml */
    {"actions",
     5,
     {"date_start", "campaign_name", "account_currency", "actions[].action_type",
      "actions[].value"}},
    {NULL, 4, {"a", "a.b", "a.b.c", "b"}},
    {"line_items", 3, {"line_items[]", "id", "line_items[].a.b"}},
    {"a.b", 3, {"a.b[].c", "x", "a.b[]"}},
    {NULL, 3, {"\xc3\xa9", "a b", "k\"q"}},
};

static ns_recsrc_t *s_open(ns_reader_t *src, const ns_json_opts_t *o, const s_set_t *set,
                           uint64_t from, uint64_t start, uint64_t end)
{
    ns_err_t err = {""};
    ns_recsrc_t *s =
        ns_json_new(src, o, set->paths, set->npaths, set->explode, from, start, end, &err);
    NS_FUZZ_CHECK(s != NULL, "ns_json_new: %s", err.msg);
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int depths[4] = {0, 1, 2, 4};
    static const size_t max_records[4] = {0, 32, 256, 4096};
    uint8_t a = ns_fuzz_take(&data, &size);
    uint8_t b = ns_fuzz_take(&data, &size);
    uint8_t c = ns_fuzz_take(&data, &size);
    ns_json_opts_t o;
    ns_json_opts_default(&o);
    o.concatenated = a & 1;
    const s_set_t *set = &s_sets[(a >> 1) & 7];
    o.max_depth = depths[(a >> 4) & 3];
    o.max_record = max_records[(a >> 6) & 3];
    size_t chunk = ns_fuzz_chunks[b & 7];
    ns_fuzz_rec_fn fn = b & 8 ? ns_fuzz_types_rec : NULL;

    ns_buf_t whole, parts;
    ns_buf_init(&whole, (size_t)64 << 20);
    ns_buf_init(&parts, (size_t)64 << 20);
    ns_reader_t *src = ns_fuzz_reader(data, size, chunk);
    ns_fuzz_drain(s_open(src, &o, set, 0, 0, UINT64_MAX), data, size, 0, true,
                  NS_FUZZ_NONDECREASING, set->npaths, o.concatenated ? NULL : &whole, fn, NULL);
    ns_reader_close(&src);

    if (!o.concatenated && size > 0) {
        uint64_t k = 1 + (uint64_t)c * (size - 1) / 255; /* 1..size */
        src = ns_fuzz_reader(data, size, chunk);
        ns_fuzz_drain(s_open(src, &o, set, 0, 0, k), data, size, 0, false, NS_FUZZ_NONDECREASING,
                      set->npaths, &parts, NULL, NULL);
        ns_reader_close(&src);
        src = ns_fuzz_reader(data + k - 1, size - (k - 1), chunk);
        ns_fuzz_drain(s_open(src, &o, set, k - 1, k, UINT64_MAX), data, size, k - 1, true,
                      NS_FUZZ_NONDECREASING, set->npaths, &parts, NULL, NULL);
        ns_reader_close(&src);
        ns_fuzz_same_records(&whole, &parts, k);
    }
    ns_buf_free(&whole);
    ns_buf_free(&parts);
    return 0;
}
