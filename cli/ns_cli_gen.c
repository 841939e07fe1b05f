/*
 * ns_cli_gen: `nightshift gen`, the data generator's command line
 * (tools/ns_gen.h does the work; docs/GENERATOR.md describes the output).
 */
#include "ns_cli.h"
#include "ns_gen.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

/* Strict numbers: the whole argument, nothing else. */
static int s_int(const char *s, int *out)
{
    char *end;
    errno = 0;
    long v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < -2147483647L || v > 2147483647L)
        return -1;
    *out = (int)v;
    return 0;
}

static int s_dbl(const char *s, double *out)
{
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || v != v)
        return -1;
    *out = v;
    return 0;
}

int ns_cmd_gen(int argc, char **argv)
{
    static const char usage[] =
        "usage: nightshift gen [--stores N] [--days D] [--start YYYY-MM-DD] [--seed S]\n"
        "         [--out URI] [--bad-rate F] [--scale F] [--gzip-level N]\n"
        "         [--sources LIST] [--dup-rate F] [--file-bad-rate F]\n"
        "Writes every raw source (pos, edi852, portal, orders, clickstream, ads-search,\n"
        "ads-social, weather, laus, master) of D days for N own stores under URI\n"
        "(default file://$NIGHTSHIFT_HOME/raw), deterministically for a seed, and\n"
        "the truth file URI/_gen/truth.json (docs/GENERATOR.md).\n"
        "  --bad-rate F       malformed records in every source (default 0.001)\n"
        "  --dup-rate F       files sent twice or late, extra empty files (default 0.03)\n"
        "  --file-bad-rate F  damaged files: truncated gzip, EDI sets with wrong counts\n"
        "                     (default 20 x bad-rate, at most 1)\n"
        "  --sources LIST     comma-separated sources, 'ads' for both ads feeds (default all)\n";
    static const struct option opts[] = {
        {"stores", required_argument, 0, 'n'},   {"days", required_argument, 0, 'd'},
        {"start", required_argument, 0, 's'},    {"seed", required_argument, 0, 'S'},
        {"out", required_argument, 0, 'o'},      {"bad-rate", required_argument, 0, 'b'},
        {"scale", required_argument, 0, 'x'},    {"gzip-level", required_argument, 0, 'g'},
        {"sources", required_argument, 0, 'r'},  {"dup-rate", required_argument, 0, 'u'},
        {"file-bad-rate", required_argument, 0, 'f'}, {"help", no_argument, 0, 'h'},
        {0, 0, 0, 0},
    };
    ns_gen_opts_t o;
    ns_gen_opts_default(&o);
    char out[1200];
    snprintf(out, sizeof out, "file://%s/raw", ns_cli_home());
    o.out = out;
    optind = 1;
    int c, bad = 0;
    ns_err_t err;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n': bad |= s_int(optarg, &o.stores); break;
        case 'd': bad |= s_int(optarg, &o.days); break;
        case 's': o.start = optarg; break;
        case 'S': {
            char *end;
            errno = 0;
            o.seed = strtoull(optarg, &end, 10);
            bad |= errno || end == optarg || *end || optarg[0] == '-' ? -1 : 0;
            break;
        }
        case 'o': o.out = optarg; break;
        case 'b': bad |= s_dbl(optarg, &o.bad_rate); break;
        case 'x': bad |= s_dbl(optarg, &o.scale); break;
        case 'g': bad |= s_int(optarg, &o.gzip_level); break;
        case 'u': bad |= s_dbl(optarg, &o.dup_rate); break;
        case 'f': bad |= s_dbl(optarg, &o.file_bad_rate); break;
        case 'r':
            if (ns_gen_parse_sources(optarg, &o.sources, &err) < 0) {
                fprintf(stderr, "nightshift: gen: %s\n", err.msg);
                return NS_EXIT_USAGE;
            }
            break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return NS_EXIT_USAGE;
        }
    }
    if (bad || optind != argc || o.stores < 1 || o.days < 1 || o.bad_rate < 0 || o.bad_rate > 1 ||
        o.scale <= 0 || o.dup_rate < 0 || o.dup_rate > 1 || o.file_bad_rate > 1) {
        fputs(usage, stderr);
        return NS_EXIT_USAGE;
    }
    ns_gen_stats_t st;
    if (ns_gen_run(&o, &st, &err)) {
        fprintf(stderr, "nightshift: gen: %s\n", err.msg);
        return NS_EXIT_ERROR;
    }
    uint64_t files = 0, raw = 0, stored = 0;
    for (int s = 0; s < NS_GEN_NSRC; s++) {
        files += st.src[s].files;
        raw += st.src[s].bytes_raw;
        stored += st.src[s].bytes_stored;
    }
    printf("generated %llu files, %.1f MB raw, %.1f MB stored, under %s (truth: _gen/truth.json)\n",
           (unsigned long long)files, (double)raw / 1e6, (double)stored / 1e6, o.out);
    for (int s = 0; s < NS_GEN_NSRC; s++) {
        const ns_gen_src_stats_t *x = &st.src[s];
        if (!((o.sources >> s) & 1u))
            continue;
        printf("  %-12s %6llu files %10llu records %7llu bad %9.1f MB raw %8.1f MB stored\n",
               ns_gen_source_names[s], (unsigned long long)x->files,
               (unsigned long long)x->records, (unsigned long long)x->bad_records,
               (double)x->bytes_raw / 1e6, (double)x->bytes_stored / 1e6);
    }
    if ((o.sources >> NS_GEN_SRC_POS) & 1u)
        printf("  pos: %llu lines (%llu item lines, %llu malformed)\n", (unsigned long long)st.lines,
               (unsigned long long)st.item_lines, (unsigned long long)st.bad_lines);
    return 0;
}
