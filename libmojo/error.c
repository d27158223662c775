/* One error type for the whole library: "FILE: offset N: what". */
#include "internal.h"

#include <string.h>

static void vset(mojo_error *err, mojo_error_code code, const char *name,
                 bool has_off, uint64_t offset, const char *fmt, va_list ap)
{
    if (!err)
        return;
    err->code = code;
    err->offset = offset;
    int n = has_off ? snprintf(err->message, sizeof err->message,
                               "%s: offset %llu: ", name ? name : "<input>",
                               (unsigned long long)offset)
                    : snprintf(err->message, sizeof err->message, "%s: ",
                               name ? name : "<input>");
    if (n < 0 || (size_t)n >= sizeof err->message)
        return;
    vsnprintf(err->message + n, sizeof err->message - (size_t)n, fmt, ap);
}

void mojo_error_set(mojo_error *err, mojo_error_code code, const char *name,
                    uint64_t offset, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, name, true, offset, fmt, ap);
    va_end(ap);
}

void mojo_error_set_nooff(mojo_error *err, mojo_error_code code,
                          const char *name, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vset(err, code, name, false, 0, fmt, ap);
    va_end(ap);
}

void mojo_error_clear(mojo_error *err)
{
    if (err)
        memset(err, 0, sizeof *err);
}
