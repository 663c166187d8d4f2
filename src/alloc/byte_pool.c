#include "alloc/byte_pool.h"

#include <string.h>

#include "alloc/poison.h"

/* A free slot's state word: the tag, plus the next free slot (or FREE_END). */
#define FREE_TAG ((uint32_t)1 << 31)
#define FREE_END ((uint32_t)INT32_MAX)

ST_STATIC_ASSERT(BYTE_POOL_SLOT_BYTES_MAX < FREE_TAG); /* a length never looks free */
ST_STATIC_ASSERT(BYTE_POOL_SLOT_COUNT_MAX < FREE_END); /* an index never looks like the end */
ST_STATIC_ASSERT(BYTE_POOL_MEMORY_ALIGN_BYTES <= ALLOCATOR_ALIGN_MAX_BYTES);

bool byte_pool_params_valid(byte_pool_params params) {
    if (params.slot_count == 0 || params.slot_count > BYTE_POOL_SLOT_COUNT_MAX) return false;
    if (params.slot_bytes == 0 || params.slot_bytes > BYTE_POOL_SLOT_BYTES_MAX) return false;
    return (size_t)params.slot_count <= (SIZE_MAX / 4) / params.slot_bytes;
}

/* Offset of the state words: after the slots, 4-aligned. */
static size_t state_offset(byte_pool_params params) {
    return (size_t)align_forward((size_t)params.slot_count * params.slot_bytes, sizeof(uint32_t));
}

size_t byte_pool_memory_bytes(byte_pool_params params) {
    ST_ASSERT(byte_pool_params_valid(params));
    return state_offset(params) + (size_t)params.slot_count * sizeof(uint32_t);
}

size_t byte_pool_slot_align(byte_pool_params params) {
    size_t low_bit = (size_t)params.slot_bytes & (0u - (size_t)params.slot_bytes);
    return low_bit < BYTE_POOL_MEMORY_ALIGN_BYTES ? low_bit : BYTE_POOL_MEMORY_ALIGN_BYTES;
}

void byte_pool_init(byte_pool *bp, void *memory, size_t memory_bytes, byte_pool_params params) {
    ST_ASSERT(bp != NULL);
    ST_ASSERT(memory != NULL);
    ST_ASSERT(memory_bytes == byte_pool_memory_bytes(params));
    ST_ASSERT((uintptr_t)memory % BYTE_POOL_MEMORY_ALIGN_BYTES == 0);
    memset(bp, 0, sizeof *bp);
    bp->slots = memory;
    bp->state = (uint32_t *)(void *)(bp->slots + state_offset(params));
    bp->slot_bytes = params.slot_bytes;
    bp->by_slot = divider_make(params.slot_bytes);
    bp->slot_count = params.slot_count;
    bp->free_head = FREE_END;
    /* State words need no clearing: only those below `fresh` mean anything, and fresh is 0. */
    mem_unpoison(bp->state, (size_t)params.slot_count * sizeof(uint32_t));
    mem_poison(bp->slots, (size_t)params.slot_count * params.slot_bytes);
}

bool byte_pool_is_live(const byte_pool *bp, uint32_t slot) {
    return slot < bp->fresh && (bp->state[slot] & FREE_TAG) == 0u;
}

static inline uint8_t *slot_address(const byte_pool *bp, uint32_t slot) {
    return bp->slots + (size_t)slot * bp->slot_bytes;
}

/* Asserts slot is live; returns its length. */
static inline uint32_t live_length(const byte_pool *bp, uint32_t slot) {
    ST_ASSERT(slot < bp->fresh);                   /* never reserved, or out of range */
    ST_ASSERT((bp->state[slot] & FREE_TAG) == 0u); /* released */
    return bp->state[slot];
}

static inline uint32_t take_slot(byte_pool *bp) {
    if (bp->free_head != FREE_END) {
        uint32_t slot = bp->free_head;
        ST_ASSERT(slot < bp->fresh);
        ST_ASSERT((bp->state[slot] & FREE_TAG) != 0u); /* the free list held a live slot */
        bp->free_head = bp->state[slot] & ~FREE_TAG;
        bp->free_count--;
        return slot;
    }
    if (bp->fresh < bp->slot_count) return bp->fresh++;
    return BYTE_POOL_NONE;
}

STASIS_FAST_PATH uint32_t byte_pool_reserve(byte_pool *bp) {
    uint32_t slot = take_slot(bp);
    if (slot == BYTE_POOL_NONE) {
        bp->oom_count++;
        return BYTE_POOL_NONE;
    }
    bp->state[slot] = 0;
    bp->live_count++;
    if (bp->live_count > bp->peak_live) bp->peak_live = bp->live_count;
    return slot;
}

