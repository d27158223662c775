/* Unit tests of the ETL container layer on byte-level fixtures built here
 * from the documented layouts (WMI_BUFFER_HEADER, the record header kinds,
 * extended items, TRACE_LOGFILE_HEADER, TraceLogging schemas, [MS-XCA]
 * plain LZ77): every field is checked, and every malformed size. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "etl_format.h"
#include "etl_tracelogging.h"

/* ------------------------------------------------------ a byte builder */

typedef struct bb {
    uint8_t b[1 << 16];
    size_t n;
} bb;

static void u8(bb *x, unsigned v) { x->b[x->n++] = (uint8_t)v; }
static void u16(bb *x, unsigned v) { u8(x, v & 0xFF); u8(x, v >> 8); }
static void u32(bb *x, uint32_t v) { u16(x, v & 0xFFFF); u16(x, v >> 16); }
static void u64(bb *x, uint64_t v) { u32(x, (uint32_t)v); u32(x, (uint32_t)(v >> 32)); }
static void raw(bb *x, const void *p, size_t n) { if (n) memcpy(x->b + x->n, p, n); x->n += n; }
static void zeros(bb *x, size_t n) { memset(x->b + x->n, 0, n); x->n += n; }
static void str16(bb *x, const char *s) { while (*s) u16(x, (unsigned char)*s++); u16(x, 0); }
static void pad8(bb *x) { while (x->n % 8) u8(x, 0); }
static void set16(bb *x, size_t at, unsigned v) { x->b[at] = v & 0xFF; x->b[at + 1] = (uint8_t)(v >> 8); }

static const uint8_t GUID_A[16] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};

/* ----------------------------------------------------------- XPRESS */

START_TEST(test_xpress_literals)
{
    const uint8_t s[] = {0, 0, 0, 0, 'a', 'b', 'c'};
    uint8_t out[3];
    ck_assert_int_eq(etl_xpress_decompress(s, sizeof s, out, 3), 0);
    ck_assert_int_eq(memcmp(out, "abc", 3), 0);
}
END_TEST

/* 'a', then a match 1 back of 3+4 bytes: overlapping copy. */
START_TEST(test_xpress_overlap)
{
    const uint8_t s[] = {0, 0, 0, 0x40, 'a', 0x04, 0x00};
    uint8_t out[8];
    ck_assert_int_eq(etl_xpress_decompress(s, sizeof s, out, 8), 0);
    ck_assert_int_eq(memcmp(out, "aaaaaaaa", 8), 0);
}
END_TEST

/* Two length-7 matches share one nibble byte: low half first. */
START_TEST(test_xpress_shared_nibble)
{
    const uint8_t s[] = {0, 0, 0, 0x30, 'a', 'b', 0x0F, 0x00, 0x20, 0x0F, 0x00};
    uint8_t out[24];
    ck_assert_int_eq(etl_xpress_decompress(s, sizeof s, out, 24), 0);
    for (int i = 0; i < 24; i++)
        ck_assert_int_eq(out[i], i % 2 ? 'b' : 'a');
}
END_TEST

/* Lengths in a nibble + byte (30), a u16 (300) and a u32 (70003). */
START_TEST(test_xpress_long_lengths)
{
    static uint8_t out[70004];
    const uint8_t byte[] = {0, 0, 0, 0x40, 'a', 0x07, 0x00, 0x0F, 0x05};
    ck_assert_int_eq(etl_xpress_decompress(byte, sizeof byte, out, 31), 0);
    for (int i = 0; i < 31; i++)
        ck_assert_int_eq(out[i], 'a');
    const uint8_t word[] = {0, 0, 0, 0x40, 'x', 0x07, 0x00, 0x0F, 0xFF, 0x29, 0x01};
    ck_assert_int_eq(etl_xpress_decompress(word, sizeof word, out, 301), 0);
    for (int i = 0; i < 301; i++)
        ck_assert_int_eq(out[i], 'x');
    const uint8_t dword[] = {0, 0, 0, 0x40, 'y', 0x07, 0x00, 0x0F, 0xFF,
                             0x00, 0x00, 0x70, 0x11, 0x01, 0x00};
    ck_assert_int_eq(etl_xpress_decompress(dword, sizeof dword, out, 70004), 0);
    ck_assert_int_eq(out[0], 'y');
    ck_assert_int_eq(out[70003], 'y');
}
END_TEST

START_TEST(test_xpress_malformed)
{
    uint8_t out[64];
    const uint8_t too_far[] = {0, 0, 0, 0x80, 0x08, 0x00};  /* 2 back, nothing yet */
    ck_assert_int_eq(etl_xpress_decompress(too_far, sizeof too_far, out, 4), -1);
    const uint8_t cut[] = {0, 0, 0, 0x40, 'a', 0x04};       /* half a match */
    ck_assert_int_eq(etl_xpress_decompress(cut, sizeof cut, out, 8), -1);
    const uint8_t shortlit[] = {0, 0, 0, 0, 'a'};            /* ends early */
    ck_assert_int_eq(etl_xpress_decompress(shortlit, sizeof shortlit, out, 2), -1);
    const uint8_t noflags[] = {0, 0};
    ck_assert_int_eq(etl_xpress_decompress(noflags, sizeof noflags, out, 1), -1);
    /* a u32 length below 15 + 7 */
    const uint8_t small32[] = {0, 0, 0, 0x40, 'y', 0x07, 0x00, 0x0F, 0xFF,
                               0x00, 0x00, 0x05, 0x00, 0x00, 0x00};
    ck_assert_int_eq(etl_xpress_decompress(small32, sizeof small32, out, 60), -1);
    /* a match longer than what is wanted */
    const uint8_t over[] = {0, 0, 0, 0x40, 'a', 0x04, 0x00};
    ck_assert_int_eq(etl_xpress_decompress(over, sizeof over, out, 5), -1);
}
END_TEST

