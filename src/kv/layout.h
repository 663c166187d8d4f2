#ifndef STASIS_KV_LAYOUT_H
#define STASIS_KV_LAYOUT_H

/*
 * The reservation, computed from the configuration alone: one pure function gives the exact
 * byte size of every region the server carves at start-up, and their total. The server
 * reserves exactly that total, carves every region with KV_REGION_ALIGN_BYTES alignment
 * (region sizes are multiples of it, so no padding), and a test asserts the sum equals what
 * was reserved. `stasis-kv --print-reservation` prints the table.
 *
 * Memory grows additively in the limits: per-connection buffers are small and fixed; the
 * largest request or reply borrows one of large_buffers_max large buffers; data lives in
 * one chunk pool sized by the capacity policy.
 *
 * The same module computes what the seed design (nickmonad/kv) reserves for the same
 * configuration, from its published formula, for the comparison table.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv/config.h"

#define KV_REGION_ALIGN_BYTES ((uint64_t)64)
#define KV_LAYOUT_REGIONS_MAX 16

typedef struct kv_region {
    const char *name;
    uint64_t count;      /* items in the region */
    uint64_t item_bytes; /* bytes per item, as the table shows it */
    uint64_t bytes;      /* the region's exact size (a multiple of KV_REGION_ALIGN_BYTES) */
} kv_region;

typedef struct kv_layout {
    kv_region regions[KV_LAYOUT_REGIONS_MAX];
    size_t region_count;
    uint64_t total_bytes;
    uint64_t chunk_count;        /* data chunks the policy gives the store */
    uint64_t large_buffer_bytes; /* each large buffer */
} kv_layout;

/* Regions the server carves, in order; index constants for its start-up code. */
enum {
    KV_REGION_STORE_TABLE,
    KV_REGION_STORE_RECORDS,
    KV_REGION_STORE_CHUNKS,
    KV_REGION_CONNECTIONS,
    KV_REGION_CONNECTION_BUFFERS,
    KV_REGION_LARGE_BUFFERS,
    KV_REGION_ARGV,
    KV_REGION_CLIENT_NAMES,
    KV_REGION_INLINE_SCRATCH,
    KV_REGION_LCS_SCRATCH,
    KV_REGION_TXN_STATE,
    KV_REGION_TXN_QUEUES,
    KV_REGION_TXN_WATCHES,
    KV_REGION_TXN_WATCH_INDEX,
    KV_REGION_TXN_ARGV,
    KV_REGION_BLOCKED_CLIENTS,
    KV_REGION_COUNT
};

/* Chunks the store gets: guaranteed = every key with a key of key_size_max and a full list
 * of maximal elements; shared = data_budget_bytes / chunk_size. */
uint64_t kv_layout_chunk_count(const kv_config *config);

/*
 * Fills the layout for a finalized configuration. Returns false, with the reason in `error`,
 * iff a size overflows 64 bits or a count passes what the pools can index (e.g. the
 * guaranteed policy asks for more than 2^31 chunks). Pure.
 */
bool kv_layout_compute(const kv_config *config, kv_layout *layout, char *error, size_t error_size);

/* Writes the table (region, count, bytes per item, bytes, MiB) and its total to fd. */
void kv_layout_print(const kv_layout *layout, const char *title, int fd);

/* The seed design's reservation for the same C, N, K, V, L (nickmonad/kv's formula). */
void kv_layout_seed(const kv_config *config, kv_layout *layout);

#endif
