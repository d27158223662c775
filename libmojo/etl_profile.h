/* From ETL records to profile samples.
 *
 * Two passes over the records in time order. The scan pass learns what
 * needs lookahead: Python functions (with their thunk address ranges),
 * image loads, thread owners, kernel CPU samples with their stack walks
 * (cached stack keys are defined only later, often at the end), and for
 * instrumented threads the functions already running when tracing began
 * (pops without pushes). The emit pass replays the Python push/pop events
 * to rebuild each thread's stack and turns every interval between two of a
 * thread's events into a wall-time sample, interleaved by time with the
 * CPU samples of the scan pass. A file with no push/pop events needs no
 * second pass.
 */
#ifndef MOJO_ETL_PROFILE_H
#define MOJO_ETL_PROFILE_H

#include "etl_format.h"
#include "etl_tracelogging.h"

#include "etl_map.h"

#define ETL_NONE UINT32_MAX

/* Instrumented threads: deeper calls are counted, not kept; a pop looks
 * this far down for its function; open mark ranges per thread. Each
 * bounds the work one event can cause. */
#define ETL_MAX_DEPTH 4096
#define ETL_POP_SEARCH 256
#define ETL_MAX_MARKS 64

/* ------------------------------------------------------- kernel events */

/* Classic kernel hooks by (group, opcode). */
#define ETL_HOOK(g, t) ((unsigned)(g) << 8 | (unsigned)(t))
enum {
    ETL_HOOK_PROCESS_START = ETL_HOOK(0x03, 1),
    ETL_HOOK_PROCESS_DCSTART = ETL_HOOK(0x03, 3),
    ETL_HOOK_IMAGE_LOAD = ETL_HOOK(0x03, 10),
    ETL_HOOK_THREAD_START = ETL_HOOK(0x05, 1),
    ETL_HOOK_THREAD_END = ETL_HOOK(0x05, 2),
    ETL_HOOK_THREAD_DCSTART = ETL_HOOK(0x05, 3),
    ETL_HOOK_THREAD_DCEND = ETL_HOOK(0x05, 4),
    ETL_HOOK_SAMPLED_PROFILE = ETL_HOOK(0x0F, 46),
    ETL_HOOK_PROFILE_SET_INTERVAL = ETL_HOOK(0x0F, 72),
    ETL_HOOK_PROFILE_COLLECTION_START = ETL_HOOK(0x0F, 73),
    ETL_HOOK_PROFILE_COLLECTION_END = ETL_HOOK(0x0F, 74),
    ETL_HOOK_IMAGE_DCSTART = ETL_HOOK(0x14, 3),
    ETL_HOOK_STACKWALK = ETL_HOOK(0x18, 32),
    ETL_HOOK_STACK_KEY_CREATE = ETL_HOOK(0x18, 34),
    ETL_HOOK_STACK_KEY_DELETE = ETL_HOOK(0x18, 35),
    ETL_HOOK_STACK_KEY_RUNDOWN = ETL_HOOK(0x18, 36),
    ETL_HOOK_STACK_KEY_KERNEL = ETL_HOOK(0x18, 37),
    ETL_HOOK_STACK_KEY_USER = ETL_HOOK(0x18, 38)
};

/* A stack walk, full or by key. */
typedef struct etl_stackwalk {
    int64_t event_ts;      /* timestamp of the event it belongs to */
    uint32_t pid, tid;
    const uint8_t *addrs;  /* innermost first */
    uint32_t naddrs;
    uint8_t ptr;
    bool keyed;
    bool kernel;           /* a key use for the kernel-mode half */
    uint64_t key;
} etl_stackwalk;

typedef struct etl_image_ev {
    uint64_t base, size;
    uint32_t pid;
    const uint8_t *name;   /* UTF-16 */
    size_t name_units;
} etl_image_ev;

MOJO_HIDDEN bool etl_kernel_sample(const etl_record *r, uint64_t *ip,
                                   uint32_t *tid);
MOJO_HIDDEN bool etl_kernel_interval(const etl_record *r, uint32_t *interval);
MOJO_HIDDEN bool etl_kernel_stackwalk(const etl_record *r, etl_stackwalk *w);
/* Key definitions (create, delete, rundown): key and frames. */
MOJO_HIDDEN bool etl_kernel_key_def(const etl_record *r, etl_stackwalk *w);
MOJO_HIDDEN bool etl_kernel_image(const etl_record *r, etl_image_ev *im);
MOJO_HIDDEN bool etl_kernel_thread(const etl_record *r, uint32_t *pid,
                                   uint32_t *tid);
