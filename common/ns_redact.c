/*
 * ns_redact: masking secrets in connection strings, URLs and free text
 * (ns_redact.h).
 *
 * The connection-string reader follows libpq's own rules (libpq's
 * conninfo_parse and conninfo_uri_parse): key=value pairs separated by
 * blanks, blanks allowed around '=', a value either single-quoted (\ escapes
 * the next byte) or running to the next blank (\ escapes too); a URI is
 * postgresql:// or postgres://, its userinfo runs to the first '@' before
 * any '/', and its query parameters are key=value pairs joined by '&'. A
 * string libpq would refuse is still masked: an unquoted password value
 * swallows the blank-separated words after it that are no key=value (a
 * password with a blank that should have been quoted).
 *
 * Workload: a few calls per error message or log line; strings of at most
 * a few KB.
 */
#include "ns_redact.h"

#include <ctype.h>
#include <stdbool.h>
#include <string.h>
#include <strings.h>

typedef struct {
    char *out;  /* the caller's buffer */
    size_t cap; /* its size (> 0) */
    size_t len; /* bytes written, always < cap */
} s_out_t;

static void s_put(s_out_t *o, const char *s, size_t n)
{
    size_t room = o->cap - 1 - o->len;
    if (n > room)
        n = room;
    memcpy(o->out + o->len, s, n);
    o->len += n;
    o->out[o->len] = '\0';
}

static void s_mask(s_out_t *o)
{
    s_put(o, NS_REDACT_MASK, sizeof NS_REDACT_MASK - 1);
}

static bool s_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

static bool s_word_char(char c)
{
    return isalnum((unsigned char)c) || c == '_' || c == '-';
}

static int s_hex(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10
                                          : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

typedef void (*s_secret_fn)(const char *secret, void *arg);

/* Passes [s, e) to fn as libpq reads it (backslash escapes, or %XX when
 * pct), and the raw text too when that differs. */
static void s_emit(const char *s, const char *e, bool pct, s_secret_fn fn, void *arg)
{
    char raw[1024], dec[1024];
    size_t n = (size_t)(e - s), d = 0;
    if (!fn || n == 0)
        return;
    if (n >= sizeof raw)
        n = sizeof raw - 1;
    memcpy(raw, s, n);
    raw[n] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (!pct && raw[i] == '\\' && i + 1 < n) {
            dec[d++] = raw[++i];
        } else if (pct && raw[i] == '%' && i + 2 < n && s_hex(raw[i + 1]) >= 0 &&
                   s_hex(raw[i + 2]) >= 0) {
            dec[d++] = (char)(s_hex(raw[i + 1]) * 16 + s_hex(raw[i + 2]));
            i += 2;
        } else {
            dec[d++] = raw[i];
        }
    }
    dec[d] = '\0';
    fn(dec, arg);
    if (strcmp(dec, raw))
        fn(raw, arg);
}

/* ---- connection strings ---- */

static bool s_secret_key(const char *k, size_t n)
{
    return (n == 8 && !strncasecmp(k, "password", 8)) ||
           (n == 11 && !strncasecmp(k, "sslpassword", 11));
}

/* After an unquoted secret value ending at p: the end of the words that
 * follow it and are no key=value (nor "key = value"). */
static const char *s_swallow(const char *p)
{
    for (;;) {
        const char *w = p;
        while (s_blank(*w))
            w++;
        if (!*w)
            return p;
        const char *we = w;
        while (*we && !s_blank(*we) && *we != '=')
            we++;
        const char *after = we;
        while (s_blank(*after))
            after++;
        if (*we == '=' || *after == '=')
            return p;
        p = we;
    }
}

/* A postgresql:// URI: copies it to o (when not NULL) with its secrets
 * masked, and passes each secret to fn (when not NULL). */
