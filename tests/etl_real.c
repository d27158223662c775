/* The real Windows captures of ../shared/testdata/etl: every file reads to
 * the end without error, and what the reader decodes agrees with PerfView
 * (TraceEvent) where its expected outputs exist: event counts per event
 * (names mapped to the ids and kernel hooks they stand for, counts taken
 * from the baseline files themselves) and the TraceLogging values of
 * primitive-types. Record totals agree with ../shared/tools/etldump.py.
 * Without ../shared the suite is skipped. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mojo.h"
#include "etl_format.h"
#include "etl_tracelogging.h"
#include "testutil.h"

static const char *shared_etl(const char *name)
{
    return tu_path(tu_path(tu_shared(), "etl"), name);
}

static void load(etl_file *f, const char *name)
{
    size_t n;
    char *b = tu_slurp(shared_etl(name), &n);
    ck_assert_msg(b != NULL, "cannot read %s", name);
    mojo_error e;
    ck_assert_msg(etl_file_load(f, name, (uint8_t *)b, n, &e) == MOJO_OK, "%s",
                  e.message);
    ck_assert_msg(!f->has_late_err, "%s", f->late_err.message);
}

/* --------------------------------------------------- whole files */

static const struct {
    const char *file;
    long records;   /* etldump.py --summary: "# events N" */
    long samples;   /* what the reader gives (kernel CPU samples, ...) */
} files[] = {
    {"etlparser_AMSITrace.etl", 21, 0},
    {"etlparser_ShutdownPerfDiagLogger.etl", 17078, 0},
    {"etlparser_lxcore_kernel.etl", 4, 0},
    {"perfview_SelfDescribingSingleEvent.etl", 23, 0},
    {"perfview_diaghub.kernel.1.etl", 16335, 0},
    {"perfview_gcevents_PerfViewData.etl", 71, 0},
    {"perfview_gcrundown_PerfViewData.clrRundown.etl", 112, 0},
    {"perfview_net.4.5.2.x64.etl", 179474, 79528},
    {"perfview_primitive-types.etl", 7, 0},
    {"perfview_smallEtlFile.etl", 2, 0},
    {"s4_SIH.20230422.034724.362.1.etl", 12, 0},
    {"s4_WindowsUpdate.20251008.140245.443.8.etl", 82, 0},
    {"s4_waasmedic.20251005_113019_195.etl", 21, 0},
    {"synthetic_python_etwtrace.etl", 33, 10},
};

/* Every record, every TraceLogging payload, then the samples. */
START_TEST(test_reads_whole_file)
{
    etl_file f;
    load(&f, files[_i].file);
    etl_merge m;
    etl_merge_init(&m, &f);
    etl_tl_cache *c = etl_tl_cache_new();
    const etl_record *r;
    const etl_buffer *b;
    long n = 0;
    int rc;
    etl_tl_value *v = malloc(ETL_TL_MAX_FIELDS * sizeof *v);
    while ((rc = etl_merge_next(&m, &r, &b)) == 1) {
        n++;
        if (r->kind != ETL_REC_EVENT)
            continue;
        etl_record rec = *r;
        etl_ext x;
        const char *why;
        ck_assert_int_eq(etl_record_ext(&rec, &x, &why), 0);
        if (!x.schema)
            continue;
        etl_tl_schema *s = etl_tl_cache_get(c, x.schema, x.schema_len, &why);
        ck_assert_msg(s != NULL, "%s: schema: %s", files[_i].file, why);
        ck_assert_msg(etl_tl_decode(s, rec.payload, rec.payload_len,
                                    rec.ptr_size, v) == 0,
                      "%s: payload of %s", files[_i].file, s->name);
        /* the fields take up the user data exactly: the extended items
         * before it were found by their linkage, not guessed */
        size_t end = 0;
        for (size_t k = 0; k < s->nfields; k++)
            if (v[k].present && v[k].p &&
                (size_t)(v[k].p - rec.payload) + v[k].len > end)
                end = (size_t)(v[k].p - rec.payload) + v[k].len;
        ck_assert_msg(end == rec.payload_len, "%s: %s: %zu of %u bytes",
                      files[_i].file, s->name, end, (unsigned)rec.payload_len);
    }
    ck_assert_int_eq(rc, 0);
    ck_assert_int_eq(n, files[_i].records);
    free(v);
    etl_tl_cache_free(c);
    etl_merge_free(&m);
    etl_file_free(&f);

    mojo_error err;
    mojo_reader *rd = mojo_reader_open_path(shared_etl(files[_i].file), NULL,
                                            &err);
    ck_assert_msg(rd != NULL, "%s", err.message);
    ck_assert_int_eq(mojo_reader_format(rd), MOJO_FORMAT_ETL);
    mojo_event ev;
    long samples = 0;
    while ((rc = mojo_reader_next(rd, &ev)) == MOJO_OK)
        samples += ev.type == MOJO_EVENT_SAMPLE;
    ck_assert_msg(rc == MOJO_END, "%s", mojo_reader_error(rd)->message);
    ck_assert_int_eq(samples, files[_i].samples);
    mojo_reader_close(rd);
}
END_TEST

