/*
 * ns_merge: the reduce side of the shuffle (contract in ns_merge.h).
 *
 * Workload: a reduce task merges every run of its partition, tens to
 * hundreds of streams, each read once; every row of the partition passes
 * through the heap once per merge pass. The heap holds the index of each
 * open run and compares the rows the runs are positioned on (ns_row_cmp,
 * then the run index, so the output order never depends on timing or on
 * heap shape). Memory is the readers' buffers: bufsize per open run.
 *
 * ns_merge_passes bounds the number of open streams: it merges consecutive
 * groups of fan_in runs into intermediate runs until at most fan_in are
 * left. Inputs given by the caller are never deleted; intermediates it wrote
 * are deleted as soon as they have been merged into the next level.
 */
#include "ns_merge.h"

#include <stdlib.h>
#include <string.h>

struct ns_merge {
    ns_run_reader_t **rd; /* one reader per run (NULL once exhausted) */
    ns_rowview_t *cur;    /* the row each reader is positioned on */
    int *heap;            /* run indexes, a min-heap by (cur row, index) */
    int nheap;            /* entries in heap */
    int n;                /* runs */
    int pending;          /* the top's row was returned: advance it first */
    int failed;           /* an error was reported */
};

static inline int s_less(const ns_merge_t *m, int a, int b)
{
    int c = ns_row_cmp(&m->cur[a], &m->cur[b]);
    return c < 0 || (c == 0 && a < b);
}

static void s_down(ns_merge_t *m, int i)
{
    int *h = m->heap, n = m->nheap;
    int x = h[i];
    for (;;) {
        int c = 2 * i + 1;
        if (c >= n)
            break;
        if (c + 1 < n && s_less(m, h[c + 1], h[c]))
            c++;
        if (!s_less(m, h[c], x))
            break;
        h[i] = h[c];
        i = c;
    }
    h[i] = x;
}

ns_merge_t *ns_merge_new(const char *const *uris, int n, size_t bufsize, ns_err_t *err)
{
    if (n < 0 || (n > 0 && !uris)) {
        ns_errf(err, "merge: bad run list");
        return NULL;
    }
    ns_merge_t *m = calloc(1, sizeof *m);
    if (!m) {
        ns_errf(err, "merge: out of memory");
        return NULL;
    }
    size_t k = n ? (size_t)n : 1;
    m->rd = calloc(k, sizeof *m->rd);
    m->cur = calloc(k, sizeof *m->cur);
    m->heap = calloc(k, sizeof *m->heap);
    if (!m->rd || !m->cur || !m->heap) {
        ns_errf(err, "merge: out of memory");
        goto fail;
    }
    m->n = n;
    for (int i = 0; i < n; i++) {
        m->rd[i] = ns_run_reader_open(uris[i], bufsize, err);
        if (!m->rd[i])
            goto fail;
        int got = ns_run_reader_next(m->rd[i], &m->cur[i], err);
        if (got < 0)
            goto fail;
        if (got == 0)
            ns_run_reader_close(&m->rd[i]); /* an empty run */
        else
            m->heap[m->nheap++] = i;
    }
    for (int i = m->nheap / 2; i-- > 0;)
        s_down(m, i);
    return m;
fail:
    ns_merge_destroy(&m);
    return NULL;
}

int ns_merge_next(ns_merge_t *m, ns_rowview_t *row, ns_err_t *err)
{
    if (m->failed)
        return ns_errf(err, "merge: read after an earlier error");
    if (m->pending) {
        m->pending = 0;
        int top = m->heap[0];
        int got = ns_run_reader_next(m->rd[top], &m->cur[top], err);
        if (got < 0) {
            m->failed = 1;
            return -1;
        }
        if (got == 0) {
            ns_run_reader_close(&m->rd[top]);
            m->heap[0] = m->heap[--m->nheap];
        }
        if (m->nheap > 0)
            s_down(m, 0);
    }
    if (m->nheap == 0)
        return 0;
    *row = m->cur[m->heap[0]];
    m->pending = 1;
    return 1;
}

void ns_merge_destroy(ns_merge_t **mp)
{
    if (!mp || !*mp)
        return;
    ns_merge_t *m = *mp;
    if (m->rd)
        for (int i = 0; i < m->n; i++)
            ns_run_reader_close(&m->rd[i]);
    free(m->rd);
    free(m->cur);
    free(m->heap);
    free(m);
    *mp = NULL;
}

/* -------------------------------------------------------------- passes */

