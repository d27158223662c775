/* The ETL writer: samples become the TraceLogging events python-etwtrace
 * writes in instrumented mode (provider "Python"), so that reading the
 * file back rebuilds the same stacks and times.
 *
 * Each thread gets its own clock: a sample starts at its timestamp (or
 * where the thread's previous sample ended) and lasts its time. Between
 * two samples the thread's stack changes by PythonFunctionPop and
 * PythonFunctionPush events; a repeated stack pops and pushes its leaf so
 * that every sample stays a sample of its own. Every distinct frame (file,
 * function and line) of a process is one function: PythonFunction gives
 * its file, name and line (LineNumber), and a push names its caller's line
 * (CallerLine), as python-etwtrace does. Events are held until the end,
 * sorted by time and packed into 64 KiB buffers after a header buffer.
 * Metadata has no place in these events and is not written. */
#include "etl_encode.h"
#include "etl_map.h"

#include <stdlib.h>

#define WR_MAX_EVENTS ((size_t)1 << 31)

enum {
    EV_THREAD_START = ETL_PY_THREAD_START, EV_FUNCTION = ETL_PY_FUNCTION,
    EV_PUSH = ETL_PY_PUSH, EV_POP = ETL_PY_POP,
    EV_THREAD_STOP = ETL_PY_THREAD_STOP
};

typedef struct wr_event {
    int64_t us;            /* on the writer's clock */
    uint64_t seq;          /* order of creation, for equal times */
    uint32_t pid, tid;
    uint8_t kind;
    uint32_t func;         /* EV_FUNCTION, EV_PUSH, EV_POP */
    uint32_t caller;       /* EV_PUSH: index of the caller or UINT32_MAX */
} wr_event;

typedef struct wr_func {
    uint64_t id;           /* FunctionID, from 1 per process */
    const mojo_frame *frame;  /* in the writer's own table */
    uint32_t event;        /* its EV_FUNCTION event */
} wr_func;

typedef struct wr_thread {
    uint32_t pid, tid;
    int64_t clock;
    uint32_t *stack;       /* func indices, root first */
    size_t depth, cap;
} wr_thread;

typedef struct etl_writer {
    mojo_frames *frames;
    wr_event *events;  size_t nevents, events_cap;
    wr_func *funcs;    size_t nfuncs, funcs_cap;
    wr_thread *threads; size_t nthreads, threads_cap;
    etl_map func_by_frame;  /* (pid, frame id) -> func index */
    etl_map next_id;        /* (pid, 0) -> the next FunctionID - 1 */
    uint32_t *scratch; size_t scratch_cap;
    /* buffer being filled */
    uint32_t buffer_size;
    uint8_t *buf;
    size_t used;
    uint64_t sequence;
    int64_t buf_last_us;
} etl_writer;

/* ------------------------------------------------------------ events */

static int oom(mojo_writer *w)
{
    return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
}

static int add_event(mojo_writer *w, wr_event ev)
{
    etl_writer *st = w->state;
    if (st->nevents >= WR_MAX_EVENTS)
        return mojo_writer_fail(w, MOJO_E_LIMIT, "more than %zu ETL events",
                                WR_MAX_EVENTS);
    if (!mojo_grow((void **)&st->events, &st->events_cap, st->nevents + 1,
                   sizeof *st->events))
        return oom(w);
    ev.seq = st->nevents;
    st->events[st->nevents++] = ev;
    return MOJO_OK;
}

static wr_thread *thread_for(mojo_writer *w, uint32_t pid, uint32_t tid,
                             int64_t start)
{
    etl_writer *st = w->state;
    for (size_t i = st->nthreads; i-- > 0;)  /* few threads: a scan will do */
        if (st->threads[i].pid == pid && st->threads[i].tid == tid)
            return &st->threads[i];
    if (!mojo_grow((void **)&st->threads, &st->threads_cap, st->nthreads + 1,
                   sizeof *st->threads))
        return NULL;
    wr_thread *t = &st->threads[st->nthreads++];
    memset(t, 0, sizeof *t);
    t->pid = pid;
    t->tid = tid;
    t->clock = start;
    if (add_event(w, (wr_event){.us = start, .pid = pid, .tid = tid,
                                .kind = EV_THREAD_START}) != MOJO_OK)
        return NULL;
    return t;
}

