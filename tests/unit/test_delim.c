/*
 * Tests of ns_delim: line ends, BOM, RFC 4180 quoting, escapes, field
 * counting, max_record / max_fields rejects and how reading goes on after
 * them, unterminated quotes, preamble and header lines, byte-range
 * splits (every split size over small files: the union of the splits'
 * records is the whole file's records, each once, in order), and records
 * longer than the reader's first input window (ns_inbuf, 64 KiB), read
 * across its growth up to max_record.
 */
#include "ns_delim.h"
#include "ns_inbuf.h"
#include "ns_test_util.h"

#include <criterion/criterion.h>
#include <stdio.h>

static ns_recsrc_t *s_open(ns_reader_t *src, uint64_t from, uint64_t start, uint64_t end,
                           const void *o, ns_err_t *err)
{
    ns_delim_t *d = ns_delim_new(src, o, from, start, end, err);
    return d ? ns_delim_recsrc(d) : NULL;
}

/* Records are rendered "offset:R:nfields:f1<US>f2..." or
 * "offset:X:reason:raw"; offsets strictly increase. */
static const ns_test_reader_t s_rd = {.open = s_open,
                                      .order = NS_TEST_INCREASING,
                                      .sep = '\x1f',
                                      .null = "\\N",
                                      .count = true,
                                      .raw = true};

/* Reads data (NUL-terminated) whole with every source read size and
 * checks the rendered records against want[] (NULL-terminated). */
static void s_expect(const char *data, const ns_delim_opts_t *o, const char *const *want)
{
    ns_test_expect_all(&s_rd, o, data, strlen(data), want);
}

static ns_delim_opts_t s_opts(char delim, int quote, int escape, int header)
{
    ns_delim_opts_t o;
    ns_delim_opts_default(&o);
    o.delimiter = delim;
    o.quote = quote;
    o.escape = escape;
    o.header_lines = header;
    return o;
}

Test(delim, defaults)
{
    ns_delim_opts_t o;
    memset(&o, 0x5a, sizeof o);
    ns_delim_opts_default(&o);
    cr_assert_eq(o.delimiter, '|');
    cr_assert_eq(o.quote, -1);
    cr_assert_eq(o.escape, -1);
    cr_assert_eq(o.header_lines, 1);
    cr_assert_eq(o.skip_lines, 0);
    cr_assert(!o.quoted_newlines);
}

Test(delim, lf_and_crlf)
{
    ns_delim_opts_t o = s_opts('|', -1, -1, 0);
    const char *w1[] = {"0:R:2:a\x1f"
                        "b",
                        "4:R:2:c\x1f"
                        "d",
                        NULL};
    s_expect("a|b\nc|d\n", &o, w1);
    const char *w2[] = {"0:R:2:a\x1f"
                        "b",
                        "5:R:2:c\x1f"
                        "d",
                        NULL};
    s_expect("a|b\r\nc|d\r\n", &o, w2);
    /* a CR not before LF is data; only one CR is dropped */
    const char *w3[] = {"0:R:2:a\rb\x1f"
                        "c",
                        "6:R:1:x\r",
                        NULL};
    s_expect("a\rb|c\nx\r\r\n", &o, w3);
}

Test(delim, last_line_without_lf)
{
    ns_delim_opts_t o = s_opts('|', -1, -1, 0);
    const char *w[] = {"0:R:2:a\x1f"
                       "b",
                       "4:R:2:c\x1f"
                       "d",
                       NULL};
    s_expect("a|b\nc|d", &o, w);
    ns_delim_opts_t q = s_opts(',', '"', -1, 0);
    const char *w2[] = {"0:R:1:x", "2:R:2:a,b\x1f"
                                   "c",
                        NULL};
    s_expect("x\n\"a,b\",c", &q, w2);
    const char *w3[] = {NULL};
    s_expect("", &o, w3);
}

