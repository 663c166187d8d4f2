#ifndef STASIS_FUZZ_SHADOW_HEAP_H
#define STASIS_FUZZ_SHADOW_HEAP_H

/*
 * The shadow model of live blocks that allocator fuzz targets check every result against.
 *
 * Blocks are kept sorted by address, so each check is cheap: a new block is checked for
 * being inside the region, aligned and disjoint from its two neighbours (O(log n) search,
 * O(n) insert with n <= SHADOW_BLOCKS_MAX); its bytes are filled with a per-block value;
 * the fill is verified when the block is resized or freed and for every block at the end of
 * an input. Any violation fails the fuzz target with an explanation (fuzz_fail).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The most live blocks one input can hold; targets stop allocating past it. */
#define SHADOW_BLOCKS_MAX 256

typedef struct shadow_block {
    uint8_t *ptr;
    size_t len;
    size_t align;
    uint8_t fill;
    uint8_t tag; /* the target's own mark (0 from shadow_heap_add), e.g. which path made it */
} shadow_block;

typedef struct shadow_heap {
    const uint8_t *region;
    size_t region_len;
    size_t count;
    shadow_block blocks[SHADOW_BLOCKS_MAX];
} shadow_heap;

/* Starts an empty model of blocks that must all lie inside [region, region+len). */
void shadow_heap_init(shadow_heap *h, const void *region, size_t region_len);

static inline bool shadow_heap_full(const shadow_heap *h) { return h->count == SHADOW_BLOCKS_MAX; }

/* Checks a block just handed out (inside, aligned, disjoint), fills it with `fill` and
 * records it. Returns its index in address order. Precondition: not full, len > 0. */
size_t shadow_heap_add(shadow_heap *h, void *ptr, size_t len, size_t align, uint8_t fill);

/* Verifies block i's contents and forgets it. */
void shadow_heap_remove(shadow_heap *h, size_t i);

/* After block i was resized in place to new_len: verifies the bytes it kept, checks it is
 * still inside and disjoint from the next block, fills the bytes it gained. */
void shadow_heap_resized(shadow_heap *h, size_t i, size_t new_len);

/* Verifies block i's contents. */
void shadow_heap_verify(const shadow_heap *h, size_t i);

/* Verifies every block's contents (end of input). O(live bytes). */
void shadow_heap_verify_all(const shadow_heap *h);

/* Forgets every block without touching memory (after an allocator reset). */
static inline void shadow_heap_clear(shadow_heap *h) { h->count = 0; }

/* Forgets the blocks that start in [from, to) without touching memory (after an allocator
 * reset that released only those). O(n). */
void shadow_heap_forget_range(shadow_heap *h, const void *from, const void *to);

/* The index of the block starting at ptr, or SIZE_MAX. */
size_t shadow_heap_find(const shadow_heap *h, const void *ptr);

/* Sum of live block lengths. O(n). */
size_t shadow_heap_live_bytes(const shadow_heap *h);

#endif