MOJO_HIDDEN bool etl_is_kernel_address(uint64_t a, unsigned ptr);

/* -------------------------------------------------------------- profile */

typedef struct etl_profile_options {
    bool marks;        /* PythonThread / PythonMark ranges become frames */
    bool python_only;  /* drop native and kernel frames */
} etl_profile_options;

typedef struct etl_func {
    uint32_t pid;
    uint64_t id;           /* FunctionID */
    uint64_t begin, end;   /* thunk range (stack-sampling mode), or 0 */
    int64_t ts;            /* when it was registered */
    const mojo_frame *frame;  /* at its def line */
    bool python;           /* IsPythonCode */
} etl_func;

typedef struct etl_range {  /* a thunk range, sorted by begin per pid */
    uint32_t pid;
    uint64_t begin, end;
    int64_t ts;
    uint32_t func;
} etl_range;

typedef struct etl_image {
    uint32_t pid;
    uint64_t base, size;
    int64_t ts;
    mojo_str name;         /* base name, interned */
} etl_image;

/* An entry of an instrumented thread's stack. */
typedef struct etl_entry {
    uint32_t func;
    int64_t line;          /* the caller line its callee reported */
    uint32_t node;         /* trie node of the stack up to here, as caller */
} etl_entry;

typedef struct etl_mark {
    mojo_str name;
    bool thread;           /* the PythonThread range, not a mark */
} etl_mark;

typedef struct etl_thread {
    uint32_t pid, tid;
    /* instrumented */
    etl_entry *stack;
    size_t depth, cap;
    uint64_t *initial;     /* scan: function ids running at the start */
    size_t ninitial, initial_cap;
    uint64_t *scan_ids;    /* scan: simulated stack of ids */
    size_t scan_depth, scan_cap, scan_overflow;
    size_t overflow;       /* emit: pushes past ETL_MAX_DEPTH */
    int64_t last_ts;       /* emit: time of its previous event */
    bool seen;             /* emit: had an event already */
    bool instrumented;     /* has push/pop events */
    /* marks, innermost last */
    etl_mark *marks;
    size_t nmarks, marks_cap;
    uint32_t base_node;    /* trie node of the mark frames */
    /* kernel samples waiting for their user-mode stack */
    uint32_t *pending;
    size_t npending, pending_cap;
} etl_thread;

typedef struct etl_cpu_sample {
    int64_t ts;
    uint64_t ip;
    uint32_t pid, tid;
    uint32_t base_node;    /* mark frames */
    uint32_t user, kernel; /* stack refs: ETL_NONE, a stack, or a key slot */
} etl_cpu_sample;

#define ETL_REF_KEY 0x80000000u  /* a ref naming a key slot */

typedef struct etl_node {
    uint32_t parent;
    const mojo_frame *frame;
} etl_node;

