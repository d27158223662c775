/* Significance tests for comparing profiles (see docs/mojodiff.md).
 *
 * Every test is one-sided and conditional on the margins. Tails are summed
 * exactly: the sum stops once its terms no longer count, which takes a few
 * standard deviations' worth of terms, so even a million samples cost
 * little. Only beyond MOJO_STAT_EXACT_VARIANCE does a continuity-corrected
 * normal approximation take over; with a standard deviation above 1000 its
 * error in the tail is a few percent of the p-value. */
#ifndef MOJO_DIFF_STATS_H
#define MOJO_DIFF_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* Up to this variance of the count the exact tail is summed. */
#define MOJO_STAT_EXACT_VARIANCE 1e6

/* Two proportions: k1 of n1 in the base, k2 of n2 in the new profile.
 * The p-value of "the new share is larger" (one-sided Fisher's exact test;
 * the pooled z-test with continuity correction for large counts). */
MOJO_HIDDEN double mojo_stat_two_prop_upper(uint64_t k1, uint64_t n1,
                                            uint64_t k2, uint64_t n2);

/* P(X >= k) for X ~ Binomial(n, p). */
MOJO_HIDDEN double mojo_stat_binom_upper(uint64_t k, uint64_t n, double p);

/* P(X >= k) for X ~ Hypergeometric(population N, K successes, n draws). */
MOJO_HIDDEN double mojo_stat_hyper_upper(uint64_t k, uint64_t N, uint64_t K,
                                         uint64_t n);

/* The standard normal upper tail, P(Z >= z). */
MOJO_HIDDEN double mojo_stat_norm_upper(double z);

/* Holm's step-down adjustment of m p-values (in place): a hypothesis is
 * rejected at family-wise level alpha exactly when its adjusted p-value is
 * at most alpha. Returns false when out of memory. */
MOJO_HIDDEN bool mojo_stat_holm(double *p, size_t m);

#endif
