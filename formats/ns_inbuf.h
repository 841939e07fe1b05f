/*
 * ns_inbuf: the input window every record reader (ns_delim, ns_json,
 * ns_edi) reads its stream through: one buffer over an ns_reader_t holding
 * the bytes not yet consumed, with the object offset of its first byte and
 * the count of bytes read (for progress).
 *
 * A reader looks at buf[pos, len) directly and consumes by moving pos; it
 * calls ns_inbuf_fill only when it needs more, which first moves the
 * unconsumed bytes to the start of the buffer (so everything handed out
 * from the buffer stays valid until then) and grows the buffer when they
 * are more than an eighth of it. Also here: what the line-based readers
 * (delimited text, JSON lines) share about lines, the BOM and byte-range
 * splits, and the one bound on a record's bytes.
 *
 * Workload: every byte of every map task's input passes through a window,
 * GB/s of it; the window does nothing per byte or per record but the LF
 * search of ns_inbuf_lines_next, and refills move at most one partial record.
 * Bounds: the buffer starts at `initial` bytes (the line-based readers:
 * NS_INBUF_INITIAL) and grows (doubling) to at most `limit` (a reader sets
 * it to its largest record plus its line end), plus `pad` zero bytes after
 * it for parsers that read past a value's end; a record is at most
 * NS_INBUF_RECORD_LIMIT bytes.
 */
#ifndef NS_INBUF_H
#define NS_INBUF_H

#include "ns_err.h"
#include "ns_store.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/types.h>

/* A reader's max_record when the caller gives 0, and the most it may be. */
#define NS_INBUF_RECORD_DEFAULT (1024u * 1024u)
#define NS_INBUF_RECORD_LIMIT (1024u * 1024u * 1024u)

/* The window a line-based reader starts with. Small, so that opening a
 * reader costs little: many are opened over small objects (lookup files,
 * the empty stream of the submit check, each fuzz input three times), and
 * a 1 MiB window cost about 3 ms an open under ASan. It doubles when a
 * record needs it (ns_inbuf_fill), up to the reader's limit. */
#define NS_INBUF_INITIAL (64u * 1024u)

typedef struct {
    char *buf;        /* cap + pad bytes */
    size_t len;       /* bytes of buf filled */
    size_t pos;       /* start of the unconsumed bytes */
    size_t cap;       /* usable bytes of buf */
    size_t limit;     /* the most cap may grow to */
    size_t pad;       /* zero bytes kept after cap (0: none) */
    uint64_t off;     /* object offset of buf[0] */
    uint64_t nread;   /* bytes read from src */
    bool eof;         /* src returned 0 */
    ns_reader_t *src; /* input (borrowed) */
    const char *who;  /* the reader, for messages ("json reader") */
} ns_inbuf_t;

/* A window over src, whose first byte is at object offset first_byte, of
 * `initial` bytes growing to `limit` (>= initial), with `pad` zero bytes
 * after it. who (a literal) prefixes messages. -1 with err set when out of
 * memory; ns_inbuf_free is safe either way. */
int ns_inbuf_init(ns_inbuf_t *in, ns_reader_t *src, uint64_t first_byte, size_t initial,
                  size_t limit, size_t pad, const char *who, ns_err_t *err);

/* Frees the buffer (not the stream). */
void ns_inbuf_free(ns_inbuf_t *in);

/* Reads more input after the unconsumed bytes, first moving them to the
 * start of the buffer and doubling it (up to its limit) when they are more
 * than an eighth of it. Returns the bytes read (0 at the end of input,
 * setting eof), -1 on error. */
ssize_t ns_inbuf_fill(ns_inbuf_t *in, ns_err_t *err);

/* Reads until n bytes are unconsumed or the input ends. 0 or -1. */
static inline int ns_inbuf_ensure(ns_inbuf_t *in, size_t n, ns_err_t *err)
{
    while (in->len - in->pos < n && !in->eof)
        if (ns_inbuf_fill(in, err) < 0)
            return -1;
    return 0;
}

/* Consumes a UTF-8 BOM at pos. 1: there was one; 0: not; -1: error. */
int ns_inbuf_skip_bom(ns_inbuf_t *in, ns_err_t *err);

/* Consumes input through the next LF. 1: done; 0: input ended first (all
 * of it consumed); -1: error. */
int ns_inbuf_skip_line(ns_inbuf_t *in, ns_err_t *err);

/* ---- line-based readers and byte-range splits ---- */

/* Checks that a stream starting at object offset first_byte can read the
 * split starting at `start`: it must start at 0 for the split at 0, else at
 * or before start - 1 (the byte that says whether a line starts at start).
 * 0, or -1 with err set. */
int ns_inbuf_split_ok(const char *who, uint64_t first_byte, uint64_t start, ns_err_t *err);

/* Where a line-based reader (delimited text, JSON lines) is in its split. */
typedef struct {
    uint64_t end;     /* split end: a line starting at or after it is the next split's */
    uint64_t bom_end; /* offset after a BOM at the object's start, UINT64_MAX without one */
    bool skipping;    /* the last line was too long: skip through its LF first */
} ns_inbuf_lines_t;

