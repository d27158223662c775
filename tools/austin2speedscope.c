/* austin2speedscope: convert a profile (MOJO, Austin text or ETL, any mode)
 * to Speedscope's JSON file format, with every total kept exact. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void usage(void)
{
    printf("Usage: %s [OPTIONS] INPUT [OUTPUT]\n"
           "Convert a profile (MOJO of any version, Austin text or ETL; gzip or\n"
           "not; '-' for standard input) to Speedscope's JSON format: one sampled\n"
           "profile per process, thread and value (wall: Wall time; cpu: CPU\n"
           "time; memory: Allocated and Deallocated memory; full: all four).\n"
           "Where every sample of a thread has a timestamp (ETL traces) and the\n"
           "samples follow one another without overlapping, a wall or cpu\n"
           "profile of that thread is evented instead: its frames open and close\n"
           "on the thread's timeline, for Speedscope's Time Order view.\n"
           "OUTPUT defaults to standard output.\n"
           "\n"
           "  -o, --output FILE   write to FILE\n"
           "      --name NAME     the profile's name (default: INPUT's file name)\n"
           "      --sampled       sampled profiles only, even with timestamps\n"
           "      --gzip          gzip-compress the output\n"
           "  -h, --help          show this help\n"
           "  -V, --version       show the version\n"
           "\n"
           "Example: %s run.mojo run.json, then open run.json in speedscope.\n"
           "Exit status: 0 on success, 1 on bad input (every complete sample\n"
           "before the error is still written), 2 on a usage error.\n",
           cli_prog, cli_prog);
    exit(0);
}

int main(int argc, char **argv)
{
    enum { OPT_GZIP = 256, OPT_NAME, OPT_SAMPLED };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"name", required_argument, NULL, OPT_NAME},
        {"gzip", no_argument, NULL, OPT_GZIP},
        {"sampled", no_argument, NULL, OPT_SAMPLED},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    mojo_writer_options wo = {0};
    const char *output = NULL;
    int c;

    cli_init(argv[0]);
    while ((c = getopt_long(argc, argv, "o:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case OPT_NAME: wo.profile_name = optarg; break;
        case OPT_GZIP: wo.compress = 1; break;
        case OPT_SAMPLED: wo.speedscope_sampled = 1; break;
        case 'h': usage(); break;
        case 'V': cli_version(); break;
        default: cli_usage_error("unknown option");
        }
    }
    int rest = argc - optind;
    if (rest < 1)
        cli_usage_error("missing INPUT");
    if (rest > 2 || (rest == 2 && output))
        cli_usage_error("too many arguments");
    const char *input = argv[optind];
    if (rest == 2)
        output = argv[optind + 1];
    if (!wo.profile_name && strcmp(input, "-") != 0) {
        const char *slash = strrchr(input, '/');
        wo.profile_name = slash ? slash + 1 : input;
    }

    mojo_reader *r = cli_open_input(input, NULL);
    if (!r)
        return 1;
    mojo_writer *w = cli_open_output(output, MOJO_FORMAT_SPEEDSCOPE, &wo);
    if (!w) {
        mojo_reader_close(r);
        return 1;
    }
    return cli_convert(r, w);
}
