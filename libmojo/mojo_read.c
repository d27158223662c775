/* MOJO reader: versions 1 to 4. Each event is parsed from the input window
 * in one go; when the window ends inside an event the window is refilled and
 * the event parsed again from its first byte. */
#include "internal.h"
#include "mojo_format.h"

#include <stdlib.h>
#include <string.h>

enum { PARSED = 0, NEED_MORE = 2, FAILED = -1 };

typedef struct sample_buf {
    mojo_sample s;
    const mojo_frame **frames;
    size_t cap;
    char *name;          /* thread name storage when it is not a number */
    size_t namecap;
} sample_buf;

typedef struct prev_stack {
    const mojo_frame **frames;
    size_t n, cap;
} prev_stack;

enum item { ITEM_SAMPLE, ITEM_META, ITEM_BLANK };
enum last { LAST_NONE, LAST_META, LAST_SAMPLE };

typedef struct mojo_state {
    mojo_map strings;   /* (scope, key) -> const char * (interned) */
    mojo_map frames;    /* (scope, key) -> const mojo_frame * */
    mojo_map prev;      /* (pid, thread hash) -> prev_stack *, for v4 */
    sample_buf cur, out;
    bool open;          /* cur holds a sample being read */
    unsigned required;  /* metrics a sample needs to be complete */
    /* events ready to hand out, in order */
    enum item queue[4];
    int qhead, qlen;
    enum last last;
    bool any_sample;
    char *meta;         /* key NUL value NUL */
    size_t metacap, keylen, vallen;
    bool error_pending; /* hand out what is queued, then fail */
    bool eof;
    const mojo_frame *invalid; /* the FRAME_INVALID frame */
    uint64_t event_off; /* offset of the event being parsed */
} mojo_state;

/* Definitions made outside any sample (austinp 3.4) live in scope 0. */
static uint64_t scope_of(const mojo_state *st)
{
    return st->open ? ((uint64_t)st->cur.s.pid << 1) | 1 : 0;
}

static void push(mojo_state *st, enum item it)
{
    enum last now = it == ITEM_SAMPLE ? LAST_SAMPLE : it == ITEM_META ? LAST_META : st->last;
    /* Austin's text mode prints an empty line between the metadata header and
     * the samples, and before the footer. */
    if (it != ITEM_BLANK && st->last != LAST_NONE && now != st->last)
        st->queue[(st->qhead + st->qlen++) % 4] = ITEM_BLANK;
    st->queue[(st->qhead + st->qlen++) % 4] = it;
    if (it == ITEM_SAMPLE)
        st->any_sample = true;
    st->last = now;
}

static unsigned required_metrics(const char *mode, size_t n)
{
    if ((n == 4 && !memcmp(mode, "wall", 4)) || (n == 3 && !memcmp(mode, "cpu", 3)))
        return MOJO_METRIC_TIME;
    if (n == 6 && !memcmp(mode, "memory", 6))
        return MOJO_METRIC_MEMORY;
    if (n == 4 && !memcmp(mode, "full", 4))
        return MOJO_METRIC_TIME | MOJO_METRIC_MEMORY;
    return 0;
}

static bool sample_complete(const mojo_state *st)
{
    unsigned m = st->cur.s.metrics;
    return st->required ? (m & st->required) == st->required : m != 0;
}

/* ---------------------------------------------------------- field parsing */

static int rd_varint(mojo_reader *r, const uint8_t **pp, const uint8_t *e,
                     uint64_t *mag, bool *neg, const char *what)
{
    const uint8_t *p = *pp;
    if (p >= e)
        return NEED_MORE;
    uint8_t b = *p++;
    uint64_t m = b & 0x3f;
    *neg = (b & 0x40) != 0;
    int shift = 6;
    while (b & 0x80) {
        if (p >= e)
            return NEED_MORE;
        b = *p++;
        uint64_t part = b & 0x7f;
        if (shift >= 64 || (shift > 57 && (part >> (64 - shift)) != 0)) {
            mojo_reader_fail(r, MOJO_E_FORMAT, mojo_input_offset(r->in, p - 1),
                             "%s: integer does not fit in 64 bits", what);
            return FAILED;
        }
        m |= part << shift;
        shift += 7;
    }
    *mag = m;
    *pp = p;
    return PARSED;
}

