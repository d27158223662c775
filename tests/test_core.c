/* Unit tests of libmojo's core: MOJO and Austin text readers and writers,
 * gzip input, interning, and bad input. Expected texts of testdata/mojo/
 * were written by hand from the format notes (see make_fixtures.py). */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "testutil.h"

static const char *fixtures[] = {
    "wall_v3", "cpu_v1", "full_v3", "memory_v2", "special_v3",
    "repeat_v4", "keys_v3", "early_defs_v3",
};
#define NFIXTURES (sizeof fixtures / sizeof fixtures[0])

static const char *fixture_dir(void)
{
    return tu_path(tu_srcdir(), "testdata/mojo");
}

static char *fixture(const char *name, const char *ext, size_t *len)
{
    char file[256];
    snprintf(file, sizeof file, "%s%s", name, ext);
    char *b = tu_slurp(tu_path(fixture_dir(), file), len);
    ck_assert_msg(b != NULL, "cannot read fixture %s", file);
    return b;
}

/* Every field of every event, one line each: the yardstick for lossless. */
static char *dump(mojo_reader *r, size_t *nsamples, int *status)
{
    size_t cap = 1 << 16, n = 0;
    char *out = malloc(cap);
    mojo_event ev;
    int rc;
    *nsamples = 0;
    while ((rc = mojo_reader_next(r, &ev)) == MOJO_OK) {
        char line[8192];
        int k = 0;
        if (ev.type == MOJO_EVENT_METADATA) {
            k = snprintf(line, sizeof line, "M %s=%s\n", ev.u.metadata.key.ptr,
                         ev.u.metadata.value.ptr);
        } else if (ev.type == MOJO_EVENT_SAMPLE) {
            const mojo_sample *s = &ev.u.sample;
            (*nsamples)++;
            k = snprintf(line, sizeof line, "S %lld %lld %llu '%s' f%u m%u %lld %lld",
                         (long long)s->pid, (long long)s->iid,
                         (unsigned long long)s->tid, s->thread_name.ptr, s->flags,
                         s->metrics, (long long)s->time, (long long)s->memory);
            for (size_t i = 0; i < s->nframes && k < 7000; i++) {
                const mojo_frame *f = s->frames[i];
                k += snprintf(line + k, sizeof line - (size_t)k,
                              " [%d %s %s %lld %lld %lld %lld]", f->kind,
                              f->file.ptr, f->scope.ptr, (long long)f->line,
                              (long long)f->line_end, (long long)f->column,
                              (long long)f->column_end);
            }
            line[k++] = '\n';
        } else {
            k = snprintf(line, sizeof line, "B\n");
        }
        while (n + (size_t)k + 1 > cap)
            out = realloc(out, cap *= 2);
        memcpy(out + n, line, (size_t)k);
        n += (size_t)k;
    }
    out[n] = '\0';
    *status = rc;
    return out;
}

/* ------------------------------------------------ MOJO -> text, by hand */

START_TEST(test_fixture_to_text)
{
    const char *name = fixtures[_i];
    size_t mlen, tlen, olen, ns;
    char *mojo = fixture(name, ".mojo", &mlen);
    char *text = fixture(name, ".austin", &tlen);
    char *out;
    mojo_error err;
    int rc = tu_convert_memory(mojo, mlen, MOJO_FORMAT_AUSTIN, &out, &olen, &ns, &err);
    ck_assert_msg(rc == MOJO_END, "%s: %s", name, err.message);
    ck_assert_msg(olen == tlen && memcmp(out, text, tlen) == 0,
                  "%s: got\n%.*s\nexpected\n%.*s", name, (int)olen, out, (int)tlen, text);
    free(mojo);
    free(text);
    free(out);
}
END_TEST

