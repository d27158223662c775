/* Buffered byte input from a file, a descriptor or memory, with gzip
 * inflated transparently. Readers parse from [cur, end) and ask for more. */
#ifndef MOJO_INPUT_H
#define MOJO_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mojo.h"

typedef struct mojo_input mojo_input;

struct mojo_input {
    const uint8_t *cur, *end; /* bytes available to the parser */
    const uint8_t *base;      /* start of the current window */
    uint64_t base_off;        /* stream offset of base */
    /* the rest is private to input.c */
    struct mojo_input_priv *priv;
};

/* "-" is standard input. */
mojo_input *mojo_input_open_path(const char *path, mojo_error *err);
mojo_input *mojo_input_open_fd(int fd, const char *name, mojo_error *err);
mojo_input *mojo_input_open_memory(const void *buf, size_t len,
                                   const char *name, mojo_error *err);
void mojo_input_close(mojo_input *in);

/* Make at least n bytes available from cur on, keeping them. Returns the
 * number available: less than n only at the end of the input; -1 on an I/O
 * or gzip error (see mojo_input_error). May move the window: pointers into
 * it must be re-derived from cur afterwards. */
ptrdiff_t mojo_input_need(mojo_input *in, size_t n);

static inline uint64_t mojo_input_offset(const mojo_input *in, const uint8_t *p)
{
    return in->base_off + (uint64_t)(p - in->base);
}

const char *mojo_input_name(const mojo_input *in);
bool mojo_input_is_gzip(const mojo_input *in);
const mojo_error *mojo_input_error(const mojo_input *in);

#endif
