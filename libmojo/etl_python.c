/* Events of python-etwtrace (TraceLogging provider "Python"). All have id
 * 0: they are told apart by the event name in their schema, and their
 * fields are found by name, so field order does not matter. */
#include "etl_profile.h"
#include "etl_text.h"

#include <stdio.h>
#include <stdlib.h>

/* {99a10640-320d-4b37-9e26-c311d86da7ab} in Windows GUID layout. */
const uint8_t etl_python_guid[16] = {
    0x40, 0x06, 0xa1, 0x99, 0x0d, 0x32, 0x37, 0x4b,
    0x9e, 0x26, 0xc3, 0x11, 0xd8, 0x6d, 0xa7, 0xab};

enum py_kind {
    PY_UNCLASSIFIED = 0, PY_OTHER, PY_THREAD, PY_FUNCTION, PY_MARK,
    PY_STACK_SAMPLE, PY_PUSH, PY_POP
};

/* Field slots per kind (schema->slot[i] = field index). */
enum { F_ID = 0, F_BEGIN, F_END, F_LINE, F_FILE, F_NAME, F_ISPY };
enum { F_CALLER = 1, F_CALLER_LINE = 2 };
enum { F_MARK = 0 };

static const struct {
    const char *event;
    int kind;
    const char *fields[7];
    int required;  /* how many of fields[] must be present */
} py_events[] = {
    {"PythonThread", PY_THREAD, {NULL}, 0},
    {"PythonFunction", PY_FUNCTION,
     {"FunctionID", "BeginAddress", "EndAddress", "LineNumber", "SourceFile",
      "Name", "IsPythonCode"}, 6},
    {"PythonMark", PY_MARK, {"Mark"}, 1},
    {"PythonStackSample", PY_STACK_SAMPLE, {"Mark"}, 0},
    {"PythonFunctionPush", PY_PUSH, {"FunctionID", "Caller", "CallerLine"}, 1},
    {"PythonFunctionPop", PY_POP, {"FunctionID"}, 1},
};

static void classify(etl_tl_schema *s)
{
    s->kind = PY_OTHER;
    for (size_t e = 0; e < sizeof py_events / sizeof *py_events; e++) {
        if (strcmp(s->name, py_events[e].event) != 0)
            continue;
        for (int k = 0; k < 7 && py_events[e].fields[k]; k++) {
            s->slot[k] = -1;
            for (size_t i = 0; i < s->nfields; i++)
                if (s->fields[i].depth == 0 &&
                    strcmp(s->fields[i].name, py_events[e].fields[k]) == 0) {
                    s->slot[k] = (int16_t)i;
                    break;
                }
            if (k < py_events[e].required && s->slot[k] < 0)
                return;  /* not the layout we know: ignore the event */
        }
        s->kind = py_events[e].kind;
        return;
    }
}

typedef struct py_event {
    const etl_tl_schema *s;
    etl_tl_value *v;   /* one per schema field */
} py_event;

static bool field_int(const py_event *e, int slot, int64_t *out)
{
    int i = e->s->slot[slot];
    return i >= 0 && etl_tl_int(&e->s->fields[i], &e->v[i], out);
}

/* A string field as UTF-8 interned in the frames table. */
static mojo_str field_str(etl_profile *p, const py_event *e, int slot)
{
    mojo_str none = {"", 0};
    int i = e->s->slot[slot];
    if (i < 0 || !e->v[i].present || e->v[i].count != 1)
        return none;
    const etl_tl_field *f = &e->s->fields[i];
    const etl_tl_value *v = &e->v[i];
    size_t cap = 3 * v->len + 1;
    if (cap > 3 * (size_t)MOJO_MAX_STRING)
        cap = 3 * (size_t)MOJO_MAX_STRING;
    char *buf = malloc(cap);
    if (!buf)
        return none;
    size_t n = etl_tl_format(f, v->p, v->len, buf, cap);
    mojo_str s = mojo_frames_intern_str(p->frames, buf, n);
    free(buf);
    return s.ptr ? s : none;
}

/* ---------------------------------------------------------- functions */

static uint32_t add_func(etl_profile *p, const etl_func *fn,
                         const mojo_frame *proto)
{
    const mojo_frame *f = mojo_frames_intern(p->frames, proto);
    if (!f || !mojo_grow((void **)&p->funcs, &p->funcs_cap, p->nfuncs + 1,
                         sizeof *p->funcs))
        return ETL_NONE;
    p->funcs[p->nfuncs] = *fn;
    p->funcs[p->nfuncs].frame = f;
    return (uint32_t)p->nfuncs++;
}

