/* XPRESS "plain LZ77" compression ([MS-XCA] 2.3), for compressed ETL
 * buffers; the decompressor is declared in etl_format.h.
 *
 * The writer knows what each record repeats: a record of a kind is the
 * last record of that kind with a new time, ids and payload. So instead of
 * searching for matches, the encoder takes each record with the distance
 * back to the record it resembles, and codes the bytes that equal that
 * record's as matches and the rest as literals: a word compare per 8
 * bytes, no hashing. */
#ifndef MOJO_ETL_XPRESS_H
#define MOJO_ETL_XPRESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "internal.h"

#define ETL_XPRESS_MAX_DIST 8192u  /* the farthest a match reaches back */

/* One compressed output being written. */
typedef struct etl_xpress_enc {
    uint8_t *out;
    size_t op, cap;
    size_t flag_at;     /* where the current flag word goes */
    uint32_t flags;
    unsigned nflags;    /* items behind the current flag word */
    size_t half;        /* a byte whose high nibble is free; 0: none */
    bool full;          /* the output did not fit in cap */
} etl_xpress_enc;

/* Start an output of at most cap bytes at dst. */
MOJO_HIDDEN void etl_xpress_begin(etl_xpress_enc *z, uint8_t *dst, size_t cap);

/* Add p[0..n) as literals. */
MOJO_HIDDEN void etl_xpress_literals(etl_xpress_enc *z, const uint8_t *p,
                                     size_t n);

/* Add p[0..n), coded against the bytes dist before it (which the output
 * holds already: p - dist must be within what was added): runs of 3 equal
 * bytes or more become matches. The caller may know that p[same_from..
 * same_to) equals those bytes: they are not compared (none known: pass
 * same_to <= same_from). dist 0 or beyond ETL_XPRESS_MAX_DIST:
 * literals. */
MOJO_HIDDEN void etl_xpress_repeat(etl_xpress_enc *z, const uint8_t *p,
                                   size_t n, size_t dist, size_t same_from,
                                   size_t same_to);

/* Close the output: its size, or 0 when it did not fit (the caller then
 * stores the data as is). Nothing is written past cap either way. */
MOJO_HIDDEN size_t etl_xpress_end(etl_xpress_enc *z);

#endif
