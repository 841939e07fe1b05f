/*
 * ns_codec: streaming decompression over an ns_reader_t (gzip, including
 * multi-member files, and zstd), chosen from the object's name or its magic
 * bytes. The decompressed stream is itself an ns_reader_t, so readers above
 * never know whether their input was compressed.
 *
 * Bounded: a decompressed stream stops with an error of the data kind when
 * it has produced more than max_ratio times the compressed bytes read plus
 * 64 MiB (a guard against compression bombs): "decompressed size exceeds
 * max_ratio (100x the compressed bytes + 64 MiB): ... bytes from ... gzip
 * bytes"; 0 disables the guard. A stream's memory does not grow with its
 * output: it decodes through fixed buffers (the whole-object gzip path of
 * ns_codec_reader_sized keeps at most NS_CODEC_WHOLE_OUT_MAX), and a zstd
 * frame may ask for a window of at most 2^NS_CODEC_ZSTD_WINDOW_LOG_MAX bytes
 * ("zstd frame window exceeds the decoder's window limit (128 MiB)").
 */
#ifndef NS_CODEC_H
#define NS_CODEC_H

#include "ns_store.h"

typedef enum { NS_CODEC_NONE = 0, NS_CODEC_GZIP, NS_CODEC_ZSTD } ns_codec_t;

/* The input readers' max_ratio unless a job sets input.max_ratio, and the
 * bytes the guard allows on top of max_ratio times the compressed bytes. */
#define NS_CODEC_RATIO_DEFAULT 100
#define NS_CODEC_BOMB_SLACK (64u << 20)
/* The largest zstd window a frame may ask for: 2^27 = 128 MiB (zstd's own
 * default; what `zstd --long` writes, more than any level without it). */
#define NS_CODEC_ZSTD_WINDOW_LOG_MAX 27

/* From the name: .gz/.gzip -> gzip, .zst/.zstd -> zstd, else none. */
ns_codec_t ns_codec_from_name(const char *uri);
const char *ns_codec_name(ns_codec_t c);
/* The codec of uri under a job's input.compression setting: "auto" (or
 * NULL) by name, else "gzip", "zstd" or "none". */
ns_codec_t ns_codec_for(const char *uri, const char *compression);

/* Wraps src (taking ownership: closing the result closes src). With
 * NS_CODEC_NONE returns src itself. */
ns_reader_t *ns_codec_reader(ns_reader_t *src, ns_codec_t codec, double max_ratio, ns_err_t *err);

/* How a decompressing stream failed. NS_CODEC_ERR_DATA: the compressed
 * bytes are not a whole, valid stream (they end inside a gzip member or zstd
 * frame, the coding or a checksum is wrong, bytes after a member are not
 * another member, or the output passes the bomb guard): the object itself is
 * damaged and reading it again fails the same way. NS_CODEC_ERR_IO: the
 * stream under the decoder failed (the store: a network error, a missing or
 * changed object) or memory ran out; another attempt may succeed. */
typedef enum { NS_CODEC_ERR_NONE = 0, NS_CODEC_ERR_IO, NS_CODEC_ERR_DATA } ns_codec_errkind_t;

typedef struct {
    ns_codec_errkind_t kind;
    uint64_t in_offset;   /* compressed bytes from the stream's start to where the decoder
                           * stopped (a truncated object: its size) */
    uint64_t out_offset;  /* decompressed bytes handed out before the failure, all intact:
                           * the output of the decoder call that failed is never handed out */
    char why[NS_ERR_MAX]; /* "truncated gzip stream", "corrupt zstd frame: ...", ... */
} ns_codec_fault_t;

/* What made codec reader r (of ns_codec_reader or ns_codec_reader_sized)
 * fail: its kind, and *f filled when f is not NULL. NS_CODEC_ERR_NONE while
 * no read has failed, and for a reader that is not a decompressing stream.
 * A decompressing stream hands out every byte decoded before the failure,
 * then fails every read with the same message. */
ns_codec_errkind_t ns_codec_fault(const ns_reader_t *r, ns_codec_fault_t *f);

/* Like ns_codec_reader, for an object whose stored size is known: a gzip
 * object of at most NS_CODEC_WHOLE_MAX stored bytes is read whole and
 * decompressed in one call with libdeflate (about twice zlib's speed; the
 * per-store feeds are a few hundred KB), keeping at most max_ratio times
 * its size (and never more than NS_CODEC_WHOLE_OUT_MAX) in memory; larger
 * objects, and output that would pass that bound, are streamed through
 * zlib as before; so is an object libdeflate finds damaged, so that the
 * bytes before the damage are handed out and the failure is the stream's
 * (ns_codec_fault). NULL with err set only when reading the stored bytes
 * fails (an I/O error) or the object is not stored_size bytes long (it
 * changed since it was listed: an I/O error too). */
#define NS_CODEC_WHOLE_MAX (8u << 20)
#define NS_CODEC_WHOLE_OUT_MAX (256u << 20)
ns_reader_t *ns_codec_reader_sized(ns_reader_t *src, ns_codec_t codec, uint64_t stored_size,
                                   double max_ratio, const char *name, ns_err_t *err);

/* A zstd-compressing writer over dst (taking ownership): commit flushes the
 * frame and commits dst; abort aborts dst. ns_writer_size() of the result
 * counts uncompressed bytes; ns_codec_compressed_size() the bytes written
 * to dst. level: zstd level (1..19). */
ns_writer_t *ns_codec_zstd_writer(ns_writer_t *dst, int level, ns_err_t *err);
uint64_t ns_codec_compressed_size(const ns_writer_t *w);
/* Asks a zstd writer to store, when it commits successfully, the number of
 * compressed bytes it wrote into *stored (the writer is freed by commit, so
 * this is how its owner learns the object's size). No-op for other writers. */
void ns_codec_report_stored(ns_writer_t *w, uint64_t *stored);

#endif
