/*
 * test_gen_sources: every source of SOURCES.md as the generator writes it:
 * the same bytes for the same options, a day's objects independent of the
 * run around them, the layout of each source (keys, encodings, separators,
 * counts, quoting) with its quirks present, nothing malformed when the bad
 * rates are 0, stats that match the disk, and option checking. The totals
 * are checked in test_gen_truth.c.
 */
#include "test_gen_util.h"

TestSuite(gen_sources, .init = tg_setup, .fini = tg_teardown, .timeout = 300);

static size_t s_count(const tg_files_t *fs, const char *prefix)
{
    size_t n = 0;
    for (size_t i = 0; i < fs->n; i++)
        n += tg_starts(fs->f[i].key, prefix);
    return n;
}

/* Splits s at sep in place; returns the field count (first max stored). */
static int s_split(char *s, char sep, char **f, int max)
{
    int n = 0;
    for (char *p = s;; n++) {
        if (n < max)
            f[n] = p;
        char *e = strchr(p, sep);
        if (!e)
            return n + 1;
        *e = '\0';
        p = e + 1;
    }
}

Test(gen_sources, same_options_same_bytes_every_source)
{
    char a[NS_URI_MAX], b[NS_URI_MAX], c[NS_URI_MAX];
    ns_gen_opts_t oa, ob, oc;
    ns_gen_stats_t sa, sb;
    tg_opts(&oa, "a", a);
    oa.stores = 4, oa.days = 2, oa.scale = 0.2, oa.bad_rate = 0.01, oa.seed = 7;
    tg_opts(&ob, "b", b);
    ob.stores = 4, ob.days = 2, ob.scale = 0.2, ob.bad_rate = 0.01, ob.seed = 7;
    tg_opts(&oc, "c", c);
    oc.stores = 4, oc.days = 2, oc.scale = 0.2, oc.bad_rate = 0.01, oc.seed = 8;
    tg_run(&oa, &sa);
    tg_run(&ob, &sb);
    tg_run(&oc, NULL);
    cr_assert_eq(memcmp(&sa, &sb, sizeof sa), 0, "stats differ");
    tg_files_t fa, fb, fc;
    tg_load(a, &fa);
    tg_load(b, &fb);
    tg_load(c, &fc);
    cr_assert_eq(fa.n, fb.n);
    size_t differ = 0, compared = 0;
    for (size_t i = 0; i < fa.n; i++) {
        const tg_file_t *x = &fa.f[i], *y = tg_find(&fb, x->key), *z = tg_find(&fc, x->key);
        cr_assert_not_null(y, "%s missing in the second run", x->key);
        if (strcmp(x->key, "_gen/pos-summary.json") == 0)
            continue; /* names its output URI */
        cr_assert(x->rawlen == y->rawlen && memcmp(x->raw, y->raw, x->rawlen) == 0, "%s differs",
                  x->key);
        if (z && x->rawlen) {
            compared++;
            differ += z->rawlen != x->rawlen || memcmp(z->raw, x->raw, x->rawlen) != 0;
        }
    }
    /* another seed: other contents (stations and the catalog's products
     * are the same world, the rest differs) */
    cr_assert_gt(differ * 10, compared * 9, "%zu of %zu objects differ with another seed", differ,
                 compared);
    for (int s = 0; s < NS_GEN_NSRC; s++)
        cr_assert_gt(sa.src[s].files, 0, "source %s wrote nothing", ns_gen_source_names[s]);
    tg_free(&fa);
    tg_free(&fb);
    tg_free(&fc);
}

