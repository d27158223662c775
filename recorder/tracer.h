/* The instrumented recorder: every Python (and C) function entry and exit
 * of every thread, written as python-etwtrace's ETW events (an ETL file)
 * through libmojo's ETL writer.
 *
 * The hooks run with the GIL held: each appends a compact record (a
 * timestamp and a function id), and a writer thread encodes the records
 * as ETL and writes them while the program runs (tracer_out.h). A
 * function is announced by PythonFunction the first time it is written;
 * its id is the frame's id in the run's table plus one, cached on the code
 * object. */
#ifndef RECORDER_TRACER_H
#define RECORDER_TRACER_H

#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <stdint.h>

typedef struct tr_summary {
    uint64_t events;        /* push and pop events seen */
    uint64_t functions;     /* distinct functions */
    uint64_t threads;
    uint64_t marks;
    int64_t duration_us;
} tr_summary;

/* Start tracing into an ETL file at path. boundary: a code object whose
 * frames and callers are left out (the launcher's), or NULL; curtain: one
 * whose frames and callees are left out (the recorder's SIGTERM handler),
 * or NULL. Sets a Python exception and returns -1 on failure. */
int tr_start(const char *path, PyObject *boundary, PyObject *curtain);
/* Stop and write the file; -1 with a Python exception on failure. */
int tr_stop(tr_summary *out);
int tr_active(void);
/* A PythonMark on the calling thread: kind "point", "start" or "stop".
 * 0, or -1 when not tracing. */
int tr_mark(const char *kind, const char *name);
/* The profile function threads started later install (threading.setprofile). */
PyObject *tr_thread_hook(PyObject *self, PyObject *args);
/* In a fork child: drop the tracer without writing anything. */
void tr_forget(void);

#endif
