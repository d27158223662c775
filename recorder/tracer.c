/* Instrumented mode; see tracer.h. One profile callback per thread (the
 * 3.11 way, still supported by 3.12 and 3.13), with per-thread state in a
 * capsule passed as the callback's argument. */
#include "config.h"
#include "tracer.h"
#include "tracer_int.h"
#include "internal.h"
#include "mojo.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

/* Code-object extras: named "unstable" from 3.12 on. */
#if PY_VERSION_HEX >= 0x030C0000
#define code_get_extra PyUnstable_Code_GetExtra
#define code_set_extra PyUnstable_Code_SetExtra
#define request_code_extra PyUnstable_Eval_RequestCodeExtraIndex
#else
#define code_get_extra _PyCode_GetExtra
#define code_set_extra _PyCode_SetExtra
#define request_code_extra _PyEval_RequestCodeExtraIndex
#endif

tracer *tr;
static unsigned tr_generation;
static Py_ssize_t code_extra_index = -1;

/* What a code object's extra slot holds: its frame in one run's table,
 * and the lines of its code units as call sites (line + 1; 0: not looked
 * up yet), made on the first call from it. */
typedef struct code_note {
    unsigned generation;
    const mojo_frame *frame;
    uint32_t *lines;
    Py_ssize_t units;
} code_note;

static void free_note(void *p)
{
    code_note *note = p;
    PyMem_RawFree(note->lines);
    PyMem_RawFree(note);
}

/* ------------------------------------------------------------ frames */

static const mojo_frame *intern(const char *file, Py_ssize_t flen, const char *scope,
                                Py_ssize_t slen, int64_t line, mojo_frame_kind kind)
{
    mojo_frame proto;
    memset(&proto, 0, sizeof proto);
    proto.kind = kind;
    proto.file.ptr = file ? file : "";
    proto.file.len = file ? (size_t)flen : 0;
    proto.scope.ptr = scope ? scope : "";
    proto.scope.len = scope ? (size_t)slen : 0;
    proto.line = proto.line_end = line;
    return mojo_frames_intern(tr->frames, &proto);
}

/* A Python function: file, qualified name and first line, as
 * PythonFunction describes it. Cached on the code object. */
const mojo_frame *tr_code_frame(PyCodeObject *code)
{
    void *extra = NULL;
    if (code_get_extra((PyObject *)code, code_extra_index, &extra) == 0 && extra) {
        code_note *note = extra;
        if (note->generation == tr->generation)
            return note->frame;
    }
    Py_ssize_t flen = 0, slen = 0;
    const char *file = PyUnicode_AsUTF8AndSize(code->co_filename, &flen);
    const char *scope = PyUnicode_AsUTF8AndSize(code->co_qualname, &slen);
    if (!file || !scope)
        PyErr_Clear();
    const mojo_frame *f = intern(file, flen, scope, slen, code->co_firstlineno,
                                 MOJO_FRAME_PYTHON);
    if (!f)
        return NULL;
    code_note *note = extra ? extra : PyMem_RawCalloc(1, sizeof *note);
    if (note) {
        note->generation = tr->generation;
        note->frame = f;
        if (!extra && code_set_extra((PyObject *)code, code_extra_index, note) != 0) {
            PyErr_Clear();
            PyMem_RawFree(note);
        }
    }
    return f;
}

tr_caller tr_site_caller(const tr_site *s)
{
    tr_caller c = {NULL, 0};
    void *extra = NULL;
    if (code_get_extra((PyObject *)s->code, code_extra_index, &extra) != 0)
        PyErr_Clear();
    code_note *note = extra;
    if (note && note->generation == tr->generation) {
        c.fn = note->frame;
    } else {                    /* makes the note, or brings it up to date */
        c.fn = tr_code_frame(s->code);
        extra = NULL;
        if (!c.fn || code_get_extra((PyObject *)s->code, code_extra_index, &extra) != 0 ||
            !extra) {
            PyErr_Clear();
            return c;
        }
        note = extra;
    }
    if (!note->lines) {
        /* 3.11+: a code object's size counts its code units */
        note->units = Py_SIZE(s->code);
        note->lines = PyMem_RawCalloc((size_t)note->units + 1, sizeof *note->lines);
        if (!note->lines)
            return c;
    }
    if (s->unit < 0 || s->unit >= note->units)
        return c;
    uint32_t *slot = &note->lines[s->unit];
    if (!*slot) {
        int line = PyCode_Addr2Line(s->code, s->unit * TR_CODE_UNIT);
        *slot = line > 0 ? (uint32_t)line + 1 : 1;
    }
    c.line = *slot - 1;
    return c;
}

