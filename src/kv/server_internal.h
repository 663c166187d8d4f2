#ifndef STASIS_KV_SERVER_INTERNAL_H
#define STASIS_KV_SERVER_INTERNAL_H

/*
 * The server's state and the functions its files share (server.c: the loop and its
 * timers; server_conn.c: one connection's input, commands and output; server_large.c: the
 * large buffers and their wait queues; server_start.c: start-up, the seal and shutdown).
 * Internal to src/kv, visible to the tests (o1heap's PRIVATE idea) so the memory carving and
 * the buffer rules can be checked without sockets.
 *
 * Every operation goes through the I/O interface (io.h); nothing here calls liburing.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/reservation.h"
#include "kv/config.h"
#include "kv/connection.h"
#include "kv/engine.h"
#include "kv/io.h"
#include "kv/layout.h"
#include "kv/resp_parser.h"
#include "kv/server_block.h"

#define KV_SERVER_TICK_MS               100  /* timers: idle, buffer holds, expiry, accept */
#define KV_SERVER_COMPLETIONS_PER_WAIT  512  /* completions handled per wait() */
#define KV_SERVER_EXPIRE_SLOTS_PER_TICK 4096 /* active expiry work per tick */
#define KV_SERVER_FDS_RESERVED          32   /* stdio, listener, ring, accepts in progress */
#define KV_SERVER_SHUTDOWN_MS_MAX       2000 /* longest wait for closes at shutdown */
#define KV_SERVER_LISTEN_BACKLOG        511  /* Redis's tcp-backlog default */
#define KV_LARGE_BUFFERS_LIMIT          4096 /* large_buffers_max's largest value */
#define KV_IO_INDEX_LISTENER            KV_IO_INDEX_MAX
#define KV_IO_INDEX_BLOCK_TIMER         (KV_IO_INDEX_MAX - 1) /* blocked clients' deadlines */

/* Intrusive FIFO of connections, linked through one of their uint32_t fields. */
typedef struct kv_conn_queue {
    uint32_t head;
    uint32_t tail;
    uint32_t count;
} kv_conn_queue;

typedef struct kv_server kv_server;

/*
 * What the loop calls outside itself, chosen at start-up (the loop is I/O-free and links
 * into the core; the seal's counting lives with the I/O build):
 *  - window_begin/end around every engine call (sanitized builds count allocation calls
 *    only inside it), allocation_calls once per turn (INFO allocation_calls_after_seal);
 *  - executed, after every command the engine ran, with its arguments and its reply bytes
 *    (the simulator replays them through the reference model in this order);
 *  - after_completion, after every completion was handled (the simulator's checks).
 * Any of them may be NULL.
 */
typedef struct kv_server_hooks {
    void (*window_begin)(void);
    void (*window_end)(void);
    uint64_t (*allocation_calls)(void);
    void (*executed)(void *context, const kv_server *s, uint32_t index, const resp_arg *argv,
                     uint32_t argc, const uint8_t *reply, size_t reply_len);
    /* A blocked command answered as timed out (argv: the command, reply: its null reply). */
    void (*timed_out)(void *context, const kv_server *s, uint32_t index, const resp_arg *argv,
                      uint32_t argc, const uint8_t *reply, size_t reply_len);
    void (*after_completion)(void *context, const kv_server *s);
    void *context;
} kv_server_hooks;

