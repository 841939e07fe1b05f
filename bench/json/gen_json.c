/*
 * gen_json: writes the benchmark data of bench/json_parsers, JSON lines
 * shaped like two raw feeds of SOURCES.md: online-shop orders (section 4:
 * ids as long digit strings, money as strings, nested customer and
 * addresses, 1-6 line_items with 18-digit ids, discount codes, refunds) and
 * clickstream events (section 5: page/track/identify, userId often null,
 * properties, context.campaign sometimes missing, long user agents).
 * Strings carry the usual escapes a little of the time (\" \\ \/ \n \uXXXX,
 * a surrogate pair) and raw UTF-8 names, as real exports do.
 *
 *     gen_json orders|clicks MB SEED > file.jsonl
 *
 * Writes records until at least MB x 10^6 bytes are out. Deterministic for
 * a seed. Workload: a one-off tool, ~100 MB in a second or two; stdio.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static uint64_t s_rng = UINT64_C(88172645463325252);
static size_t s_out; /* bytes written so far */

/* fprintf that counts what it wrote (stdout may be a pipe: no ftell) */
__attribute__((format(printf, 2, 3))) static void s_pf(FILE *f, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vfprintf(f, fmt, ap);
    va_end(ap);
    if (n > 0)
        s_out += (size_t)n;
}

static uint64_t s_next(void)
{
    s_rng ^= s_rng << 13;
    s_rng ^= s_rng >> 7;
    s_rng ^= s_rng << 17;
    return s_rng;
}

/* uniform in [0, n) */
static unsigned s_pick(unsigned n)
{
    return (unsigned)(s_next() % n);
}

static const char *const s_first[] = {
    "Anna",  "Ben",  "Chlo\\u00e9", "Dmitri",     "Emma", "Fran\xc3\xa7ois",
    "Grace", "Hiro", "Isabel",      "Jos\\u00e9", "Kai",  "Lena",
    "Mia",   "Noah", "Olga",        "Pedro",
};
static const char *const s_last[] = {
    "Smith",  "O'Brien", "M\xc3\xbcller", "Nguyen", "Garc\\u00eda",        "Kowalski",
    "Tanaka", "Dubois",  "Rossi",         "Brown",  "\\\"Doc\\\" Holiday", "Lee",
};
static const char *const s_city[][3] = {
    {"Toronto", "ON", "CA"}, {"Vancouver", "BC", "CA"}, {"New York", "NY", "US"},
    {"Austin", "TX", "US"},  {"Seattle", "WA", "US"},   {"Montr\\u00e9al", "QC", "CA"},
    {"Chicago", "IL", "US"}, {"Denver", "CO", "US"},    {"Portland", "OR", "US"},
};
static const char *const s_status[] = {
    "paid", "paid", "paid", "paid", "pending", "refunded", "partially_refunded", "voided"};
static const char *const s_cat[] = {"DRS", "SHT", "JNS", "JKT", "SKT", "TEE", "SWT", "BAG"};
static const char *const s_color[] = {"BLK", "WHT", "NAV", "RED", "GRN", "BEI"};
static const char *const s_size[] = {"XS", "S", "M", "L", "XL"};
static const char *const s_title[] = {
    "Linen Shirt",  "Slim Jeans",  "Wrap Dress",    "Denim Jacket \\u2013 Washed",
    "Wool Sweater", "Canvas Tote", "Pleated Skirt", "Crew Tee \\ud83d\\udc55",
};
static const char *const s_src[][3] = {
    {"google", "cpc", "fall_denim"},
    {"meta", "paid_social", "fall_denim"},
    {"newsletter", "email", "nov_week4"},
    {"tiktok", "paid_social", "holiday_teaser"},
    {"bing", "cpc", "brand"},
    {"pinterest", "paid_social", "wrap_dresses"},
};
static const char *const s_pages[] = {
    "/",     "/c/dresses", "/c/denim", "/p/linen-shirt", "/p/wrap-dress",
    "/cart", "/checkout",  "/search"};
static const char *const s_events[] = {"Product Viewed", "Product Added", "Cart Viewed",
                                       "Checkout Started", "Order Completed"};
