/* Per-thread timelines for Speedscope's evented profiles (see
 * speedscope_events.h). */
#include "speedscope_events.h"
#include "json.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CHUNK_EVENTS 256u          /* events a thread buffers: 4 KiB */
#define NO_CHUNK UINT64_MAX
#define GC_FRAME UINT32_MAX        /* stands for the writer's GC marker */
#define MAX_THREADS (UINT32_MAX / 2) /* hash slots hold index + 1 */

typedef struct tl_event {
    int64_t at;
    uint32_t frame;
    uint32_t open;                 /* 1: "O", 0: "C" */
} tl_event;

/* What precedes a chunk's events in the spool. */
typedef struct chunk_head {
    uint64_t next;                 /* offset of the thread's next chunk */
    uint64_t count;
} chunk_head;

typedef struct tl_thread {
    int64_t pid, iid;
    uint64_t tid;
    mojo_str name;                 /* interned in the timeline's frames */
    uint64_t hash;
    bool sampled;                  /* dropped: the writer samples it */
    bool idle;                     /* had an idle sample (CPU time 0) */
    bool started;                  /* had a sample with a positive time */
    int64_t start, end;            /* first timestamp, end of the last */
    uint32_t *open;                /* frames open now, root first */
    size_t depth, cap;
    tl_event *buf;                 /* events not yet spooled */
    size_t nbuf;
    uint64_t first, last;          /* chunk offsets, NO_CHUNK when none */
} tl_thread;

/* Source frame -> own id; a hit needs the same frame and string pointers
 * (as in stacks.c), so a reused address is not taken for the old frame. */
typedef struct xlat_entry {
    const mojo_frame *src;
    const char *file, *scope;
    uint32_t own;
} xlat_entry;

struct mojo_timeline {
    mojo_frames *frames;
    xlat_entry *xlat;
    size_t xcap;
    tl_thread *threads;
    size_t n, cap;
    uint32_t *table;               /* thread index + 1, 0 empty */
    size_t tcap;
    size_t recent;                 /* index + 1 of the last thread used */
    uint32_t *ids;                 /* the sample being added, own ids */
    size_t ids_cap;
    FILE *spool;
    uint64_t spool_end;
    tl_event *rbuf;                /* a chunk read back */
    mojo_error_code err;
    int sys_errno;
};

mojo_timeline *mojo_timeline_new(void)
{
    mojo_timeline *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    if (!(t->frames = mojo_frames_new())) {
        free(t);
        return NULL;
    }
    return t;
}

static void forget_events(tl_thread *th)
{
    free(th->open);
    free(th->buf);
    th->open = NULL;
    th->buf = NULL;
    th->depth = th->cap = th->nbuf = 0;
    th->first = th->last = NO_CHUNK;
}

void mojo_timeline_free(mojo_timeline *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++)
        forget_events(&t->threads[i]);
    if (t->spool)
        fclose(t->spool);
    mojo_frames_unref(t->frames);
    free(t->xlat);
    free(t->threads);
    free(t->table);
    free(t->ids);
    free(t->rbuf);
    free(t);
}

mojo_error_code mojo_timeline_error(const mojo_timeline *t) { return t->err; }
int mojo_timeline_errno(const mojo_timeline *t) { return t->sys_errno; }
const mojo_frames *mojo_timeline_frames(const mojo_timeline *t) { return t->frames; }

static int fail(mojo_timeline *t, mojo_error_code code)
{
    t->err = code;
    if (code == MOJO_E_IO)
        t->sys_errno = errno;
    return MOJO_ERROR;
}

/* ------------------------------------------------------------ threads */

static uint64_t thread_hash(int64_t pid, int64_t iid, uint64_t tid,
                            mojo_str name)
{
    uint64_t h = mojo_hash_bytes(name.ptr, name.len, 0);
    return mojo_hash_mix(mojo_hash_mix(mojo_hash_mix(h, (uint64_t)pid),
                                       (uint64_t)iid), tid);
}

static bool thread_is(const tl_thread *th, int64_t pid, int64_t iid,
                      uint64_t tid, mojo_str name)
{
    return th->pid == pid && th->iid == iid && th->tid == tid &&
           th->name.len == name.len &&
           (!name.len || memcmp(th->name.ptr, name.ptr, name.len) == 0);
}

