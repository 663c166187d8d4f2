#ifndef STASIS_KV_STORE_H
#define STASIS_KV_STORE_H

/*
 * The store: keys and their values, in memory carved once at start-up.
 *
 *  - records: an object pool of keys_max records (key, type, value, expiry, hash);
 *  - index:   the hash table (table.h), keyed with SipHash and a start-up seed;
 *  - chunks:  every key, string value and list element is a chain of chunks (chunks.h).
 *
 * A list is a doubly linked list of elements; an element is a chunk chain whose first
 * chunk starts with a 12-byte header (previous element, next element, length), so an
 * element of n bytes costs ceil((n + 12) / chunk_size) chunks, at least one.
 *
 * The store checks nothing about limits or room: the command layer computes what an
 * operation needs (kv_store_can_take), answers the limit's error or -OOM if it does not
 * fit, and only then mutates; so a rejected command changes nothing. Every mutation here
 * that needs chunks asserts they are free.
 *
 * Expiry: a record's expire_at_ms is an absolute Unix time in ms, or KV_NO_EXPIRE. A key
 * is expired when now > expire_at_ms (Redis's rule). Lookups delete expired keys (lazy
 * expiry). The keys that have a TTL are kept in a binary min-heap by expiry time (an
 * array of keys_max record ids carved with the records; each record knows its place), so
 * active expiry (kv_store_expire_cycle) and the purge before a write would be refused
 * (kv_store_expire_due) visit only keys that are due: O(expired x log(volatile keys)),
 * whatever keys_max or the number of keys without a TTL. The heap also keeps the sum of
 * the expiry times, for INFO's avg_ttl.
 *
 * Access times: every record keeps the last time (ms, the store's clock) it was created
 * or looked up by a command that touches keys, as Redis's LRU clock, for OBJECT IDLETIME.
 *
 * Deleting, overwriting, expiring and popping a list to empty return every chunk and the
 * record to their pools.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alloc/object_pool.h"
#include "kv/chunks.h"
#include "kv/siphash.h"
#include "kv/table.h"

#define KV_NO_EXPIRE            ((int64_t)-1)
#define KV_RECORD_NONE          TABLE_ID_NONE
#define KV_ELEMENT_HEADER_BYTES 12u

typedef enum kv_type {
    KV_TYPE_STRING = 1,
    KV_TYPE_LIST = 2,
} kv_type;

typedef struct kv_record {
    uint64_t hash;
    int64_t expire_at_ms;
    uint32_t key; /* chunk chain, CHUNK_NONE for the empty key */
    uint32_t key_len;
    uint32_t value;        /* string: chunk chain; list: first element */
    uint32_t value_len;    /* string: bytes; list: elements */
    uint32_t list_tail;    /* list: last element */
    uint32_t value_chunks; /* chunks the value holds (a list: all its elements') */
    uint32_t heap_index;   /* place in the expiry heap; KV_HEAP_NONE without a TTL */
    int64_t accessed_ms;   /* created or last touched (OBJECT IDLETIME) */
    uint8_t type;          /* kv_type */
} kv_record;

#define KV_HEAP_NONE UINT32_MAX

/* A 128-bit sum (of expiry times: keys_max x 2^63 passes 64 bits). */
typedef struct kv_sum128 {
    uint64_t lo;
    uint64_t hi;
} kv_sum128;

typedef struct kv_store_params {
    uint64_t keys_max;
    uint32_t chunk_count;
    uint32_t chunk_size;
} kv_store_params;

typedef struct kv_store_stats {
    uint64_t expired_keys;
    uint64_t keyspace_hits;
    uint64_t keyspace_misses;
} kv_store_stats;

typedef struct kv_store {
    table index;
    object_pool records;
    chunk_store chunks;
    siphash_key seed;
    uint64_t keys_max;
    uint64_t keys;
    uint64_t expires;     /* keys with an expiry: the heap's length */
    uint32_t *heap;       /* keys_max record ids, a min-heap by expire_at_ms */
    kv_sum128 expire_sum; /* sum of the heap's expiry times */
    int64_t clock_ms;     /* the current command's time: stamps created records */
    kv_store_stats stats;
    /* Called with a key's hash whenever the key is created, changed, renamed (both names),
     * given or cleared an expiry, deleted (expiry and FLUSHALL included): WATCH's hook. */
    void (*on_modified)(void *context, uint64_t hash);
    void *on_modified_context;
    /* kv_store_key_bit of every key that became a list (added as one, or renamed in holding
     * one) since kv_store_take_lists_added: what wakes clients blocked on those keys. */
    uint64_t lists_added;
} kv_store;

/* The regions kv_store_init carves, in bytes, for the reservation table. */
typedef struct kv_store_layout {
    size_t table_bytes;
    size_t records_bytes; /* the record pool, then the expiry heap */
    size_t chunks_bytes;
} kv_store_layout;

