#ifndef STASIS_KV_SERVER_BLOCK_H
#define STASIS_KV_SERVER_BLOCK_H

/*
 * A blocked client's wait (server_block.c): one entry per connection slot, carved at
 * start-up (the layout's "blocked clients" region), so blocking and waking allocate
 * nothing. Blocked clients are connections: at most connections_max wait at once.
 */

#include <stdint.h>

#include "alloc/stasis_assert.h"

typedef struct kv_block_entry {
    int64_t deadline_ms; /* monotonic; INT64_MAX: waits for ever */
    uint64_t key_bits;   /* kv_store_key_bit of each key it waits on */
    uint32_t prev;       /* the blocked list, in the order they blocked (KV_CONN_NONE ends) */
    uint32_t next;
    uint64_t command_bytes; /* its command's bytes, from the receive buffer's head */
} kv_block_entry;

ST_STATIC_ASSERT(sizeof(kv_block_entry) == 32);

#endif
