/* The tracer's event clock; see stamp.h. */
#include "config.h"
#include "stamp.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifdef STAMP_HAVE_TSC
/* The kernel's own choice tells whether the TSC is trustworthy here
 * (invariant, in step across CPUs, not emulated by a hypervisor). */
static int kernel_uses_tsc(void)
{
    const char *env = getenv("MOJO_RECORD_TSC");
    if (env && strcmp(env, "0") == 0)
        return 0;
    FILE *f = fopen("/sys/devices/system/clocksource/clocksource0/current_clocksource", "r");
    if (!f)
        return 0;
    char name[32] = "";
    int ok = fgets(name, sizeof name, f) && strcmp(name, "tsc\n") == 0;
    fclose(f);
    return ok;
}

/* The counter and the clock at one moment: the counter read on both
 * sides of the clock, the middle taken. */
static void pair(uint64_t *count, int64_t *ns)
{
    uint64_t a = __rdtsc();
    *ns = stamp_monotonic_ns();
    uint64_t b = __rdtsc();
    *count = a + (b - a) / 2;
}
#endif

void stamp_start(stamp_clock *c)
{
    memset(c, 0, sizeof *c);
    c->ns_per_count = 1.0;
#ifdef STAMP_HAVE_TSC
    if (kernel_uses_tsc()) {
        c->tsc = 1;
        pair(&c->count0, &c->ns0);
        /* A first rate over 50 us, for a trace that ends at once. */
        uint64_t count;
        int64_t ns;
        do
            pair(&count, &ns);
        while (ns - c->ns0 < 50000);
        c->ns_per_count = (double)(ns - c->ns0) / (double)(count - c->count0);
        return;
    }
#endif
    c->ns0 = stamp_monotonic_ns();
    c->count0 = (uint64_t)c->ns0;
}

void stamp_calibrate(stamp_clock *c)
{
#ifdef STAMP_HAVE_TSC
    if (!c->tsc)
        return;
    uint64_t count;
    int64_t ns;
    pair(&count, &ns);
    /* Over less than a millisecond the reading's own jitter weighs too
     * much: keep the rate there is. */
    if (ns - c->ns0 >= 1000000 && count > c->count0)
        c->ns_per_count = (double)(ns - c->ns0) / (double)(count - c->count0);
#else
    (void)c;
#endif
}

uint64_t stamp_ticks(const stamp_clock *c, uint64_t stamp)
{
    if (stamp <= c->count0)
        return 0;
    double ns = (double)(stamp - c->count0) * c->ns_per_count;
    return (uint64_t)(ns / 100.0);
}
