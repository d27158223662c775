/* ETL (Event Trace Log) container: byte layouts, the loaded file, records.
 *
 * An ETL file is a sequence of buffers, each with a 72-byte buffer header
 * and 8-byte aligned records up to the header's Offset. The first record
 * of the first buffer is the logfile header. Compressed buffers (XPRESS
 * plain LZ77) are inflated as the merge reaches them: only the file and
 * the buffers overlapping the current time are in memory. Records of
 * different buffers (one per CPU and session) overlap in time; etl_merge
 * yields them in time order. Everything is little-endian.
 */
#ifndef MOJO_ETL_FORMAT_H
#define MOJO_ETL_FORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

/* ------------------------------------------------------------ bytes */

static inline uint16_t etl_u16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (unsigned)p[1] << 8);
}
static inline uint32_t etl_u32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
           (uint32_t)p[3] << 24;
}
static inline uint64_t etl_u64(const uint8_t *p)
{
    return (uint64_t)etl_u32(p) | (uint64_t)etl_u32(p + 4) << 32;
}
/* A pointer-sized value (4 or 8 bytes). */
static inline uint64_t etl_ptr(const uint8_t *p, unsigned size)
{
    return size == 8 ? etl_u64(p) : etl_u32(p);
}
static inline void etl_put16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}
static inline void etl_put32(uint8_t *p, uint32_t v)
{
    etl_put16(p, (uint16_t)v);
    etl_put16(p + 2, (uint16_t)(v >> 16));
}
static inline void etl_put64(uint8_t *p, uint64_t v)
{
    etl_put32(p, (uint32_t)v);
    etl_put32(p + 4, (uint32_t)(v >> 32));
}
static inline size_t etl_align8(size_t n) { return (n + 7) & ~(size_t)7; }

/* ----------------------------------------------------------- layout */

/* WMI_BUFFER_HEADER */
#define ETL_BUF_HEADER_SIZE 72
#define ETL_BUF_SIZE        0x00
#define ETL_BUF_SAVED       0x04
#define ETL_BUF_CURRENT     0x08
#define ETL_BUF_TIMESTAMP   0x10
#define ETL_BUF_SEQUENCE    0x18
#define ETL_BUF_CPU         0x28
#define ETL_BUF_LOGGER      0x2A
#define ETL_BUF_STATE       0x2C
#define ETL_BUF_OFFSET      0x30
#define ETL_BUF_FLAGS       0x34
#define ETL_BUF_TYPE        0x36

#define ETL_BUFFER_FLAG_COMPRESSED 0x0040
#define ETL_BUFFER_TYPE_HEADER     4

/* Record header types (byte 2 of the marker). */
enum {
    ETL_HDR_SYSTEM32 = 0x01, ETL_HDR_SYSTEM64 = 0x02,
    ETL_HDR_COMPACT32 = 0x03, ETL_HDR_COMPACT64 = 0x04,
    ETL_HDR_FULL32 = 0x0A, ETL_HDR_INSTANCE32 = 0x0B,
    ETL_HDR_TIMED = 0x0C, ETL_HDR_ERROR = 0x0D, ETL_HDR_WNODE = 0x0E,
    ETL_HDR_MESSAGE = 0x0F,
    ETL_HDR_PERFINFO32 = 0x10, ETL_HDR_PERFINFO64 = 0x11,
    ETL_HDR_EVENT32 = 0x12, ETL_HDR_EVENT64 = 0x13,
    ETL_HDR_FULL64 = 0x14, ETL_HDR_INSTANCE64 = 0x15
};
#define ETL_MARKER_FLAGS     0xC0  /* TRACE_HEADER_FLAG | EVENT_TRACE */
#define ETL_MARKER_MESSAGE   0x10  /* TRACE_MESSAGE (WPP) */

#define ETL_SYSTEM_SIZE    32
#define ETL_COMPACT_SIZE   24
#define ETL_PERFINFO_SIZE  16
#define ETL_FULL_SIZE      48
#define ETL_INSTANCE_SIZE  72
#define ETL_EVENT_SIZE     80
#define ETL_MESSAGE_SIZE   8

/* EVENT_HEADER flags and extended item types. */
#define ETL_EH_FLAG_EXTENDED_INFO 0x0001
enum {
    ETL_EXT_STACK_TRACE32 = 5, ETL_EXT_STACK_TRACE64 = 6,
    ETL_EXT_EVENT_SCHEMA_TL = 11, ETL_EXT_PROV_TRAITS = 12,
    ETL_EXT_STACK_KEY32 = 17, ETL_EXT_STACK_KEY64 = 18
};
#define ETL_MAX_EXT_ITEMS 32

