#ifndef STASIS_FREE_RUNS_H
#define STASIS_FREE_RUNS_H

/*
 * A summary tree over a used-blocks bitmap that finds the lowest run of n free blocks in
 * O(log words) instead of walking past every run of used blocks. Private to the block
 * allocator (its first fit for requests aligned to at most a block).
 *
 * The tree is a complete binary tree stored as an array (node k has children 2k and 2k+1;
 * node 1 is the root; leaves are nodes P .. 2P-1 for the P = next power of two >= words
 * bitmap words). Each node summarises the blocks under it: the free blocks at its start
 * (prefix), at its end (suffix), and its longest free run. Leaves past the last word, and
 * bits past the last block, count as used.
 *
 * The lowest run of n free blocks is found by descending from the root: go left if the left
 * child holds a long enough run; else, if the run across the middle (left suffix + right
 * prefix) is long enough, it starts at the middle minus the left suffix; else go right. Any
 * run entirely to the left would have been in the left child, so the answer is the lowest.
 *
 * Maintenance is deferred: a change to the bitmap only records its word (up to
 * FREE_RUNS_PENDING_MAX of them; one more flushes them all), and free_runs_find brings the
 * tree up to date before it reads it. A caller that rarely needs the tree (a compact heap,
 * served from the hint) then rarely pays for it.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/stasis_assert.h"

/* Words whose leaves may be stale at once; one more flushes them all. */
#define FREE_RUNS_PENDING_MAX 8u

typedef struct free_runs_node {
    uint32_t prefix;  /* free blocks from the node's first block on */
    uint32_t suffix;  /* free blocks up to the node's last block */
    uint32_t longest; /* the longest free run within the node */
} free_runs_node;

typedef struct free_runs {
    free_runs_node *nodes;                   /* 2 * leaves entries; entry 0 unused */
    const uint64_t *used;                    /* the bitmap it summarises */
    size_t words;                            /* bitmap words */
    size_t leaves;                           /* P: a power of two >= words */
    size_t block_count;                      /* bits past it count as used */
    uint32_t pending[FREE_RUNS_PENDING_MAX]; /* words changed since the tree was updated */
    uint32_t pending_count;
} free_runs;

/* Leaves for a bitmap of `words` words: the next power of two (at least 1). */
size_t free_runs_leaves(size_t words);

/* Entries free_runs_init needs: 2 * free_runs_leaves(words). */
size_t free_runs_node_count(size_t words);

/* Builds the tree over used[0, words) for block_count blocks. O(words). */
void free_runs_init(free_runs *t, free_runs_node *nodes, const uint64_t *used, size_t block_count);

/* Bits in words [first_word, last_word] changed: records them, or, if there are more than
 * FREE_RUNS_PENDING_MAX pending, brings the tree up to date now. O(1) amortised; a flush is
 * O(pending * log words), a wide change O(changed words + log words). */
void free_runs_changed(free_runs *t, size_t first_word, size_t last_word);

/* Recomputes words [first_word, last_word]'s leaves and their ancestors now, stopping once a
 * level is unchanged. O(changed words + log words). */
void free_runs_update(free_runs *t, size_t first_word, size_t last_word);

/* The lowest block index starting a run of n (>= 1) free blocks, or SIZE_MAX. Brings the tree
 * up to date first. O(log words) plus the flush. *levels gets the levels visited. */
size_t free_runs_find(free_runs *t, size_t n, uint32_t *levels);

/* True iff every node equals what free_runs_init would compute, but the leaves of pending
 * words and their ancestors, which may be stale. O(words * pending). */
bool free_runs_hold(const free_runs *t);

#endif
