/*
 * ns_cli_jobs: submit, rerun, status, list, wait and cancel: the commands that talk
 * to a running coordinator (docs/CLI.md).
 */
#include "ns_cli.h"
#include "ns_store.h"
#include "ns_wh.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_MAX_VARS 24
#define S_TIMEOUT_MS 10000

static const struct option s_common_opts[] = {
    {"coordinator", required_argument, 0, 'c'},
    {"json", no_argument, 0, 'j'},
    {"help", no_argument, 0, 'h'},
    {"date", required_argument, 0, 'd'},
    {"var", required_argument, 0, 'v'},
    {"wait", no_argument, 0, 'w'},
    {"timeout", required_argument, 0, 't'},
    {"quiet", no_argument, 0, 'q'},
    {"load", no_argument, 0, 'L'},
    {"warehouse", required_argument, 0, 'W'},
    {"deadline", required_argument, 0, 'D'},
    {0, 0, 0, 0},
};

typedef struct {
    const char *endpoint;
    int json, wait, quiet;
    int load;              /* submit --load: load the committed run */
    const char *warehouse; /* --warehouse for --load: a copy, the argument itself masked */
    const char *date;
    const char *deadline;  /* submit --deadline */
    char *vars[S_MAX_VARS];
    int nvars;
    double timeout; /* seconds for wait; 0: none */
    int help;
} s_opts_t;

/* Parses the options; npos is how many arguments must follow them (-1:
 * any). Returns 0, -1 after printing --help, or an exit code. */
static int s_parse(int argc, char **argv, s_opts_t *o, const char *usage, int npos)
{
    memset(o, 0, sizeof *o);
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", s_common_opts, NULL)) != -1) {
        switch (c) {
        case 'c': o->endpoint = optarg; break;
        case 'j': o->json = 1; break;
        case 'h': o->help = 1; break;
        case 'd': o->date = optarg; break;
        case 'w': o->wait = 1; break;
        case 'q': o->quiet = 1; break;
        case 'L': o->load = o->wait = 1; break;
        case 'W': o->warehouse = optarg; break;
        case 'D': o->deadline = optarg; break;
        case 't': o->timeout = atof(optarg); break;
        case 'v':
            if (o->nvars == S_MAX_VARS || !strchr(optarg, '=')) {
                fprintf(stderr, "nightshift: --var takes NAME=VALUE (at most %d)\n", S_MAX_VARS);
                return NS_EXIT_USAGE;
            }
            o->vars[o->nvars++] = optarg;
            break;
        default:
            fputs(usage, stderr);
            return NS_EXIT_USAGE;
        }
    }
    if (o->help) {
        fputs(usage, stdout);
        return -1;
    }
    if (npos >= 0 && argc - optind != npos) {
        fputs(usage, stderr);
        return NS_EXIT_USAGE;
    }
    o->endpoint = ns_cli_endpoint(o->endpoint);
    return 0;
}

static int s_status_once(const s_opts_t *o, const char *job, ns_msg_t *reply)
{
    ns_msgb_t b;
    ns_msgb_init(&b, "STATUS", 1);
    ns_msgb_str(&b, "job", job);
    int rc = ns_cli_request(o->endpoint, &b, reply, S_TIMEOUT_MS);
    ns_msgb_free(&b);
    return rc;
}

/* Prints the job map of a reply (JSON or text) and frees the reply. */
static int s_print_reply_job(const s_opts_t *o, ns_msg_t *reply)
{
    const msgpack_object *j = ns_mp_get(reply->root, "job");
    if (o->json) {
        ns_cli_json(stdout, j);
        fputc('\n', stdout);
    } else {
        ns_cli_print_job(stdout, j, false);
    }
    ns_msg_free(reply);
    return NS_EXIT_OK;
}

static double s_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Polls STATUS until the job ends; a live progress line on a terminal. */
static int s_wait(const s_opts_t *o, const char *job)
{
    int tty = isatty(STDERR_FILENO) && !o->quiet;
    double start = s_now();
    int misses = 0;
    for (;;) {
        ns_msg_t reply;
        int rc = s_status_once(o, job, &reply);
        if (rc == NS_EXIT_UNREACHABLE && ++misses < 30) {
            /* the coordinator may be restarting: keep trying for a while */
            sleep(1);
            continue;
        }
        if (rc)
            return rc;
        misses = 0;
        const msgpack_object *j = ns_mp_get(reply.root, "job");
        int code = ns_cli_job_exit(j);
        if (tty)
            ns_cli_print_job(stderr, j, true);
        if (code >= 0) {
            if (tty)
                fputc('\n', stderr);
            if (o->json) {
                ns_cli_json(stdout, j);
                fputc('\n', stdout);
            } else if (!o->quiet) {
                ns_cli_print_job(stdout, j, false);
            }
            ns_msg_free(&reply);
            return code;
        }
        ns_msg_free(&reply);
        if (o->timeout > 0 && s_now() - start > o->timeout) {
            fprintf(stderr, "nightshift: job %s still running after %.0fs\n", job, o->timeout);
            return NS_EXIT_FAILED;
        }
        usleep(100 * 1000);
    }
}

