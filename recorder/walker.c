/* Frame-chain walker with a code-object cache; see walker.h. */
#include "config.h"
#include "walker.h"
#include "linetable.h"
#include "pyread.h"
#include "vmread.h"

#include <stdlib.h>
#include <string.h>

/* Caps: a location table or name longer than these is not a real one. */
#define LINETABLE_MAX (1u << 20)
#define NAME_MAX_BYTES 4096
/* Tables are cleared when they reach these sizes (a program that keeps
 * creating code objects must not grow the recorder without bound). */
#define CODE_SLOTS_MAX (1u << 16)
#define FRAME_SLOTS_MAX (1u << 20)
/* How much of a thread's data stack is copied in one read each sample:
 * the innermost frames live there; older ones are read one by one. */
#define WINDOW_MAX (64u << 10)

typedef struct code_entry {
    uintptr_t addr;                /* 0: empty slot */
    uintptr_t filename, qualname, linetable;  /* identity check */
    int firstlineno;
    unsigned gen;
    char *file, *scope;
    size_t file_len, scope_len;
    unsigned char *table;
    size_t table_len;
} code_entry;

typedef struct frame_slot {
    uintptr_t code;                /* 0: empty slot */
    int64_t index;
    unsigned gen;
    const mojo_frame *frame;
} frame_slot;

struct walker {
    mojo_frames *table;
    code_entry *codes;
    size_t code_cap, code_used;
    frame_slot *frames;
    size_t frame_cap, frame_used;
    unsigned next_gen;
    const mojo_frame *invalid;
    uintptr_t boundary;
    const mojo_frame *leaf_first[WALK_MAX_DEPTH + 1];
    /* One walk's frames before resolution, innermost first. */
    uintptr_t code_addrs[WALK_MAX_DEPTH];
    intptr_t offsets[WALK_MAX_DEPTH];
    unsigned char generator[WALK_MAX_DEPTH];
    py_code_view views[WALK_MAX_DEPTH];
    unsigned char code_ok[WALK_MAX_DEPTH];
    unsigned char window[WINDOW_MAX];
    unsigned char table_buf[LINETABLE_MAX];
    char name_buf[NAME_MAX_BYTES];
    walker_stats stats;
};

static size_t hash_ptr(uintptr_t p, int64_t extra)
{
    uint64_t h = (uint64_t)p * 0x9E3779B97F4A7C15ull;
    h ^= (uint64_t)extra * 0xC2B2AE3D27D4EB4Full;
    return (size_t)(h ^ (h >> 29));
}

static void codes_clear(walker *w)
{
    for (size_t i = 0; i < w->code_cap; i++) {
        free(w->codes[i].file);
        free(w->codes[i].scope);
        free(w->codes[i].table);
    }
    memset(w->codes, 0, w->code_cap * sizeof *w->codes);
    w->code_used = 0;
}

walker *walker_new(mojo_frames *table)
{
    walker *w = calloc(1, sizeof *w);
    if (!w)
        return NULL;
    w->table = table;
    w->code_cap = 1024;
    w->frame_cap = 4096;
    w->codes = calloc(w->code_cap, sizeof *w->codes);
    w->frames = calloc(w->frame_cap, sizeof *w->frames);
    mojo_frame proto = { 0 };
    proto.kind = MOJO_FRAME_INVALID;
    proto.file.ptr = proto.scope.ptr = "";
    if (!w->codes || !w->frames || !(w->invalid = mojo_frames_intern(table, &proto))) {
        walker_free(w);
        return NULL;
    }
    mojo_frames_ref(table);
    return w;
}

void walker_free(walker *w)
{
    if (!w)
        return;
    if (w->codes) {
        codes_clear(w);
        free(w->codes);
    }
    free(w->frames);
    if (w->invalid)
        mojo_frames_unref(w->table);
    free(w);
}

/* Double a table, or clear it when at its cap. */
static int codes_grow(walker *w)
{
    if (w->code_cap >= CODE_SLOTS_MAX) {
        codes_clear(w);
        return 0;
    }
    size_t cap = w->code_cap * 2;
    code_entry *n = calloc(cap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < w->code_cap; i++) {
        code_entry *e = &w->codes[i];
        if (!e->addr)
            continue;
        size_t j = hash_ptr(e->addr, 0) & (cap - 1);
        while (n[j].addr)
            j = (j + 1) & (cap - 1);
        n[j] = *e;
    }
    free(w->codes);
    w->codes = n;
    w->code_cap = cap;
    return 0;
}