START_TEST(test_gzip_input)
{
    size_t glen, tlen, olen, ns;
    char *gz = fixture("wall_v3", ".mojo.gz", &glen);
    char *text = fixture("wall_v3", ".austin", &tlen);
    char *out;
    ck_assert_int_eq(gz[0] & 0xff, 0x1f);
    ck_assert_int_eq(tu_convert_memory(gz, glen, MOJO_FORMAT_AUSTIN, &out, &olen, &ns, NULL),
                     MOJO_END);
    ck_assert_uint_eq(ns, 3);
    ck_assert(olen == tlen && memcmp(out, text, tlen) == 0);
    free(out);
    /* From a file too (the descriptor path, not the memory path). */
    mojo_error err;
    mojo_reader *r = mojo_reader_open_path(tu_path(fixture_dir(), "wall_v3.mojo.gz"),
                                           NULL, &err);
    ck_assert_msg(r != NULL, "%s", err.message);
    ck_assert_int_eq(mojo_reader_format(r), MOJO_FORMAT_MOJO);
    ck_assert_int_eq(tu_convert(r, MOJO_FORMAT_AUSTIN, NULL, &out, &olen, &ns), MOJO_END);
    ck_assert(olen == tlen && memcmp(out, text, tlen) == 0);
    mojo_reader_close(r);
    /* A gzip stream cut short is an error, after what it held. */
    ck_assert_int_eq(tu_convert_memory(gz, glen - 6, MOJO_FORMAT_AUSTIN, &out, &olen, &ns, &err),
                     MOJO_ERROR);
    ck_assert_msg(strstr(err.message, "gzip") != NULL, "%s", err.message);
    free(out);
    free(gz);
    free(text);
}
END_TEST

START_TEST(test_version_and_columns)
{
    size_t len;
    char *mojo = fixture("wall_v3", ".mojo", &len);
    mojo_reader *r = mojo_reader_open_memory(mojo, len, "wall_v3", NULL, NULL);
    ck_assert_int_eq(mojo_reader_version(r), 3);
    mojo_event ev;
    while (mojo_reader_next(r, &ev) == MOJO_OK && ev.type != MOJO_EVENT_SAMPLE)
        ;
    ck_assert_int_eq(ev.type, MOJO_EVENT_SAMPLE);
    ck_assert_uint_eq(ev.u.sample.nframes, 2);
    const mojo_frame *f = ev.u.sample.frames[1];
    ck_assert_str_eq(f->scope.ptr, "work");
    ck_assert_int_eq(f->line, 9);
    ck_assert_int_eq(f->line_end, 9);
    ck_assert_int_eq(f->column, 5);
    ck_assert_int_eq(f->column_end, 20);
    ck_assert_uint_eq(ev.u.sample.tid, 42);
    mojo_reader_close(r);
    free(mojo);
}
END_TEST

/* ------------------------------------------------ lossless round trips */

static void check_mojo_roundtrip(const char *what, const char *buf, size_t len)
{
    mojo_error err;
    mojo_reader *r = mojo_reader_open_memory(buf, len, what, NULL, &err);
    ck_assert_msg(r != NULL, "%s", err.message);
    int version = mojo_reader_version(r);
    size_t n1, n2, wlen;
    int st1, st2;
    char *d1 = dump(r, &n1, &st1);
    ck_assert_msg(st1 == MOJO_END, "%s: %s", what, mojo_reader_error(r)->message);
    mojo_reader_close(r);

    /* events -> MOJO (same version) -> events */
    r = mojo_reader_open_memory(buf, len, what, NULL, &err);
    mojo_writer_options wo = {.mojo_version = version};
    char *written;
    ck_assert_int_eq(tu_convert(r, MOJO_FORMAT_MOJO, &wo, &written, &wlen, NULL), MOJO_END);
    mojo_reader_close(r);
    r = mojo_reader_open_memory(written, wlen, "rewritten", NULL, &err);
    ck_assert_msg(r != NULL, "%s", err.message);
    char *d2 = dump(r, &n2, &st2);
    ck_assert_msg(st2 == MOJO_END, "%s rewritten: %s", what, mojo_reader_error(r)->message);
    mojo_reader_close(r);
    ck_assert_uint_eq(n1, n2);
    ck_assert_msg(strcmp(d1, d2) == 0, "%s: round trip differs", what);
    free(d1);
    free(d2);
    free(written);
}

START_TEST(test_mojo_roundtrip_fixtures)
{
    size_t len;
    char *mojo = fixture(fixtures[_i], ".mojo", &len);
    check_mojo_roundtrip(fixtures[_i], mojo, len);
    free(mojo);
}
END_TEST

static const char *shared_mojo[] = {
    "austin-python/test.mojo", "austin-python/column.mojo", "austin-python/mp.mojo",
    "austin-python/repeat.mojo", "austin-python/austinp.mojo",
    "recorded/work.wall.mojo", "recorded/work.cpu.mojo", "recorded/work.memory.mojo",
    "recorded/work.full.mojo", "recorded/work.gc.mojo", "recorded/mp.mojo",
    "recorded/subinterp.mojo", "recorded/austinp_native.mojo", "recorded/austinp_kernel.mojo",
};

