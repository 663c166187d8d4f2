#ifndef STASIS_KV_IO_SIM_H
#define STASIS_KV_IO_SIM_H

/*
 * The simulated backend of the I/O interface (io.h): a seeded, deterministic network of
 * sockets in memory, with simulated time, and no kernel call at all. The server's loop runs
 * over it unchanged (kv_server_attach); the simulation's clients (fuzz/harness/server_sim.h)
 * act on the other end of each socket through the kv_io_sim_client_* calls below.
 *
 * Sockets. Each accepted connection is a socket with two byte queues of
 * KV_SIM_SOCKET_BUFFER_BYTES: what the client sent and the server has not received, and what
 * the server sent and the client has not read (a full one holds the server's send pending:
 * a client that does not read stalls the server's sends as a kernel's would). Descriptors are
 * KV_SIM_FD_BASE + the socket's index, never reused within a run.
 *
 * Operations complete as the contract of io.h says, at a simulated time: an operation that
 * can complete (bytes to receive, room to send, the end of the stream, a reset) is completed
 * at once (its bytes copied) and delivered after a delay; completions due at the same time
 * come in a seeded random order, so they interleave across connections. Faults, each drawn
 * with its probability (per 65536) from the seed: partial receives and sends, delays, recv
 * errors (ECONNRESET, which resets the socket; EAGAIN and EINTR, which do not), send errors
 * (EPIPE, ECONNRESET: the socket is reset), accept errors (EMFILE, ENFILE, ENOBUFS; the
 * client stays in the backlog), and a full submission queue (the operation reaches the
 * "kernel" later). A socket hit by an injected error is marked `faulted`.
 *
 * Time only moves in wait(): with `block` and nothing due, it jumps to the earliest of the
 * next completion (the tick included) and `next_client_ms`, the time the simulation's clients
 * act next (set by the driver before each turn); wait() then returns what is due (possibly
 * nothing: the clients act first).
 *
 * Memory: the caller's, kv_io_sim_memory_bytes(sockets_max), taken at init (before any seal).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv/io.h"

#define KV_SIM_SOCKET_BUFFER_BYTES (16u * 1024u) /* each direction, like a small kernel buffer */
#define KV_SIM_FD_BASE             1000
#define KV_SIM_LISTEN_FD           3
#define KV_SIM_REAL_EPOCH_MS       INT64_C(1700000000000) /* the engine's clock at time 0 */
#define KV_SIM_NEVER_MS            INT64_MAX

/* Probabilities per 65536 (0: never). */
typedef struct kv_sim_faults {
    uint32_t partial_recv;
    uint32_t partial_send;
    uint32_t delay;        /* a completion is delayed by 1..delay_ms_max ms */
    uint32_t delay_ms_max; /* at least 1 when delay is set */
    uint32_t recv_error;
    uint32_t send_error;
    uint32_t accept_error;
    uint32_t sq_full;
} kv_sim_faults;

typedef struct kv_sim_stats {
    uint64_t completions;
    uint64_t accepted;
    uint64_t rejected;
    uint64_t faults; /* every injected fault, partial transfers and delays included */
    uint64_t errors; /* injected errors only (recv, send, accept) */
    uint64_t bytes_to_server;
    uint64_t bytes_to_clients;
} kv_sim_stats;

typedef struct kv_sim_socket {
    /* rings of KV_SIM_SOCKET_BUFFER_BYTES: a slow reader's 20 bytes cost 20 bytes, not a
     * move of what is left behind them */
    uint8_t *in;  /* client -> server, not yet received: in_len bytes from in_head */
    uint8_t *out; /* server -> client, not yet read: out_len bytes from out_head */
    uint32_t in_head;
    uint32_t out_head;
    uint32_t in_len;
    uint32_t out_len;
    /* the server's operations in flight */
    uint8_t *recv_buf;
    const uint8_t *send_buf;
    size_t recv_len;
    size_t send_len;
    uint64_t recv_tag;
    uint64_t send_tag;
    uint64_t poll_tag;
    bool poll_pending;
    bool recv_pending;
    bool send_pending;
    /* the client's side */
    bool client_shut_write; /* half-closed (or closed): the server reads the end of stream */
    bool client_closed;     /* closed: the server's sends fail */
    bool reset;             /* reset (by the client or an injected error) */
    bool faulted;           /* an injected error hit it */
    /* the server's side */
    bool accepted;
    bool rejected;
    bool server_shut; /* the server closed it: the client reads the end of its replies */
    int64_t reset_ms; /* when it was reset */
} kv_sim_socket;

typedef struct kv_sim_event {
    int64_t due_ms;
    uint64_t order; /* seeded: interleaves completions due at the same time */
    kv_io_completion completion;
} kv_sim_event;

typedef struct kv_io_sim {
    kv_sim_socket *sockets;
    uint32_t sockets_max;
    uint32_t sockets_used;
    uint32_t *backlog; /* socket ids connecting, FIFO: [backlog_head, backlog_tail) */
    uint32_t backlog_head;
    uint32_t backlog_tail;
    kv_sim_event *heap; /* completions not yet delivered, earliest first */
    uint32_t heap_len;
    uint32_t heap_cap;
    bool accept_armed;
    uint64_t accept_tag;
    int64_t now_ms;
    int64_t next_client_ms; /* set by the driver: when its clients act next */
    uint64_t rng;
    uint64_t digest; /* of every completion delivered and every client action */
    kv_sim_faults faults;
    kv_sim_stats stats;
} kv_io_sim;

size_t kv_io_sim_memory_bytes(uint32_t sockets_max);

/* A network with no socket yet, time 0, the rng seeded; memory as above (aligned to 8). */
void kv_io_sim_init(kv_io_sim *sim, void *memory, size_t memory_bytes, uint32_t sockets_max,
                    uint64_t seed, const kv_sim_faults *faults);

kv_io kv_io_sim_interface(kv_io_sim *sim);

/* ---- the clients' end ---- */

/* A client connects: a new socket, queued in the listen backlog. Returns its id, or -1 when
 * sockets_max were used. */
int32_t kv_io_sim_connect(kv_io_sim *sim);

/* The client sends: copies what fits in the socket's buffer; returns the bytes taken (0 once
 * it shut its side or the socket was reset or closed by the server). */
size_t kv_io_sim_client_send(kv_io_sim *sim, uint32_t id, const uint8_t *bytes, size_t len);

/* The client reads up to `capacity` bytes of what the server sent. */
size_t kv_io_sim_client_recv(kv_io_sim *sim, uint32_t id, uint8_t *out, size_t capacity);

/* Half-close (shutdown(SHUT_WR)), close, and reset (RST) from the client. */
void kv_io_sim_client_shutdown(kv_io_sim *sim, uint32_t id);
void kv_io_sim_client_close(kv_io_sim *sim, uint32_t id);
void kv_io_sim_client_reset(kv_io_sim *sim, uint32_t id);

/* True when the client has read everything the server will ever send on it: the server shut
 * the socket (or it was reset) and nothing is left to read. */
bool kv_io_sim_client_at_end(const kv_io_sim *sim, uint32_t id);

/* Mixes a client action into the run's digest (same seed, same digest). */
void kv_io_sim_log(kv_io_sim *sim, uint64_t a, uint64_t b);

/* The socket behind a descriptor the server was given. */
uint32_t kv_io_sim_socket_of(int fd);

/* Draws from the network's rng: a value in [0, n). */
uint32_t kv_io_sim_random(kv_io_sim *sim, uint32_t n);

#endif
