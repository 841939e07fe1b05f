/*
 * test_scope: the rule for the store URIs a job names (ns_scope.h): the
 * syntax (scheme, bucket, "." and "..", control characters), the store
 * roots (below a root, beside it, other buckets, a malformed list), objects
 * under a prefix, the job parser's messages naming the key, the value and
 * the variable, a job's s3.endpoint (the process's own, NIGHTSHIFT_S3_ENDPOINTS,
 * a malformed list), and the local backend below a root: no symbolic link is
 * followed, in a read, a write, a stat, a delete or a listing.
 */
#include "ns_job.h"
#include "ns_scope.h"
#include "ns_store.h"

#include <criterion/criterion.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void s_roots(const char *list)
{
    ns_err_t err;
    cr_assert_eq(ns_scope_set_roots(list, &err), 0, "%s", err.msg);
}

static void s_no_roots(void)
{
    s_roots("");
}

TestSuite(scope, .fini = s_no_roots);

/* ---- rules 1-3: the syntax ---- */

Test(scope, accepted_uris)
{
    static const char *const ok[] = {
        "/srv/ns/raw/",
        "/srv/ns/raw",
        "/",
        "file:///srv/ns/x/dt=2026-11-24/",
        "file:///",
        "s3://acme-raw",
        "s3://acme-raw/",
        "s3://acme-raw/pos/dt=2026-11-24/",
        "s3://a.b-c_d/x",
        "/a/..b/c",      /* only whole segments count */
        "/a/b../c.",
        "/a/.hidden/x",
        "/a/...",
        "/a//b",         /* an empty segment goes nowhere */
        "/a/%2e%2e/b",   /* nothing is percent-decoded: a literal name */
        "s3://bkt/%2E%2E/x",
        "/a/with space/and'quote\"/x",
        "/a/\xc3\xa9t\xc3\xa9/x",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        ns_err_t err;
        ns_err_clear(&err);
        cr_expect_eq(ns_scope_check_uri(ok[i], &err), 0, "'%s' refused: %s", ok[i], err.msg);
    }
}

