/* Loading an ETL file: walk the buffers by their own sizes, read the
 * logfile header from the first record, inflate compressed buffers. */
#include "etl_format.h"
#include "etl_text.h"

#include <stdlib.h>

uint64_t etl_file_offset(const etl_buffer *b, size_t off)
{
    return b->compressed ? b->offset : b->offset + ETL_BUF_HEADER_SIZE + off;
}

int64_t etl_ts_to_us(const etl_logfile *log, int64_t ts)
{
    uint64_t tps = log->ticks_per_second;
    int64_t d = ts - log->header_ts;
    bool neg = d < 0;
    uint64_t u = neg ? (uint64_t)0 - (uint64_t)d : (uint64_t)d;
    /* Split so that u * 10^6 cannot overflow. */
    uint64_t us = u / tps * 1000000u + u % tps * 1000000u / tps;
    return neg ? -(int64_t)us : (int64_t)us;
}

static void read_name(const uint8_t *p, size_t avail, char *out, size_t cap,
                      size_t *used)
{
    size_t units = etl_utf16_units(p, avail);
    if (units == SIZE_MAX) {
        out[0] = '\0';
        *used = avail;
        return;
    }
    etl_utf16_to_utf8(p, units, out, cap);
    *used = 2 * units + 2;
}

/* The first record of the first buffer: SYSTEM header, hook 0, then
 * TRACE_LOGFILE_HEADER (layout by the header's pointer size). */
static int parse_logfile(etl_file *f, const etl_buffer *b, mojo_error *err)
{
    etl_record rec;
    const char *why = NULL;
    uint64_t at = etl_file_offset(b, 0);
    int rc = etl_record_parse(b->data, b->len, &rec, &why);
    if (rc <= 0 || rec.kind != ETL_REC_KERNEL ||
        (rec.htype != ETL_HDR_SYSTEM32 && rec.htype != ETL_HDR_SYSTEM64) ||
        rec.group != 0 || rec.opcode != 0) {
        mojo_error_set(err, MOJO_E_FORMAT, f->name, at,
                       "expected the logfile header record (system header, "
                       "hook 0)%s%s", why ? ": " : "", why ? why : "");
        return MOJO_ERROR;
    }
    bool wide = rec.htype == ETL_HDR_SYSTEM64;
    size_t fixed = wide ? ETL_LOG_FIXED64 : ETL_LOG_FIXED32;
    const uint8_t *p = rec.payload;
    if (rec.payload_len < fixed) {
        mojo_error_set(err, MOJO_E_FORMAT, f->name, at,
                       "logfile header of %u bytes, expected at least %zu",
                       (unsigned)rec.payload_len, fixed);
        return MOJO_ERROR;
    }
    etl_logfile *l = &f->log;
    size_t shift = wide ? 8 : 0;  /* two pointer slots before TimeZone */
    l->buffer_size = etl_u32(p + 0);
    l->os_major = p[4];
    l->os_minor = p[5];
    l->layout_major = p[6];
    l->layout_minor = p[7];
    l->provider_version = etl_u32(p + 8);
    l->ncpus = etl_u32(p + 12);
    l->end_time = etl_u64(p + 16);
    l->timer_resolution = etl_u32(p + 24);
    l->max_file_size = etl_u32(p + 28);
    l->log_file_mode = etl_u32(p + 32);
    l->buffers_written = etl_u32(p + 36);
    l->pointer_size = etl_u32(p + 44);
    l->events_lost = etl_u32(p + 48);
    l->cpu_mhz = etl_u32(p + 52);
    l->boot_time = etl_u64(p + 240 + shift);
    l->perf_freq = etl_u64(p + 248 + shift);
    l->start_time = etl_u64(p + 256 + shift);
    l->clock_type = etl_u32(p + 264 + shift);
    l->buffers_lost = etl_u32(p + 268 + shift);
    l->header_ts = rec.ts;
    size_t used = 0, off = fixed;
    read_name(p + off, rec.payload_len - off, l->logger_name,
              sizeof l->logger_name, &used);
    off += used;
    read_name(p + off, rec.payload_len - off, l->log_file_name,
              sizeof l->log_file_name, &used);

    switch (l->clock_type) {
    case 2: l->ticks_per_second = 10000000u; break;       /* FILETIME */
    case 3: l->ticks_per_second = (uint64_t)l->cpu_mhz * 1000000u; break;
    default: l->ticks_per_second = l->perf_freq; break;    /* 1: QPC */
    }
    if (l->ticks_per_second == 0) {
        mojo_error_set(err, MOJO_E_FORMAT, f->name, at,
                       "clock type %u with a frequency of 0",
                       (unsigned)l->clock_type);
        return MOJO_ERROR;
    }
    return MOJO_OK;
}

