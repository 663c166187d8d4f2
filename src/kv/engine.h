#ifndef STASIS_KV_ENGINE_H
#define STASIS_KV_ENGINE_H

/*
 * The command engine: pure. It takes one parsed command, the current time and the
 * connection's session, and writes the reply; no syscalls, no clock of its own, so fuzzers
 * and the simulator drive it deterministically. Commands with effects on the connection
 * (QUIT, HELLO, AUTH, the "host:"/"post" guard) set flags in the session that the server
 * loop applies. Active expiry is an engine call with a bounded amount of work.
 *
 * Replies and room. The caller passes a writer with at least KV_REPLY_ROOM_MIN_BYTES free.
 * A command is atomic: it runs completely or not at all. When its reply does not fit in
 * the writer's free room, the engine changes nothing, writes nothing and returns
 * KV_EXEC_NEEDS_ROOM; the caller flushes or lends a large buffer (free room of at least
 * reply_size_max) and runs the same command again. A reply that would pass reply_size_max
 * is answered with that limit's error instead.
 *
 * Commands are data: a table of {name, arity, flags, handler} per family (cmd_*.c).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv/config.h"
#include "kv/resp_parser.h"
#include "kv/resp_writer.h"
#include "kv/store.h"
#include "kv/transaction.h"

/* The room every command may assume: errors, integers and short replies fit in it. */
#define KV_REPLY_ROOM_MIN_BYTES ((size_t)1024)

/*
 * Blocking commands (BLPOP BRPOP BLMOVE BRPOPLPUSH BLMPOP, cmd_blocking.c). When none of
 * their keys holds data and blocking is allowed, the engine changes nothing, writes
 * nothing, fills `timeout_ms` and `key_bits` and returns KV_EXEC_BLOCKED; the server keeps
 * the command and runs it again with `serving` set once a key with one of those bits became
 * a list (kv_engine_take_lists_added). A re-run with `serving` pops from the first of its
 * keys holding a non-empty list, or returns KV_EXEC_BLOCKED again (nothing written) when
 * none does; it never answers WRONGTYPE for a source key of another type (Redis serves a
 * waiter only from a key that is a list). A blocked client that times out is answered by
 * kv_engine_reply_timed_out.
 */
typedef struct kv_block_request {
    bool serving;       /* in: a re-run of a woken waiter's command */
    int64_t timeout_ms; /* out: how long to wait, 0 for ever (Redis's 0) */
    uint64_t key_bits;  /* out: kv_store_key_bit of each key it waits on */
} kv_block_request;

/* What the connection must do after the reply (set by QUIT, AUTH, HELLO, the guard). */
typedef struct kv_session {
    uint64_t id;
    bool authenticated;
    bool close_after_reply;   /* QUIT: send the reply, then close */
    bool close_without_reply; /* "host:" / "post": an HTTP client, close at once */
    uint32_t name_len;
    uint32_t name_capacity; /* client_name_size_max: the storage the server gave it */
    char *name;             /* HELLO SETNAME's name */
    uint32_t txn;           /* its transaction slot (transaction.h), KV_TXN_NONE without */
    kv_block_request block; /* blocking commands' exchange with the server (above) */
} kv_session;

/* Figures the server loop keeps and INFO reports (all zero when fuzzing the engine). */
typedef struct kv_server_info {
    int64_t started_ms;
    uint64_t tcp_port;
    uint64_t process_id;
    uint64_t connected_clients;
    uint64_t blocked_clients; /* waiting in a blocking command (server_block.c) */
    uint64_t total_connections_received;
    uint64_t rejected_connections;
    uint64_t accept_errors; /* accept failures (EMFILE, ENFILE, ...); accepting goes on */
    uint64_t idle_timeouts;
    uint64_t large_buffer_waits;
    uint64_t large_buffers_in_use;
    uint64_t large_buffer_timeouts;
    uint64_t slow_readers_paused;
    uint64_t protocol_errors;
    uint64_t net_input_bytes;
    uint64_t net_output_bytes;
    uint64_t reservation_bytes;
    uint64_t allocation_calls_after_seal;
} kv_server_info;

typedef struct kv_engine_stats {
    uint64_t commands_processed;
    uint64_t oom_rejections;   /* -OOM answers (shared policy) */
    uint64_t limit_rejections; /* a data limit's error */
    uint64_t reply_room_retries;
} kv_engine_stats;

typedef enum kv_exec {
    KV_EXEC_DONE = 0,
    KV_EXEC_NEEDS_ROOM = 1,
    KV_EXEC_BLOCKED = 2, /* nothing written nor changed: session->block says what to wait for */
} kv_exec;

