/* mojofilter: slice, merge and aggregate profiles. */
#include "cli.h"

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_yaml.h"
#include "filter.h"

static void usage(void)
{
    printf("Usage: %s [OPTIONS] INPUT...\n"
           "Filter profiles (MOJO, Austin text or ETL; gzip or not; '-' for\n"
           "standard input) and merge several into one. Frames match as\n"
           "'file:function:line' with POSIX extended regular expressions.\n"
           "\n"
           "Samples:\n"
           "      --pid PID         keep this process (repeatable, or a,b,c)\n"
           "      --thread THREAD   keep this thread: decimal id, 0x hex id or name\n"
           "      --iid IID         keep this sub-interpreter\n"
           "      --focus REGEX     keep samples through a matching frame\n"
           "      --ignore REGEX    drop samples through a matching frame\n"
           "      --no-idle         drop idle samples (full mode: the CPU view)\n"
           "      --gc              keep only samples taken while the GC ran\n"
           "      --from TIME       drop samples before TIME (1.5s, 200ms, 300us;\n"
           "      --to TIME         a plain number is seconds) and from TIME on;\n"
           "                        times from timestamps, or from the time\n"
           "                        metrics in wall and full mode\n"
           "Frames:\n"
           "      --hide REGEX      remove matching frames\n"
           "      --root REGEX      start each stack at its first matching frame\n"
           "                        (samples without one are dropped)\n"
           "Every pattern option repeats; a sample matches when any pattern does.\n"
           "  -r, --rules FILE      the same filters from YAML (keys as the long\n"
           "                        options: pid, thread, focus, no-idle, from, ...)\n"
           "\n"
           "Output:\n"
           "  -a, --aggregate       sum equal stacks (sample counts are not kept)\n"
           "  -o, --output FILE     write to FILE (default: standard output)\n"
           "  -f, --format FORMAT   mojo, austin, pprof, speedscope or etl; default:\n"
           "                        from -o's extension, else the first input's\n"
           "  -n, --no-metadata     Austin text: leave out '# key: value' lines\n"
           "  -v, --verbose         report the samples kept on standard error\n"
           "  -h, --help            show this help\n"
           "  -V, --version         show the version\n"
           "\n"
           "Several inputs merge: the first input's metadata stands, the others add\n"
           "keys it lacks, and all must be in the same mode. MOJO to MOJO and text\n"
           "to text stream in constant memory unless --aggregate; MOJO out of MOJO\n"
           "keeps the first input's MOJO version.\n"
           "Example: %s --focus 'app\\.py:handle' --no-idle run.mojo -o cpu.mojo\n"
           "Exit status: 0 on success, 1 on bad input (what was read before the\n"
           "error is still written), 2 on a usage error.\n",
           cli_prog, cli_prog);
    exit(0);
}

/* Growing lists of what the command line gave, before the rules. */
typedef struct lists {
    int64_t *pids, *iids;
    size_t npids, niids;
    const char **threads, **focus, **ignore, **hide, **root;
    size_t nthreads, nfocus, nignore, nhide, nroot;
} lists;

static void add_ints(int64_t *v, size_t *n, const char *arg, const char *what)
{
    char *copy = strdup(arg), *save = NULL;
    if (!copy)
        cli_usage_error("out of memory");
    for (char *tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
        char *end;
        errno = 0;
        long long x = strtoll(tok, &end, 10);
        if (end == tok || *end || errno)
            cli_usage_error("%s: expected an integer, not '%s'", what, tok);
        v[(*n)++] = x;
    }
    free(copy);
}

static int64_t duration(const char *s, const char *what)
{
    int64_t us;
    if (!mojo_parse_duration(s, &us))
        cli_usage_error("%s: expected a time such as 1.5s, 200ms or 300us, not '%s'",
                        what, s);
    return us;
}

/* The command line's lists, then the rules' appended after them. */
static void settle(const lists *l, mojo_filter_options *o)
{
    o->pids = l->pids;
    o->npids = l->npids;
    o->iids = l->iids;
    o->niids = l->niids;
    o->threads = l->threads;
    o->nthreads = l->nthreads;
    o->focus = l->focus;
    o->nfocus = l->nfocus;
    o->ignore = l->ignore;
    o->nignore = l->nignore;
    o->hide = l->hide;
    o->nhide = l->nhide;
    o->root = l->root;
    o->nroot = l->nroot;
}

