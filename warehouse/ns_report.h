/*
 * ns_report: `nightshift report`: runs the CEO's queries (the embedded
 * warehouse/queries/ *.sql, in name order) and writes DIR/index.html (one
 * section per query: title, the query's comment, an SVG chart drawn here,
 * the numbers as a table) and DIR/qN.csv (each result). docs/REPORT.md.
 *
 * A query's leading comment block drives its section:
 *   -- title: TEXT          the section's heading
 *   -- chart: line|bar      line: x = first column, one line per series;
 *                           bar: grouped bars per row
 *   -- plot: COL, COL       the numeric columns drawn (series)
 * and the other comment lines are the description ("--" alone: a new
 * paragraph).
 */
#ifndef NS_REPORT_H
#define NS_REPORT_H

#include "ns_err.h"

#include <libpq-fe.h>

/* Writes the report into dir (created when missing; its parent must
 * exist). 0, or -1 with err set (the failing query named). */
int ns_report_write(PGconn *c, const char *dir, ns_err_t *err);

#endif
