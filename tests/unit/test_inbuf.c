/*
 * Tests of ns_inbuf, the input window of the record readers: how big it is
 * as it reads (it starts at NS_INBUF_INITIAL, stays there for short lines
 * however long the input, doubles as a long line needs it, and never grows
 * past its limit, even for a line longer than it), that the zero bytes kept
 * after it stay zero as it grows, and that lines come out whole across the
 * growth. What the readers make of the lines is tested with each reader
 * (test_delim.c, test_json.c).
 */
#include "ns_inbuf.h"
#include "ns_test_util.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* nlines lines of line_len bytes (without the LF), byte j of line i being
 * s_byte(i, j); malloc'd, its length in *len. */
static char s_byte(size_t i, size_t j)
{
    return (char)('a' + (i * 7 + j) % 23);
}

static char *s_lines(size_t nlines, size_t line_len, size_t *len)
{
    *len = nlines * (line_len + 1);
    char *p = malloc(*len);
    cr_assert(p);
    size_t k = 0;
    for (size_t i = 0; i < nlines; i++) {
        for (size_t j = 0; j < line_len; j++)
            p[k++] = s_byte(i, j);
        p[k++] = '\n';
    }
    return p;
}

/* Reads every line of data[0..len) through a window of `initial` growing
 * to the line limit of max_record, with `pad` zero bytes, from a source
 * handing out at most chunk bytes a read; checks each line's bytes (all
 * lines line_len long, none too long) and returns the window's largest
 * size seen. */
static size_t s_read_lines(const char *data, size_t len, size_t line_len, size_t max_record,
                           size_t pad, size_t chunk)
{
    ns_reader_t *src = ns_test_mem_reader(data, len, chunk);
    cr_assert(src);
    ns_err_t err = {""};
    ns_inbuf_t in;
    size_t limit = ns_inbuf_line_limit(max_record, NS_INBUF_INITIAL);
    cr_assert_eq(ns_inbuf_init(&in, src, 0, NS_INBUF_INITIAL, limit, pad, "test", &err), 0);
    cr_assert_eq(in.cap, NS_INBUF_INITIAL);
    ns_inbuf_lines_t ls;
    cr_assert_eq(ns_inbuf_lines_begin(&in, &ls, 0, UINT64_MAX, &err), 1, "%s", err.msg);
    size_t most = in.cap, n = 0;
    ns_inbuf_line_t line;
    int r;
    while ((r = ns_inbuf_lines_next(&in, &ls, max_record, NULL, NULL, &line, &err)) == 1) {
        cr_assert_eq(line.n, line_len, "line %zu", n);
        cr_assert_eq(line.off, n * (line_len + 1));
        cr_assert(memcmp(line.p, data + line.off, line_len) == 0, "line %zu", n);
        cr_assert_leq(in.cap, limit);
        for (size_t i = 0; i < pad; i++)
            cr_assert_eq(in.buf[in.cap + i], 0, "pad byte %zu after %zu", i, in.cap);
        if (in.cap > most)
            most = in.cap;
        n++;
    }
    cr_assert_eq(r, 0, "%s", err.msg);
    cr_assert_eq(n, len / (line_len + 1));
    cr_assert_eq(in.nread, len);
    ns_inbuf_free(&in);
    ns_reader_close(&src);
    return most;
}

Test(inbuf, starts_small)
{
    ns_reader_t *src = ns_test_mem_reader("", 0, 0);
    ns_err_t err = {""};
    ns_inbuf_t in;
    cr_assert_eq(ns_inbuf_init(&in, src, 0, NS_INBUF_INITIAL,
                               ns_inbuf_line_limit(NS_INBUF_RECORD_DEFAULT, NS_INBUF_INITIAL), 64,
                               "test", &err),
                 0);
    cr_assert_eq(in.cap, NS_INBUF_INITIAL);
    cr_assert_eq(in.limit, NS_INBUF_RECORD_DEFAULT + 2);
    for (size_t i = 0; i < 64; i++)
        cr_assert_eq(in.buf[in.cap + i], 0);
    cr_assert_eq(ns_inbuf_fill(&in, &err), 0);
    cr_assert(in.eof);
    ns_inbuf_free(&in);
    ns_inbuf_free(&in); /* harmless twice */
    ns_reader_close(&src);
    /* a small max_record: the window is never below NS_INBUF_INITIAL */
    cr_assert_eq(ns_inbuf_line_limit(16, NS_INBUF_INITIAL), NS_INBUF_INITIAL);
}

