/* mojo_record._native: the Python face of the recorder.
 *
 * Compiled with the public C API only; the interpreter layouts live in
 * pyread.c. Functions that wait for the sampling thread release the GIL
 * (the thread never needs it, but other Python threads may run meanwhile).
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include "config.h"
#include "linetable.h"
#include "pyread.h"
#include "sampler.h"
#include "tracer.h"
#include "vmread.h"
#include "walker.h"

#include <string.h>

static rec_mode last_mode = REC_WALL;
static long long last_interval = 0;

/* Turn a sequence of (key, value) str pairs into a NULL-terminated array of
 * UTF-8 pointers borrowed from the objects (valid while `seq` lives). */
static const char **meta_array(PyObject *seq, PyObject **fast_out)
{
    PyObject *fast = PySequence_Fast(seq, "metadata must be a sequence of (key, value) pairs");
    if (!fast)
        return NULL;
    Py_ssize_t n = PySequence_Fast_GET_SIZE(fast);
    const char **arr = PyMem_Calloc((size_t)n * 2 + 2, sizeof *arr);
    if (!arr) {
        Py_DECREF(fast);
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t i = 0; i < n; i++) {
        PyObject *pair = PySequence_Fast_GET_ITEM(fast, i);
        const char *k, *v;
        if (!PyTuple_Check(pair) || !PyArg_ParseTuple(pair, "ss", &k, &v)) {
            PyErr_SetString(PyExc_TypeError, "metadata pairs must be (str, str)");
            PyMem_Free(arr);
            Py_DECREF(fast);
            return NULL;
        }
        arr[2 * i] = k;
        arr[2 * i + 1] = v;
    }
    *fast_out = fast;
    return arr;
}

static PyObject *summary_dict(const rec_summary *s)
{
    return Py_BuildValue("{s:K,s:K,s:K,s:K,s:K,s:L,s:L,s:L,s:L}",
                         "samples", (unsigned long long)s->samples,
                         "rounds", (unsigned long long)s->rounds,
                         "late", (unsigned long long)s->late,
                         "errors", (unsigned long long)s->errors,
                         "threads", (unsigned long long)s->threads,
                         "duration_us", (long long)s->duration_us,
                         "round_min_us", (long long)s->round_min_us,
                         "round_avg_us", (long long)s->round_avg_us,
                         "round_max_us", (long long)s->round_max_us);
}

static PyObject *py_start(PyObject *self, PyObject *args, PyObject *kw)
{
    static char *kwlist[] = { "path", "mode", "interval_us", "metadata", "sigterm",
                              "summary", "boundary", NULL };
    const char *path, *mode = "wall";
    long long interval = 1000;
    PyObject *meta = NULL, *fast = NULL, *boundary = NULL;
    int sigterm = 1, summary = 0;
    char err[1024];

    if (!PyArg_ParseTupleAndKeywords(args, kw, "s|sLOppO", kwlist, &path, &mode,
                                     &interval, &meta, &sigterm, &summary, &boundary))
        return NULL;
    if (boundary == Py_None)
        boundary = NULL;
    if (boundary && !PyCode_Check(boundary))
        return PyErr_Format(PyExc_TypeError, "boundary must be a code object");
    if (tr_active())
        return PyErr_Format(PyExc_RuntimeError, "mojo_record is already tracing");
    int m = rec_mode_from_name(mode);
    if (m < 0)
        return PyErr_Format(PyExc_ValueError, "unknown mode %R (wall, cpu, memory, full)",
                            PyTuple_GET_ITEM(args, 1));
    const char **arr = NULL;
    if (meta && meta != Py_None && !(arr = meta_array(meta, &fast)))
        return NULL;
    /* The launcher keeps the boundary's code object alive (runpy's). */
    rec_config cfg = { (rec_mode)m, interval, sigterm, summary, (uintptr_t)boundary };
    int rc;
    Py_BEGIN_ALLOW_THREADS
    rc = rec_start(path, &cfg, arr, err, sizeof err);
    Py_END_ALLOW_THREADS
    PyMem_Free(arr);
    Py_XDECREF(fast);
    if (rc != 0)
        return PyErr_Format(PyExc_OSError, "mojo-record: %s", err);
    last_mode = (rec_mode)m;
    last_interval = interval;
    Py_RETURN_NONE;
}

