/* Buffered input. Plain files are read in large chunks into a window; gzip
 * files are inflated into it; memory is used in place. */
#include "internal.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#define WINDOW_SIZE (256u * 1024u)
#define RAW_SIZE (64u * 1024u)

struct mojo_input_priv {
    int fd;
    bool own_fd, eof, gzip, memory, failed;
    char *name;
    uint8_t *buf; /* the window (not used for plain memory input) */
    size_t cap;
    /* gzip: compressed bytes waiting for inflate */
    z_stream zs;
    bool zs_live, raw_eof, member_done;
    uint8_t *raw;
    const uint8_t *mem;  /* memory input, compressed or plain */
    size_t mem_len;
    mojo_error err;
};

static mojo_input *input_new(const char *name, mojo_error *err)
{
    mojo_input *in = calloc(1, sizeof *in);
    struct mojo_input_priv *p = calloc(1, sizeof *p);
    if (!in || !p || !(p->name = strdup(name ? name : "<input>"))) {
        free(in);
        free(p);
        mojo_error_set_nooff(err, MOJO_E_NOMEM, name, "out of memory");
        return NULL;
    }
    p->fd = -1;
    in->priv = p;
    return in;
}

/* Read raw bytes from the descriptor; 0 at EOF, -1 on error. */
static ssize_t read_fd(mojo_input *in, uint8_t *dst, size_t n)
{
    struct mojo_input_priv *p = in->priv;
    for (;;) {
        ssize_t k = read(p->fd, dst, n);
        if (k >= 0)
            return k;
        if (errno == EINTR)
            continue;
        p->err.sys_errno = errno;
        mojo_error_set(&p->err, MOJO_E_IO, p->name,
                       mojo_input_offset(in, in->end), "read failed: %s",
                       strerror(errno));
        p->failed = true;
        return -1;
    }
}

static bool start_gzip(mojo_input *in)
{
    struct mojo_input_priv *p = in->priv;
    if (inflateInit2(&p->zs, 15 + 16) != Z_OK) {
        mojo_error_set_nooff(&p->err, MOJO_E_NOMEM, p->name, "cannot start gzip");
        p->failed = true;
        return false;
    }
    p->zs_live = true;
    p->gzip = true;
    return true;
}

/* Fill free window space by inflating; returns bytes added, -1 on error. */
static ssize_t fill_gzip(mojo_input *in, uint8_t *dst, size_t n)
{
    struct mojo_input_priv *p = in->priv;
    p->zs.next_out = dst;
    p->zs.avail_out = (uInt)n;
    while (p->zs.avail_out > 0) {
        if (p->zs.avail_in == 0 && !p->memory) {
            if (p->raw_eof)
                break;
            ssize_t k = read_fd(in, p->raw, RAW_SIZE);
            if (k < 0)
                return -1;
            if (k == 0) {
                p->raw_eof = true;
                break;
            }
            p->zs.next_in = p->raw;
            p->zs.avail_in = (uInt)k;
        }
        if (p->zs.avail_in == 0) {
            p->raw_eof = true;
            break;
        }
        int rc = inflate(&p->zs, Z_NO_FLUSH);
        if (rc == Z_STREAM_END) {
            p->member_done = true;
            /* Concatenated members continue; anything else ends the data. */
            if (p->zs.avail_in == 0 && !p->memory) {
                ssize_t k = read_fd(in, p->raw, RAW_SIZE);
                if (k < 0)
                    return -1;
                p->zs.next_in = p->raw;
                p->zs.avail_in = (uInt)k;
            }
            if (p->zs.avail_in >= 2 && p->zs.next_in[0] == 0x1f &&
                p->zs.next_in[1] == 0x8b) {
                inflateReset(&p->zs);
                p->member_done = false;
                continue;
            }
            p->raw_eof = true;
            p->zs.avail_in = 0;
            break;
        }
        if (rc != Z_OK && rc != Z_BUF_ERROR) {
            size_t got = n - p->zs.avail_out;
            mojo_error_set(&p->err, MOJO_E_FORMAT, p->name,
                           mojo_input_offset(in, dst + got),
                           "corrupt gzip data (%s)",
                           p->zs.msg ? p->zs.msg : "inflate failed");
            p->failed = true;
            return -1;
        }
        if (rc == Z_BUF_ERROR && p->zs.avail_in == 0 && p->memory)
            break;
    }
    size_t got = n - p->zs.avail_out;
    if (got == 0 && p->raw_eof && !p->member_done) {
        mojo_error_set(&p->err, MOJO_E_TRUNCATED, p->name,
                       mojo_input_offset(in, dst),
                       "gzip stream ends before its trailer (truncated file)");
        p->failed = true;
        return -1;
    }
    return (ssize_t)got;
}

