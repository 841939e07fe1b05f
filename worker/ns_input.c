/*
 * ns_input: opening an input object as records, and typing fields
 * (ns_input.h).
 */
#include "ns_input.h"

#include "ns_codec.h"
#include "ns_format.h"
#include "ns_store.h"
#include "ns_utf16.h"

#include <ctype.h>
#include <stddef.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct ns_input {
    ns_reader_t *src; /* the decoded stream */
    ns_recsrc_t *rec; /* the format's reader over it, or path below over that */
    /* columns taken from the object's key (from_path): the reader's records
     * get those values put in their places */
    struct {
        ns_recsrc_t base;
        ns_recsrc_t *inner;
        const ns_job_t *j;
        int nfile;
        char uri[NS_URI_MAX];
        ns_field_t pathv[NS_MAX_COLUMNS];
        ns_field_t out[NS_MAX_COLUMNS];
        char why[64]; /* the reason of a record with the wrong field count */
    } path;
    /* NS_INPUT_DAMAGE_REJECT on a compressed object: the format reads
     * through `fence`, which ends the stream where the data is damaged, and
     * `base` over the records turns that into rejects */
    struct {
        struct ns_reader fence; /* over src */
        ns_recsrc_t base;       /* over inner */
        ns_recsrc_t *inner;
        const ns_reader_t *codec; /* the decompressing stream (inside src) */
        uint64_t first;           /* object offset of the stream's first byte */
        uint64_t out;             /* bytes the fence handed out */
        ns_codec_fault_t fault;   /* kind NS_CODEC_ERR_DATA once damage ended the stream */
        bool reported;            /* the damage's own reject was handed out */
        char why[NS_ERR_MAX + 64];
    } dmg;
};

static ssize_t s_fence_read(ns_reader_t *r, void *buf, size_t n, ns_err_t *err)
{
    ns_input_t *in = (ns_input_t *)((char *)r - offsetof(ns_input_t, dmg.fence));
    if (in->dmg.fault.kind == NS_CODEC_ERR_DATA)
        return 0;
    ssize_t got = ns_reader_read(in->src, buf, n, err);
    if (got >= 0) {
        in->dmg.out += (uint64_t)got;
        return got;
    }
    if (ns_codec_fault(in->dmg.codec, &in->dmg.fault) == NS_CODEC_ERR_DATA)
        return 0; /* damage: the end of the intact data */
    return -1;    /* I/O: the read fails */
}

static void s_fence_close(ns_reader_t *r)
{
    (void)r; /* embedded; src is closed by ns_input_close */
}

static int s_dmg_next(ns_recsrc_t *s, ns_record_t *rec, ns_err_t *err)
{
    ns_input_t *in = (ns_input_t *)((char *)s - offsetof(ns_input_t, dmg.base));
    if (in->dmg.reported) {
        memset(rec, 0, sizeof *rec);
        return NS_REC_END;
    }
    int r = in->dmg.inner->next(in->dmg.inner, rec, err);
    if (r < 0 || in->dmg.fault.kind != NS_CODEC_ERR_DATA)
        return r;
    uint64_t at = in->dmg.first + in->dmg.out; /* the first byte not handed out */
    if (r != NS_REC_END) {
        if (rec->offset + rec->raw_len >= at) {
            snprintf(in->dmg.why, sizeof in->dmg.why, "cut short: %s", in->dmg.fault.why);
            rec->reject = in->dmg.why;
            return NS_REC_REJECT;
        }
        return r;
    }
    memset(rec, 0, sizeof *rec);
    snprintf(in->dmg.why, sizeof in->dmg.why, "%s at compressed byte %llu", in->dmg.fault.why,
             (unsigned long long)in->dmg.fault.in_offset);
    rec->offset = at;
    rec->raw = "";
    rec->reject = in->dmg.why;
    in->dmg.reported = true;
    return NS_REC_REJECT;
}

static uint64_t s_dmg_bytes(const ns_recsrc_t *s)
{
    const ns_input_t *in = (const ns_input_t *)((const char *)s - offsetof(ns_input_t, dmg.base));
    return in->dmg.inner->bytes(in->dmg.inner);
}

static void s_dmg_destroy(ns_recsrc_t *s)
{
    ns_input_t *in = (ns_input_t *)((char *)s - offsetof(ns_input_t, dmg.base));
    in->dmg.inner->destroy(in->dmg.inner);
    in->dmg.inner = NULL;
}

static int s_path_next(ns_recsrc_t *s, ns_record_t *rec, ns_err_t *err)
{
    ns_input_t *in = (ns_input_t *)((char *)s - offsetof(ns_input_t, path.base));
    int r = in->path.inner->next(in->path.inner, rec, err);
    if (r != NS_REC_RECORD)
        return r;
    if (rec->nfields != in->path.nfile) {
        /* a reject here: with the key's columns added, a record with that
         * many more fields would otherwise pass the map task's count */
        snprintf(in->path.why, sizeof in->path.why, "expected %d fields, found %d",
                 in->path.nfile, rec->nfields);
        rec->reject = in->path.why;
        return NS_REC_REJECT;
    }
    const ns_job_t *j = in->path.j;
    for (int i = 0, k = 0; i < j->nin; i++)
        in->path.out[i] = j->in[i].path_key ? in->path.pathv[i] : rec->fields[k++];
    rec->fields = in->path.out;
    rec->nfields = j->nin;
    return r;
}