struct kv_server {
    const kv_config *config;
    kv_layout layout;
    reservation memory;
    kv_engine engine;
    kv_server_info info;
    resp_limits limits;
    kv_io io;
    const kv_server_hooks *hooks;
    int listen_fd;
    /* carved from the reservation, in the layout's order */
    kv_connection *conns;
    uint8_t *conn_buffers; /* per connection: receive, then send, connection_buffer_size each */
    uint8_t *large_buffers;
    resp_arg *argv;
    char *client_names;
    uint8_t *inline_scratch;
    /* connections */
    uint32_t free_top;     /* free slots, a stack linked through `next` */
    uint32_t slots_in_use; /* open or closing */
    uint32_t lru_head;     /* open connections, least recently active first */
    uint32_t lru_tail;
    kv_conn_queue ready; /* to serve this turn, linked through `next` */
    /* large buffers: a free stack, owners, and who waits (FIFO, linked through next_waiting) */
    kv_conn_queue wait_first;  /* holding none */
    kv_conn_queue wait_second; /* holding one already: served first (see server_large.c) */
    uint32_t large_free_count;
    uint32_t large_free[KV_LARGE_BUFFERS_LIMIT];
    uint32_t large_owner[KV_LARGE_BUFFERS_LIMIT]; /* connection index or KV_CONN_NONE */
    /* blocked clients (server_block.c): one wait per slot, a list in the order they blocked,
     * and how many waits hold each key bit (a push to a key whose bit none holds wakes
     * nobody without a walk) */
    kv_block_entry *blocks;
    uint32_t blocked_head;
    uint32_t blocked_tail;
    uint32_t blocked_count;
    uint32_t blocked_bit_count[64];
    bool waking;             /* kv_block_wake is running: it does not run again inside itself */
    bool block_timer_armed;  /* a timeout for the earliest deadline is in flight */
    /* time, read once per turn */
    int64_t mono_ms; /* CLOCK_MONOTONIC: timeouts */
    int64_t real_ms; /* CLOCK_REALTIME: the engine's clock (expiry) */
    /* the loop */
    bool accept_armed;
    bool accept_paused; /* after EMFILE and the like: armed again at the next tick */
    bool stopping;
    bool listener_closed;
    int64_t stop_deadline_ms;
    int64_t holds_checked_ms; /* when kv_large_check_holds last ran */
    kv_io_completion completions[KV_SERVER_COMPLETIONS_PER_WAIT];
};

/* ---- server_start.c: memory ---- */

/*
 * Computes the layout, maps ONE reservation of exactly its total (RESERVATION_LOCK if
 * `lock`), carves every region in the layout's order and initialises the engine, the
 * connection slots and the large buffers over it. Does not seal. Returns 0, or a negative
 * errno with the reason in `error` (mmap's ENOMEM, mlock's EPERM/ENOMEM, a layout that
 * cannot be computed: EOVERFLOW). Afterwards reservation used bytes == layout total.
 */
int kv_server_reserve(kv_server *s, const kv_config *config, bool lock, siphash_key seed,
                      char *error, size_t error_size);

/*
 * The same over the caller's `memory` (aligned to KV_REGION_ALIGN_BYTES) instead of a
 * mapping: the simulator reuses one buffer for run after run, where a mapping, faulted in
 * and unmapped per run, cost fuzz_server_sim 6% of its executions. The layout's total is
 * zeroed first, so the server starts from what a fresh mapping holds: a run does not see
 * the last one's bytes. Returns -ENOSPC (reason in `error`), changing nothing in the
 * memory, when the layout needs more than memory_bytes; otherwise as kv_server_reserve.
 * O(layout total). kv_server_release gives it back (the memory stays the caller's).
 */
int kv_server_reserve_in(kv_server *s, const kv_config *config, void *memory,
                         size_t memory_bytes, siphash_key seed, char *error, size_t error_size);

/* Gives the reservation back (tests; the server itself just exits). */
void kv_server_release(kv_server *s);

/* ---- server.c: the loop ---- */

/*
 * Start-up takes a backend: after kv_server_reserve, the same server runs over io_uring
 * (server_start.c) or the simulator (src/kv/io_sim.h), with the listener's descriptor and
 * the hooks (kept by pointer). No second copy of the loop exists.
 */
void kv_server_attach(kv_server *s, kv_io io, int listen_fd, const kv_server_hooks *hooks);

/* Arms accept and the tick, then turns until a stop was asked for and everything closed. */
void kv_server_loop(kv_server *s, volatile const int *stop_signal);