static int rd_int(mojo_reader *r, const uint8_t **pp, const uint8_t *e,
                  int64_t *v, const char *what)
{
    uint64_t m;
    bool neg;
    int rc = rd_varint(r, pp, e, &m, &neg, what);
    if (rc != PARSED)
        return rc;
    if (m > (uint64_t)INT64_MAX) {
        mojo_reader_fail(r, MOJO_E_FORMAT, mojo_input_offset(r->in, *pp) - 1,
                         "%s: %s%llu is out of range", what, neg ? "-" : "",
                         (unsigned long long)m);
        return FAILED;
    }
    *v = neg ? -(int64_t)m : (int64_t)m;
    return PARSED;
}

/* Keys are unsigned 64-bit; a negative key is kept apart by its sign. */
static int rd_key(mojo_reader *r, const uint8_t **pp, const uint8_t *e,
                  uint64_t *key, const char *what)
{
    bool neg;
    int rc = rd_varint(r, pp, e, key, &neg, what);
    if (rc == PARSED && neg)
        *key = ~*key;
    return rc;
}

static int rd_string(mojo_reader *r, const uint8_t **pp, const uint8_t *e,
                     const char **s, size_t *n, const char *what)
{
    const uint8_t *p = *pp;
    size_t avail = (size_t)(e - p);
    size_t look = avail < MOJO_MAX_STRING + 1 ? avail : MOJO_MAX_STRING + 1;
    const uint8_t *z = memchr(p, 0, look);
    if (!z) {
        if (avail > MOJO_MAX_STRING) {
            mojo_reader_fail(r, MOJO_E_LIMIT, mojo_input_offset(r->in, p),
                             "%s: no NUL within %u bytes (a string without its "
                             "terminator?)", what, MOJO_MAX_STRING);
            return FAILED;
        }
        return NEED_MORE;
    }
    *s = (const char *)p;
    *n = (size_t)(z - p);
    *pp = z + 1;
    return PARSED;
}

/* ----------------------------------------------------------- the sample */

static bool sample_reserve(mojo_reader *r, sample_buf *b, size_t n)
{
    if (n > MOJO_MAX_FRAMES) {
        mojo_reader_fail(r, MOJO_E_LIMIT, r->in ? mojo_input_offset(r->in, r->in->cur) : 0,
                         "a sample with more than %u frames", MOJO_MAX_FRAMES);
        return false;
    }
    if (!mojo_grow((void **)&b->frames, &b->cap, n, sizeof *b->frames)) {
        mojo_reader_fail(r, MOJO_E_NOMEM, 0, "out of memory");
        return false;
    }
    return true;
}

static bool append_frame(mojo_reader *r, mojo_state *st, const mojo_frame *f)
{
    sample_buf *b = &st->cur;
    if (!sample_reserve(r, b, b->s.nframes + 1))
        return false;
    b->frames[b->s.nframes++] = f;
    return true;
}

/* Parse a thread field: lower-case hex without leading zeros is a number,
 * anything else is kept as a name. */
static bool set_thread(mojo_reader *r, sample_buf *b, const char *s, size_t n)
{
    uint64_t v = 0;
    bool num = n > 0 && n <= 16 && !(n > 1 && s[0] == '0');
    for (size_t i = 0; num && i < n; i++) {
        char c = s[i];
        if (c >= '0' && c <= '9')
            v = v << 4 | (uint64_t)(c - '0');
        else if (c >= 'a' && c <= 'f')
            v = v << 4 | (uint64_t)(c - 'a' + 10);
        else
            num = false;
    }
    b->s.tid = num ? v : 0;
    b->s.thread_name = (mojo_str){"", 0};
    if (num)
        return true;
    if (!mojo_grow((void **)&b->name, &b->namecap, n + 1, 1)) {
        mojo_reader_fail(r, MOJO_E_NOMEM, 0, "out of memory");
        return false;
    }
    memcpy(b->name, s, n);
    b->name[n] = '\0';
    b->s.thread_name = (mojo_str){b->name, n};
    return true;
}

