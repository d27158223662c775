/* The MOJO binary format: event ids and integer coding, shared by the
 * reader and the writer. */
#ifndef MOJO_FORMAT_H
#define MOJO_FORMAT_H

#include <stdint.h>

enum {
    MOJO_EV_RESERVED = 0,
    MOJO_EV_METADATA = 1,
    MOJO_EV_STACK = 2,
    MOJO_EV_FRAME = 3,
    MOJO_EV_FRAME_INVALID = 4,
    MOJO_EV_FRAME_REF = 5,
    MOJO_EV_FRAME_KERNEL = 6,
    MOJO_EV_GC = 7,
    MOJO_EV_IDLE = 8,
    MOJO_EV_METRIC_TIME = 9,
    MOJO_EV_METRIC_MEMORY = 10,
    MOJO_EV_STRING = 11,
    MOJO_EV_STRING_REF = 12,
    MOJO_EV_STACK_REPEAT = 13,
    MOJO_EV_MAX = 13
};

#define MOJO_FORMAT_MAX_VERSION 4
/* A sign-magnitude varint of a 64-bit magnitude takes at most 10 bytes. */
#define MOJO_VARINT_MAX 10

/* Encode v; returns the number of bytes written to out (>= MOJO_VARINT_MAX). */
static inline int mojo_varint_encode(uint8_t *out, int64_t v)
{
    uint64_t m = v < 0 ? (uint64_t)0 - (uint64_t)v : (uint64_t)v;
    uint8_t b = (uint8_t)(m & 0x3f);
    if (v < 0)
        b |= 0x40;
    m >>= 6;
    int n = 0;
    if (m)
        b |= 0x80;
    out[n++] = b;
    while (m) {
        b = (uint8_t)(m & 0x7f);
        m >>= 7;
        if (m)
            b |= 0x80;
        out[n++] = b;
    }
    return n;
}

/* Encode an unsigned magnitude (frame keys may use all 64 bits). */
static inline int mojo_varint_encode_u(uint8_t *out, uint64_t m)
{
    uint8_t b = (uint8_t)(m & 0x3f);
    m >>= 6;
    int n = 0;
    if (m)
        b |= 0x80;
    out[n++] = b;
    while (m) {
        b = (uint8_t)(m & 0x7f);
        m >>= 7;
        if (m)
            b |= 0x80;
        out[n++] = b;
    }
    return n;
}

#endif
