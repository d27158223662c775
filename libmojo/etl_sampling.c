/* Kernel CPU sampling: SampledProfile events get their stacks from the
 * StackWalk events that name the same (timestamp, thread) - whole, or by
 * a cached stack key whose frames come later (KeyDelete / KeyRundown).
 * A sample taken in kernel mode gets its user-mode half only when the
 * thread returns to user mode: that walk completes every kernel-only
 * sample pending on the thread. Addresses become Python functions by the
 * thunk ranges of PythonFunction events of the same process, or native
 * frames named by module and offset. */
#include "etl_profile.h"
#include "etl_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#define MAX_ADDRS ((size_t)1 << 28)

/* ------------------------------------------------------------ stacks */

/* Copy a walk's addresses into the pool; its stack index, or ETL_NONE. */
static uint32_t add_stack(etl_profile *p, const etl_stackwalk *w)
{
    size_t n = w->naddrs < MOJO_MAX_FRAMES ? w->naddrs : MOJO_MAX_FRAMES;
    if (p->naddrs + n > MAX_ADDRS || p->nstacks >= (ETL_REF_KEY >> 1) ||
        !mojo_grow((void **)&p->addrs, &p->addrs_cap, p->naddrs + n,
                   sizeof *p->addrs) ||
        !mojo_grow((void **)&p->stacks, &p->stacks_cap, 2 * p->nstacks + 2,
                   sizeof *p->stacks))
        return ETL_NONE;
    for (size_t i = 0; i < n; i++)
        p->addrs[p->naddrs + i] = etl_ptr(w->addrs + i * w->ptr, w->ptr);
    p->stacks[2 * p->nstacks] = (uint32_t)p->naddrs;
    p->stacks[2 * p->nstacks + 1] = (uint32_t)n;
    p->naddrs += n;
    return (uint32_t)p->nstacks++;
}

/* The open slot of a stack key (uses wait there for its definition). */
static uint32_t key_slot(etl_profile *p, uint64_t key, bool create)
{
    bool added;
    uint32_t *open = create ? etl_map_put(&p->key_open, key, 0, &added)
                            : etl_map_get(&p->key_open, key, 0);
    if (!open)
        return ETL_NONE;
    if (*open)
        return *open - 1;
    if (!create || p->nkey_slots >= (ETL_REF_KEY >> 1) ||
        !mojo_grow((void **)&p->key_slots, &p->key_slots_cap,
                   p->nkey_slots + 1, sizeof *p->key_slots))
        return ETL_NONE;
    p->key_slots[p->nkey_slots] = ETL_NONE;
    *open = (uint32_t)++p->nkey_slots;
    return *open - 1;
}

static int on_key_def(etl_profile *p, const etl_record *r,
                      const etl_stackwalk *w)
{
    bool create = r->opcode == 34;  /* KeyCreate: uses may follow */
    uint32_t slot = key_slot(p, w->key, create);
    if (slot == ETL_NONE)
        return create ? etl_profile_oom(p) : MOJO_OK;
    if (p->key_slots[slot] == ETL_NONE) {
        uint32_t st = add_stack(p, w);
        if (st == ETL_NONE)
            return etl_profile_oom(p);
        p->key_slots[slot] = st;
    }
    if (!create)  /* deleted or run down: a later use is a new stack */
        *etl_map_get(&p->key_open, w->key, 0) = 0;
    return MOJO_OK;
}

static int add_pending(etl_profile *p, etl_thread *t, uint32_t sample)
{
    if (t->npending >= 4096)
        return MOJO_OK;  /* a thread that never returns to user mode */
    if (!mojo_grow((void **)&t->pending, &t->pending_cap, t->npending + 1,
                   sizeof *t->pending))
        return etl_profile_oom(p);
    t->pending[t->npending++] = sample;
    return MOJO_OK;
}

