/*
 * ns_split: map-task inputs and their wire form (see ns_split.h).
 */
#include "ns_split.h"

#include "ns_codec.h"
#include "ns_proto.h"

#include <stdlib.h>
#include <string.h>

void ns_split_pack(msgpack_packer *pk, const ns_split_t *s)
{
    msgpack_pack_array(pk, 6);
    ns_mp_str(pk, s->uri);
    msgpack_pack_uint64(pk, s->offset);
    msgpack_pack_int64(pk, s->length);
    msgpack_pack_uint64(pk, s->size);
    msgpack_pack_int(pk, s->codec);
    ns_mp_str(pk, s->etag);
}

int ns_split_unpack(const msgpack_object *o, ns_split_t *s)
{
    memset(s, 0, sizeof *s);
    if (o->type != MSGPACK_OBJECT_ARRAY || o->via.array.size < 5 || o->via.array.size > 6)
        return -1;
    const msgpack_object *a = o->via.array.ptr;
    char uri[NS_URI_MAX];
    int64_t off, len, size, codec;
    if (ns_mp_strz(&a[0], uri, sizeof uri) || ns_mp_int(&a[1], &off) || ns_mp_int(&a[2], &len) ||
        ns_mp_int(&a[3], &size) || ns_mp_int(&a[4], &codec) || off < 0 || size < 0 ||
        len < -1 || codec < 0 || codec > NS_CODEC_ZSTD ||
        (o->via.array.size == 6 && ns_mp_strz(&a[5], s->etag, sizeof s->etag)))
        return -1;
    s->uri = strdup(uri);
    if (!s->uri)
        return -1;
    s->offset = (uint64_t)off;
    s->length = len;
    s->size = (uint64_t)size;
    s->codec = (int)codec;
    return 0;
}

uint64_t ns_split_bytes(const ns_split_t *s)
{
    return s->length < 0 ? s->size : (uint64_t)s->length;
}
