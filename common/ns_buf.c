/*
 * ns_buf: growable buffer bounded by a maximum (see ns_buf.h).
 */
#include "ns_buf.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void ns_buf_init(ns_buf_t *b, size_t max)
{
    b->data = NULL;
    b->len = b->cap = 0;
    b->max = max;
}

void ns_buf_free(ns_buf_t *b)
{
    free(b->data);
    b->data = NULL;
    b->len = b->cap = 0;
}

void ns_buf_reset(ns_buf_t *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

int ns_buf_append_json(ns_buf_t *b, const char *s, size_t n)
{
    if (ns_buf_append(b, "\"", 1))
        return -1;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        int rc;
        if (c == '"' || c == '\\')
            rc = ns_buf_appendf(b, "\\%c", c);
        else if (c == '\n')
            rc = ns_buf_append(b, "\\n", 2);
        else if (c < 0x20)
            rc = ns_buf_appendf(b, "\\u%04x", c);
        else
            rc = ns_buf_append(b, &s[i], 1);
        if (rc)
            return -1;
    }
    return ns_buf_append(b, "\"", 1);
}

char *ns_buf_reserve(ns_buf_t *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return NULL;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1)
            cap *= 2;
        char *p = realloc(b->data, cap);
        if (!p)
            return NULL;
        b->data = p;
        b->cap = cap;
    }
    return b->data + b->len;
}

int ns_buf_append(ns_buf_t *b, const void *p, size_t n)
{
    char *dst = ns_buf_reserve(b, n);
    if (!dst)
        return -1;
    if (n)
        memcpy(dst, p, n);
    b->len += n;
    b->data[b->len] = '\0';
    return 0;
}

int ns_buf_appendf(ns_buf_t *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return -1;
    char *dst = ns_buf_reserve(b, (size_t)n);
    if (!dst)
        return -1;
    va_start(ap, fmt);
    vsnprintf(dst, (size_t)n + 1, fmt, ap);
    va_end(ap);
    b->len += (size_t)n;
    return 0;
}

size_t ns_utf8_put(unsigned long cp, char *o)
{
    if (cp < 0x80) {
        o[0] = (char)cp;
        return 1;
    }
    if (cp < 0x800) {
        o[0] = (char)(0xC0 | (cp >> 6));
        o[1] = (char)(0x80 | (cp & 0x3F));
        return 2;
    }
    if (cp < 0x10000) {
        o[0] = (char)(0xE0 | (cp >> 12));
        o[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
        o[2] = (char)(0x80 | (cp & 0x3F));
        return 3;
    }
    o[0] = (char)(0xF0 | (cp >> 18));
    o[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    o[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
    o[3] = (char)(0x80 | (cp & 0x3F));
    return 4;
}
