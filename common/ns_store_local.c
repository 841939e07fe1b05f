/*
 * ns_store_local: the local-directory backend of ns_store (URIs
 * "file:///abs/path" or "/abs/path"), with S3's semantics:
 *
 *   - an object is a regular file; a "directory" is only a prefix;
 *   - a writer writes ".<name>.tmp-<random>" beside the final file and
 *     commit does fsync(file), rename, fsync(dir), so an object appears
 *     whole and durably or not at all; abort unlinks the temporary file;
 *   - list walks the tree under the prefix's directory, one directory at a
 *     time, visiting entries in the byte order of the full key (a directory
 *     "d" sorts as "d/", so "a-b" < "a/b" < "a0"), and never descends into
 *     or returns a path part starting with '.' below the prefix's directory
 *     (the directories the prefix names itself, up to its last '/', are
 *     the caller's choice, so a store may live under "~/.cache/...");
 *   - an ETag is "<size>-<mtime ns>-<inode>" in hex, which changes whenever
 *     the content is replaced;
 *   - a path with a "." or ".." segment is refused, whatever it is used
 *     for; below a store root (ns_scope.h, NIGHTSHIFT_STORE_ROOTS) no
 *     symbolic link is followed: every open, stat, unlink, create and
 *     rename starts from the root's directory and walks one component at
 *     a time with O_NOFOLLOW (openat), and listing skips links, so a link
 *     planted inside the root cannot lead out of it. Elsewhere (a catalog,
 *     `nightshift store` on any path) paths are used as given.
 *
 * Workload: readers stream ranges with pread straight into the caller's
 * buffer (no buffer of our own; hundreds may be open at once); writers keep
 * one 128 KiB buffer so the many small writes of a run or load file become
 * large write(2)s; listing holds one directory's names at a time.
 */
#include "ns_scope.h"
#include "ns_store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define S_WBUF (128 * 1024)

/* The filesystem path of a local URI (a pointer into uri); NULL with err
 * set when the URI is not an absolute local path or has a "." or ".."
 * segment (for a listed prefix, in its directory part: what follows the
 * last '/' only filters names, and names starting with '.' are never
 * listed). */
static const char *s_path_as(const char *uri, const char *verb, int listed, ns_err_t *err)
{
    const char *p = strncmp(uri, "file://", 7) == 0 ? uri + 7 : uri;
    if (p[0] != '/') {
        ns_errf(err, "cannot %s '%s': not an absolute local path", verb, uri);
        return NULL;
    }
    if (strnlen(uri, NS_URI_MAX) >= NS_URI_MAX) {
        ns_errf(err, "cannot %s '%.64s...': URI too long", verb, uri);
        return NULL;
    }
    for (const char *s = p + 1;;) {
        size_t n = strcspn(s, "/");
        if (!s[n] && listed)
            break;
        if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
            ns_errf(err, "cannot %s '%s': a '%.*s' path segment", verb, uri, (int)n, s);
            return NULL;
        }
        if (!s[n])
            break;
        s += n + 1;
    }
    return p;
}

static const char *s_path(const char *uri, const char *verb, ns_err_t *err)
{
    return s_path_as(uri, verb, 0, err);
}

/* What errno says, where ELOOP means a link below a store root. */
static const char *s_why(int e)
{
    return e == ELOOP ? "a symbolic link below the store root (links are not followed there)"
                      : strerror(e);
}

/* Opens the directory path[0..len) ("" is "/"). Below a store root it
 * starts at the root and opens each component with O_NOFOLLOW, creating
 * missing ones when create (fsyncing the directory that got one); elsewhere
 * it is open(2). Returns an fd, or -1 with errno set (ELOOP for a link). */
