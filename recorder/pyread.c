/* Interpreter structure views, built with CPython's own internal headers.
 * Supports 3.11, 3.12 and 3.13; the differences are marked by version. */
#define Py_BUILD_CORE 1
#include <Python.h>
#if PY_VERSION_HEX < 0x030B0000 || PY_VERSION_HEX >= 0x030E0000
#error "the frame walker knows CPython 3.11 to 3.13"
#endif
#include "internal/pycore_code.h"
#include "internal/pycore_frame.h"
#include "internal/pycore_interp.h"
#include "internal/pycore_runtime.h"
#if PY_VERSION_HEX < 0x030C0000
#include "internal/pycore_gil.h"
#endif

#include "pyread.h"
#include "vmread.h"

#include <string.h>

#define READ(addr, obj) vm_read(&(obj), (uintptr_t)(addr), sizeof(obj))

static _Thread_local const unsigned char *win_copy;
static _Thread_local uintptr_t win_lo;
static _Thread_local size_t win_len;

void pyr_window_set(const void *copy, uintptr_t lo, size_t len)
{
    win_copy = copy;
    win_lo = lo;
    win_len = len;
}

void pyr_window_clear(void)
{
    win_copy = NULL;
    win_len = 0;
}

/* A read served from the window when it lies inside it. */
static int read_windowed(void *dst, uintptr_t addr, size_t len)
{
    if (win_copy && addr >= win_lo && addr - win_lo <= win_len && len <= win_len - (addr - win_lo)) {
        memcpy(dst, win_copy + (addr - win_lo), len);
        return 0;
    }
    return vm_read(dst, addr, len);
}

int pyr_first_interp(uintptr_t *interp)
{
    PyInterpreterState *head = NULL;
    if (READ(&_PyRuntime.interpreters.head, head) != 0 || head == NULL)
        return -1;
    *interp = (uintptr_t)head;
    return 0;
}

/* PyInterpreterState is large (100-400 KB): read only the span holding
 * the three fields we use, which lie close together in every version. */
#define FIELD_END(f) (offsetof(PyInterpreterState, f) + sizeof(((PyInterpreterState *)0)->f))
#define MIN3(a, b, c) ((a) < (b) ? ((a) < (c) ? (a) : (c)) : ((b) < (c) ? (b) : (c)))
#define MAX3(a, b, c) ((a) > (b) ? ((a) > (c) ? (a) : (c)) : ((b) > (c) ? (b) : (c)))
#define INTERP_LO MIN3(offsetof(PyInterpreterState, next), offsetof(PyInterpreterState, id), \
                       offsetof(PyInterpreterState, threads.head))
#define INTERP_HI MAX3(FIELD_END(next), FIELD_END(id), FIELD_END(threads.head))
_Static_assert(INTERP_HI - INTERP_LO <= 1024, "interpreter fields are far apart");

int pyr_interp_read(uintptr_t addr, py_interp_view *out)
{
    unsigned char span[INTERP_HI - INTERP_LO];
    PyInterpreterState *next;
    PyThreadState *head;
    if (vm_read(span, addr + INTERP_LO, sizeof span) != 0)
        return -1;
    memcpy(&next, span + offsetof(PyInterpreterState, next) - INTERP_LO, sizeof next);
    memcpy(&out->id, span + offsetof(PyInterpreterState, id) - INTERP_LO, sizeof out->id);
    memcpy(&head, span + offsetof(PyInterpreterState, threads.head) - INTERP_LO, sizeof head);
    out->next = (uintptr_t)next;
    out->threads_head = (uintptr_t)head;
    return 0;
}

int pyr_gil_holder(uintptr_t interp, uintptr_t *tstate)
{
    /* The thread that holds the GIL or held it last: the one that most
     * likely grew the memory since the previous sample. */
#if PY_VERSION_HEX < 0x030C0000
    (void)interp;   /* 3.11: one GIL for the runtime */
    uintptr_t holder = 0;
    if (READ(&_PyRuntime.ceval.gil.last_holder._value, holder) != 0)
        return -1;
#else
    struct _gil_runtime_state *gil = NULL;
    PyInterpreterState *is = (PyInterpreterState *)interp;
    if (READ(&is->ceval.gil, gil) != 0 || gil == NULL)
        return -1;
#if PY_VERSION_HEX < 0x030D0000
    uintptr_t holder = 0;
    if (READ(&gil->last_holder._value, holder) != 0)
        return -1;
#else
    PyThreadState *last = NULL;
    if (READ(&gil->last_holder, last) != 0)
        return -1;
    uintptr_t holder = (uintptr_t)last;
#endif
#endif
    *tstate = holder;
    return 0;
}

