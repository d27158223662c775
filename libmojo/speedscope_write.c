/* Speedscope writer: aggregates samples into a stack table, then writes
 * one JSON document in Speedscope's file format
 * (https://www.speedscope.app/file-format-schema.json): shared frames with
 * file, line and column, and one sampled profile per (process, interpreter,
 * thread, value), where the values are those of the pprof writer (CPU time,
 * Wall time, Allocated memory, Deallocated memory, by mode). Each distinct
 * stack is one entry whose weight is the exact sum for it; stacks with a
 * zero weight are left out of that profile, since they add nothing.
 * Speedscope rejects negative weights, which is why memory is split into
 * allocated and deallocated. */
#include "internal.h"
#include "json.h"
#include "stacks.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

static int speedscope_init(mojo_writer *w)
{
    mojo_aggregate *agg = calloc(1, sizeof *agg);
    if (!agg)
        return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
    w->state = agg;
    return mojo_aggregate_init(w, agg);
}

static int speedscope_write(mojo_writer *w, const mojo_event *ev)
{
    return mojo_aggregate_event(w, w->state, ev);
}

/* ------------------------------------------------------------- output */

static int put(mojo_output *o, const char *s) { return mojo_output_puts(o, s); }

static int put_int(mojo_output *o, int64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%" PRId64, v);
    return mojo_output_write(o, buf, (size_t)n);
}

static int put_key_string(mojo_output *o, const char *key, const char *p,
                          size_t n)
{
    if (put(o, key) != MOJO_OK)
        return MOJO_ERROR;
    return mojo_json_write_string(o, p, n);
}

/* Speedscope's frames: the stack table's frames, then the GC marker. */
static int write_frames(mojo_output *o, const mojo_frames *frames, bool gc)
{
    size_t nf = mojo_frames_count(frames);
    if (put(o, "\"shared\":{\"frames\":[") != MOJO_OK)
        return MOJO_ERROR;
    for (size_t i = 0; i < nf; i++) {
        const mojo_frame *f = mojo_frames_get(frames, (uint32_t)i);
        mojo_str name = f->kind == MOJO_FRAME_INVALID
                      ? (mojo_str){":INVALID:", 9} : f->scope;
        if ((i && put(o, ",") != MOJO_OK) ||
            put_key_string(o, "\n{\"name\":", name.ptr, name.len) != MOJO_OK)
            return MOJO_ERROR;
        if (f->file.len &&
            put_key_string(o, ",\"file\":", f->file.ptr, f->file.len) != MOJO_OK)
            return MOJO_ERROR;
        if (f->line > 0 && (put(o, ",\"line\":") != MOJO_OK ||
                            put_int(o, f->line) != MOJO_OK))
            return MOJO_ERROR;
        if (f->column > 0 && (put(o, ",\"col\":") != MOJO_OK ||
                              put_int(o, f->column) != MOJO_OK))
            return MOJO_ERROR;
        if (put(o, "}") != MOJO_OK)
            return MOJO_ERROR;
    }
    if (gc && put(o, nf ? ",\n{\"name\":\":GC:\"}" : "\n{\"name\":\":GC:\"}") != MOJO_OK)
        return MOJO_ERROR;
    return put(o, "]},\n");
}

/* A stack of the table with its index, for sorting by thread. */
typedef struct {
    const mojo_stack *st;
    size_t index;
} stack_ref;

static int thread_cmp(const mojo_stack *a, const mojo_stack *b)
{
    if (a->pid != b->pid)
        return a->pid < b->pid ? -1 : 1;
    if (a->iid != b->iid)
        return a->iid < b->iid ? -1 : 1;
    if (a->tid != b->tid)
        return a->tid < b->tid ? -1 : 1;
    size_t n = a->thread_name.len < b->thread_name.len ? a->thread_name.len
                                                       : b->thread_name.len;
    int c = n ? memcmp(a->thread_name.ptr, b->thread_name.ptr, n) : 0;
    if (c || a->thread_name.len == b->thread_name.len)
        return c;
    return a->thread_name.len < b->thread_name.len ? -1 : 1;
}

/* By thread, then first seen first. */
static int ref_cmp(const void *pa, const void *pb)
{
    const stack_ref *a = pa, *b = pb;
    int c = thread_cmp(a->st, b->st);
    return c ? c : (a->index < b->index ? -1 : a->index > b->index);
}

/* "Wall time, process 42, thread 0:42": the thread as Austin's text writes
 * it, interpreter id first where the source has one. */
static int write_profile_name(mojo_output *o, mojo_value_kind k,
                              const mojo_stack *st)
{
    char head[160];
    int n = snprintf(head, sizeof head, "%s, process %" PRId64 ", thread ",
                     mojo_value_name(k), st->pid);
    if (st->iid >= 0)
        n += snprintf(head + n, sizeof head - (size_t)n, "%" PRId64 ":", st->iid);
    if (!st->thread_name.len) {
        n += snprintf(head + n, sizeof head - (size_t)n, "%" PRIu64, st->tid);
        return mojo_json_write_string(o, head, (size_t)n);
    }
    /* thread names are bytes: escape the whole name in one literal */
    size_t len = (size_t)n + st->thread_name.len;
    char *s = malloc(len);
    if (!s)
        return MOJO_ERROR;
    memcpy(s, head, (size_t)n);
    memcpy(s + n, st->thread_name.ptr, st->thread_name.len);
    int rc = mojo_json_write_string(o, s, len);
    free(s);
    return rc;
}

/* One sampled profile over order[0..n) (stacks of one thread) for value k;
 * nothing when every weight is zero. *first tells whether a comma is due. */
