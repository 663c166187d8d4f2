#ifndef STASIS_STACK_FALLBACK_H
#define STASIS_STACK_FALLBACK_H

/*
 * Stack fallback: a fixed buffer first (typically a small buffer in the caller's frame or
 * struct), another allocator when it is full; Zig's StackFallbackAllocator.
 *
 *  - alloc tries the fixed buffer, then the fallback; NULL iff both refuse (oom_count++).
 *  - resize and free go to the allocator that owns the pointer: the fixed buffer iff the
 *    pointer lies inside its buffer, otherwise the fallback. A block never moves from one to
 *    the other (resize is in place: a fixed-buffer block that cannot grow stays put).
 *  - The fixed buffer keeps its bump semantics (fixed_buffer.h): only its last block really
 *    shrinks, grows or gives bytes back.
 *  - reset resets the fixed buffer only; blocks from the fallback stay live and are the
 *    caller's to free.
 *
 * Every operation is O(1) plus the fallback's cost (ownership is a range check).
 * Accounting: capacity = the fixed buffer's (the fallback reports its own); allocated = the
 * fixed buffer's end index plus the bytes live in the fallback (lengths as asked); oom_count
 * counts allocations neither could serve. Poisoning is the fixed buffer's and the fallback's.
 *
 * Fields are private: read them through the functions below.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/allocator.h"
#include "alloc/fixed_buffer.h"

typedef struct stack_fallback {
    fixed_buffer primary;
    allocator fallback;
    size_t fallback_live_bytes;
    uint64_t fallback_allocations; /* allocations the fallback served */
    size_t peak_bytes;
    uint64_t oom_count;
} stack_fallback;

/* buffer[0, buffer_bytes) first, then `fallback`. O(1), O(buffer_bytes) under ASan. */
void stack_fallback_init(stack_fallback *sf, void *buffer, size_t buffer_bytes, allocator fallback);

/* From the fixed buffer if it fits, else from the fallback; NULL iff neither serves it. */
void *stack_fallback_alloc(stack_fallback *sf, size_t len, size_t align);

/* In place, by the owner's rules. new_len > 0. */
bool stack_fallback_resize(stack_fallback *sf, void *ptr, size_t old_len, size_t new_len,
                           size_t align);

/* Released to the owner. */
void stack_fallback_free(stack_fallback *sf, void *ptr, size_t len, size_t align);

/* Resets the fixed buffer; the fallback's blocks stay live. Peak back to what is still live. */
void stack_fallback_reset(stack_fallback *sf);

/* True iff ptr lies in the fixed buffer. */
bool stack_fallback_owns_primary(const stack_fallback *sf, const void *ptr);

/* The fixed buffer, for its own diagnostics. */
const fixed_buffer *stack_fallback_primary(const stack_fallback *sf);

/* Bytes live in the fallback, and how many allocations it served since init. */
size_t stack_fallback_fallback_live_bytes(const stack_fallback *sf);
uint64_t stack_fallback_fallback_allocations(const stack_fallback *sf);

allocator_diagnostics stack_fallback_diagnostics(const stack_fallback *sf);

allocator stack_fallback_allocator(stack_fallback *sf);

/* The fixed buffer's invariants, and peak >= allocated. O(1). */
bool stack_fallback_invariants_hold(const stack_fallback *sf);

#endif
