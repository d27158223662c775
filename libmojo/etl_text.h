/* Text in ETL files: UTF-16LE strings, GUIDs. */
#ifndef MOJO_ETL_TEXT_H
#define MOJO_ETL_TEXT_H

#include "etl_format.h"

/* Code units of the NUL-terminated UTF-16 string at p (terminator not
 * counted), or SIZE_MAX when no terminator lies within nbytes. */
MOJO_HIDDEN size_t etl_utf16_units(const uint8_t *p, size_t nbytes);
/* Convert nunits UTF-16LE units to NUL-terminated UTF-8 in out[cap]; bad
 * surrogates become U+FFFD; stops early rather than overflow. Returns the
 * bytes written (without the NUL). 3 * nunits + 1 always suffices. */
MOJO_HIDDEN size_t etl_utf16_to_utf8(const uint8_t *p, size_t nunits,
                                     char *out, size_t cap);
/* Convert n bytes of UTF-8 (bytes that are not UTF-8 count as Latin-1)
 * to at most max_units UTF-16LE units in out; returns the units written. */
MOJO_HIDDEN size_t etl_utf8_to_utf16(const char *s, size_t n, uint8_t *out,
                                     size_t max_units);

#endif
