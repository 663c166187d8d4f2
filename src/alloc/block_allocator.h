#ifndef STASIS_BLOCK_ALLOCATOR_H
#define STASIS_BLOCK_ALLOCATOR_H

/*
 * Block allocator over caller memory, with the semantics of the Rust crate stalloc: the heap
 * is L blocks of B bytes (B a power of two); a request for len bytes takes the first run of
 * ceil(len / B) free blocks, in address order (first fit), whose first block is aligned as
 * asked. Alignment is therefore counted in blocks: an alignment up to B costs nothing, a
 * larger one starts the run at a block index that lands on the alignment.
 *
 *  - Shrinking always succeeds in place and frees the tail blocks at once.
 *  - Growing succeeds in place iff the blocks right after the run are free (and exist).
 *  - Blocks are never moved and never split into smaller units: a 1-byte request costs a
 *    whole block.
 *  - is_oom: no block is free (stalloc: not even a B-byte, B-aligned request can succeed).
 *    is_empty: no block is handed out (a request for all L * B bytes, B-aligned, succeeds).
 *
 * How the first fit is found, and what it costs. State is two bitmaps of L bits (blocks
 * handed out; blocks where an allocation starts), a summary tree over the first bitmap
 * (free_runs.h: per node, the free blocks at its start and end and its longest free run),
 * and a hint below which every block is handed out.
 *  - align <= B (any block will do): if the first free block at or past the hint starts a
 *    long enough run, that run is the lowest (O(1): a compact heap); otherwise the tree is
 *    descended from the root to the lowest long enough run: O(log2(L / 64)) node visits,
 *    however fragmented the heap.
 *  - align > B: the start must also land on the alignment, which the tree does not know; a
 *    word-at-a-time scan starts at the hint and alternates two scans (to the next free
 *    block, then to the next used block within the wanted run). Each round either finds the
 *    run or skips one run of used blocks, and no word is visited twice: O(L / 64 + r) word
 *    operations, r being the runs of live blocks passed (r <= live allocations).
 * A change to the bitmap records its word for the tree; the next tree search first updates
 * the recorded words' leaves and ancestors, up to the first unchanged level (at most
 * FREE_RUNS_PENDING_MAX words wait; a change wider than that is applied at once). So alloc,
 * free, shrink and grow all cost O(blocks / 64 + log2(L / 64)) amortised, but the aligned
 * alloc above, and a compact heap never touches the tree.
 * block_allocator_search() reports what the searches cost (the benchmark prints it).
 *
 * Contract checks (ST_ASSERT, every build): free and resize verify in O(blocks / 64) that the
 * pointer is the start of a live allocation of exactly the blocks its length implies, so a
 * double free, a foreign or interior pointer, or a length that rounds to another block count
 * stops the process. A wrong length that rounds to the same block count is not detectable
 * here (no per-allocation length is kept); the checking wrapper catches it.
 *
 * Accounting: allocated = blocks handed out * B (rounding included).
 * Under ASan, free blocks and the tail of each run past its length are poisoned.
 *
 * Fields are private: read them through the functions below.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/allocator.h"
#include "alloc/free_runs.h"

/* Limits of the parameters. The product L * B must also fit in size_t. */
#define BLOCK_ALLOCATOR_BLOCK_COUNT_MAX ((uint32_t)1 << 30)
#define BLOCK_ALLOCATOR_BLOCK_BYTES_MAX ((uint32_t)1 << 30)

typedef struct block_allocator_params {
    uint32_t block_count; /* L, 1 ..= BLOCK_ALLOCATOR_BLOCK_COUNT_MAX */
    uint32_t block_bytes; /* B, a power of two, 1 ..= BLOCK_ALLOCATOR_BLOCK_BYTES_MAX */
} block_allocator_params;

typedef struct block_allocator {
    uint8_t *blocks;      /* L * B bytes */
    uint64_t *used;       /* bit i: block i is handed out */
    uint64_t *starts;     /* bit i: a live allocation starts at block i */
    free_runs runs;       /* summary tree over `used`: the lowest run that fits */
    size_t block_bytes;   /* B */
    uint32_t block_shift; /* log2(B) */
    uint32_t block_count; /* L */
    uint32_t used_blocks;
    uint32_t peak_blocks;
    uint32_t live_count;      /* allocations handed out */
    uint32_t first_free_hint; /* every block below it is handed out */
    uint32_t high_water;      /* no block at or past it was handed out since init/reset */
    uint64_t oom_count;
    uint64_t searches;      /* first-fit searches since init */
    uint64_t search_rounds; /* their rounds */
    uint64_t search_words;  /* bitmap words those rounds looked at */
} block_allocator;

