/*
 * Tests of ns_loadfile: escaping, the text of every type, NULL as \N,
 * values longer than the writer's buffer, error handling, and a round trip
 * through a real PostgreSQL COPY (text format, DELIMITER '|') of a plain
 * and a zstd-compressed load file.
 *
 * The COPY tests need a PostgreSQL server: set NS_TEST_PG to a libpq
 * conninfo ("host=/tmp/pg port=5432 user=postgres dbname=postgres"). They
 * fail, not skip, when it is unset.
 */
#include "ns_codec.h"
#include "ns_loadfile.h"
#include "ns_test_util.h"

#include <criterion/criterion.h>
#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <zstd.h>

static ns_value_t s_str(const char *s)
{
    ns_value_t v = {.null = false, .s = s, .len = (uint32_t)strlen(s)};
    return v;
}

static ns_value_t s_num(int64_t i)
{
    ns_value_t v = {.null = false, .i = i};
    return v;
}

static const ns_value_t s_null = {.null = true};

Test(loadfile, escape)
{
    char out[64];
    size_t n = ns_loadfile_escape("a\\b|c\nd\re", 9, out);
    cr_assert_eq(n, 13);
    cr_assert(memcmp(out, "a\\\\b\\|c\\\nd\\\re", 13) == 0);
    cr_assert_eq(ns_loadfile_escape("", 0, out), 0);
    n = ns_loadfile_escape("\\\\||\n\n\r\r", 8, out);
    cr_assert_eq(n, 16); /* the worst case: twice the input */
    cr_assert(memcmp(out, "\\\\\\\\\\|\\|\\\n\\\n\\\r\\\r", 16) == 0);
    n = ns_loadfile_escape("plain \t\"text\" \xC5\xBC", 16, out);
    cr_assert_eq(n, 16);
    cr_assert(memcmp(out, "plain \t\"text\" \xC5\xBC", 16) == 0);
}

/* Writes rows into memory and returns the text (caller frees). */
static char *s_write_rows(const ns_coltype_t *types, int ncols, const ns_value_t *rows, int nrows,
                          size_t *lenp)
{
    ns_test_sink_t sink = {0};
    ns_err_t err = {""};
    ns_loadfile_t *lf = ns_loadfile_new(ns_test_mem_writer(&sink), types, ncols, &err);
    cr_assert(lf, "%s", err.msg);
    for (int r = 0; r < nrows; r++)
        cr_assert_eq(ns_loadfile_write(lf, rows + (size_t)r * (size_t)ncols, &err), 0, "%s",
                     err.msg);
    cr_assert_eq(ns_loadfile_rows(lf), (uint64_t)nrows);
    cr_assert_eq(ns_loadfile_commit(&lf, &err), 0, "%s", err.msg);
    cr_assert_null(lf);
    cr_assert(sink.committed);
    *lenp = sink.len;
    return sink.data ? sink.data : calloc(1, 1);
}

Test(loadfile, every_type)
{
    ns_coltype_t types[] = {
        {NS_T_STRING, 0}, {NS_T_INT, 0},  {NS_T_DECIMAL, 2}, {NS_T_DECIMAL, 0},
        {NS_T_DATE, 0},   {NS_T_TIMESTAMP, 0}, {NS_T_BOOL, 0},
    };
    ns_value_t rows[] = {
        s_str("a|b"), s_num(42), s_num(-1250), s_num(7), s_num(20781),
        s_num(INT64_C(1795549327000000)), s_num(1),
        /* second row: edge values */
        s_str(""), s_num(INT64_MIN), s_num(-5), s_num(-3), s_num(-1),
        s_num(INT64_C(1795549327123456)), s_num(0),
        /* third row: NULLs everywhere */
        s_null, s_null, s_null, s_null, s_null, s_null, s_null,
        /* fourth: more edges */
        s_str("\\N"), s_num(0), s_num(5), s_num(0), s_num(0), s_num(-1), s_num(0),
    };
    size_t len = 0;
    char *text = s_write_rows(types, 7, rows, 4, &len);
    const char *want = "a\\|b|42|-12.50|7|2026-11-24|2026-11-24 19:42:07|t\n"
                       "|-9223372036854775808|-0.05|-3|1969-12-31|2026-11-24 19:42:07.123456|f\n"
                       "\\N|\\N|\\N|\\N|\\N|\\N|\\N\n"
                       "\\\\N|0|0.05|0|1970-01-01|1969-12-31 23:59:59.999999|f\n";
    cr_assert_eq(len, strlen(want), "got:\n%s", text);
    cr_assert_str_eq(text, want);
    free(text);
}

