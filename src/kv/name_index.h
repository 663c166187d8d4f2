#ifndef STASIS_KV_NAME_INDEX_H
#define STASIS_KV_NAME_INDEX_H

/*
 * A fixed open-addressing index from the names of a constant table to their positions, for
 * the command tables' lookups by name (COMMAND's metadata and docs, the engine's registry):
 * a lookup hashes the name once and compares about one entry, where a walk of the table
 * compared a hundred (COMMAND, COMMAND DOCS and COMMAND LIST look up every command, which
 * made them quadratic). Internal to src/kv. No allocation: the slots are the caller's
 * (static) storage, filled once from const data and then only read.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Slots of an index: a power of two, at least twice the entries of any table indexed. */
#define KV_NAME_INDEX_SLOTS 1024
/* The most entries an index holds: a quarter of the slots keeps probes short. */
#define KV_NAME_INDEX_ENTRIES_MAX (KV_NAME_INDEX_SLOTS / 4)

typedef struct kv_name_index {
    uint16_t slots[KV_NAME_INDEX_SLOTS]; /* the entry's position + 1; 0: empty */
    bool built;
} kv_name_index;

/* The name of a table's entry `position` (a lower-case C string). */
typedef const char *(*kv_name_at_fn)(size_t position);

/* FNV-1a over the bytes lower-cased (the command names' case-insensitive hash). O(len). */
uint32_t kv_name_hash(const uint8_t *name, size_t len);

/*
 * Fills the index with entries 0..count-1 of a table, unless it is built already (one
 * build, whoever calls first; single-threaded). Asserts that count is at most
 * KV_NAME_INDEX_ENTRIES_MAX and that no two entries have the same name. O(count).
 */
void kv_name_index_build(kv_name_index *ix, kv_name_at_fn name_at, size_t count);

/* The position of the entry named exactly `name` (case-sensitive), or SIZE_MAX if none.
 * The index must be built. O(len) expected: one hash, about one comparison. */
size_t kv_name_index_find(const kv_name_index *ix, kv_name_at_fn name_at, const char *name);

/* Whether name[0, len) equals lower_name (a lower-case C string) ignoring ASCII case. O(len). */
bool kv_name_equals_folded(const char *lower_name, const uint8_t *name, size_t len);

/* The position of the entry whose name equals name[0, len) ignoring ASCII case (a
 * command's name as a client sends it), or SIZE_MAX if none. The index must be built.
 * O(len) expected. */
size_t kv_name_index_find_folded(const kv_name_index *ix, kv_name_at_fn name_at,
                                 const uint8_t *name, size_t len);

#endif
