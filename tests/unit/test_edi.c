/*
 * Tests of ns_edi, the X12 852 reader: the SOURCES.md example record by
 * record; separators taken from each ISA ('|' '^' LF; '~' with CRLF; two
 * interchanges with different ones in one file); every check that rejects
 * a whole transaction set (CTT, SE01, SE02, XQ, quantities, SDQ, bounds)
 * with reading going on after it; envelope rejects (GE, IEA, stray
 * segments, cut-off groups and interchanges, bytes outside interchanges,
 * malformed ISAs); truncated input and I/O errors. Every file is read with
 * source reads of 1, 2, 3, 7, 64 bytes and unlimited, which must give the
 * same records; every record's offset must point at its LIN segment and
 * every raw text must be the input's bytes at the offset.
 *
 * The files are under tests/data/edi/, found from this file's path.
 */
#include "ns_edi.h"
#include "ns_test_util.h"

#include <criterion/criterion.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- helpers ---- */

static ns_recsrc_t *s_open(ns_reader_t *src, uint64_t from, uint64_t start, uint64_t end,
                           const void *o, ns_err_t *err)
{
    return ns_edi_new(src, o, err);
}

/* A record has NS_EDI_NFIELDS fields and its raw text is its LIN segment. */
static void s_check(const ns_record_t *rec, int kind, const void *o)
{
    if (kind != NS_REC_RECORD)
        return;
    cr_assert_eq(rec->nfields, NS_EDI_NFIELDS);
    cr_assert_geq(rec->raw_len, 4);
    cr_assert(memcmp(rec->raw, "LIN", 3) == 0, "a record's raw text is not its LIN");
}

/* "offset:R:f1,f2,..." (a null field is NULL) or "offset:X:reason". A
 * reject for an interchange comes after the records of its sets, so
 * offsets may go back. */
static const ns_test_reader_t s_rd = {
    .open = s_open, .check = s_check, .order = NS_TEST_ANY_ORDER, .sep = ',', .null = "NULL"};

/* Reads data whole through a source returning at most chunk bytes a read
 * and appends the rendered records to out. */
static void s_read(const char *data, size_t len, const ns_edi_opts_t *o, size_t chunk,
                   ns_test_list_t *out)
{
    ns_test_read(&s_rd, o, data, len, 0, UINT64_MAX, chunk, out);
}

/* Reads data with every chunk size and compares with want[0..nwant). */
static void s_expect_data(const char *data, size_t len, const ns_edi_opts_t *o,
                          const ns_test_want_t *want, size_t nwant)
{
    const char **w = ns_test_wants(data, len, want, nwant);
    ns_test_expect_all(&s_rd, o, data, len, w);
    free(w);
}

static void s_expect_file(const char *name, const ns_edi_opts_t *o, const ns_test_want_t *want,
                          size_t nwant)
{
    size_t len;
    char *data = ns_test_load("edi", name, &len);
    s_expect_data(data, len, o, want, nwant);
    free(data);
}

#define S_N(a) (sizeof(a) / sizeof((a)[0]))

/* The first reject or record of data (read whole), copied. */
typedef struct {
    int kind;
    uint64_t offset;
    char raw[4096];
    size_t raw_len;
} s_one_t;

static void s_nth(const char *data, size_t len, const ns_edi_opts_t *o, int nth, s_one_t *out)
{
    ns_reader_t *src = ns_test_mem_reader(data, len, 0);
    ns_err_t err = {""};
    ns_recsrc_t *r = ns_edi_new(src, o, &err);
    cr_assert(r);
    ns_record_t rec;
    int k = 0;
    for (int i = 0; i <= nth; i++)
        k = r->next(r, &rec, &err);
    cr_assert_gt(k, 0, "%s", err.msg);
    out->kind = k;
    out->offset = rec.offset;
    out->raw_len = rec.raw_len < sizeof out->raw ? rec.raw_len : sizeof out->raw;
    memcpy(out->raw, rec.raw, out->raw_len);
    r->destroy(r);
    ns_reader_close(&src);
}

#define S_HDR_SAMPLE "GRANDDEPT,CLOTHMAKER,000004521,4521,0001,20261118,20261124,"

/* ---- the interface ---- */

Test(edi, names_and_defaults)
{
    cr_assert_eq(NS_EDI_NFIELDS, 13);
    cr_assert_str_eq(ns_edi_field_names[NS_EDI_SENDER], "sender");
    cr_assert_str_eq(ns_edi_field_names[NS_EDI_INTERCHANGE_CONTROL], "interchange_control");
    cr_assert_str_eq(ns_edi_field_names[NS_EDI_STORE], "store");
    cr_assert_str_eq(ns_edi_field_names[NS_EDI_UPC], "upc");
    cr_assert_str_eq(ns_edi_field_names[NS_EDI_QTY_RETURNED], "qty_returned");
    for (int i = 0; i < NS_EDI_NFIELDS; i++)
        cr_assert(ns_edi_field_names[i] && ns_edi_field_names[i][0]);
    ns_edi_opts_t o;
    memset(&o, 0x5a, sizeof o);
    ns_edi_opts_default(&o);
    cr_assert_eq(o.max_record, 1024 * 1024);
    cr_assert_eq(o.max_segments, 100000);
}