static void s_pg_uri(const char *ci, s_out_t *o, s_secret_fn fn, void *arg)
{
    const char *p = strstr(ci, "://") + 3;
    if (o)
        s_put(o, ci, (size_t)(p - ci));
    size_t auth = strcspn(p, "@/");
    if (p[auth] == '@') {
        const char *colon = memchr(p, ':', auth);
        if (colon) {
            if (o) {
                s_put(o, p, (size_t)(colon + 1 - p));
                s_mask(o);
            }
            s_emit(colon + 1, p + auth, true, fn, arg);
        } else if (o) {
            s_put(o, p, auth);
        }
        if (o)
            s_put(o, "@", 1);
        p += auth + 1;
    }
    const char *q = strchr(p, '?');
    if (!q) {
        if (o)
            s_put(o, p, strlen(p));
        return;
    }
    if (o)
        s_put(o, p, (size_t)(q + 1 - p));
    p = q + 1;
    while (*p) {
        size_t n = strcspn(p, "&");
        size_t kl = strcspn(p, "=&");
        if (p[kl] == '=' && s_secret_key(p, kl)) {
            if (o) {
                s_put(o, p, kl + 1);
                s_mask(o);
            }
            s_emit(p + kl + 1, p + n, true, fn, arg);
        } else if (o) {
            s_put(o, p, n);
        }
        p += n;
        if (*p == '&') {
            if (o)
                s_put(o, "&", 1);
            p++;
        }
    }
}

/* A key=value string: as s_pg_uri. */
static void s_pg_kv(const char *ci, s_out_t *o, s_secret_fn fn, void *arg)
{
    const char *p = ci;
    while (*p) {
        const char *ks = p;
        while (s_blank(*p))
            p++;
        const char *k = p;
        while (*p && *p != '=' && !s_blank(*p))
            p++;
        size_t kl = (size_t)(p - k);
        while (s_blank(*p))
            p++;
        if (*p != '=') { /* no value: libpq refuses it; copy the word */
            if (o)
                s_put(o, ks, (size_t)(p - ks));
            continue;
        }
        p++;
        while (s_blank(*p))
            p++;
        if (o)
            s_put(o, ks, (size_t)(p - ks));
        bool secret = s_secret_key(k, kl);
        const char *vs, *ve;
        if (*p == '\'') {
            vs = ++p;
            while (*p && *p != '\'') {
                if (*p == '\\' && p[1])
                    p++;
                p++;
            }
            ve = p;
            if (*p)
                p++;
            if (secret) {
                if (o) {
                    s_put(o, "'", 1);
                    s_mask(o);
                    if (*ve)
                        s_put(o, "'", 1);
                }
                s_emit(vs, ve, false, fn, arg);
            } else if (o) {
                s_put(o, vs - 1, (size_t)(p - vs + 1));
            }
            continue;
        }
        vs = p;
        while (*p && !s_blank(*p)) {
            if (*p == '\\' && p[1])
                p++;
            p++;
        }
        ve = p;
        if (!secret) {
            if (o)
                s_put(o, vs, (size_t)(ve - vs));
            continue;
        }
        if (o && ve > vs)
            s_mask(o);
        s_emit(vs, ve, false, fn, arg);
        /* words after it that are no key=value belong to it */
        const char *end = s_swallow(p);
        for (const char *w = p; w < end;) {
            while (w < end && s_blank(*w))
                w++;
            const char *we = w;
            while (we < end && !s_blank(*we))
                we++;
            s_emit(w, we, false, fn, arg);
            w = we;
        }
        p = end;
    }
}

static bool s_is_pg_uri(const char *ci)
{
    return !strncmp(ci, "postgresql://", 13) || !strncmp(ci, "postgres://", 11);
}

char *ns_redact_conninfo(const char *conninfo, char *out, size_t cap)
{
    char tmp[8192];
    s_out_t o = {tmp, sizeof tmp, 0};
    tmp[0] = '\0';
    const char *ci = conninfo ? conninfo : "";
    if (s_is_pg_uri(ci))
        s_pg_uri(ci, &o, NULL, NULL);
    else
        s_pg_kv(ci, &o, NULL, NULL);
    /* a value may be a URI of its own (dbname=postgresql://u:p@h/db) */
    return ns_redact_text(tmp, out, cap);
}

void ns_redact_conninfo_secrets(const char *conninfo, void (*fn)(const char *secret, void *arg),
                                void *arg)
{
    const char *ci = conninfo ? conninfo : "";
    if (s_is_pg_uri(ci))
        s_pg_uri(ci, NULL, fn, arg);
    else
        s_pg_kv(ci, NULL, fn, arg);
}

/* ---- free text ---- */

/* Whether the word [w, w+n) names a secret: it is, or ends with, one of
 * the words below ('-' and '_' alike, any case). */
