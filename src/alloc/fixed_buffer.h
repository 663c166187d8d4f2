#ifndef STASIS_FIXED_BUFFER_H
#define STASIS_FIXED_BUFFER_H

/*
 * Fixed buffer (bump) allocator over caller memory, with Zig's FixedBufferAllocator
 * semantics:
 *  - alloc bumps an end index past the aligned block; NULL iff it does not fit.
 *  - Only the last allocation can really be resized or freed: resizing it moves the end
 *    index (grow fails iff it would pass the capacity), freeing it moves the end index back.
 *  - Any other block: shrink succeeds and changes nothing but the caller's view, grow fails,
 *    free is accepted and changes nothing. Its memory comes back only with reset.
 *  - reset forgets every block at once.
 * Accounting: allocated = the end index (padding and forgotten blocks included).
 * Every operation is O(1), but for ASan's poisoning (O(bytes touched)).
 * Under ASan, memory past the end index and alignment padding are poisoned, and so is the
 * tail a block gives up when it shrinks or is freed.
 *
 * Fields are private: read them through the functions below.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/allocator.h"

typedef struct fixed_buffer {
    uint8_t *buffer;
    size_t capacity_bytes;
    size_t end_index;
    size_t peak_bytes;
    uint64_t oom_count;
} fixed_buffer;

/* Takes buffer[0, capacity_bytes) (capacity may be 0). O(capacity) under ASan. */
void fixed_buffer_init(fixed_buffer *fb, void *buffer, size_t capacity_bytes);

/* NULL iff the aligned block does not fit (oom_count++); len 0 returns
 * ALLOCATOR_ZERO_LENGTH(align) and changes nothing. */
void *fixed_buffer_alloc(fixed_buffer *fb, size_t len, size_t align);

/* See the rules above. new_len > 0. True iff the block now has new_len usable bytes. */
bool fixed_buffer_resize(fixed_buffer *fb, void *ptr, size_t old_len, size_t new_len, size_t align);

/* Moves the end index back iff ptr is the last allocation; otherwise a no-op. */
void fixed_buffer_free(fixed_buffer *fb, void *ptr, size_t len, size_t align);

/* Forgets every block: end index and peak back to 0 (oom_count counts since init).
 * O(1), or O(peak) under ASan: it re-poisons only what was handed out since the last reset. */
void fixed_buffer_reset(fixed_buffer *fb);

/* True iff ptr points into the buffer (whether or not the block is live). */
bool fixed_buffer_owns(const fixed_buffer *fb, const void *ptr);

/* True iff [ptr, ptr+len) ends exactly at the end index. */
bool fixed_buffer_is_last(const fixed_buffer *fb, const void *ptr, size_t len);

allocator_diagnostics fixed_buffer_diagnostics(const fixed_buffer *fb);

allocator fixed_buffer_allocator(fixed_buffer *fb);

/* end <= peak <= capacity and, under ASan, the byte past the end is poisoned. O(1). */
bool fixed_buffer_invariants_hold(const fixed_buffer *fb);

#endif
