/* Austin text writer: one line per sample, "P<pid>;T<iid>:<tid>;frames
 * metrics", metadata as "# key: value", exactly as Austin's text mode. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

/* Rendered "file:scope:line" per frame, cached by frame id; the cached
 * pointer confirms the entry belongs to this very frame. */
typedef struct rendered {
    const mojo_frame *frame;
    char *text;
    size_t len;
} rendered;

typedef struct austin_wstate {
    rendered *cache;
    size_t cap;
} austin_wstate;

static char *fmt_i64(char *p, int64_t v)
{
    char tmp[24];
    int n = 0;
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    do {
        tmp[n++] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    if (v < 0)
        *p++ = '-';
    while (n)
        *p++ = tmp[--n];
    return p;
}

static char *fmt_u64(char *p, uint64_t m)
{
    char tmp[24];
    int n = 0;
    do {
        tmp[n++] = (char)('0' + m % 10);
        m /= 10;
    } while (m);
    while (n)
        *p++ = tmp[--n];
    return p;
}

static const rendered *render(mojo_writer *w, const mojo_frame *f)
{
    austin_wstate *st = w->state;
    if (f->id >= st->cap) {
        size_t old = st->cap;
        if (!mojo_grow((void **)&st->cache, &st->cap, (size_t)f->id + 1, sizeof *st->cache))
            return NULL;
        memset(st->cache + old, 0, (st->cap - old) * sizeof *st->cache);
    }
    rendered *r = &st->cache[f->id];
    if (r->frame == f)
        return r;
    free(r->text);
    r->frame = NULL;
    size_t n = f->file.len + f->scope.len + 32;
    char *t = malloc(n), *p = t;
    if (!t)
        return NULL;
    if (f->kind == MOJO_FRAME_INVALID) {
        memcpy(p, ":INVALID:", 9);
        p += 9;
    } else if (f->line < 0 && f->file.len == 0) {
        memcpy(p, f->scope.ptr, f->scope.len); /* a token kept as it was */
        p += f->scope.len;
    } else {
        memcpy(p, f->file.ptr, f->file.len);
        p += f->file.len;
        *p++ = ':';
        memcpy(p, f->scope.ptr, f->scope.len);
        p += f->scope.len;
        *p++ = ':';
        p = fmt_i64(p, f->line);
    }
    r->frame = f;
    r->text = t;
    r->len = (size_t)(p - t);
    return r;
}

static int64_t pick_metric(const mojo_writer *w, const mojo_sample *s)
{
    switch (w->opts.text_metric) {
    case MOJO_TEXT_METRIC_CPU: return (s->flags & MOJO_SAMPLE_IDLE) ? 0 : s->time;
    case MOJO_TEXT_METRIC_MEMORY: return s->memory;
    case MOJO_TEXT_METRIC_ALLOC: return s->memory > 0 ? s->memory : 0;
    case MOJO_TEXT_METRIC_DEALLOC: return s->memory < 0 ? -s->memory : 0;
    case MOJO_TEXT_METRIC_TIME:
    default:
        return (s->metrics & MOJO_METRIC_TIME) || !(s->metrics & MOJO_METRIC_MEMORY)
                   ? s->time : s->memory;
    }
}

static int write_sample(mojo_writer *w, const mojo_sample *s)
{
    mojo_output *o = w->out;
    char *p = (char *)mojo_output_reserve(o, 80);
    if (!p)
        return MOJO_ERROR;
    bool first = true;
    if (s->pid >= 0) {
        *p++ = 'P';
        p = fmt_i64(p, s->pid);
        *p++ = ';';
        *p++ = 'T';
        if (s->iid >= 0) {
            p = fmt_i64(p, s->iid);
            *p++ = ':';
        }
        if (!s->thread_name.len)
            p = fmt_u64(p, s->tid);
        o->cur = (uint8_t *)p;
        if (s->thread_name.len &&
            mojo_output_write(o, s->thread_name.ptr, s->thread_name.len) != MOJO_OK)
            return MOJO_ERROR;
        first = false;
    }
    for (size_t i = 0; i < s->nframes; i++) {
        const rendered *r = render(w, s->frames[i]);
        if (!r)
            return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
        if (!first && mojo_output_putc(o, ';') != MOJO_OK)
            return MOJO_ERROR;
        if (mojo_output_write(o, r->text, r->len) != MOJO_OK)
            return MOJO_ERROR;
        first = false;
    }
    if ((s->flags & MOJO_SAMPLE_GC) &&
        mojo_output_write(o, ";:GC:" + first, 5 - first) != MOJO_OK)
        return MOJO_ERROR;
    if (!(p = (char *)mojo_output_reserve(o, 80)))
        return MOJO_ERROR;
    *p++ = ' ';
    if (w->opts.text_metric == MOJO_TEXT_METRIC_AUTO &&
        (s->metrics & MOJO_METRIC_TIME) && (s->metrics & MOJO_METRIC_MEMORY)) {
        p = fmt_i64(p, s->time);
        *p++ = ',';
        *p++ = (s->flags & MOJO_SAMPLE_IDLE) ? '1' : '0';
        *p++ = ',';
        p = fmt_i64(p, s->memory);
    } else {
        p = fmt_i64(p, pick_metric(w, s));
    }
    *p++ = '\n';
    o->cur = (uint8_t *)p;
    return MOJO_OK;
}

static int austin_wwrite(mojo_writer *w, const mojo_event *ev)
{
    switch (ev->type) {
    case MOJO_EVENT_SAMPLE:
        return write_sample(w, &ev->u.sample);
    case MOJO_EVENT_METADATA:
        if (w->opts.no_metadata)
            return MOJO_OK;
        if (mojo_output_write(w->out, "# ", 2) != MOJO_OK ||
            mojo_output_write(w->out, ev->u.metadata.key.ptr, ev->u.metadata.key.len) != MOJO_OK ||
            mojo_output_write(w->out, ": ", 2) != MOJO_OK ||
            mojo_output_write(w->out, ev->u.metadata.value.ptr, ev->u.metadata.value.len) != MOJO_OK)
            return MOJO_ERROR;
        return mojo_output_putc(w->out, '\n');
    case MOJO_EVENT_BLANK:
        /* Blank lines only frame the metadata; without it they go too. */
        return w->opts.no_metadata ? MOJO_OK : mojo_output_putc(w->out, '\n');
    default:
        return MOJO_OK;
    }
}

static int austin_winit(mojo_writer *w)
{
    if (!(w->state = calloc(1, sizeof(austin_wstate))))
        return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
    return MOJO_OK;
}

static void austin_wdestroy(mojo_writer *w)
{
    austin_wstate *st = w->state;
    if (!st)
        return;
    for (size_t i = 0; i < st->cap; i++)
        free(st->cache[i].text);
    free(st->cache);
    free(st);
}

const mojo_writer_ops mojo_austin_writer_ops = {
    .init = austin_winit,
    .write = austin_wwrite,
    .destroy = austin_wdestroy,
};