Test(loadfile, tricky_strings)
{
    ns_coltype_t types[] = {{NS_T_STRING, 0}, {NS_T_STRING, 0}};
    ns_value_t rows[] = {
        s_str("back\\slash\\"), s_str("new\nline"), s_str("cr\rlf\r\n"), s_str("|"),
        s_str("\\."),           s_str("x\n\\."),
    };
    size_t len = 0;
    char *text = s_write_rows(types, 2, rows, 3, &len);
    cr_assert_str_eq(text, "back\\\\slash\\\\|new\\\nline\n"
                           "cr\\\rlf\\\r\\\n|\\|\n"
                           "\\\\.|x\\\n\\\\.\n");
    free(text);
}

/* Undoes the load-file escaping of one field (for checking long values). */
static size_t s_unescape(const char *p, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (p[i] == '\\' && i + 1 < n)
            i++;
        out[k++] = p[i];
    }
    return k;
}

Test(loadfile, values_longer_than_the_buffer)
{
    size_t n = 700000;
    char *big = malloc(n);
    for (size_t i = 0; i < n; i++)
        big[i] = "ab|\\\n\rxyz"[i % 10];
    ns_coltype_t types[] = {{NS_T_INT, 0}, {NS_T_STRING, 0}, {NS_T_INT, 0}};
    ns_value_t rows[3 * 3];
    for (int r = 0; r < 3; r++) {
        rows[r * 3] = s_num(r);
        rows[r * 3 + 1] = (ns_value_t){.s = big, .len = (uint32_t)(n - (size_t)r)};
        rows[r * 3 + 2] = s_num(-r);
    }
    size_t len = 0;
    char *text = s_write_rows(types, 3, rows, 3, &len);
    /* each row: "r|<escaped>|-r\n"; find rows by the unescaped LFs */
    char *out = malloc(n);
    const char *p = text, *end = text + len;
    for (int r = 0; r < 3; r++) {
        char head[16];
        snprintf(head, sizeof head, "%d|", r);
        cr_assert(strncmp(p, head, 2) == 0);
        p += 2;
        /* the field ends at the first unescaped '|' */
        size_t i = 0;
        while (p + i < end && p[i] != '|') {
            if (p[i] == '\\')
                i++;
            i++;
        }
        size_t k = s_unescape(p, i, out);
        cr_assert_eq(k, n - (size_t)r);
        cr_assert(memcmp(out, big, k) == 0);
        p += i;
        char tail[16];
        int tl = snprintf(tail, sizeof tail, "|%s%d\n", r ? "-" : "", r);
        cr_assert(strncmp(p, tail, (size_t)tl) == 0);
        p += tl;
    }
    cr_assert_eq(p, end);
    free(out);
    free(text);
    free(big);
}