Test(gen_sources, a_day_does_not_depend_on_the_run)
{
    char a[NS_URI_MAX], b[NS_URI_MAX];
    ns_gen_opts_t oa, ob;
    tg_opts(&oa, "a", a);
    oa.stores = 3, oa.days = 3, oa.start = "2026-11-23", oa.scale = 0.2, oa.bad_rate = 0.02;
    tg_opts(&ob, "b", b);
    ob.stores = 3, ob.days = 1, ob.start = "2026-11-24", ob.scale = 0.2, ob.bad_rate = 0.02;
    tg_run(&oa, NULL);
    tg_run(&ob, NULL);
    tg_files_t fa, fb;
    tg_load(a, &fa);
    tg_load(b, &fb);
    size_t same = 0;
    for (size_t i = 0; i < fb.n; i++) {
        const tg_file_t *y = &fb.f[i];
        if (!strstr(y->key, "dt=2026-11-24/"))
            continue; /* weather, unemployment and the truth speak for the run's last day */
        const tg_file_t *x = tg_find(&fa, y->key);
        cr_assert_not_null(x, "%s missing in the longer run", y->key);
        cr_assert(x->rawlen == y->rawlen && memcmp(x->raw, y->raw, x->rawlen) == 0,
                  "%s depends on the run", y->key);
        same++;
    }
    cr_assert_gt(same, 10);
    tg_free(&fa);
    tg_free(&fb);
}

/* One day with the defaults of the quickstart (fewer stores). */
static void s_day(const char *sub, double bad, tg_files_t *fs, ns_gen_stats_t *st)
{
    static char out[NS_URI_MAX];
    ns_gen_opts_t o;
    tg_opts(&o, sub, out);
    o.stores = 12, o.days = 2, o.start = "2026-11-24", o.scale = 0.3, o.bad_rate = bad;
    o.dup_rate = 0.3;
    tg_run(&o, st);
    tg_load(out, fs);
}

