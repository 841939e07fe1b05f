/*
 * ns_cli_keys: `nightshift keys init|gen|allow|show`, the CurveZMQ key
 * pairs and the coordinator's allow-list (docs/SECURITY.md).
 */
#include "ns_cli.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char s_usage[] =
    "usage: nightshift keys init [--dir DIR]\n"
    "       nightshift keys gen NAME [--dir DIR]\n"
    "       nightshift keys allow worker|client|worker,client KEY|FILE [NAME] [--dir DIR]\n"
    "       nightshift keys show FILE\n"
    "CurveZMQ keys (docs/SECURITY.md). DIR: $NIGHTSHIFT_KEYS or $NIGHTSHIFT_HOME/keys.\n"
    "init: key pairs coordinator, worker and client, and an allow-list (DIR/allow)\n"
    "  naming the worker and client keys, for one machine; what exists is kept.\n"
    "gen: a new key pair DIR/NAME.key (secret, mode 0600) and DIR/NAME.pub; prints\n"
    "  the public key. Keys are never overwritten.\n"
    "allow: adds a public key (40 Z85 characters, or a .pub/.key file) to DIR/allow\n"
    "  with its roles; a running coordinator rereads the file.\n"
    "show: the public key of a .key or .pub file.\n";

static void s_dir(const char *opt, char *out, size_t cap)
{
    ns_sec_keys_dir(opt, ns_cli_home(), out, cap);
}

/* --dir DIR among the arguments; the others are left in pos[]. */
static int s_args(int argc, char **argv, const char **dir, char **pos, int maxpos, int *npos)
{
    *npos = 0;
    *dir = NULL;
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--dir") && i + 1 < argc) {
            *dir = argv[++i];
        } else if (!strcmp(argv[i], "--help")) {
            fputs(s_usage, stdout);
            return 1;
        } else if (argv[i][0] == '-' && argv[i][1]) {
            fputs(s_usage, stderr);
            return -1;
        } else if (*npos < maxpos) {
            pos[(*npos)++] = argv[i];
        } else {
            fputs(s_usage, stderr);
            return -1;
        }
    }
    return 0;
}

static int s_mkdir(const char *dir)
{
    char tmp[1024];
    snprintf(tmp, sizeof tmp, "%s", dir);
    for (char *p = tmp + 1; *p; p++)
        if (*p == '/') {
            *p = '\0';
            mkdir(tmp, 0755);
            *p = '/';
        }
    if (mkdir(tmp, 0700) && errno != EEXIST) {
        fprintf(stderr, "nightshift: cannot create '%s': %s\n", dir, strerror(errno));
        return -1;
    }
    return 0;
}

static int s_gen(const char *dir, const char *name, ns_keypair_t *kp)
{
    ns_err_t err;
    if (ns_keypair_new(kp, &err) || ns_keypair_write(dir, name, kp, &err)) {
        fprintf(stderr, "nightshift: %s\n", err.msg);
        explicit_bzero(kp, sizeof *kp);
        return -1;
    }
    return 0;
}

/* Appends "ROLES KEY NAME" to the allow-list (written anew and renamed, so
 * a coordinator never reads half a file). */
static int s_allow_add(const char *path, int roles, const char *key, const char *name)
{
    char *old = NULL;
    size_t len = 0;
    FILE *f = fopen(path, "r");
    if (f) {
        old = malloc(4 * 1024 * 1024);
        len = old ? fread(old, 1, 4 * 1024 * 1024 - 1, f) : 0;
        if (old)
            old[len] = '\0';
        fclose(f);
        ns_allow_entry_t *a = NULL;
        int n = 0;
        ns_err_t err;
        if (old && len && ns_allow_parse(old, path, &a, &n, &err) == 0)
            for (int i = 0; i < n; i++)
                if (!strcmp(a[i].key, key)) {
                    fprintf(stderr, "nightshift: %s already allows %s (as %s, '%s')\n", path, key,
                            ns_roles_name(a[i].roles), a[i].name);
                    free(a);
                    free(old);
                    return -1;
                }
        free(a);
    }
    char tmp[1200];
    snprintf(tmp, sizeof tmp, "%s.tmp", path);
    int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    FILE *o = fd >= 0 ? fdopen(fd, "w") : NULL;
    if (!o) {
        fprintf(stderr, "nightshift: cannot write '%s': %s\n", tmp, strerror(errno));
        free(old);
        return -1;
    }
    if (len)
        fwrite(old, 1, len, o);
    else
        fputs("# nightshift allow-list: ROLES PUBLIC-KEY [NAME] (docs/SECURITY.md)\n", o);
    if (len && old[len - 1] != '\n')
        fputc('\n', o);
    fprintf(o, "%-13s %s %s\n", ns_roles_name(roles), key, name);
    free(old);
    if (fflush(o) || fsync(fileno(o)) || fclose(o) || rename(tmp, path)) {
        fprintf(stderr, "nightshift: cannot write '%s': %s\n", path, strerror(errno));
        unlink(tmp);
        return -1;
    }
    return 0;
}

