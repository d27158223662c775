/* Comparing two profiles: frames normalized, stacks merged again, each
 * function's inclusive and self totals, the tests and the verdict. */
#include "diff_impl.h"
#include "diff_stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NO_FUNCTION UINT32_MAX

void mojo_diff_compare_free(mojo_diff *d)
{
    mojo_frames_unref(d->norm);
    mojo_frames_unref(d->funcs);
    free(d->ids);
    free(d->out_stacks);
    free(d->ranked);
    free(d->functions);
    free(d->changed);
    d->norm = d->funcs = NULL;
    d->ids = NULL;
    d->out_stacks = NULL;
    d->ranked = NULL;
    d->functions = NULL;
    d->changed = NULL;
}

size_t mojo_diff_function_label(const mojo_frame *f, char *buf, size_t size)
{
    int n;
    if (f->kind == MOJO_FRAME_INVALID)
        n = snprintf(buf, size, ":INVALID:");
    else if (f->file.len == 0)
        n = snprintf(buf, size, "%s", f->scope.ptr);
    else
        n = snprintf(buf, size, "%s:%s", f->file.ptr, f->scope.ptr);
    return n < 0 ? 0 : (size_t)n < size ? (size_t)n : size - 1;
}

/* --------------------------------------------------- normalized frames */

/* Frames as compared: no columns (text has none), native frames without
 * their address (it moves from run to run), lines only when asked. Each
 * compared frame also names its function: the frame with line 0. Both
 * sides' frames go into one table, so equal frames get one id. */
static int normalize_frames(mojo_diff *d, uint32_t *norm_of[2],
                            uint32_t **func_of_norm)
{
    size_t n[2], cap = 0;
    for (unsigned s = 0; s < 2; s++) {
        n[s] = mojo_frames_count(mojo_stacks_frames(d->side[s].stacks));
        if (!(norm_of[s] = malloc((n[s] + 1) * sizeof *norm_of[s])))
            return mojo_diff_fail(d, MOJO_E_NOMEM, "out of memory");
    }
    d->norm = mojo_frames_new();
    d->funcs = mojo_frames_new();
    if (!d->norm || !d->funcs)
        return mojo_diff_fail(d, MOJO_E_NOMEM, "out of memory");
    for (unsigned s = 0; s < 2; s++) {
        const mojo_frames *sf = mojo_stacks_frames(d->side[s].stacks);
        for (size_t id = 0; id < n[s]; id++) {
            mojo_frame p = *mojo_frames_get(sf, (uint32_t)id);
            p.line_end = p.column = p.column_end = 0;
            if (p.kind == MOJO_FRAME_NATIVE)
                p.file = (mojo_str){"native", 6};
            if (d->o.ignore_lines && p.line > 0)
                p.line = 0;
            const mojo_frame *nf = mojo_frames_intern(d->norm, &p);
            if (!nf || !mojo_grow((void **)func_of_norm, &cap, (size_t)nf->id + 1,
                                  sizeof **func_of_norm))
                return mojo_diff_fail(d, MOJO_E_NOMEM, "out of memory");
            norm_of[s][id] = nf->id;
            /* norm ids are dense and only grow: a new one is the next slot */
            if (nf->id + 1 != mojo_frames_count(d->norm))
                continue;
            uint32_t fid = NO_FUNCTION;
            if (p.kind != MOJO_FRAME_INVALID) {
                p.line = 0;
                const mojo_frame *ff = mojo_frames_intern(d->funcs, &p);
                if (!ff)
                    return mojo_diff_fail(d, MOJO_E_NOMEM, "out of memory");
                fid = ff->id;
            }
            (*func_of_norm)[nf->id] = fid;
        }
    }
    return MOJO_OK;
}

/* ---------------------------------------------------- normalized stacks */

