/* mojodiff: compare two profiles and say whether the second regressed. */
#include "cli.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_yaml.h"
#include "diff.h"

enum { EXIT_OK = 0, EXIT_REGRESSION = 1, EXIT_ERROR = 2 };

static void usage(void)
{
    printf("Usage: %s [OPTIONS] BASE NEW\n"
           "Compare two profiles (MOJO, Austin text or ETL; gzip or not) of the\n"
           "same workload and tell whether NEW regressed: a function whose share\n"
           "grew by the threshold or more, significantly given the sample counts\n"
           "(one-sided Fisher exact tests, Holm-corrected; docs/mojodiff.md).\n"
           "\n"
           "  -t, --threshold POINTS  smallest change that counts, in points of\n"
           "                          share (default %g)\n"
           "  -a, --alpha LEVEL       family-wise significance level (default %g)\n"
           "  -m, --metric WHICH      auto (by mode), samples, time, cpu, alloc,\n"
           "                          dealloc\n"
           "      --absolute          compare values, not shares; the threshold\n"
           "                          is then in points of BASE's total\n"
           "  -L, --ignore-lines      stacks: compare frames as file:function\n"
           "      --by-pid            tell processes apart (by order of start)\n"
           "      --by-thread         tell threads apart (by order of start)\n"
           "      --ignore REGEX      leave out functions matching REGEX over\n"
           "                          'file:function' (repeatable)\n"
           "  -c, --config FILE       YAML settings and per-function budgets;\n"
           "                          options given here win\n"
           "\n"
           "Outputs (the table goes to standard output unless another does):\n"
           "      --json[=FILE]       the machine report\n"
           "      --markdown[=FILE]   for a CI job summary or a review comment\n"
           "      --folded[=FILE]     'stack base new' lines for flamegraph.pl\n"
           "      --pprof PREFIX      PREFIX.base.pb.gz and PREFIX.new.pb.gz, for\n"
           "                          pprof -diff_base (add -normalize for shares)\n"
           "  -o, --output FILE       write the standard output there instead\n"
           "      --top N             stacks, and functions below the bar,\n"
           "                          listed (default 10)\n"
           "      --all               JSON: list every function compared\n"
           "      --color WHEN        auto, always, never (default auto)\n"
           "  -h, --help              show this help\n"
           "  -V, --version           show the version\n"
           "\n"
           "Example: %s base.mojo new.mojo --markdown=\"$GITHUB_STEP_SUMMARY\"\n"
           "Exit status: 0 no regression, 1 regression, 2 error.\n",
           cli_prog, MOJO_DIFF_DEFAULT_THRESHOLD, MOJO_DIFF_DEFAULT_ALPHA, cli_prog);
    exit(EXIT_OK);
}

/* What the command line said, applied over the configuration file. */
typedef struct cli_opts {
    double threshold, alpha;
    bool has_threshold, has_alpha, has_metric;
    mojo_diff_metric metric;
    bool absolute, ignore_lines, by_pid, by_thread;
    const char **ignore;
    size_t nignore;
    const char *config;
} cli_opts;

typedef enum { OUT_TABLE, OUT_JSON, OUT_MARKDOWN, OUT_FOLDED, OUT_KINDS } out_kind;

typedef struct outputs {
    const char *stdout_path;   /* -o */
    out_kind on_stdout;
    const char *file[OUT_KINDS];
    const char *pprof;
    size_t top;
    bool all;                  /* JSON: every function */
    int color;                 /* -1 auto */
} outputs;

static double parse_number(const char *s, const char *what)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || *end || !(v >= 0))
        cli_usage_error("%s: expected a number of 0 or more, not '%s'", what, s);
    return v;
}

static void set_output(outputs *out, out_kind k, const char *file)
{
    if (file)
        out->file[k] = file;
    else
        out->on_stdout = k;
}

