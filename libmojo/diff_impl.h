/* Private to the diff: the state shared by diff.c (reading both sides)
 * and diff_compare.c (the comparison). */
#ifndef MOJO_DIFF_IMPL_H
#define MOJO_DIFF_IMPL_H

#include <regex.h>

#include "diff.h"
#include "stacks.h"

struct mojo_diff {
    mojo_diff_options o;         /* pattern arrays not kept */
    regex_t *ignore;
    size_t nignore;
    regex_t *budget_re;
    mojo_diff_budget *budgets;
    size_t nbudgets;

    /* Reading: one stack table, slot 0 the base, slot 1 the new. */
    mojo_stacks *stacks;
    mojo_profile_info info[2];
    char *name[2];
    mojo_diff_metric metric;     /* resolved at the first sample */
    bool resolved;
    mojo_map procs[2];           /* pid -> ordinal */
    mojo_map threads[2];         /* (process ordinal, thread) -> ordinal */
    uint64_t *nthreads[2];       /* threads seen, by process ordinal */
    size_t nthreads_cap[2];
    bool failed;
    mojo_error err;

    /* The comparison (diff_compare.c). */
    bool report_ready;
    mojo_diff_report report;
    mojo_frames *norm;           /* stack frames as compared */
    mojo_frames *funcs;          /* functions: frames with line 0 */
    uint32_t *ids;               /* the stacks' frame ids, back to back */
    size_t nids, ids_cap;
    bool stacks_kept;            /* out_stacks use the table's ids */
    mojo_diff_stack *out_stacks;
    size_t nout_stacks, out_cap;
    mojo_diff_function *functions;
    const mojo_diff_function **changed; /* regressions, then improvements */
    char warning[256];
};

MOJO_HIDDEN int mojo_diff_fail(mojo_diff *d, mojo_error_code code,
                               const char *fmt, ...) MOJO_PRINTF(3, 4);
MOJO_HIDDEN void mojo_diff_compare_free(mojo_diff *d);

#endif
