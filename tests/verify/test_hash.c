/* Tests of verify/hash.c: the streaming hasher against xxHash itself (any write sizes, copies
 * to other alignments, seeds), hex digests, and the order-independent multiset combiner. */
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <CUnit/Basic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bolt/error.h"
#include "verify/hash.h"

static void test_hasher_streaming(void)
{
    static uint8_t data[5000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 131 + (i >> 7));
    XXH128_hash_t want = XXH3_128bits(data, sizeof data);
    uint64_t want64 = XXH3_64bits(data, sizeof data);
    srand(3);
    int bad = 0;
    for (int round = 0; round < 50; round++) {
        bv_hasher h;
        bv_hasher_init(&h, 0);
        size_t pos = 0;
        while (pos < sizeof data) {
            size_t n = (size_t)rand() % (round % 2 ? 9 : 700);
            if (n > sizeof data - pos) n = sizeof data - pos;
            bv_hasher_update(&h, data + pos, n);
            pos += n;
        }
        bv_h128 got = bv_hasher_digest128(&h);
        bad += got.lo != want.low64 || got.hi != want.high64;
        bad += bv_hasher_digest64(&h) != want64;
    }
    CU_ASSERT_EQUAL(bad, 0);
    /* a hasher copied mid-stream to an address of another alignment continues correctly */
    static unsigned char raw[sizeof(bv_hasher) + 128];
    bv_hasher h;
    bv_hasher_init(&h, 0);
    bv_hasher_update(&h, data, 1000);
    for (size_t shift = 8; shift <= 64; shift += 8) {
        bv_hasher *moved = (bv_hasher *)(void *)(raw + shift);
        memcpy(moved, &h, sizeof h);
        bv_hasher_update(moved, data + 1000, sizeof data - 1000);
        bv_h128 got = bv_hasher_digest128(moved);
        CU_ASSERT(got.lo == want.low64 && got.hi == want.high64);
    }
    /* seeds and one-shot helpers */
    bv_hasher_init(&h, 42);
    bv_hasher_update(&h, data, 300);
    CU_ASSERT_EQUAL(bv_hasher_digest64(&h), XXH3_64bits_withSeed(data, 300, 42));
    CU_ASSERT_EQUAL(bv_hash64(data, 300, 42), XXH3_64bits_withSeed(data, 300, 42));
    bv_h128 one = bv_hash128(data, 17, 0);
    XXH128_hash_t ref = XXH3_128bits(data, 17);
    CU_ASSERT(one.lo == ref.low64 && one.hi == ref.high64);
    /* hex */
    char hex[BV_H128_HEX_SIZE];
    bv_h128 x = {UINT64_C(0x0123456789abcdef), UINT64_C(0xfedcba9876543210)}, y;
    bv_h128_hex(x, hex);
    CU_ASSERT_STRING_EQUAL(hex, "fedcba98765432100123456789abcdef");
    CU_ASSERT_EQUAL(bv_h128_from_hex(hex, 32, &y), 0);
    CU_ASSERT(bv_h128_eq(x, y));
    CU_ASSERT_EQUAL(bv_h128_from_hex("FEDCBA98765432100123456789ABCDEF", 32, &y), 0);
    CU_ASSERT(bv_h128_eq(x, y));
    CU_ASSERT_EQUAL(bv_h128_from_hex(hex, 31, &y), BOLT_E_INVAL);
    CU_ASSERT_EQUAL(bv_h128_from_hex("g edcba98765432100123456789abcdef", 32, &y), BOLT_E_INVAL);
    CU_ASSERT(bv_h128_cmp(x, y) == 0);
    bv_h128 z = {0, UINT64_C(0xfedcba9876543211)};
    CU_ASSERT(bv_h128_cmp(x, z) < 0 && bv_h128_cmp(z, x) > 0);
}

