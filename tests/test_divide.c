/* The divider the pools use instead of a divide instruction: quotient and divisibility equal
 * / and % for every divisor up to 1100 (item strides and slot sizes) and numerators across
 * the 32-bit range, at its edges and past it. */
#include "test_support.h"

#include "alloc/divide.h"

static void check_one(const divider *dv, size_t d, size_t n) {
    if (divider_quotient(dv, n) != n / d || divider_divides(dv, n) != (n % d == 0)) {
        fail_msg("d=%zu n=%zu: quotient %zu (want %zu), divides %d", d, n, divider_quotient(dv, n),
                 n / d, divider_divides(dv, n));
    }
}

static void test_matches_division_for_small_divisors(void **state) {
    (void)state;
    uint64_t x = 0x243f6a8885a308d3u;
    for (size_t d = 1; d <= 1100; d++) {
        divider dv = divider_make(d);
        for (size_t k = 0; k < 3 * d; k++)
            check_one(&dv, d, k); /* every remainder, three times over */
        static const size_t edges[] = {UINT32_MAX, UINT32_MAX - 1u, (size_t)UINT32_MAX + 1u,
                                       (size_t)1 << 40};
        for (size_t i = 0; i < sizeof edges / sizeof edges[0]; i++) {
            check_one(&dv, d, edges[i]);
            check_one(&dv, d, edges[i] / d * d);
        }
        for (int i = 0; i < 2000; i++) {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            check_one(&dv, d, (size_t)(x & UINT32_MAX));
            check_one(&dv, d, (size_t)(x & UINT32_MAX) / d * d); /* a multiple */
        }
    }
}

static void test_large_powers_of_two_shift(void **state) {
    (void)state;
    divider dv = divider_make((size_t)1 << 30);
    assert_true(dv.power_of_two);
    assert_int_equal(divider_quotient(&dv, (size_t)3 << 30), 3);
    assert_true(divider_divides(&dv, (size_t)5 << 30));
    assert_false(divider_divides(&dv, ((size_t)5 << 30) + 8));
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_matches_division_for_small_divisors),
        cmocka_unit_test(test_large_powers_of_two_shift),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
