#ifndef STASIS_FUZZ_CURSOR_H
#define STASIS_FUZZ_CURSOR_H

/*
 * The byte cursor every structured fuzz target decodes its input with. Reads never go past
 * the end: once the input is exhausted every read returns zero (or an empty slice), so a
 * truncated input decodes to a valid, shorter operation sequence, and any input decodes.
 *
 * Decoding must not depend on the state of the system under test: the same bytes always
 * decode to the same operations, which is what lets describe mode (and failure reports)
 * print an input without running it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/stasis_assert.h"

/*
 * Harness code (decoding, models, shadow checks) is not what the fuzzer should explore:
 * coverage feedback from it only dilutes the signal from the code under test and costs
 * executions. Functions marked FUZZ_NO_COVERAGE get no coverage instrumentation (clang);
 * sanitizers still check them.
 */
#if defined(__clang__)
#define FUZZ_NO_COVERAGE __attribute__((no_sanitize("coverage")))
/* The same for every function between BEGIN and END (whole harness files: models). */
/* _Pragma needs its string literal whole: */
// clang-format off
#define FUZZ_NO_COVERAGE_BEGIN \
    _Pragma("clang attribute push(__attribute__((no_sanitize(\"coverage\"))), apply_to = function)")
// clang-format on
#define FUZZ_NO_COVERAGE_END _Pragma("clang attribute pop")
#else
#define FUZZ_NO_COVERAGE
#define FUZZ_NO_COVERAGE_BEGIN
#define FUZZ_NO_COVERAGE_END
#endif

typedef struct cursor {
    const uint8_t *data;
    size_t len;
    size_t pos;
    /* Set by choice_read (harness/choice.h) when the input names an unassigned table id:
     * the input is refused as a whole (the target returns -1). */
    bool refused;
    uint32_t refused_id;
} cursor;

FUZZ_NO_COVERAGE static inline cursor cursor_make(const uint8_t *data, size_t len) {
    ST_ASSERT(data != NULL || len == 0);
    return (cursor){.data = data, .len = len, .pos = 0, .refused = false, .refused_id = 0};
}

FUZZ_NO_COVERAGE static inline bool cursor_empty(const cursor *c) { return c->pos >= c->len; }

FUZZ_NO_COVERAGE static inline size_t cursor_remaining(const cursor *c) { return c->len - c->pos; }

FUZZ_NO_COVERAGE static inline uint8_t cursor_u8(cursor *c) {
    if (c->pos >= c->len) return 0;
    return c->data[c->pos++];
}

/* Little-endian; missing bytes read as zero. */
FUZZ_NO_COVERAGE static inline uint16_t cursor_u16(cursor *c) {
    uint16_t lo = cursor_u8(c);
    uint16_t hi = cursor_u8(c);
    return (uint16_t)(lo | (uint16_t)(hi << 8));
}

FUZZ_NO_COVERAGE static inline uint32_t cursor_u32(cursor *c) {
    uint32_t lo = cursor_u16(c);
    uint32_t hi = cursor_u16(c);
    return lo | (hi << 16);
}

FUZZ_NO_COVERAGE static inline uint64_t cursor_u64(cursor *c) {
    uint64_t lo = cursor_u32(c);
    uint64_t hi = cursor_u32(c);
    return lo | (hi << 32);
}

FUZZ_NO_COVERAGE static inline bool cursor_bool(cursor *c) { return (cursor_u8(c) & 1u) != 0; }

/*
 * A value in [lo, hi] (inclusive), reading only as many bytes as the range needs (one byte
 * for ranges up to 256 values), so small ranges cost the fuzzer small inputs.
 */
FUZZ_NO_COVERAGE static inline uint32_t cursor_range(cursor *c, uint32_t lo, uint32_t hi) {
    ST_ASSERT(lo <= hi);
    uint32_t span = hi - lo;
    uint32_t raw;
    if (span <= 0xffu) {
        raw = cursor_u8(c);
    } else if (span <= 0xffffu) {
        raw = cursor_u16(c);
    } else {
        raw = cursor_u32(c);
    }
    if (span == UINT32_MAX) return raw;
    return lo + raw % (span + 1u);
}

/*
 * Up to max_len bytes as a slice into the input (no copy): the length is read first
 * (cursor_range over [0, max_len]), then clipped to what remains. Returns the length.
 */
FUZZ_NO_COVERAGE static inline size_t cursor_bytes(cursor *c, size_t max_len, const uint8_t **out) {
    ST_ASSERT(max_len <= UINT32_MAX);
    size_t want = cursor_range(c, 0, (uint32_t)max_len);
    size_t have = cursor_remaining(c);
    size_t n = want < have ? want : have;
    /* An empty input has no data pointer; an empty slice points at a static byte. */
    static const uint8_t empty_slice[1] = {0};
    *out = c->data == NULL ? empty_slice : c->data + c->pos;
    c->pos += n;
    return n;
}

#endif