static int frames_grow(walker *w)
{
    if (w->frame_cap >= FRAME_SLOTS_MAX) {
        memset(w->frames, 0, w->frame_cap * sizeof *w->frames);
        w->frame_used = 0;
        return 0;
    }
    size_t cap = w->frame_cap * 2;
    frame_slot *n = calloc(cap, sizeof *n);
    if (!n)
        return -1;
    for (size_t i = 0; i < w->frame_cap; i++) {
        frame_slot *s = &w->frames[i];
        if (!s->code)
            continue;
        size_t j = hash_ptr(s->code, s->index) & (cap - 1);
        while (n[j].code)
            j = (j + 1) & (cap - 1);
        n[j] = *s;
    }
    free(w->frames);
    w->frames = n;
    w->frame_cap = cap;
    return 0;
}

static char *dup_bytes(const void *p, size_t n)
{
    char *d = malloc(n + 1);
    if (d) {
        memcpy(d, p, n);
        d[n] = '\0';
    }
    return d;
}

/* Fill e from the code object: names and the location table.
 * 0, -1 on a failed read (entry left empty), -2 out of memory. */
static int code_resolve(walker *w, code_entry *e, uintptr_t addr, const py_code_view *cv)
{
    char *file = NULL, *scope = NULL;
    unsigned char *table = NULL;
    size_t flen, slen, tlen;

    if (pyr_str_read(cv->filename, w->name_buf, sizeof w->name_buf, &flen) != 0)
        return -1;
    if (!(file = dup_bytes(w->name_buf, flen)))
        return -2;
    if (pyr_str_read(cv->qualname, w->name_buf, sizeof w->name_buf, &slen) != 0 ||
        pyr_bytes_read(cv->linetable, w->table_buf, sizeof w->table_buf, &tlen) != 0) {
        free(file);
        return -1;
    }
    scope = dup_bytes(w->name_buf, slen);
    table = (unsigned char *)dup_bytes(w->table_buf, tlen);
    if (!scope || !table) {
        free(file); free(scope); free(table);
        return -2;
    }
    free(e->file); free(e->scope); free(e->table);
    e->addr = addr;
    e->filename = cv->filename;
    e->qualname = cv->qualname;
    e->linetable = cv->linetable;
    e->firstlineno = cv->firstlineno;
    e->gen = ++w->next_gen;
    e->file = file; e->file_len = flen;
    e->scope = scope; e->scope_len = slen;
    e->table = table; e->table_len = tlen;
    w->stats.code_resolved++;
    return 0;
}

/* The cache entry for a code object, resolved if new or changed.
 * NULL on a failed read; *oom set when out of memory. */
static code_entry *code_lookup(walker *w, uintptr_t addr, const py_code_view *cv, int *oom)
{
    if (w->code_used * 2 >= w->code_cap && codes_grow(w) != 0) {
        *oom = 1;
        return NULL;
    }
    size_t i = hash_ptr(addr, 0) & (w->code_cap - 1);
    while (w->codes[i].addr && w->codes[i].addr != addr)
        i = (i + 1) & (w->code_cap - 1);
    code_entry *e = &w->codes[i];
    if (e->addr == addr && e->filename == cv->filename && e->qualname == cv->qualname &&
        e->linetable == cv->linetable && e->firstlineno == cv->firstlineno)
        return e;
    int fresh = e->addr == 0;
    int rc = code_resolve(w, e, addr, cv);
    if (rc == -2)
        *oom = 1;
    if (rc != 0)
        return NULL;
    if (fresh)
        w->code_used++;
    return e;
}

