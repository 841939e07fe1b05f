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
#include <sys/stat.h>

static volatile sig_atomic_t s_stop;
static volatile sig_atomic_t s_preempt; /* worker: a spot interruption notice (SIGUSR1) */

static void s_on_signal(int sig)
{
    (void)sig;
    s_stop = 1;
}

static void s_on_notice(int sig)
{
    (void)sig;
    s_preempt = 1;
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
        "         [--speculate-min-ms N] [--catalog URI] [--http HOST:PORT]\n"
        "Runs the coordinator. Defaults: --bind $NIGHTSHIFT_COORDINATOR or\n"
        "tcp://127.0.0.1:7460, --journal $NIGHTSHIFT_HOME/coordinator.journal,\n"
        "--catalog $NIGHTSHIFT_CATALOG or file://$NIGHTSHIFT_HOME/catalog, where each\n"
        "committed job registers its output table (none: no registration).\n"
        "--http serves the status page, /status.json and Prometheus /metrics on\n"
        "HOST:PORT (e.g. 127.0.0.1:7461; default: off).\n"
        "Fleets (docs/FLEETS.md): [--autoscale] [--pool NAME:MIN:MAX:SPOT_PRICE:ONDEMAND_PRICE]...\n"
        "  [--driver local|exec] [--driver-cmd CMD] [--safety-margin F] [--cooldown S]\n"
        "  [--spot-grant-timeout S] [--worker-start S] [--assumed-rate BYTES_PER_S]\n"
        "  [--spot-grant-delay S] [--spot-grant-probability P] [--spot-interrupt-rate F]\n"
        "  [--worker-slots N] [--worker-arg ARG]...\n"
        "Security (docs/SECURITY.md): CurveZMQ with an allow-list by default:\n"
        "  [--keys DIR] (default $NIGHTSHIFT_KEYS or $NIGHTSHIFT_HOME/keys) [--key FILE]\n"
        "  (DIR/coordinator.key) [--allow FILE] (DIR/allow); --insecure: plain TCP, on a\n"
        "  loopback --bind only.\n";
    static const struct option opts[] = {
        {"bind", required_argument, 0, 'b'},          {"journal", required_argument, 0, 'j'},
        {"heartbeat-ms", required_argument, 0, 'H'},  {"liveness-ms", required_argument, 0, 'L'},
        {"speculate-factor", required_argument, 0, 'S'},
        {"speculate-min-ms", required_argument, 0, 'M'},
        {"catalog", required_argument, 0, 'C'},
        {"http", required_argument, 0, 'P'},
        {"autoscale", no_argument, 0, 'A'},           {"pool", required_argument, 0, 1000},
        {"driver", required_argument, 0, 1001},       {"driver-cmd", required_argument, 0, 1002},
        {"safety-margin", required_argument, 0, 1003}, {"cooldown", required_argument, 0, 1004},
        {"spot-grant-timeout", required_argument, 0, 1005},
        {"worker-start", required_argument, 0, 1006},
        {"assumed-rate", required_argument, 0, 1007},
        {"spot-grant-delay", required_argument, 0, 1008},
        {"spot-grant-probability", required_argument, 0, 1009},
        {"spot-interrupt-rate", required_argument, 0, 1010},
        {"worker-slots", required_argument, 0, 1011}, {"worker-arg", required_argument, 0, 1012},
        {"keys", required_argument, 0, 1100},         {"key", required_argument, 0, 1101},
        {"allow", required_argument, 0, 1102},        {"insecure", no_argument, 0, 1103},
        {"help", no_argument, 0, 'h'},                {0, 0, 0, 0},
    };
    ns_sec_opts_t so = {0};
    static ns_pool_conf_t pools[32];
    static char *wargs[32];
    ns_err_t perr;
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
        case 'P': o.http = optarg; break;
        case 'A': o.autoscale = 1; break;
        case 1000:
            if (o.npools == 32 || ns_pool_conf_parse(optarg, &pools[o.npools], &perr)) {
                fprintf(stderr, "nightshift: %s\n", o.npools == 32 ? "at most 32 pools" : perr.msg);
                return NS_EXIT_USAGE;
            }
            o.pools = pools;
            o.npools++;
            break;
        case 1001: o.driver = optarg; break;
        case 1002: o.driver_cmd = optarg; break;
        case 1003: o.as.safety_margin = atof(optarg); break;
        case 1004: o.as.cooldown = atof(optarg); break;
        case 1005: o.as.grant_timeout = atof(optarg); break;
        case 1006: o.as.worker_start = atof(optarg); break;
        case 1007: o.as.assumed_rate = atof(optarg); break;
        case 1008: o.spot_grant_delay = atof(optarg); break;
        case 1009: o.spot_grant_probability = atof(optarg); break;
        case 1010: o.spot_interrupt_rate = atof(optarg); break;
        case 1011: o.worker_slots = atoi(optarg); break;
        case 1012:
            if (o.nworker_args == 32) {
                fprintf(stderr, "nightshift: at most 32 --worker-arg\n");
                return NS_EXIT_USAGE;
            }
            wargs[o.nworker_args++] = optarg;
            o.worker_args = wargs;
            break;
        case 1100: so.keys_dir = optarg; break;
        case 1101: so.key_file = optarg; break;
        case 1102: so.allow_file = optarg; break;
        case 1103: so.insecure = true; break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return NS_EXIT_USAGE;
        }
    }
    if (optind != argc || o.heartbeat_ms <= 0 || o.liveness_ms <= o.heartbeat_ms ||
        o.as.safety_margin < 0 || o.as.safety_margin >= 1 || o.as.cooldown < 0 ||
        o.as.grant_timeout < 0 || o.as.worker_start < 0 || o.as.assumed_rate <= 0 ||
        o.spot_grant_delay < 0 || o.spot_grant_probability < 0 || o.spot_grant_probability > 1 ||
        o.spot_interrupt_rate < 0 || o.spot_interrupt_rate > 1 || o.worker_slots < 1 ||
        o.worker_slots > 256 || (o.driver && strcmp(o.driver, "local") && strcmp(o.driver, "exec")) ||
        (o.driver && !strcmp(o.driver, "exec") && !o.driver_cmd)) {
        fputs(usage, stderr);
        return NS_EXIT_USAGE;
    }
    char wlogs[1200];
    snprintf(wlogs, sizeof wlogs, "%s/logs", ns_cli_home());
    mkdir(ns_cli_home(), 0755);
    mkdir(wlogs, 0755);
    o.worker_log_dir = wlogs;
    char catalog[NS_URI_MAX];
    ns_catalog_uri(catalog_opt, ns_cli_home(), catalog, sizeof catalog);
    o.catalog = catalog;
    ns_log_set_name("coordinator");
    static ns_sec_t sec;
    ns_err_t err;
    if (ns_sec_load(&sec, NS_SEC_COORDINATOR, &so, ns_cli_home(), &err)) {
        ns_error("%s", err.msg);
        return NS_EXIT_ERROR;
    }
    /* workers the local driver starts use the same keys directory (their
     * worker.key and coordinator.pub), or plain TCP like this coordinator */
    if (sec.insecure)
        setenv("NIGHTSHIFT_INSECURE", "1", 1);
    else
        setenv("NIGHTSHIFT_KEYS", sec.keys_dir, 1);
    o.sec = &sec;
    ns_info("catalog %s", catalog);
    s_signals();
    o.stop = &s_stop;
    int rc = ns_coord_run(&o, &err);
    ns_sec_wipe(&sec);
    if (rc) {
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
        "         [--slow-ms N] [--price PER_HOUR]\n"
        "Runs a worker that takes tasks from the coordinator. --slow-ms makes it a slow\n"
        "machine (sleeps N ms at the start of a task and after every 4096 rows), for\n"
        "tests and demos of stragglers and failures. --price: what an hour of this worker\n"
        "costs (default: its pool's price at the coordinator). SIGUSR1 is a spot\n"
        "interruption notice: it says PREEMPTING and leaves (docs/FLEETS.md).\n"
        "Security (docs/SECURITY.md): [--keys DIR] (default $NIGHTSHIFT_KEYS or\n"
        "$NIGHTSHIFT_HOME/keys) [--key FILE] (DIR/worker.key) [--server-key FILE]\n"
        "(DIR/coordinator.pub); --insecure: plain TCP, to a loopback coordinator only.\n";
    static const struct option opts[] = {
        {"connect", required_argument, 0, 'c'},      {"pool", required_argument, 0, 'p'},
        {"capacity", required_argument, 0, 'k'},     {"slots", required_argument, 0, 's'},
        {"memory", required_argument, 0, 'm'},       {"id", required_argument, 0, 'i'},
        {"heartbeat-ms", required_argument, 0, 'H'}, {"liveness-ms", required_argument, 0, 'L'},
        {"slow-ms", required_argument, 0, 'D'},     {"help", no_argument, 0, 'h'},
        {"price", required_argument, 0, 'R'},
        {"keys", required_argument, 0, 1100},        {"key", required_argument, 0, 1101},
        {"server-key", required_argument, 0, 1104},  {"insecure", no_argument, 0, 1103},
        {0, 0, 0, 0},
    };
    ns_sec_opts_t so = {0};
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
        case 'R':
            o.price = atof(optarg);
            if (o.price < 0) {
                fprintf(stderr, "nightshift: bad --price '%s'\n", optarg);
                return NS_EXIT_USAGE;
            }
            break;
        case 1100: so.keys_dir = optarg; break;
        case 1101: so.key_file = optarg; break;
        case 1104: so.server_key = optarg; break;
        case 1103: so.insecure = true; break;
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
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = s_on_notice;
    sigaction(SIGUSR1, &sa, NULL);
    o.stop = &s_stop;
    o.preempt = &s_preempt;
    ns_log_set_name("worker");
    static ns_sec_t sec;
    ns_err_t err;
    if (ns_sec_load(&sec, NS_SEC_WORKER, &so, ns_cli_home(), &err)) {
        ns_error("%s", err.msg);
        return NS_EXIT_ERROR;
    }
    o.sec = &sec;
    int rc = ns_worker_run(&o, &err);
    ns_sec_wipe(&sec);
    if (rc) {
        ns_error("%s", err.msg);
        return NS_EXIT_ERROR;
    }
    return 0;
}