kv_store_layout kv_store_layout_for(kv_store_params params);
size_t kv_store_memory_bytes(kv_store_params params);

/* Takes memory (64-byte aligned) of exactly kv_store_memory_bytes(params). */
void kv_store_init(kv_store *s, void *memory, size_t memory_bytes, kv_store_params params,
                   siphash_key seed);

/* Forgets everything (FLUSHALL). O(table slots + live records' chunks). */
void kv_store_flush(kv_store *s);

uint64_t kv_store_hash(const kv_store *s, const uint8_t *key, size_t key_len);

/* One of 64 bits for a key (from its keyed hash): the filter blocked clients are found by.
 * Keys with the same bit may share it; a key always gets the same one. */
uint64_t kv_store_key_bit(const kv_store *s, const uint8_t *key, size_t key_len);

/* The keys' bits added to `lists_added` since the last call, which clears them. O(1). */
uint64_t kv_store_take_lists_added(kv_store *s);

/* The live record of this key, or KV_RECORD_NONE; deletes it first if expired at now_ms.
 * Counts a keyspace hit or miss. */
uint32_t kv_store_find(kv_store *s, const uint8_t *key, size_t key_len, int64_t now_ms);

/* Like kv_store_find, without touching the hit/miss counters. */
uint32_t kv_store_find_quiet(kv_store *s, const uint8_t *key, size_t key_len, int64_t now_ms);

kv_record *kv_store_record(const kv_store *s, uint32_t id);

/* True iff a new key of key_len bytes fits: a free record and its key's chunks, plus
 * `value_chunks` more. */
bool kv_store_can_add_key(const kv_store *s, size_t key_len, uint64_t value_chunks);

/* True iff `chunks` chunks are free. */
bool kv_store_can_take(const kv_store *s, uint64_t chunks);

uint64_t kv_store_chunks_for(const kv_store *s, uint64_t bytes);
uint64_t kv_store_element_chunks(const kv_store *s, uint64_t bytes);

/* Creates a key with an empty value of `type` (an empty string or an empty list).
 * Precondition: kv_store_can_add_key(s, key_len, 0) and the key is absent. */
uint32_t kv_store_add(kv_store *s, const uint8_t *key, size_t key_len, kv_type type);

/* Deletes a key and everything it holds. */
void kv_store_delete(kv_store *s, uint32_t id);

/* Renames record id to a new key (absent). Precondition: the new key's chunks are free
 * after the old key's are returned (kv_store_can_take(new - old)). */
void kv_store_rename(kv_store *s, uint32_t id, const uint8_t *key, size_t key_len);

void kv_store_set_expire(kv_store *s, uint32_t id, int64_t expire_at_ms);

/* ---- strings ---- */

/* Replaces the record's value with a string of len bytes (the old value, string or list,
 * is freed first). Precondition: enough chunks free counting those freed. */
void kv_store_set_string(kv_store *s, uint32_t id, const uint8_t *data, size_t len);

/* Grows or shrinks the string to new_len bytes, keeping its first bytes (new bytes are
 * zeroed). Precondition: room for the growth. */
void kv_store_resize_string(kv_store *s, uint32_t id, uint64_t new_len);

/* Writes bytes into a string at offset (offset + n <= its length). */
void kv_store_write_string(kv_store *s, uint32_t id, uint64_t offset, const void *data, uint64_t n);

/* ---- lists ---- */

/* A free-standing element holding data. Precondition: kv_store_element_chunks(len) free. */
uint32_t kv_store_element_alloc(kv_store *s, const uint8_t *data, size_t len);
uint32_t kv_store_element_len(const kv_store *s, uint32_t element);
uint32_t kv_store_element_next(const kv_store *s, uint32_t element);
uint32_t kv_store_element_prev(const kv_store *s, uint32_t element);
/* The chunk chain and offset where the element's bytes start (for reads and replies). */
uint32_t kv_store_element_data(const kv_store *s, uint32_t element, uint64_t *offset);
bool kv_store_element_equals(const kv_store *s, uint32_t element, const uint8_t *data, size_t len);

/* Links a free-standing element at the head or tail of the record's list. */
void kv_store_list_push(kv_store *s, uint32_t id, uint32_t element, bool at_head);

/* Links `element` before or after `pivot` (an element of the list). */
void kv_store_list_insert(kv_store *s, uint32_t id, uint32_t pivot, uint32_t element, bool before);

/* Unlinks an element of the list and frees it. Does not delete an emptied key: callers
 * do (Redis deletes a list key when its last element goes). */
void kv_store_list_remove(kv_store *s, uint32_t id, uint32_t element);

/* Unlinks an element of the list without freeing it: it is free-standing again, ready to
 * be pushed onto a list (LMOVE moves elements without copying or allocating). */
