/*
 * ns_cli_cluster: `nightshift cluster up|down|status`: a local cluster of a
 * coordinator and N workers as background processes of this machine, with
 * pid files in $NIGHTSHIFT_HOME/run and logs in $NIGHTSHIFT_HOME/logs.
 */
#include "ns_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
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
        int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0644);
        int nul = open("/dev/null", O_RDONLY);
        if (fd >= 0) {
            dup2(fd, STDOUT_FILENO);
            dup2(fd, STDERR_FILENO);
        }
        if (nul >= 0)
            dup2(nul, STDIN_FILENO);
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

static int s_up(int argc, char **argv)
{
    static const char usage[] =
        "usage: nightshift cluster up [--workers N] [--slots N] [--memory SIZE]\n"
        "         [--coordinator ENDPOINT] [--liveness-ms N]\n"
        "Starts a coordinator and N workers (default 2) in the background.\n";
    static const struct option opts[] = {
        {"workers", required_argument, 0, 'w'}, {"slots", required_argument, 0, 's'},
        {"memory", required_argument, 0, 'm'},  {"coordinator", required_argument, 0, 'c'},
        {"liveness-ms", required_argument, 0, 'L'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    int workers = 2;
    const char *slots = "1", *memory = NULL, *endpoint = NULL, *liveness = NULL;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'w': workers = atoi(optarg); break;
        case 's': slots = optarg; break;
        case 'm': memory = optarg; break;
        case 'c': endpoint = optarg; break;
        case 'L': liveness = optarg; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return NS_EXIT_USAGE;
        }
    }
    if (workers < 0 || workers > 256 || optind != argc) {
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
    cargs[n] = NULL;
    if (s_spawn(cargs, log, path) < 0) {
        fprintf(stderr, "nightshift: cannot start the coordinator: %s\n", strerror(errno));
        return NS_EXIT_ERROR;
    }
    for (int i = 0; i < workers; i++) {
        char *wargs[16];
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
            printf("cluster up: coordinator %s, %d workers, home %s\n", endpoint, workers, home);
            return 0;
        }
        usleep(100 * 1000);
    }
    fprintf(stderr, "nightshift: the coordinator did not answer; see %s/coordinator.log\n", logs);
    return NS_EXIT_UNREACHABLE;
}

static int s_down(void)
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
    printf("cluster down: stopped %d processes\n", stopped);
    return 0;
}

int ns_cmd_cluster(int argc, char **argv)
{
    static const char usage[] = "usage: nightshift cluster up|down [options] (--help for each)\n";
    if (argc < 2) {
        fputs(usage, stderr);
        return NS_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "up"))
        return s_up(argc - 1, argv + 1);
    if (!strcmp(argv[1], "down"))
        return s_down();
    if (!strcmp(argv[1], "--help")) {
        fputs(usage, stdout);
        return 0;
    }
    fputs(usage, stderr);
    return NS_EXIT_USAGE;
}