/* The interned frame of instruction `index` of code entry e. */
static const mojo_frame *frame_lookup(walker *w, code_entry *e, int64_t index, int *oom)
{
    if (w->frame_used * 2 >= w->frame_cap && frames_grow(w) != 0) {
        *oom = 1;
        return NULL;
    }
    size_t i = hash_ptr(e->addr, index) & (w->frame_cap - 1);
    frame_slot *s;
    for (;;) {
        s = &w->frames[i];
        if (!s->code || (s->code == e->addr && s->index == index))
            break;
        i = (i + 1) & (w->frame_cap - 1);
    }
    if (s->code && s->gen == e->gen)
        return s->frame;

    py_location loc;
    int idx = index > INT32_MAX ? INT32_MAX : (int)index;
    if (linetable_find(e->table, e->table_len, e->firstlineno, idx, &loc) != 0)
        memset(&loc, 0, sizeof loc);   /* a frame without a location is still the function */
    mojo_frame proto = { 0 };
    proto.kind = MOJO_FRAME_PYTHON;
    proto.file.ptr = e->file; proto.file.len = e->file_len;
    proto.scope.ptr = e->scope; proto.scope.len = e->scope_len;
    proto.line = loc.line; proto.line_end = loc.line_end;
    proto.column = loc.column; proto.column_end = loc.column_end;
    const mojo_frame *f = mojo_frames_intern(w->table, &proto);
    if (!f) {
        *oom = 1;
        return NULL;
    }
    if (!s->code)
        w->frame_used++;
    s->code = e->addr;
    s->index = index;
    s->gen = e->gen;
    s->frame = f;
    w->stats.frames_interned++;
    return f;
}

void walker_set_boundary(walker *w, uintptr_t code)
{
    w->boundary = code;
}

int walker_walk(walker *w, const py_thread_view *tv, walk_result *out)
{
    size_t n = 0, k = 0;
    int error = 0, oom = 0;
    size_t unit = pyr_code_unit();

    /* 1. One read of the top of the data stack, where the frames are. */
    if (tv->stack_hi > tv->stack_lo) {
        uintptr_t lo = tv->stack_hi - tv->stack_lo > WINDOW_MAX ? tv->stack_hi - WINDOW_MAX
                                                                : tv->stack_lo;
        size_t span = (size_t)(tv->stack_hi - lo);
        if (vm_read(w->window, lo, span) == 0)
            pyr_window_set(w->window, lo, span);
    }

    /* 2. The frame chain, innermost first. */
    for (uintptr_t addr = tv->top_frame; addr != 0;) {
        py_frame_view fv;
        if (n >= WALK_MAX_DEPTH || pyr_frame_read(addr, &fv) != 0 || fv.previous == addr) {
            error = 1;
            break;
        }
        if (fv.code == w->boundary && w->boundary)
            break;
        if (!fv.shim) {
            w->code_addrs[n] = fv.code;
            w->offsets[n] = fv.instr_offset;
            w->generator[n] = (unsigned char)fv.generator;
            n++;
        }
        addr = fv.previous;
    }
    pyr_window_clear();

    /* 3. Their code objects, in one read. */
    pyr_code_read_many(w->code_addrs, n, w->views, w->code_ok);

    /* 4. Resolve. A code object we cannot read (torn or freed under us)
     * loses its frame only; the stack is marked as incomplete. */
    for (size_t i = 0; i < n; i++) {
        if (w->code_ok[i] == 2)      /* None: not Python code (3.13) */
            continue;
        if (w->code_ok[i] != 1) {
            error = 1;
            continue;
        }
        const py_code_view *cv = &w->views[i];
        int64_t index = w->offsets[i] < 0 ? -1 : (int64_t)(w->offsets[i] / (intptr_t)unit);
        /* A frame that has not reached its first traceable instruction is
         * not on the Python-visible stack yet (CPython skips it too). */
        if (!w->generator[i] && index < cv->firsttraceable)
            continue;
        code_entry *e = code_lookup(w, w->code_addrs[i], cv, &oom);
        const mojo_frame *f = e ? frame_lookup(w, e, index, &oom) : NULL;
        if (oom)
            return -1;
        if (!f) {
            error = 1;
            break;
        }
        w->leaf_first[k++] = f;
    }

    /* Nothing readable: a thread being born or torn down. No sample. */
    size_t j = 0;
    if (error && k == 0) {
        out->nframes = 0;
        out->error = 1;
        return 0;
    }
    if (error)
        out->frames[j++] = w->invalid;
    for (size_t i = k; i > 0; i--)
        out->frames[j++] = w->leaf_first[i - 1];
    out->nframes = j;
    out->error = error;
    return 0;
}

void walker_get_stats(const walker *w, walker_stats *st)
{
    *st = w->stats;
}
