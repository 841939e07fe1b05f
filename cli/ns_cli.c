/*
 * ns_cli: settings, the coordinator client and JSON output shared by the
 * subcommands (see ns_cli.h).
 */
#include "ns_cli.h"

#include "ns_buf.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <math.h>
#include <string.h>
#include <time.h>
#include <zmq.h>

const char *ns_cli_home(void)
{
    static char home[1024];
    const char *h = getenv("NIGHTSHIFT_HOME");
    if (h && *h)
        return h;
    const char *u = getenv("HOME");
    snprintf(home, sizeof home, "%s/.nightshift", u && *u ? u : "/tmp");
    return home;
}

const char *ns_cli_endpoint(const char *opt)
{
    if (opt && *opt)
        return opt;
    const char *e = getenv("NIGHTSHIFT_COORDINATOR");
    return e && *e ? e : "tcp://127.0.0.1:7460";
}

int ns_cli_subcommand(int argc, char **argv, const ns_cli_sub_t *subs, const char *usage)
{
    if (argc >= 2) {
        for (const ns_cli_sub_t *s = subs; s->name; s++)
            if (!strcmp(argv[1], s->name))
                return s->run(argc - 1, argv + 1);
        if (!strcmp(argv[1], "--help")) {
            fputs(usage, stdout);
            return 0;
        }
    }
    fputs(usage, stderr);
    return NS_EXIT_USAGE;
}

static double s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

int ns_cli_request(const char *endpoint, ns_msgb_t *req, ns_msg_t *reply, int timeout_ms)
{
    void *ctx = zmq_ctx_new();
    void *s = zmq_socket(ctx, ZMQ_DEALER);
    void *mon = NULL;
    int rc = NS_EXIT_UNREACHABLE;
    memset(reply, 0, sizeof *reply);
    if (!s) {
        fprintf(stderr, "nightshift: cannot make a socket: %s\n", zmq_strerror(errno));
        goto out;
    }
    ns_sec_t sec;
    ns_sec_opts_t so = {0}; /* a client's keys: $NIGHTSHIFT_KEYS etc. (docs/SECURITY.md) */
    ns_err_t serr;
    if (ns_sec_load(&sec, NS_SEC_CLIENT, &so, ns_cli_home(), &serr) ||
        ns_sec_client(s, &sec, endpoint, &serr)) {
        fprintf(stderr, "nightshift: %s\n", serr.msg);
        ns_sec_wipe(&sec);
        rc = NS_EXIT_ERROR;
        goto out;
    }
    ns_sec_wipe(&sec);
    mon = ns_sec_monitor(ctx, s, "cli");
    if (ns_zsock_setup(s) || zmq_connect(s, endpoint)) {
        fprintf(stderr, "nightshift: cannot connect to '%s': %s\n", endpoint,
                zmq_strerror(errno));
        goto out;
    }
    if (zmq_send(s, req->sb.data, req->sb.size, 0) < 0) {
        fprintf(stderr, "nightshift: cannot send to '%s': %s\n", endpoint, zmq_strerror(errno));
        goto out;
    }
    /* the reply, or a handshake the coordinator refused (no use waiting) */
    double t_end = s_now_ms() + timeout_ms;
    int ev = 0;
    for (;;) {
        zmq_pollitem_t items[2] = {{s, 0, ZMQ_POLLIN, 0}, {mon, 0, ZMQ_POLLIN, 0}};
        int left = (int)(t_end - s_now_ms());
        if (left <= 0 || zmq_poll(items, mon ? 2 : 1, left) < 0)
            break;
        if (items[0].revents & ZMQ_POLLIN)
            break;
        if (mon && (items[1].revents & ZMQ_POLLIN) &&
            ((ev |= ns_sec_events(mon)) & (NS_SEC_EV_REFUSED | NS_SEC_EV_FAILED)))
            break;
    }
    zmq_pollitem_t item = {s, 0, ZMQ_POLLIN, 0};
    if (zmq_poll(&item, 1, 0) <= 0) {
        if (ev & NS_SEC_EV_REFUSED) {
            fprintf(stderr, "nightshift: the coordinator at '%s' refused this client's key: it "
                            "is not on its allow-list (docs/SECURITY.md)\n",
                    endpoint);
            rc = NS_EXIT_FAILED;
        } else if (ev & NS_SEC_EV_FAILED) {
            fprintf(stderr, "nightshift: the handshake with '%s' failed: a wrong coordinator "
                            "public key, or only one side runs --insecure (docs/SECURITY.md)\n",
                    endpoint);
            rc = NS_EXIT_FAILED;
        } else {
            fprintf(stderr, "nightshift: no answer from the coordinator at '%s' within %d ms\n",
                    endpoint, timeout_ms);
        }
        goto out;
    }
    zmq_msg_t m;
    zmq_msg_init(&m);
    if (zmq_msg_recv(&m, s, 0) < 0) {
        zmq_msg_close(&m);
        goto out;
    }
    ns_err_t err;
    if (ns_msg_decode(reply, zmq_msg_data(&m), zmq_msg_size(&m), true, &err)) {
        fprintf(stderr, "nightshift: malformed reply from the coordinator: %s\n", err.msg);
        zmq_msg_close(&m);
        rc = NS_EXIT_FAILED;
        goto out;
    }
    zmq_msg_close(&m);
    bool ok = false;
    ns_mp_get_bool(reply->root, "ok", &ok, NULL);
    if (!ok) {
        char msg[2048] = "unknown error";
        ns_mp_get_strz(reply->root, "error", msg, sizeof msg, NULL);
        fprintf(stderr, "nightshift: %s\n", msg);
        ns_msg_free(reply);
        rc = NS_EXIT_FAILED;
        goto out;
    }
    rc = 0;
out:
    if (mon)
        zmq_close(mon);
    if (s)
        zmq_close(s);
    zmq_ctx_term(ctx);
    return rc;
}

