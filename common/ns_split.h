/*
 * ns_split: what a map task reads, one entry per object or byte range, and
 * its wire form (a msgpack array [uri, offset, length, size, codec, etag],
 * used by the TASK message and the coordinator's journal,
 * docs/PROTOCOL.md; a 5-element array without the ETag is read too).
 */
#ifndef NS_SPLIT_H
#define NS_SPLIT_H

#include "ns_store.h"

#include <msgpack.h>
#include <stdint.h>

typedef struct {
    char *uri;       /* object (owned) */
    uint64_t offset; /* first byte of the split */
    int64_t length;  /* bytes of the split, -1 for the whole object */
    uint64_t size;   /* object size */
    int codec;       /* ns_codec_t of the object */
    char etag[NS_ETAG_MAX]; /* the object's ETag when it was listed ("" if unknown): the
                               version the job reads and its bookmark records */
} ns_split_t;

void ns_split_pack(msgpack_packer *pk, const ns_split_t *s);
/* Fills s from its wire form (s->uri malloc'd); -1 if malformed. */
int ns_split_unpack(const msgpack_object *o, ns_split_t *s);
/* Bytes the split reads from the store. */
uint64_t ns_split_bytes(const ns_split_t *s);

#endif
