/*
 * ns_bookmark: what a job has already processed, so incremental runs (the
 * hourly clickstream, re-sent files) read every object version exactly
 * once (docs/BOOKMARKS.md).
 *
 * One bookmark per job name, an object in the catalog's store:
 *     <catalog>/bookmarks/<job>.tsv
 * a text file any tool can read: a comment line, then one line per object
 *     uri <TAB> etag <TAB> size <TAB> run date <TAB> job id
 * with '%', TAB, CR and LF in a URI written as %25 %09 %0D %0A. An object
 * is "processed" when its URI and ETag are both in the bookmark: a changed
 * object (a new ETag: the weather year file re-published) is processed
 * again, and its line replaced.
 *
 * Workload: a few thousand lines (a month of hourly clickstream files is
 * ~20,000); loaded whole at submit and at commit, looked up by hash.
 */
#ifndef NS_BOOKMARK_H
#define NS_BOOKMARK_H

#include "ns_err.h"
#include "ns_store.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct {
    char *uri;
    char etag[NS_ETAG_MAX];
    uint64_t size;
    char date[11];   /* the run date that processed it, YYYY-MM-DD */
    char job_id[96]; /* the job run that processed it */
} ns_bookmark_ent_t;

typedef struct {
    ns_bookmark_ent_t *e; /* entries, in the order added */
    int n, cap;
    int *index;           /* open addressing on the URI: entry index + 1, 0 empty */
    size_t icap;
} ns_bookmark_t;

/* <catalog>/bookmarks/<job>.tsv into out (NS_URI_MAX bytes). */
int ns_bookmark_uri(const char *catalog, const char *job, char *out, ns_err_t *err);
/* Loads a job's bookmark; a missing one is empty. -1 with err set when it
 * cannot be read or a line is malformed (naming the line). */
int ns_bookmark_load(const char *catalog, const char *job, ns_bookmark_t *b, ns_err_t *err);
/* Writes it (one PUT: readers see the old or the new one). */
int ns_bookmark_save(const char *catalog, const char *job, const ns_bookmark_t *b,
                     ns_err_t *err);
/* Deletes a job's bookmark (reset); a missing one is fine. */
int ns_bookmark_reset(const char *catalog, const char *job, ns_err_t *err);

/* Whether uri was processed in the version etag. */
bool ns_bookmark_has(const ns_bookmark_t *b, const char *uri, const char *etag);
/* Records uri as processed (replacing an earlier line for it). */
int ns_bookmark_add(ns_bookmark_t *b, const char *uri, const char *etag, uint64_t size,
                    const char *date, const char *job_id);
/* Forgets the objects processed by runs dated on or after date (so the
 * next run takes them again); returns how many were dropped. */
int ns_bookmark_rewind(ns_bookmark_t *b, const char *date);
void ns_bookmark_free(ns_bookmark_t *b);

#endif
