/* Buffered byte output to a file, a descriptor or memory, optionally gzip
 * deflated. Writers format straight into the buffer. */
#ifndef MOJO_OUTPUT_H
#define MOJO_OUTPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mojo.h"

typedef struct mojo_output mojo_output;

struct mojo_output {
    uint8_t *cur, *end;       /* free space in the buffer */
    struct mojo_output_priv *priv;
};

/* "-" is standard output. */
mojo_output *mojo_output_open_path(const char *path, bool gzip, mojo_error *err);
mojo_output *mojo_output_open_fd(int fd, const char *name, bool gzip,
                                 mojo_error *err);
mojo_output *mojo_output_open_memory(bool gzip, mojo_error *err);

/* Empty the buffer (to the file, or through deflate). */
int mojo_output_drain(mojo_output *o);
/* Drain, and for gzip sync-flush the stream so a reader sees every byte. */
int mojo_output_flush(mojo_output *o);
/* Finish (gzip trailer), close and free. Returns MOJO_OK or MOJO_ERROR. */
int mojo_output_close(mojo_output *o, mojo_error *err);
/* Memory outputs: finish and hand over the bytes (free() them). */
int mojo_output_close_memory(mojo_output *o, void **buf, size_t *len,
                             mojo_error *err);
const mojo_error *mojo_output_error(const mojo_output *o);
const char *mojo_output_name(const mojo_output *o);

/* A pointer to at least n free bytes (n at most MOJO_OUTPUT_MAX_RESERVE),
 * or NULL on error. Advance o->cur past what you write. */
#define MOJO_OUTPUT_MAX_RESERVE 65536
static inline uint8_t *mojo_output_reserve(mojo_output *o, size_t n)
{
    if ((size_t)(o->end - o->cur) < n && mojo_output_drain(o) != MOJO_OK)
        return NULL;
    return o->cur;
}

int mojo_output_write_slow(mojo_output *o, const void *p, size_t n);

static inline int mojo_output_write(mojo_output *o, const void *p, size_t n)
{
    if (n <= (size_t)(o->end - o->cur)) {
        memcpy(o->cur, p, n);
        o->cur += n;
        return MOJO_OK;
    }
    return mojo_output_write_slow(o, p, n);
}

static inline int mojo_output_putc(mojo_output *o, int c)
{
    if (o->cur == o->end && mojo_output_drain(o) != MOJO_OK)
        return MOJO_ERROR;
    *o->cur++ = (uint8_t)c;
    return MOJO_OK;
}

static inline int mojo_output_puts(mojo_output *o, const char *s)
{
    return mojo_output_write(o, s, strlen(s));
}

#endif
