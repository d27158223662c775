/* ETL records: the header kinds, extended items, and the time-ordered
 * merge of all buffers. */
#include "etl_format.h"

#include <stdlib.h>

/* PERFINFO/SYSTEM/COMPACT headers may carry a PEBS index and PMC counters
 * between the fixed header and the payload, flagged in the version word. */
static size_t kernel_ext_size(uint16_t version)
{
    size_t n = (version & 0x8000) ? 8 : 0;
    return n + ((version >> 8) & 7) * 8u;
}

static int bad(const char **why, const char *what)
{
    *why = what;
    return -1;
}

/* Walk the extended items by their linkage; returns the payload start. */
static int skip_ext(const uint8_t *p, size_t size, size_t *end,
                    const char **why)
{
    size_t pos = ETL_EVENT_SIZE;
    for (int i = 0;; i++) {
        if (i == ETL_MAX_EXT_ITEMS)
            return bad(why, "at most 32 extended items");
        if (size - pos < 8)
            return bad(why, "an extended item header inside the record");
        size_t isz = etl_u16(p + pos), dsz = etl_u16(p + pos + 6);
        unsigned link = etl_u16(p + pos + 4);
        if (isz < 8 || dsz > isz - 8 || isz > size - pos)
            return bad(why, "an extended item that fits the record");
        pos += isz;
        if (!(link & 1))
            break;
    }
    *end = pos;
    return 0;
}

static void kernel_fields(const uint8_t *p, etl_record *r)
{
    r->version = etl_u16(p);
    r->opcode = p[6];
    r->group = p[7];
}