/* ---------------------------------------------------------- records */

static void system_header(bb *x, uint8_t type, uint16_t version, uint8_t group,
                          uint8_t op, uint32_t tid, uint32_t pid, int64_t ts,
                          size_t payload)
{
    size_t hs = type <= 2 ? 32 : type <= 4 ? 24 : 16;
    u16(x, version);
    u8(x, type);
    u8(x, 0xC0);
    u16(x, (unsigned)(hs + payload));
    u8(x, op);
    u8(x, group);
    if (type >= ETL_HDR_PERFINFO32) {
        u64(x, (uint64_t)ts);
        return;
    }
    u32(x, tid);
    u32(x, pid);
    u64(x, (uint64_t)ts);
    if (type <= 2)
        zeros(x, 8);  /* kernel and user time */
}

START_TEST(test_record_system)
{
    bb x = {.n = 0};
    system_header(&x, ETL_HDR_SYSTEM64, 2, 0x05, 3, 77, 66, 123456789, 8);
    u64(&x, 0xAABBCCDDEEFF0011ull);
    etl_record r;
    const char *why = NULL;
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), 1);
    ck_assert_int_eq(r.kind, ETL_REC_KERNEL);
    ck_assert_int_eq(r.htype, ETL_HDR_SYSTEM64);
    ck_assert_int_eq(r.ptr_size, 8);
    ck_assert_int_eq(r.size, 40);
    ck_assert_int_eq(r.group, 5);
    ck_assert_int_eq(r.opcode, 3);
    ck_assert_int_eq(r.version, 2);
    ck_assert(r.has_ids);
    ck_assert_uint_eq(r.tid, 77);
    ck_assert_uint_eq(r.pid, 66);
    ck_assert_int_eq(r.ts, 123456789);
    ck_assert_uint_eq(r.payload_len, 8);
    ck_assert(r.payload == x.b + 32);

    x.n = 0;  /* 32-bit system and compact headers */
    system_header(&x, ETL_HDR_SYSTEM32, 2, 1, 2, 1, 2, 3, 4);
    u32(&x, 0);
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), 1);
    ck_assert_int_eq(r.ptr_size, 4);
    x.n = 0;
    system_header(&x, ETL_HDR_COMPACT64, 2, 1, 2, 5, 6, 7, 0);
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), 1);
    ck_assert_int_eq(r.size, 24);
    ck_assert_uint_eq(r.tid, 5);
    ck_assert_int_eq(r.ts, 7);
    ck_assert_uint_eq(r.payload_len, 0);
}
END_TEST

/* PERFINFO: no ids; a PEBS index and PMC counters before the payload. */
START_TEST(test_record_perfinfo)
{
    bb x = {.n = 0};
    uint16_t version = 0x8000 | (2 << 8) | 2;  /* PEBS + 2 PMC counters */
    system_header(&x, ETL_HDR_PERFINFO64, version, 0x0F, 46, 0, 0, 999, 24 + 16);
    zeros(&x, 24);
    u64(&x, 0x1234);
    u32(&x, 42);
    u32(&x, 1);
    etl_record r;
    const char *why;
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), 1);
    ck_assert(!r.has_ids);
    ck_assert_int_eq(r.ts, 999);
    ck_assert_uint_eq(r.payload_len, 16);
    ck_assert(r.payload == x.b + 16 + 24);
    ck_assert_uint_eq(etl_u64(r.payload), 0x1234);
    /* counters announced but missing */
    x.n = 0;
    system_header(&x, ETL_HDR_PERFINFO64, 0x0702, 0x0F, 46, 0, 0, 1, 8);
    u64(&x, 0);
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), -1);
}
END_TEST

START_TEST(test_record_classic)
{
    bb x = {.n = 0};
    u16(&x, 48 + 4);      /* size */
    u8(&x, ETL_HDR_FULL64);
    u8(&x, 0xC0);
    u8(&x, 36);           /* Class.Type: the opcode */
    u8(&x, 4);            /* level */
    u16(&x, 3);           /* version */
    u32(&x, 11);
    u32(&x, 22);
    u64(&x, 33);
    raw(&x, GUID_A, 16);
    zeros(&x, 8);
    u32(&x, 0xDEADBEEF);
    etl_record r;
    const char *why;
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), 1);
    ck_assert_int_eq(r.kind, ETL_REC_CLASSIC);
    ck_assert_int_eq(r.opcode, 36);
    ck_assert_int_eq(r.level, 4);
    ck_assert_int_eq(r.version, 3);
    ck_assert_uint_eq(r.tid, 11);
    ck_assert_uint_eq(r.pid, 22);
    ck_assert_int_eq(r.ts, 33);
    ck_assert_int_eq(memcmp(r.guid, GUID_A, 16), 0);
    ck_assert_uint_eq(r.payload_len, 4);
    /* the instance header is 72 bytes: 52 is too small for it */
    x.b[2] = ETL_HDR_INSTANCE32;
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), -1);
    set16(&x, 0, 72);
    zeros(&x, 20);
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), 1);
    ck_assert_int_eq(r.ptr_size, 4);
    ck_assert_uint_eq(r.payload_len, 0);
}
END_TEST

