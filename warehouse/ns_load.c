/* ns_load: a committed run into the warehouse, exactly once (ns_load.h,
 * docs/LOADER.md). */
#include "ns_load.h"

#include "ns_catalog.h"
#include "ns_codec.h"
#include "ns_log.h"
#include "ns_store.h"
#include "ns_wh.h"

#include <inttypes.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <xxhash.h>

#define S_LOCK_CLASS 1852339316 /* advisory lock class of nightshift loads ("nsld") */
/* Bounds of the run's documents (docs/SECURITY.md): a manifest entry is
 * about 200 bytes, so 16 MiB is some 80,000 load files; the parser (ns_cj)
 * makes a node of every value, so the bytes bound its memory too. */
#define S_MANIFEST_MAX ((size_t)16 << 20) /* max_manifest_bytes */
#define S_JOBJSON_MAX ((size_t)16 << 20)  /* max_jobjson_bytes */
#define S_COPY_CHUNK ((size_t)256 << 10)
#define S_MAX_STREAMS 64

/* ------------------------------------------------------------ the run */

static char *s_dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

void ns_load_run_free(ns_load_run_t **rp)
{
    ns_load_run_t *r = rp ? *rp : NULL;
    if (!r)
        return;
    free(r->manifest);
    free(r->job_id);
    free(r->job_name);
    free(r->table);
    free(r->date);
    for (int i = 0; i < r->nfiles; i++)
        free(r->files[i]);
    free(r->files);
    free(r->sizes);
    for (int i = 0; i < r->ncols; i++) {
        free(r->cols[i]);
        free(r->types[i]);
    }
    free(r->cols);
    free(r->types);
    for (int i = 0; i < r->nkeys; i++)
        free(r->keys[i]);
    free(r->keys);
    free(r->version);
    free(r);
    *rp = NULL;
}

static const char *s_str(const ns_cj_t *o, const char *key)
{
    const ns_cj_t *v = o ? ns_cj_get(o, key) : NULL;
    return v && v->type == NS_CJ_STR ? v->s : NULL;
}

static int s_col_index(const ns_load_run_t *r, const char *name)
{
    for (int i = 0; i < r->ncols; i++)
        if (!strcmp(r->cols[i], name))
            return i;
    return -1;
}

/* Reads the whole document uri, at most max bytes: the store's error, or
 * one that names the limit (its name in `limit`) when the object is larger. */
static int s_get_doc(const char *uri, const char *limit, size_t max, char **text, size_t *len,
                     ns_err_t *err)
{
    if (ns_store_get(uri, max, text, len, err) == 0)
        return 0;
    ns_object_t o;
    ns_err_t herr;
    if (ns_store_head(uri, &o, &herr) == 0 && o.size > max)
        return ns_errf(err, "'%s' is %llu bytes, exceeds %s (%zu bytes)", uri,
                       (unsigned long long)o.size, limit, max);
    return -1;
}

static int s_read_manifest(ns_load_run_t *r, const char *text, size_t len, ns_err_t *err)
{
    if (len > S_MANIFEST_MAX)
        return ns_errf(err, "manifest '%s' is %zu bytes, exceeds max_manifest_bytes (%zu bytes)",
                       r->manifest, len, S_MANIFEST_MAX);
    XXH128_hash_t h = XXH3_128bits(text, len);
    snprintf(r->checksum, sizeof r->checksum, "%016llx%016llx", (unsigned long long)h.high64,
             (unsigned long long)h.low64);
    ns_cj_doc_t *d = ns_cj_parse(text, len, NULL, err);
    if (!d)
        return ns_err_prefix(err, "manifest '%s'", r->manifest);
    const ns_cj_t *ents = ns_cj_get(ns_cj_root(d), "entries");
    int rc = 0;
    if (!ents || ents->type != NS_CJ_ARR) {
        rc = ns_errf(err, "manifest '%s' has no \"entries\" array", r->manifest);
        goto out;
    }
    r->files = calloc((size_t)ents->n + 1, sizeof *r->files);
    r->sizes = calloc((size_t)ents->n + 1, sizeof *r->sizes);
    if (!r->files || !r->sizes) {
        rc = ns_errf(err, "out of memory");
        goto out;
    }
    for (const ns_cj_t *e = ents->kid; e; e = e->next) {
        const char *url = s_str(e, "url");
        const ns_cj_t *meta = ns_cj_get(e, "meta");
        const ns_cj_t *cl = meta ? ns_cj_get(meta, "content_length") : NULL;
        if (!url || !cl || cl->type != NS_CJ_NUM) {
            rc = ns_errf(err, "manifest '%s': entry %d lacks \"url\" or \"meta.content_length\"",
                         r->manifest, r->nfiles + 1);
            goto out;
        }
        if (!(r->files[r->nfiles] = strdup(url))) {
            rc = ns_errf(err, "out of memory");
            goto out;
        }
        r->sizes[r->nfiles++] = strtoull(cl->s, NULL, 10);
    }
out:
    ns_cj_free(&d);
    return rc;
}

static int s_read_jobjson(ns_load_run_t *r, const char *uri, const char *text, size_t len,
                          ns_err_t *err)
{
    if (len > S_JOBJSON_MAX)
        return ns_errf(err, "'%s' is %zu bytes, exceeds max_jobjson_bytes (%zu bytes)", uri, len,
                       S_JOBJSON_MAX);
    ns_cj_doc_t *d = ns_cj_parse(text, len, NULL, err);
    if (!d)
        return ns_err_prefix(err, "'%s'", uri);
    const ns_cj_t *o = ns_cj_root(d);
    int rc = 0;
    const char *state = s_str(o, "state");
    const char *table = s_str(o, "table");
    const ns_cj_t *cols = ns_cj_get(o, "columns");
    const ns_cj_t *load = ns_cj_get(o, "load");
    const ns_cj_t *rows = ns_cj_get(o, "rows_out");
    if (!state || strcmp(state, "succeeded")) {
        rc = ns_errf(err, "job run '%s' is %s, not succeeded: only a committed run is loaded",
                     uri, state ? state : "of unknown state");
        goto out;
    }
    if (!table || !*table || !cols || cols->type != NS_CJ_ARR || !cols->n || !load ||
        load->type != NS_CJ_OBJ || !rows || rows->type != NS_CJ_NUM) {
        rc = ns_errf(err,
                     "'%s' lacks the loader's keys (table, columns, load, rows_out): the run was "
                     "written by an older nightshift; run the job again",
                     uri);
        goto out;
    }
    r->job_id = s_dup(s_str(o, "job"));
    r->job_name = s_dup(s_str(o, "name"));
    r->date = s_dup(s_str(o, "date"));
    snprintf(r->committed, sizeof r->committed, "%s", s_str(o, "committed") ? s_str(o, "committed") : "");
    r->table = strdup(table);
    r->rows_out = strtoull(rows->s, NULL, 10);
    r->cols = calloc((size_t)cols->n, sizeof *r->cols);
    r->types = calloc((size_t)cols->n, sizeof *r->types);
    if (!r->table || !r->cols || !r->types) {
        rc = ns_errf(err, "out of memory");
        goto out;
    }
    for (const ns_cj_t *c = cols->kid; c; c = c->next) {
        const char *name = s_str(c, "name"), *type = s_str(c, "type");
        if (!name || !type || !ns_catalog_valid_name(name)) {
            rc = ns_errf(err, "'%s': bad column %d", uri, r->ncols + 1);
            goto out;
        }
        r->cols[r->ncols] = strdup(name);
        r->types[r->ncols] = strdup(type);
        if (!r->cols[r->ncols++] || !r->types[r->ncols - 1]) {
            rc = ns_errf(err, "out of memory");
            goto out;
        }
    }
    const char *mode = s_str(load, "replace");
    const ns_cj_t *keys = ns_cj_get(load, "keys");
    if (!mode || !keys || keys->type != NS_CJ_ARR) {
        rc = ns_errf(err, "'%s': bad \"load\" object", uri);
        goto out;
    }
    if (!strcmp(mode, "none"))
        r->replace = NS_LOAD_APPEND;
    else if (!strcmp(mode, "all"))
        r->replace = NS_LOAD_REPLACE_ALL;
    else if (!strcmp(mode, "keys") && keys->n > 0)
        r->replace = NS_LOAD_REPLACE_KEYS;
    else {
        rc = ns_errf(err, "'%s': unknown load.replace '%s'", uri, mode);
        goto out;
    }
    r->keys = calloc((size_t)keys->n + 1, sizeof *r->keys);
    if (!r->keys) {
        rc = ns_errf(err, "out of memory");
        goto out;
    }
    for (const ns_cj_t *k = keys->kid; k; k = k->next) {
        if (k->type != NS_CJ_STR || s_col_index(r, k->s) < 0) {
            rc = ns_errf(err, "job '%s': output.load.replace names '%s', not a column of its load files",
                         r->job_name ? r->job_name : "?", k->type == NS_CJ_STR ? k->s : "?");
            goto out;
        }
        if (!(r->keys[r->nkeys++] = strdup(k->s))) {
            rc = ns_errf(err, "out of memory");
            goto out;
        }
    }
    const char *ver = s_str(load, "version");
    if (ver) {
        if (s_col_index(r, ver) < 0) {
            rc = ns_errf(err, "job '%s': output.load.version names '%s', not a column of its load files",
                         r->job_name ? r->job_name : "?", ver);
            goto out;
        }
        r->version = strdup(ver);
    }
out:
    ns_cj_free(&d);
    return rc;
}