static int64_t value_of(mojo_diff_metric m, const mojo_stack_totals *t)
{
    switch (m) {
    case MOJO_DIFF_METRIC_TIME: return t->time;
    case MOJO_DIFF_METRIC_CPU: return t->cpu;
    case MOJO_DIFF_METRIC_ALLOC: return t->alloc;
    case MOJO_DIFF_METRIC_DEALLOC: return t->dealloc;
    default: return (int64_t)t->samples;
    }
}

typedef struct {
    uint32_t *slots; /* stack index + 1, 0 empty */
    size_t cap;
} stack_index;

static uint64_t stack_hash(const uint32_t *ids, size_t n, int64_t proc,
                           int64_t thread)
{
    uint64_t h = mojo_hash_bytes(ids, n * sizeof *ids, 7);
    return mojo_hash_mix(mojo_hash_mix(h, (uint64_t)proc), (uint64_t)thread);
}

static bool index_grow(stack_index *x, const uint64_t *hashes, size_t n)
{
    size_t cap = x->cap ? x->cap * 2 : 1024;
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!slots)
        return false;
    for (size_t i = 0; i < n; i++) {
        size_t j = hashes[i] & (cap - 1);
        while (slots[j])
            j = (j + 1) & (cap - 1);
        slots[j] = (uint32_t)(i + 1);
    }
    free(x->slots);
    x->slots = slots;
    x->cap = cap;
    return true;
}

/* Both sides' stacks in one list: equal once normalized, one stack. The
 * frame ids go to d->ids; *offsets_out gets where each stack's start. */
static int merge_stacks(mojo_diff *d, uint32_t *const norm_of[2],
                        uint64_t **offsets_out)
{
    stack_index x = {0};
    uint64_t *hashes = NULL, *offsets = NULL;
    size_t hcap = 0, ocap = 0;
    int rc = MOJO_ERROR;
    for (unsigned s = 0; s < 2; s++) {
        const mojo_stacks *table = d->side[s].stacks;
        size_t n = mojo_stacks_count(table);
        for (size_t i = 0; i < n; i++) {
            const mojo_stack *st = mojo_stacks_get(table, i);
            size_t off = d->nids;
            if (!mojo_grow((void **)&d->ids, &d->ids_cap, off + st->nframes + 1,
                           sizeof *d->ids))
                goto nomem;
            uint32_t *ids = d->ids + off;
            for (size_t k = 0; k < st->nframes; k++)
                ids[k] = norm_of[s][st->frames[k]];
            uint64_t h = stack_hash(ids, st->nframes, st->pid, (int64_t)st->tid);
            if ((d->nout_stacks + 1) * 2 > x.cap &&
                !index_grow(&x, hashes, d->nout_stacks))
                goto nomem;
            size_t j = h & (x.cap - 1), found = SIZE_MAX;
            for (; x.slots[j]; j = (j + 1) & (x.cap - 1)) {
                size_t c = x.slots[j] - 1;
                const mojo_diff_stack *o = &d->out_stacks[c];
                if (hashes[c] == h && o->nframes == st->nframes &&
                    o->process == st->pid && o->thread == (int64_t)st->tid &&
                    !memcmp(d->ids + offsets[c], ids, st->nframes * sizeof *ids)) {
                    found = c;
                    break;
                }
            }
            if (found == SIZE_MAX) {
                found = d->nout_stacks;
                if (!mojo_grow((void **)&d->out_stacks, &d->out_cap, found + 1,
                               sizeof *d->out_stacks) ||
                    !mojo_grow((void **)&hashes, &hcap, found + 1, sizeof *hashes) ||
                    !mojo_grow((void **)&offsets, &ocap, found + 1, sizeof *offsets))
                    goto nomem;
                d->out_stacks[found] = (mojo_diff_stack){
                    .process = st->pid, .thread = (int64_t)st->tid,
                    .nframes = st->nframes};
                hashes[found] = h;
                offsets[found] = off;
                x.slots[j] = (uint32_t)(found + 1);
                d->nout_stacks++;
                d->nids += st->nframes; /* keep the ids just written */
            }
            const mojo_stack_totals *t = mojo_stacks_totals(table, i, 0);
            mojo_diff_measure *m = &d->out_stacks[found].m;
            m->samples[s] += t->samples;
            m->value[s] = (int64_t)((uint64_t)m->value[s] +
                                    (uint64_t)value_of(d->metric, t));
        }
    }
    *offsets_out = offsets;
    offsets = NULL;
    rc = MOJO_OK;
    goto done;
nomem:
    mojo_diff_fail(d, MOJO_E_NOMEM, "out of memory");
done:
    free(x.slots);
    free(hashes);
    free(offsets);
    return rc;
}

