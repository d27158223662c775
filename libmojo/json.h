/* Text encoding helpers for writers whose formats require valid UTF-8
 * (pprof strings, JSON): UTF-8 repair and JSON string escaping. Profile
 * names are bytes read from live processes, so any byte sequence must come
 * out as valid text; each maximal invalid subsequence becomes one U+FFFD,
 * the replacement rule of Unicode and WHATWG. */
#ifndef MOJO_JSON_H
#define MOJO_JSON_H

#include <stdbool.h>
#include <stddef.h>

#include "internal.h"

/* Length of the valid UTF-8 sequence starting at p (1..4), or 0 when the
 * bytes at p do not start one; *bad gets the number of bytes that one
 * U+FFFD replaces (1..3). n > 0. */
MOJO_HIDDEN size_t mojo_utf8_seq(const unsigned char *p, size_t n, size_t *bad);

/* True when [p, p+n) is valid UTF-8 (no overlongs, surrogates or code
 * points above U+10FFFF). */
MOJO_HIDDEN bool mojo_utf8_valid(const char *p, size_t n);

/* Copy [p, p+n) into a new NUL-terminated malloc'ed buffer with invalid
 * sequences replaced by U+FFFD; *outlen gets its length. NULL when out of
 * memory. */
MOJO_HIDDEN char *mojo_utf8_repair(const char *p, size_t n, size_t *outlen);

/* Write [p, p+n) as a JSON string literal, quotes included: '"', '\\' and
 * control characters escaped, DEL and U+2028/U+2029 as \u escapes (some
 * JavaScript parsers reject them raw), invalid UTF-8 replaced by U+FFFD. */
MOJO_HIDDEN int mojo_json_write_string(mojo_output *o, const char *p, size_t n);
/* Write v as a JSON number. */
MOJO_HIDDEN int mojo_json_write_int(mojo_output *o, int64_t v);

#endif