/* The function for a frame in a process, made (with its PythonFunction
 * event, moved back to the first use) on first sight. */
static uint32_t func_for(mojo_writer *w, uint32_t pid, uint32_t tid,
                         const mojo_frame *f, int64_t us)
{
    etl_writer *st = w->state;
    const mojo_frame *own = mojo_frames_intern(st->frames, f);
    bool added;
    uint32_t *slot = own ? etl_map_put(&st->func_by_frame, pid, own->id, &added)
                         : NULL;
    if (!slot)
        return UINT32_MAX;
    if (!added) {
        wr_event *ev = &st->events[st->funcs[*slot].event];
        if (us < ev->us)
            ev->us = us;  /* defined before any use */
        return *slot;
    }
    *slot = UINT32_MAX;  /* until made */
    uint32_t *next = etl_map_put(&st->next_id, pid, 0, NULL);
    if (!next || !mojo_grow((void **)&st->funcs, &st->funcs_cap,
                            st->nfuncs + 1, sizeof *st->funcs))
        return UINT32_MAX;
    wr_func *fn = &st->funcs[st->nfuncs];
    fn->id = ++*next;
    fn->frame = own;
    fn->event = (uint32_t)st->nevents;
    if (add_event(w, (wr_event){.us = us, .pid = pid, .tid = tid,
                                .kind = EV_FUNCTION,
                                .func = (uint32_t)st->nfuncs}) != MOJO_OK)
        return UINT32_MAX;
    *etl_map_get(&st->func_by_frame, pid, own->id) = (uint32_t)st->nfuncs;
    return (uint32_t)st->nfuncs++;
}

/* ----------------------------------------------------------- samples */

static int write_sample(mojo_writer *w, const mojo_sample *s)
{
    etl_writer *st = w->state;
    if (!(s->metrics & MOJO_METRIC_TIME))
        return mojo_writer_fail(w, MOJO_E_USAGE,
                                "ETL holds wall-time profiles: a sample "
                                "without a time metric cannot be written");
    uint32_t pid = (uint32_t)s->pid, tid = (uint32_t)s->tid;
    int64_t start = s->timestamp >= 0 ? s->timestamp : 0;
    wr_thread *t = thread_for(w, pid, tid, start);
    if (!t)
        return oom(w);
    if (start < t->clock)
        start = t->clock;
    size_t n = s->nframes < MOJO_MAX_FRAMES ? s->nframes : MOJO_MAX_FRAMES;
    if (!mojo_grow((void **)&st->scratch, &st->scratch_cap, n + 1,
                   sizeof *st->scratch))
        return oom(w);
    for (size_t i = 0; i < n; i++)
        if ((st->scratch[i] = func_for(w, pid, tid, s->frames[i], start)) ==
            UINT32_MAX)
            return w->failed ? MOJO_ERROR : oom(w);

    /* A gap since the thread's last sample: its stack ends where that
     * sample ended, not where this one starts. */
    if (start > t->clock) {
        for (size_t i = t->depth; i-- > 0;)
            if (add_event(w, (wr_event){.us = t->clock, .pid = pid, .tid = tid,
                                        .kind = EV_POP, .func = t->stack[i]}) != MOJO_OK)
                return MOJO_ERROR;
        t->depth = 0;
    }
    /* Keep the common outer part; a repeated stack re-pushes its leaf. */
    size_t keep = 0;
    while (keep < n && keep < t->depth && t->stack[keep] == st->scratch[keep])
        keep++;
    if (keep == n && keep == t->depth && keep > 0)
        keep--;
    for (size_t i = t->depth; i-- > keep;)
        if (add_event(w, (wr_event){.us = start, .pid = pid, .tid = tid,
                                    .kind = EV_POP, .func = t->stack[i]}) != MOJO_OK)
            return MOJO_ERROR;
    if (!mojo_grow((void **)&t->stack, &t->cap, n + 1, sizeof *t->stack))
        return oom(w);
    for (size_t i = keep; i < n; i++) {
        uint32_t caller = i ? st->scratch[i - 1] : UINT32_MAX;
        if (add_event(w, (wr_event){.us = start, .pid = pid, .tid = tid,
                                    .kind = EV_PUSH, .func = st->scratch[i],
                                    .caller = caller}) != MOJO_OK)
            return MOJO_ERROR;
        t->stack[i] = st->scratch[i];
    }
    t->depth = n;
    t->clock = start + (s->time > 0 ? s->time : 0);
    return MOJO_OK;
}

