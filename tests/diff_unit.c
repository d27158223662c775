/* Unit tests of the diff (statistics, model, report), the filter and the
 * merge, and the YAML settings. Expected p-values were computed apart from
 * this code, in exact integer arithmetic (Python's math.comb, as in
 * tests/diff_check.py); expected shares by hand from the inputs below. */
#include <check.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config_yaml.h"
#include "diff.h"
#include "diff_stats.h"
#include "filter.h"
#include "internal.h"

/* ------------------------------------------------------------ helpers */

static void near(double got, double want, double rel)
{
    ck_assert_msg(fabs(got - want) <= rel * fabs(want) + 1e-300,
                  "got %.17g, want %.17g", got, want);
}

static mojo_reader *text_reader(const char *text)
{
    mojo_error err;
    mojo_reader *r = mojo_reader_open_memory(text, strlen(text), "<text>", NULL, &err);
    ck_assert_msg(r != NULL, "%s", err.message);
    return r;
}

/* Compare two Austin texts; the diff is returned for inspection. */
static mojo_diff *compare(const char *base, const char *new,
                          const mojo_diff_options *o)
{
    mojo_error err;
    mojo_diff *d = mojo_diff_new(o, &err);
    ck_assert_msg(d != NULL, "%s", err.message);
    mojo_reader *r = text_reader(base);
    ck_assert_int_eq(mojo_diff_read(d, 0, r), MOJO_OK);
    mojo_reader_close(r);
    r = text_reader(new);
    ck_assert_int_eq(mojo_diff_read(d, 1, r), MOJO_OK);
    mojo_reader_close(r);
    ck_assert_ptr_nonnull(mojo_diff_compute(d));
    return d;
}

static const mojo_diff_function *function(const mojo_diff_report *r,
                                          const char *scope)
{
    for (size_t i = 0; i < r->nfunctions; i++)
        if (!strcmp(r->functions[i].frame->scope.ptr, scope))
            return &r->functions[i];
    ck_abort_msg("no function %s", scope);
    return NULL;
}

/* n copies of a line. */
static char *repeat(const char *head, const char *const *lines,
                    const int *counts, size_t n)
{
    size_t cap = strlen(head) + 1;
    for (size_t i = 0; i < n; i++)
        cap += (strlen(lines[i]) + 1) * (size_t)counts[i];
    char *s = malloc(cap), *p = s;
    p += sprintf(p, "%s", head);
    for (size_t i = 0; i < n; i++)
        for (int k = 0; k < counts[i]; k++)
            p += sprintf(p, "%s\n", lines[i]);
    return s;
}

#define HEAD "# mode: wall\n# interval: 1000\n\n"

/* ---------------------------------------------------------- statistics */

START_TEST(stats_fisher_exact)
{
    near(mojo_stat_two_prop_upper(3, 100, 10, 100), 0.04089702648448962, 1e-9);
    near(mojo_stat_two_prop_upper(10, 100, 3, 100), 0.9907930368846266, 1e-9);
    near(mojo_stat_two_prop_upper(0, 50, 5, 50), 0.028142247214412164, 1e-9);
    near(mojo_stat_two_prop_upper(5, 20, 12, 20), 0.026775496297187066, 1e-9);
    near(mojo_stat_two_prop_upper(95, 100, 100, 100), 0.029691605234293292, 1e-9);
    /* large counts still summed exactly */
    near(mojo_stat_two_prop_upper(290, 1000, 380, 1000), 1.2171092708511513e-05, 1e-8);
    near(mojo_stat_two_prop_upper(2900, 10000, 3100, 10000), 0.001067334927334845, 1e-8);
    ck_assert(mojo_stat_two_prop_upper(0, 10, 0, 10) == 1);
    ck_assert(mojo_stat_two_prop_upper(1, 1, 1, 1) == 1);
    ck_assert(mojo_stat_two_prop_upper(1, 0, 1, 1) == 1); /* no samples */
}
END_TEST

