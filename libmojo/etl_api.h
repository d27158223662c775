/* ETL-specific settings of a reader (tools/etl2austin uses them). */
#ifndef MOJO_ETL_API_H
#define MOJO_ETL_API_H

#include "mojo.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mojo_etl_options {
    int marks;        /* PythonThread and PythonMark ranges become frames
                         (file "<thread>" / "<mark>", at the stack's root) */
    int python_only;  /* keep Python frames only: drop native and kernel
                         frames, and CPU samples left without any */
} mojo_etl_options;

/* Apply o to an ETL reader before its first mojo_reader_next. Returns
 * MOJO_OK; MOJO_ERROR with *err (may be NULL) set when r does not read
 * ETL or has already produced events. */
int mojo_reader_set_etl_options(mojo_reader *r, const mojo_etl_options *o,
                                mojo_error *err);

#ifdef __cplusplus
}
#endif
#endif
