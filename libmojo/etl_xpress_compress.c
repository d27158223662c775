/* XPRESS "plain LZ77" compression ([MS-XCA] 2.3), the inverse of
 * etl_xpress.c: groups of 32 items behind a 32-bit flag word (bit set: a
 * match), literals as themselves, matches as (distance-1) << 3 | length-3
 * with lengths from 7 on continued in a nibble shared by two matches, then
 * a byte, a u16 or a u32. Distances go up to 8192.
 *
 * No match search: the caller names the bytes each record repeats (see
 * etl_xpress.h). On a buffer of calls and returns this codes ~180-byte
 * records in a few items each, at a fraction of a hash matcher's cost. */
#include "etl_xpress.h"
#include "etl_format.h"

#include <string.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

typedef etl_xpress_enc lz_out;

/* Close the full flag word and reserve the next (room checked before). */
static inline void next_word(lz_out *z)
{
    etl_put32(z->out + z->flag_at, z->flags);
    z->flag_at = z->op;
    z->op += 4;
    z->flags = 0;
    z->nflags = 0;
}

static bool put_literals(lz_out *z, const uint8_t *p, size_t run)
{
    while (run > 0) {
        size_t k = 32 - z->nflags;
        if (k > run)
            k = run;
        size_t next = z->nflags + k == 32 ? 4 : 0;  /* the next flag word */
        if (z->cap - z->op < k + next)
            return false;
        memcpy(z->out + z->op, p, k);
        z->op += k;
        p += k;
        run -= k;
        z->flags = (uint32_t)((uint64_t)z->flags << k);  /* zero bits */
        z->nflags += (unsigned)k;
        if (z->nflags == 32)
            next_word(z);
    }
    return true;
}

static bool put_match(lz_out *z, size_t dist, size_t len)
{
    size_t m = len - 3;
    /* The bytes it takes, exactly: a match near the end of the room may
     * still fit. */
    size_t need = 2 + (z->nflags == 31 ? 4 : 0);
    if (m >= 7) {
        size_t rest = m - 7;
        need += (z->half ? 0 : 1) +
                (rest < 15 ? 0 : rest - 15 < 255 ? 1 : m < 65536 ? 3 : 7);
    }
    if (z->cap - z->op < need)
        return false;
    uint8_t *o = z->out;
    uint16_t token = (uint16_t)((dist - 1) << 3);
    if (m < 7) {
        etl_put16(o + z->op, (uint16_t)(token | m));
        z->op += 2;
    } else {
        etl_put16(o + z->op, (uint16_t)(token | 7));
        z->op += 2;
        size_t rest = m - 7;
        unsigned nibble = rest < 15 ? (unsigned)rest : 15;
        if (z->half) {
            o[z->half] |= (uint8_t)(nibble << 4);
            z->half = 0;
        } else {
            z->half = z->op;
            o[z->op++] = (uint8_t)nibble;
        }
        if (rest >= 15) {
            rest -= 15;
            if (rest < 255) {
                o[z->op++] = (uint8_t)rest;
            } else {  /* the whole length - 3 from here on */
                o[z->op++] = 255;
                if (m < 65536) {
                    etl_put16(o + z->op, (uint16_t)m);
                    z->op += 2;
                } else {
                    etl_put16(o + z->op, 0);
                    etl_put32(o + z->op + 2, (uint32_t)m);
                    z->op += 6;
                }
            }
        }
    }
    z->flags = z->flags << 1 | 1;
    if (++z->nflags == 32)
        next_word(z);
    return true;
}


void etl_xpress_begin(etl_xpress_enc *z, uint8_t *dst, size_t cap)
{
    *z = (etl_xpress_enc){.out = dst, .op = 4, .cap = cap, .full = cap < 4};
}

void etl_xpress_literals(etl_xpress_enc *z, const uint8_t *p, size_t n)
{
    if (!z->full && !put_literals(z, p, n))
        z->full = true;
}

/* Equality of p[k] and p[k - dist], a bit per byte, for 64 bytes (fewer
 * when n < 64: the rest of the bits are 0). Reads nothing past p + n. */