/* Sets a live slot's length, moving the poisoned boundary. The bytes gained keep whatever
 * MSan knows of them: write and append fill them right after. */
static void set_length(byte_pool *bp, uint32_t slot, uint32_t old_len, size_t new_len) {
    uint8_t *bytes = slot_address(bp, slot);
    if (new_len > old_len) {
        mem_unpoison(bytes + old_len, new_len - old_len);
        bp->stored_bytes += new_len - old_len;
    } else {
        mem_poison(bytes + new_len, old_len - new_len);
        bp->stored_bytes -= old_len - new_len;
    }
    bp->state[slot] = (uint32_t)new_len;
}

bool byte_pool_write(byte_pool *bp, uint32_t slot, const void *data, size_t len) {
    uint32_t old_len = live_length(bp, slot);
    ST_ASSERT(data != NULL || len == 0);
#ifdef STASIS_CANARY_BYTE_POOL_FULL_SLOT_REFUSED
    /* Planted bug: a value of exactly S bytes is refused. */
    if (len >= bp->slot_bytes) return false;
#else
    if (len > bp->slot_bytes) return false;
#endif
    uint8_t *bytes = slot_address(bp, slot);
    /* Make the destination addressable first, copy (data may lie in this slot's old
     * contents), and only then poison what is past the new length. */
    if (len > old_len) mem_unpoison(bytes + old_len, len - old_len);
    if (len != 0) memmove(bytes, data, len);
    if (len > old_len) {
        bp->stored_bytes += len - old_len;
        bp->state[slot] = (uint32_t)len;
    } else {
        set_length(bp, slot, old_len, len);
    }
    return true;
}

bool byte_pool_append(byte_pool *bp, uint32_t slot, const void *data, size_t len) {
    uint32_t old_len = live_length(bp, slot);
    ST_ASSERT(data != NULL || len == 0);
    if (len > bp->slot_bytes - old_len) return false;
    set_length(bp, slot, old_len, old_len + len);
    if (len != 0) memmove(slot_address(bp, slot) + old_len, data, len);
    return true;
}

STASIS_FAST_PATH uint8_t *byte_pool_bytes(const byte_pool *bp, uint32_t slot) {
    (void)live_length(bp, slot);
    return slot_address(bp, slot);
}

STASIS_FAST_PATH uint32_t byte_pool_length(const byte_pool *bp, uint32_t slot) {
    return live_length(bp, slot);
}

STASIS_FAST_PATH void byte_pool_release(byte_pool *bp, uint32_t slot) {
    uint32_t len = live_length(bp, slot);
    ST_ASSERT(bp->live_count > 0);
    ST_ASSERT(bp->stored_bytes >= len);
    bp->stored_bytes -= len;
    bp->live_count--;
    mem_poison(slot_address(bp, slot), bp->slot_bytes);
    bp->state[slot] = FREE_TAG | bp->free_head;
    bp->free_head = slot;
    bp->free_count++;
}

uint32_t byte_pool_slot_of(const byte_pool *bp, const void *ptr) {
    uintptr_t p = (uintptr_t)ptr;
    uintptr_t base = (uintptr_t)bp->slots;
    ST_ASSERT(p >= base);
    ST_ASSERT(divider_divides(&bp->by_slot, p - base));
    size_t slot = divider_quotient(&bp->by_slot, p - base);
    ST_ASSERT(slot < bp->fresh);
    ST_ASSERT(byte_pool_is_live(bp, (uint32_t)slot));
    return (uint32_t)slot;
}

void byte_pool_reset(byte_pool *bp) {
    mem_poison(bp->slots, (size_t)bp->fresh * bp->slot_bytes);
    bp->fresh = 0;
    bp->free_head = FREE_END;
    bp->live_count = 0;
    bp->free_count = 0;
    bp->peak_live = 0;
    bp->stored_bytes = 0;
}

uint32_t byte_pool_live_count(const byte_pool *bp) { return bp->live_count; }

size_t byte_pool_stored_bytes(const byte_pool *bp) { return bp->stored_bytes; }

allocator_diagnostics byte_pool_diagnostics(const byte_pool *bp) {
    return (allocator_diagnostics){
        .capacity_bytes = (size_t)bp->slot_count * bp->slot_bytes,
        .allocated_bytes = (size_t)bp->live_count * bp->slot_bytes,
        .peak_allocated_bytes = (size_t)bp->peak_live * bp->slot_bytes,
        .oom_count = bp->oom_count,
    };
}