Test(loadfile, errors_and_abort)
{
    ns_err_t err = {""};
    ns_test_sink_t s1 = {0};
    ns_coltype_t t = {NS_T_INT, 0};
    cr_assert_null(ns_loadfile_new(ns_test_mem_writer(&s1), &t, 0, &err));
    cr_assert(s1.aborted); /* dst was owned: aborted on failure */

    ns_test_sink_t s2 = {0};
    ns_loadfile_t *lf = ns_loadfile_new(ns_test_mem_writer(&s2), &t, 1, &err);
    ns_value_t v = s_num(1);
    cr_assert_eq(ns_loadfile_write(lf, &v, &err), 0);
    ns_loadfile_abort(&lf);
    cr_assert_null(lf);
    cr_assert(s2.aborted);
    cr_assert(!s2.committed);
    ns_loadfile_abort(&lf);

    /* the destination fails while flushing */
    ns_test_sink_t s3 = {.fail_at = 100000};
    ns_coltype_t ts = {NS_T_STRING, 0};
    lf = ns_loadfile_new(ns_test_mem_writer(&s3), &ts, 1, &err);
    char row[1000];
    memset(row, 'r', sizeof row);
    ns_value_t rv = {.s = row, .len = sizeof row};
    int rc = 0;
    for (int i = 0; i < 1000 && rc == 0; i++)
        rc = ns_loadfile_write(lf, &rv, &err);
    cr_assert_eq(rc, -1);
    cr_assert(strstr(err.msg, "injected failure"), "%s", err.msg);
    cr_assert_eq(ns_loadfile_write(lf, &rv, &err), -1);
    cr_assert_eq(ns_loadfile_commit(&lf, &err), -1);
    cr_assert_null(lf);
    cr_assert(s3.aborted);
    cr_assert(!s3.committed);
    free(s2.data);
    free(s3.data);
}

/* ---- PostgreSQL COPY round trip ---- */

#define S_NCOLS 6
#define S_NROWS 6000

static const char *const s_tricky[] = {
    "plain",
    "pipe|in|it",
    "back\\slash",
    "ends with backslash\\",
    "new\nline",
    "cr\rhere",
    "crlf\r\nend",
    "",
    "\\N",
    "\\.",
    "x\n\\.",
    "|",
    "\\",
    "tab\there",
    "unicode: za\xC5\xBC\xC3\xB3\xC5\x82\xC4\x87 \xE6\x97\xA5\xE6\x9C\xAC \xF0\x9F\x8E\x89",
    "'quotes' and \"doubles\"",
    "  spaces  ",
};
#define S_NTRICKY (sizeof s_tricky / sizeof s_tricky[0])

typedef struct {
    char text[96];  /* string column */
    bool text_null; /* NULL string */
    ns_value_t vals[S_NCOLS];
} s_row_t;

static const ns_coltype_t s_types[S_NCOLS] = {
    {NS_T_STRING, 0}, {NS_T_INT, 0},       {NS_T_DECIMAL, 2},
    {NS_T_DATE, 0},   {NS_T_TIMESTAMP, 0}, {NS_T_BOOL, 0},
};

/* Row r of the test table: column 0 is the row number (to order by). */
static void s_make_row(int r, s_row_t *row)
{
    memset(row, 0, sizeof *row);
    uint64_t x = (uint64_t)r * 0x9E3779B97F4A7C15ull + 7;
    const char *t = s_tricky[(size_t)r % S_NTRICKY];
    row->text_null = r % 23 == 5;
    if (r < (int)S_NTRICKY)
        snprintf(row->text, sizeof row->text, "%s", t);
    else
        snprintf(row->text, sizeof row->text, "%s #%d %s", t, r, s_tricky[x % S_NTRICKY]);
    row->vals[0] = row->text_null ? s_null : s_str(row->text);
    row->vals[1] = s_num(r % 7 == 0 ? -(int64_t)(x >> 2) : (int64_t)(x % 100000));
    /* numeric(12,2): |v| < 10^10 */
    int64_t dec = (int64_t)(x % 2000000000000ull) - 1000000000000LL;
    if (r % 11 == 0)
        dec = -(int64_t)(r % 100); /* -0.xx */
    row->vals[2] = r % 13 == 3 ? s_null : s_num(dec);
    row->vals[3] = s_num((int64_t)(x % 80000) - 20000); /* 1915..2189 */
    int64_t us = (int64_t)(x % 6000000000000000ull) - 1000000000000000LL;
    if (r % 2 == 0)
        us -= us % 1000000; /* whole seconds */
    row->vals[4] = r % 17 == 9 ? s_null : s_num(us);
    row->vals[5] = r % 19 == 4 ? s_null : s_num((int64_t)(x >> 7) & 1);
}

