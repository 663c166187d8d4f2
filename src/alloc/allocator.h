#ifndef STASIS_ALLOCATOR_H
#define STASIS_ALLOCATOR_H

/*
 * The allocator interface: a context pointer and a table of three functions, as Zig's
 * std.mem.Allocator. Every allocator of the set (fixed buffer, arena, pools, block
 * allocator, stack fallback, failing, checking) can stand behind it, so wrappers compose.
 *
 * Length and alignment are passed back on resize and free, so an allocator keeps no
 * per-block header and a checking wrapper can verify the caller remembered them right.
 *
 * Contract shared by every allocator behind this interface:
 *  - `align` is a power of two, 1 <= align <= ALLOCATOR_ALIGN_MAX_BYTES.
 *  - alloc(len, align) returns a block of exactly len usable bytes aligned to `align`,
 *    or NULL iff the allocator cannot serve it now. It never aborts for lack of room.
 *  - A zero-length request does not reach the allocator: the inline wrappers below return
 *    ALLOCATOR_ZERO_LENGTH(align), a non-NULL, aligned address that owns no memory; freeing
 *    it is a no-op and resizing it fails. (Zig's convention: an empty slice needs no memory.)
 *  - resize(ptr, old_len, new_len, align) changes the block's length in place and returns
 *    true, or returns false and changes nothing. It never moves the block. new_len > 0:
 *    to release a block, free it.
 *  - free(ptr, len, align) releases a block previously returned by the same allocator with
 *    that exact len (the current one after resizes) and align.
 *  - Contents are unspecified on return from alloc (MSan reports reads before writes).
 *  - None of them ever calls the operating system.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/stasis_assert.h"

/*
 * Marks the external definition of an allocator's fast path (alloc, free, create, destroy).
 * The header declares the function plainly, so the definition stays an ordinary external one
 * (C11 6.7.4p7), but GCC's inliner then treats it as declared inline and, under LTO (release
 * builds), inlines it into callers in other translation units: a call costs as much as the
 * allocation. GCC only: clang's -Wpedantic flags static helpers used from any `inline`
 * function with external linkage, external definition or not, and the clang builds are the
 * instrumented ones, where cross-unit inlining does not matter.
 */
#if defined(__GNUC__) && !defined(__clang__)
#define STASIS_FAST_PATH inline
#else
#define STASIS_FAST_PATH
#endif

/* The largest alignment any allocator of the set serves: one page. */
#define ALLOCATOR_ALIGN_MAX_BYTES ((size_t)4096)

/* The address returned for zero-length requests: aligned, never NULL, never dereferenced. */
#define ALLOCATOR_ZERO_LENGTH(align) ((void *)(uintptr_t)(align))

typedef struct allocator_vtable {
    void *(*alloc)(void *ctx, size_t len, size_t align);
    bool (*resize)(void *ctx, void *ptr, size_t old_len, size_t new_len, size_t align);
    void (*free)(void *ctx, void *ptr, size_t len, size_t align);
} allocator_vtable;

typedef struct allocator {
    void *ctx;
    const allocator_vtable *vtable;
} allocator;

/*
 * What every allocator reports about itself (o1heap's diagnostics). Units are bytes of
 * the allocator's own accounting: a pool counts whole items, a bump allocator counts
 * alignment padding as allocated, each allocator's header says which.
 */
typedef struct allocator_diagnostics {
    size_t capacity_bytes;       /* the most it can ever hand out */
    size_t allocated_bytes;      /* handed out now */
    size_t peak_allocated_bytes; /* the most ever handed out at once since init/reset */
    uint64_t oom_count;          /* allocations and grows refused for lack of room */
} allocator_diagnostics;

static inline bool allocator_align_valid(size_t align) {
    return align != 0 && (align & (align - 1)) == 0 && align <= ALLOCATOR_ALIGN_MAX_BYTES;
}

/* Rounds `value` up to a multiple of `align` (a power of two). Precondition: no overflow. */
static inline uintptr_t align_forward(uintptr_t value, size_t align) {
    ST_ASSERT((align & (align - 1)) == 0);
    uintptr_t mask = (uintptr_t)align - 1u;
    ST_ASSERT(value <= UINTPTR_MAX - mask);
    return (value + mask) & ~mask;
}

/* Allocates len bytes aligned to align; NULL iff the allocator has no room. */
static inline void *allocator_alloc(allocator a, size_t len, size_t align) {
    ST_ASSERT(allocator_align_valid(align));
    if (len == 0) return ALLOCATOR_ZERO_LENGTH(align);
    void *ptr = a.vtable->alloc(a.ctx, len, align);
    ST_ASSERT(ptr == NULL || ((uintptr_t)ptr & (align - 1u)) == 0u);
    return ptr;
}

/* Resizes in place; false (and nothing changed) iff it cannot. */
static inline bool allocator_resize(allocator a, void *ptr, size_t old_len, size_t new_len,
                                    size_t align) {
    ST_ASSERT(allocator_align_valid(align));
    ST_ASSERT(new_len > 0);
    if (old_len == 0) return false;
    ST_ASSERT(ptr != NULL);
    return a.vtable->resize(a.ctx, ptr, old_len, new_len, align);
}

/* Releases a block; a zero-length block is a no-op. */
static inline void allocator_free(allocator a, void *ptr, size_t len, size_t align) {
    ST_ASSERT(allocator_align_valid(align));
    if (len == 0) return;
    ST_ASSERT(ptr != NULL);
    a.vtable->free(a.ctx, ptr, len, align);
}

#endif
