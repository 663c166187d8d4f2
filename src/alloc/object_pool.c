#include "alloc/object_pool.h"

#include <string.h>

#include "alloc/no_coverage.h"
#include "alloc/poison.h"

ST_STATIC_ASSERT(sizeof(void *) == 8);
ST_STATIC_ASSERT(_Alignof(void *) == 8);

bool object_pool_params_valid(object_pool_params params) {
    if (params.item_bytes == 0 || params.item_bytes > OBJECT_POOL_ITEM_BYTES_MAX) return false;
    if (!allocator_align_valid(params.item_align)) return false;
    if (params.item_count == 0 || params.item_count > OBJECT_POOL_ITEM_COUNT_MAX) return false;
    size_t stride = object_pool_stride_bytes(params);
    return (size_t)params.item_count <= (SIZE_MAX / 2) / stride;
}

size_t object_pool_item_align(object_pool_params params) {
    return params.item_align > sizeof(void *) ? params.item_align : sizeof(void *);
}

size_t object_pool_stride_bytes(object_pool_params params) {
    size_t bytes = params.item_bytes > sizeof(void *) ? params.item_bytes : sizeof(void *);
    return (size_t)align_forward(bytes, object_pool_item_align(params));
}

size_t object_pool_memory_bytes(object_pool_params params) {
    ST_ASSERT(object_pool_params_valid(params));
    size_t items = (size_t)params.item_count * object_pool_stride_bytes(params);
    return items + params.item_count; /* one live byte per item */
}

void object_pool_init(object_pool *pool, void *memory, size_t memory_bytes,
                      object_pool_params params) {
    ST_ASSERT(pool != NULL);
    ST_ASSERT(memory != NULL);
    ST_ASSERT(memory_bytes == object_pool_memory_bytes(params));
    ST_ASSERT((uintptr_t)memory % object_pool_item_align(params) == 0);
    memset(pool, 0, sizeof *pool);
    pool->items = memory;
    pool->stride = object_pool_stride_bytes(params);
    pool->by_stride = divider_make(pool->stride);
    pool->item_bytes = params.item_bytes;
    pool->item_align = object_pool_item_align(params);
    pool->item_count = params.item_count;
    size_t items_bytes = (size_t)params.item_count * pool->stride;
    pool->items_bytes = items_bytes;
    pool->live = pool->items + items_bytes;
    /* The live bytes need no clearing: only those below `fresh` mean anything, and fresh is 0;
     * take_fresh_item clears each as fresh passes it. */
    mem_unpoison(pool->live, params.item_count);
    mem_poison(pool->items, items_bytes);
}

/* The free list's links live in free items, which stay poisoned: only these read them. */
STASIS_NO_ASAN static inline void *read_link(const void *item) {
    void *next;
    memcpy(&next, item, sizeof next);
    return next;
}

STASIS_NO_ASAN static inline void write_link(void *item, void *next) {
    memcpy(item, &next, sizeof next);
}

STASIS_FAST_PATH bool object_pool_owns(const object_pool *pool, const void *ptr) {
    uintptr_t p = (uintptr_t)ptr;
    uintptr_t base = (uintptr_t)pool->items;
    return p >= base && p - base < pool->items_bytes;
}

/* The index of the item at ptr; asserts ptr is an item boundary inside the pool. */
static inline uint32_t item_index(const object_pool *pool, const void *ptr) {
    ST_ASSERT(object_pool_owns(pool, ptr));
    size_t offset = (size_t)((const uint8_t *)ptr - pool->items);
    ST_ASSERT(divider_divides(&pool->by_stride, offset));
    return (uint32_t)divider_quotient(&pool->by_stride, offset);
}

bool object_pool_is_live(const object_pool *pool, const void *ptr) {
    if (!object_pool_owns(pool, ptr)) return false;
    size_t offset = (size_t)((const uint8_t *)ptr - pool->items);
    if (!divider_divides(&pool->by_stride, offset)) return false;
    size_t i = divider_quotient(&pool->by_stride, offset);
    return i < pool->fresh && pool->live[i] != 0;
}

