/*
 * ns_lookup: loading and probing a lookup table (ns_lookup.h).
 *
 * Rows live in an arena of 1 MiB chunks: per row, the values of every input
 * column, then the bytes of its string values and of its normalized key.
 * The index is open addressing with linear probing on xxh64 of the key,
 * kept at most half full.
 */
#include "ns_lookup.h"

#include "ns_buf.h"
#include "ns_codec.h"
#include "ns_input.h"
#include "ns_scope.h"
#include "ns_store.h"

#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define S_CHUNK (1u << 20)

typedef struct s_chunk {
    struct s_chunk *next;
    size_t used, cap;
    char data[];
} s_chunk_t;

typedef struct {
    uint64_t h;
    const char *key; /* normalized key bytes, in the arena */
    uint32_t klen;
    ns_value_t *vals; /* nin values, in the arena; NULL: empty slot */
} s_ent_t;

struct ns_lktable {
    const ns_lookup_t *lk;
    ns_coltype_t ktypes[NS_MAX_COLUMNS];
    int kcols[NS_MAX_COLUMNS]; /* 0..nkey-1, for ns_key_encode */
    s_chunk_t *chunks;
    s_ent_t *ents;
    size_t cap, n;
    ns_buf_t kb; /* key being built */
    uint64_t bytes;
};

static void *s_alloc(ns_lktable_t *t, size_t n, ns_err_t *err)
{
    n = (n + 15) & ~(size_t)15;
    if (!t->chunks || t->chunks->cap - t->chunks->used < n) {
        size_t cap = n > S_CHUNK ? n : S_CHUNK;
        if (t->bytes + cap > t->lk->max_bytes) {
            ns_errf(err, "lookup '%s' does not fit in its max_size of %llu MB", t->lk->name,
                    (unsigned long long)(t->lk->max_bytes >> 20));
            return NULL;
        }
        s_chunk_t *c = malloc(sizeof *c + cap);
        if (!c) {
            ns_errf(err, "lookup '%s': out of memory", t->lk->name);
            return NULL;
        }
        c->next = t->chunks;
        c->used = 0;
        c->cap = cap;
        t->chunks = c;
        t->bytes += cap;
    }
    void *p = t->chunks->data + t->chunks->used;
    t->chunks->used += n;
    return p;
}

static int s_grow(ns_lktable_t *t, ns_err_t *err)
{
    size_t ncap = t->cap ? t->cap * 2 : 1024;
    if (t->bytes + ncap * sizeof(s_ent_t) > t->lk->max_bytes)
        return ns_errf(err, "lookup '%s' does not fit in its max_size of %llu MB", t->lk->name,
                       (unsigned long long)(t->lk->max_bytes >> 20));
    s_ent_t *ne = calloc(ncap, sizeof *ne);
    if (!ne)
        return ns_errf(err, "lookup '%s': out of memory", t->lk->name);
    for (size_t i = 0; i < t->cap; i++) {
        if (!t->ents[i].vals)
            continue;
        size_t k = t->ents[i].h & (ncap - 1);
        while (ne[k].vals)
            k = (k + 1) & (ncap - 1);
        ne[k] = t->ents[i];
    }
    t->bytes += (ncap - t->cap) * sizeof(s_ent_t);
    free(t->ents);
    t->ents = ne;
    t->cap = ncap;
    return 0;
}

/* The slot holding key, or the empty slot where it would go. */
static s_ent_t *s_slot(ns_lktable_t *t, uint64_t h, const char *key, size_t klen)
{
    size_t k = h & (t->cap - 1);
    while (t->ents[k].vals &&
           !(t->ents[k].h == h && t->ents[k].klen == klen && !memcmp(t->ents[k].key, key, klen)))
        k = (k + 1) & (t->cap - 1);
    return &t->ents[k];
}

/* Encodes the key of vals (indexed by the lookup's key columns when
 * from_row, else vals[0..nkey)) into t->kb; -1 if a key value is NULL. */
static int s_key(ns_lktable_t *t, const ns_value_t *vals, bool from_row)
{
    const ns_lookup_t *lk = t->lk;
    ns_value_t kv[NS_MAX_COLUMNS];
    for (int i = 0; i < lk->nkey; i++) {
        kv[i] = from_row ? vals[lk->key[i]] : vals[i];
        if (kv[i].null)
            return -1;
    }
    ns_buf_reset(&t->kb);
    return ns_key_encode(&t->kb, t->ktypes, kv, t->kcols, lk->nkey) ? -1 : 0;
}

/* Adds one typed row; 1 if its key was there already. */
static int s_add(ns_lktable_t *t, const ns_value_t *vals, ns_err_t *err)
{
    const ns_job_t *src = t->lk->src;
    if (s_key(t, vals, true))
        return 1; /* a NULL key can never match: as good as a duplicate */
    if ((t->n + 1) * 2 > t->cap && s_grow(t, err))
        return -1;
    uint64_t h = XXH64(t->kb.data, t->kb.len, 0);
    s_ent_t *e = s_slot(t, h, t->kb.data, t->kb.len);
    if (e->vals)
        return 1;
    size_t strbytes = 0;
    for (int i = 0; i < src->nin; i++)
        if (!vals[i].null && src->in[i].type.type == NS_T_STRING)
            strbytes += vals[i].len;
    char *p = s_alloc(t, (size_t)src->nin * sizeof(ns_value_t) + strbytes + t->kb.len, err);
    if (!p)
        return -1;
    ns_value_t *copy = (ns_value_t *)p;
    char *sp = p + (size_t)src->nin * sizeof(ns_value_t);
    for (int i = 0; i < src->nin; i++) {
        copy[i] = vals[i];
        if (!vals[i].null && src->in[i].type.type == NS_T_STRING) {
            memcpy(sp, vals[i].s, vals[i].len);
            copy[i].s = sp;
            sp += vals[i].len;
        }
    }
    memcpy(sp, t->kb.data, t->kb.len);
    e->h = h;
    e->key = sp;
    e->klen = (uint32_t)t->kb.len;
    e->vals = copy;
    t->n++;
    return 0;
}

