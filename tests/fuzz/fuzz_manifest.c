/*
 * fuzz_manifest: what the loader reads of a committed run (warehouse/
 * ns_load.h): the manifest (JSON: entries of url and meta.content_length)
 * and the job.json next to it (state, table, columns, load.replace, keys,
 * version), both through the JSON parser of common/ns_catalog.h; then, for
 * a run both accept, the Redshift SQL the loader writes from them, where
 * every name from the files must come out quoted.
 *
 * Input: the manifest's bytes, a NUL byte, the job.json's bytes. Without a
 * NUL the same bytes are given to both parsers.
 */
#include "ns_fuzz.h"
#include "ns_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const char *text = (const char *)data;
    const char *nul = memchr(text, 0, size);
    size_t mlen = nul ? (size_t)(nul - text) : size;
    const char *jtext = nul ? nul + 1 : text;
    size_t jlen = nul ? size - mlen - 1 : size;

    ns_load_run_t *r = calloc(1, sizeof *r);
    NS_FUZZ_CHECK(r && (r->manifest = strdup("s3://wh/job/run-1/manifest")), "out of memory");
    ns_err_t err = {""};
    int mrc = ns_load_parse_manifest(r, text, mlen, &err);
    NS_FUZZ_CHECK(mrc == 0 || err.msg[0], "a refused manifest without a message");
    NS_FUZZ_CHECK(strlen(r->checksum) == 32, "checksum '%s'", r->checksum);
    if (mrc == 0)
        for (int i = 0; i < r->nfiles; i++)
            NS_FUZZ_CHECK(r->files[i] != NULL, "file %d missing", i);
    err.msg[0] = '\0';
    int jrc = ns_load_parse_jobjson(r, "s3://wh/job/run-1/job.json", jtext, jlen, &err);
    NS_FUZZ_CHECK(jrc == 0 || err.msg[0], "a refused job.json without a message");
    if (mrc == 0 && jrc == 0) {
        NS_FUZZ_CHECK(r->table && r->ncols > 0, "an accepted run without a table or columns");
        for (int i = 0; i < r->nkeys; i++)
            NS_FUZZ_CHECK(r->keys[i] != NULL, "key %d missing", i);
        ns_buf_t sql;
        ns_buf_init(&sql, (size_t)64 << 20);
        err.msg[0] = '\0';
        (void)ns_load_redshift_sql(r, "arn:aws:iam::123456789012:role/loader", &sql, &err);
        ns_buf_free(&sql);
    }
    ns_load_run_free(&r);
    NS_FUZZ_CHECK(r == NULL, "ns_load_run_free leaves the pointer");
    return 0;
}