/* The next never-used item. Its live byte is whatever the memory held (neither init nor reset
 * clears them): it starts to mean something now. */
static inline uint8_t *take_fresh_item(object_pool *pool) {
    pool->live[pool->fresh] = 0;
    return pool->items + (size_t)pool->fresh++ * pool->stride;
}

/* Takes an item off the free list, or a fresh one; NULL iff neither. */
static inline uint8_t *take_item(object_pool *pool) {
#ifdef STASIS_CANARY_OBJECT_POOL_FRESH_FIRST
    /* Planted bug: fresh items are preferred to the free list, so the pool is not LIFO. */
    if (pool->fresh < pool->item_count) return take_fresh_item(pool);
#endif
    if (pool->free_head != NULL) {
        uint8_t *item = pool->free_head;
        pool->free_head = read_link(item);
        return item;
    }
    if (pool->fresh < pool->item_count) return take_fresh_item(pool);
    return NULL;
}

/* Hands out an item with `usable` bytes addressable. */
static inline void *create_item(object_pool *pool, size_t usable) {
    uint8_t *item = take_item(pool);
    if (item == NULL) {
        pool->oom_count++;
        return NULL;
    }
    /* The item came from our own free list or fresh range: its index needs no bounds check,
     * only the live byte, which catches a free list corrupted by a write after destroy. */
    size_t i = divider_quotient(&pool->by_stride, (size_t)(item - pool->items));
    ST_ASSERT(i < pool->fresh);
    ST_ASSERT(pool->live[i] == 0); /* the free list held a live item */
    pool->live[i] = 1;
    pool->live_count++;
    if (pool->live_count > pool->peak_live) pool->peak_live = pool->live_count;
    mem_unpoison_undefined(item, usable);
    return item;
}

STASIS_FAST_PATH void *object_pool_create(object_pool *pool) {
    return create_item(pool, pool->item_bytes);
}

STASIS_FAST_PATH void object_pool_destroy(object_pool *pool, void *item) {
    uint32_t i = item_index(pool, item);
    ST_ASSERT(i < pool->fresh);    /* never handed out */
    ST_ASSERT(pool->live[i] != 0); /* not live: destroyed twice */
    ST_ASSERT(pool->live_count > 0);
    pool->live[i] = 0;
    pool->live_count--;
    mem_poison(item, pool->stride);
    write_link(item, pool->free_head);
    pool->free_head = item;
}

uint32_t object_pool_index_of(const object_pool *pool, const void *item) {
    uint32_t i = item_index(pool, item);
    ST_ASSERT(i < pool->fresh);
    ST_ASSERT(pool->live[i] != 0);
    return i;
}

void *object_pool_at(const object_pool *pool, uint32_t index) {
    ST_ASSERT(index < pool->fresh);
    ST_ASSERT(pool->live[index] != 0);
    return pool->items + (size_t)index * pool->stride;
}

void object_pool_reset(object_pool *pool) {
    mem_poison(pool->items, (size_t)pool->fresh * pool->stride);
    pool->free_head = NULL;
    pool->fresh = 0;
    pool->live_count = 0;
    pool->peak_live = 0;
}

uint32_t object_pool_live_count(const object_pool *pool) { return pool->live_count; }

allocator_diagnostics object_pool_diagnostics(const object_pool *pool) {
    return (allocator_diagnostics){
        .capacity_bytes = (size_t)pool->item_count * pool->item_bytes,
        .allocated_bytes = (size_t)object_pool_live_count(pool) * pool->item_bytes,
        .peak_allocated_bytes = (size_t)pool->peak_live * pool->item_bytes,
        .oom_count = pool->oom_count,
    };
}

/* ---- behind the allocator interface ---- */

static bool request_fits(const object_pool *pool, size_t len, size_t align) {
    return len <= pool->item_bytes && align <= pool->item_align;
}

static void *object_pool_vtable_alloc(void *ctx, size_t len, size_t align) {
    object_pool *pool = ctx;
    if (!request_fits(pool, len, align)) return NULL; /* refused, not out of memory */
    return create_item(pool, len);
}

