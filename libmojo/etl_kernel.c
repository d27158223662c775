/* Payloads of the classic kernel events a CPU profile needs. Identified by
 * (group, opcode) whatever their header kind (system, compact, perfinfo);
 * pointer-sized fields follow the record's own header type. */
#include "etl_profile.h"

static unsigned hook(const etl_record *r)
{
    return r->kind == ETL_REC_KERNEL ? ETL_HOOK(r->group, r->opcode) : 0;
}

bool etl_is_kernel_address(uint64_t a, unsigned ptr)
{
    return ptr == 8 ? a >= 0xFFFF800000000000ull : a >= 0x80000000ull;
}

/* SampledProfile: InstructionPointer, ThreadId u32, Count u16, ... */
bool etl_kernel_sample(const etl_record *r, uint64_t *ip, uint32_t *tid)
{
    unsigned P = r->ptr_size;
    if (hook(r) != ETL_HOOK_SAMPLED_PROFILE || r->payload_len < P + 4)
        return false;
    *ip = etl_ptr(r->payload, P);
    *tid = etl_u32(r->payload + P);
    return true;
}

/* SampledProfileInterval: Source u32, NewInterval u32 (100 ns units), ...
 * Source 0 is the timer that drives CPU sampling. */
bool etl_kernel_interval(const etl_record *r, uint32_t *interval)
{
    unsigned h = hook(r);
    if ((h != ETL_HOOK_PROFILE_SET_INTERVAL &&
         h != ETL_HOOK_PROFILE_COLLECTION_START &&
         h != ETL_HOOK_PROFILE_COLLECTION_END) ||
        r->payload_len < 8 || etl_u32(r->payload) != 0)
        return false;
    *interval = etl_u32(r->payload + 4);
    return true;
}

/* StackWalk: EventTimeStamp u64, StackProcess u32, StackThread u32, then
 * the frames; the key variants carry one pointer-sized key instead. */
bool etl_kernel_stackwalk(const etl_record *r, etl_stackwalk *w)
{
    unsigned h = hook(r), P = r->ptr_size;
    if (h != ETL_HOOK_STACKWALK && h != ETL_HOOK_STACK_KEY_KERNEL &&
        h != ETL_HOOK_STACK_KEY_USER)
        return false;
    if (r->payload_len < 16)
        return false;
    memset(w, 0, sizeof *w);
    w->event_ts = (int64_t)etl_u64(r->payload);
    w->pid = etl_u32(r->payload + 8);
    w->tid = etl_u32(r->payload + 12);
    w->ptr = (uint8_t)P;
    if (h == ETL_HOOK_STACKWALK) {
        w->addrs = r->payload + 16;
        w->naddrs = (r->payload_len - 16) / P;
        return true;
    }
    if (r->payload_len < 16 + P)
        return false;
    w->keyed = true;
    w->key = etl_ptr(r->payload + 16, P);
    /* which half it is comes from the hook, not the addresses */
    w->kernel = h == ETL_HOOK_STACK_KEY_KERNEL;
    return true;
}

/* StackWalk_TypeGroup1 (key create, delete, rundown): StackKey, frames. */
bool etl_kernel_key_def(const etl_record *r, etl_stackwalk *w)
{
    unsigned h = hook(r), P = r->ptr_size;
    if ((h != ETL_HOOK_STACK_KEY_CREATE && h != ETL_HOOK_STACK_KEY_DELETE &&
         h != ETL_HOOK_STACK_KEY_RUNDOWN) || r->payload_len < P)
        return false;
    memset(w, 0, sizeof *w);
    w->keyed = true;
    w->key = etl_ptr(r->payload, P);
    w->addrs = r->payload + P;
    w->naddrs = (r->payload_len - P) / P;
    w->ptr = (uint8_t)P;
    return true;
}

/* Image load / rundown (v2, v3): ImageBase, ImageSize, ProcessId u32,
 * CheckSum u32, TimeDateStamp u32, 4 bytes, DefaultBase, 4 x u32, then
 * the NT path as UTF-16. */
bool etl_kernel_image(const etl_record *r, etl_image_ev *im)
{
    unsigned h = hook(r), P = r->ptr_size;
    if ((h != ETL_HOOK_IMAGE_LOAD && h != ETL_HOOK_IMAGE_DCSTART) ||
        r->version < 2)
        return false;
    size_t name_at = 3u * P + 32u;
    if (r->payload_len < name_at)
        return false;
    im->base = etl_ptr(r->payload, P);
    im->size = etl_ptr(r->payload + P, P);
    im->pid = etl_u32(r->payload + 2 * P);
    im->name = r->payload + name_at;
    size_t left = r->payload_len - name_at, units = 0;
    while (2 * units + 1 < left &&
           (im->name[2 * units] || im->name[2 * units + 1]))
        units++;
    im->name_units = units;
    return true;
}

/* Thread start / end / rundown: ProcessId u32, TThreadId u32, ... */
bool etl_kernel_thread(const etl_record *r, uint32_t *pid, uint32_t *tid)
{
    unsigned h = hook(r);
    if ((h != ETL_HOOK_THREAD_START && h != ETL_HOOK_THREAD_END &&
         h != ETL_HOOK_THREAD_DCSTART && h != ETL_HOOK_THREAD_DCEND) ||
        r->payload_len < 8)
        return false;
    *pid = etl_u32(r->payload);
    *tid = etl_u32(r->payload + 4);
    return true;
}
