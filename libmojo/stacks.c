/* The interned stack table (see stacks.h). */
#include "stacks.h"

#include <stdlib.h>
#include <string.h>

#define ID_CHUNK 65536u            /* frame ids per arena chunk */
#define MAX_STACKS (UINT32_MAX / 2) /* hash slots hold index + 1 in 32 bits */

typedef struct id_chunk {
    struct id_chunk *next;
    size_t used, cap;
    uint32_t ids[];
} id_chunk;

/* Source frame -> own id. A hit needs the same frame pointer and the same
 * string pointers, so a table freed and reallocated at the same address by
 * another reader is not mistaken for the old one. */
typedef struct {
    const mojo_frame *src;
    const char *file, *scope;
    uint32_t own;
} xlat_entry;

struct mojo_stacks {
    unsigned key, nslots;
    mojo_frames *frames;
    xlat_entry *xlat;
    size_t xcap;
    mojo_stack *stacks;
    uint64_t *hashes;
    mojo_stack_totals *totals; /* nslots per stack */
    size_t n, cap;
    uint32_t *table;           /* open addressing: stack index + 1, 0 empty */
    size_t tcap;
    id_chunk *chunks;
    uint32_t *scratch;         /* own ids of the sample being added */
    size_t scratch_cap;
    unsigned metrics, flags;
    mojo_error_code err;
};

mojo_stacks *mojo_stacks_new(unsigned key, unsigned nslots)
{
    if (nslots == 0)
        return NULL;
    mojo_stacks *s = calloc(1, sizeof *s);
    if (!s)
        return NULL;
    s->key = key;
    s->nslots = nslots;
    s->frames = mojo_frames_new();
    if (!s->frames) {
        free(s);
        return NULL;
    }
    return s;
}

void mojo_stacks_free(mojo_stacks *s)
{
    if (!s)
        return;
    for (id_chunk *c = s->chunks, *next; c; c = next) {
        next = c->next;
        free(c);
    }
    mojo_frames_unref(s->frames);
    free(s->xlat);
    free(s->stacks);
    free(s->hashes);
    free(s->totals);
    free(s->table);
    free(s->scratch);
    free(s);
}

static int fail(mojo_stacks *s, mojo_error_code code)
{
    s->err = code;
    return MOJO_ERROR;
}

static bool own_frame_id(mojo_stacks *s, const mojo_frame *f, uint32_t *out)
{
    size_t cap = s->xcap;
    if (!mojo_grow((void **)&s->xlat, &s->xcap, (size_t)f->id + 1,
                   sizeof *s->xlat))
        return false;
    if (s->xcap > cap)
        memset(s->xlat + cap, 0, (s->xcap - cap) * sizeof *s->xlat);
    xlat_entry *e = &s->xlat[f->id];
    if (e->src == f && e->file == f->file.ptr && e->scope == f->scope.ptr) {
        *out = e->own;
        return true;
    }
    const mojo_frame *own = mojo_frames_intern(s->frames, f);
    if (!own)
        return false;
    *e = (xlat_entry){f, f->file.ptr, f->scope.ptr, own->id};
    *out = own->id;
    return true;
}

static uint64_t stack_hash(const mojo_stacks *s, const mojo_stack *k)
{
    uint64_t h = mojo_hash_bytes(k->frames, k->nframes * sizeof *k->frames, 0);
    if (s->key & MOJO_STACKS_BY_PID)
        h = mojo_hash_mix(h, (uint64_t)k->pid);
    if (s->key & MOJO_STACKS_BY_IID)
        h = mojo_hash_mix(h, (uint64_t)k->iid);
    if (s->key & MOJO_STACKS_BY_THREAD)
        h = mojo_hash_mix(mojo_hash_mix(h, k->tid), (uintptr_t)k->thread_name.ptr);
    return mojo_hash_mix(h, k->flags);
}

/* Thread names are interned, so equal names have equal pointers. */
static bool stack_equal(const mojo_stacks *s, const mojo_stack *a,
                        const mojo_stack *b)
{
    if (a->nframes != b->nframes || a->flags != b->flags)
        return false;
    if ((s->key & MOJO_STACKS_BY_PID) && a->pid != b->pid)
        return false;
    if ((s->key & MOJO_STACKS_BY_IID) && a->iid != b->iid)
        return false;
    if ((s->key & MOJO_STACKS_BY_THREAD) &&
        (a->tid != b->tid || a->thread_name.ptr != b->thread_name.ptr))
        return false;
    return memcmp(a->frames, b->frames, a->nframes * sizeof *a->frames) == 0;
}