/* 8 MB of 200-byte lines: the window stays at its first size */
Test(inbuf, short_lines_keep_the_first_window)
{
    size_t len;
    char *data = s_lines(40000, 199, &len);
    cr_assert_eq(s_read_lines(data, len, 199, NS_INBUF_RECORD_DEFAULT, 0, 0), NS_INBUF_INITIAL);
    cr_assert_eq(s_read_lines(data, len, 199, NS_INBUF_RECORD_DEFAULT, 64, 1000), NS_INBUF_INITIAL);
    free(data);
}

/* Long lines: the window doubles when the partial line it keeps is more
 * than an eighth of it, so it ends well above the line (the partial lines
 * move little beside what is read), but not at the 1 MiB limit: 48 KB
 * lines take it to 256 or 512 KiB, as the reads fall */
Test(inbuf, long_lines_grow_the_window)
{
    size_t len;
    char *data = s_lines(200, 48000, &len);
    const size_t chunks[] = {0, 1, 7, 65536 + 3};
    for (size_t c = 0; c < 4; c++) {
        size_t most = s_read_lines(data, len, 48000, NS_INBUF_RECORD_DEFAULT, 64, chunks[c]);
        cr_assert(most >= 4 * 48000 && most <= 8 * NS_INBUF_INITIAL,
                  "read size %zu: the window grew to %zu", chunks[c], most);
    }
    free(data);
}

/* A line of exactly max_record bytes takes the window to its limit (the
 * line and its CR LF); the limit is not a power of two times the start */
Test(inbuf, a_line_of_max_record_reaches_the_limit)
{
    const size_t m = 300001;
    size_t len;
    char *data = s_lines(3, m, &len);
    const size_t chunks[] = {0, 1, 4096};
    for (size_t c = 0; c < 3; c++)
        cr_assert_eq(s_read_lines(data, len, m, m, 64, chunks[c]), m + 2);
    free(data);
}

/* A line longer than the limit is handed out cut at max_record, the window
 * at its limit, and the next line read whole after it */
Test(inbuf, a_longer_line_stops_at_the_limit)
{
    const size_t m = 100000;
    size_t len = 3 * m + 10;
    char *data = malloc(len);
    cr_assert(data);
    for (size_t j = 0; j < 3 * m; j++)
        data[j] = s_byte(0, j);
    memcpy(data + 3 * m, "\nnext\n\0\0\0\0", 10);
    len = 3 * m + 6;
    ns_reader_t *src = ns_test_mem_reader(data, len, 4096);
    ns_err_t err = {""};
    ns_inbuf_t in;
    cr_assert_eq(ns_inbuf_init(&in, src, 0, NS_INBUF_INITIAL,
                               ns_inbuf_line_limit(m, NS_INBUF_INITIAL), 0, "test", &err),
                 0);
    ns_inbuf_lines_t ls;
    cr_assert_eq(ns_inbuf_lines_begin(&in, &ls, 0, UINT64_MAX, &err), 1);
    ns_inbuf_line_t line;
    cr_assert_eq(ns_inbuf_lines_next(&in, &ls, m, NULL, NULL, &line, &err), 2);
    cr_assert_eq(line.off, 0);
    cr_assert_eq(line.n, m);
    cr_assert(memcmp(line.p, data, m) == 0);
    cr_assert_eq(in.cap, m + 2);
    cr_assert_eq(ns_inbuf_lines_next(&in, &ls, m, NULL, NULL, &line, &err), 1, "%s", err.msg);
    cr_assert_eq(line.off, 3 * m + 1);
    cr_assert_eq(line.n, 4);
    cr_assert(memcmp(line.p, "next", 4) == 0);
    cr_assert_eq(in.cap, m + 2);
    cr_assert_eq(ns_inbuf_lines_next(&in, &ls, m, NULL, NULL, &line, &err), 0);
    ns_inbuf_free(&in);
    ns_reader_close(&src);
    free(data);
}