static int etl_write(mojo_writer *w, const mojo_event *ev)
{
    if (ev->type != MOJO_EVENT_SAMPLE)
        return MOJO_OK;  /* no place for metadata in these events */
    return write_sample(w, &ev->u.sample);
}

/* ------------------------------------------------------------ output */

/* Encode one event record into rec (at least ETL_RECORD_MAX); its size. */
static size_t encode(const etl_writer *st, const wr_event *ev, uint8_t *rec)
{
    size_t o = etl_encode_head(ev->kind, rec);
    etl_encode_ids(rec, ev->pid, ev->tid,
                   ETL_WR_QPC_BASE + (uint64_t)ev->us * (ETL_WR_FREQ / 1000000));
    const wr_func *fn = ev->kind == EV_FUNCTION || ev->kind == EV_PUSH ||
                                ev->kind == EV_POP ? &st->funcs[ev->func] : NULL;
    switch (ev->kind) {
    case EV_FUNCTION:
        o += etl_encode_function(rec + o, fn->id, fn->frame);
        break;
    case EV_PUSH: {
        const wr_func *caller = ev->caller == UINT32_MAX ? NULL
                                                         : &st->funcs[ev->caller];
        int64_t line = caller ? caller->frame->line : 0;
        o += etl_encode_push(rec + o, fn->id, caller ? caller->id : 0,
                             (uint64_t)(line > 0 ? line : 0));
        break;
    }
    case EV_POP:
        o += etl_encode_pop(rec + o, fn->id);
        break;
    default:
        o += etl_encode_thread(rec + o, ev->tid);
        break;
    }
    etl_encode_size(rec, o);
    return o;
}