START_TEST(test_mojo_roundtrip_shared)
{
    const char *shared = tu_shared();
    if (!shared)
        return; /* the program prints the skip as its TAP plan */
    size_t len;
    char *buf = tu_slurp(tu_path(shared, shared_mojo[_i]), &len);
    ck_assert_msg(buf != NULL, "cannot read %s", shared_mojo[_i]);
    check_mojo_roundtrip(shared_mojo[_i], buf, len);
    free(buf);
}
END_TEST

static void check_text_identity(const char *what, const char *buf, size_t len)
{
    size_t olen, ns;
    char *out;
    mojo_error err;
    int rc = tu_convert_memory(buf, len, MOJO_FORMAT_AUSTIN, &out, &olen, &ns, &err);
    ck_assert_msg(rc == MOJO_END, "%s: %s", what, err.message);
    size_t i = 0;
    while (i < olen && i < len && out[i] == buf[i])
        i++;
    ck_assert_msg(olen == len && i == len, "%s: output differs at byte %zu", what, i);
    free(out);
}

START_TEST(test_text_identity_fixtures)
{
    size_t len;
    char *text = fixture(fixtures[_i], ".austin", &len);
    check_text_identity(fixtures[_i], text, len);
    free(text);
}
END_TEST

static const char *shared_text[] = {
    "austin-python/test.austin", "austin-python/mp.austin", "austin-python/repeat.austin",
    "austin-python/austin.out", "austin-python/diff_a.austin", "austin-python/diff_b.austin",
    "austin-python/diff_a-b.austin", "recorded/work.wall.austin", "recorded/work.full.austin",
    "recorded/mp.austin", "recorded/subinterp.austin", "recorded/austinp_native.austin",
    "recorded/austinp_kernel.austin", "recorded/torn-bytes.wall.austin",
};

START_TEST(test_text_identity_shared)
{
    const char *shared = tu_shared();
    if (!shared)
        return;
    size_t len;
    char *buf = tu_slurp(tu_path(shared, shared_text[_i]), &len);
    ck_assert_msg(buf != NULL, "cannot read %s", shared_text[_i]);
    check_text_identity(shared_text[_i], buf, len);
    free(buf);
}
END_TEST

START_TEST(test_text_fields)
{
    /* Names with spaces and colons; full-mode triple; old T<tid> form. */
    const char *text =
        "# mode: full\n"
        "P1;T0:5;C:\\dir x\\a.py:f:g:3;<frozen importlib._bootstrap>:_load:10 7,1,-20\n"
        "P2;T9;:INVALID:;b.py:h:1;:GC: 3,0,5\n";
    mojo_reader *r = mojo_reader_open_memory(text, strlen(text), "t", NULL, NULL);
    ck_assert_int_eq(mojo_reader_format(r), MOJO_FORMAT_AUSTIN);
    mojo_event ev;
    ck_assert_int_eq(mojo_reader_next(r, &ev), MOJO_OK);
    ck_assert_int_eq(ev.type, MOJO_EVENT_METADATA);
    ck_assert_str_eq(ev.u.metadata.key.ptr, "mode");
    ck_assert_int_eq(mojo_reader_next(r, &ev), MOJO_OK);
    const mojo_sample *s = &ev.u.sample;
    ck_assert_int_eq(s->pid, 1);
    ck_assert_int_eq(s->iid, 0);
    ck_assert_uint_eq(s->tid, 5);
    ck_assert_uint_eq(s->nframes, 2);
    ck_assert_str_eq(s->frames[0]->file.ptr, "C:\\dir x\\a.py:f");
    ck_assert_str_eq(s->frames[0]->scope.ptr, "g");
    ck_assert_int_eq(s->frames[0]->line, 3);
    ck_assert_str_eq(s->frames[1]->file.ptr, "<frozen importlib._bootstrap>");
    ck_assert_int_eq(s->time, 7);
    ck_assert_int_eq(s->memory, -20);
    ck_assert_uint_eq(s->flags, MOJO_SAMPLE_IDLE);
    ck_assert_uint_eq(s->metrics, MOJO_METRIC_TIME | MOJO_METRIC_MEMORY);
    ck_assert_int_eq(mojo_reader_next(r, &ev), MOJO_OK);
    ck_assert_int_eq(s->iid, -1);
    ck_assert_uint_eq(s->tid, 9);
    ck_assert_uint_eq(s->nframes, 2);
    ck_assert_int_eq(s->frames[0]->kind, MOJO_FRAME_INVALID);
    ck_assert_uint_eq(s->flags, MOJO_SAMPLE_GC);
    ck_assert_int_eq(mojo_reader_next(r, &ev), MOJO_END);
    mojo_reader_close(r);
}
END_TEST

