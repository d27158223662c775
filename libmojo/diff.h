/* Comparing two profiles for regression gating (mojodiff).
 *
 * Samples of the base (side 0) and the new profile (side 1) go into an
 * interned stack table each; computing the report normalizes frames
 * (native addresses, optionally line numbers), merges the stacks of both,
 * sums each function's inclusive and self totals and tests every change
 * for significance on sample counts (docs/mojodiff.md says which tests and
 * why).
 *
 *   mojo_diff *d = mojo_diff_new(&opts, &err);
 *   mojo_diff_read_both(d, base_reader, new_reader);
 *   const mojo_diff_report *rep = mojo_diff_compute(d);
 *   ... rep->regression, rep->regressions[i]->inclusive.p_value ...
 *   mojo_diff_free(d);
 */
#ifndef MOJO_DIFF_H
#define MOJO_DIFF_H

#include "internal.h"

#define MOJO_DIFF_DEFAULT_THRESHOLD 5.0  /* points of share */
#define MOJO_DIFF_DEFAULT_ALPHA 0.01     /* family-wise error rate */
#define MOJO_DIFF_DEFAULT_RANKED 100     /* stacks ranked by their change */

typedef enum mojo_diff_metric {
    MOJO_DIFF_METRIC_AUTO = 0, /* by mode: wall and full: time; cpu: cpu;
                                  memory: alloc */
    MOJO_DIFF_METRIC_SAMPLES,  /* sample counts */
    MOJO_DIFF_METRIC_TIME,     /* wall time, µs */
    MOJO_DIFF_METRIC_CPU,      /* time of the samples not idle, µs */
    MOJO_DIFF_METRIC_ALLOC,    /* positive memory deltas, bytes */
    MOJO_DIFF_METRIC_DEALLOC   /* negated negative memory deltas, bytes */
} mojo_diff_metric;

/* "auto", "samples", "time", "cpu", "alloc", "dealloc". */
MOJO_HIDDEN const char *mojo_diff_metric_name(mojo_diff_metric m);
/* The inverse (also "wall" for time, "memory" for alloc); false if none. */
MOJO_HIDDEN bool mojo_diff_metric_parse(const char *s, mojo_diff_metric *m);

/* A per-function rule from the configuration. */
typedef struct mojo_diff_budget {
    const char *pattern; /* POSIX extended regex over "file:function" */
    double threshold;    /* points for the matching functions; < 0: the
                            global threshold */
    double max_share;    /* the inclusive share (percent of the new total)
                            the function may reach; < 0: no ceiling */
} mojo_diff_budget;

typedef struct mojo_diff_options {
    mojo_diff_metric metric;
    bool absolute;       /* compare values, not shares of the totals */
    bool ignore_lines;   /* stacks: frames compare as file:function */
    bool by_pid;         /* tell processes apart (by order of appearance) */
    bool by_thread;      /* tell threads apart (by order of appearance) */
    double threshold;    /* points: share points, or points of the base
                            total with absolute */
    double alpha;        /* family-wise significance level (Holm) */
    const char *const *ignore; /* regexes over "file:function": never
                                  reported nor tested */
    size_t nignore;
    const mojo_diff_budget *budgets; /* the first match applies */
    size_t nbudgets;
    size_t rank_stacks;  /* how many stacks to rank by their change
                            (default MOJO_DIFF_DEFAULT_RANKED) */
} mojo_diff_options;

MOJO_HIDDEN void mojo_diff_options_init(mojo_diff_options *o);

/* One comparison: of a function's inclusive or self totals, or a stack's. */
typedef struct mojo_diff_measure {
    uint64_t samples[2]; /* sample counts: what the test is based on */
    int64_t value[2];    /* in the metric's unit */
    double share[2];     /* percent of each side's total value */
    double points;       /* share[1] - share[0]; with absolute, the change
                            in percent of the base total */
    double p_value;      /* one-sided in the direction of the change,
                            Holm-adjusted over the family */
} mojo_diff_measure;

typedef enum mojo_diff_class {
    MOJO_DIFF_SAME = 0,
    MOJO_DIFF_REGRESSION,
    MOJO_DIFF_IMPROVEMENT
} mojo_diff_class;

/* What made a function a regression or an improvement. */
typedef enum mojo_diff_reason {
    MOJO_DIFF_BY_NONE = 0,
    MOJO_DIFF_BY_SELF,      /* its own code changed */
    MOJO_DIFF_BY_BUDGET,    /* its share passed its ceiling */
    MOJO_DIFF_BY_INCLUSIVE  /* it and its callees together changed */
} mojo_diff_reason;

typedef struct mojo_diff_function {
    const mojo_frame *frame; /* file and scope; line 0; native frames have
                                file "native" */
    int64_t process, thread; /* ordinals from 1 when told apart, else 0 */
    mojo_diff_measure self, inclusive;
    double threshold;        /* the one that applies to it */
    double max_share;        /* its budget ceiling, or -1 */
    double budget_p;         /* p-value of exceeding the ceiling, or 1 */
    mojo_diff_class cls;
    mojo_diff_reason reason;
} mojo_diff_function;

