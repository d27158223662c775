/* Generate a large, realistic MOJO profile for benchmarks: a fixed call
 * tree of functions over many files, random walks through it per thread,
 * several processes and threads, Austin 3.7 layout (MOJO v3, wall mode).
 *
 * Usage: gen_mojo OUTPUT SAMPLES [SEED] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mojo.h"

#define NFUNCS 3000
#define NFILES 120
#define MAXDEPTH 48

static uint64_t rng = 88172645463325252ull;
static unsigned rnd(unsigned n)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (unsigned)(rng % n);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: %s OUTPUT SAMPLES [SEED]\n", argv[0]);
        return 2;
    }
    long nsamples = atol(argv[2]);
    if (argc > 3)
        rng += strtoull(argv[3], NULL, 10) * 0x9e3779b97f4a7c15ull;
    mojo_error err;
    mojo_writer *w = mojo_writer_open_path(argv[1], MOJO_FORMAT_MOJO, NULL, &err);
    if (!w) {
        fprintf(stderr, "%s\n", err.message);
        return 1;
    }
    mojo_frames *t = mojo_frames_new();
    static const mojo_frame *funcs[NFUNCS];
    static int children[NFUNCS][6];
    char file[128], scope[128];
    for (int i = 0; i < NFUNCS; i++) {
        int f = i % NFILES;
        snprintf(file, sizeof file, "/usr/lib/python3.11/site-packages/pkg%d/module_%d.py", f % 17, f);
        snprintf(scope, sizeof scope, "Class%d.method_%d", i % 97, i);
        int line = 10 + rnd(900);
        mojo_frame p = {.file = {file, strlen(file)}, .scope = {scope, strlen(scope)},
                        .line = line, .line_end = line + rnd(3),
                        .column = 5 + rnd(20), .column_end = 30 + rnd(40)};
        funcs[i] = mojo_frames_intern(t, &p);
        for (int c = 0; c < 6; c++)
            children[i][c] = (int)rnd(NFUNCS);
    }
    static const char *meta[][2] = {{"austin", "3.7.0"}, {"interval", "1000"}, {"mode", "wall"}};
    mojo_event ev;
    for (size_t i = 0; i < 3; i++) {
        ev.type = MOJO_EVENT_METADATA;
        ev.u.metadata.key = (mojo_str){meta[i][0], strlen(meta[i][0])};
        ev.u.metadata.value = (mojo_str){meta[i][1], strlen(meta[i][1])};
        mojo_writer_write(w, &ev);
    }
    const mojo_frame *stack[MAXDEPTH];
    long long total = 0;
    for (long s = 0; s < nsamples; s++) {
        unsigned th = rnd(8);
        /* a walk whose first levels depend on the thread: shared prefixes */
        int depth = 8 + (int)rnd(MAXDEPTH - 8), node = (int)th * 7;
        for (int d = 0; d < depth; d++) {
            stack[d] = funcs[node];
            node = children[node][d < 6 ? 0 : rnd(d < 12 ? 2 : 6)];
        }
        memset(&ev, 0, sizeof ev);
        ev.type = MOJO_EVENT_SAMPLE;
        ev.u.sample.pid = 4000 + th / 4;
        ev.u.sample.iid = 0;
        ev.u.sample.tid = 4000 + th;
        ev.u.sample.frames = stack;
        ev.u.sample.nframes = (size_t)depth;
        ev.u.sample.metrics = MOJO_METRIC_TIME;
        ev.u.sample.time = 900 + rnd(300);
        total += ev.u.sample.time;
        if (mojo_writer_write(w, &ev) != MOJO_OK)
            break;
    }
    char dur[32];
    snprintf(dur, sizeof dur, "%lld", total / 8);
    ev.type = MOJO_EVENT_METADATA;
    ev.u.metadata.key = (mojo_str){"duration", 8};
    ev.u.metadata.value = (mojo_str){dur, strlen(dur)};
    mojo_writer_write(w, &ev);
    int rc = mojo_writer_close(w, &err);
    if (rc != MOJO_OK)
        fprintf(stderr, "%s\n", err.message);
    mojo_frames_unref(t);
    return rc == MOJO_OK ? 0 : 1;
}
