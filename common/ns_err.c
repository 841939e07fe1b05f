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
    char old[NS_ERR_MAX];
    memcpy(old, err->msg, sizeof old);
    snprintf(err->msg, sizeof err->msg, "%s: %s", prefix, old);
    return -1;
}

void ns_err_clear(ns_err_t *err)
{
    if (err)
        err->msg[0] = '\0';
}
