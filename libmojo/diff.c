/* Comparing two profiles: reading both sides into one stack table (see
 * diff.h). The comparison itself is in diff_compare.c. */
#include "diff_impl.h"

#include <stdlib.h>
#include <string.h>

static const char *const metric_names[] = {
    "auto", "samples", "time", "cpu", "alloc", "dealloc"};

const char *mojo_diff_metric_name(mojo_diff_metric m)
{
    return (unsigned)m < sizeof metric_names / sizeof metric_names[0]
               ? metric_names[m] : "?";
}

bool mojo_diff_metric_parse(const char *s, mojo_diff_metric *m)
{
    for (size_t i = 0; i < sizeof metric_names / sizeof metric_names[0]; i++)
        if (strcmp(s, metric_names[i]) == 0) {
            *m = (mojo_diff_metric)i;
            return true;
        }
    if (strcmp(s, "wall") == 0)
        *m = MOJO_DIFF_METRIC_TIME;
    else if (strcmp(s, "memory") == 0)
        *m = MOJO_DIFF_METRIC_ALLOC;
    else
        return false;
    return true;
}

void mojo_diff_options_init(mojo_diff_options *o)
{
    memset(o, 0, sizeof *o);
    o->threshold = MOJO_DIFF_DEFAULT_THRESHOLD;
    o->alpha = MOJO_DIFF_DEFAULT_ALPHA;
}

int mojo_diff_fail(mojo_diff *d, mojo_error_code code, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    if (!d->failed)
        mojo_error_set_nooff(&d->err, code, "mojodiff", "%s", what);
    d->failed = true;
    return MOJO_ERROR;
}

static bool compile(regex_t *re, const char *pattern, const char *what,
                    mojo_error *err)
{
    int rc = regcomp(re, pattern, REG_EXTENDED | REG_NOSUB);
    if (rc == 0)
        return true;
    char msg[200];
    regerror(rc, re, msg, sizeof msg);
    mojo_error_set_nooff(err, MOJO_E_USAGE, what, "bad regex '%s': %s",
                         pattern, msg);
    return false;
}

mojo_diff *mojo_diff_new(const mojo_diff_options *o, mojo_error *err)
{
    mojo_diff *d = calloc(1, sizeof *d);
    if (!d) {
        mojo_error_set_nooff(err, MOJO_E_NOMEM, "mojodiff", "out of memory");
        return NULL;
    }
    d->o = *o;
    d->o.ignore = NULL;
    d->o.budgets = NULL;
    for (int s = 0; s < 2; s++)
        mojo_profile_info_init(&d->info[s]);
    unsigned key = (o->by_pid ? MOJO_STACKS_BY_PID : 0) |
                   (o->by_thread ? MOJO_STACKS_BY_THREAD : 0);
    d->ignore = calloc(o->nignore + 1, sizeof *d->ignore);
    d->budget_re = calloc(o->nbudgets + 1, sizeof *d->budget_re);
    d->budgets = calloc(o->nbudgets + 1, sizeof *d->budgets);
    if (!(d->stacks = mojo_stacks_new(key, 2)) || !d->ignore ||
        !d->budget_re || !d->budgets) {
        mojo_error_set_nooff(err, MOJO_E_NOMEM, "mojodiff", "out of memory");
        mojo_diff_free(d);
        return NULL;
    }
    for (size_t i = 0; i < o->nignore; i++, d->nignore++)
        if (!compile(&d->ignore[i], o->ignore[i], "ignore", err)) {
            mojo_diff_free(d);
            return NULL;
        }
    for (size_t i = 0; i < o->nbudgets; i++, d->nbudgets++) {
        if (!compile(&d->budget_re[i], o->budgets[i].pattern, "budget", err)) {
            mojo_diff_free(d);
            return NULL;
        }
        d->budgets[i] = o->budgets[i];
        d->budgets[i].pattern = NULL; /* not kept: the regex is */
    }
    return d;
}

void mojo_diff_free(mojo_diff *d)
{
    if (!d)
        return;
    mojo_diff_compare_free(d);
    mojo_stacks_free(d->stacks);
    for (size_t i = 0; i < d->nignore; i++)
        regfree(&d->ignore[i]);
    for (size_t i = 0; i < d->nbudgets; i++)
        regfree(&d->budget_re[i]);
    free(d->ignore);
    free(d->budget_re);
    free(d->budgets);
    for (int s = 0; s < 2; s++) {
        free(d->name[s]);
        mojo_map_free(&d->procs[s]);
        mojo_map_free(&d->threads[s]);
        free(d->nthreads[s]);
    }
    free(d);
}

int mojo_diff_set_name(mojo_diff *d, unsigned side, const char *name)
{
    if (side > 1)
        return mojo_diff_fail(d, MOJO_E_USAGE, "no side %u", side);
    char *copy = strdup(name ? name : "");
    if (!copy)
        return mojo_diff_fail(d, MOJO_E_NOMEM, "out of memory");
    free(d->name[side]);
    d->name[side] = copy;
    return MOJO_OK;
}

/* What the metric is when left to the profile: its mode decides, or the
 * metrics of its first sample when it names none. */
static mojo_diff_metric auto_metric(const mojo_profile_info *pi,
                                    unsigned metrics)
{
    if (!strcmp(pi->mode, "cpu"))
        return MOJO_DIFF_METRIC_CPU;
    if (!strcmp(pi->mode, "memory"))
        return MOJO_DIFF_METRIC_ALLOC;
    if (pi->mode[0] || (metrics & MOJO_METRIC_TIME))
        return MOJO_DIFF_METRIC_TIME;
    return metrics & MOJO_METRIC_MEMORY ? MOJO_DIFF_METRIC_ALLOC
                                        : MOJO_DIFF_METRIC_SAMPLES;
}

