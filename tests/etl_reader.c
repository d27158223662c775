/* Tests of the ETL reader and writer through the public API: the fixtures
 * of testdata/etl (made byte by byte by gen_fixtures.py; their readings,
 * *.austin, worked out by hand), writer -> reader round trips, and every
 * truncation offset and every flipped byte of a written file. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mojo.h"
#include "etl_format.h"
#include "testutil.h"

static const char *fixture_path(const char *name)
{
    return tu_path(tu_path(tu_srcdir(), "testdata/etl"), name);
}

static int cmp_lines(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Text with its lines sorted (samples come in time order, which the
 * expected files need not follow). */
static char *sorted(const char *text, size_t n)
{
    char *copy = malloc(n + 1), *out = malloc(n + 2);
    memcpy(copy, text, n);
    copy[n] = 0;
    char **lines = malloc((n + 1) * sizeof *lines);
    size_t k = 0;
    for (char *s = strtok(copy, "\n"); s; s = strtok(NULL, "\n"))
        lines[k++] = s;
    qsort(lines, k, sizeof *lines, cmp_lines);
    size_t o = 0;
    for (size_t i = 0; i < k; i++)
        o += (size_t)sprintf(out + o, "%s\n", lines[i]);
    out[o] = 0;
    free(lines);
    free(copy);
    return out;
}

/* The reader's whole stream as Austin text. */
static char *to_austin(mojo_reader *r, int *status)
{
    mojo_error err;
    mojo_writer *w = mojo_writer_open_memory(MOJO_FORMAT_AUSTIN, NULL, &err);
    ck_assert_ptr_nonnull(w);
    mojo_event ev;
    int rc;
    while ((rc = mojo_reader_next(r, &ev)) == MOJO_OK)
        ck_assert_int_eq(mojo_writer_write(w, &ev), MOJO_OK);
    *status = rc;
    void *buf;
    size_t len;
    ck_assert_int_eq(mojo_writer_close_memory(w, &buf, &len, &err), MOJO_OK);
    char *s = sorted(buf, len);
    free(buf);
    return s;
}

static const struct {
    const char *etl, *expected;
    int marks, python_only;
} readings[] = {
    {"instrumented.etl", "instrumented.austin", 0, 0},
    {"instrumented.etl", "instrumented-marks.austin", 1, 0},
    {"instrumented.etl", "instrumented-python-only.austin", 0, 1},
    {"instrumented32.etl", "instrumented32.austin", 0, 0},
    {"sampling.etl", "sampling.austin", 0, 0},
    {"sampling.etl", "sampling-python-only.austin", 0, 1},
    {"sampling-xpress.etl", "sampling.austin", 0, 0},
    {"sampling-xpress.etl", "sampling-python-only.austin", 0, 1},
};

START_TEST(test_fixture_readings)
{
    mojo_error err;
    mojo_reader *r = mojo_reader_open_path(fixture_path(readings[_i].etl), NULL,
                                           &err);
    ck_assert_msg(r != NULL, "%s", err.message);
    ck_assert_int_eq(mojo_reader_format(r), MOJO_FORMAT_ETL);
    mojo_etl_options o = {readings[_i].marks, readings[_i].python_only};
    ck_assert_int_eq(mojo_reader_set_etl_options(r, &o, &err), MOJO_OK);
    int status;
    char *got = to_austin(r, &status);
    ck_assert_int_eq(status, MOJO_END);
    size_t n;
    char *want_raw = tu_slurp(fixture_path(readings[_i].expected), &n);
    ck_assert_ptr_nonnull(want_raw);
    char *want = sorted(want_raw, n);
    ck_assert_msg(strcmp(got, want) == 0, "%s:\n%s\nexpected:\n%s",
                  readings[_i].etl, got, want);
    free(got);
    free(want);
    free(want_raw);
    mojo_reader_close(r);
}
END_TEST

