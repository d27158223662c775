/* Merging profiles: several inputs' streams into one writer, optionally
 * summing equal stacks (see filter.h). */
#include "filter.h"
#include "stacks.h"

#include <stdlib.h>
#include <string.h>

typedef struct kv {
    char *key, *value;
} kv;

struct mojo_merge {
    mojo_writer *w;
    mojo_merge_options o;
    mojo_stacks *stacks;       /* when aggregating */
    unsigned idle_seen;        /* whether any sample was idle */
    size_t input;              /* inputs begun */
    const char *name;
    bool in_header;            /* no sample of this input yet */
    kv *keys;                  /* header keys written, with their values */
    size_t nkeys, keys_cap;
    kv *footer;                /* held for the end */
    size_t nfooter, footer_cap;
    char first_mode[8];
    bool failed;
    mojo_error err;
};

mojo_merge *mojo_merge_new(mojo_writer *w, const mojo_merge_options *o)
{
    mojo_merge *m = calloc(1, sizeof *m);
    if (!m)
        return NULL;
    m->w = w;
    m->o = *o;
    if (o->aggregate) {
        m->o.defer = true;
        if (!(m->stacks = mojo_stacks_new(MOJO_STACKS_BY_ALL, 1))) {
            free(m);
            return NULL;
        }
    }
    return m;
}

static void free_kvs(kv *v, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        free(v[i].key);
        free(v[i].value);
    }
    free(v);
}

void mojo_merge_free(mojo_merge *m)
{
    if (!m)
        return;
    mojo_stacks_free(m->stacks);
    free_kvs(m->keys, m->nkeys);
    free_kvs(m->footer, m->nfooter);
    free(m);
}

const mojo_error *mojo_merge_error(const mojo_merge *m)
{
    if (m->failed)
        return &m->err;
    return mojo_writer_error(m->w);
}

static int merge_fail(mojo_merge *m, mojo_error_code code, const char *fmt, ...)
    MOJO_PRINTF(3, 4);
static int merge_fail(mojo_merge *m, mojo_error_code code, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    mojo_error_set_nooff(&m->err, code, m->name ? m->name : "merge", "%s", what);
    m->failed = true;
    return MOJO_ERROR;
}

int mojo_merge_begin_input(mojo_merge *m, const char *name)
{
    m->input++;
    m->name = name;
    m->in_header = true;
    return MOJO_OK;
}

static bool str_eq(const mojo_str *s, const char *c)
{
    return s->len == strlen(c) && memcmp(s->ptr, c, s->len) == 0;
}

static const kv *find_key(const kv *v, size_t n, const mojo_str *key)
{
    for (size_t i = 0; i < n; i++)
        if (str_eq(key, v[i].key))
            return &v[i];
    return NULL;
}

static int remember(mojo_merge *m, kv **v, size_t *n, size_t *cap,
                    const mojo_str *key, const mojo_str *value)
{
    if (!mojo_grow((void **)v, cap, *n + 1, sizeof **v))
        return merge_fail(m, MOJO_E_NOMEM, "out of memory");
    kv *e = &(*v)[*n];
    e->key = strndup(key->ptr, key->len);
    e->value = strndup(value->ptr, value->len);
    if (!e->key || !e->value) {
        free(e->key);
        free(e->value);
        return merge_fail(m, MOJO_E_NOMEM, "out of memory");
    }
    (*n)++;
    return MOJO_OK;
}

/* Header metadata of the first input goes out as it comes. Later inputs
 * and every footer add only keys not seen yet, held for the end so that
 * metadata stays around the samples, and all inputs must be in one mode. */
static int merge_metadata(mojo_merge *m, const mojo_event *ev)
{
    const mojo_str *k = &ev->u.metadata.key, *v = &ev->u.metadata.value;
    if (str_eq(k, "mode")) {
        char mode[8] = "";
        memcpy(mode, v->ptr, v->len < 7 ? v->len : 7);
        if (m->input == 1 && !m->first_mode[0])
            memcpy(m->first_mode, mode, sizeof mode);
        else if (m->first_mode[0] && strcmp(mode, m->first_mode) != 0)
            return merge_fail(m, MOJO_E_USAGE, "mode %s does not match mode %s "
                              "of the first input", mode, m->first_mode);
    }
    if (!m->o.defer || (m->in_header && m->input == 1)) {
        if (m->o.defer && remember(m, &m->keys, &m->nkeys, &m->keys_cap, k, v) != MOJO_OK)
            return MOJO_ERROR;
        return mojo_writer_write(m->w, ev);
    }
    if ((m->in_header && find_key(m->keys, m->nkeys, k)) ||
        find_key(m->footer, m->nfooter, k))
        return MOJO_OK; /* the first value stands */
    return remember(m, &m->footer, &m->nfooter, &m->footer_cap, k, v);
}