static bool rehash(mojo_stacks *s)
{
    size_t ncap = s->tcap ? s->tcap * 2 : 1024;
    uint32_t *t = calloc(ncap, sizeof *t);
    if (!t)
        return false;
    for (size_t i = 0; i < s->n; i++) {
        size_t j = s->hashes[i] & (ncap - 1);
        while (t[j])
            j = (j + 1) & (ncap - 1);
        t[j] = (uint32_t)(i + 1);
    }
    free(s->table);
    s->table = t;
    s->tcap = ncap;
    return true;
}

/* Copy the frame ids into the chunked arena, whose chunks never move. */
static const uint32_t *store_ids(mojo_stacks *s, const uint32_t *ids, size_t n)
{
    id_chunk *c = s->chunks;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ID_CHUNK ? n : ID_CHUNK;
        c = malloc(sizeof *c + cap * sizeof c->ids[0]);
        if (!c)
            return NULL;
        c->used = 0;
        c->cap = cap;
        c->next = s->chunks;
        s->chunks = c;
    }
    uint32_t *p = c->ids + c->used;
    if (n)
        memcpy(p, ids, n * sizeof *ids);
    c->used += n;
    return p;
}

/* The three per-stack arrays share one capacity. */
static bool grow_stacks(mojo_stacks *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 256;
    if (ncap > SIZE_MAX / s->nslots / sizeof *s->totals)
        return false;
    void *p = realloc(s->stacks, ncap * sizeof *s->stacks);
    if (!p)
        return false;
    s->stacks = p;
    if (!(p = realloc(s->hashes, ncap * sizeof *s->hashes)))
        return false;
    s->hashes = p;
    if (!(p = realloc(s->totals, ncap * s->nslots * sizeof *s->totals)))
        return false;
    s->totals = p;
    s->cap = ncap;
    return true;
}

/* Append a new stack (a copy of *k) with zero totals; its index or -1. */
static ptrdiff_t new_stack(mojo_stacks *s, const mojo_stack *k, uint64_t h)
{
    if (s->n >= MAX_STACKS) {
        fail(s, MOJO_E_LIMIT);
        return -1;
    }
    const uint32_t *ids = NULL;
    if ((s->n == s->cap && !grow_stacks(s)) ||
        !(ids = store_ids(s, k->frames, k->nframes))) {
        fail(s, MOJO_E_NOMEM);
        return -1;
    }
    mojo_stack *st = &s->stacks[s->n];
    *st = *k;
    st->frames = ids;
    s->hashes[s->n] = h;
    memset(&s->totals[s->n * s->nslots], 0, s->nslots * sizeof *s->totals);
    return (ptrdiff_t)s->n++;
}

/* Sums wrap instead of overflowing: a hostile file must not cause
 * undefined behaviour, and real totals are far from 2^63. */
static inline int64_t add_wrap(int64_t a, uint64_t b)
{
    return (int64_t)((uint64_t)a + b);
}

static void add_metrics(mojo_stack_totals *t, const mojo_sample *smp)
{
    t->samples++;
    if (smp->metrics & MOJO_METRIC_TIME) {
        t->time = add_wrap(t->time, (uint64_t)smp->time);
        if (!(smp->flags & MOJO_SAMPLE_IDLE))
            t->cpu = add_wrap(t->cpu, (uint64_t)smp->time);
    }
    if (smp->metrics & MOJO_METRIC_MEMORY) {
        t->memory = add_wrap(t->memory, (uint64_t)smp->memory);
        if (smp->memory > 0)
            t->alloc = add_wrap(t->alloc, (uint64_t)smp->memory);
        else
            t->dealloc = add_wrap(t->dealloc, -(uint64_t)smp->memory);
    }
}

