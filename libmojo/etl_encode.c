/* Records, buffer headers and the logfile header of the ETL writers; see
 * etl_encode.h. */
#include "etl_encode.h"
#include "etl_profile.h"
#include "etl_text.h"

/* The provider-traits item's data: its size, then the provider's name. */
static const uint8_t traits[] = {9, 0, 'P', 'y', 't', 'h', 'o', 'n', 0};

/* TraceLogging schema blob: size, no tags, event name, then per field a
 * name and an in-type byte (no out-types: python-etwtrace uses none). */
static size_t schema(uint8_t *out, const char *event, const char *const *names,
                     const uint8_t *types, size_t n)
{
    size_t o = 2;
    out[o++] = 0;
    size_t k = strlen(event) + 1;
    memcpy(out + o, event, k);
    o += k;
    for (size_t i = 0; i < n; i++) {
        k = strlen(names[i]) + 1;
        memcpy(out + o, names[i], k);
        o += k;
        out[o++] = types[i];
    }
    etl_put16(out, (uint16_t)o);
    return o;
}

static size_t event_schema(etl_py_kind kind, uint8_t *out)
{
    static const char *const thread[] = {"ThreadID"};
    static const uint8_t thread_t[] = {7};
    static const char *const func[] = {"FunctionID", "BeginAddress",
                                       "EndAddress", "LineNumber",
                                       "SourceFile", "Name", "IsPythonCode"};
    static const uint8_t func_t[] = {21, 21, 21, 7, 1, 1, 7};
    static const char *const push[] = {"FunctionID", "Caller", "CallerLine"};
    static const uint8_t push_t[] = {21, 21, 10};
    static const char *const pop[] = {"FunctionID"};
    static const uint8_t pop_t[] = {21};
    static const char *const mark[] = {"Mark"};
    static const uint8_t mark_t[] = {1};
    switch (kind) {
    case ETL_PY_FUNCTION: return schema(out, "PythonFunction", func, func_t, 7);
    case ETL_PY_PUSH: return schema(out, "PythonFunctionPush", push, push_t, 3);
    case ETL_PY_POP: return schema(out, "PythonFunctionPop", pop, pop_t, 1);
    case ETL_PY_MARK:
    case ETL_PY_MARK_START:
    case ETL_PY_MARK_STOP: return schema(out, "PythonMark", mark, mark_t, 1);
    default: return schema(out, "PythonThread", thread, thread_t, 1);
    }
}

static size_t put_item(uint8_t *p, uint16_t type, bool more,
                       const uint8_t *data, size_t n)
{
    size_t size = etl_align8(8 + n);
    memset(p, 0, size);
    etl_put16(p, (uint16_t)size);
    etl_put16(p + 2, type);
    etl_put16(p + 4, more ? 1 : 0);  /* linkage: another item follows */
    etl_put16(p + 6, (uint16_t)n);
    memcpy(p + 8, data, n);
    return size;
}

size_t etl_encode_head(etl_py_kind kind, uint8_t *rec)
{
    uint8_t blob[128];
    uint8_t level = 5, opcode = 0;
    uint64_t keyword;
    switch (kind) {
    case ETL_PY_FUNCTION: keyword = 0x400; break;
    case ETL_PY_PUSH: keyword = 0x1000; break;
    case ETL_PY_POP: keyword = 0x2000; break;
    case ETL_PY_MARK: keyword = 0x800; break;
    case ETL_PY_MARK_START: keyword = 0x800; opcode = 1; break;
    case ETL_PY_MARK_STOP: keyword = 0x800; opcode = 2; break;
    default:
        keyword = 0x100;
        level = 4;
        opcode = kind == ETL_PY_THREAD_START ? 1 : 2;
        break;
    }
    memset(rec, 0, ETL_EVENT_SIZE);
    rec[2] = ETL_HDR_EVENT64;
    rec[3] = ETL_MARKER_FLAGS;
    etl_put16(rec + 4, ETL_EH_FLAG_EXTENDED_INFO);
    memcpy(rec + 24, etl_python_guid, 16);
    rec[43] = 11;  /* channel: TraceLogging */
    rec[44] = level;
    rec[45] = opcode;
    etl_put64(rec + 48, keyword);
    size_t o = ETL_EVENT_SIZE;
    o += put_item(rec + o, ETL_EXT_PROV_TRAITS, true, traits, sizeof traits);
    o += put_item(rec + o, ETL_EXT_EVENT_SCHEMA_TL, false, blob,
                  event_schema(kind, blob));
    return o;
}

static size_t put_string(uint8_t *p, mojo_str s, size_t max_units)
{
    size_t units = etl_utf8_to_utf16(s.ptr, s.len, p, max_units);
    etl_put16(p + 2 * units, 0);
    return 2 * units + 2;
}

size_t etl_encode_string(uint8_t *p, mojo_str s)
{
    return put_string(p, s, ETL_WR_MAX_UNITS);
}

/* IsPythonCode: 1 for Python code, 0 for C callables, as python-etwtrace
 * writes it; frames it cannot produce get 2 (kernel) and 3 (invalid) so
 * that they read back as what they were. */
static uint32_t is_python_code(mojo_frame_kind kind)
{
    switch (kind) {
    case MOJO_FRAME_PYTHON: return 1;
    case MOJO_FRAME_KERNEL: return 2;
    case MOJO_FRAME_INVALID: return 3;
    default: return 0;
    }
}