/* A C function: its module (SourceFile) and qualified name, as
 * python-etwtrace describes C callables. */
const mojo_frame *tr_cfunc_frame(PyObject *callable)
{
    const void *key = NULL;
    if (PyCFunction_Check(callable))
        key = ((PyCFunctionObject *)callable)->m_ml;
    else if (Py_IS_TYPE(callable, &PyMethodDescr_Type))
        key = ((PyMethodDescrObject *)callable)->d_method;
    else
        key = Py_TYPE(callable);
    if (tr->cfunc_used * 2 >= tr->cfunc_cap) {
        if (tr->cfunc_cap >= TR_CFUNC_SLOTS_MAX) {
            memset(tr->cfuncs, 0, tr->cfunc_cap * sizeof *tr->cfuncs);
            tr->cfunc_used = 0;
        } else {
            size_t cap = tr->cfunc_cap ? tr->cfunc_cap * 2 : 256;
            cfunc_slot *n = calloc(cap, sizeof *n);
            if (!n)
                return NULL;
            for (size_t i = 0; i < tr->cfunc_cap; i++) {
                if (!tr->cfuncs[i].key)
                    continue;
                size_t j = ((uintptr_t)tr->cfuncs[i].key >> 4) & (cap - 1);
                while (n[j].key)
                    j = (j + 1) & (cap - 1);
                n[j] = tr->cfuncs[i];
            }
            free(tr->cfuncs);
            tr->cfuncs = n;
            tr->cfunc_cap = cap;
        }
    }
    size_t i = ((uintptr_t)key >> 4) & (tr->cfunc_cap - 1);
    while (tr->cfuncs[i].key && tr->cfuncs[i].key != key)
        i = (i + 1) & (tr->cfunc_cap - 1);
    if (tr->cfuncs[i].key)
        return tr->cfuncs[i].frame;

    /* First sight: ask the object, as python-etwtrace does. */
    PyObject *exc_type, *exc_value, *exc_tb;
    PyErr_Fetch(&exc_type, &exc_value, &exc_tb);
    PyObject *qual = PyObject_GetAttrString(callable, "__qualname__");
    PyObject *mod = qual ? PyObject_GetAttrString(callable, "__module__") : NULL;
    PyErr_Clear();
    const char *q = NULL, *m = NULL;
    Py_ssize_t qlen = 0, mlen = 0;
    if (qual && PyUnicode_Check(qual))
        q = PyUnicode_AsUTF8AndSize(qual, &qlen);
    if (mod && PyUnicode_Check(mod))
        m = PyUnicode_AsUTF8AndSize(mod, &mlen);
    PyErr_Clear();
    if (!q) {
        q = Py_TYPE(callable)->tp_name;
        qlen = (Py_ssize_t)strlen(q);
    }
    const mojo_frame *f = intern(m, mlen, q, qlen, 0, MOJO_FRAME_NATIVE);
    Py_XDECREF(qual);
    Py_XDECREF(mod);
    PyErr_Restore(exc_type, exc_value, exc_tb);
    if (!f)
        return NULL;
    tr->cfuncs[i].key = key;
    tr->cfuncs[i].frame = f;
    tr->cfunc_used++;
    return f;
}

/* ------------------------------------------------------------ events */

/* A slot for one record of thread tid now, or NULL (the writer failed:
 * nothing more is added). */
