#ifndef STASIS_KV_TABLE_H
#define STASIS_KV_TABLE_H

/*
 * The key index: a fixed-capacity open-addressing hash table (linear probing) mapping a
 * 64-bit key hash to a record id (u32). It never grows; its slot count is fixed at init, a
 * power of two at least twice the most records it will hold, so live entries fill at most
 * half of it.
 *
 * Deletes leave tombstones (a probe run must not break). When tombstones pass a quarter of
 * the slots (checked on every insert and remove) the table is rehashed IN PLACE: no second table,
 * no allocation, O(slots + live x probe). A record's home slot (hash & mask) never changes, because
 * the size never changes, which is what lets a SCAN cursor over home slots survive rehashes
 * (table_scan).
 *
 * The table stores hashes and ids only; the caller decides key equality (a callback), so
 * keys can live anywhere. Fields are private.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TABLE_ID_NONE UINT32_MAX

typedef struct table_slot {
    uint64_t hash;
    uint32_t id; /* record id, or TABLE_EMPTY / TABLE_TOMBSTONE */
    uint32_t pad;
} table_slot;

typedef struct table_stats {
    uint64_t live;
    uint64_t tombstones;
    uint64_t rehashes;
    uint64_t probe_length_max; /* longest probe seen by any lookup or insert so far */
} table_stats;

typedef struct table {
    table_slot *slots;
    uint64_t mask;
    uint64_t live_max;
    table_stats stats;
} table;

/* Slots for a table holding up to live_max records: the power of two >= 2 * live_max. */
uint64_t table_slot_count(uint64_t live_max);

/* Exact bytes table_init needs for live_max records (slots array), 64-byte aligned. */
size_t table_memory_bytes(uint64_t live_max);

/* Takes memory of table_memory_bytes(live_max) bytes (8-byte aligned). O(slots). */
void table_init(table *t, void *memory, size_t memory_bytes, uint64_t live_max);

/* Forgets every entry. O(slots). */
void table_clear(table *t);

/* Says whether record `id` holds the key being looked for (hash already matched). */
typedef bool (*table_key_equals_fn)(void *ctx, uint32_t id);

/* The id of the record with this hash and key, or TABLE_ID_NONE. O(probe run). */
uint32_t table_find(table *t, uint64_t hash, table_key_equals_fn equals, void *ctx);

/*
 * Adds a record known to be absent. Precondition: fewer than live_max live records.
 * May rehash in place first (when tombstones are too many). O(probe run), amortised.
 */
void table_insert(table *t, uint64_t hash, uint32_t id);

/* Removes a present record (leaves a tombstone; may rehash in place). Returns false iff it
 * was not found. */
bool table_remove(table *t, uint64_t hash, uint32_t id);

/* Points the entry of record `old_id` at `new_id` (same hash): no probe-run change. */
void table_replace_id(table *t, uint64_t hash, uint32_t old_id, uint32_t new_id);

/* Rehashes in place now: every tombstone gone, every entry at its first free probe slot. */
void table_rehash(table *t);

/*
 * SCAN: calls fn for every record whose home slot is in [cursor, cursor + homes), then
 * returns the next cursor (0 when the whole table has been visited). A record present for
 * a whole iteration (cursor 0 back to 0) is reported exactly once, rehashes included.
 * `fn` must not modify the table. O(homes + the probe runs they start).
 */
typedef void (*table_visit_fn)(void *ctx, uint32_t id);
uint64_t table_scan(const table *t, uint64_t cursor, uint64_t homes, table_visit_fn fn, void *ctx);

/* Calls fn for every live record, in slot order. fn must not modify the table. O(slots). */
void table_for_each(const table *t, table_visit_fn fn, void *ctx);

/* The record id in slot i, or TABLE_ID_NONE (empty or tombstone): for bounded walks. */
uint32_t table_slot_id(const table *t, uint64_t i);
uint64_t table_slots(const table *t);

table_stats table_get_stats(const table *t);

/* The length of the probe run a lookup of `hash` walks now (diagnostics, tests). */
uint64_t table_probe_length(const table *t, uint64_t hash);

/* Self-check: counts match the slots, every live entry is reachable from its home without
 * crossing an empty slot, an empty slot exists. O(slots x probe). */
bool table_invariants_hold(const table *t);

/* ---- keyspace (more) ---- */

/* True iff slot i holds a tombstone (not empty, not live): lets checks tell the two kinds of
 * free slot apart, e.g. to predict the tombstone count after an insert. */
bool table_slot_is_tombstone(const table *t, uint64_t i);

#endif
