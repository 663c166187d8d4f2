#ifndef STASIS_OBJECT_POOL_H
#define STASIS_OBJECT_POOL_H

/*
 * Object pool over caller memory, with the semantics of Zig's MemoryPool (growable = false):
 * a fixed number of items of one size and alignment, all reserved at init (preheated), never
 * more. create hands out an item, destroy takes it back onto an intrusive LIFO free list (the
 * link lives in the free item itself), so the item destroyed last is the next created.
 *
 *  - create returns NULL iff every item is live (oom_count++).
 *  - Items never handed out since init or reset are not on the free list: they are taken in
 *    address order after the free list is empty. That keeps init and reset O(1).
 *  - destroy of a pointer that is not a live item of this pool (foreign, interior, never
 *    created, or already destroyed) stops the process (ST_ASSERT, every build): a live byte
 *    per item makes that check O(1). (A byte, not a bit: neighbouring items' create and
 *    destroy then never wait on one another's read-modify-write of a shared word.)
 *  - Items are addressed by a stable index as well, for compact u32 references:
 *    object_pool_index_of / object_pool_at.
 *
 * Behind the generic allocator interface it serves requests of at most item_bytes with an
 * alignment of at most object_pool_item_align(); it refuses larger ones (NULL, not counted as
 * out of memory). Resize succeeds iff the new length fits in the item. The typed API
 * (create/destroy) is the fast path: no length or alignment to check.
 *
 * Every operation is O(1); under ASan, poisoning costs O(item size).
 * Accounting counts whole items: allocated = live items * item_bytes.
 * Under ASan, free items and the padding after each item (its stride minus item_bytes) are
 * poisoned; through the interface only the requested length is unpoisoned.
 *
 * Fields are private: read them through the functions below.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/allocator.h"
#include "alloc/divide.h"

/* Returned by object_pool_index_of for nothing; never a valid index. */
#define OBJECT_POOL_NONE UINT32_MAX

#define OBJECT_POOL_ITEM_COUNT_MAX ((uint32_t)INT32_MAX)
#define OBJECT_POOL_ITEM_BYTES_MAX ((size_t)1 << 30)

typedef struct object_pool_params {
    size_t item_bytes;   /* 1 ..= OBJECT_POOL_ITEM_BYTES_MAX */
    size_t item_align;   /* a power of two <= ALLOCATOR_ALIGN_MAX_BYTES */
    uint32_t item_count; /* 1 ..= OBJECT_POOL_ITEM_COUNT_MAX */
} object_pool_params;

typedef struct object_pool {
    uint8_t *items;
    uint8_t *live;      /* live[i] != 0: item i is handed out (meaningful below fresh) */
    void *free_head;    /* intrusive LIFO list of destroyed items */
    size_t stride;      /* bytes from one item to the next */
    size_t items_bytes; /* item_count * stride */
    divider by_stride;  /* offset -> index without a divide instruction */
    size_t item_bytes;  /* what the caller asked for */
    size_t item_align;  /* what every item is aligned to */
    uint32_t item_count;
    uint32_t fresh; /* items [fresh, count) were never handed out since init/reset */
    uint32_t live_count;
    uint32_t peak_live;
    uint64_t oom_count;
} object_pool;

/* True iff the parameters are within the limits above. */
bool object_pool_params_valid(object_pool_params params);

/*
 * Every item is aligned to max(item_align, alignof(void *)): the free list's link lives in
 * the item. That is also the alignment the memory must have.
 */
size_t object_pool_item_align(object_pool_params params);

/* Bytes from one item to the next: max(item_bytes, sizeof(void *)) rounded up to the item
 * alignment. */
size_t object_pool_stride_bytes(object_pool_params params);

/*
 * The exact bytes object_pool_init needs: item_count strides, then item_count live bytes.
 * Precondition: params valid. Pure, O(1).
 */
size_t object_pool_memory_bytes(object_pool_params params);

/*
 * Takes memory[0, memory_bytes) for a pool with every item free. Preconditions: params valid,
 * memory_bytes == object_pool_memory_bytes(params), memory aligned to
 * object_pool_item_align(params). O(1); O(item_count * stride) under ASan (poisoning).
 */
void object_pool_init(object_pool *pool, void *memory, size_t memory_bytes,
                      object_pool_params params);

/* A free item (item_bytes usable bytes, contents unspecified), or NULL iff none. O(1). */
void *object_pool_create(object_pool *pool);

/* Takes a live item back. Aborts unless item is a live item of this pool. O(1). */
void object_pool_destroy(object_pool *pool, void *item);

/* The index (0 ..< item_count) of a live item. Aborts unless item is one. O(1). */
uint32_t object_pool_index_of(const object_pool *pool, const void *item);

/* The live item at index. Aborts unless index names a live item. O(1). */
void *object_pool_at(const object_pool *pool, uint32_t index);

/* True iff ptr is the start of a live item of this pool. O(1). */
bool object_pool_is_live(const object_pool *pool, const void *ptr);

/* True iff ptr points into the items (live or not). */
bool object_pool_owns(const object_pool *pool, const void *ptr);

/*
 * Every item free again, peak back to 0 (oom_count counts since init). O(1); O(items handed
 * out since the last reset * stride) under ASan: cost follows use, not capacity.
 */
void object_pool_reset(object_pool *pool);

uint32_t object_pool_live_count(const object_pool *pool);

/* capacity = item_count * item_bytes; allocated and peak count whole items. */
allocator_diagnostics object_pool_diagnostics(const object_pool *pool);

allocator object_pool_allocator(object_pool *pool);

/* Counters consistent (live <= fresh <= count, peak >= live, a free list iff fresh > live)
 * and the free
 * list's head a free item. O(1). */
bool object_pool_invariants_hold(const object_pool *pool);

/*
 * invariants_hold, plus a walk of the free list (every node a distinct free item below
 * fresh, fresh - live_count of them), the live bytes agreeing with live_count, and under ASan
 * every free item and every live item's padding poisoned. O(item_count): for tests and the
 * end of a fuzz input.
 */
bool object_pool_invariants_hold_full(const object_pool *pool);

#endif