Test(delim, bom)
{
    ns_delim_opts_t o = s_opts('|', -1, -1, 1);
    const char *w[] = {"9:R:2:x\x1fy", NULL};
    s_expect("\xEF\xBB\xBFh1|h2\nx|y\n", &o, w);
    o.header_lines = 0;
    const char *w2[] = {"3:R:2:h1\x1fh2", "9:R:2:x\x1fy", NULL};
    s_expect("\xEF\xBB\xBFh1|h2\nx|y\n", &o, w2);
    /* a BOM is only skipped at the start of the object */
    const char *w3[] = {"0:R:1:a", "2:R:1:\xEF\xBB\xBF"
                                   "b",
                        NULL};
    s_expect("a\n\xEF\xBB\xBF"
             "b\n",
             &o, w3);
    /* a file that is only a BOM, or a partial one */
    const char *w4[] = {NULL};
    s_expect("\xEF\xBB\xBF", &o, w4);
    const char *w5[] = {"0:R:1:\xEF\xBB", NULL};
    s_expect("\xEF\xBB", &o, w5);
}

Test(delim, field_counts)
{
    ns_delim_opts_t o = s_opts('|', -1, -1, 0);
    const char *w[] = {"0:R:1:a",
                       "2:R:4:a\x1f"
                       "b\x1f"
                       "c\x1f"
                       "d",
                       "10:R:2:\x1f",
                       "12:R:2:a\x1f",
                       "15:R:1:",
                       "16:R:3:\x1f\x1f",
                       "19:R:3:\x1f"
                       "b\x1f",
                       NULL};
    s_expect("a\na|b|c|d\n|\na|\n\n||\n|b|\n", &o, w);
}

Test(delim, rfc4180_quotes)
{
    ns_delim_opts_t o = s_opts(',', '"', -1, 0);
    const char *w[] = {"0:R:2:a,b\x1f"
                       "c",
                       "8:R:2:he said \"hi\"\x1fx",
                       "27:R:3:\x1fx\x1f",
                       "33:R:2:a\"b\x1f"
                       "c",
                       "39:R:2:abcd\x1f"
                       "e",
                       "48:R:1:\"",
                       "53:R:2:q\x1f"
                       "a\"\"",
                       NULL};
    s_expect("\"a,b\",c\n"
             "\"he said \"\"hi\"\"\",x\n"
             "\"\",x,\n"
             "a\"b,c\n"
             "\"ab\"cd,e\n"
             "\"\"\"\"\n"
             "q,a\"\"\n",
             &o, w);
    /* CRLF after a closing quote */
    const char *w2[] = {"0:R:2:a\x1f"
                        "b c",
                        "9:R:1:z",
                        NULL};
    s_expect("a,\"b c\"\r\nz\r\n", &o, w2);
}

Test(delim, quoted_newlines)
{
    ns_delim_opts_t o = s_opts(',', '"', -1, 0);
    o.quoted_newlines = true;
    const char *w[] = {"0:R:2:line1\r\nline2\x1fz", "18:R:2:next\x1f"
                                                    "1",
                       "26:R:2:\n\x1f\n", NULL};
    s_expect("\"line1\r\nline2\",z\r\nnext,1\r\n\"\n\",\"\n\"", &o, w);
    /* without quoted_newlines the LF ends the record: a reject */
    o.quoted_newlines = false;
    const char *w2[] = {"0:X:unterminated quote:\"line1", "8:R:2:line2\"\x1fz",
                        "18:R:2:next\x1f"
                        "1",
                        NULL};
    s_expect("\"line1\r\nline2\",z\r\nnext,1\r\n", &o, w2);
}

Test(delim, unterminated_quote)
{
    ns_delim_opts_t o = s_opts(',', '"', -1, 0);
    o.quoted_newlines = true;
    const char *w[] = {"0:R:1:ok", "3:X:unterminated quote:a,\"bc\nd\n", NULL};
    s_expect("ok\na,\"bc\nd\n", &o, w);
    const char *w1[] = {"0:X:unterminated quote:\"", NULL};
    s_expect("\"", &o, w1);
    o.quoted_newlines = false;
    const char *w2[] = {"0:X:unterminated quote:a,\"bc", "6:R:2:d\x1f"
                                                         "e",
                        "10:X:unterminated quote:\"x\"\"", NULL};
    s_expect("a,\"bc\nd,e\n\"x\"\"", &o, w2);
}