static void ext_item(bb *x, unsigned type, bool more, const void *data, size_t n)
{
    u16(x, (unsigned)((8 + n + 7) & ~(size_t)7));
    u16(x, type);
    u16(x, more);
    u16(x, (unsigned)n);
    raw(x, data, n);
    pad8(x);
}

static void event_header(bb *x, uint8_t type, unsigned flags, uint32_t tid,
                         uint32_t pid, int64_t ts)
{
    u16(x, 0);  /* size, set by the caller */
    u8(x, type);
    u8(x, 0xC0);
    u16(x, flags);
    u16(x, 0);
    u32(x, tid);
    u32(x, pid);
    u64(x, (uint64_t)ts);
    raw(x, GUID_A, 16);
    u16(x, 7);      /* id */
    u8(x, 1);       /* version */
    u8(x, 11);      /* channel */
    u8(x, 5);       /* level */
    u8(x, 2);       /* opcode */
    u16(x, 9);      /* task */
    u64(x, 0x400);  /* keyword */
    zeros(x, 8 + 16);
}

START_TEST(test_record_event_header)
{
    bb x = {.n = 0};
    event_header(&x, ETL_HDR_EVENT64, 1, 10, 20, 30);
    const uint8_t traits[] = {9, 0, 'P', 'y', 't', 'h', 'o', 'n', 0};
    ext_item(&x, ETL_EXT_PROV_TRAITS, true, traits, sizeof traits);
    uint8_t stack[8 + 3 * 8] = {0};
    stack[8] = 0x10;
    stack[16] = 0x20;
    stack[31] = 0xFF;
    ext_item(&x, ETL_EXT_STACK_TRACE64, true, stack, sizeof stack);
    const uint8_t schema[] = {8, 0, 0, 'E', 0, 'F', 0, 7};
    ext_item(&x, ETL_EXT_EVENT_SCHEMA_TL, false, schema, sizeof schema);
    u32(&x, 0x55667788);
    set16(&x, 0, (unsigned)x.n);
    etl_record r;
    etl_ext e;
    const char *why;
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), 1);
    ck_assert_int_eq(r.kind, ETL_REC_EVENT);
    ck_assert_uint_eq(r.tid, 10);
    ck_assert_uint_eq(r.pid, 20);
    ck_assert_int_eq(r.ts, 30);
    ck_assert_uint_eq(r.id, 7);
    ck_assert_uint_eq(r.ev_version, 1);
    ck_assert_uint_eq(r.channel, 11);
    ck_assert_uint_eq(r.level, 5);
    ck_assert_uint_eq(r.opcode, 2);
    ck_assert_uint_eq(r.task, 9);
    ck_assert_uint_eq(r.keyword, 0x400);
    ck_assert_uint_eq(r.payload_len, 4);
    ck_assert_uint_eq(etl_u32(r.payload), 0x55667788);
    ck_assert_int_eq(etl_record_ext(&r, &e, &why), 0);
    ck_assert_uint_eq(e.traits_len, sizeof traits);
    ck_assert_uint_eq(e.schema_len, sizeof schema);
    ck_assert_int_eq(memcmp(e.schema, schema, sizeof schema), 0);
    ck_assert_uint_eq(e.nframes, 3);
    ck_assert_uint_eq(e.stack_ptr, 8);
    ck_assert_uint_eq(etl_u64(e.stack), 0x10);
    ck_assert_uint_eq(etl_u64(e.stack + 16), 0xFF00000000000000ull);
    const char *name;
    size_t len;
    ck_assert(etl_tl_provider_name(e.traits, e.traits_len, &name, &len));
    ck_assert_int_eq(len, 6);
    ck_assert_int_eq(memcmp(name, "Python", 6), 0);

    /* 32-bit: stack of u32 addresses and a stack key */
    x.n = 0;
    event_header(&x, ETL_HDR_EVENT32, 1, 1, 2, 3);
    uint8_t s32[8 + 8] = {0};
    s32[8] = 0x44;
    ext_item(&x, ETL_EXT_STACK_TRACE32, true, s32, sizeof s32);
    uint8_t key[12] = {0};
    key[8] = 0x99;
    ext_item(&x, ETL_EXT_STACK_KEY32, false, key, sizeof key);
    set16(&x, 0, (unsigned)x.n);
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), 1);
    ck_assert_int_eq(r.ptr_size, 4);
    ck_assert_uint_eq(r.payload_len, 0);
    ck_assert_int_eq(etl_record_ext(&r, &e, &why), 0);
    ck_assert_uint_eq(e.nframes, 2);
    ck_assert_uint_eq(etl_u32(e.stack), 0x44);
    ck_assert(e.has_stack_key);
    ck_assert_uint_eq(e.stack_key, 0x99);
}
END_TEST