/* The same loop in steps (the simulator drives it): begin once, then step until it returns
 * false; `stop` asks for the shutdown (as the signal does). */
void kv_server_loop_begin(kv_server *s);
bool kv_server_loop_step(kv_server *s, bool stop);

/* One turn: wait for completions, handle each, serve the ready connections. Returns the
 * completions handled. */
size_t kv_server_turn(kv_server *s);

/* ---- server_check.c: invariants ---- */

/*
 * O(1) plus the large buffers: counters agree (slots, large buffers free and lent, queue
 * counts, INFO's connected_clients, large_buffers_in_use and blocked_clients; no more
 * blocked clients than connected ones). After every completion in
 * the simulator and in debug builds.
 */
bool kv_server_invariants_hold(const kv_server *s);

/*
 * A walk of every slot and queue: each slot free or in exactly one state; flags consistent
 * with the queues it is in (ready, wait queues, the LRU list of open ones, the blocked list:
 * exactly the KV_CONN_BLOCKED ones, all open, with key-bit counts that add up) and with the
 * operations in flight; each large buffer owned by at most one connection, which points at
 * it, and counted once; buffers in range. For the simulator after every event and tests.
 */
bool kv_server_invariants_hold_full(const kv_server *s);

/* The source line (server_check.c) of the last invariant that did not hold, for reports. */
int kv_server_invariants_failed_line(void);

/* Asks for one operation, tagged for connection c (or the listener / the tick). */
uint64_t kv_server_tag(const kv_server *s, kv_io_op op, const kv_connection *c);

/* ---- server_conn.c: connections ---- */

kv_connection *kv_conn_at(const kv_server *s, uint32_t index);
uint32_t kv_conn_index(const kv_server *s, const kv_connection *c);

/* Every slot free, generation 0. */
void kv_conn_init_all(kv_server *s);

/* A client was accepted: serve it from a free slot, or answer Redis's max-clients error. */
void kv_conn_accepted(kv_server *s, int fd);

void kv_conn_on_recv(kv_server *s, kv_connection *c, int32_t result);
void kv_conn_on_send(kv_server *s, kv_connection *c, int32_t result);
void kv_conn_on_close(kv_server *s, kv_connection *c, int32_t result);
void kv_conn_on_poll(kv_server *s, kv_connection *c, int32_t result);

/* c is not read from (it waits for a large buffer): watch for its client hanging up. */
void kv_conn_watch_hangup(kv_server *s, kv_connection *c);

/* Queues c to be served this turn (once). */
void kv_conn_ready(kv_server *s, kv_connection *c);

/* Serves the connections queued when it starts, each once (fairness: at most
 * commands_per_turn_max commands each; the rest wait for the next turn). */
void kv_conn_serve_ready(kv_server *s);

/* Closes an open connection: its slot is reused once its operations completed. */
void kv_conn_close(kv_server *s, kv_connection *c);

/* Closes every open connection (shutdown). */
void kv_conn_close_all(kv_server *s);

/* Tick: closes connections idle longer than idle_timeout_s (counted). */
void kv_conn_check_idle(kv_server *s);

/* Runs blocked c's command again for a woken waiter (session.block.serving): true iff it
 * was answered (c is no longer blocked and is queued ready; a reply that needs room goes
 * through the room protocol and the command runs again unblocked); false iff it still
 * waits, unchanged. */
bool kv_conn_rerun_blocked(kv_server *s, kv_connection *c);

/* Blocked c's deadline passed: its command is consumed and answered with the timeout's
 * reply (kv_engine_reply_timed_out); c is no longer blocked and is queued ready. */
void kv_conn_unblock_timed_out(kv_server *s, kv_connection *c);

/* The large-buffer module lends or takes back buffer b: the connection's buffers switch. */
void kv_conn_lend(kv_server *s, kv_connection *c, kv_large_role role, uint32_t b);