int ns_load_parse_manifest(ns_load_run_t *r, const char *text, size_t len, ns_err_t *err)
{
    return s_read_manifest(r, text, len, err);
}

int ns_load_parse_jobjson(ns_load_run_t *r, const char *uri, const char *text, size_t len,
                          ns_err_t *err)
{
    return s_read_jobjson(r, uri, text, len, err);
}

int ns_load_read_run(const char *manifest, ns_load_run_t **out, ns_err_t *err)
{
    *out = NULL;
    ns_load_run_t *r = calloc(1, sizeof *r);
    if (!r || !(r->manifest = strdup(manifest))) {
        free(r);
        return ns_errf(err, "out of memory");
    }
    char *text = NULL;
    size_t len = 0;
    char uri[NS_URI_MAX];
    const char *slash = strrchr(manifest, '/');
    int rc = s_get_doc(manifest, "max_manifest_bytes", S_MANIFEST_MAX, &text, &len, err);
    if (!rc)
        rc = s_read_manifest(r, text, len, err);
    free(text);
    text = NULL;
    if (!rc && (!slash || (size_t)(slash - manifest) + 10 >= sizeof uri))
        rc = ns_errf(err, "manifest URI '%s' has no folder", manifest);
    if (!rc) {
        snprintf(uri, sizeof uri, "%.*sjob.json", (int)(slash - manifest + 1), manifest);
        rc = s_get_doc(uri, "max_jobjson_bytes", S_JOBJSON_MAX, &text, &len, err);
        if (!rc)
            rc = s_read_jobjson(r, uri, text, len, err);
        free(text);
    }
    if (rc) {
        ns_load_run_free(&r);
        return -1;
    }
    *out = r;
    return 0;
}

/* ------------------------------------------------------------ SQL text */

/* schema-qualified identifier of the table, or of its stream table when
 * part >= 0: <table>__l<load_id>_<stream> in the same schema */
static int s_qual(ns_buf_t *b, const char *table, int64_t part)
{
    char name[256], q[600];
    const char *dot = strchr(table, '.');
    int rc = 0;
    if (dot) {
        snprintf(name, sizeof name, "%.*s", (int)(dot - table), table);
        if (ns_wh_ident(name, q, sizeof q))
            return -1;
        rc |= ns_buf_appendf(b, "%s.", q);
        table = dot + 1;
    }
    if (part >= 0)
        snprintf(name, sizeof name, "%s__l%" PRId64 "_%d", table, part / 1000, (int)(part % 1000));
    else
        snprintf(name, sizeof name, "%s", table);
    if (ns_wh_ident(name, q, sizeof q))
        return -1;
    return rc | ns_buf_appendf(b, "%s", q);
}

/* "c1, c2, ..." with prefix before each name ("p." or "") */
static int s_cols(ns_buf_t *b, char *const *cols, int n, const char *prefix)
{
    int rc = 0;
    char q[300];
    for (int i = 0; i < n; i++) {
        if (ns_wh_ident(cols[i], q, sizeof q))
            return -1;
        rc |= ns_buf_appendf(b, "%s%s%s", i ? ", " : "", prefix, q);
    }
    return rc;
}

/* "a.k1 IS NOT DISTINCT FROM b.k1 AND ..." */
static int s_key_match(ns_buf_t *b, const ns_load_run_t *r, const char *a, const char *bb,
                       const char *op)
{
    int rc = 0;
    char q[300];
    for (int i = 0; i < r->nkeys; i++) {
        if (ns_wh_ident(r->keys[i], q, sizeof q))
            return -1;
        rc |= ns_buf_appendf(b, "%s%s.%s %s %s.%s", i ? " AND " : "", a, q, op, bb, q);
    }
    return rc;
}


