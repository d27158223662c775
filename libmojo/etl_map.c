/* The ETL code's hash map (etl_map.h): linear probing. */
#include "etl_map.h"

#include <stdlib.h>

static size_t slot_of(const etl_map *m, uint64_t a, uint64_t b)
{
    return (size_t)mojo_hash_mix(mojo_hash_mix(0x51ed27, a), b) & (m->cap - 1);
}

uint32_t *etl_map_get(const etl_map *m, uint64_t a, uint64_t b)
{
    if (m->cap == 0)
        return NULL;
    for (size_t i = slot_of(m, a, b);; i = (i + 1) & (m->cap - 1)) {
        etl_map_slot *s = &m->slots[i];
        if (!s->used)
            return NULL;
        if (s->a == a && s->b == b)
            return &s->v;
    }
}

static bool grow(etl_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    etl_map_slot *ns = calloc(ncap, sizeof *ns);
    if (!ns)
        return false;
    etl_map old = *m;
    m->slots = ns;
    m->cap = ncap;
    for (size_t i = 0; i < old.cap; i++) {
        etl_map_slot *s = &old.slots[i];
        if (!s->used)
            continue;
        size_t j = slot_of(m, s->a, s->b);
        while (ns[j].used)
            j = (j + 1) & (ncap - 1);
        ns[j] = *s;
    }
    free(old.slots);
    return true;
}

uint32_t *etl_map_put(etl_map *m, uint64_t a, uint64_t b, bool *added)
{
    if ((m->count + 1) * 4 > m->cap * 3 && !grow(m))
        return NULL;
    size_t i = slot_of(m, a, b);
    for (;; i = (i + 1) & (m->cap - 1)) {
        etl_map_slot *s = &m->slots[i];
        if (!s->used)
            break;
        if (s->a == a && s->b == b) {
            if (added)
                *added = false;
            return &s->v;
        }
    }
    etl_map_slot *s = &m->slots[i];
    s->used = 1;
    s->a = a;
    s->b = b;
    s->v = 0;
    m->count++;
    if (added)
        *added = true;
    return &s->v;
}

void etl_map_free(etl_map *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->count = 0;
}
