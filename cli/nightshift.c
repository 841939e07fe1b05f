/*
 * nightshift: the command. Dispatches to the subcommands of cli/ns_cli_*.c.
 */
#include "ns_cli.h"

#include <string.h>

#define NS_VERSION "0.1.0"

static const char s_usage[] =
    "nightshift " NS_VERSION " - distributed batch transforms into warehouse load files\n"
    "\n"
    "usage: nightshift COMMAND [options]   (nightshift COMMAND --help for each)\n"
    "\n"
    "cluster:\n"
    "  coordinator            run the coordinator\n"
    "  worker                 run a worker\n"
    "  cluster up|down        start or stop a local cluster in the background\n"
    "  keys init|gen|allow|show  CurveZMQ keys and the coordinator's allow-list\n"
    "jobs:\n"
    "  submit JOBFILE         submit a job (--date, --var, --wait)\n"
    "  rerun JOB              run an ended job again: same job file, date, variables\n"
    "  status [JOB]           job state and progress (a live bar on a terminal)\n"
    "  list                   jobs and workers\n"
    "  wait JOB               follow a job to its end\n"
    "  cancel JOB             cancel a job\n"
    "  logs [JOB]             a local cluster's log lines, merged by time (--follow)\n"
    "data:\n"
    "  gen                    generate raw feeds\n"
    "  store ls|cat|put|rm    objects in the store (file://, s3://)\n"
    "  catalog list|show|crawl  tables: registered job outputs and crawled raw data\n"
    "  bookmark show|rewind|reset  what incremental jobs have processed\n"
    "warehouse:\n"
    "  warehouse up|down|init|status  a private PostgreSQL, the schema, what is loaded\n"
    "  load MANIFEST          load a committed run into the warehouse, exactly once\n"
    "  external register TABLE  the newest load files as a foreign table (and Spectrum DDL)\n"
    "  report --out DIR       the CEO's questions as HTML charts and CSV\n"
    "\n"
    "Read commands take --json. Exit codes: 0 ok, 1 job failed or request refused,\n"
    "2 usage, 3 coordinator unreachable, 4 job cancelled, 5 local error.\n"
    "Environment: NIGHTSHIFT_HOME (~/.nightshift), NIGHTSHIFT_COORDINATOR\n"
    "(tcp://127.0.0.1:7460), NIGHTSHIFT_RAW, NIGHTSHIFT_OUT, NIGHTSHIFT_LOG,\n"
    "NIGHTSHIFT_KEYS ($NIGHTSHIFT_HOME/keys), NIGHTSHIFT_KEY, NIGHTSHIFT_SERVER_KEY,\n"
    "NIGHTSHIFT_INSECURE (docs/SECURITY.md).\n";

int main(int argc, char **argv)
{
    static const struct {
        const char *name;
        int (*fn)(int, char **);
    } cmds[] = {
        {"coordinator", ns_cmd_coordinator}, {"worker", ns_cmd_worker},
        {"submit", ns_cmd_submit},           {"rerun", ns_cmd_rerun},
        {"status", ns_cmd_status},           {"logs", ns_cmd_logs},
        {"list", ns_cmd_list},               {"wait", ns_cmd_wait},
        {"cancel", ns_cmd_cancel},           {"cluster", ns_cmd_cluster},
        {"gen", ns_cmd_gen},                 {"store", ns_cmd_store},
        {"catalog", ns_cmd_catalog},         {"bookmark", ns_cmd_bookmark},
        {"load", ns_cmd_load},               {"external", ns_cmd_external},
        {"warehouse", ns_cmd_warehouse},
        {"report", ns_cmd_report},           {"keys", ns_cmd_keys},
    };
    if (argc < 2 || !strcmp(argv[1], "--help") || !strcmp(argv[1], "help")) {
        fputs(s_usage, argc < 2 ? stderr : stdout);
        return argc < 2 ? NS_EXIT_USAGE : 0;
    }
    if (!strcmp(argv[1], "--version") || !strcmp(argv[1], "version")) {
        puts("nightshift " NS_VERSION);
        return 0;
    }
    for (size_t i = 0; i < sizeof cmds / sizeof *cmds; i++)
        if (!strcmp(argv[1], cmds[i].name))
            return cmds[i].fn(argc - 1, argv + 1);
    fprintf(stderr, "nightshift: unknown command '%s'\n\n%s", argv[1], s_usage);
    return NS_EXIT_USAGE;
}
