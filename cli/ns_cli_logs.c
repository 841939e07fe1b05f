/*
 * ns_cli_logs: nightshift logs [JOB] (docs/CLI.md): the log lines of the
 * processes of a local cluster, every *.log of its log directory (the
 * coordinator's and each worker's, as `cluster up` writes them), merged by
 * time, each line prefixed with its process (the file's name). With JOB,
 * only the lines that name the job (and the lines without a time that
 * follow one of them: a report's continuation). --follow keeps printing
 * what is appended; with JOB it ends once the job has ended.
 *
 * Workload: log files of MB to a few GB, read once, line by line; only the
 * last --lines lines kept per file (a ring), so memory is bounded by
 * --lines whatever the files hold.
 */
#include "ns_cli.h"

#include <dirent.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#define S_MAX_FILES 512
#define S_TS_LEN 24 /* 2026-12-06T04:13:27.474Z */
#define S_LINES_DEFAULT 100
#define S_POLL_US (200 * 1000)

typedef struct {
    char ts[S_TS_LEN + 1]; /* its time, or that of the line it continues */
    int src;               /* index of its file */
    size_t seq;            /* its place in its file, to keep order among equal times */
    char *text;            /* without the line end */
} s_line_t;

typedef struct {
    char name[256];              /* the file's name without ".log" */
    char path[1400];
    off_t off;                   /* bytes read: the start of the next line */
    char ts[S_TS_LEN + 1];       /* the last time seen */
    bool kept;                   /* the last line with a time was kept */
    size_t seq;
    s_line_t *ring;              /* the last `cap` lines kept (cap 0: all, grown) */
    size_t n, head, cap, alloc;
} s_src_t;

typedef struct {
    const char *dir, *job, *endpoint;
    long lines;
    bool follow;
    bool live; /* the first pass is done: lines are printed as they are read */
    s_src_t *src;
    int nsrc;
    long printed;
} s_logs_t;

static bool s_has_ts(const char *l, size_t n)
{
    return n >= S_TS_LEN && l[4] == '-' && l[7] == '-' && l[10] == 'T' && l[23] == 'Z' &&
           l[0] >= '0' && l[0] <= '9';
}

static void s_print(const s_logs_t *g, const char *who, const char *text)
{
    int w = 0;
    for (int i = 0; i < g->nsrc; i++) {
        int n = (int)strlen(g->src[i].name);
        w = n > w ? n : w;
    }
    printf("%-*s | %s\n", w, who, text);
}

/* Keeps the line (text, NUL-terminated at n) in the file's ring, or once
 * live prints it. */
static int s_keep(s_logs_t *g, int si, char *text, size_t n)
{
    s_src_t *s = &g->src[si];
    if (g->live) {
        text[n] = '\0';
        s_print(g, s->name, text);
        g->printed++;
        return 0;
    }
    if (s->cap && s->n == s->cap) { /* full: drop the oldest */
        free(s->ring[s->head].text);
        s->head = (s->head + 1) % s->cap;
        s->n--;
    }
    if (!s->cap && s->n == s->alloc) {
        size_t na = s->alloc ? s->alloc * 2 : 256;
        s_line_t *r = realloc(s->ring, na * sizeof *r);
        if (!r)
            return -1;
        s->ring = r;
        s->alloc = na;
    }
    size_t at = s->cap ? (s->head + s->n) % s->cap : s->n;
    s_line_t *l = &s->ring[at];
    memcpy(l->ts, s->ts, sizeof l->ts);
    l->src = si;
    l->seq = s->seq;
    l->text = strndup(text, n);
    if (!l->text)
        return -1;
    s->n++;
    return 0;
}

/* Reads the complete lines appended to the file since the last call. */
static int s_read(s_logs_t *g, int si)
{
    s_src_t *s = &g->src[si];
    FILE *f = fopen(s->path, "rb");
    if (!f)
        return 0; /* gone (a cluster's logs removed): nothing more of it */
    if (fseeko(f, s->off, SEEK_SET)) {
        fclose(f);
        return 0;
    }
    char *buf = NULL;
    size_t cap = 0;
    ssize_t n;
    int rc = 0;
    while ((n = getline(&buf, &cap, f)) > 0) {
        bool lf = buf[n - 1] == '\n';
        if (!lf && g->follow)
            break; /* a line still being written: read it whole next time */
        s->off += n;
        size_t len = (size_t)n - lf;
        s->seq++;
        if (s_has_ts(buf, len)) {
            memcpy(s->ts, buf, S_TS_LEN);
            s->ts[S_TS_LEN] = '\0';
            buf[len] = '\0';
            s->kept = !g->job || strstr(buf, g->job);
        }
        if (s->kept && (rc = s_keep(g, si, buf, len)) < 0)
            break;
    }
    free(buf);
    fclose(f);
    return rc;
}

