/* Views of CPython's interpreter structures, copied with vm_read.
 *
 * pyread.c is the only file compiled against CPython's internal headers
 * (Py_BUILD_CORE), so the layouts are those of the Python the recorder is
 * built for; everything else works on these plain views. Every function
 * returns 0 on success and -1 when a read failed or what was read is not the
 * expected object (a structure torn or freed while we looked).
 */
#ifndef RECORDER_PYREAD_H
#define RECORDER_PYREAD_H

#include <stddef.h>
#include <stdint.h>

typedef struct py_interp_view {
    uintptr_t next;          /* next interpreter, 0 at the end */
    int64_t id;
    uintptr_t threads_head;  /* first PyThreadState */
} py_interp_view;

typedef struct py_thread_view {
    uintptr_t next;          /* next PyThreadState of the interpreter */
    uint64_t native_tid;
    uintptr_t top_frame;     /* innermost _PyInterpreterFrame, 0 if none */
    uintptr_t stack_lo, stack_hi;  /* the frames of the current data-stack
                                      chunk lie in [lo, hi) */
} py_thread_view;

typedef struct py_frame_view {
    uintptr_t previous;      /* caller's frame */
    uintptr_t code;          /* the code object (3.13: f_executable) */
    intptr_t instr_offset;   /* bytes from the start of the bytecode */
    int shim;                /* a C-stack entry frame: not Python code */
    int generator;           /* owned by a generator or coroutine */
} py_frame_view;

typedef struct py_code_view {
    uintptr_t filename, qualname, linetable;  /* str, str, bytes */
    int firstlineno;
    int firsttraceable;      /* code units before the first traceable one */
} py_code_view;

/* The first interpreter of the runtime. */
int pyr_first_interp(uintptr_t *interp);
int pyr_interp_read(uintptr_t addr, py_interp_view *out);
/* The thread state that holds this interpreter's GIL, or held it last. */
int pyr_gil_holder(uintptr_t interp, uintptr_t *tstate);
int pyr_thread_read(uintptr_t addr, py_thread_view *out);
int pyr_frame_read(uintptr_t addr, py_frame_view *out);
/* -2 when the object is None (3.13 frames that run no code), -1 when it
 * is anything else that is not a code object. */
int pyr_code_read(uintptr_t addr, py_code_view *out);
/* Code objects in one go: codes[i] read into out[i], ok[i] says whether it
 * is a code object (1), None (2: skip the frame) or unreadable (0). */
void pyr_code_read_many(const uintptr_t *codes, size_t n, py_code_view *out,
                        unsigned char *ok);

/* Until pyr_window_clear, frame reads that fall inside [lo, lo + len) are
 * served from `copy` (a copy of that memory made with one read). For the
 * calling thread only. */
void pyr_window_set(const void *copy, uintptr_t lo, size_t len);
void pyr_window_clear(void);

/* A str as UTF-8 in buf (NUL-terminated, at most cap-1 bytes, cut at a
 * character boundary); *len gets the byte length. */
int pyr_str_read(uintptr_t addr, char *buf, size_t cap, size_t *len);
/* A bytes object's contents: at most cap bytes. -1 if longer than cap. */
int pyr_bytes_read(uintptr_t addr, unsigned char *buf, size_t cap, size_t *len);

/* The code-unit size, to turn instr_offset into an index. */
size_t pyr_code_unit(void);
/* PY_VERSION of the headers the recorder was built with. */
const char *pyr_built_version(void);
unsigned long pyr_built_hexversion(void);

#endif
