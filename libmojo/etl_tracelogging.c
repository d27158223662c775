/* TraceLogging schemas and payloads (grammar: TraceLoggingDynamic.h,
 * EventMetadata / FieldMetadata). */
#include "etl_tracelogging.h"
#include "etl_text.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

/* -------------------------------------------------------------- schema */

/* A schema and its bytes live in one allocation: names point into it. */
struct schema_block {
    etl_tl_schema s;
    size_t len;
    uint64_t hash;
    struct schema_block *next;  /* cache chain */
    uint8_t bytes[];
};

static bool skip_tags(const uint8_t *p, size_t n, size_t *i)
{
    while (*i < n) {
        if (!(p[(*i)++] & 0x80))
            return true;
    }
    return false;
}

static bool take_name(const uint8_t *p, size_t n, size_t *i, const char **s)
{
    const uint8_t *z = memchr(p + *i, 0, n - *i);
    if (!z)
        return false;
    *s = (const char *)p + *i;
    *i = (size_t)(z - p) + 1;
    return true;
}

static struct schema_block *parse_block(const uint8_t *src, size_t n,
                                        const char **why)
{
    struct schema_block *b = malloc(sizeof *b + n + 1);
    if (!b) {
        *why = NULL;
        return NULL;
    }
    memset(b, 0, sizeof *b);
    memcpy(b->bytes, src, n);
    b->bytes[n] = 0;
    b->len = n;
    const uint8_t *p = b->bytes;
    etl_tl_field fields[ETL_TL_MAX_FIELDS];
    uint16_t open[ETL_TL_MAX_FIELDS]; /* members still expected per level */
    unsigned depth = 0;
    size_t nf = 0, i = 2;

    *why = "a schema of at least 4 bytes";
    if (n < 4)
        goto fail;
    size_t size = etl_u16(p);
    *why = "a schema size that matches its item";
    if (size > n || size < 4)
        goto fail;
    n = size;
    *why = "event tags and a NUL-terminated event name";
    if (!skip_tags(p, n, &i) || !take_name(p, n, &i, &b->s.name))
        goto fail;
    while (i < n) {
        etl_tl_field f = {0};
        *why = "a NUL-terminated field name and its type byte";
        if (!take_name(p, n, &i, &f.name) || i >= n)
            goto fail;
        uint8_t in = p[i++];
        f.in = in & 0x1F;
        f.arity = in & ETL_TL_ARITY_MASK;
        if (in & ETL_TL_CHAIN) {
            *why = "an out-type byte";
            if (i >= n)
                goto fail;
            uint8_t out = p[i++];
            f.out = out & 0x7F;
            *why = "field tags";
            if ((out & 0x80) && !skip_tags(p, n, &i))
                goto fail;
        }
        if (f.arity == ETL_TL_CCOUNT || f.arity == ETL_TL_CUSTOM) {
            *why = "a 16-bit count or schema size";
            if (n - i < 2)
                goto fail;
            uint16_t v = etl_u16(p + i);
            i += 2;
            if (f.arity == ETL_TL_CCOUNT) {
                f.ccount = v;
            } else {
                *why = "the custom schema bytes";
                if (n - i < v)
                    goto fail;
                i += v;
            }
        }
        *why = "an in-type TraceLogging defines";
        if (f.in > ETL_TL_MAX_INTYPE)
            goto fail;
        *why = "at most 256 fields nested at most 256 deep";
        if (nf == ETL_TL_MAX_FIELDS)
            goto fail;
        f.depth = (uint8_t)depth;
        if (depth > 0)
            open[depth - 1]--;
        if (f.in == ETL_TL_STRUCT) {
            f.nmembers = f.out;
            *why = "a struct with at least one member";
            if (f.nmembers == 0 || depth >= 255)
                goto fail;
            open[depth++] = f.nmembers;
        } else {
            /* the last member closes its struct, maybe enclosing ones */
            while (depth > 0 && open[depth - 1] == 0)
                depth--;
        }
        fields[nf++] = f;
    }
    *why = "as many fields as its structs announce";
    if (depth != 0)
        goto fail;
    b->s.nfields = nf;
    if (nf) {
        b->s.fields = malloc(nf * sizeof *fields);
        if (!b->s.fields) {
            *why = NULL;
            goto fail;
        }
        memcpy(b->s.fields, fields, nf * sizeof *fields);
    }
    for (size_t k = 0; k < 8; k++)
        b->s.slot[k] = -1;
    return b;
fail:
    free(b);
    return NULL;
}