START_TEST(test_record_malformed)
{
    bb x = {.n = 0};
    etl_record r;
    const char *why = NULL;
    /* the end of a buffer's records */
    u32(&x, 0xFFFFFFFFu);
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), 0);
    ck_assert_int_eq(etl_record_parse(x.b, 3, &r, &why), 0);
    /* a marker without the header flags */
    x.n = 0;
    u32(&x, 0x00020010);
    zeros(&x, 28);
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), -1);
    ck_assert_ptr_nonnull(why);
    /* sizes: past the buffer, smaller than the header */
    x.n = 0;
    system_header(&x, ETL_HDR_SYSTEM64, 2, 0, 0, 0, 0, 0, 100);
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), -1);
    set16(&x, 4, 31);
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), -1);
    set16(&x, 4, 0);
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), -1);
    /* an extended item running past its record */
    x.n = 0;
    event_header(&x, ETL_HDR_EVENT64, 1, 0, 0, 0);
    u16(&x, 64);
    u16(&x, 11);
    u16(&x, 0);
    u16(&x, 8);
    zeros(&x, 8);
    set16(&x, 0, (unsigned)x.n);
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), -1);
    /* a data size bigger than its item */
    set16(&x, 80, 16);
    set16(&x, 86, 9);
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), -1);
    /* items that always link to one more */
    x.n = 0;
    event_header(&x, ETL_HDR_EVENT64, 1, 0, 0, 0);
    for (int i = 0; i < 40; i++)
        ext_item(&x, 1, true, NULL, 0);
    set16(&x, 0, (unsigned)x.n);
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), -1);
    /* a WPP message record is framed by its size and skipped */
    x.n = 0;
    u16(&x, 16);
    u8(&x, 0);
    u8(&x, 0x90);
    zeros(&x, 12);
    ck_assert_int_eq(etl_record_parse(x.b, x.n, &r, &why), 1);
    ck_assert_int_eq(r.kind, ETL_REC_OTHER);
    ck_assert_int_eq(r.size, 16);
}
END_TEST

/* ------------------------------------------------------------ files */

/* Logfile record: SYSTEM header (hook 0) + TRACE_LOGFILE_HEADER. */
static void logfile(bb *x, bool wide, uint32_t clock, uint64_t freq,
                    uint32_t mhz, int64_t ts)
{
    size_t start = x->n;
    system_header(x, wide ? ETL_HDR_SYSTEM64 : ETL_HDR_SYSTEM32, 2, 0, 0, 1, 2,
                  ts, 0);
    u32(x, 4096);            /* BufferSize */
    u8(x, 10); u8(x, 0); u8(x, 1); u8(x, 5);
    u32(x, 19045);           /* build */
    u32(x, 4);               /* processors */
    u64(x, 777);             /* EndTime */
    u32(x, 156250);
    u32(x, 0);
    u32(x, 0x1);             /* LogFileMode */
    u32(x, 3);               /* BuffersWritten */
    u32(x, 1);
    u32(x, wide ? 8 : 4);    /* PointerSize */
    u32(x, 5);               /* EventsLost */
    u32(x, mhz);
    zeros(x, wide ? 16 : 8); /* two pointer slots */
    zeros(x, 176);           /* TimeZone + padding */
    u64(x, 111);             /* BootTime */
    u64(x, freq);
    u64(x, 133000000000000000ull); /* StartTime */
    u32(x, clock);
    u32(x, 0);
    str16(x, "session");
    str16(x, "C:\\t.etl");
    set16(x, start + 4, (unsigned)(x->n - start));
    pad8(x);
}

static void buffer_header(bb *x, uint32_t size, uint32_t end, uint16_t cpu,
                          uint16_t flags, uint16_t type)
{
    u32(x, size);
    u32(x, end);
    u32(x, end);
    u32(x, 0);
    u64(x, 0);
    u64(x, cpu + 1);  /* sequence */
    u64(x, 0);
    u16(x, cpu);
    u16(x, 0x20);
    u32(x, 3);
    u32(x, end);
    u16(x, flags);
    u16(x, type);
    zeros(x, 16);
}

/* A whole buffer of size `size` holding records rec[0..n) at 72.. */
static void buffer(bb *x, uint32_t size, uint16_t cpu, uint16_t type,
                   const bb *recs)
{
    size_t start = x->n;
    buffer_header(x, size, (uint32_t)(72 + recs->n), cpu, 0x20, type);
    raw(x, recs->b, recs->n);
    memset(x->b + x->n, 0xFF, size - (x->n - start));
    x->n = start + size;
}

static void header_buffer(bb *x, bool wide, uint32_t clock, uint64_t freq)
{
    bb r = {.n = 0};
    logfile(&r, wide, clock, freq, 3000, 5000);
    buffer(x, 1024, 0, ETL_BUFFER_TYPE_HEADER, &r);
}

static uint8_t *copy(const bb *x)
{
    uint8_t *d = malloc(x->n ? x->n : 1);
    memcpy(d, x->b, x->n);
    return d;
}

