/* Tests of the XPRESS plain LZ77 compressor (libmojo/etl_xpress_compress.c):
 * every output inflates back through the reader's decompressor
 * (etl_xpress.c) to the input, for random, zero, repetitive and real ETL
 * buffer inputs of every size up to 300 bytes and of 64 KiB and more;
 * the length extensions (nibble, byte, u16, u32) and the 8192-byte
 * distance limit; an output that does not fit its room is refused, never
 * written past it. */
#include "config.h" /* mkstemp and friends */

#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "etl_format.h"
#include "etl_stream.h"
#include "etl_xpress.h"
#include "testutil.h"

/* ------------------------------------------------------------ inputs */

static uint64_t rng = 0x9E3779B97F4A7C15u;

static uint8_t next_byte(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint8_t)(rng >> 32);
}

enum { RANDOM, ZERO, PERIOD3, RECORDS, TEXTLIKE, KINDS };

/* n bytes of the given kind. */
static uint8_t *make_input(int kind, size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < n; i++) {
        switch (kind) {
        case RANDOM: p[i] = next_byte(); break;
        case ZERO: p[i] = 0; break;
        case PERIOD3: p[i] = (uint8_t)("abc"[i % 3]); break;
        case RECORDS:  /* 48-byte records: a counter among constant bytes */
            p[i] = i % 48 < 4 ? (uint8_t)(i / 48 >> (8 * (i % 48))) :
                                (uint8_t)(i % 48 * 7);
            break;
        default:  /* a small alphabet with runs: short matches everywhere */
            p[i] = (uint8_t)('a' + next_byte() % 4);
            break;
        }
    }
    return p;
}

/* The bound for any input: four flag bytes per 32 literals, and the last
 * flag word. */
static size_t bound(size_t n)
{
    return n + n / 32 * 4 + 8;
}

/* Compress with room for the worst case and inflate back. */
static size_t round_trip(const uint8_t *src, size_t n)
{
    size_t cap = bound(n);
    uint8_t *z = malloc(cap);
    uint8_t *back = malloc(n ? n : 1);
    ck_assert(z && back);
    size_t zn = etl_xpress_compress(src, n, z, cap);
    ck_assert_msg(zn >= 4 && zn <= cap, "%zu bytes gave %zu", n, zn);
    ck_assert_msg(etl_xpress_decompress(z, zn, back, n) == 0,
                  "%zu bytes do not inflate back", n);
    ck_assert_msg(memcmp(back, src, n) == 0, "%zu bytes differ", n);
    free(z);
    free(back);
    return zn;
}

/* A real data buffer's payload: the stream's first buffer of push/pop
 * events at call depths 1..8; its length in *n. */
static uint8_t *stream_buffer(size_t *n)
{
    char path[64];
    const char *dir = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/etl_xpress_XXXXXX",
             dir && *dir ? dir : "/tmp");
    int fd = mkstemp(path);
    ck_assert_int_ge(fd, 0);
    mojo_error err;
    etl_stream *s = etl_stream_open(fd, path, &err);
    ck_assert_ptr_nonnull(s);
    uint64_t t = 0;
    for (int round = 0; round < 400; round++) {
        uint64_t depth = 1 + (uint64_t)round % 8;
        for (uint64_t d = 1; d <= depth; d++)
            etl_stream_push(s, t += 3 + d, 7, 11, d + 100, d + 99, d * 3);
        for (uint64_t d = depth; d >= 1; d--)
            etl_stream_pop(s, t += 5, 7, 11, d + 100);
    }
    ck_assert_int_eq(etl_stream_close(s, t, &err), MOJO_OK);
    close(fd);
    size_t len;
    uint8_t *file = (uint8_t *)tu_slurp(path, &len);
    unlink(path);
    ck_assert_uint_ge(len, 2 * 65536);
    uint8_t *b = file + 65536;
    *n = etl_u32(b + ETL_BUF_OFFSET) - ETL_BUF_HEADER_SIZE;
    uint8_t *p = malloc(*n);
    ck_assert_ptr_nonnull(p);
    memcpy(p, b + ETL_BUF_HEADER_SIZE, *n);
    free(file);
    return p;
}

/* ------------------------------------------------------------- tests */

START_TEST(test_small_sizes)
{
    for (int kind = 0; kind < KINDS; kind++) {
        for (size_t n = 0; n <= 300; n++) {
            uint8_t *p = make_input(kind, n);
            round_trip(p, n);
            free(p);
        }
    }
}
END_TEST

