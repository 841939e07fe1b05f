/*
 * ns_catalog: the data catalog (docs/CATALOG.md). One JSON document per
 * table at <catalog>/tables/<table>.json in the object store (file:// or
 * s3://), read and written whole through ns_store, so a reader sees the old
 * or the new document, never a mix.
 *
 * Two writers: the coordinator registers each committed job run into the
 * document of the job's output table (ns_catalog_register: columns, keys,
 * one partition per run with its manifest and load files, replacing the
 * partition of an earlier run of the same day), and `nightshift catalog
 * crawl` writes a table inferred from raw files (ns_catalog_crawl,
 * ns_catalog_crawl.c). Other tools read the documents.
 *
 * Workload: a few to a few hundred tables; a job table gains one partition
 * per night (a few hundred bytes plus ~150 bytes per load file), so a
 * document stays well under a few MB for years. A registration is one
 * HEAD, one GET and one PUT on the coordinator's thread.
 *
 * Bounds: a document is at most NS_CATALOG_DOC_MAX bytes, nested at most
 * NS_CJ_MAX_DEPTH deep and holds at most NS_CJ_MAX_NODES JSON values; a
 * table has at most NS_MAX_COLUMNS columns and NS_CATALOG_MAX_PARTITIONS
 * partitions. The JSON reader (ns_cj_*) is a small bounded one for the
 * catalog's documents, the crawl's samples and the loader's manifests, not
 * a general JSON library.
 *
 * Ownership: a table from ns_catalog_table_new, ns_catalog_get or
 * ns_catalog_crawl belongs to the caller (ns_catalog_table_destroy); every
 * string in it is owned by it.
 */
#ifndef NS_CATALOG_H
#define NS_CATALOG_H

#include "ns_buf.h"
#include "ns_err.h"
#include "ns_job.h"
#include "ns_row.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define NS_CATALOG_FORMAT_VERSION 1
#define NS_CATALOG_NAME_MAX 128          /* table name bytes, NUL included */
#define NS_CATALOG_COL_MAX 64            /* column name bytes, NUL included */
#define NS_CATALOG_DOC_MAX (64u << 20)   /* largest document read */
#define NS_CATALOG_MAX_PARTITIONS 100000 /* partitions of one table */
#define NS_CATALOG_MAX_KEY_VALUES 100    /* distinct values listed per crawled partition key */
#define NS_CATALOG_MAX_CRAWL_PARTS 10000 /* partitions listed by a crawl */
#define NS_CATALOG_MAX_WARNINGS 32

/* ------------------------------------------------------------ the model */

typedef enum { NS_CJSON_NONE = 0, NS_CJSON_OBJECT, NS_CJSON_ARRAY } ns_catalog_json_t;

typedef struct {
    char name[NS_CATALOG_COL_MAX]; /* warehouse column name */
    char *source_name;             /* crawl: header text when it differs from name, or NULL */
    ns_coltype_t type;             /* nightshift type; the warehouse type follows from it */
    ns_numfmt_t number;            /* crawl: plain, grouped or money numbers */
    bool yyyymmdd;                 /* crawl: a date written YYYYMMDD */
    ns_catalog_json_t json;        /* crawl, json: the value is an object's or array's text */
    bool nullable;                 /* crawl: empty values were seen */
    uint64_t mismatches;           /* crawl: sampled values that did not fit the type */
    char *mismatch_example;        /* crawl: one of them, or NULL */
} ns_catalog_col_t;

typedef struct {
    char name[NS_CATALOG_COL_MAX]; /* partition column name (the key of key=value) */
    ns_coltype_t type;             /* DATE, BIGINT or VARCHAR */
    char **values; /* crawl: distinct values seen, first NS_CATALOG_MAX_KEY_VALUES */
    int nvalues;
    uint64_t distinct; /* crawl: how many distinct values there were */
} ns_catalog_pkey_t;

typedef struct {
    char *uri;       /* load file */
    uint64_t rows;   /* rows in it */
    uint64_t bytes;  /* uncompressed bytes; 0: not known (not written) */
    uint64_t stored; /* bytes in the store */
} ns_catalog_file_t;