Test(gen_sources, layouts_of_every_source)
{
    tg_files_t fs;
    ns_gen_stats_t st;
    s_day("raw", 0.01, &fs, &st);
    /* every key under its source's prefix, in the layout of SOURCES.md */
    static const char *const prefixes[] = {
        "pos/", "wholesale/edi852/dt=", "wholesale/portal/dt=", "online/orders/dt=", "clickstream/",
        "ads/search/dt=", "ads/social/dt=", "weather/ghcn/", "economic/laus/la.data.3.AllStatesS",
        "master/stores/dt=", "master/products/dt=", "master/promotions/dt=", "master/fx/dt=", "_gen/"};
    for (size_t i = 0; i < fs.n; i++) {
        bool ok = false;
        for (size_t k = 0; k < sizeof prefixes / sizeof prefixes[0]; k++)
            ok |= tg_starts(fs.f[i].key, prefixes[k]);
        cr_assert(ok, "unexpected object %s", fs.f[i].key);
    }
    /* stats match the disk */
    static const char *const src_prefix[NS_GEN_NSRC] = {
        "pos/", "wholesale/edi852/", "wholesale/portal/", "online/orders/", "clickstream/",
        "ads/search/", "ads/social/", "weather/", "economic/", "master/"};
    for (int s = 0; s < NS_GEN_NSRC; s++) {
        uint64_t files = 0, stored = 0;
        for (size_t i = 0; i < fs.n; i++)
            if (tg_starts(fs.f[i].key, src_prefix[s])) {
                files++;
                stored += fs.f[i].rawlen;
            }
        cr_assert_eq(files, st.src[s].files, "%s: %llu files on disk, stats say %llu",
                     ns_gen_source_names[s], (unsigned long long)files,
                     (unsigned long long)st.src[s].files);
        cr_assert_eq(stored, st.src[s].bytes_stored, "%s: bytes", ns_gen_source_names[s]);
        cr_assert_gt(st.src[s].records, 0, "%s: no records", ns_gen_source_names[s]);
    }

    /* EDI: separators from ISA, different per partner; N1*RL and SDQ */
    bool pipe = false, nl_term = false, star = false, sdq = false, n1 = false, one_line = false;
    int interchanges = 0;
    for (size_t i = 0; i < fs.n; i++) {
        const tg_file_t *f = &fs.f[i];
        if (!tg_starts(f->key, "wholesale/edi852/") || f->rawlen == 0)
            continue;
        interchanges++;
        cr_assert(tg_ends(f->key, ".edi"));
        const char *s = f->text;
        cr_assert(f->textlen > 106 && tg_starts(s, "ISA"), "%s: no ISA", f->key);
        char el = s[3], term = s[105];
        int seps = 0;
        for (int k = 0; k < 106; k++)
            seps += s[k] == el;
        cr_assert_eq(seps, 16, "%s: the ISA has 16 element separators, fixed width", f->key);
        pipe |= el == '|';
        star |= el == '*';
        nl_term |= term == '\n';
        one_line |= !strchr(s, '\n');
        char n1seg[8] = {'N', '1', el, 'R', 'L', el, 0}, sdqseg[8] = {term, 'S', 'D', 'Q', el, 0};
        n1 |= strstr(s, n1seg) != NULL;
        sdq |= strstr(s, sdqseg) != NULL;
        char want[48];
        snprintf(want, sizeof want, "%.9s.edi", s + 90);
        cr_assert(tg_ends(f->key, want), "%s: not named after ISA13 %s", f->key, want);
    }
    cr_assert(interchanges > 0 && pipe && star && nl_term && one_line && n1 && sdq,
              "EDI variety: pipe %d star %d nl %d one-line %d N1 %d SDQ %d", pipe, star, nl_term,
              one_line, n1, sdq);

    /* portal: UTF-16LE with BOM, two preamble lines, tabs, money */
    int exports = 0;
    bool crlf = false, quoted_money = false, negative = false;
    for (size_t i = 0; i < fs.n; i++) {
        const tg_file_t *f = &fs.f[i];
        if (!tg_starts(f->key, "wholesale/portal/"))
            continue;
        exports++;
        cr_assert(strstr(f->key, "-week-2026"), "%s", f->key);
        char *text = tg_utf16(f->raw, f->rawlen);
        cr_assert_not_null(text, "%s: no UTF-16LE BOM", f->key);
        cr_assert_eq(f->rawlen % 2, 0);
        crlf |= strstr(text, "\r\n") != NULL;
        const char *p = text;
        char line[2048];
        cr_assert(tg_line(&p, line, sizeof line, NULL));
        cr_assert(tg_line(&p, line, sizeof line, NULL) && tg_starts(line, "Run date "));
        cr_assert(tg_line(&p, line, sizeof line, NULL) &&
                  strcmp(line, "Store Nbr\tStore Name\tState\tWeek\tUPC\tItem Desc\tUnit Retail\t"
                               "POS Qty\tPOS Sales\tOH Qty") == 0,
                  "%s: header '%s'", f->key, line);
        quoted_money |= strstr(text, "\t\"$") != NULL;
        negative |= strstr(text, "\"-$") != NULL;
        free(text);
    }
    cr_assert(exports >= 2 && crlf && quoted_money && negative, "portal: %d exports, crlf %d, quoted %d, negative %d",
              exports, crlf, quoted_money, negative);

    /* orders: ids and money are strings, line item ids beyond 2^53 */
    int orders = 0;
    for (size_t i = 0; i < fs.n; i++) {
        const tg_file_t *f = &fs.f[i];
        if (!tg_starts(f->key, "online/orders/") || !f->complete)
            continue;
        cr_assert(tg_ends(f->key, ".jsonl.gz"));
        const char *p = f->text;
        while (*p) {
            const char *e = strchr(p, '\n'), *q = p;
            cr_assert_not_null(e);
            tg_jv_t *o = tg_jparse(&q, e, 0);
            p = e + 1;
            if (!o)
                continue; /* a planted broken line */
            const tg_jv_t *id = tg_jget(o, "id"), *items = tg_jget(o, "line_items");
            if (id && id->t == 's') {
                orders++;
                cr_assert_eq(tg_jget(o, "total_price")->t, 's');
                const tg_jv_t *li = items->vals[0];
                cr_assert_eq(tg_jget(li, "id")->t, 's');
                cr_assert_gt(strtod(tg_jget(li, "id")->s, NULL), 9007199254740992.0);
                cr_assert_eq(tg_jget(li, "price")->t, 's');
            }
            tg_jv_free(o);
        }
    }
    cr_assert_gt(orders, 20);

    /* clickstream: hourly folders, JSON values, some concatenated */
    int concat = 0, events = 0;
    for (size_t i = 0; i < fs.n; i++) {
        const tg_file_t *f = &fs.f[i];
        if (!tg_starts(f->key, "clickstream/") || !f->complete)
            continue;
        concat += f->textlen > 0 && !strchr(f->text, '\n');
        if (strstr(f->text, "}{"))
            cr_assert(!strchr(f->text, '\n'), "%s: mixes delimiters", f->key);
        const char *p = f->text, *end = f->text + f->textlen;
        while (p < end) {
            tg_jv_t *o = tg_jparse(&p, end, 0);
            if (!o) { /* a planted broken line: skip it */
                const char *nl = memchr(p, '\n', (size_t)(end - p));
                cr_assert_not_null(nl, "%s: garbage at the end", f->key);
                p = nl + 1;
                continue;
            }
            events++;
            cr_assert_not_null(tg_jget(o, "type"));
            while (p < end && *p == '\n')
                p++;
            tg_jv_free(o);
        }
    }
    cr_assert(concat > 0 && events > 1000, "%d concatenated files, %d events", concat, events);

    /* ads */
    const tg_file_t *sr = tg_find(&fs, "ads/search/dt=2026-11-24/campaign-report.csv");
    cr_assert_not_null(sr);
    cr_assert(tg_starts(sr->text, "Campaign report\r\nNov 24, 2026 - Nov 24, 2026\r\nDay,Campaign,"));
    cr_assert_not_null(strstr(sr->text, "\r\nTotal,,,,,"));
    cr_assert_not_null(strstr(sr->text, ",\"Brand, Broad\","), "quoted commas");
    int social = 0;
    for (size_t i = 0; i < fs.n; i++) {
        const tg_file_t *f = &fs.f[i];
        if (!tg_starts(f->key, "ads/social/") || f->rawlen == 0)
            continue; /* a planted empty file */
        social++;
        char want[48]; /* the file of day D restates D-3 */
        snprintf(want, sizeof want, "\"date_start\":\"2026-11-%02d\"", atoi(f->key + 22) - 3);
        cr_assert(tg_ends(f->key, "/insights.jsonl"));
        cr_assert_not_null(strstr(f->text, want), "%s: no %s", f->key, want);
        cr_assert_not_null(strstr(f->text, "\"spend\":\""), "numbers as strings");
        cr_assert_not_null(strstr(f->text, "\"impressions\":\""), "numbers as strings");
    }
    cr_assert_gt(social, 0);

    /* weather: no header, 8 fields, the year so far; a fixed-width station list */
    const tg_file_t *wy = tg_find(&fs, "weather/ghcn/by_year/2026.csv.gz");
    cr_assert(wy && wy->complete);
    cr_assert(tg_starts(wy->text, "USW"), "no header: '%.20s'", wy->text);
    cr_assert_not_null(strstr(wy->text, ",20260101,TMAX,"));
    cr_assert_not_null(strstr(wy->text, ",20261125,PRCP,"));
    cr_assert_null(strstr(wy->text, ",20261126,"));
    const tg_file_t *stn = tg_find(&fs, "weather/ghcn/stations.txt");
    cr_assert_not_null(stn);
    cr_assert(stn->text[11] == ' ' && stn->text[20] == ' ' && stn->text[30] == ' ' &&
                  stn->text[37] == ' ' && stn->text[40] == ' ' && stn->text[71] == ' ',
              "fixed columns: '%.90s'", stn->text);

    /* unemployment: padded TSV, M13, P and R */
    const tg_file_t *la = tg_find(&fs, "economic/laus/la.data.3.AllStatesS");
    cr_assert_not_null(la);
    cr_assert(tg_starts(la->text, "series_id                     \tyear\tperiod\t       value\tfootnote_codes\n"));
    cr_assert_not_null(strstr(la->text, "LASST390000000000003          \t2025\tM13\t"));
    cr_assert_not_null(strstr(la->text, "\tM10\t"));
    cr_assert_not_null(strstr(la->text, "\tP\n"));
    cr_assert_not_null(strstr(la->text, "\tR\n"));

    /* master: BOM on some, quoted line breaks, every POS store and sku in it */
    bool bom = false, quoted_nl = false;
    for (size_t i = 0; i < fs.n; i++) {
        const tg_file_t *f = &fs.f[i];
        if (!tg_starts(f->key, "master/"))
            continue;
        bom |= tg_starts(f->text, "\xef\xbb\xbf");
        quoted_nl |= strstr(f->text, "\nSuite ") != NULL || strstr(f->text, "cold\nImported") != NULL;
    }
    cr_assert(bom && quoted_nl, "master: bom %d, quoted line breaks %d", bom, quoted_nl);
    tg_master_t m;
    tg_master(&fs, "2026-11-24", &m);
    for (size_t i = 0; i < fs.n; i++) {
        const tg_file_t *f = &fs.f[i];
        if (!tg_starts(f->key, "pos/"))
            continue;
        const char *p = strchr(f->text, '\n') + 1;
        char line[1024], *fl[24];
        while (tg_line(&p, line, sizeof line, NULL)) {
            int nf = s_split(line, '|', fl, 24);
            if (nf != 20 || strcmp(fl[8], "ITEM") != 0 || !fl[10][0])
                continue;
            cr_assert(tg_store_known(&m, "", fl[0]), "store %s not in master", fl[0]);
            const tg_product_t *pr = tg_by_sku(&m, fl[10]);
            cr_assert(pr && strcmp(pr->upc, fl[11]) == 0, "sku %s not in master", fl[10]);
        }
    }
    tg_master_free(&m);
    tg_free(&fs);
}