static PGconn *s_connect(void)
{
    const char *ci = getenv("NS_TEST_PG");
    cr_assert(ci && *ci,
              "NS_TEST_PG is not set: these tests need a PostgreSQL server; set NS_TEST_PG to "
              "a libpq conninfo, e.g. \"host=/tmp/pg port=5432 user=postgres dbname=postgres\"");
    PGconn *c = PQconnectdb(ci);
    cr_assert(c && PQstatus(c) == CONNECTION_OK, "cannot connect to '%s': %s", ci,
              c ? PQerrorMessage(c) : "out of memory");
    return c;
}

static void s_exec(PGconn *c, const char *sql)
{
    PGresult *res = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(res);
    cr_assert(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql,
              PQerrorMessage(c));
    PQclear(res);
}

/* COPYs text[0..len) into table t, in pieces of various sizes. */
static void s_copy_in(PGconn *c, const char *table, const char *text, size_t len)
{
    char sql[256];
    snprintf(sql, sizeof sql, "COPY %s FROM STDIN (FORMAT text, DELIMITER '|')", table);
    PGresult *res = PQexec(c, sql);
    cr_assert_eq(PQresultStatus(res), PGRES_COPY_IN, "%s: %s", sql, PQerrorMessage(c));
    PQclear(res);
    size_t off = 0, piece = 1;
    while (off < len) {
        size_t k = len - off < piece ? len - off : piece;
        cr_assert_eq(PQputCopyData(c, text + off, (int)k), 1, "%s", PQerrorMessage(c));
        off += k;
        piece = piece * 3 + 1; /* pieces end inside escapes and rows */
        if (piece > 100000)
            piece = 7;
    }
    cr_assert_eq(PQputCopyEnd(c, NULL), 1, "%s", PQerrorMessage(c));
    res = PQgetResult(c);
    cr_assert_eq(PQresultStatus(res), PGRES_COMMAND_OK, "COPY: %s", PQerrorMessage(c));
    PQclear(res);
    while ((res = PQgetResult(c)))
        PQclear(res);
}

/* Selects the table back and compares every value with the rows written. */
static void s_check_table(PGconn *c, const char *table)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "SELECT s, i, n, (n * 100)::bigint, d, (d - date '1970-01-01'), "
             "(extract(epoch from ts) * 1000000)::bigint, b, id "
             "FROM %s ORDER BY id",
             table);
    PGresult *res = PQexec(c, sql);
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(c));
    cr_assert_eq(PQntuples(res), S_NROWS);
    for (int r = 0; r < S_NROWS; r++) {
        s_row_t row;
        s_make_row(r, &row);
        cr_assert_eq(atoi(PQgetvalue(res, r, 8)), r);
        /* text: byte for byte, and NULL vs '' */
        cr_assert_eq(PQgetisnull(res, r, 0), row.text_null, "row %d: NULL mismatch", r);
        if (!row.text_null) {
            cr_assert_eq((size_t)PQgetlength(res, r, 0), strlen(row.text), "row %d", r);
            cr_assert(memcmp(PQgetvalue(res, r, 0), row.text, strlen(row.text)) == 0,
                      "row %d: '%s' != '%s'", r, PQgetvalue(res, r, 0), row.text);
        }
        char want[64];
        snprintf(want, sizeof want, "%" PRId64, row.vals[1].i);
        cr_assert_str_eq(PQgetvalue(res, r, 1), want, "row %d int", r);
        if (row.vals[2].null) {
            cr_assert(PQgetisnull(res, r, 2));
        } else {
            /* the decimal's text as PostgreSQL prints it, and its value */
            char dtext[64];
            size_t k = ns_format_value(&s_types[2], &row.vals[2], dtext, sizeof dtext - 1);
            dtext[k] = '\0';
            cr_assert_str_eq(PQgetvalue(res, r, 2), dtext, "row %d decimal", r);
            snprintf(want, sizeof want, "%" PRId64, row.vals[2].i);
            cr_assert_str_eq(PQgetvalue(res, r, 3), want, "row %d decimal value", r);
        }
        char dtext[64];
        size_t k = ns_format_value(&s_types[3], &row.vals[3], dtext, sizeof dtext - 1);
        dtext[k] = '\0';
        cr_assert_str_eq(PQgetvalue(res, r, 4), dtext, "row %d date", r);
        snprintf(want, sizeof want, "%" PRId64, row.vals[3].i);
        cr_assert_str_eq(PQgetvalue(res, r, 5), want, "row %d date value", r);
        if (row.vals[4].null) {
            cr_assert(PQgetisnull(res, r, 6));
        } else {
            snprintf(want, sizeof want, "%" PRId64, row.vals[4].i);
            cr_assert_str_eq(PQgetvalue(res, r, 6), want, "row %d timestamp", r);
        }
        if (row.vals[5].null)
            cr_assert(PQgetisnull(res, r, 7));
        else
            cr_assert_str_eq(PQgetvalue(res, r, 7), row.vals[5].i ? "t" : "f", "row %d bool", r);
    }
    PQclear(res);
}

