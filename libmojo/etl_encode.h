/* Encoding shared by the ETL writers (etl_write.c, samples sorted at the
 * end; etl_stream.c, events streamed as they come): the TraceLogging
 * records of python-etwtrace's provider "Python", the buffer header and
 * the logfile header.
 *
 * A record is a constant head (EVENT_HEADER, provider-traits item,
 * TraceLogging schema item), made once per kind, then the payload. Per
 * event only the head's size, ids and timestamp change. Both writers use
 * the same clock: QPC ticks at 10 MHz from ETL_WR_QPC_BASE, which is the
 * trace's start (the logfile header's timestamp). */
#ifndef MOJO_ETL_ENCODE_H
#define MOJO_ETL_ENCODE_H

#include "etl_format.h"

#define ETL_WR_BUFFER_SIZE 65536u               /* the default */
#define ETL_WR_MAX_UNITS 8000u                  /* UTF-16 units per string */
#define ETL_WR_QPC_BASE ((uint64_t)36000000000) /* 1 h after boot, 10 MHz */
#define ETL_WR_FREQ 10000000u                   /* ticks of 100 ns */
#define ETL_WR_START_TIME 133485408000000000ull /* 2024-01-01T00:00:00Z */

/* A string payload field at most (ETL_WR_MAX_UNITS units and the NUL). */
#define ETL_STRING_MAX (2 * ETL_WR_MAX_UNITS + 2)
/* Head lengths by kind: EVENT_HEADER (80), the traits item (24), the
 * schema item (8 + the blob, aligned: thread 26, function 100, push 54,
 * pop 33, mark 20). Constants let the stream copy heads with fixed-size
 * moves; etl_encode_head returns the same. */
#define ETL_HEAD_THREAD 144
#define ETL_HEAD_FUNCTION 216
#define ETL_HEAD_PUSH 168
#define ETL_HEAD_POP 152
#define ETL_HEAD_MARK 136

/* From here on, every head of a kind is the same: only the size, ids and
 * time before it change from record to record. */
#define ETL_HEAD_FIXED_FROM 24

/* The longest head. */
#define ETL_HEAD_MAX ETL_HEAD_FUNCTION
/* The longest record (PythonFunction with two strings at their cap),
 * well under a 64 KiB buffer's room. */
#define ETL_RECORD_MAX (ETL_HEAD_MAX + 28 + 2 * ETL_STRING_MAX + 4)

/* The events, one head each (opcodes differ for start and stop). */
typedef enum etl_py_kind {
    ETL_PY_THREAD_START, ETL_PY_FUNCTION, ETL_PY_PUSH, ETL_PY_POP,
    ETL_PY_THREAD_STOP, ETL_PY_MARK, ETL_PY_MARK_START, ETL_PY_MARK_STOP,
    ETL_PY_KINDS
} etl_py_kind;

/* Fixed payload sizes. */
#define ETL_PUSH_PAYLOAD 24
#define ETL_POP_PAYLOAD 8
#define ETL_THREAD_PAYLOAD 4

/* The constant head of kind's records into out[ETL_HEAD_MAX]: the
 * EVENT_HEADER (size, thread, process and timestamp left 0) and both
 * extended items. Returns its length, a multiple of 8. */
MOJO_HIDDEN size_t etl_encode_head(etl_py_kind kind, uint8_t *out);

/* Little-endian stores for every event: one move each on little-endian
 * hosts (compilers do not always merge etl_put*'s byte stores). */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
static inline void etl_store16(uint8_t *p, uint16_t v) { memcpy(p, &v, 2); }
static inline void etl_store32(uint8_t *p, uint32_t v) { memcpy(p, &v, 4); }
static inline void etl_store64(uint8_t *p, uint64_t v) { memcpy(p, &v, 8); }
#else
static inline void etl_store16(uint8_t *p, uint16_t v) { etl_put16(p, v); }
static inline void etl_store32(uint8_t *p, uint32_t v) { etl_put32(p, v); }
static inline void etl_store64(uint8_t *p, uint64_t v) { etl_put64(p, v); }
#endif

/* A record's per-event fields: its size (head and payload) and ids. */
static inline void etl_encode_ids(uint8_t *rec, uint32_t pid, uint32_t tid,
                                  uint64_t qpc)
{
    etl_store32(rec + 8, tid);
    etl_store32(rec + 12, pid);
    etl_store64(rec + 16, qpc);
}
static inline void etl_encode_size(uint8_t *rec, size_t size)
{
    etl_store16(rec, (uint16_t)size);
}

/* Payloads; each returns its size. */
static inline size_t etl_encode_push(uint8_t *p, uint64_t id, uint64_t caller,
                                     uint64_t caller_line)
{
    etl_store64(p, id);
    etl_store64(p + 8, caller);
    etl_store64(p + 16, caller_line);
    return ETL_PUSH_PAYLOAD;
}
static inline size_t etl_encode_pop(uint8_t *p, uint64_t id)
{
    etl_store64(p, id);
    return ETL_POP_PAYLOAD;
}
static inline size_t etl_encode_thread(uint8_t *p, uint32_t tid)
{
    etl_store32(p, tid);
    return ETL_THREAD_PAYLOAD;
}
/* A UNICODESTRING field: s as UTF-16LE (capped), then a 0 unit. */
MOJO_HIDDEN size_t etl_encode_string(uint8_t *p, mojo_str s);
/* PythonFunction: id, no addresses, f's line, file, scope and kind. At
 * most ETL_RECORD_MAX - ETL_HEAD_MAX bytes. */
MOJO_HIDDEN size_t etl_encode_function(uint8_t *p, uint64_t id,
                                       const mojo_frame *f);
/* PythonMark: the mark's name. */
static inline size_t etl_encode_mark(uint8_t *p, mojo_str mark)
{
    return etl_encode_string(p, mark);
}

/* The buffer header of b[0..size): payload up to end, flush time qpc,
 * sequence seq, header or data buffer; the bytes after end become 0xFF. */
MOJO_HIDDEN void etl_encode_buffer_header(uint8_t *b, uint32_t size,
                                          size_t end, uint64_t qpc,
                                          uint64_t seq, bool header);
/* The whole header buffer b[0..size): the logfile header record (nbuffers
 * counts this buffer too; the trace ends end_ticks after its start; the
 * log file name is cut to fit the buffer), sequence 0. */
MOJO_HIDDEN void etl_encode_header_buffer(uint8_t *b, uint32_t size,
                                          uint32_t nbuffers,
                                          uint64_t end_ticks,
                                          const char *file_name);

#endif