static uint64_t thread_key(const mojo_sample *s)
{
    return s->thread_name.len ? mojo_hash_bytes(s->thread_name.ptr, s->thread_name.len, 7) | 1
                              : s->tid << 1;
}

/* Keep the finished sample's frames for a later STACK_REPEAT (v4). */
static bool remember(mojo_reader *r, mojo_state *st, const mojo_sample *s)
{
    mojo_map_slot *slot = mojo_map_find(&st->prev, (uint64_t)s->pid, thread_key(s));
    prev_stack *ps = slot ? (prev_stack *)slot->value : NULL;
    if (!ps) {
        if (st->prev.count >= MOJO_MAX_KEYS) {
            mojo_reader_fail(r, MOJO_E_LIMIT, st->event_off, "too many threads");
            return false;
        }
        if (!(ps = calloc(1, sizeof *ps)) ||
            !mojo_map_put(&st->prev, (uint64_t)s->pid, thread_key(s), (uintptr_t)ps)) {
            free(ps);
            mojo_reader_fail(r, MOJO_E_NOMEM, 0, "out of memory");
            return false;
        }
    }
    if (!mojo_grow((void **)&ps->frames, &ps->cap, s->nframes, sizeof *ps->frames)) {
        mojo_reader_fail(r, MOJO_E_NOMEM, 0, "out of memory");
        return false;
    }
    if (s->nframes) /* frames may be NULL when there are none */
        memcpy(ps->frames, s->frames, s->nframes * sizeof *ps->frames);
    ps->n = s->nframes;
    return true;
}

/* Move the open sample to the out buffer and queue it. */
static bool finish_sample(mojo_reader *r, mojo_state *st)
{
    sample_buf t = st->out;
    st->out = st->cur;
    st->cur = t;
    st->open = false;
    st->out.s.frames = (const mojo_frame *const *)st->out.frames;
    if (st->out.s.thread_name.len)
        st->out.s.thread_name.ptr = st->out.name;
    if (r->version >= 4 && !remember(r, st, &st->out.s))
        return false;
    push(st, ITEM_SAMPLE);
    return true;
}

/* On an error, keep the open sample when it is whole. */
static void finish_on_error(mojo_reader *r, mojo_state *st)
{
    /* The error is reported after what is queued (r->err keeps it). */
    st->error_pending = true;
    r->failed = false;
    if (st->open && sample_complete(st))
        finish_sample(r, st);
    r->failed = false;
}

static bool is_python_frame(const mojo_frame *f)
{
    if (f->kind != MOJO_FRAME_PYTHON)
        return false;
    /* As austin-python: a .py file or a <frozen ...>-style pseudo file. */
    const char *s = f->file.ptr;
    size_t n = f->file.len;
    return (n >= 3 && !memcmp(s + n - 3, ".py", 3)) ||
           (n >= 2 && s[0] == '<' && s[n - 1] == '>');
}

/* STACK_REPEAT: the previous stack of this thread, less its trailing
 * non-Python frames, is the outer part; frames read so far are the inner. */
static bool stack_repeat(mojo_reader *r, mojo_state *st)
{
    sample_buf *b = &st->cur;
    mojo_map_slot *slot = mojo_map_find(&st->prev, (uint64_t)b->s.pid, thread_key(&b->s));
    prev_stack *ps = slot ? (prev_stack *)slot->value : NULL;
    size_t keep = ps ? ps->n : 0;
    while (keep > 0 && !is_python_frame(ps->frames[keep - 1]))
        keep--;
    if (!keep)
        return true;
    size_t n = b->s.nframes;
    if (!sample_reserve(r, b, n + keep))
        return false;
    memmove(b->frames + keep, b->frames, n * sizeof *b->frames);
    memcpy(b->frames, ps->frames, keep * sizeof *b->frames);
    b->s.nframes = n + keep;
    return true;
}