etl_tl_schema *etl_tl_schema_parse(const uint8_t *p, size_t n, const char **why)
{
    struct schema_block *b = parse_block(p, n, why);
    return b ? &b->s : NULL;
}

void etl_tl_schema_free(etl_tl_schema *s)
{
    if (!s)
        return;
    free(s->fields);
    free((struct schema_block *)s);  /* s is the block's first member */
}

/* ------------------------------------------------------------- payload */

/* Bytes of one element of a non-struct in-type at p, or -1. */
static ptrdiff_t element_size(uint8_t in, const uint8_t *p, size_t n,
                              unsigned ptr_size)
{
    size_t k;
    switch (in) {
    case ETL_TL_NULL: return 0;
    case ETL_TL_INT8: case ETL_TL_UINT8: k = 1; break;
    case ETL_TL_INT16: case ETL_TL_UINT16: k = 2; break;
    case ETL_TL_INT32: case ETL_TL_UINT32: case ETL_TL_FLOAT:
    case ETL_TL_BOOL32: case ETL_TL_HEXINT32: k = 4; break;
    case ETL_TL_INT64: case ETL_TL_UINT64: case ETL_TL_DOUBLE:
    case ETL_TL_FILETIME: case ETL_TL_HEXINT64: k = 8; break;
    case ETL_TL_GUID: case ETL_TL_SYSTEMTIME: k = 16; break;
    case ETL_TL_POINTER_OLD: k = ptr_size; break;
    case ETL_TL_UNICODESTRING: {
        size_t u = etl_utf16_units(p, n);
        if (u == SIZE_MAX)
            return -1;
        k = 2 * u + 2;
        break;
    }
    case ETL_TL_ANSISTRING: {
        const uint8_t *z = memchr(p, 0, n);
        if (!z)
            return -1;
        k = (size_t)(z - p) + 1;
        break;
    }
    case ETL_TL_SID:
        if (n < 8)
            return -1;
        k = 8 + 4u * p[1];
        break;
    case ETL_TL_BINARY: case ETL_TL_COUNTEDSTRING:
    case ETL_TL_COUNTEDANSISTRING: case ETL_TL_COUNTEDBINARY:
        if (n < 2)
            return -1;
        k = 2u + etl_u16(p);
        break;
    default:
        return -1;
    }
    return k <= n ? (ptrdiff_t)k : -1;
}

typedef struct walk {
    const etl_tl_schema *s;
    const uint8_t *base;
    size_t n, pos;
    unsigned ptr_size;
    etl_tl_value *vals;
} walk;

static int walk_field(walk *w, size_t *fi, bool record);

/* Step *fi over the definitions of nmembers fields (nested included). */
static int skip_defs(const etl_tl_schema *s, size_t *fi, unsigned nmembers)
{
    for (unsigned m = 0; m < nmembers; m++) {
        if (*fi >= s->nfields)
            return -1;
        const etl_tl_field *f = &s->fields[(*fi)++];
        if (f->in == ETL_TL_STRUCT && skip_defs(s, fi, f->nmembers) != 0)
            return -1;
    }
    return 0;
}

/* Walk the members of the struct at field index *fi (already consumed). */
static int walk_members(walk *w, size_t *fi, unsigned nmembers, bool record)
{
    for (unsigned m = 0; m < nmembers; m++) {
        if (*fi >= w->s->nfields)
            return -1;
        if (walk_field(w, fi, record) != 0)
            return -1;
    }
    return 0;
}

