/* Frame interning: equal frames get one id and one stable pointer. Strings
 * are interned too, so frames compare and hash by string pointer. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK (64u * 1024u)
#define FRAME_CHUNK 1024u

typedef struct arena_chunk {
    struct arena_chunk *next;
    size_t used, cap;
    char data[];
} arena_chunk;

typedef struct {
    uint64_t hash;
    const char *ptr;
    size_t len;
} str_slot;

struct mojo_frames {
    int refs;
    arena_chunk *arena;
    /* strings: open addressing, power-of-two capacity */
    str_slot *strs;
    size_t nstrs, strcap;
    /* frames: id -> pointer, stored in chunks so pointers stay put */
    mojo_frame **byid;
    size_t nframes, idcap;
    mojo_frame *chunk;
    size_t chunk_used;
    uint32_t *fslots; /* id + 1, 0 empty */
    uint64_t *fhash;
    size_t fcap;
};

mojo_frames *mojo_frames_new(void)
{
    mojo_frames *t = calloc(1, sizeof *t);
    if (t)
        t->refs = 1;
    return t;
}

void mojo_frames_ref(mojo_frames *t) { t->refs++; }

void mojo_frames_unref(mojo_frames *t)
{
    if (!t || --t->refs > 0)
        return;
    for (arena_chunk *c = t->arena, *n; c; c = n) {
        n = c->next;
        free(c);
    }
    /* frame chunks: every FRAME_CHUNK-th id starts one */
    for (size_t i = 0; i < t->nframes; i += FRAME_CHUNK)
        free(t->byid[i]);
    free(t->strs);
    free(t->byid);
    free(t->fslots);
    free(t->fhash);
    free(t);
}

static char *arena_alloc(mojo_frames *t, size_t n)
{
    arena_chunk *c = t->arena;
    if (!c || c->cap - c->used < n) {
        size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;
        arena_chunk *nc = malloc(sizeof *nc + cap);
        if (!nc)
            return NULL;
        nc->used = 0;
        nc->cap = cap;
        nc->next = c;
        t->arena = c = nc;
    }
    char *p = c->data + c->used;
    c->used += n;
    return p;
}

static bool strs_rehash(mojo_frames *t)
{
    size_t ncap = t->strcap ? t->strcap * 2 : 1024;
    str_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return false;
    for (size_t i = 0; i < t->strcap; i++) {
        if (!t->strs[i].ptr)
            continue;
        size_t j = t->strs[i].hash & (ncap - 1);
        while (ns[j].ptr)
            j = (j + 1) & (ncap - 1);
        ns[j] = t->strs[i];
    }
    free(t->strs);
    t->strs = ns;
    t->strcap = ncap;
    return true;
}

mojo_str mojo_frames_intern_str(mojo_frames *t, const char *p, size_t n)
{
    mojo_str none = {NULL, 0};
    if (t->nstrs * 2 >= t->strcap && !strs_rehash(t))
        return none;
    uint64_t h = mojo_hash_bytes(p, n, 0x5157);
    size_t j = h & (t->strcap - 1);
    while (t->strs[j].ptr) {
        str_slot *s = &t->strs[j];
        if (s->hash == h && s->len == n && memcmp(s->ptr, p, n) == 0)
            return (mojo_str){s->ptr, s->len};
        j = (j + 1) & (t->strcap - 1);
    }
    char *copy = arena_alloc(t, n + 1);
    if (!copy)
        return none;
    memcpy(copy, p, n);
    copy[n] = '\0';
    t->strs[j] = (str_slot){h, copy, n};
    t->nstrs++;
    return (mojo_str){copy, n};
}

static uint64_t frame_hash(const mojo_frame *f)
{
    uint64_t h = mojo_hash_mix((uint64_t)f->kind, (uintptr_t)f->file.ptr);
    h = mojo_hash_mix(h, (uintptr_t)f->scope.ptr);
    h = mojo_hash_mix(h, (uint64_t)f->line);
    h = mojo_hash_mix(h, (uint64_t)f->line_end);
    h = mojo_hash_mix(h, (uint64_t)f->column);
    return mojo_hash_mix(h, (uint64_t)f->column_end);
}

static bool frame_eq(const mojo_frame *a, const mojo_frame *b)
{
    return a->kind == b->kind && a->file.ptr == b->file.ptr &&
           a->scope.ptr == b->scope.ptr && a->line == b->line &&
           a->line_end == b->line_end && a->column == b->column &&
           a->column_end == b->column_end;
}

static bool frames_rehash(mojo_frames *t)
{
    size_t ncap = t->fcap ? t->fcap * 2 : 1024;
    uint32_t *ns = calloc(ncap, sizeof *ns);
    uint64_t *nh = malloc(ncap * sizeof *nh);
    if (!ns || !nh) {
        free(ns);
        free(nh);
        return false;
    }
    for (size_t i = 0; i < t->fcap; i++) {
        if (!t->fslots[i])
            continue;
        size_t j = t->fhash[i] & (ncap - 1);
        while (ns[j])
            j = (j + 1) & (ncap - 1);
        ns[j] = t->fslots[i];
        nh[j] = t->fhash[i];
    }
    free(t->fslots);
    free(t->fhash);
    t->fslots = ns;
    t->fhash = nh;
    t->fcap = ncap;
    return true;
}

/* proto's strings must already be interned in t. */
const mojo_frame *mojo_frames_intern_prepared(mojo_frames *t, const mojo_frame *proto)
{
    if (t->nframes * 2 >= t->fcap && !frames_rehash(t))
        return NULL;
    uint64_t h = frame_hash(proto);
    size_t j = h & (t->fcap - 1);
    while (t->fslots[j]) {
        const mojo_frame *f = t->byid[t->fslots[j] - 1];
        if (t->fhash[j] == h && frame_eq(f, proto))
            return f;
        j = (j + 1) & (t->fcap - 1);
    }
    if (t->nframes >= UINT32_MAX - 1)
        return NULL;
    if (!t->chunk || t->chunk_used == FRAME_CHUNK) {
        if (!(t->chunk = malloc(FRAME_CHUNK * sizeof *t->chunk)))
            return NULL;
        t->chunk_used = 0;
    }
    if (!mojo_grow((void **)&t->byid, &t->idcap, t->nframes + 1, sizeof *t->byid))
        return NULL;
    mojo_frame *f = &t->chunk[t->chunk_used++];
    *f = *proto;
    f->id = (uint32_t)t->nframes;
    t->byid[t->nframes++] = f;
    t->fslots[j] = f->id + 1;
    t->fhash[j] = h;
    return f;
}

const mojo_frame *mojo_frames_intern(mojo_frames *t, const mojo_frame *proto)
{
    mojo_frame f = *proto;
    f.file = mojo_frames_intern_str(t, proto->file.ptr ? proto->file.ptr : "",
                                    proto->file.len);
    f.scope = mojo_frames_intern_str(t, proto->scope.ptr ? proto->scope.ptr : "",
                                     proto->scope.len);
    if (!f.file.ptr || !f.scope.ptr)
        return NULL;
    return mojo_frames_intern_prepared(t, &f);
}

const mojo_frame *mojo_frames_get(const mojo_frames *t, uint32_t id)
{
    return id < t->nframes ? t->byid[id] : NULL;
}

size_t mojo_frames_count(const mojo_frames *t) { return t->nframes; }