void kv_store_list_unlink(kv_store *s, uint32_t id, uint32_t element);

/* The element at index (0-based from the head; walks from the nearer end). */
uint32_t kv_store_list_at(const kv_store *s, uint32_t id, uint64_t index);

/* ---- active expiry ---- */

/* Deletes up to `keys` keys that are expired at now_ms, soonest first, from the expiry
 * heap (never visiting a key that is not due). Returns how many it deleted. O(deleted x
 * log(volatile keys)). */
uint64_t kv_store_expire_cycle(kv_store *s, int64_t now_ms, uint64_t keys);

/* Deletes every key expired at now_ms (the purge before a write would be refused for
 * want of chunks or keys). Returns how many. Records not expired are untouched, so the
 * ids a command holds (looked up, hence not expired) stay valid. */
uint64_t kv_store_expire_due(kv_store *s, int64_t now_ms);

/* The mean time to live of the keys with one, in ms at now_ms (0 without any). */
uint64_t kv_store_avg_ttl_ms(const kv_store *s, int64_t now_ms);

/* Sets the hook every mutation calls with the key's hash (see kv_store), or none (NULL).
 * kv_store_init sets none. */
void kv_store_on_modified(kv_store *s, void (*hook)(void *context, uint64_t hash), void *context);

/* Signals the hook for this key without changing it: the commands Redis reports as a
 * modification though nothing changed (LTRIM keeping every element, APPEND of nothing). */
void kv_store_signal_modified(kv_store *s, uint32_t id);

/* The live record of this key (an expired one is deleted first), without counting a hit or
 * miss nor touching its access time (WATCH looks keys up this way). */
uint32_t kv_store_find_silent(kv_store *s, const uint8_t *key, size_t key_len, int64_t now_ms);

/* Sets the store's clock (each command's time): created records are stamped with it. */
void kv_store_set_clock(kv_store *s, int64_t now_ms);

/* Like kv_store_find, without touching the record's access time (Redis's LOOKUP_NOTOUCH:
 * TYPE, EXISTS, TTL, OBJECT). */
uint32_t kv_store_find_notouch(kv_store *s, const uint8_t *key, size_t key_len, int64_t now_ms);

/* Counters agree with the table and the pools. O(table slots). */
bool kv_store_invariants_hold(const kv_store *s);

/* Walks every record: its chains' lengths match what its key and value should cost, list
 * links are consistent, and the sum equals the chunks in use (nothing leaked).
 * O(slots + chunks in use): for the end of a fuzz input and tests. */
bool kv_store_invariants_hold_full(const kv_store *s);

/* ---- lists (more) ---- */

/*
 * Removes the head (at_head) or tail element of record id's list (not empty) and frees its
 * chunks. Like kv_store_list_remove, it does not delete an emptied key. O(element chunks).
 */
void kv_store_list_pop(kv_store *s, uint32_t id, bool at_head);

/*
 * Replaces the bytes of `element`, an element of record id's list, with data[0, len). The
 * element keeps its id and its place: its chain is truncated or extended, so the chunks it
 * no longer needs are freed and only the growth is taken (never the whole new size before
 * the old one is freed). Precondition: the growth is free,
 * kv_store_can_take(element_chunks(len) - element_chunks(its length)). O(new chunks).
 */
void kv_store_list_set(kv_store *s, uint32_t id, uint32_t element, const uint8_t *data, size_t len);

/* ---- keyspace (more) ---- */

/* True iff the record has an expiry and now_ms is past it (now > expire_at, Redis's rule).
 * Reads only: for walks (KEYS, SCAN) that must not change the table while they run. */
bool kv_store_is_expired(const kv_store *s, uint32_t id, int64_t now_ms);

/* Deletes a record found expired (kv_store_is_expired) and counts it as an expired key,
 * as a lookup that expires it does. */
void kv_store_delete_expired(kv_store *s, uint32_t id, int64_t now_ms);

/*
 * True iff the record's key matches a glob pattern as Redis's stringmatchlen decides
 * (glob.h rules, case-sensitive; and an empty key matches only the empty pattern), matched
 * in place over the key's chunk chain: no copy, so a key of any length up to key_size_max
 * needs no scratch buffer. O(pattern x key) in the worst case, as glob_match.
 */
bool kv_store_key_matches(const kv_store *s, uint32_t id, const uint8_t *pattern,
                          size_t pattern_len);

/*
 * Gives record `to` (a fresh key: an empty value of the same type as `from`) a copy of
 * record from's value: the same bytes, or the same elements in order. Precondition:
 * value_chunks of `from` are free. O(the value's chunks); no scratch, chain to chain.
 */
void kv_store_copy_value(kv_store *s, uint32_t to, uint32_t from);

/* Chunks the record's key holds (what renaming it gives back). */
uint64_t kv_store_key_chunks(const kv_store *s, uint32_t id);

#endif
