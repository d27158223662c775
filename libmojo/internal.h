/* Private to libmojo: the reader/writer plumbing each format plugs into. */
#ifndef MOJO_INTERNAL_H
#define MOJO_INTERNAL_H

#ifdef HAVE_CONFIG_H
#include "config.h" /* _GNU_SOURCE and friends first */
#endif

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "mojo.h"
#include "input.h"
#include "output.h"

#if defined(__GNUC__)
#define MOJO_PRINTF(a, b) __attribute__((format(printf, a, b)))
#define MOJO_HIDDEN __attribute__((visibility("hidden")))
#define MOJO_LIKELY(x) __builtin_expect(!!(x), 1)
#define MOJO_UNLIKELY(x) __builtin_expect(!!(x), 0)
#else
#define MOJO_PRINTF(a, b)
#define MOJO_HIDDEN
#define MOJO_LIKELY(x) (x)
#define MOJO_UNLIKELY(x) (x)
#endif

/* Safety caps for sizes taken from files. */
#define MOJO_MAX_STRING   (1u << 20)   /* one name: 1 MiB */
#define MOJO_MAX_FRAMES   (1u << 16)   /* frames in one sample */
#define MOJO_MAX_KEYS     (1u << 24)   /* defined keys per process */

/* -------------------------------------------------------------- errors */

/* Fill *err: message is "NAME: offset OFF: <fmt>". err may be NULL. */
MOJO_HIDDEN void mojo_error_set(mojo_error *err, mojo_error_code code,
                                const char *name, uint64_t offset,
                                const char *fmt, ...) MOJO_PRINTF(5, 6);
/* Same without an offset: "NAME: <fmt>". */
MOJO_HIDDEN void mojo_error_set_nooff(mojo_error *err, mojo_error_code code,
                                      const char *name, const char *fmt, ...)
    MOJO_PRINTF(4, 5);
MOJO_HIDDEN void mojo_error_clear(mojo_error *err);

/* ------------------------------------------------------------- growable */

/* Grow *buf (element size esz) to hold at least need elements. */
MOJO_HIDDEN bool mojo_grow(void **buf, size_t *cap, size_t need, size_t esz);

MOJO_HIDDEN uint64_t mojo_hash_bytes(const void *p, size_t n, uint64_t seed);
static inline uint64_t mojo_hash_mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
    h *= 0xff51afd7ed558ccdull;
    return h ^ (h >> 33);
}

/* Intern a byte string in the frames table's arena; the result is stable and
 * NUL-terminated, and equal bytes give the same pointer. */
MOJO_HIDDEN mojo_str mojo_frames_intern_str(mojo_frames *t, const char *p,
                                            size_t n);
/* mojo_frames_intern for a proto whose file and scope came from
 * mojo_frames_intern_str of the same table (no string hashing). */
MOJO_HIDDEN const mojo_frame *mojo_frames_intern_prepared(mojo_frames *t,
                                                         const mojo_frame *proto);

/* A hash map from a pair of 64-bit integers to a pointer-sized value. */
typedef struct mojo_map_slot {
    uint64_t a, b;
    uintptr_t value;
    bool used;
} mojo_map_slot;

typedef struct mojo_map {
    mojo_map_slot *slots;
    size_t count, cap;
} mojo_map;

/* The slot for (a, b), or NULL. */
MOJO_HIDDEN mojo_map_slot *mojo_map_find(const mojo_map *m, uint64_t a, uint64_t b);
/* Insert or replace; false when out of memory. */
MOJO_HIDDEN bool mojo_map_put(mojo_map *m, uint64_t a, uint64_t b, uintptr_t v);
MOJO_HIDDEN void mojo_map_free(mojo_map *m);

/* --------------------------------------------------------------- readers */

typedef struct mojo_reader_ops {
    /* Called once after open; the format may read its header. */
    int (*init)(mojo_reader *r);
    /* MOJO_OK/MOJO_END/MOJO_ERROR; on error call mojo_reader_fail. */
    int (*next)(mojo_reader *r, mojo_event *ev);
    void (*destroy)(mojo_reader *r);
} mojo_reader_ops;

struct mojo_reader {
    const mojo_reader_ops *ops;
    void *state;             /* the format's own */
    mojo_input *in;
    mojo_frames *frames;
    mojo_format format;
    int version;
    bool failed, ended;
    mojo_error err;
};

/* Record an error at byte offset off; returns MOJO_ERROR. */
MOJO_HIDDEN int mojo_reader_fail(mojo_reader *r, mojo_error_code code,
                                 uint64_t off, const char *fmt, ...)
    MOJO_PRINTF(4, 5);
/* Copy an input-layer error (I/O, gzip) into the reader; returns MOJO_ERROR. */
MOJO_HIDDEN int mojo_reader_fail_input(mojo_reader *r);

extern MOJO_HIDDEN const mojo_reader_ops mojo_mojo_reader_ops;
extern MOJO_HIDDEN const mojo_reader_ops mojo_austin_reader_ops;
extern MOJO_HIDDEN const mojo_reader_ops mojo_etl_reader_ops;

/* Sniffers: true when the first n bytes look like the format. */
MOJO_HIDDEN bool mojo_etl_sniff(const uint8_t *p, size_t n);

/* --------------------------------------------------------------- writers */

typedef struct mojo_writer_ops {
    int (*init)(mojo_writer *w);     /* may write a header */
    int (*write)(mojo_writer *w, const mojo_event *ev);
    int (*finish)(mojo_writer *w);   /* write what is held; not called after
                                        an error */
    void (*destroy)(mojo_writer *w);
} mojo_writer_ops;

struct mojo_writer {
    const mojo_writer_ops *ops;
    void *state;
    mojo_output *out;
    mojo_format format;
    mojo_writer_options opts;
    bool failed;
    mojo_error err;
};

MOJO_HIDDEN int mojo_writer_fail(mojo_writer *w, mojo_error_code code,
                                 const char *fmt, ...) MOJO_PRINTF(3, 4);
/* Copy an output-layer error into the writer; returns MOJO_ERROR. */
MOJO_HIDDEN int mojo_writer_fail_output(mojo_writer *w);

extern MOJO_HIDDEN const mojo_writer_ops mojo_mojo_writer_ops;
extern MOJO_HIDDEN const mojo_writer_ops mojo_austin_writer_ops;
extern MOJO_HIDDEN const mojo_writer_ops mojo_pprof_writer_ops;
extern MOJO_HIDDEN const mojo_writer_ops mojo_speedscope_writer_ops;
extern MOJO_HIDDEN const mojo_writer_ops mojo_etl_writer_ops;

#endif
