/*
 * ns_s3conf: AWS settings from the environment and the shared files (see
 * ns_s3conf.h for the order).
 */
#include "ns_s3conf.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *s_env(const char *name)
{
    const char *v = getenv(name);
    return v && *v ? v : NULL;
}

static void s_trim(char *s)
{
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    size_t i = 0;
    while (s[i] && isspace((unsigned char)s[i]))
        i++;
    memmove(s, s + i, strlen(s + i) + 1);
}

/* Looks key up in section of an INI file; 1 found, 0 not, -1 malformed. */
static int s_ini_get(const char *path, const char *section, const char *key, char *out,
                     size_t cap, ns_err_t *err)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    char line[8192];
    int in = 0, lineno = 0, found = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        if (!strchr(line, '\n') && !feof(f)) {
            fclose(f);
            return ns_errf(err, "%s:%d: line too long", path, lineno);
        }
        s_trim(line);
        if (!line[0] || line[0] == '#' || line[0] == ';')
            continue;
        if (line[0] == '[') {
            char *end = strchr(line, ']');
            if (!end) {
                fclose(f);
                return ns_errf(err, "%s:%d: unterminated section header", path, lineno);
            }
            *end = '\0';
            char *name = line + 1;
            s_trim(name);
            in = !strcmp(name, section);
            continue;
        }
        if (!in)
            continue;
        char *eq = strchr(line, '=');
        if (!eq)
            continue; /* nested settings (s3 = ...) and the like */
        *eq = '\0';
        char *k = line, *v = eq + 1;
        s_trim(k);
        s_trim(v);
        if (!strcmp(k, key)) {
            if (strlen(v) >= cap) {
                fclose(f);
                return ns_errf(err, "%s:%d: value of '%s' too long", path, lineno, key);
            }
            memcpy(out, v, strlen(v) + 1);
            found = 1;
        }
    }
    fclose(f);
    return found;
}

static void s_path(char *out, size_t cap, const char *env, const char *file)
{
    const char *e = s_env(env);
    if (e) {
        snprintf(out, cap, "%s", e);
        return;
    }
    const char *home = s_env("HOME");
    snprintf(out, cap, "%s/.aws/%s", home ? home : "", file);
}

int ns_s3_config_load(ns_s3_config_t *c, ns_err_t *err)
{
    memset(c, 0, sizeof *c);
    const char *profile = s_env("AWS_PROFILE");
    snprintf(c->profile, sizeof c->profile, "%s", profile ? profile : "default");
    char cred[1024], conf[1024], conf_section[160];
    s_path(cred, sizeof cred, "AWS_SHARED_CREDENTIALS_FILE", "credentials");
    s_path(conf, sizeof conf, "AWS_CONFIG_FILE", "config");
    if (!strcmp(c->profile, "default"))
        snprintf(conf_section, sizeof conf_section, "default");
    else
        snprintf(conf_section, sizeof conf_section, "profile %s", c->profile);

    const char *ak = s_env("AWS_ACCESS_KEY_ID"), *sk = s_env("AWS_SECRET_ACCESS_KEY");
    if (ak && sk) {
        if (strlen(ak) >= sizeof c->access_key || strlen(sk) >= sizeof c->secret_key)
            return ns_errf(err, "AWS credentials in the environment are too long");
        snprintf(c->access_key, sizeof c->access_key, "%s", ak);
        snprintf(c->secret_key, sizeof c->secret_key, "%s", sk);
        const char *tok = s_env("AWS_SESSION_TOKEN");
        if (tok && strlen(tok) >= sizeof c->session_token)
            return ns_errf(err, "AWS_SESSION_TOKEN is too long");
        snprintf(c->session_token, sizeof c->session_token, "%s", tok ? tok : "");
    } else {
        const char *files[2] = {cred, conf};
        const char *sections[2] = {c->profile, conf_section};
        for (int i = 0; i < 2 && !c->access_key[0]; i++) {
            int a = s_ini_get(files[i], sections[i], "aws_access_key_id", c->access_key,
                              sizeof c->access_key, err);
            int b = s_ini_get(files[i], sections[i], "aws_secret_access_key", c->secret_key,
                              sizeof c->secret_key, err);
            if (a < 0 || b < 0)
                return -1;
            if (a && b) {
                if (s_ini_get(files[i], sections[i], "aws_session_token", c->session_token,
                              sizeof c->session_token, err) < 0)
                    return -1;
            } else {
                c->access_key[0] = c->secret_key[0] = '\0';
            }
        }
        if (!c->access_key[0])
            return ns_errf(err,
                           "no AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, "
                           "or profile '%s' in '%s'",
                           c->profile, cred);
    }

    const char *region = s_env("AWS_REGION");
    if (!region)
        region = s_env("AWS_DEFAULT_REGION");
    if (region) {
        snprintf(c->region, sizeof c->region, "%s", region);
    } else {
        int r = s_ini_get(conf, conf_section, "region", c->region, sizeof c->region, err);
        if (r < 0)
            return -1;
        if (!r)
            snprintf(c->region, sizeof c->region, "us-east-1");
    }

    const char *ep = s_env("AWS_ENDPOINT_URL_S3");
    if (!ep)
        ep = s_env("AWS_ENDPOINT_URL");
    char file_ep[512] = "";
    if (!ep) {
        int r = s_ini_get(conf, conf_section, "endpoint_url", file_ep, sizeof file_ep, err);
        if (r < 0)
            return -1;
        if (r)
            ep = file_ep;
    }
    if (ep) {
        if (strncmp(ep, "http://", 7) && strncmp(ep, "https://", 8))
            return ns_errf(err, "endpoint '%s' must start with http:// or https://", ep);
        if (strlen(ep) >= sizeof c->endpoint)
            return ns_errf(err, "endpoint '%s' is too long", ep);
        snprintf(c->endpoint, sizeof c->endpoint, "%s", ep);
        size_t n = strlen(c->endpoint);
        while (n > 8 && c->endpoint[n - 1] == '/')
            c->endpoint[--n] = '\0';
        c->path_style = true;
    } else {
        snprintf(c->endpoint, sizeof c->endpoint, "https://s3.%s.amazonaws.com", c->region);
        c->path_style = false;
    }
    return 0;
}

int ns_s3_uri_parse(const char *uri, char *bucket, size_t cap, const char **key, ns_err_t *err)
{
    if (strncmp(uri, "s3://", 5))
        return ns_errf(err, "'%s' is not an s3:// URI", uri);
    const char *b = uri + 5, *slash = strchr(b, '/');
    size_t bl = slash ? (size_t)(slash - b) : strlen(b);
    if (bl < 3 || bl > 63)
        return ns_errf(err, "bad bucket name in '%s' (3 to 63 characters)", uri);
    for (size_t i = 0; i < bl; i++) {
        char ch = b[i];
        if (!(islower((unsigned char)ch) || isdigit((unsigned char)ch) || ch == '-' || ch == '.' ||
              ch == '_'))
            return ns_errf(err, "bad bucket name in '%s'", uri);
    }
    if (bl >= cap)
        return ns_errf(err, "bucket name in '%s' too long", uri);
    memcpy(bucket, b, bl);
    bucket[bl] = '\0';
    *key = slash ? slash + 1 : b + bl;
    return 0;
}
