/* libFuzzer harness: any bytes through every reader and back out through
 * the MOJO and text writers. Crashes, hangs, leaks and unbounded allocation
 * are the findings. Build and run by hand (see README.md here). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#include "mojo.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const mojo_format outs[] = {MOJO_FORMAT_AUSTIN, MOJO_FORMAT_MOJO};
    for (size_t i = 0; i < sizeof outs / sizeof outs[0]; i++) {
        mojo_error err;
        mojo_reader *r = mojo_reader_open_memory(data, size, "fuzz", NULL, &err);
        if (!r)
            return 0;
        mojo_writer *w = mojo_writer_open_memory(outs[i], NULL, &err);
        if (!w)
            abort();
        mojo_copy(r, w);
        void *buf;
        size_t len;
        if (mojo_writer_close_memory(w, &buf, &len, &err) == MOJO_OK)
            free(buf);
        mojo_reader_close(r);
    }
    return 0;
}
