/*
 * ns_format: from a job's input settings to the reader of its format
 * (ns_records.h): delimited text, JSON, or EDI X12 852, with the job's
 * columns picked out of what the reader produces (JSON paths; EDI field
 * names). The coordinator checks a job with ns_format_check before any task
 * runs, so a column naming a field the format does not have is an error at
 * submit, not a failed task.
 */
#ifndef NS_FORMAT_H
#define NS_FORMAT_H

#include "ns_err.h"
#include "ns_job.h"
#include "ns_records.h"
#include "ns_store.h"

/* Checks that j's columns can be read from its format; 0, or -1 with err
 * naming the column. */
int ns_format_check(const ns_job_t *j, ns_err_t *err);

/* The reader of j's input format over src (a decoded stream whose first
 * byte is object offset first; the split is [start, end)). Its records have
 * the fields of the columns read from the file (not those taken from the
 * object's path), in column order, or are rejects. src is borrowed. */
ns_recsrc_t *ns_format_open(const ns_job_t *j, ns_reader_t *src, uint64_t first, uint64_t start,
                            uint64_t end, ns_err_t *err);

#endif