static void s_json_str(FILE *f, const char *p, size_t n)
{
    ns_buf_t b;
    ns_buf_init(&b, (size_t)1 << 30);
    if (ns_buf_append_json(&b, p, n) == 0)
        fwrite(b.data, 1, b.len, f);
    ns_buf_free(&b);
}

void ns_cli_json(FILE *f, const msgpack_object *o)
{
    switch (o->type) {
    case MSGPACK_OBJECT_NIL: fputs("null", f); break;
    case MSGPACK_OBJECT_BOOLEAN: fputs(o->via.boolean ? "true" : "false", f); break;
    case MSGPACK_OBJECT_POSITIVE_INTEGER: fprintf(f, "%llu", (unsigned long long)o->via.u64); break;
    case MSGPACK_OBJECT_NEGATIVE_INTEGER: fprintf(f, "%lld", (long long)o->via.i64); break;
    case MSGPACK_OBJECT_FLOAT32:
    case MSGPACK_OBJECT_FLOAT64: fprintf(f, "%.6f", o->via.f64); break;
    case MSGPACK_OBJECT_STR: s_json_str(f, o->via.str.ptr, o->via.str.size); break;
    case MSGPACK_OBJECT_ARRAY:
        fputc('[', f);
        for (uint32_t i = 0; i < o->via.array.size; i++) {
            if (i) fputc(',', f);
            ns_cli_json(f, &o->via.array.ptr[i]);
        }
        fputc(']', f);
        break;
    case MSGPACK_OBJECT_MAP:
        fputc('{', f);
        for (uint32_t i = 0; i < o->via.map.size; i++) {
            if (i) fputc(',', f);
            ns_cli_json(f, &o->via.map.ptr[i].key);
            fputc(':', f);
            ns_cli_json(f, &o->via.map.ptr[i].val);
        }
        fputc('}', f);
        break;
    default: fputs("null", f); break;
    }
}

int ns_cli_size(const char *s, uint64_t *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || v < 0)
        return -1;
    while (isspace((unsigned char)*end))
        end++;
    double mul = 1;
    switch (toupper((unsigned char)*end)) {
    case 'K': mul = 1024.0; break;
    case 'M': mul = 1024.0 * 1024; break;
    case 'G': mul = 1024.0 * 1024 * 1024; break;
    case 'T': mul = 1024.0 * 1024 * 1024 * 1024; break;
    case 'B': case '\0': break;
    default: return -1;
    }
    *out = (uint64_t)(v * mul);
    return 0;
}

static int64_t s_int(const msgpack_object *job, const char *key)
{
    int64_t v = 0;
    ns_mp_get_int(job, key, &v, NULL);
    return v;
}

static void s_human(double b, char *out, size_t cap)
{
    const char *u[] = {"B", "KB", "MB", "GB", "TB"};
    int i = 0;
    while (b >= 1024 && i < 4) {
        b /= 1024;
        i++;
    }
    snprintf(out, cap, "%.1f %s", b, u[i]);
}

static double s_f64(const msgpack_object *o, const char *key)
{
    const msgpack_object *v = ns_mp_get(o, key);
    return v && v->type == MSGPACK_OBJECT_FLOAT64 ? v->via.f64 : 0;
}

/* Pool, deadline, projected finish, worker-hours and cost (docs/FLEETS.md). */
static void s_print_fleet(FILE *f, const msgpack_object *job, const char *state)
{
    char pool[64] = "";
    ns_mp_get_strz(job, "pool", pool, sizeof pool, NULL);
    double dl = s_f64(job, "deadline"), pf = s_f64(job, "projected_finish");
    double fin = s_f64(job, "finished");
    fprintf(f, "pool       %s\n", pool);
    if (dl > 0) {
        time_t t = (time_t)dl;
        struct tm tm;
        char when[32];
        localtime_r(&t, &tm);
        strftime(when, sizeof when, "%Y-%m-%d %H:%M:%S", &tm);
        fprintf(f, "deadline   %s", when);
        if (!strcmp(state, "succeeded") && fin > 0)
            fprintf(f, ", finished %.0fs %s it", fabs(dl - fin), fin <= dl ? "before" : "after");
        else if (pf > 0)
            fprintf(f, ", projected finish %.0fs %s it", fabs(dl - pf), pf <= dl ? "before" : "after");
        fputc('\n', f);
    }
    const msgpack_object *h = ns_mp_get(job, "worker_hours"), *c = ns_mp_get(job, "cost");
    if (h && c)
        fprintf(f, "fleet      spot %.4f worker-hours (cost %.4f), on-demand %.4f (cost %.4f)\n",
                s_f64(h, "spot"), s_f64(c, "spot"), s_f64(h, "on-demand"), s_f64(c, "on-demand"));
}