static int write_report(const mojo_diff_report *rep, out_kind k, const char *path,
                        const mojo_diff_render *how)
{
    mojo_error err;
    mojo_output *o = mojo_output_open_path(path, false, &err);
    if (!o) {
        cli_error("%s", err.message);
        return EXIT_ERROR;
    }
    int rc = k == OUT_JSON ? mojo_diff_write_json(rep, how, o)
           : k == OUT_MARKDOWN ? mojo_diff_write_markdown(rep, how, o)
           : k == OUT_FOLDED ? mojo_diff_write_folded(rep, o)
           : mojo_diff_write_table(rep, how, o);
    if (rc != MOJO_OK) {
        const mojo_error *e = mojo_output_error(o);
        cli_error("%s", e ? e->message : "cannot write the report");
        mojo_output_close(o, NULL);
        return EXIT_ERROR;
    }
    if (mojo_output_close(o, &err) != MOJO_OK) {
        cli_error("%s", err.message);
        return EXIT_ERROR;
    }
    return EXIT_OK;
}

static int write_pprof(const mojo_diff_report *rep, const char *prefix)
{
    static const char *const names[2] = {"base", "new"};
    for (unsigned s = 0; s < 2; s++) {
        char path[4096];
        snprintf(path, sizeof path, "%s.%s.pb.gz", prefix, names[s]);
        mojo_writer *w = cli_open_output(path, MOJO_FORMAT_PPROF, NULL);
        if (!w)
            return EXIT_ERROR;
        mojo_diff_write_profile(rep, s, w);
        if (cli_close_writer(w) != 0)
            return EXIT_ERROR;
    }
    return EXIT_OK;
}

static bool use_color(int color, const char *stdout_path)
{
    if (color >= 0)
        return color;
    const char *term = getenv("TERM");
    return !stdout_path && isatty(STDOUT_FILENO) && !getenv("NO_COLOR") &&
           !(term && !strcmp(term, "dumb"));
}

/* Options: the file's, then the command line's on top. */
static mojo_config *settle(const cli_opts *c, mojo_diff_options *o)
{
    mojo_diff_options_init(o);
    o->ignore = c->ignore;
    o->nignore = c->nignore;
    mojo_config *cfg = NULL;
    if (c->config) {
        mojo_error err;
        if (!(cfg = mojo_diff_config_load(c->config, o, &err))) {
            cli_error("%s", err.message);
            exit(EXIT_ERROR);
        }
    }
    if (c->has_threshold)
        o->threshold = c->threshold;
    if (c->has_alpha)
        o->alpha = c->alpha;
    if (c->has_metric)
        o->metric = c->metric;
    o->absolute |= c->absolute;
    o->ignore_lines |= c->ignore_lines;
    o->by_pid |= c->by_pid;
    o->by_thread |= c->by_thread;
    return cfg;
}

/* Both profiles, read at once; EXIT_OK or EXIT_ERROR. */
static int read_both(mojo_diff *d, const char *base, const char *new)
{
    mojo_reader *b = cli_open_input(base, NULL);
    mojo_reader *n = b ? cli_open_input(new, NULL) : NULL;
    int rc = n ? mojo_diff_read_both(d, b, n) : MOJO_ERROR;
    if (n && rc != MOJO_OK)
        cli_error("%s", mojo_diff_error(d)->message);
    mojo_reader_close(b);
    mojo_reader_close(n);
    return rc == MOJO_OK ? EXIT_OK : EXIT_ERROR;
}