static char *s_read_file(const char *path, size_t max, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = malloc(max + 1);
    size_t n = buf ? fread(buf, 1, max + 1, f) : 0;
    fclose(f);
    if (!buf || n > max) {
        free(buf);
        return NULL;
    }
    buf[n] = '\0';
    *len = n;
    return buf;
}

/* JOBFILE as given, or a job name looked up in ./jobs and the installed
 * share/nightshift/jobs. */
static int s_find_jobfile(const char *arg, char *out, size_t cap)
{
    struct stat st;
    if (!stat(arg, &st)) {
        snprintf(out, cap, "%s", arg);
        return 0;
    }
    if (strchr(arg, '/'))
        return -1;
    const char *dirs[] = {"jobs", "/usr/local/share/nightshift/jobs", "/usr/share/nightshift/jobs"};
    for (size_t i = 0; i < sizeof dirs / sizeof *dirs; i++) {
        snprintf(out, cap, "%s/%s%s", dirs[i], arg, strstr(arg, ".yaml") ? "" : ".yaml");
        if (!stat(out, &st))
            return 0;
    }
    return -1;
}

/* --deadline as sent to the coordinator in deadline (cap bytes; "" when
 * not given): +N(s|m|h) is resolved here, from now, to an ISO time. -1
 * after saying what is wrong. */
static int s_deadline_arg(const s_opts_t *o, char *deadline, size_t cap)
{
    deadline[0] = '\0';
    if (o->deadline && o->deadline[0] == '+') { /* relative: resolved here, from now */
        char *end;
        double v = strtod(o->deadline + 1, &end);
        double mul = !strcmp(end, "s") ? 1 : !strcmp(end, "m") ? 60 : !strcmp(end, "h") ? 3600 : 0;
        if (end == o->deadline + 1 || mul == 0 || !(v > 0)) {
            fprintf(stderr, "nightshift: bad --deadline '%s' (+N followed by s, m or h)\n",
                    o->deadline);
            return -1;
        }
        time_t at = time(NULL) + (time_t)(v * mul);
        struct tm tm;
        gmtime_r(&at, &tm);
        strftime(deadline, cap, "%Y-%m-%dT%H:%M:%SZ", &tm);
    } else if (o->deadline) {
        snprintf(deadline, cap, "%s", o->deadline);
    }
    return 0;
}

/* Sends SUBMIT or RERUN (b, freed here); the reply names the new job:
 * prints its id, or with --wait follows the job, and with --load then
 * loads its run. */
static int s_submitted(const s_opts_t *o, ns_msgb_t *b)
{
    ns_msg_t reply;
    int rc = ns_cli_request(o->endpoint, b, &reply, 120000);
    ns_msgb_free(b);
    if (rc)
        return rc;
    char job[256] = "";
    ns_mp_get_strz(reply.root, "job", job, sizeof job, NULL);
    ns_msg_free(&reply);
    if (!o->wait) {
        if (o->json)
            printf("{\"job\":\"%s\"}\n", job);
        else
            printf("%s\n", job);
        return NS_EXIT_OK;
    }
    if (!o->json && !o->quiet)
        fprintf(stderr, "submitted %s\n", job);
    rc = s_wait(o, job);
    if (rc != NS_EXIT_OK || !o->load)
        return rc;
    /* the committed run's manifest, then its load */
    rc = s_status_once(o, job, &reply);
    if (rc)
        return rc;
    char manifest[NS_URI_MAX] = "";
    ns_mp_get_strz(ns_mp_get(reply.root, "job"), "manifest", manifest, sizeof manifest, NULL);
    ns_msg_free(&reply);
    if (!*manifest) {
        fprintf(stderr, "nightshift: job %s succeeded but names no manifest: nothing to load\n", job);
        return NS_EXIT_FAILED;
    }
    /* the warehouse stays in this process: it is never part of SUBMIT */
    ns_load_opts_t lo = {.manifest = manifest, .warehouse = o->warehouse, .out = stdout};
    return ns_cli_load(&lo, o->json);
}