/* ------------------------------------------------ PerfView's counts */

/* "COUNT <name>:<n>" of a baseline, or -1. */
static long baseline_count(const char *baseline, const char *name)
{
    size_t n;
    char *text = tu_slurp(tu_path(tu_path(tu_shared(), "etl/expected"), baseline), &n);
    ck_assert_ptr_nonnull(text);
    text = realloc(text, n + 1);
    text[n] = 0;
    char key[256];
    snprintf(key, sizeof key, "\nCOUNT %s:", name);
    char *at = strstr(text, key);
    long v = at ? strtol(at + strlen(key), NULL, 10) : -1;
    free(text);
    return v;
}

/* How many records of a kind: kernel hook, EVENT_HEADER (guid, id) or
 * classic (guid, opcode). */
typedef struct what {
    char kind;          /* 'K', 'E', 'C' */
    unsigned a, b;      /* group, opcode / -, id / -, opcode */
    const char *guid;
} what;

static long count_records(etl_file *f, const what *w)
{
    uint8_t g[16];
    if (w->guid)
        ck_assert(etl_guid_parse(w->guid, g));
    etl_merge m;
    etl_merge_init(&m, f);
    const etl_record *r;
    const etl_buffer *b;
    long n = 0;
    while (etl_merge_next(&m, &r, &b) == 1) {
        if (w->kind == 'K' && r->kind == ETL_REC_KERNEL)
            n += r->group == w->a && r->opcode == w->b;
        else if (w->kind == 'E' && r->kind == ETL_REC_EVENT)
            n += r->id == w->b && memcmp(r->guid, g, 16) == 0;
        else if (w->kind == 'C' && r->kind == ETL_REC_CLASSIC)
            n += r->opcode == w->b && memcmp(r->guid, g, 16) == 0;
    }
    etl_merge_free(&m);
    return n;
}

#define CLR "e13c0d23-ccbc-4e12-931b-d9cc2eee27e4"
#define CLR_RUNDOWN "a669021c-c450-4609-a035-5af59af4df18"
#define KERNEL_FILE "edd08927-9cc4-4e65-b970-c2560fb5c289"
#define IMAGE_ID "b3e675d7-2554-4f18-830b-2762732560de"