static tro_rec *record(uint16_t kind, uint32_t tid)
{
    if (tr->failed)
        return NULL;
    tro_rec *r = tro_next(tr->out, tr->fill);
    if (!r) {
        tr->failed = 1;
        return NULL;
    }
    r->stamp = stamp_now(&tr->clock);
    r->tid = tid;
    r->kind = kind;
    r->opcode = 0;
    return r;
}

/* PythonFunction before the function's first push. */
static int announce(const mojo_frame *f, uint32_t tid)
{
    if (f->id < tr->announced_cap && tr->announced[f->id])
        return 0;
    size_t cap = tr->announced_cap;
    if (!mojo_grow((void **)&tr->announced, &tr->announced_cap,
                   (size_t)f->id + 1, 1))
        return -1;
    memset(tr->announced + cap, 0, tr->announced_cap - cap);
    tro_rec *r = record(TRO_FUNCTION, tid);
    if (!r)
        return -1;
    r->u.func = f;
    tr->announced[f->id] = 1;
    tr->sum.functions++;
    return 0;
}

/* Where the frames the program sees start: above the boundary, and above
 * a C function the boundary frame calls (exec is the launcher's too). */
static size_t first_shown(const tr_thread *t)
{
    size_t from = t->shown;
    if (from > 0 && from < t->depth && t->stack[from]->kind == MOJO_FRAME_NATIVE)
        from++;
    return from;
}

void tr_enter(tr_thread *t, const mojo_frame *f, int role, tr_caller caller)
{
    if (t->depth >= TR_MAX_DEPTH) {
        t->lost++;
        return;
    }
    if (t->depth == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        const mojo_frame **n = realloc(t->stack, cap * sizeof *n);
        if (!n) {
            t->lost++;
            return;
        }
        t->stack = n;
        t->cap = cap;
    }
    size_t i = t->depth;
    t->stack[t->depth++] = f;
    if (role == TR_BOUNDARY) {  /* the program starts above this frame */
        t->shown = t->depth;
        t->hidden = 0;
        return;
    }
    if (role == TR_CURTAIN && i < t->curtain)
        t->curtain = i;
    size_t from = first_shown(t);
    if (t->hidden || i < from || i >= t->curtain || tr->failed)
        return;
    /* The calling frame's function, as python-etwtrace names it (for a
     * Python function called from C, the Python frame below the C
     * function); none for the first frame shown. */
    const mojo_frame *below = i > from ? t->stack[i - 1] : NULL;
    const mojo_frame *cf = below && caller.fn ? caller.fn : below;
    if (announce(f, t->tid) != 0 || (cf && cf != below && announce(cf, t->tid) != 0))
        return;
    tro_rec *r = record(TRO_PUSH, t->tid);
    if (!r)
        return;
    r->u.call.id = f->id + 1;
    r->u.call.caller = cf ? cf->id + 1 : 0;
    r->u.call.line = cf ? caller.line : 0;
    tr->sum.events++;
}

void tr_leave(tr_thread *t)
{
    if (t->lost) {
        t->lost--;
        return;
    }
    if (t->depth == 0)          /* a frame that started before tracing */
        return;
    size_t i = t->depth - 1;
    if (!t->hidden && i >= first_shown(t) && i < t->curtain) {
        tro_rec *r = record(TRO_POP, t->tid);
        if (r) {
            r->u.call.id = t->stack[i]->id + 1;
            tr->sum.events++;
        }
    }
    t->depth--;
    if (t->shown > 0 && t->depth < t->shown)
        t->hidden = 1;          /* the boundary frame returned */
    if (t->depth <= t->curtain)
        t->curtain = SIZE_MAX;  /* the curtain frame returned */
}

int tr_mark(const char *kind, const char *name)
{
    if (!tr)
        return -1;
    uint16_t op = strcmp(kind, "start") == 0 ? 1 : strcmp(kind, "stop") == 0 ? 2 : 0;
    mojo_str s = mojo_frames_intern_str(tr->frames, name, strlen(name));
    if (!s.ptr)
        return -1;
    tro_rec *r = record(TRO_MARK, (uint32_t)PyThread_get_thread_native_id());
    if (!r)
        return -1;
    r->opcode = op;
    r->u.mark = s;
    tr->sum.marks++;
    return 0;
}