typedef struct {
    char **keys, **values; /* the partition's values, in partition-key order (owned) */
    int nvalues;
    char *location;               /* folder of its files */
    char *manifest;               /* job: the run's manifest, or NULL */
    char *job;                    /* job: the job id, or NULL */
    char committed[32];           /* job: commit time, UTC ISO 8601, or "" */
    int64_t schema_version;       /* job: the table's schema_version at registration */
    uint64_t rows, bytes, stored; /* job: file totals */
    ns_catalog_file_t *files;     /* job: the load files */
    int nfiles;
    uint64_t objects; /* crawl: objects under the partition (bytes: their size) */
} ns_catalog_part_t;

typedef struct {
    char format[16];              /* delimited, json, edi, unknown */
    int delimiter, quote, escape; /* a byte, or -1 for none */
    bool header;                  /* the first line after skip_lines names the columns */
    int skip_lines;               /* preamble lines above the header */
    int footer_lines;             /* crawl: summary lines at the end */
    char encoding[8];             /* utf-8 or utf-16 */
    bool bom;                     /* crawl: a byte-order mark was seen */
    char byte_order[4];           /* crawl, utf-16: le or be, else "" */
    bool crlf;                    /* crawl: lines end in CR LF */
    bool trim;                    /* crawl: fields are padded with blanks */
    bool concatenated;            /* json: records follow each other with no newline */
    char compression[8];          /* none, gzip, zstd, mixed */
    char null_text[8];            /* job: NULL in the load files ("\\N"), else "" */
    bool manifest;                /* job: partitions have manifests */
    /* edi */
    char edi_element, edi_component, edi_terminator; /* separators from the ISA, or 0 */
    char edi_version[8];                             /* ISA12 */
    char edi_sets[64]; /* transaction-set ids seen, comma separated ("852") */
} ns_catalog_storage_t;

typedef struct {
    char *prefix;            /* what was crawled */
    char crawled[32];        /* when (UTC) */
    uint64_t objects, bytes; /* every object under the prefix */
    uint64_t skipped, empty; /* hidden (_x, .x) and empty objects */
    uint64_t sample_bytes;   /* bytes read per sampled object at most */
    char **sampled;          /* URIs sampled */
    int nsampled;
    uint64_t records, bad_records; /* sampled records used / not usable */
    bool partitions_truncated;     /* more partitions than NS_CATALOG_MAX_CRAWL_PARTS */
    char **warnings;               /* at most NS_CATALOG_MAX_WARNINGS */
    int nwarnings;
} ns_catalog_crawlinfo_t;

/* A key=value pair of the top-level object nightshift does not know, kept
 * as its JSON text so a rewrite does not lose another tool's data. */
typedef struct {
    char *key;
    char *json;
} ns_catalog_extra_t;

typedef struct {
    char name[NS_CATALOG_NAME_MAX]; /* table name: name or schema.name */
    char kind[16];                  /* "job" or "crawled" */
    int64_t version;                /* +1 on every write */
    int64_t schema_version;         /* +1 when the columns change */
    char created[32], updated[32];  /* UTC, YYYY-MM-DDTHH:MM:SSZ */
    char *location;                 /* table folder / crawled prefix */
    char *job;                      /* job: the job name that registered it last */
    ns_catalog_storage_t storage;
    ns_catalog_col_t *cols;
    int ncols;
    ns_catalog_pkey_t *pkeys;
    int npkeys;
    char **sort_key, **dist_key; /* job: output column names */
    int nsort, ndist;
    ns_catalog_part_t *parts; /* sorted by values */
    int nparts;
    ns_catalog_crawlinfo_t crawl; /* kind crawled */
    ns_catalog_extra_t *extra;
    int nextra;
} ns_catalog_table_t;

/* An empty table (kind "", no columns); NULL when out of memory. */
ns_catalog_table_t *ns_catalog_table_new(void);
/* Frees; accepts NULL; sets *tp to NULL. */
void ns_catalog_table_destroy(ns_catalog_table_t **tp);

/* Warehouse type of a nightshift type: VARCHAR, BIGINT, DECIMAL(18,s),
 * DATE, TIMESTAMP, BOOLEAN (into out, cap bytes). */