/* ------------------------------------------------------------ bad input */

/* Read bytes; return the status, the sample count and the error. */
static int read_bytes(const void *b, size_t n, size_t *ns, mojo_error *err, char **text)
{
    size_t olen;
    char *out;
    mojo_error_clear(err);
    int rc = tu_convert_memory(b, n, MOJO_FORMAT_AUSTIN, &out, &olen, ns, err);
    if (text)
        *text = out;
    else
        free(out);
    return rc;
}

#define ONE_SAMPLE "MOJ\x03\x02\x01\x00" "1\0" "\x0b\x02" "a.py\0" "\x03\x01\x02\x02\x05\x05\x00\x00" \
                   "\x05\x01\x09\x07"

static void expect_error(const char *bytes, size_t n, size_t samples, const char *what,
                         uint64_t offset)
{
    size_t ns;
    mojo_error err;
    ck_assert_int_eq(read_bytes(bytes, n, &ns, &err, NULL), MOJO_ERROR);
    ck_assert_uint_eq(ns, samples);
    ck_assert_msg(strstr(err.message, what) != NULL, "message '%s' lacks '%s'",
                  err.message, what);
    ck_assert_msg(strstr(err.message, "mem: offset") == err.message, "%s", err.message);
    ck_assert_msg(err.offset == offset, "offset %llu, expected %llu (%s)",
                  (unsigned long long)err.offset, (unsigned long long)offset, err.message);
}

START_TEST(test_bad_unknown_event)
{
    static const char b[] = ONE_SAMPLE "\x0e\x01";
    expect_error(b, sizeof b - 1, 1, "unknown event id 14", sizeof ONE_SAMPLE - 1);
}
END_TEST

START_TEST(test_bad_undefined_frame)
{
    static const char b[] = ONE_SAMPLE "\x02\x01\x00" "1\0" "\x05\x09\x09\x01";
    expect_error(b, sizeof b - 1, 1, "undefined frame key 9", sizeof ONE_SAMPLE - 1 + 5);
}
END_TEST

START_TEST(test_bad_undefined_string)
{
    static const char b[] = ONE_SAMPLE "\x02\x01\x00" "1\0" "\x03\x02\x07\x02\x01\x01\x00\x00";
    expect_error(b, sizeof b - 1, 1, "undefined string key 7", sizeof ONE_SAMPLE - 1 + 5);
}
END_TEST

START_TEST(test_bad_string_without_nul)
{
    static const char b[] = ONE_SAMPLE "\x01" "mode";
    expect_error(b, sizeof b - 1, 1, "ends inside a METADATA event", sizeof b - 1);
}
END_TEST

START_TEST(test_bad_absurd_varint)
{
    static const char b[] = ONE_SAMPLE "\x09\xff\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01";
    expect_error(b, sizeof b - 1, 1, "does not fit in 64 bits", sizeof ONE_SAMPLE - 1 + 10);
}
END_TEST

START_TEST(test_bad_outside_sample)
{
    static const char b[] = "MOJ\x03\x09\x05";
    expect_error(b, sizeof b - 1, 0, "outside a sample", 4);
}
END_TEST

START_TEST(test_bad_version)
{
    static const char b[] = "MOJ\x09";
    mojo_error err;
    ck_assert(mojo_reader_open_memory(b, 4, "mem", NULL, &err) == NULL);
    ck_assert_msg(strstr(err.message, "unsupported MOJO version 9") != NULL, "%s", err.message);
}
END_TEST

START_TEST(test_bad_text_line)
{
    static const char t[] = "P1;T0:1;a.py:f:1 10\nP1;T0:1;a.py:f:1 ten\n";
    size_t ns;
    mojo_error err;
    ck_assert_int_eq(read_bytes(t, sizeof t - 1, &ns, &err, NULL), MOJO_ERROR);
    ck_assert_uint_eq(ns, 1);
    ck_assert_uint_eq(err.offset, 20 + 17);
    ck_assert_msg(strstr(err.message, "metrics") != NULL, "%s", err.message);
}
END_TEST

