/* MOJO writer: version 3 by default, laid out as Austin 3.7 writes it. Each
 * string and frame is defined once per process, just before its first use,
 * and referred to by key afterwards. */
#include "internal.h"
#include "mojo_format.h"

#include <stdlib.h>
#include <string.h>

typedef struct mojo_wstate {
    int version;
    mojo_map strings;   /* (pid, string pointer) -> key */
    mojo_map frames;    /* (pid, frame pointer) -> key */
    uint64_t next_key;  /* shared by strings and frames: keys are scoped to a
                           process and to their kind, one counter is enough */
} mojo_wstate;

static int put_varint(mojo_output *o, int64_t v)
{
    uint8_t *p = mojo_output_reserve(o, MOJO_VARINT_MAX);
    if (!p)
        return MOJO_ERROR;
    o->cur += mojo_varint_encode(p, v);
    return MOJO_OK;
}

static int put_key(mojo_output *o, uint64_t k)
{
    uint8_t *p = mojo_output_reserve(o, MOJO_VARINT_MAX);
    if (!p)
        return MOJO_ERROR;
    o->cur += mojo_varint_encode_u(p, k);
    return MOJO_OK;
}

/* MOJO strings end at a NUL: an embedded NUL ends them early. */
static int put_string(mojo_output *o, mojo_str s)
{
    size_t n = s.ptr ? strnlen(s.ptr, s.len) : 0;
    if (mojo_output_write(o, s.ptr, n) != MOJO_OK)
        return MOJO_ERROR;
    return mojo_output_putc(o, 0);
}

static int mojo_winit(mojo_writer *w)
{
    mojo_wstate *st = calloc(1, sizeof *st);
    if (!st)
        return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
    w->state = st;
    st->version = w->opts.mojo_version ? w->opts.mojo_version : 3;
    if (st->version < 1 || st->version > MOJO_FORMAT_MAX_VERSION)
        return mojo_writer_fail(w, MOJO_E_USAGE, "cannot write MOJO version %d "
                                "(1 to %d)", st->version, MOJO_FORMAT_MAX_VERSION);
    st->next_key = 2; /* 0 and 1 are the predefined "" and "<unknown>" */
    if (mojo_output_write(w->out, "MOJ", 3) != MOJO_OK)
        return MOJO_ERROR;
    return put_varint(w->out, st->version);
}

/* The key of string s in process pid, defining it first if needed. */
static int string_key(mojo_writer *w, uint64_t pid, mojo_str s, uint64_t *key)
{
    mojo_wstate *st = w->state;
    /* Even "" is defined: austin-python predefines only key 1. */
    mojo_map_slot *slot = mojo_map_find(&st->strings, pid, (uintptr_t)s.ptr);
    if (slot) {
        *key = slot->value;
        return MOJO_OK;
    }
    *key = st->next_key++;
    if (!mojo_map_put(&st->strings, pid, (uintptr_t)s.ptr, (uintptr_t)*key))
        return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
    if (mojo_output_putc(w->out, MOJO_EV_STRING) != MOJO_OK ||
        put_key(w->out, *key) != MOJO_OK || put_string(w->out, s) != MOJO_OK)
        return MOJO_ERROR;
    return MOJO_OK;
}

