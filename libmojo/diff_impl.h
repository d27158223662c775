/* Private to the diff: the state shared by diff.c (reading both sides)
 * and diff_compare.c (the comparison). */
#ifndef MOJO_DIFF_IMPL_H
#define MOJO_DIFF_IMPL_H

#include <regex.h>

#include "diff.h"
#include "stacks.h"

/* One profile being read. */
typedef struct diff_side {
    mojo_stacks *stacks;         /* its samples, in slot 0 */
    mojo_profile_info info;
    char *name;
    mojo_map procs;              /* pid -> ordinal */
    mojo_map threads;            /* (process ordinal, thread) -> ordinal */
    uint64_t *nthreads;          /* threads seen, by process ordinal */
    size_t nthreads_cap;
    bool failed;
    mojo_error err;
} diff_side;

struct mojo_diff {
    mojo_diff_options o;         /* pattern arrays not kept */
    regex_t *ignore;
    size_t nignore;
    regex_t *budget_re;
    mojo_diff_budget *budgets;
    size_t nbudgets;

    /* Reading: each side on its own, so that both can be read at once. */
    diff_side side[2];
    mojo_diff_metric metric;     /* resolved before the sides' samples */
    bool resolved;
    bool failed;                 /* in the comparison */
    mojo_error err;

    /* The comparison (diff_compare.c). */
    bool report_ready;
    mojo_diff_report report;
    mojo_frames *norm;           /* stack frames as compared */
    mojo_frames *funcs;          /* functions: frames with line 0 */
    uint32_t *ids;               /* the stacks' frame ids, back to back */
    size_t nids, ids_cap;
    mojo_diff_stack *out_stacks;
    size_t nout_stacks, out_cap;
    const mojo_diff_stack **ranked;
    mojo_diff_function *functions;
    const mojo_diff_function **changed; /* regressions, then improvements */
    char warning[256];
};

MOJO_HIDDEN int mojo_diff_fail(mojo_diff *d, mojo_error_code code,
                               const char *fmt, ...) MOJO_PRINTF(3, 4);
MOJO_HIDDEN void mojo_diff_compare_free(mojo_diff *d);

#endif