/* A function known only by its id (its PythonFunction event came before
 * the trace): one stand-in per (pid, id). */
static uint32_t placeholder(etl_profile *p, uint32_t pid, uint64_t id)
{
    bool added;
    uint32_t *slot = etl_map_put(&p->placeholders, pid, id, &added);
    if (!slot)
        return ETL_NONE;
    if (!added)
        return *slot;
    char name[48];
    int n = snprintf(name, sizeof name, "<function %llu>",
                     (unsigned long long)id);
    mojo_frame proto = {0};
    proto.kind = MOJO_FRAME_PYTHON;
    proto.file = mojo_frames_intern_str(p->frames, "<unknown>", 9);
    proto.scope = mojo_frames_intern_str(p->frames, name, (size_t)n);
    etl_func fn = {.pid = pid, .id = id, .python = true};
    uint32_t idx = proto.scope.ptr ? add_func(p, &fn, &proto) : ETL_NONE;
    slot = etl_map_get(&p->placeholders, pid, id);
    *slot = idx;
    return idx;
}

/* The function an id names now; an id used before its PythonFunction
 * event (another thread registered it a little later, or it was running
 * when tracing began) takes its first registration. */
static uint32_t func_for(etl_profile *p, uint32_t pid, uint64_t id)
{
    uint32_t *v = etl_map_get(&p->func_by_id, pid, id);
    if (!v)
        v = etl_map_get(&p->first_func, pid, id);
    return v ? *v : placeholder(p, pid, id);
}

static int on_function(etl_profile *p, const etl_record *r, py_event *e,
                       bool emit)
{
    int64_t id, begin = 0, end = 0, line = 0, ispy = 1;
    if (!field_int(e, F_ID, &id))
        return MOJO_OK;
    uint32_t idx;
    if (emit) {
        /* The scan made one function per event, in this same order. */
        if (p->func_events_replayed >= p->nfunc_events)
            return MOJO_OK;
        idx = p->func_events[p->func_events_replayed++];
    } else {
        field_int(e, F_BEGIN, &begin);
        field_int(e, F_END, &end);
        field_int(e, F_LINE, &line);
        field_int(e, F_ISPY, &ispy);
        mojo_frame proto = {0};
        /* python-etwtrace writes 1 for code objects and 0 for C callables;
         * 2 (kernel) and 3 (invalid) come from this project's writer. */
        proto.kind = ispy == 0   ? MOJO_FRAME_NATIVE
                     : ispy == 2 ? MOJO_FRAME_KERNEL
                     : ispy == 3 ? MOJO_FRAME_INVALID
                                 : MOJO_FRAME_PYTHON;
        proto.file = field_str(p, e, F_FILE);
        proto.scope = field_str(p, e, F_NAME);
        proto.line = line > 0 ? line : 0;
        etl_func fn = {.pid = r->pid, .id = (uint64_t)id,
                       .begin = (uint64_t)begin, .end = (uint64_t)end,
                       .ts = r->ts, .python = proto.kind == MOJO_FRAME_PYTHON};
        idx = add_func(p, &fn, &proto);
        if (idx == ETL_NONE ||
            !mojo_grow((void **)&p->func_events, &p->func_events_cap,
                       p->nfunc_events + 1, sizeof *p->func_events))
            return etl_profile_oom(p);
        p->func_events[p->nfunc_events++] = idx;
        bool first;
        uint32_t *f = etl_map_put(&p->first_func, r->pid, (uint64_t)id, &first);
        if (!f)
            return etl_profile_oom(p);
        if (first)
            *f = idx;
        if (begin || end) {
            if (!mojo_grow((void **)&p->ranges, &p->ranges_cap,
                           p->nranges + 1, sizeof *p->ranges))
                return etl_profile_oom(p);
            p->ranges[p->nranges++] = (etl_range){
                r->pid, (uint64_t)begin, (uint64_t)end, r->ts, idx};
        }
    }
    uint32_t *slot = etl_map_put(&p->func_by_id, r->pid, (uint64_t)id, NULL);
    if (!slot)
        return etl_profile_oom(p);
    *slot = idx;
    return MOJO_OK;
}

/* -------------------------------------------------------------- marks */

static int push_mark(etl_profile *p, etl_thread *t, mojo_str name,
                     bool thread)
{
    if (t->nmarks >= ETL_MAX_MARKS)
        return MOJO_OK;  /* ranges never closed: keep the first ones */
    if (!mojo_grow((void **)&t->marks, &t->marks_cap, t->nmarks + 1,
                   sizeof *t->marks))
        return etl_profile_oom(p);
    t->marks[t->nmarks++] = (etl_mark){name, thread};
    etl_thread_rebase(p, t);
    return p->failed ? MOJO_ERROR : MOJO_OK;
}

