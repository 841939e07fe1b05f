/*
 * test_utf16: the UTF-16 to UTF-8 stream: byte-order marks (LE, BE, none),
 * surrogate pairs, unpaired surrogates and an odd last byte as U+FFFD, code
 * units and pairs cut by read boundaries, and errors of the source passed on.
 */
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
