/* An interned stack table for aggregating writers and transforms.
 *
 * A stack is a root-first sequence of frames plus the labels that tell
 * samples apart (pid, iid, thread, GC flag; which of them count is chosen
 * at creation). Adding a sample finds or creates its stack and sums the
 * sample's metrics into one of the stack's totals slots, so memory grows
 * with distinct stacks, never with samples. Several slots let a diff put
 * two profiles in one table and compare them stack by stack.
 *
 * Frames are re-interned into the table's own mojo_frames, so stacks stay
 * valid after the readers that produced the samples are gone, and frame
 * ids are dense over the frames actually used.
 *
 *   mojo_stacks *s = mojo_stacks_new(MOJO_STACKS_BY_ALL, 1);
 *   ... mojo_stacks_add(s, &ev.u.sample, 0) for each sample ...
 *   for (size_t i = 0; i < mojo_stacks_count(s); i++) {
 *       const mojo_stack *st = mojo_stacks_get(s, i);
 *       const mojo_stack_totals *t = mojo_stacks_totals(s, i, 0);
 *   }
 */
#ifndef MOJO_STACKS_H
#define MOJO_STACKS_H

#include "internal.h"

/* Which labels, besides the frames, tell stacks apart. Labels left out are
 * taken from the first sample of the stack. */
#define MOJO_STACKS_BY_PID    0x1u
#define MOJO_STACKS_BY_IID    0x2u
#define MOJO_STACKS_BY_THREAD 0x4u  /* tid and thread name */
#define MOJO_STACKS_BY_GC     0x8u  /* the MOJO_SAMPLE_GC flag */
#define MOJO_STACKS_BY_ALL    0xfu

/* Sums over the samples of one stack. */
typedef struct mojo_stack_totals {
    uint64_t samples;   /* how many samples were added */
    int64_t time;       /* wall time: every time metric, µs */
    int64_t cpu;        /* time of the samples not flagged idle, µs */
    int64_t memory;     /* signed sum of memory deltas, bytes */
    int64_t alloc;      /* sum of the positive memory deltas */
    int64_t dealloc;    /* sum of the negated negative deltas */
} mojo_stack_totals;

typedef struct mojo_stack {
    int64_t pid, iid;
    uint64_t tid;
    mojo_str thread_name;   /* len 0 when the thread has no name */
    unsigned flags;         /* MOJO_SAMPLE_GC when keyed by GC, else 0 */
    const uint32_t *frames; /* ids in mojo_stacks_frames(), root first */
    size_t nframes;
} mojo_stack;

typedef struct mojo_stacks mojo_stacks;

/* nslots: number of totals per stack (1 for a writer, 2 for a diff). */
MOJO_HIDDEN mojo_stacks *mojo_stacks_new(unsigned key, unsigned nslots);
MOJO_HIDDEN void mojo_stacks_free(mojo_stacks *s);

/* Add one sample's metrics to slot of its stack. MOJO_OK, or MOJO_ERROR when
 * out of memory or a cap is reached (see mojo_stacks_error). */
MOJO_HIDDEN int mojo_stacks_add(mojo_stacks *s, const mojo_sample *sample,
                                unsigned slot);
/* What made the last call fail: MOJO_E_NOMEM or MOJO_E_LIMIT. */
MOJO_HIDDEN mojo_error_code mojo_stacks_error(const mojo_stacks *s);

/* Stacks in the order they were first seen, 0 .. count-1. The pointers
 * stay valid until the next mojo_stacks_add. */
MOJO_HIDDEN size_t mojo_stacks_count(const mojo_stacks *s);
MOJO_HIDDEN const mojo_stack *mojo_stacks_get(const mojo_stacks *s, size_t i);
MOJO_HIDDEN const mojo_stack_totals *mojo_stacks_totals(const mojo_stacks *s,
                                                        size_t i, unsigned slot);
/* Sum over every stack of one slot. */
MOJO_HIDDEN mojo_stack_totals mojo_stacks_grand_total(const mojo_stacks *s,
                                                      unsigned slot);
/* Which MOJO_METRIC_* and MOJO_SAMPLE_* flags any added sample carried. */
MOJO_HIDDEN unsigned mojo_stacks_metrics(const mojo_stacks *s);
MOJO_HIDDEN unsigned mojo_stacks_flags(const mojo_stacks *s);

/* The table's own frames, indexed by the ids in mojo_stack.frames. */
MOJO_HIDDEN const mojo_frames *mojo_stacks_frames(const mojo_stacks *s);

/* ------------------------------------------- what an aggregate reports */

/* The values a profile of the stacks carries, by mode. */
typedef enum mojo_value_kind {
    MOJO_VALUE_CPU,      /* "CPU time": time when not idle, µs */
    MOJO_VALUE_WALL,     /* "Wall time": all time, µs */
    MOJO_VALUE_ALLOC,    /* "Allocated memory": positive deltas, bytes */
    MOJO_VALUE_DEALLOC   /* "Deallocated memory": negated negative deltas */
} mojo_value_kind;
#define MOJO_VALUE_KINDS 4

/* What the metadata says about the whole profile. */
typedef struct mojo_profile_info {
    char mode[8];        /* "wall", "cpu", "memory", "full" or "" */
    int64_t interval;    /* µs, -1 when unknown */
    int64_t duration;    /* µs, -1 when unknown */
} mojo_profile_info;

MOJO_HIDDEN void mojo_profile_info_init(mojo_profile_info *pi);
/* Take note of one metadata event. */
MOJO_HIDDEN void mojo_profile_info_note(mojo_profile_info *pi,
                                        const mojo_str *key,
                                        const mojo_str *value);

/* The values to report, in order: wall: WALL; cpu: CPU; memory: ALLOC,
 * DEALLOC; full: CPU, WALL, ALLOC, DEALLOC. The mode metadata decides
 * unless it is missing or contradicts the metrics the samples carried
 * (metrics: mojo_stacks_metrics), in which case the metrics decide.
 * Returns the count; *mode gets the mode used. */
MOJO_HIDDEN size_t mojo_value_kinds(const mojo_profile_info *pi,
                                    unsigned metrics,
                                    mojo_value_kind kinds[MOJO_VALUE_KINDS],
                                    const char **mode);
MOJO_HIDDEN int64_t mojo_value_of(const mojo_stack_totals *t, mojo_value_kind k);
/* "CPU time", "Wall time", "Allocated memory", "Deallocated memory". */
MOJO_HIDDEN const char *mojo_value_name(mojo_value_kind k);
MOJO_HIDDEN bool mojo_value_is_time(mojo_value_kind k);

/* ------------------------------------------------ aggregating writers */

/* What every aggregating writer keeps: the stacks and the profile info. */
typedef struct mojo_aggregate {
    mojo_stacks *stacks;
    mojo_profile_info info;
} mojo_aggregate;

/* MOJO_OK, or MOJO_ERROR after failing the writer. */
MOJO_HIDDEN int mojo_aggregate_init(mojo_writer *w, mojo_aggregate *a);
/* Note metadata, add samples; MOJO_ERROR after failing the writer. */
MOJO_HIDDEN int mojo_aggregate_event(mojo_writer *w, mojo_aggregate *a,
                                     const mojo_event *ev);
MOJO_HIDDEN void mojo_aggregate_free(mojo_aggregate *a);

#endif