/* Instrumented samples carry their start time and kinds. */
START_TEST(test_fixture_timestamps)
{
    mojo_error err;
    mojo_reader *r = mojo_reader_open_path(fixture_path("instrumented.etl"),
                                           NULL, &err);
    ck_assert_ptr_nonnull(r);
    mojo_event ev;
    int meta = 0, k = 0;
    const int64_t start[] = {1000, 1100, 1300, 1600, 1700, 1750, 1900};
    const int64_t time[] = {100, 200, 300, 100, 50, 150, 100};
    while (mojo_reader_next(r, &ev) == MOJO_OK) {
        if (ev.type == MOJO_EVENT_METADATA) {
            ck_assert_int_eq(k, 0);  /* metadata first */
            if (meta++ == 0) {
                ck_assert_str_eq(ev.u.metadata.key.ptr, "mode");
                ck_assert_str_eq(ev.u.metadata.value.ptr, "wall");
            }
            continue;
        }
        const mojo_sample *s = &ev.u.sample;
        ck_assert_int_eq(s->metrics, MOJO_METRIC_TIME);
        ck_assert_int_eq(s->iid, -1);
        if (s->tid != 11)
            continue;
        ck_assert_int_lt(k, 7);
        ck_assert_int_eq(s->pid, 100);
        ck_assert_int_eq(s->timestamp, start[k]);
        ck_assert_int_eq(s->time, time[k]);
        ck_assert_int_eq(s->frames[0]->kind, MOJO_FRAME_PYTHON);
        if (k == 4) {
            ck_assert_int_eq(s->nframes, 3);
            ck_assert_int_eq(s->frames[2]->kind, MOJO_FRAME_NATIVE);
            ck_assert_str_eq(s->frames[2]->scope.ptr, "len");
        }
        k++;
    }
    ck_assert_int_eq(k, 7);
    ck_assert_ptr_null(mojo_reader_error(r));
    mojo_reader_close(r);
}
END_TEST

START_TEST(test_sniff)
{
    size_t n;
    char *b = tu_slurp(fixture_path("sampling.etl"), &n);
    ck_assert_ptr_nonnull(b);
    ck_assert(mojo_etl_sniff((uint8_t *)b, n));
    ck_assert(mojo_etl_sniff((uint8_t *)b, 64));  /* what reader.c offers */
    ck_assert(!mojo_etl_sniff((uint8_t *)b, 63));
    b[ETL_BUF_TYPE] = 0;  /* not a header buffer */
    ck_assert(!mojo_etl_sniff((uint8_t *)b, n));
    free(b);
    const char *text = "# mode: wall\n\nP1;T1;a.py:f:1 10\n"
                       "P1;T1;a.py:f:1 10\nP1;T1;a.py:f:1 10\nP1;T1;a.py:f:1 10\n";
    ck_assert(!mojo_etl_sniff((const uint8_t *)text, strlen(text)));
    uint8_t zeros[128] = {0};
    ck_assert(!mojo_etl_sniff(zeros, sizeof zeros));
}
END_TEST

START_TEST(test_options_api)
{
    mojo_error err;
    const char *text = "P1;T1;a.py:f:1 10\n";
    mojo_reader *r = mojo_reader_open_memory(text, strlen(text), "t", NULL, &err);
    mojo_etl_options o = {1, 1};
    ck_assert_int_eq(mojo_reader_set_etl_options(r, &o, &err), MOJO_ERROR);
    ck_assert_ptr_nonnull(strstr(err.message, "not ETL"));
    mojo_reader_close(r);
    r = mojo_reader_open_path(fixture_path("sampling.etl"), NULL, &err);
    ck_assert_ptr_nonnull(r);
    mojo_event ev;
    ck_assert_int_eq(mojo_reader_next(r, &ev), MOJO_OK);
    ck_assert_int_eq(mojo_reader_set_etl_options(r, &o, &err), MOJO_ERROR);
    mojo_reader_close(r);
}
END_TEST

/* ------------------------------------------------------- round trips */

typedef struct frame_spec {
    mojo_frame_kind kind;
    const char *file, *scope;
    int64_t line;
} frame_spec;

typedef struct sample_spec {
    int64_t pid;
    uint64_t tid;
    int64_t time, timestamp;
    int nframes;
    int frames[8];  /* indices into specs; -1 ends */
} sample_spec;