/* TRACE_LOGFILE_HEADER offsets from the payload of the first record, for a
 * 64-bit header (ETL_LOG_PTRS: bytes added by the two pointer slots). */
#define ETL_LOG_FIXED64 280   /* bytes before the two strings */
#define ETL_LOG_FIXED32 272

/* Caps on sizes read from a file. */
#define ETL_MAX_INPUT     ((uint64_t)1 << 32)  /* the whole file */
#define ETL_MAX_BUFFER    (64u << 20)           /* one buffer */

/* ------------------------------------------------------------- file */

typedef struct etl_logfile {
    uint32_t buffer_size;
    uint8_t os_major, os_minor, layout_major, layout_minor;
    uint32_t provider_version;    /* OS build */
    uint32_t ncpus;
    uint64_t end_time;            /* FILETIME */
    uint32_t timer_resolution;    /* 100 ns units */
    uint32_t max_file_size;
    uint32_t log_file_mode;
    uint32_t buffers_written;
    uint32_t pointer_size;        /* 4 or 8 */
    uint32_t events_lost;
    uint32_t cpu_mhz;
    uint64_t boot_time, perf_freq, start_time; /* FILETIME, Hz, FILETIME */
    uint32_t clock_type;          /* 1 QPC, 2 system time, 3 CPU cycles */
    uint32_t buffers_lost;
    int64_t header_ts;            /* the header record's timestamp */
    uint64_t ticks_per_second;    /* from the clock type */
    char logger_name[256];        /* UTF-8 */
    char log_file_name[512];
} etl_logfile;

typedef struct etl_buffer {
    uint64_t offset;        /* of its buffer header in the file */
    const uint8_t *data;    /* payload: the bytes after the buffer header;
                               NULL when compressed (etl_buffer_inflate) */
    int64_t first_ts;       /* its first record's time, if has_first */
    bool has_first;         /* (false: no record, or the first malformed) */
    uint32_t len;           /* payload bytes (Offset - 72) */
    uint32_t size;          /* BufferSize: bytes it takes in the file */
    uint16_t cpu, logger, flags, type;
    uint64_t sequence;
    bool compressed;
} etl_buffer;

typedef struct etl_file {
    const char *name;
    uint8_t *data;          /* the whole input */
    size_t size;
    etl_logfile log;
    etl_buffer *bufs;
    size_t nbufs;
    /* A problem after the first buffer: the buffers before it stay usable
     * and the reader reports this once they are consumed. */
    mojo_error late_err;
    bool has_late_err;
} etl_file;

/* Take ownership of data[0..size) (malloc'ed) and index its buffers.
 * MOJO_OK, or MOJO_ERROR with *err set (the file is then unusable). */
MOJO_HIDDEN int etl_file_load(etl_file *f, const char *name, uint8_t *data,
                              size_t size, mojo_error *err);
MOJO_HIDDEN void etl_file_free(etl_file *f);
/* A compressed buffer's payload into dst[0..b->len). 0, or -1 when it does
 * not inflate to that size. Compressed buffers are inflated as the merge
 * reaches them, one at a time per buffer overlapping in time: memory
 * stays bounded whatever the file's length. */
MOJO_HIDDEN int etl_buffer_inflate(const etl_file *f, const etl_buffer *b,
                                   uint8_t *dst);
/* File offset of byte off of buffer b's payload ("inflated" buffers give
 * their header's offset). */
MOJO_HIDDEN uint64_t etl_file_offset(const etl_buffer *b, size_t off);
/* Microseconds since the trace start for a record timestamp. */
MOJO_HIDDEN int64_t etl_ts_to_us(const etl_logfile *log, int64_t ts);

/* Inflate XPRESS plain LZ77 src[0..n) into exactly want bytes of dst.
 * Returns 0, or -1 when the stream is malformed or ends early. */
MOJO_HIDDEN int etl_xpress_decompress(const uint8_t *src, size_t n,
                                      uint8_t *dst, size_t want);
/* The first want bytes of the output only (a match may be cut). */
MOJO_HIDDEN int etl_xpress_decompress_prefix(const uint8_t *src, size_t n,
                                             uint8_t *dst, size_t want);

