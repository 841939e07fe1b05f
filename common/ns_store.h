/*
 * ns_store: the object-store interface. Everything above it speaks URIs and
 * streams, never files, so the S3 backend can replace the local one.
 *
 * URIs:
 *   file:///abs/path/key    a local directory used as an object store
 *   /abs/path/key           the same, without the scheme
 *   s3://bucket/key         S3 or an S3-compatible server (docs/STORAGE.md)
 *
 * Semantics follow S3: an object is written whole and becomes visible only
 * when its writer commits (the local backend writes a hidden temporary file
 * and renames it into place, which is what a PUT does on S3); listing returns
 * objects whose URI starts with the prefix, in byte order of their keys, in
 * pages; a "directory" is only a prefix. Keys starting with '.' in any path
 * part (temporary files) are never listed.
 *
 * Workload: a map task opens a few hundred small compressed objects, or
 * ranges of a few large ones, and streams them once; a reduce task opens one
 * stream per sorted run at the same time (tens to hundreds); writers stream
 * shuffle runs and load files of up to a few GB. Streams therefore hold a
 * bounded buffer, never a whole object.
 */
#ifndef NS_STORE_H
#define NS_STORE_H

#include "ns_err.h"

#include <stdint.h>
#include <sys/types.h>

#define NS_URI_MAX 2048
#define NS_ETAG_MAX 128

typedef struct {
    char uri[NS_URI_MAX];   /* full URI of the object */
    uint64_t size;          /* bytes */
    char etag[NS_ETAG_MAX]; /* opaque version tag: S3 ETag; local: size-mtime_ns-inode in hex */
} ns_object_t;

/* Called once per listed object, in key order; return nonzero to stop. */
typedef int (*ns_store_list_fn)(const ns_object_t *obj, void *arg);

typedef struct ns_reader ns_reader_t;
typedef struct ns_writer ns_writer_t;

/* Lists every object under prefix (fetching pages as it goes). Returns the
 * number of objects passed to fn, or -1 with err set. A prefix under which
 * nothing exists lists zero objects (not an error). */
long ns_store_list(const char *prefix, ns_store_list_fn fn, void *arg, ns_err_t *err);

/* Size and ETag of one object; -1 with err set if missing ("not found" in
 * the message) or unreadable. */
int ns_store_head(const char *uri, ns_object_t *out, ns_err_t *err);

/* Deletes one object; deleting a missing object succeeds (as on S3). */
int ns_store_delete(const char *uri, ns_err_t *err);
/* Deletes n objects, in batches where the backend has them (S3's
 * DeleteObjects takes 1,000 keys a request). Returns how many could not be
 * deleted (err describes the first), 0 when all are gone. */
long ns_store_delete_many(char *const *uris, int n, ns_err_t *err);

/* Flags of ns_store_open_read. */
enum {
    /* The caller reads the range straight through as fast as it can (map
     * input): the S3 backend keeps several large ranged GETs in flight.
     * Without it a stream holds little memory (a reduce opens dozens). */
    NS_READ_AHEAD = 1u << 0,
};

/* Opens a stream over bytes [offset, offset+length) of uri; length
 * UINT64_MAX means to the end; flags: NS_READ_*. A stream is used by the
 * thread that opened it. NULL with err set on failure ("not found" in the
 * message for a missing object). */
ns_reader_t *ns_store_open_read(const char *uri, uint64_t offset, uint64_t length,
                                unsigned flags, ns_err_t *err);
/* Reads up to n bytes; returns bytes read, 0 at the end of the range, -1
 * with err set on failure. */
ssize_t ns_reader_read(ns_reader_t *r, void *buf, size_t n, ns_err_t *err);
/* Closes the stream; accepts NULL; sets *rp to NULL. */
void ns_reader_close(ns_reader_t **rp);

/* Starts writing uri; nothing is visible until ns_writer_commit. */
ns_writer_t *ns_store_open_write(const char *uri, ns_err_t *err);
int ns_writer_write(ns_writer_t *w, const void *buf, size_t n, ns_err_t *err);
/* Bytes written so far. */
uint64_t ns_writer_size(const ns_writer_t *w);
/* Makes the object visible (durably) and frees the writer; *wp becomes NULL
 * whatever the outcome. */
int ns_writer_commit(ns_writer_t **wp, ns_err_t *err);
/* Discards everything written and frees the writer; accepts NULL. */
void ns_writer_abort(ns_writer_t **wp);

/* Convenience: reads a whole (small) object into a malloc'd buffer of at
 * most max bytes; -1 if larger. *out must be freed by the caller. */
int ns_store_get(const char *uri, size_t max, char **out, size_t *outlen, ns_err_t *err);
/* Convenience: writes a whole object from memory. */
int ns_store_put(const char *uri, const void *data, size_t len, ns_err_t *err);

/* Joins a prefix URI and a relative key with exactly one '/' between them
 * into out (NS_URI_MAX bytes); -1 if too long. */
int ns_uri_join(char *out, const char *prefix, const char *key);

/* ---- backend interface (ns_store_local.c, ns_store_s3.c) ---- */
typedef struct ns_store_backend {
    const char *scheme; /* "file", "s3" */
    long (*list)(const char *prefix, ns_store_list_fn fn, void *arg, ns_err_t *err);
    int (*head)(const char *uri, ns_object_t *out, ns_err_t *err);
    int (*del)(const char *uri, ns_err_t *err);
    /* optional: batch delete; returns the number not deleted */
    long (*del_many)(char *const *uris, int n, ns_err_t *err);
    ns_reader_t *(*open_read)(const char *uri, uint64_t off, uint64_t len, unsigned flags,
                              ns_err_t *err);
    ns_writer_t *(*open_write)(const char *uri, ns_err_t *err);
} ns_store_backend_t;

/* Every reader and writer starts with this header so the generic functions
 * can dispatch; backends embed it as their first member. */
struct ns_reader {
    ssize_t (*read)(ns_reader_t *r, void *buf, size_t n, ns_err_t *err);
    void (*close)(ns_reader_t *r);
};
struct ns_writer {
    int (*write)(ns_writer_t *w, const void *buf, size_t n, ns_err_t *err);
    int (*commit)(ns_writer_t *w, ns_err_t *err); /* frees w */
    void (*abort)(ns_writer_t *w);                /* frees w */
    uint64_t size;                                /* bytes written so far */
};

/* S3 settings for one bucket, overriding the environment's (a job's s3:
 * section): endpoint "https://host[:port]" or NULL, region or NULL,
 * path_style 0/1, or -1 for "path style if an endpoint is given". Setting
 * the same bucket again with the same values is a no-op, with different
 * ones an error (two jobs cannot place one bucket in two places). */
int ns_store_s3_bucket_settings(const char *bucket, const char *endpoint, const char *region,
                                int path_style, ns_err_t *err);

extern const ns_store_backend_t ns_store_local_backend;
extern const ns_store_backend_t ns_store_s3_backend;

#endif
