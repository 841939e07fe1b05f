/*
 * Tests of ns_http, the coordinator's status page and metrics: the three
 * renderers on a hand-built snapshot whose names carry every character
 * that needs escaping (HTML text and attributes, JSON strings, Prometheus
 * label values), the exposition format line by line (HELP and TYPE before
 * each family's samples, each family once, every sample line well formed),
 * the projected finish, and the server itself on a loopback port: 503
 * before the first snapshot, the four pages after it, 404, 405, HEAD, and
 * malformed addresses refused.
 */
#include "ns_http.h"

#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* ---- a snapshot with awkward names ---- */

static const ns_http_job_t s_jobs[] = {
    {.id = "pos-20261124-a1", .name = "retail_pos", .state = "succeeded", .date = "2026-11-24",
     .reason = "", .submitted = 1764000000.0, .finished = 1764000090.5, .maps_total = 3,
     .maps_done = 3, .reduces_total = 2, .reduces_done = 2, .tasks_done = 5,
     .bytes_total = 3000, .bytes_done = 3000, .rows_in = 120, .rows_out = 117, .rejects = 3,
     .retries = 1},
    {.id = "evil\"job\\x\ny", .name = "<script>alert('x')</script> & \"q\"", .state = "map",
     .date = "2026-11-25", .reason = "a<b", .pool = "nightly", .submitted = 1764000100.0,
     .maps_total = 4, .maps_done = 1, .reduces_total = 2, .tasks_pending = 2,
     .tasks_running = 1, .tasks_done = 1, .attempts_running = 2, .bytes_total = 4000,
     .bytes_done = 1000, .rows_in = 40, .speculative = 1, .deadline = 1764003600.0,
     .projected_finish = 1764000500.0, .projected_by = "bytes rate"},
};

static const ns_http_worker_t s_workers[] = {
    {.id = "w-1", .pool = "nightly", .capacity = "spot", .slots = 2, .busy = 1},
    {.id = "w-2", .pool = "nightly", .capacity = "spot", .slots = 2, .busy = 0},
    {.id = "w<3>", .pool = "po\"ol", .capacity = "on-demand", .slots = 4, .busy = 4,
     .preempting = 1},
};

static ns_http_snap_t s_snap(void)
{
    return (ns_http_snap_t){.now = 1764000200.0, .started = 1763990000.0,
                            .bind = "tcp://127.0.0.1:7460", .jobs = s_jobs, .njobs = 2,
                            .workers = s_workers, .nworkers = 3};
}

static char *s_render(int (*fn)(ns_buf_t *, const ns_http_snap_t *), const ns_http_snap_t *s)
{
    ns_buf_t b;
    ns_buf_init(&b, NS_HTTP_MAX_TEXT);
    cr_assert_eq(fn(&b, s), 0);
    char *out = strdup(b.data);
    ns_buf_free(&b);
    return out;
}

/* ---- metrics ---- */

Test(http, metrics_label_escaping)
{
    ns_http_snap_t s = s_snap();
    char *m = s_render(ns_http_render_metrics, &s);
    cr_assert(strstr(m, "nightshift_job_rows_in{job=\"evil\\\"job\\\\x\\ny\"} 40\n"), "%s", m);
    cr_assert(strstr(m, "nightshift_job_rows_out{job=\"pos-20261124-a1\"} 117\n"));
    cr_assert(strstr(m, "nightshift_job_info{job=\"evil\\\"job\\\\x\\ny\",name=\"<script>"
                        "alert('x')</script> & \\\"q\\\"\",state=\"map\",date=\"2026-11-25\","
                        "pool=\"nightly\"} 1\n"));
    cr_assert(strstr(m, "nightshift_workers{pool=\"po\\\"ol\",capacity=\"on-demand\","
                        "state=\"preempting\"} 1\n"));
    cr_assert(strstr(m, "nightshift_workers{pool=\"nightly\",capacity=\"spot\",state=\"idle\"} 1\n"));
    cr_assert(strstr(m, "nightshift_worker_slots{pool=\"nightly\",capacity=\"spot\",state=\"free\"} 3\n"));
    cr_assert(strstr(m, "nightshift_jobs{state=\"succeeded\"} 1\n"));
    cr_assert(strstr(m, "nightshift_jobs{state=\"cancelled\"} 0\n"));
    cr_assert(strstr(m, "nightshift_tasks{job=\"pos-20261124-a1\",state=\"done\"} 5\n"));
    cr_assert(strstr(m, "nightshift_task_retries_total{job=\"pos-20261124-a1\"} 1\n"));
    cr_assert(strstr(m, "nightshift_job_projected_finish_seconds{job=\"evil\\\"job\\\\x\\ny\","
                        "by=\"bytes rate\"} 1764000500.000\n"));
    /* finished jobs have no projection, jobs without a deadline no deadline */
    cr_assert_null(strstr(m, "nightshift_job_projected_finish_seconds{job=\"pos-"));
    cr_assert_null(strstr(m, "nightshift_job_deadline_seconds{job=\"pos-"));
    free(m);
}

