/*
 * ns_log: timestamped, levelled log lines on stderr (see ns_log.h).
 * One fprintf per record so lines from threads do not interleave. Every
 * line passes ns_redact_text, so a password or token that reached a
 * message by mistake is masked.
 */
#include "ns_log.h"

#include "ns_redact.h"

#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static char s_name[32] = "nightshift";
static int s_level = -1;

void ns_log_set_name(const char *name)
{
    snprintf(s_name, sizeof s_name, "%s", name);
}

void ns_log_set_level(ns_log_level_t level)
{
    s_level = (int)level;
}

static int s_current_level(void)
{
    if (s_level >= 0)
        return s_level;
    const char *env = getenv("NIGHTSHIFT_LOG");
    s_level = NS_LOG_INFO;
    if (env) {
        if (!strcasecmp(env, "error")) s_level = NS_LOG_ERROR;
        else if (!strcasecmp(env, "warn")) s_level = NS_LOG_WARN;
        else if (!strcasecmp(env, "debug")) s_level = NS_LOG_DEBUG;
    }
    return s_level;
}

void ns_log(ns_log_level_t level, const char *fmt, ...)
{
    if ((int)level > s_current_level())
        return;
    static const char *names[] = {"ERROR", "WARN ", "INFO ", "DEBUG"};
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    char raw[2048], msg[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(raw, sizeof raw, fmt, ap);
    va_end(ap);
    ns_redact_text(raw, msg, sizeof msg); /* the last line of defense (docs/SECURITY.md) */
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s %s: %s\n",
            tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
            tm.tm_sec, ts.tv_nsec / 1000000, names[level], s_name, msg);
}

void ns_child_stdio(const char *path)
{
    int fd = open(path ? path : "/dev/null", O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
    int nul = open("/dev/null", O_RDONLY | O_CLOEXEC);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
    }
    if (nul >= 0)
        dup2(nul, STDIN_FILENO);
}
