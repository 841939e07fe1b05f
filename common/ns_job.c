/*
 * ns_job: reads a job definition (docs/JOBS.md) from YAML text and checks
 * everything that can be checked before a byte of input is read.
 *
 * The text is loaded with libyaml's document API and then walked against a
 * fixed schema: every mapping is checked for unknown and duplicate keys,
 * every value for its node kind, range and syntax, and every name for the
 * thing it refers to (input columns from filters and transforms, output
 * columns from the sort, distribution and sum keys). The first problem found
 * is reported as "source:line:column: message", from the start mark of the
 * node that is wrong (or of the mapping that lacks a required key).
 *
 * Workload: one parse per job on the coordinator and one per task on each
 * worker; the text is at most 1 MiB and at most 256 columns, so nothing here
 * is on a hot path. The walk is driven by the schema, never by the shape of
 * the document, so aliases (even cyclic ones) cannot make it recurse.
 */
#include "ns_job.h"
#include "ns_codec.h"
#include "ns_s3conf.h"
#include "ns_scope.h"
#include "ns_store.h"

#include <yaml.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define S_MAX_TEXT ((size_t)1 << 20) /* bytes of job text (max_job_bytes) */
#define S_MAX_DEPTH 32               /* nesting of mappings and sequences (max_job_depth) */
#define S_MAX_NODES 65536            /* YAML nodes: scalars, collections, aliases (max_job_nodes) */
#define S_MAX_URI 4096               /* bytes of a URI after substitution */
#define S_MAX_TABLE 127              /* characters of a table name */
#define S_KIB ((uint64_t)1 << 10)
#define S_MIB ((uint64_t)1 << 20)
#define S_GIB ((uint64_t)1 << 30)
#define S_TIB ((uint64_t)1 << 40)

typedef struct {
    yaml_document_t *doc; /* the loaded document */
    const char *src;      /* source name for messages */
    const ns_var_t *vars; /* --var values */
    int nvars;
    ns_err_t *err; /* where the message goes */
    ns_job_t *job; /* the job being filled */
} s_ctx_t;

/* ---- messages ---- */

