/* Instrumented mode on 3.12+: sys.monitoring callbacks, for every thread
 * at once (no per-thread bootstrap). A Python function is pushed when it
 * starts, resumes or has an exception thrown into it, and popped when it
 * returns, yields or unwinds, so generators and coroutines stay balanced.
 * A call of a built-in function or method pushes that callable, popped at
 * its C_RETURN or C_RAISE (types and other callables are not C calls to
 * the profile callback either). */
#include "config.h"
#include "tracer_int.h"

#if PY_VERSION_HEX >= 0x030C0000

/* Tool ids to try: PROFILER_ID first (cProfile may hold it). */
static const int tool_candidates[] = { 2, 3, 4 };

static int tool_id = -1;
static PyObject *monitoring;        /* the sys.monitoring namespace */
static _Thread_local tr_thread *mon_thread;
static _Thread_local unsigned mon_generation;

void tr_mon_adopt(tr_thread *t)
{
    mon_thread = t;
    mon_generation = tr->generation;
}

/* This thread's state; a thread seen for the first time is seeded with the
 * frames running now (the current frame included). *fresh tells so. */
static tr_thread *this_thread(int *fresh)
{
    *fresh = 0;
    if (mon_thread && mon_generation == tr->generation)
        return mon_thread;
    tr_thread *t = tr_new_thread();
    if (!t)
        return NULL;
    tr_seed_stack(t, PyEval_GetFrame());
    tr_mon_adopt(t);
    *fresh = 1;
    return t;
}

static PyObject *done(void)
{
    Py_RETURN_NONE;
}

/* The callables whose calls are C calls: built-in functions and methods,
 * as the profile callback reports them (3.11, and 3.12+'s legacy profiling
 * that python-etwtrace uses); types and other callables are not. */
static int is_c_function(PyObject *callable)
{
    return PyCFunction_Check(callable) || Py_IS_TYPE(callable, &PyMethodDescr_Type);
}

/* PY_START, PY_RESUME, PY_THROW: (code, offset[, exception]) */
static PyObject *on_enter(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    int fresh;
    tr_thread *t;
    if (!tr || nargs < 1 || !PyCode_Check(args[0]) || !(t = this_thread(&fresh)))
        return done();
    if (fresh)                  /* the seed holds this frame already */
        return done();
    PyCodeObject *code = (PyCodeObject *)args[0];
    const mojo_frame *f = tr_code_frame(code);
    tr_site site;
    tr_caller caller = {NULL, 0};
    if (tr_site_below(NULL, &site) == 0)
        caller = tr_site_caller(&site);
    if (f)
        tr_enter(t, f, tr_code_role(code), caller);
    else
        t->lost++;
    return done();
}

/* PY_RETURN, PY_YIELD, PY_UNWIND: the current frame leaves. */
static PyObject *on_leave(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    int fresh;
    tr_thread *t;
    if (!tr || !(t = this_thread(&fresh)))
        return done();
    tr_leave(t);
    return done();
}

/* CALL: (code, offset, callable, arg0); code and offset are the caller's
 * (the offset in bytes). */
static PyObject *on_call(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    int fresh;
    tr_thread *t;
    if (!tr || nargs < 3 || !is_c_function(args[2]) || !(t = this_thread(&fresh)))
        return done();
    const mojo_frame *f = tr_cfunc_frame(args[2]);
    tr_caller caller = {NULL, 0};
    if (PyCode_Check(args[0]) && PyLong_Check(args[1])) {
        tr_site site = {.code = (PyCodeObject *)args[0],
                        .unit = (int)(PyLong_AsLong(args[1]) / TR_CODE_UNIT)};
        caller = tr_site_caller(&site);
    }
    if (f)
        tr_enter(t, f, TR_PLAIN, caller);
    else
        t->lost++;
    return done();
}

/* C_RETURN, C_RAISE: pop what on_call pushed (and only that). */
static PyObject *on_c_leave(PyObject *self, PyObject *const *args, Py_ssize_t nargs)
{
    int fresh;
    tr_thread *t;
    if (!tr || nargs < 3 || !is_c_function(args[2]) || !(t = this_thread(&fresh)) || fresh)
        return done();
    if (!t->lost && (t->depth == 0 || t->stack[t->depth - 1]->kind != MOJO_FRAME_NATIVE))
        return done();
    tr_leave(t);
    return done();
}

