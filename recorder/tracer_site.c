/* Call sites for CallerLine: where the calling Python frame stands. The
 * interpreter's frame records are read directly (this file alone of the
 * tracer is compiled against CPython's internal headers, like pyread.c
 * for the sampler): PyFrame_GetBack would make a frame object per call on
 * 3.12+, and PyFrame_GetLineNumber walk the line table each time. */
#include "config.h"
#define Py_BUILD_CORE 1
#include <Python.h>
#include "internal/pycore_code.h"
#include "internal/pycore_frame.h"

#include "tracer_int.h"

static PyCodeObject *frame_code(_PyInterpreterFrame *f)
{
#if PY_VERSION_HEX >= 0x030D0000
    return PyCode_Check(f->f_executable) ? (PyCodeObject *)f->f_executable : NULL;
#else
    return f->f_code;
#endif
}

/* The first frame from f on that runs Python code (not a C-stack entry,
 * not one still setting up). */
static _PyInterpreterFrame *complete(_PyInterpreterFrame *f)
{
    for (; f; f = f->previous) {
#if PY_VERSION_HEX >= 0x030C0000
        if (f->owner == FRAME_OWNED_BY_CSTACK)
            continue;
#endif
        if (frame_code(f) && !_PyFrame_IsIncomplete(f))
            return f;
    }
    return NULL;
}

static int site(_PyInterpreterFrame *f, tr_site *out)
{
    if (!f)
        return -1;
    out->code = frame_code(f);
    out->unit = _PyInterpreterFrame_LASTI(f);
    return 0;
}

int tr_site_below(PyFrameObject *callee, tr_site *out)
{
    _PyInterpreterFrame *f;
    if (callee) {
        f = callee->f_frame;
    } else {                    /* a callback runs in its callee's frame */
        PyThreadState *ts = PyThreadState_Get();
#if PY_VERSION_HEX >= 0x030D0000
        f = ts->current_frame;
#else
        f = ts->cframe ? ts->cframe->current_frame : NULL;
#endif
    }
    return site(f ? complete(f->previous) : NULL, out);
}

int tr_site_of(PyFrameObject *frame, tr_site *out)
{
    return site(complete(frame->f_frame), out);
}