Test(delim, escape_char)
{
    ns_delim_opts_t o = s_opts('|', -1, '\\', 0);
    const char *w[] = {"0:R:3:a|b\x1f"
                       "c\\d\x1f"
                       "e",
                       "12:R:2:nx\x1f",
                       "18:R:1:|",
                       NULL};
    s_expect("a\\|b|c\\\\d|e\n\\n\\x|\n\\|\n", &o, w);
    /* escape at the end of a line (no quoted_newlines): a reject */
    const char *w2[] = {"0:X:escape character at the end of a record:ab\\", "4:R:1:c", NULL};
    s_expect("ab\\\nc\n", &o, w2);
    /* with quoted_newlines an escaped LF is data */
    o.quoted_newlines = true;
    const char *w3[] = {"0:R:2:ab\nc\x1f"
                        "d",
                        "8:R:1:e",
                        NULL};
    s_expect("ab\\\nc|d\ne\n", &o, w3);
    /* escape with quotes */
    ns_delim_opts_t q = s_opts(',', '"', '\\', 0);
    const char *w4[] = {"0:R:2:a\"b,\\\x1f"
                        "c",
                        NULL};
    s_expect("\"a\\\"b,\\\\\",c\n", &q, w4);
    q.quoted_newlines = true;
    s_expect("\"a\\\"b,\\\\\",c\n", &q, w4);
}

Test(delim, unchanged_fields_point_into_the_record)
{
    const char *data = "\"q\",plain,x\\,y\n";
    ns_delim_opts_t o = s_opts(',', '"', '\\', 0);
    ns_reader_t *src = ns_test_mem_reader(data, strlen(data), 0);
    ns_err_t err = {""};
    ns_delim_t *d = ns_delim_new(src, &o, 0, 0, UINT64_MAX, &err);
    cr_assert(d);
    ns_record_t rec;
    cr_assert_eq(ns_delim_next(d, &rec, &err), NS_REC_RECORD);
    cr_assert_eq(rec.nfields, 3);
    cr_assert_eq(rec.raw_len, strlen(data) - 1);
    cr_assert(memcmp(rec.raw, data, rec.raw_len) == 0);
    /* the unchanged middle field is in the raw record, the others are not */
    cr_assert(rec.fields[1].p >= rec.raw && rec.fields[1].p < rec.raw + rec.raw_len);
    cr_assert(rec.fields[0].p < rec.raw || rec.fields[0].p >= rec.raw + rec.raw_len);
    cr_assert_eq(rec.fields[2].len, 3);
    cr_assert(memcmp(rec.fields[2].p, "x,y", 3) == 0);
    cr_assert_eq(ns_delim_next(d, &rec, &err), NS_REC_END);
    ns_delim_destroy(&d);
    ns_reader_close(&src);
}

Test(delim, max_record)
{
    ns_delim_opts_t o = s_opts('|', -1, -1, 0);
    o.max_record = 10;
    const char *w[] = {
        "0:R:1:short",
        "6:X:record exceeds max_record (10 bytes):xxxxxxxxxx",
        "32:R:2:ok\x1f"
        "1",
        "37:X:record exceeds max_record (10 bytes):yyyyyyyyyy",
        "50:R:1:0123456789",
        "62:R:1:abcdefghij",
        "73:X:record exceeds max_record (10 bytes):zzzzzzzzzz",
        NULL,
    };
    s_expect("short\n"
             "xxxxxxxxxxxxxxxxxxxxxxxxx\n"
             "ok|1\n"
             "yyyyyyyyyyy\r\n" /* 11 bytes before the CRLF */
             "0123456789\r\n"  /* exactly 10 before the CRLF: fine */
             "abcdefghij\n"
             "zzzzzzzzzzzzzzzzzzzz",
             &o, w);
    /* also with quoting on, and a long quoted record spanning lines */
    ns_delim_opts_t q = s_opts(',', '"', -1, 0);
    q.max_record = 10;
    q.quoted_newlines = true;
    const char *w2[] = {
        "0:R:1:a",
        "2:X:record exceeds max_record (10 bytes):\"bbbb\nbbbb",
        "8:R:1:bbbb bbbb",
        "18:R:2:c\x1f"
        "d",
        NULL,
    };
    s_expect("a\n\"bbbb\nbbbb bbbb\nc,d\n", &q, w2);
    /* whether or not the long record's end is already buffered, reading
     * goes on after the first LF following its start */
    const char *w3[] = {
        "0:R:1:a",
        "2:X:record exceeds max_record (10 bytes):\"bb\nbbbbbb",
        "6:X:record exceeds max_record (10 bytes):bbbbbbbbbb",
        "22:R:1:d",
        NULL,
    };
    s_expect("a\n\"bb\nbbbbbbbbbbbb\",c\nd\n", &q, w3);
}