int mojo_merge_event(mojo_merge *m, const mojo_event *ev)
{
    if (m->failed)
        return MOJO_ERROR;
    switch (ev->type) {
    case MOJO_EVENT_METADATA:
        return merge_metadata(m, ev);
    case MOJO_EVENT_BLANK:
        /* held back blank lines come back with the footer */
        if (!m->o.defer || (m->in_header && m->input == 1))
            return mojo_writer_write(m->w, ev);
        return MOJO_OK;
    case MOJO_EVENT_SAMPLE:
        m->in_header = false;
        if (!m->stacks)
            return mojo_writer_write(m->w, ev);
        m->idle_seen |= ev->u.sample.flags & MOJO_SAMPLE_IDLE;
        if (mojo_stacks_add(m->stacks, &ev->u.sample, 0) != MOJO_OK)
            return merge_fail(m, mojo_stacks_error(m->stacks),
                              mojo_stacks_error(m->stacks) == MOJO_E_LIMIT
                                  ? "too many distinct stacks" : "out of memory");
        return MOJO_OK;
    default:
        return MOJO_OK;
    }
}

/* One stack's sums as at most two samples that keep every total a writer
 * can report: the busy part (time not idle, allocations) and the idle part
 * (idle time, deallocations). Sample counts are not kept. */
static int write_summed(mojo_merge *m, const mojo_stack *st,
                        const mojo_stack_totals *t, unsigned metrics,
                        const mojo_frame **frames)
{
    const mojo_frames *table = mojo_stacks_frames(m->stacks);
    for (size_t k = 0; k < st->nframes; k++)
        frames[k] = mojo_frames_get(table, st->frames[k]);
    mojo_event ev = {.type = MOJO_EVENT_SAMPLE};
    mojo_sample *s = &ev.u.sample;
    *s = (mojo_sample){.pid = st->pid, .iid = st->iid, .tid = st->tid,
                       .thread_name = st->thread_name, .frames = frames,
                       .nframes = st->nframes, .flags = st->flags,
                       .metrics = metrics, .timestamp = -1};
    bool has_time = metrics & MOJO_METRIC_TIME, has_mem = metrics & MOJO_METRIC_MEMORY;
    /* without idle samples the CPU time is all the time */
    int64_t busy = m->idle_seen ? t->cpu : t->time;
    int64_t idle = m->idle_seen ? (int64_t)((uint64_t)t->time - (uint64_t)t->cpu) : 0;
    bool second = (has_time && idle != 0) || (has_mem && t->dealloc != 0);
    bool first = !second || (has_time && busy != 0) || (has_mem && t->alloc != 0);
    if (first) {
        s->time = busy;
        s->memory = t->alloc;
        if (mojo_writer_write(m->w, &ev) != MOJO_OK)
            return MOJO_ERROR;
    }
    if (second) {
        s->time = idle;
        s->memory = -t->dealloc;
        s->flags = st->flags | (idle != 0 ? MOJO_SAMPLE_IDLE : 0);
        if (mojo_writer_write(m->w, &ev) != MOJO_OK)
            return MOJO_ERROR;
    }
    return MOJO_OK;
}

static int write_stacks(mojo_merge *m)
{
    size_t n = mojo_stacks_count(m->stacks), most = 1;
    for (size_t i = 0; i < n; i++)
        if (mojo_stacks_get(m->stacks, i)->nframes > most)
            most = mojo_stacks_get(m->stacks, i)->nframes;
    const mojo_frame **frames = malloc(most * sizeof *frames);
    if (!frames)
        return merge_fail(m, MOJO_E_NOMEM, "out of memory");
    unsigned metrics = mojo_stacks_metrics(m->stacks);
    int rc = MOJO_OK;
    for (size_t i = 0; rc == MOJO_OK && i < n; i++)
        rc = write_summed(m, mojo_stacks_get(m->stacks, i),
                          mojo_stacks_totals(m->stacks, i, 0), metrics, frames);
    free(frames);
    return rc;
}

int mojo_merge_finish(mojo_merge *m)
{
    if (m->failed)
        return MOJO_ERROR;
    if (m->stacks && write_stacks(m) != MOJO_OK)
        return MOJO_ERROR;
    if (m->nfooter) {
        mojo_event ev = {.type = MOJO_EVENT_BLANK};
        if (mojo_writer_write(m->w, &ev) != MOJO_OK)
            return MOJO_ERROR;
        ev.type = MOJO_EVENT_METADATA;
        for (size_t i = 0; i < m->nfooter; i++) {
            ev.u.metadata.key = (mojo_str){m->footer[i].key, strlen(m->footer[i].key)};
            ev.u.metadata.value = (mojo_str){m->footer[i].value,
                                             strlen(m->footer[i].value)};
            if (mojo_writer_write(m->w, &ev) != MOJO_OK)
                return MOJO_ERROR;
        }
        ev.type = MOJO_EVENT_BLANK; /* Austin ends its text so */
        if (mojo_writer_write(m->w, &ev) != MOJO_OK)
            return MOJO_ERROR;
    }
    return MOJO_OK;
}