/* The index of a thread, or -1. */
static ptrdiff_t lookup(const mojo_timeline *t, int64_t pid, int64_t iid,
                        uint64_t tid, mojo_str name)
{
    if (!t->tcap)
        return -1;
    uint64_t h = thread_hash(pid, iid, tid, name);
    for (size_t j = h & (t->tcap - 1); t->table[j]; j = (j + 1) & (t->tcap - 1)) {
        const tl_thread *th = &t->threads[t->table[j] - 1];
        if (th->hash == h && thread_is(th, pid, iid, tid, name))
            return (ptrdiff_t)t->table[j] - 1;
    }
    return -1;
}

static bool rehash(mojo_timeline *t)
{
    size_t ncap = t->tcap ? t->tcap * 2 : 64;
    uint32_t *tab = calloc(ncap, sizeof *tab);
    if (!tab)
        return false;
    for (size_t i = 0; i < t->n; i++) {
        size_t j = t->threads[i].hash & (ncap - 1);
        while (tab[j])
            j = (j + 1) & (ncap - 1);
        tab[j] = (uint32_t)(i + 1);
    }
    free(t->table);
    t->table = tab;
    t->tcap = ncap;
    return true;
}

/* The sample's thread, created when new; NULL after an error. */
static tl_thread *thread_of(mojo_timeline *t, const mojo_sample *s)
{
    if (t->recent) {
        tl_thread *th = &t->threads[t->recent - 1];
        if (thread_is(th, s->pid, s->iid, s->tid, s->thread_name))
            return th;
    }
    ptrdiff_t i = lookup(t, s->pid, s->iid, s->tid, s->thread_name);
    if (i < 0) {
        if (t->n >= MAX_THREADS) {
            fail(t, MOJO_E_LIMIT);
            return NULL;
        }
        if ((t->n + 1) * 2 > t->tcap && !rehash(t))
            goto nomem;
        if (!mojo_grow((void **)&t->threads, &t->cap, t->n + 1,
                       sizeof *t->threads))
            goto nomem;
        mojo_str name = {"", 0};
        if (s->thread_name.len) {
            name = mojo_frames_intern_str(t->frames, s->thread_name.ptr,
                                          s->thread_name.len);
            if (!name.ptr)
                goto nomem;
        }
        uint64_t h = thread_hash(s->pid, s->iid, s->tid, name);
        t->threads[t->n] = (tl_thread){
            .pid = s->pid, .iid = s->iid, .tid = s->tid, .name = name,
            .hash = h, .first = NO_CHUNK, .last = NO_CHUNK,
        };
        size_t j = h & (t->tcap - 1);
        while (t->table[j])
            j = (j + 1) & (t->tcap - 1);
        t->table[j] = (uint32_t)(t->n + 1);
        i = (ptrdiff_t)t->n++;
    }
    t->recent = (size_t)i + 1;
    return &t->threads[i];
nomem:
    fail(t, MOJO_E_NOMEM);
    return NULL;
}

/* ------------------------------------------------------------- frames */

bool mojo_timeline_frame_id(mojo_timeline *t, const mojo_frame *f,
                            uint32_t *id)
{
    const mojo_frame *own = mojo_frames_intern(t->frames, f);
    if (!own)
        return false;
    *id = own->id;
    return true;
}

/* Like mojo_timeline_frame_id, remembering the source frame's id. */
static bool own_id(mojo_timeline *t, const mojo_frame *f, uint32_t *id)
{
    size_t cap = t->xcap;
    if (!mojo_grow((void **)&t->xlat, &t->xcap, (size_t)f->id + 1,
                   sizeof *t->xlat))
        return false;
    if (t->xcap > cap)
        memset(t->xlat + cap, 0, (t->xcap - cap) * sizeof *t->xlat);
    xlat_entry *e = &t->xlat[f->id];
    if (e->src != f || e->file != f->file.ptr || e->scope != f->scope.ptr) {
        if (!mojo_timeline_frame_id(t, f, id))
            return false;
        *e = (xlat_entry){f, f->file.ptr, f->scope.ptr, *id};
    }
    *id = e->own;
    return true;
}