static const char *lookup_string(mojo_state *st, uint64_t key)
{
    mojo_map_slot *s = mojo_map_find(&st->strings, scope_of(st), key);
    if (!s && st->open)
        s = mojo_map_find(&st->strings, 0, key);
    if (s)
        return (const char *)s->value;
    if (key == 0)
        return "";
    if (key == 1)
        return "<unknown>";
    return NULL;
}

static const mojo_frame *lookup_frame(mojo_state *st, uint64_t key)
{
    mojo_map_slot *s = mojo_map_find(&st->frames, scope_of(st), key);
    if (!s && st->open)
        s = mojo_map_find(&st->frames, 0, key);
    return s ? (const mojo_frame *)s->value : NULL;
}

static mojo_frame_kind kind_of_file(const char *file)
{
    return strncmp(file, "native@", 7) == 0 ? MOJO_FRAME_NATIVE : MOJO_FRAME_PYTHON;
}

/* ------------------------------------------------------------ one event */

static const char *const event_names[] = {
    "RESERVED", "METADATA", "STACK", "FRAME", "FRAME_INVALID", "FRAME_REF",
    "FRAME_KERNEL", "GC", "IDLE", "METRIC_TIME", "METRIC_MEMORY", "STRING",
    "STRING_REF", "STACK_REPEAT",
};

#define TRY(call)                     \
    do {                              \
        int rc_ = (call);             \
        if (rc_ != PARSED)            \
            return rc_;               \
    } while (0)

static int need_sample(mojo_reader *r, mojo_state *st, int id)
{
    if (st->open)
        return PARSED;
    mojo_reader_fail(r, MOJO_E_FORMAT, st->event_off,
                     "%s event outside a sample (expected a STACK event first)",
                     event_names[id]);
    return FAILED;
}