void ns_catalog_warehouse_type(const ns_coltype_t *t, char *out, size_t cap);
/* Whether name is a valid table name (docs/CATALOG.md). */
bool ns_catalog_valid_name(const char *name);
/* Makes text (n bytes) a safe column/table name into out
 * (NS_CATALOG_COL_MAX): lower case, [a-z0-9_], camelCase split
 * (messageId -> message_id), runs of other bytes one '_', not starting
 * with a digit ("col_" prefixed); "" becomes "col". */
void ns_catalog_safe_name(const char *text, size_t n, char *out);
/* Current time as YYYY-MM-DDTHH:MM:SSZ into out (32 bytes); t < 0: now. */
void ns_catalog_time(double t, char out[32]);

/* ---------------------------------------------------------- documents */

/* The catalog URI: opt when given, else $NIGHTSHIFT_CATALOG, else
 * file://HOME/catalog (home made absolute). Into out (NS_URI_MAX bytes).
 * "none" means no catalog (the coordinator registers nothing). */
void ns_catalog_uri(const char *opt, const char *home, char *out, size_t cap);
/* URI of a table's document: <catalog>/tables/<name>.json; -1 with err
 * set for a bad name or a URI too long. */
int ns_catalog_doc_uri(const char *catalog, const char *name, char *out, ns_err_t *err);

/* The table's document as JSON (appended to out). */
int ns_catalog_to_json(const ns_catalog_table_t *t, ns_buf_t *out, ns_err_t *err);
/* Parses a document (len bytes, named by uri for messages). NULL with err
 * set when it is not JSON, not a table document, or of a newer
 * format_version. */
ns_catalog_table_t *ns_catalog_from_json(const char *text, size_t len, const char *uri,
                                         ns_err_t *err);

/* Reads table name. Returns 0 with *out set, 1 when the catalog has no such
 * table (*out NULL), -1 with err set when the document cannot be read or
 * parsed. raw/rawlen, when not NULL, receive the document's bytes
 * (malloc'd, the caller frees). */
int ns_catalog_get(const char *catalog, const char *name, ns_catalog_table_t **out, char **raw,
                   size_t *rawlen, ns_err_t *err);
/* Writes the table's document (one PUT). */
int ns_catalog_put(const char *catalog, const ns_catalog_table_t *t, ns_err_t *err);
/* Deletes a table's document; 1 if there was none. */
int ns_catalog_drop(const char *catalog, const char *name, ns_err_t *err);

/* Called once per table by ns_catalog_list, in name order; a document that
 * cannot be read is passed as t == NULL with why set. Nonzero stops. */
typedef int (*ns_catalog_list_fn)(const char *name, const ns_catalog_table_t *t, const char *why,
                                  void *arg);
/* Lists every table; returns how many, or -1 with err set when the
 * catalog cannot be listed. */
long ns_catalog_list(const char *catalog, ns_catalog_list_fn fn, void *arg, ns_err_t *err);

/* --------------------------------------------------------- registration */

/* One committed run of a job. */
typedef struct {
    const ns_job_t *job;            /* the parsed job (output table, columns, keys, output.uri) */
    const char *job_id;             /* retail_pos-20261124-1a2b3c */
    const char *date;               /* the run's --date, YYYY-MM-DD */
    const char *prefix;             /* the run's folder: output.uri + job id + "/" */
    const char *manifest;           /* the manifest's URI */
    const ns_catalog_file_t *files; /* the load files of the manifest, in its order */
    int nfiles;
    /* the load files' columns when they are not the job's transform output
     * (a reduce plugin's own schema: jobs/ns_plugin.h); NULL: job->out */
    const char *const *col_names;
    const ns_coltype_t *col_types;
    int ncols;
    double committed; /* unix seconds */
} ns_catalog_run_t;

/* Merges the run into the document of its output table in table t
 * (which may be a fresh ns_catalog_table_new() or a document read back):
 * columns and keys from the job, the run's partition replacing one with
 * the same values, version + 1. */
int ns_catalog_merge_run(ns_catalog_table_t *t, const ns_catalog_run_t *run, ns_err_t *err);
/* Reads, merges and writes the document of the run's output table. */
int ns_catalog_register(const char *catalog, const ns_catalog_run_t *run, ns_err_t *err);

/* ---------------------------------------------------------------- crawl */

