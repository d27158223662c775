/* Shared helpers for the command-line tools. */
#include "cli.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

const char *cli_prog = "mojo";

void cli_init(const char *argv0)
{
    const char *slash = argv0 ? strrchr(argv0, '/') : NULL;
    cli_prog = slash ? slash + 1 : argv0 ? argv0 : "mojo";
    /* libtool wrappers run the real binary as lt-NAME */
    if (strncmp(cli_prog, "lt-", 3) == 0)
        cli_prog += 3;
}

void cli_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", cli_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void cli_usage_error(const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "%s: ", cli_prog);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fprintf(stderr, "\nTry '%s --help' for more information.\n", cli_prog);
    exit(2);
}

void cli_version(void)
{
    printf("%s (mojo-tools) %s\n", cli_prog, MOJO_VERSION_STRING);
    exit(0);
}

mojo_reader *cli_open_input(const char *path, mojo_frames *frames)
{
    mojo_error err;
    mojo_reader_options o = {.frames = frames};
    mojo_reader *r = mojo_reader_open_path(path ? path : "-", &o, &err);
    if (!r)
        cli_error("%s", err.message);
    return r;
}

mojo_writer *cli_open_output(const char *path, mojo_format format,
                             const mojo_writer_options *opts)
{
    mojo_error err;
    mojo_writer *w = mojo_writer_open_path(path ? path : "-", format, opts, &err);
    if (!w)
        cli_error("%s", err.message);
    return w;
}

static bool ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), k = strlen(suffix);
    return n >= k && strcmp(s + n - k, suffix) == 0;
}

mojo_format cli_format_from_path(const char *path)
{
    static const struct { const char *ext; mojo_format f; } exts[] = {
        {".mojo", MOJO_FORMAT_MOJO},       {".mojo.gz", MOJO_FORMAT_MOJO},
        {".austin", MOJO_FORMAT_AUSTIN},   {".austin.gz", MOJO_FORMAT_AUSTIN},
        {".txt", MOJO_FORMAT_AUSTIN},      {".collapsed", MOJO_FORMAT_AUSTIN},
        {".folded", MOJO_FORMAT_AUSTIN},   {".pb", MOJO_FORMAT_PPROF},
        {".pb.gz", MOJO_FORMAT_PPROF},     {".pprof", MOJO_FORMAT_PPROF},
        {".json", MOJO_FORMAT_SPEEDSCOPE}, {".etl", MOJO_FORMAT_ETL},
    };
    if (!path || strcmp(path, "-") == 0)
        return MOJO_FORMAT_UNKNOWN;
    for (size_t i = 0; i < sizeof exts / sizeof exts[0]; i++)
        if (ends_with(path, exts[i].ext))
            return exts[i].f;
    return MOJO_FORMAT_UNKNOWN;
}

bool cli_parse_text_metric(const char *s, mojo_text_metric *m)
{
    static const char *const names[] = {"auto", "time", "cpu", "memory", "alloc", "dealloc"};
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
        if (strcmp(s, names[i]) == 0) {
            *m = (mojo_text_metric)i;
            return true;
        }
    return false;
}

int cli_close_reader(mojo_reader *r)
{
    int status = 0;
    const mojo_error *e = mojo_reader_error(r);
    if (e) {
        cli_error("%s", e->message);
        status = 1;
    }
    mojo_reader_close(r);
    return status;
}

int cli_close_writer(mojo_writer *w)
{
    mojo_error err;
    if (mojo_writer_close(w, &err) != MOJO_OK) {
        cli_error("%s", err.message);
        return 1;
    }
    return 0;
}

int cli_convert(mojo_reader *r, mojo_writer *w)
{
    mojo_event ev;
    int rc;
    int status = 0;
    while ((rc = mojo_reader_next(r, &ev)) == MOJO_OK)
        if (mojo_writer_write(w, &ev) != MOJO_OK)
            break;
    /* Close the writer first: what was read is written even after an error. */
    status |= cli_close_writer(w);
    status |= cli_close_reader(r);
    return status;
}

void cli_positional_io(int argc, char **argv, int first, bool input_required,
                       const char **input, const char **output)
{
    int rest = argc - first;
    if (rest < 1 && input_required)
        cli_usage_error("missing INPUT");
    if (rest > 2 || (rest == 2 && *output))
        cli_usage_error("too many arguments");
    *input = rest >= 1 ? argv[first] : "-";
    if (rest == 2)
        *output = argv[first + 1];
}

int cli_run_conversion(const char *input, const char *output,
                       mojo_format format, const mojo_writer_options *opts)
{
    mojo_reader *r = cli_open_input(input, NULL);
    if (!r)
        return 1;
    mojo_writer *w = cli_open_output(output, format, opts);
    if (!w) {
        mojo_reader_close(r);
        return 1;
    }
    return cli_convert(r, w);
}