Test(delim, max_record_larger_than_the_buffer)
{
    size_t big = 2500000;
    size_t len = big + 2 + 4 + 3000000 + 1 + 4;
    char *data = malloc(len + 1);
    memset(data, 'v', big);
    memcpy(data + big, "|x\nok\n", 6);
    memset(data + big + 6, 'w', 3000000);
    memcpy(data + big + 6 + 3000000, "\nend", 5);
    ns_delim_opts_t o = s_opts('|', -1, -1, 0);
    o.max_record = 2800000;
    size_t chunks[] = {0, 65536};
    for (int c = 0; c < 2; c++) {
        ns_test_list_t got = {0};
        ns_test_read(&s_rd, &o, data, len, 0, UINT64_MAX, chunks[c], &got);
        cr_assert_eq(got.n, 4);
        cr_assert(strncmp(got.items[0], "0:R:2:vvv", 9) == 0);
        cr_assert_eq(strlen(got.items[0]), 6 + big + 2);
        cr_assert_str_eq(got.items[1], "2500003:R:1:ok");
        const char *w2 = "2500006:X:record exceeds max_record (2800000 bytes):www";
        cr_assert(strncmp(got.items[2], w2, strlen(w2)) == 0, "%.80s", got.items[2]);
        cr_assert_eq(strlen(got.items[2]),
                     strlen("2500006:X:record exceeds max_record (2800000 bytes):") + 2800000);
        cr_assert_str_eq(got.items[3], "5500007:R:1:end");
        ns_test_list_free(&got);
    }
    free(data);
}

Test(delim, max_fields)
{
    ns_delim_opts_t o = s_opts('|', -1, -1, 0);
    o.max_fields = 3;
    const char *w[] = {"0:R:3:a\x1f"
                       "b\x1f"
                       "c",
                       "6:X:record exceeds max_fields (3):a|b|c|d",
                       "14:R:3:\x1f\x1f",
                       "17:X:record exceeds max_fields (3):|||",
                       "21:R:1:z",
                       NULL};
    s_expect("a|b|c\na|b|c|d\n||\n|||\nz\n", &o, w);
    ns_delim_opts_t q = s_opts(',', '"', -1, 0);
    q.max_fields = 2;
    const char *w2[] = {"0:X:record exceeds max_fields (2):\"a\",b,c", "9:R:2:\"\x1f"
                                                            "d",
                        NULL};
    s_expect("\"a\",b,c\r\n\"\"\"\",d\n", &q, w2);
    /* many fields, more than the initial field array */
    ns_delim_opts_t m = s_opts(',', -1, -1, 0);
    m.max_fields = 1000;
    char line[4000];
    size_t k = 0;
    for (int i = 0; i < 1000; i++)
        k += (size_t)snprintf(line + k, sizeof line - k, i ? ",%d" : "%d", i % 10);
    line[k++] = '\n';
    line[k] = '\0';
    ns_test_list_t got = {0};
    ns_test_read(&s_rd, &m, line, k, 0, UINT64_MAX, 0, &got);
    cr_assert_eq(got.n, 1);
    cr_assert(strncmp(got.items[0], "0:R:1000:0\x1f" "1\x1f" "2", 13) == 0);
    ns_test_list_free(&got);
}

/* The defaults, at their edges: a record of exactly 1 MiB and one of 256
 * fields are records; a byte or a field more is a reject naming the limit. */