static bool object_pool_vtable_resize(void *ctx, void *ptr, size_t old_len, size_t new_len,
                                      size_t align) {
    object_pool *pool = ctx;
    ST_ASSERT(object_pool_is_live(pool, ptr));
    ST_ASSERT(request_fits(pool, old_len, align));
    if (new_len > pool->item_bytes) return false;
    uint8_t *item = ptr;
    if (new_len > old_len) {
        mem_unpoison_undefined(item + old_len, new_len - old_len);
    } else {
        mem_poison(item + new_len, old_len - new_len);
    }
    return true;
}

static void object_pool_vtable_free(void *ctx, void *ptr, size_t len, size_t align) {
    object_pool *pool = ctx;
    ST_ASSERT(request_fits(pool, len, align));
    object_pool_destroy(pool, ptr);
}

static const allocator_vtable object_pool_vtable = {
    .alloc = object_pool_vtable_alloc,
    .resize = object_pool_vtable_resize,
    .free = object_pool_vtable_free,
};

allocator object_pool_allocator(object_pool *pool) {
    return (allocator){.ctx = pool, .vtable = &object_pool_vtable};
}

/* ---- self-checks ---- */

ST_NO_COVERAGE bool object_pool_invariants_hold(const object_pool *pool) {
    if (pool->items == NULL || pool->live == NULL) return false;
    if (pool->stride < pool->item_bytes || pool->stride % pool->item_align != 0) return false;
    if (pool->items_bytes != (size_t)pool->item_count * pool->stride) return false;
    if (pool->fresh > pool->item_count) return false;
    uint32_t live = object_pool_live_count(pool);
    if (live > pool->fresh) return false;
    if (pool->peak_live < live || pool->peak_live > pool->item_count) return false;
    if ((pool->free_head == NULL) != (live == pool->fresh)) return false;
    if (pool->free_head != NULL) {
        if (!object_pool_owns(pool, pool->free_head)) return false;
        size_t offset = (size_t)((const uint8_t *)pool->free_head - pool->items);
        if (offset % pool->stride != 0 || offset / pool->stride >= pool->fresh) return false;
        if (pool->live[offset / pool->stride] != 0) return false;
    }
    return true;
}

/* Walks the free list: free items below fresh, exactly fresh - live_count of them. A node met
 * twice means a cycle, which the bound on the walk's length catches: no scratch memory. */
ST_NO_COVERAGE static bool free_list_holds(const object_pool *pool) {
    size_t free_count = pool->fresh - object_pool_live_count(pool);
    size_t n = 0;
    for (const uint8_t *node = pool->free_head; node != NULL; node = read_link(node)) {
        if (n++ == free_count) return false; /* longer than counted, or a cycle */
        if (!object_pool_owns(pool, node)) return false;
        size_t offset = (size_t)(node - pool->items);
        if (offset % pool->stride != 0 || offset / pool->stride >= pool->fresh) return false;
        if (pool->live[offset / pool->stride] != 0) return false;
        if (!mem_granules_poisoned(node, node + pool->stride)) return false;
    }
    return n == free_count;
}

ST_NO_COVERAGE bool object_pool_invariants_hold_full(const object_pool *pool) {
    if (!object_pool_invariants_hold(pool)) return false;
    size_t live = 0;
    for (size_t i = 0; i < pool->fresh; i++)
        live += pool->live[i] != 0;
    if (live != object_pool_live_count(pool)) return false;
    if (!free_list_holds(pool)) return false;
    for (size_t i = 0; i < pool->fresh; i++) {
        const uint8_t *item = pool->items + i * pool->stride;
        if (pool->live[i] != 0 &&
            !mem_granules_poisoned(item + pool->item_bytes, item + pool->stride)) {
            return false;
        }
    }
    const uint8_t *never_used = pool->items + (size_t)pool->fresh * pool->stride;
    return mem_granules_poisoned(never_used, pool->items + pool->items_bytes);
}