#if PY_VERSION_HEX < 0x030C0000
static void uninstall_self(void)
{
    PyEval_SetProfile(NULL, NULL);
}

/* This thread's state, set with its callback (the generation check
 * below tells whether it is of this run). */
static _Thread_local tr_thread *prof_thread;

static int on_event(PyObject *obj, PyFrameObject *frame, int what, PyObject *arg)
{
    if (!tr) {
        uninstall_self();       /* tracing stopped while this thread slept */
        return 0;
    }
    /* A thread left over from an earlier run (3.11 cannot unhook other
     * threads) holds a capsule of a freed run: it unhooks itself. */
    if ((uintptr_t)PyCapsule_GetContext(obj) != tr->generation) {
        uninstall_self();
        return 0;
    }
    tr_thread *t = prof_thread;    /* the capsule's, without its name check */
    if (!t)
        return 0;
    const mojo_frame *f = NULL;
    int role = TR_PLAIN;
    tr_site site;
    tr_caller caller = {NULL, 0};
    switch (what) {
    case PyTrace_CALL: {
        PyCodeObject *code = PyFrame_GetCode(frame);
        f = tr_code_frame(code);
        role = tr_code_role(code);
        Py_DECREF(code);
        if (tr_site_below(frame, &site) == 0)
            caller = tr_site_caller(&site);
        break;
    }
    case PyTrace_C_CALL:
        f = tr_cfunc_frame(arg);
        if (tr_site_of(frame, &site) == 0)  /* the frame making the call */
            caller = tr_site_caller(&site);
        break;
    case PyTrace_RETURN:
    case PyTrace_C_RETURN:
    case PyTrace_C_EXCEPTION:
        break;
    default:
        return 0;
    }
    if (what == PyTrace_CALL || what == PyTrace_C_CALL) {
        if (f)
            tr_enter(t, f, role, caller);
        else
            t->lost++;          /* out of memory: keep push and pop paired */
    } else {
        tr_leave(t);
    }
    return 0;
}

#endif

/* ------------------------------------------------------------ threads */

#if PY_VERSION_HEX < 0x030C0000
static void free_thread_capsule(PyObject *capsule)
{
    (void)capsule;              /* threads are owned by the tracer's list */
}

#endif

tr_thread *tr_new_thread(void)
{
    tr_thread *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->tid = (uint32_t)PyThread_get_thread_native_id();
    t->curtain = SIZE_MAX;
    t->next = tr->threads;
    tr->threads = t;
    tr->sum.threads++;
    record(TRO_THREAD_START, t->tid);
    return t;
}

/* The running frames of this thread, root first, so that their returns
 * pop what they pushed. Frames at or below the boundary stay hidden. */
void tr_seed_stack(tr_thread *t, PyFrameObject *leaf)
{
    PyFrameObject *chain[TR_MAX_DEPTH];
    size_t n = 0;
    PyFrameObject *f = leaf;
    Py_XINCREF(f);
    while (f && n < TR_MAX_DEPTH) {
        chain[n++] = f;
        f = PyFrame_GetBack(f);
    }
    Py_XDECREF(f);
    for (size_t i = n; i > 0; i--) {
        PyCodeObject *code = PyFrame_GetCode(chain[i - 1]);
        const mojo_frame *fr = tr_code_frame(code);
        int role = tr_code_role(code);
        Py_DECREF(code);
        /* the caller, chain[i], is where it is now */
        int line = i < n ? PyFrame_GetLineNumber(chain[i]) : 0;
        if (fr)
            tr_enter(t, fr, role, (tr_caller){NULL, line > 0 ? (uint32_t)line : 0});
        else
            t->lost++;
        Py_DECREF(chain[i - 1]);
    }
}

#if PY_VERSION_HEX < 0x030C0000
/* Install the callback on the calling thread, its stack seeded from leaf
 * (3.11; threads started later come through tr_thread_hook). */