Test(delim, default_limits_at_their_edges)
{
    ns_delim_opts_t o = s_opts('|', -1, -1, 0);
    const size_t mib = 1024 * 1024;
    size_t len = 2 * mib + 2 + 2;
    char *data = malloc(len + 1);
    cr_assert(data);
    memset(data, 'a', mib);
    data[mib] = '\n';
    memset(data + mib + 1, 'b', mib + 1);
    memcpy(data + 2 * mib + 2, "\nz", 3);
    ns_test_list_t got = {0};
    ns_test_read(&s_rd, &o, data, len, 0, UINT64_MAX, 65536, &got);
    cr_assert_eq(got.n, 3);
    cr_assert(strncmp(got.items[0], "0:R:1:aaa", 9) == 0);
    cr_assert_eq(strlen(got.items[0]), strlen("0:R:1:") + mib);
    char want[128];
    snprintf(want, sizeof want, "%zu:X:record exceeds max_record (1048576 bytes):bbb", mib + 1);
    cr_assert(strncmp(got.items[1], want, strlen(want)) == 0, "%.80s", got.items[1]);
    snprintf(want, sizeof want, "%zu:R:1:z", 2 * mib + 3);
    cr_assert_str_eq(got.items[2], want);
    ns_test_list_free(&got);
    free(data);

    /* 256 fields, then 257 */
    char lines[2048];
    size_t k = 0;
    for (int n = 256; n <= 257; n++) {
        for (int i = 0; i < n; i++)
            k += (size_t)snprintf(lines + k, sizeof lines - k, i ? "|%d" : "%d", i % 10);
        lines[k++] = '\n';
    }
    ns_test_read(&s_rd, &o, lines, k, 0, UINT64_MAX, 0, &got);
    cr_assert_eq(got.n, 2);
    cr_assert(strncmp(got.items[0], "0:R:256:0", 9) == 0, "%.40s", got.items[0]);
    const char *w = "512:X:record exceeds max_fields (256):0|1|2";
    cr_assert(strncmp(got.items[1], w, strlen(w)) == 0, "%.60s", got.items[1]);
    ns_test_list_free(&got);
}

Test(delim, preamble_and_header)
{
    ns_delim_opts_t o = s_opts('|', -1, -1, 1);
    o.skip_lines = 2;
    const char *w[] = {"22:R:2:1\x1f"
                       "2",
                       "26:R:2:3\x1f"
                       "4",
                       NULL};
    s_expect("junk\nmore junk\nh1|h2\r\n1|2\n3|4\n", &o, w);
    const char *w2[] = {NULL};
    s_expect("junk\nmore junk\nh1|h2", &o, w2);
    s_expect("junk\n", &o, w2);
    /* a split not starting at 0 does not skip them */
    ns_test_list_t got = {0};
    const char *data = "h\na|b\nc|d\n";
    ns_test_read(&s_rd, &o, data, strlen(data), 2, UINT64_MAX, 0, &got);
    cr_assert_eq(got.n, 2);
    cr_assert_str_eq(got.items[0], "2:R:2:a\x1f"
                                   "b");
    ns_test_list_free(&got);
}

Test(delim, io_error)
{
    const char *data = "a|b\nc|d\ne|f\n";
    ns_reader_t *src = ns_test_mem_reader_ex(data, strlen(data), 4, 8);
    ns_delim_opts_t o = s_opts('|', -1, -1, 0);
    ns_err_t err = {""};
    ns_delim_t *d = ns_delim_new(src, &o, 0, 0, UINT64_MAX, &err);
    cr_assert(d);
    ns_record_t rec;
    cr_assert_eq(ns_delim_next(d, &rec, &err), NS_REC_RECORD);
    cr_assert_eq(ns_delim_next(d, &rec, &err), NS_REC_RECORD);
    cr_assert_eq(ns_delim_next(d, &rec, &err), -1);
    cr_assert(strstr(err.msg, "injected failure"), "%s", err.msg);
    cr_assert_eq(ns_delim_next(d, &rec, &err), -1);
    ns_delim_destroy(&d);
    cr_assert_null(d);
    ns_delim_destroy(&d); /* a second time: nothing to do */
    ns_reader_close(&src);
}