static int cmp_event(const void *a, const void *b)
{
    const wr_event *x = a, *y = b;
    if (x->us != y->us)
        return x->us < y->us ? -1 : 1;
    /* at one instant: threads start, functions are defined, then the rest */
    int px = x->kind == EV_THREAD_START ? 0 : x->kind == EV_FUNCTION ? 1 : 2;
    int py = y->kind == EV_THREAD_START ? 0 : y->kind == EV_FUNCTION ? 1 : 2;
    if (px != py)
        return px - py;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

static int flush_buffer(mojo_writer *w)
{
    etl_writer *st = w->state;
    etl_encode_buffer_header(st->buf, st->buffer_size, st->used,
                             ETL_WR_QPC_BASE + (uint64_t)st->buf_last_us * 10,
                             st->sequence++, false);
    if (mojo_output_write(w->out, st->buf, st->buffer_size) != MOJO_OK)
        return mojo_writer_fail_output(w);
    st->used = ETL_BUF_HEADER_SIZE;
    return MOJO_OK;
}

/* Pack the sorted events: once to count the buffers, once to write. */
static int pack(mojo_writer *w, uint8_t *rec, bool write, uint32_t *nbuffers)
{
    etl_writer *st = w->state;
    uint32_t n = 0;
    size_t used = ETL_BUF_HEADER_SIZE;
    st->used = ETL_BUF_HEADER_SIZE;
    for (size_t i = 0; i < st->nevents; i++) {
        const wr_event *ev = &st->events[i];
        size_t raw = encode(st, ev, rec), size = etl_align8(raw);
        if (ETL_BUF_HEADER_SIZE + size > st->buffer_size)
            return mojo_writer_fail(w, MOJO_E_LIMIT,
                                    "an event of %zu bytes does not fit a "
                                    "buffer of %u", size,
                                    (unsigned)st->buffer_size);
        if (used + size > st->buffer_size) {
            if (write && flush_buffer(w) != MOJO_OK)
                return MOJO_ERROR;
            n++;
            used = ETL_BUF_HEADER_SIZE;
        }
        if (write) {
            memset(rec + raw, 0, size - raw);  /* zero padding */
            memcpy(st->buf + st->used, rec, size);
            st->used += size;
            st->buf_last_us = ev->us;
        }
        used += size;
    }
    if (used > ETL_BUF_HEADER_SIZE) {
        n++;
        if (write && flush_buffer(w) != MOJO_OK)
            return MOJO_ERROR;
    }
    *nbuffers = n;
    return MOJO_OK;
}

static int etl_finish(mojo_writer *w)
{
    etl_writer *st = w->state;
    int64_t end = 0;
    for (size_t i = 0; i < st->nthreads; i++) {
        wr_thread *t = &st->threads[i];
        for (size_t k = t->depth; k-- > 0;)
            if (add_event(w, (wr_event){.us = t->clock, .pid = t->pid,
                                        .tid = t->tid, .kind = EV_POP,
                                        .func = t->stack[k]}) != MOJO_OK)
                return MOJO_ERROR;
        t->depth = 0;
        if (add_event(w, (wr_event){.us = t->clock, .pid = t->pid, .tid = t->tid,
                                    .kind = EV_THREAD_STOP}) != MOJO_OK)
            return MOJO_ERROR;
        if (t->clock > end)
            end = t->clock;
    }
    /* (wr_func.event indices are stale from here on: not used again) */
    if (st->nevents)
        qsort(st->events, st->nevents, sizeof *st->events, cmp_event);
    uint8_t *rec = malloc(ETL_RECORD_MAX);
    st->buf = malloc(st->buffer_size);
    if (!rec || !st->buf) {
        free(rec);
        return oom(w);
    }
    uint32_t ndata = 0;
    int rc = pack(w, rec, false, &ndata);
    if (rc == MOJO_OK) {
        const char *name = mojo_output_name(w->out);
        etl_encode_header_buffer(st->buf, st->buffer_size, ndata + 1,
                                 (uint64_t)end * 10,
                                 name && strcmp(name, "-") != 0 ? name : "");
        rc = mojo_output_write(w->out, st->buf, st->buffer_size) == MOJO_OK
                 ? MOJO_OK
                 : mojo_writer_fail_output(w);
        st->sequence = 1;
    }
    if (rc == MOJO_OK)
        rc = pack(w, rec, true, &ndata);
    free(rec);
    return rc;
}

static int etl_writer_init(mojo_writer *w)
{
    etl_writer *st = calloc(1, sizeof *st);
    if (!st || !(st->frames = mojo_frames_new())) {
        free(st);
        return oom(w);
    }
    st->buffer_size = ETL_WR_BUFFER_SIZE;
    w->state = st;
    return MOJO_OK;
}

void etl_writer_set_buffer_size(mojo_writer *w, uint32_t size)
{
    etl_writer *st = w->state;
    if (w->ops == &mojo_etl_writer_ops && size >= 1024 && size <= ETL_MAX_BUFFER)
        st->buffer_size = size & ~7u;
}

static void etl_destroy(mojo_writer *w)
{
    etl_writer *st = w->state;
    if (!st)
        return;
    for (size_t i = 0; i < st->nthreads; i++)
        free(st->threads[i].stack);
    free(st->threads);
    free(st->events);
    free(st->funcs);
    free(st->scratch);
    free(st->buf);
    etl_map_free(&st->func_by_frame);
    etl_map_free(&st->next_id);
    mojo_frames_unref(st->frames);
    free(st);
    w->state = NULL;
}

const mojo_writer_ops mojo_etl_writer_ops = {etl_writer_init, etl_write,
                                             etl_finish, etl_destroy};