START_TEST(test_huge_string_capped)
{
    /* A string longer than the cap is refused, not buffered without end. */
    size_t n = MOJO_MAX_STRING + 64;
    char *b = malloc(n);
    memcpy(b, "MOJ\x03\x01", 5);
    memset(b + 5, 'x', n - 5);
    size_t ns;
    mojo_error err;
    ck_assert_int_eq(read_bytes(b, n, &ns, &err, NULL), MOJO_ERROR);
    ck_assert_int_eq(err.code, MOJO_E_LIMIT);
    free(b);
}
END_TEST

/* Every prefix of a real file: no crash, and the samples read are exactly
 * the leading samples of the whole file. */
static void check_every_cut(const char *what, const char *buf, size_t len)
{
    size_t flen, fns;
    char *full;
    ck_assert_int_eq(read_bytes(buf, len, &fns, &(mojo_error){0}, &full), MOJO_END);
    size_t prev = 0;
    for (size_t k = 4; k < len; k++) {
        size_t ns;
        mojo_error err;
        char *out;
        int rc = read_bytes(buf, k, &ns, &err, &out);
        ck_assert_msg(rc == MOJO_END || rc == MOJO_ERROR, "%s cut %zu", what, k);
        if (rc == MOJO_ERROR)
            ck_assert_msg(err.offset <= k && strstr(err.message, "offset"),
                          "%s cut %zu: %s", what, k, err.message);
        ck_assert_msg(ns >= prev, "%s cut %zu: %zu samples after %zu", what, k, ns, prev);
        /* sample lines are a prefix of the whole file's */
        const char *p = out, *q = full;
        size_t seen = 0;
        while (seen < ns) {
            while (*p && *p != 'P')
                p = strchr(p, '\n') + 1;
            while (*q && *q != 'P')
                q = strchr(q, '\n') + 1;
            const char *pe = strchr(p, '\n');
            ck_assert_msg(pe && strncmp(p, q, (size_t)(pe - p + 1)) == 0,
                          "%s cut %zu: sample %zu differs", what, k, seen);
            p = pe + 1;
            q = strchr(q, '\n') + 1;
            seen++;
        }
        prev = ns;
        free(out);
    }
    (void)flen;
    ck_assert_uint_le(prev, fns);
    free(full);
}

START_TEST(test_truncation_fixtures)
{
    size_t len;
    char *mojo = fixture(fixtures[_i], ".mojo", &len);
    check_every_cut(fixtures[_i], mojo, len);
    free(mojo);
}
END_TEST

START_TEST(test_truncation_real)
{
    const char *shared = tu_shared();
    if (!shared)
        return;
    size_t len;
    char *buf = tu_slurp(tu_path(shared, "recorded/work.cpu.mojo"), &len);
    ck_assert(buf != NULL);
    check_every_cut("work.cpu.mojo", buf, len);
    free(buf);
}
END_TEST

START_TEST(test_clean_cut_keeps_sample)
{
    /* Cut right after a sample's metric: that sample is whole. */
    static const char b[] = ONE_SAMPLE "\x02\x01";
    size_t ns;
    mojo_error err;
    ck_assert_int_eq(read_bytes(b, sizeof b - 1, &ns, &err, NULL), MOJO_ERROR);
    ck_assert_uint_eq(ns, 1);
    ck_assert_int_eq(err.code, MOJO_E_TRUNCATED);
    ck_assert_int_eq(read_bytes(ONE_SAMPLE, sizeof ONE_SAMPLE - 1, &ns, &err, NULL), MOJO_END);
    ck_assert_uint_eq(ns, 1);
}
END_TEST

/* ------------------------------------------------------- interning, I/O */

