/*
 * ns_job: the job definition (docs/JOBS.md), parsed from YAML with libyaml.
 *
 * A job says where its input is and how to read it (format options and the
 * typed input columns), how to turn an input record into an output row
 * (filter, then one expression per output column), how rows are distributed
 * and sorted, what the reduce step does, and where the load files and
 * manifest go. Both the coordinator (planning) and the worker (execution)
 * parse the same text; the coordinator sends the text with every task.
 *
 * Errors name the source, line and column: "retail_pos.yaml:12:5: unknown
 * key 'colums' in output".
 *
 * Variables: "{date}" (YYYY-MM-DD), "{yyyymmdd}", and any --var name=value
 * given at submit are substituted in input.uri and output.uri. Every store
 * URI (input, lookups, output) must then keep the rule of ns_scope.h (no
 * "." or ".." segment, below a store root): the message names the key and
 * the value, or the variable whose value holds a ".." segment.
 */
#ifndef NS_JOB_H
#define NS_JOB_H

#include "ns_err.h"
#include "ns_row.h"

#include <stdbool.h>
#include <stdint.h>

#define NS_JOB_NAME_MAX 64
#define NS_JOB_MAX_ARGS 4
#define NS_JOB_MAX_VALUES 32

typedef enum { NS_FORMAT_DELIMITED = 1, NS_FORMAT_JSON, NS_FORMAT_EDI } ns_format_kind_t;
typedef enum { NS_ENC_UTF8 = 0, NS_ENC_UTF16 } ns_encoding_t;
/* How a column's text is written: numbers 1234.50 (plain), 1,234.50
 * (grouped), -$1,234.50 or ($1,234.50) (money); dates YYYY-MM-DD (plain) or
 * YYYYMMDD (date_basic) */
typedef enum { NS_NUM_PLAIN = 0, NS_NUM_GROUPED, NS_NUM_MONEY, NS_DATE_BASIC } ns_numfmt_t;

typedef enum {
    NS_FN_COLUMN = 1, /* the input column args[0] (cast to the output type) */
    NS_FN_CONST,      /* the constant value text (parsed as the output type) */
    NS_FN_TO_UTC,     /* timestamp: local time args[0] + UTC offset args[1] */
    NS_FN_COALESCE,   /* first non-NULL of args */
    NS_FN_UPPER,      /* string args[0] upper-cased (ASCII) */
    NS_FN_TRIM,       /* string args[0] without leading/trailing blanks */
    NS_FN_LOOKUP,     /* column lookup_col of the row of lookup `lookup` whose key is args */
    NS_FN_ADD,        /* args[0] + args[1] (int/decimal) */
    NS_FN_SUB,        /* args[0] - args[1] */
    NS_FN_MUL,        /* args[0] * args[1], rounded half away from zero to the output scale */
    NS_FN_WHEN,       /* args[1] when the text of string args[0] equals value, else NULL */
    NS_FN_SUBSTR,     /* bytes sub_start.. (1-based) of string args[0], at most sub_len,
                         without the blanks around them (a fixed-width field) */
    NS_FN_CONCAT,     /* strings args[0..] joined; NULL if any is NULL */
    NS_FN_LPAD,       /* string args[0] left-padded with '0' to value_num bytes */
    NS_FN_DATE_OF,    /* the (UTC) date of timestamp args[0] */
    NS_FN_ISO_WEEK_END, /* the Sunday ending ISO week args[0] (int YYYYWW) */
    NS_FN_BEFORE,     /* string args[0] up to the first occurrence of value, else NULL */
} ns_fn_t;

/* NS_OP_ENDS_WITH: the text ends with values[0] (LAUS measure codes) */
typedef enum {
    NS_OP_EQ = 1,
    NS_OP_NE,
    NS_OP_IN,
    NS_OP_NOT_IN,
    NS_OP_NULL,
    NS_OP_NOT_NULL,
    NS_OP_ENDS_WITH
} ns_op_t;

typedef struct {
    char name[NS_JOB_NAME_MAX]; /* input column name */
    ns_coltype_t type;          /* type the text is parsed into */
    ns_numfmt_t number;         /* text format: `number` (int, decimal), `date_format` (date) */
    char *path;                 /* json: path of the value ("customer.id"); edi: field name;
                                   NULL: the column name (owned) */
    char *path_key;             /* not read from the file: the value of the "key=value" part
                                   of the object's key, e.g. dt (owned), or NULL */
} ns_incol_t;

