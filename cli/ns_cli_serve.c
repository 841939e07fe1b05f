/*
 * ns_cli_serve: `nightshift coordinator` and `nightshift worker`, the two
 * long-running processes. SIGINT/SIGTERM stop them cleanly.
 */
#include "ns_catalog.h"
#include "ns_cli.h"
#include "ns_coord.h"
#include "ns_log.h"
#include "ns_store.h"
#include "ns_worker.h"

#include <getopt.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>

static volatile sig_atomic_t s_stop;

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static void s_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_signal;
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
    signal(SIGPIPE, SIG_IGN);
}

int ns_cmd_coordinator(int argc, char **argv)
{
    static const char usage[] =
        "usage: nightshift coordinator [--bind ENDPOINT] [--journal PATH]\n"
        "         [--heartbeat-ms N] [--liveness-ms N] [--speculate-factor F]\n"
        "         [--speculate-min-ms N] [--catalog URI]\n"
        "Runs the coordinator. Defaults: --bind $NIGHTSHIFT_COORDINATOR or\n"
        "tcp://127.0.0.1:7460, --journal $NIGHTSHIFT_HOME/coordinator.journal,\n"
        "--catalog $NIGHTSHIFT_CATALOG or file://$NIGHTSHIFT_HOME/catalog, where each\n"
        "committed job registers its output table (none: no registration).\n";
    static const struct option opts[] = {
        {"bind", required_argument, 0, 'b'},          {"journal", required_argument, 0, 'j'},
        {"heartbeat-ms", required_argument, 0, 'H'},  {"liveness-ms", required_argument, 0, 'L'},
        {"speculate-factor", required_argument, 0, 'S'},
        {"speculate-min-ms", required_argument, 0, 'M'},
        {"catalog", required_argument, 0, 'C'},
        {"help", no_argument, 0, 'h'},                {0, 0, 0, 0},
    };
    ns_coord_opts_t o;
    ns_coord_opts_default(&o);
    o.bind = ns_cli_endpoint(NULL);
    char journal[1200];
    snprintf(journal, sizeof journal, "%s/coordinator.journal", ns_cli_home());
    o.journal = journal;
    const char *catalog_opt = NULL;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'b': o.bind = optarg; break;
        case 'j': o.journal = optarg; break;
        case 'H': o.heartbeat_ms = atoi(optarg); break;
        case 'L': o.liveness_ms = atoi(optarg); break;
        case 'S': o.speculate_factor = atof(optarg); break;
        case 'M': o.speculate_min_ms = atoi(optarg); break;
        case 'C': catalog_opt = optarg; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return NS_EXIT_USAGE;
        }
    }
    if (optind != argc || o.heartbeat_ms <= 0 || o.liveness_ms <= o.heartbeat_ms) {
        fputs(usage, stderr);
        return NS_EXIT_USAGE;
    }
    char catalog[NS_URI_MAX];
    ns_catalog_uri(catalog_opt, ns_cli_home(), catalog, sizeof catalog);
    o.catalog = catalog;
    ns_log_set_name("coordinator");
    ns_info("catalog %s", catalog);
    s_signals();
    o.stop = &s_stop;
    ns_err_t err;
    if (ns_coord_run(&o, &err)) {
        ns_error("%s", err.msg);
        return NS_EXIT_ERROR;
    }
    return 0;
}

int ns_cmd_worker(int argc, char **argv)
{
    static const char usage[] =
        "usage: nightshift worker [--connect ENDPOINT] [--pool NAME] [--capacity spot|on-demand]\n"
        "         [--slots N] [--memory SIZE] [--id ID] [--heartbeat-ms N] [--liveness-ms N]\n"
        "         [--slow-ms N]\n"
        "Runs a worker that takes tasks from the coordinator. --slow-ms makes it a slow\n"
        "machine (sleeps N ms at the start of a task and after every 4096 rows), for\n"
        "tests and demos of stragglers and failures.\n";
    static const struct option opts[] = {
        {"connect", required_argument, 0, 'c'},      {"pool", required_argument, 0, 'p'},
        {"capacity", required_argument, 0, 'k'},     {"slots", required_argument, 0, 's'},
        {"memory", required_argument, 0, 'm'},       {"id", required_argument, 0, 'i'},
        {"heartbeat-ms", required_argument, 0, 'H'}, {"liveness-ms", required_argument, 0, 'L'},
        {"slow-ms", required_argument, 0, 'D'},     {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    ns_worker_opts_t o;
    ns_worker_opts_default(&o);
    o.connect = ns_cli_endpoint(NULL);
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'c': o.connect = optarg; break;
        case 'p': o.pool = optarg; break;
        case 'k': o.capacity = optarg; break;
        case 's': o.slots = atoi(optarg); break;
        case 'm':
            if (ns_cli_size(optarg, &o.memory)) {
                fprintf(stderr, "nightshift: bad --memory '%s'\n", optarg);
                return NS_EXIT_USAGE;
            }
            break;
        case 'i': o.id = optarg; break;
        case 'H': o.heartbeat_ms = atoi(optarg); break;
        case 'L': o.liveness_ms = atoi(optarg); break;
        case 'D': o.slow_ms = atoi(optarg); break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return NS_EXIT_USAGE;
        }
    }
    if (optind != argc || o.slots < 1 || o.slots > 256 ||
        (strcmp(o.capacity, "spot") && strcmp(o.capacity, "on-demand")) ||
        o.heartbeat_ms <= 0 || o.liveness_ms <= o.heartbeat_ms) {
        fputs(usage, stderr);
        return NS_EXIT_USAGE;
    }
    s_signals();
    o.stop = &s_stop;
    ns_err_t err;
    if (ns_worker_run(&o, &err)) {
        ns_error("%s", err.msg);
        return NS_EXIT_ERROR;
    }
    return 0;
}