void ns_cli_print_job(FILE *f, const msgpack_object *job, bool progress_line)
{
    char id[256] = "", state[32] = "", reason[1024] = "", manifest[2048] = "";
    ns_mp_get_strz(job, "id", id, sizeof id, NULL);
    ns_mp_get_strz(job, "state", state, sizeof state, NULL);
    ns_mp_get_strz(job, "reason", reason, sizeof reason, NULL);
    ns_mp_get_strz(job, "manifest", manifest, sizeof manifest, NULL);
    int64_t done = s_int(job, "tasks_done"), total = s_int(job, "tasks_total");
    int64_t bd = s_int(job, "bytes_done"), bt = s_int(job, "bytes_total");
    char hb[32], ht[32];
    s_human((double)bd, hb, sizeof hb);
    s_human((double)bt, ht, sizeof ht);
    double frac = bt > 0 ? (double)bd / (double)bt : 0;
    if (!strcmp(state, "reduce") || !strcmp(state, "committing"))
        frac = 1.0;
    /* overall progress: maps weigh 80%, reduces 20% */
    int64_t rd = s_int(job, "reduces_done"), rt = s_int(job, "reduces_total");
    double overall = 0.8 * frac + 0.2 * (rt > 0 ? (double)rd / (double)rt : 0);
    if (!strcmp(state, "succeeded"))
        overall = 1.0;
    const msgpack_object *sub = ns_mp_get(job, "submitted");
    double elapsed = 0, eta = -1;
    if (sub && sub->type == MSGPACK_OBJECT_FLOAT64) {
        struct timespec ts;
        clock_gettime(CLOCK_REALTIME, &ts);
        elapsed = (double)ts.tv_sec + ts.tv_nsec / 1e9 - sub->via.f64;
        if (overall > 0.02 && overall < 1.0)
            eta = elapsed * (1 - overall) / overall;
    }
    if (progress_line) {
        char bar[31];
        int fill = (int)(overall * 30);
        for (int i = 0; i < 30; i++)
            bar[i] = i < fill ? '#' : '-';
        bar[30] = '\0';
        fprintf(f, "\r%s [%s] %3.0f%% %-10s tasks %lld/%lld  %s/%s  rows %lld  rejects %lld",
                id, bar, overall * 100, state, (long long)done, (long long)total, hb, ht,
                (long long)s_int(job, "rows_in"), (long long)s_int(job, "rejects"));
        if (eta >= 0)
            fprintf(f, "  ETA %.0fs", eta);
        fputs("\033[K", f);
        fflush(f);
        return;
    }
    fprintf(f, "job        %s\n", id);
    fprintf(f, "state      %s%s%s\n", state, reason[0] ? ": " : "", reason);
    fprintf(f, "tasks      %lld/%lld (maps %lld/%lld, reduces %lld/%lld), running %lld\n",
            (long long)done, (long long)total, (long long)s_int(job, "maps_done"),
            (long long)s_int(job, "maps_total"), (long long)rd, (long long)rt,
            (long long)s_int(job, "running"));
    fprintf(f, "input      %s of %s\n", hb, ht);
    fprintf(f, "rows       %lld in, %lld out, %lld rejected, %lld filtered\n",
            (long long)s_int(job, "rows_in"), (long long)s_int(job, "rows_out"),
            (long long)s_int(job, "rejects"), (long long)s_int(job, "filtered"));
    fprintf(f, "retries    %lld (speculative %lld)\n", (long long)s_int(job, "retries"),
            (long long)s_int(job, "speculative"));
    if (manifest[0])
        fprintf(f, "manifest   %s\n", manifest);
    if (eta >= 0)
        fprintf(f, "elapsed    %.0fs, ETA %.0fs\n", elapsed, eta);
    s_print_fleet(f, job, state);
}

int ns_cli_job_exit(const msgpack_object *job)
{
    char state[32] = "";
    ns_mp_get_strz(job, "state", state, sizeof state, NULL);
    if (!strcmp(state, "succeeded"))
        return NS_EXIT_OK;
    if (!strcmp(state, "failed"))
        return NS_EXIT_FAILED;
    if (!strcmp(state, "cancelled"))
        return NS_EXIT_CANCELLED;
    return -1;
}