/* Check one buffer header at file offset off; fill *b except data. */
static int read_buffer_header(etl_file *f, size_t off, etl_buffer *b,
                              mojo_error *err)
{
    const uint8_t *h = f->data + off;
    if (f->size - off < ETL_BUF_HEADER_SIZE) {
        mojo_error_set(err, MOJO_E_TRUNCATED, f->name, off,
                       "expected a 72-byte buffer header, %zu bytes left",
                       f->size - off);
        return MOJO_ERROR;
    }
    b->offset = off;
    b->size = etl_u32(h + ETL_BUF_SIZE);
    uint32_t end = etl_u32(h + ETL_BUF_OFFSET);
    b->cpu = etl_u16(h + ETL_BUF_CPU);
    b->logger = etl_u16(h + ETL_BUF_LOGGER);
    b->flags = etl_u16(h + ETL_BUF_FLAGS);
    b->type = etl_u16(h + ETL_BUF_TYPE);
    b->sequence = etl_u64(h + ETL_BUF_SEQUENCE);
    b->compressed = (b->flags & ETL_BUFFER_FLAG_COMPRESSED) != 0;
    if (b->size < ETL_BUF_HEADER_SIZE || b->size > ETL_MAX_BUFFER) {
        mojo_error_set(err, MOJO_E_FORMAT, f->name, off + ETL_BUF_SIZE,
                       "buffer size %u, expected 72 to %u bytes",
                       (unsigned)b->size, ETL_MAX_BUFFER);
        return MOJO_ERROR;
    }
    if (b->size > f->size - off) {
        mojo_error_set(err, MOJO_E_TRUNCATED, f->name, off,
                       "buffer of %u bytes, only %zu left in the file",
                       (unsigned)b->size, f->size - off);
        return MOJO_ERROR;
    }
    /* The payload ends at Offset (SavedOffset can be short of it). */
    uint32_t limit = b->compressed ? ETL_MAX_BUFFER : b->size;
    if (end < ETL_BUF_HEADER_SIZE || end > limit) {
        mojo_error_set(err, MOJO_E_FORMAT, f->name, off + ETL_BUF_OFFSET,
                       "payload end %u outside the buffer (72..%u)",
                       (unsigned)end, (unsigned)limit);
        return MOJO_ERROR;
    }
    b->len = end - ETL_BUF_HEADER_SIZE;
    b->data = b->compressed ? NULL : h + ETL_BUF_HEADER_SIZE;
    b->has_first = false;       /* first_record tells */
    b->first_ts = 0;
    return MOJO_OK;
}

/* b's first record time into b->first_ts (has_first: there is one and it
 * parses). A compressed buffer inflates its first PREFIX bytes, all of it
 * when the record is longer. -1 when it does not inflate. */
#define PREFIX 4096
static int first_record(const etl_file *f, etl_buffer *b)
{
    uint8_t head[PREFIX];
    uint8_t *all = NULL;
    const uint8_t *p = b->data;
    size_t avail = b->len;
    etl_record rec;
    const char *why;
    if (b->compressed) {
        avail = b->len < PREFIX ? b->len : PREFIX;
        if (etl_xpress_decompress_prefix(f->data + b->offset + ETL_BUF_HEADER_SIZE,
                                         b->size - ETL_BUF_HEADER_SIZE, head,
                                         avail) != 0)
            return -1;
        p = head;
        if (avail < b->len && etl_record_parse(p, avail, &rec, &why) <= 0) {
            /* Cut short: take it all. Out of memory, it stays without a
             * first record: it joins the merge at once, which says so. */
            if (!(all = malloc(b->len)))
                return 0;
            if (etl_buffer_inflate(f, b, all) != 0) {
                free(all);
                return -1;
            }
            p = all;
            avail = b->len;
        }
    }
    b->has_first = etl_record_parse(p, avail, &rec, &why) > 0;
    b->first_ts = b->has_first ? rec.ts : 0;
    free(all);
    return 0;
}