int mojo_stacks_add(mojo_stacks *s, const mojo_sample *smp, unsigned slot)
{
    if (slot >= s->nslots)
        return fail(s, MOJO_E_LIMIT);
    if (!mojo_grow((void **)&s->scratch, &s->scratch_cap, smp->nframes + 1,
                   sizeof *s->scratch))
        return fail(s, MOJO_E_NOMEM);
    for (size_t i = 0; i < smp->nframes; i++)
        if (!own_frame_id(s, smp->frames[i], &s->scratch[i]))
            return fail(s, MOJO_E_NOMEM);

    mojo_stack k = {
        .pid = smp->pid, .iid = smp->iid, .tid = smp->tid,
        .flags = (s->key & MOJO_STACKS_BY_GC) ? smp->flags & MOJO_SAMPLE_GC : 0,
        .frames = s->scratch, .nframes = smp->nframes,
    };
    if (smp->thread_name.len) {
        k.thread_name = mojo_frames_intern_str(s->frames, smp->thread_name.ptr,
                                               smp->thread_name.len);
        if (!k.thread_name.ptr)
            return fail(s, MOJO_E_NOMEM);
    }
    uint64_t h = stack_hash(s, &k);

    /* Keep the load under one half. */
    if ((s->n + 1) * 2 > s->tcap && !rehash(s))
        return fail(s, MOJO_E_NOMEM);
    size_t j = h & (s->tcap - 1);
    for (; s->table[j]; j = (j + 1) & (s->tcap - 1)) {
        size_t i = s->table[j] - 1;
        if (s->hashes[i] == h && stack_equal(s, &s->stacks[i], &k)) {
            add_metrics(&s->totals[i * s->nslots + slot], smp);
            s->metrics |= smp->metrics;
            s->flags |= smp->flags;
            return MOJO_OK;
        }
    }
    ptrdiff_t i = new_stack(s, &k, h);
    if (i < 0)
        return MOJO_ERROR;
    s->table[j] = (uint32_t)(i + 1);
    add_metrics(&s->totals[(size_t)i * s->nslots + slot], smp);
    s->metrics |= smp->metrics;
    s->flags |= smp->flags;
    return MOJO_OK;
}

mojo_error_code mojo_stacks_error(const mojo_stacks *s) { return s->err; }
size_t mojo_stacks_count(const mojo_stacks *s) { return s->n; }
unsigned mojo_stacks_metrics(const mojo_stacks *s) { return s->metrics; }
unsigned mojo_stacks_flags(const mojo_stacks *s) { return s->flags; }
const mojo_frames *mojo_stacks_frames(const mojo_stacks *s) { return s->frames; }

const mojo_stack *mojo_stacks_get(const mojo_stacks *s, size_t i)
{
    return i < s->n ? &s->stacks[i] : NULL;
}

const mojo_stack_totals *mojo_stacks_totals(const mojo_stacks *s, size_t i,
                                            unsigned slot)
{
    return i < s->n && slot < s->nslots ? &s->totals[i * s->nslots + slot] : NULL;
}

mojo_stack_totals mojo_stacks_grand_total(const mojo_stacks *s, unsigned slot)
{
    mojo_stack_totals sum = {0};
    for (size_t i = 0; slot < s->nslots && i < s->n; i++) {
        const mojo_stack_totals *t = &s->totals[i * s->nslots + slot];
        sum.samples += t->samples;
        sum.time = add_wrap(sum.time, (uint64_t)t->time);
        sum.cpu = add_wrap(sum.cpu, (uint64_t)t->cpu);
        sum.memory = add_wrap(sum.memory, (uint64_t)t->memory);
        sum.alloc = add_wrap(sum.alloc, (uint64_t)t->alloc);
        sum.dealloc = add_wrap(sum.dealloc, (uint64_t)t->dealloc);
    }
    return sum;
}

/* ------------------------------------------- what an aggregate reports */

void mojo_profile_info_init(mojo_profile_info *pi)
{
    pi->mode[0] = 0;
    pi->interval = -1;
    pi->duration = -1;
}

/* A non-negative decimal integer, or -1. */
static int64_t parse_count(const mojo_str *v)
{
    int64_t n = 0;
    if (v->len == 0 || v->len > 18)
        return -1;
    for (size_t i = 0; i < v->len; i++) {
        if (v->ptr[i] < '0' || v->ptr[i] > '9')
            return -1;
        n = n * 10 + (v->ptr[i] - '0');
    }
    return n;
}