static int parse_event(mojo_reader *r, mojo_state *st, const uint8_t **pp,
                       const uint8_t *e)
{
    const uint8_t *p = *pp;
    int id = *p++;
    const char *s1, *s2;
    size_t n1, n2;
    int64_t v;
    uint64_t key;

    switch (id) {
    case MOJO_EV_METADATA:
        TRY(rd_string(r, &p, e, &s1, &n1, "metadata key"));
        TRY(rd_string(r, &p, e, &s2, &n2, "metadata value"));
        if (!mojo_grow((void **)&st->meta, &st->metacap, n1 + n2 + 2, 1))
            return mojo_reader_fail(r, MOJO_E_NOMEM, st->event_off, "out of memory");
        memcpy(st->meta, s1, n1);
        st->meta[n1] = '\0';
        memcpy(st->meta + n1 + 1, s2, n2);
        st->meta[n1 + 1 + n2] = '\0';
        st->keylen = n1;
        st->vallen = n2;
        if (n1 == 4 && !memcmp(s1, "mode", 4))
            st->required = required_metrics(s2, n2);
        *pp = p;
        if (st->open && !finish_sample(r, st))
            return FAILED;
        push(st, ITEM_META);
        return PARSED;

    case MOJO_EV_STACK: {
        int64_t pid, iid = -1;
        TRY(rd_int(r, &p, e, &pid, "STACK pid"));
        if (r->version >= 3)
            TRY(rd_int(r, &p, e, &iid, "STACK interpreter id"));
        TRY(rd_string(r, &p, e, &s1, &n1, "STACK thread id"));
        *pp = p;
        if (st->open && !finish_sample(r, st))
            return FAILED;
        sample_buf *b = &st->cur;
        if (!set_thread(r, b, s1, n1))
            return FAILED;
        b->s.pid = pid;
        b->s.iid = iid;
        b->s.nframes = 0;
        b->s.flags = 0;
        b->s.metrics = 0;
        b->s.time = b->s.memory = 0;
        b->s.timestamp = -1;
        st->open = true;
        return PARSED;
    }

    case MOJO_EV_FRAME: {
        uint64_t fkey, file, scope;
        mojo_frame f = {0};
        TRY(rd_key(r, &p, e, &fkey, "FRAME key"));
        TRY(rd_key(r, &p, e, &file, "FRAME file name key"));
        TRY(rd_key(r, &p, e, &scope, "FRAME scope key"));
        TRY(rd_int(r, &p, e, &f.line, "FRAME line"));
        if (r->version >= 2) {
            TRY(rd_int(r, &p, e, &f.line_end, "FRAME line_end"));
            TRY(rd_int(r, &p, e, &f.column, "FRAME column"));
            TRY(rd_int(r, &p, e, &f.column_end, "FRAME column_end"));
        }
        const char *fs = lookup_string(st, file), *ss = lookup_string(st, scope);
        if (!fs || !ss)
            return mojo_reader_fail(r, MOJO_E_FORMAT, st->event_off,
                                    "FRAME refers to undefined string key %llu "
                                    "(expected a STRING event defining it first)",
                                    (unsigned long long)(!fs ? file : scope));
        f.file = mojo_frames_intern_str(r->frames, fs, strlen(fs));
        f.scope = mojo_frames_intern_str(r->frames, ss, strlen(ss));
        f.kind = kind_of_file(fs);
        const mojo_frame *fr = f.file.ptr && f.scope.ptr
                                   ? mojo_frames_intern_prepared(r->frames, &f) : NULL;
        if (!fr)
            return mojo_reader_fail(r, MOJO_E_NOMEM, st->event_off, "out of memory");
        if (st->frames.count >= MOJO_MAX_KEYS && !mojo_map_find(&st->frames, scope_of(st), fkey))
            return mojo_reader_fail(r, MOJO_E_LIMIT, st->event_off,
                                    "more than %u frame keys", MOJO_MAX_KEYS);
        if (!mojo_map_put(&st->frames, scope_of(st), fkey, (uintptr_t)fr))
            return mojo_reader_fail(r, MOJO_E_NOMEM, st->event_off, "out of memory");
        *pp = p;
        return PARSED;
    }

    case MOJO_EV_FRAME_REF:
        TRY(need_sample(r, st, id));
        TRY(rd_key(r, &p, e, &key, "FRAME_REF key"));
        {
            const mojo_frame *f = lookup_frame(st, key);
            if (!f)
                return mojo_reader_fail(r, MOJO_E_FORMAT, st->event_off,
                                        "FRAME_REF to undefined frame key %llu "
                                        "(expected a FRAME event defining it first)",
                                        (unsigned long long)key);
            if (!append_frame(r, st, f))
                return FAILED;
        }
        *pp = p;
        return PARSED;

    case MOJO_EV_FRAME_INVALID:
        TRY(need_sample(r, st, id));
        if (!append_frame(r, st, st->invalid))
            return FAILED;
        *pp = p;
        return PARSED;

    case MOJO_EV_FRAME_KERNEL: {
        TRY(need_sample(r, st, id));
        TRY(rd_string(r, &p, e, &s1, &n1, "FRAME_KERNEL name"));
        mojo_frame f = {.kind = MOJO_FRAME_KERNEL,
                        .file = {"kernel", 6},
                        .scope = {s1, n1}};
        const mojo_frame *fr = mojo_frames_intern(r->frames, &f);
        if (!fr)
            return mojo_reader_fail(r, MOJO_E_NOMEM, st->event_off, "out of memory");
        if (!append_frame(r, st, fr))
            return FAILED;
        *pp = p;
        return PARSED;
    }

    case MOJO_EV_GC:
    case MOJO_EV_IDLE:
        TRY(need_sample(r, st, id));
        st->cur.s.flags |= id == MOJO_EV_GC ? MOJO_SAMPLE_GC : MOJO_SAMPLE_IDLE;
        *pp = p;
        return PARSED;

    case MOJO_EV_METRIC_TIME:
    case MOJO_EV_METRIC_MEMORY:
        TRY(need_sample(r, st, id));
        TRY(rd_int(r, &p, e, &v, event_names[id]));
        if (id == MOJO_EV_METRIC_TIME) {
            st->cur.s.time = v;
            st->cur.s.metrics |= MOJO_METRIC_TIME;
        } else {
            st->cur.s.memory = v;
            st->cur.s.metrics |= MOJO_METRIC_MEMORY;
        }
        *pp = p;
        return PARSED;

    case MOJO_EV_STRING: {
        TRY(rd_key(r, &p, e, &key, "STRING key"));
        TRY(rd_string(r, &p, e, &s1, &n1, "STRING value"));
        mojo_str s = mojo_frames_intern_str(r->frames, s1, n1);
        if (!s.ptr)
            return mojo_reader_fail(r, MOJO_E_NOMEM, st->event_off, "out of memory");
        if (st->strings.count >= MOJO_MAX_KEYS && !mojo_map_find(&st->strings, scope_of(st), key))
            return mojo_reader_fail(r, MOJO_E_LIMIT, st->event_off,
                                    "more than %u string keys", MOJO_MAX_KEYS);
        if (!mojo_map_put(&st->strings, scope_of(st), key, (uintptr_t)s.ptr))
            return mojo_reader_fail(r, MOJO_E_NOMEM, st->event_off, "out of memory");
        *pp = p;
        return PARSED;
    }

    case MOJO_EV_STRING_REF:
        TRY(rd_key(r, &p, e, &key, "STRING_REF key"));
        if (!lookup_string(st, key))
            return mojo_reader_fail(r, MOJO_E_FORMAT, st->event_off,
                                    "STRING_REF to undefined string key %llu",
                                    (unsigned long long)key);
        *pp = p;
        return PARSED;

    case MOJO_EV_STACK_REPEAT:
        TRY(need_sample(r, st, id));
        if (!stack_repeat(r, st))
            return FAILED;
        *pp = p;
        return PARSED;

    default:
        return mojo_reader_fail(r, MOJO_E_FORMAT, st->event_off,
                                "unknown event id %d (expected 1 to %d in MOJO "
                                "version %d)", id, MOJO_EV_MAX, r->version);
    }
}