static int s_cmp(const void *a, const void *b)
{
    const s_line_t *x = *(const s_line_t *const *)a, *y = *(const s_line_t *const *)b;
    int c = strcmp(x->ts, y->ts);
    if (c)
        return c;
    if (x->src != y->src)
        return x->src < y->src ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Adds the *.log files of the directory not yet known. */
static int s_scan(s_logs_t *g)
{
    DIR *d = opendir(g->dir);
    if (!d) {
        fprintf(stderr, "nightshift: cannot read the log directory '%s': %m\n", g->dir);
        return NS_EXIT_ERROR;
    }
    struct dirent *e;
    while ((e = readdir(d))) {
        size_t n = strlen(e->d_name);
        if (n <= 4 || strcmp(e->d_name + n - 4, ".log") || n - 4 >= sizeof g->src->name)
            continue;
        bool known = false;
        for (int i = 0; i < g->nsrc && !known; i++)
            known = !strncmp(g->src[i].name, e->d_name, n - 4) && !g->src[i].name[n - 4];
        if (known)
            continue;
        if (g->nsrc == S_MAX_FILES) {
            fprintf(stderr, "nightshift: more than %d log files in '%s'\n", S_MAX_FILES, g->dir);
            closedir(d);
            return NS_EXIT_ERROR;
        }
        s_src_t *s = &g->src[g->nsrc++];
        memset(s, 0, sizeof *s);
        memcpy(s->name, e->d_name, n - 4);
        snprintf(s->path, sizeof s->path, "%s/%s", g->dir, e->d_name);
        s->cap = g->lines > 0 ? (size_t)g->lines : 0;
        if (!g->live && s->cap && !(s->ring = calloc(s->cap, sizeof *s->ring))) {
            closedir(d);
            fprintf(stderr, "nightshift: out of memory\n");
            return NS_EXIT_ERROR;
        }
    }
    closedir(d);
    return 0;
}

/* The first pass: every file read, the last --lines lines of them all
 * printed in time order. */
static int s_first(s_logs_t *g)
{
    size_t total = 0;
    for (int i = 0; i < g->nsrc; i++) {
        if (s_read(g, i) < 0) {
            fprintf(stderr, "nightshift: out of memory\n");
            return NS_EXIT_ERROR;
        }
        total += g->src[i].n;
    }
    s_line_t **all = malloc((total ? total : 1) * sizeof *all);
    if (!all) {
        fprintf(stderr, "nightshift: out of memory\n");
        return NS_EXIT_ERROR;
    }
    size_t k = 0;
    for (int i = 0; i < g->nsrc; i++) {
        s_src_t *s = &g->src[i];
        for (size_t j = 0; j < s->n; j++)
            all[k++] = &s->ring[s->cap ? (s->head + j) % s->cap : j];
    }
    qsort(all, total, sizeof *all, s_cmp);
    size_t from = g->lines > 0 && total > (size_t)g->lines ? total - (size_t)g->lines : 0;
    for (size_t j = from; j < total; j++)
        s_print(g, g->src[all[j]->src].name, all[j]->text);
    g->printed = (long)(total - from);
    free(all);
    for (int i = 0; i < g->nsrc; i++) {
        s_src_t *s = &g->src[i];
        for (size_t j = 0; j < s->n; j++)
            free(s->ring[s->cap ? (s->head + j) % s->cap : j].text);
        free(s->ring);
        s->ring = NULL;
        s->n = s->head = 0;
    }
    g->live = true;
    fflush(stdout);
    return 0;
}

/* Whether JOB has ended (its state from the coordinator); -1 with an exit
 * code in *rc when it cannot be asked. */
static int s_job_ended(const s_logs_t *g, int *rc)
{
    ns_msgb_t b;
    ns_msgb_init(&b, "STATUS", 1);
    ns_msgb_str(&b, "job", g->job);
    ns_msg_t reply;
    *rc = ns_cli_request(g->endpoint, &b, &reply, 10000);
    ns_msgb_free(&b);
    if (*rc)
        return -1;
    char state[32] = "";
    ns_mp_get_strz(ns_mp_get(reply.root, "job"), "state", state, sizeof state, NULL);
    ns_msg_free(&reply);
    return !strcmp(state, "succeeded") || !strcmp(state, "failed") || !strcmp(state, "cancelled");
}

static int s_follow(s_logs_t *g)
{
    for (unsigned tick = 0;; tick++) {
        int ended = 0, rc = 0;
        if (g->job && tick % 5 == 0 && (ended = s_job_ended(g, &rc)) < 0)
            return rc;
        if (s_scan(g))
            return NS_EXIT_ERROR;
        for (int i = 0; i < g->nsrc; i++)
            if (s_read(g, i) < 0)
                return NS_EXIT_ERROR;
        fflush(stdout);
        if (ended) /* its last lines were written before it ended: all read now */
            return NS_EXIT_OK;
        usleep(S_POLL_US);
    }
}

int ns_cmd_logs(int argc, char **argv)
{
    static const char usage[] =
        "usage: nightshift logs [JOB] [--follow] [--lines N] [--dir DIR]\n"
        "                       [--coordinator ENDPOINT]\n"
        "The log lines of a local cluster's processes (every *.log of DIR, default\n"
        "$NIGHTSHIFT_HOME/logs, where `cluster up` writes them), merged by time and\n"
        "prefixed with the process; the last N lines (default 100, 0: all). With JOB,\n"
        "only the lines that name the job; exit 1 when none does. --follow prints\n"
        "what is appended until interrupted, or with JOB until the job has ended.\n";
    static const struct option opts[] = {
        {"follow", no_argument, 0, 'f'},      {"lines", required_argument, 0, 'n'},
        {"dir", required_argument, 0, 'd'},   {"coordinator", required_argument, 0, 'c'},
        {"help", no_argument, 0, 'h'},        {0, 0, 0, 0},
    };
    s_logs_t g = {.lines = S_LINES_DEFAULT};
    char dir[1100];
    snprintf(dir, sizeof dir, "%s/logs", ns_cli_home());
    g.dir = dir;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "fn:", opts, NULL)) != -1) {
        char *end;
        switch (c) {
        case 'f': g.follow = true; break;
        case 'd': g.dir = optarg; break;
        case 'c': g.endpoint = optarg; break;
        case 'h': fputs(usage, stdout); return NS_EXIT_OK;
        case 'n':
            g.lines = strtol(optarg, &end, 10);
            if (end == optarg || *end || g.lines < 0) {
                fprintf(stderr, "nightshift: bad --lines '%s' (a count, 0: all)\n", optarg);
                return NS_EXIT_USAGE;
            }
            break;
        default: fputs(usage, stderr); return NS_EXIT_USAGE;
        }
    }
    if (argc - optind > 1) {
        fputs(usage, stderr);
        return NS_EXIT_USAGE;
    }
    g.job = optind < argc ? argv[optind] : NULL;
    g.endpoint = ns_cli_endpoint(g.endpoint);
    g.src = calloc(S_MAX_FILES, sizeof *g.src);
    if (!g.src) {
        fprintf(stderr, "nightshift: out of memory\n");
        return NS_EXIT_ERROR;
    }
    int rc = s_scan(&g);
    if (!rc && g.nsrc == 0 && !g.follow) {
        fprintf(stderr,
                "nightshift: no log files in '%s' (`nightshift cluster up` writes them there; "
                "on a fleet the processes log to journald or the pod's log, docs/CLI.md)\n",
                g.dir);
        rc = NS_EXIT_FAILED;
    }
    if (!rc)
        rc = s_first(&g);
    if (!rc && g.job && g.printed == 0 && !g.follow) {
        fprintf(stderr, "nightshift: no line of '%s/*.log' names '%s'\n", g.dir, g.job);
        rc = NS_EXIT_FAILED;
    }
    if (!rc && g.follow)
        rc = s_follow(&g);
    free(g.src);
    return rc;
}
