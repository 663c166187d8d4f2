#ifndef STASIS_KV_CONNECTION_H
#define STASIS_KV_CONNECTION_H

/*
 * One client connection's state, held in a fixed array carved at start-up (connections_max
 * of them). It owns a small receive and send buffer of connection_buffer_size bytes each;
 * for a request or reply larger than those it borrows one of the large buffers.
 * The server loop (server.c) is the only writer; the layout only needs its size.
 */

#include <stdbool.h>
#include <stdint.h>

#include "kv/engine.h"
#include "kv/resp_parser.h"

#define KV_LARGE_NONE UINT32_MAX

typedef struct kv_connection {
    resp_parser parser;
    kv_session session;
    uint8_t *recv_buf; /* the small buffer or a borrowed large one */
    uint8_t *send_buf; /* likewise */
    uint64_t recv_cap;
    uint64_t recv_len; /* bytes received, not yet consumed */
    uint64_t send_cap;
    uint64_t send_len;  /* bytes of replies */
    uint64_t send_done; /* of which already sent */
    int64_t last_active_ms;
    int64_t large_since_ms; /* when the large buffer was borrowed */
    int32_t fd;
    uint32_t generation;   /* bumped on every reuse of the slot: stale completions are dropped */
    uint32_t large_recv;   /* large buffer index lent for receiving, or KV_LARGE_NONE */
    uint32_t large_send;   /* large buffer index lent for sending, or KV_LARGE_NONE */
    uint32_t next_waiting; /* queue of connections waiting for a large buffer */
    uint8_t state;
    uint8_t flags;
} kv_connection;

#endif