typedef struct {
    const char *prefix;    /* where the raw objects are */
    const char *name;      /* table name, or NULL: from the prefix */
    uint64_t sample_bytes; /* per sampled object; 0: 64 KiB; at most 16 MiB */
    int max_samples;       /* objects sampled; 0: 3 */
    int max_partitions;    /* partitions listed; 0: NS_CATALOG_MAX_CRAWL_PARTS (also the most) */
    const char *const *edi_fields; /* column names of the EDI reader, or NULL */
    int nedi_fields;
} ns_crawl_opts_t;

#define NS_CRAWL_DEFAULT_SAMPLE (64u << 10)
#define NS_CRAWL_MAX_SAMPLE (16u << 20)

/* Lists the prefix, samples and infers a table of kind "crawled" (not
 * written: ns_catalog_put does that). Returns 0, 1 when there are no
 * objects (err says so), -1 with err set on a store error. */
int ns_catalog_crawl(const ns_crawl_opts_t *o, ns_catalog_table_t **out, ns_err_t *err);

/* One sample: the first bytes of an object, decompressed. */
typedef struct {
    const char *name; /* the object's URI, for warnings */
    const char *data; /* its bytes (as stored, but decompressed) */
    size_t len;
    bool complete; /* data is the whole object (else its last record is cut) */
} ns_crawl_sample_t;

/* Infers format, storage, columns and types from n samples into t (its
 * storage, columns, crawl.records/bad_records and warnings; the caller sets
 * the rest). The first usable sample decides the layout; samples that
 * disagree are skipped with a warning. */
int ns_catalog_infer(ns_catalog_table_t *t, const ns_crawl_opts_t *o, const ns_crawl_sample_t *s,
                     int n, ns_err_t *err);
/* Adds a warning to the crawl section (bounded, formatted). */
void ns_catalog_warn(ns_catalog_table_t *t, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------ the bounded JSON reader */

/* The reader's bounds, each checked before the text is sized from (a
 * value costs one ns_cj_t, 64 bytes, so NS_CJ_MAX_NODES bounds the tree at
 * 128 MiB whatever the text; a catalog document of a few MB holds about
 * 100,000 values), and each refused with its name:
 *   "JSON text of N bytes exceeds max_json_bytes (67108864 bytes)",
 *   "bad JSON at byte N: nesting exceeds max_json_depth (64 levels)",
 *   "bad JSON at byte N: the document exceeds max_json_nodes (2097152 values)". */
#define NS_CJ_MAX_BYTES NS_CATALOG_DOC_MAX
#define NS_CJ_MAX_DEPTH 64
#define NS_CJ_MAX_NODES (1u << 21)

typedef enum {
    NS_CJ_NULL = 0,
    NS_CJ_BOOL,
    NS_CJ_NUM,
    NS_CJ_STR,
    NS_CJ_ARR,
    NS_CJ_OBJ
} ns_cj_type_t;

typedef struct ns_cj {
    ns_cj_type_t type;
    const char *key;    /* member of an object: its key (unescaped, NUL-terminated) */
    const char *s;      /* string: unescaped bytes; number: its text; NUL-terminated */
    size_t len;         /* bytes of s */
    bool b;             /* bool */
    struct ns_cj *kid;  /* array/object: first element */
    struct ns_cj *next; /* next element of the parent */
    int n;              /* array/object: elements */
} ns_cj_t;

typedef struct ns_cj_doc ns_cj_doc_t;

/* Parses one JSON value at text[0..len) (leading blanks skipped). *used,
 * when not NULL, receives the bytes up to the end of the value, so
 * concatenated values can be read one after the other; without it, only
 * blanks may follow. NULL with err set ("bad JSON at byte 12: ..."). The
 * bounds above hold for each value: len at most NS_CJ_MAX_BYTES (with
 * *used, only the value's own bytes count), its nesting and its values. */
ns_cj_doc_t *ns_cj_parse(const char *text, size_t len, size_t *used, ns_err_t *err);
const ns_cj_t *ns_cj_root(const ns_cj_doc_t *d);
void ns_cj_free(ns_cj_doc_t **dp);
/* Member of an object by key, or NULL. */
const ns_cj_t *ns_cj_get(const ns_cj_t *obj, const char *key);
/* Writes a value back as compact JSON. */
int ns_cj_write(ns_buf_t *b, const ns_cj_t *v);

#endif