/* ------------------------------------------------------------ functions */

typedef struct {
    uint32_t fid;
    int64_t proc, thread;
    uint64_t k_incl[2], k_self[2];
    int64_t v_incl[2], v_self[2];
    size_t stamp;  /* last stack counted, + 1 */
} fn_acc;

static int64_t add_wrap(int64_t a, int64_t b)
{
    return (int64_t)((uint64_t)a + (uint64_t)b);
}

/* Inclusive: once per stack however often the function recurs in it. */
static int sum_functions(mojo_diff *d, const uint32_t *func_of_norm,
                         fn_acc **out, size_t *nout)
{
    mojo_map index = {0};
    fn_acc *acc = NULL;
    size_t n = 0, cap = 0;
    bool split = d->o.by_pid || d->o.by_thread;
    if (!split) {
        n = mojo_frames_count(d->funcs);
        if (!(acc = calloc(n + 1, sizeof *acc)))
            goto nomem;
        for (size_t f = 0; f < n; f++)
            acc[f].fid = (uint32_t)f;
    }
    for (size_t i = 0; i < d->nout_stacks; i++) {
        const mojo_diff_stack *st = &d->out_stacks[i];
        for (size_t k = 0; k < st->nframes; k++) {
            uint32_t fid = func_of_norm[st->frames[k]];
            if (fid == NO_FUNCTION)
                continue;
            size_t at;
            if (split) {
                uint64_t a = fid | ((uint64_t)st->process << 32);
                mojo_map_slot *slot = mojo_map_find(&index, a, (uint64_t)st->thread);
                if (slot) {
                    at = slot->value;
                } else {
                    if (!mojo_grow((void **)&acc, &cap, n + 1, sizeof *acc) ||
                        !mojo_map_put(&index, a, (uint64_t)st->thread, n))
                        goto nomem;
                    acc[n] = (fn_acc){.fid = fid, .proc = st->process,
                                      .thread = st->thread};
                    at = n++;
                }
            } else {
                at = fid; /* one entry per function, in id order */
            }
            fn_acc *f = &acc[at];
            bool leaf = k + 1 == st->nframes;
            for (unsigned s = 0; s < 2; s++) {
                if (f->stamp != i + 1) {
                    f->k_incl[s] += st->m.samples[s];
                    f->v_incl[s] = add_wrap(f->v_incl[s], st->m.value[s]);
                }
                if (leaf) {
                    f->k_self[s] += st->m.samples[s];
                    f->v_self[s] = add_wrap(f->v_self[s], st->m.value[s]);
                }
            }
            f->stamp = i + 1;
        }
    }
    mojo_map_free(&index);
    *out = acc;
    *nout = n;
    return MOJO_OK;
nomem:
    mojo_map_free(&index);
    free(acc);
    return mojo_diff_fail(d, MOJO_E_NOMEM, "out of memory");
}

/* ---------------------------------------------------------------- tests */

/* The measure's shares and change, and its raw one-sided p-value: shares
 * compare as two proportions of the sample counts; absolute values as two
 * Poisson counts, given their sum, against the ratio of sampling rates. */
