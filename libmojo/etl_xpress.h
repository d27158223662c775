/* XPRESS "plain LZ77" compression ([MS-XCA] 2.3), for compressed ETL
 * buffers; the decompressor is declared in etl_format.h. */
#ifndef MOJO_ETL_XPRESS_H
#define MOJO_ETL_XPRESS_H

#include <stddef.h>
#include <stdint.h>

#include "internal.h"

/* Compress src[0..n) into dst, at most cap bytes. Returns the compressed
 * size, or 0 when it would not fit in cap (the caller then stores the
 * data as is). Greedy, one hash table of 4-byte prefixes: built for
 * speed on repetitive data, not for the best ratio. */
MOJO_HIDDEN size_t etl_xpress_compress(const uint8_t *src, size_t n,
                                       uint8_t *dst, size_t cap);

#endif