Test(gen_sources, nothing_bad_when_the_bad_rates_are_zero)
{
    tg_files_t fs;
    ns_gen_stats_t st;
    s_day("raw", 0, &fs, &st);
    for (int s = 0; s < NS_GEN_NSRC; s++)
        cr_assert_eq(st.src[s].bad_records, 0, "%s: %llu bad records", ns_gen_source_names[s],
                     (unsigned long long)st.src[s].bad_records);
    tg_master_t m;
    tg_master(&fs, "2026-11-24", &m);
    int checked[NS_GEN_NSRC] = {0};
    for (size_t i = 0; i < fs.n; i++) {
        const tg_file_t *f = &fs.f[i];
        cr_assert(f->complete, "%s: truncated", f->key);
        const char *p = f->text;
        char line[4096], *fl[64];
        if (tg_starts(f->key, "pos/")) {
            cr_assert(tg_line(&p, line, sizeof line, NULL));
            while (tg_line(&p, line, sizeof line, NULL)) {
                int nf = s_split(line, '|', fl, 64);
                long long q;
                cr_assert_eq(nf, 20, "%s: %s", f->key, line);
                cr_assert(tg_date(fl[1]) && (strcmp(fl[8], "TENDER") == 0 || (tg_int(fl[12], &q) &&
                                                                             tg_by_sku(&m, fl[10]))),
                          "%s: %s", f->key, line);
                checked[NS_GEN_SRC_POS]++;
            }
        } else if (tg_starts(f->key, "wholesale/edi852/") && f->rawlen) {
            char el = p[3], term = p[105];
            char sender[16]; /* ISA06: 15 characters from column 35, padded with spaces */
            snprintf(sender, sizeof sender, "%.15s", p + 35);
            for (size_t k = strlen(sender); k > 0 && sender[k - 1] == ' '; k--)
                sender[k - 1] = '\0';
            char *text = strndup(f->text, f->textlen);
            int st_at = -1, lins = 0, nseg = 0;
            for (char *s = text; *s;) {
                while (*s == '\n')
                    s++;
                char *e = strchr(s, term);
                if (!e)
                    break;
                *e = '\0';
                int nf = s_split(s, el, fl, 64);
                nseg++;
                if (strcmp(fl[0], "ST") == 0)
                    st_at = nseg, lins = 0;
                else if (strcmp(fl[0], "LIN") == 0) {
                    lins++;
                    cr_assert_not_null(tg_by_upc(&m, fl[3]), "%s: unknown UPC %s", f->key, fl[3]);
                    checked[NS_GEN_SRC_EDI852]++;
                } else if (strcmp(fl[0], "N1") == 0)
                    cr_assert(tg_store_known(&m, sender, fl[4]), "%s: unknown store %s of %s", f->key, fl[4],
                              sender);
                else if (strcmp(fl[0], "SDQ") == 0)
                    for (int k = 3; k < nf; k += 2)
                        cr_assert(tg_store_known(&m, sender, fl[k]), "%s: unknown store %s of %s", f->key,
                                  fl[k], sender);
                else if (strcmp(fl[0], "CTT") == 0)
                    cr_assert_eq(atoi(fl[1]), lins, "%s: CTT", f->key);
                else if (strcmp(fl[0], "SE") == 0)
                    cr_assert_eq(atoi(fl[1]), nseg - st_at + 1, "%s: SE", f->key);
                s = e + 1;
            }
            free(text);
        } else if (tg_starts(f->key, "wholesale/portal/")) {
            char *text = tg_utf16(f->raw, f->rawlen);
            cr_assert_not_null(text);
            const char *q = text;
            for (int k = 0; k < 3; k++)
                cr_assert(tg_line(&q, line, sizeof line, NULL));
            int nf;
            char buf[4096];
            while ((nf = tg_csv(&q, '\t', buf, sizeof buf, fl, 64)) >= 0) {
                long long c, n;
                cr_assert(nf == 10 && tg_int(fl[7], &n) && tg_money(fl[8], &c) && tg_by_upc(&m, fl[4]),
                          "%s: bad row", f->key);
                checked[NS_GEN_SRC_PORTAL]++;
            }
            free(text);
        } else if (tg_starts(f->key, "online/orders/") || tg_starts(f->key, "clickstream/") ||
                   tg_starts(f->key, "ads/social/")) {
            const char *end = f->text + f->textlen;
            while (p < end) {
                tg_jv_t *o = tg_jparse(&p, end, 0);
                cr_assert_not_null(o, "%s: a value does not parse", f->key);
                if (tg_starts(f->key, "online/orders/")) {
                    cr_assert(tg_jget(o, "id")->t == 's' && strlen(tg_jsv(o, "created_at")) == 25);
                    const tg_jv_t *items = tg_jget(o, "line_items");
                    for (int k = 0; k < items->len; k++)
                        cr_assert_not_null(tg_by_sku(&m, tg_jsv(items->vals[k], "sku")));
                    checked[NS_GEN_SRC_ORDERS]++;
                } else if (tg_starts(f->key, "clickstream/")) {
                    cr_assert(tg_jstr_of(o, "messageId") && strlen(tg_jsv(o, "timestamp")) == 24);
                    checked[NS_GEN_SRC_CLICKSTREAM]++;
                } else {
                    long long c;
                    cr_assert(tg_jstr_of(o, "ad_id") && tg_money(tg_jsv(o, "spend"), &c) &&
                              !strchr(tg_jsv(o, "spend"), ','));
                    checked[NS_GEN_SRC_ADS_SOCIAL]++;
                }
                while (p < end && *p == '\n')
                    p++;
                tg_jv_free(o);
            }
        } else if (tg_starts(f->key, "ads/search/")) {
            char buf[4096];
            for (int k = 0; k < 3; k++)
                cr_assert(tg_csv(&p, ',', buf, sizeof buf, fl, 64) >= 0);
            int nf;
            while ((nf = tg_csv(&p, ',', buf, sizeof buf, fl, 64)) >= 0) {
                long long v;
                cr_assert(nf == 9 && tg_money(fl[6], &v) && tg_money(fl[7], &v), "%s: bad row", f->key);
                checked[NS_GEN_SRC_ADS_SEARCH]++;
            }
        } else if (tg_starts(f->key, "weather/ghcn/by_year/")) {
            while (tg_line(&p, line, sizeof line, NULL)) {
                int nf = s_split(line, ',', fl, 64);
                long long v;
                char d[16];
                cr_assert_eq(nf, 8);
                snprintf(d, sizeof d, "%.4s-%.2s-%.2s", fl[1], fl[1] + 4, fl[1] + 6);
                cr_assert(tg_int(fl[3], &v) && tg_date(d), "%s", line);
                checked[NS_GEN_SRC_WEATHER]++;
            }
        } else if (tg_starts(f->key, "economic/laus/")) {
            cr_assert(tg_line(&p, line, sizeof line, NULL));
            while (tg_line(&p, line, sizeof line, NULL)) {
                int nf = s_split(line, '\t', fl, 64);
                cr_assert(nf == 5 && strchr("0123456789", fl[3][11]), "%s", line);
                checked[NS_GEN_SRC_LAUS]++;
            }
        } else if (tg_starts(f->key, "master/")) {
            if (tg_starts(p, "\xef\xbb\xbf"))
                p += 3;
            char buf[4096];
            int want = tg_csv(&p, ',', buf, sizeof buf, fl, 64), nf;
            while ((nf = tg_csv(&p, ',', buf, sizeof buf, fl, 64)) >= 0) {
                cr_assert_eq(nf, want, "%s: a row of %d fields", f->key, nf);
                checked[NS_GEN_SRC_MASTER]++;
            }
        }
    }
    for (int s = 0; s < NS_GEN_NSRC; s++)
        cr_assert_gt(checked[s], 0, "%s: nothing checked", ns_gen_source_names[s]);
    tg_master_free(&m);
    tg_free(&fs);
}