static int s_open_dir(const char *path, size_t len, int create)
{
    char dir[NS_URI_MAX];
    if (len >= sizeof dir) {
        errno = ENAMETOOLONG;
        return -1;
    }
    memcpy(dir, path, len);
    dir[len] = '\0';
    while (len > 1 && dir[len - 1] == '/')
        dir[--len] = '\0';
    if (len == 0) {
        dir[0] = '/';
        dir[len = 1] = '\0';
    }
    size_t rl = ns_scope_local_root(dir);
    if (!rl)
        return open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    size_t start = rl == 1 ? 0 : rl; /* 1: the root "/" */
    char *p = dir + start + 1;
    dir[start] = '\0';
    int fd = open(start ? dir : "/", O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT && create) { /* the root itself: as the operator wrote it */
        for (size_t i = 1; i <= start; i++) {
            if (i < start && dir[i] != '/')
                continue;
            char c = dir[i];
            dir[i] = '\0';
            if (mkdir(dir, 0777) < 0 && errno != EEXIST)
                return -1;
            dir[i] = c;
        }
        fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    }
    while (fd >= 0 && *p) {
        char *slash = strchr(p, '/');
        if (slash)
            *slash = '\0';
        if (*p) {
            int nfd = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            if (nfd < 0 && errno == ENOENT && create) {
                if (mkdirat(fd, p, 0777) == 0)
                    (void)fsync(fd);
                nfd = openat(fd, p, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
            }
            int e = errno;
            struct stat st;
            if (nfd < 0 && e != ELOOP && !fstatat(fd, p, &st, AT_SYMLINK_NOFOLLOW) &&
                S_ISLNK(st.st_mode))
                e = ELOOP;
            close(fd);
            fd = nfd;
            errno = e;
        }
        if (!slash)
            break;
        p = slash + 1;
    }
    return fd;
}

/* The directory holding path (an fd from s_open_dir) and, in *name, its
 * last component (a pointer into path). */
static int s_open_parent(const char *path, int create, const char **name)
{
    const char *slash = strrchr(path, '/');
    *name = slash + 1;
    return s_open_dir(path, (size_t)(slash - path), create);
}

/* Whether path lies below a store root (no links followed there). */
static int s_beneath(const char *path)
{
    return ns_scope_local_root(path) > 0;
}

/* ---- list ---- */

/* "<size>-<mtime ns>-<inode>" in hex. */
static void s_etag(const struct stat *st, char *out)
{
    snprintf(out, NS_ETAG_MAX, "%llx-%llx-%llx", (unsigned long long)st->st_size,
             (unsigned long long)st->st_mtim.tv_sec * 1000000000ULL +
                 (unsigned long long)st->st_mtim.tv_nsec,
             (unsigned long long)st->st_ino);
}


typedef struct {
    char *name;  /* entry name, NUL-terminated */
    size_t len;  /* strlen(name) */
    int is_dir;  /* directories sort as "name/" */
} s_entry_t;

static int s_entry_cmp(const void *pa, const void *pb)
{
    const s_entry_t *a = pa, *b = pb;
    size_t n = a->len < b->len ? a->len : b->len;
    int c = memcmp(a->name, b->name, n);
    if (c)
        return c;
    /* one is a prefix of the other: compare the next byte, where a
     * directory contributes '/' and a file its end */
    int ca = a->len > n ? (unsigned char)a->name[n] : a->is_dir ? '/' : -1;
    int cb = b->len > n ? (unsigned char)b->name[n] : b->is_dir ? '/' : -1;
    return (ca > cb) - (ca < cb);
}

typedef struct {
    char uri[NS_URI_MAX];  /* URI being built; the path starts at path_off */
    size_t path_off;       /* bytes of scheme ("file://" or none) */
    ns_store_list_fn fn;   /* caller's callback */
    void *arg;             /* its argument */
    long count;            /* objects passed to fn */
    int stopped;           /* fn returned nonzero */
    int beneath;           /* below a store root: links are skipped, not followed */
    const char *prefix;    /* the caller's prefix, for messages */
} s_walk_t;

static void s_free_entries(s_entry_t *ents, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(ents[i].name);
    free(ents);
}

/* Reads the directory whose path (ending in '/') is w->uri[path_off..len),
 * keeping names that start with filter (when not NULL) and are not hidden,
 * sorted in key order. Returns 0 (with *out NULL and *nout 0 when the
 * directory does not exist) or -1. */
static int s_read_dir(s_walk_t *w, size_t len, const char *filter, s_entry_t **out, size_t *nout,
                      ns_err_t *err)
{
    *out = NULL;
    *nout = 0;
    const char *dpath = w->uri + w->path_off;
    int fd = s_open_dir(dpath, strlen(dpath), 0);
    DIR *d = fd >= 0 ? fdopendir(fd) : NULL;
    if (!d) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        if (e == ENOENT || e == ENOTDIR)
            return 0;
        return ns_errf(err, "cannot list '%.*s': %s", (int)len, w->uri, s_why(e));
    }
    int dfd = dirfd(d);
    size_t flen = filter ? strlen(filter) : 0;
    s_entry_t *ents = NULL;
    size_t n = 0, cap = 0;
    for (;;) {
        errno = 0;
        struct dirent *de = readdir(d);
        if (!de) {
            if (errno) {
                int e = errno;
                closedir(d);
                s_free_entries(ents, n);
                return ns_errf(err, "cannot list '%.*s': %s", (int)len, w->uri, strerror(e));
            }
            break;
        }
        if (de->d_name[0] == '.')
            continue;
        if (flen && strncmp(de->d_name, filter, flen) != 0)
            continue;
        int is_dir;
        if (de->d_type == DT_DIR) {
            is_dir = 1;
        } else if (de->d_type == DT_REG) {
            is_dir = 0;
        } else if (w->beneath) {
            struct stat st; /* a link (or an unknown type): never followed here */
            if (fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0 ||
                !(S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)))
                continue;
            is_dir = S_ISDIR(st.st_mode);
        } else {
            struct stat st;
            if (fstatat(dfd, de->d_name, &st, 0) < 0)
                continue; /* vanished, or a dangling link */
            if (S_ISDIR(st.st_mode))
                is_dir = 1;
            else if (S_ISREG(st.st_mode))
                is_dir = 0;
            else
                continue;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 64;
            s_entry_t *ne = realloc(ents, ncap * sizeof *ne);
            if (!ne)
                goto oom;
            ents = ne;
            cap = ncap;
        }
        ents[n].len = strlen(de->d_name);
        ents[n].name = strdup(de->d_name);
        ents[n].is_dir = is_dir;
        if (!ents[n].name)
            goto oom;
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(ents, n, sizeof *ents, s_entry_cmp);
    *out = ents;
    *nout = n;
    return 0;
oom:
    closedir(d);
    s_free_entries(ents, n);
    return ns_errf(err, "cannot list '%s': out of memory", w->prefix);
}