static PyObject *py_stop(PyObject *self, PyObject *unused)
{
    rec_summary s;
    char err[1024];
    int rc;
    if (!rec_active())
        Py_RETURN_NONE;
    Py_BEGIN_ALLOW_THREADS
    rc = rec_stop(&s, err, sizeof err);
    Py_END_ALLOW_THREADS
    if (rc != 0)
        return PyErr_Format(PyExc_OSError, "mojo-record: %s", err);
    return summary_dict(&s);
}

static PyObject *py_active(PyObject *self, PyObject *unused)
{
    return PyBool_FromLong(rec_active());
}

static PyObject *py_stats(PyObject *self, PyObject *unused)
{
    rec_summary s;
    rec_get_summary(&s);
    return summary_dict(&s);
}

static PyObject *py_output_path(PyObject *self, PyObject *unused)
{
    const char *p = rec_output_path();
    if (!p)
        Py_RETURN_NONE;
    return PyUnicode_DecodeFSDefault(p);
}

static PyObject *py_pause(PyObject *self, PyObject *unused)
{
    Py_BEGIN_ALLOW_THREADS
    rec_pause();
    Py_END_ALLOW_THREADS
    Py_RETURN_NONE;
}

static PyObject *py_resume(PyObject *self, PyObject *unused)
{
    rec_resume();
    Py_RETURN_NONE;
}

static PyObject *py_fork_child(PyObject *self, PyObject *args)
{
    const char *path;
    PyObject *meta = NULL, *fast = NULL;
    char err[1024];
    if (!PyArg_ParseTuple(args, "s|O", &path, &meta))
        return NULL;
    const char **arr = NULL;
    if (meta && meta != Py_None && !(arr = meta_array(meta, &fast)))
        return NULL;
    int rc = rec_fork_child(path, arr, err, sizeof err);
    PyMem_Free(arr);
    Py_XDECREF(fast);
    if (rc != 0)
        return PyErr_Format(PyExc_OSError, "mojo-record: %s", err);
    Py_RETURN_NONE;
}

static PyObject *py_forget(PyObject *self, PyObject *unused)
{
    rec_forget();
    Py_RETURN_NONE;
}

static PyObject *py_mark(PyObject *self, PyObject *args)
{
    const char *name, *kind = "point";
    if (!PyArg_ParseTuple(args, "s|s", &name, &kind))
        return NULL;
    if (tr_active())            /* instrumented: a PythonMark event */
        return PyBool_FromLong(tr_mark(kind, name) == 0);
    return PyBool_FromLong(rec_mark(kind, name) == 0);
}

static PyObject *py_summary_text(PyObject *self, PyObject *args)
{
    const char *path;
    PyObject *d;
    int children = 0;
    char buf[2048];
    if (!PyArg_ParseTuple(args, "sO!|p", &path, &PyDict_Type, &d, &children))
        return NULL;
    rec_summary s;
    memset(&s, 0, sizeof s);
    static const char *keys[] = { "samples", "late", "errors", "threads", "duration_us" };
    uint64_t *dst[] = { &s.samples, &s.late, &s.errors, &s.threads, NULL };
    for (int i = 0; i < 5; i++) {
        PyObject *v = PyDict_GetItemString(d, keys[i]);
        long long x = v ? PyLong_AsLongLong(v) : 0;
        if (x == -1 && PyErr_Occurred())
            return NULL;
        if (dst[i])
            *dst[i] = (uint64_t)x;
        else
            s.duration_us = x;
    }
    rec_format_summary(buf, sizeof buf, path, &s, last_mode, last_interval, children);
    return PyUnicode_FromString(buf);
}

/* Test hook: CPython's own positions versus our location-table decoder.
 * Returns [(line, end_line, column, end_column)] per code unit, in our
 * convention (1-based columns, 0 unknown). */
