/* Tests of the XPRESS plain LZ77 encoder (libmojo/etl_xpress_compress.c):
 * every output inflates back through the reader's decompressor
 * (etl_xpress.c) to the input: literals of every size; records coded
 * against an earlier one with bytes changed anywhere, at every size up to
 * 300 bytes; bytes declared known-equal give the same output as compared
 * ones; the length extensions (nibble, byte, u16, u32) with overlapping
 * copies; the 8192-byte distance limit; a real buffer of the stream's
 * records, record by record; an output that does not fit its room is
 * refused, never written past it. */
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

/* n random bytes. */
static uint8_t *random_bytes(size_t n)
{
    uint8_t *p = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(p);
    for (size_t i = 0; i < n; i++)
        p[i] = next_byte();
    return p;
}

/* The bound for any input: four flag bytes per 32 literals, and the last
 * flag word. */
static size_t bound(size_t n)
{
    return n + n / 32 * 4 + 8;
}

/* An input and how it is fed to the encoder: src[0..n) in parts, each
 * literals (dist 0) or coded against the bytes dist before it, with
 * [same_from, same_to) of the part declared equal. */
typedef struct part {
    size_t len, dist, same_from, same_to;
} part;

static void feed(etl_xpress_enc *z, const uint8_t *src, const part *parts,
                 size_t nparts)
{
    size_t at = 0;
    for (size_t i = 0; i < nparts; i++) {
        if (parts[i].dist)
            etl_xpress_repeat(z, src + at, parts[i].len, parts[i].dist,
                              parts[i].same_from, parts[i].same_to);
        else
            etl_xpress_literals(z, src + at, parts[i].len);
        at += parts[i].len;
    }
}

/* Encode with room for the worst case into out[cap] and inflate back;
 * the compressed size. */
static size_t round_trip_to(const uint8_t *src, const part *parts,
                            size_t nparts, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (size_t i = 0; i < nparts; i++)
        n += parts[i].len;
    uint8_t *back = malloc(n ? n : 1);
    ck_assert_ptr_nonnull(back);
    etl_xpress_enc z;
    etl_xpress_begin(&z, out, cap);
    feed(&z, src, parts, nparts);
    size_t zn = etl_xpress_end(&z);
    ck_assert_msg(zn >= 4 && zn <= cap, "%zu bytes gave %zu", n, zn);
    ck_assert_msg(etl_xpress_decompress(out, zn, back, n) == 0,
                  "%zu bytes do not inflate back", n);
    ck_assert_msg(memcmp(back, src, n) == 0, "%zu bytes differ", n);
    free(back);
    return zn;
}