static const frame_spec specs[] = {
    {MOJO_FRAME_PYTHON, "/app/main.py", "<module>", 3},
    {MOJO_FRAME_PYTHON, "/app/main.py", "run", 12},
    {MOJO_FRAME_PYTHON, "/app/main.py", "run", 14},
    {MOJO_FRAME_PYTHON, "/app/na\xc3\xafve.py", "\xf0\x9f\x90\x8d.f", 7},
    {MOJO_FRAME_NATIVE, "native@0x7f00", "memcpy", 0},
    {MOJO_FRAME_KERNEL, "kernel", "do_syscall_64", 0},
    {MOJO_FRAME_INVALID, "", "", 0},
    {MOJO_FRAME_PYTHON, "bad\xff.py", "g", 1},  /* not UTF-8: Latin-1 */
};

static const sample_spec samples[] = {
    {1, 10, 100, -1, 2, {0, 1}},
    {1, 10, 50, -1, 2, {0, 1}},         /* the same stack again */
    {1, 10, 70, -1, 3, {0, 2, 3}},
    {1, 10, 10, -1, 4, {0, 2, 3, 4}},
    {1, 11, 20, 5000, 2, {0, 5}},       /* with timestamps */
    {1, 11, 30, 5100, 1, {6}},
    {1, 11, 40, 5100, 2, {0, 1}},       /* a timestamp in the past: queued */
    {2, 10, 60, -1, 3, {0, 1, 7}},      /* another process, same tid */
    {1, 10, 25, -1, 1, {0}},
};
#define NSAMPLES (sizeof samples / sizeof *samples)

/* What reading the written file gives back for sample i. */
static int64_t expected_timestamp(size_t i)
{
    int64_t clock10 = 0, clock11 = 0, clock2 = 0;
    for (size_t k = 0;; k++) {
        const sample_spec *s = &samples[k];
        int64_t *c = s->pid == 2 ? &clock2 : s->tid == 11 ? &clock11 : &clock10;
        int64_t at = s->timestamp > *c ? s->timestamp : *c;
        if (k == i)
            return at;
        *c = at + s->time;
    }
}

static void *write_samples(uint32_t buffer_size, size_t *len)
{
    mojo_error err;
    mojo_writer *w = mojo_writer_open_memory(MOJO_FORMAT_ETL, NULL, &err);
    ck_assert_ptr_nonnull(w);
    if (buffer_size)
        etl_writer_set_buffer_size(w, buffer_size);
    mojo_frames *t = mojo_frames_new();
    mojo_event meta = {.type = MOJO_EVENT_METADATA};
    meta.u.metadata.key = (mojo_str){"mode", 4};
    meta.u.metadata.value = (mojo_str){"wall", 4};
    ck_assert_int_eq(mojo_writer_write(w, &meta), MOJO_OK);
    for (size_t i = 0; i < NSAMPLES; i++) {
        const mojo_frame *fr[8];
        for (int k = 0; k < samples[i].nframes; k++) {
            const frame_spec *f = &specs[samples[i].frames[k]];
            mojo_frame proto = {.kind = f->kind, .line = f->line};
            proto.file = (mojo_str){f->file, strlen(f->file)};
            proto.scope = (mojo_str){f->scope, strlen(f->scope)};
            fr[k] = mojo_frames_intern(t, &proto);
        }
        mojo_event ev = {.type = MOJO_EVENT_SAMPLE};
        mojo_sample *s = &ev.u.sample;
        s->pid = samples[i].pid;
        s->tid = samples[i].tid;
        s->iid = 0;
        s->frames = fr;
        s->nframes = (size_t)samples[i].nframes;
        s->metrics = MOJO_METRIC_TIME;
        s->time = samples[i].time;
        s->timestamp = samples[i].timestamp;
        ck_assert_int_eq(mojo_writer_write(w, &ev), MOJO_OK);
    }
    void *buf;
    ck_assert_int_eq(mojo_writer_close_memory(w, &buf, len, &err), MOJO_OK);
    mojo_frames_unref(t);
    return buf;
}