int ns_load_redshift_sql(const ns_load_run_t *r, const char *iam_role, ns_buf_t *b,
                         ns_err_t *err)
{
    int rc = 0;
    rc |= ns_buf_appendf(b, "-- nightshift load: %s (job %s) into %s\n", r->manifest,
                         r->job_id ? r->job_id : "?", r->table);
    rc |= ns_buf_appendf(b, "CREATE TEMP TABLE ns_stage (LIKE ");
    rc |= s_qual(b, r->table, -1);
    rc |= ns_buf_appendf(b, ");\nCOPY ns_stage (");
    rc |= s_cols(b, r->cols, r->ncols, "");
    rc |= ns_buf_appendf(b, ")\n  FROM ");
    rc |= ns_wh_literal(b, r->manifest);
    rc |= ns_buf_appendf(b, "\n  IAM_ROLE ");
    rc |= iam_role && *iam_role ? ns_wh_literal(b, iam_role) : ns_buf_appendf(b, "default");
    rc |= ns_buf_appendf(b, "\n  MANIFEST ZSTD DELIMITER '|' ESCAPE NULL AS '\\\\N'\n"
                            "  DATEFORMAT 'YYYY-MM-DD' TIMEFORMAT 'auto'\n"
                            "  COMPUPDATE OFF STATUPDATE OFF;\n");
    rc |= ns_buf_appendf(b, "BEGIN;\n");
    if (r->version) {
        /* a stored row of a newer version wins over the load's */
        rc |= ns_buf_appendf(b, "DELETE FROM ns_stage USING ");
        rc |= s_qual(b, r->table, -1);
        rc |= ns_buf_appendf(b, " o\n  WHERE ");
        rc |= s_key_match(b, r, "o", "ns_stage", "=");
        char q[300];
        rc |= ns_wh_ident(r->version, q, sizeof q);
        rc |= ns_buf_appendf(b, " AND o.%s > ns_stage.%s;\n", q, q);
    }

    if (r->replace == NS_LOAD_REPLACE_ALL) {
        rc |= ns_buf_appendf(b, "DELETE FROM ");
        rc |= s_qual(b, r->table, -1);
        rc |= ns_buf_appendf(b, ";\n");
    } else if (r->replace == NS_LOAD_REPLACE_KEYS) {
        rc |= ns_buf_appendf(b, "DELETE FROM ");
        rc |= s_qual(b, r->table, -1);
        rc |= ns_buf_appendf(b, " USING (SELECT DISTINCT ");
        rc |= s_cols(b, r->keys, r->nkeys, "");
        rc |= ns_buf_appendf(b, " FROM ns_stage) k\n  WHERE ");
        ns_buf_t t;
        ns_buf_init(&t, 1 << 20);
        rc |= s_qual(&t, r->table, -1);
        rc |= t.data ? s_key_match(b, r, t.data, "k", "=") : -1;
        ns_buf_free(&t);
        rc |= ns_buf_appendf(b, ";\n");
    }
    rc |= ns_buf_appendf(b, "INSERT INTO ");
    rc |= s_qual(b, r->table, -1);
    rc |= ns_buf_appendf(b, " (");
    rc |= s_cols(b, r->cols, r->ncols, "");
    rc |= ns_buf_appendf(b, ")\n  SELECT ");
    rc |= s_cols(b, r->cols, r->ncols, "");
    rc |= ns_buf_appendf(b, " FROM ns_stage;\n");
    rc |= ns_buf_appendf(b, "INSERT INTO nightshift.loads (table_name, manifest, checksum, job_id, "
                            "job_name, run_date, state, files, rows, started, finished)\n  SELECT ");
    rc |= ns_wh_literal(b, r->table);
    rc |= ns_buf_appendf(b, ", ");
    rc |= ns_wh_literal(b, r->manifest);
    rc |= ns_buf_appendf(b, ", ");
    rc |= ns_wh_literal(b, r->checksum);
    rc |= ns_buf_appendf(b, ", ");
    rc |= ns_wh_literal(b, r->job_id);
    rc |= ns_buf_appendf(b, ", ");
    rc |= ns_wh_literal(b, r->job_name);
    rc |= ns_buf_appendf(b, ", ");
    rc |= ns_wh_literal(b, r->date);
    rc |= ns_buf_appendf(b, ", 'published', %d, COUNT(*), GETDATE(), GETDATE() FROM ns_stage;\n"
                            "END;\nDROP TABLE ns_stage;\n",
                         r->nfiles);
    return rc ? ns_errf(err, "the Redshift SQL of '%s' does not fit", r->manifest) : 0;
}

/* ------------------------------------------------------------ key scan */

/* The distinct keys of a stream's rows, read from the load-file text as it
 * goes to COPY (formats/ns_loadfile.h: '|' between fields, '\' escapes,
 * LF ends a row): the key fields' bytes, escapes kept, joined by '|' in
 * column order, which is again a line COPY reads. Costs the client a scan
 * of the bytes it sends anyway, instead of the server a second pass over
 * the rows it wrote. */
typedef struct {
    bool on;
    unsigned char iskey[NS_MAX_COLUMNS + 1];
    int maxcol;    /* the last key column */
    int field;     /* field of the current row */
    int captured;  /* key fields of the current row so far */
    bool esc;      /* the previous byte was an escaping '\' */
    ns_buf_t cur;  /* the current row's key */
    char **slot;   /* open addressing: key strings, NULL when free */
    uint64_t *hash;
    size_t cap, n;
} s_keyscan_t;

#define S_KEYS_MAX ((size_t)1 << 24) /* distinct keys a stream may hold */

static int s_keyscan_init(s_keyscan_t *k, const ns_load_run_t *r)
{
    memset(k, 0, sizeof *k);
    ns_buf_init(&k->cur, (size_t)1 << 20);
    if (r->replace != NS_LOAD_REPLACE_KEYS || r->version)
        return 0; /* version: the server picks the keys after dropping superseded rows */
    k->on = true;
    for (int i = 0; i < r->nkeys; i++) {
        int c = s_col_index(r, r->keys[i]);
        if (c < 0 || c >= NS_MAX_COLUMNS)
            return -1;
        k->iskey[c] = 1;
        if (c > k->maxcol)
            k->maxcol = c;
    }
    k->captured = k->iskey[0] ? 1 : 0;
    k->cap = 1024;
    k->slot = calloc(k->cap, sizeof *k->slot);
    k->hash = calloc(k->cap, sizeof *k->hash);
    return k->slot && k->hash ? 0 : -1;
}

static void s_keyscan_free(s_keyscan_t *k)
{
    for (size_t i = 0; k->slot && i < k->cap; i++)
        free(k->slot[i]);
    free(k->slot);
    free(k->hash);
    ns_buf_free(&k->cur);
}

static int s_keyscan_add(s_keyscan_t *k, ns_err_t *err)
{
    const char *key = k->cur.data ? k->cur.data : "";
    size_t len = k->cur.len;
    uint64_t h = XXH3_64bits(key, len);
    if (2 * (k->n + 1) > k->cap) {
        size_t cap = k->cap * 2;
        char **slot = calloc(cap, sizeof *slot);
        uint64_t *hash = calloc(cap, sizeof *hash);
        if (!slot || !hash || k->n >= S_KEYS_MAX) {
            free(slot);
            free(hash);
            return ns_errf(err, "more than %zu distinct keys in one load stream", S_KEYS_MAX);
        }
        for (size_t i = 0; i < k->cap; i++)
            if (k->slot[i]) {
                size_t j = k->hash[i] & (cap - 1);
                while (slot[j])
                    j = (j + 1) & (cap - 1);
                slot[j] = k->slot[i];
                hash[j] = k->hash[i];
            }
        free(k->slot);
        free(k->hash);
        k->slot = slot;
        k->hash = hash;
        k->cap = cap;
    }
    size_t j = h & (k->cap - 1);
    for (; k->slot[j]; j = (j + 1) & (k->cap - 1))
        if (k->hash[j] == h && !strcmp(k->slot[j], key))
            return 0;
    if (!(k->slot[j] = strdup(key)))
        return ns_errf(err, "out of memory");
    k->hash[j] = h;
    k->n++;
    return 0;
}

static int s_keyscan_feed(s_keyscan_t *k, const char *p, size_t n, ns_err_t *err)
{
    if (!k->on)
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = p[i];
        bool in = k->field <= k->maxcol && k->iskey[k->field];
        if (k->esc) {
            k->esc = false;
        } else if (c == '\\') {
            k->esc = true;
        } else if (c == '|') {
            k->field++;
            if (k->field <= k->maxcol && k->iskey[k->field] && k->captured++ > 0 &&
                ns_buf_append(&k->cur, "|", 1))
                return ns_errf(err, "key too long");
            if (k->field > k->maxcol) {
                /* the rest of the row holds no key: on to its end */
                while (i + 1 < n && p[i + 1] != '\n' && p[i + 1] != '\\')
                    i++;
            }
            continue;
        } else if (c == '\n') {
            if (s_keyscan_add(k, err))
                return -1;
            ns_buf_reset(&k->cur);
            k->field = 0;
            k->captured = k->iskey[0] ? 1 : 0;
            continue;
        }
        if (in) {
            if (ns_buf_append(&k->cur, &c, 1))
                return ns_errf(err, "key too long");
        } else if (k->field > k->maxcol) {
            while (i + 1 < n && p[i + 1] != '\n' && p[i + 1] != '\\')
                i++;
        }
    }
    return 0;
}

