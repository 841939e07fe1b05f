/*
 * test_gen_truth: the totals of <out>/_gen/truth.json equal an independent
 * recomputation from the files the generator wrote, source by source, with
 * the rules of docs/GENERATOR.md: POS item lines (retail), online orders
 * (latest valid version, voids and refunds netted), EDI 852 (department:
 * valid sets of each interchange once, QS - QU at list price), the vendor
 * portal (discount: the latest export of each week), partner inventory
 * (QA and OH Qty of the same pairs and rows), search and social ads
 * (the latest restatement), clickstream sessions (messageIds deduplicated,
 * 30-minute gaps; each object read as concatenated JSON, as the job reads
 * it, keeps every valid event: an event cut short swallows no neighbour),
 * weather (unflagged values) and unemployment (measure 03
 * rows). The run plants bad rows, truncated and re-sent files, late files
 * and bad EDI sets at high rates so that every rule is exercised.
 */
#include "ns_json.h"
#include "ns_test_util.h"
#include "test_gen_util.h"

TestSuite(gen_truth, .init = tg_setup, .fini = tg_teardown, .timeout = 300);

/* ------------------------------------------------------- a keyed table */

typedef struct {
    char key[96];     /* what the figures belong to */
    long long v[5];   /* figures */
    long long n;      /* records */
    bool seen;        /* matched against the truth */
} s_ent_t;

typedef struct {
    s_ent_t *e;
    size_t n, cap;
    size_t *slot;     /* open addressing: index + 1, 0 = empty */
    size_t nslot;
} s_tab_t;