typedef struct etl_profile {
    const etl_file *file;
    mojo_frames *frames;
    etl_profile_options opts;
    etl_tl_cache *schemas;

    etl_func *funcs;          size_t nfuncs, funcs_cap;
    etl_map func_by_id;       /* (pid, id) -> current func index */
    etl_map first_func;       /* (pid, id) -> its first registration */
    etl_map placeholders;     /* (pid, id) -> stand-in for an unknown id */
    uint32_t *func_events;    /* func made by each PythonFunction event */
    size_t nfunc_events, func_events_cap, func_events_replayed;
    etl_tl_value *py_values;  /* scratch for decoding one event */
    etl_range *ranges;        size_t nranges, ranges_cap;
    etl_image *images;        size_t nimages, images_cap;
    etl_map tid_owner;        /* tid -> pid, from thread events */

    etl_thread *threads;      size_t nthreads, threads_cap;
    etl_map thread_by_id;     /* (pid, tid) -> index */
    size_t last_thread;       /* the one looked up last */

    etl_node *nodes;          size_t nnodes, nodes_cap;
    etl_map node_by_key;      /* (parent, frame id) -> node */
    etl_map frame_by_line;    /* (func, line) -> frame (index in line_frames) */
    const mojo_frame **line_frames; size_t nline_frames, line_frames_cap;

    etl_cpu_sample *samples;  size_t nsamples, samples_cap;
    etl_map sample_by_key;    /* (event ts, tid) -> sample */
    uint64_t *addrs;          size_t naddrs, addrs_cap; /* stack pool */
    uint32_t *stacks;         size_t nstacks, stacks_cap; /* start, count pairs */
    uint32_t *key_slots;      size_t nkey_slots, key_slots_cap; /* -> stack */
    etl_map key_open;         /* stack key -> open slot */
    etl_map addr_frame;       /* (pid, address) -> frame + 1, 0 dropped */
    const mojo_frame **addr_frames; size_t naddr_frames, addr_frames_cap;

    uint32_t interval_us;     /* kernel sampling interval */
    uint64_t npushpop;        /* instrumented events seen by the scan */
    int64_t first_ts, last_ts;
    bool any_ts;

    /* emission */
    etl_merge merge;
    bool emitting, merged_done;
    size_t next_cpu;
    const mojo_frame **out;   size_t out_cap;
    bool ready;               /* an instrumented sample waits: */
    mojo_sample pending_sample;
    uint32_t pending_node;    /* its frames */
    bool have_rec;            /* p->rec is waiting to be handled */
    const etl_record *rec;
    mojo_error err;
    bool failed;              /* err is set (maybe only to report at the end) */
    bool fatal;               /* stop now (out of memory) */
} etl_profile;

MOJO_HIDDEN int etl_profile_init(etl_profile *p, const etl_file *f,
                                 mojo_frames *frames,
                                 const etl_profile_options *o);
MOJO_HIDDEN void etl_profile_free(etl_profile *p);
/* The scan pass. MOJO_OK, or MOJO_ERROR with p->err set (records already
 * scanned stay usable: a late error is also kept in p->err, p->failed). */
MOJO_HIDDEN int etl_profile_scan(etl_profile *p);
/* The next sample: MOJO_OK, MOJO_END, MOJO_ERROR (p->err). The sample's
 * frames stay valid until the next call. */
MOJO_HIDDEN int etl_profile_next(etl_profile *p, mojo_sample *s);

/* Shared helpers (etl_profile.c) used by the Python events (etl_python.c). */
MOJO_HIDDEN etl_thread *etl_profile_thread(etl_profile *p, uint32_t pid,
                                           uint32_t tid);
MOJO_HIDDEN uint32_t etl_profile_node(etl_profile *p, uint32_t parent,
                                      const mojo_frame *f);
MOJO_HIDDEN const mojo_frame *etl_profile_line_frame(etl_profile *p,
                                                     uint32_t func,
                                                     int64_t line);
MOJO_HIDDEN uint32_t etl_profile_entry_node(etl_profile *p, uint32_t parent,
                                            const etl_entry *e);
/* Root-first frames of a trie node into p->out; *n gets their count. */
MOJO_HIDDEN int etl_profile_frames(etl_profile *p, uint32_t node, size_t *n);
MOJO_HIDDEN int etl_profile_oom(etl_profile *p);
MOJO_HIDDEN void etl_thread_rebase(etl_profile *p, etl_thread *t);

/* Kernel CPU sampling (etl_sampling.c): scan a kernel record; sort and
 * settle what the scan gathered; build CPU sample i (ETL_SKIP: it has no
 * frames left to show). */
#define ETL_SKIP 2
MOJO_HIDDEN int etl_sampling_record(etl_profile *p, const etl_record *r);
MOJO_HIDDEN int etl_sampling_finish(etl_profile *p);
MOJO_HIDDEN int etl_sampling_sample(etl_profile *p, size_t i, mojo_sample *s);

/* The Python provider (etl_python.c). */
MOJO_HIDDEN extern const uint8_t etl_python_guid[16];
/* Handle a record of the Python provider in the scan (emit = false) or
 * emit pass. In the emit pass a wall-time sample may be produced into
 * p->pending_sample (p->ready). MOJO_OK or MOJO_ERROR (p->err). */
MOJO_HIDDEN int etl_python_record(etl_profile *p, const etl_record *r,
                                  bool emit);

#endif
