/* Where the tracer's events go: compact records appended by the hooks
 * (with the GIL held, so one producer at a time, in time order), handed
 * over in chunks to a writer thread that encodes them as ETL through
 * libmojo's streaming writer and writes them out. The program's thread
 * pays for a timestamp and a 32-byte store per event; encoding (about 180
 * bytes a record: every TraceLogging event carries its schema) and the
 * writes happen on the writer thread, which never takes the GIL.
 *
 * Memory is bounded: when TRO_MAX_CHUNKS chunks wait for the writer, the
 * producer waits too (the program slows down rather than the trace
 * growing without end). */
#ifndef RECORDER_TRACER_OUT_H
#define RECORDER_TRACER_OUT_H

#include "mojo.h"
#include "stamp.h"

#include <stddef.h>
#include <stdint.h>

enum {
    TRO_THREAD_START, TRO_THREAD_STOP, TRO_FUNCTION, TRO_PUSH, TRO_POP,
    TRO_MARK,
};

typedef struct tro_rec {
    uint64_t stamp;             /* when (stamp.h) */
    uint32_t tid;
    uint16_t kind;
    uint16_t opcode;            /* TRO_MARK: 0 point, 1 start, 2 stop */
    union {
        struct { uint32_t id, caller, line; } call;   /* PUSH, POP (id) */
        const mojo_frame *func;                        /* FUNCTION */
        mojo_str mark;                                 /* MARK */
    } u;
} tro_rec;

#define TRO_CHUNK_RECS 32768u   /* 1 MiB of records */
#define TRO_MAX_CHUNKS 64u      /* waiting for the writer: 64 MiB */

typedef struct tro_chunk {
    struct tro_chunk *next;
    size_t n;
    tro_rec recs[TRO_CHUNK_RECS];
} tro_chunk;

typedef struct tro tro;

/* Start the writer thread on fd (the caller's; not closed here). pid goes
 * into every event; clock is the one the stamps come from (started). NULL
 * with err filled on failure. Frames and mark strings the records point
 * to must live until tro_close. */
tro *tro_open(int fd, const char *path, uint32_t pid, const stamp_clock *clock,
              char *err, size_t errlen);

/* The chunk being filled: the hooks append with tro_next. */
typedef struct tro_fill {
    tro_rec *cur, *end;
} tro_fill;
tro_fill *tro_filling(tro *o);

/* Hand the full chunk over and get an empty one; -1 when the writer has
 * failed (stop producing; tro_close says why). */
int tro_handoff(tro *o);

/* A slot for one record, or NULL once the writer has failed. */
static inline tro_rec *tro_next(tro *o, tro_fill *f)
{
    if (f->cur == f->end && tro_handoff(o) != 0)
        return NULL;
    return f->cur++;
}

/* Hand over what is left, wait for the writer, write the header (the
 * trace ends at end, a stamp); frees o. Call without the GIL. 0, or -1
 * with err filled. */
int tro_close(tro *o, uint64_t end, char *err, size_t errlen);
/* Stop the writer thread and free o, writing nothing more (the descriptor
 * is no longer the trace's). Call without the GIL. */
void tro_cancel(tro *o);
/* In a fork child: free o without writing (the writer thread is gone). */
void tro_abandon(tro *o);

#endif