/* submit; *wh_copy gets the copy of --warehouse (ns_wh_hide_arg), freed
 * by the caller */
static int s_submit(int argc, char **argv, char **wh_copy)
{
    static const char usage[] =
        "usage: nightshift submit JOBFILE [--date YYYY-MM-DD] [--var NAME=VALUE]... [--wait]\n"
        "                         [--load [--warehouse CONN]] [--json] [--quiet]\n"
        "                         [--deadline HH:MM|ISO-TIME|+N(s|m|h)]\n"
        "                         [--coordinator ENDPOINT]\n"
        "Submits a job. JOBFILE is a path or a job name (jobs/NAME.yaml).\n"
        "Prints the job id; with --wait, follows it to the end and exits 0 if it\n"
        "succeeded, 1 if it failed, 4 if it was cancelled. --load waits and then\n"
        "loads the committed run into the warehouse (nightshift load; 1 if it fails).\n"
        "The variables raw and out default to $NIGHTSHIFT_RAW / $NIGHTSHIFT_OUT,\n"
        "else file://$NIGHTSHIFT_HOME/raw and file://$NIGHTSHIFT_HOME/out.\n"
        "--deadline overrides the job file's deadline: HH:MM the morning after the run\n"
        "date, an ISO time, or +90m from now (docs/FLEETS.md).\n";
    s_opts_t o;
    int rc = s_parse(argc, argv, &o, usage, 1);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (o.warehouse && !(o.warehouse = *wh_copy = ns_wh_hide_arg((char *)o.warehouse))) {
        fprintf(stderr, "nightshift: out of memory\n");
        return NS_EXIT_ERROR;
    }
    char path[1024];
    if (s_find_jobfile(argv[optind], path, sizeof path)) {
        fprintf(stderr, "nightshift: cannot find job file '%s'\n", argv[optind]);
        return NS_EXIT_USAGE;
    }
    size_t len;
    char *text = s_read_file(path, 1 << 20, &len);
    if (!text) {
        fprintf(stderr, "nightshift: cannot read job file '%s' (missing or over 1 MiB)\n", path);
        return NS_EXIT_ERROR;
    }
    char date[16];
    if (o.date) {
        snprintf(date, sizeof date, "%s", o.date);
    } else {
        time_t t = time(NULL) - 86400; /* the nightly run processes yesterday */
        struct tm tm;
        gmtime_r(&t, &tm);
        strftime(date, sizeof date, "%Y-%m-%d", &tm);
    }
    char raw[1100], out[1100];
    const char *er = getenv("NIGHTSHIFT_RAW"), *eo = getenv("NIGHTSHIFT_OUT");
    if (er && *er)
        snprintf(raw, sizeof raw, "%s", er);
    else
        snprintf(raw, sizeof raw, "file://%s/raw", ns_cli_home());
    if (eo && *eo)
        snprintf(out, sizeof out, "%s", eo);
    else
        snprintf(out, sizeof out, "file://%s/out", ns_cli_home());
    int has_raw = 0, has_out = 0;
    for (int i = 0; i < o.nvars; i++) {
        has_raw |= !strncmp(o.vars[i], "raw=", 4);
        has_out |= !strncmp(o.vars[i], "out=", 4);
    }
    char deadline[64];
    if (s_deadline_arg(&o, deadline, sizeof deadline)) {
        free(text);
        return NS_EXIT_USAGE;
    }
    ns_msgb_t b;
    ns_msgb_init(&b, "SUBMIT", deadline[0] ? 5 : 4);
    if (deadline[0])
        ns_msgb_str(&b, "deadline", deadline);
    ns_msgb_strn(&b, "jobdef", text, len);
    const char *base = strrchr(path, '/');
    ns_msgb_str(&b, "source", base ? base + 1 : path);
    ns_msgb_str(&b, "date", date);
    ns_msgb_key(&b, "vars");
    msgpack_pack_map(&b.pk, (size_t)(o.nvars + !has_raw + !has_out));
    for (int i = 0; i < o.nvars; i++) {
        char *eq = strchr(o.vars[i], '=');
        ns_mp_strn(&b.pk, o.vars[i], (size_t)(eq - o.vars[i]));
        ns_mp_str(&b.pk, eq + 1);
    }
    if (!has_raw) {
        ns_mp_str(&b.pk, "raw");
        ns_mp_str(&b.pk, raw);
    }
    if (!has_out) {
        ns_mp_str(&b.pk, "out");
        ns_mp_str(&b.pk, out);
    }
    free(text);
    return s_submitted(&o, &b);
}

