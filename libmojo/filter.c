/* Filtering and merging profiles (see filter.h). */
#include "filter.h"
#include "stacks.h"

#include <errno.h>
#include <regex.h>
#include <stdlib.h>
#include <string.h>

/* What the patterns say of one frame, cached by frame id. */
enum {
    MATCH_DONE = 0x80,
    MATCH_FOCUS = 0x1,
    MATCH_IGNORE = 0x2,
    MATCH_HIDE = 0x4,
    MATCH_ROOT = 0x8
};

typedef struct frame_bits {
    const mojo_frame *frame; /* the entry is for this very frame */
    const char *file, *scope;
    unsigned bits;
} frame_bits;

typedef struct pattern_set {
    regex_t *re;
    size_t n;
} pattern_set;

typedef struct thread_sel {
    bool by_id;
    uint64_t id;
    char *name;
} thread_sel;

/* A thread's clock: when it was first seen, and its time since. */
typedef struct thread_clock {
    int64_t start, elapsed;
} thread_clock;

struct mojo_filter {
    int64_t *pids, *iids;
    size_t npids, niids;
    thread_sel *threads;
    size_t nthreads;
    pattern_set focus, ignore, hide, root;
    bool no_idle, gc_only;
    int64_t from, to;

    frame_bits *cache;
    size_t cache_cap;
    char *text;              /* a frame as "file:function:line" */
    size_t text_cap;
    const mojo_frame **kept; /* a rewritten frame list */
    size_t kept_cap;

    /* the clock of inputs without timestamps (see sample_time) */
    mojo_map clock_of;       /* (pid, thread) -> index + 1 */
    thread_clock *clocks;
    size_t nclocks, clocks_cap;
    int64_t now;
    char mode[8];
    const char *input;

    uint64_t seen, passed;
    bool failed;
    mojo_error err;
};

void mojo_filter_options_init(mojo_filter_options *o)
{
    memset(o, 0, sizeof *o);
    o->from = o->to = -1;
}

static bool compile_set(pattern_set *s, const char *const *pats, size_t n,
                        const char *what, mojo_error *err)
{
    s->re = calloc(n + 1, sizeof *s->re);
    if (!s->re) {
        mojo_error_set_nooff(err, MOJO_E_NOMEM, what, "out of memory");
        return false;
    }
    for (; s->n < n; s->n++) {
        int rc = regcomp(&s->re[s->n], pats[s->n], REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char msg[200];
            regerror(rc, &s->re[s->n], msg, sizeof msg);
            mojo_error_set_nooff(err, MOJO_E_USAGE, what, "bad regex '%s': %s",
                                 pats[s->n], msg);
            return false;
        }
    }
    return true;
}

static void free_set(pattern_set *s)
{
    for (size_t i = 0; i < s->n; i++)
        regfree(&s->re[i]);
    free(s->re);
}

/* "123" (decimal), "0x7b" (hex) or a name. */
static bool parse_thread(const char *s, thread_sel *t)
{
    char *end;
    errno = 0;
    bool hex = s[0] == '0' && (s[1] == 'x' || s[1] == 'X');
    unsigned long long v = strtoull(hex ? s + 2 : s, &end, hex ? 16 : 10);
    if (*s && *end == 0 && errno == 0 && s[0] != '-' && s[0] != '+' && !(hex && !s[2])) {
        t->by_id = true;
        t->id = v;
        return true;
    }
    return (t->name = strdup(s)) != NULL;
}

mojo_filter *mojo_filter_new(const mojo_filter_options *o, mojo_error *err)
{
    mojo_filter *f = calloc(1, sizeof *f);
    if (!f) {
        mojo_error_set_nooff(err, MOJO_E_NOMEM, "filter", "out of memory");
        return NULL;
    }
    f->no_idle = o->no_idle;
    f->gc_only = o->gc_only;
    f->from = o->from;
    f->to = o->to;
    f->pids = malloc((o->npids + 1) * sizeof *f->pids);
    f->iids = malloc((o->niids + 1) * sizeof *f->iids);
    f->threads = calloc(o->nthreads + 1, sizeof *f->threads);
    if (!f->pids || !f->iids || !f->threads) {
        mojo_error_set_nooff(err, MOJO_E_NOMEM, "filter", "out of memory");
        mojo_filter_free(f);
        return NULL;
    }
    if (o->npids)
        memcpy(f->pids, o->pids, o->npids * sizeof *f->pids);
    if (o->niids)
        memcpy(f->iids, o->iids, o->niids * sizeof *f->iids);
    f->npids = o->npids;
    f->niids = o->niids;
    for (; f->nthreads < o->nthreads; f->nthreads++)
        if (!parse_thread(o->threads[f->nthreads], &f->threads[f->nthreads])) {
            mojo_error_set_nooff(err, MOJO_E_NOMEM, "filter", "out of memory");
            mojo_filter_free(f);
            return NULL;
        }
    if (!compile_set(&f->focus, o->focus, o->nfocus, "--focus", err) ||
        !compile_set(&f->ignore, o->ignore, o->nignore, "--ignore", err) ||
        !compile_set(&f->hide, o->hide, o->nhide, "--hide", err) ||
        !compile_set(&f->root, o->root, o->nroot, "--root", err)) {
        mojo_filter_free(f);
        return NULL;
    }
    return f;
}