/* INFO is formatted into this much engine-owned scratch (its output is bounded). */
#define KV_INFO_SIZE_MAX 8192

struct kv_command;

typedef struct kv_engine {
    const kv_config *config;
    kv_store store;
    kv_engine_stats stats;
    const kv_server_info *server; /* may be NULL */
    uint64_t next_session_id;
    uint64_t random_state; /* RANDOMKEY's generator (splitmix64), seeded from the hash seed */
    int64_t tunings[KV_TUNING_COUNT]; /* Redis's encoding tunings: remembered, no effect */
    uint32_t *lcs_table;              /* lcs_cells_max cells (kv_engine_give_lcs_scratch) */
    uint8_t *lcs_bytes;               /* lcs_cells_max bytes: the two strings and the result */
    uint64_t lcs_cells;               /* 0 until given: LCS then answers its limit's error */
    kv_txns txns;                     /* MULTI/EXEC and WATCH (kv_engine_give_transactions) */
    char info_scratch[KV_INFO_SIZE_MAX];
} kv_engine;

/* Initialises the engine over the store's memory (see kv_layout), with a hash seed.
 * `config` must outlive the engine and be finalized. */
void kv_engine_init(kv_engine *e, const kv_config *config, void *store_memory,
                    size_t store_memory_bytes, uint32_t chunk_count, siphash_key seed);

/* Bytes of the LCS scratch for a configuration: lcs_cells_max cells of a uint32_t table
 * entry and one byte (the strings and the result fit in as many bytes as the table has
 * cells). The layout reserves them as a region of their own. */
uint64_t kv_engine_lcs_scratch_bytes(const kv_config *config);

/* Gives the engine its LCS scratch (kv_engine_lcs_scratch_bytes, 8-byte aligned), carved
 * at start-up; without it every LCS answers the lcs_cells_max error. */
void kv_engine_give_lcs_scratch(kv_engine *e, void *memory, size_t bytes);

/* Gives the engine the transaction regions (kv_txn_layout_for's sizes), carved at
 * start-up: connections_max slots, each with its queue and watches. Without them sessions
 * get no slot and MULTI and WATCH answer an error (engines that fuzzers open alone). */
void kv_engine_give_transactions(kv_engine *e, kv_txn_memory memory);

/* A fresh session (authenticated iff no requirepass), its name stored in name_storage
 * (client_name_size_max bytes), with a transaction slot if the engine has them (at most
 * connections_max sessions open at once: close each with kv_engine_close_session). */
void kv_engine_open_session(kv_engine *e, kv_session *session, char *name_storage);

/* The session's connection is gone: its transaction is discarded, its watches dropped and
 * its slot given back. O(keys it watched). */
void kv_engine_close_session(kv_engine *e, kv_session *session);

/*
 * Runs one command (1 <= argc <= command_args_max: the parser refuses longer requests).
 * Returns KV_EXEC_DONE with the reply appended to `out`, or KV_EXEC_NEEDS_ROOM having
 * changed nothing (see above), or KV_EXEC_BLOCKED for a blocking command that must wait
 * (see kv_block_request; only when the command's context allows blocking: kv_ctx.may_block,
 * true here, false for the commands EXEC runs). Never fails otherwise: every client error
 * is a reply. Precondition: at least KV_REPLY_ROOM_MIN_BYTES free in `out`.
 */
kv_exec kv_engine_execute(kv_engine *e, kv_session *session, const resp_arg *argv, uint32_t argc,
                          int64_t now_ms, resp_writer *out);

/* Active expiry: deletes at most `keys` expired keys, soonest first, visiting only keys
 * that are due (kv_store_expire_cycle); returns how many. A server calling it every 100 ms
 * removes an expired key from DBSIZE within one tick, for any keys_max. */
uint64_t kv_engine_expire_cycle(kv_engine *e, int64_t now_ms, uint64_t keys);

/* The command table entry for a name (case-insensitive), or NULL. */
const struct kv_command *kv_engine_command(const kv_engine *e, const uint8_t *name, size_t len);

/* The bits of keys that became lists since the last call (clears them): the server wakes
 * the clients blocked on keys with those bits. O(1). */
uint64_t kv_engine_take_lists_added(kv_engine *e);

/* A blocked client's answer when its timeout passes: Redis's null array (*-1), whatever
 * the command. Precondition: at least 5 bytes free in `out`. */
void kv_engine_reply_timed_out(resp_writer *out);

bool kv_engine_invariants_hold(const kv_engine *e);

#endif
