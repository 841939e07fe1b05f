/*
 * test_redact: masking secrets (ns_redact.h) in libpq connection strings
 * (key=value with quotes and escapes, URIs with userinfo and query
 * parameters, malformed ones), in free text (URLs, key=value, JSON,
 * headers), known secrets, truncation; the warehouse connect error scrubbed
 * of the password (ns_wh_connect, with strings libpq cannot parse and one
 * it parses but cannot reach); and the --warehouse argument masked in place.
 */
#include "ns_redact.h"
#include "ns_wh.h"

#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void s_conn(const char *in, const char *want)
{
    char out[1024];
    cr_expect_str_eq(ns_redact_conninfo(in, out, sizeof out), want, "conninfo '%s'", in);
}

static void s_text(const char *in, const char *want)
{
    char out[1024];
    cr_expect_str_eq(ns_redact_text(in, out, sizeof out), want, "text '%s'", in);
}

Test(redact, conninfo_key_value)
{
    s_conn("host=db port=5432 dbname=wh user=loader password=hunter2",
           "host=db port=5432 dbname=wh user=loader password=***");
    s_conn("password=hunter2 host=db", "password=*** host=db");
    s_conn("host=db password = hunter2  user=u", "host=db password = ***  user=u");
    s_conn("host=db password='two words' user=u", "host=db password='***' user=u");
    s_conn("host=db password='it\\'s \\\\ x' user=u", "host=db password='***' user=u");
    s_conn("host=db password=a\\ b user=u", "host=db password=*** user=u");
    s_conn("host=db sslpassword=keypass sslkey=/k.pem", "host=db sslpassword=*** sslkey=/k.pem");
    s_conn("host=db PASSWORD=x1234", "host=db PASSWORD=***");
    s_conn("host=db password='unterminated", "host=db password='***");
    s_conn("host=db password=", "host=db password=");
    s_conn("host=db dbname=wh", "host=db dbname=wh");
    s_conn("", "");
    s_conn("wh", "wh"); /* a bare database name */
    /* malformed: an unquoted password with a blank swallows the words after it */
    s_conn("host=db password=sec ret more user=u", "host=db password=*** user=u");
    /* a value that is a URI of its own */
    s_conn("dbname=postgresql://u:pw1234@h/db host=x", "dbname=postgresql://u:***@h/db host=x");
}

Test(redact, conninfo_uri)
{
    s_conn("postgresql://loader:hunter2@db.example:5432/wh",
           "postgresql://loader:***@db.example:5432/wh");
    s_conn("postgres://loader:hunter2@db/wh?sslmode=require",
           "postgres://loader:***@db/wh?sslmode=require");
    s_conn("postgresql://loader@db/wh?password=hunter2&sslmode=require",
           "postgresql://loader@db/wh?password=***&sslmode=require");
    s_conn("postgresql://db/wh?sslpassword=k&password=p%40ss", "postgresql://db/wh?sslpassword=***&password=***");
    s_conn("postgresql://u:p%40ss%zz@h1:1,h2:2/wh", "postgresql://u:***@h1:1,h2:2/wh");
    s_conn("postgresql://u:pa?ss@h/wh", "postgresql://u:***@h/wh"); /* '?' in the password */
    s_conn("postgresql:///wh?host=/tmp", "postgresql:///wh?host=/tmp");
    s_conn("postgresql://u@h/wh", "postgresql://u@h/wh");
}

static void s_collect(const char *secret, void *arg)
{
    char *all = arg;
    strcat(all, "[");
    strcat(all, secret);
    strcat(all, "]");
}

Test(redact, conninfo_secrets)
{
    char all[512] = "";
    ns_redact_conninfo_secrets("host=h password='it\\'s' sslpassword=k2", s_collect, all);
    cr_expect_str_eq(all, "[it's][it\\'s][k2]");
    all[0] = '\0';
    ns_redact_conninfo_secrets("postgresql://u:p%40ss@h/db?password=q", s_collect, all);
    cr_expect_str_eq(all, "[p@ss][p%40ss][q]");
    all[0] = '\0';
    ns_redact_conninfo_secrets("password=sec ret host=h", s_collect, all);
    cr_expect_str_eq(all, "[sec][ret]");
    all[0] = '\0';
    ns_redact_conninfo_secrets("host=h dbname=d", s_collect, all);
    cr_expect_str_eq(all, "");
}

