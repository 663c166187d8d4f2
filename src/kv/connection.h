#ifndef STASIS_KV_CONNECTION_H
#define STASIS_KV_CONNECTION_H

/*
 * One client connection's state, held in a fixed array carved at start-up (connections_max
 * of them, one cache line multiple each). It owns a small receive and a small send buffer of
 * connection_buffer_size bytes; for a request or a reply larger than those it borrows one of
 * the large buffers (server_large.c). The server loop (server*.c) is the only writer; the
 * layout only needs its size.
 *
 * Buffers. Received bytes not yet consumed are recv_buf[recv_head, recv_len); the parser's
 * offsets are relative to recv_buf + recv_head, so the bytes may be moved (compacted, or
 * into a large buffer) between calls. Replies are send_buf[send_done, send_len); a send in
 * flight covers send_buf[send_done, send_flight), so new replies are appended after
 * send_len while it is in flight, and the buffer is compacted only when none is.
 *
 * Operations in flight. At most one recv, one send, one poll and one close per connection (the
 * poll watches for the client hanging up while it is not read from: waiting for a large
 * buffer); the slot is
 * reused only after all of them completed (they refer to its buffers), and every reuse bumps
 * `generation`, which every operation's tag carries, so a completion can be matched to the
 * connection it was for.
 */

#include <stdbool.h>
#include <stdint.h>

#include "alloc/stasis_assert.h"
#include "kv/engine.h"
#include "kv/resp_parser.h"

#define KV_LARGE_NONE UINT32_MAX
#define KV_CONN_NONE  UINT32_MAX

typedef enum kv_conn_state {
    KV_CONN_FREE = 0,    /* on the free stack */
    KV_CONN_OPEN = 1,    /* serving */
    KV_CONN_CLOSING = 2, /* closed; waiting for its operations in flight to complete */
} kv_conn_state;

enum kv_conn_flag {
    KV_CONN_RECV_PENDING = 1u << 0,      /* a recv is in flight */
    KV_CONN_SEND_PENDING = 1u << 1,      /* a send is in flight */
    KV_CONN_CLOSE_PENDING = 1u << 2,     /* the close is in flight */
    KV_CONN_READY = 1u << 3,             /* in the ready queue */
    KV_CONN_WAITING = 1u << 4,           /* in a large-buffer wait queue */
    KV_CONN_PAUSED = 1u << 5,            /* output full: not reading from it (slow reader) */
    KV_CONN_FLUSH_WAIT = 1u << 6,        /* a command needs room: waiting for output to drain */
    KV_CONN_CLOSE_AFTER_REPLY = 1u << 7, /* QUIT or a protocol error: close once drained */
    KV_CONN_PEER_EOF = 1u << 8,          /* the client shut its side down */
    KV_CONN_MORE_INPUT = 1u << 9,        /* stopped at commands_per_turn_max */
    KV_CONN_WAIT_SECOND = 1u << 10,      /* waiting in the second-loan queue */
    KV_CONN_POLL_PENDING = 1u << 11,     /* a poll for the client's hang-up is in flight */
    KV_CONN_BLOCKED = 1u << 12,          /* in a blocking command: in the blocked list */
};

typedef enum kv_large_role {
    KV_LARGE_RECV = 0,
    KV_LARGE_SEND = 1,
} kv_large_role;

typedef struct kv_connection {
    _Alignas(64) resp_parser parser;
    kv_session session;
    uint8_t *recv_buf; /* the small buffer or a borrowed large one */
    uint8_t *send_buf; /* likewise */
    uint64_t recv_cap;
    uint64_t recv_head; /* first byte not consumed */
    uint64_t recv_len;  /* end of the bytes received */
    uint64_t send_cap;
    uint64_t send_done;          /* replies already sent */
    uint64_t send_flight;        /* end of the send in flight (== send_done when none) */
    uint64_t send_len;           /* end of the replies */
    int64_t last_active_ms;      /* monotonic: last byte received or sent */
    int64_t large_loan_ms;      /* monotonic: when the first large buffer was lent */
    int64_t large_progress_ms;  /* monotonic: last byte moved through a large buffer (or the loan) */
    int64_t large_credit_bytes; /* bytes ahead of large_buffer_rate_min_bytes_per_s (see
                                   server_large.c); below zero the client is cut off */
    int32_t fd;
    uint32_t generation;
    uint32_t large_recv; /* large buffer lent for receiving, or KV_LARGE_NONE */
    uint32_t large_send; /* large buffer lent for sending, or KV_LARGE_NONE */
    uint32_t next;       /* ready queue, or the free stack */
    uint32_t next_waiting;
    uint32_t lru_prev; /* open connections, least recently active first */
    uint32_t lru_next;
    uint32_t flags;    /* kv_conn_flag */
    uint8_t state;     /* kv_conn_state */
    uint8_t wait_role; /* kv_large_role it waits for, while KV_CONN_WAITING */
} kv_connection;

/* The layout counts whole cache lines per connection: no padding between them. */
ST_STATIC_ASSERT(sizeof(kv_connection) % 64 == 0);

#endif
