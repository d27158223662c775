/* Filtering profiles: which samples pass, and which frames (see filter.h). */
#include "filter.h"

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
