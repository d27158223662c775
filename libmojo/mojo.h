/* libmojo: streaming readers and writers for Python profiles.
 *
 * Every format (MOJO, Austin text, ETL, pprof, Speedscope) is read into and
 * written from one stream of events: metadata (key/value) and samples.
 *
 *   mojo_error err;
 *   mojo_reader *r = mojo_reader_open_path("run.mojo", NULL, &err);
 *   mojo_writer *w = mojo_writer_open_path("run.pb.gz", MOJO_FORMAT_PPROF, NULL, &err);
 *   mojo_event ev;
 *   int rc;
 *   while ((rc = mojo_reader_next(r, &ev)) == MOJO_OK)
 *       if (mojo_writer_write(w, &ev) != MOJO_OK) break;
 *   if (rc == MOJO_ERROR) fprintf(stderr, "%s\n", mojo_reader_error(r)->message);
 *   mojo_writer_close(w); mojo_reader_close(r);
 *
 * Events borrow the reader's memory until the next call to mojo_reader_next.
 * Frames are interned in a mojo_frames table: a frame pointer and its id stay
 * valid for the table's lifetime, and equal frames have equal ids.
 */
#ifndef MOJO_H
#define MOJO_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define MOJO_VERSION_STRING "0.1.0"

/* Return codes. */
enum {
    MOJO_OK = 0,     /* an event was produced / the call succeeded */
    MOJO_END = 1,    /* the input is exhausted */
    MOJO_ERROR = -1  /* see mojo_reader_error / mojo_writer_error */
};

typedef enum mojo_format {
    MOJO_FORMAT_UNKNOWN = 0,
    MOJO_FORMAT_MOJO,
    MOJO_FORMAT_AUSTIN,     /* Austin text (collapsed stacks with metrics) */
    MOJO_FORMAT_ETL,
    MOJO_FORMAT_PPROF,
    MOJO_FORMAT_SPEEDSCOPE
} mojo_format;

/* "mojo", "austin", "etl", "pprof", "speedscope"; NULL for unknown. */
const char *mojo_format_name(mojo_format f);
/* The inverse; MOJO_FORMAT_UNKNOWN when no name matches. Accepts "text". */
mojo_format mojo_format_from_name(const char *name);

/* ------------------------------------------------------------------ errors */

typedef enum mojo_error_code {
    MOJO_E_NONE = 0,
    MOJO_E_IO,        /* open/read/write failed (errno in sys_errno) */
    MOJO_E_FORMAT,    /* the bytes are not what the format requires */
    MOJO_E_TRUNCATED, /* the input ends inside an event */
    MOJO_E_NOMEM,
    MOJO_E_LIMIT,     /* a count or length exceeds a safety cap */
    MOJO_E_USAGE      /* the caller asked for something unsupported */
} mojo_error_code;

typedef struct mojo_error {
    mojo_error_code code;
    int sys_errno;
    uint64_t offset;     /* byte offset in the (decompressed) input */
    char message[512];   /* "FILE: offset N: what was expected" */
} mojo_error;

/* ----------------------------------------------------------- the model */

typedef struct mojo_str {
    const char *ptr;  /* bytes, not necessarily UTF-8; always NUL-terminated */
    size_t len;
} mojo_str;

typedef enum mojo_frame_kind {
    MOJO_FRAME_PYTHON = 0,
    MOJO_FRAME_NATIVE,   /* austinp native frames (file "native@ADDR") */
    MOJO_FRAME_KERNEL,   /* scope holds the kernel symbol */
    MOJO_FRAME_INVALID   /* a frame the sampler failed to read */
} mojo_frame_kind;

typedef struct mojo_frame {
    uint32_t id;              /* dense id in its mojo_frames table, from 0 */
    mojo_frame_kind kind;
    mojo_str file;
    mojo_str scope;           /* function, qualified where known */
    int64_t line, line_end;   /* 0 when unknown. line < 0 with an empty file:
                                 a text frame that is not file:scope:line;
                                 scope holds the token as it was */
    int64_t column, column_end; /* 1-based, 0 when unknown */
} mojo_frame;