/* Does read-back sample s match written sample i? */
static bool same_sample(const mojo_sample *s, size_t i)
{
    const sample_spec *w = &samples[i];
    if (s->pid != w->pid || s->tid != w->tid || s->time != w->time ||
        s->timestamp != expected_timestamp(i) || s->nframes != (size_t)w->nframes)
        return false;
    for (int k = 0; k < w->nframes; k++) {
        const frame_spec *f = &specs[w->frames[k]];
        const mojo_frame *g = s->frames[k];
        bool latin1 = w->frames[k] == 7;  /* the byte 0xff becomes U+00FF */
        if (g->kind != f->kind || g->line != f->line ||
            strcmp(g->scope.ptr, f->scope) != 0 ||
            strcmp(g->file.ptr, latin1 ? "bad\xc3\xbf.py" : f->file) != 0)
            return false;
    }
    return true;
}

START_TEST(test_roundtrip)
{
    size_t len;
    void *buf = write_samples(0, &len);
    ck_assert_uint_eq(len % 65536, 0);
    mojo_error err;
    mojo_reader *r = mojo_reader_open_memory(buf, len, "rt.etl", NULL, &err);
    ck_assert_msg(r != NULL, "%s", err.message);
    ck_assert_int_eq(mojo_reader_format(r), MOJO_FORMAT_ETL);
    bool seen[NSAMPLES] = {false};
    size_t n = 0;
    mojo_event ev;
    int rc;
    while ((rc = mojo_reader_next(r, &ev)) == MOJO_OK) {
        if (ev.type != MOJO_EVENT_SAMPLE)
            continue;
        n++;
        size_t i = 0;
        while (i < NSAMPLES && (seen[i] || !same_sample(&ev.u.sample, i)))
            i++;
        if (i == NSAMPLES) {
            const mojo_sample *g = &ev.u.sample;
            fprintf(stderr, "read back: pid %lld tid %llu time %lld at %lld:",
                    (long long)g->pid, (unsigned long long)g->tid,
                    (long long)g->time, (long long)g->timestamp);
            for (size_t k = 0; k < g->nframes; k++)
                fprintf(stderr, " %d:%s:%s:%lld", g->frames[k]->kind,
                        g->frames[k]->file.ptr, g->frames[k]->scope.ptr,
                        (long long)g->frames[k]->line);
            fprintf(stderr, "\n");
        }
        ck_assert_msg(i < NSAMPLES, "sample %zu read back does not match",
                      n);
        seen[i] = true;
    }
    ck_assert_int_eq(rc, MOJO_END);
    ck_assert_uint_eq(n, NSAMPLES);
    mojo_reader_close(r);
    free(buf);
}
END_TEST

/* The same samples through both buffer sizes give the same reading. */
START_TEST(test_roundtrip_small_buffers)
{
    size_t la, lb;
    void *a = write_samples(0, &la), *b = write_samples(1024, &lb);
    ck_assert_uint_eq(lb % 1024, 0);
    ck_assert_uint_gt(lb / 1024, 3);  /* several data buffers */
    mojo_error err;
    int sa, sb;
    mojo_reader *ra = mojo_reader_open_memory(a, la, "a", NULL, &err);
    mojo_reader *rb = mojo_reader_open_memory(b, lb, "b", NULL, &err);
    char *ta = to_austin(ra, &sa), *tb = to_austin(rb, &sb);
    ck_assert_int_eq(sa, MOJO_END);
    ck_assert_int_eq(sb, MOJO_END);
    ck_assert_str_eq(ta, tb);
    free(ta);
    free(tb);
    mojo_reader_close(ra);
    mojo_reader_close(rb);
    free(a);
    free(b);
}
END_TEST

