#ifndef STASIS_POISON_H
#define STASIS_POISON_H

/*
 * Manual memory poisoning for allocators that hand out pieces of one big region.
 *
 * Under ASan the whole reservation is one mapping that ASan considers addressable, so
 * without help a use-after-free or an overflow into a neighbouring block inside it goes
 * unreported. Every allocator therefore poisons free memory and the padding it leaves
 * between blocks, and unpoisons exactly what it hands out.
 *
 * ASan tracks 8-byte granules and can only express "the first k bytes of a granule are
 * addressable". Its poison call never poisons bytes outside the given range and its
 * unpoison call never poisons anything, so neighbours sharing a granule never see a false
 * report; the price is that a few bytes next to a small block may stay addressable. The
 * checking allocator's guard bytes cover that gap.
 *
 * Under MSan, memory handed out is marked uninitialised, so reading a fresh block before
 * writing it is reported even when the bytes were written by an earlier owner.
 *
 * In other builds every function here is an empty inline function.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __has_feature
#define STASIS_HAS_FEATURE(x) __has_feature(x)
#else
#define STASIS_HAS_FEATURE(x) 0
#endif

#if defined(__SANITIZE_ADDRESS__) || STASIS_HAS_FEATURE(address_sanitizer)
#define STASIS_ASAN 1
#include <sanitizer/asan_interface.h>
#else
#define STASIS_ASAN 0
#endif

#if STASIS_HAS_FEATURE(memory_sanitizer)
#define STASIS_MSAN 1
#include <sanitizer/msan_interface.h>
#else
#define STASIS_MSAN 0
#endif

#define STASIS_SANITIZED (STASIS_ASAN || STASIS_MSAN)

/*
 * For an allocator's own accesses to metadata it keeps inside poisoned memory (the link in a
 * free item of an intrusive free list): such a function is not instrumented by ASan, so the
 * free item can stay poisoned for everyone else. Keep these functions tiny.
 */
#if STASIS_ASAN
#define STASIS_NO_ASAN __attribute__((no_sanitize("address")))
#else
#define STASIS_NO_ASAN
#endif

/* Marks [ptr, ptr+len) as not to be touched (ASan). */
static inline void mem_poison(const void *ptr, size_t len) {
#if STASIS_ASAN
    if (len != 0) __asan_poison_memory_region(ptr, len);
#else
    (void)ptr;
    (void)len;
#endif
}

/* Marks [ptr, ptr+len) as addressable (ASan) and its contents as undefined (MSan). */
static inline void mem_unpoison_undefined(void *ptr, size_t len) {
#if STASIS_ASAN
    if (len != 0) __asan_unpoison_memory_region(ptr, len);
#endif
#if STASIS_MSAN
    if (len != 0) __msan_poison(ptr, len);
#endif
    (void)ptr;
    (void)len;
}

/* Marks [ptr, ptr+len) as addressable, keeping what MSan knows of its contents (for a
 * block that grows in place: its old bytes stay defined, the new ones were undefined). */
static inline void mem_unpoison(const void *ptr, size_t len) {
#if STASIS_ASAN
    if (len != 0) __asan_unpoison_memory_region(ptr, len);
#endif
    (void)ptr;
    (void)len;
}

/* True iff poisoning is compiled in (tests that expect a report check this first). */
static inline bool mem_poisoning_enabled(void) { return STASIS_ASAN != 0; }

/* True iff the byte at ptr is poisoned (always false without ASan). */
static inline bool mem_is_poisoned(const void *ptr) {
#if STASIS_ASAN
    return __asan_address_is_poisoned(ptr) != 0;
#else
    (void)ptr;
    return false;
#endif
}

/* True iff every whole 8-byte granule of [from, to) is poisoned (always true without ASan):
 * for self-checks of the bytes an allocator must keep poisoned. O(length / 8). */
static inline bool mem_granules_poisoned(const uint8_t *from, const uint8_t *to) {
#if STASIS_ASAN
    uintptr_t g = ((uintptr_t)from + 7u) & ~(uintptr_t)7u;
    for (; g + 8u <= (uintptr_t)to; g += 8u) {
        if (!mem_is_poisoned((const void *)g)) return false;
    }
#else
    (void)from;
    (void)to;
#endif
    return true;
}

#endif