/* What the first-fit searches cost since init: rounds (for the tree, the levels visited;
 * for the aligned word scan, one per run of used blocks passed, plus the last) and bitmap
 * words looked at (about). For benchmarks; the counting is two additions per search. */
typedef struct block_allocator_search_stats {
    uint64_t searches; /* allocations that searched (non-zero length, not larger than the heap) */
    uint64_t rounds;
    uint64_t words;
} block_allocator_search_stats;

/* True iff the parameters are within the limits above. */
bool block_allocator_params_valid(block_allocator_params params);

/*
 * The exact number of bytes block_allocator_init needs for these parameters: the L * B
 * bytes of blocks, then (8-aligned) the two bitmaps of ceil(L / 64) words each, then the
 * summary tree: 2 * P nodes of 12 bytes, P the next power of two >= ceil(L / 64).
 * Precondition: params valid. Pure, O(1).
 */
size_t block_allocator_memory_bytes(block_allocator_params params);

/*
 * The alignment the memory must have: max(8, min(B, ALLOCATOR_ALIGN_MAX_BYTES)). With it,
 * every block is B-aligned, so any request with align <= B is served from any block.
 */
size_t block_allocator_memory_align(block_allocator_params params);

/*
 * Takes memory[0, memory_bytes) for an empty heap. Preconditions: params valid, memory_bytes
 * == block_allocator_memory_bytes(params), memory aligned to block_allocator_memory_align.
 * O(L / 64) (clearing the bitmaps, building the tree); O(L * B) under ASan (poisoning).
 */
void block_allocator_init(block_allocator *ba, void *memory, size_t memory_bytes,
                          block_allocator_params params);

/*
 * The first run of ceil(len / B) free blocks whose first block is aligned to `align`.
 * Returns NULL iff there is none (oom_count++); len 0 returns ALLOCATOR_ZERO_LENGTH(align)
 * and changes nothing. Cost: see above.
 */
void *block_allocator_alloc(block_allocator *ba, size_t len, size_t align);

/*
 * In place. new_len > 0. Fewer or equal blocks: always true. More blocks: true iff the blocks
 * after the run are free and inside the heap; otherwise false, nothing changed, oom_count++.
 */
bool block_allocator_resize(block_allocator *ba, void *ptr, size_t old_len, size_t new_len,
                            size_t align);

/* Returns the allocation's blocks. ptr must start a live allocation of that length. */
void block_allocator_free(block_allocator *ba, void *ptr, size_t len, size_t align);

/*
 * Forgets every allocation: all blocks free, peak back to 0 (oom_count counts since init).
 * O(high water / 64), or O(high water * B) under ASan: cost follows the highest block used
 * since the last reset, not the capacity.
 */
void block_allocator_reset(block_allocator *ba);

/* True iff no block is free. O(1). */
bool block_allocator_is_oom(const block_allocator *ba);

/* True iff no block is handed out. O(1). */
bool block_allocator_is_empty(const block_allocator *ba);

/* True iff ptr points into the blocks (whether or not handed out). */
bool block_allocator_owns(const block_allocator *ba, const void *ptr);

/* The number of live allocations. */
uint32_t block_allocator_live_count(const block_allocator *ba);

block_allocator_search_stats block_allocator_search(const block_allocator *ba);

/* The number of blocks a request of len bytes takes: ceil(len / B). */
size_t block_allocator_blocks_for(const block_allocator *ba, size_t len);

allocator_diagnostics block_allocator_diagnostics(const block_allocator *ba);

allocator block_allocator_allocator(block_allocator *ba);

/* Counters consistent with each other and with L (used <= peak <= L, hint and high water
 * within L, no live allocation iff no used block). O(1): call it after every operation. */
bool block_allocator_invariants_hold(const block_allocator *ba);

/*
 * Everything invariants_hold checks, plus a walk of the whole heap: the bitmaps agree with
 * the counters and the summary tree with the bitmap (but for words with a change still
 * pending), every allocation start is a used block, every block below the hint is used,
 * none at or past the high water is, and under ASan every whole granule of a free block is
 * poisoned. O(L / 64), O(L * B / 8) under ASan: for tests and the end of a fuzz input.
 */
bool block_allocator_invariants_hold_full(const block_allocator *ba);

#endif