START_TEST(stats_binomial_exact)
{
    near(mojo_stat_binom_upper(5, 10, 0.5), 0.623046875, 1e-12);
    near(mojo_stat_binom_upper(8, 10, 0.5), 0.0546875, 1e-12);
    near(mojo_stat_binom_upper(30, 100, 0.2), 0.011248978720991643, 1e-9);
    near(mojo_stat_binom_upper(300, 1000, 0.25), 0.00019359032194907896, 1e-8);
    near(mojo_stat_binom_upper(10, 10, 0.9), 0.3486784401000001, 1e-12);
    near(mojo_stat_binom_upper(3, 1000, 0.001), 0.08020934284020105, 1e-9);
    ck_assert(mojo_stat_binom_upper(0, 10, 0.3) == 1);
    ck_assert(mojo_stat_binom_upper(11, 10, 0.3) == 0);
}
END_TEST

START_TEST(stats_normal_tail_far_out)
{
    /* beyond the exact range (variance 1.6e6): the continuity-corrected
     * normal tail, as Python's math.erfc gives it */
    near(mojo_stat_two_prop_upper(4000000, 20000000, 4010000, 20000000),
         3.897757927707857e-05, 1e-9);
    ck_assert(mojo_stat_two_prop_upper(2000000, 10000000, 2100000, 10000000) < 1e-300);
    near(mojo_stat_norm_upper(1.959963984540054), 0.025, 1e-9);
}
END_TEST

START_TEST(stats_holm)
{
    double p[] = {0.01, 0.04, 0.03, 0.005};
    ck_assert(mojo_stat_holm(p, 4));
    near(p[0], 0.03, 1e-12);
    near(p[1], 0.06, 1e-12); /* monotone: not 0.04 */
    near(p[2], 0.06, 1e-12);
    near(p[3], 0.02, 1e-12);
    double one[] = {0.9};
    ck_assert(mojo_stat_holm(one, 1));
    near(one[0], 0.9, 1e-12);
}
END_TEST

/* --------------------------------------------------------------- model */

static const char *const small[] = {
    "P1;T0:1;m.py:main:1;m.py:a:3 1000",
    "P1;T0:1;m.py:main:1;m.py:b:5 1000",
    "P1;T0:1;m.py:main:1;m.py:b:5;m.py:c:9 1000",
};

/* base: a 40%, b 60% (self 40%), c 20%; new: a 10%, b 90% (self 40%),
 * c 50%. Twenty samples each are too few; two hundred are not. */
START_TEST(diff_shares_and_small_samples)
{
    const int nb[] = {8, 8, 4}, nn[] = {2, 8, 10};
    char *b = repeat(HEAD, small, nb, 3), *n = repeat(HEAD, small, nn, 3);
    mojo_diff_options o;
    mojo_diff_options_init(&o);
    mojo_diff *d = compare(b, n, &o);
    const mojo_diff_report *r = mojo_diff_compute(d);
    ck_assert_uint_eq(r->nfunctions, 4);
    ck_assert_uint_eq(r->tests, 8);
    const mojo_diff_function *c = function(r, "c"), *bb = function(r, "b");
    near(c->self.share[0], 20, 1e-12);
    near(c->self.share[1], 50, 1e-12);
    near(c->self.points, 30, 1e-12);
    near(bb->inclusive.points, 30, 1e-12);
    near(bb->self.points, 0, 1e-12);
    near(function(r, "main")->inclusive.share[1], 100, 1e-12);
    /* raw one-sided p of c's self: P(X >= 10), N 40, K 14, n 20 */
    ck_assert(c->self.p_value > 0.01);
    ck_assert(!r->regression);
    ck_assert_uint_eq(r->nregressions, 0);
    mojo_diff_free(d);
    free(b);
    free(n);

    const int mb[] = {80, 80, 40}, mn[] = {20, 80, 100};
    b = repeat(HEAD, small, mb, 3);
    n = repeat(HEAD, small, mn, 3);
    d = compare(b, n, &o);
    r = mojo_diff_compute(d);
    ck_assert(r->regression);
    ck_assert_uint_eq(r->nregressions, 2);
    /* c's own code first, then b that calls it */
    ck_assert_str_eq(r->regressions[0]->frame->scope.ptr, "c");
    ck_assert_int_eq(r->regressions[0]->reason, MOJO_DIFF_BY_SELF);
    ck_assert_str_eq(r->regressions[1]->frame->scope.ptr, "b");
    ck_assert_int_eq(r->regressions[1]->reason, MOJO_DIFF_BY_INCLUSIVE);
    ck_assert_uint_eq(r->nimprovements, 1);
    ck_assert_str_eq(r->improvements[0]->frame->scope.ptr, "a");
    mojo_diff_free(d);
    free(b);
    free(n);
}
END_TEST