Test(delim, bad_options)
{
    ns_reader_t *src = ns_test_mem_reader("", 0, 0);
    ns_err_t err = {""};
    ns_delim_opts_t o = s_opts('\n', -1, -1, 0);
    cr_assert_null(ns_delim_new(src, &o, 0, 0, UINT64_MAX, &err));
    o = s_opts(',', ',', -1, 0);
    cr_assert_null(ns_delim_new(src, &o, 0, 0, UINT64_MAX, &err));
    o = s_opts(',', -1, -1, 0);
    o.max_fields = -3;
    cr_assert_null(ns_delim_new(src, &o, 0, 0, UINT64_MAX, &err));
    o = s_opts(',', -1, -1, 0);
    /* split start 10 needs a stream from 9 or before */
    cr_assert_null(ns_delim_new(src, &o, 10, 10, 20, &err));
    cr_assert(strstr(err.msg, "split"), "%s", err.msg);
    ns_reader_close(&src);
}

Test(delim, many_records_across_buffer_refills)
{
    /* about 3.5 MB of records, read whole: counts and offsets line up */
    size_t n = 40000, cap = n * 100, len = 0;
    char *data = malloc(cap);
    uint64_t *offs = malloc(n * sizeof *offs);
    for (size_t i = 0; i < n; i++) {
        offs[i] = len;
        len += (size_t)snprintf(data + len, cap - len, "%zu|name %zu|%s|x\r\n", i, i * 7,
                                i % 3 ? "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" : "");
    }
    ns_delim_opts_t o = s_opts('|', '"', -1, 0);
    ns_reader_t *src = ns_test_mem_reader(data, len, 300000);
    ns_err_t err = {""};
    ns_delim_t *d = ns_delim_new(src, &o, 0, 0, UINT64_MAX, &err);
    ns_record_t rec;
    size_t i = 0;
    int r;
    while ((r = ns_delim_next(d, &rec, &err)) == NS_REC_RECORD) {
        cr_assert_lt(i, n);
        cr_assert_eq(rec.offset, offs[i]);
        cr_assert_eq(rec.nfields, 4);
        char want[32];
        int k = snprintf(want, sizeof want, "%zu", i);
        cr_assert_eq(rec.fields[0].len, (uint32_t)k);
        cr_assert(memcmp(rec.fields[0].p, want, (size_t)k) == 0);
        cr_assert_eq(rec.fields[3].len, 1);
        i++;
    }
    cr_assert_eq(r, NS_REC_END, "%s", err.msg);
    cr_assert_eq(i, n);
    cr_assert_eq(ns_delim_bytes(d), len);
    ns_delim_destroy(&d);
    ns_reader_close(&src);
    free(data);
    free(offs);
}

/* ---- byte-range splits ---- */

/* A small file of `nrec` records of varying length (some empty, some long
 * enough to be rejects with max_record 24), optionally with a BOM, a
 * header, CRLF line ends, quoted fields and no final line end. */
static char *s_make_file(int nrec, bool bom, bool header, bool crlf, bool quoted, bool final_eol,
                         size_t *lenp)
{
    size_t cap = 64 + (size_t)nrec * 128, len = 0;
    char *p = malloc(cap);
    const char *eol = crlf ? "\r\n" : "\n";
    if (bom) {
        memcpy(p, "\xEF\xBB\xBF", 3);
        len = 3;
    }
    if (header)
        len += (size_t)snprintf(p + len, cap - len, "id|name|note%s", eol);
    uint32_t x = 12345;
    for (int i = 0; i < nrec; i++) {
        x = x * 1103515245u + 12345u;
        int kind = (int)((x >> 16) % 8);
        int w = (int)((x >> 8) % 30);
        if (kind == 0) {
            /* an empty line */
        } else if (kind == 1 && quoted) {
            len += (size_t)snprintf(p + len, cap - len, "%d|\"a|b\"\"%.*s\"|q", i, w % 8,
                                    "zzzzzzzzzz");
        } else if (kind == 2) {
            len += (size_t)snprintf(p + len, cap - len, "%d|%.*s", i, w,
                                    "0123456789012345678901234567890123456789");
        } else if (kind == 3) {
            len += (size_t)snprintf(p + len, cap - len, "%d||", i);
        } else {
            len += (size_t)snprintf(p + len, cap - len, "%d|n%d|%.*s", i, w, w % 5, "xxxxx");
        }
        if (i < nrec - 1 || final_eol)
            len += (size_t)snprintf(p + len, cap - len, "%s", eol);
    }
    *lenp = len;
    return p;
}

/* Reads data whole, then as splits of every size from min_split bytes on,
 * and checks that each time the splits' records add up to the whole's. */