int main(int argc, char **argv)
{
    enum { O_ABSOLUTE = 256, O_BY_PID, O_BY_THREAD, O_IGNORE, O_JSON,
           O_MARKDOWN, O_FOLDED, O_PPROF, O_TOP, O_COLOR, O_ALL };
    static const struct option longopts[] = {
        {"threshold", required_argument, NULL, 't'},
        {"alpha", required_argument, NULL, 'a'},
        {"metric", required_argument, NULL, 'm'},
        {"absolute", no_argument, NULL, O_ABSOLUTE},
        {"ignore-lines", no_argument, NULL, 'L'},
        {"by-pid", no_argument, NULL, O_BY_PID},
        {"by-thread", no_argument, NULL, O_BY_THREAD},
        {"ignore", required_argument, NULL, O_IGNORE},
        {"config", required_argument, NULL, 'c'},
        {"json", optional_argument, NULL, O_JSON},
        {"markdown", optional_argument, NULL, O_MARKDOWN},
        {"folded", optional_argument, NULL, O_FOLDED},
        {"pprof", required_argument, NULL, O_PPROF},
        {"output", required_argument, NULL, 'o'},
        {"top", required_argument, NULL, O_TOP},
        {"all", no_argument, NULL, O_ALL},
        {"color", required_argument, NULL, O_COLOR},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    cli_opts c = {0};
    outputs out = {.on_stdout = OUT_TABLE, .top = 10, .color = -1};
    int opt;

    cli_init(argv[0]);
    c.ignore = calloc((size_t)argc + 1, sizeof *c.ignore);
    if (!c.ignore) {
        cli_error("out of memory");
        return EXIT_ERROR;
    }
    while ((opt = getopt_long(argc, argv, "t:a:m:Lc:o:hV", longopts, NULL)) != -1) {
        switch (opt) {
        case 't': c.threshold = parse_number(optarg, "--threshold"); c.has_threshold = true; break;
        case 'a':
            c.alpha = parse_number(optarg, "--alpha");
            if (c.alpha <= 0 || c.alpha >= 1)
                cli_usage_error("--alpha: expected a level between 0 and 1");
            c.has_alpha = true;
            break;
        case 'm':
            if (!mojo_diff_metric_parse(optarg, &c.metric))
                cli_usage_error("unknown metric '%s'", optarg);
            c.has_metric = true;
            break;
        case O_ABSOLUTE: c.absolute = true; break;
        case 'L': c.ignore_lines = true; break;
        case O_BY_PID: c.by_pid = true; break;
        case O_BY_THREAD: c.by_thread = true; break;
        case O_IGNORE: c.ignore[c.nignore++] = optarg; break;
        case 'c': c.config = optarg; break;
        case O_JSON: set_output(&out, OUT_JSON, optarg); break;
        case O_MARKDOWN: set_output(&out, OUT_MARKDOWN, optarg); break;
        case O_FOLDED: set_output(&out, OUT_FOLDED, optarg); break;
        case O_PPROF: out.pprof = optarg; break;
        case 'o': out.stdout_path = optarg; break;
        case O_TOP: out.top = (size_t)parse_number(optarg, "--top"); break;
        case O_ALL: out.all = true; break;
        case O_COLOR:
            out.color = !strcmp(optarg, "always") ? 1 : !strcmp(optarg, "never") ? 0
                      : !strcmp(optarg, "auto") ? -1 : -2;
            if (out.color == -2)
                cli_usage_error("--color: expected auto, always or never");
            break;
        case 'h': usage(); break;
        case 'V': cli_version(); break;
        default: cli_usage_error("unknown option");
        }
    }
    if (argc - optind != 2)
        cli_usage_error(argc - optind < 2 ? "expected BASE and NEW" : "too many arguments");
    if (!strcmp(argv[optind], "-") && !strcmp(argv[optind + 1], "-"))
        cli_usage_error("BASE and NEW cannot both be standard input");

    mojo_diff_options o;
    mojo_config *cfg = settle(&c, &o);
    o.rank_stacks = out.top;
    mojo_error err;
    mojo_diff *d = mojo_diff_new(&o, &err);
    int status = d ? read_both(d, argv[optind], argv[optind + 1]) : EXIT_ERROR;
    if (!d)
        cli_error("%s", err.message);
    const mojo_diff_report *rep = status == EXIT_OK ? mojo_diff_compute(d) : NULL;
    if (status == EXIT_OK && !rep) {
        cli_error("%s", mojo_diff_error(d)->message);
        status = EXIT_ERROR;
    }
    if (rep) {
        mojo_diff_render how = {.top_stacks = out.top, .top_functions = out.top,
                                .all_functions = out.all,
                                .color = use_color(out.color, out.stdout_path)};
        status = write_report(rep, out.on_stdout, out.stdout_path ? out.stdout_path : "-", &how);
        how.color = false;
        for (int k = 0; k < OUT_KINDS && status == EXIT_OK; k++)
            if (out.file[k])
                status = write_report(rep, (out_kind)k, out.file[k], &how);
        if (status == EXIT_OK && out.pprof)
            status = write_pprof(rep, out.pprof);
        if (status == EXIT_OK && rep->regression)
            status = EXIT_REGRESSION;
    }
    mojo_diff_free(d);
    mojo_config_free(cfg);
    free(c.ignore);
    return status;
}