/* cmd(argc, argv, &copy of --warehouse), the copy freed after */
static int s_with_wh(int (*cmd)(int, char **, char **), int argc, char **argv)
{
    char *wh = NULL;
    int rc = cmd(argc, argv, &wh);
    free(wh);
    return rc;
}

int ns_cmd_submit(int argc, char **argv)
{
    return s_with_wh(s_submit, argc, argv);
}

/* rerun; *wh_copy as for submit */
static int s_rerun(int argc, char **argv, char **wh_copy)
{
    static const char usage[] =
        "usage: nightshift rerun JOB [--wait] [--load [--warehouse CONN]] [--json] [--quiet]\n"
        "                        [--deadline HH:MM|ISO-TIME|+N(s|m|h)]\n"
        "                        [--coordinator ENDPOINT]\n"
        "Runs an ended job again as a new job: the same job file text, date and\n"
        "variables as it was submitted with. Prints the new job's id; --wait, --load\n"
        "and --deadline as for submit. An incremental job reads what its bookmark\n"
        "has not recorded: rewind the bookmark first to read a day again.\n";
    s_opts_t o;
    int rc = s_parse(argc, argv, &o, usage, 1);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (o.date || o.nvars) {
        fprintf(stderr, "nightshift: rerun takes the date and variables of JOB; "
                        "submit the job file for others\n");
        return NS_EXIT_USAGE;
    }
    if (o.warehouse && !(o.warehouse = *wh_copy = ns_wh_hide_arg((char *)o.warehouse))) {
        fprintf(stderr, "nightshift: out of memory\n");
        return NS_EXIT_ERROR;
    }
    char deadline[64];
    if (s_deadline_arg(&o, deadline, sizeof deadline))
        return NS_EXIT_USAGE;
    ns_msgb_t b;
    ns_msgb_init(&b, "RERUN", deadline[0] ? 2 : 1);
    ns_msgb_str(&b, "job", argv[optind]);
    if (deadline[0])
        ns_msgb_str(&b, "deadline", deadline);
    return s_submitted(&o, &b);
}

int ns_cmd_rerun(int argc, char **argv)
{
    return s_with_wh(s_rerun, argc, argv);
}

int ns_cmd_wait(int argc, char **argv)
{
    static const char usage[] =
        "usage: nightshift wait JOB [--timeout SECONDS] [--json] [--quiet]\n"
        "Follows JOB to its end: exit 0 succeeded, 1 failed, 4 cancelled, 3 unreachable.\n";
    s_opts_t o;
    int rc = s_parse(argc, argv, &o, usage, 1);
    if (rc)
        return rc < 0 ? 0 : rc;
    return s_wait(&o, argv[optind]);
}

int ns_cmd_status(int argc, char **argv)
{
    static const char usage[] =
        "usage: nightshift status [JOB] [--json] [--coordinator ENDPOINT]\n"
        "Without JOB: every job and worker. With JOB: its state, counters and tasks; on a\n"
        "terminal, a live progress bar until the job ends.\n";
    s_opts_t o;
    int rc = s_parse(argc, argv, &o, usage, -1);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (optind == argc)
        return ns_cmd_list(argc, argv);
    if (optind != argc - 1) {
        fputs(usage, stderr);
        return NS_EXIT_USAGE;
    }
    const char *job = argv[optind];
    if (!o.json && isatty(STDOUT_FILENO) && isatty(STDERR_FILENO))
        return s_wait(&o, job) == NS_EXIT_UNREACHABLE ? NS_EXIT_UNREACHABLE : NS_EXIT_OK;
    ns_msg_t reply;
    rc = s_status_once(&o, job, &reply);
    if (rc)
        return rc;
    return s_print_reply_job(&o, &reply);
}