static const struct {
    const char *file, *baseline, *name;
    what w;
} counts[] = {
    /* Microsoft-Windows-DotNETRuntime: event ids of its manifest */
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/Start", {'E', 0, 1, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/Stop", {'E', 0, 2, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/RestartEEStop", {'E', 0, 3, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/HeapStats", {'E', 0, 4, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/CreateSegment", {'E', 0, 5, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/RestartEEStart", {'E', 0, 7, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/SuspendEEStop", {'E', 0, 8, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/SuspendEEStart", {'E', 0, 9, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/AllocationTick", {'E', 0, 10, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/FinalizersStop", {'E', 0, 13, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/FinalizersStart", {'E', 0, 14, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/FinalizeObject", {'E', 0, 29, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/PinObjectAtGCTime", {'E', 0, 33, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/Triggered", {'E', 0, 35, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/Runtime/Start", {'E', 0, 187, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/MarkWithType", {'E', 0, 202, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/PerHeapHistory", {'E', 0, 204, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/GlobalHeapHistory", {'E', 0, 205, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/LOHCompact", {'E', 0, 208, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/FitBucketInfo", {'E', 0, 209, CLR}},
    {"perfview_gcevents_PerfViewData.etl", "gcevents.baseline.txt", "Windows Kernel/EventTrace", {'K', 0, 0, NULL}},
    /* Microsoft-Windows-DotNETRuntimeRundown */
    {"perfview_gcrundown_PerfViewData.clrRundown.etl", "gcrundownevents.baseline.txt", "Microsoft-Windows-DotNETRuntimeRundown/GC/SettingsRundown", {'E', 0, 10, CLR_RUNDOWN}},
    {"perfview_gcrundown_PerfViewData.clrRundown.etl", "gcrundownevents.baseline.txt", "Microsoft-Windows-DotNETRuntimeRundown/Method/DCStopComplete", {'E', 0, 146, CLR_RUNDOWN}},
    {"perfview_gcrundown_PerfViewData.clrRundown.etl", "gcrundownevents.baseline.txt", "Microsoft-Windows-DotNETRuntimeRundown/Method/DCStopInit", {'E', 0, 148, CLR_RUNDOWN}},
    {"perfview_gcrundown_PerfViewData.clrRundown.etl", "gcrundownevents.baseline.txt", "Microsoft-Windows-DotNETRuntimeRundown/Loader/DomainModuleDCStop", {'E', 0, 152, CLR_RUNDOWN}},
    {"perfview_gcrundown_PerfViewData.clrRundown.etl", "gcrundownevents.baseline.txt", "Microsoft-Windows-DotNETRuntimeRundown/Loader/ModuleDCStop", {'E', 0, 154, CLR_RUNDOWN}},
    {"perfview_gcrundown_PerfViewData.clrRundown.etl", "gcrundownevents.baseline.txt", "Microsoft-Windows-DotNETRuntimeRundown/Loader/AssemblyDCStop", {'E', 0, 156, CLR_RUNDOWN}},
    {"perfview_gcrundown_PerfViewData.clrRundown.etl", "gcrundownevents.baseline.txt", "Microsoft-Windows-DotNETRuntimeRundown/Loader/AppDomainDCStop", {'E', 0, 158, CLR_RUNDOWN}},
    {"perfview_gcrundown_PerfViewData.clrRundown.etl", "gcrundownevents.baseline.txt", "Microsoft-Windows-DotNETRuntimeRundown/Runtime/Start", {'E', 0, 187, CLR_RUNDOWN}},
    {"perfview_gcrundown_PerfViewData.clrRundown.etl", "gcrundownevents.baseline.txt", "Microsoft-Windows-DotNETRuntimeRundown/TieredCompilationRundown/SettingsDCStart", {'E', 0, 280, CLR_RUNDOWN}},
    /* the merged kernel + user capture: kernel hooks (group, opcode) */
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/EventTrace/Extension", {'K', 0x00, 5, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/EventTrace/RundownComplete", {'K', 0x00, 8, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/EventTrace/EndExtension", {'K', 0x00, 32, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/DiskIO/Read", {'K', 0x01, 10, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/DiskIO/Write", {'K', 0x01, 11, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/DiskIO/ReadInit", {'K', 0x01, 12, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/DiskIO/WriteInit", {'K', 0x01, 13, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/DiskIO/FlushBuffers", {'K', 0x01, 14, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/DiskIO/FlushInit", {'K', 0x01, 15, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/Memory/HardFault", {'K', 0x02, 32, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/Process/Start", {'K', 0x03, 1, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/Process/Stop", {'K', 0x03, 2, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/Process/DCStart", {'K', 0x03, 3, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/Process/DCStop", {'K', 0x03, 4, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/Image/Load", {'K', 0x03, 10, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/Process/PerfCtr", {'K', 0x03, 32, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/Process/PerfCtrRundown", {'K', 0x03, 33, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/Process/Defunct", {'K', 0x03, 39, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/Thread/Start", {'K', 0x05, 1, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/Thread/Stop", {'K', 0x05, 2, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/TcpIp/SendIPV6", {'K', 0x06, 26, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/TcpIp/RecvIPV6", {'K', 0x06, 27, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/UdpIp/Send", {'K', 0x08, 10, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/UdpIp/Recv", {'K', 0x08, 11, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/UdpIp/SendIPV6", {'K', 0x08, 26, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/UdpIp/RecvIPV6", {'K', 0x08, 27, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/SystemConfig/NIC", {'K', 0x0B, 13, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/SystemConfig/Services", {'K', 0x0B, 15, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/SystemConfig/PnP", {'K', 0x0B, 22, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/SystemConfig/IDEChannel", {'K', 0x0B, 23, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/PerfInfo/CollectionStart", {'K', 0x0F, 73, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/PerfInfo/CollectionEnd", {'K', 0x0F, 74, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/Image/Unload", {'K', 0x14, 2, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/Image/DCStart", {'K', 0x14, 3, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Windows Kernel/Image/DCStop", {'K', 0x14, 4, NULL}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "KernelTraceControl/ImageID", {'C', 0, 0, IMAGE_ID}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "KernelTraceControl/ImageID/DbgID_RSDS", {'C', 0, 36, IMAGE_ID}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "KernelTraceControl/ImageID/FileVersion", {'C', 0, 64, IMAGE_ID}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Microsoft-Windows-Kernel-File/Create", {'E', 0, 12, KERNEL_FILE}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/Start", {'E', 0, 1, CLR}},
    {"perfview_net.4.5.2.x64.etl", "net.4.5.2.x64.baseline.txt", "Microsoft-Windows-DotNETRuntime/GC/AllocationTick", {'E', 0, 10, CLR}},
};

START_TEST(test_perfview_counts)
{
    etl_file f;
    load(&f, counts[_i].file);
    long want = baseline_count(counts[_i].baseline, counts[_i].name);
    ck_assert_msg(want >= 0, "no COUNT %s in %s", counts[_i].name,
                  counts[_i].baseline);
    long got = count_records(&f, &counts[_i].w);
    ck_assert_msg(got == want, "%s: %ld, PerfView %ld", counts[_i].name, got,
                  want);
    etl_file_free(&f);
}
END_TEST

/* ---------------------------------------- primitive-types' values */

/* The value of "key=" in a baseline line (up to "; "), into out. */
static bool field(const char *line, const char *key, char *out, size_t cap)
{
    char k[64];
    snprintf(k, sizeof k, " %s=", key);
    const char *at = strstr(line, k);
    if (!at)
        return false;
    at += strlen(k);
    const char *end = strstr(at, "; ");
    size_t n = end ? (size_t)(end - at) : strlen(at);
    if (n >= cap)
        n = cap - 1;
    memcpy(out, at, n);
    out[n] = 0;
    return true;
}

/* "2021-09-09T14:59:35.7990000Z" as PerfView prints it: "21/09/09 14:59:35.79" */
static void perfview_date(const char *iso, char *out)
{
    snprintf(out, 21, "%.2s/%.2s/%.2s %.8s.%.2s", iso + 2, iso + 5, iso + 8,
             iso + 11, iso + 20);
}

START_TEST(test_primitive_types_values)
{
    etl_file f;
    load(&f, "perfview_primitive-types.etl");
    size_t n;
    char *base = tu_slurp(tu_path(tu_path(tu_shared(), "etl/expected"),
                                  "primitive-types.baseline.txt"), &n);
    ck_assert_ptr_nonnull(base);
    base = realloc(base, n + 1);
    base[n] = 0;
    etl_merge m;
    etl_merge_init(&m, &f);
    etl_tl_cache *c = etl_tl_cache_new();
    etl_tl_value v[ETL_TL_MAX_FIELDS];
    const etl_record *r;
    const etl_buffer *b;
    const char *line = base;
    int events = 0;
    while (etl_merge_next(&m, &r, &b) == 1) {
        if (r->kind != ETL_REC_EVENT)
            continue;
        line = strstr(line, "solar_system/PrimitiveTypesTest");
        ck_assert_ptr_nonnull(line);
        const char *eol = strchr(line, '\n');
        char text[2048];
        snprintf(text, sizeof text, "%.*s", (int)(eol - line), line);
        line = eol;
        etl_record rec = *r;
        etl_ext x;
        const char *why;
        etl_record_ext(&rec, &x, &why);
        etl_tl_schema *s = etl_tl_cache_get(c, x.schema, x.schema_len, &why);
        ck_assert_str_eq(s->name, "PrimitiveTypesTest");
        ck_assert_int_eq(etl_tl_decode(s, rec.payload, rec.payload_len, 8, v), 0);
        char want[128], got[128];
        ck_assert(field(text, "PID", want, sizeof want));
        ck_assert_int_eq(atol(want), rec.pid);
        ck_assert(field(text, "TID", want, sizeof want));
        ck_assert_int_eq(atol(want), rec.tid);
        ck_assert(field(text, "DataLen", want, sizeof want));
        ck_assert_int_eq(atol(want), rec.payload_len);
        for (size_t i = 0; i < s->nfields; i++) {
            const etl_tl_field *fl = &s->fields[i];
            ck_assert_msg(field(text, fl->name, want, sizeof want), "%s", fl->name);
            etl_tl_format(fl, v[i].p, v[i].len, got, sizeof got);
            int64_t num;
            if (fl->in == ETL_TL_GUID) {
                got[20] = 0;  /* PerfView keeps 20 characters and "..." */
                ck_assert_int_eq(strncmp(want, got, 20), 0);
            } else if (fl->in == ETL_TL_FILETIME) {
                char pv[32];
                perfview_date(got, pv);
                ck_assert_int_eq(strncmp(want, pv, 20), 0);
            } else if (fl->in == ETL_TL_SYSTEMTIME) {
                /* PerfView prints the milliseconds of these SYSTEMTIMEs as
                 * .03 where the bytes say .799 (and etldump.py agrees with
                 * the bytes): compare to the second. */
                char pv[32];
                perfview_date(got, pv);
                ck_assert_int_eq(strncmp(want, pv, 17), 0);
            } else if (etl_tl_int(fl, &v[i], &num) &&
                       fl->out != ETL_TL_OUT_BOOLEAN) {
                /* int64_type is declared UINT64 yet PerfView prints it
                 * signed: compare the 64 bits */
                char *end;
                long long p = strtoll(want, &end, 10);
                ck_assert_int_eq(p, num);
            } else {
                ck_assert_str_eq(want, got);
            }
        }
        events++;
    }
    ck_assert_int_eq(events, 5);
    ck_assert_int_eq(baseline_count("primitive-types.baseline.txt",
                                    "solar_system/PrimitiveTypesTest"), events);
    free(base);
    etl_tl_cache_free(c);
    etl_merge_free(&m);
    etl_file_free(&f);
}
END_TEST

/* The timestamps PerfView prints (ms since the session start). */
START_TEST(test_primitive_types_times)
{
    const double perfview_ms[] = {2942.306, 3381.259, 3814.002, 4190.408, 4626.652};
    etl_file f;
    load(&f, "perfview_primitive-types.etl");
    etl_merge m;
    etl_merge_init(&m, &f);
    const etl_record *r;
    const etl_buffer *b;
    int k = 0;
    while (etl_merge_next(&m, &r, &b) == 1) {
        if (r->kind != ETL_REC_EVENT)
            continue;
        double ms = (double)etl_ts_to_us(&f.log, r->ts) / 1000.0;
        ck_assert_msg(ms > perfview_ms[k] - 0.002 && ms < perfview_ms[k] + 0.002,
                      "%f vs %f", ms, perfview_ms[k]);
        k++;
    }
    ck_assert_int_eq(k, 5);
    etl_merge_free(&m);
    etl_file_free(&f);
}
END_TEST

/* Manifest events: PerfView's DataLen (the user data after the extended
 * items), process, thread and time for each event it lists. */
START_TEST(test_gcevents_data_lengths)
{
    etl_file f;
    load(&f, "perfview_gcevents_PerfViewData.etl");
    uint8_t clr[16];
    etl_guid_parse(CLR, clr);
    size_t n;
    char *base = tu_slurp(tu_path(tu_path(tu_shared(), "etl/expected"),
                                  "gcevents.baseline.txt"), &n);
    ck_assert_ptr_nonnull(base);
    base = realloc(base, n + 1);
    base[n] = 0;
    int lines = 0;
    for (char *line = strtok(base, "\n"); line; line = strtok(NULL, "\n")) {
        if (strncmp(line, "EVENT ", 6) != 0 ||
            !strstr(line, " Microsoft-Windows-DotNETRuntime/"))
            continue;
        double ms = 0;  /* "8,184.674" */
        for (const char *c = line + 6; *c != ':'; c++)
            if (*c >= '0' && *c <= '9')
                ms = ms * 10 + (*c - '0');
        ms /= 1000;
        char pid[32], tid[32], len[32];
        ck_assert(field(line, "PID", pid, sizeof pid));
        ck_assert(field(line, "TID", tid, sizeof tid));
        ck_assert(field(line, "DataLen", len, sizeof len));
        etl_merge m;
        etl_merge_init(&m, &f);
        const etl_record *r;
        const etl_buffer *b;
        bool found = false;
        while (!found && etl_merge_next(&m, &r, &b) == 1) {
            double ours = (double)etl_ts_to_us(&f.log, r->ts) / 1000.0;
            found = r->kind == ETL_REC_EVENT && memcmp(r->guid, clr, 16) == 0 &&
                    ours > ms - 0.002 && ours < ms + 0.002 &&
                    r->pid == (uint32_t)atol(pid) && r->tid == (uint32_t)atol(tid) &&
                    r->payload_len == (uint32_t)atol(len);
        }
        etl_merge_free(&m);
        ck_assert_msg(found, "no record for: %.100s", line);
        lines++;
    }
    ck_assert_int_gt(lines, 40);
    free(base);
    etl_file_free(&f);
}
END_TEST

/* ------------------------------------------ the synthetic capture */

/* Its expected reading (synthetic_python_etwtrace.expected.md): kernel
 * samples of thread 1000 and the instrumented thread 1001. */
START_TEST(test_synthetic_python)
{
    mojo_error err;
    mojo_reader *r = mojo_reader_open_path(
        shared_etl("synthetic_python_etwtrace.etl"), NULL, &err);
    ck_assert_ptr_nonnull(r);
    mojo_etl_options o = {0, 1};
    mojo_reader_set_etl_options(r, &o, &err);
    mojo_event ev;
    char got[10][256];
    int n = 0;
    while (mojo_reader_next(r, &ev) == MOJO_OK) {
        if (ev.type != MOJO_EVENT_SAMPLE)
            continue;
        ck_assert_int_lt(n, 10);
        const mojo_sample *s = &ev.u.sample;
        int k = snprintf(got[n], sizeof got[n], "%llu@%lld:",
                         (unsigned long long)s->tid, (long long)s->timestamp);
        for (size_t i = 0; i < s->nframes; i++)
            k += snprintf(got[n] + k, sizeof got[n] - (size_t)k, "%s%s:%lld",
                          i ? ";" : "", s->frames[i]->scope.ptr,
                          (long long)s->frames[i]->line);
        n++;
    }
    ck_assert_ptr_null(mojo_reader_error(r));
    const char *want[10] = {
        /* QPC 5 000 060 000 ... at 10 MHz from 5 000 000 000: 6 ms ... */
        "1000@6000:<module>:1;a:3;b:6", "1000@7000:<module>:1;a:3;b:6",
        "1000@8000:<module>:1;a:3;b:6", "1000@9000:<module>:1;a:3",
        "1000@10000:<module>:1;a:3",
        /* push 1, 2 (caller line 9), 3 (caller line 4); pops */
        "1001@13000:<module>:1", "1001@14000:<module>:9;a:3",
        "1001@15000:<module>:9;a:4;b:6", "1001@17000:<module>:9;a:4",
        "1001@18000:<module>:9"};
    ck_assert_int_eq(n, 10);
    for (int i = 0; i < 10; i++)
        ck_assert_str_eq(got[i], want[i]);
    mojo_reader_close(r);
}
END_TEST

static Suite *real_suite(void)
{
    Suite *s = suite_create("etl real captures");
    TCase *tc = tcase_create("files");
    tcase_set_timeout(tc, 300);
    tcase_add_loop_test(tc, test_reads_whole_file, 0, sizeof files / sizeof *files);
    tcase_add_loop_test(tc, test_perfview_counts, 0, sizeof counts / sizeof *counts);
    tcase_add_test(tc, test_primitive_types_values);
    tcase_add_test(tc, test_primitive_types_times);
    tcase_add_test(tc, test_gcevents_data_lengths);
    tcase_add_test(tc, test_synthetic_python);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    if (!tu_shared()) {
        printf("1..0 # SKIP ../shared/testdata is absent\n");
        return 0;
    }
    SRunner *sr = srunner_create(real_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
