/* Speedscope writer: aggregates samples into a stack table, then writes
 * one JSON document in Speedscope's file format
 * (https://www.speedscope.app/file-format-schema.json): shared frames with
 * file, line and column, and one sampled profile per (process, interpreter,
 * thread, value), where the values are those of the pprof writer (CPU time,
 * Wall time, Allocated memory, Deallocated memory, by mode). Each distinct
 * stack is one entry whose weight is the exact sum for it; stacks with a
 * zero weight are left out of that profile, since they add nothing.
 * Speedscope rejects negative weights, which is why memory is split into
 * allocated and deallocated.
 *
 * Where samples carry timestamps (ETL traces), a wall or CPU time profile
 * is evented instead, one per thread: frames open and close on the
 * thread's own timeline, as speedscope_events.h describes, with threads
 * that cannot be drawn that way sampled as above. The option
 * speedscope_sampled keeps every profile sampled. */
#include "internal.h"
#include "json.h"
#include "speedscope_events.h"
#include "stacks.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

typedef struct speedscope_state {
    mojo_aggregate agg;
    mojo_timeline *timeline;   /* NULL: sampled profiles only */
} speedscope_state;

static int speedscope_init(mojo_writer *w)
{
    speedscope_state *st = calloc(1, sizeof *st);
    if (!st)
        return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
    w->state = st;
    if (!w->opts.speedscope_sampled && !(st->timeline = mojo_timeline_new()))
        return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
    return mojo_aggregate_init(w, &st->agg);
}

static int timeline_fail(mojo_writer *w, const mojo_timeline *tl)
{
    mojo_error_code code = mojo_timeline_error(tl);
    if (code == MOJO_E_IO)
        return mojo_writer_fail(w, code, "temporary file for the events: %s",
                                strerror(mojo_timeline_errno(tl)));
    return mojo_writer_fail(w, code, code == MOJO_E_LIMIT ? "too many threads"
                                                          : "out of memory");
}

static int speedscope_write(mojo_writer *w, const mojo_event *ev)
{
    speedscope_state *st = w->state;
    if (mojo_aggregate_event(w, &st->agg, ev) != MOJO_OK)
        return MOJO_ERROR;
    if (ev->type == MOJO_EVENT_SAMPLE && st->timeline &&
        mojo_timeline_add(st->timeline, &ev->u.sample) != MOJO_OK)
        return timeline_fail(w, st->timeline);
    return MOJO_OK;
}

/* ------------------------------------------------------------- output */

static int put(mojo_output *o, const char *s) { return mojo_output_puts(o, s); }

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
                            mojo_json_write_int(o, f->line) != MOJO_OK))
            return MOJO_ERROR;
        if (f->column > 0 && (put(o, ",\"col\":") != MOJO_OK ||
                              mojo_json_write_int(o, f->column) != MOJO_OK))
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

/* What the profiles are written with. */
typedef struct profile_out {
    mojo_output *o;
    const mojo_stacks *s;
    const uint32_t *map;       /* stack table frame id -> written index,
                                  NULL when they are the same */
    uint32_t gc_frame;         /* index of the GC marker */
    mojo_timeline *timeline;   /* NULL: no evented profiles */
    bool first;                /* no profile written yet */
} profile_out;

static int put_frame_index(const profile_out *po, uint32_t id)
{
    return mojo_json_write_int(po->o, po->map ? po->map[id] : id);
}

/* A profile's head up to its unit, after a comma where one is due. */
static int write_profile_head(profile_out *po, const char *type,
                              mojo_value_kind k, const mojo_stack *st)
{
    mojo_output *o = po->o;
    if ((!po->first && put(o, ",\n") != MOJO_OK) ||
        put(o, type) != MOJO_OK ||
        write_profile_name(o, k, st) != MOJO_OK ||
        put(o, mojo_value_is_time(k) ? ",\"unit\":\"microseconds\","
                                     : ",\"unit\":\"bytes\",") != MOJO_OK)
        return MOJO_ERROR;
    po->first = false;
    return MOJO_OK;
}

/* One sampled profile over order[0..n) (stacks of one thread) for value k;
 * nothing when every weight is zero. */
static int write_profile(profile_out *po, const stack_ref *order, size_t n,
                         mojo_value_kind k)
{
    mojo_output *o = po->o;
    const mojo_stacks *s = po->s;
    int64_t total = 0;
    for (size_t i = 0; i < n; i++) /* wraps rather than overflows */
        total = (int64_t)((uint64_t)total +
                          (uint64_t)mojo_value_of(mojo_stacks_totals(s, order[i].index, 0), k));
    bool any = false;
    for (size_t i = 0; i < n && !any; i++)
        any = mojo_value_of(mojo_stacks_totals(s, order[i].index, 0), k) != 0;
    if (!any)
        return MOJO_OK;
    if (write_profile_head(po, "{\"type\":\"sampled\",\"name\":", k,
                           order[0].st) != MOJO_OK ||
        put(o, "\"startValue\":0,\"endValue\":") != MOJO_OK ||
        mojo_json_write_int(o, total) != MOJO_OK || put(o, ",\n\"samples\":[") != MOJO_OK)
        return MOJO_ERROR;
    bool sep = false;
    for (size_t i = 0; i < n; i++) {
        if (!mojo_value_of(mojo_stacks_totals(s, order[i].index, 0), k))
            continue;
        const mojo_stack *st = order[i].st;
        if (put(o, sep ? ",\n[" : "\n[") != MOJO_OK)
            return MOJO_ERROR;
        sep = true;
        for (size_t f = 0; f < st->nframes; f++)
            if ((f && put(o, ",") != MOJO_OK) ||
                put_frame_index(po, st->frames[f]) != MOJO_OK)
                return MOJO_ERROR;
        if ((st->flags & MOJO_SAMPLE_GC) &&
            ((st->nframes && put(o, ",") != MOJO_OK) ||
             mojo_json_write_int(o, po->gc_frame) != MOJO_OK))
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
        if ((sep && put(o, ",") != MOJO_OK) || mojo_json_write_int(o, v) != MOJO_OK)
            return MOJO_ERROR;
        sep = true;
    }
    return put(o, "]}");
}

