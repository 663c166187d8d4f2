#include "models/shadow_heap.h"

#include <string.h>

#include "harness/cursor.h"
#include "drivers/fuzz_target.h"

FUZZ_NO_COVERAGE void shadow_heap_init(shadow_heap *h, const void *region, size_t region_len) {
    h->region = region;
    h->region_len = region_len;
    h->count = 0;
}

/* The first index whose block starts at or after ptr. */
FUZZ_NO_COVERAGE static size_t lower_bound(const shadow_heap *h, const uint8_t *ptr) {
    size_t lo = 0;
    size_t hi = h->count;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if ((uintptr_t)h->blocks[mid].ptr < (uintptr_t)ptr) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

FUZZ_NO_COVERAGE static bool inside(const shadow_heap *h, const uint8_t *ptr, size_t len) {
    uintptr_t p = (uintptr_t)ptr;
    uintptr_t base = (uintptr_t)h->region;
    return p >= base && p - base <= h->region_len && len <= h->region_len - (p - base);
}

/* All bytes equal `fill`: compare the block with itself shifted by one, which lets the
 * libc memcmp do the work instead of a byte loop. */
FUZZ_NO_COVERAGE static bool all_bytes_are(const uint8_t *p, size_t len, uint8_t fill) {
    if (len == 0) return true;
    return p[0] == fill && memcmp(p, p + 1, len - 1) == 0;
}

FUZZ_NO_COVERAGE void shadow_heap_verify(const shadow_heap *h, size_t i) {
    const shadow_block *b = &h->blocks[i];
    FUZZ_CHECK(all_bytes_are(b->ptr, b->len, b->fill),
               "block %p (len %zu) lost its contents: expected every byte 0x%02x", (void *)b->ptr,
               b->len, b->fill);
}

FUZZ_NO_COVERAGE size_t shadow_heap_add(shadow_heap *h, void *ptr, size_t len, size_t align,
                                        uint8_t fill) {
    uint8_t *p = ptr;
    FUZZ_CHECK(!shadow_heap_full(h), "target allocated past SHADOW_BLOCKS_MAX");
    FUZZ_CHECK(len > 0, "zero-length blocks are not tracked");
    FUZZ_CHECK(inside(h, p, len), "block %p (len %zu) is outside the region %p (len %zu)", ptr, len,
               (const void *)h->region, h->region_len);
    FUZZ_CHECK((uintptr_t)p % align == 0, "block %p is not aligned to %zu", ptr, align);
    size_t at = lower_bound(h, p);
    if (at > 0) {
        const shadow_block *prev = &h->blocks[at - 1];
        FUZZ_CHECK(prev->ptr + prev->len <= p,
                   "block %p (len %zu) overlaps live block %p (len %zu)", ptr, len,
                   (void *)prev->ptr, prev->len);
    }
    if (at < h->count) {
        const shadow_block *next = &h->blocks[at];
        FUZZ_CHECK(p + len <= next->ptr, "block %p (len %zu) overlaps live block %p (len %zu)", ptr,
                   len, (void *)next->ptr, next->len);
    }
    memmove(&h->blocks[at + 1], &h->blocks[at], (h->count - at) * sizeof h->blocks[0]);
    h->blocks[at] = (shadow_block){.ptr = p, .len = len, .align = align, .fill = fill};
    h->count++;
    memset(p, fill, len);
    return at;
}

FUZZ_NO_COVERAGE void shadow_heap_remove(shadow_heap *h, size_t i) {
    FUZZ_CHECK(i < h->count, "no block #%zu (%zu live)", i, h->count);
    shadow_heap_verify(h, i);
    memmove(&h->blocks[i], &h->blocks[i + 1], (h->count - i - 1) * sizeof h->blocks[0]);
    h->count--;
}

FUZZ_NO_COVERAGE void shadow_heap_resized(shadow_heap *h, size_t i, size_t new_len) {
    FUZZ_CHECK(i < h->count, "no block #%zu (%zu live)", i, h->count);
    shadow_block *b = &h->blocks[i];
    size_t kept = b->len < new_len ? b->len : new_len;
    FUZZ_CHECK(all_bytes_are(b->ptr, kept, b->fill),
               "block %p lost its contents when resized from %zu to %zu bytes", (void *)b->ptr,
               b->len, new_len);
    FUZZ_CHECK(inside(h, b->ptr, new_len), "block %p resized to %zu bytes ends outside the region",
               (void *)b->ptr, new_len);
    if (i + 1 < h->count) {
        const shadow_block *next = &h->blocks[i + 1];
        FUZZ_CHECK(b->ptr + new_len <= next->ptr,
                   "block %p grown to %zu bytes overlaps live block %p", (void *)b->ptr, new_len,
                   (void *)next->ptr);
    }
    if (new_len > b->len) memset(b->ptr + b->len, b->fill, new_len - b->len);
    b->len = new_len;
}

FUZZ_NO_COVERAGE void shadow_heap_verify_all(const shadow_heap *h) {
    for (size_t i = 0; i < h->count; i++)
        shadow_heap_verify(h, i);
}

FUZZ_NO_COVERAGE size_t shadow_heap_find(const shadow_heap *h, const void *ptr) {
    size_t at = lower_bound(h, ptr);
    if (at < h->count && h->blocks[at].ptr == ptr) return at;
    return SIZE_MAX;
}

FUZZ_NO_COVERAGE size_t shadow_heap_live_bytes(const shadow_heap *h) {
    size_t sum = 0;
    for (size_t i = 0; i < h->count; i++)
        sum += h->blocks[i].len;
    return sum;
}

FUZZ_NO_COVERAGE void shadow_heap_forget_range(shadow_heap *h, const void *from, const void *to) {
    size_t kept = 0;
    for (size_t i = 0; i < h->count; i++) {
        uintptr_t p = (uintptr_t)h->blocks[i].ptr;
        if (p >= (uintptr_t)from && p < (uintptr_t)to) continue;
        h->blocks[kept++] = h->blocks[i];
    }
    h->count = kept;
}