/* ------------------------------------------------------------ streams */

static double s_now(void);

typedef struct s_load s_load_t;

typedef struct {
    s_load_t *ld;
    int index;
    int64_t part;
    PGconn *conn;
    uint64_t rows, bytes;
    uint64_t superseded; /* rows dropped for a newer stored version */
    s_keyscan_t keys;    /* the distinct keys of the rows sent */
    int files;
    int failed;
    ns_err_t err;
    pthread_t tid;
    int started;
} s_stream_t;

struct s_load {
    const ns_load_opts_t *o;
    const ns_load_run_t *run;
    char conninfo[4096];
    int64_t load_id;
    pthread_mutex_t mu;
    int next_file;
    int stop; /* a stream failed: the others stop */
    s_stream_t st[S_MAX_STREAMS];
    int nst;
};

static int s_next_file(s_load_t *ld)
{
    pthread_mutex_lock(&ld->mu);
    int f = ld->stop || ld->next_file >= ld->run->nfiles ? -1 : ld->next_file++;
    pthread_mutex_unlock(&ld->mu);
    return f;
}

static int s_stopped(s_load_t *ld)
{
    pthread_mutex_lock(&ld->mu);
    int s = ld->stop;
    pthread_mutex_unlock(&ld->mu);
    return s;
}

static void s_stop(s_load_t *ld)
{
    pthread_mutex_lock(&ld->mu);
    ld->stop = 1;
    pthread_mutex_unlock(&ld->mu);
}

/* "line 17" and "column units" out of COPY's error context */
static void s_copy_error(s_stream_t *s, const char *file, PGresult *res)
{
    const char *msg = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
    const char *ctx = PQresultErrorField(res, PG_DIAG_CONTEXT);
    long line = 0;
    char col[128] = "";
    if (ctx) {
        const char *l = strstr(ctx, ", line ");
        if (l)
            line = strtol(l + 7, NULL, 10);
        const char *c = strstr(ctx, ", column ");
        if (c) {
            size_t n = strcspn(c + 9, ":\n");
            snprintf(col, sizeof col, " (column %.*s)", (int)(n < 100 ? n : 100), c + 9);
        }
    }
    char m[512];
    snprintf(m, sizeof m, "%s", msg ? msg : PQerrorMessage(s->conn));
    size_t n = strlen(m);
    while (n && (m[n - 1] == '\n' || m[n - 1] == ' '))
        m[--n] = '\0';
    if (line > 0)
        ns_errf(&s->err, "load file '%s' line %ld: %s%s", file, line, m, col);
    else
        ns_errf(&s->err, "load file '%s': %s%s", file, m, col);
}

static int s_exec(s_stream_t *s, const char *sql)
{
    return ns_wh_exec(s->conn, sql, &s->err);
}

/* One load file through COPY. */
static int s_copy_file(s_stream_t *s, int fi, ns_buf_t *sql, char *chunk)
{
    const ns_load_run_t *r = s->ld->run;
    const char *uri = r->files[fi];
    ns_object_t obj;
    if (ns_store_head(uri, &obj, &s->err))
        return ns_err_prefix(&s->err, "load file");
    if (obj.size != r->sizes[fi])
        return ns_errf(&s->err,
                       "load file '%s' is %" PRIu64 " bytes, the manifest says %" PRIu64
                       ": it changed after the run committed",
                       uri, (uint64_t)obj.size, r->sizes[fi]);
    ns_reader_t *src = ns_store_open_read(uri, 0, r->sizes[fi], NS_READ_AHEAD, &s->err);
    if (!src)
        return -1;
    ns_reader_t *in = ns_codec_reader(src, NS_CODEC_ZSTD, 0, &s->err);
    if (!in) {
        ns_reader_close(&src);
        return -1;
    }
    ns_buf_reset(sql);
    int rc = ns_buf_appendf(sql, "COPY ");
    rc |= s_qual(sql, r->table, s->part);
    rc |= ns_buf_appendf(sql, " (");
    rc |= s_cols(sql, r->cols, r->ncols, "");
    rc |= ns_buf_appendf(sql, ") FROM STDIN WITH (FORMAT text, DELIMITER '|', NULL '\\N', FREEZE)");
    if (rc) {
        ns_reader_close(&in);
        return ns_errf(&s->err, "COPY statement too long");
    }
    PGresult *res = PQexec(s->conn, sql->data);
    if (PQresultStatus(res) != PGRES_COPY_IN) {
        ns_wh_err(&s->err, res, s->conn, "COPY");
        PQclear(res);
        ns_reader_close(&in);
        return -1;
    }
    PQclear(res);
    const char *abort_msg = NULL;
    for (;;) {
        if (s_stopped(s->ld)) {
            abort_msg = "another stream of the load failed";
            ns_errf(&s->err, "stopped: another stream of the load failed");
            break;
        }
        ssize_t n = ns_reader_read(in, chunk, S_COPY_CHUNK, &s->err);
        if (n < 0) {
            ns_err_prefix(&s->err, "load file '%s'", uri);
            abort_msg = "the load file could not be read";
            break;
        }
        if (n == 0)
            break;
        if (s_keyscan_feed(&s->keys, chunk, (size_t)n, &s->err)) {
            ns_err_prefix(&s->err, "load file '%s'", uri);
            abort_msg = "a key could not be read";
            break;
        }
        if (PQputCopyData(s->conn, chunk, (int)n) != 1) {
            ns_errf(&s->err, "COPY of '%s': %s", uri, PQerrorMessage(s->conn));
            abort_msg = "send failed";
            break;
        }
        s->bytes += (uint64_t)n;
    }
    ns_reader_close(&in);
    char why[NS_ERR_MAX];
    snprintf(why, sizeof why, "%s", s->err.msg);
    PQputCopyEnd(s->conn, abort_msg);
    rc = 0;
    while ((res = PQgetResult(s->conn))) {
        if (PQresultStatus(res) == PGRES_COMMAND_OK) {
            s->rows += strtoull(PQcmdTuples(res), NULL, 10);
        } else if (!abort_msg) {
            s_copy_error(s, uri, res);
            rc = -1;
        }
        PQclear(res);
    }
    if (abort_msg) {
        if (why[0])
            snprintf(s->err.msg, sizeof s->err.msg, "%s", why);
        else
            ns_errf(&s->err, "load of '%s' stopped: %s", uri, abort_msg);
        return -1;
    }
    if (!rc)
        s->files++;
    return rc;
}

/* The target's indexes, built on the stream's table in its transaction
 * (in parallel, on rows just written) so that ATTACH PARTITION finds them
 * and only attaches them. */
static int s_stream_indexes(s_stream_t *s, ns_buf_t *q)
{
    const ns_load_run_t *r = s->ld->run;
    ns_buf_reset(q);
    s_qual(q, r->table, -1);
    const char *p[1] = {q->data};
    PGresult *x = PQexecParams(s->conn,
                               "SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i WHERE i.indrelid "
                               "= to_regclass($1) ORDER BY i.indexrelid",
                               1, NULL, p, NULL, NULL, 0);
    if (PQresultStatus(x) != PGRES_TUPLES_OK) {
        ns_wh_err(&s->err, x, s->conn, "reading the indexes of the target");
        PQclear(x);
        return -1;
    }
    int rc = 0;
    for (int i = 0; i < PQntuples(x) && !rc; i++) {
        const char *def = PQgetvalue(x, i, 0);
        const char *using = strstr(def, " USING ");
        if (!using)
            continue;
        ns_buf_reset(q);
        ns_buf_appendf(q, "CREATE %sINDEX ON ", !strncmp(def, "CREATE UNIQUE ", 14) ? "UNIQUE " : "");
        s_qual(q, r->table, s->part);
        ns_buf_appendf(q, "%s", using);
        rc = s_exec(s, q->data);
    }
    PQclear(x);
    return rc;
}

