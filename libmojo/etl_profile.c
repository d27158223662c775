/* The profile model behind the ETL reader: threads, the trie of stacks,
 * and the two passes (see etl_profile.h). */
#include "etl_profile.h"

#include <stdlib.h>

int etl_profile_oom(etl_profile *p)
{
    if (!p->failed || p->err.code != MOJO_E_NOMEM) {
        mojo_error_set_nooff(&p->err, MOJO_E_NOMEM, p->file->name,
                             "out of memory building the profile");
        p->failed = true;
    }
    p->fatal = true;
    return MOJO_ERROR;
}

int etl_profile_init(etl_profile *p, const etl_file *f, mojo_frames *frames,
                     const etl_profile_options *o)
{
    memset(p, 0, sizeof *p);
    p->file = f;
    p->frames = frames;
    if (o)
        p->opts = *o;
    p->schemas = etl_tl_cache_new();
    p->py_values = malloc(ETL_TL_MAX_FIELDS * sizeof *p->py_values);
    /* node 0: the empty stack */
    if (!p->schemas || !p->py_values ||
        !mojo_grow((void **)&p->nodes, &p->nodes_cap, 1, sizeof *p->nodes))
        return etl_profile_oom(p);
    p->nodes[0] = (etl_node){ETL_NONE, NULL};
    p->nnodes = 1;
    return MOJO_OK;
}

static void free_thread(etl_thread *t)
{
    free(t->stack);
    free(t->initial);
    free(t->scan_ids);
    free(t->marks);
    free(t->pending);
}

void etl_profile_free(etl_profile *p)
{
    etl_tl_cache_free(p->schemas);
    free(p->py_values);
    free(p->funcs);
    free(p->func_events);
    etl_map_free(&p->func_by_id);
    etl_map_free(&p->first_func);
    etl_map_free(&p->placeholders);
    free(p->ranges);
    free(p->images);
    etl_map_free(&p->tid_owner);
    for (size_t i = 0; i < p->nthreads; i++)
        free_thread(&p->threads[i]);
    free(p->threads);
    etl_map_free(&p->thread_by_id);
    free(p->nodes);
    etl_map_free(&p->node_by_key);
    etl_map_free(&p->frame_by_line);
    free(p->line_frames);
    free(p->samples);
    etl_map_free(&p->sample_by_key);
    free(p->addrs);
    free(p->stacks);
    free(p->key_slots);
    etl_map_free(&p->key_open);
    etl_map_free(&p->addr_frame);
    free(p->addr_frames);
    etl_merge_free(&p->merge);
    free(p->out);
    memset(p, 0, sizeof *p);
}

/* ---------------------------------------------------------- the model */

etl_thread *etl_profile_thread(etl_profile *p, uint32_t pid, uint32_t tid)
{
    /* events of one thread come in runs: try the last one first */
    if (p->last_thread < p->nthreads && p->threads[p->last_thread].pid == pid &&
        p->threads[p->last_thread].tid == tid)
        return &p->threads[p->last_thread];
    bool added;
    uint32_t *slot = etl_map_put(&p->thread_by_id, pid, tid, &added);
    if (!slot)
        return NULL;
    if (!added) {
        p->last_thread = *slot;
        return &p->threads[*slot];
    }
    if (!mojo_grow((void **)&p->threads, &p->threads_cap, p->nthreads + 1,
                   sizeof *p->threads))
        return NULL;
    etl_thread *t = &p->threads[p->nthreads];
    memset(t, 0, sizeof *t);
    t->pid = pid;
    t->tid = tid;
    p->last_thread = *slot = (uint32_t)p->nthreads++;
    return t;
}

