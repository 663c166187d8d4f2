#ifndef STASIS_KV_IO_H
#define STASIS_KV_IO_H

/*
 * The server loop's I/O interface: the loop asks for operations and later receives one
 * completion per operation (several for a multishot accept), tagged with what it passed.
 * It never calls the kernel for sockets or timers itself, so a backend other than io_uring
 * (the seeded simulator of a later issue: partial reads and writes, resets, accept floods)
 * drives the same loop.
 *
 * Contract every backend keeps:
 *  - Submitting never fails and never drops an operation: a full submission queue is
 *    flushed to the kernel first. An operation that fails completes with a negative errno.
 *  - Every operation completes exactly once, except ACCEPT, which is multishot: it completes
 *    once per accepted client (result = the new descriptor, `more` set) until a completion
 *    without `more` (an error, or the listener closed); then the loop arms it again.
 *  - RECV: result > 0 bytes received, 0 end of stream, < 0 -errno. SEND: result = bytes
 *    sent, possibly fewer than asked (a short send), or -errno; never raises SIGPIPE.
 *    CLOSE: shuts the socket down first, so that operations still in flight on it complete
 *    (a recv with 0, a send with an error) instead of waiting forever; result 0 or -errno.
 *    TIMEOUT: fires once after `ms`, result -ETIME (or 0). POLL: completes once, when the
 *    peer shut its side down, hung up or reset (result: the KV_IO_POLL_* bits), or when the
 *    socket is closed (CLOSE's shutdown makes it complete).
 *  - Buffers passed to recv and send must stay valid until their completion arrives.
 *  - reject() answers a client the server will not serve with a short text and closes it,
 *    at once and without a completion (the text fits any fresh socket's buffer).
 *  - wait() submits everything asked for, then returns completions (up to `capacity`);
 *    with `block` it waits for at least one, unless a signal interrupts it (then it may
 *    return 0; the simulator also returns 0 when its clients act next). Without `block` it
 *    only collects what is already there.
 *  - now_ms() is the loop's only clock: KV_IO_CLOCK_MONOTONIC for timeouts and hold limits,
 *    KV_IO_CLOCK_REALTIME for the engine (expiry). io_uring reads the kernel's clocks; the
 *    simulator its simulated time, so every deadline of the loop runs in simulated time.
 *
 * Tags: a completion carries the 64-bit tag of its operation, which the loop builds from
 * (operation, connection index, generation) with kv_io_tag_make.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/stasis_assert.h"

typedef enum kv_io_op {
    KV_IO_ACCEPT = 1,
    KV_IO_RECV = 2,
    KV_IO_SEND = 3,
    KV_IO_CLOSE = 4,
    KV_IO_TIMEOUT = 5,
    KV_IO_POLL = 6,
} kv_io_op;

/* POLL's result bits (poll(2)'s values): the peer shut its side, hung up, or failed. */
#define KV_IO_POLL_RDHUP 0x2000
#define KV_IO_POLL_HUP   0x0010
#define KV_IO_POLL_ERR   0x0008

/* Connection indexes fit in 24 bits of a tag (connections_max is at most 2^20). */
#define KV_IO_INDEX_MAX ((uint32_t)((1u << 24) - 1))

typedef struct kv_io_tag {
    kv_io_op op;
    uint32_t index;      /* a connection index, or 0 */
    uint32_t generation; /* the connection's generation when the operation was asked for */
} kv_io_tag;

static inline uint64_t kv_io_tag_make(kv_io_op op, uint32_t index, uint32_t generation) {
    ST_ASSERT(index <= KV_IO_INDEX_MAX);
    return (uint64_t)op << 56 | (uint64_t)index << 32 | generation;
}

static inline kv_io_tag kv_io_tag_read(uint64_t tag) {
    return (kv_io_tag){.op = (kv_io_op)(tag >> 56),
                       .index = (uint32_t)(tag >> 32) & KV_IO_INDEX_MAX,
                       .generation = (uint32_t)tag};
}

typedef struct kv_io_completion {
    uint64_t tag;
    int32_t result; /* >= 0: bytes or a descriptor; < 0: -errno */
    bool more;      /* ACCEPT: still armed */
} kv_io_completion;

typedef enum kv_io_clock {
    KV_IO_CLOCK_MONOTONIC = 0,
    KV_IO_CLOCK_REALTIME = 1,
} kv_io_clock;

typedef struct kv_io_backend {
    const char *name;
    void (*accept)(void *self, int listen_fd, uint64_t tag);
    void (*recv)(void *self, int fd, void *buf, size_t len, uint64_t tag);
    void (*send)(void *self, int fd, const void *buf, size_t len, uint64_t tag);
    void (*close)(void *self, int fd, uint64_t tag);
    void (*timeout)(void *self, uint64_t ms, uint64_t tag);
    void (*poll_hangup)(void *self, int fd, uint64_t tag);
    void (*reject)(void *self, int fd, const char *text, size_t len);
    size_t (*wait)(void *self, kv_io_completion *out, size_t capacity, bool block);
    int64_t (*now_ms)(void *self, kv_io_clock clock);
} kv_io_backend;

typedef struct kv_io {
    const kv_io_backend *backend;
    void *self;
} kv_io;

#endif
