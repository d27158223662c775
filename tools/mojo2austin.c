/* mojo2austin: render a profile as Austin text (collapsed stacks), exactly
 * as Austin's own text mode prints the same events. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

static void usage(void)
{
    printf("Usage: %s [OPTIONS] [INPUT [OUTPUT]]\n"
           "Convert a profile (MOJO of any version, Austin text or ETL; gzip or\n"
           "not) to Austin text, as Austin's text mode prints it.\n"
           "INPUT and OUTPUT default to standard input and output ('-').\n"
           "\n"
           "  -o, --output FILE   write to FILE\n"
           "  -n, --no-metadata   leave out '# key: value' lines (and the blank\n"
           "                      lines around them): clean input for\n"
           "                      flamegraph.pl and difffolded.pl\n"
           "  -m, --metric WHICH  the number ending each line: auto (as Austin:\n"
           "                      time, memory, or time,idle,memory in full mode),\n"
           "                      time, cpu (0 when idle), memory, alloc, dealloc\n"
           "  -h, --help          show this help\n"
           "  -V, --version       show the version\n"
           "\n"
           "Example: %s run.mojo --no-metadata | flamegraph.pl > run.svg\n"
           "Exit status: 0 on success, 1 on bad input (every complete sample\n"
           "before the error is still written), 2 on a usage error.\n",
           cli_prog, cli_prog);
    exit(0);
}

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"no-metadata", no_argument, NULL, 'n'},
        {"metric", required_argument, NULL, 'm'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    mojo_writer_options wo = {0};
    const char *output = NULL;
    int c;

    cli_init(argv[0]);
    while ((c = getopt_long(argc, argv, "o:nm:hV", longopts, NULL)) != -1) {
        switch (c) {
        case 'o': output = optarg; break;
        case 'n': wo.no_metadata = 1; break;
        case 'm':
            if (!cli_parse_text_metric(optarg, &wo.text_metric))
                cli_usage_error("unknown metric '%s'", optarg);
            break;
        case 'h': usage(); break;
        case 'V': cli_version(); break;
        default: cli_usage_error("unknown option");
        }
    }
    const char *input;
    cli_positional_io(argc, argv, optind, false, &input, &output);
    return cli_run_conversion(input, output, MOJO_FORMAT_AUSTIN, &wo);
}
