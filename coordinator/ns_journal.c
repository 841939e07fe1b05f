/*
 * ns_journal: framed, checksummed, synced append-only records (ns_journal.h).
 */
#include "ns_journal.h"

#include "ns_log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

struct ns_journal {
    int fd;          /* open for append */
    char *path;      /* for messages */
    long replayed;   /* records read at open */
};

static void s_put32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

static uint32_t s_get32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static int s_replay(ns_journal_t *j, ns_journal_fn fn, void *arg, ns_err_t *err)
{
    struct stat st;
    if (fstat(j->fd, &st))
        return ns_errf(err, "cannot stat journal '%s': %s", j->path, strerror(errno));
    size_t size = (size_t)st.st_size;
    uint8_t *data = size ? malloc(size) : NULL;
    if (size && !data)
        return ns_errf(err, "out of memory reading journal '%s'", j->path);
    size_t got = 0;
    while (got < size) {
        ssize_t n = pread(j->fd, data + got, size - got, (off_t)got);
        if (n <= 0) {
            free(data);
            return ns_errf(err, "cannot read journal '%s': %s", j->path,
                           n < 0 ? strerror(errno) : "short read");
        }
        got += (size_t)n;
    }
    size_t off = 0;
    int rc = 0;
    while (off + 8 <= size) {
        uint32_t len = s_get32(data + off);
        uint32_t crc = s_get32(data + off + 4);
        if (len > size - off - 8)
            break;
        if ((uint32_t)crc32(0, data + off + 8, len) != crc)
            break;
        ns_msg_t m;
        ns_err_t e;
        if (ns_msg_decode(&m, data + off + 8, len, false, &e)) {
            ns_warn("journal '%s': record at %zu undecodable (%s); stopping there", j->path, off,
                    e.msg);
            break;
        }
        rc = fn ? fn(&m, arg) : 0;
        ns_msg_free(&m);
        if (rc) {
            free(data);
            return rc;
        }
        j->replayed++;
        off += 8 + len;
    }
    free(data);
    if (off < size) {
        ns_warn("journal '%s': truncating %zu bytes of torn or corrupt tail at %zu", j->path,
                size - off, off);
        if (ftruncate(j->fd, (off_t)off) || fdatasync(j->fd))
            return ns_errf(err, "cannot truncate journal '%s': %s", j->path, strerror(errno));
    }
    if (lseek(j->fd, (off_t)off, SEEK_SET) < 0)
        return ns_errf(err, "cannot seek journal '%s': %s", j->path, strerror(errno));
    return 0;
}

ns_journal_t *ns_journal_open(const char *path, ns_journal_fn fn, void *arg, ns_err_t *err)
{
    ns_journal_t *j = calloc(1, sizeof *j);
    if (!j) {
        ns_errf(err, "out of memory");
        return NULL;
    }
    j->path = strdup(path);
    j->fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (!j->path || j->fd < 0) {
        ns_errf(err, "cannot open journal '%s': %s", path, strerror(errno));
        ns_journal_close(&j);
        return NULL;
    }
    if (s_replay(j, fn, arg, err)) {
        ns_journal_close(&j);
        return NULL;
    }
    return j;
}

int ns_journal_append(ns_journal_t *j, const ns_msgb_t *b, ns_err_t *err)
{
    size_t len = b->sb.size;
    uint8_t *rec = malloc(len + 8);
    if (!rec)
        return ns_errf(err, "out of memory");
    s_put32(rec, (uint32_t)len);
    s_put32(rec + 4, (uint32_t)crc32(0, (const Bytef *)b->sb.data, (uInt)len));
    memcpy(rec + 8, b->sb.data, len);
    size_t done = 0;
    while (done < len + 8) {
        ssize_t n = write(j->fd, rec + done, len + 8 - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            free(rec);
            return ns_errf(err, "cannot append to journal '%s': %s", j->path, strerror(errno));
        }
        done += (size_t)n;
    }
    free(rec);
    if (fdatasync(j->fd))
        return ns_errf(err, "cannot sync journal '%s': %s", j->path, strerror(errno));
    return 0;
}

long ns_journal_replayed(const ns_journal_t *j)
{
    return j->replayed;
}

void ns_journal_close(ns_journal_t **jp)
{
    if (!jp || !*jp)
        return;
    ns_journal_t *j = *jp;
    if (j->fd >= 0)
        close(j->fd);
    free(j->path);
    free(j);
    *jp = NULL;
}