static int install_here(PyFrameObject *leaf, int hidden)
{
    tr_thread *t = tr_new_thread();
    if (!t) {
        PyErr_NoMemory();
        return -1;
    }
    t->hidden = hidden;
    tr_seed_stack(t, leaf);
    PyObject *capsule = PyCapsule_New(t, "mojo_record.tracer_thread", free_thread_capsule);
    if (!capsule || PyCapsule_SetContext(capsule, (void *)(uintptr_t)tr->generation) != 0) {
        Py_XDECREF(capsule);
        return -1;
    }
    prof_thread = t;
    PyEval_SetProfile(on_event, capsule);
    Py_DECREF(capsule);
    return 0;
}

#endif

/* threading.setprofile target: the first event of a new thread installs
 * the real callback there, then counts as that thread's first call. */
PyObject *tr_thread_hook(PyObject *self, PyObject *args)
{
    PyObject *frame, *event, *arg;
    if (!PyArg_ParseTuple(args, "OOO", &frame, &event, &arg))
        return NULL;
#if PY_VERSION_HEX >= 0x030C0000
    (void)frame; (void)event; (void)arg;
    PyEval_SetProfile(NULL, NULL);   /* sys.monitoring sees every thread */
    Py_RETURN_NONE;
#else
    if (!tr || !PyFrame_Check(frame)) {
        PyEval_SetProfile(NULL, NULL);
        Py_RETURN_NONE;
    }
    /* Seed the stack with the frames running now. A call event's frame is
     * the callee, already on the chain; a return event's frame is leaving,
     * so seed from its caller; a C call pushes the C function too. */
    const char *what = PyUnicode_Check(event) ? PyUnicode_AsUTF8(event) : "";
    PyFrameObject *leaf = (PyFrameObject *)frame;
    PyFrameObject *back = NULL;
    if (what && strcmp(what, "return") == 0)
        leaf = back = PyFrame_GetBack(leaf);
    int rc = install_here(leaf, 0);
    Py_XDECREF(back);
    if (rc != 0)
        return NULL;
    if (what && strcmp(what, "c_call") == 0 && tr->threads) {
        const mojo_frame *f = tr_cfunc_frame(arg);
        int line = PyFrame_GetLineNumber((PyFrameObject *)frame);
        if (f)
            tr_enter(tr->threads, f, TR_PLAIN, (tr_caller){NULL, line > 0 ? (uint32_t)line : 0});
        else
            tr->threads->lost++;
    }
    Py_RETURN_NONE;
#endif
}

/* ------------------------------------------------------------ lifecycle */

static void tracer_free(tracer *t)
{
    while (t->threads) {
        tr_thread *n = t->threads->next;
        free(t->threads->stack);
        free(t->threads);
        t->threads = n;
    }
    free(t->cfuncs);
    free(t->announced);
    Py_XDECREF(t->boundary);
    Py_XDECREF(t->curtain);
    if (t->frames)
        mojo_frames_unref(t->frames);
    free(t);
}