/* -------------------------------------------------------------- spool */

static bool write_at(int fd, const void *p, size_t n, uint64_t off)
{
    const char *c = p;
    while (n) {
        ssize_t k = pwrite(fd, c, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0)
            return false;
        c += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return true;
}

static bool read_at(int fd, void *p, size_t n, uint64_t off)
{
    char *c = p;
    while (n) {
        ssize_t k = pread(fd, c, n, (off_t)off);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0)
                errno = EIO;  /* the spool is shorter than written */
            return false;
        }
        c += k;
        n -= (size_t)k;
        off += (uint64_t)k;
    }
    return true;
}

/* Append the thread's buffered events to the spool as one chunk, and link
 * it from the thread's previous chunk. */
static int spill(mojo_timeline *t, tl_thread *th)
{
    if (!t->spool && !(t->spool = tmpfile()))
        return fail(t, MOJO_E_IO);
    int fd = fileno(t->spool);
    uint64_t off = t->spool_end;
    chunk_head head = {NO_CHUNK, th->nbuf};
    size_t bytes = th->nbuf * sizeof *th->buf;
    if (!write_at(fd, &head, sizeof head, off) ||
        !write_at(fd, th->buf, bytes, off + sizeof head) ||
        (th->last != NO_CHUNK &&
         !write_at(fd, &off, sizeof off, th->last + offsetof(chunk_head, next))))
        return fail(t, MOJO_E_IO);
    if (th->first == NO_CHUNK)
        th->first = off;
    th->last = off;
    t->spool_end = off + sizeof head + bytes;
    th->nbuf = 0;
    return MOJO_OK;
}

static int emit(mojo_timeline *t, tl_thread *th, int64_t at, uint32_t frame,
                bool open)
{
    if (!th->buf && !(th->buf = malloc(CHUNK_EVENTS * sizeof *th->buf)))
        return fail(t, MOJO_E_NOMEM);
    th->buf[th->nbuf++] = (tl_event){at, frame, open};
    return th->nbuf == CHUNK_EVENTS ? spill(t, th) : MOJO_OK;
}

/* Close the open frames from the innermost down to depth keep. */
static int close_to(mojo_timeline *t, tl_thread *th, size_t keep, int64_t at)
{
    for (; th->depth > keep; th->depth--)
        if (emit(t, th, at, th->open[th->depth - 1], false) != MOJO_OK)
            return MOJO_ERROR;
    return MOJO_OK;
}

/* ---------------------------------------------------------- sampling */

int mojo_timeline_add(mojo_timeline *t, const mojo_sample *s)
{
    tl_thread *th = thread_of(t, s);
    if (!th)
        return MOJO_ERROR;
    if (th->sampled)
        return MOJO_OK;
    int64_t at = s->timestamp;
    /* Whatever cannot be placed on the thread's timeline as it is makes
     * the whole thread sampled. */
    if (at < 0 || !(s->metrics & MOJO_METRIC_TIME) || s->time < 0 ||
        (s->time > 0 && ((th->started && at < th->end) ||
                         at > INT64_MAX - s->time))) {
        th->sampled = true;
        forget_events(th);
        return MOJO_OK;
    }
    if (s->flags & MOJO_SAMPLE_IDLE)
        th->idle = true;
    if (s->time == 0)
        return MOJO_OK;

    size_t n = s->nframes + ((s->flags & MOJO_SAMPLE_GC) ? 1 : 0);
    if (!mojo_grow((void **)&t->ids, &t->ids_cap, n, sizeof *t->ids))
        return fail(t, MOJO_E_NOMEM);
    for (size_t i = 0; i < s->nframes; i++)
        if (!own_id(t, s->frames[i], &t->ids[i]))
            return fail(t, MOJO_E_NOMEM);
    if (n > s->nframes)
        t->ids[s->nframes] = GC_FRAME;

    if (!th->started) {
        th->started = true;
        th->start = at;
    } else if (at > th->end && close_to(t, th, 0, th->end) != MOJO_OK) {
        return MOJO_ERROR;  /* a gap: nothing was current in between */
    }
    size_t common = 0;
    while (common < th->depth && common < n && th->open[common] == t->ids[common])
        common++;
    if (close_to(t, th, common, at) != MOJO_OK)
        return MOJO_ERROR;
    if (!mojo_grow((void **)&th->open, &th->cap, n, sizeof *th->open))
        return fail(t, MOJO_E_NOMEM);
    for (; th->depth < n; th->depth++) {
        th->open[th->depth] = t->ids[th->depth];
        if (emit(t, th, at, t->ids[th->depth], true) != MOJO_OK)
            return MOJO_ERROR;
    }
    th->end = at + s->time;
    return MOJO_OK;
}

