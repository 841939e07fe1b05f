/*
 * ns_codec: streaming decompression over an ns_reader_t (gzip, including
 * multi-member files, and zstd), chosen from the object's name or its magic
 * bytes. The decompressed stream is itself an ns_reader_t, so readers above
 * never know whether their input was compressed.
 *
 * Bounded: a decompressed stream stops with an error when it has produced
 * more than max_ratio times the compressed bytes read plus 64 MiB (a guard
 * against compression bombs); 0 disables the guard.
 */
#ifndef NS_CODEC_H
#define NS_CODEC_H

#include "ns_store.h"

typedef enum { NS_CODEC_NONE = 0, NS_CODEC_GZIP, NS_CODEC_ZSTD } ns_codec_t;

/* From the name: .gz/.gzip -> gzip, .zst/.zstd -> zstd, else none. */
ns_codec_t ns_codec_from_name(const char *uri);
const char *ns_codec_name(ns_codec_t c);
/* The codec of uri under a job's input.compression setting: "auto" (or
 * NULL) by name, else "gzip", "zstd" or "none". */
ns_codec_t ns_codec_for(const char *uri, const char *compression);

/* Wraps src (taking ownership: closing the result closes src). With
 * NS_CODEC_NONE returns src itself. */
ns_reader_t *ns_codec_reader(ns_reader_t *src, ns_codec_t codec, double max_ratio, ns_err_t *err);

/* Like ns_codec_reader, for an object whose stored size is known: a gzip
 * object of at most NS_CODEC_WHOLE_MAX stored bytes is read whole and
 * decompressed in one call with libdeflate (about twice zlib's speed; the
 * per-store feeds are a few hundred KB), keeping at most max_ratio times
 * its size (and never more than NS_CODEC_WHOLE_OUT_MAX) in memory; larger
 * objects, and output that would pass that bound, are streamed through
 * zlib as before. */
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