static bool str_is(const mojo_str *s, const char *lit)
{
    return s->len == strlen(lit) && memcmp(s->ptr, lit, s->len) == 0;
}

void mojo_profile_info_note(mojo_profile_info *pi, const mojo_str *key,
                            const mojo_str *value)
{
    if (str_is(key, "mode")) {
        static const char *const modes[] = {"wall", "cpu", "memory", "full"};
        pi->mode[0] = 0;
        for (size_t i = 0; i < 4; i++)
            if (str_is(value, modes[i]))
                strcpy(pi->mode, modes[i]);
    } else if (str_is(key, "interval")) {
        pi->interval = parse_count(value);
    } else if (str_is(key, "duration")) {
        pi->duration = parse_count(value);
    }
}

size_t mojo_value_kinds(const mojo_profile_info *pi, unsigned metrics,
                        mojo_value_kind kinds[MOJO_VALUE_KINDS],
                        const char **mode)
{
    const char *m = pi->mode;
    unsigned both = MOJO_METRIC_TIME | MOJO_METRIC_MEMORY;
    unsigned allowed = !strcmp(m, "memory") ? MOJO_METRIC_MEMORY
                     : !strcmp(m, "full") ? both
                     : m[0] ? MOJO_METRIC_TIME : 0;
    if (!allowed || (metrics & ~allowed))
        m = (metrics & both) == both ? "full"
          : metrics & MOJO_METRIC_MEMORY ? "memory"
          : !strcmp(pi->mode, "cpu") ? "cpu" : "wall";
    *mode = m;
    size_t n = 0;
    if (!strcmp(m, "wall")) {
        kinds[n++] = MOJO_VALUE_WALL;
    } else if (!strcmp(m, "cpu")) {
        kinds[n++] = MOJO_VALUE_CPU;
    } else if (!strcmp(m, "memory")) {
        kinds[n++] = MOJO_VALUE_ALLOC;
        kinds[n++] = MOJO_VALUE_DEALLOC;
    } else {
        kinds[n++] = MOJO_VALUE_CPU;
        kinds[n++] = MOJO_VALUE_WALL;
        kinds[n++] = MOJO_VALUE_ALLOC;
        kinds[n++] = MOJO_VALUE_DEALLOC;
    }
    return n;
}

int64_t mojo_value_of(const mojo_stack_totals *t, mojo_value_kind k)
{
    switch (k) {
    case MOJO_VALUE_CPU: return t->cpu;
    case MOJO_VALUE_WALL: return t->time;
    case MOJO_VALUE_ALLOC: return t->alloc;
    case MOJO_VALUE_DEALLOC: return t->dealloc;
    }
    return 0;
}

const char *mojo_value_name(mojo_value_kind k)
{
    static const char *const names[] = {
        "CPU time", "Wall time", "Allocated memory", "Deallocated memory"};
    return (unsigned)k < MOJO_VALUE_KINDS ? names[k] : "?";
}

bool mojo_value_is_time(mojo_value_kind k)
{
    return k == MOJO_VALUE_CPU || k == MOJO_VALUE_WALL;
}

/* ------------------------------------------------ aggregating writers */

int mojo_aggregate_init(mojo_writer *w, mojo_aggregate *a)
{
    mojo_profile_info_init(&a->info);
    a->stacks = mojo_stacks_new(MOJO_STACKS_BY_ALL, 1);
    return a->stacks ? MOJO_OK
                     : mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
}

int mojo_aggregate_event(mojo_writer *w, mojo_aggregate *a,
                         const mojo_event *ev)
{
    if (ev->type == MOJO_EVENT_METADATA) {
        mojo_profile_info_note(&a->info, &ev->u.metadata.key,
                               &ev->u.metadata.value);
        return MOJO_OK;
    }
    if (ev->type != MOJO_EVENT_SAMPLE ||
        mojo_stacks_add(a->stacks, &ev->u.sample, 0) == MOJO_OK)
        return MOJO_OK;
    mojo_error_code code = mojo_stacks_error(a->stacks);
    return mojo_writer_fail(w, code, code == MOJO_E_LIMIT
                                         ? "too many distinct stacks"
                                         : "out of memory");
}

void mojo_aggregate_free(mojo_aggregate *a)
{
    mojo_stacks_free(a->stacks);
    a->stacks = NULL;
}
