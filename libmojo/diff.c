/* Comparing two profiles: reading each side into its own stack table,
 * both at once when the caller lets us (see diff.h). The comparison
 * itself is in diff_compare.c. */
#include "diff_impl.h"

#include <pthread.h>
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
    o->rank_stacks = MOJO_DIFF_DEFAULT_RANKED;
}

/* The first error stands: later ones are its consequences. */
static int record(mojo_error *err, bool *failed, mojo_error_code code,
                  const char *name, const char *fmt, va_list ap)
{
    char what[400];
    vsnprintf(what, sizeof what, fmt, ap);
    if (!*failed)
        mojo_error_set_nooff(err, code, name, "%s", what);
    *failed = true;
    return MOJO_ERROR;
}

int mojo_diff_fail(mojo_diff *d, mojo_error_code code, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(&d->err, &d->failed, code, "mojodiff", fmt, ap);
    va_end(ap);
    return MOJO_ERROR;
}

/* A reading error of one side: both sides may fail at once. */
static int side_fail(mojo_diff *d, unsigned side, mojo_error_code code,
                     const char *fmt, ...) MOJO_PRINTF(4, 5);
static int side_fail(mojo_diff *d, unsigned side, mojo_error_code code,
                     const char *fmt, ...)
{
    diff_side *sd = &d->side[side];
    va_list ap;
    va_start(ap, fmt);
    record(&sd->err, &sd->failed, code, sd->name ? sd->name : "mojodiff", fmt, ap);
    va_end(ap);
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
    unsigned key = (o->by_pid ? MOJO_STACKS_BY_PID : 0) |
                   (o->by_thread ? MOJO_STACKS_BY_THREAD : 0);
    bool ok = true;
    for (int s = 0; s < 2; s++) {
        mojo_profile_info_init(&d->side[s].info);
        ok &= (d->side[s].stacks = mojo_stacks_new(key, 1)) != NULL;
    }
    d->ignore = calloc(o->nignore + 1, sizeof *d->ignore);
    d->budget_re = calloc(o->nbudgets + 1, sizeof *d->budget_re);
    d->budgets = calloc(o->nbudgets + 1, sizeof *d->budgets);
    if (!ok || !d->ignore || !d->budget_re || !d->budgets) {
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
    for (size_t i = 0; i < d->nignore; i++)
        regfree(&d->ignore[i]);
    for (size_t i = 0; i < d->nbudgets; i++)
        regfree(&d->budget_re[i]);
    free(d->ignore);
    free(d->budget_re);
    free(d->budgets);
    for (int s = 0; s < 2; s++) {
        diff_side *sd = &d->side[s];
        mojo_stacks_free(sd->stacks);
        free(sd->name);
        mojo_map_free(&sd->procs);
        mojo_map_free(&sd->threads);
        free(sd->nthreads);
    }
    free(d);
}

int mojo_diff_set_name(mojo_diff *d, unsigned side, const char *name)
{
    if (side > 1)
        return mojo_diff_fail(d, MOJO_E_USAGE, "no side %u", side);
    char *copy = strdup(name ? name : "");
    if (!copy)
        return side_fail(d, side, MOJO_E_NOMEM, "out of memory");
    free(d->side[side].name);
    d->side[side].name = copy;
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

static void resolve(mojo_diff *d, unsigned side, unsigned metrics)
{
    if (d->resolved)
        return;
    d->metric = d->o.metric != MOJO_DIFF_METRIC_AUTO
                    ? d->o.metric : auto_metric(&d->side[side].info, metrics);
    d->resolved = true;
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
    diff_side *sd = &d->side[side];
    mojo_map_slot *slot = mojo_map_find(&sd->procs, (uint64_t)s->pid, 0);
    uint64_t p = slot ? slot->value : sd->procs.count + 1;
    if (!slot) {
        if (!mojo_map_put(&sd->procs, (uint64_t)s->pid, 0, p) ||
            !mojo_grow((void **)&sd->nthreads, &sd->nthreads_cap, p + 1,
                       sizeof *sd->nthreads))
            return side_fail(d, side, MOJO_E_NOMEM, "out of memory");
        sd->nthreads[p] = 0;
    }
    *proc = d->o.by_pid ? (int64_t)p : 0;
    *thread = 0;
    if (!d->o.by_thread)
        return MOJO_OK;
    uint64_t t = mojo_hash_mix(s->tid, (uint64_t)s->iid);
    if (s->thread_name.len)
        t = mojo_hash_mix(t, mojo_hash_bytes(s->thread_name.ptr,
                                             s->thread_name.len, 1));
    slot = mojo_map_find(&sd->threads, p, t);
    if (slot) {
        *thread = slot->value;
        return MOJO_OK;
    }
    *thread = ++sd->nthreads[p];
    if (!mojo_map_put(&sd->threads, p, t, *thread))
        return side_fail(d, side, MOJO_E_NOMEM, "out of memory");
    return MOJO_OK;
}

static int add_sample(mojo_diff *d, unsigned side, const mojo_sample *s)
{
    resolve(d, side, s->metrics);
    unsigned need = metric_needs(d->metric);
    if ((s->metrics & need) != need)
        return side_fail(d, side, MOJO_E_USAGE,
                         "its samples carry no %s; choose another metric",
                         need == MOJO_METRIC_TIME ? "time" : "memory");
    if (!counts_for(d->metric, s))
        return MOJO_OK;
    mojo_sample k = *s;
    k.iid = 0;
    k.thread_name = (mojo_str){"", 0};
    if (ordinals(d, side, s, &k.pid, &k.tid) != MOJO_OK)
        return MOJO_ERROR;
    mojo_stacks *st = d->side[side].stacks;
    if (mojo_stacks_add(st, &k, 0) != MOJO_OK)
        return side_fail(d, side, mojo_stacks_error(st),
                         mojo_stacks_error(st) == MOJO_E_LIMIT
                             ? "too many distinct stacks" : "out of memory");
    return MOJO_OK;
}

int mojo_diff_add(mojo_diff *d, unsigned side, const mojo_event *ev)
{
    if (side > 1)
        return mojo_diff_fail(d, MOJO_E_USAGE, "no side %u", side);
    if (d->side[side].failed)
        return MOJO_ERROR;
    if (d->report_ready)
        return side_fail(d, side, MOJO_E_USAGE, "events after the comparison");
    switch (ev->type) {
    case MOJO_EVENT_METADATA:
        mojo_profile_info_note(&d->side[side].info, &ev->u.metadata.key,
                               &ev->u.metadata.value);
        return MOJO_OK;
    case MOJO_EVENT_SAMPLE:
        return add_sample(d, side, &ev->u.sample);
    default:
        return MOJO_OK;
    }
}

/* Add r's events until its end, or until its first sample when first. */
static int read_side(mojo_diff *d, unsigned side, mojo_reader *r, bool first)
{
    mojo_event ev;
    int rc;
    while ((rc = mojo_reader_next(r, &ev)) == MOJO_OK) {
        if (mojo_diff_add(d, side, &ev) != MOJO_OK)
            return MOJO_ERROR;
        if (first && ev.type == MOJO_EVENT_SAMPLE)
            return MOJO_OK;
    }
    if (rc == MOJO_END)
        return MOJO_OK;
    diff_side *sd = &d->side[side];
    if (!sd->failed)
        sd->err = *mojo_reader_error(r);
    sd->failed = true;
    return MOJO_ERROR;
}

static int name_after(mojo_diff *d, unsigned side, mojo_reader *r)
{
    return d->side[side].name ? MOJO_OK
                              : mojo_diff_set_name(d, side, mojo_reader_name(r));
}

int mojo_diff_read(mojo_diff *d, unsigned side, mojo_reader *r)
{
    if (side > 1)
        return mojo_diff_fail(d, MOJO_E_USAGE, "no side %u", side);
    if (name_after(d, side, r) != MOJO_OK)
        return MOJO_ERROR;
    return read_side(d, side, r, false);
}

typedef struct reading {
    mojo_diff *d;
    mojo_reader *r;
    int rc;
} reading;

static void *read_new(void *arg)
{
    reading *x = arg;
    x->rc = read_side(x->d, 1, x->r, false);
    return NULL;
}

int mojo_diff_read_both(mojo_diff *d, mojo_reader *base, mojo_reader *new)
{
    if (name_after(d, 0, base) != MOJO_OK || name_after(d, 1, new) != MOJO_OK)
        return MOJO_ERROR;
    /* the base's header and first sample settle the metric that both
     * sides filter their samples by */
    if (read_side(d, 0, base, true) != MOJO_OK)
        return MOJO_ERROR;
    resolve(d, 0, 0);
    reading x = {d, new, MOJO_OK};
    pthread_t t;
    bool threaded = pthread_create(&t, NULL, read_new, &x) == 0;
    int rc = read_side(d, 0, base, false);
    if (threaded)
        pthread_join(t, NULL);
    else
        x.rc = read_side(d, 1, new, false);
    return rc == MOJO_OK && x.rc == MOJO_OK ? MOJO_OK : MOJO_ERROR;
}

const mojo_error *mojo_diff_error(const mojo_diff *d)
{
    if (d->failed)
        return &d->err;
    for (int s = 0; s < 2; s++)
        if (d->side[s].failed)
            return &d->side[s].err;
    return NULL;
}
