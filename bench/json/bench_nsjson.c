/*
 * bench_nsjson: the same extraction as the other bench/json programs, but
 * through nightshift's own reader (formats/ns_json.c + ns_json_shim.cpp,
 * built from the tree by bench/json_parsers), so the numbers include what
 * the library rows leave out: reading from an ns_reader_t into the input
 * buffer, finding records (memchr for LF, or the bracket scanner for
 * concatenated values), and handing out records through ns_recsrc_t (one
 * per line item for orders, which are exploded by line_items).
 *
 *     bench_nsjson orders|clicks FILE RUNS [concat]
 *
 * With `concat` the file's newlines are removed first (records then follow
 * each other `}{`) and the reader runs with concatenated = true. The
 * stream hands out 1 MiB per read from memory. Prints the line format of
 * bench_common.h; the checksum matches the other programs' (the fields of
 * an order are taken once, from its first record).
 *
 * Workload and bounds: one ~100 MB file in memory (plus a copy of nothing:
 * `concat` rewrites it in place); the reader's defaults (1 MiB records,
 * depth 64).
 */
#include "bench_common.h"

#include "ns_json.h"

typedef struct {
    struct ns_reader base; /* dispatch header, first */
    const char *data;      /* borrowed */
    size_t len;            /* bytes in data */
    size_t pos;            /* bytes returned */
} s_mem_t;

/* ns_store.c's dispatcher, here so that the benchmark needs no store */
ssize_t ns_reader_read(ns_reader_t *r, void *buf, size_t n, ns_err_t *err)
{
    return r->read(r, buf, n, err);
}

static ssize_t s_read(ns_reader_t *base, void *buf, size_t n, ns_err_t *err)
{
    s_mem_t *m = (s_mem_t *)base;
    size_t left = m->len - m->pos;
    if (n > left)
        n = left;
    if (n > (1u << 20))
        n = 1u << 20;
    memcpy(buf, m->data + m->pos, n);
    m->pos += n;
    return (ssize_t)n;
}

static const char *const s_order_paths[] = {"id",
                                            "created_at",
                                            "currency",
                                            "total_price",
                                            "financial_status",
                                            "customer.id",
                                            "shipping_address.country_code",
                                            "line_items[].sku",
                                            "line_items[].quantity",
                                            "line_items[].price"};
static const char *const s_click_paths[] = {"type",
                                            "messageId",
                                            "anonymousId",
                                            "userId",
                                            "timestamp",
                                            "properties.path",
                                            "properties.sku",
                                            "context.campaign.source",
                                            "context.campaign.medium",
                                            "context.campaign.name"};

int main(int argc, char **argv)
{
    if (argc < 4 || (strcmp(argv[1], "orders") != 0 && strcmp(argv[1], "clicks") != 0)) {
        fprintf(stderr, "usage: %s orders|clicks FILE RUNS [concat]\n", argv[0]);
        return 2;
    }
    const bool orders = argv[1][0] == 'o';
    const bool concat = argc > 4 && strcmp(argv[4], "concat") == 0;
    int runs = atoi(argv[3]);
    if (runs < 1 || runs > 100)
        runs = 1;
    FILE *f = fopen(argv[2], "rb");
    if (!f) {
        perror(argv[2]);
        return 1;
    }
    fseek(f, 0, SEEK_END);
    long sz = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *data = sz > 0 ? malloc((size_t)sz) : NULL;
    if (!data || fread(data, 1, (size_t)sz, f) != (size_t)sz) {
        fprintf(stderr, "%s: cannot read\n", argv[2]);
        fclose(f);
        free(data);
        return 1;
    }
    fclose(f);
    size_t len = (size_t)sz;
    if (concat) {
        size_t k = 0;
        for (size_t i = 0; i < len; i++)
            if (data[i] != '\n')
                data[k++] = data[i];
        len = k;
    }
    ns_json_opts_t o;
    ns_json_opts_default(&o);
    o.concatenated = concat;
    double times[100];
    bench_acc_t acc;
    for (int r = 0; r < runs; r++) {
        memset(&acc, 0, sizeof acc);
        s_mem_t m = {{s_read, NULL}, data, len, 0};
        ns_err_t err = {""};
        double t0 = bench_now();
        ns_recsrc_t *s = ns_json_new(&m.base, &o, orders ? s_order_paths : s_click_paths, 10,
                                     orders ? "line_items" : NULL, 0, 0, UINT64_MAX, &err);
        if (!s) {
            fprintf(stderr, "bench_nsjson: %s\n", err.msg);
            return 1;
        }
        ns_record_t rec;
        int k;
        uint64_t last = UINT64_MAX;
        while ((k = s->next(s, &rec, &err)) > 0) {
            if (k == NS_REC_REJECT) {
                acc.errors++;
                continue;
            }
            int from = 0;
            if (orders) {
                from = rec.offset == last ? 7 : 0; /* an order's fields once */
                last = rec.offset;
            }
            if (from == 0)
                acc.records++;
            for (int i = from; i < rec.nfields; i++)
                bench_take(&acc, rec.fields[i].p, rec.fields[i].len);
        }
        if (k < 0) {
            fprintf(stderr, "bench_nsjson: %s\n", err.msg);
            return 1;
        }
        s->destroy(s);
        times[r] = bench_now() - t0;
    }
    qsort(times, (size_t)runs, sizeof times[0], bench_cmp_double);
    /* report the size of the input as generated, so MB/s compare */
    printf("%s %s %ld %llu %llu %llu %llu %llu %.4f %.4f\n",
           concat ? "ns_json-concat" : "ns_json-lines", argv[1], sz,
           (unsigned long long)acc.records, (unsigned long long)acc.values,
           (unsigned long long)acc.nulls, (unsigned long long)acc.sum,
           (unsigned long long)acc.errors, times[0], times[runs / 2]);
    free(data);
    return 0;
}
