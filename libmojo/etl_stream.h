/* A streaming writer of python-etwtrace's events, for tracers.
 *
 * The sample writer (etl_write.c) takes timed stacks in any order and sorts
 * everything at close. A tracer already has the events themselves, in time
 * order: this writer encodes each one as it comes (a precomputed record
 * per event kind, patched with ids, times and payload) and writes every
 * buffer to the file as soon as it is full, so memory stays constant and
 * the cost per event does not depend on the stack's depth. The header
 * buffer is written last, at offset 0, with the final buffer count and end
 * time: the file must be seekable.
 *
 * Records are the same as the sample writer's (EVENT_HEADER with the
 * provider-traits and TraceLogging-schema items, provider "Python"), so
 * libmojo's ETL reader and Windows tools read both alike.
 *
 * Times are 100 ns ticks since the start of the trace, never decreasing
 * from one call to the next (a smaller time is taken as the previous one).
 * Not thread-safe: one thread writes. */
#ifndef MOJO_ETL_STREAM_H
#define MOJO_ETL_STREAM_H

#include "internal.h"

typedef struct etl_stream etl_stream;

/* Write to fd (not closed by the stream); name is for messages and the
 * header's log file name. NULL with *err set on failure (fd not seekable,
 * out of memory). The trace starts at fd's offset at open (normally 0)
 * and every buffer is written there with pwrite, so fd's offset is left
 * alone (a forked child may share it); fd opened with O_APPEND is
 * refused (the header would go to the end). */
MOJO_HIDDEN etl_stream *etl_stream_open(int fd, const char *name,
                                        mojo_error *err);

/* Compress each data buffer from now on (on) or no more (off; the
 * default): XPRESS, as Windows' compressed mode (EVENT_TRACE_COMPRESSED_
 * MODE) writes it, read by libmojo and Windows 8 on. A buffer that does
 * not shrink is written plain. Best set before the first event: switched
 * on within a buffer, what the buffer holds goes in uncompressed. */
MOJO_HIDDEN void etl_stream_set_compress(etl_stream *s, bool on);

/* PythonThread: start (opcode 1) or stop (opcode 2). */
MOJO_HIDDEN int etl_stream_thread(etl_stream *s, uint64_t ticks, uint32_t pid,
                                  uint32_t tid, bool start);
/* PythonFunction: id (> 0, per process) announced with the frame's file,
 * scope, line and kind (IsPythonCode 1 for Python, 0 native). */
MOJO_HIDDEN int etl_stream_function(etl_stream *s, uint64_t ticks,
                                    uint32_t pid, uint32_t tid, uint64_t id,
                                    const mojo_frame *f);
/* PythonFunctionPush: caller is the calling function's id (0: none). */
MOJO_HIDDEN int etl_stream_push(etl_stream *s, uint64_t ticks, uint32_t pid,
                                uint32_t tid, uint64_t id, uint64_t caller,
                                uint64_t caller_line);
MOJO_HIDDEN int etl_stream_pop(etl_stream *s, uint64_t ticks, uint32_t pid,
                               uint32_t tid, uint64_t id);
/* PythonMark: opcode 0 (an instant mark), 1 (a range starts), 2 (ends). */
MOJO_HIDDEN int etl_stream_mark(etl_stream *s, uint64_t ticks, uint32_t pid,
                                uint32_t tid, int opcode, mojo_str mark);

/* Write what is buffered and the header; free the stream in any case.
 * end_ticks: the trace's end (at least the last event's time). After an
 * error the header is still written, counting the buffers written in
 * full (a partial one after them is cut off), so that they stay
 * readable; MOJO_ERROR then, with the first error in *err. */
MOJO_HIDDEN int etl_stream_close(etl_stream *s, uint64_t end_ticks,
                                 mojo_error *err);
/* Free without writing anything more (a forked child's copy). */
MOJO_HIDDEN void etl_stream_abandon(etl_stream *s);

/* The first error (every call after it returns MOJO_ERROR too). */
MOJO_HIDDEN const mojo_error *etl_stream_error(const etl_stream *s);
/* Bytes written so far, header buffer included. */
MOJO_HIDDEN uint64_t etl_stream_bytes(const etl_stream *s);

#endif
