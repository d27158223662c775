/* Significance tests for comparing profiles (see diff_stats.h). */
#include "diff_stats.h"

#include <math.h>
#include <stdlib.h>

/* Terms below this fraction of the running sum no longer matter. */
#define TAIL_EPS 1e-17

double mojo_stat_norm_upper(double z)
{
    return 0.5 * erfc(z / sqrt(2.0));
}

static double lchoose(double a, double b)
{
    return lgamma(a + 1) - lgamma(b + 1) - lgamma(a - b + 1);
}

static double clamp01(double p)
{
    return p < 0 ? 0 : p > 1 ? 1 : p;
}

/* ------------------------------------------------------ hypergeometric */

static double hyper_logpmf(double x, double N, double K, double n)
{
    return lchoose(K, x) + lchoose(N - K, n - x) - lchoose(N, n);
}

/* Sum the pmf from x0 away from the mode (step +1 or -1) until the terms
 * no longer count. The pmf is unimodal, so once past the mode every
 * further term is smaller. */
static double hyper_tail(double x0, int step, double N, double K, double n,
                         double lo, double hi, double mode)
{
    double t = exp(hyper_logpmf(x0, N, K, n)), sum = 0;
    for (double x = x0; x >= lo && x <= hi; x += step) {
        sum += t;
        bool past = step > 0 ? x >= mode : x <= mode;
        if (t == 0 || (past && t < sum * TAIL_EPS))
            break;
        if (step > 0)
            t *= (K - x) * (n - x) / ((x + 1) * (N - K - n + x + 1));
        else
            t *= x * (N - K - n + x) / ((K - x + 1) * (n - x + 1));
    }
    return sum;
}

double mojo_stat_hyper_upper(uint64_t k, uint64_t N, uint64_t K, uint64_t n)
{
    if (K > N || n > N)
        return 1;
    double dN = (double)N, dK = (double)K, dn = (double)n, dk = (double)k;
    double lo = dn > dN - dK ? dn - (dN - dK) : 0;
    double hi = dK < dn ? dK : dn;
    if (dk <= lo)
        return 1;
    if (dk > hi)
        return 0;
    double mean = dn * dK / dN;
    double var = N > 1 ? mean * (1 - dK / dN) * (dN - dn) / (dN - 1) : 0;
    if (var > MOJO_STAT_EXACT_VARIANCE)
        return mojo_stat_norm_upper((dk - 0.5 - mean) / sqrt(var));
    double mode = floor((dn + 1) * (dK + 1) / (dN + 2));
    if (dk > mean)
        return clamp01(hyper_tail(dk, +1, dN, dK, dn, lo, hi, mode));
    return clamp01(1 - hyper_tail(dk - 1, -1, dN, dK, dn, lo, hi, mode));
}

double mojo_stat_two_prop_upper(uint64_t k1, uint64_t n1, uint64_t k2,
                                uint64_t n2)
{
    /* Given K = k1 + k2, the new profile's count is hypergeometric under
     * equal shares: that is Fisher's exact test, and its normal
     * approximation is the pooled two-proportion z-test. */
    if (k1 > n1 || k2 > n2 || n1 == 0 || n2 == 0)
        return 1;
    return mojo_stat_hyper_upper(k2, n1 + n2, k1 + k2, n2);
}

/* ------------------------------------------------------------ binomial */

static double binom_logpmf(double x, double n, double p)
{
    return lchoose(n, x) + x * log(p) + (n - x) * log1p(-p);
}

static double binom_tail(double x0, int step, double n, double p, double mode)
{
    double t = exp(binom_logpmf(x0, n, p)), sum = 0, odds = p / (1 - p);
    for (double x = x0; x >= 0 && x <= n; x += step) {
        sum += t;
        bool past = step > 0 ? x >= mode : x <= mode;
        if (t == 0 || (past && t < sum * TAIL_EPS))
            break;
        t *= step > 0 ? (n - x) / (x + 1) * odds : x / (n - x + 1) / odds;
    }
    return sum;
}

double mojo_stat_binom_upper(uint64_t k, uint64_t n, double p)
{
    if (k == 0)
        return 1;
    if (k > n || p <= 0)
        return 0;
    if (p >= 1)
        return 1;
    double dn = (double)n, dk = (double)k;
    double mean = dn * p, var = mean * (1 - p);
    if (var > MOJO_STAT_EXACT_VARIANCE)
        return mojo_stat_norm_upper((dk - 0.5 - mean) / sqrt(var));
    double mode = floor((dn + 1) * p);
    if (dk > mean)
        return clamp01(binom_tail(dk, +1, dn, p, mode));
    return clamp01(1 - binom_tail(dk - 1, -1, dn, p, mode));
}

/* ---------------------------------------------------------------- Holm */

typedef struct {
    double p;
    size_t i;
} ranked;

static int by_p(const void *a, const void *b)
{
    const ranked *x = a, *y = b;
    if (x->p != y->p)
        return x->p < y->p ? -1 : 1;
    return x->i < y->i ? -1 : x->i > y->i; /* stable, for reproducible output */
}

bool mojo_stat_holm(double *p, size_t m)
{
    if (m == 0)
        return true;
    ranked *r = malloc(m * sizeof *r);
    if (!r)
        return false;
    for (size_t i = 0; i < m; i++)
        r[i] = (ranked){p[i], i};
    qsort(r, m, sizeof *r, by_p);
    /* The j-th smallest is multiplied by m - j; adjusted values are made
     * monotone so that rejection stops at the first failure. */
    double running = 0;
    for (size_t j = 0; j < m; j++) {
        double adj = clamp01((double)(m - j) * r[j].p);
        if (adj < running)
            adj = running;
        running = adj;
        p[r[j].i] = adj;
    }
    free(r);
    return true;
}