/* Sample flags. */
#define MOJO_SAMPLE_IDLE  0x1u
#define MOJO_SAMPLE_GC    0x2u

/* Which metrics a sample carries. Wall/cpu: TIME; memory: MEMORY;
 * full: TIME|MEMORY (idle in flags). */
#define MOJO_METRIC_TIME    0x1u
#define MOJO_METRIC_MEMORY  0x2u

typedef struct mojo_sample {
    int64_t pid;               /* -1: the source names no process (plain
                                  collapsed stacks) */
    int64_t iid;               /* sub-interpreter id; -1: the source has none
                                  (MOJO v1/v2, text "T<tid>") */
    uint64_t tid;              /* native thread id */
    mojo_str thread_name;      /* len 0 unless the source names the thread
                                  with something that is not a number; then
                                  writers use it in place of tid */
    const mojo_frame *const *frames; /* root first */
    size_t nframes;
    unsigned flags;            /* MOJO_SAMPLE_* */
    unsigned metrics;          /* MOJO_METRIC_* present */
    int64_t time;              /* microseconds */
    int64_t memory;            /* bytes, may be negative */
    int64_t timestamp;         /* microseconds since start, -1 if unknown */
} mojo_sample;

typedef enum mojo_event_type {
    MOJO_EVENT_METADATA = 1,
    MOJO_EVENT_SAMPLE = 2,
    /* A section break: where Austin's text mode prints an empty line (after
     * the header metadata, around the footer). Only the text writer uses it;
     * the text reader emits one per empty line, so text round-trips. */
    MOJO_EVENT_BLANK = 3
} mojo_event_type;

typedef struct mojo_event {
    mojo_event_type type;
    union {
        struct { mojo_str key, value; } metadata;
        mojo_sample sample;
    } u;
} mojo_event;

/* ------------------------------------------------------- frame interning */

typedef struct mojo_frames mojo_frames;

mojo_frames *mojo_frames_new(void);
void mojo_frames_ref(mojo_frames *t);
void mojo_frames_unref(mojo_frames *t);
/* Intern a frame by content (kind, file, scope, line, line_end, column,
 * column_end; proto->id is ignored). NULL when out of memory. */
const mojo_frame *mojo_frames_intern(mojo_frames *t, const mojo_frame *proto);
const mojo_frame *mojo_frames_get(const mojo_frames *t, uint32_t id);
size_t mojo_frames_count(const mojo_frames *t);

/* --------------------------------------------------------------- reading */

typedef struct mojo_reader mojo_reader;

typedef struct mojo_reader_options {
    mojo_format format;    /* MOJO_FORMAT_UNKNOWN: sniff the magic bytes */
    mojo_frames *frames;   /* share a table (merging inputs); NULL: own */
} mojo_reader_options;

/* path "-" reads standard input. gzip input is inflated transparently.
 * opts may be NULL. On failure returns NULL and fills *err. */
mojo_reader *mojo_reader_open_path(const char *path,
                                   const mojo_reader_options *opts,
                                   mojo_error *err);
/* Read from an open descriptor; name is used in messages. The descriptor is
 * not closed by mojo_reader_close. */
mojo_reader *mojo_reader_open_fd(int fd, const char *name,
                                 const mojo_reader_options *opts,
                                 mojo_error *err);
/* Read from memory (not copied: it must outlive the reader). */
mojo_reader *mojo_reader_open_memory(const void *buf, size_t len,
                                     const char *name,
                                     const mojo_reader_options *opts,
                                     mojo_error *err);

/* MOJO_OK with *ev filled, MOJO_END, or MOJO_ERROR. After MOJO_ERROR every
 * further call returns MOJO_ERROR again. */