static void measure(const mojo_diff_report *r, mojo_diff_measure *m)
{
    const mojo_diff_side *b = &r->side[0], *n = &r->side[1];
    for (unsigned s = 0; s < 2; s++)
        m->share[s] = r->side[s].total > 0
                          ? 100.0 * (double)m->value[s] / (double)r->side[s].total
                          : 0;
    if (r->absolute && b->total > 0)
        m->points = 100.0 * ((double)m->value[1] - (double)m->value[0]) /
                    (double)b->total;
    else
        m->points = m->share[1] - m->share[0];
    int dir = m->points > 0 ? 1 : m->points < 0 ? -1 : 0;
    if (dir == 0) {
        m->p_value = 1;
        return;
    }
    if (!r->absolute) {
        m->p_value = dir > 0
            ? mojo_stat_two_prop_upper(m->samples[0], b->samples, m->samples[1], n->samples)
            : mojo_stat_two_prop_upper(m->samples[1], n->samples, m->samples[0], b->samples);
        return;
    }
    /* samples per unit of the metric on each side */
    double r0 = b->total > 0 ? (double)b->samples / (double)b->total : 0;
    double r1 = n->total > 0 ? (double)n->samples / (double)n->total : 0;
    double p0 = r0 > 0 && r1 > 0 ? r1 / (r0 + r1) : 0.5;
    uint64_t k = m->samples[0] + m->samples[1];
    m->p_value = dir > 0 ? mojo_stat_binom_upper(m->samples[1], k, p0)
                         : mojo_stat_binom_upper(m->samples[0], k, 1 - p0);
}

static bool ignored(const mojo_diff *d, const char *label)
{
    for (size_t i = 0; i < d->nignore; i++)
        if (regexec(&d->ignore[i], label, 0, NULL, 0) == 0)
            return true;
    return false;
}

static const mojo_diff_budget *budget_for(const mojo_diff *d, const char *label)
{
    for (size_t i = 0; i < d->nbudgets; i++)
        if (regexec(&d->budget_re[i], label, 0, NULL, 0) == 0)
            return &d->budgets[i];
    return NULL;
}