START_TEST(diff_recursion_counts_once)
{
    const char *b = HEAD "P1;T0:1;m.py:main:1;m.py:fib:2;m.py:fib:2;m.py:fib:2 1000\n"
                         "P1;T0:1;m.py:main:1;m.py:other:4 3000\n";
    mojo_diff_options o;
    mojo_diff_options_init(&o);
    mojo_diff *d = compare(b, b, &o);
    const mojo_diff_report *r = mojo_diff_compute(d);
    const mojo_diff_function *fib = function(r, "fib");
    ck_assert_uint_eq(fib->inclusive.samples[0], 1);
    ck_assert_int_eq(fib->inclusive.value[0], 1000);
    near(fib->inclusive.share[0], 25, 1e-12);
    near(fib->self.share[0], 25, 1e-12);
    ck_assert(!r->regression && r->nimprovements == 0);
    ck_assert_uint_eq(r->side[0].samples, 2);
    ck_assert_int_eq(r->side[0].total, 4000);
    mojo_diff_free(d);
}
END_TEST

START_TEST(diff_ignore_lines_and_native_addresses)
{
    const char *b = HEAD "P1;T0:1;m.py:main:1;native@7f0010:memcpy:12 1000\n"
                         "P1;T0:1;m.py:main:2 1000\n";
    const char *n = HEAD "P2;T0:2;m.py:main:1;native@7f9910:memcpy:12 1000\n"
                         "P2;T0:2;m.py:main:3 1000\n";
    mojo_diff_options o;
    mojo_diff_options_init(&o);
    mojo_diff *d = compare(b, n, &o);
    const mojo_diff_report *r = mojo_diff_compute(d);
    /* the native frame matches across runs; main:2 and main:3 do not */
    ck_assert_uint_eq(r->nstacks, 3);
    const mojo_diff_function *mc = function(r, "memcpy");
    ck_assert_str_eq(mc->frame->file.ptr, "native");
    near(mc->self.points, 0, 1e-12);
    mojo_diff_free(d);

    o.ignore_lines = true;
    d = compare(b, n, &o);
    r = mojo_diff_compute(d);
    ck_assert_uint_eq(r->nstacks, 2);
    for (size_t i = 0; i < r->nstacks; i++)
        near(r->stacks[i].m.points, 0, 1e-12);
    mojo_diff_free(d);
}
END_TEST

START_TEST(diff_threads_by_order)
{
    /* thread ids differ between runs; the order they appear in does not */
    const char *b = HEAD "P10;T0:10;m.py:main:1 1000\nP10;T0:11;m.py:worker:7 1000\n";
    const char *n = HEAD "P20;T0:20;m.py:main:1 1000\nP20;T0:25;m.py:worker:7 1000\n";
    mojo_diff_options o;
    mojo_diff_options_init(&o);
    o.by_pid = o.by_thread = true;
    mojo_diff *d = compare(b, n, &o);
    const mojo_diff_report *r = mojo_diff_compute(d);
    ck_assert_uint_eq(r->nstacks, 2);
    const mojo_diff_function *w = function(r, "worker");
    ck_assert_int_eq(w->process, 1);
    ck_assert_int_eq(w->thread, 2);
    near(w->self.points, 0, 1e-12);
    mojo_diff_free(d);
}
END_TEST

START_TEST(diff_cpu_counts_busy_samples)
{
    const char *b = "# mode: full\n\nP1;T0:1;m.py:f:1 1000,0,0\nP1;T0:1;m.py:g:2 1000,1,0\n"
                    "P1;T0:1;m.py:g:2 1000,1,0\n";
    mojo_diff_options o;
    mojo_diff_options_init(&o);
    o.metric = MOJO_DIFF_METRIC_CPU;
    mojo_diff *d = compare(b, b, &o);
    const mojo_diff_report *r = mojo_diff_compute(d);
    ck_assert_uint_eq(r->side[0].samples, 1);
    ck_assert_int_eq(r->side[0].total, 1000);
    ck_assert_uint_eq(r->nfunctions, 1); /* g was only idle */
    ck_assert_str_eq(r->unit, "us");
    mojo_diff_free(d);

    mojo_diff_options_init(&o); /* auto: full mode compares wall time */
    d = compare(b, b, &o);
    r = mojo_diff_compute(d);
    ck_assert_int_eq(r->metric, MOJO_DIFF_METRIC_TIME);
    ck_assert_uint_eq(r->side[0].samples, 3);
    mojo_diff_free(d);
}
END_TEST

