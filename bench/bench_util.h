/* Small helpers the C benchmarks share: a fixed-seed xorshift generator
 * (the same synthetic data every run) and a monotonic clock in seconds. */
#ifndef MOJO_BENCH_UTIL_H
#define MOJO_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

static uint64_t bench_rng = 0x9E3779B97F4A7C15ull;

static inline uint32_t next_random(void)
{
    bench_rng ^= bench_rng << 13;
    bench_rng ^= bench_rng >> 7;
    bench_rng ^= bench_rng << 17;
    return (uint32_t)bench_rng;
}

static inline double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

#endif
