/*
 * ns_cli: shared pieces of the nightshift command: exit codes, settings
 * from the environment, the request/reply client to the coordinator, and
 * msgpack -> JSON for --json output. Each subcommand lives in its own
 * cli/ns_cli_<name>.c with an int ns_cmd_<name>(int argc, char **argv).
 */
#ifndef NS_CLI_H
#define NS_CLI_H

#include "ns_curve.h"
#include "ns_load.h"
#include "ns_proto.h"

#include <stdbool.h>
#include <stdio.h>

/* Exit codes scripts can rely on (docs/CLI.md). */
enum {
    NS_EXIT_OK = 0,          /* success; for wait/submit --wait: the job succeeded */
    NS_EXIT_FAILED = 1,      /* the job failed, or the coordinator refused the request */
    NS_EXIT_USAGE = 2,       /* bad command line */
    NS_EXIT_UNREACHABLE = 3, /* no answer from the coordinator */
    NS_EXIT_CANCELLED = 4,   /* the job was cancelled */
    NS_EXIT_ERROR = 5,       /* local error (file, store, system) */
};

/* $NIGHTSHIFT_HOME or ~/.nightshift */
const char *ns_cli_home(void);
/* --coordinator, $NIGHTSHIFT_COORDINATOR or tcp://127.0.0.1:7460 */
const char *ns_cli_endpoint(const char *opt);

/* Sends req and waits up to timeout_ms for the REPLY. Returns 0 with *reply
 * decoded (free with ns_msg_free), NS_EXIT_UNREACHABLE on timeout, or
 * NS_EXIT_FAILED when the reply says ok=false (error printed). */
int ns_cli_request(const char *endpoint, ns_msgb_t *req, ns_msg_t *reply, int timeout_ms);

/* A subcommand of a command that has them ("cluster up", "warehouse
 * init"): its name and what runs it, given argv from the subcommand's name
 * on. */
typedef struct {
    const char *name;
    int (*run)(int argc, char **argv);
} ns_cli_sub_t;

/* Runs the subcommand of subs (ending with {NULL, NULL}) that argv[1]
 * names, with argv from there; with none, or one not in subs, prints usage
 * to stderr and returns NS_EXIT_USAGE; with --help, prints it to stdout and
 * returns 0. */
int ns_cli_subcommand(int argc, char **argv, const ns_cli_sub_t *subs, const char *usage);

/* Writes a msgpack object as JSON. */
void ns_cli_json(FILE *f, const msgpack_object *o);

/* Finds "--name" in argv; returns its value (next argument) or NULL. */
int ns_cmd_coordinator(int argc, char **argv);
int ns_cmd_worker(int argc, char **argv);
int ns_cmd_submit(int argc, char **argv);
int ns_cmd_rerun(int argc, char **argv);
int ns_cmd_logs(int argc, char **argv);
int ns_cmd_status(int argc, char **argv);
int ns_cmd_list(int argc, char **argv);
int ns_cmd_wait(int argc, char **argv);
int ns_cmd_cancel(int argc, char **argv);
int ns_cmd_cluster(int argc, char **argv);
int ns_cmd_gen(int argc, char **argv);
int ns_cmd_store(int argc, char **argv);
int ns_cmd_catalog(int argc, char **argv);
int ns_cmd_bookmark(int argc, char **argv);
int ns_cmd_load(int argc, char **argv);
int ns_cmd_external(int argc, char **argv);
int ns_cmd_warehouse(int argc, char **argv);
int ns_cmd_report(int argc, char **argv);
int ns_cmd_keys(int argc, char **argv);

/* `keys init` for one machine: key pairs coordinator, worker, client and an
 * allow-list in dir (NULL: $NIGHTSHIFT_KEYS or $NIGHTSHIFT_HOME/keys); what
 * exists is kept. 0 or an exit code; says what it made unless quiet. */
int ns_cli_keys_init(const char *dir, bool quiet);

/* Runs a load and prints its outcome (text or --json); an exit code. */
int ns_cli_load(const ns_load_opts_t *o, bool json);

/* Parses sizes like 256MB, 1GiB, 512K, 1048576. -1 if bad. */
int ns_cli_size(const char *s, uint64_t *out);

/* Shows a job map: a progress line (tty) or a summary. */
void ns_cli_print_job(FILE *f, const msgpack_object *job, bool progress_line);
/* Exit code for a job in a terminal state (or -1 if still running). */
int ns_cli_job_exit(const msgpack_object *job);

#endif
