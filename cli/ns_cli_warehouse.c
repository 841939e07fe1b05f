/*
 * ns_cli_warehouse: `nightshift warehouse up|down|init|status`.
 *
 * up starts a private PostgreSQL cluster (Debian's postgresql-15 binaries,
 * the system's own cluster is left alone) in $NIGHTSHIFT_HOME/warehouse/pg:
 * initdb on first use, pg_ctl start on 127.0.0.1 and a Unix socket in that
 * directory, database `nightshift`, the schema applied (ns_wh_init), and its
 * connection string written to $NIGHTSHIFT_HOME/warehouse/conninfo, where
 * every later command finds it (ns_wh.h). initdb refuses to run as root, so
 * root runs initdb and the server as the postgres user, which then owns the
 * directory. When that user cannot reach the default directory (root's
 * home is 0700), up places the cluster in S_ALT_BASE/warehouse-<hash of
 * $NIGHTSHIFT_HOME> instead and remembers it in
 * $NIGHTSHIFT_HOME/warehouse/location, where up and down find it again; an
 * explicit --dir it cannot reach is an error. The server runs with
 * wal_level minimal (no replicas): the loader's tables created and COPYed
 * in one transaction then skip the WAL (docs/WAREHOUSE.md). Authentication
 * is "trust": a cluster for one machine, as deploy/pg's. This is the same
 * cluster deploy/pg makes for the tests, done here in C so that an
 * installed nightshift needs no script.
 *
 * down stops it (fast shutdown: sessions are cut, committed data stays) and
 * removes the conninfo file. init and status work on any warehouse
 * (--warehouse, $NIGHTSHIFT_WAREHOUSE, the conninfo file, PG* variables).
 */
#include "ns_cli.h"
#include "ns_log.h"
#include "ns_wh.h"
#include "ns_wh_schema.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <glob.h>
#include <grp.h>
#include <limits.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#define S_DEFAULT_PORT 55432
#define S_PORT_TRIES 100
/* where root's clusters go when the postgres user cannot reach its home */
#define S_ALT_BASE "/var/lib/nightshift"

typedef struct {
    char dir[PATH_MAX];   /* the cluster directory: data/, logs, the socket */
    char data[PATH_MAX];  /* dir/data */
    char bin[PATH_MAX];   /* PostgreSQL's bin directory */
    uid_t uid;            /* the postgres user when we run as root */
    gid_t gid;
    int as_postgres;      /* root: run initdb, pg_ctl as the postgres user */
} s_cluster_t;

static int s_mkdirs(const char *path, mode_t mode)
{
    char tmp[PATH_MAX];
    snprintf(tmp, sizeof tmp, "%s", path);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            if (mkdir(tmp, 0755) && errno != EEXIST)
                return -1;
            *p = '/';
        }
    return mkdir(tmp, mode) && errno != EEXIST ? -1 : 0;
}

/* $NIGHTSHIFT_HOME/warehouse/<name>: conninfo (the connection string of
 * the running cluster) or location (where up placed it, when elsewhere) */
static void s_state_path(const char *name, char *out, size_t cap)
{
    snprintf(out, cap, "%s/warehouse/%s", ns_cli_home(), name);
}

/* The first line of the state file name (without its newline) into out;
 * 0, or -1 when there is none. */
static int s_read_state(const char *name, char *out, size_t cap)
{
    char path[PATH_MAX];
    s_state_path(name, path, sizeof path);
    FILE *f = fopen(path, "r");
    if (!f)
        return -1;
    int ok = fgets(out, (int)cap, f) != NULL;
    fclose(f);
    out[ok ? strcspn(out, "\n") : 0] = '\0';
    return ok ? 0 : -1;
}

/* Parses a subcommand's options: opts, each with val its index in vals
 * (--help with val 'h'); vals[val] is set to the option's argument, or ""
 * for an option without one. Returns -1 to go on, else the exit code: 0
 * after --help, NS_EXIT_USAGE (usage printed) for a bad command line. */