static size_t round_trip(const uint8_t *src, const part *parts, size_t nparts)
{
    size_t n = 0;
    for (size_t i = 0; i < nparts; i++)
        n += parts[i].len;
    uint8_t *out = malloc(bound(n));
    ck_assert_ptr_nonnull(out);
    size_t zn = round_trip_to(src, parts, nparts, out, bound(n));
    free(out);
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

/* Literals of every size, whole and in pieces of every size. */
START_TEST(test_literals)
{
    for (size_t n = 0; n <= 300; n++) {
        uint8_t *p = random_bytes(n);
        part whole = {n, 0, 0, 0};
        ck_assert_uint_le(round_trip(p, &whole, 1), bound(n));
        part pieces[300];
        size_t k = 0, at = 0, step = 1 + n % 37;
        for (; at < n; at += step)
            pieces[k++] = (part){at + step <= n ? step : n - at, 0, 0, 0};
        round_trip(p, pieces, k);
        free(p);
    }
}
END_TEST

/* A block, then a copy of it with bytes changed (none, one at either end,
 * every 5th, runs of 2 and 3, random): every size to 300 round trips; an
 * unchanged copy takes a few bytes. */
START_TEST(test_repeat)
{
    for (size_t n = 1; n <= 300; n++) {
        for (int how = 0; how < 6; how++) {
            uint8_t *p = random_bytes(2 * n);
            memcpy(p + n, p, n);
            for (size_t i = 0; i < n; i++) {
                bool change = how == 1 ? i == 0 || i == n - 1 :
                              how == 2 ? i % 5 == 0 :
                              how == 3 ? i % 7 < 2 :
                              how == 4 ? i % 9 < 3 :
                              how == 5 ? next_byte() < 40 : false;
                if (change)
                    p[n + i] ^= (uint8_t)(1 + next_byte() % 255);
            }
            part parts[2] = {{n, 0, 0, 0}, {n, n, 0, 0}};
            size_t zn = round_trip(p, parts, 2);
            if (how == 0)
                ck_assert_uint_le(zn, bound(n) + (n >= 3 ? 8 : n));
            free(p);
        }
    }
}
END_TEST

/* Bytes declared equal are not compared, and the output is byte for byte
 * the one where they are: for every range within records of every size
 * to 160, with changes before, in between (not declared) and after. */
START_TEST(test_known_equal)
{
    for (size_t n = 8; n <= 160; n += 8) {
        uint8_t *p = random_bytes(2 * n);
        memcpy(p + n, p, n);
        p[n + 1] ^= 0x5A;
        p[n + n / 2] ^= 0x33;
        p[2 * n - 1] ^= 0x0F;
        size_t cap = bound(2 * n);
        uint8_t *a = malloc(cap), *b = malloc(cap);
        ck_assert(a && b);
        part plain[2] = {{n, 0, 0, 0}, {n, n, 0, 0}};
        size_t an = round_trip_to(p, plain, 2, a, cap);
        for (size_t from = 0; from <= n; from += 3) {
            for (size_t to = from; to <= n + 4; to += 5) {
                bool truly = (from > 1 || to <= 1) &&
                             (from > n / 2 || to <= n / 2) &&
                             (from > n - 1 || to <= n - 1);
                if (!truly)
                    continue;
                part known[2] = {{n, 0, 0, 0}, {n, n, from, to}};
                size_t bn = round_trip_to(p, known, 2, b, cap);
                ck_assert_uint_eq(bn, an);
                ck_assert_int_eq(memcmp(a, b, an), 0);
            }
        }
        free(a);
        free(b);
        free(p);
    }
}
END_TEST

/* Zero runs coded against the byte before (overlapping copies) of every
 * length around the extensions' thresholds: 10 (nibble), 25 (byte), 280
 * (u16), 65538 (u32); then a second run after a literal shares the
 * first's nibble. */
START_TEST(test_length_edges)
{
    static const size_t edges[] = {3, 4, 9, 10, 11, 24, 25, 26, 279, 280, 281,
                                   65537, 65538, 65539, 65540};
    for (size_t i = 0; i < sizeof edges / sizeof *edges; i++) {
        for (size_t extra = 0; extra < 3; extra++) {
            size_t run = edges[i] + extra;
            uint8_t *p = calloc(1 + run + 1 + 40, 1);
            ck_assert_ptr_nonnull(p);
            part one[2] = {{1, 0, 0, 0}, {run, 1, 0, 0}};
            size_t zn = round_trip(p, one, 2);
            ck_assert_uint_le(zn, 4 + 1 + 2 + 1 + 6 + 4);
            p[1 + run] = 1;
            part two[4] = {{1, 0, 0, 0}, {run, 1, 0, 0}, {1, 0, 0, 0},
                           {40, 1, 0, 0}};
            round_trip(p, two, 4);
            free(p);
        }
    }
}
END_TEST

/* A random block coded against a copy 8192 bytes back compresses (the
 * farthest distance); from 8193 on it goes in as literals. */
START_TEST(test_distance_limit)
{
    for (size_t dist = 8190; dist <= 8194; dist++) {
        uint8_t *p = random_bytes(dist + 1000);
        memcpy(p + dist, p, 1000);
        part parts[2] = {{dist, 0, 0, 0}, {1000, dist, 0, 0}};
        size_t zn = round_trip(p, parts, 2);
        size_t lits = round_trip(p, parts, 1) - 4;  /* the block before */
        if (dist <= ETL_XPRESS_MAX_DIST)
            ck_assert_uint_lt(zn, lits + 40);
        else
            ck_assert_uint_gt(zn, lits + 1000);
        free(p);
    }
}
END_TEST

/* A real data buffer: its records (each one's size is its first two
 * bytes, aligned to 8), each coded against the last record of its size,
 * round trip, every prefix of records too; the whole shrinks at least 5
 * times. */
START_TEST(test_real_buffer)
{
    size_t n;
    uint8_t *p = stream_buffer(&n);
    ck_assert_uint_gt(n, 60000);
    part *parts = calloc(n / 8, sizeof *parts);
    size_t last_at[1024] = {0}, nparts = 0;
    bool seen[1024] = {false};
    for (size_t at = 0; at < n;) {
        size_t size = (etl_u16(p + at) + 7) & ~(size_t)7;
        ck_assert(size >= 8 && size < 1024 && at + size <= n);
        parts[nparts++] = (part){size, seen[size] ? at - last_at[size] : 0,
                                 0, 0};
        seen[size] = true;
        last_at[size] = at;
        at += size;
        if (nparts % 37 == 0)
            round_trip(p, parts, nparts);
    }
    size_t zn = round_trip(p, parts, nparts);
    ck_assert_msg(zn * 5 < n, "%zu bytes gave %zu", n, zn);
    free(parts);
    free(p);
}
END_TEST

/* An output that would not fit is refused (0), whatever the room, and
 * nothing is written past it (the room is allocated exactly, for
 * ASan/valgrind to see); random bytes do not fit their own size. */
START_TEST(test_room)
{
    uint8_t *p = random_bytes(3000);
    memcpy(p + 1500, p, 1500);
    for (size_t i = 1500; i < 3000; i += 11)
        p[i] ^= 1;
    part parts[2] = {{1500, 0, 0, 0}, {1500, 1500, 0, 0}};
    size_t full = round_trip(p, parts, 2);
    for (size_t cap = 0; cap <= full + 8; cap += cap < 64 ? 1 : 37) {
        uint8_t *out = malloc(cap ? cap : 1);
        ck_assert_ptr_nonnull(out);
        etl_xpress_enc z;
        etl_xpress_begin(&z, out, cap);
        feed(&z, p, parts, 2);
        size_t zn = etl_xpress_end(&z);
        ck_assert_uint_eq(zn, cap >= full ? full : 0);
        free(out);
    }
    uint8_t out[1000];
    etl_xpress_enc z;
    etl_xpress_begin(&z, out, sizeof out);
    etl_xpress_literals(&z, p, 1000);
    ck_assert_uint_eq(etl_xpress_end(&z), 0);
    free(p);
}
END_TEST

static Suite *xpress_suite(void)
{
    Suite *s = suite_create("etl xpress");
    TCase *tc = tcase_create("compress");
    tcase_set_timeout(tc, 300);
    tcase_add_test(tc, test_literals);
    tcase_add_test(tc, test_repeat);
    tcase_add_test(tc, test_known_equal);
    tcase_add_test(tc, test_length_edges);
    tcase_add_test(tc, test_distance_limit);
    tcase_add_test(tc, test_real_buffer);
    tcase_add_test(tc, test_room);
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