int etl_record_parse(const uint8_t *p, size_t avail, etl_record *r,
                     const char **why)
{
    if (avail < 4)
        return 0;
    uint32_t marker = etl_u32(p);
    if (marker == 0xFFFFFFFFu)
        return 0;  /* filler: the rest of the buffer is empty */
    uint8_t type = p[2], flags = p[3];
    size_t hsize;

    memset(r, 0, sizeof *r);
    r->htype = type;
    if ((flags & ETL_MARKER_FLAGS) != ETL_MARKER_FLAGS) {
        /* WPP messages (0x90) and anything else with its size up front. */
        if (!(flags & 0x80))
            return bad(why, "a record marker (flags 0xC0 or a message)");
        r->kind = ETL_REC_OTHER;
        r->size = etl_u16(p);
        if (r->size < ETL_MESSAGE_SIZE || r->size > avail)
            return bad(why, "a message record that fits the buffer");
        return 1;
    }
    if (avail < 8)
        return bad(why, "a whole record header");
    switch (type) {
    case ETL_HDR_SYSTEM32: case ETL_HDR_SYSTEM64:
    case ETL_HDR_COMPACT32: case ETL_HDR_COMPACT64:
    case ETL_HDR_PERFINFO32: case ETL_HDR_PERFINFO64:
        r->kind = ETL_REC_KERNEL;
        r->size = etl_u16(p + 4);
        kernel_fields(p, r);
        hsize = type <= ETL_HDR_SYSTEM64    ? ETL_SYSTEM_SIZE
                : type <= ETL_HDR_COMPACT64 ? ETL_COMPACT_SIZE
                                            : ETL_PERFINFO_SIZE;
        r->ptr_size = (type == ETL_HDR_SYSTEM64 || type == ETL_HDR_COMPACT64 ||
                       type == ETL_HDR_PERFINFO64) ? 8 : 4;
        if (r->size < hsize || r->size > avail)
            return bad(why, "a kernel record that fits the buffer");
        if (type >= ETL_HDR_PERFINFO32) {
            r->ts = (int64_t)etl_u64(p + 8);
        } else {
            r->has_ids = true;
            r->tid = etl_u32(p + 8);
            r->pid = etl_u32(p + 12);
            r->ts = (int64_t)etl_u64(p + 16);
        }
        hsize += kernel_ext_size(r->version);
        if (hsize > r->size)
            return bad(why, "room for the PEBS/PMC items it announces");
        break;
    case ETL_HDR_FULL32: case ETL_HDR_FULL64:
    case ETL_HDR_INSTANCE32: case ETL_HDR_INSTANCE64:
        r->kind = ETL_REC_CLASSIC;
        r->size = etl_u16(p);
        hsize = (type == ETL_HDR_FULL32 || type == ETL_HDR_FULL64)
                    ? ETL_FULL_SIZE : ETL_INSTANCE_SIZE;
        r->ptr_size = (type == ETL_HDR_FULL64 || type == ETL_HDR_INSTANCE64) ? 8 : 4;
        if (r->size < hsize || r->size > avail)
            return bad(why, "a classic record that fits the buffer");
        r->opcode = p[4];
        r->level = p[5];
        r->version = etl_u16(p + 6);
        r->has_ids = true;
        r->tid = etl_u32(p + 8);
        r->pid = etl_u32(p + 12);
        r->ts = (int64_t)etl_u64(p + 16);
        r->guid = p + 24;
        break;
    case ETL_HDR_EVENT32: case ETL_HDR_EVENT64:
        r->kind = ETL_REC_EVENT;
        r->size = etl_u16(p);
        hsize = ETL_EVENT_SIZE;
        r->ptr_size = type == ETL_HDR_EVENT64 ? 8 : 4;
        if (r->size < hsize || r->size > avail)
            return bad(why, "an EVENT_HEADER record that fits the buffer");
        r->eh_flags = etl_u16(p + 4);
        r->has_ids = true;
        r->tid = etl_u32(p + 8);
        r->pid = etl_u32(p + 12);
        r->ts = (int64_t)etl_u64(p + 16);
        r->guid = p + 24;
        r->id = etl_u16(p + 40);
        r->ev_version = p[42];
        r->channel = p[43];
        r->level = p[44];
        r->opcode = p[45];
        r->task = etl_u16(p + 46);
        r->keyword = etl_u64(p + 48);
        if (r->eh_flags & ETL_EH_FLAG_EXTENDED_INFO) {
            size_t end;
            if (skip_ext(p, r->size, &end, why) != 0)
                return -1;
            r->ext = p + ETL_EVENT_SIZE;
            r->ext_len = (uint16_t)(end - ETL_EVENT_SIZE);
            hsize = end;
        }
        break;
    default:
        /* Timed, error, WNODE and unknown kinds: size first, skipped. */
        r->kind = ETL_REC_OTHER;
        r->size = etl_u16(p);
        if (r->size < 8 || r->size > avail)
            return bad(why, "a record that fits the buffer");
        return 1;
    }
    r->payload = p + hsize;
    r->payload_len = (uint32_t)(r->size - hsize);
    return 1;
}

int etl_record_ext(etl_record *r, etl_ext *x, const char **why)
{
    memset(x, 0, sizeof *x);
    const uint8_t *p = r->ext;
    size_t pos = 0;
    while (pos + 8 <= r->ext_len) {
        size_t isz = etl_u16(p + pos), dsz = etl_u16(p + pos + 6);
        unsigned type = etl_u16(p + pos + 2);
        const uint8_t *d = p + pos + 8;
        switch (type) {
        case ETL_EXT_EVENT_SCHEMA_TL:
            x->schema = d;
            x->schema_len = (uint16_t)dsz;
            break;
        case ETL_EXT_PROV_TRAITS:
            x->traits = d;
            x->traits_len = (uint16_t)dsz;
            break;
        case ETL_EXT_STACK_TRACE32: case ETL_EXT_STACK_TRACE64:
            if (dsz < 8)
                return bad(why, "a stack trace item with its match id");
            x->stack_ptr = type == ETL_EXT_STACK_TRACE64 ? 8 : 4;
            x->stack = d + 8;
            x->nframes = (uint32_t)((dsz - 8) / x->stack_ptr);
            break;
        case ETL_EXT_STACK_KEY32: case ETL_EXT_STACK_KEY64:
            if (dsz < (type == ETL_EXT_STACK_KEY64 ? 16u : 12u))
                return bad(why, "a stack key item with its key");
            x->has_stack_key = true;
            x->stack_key = type == ETL_EXT_STACK_KEY64 ? etl_u64(d + 8)
                                                       : etl_u32(d + 8);
            break;
        default:
            break;
        }
        pos += isz;
    }
    return 0;
}