Test(edi, bad_options)
{
    ns_reader_t *src = ns_test_mem_reader("", 0, 0);
    ns_err_t err = {""};
    ns_edi_opts_t o;
    ns_edi_opts_default(&o);
    o.max_segments = -1;
    cr_assert_null(ns_edi_new(src, &o, &err));
    cr_assert(strstr(err.msg, "max_segments"), "%s", err.msg);
    ns_edi_opts_default(&o);
    o.max_interchange_segments = -1;
    cr_assert_null(ns_edi_new(src, &o, &err));
    cr_assert(strstr(err.msg, "max_interchange_segments"), "%s", err.msg);
    ns_edi_opts_default(&o);
    o.max_record = (size_t)1 << 40;
    cr_assert_null(ns_edi_new(src, &o, &err));
    cr_assert(strstr(err.msg, "max_record"), "%s", err.msg);
    cr_assert_null(ns_edi_new(NULL, &o, &err));
    /* NULL options and zeros mean the defaults */
    ns_recsrc_t *r = ns_edi_new(src, NULL, &err);
    cr_assert(r);
    r->destroy(r);
    memset(&o, 0, sizeof o);
    r = ns_edi_new(src, &o, &err);
    cr_assert(r);
    r->destroy(r);
    ns_reader_close(&src);
}

Test(edi, empty_objects)
{
    s_expect_data("", 0, NULL, NULL, 0);
    s_expect_data("\r\n\n", 3, NULL, NULL, 0);
    s_expect_data("\xEF\xBB\xBF", 3, NULL, NULL, 0);
    s_expect_data("\xEF\xBB\xBF\r\n", 5, NULL, NULL, 0);
}

/* ---- the example and separators ---- */

Test(edi, sources_example)
{
    const ns_test_want_t w[] = {
        {"LIN*1", 1, "R:" S_HDR_SAMPLE "0031,012345678905,DRS-1042-BLK-M,14,36,2"},
        {"LIN*2", 1, "R:" S_HDR_SAMPLE "0031,012345678912,JKT-2210-NVY-L,3,NULL,NULL"},
        {"LIN*2", 1, "R:" S_HDR_SAMPLE "0044,012345678912,JKT-2210-NVY-L,5,NULL,NULL"},
    };
    s_expect_file("sample.edi", NULL, w, S_N(w));
    /* the raw text is the LIN segment without its terminator */
    size_t len;
    char *data = ns_test_load("edi", "sample.edi", &len);
    s_one_t one;
    s_nth(data, len, NULL, 1, &one);
    cr_assert_eq(one.kind, NS_REC_RECORD);
    cr_assert_eq(one.raw_len, strlen("LIN*2*UP*012345678912*VN*JKT-2210-NVY-L"));
    cr_assert(memcmp(one.raw, "LIN*2*UP*012345678912*VN*JKT-2210-NVY-L", one.raw_len) == 0);
    /* a UTF-8 BOM before the ISA is skipped; offsets stay those of the object */
    char *bom = malloc(len + 3);
    memcpy(bom, "\xEF\xBB\xBF", 3);
    memcpy(bom + 3, data, len);
    s_expect_data(bom, len + 3, NULL, w, S_N(w));
    free(bom);
    free(data);
}

Test(edi, tilde_and_crlf)
{
    const ns_test_want_t w[] = {
        {"LIN*1", 1, "R:" S_HDR_SAMPLE "0031,012345678905,DRS-1042-BLK-M,14,36,2"},
        {"LIN*2", 1, "R:" S_HDR_SAMPLE "0031,012345678912,JKT-2210-NVY-L,3,NULL,NULL"},
        {"LIN*2", 1, "R:" S_HDR_SAMPLE "0044,012345678912,JKT-2210-NVY-L,5,NULL,NULL"},
    };
    s_expect_file("tilde_crlf.edi", NULL, w, S_N(w));
}

Test(edi, pipe_caret_lf)
{
    /* '|' elements, '^' components, LF ends segments; '*' and '~' are data */
    const ns_test_want_t w[] = {
        {"LIN|1", 1,
         "R:GRANDDEPT,CLOTHMAKER,000000777,777,0101,20261125,20261201,0031,012345678905,"
         "DRS-1042-BLK-M,7,30,NULL"},
    };
    s_expect_file("pipe_lf.edi", NULL, w, S_N(w));
    /* the same with CRLF: byte 105 of the ISA is CR, so CR is the terminator
     * and each LF after it is ignored */
    size_t len;
    char *data = ns_test_load("edi", "pipe_lf.edi", &len);
    char *crlf = malloc(len * 2);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (data[i] == '\n')
            crlf[n++] = '\r';
        crlf[n++] = data[i];
    }
    s_expect_data(crlf, n, NULL, w, S_N(w));
    free(crlf);
    free(data);
}

Test(edi, two_interchanges_with_different_separators)
{
    const ns_test_want_t w[] = {
        {"LIN*1", 1,
         "R:GRANDDEPT,CLOTHMAKER,000000101,101,0001,20261118,20261124,0031,012345678905,NULL,14,"
         "NULL,NULL"},
        {"LIN^1", 1,
         "R:SHOPCO,CLOTHMAKER,000000102,102,0001,20261118,20261124,0007,NULL,TEE-0007-WHT-S,3,"
         "NULL,1"},
    };
    s_expect_file("two_interchanges.edi", NULL, w, S_N(w));
    size_t len;
    char *data = ns_test_load("edi", "two_interchanges.edi", &len);
    s_one_t one;
    s_nth(data, len, NULL, 1, &one);
    cr_assert_eq(one.raw_len, strlen("LIN^1^VN^TEE-0007-WHT-S"));
    free(data);
}