int mojo_reader_next(mojo_reader *r, mojo_event *ev);
/* NULL while no error occurred. */
const mojo_error *mojo_reader_error(const mojo_reader *r);
mojo_format mojo_reader_format(const mojo_reader *r);
/* The table this reader interns frames into. */
mojo_frames *mojo_reader_frames(const mojo_reader *r);
/* Format version where the format has one (MOJO: 1..4), else 0. */
int mojo_reader_version(const mojo_reader *r);
const char *mojo_reader_name(const mojo_reader *r);
void mojo_reader_close(mojo_reader *r);

/* ETL readers only: what to make of python-etwtrace's events. */
typedef struct mojo_etl_options {
    int marks;        /* PythonThread and PythonMark ranges become frames
                         (file "<thread>" / "<mark>", at the stack's root) */
    int python_only;  /* keep Python frames only: drop native and kernel
                         frames, and CPU samples left without any */
} mojo_etl_options;

/* Apply o to an ETL reader before its first mojo_reader_next. Returns
 * MOJO_OK; MOJO_ERROR with *err (may be NULL) set when r does not read
 * ETL or has already produced events. */
int mojo_reader_set_etl_options(mojo_reader *r, const mojo_etl_options *o,
                                mojo_error *err);

/* --------------------------------------------------------------- writing */

typedef struct mojo_writer mojo_writer;

/* Which number a collapsed-stack (Austin text) line ends with. */
typedef enum mojo_text_metric {
    MOJO_TEXT_METRIC_AUTO = 0, /* as Austin prints: time, memory or the full triple */
    MOJO_TEXT_METRIC_TIME,     /* wall time */
    MOJO_TEXT_METRIC_CPU,      /* time, 0 when idle */
    MOJO_TEXT_METRIC_MEMORY,   /* signed memory delta */
    MOJO_TEXT_METRIC_ALLOC,    /* positive memory deltas only */
    MOJO_TEXT_METRIC_DEALLOC   /* negated negative deltas only */
} mojo_text_metric;

typedef struct mojo_writer_options {
    int no_metadata;           /* text: leave out "# key: value" lines */
    mojo_text_metric text_metric;
    int compress;              /* 0: the format's default (pprof gzip, others
                                  plain); 1: gzip; -1: never */
    int mojo_version;          /* MOJO writer: 0 means 3 */
    const char *profile_name;  /* Speedscope "name", optional */
    int speedscope_sampled;    /* Speedscope: sampled profiles only, even
                                  where timestamps allow evented ones */
} mojo_writer_options;

/* path "-" writes standard output. opts may be NULL. */
mojo_writer *mojo_writer_open_path(const char *path, mojo_format format,
                                   const mojo_writer_options *opts,
                                   mojo_error *err);
/* Write to an open descriptor (not closed by mojo_writer_close). */
mojo_writer *mojo_writer_open_fd(int fd, const char *name, mojo_format format,
                                 const mojo_writer_options *opts,
                                 mojo_error *err);
/* Write into a growing memory buffer, returned by mojo_writer_close_memory. */
mojo_writer *mojo_writer_open_memory(mojo_format format,
                                     const mojo_writer_options *opts,
                                     mojo_error *err);

int mojo_writer_write(mojo_writer *w, const mojo_event *ev);
/* Streaming writers: push buffered bytes to the output now. */
int mojo_writer_flush(mojo_writer *w);
const mojo_error *mojo_writer_error(const mojo_writer *w);
/* Finish the output (aggregating writers write everything here) and free the
 * writer. Returns MOJO_OK or MOJO_ERROR; *err (may be NULL) gets the error. */
int mojo_writer_close(mojo_writer *w, mojo_error *err);
/* For memory writers: finish and hand over the bytes (free() them). */
int mojo_writer_close_memory(mojo_writer *w, void **buf, size_t *len,
                             mojo_error *err);

/* --------------------------------------------------------------- helpers */

/* Copy a whole stream from r to w. MOJO_OK at the end of input, MOJO_ERROR
 * on a read or write error (which one: check both *_error). */
int mojo_copy(mojo_reader *r, mojo_writer *w);

#ifdef __cplusplus
}
#endif
#endif /* MOJO_H */
