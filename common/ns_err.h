/*
 * ns_err: the one error convention of nightshift.
 *
 * A function that can fail returns 0 (or a count) on success and a negative
 * value on failure, and writes a message into the caller's ns_err_t that says
 * what failed on which thing, lowercase, quoting the thing:
 *     cannot open 'file:///raw/pos/x.gz': No such file or directory
 * The caller may prefix context with ns_err_prefix(). Nothing here allocates.
 */
#ifndef NS_ERR_H
#define NS_ERR_H

#include <stddef.h>

#define NS_ERR_MAX 1024

typedef struct {
    char msg[NS_ERR_MAX]; /* the message, NUL-terminated; "" when none */
} ns_err_t;

/* Writes the formatted message into err (if err is not NULL); returns -1. */
int ns_errf(ns_err_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Prepends "PREFIX: " to err's message; returns -1. */
int ns_err_prefix(ns_err_t *err, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Clears err. */
void ns_err_clear(ns_err_t *err);

#endif