static int write_frame(mojo_writer *w, uint64_t pid, const mojo_frame *f)
{
    mojo_wstate *st = w->state;
    mojo_output *o = w->out;
    if (f->kind == MOJO_FRAME_INVALID)
        return mojo_output_putc(o, MOJO_EV_FRAME_INVALID);
    if (f->kind == MOJO_FRAME_KERNEL) {
        if (mojo_output_putc(o, MOJO_EV_FRAME_KERNEL) != MOJO_OK)
            return MOJO_ERROR;
        return put_string(o, f->scope);
    }
    uint64_t key;
    mojo_map_slot *slot = mojo_map_find(&st->frames, pid, (uintptr_t)f);
    if (slot) {
        key = slot->value;
    } else {
        uint64_t file, scope;
        if (string_key(w, pid, f->file, &file) != MOJO_OK ||
            string_key(w, pid, f->scope, &scope) != MOJO_OK)
            return MOJO_ERROR;
        key = st->next_key++;
        if (!mojo_map_put(&st->frames, pid, (uintptr_t)f, (uintptr_t)key))
            return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
        if (mojo_output_putc(o, MOJO_EV_FRAME) != MOJO_OK ||
            put_key(o, key) != MOJO_OK || put_key(o, file) != MOJO_OK ||
            put_key(o, scope) != MOJO_OK || put_varint(o, f->line) != MOJO_OK)
            return MOJO_ERROR;
        if (st->version >= 2 &&
            (put_varint(o, f->line_end) != MOJO_OK ||
             put_varint(o, f->column) != MOJO_OK ||
             put_varint(o, f->column_end) != MOJO_OK))
            return MOJO_ERROR;
    }
    if (mojo_output_putc(o, MOJO_EV_FRAME_REF) != MOJO_OK)
        return MOJO_ERROR;
    return put_key(o, key);
}

static int write_thread(mojo_output *o, const mojo_sample *s)
{
    if (s->thread_name.len)
        return put_string(o, s->thread_name);
    char hex[17];
    int n = snprintf(hex, sizeof hex, "%llx", (unsigned long long)s->tid);
    if (mojo_output_write(o, hex, (size_t)n) != MOJO_OK)
        return MOJO_ERROR;
    return mojo_output_putc(o, 0);
}

static int write_sample(mojo_writer *w, const mojo_sample *s)
{
    mojo_wstate *st = w->state;
    mojo_output *o = w->out;
    if (mojo_output_putc(o, MOJO_EV_STACK) != MOJO_OK ||
        put_varint(o, s->pid) != MOJO_OK)
        return MOJO_ERROR;
    if (st->version >= 3 && put_varint(o, s->iid < 0 ? 0 : s->iid) != MOJO_OK)
        return MOJO_ERROR;
    if (write_thread(o, s) != MOJO_OK)
        return MOJO_ERROR;
    for (size_t i = 0; i < s->nframes; i++)
        if (write_frame(w, (uint64_t)s->pid, s->frames[i]) != MOJO_OK)
            return MOJO_ERROR;
    if ((s->flags & MOJO_SAMPLE_GC) && mojo_output_putc(o, MOJO_EV_GC) != MOJO_OK)
        return MOJO_ERROR;
    if (s->metrics & MOJO_METRIC_TIME) {
        if (mojo_output_putc(o, MOJO_EV_METRIC_TIME) != MOJO_OK ||
            put_varint(o, s->time) != MOJO_OK)
            return MOJO_ERROR;
    }
    if ((s->flags & MOJO_SAMPLE_IDLE) && mojo_output_putc(o, MOJO_EV_IDLE) != MOJO_OK)
        return MOJO_ERROR;
    if (s->metrics & MOJO_METRIC_MEMORY) {
        if (mojo_output_putc(o, MOJO_EV_METRIC_MEMORY) != MOJO_OK ||
            put_varint(o, s->memory) != MOJO_OK)
            return MOJO_ERROR;
    }
    return MOJO_OK;
}

static int mojo_wwrite(mojo_writer *w, const mojo_event *ev)
{
    switch (ev->type) {
    case MOJO_EVENT_METADATA:
        if (mojo_output_putc(w->out, MOJO_EV_METADATA) != MOJO_OK ||
            put_string(w->out, ev->u.metadata.key) != MOJO_OK)
            return MOJO_ERROR;
        return put_string(w->out, ev->u.metadata.value);
    case MOJO_EVENT_SAMPLE:
        return write_sample(w, &ev->u.sample);
    default:
        return MOJO_OK;
    }
}

static void mojo_wdestroy(mojo_writer *w)
{
    mojo_wstate *st = w->state;
    if (!st)
        return;
    mojo_map_free(&st->strings);
    mojo_map_free(&st->frames);
    free(st);
}

const mojo_writer_ops mojo_mojo_writer_ops = {
    .init = mojo_winit,
    .write = mojo_wwrite,
    .destroy = mojo_wdestroy,
};
