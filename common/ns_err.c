/*
 * ns_err: formats error messages into a caller-owned buffer (see ns_err.h).
 */
#include "ns_err.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

int ns_errf(ns_err_t *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err->msg, sizeof err->msg, fmt, ap);
    va_end(ap);
    return -1;
}

int ns_err_prefix(ns_err_t *err, const char *fmt, ...)
{
    if (!err)
        return -1;
    char prefix[NS_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(prefix, sizeof prefix, fmt, ap);
    va_end(ap);
    /* "prefix: old", cut at the buffer size (the old message loses its tail) */
    char old[NS_ERR_MAX];
    memcpy(old, err->msg, sizeof old);
    old[NS_ERR_MAX - 1] = '\0';
    size_t pl = strnlen(prefix, NS_ERR_MAX - 3), ol = strlen(old);
    if (pl + 2 + ol > NS_ERR_MAX - 1)
        ol = NS_ERR_MAX - 1 - pl - 2;
    memcpy(err->msg, prefix, pl);
    memcpy(err->msg + pl, ": ", 2);
    memcpy(err->msg + pl + 2, old, ol);
    err->msg[pl + 2 + ol] = '\0';
    return -1;
}

void ns_err_clear(ns_err_t *err)
{
    if (err)
        err->msg[0] = '\0';
}