Test(http, metrics_format_lines)
{
    ns_http_snap_t s = s_snap();
    char *m = s_render(ns_http_render_metrics, &s);
    regex_t help, type, sample;
    cr_assert_eq(regcomp(&help, "^# HELP ([a-zA-Z_:][a-zA-Z0-9_:]*) [^\n]+$", REG_EXTENDED), 0);
    cr_assert_eq(regcomp(&type, "^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (gauge|counter)$",
                         REG_EXTENDED), 0);
    cr_assert_eq(regcomp(&sample,
                         "^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\n]|"
                         "\\\\[\\\\\"n])*\",?)*\\})? -?[0-9]+(\\.[0-9]+)?$",
                         REG_EXTENDED), 0);
    char families[64][64];
    int nfam = 0, nsamples = 0;
    char cur[64] = "";
    char *save = NULL;
    cr_assert_eq(m[strlen(m) - 1], '\n');
    for (char *line = strtok_r(m, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        regmatch_t g[2];
        if (!regexec(&help, line, 2, g, 0)) {
            int n = (int)(g[1].rm_eo - g[1].rm_so);
            snprintf(cur, sizeof cur, "%.*s", n, line + g[1].rm_so);
            for (int i = 0; i < nfam; i++)
                cr_assert_str_neq(families[i], cur, "family %s twice", cur);
            cr_assert_lt(nfam, 64);
            snprintf(families[nfam++], sizeof families[0], "%s", cur);
        } else if (!regexec(&type, line, 2, g, 0)) {
            cr_assert_eq(strncmp(line + g[1].rm_so, cur, strlen(cur)), 0, "TYPE of %s", cur);
        } else {
            cr_assert_eq(regexec(&sample, line, 2, g, 0), 0, "malformed line: %s", line);
            int n = (int)(g[1].rm_eo - g[1].rm_so);
            cr_assert(n == (int)strlen(cur) && !strncmp(line, cur, (size_t)n),
                      "sample %s outside its family %s", line, cur);
            nsamples++;
        }
    }
    cr_assert_geq(nfam, 15);
    cr_assert_geq(nsamples, 40);
    regfree(&help);
    regfree(&type);
    regfree(&sample);
    free(m);
}

Test(http, metrics_empty_snapshot)
{
    ns_http_snap_t s = {.now = 1.0};
    char *m = s_render(ns_http_render_metrics, &s);
    cr_assert(strstr(m, "nightshift_jobs{state=\"map\"} 0\n"));
    cr_assert(strstr(m, "# TYPE nightshift_workers gauge\n"));
    free(m);
    char *h = s_render(ns_http_render_html, &s);
    cr_assert(strstr(h, "no jobs"));
    free(h);
    char *j = s_render(ns_http_render_json, &s);
    cr_assert(strstr(j, "\"jobs\":[],\"pools\":[],\"workers\":[]"), "%s", j);
    free(j);
}

/* ---- HTML and JSON ---- */

Test(http, html_escaping)
{
    ns_http_snap_t s = s_snap();
    char *h = s_render(ns_http_render_html, &s);
    cr_assert(strstr(h, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"),
              "%s", h);
    cr_assert_null(strstr(h, "<script"));
    cr_assert(strstr(h, "<tr id=\"job-evil&quot;job\\x\ny\">"));
    cr_assert(strstr(h, "a&lt;b"));
    cr_assert(strstr(h, "<td>w&lt;3&gt;</td>"));
    cr_assert(strstr(h, "po&quot;ol"));
    cr_assert(strstr(h, "<meta http-equiv=\"refresh\""));
    cr_assert(strstr(h, "pos-20261124-a1"));
    cr_assert(strstr(h, "preempting"));
    /* the running job's projection: 300 s after the snapshot */
    cr_assert(strstr(h, "2025-11-24 16:08:20Z (in 5m00s)"), "%s", h);
    /* newest job first */
    cr_assert_lt(strstr(h, "job-evil") - h, strstr(h, "job-pos-") - h);
    cr_assert(strstr(h, "</html>\n"));
    free(h);
}

Test(http, json_escaping)
{
    ns_http_snap_t s = s_snap();
    char *j = s_render(ns_http_render_json, &s);
    cr_assert(strstr(j, "\"id\":\"evil\\\"job\\\\x\\ny\""), "%s", j);
    cr_assert(strstr(j, "\"name\":\"<script>alert('x')</script> & \\\"q\\\"\""));
    cr_assert(strstr(j, "\"rows_out\":117,"));
    cr_assert(strstr(j, "\"id\":\"w-1\",\"pool\":\"nightly\",\"capacity\":\"spot\","
                        "\"state\":\"busy\",\"slots\":2,\"busy\":1}"));
    cr_assert(strstr(j, "{\"pool\":\"nightly\",\"capacity\":\"spot\",\"workers\":2,\"idle\":1,"
                        "\"busy_workers\":1,\"preempting\":0,\"slots\":4,\"busy\":1}"));
    cr_assert(strstr(j, "\"progress\":25.00,"));
    cr_assert(strstr(j, "\"projected_by\":\"bytes rate\""));
    int depth = 0;
    for (const char *p = j; *p; p++) {
        if (*p == '"')
            for (p++; *p && *p != '"'; p++)
                p += *p == '\\';
        depth += (*p == '{' || *p == '[') - (*p == '}' || *p == ']');
        cr_assert_geq(depth, 0);
    }
    cr_assert_eq(depth, 0);
    free(j);
}

Test(http, project)
{
    cr_assert_float_eq(ns_http_project(100, 200, 25, 100), 500, 1e-9);
    cr_assert_eq(ns_http_project(100, 200, 0, 100), 0);
    cr_assert_eq(ns_http_project(100, 200, 5, 0), 0);
    cr_assert_eq(ns_http_project(200, 200, 5, 10), 0);
    cr_assert_float_eq(ns_http_project(100, 200, 100, 100), 200, 1e-9);
    cr_assert_float_eq(ns_http_project(100, 200, 150, 100), 200, 1e-9);
}

/* ---- the server ---- */

/* Sends one request to 127.0.0.1:port and returns the whole answer. */
static char *s_request(int port, const char *req)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_geq(fd, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    cr_assert_eq(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    cr_assert_eq(write(fd, req, strlen(req)), (ssize_t)strlen(req));
    size_t cap = 1 << 20, len = 0;
    char *out = malloc(cap);
    ssize_t n;
    while ((n = read(fd, out + len, cap - 1 - len)) > 0)
        len += (size_t)n;
    out[len] = '\0';
    close(fd);
    return out;
}

static void s_expect(int port, const char *req, const char *status, const char *body_part)
{
    char *r = s_request(port, req);
    cr_assert_eq(strncmp(r, status, strlen(status)), 0, "%s -> %s", req, r);
    if (body_part)
        cr_assert(strstr(r, body_part), "%s -> %s", req, r);
    free(r);
}

#define S_GET(path) "GET " path " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"

Test(http, server)
{
    ns_err_t err;
    ns_http_t *h = ns_http_new("127.0.0.1:0", &err);
    cr_assert_not_null(h, "%s", err.msg);
    int port = ns_http_port(h);
    cr_assert_gt(port, 0);
    s_expect(port, S_GET("/healthz"), "HTTP/1.1 503", "no snapshot yet");
    ns_http_snap_t s = s_snap();
    cr_assert_eq(ns_http_publish(h, &s, &err), 0, "%s", err.msg);
    s_expect(port, S_GET("/healthz"), "HTTP/1.1 200", "\r\n\r\nok\n");
    s_expect(port, S_GET("/"), "HTTP/1.1 200", "Content-Type: text/html; charset=utf-8");
    s_expect(port, S_GET("/?x=1"), "HTTP/1.1 200", "pos-20261124-a1");
    s_expect(port, S_GET("/status.json"), "HTTP/1.1 200", "\"rows_out\":117,");
    s_expect(port, S_GET("/metrics"), "HTTP/1.1 200", "text/plain; version=0.0.4");
    s_expect(port, S_GET("/metrics"), "HTTP/1.1 200",
             "nightshift_job_rows_out{job=\"pos-20261124-a1\"} 117\n");
    s_expect(port, S_GET("/nope"), "HTTP/1.1 404", "not found");
    s_expect(port, S_GET("/metrics/"), "HTTP/1.1 404", NULL);
    s_expect(port, "POST /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n"
                   "Content-Length: 3\r\n\r\nabc",
             "HTTP/1.1 405", "Allow: GET, HEAD");
    s_expect(port, "DELETE / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n", "HTTP/1.1 405",
             NULL);
    char *r = s_request(port, "HEAD / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
    cr_assert_eq(strncmp(r, "HTTP/1.1 200", 12), 0, "%s", r);
    cr_assert_null(strstr(r, "<html"));
    free(r);
    /* a second publish replaces the first */
    s.njobs = 1;
    cr_assert_eq(ns_http_publish(h, &s, &err), 0);
    r = s_request(port, S_GET("/status.json"));
    cr_assert_null(strstr(r, "evil"));
    free(r);
    /* a port in use */
    char addr[32];
    snprintf(addr, sizeof addr, "127.0.0.1:%d", port);
    cr_assert_null(ns_http_new(addr, &err));
    cr_assert(strstr(err.msg, addr), "%s", err.msg);
    ns_http_destroy(&h);
    cr_assert_null(h);
    ns_http_destroy(&h);
}

Test(http, bad_addresses)
{
    const char *bad[] = {"", "127.0.0.1", "127.0.0.1:", ":7461", "127.0.0.1:70000",
                         "127.0.0.1:12x", "127.0.0.1:123456"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ns_err_t err;
        err.msg[0] = '\0';
        cr_assert_null(ns_http_new(bad[i], &err), "%s", bad[i]);
        cr_assert_neq(err.msg[0], '\0', "%s", bad[i]);
    }
}

Test(http, ipv6_loopback)
{
    ns_err_t err;
    ns_http_t *h = ns_http_new("[::1]:0", &err);
    if (!h) /* a machine without IPv6 */
        cr_skip_test("no IPv6 loopback: %s", err.msg);
    cr_assert_gt(ns_http_port(h), 0);
    ns_http_destroy(&h);
}