START_TEST(diff_memory_metric_needs_memory)
{
    mojo_diff_options o;
    mojo_diff_options_init(&o);
    o.metric = MOJO_DIFF_METRIC_ALLOC;
    mojo_error err;
    mojo_diff *d = mojo_diff_new(&o, &err);
    mojo_reader *r = text_reader(HEAD "P1;T0:1;m.py:f:1 1000\n");
    ck_assert_int_eq(mojo_diff_read(d, 0, r), MOJO_ERROR);
    ck_assert_ptr_nonnull(strstr(mojo_diff_error(d)->message, "carry no memory"));
    mojo_reader_close(r);
    ck_assert_ptr_null(mojo_diff_compute(d));
    mojo_diff_free(d);
}
END_TEST

START_TEST(diff_absolute)
{
    /* the same share, twice the time: a regression of values only */
    const int nb[] = {100, 100, 0}, nn[] = {200, 200, 0};
    char *b = repeat(HEAD, small, nb, 2), *n = repeat(HEAD, small, nn, 2);
    mojo_diff_options o;
    mojo_diff_options_init(&o);
    mojo_diff *d = compare(b, n, &o);
    ck_assert(!mojo_diff_compute(d)->regression);
    mojo_diff_free(d);
    o.absolute = true;
    d = compare(b, n, &o);
    const mojo_diff_report *r = mojo_diff_compute(d);
    ck_assert(r->regression);
    const mojo_diff_function *a = function(r, "a");
    near(a->self.points, 50, 1e-12); /* +100 ms of a 200 ms base */
    ck_assert(a->self.p_value < 1e-6);
    mojo_diff_free(d);
    free(b);
    free(n);
}
END_TEST

START_TEST(diff_budgets_and_ignore)
{
    const int nb[] = {80, 80, 40}, nn[] = {70, 80, 50};
    char *b = repeat(HEAD, small, nb, 3), *n = repeat(HEAD, small, nn, 3);
    mojo_diff_options o;
    mojo_diff_options_init(&o);
    mojo_diff *d = compare(b, n, &o); /* +5 points on 200 samples: noise */
    ck_assert(!mojo_diff_compute(d)->regression);
    mojo_diff_free(d);

    /* b may take at most 50%; it takes 65% of 200 samples */
    mojo_diff_budget budget = {.pattern = "m\\.py:b$", .threshold = -1,
                               .max_share = 50};
    o.budgets = &budget;
    o.nbudgets = 1;
    d = compare(b, n, &o);
    const mojo_diff_report *r = mojo_diff_compute(d);
    ck_assert_uint_eq(r->tests, 9);
    ck_assert_uint_eq(r->nregressions, 1);
    ck_assert_int_eq(r->regressions[0]->reason, MOJO_DIFF_BY_BUDGET);
    ck_assert(r->regressions[0]->budget_p < 0.01);
    mojo_diff_free(d);

    const char *ignore[] = {":b$", ":c$"};
    o.ignore = ignore;
    o.nignore = 2;
    d = compare(b, n, &o);
    r = mojo_diff_compute(d);
    ck_assert_uint_eq(r->nfunctions, 2);
    ck_assert_uint_eq(r->tests, 4);
    ck_assert(!r->regression);
    mojo_diff_free(d);
    free(b);
    free(n);
}
END_TEST

START_TEST(diff_bad_regex)
{
    mojo_diff_options o;
    mojo_diff_options_init(&o);
    const char *ignore[] = {"(unclosed"};
    o.ignore = ignore;
    o.nignore = 1;
    mojo_error err;
    ck_assert_ptr_null(mojo_diff_new(&o, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "bad regex '(unclosed'"));
}
END_TEST

