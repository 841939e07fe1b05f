/*
 * bench_common: the driver shared by the JSON parser benchmarks of
 * bench/json_parsers (C and C++: one header, static inline functions).
 *
 * It loads one JSON-lines file into memory (with 64 bytes of zero padding
 * after it, which simdjson needs to read past the last record), then, RUNS
 * times, hands every line to the parser under test and times the whole pass
 * with CLOCK_MONOTONIC. The parser extracts the fields of its kind (orders:
 * 10 fields, 3 of them from each element of line_items; clicks: 10 fields,
 * nested and often missing) and feeds each value to bench_take(), which
 * folds it into a checksum: every program must print the same checksum for
 * the same file, which shows they extracted the same text.
 *
 * Workload: ~100 MB per file, read from memory; the file is read once
 * before timing, so neither disk nor page cache is measured.
 */
#ifndef BENCH_COMMON_H
#define BENCH_COMMON_H

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BENCH_PAD 64

typedef struct {
    uint64_t records; /* lines parsed */
    uint64_t values;  /* non-null values extracted */
    uint64_t nulls;   /* null or missing values */
    uint64_t sum;     /* lengths and first/last bytes of the values */
    uint64_t errors;  /* lines the parser refused */
} bench_acc_t;

/* One extracted value: p == NULL for null or missing. */
static inline void bench_take(bench_acc_t *a, const char *p, size_t n)
{
    if (!p) {
        a->nulls++;
        return;
    }
    a->values++;
    a->sum += n * 31;
    if (n)
        a->sum += (unsigned char)p[0] * 7u + (unsigned char)p[n - 1];
}

/* Parses line[0..n); avail bytes are readable from line (n plus the rest
 * of the file plus BENCH_PAD). Returns 0, or -1 if the line is refused. */
typedef int (*bench_parse_fn)(const char *line, size_t n, size_t avail, bench_acc_t *a);

static inline double bench_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static inline int bench_cmp_double(const void *x, const void *y)
{
    double a = *(const double *)x, b = *(const double *)y;
    return a < b ? -1 : a > b;
}

/* usage: PROG orders|clicks FILE RUNS. Prints one line:
 * name kind bytes records values nulls sum errors best_s median_s */
static inline int bench_main(int argc, char **argv, const char *name, bench_parse_fn orders,
                             bench_parse_fn clicks)
{
    if (argc != 4 || (strcmp(argv[1], "orders") != 0 && strcmp(argv[1], "clicks") != 0)) {
        fprintf(stderr, "usage: %s orders|clicks FILE RUNS\n", argv[0]);
        return 2;
    }
    bench_parse_fn fn = argv[1][0] == 'o' ? orders : clicks;
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
    if (sz <= 0) {
        fprintf(stderr, "%s: empty or unreadable\n", argv[2]);
        fclose(f);
        return 1;
    }
    char *data = (char *)calloc(1, (size_t)sz + BENCH_PAD);
    if (!data || fread(data, 1, (size_t)sz, f) != (size_t)sz) {
        fprintf(stderr, "%s: cannot read\n", argv[2]);
        fclose(f);
        free(data);
        return 1;
    }
    fclose(f);
    const size_t len = (size_t)sz;
    double times[100];
    bench_acc_t acc;
    for (int r = 0; r < runs; r++) {
        memset(&acc, 0, sizeof acc);
        double t0 = bench_now();
        size_t pos = 0;
        while (pos < len) {
            const char *nl = (const char *)memchr(data + pos, '\n', len - pos);
            size_t end = nl ? (size_t)(nl - data) : len;
            if (end > pos) {
                acc.records++;
                if (fn(data + pos, end - pos, len + BENCH_PAD - pos, &acc) < 0)
                    acc.errors++;
            }
            pos = end + 1;
        }
        times[r] = bench_now() - t0;
    }
    qsort(times, (size_t)runs, sizeof times[0], bench_cmp_double);
    printf("%s %s %zu %llu %llu %llu %llu %llu %.4f %.4f\n", name, argv[1], len,
           (unsigned long long)acc.records, (unsigned long long)acc.values,
           (unsigned long long)acc.nulls, (unsigned long long)acc.sum,
           (unsigned long long)acc.errors, times[0], times[runs / 2]);
    free(data);
    return 0;
}

#endif
