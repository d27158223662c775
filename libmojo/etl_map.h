/* A small hash map for the ETL code: two 64-bit words of key, a 32-bit
 * value, open addressing, no deletion (callers mark dead values). */
#ifndef MOJO_ETL_MAP_H
#define MOJO_ETL_MAP_H

#include "internal.h"

typedef struct etl_map_slot {
    uint64_t a, b;
    uint32_t v;
    uint32_t used;
} etl_map_slot;

typedef struct etl_map {
    etl_map_slot *slots;
    size_t cap, count;
} etl_map;

MOJO_HIDDEN uint32_t *etl_map_get(const etl_map *m, uint64_t a, uint64_t b);
/* The value slot for the key, added (value 0, *added true) when new; NULL
 * when out of memory. Pointers stay valid until the next put. */
MOJO_HIDDEN uint32_t *etl_map_put(etl_map *m, uint64_t a, uint64_t b,
                                  bool *added);
MOJO_HIDDEN void etl_map_free(etl_map *m);

#endif