START_TEST(test_file_logfile_header)
{
    for (int wide = 0; wide < 2; wide++) {
        bb x = {.n = 0};
        header_buffer(&x, wide, 1, 10000000);
        etl_file f;
        mojo_error e;
        ck_assert_int_eq(etl_file_load(&f, "t.etl", copy(&x), x.n, &e), MOJO_OK);
        ck_assert_int_eq(f.nbufs, 1);
        ck_assert_uint_eq(f.bufs[0].size, 1024);
        ck_assert_uint_eq(f.log.buffer_size, 4096);
        ck_assert_uint_eq(f.log.os_major, 10);
        ck_assert_uint_eq(f.log.layout_minor, 5);
        ck_assert_uint_eq(f.log.provider_version, 19045);
        ck_assert_uint_eq(f.log.ncpus, 4);
        ck_assert_uint_eq(f.log.end_time, 777);
        ck_assert_uint_eq(f.log.timer_resolution, 156250);
        ck_assert_uint_eq(f.log.log_file_mode, 1);
        ck_assert_uint_eq(f.log.buffers_written, 3);
        ck_assert_uint_eq(f.log.pointer_size, wide ? 8 : 4);
        ck_assert_uint_eq(f.log.events_lost, 5);
        ck_assert_uint_eq(f.log.cpu_mhz, 3000);
        ck_assert_uint_eq(f.log.boot_time, 111);
        ck_assert_uint_eq(f.log.perf_freq, 10000000);
        ck_assert_uint_eq(f.log.start_time, 133000000000000000ull);
        ck_assert_uint_eq(f.log.clock_type, 1);
        ck_assert_int_eq(f.log.header_ts, 5000);
        ck_assert_str_eq(f.log.logger_name, "session");
        ck_assert_str_eq(f.log.log_file_name, "C:\\t.etl");
        /* QPC at 10 MHz: 10 ticks a microsecond, from the header's time */
        ck_assert_int_eq(etl_ts_to_us(&f.log, 5000 + 12345670), 1234567);
        ck_assert_int_eq(etl_ts_to_us(&f.log, 4990), -1);
        etl_file_free(&f);
    }
}
END_TEST

START_TEST(test_file_clocks)
{
    bb x = {.n = 0};
    header_buffer(&x, true, 2, 0);  /* system time: 100 ns units */
    etl_file f;
    mojo_error e;
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&x), x.n, &e), MOJO_OK);
    ck_assert_int_eq(etl_ts_to_us(&f.log, 5000 + 10 * 42), 42);
    etl_file_free(&f);
    x.n = 0;
    header_buffer(&x, true, 3, 0);  /* CPU cycles at 3000 MHz */
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&x), x.n, &e), MOJO_OK);
    ck_assert_int_eq(etl_ts_to_us(&f.log, 5000 + 3000 * 7), 7);
    etl_file_free(&f);
    x.n = 0;
    header_buffer(&x, true, 1, 0);  /* QPC at 0 Hz: unusable */
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&x), x.n, &e), MOJO_ERROR);
    ck_assert_ptr_nonnull(strstr(e.message, "frequency of 0"));
    etl_file_free(&f);
    /* a large tick count does not overflow */
    x.n = 0;
    header_buffer(&x, true, 1, 3117777);
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&x), x.n, &e), MOJO_OK);
    ck_assert_int_eq(etl_ts_to_us(&f.log, 5000 + 3117777ll * 100000000ll),
                     100000000ll * 1000000ll);
    etl_file_free(&f);
}
END_TEST

/* A file of a header buffer and data buffers from CPU 0 (ts 10, 30, 50)
 * and CPU 1 (ts 20, 40), the later CPU first in the file. */
static void two_cpu_file(bb *x)
{
    header_buffer(x, true, 1, 10000000);
    bb r = {.n = 0};
    for (int t = 20; t <= 40; t += 20) {
        system_header(&r, ETL_HDR_SYSTEM64, 2, 0x05, 3, 1, 1, t, 0);
    }
    buffer(x, 512, 1, 0, &r);
    r.n = 0;
    for (int t = 10; t <= 50; t += 20)
        system_header(&r, ETL_HDR_SYSTEM64, 2, 0x05, 3, 0, 0, t, 0);
    buffer(x, 512, 0, 0, &r);
}

START_TEST(test_file_merge_order)
{
    bb x = {.n = 0};
    two_cpu_file(&x);
    etl_file f;
    mojo_error e;
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&x), x.n, &e), MOJO_OK);
    ck_assert_int_eq(f.nbufs, 3);
    etl_merge m;
    ck_assert_int_eq(etl_merge_init(&m, &f), MOJO_OK);
    const etl_record *r;
    const etl_buffer *b;
    int64_t want[] = {10, 20, 30, 40, 50, 5000};
    for (int i = 0; i < 6; i++) {
        ck_assert_int_eq(etl_merge_next(&m, &r, &b), 1);
        ck_assert_int_eq(r->ts, want[i]);
        if (i < 5)
            ck_assert_uint_eq(b->cpu, (unsigned)(want[i] / 10 + 1) % 2);
    }
    ck_assert_int_eq(etl_merge_next(&m, &r, &b), 0);
    etl_merge_free(&m);
    etl_file_free(&f);
}
END_TEST

/* A bad record ends its own buffer; the others still come, then -1. */
START_TEST(test_file_merge_bad_record)
{
    bb x = {.n = 0};
    two_cpu_file(&x);
    size_t second = 1024 + 72 + 32;  /* CPU 1's second record: size 300 */
    set16(&x, second + 4, 300);
    etl_file f;
    mojo_error e;
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&x), x.n, &e), MOJO_OK);
    etl_merge m;
    etl_merge_init(&m, &f);
    const etl_record *r;
    const etl_buffer *b;
    int n = 0;
    while (etl_merge_next(&m, &r, &b) == 1)
        n++;
    ck_assert_int_eq(n, 5);  /* all but the bad one */
    ck_assert_int_eq(etl_merge_next(&m, &r, &b), -1);
    ck_assert(m.failed);
    ck_assert_uint_eq(m.err.offset, second);
    etl_merge_free(&m);
    etl_file_free(&f);
}
END_TEST