/* ------------------------------------------------------------ results */

static bool evented(const tl_thread *th, mojo_value_kind k)
{
    return !th->sampled && th->started &&
           (k == MOJO_VALUE_WALL || (k == MOJO_VALUE_CPU && !th->idle));
}

ptrdiff_t mojo_timeline_find(const mojo_timeline *t, const mojo_stack *st,
                             mojo_value_kind k)
{
    ptrdiff_t i = lookup(t, st->pid, st->iid, st->tid, st->thread_name);
    return i >= 0 && evented(&t->threads[i], k) ? i : -1;
}

bool mojo_timeline_any(const mojo_timeline *t, mojo_value_kind k)
{
    for (size_t i = 0; i < t->n; i++)
        if (evented(&t->threads[i], k))
            return true;
    return false;
}

static int put_event(mojo_output *o, const tl_event *e, uint32_t gc_frame,
                     bool *sep)
{
    char buf[96];
    int n = snprintf(buf, sizeof buf, "%s{\"type\":\"%s\",\"at\":%" PRId64
                     ",\"frame\":%" PRIu32 "}", *sep ? ",\n" : "\n",
                     e->open ? "O" : "C", e->at,
                     e->frame == GC_FRAME ? gc_frame : e->frame);
    *sep = true;
    return mojo_output_write(o, buf, (size_t)n);
}

int mojo_timeline_write(mojo_timeline *t, size_t i, uint32_t gc_frame,
                        mojo_output *o)
{
    const tl_thread *th = &t->threads[i];
    bool sep = false;
    if (mojo_output_puts(o, "\"startValue\":") != MOJO_OK ||
        mojo_json_write_int(o, th->start) != MOJO_OK ||
        mojo_output_puts(o, ",\"endValue\":") != MOJO_OK ||
        mojo_json_write_int(o, th->end) != MOJO_OK ||
        mojo_output_puts(o, ",\n\"events\":[") != MOJO_OK)
        return MOJO_ERROR;
    if (th->first != NO_CHUNK && !t->rbuf &&
        !(t->rbuf = malloc(CHUNK_EVENTS * sizeof *t->rbuf)))
        return fail(t, MOJO_E_NOMEM);
    for (uint64_t off = th->first; off != NO_CHUNK;) {
        chunk_head head;
        int fd = fileno(t->spool);
        if (!read_at(fd, &head, sizeof head, off))
            return fail(t, MOJO_E_IO);
        if (head.count > CHUNK_EVENTS) {
            errno = EIO;
            return fail(t, MOJO_E_IO);
        }
        if (!read_at(fd, t->rbuf, head.count * sizeof *t->rbuf,
                     off + sizeof head))
            return fail(t, MOJO_E_IO);
        for (size_t k = 0; k < head.count; k++)
            if (put_event(o, &t->rbuf[k], gc_frame, &sep) != MOJO_OK)
                return MOJO_ERROR;
        off = head.next;
    }
    for (size_t k = 0; k < th->nbuf; k++)
        if (put_event(o, &th->buf[k], gc_frame, &sep) != MOJO_OK)
            return MOJO_ERROR;
    /* what is still open closes where the last sample ended */
    for (size_t k = th->depth; k-- > 0;) {
        tl_event e = {th->end, th->open[k], 0};
        if (put_event(o, &e, gc_frame, &sep) != MOJO_OK)
            return MOJO_ERROR;
    }
    return mojo_output_puts(o, "]");
}
