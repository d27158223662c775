/* The streaming ETL writer; see etl_stream.h.
 *
 * Buffers go to the file with pwrite at their own place (the header
 * buffer's place is reserved at open with zeros and written at close), so
 * the descriptor's offset, which a forked child shares, plays no part.
 * Per event: a copy of the kind's precomputed head, a few stores, the
 * payload. Full buffers are staged and written STAGE_BUFFERS at a time:
 * one system call per 64 KiB cost seven times as much system time as one
 * per MiB on the machine this was measured on.
 *
 * Compressed (etl_stream_set_compress): the buffer is filled aside and
 * each record is XPRESS-compressed into stage as soon as it is written,
 * against the kind's record before it (etl_xpress.h), as Windows'
 * compressed mode lays buffers out: BufferSize counts the compressed bytes after the 72-byte header,
 * Offset still the payload's uncompressed end, flag 0x0040; the header
 * buffer stays plain and names format 3 in its State and the compressed
 * mode in LogFileMode. A buffer that does not shrink goes in plain. */
#include "etl_stream.h"
#include "etl_encode.h"
#include "etl_xpress.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define STAGE_BUFFERS 16u
/* Compressed buffers staged at most (they are smaller: many fit). */
#define MAX_STAGED 256u
#define COMPRESSED_MODE 0x04000000u  /* LogFileMode: EVENT_TRACE_COMPRESSED_MODE */
#define FORMAT_XPRESS 3u

_Static_assert(ETL_BUF_HEADER_SIZE + ETL_RECORD_MAX <= ETL_WR_BUFFER_SIZE,
               "every record fits an empty buffer");

struct etl_stream {
    /* hot: the buffer being filled, in stage */
    uint8_t *buf;
    size_t used;            /* bytes of buf in use, its header's included */
    uint32_t size;          /* of a buffer */
    bool failed;
    uint64_t last;          /* ticks of the latest event */
    uint8_t heads[ETL_PY_KINDS][ETL_HEAD_MAX];
    /* cold */
    int fd;
    off_t base;             /* where the header buffer goes */
    uint32_t ndata;         /* data buffers written */
    uint64_t written;       /* their bytes */
    uint8_t *stage;         /* STAGE_BUFFERS buffers' room */
    size_t staged;          /* bytes in stage, not yet written */
    uint32_t nstaged;       /* full buffers in stage */
    uint32_t ends[MAX_STAGED];  /* where each staged buffer ends */
    bool compress;          /* buffers are compressed from now on */
    bool compressed_mode;   /* compression was ever on: the header says */
    uint8_t *fill;          /* the buffer being filled when compressing */
    etl_xpress_enc z;       /* fill compressed, record by record, in stage */
    size_t zdone;           /* bytes of fill given to z */
    size_t rec_at;          /* the record being written: where, */
    size_t rec_head;        /* its head's length */
    etl_py_kind rec_kind;   /* and its kind */
    uint32_t kind_at[ETL_PY_KINDS];  /* each kind's latest record in fill */
    uint32_t prev_at;       /* the latest record in fill (0: none yet) */
    uint8_t *scratch;       /* payloads of variable size */
    char *name;             /* for messages and the header */
    mojo_error err;
};

/* ------------------------------------------------------------- errors */

static const char *label(const etl_stream *s)
{
    return s->name[0] ? s->name : "<output>";
}

static int fail_io(etl_stream *s, const char *what)
{
    int e = errno;
    if (!s->failed) {
        mojo_error_set_nooff(&s->err, MOJO_E_IO, label(s), "%s: %s", what,
                             strerror(e));
        s->err.sys_errno = e;
        s->failed = true;
    }
    return MOJO_ERROR;
}

/* ------------------------------------------------------------- output */

/* All of p[0..n) at offset at; *done (may be NULL) counts what was. */
static int write_at(etl_stream *s, const uint8_t *p, size_t n, off_t at,
                    size_t *done)
{
    if (done)
        *done = 0;
    while (n > 0) {
        ssize_t k = pwrite(s->fd, p, n, at);
        if (k < 0 && errno == EINTR)
            continue;
        if (k <= 0) {
            if (k == 0)
                errno = ENOSPC;  /* nothing written, no reason given */
            return fail_io(s, "write");
        }
        p += k;
        n -= (size_t)k;
        at += k;
        if (done)
            *done += (size_t)k;
    }
    return MOJO_OK;
}

/* Where the next data buffer goes: after the header buffer and the
 * data buffers written. */