START_TEST(test_writer_rejects_memory_samples)
{
    mojo_error err;
    mojo_writer *w = mojo_writer_open_memory(MOJO_FORMAT_ETL, NULL, &err);
    mojo_event ev = {.type = MOJO_EVENT_SAMPLE};
    ev.u.sample.metrics = MOJO_METRIC_MEMORY;
    ev.u.sample.memory = 100;
    ck_assert_int_eq(mojo_writer_write(w, &ev), MOJO_ERROR);
    ck_assert_ptr_nonnull(strstr(mojo_writer_error(w)->message, "time metric"));
    void *buf;
    size_t len;
    ck_assert_int_eq(mojo_writer_close_memory(w, &buf, &len, &err), MOJO_ERROR);
}
END_TEST

/* An empty profile is still a valid ETL: a header buffer alone. */
START_TEST(test_writer_empty)
{
    mojo_error err;
    mojo_writer *w = mojo_writer_open_memory(MOJO_FORMAT_ETL, NULL, &err);
    void *buf;
    size_t len;
    ck_assert_int_eq(mojo_writer_close_memory(w, &buf, &len, &err), MOJO_OK);
    ck_assert_uint_eq(len, 65536);
    mojo_reader *r = mojo_reader_open_memory(buf, len, "e", NULL, &err);
    ck_assert_ptr_nonnull(r);
    int st;
    char *t = to_austin(r, &st);
    ck_assert_int_eq(st, MOJO_END);
    ck_assert_str_eq(t, "# duration: 0\n# mode: wall\n");
    free(t);
    mojo_reader_close(r);
    free(buf);
}
END_TEST

/* Recursion deeper than the reader keeps: the outer 4096 frames, and the
 * stack is right again once it returns. */
START_TEST(test_deep_recursion)
{
    mojo_error err;
    mojo_writer *w = mojo_writer_open_memory(MOJO_FORMAT_ETL, NULL, &err);
    mojo_frames *t = mojo_frames_new();
    mojo_frame pf = {.kind = MOJO_FRAME_PYTHON, .line = 2};
    pf.file = (mojo_str){"r.py", 4};
    pf.scope = (mojo_str){"f", 1};
    const mojo_frame *f = mojo_frames_intern(t, &pf);
    pf.scope = (mojo_str){"g", 1};
    const mojo_frame *g = mojo_frames_intern(t, &pf);
    static const mojo_frame *deep[5000];
    for (int i = 0; i < 5000; i++)
        deep[i] = f;
    const size_t depth[] = {5000, 10, 1};
    for (int k = 0; k < 3; k++) {
        mojo_event ev = {.type = MOJO_EVENT_SAMPLE};
        if (k == 2)
            deep[0] = g;
        ev.u.sample.pid = 1;
        ev.u.sample.tid = 1;
        ev.u.sample.frames = deep;
        ev.u.sample.nframes = depth[k];
        ev.u.sample.metrics = MOJO_METRIC_TIME;
        ev.u.sample.time = 100;
        ev.u.sample.timestamp = -1;
        ck_assert_int_eq(mojo_writer_write(w, &ev), MOJO_OK);
    }
    void *buf;
    size_t len;
    ck_assert_int_eq(mojo_writer_close_memory(w, &buf, &len, &err), MOJO_OK);
    mojo_reader *r = mojo_reader_open_memory(buf, len, "deep", NULL, &err);
    mojo_event ev;
    size_t want[] = {4096, 10, 1}, k = 0;
    while (mojo_reader_next(r, &ev) == MOJO_OK) {
        if (ev.type != MOJO_EVENT_SAMPLE)
            continue;
        ck_assert_uint_lt(k, 3);
        ck_assert_uint_eq(ev.u.sample.nframes, want[k]);
        ck_assert_int_eq(ev.u.sample.time, 100);
        ck_assert_str_eq(ev.u.sample.frames[0]->scope.ptr, k == 2 ? "g" : "f");
        k++;
    }
    ck_assert_uint_eq(k, 3);
    mojo_reader_close(r);
    mojo_frames_unref(t);
    free(buf);
}
END_TEST

