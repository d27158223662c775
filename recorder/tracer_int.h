/* Internals shared by the tracer's two hooks: the profile callback
 * (tracer.c, 3.11) and sys.monitoring (tracer_mon.c, 3.12+). */
#ifndef RECORDER_TRACER_INT_H
#define RECORDER_TRACER_INT_H

#include "tracer.h"
#include "mojo.h"

#include <sys/types.h>

/* The ETL writer keeps every event until it closes the file: stop tracing
 * (keeping what was traced) before that takes gigabytes. */
#define TR_MAX_EVENTS 4000000u
#define TR_MAX_DEPTH 4096
#define TR_CFUNC_SLOTS_MAX (1u << 16)

typedef struct tr_thread {
    uint64_t tid;
    const mojo_frame **stack;   /* root first */
    size_t depth, cap;
    size_t shown;               /* stack[shown..] is the program's: the
                                   frames up to the boundary are hidden */
    int hidden;                 /* waiting for the boundary: nothing shown */
    size_t lost;                /* pushes past TR_MAX_DEPTH, popped silently */
    int64_t last_us;
    struct tr_thread *next;
} tr_thread;

typedef struct cfunc_slot {
    const void *key;            /* PyMethodDef or type: stable for the run */
    const mojo_frame *frame;
} cfunc_slot;

typedef struct tracer {
    mojo_writer *writer;
    int out_fd;                 /* the writer's descriptor */
    dev_t out_dev;
    ino_t out_ino;
    mojo_frames *frames;
    PyObject *boundary;         /* strong reference, or NULL */
    unsigned generation;        /* tells this run's code extras from older ones */
    int64_t start_ns;
    int64_t pid;
    tr_thread *threads;
    cfunc_slot *cfuncs;
    size_t cfunc_cap, cfunc_used;
    tr_summary sum;
    int failed;                 /* the writer failed: stop writing */
    char error[512];
} tracer;

extern tracer *tr;

int64_t tr_now_us(void);
/* The frame of a Python function (cached on its code object) or of a C
 * callable; NULL when out of memory. */
const mojo_frame *tr_code_frame(PyCodeObject *code);
const mojo_frame *tr_cfunc_frame(PyObject *callable);
/* Close the thread's interval up to now with its current stack. */
void tr_emit(tr_thread *t, int64_t now);
void tr_push(tr_thread *t, const mojo_frame *f, int is_boundary);
void tr_pop(tr_thread *t);
/* Count one event; stops adding at the cap. */
void tr_count_event(void);
tr_thread *tr_new_thread(void);
/* Push the frames running now, root first, from leaf outwards. */
void tr_seed_stack(tr_thread *t, PyFrameObject *leaf);

/* sys.monitoring (3.12+): 0 when hooked (every thread at once), -1 with a
 * Python exception. */
int tr_mon_start(void);
void tr_mon_stop(void);
/* Make t the calling thread's state for sys.monitoring events. */
void tr_mon_adopt(tr_thread *t);

#endif