START_TEST(test_file_errors)
{
    etl_file f;
    mojo_error e;
    bb x = {.n = 0};
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&x), 0, &e), MOJO_ERROR);
    etl_file_free(&f);
    header_buffer(&x, true, 1, 10000000);
    /* shorter than a buffer header */
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&x), 40, &e), MOJO_ERROR);
    ck_assert_int_eq(e.code, MOJO_E_TRUNCATED);
    etl_file_free(&f);
    /* the first buffer cut short */
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&x), 1000, &e), MOJO_ERROR);
    ck_assert_int_eq(e.code, MOJO_E_TRUNCATED);
    etl_file_free(&f);
    /* a buffer size below its own header */
    bb y = x;
    y.b[0] = 16;
    y.b[1] = 0;
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&y), y.n, &e), MOJO_ERROR);
    ck_assert_uint_eq(e.offset, 0);
    etl_file_free(&f);
    /* a payload end outside the buffer */
    y = x;
    y.b[ETL_BUF_OFFSET + 1] = 0x10;
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&y), y.n, &e), MOJO_ERROR);
    ck_assert_uint_eq(e.offset, ETL_BUF_OFFSET);
    etl_file_free(&f);
    /* a header buffer that says it is compressed */
    y = x;
    y.b[ETL_BUF_FLAGS] |= 0x40;
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&y), y.n, &e), MOJO_ERROR);
    etl_file_free(&f);
    /* a first record that is not the logfile header */
    y = x;
    y.b[72 + 7] = 5;  /* hook group */
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&y), y.n, &e), MOJO_ERROR);
    ck_assert_uint_eq(e.offset, 72);
    etl_file_free(&f);
    /* a second buffer cut short: the first one stays usable */
    bb z = {.n = 0};
    two_cpu_file(&z);
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&z), z.n - 100, &e), MOJO_OK);
    ck_assert_int_eq(f.nbufs, 2);
    ck_assert(f.has_late_err);
    ck_assert_int_eq(f.late_err.code, MOJO_E_TRUNCATED);
    ck_assert_uint_eq(f.late_err.offset, 1024 + 512);
    etl_file_free(&f);
}
END_TEST

/* A compressed buffer: payload stored with literal-only XPRESS. */
START_TEST(test_file_compressed)
{
    bb x = {.n = 0};
    header_buffer(&x, true, 1, 10000000);
    x.b[ETL_BUF_STATE] = 3;  /* compression format: XPRESS */
    bb r = {.n = 0};
    system_header(&r, ETL_HDR_SYSTEM64, 2, 0x05, 3, 9, 8, 77, 0);
    bb z = {.n = 0};
    for (size_t i = 0; i < r.n; i++) {
        if (i % 32 == 0)
            u32(&z, 0);
        u8(&z, r.b[i]);
    }
    size_t start = x.n;
    buffer_header(&x, (uint32_t)(72 + z.n), (uint32_t)(72 + r.n), 1, 0x60, 0);
    raw(&x, z.b, z.n);
    etl_file f;
    mojo_error e;
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&x), x.n, &e), MOJO_OK);
    ck_assert_int_eq(f.nbufs, 2);
    ck_assert(f.bufs[1].compressed);
    ck_assert_uint_eq(f.bufs[1].len, r.n);
    uint8_t *back = malloc(r.n);
    ck_assert_ptr_nonnull(back);
    ck_assert_ptr_null(f.bufs[1].data);  /* inflated as the merge reaches it */
    ck_assert_int_eq(etl_buffer_inflate(&f, &f.bufs[1], back), 0);
    ck_assert_int_eq(memcmp(back, r.b, r.n), 0);
    free(back);
    ck_assert_uint_eq(etl_file_offset(&f.bufs[1], 10), start);
    etl_file_free(&f);
    /* claiming more inflated bytes than the stream holds */
    set16(&x, start + ETL_BUF_OFFSET, (unsigned)(72 + r.n + 8));
    ck_assert_int_eq(etl_file_load(&f, "t", copy(&x), x.n, &e), MOJO_OK);
    ck_assert_int_eq(f.nbufs, 1);
    ck_assert(f.has_late_err);
    ck_assert_uint_eq(f.late_err.offset, start);
    etl_file_free(&f);
}
END_TEST

/* ----------------------------------------------------- TraceLogging */

