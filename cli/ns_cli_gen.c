/*
 * ns_cli_gen: `nightshift gen`, the data generator's command line
 * (tools/ns_gen.h does the work).
 */
#include "ns_cli.h"
#include "ns_gen.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

int ns_cmd_gen(int argc, char **argv)
{
    static const char usage[] =
        "usage: nightshift gen [--stores N] [--days D] [--start YYYY-MM-DD] [--seed S]\n"
        "         [--out URI] [--bad-rate F] [--scale F] [--gzip-level N]\n"
        "Writes the raw feeds of D days for N stores under URI (default\n"
        "file://$NIGHTSHIFT_HOME/raw), deterministically for a seed.\n";
    static const struct option opts[] = {
        {"stores", required_argument, 0, 'n'}, {"days", required_argument, 0, 'd'},
        {"start", required_argument, 0, 's'},  {"seed", required_argument, 0, 'S'},
        {"out", required_argument, 0, 'o'},    {"bad-rate", required_argument, 0, 'b'},
        {"scale", required_argument, 0, 'x'},  {"gzip-level", required_argument, 0, 'g'},
        {"help", no_argument, 0, 'h'},         {0, 0, 0, 0},
    };
    ns_gen_opts_t o;
    ns_gen_opts_default(&o);
    char out[1200];
    snprintf(out, sizeof out, "file://%s/raw", ns_cli_home());
    o.out = out;
    optind = 1;
    int c;
    while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
        switch (c) {
        case 'n': o.stores = atoi(optarg); break;
        case 'd': o.days = atoi(optarg); break;
        case 's': o.start = optarg; break;
        case 'S': o.seed = strtoull(optarg, NULL, 10); break;
        case 'o': o.out = optarg; break;
        case 'b': o.bad_rate = atof(optarg); break;
        case 'x': o.scale = atof(optarg); break;
        case 'g': o.gzip_level = atoi(optarg); break;
        case 'h': fputs(usage, stdout); return 0;
        default: fputs(usage, stderr); return NS_EXIT_USAGE;
        }
    }
    if (optind != argc || o.stores < 1 || o.days < 1 || o.bad_rate < 0 || o.bad_rate > 1 ||
        o.scale <= 0) {
        fputs(usage, stderr);
        return NS_EXIT_USAGE;
    }
    ns_gen_stats_t st;
    ns_err_t err;
    if (ns_gen_run(&o, &st, &err)) {
        fprintf(stderr, "nightshift: gen: %s\n", err.msg);
        return NS_EXIT_ERROR;
    }
    printf("generated %llu files, %llu lines (%llu item lines, %llu malformed), %.1f MB raw, "
           "%.1f MB stored, under %s\n",
           (unsigned long long)st.files, (unsigned long long)st.lines,
           (unsigned long long)st.item_lines, (unsigned long long)st.bad_lines,
           (double)st.bytes_raw / 1e6, (double)st.bytes_stored / 1e6, o.out);
    return 0;
}
