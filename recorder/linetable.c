/* Location table decoding; the format is described in CPython's
 * Objects/locations.md (3.11 to 3.13 share it). */
#include "linetable.h"

#include <string.h>

enum {
    LOC_SHORT_LAST = 9,   /* codes 0..9: same line, column in 8-wide groups */
    LOC_ONE_LINE0 = 10,   /* codes 10..12: line += code - 10, byte columns */
    LOC_ONE_LINE2 = 12,
    LOC_NO_COLUMNS = 13,  /* line delta only */
    LOC_LONG = 14,        /* everything as varints */
    LOC_NONE = 15         /* no location */
};

typedef struct cursor {
    const unsigned char *p, *end;
    int bad;
} cursor;

static unsigned next_byte(cursor *c)
{
    if (c->p >= c->end) {
        c->bad = 1;
        return 0;
    }
    return *c->p++;
}

/* 6 bits per byte, least significant first; bit 6 says more follow. */
static unsigned read_varint(cursor *c)
{
    unsigned b = next_byte(c);
    unsigned val = b & 63;
    unsigned shift = 0;
    while ((b & 64) && !c->bad) {
        b = next_byte(c);
        shift += 6;
        if (shift > 24) {      /* larger than any line or column */
            c->bad = 1;
            return 0;
        }
        val |= (b & 63) << shift;
    }
    return val;
}

static int read_svarint(cursor *c)
{
    unsigned v = read_varint(c);
    return (v & 1) ? -(int)(v >> 1) : (int)(v >> 1);
}

/* From CPython's 0-based / -1 convention to 1-based / 0. */
static int column_out(int col)
{
    return col < 0 ? 0 : col + 1;
}

int linetable_find(const unsigned char *table, size_t len, int firstlineno,
                   int index, py_location *out)
{
    cursor c = { table, table + len, 0 };
    int line = firstlineno;
    long addr = 0;

    memset(out, 0, sizeof *out);
    if (index < 0) {
        out->line = out->line_end = firstlineno;
        return 0;
    }
    while (c.p < c.end) {
        unsigned first = next_byte(&c);
        if (!(first & 0x80))
            return -1;    /* every entry starts with the high bit set */
        int code = (first >> 3) & 15;
        long units = (first & 7) + 1;
        int has_line = 1, end_line = line, col = -1, end_col = -1;

        if (code <= LOC_SHORT_LAST) {
            unsigned b = next_byte(&c);
            col = code * 8 + ((b >> 4) & 7);
            end_col = col + (int)(b & 15);
        } else if (code <= LOC_ONE_LINE2) {
            line += code - LOC_ONE_LINE0;
            end_line = line;
            col = (int)next_byte(&c);
            end_col = (int)next_byte(&c);
        } else if (code == LOC_NO_COLUMNS) {
            line += read_svarint(&c);
            end_line = line;
        } else if (code == LOC_LONG) {
            line += read_svarint(&c);
            end_line = line + (int)read_varint(&c);
            col = (int)read_varint(&c) - 1;
            end_col = (int)read_varint(&c) - 1;
        } else {
            has_line = 0;
        }
        if (c.bad)
            return -1;
        if (index < addr + units) {
            if (has_line) {
                out->line = line;
                out->line_end = end_line;
                out->column = column_out(col);
                out->column_end = column_out(end_col);
            }
            return 0;
        }
        addr += units;
    }
    return -1;
}