uint32_t etl_profile_node(etl_profile *p, uint32_t parent, const mojo_frame *f)
{
    bool added;
    if (parent == ETL_NONE)
        return ETL_NONE;
    uint32_t *slot = etl_map_put(&p->node_by_key, parent, f->id, &added);
    if (!slot)
        return ETL_NONE;
    if (!added)
        return *slot;
    if (p->nnodes >= ETL_NONE - 1 ||
        !mojo_grow((void **)&p->nodes, &p->nodes_cap, p->nnodes + 1,
                   sizeof *p->nodes))
        return ETL_NONE;
    p->nodes[p->nnodes] = (etl_node){parent, f};
    *slot = (uint32_t)p->nnodes;
    return (uint32_t)p->nnodes++;
}

/* A function's frame at another line (callers show the line they call
 * from), interned once per (function, line). */
const mojo_frame *etl_profile_line_frame(etl_profile *p, uint32_t func,
                                         int64_t line)
{
    bool added;
    uint32_t *slot = etl_map_put(&p->frame_by_line, func, (uint64_t)line,
                                 &added);
    if (!slot)
        return NULL;
    if (!added)
        return p->line_frames[*slot];
    mojo_frame proto = *p->funcs[func].frame;
    proto.line = line;
    const mojo_frame *f = mojo_frames_intern(p->frames, &proto);
    if (!f || !mojo_grow((void **)&p->line_frames, &p->line_frames_cap,
                         p->nline_frames + 1, sizeof *p->line_frames))
        return NULL;
    slot = etl_map_get(&p->frame_by_line, func, (uint64_t)line);
    p->line_frames[p->nline_frames] = f;
    *slot = (uint32_t)p->nline_frames++;
    return f;
}

uint32_t etl_profile_entry_node(etl_profile *p, uint32_t parent,
                                const etl_entry *e)
{
    const etl_func *fn = &p->funcs[e->func];
    if (p->opts.python_only && !fn->python)
        return parent;
    const mojo_frame *f = e->line > 0 ? etl_profile_line_frame(p, e->func, e->line)
                                      : fn->frame;
    return f ? etl_profile_node(p, parent, f) : ETL_NONE;
}

/* Marks changed: the thread's mark frames, then every caller above them. */
void etl_thread_rebase(etl_profile *p, etl_thread *t)
{
    uint32_t node = 0;
    for (size_t i = 0; i < t->nmarks && node != ETL_NONE; i++) {
        mojo_frame proto = {0};
        proto.kind = MOJO_FRAME_PYTHON;
        proto.file = t->marks[i].thread
                         ? mojo_frames_intern_str(p->frames, "<thread>", 8)
                         : mojo_frames_intern_str(p->frames, "<mark>", 6);
        proto.scope = t->marks[i].name;
        const mojo_frame *f = proto.file.ptr ? mojo_frames_intern(p->frames, &proto)
                                             : NULL;
        node = f ? etl_profile_node(p, node, f) : ETL_NONE;
    }
    t->base_node = node;
    for (size_t i = 0; i + 1 < t->depth && node != ETL_NONE; i++)
        node = t->stack[i].node = etl_profile_entry_node(p, node, &t->stack[i]);
    if (node == ETL_NONE)
        etl_profile_oom(p);
}

/* Root-first frames of node into p->out after the first `at` entries. */
static int node_frames(etl_profile *p, uint32_t node, size_t at, size_t *n)
{
    size_t depth = 0;
    for (uint32_t k = node; k != 0 && k != ETL_NONE; k = p->nodes[k].parent)
        depth++;
    if (!mojo_grow((void **)&p->out, &p->out_cap, at + depth + 1,
                   sizeof *p->out))
        return etl_profile_oom(p);
    size_t i = at + depth;
    for (uint32_t k = node; k != 0 && k != ETL_NONE; k = p->nodes[k].parent)
        p->out[--i] = p->nodes[k].frame;
    *n = at + depth;
    return MOJO_OK;
}

/* ------------------------------------------------------------ passes */

static bool is_python(const etl_record *r)
{
    return r->kind == ETL_REC_EVENT && memcmp(r->guid, etl_python_guid, 16) == 0;
}

