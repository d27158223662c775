/* Filtering and merging profiles (mojofilter), as transforms between a
 * reader and a writer that keep the stream flowing: a filter decides per
 * sample and may shorten its frame list; a merge joins several inputs'
 * streams into one writer, optionally summing equal stacks.
 *
 *   mojo_filter *f = mojo_filter_new(&fo, &err);
 *   mojo_merge *m = mojo_merge_new(w, &mo);
 *   for each input: mojo_filter_begin_input(f); mojo_merge_begin_input(m, name);
 *       while (mojo_reader_next(r, &ev) == MOJO_OK)
 *           if ((rc = mojo_filter_event(f, &ev)) == MOJO_OK) mojo_merge_event(m, &ev);
 *   mojo_merge_finish(m);
 *
 * Frames are matched as "file:function:line", as Austin text shows them,
 * with POSIX extended regular expressions. */
#ifndef MOJO_FILTER_H
#define MOJO_FILTER_H

#include "internal.h"

typedef struct mojo_filter_options {
    const int64_t *pids;          /* keep these processes (none: all) */
    size_t npids;
    const int64_t *iids;          /* keep these interpreters */
    size_t niids;
    const char *const *threads;   /* keep these threads: a decimal id, a
                                     0x hex id, or a thread name */
    size_t nthreads;
    const char *const *focus;     /* keep samples through a matching frame */
    size_t nfocus;
    const char *const *ignore;    /* drop samples through a matching frame */
    size_t nignore;
    const char *const *hide;      /* remove matching frames */
    size_t nhide;
    const char *const *root;      /* re-root at the first matching frame,
                                     dropping samples without one */
    size_t nroot;
    bool no_idle;                 /* drop samples flagged idle */
    bool gc_only;                 /* keep samples taken during GC */
    int64_t from, to;             /* time window, µs from the start of each
                                     input; -1: open */
} mojo_filter_options;

MOJO_HIDDEN void mojo_filter_options_init(mojo_filter_options *o);

typedef struct mojo_filter mojo_filter;

/* NULL with *err filled on a bad regex or a bad thread, or out of memory. */
MOJO_HIDDEN mojo_filter *mojo_filter_new(const mojo_filter_options *o,
                                         mojo_error *err);
MOJO_HIDDEN void mojo_filter_free(mojo_filter *f);
/* A new input starts: its clock starts at 0. name is used in errors. */
MOJO_HIDDEN void mojo_filter_begin_input(mojo_filter *f, const char *name);
/* MOJO_OK: pass the event on (a sample's frames may now point into the
 * filter, valid until the next call); MOJO_END: drop it; MOJO_ERROR: see
 * mojo_filter_error (a time window on an input without a clock). */
MOJO_HIDDEN int mojo_filter_event(mojo_filter *f, mojo_event *ev);
MOJO_HIDDEN const mojo_error *mojo_filter_error(const mojo_filter *f);
/* Samples seen and passed since the filter was made. */
MOJO_HIDDEN void mojo_filter_counts(const mojo_filter *f, uint64_t *seen,
                                    uint64_t *kept);

/* ------------------------------------------------------------- merging */

typedef struct mojo_merge_options {
    bool aggregate;  /* sum equal stacks; written when finishing */
    bool defer;      /* hold metadata after the samples (footers) for the
                        end: needed with several inputs or aggregate */
} mojo_merge_options;

typedef struct mojo_merge mojo_merge;

/* The merge writes into w (not closed by the merge). NULL when out of
 * memory. */
MOJO_HIDDEN mojo_merge *mojo_merge_new(mojo_writer *w,
                                       const mojo_merge_options *o);
MOJO_HIDDEN void mojo_merge_free(mojo_merge *m);
MOJO_HIDDEN int mojo_merge_begin_input(mojo_merge *m, const char *name);
/* MOJO_OK or MOJO_ERROR (mojo_merge_error: the writer's or a mode that
 * does not match the first input's). */
MOJO_HIDDEN int mojo_merge_event(mojo_merge *m, const mojo_event *ev);
/* Write what was held: summed stacks, then the footers. */
MOJO_HIDDEN int mojo_merge_finish(mojo_merge *m);
MOJO_HIDDEN const mojo_error *mojo_merge_error(const mojo_merge *m);

#endif