int ns_cmd_list(int argc, char **argv)
{
    static const char usage[] = "usage: nightshift list [--json] [--coordinator ENDPOINT]\n"
                                "Lists jobs (newest last) and live workers.\n";
    s_opts_t o;
    int rc = s_parse(argc, argv, &o, usage, 0);
    if (rc)
        return rc < 0 ? 0 : rc;
    ns_msgb_t b;
    ns_msgb_init(&b, "LIST", 0);
    ns_msg_t reply;
    rc = ns_cli_request(o.endpoint, &b, &reply, S_TIMEOUT_MS);
    ns_msgb_free(&b);
    if (rc)
        return rc;
    if (o.json) {
        msgpack_object body = *reply.root;
        ns_cli_json(stdout, &body);
        fputc('\n', stdout);
        ns_msg_free(&reply);
        return 0;
    }
    const msgpack_object *jobs, *workers;
    uint32_t nj = 0, nw = 0;
    ns_mp_get_array(reply.root, "jobs", &jobs, &nj, NULL);
    ns_mp_get_array(reply.root, "workers", &workers, &nw, NULL);
    printf("%-40s %-11s %9s %12s %12s %8s\n", "JOB", "STATE", "TASKS", "ROWS IN", "ROWS OUT",
           "REJECTS");
    for (uint32_t i = 0; i < nj; i++) {
        char id[256] = "", st[32] = "";
        int64_t td = 0, tt = 0, ri = 0, ro = 0, rj = 0;
        ns_mp_get_strz(&jobs[i], "id", id, sizeof id, NULL);
        ns_mp_get_strz(&jobs[i], "state", st, sizeof st, NULL);
        ns_mp_get_int(&jobs[i], "tasks_done", &td, NULL);
        ns_mp_get_int(&jobs[i], "tasks_total", &tt, NULL);
        ns_mp_get_int(&jobs[i], "rows_in", &ri, NULL);
        ns_mp_get_int(&jobs[i], "rows_out", &ro, NULL);
        ns_mp_get_int(&jobs[i], "rejects", &rj, NULL);
        char tasks[32];
        snprintf(tasks, sizeof tasks, "%lld/%lld", (long long)td, (long long)tt);
        printf("%-40s %-11s %9s %12lld %12lld %8lld\n", id, st, tasks, (long long)ri,
               (long long)ro, (long long)rj);
    }
    const msgpack_object *pools;
    uint32_t np = 0;
    ns_mp_get_array(reply.root, "pools", &pools, &np, NULL);
    for (uint32_t i = 0; i < np; i++) {
        char name[64] = "", why[256] = "";
        int64_t v[8] = {0};
        static const char *const keys[] = {"spot", "ondemand", "spot_pending", "ondemand_pending",
                                           "min", "max", "tasks_left", "preempted"};
        for (int k = 0; k < 8; k++)
            ns_mp_get_int(&pools[i], keys[k], &v[k], NULL);
        ns_mp_get_strz(&pools[i], "name", name, sizeof name, NULL);
        ns_mp_get_strz(&pools[i], "decision", why, sizeof why, NULL);
        const msgpack_object *dl = ns_mp_get(&pools[i], "deadline");
        const msgpack_object *pf = ns_mp_get(&pools[i], "projected_finish");
        printf("%spool %-10s spot %lld (+%lld asked), on-demand %lld (+%lld asked), limits "
               "%lld..%lld, %lld tasks left, %lld preempted\n",
               i ? "" : "\n", name, (long long)v[0], (long long)v[2], (long long)v[1],
               (long long)v[3], (long long)v[4], (long long)v[5], (long long)v[6],
               (long long)v[7]);
        if (dl && dl->type == MSGPACK_OBJECT_FLOAT64 && dl->via.f64 > 0 && pf &&
            pf->type == MSGPACK_OBJECT_FLOAT64 && pf->via.f64 > 0)
            printf("  projected finish %+.0fs against the deadline\n", pf->via.f64 - dl->via.f64);
        printf("  decision: %s\n", why);
    }
    printf("\n%u workers\n", nw);
    for (uint32_t i = 0; i < nw; i++) {
        char id[256] = "", pool[64] = "", cap[16] = "";
        int64_t slots = 0, busy = 0;
        ns_mp_get_strz(&workers[i], "id", id, sizeof id, NULL);
        ns_mp_get_strz(&workers[i], "pool", pool, sizeof pool, NULL);
        ns_mp_get_strz(&workers[i], "capacity", cap, sizeof cap, NULL);
        ns_mp_get_int(&workers[i], "slots", &slots, NULL);
        ns_mp_get_int(&workers[i], "busy", &busy, NULL);
        printf("  %-40s pool %-10s %-10s %lld/%lld busy\n", id, pool, cap, (long long)busy,
               (long long)slots);
    }
    ns_msg_free(&reply);
    return NS_EXIT_OK;
}

int ns_cmd_cancel(int argc, char **argv)
{
    static const char usage[] = "usage: nightshift cancel JOB [--json] [--coordinator ENDPOINT]\n";
    s_opts_t o;
    int rc = s_parse(argc, argv, &o, usage, 1);
    if (rc)
        return rc < 0 ? 0 : rc;
    ns_msgb_t b;
    ns_msgb_init(&b, "CANCEL", 1);
    ns_msgb_str(&b, "job", argv[optind]);
    ns_msg_t reply;
    rc = ns_cli_request(o.endpoint, &b, &reply, S_TIMEOUT_MS);
    ns_msgb_free(&b);
    if (rc)
        return rc;
    return s_print_reply_job(&o, &reply);
}