typedef struct {
    ns_object_t *objs;
    int n, cap;
} s_list_t;

static int s_collect(const ns_object_t *o, void *arg)
{
    s_list_t *l = arg;
    if (l->n == l->cap) {
        int ncap = l->cap ? l->cap * 2 : 16;
        ns_object_t *no = realloc(l->objs, (size_t)ncap * sizeof *no);
        if (!no)
            return 1;
        l->objs = no;
        l->cap = ncap;
    }
    l->objs[l->n++] = *o;
    return 0;
}

static int s_load_object(ns_lktable_t *t, const ns_object_t *o, ns_value_t *vals,
                         ns_lkstats_t *st, ns_err_t *err)
{
    const ns_job_t *src = t->lk->src;
    ns_split_t sp = {.uri = (char *)o->uri, .offset = 0, .length = -1, .size = o->size,
                     .codec = (int)ns_codec_for(o->uri, src->compression)};
    if (ns_scope_within(o->uri, src->input_uri, err)) /* the lookup's own prefix only */
        return ns_err_prefix(err, "lookup '%s': refusing to read", t->lk->name);
    ns_input_t *in = ns_input_open(src, &sp, 0, err);
    if (!in)
        return ns_err_prefix(err, "lookup '%s'", t->lk->name);
    ns_recsrc_t *rs = ns_input_records(in);
    ns_record_t rec;
    int rc = 0;
    for (;;) {
        int r = rs->next(rs, &rec, err);
        if (r == NS_REC_END)
            break;
        if (r < 0) {
            rc = ns_err_prefix(err, "lookup '%s': cannot read '%s'", t->lk->name, o->uri);
            break;
        }
        if (r == NS_REC_REJECT || rec.nfields != src->nin) {
            st->bad++;
            continue;
        }
        if (src->trim)
            ns_input_trim(&rec);
        ns_err_t why;
        int ok = 1;
        for (int i = 0; i < src->nin && ok; i++)
            ok = !ns_input_type(&src->in[i].type, src->in[i].number, rec.fields[i].p,
                                rec.fields[i].p ? rec.fields[i].len : 0, &vals[i], &why);
        if (!ok) {
            st->bad++;
            continue;
        }
        int a = s_add(t, vals, err);
        if (a < 0) {
            rc = -1;
            break;
        }
        if (a)
            st->duplicates++;
        else
            st->rows++;
    }
    ns_input_close(&in);
    return rc;
}

ns_lktable_t *ns_lookup_load(const ns_lookup_t *lk, ns_lkstats_t *st, ns_err_t *err)
{
    memset(st, 0, sizeof *st);
    ns_lktable_t *t = calloc(1, sizeof *t);
    ns_value_t *vals = calloc((size_t)lk->src->nin, sizeof *vals);
    s_list_t l = {0};
    if (!t || !vals) {
        free(t);
        free(vals);
        ns_errf(err, "lookup '%s': out of memory", lk->name);
        return NULL;
    }
    t->lk = lk;
    for (int i = 0; i < lk->nkey; i++) {
        t->ktypes[i] = lk->src->in[lk->key[i]].type;
        t->kcols[i] = i;
    }
    ns_buf_init(&t->kb, NS_MAX_KEY * 2);
    int rc = s_grow(t, err);
    if (!rc && ns_store_list(lk->src->input_uri, s_collect, &l, err) < 0)
        rc = ns_err_prefix(err, "lookup '%s'", lk->name);
    if (!rc && l.n == 0)
        rc = ns_errf(err, "lookup '%s': no objects under '%s'", lk->name, lk->src->input_uri);
    for (int i = 0; !rc && i < l.n; i++)
        rc = s_load_object(t, &l.objs[i], vals, st, err);
    free(l.objs);
    free(vals);
    if (rc) {
        ns_lookup_free(&t);
        return NULL;
    }
    st->bytes = t->bytes;
    return t;
}

const ns_value_t *ns_lookup_find(ns_lktable_t *t, const ns_value_t *keyv)
{
    if (s_key(t, keyv, false))
        return NULL;
    uint64_t h = XXH64(t->kb.data, t->kb.len, 0);
    s_ent_t *e = s_slot(t, h, t->kb.data, t->kb.len);
    return e->vals;
}

void ns_lookup_free(ns_lktable_t **tp)
{
    if (!tp || !*tp)
        return;
    ns_lktable_t *t = *tp;
    while (t->chunks) {
        s_chunk_t *c = t->chunks;
        t->chunks = c->next;
        free(c);
    }
    free(t->ents);
    ns_buf_free(&t->kb);
    free(t);
    *tp = NULL;
}