/* ------------------------------------------------------------ merge */

/* The heap holds cursor indices; equal timestamps keep file order. */
static bool before(const etl_merge *m, uint32_t a, uint32_t b)
{
    int64_t x = m->cursors[a].rec.ts, y = m->cursors[b].rec.ts;
    return x != y ? x < y : a < b;
}

static void sift_down(etl_merge *m, size_t i)
{
    uint32_t *h = m->heap;
    uint32_t v = h[i];
    for (;;) {
        size_t l = 2 * i + 1, s = l;
        if (l >= m->n)
            break;
        if (l + 1 < m->n && before(m, h[l + 1], h[l]))
            s = l + 1;
        if (!before(m, h[s], v))
            break;
        h[i] = h[s];
        i = s;
    }
    h[i] = v;
}

/* Note a malformed record: its buffer ends there. The first one wins. */
static void cursor_failed(etl_merge *m, const etl_cursor *c, const char *why)
{
    if (m->failed)
        return;
    m->failed = true;
    const etl_buffer *b = c->buf;
    if (b->compressed)
        mojo_error_set(&m->err, MOJO_E_FORMAT, m->file->name, b->offset,
                       "in the compressed buffer at this offset, record at "
                       "inflated byte %zu: expected %s",
                       c->pos + ETL_BUF_HEADER_SIZE, why);
    else
        mojo_error_set(&m->err, MOJO_E_FORMAT, m->file->name,
                       etl_file_offset(b, c->pos), "expected %s", why);
}

/* Parse the record at c->pos; false when the buffer has no more (its
 * inflated payload is then freed). */
static bool cursor_load(etl_merge *m, etl_cursor *c)
{
    const char *why = "a record";
    int rc = 0;
    if (c->pos < c->buf->len) {
        rc = etl_record_parse(c->data + c->pos, c->buf->len - c->pos,
                              &c->rec, &why);
        if (rc < 0)
            cursor_failed(m, c, why);
    }
    if (rc <= 0) {
        free(c->own);
        c->own = NULL;
        c->data = NULL;
    }
    return rc > 0;
}

static void heap_push(etl_merge *m, uint32_t i)
{
    uint32_t *h = m->heap;
    size_t k = m->n++;
    while (k > 0) {
        size_t parent = (k - 1) / 2;
        if (!before(m, i, h[parent]))
            break;
        h[k] = h[parent];
        k = parent;
    }
    h[k] = i;
}

/* Buffer i joins: its payload (inflated now if compressed) and its first
 * record. -1 when out of memory. */
static int join(etl_merge *m, uint32_t i)
{
    etl_cursor *c = &m->cursors[i];
    const etl_buffer *b = c->buf;
    if (b->compressed) {
        if (!(c->own = malloc(b->len ? b->len : 1)))
            return -1;
        if (etl_buffer_inflate(m->file, b, c->own) != 0) {
            free(c->own);
            c->own = NULL;
            if (!m->failed) {
                m->failed = true;
                mojo_error_set(&m->err, MOJO_E_FORMAT, m->file->name, b->offset,
                               "compressed buffer does not inflate to %u bytes",
                               (unsigned)b->len);
            }
            return 0;
        }
        c->data = c->own;
    } else {
        c->data = b->data;
    }
    if (cursor_load(m, c))
        heap_push(m, i);
    return 0;
}