/* One input through the filter into the merge; 0, or 1 after an error. */
static int pass(mojo_reader *r, mojo_filter *f, mojo_merge *m)
{
    const char *name = mojo_reader_name(r);
    mojo_filter_begin_input(f, name);
    mojo_merge_begin_input(m, name);
    mojo_event ev;
    int rc;
    while ((rc = mojo_reader_next(r, &ev)) == MOJO_OK) {
        int keep = mojo_filter_event(f, &ev);
        if (keep == MOJO_ERROR) {
            cli_error("%s", mojo_filter_error(f)->message);
            return 1;
        }
        if (keep == MOJO_OK && mojo_merge_event(m, &ev) != MOJO_OK) {
            cli_error("%s", mojo_merge_error(m)->message);
            return 1;
        }
    }
    if (rc == MOJO_ERROR) {
        cli_error("%s", mojo_reader_error(r)->message);
        return 1;
    }
    return 0;
}

/* What main parsed, for run(). */
typedef struct run_opts {
    mojo_filter_options *fo;
    mojo_writer_options *wo;
    mojo_format format;
    const char *output, *rules;
    bool aggregate, verbose, no_idle, gc;
    int64_t from, to;
} run_opts;

/* Filter and merge the inputs into the output; the exit status. */
static int run(const run_opts *o, char **inputs, int ninputs)
{
    mojo_filter_options *fo = o->fo;
    mojo_config *cfg = NULL;
    mojo_error err;
    if (o->rules && !(cfg = mojo_filter_rules_load(o->rules, fo, &err))) {
        cli_error("%s", err.message);
        return 2;
    }
    /* the command line wins over the rules */
    fo->no_idle |= o->no_idle;
    fo->gc_only |= o->gc;
    if (o->from >= 0)
        fo->from = o->from;
    if (o->to >= 0)
        fo->to = o->to;
    mojo_filter *f = NULL;
    if (fo->from >= 0 && fo->to >= 0 && fo->to <= fo->from)
        cli_error("the time window is empty (--to is not after --from)");
    else if (!(f = mojo_filter_new(fo, &err)))
        cli_error("%s", err.message);
    if (!f) {
        mojo_config_free(cfg);
        return 2;
    }
    /* one frame table for every input: frames stay valid and distinct for
     * the writer across inputs */
    mojo_frames *frames = mojo_frames_new();
    mojo_reader *r = frames ? cli_open_input(inputs[0], frames) : NULL;
    mojo_writer *w = NULL;
    mojo_merge *m = NULL;
    int status = 1;
    if (r) {
        mojo_format format = o->format;
        if (format == MOJO_FORMAT_UNKNOWN)
            format = cli_format_from_path(o->output);
        if (format == MOJO_FORMAT_UNKNOWN)
            format = mojo_reader_format(r);
        /* MOJO out of MOJO keeps the version: v1 and v2 have no iid */
        if (format == MOJO_FORMAT_MOJO && mojo_reader_format(r) == MOJO_FORMAT_MOJO)
            o->wo->mojo_version = mojo_reader_version(r);
        w = cli_open_output(o->output, format, o->wo);
        m = w ? mojo_merge_new(w, &(mojo_merge_options){.aggregate = o->aggregate,
                                                        .defer = ninputs > 1})
              : NULL;
        if (w && !m)
            cli_error("out of memory");
        status = m ? 0 : 1;
    }
    for (int i = 0; status == 0 && i < ninputs; i++) {
        if (i > 0 && !(r = cli_open_input(inputs[i], frames))) {
            status = 1;
            break;
        }
        status = pass(r, f, m);
        mojo_reader_close(r);
        r = NULL;
    }
    mojo_reader_close(r);
    /* what was read before an error is still written */
    if (m && mojo_merge_finish(m) != MOJO_OK && status == 0) {
        cli_error("%s", mojo_merge_error(m)->message);
        status = 1;
    }
    if (w && cli_close_writer(w) != 0)
        status = 1;
    if (o->verbose) {
        uint64_t seen, kept;
        mojo_filter_counts(f, &seen, &kept);
        fprintf(stderr, "%s: kept %llu of %llu samples\n", cli_prog,
                (unsigned long long)kept, (unsigned long long)seen);
    }
    mojo_merge_free(m);
    mojo_filter_free(f);
    mojo_frames_unref(frames);
    mojo_config_free(cfg);
    return status;
}