/* ------------------------------------------------------------ the reader */

static int mojo_init(mojo_reader *r)
{
    mojo_input *in = r->in;
    ptrdiff_t n = mojo_input_need(in, 3 + MOJO_VARINT_MAX);
    if (n < 0)
        return mojo_reader_fail_input(r);
    if (n < 3 || memcmp(in->cur, "MOJ", 3) != 0)
        return mojo_reader_fail(r, MOJO_E_FORMAT, 0, "not a MOJO file "
                                "(expected the bytes \"MOJ\")");
    const uint8_t *p = in->cur + 3;
    int64_t version;
    int rc = rd_int(r, &p, in->end, &version, "MOJO version");
    if (rc == NEED_MORE)
        return mojo_reader_fail(r, MOJO_E_TRUNCATED, (uint64_t)n,
                                "the input ends inside the MOJO header");
    if (rc != PARSED)
        return MOJO_ERROR;
    if (version < 1 || version > MOJO_FORMAT_MAX_VERSION)
        return mojo_reader_fail(r, MOJO_E_FORMAT, 3,
                                "unsupported MOJO version %lld (expected 1 to %d)",
                                (long long)version, MOJO_FORMAT_MAX_VERSION);
    in->cur = p;
    r->version = (int)version;

    mojo_state *st = calloc(1, sizeof *st);
    if (!st)
        return mojo_reader_fail(r, MOJO_E_NOMEM, 0, "out of memory");
    r->state = st;
    mojo_frame inv = {.kind = MOJO_FRAME_INVALID, .file = {"", 0},
                      .scope = {"INVALID", 7}};
    if (!(st->invalid = mojo_frames_intern(r->frames, &inv)))
        return mojo_reader_fail(r, MOJO_E_NOMEM, 0, "out of memory");
    return MOJO_OK;
}