/* The thread's evented profile (thread: its index in the timeline). */
static int write_evented(profile_out *po, size_t thread, mojo_value_kind k,
                         const mojo_stack *st)
{
    if (write_profile_head(po, "{\"type\":\"evented\",\"name\":", k, st) != MOJO_OK ||
        mojo_timeline_write(po->timeline, thread, po->gc_frame, po->o) != MOJO_OK)
        return MOJO_ERROR;
    return put(po->o, "}");
}

static int write_profiles(profile_out *po, const mojo_value_kind *kinds,
                          size_t nkinds, const stack_ref *order)
{
    size_t n = mojo_stacks_count(po->s);
    if (put(po->o, "\"profiles\":[\n") != MOJO_OK)
        return MOJO_ERROR;
    for (size_t start = 0, end; start < n; start = end) {
        for (end = start + 1;
             end < n && !thread_cmp(order[start].st, order[end].st); end++)
            ;
        for (size_t k = 0; k < nkinds; k++) {
            ptrdiff_t th = po->timeline
                         ? mojo_timeline_find(po->timeline, order[start].st, kinds[k])
                         : -1;
            int rc = th >= 0
                   ? write_evented(po, (size_t)th, kinds[k], order[start].st)
                   : write_profile(po, order + start, end - start, kinds[k]);
            if (rc != MOJO_OK)
                return MOJO_ERROR;
        }
    }
    return put(po->o, "]");
}

/* Whether some profile is evented: only a single time value can be. */
static bool any_evented(const mojo_timeline *tl, const mojo_value_kind *kinds,
                        size_t nkinds)
{
    return tl && nkinds == 1 && mojo_value_is_time(kinds[0]) &&
           mojo_timeline_any(tl, kinds[0]);
}

/* With evented profiles, the timeline's frames are the ones written: give
 * every frame of the stack table its index there. NULL when out of memory. */
static uint32_t *map_frames(mojo_timeline *tl, const mojo_frames *frames)
{
    size_t nf = mojo_frames_count(frames);
    uint32_t *map = malloc((nf ? nf : 1) * sizeof *map);
    for (size_t i = 0; map && i < nf; i++)
        if (!mojo_timeline_frame_id(tl, mojo_frames_get(frames, (uint32_t)i),
                                    &map[i])) {
            free(map);
            map = NULL;
        }
    return map;
}

static int speedscope_finish(mojo_writer *w)
{
    speedscope_state *state = w->state;
    mojo_aggregate *agg = &state->agg;
    mojo_output *o = w->out;
    const mojo_stacks *s = agg->stacks;
    mojo_value_kind kinds[MOJO_VALUE_KINDS];
    const char *mode;
    size_t nkinds = mojo_value_kinds(&agg->info, mojo_stacks_metrics(s), kinds,
                                     &mode);
    size_t n = mojo_stacks_count(s);
    profile_out po = {.o = o, .s = s, .first = true};
    const mojo_frames *frames = mojo_stacks_frames(s);
    if (any_evented(state->timeline, kinds, nkinds)) {
        po.timeline = state->timeline;
        if (!(po.map = map_frames(po.timeline, frames)))
            return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
        frames = mojo_timeline_frames(po.timeline);
    }
    po.gc_frame = (uint32_t)mojo_frames_count(frames);
    stack_ref *order = n <= SIZE_MAX / sizeof *order
                     ? malloc((n ? n : 1) * sizeof *order) : NULL;
    if (!order) {
        free((void *)po.map);
        return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
    }
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
        write_frames(o, frames,
                     (mojo_stacks_flags(s) & MOJO_SAMPLE_GC) != 0) != MOJO_OK ||
        write_profiles(&po, kinds, nkinds, order) != MOJO_OK ||
        put(o, "}\n") != MOJO_OK)
        rc = po.timeline && mojo_timeline_error(po.timeline) != MOJO_E_NONE
           ? timeline_fail(w, po.timeline) : mojo_writer_fail_output(w);
    free(order);
    free((void *)po.map);
    return rc;
}

static void speedscope_destroy(mojo_writer *w)
{
    speedscope_state *st = w->state;
    if (!st)
        return;
    mojo_aggregate_free(&st->agg);
    mojo_timeline_free(st->timeline);
    free(st);
    w->state = NULL;
}

const mojo_writer_ops mojo_speedscope_writer_ops = {
    speedscope_init, speedscope_write, speedscope_finish, speedscope_destroy,
};
