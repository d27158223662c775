/* Walking a thread's interpreter-frame chain into interned MOJO frames.
 *
 * The walker never takes the GIL: it copies each frame and code object with
 * vm_read, checks its type, and resolves a code object (file, qualified
 * name, location table) the first time it sees it. Resolved code objects are
 * cached by address and checked against the object on every use, so a code
 * object freed and replaced at the same address is resolved again.
 */
#ifndef RECORDER_WALKER_H
#define RECORDER_WALKER_H

#include "mojo.h"
#include "pyread.h"

#include <stddef.h>
#include <stdint.h>

/* Deepest stack recorded; deeper stacks keep their innermost frames and get
 * an invalid frame at the root (the chain may also be a torn loop). */
#define WALK_MAX_DEPTH 1024

typedef struct walker walker;

typedef struct walk_result {
    const mojo_frame *frames[WALK_MAX_DEPTH + 1];  /* root first */
    size_t nframes;
    int error;          /* a read failed: frames[0] is the invalid frame
                           (no frames at all when nothing was readable) */
} walk_result;

walker *walker_new(mojo_frames *table);
void walker_free(walker *w);

/* Frames of this code object, and all their callers, are left out of every
 * stack: the launcher's own frames (runpy) below the program. 0: none. */
void walker_set_boundary(walker *w, uintptr_t code);

/* Walk a thread from its innermost frame. Always fills out (possibly with
 * no frames); returns 0, or -1 when out of memory. */
int walker_walk(walker *w, const py_thread_view *tv, walk_result *out);

/* Counters for the end-of-run metadata and tests. */
typedef struct walker_stats {
    uint64_t code_resolved;   /* code objects read in full */
    uint64_t frames_interned; /* (code, instruction) pairs resolved */
} walker_stats;
void walker_get_stats(const walker *w, walker_stats *st);

#endif
