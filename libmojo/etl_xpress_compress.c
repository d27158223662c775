/* XPRESS "plain LZ77" compression ([MS-XCA] 2.3), the inverse of
 * etl_xpress.c: groups of 32 items behind a 32-bit flag word (bit set: a
 * match), literals as themselves, matches as (distance-1) << 3 | length-3
 * with lengths from 7 on continued in a nibble shared by two matches, then
 * a byte, a u16 or a u32. Distances go up to 8192.
 *
 * The matcher is greedy with one hash table of 4-byte prefixes and no
 * chains: each position is looked up once, and a miss skips further the
 * longer the literals run (incompressible data goes by fast). ETL buffers
 * repeat each record's head from the record before, which this finds. */
#include "etl_xpress.h"
#include "etl_format.h"

#include <string.h>

#define HASH_BITS 13
#define MAX_DIST 8192u

typedef struct lz_out {
    uint8_t *out;
    size_t op, cap;
    size_t flag_at;   /* where the current flag word goes */
    uint32_t flags;
    unsigned nflags;  /* items behind the current flag word */
    size_t half;      /* a byte whose high nibble is free; 0: none */
} lz_out;

static inline uint32_t load32(const uint8_t *p)
{
    uint32_t v;
    memcpy(&v, p, 4);  /* native order: only compared and hashed */
    return v;
}

static inline uint32_t hash4(uint32_t v)
{
    return (v * 2654435761u) >> (32 - HASH_BITS);
}

/* Bytes a[0..] equal to b[0..] before end (b comes before a). */
static inline size_t common(const uint8_t *a, const uint8_t *b,
                            const uint8_t *end)
{
    const uint8_t *start = a;
#if defined(__GNUC__) && defined(__BYTE_ORDER__) && \
    __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (end - a >= 8) {
        uint64_t x, y;
        memcpy(&x, a, 8);
        memcpy(&y, b, 8);
        if (x != y)
            return (size_t)(a - start) +
                   (unsigned)__builtin_ctzll(x ^ y) / 8;
        a += 8;
        b += 8;
    }
#endif
    while (a < end && *a == *b) {
        a++;
        b++;
    }
    return (size_t)(a - start);
}

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

size_t etl_xpress_compress(const uint8_t *src, size_t n, uint8_t *dst,
                           size_t cap)
{
    if (cap < 4 || n > UINT32_MAX)  /* positions are kept in 32 bits */
        return 0;
    lz_out z = {.out = dst, .op = 4, .cap = cap};
    uint32_t table[1u << HASH_BITS];
    memset(table, 0, sizeof table);
    size_t ip = 0, anchor = 0;
    while (n >= 4 && ip <= n - 4) {
        uint32_t seq = load32(src + ip);
        uint32_t *slot = &table[hash4(seq)];
        size_t ref = *slot;
        *slot = (uint32_t)ip;
        if (ref < ip && ip - ref <= MAX_DIST && load32(src + ref) == seq) {
            size_t len = 4 + common(src + ip + 4, src + ref + 4, src + n);
            if (!put_literals(&z, src + anchor, ip - anchor) ||
                !put_match(&z, ip - ref, len))
                return 0;
            ip += len;
            anchor = ip;
            if (ip <= n - 2)  /* helps the next record's head match */
                table[hash4(load32(src + ip - 2))] = (uint32_t)(ip - 2);
            continue;
        }
        ip += 1 + ((ip - anchor) >> 6);
    }
    if (!put_literals(&z, src + anchor, n - anchor))
        return 0;
    /* The unused flag bits are set ([MS-XCA] 2.3.4): no more literals. */
    unsigned free_bits = 32 - z.nflags;
    uint64_t last = (uint64_t)z.flags << free_bits | ((1ull << free_bits) - 1);
    etl_put32(z.out + z.flag_at, (uint32_t)last);
    return z.op;
}