START_TEST(test_large)
{
    static const size_t sizes[] = {65536, 65535, 65537, 200000};
    for (int kind = 0; kind < KINDS; kind++) {
        for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
            uint8_t *p = make_input(kind, sizes[i]);
            size_t zn = round_trip(p, sizes[i]);
            if (kind == ZERO || kind == PERIOD3)  /* u16 and u32 lengths */
                ck_assert_uint_lt(zn, 64);
            free(p);
        }
    }
}
END_TEST

/* Zero runs of every length around the extensions' thresholds: 10
 * (nibble), 25 (byte), 280 (u16), 65538 (u32), shared nibbles. */
START_TEST(test_length_edges)
{
    static const size_t edges[] = {9, 10, 11, 24, 25, 26, 279, 280, 281,
                                   65537, 65538, 65539, 65540};
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
        for (size_t extra = 0; extra < 3; extra++) {
            /* one literal, then a match of edges[i] + extra - 1 ... */
            size_t n = 1 + edges[i] + extra;
            uint8_t *p = calloc(n + 40, 1);
            ck_assert_ptr_nonnull(p);
            round_trip(p, n);
            /* ... and a second match after a literal: the high nibble */
            p[n] = 1;
            memset(p + n + 1, 0, 39);
            round_trip(p, n + 40);
            free(p);
        }
    }
}
END_TEST

/* A random block repeated at distance 8192 compresses (the largest
 * distance); at 8193 it cannot be reached and must not be encoded. */
START_TEST(test_distance_limit)
{
    for (size_t period = 8190; period <= 8194; period++) {
        uint8_t *p = make_input(RANDOM, 2 * period);
        memcpy(p + period, p, period);
        size_t zn = round_trip(p, 2 * period);
        if (period <= 8192)
            ck_assert_uint_lt(zn, period + period / 4);
        else
            ck_assert_uint_gt(zn, 2 * period);
        free(p);
    }
}
END_TEST

/* An output that would not fit is refused (0), whatever the room, and
 * nothing is written past it (the room is allocated exactly, for
 * ASan/valgrind to see). */
START_TEST(test_room)
{
    size_t real_n;
    uint8_t *real = stream_buffer(&real_n);
    const uint8_t *inputs[3];
    size_t sizes[3] = {1000, 3000, real_n};
    uint8_t *random = make_input(RANDOM, 1000);
    uint8_t *text = make_input(TEXTLIKE, 3000);
    inputs[0] = random;
    inputs[1] = text;
    inputs[2] = real;
    for (int i = 0; i < 3; i++) {
        size_t full = round_trip(inputs[i], sizes[i]);
        for (size_t cap = 0; cap <= full + 8; cap += cap < 64 ? 1 : 37) {
            uint8_t *z = malloc(cap ? cap : 1);
            ck_assert_ptr_nonnull(z);
            size_t zn = etl_xpress_compress(inputs[i], sizes[i], z, cap);
            ck_assert_uint_le(zn, cap);
            if (zn) {
                uint8_t *back = malloc(sizes[i]);
                ck_assert_int_eq(etl_xpress_decompress(z, zn, back, sizes[i]),
                                 0);
                ck_assert_int_eq(memcmp(back, inputs[i], sizes[i]), 0);
                free(back);
            }
            free(z);
        }
    }
    /* random data does not shrink: refused with its own size as room */
    uint8_t z[1000];
    ck_assert_uint_eq(etl_xpress_compress(random, 1000, z, 1000), 0);
    free(random);
    free(text);
    free(real);
}
END_TEST

/* A real buffer of push/pop events: every prefix round trips, the whole
 * shrinks at least 5 times. */
START_TEST(test_real_buffer)
{
    size_t n;
    uint8_t *p = stream_buffer(&n);
    ck_assert_uint_gt(n, 60000);
    for (size_t k = 0; k <= 300; k++)
        round_trip(p, k);
    for (size_t k = 301; k < n; k += 997)
        round_trip(p, k);
    size_t zn = round_trip(p, n);
    ck_assert_msg(zn * 5 < n, "%zu bytes gave %zu", n, zn);
    free(p);
}
END_TEST

static Suite *xpress_suite(void)
{
    Suite *s = suite_create("etl xpress");
    TCase *tc = tcase_create("compress");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_small_sizes);
    tcase_add_test(tc, test_large);
    tcase_add_test(tc, test_length_edges);
    tcase_add_test(tc, test_distance_limit);
    tcase_add_test(tc, test_room);
    tcase_add_test(tc, test_real_buffer);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    SRunner *sr = srunner_create(xpress_suite());
    srunner_run_all(sr, CK_NORMAL);
    int failed = srunner_ntests_failed(sr);
    srunner_free(sr);
    return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