START_TEST(diff_reports_render)
{
    const int mb[] = {80, 80, 40}, mn[] = {20, 80, 100};
    char *b = repeat(HEAD, small, mb, 3), *n = repeat(HEAD, small, mn, 3);
    mojo_diff_options o;
    mojo_diff_options_init(&o);
    mojo_diff *d = compare(b, n, &o);
    const mojo_diff_report *r = mojo_diff_compute(d);
    mojo_diff_render how = {.top_stacks = 2, .top_functions = 5, .all_functions = true};
    int (*render[])(const mojo_diff_report *, const mojo_diff_render *, mojo_output *) = {
        mojo_diff_write_table, mojo_diff_write_json, mojo_diff_write_markdown};
    const char *marks[] = {"Verdict: regression", "\"verdict\":\"regression\"",
                           "### mojodiff: regression"};
    for (int i = 0; i < 3; i++) {
        mojo_error err;
        mojo_output *out = mojo_output_open_memory(false, &err);
        ck_assert_int_eq(render[i](r, &how, out), MOJO_OK);
        ck_assert_int_eq(mojo_output_putc(out, 0), MOJO_OK);
        void *buf;
        size_t len;
        ck_assert_int_eq(mojo_output_close_memory(out, &buf, &len, &err), MOJO_OK);
        ck_assert_msg(strstr(buf, marks[i]) != NULL, "%s", (char *)buf);
        free(buf);
    }
    /* folded: base scaled to the new total (the same here), all stacks */
    mojo_error err;
    mojo_output *out = mojo_output_open_memory(false, &err);
    ck_assert_int_eq(mojo_diff_write_folded(r, out), MOJO_OK);
    mojo_output_putc(out, 0);
    void *buf;
    size_t len;
    mojo_output_close_memory(out, &buf, &len, &err);
    ck_assert_ptr_nonnull(strstr(buf, "m.py:main:1;m.py:b:5;m.py:c:9 40000 100000\n"));
    ck_assert_ptr_nonnull(strstr(buf, "m.py:main:1;m.py:a:3 80000 20000\n"));
    free(buf);
    mojo_diff_free(d);
    free(b);
    free(n);
}
END_TEST

/* -------------------------------------------------------------- filter */

static const char *const full_text =
    "# mode: full\n\n"
    "P1;T0:1;m.py:main:1;m.py:f:2 1000,0,10\n"
    "P1;T0:2;t.py:run:1;m.py:sleep:9 1000,1,0\n"
    "P2;T0:26;c.py:main:1;c.py:g:3;:GC: 1000,0,-5\n";

/* Run the filter over a text; the kept samples' leaf functions. */
static char *filtered(const char *text, const mojo_filter_options *o, int *rc)
{
    mojo_error err;
    mojo_filter *f = mojo_filter_new(o, &err);
    ck_assert_msg(f != NULL, "%s", err.message);
    mojo_reader *r = text_reader(text);
    mojo_filter_begin_input(f, "<text>");
    static char out[1024];
    out[0] = 0;
    mojo_event ev;
    *rc = MOJO_OK;
    while (mojo_reader_next(r, &ev) == MOJO_OK) {
        int k = mojo_filter_event(f, &ev);
        if (k == MOJO_ERROR) {
            *rc = MOJO_ERROR;
            snprintf(out, sizeof out, "%s", mojo_filter_error(f)->message);
            break;
        }
        if (k == MOJO_OK && ev.type == MOJO_EVENT_SAMPLE) {
            const mojo_sample *s = &ev.u.sample;
            strcat(out, s->nframes ? s->frames[s->nframes - 1]->scope.ptr : "-");
            strcat(out, s->nframes ? s->frames[0]->scope.ptr : "-");
            strcat(out, " ");
        }
    }
    mojo_reader_close(r);
    mojo_filter_free(f);
    return out;
}

START_TEST(filter_labels)
{
    mojo_filter_options o;
    mojo_filter_options_init(&o);
    int rc;
    ck_assert_str_eq(filtered(full_text, &o, &rc), "fmain sleeprun gmain ");
    int64_t pid = 2;
    o.pids = &pid;
    o.npids = 1;
    ck_assert_str_eq(filtered(full_text, &o, &rc), "gmain ");
    mojo_filter_options_init(&o);
    const char *hex[] = {"0x1a"};
    o.threads = hex;
    o.nthreads = 1;
    ck_assert_str_eq(filtered(full_text, &o, &rc), "gmain ");
    mojo_filter_options_init(&o);
    o.no_idle = true;
    ck_assert_str_eq(filtered(full_text, &o, &rc), "fmain gmain ");
    o.gc_only = true;
    ck_assert_str_eq(filtered(full_text, &o, &rc), "gmain ");
}
END_TEST