static int on_stackwalk(etl_profile *p, const etl_stackwalk *w)
{
    uint32_t *found = etl_map_get(&p->sample_by_key, (uint64_t)w->event_ts,
                                  w->tid);
    bool kernel, awaiting;
    if (w->keyed) {
        kernel = awaiting = w->kernel;
    } else {
        if (w->naddrs == 0)
            return MOJO_OK;
        kernel = etl_is_kernel_address(etl_ptr(w->addrs, w->ptr), w->ptr);
        awaiting = kernel && etl_is_kernel_address(
            etl_ptr(w->addrs + (w->naddrs - 1) * w->ptr, w->ptr), w->ptr);
    }
    etl_thread *t = etl_profile_thread(p, w->pid, w->tid);
    if (!t)
        return etl_profile_oom(p);
    bool completes = !kernel && t->npending > 0;
    if (!found && !completes)
        return MOJO_OK;  /* the stack of some other event */

    uint32_t ref = w->keyed ? key_slot(p, w->key, true) : add_stack(p, w);
    if (ref == ETL_NONE)
        return etl_profile_oom(p);
    if (w->keyed)
        ref |= ETL_REF_KEY;
    if (found) {
        etl_cpu_sample *s = &p->samples[*found];
        if (s->pid == ETL_NONE)
            s->pid = w->pid;
        if (kernel && s->kernel == ETL_NONE) {
            s->kernel = ref;
            if (awaiting && add_pending(p, t, *found) != MOJO_OK)
                return MOJO_ERROR;
        } else if (!kernel && s->user == ETL_NONE) {
            s->user = ref;
        }
    }
    if (completes) {
        for (size_t i = 0; i < t->npending; i++) {
            etl_cpu_sample *s = &p->samples[t->pending[i]];
            if (s->user == ETL_NONE)
                s->user = ref;
        }
        t->npending = 0;
    }
    return MOJO_OK;
}

/* -------------------------------------------------------------- scan */

static int on_sample(etl_profile *p, const etl_record *r)
{
    uint64_t ip;
    uint32_t tid, pid = r->has_ids ? r->pid : ETL_NONE, base = 0;
    if (!etl_kernel_sample(r, &ip, &tid))
        return MOJO_OK;
    if (pid == ETL_NONE) {
        uint32_t *owner = etl_map_get(&p->tid_owner, tid, 0);
        if (owner)
            pid = *owner;
    }
    if (p->opts.marks && pid != ETL_NONE) {
        uint32_t *ti = etl_map_get(&p->thread_by_id, pid, tid);
        if (ti)
            base = p->threads[*ti].base_node;
    }
    if (p->nsamples >= ETL_NONE - 1 ||
        !mojo_grow((void **)&p->samples, &p->samples_cap, p->nsamples + 1,
                   sizeof *p->samples))
        return etl_profile_oom(p);
    p->samples[p->nsamples] = (etl_cpu_sample){
        r->ts, ip, pid, tid, base, ETL_NONE, ETL_NONE};
    uint32_t *slot = etl_map_put(&p->sample_by_key, (uint64_t)r->ts, tid, NULL);
    if (!slot)
        return etl_profile_oom(p);
    *slot = (uint32_t)p->nsamples++;
    return MOJO_OK;
}

static int on_image(etl_profile *p, const etl_record *r, const etl_image_ev *im)
{
    /* "\Device\HarddiskVolume2\Windows\System32\ntdll.dll" -> ntdll.dll */
    size_t from = 0;
    for (size_t i = 0; i < im->name_units; i++) {
        unsigned c = etl_u16(im->name + 2 * i);
        if (c == '\\' || c == '/')
            from = i + 1;
    }
    char name[512];
    size_t n = etl_utf16_to_utf8(im->name + 2 * from, im->name_units - from,
                                 name, sizeof name);
    mojo_str s = mojo_frames_intern_str(p->frames, name, n);
    if (!s.ptr || !mojo_grow((void **)&p->images, &p->images_cap,
                             p->nimages + 1, sizeof *p->images))
        return etl_profile_oom(p);
    p->images[p->nimages++] = (etl_image){im->pid, im->base, im->size, r->ts, s};
    return MOJO_OK;
}

int etl_sampling_record(etl_profile *p, const etl_record *r)
{
    etl_stackwalk w;
    etl_image_ev im;
    uint32_t pid, tid, interval;
    switch (ETL_HOOK(r->group, r->opcode)) {
    case ETL_HOOK_SAMPLED_PROFILE:
        return on_sample(p, r);
    case ETL_HOOK_STACKWALK: case ETL_HOOK_STACK_KEY_KERNEL:
    case ETL_HOOK_STACK_KEY_USER:
        return etl_kernel_stackwalk(r, &w) ? on_stackwalk(p, &w) : MOJO_OK;
    case ETL_HOOK_STACK_KEY_CREATE: case ETL_HOOK_STACK_KEY_DELETE:
    case ETL_HOOK_STACK_KEY_RUNDOWN:
        return etl_kernel_key_def(r, &w) ? on_key_def(p, r, &w) : MOJO_OK;
    case ETL_HOOK_IMAGE_LOAD: case ETL_HOOK_IMAGE_DCSTART:
        return etl_kernel_image(r, &im) ? on_image(p, r, &im) : MOJO_OK;
    case ETL_HOOK_THREAD_START: case ETL_HOOK_THREAD_END:
    case ETL_HOOK_THREAD_DCSTART: case ETL_HOOK_THREAD_DCEND:
        if (etl_kernel_thread(r, &pid, &tid)) {
            uint32_t *slot = etl_map_put(&p->tid_owner, tid, 0, NULL);
            if (!slot)
                return etl_profile_oom(p);
            *slot = pid;
        }
        return MOJO_OK;
    case ETL_HOOK_PROFILE_SET_INTERVAL: case ETL_HOOK_PROFILE_COLLECTION_START:
    case ETL_HOOK_PROFILE_COLLECTION_END:
        if (etl_kernel_interval(r, &interval) && interval >= 10)
            p->interval_us = interval / 10;  /* 100 ns units */
        return MOJO_OK;
    default:
        return MOJO_OK;
    }
}