static off_t next_offset(const etl_stream *s)
{
    return s->base + (off_t)s->size + (off_t)s->written;
}

/* Write the staged buffers; after an error, the ones written in full
 * still count. */
static int write_stage(etl_stream *s)
{
    size_t done, whole = 0;
    int rc = write_at(s, s->stage, s->staged, next_offset(s), &done);
    for (uint32_t i = 0; i < s->nstaged && s->ends[i] <= done; i++) {
        whole = s->ends[i];
        s->ndata++;
    }
    s->written += whole;
    s->staged = 0;
    s->nstaged = 0;
    s->buf = s->compress ? s->fill : s->stage;
    return rc;
}

/* A new buffer to compress, into stage after the staged ones (there is
 * always room for one buffer there). At most one byte less than a plain
 * buffer, or it stays plain. */
static void start_compressing(etl_stream *s)
{
    etl_xpress_begin(&s->z, s->stage + s->staged + ETL_BUF_HEADER_SIZE,
                     s->size - ETL_BUF_HEADER_SIZE - 1);
    s->zdone = ETL_BUF_HEADER_SIZE;
    memset(s->kind_at, 0, sizeof s->kind_at);
    s->prev_at = 0;
}

/* Bytes of fill not yet compressed (written before compression was on)
 * go in as they are. */
static void catch_up(etl_stream *s, size_t to)
{
    if (s->zdone < to)
        etl_xpress_literals(&s->z, s->buf + s->zdone, to - s->zdone);
    s->zdone = to;
}

/* The record just written, against the latest of its kind (whose head
 * past the ids and time is the same: no need to compare it), or else the
 * one before it (their heads share most bytes). */
static void compress_record(etl_stream *s)
{
    size_t at = s->rec_at, same = 0;
    catch_up(s, at);
    size_t ref = s->kind_at[s->rec_kind];
    if (ref && at - ref <= ETL_XPRESS_MAX_DIST)
        same = s->rec_head;
    else
        ref = s->prev_at;
    etl_xpress_repeat(&s->z, s->buf + at, s->used - at, ref ? at - ref : 0,
                      ETL_HEAD_FIXED_FROM, same);
    s->zdone = s->used;
    s->kind_at[s->rec_kind] = (uint32_t)at;
    s->prev_at = (uint32_t)at;
}

/* The full buffer in fill into stage at dst (where it was compressed), or
 * as it is when compressing did not make it smaller; its size in the
 * file. */
static size_t put_compressed(etl_stream *s, uint8_t *dst)
{
    catch_up(s, s->used);
    size_t n = etl_xpress_end(&s->z);
    if (n == 0) {
        memcpy(dst, s->buf, s->size);
        return s->size;
    }
    memcpy(dst, s->buf, ETL_BUF_HEADER_SIZE);
    etl_put32(dst + ETL_BUF_SIZE, (uint32_t)(ETL_BUF_HEADER_SIZE + n));
    etl_put16(dst + ETL_BUF_FLAGS,
              etl_u16(dst + ETL_BUF_FLAGS) | ETL_BUFFER_FLAG_COMPRESSED);
    return ETL_BUF_HEADER_SIZE + n;
}

/* Close the buffer being filled as data buffer ndata + nstaged + 1 (its
 * flush time is its last event's) and start the next one. */
static int flush(etl_stream *s)
{
    etl_encode_buffer_header(s->buf, s->size, s->used,
                             ETL_WR_QPC_BASE + s->last,
                             1 + (uint64_t)s->ndata + s->nstaged, false);
    s->staged += s->compress ? put_compressed(s, s->stage + s->staged)
                             : s->size;
    s->ends[s->nstaged++] = (uint32_t)s->staged;
    s->used = ETL_BUF_HEADER_SIZE;
    /* Room for one more buffer of any kind, or write. */
    int rc = MOJO_OK;
    if (s->nstaged == MAX_STAGED ||
        (size_t)STAGE_BUFFERS * s->size - s->staged < s->size)
        rc = write_stage(s);
    else if (!s->compress)
        s->buf = s->stage + s->staged;
    if (s->compress)
        start_compressing(s);
    return rc;
}

/* ------------------------------------------------------------- events */

/* Room for a record of kind (whose head is head bytes: a constant, for a
 * fixed-size copy) with payload bytes, its head copied and its ids and
 * time set; a pointer to its payload, NULL after an error. */
