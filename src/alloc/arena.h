#ifndef STASIS_ARENA_H
#define STASIS_ARENA_H

/*
 * Arena: many allocations, released together by one reset. It bumps through chunks it takes
 * from a parent allocator of the set (a block allocator, typically), as Zig's ArenaAllocator
 * does, so its reset modes mean something:
 *
 *  - ARENA_FREE_ALL: every chunk goes back to the parent.
 *  - ARENA_RETAIN_CAPACITY: every chunk is kept, emptied, for the next round.
 *  - ARENA_RETAIN_WITH_LIMIT: chunks are kept, in the order they were obtained, while their
 *    usable bytes add up to at most `limit_bytes`; each chunk that would pass the limit goes
 *    back to the parent.
 *
 * Unlike Zig, a reset never asks the parent for memory (Zig merges the kept capacity into one
 * new chunk, which can fail): it only keeps or returns whole chunks, so it cannot fail. When
 * the chunks kept are the first ones obtained (always, but for RETAIN_WITH_LIMIT keeping a
 * later chunk after dropping an earlier, bigger one), a retained round makes exactly the
 * chunk requests the first round made, or fewer.
 *
 * Allocation: bump in the current chunk; if the request does not fit, the next retained
 * (empty) chunk it fits in becomes current; if none, a new chunk of
 * max(chunk_bytes_min, header + alignment slack + len) bytes is taken from the parent and
 * appended. Chunks passed over stay unused until the next reset. Returns NULL iff the parent
 * refuses that chunk (or the size overflows); the arena is then unchanged but for oom_count.
 *
 * Resize and free follow the bump rule (Zig): only the last allocation of the current chunk
 * really grows, shrinks or gives its bytes back; any other block may shrink (nothing moves)
 * and its free is a no-op. Pointers are not checked for belonging to the arena (that would
 * cost O(chunks)); the checking wrapper does that.
 *
 * Cost: alloc O(1) plus, when a chunk is full, O(retained chunks passed) and one parent call;
 * resize, free O(1); reset O(chunks) plus the parent's frees.
 * Accounting: capacity = usable bytes of the chunks held now (arena_capacity_bytes, Zig's
 * queryCapacity); allocated = bytes bumped since the last reset, padding included.
 * Under ASan, every chunk byte not handed out is poisoned; a chunk is unpoisoned again before
 * it goes back to the parent, which receives it as it gave it.
 *
 * Fields are private: read them through the functions below.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/allocator.h"

/* Each chunk starts with a header (next chunk, chunk length); chunks are this aligned. */
#define ARENA_CHUNK_HEADER_BYTES ((size_t)16)
#define ARENA_CHUNK_ALIGN_BYTES  ((size_t)16)

typedef enum arena_reset_mode {
    ARENA_FREE_ALL = 0,
    ARENA_RETAIN_CAPACITY = 1,
    ARENA_RETAIN_WITH_LIMIT = 2,
} arena_reset_mode;

typedef struct arena_chunk arena_chunk;

typedef struct arena {
    allocator parent;
    arena_chunk *first; /* chunks in the order they were obtained */
    arena_chunk *last;
    arena_chunk *current; /* the chunk being bumped; NULL iff there is no chunk */
    size_t end_index;     /* bump offset into current's usable bytes */
    size_t chunk_bytes_min;
    size_t chunk_count;
    size_t held_bytes;      /* usable bytes of every chunk held */
    size_t allocated_bytes; /* bumped since the last reset, padding included */
    size_t peak_bytes;
    uint64_t oom_count;
} arena;

/* An empty arena over `parent`, which it will ask for chunks of at least chunk_bytes_min
 * bytes (0 is allowed: chunks exactly as large as each request needs). O(1). */
void arena_init(arena *a, allocator parent, size_t chunk_bytes_min);

/* len bytes aligned to align; NULL iff the parent refuses a needed chunk (oom_count++). len 0
 * returns ALLOCATOR_ZERO_LENGTH(align) and changes nothing. */
void *arena_alloc(arena *a, size_t len, size_t align);

/* See the bump rule above. new_len > 0. A last block that cannot grow within its chunk
 * counts in oom_count. */
bool arena_resize(arena *a, void *ptr, size_t old_len, size_t new_len, size_t align);

/* Gives the bytes back iff ptr is the current chunk's last allocation; otherwise a no-op. */
void arena_free(arena *a, void *ptr, size_t len, size_t align);

/* Forgets every allocation and keeps or returns chunks as `mode` says (limit_bytes is used
 * only by ARENA_RETAIN_WITH_LIMIT). Peak back to 0; oom_count counts since init. Never fails,
 * never asks the parent for memory. */
void arena_reset(arena *a, arena_reset_mode mode, size_t limit_bytes);

/* Usable bytes of the chunks held now (Zig's queryCapacity). O(1). */
size_t arena_capacity_bytes(const arena *a);

size_t arena_chunk_count(const arena *a);

allocator_diagnostics arena_diagnostics(const arena *a);

allocator arena_allocator(arena *a);

/* Counters and chunk pointers consistent with each other. O(1). */
bool arena_invariants_hold(const arena *a);

/* invariants_hold, plus a walk of the chunks: their number and usable bytes match the
 * counters, current is among them, last is the tail; under ASan, the current chunk's bytes
 * past the end index and every chunk after it are poisoned. O(chunks), O(bytes) under ASan. */
bool arena_invariants_hold_full(const arena *a);

#endif