static int write_profile(mojo_output *o, const mojo_stacks *s,
                         const stack_ref *order, size_t n, mojo_value_kind k,
                         bool *first)
{
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) /* wraps rather than overflows */
        total = (int64_t)((uint64_t)total +
                          (uint64_t)mojo_value_of(mojo_stacks_totals(s, order[i].index, 0), k));
    bool any = false;
    for (size_t i = 0; i < n && !any; i++)
        any = mojo_value_of(mojo_stacks_totals(s, order[i].index, 0), k) != 0;
    if (!any)
        return MOJO_OK;
    uint32_t gc_frame = (uint32_t)mojo_frames_count(mojo_stacks_frames(s));
    if ((!*first && put(o, ",\n") != MOJO_OK) ||
        put(o, "{\"type\":\"sampled\",\"name\":") != MOJO_OK ||
        write_profile_name(o, k, order[0].st) != MOJO_OK ||
        put(o, mojo_value_is_time(k) ? ",\"unit\":\"microseconds\""
                                     : ",\"unit\":\"bytes\"") != MOJO_OK ||
        put(o, ",\"startValue\":0,\"endValue\":") != MOJO_OK ||
        put_int(o, total) != MOJO_OK || put(o, ",\n\"samples\":[") != MOJO_OK)
        return MOJO_ERROR;
    *first = false;
    bool sep = false;
    for (size_t i = 0; i < n; i++) {
        if (!mojo_value_of(mojo_stacks_totals(s, order[i].index, 0), k))
            continue;
        const mojo_stack *st = order[i].st;
        if (put(o, sep ? ",\n[" : "\n[") != MOJO_OK)
            return MOJO_ERROR;
        sep = true;
        for (size_t f = 0; f < st->nframes; f++)
            if ((f && put(o, ",") != MOJO_OK) || put_int(o, st->frames[f]) != MOJO_OK)
                return MOJO_ERROR;
        if ((st->flags & MOJO_SAMPLE_GC) &&
            ((st->nframes && put(o, ",") != MOJO_OK) || put_int(o, gc_frame) != MOJO_OK))
            return MOJO_ERROR;
        if (put(o, "]") != MOJO_OK)
            return MOJO_ERROR;
    }
    if (put(o, "],\n\"weights\":[") != MOJO_OK)
        return MOJO_ERROR;
    sep = false;
    for (size_t i = 0; i < n; i++) {
        int64_t v = mojo_value_of(mojo_stacks_totals(s, order[i].index, 0), k);
        if (!v)
            continue;
        if ((sep && put(o, ",") != MOJO_OK) || put_int(o, v) != MOJO_OK)
            return MOJO_ERROR;
        sep = true;
    }
    return put(o, "]}");
}

static int write_profiles(mojo_output *o, const mojo_stacks *s,
                          const mojo_value_kind *kinds, size_t nkinds,
                          const stack_ref *order)
{
    size_t n = mojo_stacks_count(s);
    bool first = true;
    if (put(o, "\"profiles\":[\n") != MOJO_OK)
        return MOJO_ERROR;
    for (size_t start = 0, end; start < n; start = end) {
        for (end = start + 1;
             end < n && !thread_cmp(order[start].st, order[end].st); end++)
            ;
        for (size_t k = 0; k < nkinds; k++)
            if (write_profile(o, s, order + start, end - start, kinds[k],
                              &first) != MOJO_OK)
                return MOJO_ERROR;
    }
    return put(o, "]");
}

static int speedscope_finish(mojo_writer *w)
{
    mojo_aggregate *agg = w->state;
    mojo_output *o = w->out;
    const mojo_stacks *s = agg->stacks;
    mojo_value_kind kinds[MOJO_VALUE_KINDS];
    const char *mode;
    size_t nkinds = mojo_value_kinds(&agg->info, mojo_stacks_metrics(s), kinds,
                                     &mode);
    size_t n = mojo_stacks_count(s);
    stack_ref *order = n <= SIZE_MAX / sizeof *order
                     ? malloc((n ? n : 1) * sizeof *order) : NULL;
    if (!order)
        return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
    for (size_t i = 0; i < n; i++)
        order[i] = (stack_ref){mojo_stacks_get(s, i), i};
    qsort(order, n, sizeof *order, ref_cmp);

    const char *name = w->opts.profile_name;
    int rc = MOJO_OK;
    if (put(o, "{\"$schema\":\"https://www.speedscope.app/file-format-schema.json\",\n") != MOJO_OK ||
        put(o, "\"exporter\":\"mojo-tools " MOJO_VERSION_STRING "\",\n") != MOJO_OK ||
        (name && (put_key_string(o, "\"name\":", name, strlen(name)) != MOJO_OK ||
                  put(o, ",\n") != MOJO_OK)) ||
        put(o, "\"activeProfileIndex\":0,\n") != MOJO_OK ||
        write_frames(o, mojo_stacks_frames(s),
                     (mojo_stacks_flags(s) & MOJO_SAMPLE_GC) != 0) != MOJO_OK ||
        write_profiles(o, s, kinds, nkinds, order) != MOJO_OK ||
        put(o, "}\n") != MOJO_OK)
        rc = mojo_writer_fail_output(w);
    free(order);
    return rc;
}

static void speedscope_destroy(mojo_writer *w)
{
    mojo_aggregate *agg = w->state;
    if (!agg)
        return;
    mojo_aggregate_free(agg);
    free(agg);
    w->state = NULL;
}

const mojo_writer_ops mojo_speedscope_writer_ops = {
    speedscope_init, speedscope_write, speedscope_finish, speedscope_destroy,
};
