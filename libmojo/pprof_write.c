/* pprof writer: aggregates samples into a stack table, then at the end
 * writes one perftools.profiles.Profile (schemas/profile.proto), packed by
 * protobuf-c straight into the output (gzip by default, see writer.c).
 *
 * Sample types by mode follow the usual Austin converters: wall: Wall time;
 * cpu: CPU time; memory: Allocated and Deallocated memory; full: all four.
 * Equal (stack, labels) become one sample whose values are the exact sums.
 * Labels: Process ID, Interpreter ID, Thread ID (or Thread name). The GC
 * flag becomes a leaf frame ":GC:", an unreadable frame ":INVALID:", as in
 * Austin's text. Metadata lines become comments "key: value". */
#include "internal.h"
#include "json.h"
#include "stacks.h"
#include "profile.pb-c.h"

#include <stdlib.h>
#include <string.h>

#define MAX_COMMENTS 4096

typedef struct {
    mojo_aggregate agg;
    char **comments;             /* "key: value", valid UTF-8 */
    size_t ncomments, comments_cap;
} pprof_state;

static int pprof_init(mojo_writer *w)
{
    pprof_state *st = calloc(1, sizeof *st);
    if (!st)
        return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
    w->state = st;
    return mojo_aggregate_init(w, &st->agg);
}

static int add_comment(mojo_writer *w, pprof_state *st, const mojo_str *key,
                       const mojo_str *value)
{
    if (st->ncomments >= MAX_COMMENTS)
        return MOJO_OK; /* keep the first ones; the rest is noise */
    if (key->len > MOJO_MAX_STRING || value->len > MOJO_MAX_STRING)
        return mojo_writer_fail(w, MOJO_E_LIMIT, "metadata longer than %u bytes",
                                MOJO_MAX_STRING);
    size_t n = key->len + 2 + value->len;
    char *raw = malloc(n + 1);
    if (!raw || !mojo_grow((void **)&st->comments, &st->comments_cap,
                           st->ncomments + 1, sizeof *st->comments)) {
        free(raw);
        return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
    }
    memcpy(raw, key->ptr, key->len);
    memcpy(raw + key->len, ": ", 2);
    memcpy(raw + key->len + 2, value->ptr, value->len);
    raw[n] = 0;
    size_t len;
    char *text = mojo_utf8_repair(raw, n, &len);
    free(raw);
    if (!text)
        return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
    st->comments[st->ncomments++] = text;
    return MOJO_OK;
}

static int pprof_write(mojo_writer *w, const mojo_event *ev)
{
    pprof_state *st = w->state;
    if (mojo_aggregate_event(w, &st->agg, ev) != MOJO_OK)
        return MOJO_ERROR;
    if (ev->type != MOJO_EVENT_METADATA)
        return MOJO_OK;
    return add_comment(w, st, &ev->u.metadata.key, &ev->u.metadata.value);
}

/* ------------------------------------------------------------ hash maps */

/* The string table: index -> valid UTF-8, interned by content. */
typedef struct {
    char *str;
    size_t len;
    uint64_t hash;
} str_entry;

typedef struct {
    str_entry *ents;
    size_t n, cap;
    uint32_t *slots;       /* open addressing: index + 1, 0 empty */
    size_t scap;
    bool nomem;
} strtab;

/* A slot table over entries that know their own hash. */
static bool rehash_slots(uint32_t **slots, size_t *scap, size_t n,
                         uint64_t (*hash_of)(const void *, size_t),
                         const void *ents)
{
    size_t ncap = *scap ? *scap * 2 : 256;
    uint32_t *s = calloc(ncap, sizeof *s);
    if (!s)
        return false;
    for (size_t i = 0; i < n; i++) {
        size_t j = hash_of(ents, i) & (ncap - 1);
        while (s[j])
            j = (j + 1) & (ncap - 1);
        s[j] = (uint32_t)(i + 1);
    }
    free(*slots);
    *slots = s;
    *scap = ncap;
    return true;
}

static uint64_t str_hash_of(const void *ents, size_t i)
{
    return ((const str_entry *)ents)[i].hash;
}

/* The index of the string, repaired to UTF-8 first. On failure 0 (the
 * index of "", still a valid answer) with t->nomem set. */