/* ---------------------------------------------------------- records */

typedef enum etl_rec_kind {
    ETL_REC_KERNEL,    /* system, compact, perfinfo: group/opcode/version */
    ETL_REC_CLASSIC,   /* full or instance header: guid + opcode */
    ETL_REC_EVENT,     /* EVENT_HEADER: guid + descriptor */
    ETL_REC_OTHER      /* message and the rest: skipped */
} etl_rec_kind;

typedef struct etl_record {
    etl_rec_kind kind;
    uint8_t htype;           /* header type */
    uint8_t ptr_size;        /* 4 or 8, from the header type */
    uint16_t size;           /* whole record */
    bool has_ids;            /* pid/tid known (not perfinfo) */
    uint32_t pid, tid;
    int64_t ts;
    /* kernel and classic */
    uint8_t group, opcode;
    uint16_t version;
    /* classic and EVENT_HEADER */
    const uint8_t *guid;     /* 16 bytes, Windows GUID layout */
    /* EVENT_HEADER */
    uint16_t eh_flags, id;
    uint8_t ev_version, channel, level;
    uint16_t task;
    uint64_t keyword;
    const uint8_t *ext;      /* extended items (parse with etl_record_ext) */
    uint16_t ext_len;
    /* the event's own data */
    const uint8_t *payload;
    uint32_t payload_len;
} etl_record;

/* Extended items of an EVENT_HEADER record, by linkage. */
typedef struct etl_ext {
    const uint8_t *schema;  uint16_t schema_len;   /* TraceLogging schema */
    const uint8_t *traits;  uint16_t traits_len;   /* provider traits */
    const uint8_t *stack;   uint32_t nframes;      /* addresses, innermost first */
    uint8_t stack_ptr;                             /* 4 or 8 */
    bool has_stack_key;
    uint64_t stack_key;
} etl_ext;

/* Parse the record at p (avail bytes to the payload end). Returns 1 and
 * fills *rec, 0 at the end of the buffer's records (filler or too few
 * bytes for a marker), -1 when malformed (*why says what was expected). */
MOJO_HIDDEN int etl_record_parse(const uint8_t *p, size_t avail,
                                 etl_record *rec, const char **why);
/* Walk rec's extended items into *ext and make rec->payload the user data
 * after them. 0, or -1 when malformed (*why set). */
MOJO_HIDDEN int etl_record_ext(etl_record *rec, etl_ext *ext, const char **why);

/* ------------------------------------------------------------ merge */

/* Records of all buffers in time order (each buffer is in order already).
 * A buffer joins the merge when the merge reaches its first record's time
 * (known from the load), and is inflated then; it leaves, its memory
 * freed, at its last record. */
typedef struct etl_cursor {
    const etl_buffer *buf;
    const uint8_t *data; /* its payload, once it has joined */
    uint8_t *own;        /* inflated here (compressed buffers) */
    size_t pos;          /* of the current record in the payload */
    etl_record rec;      /* the current record */
} etl_cursor;

typedef struct etl_merge {
    const etl_file *file;
    etl_cursor *cursors; /* one per buffer */
    uint32_t *heap;      /* cursor indices, a min-heap on rec.ts */
    size_t n;
    uint32_t *waiting;   /* buffers yet to join, by (first_ts, index) */
    size_t nwaiting, next_waiting;
    bool pending;        /* the top record was handed out */
    bool failed;
    mojo_error err;
} etl_merge;

MOJO_HIDDEN int etl_merge_init(etl_merge *m, const etl_file *f);
/* 1 with *rec (valid until the next call) and *buf, 0 at the end, -1 on a
 * malformed record (m->err set; records of other buffers are still
 * returned before that is reported). */
MOJO_HIDDEN int etl_merge_next(etl_merge *m, const etl_record **rec,
                               const etl_buffer **buf);
MOJO_HIDDEN void etl_merge_free(etl_merge *m);

/* The writer's buffer size (default 64 KiB; 1 KiB to 64 MiB), for tests
 * that want small files. Call before the first event. */
MOJO_HIDDEN void etl_writer_set_buffer_size(mojo_writer *w, uint32_t size);

/* GUID helpers. */
MOJO_HIDDEN void etl_guid_format(const uint8_t g[16], char out[37]);
MOJO_HIDDEN bool etl_guid_parse(const char *s, uint8_t g[16]);

#endif