START_TEST(test_tl_schema_grammar)
{
    bb x = {.n = 0};
    u16(&x, 0);
    u8(&x, 0x81); u8(&x, 0x02);                 /* event tags: two bytes */
    raw(&x, "Ev", 3);
    raw(&x, "s", 2); u8(&x, ETL_TL_UNICODESTRING);
    raw(&x, "b", 2); u8(&x, 0x80 | ETL_TL_UINT8);
    u8(&x, 0x80 | ETL_TL_OUT_BOOLEAN); u8(&x, 0x85); u8(&x, 0x01); /* tags */
    raw(&x, "c3", 3); u8(&x, ETL_TL_CCOUNT | ETL_TL_INT32); u16(&x, 3);
    raw(&x, "v", 2); u8(&x, ETL_TL_VCOUNT | ETL_TL_UINT16);
    raw(&x, "st", 3); u8(&x, 0x80 | ETL_TL_STRUCT); u8(&x, 2);
    raw(&x, "m1", 3); u8(&x, ETL_TL_INT16);
    raw(&x, "m2", 3); u8(&x, ETL_TL_GUID);
    raw(&x, "cu", 3); u8(&x, ETL_TL_CUSTOM | ETL_TL_BINARY); u16(&x, 2); u16(&x, 0);
    raw(&x, "ft", 3); u8(&x, ETL_TL_FILETIME);
    set16(&x, 0, (unsigned)x.n);
    const char *why;
    etl_tl_schema *s = etl_tl_schema_parse(x.b, x.n, &why);
    ck_assert_ptr_nonnull(s);
    ck_assert_str_eq(s->name, "Ev");
    ck_assert_int_eq(s->nfields, 9);
    ck_assert_str_eq(s->fields[1].name, "b");
    ck_assert_int_eq(s->fields[1].in, ETL_TL_UINT8);
    ck_assert_int_eq(s->fields[1].out, ETL_TL_OUT_BOOLEAN);
    ck_assert_int_eq(s->fields[2].arity, ETL_TL_CCOUNT);
    ck_assert_int_eq(s->fields[2].ccount, 3);
    ck_assert_int_eq(s->fields[3].arity, ETL_TL_VCOUNT);
    ck_assert_int_eq(s->fields[4].in, ETL_TL_STRUCT);
    ck_assert_int_eq(s->fields[4].nmembers, 2);
    ck_assert_int_eq(s->fields[5].depth, 1);
    ck_assert_int_eq(s->fields[6].depth, 1);
    ck_assert_int_eq(s->fields[8].depth, 0);

    /* the payload, in field order, packed */
    bb p = {.n = 0};
    str16(&p, "hi");
    u8(&p, 1);
    u32(&p, 1); u32(&p, (uint32_t)-2); u32(&p, 3);
    u16(&p, 2); u16(&p, 0x1111); u16(&p, 0x2222);
    u16(&p, (unsigned)-5 & 0xFFFF); raw(&p, GUID_A, 16);
    u16(&p, 3); raw(&p, "xyz", 3);
    u64(&p, 132756731757990000ull);
    etl_tl_value v[9];
    ck_assert_int_eq(etl_tl_decode(s, p.b, p.n, 8, v), 0);
    char buf[128];
    etl_tl_format(&s->fields[0], v[0].p, v[0].len, buf, sizeof buf);
    ck_assert_str_eq(buf, "hi");
    etl_tl_format(&s->fields[1], v[1].p, v[1].len, buf, sizeof buf);
    ck_assert_str_eq(buf, "True");
    ck_assert_int_eq(v[2].count, 3);
    ck_assert_int_eq(v[2].len, 12);
    etl_tl_format(&s->fields[2], v[2].p + 4, 4, buf, sizeof buf);
    ck_assert_str_eq(buf, "-2");
    ck_assert_int_eq(v[3].count, 2);
    ck_assert_int_eq(etl_u16(v[3].p + 2), 0x2222);
    ck_assert_int_eq(v[4].len, 18);
    int64_t i16;
    ck_assert(etl_tl_int(&s->fields[5], &v[5], &i16));
    ck_assert_int_eq(i16, -5);
    etl_tl_format(&s->fields[6], v[6].p, v[6].len, buf, sizeof buf);
    ck_assert_str_eq(buf, "04030201-0605-0807-090a-0b0c0d0e0f10");
    ck_assert_int_eq(v[7].len, 3);
    etl_tl_format(&s->fields[8], v[8].p, v[8].len, buf, sizeof buf);
    ck_assert_str_eq(buf, "2021-09-09T14:59:35.7990000Z");
    /* a payload one byte short */
    ck_assert_int_eq(etl_tl_decode(s, p.b, p.n - 1, 8, v), -1);
    etl_tl_schema_free(s);
}
END_TEST

/* An array of structs: members have no single value; counts multiply. */
START_TEST(test_tl_struct_array)
{
    bb x = {.n = 0};
    u16(&x, 0);
    u8(&x, 0);
    raw(&x, "E", 2);
    raw(&x, "arr", 4); u8(&x, 0x80 | ETL_TL_VCOUNT | ETL_TL_STRUCT); u8(&x, 2);
    raw(&x, "a", 2); u8(&x, ETL_TL_UINT8);
    raw(&x, "b", 2); u8(&x, ETL_TL_ANSISTRING);
    raw(&x, "z", 2); u8(&x, ETL_TL_UINT32);
    set16(&x, 0, (unsigned)x.n);
    const char *why;
    etl_tl_schema *s = etl_tl_schema_parse(x.b, x.n, &why);
    ck_assert_ptr_nonnull(s);
    bb p = {.n = 0};
    u16(&p, 2);
    u8(&p, 7); raw(&p, "ab", 3);
    u8(&p, 8); raw(&p, "", 1);
    u32(&p, 99);
    etl_tl_value v[4];
    ck_assert_int_eq(etl_tl_decode(s, p.b, p.n, 8, v), 0);
    ck_assert_int_eq(v[0].count, 2);
    ck_assert_int_eq(v[0].len, 6);
    ck_assert(!v[1].present);
    int64_t z;
    ck_assert(etl_tl_int(&s->fields[3], &v[3], &z));
    ck_assert_int_eq(z, 99);
    etl_tl_schema_free(s);
}
END_TEST