/* Reads the options of a subcommand into vals (indexed by each option's
 * val); -1 when the command goes on, else its exit code. */
static int s_opts(int argc, char **argv, const struct option *opts, const char *usage,
                  const char **vals)
{
    optind = 1;
    int o;
    while ((o = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        if (o == 'h') {
            fputs(usage, stdout);
            return 0;
        }
        if (o == '?') {
            fputs(usage, stderr);
            return NS_EXIT_USAGE;
        }
        vals[o] = optarg ? optarg : "";
    }
    if (optind != argc) {
        fputs(usage, stderr);
        return NS_EXIT_USAGE;
    }
    return -1;
}

/* PG_BIN, else /usr/lib/postgresql/15/bin, else the newest installed. */
static int s_find_bin(char *out, size_t cap)
{
    const char *env = getenv("PG_BIN");
    char p[PATH_MAX];
    if (env && *env) {
        snprintf(out, cap, "%s", env);
    } else if (!access("/usr/lib/postgresql/15/bin/initdb", X_OK)) {
        snprintf(out, cap, "/usr/lib/postgresql/15/bin");
    } else {
        glob_t g;
        int best = -1;
        if (glob("/usr/lib/postgresql/*/bin/initdb", 0, NULL, &g) == 0) {
            for (size_t i = 0; i < g.gl_pathc; i++) {
                int v = atoi(g.gl_pathv[i] + strlen("/usr/lib/postgresql/"));
                if (v > best) {
                    best = v;
                    snprintf(out, cap, "%.*s", (int)(strlen(g.gl_pathv[i]) - 7), g.gl_pathv[i]);
                }
            }
            globfree(&g);
        }
        if (best < 0) {
            fprintf(stderr, "nightshift: no PostgreSQL binaries in /usr/lib/postgresql (install "
                            "postgresql-15, or set PG_BIN)\n");
            return -1;
        }
    }
    snprintf(p, sizeof p, "%.4000s/pg_ctl", out);
    if (access(p, X_OK)) {
        fprintf(stderr, "nightshift: no executable '%s' (install postgresql-15, or set PG_BIN)\n",
                p);
        return -1;
    }
    return 0;
}

/* Runs argv (argv[0] a path) from the cluster directory, as the postgres
 * user when we are root, output to log (NULL: /dev/null). Returns the exit
 * status, or -1 when it could not run. */
static int s_run(const s_cluster_t *cl, char *const argv[], const char *log)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        ns_child_stdio(log);
        if (cl->as_postgres &&
            (initgroups("postgres", cl->gid) || setgid(cl->gid) || setuid(cl->uid)))
            _exit(126);
        /* after setuid: the postgres user may not be able to reach it */
        if (chdir(cl->dir))
            _exit(126);
        execv(argv[0], argv);
        _exit(127);
    }
    int st;
    while (waitpid(pid, &st, 0) < 0)
        if (errno != EINTR)
            return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + (WIFSIGNALED(st) ? WTERMSIG(st) : 0);
}

/* Prints the last lines of a log to stderr. */
static void s_tail(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return;
    char lines[20][512];
    int n = 0;
    while (fgets(lines[n % 20], sizeof lines[0], f))
        n++;
    fclose(f);
    for (int i = n > 20 ? n - 20 : 0; i < n; i++)
        fputs(lines[i % 20], stderr);
}

