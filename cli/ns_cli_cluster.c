/*
 * ns_cli_cluster: `nightshift cluster up|down|status`: a local cluster of a
 * coordinator and N workers as background processes of this machine, with
 * pid files in $NIGHTSHIFT_HOME/run and logs in $NIGHTSHIFT_HOME/logs.
 */
#include "ns_cli.h"
#include "ns_log.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static int s_mkdirs(const char *path)
{
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    return mkdir(tmp, 0755) && errno != EEXIST ? -1 : 0;
}

static pid_t s_read_pid(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    long pid = 0;
    if (fscanf(f, "%ld", &pid) != 1)
        pid = 0;
    fclose(f);
    return (pid_t)pid;
}

static int s_alive(pid_t pid)
{
    return pid > 0 && kill(pid, 0) == 0;
}

/* Starts `nightshift ARGS...` detached, output to log; writes pidfile. */
static pid_t s_spawn(char *const args[], const char *log, const char *pidfile)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        setsid();
        ns_child_stdio(log);
        execv("/proc/self/exe", args);
        _exit(127);
    }
    FILE *f = fopen(pidfile, "w");
    if (f) {
        fprintf(f, "%ld\n", (long)pid);
        fclose(f);
    }
    return pid;
}

static int s_ping(const char *endpoint)
{
    ns_msgb_t b;
    ns_msgb_init(&b, "LIST", 0);
    ns_msg_t reply;
    int rc = ns_cli_request(endpoint, &b, &reply, 500);
    ns_msgb_free(&b);
    if (!rc)
        ns_msg_free(&reply);
    return rc;
}

/* A loopback TCP port free now (the kernel's pick), for the coordinator's
 * status page; 0 if none could be had. */
static int s_free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int port = fd >= 0 && !bind(fd, (struct sockaddr *)&a, sizeof a) &&
                       !getsockname(fd, (struct sockaddr *)&a, &len)
                   ? ntohs(a.sin_port)
                   : 0;
    if (fd >= 0)
        close(fd);
    return port;
}

/* --pool NAME:WORKERS:CAPACITY of `cluster up` */
#define S_MAX_POOLS 16
typedef struct {
    char name[64];
    int workers;
    const char *capacity;
} s_pool_t;

static int s_parse_pool(const char *arg, s_pool_t *p)
{
    const char *c1 = strchr(arg, ':'), *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
    if (!c1 || !c2 || c1 == arg || (size_t)(c1 - arg) >= sizeof p->name)
        return -1;
    snprintf(p->name, sizeof p->name, "%.*s", (int)(c1 - arg), arg);
    char *end;
    long n = strtol(c1 + 1, &end, 10);
    if (end != c2 || n < 0 || n > 256)
        return -1;
    p->workers = (int)n;
    if (!strcmp(c2 + 1, "spot"))
        p->capacity = "spot";
    else if (!strcmp(c2 + 1, "on-demand"))
        p->capacity = "on-demand";
    else
        return -1;
    return 0;
}