static bool s_secret_word(const char *w, size_t n)
{
    static const char *const ends[] = {"password", "passwd", "secret", "secret_key",
                                       "secret_access_key", "token", "signature", NULL};
    if (n == 3 && !strncasecmp(w, "pwd", 3))
        return true;
    for (int i = 0; ends[i]; i++) {
        size_t el = strlen(ends[i]);
        if (el > n)
            continue;
        const char *s = w + n - el;
        bool same = true;
        for (size_t k = 0; k < el && same; k++) {
            char a = (char)tolower((unsigned char)s[k]), b = ends[i][k];
            if (a == '-')
                a = '_';
            same = a == b;
        }
        /* a whole word, or a part after a separator (sslpassword is one
         * word; x-amz-security-token ends in a part) */
        if (same && (el == n || !strcmp(ends[i], "password") || !strcmp(ends[i], "passwd") ||
                     s[-1] == '_' || s[-1] == '-'))
            return true;
    }
    return false;
}

/* The userinfo of the authority after "://" at p: masks the password
 * part; returns where to go on from (after what it wrote). */
static const char *s_userinfo(const char *p, s_out_t *o)
{
    size_t n = 0;
    while (p[n] && !s_blank(p[n]) && !strchr("/?#\"'<>", p[n]))
        n++;
    const char *at = NULL;
    for (size_t i = 0; i < n; i++)
        if (p[i] == '@')
            at = p + i;
    if (!at)
        return p;
    const char *colon = memchr(p, ':', (size_t)(at - p));
    if (!colon || colon + 1 == at)
        return p;
    s_put(o, p, (size_t)(colon + 1 - p));
    s_mask(o);
    return at;
}

char *ns_redact_text(const char *text, char *out, size_t cap)
{
    s_out_t o = {out, cap, 0};
    out[0] = '\0';
    const char *p = text ? text : "";
    while (*p && o.len + 1 < o.cap) {
        if (p[0] == ':' && p[1] == '/' && p[2] == '/') {
            s_put(&o, p, 3);
            p = s_userinfo(p + 3, &o);
            continue;
        }
        if (!s_word_char(*p) || (p > text && s_word_char(p[-1]))) {
            s_put(&o, p, 1);
            p++;
            continue;
        }
        const char *w = p;
        while (s_word_char(*p))
            p++;
        size_t wl = (size_t)(p - w);
        bool auth = wl == 13 && !strncasecmp(w, "authorization", 13);
        if (!auth && !s_secret_word(w, wl)) {
            s_put(&o, w, wl);
            continue;
        }
        /* key, an optional closing quote (JSON), blanks, '=' or ':' */
        const char *q = p;
        if (*q == '"' || *q == '\'')
            q++;
        while (*q == ' ' || *q == '\t')
            q++;
        if (*q != '=' && *q != ':') {
            s_put(&o, w, wl);
            continue;
        }
        q++;
        while (*q == ' ' || *q == '\t')
            q++;
        if (auth) { /* the header's value: the rest of the line */
            s_put(&o, w, (size_t)(q - w));
            size_t rest = strcspn(q, "\r\n");
            if (rest)
                s_mask(&o);
            p = q + rest;
            continue;
        }
        if (*q == '"' || *q == '\'') {
            char quote = *q;
            const char *e = q + 1;
            while (*e && *e != quote) {
                if (*e == '\\' && e[1])
                    e++;
                e++;
            }
            s_put(&o, w, (size_t)(q + 1 - w));
            if (e > q + 1)
                s_mask(&o);
            if (*e) {
                s_put(&o, e, 1);
                e++;
            }
            p = e;
            continue;
        }
        const char *e = q;
        while (*e && !s_blank(*e) && !strchr("&;,)]}\"'<>", *e))
            e++;
        s_put(&o, w, (size_t)(q - w));
        if (e > q)
            s_mask(&o);
        p = e;
    }
    return out;
}

int ns_redact_secret(char *s, const char *secret)
{
    size_t n = secret ? strlen(secret) : 0;
    const size_t ml = sizeof NS_REDACT_MASK - 1;
    if (!s || n < 4)
        return 0;
    int count = 0;
    for (char *p = strstr(s, secret); p; p = strstr(p + ml, secret)) {
        memmove(p + ml, p + n, strlen(p + n) + 1);
        memcpy(p, NS_REDACT_MASK, ml);
        count++;
    }
    return count;
}
