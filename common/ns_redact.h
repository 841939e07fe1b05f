/*
 * ns_redact: keeps secrets out of what nightshift prints, logs and stores
 * (docs/SECURITY.md, "Credentials").
 *
 * The first rule is that a secret never leaves the process that needs it:
 * the warehouse connection string stays in the CLI that loads, the AWS
 * keys in the processes that sign requests. These helpers are the second
 * line, for every place a connection string, a URL or a message that may
 * quote one is printed:
 *
 *   ns_redact_conninfo  a libpq connection string, key=value
 *                       ("host=h password=s") or URI
 *                       ("postgresql://u:s@h/db?sslpassword=s"), with the
 *                       values of password and sslpassword masked;
 *   ns_redact_text      free text (a log line, an error message): masks the
 *                       password of any "scheme://user:password@", the value
 *                       of any key=value or key: value whose key is, or
 *                       ends with, password, passwd, secret, secret_key,
 *                       secret_access_key, token or signature (in any case,
 *                       '-' or '_'), and the rest of the line after
 *                       "Authorization:";
 *   ns_redact_secret    every occurrence of one known secret (the AWS
 *                       secret key, a session token, a password parsed out
 *                       of a connection string).
 *
 * A masked value reads "***". Output is truncated to the caller's buffer,
 * never in a way that shows part of a secret. Nothing allocates.
 */
#ifndef NS_REDACT_H
#define NS_REDACT_H

#include <stddef.h>

#define NS_REDACT_MASK "***"

/* conninfo with its passwords masked into out (cap > 0 bytes); returns out. */
char *ns_redact_conninfo(const char *conninfo, char *out, size_t cap);

/* text with what looks like a secret masked into out (cap > 0 bytes);
 * returns out. out may not alias text. */
char *ns_redact_text(const char *text, char *out, size_t cap);

/* Masks every occurrence of secret in the NUL-terminated s, in place.
 * Secrets shorter than 4 bytes are left alone (they would mask ordinary
 * words, and are no secret). Returns how many were masked. */
int ns_redact_secret(char *s, const char *secret);

/* Calls fn with each secret value (password, sslpassword, and in a URI
 * the userinfo password, each decoded as libpq would) of a connection
 * string, as a NUL-terminated string; for the raw text as well when it
 * differs (percent-encoded, quoted). */
void ns_redact_conninfo_secrets(const char *conninfo, void (*fn)(const char *secret, void *arg),
                                void *arg);

#endif