/* Keep the first late problem (the file's, then the records'). */
static void late(etl_profile *p, const mojo_error *e)
{
    if (!p->failed) {
        p->err = *e;
        p->failed = true;
    }
}

int etl_profile_scan(etl_profile *p)
{
    etl_merge m;
    const etl_record *r;
    const etl_buffer *b;
    int rc;
    if (etl_merge_init(&m, p->file) != MOJO_OK)
        return etl_profile_oom(p);
    while ((rc = etl_merge_next(&m, &r, &b)) == 1) {
        if (!p->any_ts || r->ts < p->first_ts)
            p->first_ts = r->ts;
        if (!p->any_ts || r->ts > p->last_ts)
            p->last_ts = r->ts;
        p->any_ts = true;
        int st = MOJO_OK;
        if (r->kind == ETL_REC_KERNEL)
            st = etl_sampling_record(p, r);
        else if (is_python(r))
            st = etl_python_record(p, r, false);
        if (st != MOJO_OK && p->fatal)
            break;
    }
    if (rc < 0)
        late(p, &m.err);
    etl_merge_free(&m);
    if (p->file->has_late_err)
        late(p, &p->file->late_err);
    if (p->fatal)
        return MOJO_ERROR;
    return etl_sampling_finish(p);
}

/* Forget the scan's per-thread state: the emit pass replays it. */
static void reset_threads(etl_profile *p)
{
    for (size_t i = 0; i < p->nthreads; i++) {
        etl_thread *t = &p->threads[i];
        t->depth = 0;
        t->overflow = 0;
        t->nmarks = 0;
        t->base_node = 0;
        t->seen = false;
    }
    etl_map_free(&p->func_by_id);
    p->func_events_replayed = 0;
}

static int start_emit(etl_profile *p)
{
    p->emitting = true;
    if (p->npushpop == 0) {
        p->merged_done = true;  /* nothing to replay */
        return MOJO_OK;
    }
    reset_threads(p);
    if (etl_merge_init(&p->merge, p->file) != MOJO_OK)
        return etl_profile_oom(p);
    return MOJO_OK;
}

static int give_pending(etl_profile *p, mojo_sample *s)
{
    size_t n;
    p->ready = false;
    if (node_frames(p, p->pending_node, 0, &n) != MOJO_OK)
        return MOJO_ERROR;
    *s = p->pending_sample;
    s->frames = p->out;
    s->nframes = n;
    return MOJO_OK;
}

int etl_profile_next(etl_profile *p, mojo_sample *s)
{
    if (p->fatal)
        return MOJO_ERROR;
    if (!p->emitting && start_emit(p) != MOJO_OK)
        return MOJO_ERROR;
    for (;;) {
        if (p->ready)
            return give_pending(p, s);
        if (p->merged_done) {
            if (p->next_cpu < p->nsamples) {
                int rc = etl_sampling_sample(p, p->next_cpu++, s);
                if (rc == ETL_SKIP)
                    continue;
                return rc;
            }
            return p->failed ? MOJO_ERROR : MOJO_END;
        }
        if (!p->have_rec) {
            const etl_buffer *b;
            int rc = etl_merge_next(&p->merge, &p->rec, &b);
            if (rc != 1) {
                p->merged_done = true;
                continue;
            }
            p->have_rec = true;
        }
        /* CPU samples up to this record's time come first. */
        if (p->next_cpu < p->nsamples &&
            p->samples[p->next_cpu].ts <= p->rec->ts) {
            int rc = etl_sampling_sample(p, p->next_cpu++, s);
            if (rc == ETL_SKIP)
                continue;
            return rc;
        }
        p->have_rec = false;
        if (is_python(p->rec) &&
            etl_python_record(p, p->rec, true) != MOJO_OK && p->fatal)
            return MOJO_ERROR;
    }
}

int etl_profile_frames(etl_profile *p, uint32_t node, size_t *n)
{
    return node_frames(p, node, 0, n);
}
