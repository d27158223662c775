/* Opening a reader: sniff the format, then hand over to its ops. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static mojo_format sniff(mojo_input *in)
{
    ptrdiff_t n = mojo_input_need(in, 64);
    if (n <= 0)
        return MOJO_FORMAT_AUSTIN; /* empty input: an empty profile */
    const uint8_t *p = in->cur;
    if (n >= 3 && memcmp(p, "MOJ", 3) == 0)
        return MOJO_FORMAT_MOJO;
    if (mojo_etl_sniff(p, (size_t)n))
        return MOJO_FORMAT_ETL;
    return MOJO_FORMAT_AUSTIN;
}

static const mojo_reader_ops *ops_for(mojo_format f)
{
    switch (f) {
    case MOJO_FORMAT_MOJO: return &mojo_mojo_reader_ops;
    case MOJO_FORMAT_AUSTIN: return &mojo_austin_reader_ops;
    case MOJO_FORMAT_ETL: return &mojo_etl_reader_ops;
    default: return NULL;
    }
}

static mojo_reader *open_input(mojo_input *in, const mojo_reader_options *opts,
                               mojo_error *err)
{
    if (!in)
        return NULL;
    mojo_format f = opts && opts->format ? opts->format : sniff(in);
    if (mojo_input_error(in)) {
        if (err)
            *err = *mojo_input_error(in);
        mojo_input_close(in);
        return NULL;
    }
    const mojo_reader_ops *ops = ops_for(f);
    if (!ops) {
        mojo_error_set_nooff(err, MOJO_E_USAGE, mojo_input_name(in),
                             "no reader for the %s format",
                             mojo_format_name(f) ? mojo_format_name(f) : "unknown");
        mojo_input_close(in);
        return NULL;
    }
    mojo_reader *r = calloc(1, sizeof *r);
    if (!r) {
        mojo_error_set_nooff(err, MOJO_E_NOMEM, mojo_input_name(in), "out of memory");
        mojo_input_close(in);
        return NULL;
    }
    r->ops = ops;
    r->in = in;
    r->format = f;
    if (opts && opts->frames) {
        r->frames = opts->frames;
        mojo_frames_ref(r->frames);
    } else if (!(r->frames = mojo_frames_new())) {
        mojo_error_set_nooff(err, MOJO_E_NOMEM, mojo_input_name(in), "out of memory");
        mojo_reader_close(r);
        return NULL;
    }
    if (ops->init && ops->init(r) != MOJO_OK) {
        if (err)
            *err = r->err;
        mojo_reader_close(r);
        return NULL;
    }
    return r;
}

mojo_reader *mojo_reader_open_path(const char *path,
                                   const mojo_reader_options *opts,
                                   mojo_error *err)
{
    return open_input(mojo_input_open_path(path, err), opts, err);
}

mojo_reader *mojo_reader_open_fd(int fd, const char *name,
                                 const mojo_reader_options *opts,
                                 mojo_error *err)
{
    return open_input(mojo_input_open_fd(fd, name, err), opts, err);
}

mojo_reader *mojo_reader_open_memory(const void *buf, size_t len,
                                     const char *name,
                                     const mojo_reader_options *opts,
                                     mojo_error *err)
{
    return open_input(mojo_input_open_memory(buf, len, name, err), opts, err);
}

int mojo_reader_next(mojo_reader *r, mojo_event *ev)
{
    if (r->failed)
        return MOJO_ERROR;
    if (r->ended)
        return MOJO_END;
    int rc = r->ops->next(r, ev);
    if (rc == MOJO_END)
        r->ended = true;
    else if (rc == MOJO_ERROR)
        r->failed = true;
    return rc;
}

int mojo_reader_fail(mojo_reader *r, mojo_error_code code, uint64_t off,
                     const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    mojo_error_set(&r->err, code, mojo_input_name(r->in), off, "%s", what);
    r->failed = true;
    return MOJO_ERROR;
}

int mojo_reader_fail_input(mojo_reader *r)
{
    const mojo_error *e = mojo_input_error(r->in);
    if (e)
        r->err = *e;
    else
        mojo_error_set_nooff(&r->err, MOJO_E_IO, mojo_input_name(r->in),
                             "read failed");
    r->failed = true;
    return MOJO_ERROR;
}

const mojo_error *mojo_reader_error(const mojo_reader *r)
{
    return r->failed ? &r->err : NULL;
}

mojo_format mojo_reader_format(const mojo_reader *r) { return r->format; }
mojo_frames *mojo_reader_frames(const mojo_reader *r) { return r->frames; }
int mojo_reader_version(const mojo_reader *r) { return r->version; }
const char *mojo_reader_name(const mojo_reader *r) { return mojo_input_name(r->in); }

void mojo_reader_close(mojo_reader *r)
{
    if (!r)
        return;
    if (r->ops && r->ops->destroy)
        r->ops->destroy(r);
    mojo_input_close(r->in);
    mojo_frames_unref(r->frames);
    free(r);
}

int mojo_copy(mojo_reader *r, mojo_writer *w)
{
    mojo_event ev;
    int rc;
    while ((rc = mojo_reader_next(r, &ev)) == MOJO_OK)
        if (mojo_writer_write(w, &ev) != MOJO_OK)
            return MOJO_ERROR;
    return rc == MOJO_END ? MOJO_OK : MOJO_ERROR;
}
