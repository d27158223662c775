/* austin2pprof: convert a profile (MOJO or Austin text, any mode) to pprof,
 * with equal stacks aggregated and every total kept exact. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

static void usage(void)
{
    printf("Usage: %s [OPTIONS] INPUT [OUTPUT]\n"
           "Convert a profile (MOJO of any version or Austin text; gzip or not;\n"
           "'-' for standard input) to pprof's protobuf format, gzip-compressed.\n"
           "OUTPUT defaults to standard output when that is not a terminal.\n"
           "\n"
           "Sample types by mode: wall: Wall time; cpu: CPU time; memory:\n"
           "Allocated and Deallocated memory; full: all four. Labels: Process ID,\n"
           "Interpreter ID, Thread ID. Metadata is kept as comments.\n"
           "\n"
           "  -o, --output FILE   write to FILE\n"
           "      --no-gzip       write the raw protobuf message\n"
           "  -h, --help          show this help\n"
           "  -V, --version       show the version\n"
           "\n"
           "Example: %s run.mojo run.pb.gz && go tool pprof -top run.pb.gz\n"
           "Exit status: 0 on success, 1 on bad input (every complete sample\n"
           "before the error is still written), 2 on a usage error.\n",
           cli_prog, cli_prog);
    exit(0);
}

int main(int argc, char **argv)
{
    enum { OPT_NO_GZIP = 256 };
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"no-gzip", no_argument, NULL, OPT_NO_GZIP},
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
        case OPT_NO_GZIP: wo.compress = -1; break;
        case 'h': usage(); break;
        case 'V': cli_version(); break;
        default: cli_usage_error("unknown option");
        }
    }
    const char *input;
    cli_positional_io(argc, argv, optind, true, &input, &output);
    if ((!output || !strcmp(output, "-")) && isatty(STDOUT_FILENO))
        cli_usage_error("will not write a binary profile to a terminal; give OUTPUT");

    return cli_run_conversion(input, output, MOJO_FORMAT_PPROF, &wo);
}
