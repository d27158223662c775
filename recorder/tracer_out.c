/* The tracer's writer thread and its chunk queue; see tracer_out.h. */
#include "config.h"
#include "tracer_out.h"
#include "etl_stream.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tro {
    tro_fill fill;              /* the producer's side, first: hot */
    tro_chunk *filling;
    pthread_mutex_t lock;
    pthread_cond_t ready;       /* a chunk waits, or closing */
    pthread_cond_t space;       /* a chunk was written */
    tro_chunk *head, *tail;     /* waiting for the writer */
    size_t queued;              /* chunks waiting or being written */
    tro_chunk *spare;           /* written, for reuse */
    int closing;
    atomic_int failed;
    pthread_t thread;
    etl_stream *stream;
    uint32_t pid;
    stamp_clock clock;          /* the writer's copy: it measures the rate */
};

static tro_chunk *new_chunk(tro *o)
{
    tro_chunk *c = o->spare;
    if (c)
        o->spare = c->next;
    else if (!(c = malloc(sizeof *c)))
        return NULL;
    c->next = NULL;
    c->n = 0;
    return c;
}

static void start_filling(tro *o, tro_chunk *c)
{
    o->filling = c;
    o->fill.cur = c->recs;
    o->fill.end = c->recs + TRO_CHUNK_RECS;
}

/* Encode one chunk; the stream keeps its first error. */
static void write_chunk(tro *o, const tro_chunk *c)
{
    etl_stream *s = o->stream;
    uint32_t pid = o->pid;
    stamp_calibrate(&o->clock);
    for (size_t i = 0; i < c->n; i++) {
        const tro_rec *r = &c->recs[i];
        uint64_t ticks = stamp_ticks(&o->clock, r->stamp);
        int rc;
        switch (r->kind) {
        case TRO_PUSH:
            rc = etl_stream_push(s, ticks, pid, r->tid, r->u.call.id,
                                 r->u.call.caller, r->u.call.line);
            break;
        case TRO_POP:
            rc = etl_stream_pop(s, ticks, pid, r->tid, r->u.call.id);
            break;
        case TRO_FUNCTION:
            rc = etl_stream_function(s, ticks, pid, r->tid,
                                     (uint64_t)r->u.func->id + 1, r->u.func);
            break;
        case TRO_MARK:
            rc = etl_stream_mark(s, ticks, pid, r->tid, r->opcode, r->u.mark);
            break;
        default:
            rc = etl_stream_thread(s, ticks, pid, r->tid,
                                   r->kind == TRO_THREAD_START);
            break;
        }
        if (rc != MOJO_OK) {
            atomic_store(&o->failed, 1);
            return;
        }
    }
}

static void *writer_main(void *arg)
{
    tro *o = arg;
    pthread_setname_np(pthread_self(), "mojo-etl-writer");  /* for top, perf */
    pthread_mutex_lock(&o->lock);
    for (;;) {
        while (!o->head && !o->closing)
            pthread_cond_wait(&o->ready, &o->lock);
        tro_chunk *c = o->head;
        if (!c)
            break;              /* closing, nothing left */
        o->head = c->next;
        if (!o->head)
            o->tail = NULL;
        pthread_mutex_unlock(&o->lock);
        if (!atomic_load(&o->failed))
            write_chunk(o, c);
        pthread_mutex_lock(&o->lock);
        c->next = o->spare;
        o->spare = c;
        o->queued--;
        pthread_cond_signal(&o->space);
    }
    pthread_mutex_unlock(&o->lock);
    return NULL;
}

tro *tro_open(int fd, const char *path, uint32_t pid, const stamp_clock *clock,
              char *err, size_t errlen)
{
    tro *o = calloc(1, sizeof *o);
    if (!o) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    mojo_error e;
    o->pid = pid;
    o->clock = *clock;
    if (!(o->stream = etl_stream_open(fd, path, &e))) {
        snprintf(err, errlen, "%s", e.message);
        free(o);
        return NULL;
    }
    /* Compressed buffers, as ETW's compressed mode writes them: 11-16x
     * fewer bytes, and the disk's write-back is what limits a trace. */
    etl_stream_set_compress(o->stream, true);
    tro_chunk *c = new_chunk(o);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        etl_stream_abandon(o->stream);
        free(o);
        return NULL;
    }
    start_filling(o, c);
    pthread_mutex_init(&o->lock, NULL);
    pthread_cond_init(&o->ready, NULL);
    pthread_cond_init(&o->space, NULL);
    if (pthread_create(&o->thread, NULL, writer_main, o) != 0) {
        snprintf(err, errlen, "cannot start the writer thread");
        free(c);
        etl_stream_abandon(o->stream);
        free(o);
        return NULL;
    }
    return o;
}

tro_fill *tro_filling(tro *o)
{
    return &o->fill;
}

/* Queue the chunk being filled (lock held). */
static void enqueue(tro *o)
{
    tro_chunk *c = o->filling;
    c->n = (size_t)(o->fill.cur - c->recs);
    o->filling = NULL;
    o->fill.cur = o->fill.end = NULL;
    if (o->tail)
        o->tail->next = c;
    else
        o->head = c;
    o->tail = c;
    o->queued++;
    pthread_cond_signal(&o->ready);
}

int tro_handoff(tro *o)
{
    if (atomic_load(&o->failed) || !o->filling)
        return -1;
    pthread_mutex_lock(&o->lock);
    enqueue(o);
    while (o->queued >= TRO_MAX_CHUNKS && !atomic_load(&o->failed))
        pthread_cond_wait(&o->space, &o->lock);
    tro_chunk *c = atomic_load(&o->failed) ? NULL : new_chunk(o);
    pthread_mutex_unlock(&o->lock);
    if (!c)
        return -1;              /* out of memory or failed: stop here */
    start_filling(o, c);
    return 0;
}

static void free_chunks(tro_chunk *c)
{
    while (c) {
        tro_chunk *n = c->next;
        free(c);
        c = n;
    }
}

/* Queue what is left and wait for the writer thread to end. */
static void finish_thread(tro *o)
{
    pthread_mutex_lock(&o->lock);
    if (o->filling)
        enqueue(o);
    o->closing = 1;
    pthread_cond_signal(&o->ready);
    pthread_mutex_unlock(&o->lock);
    pthread_join(o->thread, NULL);
}

static void free_tro(tro *o)
{
    free_chunks(o->spare);
    pthread_mutex_destroy(&o->lock);
    pthread_cond_destroy(&o->ready);
    pthread_cond_destroy(&o->space);
    free(o);
}

int tro_close(tro *o, uint64_t end, char *err, size_t errlen)
{
    finish_thread(o);
    stamp_calibrate(&o->clock);
    uint64_t end_ticks = stamp_ticks(&o->clock, end);
    int rc = 0;
    mojo_error e;
    /* Even after a write error: the header makes what was written readable. */
    if (etl_stream_close(o->stream, end_ticks, &e) != MOJO_OK) {
        snprintf(err, errlen, "%s", e.message);
        rc = -1;
    }
    free_tro(o);
    return rc;
}

void tro_cancel(tro *o)
{
    atomic_store(&o->failed, 1);    /* the writer skips what is queued */
    finish_thread(o);
    etl_stream_abandon(o->stream);
    free_tro(o);
}

void tro_abandon(tro *o)
{
    /* The lock may have been held by the writer thread at fork: not
     * touched. Chunks in the queue are the parent's to write. */
    free(o->filling);
    free_chunks(o->head);
    free_chunks(o->spare);
    etl_stream_abandon(o->stream);
    free(o);
}