/* Sets up cl for the cluster in dir (made absolute); 0 or -1 (printed). */
static int s_cluster(s_cluster_t *cl, const char *dir)
{
    memset(cl, 0, sizeof *cl);
    char cwd[PATH_MAX];
    if (dir[0] == '/')
        snprintf(cl->dir, sizeof cl->dir, "%s", dir);
    else if (getcwd(cwd, sizeof cwd))
        snprintf(cl->dir, sizeof cl->dir, "%.2000s/%.2000s", cwd, dir);
    else {
        fprintf(stderr, "nightshift: cannot resolve '%s': %s\n", dir, strerror(errno));
        return -1;
    }
    size_t n = strlen(cl->dir);
    while (n > 1 && cl->dir[n - 1] == '/')
        cl->dir[--n] = '\0';
    snprintf(cl->data, sizeof cl->data, "%.4000s/data", cl->dir);
    if (s_find_bin(cl->bin, sizeof cl->bin))
        return -1;
    if (geteuid() == 0) {
        struct passwd *pw = getpwnam("postgres");
        if (!pw) {
            fprintf(stderr, "nightshift: running as root, but there is no postgres user to run "
                            "the server as (initdb refuses root)\n");
            return -1;
        }
        cl->uid = pw->pw_uid;
        cl->gid = pw->pw_gid;
        cl->as_postgres = 1;
    }
    return 0;
}

static int s_has_data(const s_cluster_t *cl)
{
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%.4000s/PG_VERSION", cl->data);
    return access(p, F_OK) == 0;
}

static int s_running(const s_cluster_t *cl)
{
    char ctl[PATH_MAX];
    snprintf(ctl, sizeof ctl, "%.4000s/pg_ctl", cl->bin);
    char *argv[] = {ctl, "status", "-D", (char *)cl->data, NULL};
    return s_has_data(cl) && s_run(cl, argv, NULL) == 0;
}

/* The port of the running cluster (line 4 of postmaster.pid), or 0. */
static int s_running_port(const s_cluster_t *cl)
{
    char p[PATH_MAX], line[256];
    snprintf(p, sizeof p, "%.4000s/postmaster.pid", cl->data);
    FILE *f = fopen(p, "r");
    if (!f)
        return 0;
    int port = 0;
    for (int i = 1; fgets(line, sizeof line, f); i++)
        if (i == 4) {
            port = atoi(line);
            break;
        }
    fclose(f);
    return port;
}