/* Close the innermost open range of that name (or the thread range). */
static int pop_mark(etl_profile *p, etl_thread *t, mojo_str name, bool thread)
{
    for (size_t i = t->nmarks; i-- > 0;) {
        etl_mark *m = &t->marks[i];
        if (m->thread != thread ||
            (!thread && (m->name.len != name.len ||
                         memcmp(m->name.ptr, name.ptr, name.len) != 0)))
            continue;
        memmove(m, m + 1, (t->nmarks - i - 1) * sizeof *m);
        t->nmarks--;
        etl_thread_rebase(p, t);
        break;
    }
    return p->failed ? MOJO_ERROR : MOJO_OK;
}

/* ---------------------------------------------------- push/pop: scan */

static bool grow_ids(uint64_t **a, size_t *cap, size_t n)
{
    return mojo_grow((void **)a, cap, n, sizeof **a);
}

/* Simulate the thread's stack of ids; a pop with nothing pushed names a
 * function that was running when tracing began (outermost last). */
static int scan_push_pop(etl_profile *p, etl_thread *t, bool push,
                         uint64_t id)
{
    p->npushpop++;
    t->instrumented = true;
    if (push) {
        if (t->scan_depth >= ETL_MAX_DEPTH) {
            t->scan_overflow++;  /* runaway recursion: count, do not keep */
            return MOJO_OK;
        }
        if (!grow_ids(&t->scan_ids, &t->scan_cap, t->scan_depth + 1))
            return etl_profile_oom(p);
        t->scan_ids[t->scan_depth++] = id;
        return MOJO_OK;
    }
    if (t->scan_overflow) {
        t->scan_overflow--;
        return MOJO_OK;
    }
    for (size_t i = t->scan_depth, k = 0; i-- > 0 && k < ETL_POP_SEARCH; k++)
        if (t->scan_ids[i] == id) {
            t->scan_depth = i;
            return MOJO_OK;
        }
    if (t->scan_depth == 0 && t->ninitial < ETL_MAX_DEPTH) {
        if (!grow_ids(&t->initial, &t->initial_cap, t->ninitial + 1))
            return etl_profile_oom(p);
        t->initial[t->ninitial++] = id;
    }
    return MOJO_OK;
}

/* ---------------------------------------------------- push/pop: emit */

/* Make the top entry a caller at line, giving it its trie node. */
static int set_caller_line(etl_profile *p, etl_thread *t, int64_t line)
{
    etl_entry *top = &t->stack[t->depth - 1];
    uint32_t parent = t->depth >= 2 ? t->stack[t->depth - 2].node : t->base_node;
    top->line = line;
    top->node = etl_profile_entry_node(p, parent, top);
    return top->node == ETL_NONE ? etl_profile_oom(p) : MOJO_OK;
}

static int push_entry(etl_profile *p, etl_thread *t, uint32_t func)
{
    if (!mojo_grow((void **)&t->stack, &t->cap, t->depth + 1, sizeof *t->stack))
        return etl_profile_oom(p);
    t->stack[t->depth++] = (etl_entry){func, 0, ETL_NONE};
    return MOJO_OK;
}

/* The first event of a thread: start from the functions already running. */
static int start_thread(etl_profile *p, etl_thread *t, const etl_record *r)
{
    t->seen = true;
    t->last_ts = r->ts;
    for (size_t i = t->ninitial; i-- > 0;) {
        uint32_t f = func_for(p, r->pid, t->initial[i]);
        if (f == ETL_NONE)
            return etl_profile_oom(p);
        if (t->depth && set_caller_line(p, t, 0) != MOJO_OK)
            return MOJO_ERROR;
        if (push_entry(p, t, f) != MOJO_OK)
            return MOJO_ERROR;
    }
    return MOJO_OK;
}