/* Decode field *fi and advance *fi past it (and its members). */
static int walk_field(walk *w, size_t *fi, bool record)
{
    const etl_tl_field *f = &w->s->fields[*fi];
    etl_tl_value *v = &w->vals[*fi];
    size_t self = (*fi)++;
    uint32_t count = 1;
    size_t left = w->n - w->pos;

    if (f->arity == ETL_TL_VCOUNT) {
        if (left < 2)
            return -1;
        count = etl_u16(w->base + w->pos);
        w->pos += 2;
    } else if (f->arity == ETL_TL_CCOUNT) {
        count = f->ccount;
    } else if (f->arity == ETL_TL_CUSTOM) {
        if (left < 2 || left - 2 < etl_u16(w->base + w->pos))
            return -1;
        size_t k = etl_u16(w->base + w->pos);
        *v = (etl_tl_value){w->base + w->pos + 2, k, 1, record};
        w->pos += 2 + k;
        return 0;
    }
    size_t start = w->pos;
    if (f->in == ETL_TL_STRUCT) {
        size_t first = *fi;
        if (count == 0) {  /* skip the member definitions, no values */
            if (skip_defs(w->s, fi, f->nmembers) != 0)
                return -1;
        }
        for (uint32_t e = 0; e < count; e++) {
            *fi = first;
            /* members get values only for a single struct */
            if (walk_members(w, fi, f->nmembers, record && count == 1) != 0)
                return -1;
        }
    } else {
        for (uint32_t e = 0; e < count; e++) {
            ptrdiff_t k = element_size(f->in, w->base + w->pos,
                                       w->n - w->pos, w->ptr_size);
            if (k < 0)
                return -1;
            w->pos += (size_t)k;
        }
    }
    w->vals[self] = (etl_tl_value){w->base + start, w->pos - start, count,
                                   record};
    return 0;
}

int etl_tl_decode(const etl_tl_schema *s, const uint8_t *payload, size_t n,
                  unsigned ptr_size, etl_tl_value *vals)
{
    walk w = {s, payload, n, 0, ptr_size, vals};
    memset(vals, 0, s->nfields * sizeof *vals);
    size_t fi = 0;
    while (fi < s->nfields)
        if (walk_field(&w, &fi, true) != 0)
            return -1;
    return 0;
}

/* ------------------------------------------------------------- values */

bool etl_tl_int(const etl_tl_field *f, const etl_tl_value *v, int64_t *out)
{
    const uint8_t *p = v->p;
    if (!v->present || v->count != 1 || f->arity == ETL_TL_CUSTOM)
        return false;
    switch (f->in) {
    case ETL_TL_INT8: *out = (int8_t)p[0]; break;
    case ETL_TL_UINT8: *out = p[0]; break;
    case ETL_TL_INT16: *out = (int16_t)etl_u16(p); break;
    case ETL_TL_UINT16: *out = etl_u16(p); break;
    case ETL_TL_INT32: case ETL_TL_BOOL32: *out = (int32_t)etl_u32(p); break;
    case ETL_TL_UINT32: case ETL_TL_HEXINT32: *out = etl_u32(p); break;
    case ETL_TL_INT64: case ETL_TL_UINT64: case ETL_TL_HEXINT64:
        *out = (int64_t)etl_u64(p);
        break;
    case ETL_TL_POINTER_OLD:
        *out = (int64_t)etl_ptr(p, (unsigned)v->len);
        break;
    default:
        return false;
    }
    return true;
}

/* Days since 1970-01-01 to a civil date (proleptic Gregorian). */
static void civil(int64_t days, int *y, unsigned *m, unsigned *d)
{
    days += 719468;
    int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    unsigned doe = (unsigned)(days - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int)(yoe + era * 400 + (*m <= 2));
}