static void test_multiset_combiner(void)
{
    enum { N = 1000 };
    static bv_h128 e[N];
    for (int i = 0; i < N; i++) {
        uint32_t v = (uint32_t)i;
        e[i] = bv_hash128(&v, sizeof v, 0);
    }
    bv_multiset a, b;
    bv_multiset_init(&a);
    for (int i = 0; i < N; i++)
        bv_multiset_add(&a, e[i]);
    bv_h128 ref = bv_multiset_digest(&a);
    /* any order */
    int diffs = 0;
    srand(7);
    for (int round = 0; round < 5; round++) {
        for (int i = N - 1; i > 0; i--) {
            int j = rand() % (i + 1);
            bv_h128 t = e[i];
            e[i] = e[j];
            e[j] = t;
        }
        bv_multiset_init(&b);
        for (int i = 0; i < N; i++)
            bv_multiset_add(&b, e[i]);
        diffs += !bv_h128_eq(ref, bv_multiset_digest(&b));
    }
    CU_ASSERT_EQUAL(diffs, 0);
    /* partial scans merged in any grouping give the whole */
    bv_multiset p1, p2, p3;
    bv_multiset_init(&p1);
    bv_multiset_init(&p2);
    bv_multiset_init(&p3);
    for (int i = 0; i < N; i++)
        bv_multiset_add(i % 3 == 0 ? &p1 : i % 3 == 1 ? &p2 : &p3, e[i]);
    bv_multiset_merge(&p3, &p1);
    bv_multiset_merge(&p3, &p2);
    CU_ASSERT(bv_h128_eq(ref, bv_multiset_digest(&p3)));
    CU_ASSERT_EQUAL(p3.count, N);
    /* duplicates count: {x, x} != {x} != {} and {x, x} != {} (no XOR cancellation) */
    bv_multiset s0, s1, s2;
    bv_multiset_init(&s0);
    bv_multiset_init(&s1);
    bv_multiset_init(&s2);
    bv_multiset_add(&s1, e[0]);
    bv_multiset_add(&s2, e[0]);
    bv_multiset_add(&s2, e[0]);
    bv_h128 d0 = bv_multiset_digest(&s0), d1 = bv_multiset_digest(&s1),
            d2 = bv_multiset_digest(&s2);
    CU_ASSERT(!bv_h128_eq(d0, d1) && !bv_h128_eq(d1, d2) && !bv_h128_eq(d0, d2));
    /* {x, x, y} != {x, y, y} */
    bv_multiset t1, t2;
    bv_multiset_init(&t1);
    bv_multiset_init(&t2);
    bv_multiset_add(&t1, e[0]);
    bv_multiset_add(&t1, e[0]);
    bv_multiset_add(&t1, e[1]);
    bv_multiset_add(&t2, e[0]);
    bv_multiset_add(&t2, e[1]);
    bv_multiset_add(&t2, e[1]);
    CU_ASSERT(!bv_h128_eq(bv_multiset_digest(&t1), bv_multiset_digest(&t2)));
    /* remove is the inverse of add */
    bv_multiset_remove(&s2, e[0]);
    CU_ASSERT(bv_h128_eq(bv_multiset_digest(&s2), d1));
    bv_multiset_remove(&s2, e[0]);
    CU_ASSERT(bv_h128_eq(bv_multiset_digest(&s2), d0));
    /* an element whose digest is all zero still counts */
    bv_h128 zero = {0, 0};
    bv_multiset_add(&s0, zero);
    CU_ASSERT(!bv_h128_eq(bv_multiset_digest(&s0), d0));
    /* the empty multiset has a fixed digest */
    bv_multiset_init(&s0);
    CU_ASSERT(bv_h128_eq(bv_multiset_digest(&s0), d0));
}

int main(void)
{
    if (CU_initialize_registry() != CUE_SUCCESS) return 1;
    CU_pSuite s = CU_add_suite("hash", NULL, NULL);
    CU_add_test(s, "streaming hasher equals XXH3", test_hasher_streaming);
    CU_add_test(s, "order-independent combiner", test_multiset_combiner);
    CU_basic_set_mode(CU_BRM_VERBOSE);
    CU_basic_run_tests();
    unsigned failures = CU_get_number_of_failures();
    CU_cleanup_registry();
    return failures ? 1 : 0;
}
