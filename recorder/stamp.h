/* Event times for the tracer. A stamp is taken per call and per return on
 * the program's thread, so it must cost as little as the machine allows:
 * where the kernel keeps time with the TSC itself (an invariant counter),
 * a stamp is the bare counter (about 10 ns, where clock_gettime takes 25
 * on the machines measured), and the writer thread turns stamps into 100
 * ns ticks, the counter's rate measured against CLOCK_MONOTONIC over the
 * trace so far. Elsewhere, or with MOJO_RECORD_TSC=0 in the environment,
 * a stamp is CLOCK_MONOTONIC's nanoseconds. */
#ifndef RECORDER_STAMP_H
#define RECORDER_STAMP_H

#include <stdint.h>
#include <time.h>
#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>
#define STAMP_HAVE_TSC 1
#endif

typedef struct stamp_clock {
    int tsc;                /* stamps are TSC counts */
    uint64_t count0;        /* the start, as a stamp */
    int64_t ns0;            /* and on CLOCK_MONOTONIC */
    double ns_per_count;    /* the rate so far (the writer's) */
} stamp_clock;

static inline int64_t stamp_monotonic_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static inline uint64_t stamp_now(const stamp_clock *c)
{
#ifdef STAMP_HAVE_TSC
    if (c->tsc)
        return __rdtsc();
#endif
    (void)c;
    return (uint64_t)stamp_monotonic_ns();
}

/* Choose the clock and take the start. */
void stamp_start(stamp_clock *c);
/* Measure the rate again, on the thread that converts (the longer the
 * trace so far, the closer). */
void stamp_calibrate(stamp_clock *c);
/* 100 ns ticks since the start for a stamp taken after it. */
uint64_t stamp_ticks(const stamp_clock *c, uint64_t stamp);

#endif
