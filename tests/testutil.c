/* Helpers shared by the Check unit tests. */
#include "testutil.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *tu_srcdir(void)
{
    const char *s = getenv("top_srcdir");
    return s && *s ? s : ".";
}

const char *tu_shared(void)
{
    static char buf[4096];
    struct stat st;
    snprintf(buf, sizeof buf, "%s/../shared/testdata", tu_srcdir());
    return stat(buf, &st) == 0 && S_ISDIR(st.st_mode) ? buf : NULL;
}

const char *tu_path(const char *dir, const char *name)
{
    static char bufs[4][4096];
    static int i;
    char *b = bufs[i++ % 4];
    snprintf(b, sizeof bufs[0], "%s/%s", dir, name);
    return b;
}

char *tu_slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    size_t cap = 1 << 16, n = 0;
    char *b = malloc(cap);
    size_t k;
    while (b && (k = fread(b + n, 1, cap - n, f)) > 0) {
        n += k;
        if (n == cap)
            b = realloc(b, cap *= 2);
    }
    fclose(f);
    if (b)
        *len = n;
    return b;
}

int tu_convert(mojo_reader *r, mojo_format format,
               const mojo_writer_options *wo, char **out, size_t *len,
               size_t *nsamples)
{
    mojo_error err;
    mojo_writer *w = mojo_writer_open_memory(format, wo, &err);
    mojo_event ev;
    int rc;
    size_t n = 0;
    while ((rc = mojo_reader_next(r, &ev)) == MOJO_OK) {
        if (ev.type == MOJO_EVENT_SAMPLE)
            n++;
        if (mojo_writer_write(w, &ev) != MOJO_OK)
            abort();
    }
    void *buf;
    if (mojo_writer_close_memory(w, &buf, len, &err) != MOJO_OK)
        abort();
    *out = buf;
    if (nsamples)
        *nsamples = n;
    return rc;
}

int tu_convert_memory(const void *buf, size_t n, mojo_format format,
                      char **out, size_t *len, size_t *nsamples,
                      mojo_error *err)
{
    mojo_error e;
    mojo_reader *r = mojo_reader_open_memory(buf, n, "mem", NULL, &e);
    if (!r) {
        if (err)
            *err = e;
        *out = NULL;
        *len = 0;
        if (nsamples)
            *nsamples = 0;
        return MOJO_ERROR;
    }
    int rc = tu_convert(r, format, NULL, out, len, nsamples);
    if (err && mojo_reader_error(r))
        *err = *mojo_reader_error(r);
    mojo_reader_close(r);
    return rc;
}
