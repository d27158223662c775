/* Unit tests of the converters' building blocks: UTF-8 repair and JSON
 * escaping, the interned stack table, the choice of values by mode, and the
 * pprof writer's message read back with protobuf-c. The expected UTF-8
 * repairs are those of Python's bytes.decode("utf-8", "replace"), an
 * independent implementation of the same Unicode rule. */
#include <check.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "json.h"
#include "stacks.h"
#include "profile.pb-c.h"

/* ------------------------------------------------------------ UTF-8 */

static char *repaired(const char *s, size_t n)
{
    size_t len;
    char *r = mojo_utf8_repair(s, n, &len);
    ck_assert_ptr_nonnull(r);
    ck_assert_uint_eq(strlen(r), len);
    return r;
}

#define FFFD "\xef\xbf\xbd"

START_TEST(utf8_repair_follows_unicode)
{
    static const struct { const char *in; size_t n; const char *out; } cases[] = {
        {"plain", 5, "plain"},
        {"caf\xc3\xa9", 5, "caf\xc3\xa9"},
        {"\xf0\x9f\x98\x80", 4, "\xf0\x9f\x98\x80"},
        {"\xc0\x80", 2, FFFD FFFD},                 /* overlong */
        {"\xe0\x80\x80", 3, FFFD FFFD FFFD},        /* overlong */
        {"\xe2\x82", 2, FFFD},                      /* truncated: one */
        {"\xed\xa0\x80", 3, FFFD FFFD FFFD},        /* surrogate */
        {"\xf4\x90\x80\x80", 4, FFFD FFFD FFFD FFFD}, /* above U+10FFFF */
        {"\xf0\x9f\x98" "A", 4, FFFD "A"},
        {"a\xff" "b", 3, "a" FFFD "b"},
        {"nul\0in", 6, "nul\0in"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t len;
        char *r = mojo_utf8_repair(cases[i].in, cases[i].n, &len);
        ck_assert_ptr_nonnull(r);
        size_t want = cases[i].n == 6 ? 6 : strlen(cases[i].out);
        ck_assert_msg(len == want && memcmp(r, cases[i].out, len) == 0,
                      "case %zu", i);
        ck_assert(mojo_utf8_valid(r, len));
        ck_assert(mojo_utf8_valid(cases[i].in, cases[i].n) ==
                  (memcmp(r, cases[i].in, cases[i].n) == 0 && len == cases[i].n));
        free(r);
    }
}
END_TEST

static char *json_of(const char *s, size_t n)
{
    mojo_error err;
    mojo_output *o = mojo_output_open_memory(false, &err);
    ck_assert_ptr_nonnull(o);
    ck_assert_int_eq(mojo_json_write_string(o, s, n), MOJO_OK);
    void *buf;
    size_t len;
    ck_assert_int_eq(mojo_output_close_memory(o, &buf, &len, &err), MOJO_OK);
    char *z = malloc(len + 1);
    memcpy(z, buf, len);
    z[len] = 0;
    free(buf);
    return z;
}

START_TEST(json_escapes_everything)
{
    const char in[] = "a\"b\\c\n\t\x01\x7f\xe2\x80\xa8\xff\xc3\xa9";
    char *j = json_of(in, sizeof in - 1);
    ck_assert_str_eq(j, "\"a\\\"b\\\\c\\n\\t\\u0001\\u007f\\u2028" FFFD "\xc3\xa9\"");
    free(j);
    j = json_of("", 0);
    ck_assert_str_eq(j, "\"\"");
    free(j);
}
END_TEST

START_TEST(json_long_string_crosses_buffers)
{
    size_t n = 300000;
    char *in = malloc(n);
    for (size_t i = 0; i < n; i++)
        in[i] = (i % 3) ? 'x' : '"';
    char *j = json_of(in, n);
    ck_assert_uint_eq(strlen(j), n + n / 3 + 2);
    free(j);
    free(in);
}
END_TEST

/* ------------------------------------------------------- stack table */

static const mojo_frame *mkframe(mojo_frames *t, const char *file,
                                 const char *scope, int64_t line)
{
    mojo_frame f = {.kind = MOJO_FRAME_PYTHON,
                    .file = {file, strlen(file)},
                    .scope = {scope, strlen(scope)},
                    .line = line};
    const mojo_frame *p = mojo_frames_intern(t, &f);
    ck_assert_ptr_nonnull(p);
    return p;
}

static mojo_sample mksample(const mojo_frame *const *frames, size_t n,
                            int64_t pid, uint64_t tid)
{
    mojo_sample s = {.pid = pid, .iid = 0, .tid = tid, .frames = frames,
                     .nframes = n, .metrics = MOJO_METRIC_TIME, .time = 10,
                     .timestamp = -1};
    return s;
}

START_TEST(stacks_aggregate_and_keep_totals)
{
    mojo_frames *t = mojo_frames_new();
    const mojo_frame *a = mkframe(t, "m.py", "<module>", 1);
    const mojo_frame *b = mkframe(t, "m.py", "f", 2);
    const mojo_frame *ab[] = {a, b};
    mojo_stacks *s = mojo_stacks_new(MOJO_STACKS_BY_ALL, 1);

    mojo_sample x = mksample(ab, 2, 1, 1);
    x.metrics = MOJO_METRIC_TIME | MOJO_METRIC_MEMORY;
    x.memory = 100;
    ck_assert_int_eq(mojo_stacks_add(s, &x, 0), MOJO_OK);
    x.flags = MOJO_SAMPLE_IDLE;
    x.memory = -30;
    ck_assert_int_eq(mojo_stacks_add(s, &x, 0), MOJO_OK);
    x.flags = MOJO_SAMPLE_GC;                  /* another stack */
    ck_assert_int_eq(mojo_stacks_add(s, &x, 0), MOJO_OK);
    mojo_sample empty = mksample(NULL, 0, 1, 1); /* counts too */
    ck_assert_int_eq(mojo_stacks_add(s, &empty, 0), MOJO_OK);
    mojo_sample other = mksample(ab, 1, 1, 2); /* other thread */
    ck_assert_int_eq(mojo_stacks_add(s, &other, 0), MOJO_OK);

    ck_assert_uint_eq(mojo_stacks_count(s), 4);
    const mojo_stack_totals *t0 = mojo_stacks_totals(s, 0, 0);
    ck_assert_uint_eq(t0->samples, 2);
    ck_assert_int_eq(t0->time, 20);
    ck_assert_int_eq(t0->cpu, 10);
    ck_assert_int_eq(t0->memory, 70);
    ck_assert_int_eq(t0->alloc, 100);
    ck_assert_int_eq(t0->dealloc, 30);
    ck_assert_uint_eq(mojo_stacks_get(s, 1)->flags, MOJO_SAMPLE_GC);
    ck_assert_uint_eq(mojo_stacks_get(s, 2)->nframes, 0);
    ck_assert_uint_eq(mojo_stacks_get(s, 3)->tid, 2);
    mojo_stack_totals all = mojo_stacks_grand_total(s, 0);
    ck_assert_uint_eq(all.samples, 5);
    ck_assert_int_eq(all.time, 50);
    ck_assert_uint_eq(mojo_stacks_metrics(s), MOJO_METRIC_TIME | MOJO_METRIC_MEMORY);

    /* frames are the table's own copies, root first */
    const mojo_stack *st = mojo_stacks_get(s, 0);
    const mojo_frames *own = mojo_stacks_frames(s);
    ck_assert_str_eq(mojo_frames_get(own, st->frames[0])->scope.ptr, "<module>");
    ck_assert_str_eq(mojo_frames_get(own, st->frames[1])->scope.ptr, "f");
    mojo_stacks_free(s);
    /* and they outlive the source table */
    mojo_frames_unref(t);
}
END_TEST

START_TEST(stacks_keys_and_slots)
{
    mojo_frames *t = mojo_frames_new();
    const mojo_frame *a = mkframe(t, "m.py", "f", 1);
    const mojo_frame *fa[] = {a};
    /* a diff: ignore pids and threads, two slots */
    mojo_stacks *s = mojo_stacks_new(MOJO_STACKS_BY_IID, 2);
    mojo_sample x = mksample(fa, 1, 1, 1), y = mksample(fa, 1, 2, 7);
    y.time = 25;
    ck_assert_int_eq(mojo_stacks_add(s, &x, 0), MOJO_OK);
    ck_assert_int_eq(mojo_stacks_add(s, &y, 1), MOJO_OK);
    ck_assert_int_eq(mojo_stacks_add(s, &y, 2), MOJO_ERROR);
    ck_assert_uint_eq(mojo_stacks_count(s), 1);
    ck_assert_int_eq(mojo_stacks_totals(s, 0, 0)->time, 10);
    ck_assert_int_eq(mojo_stacks_totals(s, 0, 1)->time, 25);
    ck_assert_int_eq(mojo_stacks_get(s, 0)->pid, 1); /* from the first */
    mojo_stacks_free(s);
    mojo_frames_unref(t);
}
END_TEST

START_TEST(stacks_from_two_source_tables)
{
    /* Equal ids in different tables are different frames. */
    mojo_frames *t1 = mojo_frames_new(), *t2 = mojo_frames_new();
    const mojo_frame *f1 = mkframe(t1, "a.py", "one", 1);
    const mojo_frame *f2 = mkframe(t2, "b.py", "two", 2);
    const mojo_frame *f2same = mkframe(t2, "a.py", "one", 1);
    ck_assert_uint_eq(f1->id, f2->id);
    mojo_stacks *s = mojo_stacks_new(MOJO_STACKS_BY_ALL, 1);
    const mojo_frame *s1[] = {f1}, *s2[] = {f2}, *s3[] = {f2same};
    mojo_sample x = mksample(s1, 1, 1, 1), y = mksample(s2, 1, 1, 1),
                z = mksample(s3, 1, 1, 1);
    ck_assert_int_eq(mojo_stacks_add(s, &x, 0), MOJO_OK);
    ck_assert_int_eq(mojo_stacks_add(s, &y, 0), MOJO_OK);
    ck_assert_int_eq(mojo_stacks_add(s, &z, 0), MOJO_OK);
    ck_assert_uint_eq(mojo_stacks_count(s), 2);
    ck_assert_int_eq(mojo_stacks_totals(s, 0, 0)->time, 20);
    ck_assert_uint_eq(mojo_frames_count(mojo_stacks_frames(s)), 2);
    mojo_stacks_free(s);
    mojo_frames_unref(t1);
    mojo_frames_unref(t2);
}
END_TEST

START_TEST(stacks_many_distinct)
{
    mojo_frames *t = mojo_frames_new();
    enum { N = 20000 };
    const mojo_frame **fr = malloc(N * sizeof *fr);
    char name[32];
    for (int i = 0; i < N; i++) {
        snprintf(name, sizeof name, "f%d", i);
        fr[i] = mkframe(t, "m.py", name, i);
    }
    mojo_stacks *s = mojo_stacks_new(MOJO_STACKS_BY_ALL, 1);
    for (int round = 0; round < 3; round++)
        for (int i = 1; i <= N; i++) {
            mojo_sample x = mksample(fr + (i % 7), (size_t)(i % 50) + 1, i % 3, 1);
            x.time = i;
            ck_assert_int_eq(mojo_stacks_add(s, &x, 0), MOJO_OK);
        }
    /* (start, length, pid) repeats with period lcm(7, 50, 3) = 1050 */
    ck_assert_uint_eq(mojo_stacks_count(s), 1050);
    ck_assert_int_eq(mojo_stacks_grand_total(s, 0).time, 3LL * N * (N + 1) / 2);
    const mojo_stack *st = mojo_stacks_get(s, 0); /* i = 1 */
    ck_assert_uint_eq(st->nframes, 2);
    ck_assert_int_eq(mojo_frames_get(mojo_stacks_frames(s), st->frames[0])->line, 1);
    mojo_stacks_free(s);
    mojo_frames_unref(t);
    free(fr);
}
END_TEST

/* ---------------------------------------------------- values by mode */

static size_t kinds_for(const char *mode, unsigned metrics, mojo_value_kind *k,
                        const char **used)
{
    mojo_profile_info pi;
    mojo_profile_info_init(&pi);
    if (mode) {
        mojo_str key = {"mode", 4}, value = {mode, strlen(mode)};
        mojo_profile_info_note(&pi, &key, &value);
    }
    return mojo_value_kinds(&pi, metrics, k, used);
}

START_TEST(value_kinds_by_mode)
{
    mojo_value_kind k[MOJO_VALUE_KINDS];
    const char *m;
    unsigned T = MOJO_METRIC_TIME, M = MOJO_METRIC_MEMORY;
    ck_assert_uint_eq(kinds_for("wall", T, k, &m), 1);
    ck_assert_int_eq(k[0], MOJO_VALUE_WALL);
    ck_assert_uint_eq(kinds_for("cpu", T, k, &m), 1);
    ck_assert_int_eq(k[0], MOJO_VALUE_CPU);
    ck_assert_uint_eq(kinds_for("memory", M, k, &m), 2);
    ck_assert_int_eq(k[1], MOJO_VALUE_DEALLOC);
    ck_assert_uint_eq(kinds_for("full", T | M, k, &m), 4);
    ck_assert_uint_eq(kinds_for("full", T, k, &m), 4); /* time-only full */
    /* missing or contradicted mode: the metrics decide */
    ck_assert_uint_eq(kinds_for(NULL, T | M, k, &m), 4);
    ck_assert_str_eq(m, "full");
    ck_assert_uint_eq(kinds_for(NULL, M, k, &m), 2);
    ck_assert_str_eq(m, "memory");
    ck_assert_uint_eq(kinds_for("wall", M, k, &m), 2);
    ck_assert_uint_eq(kinds_for("bogus", T, k, &m), 1);
    ck_assert_str_eq(m, "wall");
    ck_assert_uint_eq(kinds_for(NULL, 0, k, &m), 1);
}
END_TEST

/* ------------------------------------------------------ pprof writer */

START_TEST(pprof_message_reads_back)
{
    mojo_error err;
    mojo_writer_options wo = {.compress = -1};
    mojo_writer *w = mojo_writer_open_memory(MOJO_FORMAT_PPROF, &wo, &err);
    ck_assert_ptr_nonnull(w);
    mojo_frames *t = mojo_frames_new();
    const mojo_frame *a = mkframe(t, "m\xff.py", "<module>", 3);
    const mojo_frame *fa[] = {a};
    mojo_event ev = {.type = MOJO_EVENT_METADATA};
    ev.u.metadata.key = (mojo_str){"mode", 4};
    ev.u.metadata.value = (mojo_str){"cpu", 3};
    ck_assert_int_eq(mojo_writer_write(w, &ev), MOJO_OK);
    ev.u.metadata.key = (mojo_str){"interval", 8};
    ev.u.metadata.value = (mojo_str){"100", 3};
    ck_assert_int_eq(mojo_writer_write(w, &ev), MOJO_OK);
    ev.type = MOJO_EVENT_SAMPLE;
    ev.u.sample = mksample(fa, 1, 5, 6);
    for (int i = 0; i < 3; i++)
        ck_assert_int_eq(mojo_writer_write(w, &ev), MOJO_OK);
    void *buf;
    size_t len;
    ck_assert_int_eq(mojo_writer_close_memory(w, &buf, &len, &err), MOJO_OK);
    mojo_frames_unref(t);

    Perftools__Profiles__Profile *p =
        perftools__profiles__profile__unpack(NULL, len, buf);
    ck_assert_ptr_nonnull(p);
    ck_assert_str_eq(p->string_table[0], "");
    for (size_t i = 0; i < p->n_string_table; i++)
        ck_assert(mojo_utf8_valid(p->string_table[i], strlen(p->string_table[i])));
    ck_assert_uint_eq(p->n_sample_type, 1);
    ck_assert_str_eq(p->string_table[p->sample_type[0]->type], "CPU time");
    ck_assert_int_eq(p->default_sample_type, p->sample_type[0]->type);
    ck_assert_int_eq(p->period, 100);
    ck_assert_uint_eq(p->n_sample, 1);
    ck_assert_uint_eq(p->sample[0]->n_value, 1);
    ck_assert_int_eq(p->sample[0]->value[0], 30);
    ck_assert_uint_eq(p->n_location, 1);
    ck_assert_uint_eq(p->sample[0]->location_id[0], p->location[0]->id);
    ck_assert_uint_eq(p->n_function, 1);
    ck_assert_str_eq(p->string_table[p->function[0]->filename], "m" FFFD ".py");
    ck_assert_int_eq(p->function[0]->system_name, 0);
    perftools__profiles__profile__free_unpacked(p, NULL);
    free(buf);
}
END_TEST

static Suite *convert_suite(void)
{
    Suite *s = suite_create("convert");
    TCase *tc = tcase_create("units");
    tcase_set_timeout(tc, 60);
    tcase_add_test(tc, utf8_repair_follows_unicode);
    tcase_add_test(tc, json_escapes_everything);
    tcase_add_test(tc, json_long_string_crosses_buffers);
    tcase_add_test(tc, stacks_aggregate_and_keep_totals);
    tcase_add_test(tc, stacks_keys_and_slots);
    tcase_add_test(tc, stacks_from_two_source_tables);
    tcase_add_test(tc, stacks_many_distinct);
    tcase_add_test(tc, value_kinds_by_mode);
    tcase_add_test(tc, pprof_message_reads_back);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(convert_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
