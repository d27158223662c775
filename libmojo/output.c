/* Buffered output to a descriptor or memory, optionally through deflate. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define BUF_SIZE (128u * 1024u)

struct mojo_output_priv {
    int fd;
    bool own_fd, gzip, memory, failed;
    char *name;
    uint8_t *buf;        /* staging buffer writers format into */
    uint8_t *zbuf;       /* deflate output */
    z_stream zs;
    bool zs_live;
    uint8_t *mem;        /* memory sink */
    size_t mem_len, mem_cap;
    uint64_t written;
    mojo_error err;
};

static int fail_io(mojo_output *o, const char *what)
{
    struct mojo_output_priv *p = o->priv;
    p->err.sys_errno = errno;
    mojo_error_set_nooff(&p->err, MOJO_E_IO, p->name, "%s: %s", what,
                         strerror(errno));
    p->failed = true;
    return MOJO_ERROR;
}

/* Send bytes to the final sink. */
static int sink(mojo_output *o, const uint8_t *b, size_t n)
{
    struct mojo_output_priv *p = o->priv;
    if (p->memory) {
        if (!mojo_grow((void **)&p->mem, &p->mem_cap, p->mem_len + n, 1)) {
            mojo_error_set_nooff(&p->err, MOJO_E_NOMEM, p->name, "out of memory");
            p->failed = true;
            return MOJO_ERROR;
        }
        memcpy(p->mem + p->mem_len, b, n);
        p->mem_len += n;
        return MOJO_OK;
    }
    while (n > 0) {
        ssize_t k = write(p->fd, b, n);
        if (k < 0) {
            if (errno == EINTR)
                continue;
            return fail_io(o, "write failed");
        }
        b += k;
        n -= (size_t)k;
    }
    return MOJO_OK;
}

static int deflate_some(mojo_output *o, const uint8_t *b, size_t n, int flush)
{
    struct mojo_output_priv *p = o->priv;
    p->zs.next_in = (Bytef *)b;
    p->zs.avail_in = (uInt)n;
    do {
        p->zs.next_out = p->zbuf;
        p->zs.avail_out = BUF_SIZE;
        int rc = deflate(&p->zs, flush);
        if (rc == Z_STREAM_ERROR) {
            mojo_error_set_nooff(&p->err, MOJO_E_IO, p->name, "deflate failed");
            p->failed = true;
            return MOJO_ERROR;
        }
        if (sink(o, p->zbuf, BUF_SIZE - p->zs.avail_out) != MOJO_OK)
            return MOJO_ERROR;
    } while (p->zs.avail_out == 0 || p->zs.avail_in > 0);
    return MOJO_OK;
}

int mojo_output_drain(mojo_output *o)
{
    struct mojo_output_priv *p = o->priv;
    if (p->failed)
        return MOJO_ERROR;
    size_t n = (size_t)(o->cur - p->buf);
    o->cur = p->buf;
    p->written += n;
    if (n == 0)
        return MOJO_OK;
    return p->gzip ? deflate_some(o, p->buf, n, Z_NO_FLUSH) : sink(o, p->buf, n);
}

int mojo_output_flush(mojo_output *o)
{
    if (mojo_output_drain(o) != MOJO_OK)
        return MOJO_ERROR;
    return o->priv->gzip ? deflate_some(o, NULL, 0, Z_SYNC_FLUSH) : MOJO_OK;
}

int mojo_output_write_slow(mojo_output *o, const void *src, size_t n)
{
    const uint8_t *b = src;
    while (n > 0) {
        if (o->cur == o->end && mojo_output_drain(o) != MOJO_OK)
            return MOJO_ERROR;
        size_t k = (size_t)(o->end - o->cur);
        if (k > n)
            k = n;
        memcpy(o->cur, b, k);
        o->cur += k;
        b += k;
        n -= k;
    }
    return MOJO_OK;
}