/* Read a whole (maybe damaged) input; its samples, or -1 if it failed. */
static long read_all(const void *buf, size_t len, bool force, mojo_error *err)
{
    mojo_reader_options o = {.format = force ? MOJO_FORMAT_ETL : MOJO_FORMAT_UNKNOWN};
    mojo_reader *r = mojo_reader_open_memory(buf, len, "cut.etl", &o, err);
    if (!r)
        return -1;
    mojo_event ev;
    long n = 0;
    int rc;
    while ((rc = mojo_reader_next(r, &ev)) == MOJO_OK)
        n += ev.type == MOJO_EVENT_SAMPLE;
    if (rc == MOJO_ERROR)
        *err = *mojo_reader_error(r);
    mojo_reader_close(r);
    return rc == MOJO_ERROR ? -1 : n;
}

/* Every prefix of a written file is reported as damaged (the buffer count
 * in the header tells a cut at a buffer boundary), with the file name and
 * an offset, and never crashes; cut inside the data, the complete buffers'
 * samples are still produced before the error. */
START_TEST(test_every_truncation)
{
    size_t len;
    uint8_t *buf = write_samples(1024, &len);
    mojo_error err;
    ck_assert_int_eq(read_all(buf, len, true, &err), (long)NSAMPLES);
    for (size_t cut = 0; cut < len; cut++) {
        uint8_t *part = malloc(cut ? cut : 1);
        memcpy(part, buf, cut);
        mojo_error_clear(&err);
        long n = read_all(part, cut, true, &err);
        ck_assert_msg(n == -1, "a cut at %zu was not reported", cut);
        ck_assert_msg(strstr(err.message, "cut.etl: offset ") == err.message,
                      "cut %zu: %s", cut, err.message);
        free(part);
    }
    free(buf);
}
END_TEST

/* Samples of the buffers before a cut still come out. */
START_TEST(test_truncation_keeps_samples)
{
    size_t len;
    uint8_t *buf = write_samples(1024, &len);
    mojo_error err;
    mojo_reader *r = mojo_reader_open_memory(buf, len - 1024 - 10, "cut.etl",
                                             NULL, &err);
    ck_assert_ptr_nonnull(r);
    mojo_event ev;
    long n = 0;
    int rc;
    while ((rc = mojo_reader_next(r, &ev)) == MOJO_OK)
        n += ev.type == MOJO_EVENT_SAMPLE;
    ck_assert_int_eq(rc, MOJO_ERROR);
    ck_assert_int_gt(n, 0);
    ck_assert_int_eq(mojo_reader_error(r)->code, MOJO_E_TRUNCATED);
    ck_assert_uint_eq(mojo_reader_error(r)->offset, len - 2048);
    mojo_reader_close(r);
    free(buf);
}
END_TEST

/* Any single byte flipped: an error or a reading, never a crash. */
START_TEST(test_every_flipped_byte)
{
    size_t len;
    uint8_t *buf = write_samples(1024, &len);
    for (size_t at = 0; at < len; at++) {
        buf[at] ^= 0xFF;
        mojo_error err;
        long n = read_all(buf, len, at % 2, &err);
        ck_assert(n >= -1);
        buf[at] ^= 0xFF;
    }
    free(buf);
}
END_TEST

static Suite *reader_suite(void)
{
    Suite *s = suite_create("etl reader and writer");
    TCase *tc = tcase_create("fixtures");
    tcase_add_loop_test(tc, test_fixture_readings, 0,
                        sizeof readings / sizeof *readings);
    tcase_add_test(tc, test_fixture_timestamps);
    tcase_add_test(tc, test_sniff);
    tcase_add_test(tc, test_options_api);
    suite_add_tcase(s, tc);
    tc = tcase_create("writer");
    tcase_add_test(tc, test_roundtrip);
    tcase_add_test(tc, test_roundtrip_small_buffers);
    tcase_add_test(tc, test_writer_rejects_memory_samples);
    tcase_add_test(tc, test_writer_empty);
    tcase_add_test(tc, test_deep_recursion);
    suite_add_tcase(s, tc);
    tc = tcase_create("damage");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_every_truncation);
    tcase_add_test(tc, test_truncation_keeps_samples);
    tcase_add_test(tc, test_every_flipped_byte);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(reader_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
