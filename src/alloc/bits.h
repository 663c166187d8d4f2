#ifndef STASIS_BITS_H
#define STASIS_BITS_H

/*
 * Word-at-a-time operations on bitmaps (arrays of uint64_t, bit i in word i / 64 at position
 * i % 64). Private to the allocators: the block allocator's used/start maps, the object
 * pool's live map.
 *
 * Every search takes a half-open range [from, limit) and returns `limit` when nothing is
 * found, so callers never see an index past the range. Cost: O((limit - from) / 64 + 1)
 * word operations.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/stasis_assert.h"

#define BITS_PER_WORD 64u

/* Words needed for `bit_count` bits. */
static inline size_t bits_word_count(size_t bit_count) {
    return bit_count / BITS_PER_WORD + (bit_count % BITS_PER_WORD != 0u);
}

static inline bool bits_test(const uint64_t *words, size_t i) {
    return ((words[i / BITS_PER_WORD] >> (i % BITS_PER_WORD)) & 1u) != 0u;
}

static inline void bits_set(uint64_t *words, size_t i) {
    words[i / BITS_PER_WORD] |= (uint64_t)1 << (i % BITS_PER_WORD);
}

static inline void bits_clear(uint64_t *words, size_t i) {
    words[i / BITS_PER_WORD] &= ~((uint64_t)1 << (i % BITS_PER_WORD));
}

/* The mask of bits [lo, hi) of one word, 0 <= lo < hi <= 64. */
static inline uint64_t bits_word_mask(size_t lo, size_t hi) {
    ST_ASSERT(lo < hi);
    ST_ASSERT(hi <= BITS_PER_WORD);
    uint64_t upper = hi == BITS_PER_WORD ? ~(uint64_t)0 : (((uint64_t)1 << hi) - 1u);
    return upper & ~(((uint64_t)1 << lo) - 1u);
}

/*
 * The first i in [from, limit) whose bit equals `value`, or limit. A clear-bit search flips
 * each word first, so both searches share one loop: skip zero words, then count trailing
 * zeros.
 */
static inline size_t bits_find(const uint64_t *words, size_t from, size_t limit, bool value) {
    if (from >= limit) return limit;
    uint64_t flip = value ? 0u : ~(uint64_t)0;
    size_t w = from / BITS_PER_WORD;
    uint64_t word = (words[w] ^ flip) & ~(((uint64_t)1 << (from % BITS_PER_WORD)) - 1u);
    size_t last_word = (limit - 1u) / BITS_PER_WORD;
    while (word == 0u) {
        if (w == last_word) return limit;
        w++;
        word = words[w] ^ flip;
    }
    size_t found = w * BITS_PER_WORD + (size_t)__builtin_ctzll(word);
    return found < limit ? found : limit;
}

static inline size_t bits_find_set(const uint64_t *words, size_t from, size_t limit) {
    return bits_find(words, from, limit, true);
}

static inline size_t bits_find_clear(const uint64_t *words, size_t from, size_t limit) {
    return bits_find(words, from, limit, false);
}

/* Sets (value true) or clears bits [from, limit). */
static inline void bits_assign_range(uint64_t *words, size_t from, size_t limit, bool value) {
    while (from < limit) {
        size_t w = from / BITS_PER_WORD;
        size_t lo = from % BITS_PER_WORD;
        size_t span = limit - from;
        size_t hi = span < BITS_PER_WORD - lo ? lo + span : BITS_PER_WORD;
        uint64_t mask = bits_word_mask(lo, hi);
        if (value) {
            words[w] |= mask;
        } else {
            words[w] &= ~mask;
        }
        from += hi - lo;
    }
}

/* Number of set bits in [0, limit). */
static inline size_t bits_count(const uint64_t *words, size_t limit) {
    size_t n = 0;
    for (size_t w = 0; w < limit / BITS_PER_WORD; w++)
        n += (size_t)__builtin_popcountll(words[w]);
    if (limit % BITS_PER_WORD != 0u) {
        uint64_t tail = words[limit / BITS_PER_WORD] & bits_word_mask(0, limit % BITS_PER_WORD);
        n += (size_t)__builtin_popcountll(tail);
    }
    return n;
}

#endif