Test(edi, sdq_stores_and_union)
{
    /* stores of a LIN in first-seen order across ZA codes and SDQ segments;
     * the N1*RL store merges with the same store from an SDQ; XQ03 absent */
#define H "R:GRANDDEPT,CLOTHMAKER,000000901,901,0001,20261118,NULL,"
#define L1 "012345678905,DRS-1042-BLK-M,"
#define L2 "012345678912,JKT-2210-NVY-L,"
    const ns_test_want_t w[] = {
        {"LIN*1", 1, H "0044," L1 "5,NULL,2"},      {"LIN*1", 1, H "0031," L1 "3,36,NULL"},
        {"LIN*1", 1, H "0052," L1 "-1,NULL,NULL"},  {"LIN*1", 1, H "0061," L1 "NULL,NULL,1"},
        {"LIN*2", 1, H "0001," L2 "NULL,1,NULL"},   {"LIN*2", 1, H "0002," L2 "NULL,2,NULL"},
        {"LIN*2", 1, H "0003," L2 "NULL,3,NULL"},   {"LIN*2", 1, H "0004," L2 "NULL,4,NULL"},
        {"LIN*2", 1, H "0005," L2 "NULL,5,NULL"},   {"LIN*2", 1, H "0006," L2 "NULL,6,NULL"},
        {"LIN*2", 1, H "0007," L2 "NULL,7,NULL"},   {"LIN*2", 1, H "0008," L2 "NULL,8,NULL"},
        {"LIN*2", 1, H "0009," L2 "NULL,9,NULL"},   {"LIN*2", 1, H "0010," L2 "NULL,10,NULL"},
        {"LIN*2", 1, H "0031," L2 "2.5,NULL,NULL"},
    };
#undef H
#undef L1
#undef L2
    s_expect_file("sdq_multi.edi", NULL, w, S_N(w));
}

/* ---- sets rejected whole ---- */

Test(edi, ctt_mismatch_rejects_the_set_and_reading_goes_on)
{
    const ns_test_want_t w[] = {
        {"ST*852*0001", 1, "X:transaction set 0001: CTT01 says 3 LIN segments, counted 2"},
        {"LIN*1*UP*012345678929", 1,
         "R:GRANDDEPT,CLOTHMAKER,000000201,201,0002,20261118,20261124,0044,012345678929,NULL,5,"
         "NULL,NULL"},
    };
    s_expect_file("ctt_mismatch.edi", NULL, w, S_N(w));
    /* the reject's raw text is the set, ST through SE */
    size_t len;
    char *data = ns_test_load("edi", "ctt_mismatch.edi", &len);
    s_one_t one;
    s_nth(data, len, NULL, 0, &one);
    cr_assert_eq(one.kind, NS_REC_REJECT);
    const char *st = strstr(data, "ST*852*0001");
    const char *se = strstr(data, "SE*9*0001~");
    cr_assert_eq(one.offset, (uint64_t)(st - data));
    cr_assert_eq(one.raw_len, (size_t)(se + strlen("SE*9*0001~") - st));
    free(data);
}

Test(edi, se01_mismatch)
{
    const ns_test_want_t w[] = {
        {"ST*852*0001", 1, "X:transaction set 0001: SE01 says 12 segments, counted 11"},
        {"LIN*1*UP*012345678929", 1,
         "R:GRANDDEPT,CLOTHMAKER,000004521,4521,0002,20261118,20261124,0031,012345678929,NULL,"
         "NULL,NULL,1"},
    };
    s_expect_file("se_mismatch.edi", NULL, w, S_N(w));
}

Test(edi, missing_xq)
{
    const ns_test_want_t w[] = {
        {"ST*852*0001", 1, "X:transaction set 0001: no XQ (reporting period)"},
    };
    s_expect_file("no_xq.edi", NULL, w, S_N(w));
}

Test(edi, set_checks)
{
    const ns_test_want_t w[] = {
        {"ST*852*0001", 1, "X:transaction set 0001: ZA QS quantity '1O' is not a number"},
        {"ST*852*0002", 1, "X:transaction set 0002: SDQ without a preceding ZA"},
        {"ST*852*0003", 1, "X:transaction set 0003: LIN 2 has no QS, QA or QU quantity"},
        {"ST*852*0004", 1, "X:transaction set 0004: LIN 1 reports QS twice for store '0031'"},
        {"ST*852*0005", 1, "X:transaction set 0005: SE02 '0050' does not match ST02"},
        /* unknown ZA codes (QP) are ignored, with their SDQ quantities */
        {"LIN*1*UP*012345678905*VN", 1,
         "R:GRANDDEPT,CLOTHMAKER,000000701,701,0006,20261118,20261124,0031,012345678905,"
         "DRS-1042-BLK-M,4,NULL,0"},
        {"ST*810*0007", 1, "X:transaction set 0007: is a '810', not an 852"},
        {"ST*852*0008", 1, "X:transaction set 0008: XQ03 '20261131' is not a date YYYYMMDD"},
        {"ST*852*0009", 1, "X:transaction set 0009: SDQ store '0044' has no quantity"},
        {"ST*852*0010", 1,
         "X:transaction set 0010: ZA QS quantity without a reporting store (N1*RL)"},
    };
    s_expect_file("bad_sets.edi", NULL, w, S_N(w));
}