/* Holm over the raw p-values that ps point to. */
static int adjust(mojo_diff *d, double **ps, size_t m)
{
    double *p = malloc((m ? m : 1) * sizeof *p);
    if (!p)
        return mojo_diff_fail(d, MOJO_E_NOMEM, "out of memory");
    for (size_t i = 0; i < m; i++)
        p[i] = *ps[i];
    if (!mojo_stat_holm(p, m)) {
        free(p);
        return mojo_diff_fail(d, MOJO_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < m; i++)
        *ps[i] = p[i];
    free(p);
    return MOJO_OK;
}

static int build_functions(mojo_diff *d, const fn_acc *acc, size_t nacc)
{
    mojo_diff_report *r = &d->report;
    d->functions = calloc(nacc + 1, sizeof *d->functions);
    double **ps = malloc((3 * nacc + 1) * sizeof *ps);
    if (!d->functions || !ps) {
        free(ps);
        return mojo_diff_fail(d, MOJO_E_NOMEM, "out of memory");
    }
    size_t nf = 0, m = 0;
    char label[4096];
    for (size_t i = 0; i < nacc; i++) {
        const mojo_frame *f = mojo_frames_get(d->funcs, acc[i].fid);
        mojo_diff_function_label(f, label, sizeof label);
        if (ignored(d, label))
            continue;
        mojo_diff_function *fn = &d->functions[nf++];
        *fn = (mojo_diff_function){.frame = f, .process = acc[i].proc,
                                   .thread = acc[i].thread,
                                   .threshold = d->o.threshold,
                                   .max_share = -1, .budget_p = 1};
        for (unsigned s = 0; s < 2; s++) {
            fn->self.samples[s] = acc[i].k_self[s];
            fn->self.value[s] = acc[i].v_self[s];
            fn->inclusive.samples[s] = acc[i].k_incl[s];
            fn->inclusive.value[s] = acc[i].v_incl[s];
        }
        measure(r, &fn->self);
        measure(r, &fn->inclusive);
        ps[m++] = &fn->self.p_value;
        ps[m++] = &fn->inclusive.p_value;
        const mojo_diff_budget *b = budget_for(d, label);
        if (b && b->threshold >= 0)
            fn->threshold = b->threshold;
        if (b && b->max_share >= 0) {
            fn->max_share = b->max_share;
            /* is the new inclusive share above the ceiling? */
            fn->budget_p = mojo_stat_binom_upper(fn->inclusive.samples[1],
                                                 r->side[1].samples,
                                                 b->max_share / 100.0);
            ps[m++] = &fn->budget_p;
        }
    }
    r->functions = d->functions;
    r->nfunctions = nf;
    r->tests = m;
    int rc = adjust(d, ps, m);
    free(ps);
    return rc;
}

static bool passes(const mojo_diff_measure *m, double threshold, double alpha,
                   int dir)
{
    return m->p_value <= alpha &&
           (dir > 0 ? m->points >= threshold : m->points <= -threshold);
}

static void classify(const mojo_diff_report *r, mojo_diff_function *f)
{
    double t = f->threshold, a = r->alpha;
    if (passes(&f->self, t, a, 1))
        f->reason = MOJO_DIFF_BY_SELF;
    else if (f->max_share >= 0 && f->inclusive.share[1] > f->max_share &&
             f->budget_p <= a)
        f->reason = MOJO_DIFF_BY_BUDGET;
    else if (passes(&f->inclusive, t, a, 1))
        f->reason = MOJO_DIFF_BY_INCLUSIVE;
    if (f->reason) {
        f->cls = MOJO_DIFF_REGRESSION;
        return;
    }
    if (passes(&f->self, t, a, -1))
        f->reason = MOJO_DIFF_BY_SELF;
    else if (passes(&f->inclusive, t, a, -1))
        f->reason = MOJO_DIFF_BY_INCLUSIVE;
    if (f->reason)
        f->cls = MOJO_DIFF_IMPROVEMENT;
}

/* How far the change that classified f went, in points. */
static double trigger_points(const mojo_diff_function *f)
{
    switch (f->reason) {
    case MOJO_DIFF_BY_SELF: return f->self.points;
    case MOJO_DIFF_BY_BUDGET: return f->inclusive.share[1] - f->max_share;
    case MOJO_DIFF_BY_INCLUSIVE: return f->inclusive.points;
    default: return 0;
    }
}

static int cmp_label(const mojo_diff_function *a, const mojo_diff_function *b)
{
    int c = strcmp(a->frame->file.ptr, b->frame->file.ptr);
    if (!c)
        c = strcmp(a->frame->scope.ptr, b->frame->scope.ptr);
    if (!c)
        c = a->process < b->process ? -1 : a->process > b->process;
    if (!c)
        c = a->thread < b->thread ? -1 : a->thread > b->thread;
    return c;
}

/* Regressions: a function's own code first (the cause), then budgets, then
 * callers (their inclusive totals carry their callees' changes); the
 * largest change first within each. Improvements alike, most negative. */
static int by_severity(const void *pa, const void *pb)
{
    const mojo_diff_function *a = *(const mojo_diff_function *const *)pa;
    const mojo_diff_function *b = *(const mojo_diff_function *const *)pb;
    if (a->cls != b->cls)
        return a->cls < b->cls ? -1 : 1;
    if (a->reason != b->reason)
        return a->reason < b->reason ? -1 : 1;
    double x = fabs(trigger_points(a)), y = fabs(trigger_points(b));
    if (x != y)
        return x > y ? -1 : 1;
    return cmp_label(a, b);
}

static double largest_change(const mojo_diff_function *f)
{
    double s = fabs(f->self.points), i = fabs(f->inclusive.points);
    return s > i ? s : i;
}

static int by_change(const void *pa, const void *pb)
{
    const mojo_diff_function *a = pa, *b = pb;
    double x = largest_change(a), y = largest_change(b);
    if (x != y)
        return x > y ? -1 : 1;
    return cmp_label(a, b);
}

typedef struct {
    double change;
    size_t i;
} ranked_stack;

/* Whether a ranks before b: the larger change, then the one seen first. */
static bool before(const ranked_stack *a, const ranked_stack *b)
{
    return a->change != b->change ? a->change > b->change : a->i < b->i;
}

static int by_rank(const void *pa, const void *pb)
{
    return before(pa, pb) ? -1 : before(pb, pa);
}

/* Keep the k best in a heap whose root is the worst of them. */
static void sift_down(ranked_stack *h, size_t n, size_t at)
{
    for (;;) {
        size_t worst = at, l = 2 * at + 1, r = l + 1;
        if (l < n && before(&h[worst], &h[l]))
            worst = l;
        if (r < n && before(&h[worst], &h[r]))
            worst = r;
        if (worst == at)
            return;
        ranked_stack t = h[at];
        h[at] = h[worst];
        h[worst] = t;
        at = worst;
    }
}

/* The rank_stacks largest changes, without sorting every stack. */
static int rank_stacks(mojo_diff *d)
{
    size_t k = d->o.rank_stacks < d->nout_stacks ? d->o.rank_stacks : d->nout_stacks;
    ranked_stack *h = malloc((k + 1) * sizeof *h);
    d->ranked = malloc((k + 1) * sizeof *d->ranked);
    if (!h || !d->ranked) {
        free(h);
        return mojo_diff_fail(d, MOJO_E_NOMEM, "out of memory");
    }
    size_t n = 0;
    for (size_t i = 0; k && i < d->nout_stacks; i++) {
        ranked_stack c = {fabs(d->out_stacks[i].m.points), i};
        if (n < k) {
            h[n++] = c;
            if (n == k)
                for (size_t j = k / 2 + 1; j-- > 0;)
                    sift_down(h, n, j);
        } else if (before(&c, &h[0])) {
            h[0] = c;
            sift_down(h, n, 0);
        }
    }
    qsort(h, n, sizeof *h, by_rank);
    for (size_t i = 0; i < n; i++)
        d->ranked[i] = &d->out_stacks[h[i].i];
    free(h);
    d->report.ranked = d->ranked;
    d->report.nranked = n;
    return MOJO_OK;
}

static int verdict(mojo_diff *d)
{
    mojo_diff_report *r = &d->report;
    mojo_diff_function *fs = d->functions;
    qsort(fs, r->nfunctions, sizeof *fs, by_change);
    size_t nchanged = 0;
    for (size_t i = 0; i < r->nfunctions; i++) {
        classify(r, &fs[i]);
        nchanged += fs[i].cls != MOJO_DIFF_SAME;
    }
    d->changed = calloc(nchanged + 1, sizeof *d->changed);
    if (!d->changed)
        return mojo_diff_fail(d, MOJO_E_NOMEM, "out of memory");
    size_t k = 0;
    for (size_t i = 0; i < r->nfunctions; i++)
        if (fs[i].cls != MOJO_DIFF_SAME)
            d->changed[k++] = &fs[i];
    qsort(d->changed, nchanged, sizeof *d->changed, by_severity);
    size_t nreg = 0;
    while (nreg < nchanged && d->changed[nreg]->cls == MOJO_DIFF_REGRESSION)
        nreg++;
    r->regressions = d->changed;
    r->nregressions = nreg;
    r->improvements = d->changed + nreg;
    r->nimprovements = nchanged - nreg;
    r->regression = nreg > 0;
    return MOJO_OK;
}

static void describe_sides(mojo_diff *d)
{
    mojo_diff_report *r = &d->report;
    for (unsigned s = 0; s < 2; s++) {
        mojo_stack_totals t = mojo_stacks_grand_total(d->side[s].stacks, 0);
        r->side[s].name = d->side[s].name ? d->side[s].name : s ? "new" : "base";
        r->side[s].samples = t.samples;
        r->side[s].total = value_of(d->metric, &t);
        memcpy(r->side[s].mode, d->side[s].info.mode, sizeof r->side[s].mode);
        r->side[s].interval = d->side[s].info.interval;
    }
    const char *m0 = r->side[0].mode, *m1 = r->side[1].mode;
    if (m0[0] && m1[0] && strcmp(m0, m1) != 0)
        snprintf(d->warning, sizeof d->warning,
                 "the profiles were recorded in different modes (%s and %s)",
                 m0, m1);
    for (unsigned s = 0; s < 2 && !d->warning[0]; s++)
        if (r->side[s].samples == 0)
            snprintf(d->warning, sizeof d->warning,
                     "%s has no samples for the metric", r->side[s].name);
    /* shares hide how long a run took; a run twice as long as the other
     * is seldom the same workload */
    double t0 = (double)r->side[0].total, t1 = (double)r->side[1].total;
    if (!d->warning[0] && !r->absolute && t0 > 0 && t1 > 0 &&
        (t0 > 2 * t1 || t1 > 2 * t0))
        snprintf(d->warning, sizeof d->warning,
                 "the runs differ in length by %.1f times: are they the same "
                 "workload?", t0 > t1 ? t0 / t1 : t1 / t0);
    r->warning = d->warning[0] ? d->warning : NULL;
}

const mojo_diff_report *mojo_diff_compute(mojo_diff *d)
{
    if (d->report_ready)
        return &d->report;
    if (mojo_diff_error(d))
        return NULL;
    if (!d->resolved)
        d->metric = d->o.metric != MOJO_DIFF_METRIC_AUTO ? d->o.metric
                                                         : MOJO_DIFF_METRIC_TIME;
    mojo_diff_report *r = &d->report;
    *r = (mojo_diff_report){.metric = d->metric, .absolute = d->o.absolute,
                            .threshold = d->o.threshold, .alpha = d->o.alpha};
    r->unit = d->metric == MOJO_DIFF_METRIC_SAMPLES ? "samples"
            : d->metric == MOJO_DIFF_METRIC_ALLOC ||
              d->metric == MOJO_DIFF_METRIC_DEALLOC ? "B" : "us";
    describe_sides(d);

    uint32_t *norm_of[2] = {NULL, NULL}, *func_of_norm = NULL;
    uint64_t *offsets = NULL;
    fn_acc *acc = NULL;
    size_t nacc = 0;
    int rc = normalize_frames(d, norm_of, &func_of_norm);
    if (rc == MOJO_OK)
        rc = merge_stacks(d, norm_of, &offsets);
    if (rc == MOJO_OK) {
        /* the ids no longer move: point the stacks at them */
        for (size_t i = 0; i < d->nout_stacks; i++)
            d->out_stacks[i].frames = d->ids + offsets[i];
        rc = sum_functions(d, func_of_norm, &acc, &nacc);
    }
    if (rc == MOJO_OK)
        rc = build_functions(d, acc, nacc);
    if (rc == MOJO_OK)
        rc = verdict(d);
    if (rc == MOJO_OK) {
        double **ps = malloc((d->nout_stacks + 1) * sizeof *ps);
        if (!ps)
            rc = mojo_diff_fail(d, MOJO_E_NOMEM, "out of memory");
        for (size_t i = 0; rc == MOJO_OK && i < d->nout_stacks; i++) {
            measure(r, &d->out_stacks[i].m);
            ps[i] = &d->out_stacks[i].m.p_value;
        }
        if (rc == MOJO_OK)
            rc = adjust(d, ps, d->nout_stacks);
        free(ps);
    }
    if (rc == MOJO_OK)
        rc = rank_stacks(d);
    free(norm_of[0]);
    free(norm_of[1]);
    free(func_of_norm);
    free(offsets);
    free(acc);
    if (rc != MOJO_OK)
        return NULL;
    r->stacks = d->out_stacks;
    r->nstacks = d->nout_stacks;
    r->frames = d->norm;
    d->report_ready = true;
    return r;
}