static size_t format_filetime(uint64_t ft, char *out, size_t cap)
{
    /* 100 ns units since 1601-01-01; 11644473600 s to 1970. */
    int64_t secs = (int64_t)(ft / 10000000u) - INT64_C(11644473600);
    unsigned frac = (unsigned)(ft % 10000000u);
    int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
    int64_t sod = secs - days * 86400;
    int y;
    unsigned m, d;
    civil(days, &y, &m, &d);
    int k = snprintf(out, cap, "%04d-%02u-%02uT%02u:%02u:%02u.%07uZ", y, m, d,
                     (unsigned)(sod / 3600), (unsigned)(sod / 60 % 60),
                     (unsigned)(sod % 60), frac);
    return k < 0 ? 0 : (size_t)k;
}

static size_t format_hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 3 <= cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%02x", p[i]);
    if (o < cap)
        out[o] = 0;
    return o;
}

size_t etl_tl_format(const etl_tl_field *f, const uint8_t *p, size_t len,
                     char *out, size_t cap)
{
    etl_tl_value v = {p, len, 1, true};
    etl_tl_field scalar = *f;
    int64_t x;
    int k = 0;
    if (cap == 0)
        return 0;
    out[0] = 0;
    scalar.arity = 0;
    switch (f->in) {
    case ETL_TL_UNICODESTRING:
        return etl_utf16_to_utf8(p, len >= 2 ? len / 2 - 1 : 0, out, cap);
    case ETL_TL_COUNTEDSTRING:
        return etl_utf16_to_utf8(p + 2, (len - 2) / 2, out, cap);
    case ETL_TL_ANSISTRING: case ETL_TL_COUNTEDANSISTRING: {
        size_t off = f->in == ETL_TL_COUNTEDANSISTRING ? 2 : 0;
        size_t n = len - off - (f->in == ETL_TL_ANSISTRING ? 1 : 0);
        if (n >= cap)
            n = cap - 1;
        memcpy(out, p + off, n);
        out[n] = 0;
        return n;
    }
    case ETL_TL_GUID:
        if (cap < 37)
            return 0;
        etl_guid_format(p, out);
        return 36;
    case ETL_TL_FLOAT: {
        float fl;
        uint32_t bits = etl_u32(p);
        memcpy(&fl, &bits, sizeof fl);
        k = snprintf(out, cap, "%g", (double)fl);
        break;
    }
    case ETL_TL_DOUBLE: {
        double db;
        uint64_t bits = etl_u64(p);
        memcpy(&db, &bits, sizeof db);
        k = snprintf(out, cap, "%g", db);
        break;
    }
    case ETL_TL_FILETIME:
        return format_filetime(etl_u64(p), out, cap);
    case ETL_TL_SYSTEMTIME:
        k = snprintf(out, cap, "%04u-%02u-%02uT%02u:%02u:%02u.%03u",
                     etl_u16(p), etl_u16(p + 2), etl_u16(p + 6), etl_u16(p + 8),
                     etl_u16(p + 10), etl_u16(p + 12), etl_u16(p + 14));
        break;
    case ETL_TL_SID: {
        uint64_t auth = 0;
        for (int i = 2; i < 8; i++)
            auth = auth << 8 | p[i];
        k = snprintf(out, cap, "S-%u-%" PRIu64, p[0], auth);
        for (unsigned i = 0; i < p[1] && k > 0 && (size_t)k < cap; i++)
            k += snprintf(out + k, cap - (size_t)k, "-%u",
                          (unsigned)etl_u32(p + 8 + 4 * i));
        break;
    }
    case ETL_TL_BINARY: case ETL_TL_COUNTEDBINARY:
        return format_hex(p + 2, len - 2, out, cap);
    case ETL_TL_HEXINT32: case ETL_TL_HEXINT64: case ETL_TL_POINTER_OLD:
        etl_tl_int(&scalar, &v, &x);
        k = snprintf(out, cap, "0x%" PRIx64, (uint64_t)x);
        break;
    case ETL_TL_BOOL32:
        etl_tl_int(&scalar, &v, &x);
        k = snprintf(out, cap, "%s", x ? "True" : "False");
        break;
    default:
        if (!etl_tl_int(&scalar, &v, &x))
            return format_hex(p, len, out, cap);
        if (f->out == ETL_TL_OUT_BOOLEAN)
            k = snprintf(out, cap, "%s", x ? "True" : "False");
        else if (f->out == ETL_TL_OUT_HEX)
            k = snprintf(out, cap, "0x%" PRIx64, (uint64_t)x);
        else if (f->in == ETL_TL_UINT64)
            k = snprintf(out, cap, "%" PRIu64, (uint64_t)x);
        else
            k = snprintf(out, cap, "%" PRId64, x);
        break;
    }
    if (k < 0)
        return 0;
    return (size_t)k < cap ? (size_t)k : cap - 1;
}