Test(edi, oversized_set)
{
    const ns_test_want_t all[] = {
        {"LIN*1", 1,
         "R:GRANDDEPT,CLOTHMAKER,000000501,501,0001,20261118,20261124,0031,012345678905,NULL,1,"
         "NULL,NULL"},
        {"LIN*2", 1,
         "R:GRANDDEPT,CLOTHMAKER,000000501,501,0001,20261118,20261124,0031,012345678912,NULL,2,"
         "NULL,NULL"},
        {"LIN*3", 1,
         "R:GRANDDEPT,CLOTHMAKER,000000501,501,0001,20261118,20261124,0031,012345678929,NULL,3,"
         "NULL,NULL"},
        {"LIN*4", 1,
         "R:GRANDDEPT,CLOTHMAKER,000000501,501,0001,20261118,20261124,0031,012345678936,NULL,4,"
         "NULL,NULL"},
        {"LIN*5", 1,
         "R:GRANDDEPT,CLOTHMAKER,000000501,501,0001,20261118,20261124,0031,012345678943,NULL,5,"
         "NULL,NULL"},
        {"LIN*1*UP*012345678950", 1,
         "R:GRANDDEPT,CLOTHMAKER,000000501,501,0002,20261118,20261124,0031,012345678950,NULL,6,"
         "NULL,NULL"},
    };
    s_expect_file("oversized.edi", NULL, all, S_N(all));
    ns_edi_opts_t o;
    ns_edi_opts_default(&o);
    o.max_record = 200;
    const ns_test_want_t w[] = {
        {"ST*852*0001", 1, "X:transaction set 0001: exceeds max_record (200 bytes)"},
        all[5],
    };
    s_expect_file("oversized.edi", &o, w, S_N(w));
    size_t len;
    char *data = ns_test_load("edi", "oversized.edi", &len);
    s_one_t one;
    s_nth(data, len, &o, 0, &one);
    cr_assert_eq(one.raw_len, 200); /* the set's text, cut at max_record */
    free(data);
    ns_edi_opts_default(&o);
    o.max_segments = 10;
    const ns_test_want_t w2[] = {
        {"ST*852*0001", 1, "X:transaction set 0001: exceeds max_segments (10)"},
        all[5],
    };
    s_expect_file("oversized.edi", &o, w2, S_N(w2));

    /* at the edges: set 0001 is 15 segments of setlen bytes (ST through
     * SE's terminator); exactly that is fine, one less of either is not */
    data = ns_test_load("edi", "oversized.edi", &len);
    const char *st = strstr(data, "ST*852*0001"), *se = strstr(data, "SE*15*0001~");
    cr_assert(st && se);
    size_t setlen = (size_t)(se + strlen("SE*15*0001~") - st);
    free(data);
    ns_edi_opts_default(&o);
    o.max_segments = 15;
    o.max_record = setlen;
    s_expect_file("oversized.edi", &o, all, S_N(all));
    o.max_segments = 14;
    const ns_test_want_t w3[] = {
        {"ST*852*0001", 1, "X:transaction set 0001: exceeds max_segments (14)"},
        all[5],
    };
    s_expect_file("oversized.edi", &o, w3, S_N(w3));
    o.max_segments = 15;
    o.max_record = setlen - 1;
    char why[96];
    snprintf(why, sizeof why, "X:transaction set 0001: exceeds max_record (%zu bytes)", setlen - 1);
    const ns_test_want_t w4[] = {{"ST*852*0001", 1, why}, all[5]};
    s_expect_file("oversized.edi", &o, w4, S_N(w4));
}

Test(edi, max_interchange_segments)
{
    /* oversized.edi's interchange: ISA, GS, a set of 15 segments, one of
     * 6, GE, IEA: 25 segments */
    const char *hdr = "R:GRANDDEPT,CLOTHMAKER,000000501,501,";
    char recs[6][160];
    const ns_test_want_t all[] = {
        {"LIN*1", 1, recs[0]}, {"LIN*2", 1, recs[1]}, {"LIN*3", 1, recs[2]},
        {"LIN*4", 1, recs[3]}, {"LIN*5", 1, recs[4]}, {"LIN*1*UP*012345678950", 1, recs[5]},
    };
    const char *upc[] = {"012345678905", "012345678912", "012345678929",
                         "012345678936", "012345678943", "012345678950"};
    for (int i = 0; i < 6; i++)
        snprintf(recs[i], sizeof recs[i], "%s%s,20261118,20261124,0031,%s,NULL,%d,NULL,NULL", hdr,
                 i < 5 ? "0001" : "0002", upc[i], i + 1);
    ns_edi_opts_t o;
    ns_edi_opts_default(&o);
    cr_assert_eq(o.max_interchange_segments, 10000000);
    o.max_interchange_segments = 25;
    s_expect_file("oversized.edi", &o, all, S_N(all));

    /* 24: the IEA is one too many; the sets stay emitted */
    o.max_interchange_segments = 24;
    const ns_test_want_t w1[] = {
        all[0], all[1], all[2], all[3], all[4], all[5],
        {"IEA*1", 1,
         "X:interchange 000000501 exceeds max_interchange_segments (24): the rest of it, through "
         "its IEA, is skipped"},
    };
    s_expect_file("oversized.edi", &o, w1, S_N(w1));

    /* 20: set 0002's LIN (segment 21) is one too many: that set is a
     * reject, then the rest of the interchange from the LIN through IEA;
     * a second interchange after it is read as usual */
    size_t len;
    char *one = ns_test_load("edi", "oversized.edi", &len);
    char *two = malloc(2 * len);
    cr_assert(two);
    memcpy(two, one, len);
    memcpy(two + len, one, len);
    free(one);
    o.max_interchange_segments = 20;
    const char *rest =
        "X:interchange 000000501 exceeds max_interchange_segments (20): the rest of it, through "
        "its IEA, is skipped";
    const char *set2 = "X:transaction set 0002: interchange exceeds max_interchange_segments (20)";
    const ns_test_want_t w2[] = {
        all[0], all[1], all[2], all[3], all[4],
        {"ST*852*0002", 1, set2},
        {"LIN*1*UP*012345678950", 1, rest},
        {"LIN*1*UP*012345678905", 2, recs[0]}, {"LIN*2*", 2, recs[1]}, {"LIN*3*", 2, recs[2]},
        {"LIN*4*", 2, recs[3]}, {"LIN*5*", 2, recs[4]},
        {"ST*852*0002", 2, set2},
        {"LIN*1*UP*012345678950", 2, rest},
    };
    s_expect_data(two, 2 * len, &o, w2, S_N(w2));
    /* the rest's raw text runs from the LIN through the IEA */
    s_one_t r;
    s_nth(two, 2 * len, &o, 6, &r);
    cr_assert_eq(r.kind, NS_REC_REJECT);
    const char *lin = strstr(two, "LIN*1*UP*012345678950"), *iea = strstr(two, "IEA*1*000000501~");
    cr_assert_eq(r.raw_len, (size_t)(iea + strlen("IEA*1*000000501~") - lin));
    cr_assert(memcmp(r.raw, lin, r.raw_len) == 0);
    free(two);
}