static PyObject *py_positions(PyObject *self, PyObject *arg)
{
    if (!PyCode_Check(arg))
        return PyErr_Format(PyExc_TypeError, "a code object is required");
    PyObject *table = PyObject_GetAttrString(arg, "co_linetable");
    PyObject *code = PyObject_GetAttrString(arg, "co_code");
    PyObject *first = PyObject_GetAttrString(arg, "co_firstlineno");
    PyObject *out = NULL;
    if (!table || !code || !first || !PyBytes_Check(table) || !PyBytes_Check(code))
        goto done;
    long firstlineno = PyLong_AsLong(first);
    Py_ssize_t units = PyBytes_GET_SIZE(code) / 2;
    out = PyList_New(units);
    for (Py_ssize_t i = 0; out && i < units; i++) {
        py_location loc;
        int rc = linetable_find((const unsigned char *)PyBytes_AS_STRING(table),
                                (size_t)PyBytes_GET_SIZE(table), (int)firstlineno, (int)i, &loc);
        PyObject *t = rc == 0 ? Py_BuildValue("(iiii)", loc.line, loc.line_end, loc.column,
                                              loc.column_end)
                              : (Py_INCREF(Py_None), Py_None);
        if (!t) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, i, t);
    }
done:
    Py_XDECREF(table);
    Py_XDECREF(code);
    Py_XDECREF(first);
    return out;
}

/* Test hook: walk the calling thread's frames the way the sampler does
 * (through vm_read, without using the frame objects) and return them root
 * first as (file, scope, line, line_end, column, column_end). */
static PyObject *py_walk_self(PyObject *self, PyObject *unused)
{
    if (vm_init() != 0)
        return PyErr_Format(PyExc_OSError, "cannot read this process's memory");
    mojo_frames *table = mojo_frames_new();
    walker *w = table ? walker_new(table) : NULL;
    walk_result *res = PyMem_Malloc(sizeof *res);
    PyObject *out = NULL;
    py_thread_view tv;
    if (!w || !res) {
        PyErr_NoMemory();
        goto done;
    }
    if (pyr_thread_read((uintptr_t)PyThreadState_Get(), &tv) != 0 ||
        walker_walk(w, &tv, res) != 0) {
        PyErr_SetString(PyExc_RuntimeError, "cannot walk the current thread");
        goto done;
    }
    out = PyList_New((Py_ssize_t)res->nframes);
    for (size_t i = 0; out && i < res->nframes; i++) {
        const mojo_frame *f = res->frames[i];
        PyObject *t = f->kind == MOJO_FRAME_INVALID
            ? (Py_INCREF(Py_None), Py_None)
            : Py_BuildValue("(s#s#LLLL)", f->file.ptr, (Py_ssize_t)f->file.len,
                            f->scope.ptr, (Py_ssize_t)f->scope.len,
                            (long long)f->line, (long long)f->line_end,
                            (long long)f->column, (long long)f->column_end);
        if (!t) {
            Py_CLEAR(out);
            break;
        }
        PyList_SET_ITEM(out, (Py_ssize_t)i, t);
    }
done:
    PyMem_Free(res);
    walker_free(w);
    if (table)
        mojo_frames_unref(table);
    return out;
}

static PyObject *py_trace_start(PyObject *self, PyObject *args)
{
    const char *path;
    PyObject *boundary = Py_None, *curtain = Py_None;
    if (!PyArg_ParseTuple(args, "s|OO", &path, &boundary, &curtain))
        return NULL;
    if ((boundary != Py_None && !PyCode_Check(boundary)) ||
        (curtain != Py_None && !PyCode_Check(curtain)))
        return PyErr_Format(PyExc_TypeError, "boundary and curtain must be code objects");
    if (rec_active())
        return PyErr_Format(PyExc_RuntimeError, "mojo_record is already sampling");
    if (tr_start(path, boundary == Py_None ? NULL : boundary,
                 curtain == Py_None ? NULL : curtain) != 0)
        return NULL;
    Py_RETURN_NONE;
}

