/*
 * seed_proto: writes the seed corpus of fuzz_proto, one file per message,
 * into the folder it is given: the wire messages of docs/PROTOCOL.md (worker
 * -> coordinator, coordinator -> worker, CLI -> coordinator and REPLY) and
 * journal records, built with the same ns_msgb calls as worker/ns_worker.c,
 * coordinator/ns_coord.c and cli/ns_cli.c, with the values of a small run.
 *
 *     build-fuzz/tests/fuzz/fuzz_seed_proto tests/fuzz/corpus/proto
 */
#include "ns_proto.h"

#include <stdio.h>
#include <stdlib.h>

static const char *s_dir;

static void s_write(const char *name, ns_msgb_t *b)
{
    char path[1024];
    snprintf(path, sizeof path, "%s/%s.msgpack", s_dir, name);
    FILE *f = fopen(path, "wb");
    if (!f || fwrite(b->sb.data, 1, b->sb.size, f) != b->sb.size || fclose(f)) {
        fprintf(stderr, "seed_proto: cannot write '%s'\n", path);
        exit(1);
    }
    ns_msgb_free(b);
}

static void s_empty(const char *type, const char *name)
{
    ns_msgb_t b;
    ns_msgb_init(&b, type, 0);
    s_write(name, &b);
}

static void s_attempt(ns_msgb_t *b)
{
    ns_msgb_str(b, "job", "retail_pos-20261124-1a2b3c");
    ns_msgb_int(b, "task", 3);
    ns_msgb_int(b, "attempt", 1);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s DIR\n", argv[0]);
        return 2;
    }
    s_dir = argv[1];
    ns_msgb_t b;

    /* worker -> coordinator */
    ns_msgb_init(&b, "READY", 10);
    ns_msgb_double(&b, "price_per_hour", 0.0416);
    ns_msgb_int(&b, "session", 6148914691236517205LL);
    ns_msgb_str(&b, "worker", "w-host1-4242");
    ns_msgb_str(&b, "pool", "default");
    ns_msgb_str(&b, "capacity", "spot");
    ns_msgb_int(&b, "slots", 2);
    ns_msgb_int(&b, "memory", 268435456);
    ns_msgb_str(&b, "host", "host1");
    ns_msgb_int(&b, "pid", 4242);
    ns_msgb_key(&b, "running");
    msgpack_pack_array(&b.pk, 1);
    msgpack_pack_array(&b.pk, 3);
    ns_mp_str(&b.pk, "retail_pos-20261124-1a2b3c");
    msgpack_pack_int64(&b.pk, 3);
    msgpack_pack_int64(&b.pk, 1);
    s_write("ready", &b);
    s_empty("HEARTBEAT", "heartbeat");
    s_empty("PREEMPTING", "preempting");
    s_empty("DISCONNECT", "disconnect");
    ns_msgb_init(&b, "PROGRESS", 7);
    s_attempt(&b);
    ns_msgb_int(&b, "bytes", 1048576);
    ns_msgb_int(&b, "rows_in", 8935);
    ns_msgb_int(&b, "rows_out", 1324);
    ns_msgb_int(&b, "rejects", 4);
    s_write("progress", &b);
    ns_msgb_init(&b, "DONE", 6);
    s_attempt(&b);
    ns_msgb_key(&b, "outputs");
    msgpack_pack_array(&b.pk, 2);
    for (int p = 0; p < 2; p++) {
        msgpack_pack_map(&b.pk, 5);
        ns_mp_str(&b.pk, "uri");
        ns_mp_str(&b.pk,
                  p ? "file:///var/ns/out/run/m3-p1.run" : "file:///var/ns/out/run/m3-p0.run");
        ns_mp_str(&b.pk, "partition");
        msgpack_pack_int64(&b.pk, p);
        ns_mp_str(&b.pk, "rows");
        msgpack_pack_int64(&b.pk, 662);
        ns_mp_str(&b.pk, "bytes");
        msgpack_pack_int64(&b.pk, 40960);
        ns_mp_str(&b.pk, "stored");
        msgpack_pack_int64(&b.pk, 20480);
    }
    ns_msgb_key(&b, "counters");
    msgpack_pack_map(&b.pk, 5);
    const char *cn[5] = {"bytes_in", "rows_in", "rows_out", "rejects", "filtered"};
    for (int i = 0; i < 5; i++) {
        ns_mp_str(&b.pk, cn[i]);
        msgpack_pack_uint64(&b.pk, (uint64_t)(i + 1) * 1000);
    }
    ns_msgb_str(&b, "rejects_uri", "");
    s_write("done", &b);
    ns_msgb_init(&b, "FAILED", 6);
    s_attempt(&b);
    ns_msgb_str(&b, "reason", "cannot read 's3://raw/pos/x.gz': 503 SlowDown after 5 tries");
    ns_msgb_bool(&b, "retryable", true);
    ns_msgb_bool(&b, "counted", false);
    s_write("failed", &b);

    /* coordinator -> worker */
    ns_msgb_init(&b, "TASK", 11);
    s_attempt(&b);
    ns_msgb_str(&b, "kind", "map");
    ns_msgb_str(&b, "jobdef", "name: retail_pos\ninput:\n  uri: file:///raw/pos/{date}/\n");
    ns_msgb_str(&b, "source", "retail_pos.yaml");
    ns_msgb_key(&b, "vars");
    msgpack_pack_map(&b.pk, 1);
    ns_mp_str(&b.pk, "date");
    ns_mp_str(&b.pk, "2026-11-24");
    ns_msgb_str(&b, "prefix", "file:///var/ns/out/retail_pos-20261124-1a2b3c/");
    ns_msgb_int(&b, "partitions", 2);
    ns_msgb_key(&b, "inputs");
    msgpack_pack_array(&b.pk, 2);
    msgpack_pack_array(&b.pk, 6);
    ns_mp_str(&b.pk, "file:///raw/pos/2026-11-24/store-001.psv.gz");
    msgpack_pack_int64(&b.pk, 0);
    msgpack_pack_int64(&b.pk, -1);
    msgpack_pack_int64(&b.pk, 73411);
    ns_mp_str(&b.pk, "gzip");
    ns_mp_str(&b.pk, "\"9b2cf535f27731c974343645a3985328\"");
    msgpack_pack_array(&b.pk, 5);
    ns_mp_str(&b.pk, "file:///raw/pos/2026-11-24/store-002.psv");
    msgpack_pack_int64(&b.pk, 134217728);
    msgpack_pack_int64(&b.pk, 134217728);
    msgpack_pack_int64(&b.pk, 402653184);
    ns_mp_str(&b.pk, "none");
    ns_msgb_int(&b, "extra", 0);
    s_write("task_map", &b);
    ns_msgb_init(&b, "TASK", 14);
    s_attempt(&b);
    ns_msgb_str(&b, "kind", "reduce");
    ns_msgb_str(&b, "jobdef", "name: retail_pos\n");
    ns_msgb_str(&b, "source", "retail_pos.yaml");
    ns_msgb_key(&b, "vars");
    msgpack_pack_map(&b.pk, 0);
    ns_msgb_str(&b, "prefix", "s3://wh/retail_pos-20261124-1a2b3c/");
    ns_msgb_int(&b, "partitions", 2);
    ns_msgb_int(&b, "partition", 1);
    ns_msgb_key(&b, "runs");
    msgpack_pack_array(&b.pk, 2);
    ns_mp_str(&b.pk, "s3://wh/retail_pos-20261124-1a2b3c/m0-p1.run");
    ns_mp_str(&b.pk, "s3://wh/retail_pos-20261124-1a2b3c/m1-p1.run");
    ns_msgb_int(&b, "files", 1);
    ns_msgb_int(&b, "in_bytes", 81920);
    ns_msgb_bool(&b, "speculative", false);
    s_write("task_reduce", &b);
    ns_msgb_init(&b, "CANCEL", 3);
    s_attempt(&b);
    s_write("cancel_attempt", &b);
    s_empty("RESET", "reset");
    s_empty("STOP", "stop");

    /* CLI -> coordinator, and the replies */
    ns_msgb_init(&b, "SUBMIT", 5);
    ns_msgb_str(&b, "jobdef", "name: retail_pos\n");
    ns_msgb_str(&b, "source", "jobs/retail_pos.yaml");
    ns_msgb_str(&b, "date", "2026-11-24");
    ns_msgb_key(&b, "vars");
    msgpack_pack_map(&b.pk, 1);
    ns_mp_str(&b.pk, "region");
    ns_mp_str(&b.pk, "eu");
    ns_msgb_str(&b, "deadline", "06:00");
    s_write("submit", &b);
    ns_msgb_init(&b, "STATUS", 1);
    ns_msgb_str(&b, "job", "retail_pos-20261124-1a2b3c");
    s_write("status", &b);
    s_empty("LIST", "list");
    ns_msgb_init(&b, "CANCEL", 1);
    ns_msgb_str(&b, "job", "retail_pos-20261124-1a2b3c");
    s_write("cancel_job", &b);
    ns_msgb_init(&b, "REPLY", 2);
    ns_msgb_bool(&b, "ok", false);
    ns_msgb_str(&b, "error", "unknown job 'x'");
    s_write("reply_error", &b);
    ns_msgb_init(&b, "REPLY", 2);
    ns_msgb_bool(&b, "ok", true);
    ns_msgb_key(&b, "job");
    msgpack_pack_map(&b.pk, 8);
    ns_msgb_str(&b, "id", "retail_pos-20261124-1a2b3c");
    ns_msgb_str(&b, "state", "succeeded");
    ns_msgb_int(&b, "submitted", 1795900000);
    ns_msgb_int(&b, "tasks_total", 3);
    ns_msgb_bool(&b, "met_deadline", true);
    ns_msgb_str(&b, "manifest", "s3://wh/retail_pos-20261124-1a2b3c/manifest");
    ns_msgb_key(&b, "cost");
    msgpack_pack_map(&b.pk, 2);
    ns_mp_str(&b.pk, "spot");
    msgpack_pack_double(&b.pk, 0.0125);
    ns_mp_str(&b.pk, "on-demand");
    msgpack_pack_double(&b.pk, 0.0);
    ns_msgb_key(&b, "tasks");
    msgpack_pack_array(&b.pk, 0);
    s_write("reply_status", &b);

    /* journal records: no "v" */
    ns_msgb_init_raw(&b, 5);
    ns_msgb_str(&b, "t", "JOB");
    ns_msgb_str(&b, "job", "retail_pos-20261124-1a2b3c");
    ns_msgb_str(&b, "jobdef", "name: retail_pos\n");
    ns_msgb_str(&b, "date", "2026-11-24");
    ns_msgb_int(&b, "deadline", 0);
    s_write("journal_job", &b);
    ns_msgb_init_raw(&b, 4);
    ns_msgb_str(&b, "t", "FAIL");
    s_attempt(&b);
    s_write("journal_fail", &b);
    ns_msgb_init_raw(&b, 2);
    ns_msgb_str(&b, "t", "END");
    ns_msgb_key(&b, "worker_hours");
    msgpack_pack_map(&b.pk, 1);
    ns_mp_str(&b.pk, "spot");
    msgpack_pack_float(&b.pk, 0.5f);
    s_write("journal_end", &b);

    /* the other msgpack types the walker knows: bin, ext, nil, deep nesting */
    ns_msgb_init(&b, "X", 4);
    ns_msgb_key(&b, "bin");
    msgpack_pack_bin(&b.pk, 3);
    msgpack_pack_bin_body(&b.pk, "\0\1\2", 3);
    ns_msgb_key(&b, "ext");
    msgpack_pack_ext(&b.pk, 4, 7);
    msgpack_pack_ext_body(&b.pk, "abcd", 4);
    ns_msgb_key(&b, "nil");
    msgpack_pack_nil(&b.pk);
    ns_msgb_key(&b, "deep");
    for (int i = 0; i < 14; i++)
        msgpack_pack_array(&b.pk, 1);
    msgpack_pack_int64(&b.pk, -1);
    s_write("types", &b);
    return 0;
}
