/*
 * ns_log: one-line log records on stderr:
 *     2026-11-25T04:15:02.113Z INFO  coordinator: job retail_pos-... planned 12 map tasks
 * The level comes from NIGHTSHIFT_LOG (error, warn, info, debug; default info).
 * Never log credentials: callers pass URIs and keys, never secrets.
 */
#ifndef NS_LOG_H
#define NS_LOG_H

typedef enum { NS_LOG_ERROR = 0, NS_LOG_WARN, NS_LOG_INFO, NS_LOG_DEBUG } ns_log_level_t;

/* Sets the component name printed on every line ("coordinator", "worker"). */
void ns_log_set_name(const char *name);
void ns_log_set_level(ns_log_level_t level);
void ns_log(ns_log_level_t level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define ns_error(...) ns_log(NS_LOG_ERROR, __VA_ARGS__)
#define ns_warn(...) ns_log(NS_LOG_WARN, __VA_ARGS__)
#define ns_info(...) ns_log(NS_LOG_INFO, __VA_ARGS__)
#define ns_debug(...) ns_log(NS_LOG_DEBUG, __VA_ARGS__)

/* In a forked child, before exec: stdout and stderr append to path (or go
 * to /dev/null when path is NULL), stdin reads /dev/null. */
void ns_child_stdio(const char *path);

#endif