/* One line handed out by ns_inbuf_lines_next. */
typedef struct {
    const char *p; /* its bytes in the window, without the LF and a CR before it */
    size_t n;      /* bytes at p (a line too long: max_line) */
    uint64_t off;  /* object offset of p */
    bool cr;       /* a CR before the LF was dropped (p[n] is that CR) */
} ns_inbuf_line_t;

/* Finds the LF ending a line whose records may hold LFs (quoted line
 * breaks), looking at line[done, avail) (done == 0: a new line, the
 * scanner starts over; otherwise it goes on from its own state). Returns
 * the LF's index in line, or SIZE_MAX when the line goes on past avail. */
typedef size_t (*ns_inbuf_scan_fn)(void *arg, const char *line, size_t done, size_t avail);

/* Once per reader, before anything is consumed, for the split [start,
 * end): at the split at 0, skips a BOM (noting where it ends); at a later
 * one, skips to byte start - 1 and through the first LF at or after it,
 * where the split's first line starts. 1: go on; 0: input ended; -1:
 * error. */
int ns_inbuf_lines_begin(ns_inbuf_t *in, ns_inbuf_lines_t *ls, uint64_t start, uint64_t end,
                         ns_err_t *err);

/* The index in line[done, avail) of the LF ending the line: scan_fn's
 * answer, or the first LF without one; SIZE_MAX when it is not there. */
static inline size_t ns_inbuf_find_lf(const char *line, size_t done, size_t avail,
                                      ns_inbuf_scan_fn scan_fn, void *arg)
{
    if (scan_fn)
        return scan_fn(arg, line, done, avail);
    const char *lf = memchr(line + done, '\n', avail - done);
    return lf ? (size_t)(lf - line) : SIZE_MAX;
}

/* Hands out the line at pos that ends at rend (the index of its LF with
 * has_lf, else the end of input) and consumes it; a line longer than
 * max_line is handed out cut and left to be skipped. 1 or 2 as
 * ns_inbuf_lines_next. */
static inline int ns_inbuf_cut_line(ns_inbuf_t *in, ns_inbuf_lines_t *ls, size_t rend, bool has_lf,
                                    size_t max_line, ns_inbuf_line_t *line)
{
    const char *p = in->buf + in->pos;
    size_t n = rend - in->pos;
    line->p = p;
    line->off = in->off + in->pos;
    line->cr = has_lf && n > 0 && p[n - 1] == '\r';
    line->n = line->cr ? n - 1 : n;
    if (line->n > max_line) {
        /* as when the end was not yet seen: go on after the first LF */
        line->n = max_line;
        ls->skipping = true;
        return 2;
    }
    in->pos = has_lf ? rend + 1 : rend;
    return 1;
}

/* The slow path of ns_inbuf_lines_next, when the line's end is not in the
 * window (done: bytes after pos already searched): reads until it is, or
 * the input ends, or the line is too long. */
int ns_inbuf_lines_more(ns_inbuf_t *in, ns_inbuf_lines_t *ls, size_t done, size_t max_line,
                        ns_inbuf_scan_fn scan_fn, void *arg, ns_inbuf_line_t *line, ns_err_t *err);

/* The next line of the split, read as needed and consumed with its LF.
 * scan_fn with arg finds a line's LF (NULL: the first LF). A line belongs
 * to the split it starts in, the one after a BOM to the line at 0. 1: a
 * line; 2: a line longer than max_line bytes (line holds its first
 * max_line; the rest is skipped through the next LF at the next call); 0:
 * no line left in the split; -1: error. Inline: it is the per-record path
 * of the line-based readers, a memchr when the line is in the window. */
static inline int ns_inbuf_lines_next(ns_inbuf_t *in, ns_inbuf_lines_t *ls, size_t max_line,
                                      ns_inbuf_scan_fn scan_fn, void *arg, ns_inbuf_line_t *line,
                                      ns_err_t *err)
{
    if (ls->skipping) {
        ls->skipping = false;
        int r = ns_inbuf_skip_line(in, err);
        if (r <= 0)
            return r;
    }
    uint64_t off = in->off + in->pos;
    /* the first line after a BOM belongs to the line starting at 0 */
    if ((off == ls->bom_end ? 0 : off) >= ls->end)
        return 0;
    size_t avail = in->len - in->pos;
    size_t lf = ns_inbuf_find_lf(in->buf + in->pos, 0, avail, scan_fn, arg);
    if (lf == SIZE_MAX)
        return ns_inbuf_lines_more(in, ls, avail, max_line, scan_fn, arg, line, err);
    return ns_inbuf_cut_line(in, ls, in->pos + lf, true, max_line, line);
}

/* A reader's max_record option: 0 becomes NS_INBUF_RECORD_DEFAULT; more
 * than NS_INBUF_RECORD_LIMIT is an error (-1, err set). */
int ns_inbuf_max_record(size_t *max_record, const char *who, ns_err_t *err);

/* The limit of a line-based reader's window: a line of max_record bytes
 * plus the CR and LF ending it, and never less than initial. */
static inline size_t ns_inbuf_line_limit(size_t max_record, size_t initial)
{
    return max_record + 2 > initial ? max_record + 2 : initial;
}

#endif
