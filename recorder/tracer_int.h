/* Internals shared by the tracer's two hooks: the profile callback
 * (tracer.c, 3.11) and sys.monitoring (tracer_mon.c, 3.12+). */
#ifndef RECORDER_TRACER_INT_H
#define RECORDER_TRACER_INT_H

#include "tracer.h"
#include "mojo.h"
#include "tracer_out.h"

#include <sys/types.h>

#define TR_MAX_DEPTH 4096
#define TR_CFUNC_SLOTS_MAX (1u << 16)

typedef struct tr_thread {
    uint32_t tid;
    const mojo_frame **stack;   /* root first */
    size_t depth, cap;
    size_t shown;               /* stack[shown..] is the program's: the
                                   frames up to the boundary are hidden */
    int hidden;                 /* waiting for the boundary: nothing shown */
    size_t lost;                /* pushes past TR_MAX_DEPTH, popped silently */
    size_t curtain;             /* stack[curtain..] is the recorder's own
                                   (its SIGTERM handler): not written;
                                   SIZE_MAX: none */
    struct tr_thread *next;
} tr_thread;

typedef struct cfunc_slot {
    const void *key;            /* PyMethodDef or type: stable for the run */
    const mojo_frame *frame;
} cfunc_slot;

typedef struct tracer {
    tro *out;
    tro_fill *fill;
    int out_fd;                 /* the trace's descriptor */
    dev_t out_dev;
    ino_t out_ino;
    mojo_frames *frames;        /* functions and mark names, for the run */
    uint8_t *announced;         /* by frame id: PythonFunction written */
    size_t announced_cap;
    PyObject *boundary;         /* strong reference, or NULL */
    PyObject *curtain;          /* strong reference, or NULL */
    unsigned generation;        /* tells this run's code extras from older ones */
    stamp_clock clock;          /* event times */
    tr_thread *threads;
    cfunc_slot *cfuncs;
    size_t cfunc_cap, cfunc_used;
    tr_summary sum;
    int failed;                 /* the writer failed: add nothing more */
} tracer;

extern tracer *tr;

/* The frame of a Python function (cached on its code object) or of a C
 * callable; NULL when out of memory. */
const mojo_frame *tr_code_frame(PyCodeObject *code);
const mojo_frame *tr_cfunc_frame(PyObject *callable);
/* Where a call was made from: a code object (borrowed) and the code unit
 * its frame is at. */
typedef struct tr_site {
    PyCodeObject *code;
    int unit;
} tr_site;
#define TR_CODE_UNIT 2          /* bytes (_Py_CODEUNIT, internal in 3.13) */
/* The Python frame below callee (NULL: the frame a sys.monitoring
 * callback runs in), or frame itself; -1 when there is none. */
int tr_site_below(PyFrameObject *callee, tr_site *out);
int tr_site_of(PyFrameObject *frame, tr_site *out);
/* Who calls, for PythonFunctionPush's Caller and CallerLine: the calling
 * frame's function (NULL: the function below on the thread's stack) and
 * its current line (0: unknown). */
typedef struct tr_caller {
    const mojo_frame *fn;
    uint32_t line;
} tr_caller;
/* The caller at a site: its function, and the line of the site (as
 * PyFrame_GetLineNumber gives it) cached per code unit on the code
 * object. */
tr_caller tr_site_caller(const tr_site *s);

/* What a code object's frames mean to the tracer: the program's, the
 * boundary (the program starts above it), or the curtain (it and what it
 * calls are the recorder's). */
enum { TR_PLAIN, TR_BOUNDARY, TR_CURTAIN };
static inline int tr_code_role(PyCodeObject *code)
{
    return (PyObject *)code == tr->boundary ? TR_BOUNDARY
         : (PyObject *)code == tr->curtain ? TR_CURTAIN : TR_PLAIN;
}

/* A function starts (PythonFunctionPush) or ends (PythonFunctionPop) on
 * thread t now, its frame's role as tr_code_role gives it; frames up to
 * the boundary and from the curtain on are kept but not written. */
void tr_enter(tr_thread *t, const mojo_frame *f, int role, tr_caller caller);
void tr_leave(tr_thread *t);
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