static uint64_t s_path_bytes(const ns_recsrc_t *s)
{
    const ns_input_t *in = (const ns_input_t *)((const char *)s - offsetof(ns_input_t, path.base));
    return in->path.inner->bytes(in->path.inner);
}

static void s_path_destroy(ns_recsrc_t *s)
{
    ns_input_t *in = (ns_input_t *)((char *)s - offsetof(ns_input_t, path.base));
    in->path.inner->destroy(in->path.inner);
    in->path.inner = NULL;
}

/* The value of the "key=value" part of uri's path, or a NULL field. */
static ns_field_t s_path_value(const char *uri, const char *key)
{
    const char *p = strstr(uri, "://");
    p = p ? p + 3 : uri;
    size_t kl = strlen(key);
    for (const char *part = p; part && *part;) {
        const char *slash = strchr(part, '/');
        size_t len = slash ? (size_t)(slash - part) : strlen(part);
        if (len > kl && part[kl] == '=' && !memcmp(part, key, kl))
            return (ns_field_t){part + kl + 1, (uint32_t)(len - kl - 1)};
        part = slash ? slash + 1 : NULL;
    }
    return (ns_field_t){NULL, 0};
}

ns_input_t *ns_input_open(const ns_job_t *j, const ns_split_t *in, unsigned flags, ns_err_t *err)
{
    uint64_t start = 0, end = UINT64_MAX, first = 0, len = UINT64_MAX;
    if (in->length >= 0) {
        start = in->offset;
        end = in->offset + (uint64_t)in->length;
        first = start > 0 ? start - 1 : 0;
        uint64_t stop = end + j->max_record + 1;
        if (stop > in->size || stop < end)
            stop = in->size;
        len = stop - first;
    }
    ns_reader_t *raw = ns_store_open_read(in->uri, first, len, NS_READ_AHEAD, err);
    if (!raw)
        return NULL;
    /* the bomb guard: input.max_ratio (a job built without the parser: the default) */
    double ratio = j->max_ratio > 0 ? (double)j->max_ratio : (double)NS_CODEC_RATIO_DEFAULT;
    ns_reader_t *src = in->length < 0
                           ? ns_codec_reader_sized(raw, (ns_codec_t)in->codec, in->size, ratio,
                                                   in->uri, err)
                           : ns_codec_reader(raw, (ns_codec_t)in->codec, ratio, err);
    if (!src) /* the codec reader owned raw and closed it */
        return NULL;
    const ns_reader_t *codec = src;
    if (j->encoding == NS_ENC_UTF16 && !(src = ns_utf16_reader(src, err)))
        return NULL;
    ns_input_t *ip = calloc(1, sizeof *ip);
    if (!ip) {
        ns_reader_close(&src);
        ns_errf(err, "cannot read '%s': out of memory", in->uri);
        return NULL;
    }
    ip->src = src;
    bool fence = (flags & NS_INPUT_DAMAGE_REJECT) && in->codec != NS_CODEC_NONE;
    if (fence) {
        ip->dmg.fence.read = s_fence_read;
        ip->dmg.fence.close = s_fence_close;
        ip->dmg.codec = codec;
        ip->dmg.first = first;
    }
    ip->rec = ns_format_open(j, fence ? &ip->dmg.fence : src, first, start, end, err);
    if (!ip->rec) {
        ns_input_close(&ip);
        return NULL;
    }
    if (ns_job_file_columns(j) != j->nin) {
        snprintf(ip->path.uri, sizeof ip->path.uri, "%s", in->uri);
        for (int i = 0; i < j->nin; i++)
            if (j->in[i].path_key)
                ip->path.pathv[i] = s_path_value(ip->path.uri, j->in[i].path_key);
        ip->path.inner = ip->rec;
        ip->path.j = j;
        ip->path.nfile = ns_job_file_columns(j);
        ip->path.base.next = s_path_next;
        ip->path.base.bytes = s_path_bytes;
        ip->path.base.destroy = s_path_destroy;
        ip->rec = &ip->path.base;
    }
    if (fence) {
        ip->dmg.inner = ip->rec;
        ip->dmg.base.next = s_dmg_next;
        ip->dmg.base.bytes = s_dmg_bytes;
        ip->dmg.base.destroy = s_dmg_destroy;
        ip->rec = &ip->dmg.base;
    }
    return ip;
}

ns_recsrc_t *ns_input_records(ns_input_t *in)
{
    return in->rec;
}

void ns_input_close(ns_input_t **inp)
{
    if (!inp || !*inp)
        return;
    ns_input_t *in = *inp;
    if (in->rec)
        in->rec->destroy(in->rec);
    ns_reader_close(&in->src);
    free(in);
    *inp = NULL;
}

