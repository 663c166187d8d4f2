#ifndef STASIS_DIVIDE_H
#define STASIS_DIVIDE_H

/*
 * Division by a divisor fixed at init, without a divide instruction (20 to 40 cycles here):
 * the pools turn a pointer into an item index on every destroy and every interface free.
 * Private to the allocators.
 *
 * Powers of two shift. Other divisors use Lemire, Kaser and Kurz, "Faster Remainder by Direct
 * Computation" (2019): with M = floor((2^64 - 1) / d) + 1, the quotient of a 32-bit n is the
 * high half of M * n, and d divides n iff the low half M * n (mod 2^64) is below M. Numerators
 * of 2^32 or more (pools over 4 GiB) fall back to the divide instruction.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/stasis_assert.h"

__extension__ typedef unsigned __int128 divide_u128;

typedef struct divider {
    uint64_t magic; /* M, for divisors that are not powers of two */
    size_t divisor;
    uint32_t shift; /* log2(divisor), for powers of two */
    bool power_of_two;
} divider;

static inline divider divider_make(size_t d) {
    ST_ASSERT(d >= 1);
    divider dv = {.divisor = d, .power_of_two = (d & (d - 1)) == 0};
    if (dv.power_of_two) {
        dv.shift = (uint32_t)__builtin_ctzll(d);
    } else {
        ST_ASSERT(d <= UINT32_MAX);
        dv.magic = UINT64_MAX / d + 1u;
    }
    return dv;
}

/* n / d. */
static inline size_t divider_quotient(const divider *dv, size_t n) {
    if (dv->power_of_two) return n >> dv->shift;
    if (n > UINT32_MAX) return n / dv->divisor;
    return (size_t)(((divide_u128)dv->magic * n) >> 64);
}

/* True iff d divides n. */
static inline bool divider_divides(const divider *dv, size_t n) {
    if (dv->power_of_two) return (n & (dv->divisor - 1u)) == 0;
    if (n > UINT32_MAX) return n % dv->divisor == 0;
    return dv->magic * (uint64_t)n < dv->magic;
}

#endif