static const char *const s_ua[] = {
    "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.0.0 Safari/537.36",
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, "
    "like Gecko) Version/17.1 Mobile/15E148 Safari/604.1",
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like "
    "Gecko) Version/17.0 Safari/605.1.15",
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/119.0.6045.163 Mobile Safari/537.36 [FBAN/FBIOS;FBAV/441.0.0]",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static void s_ts(FILE *f, unsigned sec, int ms)
{
    unsigned h = 10 + (sec / 3600) % 12, m = (sec / 60) % 60, s = sec % 60;
    if (ms)
        s_pf(f, "\"2026-11-24T%02u:%02u:%02u.%03uZ\"", h, m, s, s_pick(1000));
    else
        s_pf(f, "\"2026-11-24T%02u:%02u:%02u-05:00\"", h, m, s);
}

static void s_address(FILE *f, unsigned c, const char *first, const char *last)
{
    s_pf(f,
         "{\"first_name\":\"%s\",\"last_name\":\"%s\",\"address1\":\"%u %s St\","
         "\"address2\":%s,\"city\":\"%s\",\"province_code\":\"%s\",\"country_code\":\"%s\","
         "\"zip\":\"%c%u%c %u%c%u\",\"phone\":%s}",
         first, last, 1 + s_pick(9999), s_pick(2) ? "King" : "Queen",
         s_pick(4) ? "null" : "\"Apt 4\"", s_city[c][0], s_city[c][1], s_city[c][2],
         'A' + s_pick(26), s_pick(10), 'A' + s_pick(26), s_pick(10), 'A' + s_pick(26), s_pick(10),
         s_pick(3) ? "null" : "\"+1 416-555-0101\"");
}

static void s_order(FILE *f, uint64_t n)
{
    const char *first = s_first[s_pick(N(s_first))], *last = s_last[s_pick(N(s_last))];
    unsigned c = s_pick(N(s_city));
    unsigned sec = s_pick(43200);
    unsigned nitems = 1 + s_pick(3) + (s_pick(4) == 0 ? s_pick(4) : 0);
    unsigned src = s_pick(N(s_src));
    long total = 0;
    s_pf(f, "{\"id\":\"%" PRIu64 "\",\"name\":\"#%" PRIu64 "\",\"created_at\":",
         UINT64_C(5940139400000) + n * 7, 10000 + n);
    s_ts(f, sec, 0);
    s_pf(f, ",\"updated_at\":");
    s_ts(f, sec + s_pick(600), 0);
    s_pf(f,
         ",\"currency\":\"USD\",\"presentment_currency\":\"%s\",\"email\":\"c%u@example.com\","
         "\"test\":false,\"taxes_included\":%s,",
         s_city[c][2][0] == 'C' ? "CAD" : "USD", s_pick(100000), s_pick(2) ? "true" : "false");
    /* totals come after the items in a real export; approximate them first */
    long disc = s_pick(3) == 0 ? 500 + s_pick(1500) : 0;
    long items_cents[8];
    for (unsigned i = 0; i < nitems; i++) {
        items_cents[i] = 1990 + 1000 * (long)s_pick(12);
        total += items_cents[i];
    }
    s_pf(f,
         "\"total_price\":\"%ld.%02ld\",\"subtotal_price\":\"%ld.%02ld\","
         "\"total_tax\":\"%ld.%02ld\",\"total_discounts\":\"%ld.%02ld\","
         "\"financial_status\":\"%s\",\"fulfillment_status\":%s,",
         (total - disc) / 100, (total - disc) % 100, total / 100, total % 100, total * 13 / 10000,
         total * 13 / 100 % 100, disc / 100, disc % 100, s_status[s_pick(N(s_status))],
         s_pick(2) ? "null" : "\"fulfilled\"");
    s_pf(f, "\"discount_codes\":[");
    if (disc)
        s_pf(f, "{\"code\":\"FALL26\",\"amount\":\"%ld.%02ld\",\"type\":\"fixed_amount\"}",
             disc / 100, disc % 100);
    s_pf(f,
         "],\"landing_site\":\"\\/?utm_source=%s&utm_medium=%s&utm_campaign=%s\","
         "\"referring_site\":%s,\"note\":%s,\"tags\":\"%s\",",
         s_src[src][0], s_src[src][1], s_src[src][2],
         s_pick(2) ? "null" : "\"https:\\/\\/www.google.com\\/\"",
         s_pick(8) ? "null" : "\"leave at the door\\nthanks!\"", s_pick(2) ? "" : "vip, repeat");
    s_pf(f,
         "\"customer\":{\"id\":\"%u\",\"email\":\"c%u@example.com\",\"first_name\":\"%s\","
         "\"last_name\":\"%s\",\"orders_count\":%u,\"accepts_marketing\":%s,"
         "\"tags\":\"\"},",
         80000 + s_pick(900000), s_pick(100000), first, last, 1 + s_pick(30),
         s_pick(2) ? "true" : "false");
    s_pf(f, "\"line_items\":[");
    for (unsigned i = 0; i < nitems; i++) {
        unsigned q = 1 + (s_pick(5) == 0 ? s_pick(3) : 0);
        unsigned t = s_pick(N(s_title));
        s_pf(f,
             "%s{\"id\":\"%" PRIu64 "\",\"variant_id\":\"%" PRIu64 "\",\"product_id\":\"%u\","
             "\"sku\":\"%s-%04u-%s-%s\",\"title\":\"%s\",\"vendor\":\"Nightshift Apparel\","
             "\"quantity\":%u,\"price\":\"%ld.%02ld\",\"total_discount\":\"%s\","
             "\"taxable\":true,\"requires_shipping\":true,\"gift_card\":false,"
             "\"grams\":%u,\"properties\":[]}",
             i ? "," : "", UINT64_C(866550311766439020) + s_next() % UINT64_C(100000000000),
             UINT64_C(44000000000000) + s_pick(1000000), 7000000 + s_pick(100000),
             s_cat[s_pick(N(s_cat))], 1000 + s_pick(200), s_color[s_pick(N(s_color))],
             s_size[s_pick(N(s_size))], s_title[t], q, items_cents[i] / 100, items_cents[i] % 100,
             i == 0 && disc ? "12.00" : "0.00", 150 + s_pick(900));
    }
    s_pf(f, "],\"shipping_address\":");
    s_address(f, c, first, last);
    s_pf(f, ",\"billing_address\":");
    s_address(f, c, first, last);
    s_pf(f, ",\"refunds\":[]}\n");
}

static void s_uuid(FILE *f)
{
    uint64_t a = s_next(), b = s_next();
    s_pf(f, "\"%08x-%04x-4%03x-%04x-%012" PRIx64 "\"", (unsigned)(a >> 32),
         (unsigned)(a >> 16) & 0xffff, (unsigned)a & 0xfff, 0x8000 | ((unsigned)b & 0x3fff),
         (b >> 16) & UINT64_C(0xffffffffffff));
}

static void s_click(FILE *f, uint64_t n)
{
    unsigned kind = s_pick(10); /* 0-5 page, 6-8 track, 9 identify */
    const char *type = kind < 6 ? "page" : kind < 9 ? "track" : "identify";
    unsigned sec = s_pick(43200);
    unsigned src = s_pick(N(s_src));
    int campaign = s_pick(3) != 0;
    const char *page = s_pages[s_pick(N(s_pages))];
    s_pf(f, "{\"type\":\"%s\",\"messageId\":\"ajs-%012" PRIx64 "\",\"anonymousId\":", type,
         s_next() & UINT64_C(0xffffffffffff));
    s_uuid(f);
    if (s_pick(3) == 0)
        s_pf(f, ",\"userId\":\"u%u\"", s_pick(200000));
    else
        s_pf(f, ",\"userId\":null");
    s_pf(f, ",\"timestamp\":");
    s_ts(f, sec, 1);
    s_pf(f, ",\"sentAt\":");
    s_ts(f, sec, 1);
    s_pf(f, ",\"receivedAt\":");
    s_ts(f, sec + 1, 1);
    if (kind >= 6 && kind < 9)
        s_pf(f, ",\"event\":\"%s\"", s_events[s_pick(N(s_events))]);
    s_pf(f, ",\"properties\":{\"path\":\"%s\",\"url\":\"https://shop.example.com%s", page, page);
    if (campaign)
        s_pf(f, "?utm_source=%s&utm_medium=%s&utm_campaign=%s", s_src[src][0], s_src[src][1],
             s_src[src][2]);
    s_pf(f, "\",\"referrer\":\"%s\",\"title\":\"Nightshift \\u2013 %s\"",
         s_pick(2) ? "https://l.facebook.com/" : "", s_title[s_pick(N(s_title))]);
    if (kind >= 6 && kind < 9)
        s_pf(f, ",\"sku\":\"%s-%04u-%s-%s\",\"price\":%u.%02u,\"quantity\":%u",
             s_cat[s_pick(N(s_cat))], 1000 + s_pick(200), s_color[s_pick(N(s_color))],
             s_size[s_pick(N(s_size))], 19 + s_pick(80), s_pick(100), 1 + s_pick(3));
    if (kind == 8)
        s_pf(f, ",\"order_id\":\"%" PRIu64 "\",\"revenue\":%u.%02u",
             UINT64_C(5940139400000) + s_pick(1000000), 20 + s_pick(300), s_pick(100));
    s_pf(f,
         "},\"context\":{\"ip\":\"%u.%u.%u.%u\",\"locale\":\"en-US\","
         "\"library\":{\"name\":\"analytics.js\",\"version\":\"4.1.%u\"},"
         "\"page\":{\"path\":\"%s\",\"title\":\"Nightshift\"},"
         "\"userAgent\":\"%s\"",
         s_pick(224) + 1, s_pick(256), s_pick(256), s_pick(256), s_pick(10), page,
         s_ua[s_pick(N(s_ua))]);
    if (campaign)
        s_pf(f, ",\"campaign\":{\"source\":\"%s\",\"medium\":\"%s\",\"name\":\"%s\"}",
             s_src[src][0], s_src[src][1], s_src[src][2]);
    s_pf(f, "},\"integrations\":{},\"version\":2}\n");
    (void)n;
}

int main(int argc, char **argv)
{
    if (argc != 4 || (strcmp(argv[1], "orders") && strcmp(argv[1], "clicks"))) {
        fprintf(stderr, "usage: gen_json orders|clicks MB SEED > file.jsonl\n");
        return 2;
    }
    double mb = atof(argv[2]);
    s_rng ^= (uint64_t)strtoull(argv[3], NULL, 10) * UINT64_C(0x9E3779B97F4A7C15);
    if (!s_rng)
        s_rng = 1;
    static char obuf[1 << 20];
    setvbuf(stdout, obuf, _IOFBF, sizeof obuf);
    size_t want = (size_t)(mb * 1e6);
    int orders = argv[1][0] == 'o';
    for (uint64_t n = 0; s_out < want; n++) {
        if (orders)
            s_order(stdout, n);
        else
            s_click(stdout, n);
    }
    if (fflush(stdout) != 0) {
        perror("gen_json: write");
        return 1;
    }
    return 0;
}