/* An argument index in ns_outcol_t.args: >= 0 an input column, < 0 the
 * output column NS_ARG_OUT(a) defined earlier in the transform. */
#define NS_ARG_OUT(a) (-1 - (a))

typedef struct {
    char name[NS_JOB_NAME_MAX]; /* output column name (warehouse column) */
    ns_coltype_t type;          /* output type */
    ns_fn_t fn;                 /* how the value is computed */
    int args[NS_JOB_MAX_ARGS];  /* input column indexes */
    int nargs;
    char *value;                /* NS_FN_CONST text (owned) */
    ns_coltype_t value_type;    /* add/sub/mul with one argument: the literal `value` is the
                                   second operand, a decimal of this scale ... */
    int64_t value_num;          /* ... and this value */
    int lookup;                 /* NS_FN_LOOKUP: index into the job's lookups */
    int lookup_col;             /* NS_FN_LOOKUP: the lookup's input column returned */
    int sub_start, sub_len;     /* NS_FN_SUBSTR: first byte (1-based) and most bytes */
    bool required;              /* NULL makes the record a reject */
    bool hidden;                /* computed for later columns, not written (not in out[]) */
} ns_outcol_t;

typedef struct {
    int column;                          /* input column index */
    ns_op_t op;
    char *values[NS_JOB_MAX_VALUES];     /* compared as text (owned) */
    int nvalues;
} ns_cond_t;

struct ns_job;

/* A small table every map task loads whole and joins by key (a broadcast
 * join): master data, currency rates. */
typedef struct {
    char name[NS_JOB_NAME_MAX];
    struct ns_job *src;          /* where and how to read it: a job holding only its input
                                    section (uri, format, columns, ...) */
    int key[NS_MAX_COLUMNS];     /* src input columns forming the key */
    int nkey;
    uint64_t max_bytes;          /* memory the loaded table may take, default 256 MiB */
} ns_lookup_t;

typedef enum {
    NS_REDUCE_IDENTITY = 1,
    NS_REDUCE_DEDUPE,
    NS_REDUCE_AGGREGATE,
    NS_REDUCE_PLUGIN, /* a C plugin (jobs/ns_plugin.h) */
} ns_reduce_kind_t;

typedef enum {
    NS_LOAD_APPEND = 0,     /* replace: none (default): rows are added */
    NS_LOAD_REPLACE_KEYS,   /* replace: [columns]: stored rows with a key of the load go */
    NS_LOAD_REPLACE_ALL,    /* replace: all: the load is the whole table (a snapshot) */
} ns_load_replace_t;