Test(gen_sources, options_are_checked)
{
    char a[NS_URI_MAX];
    ns_gen_opts_t o;
    ns_err_t err;
    unsigned mask;
    cr_assert_eq(ns_gen_parse_sources("pos,ads", &mask, &err), 0);
    cr_assert_eq(mask, (1u << NS_GEN_SRC_POS) | (1u << NS_GEN_SRC_ADS_SEARCH) | (1u << NS_GEN_SRC_ADS_SOCIAL));
    cr_assert_eq(ns_gen_parse_sources("all", &mask, &err), 0);
    cr_assert_eq(mask, NS_GEN_ALL_SOURCES);
    cr_assert_eq(ns_gen_parse_sources("pos,nope", &mask, &err), -1);
    cr_assert_not_null(strstr(err.msg, "'nope'"), "%s", err.msg);
    cr_assert_eq(ns_gen_parse_sources("", &mask, &err), -1);
#define S_BAD(stmt, needle)                                                                         \
    do {                                                                                            \
        tg_opts(&o, "x", a);                                                                        \
        stmt;                                                                                       \
        memset(&err, 0, sizeof err);                                                                \
        cr_assert_eq(ns_gen_run(&o, NULL, &err), -1, #stmt " accepted");                            \
        cr_assert_not_null(strstr(err.msg, needle), #stmt ": message '%s'", err.msg);               \
    } while (0)
    S_BAD(o.dup_rate = 1.5, "dup_rate");
    S_BAD(o.dup_rate = -0.5, "dup_rate");
    S_BAD(o.file_bad_rate = 2, "file_bad_rate");
    S_BAD(o.sources = 0, "sources");
    S_BAD(o.sources = 1u << 20, "sources");
#undef S_BAD
    struct stat sb;
    char path[512];
    snprintf(path, sizeof path, "%s/x", tg_root);
    cr_assert_neq(stat(path, &sb), 0, "nothing is written for bad options");
    /* one source alone writes only its own objects (and the truth) */
    tg_opts(&o, "one", a);
    o.sources = 1u << NS_GEN_SRC_LAUS;
    tg_run(&o, NULL);
    tg_files_t fs;
    tg_load(a, &fs);
    cr_assert_eq(fs.n, 2);
    cr_assert_not_null(tg_find(&fs, "economic/laus/la.data.3.AllStatesS"));
    cr_assert_not_null(tg_find(&fs, "_gen/truth.json"));
    cr_assert_eq(s_count(&fs, "pos/"), 0);
    tg_free(&fs);
}