static int64_t strtab_index(strtab *t, const char *p, size_t n)
{
    char *fixed = NULL;
    if (!mojo_utf8_valid(p, n)) {
        if (!(fixed = mojo_utf8_repair(p, n, &n))) {
            t->nomem = true;
            return 0;
        }
        p = fixed;
    }
    uint64_t h = mojo_hash_bytes(p, n, 0x5eed);
    if ((t->n + 1) * 2 > t->scap &&
        !rehash_slots(&t->slots, &t->scap, t->n, str_hash_of, t->ents))
        goto nomem;
    size_t j = h & (t->scap - 1);
    for (; t->slots[j]; j = (j + 1) & (t->scap - 1)) {
        const str_entry *e = &t->ents[t->slots[j] - 1];
        if (e->hash == h && e->len == n && !memcmp(e->str, p, n)) {
            free(fixed);
            return (int64_t)(t->slots[j] - 1);
        }
    }
    if (t->n >= UINT32_MAX - 1 ||
        !mojo_grow((void **)&t->ents, &t->cap, t->n + 1, sizeof *t->ents))
        goto nomem;
    char *copy = fixed ? fixed : malloc(n + 1);
    if (!copy)
        goto nomem;
    if (!fixed) {
        memcpy(copy, p, n);
        copy[n] = 0;
    }
    t->ents[t->n] = (str_entry){copy, n, h};
    t->slots[j] = (uint32_t)(t->n + 1);
    return (int64_t)t->n++;
nomem:
    free(fixed);
    t->nomem = true;
    return 0;
}

static int64_t strtab_cstr(strtab *t, const char *s)
{
    return strtab_index(t, s, strlen(s));
}

static void strtab_free(strtab *t)
{
    for (size_t i = 0; i < t->n; i++)
        free(t->ents[i].str);
    free(t->ents);
    free(t->slots);
}

/* Functions, identified by (name, filename) string indexes. */
typedef struct {
    int64_t name, file;
    uint64_t hash;
} func_entry;

typedef struct {
    func_entry *ents;
    size_t n, cap;
    uint32_t *slots;
    size_t scap;
} functab;

static uint64_t func_hash_of(const void *ents, size_t i)
{
    return ((const func_entry *)ents)[i].hash;
}

/* The function's id (index + 1), or 0 when out of memory. */
static uint64_t functab_id(functab *t, int64_t name, int64_t file)
{
    uint64_t h = mojo_hash_mix(mojo_hash_mix(0, (uint64_t)name), (uint64_t)file);
    if ((t->n + 1) * 2 > t->scap &&
        !rehash_slots(&t->slots, &t->scap, t->n, func_hash_of, t->ents))
        return 0;
    size_t j = h & (t->scap - 1);
    for (; t->slots[j]; j = (j + 1) & (t->scap - 1)) {
        const func_entry *e = &t->ents[t->slots[j] - 1];
        if (e->name == name && e->file == file)
            return t->slots[j];
    }
    if (t->n >= UINT32_MAX - 1 ||
        !mojo_grow((void **)&t->ents, &t->cap, t->n + 1, sizeof *t->ents))
        return 0;
    t->ents[t->n] = (func_entry){name, file, h};
    t->slots[j] = (uint32_t)(t->n + 1);
    return ++t->n;
}

/* ------------------------------------------------------------- building */

typedef Perftools__Profiles__Profile Profile;
typedef Perftools__Profiles__ValueType ValueType;
typedef Perftools__Profiles__Sample Sample;
typedef Perftools__Profiles__Label Label;
typedef Perftools__Profiles__Location Location;
typedef Perftools__Profiles__Line Line;
typedef Perftools__Profiles__Function Function;
typedef Perftools__Profiles__Mapping Mapping;

#define LABELS_MAX 3

/* Everything the Profile message points to, freed together. */
typedef struct {
    strtab strs;
    functab funcs;
    ValueType types[MOJO_VALUE_KINDS + 1], *type_ptrs[MOJO_VALUE_KINDS];
    Mapping mapping, *mapping_ptr;
    Function *functions, **function_ptrs;
    Location *locations, **location_ptrs;
    Line *lines, **line_ptrs;
    Sample *samples, **sample_ptrs;
    uint64_t *location_ids;
    int64_t *values;
    Label *labels, **label_ptrs;
    int64_t *comments;
    char **string_table;
} build;

