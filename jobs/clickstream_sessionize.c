/*
 * clickstream_sessionize: the `sessionize` reduce plugin (ns_plugin.h) of
 * the clickstream job. Events arrive grouped by visitor (anonymous_id) and
 * ordered by time; a session ends after 30 minutes without an event.
 * Duplicate messageIds (retried deliveries) are dropped. Each session keeps
 * its landing page and campaign (those of its first event), its page views,
 * and whether it converted: an "Order Completed" event, with its order id.
 *
 * Reads these transform output columns (by name):
 *   anonymous_id string, ts timestamp (UTC), message_id string,
 *   event_type string (page / track / identify), event_name string (the
 *   track event's name, NULL otherwise), path string, user_id string,
 *   campaign_source, campaign_medium, campaign_name string, order_id string;
 * the job's sort key must start with anonymous_id, ts and its reduce group
 * be 1 (the visitor).
 *
 * Writes one row per session: session_id (anonymous_id "-" start in epoch
 * seconds), anonymous_id, user_id (the last one seen), session_date (UTC
 * date of the start), session_start, session_end, events, page_views,
 * landing_page, campaign_source, campaign_medium, campaign_name, converted,
 * order_id (the first order of the session).
 *
 * Memory: one session's strings and the hashes of its messageIds (at most
 * 1 Mi of them; past that, duplicates are no longer looked for in that
 * session).
 */
#include "ns_plugin.h"

#include "ns_buf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#define S_GAP_US (30ll * 60 * 1000000)
#define S_MAX_IDS (1u << 20)

enum { I_ANON, I_TS, I_MSG, I_TYPE, I_NAME, I_PATH, I_USER, I_SRC, I_MED, I_CAMP, I_ORDER, I_N };
static const ns_plugin_col_t s_in[I_N] = {
    {"anonymous_id", NS_T_STRING, 0},    {"ts", NS_T_TIMESTAMP, 0},
    {"message_id", NS_T_STRING, 0},      {"event_type", NS_T_STRING, 0},
    {"event_name", NS_T_STRING, 0},      {"path", NS_T_STRING, 0},
    {"user_id", NS_T_STRING, 0},         {"campaign_source", NS_T_STRING, 0},
    {"campaign_medium", NS_T_STRING, 0}, {"campaign_name", NS_T_STRING, 0},
    {"order_id", NS_T_STRING, 0}};
static const char *const s_lead[2] = {"anonymous_id", "ts"};

enum {
    O_ID, O_ANON, O_USER, O_DATE, O_START, O_END, O_EVENTS, O_PAGES, O_LANDING, O_SRC, O_MED,
    O_CAMP, O_CONV, O_ORDER, O_N
};
static const char *const s_out_names[O_N] = {
    "session_id",   "anonymous_id",    "user_id",         "session_date",  "session_start",
    "session_end",  "events",          "page_views",      "landing_page",  "campaign_source",
    "campaign_medium", "campaign_name", "converted",      "order_id"};
static const ns_coltype_t s_out_types[O_N] = {
    {NS_T_STRING, 0}, {NS_T_STRING, 0}, {NS_T_STRING, 0},    {NS_T_DATE, 0}, {NS_T_TIMESTAMP, 0},
    {NS_T_TIMESTAMP, 0}, {NS_T_INT, 0}, {NS_T_INT, 0},       {NS_T_STRING, 0}, {NS_T_STRING, 0},
    {NS_T_STRING, 0},    {NS_T_STRING, 0}, {NS_T_BOOL, 0},   {NS_T_STRING, 0}};

typedef struct {
    int col[I_N];          /* transform output index of each input */
    bool open;             /* a session is being built */
    int64_t start, last;   /* microseconds */
    int64_t events, pages;
    bool converted;
    ns_plugin_str_t anon, user, landing, src, med, camp, order;
    ns_buf_t strs;         /* the session's strings */
    uint64_t *ids;         /* messageId hashes seen in the session (open addressing, 0 = empty) */
    size_t idcap, nids;
    char sid[256];
} s_state_t;

static int s_check(const ns_job_t *j, ns_err_t *err)
{
    int col[I_N];
    if (ns_plugin_cols(j, s_in, I_N, col, err))
        return -1;
    return ns_plugin_keys(j, s_lead, 2, 1, "the visitor", err);
}

static void *s_open(const ns_job_t *j, ns_err_t *err)
{
    s_state_t *st = calloc(1, sizeof *st);
    if (!st) {
        ns_errf(err, "out of memory");
        return NULL;
    }
    if (ns_plugin_cols(j, s_in, I_N, st->col, err)) {
        free(st);
        return NULL;
    }
    ns_buf_init(&st->strs, 64u << 20);
    return st;
}

static void s_free(void *p)
{
    s_state_t *st = p;
    if (!st)
        return;
    ns_buf_free(&st->strs);
    free(st->ids);
    free(st);
}

static int s_keep(s_state_t *st, const ns_value_t *v, ns_plugin_str_t *out, ns_err_t *err)
{
    return ns_plugin_keep(&st->strs, v, out, "session strings", err);
}

static ns_value_t s_val(const s_state_t *st, const ns_plugin_str_t *s)
{
    return ns_plugin_kept(&st->strs, s);
}