/* In the stream's transaction, for replace: [keys]: drops the rows a
 * stored row of a newer version beats (output.load.version; the table's
 * advisory lock keeps the stored rows still until the publish), then puts
 * the distinct keys of the stream's table into the key index, under its
 * load_part (a publish that does not happen removes them again). Both run
 * on the streams' connections, in parallel, on rows COPY FREEZE wrote. */
static int s_stream_keys(s_stream_t *s, ns_buf_t *q)
{
    const ns_load_run_t *r = s->ld->run;
    int rc = 0;
    if (r->version) {
        char qv[300];
        if (ns_wh_ident(r->version, qv, sizeof qv))
            return ns_errf(&s->err, "bad column name '%s'", r->version);
        ns_buf_reset(q);
        ns_buf_appendf(q, "DELETE FROM ");
        s_qual(q, r->table, s->part);
        ns_buf_appendf(q, " s USING ");
        s_qual(q, r->table, -1);
        ns_buf_appendf(q, " o WHERE ");
        s_key_match(q, r, "o", "s", "IS NOT DISTINCT FROM");
        ns_buf_appendf(q, " AND o.%s > s.%s", qv, qv);
        PGresult *x = PQexec(s->conn, q->data);
        if (PQresultStatus(x) != PGRES_COMMAND_OK)
            rc = ns_wh_err(&s->err, x, s->conn, "dropping superseded rows");
        else
            s->superseded = strtoull(PQcmdTuples(x), NULL, 10);
        PQclear(x);
        if (rc)
            return -1;
    }
    char lp[32];
    snprintf(lp, sizeof lp, "%" PRId64, s->part);
    if (s->keys.on) {
        /* the keys the client read off the rows, typed by the target's columns */
        const s_keyscan_t *k = &s->keys;
        ns_buf_reset(q);
        ns_buf_appendf(q, "CREATE TEMP TABLE ns_keys ON COMMIT DROP AS SELECT ");
        int first = 1;
        for (int c = 0; c <= k->maxcol; c++)
            if (k->iskey[c]) {
                ns_buf_appendf(q, "%s", first ? "" : ", ");
                s_cols(q, &r->cols[c], 1, "");
                first = 0;
            }
        ns_buf_appendf(q, " FROM ");
        s_qual(q, r->table, -1);
        ns_buf_appendf(q, " WHERE false");
        if (s_exec(s, q->data))
            return -1;
        PGresult *x = PQexec(s->conn, "COPY ns_keys FROM STDIN WITH (FORMAT text, DELIMITER '|', NULL '\\N')");
        rc = PQresultStatus(x) == PGRES_COPY_IN ? 0 : ns_wh_err(&s->err, x, s->conn, "COPY of the keys");
        PQclear(x);
        for (size_t i = 0; i < k->cap && !rc; i++)
            if (k->slot[i] && (PQputCopyData(s->conn, k->slot[i], (int)strlen(k->slot[i])) != 1 ||
                               PQputCopyData(s->conn, "\n", 1) != 1))
                rc = ns_errf(&s->err, "COPY of the keys: %s", PQerrorMessage(s->conn));
        if (PQputCopyEnd(s->conn, rc ? "failed" : NULL) != 1 && !rc)
            rc = ns_errf(&s->err, "COPY of the keys: %s", PQerrorMessage(s->conn));
        while ((x = PQgetResult(s->conn))) {
            if (PQresultStatus(x) != PGRES_COMMAND_OK && !rc)
                rc = ns_wh_err(&s->err, x, s->conn, "COPY of the keys");
            PQclear(x);
        }
        if (rc)
            return -1;
    }
    ns_buf_reset(q);
    /* distinct first, then the row text of each distinct key only */
    ns_buf_appendf(q, "SET LOCAL datestyle = 'ISO, YMD'; INSERT INTO nightshift.load_keys (table_name, load_part, k) SELECT ");
    ns_wh_literal(q, r->table);
    ns_buf_appendf(q, ", %s, ROW(", lp);
    s_cols(q, r->keys, r->nkeys, "d.");
    ns_buf_appendf(q, ")::text FROM (SELECT DISTINCT ");
    s_cols(q, r->keys, r->nkeys, "");
    ns_buf_appendf(q, " FROM ");
    if (s->keys.on)
        ns_buf_appendf(q, "ns_keys");
    else
        s_qual(q, r->table, s->part);
    ns_buf_appendf(q, ") d");
    return s_exec(s, q->data);
}

static void *s_stream_main(void *arg)
{
    s_stream_t *s = arg;
    s_load_t *ld = s->ld;
    const ns_load_run_t *r = ld->run;
    ns_buf_t sql;
    ns_buf_init(&sql, 1 << 20);
    char *chunk = malloc(S_COPY_CHUNK);
    int rc = chunk && !s_keyscan_init(&s->keys, r) ? 0 : ns_errf(&s->err, "out of memory");
    if (!rc && !(s->conn = ns_wh_connect(ld->conninfo, &s->err)))
        rc = -1;
    /* the stream's table, created in the transaction that fills it (no WAL
     * for it with wal_level minimal), invisible until the publish */
    if (!rc) {
        rc |= ns_buf_appendf(&sql, "BEGIN; CREATE TABLE ");
        rc |= s_qual(&sql, r->table, s->part);
        rc |= ns_buf_appendf(&sql, " (LIKE ");
        rc |= s_qual(&sql, r->table, -1);
        rc |= ns_buf_appendf(&sql, " INCLUDING DEFAULTS); ALTER TABLE ");
        rc |= s_qual(&sql, r->table, s->part);
        rc |= ns_buf_appendf(&sql,
                             " ALTER COLUMN load_part SET DEFAULT %" PRId64
                             ", ADD CONSTRAINT ns_load_part CHECK (load_part IS NOT NULL AND "
                             "load_part = %" PRId64 ")",
                             s->part, s->part);
        rc = rc ? ns_errf(&s->err, "statement too long") : s_exec(s, sql.data);
    }
    double t0 = s_now();
    for (int fi; !rc && (fi = s_next_file(ld)) >= 0;)
        rc = s_copy_file(s, fi, &sql, chunk);
    if (!rc && s_stopped(ld))
        rc = ns_errf(&s->err, "stopped: another stream of the load failed");
    double t1 = s_now();
    if (!rc && r->replace == NS_LOAD_REPLACE_KEYS && s->rows > 0)
        rc = s_stream_keys(s, &sql);
    double t2 = s_now();
    if (!rc && s->rows > 0)
        rc = s_stream_indexes(s, &sql);
    double t3 = s_now();
    if (!rc)
        rc = s_exec(s, "COMMIT");
    ns_debug("load stream %" PRId64 ": copy %.3f s, keys %.3f s, indexes %.3f s, commit %.3f s",
             s->part, t1 - t0, t2 - t1, t3 - t2, s_now() - t3);
    if (rc) {
        s->failed = 1;
        s_stop(ld);
        if (s->conn && PQstatus(s->conn) == CONNECTION_OK) {
            ns_err_t ignore;
            ns_wh_exec(s->conn, "ROLLBACK", &ignore);
        }
    }
    if (s->conn)
        PQfinish(s->conn);
    s->conn = NULL;
    free(chunk);
    s_keyscan_free(&s->keys);
    ns_buf_free(&sql);
    return NULL;
}