START_TEST(test_interning)
{
    mojo_frames *t = mojo_frames_new();
    char file[] = "a.py", file2[] = "a.py";
    mojo_frame p = {.file = {file, 4}, .scope = {"f", 1}, .line = 3};
    const mojo_frame *a = mojo_frames_intern(t, &p);
    p.file.ptr = file2;
    const mojo_frame *b = mojo_frames_intern(t, &p);
    p.column = 2;
    const mojo_frame *c = mojo_frames_intern(t, &p);
    ck_assert_ptr_eq(a, b);
    ck_assert_ptr_ne(a, c);
    ck_assert_uint_eq(a->id, 0);
    ck_assert_uint_eq(c->id, 1);
    ck_assert_ptr_eq(mojo_frames_get(t, 1), c);
    ck_assert_uint_eq(mojo_frames_count(t), 2);
    /* many frames: pointers stay put while the table grows */
    for (int i = 0; i < 5000; i++) {
        p.line = 100 + i;
        ck_assert(mojo_frames_intern(t, &p) != NULL);
    }
    ck_assert_ptr_eq(mojo_frames_get(t, 0), a);
    ck_assert_str_eq(a->file.ptr, "a.py");
    mojo_frames_unref(t);
}
END_TEST

START_TEST(test_write_error_reported)
{
    mojo_error err;
    mojo_writer *w = mojo_writer_open_path("/dev/full", MOJO_FORMAT_AUSTIN, NULL, &err);
    ck_assert(w != NULL);
    mojo_event ev = {.type = MOJO_EVENT_METADATA};
    ev.u.metadata.key = (mojo_str){"k", 1};
    ev.u.metadata.value = (mojo_str){"v", 1};
    ck_assert_int_eq(mojo_writer_write(w, &ev), MOJO_OK); /* buffered */
    ck_assert_int_eq(mojo_writer_close(w, &err), MOJO_ERROR);
    ck_assert_msg(strstr(err.message, "/dev/full") != NULL, "%s", err.message);
}
END_TEST

START_TEST(test_open_missing_file)
{
    mojo_error err;
    ck_assert(mojo_reader_open_path("/nonexistent/x.mojo", NULL, &err) == NULL);
    ck_assert_int_eq(err.code, MOJO_E_IO);
    ck_assert_msg(strstr(err.message, "/nonexistent/x.mojo: cannot open") != NULL, "%s",
                  err.message);
}
END_TEST

static Suite *core_suite(void)
{
    Suite *s = suite_create("core");
    TCase *tc = tcase_create("mojo");
    tcase_set_timeout(tc, 120);
    tcase_add_loop_test(tc, test_fixture_to_text, 0, NFIXTURES);
    tcase_add_test(tc, test_gzip_input);
    tcase_add_test(tc, test_version_and_columns);
    tcase_add_loop_test(tc, test_mojo_roundtrip_fixtures, 0, NFIXTURES);
    tcase_add_loop_test(tc, test_text_identity_fixtures, 0, NFIXTURES);
    tcase_add_test(tc, test_text_fields);
    suite_add_tcase(s, tc);

    tc = tcase_create("bad input");
    tcase_set_timeout(tc, 120);
    tcase_add_test(tc, test_bad_unknown_event);
    tcase_add_test(tc, test_bad_undefined_frame);
    tcase_add_test(tc, test_bad_undefined_string);
    tcase_add_test(tc, test_bad_string_without_nul);
    tcase_add_test(tc, test_bad_absurd_varint);
    tcase_add_test(tc, test_bad_outside_sample);
    tcase_add_test(tc, test_bad_version);
    tcase_add_test(tc, test_bad_text_line);
    tcase_add_test(tc, test_huge_string_capped);
    tcase_add_loop_test(tc, test_truncation_fixtures, 0, NFIXTURES);
    tcase_add_test(tc, test_clean_cut_keeps_sample);
    suite_add_tcase(s, tc);

    tc = tcase_create("library");
    tcase_add_test(tc, test_interning);
    tcase_add_test(tc, test_write_error_reported);
    tcase_add_test(tc, test_open_missing_file);
    suite_add_tcase(s, tc);
    return s;
}

static Suite *shared_suite(void)
{
    Suite *s = suite_create("shared testdata");
    TCase *tc = tcase_create("real recordings");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_mojo_roundtrip_shared, 0,
                        sizeof shared_mojo / sizeof shared_mojo[0]);
    tcase_add_loop_test(tc, test_text_identity_shared, 0,
                        sizeof shared_text / sizeof shared_text[0]);
    tcase_add_test(tc, test_truncation_real);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(core_suite());
    if (tu_shared())
        srunner_add_suite(sr, shared_suite());
    else
        printf("# ../shared/testdata is absent: its tests are skipped\n");
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? 1 : 0;
}
