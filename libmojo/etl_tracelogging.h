/* TraceLogging: self-describing ETW events. Each event carries a schema
 * (extended item 11): its name and, per field, a name and an in-type
 * (how the payload encodes it) with an optional out-type (a formatting
 * hint), array arity and nested structs. The payload holds the values in
 * field order, packed with no padding. */
#ifndef MOJO_ETL_TRACELOGGING_H
#define MOJO_ETL_TRACELOGGING_H

#include "etl_format.h"

/* In-types (TraceLoggingDynamic.h). */
enum {
    ETL_TL_NULL = 0, ETL_TL_UNICODESTRING, ETL_TL_ANSISTRING,
    ETL_TL_INT8, ETL_TL_UINT8, ETL_TL_INT16, ETL_TL_UINT16,
    ETL_TL_INT32, ETL_TL_UINT32, ETL_TL_INT64, ETL_TL_UINT64,
    ETL_TL_FLOAT, ETL_TL_DOUBLE, ETL_TL_BOOL32, ETL_TL_BINARY, ETL_TL_GUID,
    ETL_TL_POINTER_OLD, ETL_TL_FILETIME, ETL_TL_SYSTEMTIME, ETL_TL_SID,
    ETL_TL_HEXINT32, ETL_TL_HEXINT64, ETL_TL_COUNTEDSTRING,
    ETL_TL_COUNTEDANSISTRING, ETL_TL_STRUCT, ETL_TL_COUNTEDBINARY,
    ETL_TL_MAX_INTYPE = ETL_TL_COUNTEDBINARY
};
/* Bits of the in-meta byte. */
#define ETL_TL_ARITY_MASK 0x60
#define ETL_TL_CCOUNT     0x20  /* constant count in the schema */
#define ETL_TL_VCOUNT     0x40  /* u16 count before the values */
#define ETL_TL_CUSTOM     0x60  /* u16 size + bytes, custom schema */
#define ETL_TL_CHAIN      0x80  /* another meta byte follows */
/* Out-types used here. */
#define ETL_TL_OUT_STRING  0x02
#define ETL_TL_OUT_BOOLEAN 0x03
#define ETL_TL_OUT_HEX     0x04
#define ETL_TL_OUT_UTF8    0x23

#define ETL_TL_MAX_FIELDS 256

typedef struct etl_tl_field {
    const char *name;
    uint8_t in;           /* in-type */
    uint8_t out;          /* out-type, 0 when none */
    uint8_t arity;        /* 0, ETL_TL_CCOUNT, ETL_TL_VCOUNT, ETL_TL_CUSTOM */
    uint8_t depth;        /* nesting level inside structs */
    uint16_t ccount;      /* ETL_TL_CCOUNT: the element count */
    uint16_t nmembers;    /* ETL_TL_STRUCT: fields that belong to it */
} etl_tl_field;

typedef struct etl_tl_schema {
    const char *name;     /* the event name */
    size_t nfields;       /* all fields, struct members included */
    etl_tl_field *fields;
    /* Free slots for a user of the schema (the Python interpretation
     * caches which event it is and where its fields are). */
    int kind;
    int16_t slot[8];
} etl_tl_schema;

/* One decoded field: where its value lies in the payload. */
typedef struct etl_tl_value {
    const uint8_t *p;     /* first element (after a count prefix) */
    size_t len;           /* bytes of all elements */
    uint32_t count;       /* elements: 1 for scalars */
    bool present;         /* false: inside an array of structs */
} etl_tl_value;

/* Parse a schema blob; NULL when malformed (*why says what was expected)
 * or out of memory (*why NULL). Free with etl_tl_schema_free. */
MOJO_HIDDEN etl_tl_schema *etl_tl_schema_parse(const uint8_t *p, size_t n,
                                               const char **why);
MOJO_HIDDEN void etl_tl_schema_free(etl_tl_schema *s);

/* Decode payload[0..n) by schema s into vals[0..s->nfields). 0, or -1
 * when the payload does not fit the schema. ptr_size: 4 or 8. */
MOJO_HIDDEN int etl_tl_decode(const etl_tl_schema *s, const uint8_t *payload,
                              size_t n, unsigned ptr_size, etl_tl_value *vals);

/* Format one scalar element of field f at p (len bytes) as text, the way
 * trace viewers print it (decimal, 0x-hex, UTF-8, GUID, True/False). */
MOJO_HIDDEN size_t etl_tl_format(const etl_tl_field *f, const uint8_t *p,
                                 size_t len, char *out, size_t cap);
/* Integer value of a scalar integer field (any width; signed types are
 * sign-extended); false when the field is not an integer. */
MOJO_HIDDEN bool etl_tl_int(const etl_tl_field *f, const etl_tl_value *v,
                            int64_t *out);

/* A cache of parsed schemas keyed by their bytes: every event repeats its
 * schema, so each distinct one is parsed once. */
typedef struct etl_tl_cache etl_tl_cache;
MOJO_HIDDEN etl_tl_cache *etl_tl_cache_new(void);
MOJO_HIDDEN void etl_tl_cache_free(etl_tl_cache *c);
/* The schema for these bytes, parsed on first sight. NULL when malformed
 * (*why set) or out of memory (*why NULL). */
MOJO_HIDDEN etl_tl_schema *etl_tl_cache_get(etl_tl_cache *c, const uint8_t *p,
                                            size_t n, const char **why);

/* Provider name from a provider-traits blob (u16 size, UTF-8 name). */
MOJO_HIDDEN bool etl_tl_provider_name(const uint8_t *p, size_t n,
                                      const char **name, size_t *len);

#endif