/* ------------------------------------------------------------ control */

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Runs a statement with text parameters; returns the result (caller
 * clears) or NULL with err set. */
static PGresult *s_q(PGconn *c, ns_err_t *err, const char *sql, int n, const char *const *p)
{
    PGresult *r = PQexecParams(c, sql, n, NULL, p, NULL, NULL, 0);
    ExecStatusType st = PQresultStatus(r);
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
        return r;
    char what[96];
    snprintf(what, sizeof what, "warehouse statement '%.50s...' failed", sql);
    ns_wh_err(err, r, c, what);
    PQclear(r);
    return NULL;
}

static int s_q0(PGconn *c, ns_err_t *err, const char *sql, int n, const char *const *p)
{
    PGresult *r = s_q(c, err, sql, n, p);
    PQclear(r);
    return r ? 0 : -1;
}

static int s_ensure_ledger(PGconn *c, ns_err_t *err)
{
    const char *ddl = ns_wh_sql("postgres/nightshift.sql");
    if (!ddl)
        return ns_errf(err, "the ledger DDL is not compiled in");
    /* one session at a time creates it (CREATE ... IF NOT EXISTS races) */
    char lock[96];
    snprintf(lock, sizeof lock, "SELECT pg_advisory_lock(%d, 0)", S_LOCK_CLASS);
    if (ns_wh_exec(c, lock, err))
        return -1;
    int rc = ns_wh_exec(c, ddl, err);
    snprintf(lock, sizeof lock, "SELECT pg_advisory_unlock(%d, 0)", S_LOCK_CLASS);
    ns_err_t e2;
    ns_wh_exec(c, lock, &e2);
    return rc;
}

/* The table exists, is partitioned, and has the run's columns and load_part. */
static int s_check_table(PGconn *c, const ns_load_run_t *r, ns_buf_t *q, ns_err_t *err)
{
    ns_buf_reset(q);
    if (s_qual(q, r->table, -1))
        return ns_errf(err, "bad table name '%s'", r->table);
    const char *p[1] = {q->data};
    PGresult *res = s_q(c, err,
                        "SELECT c.relkind::text, a.attname::text FROM pg_class c "
                        "LEFT JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT "
                        "a.attisdropped WHERE c.oid = to_regclass($1)",
                        1, p);
    if (!res)
        return -1;
    int rc = 0;
    int n = PQntuples(res);
    if (n == 0) {
        rc = ns_errf(err, "table '%s' does not exist in the warehouse: run nightshift warehouse init",
                     r->table);
    } else if (strcmp(PQgetvalue(res, 0, 0), "p")) {
        rc = ns_errf(err,
                     "table '%s' is not partitioned by load_part (docs/WAREHOUSE.md): create it "
                     "with nightshift warehouse init",
                     r->table);
    } else {
        const char *need_part = "load_part";
        for (int i = -1; i < r->ncols && !rc; i++) {
            const char *want = i < 0 ? need_part : r->cols[i];
            int found = 0;
            for (int k = 0; k < n && !found; k++)
                found = !strcmp(PQgetvalue(res, k, 1), want);
            if (!found)
                rc = ns_errf(err,
                             "table '%s' has no column '%s' that the load files of job '%s' "
                             "have: update the schema (nightshift warehouse init)",
                             r->table, want, r->job_name ? r->job_name : "?");
        }
    }
    PQclear(res);
    return rc;
}

/* The load's key-index rows and stream tables, after a failure. */
static void s_drop_stage(PGconn *c, s_load_t *ld)
{
    char id[32];
    snprintf(id, sizeof id, "%" PRId64, ld->load_id);
    const char *p[2] = {ld->run->table, id};
    ns_err_t e0;
    s_q0(c, &e0, "DELETE FROM nightshift.load_keys WHERE table_name = $1 AND load_part / 1000 = $2::bigint",
         2, p);
    ns_buf_t q;
    ns_buf_init(&q, 1 << 16);
    for (int i = 0; i < ld->nst; i++) {
        ns_buf_reset(&q);
        ns_buf_appendf(&q, "DROP TABLE IF EXISTS ");
        s_qual(&q, ld->run->table, ld->st[i].part);
        ns_err_t e;
        ns_wh_exec(c, q.data, &e);
    }
    ns_buf_free(&q);
}

/* Tables of loads of this table that a loader left unpublished (it died):
 * we hold the table's lock, so none of them is still running. */
static int s_clean_abandoned(PGconn *c, const ns_load_run_t *r, ns_buf_t *q, ns_err_t *err)
{
    const char *p[1] = {r->table};
    PGresult *res = s_q(c, err,
                        "SELECT load_id::text, streams FROM nightshift.loads WHERE table_name = $1 "
                        "AND state = 'staging'",
                        1, p);
    if (!res)
        return -1;
    int rc = 0;
    for (int i = 0; i < PQntuples(res) && !rc; i++) {
        int64_t id = strtoll(PQgetvalue(res, i, 0), NULL, 10);
        int streams = atoi(PQgetvalue(res, i, 1));
        for (int s = 0; s < streams && !rc; s++) {
            ns_buf_reset(q);
            ns_buf_appendf(q, "DROP TABLE IF EXISTS ");
            s_qual(q, r->table, id * 1000 + s);
            rc = ns_wh_exec(c, q->data, err);
        }
        const char *pk[2] = {r->table, PQgetvalue(res, i, 0)};
        if (!rc)
            rc = s_q0(c, err,
                      "DELETE FROM nightshift.load_keys WHERE table_name = $1 AND load_part / 1000 "
                      "= $2::bigint",
                      2, pk);
        const char *pp[1] = {PQgetvalue(res, i, 0)};
        if (!rc)
            rc = s_q0(c, err,
                      "UPDATE nightshift.loads SET state = 'abandoned', finished = now(), error = "
                      "'the loader stopped before publishing' WHERE load_id = $1",
                      1, pp);
    }
    PQclear(res);
    return rc;
}

