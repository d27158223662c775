/* XPRESS "plain LZ77" decompression ([MS-XCA] 2.3-2.4), the format of
 * compressed ETL buffers (compression format 3).
 *
 * The stream is groups of 32 items led by a 32-bit flag word read from its
 * high bit down: 0 = one literal byte, 1 = a match of two bytes
 * (offset-1) << 3 | length. A length of 7 continues in a shared nibble
 * (two matches use the low then the high half of one byte), 15 there in a
 * whole byte, 255 there in a u16 and 0 there in a u32, each holding the
 * full length beyond that point. Matches may overlap their output. */
#include "etl_format.h"

static unsigned count_leading_zeros(uint32_t v)  /* v != 0 */
{
#if defined(__GNUC__)
    return (unsigned)__builtin_clz(v);
#else
    unsigned n = 0;
    while (!(v & 0x80000000u)) {
        v <<= 1;
        n++;
    }
    return n;
#endif
}

/* part: stop at want bytes even inside a match (a prefix of the output). */
static int inflate(const uint8_t *src, size_t n, uint8_t *dst, size_t want,
                   bool part)
{
    size_t in = 0, out = 0;
    uint32_t flags = 0;
    unsigned nflags = 0;
    size_t half = 0;     /* index of a byte whose high nibble is pending */
    bool have_half = false;

    while (out < want) {
        if (nflags == 0) {
            if (n - in < 4)
                return -1;
            flags = etl_u32(src + in);
            in += 4;
            nflags = 32;
        }
        if (!((flags >> (nflags - 1)) & 1)) {
            /* a run of literals: as many as the flag word's leading zeros */
            uint32_t rest = nflags == 32 ? flags : flags << (32 - nflags);
            size_t run = rest ? (size_t)count_leading_zeros(rest) : nflags;
            if (run > want - out)
                run = want - out;
            if (run > n - in)
                return -1;
            memcpy(dst + out, src + in, run);
            out += run;
            in += run;
            nflags -= (unsigned)run;
            continue;
        }
        nflags--;
        if (n - in < 2)
            return -1;
        unsigned m = etl_u16(src + in);
        in += 2;
        size_t dist = (m >> 3) + 1;
        size_t len = m & 7;
        if (len == 7) {
            if (!have_half) {
                if (in >= n)
                    return -1;
                half = in++;
                len = src[half] & 15;
                have_half = true;
            } else {
                len = src[half] >> 4;
                have_half = false;
            }
            if (len == 15) {
                if (in >= n)
                    return -1;
                len = src[in++];
                if (len == 255) {
                    if (n - in < 2)
                        return -1;
                    len = etl_u16(src + in);
                    in += 2;
                    if (len == 0) {
                        if (n - in < 4)
                            return -1;
                        len = etl_u32(src + in);
                        in += 4;
                    }
                    if (len < 15 + 7)
                        return -1;
                    len -= 15 + 7;
                }
                len += 15;
            }
            len += 7;
        }
        len += 3;
        if (part && len > want - out)
            len = want - out;
        if (dist > out || len > want - out)
            return -1;
        const uint8_t *from = dst + out - dist;
        uint8_t *to = dst + out;
        size_t i = 0;
        if (dist >= len) {
            memcpy(to, from, len);
            i = len;
        } else if (dist >= 8) {  /* overlapping: 8 bytes per step is safe */
            for (; i + 8 <= len; i += 8)
                memcpy(to + i, from + i, 8);
        }
        for (; i < len; i++)  /* the tail, or a short-distance overlap */
            to[i] = from[i];
        out += len;
    }
    return 0;
}

int etl_xpress_decompress(const uint8_t *src, size_t n, uint8_t *dst,
                          size_t want)
{
    return inflate(src, n, dst, want, false);
}

int etl_xpress_decompress_prefix(const uint8_t *src, size_t n, uint8_t *dst,
                                 size_t want)
{
    return inflate(src, n, dst, want, true);
}
