/*
 * ns_s3conf: where S3 is and who we are, from the standard AWS settings, in
 * the order the AWS CLI and SDKs use:
 *   credentials: AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY / AWS_SESSION_TOKEN,
 *                else the profile (AWS_PROFILE, default "default") in the
 *                shared credentials file (AWS_SHARED_CREDENTIALS_FILE, else
 *                ~/.aws/credentials), else in the config file;
 *   region:      AWS_REGION, else AWS_DEFAULT_REGION, else the profile's
 *                region in the config file (AWS_CONFIG_FILE, else
 *                ~/.aws/config, section [default] or [profile NAME]),
 *                else us-east-1;
 *   endpoint:    AWS_ENDPOINT_URL_S3, else AWS_ENDPOINT_URL, else the
 *                profile's endpoint_url, else https://s3.<region>.amazonaws.com;
 *                a custom endpoint uses path-style addressing.
 * Part of the S3 backend (issue 3). Secrets are only ever copied into the
 * struct; nothing here logs.
 */
#ifndef NS_S3CONF_H
#define NS_S3CONF_H

#include "ns_err.h"

#include <stdbool.h>
#include <stddef.h>

typedef struct {
    char endpoint[512];       /* scheme://host[:port], no trailing slash */
    char region[64];
    char access_key[128];
    char secret_key[256];
    char session_token[4096]; /* "" when none */
    bool path_style;          /* https://host/bucket/key rather than bucket.host/key */
    char profile[128];        /* the profile the settings came from */
} ns_s3_config_t;

/* Loads the settings; -1 with err set when no credentials are found or a
 * file is malformed (naming the file and line). */
int ns_s3_config_load(ns_s3_config_t *c, ns_err_t *err);

/* Splits s3://bucket/key into bucket (cap bytes) and a pointer to the key
 * inside uri ("" for the bucket itself). -1 if uri is not a valid S3 URI. */
int ns_s3_uri_parse(const char *uri, char *bucket, size_t cap, const char **key, ns_err_t *err);

#endif