/* Visits the directory at w->uri[0..len) (ending in '/'). */
static int s_walk(s_walk_t *w, size_t len, const char *filter, ns_err_t *err)
{
    s_entry_t *ents;
    size_t n;
    w->uri[len] = '\0';
    if (s_read_dir(w, len, filter, &ents, &n, err) < 0)
        return -1;
    int rc = 0;
    for (size_t i = 0; i < n && !w->stopped; i++) {
        size_t nlen = len + ents[i].len + (ents[i].is_dir ? 1 : 0);
        if (nlen >= NS_URI_MAX) {
            rc = ns_errf(err, "cannot list '%s': '%.*s%s' is longer than %d bytes", w->prefix,
                         (int)len, w->uri, ents[i].name, NS_URI_MAX - 1);
            break;
        }
        memcpy(w->uri + len, ents[i].name, ents[i].len);
        if (ents[i].is_dir) {
            w->uri[len + ents[i].len] = '/';
            if (s_walk(w, nlen, NULL, err) < 0) {
                rc = -1;
                break;
            }
            continue;
        }
        w->uri[nlen] = '\0';
        ns_object_t obj;
        struct stat st;
        if ((w->beneath ? lstat : stat)(w->uri + w->path_off, &st) < 0) {
            if (errno == ENOENT)
                continue; /* deleted while we listed */
            rc = ns_errf(err, "cannot list '%s': %s", w->uri, strerror(errno));
            break;
        }
        if (!S_ISREG(st.st_mode))
            continue;
        memcpy(obj.uri, w->uri, nlen + 1);
        obj.size = (uint64_t)st.st_size;
        s_etag(&st, obj.etag);
        w->count++;
        if (w->fn(&obj, w->arg))
            w->stopped = 1;
    }
    s_free_entries(ents, n);
    return rc;
}

