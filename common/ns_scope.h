/*
 * ns_scope: which objects a job may reach (docs/SECURITY.md, "Job
 * prefixes").
 *
 * The rule, for every store URI a job names (input.uri, each
 * lookups[].input.uri, output.uri), after variable substitution:
 *
 *   1. it is an absolute local path ("/srv/ns/raw/"), a "file:///..." URI
 *      (no host part) or "s3://bucket/..." with a valid bucket name
 *      (3..63 of a-z 0-9 . - _); nothing else (no relative path, no
 *      "file://host/", no other scheme, no user:password@);
 *   2. no path segment of it is "." or ".." (a segment is the text between
 *      two '/', or after the last one), so no prefix can climb out of
 *      where it seems to point;
 *   3. no control character (bytes 0x01..0x1f and 0x7f);
 *   4. when the cluster has store roots (NIGHTSHIFT_STORE_ROOTS, a
 *      whitespace-separated list of such URIs: local directories and S3
 *      buckets or prefixes), it lies below one of them: it begins with the
 *      root followed by '/'. An input or lookup prefix is listed, so it must
 *      not also match names beside the root ("/srv/ns" would list
 *      "/srv/ns-other/"): only a whole bucket ("s3://acme-raw") may be
 *      given as such. An output URI may be the root itself: the job writes
 *      below "<output.uri>/<job id>/" only.
 *
 * Each variable value substituted into a store URI must hold no ".."
 * segment of its own, so the message names the variable.
 *
 * The coordinator applies the rule when it parses a submitted job (the
 * submit fails, naming the key and the value), every worker again when it
 * parses the job of a task, and the worker checks every object it opens
 * against the job's prefixes (ns_scope_within). Below a local root the
 * local backend follows no symbolic link (ns_scope_local_root).
 *
 * A job's s3.endpoint (where the requests for its buckets go, signed with
 * the process's own keys, with the job's data) is no store URI, and has a
 * rule of its own (ns_scope_check_endpoint): it is this process's own S3
 * endpoint (ns_s3conf: AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL, the
 * profile's endpoint_url) or one listed in NIGHTSHIFT_S3_ENDPOINTS (a
 * whitespace-separated list of http[s]://host[:port]); anything else is
 * refused, also when the variable is unset. The scheme and host[:port] are
 * compared, letter case aside; a path is ignored (the S3 backend ignores
 * it too). The coordinator checks it when it parses a submitted job, the
 * worker when it parses the job of a task and again before it places the
 * job's buckets there (ns_job_apply_storage).
 *
 * Workload: a few calls per job and per task and one per object opened;
 * the roots and endpoints are read once per process.
 */
#ifndef NS_SCOPE_H
#define NS_SCOPE_H

#include "ns_err.h"

#include <stdbool.h>
#include <stddef.h>

#define NS_SCOPE_MAX_ROOTS 32

/* Why uri breaks rules 1-3, as a short phrase in err ("a '..' path
 * segment"); 0 when it keeps them. */
int ns_scope_check_uri(const char *uri, ns_err_t *err);

/* Rule 4: 0 when uri lies below a store root (or there are none); -1 with
 * err set to the reason (naming the roots). listed: uri is a prefix that is
 * listed (input, lookups), so it may not equal a root other than a whole
 * bucket. */
int ns_scope_check_roots(const char *uri, bool listed, ns_err_t *err);

/* Whether the object uri lies under prefix (a byte prefix, as listing
 * means) and keeps rules 1-3; -1 with err set ("'URI' is not under
 * 'PREFIX'") otherwise. */
int ns_scope_within(const char *uri, const char *prefix, ns_err_t *err);

/* Sets the store roots from a whitespace-separated list (NULL: read
 * NIGHTSHIFT_STORE_ROOTS again; "" or unset: no roots). -1 with err set
 * when a root breaks rules 1-3; the roots are then unusable and every
 * ns_scope_check_roots fails with that message (fail closed). Not
 * thread-safe against concurrent checks: call it before starting threads
 * (tests do); without a call, the first check reads the environment once. */
int ns_scope_set_roots(const char *list, ns_err_t *err);

/* How many roots there are (0: jobs are not confined to roots). */
int ns_scope_nroots(void);

/* Whether a job's s3.endpoint may be used (the rule above): 0, or -1 with
 * err set to the reason, which names the rule and NIGHTSHIFT_S3_ENDPOINTS. */
int ns_scope_check_endpoint(const char *endpoint, ns_err_t *err);

/* Sets the allowed endpoints from a whitespace-separated list (NULL: read
 * NIGHTSHIFT_S3_ENDPOINTS again; "" or unset: none but the process's own).
 * -1 with err set when an entry is not http[s]://host[:port] (or holds a
 * user:password@); every ns_scope_check_endpoint then fails with that
 * message (fail closed). Thread safety as ns_scope_set_roots. */
int ns_scope_set_endpoints(const char *list, ns_err_t *err);

/* For the local backend: the length of the directory path of the local
 * root path lies below ("/srv/ns" for "/srv/ns/raw/x"), or 0 when it lies
 * below none. path is a filesystem path (without "file://"). */
size_t ns_scope_local_root(const char *path);

#endif
