/* ns_wh: which warehouse, embedded SQL, libpq helpers (ns_wh.h). */
#include "ns_wh.h"

#include "ns_redact.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *ns_wh_sql(const char *path)
{
    for (const ns_wh_sql_t *f = ns_wh_sql_files; f->path; f++)
        if (!strcmp(f->path, path))
            return f->text;
    return NULL;
}

static int s_copy(char *out, size_t cap, const char *s, ns_err_t *err)
{
    size_t n = strlen(s);
    if (n >= cap)
        return ns_errf(err, "warehouse connection string too long (%zu bytes)", n);
    memcpy(out, s, n + 1);
    return 0;
}

int ns_wh_conninfo(const char *arg, char *out, size_t cap, ns_err_t *err)
{
    if (arg && *arg)
        return s_copy(out, cap, arg, err);
    const char *env = getenv("NIGHTSHIFT_WAREHOUSE");
    if (env && *env)
        return s_copy(out, cap, env, err);
    char path[1024];
    const char *home = getenv("NIGHTSHIFT_HOME");
    const char *u = getenv("HOME");
    if (home && *home)
        snprintf(path, sizeof path, "%s/warehouse/conninfo", home);
    else
        snprintf(path, sizeof path, "%s/.nightshift/warehouse/conninfo", u && *u ? u : "/tmp");
    FILE *f = fopen(path, "r");
    if (!f) {
        if (errno != ENOENT)
            return ns_errf(err, "cannot read '%s': %s", path, strerror(errno));
        out[0] = '\0'; /* libpq's defaults and the PG* variables */
        return 0;
    }
    size_t n = fread(out, 1, cap - 1, f);
    int bad = ferror(f) || !feof(f);
    fclose(f);
    if (bad)
        return ns_errf(err, "cannot read '%s' (or longer than %zu bytes)", path, cap - 1);
    while (n > 0 && isspace((unsigned char)out[n - 1]))
        n--;
    out[n] = '\0';
    return 0;
}

char *ns_wh_hide_arg(char *arg)
{
    char *copy = arg ? strdup(arg) : NULL;
    if (!copy)
        return NULL;
    char red[4096];
    ns_redact_conninfo(copy, red, sizeof red);
    size_t n = strlen(arg), rl = strlen(red);
    if (strcmp(red, copy)) {
        memset(arg, ' ', n);
        memcpy(arg, red, rl < n ? rl : n);
    }
    return copy;
}

/* src into dst (cap bytes), cut to fit. */
static void s_set(char *dst, size_t cap, const char *src)
{
    size_t n = strlen(src);
    if (n >= cap)
        n = cap - 1;
    memmove(dst, src, n);
    dst[n] = '\0';
}

static void s_mask_one(const char *secret, void *msg)
{
    ns_redact_secret(msg, secret);
}

/* Keeps the connection string's secrets out of libpq's message msg (cap
 * bytes): every password value, as our reader and as libpq reads it, is
 * masked; when libpq cannot parse the string at all its message quotes
 * pieces of it ("invalid percent-encoded token: \"...\""), so a quoted
 * piece is kept only when it is also in the string with its passwords
 * masked; then what still looks like a secret (ns_redact_text). */
static void s_scrub(char *msg, size_t cap, const char *ci)
{
    ns_redact_conninfo_secrets(ci, s_mask_one, msg);
    char *perr = NULL;
    PQconninfoOption *opts = PQconninfoParse(ci, &perr);
    if (opts) {
        for (PQconninfoOption *o = opts; o->keyword; o++)
            if (o->val && (!strcmp(o->keyword, "password") || !strcmp(o->keyword, "sslpassword")))
                ns_redact_secret(msg, o->val);
        PQconninfoFree(opts);
    } else {
        PQfreemem(perr);
        char safe[4096], out[1024];
        ns_redact_conninfo(ci, safe, sizeof safe);
        size_t o = 0;
        for (const char *p = msg; *p && o + 1 < sizeof out;) {
            const char *e = *p == '"' ? strchr(p + 1, '"') : NULL;
            size_t n = e ? (size_t)(e - p - 1) : 0;
            char piece[1024];
            if (e && n > 0 && n < sizeof piece) {
                memcpy(piece, p + 1, n);
                piece[n] = '\0';
                int ok = strstr(safe, piece) != NULL;
                int w = snprintf(out + o, sizeof out - o, "\"%s\"", ok ? piece : NS_REDACT_MASK);
                o += w > 0 && (size_t)w < sizeof out - o ? (size_t)w : 0;
                p = e + 1;
                continue;
            }
            out[o++] = *p++;
        }
        out[o] = '\0';
        s_set(msg, cap, out);
    }
    char tmp[1024];
    s_set(msg, cap, ns_redact_text(msg, tmp, sizeof tmp));
}