static long s_list(const char *prefix, ns_store_list_fn fn, void *arg, ns_err_t *err)
{
    const char *path = s_path_as(prefix, "list", 1, err);
    if (!path)
        return -1;
    s_walk_t *w = malloc(sizeof *w);
    if (!w)
        return ns_errf(err, "cannot list '%s': out of memory", prefix);
    w->path_off = (size_t)(path - prefix);
    w->fn = fn;
    w->arg = arg;
    w->count = 0;
    w->stopped = 0;
    w->beneath = s_beneath(path);
    w->prefix = prefix;
    /* the directory part (through the last '/') is walked; the rest filters
     * the names in it */
    size_t plen = strlen(prefix);
    size_t dlen = (size_t)(strrchr(prefix, '/') - prefix) + 1;
    memcpy(w->uri, prefix, plen + 1);
    const char *filter = prefix + dlen;
    long rc = s_walk(w, dlen, *filter ? filter : NULL, err);
    long count = w->count;
    free(w);
    return rc < 0 ? -1 : count;
}

/* ---- head / delete ---- */

/* Stats path: below a store root through its parent's fd, without
 * following a link; elsewhere stat(2). */
static int s_stat(const char *path, struct stat *st)
{
    if (!s_beneath(path))
        return stat(path, st);
    const char *name;
    int dfd = s_open_parent(path, 0, &name);
    if (dfd < 0)
        return -1;
    int rc = fstatat(dfd, name, st, AT_SYMLINK_NOFOLLOW);
    int e = errno;
    close(dfd);
    if (!rc && S_ISLNK(st->st_mode)) {
        rc = -1;
        e = ELOOP;
    }
    errno = e;
    return rc;
}

static int s_head(const char *uri, ns_object_t *out, ns_err_t *err)
{
    const char *path = s_path(uri, "head", err);
    if (!path)
        return -1;
    struct stat st;
    if (s_stat(path, &st) < 0) {
        if (errno == ENOENT || errno == ENOTDIR)
            return ns_errf(err, "cannot head '%s': not found", uri);
        return ns_errf(err, "cannot head '%s': %s", uri, s_why(errno));
    }
    if (!S_ISREG(st.st_mode))
        return ns_errf(err, "cannot head '%s': not found (not a regular file)", uri);
    snprintf(out->uri, sizeof out->uri, "%s", uri);
    out->size = (uint64_t)st.st_size;
    s_etag(&st, out->etag);
    return 0;
}

static int s_del(const char *uri, ns_err_t *err)
{
    const char *path = s_path(uri, "delete", err);
    if (!path)
        return -1;
    int rc;
    if (s_beneath(path)) {
        const char *name;
        int dfd = s_open_parent(path, 0, &name);
        rc = dfd < 0 ? -1 : unlinkat(dfd, name, 0);
        int e = errno;
        if (dfd >= 0)
            close(dfd);
        errno = e;
    } else {
        rc = unlink(path);
    }
    if (rc < 0 && errno != ENOENT && errno != ENOTDIR)
        return ns_errf(err, "cannot delete '%s': %s", uri, s_why(errno));
    return 0;
}

/* ---- reader ---- */

typedef struct {
    struct ns_reader base; /* must be first */
    int fd;                /* open file */
    uint64_t pos;          /* next offset to read */
    uint64_t end;          /* end of the range (may pass the file's end) */
    char *uri;             /* for messages */
} s_reader_t;

