/* UTF-8 repair, JSON string escaping and numbers (see json.h). */
#include "json.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

size_t mojo_utf8_seq(const unsigned char *p, size_t n, size_t *bad)
{
    unsigned b = p[0];
    size_t len;
    unsigned lo = 0x80, hi = 0xbf; /* allowed range of the second byte */
    if (b < 0x80)
        return 1;
    if (b >= 0xc2 && b <= 0xdf)
        len = 2;
    else if (b >= 0xe0 && b <= 0xef) {
        len = 3;
        if (b == 0xe0)
            lo = 0xa0;          /* no overlongs */
        else if (b == 0xed)
            hi = 0x9f;          /* no surrogates */
    } else if (b >= 0xf0 && b <= 0xf4) {
        len = 4;
        if (b == 0xf0)
            lo = 0x90;          /* no overlongs */
        else if (b == 0xf4)
            hi = 0x8f;          /* nothing above U+10FFFF */
    } else {
        *bad = 1;
        return 0;
    }
    for (size_t i = 1; i < len; i++) {
        if (i >= n || p[i] < lo || p[i] > hi) {
            *bad = i;
            return 0;
        }
        lo = 0x80;
        hi = 0xbf;
    }
    return len;
}

bool mojo_utf8_valid(const char *s, size_t n)
{
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        if (*p < 0x80) {
            p++;
            continue;
        }
        size_t bad, len = mojo_utf8_seq(p, (size_t)(end - p), &bad);
        if (!len)
            return false;
        p += len;
    }
    return true;
}

char *mojo_utf8_repair(const char *s, size_t n, size_t *outlen)
{
    /* Each replaced byte grows to at most 3 bytes. */
    if (n > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = malloc(n * 3 + 1), *q = out;
    if (!out)
        return NULL;
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    while (p < end) {
        size_t bad, len = mojo_utf8_seq(p, (size_t)(end - p), &bad);
        if (len) {
            memcpy(q, p, len);
            q += len;
            p += len;
        } else {
            memcpy(q, "\xef\xbf\xbd", 3);
            q += 3;
            p += bad;
        }
    }
    *q = 0;
    *outlen = (size_t)(q - out);
    return out;
}

int mojo_json_write_string(mojo_output *o, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    if (mojo_output_putc(o, '"') != MOJO_OK)
        return MOJO_ERROR;
    while (p < end) {
        /* Worst case per step: one 6-byte escape or 3 replacement bytes. */
        uint8_t *q = mojo_output_reserve(o, 8);
        if (!q)
            return MOJO_ERROR;
        unsigned c = *p;
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            *q++ = (uint8_t)c;
            p++;
        } else if (c == '"' || c == '\\') {
            *q++ = '\\';
            *q++ = (uint8_t)c;
            p++;
        } else if (c < 0x80) { /* control characters and DEL */
            const char *short_esc = c == '\n' ? "\\n" : c == '\t' ? "\\t"
                                  : c == '\r' ? "\\r" : NULL;
            if (short_esc) {
                memcpy(q, short_esc, 2);
                q += 2;
            } else {
                memcpy(q, "\\u00", 4);
                q[4] = (uint8_t)hex[c >> 4];
                q[5] = (uint8_t)hex[c & 15];
                q += 6;
            }
            p++;
        } else {
            size_t bad, len = mojo_utf8_seq(p, (size_t)(end - p), &bad);
            if (!len) {
                memcpy(q, "\xef\xbf\xbd", 3);
                q += 3;
                p += bad;
            } else if (len == 3 && p[0] == 0xe2 && p[1] == 0x80 &&
                       (p[2] == 0xa8 || p[2] == 0xa9)) {
                memcpy(q, p[2] == 0xa8 ? "\\u2028" : "\\u2029", 6);
                q += 6;
                p += 3;
            } else {
                memcpy(q, p, len);
                q += len;
                p += len;
            }
        }
        o->cur = q;
    }
    return mojo_output_putc(o, '"');
}

int mojo_json_write_int(mojo_output *o, int64_t v)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%" PRId64, v);
    return mojo_output_write(o, buf, (size_t)n);
}