static mojo_input *finish_open(mojo_input *in, mojo_error *err)
{
    struct mojo_input_priv *p = in->priv;
    if (p->memory) {
        if (p->mem_len >= 2 && p->mem[0] == 0x1f && p->mem[1] == 0x8b) {
            if (!start_gzip(in))
                goto fail;
            p->zs.next_in = (Bytef *)p->mem;
            p->zs.avail_in = (uInt)p->mem_len; /* memory inputs are < 4 GiB */
        } else {
            in->base = in->cur = p->mem;
            in->end = p->mem + p->mem_len;
            p->eof = true;
            return in;
        }
    }
    p->cap = WINDOW_SIZE;
    if (!(p->buf = malloc(p->cap)))
        goto nomem;
    in->base = in->cur = in->end = p->buf;
    if (!p->memory) {
        /* Peek at the magic: gzip or plain. */
        size_t have = 0;
        while (have < 2) {
            ssize_t k = read_fd(in, p->buf + have, p->cap - have);
            if (k < 0)
                goto fail;
            if (k == 0) {
                p->eof = true;
                break;
            }
            have += (size_t)k;
        }
        if (have >= 2 && p->buf[0] == 0x1f && p->buf[1] == 0x8b) {
            if (!(p->raw = malloc(RAW_SIZE)) || !start_gzip(in))
                goto nomem;
            memcpy(p->raw, p->buf, have < RAW_SIZE ? have : RAW_SIZE);
            /* the window is larger than RAW_SIZE: keep the rest via zs */
            if (have > RAW_SIZE) {
                uint8_t *r = realloc(p->raw, have);
                if (!r)
                    goto nomem;
                p->raw = r;
                memcpy(p->raw, p->buf, have);
            }
            p->zs.next_in = p->raw;
            p->zs.avail_in = (uInt)have;
            p->eof = false;
        } else {
            in->end = p->buf + have;
        }
    }
    return in;
nomem:
    mojo_error_set_nooff(&p->err, MOJO_E_NOMEM, p->name, "out of memory");
fail:
    if (err)
        *err = p->err;
    mojo_input_close(in);
    return NULL;
}

mojo_input *mojo_input_open_fd(int fd, const char *name, mojo_error *err)
{
    mojo_input *in = input_new(name, err);
    if (!in)
        return NULL;
    in->priv->fd = fd;
    return finish_open(in, err);
}

mojo_input *mojo_input_open_path(const char *path, mojo_error *err)
{
    if (strcmp(path, "-") == 0)
        return mojo_input_open_fd(0, "<stdin>", err);
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (err)
            err->sys_errno = errno;
        mojo_error_set_nooff(err, MOJO_E_IO, path, "cannot open: %s",
                             strerror(errno));
        return NULL;
    }
    mojo_input *in = input_new(path, err);
    if (!in) {
        close(fd);
        return NULL;
    }
    in->priv->fd = fd;
    in->priv->own_fd = true;
    return finish_open(in, err);
}

mojo_input *mojo_input_open_memory(const void *buf, size_t len,
                                   const char *name, mojo_error *err)
{
    mojo_input *in = input_new(name ? name : "<memory>", err);
    if (!in)
        return NULL;
    in->priv->memory = true;
    in->priv->mem = buf;
    in->priv->mem_len = len;
    return finish_open(in, err);
}

ptrdiff_t mojo_input_need(mojo_input *in, size_t n)
{
    struct mojo_input_priv *p = in->priv;
    size_t avail = (size_t)(in->end - in->cur);
    if (avail >= n || p->eof)
        return (ptrdiff_t)avail;
    if (p->failed)
        return -1;
    /* Slide what is left to the start of the window, growing it if asked. */
    if (n > p->cap) {
        size_t ncap = p->cap;
        while (ncap < n)
            ncap *= 2;
        uint8_t *nb = malloc(ncap);
        if (!nb) {
            mojo_error_set(&p->err, MOJO_E_NOMEM, p->name,
                           mojo_input_offset(in, in->cur), "out of memory");
            p->failed = true;
            return -1;
        }
        memcpy(nb, in->cur, avail);
        free(p->buf);
        p->buf = nb;
        p->cap = ncap;
    } else if (in->cur != p->buf) {
        memmove(p->buf, in->cur, avail);
    }
    in->base_off += (uint64_t)(in->cur - in->base);
    in->base = in->cur = p->buf;
    in->end = p->buf + avail;
    while ((size_t)(in->end - in->cur) < n) {
        uint8_t *dst = (uint8_t *)in->end;
        size_t room = p->cap - (size_t)(in->end - p->buf);
        ssize_t k = p->gzip ? fill_gzip(in, dst, room) : read_fd(in, dst, room);
        if (k < 0)
            return -1;
        if (k == 0) {
            p->eof = true;
            break;
        }
        in->end += k;
    }
    return in->end - in->cur;
}

const char *mojo_input_name(const mojo_input *in) { return in->priv->name; }
bool mojo_input_is_gzip(const mojo_input *in) { return in->priv->gzip; }

const mojo_error *mojo_input_error(const mojo_input *in)
{
    return in->priv->failed ? &in->priv->err : NULL;
}

void mojo_input_close(mojo_input *in)
{
    if (!in)
        return;
    struct mojo_input_priv *p = in->priv;
    if (p->zs_live)
        inflateEnd(&p->zs);
    if (p->own_fd && p->fd >= 0)
        close(p->fd);
    free(p->buf);
    free(p->raw);
    free(p->name);
    free(p);
    free(in);
}