static void build_free(build *b)
{
    strtab_free(&b->strs);
    free(b->funcs.ents);
    free(b->funcs.slots);
    free(b->functions);
    free(b->function_ptrs);
    free(b->locations);
    free(b->location_ptrs);
    free(b->lines);
    free(b->line_ptrs);
    free(b->samples);
    free(b->sample_ptrs);
    free(b->location_ids);
    free(b->values);
    free(b->labels);
    free(b->label_ptrs);
    free(b->comments);
    free(b->string_table);
}

/* calloc of n * size with an overflow check; n may be 0. */
static void *alloc_n(size_t n, size_t size)
{
    if (n && size > SIZE_MAX / n)
        return NULL;
    return calloc(n ? n : 1, size);
}

/* The index of a fixed string, interned when first used. */
static int64_t cached_index(build *b, int64_t *cache, const char *key)
{
    if (*cache < 0)
        *cache = strtab_cstr(&b->strs, key);
    return *cache;
}

/* The name a frame shows in profiles: Austin's text markers stand for
 * frames that have no name of their own. */
static mojo_str frame_name(const mojo_frame *f)
{
    if (f->kind == MOJO_FRAME_INVALID)
        return (mojo_str){":INVALID:", 9};
    return f->scope;
}

/* One location (and one function, shared by name and file) per frame of
 * the stack table, ids = frame id + 1; the GC marker gets the next id. */
static bool build_locations(build *b, const mojo_frames *frames, bool gc,
                            Profile *p)
{
    size_t nf = mojo_frames_count(frames), nloc = nf + (gc ? 1 : 0);
    b->locations = alloc_n(nloc, sizeof *b->locations);
    b->location_ptrs = alloc_n(nloc, sizeof *b->location_ptrs);
    b->lines = alloc_n(nloc, sizeof *b->lines);
    b->line_ptrs = alloc_n(nloc, sizeof *b->line_ptrs);
    if (!b->locations || !b->location_ptrs || !b->lines || !b->line_ptrs)
        return false;
    for (size_t i = 0; i < nloc; i++) {
        int64_t name, file, line = 0, column = 0;
        if (i < nf) {
            const mojo_frame *f = mojo_frames_get(frames, (uint32_t)i);
            mojo_str nm = frame_name(f);
            name = strtab_index(&b->strs, nm.ptr, nm.len);
            file = strtab_index(&b->strs, f->file.ptr, f->file.len);
            line = f->line;
            column = f->column;
        } else {
            name = strtab_cstr(&b->strs, ":GC:");
            file = 0;
        }
        uint64_t fid = functab_id(&b->funcs, name, file);
        if (!fid || b->strs.nomem)
            return false;
        Line *ln = &b->lines[i];
        perftools__profiles__line__init(ln);
        ln->function_id = fid;
        ln->line = line;
        ln->column = column;
        b->line_ptrs[i] = ln;
        Location *loc = &b->locations[i];
        perftools__profiles__location__init(loc);
        loc->id = i + 1;
        loc->mapping_id = 1;
        loc->n_line = 1;
        loc->line = &b->line_ptrs[i];
        b->location_ptrs[i] = loc;
    }
    p->n_location = nloc;
    p->location = b->location_ptrs;
    /* One mapping that says "already symbolized": without it pprof tries
     * to symbolize and complains that the main binary has no file name. */
    perftools__profiles__mapping__init(&b->mapping);
    b->mapping.id = 1;
    b->mapping.has_functions = b->mapping.has_filenames = 1;
    b->mapping.has_line_numbers = 1;
    b->mapping_ptr = &b->mapping;
    p->n_mapping = 1;
    p->mapping = &b->mapping_ptr;

    size_t nfunc = b->funcs.n;
    b->functions = alloc_n(nfunc, sizeof *b->functions);
    b->function_ptrs = alloc_n(nfunc, sizeof *b->function_ptrs);
    if (!b->functions || !b->function_ptrs)
        return false;
    for (size_t i = 0; i < nfunc; i++) {
        Function *fn = &b->functions[i];
        perftools__profiles__function__init(fn);
        fn->id = i + 1;
        fn->name = b->funcs.ents[i].name;
        fn->filename = b->funcs.ents[i].file;
        /* system_name stays unset: pprof takes a name equal to it for a C++
         * template and shows "<module>" as "<unknown>". */
        b->function_ptrs[i] = fn;
    }
    p->n_function = nfunc;
    p->function = b->function_ptrs;
    return true;
}

