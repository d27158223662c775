/* Tests of the streaming ETL writer (libmojo/etl_stream.c): traces written
 * event by event and read back through the public reader, whose
 * python-etwtrace rebuild gives samples worked out here by hand; the same
 * bytes as the sample writer for the same events; the header; several
 * buffers; truncated files; descriptors that cannot be written in place;
 * write errors; compressed buffers (the same samples as plain ones, laid
 * out as in Windows' compressed traces). */
#include "config.h" /* mkstemp and friends */

#include <check.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mojo.h"
#include "etl_encode.h"
#include "etl_stream.h"
#include "etl_text.h"
#include "testutil.h"

/* ------------------------------------------------------------ helpers */

/* A fresh temporary file: its descriptor, and its path in path[64]. */
static int temp_file(char *path)
{
    const char *dir = getenv("TMPDIR");
    snprintf(path, 64, "%s/etl_stream_XXXXXX", dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    ck_assert_msg(fd >= 0, "mkstemp: %s", strerror(errno));
    return fd;
}

/* A stream on a fresh temporary file. */
static etl_stream *open_temp(char *path, int *fd)
{
    *fd = temp_file(path);
    mojo_error err;
    etl_stream *s = etl_stream_open(*fd, path, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    ck_assert_uint_eq(etl_stream_bytes(s), 65536);  /* the header's place */
    return s;
}

static void close_ok(etl_stream *s, int fd, uint64_t end_ticks)
{
    mojo_error err;
    ck_assert_ptr_null(etl_stream_error(s));
    ck_assert_int_eq(etl_stream_close(s, end_ticks, &err), MOJO_OK);
    ck_assert_int_eq(err.code, MOJO_E_NONE);
    close(fd);
}

static char *slurp(const char *path, size_t *len)
{
    char *b = tu_slurp(path, len);
    ck_assert_ptr_nonnull(b);
    return b;
}

/* A sample as text: "pid tid timestamp time | file:scope:line;..." (root
 * first; native frames marked). */
static void sample_text(const mojo_sample *s, char *out, size_t cap)
{
    int n = snprintf(out, cap, "%lld %llu %lld %lld |", (long long)s->pid,
                     (unsigned long long)s->tid, (long long)s->timestamp,
                     (long long)s->time);
    for (size_t k = 0; k < s->nframes && n > 0 && (size_t)n < cap; k++) {
        const mojo_frame *f = s->frames[k];
        n += snprintf(out + n, cap - (size_t)n, "%s%s%s:%s:%lld",
                      k ? ";" : " ",
                      f->kind == MOJO_FRAME_NATIVE ? "[native]" : "",
                      f->file.ptr, f->scope.ptr, (long long)f->line);
    }
}

/* Every sample of r, one line each, in the reader's order; its final
 * status and the number of samples. */
static char *samples_of(mojo_reader *r, int *status, size_t *count)
{
    size_t cap = 1 << 16, len = 0, n = 0;
    char *text = malloc(cap), line[1024];
    text[0] = 0;
    mojo_event ev;
    int rc;
    while ((rc = mojo_reader_next(r, &ev)) == MOJO_OK) {
        if (ev.type != MOJO_EVENT_SAMPLE)
            continue;
        sample_text(&ev.u.sample, line, sizeof line);
        size_t k = strlen(line);
        while (len + k + 2 > cap)
            text = realloc(text, cap *= 2);
        memcpy(text + len, line, k);
        len += k;
        text[len++] = '\n';
        text[len] = 0;
        n++;
    }
    *status = rc;
    *count = n;
    return text;
}

static char *read_samples(const char *path, int marks, int *status,
                          size_t *count)
{
    mojo_error err;
    mojo_reader *r = mojo_reader_open_path(path, NULL, &err);
    ck_assert_msg(r != NULL, "%s", err.message);
    ck_assert_int_eq(mojo_reader_format(r), MOJO_FORMAT_ETL);
    mojo_etl_options o = {.marks = marks};
    ck_assert_int_eq(mojo_reader_set_etl_options(r, &o, &err), MOJO_OK);
    char *text = samples_of(r, status, count);
    if (*status == MOJO_ERROR)
        fprintf(stderr, "%s\n", mojo_reader_error(r)->message);
    mojo_reader_close(r);
    return text;
}

/* Read the first len bytes of a file as "cut.etl": the status, samples
 * read before it in *count, the error in *err. */
static int read_cut(const void *buf, size_t len, size_t *count,
                    mojo_error *err)
{
    mojo_error_clear(err);
    *count = 0;
    mojo_reader_options o = {.format = MOJO_FORMAT_ETL};
    mojo_reader *r = mojo_reader_open_memory(buf, len, "cut.etl", &o, err);
    if (!r)
        return MOJO_ERROR;
    int status;
    free(samples_of(r, &status, count));
    if (status == MOJO_ERROR)
        *err = *mojo_reader_error(r);
    mojo_reader_close(r);
    return status;
}

/* A loaded file whose compressed buffers are inflated (into memory of
 * the test's: the reader inflates them only as it reaches them). */
typedef struct loaded {
    etl_file f;
    uint8_t **inflated;
} loaded;

static loaded load(const char *path)
{
    size_t len;
    uint8_t *data = (uint8_t *)slurp(path, &len);
    loaded l;
    mojo_error err;
    ck_assert_msg(etl_file_load(&l.f, path, data, len, &err) == MOJO_OK, "%s",
                  err.message);
    ck_assert(!l.f.has_late_err);
    l.inflated = calloc(l.f.nbufs, sizeof *l.inflated);
    ck_assert_ptr_nonnull(l.inflated);
    for (size_t i = 0; i < l.f.nbufs; i++) {
        etl_buffer *b = &l.f.bufs[i];
        if (!b->compressed)
            continue;
        l.inflated[i] = malloc(b->len ? b->len : 1);
        ck_assert_ptr_nonnull(l.inflated[i]);
        ck_assert_int_eq(etl_buffer_inflate(&l.f, b, l.inflated[i]), 0);
        b->data = l.inflated[i];
    }
    return l;
}

static void unload(loaded *l)
{
    for (size_t i = 0; i < l->f.nbufs; i++) {
        if (l->inflated[i])
            l->f.bufs[i].data = NULL;  /* the reader's own state again */
        free(l->inflated[i]);
    }
    free(l->inflated);
    etl_file_free(&l->f);
}

/* --------------------------------------------- a trace, read by hand */

enum { THREAD_START, THREAD_STOP, FUNCTION, PUSH, POP, MARK };

typedef struct call {
    int op;
    uint64_t ticks;
    uint32_t pid, tid;
    uint64_t id, caller, line;  /* FUNCTION: line is the frame's index */
    int opcode;                 /* MARK */
    const char *mark;
} call;

static const mojo_frame frames[] = {
    {.kind = MOJO_FRAME_PYTHON, .file = {"main.py", 7}, .scope = {"<module>", 8}, .line = 1},
    {.kind = MOJO_FRAME_PYTHON, .file = {"main.py", 7}, .scope = {"work", 4}, .line = 10},
    {.kind = MOJO_FRAME_PYTHON, .file = {"na\xc3\xafve.py", 9},
     .scope = {"\xf0\x9f\x90\x8d.f", 6}, .line = 20},
    {.kind = MOJO_FRAME_NATIVE, .file = {"builtins", 8}, .scope = {"len", 3}, .line = 0},
    {.kind = MOJO_FRAME_PYTHON, .file = {"worker.py", 9}, .scope = {"loop", 4}, .line = 30},
    {.kind = MOJO_FRAME_PYTHON, .file = {"other.py", 8}, .scope = {"main", 4}, .line = 3},
};

#define PHASE "phase \xe2\x9c\x93" /* "phase ✓" */

/* Table rows by kind. */
#define START(t, p, th) {THREAD_START, t, p, th, 0, 0, 0, 0, NULL}
#define STOP(t, p, th) {THREAD_STOP, t, p, th, 0, 0, 0, 0, NULL}
#define FUNC(t, p, th, id, frame) {FUNCTION, t, p, th, id, 0, frame, 0, NULL}
#define CALL(t, p, th, id, caller, line) {PUSH, t, p, th, id, caller, line, 0, NULL}
#define RET(t, p, th, id) {POP, t, p, th, id, 0, 0, 0, NULL}
#define MARKED(t, p, th, op, s) {MARK, t, p, th, 0, 0, 0, op, s}

/* Process 100: thread 1 runs <module> -> work -> f, then len (native),
 * then work again (recursion), inside a mark range "phase ✓" with an
 * instant mark; thread 2 was inside loop when tracing began (a pop with
 * no push), calls f, returns, then calls loop again. Process 200 has a
 * thread 1 too, and its own function 1. Times are 100 ns ticks. */
static const call trace[] = {
    START(0, 100, 1),
    FUNC(0, 100, 1, 1, 0),
    FUNC(0, 100, 1, 2, 1),
    FUNC(0, 100, 1, 3, 2),
    FUNC(0, 100, 1, 4, 3),
    START(0, 200, 1),
    FUNC(0, 200, 1, 1, 5),
    CALL(100, 100, 1, 1, 0, 0),
    CALL(110, 200, 1, 1, 0, 0),
    MARKED(150, 100, 1, 1, PHASE),
    FUNC(150, 100, 2, 5, 4),
    CALL(200, 100, 1, 2, 1, 5),
    MARKED(250, 100, 1, 0, "tick"),
    CALL(250, 100, 2, 3, 5, 33),
    CALL(300, 100, 1, 3, 2, 12),
    RET(310, 200, 1, 1),
    RET(350, 100, 2, 3),
    STOP(400, 200, 1),
    RET(450, 100, 1, 3),
    CALL(500, 100, 1, 4, 2, 13),
    RET(520, 100, 1, 4),
    RET(550, 100, 2, 5),
    CALL(600, 100, 1, 2, 2, 14),
    MARKED(650, 100, 1, 2, PHASE),
    CALL(650, 100, 2, 5, 0, 0),
    RET(700, 100, 1, 2),
    RET(750, 100, 2, 5),
    RET(800, 100, 1, 2),
    RET(900, 100, 1, 1),
    STOP(1000, 100, 1),
};
#define TRACE_END 1200

static int put(etl_stream *s, const call *c)
{
    switch (c->op) {
    case THREAD_START:
    case THREAD_STOP:
        return etl_stream_thread(s, c->ticks, c->pid, c->tid,
                                 c->op == THREAD_START);
    case FUNCTION:
        return etl_stream_function(s, c->ticks, c->pid, c->tid, c->id,
                                   &frames[c->line]);
    case PUSH:
        return etl_stream_push(s, c->ticks, c->pid, c->tid, c->id, c->caller,
                               c->line);
    case POP:
        return etl_stream_pop(s, c->ticks, c->pid, c->tid, c->id);
    default:
        return etl_stream_mark(s, c->ticks, c->pid, c->tid, c->opcode,
                               (mojo_str){c->mark, strlen(c->mark)});
    }
}

/* Write the trace to a temporary file, its buffers compressed or not;
 * its path in path[64]. */
static void write_trace_as(char *path, bool compress)
{
    int fd;
    etl_stream *s = open_temp(path, &fd);
    etl_stream_set_compress(s, compress);
    for (size_t i = 0; i < sizeof trace / sizeof *trace; i++)
        ck_assert_int_eq(put(s, &trace[i]), MOJO_OK);
    close_ok(s, fd, TRACE_END);
}

static void write_trace(char *path)
{
    write_trace_as(path, false);
}

/* What the reader's rebuild gives, worked out by hand from the trace:
 * a thread's sample spans two of its consecutive push/pop events (with
 * --marks, its range events too) with the stack between them; callers
 * show the line they last called from (CallerLine), the leaf its def
 * line unless it called something since; a thread's first event gives
 * no sample. Timestamps and times in µs (ticks / 10). Thread 2's first
 * event, the push at 25 µs, starts it inside loop (its later pop without
 * a push). */
#define MOD1 "main.py:<module>:1"
#define MOD5 "main.py:<module>:5"
#define WORK(l) "main.py:work:" #l
#define F "na\xc3\xafve.py:\xf0\x9f\x90\x8d.f:20"
#define LEN "[native]builtins:len:0"
#define LOOP(l) "worker.py:loop:" #l
static const char expected[] =
    "100 1 10 10 | " MOD1 "\n"
    "100 1 20 10 | " MOD5 ";" WORK(10) "\n"
    "200 1 11 20 | other.py:main:3\n"
    "100 2 25 10 | " LOOP(33) ";" F "\n"
    "100 1 30 15 | " MOD5 ";" WORK(12) ";" F "\n"
    "100 1 45 5 | " MOD5 ";" WORK(12) "\n"
    "100 1 50 2 | " MOD5 ";" WORK(13) ";" LEN "\n"
    "100 2 35 20 | " LOOP(33) "\n"
    "100 1 52 8 | " MOD5 ";" WORK(13) "\n"
    "100 1 60 10 | " MOD5 ";" WORK(14) ";" WORK(10) "\n"
    "100 2 65 10 | " LOOP(30) "\n"
    "100 1 70 10 | " MOD5 ";" WORK(14) "\n"
    "100 1 80 10 | " MOD5 "\n";

/* With --marks: the thread range (from PythonThread start to stop) and
 * the mark range are frames at the root; thread 1 of process 100 and
 * process 200's thread now give samples from their start events on, and
 * the range's start and end cut samples too. The instant mark changes
 * nothing. */
#define T "<thread>:PythonThread:0;"
#define M "<mark>:" PHASE ":0;"
static const char expected_marks[] =
    "100 1 0 10 | <thread>:PythonThread:0\n"
    "200 1 0 11 | <thread>:PythonThread:0\n"
    "100 1 10 5 | " T MOD1 "\n"
    "100 1 15 5 | " T M MOD1 "\n"
    "100 1 20 10 | " T M MOD5 ";" WORK(10) "\n"
    "200 1 11 20 | " T "other.py:main:3\n"
    "100 2 25 10 | " LOOP(33) ";" F "\n"
    "200 1 31 9 | <thread>:PythonThread:0\n"
    "100 1 30 15 | " T M MOD5 ";" WORK(12) ";" F "\n"
    "100 1 45 5 | " T M MOD5 ";" WORK(12) "\n"
    "100 1 50 2 | " T M MOD5 ";" WORK(13) ";" LEN "\n"
    "100 2 35 20 | " LOOP(33) "\n"
    "100 1 52 8 | " T M MOD5 ";" WORK(13) "\n"
    "100 1 60 5 | " T M MOD5 ";" WORK(14) ";" WORK(10) "\n"
    "100 1 65 5 | " T MOD5 ";" WORK(14) ";" WORK(10) "\n"
    "100 2 65 10 | " LOOP(30) "\n"
    "100 1 70 10 | " T MOD5 ";" WORK(14) "\n"
    "100 1 80 10 | " T MOD5 "\n"
    "100 1 90 10 | <thread>:PythonThread:0\n";

/* The trace at path gives the samples above, then goes. */
static void reads_back_as_expected(const char *path)
{
    int status;
    size_t n;
    char *got = read_samples(path, 0, &status, &n);
    ck_assert_int_eq(status, MOJO_END);
    ck_assert_str_eq(got, expected);
    free(got);
    got = read_samples(path, 1, &status, &n);
    ck_assert_int_eq(status, MOJO_END);
    ck_assert_str_eq(got, expected_marks);
    free(got);
    unlink(path);
}

START_TEST(test_trace_reads_back)
{
    char path[64];
    write_trace(path);
    size_t len;
    free(slurp(path, &len));
    ck_assert_uint_eq(len, 2 * 65536);  /* the header and one data buffer */
    reads_back_as_expected(path);
}
END_TEST

/* The header: two buffers, the end time given at close, the file's name,
 * the writers' clock; data buffers in sequence with their last event's
 * time as flush time. */
START_TEST(test_header)
{
    char path[64];
    write_trace(path);
    loaded f_l = load(path);
    etl_file f = f_l.f;
    ck_assert_uint_eq(f.nbufs, 2);
    ck_assert_uint_eq(f.log.buffers_written, 2);
    ck_assert_uint_eq(f.log.buffer_size, 65536);
    ck_assert_uint_eq(f.log.end_time, ETL_WR_START_TIME + TRACE_END);
    ck_assert_uint_eq(f.log.start_time, ETL_WR_START_TIME);
    ck_assert_uint_eq(f.log.perf_freq, ETL_WR_FREQ);
    ck_assert_int_eq(f.log.header_ts, (int64_t)ETL_WR_QPC_BASE);
    ck_assert_str_eq(f.log.log_file_name, path);
    ck_assert_str_eq(f.log.logger_name, "mojo-tools");
    ck_assert_uint_eq(f.bufs[0].type, ETL_BUFFER_TYPE_HEADER);
    ck_assert_uint_eq(f.bufs[1].sequence, 1);
    ck_assert_uint_eq(etl_u64(f.data + 65536 + ETL_BUF_TIMESTAMP),
                      ETL_WR_QPC_BASE + 1000);
    unload(&f_l);
    unlink(path);
}
END_TEST

/* Records are what the schema says (the reader would skip them silently
 * otherwise): walk them and check kinds, opcodes and sizes. */
START_TEST(test_records)
{
    char path[64];
    write_trace(path);
    loaded f_l = load(path);
    etl_file f = f_l.f;
    const etl_buffer *b = &f.bufs[1];
    size_t at = 0, n = 0;
    etl_record rec;
    const char *why = NULL;
    int64_t last = 0;
    while (etl_record_parse(b->data + at, b->len - at, &rec, &why) == 1) {
        etl_ext x;
        ck_assert_int_eq(etl_record_ext(&rec, &x, &why), 0);
        ck_assert_ptr_nonnull(x.schema);
        ck_assert_uint_eq(rec.pid, trace[n].pid);
        ck_assert_uint_eq(rec.tid, trace[n].tid);
        ck_assert_int_eq(rec.ts - (int64_t)ETL_WR_QPC_BASE,
                         (int64_t)trace[n].ticks);
        ck_assert_int_ge(rec.ts, last);
        last = rec.ts;
        const char *name = (const char *)x.schema + 3;
        switch (trace[n].op) {
        case MARK:
            ck_assert_str_eq(name, "PythonMark");
            ck_assert_uint_eq(x.schema_len, 20);  /* as the notes say */
            ck_assert_uint_eq(rec.opcode, trace[n].opcode);
            ck_assert_uint_eq(rec.keyword, 0x800);
            ck_assert_uint_eq(rec.level, 5);
            {
                uint8_t u16[64];
                size_t units = etl_utf8_to_utf16(trace[n].mark,
                                                 strlen(trace[n].mark), u16, 32);
                ck_assert_uint_eq(rec.payload_len, 2 * units + 2);
                ck_assert_int_eq(memcmp(rec.payload, u16, 2 * units), 0);
            }
            break;
        case PUSH:
            ck_assert_str_eq(name, "PythonFunctionPush");
            ck_assert_uint_eq(x.schema_len, 54);
            ck_assert_uint_eq(rec.payload_len, 24);
            ck_assert_uint_eq(etl_u64(rec.payload + 16), trace[n].line);
            break;
        case POP:
            ck_assert_str_eq(name, "PythonFunctionPop");
            ck_assert_uint_eq(x.schema_len, 33);
            break;
        case FUNCTION:
            ck_assert_str_eq(name, "PythonFunction");
            ck_assert_uint_eq(x.schema_len, 100);
            break;
        default:
            ck_assert_str_eq(name, "PythonThread");
            ck_assert_uint_eq(x.schema_len, 26);
            ck_assert_uint_eq(rec.opcode, trace[n].op == THREAD_START ? 1 : 2);
            ck_assert_uint_eq(etl_u32(rec.payload), trace[n].tid);
            break;
        }
        at += etl_align8(rec.size);
        n++;
    }
    ck_assert_uint_eq(n, sizeof trace / sizeof *trace);
    ck_assert_uint_eq(at, b->len);
    unload(&f_l);
    unlink(path);
}
END_TEST

/* The stream copies heads by these lengths. */
START_TEST(test_head_lengths)
{
    static const size_t want[ETL_PY_KINDS] = {
        [ETL_PY_THREAD_START] = ETL_HEAD_THREAD,
        [ETL_PY_THREAD_STOP] = ETL_HEAD_THREAD,
        [ETL_PY_FUNCTION] = ETL_HEAD_FUNCTION,
        [ETL_PY_PUSH] = ETL_HEAD_PUSH,
        [ETL_PY_POP] = ETL_HEAD_POP,
        [ETL_PY_MARK] = ETL_HEAD_MARK,
        [ETL_PY_MARK_START] = ETL_HEAD_MARK,
        [ETL_PY_MARK_STOP] = ETL_HEAD_MARK,
    };
    uint8_t head[ETL_HEAD_MAX];
    for (int k = 0; k < ETL_PY_KINDS; k++)
        ck_assert_uint_eq(etl_encode_head((etl_py_kind)k, head), want[k]);
}
END_TEST

/* ------------------------------------- the same bytes as the sample writer */

/* Samples over a few frames (one native, names not ASCII), three threads
 * in two processes, stacks that change a little from one to the next. */
static void write_samples(const char *path, int nsamples)
{
    mojo_error err;
    mojo_writer *w = mojo_writer_open_path(path, MOJO_FORMAT_ETL, NULL, &err);
    ck_assert_msg(w != NULL, "%s", err.message);
    mojo_frames *t = mojo_frames_new();
    const mojo_frame *pool[24];
    for (int i = 0; i < 24; i++) {
        char file[32], scope[32];
        snprintf(file, sizeof file, "m\xc3\xb6" "d%d.py", i % 5);
        snprintf(scope, sizeof scope, "f\xe2\x82\xac%d", i);
        mojo_frame p = {.kind = i == 7 ? MOJO_FRAME_NATIVE : MOJO_FRAME_PYTHON,
                        .line = i == 7 ? 0 : 1 + i * 3};
        p.file = (mojo_str){file, strlen(file)};
        p.scope = (mojo_str){scope, strlen(scope)};
        pool[i] = mojo_frames_intern(t, &p);
    }
    uint32_t rng = 12345;
    const mojo_frame *stack[3][16];
    size_t depth[3] = {0};
    for (int i = 0; i < nsamples; i++) {
        rng = rng * 1103515245u + 12345u;
        int th = (int)(rng >> 16) % 3;
        size_t d = depth[th];
        size_t keep = d ? (rng >> 20) % (d + 1) : 0;
        size_t want = 1 + (rng >> 8) % 12;
        for (size_t k = keep; k < want; k++)
            stack[th][k] = pool[(rng >> (k % 9)) % 24];
        depth[th] = want;
        mojo_event ev = {.type = MOJO_EVENT_SAMPLE};
        mojo_sample *s = &ev.u.sample;
        s->pid = th == 2 ? 7 : 6;
        s->tid = th == 1 ? 2 : 1;
        s->frames = stack[th];
        s->nframes = want;
        s->metrics = MOJO_METRIC_TIME;
        s->time = 1 + (rng >> 4) % 300;
        s->timestamp = -1;
        ck_assert_int_eq(mojo_writer_write(w, &ev), MOJO_OK);
    }
    ck_assert_int_eq(mojo_writer_close(w, &err), MOJO_OK);
    mojo_frames_unref(t);
}

static mojo_str utf16_field(const uint8_t *p, size_t avail, size_t *used,
                            char *out, size_t cap)
{
    size_t units = etl_utf16_units(p, avail);
    ck_assert_uint_ne(units, SIZE_MAX);
    *used = 2 * units + 2;
    return (mojo_str){out, etl_utf16_to_utf8(p, units, out, cap)};
}

/* Send record rec of the sample writer's file through the stream. */
static void replay(etl_stream *s, const etl_record *r)
{
    etl_record rec = *r;
    etl_ext x;
    const char *why = NULL;
    ck_assert_int_eq(etl_record_ext(&rec, &x, &why), 0);
    const char *name = (const char *)x.schema + 3;
    const uint8_t *p = rec.payload;
    uint64_t ticks = (uint64_t)rec.ts - ETL_WR_QPC_BASE;
    int rc;
    if (strcmp(name, "PythonThread") == 0) {
        rc = etl_stream_thread(s, ticks, rec.pid, rec.tid, rec.opcode == 1);
    } else if (strcmp(name, "PythonFunctionPush") == 0) {
        rc = etl_stream_push(s, ticks, rec.pid, rec.tid, etl_u64(p),
                             etl_u64(p + 8), etl_u64(p + 16));
    } else if (strcmp(name, "PythonFunctionPop") == 0) {
        rc = etl_stream_pop(s, ticks, rec.pid, rec.tid, etl_u64(p));
    } else {
        ck_assert_str_eq(name, "PythonFunction");
        char file[256], scope[256];
        size_t at = 28, used;
        mojo_frame f = {.line = (int32_t)etl_u32(p + 24)};
        f.file = utf16_field(p + at, rec.payload_len - at, &used, file,
                             sizeof file);
        at += used;
        f.scope = utf16_field(p + at, rec.payload_len - at, &used, scope,
                              sizeof scope);
        at += used;
        uint32_t ispy = etl_u32(p + at);
        f.kind = ispy == 1 ? MOJO_FRAME_PYTHON : MOJO_FRAME_NATIVE;
        rc = etl_stream_function(s, ticks, rec.pid, rec.tid, etl_u64(p), &f);
    }
    ck_assert_int_eq(rc, MOJO_OK);
}

/* The sample writer's file, every record of it sent through the stream
 * in file order, gives the same file byte for byte: records, padding,
 * buffer packing, buffer headers and the header buffer. */
static void same_as_sample_writer(int nsamples, size_t min_buffers)
{
    char path[64];
    close(temp_file(path));
    write_samples(path, nsamples);
    size_t la;
    char *a = slurp(path, &la);
    loaded f_l = load(path);
    etl_file f = f_l.f;
    ck_assert_uint_ge(f.nbufs, min_buffers);
    int fd = open(path, O_WRONLY | O_TRUNC);
    ck_assert_int_ge(fd, 0);
    mojo_error err;
    etl_stream *s = etl_stream_open(fd, path, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    for (size_t i = 1; i < f.nbufs; i++) {
        const etl_buffer *b = &f.bufs[i];
        etl_record rec;
        const char *why = NULL;
        for (size_t at = 0;
             etl_record_parse(b->data + at, b->len - at, &rec, &why) == 1;
             at += etl_align8(rec.size))
            replay(s, &rec);
    }
    close_ok(s, fd, f.log.end_time - ETL_WR_START_TIME);
    unload(&f_l);
    size_t lb;
    char *b = slurp(path, &lb);
    ck_assert_uint_eq(la, lb);
    size_t at = 0;
    while (at < la && a[at] == b[at])
        at++;
    ck_assert_msg(at == la, "the files differ first at byte %zu", at);
    free(a);
    free(b);
    unlink(path);
}

START_TEST(test_same_bytes_small)
{
    same_as_sample_writer(3, 2);
}
END_TEST

START_TEST(test_same_bytes_buffers)
{
    same_as_sample_writer(6000, 5);
}
END_TEST

/* ------------------------------------------------------ many buffers */

/* Calls of depth 1..4 over and over: thousands of events in several
 * buffers; the reader gets every sample, the header counts the buffers. */
START_TEST(test_many_buffers)
{
    char path[64];
    int fd;
    etl_stream *s = open_temp(path, &fd);
    for (uint64_t id = 1; id <= 4; id++)
        ck_assert_int_eq(etl_stream_function(s, 0, 5, 9, id, &frames[id - 1]),
                         MOJO_OK);
    uint64_t t = 0, pushes = 0;
    for (int round = 0; round < 3000; round++) {
        uint64_t depth = 1 + (uint64_t)round % 4;
        for (uint64_t d = 1; d <= depth; d++, pushes++)
            ck_assert_int_eq(etl_stream_push(s, t += 10, 5, 9, d, d - 1, 7),
                             MOJO_OK);
        for (uint64_t d = depth; d >= 1; d--)
            ck_assert_int_eq(etl_stream_pop(s, t += 10, 5, 9, d), MOJO_OK);
    }
    uint64_t bytes = etl_stream_bytes(s);
    ck_assert_uint_gt(bytes, 5 * 65536);
    ck_assert_uint_eq(bytes % 65536, 0);
    /* an end before the last event: the last event's time instead */
    close_ok(s, fd, 5);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq((uint64_t)st.st_size, bytes + 65536);
    loaded f_l = load(path);
    etl_file f = f_l.f;
    ck_assert_uint_eq(f.log.buffers_written, st.st_size / 65536);
    ck_assert_uint_eq(f.log.end_time, ETL_WR_START_TIME + t);
    for (size_t i = 1; i < f.nbufs; i++)
        ck_assert_uint_eq(f.bufs[i].sequence, i);
    unload(&f_l);
    /* a sample between any two events but from a pop to the next push
     * at depth 0: 2 * pushes - rounds events after the first, less the
     * 3000 - 1 gaps between rounds */
    int status;
    size_t n;
    free(read_samples(path, 0, &status, &n));
    ck_assert_int_eq(status, MOJO_END);
    ck_assert_uint_eq(n, 2 * pushes - 1 - 2999);
    unlink(path);
}
END_TEST

/* Time never goes back: an earlier time is taken as the latest one. */
START_TEST(test_time_never_decreases)
{
    char path[64];
    int fd;
    etl_stream *s = open_temp(path, &fd);
    ck_assert_int_eq(etl_stream_function(s, 0, 1, 1, 1, &frames[0]), MOJO_OK);
    ck_assert_int_eq(etl_stream_function(s, 0, 1, 1, 2, &frames[1]), MOJO_OK);
    ck_assert_int_eq(etl_stream_push(s, 100, 1, 1, 1, 0, 0), MOJO_OK);
    ck_assert_int_eq(etl_stream_push(s, 300, 1, 1, 2, 1, 4), MOJO_OK);
    ck_assert_int_eq(etl_stream_pop(s, 200, 1, 1, 2), MOJO_OK);  /* at 300 */
    ck_assert_int_eq(etl_stream_pop(s, 400, 1, 1, 1), MOJO_OK);
    close_ok(s, fd, 400);
    int status;
    size_t n;
    char *got = read_samples(path, 0, &status, &n);
    /* the call to work lasts no time: no sample of it */
    ck_assert_str_eq(got, "1 1 10 20 | " MOD1 "\n"
                          "1 1 30 10 | main.py:<module>:4\n");
    free(got);
    unlink(path);
}
END_TEST

/* Nothing written: a valid trace of the header buffer alone. */
START_TEST(test_empty)
{
    char path[64];
    int fd;
    etl_stream *s = open_temp(path, &fd);
    close_ok(s, fd, 0);
    loaded f_l = load(path);
    etl_file f = f_l.f;
    ck_assert_uint_eq(f.nbufs, 1);
    ck_assert_uint_eq(f.log.buffers_written, 1);
    unload(&f_l);
    int status;
    size_t n;
    free(read_samples(path, 0, &status, &n));
    ck_assert_int_eq(status, MOJO_END);
    ck_assert_uint_eq(n, 0);
    unlink(path);
}
END_TEST

/* Abandoned (a forked child's copy): nothing more is written. */
START_TEST(test_abandon)
{
    char path[64];
    int fd;
    etl_stream *s = open_temp(path, &fd);
    for (int i = 0; i < 100; i++)  /* less than a buffer */
        ck_assert_int_eq(etl_stream_push(s, 10, 1, 1, 1, 0, 0), MOJO_OK);
    etl_stream_abandon(s);
    etl_stream_abandon(NULL);
    close(fd);
    size_t len;
    char *b = slurp(path, &len);
    ck_assert_uint_eq(len, 65536);  /* the reserved header buffer alone */
    for (size_t i = 0; i < len; i++)
        ck_assert_int_eq(b[i], 0);
    free(b);
    unlink(path);
}
END_TEST

/* ------------------------------------------------------------ damage */

/* Every prefix of a written trace reads cleanly: an error naming the
 * file and an offset (the header's buffer count tells a cut at the
 * buffer boundary), never a crash. */
static void every_truncation(bool compress)
{
    char path[64];
    write_trace_as(path, compress);
    size_t len;
    char *buf = slurp(path, &len);
    mojo_error err;
    size_t n;
    ck_assert_int_eq(read_cut(buf, len, &n, &err), MOJO_END);
    ck_assert_uint_eq(n, 13);
    for (size_t cut = 0; cut < len; cut++) {
        ck_assert_msg(read_cut(buf, cut, &n, &err) == MOJO_ERROR,
                      "a cut at %zu was not reported", cut);
        ck_assert_msg(strstr(err.message, "cut.etl: offset ") == err.message,
                      "cut %zu: %s", cut, err.message);
    }
    free(buf);
    unlink(path);
}

START_TEST(test_every_truncation)
{
    every_truncation(false);
}
END_TEST

/* Cut at or next to a buffer boundary of a longer trace: the samples of
 * the buffers before the cut, then an error. */
START_TEST(test_truncation_keeps_samples)
{
    char path[64];
    int fd;
    etl_stream *s = open_temp(path, &fd);
    ck_assert_int_eq(etl_stream_function(s, 0, 1, 1, 1, &frames[0]), MOJO_OK);
    for (uint64_t t = 1; t < 4000; t += 2) {
        ck_assert_int_eq(etl_stream_push(s, t * 10, 1, 1, 1, 0, 0), MOJO_OK);
        ck_assert_int_eq(etl_stream_pop(s, t * 10 + 10, 1, 1, 1), MOJO_OK);
    }
    close_ok(s, fd, 0);
    size_t len, n;
    char *buf = slurp(path, &len);
    ck_assert_uint_ge(len, 5 * 65536);
    mojo_error err;
    ck_assert_int_eq(read_cut(buf, len, &n, &err), MOJO_END);
    ck_assert_uint_eq(n, 2000);  /* one per call */
    size_t before = 0;
    for (size_t cut = 2 * 65536; cut <= len; cut += 65536) {
        /* a whole buffer more each time: more samples before the error */
        for (size_t d = cut == len; d < 3; d++) {
            ck_assert_int_eq(read_cut(buf, cut - d, &n, &err), MOJO_ERROR);
            ck_assert_int_eq(err.code, MOJO_E_TRUNCATED);
            ck_assert_uint_le(n, 2000);
        }
        ck_assert(cut == 2 * 65536 ? n == 0 : n > before);
        before = n;
    }
    free(buf);
    unlink(path);
}
END_TEST

/* ------------------------------------------------------------ refusals */

START_TEST(test_pipe_refused)
{
    int p[2];
    ck_assert_int_eq(pipe(p), 0);
    mojo_error err;
    etl_stream *s = etl_stream_open(p[1], "out.etl", &err);
    ck_assert_ptr_null(s);
    ck_assert_int_eq(err.code, MOJO_E_IO);
    ck_assert_int_eq(err.sys_errno, ESPIPE);
    ck_assert_msg(strstr(err.message, "out.etl: ") == err.message, "%s",
                  err.message);
    ck_assert_ptr_nonnull(strstr(err.message, "seekable"));
    close(p[0]);
    close(p[1]);
}
END_TEST

START_TEST(test_append_refused)
{
    char path[64];
    close(temp_file(path));
    int fd = open(path, O_WRONLY | O_APPEND);
    mojo_error err;
    ck_assert_ptr_null(etl_stream_open(fd, path, &err));
    ck_assert_int_eq(err.code, MOJO_E_IO);
    ck_assert_ptr_nonnull(strstr(err.message, "appending"));
    close(fd);
    unlink(path);
}
END_TEST

/* A device that seeks but takes nothing: the reserved header fails. */
START_TEST(test_full_device)
{
    int fd = open("/dev/full", O_WRONLY);
    if (fd < 0)
        return;  /* no such device here */
    mojo_error err;
    ck_assert_ptr_null(etl_stream_open(fd, "full.etl", &err));
    ck_assert_int_eq(err.code, MOJO_E_IO);
    ck_assert_int_eq(err.sys_errno, ENOSPC);
    ck_assert_str_eq(err.message,
                     "full.etl: write: No space left on device");
    close(fd);
}
END_TEST

/* Files this process writes may not grow past bytes (SIGXFSZ ignored: a
 * write past it fails with EFBIG); the limit before, to restore. */
static struct rlimit limit_file_size(rlim_t bytes)
{
    struct rlimit old, lim;
    ck_assert_int_eq(getrlimit(RLIMIT_FSIZE, &old), 0);
    lim = old;
    lim.rlim_cur = bytes;
    signal(SIGXFSZ, SIG_IGN);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &lim), 0);
    return old;
}

/* Calls and returns of function 1, 10 ticks apart from *t on, until one
 * fails or *t reaches max; the last result. */
static int calls_until_error(etl_stream *s, uint64_t *t, uint64_t max)
{
    int rc = MOJO_OK;
    while (rc == MOJO_OK && *t < max) {
        rc = etl_stream_push(s, *t += 10, 1, 1, 1, 0, 0);
        if (rc == MOJO_OK)
            rc = etl_stream_pop(s, *t += 10, 1, 1, 1);
    }
    return rc;
}

/* The file may not grow past 3 buffers and a bit: the fourth buffer's
 * write fails. The error sticks, close still writes the header, and the
 * buffers written in full read back (the partial one is cut off). */
START_TEST(test_write_error)
{
    char path[64];
    int fd = temp_file(path);
    struct rlimit old = limit_file_size(3 * 65536 + 1000);
    mojo_error err;
    etl_stream *s = etl_stream_open(fd, path, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    ck_assert_int_eq(etl_stream_function(s, 0, 1, 1, 1, &frames[0]), MOJO_OK);
    uint64_t t = 0;
    int rc = calls_until_error(s, &t, 1000000);
    ck_assert_int_eq(rc, MOJO_ERROR);
    const mojo_error *e = etl_stream_error(s);
    ck_assert_ptr_nonnull(e);
    ck_assert_int_eq(e->code, MOJO_E_IO);
    ck_assert_int_eq(e->sys_errno, EFBIG);
    char first[sizeof e->message];
    strcpy(first, e->message);
    ck_assert_msg(strstr(first, path) == first, "%s", first);
    ck_assert_ptr_nonnull(strstr(first, ": write: "));
    /* every later call fails too, and the first error stays */
    ck_assert_int_eq(etl_stream_pop(s, t, 1, 1, 1), MOJO_ERROR);
    ck_assert_int_eq(etl_stream_mark(s, t, 1, 1, 0, (mojo_str){"x", 1}),
                     MOJO_ERROR);
    ck_assert_int_eq(etl_stream_function(s, t, 1, 1, 2, &frames[1]),
                     MOJO_ERROR);
    ck_assert_str_eq(etl_stream_error(s)->message, first);
    ck_assert_uint_eq(etl_stream_bytes(s), 3 * 65536);
    ck_assert_int_eq(etl_stream_close(s, t, &err), MOJO_ERROR);
    ck_assert_str_eq(err.message, first);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    close(fd);
    loaded f_l = load(path);
    etl_file f = f_l.f;
    ck_assert_uint_eq(f.nbufs, 3);
    ck_assert_uint_eq(f.log.buffers_written, 3);
    unload(&f_l);
    int status;
    size_t n;
    free(read_samples(path, 0, &status, &n));
    ck_assert_int_eq(status, MOJO_END);
    ck_assert_uint_gt(n, 300);  /* about 186 calls a buffer */
    unlink(path);
}
END_TEST

/* A mark's opcode is 0, 1 or 2; the error sticks, and close still
 * writes the events before it. */
START_TEST(test_bad_mark_opcode)
{
    char path[64];
    int fd;
    etl_stream *s = open_temp(path, &fd);
    mojo_error err;
    ck_assert_int_eq(etl_stream_function(s, 0, 1, 1, 1, &frames[0]), MOJO_OK);
    ck_assert_int_eq(etl_stream_push(s, 10, 1, 1, 1, 0, 0), MOJO_OK);
    ck_assert_int_eq(etl_stream_pop(s, 20, 1, 1, 1), MOJO_OK);
    ck_assert_int_eq(etl_stream_mark(s, 30, 1, 1, 3, (mojo_str){"m", 1}),
                     MOJO_ERROR);
    ck_assert_int_eq(etl_stream_error(s)->code, MOJO_E_USAGE);
    ck_assert_ptr_nonnull(strstr(etl_stream_error(s)->message, "opcode 3"));
    ck_assert_int_eq(etl_stream_push(s, 0, 1, 1, 1, 0, 0), MOJO_ERROR);
    ck_assert_int_eq(etl_stream_close(s, 0, &err), MOJO_ERROR);
    ck_assert_int_eq(err.code, MOJO_E_USAGE);
    close(fd);
    /* what came before the error is written all the same */
    int status;
    size_t n;
    char *got = read_samples(path, 0, &status, &n);
    ck_assert_int_eq(status, MOJO_END);
    ck_assert_str_eq(got, "1 1 1 1 | " MOD1 "\n");
    free(got);
    unlink(path);
}
END_TEST

/* -------------------------------------------------------- compressed */

#define COMPRESSED_MODE 0x04000000u

/* The hand-made trace, compressed: the same samples; the header buffer
 * plain with format 3 in its State and the compressed mode in
 * LogFileMode (layout 2.0), the data buffer compressed (flag 0x60,
 * BufferSize its compressed bytes, Offset its payload's end). */
START_TEST(test_compressed_reads_back)
{
    char path[64];
    write_trace_as(path, true);
    size_t len;
    uint8_t *raw = (uint8_t *)slurp(path, &len);
    ck_assert_uint_gt(len, 65536 + 72);
    ck_assert_uint_lt(len, 65536 + 1500);
    ck_assert_uint_eq(etl_u32(raw + ETL_BUF_STATE), 3);
    ck_assert_uint_eq(etl_u16(raw + ETL_BUF_FLAGS), 0x0001);
    uint8_t *b = raw + 65536;
    ck_assert_uint_eq(etl_u32(b + ETL_BUF_SIZE), len - 65536);
    ck_assert_uint_eq(etl_u16(b + ETL_BUF_FLAGS), 0x0060);
    ck_assert_uint_eq(etl_u32(b + ETL_BUF_STATE), 3);
    ck_assert_uint_eq(etl_u32(b + ETL_BUF_SAVED), etl_u32(b + ETL_BUF_OFFSET));
    free(raw);
    loaded f_l = load(path);
    etl_file f = f_l.f;
    ck_assert_uint_eq(f.nbufs, 2);
    ck_assert_uint_eq(f.log.buffers_written, 2);
    ck_assert_uint_eq(f.log.log_file_mode, COMPRESSED_MODE | 1);
    ck_assert_uint_eq(f.log.layout_major, 2);
    ck_assert_uint_eq(f.log.layout_minor, 0);
    ck_assert(f.bufs[1].compressed);
    unload(&f_l);
    reads_back_as_expected(path);
}
END_TEST

/* Calls of depth 1..8, with compression as given by on(round): the file's
 * path in path[64], its size in *len. */
static void write_calls(char *path, bool (*on)(int round), size_t *len)
{
    int fd;
    etl_stream *s = open_temp(path, &fd);
    for (uint64_t id = 1; id <= 4; id++)
        ck_assert_int_eq(etl_stream_function(s, 0, 5, 9, id, &frames[id - 1]),
                         MOJO_OK);
    uint64_t t = 0;
    for (int round = 0; round < 20000; round++) {
        etl_stream_set_compress(s, on(round));
        uint64_t depth = 1 + (uint64_t)round % 8;
        for (uint64_t d = 1; d <= depth; d++)
            ck_assert_int_eq(etl_stream_push(s, t += 7 + d, 5, 9, 1 + d % 4,
                                             d - 1 ? 1 + (d - 1) % 4 : 0, d),
                             MOJO_OK);
        for (uint64_t d = depth; d >= 1; d--)
            ck_assert_int_eq(etl_stream_pop(s, t += 3, 5, 9, 1 + d % 4),
                             MOJO_OK);
    }
    uint64_t bytes = etl_stream_bytes(s);
    close_ok(s, fd, t);
    free(slurp(path, len));
    /* the last buffer, flushed at close, takes up to a buffer more */
    ck_assert_uint_gt(*len, bytes);
    ck_assert_uint_le(*len, bytes + 65536);
}

static bool never(int round) { (void)round; return false; }
static bool always(int round) { (void)round; return true; }
static bool by_turns(int round) { return round / 3000 % 2 == 1; }

/* Many buffers, plain, compressed, and switched on and off on the way:
 * the same samples from all three; compressed buffers in sequence,
 * several times smaller. */
START_TEST(test_compressed_same_samples)
{
    char plain[64], packed[64], mixed[64];
    size_t plain_len, packed_len, mixed_len;
    write_calls(plain, never, &plain_len);
    write_calls(packed, always, &packed_len);
    write_calls(mixed, by_turns, &mixed_len);
    ck_assert_uint_lt(packed_len - 65536, (plain_len - 65536) / 5);
    ck_assert_uint_lt(packed_len, mixed_len);
    ck_assert_uint_lt(mixed_len, plain_len);
    loaded a_l = load(plain), b_l = load(packed), c_l = load(mixed);
    etl_file a = a_l.f, b = b_l.f, c = c_l.f;
    ck_assert_uint_gt(a.nbufs, 20);
    ck_assert_uint_eq(b.nbufs, a.nbufs);
    ck_assert_uint_eq(c.nbufs, a.nbufs);
    size_t plain_in_mixed = 0;
    for (size_t i = 1; i < a.nbufs; i++) {
        ck_assert(b.bufs[i].compressed);
        ck_assert_uint_eq(b.bufs[i].sequence, i);
        ck_assert_uint_eq(c.bufs[i].sequence, i);
        ck_assert_uint_eq(b.bufs[i].len, a.bufs[i].len);
        ck_assert_int_eq(memcmp(b.bufs[i].data, a.bufs[i].data, a.bufs[i].len),
                         0);
        ck_assert_int_eq(memcmp(c.bufs[i].data, a.bufs[i].data, a.bufs[i].len),
                         0);
        plain_in_mixed += !c.bufs[i].compressed;
    }
    ck_assert_uint_gt(plain_in_mixed, 0);
    ck_assert_uint_lt(plain_in_mixed, a.nbufs - 1);
    unload(&a_l);
    unload(&b_l);
    unload(&c_l);
    int status;
    size_t n1, n2, n3;
    char *s1 = read_samples(plain, 0, &status, &n1);
    ck_assert_int_eq(status, MOJO_END);
    char *s2 = read_samples(packed, 0, &status, &n2);
    ck_assert_int_eq(status, MOJO_END);
    char *s3 = read_samples(mixed, 0, &status, &n3);
    ck_assert_int_eq(status, MOJO_END);
    ck_assert_uint_gt(n1, 100000);
    ck_assert_uint_eq(n2, n1);
    ck_assert_uint_eq(n3, n1);
    ck_assert(strcmp(s1, s2) == 0);
    ck_assert(strcmp(s1, s3) == 0);
    free(s1);
    free(s2);
    free(s3);
    unlink(plain);
    unlink(packed);
    unlink(mixed);
}
END_TEST

/* Every kind of event, with ids large and small, functions and marks of
 * every length up to 300 characters, threads coming and going; buffers
 * plain (toggle 0), compressed (-1), or compression switched on and off
 * every toggle events, in the middle of buffers: the file's path in
 * path[64]. */
static void write_every_kind(char *path, int toggle)
{
    int fd;
    etl_stream *s = open_temp(path, &fd);
    uint64_t r = 0x2545F4914F6CDD1Du, t = 0;
    char text[300] = "";
    for (int k = 0; k < 60000; k++) {
        r ^= r << 13;
        r ^= r >> 7;
        r ^= r << 17;
        if (toggle)
            etl_stream_set_compress(s, toggle < 0 || k / toggle % 2 == 0);
        uint32_t tid = 9 + (uint32_t)(r >> 60);
        uint64_t id = r % 7 == 0 ? r >> 24 : 1 + r % 50;
        t += r % 5 == 0 ? r >> 40 : r % 3;
        int rc;
        switch (r % 23) {
        case 0:
        case 1: {
            size_t n = (size_t)(r >> 20) % sizeof text;
            for (size_t i = 0; i < n; i++)
                text[i] = (char)('a' + (r >> (i % 50)) % 26);
            mojo_frame f = {.kind = MOJO_FRAME_PYTHON, .line = (int64_t)(r % 999),
                            .file = {text, n / 2}, .scope = {text + n / 2, n - n / 2}};
            rc = etl_stream_function(s, t, 5, tid, id, &f);
            break;
        }
        case 2:
            rc = etl_stream_mark(s, t, 5, tid, (int)((r >> 30) % 3),
                                 (mojo_str){text, (size_t)(r >> 8) % sizeof text});
            break;
        case 3:
            rc = etl_stream_thread(s, t, 5, tid, r & 1024);
            break;
        default:
            rc = r & 1 ? etl_stream_push(s, t, 5, tid, id, r >> 33, r >> 50)
                       : etl_stream_pop(s, t, 5, tid, id);
            break;
        }
        ck_assert_msg(rc == MOJO_OK, "event %d: %s", k,
                      etl_stream_error(s)->message);
    }
    close_ok(s, fd, t);
}

/* The records compressed against their kind's last record (or the record
 * before) inflate, through the reader's own decoder, to exactly the bytes
 * of the plain file, buffer by buffer, however compression comes and
 * goes. (Switched on within a buffer, the buffer's records so far go in
 * as literals: switched every 37 events, nothing fits and every buffer
 * stays plain.) */
START_TEST(test_compressed_every_kind)
{
    static const int toggles[] = {-1, 1, 37, 1000};
    char plain[64];
    write_every_kind(plain, 0);
    loaded a_l = load(plain);
    etl_file a = a_l.f;
    ck_assert_uint_gt(a.nbufs, 100);
    for (size_t k = 0; k < sizeof toggles / sizeof *toggles; k++) {
        char packed[64];
        write_every_kind(packed, toggles[k]);
        loaded b_l = load(packed);
        etl_file b = b_l.f;
        ck_assert_uint_eq(b.nbufs, a.nbufs);
        size_t compressed = 0;
        for (size_t i = 1; i < a.nbufs; i++) {
            ck_assert_uint_eq(b.bufs[i].len, a.bufs[i].len);
            size_t at = 0;
            while (at < a.bufs[i].len && b.bufs[i].data[at] == a.bufs[i].data[at])
                at++;
            ck_assert_msg(at == a.bufs[i].len, "toggle %d, buffer %zu of %zu "
                          "(%s): byte %zu of %u differs", toggles[k], i,
                          a.nbufs, b.bufs[i].compressed ? "compressed" : "plain",
                          at, a.bufs[i].len);
            compressed += b.bufs[i].compressed;
        }
        if (toggles[k] < 0)  /* always on */
            ck_assert_uint_eq(compressed, a.nbufs - 1);
        else if (toggles[k] >= 1000)  /* several buffers a turn */
            ck_assert_uint_gt(compressed, a.nbufs / 3);
        unload(&b_l);
        unlink(packed);
    }
    unload(&a_l);
    unlink(plain);
}
END_TEST

/* The reader inflates a compressed buffer only when the merge reaches it
 * and frees it after its last record: through a trace of 200 buffers,
 * written one after the other, at most two are inflated at any time, and
 * the records come out as from the plain file. */
START_TEST(test_compressed_inflated_one_at_a_time)
{
    char plain[64], packed[64];
    write_every_kind(plain, 0);
    write_every_kind(packed, -1);
    etl_file f[2];
    const char *paths[2] = {plain, packed};
    for (int k = 0; k < 2; k++) {
        size_t len;
        uint8_t *data = (uint8_t *)slurp(paths[k], &len);
        mojo_error err;
        ck_assert_int_eq(etl_file_load(&f[k], paths[k], data, len, &err), MOJO_OK);
    }
    ck_assert_uint_gt(f[1].nbufs, 100);
    for (size_t i = 1; i < f[1].nbufs; i++)
        ck_assert_ptr_null(f[1].bufs[i].data);
    etl_merge a, b;
    ck_assert_int_eq(etl_merge_init(&a, &f[0]), MOJO_OK);
    ck_assert_int_eq(etl_merge_init(&b, &f[1]), MOJO_OK);
    const etl_record *ra, *rb;
    const etl_buffer *ba, *bb;
    size_t records = 0, most = 0;
    int rc;
    while ((rc = etl_merge_next(&a, &ra, &ba)) == 1) {
        ck_assert_int_eq(etl_merge_next(&b, &rb, &bb), 1);
        ck_assert_uint_eq(bb - f[1].bufs, ba - f[0].bufs);
        ck_assert_int_eq(rb->ts, ra->ts);
        ck_assert_uint_eq(rb->size, ra->size);
        if (ba != f[0].bufs)  /* (the logfile headers differ: compressed mode) */
            ck_assert_int_eq(memcmp(rb->payload, ra->payload, ra->payload_len), 0);
        size_t inflated = 0;
        for (size_t i = 0; i < f[1].nbufs; i++)
            inflated += b.cursors[i].own != NULL;
        if (inflated > most)
            most = inflated;
        records++;
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(etl_merge_next(&b, &rb, &bb), 0);
    ck_assert_uint_eq(records, 60001);  /* and the logfile header */
    ck_assert_uint_ge(most, 1);
    ck_assert_uint_le(most, 2);
    etl_merge_free(&a);
    etl_merge_free(&b);
    etl_file_free(&f[0]);
    etl_file_free(&f[1]);
    unlink(plain);
    unlink(packed);
}
END_TEST

/* Long marks of random characters beyond the BMP grow when compressed
 * (only their heads repeat; the literals need flag bits): their buffers
 * go in plain, full size, in a compressed trace. 2000 characters are
 * 8000 bytes of payload, 8 marks a buffer. */
START_TEST(test_incompressible_plain)
{
    char path[64];
    int fd;
    etl_stream *s = open_temp(path, &fd);
    etl_stream_set_compress(s, true);
    uint32_t r = 12345;
    static char text[4 * 2000];
    for (int k = 0; k < 60; k++) {
        size_t at = 0;
        for (int i = 0; i < 2000; i++) {
            r = r * 1103515245u + 12345u;
            uint32_t cp = 0x10000 + (r >> 8) % 0xFFFF0;
            text[at++] = (char)(0xF0 | cp >> 18);
            text[at++] = (char)(0x80 | (cp >> 12 & 0x3F));
            text[at++] = (char)(0x80 | (cp >> 6 & 0x3F));
            text[at++] = (char)(0x80 | (cp & 0x3F));
        }
        ck_assert_int_eq(etl_stream_mark(s, (uint64_t)k, 1, 1, 0,
                                         (mojo_str){text, at}),
                         MOJO_OK);
    }
    close_ok(s, fd, 60);
    loaded f_l = load(path);
    etl_file f = f_l.f;
    ck_assert_uint_eq(f.nbufs, 9);
    ck_assert(!f.bufs[1].compressed);
    ck_assert_uint_eq(f.bufs[1].size, 65536);
    ck_assert(f.bufs[f.nbufs - 1].compressed);  /* the last one, short */
    ck_assert_uint_eq(f.log.log_file_mode, COMPRESSED_MODE | 1);
    unload(&f_l);
    unlink(path);
}
END_TEST

/* Every prefix of a compressed trace reads cleanly too. */
START_TEST(test_compressed_every_truncation)
{
    every_truncation(true);
}
END_TEST

/* A write error in the middle of staged compressed buffers of variable
 * size: those written in full count, the file is cut after them. */
START_TEST(test_compressed_write_error)
{
    char path[64];
    int fd = temp_file(path);
    struct rlimit old = limit_file_size(65536 + 20000);
    mojo_error err;
    etl_stream *s = etl_stream_open(fd, path, &err);
    ck_assert_msg(s != NULL, "%s", err.message);
    etl_stream_set_compress(s, true);
    ck_assert_int_eq(etl_stream_function(s, 0, 1, 1, 1, &frames[0]), MOJO_OK);
    uint64_t t = 0;
    int rc = calls_until_error(s, &t, 100000000);
    ck_assert_int_eq(rc, MOJO_ERROR);
    ck_assert_int_eq(etl_stream_error(s)->sys_errno, EFBIG);
    uint64_t bytes = etl_stream_bytes(s);
    ck_assert_uint_le(bytes, 65536 + 20000);
    ck_assert_int_eq(etl_stream_close(s, t, &err), MOJO_ERROR);
    ck_assert_int_eq(setrlimit(RLIMIT_FSIZE, &old), 0);
    close(fd);
    struct stat st;
    ck_assert_int_eq(stat(path, &st), 0);
    ck_assert_uint_eq((uint64_t)st.st_size, bytes);
    loaded f_l = load(path);
    etl_file f = f_l.f;
    ck_assert_uint_gt(f.nbufs, 2);
    ck_assert_uint_eq(f.log.buffers_written, f.nbufs);
    unload(&f_l);
    int status;
    size_t n;
    free(read_samples(path, 0, &status, &n));
    ck_assert_int_eq(status, MOJO_END);
    ck_assert_uint_gt(n, 300);
    unlink(path);
}
END_TEST

static Suite *stream_suite(void)
{
    Suite *s = suite_create("etl stream");
    TCase *tc = tcase_create("trace");
    tcase_add_test(tc, test_trace_reads_back);
    tcase_add_test(tc, test_header);
    tcase_add_test(tc, test_records);
    tcase_add_test(tc, test_head_lengths);
    tcase_add_test(tc, test_same_bytes_small);
    tcase_add_test(tc, test_same_bytes_buffers);
    tcase_add_test(tc, test_many_buffers);
    tcase_add_test(tc, test_time_never_decreases);
    tcase_add_test(tc, test_empty);
    tcase_add_test(tc, test_abandon);
    suite_add_tcase(s, tc);
    tc = tcase_create("damage");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_every_truncation);
    tcase_add_test(tc, test_truncation_keeps_samples);
    suite_add_tcase(s, tc);
    tc = tcase_create("errors");
    tcase_add_test(tc, test_pipe_refused);
    tcase_add_test(tc, test_append_refused);
    tcase_add_test(tc, test_full_device);
    tcase_add_test(tc, test_write_error);
    tcase_add_test(tc, test_bad_mark_opcode);
    suite_add_tcase(s, tc);
    tc = tcase_create("compressed");
    tcase_set_timeout(tc, 600);
    tcase_add_test(tc, test_compressed_reads_back);
    tcase_add_test(tc, test_compressed_same_samples);
    tcase_add_test(tc, test_compressed_every_kind);
    tcase_add_test(tc, test_compressed_inflated_one_at_a_time);
    tcase_add_test(tc, test_incompressible_plain);
    tcase_add_test(tc, test_compressed_every_truncation);
    tcase_add_test(tc, test_compressed_write_error);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(stream_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