/* ---- envelopes ---- */

Test(edi, truncated_file)
{
    const ns_test_want_t w[] = {
        {"LIN*1", 1,
         "R:GRANDDEPT,CLOTHMAKER,000000301,301,0001,20261118,20261124,0031,012345678905,NULL,14,"
         "NULL,NULL"},
        {"ST*852*0002", 1, "X:transaction set 0002: input ends before SE"},
        {"ISA", 1, "X:interchange 000000301: input ends before IEA"},
    };
    s_expect_file("truncated.edi", NULL, w, S_N(w));
}

Test(edi, garbage_between_interchanges)
{
    const ns_test_want_t w[] = {
        {"LIN*1", 1,
         "R:GRANDDEPT,CLOTHMAKER,000000401,401,0001,20261118,20261124,0031,012345678905,NULL,14,"
         "NULL,NULL"},
        {"-- resent", 1, "X:40 bytes outside any interchange (ISA .. IEA)"},
        {"LIN*1", 2,
         "R:GRANDDEPT,CLOTHMAKER,000000402,402,0001,20261118,20261124,0044,012345678905,NULL,1,"
         "NULL,NULL"},
        {"\032", 1, "X:1 byte outside any interchange (ISA .. IEA)"},
    };
    s_expect_file("garbage.edi", NULL, w, S_N(w));
    /* garbage before the first interchange ("VISA" is no ISA), and a file
     * that is only garbage */
    size_t len;
    char *data = ns_test_load("edi", "sample.edi", &len);
    char *g = malloc(len + 16);
    memcpy(g, "VISA statement\r\n", 16);
    memcpy(g + 16, data, len);
    ns_test_want_t w2[] = {
        {"VISA", 1, "X:14 bytes outside any interchange (ISA .. IEA)"},
        {"LIN*1", 1, "R:" S_HDR_SAMPLE "0031,012345678905,DRS-1042-BLK-M,14,36,2"},
        {"LIN*2", 1, "R:" S_HDR_SAMPLE "0031,012345678912,JKT-2210-NVY-L,3,NULL,NULL"},
        {"LIN*2", 1, "R:" S_HDR_SAMPLE "0044,012345678912,JKT-2210-NVY-L,5,NULL,NULL"},
    };
    s_expect_data(g, len + 16, NULL, w2, S_N(w2));
    /* an ISA glued to the garbage before it still starts an interchange */
    memcpy(g, "junk-junk-junk--", 16);
    w2[0] = (ns_test_want_t){"junk", 1, "X:16 bytes outside any interchange (ISA .. IEA)"};
    s_expect_data(g, len + 16, NULL, w2, S_N(w2));
    const ns_test_want_t w3[] = {{"not", 1, "X:14 bytes outside any interchange (ISA .. IEA)"}};
    s_expect_data("not edi at all\n", 15, NULL, w3, S_N(w3));
    free(g);
    free(data);
}

Test(edi, malformed_isa)
{
    const ns_test_want_t w[] = {
        {"ISA", 1, "X:malformed ISA: ISA02 does not end at byte 17 (the ISA is fixed-width)"},
        {"LIN*1", 2,
         "R:GRANDDEPT,CLOTHMAKER,000000602,602,0001,20261118,20261124,0031,012345678905,NULL,9,"
         "NULL,NULL"},
        {"ISA", 3, "X:malformed ISA: the input ends 23 bytes into the 106-byte ISA"},
    };
    s_expect_file("malformed_isa.edi", NULL, w, S_N(w));
    /* the first reject's raw text runs through the bad interchange's IEA */
    size_t len;
    char *data = ns_test_load("edi", "malformed_isa.edi", &len);
    s_one_t one;
    s_nth(data, len, NULL, 0, &one);
    const char *iea = strstr(data, "IEA*1*000000601~");
    cr_assert_eq(one.raw_len, (size_t)(iea - data) + strlen("IEA*1*000000601~"));
    free(data);
}