static uint64_t s_fnv(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static s_ent_t *s_get(s_tab_t *t, const char *key)
{
    if ((t->n + 1) * 2 > t->nslot) {
        size_t ns = t->nslot ? t->nslot * 2 : 1024;
        free(t->slot);
        t->slot = calloc(ns, sizeof *t->slot);
        t->nslot = ns;
        for (size_t i = 0; i < t->n; i++) {
            size_t j = s_fnv(t->e[i].key) & (ns - 1);
            while (t->slot[j])
                j = (j + 1) & (ns - 1);
            t->slot[j] = i + 1;
        }
    }
    size_t j = s_fnv(key) & (t->nslot - 1);
    while (t->slot[j]) {
        if (strcmp(t->e[t->slot[j] - 1].key, key) == 0)
            return &t->e[t->slot[j] - 1];
        j = (j + 1) & (t->nslot - 1);
    }
    if (t->n == t->cap) {
        t->cap = t->cap ? t->cap * 2 : 256;
        t->e = realloc(t->e, t->cap * sizeof *t->e);
    }
    s_ent_t *e = &t->e[t->n];
    memset(e, 0, sizeof *e);
    snprintf(e->key, sizeof e->key, "%s", key);
    t->slot[j] = ++t->n;
    return e;
}

static s_ent_t *s_find(s_tab_t *t, const char *key)
{
    if (!t->nslot)
        return NULL;
    size_t j = s_fnv(key) & (t->nslot - 1);
    while (t->slot[j]) {
        if (strcmp(t->e[t->slot[j] - 1].key, key) == 0)
            return &t->e[t->slot[j] - 1];
        j = (j + 1) & (t->nslot - 1);
    }
    return NULL;
}

static void s_tab_free(s_tab_t *t)
{
    free(t->e);
    free(t->slot);
    memset(t, 0, sizeof *t);
}

/* ----------------------------------------------------------- calendar */

static long long s_days(int y, int m, int d)
{
    y -= m <= 2;
    long long era = (y >= 0 ? y : y - 399) / 400;
    long long yoe = y - era * 400;
    long long doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    return era * 146097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719468;
}

static void s_civil(long long z, int *y, int *m, int *d)
{
    z += 719468;
    long long era = (z >= 0 ? z : z - 146096) / 146097;
    long long doe = z - era * 146097;
    long long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    long long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    long long mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static void s_iso(char *out, long long day)
{
    int y, m, d;
    s_civil(day, &y, &m, &d);
    snprintf(out, 16, "%04d-%02d-%02d", y, m, d);
}

/* "2026-11-24T10:30:00-05:00" -> UTC seconds; false if malformed. */
static bool s_instant(const char *s, long long *utc)
{
    if (!s || strlen(s) != 25 || s[10] != 'T' || s[13] != ':' || s[16] != ':' ||
        (s[19] != '+' && s[19] != '-') || s[22] != ':')
        return false;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!tg_date(date))
        return false;
    for (int i = 11; i < 25; i++)
        if (i != 13 && i != 16 && i != 19 && i != 22 && !isdigit((unsigned char)s[i]))
            return false;
    int hh = atoi(s + 11), mm = atoi(s + 14), ss = atoi(s + 17);
    if (hh > 23 || mm > 59 || ss > 59)
        return false;
    int off = (atoi(s + 20) * 60 + atoi(s + 23)) * (s[19] == '-' ? -1 : 1);
    *utc = s_days(atoi(s), atoi(s + 5), atoi(s + 8)) * 86400 + hh * 3600 + mm * 60 + ss - off * 60;
    return true;
}

/* "2026-11-24T14:03:22.989Z" -> UTC ms; false if malformed. */
static bool s_ms(const char *s, long long *ms)
{
    if (!s || strlen(s) != 24 || s[10] != 'T' || s[19] != '.' || s[23] != 'Z')
        return false;
    char date[11];
    memcpy(date, s, 10);
    date[10] = '\0';
    if (!tg_date(date) || s[13] != ':' || s[16] != ':')
        return false;
    int hh = atoi(s + 11), mm = atoi(s + 14), ss = atoi(s + 17), mss = atoi(s + 20);
    if (hh > 23 || mm > 59 || ss > 59)
        return false;
    *ms = (s_days(atoi(s), atoi(s + 5), atoi(s + 8)) * 86400 + hh * 3600 + mm * 60 + ss) * 1000 + mss;
    return true;
}

/* The dt=YYYY-MM-DD of a key, or "". */
static void s_dt(const char *key, char *out)
{
    const char *p = strstr(key, "dt=");
    out[0] = '\0';
    if (p)
        snprintf(out, 11, "%.10s", p + 3);
}

/* ------------------------------------------------------ the comparison */

/* Every truth entry of totals[name] has the same figures in t (keyed by
 * the fields kf), and t has nothing more. */
static void s_compare(const tg_jv_t *truth, const char *name, s_tab_t *t, const char *const *kf,
                      int nk, const char *const *vf, int nv)
{
    const tg_jv_t *arr = tg_jget(tg_jget(truth, "totals"), name);
    cr_assert(arr && arr->t == 'a', "no totals.%s", name);
    for (int i = 0; i < arr->len; i++) {
        const tg_jv_t *e = arr->vals[i];
        char key[96] = "";
        size_t kl = 0;
        for (int k = 0; k < nk; k++) {
            const tg_jv_t *x = tg_jget(e, kf[k]);
            cr_assert_not_null(x, "%s[%d] has no %s", name, i, kf[k]);
            kl += (size_t)snprintf(key + kl, sizeof key - kl, "%s%s", k ? "|" : "", x->s);
        }
        s_ent_t *got = s_find(t, key);
        cr_assert_not_null(got, "truth %s %s: nothing in the files", name, key);
        for (int k = 0; k < nv; k++) {
            const tg_jv_t *x = tg_jget(e, vf[k]);
            cr_assert_not_null(x, "%s %s has no %s", name, key, vf[k]);
            long long want;
            if (strchr(x->s, '.')) { /* one decimal: tenths */
                want = atoll(x->s) * 10 + (x->s[strlen(x->s) - 1] - '0') * (x->s[0] == '-' ? -1 : 1);
            } else {
                want = atoll(x->s);
            }
            cr_assert_eq(got->v[k], want, "%s %s %s: truth %lld, files %lld", name, key, vf[k], want,
                         got->v[k]);
        }
        got->seen = true;
    }
    for (size_t i = 0; i < t->n; i++)
        cr_assert(t->e[i].seen || t->e[i].n == 0, "%s %s: in the files, not in the truth (%lld records)",
                  name, t->e[i].key, t->e[i].n);
}

/* ---------------------------------------------------------- the run */

static tg_files_t s_fs;
static tg_jv_t *s_truth;
static tg_master_t s_m;
static const char *s_first = "2026-11-23";

static void s_generate(void)
{
    static char out[NS_URI_MAX];
    ns_gen_opts_t o;
    tg_opts(&o, "raw", out);
    o.stores = 8, o.days = 5, o.start = s_first, o.seed = 11, o.scale = 0.3;
    o.bad_rate = 0.02, o.dup_rate = 0.25, o.file_bad_rate = 0.5;
    tg_run(&o, NULL);
    tg_load(out, &s_fs);
    const tg_file_t *t = tg_find(&s_fs, "_gen/truth.json");
    cr_assert_not_null(t);
    const char *p = t->text;
    s_truth = tg_jparse(&p, t->text + t->textlen, 0);
    cr_assert_not_null(s_truth, "truth.json does not parse");
    tg_master(&s_fs, s_first, &s_m);
}

static void s_done(void)
{
    tg_jv_free(s_truth);
    tg_master_free(&s_m);
    tg_free(&s_fs);
}

static const char *const s_sales_v[3] = {"units", "net_cents", "usd_cents"};

/* --------------------------------------------------------------- tests */

static void s_check_retail_equals_the_pos_lines(void)
{
    s_tab_t t = {0};
    size_t files = 0;
    for (size_t i = 0; i < s_fs.n; i++) {
        const tg_file_t *f = &s_fs.f[i];
        if (!tg_starts(f->key, "pos/"))
            continue;
        files++;
        cr_assert(f->complete, "%s: POS files are never damaged", f->key);
        const char *p = f->text;
        char line[1024], *fl[24];
        cr_assert(tg_line(&p, line, sizeof line, NULL));
        cr_assert(tg_starts(line, "store_id|business_date|"), "%s: header", f->key);
        while (tg_line(&p, line, sizeof line, NULL)) {
            int nf = 0;
            for (char *q = line;; nf++) {
                if (nf < 24)
                    fl[nf] = q;
                char *bar = strchr(q, '|');
                if (!bar) {
                    nf++;
                    break;
                }
                *bar = '\0';
                q = bar + 1;
            }
            long long qty, ext;
            if (nf != 20 || strcmp(fl[8], "ITEM") != 0)
                continue;
            if (!tg_date(fl[1]) || strlen(fl[5]) != 19 || fl[5][10] != 'T' || atoi(fl[5] + 11) > 23 ||
                !fl[10][0] || !tg_int(fl[12], &qty) || !tg_money(fl[14], &ext))
                continue;
            char key[96];
            snprintf(key, sizeof key, "retail|%s|%s", fl[1], fl[18]);
            s_ent_t *e = s_get(&t, key);
            e->v[0] += qty;
            e->v[1] += ext;
            e->v[2] += tg_usd(ext, tg_fx(&s_fs, fl[1], fl[18]));
            e->n++;
        }
    }
    cr_assert_eq(files, 8 * 5);
    /* the retail part of the truth */
    s_tab_t all = {0};
    for (size_t i = 0; i < t.n; i++)
        *s_get(&all, t.e[i].key) = t.e[i];
    const tg_jv_t *arr = tg_jget(tg_jget(s_truth, "totals"), "sales");
    int retail = 0;
    for (int i = 0; i < arr->len; i++) {
        const char *ch = tg_jstr_of(arr->vals[i], "channel");
        if (strcmp(ch, "retail") != 0)
            continue;
        retail++;
        char key[96];
        snprintf(key, sizeof key, "retail|%s|%s", tg_jstr_of(arr->vals[i], "day"),
                 tg_jstr_of(arr->vals[i], "currency"));
        s_ent_t *e = s_find(&t, key);
        cr_assert_not_null(e, "truth %s: no POS lines", key);
        cr_assert_eq(e->v[0], atoll(tg_jget(arr->vals[i], "units")->s), "%s units", key);
        cr_assert_eq(e->v[1], atoll(tg_jget(arr->vals[i], "net_cents")->s), "%s net", key);
        cr_assert_eq(e->v[2], atoll(tg_jget(arr->vals[i], "usd_cents")->s), "%s usd", key);
        cr_assert_eq(e->n, atoll(tg_jget(arr->vals[i], "records")->s), "%s records", key);
    }
    cr_assert_eq((size_t)retail, t.n, "retail entries: truth %d, files %zu", retail, t.n);
    cr_assert_eq(t.n, 5 * 3, "every day has USD, CAD and GBP (stores 1..8)");
    s_tab_free(&t);
    s_tab_free(&all);
}

/* The latest valid version of each order. */
typedef struct {
    char id[32];
    long long updated;
    tg_jv_t *o;
} s_ord_t;

static void s_check_online_equals_the_latest_order_versions(void)
{
    s_ord_t *ords = calloc(100000, sizeof *ords);
    size_t nord = 0, lines = 0, bad = 0, truncated = 0, empty = 0;
    for (size_t i = 0; i < s_fs.n; i++) {
        const tg_file_t *f = &s_fs.f[i];
        if (!tg_starts(f->key, "online/orders/"))
            continue;
        cr_assert(tg_ends(f->key, ".jsonl.gz"), "%s", f->key);
        truncated += !f->complete;
        empty += f->rawlen == 0;
        const char *p = f->text;
        while (*p) {
            const char *e = strchr(p, '\n');
            if (!e)
                break; /* the cut end of a truncated copy */
            lines++;
            const char *q = p;
            tg_jv_t *o = tg_jparse(&q, e, 0);
            p = e + 1;
            const char *id = tg_jstr_of(o, "id"), *upd = tg_jstr_of(o, "updated_at");
            long long c, u;
            if (!o || !id || !s_instant(tg_jstr_of(o, "created_at"), &c) || !s_instant(upd, &u) ||
                !tg_jget(o, "line_items")) {
                bad++;
                tg_jv_free(o);
                continue;
            }
            size_t k = 0;
            while (k < nord && strcmp(ords[k].id, id) != 0)
                k++;
            if (k == nord) {
                snprintf(ords[nord].id, sizeof ords[nord].id, "%s", id);
                nord++;
            } else if (ords[k].updated > u) {
                tg_jv_free(o);
                continue;
            }
            tg_jv_free(ords[k].o);
            ords[k].o = o;
            ords[k].updated = u;
        }
    }
    cr_assert_gt(lines, 100);
    cr_assert_gt(bad, 0, "no malformed order lines planted");
    cr_assert_gt(truncated, 0, "no truncated orders file");
    cr_assert_gt(empty, 0, "no empty orders file");
    s_tab_t t = {0};
    int voided = 0, refunded = 0;
    for (size_t k = 0; k < nord; k++) {
        const tg_jv_t *o = ords[k].o;
        const char *status = tg_jstr_of(o, "financial_status");
        if (strcmp(status, "voided") == 0) {
            voided++;
            continue;
        }
        const char *cur = tg_jsv(o, "currency");
        long long created;
        cr_assert(s_instant(tg_jsv(o, "created_at"), &created));
        char day[16];
        s_iso(day, created / 86400); /* the UTC date of created_at */
        long long fx = tg_fx(&s_fs, day, cur);
        const tg_jv_t *items = tg_jget(o, "line_items"), *refunds = tg_jget(o, "refunds");
        refunded += refunds->len > 0;
        for (int i = 0; i < items->len; i++) {
            const tg_jv_t *li = items->vals[i];
            if (!tg_by_sku(&s_m, tg_jstr_of(li, "sku")))
                continue; /* unknown product */
            long long qty = atoll(tg_jget(li, "quantity")->s), price, disc, rq = 0, rsub = 0;
            cr_assert(tg_money(tg_jstr_of(li, "price"), &price));
            cr_assert(tg_money(tg_jstr_of(li, "total_discount"), &disc));
            for (int r = 0; r < refunds->len; r++) {
                const tg_jv_t *rl = tg_jget(refunds->vals[r], "refund_line_items");
                for (int j = 0; j < rl->len; j++) {
                    if (strcmp(tg_jstr_of(rl->vals[j], "line_item_id"), tg_jstr_of(li, "id")) != 0)
                        continue;
                    long long s;
                    cr_assert(tg_money(tg_jstr_of(rl->vals[j], "subtotal"), &s));
                    rq += atoll(tg_jget(rl->vals[j], "quantity")->s);
                    rsub += s;
                }
            }
            char key[96];
            snprintf(key, sizeof key, "online|%s|%s", day, cur);
            s_ent_t *e = s_get(&t, key);
            long long net = price * qty - disc - rsub;
            e->v[0] += qty - rq;
            e->v[1] += net;
            e->v[2] += tg_usd(net, fx);
            e->n++;
        }
    }
    cr_assert_gt(voided, 0, "no voided order");
    cr_assert_gt(refunded, 0, "no refunded order");
    /* the online part of the truth */
    const tg_jv_t *arr = tg_jget(tg_jget(s_truth, "totals"), "sales");
    int online = 0;
    for (int i = 0; i < arr->len; i++) {
        if (strcmp(tg_jstr_of(arr->vals[i], "channel"), "online") != 0)
            continue;
        online++;
        char key[96];
        snprintf(key, sizeof key, "online|%s|%s", tg_jstr_of(arr->vals[i], "day"),
                 tg_jstr_of(arr->vals[i], "currency"));
        s_ent_t *e = s_find(&t, key);
        cr_assert_not_null(e, "truth %s: no orders", key);
        for (int k = 0; k < 3; k++)
            cr_assert_eq(e->v[k], atoll(tg_jget(arr->vals[i], s_sales_v[k])->s), "%s %s", key,
                         s_sales_v[k]);
        cr_assert_eq(e->n, atoll(tg_jget(arr->vals[i], "records")->s), "%s records", key);
        e->seen = true;
    }
    for (size_t i = 0; i < t.n; i++)
        cr_assert(t.e[i].seen, "%s: in the files, not in the truth", t.e[i].key);
    cr_assert_gt(online, 5);
    for (size_t k = 0; k < nord; k++)
        tg_jv_free(ords[k].o);
    free(ords);
    s_tab_free(&t);
}

/* Splits EDI text into segments with the ISA's separators and adds the
 * valid sets of a not yet seen interchange to t (sales) and inv (the
 * pairs with a QA: on hand in v[0], rows in v[1]). */
static void s_edi(const tg_file_t *f, s_tab_t *t, s_tab_t *inv, char (*seen)[40], int *nseen,
                  int *badsets)
{
    const char *s = f->text;
    cr_assert(f->textlen >= 106 && tg_starts(s, "ISA"), "%s: no ISA", f->key);
    char el = s[3], comp = s[104], term = s[105];
    cr_assert(comp != el && term != el && comp != term, "%s: separators", f->key);
    char sender[16], ctl[10];
    snprintf(sender, sizeof sender, "%.15s", s + 35);
    for (int i = (int)strlen(sender) - 1; i >= 0 && sender[i] == ' '; i--)
        sender[i] = '\0';
    snprintf(ctl, sizeof ctl, "%.9s", s + 90);
    char id[40];
    snprintf(id, sizeof id, "%s-%s", sender, ctl);
    cr_assert(strstr(f->key, id), "%s: name is not %s", f->key, id);
    for (int i = 0; i < *nseen; i++)
        if (strcmp(seen[i], id) == 0)
            return; /* sent twice: counted once */
    snprintf(seen[(*nseen)++], 40, "%s", id);
    /* segments */
    char *buf = strndup(s, f->textlen);
    char **segs = calloc(f->textlen / 2 + 1, sizeof *segs);
    int n = 0;
    for (char *p = buf; *p;) {
        while (*p == '\n' || *p == '\r')
            p++;
        if (!*p)
            break;
        char *e = strchr(p, term);
        cr_assert_not_null(e, "%s: unterminated segment", f->key);
        *e = '\0';
        segs[n++] = p;
        p = e + 1;
    }
    /* per set: (LIN upc, store) -> qs, qu, qa */
    typedef struct {
        char upc[16], store[8];
        long long qs, qu, qa;
        bool has_qa;
    } s_q_t;
    s_q_t *q = calloc(100000, sizeof *q);
    int nq = 0, st = -1, lins = 0, ctt = -1;
    char period[16] = "", n1store[8] = "", upc[16] = "", za[4] = "";
    for (int i = 0; i < n; i++) {
        char *fl[64];
        int nf = 0;
        for (char *p = segs[i];; nf++) {
            if (nf < 64)
                fl[nf] = p;
            char *e = strchr(p, el);
            if (!e) {
                nf++;
                break;
            }
            *e = '\0';
            p = e + 1;
        }
        if (strcmp(fl[0], "ST") == 0) {
            st = i, nq = 0, lins = 0, ctt = -1, n1store[0] = '\0';
        } else if (strcmp(fl[0], "XQ") == 0) {
            snprintf(period, sizeof period, "%.4s-%.2s-%.2s", fl[3], fl[3] + 4, fl[3] + 6);
        } else if (strcmp(fl[0], "N1") == 0 && strcmp(fl[1], "RL") == 0) {
            snprintf(n1store, sizeof n1store, "%s", fl[4]);
        } else if (strcmp(fl[0], "LIN") == 0) {
            lins++;
            snprintf(upc, sizeof upc, "%s", fl[3]);
        } else if (strcmp(fl[0], "ZA") == 0) {
            snprintf(za, sizeof za, "%s", fl[1]);
            if (nf >= 3) {
                int k = 0;
                while (k < nq && !(strcmp(q[k].upc, upc) == 0 && strcmp(q[k].store, n1store) == 0))
                    k++;
                if (k == nq) {
                    snprintf(q[k].upc, sizeof q[k].upc, "%s", upc);
                    snprintf(q[k].store, sizeof q[k].store, "%s", n1store);
                    q[k].qs = q[k].qu = q[k].qa = 0;
                    q[k].has_qa = false;
                    nq++;
                }
                if (strcmp(za, "QS") == 0)
                    q[k].qs += atoll(fl[2]);
                else if (strcmp(za, "QU") == 0)
                    q[k].qu += atoll(fl[2]);
                else if (strcmp(za, "QA") == 0)
                    q[k].qa = atoll(fl[2]), q[k].has_qa = true;
            }
        } else if (strcmp(fl[0], "SDQ") == 0) {
            for (int j = 3; j + 1 < nf; j += 2) {
                int k = nq - 1;
                while (k >= 0 && !(strcmp(q[k].upc, upc) == 0 && strcmp(q[k].store, fl[j]) == 0))
                    k--;
                if (k < 0) {
                    k = nq++;
                    snprintf(q[k].upc, sizeof q[k].upc, "%s", upc);
                    snprintf(q[k].store, sizeof q[k].store, "%s", fl[j]);
                    q[k].qs = q[k].qu = q[k].qa = 0;
                    q[k].has_qa = false;
                }
                if (strcmp(za, "QS") == 0)
                    q[k].qs += atoll(fl[j + 1]);
                else if (strcmp(za, "QU") == 0)
                    q[k].qu += atoll(fl[j + 1]);
                else if (strcmp(za, "QA") == 0)
                    q[k].qa = atoll(fl[j + 1]), q[k].has_qa = true;
            }
        } else if (strcmp(fl[0], "CTT") == 0) {
            ctt = atoi(fl[1]);
        } else if (strcmp(fl[0], "SE") == 0) {
            if (atoi(fl[1]) != i - st + 1 || ctt != lins) {
                (*badsets)++;
                continue;
            }
            for (int k = 0; k < nq; k++) {
                const tg_product_t *pr = tg_by_upc(&s_m, q[k].upc);
                if (!pr || !tg_store_known(&s_m, sender, q[k].store))
                    continue;
                char key[96];
                snprintf(key, sizeof key, "department|%s|USD", period);
                s_ent_t *e = s_get(t, key);
                e->v[0] += q[k].qs - q[k].qu;
                e->v[1] += (q[k].qs - q[k].qu) * pr->usd;
                e->v[2] += (q[k].qs - q[k].qu) * pr->usd;
                e->n++;
                if (q[k].has_qa) {
                    snprintf(key, sizeof key, "department|%s", period);
                    s_ent_t *v = s_get(inv, key);
                    v->v[0] += q[k].qa;
                    v->v[1]++;
                    v->n++;
                }
            }
        }
    }
    free(q);
    free(segs);
    free(buf);
}

/* Week YYYYWW -> its Sunday. */
static long long s_week_sunday(const char *w)
{
    int y = atoi(w) / 100, wk = atoi(w) % 100;
    long long jan4 = s_days(y, 1, 4);
    long long wd = (jan4 + 4) % 7; /* 0 = Sunday */
    long long mon = jan4 - (wd + 6) % 7;
    return mon + 7 * (wk - 1) + 6;
}

static void s_check_wholesale_equals_edi_sets_and_portal_exports(void)
{
    s_tab_t t = {0}, inv = {0};
    char (*seen)[40] = calloc(10000, sizeof *seen);
    int nseen = 0, badsets = 0, empty = 0, edi = 0;
    for (size_t i = 0; i < s_fs.n; i++) {
        const tg_file_t *f = &s_fs.f[i];
        if (!tg_starts(f->key, "wholesale/edi852/"))
            continue;
        if (f->rawlen == 0) {
            empty++;
            continue;
        }
        edi++;
        s_edi(f, &t, &inv, seen, &nseen, &badsets);
    }
    cr_assert_gt(badsets, 0, "no EDI set with wrong counts");
    cr_assert_gt(empty, 0, "no empty EDI file");
    cr_assert_gt(edi, nseen, "no interchange sent twice");
    /* the portal: the latest export of each (partner, week) */
    typedef struct {
        char pw[48], dt[16];
        const tg_file_t *f;
    } s_exp_t;
    s_exp_t ex[512];
    int nex = 0;
    for (size_t i = 0; i < s_fs.n; i++) {
        const tg_file_t *f = &s_fs.f[i];
        if (!tg_starts(f->key, "wholesale/portal/"))
            continue;
        const char *name = strrchr(f->key, '/') + 1;
        char dt[16];
        s_dt(f->key, dt);
        int k = 0;
        while (k < nex && strcmp(ex[k].pw, name) != 0)
            k++;
        if (k == nex) {
            snprintf(ex[nex].pw, sizeof ex[nex].pw, "%s", name);
            ex[nex].dt[0] = '\0';
            nex++;
        }
        if (strcmp(dt, ex[k].dt) > 0) {
            snprintf(ex[k].dt, sizeof ex[k].dt, "%s", dt);
            ex[k].f = f;
        }
    }
    cr_assert_gt(nex, 2);
    int badrows = 0;
    for (int k = 0; k < nex; k++) {
        const tg_file_t *f = ex[k].f;
        char *text = tg_utf16(f->raw, f->rawlen);
        cr_assert_not_null(text, "%s: no UTF-16LE BOM", f->key);
        char partner[16];
        snprintf(partner, sizeof partner, "%.*s", (int)(strstr(ex[k].pw, "-week-") - ex[k].pw), ex[k].pw);
        const char *p = text;
        char line[2048];
        cr_assert(tg_line(&p, line, sizeof line, NULL) && tg_line(&p, line, sizeof line, NULL));
        cr_assert(tg_starts(line, "Run date "), "%s: preamble", f->key);
        char buf[2048], *fl[16];
        cr_assert_eq(tg_csv(&p, '\t', buf, sizeof buf, fl, 16), 10, "%s: header", f->key);
        int nf;
        while ((nf = tg_csv(&p, '\t', buf, sizeof buf, fl, 16)) >= 0) {
            long long qty, sales, store, oh;
            char sid[16];
            if (nf != 10 || !tg_int(fl[0], &store) || !tg_int(fl[7], &qty) || !tg_money(fl[8], &sales)) {
                badrows++;
                continue;
            }
            snprintf(sid, sizeof sid, "%04lld", store);
            if (!tg_store_known(&s_m, partner, sid) || !tg_by_upc(&s_m, fl[4])) {
                badrows++;
                continue;
            }
            char key[96], day[16];
            s_iso(day, s_week_sunday(fl[3]));
            snprintf(key, sizeof key, "discount|%s|USD", day);
            s_ent_t *e = s_get(&t, key);
            e->v[0] += qty;
            e->v[1] += sales;
            e->v[2] += sales;
            e->n++;
            cr_assert(tg_int(fl[9], &oh), "%s: OH Qty %s", f->key, fl[9]);
            snprintf(key, sizeof key, "discount|%s", day);
            s_ent_t *v = s_get(&inv, key);
            v->v[0] += oh;
            v->v[1]++;
            v->n++;
        }
        free(text);
    }
    cr_assert_gt(badrows, 0, "no bad portal rows");
    /* compare the wholesale channels */
    const tg_jv_t *arr = tg_jget(tg_jget(s_truth, "totals"), "sales");
    int n = 0;
    for (int i = 0; i < arr->len; i++) {
        const char *ch = tg_jstr_of(arr->vals[i], "channel");
        if (strcmp(ch, "department") != 0 && strcmp(ch, "discount") != 0)
            continue;
        n++;
        char key[96];
        snprintf(key, sizeof key, "%s|%s|%s", ch, tg_jstr_of(arr->vals[i], "day"),
                 tg_jstr_of(arr->vals[i], "currency"));
        s_ent_t *e = s_find(&t, key);
        cr_assert_not_null(e, "truth %s: not in the files", key);
        for (int k = 0; k < 3; k++)
            cr_assert_eq(e->v[k], atoll(tg_jget(arr->vals[i], s_sales_v[k])->s), "%s %s", key,
                         s_sales_v[k]);
        cr_assert_eq(e->n, atoll(tg_jget(arr->vals[i], "records")->s), "%s records", key);
        e->seen = true;
    }
    for (size_t i = 0; i < t.n; i++)
        cr_assert(t.e[i].seen, "%s: in the files, not in the truth", t.e[i].key);
    cr_assert_gt(n, 5);
    /* inventory: the same valid pairs and rows, their on-hand figures */
    static const char *const inv_k[2] = {"channel", "day"}, *const inv_v[2] = {"on_hand", "rows"};
    s_compare(s_truth, "inventory", &inv, inv_k, 2, inv_v, 2);
    cr_assert_gt(inv.n, 5);
    free(seen);
    s_tab_free(&t);
    s_tab_free(&inv);
}

static void s_check_ads_equal_the_latest_reports(void)
{
    s_tab_t t = {0};
    int search_bad = 0;
    for (size_t i = 0; i < s_fs.n; i++) {
        const tg_file_t *f = &s_fs.f[i];
        if (!tg_starts(f->key, "ads/search/"))
            continue;
        const char *p = f->text;
        char line[1024], buf[2048], *fl[16];
        cr_assert(tg_line(&p, line, sizeof line, NULL) && strcmp(line, "Campaign report") == 0);
        cr_assert(tg_line(&p, line, sizeof line, NULL) && strstr(line, " - "));
        cr_assert_eq(tg_csv(&p, ',', buf, sizeof buf, fl, 16), 9);
        bool total = false;
        int nf;
        while ((nf = tg_csv(&p, ',', buf, sizeof buf, fl, 16)) >= 0) {
            if (strcmp(fl[0], "Total") == 0) {
                total = true;
                continue;
            }
            long long imp, clk, cost, conv;
            char *dot = nf == 9 ? strchr(fl[8], '.') : NULL;
            if (nf != 9 || !tg_money(fl[5], &imp) || !tg_money(fl[6], &clk) || !tg_money(fl[7], &cost) ||
                !dot || !tg_money(fl[8], &conv)) {
                search_bad++;
                continue;
            }
            char key[96];
            snprintf(key, sizeof key, "search|%s|%s", fl[0], fl[1]);
            s_ent_t *e = s_get(&t, key);
            e->v[0] += imp / 100, e->v[1] += clk / 100, e->v[2] += cost, e->v[3] += conv / 10;
            e->n++;
        }
        cr_assert(total, "%s: no Total row", f->key);
    }
    cr_assert_gt(search_bad, 0);
    /* social: the newest file's figures for an (ad, day) replace older ones */
    typedef struct {
        char key[64], dt[16], campaign[64], day[16];
        long long v[4];
    } s_soc_t;
    s_soc_t *soc = calloc(4096, sizeof *soc);
    int nsoc = 0, social_bad = 0, empty = 0;
    for (size_t i = 0; i < s_fs.n; i++) {
        const tg_file_t *f = &s_fs.f[i];
        if (!tg_starts(f->key, "ads/social/"))
            continue;
        empty += f->rawlen == 0;
        char dt[16];
        s_dt(f->key, dt);
        const char *p = f->text;
        while (*p) {
            const char *e = strchr(p, '\n');
            cr_assert_not_null(e);
            const char *q = p;
            tg_jv_t *o = tg_jparse(&q, e, 0);
            p = e + 1;
            const char *ad = tg_jstr_of(o, "ad_id"), *spend = tg_jstr_of(o, "spend");
            long long cost;
            if (!o || !ad || !spend || strchr(spend, ',') || !tg_money(spend, &cost)) {
                social_bad++;
                tg_jv_free(o);
                continue;
            }
            const tg_jv_t *acts = tg_jget(o, "actions");
            long long purchases = -1;
            for (int k = 0; k < acts->len; k++)
                if (strcmp(tg_jstr_of(acts->vals[k], "action_type"), "purchase") == 0)
                    purchases = atoll(tg_jstr_of(acts->vals[k], "value"));
            cr_assert_geq(purchases, 0);
            char key[64];
            snprintf(key, sizeof key, "%s|%s", ad, tg_jstr_of(o, "date_start"));
            int k = 0;
            while (k < nsoc && strcmp(soc[k].key, key) != 0)
                k++;
            if (k == nsoc)
                nsoc++;
            if (strcmp(dt, soc[k].dt) > 0) {
                snprintf(soc[k].key, sizeof soc[k].key, "%s", key);
                snprintf(soc[k].dt, sizeof soc[k].dt, "%s", dt);
                snprintf(soc[k].campaign, sizeof soc[k].campaign, "%s", tg_jsv(o, "campaign_name"));
                snprintf(soc[k].day, sizeof soc[k].day, "%s", tg_jsv(o, "date_start"));
                soc[k].v[0] = atoll(tg_jstr_of(o, "impressions"));
                soc[k].v[1] = atoll(tg_jstr_of(o, "clicks"));
                soc[k].v[2] = cost;
                soc[k].v[3] = purchases;
            }
            tg_jv_free(o);
        }
    }
    cr_assert_gt(social_bad, 0);
    cr_assert_gt(empty, 0, "no empty social file");
    for (int k = 0; k < nsoc; k++) {
        char key[96];
        snprintf(key, sizeof key, "social|%s|%s", soc[k].day, soc[k].campaign);
        s_ent_t *e = s_get(&t, key);
        for (int j = 0; j < 4; j++)
            e->v[j] += soc[k].v[j] * (j == 3 ? 10 : 1); /* purchases: tenths like search */
        e->n++;
    }
    free(soc);
    static const char *const kf[3] = {"platform", "day", "campaign"};
    static const char *const vf[4] = {"impressions", "clicks", "cost_cents", "conversions"};
    s_compare(s_truth, "ads", &t, kf, 3, vf, 4);
    s_tab_free(&t);
}

typedef struct {
    char anon[40], msg[40], campaign[64], order[32];
    long long ms;
    bool completed;
} s_ev_t;

static int s_cmp_ev(const void *a, const void *b)
{
    const s_ev_t *x = a, *y = b;
    int c = strcmp(x->anon, y->anon);
    if (c)
        return c;
    return x->ms < y->ms ? -1 : x->ms > y->ms;
}

static int s_cmp_msg(const void *a, const void *b)
{
    return strcmp(((const s_ev_t *)a)->msg, ((const s_ev_t *)b)->msg);
}

/* Valid events (messageId, anonymousId and a timestamp) of a clickstream
 * object read as the clickstream job reads every object: concatenated JSON
 * values (ns_json, `concatenated`), where a newline is only whitespace. */
static int s_concat_valid(const tg_file_t *f, int *rejects)
{
    static const char *const paths[3] = {"messageId", "anonymousId", "timestamp"};
    ns_json_opts_t o;
    ns_json_opts_default(&o);
    o.concatenated = true;
    ns_err_t err = {0};
    ns_reader_t *src = ns_test_mem_reader(f->text, f->textlen, 0);
    ns_recsrc_t *s = ns_json_new(src, &o, paths, 3, NULL, 0, 0, UINT64_MAX, &err);
    cr_assert_not_null(s, "%s", err.msg);
    int valid = 0;
    *rejects = 0;
    for (;;) {
        ns_record_t rec;
        int r = s->next(s, &rec, &err);
        cr_assert_geq(r, 0, "%s: %s", f->key, err.msg);
        if (r == NS_REC_END)
            break;
        if (r == NS_REC_REJECT) {
            ++*rejects;
            continue;
        }
        char ts[40] = "";
        long long ms;
        if (rec.fields[2].p && rec.fields[2].len < sizeof ts)
            memcpy(ts, rec.fields[2].p, rec.fields[2].len), ts[rec.fields[2].len] = '\0';
        valid += rec.fields[0].p && rec.fields[1].p && s_ms(ts, &ms);
    }
    s->destroy(s);
    src->close(src);
    return valid;
}

static void s_check_sessions_equal_the_sessionized_clickstream(void)
{
    size_t cap = 1 << 16, n = 0;
    s_ev_t *ev = malloc(cap * sizeof *ev);
    int concat = 0, truncated = 0, invalid = 0, cuts = 0;
    for (size_t i = 0; i < s_fs.n; i++) {
        const tg_file_t *f = &s_fs.f[i];
        if (!tg_starts(f->key, "clickstream/"))
            continue;
        /* clickstream/YYYY/MM/DD/HH/clickstream-1-YYYY-MM-DD-HH-mm-ss-<uuid>.gz */
        int y1, m1, d1, h1, y2, m2, d2, h2, mi, se, len = 0;
        cr_assert_eq(sscanf(f->key, "clickstream/%4d/%2d/%2d/%2d/clickstream-1-%4d-%2d-%2d-%2d-%2d-%2d-%n",
                            &y1, &m1, &d1, &h1, &y2, &m2, &d2, &h2, &mi, &se, &len),
                     10, "%s", f->key);
        cr_assert(y1 == y2 && m1 == m2 && d1 == d2 && h1 == h2, "%s: folder and name disagree", f->key);
        cr_assert(strlen(f->key + len) == 36 + 3 && tg_ends(f->key, ".gz"), "%s: uuid", f->key);
        truncated += !f->complete;
        concat += f->textlen && !strchr(f->text, '\n');
        size_t n0 = n;
        const char *p = f->text, *end = f->text + f->textlen;
        while (p < end) {
            const char *nl = memchr(p, '\n', (size_t)(end - p));
            const char *stop = nl ? nl : end, *q = p;
            tg_jv_t *o = tg_jparse(&q, stop, 0);
            if (!o) {
                if (nl) { /* a broken line of a delimited file */
                    invalid++;
                    p = nl + 1;
                    continue;
                }
                break; /* the cut end of a truncated file */
            }
            p = q;
            while (p < end && (*p == '\n' || *p == ' '))
                p++;
            const char *msg = tg_jstr_of(o, "messageId"), *anon = tg_jstr_of(o, "anonymousId");
            long long ms;
            if (!msg || !anon || !s_ms(tg_jstr_of(o, "timestamp"), &ms)) {
                invalid++;
                tg_jv_free(o);
                continue;
            }
            if (n == cap)
                ev = realloc(ev, (cap *= 2) * sizeof *ev);
            s_ev_t *e = &ev[n++];
            memset(e, 0, sizeof *e);
            snprintf(e->anon, sizeof e->anon, "%s", anon);
            snprintf(e->msg, sizeof e->msg, "%s", msg);
            e->ms = ms;
            const char *name = tg_jstr_of(tg_jget(tg_jget(o, "context"), "campaign"), "name");
            snprintf(e->campaign, sizeof e->campaign, "%s", name ? name : "");
            const char *evn = tg_jstr_of(o, "event");
            e->completed = evn && strcmp(evn, "Order Completed") == 0;
            if (e->completed)
                snprintf(e->order, sizeof e->order, "%s", tg_jstr_of(tg_jget(o, "properties"), "order_id"));
            tg_jv_free(o);
        }
        /* the job reads every object as concatenated JSON (a quarter of
         * them are): an event cut short must not take the next line's
         * event with it (docs/GENERATOR.md, clickstream *bad*) */
        if (f->complete) {
            int rejects, valid = s_concat_valid(f, &rejects);
            cr_assert_eq(valid, (int)(n - n0), "%s: %d valid events read as concatenated JSON, %d as lines",
                         f->key, valid, (int)(n - n0));
            cuts += rejects;
        }
    }
    cr_assert_gt(cuts, 0, "no event cut short");
    cr_assert_gt(concat, 0, "no concatenated file");
    cr_assert_gt(truncated, 0, "no truncated file");
    cr_assert_gt(invalid, 0, "no invalid events");
    /* drop retried duplicates, then sessionize */
    qsort(ev, n, sizeof *ev, s_cmp_msg);
    size_t m = 0, dups = 0;
    for (size_t i = 0; i < n; i++) {
        if (m && strcmp(ev[m - 1].msg, ev[i].msg) == 0) {
            dups++;
            continue;
        }
        ev[m++] = ev[i];
    }
    cr_assert_gt(dups, 0);
    qsort(ev, m, sizeof *ev, s_cmp_ev);
    s_tab_t t = {0}, tc = {0};
    char (*orders)[40] = calloc(m + 1, sizeof *orders);
    size_t norders = 0;
    for (size_t i = 0; i < m;) {
        size_t j = i + 1;
        while (j < m && strcmp(ev[j].anon, ev[i].anon) == 0 && ev[j].ms - ev[j - 1].ms <= 30 * 60000LL)
            j++;
        char day[16], key[96];
        s_iso(day, ev[i].ms / 86400000);
        bool conv = false;
        for (size_t k = i; k < j; k++) {
            if (!ev[k].completed)
                continue;
            conv = true;
            size_t o = 0;
            while (o < norders && strcmp(orders[o], ev[k].order) != 0)
                o++;
            if (o == norders) {
                snprintf(orders[norders++], 40, "%s", ev[k].order);
                snprintf(key, sizeof key, "%s", day);
                s_get(&t, key)->v[2]++;
                snprintf(key, sizeof key, "%s|%s", day, ev[i].campaign);
                s_get(&tc, key)->v[2]++;
            }
        }
        snprintf(key, sizeof key, "%s", day);
        s_ent_t *e = s_get(&t, key);
        e->v[0]++, e->v[1] += conv, e->n++;
        snprintf(key, sizeof key, "%s|%s", day, ev[i].campaign);
        e = s_get(&tc, key);
        e->v[0]++, e->v[1] += conv, e->n++;
        i = j;
    }
    static const char *const kf[1] = {"day"}, *const kfc[2] = {"day", "campaign"};
    static const char *const vf[3] = {"sessions", "converted_sessions", "orders"};
    s_compare(s_truth, "web_sessions", &t, kf, 1, vf, 3);
    s_compare(s_truth, "web_sessions_by_campaign", &tc, kfc, 2, vf, 3);
    free(orders);
    free(ev);
    s_tab_free(&t);
    s_tab_free(&tc);
}

static void s_check_weather_and_unemployment_equal_the_files(void)
{
    s_tab_t t = {0};
    int flagged = 0, bad = 0;
    const tg_file_t *f = tg_find(&s_fs, "weather/ghcn/by_year/2026.csv.gz");
    cr_assert_not_null(f);
    cr_assert(f->complete);
    const char *p = f->text;
    char line[256], last[16] = "";
    while (tg_line(&p, line, sizeof line, NULL)) {
        char *fl[12];
        int nf = 0;
        for (char *q = line;; nf++) {
            if (nf < 12)
                fl[nf] = q;
            char *c = strchr(q, ',');
            if (!c) {
                nf++;
                break;
            }
            *c = '\0';
            q = c + 1;
        }
        long long v;
        char day[16];
        if (nf != 8 || strlen(fl[1]) != 8 || !tg_int(fl[3], &v)) {
            bad++;
            continue;
        }
        snprintf(day, sizeof day, "%.4s-%.2s-%.2s", fl[1], fl[1] + 4, fl[1] + 6);
        if (!tg_date(day)) {
            bad++;
            continue;
        }
        if (fl[5][0]) {
            flagged++;
            continue;
        }
        if (strcmp(day, last) > 0)
            snprintf(last, sizeof last, "%s", day);
        char key[96];
        snprintf(key, sizeof key, "%s|%s", day, fl[2]);
        s_ent_t *e = s_get(&t, key);
        e->v[0]++, e->v[1] += v, e->n++;
    }
    cr_assert_str_eq(last, "2026-11-27", "the year file runs to the last day");
    cr_assert(tg_find(&s_fs, "weather/ghcn/by_year/2026.csv.gz") && flagged > 0 && bad > 0);
    static const char *const kf[2] = {"day", "element"}, *const vf[2] = {"values", "sum"};
    s_compare(s_truth, "weather", &t, kf, 2, vf, 2);
    /* unemployment: measure 03 rows of months M01..M12 */
    s_tab_t u = {0};
    f = tg_find(&s_fs, "economic/laus/la.data.3.AllStatesS");
    cr_assert_not_null(f);
    p = f->text;
    cr_assert(tg_line(&p, line, sizeof line, NULL) && tg_starts(line, "series_id "));
    int revised = 0, prelim = 0;
    while (tg_line(&p, line, sizeof line, NULL)) {
        char *fl[8];
        int nf = 0;
        for (char *q = line;; nf++) {
            if (nf < 8)
                fl[nf] = q;
            char *c = strchr(q, '\t');
            if (!c) {
                nf++;
                break;
            }
            *c = '\0';
            q = c + 1;
        }
        for (int k = 0; k < nf && k < 8; k++) { /* trim the padding */
            while (*fl[k] == ' ')
                fl[k]++;
            for (int e = (int)strlen(fl[k]) - 1; e >= 0 && fl[k][e] == ' '; e--)
                fl[k][e] = '\0';
        }
        long long year;
        if (nf != 5 || !tg_int(fl[1], &year) || (!strchr(fl[3], '.') && strcmp(fl[0] + 18, "03") == 0)) {
            bad++;
            continue;
        }
        if (strlen(fl[0]) != 20 || strcmp(fl[0] + 18, "03") != 0 || strcmp(fl[2], "M13") == 0)
            continue;
        char key[96];
        snprintf(key, sizeof key, "%s|%lld|%s|%s|%s", fl[0], year, fl[2], fl[3], fl[4]);
        s_get(&u, key)->n++;
        revised += strcmp(fl[4], "R") == 0;
        prelim += strcmp(fl[4], "P") == 0;
    }
    cr_assert_gt(revised, 0);
    cr_assert_gt(prelim, 0);
    static const char *const ukf[5] = {"series_id", "year", "period", "value", "footnote"};
    s_compare(s_truth, "unemployment", &u, ukf, 5, NULL, 0);
    s_tab_free(&t);
    s_tab_free(&u);
}

/* One run (writing it is the slow part: every object is fsynced), every
 * source checked against it. */
Test(gen_truth, totals_equal_an_independent_recomputation)
{
    s_generate();
    s_check_retail_equals_the_pos_lines();
    s_check_online_equals_the_latest_order_versions();
    s_check_wholesale_equals_edi_sets_and_portal_exports();
    s_check_ads_equal_the_latest_reports();
    s_check_sessions_equal_the_sessionized_clickstream();
    s_check_weather_and_unemployment_equal_the_files();
    s_done();
}