/* The interval since the thread's previous event, as a sample. */
static int close_interval(etl_profile *p, etl_thread *t, const etl_record *r)
{
    int64_t from = etl_ts_to_us(&p->file->log, t->last_ts);
    int64_t to = etl_ts_to_us(&p->file->log, r->ts);
    t->last_ts = r->ts;
    /* Threads without push/pop (stack sampling) have CPU samples instead. */
    if (to <= from || !t->instrumented || (t->depth == 0 && t->nmarks == 0))
        return MOJO_OK;
    uint32_t node = t->base_node;
    if (t->depth) {
        /* the leaf: at the line it last called from, else its def line */
        node = t->depth >= 2 ? t->stack[t->depth - 2].node : t->base_node;
        node = etl_profile_entry_node(p, node, &t->stack[t->depth - 1]);
        if (node == ETL_NONE)
            return etl_profile_oom(p);
    }
    if (node == 0)
        return MOJO_OK;  /* nothing left to show (python_only) */
    mojo_sample *s = &p->pending_sample;
    memset(s, 0, sizeof *s);
    s->pid = t->pid;
    s->iid = -1;  /* ETL knows no interpreter ids */
    s->tid = t->tid;
    s->metrics = MOJO_METRIC_TIME;
    s->time = to - from;
    s->timestamp = from;
    p->pending_node = node;
    p->ready = true;
    return MOJO_OK;
}

static int emit_push_pop(etl_profile *p, etl_thread *t, bool push,
                         uint64_t id, int64_t caller_line, const etl_record *r)
{
    if (push) {
        if (t->depth >= ETL_MAX_DEPTH) {
            t->overflow++;  /* as the scan did: deeper calls are counted */
            return MOJO_OK;
        }
        if (t->depth && set_caller_line(p, t, caller_line) != MOJO_OK)
            return MOJO_ERROR;
        uint32_t f = func_for(p, r->pid, id);
        if (f == ETL_NONE)
            return etl_profile_oom(p);
        return push_entry(p, t, f);
    }
    if (t->overflow) {
        t->overflow--;
        return MOJO_OK;
    }
    /* Pops match the top but for lost events: look a little way down. */
    for (size_t i = t->depth, k = 0; i-- > 0 && k < ETL_POP_SEARCH; k++)
        if (p->funcs[t->stack[i].func].id == id) {
            t->depth = i;
            return MOJO_OK;
        }
    return MOJO_OK;  /* a pop of something never pushed: nothing to undo */
}

/* ------------------------------------------------------------ records */

int etl_python_record(etl_profile *p, const etl_record *r, bool emit)
{
    etl_record rec = *r;
    etl_ext x;
    const char *why = NULL;
    if (etl_record_ext(&rec, &x, &why) != 0 || !x.schema)
        return MOJO_OK;  /* not TraceLogging: not one of ours */
    etl_tl_schema *s = etl_tl_cache_get(p->schemas, x.schema, x.schema_len,
                                        &why);
    if (!s)
        return why ? MOJO_OK : etl_profile_oom(p);
    if (s->kind == PY_UNCLASSIFIED)
        classify(s);
    if (s->kind == PY_OTHER || s->kind == PY_STACK_SAMPLE)
        return MOJO_OK;
    py_event ev = {s, p->py_values}, *e = &ev;
    if (etl_tl_decode(s, rec.payload, rec.payload_len, rec.ptr_size, e->v) != 0)
        return MOJO_OK;  /* payload does not match its schema: skip it */
    if (s->kind == PY_FUNCTION)
        return on_function(p, r, e, emit);

    etl_thread *t = etl_profile_thread(p, r->pid, r->tid);
    if (!t)
        return etl_profile_oom(p);
    int64_t id = 0, line = 0;
    bool pushpop = s->kind == PY_PUSH || s->kind == PY_POP;
    if (pushpop && !field_int(e, F_ID, &id))
        return MOJO_OK;
    if (!emit && pushpop)
        return scan_push_pop(p, t, s->kind == PY_PUSH, (uint64_t)id);
    /* Thread and mark ranges matter only as frames (--marks); instant
     * marks never change a stack. */
    bool range = (s->kind == PY_THREAD || s->kind == PY_MARK) &&
                 (r->opcode == 1 || r->opcode == 2);
    if (!pushpop && !(range && p->opts.marks))
        return MOJO_OK;
    if (emit) {
        if (!t->seen) {
            if (start_thread(p, t, r) != MOJO_OK)
                return MOJO_ERROR;
        } else if (close_interval(p, t, r) != MOJO_OK) {
            return MOJO_ERROR;
        }
    }
    if (pushpop) {
        field_int(e, F_CALLER_LINE, &line);
        return emit_push_pop(p, t, s->kind == PY_PUSH, (uint64_t)id, line, r);
    }
    if (s->kind == PY_THREAD) {
        mojo_str name = mojo_frames_intern_str(p->frames, "PythonThread", 12);
        if (r->opcode == 1)
            return push_mark(p, t, name, true);
        if (r->opcode == 2)
            return pop_mark(p, t, name, true);
        return MOJO_OK;
    }
    mojo_str name = field_str(p, e, F_MARK);
    return r->opcode == 1 ? push_mark(p, t, name, false)
                          : pop_mark(p, t, name, false);
}
