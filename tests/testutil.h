/* Helpers shared by the Check unit tests. */
#ifndef MOJO_TESTUTIL_H
#define MOJO_TESTUTIL_H

#include <stdbool.h>
#include <stddef.h>

#include "mojo.h"

/* The project's source tree (top_srcdir from the harness, or "."). */
const char *tu_srcdir(void);
/* ../shared/testdata beside the source tree, or NULL when absent. */
const char *tu_shared(void);
/* Path join into a static rotating buffer. */
const char *tu_path(const char *dir, const char *name);
/* Whole file into memory (free it); NULL if unreadable. */
char *tu_slurp(const char *path, size_t *len);

/* Convert a reader's whole stream to bytes in `format` (writer options may
 * be NULL). Returns the reader's final status (MOJO_END or MOJO_ERROR);
 * *out gets the bytes, *nsamples the number of samples read. */
int tu_convert(mojo_reader *r, mojo_format format,
               const mojo_writer_options *wo, char **out, size_t *len,
               size_t *nsamples);
/* Same, from memory. err (may be NULL) receives the reader error. */
int tu_convert_memory(const void *buf, size_t n, mojo_format format,
                      char **out, size_t *len, size_t *nsamples,
                      mojo_error *err);

#endif
