/*
 * test_utf16: the UTF-16 to UTF-8 stream: byte-order marks (LE, BE, none),
 * surrogate pairs, unpaired surrogates and an odd last byte as U+FFFD, code
 * units and pairs cut by read boundaries, errors of the source passed on,
 * and the record bound of the reader above applied to the UTF-8 text.
 */
#include "ns_delim.h"
#include "ns_test_util.h"
#include "ns_utf16.h"

#include <criterion/criterion.h>
#include <stdio.h>

/* Converts in[0..n) read `chunk` bytes at a time; returns the UTF-8 text. */
static char *s_conv(const unsigned char *in, size_t n, size_t chunk, size_t *outn)
{
    ns_err_t err;
    ns_reader_t *r = ns_utf16_reader(ns_test_mem_reader(in, n, chunk), &err);
    cr_assert_not_null(r, "%s", err.msg);
    static char out[4096];
    size_t o = 0;
    for (;;) {
        ssize_t got = ns_reader_read(r, out + o, chunk ? chunk : sizeof out - o, &err);
        cr_assert_geq(got, 0, "%s", err.msg);
        if (got == 0)
            break;
        o += (size_t)got;
        cr_assert_lt(o, sizeof out);
    }
    ns_reader_close(&r);
    *outn = o;
    return out;
}

static void s_expect(const unsigned char *in, size_t n, const char *want)
{
    for (size_t chunk = 0; chunk <= 5; chunk++) {
        size_t on;
        char *got = s_conv(in, n, chunk, &on);
        cr_assert_eq(on, strlen(want), "chunk %zu: %zu bytes, want %zu", chunk, on, strlen(want));
        cr_assert_eq(memcmp(got, want, on), 0, "chunk %zu", chunk);
    }
}

Test(utf16, little_endian_with_bom)
{
    /* "A\té€👗\r\n" */
    static const unsigned char in[] = {0xFF, 0xFE, 'A', 0, '\t', 0, 0xE9, 0, 0xAC, 0x20,
                                       0x3D, 0xD8, 0x57, 0xDC, '\r', 0, '\n', 0};
    s_expect(in, sizeof in, "A\t\xc3\xa9\xe2\x82\xac\xf0\x9f\x91\x97\r\n");
}

Test(utf16, big_endian_with_bom_and_no_bom_is_little)
{
    static const unsigned char be[] = {0xFE, 0xFF, 0, 'h', 0, 'i', 0xD8, 0x3D, 0xDC, 0x57};
    s_expect(be, sizeof be, "hi\xf0\x9f\x91\x97");
    static const unsigned char le[] = {'h', 0, 'i', 0};
    s_expect(le, sizeof le, "hi");
}

Test(utf16, broken_input_becomes_replacement_characters)
{
    /* unpaired high surrogate, lone low surrogate, odd last byte */
    static const unsigned char in[] = {0xFF, 0xFE, 0x3D, 0xD8, 'x', 0, 0x57, 0xDC, 'y'};
    s_expect(in, sizeof in, "\xef\xbf\xbdx\xef\xbf\xbd\xef\xbf\xbd");
    static const unsigned char tail[] = {0xFF, 0xFE, 'z', 0, 0x3D, 0xD8};
    s_expect(tail, sizeof tail, "z\xef\xbf\xbd");
    size_t on;
    s_conv((const unsigned char *)"", 0, 0, &on);
    cr_assert_eq(on, 0);
}

Test(utf16, source_errors_pass_through)
{
    static const unsigned char in[] = {0xFF, 0xFE, 'a', 0, 'b', 0, 'c', 0};
    ns_err_t err;
    ns_reader_t *r = ns_utf16_reader(ns_test_mem_reader_ex(in, sizeof in, 0, 4), &err);
    char out[64];
    ssize_t got, total = 0;
    while ((got = ns_reader_read(r, out, sizeof out, &err)) > 0)
        total += got;
    cr_assert_eq(got, -1);
    cr_assert(strstr(err.msg, "injected"), "%s", err.msg);
    ns_reader_close(&r);
}

Test(utf16, max_record_counts_the_utf8_bytes)
{
    /* the transcoder has no limit of its own (2 bytes in make at most 3
     * out, through fixed buffers): the reader above bounds each record, in
     * UTF-8 bytes. 10 x U+00E9 is 20 bytes: a record at max_record 20; one
     * more byte is the named reject, and reading goes on. */
    unsigned char in[2 + 2 * 40];
    size_t n = 0;
    in[n++] = 0xFF;
    in[n++] = 0xFE;
    for (int line = 0; line < 2; line++) {
        for (int i = 0; i < 10; i++) {
            in[n++] = 0xE9;
            in[n++] = 0;
        }
        if (line == 1) {
            in[n++] = 'x';
            in[n++] = 0;
        }
        in[n++] = '\n';
        in[n++] = 0;
    }
    in[n++] = 'z';
    in[n++] = 0;
    for (size_t chunk = 0; chunk <= 3; chunk++) {
        ns_err_t err = {""};
        ns_reader_t *r = ns_utf16_reader(ns_test_mem_reader(in, n, chunk), &err);
        cr_assert(r, "%s", err.msg);
        ns_delim_opts_t o;
        ns_delim_opts_default(&o);
        o.header_lines = 0;
        o.max_record = 20;
        ns_delim_t *d = ns_delim_new(r, &o, 0, 0, UINT64_MAX, &err);
        cr_assert(d, "%s", err.msg);
        ns_record_t rec;
        cr_assert_eq(ns_delim_next(d, &rec, &err), NS_REC_RECORD, "%s", err.msg);
        cr_assert_eq(rec.fields[0].len, 20);
        cr_assert_eq(ns_delim_next(d, &rec, &err), NS_REC_REJECT);
        cr_assert_str_eq(rec.reject, "record exceeds max_record (20 bytes)");
        cr_assert_eq(rec.offset, 21);
        cr_assert_eq(ns_delim_next(d, &rec, &err), NS_REC_RECORD, "%s", err.msg);
        cr_assert_eq(rec.offset, 43);
        cr_assert(rec.fields[0].len == 1 && rec.fields[0].p[0] == 'z');
        cr_assert_eq(ns_delim_next(d, &rec, &err), NS_REC_END);
        ns_delim_destroy(&d);
        ns_reader_close(&r);
    }
}
