/*
 * S3 settings: the environment wins over the shared files, profiles are
 * read from both files with their different section names, custom
 * endpoints switch to path style, malformed files and missing credentials
 * are clear errors; s3:// URIs split into bucket and key.
 */
#include "ns_s3conf.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static char s_dir[64], s_cred[128], s_conf[128];

static void s_write(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    cr_assert(f);
    fputs(text, f);
    fclose(f);
}

static void s_setup(void)
{
    snprintf(s_dir, sizeof s_dir, "/tmp/ns-s3conf.XXXXXX");
    cr_assert(mkdtemp(s_dir));
    snprintf(s_cred, sizeof s_cred, "%s/credentials", s_dir);
    snprintf(s_conf, sizeof s_conf, "%s/config", s_dir);
    const char *vars[] = {"AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN",
                          "AWS_PROFILE", "AWS_REGION", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL",
                          "AWS_ENDPOINT_URL_S3"};
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++)
        unsetenv(vars[i]);
    setenv("AWS_SHARED_CREDENTIALS_FILE", s_cred, 1);
    setenv("AWS_CONFIG_FILE", s_conf, 1);
}

static void s_teardown(void)
{
    unlink(s_cred);
    unlink(s_conf);
    rmdir(s_dir);
}

TestSuite(s3conf, .init = s_setup, .fini = s_teardown);

Test(s3conf, environment_wins)
{
    s_write(s_cred, "[default]\naws_access_key_id = FILEKEY\naws_secret_access_key = FILESECRET\n");
    setenv("AWS_ACCESS_KEY_ID", "test:tester", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "testing", 1);
    setenv("AWS_DEFAULT_REGION", "eu-west-1", 1);
    setenv("AWS_ENDPOINT_URL", "http://127.0.0.1:8080/", 1);
    ns_s3_config_t c;
    ns_err_t err;
    cr_assert_eq(ns_s3_config_load(&c, &err), 0, "%s", err.msg);
    cr_assert_str_eq(c.access_key, "test:tester");
    cr_assert_str_eq(c.secret_key, "testing");
    cr_assert_str_eq(c.region, "eu-west-1");
    cr_assert_str_eq(c.endpoint, "http://127.0.0.1:8080");
    cr_assert(c.path_style);
    setenv("AWS_REGION", "us-west-2", 1); /* AWS_REGION before AWS_DEFAULT_REGION */
    cr_assert_eq(ns_s3_config_load(&c, &err), 0, "%s", err.msg);
    cr_assert_str_eq(c.region, "us-west-2");
}

Test(s3conf, profiles_from_both_files)
{
    s_write(s_cred, "# comment\n[default]\naws_access_key_id=D\naws_secret_access_key=DS\n\n"
                    "[night]\n aws_access_key_id = N \naws_secret_access_key = NS\n"
                    "aws_session_token = TOK\n");
    s_write(s_conf, "[default]\nregion = us-east-2\n[profile night]\nregion = ap-south-1\n"
                    "s3 =\n  addressing_style = path\nendpoint_url = https://minio.local:9000\n");
    ns_s3_config_t c;
    ns_err_t err;
    cr_assert_eq(ns_s3_config_load(&c, &err), 0, "%s", err.msg);
    cr_assert_str_eq(c.access_key, "D");
    cr_assert_str_eq(c.region, "us-east-2");
    cr_assert_str_eq(c.endpoint, "https://s3.us-east-2.amazonaws.com");
    cr_assert_not(c.path_style);
    setenv("AWS_PROFILE", "night", 1);
    cr_assert_eq(ns_s3_config_load(&c, &err), 0, "%s", err.msg);
    cr_assert_str_eq(c.access_key, "N");
    cr_assert_str_eq(c.secret_key, "NS");
    cr_assert_str_eq(c.session_token, "TOK");
    cr_assert_str_eq(c.region, "ap-south-1");
    cr_assert_str_eq(c.endpoint, "https://minio.local:9000");
    cr_assert(c.path_style);
}

Test(s3conf, missing_credentials_and_bad_files)
{
    ns_s3_config_t c;
    ns_err_t err;
    cr_assert_eq(ns_s3_config_load(&c, &err), -1);
    cr_assert(strstr(err.msg, "no AWS credentials"), "%s", err.msg);
    s_write(s_cred, "[default\naws_access_key_id=x\n");
    cr_assert_eq(ns_s3_config_load(&c, &err), -1);
    cr_assert(strstr(err.msg, "credentials:1: unterminated section"), "%s", err.msg);
    s_write(s_cred, "[default]\naws_access_key_id=x\naws_secret_access_key=y\n");
    setenv("AWS_ENDPOINT_URL", "ftp://nope", 1);
    cr_assert_eq(ns_s3_config_load(&c, &err), -1);
    cr_assert(strstr(err.msg, "http://"), "%s", err.msg);
}

Test(s3conf, uri_parse)
{
    char bucket[64];
    const char *key;
    ns_err_t err;
    cr_assert_eq(ns_s3_uri_parse("s3://raw-feeds/pos/dt=2026-11-24/a b.gz", bucket, sizeof bucket,
                                 &key, &err), 0);
    cr_assert_str_eq(bucket, "raw-feeds");
    cr_assert_str_eq(key, "pos/dt=2026-11-24/a b.gz");
    cr_assert_eq(ns_s3_uri_parse("s3://raw-feeds", bucket, sizeof bucket, &key, &err), 0);
    cr_assert_str_eq(key, "");
    cr_assert_eq(ns_s3_uri_parse("s3://ab/x", bucket, sizeof bucket, &key, &err), -1);
    cr_assert_eq(ns_s3_uri_parse("s3://Bad_Bucket!/x", bucket, sizeof bucket, &key, &err), -1);
    cr_assert_eq(ns_s3_uri_parse("file:///x", bucket, sizeof bucket, &key, &err), -1);
    cr_assert(strstr(err.msg, "not an s3:// URI"));
}