static void s_check_splits(const char *data, size_t len, const ns_delim_opts_t *o, size_t chunk,
                           size_t min_split)
{
    ns_test_list_t whole = {0};
    ns_test_read(&s_rd, o, data, len, 0, UINT64_MAX, chunk, &whole);
    cr_assert_gt(whole.n, 10);
    for (size_t s = min_split; s <= len; s++) {
        ns_test_list_t u = {0};
        for (uint64_t k = 0; k * s < len; k++)
            ns_test_read(&s_rd, o, data, len, k * s, (k + 1) * s, chunk, &u);
        char what[32];
        snprintf(what, sizeof what, "split size %zu", s);
        ns_test_same(&u, &whole, what);
        ns_test_list_free(&u);
    }
    ns_test_list_free(&whole);
}

Test(delim, splits_union_is_whole_file)
{
    for (int v = 0; v < 16; v++) {
        bool bom = v & 1, header = v & 2, crlf = v & 4, quoted = v & 8;
        bool final_eol = (v % 3) != 1;
        size_t len = 0;
        char *data = s_make_file(40, bom, header, crlf, quoted, final_eol, &len);
        ns_delim_opts_t o = s_opts('|', quoted ? '"' : -1, -1, header ? 1 : 0);
        o.max_record = 24; /* a few records are rejects */
        s_check_splits(data, len, &o, v % 3 == 0 ? 5 : 0, 1);
        free(data);
    }
}

Test(delim, splits_with_preamble)
{
    /* preamble lines are skipped by the split at 0 only, so a split must be
     * longer than the preamble (the planner's splits are megabytes) */
    size_t blen = 0;
    char *body = s_make_file(30, false, true, false, false, true, &blen);
    const char *pre = "# exported\n# by test\n";
    size_t plen = strlen(pre), len = plen + blen;
    char *data = malloc(len);
    memcpy(data, pre, plen);
    memcpy(data + plen, body, blen);
    ns_delim_opts_t o = s_opts('|', -1, -1, 1);
    o.skip_lines = 2;
    s_check_splits(data, len, &o, 0, plen + 1);
    free(body);
    free(data);
}

/* ---- the input window ---- */

/* The window starts at NS_INBUF_INITIAL (64 KiB) and doubles as records
 * need it, up to max_record: records around and past the first window
 * read whole, at every read size, and as byte-range splits. */

/* Source read sizes of the window tests: unlimited, byte by byte, and
 * sizes that end reads inside and just past the first window. */
static const size_t s_wchunks[] = {0, 1, 4096, NS_INBUF_INITIAL + 3};
#define S_NWCHUNKS (sizeof s_wchunks / sizeof s_wchunks[0])

/* Byte j of a long field: a pattern that shows bytes out of place. */
static char s_fill(size_t j)
{
    return (char)('a' + j % 23);
}

/* Reads data[0..len) whole with every s_wchunks size and checks the
 * records against want[0..n). */
static void s_expect_window(const char *data, size_t len, const ns_delim_opts_t *o,
                            char *const *want, size_t n)
{
    for (size_t c = 0; c < S_NWCHUNKS; c++) {
        ns_test_list_t got = {0};
        ns_test_read(&s_rd, o, data, len, 0, UINT64_MAX, s_wchunks[c], &got);
        cr_assert_eq(got.n, n, "read size %zu: %zu records, want %zu", s_wchunks[c], got.n, n);
        for (size_t i = 0; i < n; i++)
            cr_assert(strcmp(got.items[i], want[i]) == 0, "read size %zu, record %zu: %.60s",
                      s_wchunks[c], i, got.items[i]);
        ns_test_list_free(&got);
    }
}