/* ---- server_large.c: large buffers ---- */

void kv_large_init(kv_server *s);
uint8_t *kv_large_at(const kv_server *s, uint32_t b);

/*
 * Lends c a large buffer for `role` now (returns true; kv_conn_lend switched its buffers),
 * or queues c, marked KV_CONN_WAITING, until one is free (returns false; counted in
 * large_buffer_waits). c then gets it in FIFO order and is queued ready.
 */
bool kv_large_acquire(kv_server *s, kv_connection *c, kv_large_role role);

/* Lends c a large buffer for `role` if one may be lent now without waiting (returns true);
 * otherwise changes nothing and returns false. */
bool kv_large_try_acquire(kv_server *s, kv_connection *c, kv_large_role role);

/* The rate rule's slack: two ticks at large_buffer_rate_min_bytes_per_s, at most one
 * connection_buffer_size. A holder starts with it, and may keep no more while others wait. */
int64_t kv_large_slack_bytes(const kv_server *s);

/* Whether some connection waits for a large buffer. */
bool kv_large_wanted(const kv_server *s);

/* Takes buffer b back (the caller already switched the connection off it) and lends it on. */
void kv_large_give_back(kv_server *s, uint32_t b);

/* Removes a closing connection from the wait queue it is in. */
void kv_large_forget(kv_server *s, kv_connection *c);

/* Tick: closes connections that hold a large buffer and fell behind
 * large_buffer_rate_min_bytes_per_s, or made no progress for large_buffer_hold_ms_max. */
void kv_large_check_holds(kv_server *s);

/* ---- server_block.c: blocked clients ---- */

/* No client blocked. */
void kv_block_init(kv_server *s);

/* c's command answered KV_EXEC_BLOCKED (its bytes stay unconsumed in its receive buffer):
 * c joins the end of the blocked list, marked KV_CONN_BLOCKED, with its deadline
 * (timeout_ms from now on the loop's monotonic clock; 0: for ever) and the length of its
 * command. O(1). A blocked client is not read from (what it sends next waits in the
 * socket, as it waits in Redis's query buffer), so no receive is in flight when it must run
 * again; a poll watches for its hang-up or end of stream, which close it (server_conn.c). */
void kv_block_add(kv_server *s, kv_connection *c, int64_t timeout_ms, uint64_t key_bits,
                  uint64_t command_bytes);


/* c leaves the blocked list (served, timed out, or closing). O(1). */
void kv_block_remove(kv_server *s, kv_connection *c);

/*
 * After every command: if keys became lists whose bits some blocked client waits on, runs
 * those clients' commands again (kv_conn_rerun_blocked) in the order they blocked, and again
 * while the re-runs make more lists (BLMOVE), as Redis's handleClientsBlockedOnKeys. O(1)
 * when no waiter holds a bit of the new lists; else O(blocked clients) per round, and each
 * round but the last serves one at least.
 */
void kv_block_wake(kv_server *s);

/* Tick, and the blocked clients' own timer (a timeout tagged KV_IO_INDEX_BLOCK_TIMER, armed
 * for the earliest deadline when none is in flight; `timer_fired` when it is the one that
 * completed): answers the blocked clients whose deadline passed (kv_conn_unblock_timed_out)
 * and arms the timer for the next deadline. So a timeout is answered within a millisecond
 * or so of its deadline, and within one tick at worst (a deadline earlier than the timer
 * already in flight). O(blocked clients). */
void kv_block_check_timeouts(kv_server *s, bool timer_fired);

/* ---- queues (server_conn.c) ---- */

void kv_queue_init(kv_conn_queue *q);
void kv_queue_push(kv_server *s, kv_conn_queue *q, kv_connection *c, size_t link_offset);
kv_connection *kv_queue_pop(kv_server *s, kv_conn_queue *q, size_t link_offset);
void kv_queue_remove(kv_server *s, kv_conn_queue *q, kv_connection *c, size_t link_offset);

#endif