int tr_start(const char *path, PyObject *boundary, PyObject *curtain)
{
    if (tr) {
        PyErr_SetString(PyExc_RuntimeError, "mojo_record is already tracing");
        return -1;
    }
    if (code_extra_index < 0 &&
        (code_extra_index = request_code_extra(free_note)) < 0) {
        PyErr_SetString(PyExc_RuntimeError, "no code-object extra slot left");
        return -1;
    }
    tracer *t = calloc(1, sizeof *t);
    if (!t || !(t->frames = mojo_frames_new())) {
        free(t);
        PyErr_NoMemory();
        return -1;
    }
    /* Our own descriptor: at the end we check it is still the file we
     * opened (a program may close every descriptor and reuse the number). */
    t->out_fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (t->out_fd < 0) {
        PyErr_Format(PyExc_OSError, "mojo-record: %s: cannot open: %s", path, strerror(errno));
        tracer_free(t);
        return -1;
    }
    struct stat st;
    if (fstat(t->out_fd, &st) == 0) {
        t->out_dev = st.st_dev;
        t->out_ino = st.st_ino;
    }
    char err[512];
    stamp_start(&t->clock);
    t->out = tro_open(t->out_fd, path, (uint32_t)getpid(), &t->clock, err, sizeof err);
    if (!t->out) {
        PyErr_Format(PyExc_OSError, "mojo-record: %s", err);
        close(t->out_fd);
        tracer_free(t);
        return -1;
    }
    t->fill = tro_filling(t->out);
    t->boundary = boundary;
    Py_XINCREF(boundary);
    t->curtain = curtain;
    Py_XINCREF(curtain);
    t->generation = ++tr_generation;
    tr = t;
    PyFrameObject *leaf = PyEval_GetFrame();   /* borrowed */
#if PY_VERSION_HEX >= 0x030C0000
    /* sys.monitoring hooks every thread at once; this one is seeded now,
     * the others on their first event. */
    tr_thread *self_thread = tr_new_thread();
    int hooked = -1;
    if (self_thread) {
        self_thread->hidden = boundary != NULL;
        tr_seed_stack(self_thread, leaf);
        tr_mon_adopt(self_thread);
        hooked = tr_mon_start();
    } else {
        PyErr_NoMemory();
    }
    if (hooked != 0) {
#else
    if (install_here(leaf, boundary != NULL) != 0) {
#endif
        tr = NULL;
        Py_BEGIN_ALLOW_THREADS
        tro_cancel(t->out);
        Py_END_ALLOW_THREADS
        close(t->out_fd);
        tracer_free(t);
        return -1;
    }
    return 0;
}

int tr_active(void)
{
    return tr != NULL;
}

static void remove_hooks(void)
{
#if PY_VERSION_HEX >= 0x030C0000
    tr_mon_stop();
#else
    /* Other threads remove their own callback at their next event. */
    PyEval_SetProfile(NULL, NULL);
#endif
}

int tr_stop(tr_summary *out)
{
    if (!tr)
        return 0;
    tracer *t = tr;
    remove_hooks();
    /* Every thread's frames still running end now, then the thread. */
    for (tr_thread *th = t->threads; th; th = th->next) {
        while (th->depth || th->lost)
            tr_leave(th);
        record(TRO_THREAD_STOP, th->tid);
    }
    uint64_t end = stamp_now(&t->clock);
    tr = NULL;
    t->sum.duration_us = (stamp_monotonic_ns() - t->clock.ns0) / 1000;
    if (out)
        *out = t->sum;
    int rc = 0;
    char msg[600];
    msg[0] = '\0';
    struct stat st;
    int ours = fstat(t->out_fd, &st) == 0 && st.st_dev == t->out_dev && st.st_ino == t->out_ino;
    if (!ours) {
        /* The writer is abandoned: its events must not land in a file of
         * the program's that took over the descriptor number. */
        snprintf(msg, sizeof msg, "the program closed the trace's file descriptor; "
                 "the trace is lost");
        rc = -1;
        Py_BEGIN_ALLOW_THREADS
        tro_cancel(t->out);
        Py_END_ALLOW_THREADS
    } else {
        char err[512];
        int crc;
        Py_BEGIN_ALLOW_THREADS
        crc = tro_close(t->out, end, err, sizeof err);
        Py_END_ALLOW_THREADS
        close(t->out_fd);
        if (crc != 0) {
            snprintf(msg, sizeof msg, "%s", err);
            rc = -1;
        }
    }
    tracer_free(t);
    if (rc != 0)
        PyErr_Format(PyExc_OSError, "mojo-record: %s", msg);
    return rc;
}

void tr_forget(void)
{
    if (!tr)
        return;
    tracer *t = tr;
    tr = NULL;
    remove_hooks();
    /* The parent writes its trace: the child's copy writes nothing and
     * leaves the parent's descriptor alone (its writer thread did not
     * survive the fork). */
    tro_abandon(t->out);
    close(t->out_fd);
    tracer_free(t);
}
