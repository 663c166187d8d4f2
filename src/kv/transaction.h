#ifndef STASIS_KV_TRANSACTION_H
#define STASIS_KV_TRANSACTION_H

/*
 * The state of MULTI/EXEC and WATCH, carved at start-up (internal to src/kv; the commands
 * are in cmd_multi.c). Nothing here allocates.
 *
 *  - slots:   connections_max transaction slots; a session takes one when it opens and
 *             gives it back when it closes (kv_engine_open_session/close_session). A slot
 *             holds the MULTI flags and the counts of what it queued and watches.
 *  - queues:  transaction_bytes_max bytes per slot: the queued commands, each encoded as
 *             its argument count then (length, bytes) per argument, with 4-byte counts, so a
 *             command never takes more than its RESP request (which the limit counts: a
 *             `*argc\r\n` header is at least 4 bytes, a `$len\r\n..\r\n` frame at least 6).
 *  - watches: watched_keys_max entries per slot (a slot's are contiguous: entry i of slot s
 *             is s x watched_keys_max + i), each a key's 64-bit keyed hash (the store's
 *             SipHash with its start-up seed) and the expiry the key had when watched;
 *  - index:   a power-of-two bucket array over all entries by hash (doubly linked chains),
 *             so the store's "key modified" hook costs O(1 + entries with that bucket), and
 *             nothing at all while no key is watched.
 *
 * Why per connection, not one shared pool: a client's WATCH or MULTI must not fail
 * because other clients hold the pool (no cross-client denial of service, and the error
 * a client gets depends only on what it sent). The price is connections_max x the limits,
 * which --print-reservation shows; the defaults keep it at a few MiB.
 *
 * Watches compare the key's 64-bit keyed hash, not its bytes: a write to another key marks
 * a transaction dirty only on a hash collision (2^-64 per pair, and the seed is secret, so
 * a client cannot aim for one); a watched key's write is never missed.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kv/config.h"
#include "kv/resp_parser.h"

#define KV_TXN_NONE UINT32_MAX

enum {
    KV_TXN_OPEN = 1u << 0,       /* the slot belongs to a session */
    KV_TXN_MULTI = 1u << 1,      /* between MULTI and EXEC/DISCARD */
    KV_TXN_DIRTY_EXEC = 1u << 2, /* a command was refused while queueing: EXEC aborts */
    KV_TXN_DIRTY_CAS = 1u << 3,  /* a watched key was modified: EXEC answers nil */
    /* a WATCH was refused (watched_keys_max): the next EXEC aborts rather than run
     * without the guard the client asked for */
    KV_TXN_WATCH_REFUSED = 1u << 4,
};

typedef struct kv_txn {
    uint32_t flags;
    uint32_t next_free;
    uint32_t commands; /* queued */
    uint32_t watched;  /* entries in use, the slot's first ones */
    uint64_t bytes;    /* queued request bytes (as counted by transaction_bytes_max) */
    uint64_t used;     /* bytes of the queue's encoding (<= bytes) */
} kv_txn;

typedef struct kv_watch {
    uint64_t hash;
    int64_t expire_at_ms; /* the key's expiry when watched; KV_NO_EXPIRE if none or absent */
    uint32_t next;        /* bucket chain */
    uint32_t prev;
} kv_watch;

/* The regions, in bytes (each a multiple of 64), for the reservation table. */
typedef struct kv_txn_layout {
    uint64_t state_bytes; /* connections_max kv_txn */
    uint64_t queue_bytes; /* connections_max x transaction_bytes_max */
    uint64_t watch_bytes; /* connections_max x watched_keys_max kv_watch */
    uint64_t index_bytes; /* index_slots uint32_t */
    uint64_t argv_bytes;  /* command_args_max resp_arg: EXEC decodes one command at a time */
    uint64_t watch_count;
    uint64_t index_slots;
    bool overflow; /* a size passes 64 bits or an entry count passes 2^32 - 2 */
} kv_txn_layout;

/* The memory the server carves for them (kv_txn_layout_for's sizes, 64-byte aligned). */
typedef struct kv_txn_memory {
    void *state;
    void *queues;
    void *watches;
    void *index;
    void *argv;
} kv_txn_memory;

typedef struct kv_txns {
    const kv_config *config;
    kv_txn *slots; /* NULL until given: sessions then get no slot */
    uint32_t slot_count;
    uint32_t free_head;
    uint8_t *queues;
    kv_watch *watches;
    uint32_t *index;
    uint64_t index_mask;
    resp_arg *argv;
    uint64_t watched_total;
} kv_txns;

/* Pure: the sizes for a finalized configuration. */
kv_txn_layout kv_txn_layout_for(const kv_config *config);

/* Takes the carved memory; every slot free, nothing watched. */
void kv_txns_init(kv_txns *t, const kv_config *config, kv_txn_memory memory);

/* A free slot, or KV_TXN_NONE iff no memory was given. Asserts one is free otherwise (the
 * server opens at most connections_max sessions). O(1). */
uint32_t kv_txns_open(kv_txns *t);
/* Discards the slot's transaction and watches, and frees it. O(watched). */
void kv_txns_close(kv_txns *t, uint32_t slot);

kv_txn *kv_txns_slot(const kv_txns *t, uint32_t slot);

/* The store's hook: marks DIRTY_CAS every slot watching a key of this hash. */
void kv_txns_key_modified(void *txns, uint64_t hash);

/* Whether the slot already watches this hash. O(bucket chain). */
bool kv_txns_watches(const kv_txns *t, uint32_t slot, uint64_t hash);
/* Adds a watch. Precondition: watched < watched_keys_max and not already watched. */
void kv_txns_watch(kv_txns *t, uint32_t slot, uint64_t hash, int64_t expire_at_ms);
/* Removes the slot's watches past its first `keep` (all of them with keep = 0). */
void kv_txns_unwatch_from(kv_txns *t, uint32_t slot, uint32_t keep);
/* True iff a key watched with an expiry is past it at now_ms (Redis's isWatchedKeyExpired:
 * any other change to it already marked the slot dirty). O(watched). */
bool kv_txns_watched_expired(const kv_txns *t, uint32_t slot, int64_t now_ms);

/* Bytes transaction_bytes_max counts for a command: its RESP multibulk request. */
uint64_t kv_txns_request_bytes(const resp_arg *argv, uint32_t argc);
/* Appends a command to the slot's queue. Precondition: its request bytes fit. */
void kv_txns_queue(kv_txns *t, uint32_t slot, const resp_arg *argv, uint32_t argc);
/* Decodes the queued command at *offset into t->argv (valid until the next decode or
 * discard) and advances *offset; returns its argc. Precondition: *offset < used. */
uint32_t kv_txns_queued(const kv_txns *t, uint32_t slot, uint64_t *offset);
/* Forgets the queue and the MULTI and dirty flags (not the watches). O(1). */
void kv_txns_reset(kv_txns *t, uint32_t slot);

/* Free list, per-slot counts and the index agree. O(slots + entries). */
bool kv_txns_invariants_hold(const kv_txns *t);

#endif
