/* etl2austin: render an ETL trace of python-etwtrace (instrumented or
 * stack-sampling) or of the kernel's CPU sampling as Austin text. */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "mojo.h"

static void usage(void)
{
    printf("Usage: %s [OPTIONS] INPUT [OUTPUT]\n"
           "Convert an ETL trace (Windows Event Trace Log) to Austin text.\n"
           "Instrumented python-etwtrace traces give wall time per call stack\n"
           "(microseconds between a thread's push/pop events); stack-sampling\n"
           "traces give the kernel's CPU samples with Python functions named\n"
           "by their PythonFunction events, other frames by module+offset.\n"
           "INPUT may be '-' (standard input) and gzip-compressed; OUTPUT\n"
           "defaults to standard output.\n"
           "\n"
           "  -o, --output FILE   write to FILE\n"
           "  -n, --no-metadata   leave out '# key: value' lines (and the blank\n"
           "                      lines around them): clean input for\n"
           "                      flamegraph.pl and difffolded.pl\n"
           "  -m, --metric WHICH  the number ending each line: auto, time, cpu,\n"
           "                      memory, alloc, dealloc (as mojo2austin)\n"
           "      --marks         show PythonThread and PythonMark ranges as\n"
           "                      frames at the root of the stacks inside them\n"
           "                      (files <thread> and <mark>)\n"
           "      --python-only   keep Python frames only (drop native and\n"
           "                      kernel frames, and samples left without any)\n"
           "  -h, --help          show this help\n"
           "  -V, --version       show the version\n"
           "\n"
           "Example: %s trace.etl --python-only --no-metadata | flamegraph.pl > t.svg\n"
           "Exit status: 0 on success, 1 on bad input (every complete sample\n"
           "before the error is still written), 2 on a usage error.\n",
           cli_prog, cli_prog);
    exit(0);
}

enum { OPT_MARKS = 256, OPT_PYTHON_ONLY };

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"output", required_argument, NULL, 'o'},
        {"no-metadata", no_argument, NULL, 'n'},
        {"metric", required_argument, NULL, 'm'},
        {"marks", no_argument, NULL, OPT_MARKS},
        {"python-only", no_argument, NULL, OPT_PYTHON_ONLY},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    mojo_writer_options wo = {0};
    mojo_etl_options eo = {0};
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
        case OPT_MARKS: eo.marks = 1; break;
        case OPT_PYTHON_ONLY: eo.python_only = 1; break;
        case 'h': usage(); break;
        case 'V': cli_version(); break;
        default: cli_usage_error("unknown option");
        }
    }
    const char *input;
    cli_positional_io(argc, argv, optind, true, &input, &output);

    mojo_reader *r = cli_open_input(input, NULL);
    if (!r)
        return 1;
    mojo_error err;
    if (mojo_reader_format(r) != MOJO_FORMAT_ETL) {
        cli_error("%s: not an ETL file", input);
        mojo_reader_close(r);
        return 1;
    }
    if (mojo_reader_set_etl_options(r, &eo, &err) != MOJO_OK) {
        cli_error("%s", err.message);
        mojo_reader_close(r);
        return 1;
    }
    mojo_writer *w = cli_open_output(output, MOJO_FORMAT_AUSTIN, &wo);
    if (!w) {
        mojo_reader_close(r);
        return 1;
    }
    return cli_convert(r, w);
}
