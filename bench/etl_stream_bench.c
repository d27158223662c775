/* Speed of the streaming ETL writer (libmojo/etl_stream.c), run by hand:
 *
 *   make bench/etl_stream_bench
 *   bench/etl_stream_bench [--compress] [--sync] [EVENTS [OUT.etl]]
 *
 * Writes EVENTS (default 20 000 000) PythonFunctionPush events, then as
 * many PythonFunctionPop events, then EVENTS of calls and returns as a
 * program makes them (a random walk of the stack over 3000 functions, 4
 * threads taking turns), each run into OUT (default /dev/null, which
 * seeks and takes every byte: the encoding alone; give a file to count
 * the file system too). Prints ns per event and MB/s of ETL per run,
 * best of 3. The events are made before the clock starts; the clock stops
 * after the stream's close (and with --sync after fdatasync: the disk's
 * write-back counted too). --compress: XPRESS-compressed buffers; the
 * MB/s are then of the uncompressed events (the same figure as without,
 * for comparison) and the file's bytes per event are shown as well. */
#include "config.h" /* clock_gettime and friends */

#include <fcntl.h>
#include <string.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
#include "etl_stream.h"

enum { NFUNCS = 3000, MAXD = 40, NTHREADS = 4, REPEAT = 3 };

static bool compress, sync_file;

typedef struct op {
    uint64_t id, caller, line;
    uint32_t tid;
    int push;
} op;


/* Calls and returns: each thread's stack walks between 1 and MAXD. */
static op *make_walk(long n)
{
    op *ops = malloc((size_t)n * sizeof *ops);
    uint64_t stack[NTHREADS][MAXD];
    int depth[NTHREADS] = {0};
    int th = 0;
    for (long i = 0; i < n; i++) {
        if (next_random() % 64 == 0)
            th = (int)(next_random() % NTHREADS);  /* a thread switch */
        int d = depth[th];
        bool push = d == 0 || (d < MAXD && next_random() % 2);
        op *o = &ops[i];
        o->tid = 1000 + (uint32_t)th;
        o->push = push;
        if (push) {
            o->id = 1 + next_random() % NFUNCS;
            o->caller = d ? stack[th][d - 1] : 0;
            o->line = d ? 10 + next_random() % 500 : 0;
            stack[th][depth[th]++] = o->id;
        } else {
            o->id = stack[th][--depth[th]];
        }
    }
    return ops;
}

/* One run: 0 pushes, 1 pops, 2 the walk, compressed if packed. Seconds;
 * the stream's bytes before its close in *bytes. */
static double run(const char *out, int kind, const op *ops, long n,
                  bool packed, uint64_t *bytes)
{
    int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) {
        perror(out);
        exit(1);
    }
    mojo_error err;
    etl_stream *s = etl_stream_open(fd, out, &err);
    if (!s) {
        fprintf(stderr, "%s\n", err.message);
        exit(1);
    }
    etl_stream_set_compress(s, packed);
    mojo_frame f = {.kind = MOJO_FRAME_PYTHON, .line = 1};
    f.file = (mojo_str){"/srv/app/module.py", 18};
    f.scope = (mojo_str){"Handler.method", 14};
    for (uint64_t id = 1; id <= NFUNCS; id++)
        etl_stream_function(s, 0, 42, 1000, id, &f);
    uint64_t ticks = 0;
    int rc = MOJO_OK;
    double t0 = now();
    switch (kind) {
    case 0:
        for (long i = 0; i < n && rc == MOJO_OK; i++)
            rc = etl_stream_push(s, ticks += 3, 42, 1000, 1 + (uint64_t)i % NFUNCS,
                                 7, 12);
        break;
    case 1:
        for (long i = 0; i < n && rc == MOJO_OK; i++)
            rc = etl_stream_pop(s, ticks += 3, 42, 1000, 1 + (uint64_t)i % NFUNCS);
        break;
    default:
        for (long i = 0; i < n && rc == MOJO_OK; i++) {
            const op *o = &ops[i];
            rc = o->push ? etl_stream_push(s, ticks += 3, 42, o->tid, o->id,
                                           o->caller, o->line)
                         : etl_stream_pop(s, ticks += 3, 42, o->tid, o->id);
        }
        break;
    }
    *bytes = etl_stream_bytes(s);
    if (rc != MOJO_OK || etl_stream_close(s, ticks, &err) != MOJO_OK) {
        fprintf(stderr, "%s\n", err.message);
        exit(1);
    }
    if (sync_file && strcmp(out, "/dev/null") != 0 && fdatasync(fd) != 0)
        perror("fdatasync");
    double t = now() - t0;
    close(fd);
    return t;
}

int main(int argc, char **argv)
{
    const char *args[2] = {NULL, NULL};
    int nargs = 0;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--compress") == 0)
            compress = true;
        else if (strcmp(argv[i], "--sync") == 0)
            sync_file = true;
        else if (nargs < 2 && argv[i][0] != '-')
            args[nargs++] = argv[i];
        else
            nargs = 3;
    }
    long n = args[0] ? atol(args[0]) : 20000000;
    const char *out = args[1] ? args[1] : "/dev/null";
    if (n <= 0 || nargs > 2) {
        fprintf(stderr, "usage: %s [--compress] [--sync] [EVENTS [OUT.etl]]\n",
                argv[0]);
        return 2;
    }
    op *ops = make_walk(n);
    static const char *const names[] = {"push", "pop", "calls and returns"};
    printf("%ld events a run into %s%s%s, best of %d\n", n, out,
           compress ? ", compressed" : "", sync_file ? ", synced" : "",
           REPEAT);
    for (int kind = 0; kind < 3; kind++) {
        double best = 1e30;
        uint64_t bytes = 0, plain = 0;
        if (compress)  /* the size uncompressed, for MB/s and the ratio */
            run("/dev/null", kind, ops, n, false, &plain);
        for (int r = 0; r < REPEAT; r++) {
            double t = run(out, kind, ops, n, compress, &bytes);
            if (t < best)
                best = t;
        }
        if (!compress)
            plain = bytes;
        printf("%-18s %6.2f ns/event  %7.1f M events/s  %7.1f MB/s  "
               "(%.1f bytes/event", names[kind], best * 1e9 / (double)n,
               (double)n / best / 1e6, (double)plain / best / 1e6,
               (double)plain / (double)n);
        if (compress)
            printf("; compressed %.1f, %.1fx", (double)bytes / (double)n,
                   (double)plain / (double)bytes);
        printf(")\n");
    }
    free(ops);
    return 0;
}