Test(scope, refused_uris)
{
    static const struct {
        const char *uri, *why;
    } bad[] = {
        {"", "empty"},
        {"relative/x", "relative path"},
        {"./x", "relative path"},
        {"../x", "relative path"},
        {"raw", "relative path"},
        {"file://host/x", "host part"},
        {"file://user:pw@/x", "host part"},
        {"file:x", "relative path"},
        {"http://example.com/x", "scheme 'http'"},
        {"ftp://x/y", "scheme 'ftp'"},
        {"s3://ab/x", "bucket name of 2"},
        {"s3:///x", "bucket name of 0"},
        {"s3://Acme/x", "bad bucket name 'Acme'"},
        {"s3://user:pw@bucket/x", "bad bucket name"},
        {"s3://bucket/../x", "'..' path segment"},
        {"s3://bucket/a/..", "'..' path segment"},
        {"s3://bucket/a/./b", "'.' path segment"},
        {"s3://bucket/.", "'.' path segment"},
        {"/a/../b", "'..' path segment"},
        {"/a/..", "'..' path segment"},
        {"/..", "'..' path segment"},
        {"/../etc/passwd", "'..' path segment"},
        {"file:///a/./b", "'.' path segment"},
        {"file:///srv/ns/raw/../../etc/", "'..' path segment"},
        {"/a/.", "'.' path segment"},
        {"/a/b\nc", "control character (byte 5)"},
        {"/a\x7f", "control character"},
        {"s3://bucket/x\ty", "control character"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ns_err_t err;
        ns_err_clear(&err);
        cr_expect_eq(ns_scope_check_uri(bad[i].uri, &err), -1, "'%s' accepted", bad[i].uri);
        cr_expect(strstr(err.msg, bad[i].why), "'%s': expected '%s' in '%s'", bad[i].uri,
                  bad[i].why, err.msg);
    }
}

/* ---- rule 4: the roots ---- */

Test(scope, no_roots_confine_nothing)
{
    s_no_roots();
    ns_err_t err;
    cr_expect_eq(ns_scope_nroots(), 0);
    cr_expect_eq(ns_scope_check_roots("/etc/", true, &err), 0);
    cr_expect_eq(ns_scope_check_roots("s3://any-bucket/x", true, &err), 0);
    cr_expect_eq(ns_scope_local_root("/etc/passwd"), 0);
}

Test(scope, below_beside_and_outside_roots)
{
    s_roots(" file:///srv/ns \ts3://acme-raw\n s3://acme-wh/out/ ");
    cr_assert_eq(ns_scope_nroots(), 3);
    static const struct {
        const char *uri;
        bool listed;
        const char *why; /* NULL: accepted */
    } cases[] = {
        {"/srv/ns/raw/", true, NULL},
        {"file:///srv/ns/raw/pos/dt=2026-11-24/", true, NULL},
        {"/srv/ns/", true, NULL},           /* the whole root, as a directory */
        {"/srv/ns", false, NULL},           /* output: written below <uri>/<job id>/ */
        {"/srv/ns", true, "beside the store root"}, /* would list /srv/ns-other/ too */
        {"/srv/nsx/a", true, "outside the store roots"},
        {"/srv/ns-other/", false, "outside the store roots"},
        {"/srv/", true, "outside the store roots"},
        {"/etc/passwd", false, "outside the store roots"},
        {"file:///tmp/x/", false, "outside the store roots"},
        {"s3://acme-raw", true, NULL},      /* a whole bucket lists nothing else */
        {"s3://acme-raw/", true, NULL},
        {"s3://acme-raw/pos/x.gz", true, NULL},
        {"s3://acme-rawx/pos/", true, "bucket 'acme-rawx' is not among them"},
        {"s3://other/x", false, "bucket 'other' is not among them"},
        {"s3://acme-wh/out/retail/", true, NULL},
        {"s3://acme-wh/out", false, NULL},
        {"s3://acme-wh/out", true, "beside the store root"},
        {"s3://acme-wh/outx/", false, "bucket 'acme-wh' is not among them"},
        {"s3://acme-wh/", false, "not among them"},
        {"s3://acme-wh", false, "not among them"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        ns_err_t err;
        ns_err_clear(&err);
        int rc = ns_scope_check_roots(cases[i].uri, cases[i].listed, &err);
        if (!cases[i].why) {
            cr_expect_eq(rc, 0, "'%s' refused: %s", cases[i].uri, err.msg);
            continue;
        }
        cr_expect_eq(rc, -1, "'%s' (listed %d) accepted", cases[i].uri, cases[i].listed);
        cr_expect(strstr(err.msg, cases[i].why), "'%s': expected '%s' in '%s'", cases[i].uri,
                  cases[i].why, err.msg);
        cr_expect(strstr(err.msg, "NIGHTSHIFT_STORE_ROOTS: file:///srv/ns s3://acme-raw"),
                  "the roots are named: %s", err.msg);
    }
    cr_expect_eq(ns_scope_local_root("/srv/ns/raw/x"), strlen("/srv/ns"));
    cr_expect_eq(ns_scope_local_root("/srv/nsx/raw/x"), 0);
    cr_expect_eq(ns_scope_local_root("/srv/ns"), 0); /* the root itself is not below it */
}

Test(scope, nested_and_slash_roots)
{
    s_roots("/data /data/deep/ /");
    cr_expect_eq(ns_scope_local_root("/data/deep/x"), strlen("/data/deep"));
    cr_expect_eq(ns_scope_local_root("/data/x"), strlen("/data"));
    cr_expect_eq(ns_scope_local_root("/elsewhere/x"), 1); /* below "/" */
    ns_err_t err;
    cr_expect_eq(ns_scope_check_roots("/anything/", true, &err), 0, "%s", err.msg);
}

Test(scope, malformed_roots_fail_closed)
{
    static const char *const bad[] = {"relative/dir", "/srv/../etc", "s3://x", "http://h/b",
                                      "file://host/x"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ns_err_t err, e2;
        ns_err_clear(&err);
        cr_expect_eq(ns_scope_set_roots(bad[i], &err), -1, "root '%s' accepted", bad[i]);
        cr_expect(strstr(err.msg, "NIGHTSHIFT_STORE_ROOTS: bad root"), "%s", err.msg);
        /* every check fails with that message until the roots are fixed */
        cr_expect_eq(ns_scope_check_roots("/srv/ns/x/", true, &e2), -1);
        cr_expect_str_eq(e2.msg, err.msg);
    }
    s_roots("/srv/ns");
    ns_err_t err;
    cr_expect_eq(ns_scope_check_roots("/srv/ns/x/", true, &err), 0, "%s", err.msg);
}

Test(scope, roots_from_the_environment)
{
    setenv("NIGHTSHIFT_STORE_ROOTS", "s3://env-bucket", 1);
    ns_err_t err;
    cr_assert_eq(ns_scope_set_roots(NULL, &err), 0, "%s", err.msg);
    cr_expect_eq(ns_scope_check_roots("s3://env-bucket/x", true, &err), 0);
    cr_expect_eq(ns_scope_check_roots("s3://other/x", true, &err), -1);
    unsetenv("NIGHTSHIFT_STORE_ROOTS");
    cr_assert_eq(ns_scope_set_roots(NULL, &err), 0, "%s", err.msg);
    cr_expect_eq(ns_scope_nroots(), 0);
}

/* ---- objects under a prefix ---- */

Test(scope, within)
{
    ns_err_t err;
    cr_expect_eq(ns_scope_within("/r/in/a.csv", "/r/in/", &err), 0, "%s", err.msg);
    cr_expect_eq(ns_scope_within("s3://bkt/in/dt=1/a.gz", "s3://bkt/in/", &err), 0, "%s", err.msg);
    cr_expect_eq(ns_scope_within("s3://bkt/in-2/a", "s3://bkt/in", &err), 0,
                 "a prefix is a byte prefix, as listing means: %s", err.msg);
    cr_expect_eq(ns_scope_within("/r/other/a.csv", "/r/in/", &err), -1);
    cr_expect(strstr(err.msg, "'/r/other/a.csv' is not under '/r/in/'"), "%s", err.msg);
    cr_expect_eq(ns_scope_within("/r/in/../secret", "/r/in/", &err), -1);
    cr_expect(strstr(err.msg, "'..' path segment"), "%s", err.msg);
    cr_expect_eq(ns_scope_within("s3://bkt/in/../../x", "s3://bkt/in/", &err), -1);
    cr_expect_eq(ns_scope_within("file:///r/in/a", "/r/in/", &err), -1); /* as listed, or not */
    cr_expect_eq(ns_scope_within("/r/in/a", "", &err), -1);
}

/* ---- the job parser ---- */

static ns_job_t *s_job(const char *in, const char *lookup, const char *out, const ns_var_t *vars,
                       int nvars, ns_err_t *err)
{
    char yaml[4096];
    int n = snprintf(yaml, sizeof yaml,
                     "name: t\n"
                     "input:\n"
                     "  uri: '%s'\n"
                     "  columns: [{name: a, type: string}]\n",
                     in);
    if (lookup)
        n += snprintf(yaml + n, sizeof yaml - (size_t)n,
                      "lookups:\n"
                      "  - name: m\n"
                      "    input: {uri: '%s', columns: [{name: a, type: string}]}\n"
                      "    key: [a]\n",
                      lookup);
    snprintf(yaml + n, sizeof yaml - (size_t)n,
             "transform: [{name: a, from: a}]\n"
             "output: {uri: '%s', table: t, sort_key: [a]}\n",
             out);
    return ns_job_parse(yaml, strlen(yaml), "h.yaml", vars, nvars, err);
}

static void s_job_bad(const char *in, const char *lookup, const char *out, const ns_var_t *vars,
                      int nvars, const char *want)
{
    ns_err_t err;
    ns_err_clear(&err);
    ns_job_t *j = s_job(in, lookup, out, vars, nvars, &err);
    cr_expect_null(j, "accepted: in '%s' lookup '%s' out '%s'", in, lookup ? lookup : "-", out);
    ns_job_destroy(&j);
    cr_expect(strstr(err.msg, want), "expected '%s' in '%s'", want, err.msg);
}

Test(scope, job_parser_names_key_and_value)
{
    s_roots("/srv/ns s3://acme-raw");
    const ns_var_t vars[] = {{"raw", "/srv/ns/raw"}, {"out", "/srv/ns/out"},
                             {"evil", "/srv/ns/raw/../../../etc"}, {"up", ".."},
                             {"date", "2026-11-24"}};
    ns_err_t err;
    ns_job_t *j = s_job("{raw}/pos/dt={date}/", "s3://acme-raw/master/", "{out}/t/", vars, 5, &err);
    cr_assert(j, "%s", err.msg);
    cr_expect_str_eq(j->input_uri, "/srv/ns/raw/pos/dt=2026-11-24/");
    ns_job_destroy(&j);

    s_job_bad("/srv/ns/raw/../../etc/", NULL, "/srv/ns/out/", vars, 5,
              "h.yaml:3:8: input.uri '/srv/ns/raw/../../etc/' is refused: a '..' path segment");
    s_job_bad("/etc/", NULL, "/srv/ns/out/", vars, 5,
              "h.yaml:3:8: input.uri '/etc/' is refused: it is outside the store roots");
    s_job_bad("file:///srv/ns/raw/", NULL, "/tmp/elsewhere/", vars, 5,
              "output.uri '/tmp/elsewhere/' is refused: it is outside the store roots");
    s_job_bad("s3://other-bucket/x/", NULL, "/srv/ns/out/", vars, 5,
              "input.uri 's3://other-bucket/x/' is refused: it is outside the store roots: "
              "bucket 'other-bucket' is not among them");
    s_job_bad("/srv/ns/raw/", "s3://secrets/keys/", "/srv/ns/out/", vars, 5,
              "h.yaml:7:18: lookups[0].input.uri 's3://secrets/keys/' is refused");
    s_job_bad("/srv/ns/raw/", "file://evil.example/x", "/srv/ns/out/", vars, 5,
              "lookups[0].input.uri 'file://evil.example/x' is refused: a file:// URI with a host");
    s_job_bad("{evil}/x/", NULL, "/srv/ns/out/", vars, 5,
              "h.yaml:3:8: variable 'evil' in input.uri is '/srv/ns/raw/../../../etc': a '..' "
              "path segment is not allowed");
    s_job_bad("/srv/ns/raw/", NULL, "/srv/ns/{up}/{up}/tmp/", vars, 5,
              "variable 'up' in output.uri is '..'");
    s_job_bad("raw/pos/", NULL, "/srv/ns/out/", vars, 5, "is refused: a relative path");
    s_job_bad("/srv/ns/raw/", NULL, "/srv/ns/out/./x", vars, 5, "a '.' path segment");

    /* without roots, the syntax still holds */
    s_no_roots();
    j = s_job("/etc/", NULL, "/tmp/out/", vars, 5, &err);
    cr_assert(j, "%s", err.msg);
    ns_job_destroy(&j);
    s_job_bad("/tmp/a/../b/", NULL, "/tmp/out/", vars, 5, "'..' path segment");
}

Test(scope, s3_endpoint_holds_no_credentials)
{
    const char *yaml = "name: t\ninput: {uri: 's3://bkt/in/', columns: [{name: a, type: string}]}\n"
                       "transform: [{name: a, from: a}]\n"
                       "output: {uri: 's3://bkt/out/', table: t, sort_key: [a]}\n"
                       "s3: {endpoint: 'http://AKIA:s3cr3t@127.0.0.1:9000'}\n";
    ns_err_t err;
    ns_job_t *j = ns_job_parse(yaml, strlen(yaml), "e.yaml", NULL, 0, &err);
    cr_expect_null(j);
    ns_job_destroy(&j);
    cr_expect(strstr(err.msg, "s3.endpoint must not hold a user or password"), "%s", err.msg);
    cr_expect_null(strstr(err.msg, "s3cr3t"), "%s", err.msg);
}

/* ---- a job's s3.endpoint ---- */

/* This process's own S3 settings: keys in the environment and endpoint
 * own (NULL: none, so AWS's https://s3.eu-west-1.amazonaws.com). */
static void s_own_endpoint(const char *own)
{
    setenv("AWS_ACCESS_KEY_ID", "AKIDTEST", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "secret-for-the-test", 1);
    setenv("AWS_REGION", "eu-west-1", 1);
    unsetenv("AWS_ENDPOINT_URL_S3");
    if (own)
        setenv("AWS_ENDPOINT_URL", own, 1);
    else
        unsetenv("AWS_ENDPOINT_URL");
}

static void s_endpoints(const char *list)
{
    ns_err_t err;
    cr_assert_eq(ns_scope_set_endpoints(list, &err), 0, "%s", err.msg);
}

Test(scope, s3_endpoints_allowed_and_refused)
{
    s_own_endpoint("http://127.0.0.1:9000");
    s_endpoints("https://minio.acme.internal:9000\thttp://10.0.0.5:9000/ ");
    static const char *const ok[] = {
        "http://127.0.0.1:9000",   /* the process's own */
        "http://127.0.0.1:9000/",
        "https://minio.acme.internal:9000",
        "https://MINIO.Acme.internal:9000/", /* host names have no letter case */
        "https://minio.acme.internal:9000/ignored/path", /* as the S3 backend ignores it */
        "http://10.0.0.5:9000",
    };
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        ns_err_t err;
        ns_err_clear(&err);
        cr_expect_eq(ns_scope_check_endpoint(ok[i], &err), 0, "'%s' refused: %s", ok[i], err.msg);
    }
    static const char *const bad[] = {
        "http://evil.example:9000",
        "http://127.0.0.1:9001",           /* another port of the same host */
        "https://127.0.0.1:9000",          /* another scheme */
        "https://minio.acme.internal",     /* written otherwise: no port */
        "http://minio.acme.internal:9000", /* another scheme */
        "http://10.0.0.5:9000.evil.example",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ns_err_t err;
        ns_err_clear(&err);
        cr_expect_eq(ns_scope_check_endpoint(bad[i], &err), -1, "'%s' accepted", bad[i]);
        cr_expect_str_eq(err.msg,
                         "it is neither this process's own S3 endpoint (http://127.0.0.1:9000) nor "
                         "listed in NIGHTSHIFT_S3_ENDPOINTS (https://minio.acme.internal:9000 "
                         "http://10.0.0.5:9000/)");
    }
    /* what is not scheme://host[:port] matches nothing */
    static const char *const odd[] = {
        "http://127.0.0.1:9000@evil.example", "http://evil.example#@127.0.0.1:9000",
        "http://127.0.0.1:9000?x", "ftp://127.0.0.1:9000", "http://", "http:///x", "127.0.0.1:9000",
    };
    for (size_t i = 0; i < sizeof odd / sizeof *odd; i++) {
        ns_err_t err;
        cr_expect_eq(ns_scope_check_endpoint(odd[i], &err), -1, "'%s' accepted", odd[i]);
        cr_expect(strstr(err.msg, "it is not http://host[:port] or https://host[:port]"), "%s: %s",
                  odd[i], err.msg);
    }
}

Test(scope, s3_endpoints_without_a_list)
{
    /* unset: only the process's own endpoint (here AWS's, from the region) */
    s_own_endpoint(NULL);
    unsetenv("NIGHTSHIFT_S3_ENDPOINTS");
    ns_err_t err;
    cr_assert_eq(ns_scope_set_endpoints(NULL, &err), 0, "%s", err.msg);
    cr_expect_eq(ns_scope_check_endpoint("https://s3.eu-west-1.amazonaws.com", &err), 0, "%s",
                 err.msg);
    cr_expect_eq(ns_scope_check_endpoint("http://127.0.0.1:9000", &err), -1);
    cr_expect_str_eq(err.msg, "it is neither this process's own S3 endpoint "
                              "(https://s3.eu-west-1.amazonaws.com) nor listed in "
                              "NIGHTSHIFT_S3_ENDPOINTS (unset or empty)");
    /* from the environment */
    setenv("NIGHTSHIFT_S3_ENDPOINTS", "http://127.0.0.1:9000", 1);
    cr_assert_eq(ns_scope_set_endpoints(NULL, &err), 0, "%s", err.msg);
    cr_expect_eq(ns_scope_check_endpoint("http://127.0.0.1:9000", &err), 0, "%s", err.msg);
    unsetenv("NIGHTSHIFT_S3_ENDPOINTS");
    s_endpoints(NULL);
    cr_expect_eq(ns_scope_check_endpoint("http://127.0.0.1:9000", &err), -1);
}

Test(scope, malformed_endpoints_fail_closed)
{
    s_own_endpoint("http://127.0.0.1:9000");
    static const char *const bad[] = {"minio:9000", "s3://bucket", "http://u:p@h:9000",
                                      "https://", "http://h:9000?x=1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ns_err_t err, e2;
        ns_err_clear(&err);
        cr_expect_eq(ns_scope_set_endpoints(bad[i], &err), -1, "'%s' accepted", bad[i]);
        cr_expect(strstr(err.msg, "NIGHTSHIFT_S3_ENDPOINTS: bad endpoint"), "%s", err.msg);
        cr_expect_null(strstr(err.msg, "u:p"), "%s", err.msg);
        /* every check fails with that message, even of the process's own endpoint */
        cr_expect_eq(ns_scope_check_endpoint("http://127.0.0.1:9000", &e2), -1);
        cr_expect_str_eq(e2.msg, err.msg);
    }
    s_endpoints("");
    ns_err_t err;
    cr_expect_eq(ns_scope_check_endpoint("http://127.0.0.1:9000", &err), 0, "%s", err.msg);
}

Test(scope, job_s3_endpoint_is_checked_at_parse)
{
    s_own_endpoint("http://127.0.0.1:9000");
    s_endpoints("https://minio.acme.internal:9000");
    static const ns_var_t vars[] = {{"s3host", "evil.example"}};
    char yaml[1024];
    const char *head = "name: t\ninput: {uri: 's3://bkt/in/', columns: [{name: a, type: string}]}\n"
                       "transform: [{name: a, from: a}]\n"
                       "output: {uri: 's3://bkt/out/', table: t, sort_key: [a]}\n";
    static const char *const ok[] = {"http://127.0.0.1:9000", "https://minio.acme.internal:9000"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(yaml, sizeof yaml, "%ss3: {endpoint: '%s', region: x}\n", head, ok[i]);
        ns_err_t err;
        ns_job_t *j = ns_job_parse(yaml, strlen(yaml), "e.yaml", vars, 1, &err);
        cr_expect(j, "%s: %s", ok[i], err.msg);
        ns_job_destroy(&j);
    }
    snprintf(yaml, sizeof yaml, "%ss3: {endpoint: 'http://{s3host}:9000'}\n", head);
    ns_err_t err;
    ns_job_t *j = ns_job_parse(yaml, strlen(yaml), "e.yaml", vars, 1, &err);
    cr_expect_null(j);
    ns_job_destroy(&j);
    cr_expect(strstr(err.msg, "e.yaml:5:16: s3.endpoint 'http://evil.example:9000' is refused: it "
                              "is neither this process's own S3 endpoint (http://127.0.0.1:9000) "
                              "nor listed in NIGHTSHIFT_S3_ENDPOINTS "
                              "(https://minio.acme.internal:9000)"),
              "%s", err.msg);
    s_endpoints("");
}

/* ---- the local backend below a root ---- */

static char s_dir[256];

static int s_rm_one(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    return remove(path);
}

static void s_setup_dir(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/ns_test_scope.XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
}

static void s_teardown_dir(void)
{
    s_no_roots();
    nftw(s_dir, s_rm_one, 16, FTW_DEPTH | FTW_PHYS);
}

static void s_file(const char *rel, const char *text)
{
    char p[512];
    snprintf(p, sizeof p, "%s/%s", s_dir, rel);
    FILE *f = fopen(p, "w");
    cr_assert(f, "%s", p);
    fputs(text, f);
    fclose(f);
}

static const char *s_at(char *out, const char *rel)
{
    snprintf(out, NS_URI_MAX, "file://%s/%s", s_dir, rel);
    return out;
}

static int s_count(const ns_object_t *o, void *arg)
{
    (void)o;
    ++*(int *)arg;
    return 0;
}

Test(scope, local_backend_follows_no_link_below_a_root, .init = s_setup_dir,
     .fini = s_teardown_dir)
{
    char root[300], outside[300], p[512], uri[NS_URI_MAX], uri2[NS_URI_MAX];
    snprintf(root, sizeof root, "%s/root", s_dir);
    snprintf(outside, sizeof outside, "%s/outside", s_dir);
    cr_assert_eq(mkdir(root, 0755), 0);
    cr_assert_eq(mkdir(outside, 0755), 0);
    s_file("outside/secret.txt", "secret\n");
    s_file("root/in.txt", "inside\n");
    /* links planted inside the root: to a file and to a directory outside */
    snprintf(p, sizeof p, "%s/link.txt", root);
    cr_assert_eq(symlink("../outside/secret.txt", p), 0);
    snprintf(p, sizeof p, "%s/dirlink", root);
    cr_assert_eq(symlink(outside, p), 0);
    ns_err_t err;
    char *data;
    size_t len;

    /* without roots, links are followed as before */
    s_no_roots();
    cr_assert_eq(ns_store_get(s_at(uri, "root/link.txt"), 1024, &data, &len, &err), 0, "%s",
                 err.msg);
    free(data);

    s_roots(root);
    cr_assert_eq(ns_store_get(s_at(uri, "root/in.txt"), 1024, &data, &len, &err), 0, "%s",
                 err.msg);
    cr_expect_eq(len, 7);
    free(data);
    /* read through a link to a file, through a link to a directory */
    cr_expect_eq(ns_store_get(s_at(uri, "root/link.txt"), 1024, &data, &len, &err), -1);
    cr_expect(strstr(err.msg, "symbolic link below the store root"), "%s", err.msg);
    cr_expect_eq(ns_store_get(s_at(uri, "root/dirlink/secret.txt"), 1024, &data, &len, &err), -1);
    cr_expect(strstr(err.msg, "symbolic link below the store root"), "%s", err.msg);
    ns_object_t o;
    cr_expect_eq(ns_store_head(s_at(uri, "root/dirlink/secret.txt"), &o, &err), -1);
    cr_expect_eq(ns_store_head(s_at(uri, "root/link.txt"), &o, &err), -1);
    cr_expect(strstr(err.msg, "symbolic link"), "%s", err.msg);
    /* a write through a link to a directory */
    cr_expect_eq(ns_store_put(s_at(uri, "root/dirlink/planted.txt"), "x", 1, &err), -1);
    cr_expect(strstr(err.msg, "symbolic link below the store root"), "%s", err.msg);
    snprintf(p, sizeof p, "%s/planted.txt", outside);
    cr_expect_neq(access(p, F_OK), 0, "nothing may be written outside the root");
    /* a delete through it */
    cr_expect_eq(ns_store_delete(s_at(uri, "root/dirlink/secret.txt"), &err), -1);
    snprintf(p, sizeof p, "%s/secret.txt", outside);
    cr_expect_eq(access(p, F_OK), 0, "nothing outside the root is deleted");
    /* a write replaces a link to a file by an object, never writes through it */
    cr_expect_eq(ns_store_put(s_at(uri, "root/link.txt"), "new\n", 4, &err), 0, "%s", err.msg);
    cr_assert_eq(ns_store_get(s_at(uri2, "outside/secret.txt"), 1024, &data, &len, &err), 0);
    cr_expect_eq(len, 7, "the file outside is unchanged");
    free(data);
    /* writes below the root create what is missing */
    cr_expect_eq(ns_store_put(s_at(uri, "root/a/b/c.txt"), "c", 1, &err), 0, "%s", err.msg);
    /* listing skips the link to a directory */
    int n = 0;
    snprintf(uri, sizeof uri, "file://%s/", root);
    cr_expect_eq(ns_store_list(uri, s_count, &n, &err), 3, "%s", err.msg); /* in, link, a/b/c */
    n = 0;
    snprintf(uri, sizeof uri, "file://%s/dirlink/", root);
    cr_expect_eq(ns_store_list(uri, s_count, &n, &err), -1);
    cr_expect(strstr(err.msg, "symbolic link"), "%s", err.msg);
    /* "." and ".." never reach the backend's files, root or not */
    cr_expect_eq(ns_store_get(s_at(uri, "root/../outside/secret.txt"), 1024, &data, &len, &err),
                 -1);
    cr_expect(strstr(err.msg, "'..' path segment"), "%s", err.msg);
    s_no_roots();
    cr_expect_eq(ns_store_put(s_at(uri, "root/./x.txt"), "x", 1, &err), -1);
    cr_expect(strstr(err.msg, "'.' path segment"), "%s", err.msg);
}

Test(scope, local_root_is_created_on_first_write, .init = s_setup_dir, .fini = s_teardown_dir)
{
    char root[300], uri[NS_URI_MAX];
    snprintf(root, sizeof root, "%s/new/root", s_dir);
    s_roots(root);
    ns_err_t err;
    cr_expect_eq(ns_store_put(s_at(uri, "new/root/x/y.txt"), "y", 1, &err), 0, "%s", err.msg);
    char *data;
    size_t len;
    cr_expect_eq(ns_store_get(uri, 16, &data, &len, &err), 0, "%s", err.msg);
    free(data);
}