void mojo_filter_free(mojo_filter *f)
{
    if (!f)
        return;
    free_set(&f->focus);
    free_set(&f->ignore);
    free_set(&f->hide);
    free_set(&f->root);
    for (size_t i = 0; i < f->nthreads; i++)
        free(f->threads[i].name);
    free(f->threads);
    free(f->pids);
    free(f->iids);
    free(f->cache);
    free(f->text);
    free(f->kept);
    mojo_map_free(&f->clock_of);
    free(f->clocks);
    free(f);
}

void mojo_filter_begin_input(mojo_filter *f, const char *name)
{
    mojo_map_free(&f->clock_of);
    f->nclocks = 0;
    f->now = 0;
    f->mode[0] = 0;
    f->input = name ? name : "input";
}

const mojo_error *mojo_filter_error(const mojo_filter *f)
{
    return f->failed ? &f->err : NULL;
}

void mojo_filter_counts(const mojo_filter *f, uint64_t *seen, uint64_t *kept)
{
    *seen = f->seen;
    *kept = f->passed;
}

static int fail(mojo_filter *f, mojo_error_code code, const char *what)
{
    mojo_error_set_nooff(&f->err, code, f->input ? f->input : "filter", "%s", what);
    f->failed = true;
    return MOJO_ERROR;
}

/* ---------------------------------------------------------- frames */

/* The frame as Austin text shows it. */
static const char *frame_text(mojo_filter *f, const mojo_frame *fr)
{
    size_t need = fr->file.len + fr->scope.len + 32;
    if (!mojo_grow((void **)&f->text, &f->text_cap, need, 1))
        return NULL;
    if (fr->kind == MOJO_FRAME_INVALID)
        snprintf(f->text, f->text_cap, ":INVALID:");
    else if (fr->line < 0 && fr->file.len == 0)
        snprintf(f->text, f->text_cap, "%s", fr->scope.ptr);
    else
        snprintf(f->text, f->text_cap, "%s:%s:%lld", fr->file.ptr,
                 fr->scope.ptr, (long long)fr->line);
    return f->text;
}

static bool any_match(const pattern_set *s, const char *text)
{
    for (size_t i = 0; i < s->n; i++)
        if (regexec(&s->re[i], text, 0, NULL, 0) == 0)
            return true;
    return false;
}

/* Each pattern runs once per distinct frame; -1 when out of memory. */
static int bits_of(mojo_filter *f, const mojo_frame *fr)
{
    size_t cap = f->cache_cap;
    if (!mojo_grow((void **)&f->cache, &f->cache_cap, (size_t)fr->id + 1,
                   sizeof *f->cache))
        return -1;
    if (f->cache_cap > cap)
        memset(f->cache + cap, 0, (f->cache_cap - cap) * sizeof *f->cache);
    frame_bits *e = &f->cache[fr->id];
    if (e->frame == fr && e->file == fr->file.ptr && e->scope == fr->scope.ptr)
        return (int)e->bits;
    const char *text = frame_text(f, fr);
    if (!text)
        return -1;
    unsigned bits = MATCH_DONE;
    if (any_match(&f->focus, text))
        bits |= MATCH_FOCUS;
    if (any_match(&f->ignore, text))
        bits |= MATCH_IGNORE;
    if (any_match(&f->hide, text))
        bits |= MATCH_HIDE;
    if (any_match(&f->root, text))
        bits |= MATCH_ROOT;
    *e = (frame_bits){fr, fr->file.ptr, fr->scope.ptr, bits};
    return (int)bits;
}

/* ----------------------------------------------------------- labels */

static bool has_i64(const int64_t *v, size_t n, int64_t x)
{
    for (size_t i = 0; i < n; i++)
        if (v[i] == x)
            return true;
    return false;
}

static bool thread_selected(const mojo_filter *f, const mojo_sample *s)
{
    for (size_t i = 0; i < f->nthreads; i++) {
        const thread_sel *t = &f->threads[i];
        if (t->by_id ? !s->thread_name.len && s->tid == t->id
                     : s->thread_name.len == strlen(t->name) &&
                           memcmp(s->thread_name.ptr, t->name, s->thread_name.len) == 0)
            return true;
    }
    return false;
}

/* ------------------------------------------------------------ clock */

/* When a sample was taken, in µs from the start of its input: its
 * timestamp, or else a clock built from the time metrics. Austin samples
 * every thread at each tick in wall and full mode, and each sample's time
 * is the time since the previous tick: so a thread's clock is the sum of
 * its times from where it was first seen, its first sample falls in the
 * tick under way (the input's clock), and the input's clock is the latest
 * of the threads'. cpu mode leaves out idle threads and memory mode
 * carries no time: those inputs have no clock. -1 when the sample cannot
 * be placed (error set). */