/* ---- behind the allocator interface: a block is a slot, its length the slot's ---- */

static size_t slot_align_of(const byte_pool *bp) {
    return byte_pool_slot_align(
        (byte_pool_params){.slot_count = bp->slot_count, .slot_bytes = bp->slot_bytes});
}

static void *byte_pool_vtable_alloc(void *ctx, size_t len, size_t align) {
    byte_pool *bp = ctx;
    if (len > bp->slot_bytes || align > slot_align_of(bp)) return NULL; /* refused */
    uint32_t slot = byte_pool_reserve(bp);
    if (slot == BYTE_POOL_NONE) return NULL;
    uint8_t *bytes = slot_address(bp, slot);
    mem_unpoison_undefined(bytes, len);
    bp->state[slot] = (uint32_t)len;
    bp->stored_bytes += len;
    return bytes;
}

static bool byte_pool_vtable_resize(void *ctx, void *ptr, size_t old_len, size_t new_len,
                                    size_t align) {
    byte_pool *bp = ctx;
    uint32_t slot = byte_pool_slot_of(bp, ptr);
    ST_ASSERT(bp->state[slot] == old_len); /* the caller's length is the slot's */
    ST_ASSERT(align <= slot_align_of(bp));
    if (new_len > bp->slot_bytes) return false;
    if (new_len > old_len) mem_unpoison_undefined((uint8_t *)ptr + old_len, new_len - old_len);
    set_length(bp, slot, (uint32_t)old_len, new_len);
    return true;
}

static void byte_pool_vtable_free(void *ctx, void *ptr, size_t len, size_t align) {
    byte_pool *bp = ctx;
    uint32_t slot = byte_pool_slot_of(bp, ptr);
    ST_ASSERT(bp->state[slot] == len); /* the caller's length is the slot's */
    ST_ASSERT(align <= slot_align_of(bp));
    byte_pool_release(bp, slot);
}

static const allocator_vtable byte_pool_vtable = {
    .alloc = byte_pool_vtable_alloc,
    .resize = byte_pool_vtable_resize,
    .free = byte_pool_vtable_free,
};

allocator byte_pool_allocator(byte_pool *bp) {
    return (allocator){.ctx = bp, .vtable = &byte_pool_vtable};
}

/* ---- self-checks ---- */

bool byte_pool_invariants_hold(const byte_pool *bp) {
    if (bp->slots == NULL || bp->state == NULL) return false;
    if (bp->fresh > bp->slot_count) return false;
    if ((uint64_t)bp->live_count + bp->free_count != bp->fresh) return false;
    if (bp->peak_live < bp->live_count || bp->peak_live > bp->slot_count) return false;
    if (bp->stored_bytes > (size_t)bp->live_count * bp->slot_bytes) return false;
    if ((bp->free_head == FREE_END) != (bp->free_count == 0)) return false;
    if (bp->free_head != FREE_END) {
        if (bp->free_head >= bp->fresh) return false;
        if ((bp->state[bp->free_head] & FREE_TAG) == 0u) return false;
    }
    return true;
}

/* Every free list node a free slot below fresh, exactly free_count of them (a cycle makes
 * the walk longer than that and is caught). */
static bool free_list_holds(const byte_pool *bp) {
    uint32_t n = 0;
    for (uint32_t slot = bp->free_head; slot != FREE_END; slot = bp->state[slot] & ~FREE_TAG) {
        if (n++ == bp->free_count) return false;
        if (slot >= bp->fresh || (bp->state[slot] & FREE_TAG) == 0u) return false;
    }
    return n == bp->free_count;
}

bool byte_pool_invariants_hold_full(const byte_pool *bp) {
    if (!byte_pool_invariants_hold(bp)) return false;
    if (!free_list_holds(bp)) return false;
    size_t stored = 0;
    uint32_t live = 0;
    for (uint32_t slot = 0; slot < bp->fresh; slot++) {
        const uint8_t *bytes = slot_address(bp, slot);
        uint32_t state = bp->state[slot];
        uint32_t len = (state & FREE_TAG) != 0u ? 0 : state;
        if (len > bp->slot_bytes) return false;
        if (!mem_granules_poisoned(bytes + len, bytes + bp->slot_bytes)) return false;
        stored += len;
        live += (state & FREE_TAG) == 0u;
    }
    if (live != bp->live_count || stored != bp->stored_bytes) return false;
    const uint8_t *never_used = slot_address(bp, bp->fresh);
    return mem_granules_poisoned(never_used, slot_address(bp, bp->slot_count));
}