bool etl_tl_provider_name(const uint8_t *p, size_t n, const char **name,
                          size_t *len)
{
    if (n < 3)
        return false;
    size_t size = etl_u16(p);
    if (size > n)
        size = n;
    const uint8_t *z = memchr(p + 2, 0, size > 2 ? size - 2 : 0);
    if (!z)
        return false;
    *name = (const char *)p + 2;
    *len = (size_t)(z - p) - 2;
    return true;
}

/* --------------------------------------------------------------- cache */

#define CACHE_MAX_SCHEMAS 65536u

#define RECENT 31  /* a prime: schemas of different sizes rarely share */

struct etl_tl_cache {
    struct schema_block **slots;
    size_t nslots, count;
    struct schema_block *recent[RECENT];  /* by size: skips the hashing */
};

etl_tl_cache *etl_tl_cache_new(void)
{
    etl_tl_cache *c = calloc(1, sizeof *c);
    if (!c)
        return NULL;
    c->nslots = 64;
    if (!(c->slots = calloc(c->nslots, sizeof *c->slots))) {
        free(c);
        return NULL;
    }
    return c;
}

void etl_tl_cache_free(etl_tl_cache *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->nslots; i++)
        for (struct schema_block *b = c->slots[i], *nx; b; b = nx) {
            nx = b->next;
            etl_tl_schema_free(&b->s);
        }
    free(c->slots);
    free(c);
}

static void rehash(etl_tl_cache *c)
{
    size_t n = c->nslots * 2;
    struct schema_block **s = calloc(n, sizeof *s);
    if (!s)
        return;  /* keep the longer chains */
    for (size_t i = 0; i < c->nslots; i++)
        for (struct schema_block *b = c->slots[i], *nx; b; b = nx) {
            nx = b->next;
            b->next = s[b->hash & (n - 1)];
            s[b->hash & (n - 1)] = b;
        }
    free(c->slots);
    c->slots = s;
    c->nslots = n;
}

etl_tl_schema *etl_tl_cache_get(etl_tl_cache *c, const uint8_t *p, size_t n,
                                const char **why)
{
    struct schema_block **r = &c->recent[n % RECENT];
    if (*r && (*r)->len == n && memcmp((*r)->bytes, p, n) == 0)
        return &(*r)->s;
    uint64_t h = mojo_hash_bytes(p, n, 0x7e1);
    for (struct schema_block *b = c->slots[h & (c->nslots - 1)]; b; b = b->next)
        if (b->hash == h && b->len == n && memcmp(b->bytes, p, n) == 0) {
            *r = b;
            return &b->s;
        }
    if (c->count >= CACHE_MAX_SCHEMAS) {
        *why = "at most 65536 distinct TraceLogging schemas";
        return NULL;
    }
    struct schema_block *b = parse_block(p, n, why);
    if (!b)
        return NULL;
    b->hash = h;
    b->next = c->slots[h & (c->nslots - 1)];
    c->slots[h & (c->nslots - 1)] = b;
    *r = b;
    if (++c->count > c->nslots)
        rehash(c);
    return &b->s;
}
