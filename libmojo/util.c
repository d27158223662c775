/* Small shared helpers: growable arrays and hashing. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

bool mojo_grow(void **buf, size_t *cap, size_t need, size_t esz)
{
    if (need <= *cap)
        return true;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need) {
        if (ncap > SIZE_MAX / 2 / esz)
            return false;
        ncap *= 2;
    }
    void *p = realloc(*buf, ncap * esz);
    if (!p)
        return false;
    *buf = p;
    *cap = ncap;
    return true;
}

/* A fast non-cryptographic hash over 8-byte words (multiply-xorshift). */
static inline uint64_t load64(const uint8_t *p)
{
    uint64_t v;
    memcpy(&v, p, 8);
    return v;
}

uint64_t mojo_hash_bytes(const void *data, size_t n, uint64_t seed)
{
    const uint8_t *p = data;
    uint64_t h = seed ^ (n * 0x9e3779b97f4a7c15ull);
    while (n >= 8) {
        h = (h ^ load64(p)) * 0xbf58476d1ce4e5b9ull;
        h ^= h >> 31;
        p += 8;
        n -= 8;
    }
    uint64_t tail = 0;
    if (n) /* data may be NULL when n is 0 */
        memcpy(&tail, p, n);
    h = (h ^ tail ^ ((uint64_t)n << 56)) * 0x94d049bb133111ebull;
    h ^= h >> 29;
    h *= 0xbf58476d1ce4e5b9ull;
    return h ^ (h >> 32);
}

const char *mojo_format_name(mojo_format f)
{
    switch (f) {
    case MOJO_FORMAT_MOJO: return "mojo";
    case MOJO_FORMAT_AUSTIN: return "austin";
    case MOJO_FORMAT_ETL: return "etl";
    case MOJO_FORMAT_PPROF: return "pprof";
    case MOJO_FORMAT_SPEEDSCOPE: return "speedscope";
    default: return NULL;
    }
}

mojo_format mojo_format_from_name(const char *name)
{
    static const struct { const char *name; mojo_format f; } names[] = {
        {"mojo", MOJO_FORMAT_MOJO},     {"austin", MOJO_FORMAT_AUSTIN},
        {"text", MOJO_FORMAT_AUSTIN},   {"collapsed", MOJO_FORMAT_AUSTIN},
        {"etl", MOJO_FORMAT_ETL},       {"pprof", MOJO_FORMAT_PPROF},
        {"speedscope", MOJO_FORMAT_SPEEDSCOPE},
    };
    for (size_t i = 0; name && i < sizeof names / sizeof names[0]; i++)
        if (strcmp(name, names[i].name) == 0)
            return names[i].f;
    return MOJO_FORMAT_UNKNOWN;
}

static size_t map_index(const mojo_map *m, uint64_t a, uint64_t b)
{
    return mojo_hash_mix(mojo_hash_mix(0x1234567, a), b) & (m->cap - 1);
}

mojo_map_slot *mojo_map_find(const mojo_map *m, uint64_t a, uint64_t b)
{
    if (!m->cap)
        return NULL;
    for (size_t i = map_index(m, a, b);; i = (i + 1) & (m->cap - 1)) {
        mojo_map_slot *s = &m->slots[i];
        if (!s->used)
            return NULL;
        if (s->a == a && s->b == b)
            return s;
    }
}

bool mojo_map_put(mojo_map *m, uint64_t a, uint64_t b, uintptr_t v)
{
    mojo_map_slot *s = mojo_map_find(m, a, b);
    if (s) {
        s->value = v;
        return true;
    }
    if ((m->count + 1) * 4 >= m->cap * 3) {
        size_t ncap = m->cap ? m->cap * 2 : 256;
        mojo_map_slot *ns = calloc(ncap, sizeof *ns);
        if (!ns)
            return false;
        mojo_map old = *m;
        m->slots = ns;
        m->cap = ncap;
        for (size_t i = 0; i < old.cap; i++) {
            if (!old.slots[i].used)
                continue;
            size_t j = map_index(m, old.slots[i].a, old.slots[i].b);
            while (ns[j].used)
                j = (j + 1) & (ncap - 1);
            ns[j] = old.slots[i];
        }
        free(old.slots);
    }
    size_t j = map_index(m, a, b);
    while (m->slots[j].used)
        j = (j + 1) & (m->cap - 1);
    m->slots[j] = (mojo_map_slot){a, b, v, true};
    m->count++;
    return true;
}

void mojo_map_free(mojo_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->count = m->cap = 0;
}