int main(int argc, char **argv)
{
    enum { O_PID = 256, O_THREAD, O_IID, O_FOCUS, O_IGNORE, O_HIDE, O_ROOT,
           O_NO_IDLE, O_GC, O_FROM, O_TO };
    static const struct option longopts[] = {
        {"pid", required_argument, NULL, O_PID},
        {"thread", required_argument, NULL, O_THREAD},
        {"iid", required_argument, NULL, O_IID},
        {"focus", required_argument, NULL, O_FOCUS},
        {"ignore", required_argument, NULL, O_IGNORE},
        {"hide", required_argument, NULL, O_HIDE},
        {"root", required_argument, NULL, O_ROOT},
        {"no-idle", no_argument, NULL, O_NO_IDLE},
        {"gc", no_argument, NULL, O_GC},
        {"from", required_argument, NULL, O_FROM},
        {"to", required_argument, NULL, O_TO},
        {"rules", required_argument, NULL, 'r'},
        {"aggregate", no_argument, NULL, 'a'},
        {"output", required_argument, NULL, 'o'},
        {"format", required_argument, NULL, 'f'},
        {"no-metadata", no_argument, NULL, 'n'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    cli_init(argv[0]);
    /* no list can be longer than the arguments (each a,b,c counts once per
     * comma plus one, at most the length of the argument) */
    size_t most = 1;
    for (int i = 0; i < argc; i++)
        most += strlen(argv[i]) + 1;
    lists l = {0};
    l.pids = calloc(most, sizeof *l.pids);
    l.iids = calloc(most, sizeof *l.iids);
    const char **strs = calloc(5 * (size_t)argc + 5, sizeof *strs);
    if (!l.pids || !l.iids || !strs) {
        cli_error("out of memory");
        return 1;
    }
    l.threads = strs;
    l.focus = strs + argc + 1;
    l.ignore = strs + 2 * (argc + 1);
    l.hide = strs + 3 * (argc + 1);
    l.root = strs + 4 * (argc + 1);

    mojo_filter_options fo;
    mojo_filter_options_init(&fo);
    mojo_writer_options wo = {0};
    mojo_format format = MOJO_FORMAT_UNKNOWN;
    const char *output = NULL, *rules = NULL;
    bool aggregate = false, verbose = false;
    int64_t from = -1, to = -1;
    bool no_idle = false, gc = false;
    int c;
    while ((c = getopt_long(argc, argv, "r:ao:f:nvhV", longopts, NULL)) != -1) {
        switch (c) {
        case O_PID: add_ints(l.pids, &l.npids, optarg, "--pid"); break;
        case O_IID: add_ints(l.iids, &l.niids, optarg, "--iid"); break;
        case O_THREAD: l.threads[l.nthreads++] = optarg; break;
        case O_FOCUS: l.focus[l.nfocus++] = optarg; break;
        case O_IGNORE: l.ignore[l.nignore++] = optarg; break;
        case O_HIDE: l.hide[l.nhide++] = optarg; break;
        case O_ROOT: l.root[l.nroot++] = optarg; break;
        case O_NO_IDLE: no_idle = true; break;
        case O_GC: gc = true; break;
        case O_FROM: from = duration(optarg, "--from"); break;
        case O_TO: to = duration(optarg, "--to"); break;
        case 'r': rules = optarg; break;
        case 'a': aggregate = true; break;
        case 'o': output = optarg; break;
        case 'f':
            format = mojo_format_from_name(optarg);
            if (format == MOJO_FORMAT_UNKNOWN)
                cli_usage_error("unknown format '%s' (mojo, austin, pprof, "
                                "speedscope, etl)", optarg);
            break;
        case 'n': wo.no_metadata = 1; break;
        case 'v': verbose = true; break;
        case 'h': usage(); break;
        case 'V': cli_version(); break;
        default: cli_usage_error("unknown option");
        }
    }
    if (optind >= argc)
        cli_usage_error("missing INPUT");

    settle(&l, &fo);
    run_opts ro = {.fo = &fo, .wo = &wo, .format = format, .output = output,
                   .rules = rules, .aggregate = aggregate, .verbose = verbose,
                   .no_idle = no_idle, .gc = gc, .from = from, .to = to};
    int status = run(&ro, argv + optind, argc - optind);
    free(l.pids);
    free(l.iids);
    free(strs);
    return status;
}