static int64_t sample_time(mojo_filter *f, const mojo_sample *s)
{
    if (s->timestamp >= 0)
        return s->timestamp;
    if (!strcmp(f->mode, "cpu") || !strcmp(f->mode, "memory") ||
        !(s->metrics & MOJO_METRIC_TIME)) {
        fail(f, MOJO_E_USAGE, "a time window needs timestamps or a profile "
             "in wall or full mode");
        return -1;
    }
    uint64_t key = mojo_hash_mix(s->tid, (uint64_t)s->iid);
    if (s->thread_name.len)
        key = mojo_hash_mix(key, mojo_hash_bytes(s->thread_name.ptr,
                                                 s->thread_name.len, 1));
    mojo_map_slot *slot = mojo_map_find(&f->clock_of, (uint64_t)s->pid, key);
    thread_clock *c;
    if (slot) {
        c = &f->clocks[slot->value - 1];
    } else {
        if (!mojo_grow((void **)&f->clocks, &f->clocks_cap, f->nclocks + 1,
                       sizeof *f->clocks) ||
            !mojo_map_put(&f->clock_of, (uint64_t)s->pid, key, f->nclocks + 1)) {
            fail(f, MOJO_E_NOMEM, "out of memory");
            return -1;
        }
        c = &f->clocks[f->nclocks++];
        int64_t t0 = s->time > 0 ? s->time : 0;
        *c = (thread_clock){f->now > t0 ? f->now - t0 : 0, 0};
    }
    if (s->time > 0)
        c->elapsed += s->time;
    int64_t t = c->start + c->elapsed;
    if (t > f->now)
        f->now = t;
    return t;
}

/* ---------------------------------------------------------- samples */

/* MOJO_OK keep, MOJO_END drop, MOJO_ERROR. */
static int filter_sample(mojo_filter *f, mojo_sample *s)
{
    if (f->from >= 0 || f->to >= 0) {
        /* every sample moves the clock, kept or not */
        int64_t t = sample_time(f, s);
        if (t < 0)
            return MOJO_ERROR;
        if ((f->from >= 0 && t < f->from) || (f->to >= 0 && t >= f->to))
            return MOJO_END;
    }
    if ((f->npids && !has_i64(f->pids, f->npids, s->pid)) ||
        (f->niids && !has_i64(f->iids, f->niids, s->iid)) ||
        (f->nthreads && !thread_selected(f, s)) ||
        (f->no_idle && (s->flags & MOJO_SAMPLE_IDLE)) ||
        (f->gc_only && !(s->flags & MOJO_SAMPLE_GC)))
        return MOJO_END;
    if (!f->focus.n && !f->ignore.n && !f->hide.n && !f->root.n)
        return MOJO_OK;

    unsigned any = 0;
    size_t root_at = SIZE_MAX;
    for (size_t i = 0; i < s->nframes; i++) {
        int b = bits_of(f, s->frames[i]);
        if (b < 0)
            return fail(f, MOJO_E_NOMEM, "out of memory");
        any |= (unsigned)b;
        if ((b & MATCH_ROOT) && root_at == SIZE_MAX)
            root_at = i;
    }
    if ((f->ignore.n && (any & MATCH_IGNORE)) ||
        (f->focus.n && !(any & MATCH_FOCUS)) ||
        (f->root.n && root_at == SIZE_MAX))
        return MOJO_END;
    size_t first = f->root.n ? root_at : 0;
    if (!(any & MATCH_HIDE) && first == 0)
        return MOJO_OK;
    /* rewrite the frame list: from the new root on, hidden frames out */
    if (!mojo_grow((void **)&f->kept, &f->kept_cap, s->nframes + 1, sizeof *f->kept))
        return fail(f, MOJO_E_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = first; i < s->nframes; i++)
        if (!(f->cache[s->frames[i]->id].bits & MATCH_HIDE))
            f->kept[n++] = s->frames[i];
    s->frames = f->kept;
    s->nframes = n;
    return MOJO_OK;
}

int mojo_filter_event(mojo_filter *f, mojo_event *ev)
{
    if (f->failed)
        return MOJO_ERROR;
    if (ev->type == MOJO_EVENT_METADATA) {
        const mojo_str *k = &ev->u.metadata.key, *v = &ev->u.metadata.value;
        if (k->len == 4 && !memcmp(k->ptr, "mode", 4)) {
            size_t n = v->len < sizeof f->mode - 1 ? v->len : sizeof f->mode - 1;
            memcpy(f->mode, v->ptr, n);
            f->mode[n] = 0;
        }
        return MOJO_OK;
    }
    if (ev->type != MOJO_EVENT_SAMPLE)
        return MOJO_OK;
    f->seen++;
    int rc = filter_sample(f, &ev->u.sample);
    if (rc == MOJO_OK)
        f->passed++;
    return rc;
}

/* ------------------------------------------------------------- merging */

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