static int s_fail(const s_ctx_t *c, const yaml_node_t *n, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int s_fail(const s_ctx_t *c, const yaml_node_t *n, const char *fmt, ...)
{
    char msg[NS_ERR_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    if (!n)
        return ns_errf(c->err, "%s: %s", c->src, msg);
    return ns_errf(c->err, "%s:%zu:%zu: %s", c->src, (size_t)n->start_mark.line + 1,
                   (size_t)n->start_mark.column + 1, msg);
}

static const char *s_kind(const yaml_node_t *n)
{
    if (!n)
        return "nothing";
    switch (n->type) {
    case YAML_SCALAR_NODE: return "scalar";
    case YAML_SEQUENCE_NODE: return "sequence";
    case YAML_MAPPING_NODE: return "mapping";
    default: return "empty node";
    }
}

/* ---- node access ---- */

static yaml_node_t *s_node(const s_ctx_t *c, int index)
{
    return yaml_document_get_node(c->doc, index);
}

static bool s_eq(const yaml_node_t *k, const char *word)
{
    size_t n = strlen(word);
    return k && k->type == YAML_SCALAR_NODE && k->data.scalar.length == n &&
           memcmp(k->data.scalar.value, word, n) == 0;
}

static int s_seq_len(const yaml_node_t *n)
{
    return (int)(n->data.sequence.items.top - n->data.sequence.items.start);
}

/* Checks that n is a mapping whose keys are scalars from keys[] (a NULL-
 * terminated list), each at most once. */
static int s_mapping(const s_ctx_t *c, const yaml_node_t *n, const char *what,
                     const char *const *keys)
{
    if (!n || n->type != YAML_MAPPING_NODE)
        return s_fail(c, n, "%s must be a mapping, not a %s", what, s_kind(n));
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++) {
        const yaml_node_t *k = s_node(c, p->key);
        if (!k || k->type != YAML_SCALAR_NODE)
            return s_fail(c, k ? k : n, "keys of %s must be scalars, not a %s", what, s_kind(k));
        bool known = false;
        for (int i = 0; keys[i] && !known; i++)
            known = s_eq(k, keys[i]);
        int kl = k->data.scalar.length > 64 ? 64 : (int)k->data.scalar.length;
        if (!known)
            return s_fail(c, k, "unknown key '%.*s' in %s", kl, (const char *)k->data.scalar.value,
                          what);
        for (yaml_node_pair_t *q = n->data.mapping.pairs.start; q < p; q++) {
            const yaml_node_t *qk = s_node(c, q->key);
            if (qk && qk->data.scalar.length == k->data.scalar.length &&
                memcmp(qk->data.scalar.value, k->data.scalar.value, k->data.scalar.length) == 0)
                return s_fail(c, k, "duplicate key '%.*s' in %s", kl,
                              (const char *)k->data.scalar.value, what);
        }
    }
    return 0;
}

/* The value of key in mapping n (already checked by s_mapping), or NULL. */
static yaml_node_t *s_get(const s_ctx_t *c, const yaml_node_t *n, const char *key)
{
    for (yaml_node_pair_t *p = n->data.mapping.pairs.start; p < n->data.mapping.pairs.top; p++)
        if (s_eq(s_node(c, p->key), key))
            return s_node(c, p->value);
    return NULL;
}

static int s_need(const s_ctx_t *c, const yaml_node_t *map, const char *key, const char *what,
                  yaml_node_t **out)
{
    *out = s_get(c, map, key);
    if (!*out)
        return s_fail(c, map, "missing key '%s' in %s", key, what);
    return 0;
}

/* A scalar's text (NUL-terminated by libyaml); rejects embedded NULs. */
static int s_scalar(const s_ctx_t *c, const yaml_node_t *n, const char *what, const char **s,
                    size_t *len)
{
    if (!n || n->type != YAML_SCALAR_NODE)
        return s_fail(c, n, "%s must be a scalar, not a %s", what, s_kind(n));
    *s = (const char *)n->data.scalar.value;
    *len = n->data.scalar.length;
    if (memchr(*s, '\0', *len))
        return s_fail(c, n, "%s contains a NUL byte", what);
    return 0;
}

static int s_nonempty(const s_ctx_t *c, const yaml_node_t *n, const char *what, const char **s,
                      size_t *len)
{
    if (s_scalar(c, n, what, s, len))
        return -1;
    if (*len == 0)
        return s_fail(c, n, "%s must not be empty", what);
    return 0;
}

static bool s_alpha(char ch)
{
    return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || ch == '_';
}

static bool s_digit(char ch)
{
    return ch >= '0' && ch <= '9';
}

static bool s_is_ident(const char *s, size_t n)
{
    if (n == 0 || !s_alpha(s[0]))
        return false;
    for (size_t i = 1; i < n; i++)
        if (!s_alpha(s[i]) && !s_digit(s[i]))
            return false;
    return true;
}

/* A column name: [A-Za-z_][A-Za-z0-9_]*, at most NS_JOB_NAME_MAX-1 bytes. */
static int s_ident(const s_ctx_t *c, const yaml_node_t *n, const char *what, char *out)
{
    const char *s = NULL;
    size_t len = 0;
    if (s_nonempty(c, n, what, &s, &len))
        return -1;
    if (len >= NS_JOB_NAME_MAX || !s_is_ident(s, len))
        return s_fail(c, n,
                      "bad %s '%.64s': use letters, digits and '_', starting with a letter or "
                      "'_', at most %d characters",
                      what, s, NS_JOB_NAME_MAX - 1);
    memcpy(out, s, len + 1);
    return 0;
}

/* A job or pool name: [A-Za-z0-9][A-Za-z0-9_-]*, at most NS_JOB_NAME_MAX-1. */
static int s_label(const s_ctx_t *c, const yaml_node_t *n, const char *what, char *out)
{
    const char *s = NULL;
    size_t len = 0;
    if (s_nonempty(c, n, what, &s, &len))
        return -1;
    bool ok = len < NS_JOB_NAME_MAX && (s_alpha(s[0]) || s_digit(s[0])) && s[0] != '_';
    for (size_t i = 1; ok && i < len; i++)
        ok = s_alpha(s[i]) || s_digit(s[i]) || s[i] == '-';
    if (!ok)
        return s_fail(c, n,
                      "bad %s '%.64s': use letters, digits, '_' and '-', starting with a letter "
                      "or digit, at most %d characters",
                      what, s, NS_JOB_NAME_MAX - 1);
    memcpy(out, s, len + 1);
    return 0;
}

static int s_strdup(const s_ctx_t *c, const yaml_node_t *n, const char *s, size_t len, char **out)
{
    char *p = malloc(len + 1);
    if (!p)
        return s_fail(c, n, "out of memory");
    memcpy(p, s, len);
    p[len] = '\0';
    *out = p;
    return 0;
}

static int s_bool(const s_ctx_t *c, const yaml_node_t *n, const char *what, bool *out)
{
    const char *s = NULL;
    size_t len = 0;
    if (s_scalar(c, n, what, &s, &len))
        return -1;
    if (s_eq(n, "true") || s_eq(n, "True") || s_eq(n, "TRUE"))
        *out = true;
    else if (s_eq(n, "false") || s_eq(n, "False") || s_eq(n, "FALSE"))
        *out = false;
    else
        return s_fail(c, n, "bad %s '%.64s': expected true or false", what, s);
    return 0;
}

/* Digits (optionally after a '-') -> value, without overflow. */
static int s_int(const s_ctx_t *c, const yaml_node_t *n, const char *what, int64_t min, int64_t max,
                 int64_t *out)
{
    const char *s = NULL;
    size_t len = 0;
    if (s_scalar(c, n, what, &s, &len))
        return -1;
    size_t i = 0;
    bool neg = len > 0 && s[0] == '-';
    if (neg)
        i++;
    if (i == len)
        return s_fail(c, n, "bad %s '%.64s': expected an integer", what, s);
    uint64_t v = 0;
    for (; i < len; i++) {
        if (!s_digit(s[i]))
            return s_fail(c, n, "bad %s '%.64s': expected an integer", what, s);
        if (v > (UINT64_MAX - 9) / 10)
            return s_fail(c, n, "bad %s '%.64s': out of range %lld..%lld", what, s, (long long)min,
                          (long long)max);
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (v > (uint64_t)INT64_MAX) {
        return s_fail(c, n, "bad %s '%.64s': out of range %lld..%lld", what, s, (long long)min,
                      (long long)max);
    }
    int64_t x = neg ? -(int64_t)v : (int64_t)v;
    if (x < min || x > max)
        return s_fail(c, n, "bad %s '%.64s': out of range %lld..%lld", what, s, (long long)min,
                      (long long)max);
    *out = x;
    return 0;
}

static int s_int32(const s_ctx_t *c, const yaml_node_t *n, const char *what, int min, int max,
                   int *out)
{
    int64_t v;
    if (s_int(c, n, what, min, max, &v))
        return -1;
    *out = (int)v;
    return 0;
}

/* "128MB", "64 KiB", "1048576": units B, K/KB/KiB, M/MB/MiB, G/GB/GiB,
 * T/TB/TiB (any case), all powers of 1024. */
static int s_size(const s_ctx_t *c, const yaml_node_t *n, const char *what, uint64_t min,
                  uint64_t max, uint64_t *out)
{
    const char *s = NULL;
    size_t len = 0;
    if (s_scalar(c, n, what, &s, &len))
        return -1;
    size_t i = 0;
    uint64_t v = 0;
    for (; i < len && s_digit(s[i]); i++) {
        if (v > (UINT64_MAX - 9) / 10)
            return s_fail(c, n, "bad %s '%.64s': too large", what, s);
        v = v * 10 + (uint64_t)(s[i] - '0');
    }
    if (i == 0)
        return s_fail(c, n, "bad %s '%.64s': expected a size like 128MB", what, s);
    while (i < len && s[i] == ' ')
        i++;
    char u[4] = {0};
    size_t ul = len - i;
    if (ul > 3)
        return s_fail(c, n, "bad %s '%.64s': unknown unit (use B, KB, MB, GB or TB)", what, s);
    for (size_t k = 0; k < ul; k++) {
        char ch = s[i + k];
        u[k] = (ch >= 'a' && ch <= 'z') ? (char)(ch - 'a' + 'A') : ch;
    }
    uint64_t mul;
    if (ul == 0 || strcmp(u, "B") == 0)
        mul = 1;
    else if (strcmp(u, "K") == 0 || strcmp(u, "KB") == 0 || strcmp(u, "KIB") == 0)
        mul = S_KIB;
    else if (strcmp(u, "M") == 0 || strcmp(u, "MB") == 0 || strcmp(u, "MIB") == 0)
        mul = S_MIB;
    else if (strcmp(u, "G") == 0 || strcmp(u, "GB") == 0 || strcmp(u, "GIB") == 0)
        mul = S_GIB;
    else if (strcmp(u, "T") == 0 || strcmp(u, "TB") == 0 || strcmp(u, "TIB") == 0)
        mul = S_TIB;
    else
        return s_fail(c, n, "bad %s '%.64s': unknown unit (use B, KB, MB, GB or TB)", what, s);
    if (v > UINT64_MAX / mul)
        return s_fail(c, n, "bad %s '%.64s': too large", what, s);
    v *= mul;
    if (v < min || v > max)
        return s_fail(c, n, "bad %s '%.64s': must be between %llu and %llu bytes", what, s,
                      (unsigned long long)min, (unsigned long long)max);
    *out = v;
    return 0;
}

/* A fraction 0..1 written as digits with an optional point: "0.01", "1". */
static int s_fraction(const s_ctx_t *c, const yaml_node_t *n, const char *what, double *out)
{
    const char *s = NULL;
    size_t len = 0;
    if (s_scalar(c, n, what, &s, &len))
        return -1;
    double v = 0, scale = 1;
    size_t i = 0, digits = 0;
    for (; i < len && s_digit(s[i]) && digits < 18; i++, digits++)
        v = v * 10 + (s[i] - '0');
    if (i < len && s[i] == '.') {
        for (i++; i < len && s_digit(s[i]) && digits < 18; i++, digits++) {
            scale /= 10;
            v += (s[i] - '0') * scale;
        }
    }
    if (digits == 0 || i != len)
        return s_fail(c, n, "bad %s '%.64s': expected a number like 0.01", what, s);
    if (v > 1.0)
        return s_fail(c, n, "bad %s '%.64s': must be between 0 and 1", what, s);
    *out = v;
    return 0;
}

/* "none" -> -1, or a single ASCII byte. */
static int s_char(const s_ctx_t *c, const yaml_node_t *n, const char *what, bool allow_none,
                  int *out)
{
    const char *s = NULL;
    size_t len = 0;
    if (s_scalar(c, n, what, &s, &len))
        return -1;
    if (allow_none && s_eq(n, "none")) {
        *out = -1;
        return 0;
    }
    unsigned char ch = len == 1 ? (unsigned char)s[0] : 0;
    if (len != 1 || ch >= 0x80 || ch == '\n' || ch == '\r')
        return s_fail(c, n, "bad %s '%.64s': expected one ASCII character other than CR or LF%s",
                      what, s, allow_none ? ", or none" : "");
    *out = ch;
    return 0;
}

/* One of words[] (NULL-terminated) -> its index. */
static int s_enum(const s_ctx_t *c, const yaml_node_t *n, const char *what,
                  const char *const *words, int *out)
{
    const char *s = NULL;
    size_t len = 0;
    if (s_scalar(c, n, what, &s, &len))
        return -1;
    char list[256] = "";
    size_t used = 0;
    for (int i = 0; words[i]; i++) {
        if (s_eq(n, words[i])) {
            *out = i;
            return 0;
        }
        int w = snprintf(list + used, sizeof list - used, "%s%s", i ? ", " : "", words[i]);
        if (w > 0 && (size_t)w < sizeof list - used)
            used += (size_t)w;
    }
    return s_fail(c, n, "bad %s '%.64s': expected one of %s", what, s, list);
}

static int s_type(const s_ctx_t *c, const yaml_node_t *n, const char *what, ns_coltype_t *out)
{
    const char *s = NULL;
    size_t len = 0;
    if (s_nonempty(c, n, what, &s, &len))
        return -1;
    ns_err_t e;
    ns_err_clear(&e);
    if (ns_coltype_parse(s, out, &e))
        return s_fail(c, n, "%s in %s", e.msg[0] ? e.msg : "bad type", what);
    return 0;
}

/* ---- variables ---- */

static const char *s_var(const s_ctx_t *c, const char *name, size_t len)
{
    for (int i = 0; i < c->nvars; i++) {
        const char *vn = c->vars[i].name;
        if (vn && c->vars[i].value && strlen(vn) == len && memcmp(vn, name, len) == 0)
            return c->vars[i].value;
    }
    return NULL;
}

/* The run date must be a real YYYY-MM-DD date. */
static int s_check_date(const s_ctx_t *c, const yaml_node_t *n, const char *what, const char *d)
{
    int64_t days;
    if (strlen(d) != 10 || ns_parse_date(d, 10, &days, NULL))
        return s_fail(c, n, "bad date '%.64s' for variable 'date' in %s: expected YYYY-MM-DD", d,
                      what);
    return 0;
}

/* The value of variable name, deriving yyyymmdd from date; ymd is scratch. */
static int s_var_value(const s_ctx_t *c, const yaml_node_t *n, const char *what, const char *name,
                       size_t len, char ymd[9], const char **out)
{
    bool is_ymd = len == 8 && memcmp(name, "yyyymmdd", 8) == 0;
    bool is_date = len == 4 && memcmp(name, "date", 4) == 0;
    const char *v = s_var(c, name, len);
    if (!v && is_ymd) {
        const char *d = s_var(c, "date", 4);
        if (d) {
            if (s_check_date(c, n, what, d))
                return -1;
            memcpy(ymd, d, 4);
            memcpy(ymd + 4, d + 5, 2);
            memcpy(ymd + 6, d + 8, 2);
            ymd[8] = '\0';
            v = ymd;
        }
    } else if (v && is_date && s_check_date(c, n, what, v)) {
        return -1;
    }
    /* a value may not climb out of where the URI points (ns_scope.h) */
    for (const char *sg = v; sg;) {
        size_t sl = strcspn(sg, "/");
        if (sl == 2 && sg[0] == '.' && sg[1] == '.')
            return s_fail(c, n, "variable '%.*s' in %s is '%.200s': a '..' path segment is not "
                                "allowed",
                          (int)len, name, what, v);
        sg = sg[sl] ? sg + sl + 1 : NULL;
    }
    if (!v) {
        if (is_date || is_ymd)
            return s_fail(c, n, "variable '%.*s' in %s has no value (give the run date)", (int)len,
                          name, what);
        return s_fail(c, n, "variable '%.*s' in %s has no value (give it with --var %.*s=VALUE)",
                      (int)len, name, what, (int)len, name);
    }
    *out = v;
    return 0;
}

/* A URI with {name} replaced by variable values; "{{" and "}}" are literal
 * braces. */
static int s_uri(const s_ctx_t *c, const yaml_node_t *n, const char *what, char **out)
{
    const char *s = NULL;
    size_t len = 0;
    if (s_nonempty(c, n, what, &s, &len))
        return -1;
    char buf[S_MAX_URI + 1];
    size_t o = 0;
    for (size_t i = 0; i < len;) {
        const char *piece = s + i;
        size_t plen = 1;
        char ymd[9];
        if (s[i] == '{' && i + 1 < len && s[i + 1] == '{') {
            i += 2;
        } else if (s[i] == '}' && i + 1 < len && s[i + 1] == '}') {
            i += 2;
        } else if (s[i] == '{') {
            size_t j = i + 1;
            while (j < len && s[j] != '}' && j - i <= NS_JOB_NAME_MAX)
                j++;
            if (j >= len || s[j] != '}' || !s_is_ident(s + i + 1, j - i - 1))
                return s_fail(c, n,
                              "bad variable reference in %s at byte %zu: expected {name} "
                              "(write {{ for a literal brace)",
                              what, i + 1);
            if (s_var_value(c, n, what, s + i + 1, j - i - 1, ymd, &piece))
                return -1;
            plen = strlen(piece);
            i = j + 1;
        } else {
            if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
                return s_fail(c, n, "%s contains a control character", what);
            i++;
        }
        if (o + plen > S_MAX_URI)
            return s_fail(c, n, "%s is longer than %d bytes", what, S_MAX_URI);
        memcpy(buf + o, piece, plen);
        o += plen;
    }
    for (size_t k = 0; k < o; k++)
        if ((unsigned char)buf[k] < 0x20 || buf[k] == 0x7f)
            return s_fail(c, n, "%s contains a control character after substitution", what);
    return s_strdup(c, n, buf, o, out);
}

/* A store URI a job names (key what, node n) keeps the rule of ns_scope.h;
 * listed: a prefix that is listed (input, lookups). */
static int s_scope(const s_ctx_t *c, const yaml_node_t *n, const char *what, const char *uri,
                   bool listed)
{
    ns_err_t why;
    if (ns_scope_check_uri(uri, &why) || ns_scope_check_roots(uri, listed, &why))
        return s_fail(c, n, "%s '%.512s' is refused: %s (a job reads and writes only below "
                            "its own prefixes; docs/SECURITY.md)",
                      what, uri, why.msg);
    return 0;
}

/* ---- columns ---- */

static int s_in_index(const ns_job_t *j, const char *name, size_t len)
{
    for (int i = 0; i < j->nin; i++)
        if (strlen(j->in[i].name) == len && memcmp(j->in[i].name, name, len) == 0)
            return i;
    return -1;
}

/* An input column referenced by name from what. */
static int s_in_ref(const s_ctx_t *c, const yaml_node_t *n, const char *what, int *out)
{
    const char *s = NULL;
    size_t len = 0;
    if (s_nonempty(c, n, what, &s, &len))
        return -1;
    int i = s_in_index(c->job, s, len);
    if (i < 0)
        return s_fail(c, n, "unknown input column '%.64s' in %s", s, what);
    *out = i;
    return 0;
}

/* An output column referenced by name from what. */
static int s_out_ref(const s_ctx_t *c, const yaml_node_t *n, const char *what, int *out)
{
    const char *s = NULL;
    size_t len = 0;
    if (s_nonempty(c, n, what, &s, &len))
        return -1;
    int i = len < NS_JOB_NAME_MAX ? ns_job_out_index(c->job, s) : -1;
    if (i < 0)
        return s_fail(c, n, "unknown output column '%.64s' in %s", s, what);
    *out = i;
    return 0;
}

/* A non-empty sequence of distinct output column names. */
static int s_out_list(const s_ctx_t *c, const yaml_node_t *n, const char *what, int *cols,
                      int *ncols)
{
    if (!n || n->type != YAML_SEQUENCE_NODE)
        return s_fail(c, n, "%s must be a sequence of output column names, not a %s", what,
                      s_kind(n));
    int count = s_seq_len(n);
    if (count == 0)
        return s_fail(c, n, "%s must name at least one output column", what);
    if (count > NS_MAX_COLUMNS)
        return s_fail(c, n, "%s names more than %d columns", what, NS_MAX_COLUMNS);
    for (int i = 0; i < count; i++) {
        const yaml_node_t *item = s_node(c, n->data.sequence.items.start[i]);
        if (s_out_ref(c, item, what, &cols[i]))
            return -1;
        for (int k = 0; k < i; k++)
            if (cols[k] == cols[i])
                return s_fail(c, item, "column '%s' appears twice in %s", c->job->out[cols[i]].name,
                              what);
    }
    *ncols = count;
    return 0;
}

/* ---- sections ---- */

static int s_input_columns(s_ctx_t *c, const yaml_node_t *n)
{
    ns_job_t *j = c->job;
    if (!n || n->type != YAML_SEQUENCE_NODE)
        return s_fail(c, n, "input.columns must be a sequence, not a %s", s_kind(n));
    int count = s_seq_len(n);
    if (count == 0)
        return s_fail(c, n, "input.columns must list at least one column");
    if (count > NS_MAX_COLUMNS)
        return s_fail(c, s_node(c, n->data.sequence.items.start[NS_MAX_COLUMNS]),
                      "more than %d input columns", NS_MAX_COLUMNS);
    j->in = calloc((size_t)count, sizeof *j->in);
    if (!j->in)
        return s_fail(c, n, "out of memory");
    static const char *const keys[] = {"name", "type", "number", "date_format", "path", "from_path",
                                       NULL};
    static const char *const nums[] = {"plain", "grouped", "money", NULL};
    for (int i = 0; i < count; i++) {
        const yaml_node_t *item = s_node(c, n->data.sequence.items.start[i]);
        char what[64];
        snprintf(what, sizeof what, "input.columns[%d]", i);
        yaml_node_t *nn, *tn;
        if (s_mapping(c, item, what, keys) || s_need(c, item, "name", what, &nn) ||
            s_need(c, item, "type", what, &tn) || s_ident(c, nn, "column name", j->in[i].name))
            return -1;
        if (s_in_index(j, j->in[i].name, strlen(j->in[i].name)) >= 0)
            return s_fail(c, nn, "duplicate input column '%s'", j->in[i].name);
        j->nin = i + 1;
        if (s_type(c, tn, what, &j->in[i].type))
            return -1;
        yaml_node_t *v;
        int k;
        if ((v = s_get(c, item, "number"))) {
            if (s_enum(c, v, "number", nums, &k))
                return -1;
            if (k && j->in[i].type.type != NS_T_INT && j->in[i].type.type != NS_T_DECIMAL)
                return s_fail(c, v, "number: %s applies to int and decimal columns only", nums[k]);
            j->in[i].number = (ns_numfmt_t)k;
        }
        if ((v = s_get(c, item, "date_format"))) {
            static const char *const dfs[] = {"yyyy-mm-dd", "yyyymmdd", NULL};
            if (s_enum(c, v, "date_format", dfs, &k))
                return -1;
            if (j->in[i].type.type != NS_T_DATE)
                return s_fail(c, v, "date_format applies to date columns only");
            j->in[i].number = k ? NS_DATE_BASIC : NS_NUM_PLAIN;
        }
        if ((v = s_get(c, item, "from_path"))) {
            char pk[NS_JOB_NAME_MAX];
            if (s_get(c, item, "path"))
                return s_fail(c, v, "give 'path' or 'from_path', not both");
            if (s_label(c, v, "from_path key", pk) ||
                s_strdup(c, v, pk, strlen(pk), &j->in[i].path_key))
                return -1;
        }
        if ((v = s_get(c, item, "path"))) {
            const char *ps = NULL;
            size_t pl = 0;
            if (j->format == NS_FORMAT_DELIMITED)
                return s_fail(c, v, "path applies to json and edi inputs (columns of delimited "
                                    "input are taken in file order)");
            if (s_nonempty(c, v, "path", &ps, &pl) || s_strdup(c, v, ps, pl, &j->in[i].path))
                return -1;
        }
    }
    return 0;
}

static int s_input(s_ctx_t *c, const yaml_node_t *n)
{
    static const char *const keys[] = {"uri",         "format",          "delimiter",    "quote",
                                       "escape",      "quoted_newlines", "skip_lines",   "header",
                                       "compression", "split_size",      "max_record",   "columns",
                                       "encoding",    "trim",            "concatenated", "explode",
                                       "max_depth",   "max_segments",    "max_ratio",
                                       "max_interchange_segments",       NULL};
    ns_job_t *j = c->job;
    yaml_node_t *v, *u, *cols;
    if (s_mapping(c, n, "input", keys) || s_need(c, n, "uri", "input", &u) ||
        s_need(c, n, "columns", "input", &cols) || s_uri(c, u, "input.uri", &j->input_uri))
        return -1;
    int k;
    static const char *const formats[] = {"delimited", "json", "edi", NULL};
    if ((v = s_get(c, n, "format"))) {
        if (s_enum(c, v, "input.format", formats, &k))
            return -1;
        j->format = (ns_format_kind_t)(k + 1);
    }
    static const char *const encs[] = {"utf-8", "utf-16", NULL};
    if ((v = s_get(c, n, "encoding"))) {
        if (s_enum(c, v, "input.encoding", encs, &k))
            return -1;
        j->encoding = (ns_encoding_t)k;
    }
    if ((v = s_get(c, n, "trim")) && s_bool(c, v, "input.trim", &j->trim))
        return -1;
    if ((v = s_get(c, n, "concatenated"))) {
        if (j->format != NS_FORMAT_JSON)
            return s_fail(c, v, "input.concatenated applies to json input only");
        if (s_bool(c, v, "input.concatenated", &j->concatenated))
            return -1;
    }
    if ((v = s_get(c, n, "explode"))) {
        const char *es = NULL;
        size_t el = 0;
        if (j->format != NS_FORMAT_JSON)
            return s_fail(c, v, "input.explode applies to json input only");
        if (s_nonempty(c, v, "input.explode", &es, &el) || s_strdup(c, v, es, el, &j->explode))
            return -1;
    }
    if (j->format != NS_FORMAT_DELIMITED) {
        static const char *const dkeys[] = {"delimiter", "quote", "escape", "quoted_newlines",
                                            "skip_lines", "header", "trim", NULL};
        for (int d = 0; dkeys[d]; d++)
            if ((v = s_get(c, n, dkeys[d])))
                return s_fail(c, v, "input.%s applies to delimited input only", dkeys[d]);
        j->header_lines = 0;
    }
    int delim = j->delimiter;
    if ((v = s_get(c, n, "delimiter")) && s_char(c, v, "input.delimiter", false, &delim))
        return -1;
    j->delimiter = (char)delim;
    if ((v = s_get(c, n, "quote")) && s_char(c, v, "input.quote", true, &j->quote))
        return -1;
    if (j->quote == delim)
        return s_fail(c, v, "input.quote must differ from input.delimiter");
    if ((v = s_get(c, n, "escape")) && s_char(c, v, "input.escape", true, &j->escape))
        return -1;
    if (j->escape == delim || (j->escape >= 0 && j->escape == j->quote))
        return s_fail(c, v, "input.escape must differ from input.delimiter and input.quote");
    if ((v = s_get(c, n, "quoted_newlines")) &&
        s_bool(c, v, "input.quoted_newlines", &j->quoted_newlines))
        return -1;
    if (j->quoted_newlines && j->quote < 0)
        return s_fail(c, v, "input.quoted_newlines needs a quote character");
    if ((v = s_get(c, n, "skip_lines")) &&
        s_int32(c, v, "input.skip_lines", 0, 1000, &j->skip_lines))
        return -1;
    bool header = j->header_lines > 0;
    if ((v = s_get(c, n, "header")) && s_bool(c, v, "input.header", &header))
        return -1;
    j->header_lines = header ? 1 : 0;
    static const char *const comp[] = {"auto", "none", "gzip", "zstd", NULL};
    if ((v = s_get(c, n, "compression"))) {
        if (s_enum(c, v, "input.compression", comp, &k))
            return -1;
        free(j->compression);
        j->compression = NULL;
        if (s_strdup(c, v, comp[k], strlen(comp[k]), &j->compression))
            return -1;
    }
    if ((v = s_get(c, n, "split_size")) &&
        s_size(c, v, "input.split_size", 1, S_TIB, &j->split_bytes))
        return -1;
    if ((v = s_get(c, n, "max_record")) &&
        s_size(c, v, "input.max_record", 1, 64 * S_MIB, &j->max_record))
        return -1;
    /* the reader limits (formats/ns_json.h, ns_edi.h) and the bomb guard */
    if ((v = s_get(c, n, "max_depth"))) {
        if (j->format != NS_FORMAT_JSON)
            return s_fail(c, v, "input.max_depth applies to json input only");
        if (s_int32(c, v, "input.max_depth", 1, 1024, &j->max_depth))
            return -1;
    }
    static const char *const ekeys[] = {"max_segments", "max_interchange_segments", NULL};
    int *evals[] = {&j->max_segments, &j->max_interchange_segments};
    static const int emax[] = {1 << 28, 1 << 30};
    for (int e = 0; ekeys[e]; e++) {
        char what[64];
        snprintf(what, sizeof what, "input.%s", ekeys[e]);
        if (!(v = s_get(c, n, ekeys[e])))
            continue;
        if (j->format != NS_FORMAT_EDI)
            return s_fail(c, v, "%s applies to edi input only", what);
        if (s_int32(c, v, what, 1, emax[e], evals[e]))
            return -1;
    }
    if ((v = s_get(c, n, "max_ratio")) &&
        s_int32(c, v, "input.max_ratio", 1, 100000, &j->max_ratio))
        return -1;
    return s_input_columns(c, cols);
}

static int s_cond(s_ctx_t *c, const yaml_node_t *n, int idx, ns_cond_t *f)
{
    static const char *const keys[] = {"column", "op", "value", "values", NULL};
    static const char *const ops[] = {"eq",   "ne",       "in",        "not_in",
                                      "null", "not_null", "ends_with", NULL};
    static const ns_op_t opv[] = {NS_OP_EQ,   NS_OP_NE,       NS_OP_IN,       NS_OP_NOT_IN,
                                  NS_OP_NULL, NS_OP_NOT_NULL, NS_OP_ENDS_WITH};
    char what[64];
    snprintf(what, sizeof what, "filter[%d]", idx);
    yaml_node_t *cn, *on;
    int k;
    if (s_mapping(c, n, what, keys) || s_need(c, n, "column", what, &cn) ||
        s_need(c, n, "op", what, &on) || s_in_ref(c, cn, what, &f->column) ||
        s_enum(c, on, "op", ops, &k))
        return -1;
    f->op = opv[k];
    yaml_node_t *val = s_get(c, n, "value"), *vals = s_get(c, n, "values");
    const char *opname = ops[k];
    const char *s = NULL;
    size_t len = 0;
    switch (f->op) {
    case NS_OP_EQ:
    case NS_OP_NE:
    case NS_OP_ENDS_WITH:
        if (vals)
            return s_fail(c, vals, "op '%s' takes 'value', not 'values', in %s", opname, what);
        if (!val)
            return s_fail(c, n, "op '%s' needs 'value' in %s", opname, what);
        if (s_scalar(c, val, "filter value", &s, &len) || s_strdup(c, val, s, len, &f->values[0]))
            return -1;
        f->nvalues = 1;
        break;
    case NS_OP_IN:
    case NS_OP_NOT_IN:
        if (val)
            return s_fail(c, val, "op '%s' takes 'values', not 'value', in %s", opname, what);
        if (!vals)
            return s_fail(c, n, "op '%s' needs 'values' in %s", opname, what);
        if (vals->type != YAML_SEQUENCE_NODE)
            return s_fail(c, vals, "values of %s must be a sequence, not a %s", what, s_kind(vals));
        if (s_seq_len(vals) == 0 || s_seq_len(vals) > NS_JOB_MAX_VALUES)
            return s_fail(c, vals, "values of %s must list 1 to %d values", what,
                          NS_JOB_MAX_VALUES);
        for (int i = 0; i < s_seq_len(vals); i++) {
            const yaml_node_t *item = s_node(c, vals->data.sequence.items.start[i]);
            if (s_scalar(c, item, "filter value", &s, &len) ||
                s_strdup(c, item, s, len, &f->values[i]))
                return -1;
            f->nvalues = i + 1;
        }
        break;
    default:
        if (val || vals)
            return s_fail(c, val ? val : vals, "op '%s' takes no value in %s", opname, what);
        break;
    }
    return 0;
}

static int s_filter(s_ctx_t *c, const yaml_node_t *n)
{
    ns_job_t *j = c->job;
    if (n->type != YAML_SEQUENCE_NODE)
        return s_fail(c, n, "filter must be a sequence, not a %s", s_kind(n));
    int count = s_seq_len(n);
    if (count > NS_MAX_COLUMNS)
        return s_fail(c, n, "filter has more than %d conditions", NS_MAX_COLUMNS);
    if (count == 0)
        return 0;
    j->filter = calloc((size_t)count, sizeof *j->filter);
    if (!j->filter)
        return s_fail(c, n, "out of memory");
    for (int i = 0; i < count; i++) {
        j->nfilter = i + 1; /* counted first so that destroy frees partial values */
        if (s_cond(c, s_node(c, n->data.sequence.items.start[i]), i, &j->filter[i]))
            return -1;
    }
    return 0;
}

static bool s_castable(const ns_coltype_t *from, const ns_coltype_t *to)
{
    return from->type == to->type || (from->type == NS_T_INT && to->type == NS_T_DECIMAL);
}

static void s_type_text(const ns_coltype_t *t, char *buf, size_t cap)
{
    if (t->type == NS_T_DECIMAL)
        snprintf(buf, cap, "decimal(scale %d)", t->scale);
    else
        snprintf(buf, cap, "%s", ns_type_name(t->type));
}

/* Checks that the constant text parses as the output type. */
static int s_const_check(const s_ctx_t *c, const yaml_node_t *n, const ns_outcol_t *o)
{
    const char *s = o->value;
    size_t len = strlen(s);
    ns_err_t e;
    ns_err_clear(&e);
    int64_t x;
    int rc = 0;
    switch (o->type.type) {
    case NS_T_STRING: break;
    case NS_T_INT: rc = ns_parse_int(s, len, &x, &e); break;
    case NS_T_DECIMAL: rc = ns_parse_decimal(s, len, o->type.scale, &x, &e); break;
    case NS_T_DATE: rc = ns_parse_date(s, len, &x, &e); break;
    case NS_T_TIMESTAMP: rc = ns_parse_timestamp(s, len, &x, &e); break;
    case NS_T_BOOL: rc = ns_parse_bool(s, len, &x, &e); break;
    }
    if (rc)
        return s_fail(c, n, "bad value for %s column '%s': %s", ns_type_name(o->type.type), o->name,
                      e.msg[0] ? e.msg : s);
    return 0;
}

/* An argument of a transform: an input column, or an output column defined
 * above this one (encoded with NS_ARG_OUT). */
static int s_arg_ref(const s_ctx_t *c, const yaml_node_t *n, const char *what, int *out)
{
    const char *s = NULL;
    size_t len = 0;
    if (s_nonempty(c, n, what, &s, &len))
        return -1;
    int i = s_in_index(c->job, s, len);
    if (i >= 0) {
        *out = i;
        return 0;
    }
    for (int k = 0; k < c->job->nout; k++)
        if (strlen(c->job->out[k].name) == len && !memcmp(c->job->out[k].name, s, len)) {
            *out = NS_ARG_OUT(k);
            return 0;
        }
    return s_fail(c, n, "unknown input column '%.64s' in %s (nor an output column defined above)",
                  s, what);
}

static const ns_coltype_t *s_arg_type(const ns_job_t *j, int a)
{
    return a >= 0 ? &j->in[a].type : &j->out[NS_ARG_OUT(a)].type;
}

static const char *s_arg_name(const ns_job_t *j, int a)
{
    return a >= 0 ? j->in[a].name : j->out[NS_ARG_OUT(a)].name;
}

static bool s_numeric(const ns_coltype_t *t)
{
    return t->type == NS_T_INT || t->type == NS_T_DECIMAL;
}

static int s_lookup_index(const ns_job_t *j, const char *name, size_t len)
{
    for (int i = 0; i < j->nlookups; i++)
        if (strlen(j->lookups[i].name) == len && !memcmp(j->lookups[i].name, name, len))
            return i;
    return -1;
}

static int s_outcol(s_ctx_t *c, const yaml_node_t *n, int idx, ns_outcol_t *o)
{
    static const char *const keys[] = {"name",  "type",   "from",  "fn",     "args",
                                       "value", "required", "table", "column", "start",
                                       "length", "hidden", NULL};
    static const char *const fns[] = {"column", "const", "to_utc", "coalesce", "upper",
                                      "trim",   "lookup", "add",   "sub",      "mul",
                                      "when",   "substr", "concat", "lpad", "date_of", "iso_week_end",
                                      "before", NULL};
    static const ns_fn_t fnv[] = {NS_FN_COLUMN, NS_FN_CONST, NS_FN_TO_UTC, NS_FN_COALESCE,
                                  NS_FN_UPPER,  NS_FN_TRIM,  NS_FN_LOOKUP, NS_FN_ADD,
                                  NS_FN_SUB,    NS_FN_MUL,   NS_FN_WHEN,   NS_FN_SUBSTR,
                                  NS_FN_CONCAT, NS_FN_LPAD,  NS_FN_DATE_OF, NS_FN_ISO_WEEK_END,
                                  NS_FN_BEFORE};
    ns_job_t *j = c->job;
    char what[96];
    snprintf(what, sizeof what, "transform[%d]", idx);
    yaml_node_t *nn;
    if (s_mapping(c, n, what, keys) || s_need(c, n, "name", what, &nn) ||
        s_ident(c, nn, "column name", o->name))
        return -1;
    if (ns_job_out_index(j, o->name) >= 0)
        return s_fail(c, nn, "duplicate output column '%s'", o->name);
    snprintf(what, sizeof what, "transform '%s'", o->name);

    yaml_node_t *from = s_get(c, n, "from"), *fn = s_get(c, n, "fn"), *args = s_get(c, n, "args");
    yaml_node_t *val = s_get(c, n, "value"), *tn = s_get(c, n, "type"), *rq;
    yaml_node_t *tbl = s_get(c, n, "table"), *coln = s_get(c, n, "column");
    if (from && fn)
        return s_fail(c, fn, "give either 'from' or 'fn' in %s, not both", what);
    if (!from && !fn)
        return s_fail(c, n, "missing key 'from' or 'fn' in %s", what);
    if ((rq = s_get(c, n, "required")) && s_bool(c, rq, "required", &o->required))
        return -1;
    if ((rq = s_get(c, n, "hidden")) && s_bool(c, rq, "hidden", &o->hidden))
        return -1;
    if (tn && s_type(c, tn, what, &o->type))
        return -1;

    int k = 0;
    const yaml_node_t *argn[NS_JOB_MAX_ARGS] = {from};
    if (from) {
        if (args)
            return s_fail(c, args, "'args' does not go with 'from' in %s", what);
        o->fn = NS_FN_COLUMN;
        if (s_arg_ref(c, from, what, &o->args[0]))
            return -1;
        o->nargs = 1;
    } else {
        if (s_enum(c, fn, "fn", fns, &k))
            return -1;
        o->fn = fnv[k];
        if (args) {
            if (args->type != YAML_SEQUENCE_NODE)
                return s_fail(c, args, "args of %s must be a sequence of column names, not a %s",
                              what, s_kind(args));
            if (s_seq_len(args) > NS_JOB_MAX_ARGS)
                return s_fail(c, args, "too many args in %s (at most %d)", what, NS_JOB_MAX_ARGS);
            for (int i = 0; i < s_seq_len(args); i++) {
                argn[i] = s_node(c, args->data.sequence.items.start[i]);
                if (s_arg_ref(c, argn[i], what, &o->args[i]))
                    return -1;
                o->nargs = i + 1;
            }
        }
        int lo = 1, hi = 1;
        if (o->fn == NS_FN_CONST)
            lo = hi = 0;
        else if (o->fn == NS_FN_TO_UTC || o->fn == NS_FN_WHEN)
            lo = hi = 2;
        else if (o->fn == NS_FN_ADD || o->fn == NS_FN_SUB || o->fn == NS_FN_MUL)
            lo = val ? 1 : 2, hi = val ? 1 : 2;
        else if (o->fn == NS_FN_COALESCE || o->fn == NS_FN_LOOKUP || o->fn == NS_FN_CONCAT)
            hi = NS_JOB_MAX_ARGS;
        if (o->nargs < lo || o->nargs > hi) {
            if (lo == hi)
                return s_fail(c, args ? args : fn, "fn '%s' takes %d argument%s in %s, not %d",
                              fns[k], lo, lo == 1 ? "" : "s", what, o->nargs);
            return s_fail(c, args ? args : fn, "fn '%s' takes %d to %d arguments in %s, not %d",
                          fns[k], lo, hi, what, o->nargs);
        }
    }
    if (val && o->fn != NS_FN_CONST && o->fn != NS_FN_WHEN && o->fn != NS_FN_ADD &&
        o->fn != NS_FN_SUB && o->fn != NS_FN_MUL && o->fn != NS_FN_LPAD &&
        o->fn != NS_FN_BEFORE)
        return s_fail(c, val,
                      "'value' only goes with fn const, when, add, sub, mul, lpad and before, "
                      "in %s",
                      what);
    if ((tbl || coln) && o->fn != NS_FN_LOOKUP)
        return s_fail(c, tbl ? tbl : coln, "'table' and 'column' only go with fn lookup, in %s",
                      what);
    yaml_node_t *stn = s_get(c, n, "start"), *lnn = s_get(c, n, "length");
    if ((stn || lnn) && o->fn != NS_FN_SUBSTR)
        return s_fail(c, stn ? stn : lnn, "'start' and 'length' only go with fn substr, in %s",
                      what);
    if (o->fn == NS_FN_SUBSTR) { /* byte positions: fixed-width files are ASCII */
        if (!stn)
            return s_fail(c, n, "fn substr needs 'start' (the first byte, from 1) in %s", what);
        o->sub_len = (64 << 20);
        if (s_int32(c, stn, "start", 1, (64 << 20), &o->sub_start) ||
            (lnn && s_int32(c, lnn, "length", 1, (64 << 20), &o->sub_len)))
            return -1;
    }

    const ns_lookup_t *lk = NULL;
    if (o->fn == NS_FN_LOOKUP) {
        const char *ts = NULL, *cs = NULL;
        size_t tl = 0, cl = 0;
        if (!tbl || !coln)
            return s_fail(c, n, "fn lookup needs 'table' and 'column' in %s", what);
        if (s_nonempty(c, tbl, "table", &ts, &tl) || s_nonempty(c, coln, "column", &cs, &cl))
            return -1;
        o->lookup = s_lookup_index(j, ts, tl);
        if (o->lookup < 0)
            return s_fail(c, tbl, "unknown lookup '%.64s' in %s", ts, what);
        lk = &j->lookups[o->lookup];
        o->lookup_col = s_in_index(lk->src, cs, cl);
        if (o->lookup_col < 0)
            return s_fail(c, coln, "lookup '%s' has no column '%.64s' (in %s)", lk->name, cs, what);
        if (o->nargs != lk->nkey)
            return s_fail(c, args ? args : fn, "lookup '%s' has a key of %d column%s; %s gives %d",
                          lk->name, lk->nkey, lk->nkey == 1 ? "" : "s", what, o->nargs);
    }

    /* the output type: given, or taken from the function */
    if (!tn) {
        switch (o->fn) {
        case NS_FN_CONST: return s_fail(c, n, "missing key 'type' in %s (fn const needs it)", what);
        case NS_FN_TO_UTC: o->type.type = NS_T_TIMESTAMP; break;
        case NS_FN_UPPER:
        case NS_FN_SUBSTR:
        case NS_FN_TRIM: o->type.type = NS_T_STRING; break;
        case NS_FN_LOOKUP: o->type = lk->src->in[o->lookup_col].type; break;
        case NS_FN_MUL: return s_fail(c, n, "missing key 'type' in %s (fn mul needs it)", what);
        case NS_FN_WHEN: o->type = *s_arg_type(j, o->args[1]); break;
        case NS_FN_CONCAT:
        case NS_FN_BEFORE:
        case NS_FN_LPAD: o->type.type = NS_T_STRING; break;
        case NS_FN_DATE_OF:
        case NS_FN_ISO_WEEK_END: o->type.type = NS_T_DATE; break;
        default: o->type = *s_arg_type(j, o->args[0]); break;
        }
    }

    /* argument types */
    const yaml_node_t *at = tn ? tn : n;
    char tin[40], tout[40];
    s_type_text(&o->type, tout, sizeof tout);
    switch (o->fn) {
    case NS_FN_CONST: {
        const char *s = NULL;
        size_t len = 0;
        if (!val) /* a column the source does not have: NULL of its type */
            break;
        if (s_nonempty(c, val, "const value", &s, &len) || s_strdup(c, val, s, len, &o->value) ||
            s_const_check(c, val, o))
            return -1;
        break;
    }
    case NS_FN_TO_UTC: {
        const ns_coltype_t *loc = s_arg_type(j, o->args[0]), *off = s_arg_type(j, o->args[1]);
        if (o->type.type != NS_T_TIMESTAMP)
            return s_fail(c, at, "fn to_utc gives a timestamp, so %s cannot be %s", what, tout);
        if (loc->type != NS_T_TIMESTAMP)
            return s_fail(c, argn[0],
                          "fn to_utc needs a timestamp first argument in %s; "
                          "'%s' is %s",
                          what, s_arg_name(j, o->args[0]), ns_type_name(loc->type));
        if (off->type != NS_T_STRING)
            return s_fail(c, argn[1],
                          "fn to_utc needs a string UTC offset second argument in %s; "
                          "'%s' is %s",
                          what, s_arg_name(j, o->args[1]), ns_type_name(off->type));
        break;
    }
    case NS_FN_UPPER:
    case NS_FN_SUBSTR:
    case NS_FN_TRIM: {
        const ns_coltype_t *a = s_arg_type(j, o->args[0]);
        if (o->type.type != NS_T_STRING)
            return s_fail(c, at, "fn %s gives a string, so %s cannot be %s", fns[k], what, tout);
        if (a->type != NS_T_STRING)
            return s_fail(c, argn[0], "fn %s needs a string argument in %s; '%s' is %s", fns[k],
                          what, s_arg_name(j, o->args[0]), ns_type_name(a->type));
        break;
    }
    case NS_FN_LOOKUP: {
        const ns_coltype_t *rt = &lk->src->in[o->lookup_col].type;
        if (!s_castable(rt, &o->type)) {
            s_type_text(rt, tin, sizeof tin);
            return s_fail(c, at, "lookup column '%s' (%s) cannot be cast to %s in %s",
                          lk->src->in[o->lookup_col].name, tin, tout, what);
        }
        for (int i = 0; i < o->nargs; i++) {
            const ns_coltype_t *a = s_arg_type(j, o->args[i]);
            const ns_coltype_t *kt = &lk->src->in[lk->key[i]].type;
            if (a->type != kt->type || (a->type == NS_T_DECIMAL && a->scale != kt->scale)) {
                s_type_text(a, tin, sizeof tin);
                s_type_text(kt, tout, sizeof tout);
                return s_fail(c, argn[i], "'%s' (%s) does not match key column '%s' (%s) of "
                                          "lookup '%s' in %s",
                              s_arg_name(j, o->args[i]), tin, lk->src->in[lk->key[i]].name, tout,
                              lk->name, what);
            }
        }
        break;
    }
    case NS_FN_CONCAT:
    case NS_FN_BEFORE:
    case NS_FN_LPAD:
        if (o->type.type != NS_T_STRING)
            return s_fail(c, at, "fn %s gives a string, so %s cannot be %s", fns[k], what, tout);
        for (int i = 0; i < o->nargs; i++)
            if (s_arg_type(j, o->args[i])->type != NS_T_STRING)
                return s_fail(c, argn[i], "fn %s needs string arguments in %s; '%s' is %s",
                              fns[k], what, s_arg_name(j, o->args[i]),
                              ns_type_name(s_arg_type(j, o->args[i])->type));
        if (o->fn == NS_FN_LPAD) { /* value: the width, 1..64 */
            const char *s = NULL;
            size_t len = 0;
            if (!val)
                return s_fail(c, n, "missing key 'value' in %s (fn lpad pads to that width)",
                              what);
            if (s_nonempty(c, val, "value", &s, &len))
                return -1;
            o->value_num = 0;
            for (size_t i = 0; i < len && o->value_num <= 64; i++)
                o->value_num = s[i] >= '0' && s[i] <= '9' ? o->value_num * 10 + (s[i] - '0') : 99;
            if (o->value_num < 1 || o->value_num > 64)
                return s_fail(c, val, "fn lpad needs a width of 1 to 64 as its value in %s, not "
                                      "'%.64s'", what, s);
        }
        if (o->fn == NS_FN_BEFORE) { /* value: the text that ends the result */
            const char *s = NULL;
            size_t len = 0;
            if (!val)
                return s_fail(c, n, "missing key 'value' in %s (fn before cuts at it)", what);
            if (s_nonempty(c, val, "value", &s, &len) || s_strdup(c, val, s, len, &o->value))
                return -1;
        }
        break;
    case NS_FN_DATE_OF:
    case NS_FN_ISO_WEEK_END: {
        const ns_coltype_t *a = s_arg_type(j, o->args[0]);
        ns_type_t want = o->fn == NS_FN_DATE_OF ? NS_T_TIMESTAMP : NS_T_INT;
        if (o->type.type != NS_T_DATE)
            return s_fail(c, at, "fn %s gives a date, so %s cannot be %s", fns[k], what, tout);
        if (a->type != want)
            return s_fail(c, argn[0], "fn %s needs a%s %s argument in %s; '%s' is %s", fns[k],
                          want == NS_T_INT ? "n" : "", ns_type_name(want), what,
                          s_arg_name(j, o->args[0]), ns_type_name(a->type));
        break;
    }
    case NS_FN_WHEN: {
        const char *s = NULL;
        size_t len = 0;
        const ns_coltype_t *a0 = s_arg_type(j, o->args[0]), *a1 = s_arg_type(j, o->args[1]);
        if (!val)
            return s_fail(c, n, "missing key 'value' in %s (fn when compares with it)", what);
        if (s_scalar(c, val, "when value", &s, &len) || s_strdup(c, val, s, len, &o->value))
            return -1;
        if (a0->type != NS_T_STRING)
            return s_fail(c, argn[0], "fn when compares a string first argument in %s; '%s' is %s",
                          what, s_arg_name(j, o->args[0]), ns_type_name(a0->type));
        if (!s_castable(a1, &o->type)) {
            s_type_text(a1, tin, sizeof tin);
            return s_fail(c, argn[1], "cannot cast column '%s' (%s) to %s in %s",
                          s_arg_name(j, o->args[1]), tin, tout, what);
        }
        break;
    }
    case NS_FN_ADD:
    case NS_FN_SUB:
    case NS_FN_MUL:
        if (val) { /* a literal second operand: "0.1" */
            const char *s = NULL;
            size_t len = 0;
            ns_err_t e;
            if (s_nonempty(c, val, "value", &s, &len))
                return -1;
            const char *dot = memchr(s, '.', len);
            o->value_type.type = NS_T_DECIMAL;
            o->value_type.scale = dot ? (int)(len - (size_t)(dot - s) - 1) : 0;
            if (o->value_type.scale > 18 ||
                ns_parse_decimal(s, len, o->value_type.scale, &o->value_num, &e))
                return s_fail(c, val, "bad number '%.64s' as the value of %s", s, what);
        }
        if (!s_numeric(&o->type))
            return s_fail(c, at, "fn %s gives a number, so %s cannot be %s", fns[k], what, tout);
        for (int i = 0; i < o->nargs; i++) {
            const ns_coltype_t *a = s_arg_type(j, o->args[i]);
            if (!s_numeric(a))
                return s_fail(c, argn[i], "fn %s needs int or decimal arguments in %s; '%s' is %s",
                              fns[k], what, s_arg_name(j, o->args[i]), ns_type_name(a->type));
            if (o->fn != NS_FN_MUL && o->type.type == NS_T_INT && a->type == NS_T_DECIMAL)
                return s_fail(c, at, "fn %s of decimal '%s' cannot give an int in %s", fns[k],
                              s_arg_name(j, o->args[i]), what);
        }
        break;
    default:
        for (int i = 0; i < o->nargs; i++) {
            const ns_coltype_t *a = s_arg_type(j, o->args[i]);
            if (!s_castable(a, &o->type)) {
                s_type_text(a, tin, sizeof tin);
                return s_fail(c, argn[i], "cannot cast %s column '%s' (%s) to %s in %s",
                              o->args[i] >= 0 ? "input" : "output", s_arg_name(j, o->args[i]), tin,
                              tout, what);
            }
        }
        break;
    }
    return 0;
}

static int s_transform(s_ctx_t *c, const yaml_node_t *n)
{
    ns_job_t *j = c->job;
    if (n->type != YAML_SEQUENCE_NODE)
        return s_fail(c, n, "transform must be a sequence, not a %s", s_kind(n));
    int count = s_seq_len(n);
    if (count == 0)
        return s_fail(c, n, "transform must list at least one output column");
    if (count > NS_MAX_COLUMNS)
        return s_fail(c, s_node(c, n->data.sequence.items.start[NS_MAX_COLUMNS]),
                      "more than %d output columns", NS_MAX_COLUMNS);
    j->out = calloc((size_t)count, sizeof *j->out);
    j->out_types = calloc((size_t)count, sizeof *j->out_types);
    if (!j->out || !j->out_types)
        return s_fail(c, n, "out of memory");
    for (int i = 0; i < count; i++) {
        ns_outcol_t tmp;
        memset(&tmp, 0, sizeof tmp);
        int rc = s_outcol(c, s_node(c, n->data.sequence.items.start[i]), i, &tmp);
        if (rc) {
            free(tmp.value);
            return -1;
        }
        j->out[i] = tmp;
        j->out_types[i] = tmp.type;
        j->nout = i + 1;
    }
    /* hidden columns: calc[] keeps every column (and owns the values),
     * out[] only those written, so keys and reduce never see the others */
    int nvis = 0;
    for (int i = 0; i < count; i++)
        nvis += !j->out[i].hidden;
    if (nvis == 0)
        return s_fail(c, n, "every transform column is hidden: the job would write nothing");
    j->calc_out = calloc((size_t)count, sizeof *j->calc_out);
    ns_outcol_t *vis = nvis < count ? calloc((size_t)nvis, sizeof *vis) : NULL;
    ns_coltype_t *vt = nvis < count ? calloc((size_t)nvis, sizeof *vt) : NULL;
    if (!j->calc_out || (nvis < count && (!vis || !vt))) {
        free(vis);
        free(vt);
        return s_fail(c, n, "out of memory");
    }
    for (int i = 0, m = 0; i < count; i++)
        j->calc_out[i] = j->out[i].hidden ? -1 : m++;
    j->calc = j->out;
    j->ncalc = count;
    if (vis) {
        for (int i = 0; i < count; i++)
            if (j->calc_out[i] >= 0) {
                vis[j->calc_out[i]] = j->out[i];
                vis[j->calc_out[i]].value = NULL; /* owned by calc[i] */
                vt[j->calc_out[i]] = j->out[i].type;
            }
        free(j->out_types);
        j->out = vis;
        j->out_types = vt;
        j->nout = nvis;
    }
    return 0;
}

static int s_reduce(s_ctx_t *c, const yaml_node_t *n)
{
    static const char *const keys[] = {"kind", "group", "keep", "sum", "drop_zero", "name", NULL};
    static const char *const kinds[] = {"identity", "dedupe", "aggregate", "plugin", NULL};
    static const ns_reduce_kind_t kindv[] = {NS_REDUCE_IDENTITY, NS_REDUCE_DEDUPE,
                                             NS_REDUCE_AGGREGATE, NS_REDUCE_PLUGIN};
    ns_job_t *j = c->job;
    yaml_node_t *kn, *v;
    int k;
    if (s_mapping(c, n, "output.reduce", keys) || s_need(c, n, "kind", "output.reduce", &kn) ||
        s_enum(c, kn, "reduce kind", kinds, &k))
        return -1;
    j->reduce = kindv[k];
    /* keys that do not apply to this kind */
    static const char *const only_dedupe[] = {"keep", NULL};
    static const char *const only_agg[] = {"sum", "drop_zero", NULL};
    for (int i = 0; only_dedupe[i]; i++)
        if ((v = s_get(c, n, only_dedupe[i])) && j->reduce != NS_REDUCE_DEDUPE)
            return s_fail(c, v, "key '%s' only goes with reduce kind dedupe", only_dedupe[i]);
    for (int i = 0; only_agg[i]; i++)
        if ((v = s_get(c, n, only_agg[i])) && j->reduce != NS_REDUCE_AGGREGATE)
            return s_fail(c, v, "key '%s' only goes with reduce kind aggregate", only_agg[i]);
    if ((v = s_get(c, n, "name")) && j->reduce != NS_REDUCE_PLUGIN)
        return s_fail(c, v, "key 'name' only goes with reduce kind plugin");
    if (j->reduce == NS_REDUCE_PLUGIN) {
        char pname[NS_JOB_NAME_MAX];
        if (s_need(c, n, "name", "output.reduce", &v) || s_label(c, v, "plugin name", pname) ||
            s_strdup(c, v, pname, strlen(pname), &j->plugin))
            return -1;
    }
    v = s_get(c, n, "group");
    if (j->reduce == NS_REDUCE_IDENTITY) {
        if (v)
            return s_fail(c, v, "key 'group' does not go with reduce kind identity");
        return 0;
    }
    if (!v)
        return s_fail(c, n, "missing key 'group' in output.reduce (reduce kind %s needs it)",
                      kinds[k]);
    if (s_int32(c, v, "reduce group", 1, NS_MAX_COLUMNS, &j->group_len))
        return -1;
    if (j->group_len > j->nsort)
        return s_fail(c, v, "reduce group %d is longer than the sort key (%d column%s)",
                      j->group_len, j->nsort, j->nsort == 1 ? "" : "s");
    if (j->reduce == NS_REDUCE_PLUGIN)
        return 0;
    if (j->reduce == NS_REDUCE_DEDUPE) {
        static const char *const keeps[] = {"first", "last", NULL};
        int kk = 0;
        if ((v = s_get(c, n, "keep")) && s_enum(c, v, "reduce keep", keeps, &kk))
            return -1;
        j->keep_last = kk == 1;
        return 0;
    }
    yaml_node_t *sum;
    if (s_need(c, n, "sum", "output.reduce", &sum) ||
        s_out_list(c, sum, "reduce sum", j->sum_cols, &j->nsum))
        return -1;
    for (int i = 0; i < j->nsum; i++) {
        const ns_outcol_t *o = &j->out[j->sum_cols[i]];
        const yaml_node_t *item = s_node(c, sum->data.sequence.items.start[i]);
        if (o->type.type != NS_T_INT && o->type.type != NS_T_DECIMAL)
            return s_fail(c, item, "sum column '%s' is %s, not int or decimal", o->name,
                          ns_type_name(o->type.type));
        for (int g = 0; g < j->group_len; g++)
            if (j->sort_key[g] == j->sum_cols[i])
                return s_fail(c, item, "sum column '%s' is part of the group", o->name);
    }
    if ((v = s_get(c, n, "drop_zero")) && s_bool(c, v, "reduce drop_zero", &j->drop_zero))
        return -1;
    return 0;
}

/* output.load: what a load of the run replaces in its table (docs/LOADER.md).
 * Key and version columns are load-file columns: for a plugin job they are
 * the plugin's, which ns_job cannot see, so the loader checks them against
 * the run's columns; other jobs are checked here. */
static int s_load_col(s_ctx_t *c, const yaml_node_t *n, const char *what, char **out)
{
    const char *s = NULL;
    size_t len = 0;
    if (s_nonempty(c, n, what, &s, &len))
        return -1;
    if (len >= NS_JOB_NAME_MAX || !s_is_ident(s, len))
        return s_fail(c, n, "bad column name '%.64s' in %s", s, what);
    if (c->job->reduce != NS_REDUCE_PLUGIN && ns_job_out_index(c->job, s) < 0)
        return s_fail(c, n, "unknown output column '%.64s' in %s", s, what);
    return s_strdup(c, n, s, len, out);
}

static int s_load(s_ctx_t *c, const yaml_node_t *n)
{
    static const char *const keys[] = {"replace", "version", NULL};
    ns_job_t *j = c->job;
    yaml_node_t *v;
    if (s_mapping(c, n, "output.load", keys))
        return -1;
    j->load_replace = NS_LOAD_APPEND;
    if ((v = s_get(c, n, "replace"))) {
        if (v->type == YAML_SCALAR_NODE) {
            static const char *const words[] = {"none", "all", NULL};
            int k;
            if (s_enum(c, v, "output.load.replace (none, all or a list of columns)", words, &k))
                return -1;
            j->load_replace = k ? NS_LOAD_REPLACE_ALL : NS_LOAD_APPEND;
        } else if (v->type == YAML_SEQUENCE_NODE) {
            int count = s_seq_len(v);
            if (count == 0 || count > NS_MAX_COLUMNS)
                return s_fail(c, v, "output.load.replace must name 1 to %d columns",
                              NS_MAX_COLUMNS);
            j->load_keys = calloc((size_t)count, sizeof *j->load_keys);
            if (!j->load_keys)
                return s_fail(c, v, "out of memory");
            for (int i = 0; i < count; i++) {
                const yaml_node_t *item = s_node(c, v->data.sequence.items.start[i]);
                if (s_load_col(c, item, "output.load.replace", &j->load_keys[i]))
                    return -1;
                j->nload_keys = i + 1;
                for (int k = 0; k < i; k++)
                    if (!strcmp(j->load_keys[k], j->load_keys[i]))
                        return s_fail(c, item, "column '%s' appears twice in output.load.replace",
                                      j->load_keys[i]);
            }
            j->load_replace = NS_LOAD_REPLACE_KEYS;
        } else {
            return s_fail(c, v, "output.load.replace must be none, all or a list of columns, not a %s",
                          s_kind(v));
        }
    }
    if ((v = s_get(c, n, "version"))) {
        if (j->load_replace != NS_LOAD_REPLACE_KEYS)
            return s_fail(c, v, "output.load.version needs output.load.replace to name key columns");
        if (s_load_col(c, v, "output.load.version", &j->load_version))
            return -1;
    }
    return 0;
}

static int s_output(s_ctx_t *c, const yaml_node_t *n)
{
    static const char *const keys[] = {"uri",    "table",  "distribution_key", "sort_key",
                                       "reduce", "slices", "target_file_size", "zstd_level",
                                       "load",   NULL};
    ns_job_t *j = c->job;
    yaml_node_t *u, *t, *sk, *v;
    const char *s = NULL;
    size_t len = 0;
    if (s_mapping(c, n, "output", keys) || s_need(c, n, "uri", "output", &u) ||
        s_need(c, n, "table", "output", &t) || s_need(c, n, "sort_key", "output", &sk) ||
        s_uri(c, u, "output.uri", &j->output_uri) || s_nonempty(c, t, "output.table", &s, &len))
        return -1;
    const char *dot = memchr(s, '.', len);
    bool ok = len <= S_MAX_TABLE;
    if (ok && dot)
        ok = s_is_ident(s, (size_t)(dot - s)) && s_is_ident(dot + 1, len - (size_t)(dot - s) - 1);
    else if (ok)
        ok = s_is_ident(s, len);
    if (!ok)
        return s_fail(c, t,
                      "bad output.table '%.64s': expected name or schema.name (letters, "
                      "digits, '_'; at most %d characters)",
                      s, S_MAX_TABLE);
    if (s_strdup(c, t, s, len, &j->table) ||
        s_out_list(c, sk, "output.sort_key", j->sort_key, &j->nsort))
        return -1;
    if ((v = s_get(c, n, "reduce")) && s_reduce(c, v))
        return -1;
    if ((v = s_get(c, n, "distribution_key"))) {
        if (s_out_list(c, v, "output.distribution_key", j->dist_key, &j->ndist))
            return -1;
    } else {
        /* default: the group (dedupe, aggregate) or the whole sort key */
        j->ndist = j->reduce == NS_REDUCE_IDENTITY ? j->nsort : j->group_len;
        memcpy(j->dist_key, j->sort_key, (size_t)j->ndist * sizeof j->dist_key[0]);
    }
    if (j->reduce != NS_REDUCE_IDENTITY) {
        for (int i = 0; i < j->ndist; i++) {
            bool in_group = false;
            for (int g = 0; g < j->group_len && !in_group; g++)
                in_group = j->sort_key[g] == j->dist_key[i];
            if (!in_group)
                return s_fail(c, s_node(c, v->data.sequence.items.start[i]),
                              "distribution key column '%s' is not in the reduce group (the "
                              "first %d sort-key columns): one group would be split across "
                              "slices",
                              j->out[j->dist_key[i]].name, j->group_len);
        }
    }
    if ((v = s_get(c, n, "load")) && s_load(c, v))
        return -1;
    if ((v = s_get(c, n, "slices")) && s_int32(c, v, "output.slices", 1, 1024, &j->slices))
        return -1;
    if ((v = s_get(c, n, "target_file_size")) &&
        s_size(c, v, "output.target_file_size", 1, S_TIB, &j->target_file_bytes))
        return -1;
    if ((v = s_get(c, n, "zstd_level")) &&
        s_int32(c, v, "output.zstd_level", 1, 19, &j->zstd_level))
        return -1;
    return 0;
}

static int s_budget(s_ctx_t *c, const yaml_node_t *n)
{
    static const char *const keys[] = {"max_rejects", "max_fraction", NULL};
    ns_job_t *j = c->job;
    if (s_mapping(c, n, "error_budget", keys))
        return -1;
    yaml_node_t *mr = s_get(c, n, "max_rejects"), *mf = s_get(c, n, "max_fraction");
    if (!mr && !mf)
        return s_fail(c, n, "error_budget needs max_rejects, max_fraction or both");
    j->max_rejects = UINT64_MAX;
    j->max_reject_fraction = 1.0;
    int64_t x;
    if (mr) {
        if (s_int(c, mr, "error_budget.max_rejects", 0, INT64_MAX, &x))
            return -1;
        j->max_rejects = (uint64_t)x;
    }
    if (mf && s_fraction(c, mf, "error_budget.max_fraction", &j->max_reject_fraction))
        return -1;
    return 0;
}

static void s_defaults(ns_job_t *j);

/* lookups: a sequence of {name, input: {like the job's input}, key: [...],
 * max_size}. Each input section is parsed into a job of its own. */
static int s_lookups(s_ctx_t *c, const yaml_node_t *n)
{
    static const char *const keys[] = {"name", "input", "key", "max_size", NULL};
    ns_job_t *j = c->job;
    if (n->type != YAML_SEQUENCE_NODE)
        return s_fail(c, n, "lookups must be a sequence, not a %s", s_kind(n));
    int count = s_seq_len(n);
    if (count > 16)
        return s_fail(c, n, "more than 16 lookups");
    j->lookups = calloc((size_t)(count ? count : 1), sizeof *j->lookups);
    if (!j->lookups)
        return s_fail(c, n, "out of memory");
    for (int i = 0; i < count; i++) {
        const yaml_node_t *item = s_node(c, n->data.sequence.items.start[i]);
        ns_lookup_t *lk = &j->lookups[i];
        char what[64];
        snprintf(what, sizeof what, "lookups[%d]", i);
        yaml_node_t *nn, *in, *kn, *v;
        if (s_mapping(c, item, what, keys) || s_need(c, item, "name", what, &nn) ||
            s_need(c, item, "input", what, &in) || s_need(c, item, "key", what, &kn) ||
            s_ident(c, nn, "lookup name", lk->name))
            return -1;
        if (s_lookup_index(j, lk->name, strlen(lk->name)) >= 0)
            return s_fail(c, nn, "duplicate lookup '%s'", lk->name);
        lk->max_bytes = 256 * S_MIB;
        if ((v = s_get(c, item, "max_size")) &&
            s_size(c, v, "max_size", S_MIB, 64 * 1024 * S_MIB, &lk->max_bytes))
            return -1;
        lk->src = calloc(1, sizeof *lk->src);
        if (!lk->src)
            return s_fail(c, item, "out of memory");
        s_defaults(lk->src);
        snprintf(lk->src->name, sizeof lk->src->name, "%s", lk->name);
        j->nlookups = i + 1; /* counted now, so destroy frees what was parsed */
        s_ctx_t sub = *c;
        sub.job = lk->src;
        if (s_input(&sub, in))
            return -1;
        char uw[64];
        snprintf(uw, sizeof uw, "lookups[%d].input.uri", i);
        if (s_scope(c, s_get(c, in, "uri"), uw, lk->src->input_uri, true))
            return -1;
        if (kn->type != YAML_SEQUENCE_NODE || s_seq_len(kn) == 0 ||
            s_seq_len(kn) > NS_MAX_COLUMNS)
            return s_fail(c, kn, "key of lookup '%s' must be a sequence of its column names",
                          lk->name);
        for (int k = 0; k < s_seq_len(kn); k++) {
            const yaml_node_t *kk = s_node(c, kn->data.sequence.items.start[k]);
            char kw[96];
            snprintf(kw, sizeof kw, "the key of lookup '%s'", lk->name);
            if (s_in_ref(&sub, kk, kw, &lk->key[k]))
                return -1;
            lk->nkey = k + 1;
        }
    }
    return 0;
}

static int s_s3(s_ctx_t *c, const yaml_node_t *n)
{
    static const char *const keys[] = {"endpoint", "region", "path_style", NULL};
    ns_job_t *j = c->job;
    if (s_mapping(c, n, "s3", keys))
        return -1;
    yaml_node_t *v;
    if ((v = s_get(c, n, "endpoint"))) {
        if (s_uri(c, v, "s3.endpoint", &j->s3_endpoint))
            return -1;
        if (strncmp(j->s3_endpoint, "http://", 7) && strncmp(j->s3_endpoint, "https://", 8))
            return s_fail(c, v, "bad s3.endpoint '%.64s': expected http://host[:port] or https://...",
                          j->s3_endpoint);
        const char *host = strstr(j->s3_endpoint, "://") + 3;
        if (memchr(host, '@', strcspn(host, "/?#")))
            return s_fail(c, v, "s3.endpoint must not hold a user or password (user:password@): "
                                "credentials come from the environment only");
        ns_err_t why;
        if (ns_scope_check_endpoint(j->s3_endpoint, &why))
            return s_fail(c, v, "s3.endpoint '%.256s' is refused: %s (a job's S3 requests, "
                                "signed with this process's keys, go only to endpoints the "
                                "operator allows; docs/SECURITY.md)",
                          j->s3_endpoint, why.msg);
    }
    if ((v = s_get(c, n, "region"))) {
        char region[NS_JOB_NAME_MAX];
        if (s_label(c, v, "s3.region", region) || s_strdup(c, v, region, strlen(region), &j->s3_region))
            return -1;
    }
    if ((v = s_get(c, n, "path_style"))) {
        bool b;
        if (s_bool(c, v, "s3.path_style", &b))
            return -1;
        j->s3_path_style = b;
    }
    return 0;
}

static int s_job(s_ctx_t *c, const yaml_node_t *root)
{
    static const char *const keys[] = {"name",   "description",  "input", "filter", "transform",
                                       "output", "error_budget", "pool",  "memory", "max_attempts",
                                       "s3",     "lookups",      "bookmark", "deadline", NULL};
    ns_job_t *j = c->job;
    yaml_node_t *nn, *in, *tr, *out, *v;
    const char *s = NULL;
    size_t len = 0;
    if (s_mapping(c, root, "the job", keys) || s_need(c, root, "name", "the job", &nn) ||
        s_need(c, root, "input", "the job", &in) || s_need(c, root, "transform", "the job", &tr) ||
        s_need(c, root, "output", "the job", &out) || s_label(c, nn, "job name", j->name))
        return -1;
    if ((v = s_get(c, root, "description")) && s_scalar(c, v, "description", &s, &len))
        return -1;
    if (s_input(c, in) || s_scope(c, s_get(c, in, "uri"), "input.uri", j->input_uri, true))
        return -1;
    if ((v = s_get(c, root, "lookups")) && s_lookups(c, v))
        return -1;
    if ((v = s_get(c, root, "filter")) && s_filter(c, v))
        return -1;
    if (s_transform(c, tr) || s_output(c, out) ||
        s_scope(c, s_get(c, out, "uri"), "output.uri", j->output_uri, false))
        return -1;
    if ((v = s_get(c, root, "error_budget")) && s_budget(c, v))
        return -1;
    if ((v = s_get(c, root, "s3")) && s_s3(c, v))
        return -1;
    if ((v = s_get(c, root, "bookmark")) && s_bool(c, v, "bookmark", &j->bookmark))
        return -1;
    if ((v = s_get(c, root, "pool"))) {
        char pool[NS_JOB_NAME_MAX];
        if (s_label(c, v, "pool", pool))
            return -1;
        free(j->pool);
        j->pool = NULL;
        if (s_strdup(c, v, pool, strlen(pool), &j->pool))
            return -1;
    }
    if ((v = s_get(c, root, "deadline"))) {
        ns_err_t derr;
        if (s_nonempty(c, v, "deadline", &s, &len))
            return -1;
        if (ns_job_deadline(s, NULL, NULL, &derr))
            return s_fail(c, v, "%s", derr.msg);
        if (s_strdup(c, v, s, len, &j->deadline))
            return -1;
    }
    if ((v = s_get(c, root, "memory")) && s_size(c, v, "memory", S_MIB, S_TIB, &j->memory_bytes))
        return -1;
    if ((v = s_get(c, root, "max_attempts")) &&
        s_int32(c, v, "max_attempts", 1, 100, &j->max_attempts))
        return -1;
    return 0;
}

/* ---- entry points ---- */

static void s_defaults(ns_job_t *j)
{
    j->format = NS_FORMAT_DELIMITED;
    j->delimiter = '|';
    j->quote = -1;
    j->escape = -1;
    j->header_lines = 1;
    j->split_bytes = 128 * S_MIB;
    j->max_record = S_MIB;
    j->max_ratio = NS_CODEC_RATIO_DEFAULT;
    j->reduce = NS_REDUCE_IDENTITY;
    j->slices = 1;
    j->target_file_bytes = 256 * S_MIB;
    j->zstd_level = 3;
    j->max_rejects = 0;
    j->max_reject_fraction = 1.0;
    j->memory_bytes = 256 * S_MIB;
    j->max_attempts = 4;
    j->s3_path_style = -1;
}

/* Reports a libyaml error with its position. */
static void s_yaml_error(const s_ctx_t *c, const yaml_parser_t *p, const char *text, size_t len)
{
    const char *problem = p->problem ? p->problem : "cannot parse YAML";
    size_t line, col;
    if (p->error == YAML_READER_ERROR) {
        /* the reader reports a byte offset only */
        size_t off = p->problem_offset < len ? p->problem_offset : len;
        line = 1;
        col = 1;
        for (size_t i = 0; i < off; i++) {
            if (text[i] == '\n') {
                line++;
                col = 1;
            } else {
                col++;
            }
        }
    } else if (p->error == YAML_MEMORY_ERROR) {
        ns_errf(c->err, "%s: out of memory while parsing YAML", c->src);
        return;
    } else {
        line = p->problem_mark.line + 1;
        col = p->problem_mark.column + 1;
    }
    if (p->context)
        ns_errf(c->err, "%s:%zu:%zu: %s %s", c->src, line, col, problem, p->context);
    else
        ns_errf(c->err, "%s:%zu:%zu: %s", c->src, line, col, problem);
}

/* Bounds the document's nesting and its number of nodes with libyaml's
 * event parser, before the loader builds a node for each (a megabyte of
 * "[[[[" or of one-byte scalars would otherwise become a million nodes): 0,
 * or -1 with err set at the node past the limit. A syntax error is left to
 * the loader, which reports it with its position. */
static int s_prescan(const s_ctx_t *c, const char *text, size_t len)
{
    yaml_parser_t p;
    if (!yaml_parser_initialize(&p))
        return ns_errf(c->err, "%s: out of memory", c->src);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, len);
    int depth = 0, nodes = 0, rc = 0;
    for (bool done = false; !done && !rc;) {
        yaml_event_t ev;
        if (!yaml_parser_parse(&p, &ev))
            break;
        yaml_event_type_t t = ev.type;
        size_t line = ev.start_mark.line + 1, col = ev.start_mark.column + 1;
        yaml_event_delete(&ev);
        bool open = t == YAML_SEQUENCE_START_EVENT || t == YAML_MAPPING_START_EVENT;
        if (t == YAML_SEQUENCE_END_EVENT || t == YAML_MAPPING_END_EVENT)
            depth--;
        done = t == YAML_STREAM_END_EVENT;
        if (open && ++depth > S_MAX_DEPTH)
            rc = ns_errf(c->err, "%s:%zu:%zu: nesting exceeds max_job_depth (%d levels)", c->src,
                         line, col, S_MAX_DEPTH);
        else if ((open || t == YAML_SCALAR_EVENT || t == YAML_ALIAS_EVENT) && ++nodes > S_MAX_NODES)
            rc = ns_errf(c->err, "%s:%zu:%zu: job definition exceeds max_job_nodes (%d YAML nodes)",
                         c->src, line, col, S_MAX_NODES);
    }
    yaml_parser_delete(&p);
    return rc;
}

ns_job_t *ns_job_parse(const char *text, size_t len, const char *source, const ns_var_t *vars,
                       int nvars, ns_err_t *err)
{
    s_ctx_t c = {.src = source && *source ? source : "job",
                 .vars = vars,
                 .nvars = vars && nvars > 0 ? nvars : 0,
                 .err = err};
    if (!text) {
        ns_errf(err, "%s: no job text", c.src);
        return NULL;
    }
    if (len > S_MAX_TEXT) {
        ns_errf(err, "%s: job definition is %zu bytes, exceeds max_job_bytes (%zu bytes)", c.src,
                len, S_MAX_TEXT);
        return NULL;
    }
    if (s_prescan(&c, text, len))
        return NULL;
    yaml_parser_t parser;
    if (!yaml_parser_initialize(&parser)) {
        ns_errf(err, "%s: out of memory", c.src);
        return NULL;
    }
    yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
    yaml_document_t doc;
    if (!yaml_parser_load(&parser, &doc)) {
        s_yaml_error(&c, &parser, text, len);
        yaml_parser_delete(&parser);
        return NULL;
    }
    c.doc = &doc;
    ns_job_t *j = NULL;
    const yaml_node_t *root = yaml_document_get_root_node(&doc);
    yaml_document_t next;
    if (!root) {
        ns_errf(err, "%s: empty job definition", c.src);
        goto out;
    }
    if (!yaml_parser_load(&parser, &next)) {
        s_yaml_error(&c, &parser, text, len);
        goto out;
    }
    yaml_node_t *extra = yaml_document_get_root_node(&next);
    if (extra) {
        s_fail(&c, extra, "more than one YAML document; a job file holds one");
        yaml_document_delete(&next);
        goto out;
    }
    yaml_document_delete(&next);

    j = calloc(1, sizeof *j);
    if (!j) {
        ns_errf(err, "%s: out of memory", c.src);
        goto out;
    }
    s_defaults(j);
    c.job = j;
    j->source = strdup(c.src);
    j->compression = strdup("auto");
    j->pool = strdup("default");
    if (!j->source || !j->compression || !j->pool) {
        ns_errf(err, "%s: out of memory", c.src);
        ns_job_destroy(&j);
        goto out;
    }
    if (s_job(&c, root))
        ns_job_destroy(&j);
out:
    yaml_document_delete(&doc);
    yaml_parser_delete(&parser);
    return j;
}

void ns_job_destroy(ns_job_t **jp)
{
    if (!jp || !*jp)
        return;
    ns_job_t *j = *jp;
    free(j->source);
    free(j->input_uri);
    free(j->compression);
    for (int i = 0; j->in && i < j->nin; i++) {
        free(j->in[i].path);
        free(j->in[i].path_key);
    }
    free(j->in);
    free(j->explode);
    for (int i = 0; i < j->nfilter; i++)
        for (int k = 0; k < NS_JOB_MAX_VALUES; k++)
            free(j->filter[i].values[k]);
    free(j->filter);
    if (j->calc && j->calc != j->out) {
        for (int i = 0; i < j->ncalc; i++)
            free(j->calc[i].value);
        free(j->calc);
    } else {
        for (int i = 0; i < j->nout; i++)
            free(j->out[i].value);
    }
    free(j->out);
    free(j->calc_out);
    free(j->out_types);
    free(j->output_uri);
    free(j->table);
    for (int i = 0; i < j->nload_keys; i++)
        free(j->load_keys[i]);
    free(j->load_keys);
    free(j->load_version);
    free(j->pool);
    free(j->deadline);
    for (int i = 0; i < j->nlookups; i++)
        ns_job_destroy(&j->lookups[i].src);
    free(j->lookups);
    free(j->plugin);
    free(j->s3_endpoint);
    free(j->s3_region);
    free(j);
    *jp = NULL;
}

int ns_job_out_index(const ns_job_t *j, const char *name)
{
    if (!j || !name)
        return -1;
    for (int i = 0; i < j->nout; i++)
        if (strcmp(j->out[i].name, name) == 0)
            return i;
    return -1;
}

int ns_job_apply_storage(const ns_job_t *j, ns_err_t *err)
{
    if (!j->s3_endpoint && !j->s3_region && j->s3_path_style < 0)
        return 0;
    /* checked at parse time too; again here, with this process's settings,
     * before any request goes there */
    ns_err_t why;
    if (j->s3_endpoint && ns_scope_check_endpoint(j->s3_endpoint, &why))
        return ns_errf(err, "job '%s': s3.endpoint '%.256s' is refused: %s", j->name,
                       j->s3_endpoint, why.msg);
    /* every bucket the job reads or writes: input, lookups, output */
    for (int i = -2; i < j->nlookups; i++) {
        const char *uri = i == -2 ? j->input_uri
                          : i == -1 ? j->output_uri
                                    : j->lookups[i].src->input_uri;
        if (!uri || strncmp(uri, "s3://", 5))
            continue;
        char bucket[64];
        const char *key;
        if (ns_s3_uri_parse(uri, bucket, sizeof bucket, &key, err) ||
            ns_store_s3_bucket_settings(bucket, j->s3_endpoint, j->s3_region, j->s3_path_style,
                                        err))
            return ns_err_prefix(err, "job '%s'", j->name);
    }
    return 0;
}

bool ns_job_splittable(const ns_job_t *j)
{
    if (j->encoding != NS_ENC_UTF8)
        return false;
    switch (j->format) {
    case NS_FORMAT_DELIMITED:
        return j->quote < 0 || !j->quoted_newlines;
    case NS_FORMAT_JSON:
        return !j->concatenated;
    case NS_FORMAT_EDI:
        return false;
    }
    return false;
}

int ns_job_file_columns(const ns_job_t *j)
{
    int n = 0;
    for (int i = 0; i < j->nin; i++)
        n += !j->in[i].path_key;
    return n;
}

/* ---- deadlines ---- */

/* n decimal digits at *p into *v; advances *p. */
static int s_digits(const char **p, int n, int *v)
{
    *v = 0;
    for (int i = 0; i < n; i++) {
        if ((*p)[i] < '0' || (*p)[i] > '9')
            return -1;
        *v = *v * 10 + ((*p)[i] - '0');
    }
    *p += n;
    return 0;
}

int ns_job_deadline(const char *spec, const char *date, double *out, ns_err_t *err)
{
    static const char want[] = "want HH:MM or YYYY-MM-DDTHH:MM[:SS][Z|+HH:MM]";
    struct tm tm;
    memset(&tm, 0, sizeof tm);
    const char *p = spec;
    int y = 0, mo = 0, d = 0, h, mi, sec = 0, day_after = 0;
    if (strlen(spec) == 5) { /* HH:MM on the morning after the run date */
        day_after = 1;
        if (!date)
            date = "2000-01-01";
        const char *q = date;
        if (s_digits(&q, 4, &y) || *q++ != '-' || s_digits(&q, 2, &mo) || *q++ != '-' ||
            s_digits(&q, 2, &d))
            return ns_errf(err, "bad run date '%s'", date);
    } else {
        if (s_digits(&p, 4, &y) || *p++ != '-' || s_digits(&p, 2, &mo) || *p++ != '-' ||
            s_digits(&p, 2, &d) || (*p != 'T' && *p != ' '))
            return ns_errf(err, "bad deadline '%s': %s", spec, want);
        p++;
    }
    if (s_digits(&p, 2, &h) || *p++ != ':' || s_digits(&p, 2, &mi))
        return ns_errf(err, "bad deadline '%s': %s", spec, want);
    if (!day_after && *p == ':') {
        p++;
        if (s_digits(&p, 2, &sec))
            return ns_errf(err, "bad deadline '%s': %s", spec, want);
    }
    int zone = 0, has_zone = 0;
    if (!day_after && *p == 'Z') {
        has_zone = 1;
        p++;
    } else if (!day_after && (*p == '+' || *p == '-')) {
        int sign = *p++ == '-' ? -1 : 1, zh, zm;
        if (s_digits(&p, 2, &zh) || *p++ != ':' || s_digits(&p, 2, &zm) || zh > 23 || zm > 59)
            return ns_errf(err, "bad deadline '%s': bad zone offset", spec);
        has_zone = 1;
        zone = sign * (zh * 3600 + zm * 60);
    }
    if (*p)
        return ns_errf(err, "bad deadline '%s': %s", spec, want);
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || sec > 60)
        return ns_errf(err, "bad deadline '%s': out of range", spec);
    if (!out)
        return 0;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d + day_after; /* normalized by mktime/timegm */
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = sec;
    tm.tm_isdst = -1;
    time_t t = has_zone ? timegm(&tm) - zone : mktime(&tm);
    if (t == (time_t)-1)
        return ns_errf(err, "bad deadline '%s': not a time", spec);
    *out = (double)t;
    return 0;
}
