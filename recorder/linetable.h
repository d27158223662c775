/* Decoding CPython 3.11+ location tables (co_linetable).
 *
 * The table is a run of entries, each covering 1..8 code units and giving
 * the line, end line, column and end column of those instructions, with
 * lines as deltas from the previous entry. CPython reports columns 0-based
 * and -1 when unknown; we report them the way Austin writes them: 1-based,
 * 0 when unknown. Lines are 0 when unknown.
 */
#ifndef RECORDER_LINETABLE_H
#define RECORDER_LINETABLE_H

#include <stddef.h>

typedef struct py_location {
    int line, line_end;
    int column, column_end;
} py_location;

/* The location of the instruction at code-unit index `index` of a code
 * object whose first line is `firstlineno`. A negative index (a frame that
 * has not started) gives the first line. Returns 0, or -1 when the index is
 * past the table's end or the table is malformed (out is then all zeros). */
int linetable_find(const unsigned char *table, size_t len, int firstlineno,
                   int index, py_location *out);

#endif