size_t etl_encode_function(uint8_t *p, uint64_t id, const mojo_frame *f)
{
    int64_t line = f->line;
    etl_put64(p, id);
    etl_put64(p + 8, 0);   /* no thunks: instrumented mode */
    etl_put64(p + 16, 0);
    etl_put32(p + 24, (uint32_t)(line >= 0 && line <= INT32_MAX ? line : -1));
    size_t o = 28;
    o += etl_encode_string(p + o, f->file);
    o += etl_encode_string(p + o, f->scope);
    etl_put32(p + o, is_python_code(f->kind));
    return o + 4;
}

/* Buffer header: size, payload end (Offset and SavedOffset), flush time,
 * sequence, CPU 0, type and flags. The rest of the buffer is 0xFF. */
void etl_encode_buffer_header(uint8_t *b, uint32_t size, size_t end,
                              uint64_t qpc, uint64_t seq, bool header)
{
    memset(b, 0, ETL_BUF_HEADER_SIZE);
    memset(b + end, 0xFF, size - end);
    etl_put32(b + ETL_BUF_SIZE, size);
    etl_put32(b + ETL_BUF_SAVED, (uint32_t)end);
    etl_put32(b + ETL_BUF_CURRENT, (uint32_t)end);
    etl_put64(b + ETL_BUF_TIMESTAMP, header ? 0 : qpc);
    etl_put64(b + ETL_BUF_SEQUENCE, seq);
    etl_put16(b + ETL_BUF_LOGGER, 0x20);
    etl_put32(b + ETL_BUF_STATE, header ? 0 : 3);
    etl_put32(b + ETL_BUF_OFFSET, (uint32_t)end);
    etl_put16(b + ETL_BUF_FLAGS, header ? 0x0001 : 0x0020);
    etl_put16(b + ETL_BUF_TYPE, header ? ETL_BUFFER_TYPE_HEADER : 0);
}

#define LOGGER_NAME "mojo-tools"
/* The logfile record before the log file name: system header, the fixed
 * part of TRACE_LOGFILE_HEADER, the logger name. */
#define LOGFILE_FIXED (ETL_SYSTEM_SIZE + ETL_LOG_FIXED64 + \
                       2 * (sizeof LOGGER_NAME - 1) + 2)

/* The first record: system header (hook 0) + TRACE_LOGFILE_HEADER. */
static size_t logfile_record(uint8_t *rec, uint32_t buffer_size,
                             uint32_t nbuffers, uint64_t end_ticks,
                             mojo_str file_name, size_t max_units)
{
    memset(rec, 0, ETL_SYSTEM_SIZE + ETL_LOG_FIXED64);
    etl_put16(rec, 2);  /* version */
    rec[2] = ETL_HDR_SYSTEM64;
    rec[3] = ETL_MARKER_FLAGS;
    etl_put64(rec + 16, ETL_WR_QPC_BASE);
    uint8_t *h = rec + ETL_SYSTEM_SIZE;
    etl_put32(h + 0, buffer_size);
    h[4] = 10; h[5] = 0; h[6] = 1; h[7] = 5;  /* Windows 10, layout 1.5 */
    etl_put32(h + 8, 19045);                   /* build */
    etl_put32(h + 12, 1);                      /* processors */
    etl_put64(h + 16, ETL_WR_START_TIME + end_ticks);
    etl_put32(h + 24, 156250);                 /* timer resolution */
    etl_put32(h + 32, 1);                      /* sequential file */
    etl_put32(h + 36, nbuffers);
    etl_put32(h + 40, 1);                      /* start buffers */
    etl_put32(h + 44, 8);                      /* pointer size */
    etl_put32(h + 52, 3000);                   /* CPU MHz */
    etl_put64(h + 248, ETL_WR_START_TIME - ETL_WR_QPC_BASE); /* boot */
    etl_put64(h + 256, ETL_WR_FREQ);
    etl_put64(h + 264, ETL_WR_START_TIME);
    etl_put32(h + 272, 1);                     /* clock: QPC */
    size_t o = ETL_SYSTEM_SIZE + ETL_LOG_FIXED64;
    o += put_string(rec + o, (mojo_str){LOGGER_NAME, sizeof LOGGER_NAME - 1},
                    ETL_WR_MAX_UNITS);
    o += put_string(rec + o, file_name, max_units);
    etl_put16(rec + 4, (uint16_t)o);
    return o;
}

void etl_encode_header_buffer(uint8_t *b, uint32_t size, uint32_t nbuffers,
                              uint64_t end_ticks, const char *file_name)
{
    /* The name is cut to what the buffer holds after the rest (buffer
     * sizes are multiples of 8, so the aligned record fits too). */
    size_t room = size - ETL_BUF_HEADER_SIZE - LOGFILE_FIXED - 2;
    size_t max_units = room / 2 < ETL_WR_MAX_UNITS ? room / 2 : ETL_WR_MAX_UNITS;
    mojo_str name = {file_name, strlen(file_name)};
    uint8_t *rec = b + ETL_BUF_HEADER_SIZE;
    size_t n = logfile_record(rec, size, nbuffers, end_ticks, name, max_units);
    size_t end = ETL_BUF_HEADER_SIZE + etl_align8(n);
    memset(rec + n, 0, etl_align8(n) - n);
    etl_encode_buffer_header(b, size, end, 0, 0, true);
}