typedef struct ns_job {
    char name[NS_JOB_NAME_MAX]; /* job name, e.g. retail_pos */
    char *source;               /* file name for messages */

    /* input */
    char *input_uri;            /* prefix, variables substituted */
    ns_format_kind_t format;
    ns_encoding_t encoding;     /* text encoding; UTF-16 objects are never split */
    bool trim;                  /* delimited: strip blanks around every field (padded files) */
    bool concatenated;          /* json: values may follow each other without a newline */
    char *explode;              /* json: array path giving one record per element, or NULL */
    char delimiter;
    int quote, escape;          /* -1: none */
    bool quoted_newlines;
    int skip_lines, header_lines;
    char *compression;          /* "auto" (by name), "none", "gzip", "zstd" */
    uint64_t split_bytes;       /* split / packing size; default 128 MiB */
    uint64_t max_record;        /* bytes of a record (json: a value; edi: a transaction set);
                                   default 1 MiB */
    int max_depth;              /* json: nesting levels; 0: the reader's default (64) */
    int max_segments;           /* edi: segments of a transaction set; 0: the reader's
                                   default (100000) */
    int max_interchange_segments; /* edi: segments of an interchange; 0: the reader's
                                     default (10000000) */
    int max_ratio;              /* compressed input: decompressed bytes at most this times
                                   the compressed bytes + 64 MiB; default 100 */
    ns_incol_t *in;             /* input columns in file order */
    int nin;

    /* lookups (joined in the transform) */
    ns_lookup_t *lookups;
    int nlookups;

    /* transform */
    ns_cond_t *filter;          /* ANDed; rows failing it are dropped (counted, not rejected) */
    int nfilter;
    ns_outcol_t *out;           /* output columns */
    int nout;
    ns_coltype_t *out_types;    /* types of out[], in order (owned) */
    /* Every transform column in evaluation order, hidden ones included:
     * calc[k] is written as out[calc_out[k]], or not at all (-1). Args
     * NS_ARG_OUT(a) index calc[]. Without hidden columns calc == out. */
    ns_outcol_t *calc;
    int ncalc;
    int *calc_out;

    /* shuffle and reduce */
    int dist_key[NS_MAX_COLUMNS]; /* output column indexes */
    int ndist;
    int sort_key[NS_MAX_COLUMNS]; /* output column indexes */
    int nsort;
    ns_reduce_kind_t reduce;
    int group_len;              /* dedupe/aggregate: leading sort-key columns that form the group */
    int sum_cols[NS_MAX_COLUMNS]; /* aggregate: output columns summed */
    int nsum;
    bool drop_zero;             /* aggregate: drop groups whose sums are all zero */
    bool keep_last;             /* dedupe: keep the last row of a group (else the first) */
    char *plugin;               /* plugin: its name (checked by ns_plugin_check) */

    /* output */
    char *output_uri;           /* prefix, variables substituted; the job id is appended */
    char *table;                /* target table */
    int slices;                 /* reduce partitions; load-file count is a multiple */
    uint64_t target_file_bytes; /* uncompressed bytes per load file, default 256 MiB */
    int zstd_level;             /* default 3 */
    /* output.load: what a load of a run replaces in the table (docs/LOADER.md) */
    ns_load_replace_t load_replace;
    char **load_keys;           /* NS_LOAD_REPLACE_KEYS: load-file column names */
    int nload_keys;
    char *load_version;         /* NULL, or the column whose greater value wins */

    /* storage: the job's s3: section, overriding the AWS settings of the
     * environment for the buckets this job names (docs/STORAGE.md) */
    char *s3_endpoint;          /* NULL: from the environment */
    char *s3_region;            /* NULL: from the environment */
    int s3_path_style;          /* -1: from the endpoint; 0 or 1 */

    /* operations */
    uint64_t max_rejects;       /* error budget: absolute */
    double max_reject_fraction; /* error budget: of input records */
    char *pool;                 /* worker pool, default "default" */
    char *deadline;             /* NULL, "HH:MM" or an ISO time (ns_job_deadline) */
    uint64_t memory_bytes;      /* per-task memory budget, default 256 MiB */
    int max_attempts;           /* per task, default 4 */
    bool bookmark;              /* incremental: skip objects a committed run processed
                                   (same URI and ETag; docs/BOOKMARKS.md) */
} ns_job_t;

typedef struct {
    const char *name;
    const char *value;
} ns_var_t;

/* Parses text (len bytes) named source. vars (nvars) are substituted.
 * Returns a job or NULL with err set ("source:line:col: message"). */
ns_job_t *ns_job_parse(const char *text, size_t len, const char *source, const ns_var_t *vars,
                       int nvars, ns_err_t *err);
void ns_job_destroy(ns_job_t **jp);

/* Index of an output column by name, or -1. */
int ns_job_out_index(const ns_job_t *j, const char *name);
/* Input columns the format's reader produces (those without path_key). */
int ns_job_file_columns(const ns_job_t *j);
/* Whether an uncompressed object of this job's input may be read in byte
 * ranges (line-oriented, UTF-8, no quoted line ends). */
bool ns_job_splittable(const ns_job_t *j);
/* Gives the S3 backend the job's s3: settings for the buckets of its input,
 * lookup and output URIs (a no-op without an s3: section); -1 with err set when
 * they conflict with another job's settings for the same bucket. */
int ns_job_apply_storage(const ns_job_t *j, ns_err_t *err);
/* Resolves a deadline (the job file's deadline:, or submit --deadline) for
 * the run of date (YYYY-MM-DD; docs/FLEETS.md): "HH:MM" is that local time
 * on the day after date (the nightly run of a day ends the next morning);
 * "YYYY-MM-DDTHH:MM[:SS]" (or with a space for T) followed by "Z", "+HH:MM"
 * or "-HH:MM" is that instant, without a zone that local time. Returns 0
 * with *out in unix seconds, or -1 with err set. date may be NULL to check
 * the syntax only. */
int ns_job_deadline(const char *spec, const char *date, double *out, ns_err_t *err);

#endif