typedef struct mojo_diff_stack {
    int64_t process, thread;
    const uint32_t *frames;  /* ids in mojo_diff_report.frames, root first */
    size_t nframes;
    mojo_diff_measure m;
} mojo_diff_stack;

typedef struct mojo_diff_side {
    const char *name;
    uint64_t samples;        /* that count for the metric */
    int64_t total;           /* in the metric's unit */
    char mode[8];            /* from the metadata, "" if none */
    int64_t interval;        /* µs, -1 when unknown */
} mojo_diff_side;

typedef struct mojo_diff_report {
    bool regression;                /* the verdict */
    mojo_diff_metric metric;        /* resolved, never AUTO */
    const char *unit;               /* "us", "B" or "samples" */
    bool absolute;
    double threshold, alpha;
    size_t tests;                   /* hypotheses in the Holm family */
    mojo_diff_side side[2];
    const char *warning;            /* e.g. different modes; NULL if none */
    /* Every function, and those that changed, most severe first. */
    const mojo_diff_function *functions;
    size_t nfunctions;
    const mojo_diff_function *const *regressions;
    size_t nregressions;
    const mojo_diff_function *const *improvements;
    size_t nimprovements;
    /* Every stack, in the order first seen, and the largest changes
     * (points either way) first, at most rank_stacks of them. */
    const mojo_diff_stack *stacks;
    size_t nstacks;
    const mojo_diff_stack *const *ranked;
    size_t nranked;
    const mojo_frames *frames;      /* the stacks' frames */
} mojo_diff_report;

typedef struct mojo_diff mojo_diff;

/* NULL with *err filled on a bad regex or when out of memory. */
MOJO_HIDDEN mojo_diff *mojo_diff_new(const mojo_diff_options *o,
                                     mojo_error *err);
MOJO_HIDDEN void mojo_diff_free(mojo_diff *d);

/* Name a side in the report (copied). */
MOJO_HIDDEN int mojo_diff_set_name(mojo_diff *d, unsigned side,
                                   const char *name);
/* Add one event of side 0 (base) or 1 (new). MOJO_OK or MOJO_ERROR. */
MOJO_HIDDEN int mojo_diff_add(mojo_diff *d, unsigned side,
                              const mojo_event *ev);
/* Add every event of r; names the side after r if it has no name yet.
 * MOJO_ERROR on a read error too (the reader's error is copied). */
MOJO_HIDDEN int mojo_diff_read(mojo_diff *d, unsigned side, mojo_reader *r);
/* Read base (side 0) and new (side 1) at once, on two threads: the base's
 * first sample settles the metric, then both run to their ends. */
MOJO_HIDDEN int mojo_diff_read_both(mojo_diff *d, mojo_reader *base,
                                    mojo_reader *new);
/* Compare (once; later calls return the same report). NULL on error. */
MOJO_HIDDEN const mojo_diff_report *mojo_diff_compute(mojo_diff *d);
MOJO_HIDDEN const mojo_error *mojo_diff_error(const mojo_diff *d);

/* ------------------------------------------------------------ outputs */

typedef struct mojo_diff_render {
    bool color;          /* ANSI colours (the table only) */
    size_t top_stacks;   /* ranked stacks listed; 0: none */
    size_t top_functions;/* functions below the bar listed (table and
                            Markdown), the largest change first */
    bool all_functions;  /* JSON: list every function too */
} mojo_diff_render;

/* The terminal table, most severe first. */
MOJO_HIDDEN int mojo_diff_write_table(const mojo_diff_report *r,
                                      const mojo_diff_render *how,
                                      mojo_output *o);
/* {"verdict": "ok"|"regression", "regressions": [...], ...} */
MOJO_HIDDEN int mojo_diff_write_json(const mojo_diff_report *r,
                                     const mojo_diff_render *how,
                                     mojo_output *o);
/* GitHub-flavoured Markdown for a CI summary or a review comment. */
MOJO_HIDDEN int mojo_diff_write_markdown(const mojo_diff_report *r,
                                         const mojo_diff_render *how,
                                         mojo_output *o);
/* "stack base new" lines for flamegraph.pl's differential mode, every
 * stack; with shares, base values are scaled to the new total. */
MOJO_HIDDEN int mojo_diff_write_folded(const mojo_diff_report *r,
                                       mojo_output *o);
/* One side's stacks, as compared, through a libmojo writer (pprof for
 * pprof -diff_base). */
MOJO_HIDDEN int mojo_diff_write_profile(const mojo_diff_report *r,
                                        unsigned side, mojo_writer *w);

/* "file:function" (native: "native:symbol") into buf; its length. */
MOJO_HIDDEN size_t mojo_diff_function_label(const mojo_frame *f, char *buf,
                                            size_t size);

#endif
