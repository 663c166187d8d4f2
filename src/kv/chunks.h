#ifndef STASIS_KV_CHUNKS_H
#define STASIS_KV_CHUNKS_H

/*
 * Chunk storage for every key and value of the store: an object pool of fixed-size chunks
 * plus one u32 link per chunk, so a byte string of any length up to the limits is a chain of
 * chunks. Why chains and not one slot per value: a slot sized for the largest value wastes
 * its size on every small value, and variable-size blocks fragment (free space scattered in
 * runs too short for the next value). A chain of equal chunks never fragments: a write fits
 * iff enough chunks are free, so the shared budget's -OOM is exact and deleting everything
 * gives the whole capacity back.
 *
 * Cost of a byte string of n bytes: ceil(n / chunk_size) chunks (0 for the empty string).
 * Chains are allocated all-or-nothing; the caller checks chunk_store_free() first.
 * Offsets walk the chain: O(offset / chunk_size).
 *
 * Fields are private.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/object_pool.h"

#define CHUNK_NONE UINT32_MAX

typedef struct chunk_store {
    object_pool pool;
    uint32_t *next; /* per chunk: the next chunk of its chain, or CHUNK_NONE */
    uint32_t chunk_size;
    uint32_t chunk_count;
} chunk_store;

/* Alignment the memory must have, and the alignment of the link array inside it. */
#define CHUNK_STORE_MEMORY_ALIGN_BYTES ((size_t)64)

/* Exact bytes chunk_store_init needs: the chunks (pool) then the links, each 64-aligned. */
size_t chunk_store_memory_bytes(uint32_t chunk_count, uint32_t chunk_size);

/* chunk_size: a power of two >= 16. O(1); O(count) under ASan. */
void chunk_store_init(chunk_store *cs, void *memory, size_t memory_bytes, uint32_t chunk_count,
                      uint32_t chunk_size);

/* Chunks a byte string of `bytes` bytes needs. */
uint64_t chunks_for(const chunk_store *cs, uint64_t bytes);

uint32_t chunk_store_free(const chunk_store *cs);
uint32_t chunk_store_used(const chunk_store *cs);

/* A chain of n > 0 chunks (contents unspecified). Precondition: n <= chunk_store_free().
 * Returns its first chunk. O(n). */
uint32_t chunk_chain_alloc(chunk_store *cs, uint32_t n);

/* Frees a whole chain (CHUNK_NONE: nothing). O(chain length). */
void chunk_chain_free(chunk_store *cs, uint32_t head);

/* Appends a new chain of n > 0 chunks after `last` (the chain's last chunk). */
void chunk_chain_extend(chunk_store *cs, uint32_t last, uint32_t n);

/* Frees every chunk after the first `keep` chunks of the chain (keep >= 1). */
void chunk_chain_truncate(chunk_store *cs, uint32_t head, uint64_t keep);

uint8_t *chunk_bytes(const chunk_store *cs, uint32_t id);
uint32_t chunk_next(const chunk_store *cs, uint32_t id);

/* The chunk holding byte `offset` of the chain, and the offset inside it. */
uint32_t chunk_seek(const chunk_store *cs, uint32_t head, uint64_t offset, uint32_t *within);

/* Copies n bytes into / out of the chain from byte `offset`. The chain must be long enough. */
void chunk_write(chunk_store *cs, uint32_t head, uint64_t offset, const void *src, uint64_t n);
void chunk_read(const chunk_store *cs, uint32_t head, uint64_t offset, void *dst, uint64_t n);

/* True iff chain bytes [offset, offset + n) equal data. */
bool chunk_equals(const chunk_store *cs, uint32_t head, uint64_t offset, const void *data,
                  uint64_t n);

/* Calls fn for each contiguous piece of chain bytes [offset, offset + n), in order. */
typedef void (*chunk_piece_fn)(void *ctx, const uint8_t *bytes, size_t len);
void chunk_for_each_piece(const chunk_store *cs, uint32_t head, uint64_t offset, uint64_t n,
                          chunk_piece_fn fn, void *ctx);

/* Chain length in chunks (walks it). */
uint64_t chunk_chain_length(const chunk_store *cs, uint32_t head);

bool chunk_store_invariants_hold(const chunk_store *cs);

#endif
