/* Opening a writer: pick the format's ops and its output. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const mojo_writer_ops *ops_for(mojo_format f)
{
    switch (f) {
    case MOJO_FORMAT_MOJO: return &mojo_mojo_writer_ops;
    case MOJO_FORMAT_AUSTIN: return &mojo_austin_writer_ops;
    case MOJO_FORMAT_PPROF: return &mojo_pprof_writer_ops;
    case MOJO_FORMAT_SPEEDSCOPE: return &mojo_speedscope_writer_ops;
    case MOJO_FORMAT_ETL: return &mojo_etl_writer_ops;
    default: return NULL;
    }
}

/* pprof is gzipped unless asked not to; the others only on request. */
static bool wants_gzip(mojo_format f, const mojo_writer_options *o)
{
    int c = o ? o->compress : 0;
    if (c == 0)
        return f == MOJO_FORMAT_PPROF;
    return c > 0;
}

enum sink { SINK_PATH, SINK_FD, SINK_MEMORY };

static mojo_writer *open_writer(enum sink kind, const char *path, int fd,
                                mojo_format format,
                                const mojo_writer_options *opts, mojo_error *err)
{
    const char *name = kind == SINK_PATH ? path : kind == SINK_FD ? path : "<memory>";
    const mojo_writer_ops *ops = ops_for(format);
    if (!ops) {
        mojo_error_set_nooff(err, MOJO_E_USAGE, name ? name : "<output>",
                             "no writer for this format");
        return NULL;
    }
    mojo_writer *w = calloc(1, sizeof *w);
    if (!w) {
        mojo_error_set_nooff(err, MOJO_E_NOMEM, name, "out of memory");
        return NULL;
    }
    w->ops = ops;
    w->format = format;
    if (opts)
        w->opts = *opts;
    bool gz = wants_gzip(format, opts);
    w->out = kind == SINK_PATH ? mojo_output_open_path(path, gz, err)
           : kind == SINK_FD   ? mojo_output_open_fd(fd, path, gz, err)
                               : mojo_output_open_memory(gz, err);
    if (!w->out) {
        free(w);
        return NULL;
    }
    if (ops->init && ops->init(w) != MOJO_OK) {
        if (err)
            *err = w->err;
        if (ops->destroy)
            ops->destroy(w);
        mojo_output_close(w->out, NULL);
        free(w);
        return NULL;
    }
    return w;
}

mojo_writer *mojo_writer_open_path(const char *path, mojo_format format,
                                   const mojo_writer_options *opts,
                                   mojo_error *err)
{
    return open_writer(SINK_PATH, path, -1, format, opts, err);
}

mojo_writer *mojo_writer_open_fd(int fd, const char *name, mojo_format format,
                                 const mojo_writer_options *opts,
                                 mojo_error *err)
{
    return open_writer(SINK_FD, name ? name : "<output>", fd, format, opts, err);
}

mojo_writer *mojo_writer_open_memory(mojo_format format,
                                     const mojo_writer_options *opts,
                                     mojo_error *err)
{
    return open_writer(SINK_MEMORY, NULL, -1, format, opts, err);
}

int mojo_writer_write(mojo_writer *w, const mojo_event *ev)
{
    if (w->failed)
        return MOJO_ERROR;
    if (w->ops->write(w, ev) != MOJO_OK) {
        if (!w->failed)
            mojo_writer_fail_output(w);
        return MOJO_ERROR;
    }
    return MOJO_OK;
}

int mojo_writer_flush(mojo_writer *w)
{
    if (w->failed)
        return MOJO_ERROR;
    if (mojo_output_flush(w->out) != MOJO_OK)
        return mojo_writer_fail_output(w);
    return MOJO_OK;
}

int mojo_writer_fail(mojo_writer *w, mojo_error_code code, const char *fmt, ...)
{
    char what[400];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(what, sizeof what, fmt, ap);
    va_end(ap);
    mojo_error_set_nooff(&w->err, code, mojo_output_name(w->out), "%s", what);
    w->failed = true;
    return MOJO_ERROR;
}

int mojo_writer_fail_output(mojo_writer *w)
{
    const mojo_error *e = mojo_output_error(w->out);
    if (e)
        w->err = *e;
    else
        mojo_error_set_nooff(&w->err, MOJO_E_IO, mojo_output_name(w->out),
                             "write failed");
    w->failed = true;
    return MOJO_ERROR;
}

const mojo_error *mojo_writer_error(const mojo_writer *w)
{
    return w->failed ? &w->err : NULL;
}

/* Finish the format, then the output; the first error wins. */
static int finish(mojo_writer *w)
{
    if (!w->failed && w->ops->finish && w->ops->finish(w) != MOJO_OK &&
        !w->failed)
        mojo_writer_fail_output(w);
    if (w->ops->destroy)
        w->ops->destroy(w);
    return w->failed ? MOJO_ERROR : MOJO_OK;
}

int mojo_writer_close(mojo_writer *w, mojo_error *err)
{
    if (!w)
        return MOJO_OK;
    int rc = finish(w);
    mojo_error oerr;
    if (mojo_output_close(w->out, &oerr) != MOJO_OK && rc == MOJO_OK) {
        w->err = oerr;
        rc = MOJO_ERROR;
    }
    if (rc != MOJO_OK && err)
        *err = w->err;
    free(w);
    return rc;
}

int mojo_writer_close_memory(mojo_writer *w, void **buf, size_t *len,
                             mojo_error *err)
{
    int rc = finish(w);
    mojo_error oerr;
    if (rc == MOJO_OK) {
        if (mojo_output_close_memory(w->out, buf, len, &oerr) != MOJO_OK) {
            w->err = oerr;
            rc = MOJO_ERROR;
        }
    } else {
        mojo_output_close(w->out, NULL);
    }
    if (rc != MOJO_OK && err)
        *err = w->err;
    free(w);
    return rc;
}