static uint64_t s_count(PGconn *c, ns_buf_t *q, const char *table, int64_t part, ns_err_t *err,
                        int *bad)
{
    ns_buf_reset(q);
    ns_buf_appendf(q, "SELECT count(*) FROM ");
    s_qual(q, table, part);
    PGresult *res = s_q(c, err, q->data, 0, NULL);
    if (!res) {
        *bad = 1;
        return 0;
    }
    uint64_t n = strtoull(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return n;
}

/* The publish transaction's replacing step for replace: [keys]. */
static int s_replace_keys(PGconn *c, s_load_t *ld, ns_buf_t *q, ns_load_result_t *res,
                          ns_err_t *err)
{
    const ns_load_run_t *r = ld->run;
    int rc = 0;
    ns_buf_reset(q);
    ns_buf_appendf(q, "{");
    for (int i = 0; i < ld->nst; i++)
        ns_buf_appendf(q, "%s%" PRId64, i ? "," : "", ld->st[i].part);
    ns_buf_appendf(q, "}");
    char *parts = strdup(q->data);
    if (!parts)
        return ns_errf(err, "out of memory");
    const char *p2[2] = {r->table, parts};
    if (!rc)
        rc = s_q0(c, err,
                  "CREATE TEMP TABLE ns_newkeys ON COMMIT DROP AS SELECT DISTINCT k FROM "
                  "nightshift.load_keys WHERE table_name = $1 AND load_part = ANY($2::bigint[])",
                  2, p2);
    PGresult *hit = rc ? NULL
                       : s_q(c, err,
                             "SELECT lk.load_part::text, count(*) = (SELECT count(*) FROM "
                             "nightshift.load_keys a WHERE a.table_name = $1 AND a.load_part = "
                             "lk.load_part) FROM nightshift.load_keys lk JOIN ns_newkeys n ON n.k = "
                             "lk.k WHERE lk.table_name = $1 AND NOT lk.load_part = ANY($2::bigint[]) "
                             "GROUP BY lk.load_part ORDER BY 1",
                             2, p2);
    free(parts);
    if (!hit)
        return -1;
    for (int i = 0; i < PQntuples(hit) && !rc; i++) {
        int64_t part = strtoll(PQgetvalue(hit, i, 0), NULL, 10);
        int whole = !strcmp(PQgetvalue(hit, i, 1), "t");
        const char *pp[2] = {r->table, PQgetvalue(hit, i, 0)};
        if (whole) {
            int bad = 0;
            res->replaced_rows += s_count(c, q, r->table, part, err, &bad);
            ns_buf_reset(q);
            ns_buf_appendf(q, "DROP TABLE ");
            s_qual(q, r->table, part);
            rc = bad ? -1 : ns_wh_exec(c, q->data, err);
            if (!rc)
                rc = s_q0(c, err,
                          "DELETE FROM nightshift.load_keys WHERE table_name = $1 AND load_part = "
                          "$2::bigint",
                          2, pp);
            res->dropped_parts++;
        } else {
            ns_buf_reset(q);
            ns_buf_appendf(q, "DELETE FROM ");
            s_qual(q, r->table, part);
            ns_buf_appendf(q, " p WHERE ROW(");
            s_cols(q, r->keys, r->nkeys, "p.");
            ns_buf_appendf(q, ")::text IN (SELECT k FROM ns_newkeys)");
            PGresult *x = s_q(c, err, q->data, 0, NULL);
            if (!x) {
                rc = -1;
                break;
            }
            res->replaced_rows += strtoull(PQcmdTuples(x), NULL, 10);
            PQclear(x);
            rc = s_q0(c, err,
                      "DELETE FROM nightshift.load_keys lk USING ns_newkeys n WHERE lk.table_name = "
                      "$1 AND lk.load_part = $2::bigint AND lk.k = n.k",
                      2, pp);
        }
    }
    PQclear(hit);
    return rc;
}

/* The publish transaction's replacing step for replace: all. */
static int s_replace_all(PGconn *c, s_load_t *ld, ns_buf_t *q, ns_load_result_t *res,
                         ns_err_t *err)
{
    const ns_load_run_t *r = ld->run;
    ns_buf_reset(q);
    s_qual(q, r->table, -1);
    const char *p[1] = {q->data};
    PGresult *kids = s_q(c, err,
                         "SELECT i.inhrelid::regclass::text FROM pg_inherits i WHERE i.inhparent = "
                         "to_regclass($1) ORDER BY 1",
                         1, p);
    if (!kids)
        return -1;
    int rc = 0;
    ns_buf_t d;
    ns_buf_init(&d, 1 << 16);
    for (int i = 0; i < PQntuples(kids) && !rc; i++) {
        ns_buf_reset(&d);
        ns_buf_appendf(&d, "SELECT count(*) FROM %s", PQgetvalue(kids, i, 0));
        PGresult *x = s_q(c, err, d.data, 0, NULL);
        if (!x) {
            rc = -1;
            break;
        }
        res->replaced_rows += strtoull(PQgetvalue(x, 0, 0), NULL, 10);
        PQclear(x);
        ns_buf_reset(&d);
        ns_buf_appendf(&d, "DROP TABLE %s", PQgetvalue(kids, i, 0));
        rc = ns_wh_exec(c, d.data, err);
        res->dropped_parts++;
    }
    ns_buf_free(&d);
    PQclear(kids);
    return rc;
}

static int s_publish(PGconn *c, s_load_t *ld, ns_load_result_t *res, ns_err_t *err)
{
    const ns_load_run_t *r = ld->run;
    ns_buf_t q;
    ns_buf_init(&q, 1 << 20);
    double t0 = s_now();
    int rc = ns_wh_exec(c, "BEGIN; SET LOCAL datestyle = 'ISO, YMD'", err);
    if (!rc && r->replace == NS_LOAD_REPLACE_KEYS)
        rc = s_replace_keys(c, ld, &q, res, err);
    else if (!rc && r->replace == NS_LOAD_REPLACE_ALL)
        rc = s_replace_all(c, ld, &q, res, err);
    double t1 = s_now();
    for (int i = 0; i < ld->nst && !rc; i++) {
        ns_buf_reset(&q);
        if (ld->st[i].rows == 0) {
            /* a stream that got no file (or only empty ones): no partition */
            ns_buf_appendf(&q, "DROP TABLE ");
            s_qual(&q, r->table, ld->st[i].part);
        } else {
            ns_buf_appendf(&q, "ALTER TABLE ");
            s_qual(&q, r->table, -1);
            ns_buf_appendf(&q, " ATTACH PARTITION ");
            s_qual(&q, r->table, ld->st[i].part);
            ns_buf_appendf(&q, " FOR VALUES IN (%" PRId64 ")", ld->st[i].part);
        }
        rc = ns_wh_exec(c, q.data, err);
    }
    char id[32], rows[32], bytes[32], repl[32], dropped[16], files[16];
    snprintf(id, sizeof id, "%" PRId64, ld->load_id);
    snprintf(rows, sizeof rows, "%" PRIu64, res->rows - res->superseded);
    snprintf(bytes, sizeof bytes, "%" PRIu64, res->bytes);
    snprintf(repl, sizeof repl, "%" PRIu64, res->replaced_rows);
    snprintf(dropped, sizeof dropped, "%d", res->dropped_parts);
    snprintf(files, sizeof files, "%d", res->files);
    if (!rc && res->dropped_parts) {
        /* loads none of whose partitions is left (replace all drops every
         * one; replace keys drops a partition with its last key) */
        const char *p[3] = {r->table, r->replace == NS_LOAD_REPLACE_ALL ? "t" : "f", id};
        rc = s_q0(c, err,
                  "UPDATE nightshift.loads l SET state = 'replaced' WHERE l.table_name = $1 AND "
                  "l.state = 'published' AND l.load_id <> $3::bigint AND ($2::boolean OR NOT "
                  "EXISTS (SELECT 1 FROM nightshift.load_keys lk WHERE lk.table_name = $1 AND "
                  "lk.load_part / 1000 = l.load_id))",
                  3, p);
    }
    if (!rc) {
        const char *p[6] = {id, rows, bytes, repl, dropped, files};
        rc = s_q0(c, err,
                  "UPDATE nightshift.loads SET state = 'published', finished = now(), rows = "
                  "$2::bigint, bytes = $3::bigint, replaced_rows = $4::bigint, dropped_parts = "
                  "$5::int, files = $6::int WHERE load_id = $1::bigint",
                  6, p);
    }
    double t2 = s_now();
    if (!rc)
        rc = ns_wh_exec(c, "COMMIT", err);
    if (rc) {
        ns_err_t e;
        ns_wh_exec(c, "ROLLBACK", &e);
    }
    ns_debug("load %" PRId64 ": publish: replace %.3f s, attach and ledger %.3f s, commit %.3f s",
             ld->load_id, t1 - t0, t2 - t1, s_now() - t2);
    ns_buf_free(&q);
    return rc;
}

static void s_mark_failed(PGconn *c, int64_t load_id, const char *msg)
{
    char id[32];
    snprintf(id, sizeof id, "%" PRId64, load_id);
    const char *p[2] = {id, msg};
    ns_err_t e;
    s_q0(c, &e,
         "UPDATE nightshift.loads SET state = 'failed', finished = now(), error = $2 WHERE load_id "
         "= $1::bigint",
         2, p);
}

static int s_load_postgres(const ns_load_opts_t *o, const ns_load_run_t *r, ns_load_result_t *res,
                           ns_err_t *err)
{
    s_load_t *ld = calloc(1, sizeof *ld);
    if (!ld)
        return ns_errf(err, "out of memory");
    ld->o = o;
    ld->run = r;
    pthread_mutex_init(&ld->mu, NULL);
    ns_buf_t q;
    ns_buf_init(&q, 1 << 20);
    PGconn *c = NULL;
    int rc = ns_wh_conninfo(o->warehouse, ld->conninfo, sizeof ld->conninfo, err);
    if (!rc && !(c = ns_wh_connect(ld->conninfo, err)))
        rc = -1;
    if (!rc)
        rc = s_ensure_ledger(c, err);
    if (!rc)
        rc = s_check_table(c, r, &q, err);
    if (!rc) {
        /* one load of a table at a time; a dead loader's lock goes with its session */
        const char *p[1] = {r->table};
        char sql[96];
        snprintf(sql, sizeof sql, "SELECT pg_advisory_lock(%d, hashtext($1))", S_LOCK_CLASS);
        rc = s_q0(c, err, sql, 1, p);
    }
    if (!rc && !o->force) {
        const char *p[2] = {r->manifest, r->checksum};
        PGresult *x = s_q(c, err,
                          "SELECT load_id FROM nightshift.loads WHERE manifest = $1 AND checksum = "
                          "$2 AND state IN ('published', 'replaced') LIMIT 1",
                          2, p);
        rc = x ? 0 : -1;
        if (x && PQntuples(x) > 0) {
            res->skipped = true;
            res->load_id = strtoll(PQgetvalue(x, 0, 0), NULL, 10);
        }
        PQclear(x);
    }
    if (!rc && !res->skipped)
        rc = s_clean_abandoned(c, r, &q, err);
    int nst = o->parallel > 0 ? o->parallel : 4;
    if (nst > S_MAX_STREAMS)
        nst = S_MAX_STREAMS;
    if (nst > r->nfiles)
        nst = r->nfiles > 0 ? r->nfiles : 1;
    if (!rc && !res->skipped) {
        char streams[16];
        snprintf(streams, sizeof streams, "%d", nst);
        const char *p[7] = {r->table, r->manifest, r->checksum, r->job_id, r->job_name, r->date,
                            streams};
        PGresult *x = s_q(c, err,
                          "INSERT INTO nightshift.loads (table_name, manifest, checksum, job_id, "
                          "job_name, run_date, state, streams) VALUES ($1, $2, $3, $4, $5, "
                          "$6::date, 'staging', $7::int) RETURNING load_id",
                          7, p);
        rc = x ? 0 : -1;
        if (x)
            ld->load_id = strtoll(PQgetvalue(x, 0, 0), NULL, 10);
        PQclear(x);
    }
    if (!rc && !res->skipped) {
        res->load_id = ld->load_id;
        ld->nst = nst;
        double t_streams = s_now();
        for (int i = 0; i < nst; i++) {
            s_stream_t *s = &ld->st[i];
            s->ld = ld;
            s->index = i;
            s->part = ld->load_id * 1000 + i;
            if (pthread_create(&s->tid, NULL, s_stream_main, s)) {
                ns_errf(&s->err, "cannot start a load stream");
                s->failed = 1;
                s_stop(ld);
            } else {
                s->started = 1;
            }
        }
        for (int i = 0; i < nst; i++)
            if (ld->st[i].started)
                pthread_join(ld->st[i].tid, NULL);
        for (int i = 0; i < nst; i++) {
            res->rows += ld->st[i].rows;
            res->bytes += ld->st[i].bytes;
            res->files += ld->st[i].files;
            res->superseded += ld->st[i].superseded;
        }
        /* the first stream that failed for its own reason, not because another stopped it */
        for (int i = 0; i < nst && !rc; i++)
            if (ld->st[i].failed && strncmp(ld->st[i].err.msg, "stopped: ", 9))
                rc = ns_errf(err, "%s", ld->st[i].err.msg);
        for (int i = 0; i < nst && !rc; i++)
            if (ld->st[i].failed)
                rc = ns_errf(err, "%s", ld->st[i].err.msg);
        if (!rc && res->rows != r->rows_out)
            rc = ns_errf(err,
                         "the load files of '%s' hold %" PRIu64 " rows, its job.json says %" PRIu64
                         ": nothing is published",
                         r->manifest, res->rows, r->rows_out);
        res->streams = nst;
        double t_pub = s_now();
        ns_debug("load %" PRId64 ": %d streams copied %" PRIu64 " rows in %.3f s", ld->load_id, nst,
                 res->rows, t_pub - t_streams);
        if (!rc)
            rc = s_publish(c, ld, res, err);
        ns_debug("load %" PRId64 ": publish took %.3f s", ld->load_id, s_now() - t_pub);
        if (rc && c && PQstatus(c) == CONNECTION_OK) {
            s_drop_stage(c, ld);
            s_mark_failed(c, ld->load_id, err->msg);
        }
    }
    if (c)
        PQfinish(c); /* ends the session: the advisory lock goes */
    pthread_mutex_destroy(&ld->mu);
    free(ld);
    ns_buf_free(&q);
    return rc;
}

int ns_load(const ns_load_opts_t *o, ns_load_result_t *res, ns_err_t *err)
{
    memset(res, 0, sizeof *res);
    double t0 = s_now();
    ns_load_run_t *r = NULL;
    if (ns_load_read_run(o->manifest, &r, err))
        return -1;
    snprintf(res->table, sizeof res->table, "%s", r->table);
    int rc;
    if (o->target == NS_TARGET_REDSHIFT) {
        ns_buf_t b;
        ns_buf_init(&b, (size_t)16 << 20);
        const char *role = o->iam_role ? o->iam_role : getenv("NIGHTSHIFT_REDSHIFT_IAM_ROLE");
        rc = ns_load_redshift_sql(r, role, &b, err);
        if (!rc && o->print) {
            fwrite(b.data, 1, b.len, o->out ? o->out : stdout);
        } else if (!rc) {
            PGconn *c = ns_wh_connect(o->warehouse, err);
            rc = c ? 0 : -1;
            if (!rc && !o->force) {
                const char *p[2] = {r->manifest, r->checksum};
                PGresult *x = s_q(c, err,
                                  "SELECT 1 FROM nightshift.loads WHERE manifest = $1 AND "
                                  "checksum = $2 AND state = 'published'",
                                  2, p);
                rc = x ? 0 : -1;
                res->skipped = x && PQntuples(x) > 0;
                PQclear(x);
            }
            if (!rc && !res->skipped)
                rc = ns_wh_exec(c, b.data, err);
            if (c)
                PQfinish(c);
        }
        ns_buf_free(&b);
    } else {
        rc = s_load_postgres(o, r, res, err);
    }
    ns_load_run_free(&r);
    res->seconds = s_now() - t0;
    return rc;
}