static inline uint8_t *begin(etl_stream *s, etl_py_kind kind, size_t head,
                             uint64_t ticks, uint32_t pid, uint32_t tid,
                             size_t payload)
{
    if (MOJO_UNLIKELY(s->failed))
        return NULL;
    size_t raw = head + payload;
    size_t size = etl_align8(raw);
    if (MOJO_UNLIKELY(s->used + size > s->size) && flush(s) != MOJO_OK)
        return NULL;
    if (ticks < s->last)
        ticks = s->last;  /* time never goes back */
    s->last = ticks;
    uint8_t *rec = s->buf + s->used;
    s->rec_at = s->used;
    s->rec_head = head;
    s->rec_kind = kind;
    s->used += size;
    memcpy(rec, s->heads[kind], head);
    memset(rec + size - 8, 0, 8);  /* the padding; the payload goes over */
    etl_encode_size(rec, raw);
    etl_encode_ids(rec, pid, tid, ETL_WR_QPC_BASE + ticks);
    return rec + head;
}

/* The record begun is complete. */
static inline int end(etl_stream *s)
{
    if (s->compress)
        compress_record(s);
    return MOJO_OK;
}

int etl_stream_push(etl_stream *s, uint64_t ticks, uint32_t pid, uint32_t tid,
                    uint64_t id, uint64_t caller, uint64_t caller_line)
{
    uint8_t *p = begin(s, ETL_PY_PUSH, ETL_HEAD_PUSH, ticks, pid, tid,
                       ETL_PUSH_PAYLOAD);
    if (!p)
        return MOJO_ERROR;
    etl_encode_push(p, id, caller, caller_line);
    return end(s);
}

int etl_stream_pop(etl_stream *s, uint64_t ticks, uint32_t pid, uint32_t tid,
                   uint64_t id)
{
    uint8_t *p = begin(s, ETL_PY_POP, ETL_HEAD_POP, ticks, pid, tid,
                       ETL_POP_PAYLOAD);
    if (!p)
        return MOJO_ERROR;
    etl_encode_pop(p, id);
    return end(s);
}

int etl_stream_thread(etl_stream *s, uint64_t ticks, uint32_t pid,
                      uint32_t tid, bool start)
{
    uint8_t *p = begin(s, start ? ETL_PY_THREAD_START : ETL_PY_THREAD_STOP,
                       ETL_HEAD_THREAD, ticks, pid, tid, ETL_THREAD_PAYLOAD);
    if (!p)
        return MOJO_ERROR;
    etl_encode_thread(p, tid);
    return end(s);
}

/* A payload of variable size, made in scratch first. */
static int put_scratch(etl_stream *s, etl_py_kind kind, size_t head,
                       uint64_t ticks, uint32_t pid, uint32_t tid, size_t n)
{
    uint8_t *p = begin(s, kind, head, ticks, pid, tid, n);
    if (!p)
        return MOJO_ERROR;
    memcpy(p, s->scratch, n);
    return end(s);
}

int etl_stream_function(etl_stream *s, uint64_t ticks, uint32_t pid,
                        uint32_t tid, uint64_t id, const mojo_frame *f)
{
    if (s->failed)
        return MOJO_ERROR;
    return put_scratch(s, ETL_PY_FUNCTION, ETL_HEAD_FUNCTION, ticks, pid, tid,
                       etl_encode_function(s->scratch, id, f));
}

int etl_stream_mark(etl_stream *s, uint64_t ticks, uint32_t pid, uint32_t tid,
                    int opcode, mojo_str mark)
{
    static const etl_py_kind kinds[] = {ETL_PY_MARK, ETL_PY_MARK_START,
                                        ETL_PY_MARK_STOP};
    if (s->failed)
        return MOJO_ERROR;
    if (opcode < 0 || opcode > 2) {
        mojo_error_set_nooff(&s->err, MOJO_E_USAGE, label(s),
                             "PythonMark with opcode %d, expected 0 (a "
                             "mark), 1 (a range starts) or 2 (it ends)",
                             opcode);
        s->failed = true;
        return MOJO_ERROR;
    }
    return put_scratch(s, kinds[opcode], ETL_HEAD_MARK, ticks, pid, tid,
                       etl_encode_mark(s->scratch, mark));
}

/* ------------------------------------------------------ open and close */

static void destroy(etl_stream *s)
{
    free(s->stage);
    free(s->fill);
    free(s->scratch);
    free(s->name);
    free(s);
}

