/*
 * ns_loadfile: writes rows as load-file text, the form PostgreSQL COPY
 * (text format, DELIMITER '|') and Redshift COPY (DELIMITER '|' ESCAPE
 * NULL AS '\N') read (see ns_loadfile.h for the exact escaping).
 *
 * Workload: every reduce task writes all of its output rows through here,
 * millions of rows of a few hundred bytes each, so a row is formatted and
 * escaped straight into one 256 KiB buffer that goes to the destination
 * writer (a zstd writer over the store in practice) whenever it fills; a
 * value longer than the buffer is escaped in pieces. Nothing is allocated
 * per row.
 */
#include "ns_loadfile.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#define S_BUF (256u * 1024u)
#define S_VALUE_MAX 128 /* formatted non-string values are far shorter */

struct ns_loadfile {
    ns_writer_t *dst;     /* destination (owned) */
    ns_coltype_t *types;  /* ncols column types */
    int ncols;            /* columns per row */
    char *buf;            /* pending output, S_BUF bytes */
    size_t len;           /* bytes used in buf */
    uint64_t rows;        /* rows written */
    bool failed;          /* a write failed; the file is unusable */
};

size_t ns_loadfile_escape(const char *s, size_t n, char *out)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        char c = s[i];
        if (c == '\\' || c == '|' || c == '\n' || c == '\r')
            out[k++] = '\\';
        out[k++] = c;
    }
    return k;
}

ns_loadfile_t *ns_loadfile_new(ns_writer_t *dst, const ns_coltype_t *types, int ncols,
                               ns_err_t *err)
{
    if (!dst) {
        ns_errf(err, "load file: no destination stream");
        return NULL;
    }
    if (!types || ncols < 1 || ncols > NS_MAX_COLUMNS) {
        ns_writer_abort(&dst);
        ns_errf(err, "load file: %d columns is not in 1..%d", ncols, NS_MAX_COLUMNS);
        return NULL;
    }
    for (int i = 0; i < ncols; i++) {
        if (types[i].type < NS_T_STRING || types[i].type > NS_T_BOOL) {
            ns_writer_abort(&dst);
            ns_errf(err, "load file: column %d has unknown type %d", i + 1, (int)types[i].type);
            return NULL;
        }
    }
    ns_loadfile_t *lf = calloc(1, sizeof *lf);
    if (lf) {
        lf->types = malloc((size_t)ncols * sizeof *lf->types);
        lf->buf = malloc(S_BUF);
    }
    if (!lf || !lf->types || !lf->buf) {
        if (lf) {
            free(lf->types);
            free(lf->buf);
            free(lf);
        }
        ns_writer_abort(&dst);
        ns_errf(err, "load file: out of memory");
        return NULL;
    }
    memcpy(lf->types, types, (size_t)ncols * sizeof *types);
    lf->ncols = ncols;
    lf->dst = dst;
    return lf;
}

static int s_flush(ns_loadfile_t *lf, ns_err_t *err)
{
    if (lf->len == 0)
        return 0;
    if (ns_writer_write(lf->dst, lf->buf, lf->len, err) < 0) {
        lf->failed = true;
        return -1;
    }
    lf->len = 0;
    return 0;
}

/* Appends n raw bytes (n < S_BUF). */
static int s_put(ns_loadfile_t *lf, const char *p, size_t n, ns_err_t *err)
{
    if (S_BUF - lf->len < n && s_flush(lf, err) < 0)
        return -1;
    memcpy(lf->buf + lf->len, p, n);
    lf->len += n;
    return 0;
}

/* Appends s[0..n) escaped, in pieces when it does not fit. */
static int s_put_escaped(ns_loadfile_t *lf, const char *s, size_t n, ns_err_t *err)
{
    while (n > 0) {
        size_t room = S_BUF - lf->len;
        if (room < 2) {
            if (s_flush(lf, err) < 0)
                return -1;
            continue;
        }
        size_t take = n < room / 2 ? n : room / 2;
        lf->len += ns_loadfile_escape(s, take, lf->buf + lf->len);
        s += take;
        n -= take;
    }
    return 0;
}

static int s_write_row(ns_loadfile_t *lf, const ns_value_t *vals, ns_err_t *err)
{
    for (int i = 0; i < lf->ncols; i++) {
        if (i > 0 && s_put(lf, "|", 1, err) < 0)
            return -1;
        const ns_value_t *v = &vals[i];
        if (v->null) {
            if (s_put(lf, "\\N", 2, err) < 0)
                return -1;
            continue;
        }
        if (lf->types[i].type == NS_T_STRING) {
            if (v->len > 0 && !v->s)
                return ns_errf(err, "load file: column %d: string without bytes", i + 1);
            if (s_put_escaped(lf, v->s, v->len, err) < 0)
                return -1;
            continue;
        }
        char tmp[S_VALUE_MAX];
        size_t k = ns_format_value(&lf->types[i], v, tmp, sizeof tmp);
        if (k >= sizeof tmp)
            return ns_errf(err, "load file: column %d: %s value too long to format", i + 1,
                           ns_type_name(lf->types[i].type));
        /* numbers, dates and t/f never need escaping */
        if (s_put(lf, tmp, k, err) < 0)
            return -1;
    }
    if (s_put(lf, "\n", 1, err) < 0)
        return -1;
    return 0;
}

int ns_loadfile_write(ns_loadfile_t *lf, const ns_value_t *vals, ns_err_t *err)
{
    if (lf->failed)
        return ns_errf(err, "load file: write after an earlier error");
    if (s_write_row(lf, vals, err) < 0) {
        lf->failed = true; /* part of the row may be out: the file is unusable */
        return -1;
    }
    lf->rows++;
    return 0;
}

uint64_t ns_loadfile_rows(const ns_loadfile_t *lf)
{
    return lf ? lf->rows : 0;
}

static void s_free(ns_loadfile_t *lf)
{
    free(lf->types);
    free(lf->buf);
    free(lf);
}

int ns_loadfile_commit(ns_loadfile_t **lfp, ns_err_t *err)
{
    if (!lfp || !*lfp)
        return ns_errf(err, "load file: nothing to commit");
    ns_loadfile_t *lf = *lfp;
    *lfp = NULL;
    int rc;
    if (lf->failed) {
        rc = ns_errf(err, "load file: commit after an earlier error");
        ns_writer_abort(&lf->dst);
    } else if (s_flush(lf, err) < 0) {
        rc = -1;
        ns_writer_abort(&lf->dst);
    } else {
        rc = ns_writer_commit(&lf->dst, err);
    }
    s_free(lf);
    return rc;
}

void ns_loadfile_abort(ns_loadfile_t **lfp)
{
    if (!lfp || !*lfp)
        return;
    ns_loadfile_t *lf = *lfp;
    *lfp = NULL;
    ns_writer_abort(&lf->dst);
    s_free(lf);
}