/* Writes the test rows (with a leading id column) through w. */
static void s_write_table(ns_writer_t *w)
{
    ns_coltype_t types[S_NCOLS + 1];
    types[0] = (ns_coltype_t){NS_T_INT, 0};
    memcpy(types + 1, s_types, sizeof s_types);
    ns_err_t err = {""};
    ns_loadfile_t *lf = ns_loadfile_new(w, types, S_NCOLS + 1, &err);
    cr_assert(lf, "%s", err.msg);
    for (int r = 0; r < S_NROWS; r++) {
        s_row_t row;
        s_make_row(r, &row);
        ns_value_t vals[S_NCOLS + 1];
        vals[0] = s_num(r);
        memcpy(vals + 1, row.vals, sizeof row.vals);
        cr_assert_eq(ns_loadfile_write(lf, vals, &err), 0, "%s", err.msg);
    }
    cr_assert_eq(ns_loadfile_commit(&lf, &err), 0, "%s", err.msg);
}

static void s_create(PGconn *c, const char *table)
{
    char sql[512];
    snprintf(sql, sizeof sql,
             "CREATE TEMP TABLE %s (id bigint, s text, i bigint, n numeric(12,2), d date, "
             "ts timestamp, b boolean)",
             table);
    s_exec(c, sql);
}

Test(loadfile, postgres_copy_round_trip)
{
    PGconn *c = s_connect();
    s_exec(c, "SET client_encoding TO 'UTF8'");
    s_exec(c, "SET TimeZone TO 'America/New_York'"); /* timestamps stay zone-free */

    /* plain load file */
    ns_test_sink_t plain = {0};
    s_write_table(ns_test_mem_writer(&plain));
    cr_assert(plain.committed);
    cr_assert_gt(plain.len, 256 * 1024, "the writer's buffer was not flushed mid-file");
    s_create(c, "ns_lf_plain");
    s_copy_in(c, "ns_lf_plain", plain.data, plain.len);
    s_check_table(c, "ns_lf_plain");

    /* zstd load file, decompressed here with libzstd directly */
    ns_test_sink_t zs = {0};
    ns_err_t err = {""};
    ns_writer_t *zw = ns_codec_zstd_writer(ns_test_mem_writer(&zs), 3, &err);
    cr_assert(zw, "%s", err.msg);
    s_write_table(zw);
    cr_assert(zs.committed);
    cr_assert_lt(zs.len, plain.len);
    ZSTD_DCtx *dctx = ZSTD_createDCtx();
    char *text = malloc(plain.len + 1);
    ZSTD_inBuffer in = {zs.data, zs.len, 0};
    ZSTD_outBuffer out = {text, plain.len + 1, 0};
    size_t zr = ZSTD_decompressStream(dctx, &out, &in);
    cr_assert(!ZSTD_isError(zr), "%s", ZSTD_getErrorName(zr));
    cr_assert_eq(zr, 0);
    cr_assert_eq(in.pos, zs.len);
    cr_assert_eq(out.pos, plain.len);
    cr_assert(memcmp(text, plain.data, plain.len) == 0);
    ZSTD_freeDCtx(dctx);
    s_create(c, "ns_lf_zstd");
    s_copy_in(c, "ns_lf_zstd", text, out.pos);
    s_check_table(c, "ns_lf_zstd");

    free(text);
    free(zs.data);
    free(plain.data);
    PQfinish(c);
}