/* Whether nothing listens on 127.0.0.1:port (we can bind it ourselves). */
static int s_port_free(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return 0;
    int one = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int ok = bind(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

static void s_url(const s_cluster_t *cl, int port, const char *db, char *out, size_t cap)
{
    snprintf(out, cap, "host=%s port=%d user=postgres dbname=%s", cl->dir, port, db);
}

/* Writes text as the state file name (a temporary file renamed over it:
 * readers see the old or the new one). */
static int s_write_state(const char *name, const char *text)
{
    char path[PATH_MAX], tmp[PATH_MAX + 16];
    s_state_path(name, path, sizeof path);
    char dir[PATH_MAX];
    snprintf(dir, sizeof dir, "%s/warehouse", ns_cli_home());
    if (s_mkdirs(dir, 0755)) {
        fprintf(stderr, "nightshift: cannot create '%s': %s\n", dir, strerror(errno));
        return -1;
    }
    snprintf(tmp, sizeof tmp, "%s.tmp%ld", path, (long)getpid());
    FILE *f = fopen(tmp, "w");
    if (!f || fprintf(f, "%s\n", text) < 0 || fclose(f)) {
        fprintf(stderr, "nightshift: cannot write '%s': %s\n", tmp, strerror(errno));
        unlink(tmp);
        return -1;
    }
    if (rename(tmp, path)) {
        fprintf(stderr, "nightshift: cannot write '%s': %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

/* The cluster directory without --dir: with from_conninfo (down), the one
 * the conninfo file names (host=DIR with DIR/data); else the one the
 * location file names (up placed it there); else the default
 * $NIGHTSHIFT_HOME/warehouse/pg. */
static void s_default_dir(char *out, size_t cap, int from_conninfo)
{
    char ci[4096];
    if (from_conninfo && !s_read_state("conninfo", ci, sizeof ci)) {
        const char *h = strstr(ci, "host=/");
        if (h && (h == ci || h[-1] == ' ')) {
            h += 5;
            size_t len = strcspn(h, " ");
            char dir[PATH_MAX], pv[PATH_MAX + 32];
            snprintf(dir, sizeof dir, "%.*s", (int)(len < PATH_MAX - 1 ? len : PATH_MAX - 1), h);
            snprintf(pv, sizeof pv, "%s/data/PG_VERSION", dir);
            if (!access(pv, F_OK)) {
                snprintf(out, cap, "%s", dir);
                return;
            }
        }
    }
    if (s_read_state("location", out, cap) || out[0] != '/')
        snprintf(out, cap, "%s/warehouse/pg", ns_cli_home());
}

/* Creates the cluster directory; as root, gives it to the postgres user and
 * checks that this user can reach it. 0; 1 when the postgres user cannot
 * reach it; -1 on another error (printed). */
static int s_make_dir(const s_cluster_t *cl)
{
    if (s_mkdirs(cl->dir, 0700)) {
        fprintf(stderr, "nightshift: cannot create '%s': %s\n", cl->dir, strerror(errno));
        return -1;
    }
    if (!cl->as_postgres)
        return 0;
    if (chown(cl->dir, cl->uid, cl->gid) || chmod(cl->dir, 0700)) {
        fprintf(stderr, "nightshift: cannot give '%s' to the postgres user: %s\n", cl->dir,
                strerror(errno));
        return -1;
    }
    /* s_run enters cl->dir as the postgres user: it fails when it cannot */
    char test[] = "/usr/bin/test";
    char *targv[] = {test, "-w", (char *)cl->dir, NULL};
    return s_run(cl, targv, NULL) != 0;
}

/* The directory for root's cluster when the postgres user cannot reach
 * $NIGHTSHIFT_HOME: S_ALT_BASE/warehouse-<FNV-1a of its real path, 32 bits>,
 * one per NIGHTSHIFT_HOME. 0, or -1 (printed). */
static int s_alt_dir(char *out, size_t cap)
{
    char home[PATH_MAX];
    if (!realpath(ns_cli_home(), home)) {
        fprintf(stderr, "nightshift: cannot resolve '%s': %s\n", ns_cli_home(), strerror(errno));
        return -1;
    }
    uint64_t h = 0xcbf29ce484222325ULL;
    for (const char *p = home; *p; p++)
        h = (h ^ (unsigned char)*p) * 0x100000001b3ULL;
    snprintf(out, cap, "%s/warehouse-%08x", S_ALT_BASE, (unsigned)(h ^ (h >> 32)));
    return 0;
}

/* Creates database nightshift if absent and applies the schema. */
static int s_setup_db(const s_cluster_t *cl, int port, char *ci, size_t cap)
{
    ns_err_t err;
    ns_err_clear(&err);
    char admin[PATH_MAX + 64];
    s_url(cl, port, "postgres", admin, sizeof admin);
    PGconn *c = ns_wh_connect(admin, &err);
    if (!c) {
        fprintf(stderr, "nightshift: %s\n", err.msg);
        return NS_EXIT_ERROR;
    }
    PGresult *r = PQexec(c, "SELECT 1 FROM pg_database WHERE datname = 'nightshift'");
    int exists = PQresultStatus(r) == PGRES_TUPLES_OK && PQntuples(r) == 1;
    PQclear(r);
    if (!exists && ns_wh_exec(c, "CREATE DATABASE nightshift", &err)) {
        fprintf(stderr, "nightshift: %s\n", err.msg);
        PQfinish(c);
        return NS_EXIT_ERROR;
    }
    PQfinish(c);
    s_url(cl, port, "nightshift", ci, cap);
    c = ns_wh_connect(ci, &err);
    if (!c || ns_wh_init(c, NS_WH_POSTGRES, &err)) {
        fprintf(stderr, "nightshift: %s\n", err.msg);
        PQfinish(c);
        return NS_EXIT_ERROR;
    }
    PQfinish(c);
    return 0;
}

static int s_up(int argc, char **argv)
{
    static const char usage[] =
        "usage: nightshift warehouse up [--port P] [--dir DIR]\n"
        "Starts a private PostgreSQL cluster (default DIR $NIGHTSHIFT_HOME/warehouse/pg, port\n"
        "55432 or the next free one), creates database nightshift with the schema, and\n"
        "writes its connection string to $NIGHTSHIFT_HOME/warehouse/conninfo.\n";
    enum { O_PORT, O_DIR, O_N };
    static const struct option opts[] = {
        {"port", required_argument, 0, O_PORT},
        {"dir", required_argument, 0, O_DIR},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *v[O_N] = {0};
    int rc = s_opts(argc, argv, opts, usage, v);
    if (rc >= 0)
        return rc;
    int port = 0;
    if (v[O_PORT]) {
        char *end;
        long p = strtol(v[O_PORT], &end, 10);
        if (*end || p < 1024 || p > 65535) {
            fprintf(stderr, "nightshift: invalid port '%s' (expected 1024..65535)\n", v[O_PORT]);
            return NS_EXIT_USAGE;
        }
        port = (int)p;
    }
    const char *dir = v[O_DIR];
    char def[PATH_MAX];
    s_default_dir(def, sizeof def, 0);
    s_cluster_t cl;
    if (s_cluster(&cl, dir ? dir : def))
        return NS_EXIT_ERROR;
    /* the socket DIR/.s.PGSQL.PORT must fit in sun_path (108 bytes) */
    if (strlen(cl.dir) + strlen("/.s.PGSQL.65535") >= 100) {
        fprintf(stderr, "nightshift: '%s' is too long for the server's socket directory (use "
                        "--dir with a shorter path)\n", cl.dir);
        return NS_EXIT_USAGE;
    }
    int made = s_make_dir(&cl);
    if (made > 0 && !dir && !s_has_data(&cl)) {
        /* root with its home closed to others: the default is out of the
         * postgres user's reach, so the cluster goes where it can be */
        char home_dir[PATH_MAX], alt[PATH_MAX];
        snprintf(home_dir, sizeof home_dir, "%s", cl.dir);
        rmdir(home_dir); /* made just now, empty */
        if (s_alt_dir(alt, sizeof alt) || s_cluster(&cl, alt))
            return NS_EXIT_ERROR;
        made = s_make_dir(&cl);
        if (made == 0) {
            if (s_write_state("location", cl.dir))
                return NS_EXIT_ERROR;
            char loc[PATH_MAX];
            s_state_path("location", loc, sizeof loc);
            fprintf(stderr, "nightshift: the postgres user cannot reach '%s'; the warehouse is in "
                            "'%s' (remembered in %s)\n", home_dir, cl.dir, loc);
        }
    }
    if (made > 0)
        fprintf(stderr, "nightshift: the postgres user cannot reach '%s' (make its parent "
                        "directories searchable, e.g. chmod o+x, or use --dir)\n", cl.dir);
    if (made)
        return NS_EXIT_ERROR;
    char ci[PATH_MAX + 64];
    if (s_running(&cl)) {
        int running = s_running_port(&cl);
        if (port && running && running != port) {
            fprintf(stderr, "nightshift: the warehouse in '%s' is already running on port %d, "
                            "not %d\n", cl.dir, running, port);
            return NS_EXIT_FAILED;
        }
        port = running ? running : port;
    } else {
        if (!port) {
            for (int p = S_DEFAULT_PORT; p < S_DEFAULT_PORT + S_PORT_TRIES && !port; p++)
                if (s_port_free(p))
                    port = p;
            if (!port) {
                fprintf(stderr, "nightshift: no free port in %d..%d (use --port)\n",
                        S_DEFAULT_PORT, S_DEFAULT_PORT + S_PORT_TRIES - 1);
                return NS_EXIT_ERROR;
            }
        } else if (!s_port_free(port)) {
            fprintf(stderr, "nightshift: port %d is in use (choose another with --port)\n", port);
            return NS_EXIT_FAILED;
        }
        char exe[PATH_MAX], log[PATH_MAX], opt[PATH_MAX + 160];
        if (!s_has_data(&cl)) {
            snprintf(exe, sizeof exe, "%.4000s/initdb", cl.bin);
            snprintf(log, sizeof log, "%.4000s/initdb.log", cl.dir);
            char *iargv[] = {exe, "-D", cl.data, "-A", "trust", "-U", "postgres", "--no-sync",
                             "-E", "UTF8", "--locale=C", NULL};
            if (s_run(&cl, iargv, log) != 0) {
                s_tail(log);
                fprintf(stderr, "nightshift: initdb of '%s' failed (log: %s)\n", cl.data, log);
                return NS_EXIT_ERROR;
            }
        }
        snprintf(exe, sizeof exe, "%.4000s/pg_ctl", cl.bin);
        snprintf(log, sizeof log, "%.4000s/postgres.log", cl.dir);
        /* no replicas: wal_level minimal lets a table created and COPYed in
         * one transaction (the loader's) skip the WAL */
        snprintf(opt, sizeof opt,
                 "-p %d -k %s -c listen_addresses=127.0.0.1 -c wal_level=minimal "
                 "-c max_wal_senders=0", port, cl.dir);
        char *sargv[] = {exe, "start", "-D", cl.data, "-l", log, "-w", "-t", "60", "-o", opt,
                         NULL};
        if (s_run(&cl, sargv, NULL) != 0) {
            s_tail(log);
            fprintf(stderr, "nightshift: cannot start the warehouse in '%s' on port %d (log: %s)\n",
                    cl.dir, port, log);
            return NS_EXIT_ERROR;
        }
    }
    rc = s_setup_db(&cl, port, ci, sizeof ci);
    if (rc)
        return rc;
    if (s_write_state("conninfo", ci))
        return NS_EXIT_ERROR;
    printf("%s\n", ci);
    return 0;
}

static int s_down(int argc, char **argv)
{
    static const char usage[] =
        "usage: nightshift warehouse down [--dir DIR]\n"
        "Stops the private cluster (fast shutdown) and removes the conninfo file; data stays.\n";
    enum { O_DIR, O_N };
    static const struct option opts[] = {
        {"dir", required_argument, 0, O_DIR},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *v[O_N] = {0};
    int rc = s_opts(argc, argv, opts, usage, v);
    if (rc >= 0)
        return rc;
    char def[PATH_MAX];
    s_default_dir(def, sizeof def, 1);
    s_cluster_t cl;
    if (s_cluster(&cl, v[O_DIR] ? v[O_DIR] : def))
        return NS_EXIT_ERROR;
    int stopped = 0;
    if (s_running(&cl)) {
        char exe[PATH_MAX];
        snprintf(exe, sizeof exe, "%.4000s/pg_ctl", cl.bin);
        char *argv2[] = {exe, "stop", "-D", cl.data, "-m", "fast", "-w", "-t", "60", NULL};
        if (s_run(&cl, argv2, NULL) != 0) {
            fprintf(stderr, "nightshift: cannot stop the warehouse in '%s' (see %s/postgres.log)\n",
                    cl.dir, cl.dir);
            return NS_EXIT_ERROR;
        }
        stopped = 1;
    }
    /* the conninfo file goes when it names this cluster (the location file
     * stays: the data is there, the next up starts it again) */
    char path[PATH_MAX], ci[4096], host[PATH_MAX + 8];
    s_state_path("conninfo", path, sizeof path);
    snprintf(host, sizeof host, "host=%s ", cl.dir);
    if (!s_read_state("conninfo", ci, sizeof ci) && strstr(ci, host) && unlink(path)) {
        fprintf(stderr, "nightshift: cannot remove '%s': %s\n", path, strerror(errno));
        return NS_EXIT_ERROR;
    }
    printf("warehouse %s: %s\n", stopped ? "stopped" : "not running", cl.dir);
    return 0;
}

/* Overwrites the --warehouse argument *arg (if any) in place with its
 * passwords masked, so ps shows no password from here on (docs/SECURITY.md,
 * "Credentials"), and points *arg at a copy, *copy (freed by the caller). */
static int s_hide_warehouse(const char **arg, char **copy)
{
    *copy = NULL;
    if (*arg && !(*arg = *copy = ns_wh_hide_arg((char *)*arg))) {
        fprintf(stderr, "nightshift: out of memory\n");
        return -1;
    }
    return 0;
}

static int s_init_run(const char *target, bool print, const char *warehouse, const char *usage);

static int s_init(int argc, char **argv)
{
    static const char usage[] =
        "usage: nightshift warehouse init [--warehouse CONN] [--target postgres|redshift] "
        "[--print]\n"
        "Creates what is missing of the schema (docs/WAREHOUSE.md) in the warehouse; never\n"
        "drops or changes data. --print writes the DDL to stdout instead.\n";
    enum { O_WAREHOUSE, O_TARGET, O_PRINT, O_N };
    static const struct option opts[] = {
        {"warehouse", required_argument, 0, O_WAREHOUSE},
        {"target", required_argument, 0, O_TARGET},
        {"print", no_argument, 0, O_PRINT},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *v[O_N] = {0};
    int rc = s_opts(argc, argv, opts, usage, v);
    if (rc >= 0)
        return rc;
    char *wh = NULL;
    if (s_hide_warehouse(&v[O_WAREHOUSE], &wh))
        return NS_EXIT_ERROR;
    rc = s_init_run(v[O_TARGET], v[O_PRINT] != NULL, v[O_WAREHOUSE], usage);
    free(wh);
    return rc;
}

static int s_init_run(const char *target, bool print, const char *warehouse, const char *usage)
{
    int rc;
    ns_err_t err;
    ns_err_clear(&err);
    ns_wh_target_t t;
    if (ns_wh_target(target, &t, &err)) {
        fprintf(stderr, "nightshift: %s\n", err.msg);
        fputs(usage, stderr);
        return NS_EXIT_USAGE;
    }
    if (print) {
        for (const char *const *f = ns_wh_schema_files(t); *f; f++)
            fprintf(stdout, "%s-- ==== warehouse/%s\n\n%s", f == ns_wh_schema_files(t) ? "" : "\n",
                    *f, ns_wh_sql(*f));
        return 0;
    }
    if (t == NS_WH_REDSHIFT)
        fprintf(stderr, "nightshift: note: the Redshift DDL is untested here (nightshift's "
                        "tests check its text and run its dim_date fill on PostgreSQL)\n");
    PGconn *c = ns_wh_connect(warehouse, &err);
    if (!c) {
        fprintf(stderr, "nightshift: %s\n", err.msg);
        return NS_EXIT_UNREACHABLE;
    }
    char desc[512];
    ns_wh_describe(c, desc, sizeof desc);
    rc = ns_wh_init(c, t, &err);
    PQfinish(c);
    if (rc) {
        fprintf(stderr, "nightshift: %s: %s\n", desc, err.msg);
        return NS_EXIT_FAILED;
    }
    char names[64][64];
    printf("schema applied: %s (%d tables, target %s)\n", desc,
           ns_wh_schema_tables(t, names, 64), t == NS_WH_REDSHIFT ? "redshift" : "postgres");
    return 0;
}

static int s_status(int argc, char **argv)
{
    static const char usage[] =
        "usage: nightshift warehouse status [--warehouse CONN]\n"
        "The warehouse connected to (no password), and its tables with row counts.\n";
    enum { O_WAREHOUSE, O_N };
    static const struct option opts[] = {
        {"warehouse", required_argument, 0, O_WAREHOUSE},
        {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    const char *v[O_N] = {0};
    int rc = s_opts(argc, argv, opts, usage, v);
    if (rc >= 0)
        return rc;
    char *wh = NULL;
    if (s_hide_warehouse(&v[O_WAREHOUSE], &wh))
        return NS_EXIT_ERROR;
    ns_err_t err;
    ns_err_clear(&err);
    PGconn *c = ns_wh_connect(v[O_WAREHOUSE], &err);
    free(wh);
    if (!c) {
        fprintf(stderr, "nightshift: %s\n", err.msg);
        return NS_EXIT_UNREACHABLE;
    }
    char desc[512];
    ns_wh_describe(c, desc, sizeof desc);
    printf("warehouse: %s\n", desc);
    const char *ver = PQparameterStatus(c, "server_version");
    printf("server: PostgreSQL %s\n", ver ? ver : "?");
    /* relations of the public schema; partitions are counted with their parent */
    PGresult *r = PQexec(c,
                         "SELECT c.relname, c.relkind::text,"
                         " (SELECT count(*) FROM pg_inherits i WHERE i.inhparent = c.oid)"
                         " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                         " WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v')"
                         " AND NOT c.relispartition ORDER BY c.relkind = 'v', c.relname");
    if (PQresultStatus(r) != PGRES_TUPLES_OK) {
        ns_wh_err(&err, r, c, "cannot list the tables");
        fprintf(stderr, "nightshift: %s\n", err.msg);
        PQclear(r);
        PQfinish(c);
        return NS_EXIT_FAILED;
    }
    rc = 0;
    printf("%-28s %14s %11s\n", "table", "rows", "partitions");
    for (int i = 0; i < PQntuples(r); i++) {
        const char *name = PQgetvalue(r, i, 0), *kind = PQgetvalue(r, i, 1);
        if (!strcmp(kind, "v")) {
            printf("%-28s %14s %11s\n", name, "view", "");
            continue;
        }
        char id[200], sql[256];
        if (ns_wh_ident(name, id, sizeof id))
            continue;
        snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", id);
        PGresult *cr = PQexec(c, sql);
        if (PQresultStatus(cr) == PGRES_TUPLES_OK && PQntuples(cr) == 1) {
            printf("%-28s %14s %11s\n", name, PQgetvalue(cr, 0, 0),
                   !strcmp(kind, "p") ? PQgetvalue(r, i, 2) : "");
        } else {
            ns_wh_err(&err, cr, c, "cannot count");
            printf("%-28s %14s %11s  (%s)\n", name, "?", "", err.msg);
            rc = NS_EXIT_FAILED;
        }
        PQclear(cr);
    }
    /* what of the schema is missing */
    char names[64][64];
    int n = ns_wh_schema_tables(NS_WH_POSTGRES, names, 64), missing = 0;
    for (int k = 0; k < n && k < 64; k++) {
        int found = 0;
        for (int i = 0; i < PQntuples(r) && !found; i++)
            found = !strcmp(PQgetvalue(r, i, 0), names[k]);
        if (!found) {
            printf("%s %s", missing ? "," : "missing (nightshift warehouse init):", names[k]);
            missing++;
        }
    }
    if (missing)
        printf("\n");
    PQclear(r);
    PQfinish(c);
    return rc;
}

int ns_cmd_warehouse(int argc, char **argv)
{
    static const char usage[] =
        "usage: nightshift warehouse up|down|init|status [options] (--help for each)\n";
    static const ns_cli_sub_t subs[] = {
        {"up", s_up}, {"down", s_down}, {"init", s_init}, {"status", s_status}, {NULL, NULL}};
    return ns_cli_subcommand(argc, argv, subs, usage);
}