Test(edi, envelope_checks)
{
#define P "R:GRANDDEPT,CLOTHMAKER,"
#define S ",0001,20261118,20261124,0031,012345678905,NULL,"
    const ns_test_want_t w[] = {
        {"REF*IA", 1,
         "X:interchange 000000801: 1 segment outside a transaction set, starting with 'REF'"},
        {"LIN*1", 1, P "000000801,801" S "1,NULL,NULL"},
        {"GE*2*801", 1, "X:group 801: GE01 says '2' sets, counted 1"},
        {"IEA*2*000000801", 1, "X:interchange 000000801: IEA01 says '2' groups, counted 1"},
        {"ST*852*0001", 2, "X:transaction set 0001: no SE before GE"},
        {"GS*PD*GRANDDEPT*CLOTHMAKER*20261125*0415*803", 1, "X:group 803: no GE before IEA"},
        {"LIN*1", 3, P "000000803,804" S "3,NULL,NULL"},
        {"ISA", 3, "X:interchange 000000803: no IEA before the next ISA"},
        {"LIN*1", 4, P "000000804,805" S "4,NULL,NULL"},
        {"IEA*1*000000999", 1, "X:interchange 000000804: IEA02 '000000999' does not match ISA13"},
    };
#undef P
#undef S
    s_expect_file("envelope.edi", NULL, w, S_N(w));
}

Test(edi, io_error)
{
    size_t len;
    char *data = ns_test_load("edi", "ctt_mismatch.edi", &len);
    size_t chunks[] = {0, 1, 5};
    for (size_t c = 0; c < 3; c++) {
        ns_reader_t *src = ns_test_mem_reader_ex(data, len, chunks[c], len - 30);
        ns_err_t err = {""};
        ns_recsrc_t *r = ns_edi_new(src, NULL, &err);
        cr_assert(r);
        ns_record_t rec;
        cr_assert_eq(r->next(r, &rec, &err), NS_REC_REJECT);
        cr_assert_eq(r->next(r, &rec, &err), -1);
        cr_assert(strstr(err.msg, "injected failure"), "%s", err.msg);
        cr_assert_eq(r->next(r, &rec, &err), -1);
        r->destroy(r);
        ns_reader_close(&src);
    }
    free(data);
}

/* ---- generated inputs: buffer boundaries, many stores, bounds ---- */

typedef struct {
    char *p;
    size_t len, cap;
} s_gen_t;

static void s_put(s_gen_t *g, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void s_put(s_gen_t *g, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(g->p + g->len, g->cap - g->len, fmt, ap);
        va_end(ap);
        cr_assert_geq(n, 0);
        if ((size_t)n < g->cap - g->len) {
            g->len += (size_t)n;
            return;
        }
        g->cap = g->cap ? g->cap * 2 + (size_t)n : 4096 + (size_t)n;
        g->p = realloc(g->p, g->cap);
        cr_assert(g->p);
    }
}

static void s_put_isa(s_gen_t *g, unsigned ctl)
{
    s_put(g,
          "ISA*00*          *00*          *ZZ*GRANDDEPT      *ZZ*CLOTHMAKER     *261125*0415*U*"
          "00401*%09u*0*P*>~\n"
          "GS*PD*GRANDDEPT*CLOTHMAKER*20261125*0415*%u*X*004010~\n",
          ctl, ctl);
}

Test(edi, many_stores_per_lin)
{
    /* 300 stores per LIN, in 30 SDQ segments per ZA code, each code listing
     * them in another order: the union keeps first-seen order */
    s_gen_t g = {0};
    s_put_isa(&g, 1);
    s_put(&g, "ST*852*0001~\nXQ*H*20261118*20261124~\n");
    unsigned nseg = 2;
    const int nst = 300, nlin = 4;
    for (int l = 0; l < nlin; l++) {
        s_put(&g, "LIN*%d*UP*%012d~\n", l + 1, 1000 + l);
        nseg++;
        const char *codes[3] = {"QS", "QA", "QU"};
        for (int c = 0; c < 3; c++) {
            s_put(&g, "ZA*%s~\n", codes[c]);
            nseg++;
            for (int b = 0; b < nst / 10; b++) {
                s_put(&g, "SDQ*EA*92");
                for (int k = 0; k < 10; k++) {
                    int i = b * 10 + k;
                    int store = c == 1 ? nst - 1 - i : i; /* QA lists them backwards */
                    s_put(&g, "*S%04d*%d", store, store * 10 + c);
                }
                s_put(&g, "~\n");
                nseg++;
            }
        }
    }
    s_put(&g, "CTT*%d~\nSE*%u*0001~\nGE*1*1~\nIEA*1*000000001~\n", nlin, nseg + 2);
    size_t sizes[] = {0, 1, 4093};
    for (size_t z = 0; z < 3; z++) {
        ns_test_list_t got = {0};
        s_read(g.p, g.len, NULL, sizes[z], &got);
        cr_assert_eq(got.n, (size_t)(nst * nlin), "%zu records", got.n);
        for (int l = 0; l < nlin; l++) {
            for (int i = 0; i < nst; i++) {
                const char *rec = got.items[l * nst + i];
                char want[256];
                snprintf(want, sizeof want, ",S%04d,%012d,NULL,%d,%d,%d", i, 1000 + l, i * 10,
                         i * 10 + 1, i * 10 + 2);
                const char *tail = strstr(rec, ",S");
                cr_assert(tail && strcmp(tail, want) == 0, "got '%s' want '...%s'", rec, want);
            }
        }
        ns_test_list_free(&got);
    }
    free(g.p);
}

