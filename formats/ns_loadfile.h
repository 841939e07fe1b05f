/*
 * ns_loadfile: the load-file writer. A load file is what PostgreSQL COPY
 * (text format, DELIMITER '|') and Redshift COPY (DELIMITER '|' ESCAPE
 * NULL AS '\N' ZSTD) both read:
 *   - UTF-8 text, one row per line ending in LF, fields separated by '|';
 *   - NULL written as \N;
 *   - in a value, '\' is written as "\\", '|' as "\|", LF as "\" followed
 *     by LF, CR as "\" followed by CR (the form both COPYs accept);
 *   - values formatted by ns_format_value (dates 2026-11-24, decimals
 *     with their scale, timestamps in UTC without zone).
 * The writer streams into any ns_writer_t (a zstd writer over the store in
 * practice) through a 256 KiB buffer.
 */
#ifndef NS_LOADFILE_H
#define NS_LOADFILE_H

#include "ns_err.h"
#include "ns_row.h"
#include "ns_store.h"

typedef struct ns_loadfile ns_loadfile_t;

/* dst is owned by the load file from here on. */
ns_loadfile_t *ns_loadfile_new(ns_writer_t *dst, const ns_coltype_t *types, int ncols, ns_err_t *err);
int ns_loadfile_write(ns_loadfile_t *lf, const ns_value_t *vals, ns_err_t *err);
/* Rows written so far. */
uint64_t ns_loadfile_rows(const ns_loadfile_t *lf);
/* Flushes and commits dst; frees lf and sets *lfp to NULL. */
int ns_loadfile_commit(ns_loadfile_t **lfp, ns_err_t *err);
/* Aborts dst and frees; accepts NULL. */
void ns_loadfile_abort(ns_loadfile_t **lfp);

/* Escapes one value's text for a load file into out (cap must be at least
 * 2*n); returns the escaped length. */
size_t ns_loadfile_escape(const char *s, size_t n, char *out);

#endif