static mojo_output *output_new(const char *name, bool gzip, mojo_error *err)
{
    mojo_output *o = calloc(1, sizeof *o);
    struct mojo_output_priv *p = calloc(1, sizeof *p);
    if (!o || !p || !(p->name = strdup(name)) || !(p->buf = malloc(BUF_SIZE)))
        goto nomem;
    o->priv = p;
    o->cur = p->buf;
    o->end = p->buf + BUF_SIZE;
    p->fd = -1;
    if (gzip) {
        if (!(p->zbuf = malloc(BUF_SIZE)))
            goto nomem;
        /* 15 + 16: a gzip wrapper. Level 1: profiles compress well anyway,
         * and speed is what a converter is judged by. */
        if (deflateInit2(&p->zs, 1, Z_DEFLATED, 15 + 16, 8,
                         Z_DEFAULT_STRATEGY) != Z_OK)
            goto nomem;
        p->zs_live = true;
        p->gzip = true;
    }
    return o;
nomem:
    mojo_error_set_nooff(err, MOJO_E_NOMEM, name, "out of memory");
    if (p) {
        free(p->name);
        free(p->buf);
        free(p->zbuf);
        free(p);
    }
    free(o);
    return NULL;
}

mojo_output *mojo_output_open_fd(int fd, const char *name, bool gzip,
                                 mojo_error *err)
{
    mojo_output *o = output_new(name ? name : "<output>", gzip, err);
    if (o)
        o->priv->fd = fd;
    return o;
}

mojo_output *mojo_output_open_path(const char *path, bool gzip, mojo_error *err)
{
    if (strcmp(path, "-") == 0)
        return mojo_output_open_fd(1, "<stdout>", gzip, err);
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
    if (fd < 0) {
        if (err)
            err->sys_errno = errno;
        mojo_error_set_nooff(err, MOJO_E_IO, path, "cannot create: %s",
                             strerror(errno));
        return NULL;
    }
    mojo_output *o = output_new(path, gzip, err);
    if (!o) {
        close(fd);
        return NULL;
    }
    o->priv->fd = fd;
    o->priv->own_fd = true;
    return o;
}

mojo_output *mojo_output_open_memory(bool gzip, mojo_error *err)
{
    mojo_output *o = output_new("<memory>", gzip, err);
    if (o)
        o->priv->memory = true;
    return o;
}

static int finish(mojo_output *o)
{
    struct mojo_output_priv *p = o->priv;
    if (mojo_output_drain(o) != MOJO_OK)
        return MOJO_ERROR;
    if (p->gzip && deflate_some(o, NULL, 0, Z_FINISH) != MOJO_OK)
        return MOJO_ERROR;
    return MOJO_OK;
}

static void release(mojo_output *o)
{
    struct mojo_output_priv *p = o->priv;
    if (p->zs_live)
        deflateEnd(&p->zs);
    free(p->mem);
    free(p->buf);
    free(p->zbuf);
    free(p->name);
    free(p);
    free(o);
}

int mojo_output_close(mojo_output *o, mojo_error *err)
{
    if (!o)
        return MOJO_OK;
    struct mojo_output_priv *p = o->priv;
    int rc = p->failed ? MOJO_ERROR : finish(o);
    if (p->own_fd && close(p->fd) != 0 && rc == MOJO_OK)
        rc = fail_io(o, "close failed");
    if (rc != MOJO_OK && err)
        *err = p->err;
    release(o);
    return rc;
}

int mojo_output_close_memory(mojo_output *o, void **buf, size_t *len,
                             mojo_error *err)
{
    struct mojo_output_priv *p = o->priv;
    int rc = p->failed ? MOJO_ERROR : finish(o);
    if (rc == MOJO_OK) {
        *buf = p->mem ? p->mem : calloc(1, 1);
        *len = p->mem_len;
        p->mem = NULL;
    } else if (err) {
        *err = p->err;
    }
    release(o);
    return rc;
}

const mojo_error *mojo_output_error(const mojo_output *o)
{
    return o->priv->failed ? &o->priv->err : NULL;
}

const char *mojo_output_name(const mojo_output *o) { return o->priv->name; }