void ns_input_trim(const ns_record_t *rec)
{
    for (int i = 0; i < rec->nfields; i++) {
        ns_field_t *f = &rec->fields[i];
        if (!f->p)
            continue;
        while (f->len && (f->p[0] == ' ' || f->p[0] == '\t')) {
            f->p++;
            f->len--;
        }
        while (f->len && (f->p[f->len - 1] == ' ' || f->p[f->len - 1] == '\t'))
            f->len--;
    }
}

/* Rewrites a grouped or money number ("12,480", "-$1,059.00", "($59.00)",
 * "EUR 12.50") as plain text ("-1059.00") into out (cap bytes); -1 with
 * why set when the text is not such a number. */
static int s_plain_number(ns_numfmt_t f, const char *s, size_t n, char *out, size_t cap,
                          size_t *outn, ns_err_t *why)
{
    size_t i = 0, e = n, o = 0;
    bool neg = false;
    while (i < e && s[i] == ' ')
        i++;
    while (e > i && s[e - 1] == ' ')
        e--;
    if (f == NS_NUM_MONEY) {
        if (i < e && s[i] == '(' && e - i >= 2 && s[e - 1] == ')') {
            neg = true;
            i++;
            e--;
        }
        for (int pass = 0; pass < 2; pass++) { /* sign and currency, in either order */
            if (i < e && (s[i] == '-' || s[i] == '+')) {
                neg ^= s[i] == '-';
                i++;
            } else if (i < e && s[i] == '$') {
                i++;
            } else if (e - i >= 2 && (unsigned char)s[i] == 0xC2 &&
                       ((unsigned char)s[i + 1] == 0xA3 || (unsigned char)s[i + 1] == 0xA5)) {
                i += 2; /* £ ¥ */
            } else if (e - i >= 3 && !memcmp(s + i, "\xE2\x82\xAC", 3)) {
                i += 3; /* € */
            } else if (e - i >= 4 && isupper((unsigned char)s[i]) && isupper((unsigned char)s[i + 1]) &&
                       isupper((unsigned char)s[i + 2]) && s[i + 3] == ' ') {
                i += 4; /* "USD " */
            }
        }
    }
    if (neg)
        out[o++] = '-';
    int digits_since_comma = -1; /* -1: no comma seen in this run */
    bool any = false;
    for (; i < e; i++) {
        char ch = s[i];
        if (ch == ',') {
            if (!any || digits_since_comma == 0 || (digits_since_comma > 0 && digits_since_comma != 3))
                return ns_errf(why, "misplaced thousands separator in '%.*s'", (int)n, s);
            digits_since_comma = 0;
            continue;
        }
        if (ch == '.' && digits_since_comma >= 0 && digits_since_comma != 3)
            return ns_errf(why, "misplaced thousands separator in '%.*s'", (int)n, s);
        if (ch == '.')
            digits_since_comma = -2; /* fraction: no more separators */
        else if (ch >= '0' && ch <= '9') {
            any = true;
            if (digits_since_comma >= 0)
                digits_since_comma++;
        }
        if (o + 1 >= cap)
            return ns_errf(why, "number too long: '%.*s'", (int)(n < 40 ? n : 40), s);
        out[o++] = ch;
    }
    if (digits_since_comma > 0 && digits_since_comma != 3)
        return ns_errf(why, "misplaced thousands separator in '%.*s'", (int)n, s);
    *outn = o;
    return 0;
}

int ns_input_type(const ns_coltype_t *t, ns_numfmt_t num, const char *s, size_t n,
                        ns_value_t *v, ns_err_t *why)
{
    memset(v, 0, sizeof *v);
    if (n == 0) {
        v->null = true;
        return 0;
    }
    char plain[64];
    if (num != NS_NUM_PLAIN && (t->type == NS_T_INT || t->type == NS_T_DECIMAL)) {
        if (s_plain_number(num, s, n, plain, sizeof plain, &n, why))
            return -1;
        s = plain;
    }
    if (num == NS_DATE_BASIC && t->type == NS_T_DATE) { /* YYYYMMDD */
        bool digits = n == 8;
        for (size_t i = 0; digits && i < 8; i++)
            digits = s[i] >= '0' && s[i] <= '9';
        if (!digits)
            return ns_errf(why, "bad date '%.*s' (expected YYYYMMDD)", (int)(n < 40 ? n : 40), s);
        char ext[10] = {s[0], s[1], s[2], s[3], '-', s[4], s[5], '-', s[6], s[7]};
        return ns_parse_date(ext, 10, &v->i, why);
    }
    switch (t->type) {
    case NS_T_STRING:
        v->s = s;
        v->len = (uint32_t)n;
        return 0;
    case NS_T_INT:
        return ns_parse_int(s, n, &v->i, why);
    case NS_T_DECIMAL:
        return ns_parse_decimal(s, n, t->scale, &v->i, why);
    case NS_T_DATE:
        return ns_parse_date(s, n, &v->i, why);
    case NS_T_TIMESTAMP:
        return ns_parse_timestamp(s, n, &v->i, why);
    case NS_T_BOOL:
        return ns_parse_bool(s, n, &v->i, why);
    }
    return ns_errf(why, "unknown type");
}