Test(redact, text)
{
    s_text("cannot connect: postgresql://u:hunter2@h/db failed",
           "cannot connect: postgresql://u:***@h/db failed");
    s_text("GET https://user:pass@example.com/x?a=1", "GET https://user:***@example.com/x?a=1");
    s_text("see https://example.com/a@b", "see https://example.com/a@b"); /* '@' after the path */
    s_text("https://token@example.com/", "https://token@example.com/");
    s_text("host=h password=hunter2 user=u", "host=h password=*** user=u");
    s_text("host=h password='a b c' user=u", "host=h password='***' user=u");
    s_text("AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG export", "AWS_SECRET_ACCESS_KEY=*** export");
    s_text("aws_session_token = FQoGZXIvYXdz", "aws_session_token = ***");
    s_text("x-amz-security-token: FQoGZXIvYXdz\nnext", "x-amz-security-token: ***\nnext");
    s_text("https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F20261124&X-Amz-Signature=abcdef0123"
           "&X-Amz-Security-Token=tok",
           "https://b.s3.amazonaws.com/k?X-Amz-Credential=AKIA%2F20261124&X-Amz-Signature=***"
           "&X-Amz-Security-Token=***");
    s_text("Authorization: AWS4-HMAC-SHA256 Credential=AKIA/x, Signature=abc\nHost: h",
           "Authorization: ***\nHost: h");
    s_text("{\"password\": \"hunter2\", \"user\": \"u\"}", "{\"password\": \"***\", \"user\": \"u\"}");
    s_text("secret=abc;token=def,pwd=ghi", "secret=***;token=***,pwd=***");
    s_text("PGPASSWORD=x12345 psql", "PGPASSWORD=*** psql");
    /* ordinary words stay */
    s_text("password authentication failed for user \"loader\"",
           "password authentication failed for user \"loader\"");
    s_text("truncated page without a continuation token", "truncated page without a continuation token");
    s_text("unknown key 'secret' in output", "unknown key 'secret' in output");
    s_text("403 SignatureDoesNotMatch: The request signature we calculated does not match",
           "403 SignatureDoesNotMatch: The request signature we calculated does not match");
    s_text("tokens=5 passwords_seen=2", "tokens=5 passwords_seen=2");
    s_text("", "");
    s_text(NULL, "");
}

Test(redact, truncation_never_shows_a_secret)
{
    char out[24];
    ns_redact_text("a long message then host=h password=hunter2-and-more", out, sizeof out);
    cr_expect_null(strstr(out, "hunter"), "%s", out);
    cr_expect_eq(strlen(out), sizeof out - 1);
    ns_redact_text("host=h password=hunter2-and-more", out, 18); /* cut inside the mask */
    cr_expect_str_eq(out, "host=h password=*");
    char tiny[1];
    cr_expect_str_eq(ns_redact_text("password=x", tiny, sizeof tiny), "");
    ns_redact_conninfo("password=hunter2", out, 12);
    cr_expect_null(strstr(out, "hun"), "%s", out);
}

Test(redact, known_secret)
{
    char s[128] = "sig over wJalrXUtnFEMI and wJalrXUtnFEMI again";
    cr_expect_eq(ns_redact_secret(s, "wJalrXUtnFEMI"), 2);
    cr_expect_str_eq(s, "sig over *** and *** again");
    char t[32] = "abc abc";
    cr_expect_eq(ns_redact_secret(t, "abc"), 0); /* too short to mask */
    cr_expect_eq(ns_redact_secret(t, ""), 0);
    cr_expect_eq(ns_redact_secret(t, NULL), 0);
    char u[32] = "xxxxxxxx";
    cr_expect_eq(ns_redact_secret(u, "xxxx"), 2);
    cr_expect_str_eq(u, "******");
}

/* The connect error of the warehouse never quotes the password: strings
 * libpq cannot parse quote pieces of themselves, and one that parses but
 * cannot reach a server names host and port only. */
Test(redact, warehouse_connect_error_is_scrubbed)
{
    static const char *const bad[] = {
        "postgresql://loader:Sekr1t-Pw%zz@127.0.0.1:1/wh",           /* bad percent-encoding */
        "postgresql://loader:Sekr1t-Pw@127.0.0.1:1/wh?Sekr1t-Pw=1", /* unknown parameter */
        "host=127.0.0.1 port=1 password=Sekr1t Pw user=u",          /* a blank, unquoted */
        "host=127.0.0.1 port=1 password='Sekr1t-Pw",                /* unterminated quote */
        "host=127.0.0.1 port=1 connect_timeout=2 password=Sekr1t-Pw dbname=wh",
        "postgresql://loader:Sekr1t-Pw@127.0.0.1:1/wh?connect_timeout=2",
        "host=127.0.0.1 port=notaport password=Sekr1t-Pw",
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        ns_err_t err;
        ns_err_clear(&err);
        PGconn *c = ns_wh_connect(bad[i], &err);
        cr_expect_null(c, "%s", bad[i]);
        if (c)
            PQfinish(c);
        cr_expect(strstr(err.msg, "cannot connect to the warehouse"), "%s", err.msg);
        cr_expect_null(strstr(err.msg, "Sekr1t"), "'%s' gave '%s'", bad[i], err.msg);
    }
}

Test(redact, warehouse_argument_masked_in_place)
{
    char arg[] = "host=db password=hunter2 user=u";
    char *copy = ns_wh_hide_arg(arg);
    cr_assert_not_null(copy);
    cr_expect_str_eq(copy, "host=db password=hunter2 user=u");
    cr_expect_null(strstr(arg, "hunter2"), "%s", arg);
    cr_expect_eq(strncmp(arg, "host=db password=*** user=u", 27), 0, "%s", arg);
    cr_expect_eq(strlen(arg), strlen(copy), "the argument keeps its length");
    free(copy);
    char plain[] = "host=db dbname=wh";
    copy = ns_wh_hide_arg(plain);
    cr_expect_str_eq(plain, "host=db dbname=wh");
    free(copy);
    char short_pw[] = "password=ab";
    copy = ns_wh_hide_arg(short_pw);
    cr_expect_null(strstr(short_pw, "ab"), "%s", short_pw);
    free(copy);
}