static inline uint64_t equal_bits(const uint8_t *p, size_t n, size_t dist)
{
    uint64_t m = 0;
    size_t k = 0;
#ifdef __SSE2__
    for (; k + 16 <= n; k += 16) {
        __m128i x = _mm_loadu_si128((const __m128i *)(p + k));
        __m128i y = _mm_loadu_si128((const __m128i *)(p + k - dist));
        m |= (uint64_t)(uint16_t)_mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) << k;
    }
    if (k + 8 <= n) {  /* records are multiples of 8 bytes */
        __m128i x = _mm_loadl_epi64((const __m128i *)(p + k));
        __m128i y = _mm_loadl_epi64((const __m128i *)(p + k - dist));
        m |= (uint64_t)(_mm_movemask_epi8(_mm_cmpeq_epi8(x, y)) & 0xff) << k;
        k += 8;
    }
#endif
    for (; k < n; k++)
        m |= (uint64_t)(p[k] == p[k - dist]) << k;
    return m;
}

/* Bits of [from, to) within the 64 from base, set. */
static inline uint64_t range_bits(size_t base, size_t from, size_t to)
{
    if (to <= base)
        return 0;
    size_t lo = from > base ? from - base : 0;
    size_t hi = to - base < 64 ? to - base : 64;
    if (lo >= hi)
        return 0;
    uint64_t upto = hi == 64 ? ~0ull : (1ull << hi) - 1;
    return upto & ~((1ull << lo) - 1);
}

void etl_xpress_repeat(etl_xpress_enc *z, const uint8_t *p, size_t n,
                       size_t dist, size_t same_from, size_t same_to)
{
    if (dist == 0 || dist > ETL_XPRESS_MAX_DIST) {
        etl_xpress_literals(z, p, n);
        return;
    }
    if (z->full)
        return;
    /* Per 64 bytes, a mask of the bytes equal to the ones dist before
     * (the known ones not compared), then its runs of 1s: those of 3 or
     * more are matches, the rest literals. A run across windows goes on.
     * Overlapping runs (dist < n) are fine: the decoder copies byte by
     * byte, so what it copies equals what was compared here. */
    size_t lit = 0;             /* the pending literals start here */
    size_t run = 0;             /* the open run of equal bytes starts here */
    bool in_run = false;
    for (size_t base = 0; base < n; base += 64) {
        size_t w = n - base < 64 ? n - base : 64;
        uint64_t known = range_bits(base, same_from, same_to);
        uint64_t all = w == 64 ? ~0ull : (1ull << w) - 1;
        uint64_t eq = known == all ? all
                                   : known | equal_bits(p + base, w, dist);
        size_t k = 0;
        while (k < w) {
            uint64_t rest = eq >> k;  /* k < 64 */
            if (in_run) {           /* the run goes on to the next 0 */
                size_t len = ~rest ? (size_t)__builtin_ctzll(~rest) : 64 - k;
                if (k + len > w)
                    len = w - k;
                k += len;
                if (k == w && base + w < n)
                    break;          /* into the next window */
                in_run = false;
                size_t at = run, end = base + k;
                if (end - at >= 3) {
                    if (!put_literals(z, p + lit, at - lit) ||
                        !put_match(z, dist, end - at))
                        goto no_room;
                    lit = end;
                }
            } else {                /* skip to the next 1 */
                if (!rest)
                    break;
                k += (size_t)__builtin_ctzll(rest);
                in_run = true;
                run = base + k;
            }
        }
    }
    if (put_literals(z, p + lit, n - lit))
        return;
no_room:
    z->full = true;
}

size_t etl_xpress_end(etl_xpress_enc *z)
{
    if (z->full)
        return 0;
    /* The unused flag bits are set ([MS-XCA] 2.3.4): no more literals. */
    unsigned free_bits = 32 - z->nflags;
    uint64_t last = (uint64_t)z->flags << free_bits | ((1ull << free_bits) - 1);
    etl_put32(z->out + z->flag_at, (uint32_t)last);
    return z->op;
}