static void set_num_label(Label *l, int64_t key, int64_t num)
{
    perftools__profiles__label__init(l);
    l->key = key;
    l->num = num;
}

/* One pprof sample per stack: locations leaf first, values in the order
 * of kinds, labels for process, interpreter and thread. */
static bool build_samples(build *b, const mojo_stacks *s,
                          const mojo_value_kind *kinds, size_t nkinds,
                          Profile *p)
{
    size_t n = mojo_stacks_count(s), nids = 0;
    uint64_t gc_loc = mojo_frames_count(mojo_stacks_frames(s)) + 1;
    for (size_t i = 0; i < n; i++) {
        const mojo_stack *st = mojo_stacks_get(s, i);
        nids += st->nframes + ((st->flags & MOJO_SAMPLE_GC) ? 1 : 0);
    }
    /* label keys enter the string table when first used */
    int64_t k_pid = -1, k_iid = -1, k_tid = -1, k_tname = -1;
    b->samples = alloc_n(n, sizeof *b->samples);
    b->sample_ptrs = alloc_n(n, sizeof *b->sample_ptrs);
    b->location_ids = alloc_n(nids, sizeof *b->location_ids);
    b->values = alloc_n(n, nkinds * sizeof *b->values);
    b->labels = alloc_n(n, LABELS_MAX * sizeof *b->labels);
    b->label_ptrs = alloc_n(n, LABELS_MAX * sizeof *b->label_ptrs);
    if (!b->samples || !b->sample_ptrs || !b->location_ids || !b->values ||
        !b->labels || !b->label_ptrs)
        return false;
    uint64_t *ids = b->location_ids;
    for (size_t i = 0; i < n; i++) {
        const mojo_stack *st = mojo_stacks_get(s, i);
        const mojo_stack_totals *t = mojo_stacks_totals(s, i, 0);
        Sample *smp = &b->samples[i];
        perftools__profiles__sample__init(smp);
        smp->location_id = ids;
        if (st->flags & MOJO_SAMPLE_GC)
            *ids++ = gc_loc;
        for (size_t f = st->nframes; f-- > 0;)
            *ids++ = (uint64_t)st->frames[f] + 1;
        smp->n_location_id = (size_t)(ids - smp->location_id);
        smp->value = &b->values[i * nkinds];
        smp->n_value = nkinds;
        for (size_t k = 0; k < nkinds; k++)
            smp->value[k] = mojo_value_of(t, kinds[k]);
        Label *l = &b->labels[i * LABELS_MAX];
        size_t nl = 0;
        set_num_label(&l[nl++], cached_index(b, &k_pid, "Process ID"), st->pid);
        if (st->iid >= 0) /* -1: the source has no interpreter ids */
            set_num_label(&l[nl++], cached_index(b, &k_iid, "Interpreter ID"),
                          st->iid);
        if (st->thread_name.len) {
            perftools__profiles__label__init(&l[nl]);
            l[nl].key = cached_index(b, &k_tname, "Thread name");
            l[nl++].str = strtab_index(&b->strs, st->thread_name.ptr,
                                       st->thread_name.len);
        } else {
            set_num_label(&l[nl++], cached_index(b, &k_tid, "Thread ID"),
                          (int64_t)st->tid);
        }
        smp->label = &b->label_ptrs[i * LABELS_MAX];
        smp->n_label = nl;
        for (size_t k = 0; k < nl; k++)
            smp->label[k] = &l[k];
        b->sample_ptrs[i] = smp;
    }
    p->n_sample = n;
    p->sample = b->sample_ptrs;
    return !b->strs.nomem;
}