static ssize_t s_read(ns_reader_t *base, void *buf, size_t n, ns_err_t *err)
{
    s_reader_t *r = (s_reader_t *)base;
    if (r->pos >= r->end || n == 0)
        return 0;
    uint64_t left = r->end - r->pos;
    if (n > left)
        n = (size_t)left;
    if (n > (size_t)SSIZE_MAX)
        n = (size_t)SSIZE_MAX;
    if (r->pos > (uint64_t)INT64_MAX)
        return 0;
    for (;;) {
        ssize_t got = pread(r->fd, buf, n, (off_t)r->pos);
        if (got < 0) {
            if (errno == EINTR)
                continue;
            return ns_errf(err, "cannot read '%s': %s", r->uri, strerror(errno));
        }
        if (got == 0)
            r->end = r->pos; /* past the file's end: the stream is over */
        r->pos += (uint64_t)got;
        return got;
    }
}

static void s_reader_close(ns_reader_t *base)
{
    s_reader_t *r = (s_reader_t *)base;
    close(r->fd);
    free(r->uri);
    free(r);
}

static ns_reader_t *s_open_read(const char *uri, uint64_t off, uint64_t len, unsigned flags,
                                ns_err_t *err)
{
    const char *path = s_path(uri, "open", err);
    if (!path)
        return NULL;
    int fd;
    if (s_beneath(path)) {
        const char *name;
        int dfd = s_open_parent(path, 0, &name);
        fd = dfd < 0 ? -1 : openat(dfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
        int e = errno;
        if (dfd >= 0)
            close(dfd);
        errno = e;
    } else {
        fd = open(path, O_RDONLY | O_CLOEXEC);
    }
    if (fd < 0) {
        ns_errf(err, "cannot open '%s': %s", uri, s_why(errno));
        return NULL;
    }
    struct stat st;
    if (fstat(fd, &st) < 0) {
        ns_errf(err, "cannot open '%s': %s", uri, strerror(errno));
        close(fd);
        return NULL;
    }
    if (!S_ISREG(st.st_mode)) {
        ns_errf(err, "cannot open '%s': %s", uri,
                S_ISDIR(st.st_mode) ? "is a directory" : "not a regular file");
        close(fd);
        return NULL;
    }
    s_reader_t *r = calloc(1, sizeof *r);
    char *u = strdup(uri);
    if (!r || !u) {
        free(r);
        free(u);
        close(fd);
        ns_errf(err, "cannot open '%s': out of memory", uri);
        return NULL;
    }
    r->base.read = s_read;
    r->base.close = s_reader_close;
    r->fd = fd;
    r->pos = off;
    r->end = len > UINT64_MAX - off ? UINT64_MAX : off + len;
    r->uri = u;
    if (off < (uint64_t)st.st_size && off <= (uint64_t)INT64_MAX)
        (void)posix_fadvise(fd, (off_t)off, len > (uint64_t)INT64_MAX ? 0 : (off_t)len,
                            POSIX_FADV_SEQUENTIAL);
    return &r->base;
}

/* ---- writer ---- */

typedef struct {
    struct ns_writer base; /* must be first */
    int fd;                /* the temporary file */
    int dfd;               /* the directory both are in */
    char *tmp;             /* the temporary file's name in dfd */
    char *name;            /* the final name in dfd */
    char *uri;             /* for messages */
    char *buf;             /* S_WBUF bytes of pending data */
    size_t buf_len;        /* bytes pending in buf */
    int failed;            /* an earlier write failed: commit must fail */
} s_writer_t;

static void s_writer_free(s_writer_t *w)
{
    if (w->fd >= 0)
        close(w->fd);
    if (w->dfd >= 0)
        close(w->dfd);
    free(w->tmp);
    free(w->name);
    free(w->uri);
    free(w->buf);
    free(w);
}

static int s_write_all(s_writer_t *w, const char *p, size_t n, ns_err_t *err)
{
    while (n > 0) {
        ssize_t k = write(w->fd, p, n > (size_t)SSIZE_MAX ? (size_t)SSIZE_MAX : n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            w->failed = 1;
            return ns_errf(err, "cannot write '%s': %s", w->uri, strerror(errno));
        }
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static int s_flush(s_writer_t *w, ns_err_t *err)
{
    if (w->buf_len == 0)
        return 0;
    int rc = s_write_all(w, w->buf, w->buf_len, err);
    w->buf_len = 0;
    return rc;
}

static int s_write(ns_writer_t *base, const void *data, size_t n, ns_err_t *err)
{
    s_writer_t *w = (s_writer_t *)base;
    if (w->failed)
        return ns_errf(err, "cannot write '%s': an earlier write failed", w->uri);
    if (n <= S_WBUF - w->buf_len) {
        if (n)
            memcpy(w->buf + w->buf_len, data, n);
        w->buf_len += n;
    } else {
        if (s_flush(w, err) < 0)
            return -1;
        if (n < S_WBUF) {
            memcpy(w->buf, data, n);
            w->buf_len = n;
        } else if (s_write_all(w, data, n, err) < 0) {
            return -1;
        }
    }
    w->base.size += n;
    return 0;
}

/* fsyncs the directory holding path (path's part before the last '/'). */
static int s_fsync_parent(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t n = slash == path ? 1 : (size_t)(slash - path);
    char dir[NS_URI_MAX];
    if (n >= sizeof dir)
        return -1;
    memcpy(dir, path, n);
    dir[n] = '\0';
    int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0)
        return -1;
    int rc = fsync(fd);
    close(fd);
    return rc;
}

static int s_commit(ns_writer_t *base, ns_err_t *err)
{
    s_writer_t *w = (s_writer_t *)base;
    int rc = -1;
    if (w->failed) {
        ns_errf(err, "cannot commit '%s': an earlier write failed", w->uri);
        goto out;
    }
    if (s_flush(w, err) < 0)
        goto out;
    if (fsync(w->fd) < 0) {
        ns_errf(err, "cannot commit '%s': fsync: %s", w->uri, strerror(errno));
        goto out;
    }
    if (close(w->fd) < 0) {
        w->fd = -1;
        ns_errf(err, "cannot commit '%s': close: %s", w->uri, strerror(errno));
        goto out;
    }
    w->fd = -1;
    if (renameat(w->dfd, w->tmp, w->dfd, w->name) < 0) {
        ns_errf(err, "cannot commit '%s': rename: %s", w->uri, strerror(errno));
        goto out;
    }
    free(w->tmp);
    w->tmp = NULL; /* renamed: nothing to clean up */
    if (fsync(w->dfd) < 0) {
        ns_errf(err, "cannot commit '%s': fsync of its directory: %s", w->uri, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (w->tmp)
        unlinkat(w->dfd, w->tmp, 0);
    s_writer_free(w);
    return rc;
}

static void s_abort(ns_writer_t *base)
{
    s_writer_t *w = (s_writer_t *)base;
    if (w->fd >= 0) {
        close(w->fd);
        w->fd = -1;
    }
    if (w->tmp)
        unlinkat(w->dfd, w->tmp, 0);
    s_writer_free(w);
}

/* mkdir -p of the directory holding path; fsyncs the parent of every
 * directory it creates. */
static int s_mkdirs(const char *uri, const char *path, ns_err_t *err)
{
    char dir[NS_URI_MAX];
    size_t n = (size_t)(strrchr(path, '/') - path);
    if (n == 0)
        return 0;
    memcpy(dir, path, n);
    dir[n] = '\0';
    for (size_t i = 1; i <= n; i++) {
        if (i < n && dir[i] != '/')
            continue;
        if (i < n && dir[i - 1] == '/')
            continue; /* "//" */
        dir[i] = '\0';
        if (mkdir(dir, 0777) == 0) {
            (void)s_fsync_parent(dir);
        } else if (errno != EEXIST) {
            return ns_errf(err, "cannot create directory '%s' for '%s': %s", dir, uri,
                           strerror(errno));
        }
        if (i < n)
            dir[i] = '/';
    }
    return 0;
}

/* The directory path goes into, created when missing: below a store root
 * by s_open_dir's walk, elsewhere with mkdir -p. */
static int s_writer_dir(const char *uri, const char *path, ns_err_t *err)
{
    const char *name;
    if (s_beneath(path)) {
        int dfd = s_open_parent(path, 1, &name);
        if (dfd < 0)
            ns_errf(err, "cannot write '%s': %s", uri, s_why(errno));
        return dfd;
    }
    int dfd = s_open_parent(path, 0, &name);
    if (dfd < 0 && errno == ENOENT) {
        if (s_mkdirs(uri, path, err) < 0)
            return -1;
        dfd = s_open_parent(path, 0, &name);
    }
    if (dfd < 0)
        ns_errf(err, "cannot write '%s': %s", uri, strerror(errno));
    return dfd;
}

static ns_writer_t *s_open_write(const char *uri, ns_err_t *err)
{
    const char *path = s_path(uri, "write", err);
    if (!path)
        return NULL;
    const char *slash = strrchr(path, '/');
    const char *name = slash + 1;
    if (!*name) {
        ns_errf(err, "cannot write '%s': the key ends with '/'", uri);
        return NULL;
    }
    s_writer_t *w = calloc(1, sizeof *w);
    if (!w) {
        ns_errf(err, "cannot write '%s': out of memory", uri);
        return NULL;
    }
    w->fd = -1;
    w->dfd = -1;
    w->name = strdup(name);
    w->uri = strdup(uri);
    w->buf = malloc(S_WBUF);
    size_t nlen = strlen(name);
    /* keep the temporary name within NAME_MAX: ".<name>.tmp-<16 hex>" */
    if (nlen > 200)
        nlen = 200;
    size_t tcap = 1 + nlen + 5 + 16 + 1;
    w->tmp = malloc(tcap);
    if (!w->name || !w->uri || !w->buf || !w->tmp) {
        s_writer_free(w);
        ns_errf(err, "cannot write '%s': out of memory", uri);
        return NULL;
    }
    w->dfd = s_writer_dir(uri, path, err);
    if (w->dfd < 0) {
        free(w->tmp);
        w->tmp = NULL;
        s_writer_free(w);
        return NULL;
    }
    for (int attempt = 0; attempt < 8; attempt++) {
        uint64_t rnd;
        if (getrandom(&rnd, sizeof rnd, GRND_NONBLOCK) != (ssize_t)sizeof rnd) {
            struct timespec ts;
            clock_gettime(CLOCK_MONOTONIC, &ts);
            rnd = ((uint64_t)getpid() << 32) ^ (uint64_t)ts.tv_nsec ^ (uint64_t)ts.tv_sec * 1000003u ^
                  (uint64_t)(uintptr_t)w;
        }
        snprintf(w->tmp, tcap, ".%.*s.tmp-%016llx", (int)nlen, name, (unsigned long long)rnd);
        w->fd = openat(w->dfd, w->tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0666);
        if (w->fd >= 0)
            break;
        if (errno != EEXIST && errno != EINTR)
            break;
    }
    if (w->fd < 0) {
        ns_errf(err, "cannot write '%s': %s", uri, s_why(errno));
        free(w->tmp);
        w->tmp = NULL;
        s_writer_free(w);
        return NULL;
    }
    w->base.write = s_write;
    w->base.commit = s_commit;
    w->base.abort = s_abort;
    w->base.size = 0;
    return &w->base;
}

const ns_store_backend_t ns_store_local_backend = {
    .scheme = "file",
    .list = s_list,
    .head = s_head,
    .del = s_del,
    .open_read = s_open_read,
    .open_write = s_open_write,
};