static int pop(mojo_reader *r, mojo_state *st, mojo_event *ev)
{
    enum item it = st->queue[st->qhead];
    st->qhead = (st->qhead + 1) % 4;
    st->qlen--;
    if (it == ITEM_SAMPLE) {
        ev->type = MOJO_EVENT_SAMPLE;
        ev->u.sample = st->out.s;
    } else if (it == ITEM_META) {
        ev->type = MOJO_EVENT_METADATA;
        ev->u.metadata.key = (mojo_str){st->meta, st->keylen};
        ev->u.metadata.value = (mojo_str){st->meta + st->keylen + 1, st->vallen};
    } else {
        ev->type = MOJO_EVENT_BLANK;
    }
    return MOJO_OK;
}

/* The input ended at an event boundary. */
static void at_end(mojo_reader *r, mojo_state *st)
{
    if (st->open) {
        if (!sample_complete(st)) {
            mojo_reader_fail(r, MOJO_E_TRUNCATED,
                             mojo_input_offset(r->in, r->in->cur),
                             "the input ends inside a sample (its metrics are "
                             "missing)");
            finish_on_error(r, st);
            return;
        }
        if (!finish_sample(r, st))
            return;
    }
    if (st->last == LAST_META && st->any_sample)
        push(st, ITEM_BLANK);
}

static int mojo_next(mojo_reader *r, mojo_event *ev)
{
    mojo_state *st = r->state;
    mojo_input *in = r->in;
    for (;;) {
        if (st->qlen > 0)
            return pop(r, st, ev);
        if (st->error_pending)
            return MOJO_ERROR;
        if (in->cur == in->end) {
            ptrdiff_t n = mojo_input_need(in, 1);
            if (n < 0) {
                mojo_reader_fail_input(r);
                finish_on_error(r, st);
                continue;
            }
            if (n == 0) {
                if (st->eof)
                    return MOJO_END;
                st->eof = true;
                at_end(r, st);
                continue;
            }
        }
        const uint8_t *p = in->cur;
        st->event_off = mojo_input_offset(in, p);
        int rc = parse_event(r, st, &p, in->end);
        if (rc == PARSED) {
            in->cur = p;
            continue;
        }
        if (rc == NEED_MORE) {
            size_t have = (size_t)(in->end - in->cur);
            ptrdiff_t n = mojo_input_need(in, have + 1);
            if (n < 0) {
                mojo_reader_fail_input(r);
                finish_on_error(r, st);
            } else if ((size_t)n <= have) {
                mojo_reader_fail(r, MOJO_E_TRUNCATED, mojo_input_offset(in, in->end),
                                 "the input ends inside a %s event that starts "
                                 "at offset %llu",
                                 *in->cur <= MOJO_EV_MAX ? event_names[*in->cur] : "?",
                                 (unsigned long long)st->event_off);
                finish_on_error(r, st);
            }
            continue;
        }
        finish_on_error(r, st);
    }
}

static void mojo_destroy(mojo_reader *r)
{
    mojo_state *st = r->state;
    if (!st)
        return;
    for (size_t i = 0; i < st->prev.cap; i++)
        if (st->prev.slots[i].used) {
            prev_stack *ps = (prev_stack *)st->prev.slots[i].value;
            free(ps->frames);
            free(ps);
        }
    mojo_map_free(&st->prev);
    mojo_map_free(&st->strings);
    mojo_map_free(&st->frames);
    free(st->cur.frames);
    free(st->cur.name);
    free(st->out.frames);
    free(st->out.name);
    free(st->meta);
    free(st);
}

const mojo_reader_ops mojo_mojo_reader_ops = {
    .init = mojo_init,
    .next = mojo_next,
    .destroy = mojo_destroy,
};