static bool build_header(build *b, const pprof_state *st,
                         const mojo_value_kind *kinds, size_t nkinds,
                         const char *mode, Profile *p)
{
    int64_t us = -1, bytes = -1;
    const char *micro = "\xce\xbcs"; /* U+03BC: μs, as pprof spells it */
    for (size_t k = 0; k < nkinds; k++) {
        ValueType *vt = &b->types[k];
        perftools__profiles__value_type__init(vt);
        vt->type = strtab_cstr(&b->strs, mojo_value_name(kinds[k]));
        vt->unit = mojo_value_is_time(kinds[k]) ? cached_index(b, &us, micro)
                                                : cached_index(b, &bytes, "B");
        b->type_ptrs[k] = vt;
    }
    p->n_sample_type = nkinds;
    p->sample_type = b->type_ptrs;
    /* The first type is the natural one: CPU time in full mode, Allocated
     * memory in memory mode. */
    p->default_sample_type = b->types[0].type;
    if (st->agg.info.interval > 0) {
        /* Austin samples on a wall-clock timer whatever the mode. */
        ValueType *pt = &b->types[MOJO_VALUE_KINDS];
        perftools__profiles__value_type__init(pt);
        pt->type = strtab_cstr(&b->strs, strcmp(mode, "cpu") ? "Wall time"
                                                             : "CPU time");
        pt->unit = cached_index(b, &us, micro);
        p->period_type = pt;
        p->period = st->agg.info.interval;
    }
    if (st->agg.info.duration > 0 && st->agg.info.duration < INT64_MAX / 1000)
        p->duration_nanos = st->agg.info.duration * 1000;
    b->comments = alloc_n(st->ncomments, sizeof *b->comments);
    if (!b->comments)
        return false;
    for (size_t i = 0; i < st->ncomments; i++)
        b->comments[i] = strtab_cstr(&b->strs, st->comments[i]);
    p->n_comment = st->ncomments;
    p->comment = b->comments;
    return !b->strs.nomem;
}

/* ------------------------------------------------------------- packing */

typedef struct {
    ProtobufCBuffer base;
    mojo_output *out;
    bool failed;
} output_buffer;

static void output_append(ProtobufCBuffer *buf, size_t len, const uint8_t *data)
{
    output_buffer *ob = (output_buffer *)buf;
    if (!ob->failed && mojo_output_write(ob->out, data, len) != MOJO_OK)
        ob->failed = true;
}

static int pprof_finish(mojo_writer *w)
{
    pprof_state *st = w->state;
    mojo_value_kind kinds[MOJO_VALUE_KINDS];
    const char *mode;
    size_t nkinds = mojo_value_kinds(&st->agg.info, mojo_stacks_metrics(st->agg.stacks),
                                     kinds, &mode);
    build b = {0};
    Profile p;
    perftools__profiles__profile__init(&p);
    strtab_cstr(&b.strs, ""); /* index 0 must be "" */
    bool gc = (mojo_stacks_flags(st->agg.stacks) & MOJO_SAMPLE_GC) != 0;
    if (!build_header(&b, st, kinds, nkinds, mode, &p) ||
        !build_locations(&b, mojo_stacks_frames(st->agg.stacks), gc, &p) ||
        !build_samples(&b, st->agg.stacks, kinds, nkinds, &p) ||
        !(b.string_table = alloc_n(b.strs.n, sizeof *b.string_table))) {
        build_free(&b);
        return mojo_writer_fail(w, MOJO_E_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < b.strs.n; i++)
        b.string_table[i] = b.strs.ents[i].str;
    p.n_string_table = b.strs.n;
    p.string_table = b.string_table;

    output_buffer ob = {{output_append}, w->out, false};
    protobuf_c_message_pack_to_buffer(&p.base, &ob.base);
    build_free(&b);
    return ob.failed ? mojo_writer_fail_output(w) : MOJO_OK;
}

static void pprof_destroy(mojo_writer *w)
{
    pprof_state *st = w->state;
    if (!st)
        return;
    mojo_aggregate_free(&st->agg);
    for (size_t i = 0; i < st->ncomments; i++)
        free(st->comments[i]);
    free(st->comments);
    free(st);
    w->state = NULL;
}

const mojo_writer_ops mojo_pprof_writer_ops = {
    pprof_init, pprof_write, pprof_finish, pprof_destroy,
};