typedef struct first_of {
    int64_t ts;
    uint32_t buf;
} first_of;

static int by_first(const void *a, const void *b)
{
    const first_of *x = a, *y = b;
    if (x->ts != y->ts)
        return x->ts < y->ts ? -1 : 1;
    return x->buf < y->buf ? -1 : x->buf > y->buf;
}

/* Before the top record goes out, every buffer whose first record comes
 * before it joins: the order is that of a merge of all buffers at once. */
static int join_due(etl_merge *m)
{
    while (m->next_waiting < m->nwaiting) {
        uint32_t i = m->waiting[m->next_waiting];
        if (m->n) {
            uint32_t top = m->heap[0];
            int64_t t = m->cursors[top].rec.ts, f = m->file->bufs[i].first_ts;
            if (f > t || (f == t && i > top))
                break;
        }
        m->next_waiting++;
        if (join(m, i) != 0)
            return -1;
    }
    return 0;
}

int etl_merge_init(etl_merge *m, const etl_file *f)
{
    memset(m, 0, sizeof *m);
    m->file = f;
    if (f->nbufs) {
        m->cursors = calloc(f->nbufs, sizeof *m->cursors);
        m->heap = calloc(f->nbufs, sizeof *m->heap);
        m->waiting = calloc(f->nbufs, sizeof *m->waiting);
        if (!m->cursors || !m->heap || !m->waiting) {
            etl_merge_free(m);
            return MOJO_ERROR;
        }
    }
    /* Buffers without a first record join now, in file order (a malformed
     * one is reported as the merge of all at once would); the others
     * wait for their time. */
    first_of *order = f->nbufs ? malloc(f->nbufs * sizeof *order) : NULL;
    if (f->nbufs && !order) {
        etl_merge_free(m);
        return MOJO_ERROR;
    }
    size_t n = 0;
    for (size_t i = 0; i < f->nbufs; i++) {
        m->cursors[i].buf = &f->bufs[i];
        if (f->bufs[i].has_first) {
            order[n++] = (first_of){f->bufs[i].first_ts, (uint32_t)i};
        } else if (join(m, (uint32_t)i) != 0) {
            free(order);
            etl_merge_free(m);
            return MOJO_ERROR;
        }
    }
    qsort(order, n, sizeof *order, by_first);
    for (size_t i = 0; i < n; i++)
        m->waiting[i] = order[i].buf;
    m->nwaiting = n;
    free(order);
    return MOJO_OK;
}

/* Step the top cursor past the record handed out last time. */
static void advance_top(etl_merge *m)
{
    etl_cursor *top = &m->cursors[m->heap[0]];
    top->pos += etl_align8(top->rec.size);
    if (!cursor_load(m, top)) {
        if (--m->n == 0)
            return;
        m->heap[0] = m->heap[m->n];
    }
    sift_down(m, 0);
}

int etl_merge_next(etl_merge *m, const etl_record **rec,
                   const etl_buffer **buf)
{
    if (m->pending && m->n)
        advance_top(m);
    m->pending = false;
    if (join_due(m) != 0) {
        if (!m->failed) {
            m->failed = true;
            mojo_error_set_nooff(&m->err, MOJO_E_NOMEM, m->file->name,
                                 "out of memory");
        }
        return -1;
    }
    if (m->n == 0)
        return m->failed ? -1 : 0;
    const etl_cursor *c = &m->cursors[m->heap[0]];
    *rec = &c->rec;
    *buf = c->buf;
    m->pending = true;
    return 1;
}

void etl_merge_free(etl_merge *m)
{
    if (m->cursors)
        for (size_t i = 0; i < m->file->nbufs; i++)
            free(m->cursors[i].own);
    free(m->cursors);
    free(m->heap);
    free(m->waiting);
    m->cursors = NULL;
    m->heap = NULL;
    m->waiting = NULL;
    m->n = 0;
}