/* Whether the sample counts for the metric: each metric is tested on the
 * samples that carry it (CPU time on the samples not idle, allocations on
 * the samples that allocated). */
static bool counts_for(mojo_diff_metric m, const mojo_sample *s)
{
    switch (m) {
    case MOJO_DIFF_METRIC_CPU: return !(s->flags & MOJO_SAMPLE_IDLE);
    case MOJO_DIFF_METRIC_ALLOC: return s->memory > 0;
    case MOJO_DIFF_METRIC_DEALLOC: return s->memory < 0;
    default: return true;
    }
}

static unsigned metric_needs(mojo_diff_metric m)
{
    switch (m) {
    case MOJO_DIFF_METRIC_TIME:
    case MOJO_DIFF_METRIC_CPU: return MOJO_METRIC_TIME;
    case MOJO_DIFF_METRIC_ALLOC:
    case MOJO_DIFF_METRIC_DEALLOC: return MOJO_METRIC_MEMORY;
    default: return 0;
    }
}

/* Ordinal (from 1) of a process, and of a thread within its process, by
 * order of first appearance: ids differ from run to run, the order in
 * which a program starts its processes and threads usually does not. */
static int ordinals(mojo_diff *d, unsigned side, const mojo_sample *s,
                    int64_t *proc, uint64_t *thread)
{
    mojo_map *pm = &d->procs[side], *tm = &d->threads[side];
    mojo_map_slot *slot = mojo_map_find(pm, (uint64_t)s->pid, 0);
    uint64_t p = slot ? slot->value : pm->count + 1;
    if (!slot) {
        if (!mojo_map_put(pm, (uint64_t)s->pid, 0, p) ||
            !mojo_grow((void **)&d->nthreads[side], &d->nthreads_cap[side],
                       p + 1, sizeof *d->nthreads[side]))
            return mojo_diff_fail(d, MOJO_E_NOMEM, "out of memory");
        d->nthreads[side][p] = 0;
    }
    *proc = d->o.by_pid ? (int64_t)p : 0;
    *thread = 0;
    if (!d->o.by_thread)
        return MOJO_OK;
    uint64_t t = mojo_hash_mix(s->tid, (uint64_t)s->iid);
    if (s->thread_name.len)
        t = mojo_hash_mix(t, mojo_hash_bytes(s->thread_name.ptr,
                                             s->thread_name.len, 1));
    slot = mojo_map_find(tm, p, t);
    if (slot) {
        *thread = slot->value;
        return MOJO_OK;
    }
    *thread = ++d->nthreads[side][p];
    if (!mojo_map_put(tm, p, t, *thread))
        return mojo_diff_fail(d, MOJO_E_NOMEM, "out of memory");
    return MOJO_OK;
}

static int add_sample(mojo_diff *d, unsigned side, const mojo_sample *s)
{
    if (!d->resolved) {
        d->metric = d->o.metric != MOJO_DIFF_METRIC_AUTO
                        ? d->o.metric : auto_metric(&d->info[side], s->metrics);
        d->resolved = true;
    }
    unsigned need = metric_needs(d->metric);
    if ((s->metrics & need) != need)
        return mojo_diff_fail(d, MOJO_E_USAGE,
                              "%s: its samples carry no %s; choose another "
                              "metric", d->name[side] ? d->name[side] : "input",
                              need == MOJO_METRIC_TIME ? "time" : "memory");
    if (!counts_for(d->metric, s))
        return MOJO_OK;
    mojo_sample k = *s;
    k.iid = 0;
    k.thread_name = (mojo_str){"", 0};
    if (ordinals(d, side, s, &k.pid, &k.tid) != MOJO_OK)
        return MOJO_ERROR;
    if (mojo_stacks_add(d->stacks, &k, side) != MOJO_OK)
        return mojo_diff_fail(d, mojo_stacks_error(d->stacks),
                              mojo_stacks_error(d->stacks) == MOJO_E_LIMIT
                                  ? "too many distinct stacks"
                                  : "out of memory");
    return MOJO_OK;
}

int mojo_diff_add(mojo_diff *d, unsigned side, const mojo_event *ev)
{
    if (d->failed)
        return MOJO_ERROR;
    if (side > 1)
        return mojo_diff_fail(d, MOJO_E_USAGE, "no side %u", side);
    if (d->report_ready)
        return mojo_diff_fail(d, MOJO_E_USAGE, "events after the comparison");
    switch (ev->type) {
    case MOJO_EVENT_METADATA:
        mojo_profile_info_note(&d->info[side], &ev->u.metadata.key,
                               &ev->u.metadata.value);
        return MOJO_OK;
    case MOJO_EVENT_SAMPLE:
        return add_sample(d, side, &ev->u.sample);
    default:
        return MOJO_OK;
    }
}

int mojo_diff_read(mojo_diff *d, unsigned side, mojo_reader *r)
{
    if (!d->name[side] && mojo_diff_set_name(d, side, mojo_reader_name(r)) != MOJO_OK)
        return MOJO_ERROR;
    mojo_event ev;
    int rc;
    while ((rc = mojo_reader_next(r, &ev)) == MOJO_OK)
        if (mojo_diff_add(d, side, &ev) != MOJO_OK)
            return MOJO_ERROR;
    if (rc == MOJO_END)
        return MOJO_OK;
    if (!d->failed)
        d->err = *mojo_reader_error(r);
    d->failed = true;
    return MOJO_ERROR;
}

const mojo_error *mojo_diff_error(const mojo_diff *d)
{
    return d->failed ? &d->err : NULL;
}