/* Problems after the first buffer are kept for later: what came before
 * them is still read. */
static void keep_late(etl_file *f, const mojo_error *e)
{
    f->late_err = *e;
    f->has_late_err = true;
}

int etl_file_load(etl_file *f, const char *name, uint8_t *data, size_t size,
                  mojo_error *err)
{
    memset(f, 0, sizeof *f);
    f->name = name;
    f->data = data;
    f->size = size;
    if (size == 0) {
        mojo_error_set(err, MOJO_E_TRUNCATED, name, 0, "empty ETL file");
        return MOJO_ERROR;
    }

    /* Pass 1: buffer headers. */
    size_t cap = 0, off = 0;
    bool compressed = false;
    mojo_error e;
    while (off < size) {
        etl_buffer b;
        if (read_buffer_header(f, off, &b, &e) != MOJO_OK) {
            if (f->nbufs == 0) {
                *err = e;
                return MOJO_ERROR;
            }
            keep_late(f, &e);
            break;
        }
        if (b.compressed && f->nbufs == 0) {
            mojo_error_set(err, MOJO_E_FORMAT, name, ETL_BUF_FLAGS,
                           "the header buffer is marked compressed");
            return MOJO_ERROR;
        }
        compressed |= b.compressed;
        if (!mojo_grow((void **)&f->bufs, &cap, f->nbufs + 1, sizeof b)) {
            mojo_error_set(err, MOJO_E_NOMEM, name, off, "out of memory");
            return MOJO_ERROR;
        }
        f->bufs[f->nbufs++] = b;
        off += b.size;
    }
    if (parse_logfile(f, &f->bufs[0], err) != MOJO_OK)
        return MOJO_ERROR;
    /* A file cut at a buffer boundary is only told by the count. */
    if (!f->has_late_err && f->log.buffers_written > f->nbufs) {
        mojo_error_set(&e, MOJO_E_TRUNCATED, name, size,
                       "the logfile header announces %u buffers, the file "
                       "ends after %zu", (unsigned)f->log.buffers_written,
                       f->nbufs);
        keep_late(f, &e);
    }
    /* Format 3 (XPRESS) is the only one seen in ETL. */
    if (compressed) {
        unsigned format = etl_u32(f->data + ETL_BUF_STATE) & 0xFFFF;
        if (format != 3 && format != 0) {
            mojo_error_set(err, MOJO_E_FORMAT, name, ETL_BUF_STATE,
                           "compression format %u, only 3 (XPRESS) is "
                           "supported", format);
            return MOJO_ERROR;
        }
    }

    /* Pass 2: each buffer's first record time, for the merge (compressed
     * buffers inflate only as far as that record). */
    for (size_t i = 0; i < f->nbufs; i++) {
        if (first_record(f, &f->bufs[i]) != 0) {
            mojo_error_set(&e, MOJO_E_FORMAT, name, f->bufs[i].offset,
                           "compressed buffer does not inflate to %u bytes",
                           (unsigned)f->bufs[i].len);
            keep_late(f, &e);
            f->nbufs = i;  /* keep the buffers before it */
            break;
        }
    }
    return MOJO_OK;
}

int etl_buffer_inflate(const etl_file *f, const etl_buffer *b, uint8_t *dst)
{
    return etl_xpress_decompress(f->data + b->offset + ETL_BUF_HEADER_SIZE,
                                 b->size - ETL_BUF_HEADER_SIZE, dst, b->len);
}

void etl_file_free(etl_file *f)
{
    free(f->data);
    free(f->bufs);
    memset(f, 0, sizeof *f);
}