static PyObject *py_trace_stop(PyObject *self, PyObject *unused)
{
    tr_summary s;
    if (!tr_active())
        Py_RETURN_NONE;
    if (tr_stop(&s) != 0)
        return NULL;
    return Py_BuildValue("{s:K,s:K,s:K,s:K,s:L}",
                         "events", (unsigned long long)s.events,
                         "functions", (unsigned long long)s.functions,
                         "threads", (unsigned long long)s.threads,
                         "marks", (unsigned long long)s.marks,
                         "duration_us", (long long)s.duration_us);
}

static PyObject *py_trace_active(PyObject *self, PyObject *unused)
{
    return PyBool_FromLong(tr_active());
}

static PyObject *py_trace_forget(PyObject *self, PyObject *unused)
{
    tr_forget();
    Py_RETURN_NONE;
}

static PyObject *py_info(PyObject *self, PyObject *unused)
{
    vm_init();
    return Py_BuildValue("{s:s,s:s,s:s}", "built_for", pyr_built_version(),
                         "memory_reader", vm_method(), "version", PACKAGE_VERSION);
}

static PyMethodDef methods[] = {
    { "start", (PyCFunction)(void (*)(void))py_start, METH_VARARGS | METH_KEYWORDS,
      "start(path, mode='wall', interval_us=1000, metadata=(), sigterm=True, summary=False,\n"
      "      boundary=None)\n"
      "Start sampling every thread of this process into a MOJO file." },
    { "stop", py_stop, METH_NOARGS, "Stop sampling, close the file; returns the counters." },
    { "is_active", py_active, METH_NOARGS, "Whether the recorder is running." },
    { "stats", py_stats, METH_NOARGS, "The counters so far." },
    { "output_path", py_output_path, METH_NOARGS, "The file being written, or None." },
    { "pause", py_pause, METH_NOARGS, "Before fork: stop the sampling thread and flush." },
    { "resume", py_resume, METH_NOARGS, "After fork, in the parent: sample again." },
    { "fork_child", py_fork_child, METH_VARARGS,
      "fork_child(path, metadata=()): after fork, in the child: record into a new file." },
    { "forget", py_forget, METH_NOARGS,
      "After fork, in a child not to be recorded: drop the recorder." },
    { "mark", py_mark, METH_VARARGS, "mark(name, kind='point'): write a mark." },
    { "summary_text", py_summary_text, METH_VARARGS,
      "summary_text(path, counters, children=False): the closing paragraph." },
    { "positions", py_positions, METH_O, "Test hook: decode a code object's locations." },
    { "walk_self", py_walk_self, METH_NOARGS, "Test hook: the calling thread's stack." },
    { "info", py_info, METH_NOARGS, "Build and run-time facts." },
    { "trace_start", py_trace_start, METH_VARARGS,
      "trace_start(path, boundary=None, curtain=None): trace every call into an\n"
      "ETL file; frames of boundary and below, and of curtain and above, are\n"
      "left out." },
    { "trace_stop", py_trace_stop, METH_NOARGS, "Stop tracing, write the file; the counters." },
    { "trace_active", py_trace_active, METH_NOARGS, "Whether tracing is on." },
    { "trace_forget", py_trace_forget, METH_NOARGS,
      "After fork, in the child: drop the tracer, write nothing." },
    { "thread_hook", tr_thread_hook, METH_VARARGS,
      "threading.setprofile target: hooks a new thread into the tracer." },
    { NULL, NULL, 0, NULL }
};

static struct PyModuleDef module = {
    PyModuleDef_HEAD_INIT, "_native",
    "Native core of mojo_record: a sampler that reads interpreter frames "
    "without taking the GIL.", -1, methods, NULL, NULL, NULL, NULL
};

PyMODINIT_FUNC PyInit__native(void);

PyMODINIT_FUNC PyInit__native(void)
{
    /* The frame walker knows the layouts of the headers it was built with:
     * refuse another minor version rather than misread memory. */
    unsigned long built = pyr_built_hexversion() >> 16;
    if ((unsigned long)(Py_Version >> 16) != built)
        return PyErr_Format(PyExc_ImportError,
                            "mojo_record._native was built for Python %s, not %s",
                            pyr_built_version(), Py_GetVersion());
    return PyModule_Create(&module);
}
