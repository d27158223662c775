/* Helper of bench/etl.sh, on libmojo's public API only.
 *
 *   etl_bench gen OUT.etl SAMPLES [THREADS]
 *       write a synthetic instrumented profile through the ETL writer:
 *       random call stacks (depth 3 to 40 over 3000 functions) that change
 *       a few frames from one sample to the next, as real code does
 *   etl_bench read FILE [REPEAT] [--python-only]
 *       read FILE through mojo_reader_next REPEAT times and print bytes,
 *       samples, frames, the best time and MB/s (file bytes per second)
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "mojo.h"

#include "bench_util.h"

static int gen(const char *out, long nsamples, int nthreads)
{
    enum { NFUNCS = 3000, MAXD = 40 };
    mojo_error err;
    mojo_frames *t = mojo_frames_new();
    static const mojo_frame *funcs[NFUNCS];
    for (int i = 0; i < NFUNCS; i++) {
        char file[64], name[64];
        int nf = snprintf(file, sizeof file, "/srv/app/module%03d.py", i / 30);
        int nn = snprintf(name, sizeof name, "Handler%d.method_%d", i % 97, i);
        mojo_frame p = {.kind = MOJO_FRAME_PYTHON, .line = 10 + i % 500};
        p.file = (mojo_str){file, (size_t)nf};
        p.scope = (mojo_str){name, (size_t)nn};
        funcs[i] = mojo_frames_intern(t, &p);
    }
    mojo_writer *w = mojo_writer_open_path(out, MOJO_FORMAT_ETL, NULL, &err);
    if (!w) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    const mojo_frame *stack[64][MAXD];
    size_t depth[64] = {0};
    for (long s = 0; s < nsamples; s++) {
        int th = (int)(next_random() % (unsigned)nthreads);
        size_t d = depth[th];
        /* keep an outer part, then call a few new functions */
        size_t keep = d ? next_random() % d : 0;
        size_t nd = keep + 1 + next_random() % 4;
        if (nd < 3)
            nd = 3;
        if (nd > MAXD)
            nd = MAXD;
        for (size_t k = keep; k < nd; k++)
            stack[th][k] = funcs[next_random() % NFUNCS];
        depth[th] = nd;
        mojo_event ev = {.type = MOJO_EVENT_SAMPLE};
        ev.u.sample.pid = 4321;
        ev.u.sample.iid = -1;
        ev.u.sample.tid = 1000 + (uint64_t)th;
        ev.u.sample.frames = stack[th];
        ev.u.sample.nframes = nd;
        ev.u.sample.metrics = MOJO_METRIC_TIME;
        ev.u.sample.time = 10 + next_random() % 990;
        ev.u.sample.timestamp = -1;
        if (mojo_writer_write(w, &ev) != MOJO_OK) {
            fprintf(stderr, "%s\n", mojo_writer_error(w)->message);
            return 1;
        }
    }
    if (mojo_writer_close(w, &err) != MOJO_OK) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    mojo_frames_unref(t);
    return 0;
}

static int read_file(const char *path, int repeat, int python_only)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        perror(path);
        return 1;
    }
    double best = 1e30;
    long samples = 0, frames = 0;
    for (int i = 0; i < repeat; i++) {
        double t0 = now();
        mojo_error err;
        mojo_reader *r = mojo_reader_open_path(path, NULL, &err);
        if (!r) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        mojo_etl_options o = {0, python_only};
        if (mojo_reader_set_etl_options(r, &o, &err) != MOJO_OK) {
            fprintf(stderr, "%s\n", err.message);
            return 1;
        }
        mojo_event ev;
        int rc;
        samples = frames = 0;
        while ((rc = mojo_reader_next(r, &ev)) == MOJO_OK)
            if (ev.type == MOJO_EVENT_SAMPLE) {
                samples++;
                frames += (long)ev.u.sample.nframes;
            }
        if (rc == MOJO_ERROR) {
            fprintf(stderr, "%s\n", mojo_reader_error(r)->message);
            return 1;
        }
        mojo_reader_close(r);
        double t = now() - t0;
        if (t < best)
            best = t;
    }
    printf("%s: %.1f MB, %ld samples, %ld frames, best of %d: %.3f s, "
           "%.0f MB/s\n", path, (double)st.st_size / 1e6, samples, frames,
           repeat, best, (double)st.st_size / 1e6 / best);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc >= 4 && strcmp(argv[1], "gen") == 0)
        return gen(argv[2], atol(argv[3]), argc > 4 ? atoi(argv[4]) : 4);
    if (argc >= 3 && strcmp(argv[1], "read") == 0)
        return read_file(argv[2], argc > 3 ? atoi(argv[3]) : 3,
                         argc > 4 && strcmp(argv[4], "--python-only") == 0);
    fprintf(stderr, "usage: %s gen OUT.etl SAMPLES [THREADS] | "
                    "read FILE [REPEAT] [--python-only]\n", argv[0]);
    return 2;
}