START_TEST(filter_patterns)
{
    mojo_filter_options o;
    mojo_filter_options_init(&o);
    int rc;
    const char *focus[] = {"^m\\.py:"};
    o.focus = focus;
    o.nfocus = 1;
    ck_assert_str_eq(filtered(full_text, &o, &rc), "fmain sleeprun ");
    const char *ignore[] = {":sleep:"};
    o.ignore = ignore;
    o.nignore = 1;
    ck_assert_str_eq(filtered(full_text, &o, &rc), "fmain ");
    mojo_filter_options_init(&o);
    const char *hide[] = {":main:"};
    o.hide = hide;
    o.nhide = 1;
    ck_assert_str_eq(filtered(full_text, &o, &rc), "ff sleeprun gg ");
    mojo_filter_options_init(&o);
    const char *root[] = {"m\\.py"};
    o.root = root;
    o.nroot = 1;
    ck_assert_str_eq(filtered(full_text, &o, &rc), "fmain sleepsleep ");
}
END_TEST

START_TEST(filter_window_needs_a_clock)
{
    mojo_filter_options o;
    mojo_filter_options_init(&o);
    o.from = 1500;
    int rc;
    /* the second tick: both threads of process 1 sampled at 2000 us */
    const char *two_ticks = "# mode: wall\n\nP1;T0:1;m.py:a:1 1000\nP1;T0:2;m.py:b:1 1000\n"
                            "P1;T0:1;m.py:c:1 1000\nP1;T0:2;m.py:d:1 1000\n";
    ck_assert_str_eq(filtered(two_ticks, &o, &rc), "cc dd ");
    const char *cpu = "# mode: cpu\n\nP1;T0:1;m.py:a:1 1000\n";
    filtered(cpu, &o, &rc);
    ck_assert_int_eq(rc, MOJO_ERROR);
    mojo_filter_options_init(&o);
    const char *bad[] = {"[z-a]"};
    o.hide = bad;
    o.nhide = 1;
    mojo_error err;
    ck_assert_ptr_null(mojo_filter_new(&o, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "--hide"));
}
END_TEST

/* Merge texts into Austin text. */
static char *merged(const char *const *texts, size_t n, bool aggregate, int *rc)
{
    mojo_error err;
    mojo_writer *w = mojo_writer_open_memory(MOJO_FORMAT_AUSTIN, NULL, &err);
    mojo_frames *frames = mojo_frames_new();
    mojo_merge *m = mojo_merge_new(w, &(mojo_merge_options){.aggregate = aggregate,
                                                            .defer = n > 1});
    *rc = MOJO_OK;
    for (size_t i = 0; i < n && *rc == MOJO_OK; i++) {
        mojo_reader_options ro = {.frames = frames};
        mojo_reader *r = mojo_reader_open_memory(texts[i], strlen(texts[i]), "<text>",
                                                 &ro, &err);
        mojo_merge_begin_input(m, "<text>");
        mojo_event ev;
        while (*rc == MOJO_OK && mojo_reader_next(r, &ev) == MOJO_OK)
            *rc = mojo_merge_event(m, &ev);
        mojo_reader_close(r);
    }
    if (*rc == MOJO_OK)
        *rc = mojo_merge_finish(m);
    mojo_merge_free(m);
    void *buf = NULL;
    size_t len;
    mojo_writer_close_memory(w, &buf, &len, &err);
    mojo_frames_unref(frames);
    buf = realloc(buf, len + 1);
    ((char *)buf)[len] = 0;
    return buf;
}

START_TEST(merge_metadata_and_aggregate)
{
    const char *a = "# mode: wall\n# interval: 1000\n\nP1;T0:1;m.py:f:1 100\n\n# duration: 7\n";
    const char *b = "# mode: wall\n# python: 3.11\n\nP1;T0:1;m.py:f:1 50\n\n# duration: 9\n";
    const char *both[] = {a, b};
    int rc;
    char *out = merged(both, 2, false, &rc);
    ck_assert_int_eq(rc, MOJO_OK);
    ck_assert_str_eq(out, "# mode: wall\n# interval: 1000\n\n"
                          "P1;T0:1;m.py:f:1 100\nP1;T0:1;m.py:f:1 50\n"
                          "\n# duration: 7\n# python: 3.11\n\n");
    free(out);
    out = merged(both, 2, true, &rc);
    ck_assert_str_eq(out, "# mode: wall\n# interval: 1000\n\n"
                          "P1;T0:1;m.py:f:1 150\n\n# duration: 7\n# python: 3.11\n\n");
    free(out);
    const char *c = "# mode: memory\n\nP1;T0:1;m.py:f:1 -5\n";
    const char *clash[] = {a, c};
    out = merged(clash, 2, false, &rc);
    ck_assert_int_eq(rc, MOJO_ERROR);
    free(out);
}
END_TEST

