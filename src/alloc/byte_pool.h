#ifndef STASIS_BYTE_POOL_H
#define STASIS_BYTE_POOL_H

/*
 * Byte pool over caller memory: N slots of S bytes, each holding a byte string of 0 to S
 * bytes (the seed design's ByteArrayPool). The key-value server keeps keys and values here
 * and refers to them by slot index (u32), so the pool is index-based:
 *
 *   uint32_t slot = byte_pool_reserve(bp);           // BYTE_POOL_NONE iff every slot is live
 *   if (!byte_pool_write(bp, slot, data, len)) ...   // false iff len > S; nothing changed
 *   byte_pool_bytes(bp, slot), byte_pool_length(bp, slot)
 *   byte_pool_release(bp, slot);
 *
 *  - A reserved slot starts empty (length 0). write replaces the contents, append extends
 *    them; both fail without changing anything when the result would not fit in S bytes.
 *  - Released slots are reused last in, first out; slots never reserved since init or reset
 *    are taken in index order after that. Init and reset are O(1).
 *  - Using a slot that is not live (out of range, never reserved, released) stops the process
 *    (ST_ASSERT, every build): each slot's state word says whether it is live, so the check is
 *    O(1) and a double release is caught.
 *
 * Behind the generic allocator interface a block is a slot whose length is the block's
 * length: alloc serves len <= S with align <= byte_pool_slot_align(); larger requests are
 * refused (NULL, not counted as out of memory). resize sets the length (false iff > S). free
 * checks that the length passed is the slot's length.
 *
 * State: one u32 per slot. A live slot's word is its length; a free slot's word is a tag bit
 * plus the index of the next free slot, so the free list costs no memory of its own.
 *
 * Every operation is O(1) but write and append, O(bytes copied); under ASan, poisoning costs
 * O(S) per reserve or release. Accounting counts whole slots: allocated = live slots * S;
 * byte_pool_stored_bytes() sums the lengths.
 * Under ASan, free slots and each live slot's bytes past its length are poisoned.
 *
 * Fields are private: read them through the functions below.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/allocator.h"
#include "alloc/divide.h"

/* "No slot": what reserve returns when every slot is live. Never a valid index. */
#define BYTE_POOL_NONE UINT32_MAX

/* Indexes and lengths share the state word with a tag bit, hence 31 bits each. */
#define BYTE_POOL_SLOT_COUNT_MAX ((uint32_t)INT32_MAX - 1u)
#define BYTE_POOL_SLOT_BYTES_MAX ((uint32_t)INT32_MAX)

/* The alignment the memory must have. */
#define BYTE_POOL_MEMORY_ALIGN_BYTES ((size_t)16)

typedef struct byte_pool_params {
    uint32_t slot_count; /* N, 1 ..= BYTE_POOL_SLOT_COUNT_MAX */
    uint32_t slot_bytes; /* S, 1 ..= BYTE_POOL_SLOT_BYTES_MAX */
} byte_pool_params;

typedef struct byte_pool {
    uint8_t *slots;      /* N * S bytes */
    uint32_t *state;     /* per slot: live: its length; free: tag | next free slot */
    uint32_t slot_bytes; /* S */
    divider by_slot;     /* offset -> slot without a divide instruction */
    uint32_t slot_count; /* N */
    uint32_t fresh;      /* slots [fresh, N) were never reserved since init/reset */
    uint32_t free_head;  /* first released slot, or the end marker */
    uint32_t live_count;
    uint32_t free_count; /* slots on the free list */
    uint32_t peak_live;
    size_t stored_bytes; /* sum of live slots' lengths */
    uint64_t oom_count;
} byte_pool;

/* True iff the parameters are within the limits above (and N * S fits in size_t). */
bool byte_pool_params_valid(byte_pool_params params);

/*
 * The exact bytes byte_pool_init needs: N * S bytes of slots, then (4-aligned) N state words.
 * Precondition: params valid. Pure, O(1).
 */
size_t byte_pool_memory_bytes(byte_pool_params params);

/* The alignment every slot start has: the largest power of two dividing S, at most
 * BYTE_POOL_MEMORY_ALIGN_BYTES. The most the allocator interface serves. */
size_t byte_pool_slot_align(byte_pool_params params);

/*
 * Takes memory[0, memory_bytes) for a pool with every slot free. Preconditions: params valid,
 * memory_bytes == byte_pool_memory_bytes(params), memory aligned to
 * BYTE_POOL_MEMORY_ALIGN_BYTES. O(1); O(N * S) under ASan (poisoning).
 */
void byte_pool_init(byte_pool *bp, void *memory, size_t memory_bytes, byte_pool_params params);

/* A free slot, now live and empty, or BYTE_POOL_NONE iff none (oom_count++). O(1). */
uint32_t byte_pool_reserve(byte_pool *bp);

/*
 * Replaces the slot's contents with data[0, len). Returns false iff len > S, and then
 * changes nothing. data may point into the slot itself. O(len).
 */
bool byte_pool_write(byte_pool *bp, uint32_t slot, const void *data, size_t len);

/* Appends data[0, len). Returns false iff length + len > S, and then changes nothing. */
bool byte_pool_append(byte_pool *bp, uint32_t slot, const void *data, size_t len);

/* The slot's bytes: byte_pool_length() of them are its contents. O(1). */
uint8_t *byte_pool_bytes(const byte_pool *bp, uint32_t slot);

uint32_t byte_pool_length(const byte_pool *bp, uint32_t slot);

/* Frees a live slot (its contents are gone). O(1). */
void byte_pool_release(byte_pool *bp, uint32_t slot);

/* True iff slot is a live slot's index (any u32 may be asked). O(1). */
bool byte_pool_is_live(const byte_pool *bp, uint32_t slot);

/* The live slot that starts at ptr. Aborts unless ptr is a live slot's first byte. O(1). */
uint32_t byte_pool_slot_of(const byte_pool *bp, const void *ptr);

/* Every slot free, peak back to 0 (oom_count counts since init). O(1); O(slots reserved
 * since the last reset * S) under ASan. */
void byte_pool_reset(byte_pool *bp);

uint32_t byte_pool_live_count(const byte_pool *bp);

/* The sum of live slots' lengths. */
size_t byte_pool_stored_bytes(const byte_pool *bp);

/* capacity = N * S; allocated and peak count whole slots. */
allocator_diagnostics byte_pool_diagnostics(const byte_pool *bp);

allocator byte_pool_allocator(byte_pool *bp);

/* Counters consistent (live + free list + never used = N, peak >= live, stored <= live * S)
 * and the free list's head a free slot. O(1). */
bool byte_pool_invariants_hold(const byte_pool *bp);

/*
 * invariants_hold, plus a walk of every slot below fresh and of the free list: lengths sum to
 * stored_bytes, the free list holds exactly the free slots, and under ASan free slots and the
 * bytes past each live slot's length are poisoned. O(N): tests and the end of a fuzz input.
 */
bool byte_pool_invariants_hold_full(const byte_pool *bp);

#endif