etl_stream *etl_stream_open(int fd, const char *name, mojo_error *err)
{
    const char *shown = name && name[0] ? name : "<output>";
    etl_stream *s = calloc(1, sizeof *s);
    if (s) {
        s->size = ETL_WR_BUFFER_SIZE;
        s->buf = s->stage = calloc(STAGE_BUFFERS, s->size);
        s->fill = malloc(s->size);
        s->scratch = malloc(ETL_RECORD_MAX);
        s->name = strdup(name ? name : "");
    }
    if (!s || !s->buf || !s->fill || !s->scratch || !s->name) {
        mojo_error_set_nooff(err, MOJO_E_NOMEM, shown, "out of memory");
        if (s)
            destroy(s);
        return NULL;
    }
    s->fd = fd;
    /* The header buffer is written last, at the start: the file must
     * seek, and appending would put it at the end instead. */
    s->base = lseek(fd, 0, SEEK_CUR);
    int flags = fcntl(fd, F_GETFL);
    if (s->base < 0 || flags < 0 || (flags & O_APPEND)) {
        int e = s->base < 0 || flags < 0 ? errno : EINVAL;
        mojo_error_set_nooff(err, MOJO_E_IO, shown,
                             "an ETL trace is written in place and needs a "
                             "seekable file, not opened for appending "
                             "(a pipe or a terminal will not do): %s",
                             strerror(e));
        if (err)
            err->sys_errno = e;
        destroy(s);
        return NULL;
    }
    for (int k = 0; k < ETL_PY_KINDS; k++)
        etl_encode_head((etl_py_kind)k, s->heads[k]);  /* lengths: tested */
    /* Reserve the header buffer's place (zeros: not yet a valid trace). */
    if (write_at(s, s->buf, s->size, s->base, NULL) != MOJO_OK) {
        if (err)
            *err = s->err;
        destroy(s);
        return NULL;
    }
    s->used = ETL_BUF_HEADER_SIZE;
    return s;
}

void etl_stream_set_compress(etl_stream *s, bool on)
{
    if (on == s->compress)
        return;
    /* The buffer being filled moves; stage always has room for it. */
    uint8_t *to = on ? s->fill : s->stage + s->staged;
    memcpy(to, s->buf, s->used);
    s->buf = to;
    s->compress = on;
    s->compressed_mode |= on;
    if (on)  /* what fill holds goes in as literals */
        start_compressing(s);
}

/* The header buffer of a compressed trace: the format in State (of the
 * first buffer only), the mode in LogFileMode, log layout 2.0 (Windows 8
 * on), as in Windows' compressed traces. */
static void mark_compressed(uint8_t *b)
{
    uint8_t *log = b + ETL_BUF_HEADER_SIZE + ETL_SYSTEM_SIZE;
    etl_put32(b + ETL_BUF_STATE, FORMAT_XPRESS);
    etl_put32(log + 32, etl_u32(log + 32) | COMPRESSED_MODE);
    log[6] = 2;
    log[7] = 0;
}

int etl_stream_close(etl_stream *s, uint64_t end_ticks, mojo_error *err)
{
    /* After an error too: the header makes the buffers written in full
     * readable. After a write error a partial buffer is cut off; after a
     * usage error what is buffered still goes out. */
    bool io_failed = s->failed && s->err.code == MOJO_E_IO;
    if (!io_failed && s->used > ETL_BUF_HEADER_SIZE)
        flush(s);
    if (!io_failed && s->nstaged)
        write_stage(s);
    io_failed = s->failed && s->err.code == MOJO_E_IO;
    if (io_failed)  /* a best effort: regular files */
        (void)!ftruncate(s->fd, next_offset(s));
    s->buf = s->stage;
    etl_encode_header_buffer(s->buf, s->size, 1 + s->ndata,
                             end_ticks > s->last ? end_ticks : s->last,
                             s->name);
    if (s->compressed_mode)
        mark_compressed(s->buf);
    write_at(s, s->buf, s->size, s->base, NULL);
    int rc = s->failed ? MOJO_ERROR : MOJO_OK;
    if (err) {
        if (s->failed)
            *err = s->err;
        else
            mojo_error_clear(err);
    }
    destroy(s);
    return rc;
}

void etl_stream_abandon(etl_stream *s)
{
    if (s)
        destroy(s);
}

const mojo_error *etl_stream_error(const etl_stream *s)
{
    return s->failed ? &s->err : NULL;
}

uint64_t etl_stream_bytes(const etl_stream *s)
{
    return s->size + s->written + s->staged;
}
