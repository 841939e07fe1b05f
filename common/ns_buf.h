/*
 * ns_buf: a growable byte buffer with a maximum size (after curl's dynbuf).
 * Every append past the maximum fails with -1 and leaves the buffer as it
 * was, so no input can make a buffer grow without bound.
 */
#ifndef NS_BUF_H
#define NS_BUF_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
    char *data;  /* bytes; NUL-terminated after every append (not counted in len) */
    size_t len;  /* bytes used */
    size_t cap;  /* bytes allocated */
    size_t max;  /* the most len may ever be */
} ns_buf_t;

void ns_buf_init(ns_buf_t *b, size_t max);
void ns_buf_free(ns_buf_t *b);
void ns_buf_reset(ns_buf_t *b);
/* Appends n bytes; -1 when len would pass max or memory runs out. */
int ns_buf_append(ns_buf_t *b, const void *p, size_t n);
int ns_buf_appendf(ns_buf_t *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Appends s[0..n) as a JSON string literal (quotes, backslash escapes,
 * \uXXXX for control bytes; other bytes as they are). */
int ns_buf_append_json(ns_buf_t *b, const char *s, size_t n);
/* Writes code point cp (below 0x110000) as UTF-8 into o (4 bytes of room);
 * returns the bytes written. */
size_t ns_utf8_put(unsigned long cp, char *o);
/* Makes room for n more bytes and returns where they go (len unchanged). */
char *ns_buf_reserve(ns_buf_t *b, size_t n);

#endif
