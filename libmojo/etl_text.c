/* Text helpers for ETL: UTF-16LE <-> UTF-8, GUIDs. */
#include "etl_text.h"

#include <stdio.h>

size_t etl_utf16_units(const uint8_t *p, size_t nbytes)
{
    for (size_t i = 0; i + 1 < nbytes; i += 2)
        if (p[i] == 0 && p[i + 1] == 0)
            return i / 2;
    return SIZE_MAX;
}

static size_t put_utf8(char *out, uint32_t c)
{
    if (c < 0x80) {
        out[0] = (char)c;
        return 1;
    }
    if (c < 0x800) {
        out[0] = (char)(0xC0 | c >> 6);
        out[1] = (char)(0x80 | (c & 0x3F));
        return 2;
    }
    if (c < 0x10000) {
        out[0] = (char)(0xE0 | c >> 12);
        out[1] = (char)(0x80 | ((c >> 6) & 0x3F));
        out[2] = (char)(0x80 | (c & 0x3F));
        return 3;
    }
    out[0] = (char)(0xF0 | c >> 18);
    out[1] = (char)(0x80 | ((c >> 12) & 0x3F));
    out[2] = (char)(0x80 | ((c >> 6) & 0x3F));
    out[3] = (char)(0x80 | (c & 0x3F));
    return 4;
}

size_t etl_utf16_to_utf8(const uint8_t *p, size_t nunits, char *out,
                         size_t cap)
{
    size_t o = 0;
    if (cap == 0)
        return 0;
    for (size_t i = 0; i < nunits; i++) {
        uint32_t c = etl_u16(p + 2 * i);
        if (c >= 0xD800 && c < 0xDC00 && i + 1 < nunits) {
            uint32_t lo = etl_u16(p + 2 * i + 2);
            if (lo >= 0xDC00 && lo < 0xE000) {
                c = 0x10000 + ((c - 0xD800) << 10) + (lo - 0xDC00);
                i++;
            } else {
                c = 0xFFFD;
            }
        } else if (c >= 0xD800 && c < 0xE000) {
            c = 0xFFFD;  /* a lone surrogate */
        }
        char tmp[4];
        size_t k = put_utf8(tmp, c);
        if (o + k >= cap)
            break;
        memcpy(out + o, tmp, k);
        o += k;
    }
    out[o] = '\0';
    return o;
}

/* Next code point of UTF-8 s[*i..n); invalid bytes stand for themselves
 * (as Latin-1), so any byte string converts. */
static uint32_t next_utf8(const unsigned char *s, size_t n, size_t *i)
{
    uint32_t c = s[*i];
    size_t need = c >= 0xF0 && c < 0xF5   ? 3
                  : c >= 0xE0 && c < 0xF0 ? 2
                  : c >= 0xC2 && c < 0xE0 ? 1
                                          : 0;
    if (need == 0 || *i + need >= n) {
        (*i)++;
        return c;
    }
    uint32_t v = c & (0x3F >> need);
    for (size_t k = 1; k <= need; k++) {
        unsigned char b = s[*i + k];
        if ((b & 0xC0) != 0x80) {
            (*i)++;
            return c;
        }
        v = v << 6 | (b & 0x3F);
    }
    if ((need == 2 && (v < 0x800 || (v >= 0xD800 && v < 0xE000))) ||
        (need == 3 && (v < 0x10000 || v > 0x10FFFF))) {
        (*i)++;
        return c;
    }
    *i += need + 1;
    return v;
}

size_t etl_utf8_to_utf16(const char *s, size_t n, uint8_t *out,
                         size_t max_units)
{
    const unsigned char *u = (const unsigned char *)s;
    size_t i = 0, o = 0;
    while (i < n) {
        size_t save = i;
        uint32_t c = next_utf8(u, n, &i);
        if (c >= 0x10000) {
            if (o + 2 > max_units) {
                i = save;
                break;
            }
            c -= 0x10000;
            etl_put16(out + 2 * o++, (uint16_t)(0xD800 + (c >> 10)));
            etl_put16(out + 2 * o++, (uint16_t)(0xDC00 + (c & 0x3FF)));
        } else {
            if (o + 1 > max_units)
                break;
            if (c == 0)
                c = 0xFFFD;  /* a NUL would end the string early */
            etl_put16(out + 2 * o++, (uint16_t)c);
        }
    }
    return o;
}

void etl_guid_format(const uint8_t g[16], char out[37])
{
    snprintf(out, 37,
             "%08x-%04x-%04x-%02x%02x-%02x%02x%02x%02x%02x%02x",
             (unsigned)etl_u32(g), (unsigned)etl_u16(g + 4),
             (unsigned)etl_u16(g + 6), g[8], g[9], g[10], g[11], g[12], g[13],
             g[14], g[15]);
}

static int hexval(int c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

bool etl_guid_parse(const char *s, uint8_t g[16])
{
    uint8_t raw[16];
    int k = 0;
    for (const char *p = s; *p; p++) {
        if (*p == '-' || *p == '{' || *p == '}')
            continue;
        int h = hexval(p[0]), l = p[1] ? hexval(p[1]) : -1;
        if (h < 0 || l < 0 || k >= 16)
            return false;
        raw[k++] = (uint8_t)(h << 4 | l);
        p++;
    }
    if (k != 16)
        return false;
    /* Data1..3 are little-endian in the Windows layout. */
    g[0] = raw[3]; g[1] = raw[2]; g[2] = raw[1]; g[3] = raw[0];
    g[4] = raw[5]; g[5] = raw[4];
    g[6] = raw[7]; g[7] = raw[6];
    memcpy(g + 8, raw + 8, 8);
    return true;
}