PGconn *ns_wh_connect(const char *arg, ns_err_t *err)
{
    char ci[4096];
    if (ns_wh_conninfo(arg, ci, sizeof ci, err))
        return NULL;
    /* expand_dbname: ci may be a URI or a key=value string; the later
     * keywords fill what it leaves out (they do not override it) */
    const char *keys[] = {"dbname", "application_name", "client_encoding", "options", NULL};
    const char *vals[] = {ci, "nightshift", "UTF8", "-c TimeZone=UTC -c client_min_messages=warning", NULL};
    PGconn *c = PQconnectdbParams(keys, vals, 1);
    if (!c) {
        ns_errf(err, "cannot connect to the warehouse: out of memory");
        return NULL;
    }
    if (PQstatus(c) != CONNECTION_OK) {
        /* libpq's message names host, port, user and database; it may
         * quote a piece of a connection string it cannot parse */
        char msg[512];
        snprintf(msg, sizeof msg, "%s", PQerrorMessage(c));
        size_t n = strlen(msg);
        while (n > 0 && isspace((unsigned char)msg[n - 1]))
            msg[--n] = '\0';
        s_scrub(msg, sizeof msg, ci);
        ns_errf(err, "cannot connect to the warehouse: %s", msg);
        PQfinish(c);
        return NULL;
    }
    return c;
}

void ns_wh_describe(PGconn *c, char *out, size_t cap)
{
    const char *h = PQhost(c);
    snprintf(out, cap, "host=%s port=%s dbname=%s user=%s", h && *h ? h : "(default)",
             PQport(c), PQdb(c), PQuser(c));
}

int ns_wh_err(ns_err_t *err, const PGresult *r, PGconn *c, const char *what)
{
    const char *msg = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    if (!msg)
        msg = PQerrorMessage(c);
    const char *det = r ? PQresultErrorField(r, PG_DIAG_MESSAGE_DETAIL) : NULL;
    const char *ctx = r ? PQresultErrorField(r, PG_DIAG_CONTEXT) : NULL;
    char m[600];
    snprintf(m, sizeof m, "%s", msg ? msg : "unknown error");
    size_t n = strlen(m);
    while (n > 0 && isspace((unsigned char)m[n - 1]))
        m[--n] = '\0';
    return ns_errf(err, "%s: %s%s%s%s%s%s%s", what, m, det ? " (" : "", det ? det : "",
                   det ? ")" : "", ctx ? " [" : "", ctx ? ctx : "", ctx ? "]" : "");
}

int ns_wh_exec(PGconn *c, const char *sql, ns_err_t *err)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);
    int rc = 0;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        char what[120];
        snprintf(what, sizeof what, "warehouse statement '%.60s%s' failed", sql,
                 strlen(sql) > 60 ? "..." : "");
        for (char *p = what; *p; p++)
            if (*p == '\n' || *p == '\t')
                *p = ' ';
        rc = ns_wh_err(err, r, c, what);
    }
    PQclear(r);
    return rc;
}

int ns_wh_ident(const char *name, char *out, size_t cap)
{
    int plain = (*name >= 'a' && *name <= 'z') || *name == '_';
    for (const char *p = name; *p && plain; p++)
        plain = (*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9') || *p == '_';
    size_t o = 0;
    if (!plain) {
        if (o + 1 >= cap)
            return -1;
        out[o++] = '"';
    }
    for (const char *p = name; *p; p++) {
        if (o + 3 >= cap)
            return -1;
        if (*p == '"' && !plain)
            out[o++] = '"';
        out[o++] = *p;
    }
    if (!plain)
        out[o++] = '"';
    out[o] = '\0';
    return 0;
}

int ns_wh_literal(ns_buf_t *b, const char *s)
{
    int rc = ns_buf_append(b, "'", 1);
    for (const char *p = s ? s : ""; *p && !rc; p++)
        rc = *p == '\'' ? ns_buf_append(b, "''", 2) : ns_buf_append(b, p, 1);
    return rc | ns_buf_append(b, "'", 1);
}