static int s_up(int argc, char **argv)
{
    static const char usage[] =
        "usage: nightshift cluster up [--workers N] [--slots N] [--memory SIZE]\n"
        "         [--coordinator ENDPOINT] [--liveness-ms N]\n"
        "         [--pool NAME:WORKERS:spot|on-demand]... [--warehouse]\n"
        "Starts a coordinator and N workers (default 2) in the background.\n"
        "--pool (repeatable) adds WORKERS workers in pool NAME of that capacity kind;\n"
        "with --pool, --workers (pool default) is 0 unless given. --warehouse also starts\n"
        "the private warehouse (as `nightshift warehouse up`); cluster down stops it.\n"
        "CurveZMQ keys are made first if missing (`nightshift keys init`); --insecure:\n"
        "plain TCP on loopback instead (docs/SECURITY.md).\n";
    static const struct option opts[] = {
        {"workers", required_argument, 0, 'w'}, {"slots", required_argument, 0, 's'},
        {"memory", required_argument, 0, 'm'},  {"coordinator", required_argument, 0, 'c'},
        {"liveness-ms", required_argument, 0, 'L'}, {"help", no_argument, 0, 'h'},
        {"pool", required_argument, 0, 'P'},    {"warehouse", no_argument, 0, 'W'},
        {"insecure", no_argument, 0, 'I'},      {0, 0, 0, 0},
    };
    int workers = -1, workers_set = 0, npools = 0, warehouse = 0;
    s_pool_t pools[S_MAX_POOLS];
    const char *slots = "1", *memory = NULL, *endpoint = NULL, *liveness = NULL;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'w': workers = atoi(optarg), workers_set = 1; break;
        case 's': slots = optarg; break;
        case 'm': memory = optarg; break;
        case 'c': endpoint = optarg; break;
        case 'L': liveness = optarg; break;
        case 'P':
            if (npools == S_MAX_POOLS || s_parse_pool(optarg, &pools[npools])) {
                fprintf(stderr, "nightshift: bad --pool '%s' (NAME:WORKERS:spot|on-demand, at "
                                "most %d)\n", optarg, S_MAX_POOLS);
                return NS_EXIT_USAGE;
            }
            npools++;
            break;
        case 'W': warehouse = 1; break;
        case 'I': setenv("NIGHTSHIFT_INSECURE", "1", 1); break; /* for what it starts */
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return NS_EXIT_USAGE;
        }
    }
    if (workers == -1 && !workers_set)
        workers = npools ? 0 : 2;
    int total = workers;
    for (int i = 0; i < npools; i++)
        total += pools[i].workers;
    if (workers < 0 || workers > 256 || total > 256 || optind != argc) {
        fputs(usage, stderr);
        return NS_EXIT_USAGE;
    }
    endpoint = ns_cli_endpoint(endpoint);
    const char *home = ns_cli_home();
    char run[1100], logs[1100], path[1300], log[1300], journal[1300];
    snprintf(run, sizeof run, "%s/run", home);
    snprintf(logs, sizeof logs, "%s/logs", home);
    if (s_mkdirs(run) || s_mkdirs(logs)) {
        fprintf(stderr, "nightshift: cannot create '%s': %s\n", home, strerror(errno));
        return NS_EXIT_ERROR;
    }
    snprintf(path, sizeof path, "%s/coordinator.pid", run);
    if (s_alive(s_read_pid(path))) {
        fprintf(stderr, "nightshift: a cluster is already up in %s (nightshift cluster down)\n",
                home);
        return NS_EXIT_FAILED;
    }
    if (!ns_sec_insecure_env()) {
        int rc = ns_cli_keys_init(NULL, true);
        if (rc)
            return rc;
    }
    snprintf(log, sizeof log, "%s/coordinator.log", logs);
    snprintf(journal, sizeof journal, "%s/coordinator.journal", home);
    char *cargs[12];
    int n = 0;
    cargs[n++] = "nightshift";
    cargs[n++] = "coordinator";
    cargs[n++] = "--bind";
    cargs[n++] = (char *)endpoint;
    cargs[n++] = "--journal";
    cargs[n++] = journal;
    if (liveness) {
        cargs[n++] = "--liveness-ms";
        cargs[n++] = (char *)liveness;
    }
    char http[64] = "";
    int http_port = s_free_port();
    if (http_port > 0) {
        snprintf(http, sizeof http, "127.0.0.1:%d", http_port);
        cargs[n++] = "--http";
        cargs[n++] = http;
    }
    cargs[n] = NULL;
    if (s_spawn(cargs, log, path) < 0) {
        fprintf(stderr, "nightshift: cannot start the coordinator: %s\n", strerror(errno));
        return NS_EXIT_ERROR;
    }
    for (int i = 0; i < total; i++) {
        /* the default pool's workers first, then each --pool's */
        const s_pool_t *pool = NULL;
        for (int j = 0, first = workers; j < npools && i >= first; first += pools[j++].workers)
            if (i < first + pools[j].workers)
                pool = &pools[j];
        char *wargs[20];
        int k = 0;
        wargs[k++] = "nightshift";
        wargs[k++] = "worker";
        wargs[k++] = "--connect";
        wargs[k++] = (char *)endpoint;
        wargs[k++] = "--slots";
        wargs[k++] = (char *)slots;
        if (memory) {
            wargs[k++] = "--memory";
            wargs[k++] = (char *)memory;
        }
        if (liveness) {
            wargs[k++] = "--liveness-ms";
            wargs[k++] = (char *)liveness;
        }
        if (pool) {
            wargs[k++] = "--pool";
            wargs[k++] = (char *)pool->name;
            wargs[k++] = "--capacity";
            wargs[k++] = (char *)pool->capacity;
        }
        wargs[k] = NULL;
        snprintf(path, sizeof path, "%s/worker-%d.pid", run, i);
        snprintf(log, sizeof log, "%s/worker-%d.log", logs, i);
        if (s_spawn(wargs, log, path) < 0) {
            fprintf(stderr, "nightshift: cannot start a worker: %s\n", strerror(errno));
            return NS_EXIT_ERROR;
        }
    }
    for (int i = 0; i < 100; i++) {
        if (s_ping(endpoint) == 0) {
            if (warehouse) {
                /* the same code as `nightshift warehouse up`; a marker in
                 * run/ tells cluster down to stop it too */
                char *wh[] = {"warehouse", "up", NULL};
                int rc = ns_cmd_warehouse(2, wh);
                if (rc)
                    return rc;
                snprintf(path, sizeof path, "%s/warehouse", run);
                FILE *f = fopen(path, "w");
                if (f)
                    fclose(f);
            }
            printf("cluster up: coordinator %s, %d workers, home %s\n", endpoint, total, home);
            if (*http)
                printf("status page http://%s/ (metrics: http://%s/metrics)\n", http, http);
            return 0;
        }
        usleep(100 * 1000);
    }
    fprintf(stderr, "nightshift: the coordinator did not answer; see %s/coordinator.log\n", logs);
    return NS_EXIT_UNREACHABLE;
}