static int cmp_range(const void *a, const void *b)
{
    const etl_range *x = a, *y = b;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    if (x->begin != y->begin)
        return x->begin < y->begin ? -1 : 1;
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

static int cmp_image(const void *a, const void *b)
{
    const etl_image *x = a, *y = b;
    if (x->pid != y->pid)
        return x->pid < y->pid ? -1 : 1;
    if (x->base != y->base)
        return x->base < y->base ? -1 : 1;
    return x->ts < y->ts ? -1 : x->ts > y->ts;
}

int etl_sampling_finish(etl_profile *p)
{
    if (p->nranges)
        qsort(p->ranges, p->nranges, sizeof *p->ranges, cmp_range);
    if (p->nimages)
        qsort(p->images, p->nimages, sizeof *p->images, cmp_image);
    for (size_t i = 0; i < p->nsamples; i++) {
        etl_cpu_sample *s = &p->samples[i];
        uint32_t *owner;
        if (s->pid == ETL_NONE && (owner = etl_map_get(&p->tid_owner, s->tid, 0)))
            s->pid = *owner;
    }
    if (p->interval_us == 0)
        p->interval_us = 1000;  /* the kernel's default: 1 ms */
    return MOJO_OK;
}

/* ---------------------------------------------------------- addresses */

/* Index of the last element of a sorted (pid, key) array at or before
 * (pid, addr), or -1. get(i) gives element i's pid and key. */
#define LAST_AT_OR_BEFORE(arr, n, keyf, pid_, addr_, out)                    \
    do {                                                                      \
        size_t lo_ = 0, hi_ = (n);                                            \
        while (lo_ < hi_) {                                                   \
            size_t mid_ = lo_ + (hi_ - lo_) / 2;                              \
            if ((arr)[mid_].pid < (pid_) ||                                   \
                ((arr)[mid_].pid == (pid_) && (arr)[mid_].keyf <= (addr_)))   \
                lo_ = mid_ + 1;                                               \
            else                                                              \
                hi_ = mid_;                                                   \
        }                                                                     \
        (out) = (ptrdiff_t)lo_ - 1;                                           \
    } while (0)

/* The Python function whose thunk holds addr (ranges are inclusive); of
 * several registrations of one slot (the last 64), the latest before ts. */
static const etl_range *python_range(const etl_profile *p, uint32_t pid,
                                     uint64_t addr, int64_t ts)
{
    ptrdiff_t i;
    LAST_AT_OR_BEFORE(p->ranges, p->nranges, begin, pid, addr, i);
    if (i < 0 || p->ranges[i].pid != pid || addr > p->ranges[i].end)
        return NULL;
    const etl_range *best = &p->ranges[i];
    for (ptrdiff_t k = i; k >= 0 && k > i - 64 && p->ranges[k].pid == pid &&
                          p->ranges[k].begin == best->begin; k--)
        if (p->ranges[k].ts <= ts) {
            best = &p->ranges[k];
            break;
        }
    return addr <= best->end ? best : NULL;
}

static const etl_image *image_at(const etl_profile *p, uint32_t pid,
                                 uint64_t addr, int64_t ts)
{
    ptrdiff_t i;
    const etl_image *best = NULL;
    LAST_AT_OR_BEFORE(p->images, p->nimages, base, pid, addr, i);
    /* images can overlap after unload and reload: look a little back */
    for (int k = 0; i >= 0 && k < 16 && p->images[i].pid == pid; i--, k++) {
        const etl_image *im = &p->images[i];
        if (addr - im->base >= im->size)
            continue;
        if (!best || (im->ts <= ts && (best->ts > ts || im->ts > best->ts)))
            best = im;
    }
    return best;
}

/* The frame of one address; NULL when it is left out (python_only). */
static const mojo_frame *addr_frame(etl_profile *p, uint32_t pid, uint64_t addr,
                                    int64_t ts, bool *oom)
{
    unsigned ptr = p->file->log.pointer_size == 4 ? 4 : 8;
    bool kernel = etl_is_kernel_address(addr, ptr);
    if (!kernel) {
        const etl_range *r = python_range(p, pid, addr, ts);
        if (r)
            return p->funcs[r->func].frame;
    }
    if (p->opts.python_only)
        return NULL;
    uint32_t space = kernel ? 0 : pid;  /* kernel modules load in pid 0 */
    bool added;
    uint32_t *slot = etl_map_put(&p->addr_frame, space, addr, &added);
    if (!slot) {
        *oom = true;
        return NULL;
    }
    if (!added)
        return p->addr_frames[*slot];
    /* As Austin names them: kernel frames "kernel:SYMBOL:0", native ones
     * "native@ADDRESS:SYMBOL:0"; the symbol here is module+offset. */
    const etl_image *im = image_at(p, space, addr, ts);
    char file[40], scope[600];
    int nf = snprintf(file, sizeof file, "native@0x%" PRIx64, addr);
    int ns = im ? snprintf(scope, sizeof scope, "%s+0x%" PRIx64, im->name.ptr,
                           addr - im->base)
            : kernel ? snprintf(scope, sizeof scope, "0x%" PRIx64, addr)
                     : snprintf(scope, sizeof scope, "<unknown>");
    mojo_frame proto = {0};
    proto.kind = kernel ? MOJO_FRAME_KERNEL : MOJO_FRAME_NATIVE;
    proto.file = kernel ? mojo_frames_intern_str(p->frames, "kernel", 6)
                        : mojo_frames_intern_str(p->frames, file, (size_t)nf);
    proto.scope = mojo_frames_intern_str(p->frames, scope, (size_t)ns);
    const mojo_frame *f = proto.file.ptr && proto.scope.ptr
                              ? mojo_frames_intern(p->frames, &proto) : NULL;
    if (!f || !mojo_grow((void **)&p->addr_frames, &p->addr_frames_cap,
                         p->naddr_frames + 1, sizeof *p->addr_frames)) {
        *oom = true;
        return NULL;
    }
    slot = etl_map_get(&p->addr_frame, space, addr);
    p->addr_frames[p->naddr_frames] = f;
    *slot = (uint32_t)p->naddr_frames++;
    return f;
}

/* Append the frames of a stack ref, outermost first. */
static int append_ref(etl_profile *p, uint32_t ref, const etl_cpu_sample *s,
                      size_t *n)
{
    if (ref == ETL_NONE)
        return MOJO_OK;
    if (ref & ETL_REF_KEY) {
        ref = p->key_slots[ref & ~ETL_REF_KEY];
        if (ref == ETL_NONE)
            return MOJO_OK;  /* a key never defined */
    }
    const uint64_t *a = p->addrs + p->stacks[2 * ref];
    uint32_t count = p->stacks[2 * ref + 1];
    if (!mojo_grow((void **)&p->out, &p->out_cap, *n + count + 1,
                   sizeof *p->out))
        return etl_profile_oom(p);
    for (uint32_t i = count; i-- > 0;) {
        bool oom = false;
        const mojo_frame *f = addr_frame(p, s->pid, a[i], s->ts, &oom);
        if (oom)
            return etl_profile_oom(p);
        if (f)
            p->out[(*n)++] = f;
    }
    return MOJO_OK;
}

int etl_sampling_sample(etl_profile *p, size_t i, mojo_sample *out)
{
    const etl_cpu_sample *s = &p->samples[i];
    size_t n;
    if (etl_profile_frames(p, s->base_node, &n) != MOJO_OK)
        return MOJO_ERROR;
    if (s->user == ETL_NONE && s->kernel == ETL_NONE) {
        /* no stack walk: the sampled instruction alone */
        bool oom = false;
        const mojo_frame *f = addr_frame(p, s->pid, s->ip, s->ts, &oom);
        if (oom || !mojo_grow((void **)&p->out, &p->out_cap, n + 1,
                              sizeof *p->out))
            return etl_profile_oom(p);
        if (f)
            p->out[n++] = f;
    } else if (append_ref(p, s->user, s, &n) != MOJO_OK ||
               append_ref(p, s->kernel, s, &n) != MOJO_OK) {
        return MOJO_ERROR;
    }
    if (p->opts.python_only && n == 0)
        return ETL_SKIP;  /* nothing of Python in it */
    memset(out, 0, sizeof *out);
    out->pid = s->pid == ETL_NONE ? -1 : (int64_t)s->pid;
    out->iid = -1;  /* ETL knows no interpreter ids */
    out->tid = s->tid;
    out->frames = p->out;
    out->nframes = n;
    out->metrics = MOJO_METRIC_TIME;
    out->time = p->interval_us;
    out->timestamp = etl_ts_to_us(&p->file->log, s->ts);
    return MOJO_OK;
}