/* --------------------------------------------------------------- YAML */

static const char *yaml_file(const char *text)
{
    static char path[64];
    snprintf(path, sizeof path, "/tmp/mojo-diff-unit-%ld.yaml", (long)getpid());
    FILE *f = fopen(path, "w");
    ck_assert_ptr_nonnull(f);
    fputs(text, f);
    fclose(f);
    return path;
}

START_TEST(config_diff_settings)
{
    mojo_diff_options o;
    mojo_diff_options_init(&o);
    const char *cli_ignore[] = {"^x"};
    o.ignore = cli_ignore;
    o.nignore = 1;
    mojo_error err;
    const char *path = yaml_file(
        "# CI settings\nthreshold: 2.5\nalpha: 0.05\nmetric: cpu\ncompare: absolute\n"
        "ignore_lines: yes\nignore: ['^<frozen ', 'site\\.py']\n"
        "budgets:\n  - function: 'app\\.py:parse$'\n    threshold: 1\n"
        "  - function: render\n    max-share: 30\n");
    mojo_config *c = mojo_diff_config_load(path, &o, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    near(o.threshold, 2.5, 0);
    near(o.alpha, 0.05, 0);
    ck_assert_int_eq(o.metric, MOJO_DIFF_METRIC_CPU);
    ck_assert(o.absolute && o.ignore_lines && !o.by_pid);
    ck_assert_uint_eq(o.nignore, 3);
    ck_assert_str_eq(o.ignore[0], "^x");
    ck_assert_str_eq(o.ignore[2], "site\\.py");
    ck_assert_uint_eq(o.nbudgets, 2);
    ck_assert_str_eq(o.budgets[0].pattern, "app\\.py:parse$");
    near(o.budgets[0].threshold, 1, 0);
    ck_assert(o.budgets[0].max_share < 0);
    near(o.budgets[1].max_share, 30, 0);
    mojo_config_free(c);
    unlink(path);
}
END_TEST

/* Each bad file gives its error at line:column. */
static const struct {
    const char *text, *where, *what;
} bad_yaml[] = {
    {"threshold: 5\nthreshhold: 3\n", ":2:1: ", "unknown setting 'threshhold'"},
    {"threshold: five\n", ":1:12: ", "threshold: expected a number"},
    {"alpha: 2\n", ":1:8: ", "between 0 and 1"},
    {"ignore:\n  - ok\n  - '(bad'\n", ":3:5: ", "bad regex '(bad'"},
    {"budgets:\n  - threshold: 1\n", ":2:5: ", "needs 'function'"},
    {"budgets:\n  - function: f\n    max-share: 120\n", ":3:16: ", "0 to 100"},
    {"metric: [a, b]\n", ":1:9: ", "expected a single value"},
    {"threshold: 5\n  alpha: [\n", ":2:", ""},
    {"- a\n- b\n", ":1:1: ", "expected a mapping"},
    {"compare: both\n", ":1:10: ", "share or absolute"},
};

START_TEST(config_errors_name_line_and_column)
{
    mojo_diff_options o;
    mojo_diff_options_init(&o);
    mojo_error err;
    const char *path = yaml_file(bad_yaml[_i].text);
    ck_assert_ptr_null(mojo_diff_config_load(path, &o, &err));
    char where[128];
    snprintf(where, sizeof where, "%s%s", path, bad_yaml[_i].where);
    ck_assert_msg(strncmp(err.message, where, strlen(where)) == 0, "%s", err.message);
    ck_assert_msg(strstr(err.message, bad_yaml[_i].what), "%s", err.message);
    unlink(path);
}
END_TEST

START_TEST(config_filter_rules)
{
    mojo_filter_options o;
    mojo_filter_options_init(&o);
    mojo_error err;
    const char *path = yaml_file("pid: [12, 13]\nthread: main\nfocus: 'a\\.py'\n"
                                 "hide: [x, y]\nno-idle: true\nfrom: 1.5s\nto: 2500ms\n");
    mojo_config *c = mojo_filter_rules_load(path, &o, &err);
    ck_assert_msg(c != NULL, "%s", err.message);
    ck_assert_uint_eq(o.npids, 2);
    ck_assert_int_eq(o.pids[1], 13);
    ck_assert_str_eq(o.threads[0], "main");
    ck_assert_uint_eq(o.nhide, 2);
    ck_assert(o.no_idle && !o.gc_only);
    ck_assert_int_eq(o.from, 1500000);
    ck_assert_int_eq(o.to, 2500000);
    mojo_config_free(c);
    path = yaml_file("pid: one\n");
    ck_assert_ptr_null(mojo_filter_rules_load(path, &o, &err));
    ck_assert_ptr_nonnull(strstr(err.message, ":1:6: pid: expected an integer"));
    path = yaml_file("from: soon\n");
    ck_assert_ptr_null(mojo_filter_rules_load(path, &o, &err));
    ck_assert_ptr_nonnull(strstr(err.message, ":1:7: from: expected a duration"));
    unlink(path);
    ck_assert_ptr_null(mojo_filter_rules_load("/nonexistent/rules.yaml", &o, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "/nonexistent/rules.yaml: "));
    /* a settings file is small: a huge one is refused before parsing */
    path = yaml_file("# big\n");
    FILE *f = fopen(path, "a");
    for (int i = 0; i < (1 << 20); i++)
        fputc('#', f);
    fclose(f);
    ck_assert_ptr_null(mojo_filter_rules_load(path, &o, &err));
    ck_assert_ptr_nonnull(strstr(err.message, "not a settings file"));
    unlink(path);
}
END_TEST

START_TEST(config_durations)
{
    int64_t us;
    ck_assert(mojo_parse_duration("2", &us) && us == 2000000);
    ck_assert(mojo_parse_duration("0.25s", &us) && us == 250000);
    ck_assert(mojo_parse_duration("20 ms", &us) && us == 20000);
    ck_assert(mojo_parse_duration("7us", &us) && us == 7);
    ck_assert(!mojo_parse_duration("-1", &us));
    ck_assert(!mojo_parse_duration("3h", &us));
    ck_assert(!mojo_parse_duration("", &us));
    ck_assert(!mojo_parse_duration("nan", &us));
}
END_TEST

static Suite *diff_suite(void)
{
    Suite *s = suite_create("diff");
    TCase *t = tcase_create("stats");
    tcase_add_test(t, stats_fisher_exact);
    tcase_add_test(t, stats_binomial_exact);
    tcase_add_test(t, stats_normal_tail_far_out);
    tcase_add_test(t, stats_holm);
    suite_add_tcase(s, t);
    t = tcase_create("diff");
    tcase_add_test(t, diff_shares_and_small_samples);
    tcase_add_test(t, diff_recursion_counts_once);
    tcase_add_test(t, diff_ignore_lines_and_native_addresses);
    tcase_add_test(t, diff_threads_by_order);
    tcase_add_test(t, diff_cpu_counts_busy_samples);
    tcase_add_test(t, diff_memory_metric_needs_memory);
    tcase_add_test(t, diff_absolute);
    tcase_add_test(t, diff_budgets_and_ignore);
    tcase_add_test(t, diff_bad_regex);
    tcase_add_test(t, diff_reports_render);
    suite_add_tcase(s, t);
    t = tcase_create("filter");
    tcase_add_test(t, filter_labels);
    tcase_add_test(t, filter_patterns);
    tcase_add_test(t, filter_window_needs_a_clock);
    tcase_add_test(t, merge_metadata_and_aggregate);
    suite_add_tcase(s, t);
    t = tcase_create("config");
    tcase_add_test(t, config_diff_settings);
    tcase_add_loop_test(t, config_errors_name_line_and_column, 0,
                        sizeof bad_yaml / sizeof bad_yaml[0]);
    tcase_add_test(t, config_filter_rules);
    tcase_add_test(t, config_durations);
    suite_add_tcase(s, t);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(diff_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