static int s_down(int argc, char **argv)
{
    const char *home = ns_cli_home();
    char run[1100];
    snprintf(run, sizeof run, "%s/run", home);
    char paths[258][1300];
    pid_t pids[258];
    int n = 0;
    for (int i = 0; i < 256; i++) {
        snprintf(paths[n], sizeof paths[n], "%s/worker-%d.pid", run, i);
        pids[n] = s_read_pid(paths[n]);
        if (pids[n] || !access(paths[n], F_OK))
            n++;
    }
    snprintf(paths[n], sizeof paths[n], "%s/coordinator.pid", run);
    pids[n] = s_read_pid(paths[n]);
    if (pids[n] || !access(paths[n], F_OK))
        n++;
    int stopped = 0;
    for (int i = 0; i < n; i++)
        if (s_alive(pids[i])) {
            kill(pids[i], SIGTERM);
            stopped++;
        }
    for (int t = 0; t < 100; t++) {
        int any = 0;
        for (int i = 0; i < n; i++)
            any |= s_alive(pids[i]);
        if (!any)
            break;
        usleep(100 * 1000);
    }
    for (int i = 0; i < n; i++) {
        if (s_alive(pids[i]))
            kill(pids[i], SIGKILL);
        unlink(paths[i]);
    }
    char wh_marker[1300];
    snprintf(wh_marker, sizeof wh_marker, "%s/warehouse", run);
    if (!access(wh_marker, F_OK)) {
        char *wh[] = {"warehouse", "down", NULL};
        ns_cmd_warehouse(2, wh);
        unlink(wh_marker);
    }
    printf("cluster down: stopped %d processes\n", stopped);
    return 0;
}

int ns_cmd_cluster(int argc, char **argv)
{
    static const char usage[] = "usage: nightshift cluster up|down [options] (--help for each)\n";
    static const ns_cli_sub_t subs[] = {{"up", s_up}, {"down", s_down}, {NULL, NULL}};
    return ns_cli_subcommand(argc, argv, subs, usage);
}