int pyr_thread_read(uintptr_t addr, py_thread_view *out)
{
    PyThreadState ts;
    if (READ(addr, ts) != 0)
        return -1;
    out->next = (uintptr_t)ts.next;
    out->native_tid = (uint64_t)ts.native_thread_id;
#if PY_VERSION_HEX < 0x030D0000
    /* 3.11, 3.12: the frame hangs off the current C frame record. */
    _PyCFrame cf;
    out->top_frame = 0;
    if (ts.cframe != NULL) {
        if (READ(ts.cframe, cf) != 0)
            return -1;
        out->top_frame = (uintptr_t)cf.current_frame;
    }
#else
    out->top_frame = (uintptr_t)ts.current_frame;
#endif
    out->stack_lo = out->stack_hi = 0;
    if (ts.datastack_chunk != NULL && ts.datastack_top != NULL) {
        out->stack_lo = (uintptr_t)ts.datastack_chunk + offsetof(_PyStackChunk, data);
        out->stack_hi = (uintptr_t)ts.datastack_top;
        if (out->stack_hi < out->stack_lo)
            out->stack_lo = out->stack_hi = 0;
    }
    return 0;
}

int pyr_frame_read(uintptr_t addr, py_frame_view *out)
{
    _PyInterpreterFrame f;
    if (read_windowed(&f, addr, sizeof f) != 0)
        return -1;
    out->previous = (uintptr_t)f.previous;
#if PY_VERSION_HEX < 0x030D0000
    uintptr_t code = (uintptr_t)f.f_code;
    uintptr_t instr = (uintptr_t)f.prev_instr;
#else
    uintptr_t code = (uintptr_t)f.f_executable;
    uintptr_t instr = (uintptr_t)f.instr_ptr;
#endif
    out->code = code;
    out->instr_offset = (intptr_t)(instr - (code + offsetof(PyCodeObject, co_code_adaptive)));
#if PY_VERSION_HEX >= 0x030C0000
    out->shim = f.owner == FRAME_OWNED_BY_CSTACK;
#else
    out->shim = 0;
#endif
    out->generator = f.owner == FRAME_OWNED_BY_GENERATOR;
    return 0;
}

/* 0: code object; -2: None; -1: anything else. */
static int code_view(const PyCodeObject *co, py_code_view *out)
{
    if (Py_TYPE(co) != &PyCode_Type)
        return Py_TYPE(co) == Py_TYPE(Py_None) ? -2 : -1;
    out->filename = (uintptr_t)co->co_filename;
    out->qualname = (uintptr_t)co->co_qualname;
    out->linetable = (uintptr_t)co->co_linetable;
    out->firstlineno = co->co_firstlineno;
    out->firsttraceable = co->_co_firsttraceable;
    return 0;
}

int pyr_code_read(uintptr_t addr, py_code_view *out)
{
    PyCodeObject co;
    if (READ(addr, co) != 0)
        return -1;
    return code_view(&co, out);
}

#define CODE_BATCH 64

void pyr_code_read_many(const uintptr_t *codes, size_t n, py_code_view *out,
                        unsigned char *ok)
{
    PyCodeObject buf[CODE_BATCH];
    unsigned char got[CODE_BATCH];
    for (size_t base = 0; base < n; base += CODE_BATCH) {
        size_t k = n - base < CODE_BATCH ? n - base : CODE_BATCH;
        vm_read_many(buf, codes + base, k, sizeof buf[0], got);
        for (size_t j = 0; j < k; j++) {
            int rc = got[j] ? code_view(&buf[j], &out[base + j]) : -1;
            ok[base + j] = rc == 0 ? 1 : rc == -2 ? 2 : 0;
        }
    }
}