START_TEST(test_tl_schema_malformed)
{
    const char *why;
    const uint8_t too_big[] = {40, 0, 0, 'E', 0};
    ck_assert_ptr_null(etl_tl_schema_parse(too_big, sizeof too_big, &why));
    ck_assert_ptr_nonnull(why);
    const uint8_t no_nul[] = {6, 0, 0, 'E', 'v', 'x'};
    ck_assert_ptr_null(etl_tl_schema_parse(no_nul, sizeof no_nul, &why));
    const uint8_t no_type[] = {7, 0, 0, 'E', 0, 'f', 0};
    ck_assert_ptr_null(etl_tl_schema_parse(no_type, sizeof no_type, &why));
    const uint8_t bad_type[] = {8, 0, 0, 'E', 0, 'f', 0, 30};
    ck_assert_ptr_null(etl_tl_schema_parse(bad_type, sizeof bad_type, &why));
    const uint8_t empty_struct[] = {9, 0, 0, 'E', 0, 'f', 0, 0x98, 0};
    ck_assert_ptr_null(etl_tl_schema_parse(empty_struct, sizeof empty_struct, &why));
    const uint8_t open_struct[] = {9, 0, 0, 'E', 0, 'f', 0, 0x98, 2};
    ck_assert_ptr_null(etl_tl_schema_parse(open_struct, sizeof open_struct, &why));
    const uint8_t no_count[] = {9, 0, 0, 'E', 0, 'f', 0, 0x27, 3};
    ck_assert_ptr_null(etl_tl_schema_parse(no_count, sizeof no_count, &why));
    const uint8_t tags_run_out[] = {5, 0, 0x80, 0x80, 0x80};
    ck_assert_ptr_null(etl_tl_schema_parse(tags_run_out, sizeof tags_run_out, &why));
}
END_TEST

START_TEST(test_tl_cache_and_format)
{
    etl_tl_cache *c = etl_tl_cache_new();
    const uint8_t a[] = {8, 0, 0, 'A', 0, 'f', 0, ETL_TL_SID};
    const uint8_t b[] = {8, 0, 0, 'B', 0, 'f', 0, ETL_TL_HEXINT64};
    const char *why;
    etl_tl_schema *sa = etl_tl_cache_get(c, a, sizeof a, &why);
    etl_tl_schema *sb = etl_tl_cache_get(c, b, sizeof b, &why);
    ck_assert_ptr_nonnull(sa);
    ck_assert_ptr_ne(sa, sb);
    ck_assert_ptr_eq(etl_tl_cache_get(c, a, sizeof a, &why), sa);
    /* S-1-5-21-1-2 */
    const uint8_t sid[] = {1, 2, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0, 1, 0, 0, 0};
    etl_tl_value v[1];
    ck_assert_int_eq(etl_tl_decode(sa, sid, sizeof sid, 8, v), 0);
    char buf[64];
    etl_tl_format(&sa->fields[0], v[0].p, v[0].len, buf, sizeof buf);
    ck_assert_str_eq(buf, "S-1-5-21-1");
    const uint8_t hex[] = {0xEF, 0xBE, 0xAD, 0xDE, 0, 0, 0, 0};
    ck_assert_int_eq(etl_tl_decode(sb, hex, sizeof hex, 8, v), 0);
    etl_tl_format(&sb->fields[0], v[0].p, v[0].len, buf, sizeof buf);
    ck_assert_str_eq(buf, "0xdeadbeef");
    /* a SID announcing more sub-authorities than there are bytes */
    const uint8_t bad_sid[] = {1, 9, 0, 0, 0, 0, 0, 5, 21, 0, 0, 0};
    ck_assert_int_eq(etl_tl_decode(sa, bad_sid, sizeof bad_sid, 8, v), -1);
    for (int i = 0; i < 500; i++) {  /* many schemas: the table grows */
        uint8_t d[] = {9, 0, 0, 'X', 0, 'f', (uint8_t)(1 + i % 200), 0, ETL_TL_INT8};
        d[3] = (uint8_t)('A' + i / 200);
        ck_assert_ptr_nonnull(etl_tl_cache_get(c, d, sizeof d, &why));
    }
    ck_assert_ptr_eq(etl_tl_cache_get(c, a, sizeof a, &why), sa);
    etl_tl_cache_free(c);
}
END_TEST

static Suite *etl_suite(void)
{
    Suite *s = suite_create("etl container");
    TCase *tc = tcase_create("xpress");
    tcase_add_test(tc, test_xpress_literals);
    tcase_add_test(tc, test_xpress_overlap);
    tcase_add_test(tc, test_xpress_shared_nibble);
    tcase_add_test(tc, test_xpress_long_lengths);
    tcase_add_test(tc, test_xpress_malformed);
    suite_add_tcase(s, tc);
    tc = tcase_create("records");
    tcase_add_test(tc, test_record_system);
    tcase_add_test(tc, test_record_perfinfo);
    tcase_add_test(tc, test_record_classic);
    tcase_add_test(tc, test_record_event_header);
    tcase_add_test(tc, test_record_malformed);
    suite_add_tcase(s, tc);
    tc = tcase_create("files");
    tcase_add_test(tc, test_file_logfile_header);
    tcase_add_test(tc, test_file_clocks);
    tcase_add_test(tc, test_file_merge_order);
    tcase_add_test(tc, test_file_merge_bad_record);
    tcase_add_test(tc, test_file_errors);
    tcase_add_test(tc, test_file_compressed);
    suite_add_tcase(s, tc);
    tc = tcase_create("tracelogging");
    tcase_add_test(tc, test_tl_schema_grammar);
    tcase_add_test(tc, test_tl_struct_array);
    tcase_add_test(tc, test_tl_schema_malformed);
    tcase_add_test(tc, test_tl_cache_and_format);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(etl_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