/* Merges uris[0..k) into a new run at out. */
static int s_merge_group(const char *const *uris, int k, size_t bufsize, int level, const char *out,
                         ns_err_t *err)
{
    ns_merge_t *m = ns_merge_new(uris, k, bufsize, err);
    if (!m)
        return -1;
    ns_run_writer_t *w = ns_run_writer_new(out, level, err);
    if (!w) {
        ns_merge_destroy(&m);
        return -1;
    }
    ns_rowview_t row = {0};
    int got;
    while ((got = ns_merge_next(m, &row, err)) == 1)
        if (ns_run_writer_add(w, ns_row_record(&row), row.total_len, err)) {
            got = -1;
            break;
        }
    ns_merge_destroy(&m);
    if (got < 0) {
        ns_run_writer_abort(&w);
        return -1;
    }
    return ns_run_writer_commit(&w, NULL, err);
}

static void s_free_list(char **list, int n)
{
    if (!list)
        return;
    for (int i = 0; i < n; i++)
        free(list[i]);
    free(list);
}

int ns_merge_passes(char ***uris, int *n, int fan_in, size_t bufsize, int zstd_level,
                    ns_run_name_fn name_fn, void *arg, int partition, int first_run_no,
                    ns_err_t *err)
{
    if (fan_in < 2)
        return ns_errf(err, "merge: a fan-in of %d is less than 2", fan_in);
    if (*n > fan_in && !name_fn)
        return ns_errf(err, "merge: no run naming function");
    char **cur = *uris;
    int ncur = *n;
    /* which entries of cur this function wrote (and so may delete): 0 the
     * caller's, 1 an intermediate carried over, 2 written in this pass */
    unsigned char *mine = calloc(ncur > 0 ? (size_t)ncur : 1, 1);
    if (!mine)
        return ns_errf(err, "merge: out of memory");
    int run_no = first_run_no;
    int rc = 0;
    while (ncur > fan_in) {
        int nnext = (ncur + fan_in - 1) / fan_in;
        char **next = calloc((size_t)nnext, sizeof *next);
        unsigned char *next_mine = calloc((size_t)nnext, 1);
        if (!next || !next_mine) {
            free(next);
            free(next_mine);
            rc = ns_errf(err, "merge: out of memory");
            break;
        }
        int g = 0;
        for (int start = 0; start < ncur; start += fan_in, g++) {
            int k = ncur - start < fan_in ? ncur - start : fan_in;
            if (k == 1) {
                /* a lone run is carried over as it is */
                next[g] = strdup(cur[start]);
                next_mine[g] = mine[start];
                if (!next[g]) {
                    rc = ns_errf(err, "merge: out of memory");
                    break;
                }
                continue;
            }
            char out[NS_URI_MAX];
            if (name_fn(arg, partition, run_no, out)) {
                rc = ns_errf(err, "merge: cannot name run %d of partition %d", run_no, partition);
                break;
            }
            run_no++;
            if (s_merge_group((const char *const *)cur + start, k, bufsize, zstd_level, out, err)) {
                rc = ns_err_prefix(err, "merge of partition %d", partition);
                break;
            }
            next[g] = strdup(out);
            next_mine[g] = 2;
            if (!next[g]) {
                ns_err_t ign;
                ns_store_delete(out, &ign);
                rc = ns_errf(err, "merge: out of memory");
                break;
            }
            /* the group's intermediates are merged: drop them */
            for (int i = start; i < start + k; i++)
                if (mine[i]) {
                    ns_err_t ign;
                    ns_store_delete(cur[i], &ign);
                    mine[i] = 0;
                }
        }
        if (rc) {
            /* delete what this pass wrote; the caller keeps the old list */
            for (int i = 0; i < g; i++)
                if (next_mine[i] == 2) {
                    ns_err_t ign;
                    ns_store_delete(next[i], &ign);
                }
            s_free_list(next, nnext);
            free(next_mine);
            break;
        }
        /* the new level replaces the old one */
        s_free_list(cur, ncur);
        free(mine);
        cur = next;
        ncur = nnext;
        mine = next_mine;
        *uris = cur;
        *n = ncur;
    }
    if (rc) {
        /* intermediates still listed are useless after a failure */
        for (int i = 0; i < ncur; i++)
            if (mine[i]) {
                ns_err_t ign;
                ns_store_delete(cur[i], &ign);
            }
    }
    free(mine);
    return rc ? -1 : 0;
}