Test(edi, many_sets_across_buffer_refills)
{
    /* about 1.5 MB: 2000 sets in 4 interchanges with a set rejected every
     * 7th; every way of reading gives the same records */
    s_gen_t g = {0};
    size_t want_records = 0, want_rejects = 0;
    for (unsigned x = 0; x < 4; x++) {
        s_put_isa(&g, 100 + x);
        for (unsigned s = 0; s < 500; s++) {
            bool bad = (x * 500 + s) % 7 == 3;
            s_put(&g, "ST*852*%04u~\r\nXQ*H*20261118*20261124~\r\nN1*RL*STORE*92*R%03u~\r\n", s,
                  s % 97);
            for (unsigned l = 0; l < 5; l++)
                s_put(&g,
                      "LIN*%u*UP*%012u*VN*SKU-%u~\r\nZA*QS*%u*EA~\r\nZA*QA~\r\n"
                      "SDQ*EA*92*0001*%u*0002*%u~\r\n",
                      l + 1, s * 10 + l, l, l, l + 1, l + 2);
            s_put(&g, "CTT*%u~\r\nSE*%u*%04u~\r\n", bad ? 4u : 5u, 5 + 5 * 4, s);
            if (bad)
                want_rejects++;
            else
                want_records += 5 * 3;
        }
        s_put(&g, "GE*500*%u~\r\nIEA*1*%09u~\r\n", 100 + x, 100 + x);
    }
    ns_test_list_t whole = {0};
    s_read(g.p, g.len, NULL, 0, &whole);
    size_t nrec = 0, nrej = 0;
    for (size_t i = 0; i < whole.n; i++) {
        if (strstr(whole.items[i], ":R:"))
            nrec++;
        else
            nrej++;
    }
    cr_assert_eq(nrec, want_records);
    cr_assert_eq(nrej, want_rejects);
    size_t sizes[] = {1, 3, 65536};
    for (size_t z = 0; z < 3; z++) {
        ns_test_list_t got = {0};
        s_read(g.p, g.len, NULL, sizes[z], &got);
        char what[32];
        snprintf(what, sizeof what, "chunk %zu", sizes[z]);
        ns_test_same(&got, &whole, what);
        ns_test_list_free(&got);
    }
    ns_test_list_free(&whole);
    free(g.p);
}

Test(edi, element_limit)
{
    /* a segment of 63 elements after its tag is read; one of 64 fails its set */
    for (int nel = 63; nel <= 64; nel++) {
        s_gen_t g = {0};
        s_put_isa(&g, 9);
        s_put(&g, "ST*852*0001~\nXQ*H*20261118*20261124~\nN1*RL*X*92*0031~\nDTM");
        for (int i = 0; i < nel; i++)
            s_put(&g, "*%d", i);
        s_put(&g, "~\nLIN*1*UP*1~\nZA*QS*4*EA~\nSE*7*0001~\nGE*1*9~\nIEA*1*000000009~\n");
        ns_test_list_t got = {0};
        s_read(g.p, g.len, NULL, 0, &got);
        cr_assert_eq(got.n, 1);
        if (nel == 63)
            cr_assert(strstr(got.items[0], ":R:") && strstr(got.items[0], ",0031,1,NULL,4,"), "%s",
                      got.items[0]);
        else
            cr_assert(strstr(got.items[0], ":X:transaction set 0001: segment 'DTM' exceeds the "
                                           "element limit (63 elements)"),
                      "%s", got.items[0]);
        ns_test_list_free(&got);
        free(g.p);
    }
}

Test(edi, long_segment_and_large_set)
{
    /* a segment of 100 KB (over the 64 KiB bound), then a 2 MB set (over
     * the default 1 MiB), then a good set: two rejects, then records */
    s_gen_t g = {0};
    s_put_isa(&g, 7);
    s_put(&g, "ST*852*0001~\nXQ*H*20261118*20261124~\nN1*RL*X*92*0031~\nLIN*1*UP*");
    for (int i = 0; i < 100000; i++)
        s_put(&g, "9");
    s_put(&g, "~\nZA*QS*1*EA~\nSE*6*0001~\n");
    s_put(&g, "ST*852*0002~\nXQ*H*20261118*20261124~\nN1*RL*X*92*0031~\n");
    unsigned n = 0;
    while (g.len < 2500000) {
        s_put(&g, "LIN*%u*UP*%012u~\nZA*QS*1*EA~\n", n + 1, n);
        n++;
    }
    s_put(&g, "SE*%u*0002~\n", 4 + 2 * n);
    s_put(&g, "ST*852*0003~\nXQ*H*20261118*20261124~\nN1*RL*X*92*0031~\nLIN*1*UP*1~\nZA*QU*-2*EA~\n"
              "SE*6*0003~\nGE*3*7~\nIEA*1*000000007~\n");
    size_t sizes[] = {0, 7, 100000};
    for (size_t z = 0; z < 3; z++) {
        ns_test_list_t got = {0};
        s_read(g.p, g.len, NULL, sizes[z], &got);
        cr_assert_eq(got.n, 3);
        cr_assert(strstr(got.items[0], ":X:transaction set 0001: segment exceeds the segment size "
                                       "limit (65536 bytes)"),
                  "%s", got.items[0]);
        cr_assert(strstr(got.items[1],
                         ":X:transaction set 0002: exceeds max_record (1048576 bytes)"),
                  "%s", got.items[1]);
        cr_assert(strstr(got.items[2], ",0031,1,NULL,NULL,NULL,-2"), "%s", got.items[2]);
        ns_test_list_free(&got);
    }
    /* a reject's raw text is its set, cut at max_record */
    ns_reader_t *src = ns_test_mem_reader(g.p, g.len, 0);
    ns_err_t err = {""};
    ns_recsrc_t *r = ns_edi_new(src, NULL, &err);
    ns_record_t rec;
    cr_assert_eq(r->next(r, &rec, &err), NS_REC_REJECT);
    const char *st = strstr(g.p, "ST*852*0001"), *se = strstr(g.p, "SE*6*0001~");
    cr_assert_eq(rec.raw_len, (size_t)(se + 10 - st)); /* the whole set with its long segment */
    cr_assert_eq(r->next(r, &rec, &err), NS_REC_REJECT);
    cr_assert_eq(rec.raw_len, 1024 * 1024);
    r->destroy(r);
    ns_reader_close(&src);
    free(g.p);
}