/* Append code point cp as UTF-8; 0 when it does not fit. Lone surrogates
 * (possible in file names decoded with surrogateescape) become U+FFFD. */
static int put_utf8(char *buf, size_t cap, size_t *n, uint32_t cp)
{
    unsigned char tmp[4];
    size_t k;
    if (cp >= 0xD800 && cp <= 0xDFFF)
        cp = 0xFFFD;
    if (cp < 0x80) {
        tmp[0] = (unsigned char)cp; k = 1;
    } else if (cp < 0x800) {
        tmp[0] = (unsigned char)(0xC0 | (cp >> 6));
        tmp[1] = (unsigned char)(0x80 | (cp & 0x3F)); k = 2;
    } else if (cp < 0x10000) {
        tmp[0] = (unsigned char)(0xE0 | (cp >> 12));
        tmp[1] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[2] = (unsigned char)(0x80 | (cp & 0x3F)); k = 3;
    } else {
        if (cp > 0x10FFFF)
            cp = 0xFFFD;
        tmp[0] = (unsigned char)(0xF0 | (cp >> 18));
        tmp[1] = (unsigned char)(0x80 | ((cp >> 12) & 0x3F));
        tmp[2] = (unsigned char)(0x80 | ((cp >> 6) & 0x3F));
        tmp[3] = (unsigned char)(0x80 | (cp & 0x3F)); k = 4;
    }
    if (*n + k >= cap)
        return 0;
    memcpy(buf + *n, tmp, k);
    *n += k;
    return 1;
}

/* Longest string we copy (code file and function names); longer ones are cut. */
#define STR_MAX_CHARS 4096

int pyr_str_read(uintptr_t addr, char *buf, size_t cap, size_t *len)
{
    PyCompactUnicodeObject head;   /* PyASCIIObject is its first member */
    PyASCIIObject *ascii = &head._base;
    unsigned char data[STR_MAX_CHARS * 4];
    uintptr_t data_addr;

    if (cap == 0 || READ(addr, head) != 0 || Py_TYPE(ascii) != &PyUnicode_Type)
        return -1;
    Py_ssize_t n = ascii->length;
    unsigned kind = ascii->state.kind;
    if (n < 0 || (kind != 1 && kind != 2 && kind != 4))
        return -1;
    if (n > STR_MAX_CHARS)
        n = STR_MAX_CHARS;
    if (ascii->state.compact) {
        data_addr = addr + (ascii->state.ascii ? sizeof(PyASCIIObject)
                                               : sizeof(PyCompactUnicodeObject));
    } else {
        /* A legacy string keeps its characters in a separate block. */
        PyUnicodeObject full;
        if (READ(addr, full) != 0 || full.data.any == NULL)
            return -1;
        data_addr = (uintptr_t)full.data.any;
    }
    if (vm_read(data, data_addr, (size_t)n * kind) != 0)
        return -1;

    size_t used = 0;
    for (Py_ssize_t i = 0; i < n; i++) {
        uint32_t cp;
        if (kind == 1) {
            cp = data[i];
        } else if (kind == 2) {
            uint16_t u; memcpy(&u, data + 2 * i, 2); cp = u;
        } else {
            uint32_t u; memcpy(&u, data + 4 * i, 4); cp = u;
        }
        if (!put_utf8(buf, cap, &used, cp))
            break;
    }
    buf[used] = '\0';
    *len = used;
    return 0;
}

int pyr_bytes_read(uintptr_t addr, unsigned char *buf, size_t cap, size_t *len)
{
    PyBytesObject head;
    if (READ(addr, head) != 0 || Py_TYPE(&head) != &PyBytes_Type)
        return -1;
    Py_ssize_t n = Py_SIZE(&head);
    if (n < 0 || (size_t)n > cap)
        return -1;
    if (vm_read(buf, addr + offsetof(PyBytesObject, ob_sval), (size_t)n) != 0)
        return -1;
    *len = (size_t)n;
    return 0;
}

size_t pyr_code_unit(void)
{
    return sizeof(_Py_CODEUNIT);
}

const char *pyr_built_version(void)
{
    return PY_VERSION;
}

unsigned long pyr_built_hexversion(void)
{
    return PY_VERSION_HEX;
}
