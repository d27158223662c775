/* Per-thread timelines for the Speedscope writer's evented profiles.
 *
 * A sample with a timestamp says that its stack was current on its thread
 * from timestamp to timestamp + time. A thread's samples, in input order,
 * become frame open ("O") and close ("C") events: at each sample's
 * timestamp the frames that left the stack close (innermost first) and
 * those that entered open (outermost first); where a sample starts after
 * the previous one ended, everything closes at the previous end; at the
 * end, what is still open closes where the last sample ended. So the time
 * a frame stays open is exactly the sum of the times of the samples
 * through it, counted once per occurrence in their stacks.
 *
 * A thread is evented only if every one of its samples has a timestamp
 * and a time metric, and the samples with a positive time come in time
 * order without overlapping: one sample starting before the previous one
 * ended cannot be drawn without changing some totals. Such a thread is
 * dropped from the timeline (its events are forgotten) and the writer
 * gives it a sampled profile instead, whose totals stay exact. Samples of
 * time 0 are ignored: they weigh nothing.
 *
 * Events are not held in memory: each thread buffers up to a chunk of
 * them, then appends the chunk to one temporary file (tmpfile()), chunks
 * of one thread linked from first to last. Memory grows with threads,
 * distinct frames and stack depth, never with samples.
 *
 * Frames are interned in the timeline's own table; the writer maps the
 * stack table's frames into it (mojo_timeline_frame_id), so one list of
 * shared frames serves both kinds of profile. */
#ifndef MOJO_SPEEDSCOPE_EVENTS_H
#define MOJO_SPEEDSCOPE_EVENTS_H

#include "internal.h"
#include "stacks.h"

typedef struct mojo_timeline mojo_timeline;

/* NULL when out of memory. */
MOJO_HIDDEN mojo_timeline *mojo_timeline_new(void);
MOJO_HIDDEN void mojo_timeline_free(mojo_timeline *t);

/* Take note of one sample. MOJO_OK, or MOJO_ERROR with
 * mojo_timeline_error telling why (MOJO_E_NOMEM, MOJO_E_IO, MOJO_E_LIMIT);
 * after an error the timeline must not be used. */
MOJO_HIDDEN int mojo_timeline_add(mojo_timeline *t, const mojo_sample *s);
MOJO_HIDDEN mojo_error_code mojo_timeline_error(const mojo_timeline *t);
/* errno of the last MOJO_E_IO. */
MOJO_HIDDEN int mojo_timeline_errno(const mojo_timeline *t);

/* The thread of st (by pid, iid, tid and thread name) when it has an
 * evented profile of value k, else -1. Only WALL and CPU can be evented;
 * CPU only for threads without idle samples (their CPU time is 0). A
 * thread whose samples all had time 0 has no profile either way. */
MOJO_HIDDEN ptrdiff_t mojo_timeline_find(const mojo_timeline *t,
                                         const mojo_stack *st,
                                         mojo_value_kind k);
/* Whether any thread has an evented profile of value k. */
MOJO_HIDDEN bool mojo_timeline_any(const mojo_timeline *t, mojo_value_kind k);

/* The frames the events refer to. */
MOJO_HIDDEN const mojo_frames *mojo_timeline_frames(const mojo_timeline *t);
/* The id in mojo_timeline_frames of a frame from any table (interned when
 * new). false when out of memory. */
MOJO_HIDDEN bool mojo_timeline_frame_id(mojo_timeline *t, const mojo_frame *f,
                                        uint32_t *id);

/* Write "startValue":S,"endValue":E,"events":[...] for a thread found by
 * mojo_timeline_find. gc_frame is the index of the GC marker frame, which
 * samples flagged MOJO_SAMPLE_GC have as their leaf. MOJO_OK or
 * MOJO_ERROR: an output error (see the output), or a read error of the
 * temporary file (mojo_timeline_error). */
MOJO_HIDDEN int mojo_timeline_write(mojo_timeline *t, size_t thread,
                                    uint32_t gc_frame, mojo_output *o);

#endif