Test(delim, records_longer_than_the_initial_window)
{
    const size_t w = NS_INBUF_INITIAL;
    const size_t sizes[] = {w - 1, w, w + 1, 3 * w + 5, 700000};
    const size_t nsizes = sizeof sizes / sizeof sizes[0];
    for (int quoted = 0; quoted <= 1; quoted++) {
        size_t cap = 4096;
        for (size_t s = 0; s < nsizes; s++)
            cap += sizes[s] + 32;
        char *data = malloc(cap);
        char *want[2 * 5];
        size_t k = 0, nw = 0;
        cr_assert(data);
        for (size_t s = 0; s < nsizes; s++) {
            /* "s|fill" of exactly sizes[s] bytes, its line end LF or CRLF;
             * quoted, the fill is "..." holding an LF every 997 bytes */
            size_t off = k, L = sizes[s];
            k += (size_t)snprintf(data + k, cap - k, "%zu|", s);
            size_t body = L - (k - off) - (quoted ? 2 : 0);
            if (quoted)
                data[k++] = '"';
            char *field = data + k;
            for (size_t j = 0; j < body; j++)
                data[k++] = quoted && j % 997 == 500 ? '\n' : s_fill(j);
            if (quoted)
                data[k++] = '"';
            cr_assert_eq(k - off, L);
            size_t rl = 32 + body;
            want[nw] = malloc(rl);
            cr_assert(want[nw]);
            int h = snprintf(want[nw], rl, "%zu:R:2:%zu\x1f", off, s);
            memcpy(want[nw] + h, field, body);
            want[nw++][(size_t)h + body] = '\0';
            k += (size_t)snprintf(data + k, cap - k, "%s", s % 2 ? "\r\n" : "\n");
            /* then a short record */
            off = k;
            k += (size_t)snprintf(data + k, cap - k, "x|%zu\n", s);
            want[nw] = malloc(64);
            cr_assert(want[nw]);
            snprintf(want[nw++], 64, "%zu:R:2:x\x1f%zu", off, s);
        }
        ns_delim_opts_t o = s_opts('|', quoted ? '"' : -1, -1, 0);
        o.quoted_newlines = quoted;
        s_expect_window(data, k, &o, want, nw);

        /* splits (without quoted_newlines): cut at each long record's
         * start, just after it, and in its middle */
        if (!quoted) {
            ns_test_list_t whole = {0};
            ns_test_read(&s_rd, &o, data, k, 0, UINT64_MAX, 0, &whole);
            for (size_t i = 0; i < nw; i += 2) {
                uint64_t at = strtoull(want[i], NULL, 10);
                const uint64_t cuts[] = {at, at + 1, at + sizes[i / 2] / 2};
                for (int c = 0; c < 3; c++)
                    ns_test_split_same(&s_rd, &o, data, k, cuts[c], 4096, &whole);
            }
            ns_test_list_free(&whole);
        }
        for (size_t i = 0; i < nw; i++)
            free(want[i]);
        free(data);
    }
}

/* A max_record past the first window: a record of exactly max_record bytes
 * is one (with LF or CRLF), a byte more is the reject naming the limit
 * (raw text cut at max_record), and reading goes on after it. */
Test(delim, max_record_past_the_initial_window)
{
    const size_t m = 200000;
    cr_assert_gt(m, NS_INBUF_INITIAL);
    const size_t lens[] = {m, m, m + 1, m + 1};
    const char *const eols[] = {"\n", "\r\n", "\n", "\r\n"};
    size_t cap = 4 * (m + 3) + 16, k = 0;
    char *data = malloc(cap);
    char *want[5];
    cr_assert(data);
    for (int i = 0; i < 4; i++) {
        size_t off = k;
        for (size_t j = 0; j < lens[i]; j++)
            data[k++] = s_fill(j + (size_t)i);
        size_t rl = m + 128;
        want[i] = malloc(rl);
        cr_assert(want[i]);
        int h = lens[i] == m
                    ? snprintf(want[i], rl, "%zu:R:1:", off)
                    : snprintf(want[i], rl, "%zu:X:record exceeds max_record (%zu bytes):", off, m);
        memcpy(want[i] + h, data + off, m); /* a reject's raw text: the first m bytes */
        want[i][(size_t)h + m] = '\0';
        k += (size_t)snprintf(data + k, cap - k, "%s", eols[i]);
    }
    want[4] = malloc(64);
    cr_assert(want[4]);
    snprintf(want[4], 64, "%zu:R:1:z", k);
    k += (size_t)snprintf(data + k, cap - k, "z\n");
    ns_delim_opts_t o = s_opts('|', -1, -1, 0);
    o.max_record = m;
    s_expect_window(data, k, &o, want, 5);
    for (int i = 0; i < 5; i++)
        free(want[i]);
    free(data);
}