Test(edi, corrupted_inputs)
{
    /* every test file with random damage (bytes replaced by separators,
     * digits or anything, deleted, duplicated; the tail cut off): never a
     * crash, the invariants of s_read hold, and source reads of 1 and 3
     * bytes give what one unlimited read gives */
    const char *files[] = {"sample.edi",       "pipe_lf.edi",       "two_interchanges.edi",
                           "ctt_mismatch.edi", "bad_sets.edi",      "envelope.edi",
                           "sdq_multi.edi",    "malformed_isa.edi", "garbage.edi"};
    const char alphabet[] = "*~>|^\n\r:'ISAEGTLNZQDX0123456789 ";
    uint32_t x = 2463534242u;
    ns_edi_opts_t o;
    ns_edi_opts_default(&o);
    o.max_record = 300; /* some sets hit the bound too */
    for (size_t f = 0; f < S_N(files); f++) {
        size_t len;
        char *data = ns_test_load("edi", files[f], &len);
        char *m = malloc(len * 2 + 16);
        for (int it = 0; it < 120; it++) {
            memcpy(m, data, len);
            size_t n = len;
            x ^= x << 13, x ^= x >> 17, x ^= x << 5;
            int edits = 1 + (int)(x % 4);
            for (int e = 0; e < edits && n > 1; e++) {
                x ^= x << 13, x ^= x >> 17, x ^= x << 5;
                size_t at = x % n;
                switch ((x >> 20) % 5) {
                case 0:
                    m[at] = alphabet[(x >> 8) % (sizeof alphabet - 1)];
                    break;
                case 1:
                    m[at] = (char)(x >> 8);
                    break;
                case 2:
                    memmove(m + at, m + at + 1, n - at - 1);
                    n--;
                    break;
                case 3: {
                    size_t k = (x >> 8) % 16;
                    if (at + k > n)
                        k = n - at;
                    memmove(m + at + k, m + at, n - at);
                    n += k;
                    break;
                }
                default:
                    n = at + 1;
                    break;
                }
            }
            ns_test_list_t a = {0}, b = {0}, c = {0};
            s_read(m, n, it % 2 ? &o : NULL, 0, &a);
            s_read(m, n, it % 2 ? &o : NULL, 1, &b);
            s_read(m, n, it % 2 ? &o : NULL, 3, &c);
            char what[64];
            snprintf(what, sizeof what, "%s #%d", files[f], it);
            ns_test_same(&b, &a, what);
            ns_test_same(&c, &a, what);
            ns_test_list_free(&a);
            ns_test_list_free(&b);
            ns_test_list_free(&c);
        }
        free(m);
        free(data);
    }
}

Test(edi, sets_outside_groups)
{
    /* a GS without a usable GS06, the set after it, and the GE closing
     * nothing: three rejects; then a good group in the same interchange */
    s_gen_t g = {0};
    s_put(&g, "ISA*00*          *00*          *ZZ*GRANDDEPT      *ZZ*CLOTHMAKER     *261125*0415*"
              "U*00401*000000042*0*P*>~\n"
              "GS*PD*GRANDDEPT*CLOTHMAKER*20261125*0415*G42*X*004010~\n"
              "ST*852*0001~\nXQ*H*20261118*20261124~\nN1*RL*X*92*0031~\nLIN*1*UP*1~\n"
              "ZA*QS*1*EA~\nSE*6*0001~\nGE*1*G42~\n"
              "GS*PD*GRANDDEPT*CLOTHMAKER*20261125*0415*43*X*004010~\n"
              "ST*852*0002~\nXQ*H*20261118*20261124~\nN1*RL*X*92*0031~\nLIN*1*UP*2~\n"
              "ZA*QS*2*EA~\nSE*6*0002~\nGE*1*43~\nIEA*2*000000042~\n");
    const ns_test_want_t w[] = {
        {"GS*", 1, "X:interchange 000000042: GS06 'G42' is not a group control number"},
        {"ST*852*0001", 1, "X:transaction set 0001: not inside a functional group (GS)"},
        {"GE*1*G42", 1, "X:interchange 000000042: GE without a GS"},
        {"LIN*1*UP*2", 1,
         "R:GRANDDEPT,CLOTHMAKER,000000042,43,0002,20261118,20261124,0031,2,NULL,2,NULL,NULL"},
    };
    s_expect_data(g.p, g.len, NULL, w, S_N(w));
    free(g.p);
}