static PyMethodDef defs[] = {
    { "enter", (PyCFunction)(void (*)(void))on_enter, METH_FASTCALL, NULL },
    { "leave", (PyCFunction)(void (*)(void))on_leave, METH_FASTCALL, NULL },
    { "call", (PyCFunction)(void (*)(void))on_call, METH_FASTCALL, NULL },
    { "c_leave", (PyCFunction)(void (*)(void))on_c_leave, METH_FASTCALL, NULL },
};

/* Event names, looked up in sys.monitoring.events (not numbered here). */
static const struct { const char *event; int def; } hooks[] = {
    { "PY_START", 0 }, { "PY_RESUME", 0 }, { "PY_THROW", 0 },
    { "PY_RETURN", 1 }, { "PY_YIELD", 1 }, { "PY_UNWIND", 1 },
    { "CALL", 2 }, { "C_RETURN", 3 }, { "C_RAISE", 3 },
};
static long hook_bits[sizeof hooks / sizeof *hooks];

static int call_monitoring(const char *method, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    PyObject *args = Py_VaBuildValue(fmt, ap);
    va_end(ap);
    PyObject *fn = args ? PyObject_GetAttrString(monitoring, method) : NULL;
    PyObject *res = fn ? PyObject_Call(fn, args, NULL) : NULL;
    Py_XDECREF(fn);
    Py_XDECREF(args);
    if (!res)
        return -1;
    Py_DECREF(res);
    return 0;
}

int tr_mon_start(void)
{
    if (!monitoring) {
        PyObject *sys = PyImport_ImportModule("sys");
        monitoring = sys ? PyObject_GetAttrString(sys, "monitoring") : NULL;
        Py_XDECREF(sys);
        if (!monitoring)
            return -1;
    }
    tool_id = -1;
    for (size_t i = 0; i < sizeof tool_candidates / sizeof *tool_candidates; i++) {
        if (call_monitoring("use_tool_id", "(is)", tool_candidates[i], "mojo-record") == 0) {
            tool_id = tool_candidates[i];
            break;
        }
        PyErr_Clear();          /* taken (cProfile uses PROFILER_ID): next */
    }
    if (tool_id < 0) {
        PyErr_SetString(PyExc_RuntimeError, "no free sys.monitoring tool id");
        return -1;
    }
    PyObject *events = PyObject_GetAttrString(monitoring, "events");
    for (size_t i = 0; i < sizeof hooks / sizeof *hooks; i++) {
        PyObject *bit = events ? PyObject_GetAttrString(events, hooks[i].event) : NULL;
        hook_bits[i] = bit ? PyLong_AsLong(bit) : -1;
        Py_XDECREF(bit);
        if (hook_bits[i] <= 0) {
            Py_XDECREF(events);
            if (!PyErr_Occurred())
                PyErr_Format(PyExc_RuntimeError, "sys.monitoring has no event %s",
                             hooks[i].event);
            tr_mon_stop();
            return -1;
        }
    }
    Py_XDECREF(events);
    unsigned long mask = 0;
    for (size_t i = 0; i < sizeof hooks / sizeof *hooks; i++) {
        PyObject *fn = PyCFunction_New(&defs[hooks[i].def], NULL);
        int rc = fn ? call_monitoring("register_callback", "(ilO)", tool_id, hook_bits[i],
                                      fn) : -1;
        Py_XDECREF(fn);
        if (rc != 0) {
            tr_mon_stop();
            return -1;
        }
        mask |= (unsigned long)hook_bits[i];
    }
    if (call_monitoring("set_events", "(ik)", tool_id, mask) != 0) {
        tr_mon_stop();
        return -1;
    }
    return 0;
}

void tr_mon_stop(void)
{
    if (tool_id < 0)
        return;
    PyObject *exc_type, *exc_value, *exc_tb;
    PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
    call_monitoring("set_events", "(ii)", tool_id, 0);
    for (size_t i = 0; i < sizeof hooks / sizeof *hooks; i++)
        if (hook_bits[i] > 0)
            call_monitoring("register_callback", "(ilO)", tool_id, hook_bits[i], Py_None);
    call_monitoring("free_tool_id", "(i)", tool_id);
    PyErr_Clear();
    PyErr_Restore(exc_type, exc_value, exc_tb);
    tool_id = -1;
}

#else

/* 3.11 has no sys.monitoring: tracer.c uses the profile callback. */
int tr_mon_start(void)
{
    PyErr_SetString(PyExc_RuntimeError, "sys.monitoring needs Python 3.12");
    return -1;
}

void tr_mon_stop(void)
{
}

void tr_mon_adopt(tr_thread *t)
{
    (void)t;
}

#endif