static int s_init(int argc, char **argv)
{
    const char *d;
    char *pos[1];
    int np, a = s_args(argc, argv, &d, pos, 0, &np);
    if (a)
        return a > 0 ? 0 : NS_EXIT_USAGE;
    return ns_cli_keys_init(d, false);
}

int ns_cli_keys_init(const char *d, bool quiet)
{
    char dir[1024], path[1200];
    s_dir(d, dir, sizeof dir);
    if (s_mkdir(dir))
        return NS_EXIT_ERROR;
    static const char *const names[] = {"coordinator", "worker", "client"};
    ns_keypair_t kp[3];
    int made = 0;
    for (int i = 0; i < 3; i++) {
        snprintf(path, sizeof path, "%s/%s.key", dir, names[i]);
        ns_err_t err;
        if (!access(path, F_OK)) {
            if (ns_keyfile_read(path, &kp[i], false, &err)) {
                fprintf(stderr, "nightshift: %s\n", err.msg);
                return NS_EXIT_ERROR;
            }
            continue;
        }
        if (s_gen(dir, names[i], &kp[i]))
            return NS_EXIT_ERROR;
        explicit_bzero(kp[i].secret_key, sizeof kp[i].secret_key);
        made++;
    }
    snprintf(path, sizeof path, "%s/allow", dir);
    int allow_made = 0;
    if (access(path, F_OK)) {
        if (s_allow_add(path, NS_ROLE_WORKER, kp[1].public_key, "worker") ||
            s_allow_add(path, NS_ROLE_CLIENT, kp[2].public_key, "client"))
            return NS_EXIT_ERROR;
        allow_made = 1;
    }
    if (!quiet)
        printf("keys in %s: %d key pairs made, %s\n", dir, made,
               allow_made ? "allow-list made (worker, client)" : "allow-list kept");
    return 0;
}

static int s_gen_cmd(int argc, char **argv)
{
    const char *d;
    char *pos[1];
    int np, a = s_args(argc, argv, &d, pos, 1, &np);
    if (a)
        return a > 0 ? 0 : NS_EXIT_USAGE;
    if (np != 1 || !pos[0][0] || strchr(pos[0], '/') || pos[0][0] == '.') {
        fputs(s_usage, stderr);
        return NS_EXIT_USAGE;
    }
    char dir[1024];
    s_dir(d, dir, sizeof dir);
    ns_keypair_t kp;
    if (s_mkdir(dir) || s_gen(dir, pos[0], &kp))
        return NS_EXIT_ERROR;
    explicit_bzero(kp.secret_key, sizeof kp.secret_key);
    printf("%s\n", kp.public_key);
    return 0;
}

static int s_allow(int argc, char **argv)
{
    const char *d;
    char *pos[3];
    int np, a = s_args(argc, argv, &d, pos, 3, &np);
    if (a)
        return a > 0 ? 0 : NS_EXIT_USAGE;
    int roles = np >= 2 ? ns_roles_parse(pos[0]) : -1;
    if (roles < 0) {
        fputs(s_usage, stderr);
        return NS_EXIT_USAGE;
    }
    char key[NS_KEY_Z85];
    ns_err_t err;
    if (ns_key_parse_public(pos[1], key, &err)) {
        fprintf(stderr, "nightshift: not a public key or key file: %s\n", err.msg);
        return NS_EXIT_USAGE;
    }
    const char *name = np == 3 ? pos[2] : "-";
    if (strlen(name) > 63 || strpbrk(name, " \t\r\n#")) {
        fprintf(stderr, "nightshift: a name is at most 63 bytes without blanks or '#'\n");
        return NS_EXIT_USAGE;
    }
    char dir[1024], path[1200];
    s_dir(d, dir, sizeof dir);
    snprintf(path, sizeof path, "%s/allow", dir);
    if (s_mkdir(dir) || s_allow_add(path, roles, key, name))
        return NS_EXIT_ERROR;
    printf("%s allows %s as %s (%s)\n", path, key, ns_roles_name(roles), name);
    return 0;
}

static int s_show(int argc, char **argv)
{
    if (argc != 2 || !strcmp(argv[1], "--help")) {
        fputs(s_usage, argc == 2 ? stdout : stderr);
        return argc == 2 ? 0 : NS_EXIT_USAGE;
    }
    char key[NS_KEY_Z85];
    ns_err_t err;
    if (ns_key_parse_public(argv[1], key, &err)) {
        fprintf(stderr, "nightshift: %s\n", err.msg);
        return NS_EXIT_ERROR;
    }
    printf("%s\n", key);
    return 0;
}

int ns_cmd_keys(int argc, char **argv)
{
    static const ns_cli_sub_t subs[] = {
        {"init", s_init}, {"gen", s_gen_cmd}, {"allow", s_allow}, {"show", s_show}, {NULL, NULL},
    };
    return ns_cli_subcommand(argc, argv, subs, s_usage);
}