/* 1 if this messageId was seen in the session, else records it. */
static int s_seen(s_state_t *st, const ns_value_t *id)
{
    if (id->null)
        return 0;
    uint64_t h = XXH64(id->s, id->len, 0) | 1;
    if (st->nids * 2 >= st->idcap) {
        if (st->idcap >= S_MAX_IDS)
            return 0;
        size_t ncap = st->idcap ? st->idcap * 2 : 64;
        uint64_t *n = calloc(ncap, sizeof *n);
        if (!n)
            return 0;
        for (size_t i = 0; i < st->idcap; i++)
            if (st->ids[i]) {
                size_t k = st->ids[i] & (ncap - 1);
                while (n[k])
                    k = (k + 1) & (ncap - 1);
                n[k] = st->ids[i];
            }
        free(st->ids);
        st->ids = n;
        st->idcap = ncap;
    }
    size_t k = h & (st->idcap - 1);
    while (st->ids[k]) {
        if (st->ids[k] == h)
            return 1;
        k = (k + 1) & (st->idcap - 1);
    }
    st->ids[k] = h;
    st->nids++;
    return 0;
}

static int s_emit_session(s_state_t *st, ns_plugin_emit_fn emit, void *arg, ns_err_t *err)
{
    if (!st->open)
        return 0;
    ns_value_t o[O_N];
    memset(o, 0, sizeof o);
    ns_value_t anon = s_val(st, &st->anon);
    int64_t secs = st->start >= 0 ? st->start / 1000000 : -((-st->start + 999999) / 1000000);
    int n = snprintf(st->sid, sizeof st->sid, "%.*s-%lld", (int)(anon.len < 200 ? anon.len : 200),
                     anon.s ? anon.s : "", (long long)secs);
    o[O_ID] = (ns_value_t){.s = st->sid, .len = (uint32_t)n};
    o[O_ANON] = anon;
    o[O_USER] = s_val(st, &st->user);
    int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
    o[O_DATE].i = days;
    o[O_START].i = st->start;
    o[O_END].i = st->last;
    o[O_EVENTS].i = st->events;
    o[O_PAGES].i = st->pages;
    o[O_LANDING] = s_val(st, &st->landing);
    o[O_SRC] = s_val(st, &st->src);
    o[O_MED] = s_val(st, &st->med);
    o[O_CAMP] = s_val(st, &st->camp);
    o[O_CONV].i = st->converted;
    o[O_ORDER] = s_val(st, &st->order);
    st->open = false;
    return emit(arg, o, err);
}

static bool s_is(const ns_value_t *v, const char *text)
{
    size_t n = strlen(text);
    return !v->null && v->len == n && !memcmp(v->s, text, n);
}

static int s_row(void *p, const ns_value_t *vals, bool first, ns_plugin_emit_fn emit, void *arg,
                 ns_err_t *err)
{
    s_state_t *st = p;
    const ns_value_t *ts = &vals[st->col[I_TS]];
    if (ts->null)
        return 0; /* an event without a time cannot be placed in a session */
    if (st->open && (first || ts->i - st->last > S_GAP_US)) {
        if (s_emit_session(st, emit, arg, err))
            return -1;
    }
    if (!st->open) {
        ns_buf_reset(&st->strs);
        if (st->idcap)
            memset(st->ids, 0, st->idcap * sizeof *st->ids);
        st->nids = 0;
        st->open = true;
        st->start = ts->i;
        st->events = st->pages = 0;
        st->converted = false;
        ns_value_t none = {.null = true};
        if (s_keep(st, &vals[st->col[I_ANON]], &st->anon, err) ||
            s_keep(st, &vals[st->col[I_PATH]], &st->landing, err) ||
            s_keep(st, &vals[st->col[I_SRC]], &st->src, err) ||
            s_keep(st, &vals[st->col[I_MED]], &st->med, err) ||
            s_keep(st, &vals[st->col[I_CAMP]], &st->camp, err) ||
            s_keep(st, &none, &st->user, err) || s_keep(st, &none, &st->order, err))
            return -1;
    }
    if (s_seen(st, &vals[st->col[I_MSG]]))
        return 0; /* a retried delivery */
    st->last = ts->i;
    st->events++;
    if (s_is(&vals[st->col[I_TYPE]], "page"))
        st->pages++;
    const ns_value_t *user = &vals[st->col[I_USER]];
    ns_value_t cur = s_val(st, &st->user);
    if (!user->null && (cur.null || cur.len != user->len || memcmp(cur.s, user->s, user->len)) &&
        s_keep(st, user, &st->user, err))
        return -1;
    if (s_is(&vals[st->col[I_NAME]], "Order Completed")) {
        if (!st->converted && s_keep(st, &vals[st->col[I_ORDER]], &st->order, err))
            return -1;
        st->converted = true;
    }
    return 0;
}

static int s_finish(void *p, ns_plugin_emit_fn emit, void *arg, ns_err_t *err)
{
    return s_emit_session(p, emit, arg, err);
}

const ns_reduce_plugin_t ns_plugin_sessionize = {
    .name = "sessionize",
    .doc = "web sessions from clickstream events: 30 minutes of silence ends a session",
    .out_names = s_out_names,
    .out_types = s_out_types,
    .nout = O_N,
    .check = s_check,
    .open = s_open,
    .row = s_row,
    .finish = s_finish,
    .free = s_free,
};
