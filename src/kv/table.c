#include "kv/table.h"

#include <string.h>

#include "alloc/no_coverage.h"
#include "alloc/stasis_assert.h"

#define TABLE_EMPTY     UINT32_MAX
#define TABLE_TOMBSTONE (UINT32_MAX - 1u)
/* During an in-place rehash, a live entry not yet moved to its final slot. */
#define TABLE_PENDING_BIT 0x80000000u
#define TABLE_ID_MAX      (TABLE_PENDING_BIT - 1u)

ST_STATIC_ASSERT(sizeof(table_slot) == 16);

static bool is_live_id(uint32_t id) { return id <= TABLE_ID_MAX; }

uint64_t table_slot_count(uint64_t live_max) {
    ST_ASSERT(live_max > 0 && live_max <= TABLE_ID_MAX);
    uint64_t slots = 8;
    while (slots < 2 * live_max)
        slots *= 2;
    return slots;
}

size_t table_memory_bytes(uint64_t live_max) {
    return (size_t)table_slot_count(live_max) * sizeof(table_slot);
}

void table_init(table *t, void *memory, size_t memory_bytes, uint64_t live_max) {
    ST_ASSERT(memory != NULL);
    ST_ASSERT(memory_bytes == table_memory_bytes(live_max));
    ST_ASSERT((uintptr_t)memory % 8 == 0);
    t->slots = memory;
    t->mask = table_slot_count(live_max) - 1;
    t->live_max = live_max;
    t->stats = (table_stats){0};
    table_clear(t);
}

void table_clear(table *t) {
    for (uint64_t i = 0; i <= t->mask; i++)
        t->slots[i] = (table_slot){.id = TABLE_EMPTY};
    uint64_t rehashes = t->stats.rehashes;
    uint64_t probe_max = t->stats.probe_length_max;
    t->stats = (table_stats){.rehashes = rehashes, .probe_length_max = probe_max};
}

static void note_probe(table *t, uint64_t length) {
    if (length > t->stats.probe_length_max) t->stats.probe_length_max = length;
}

uint32_t table_find(table *t, uint64_t hash, table_key_equals_fn equals, void *ctx) {
    uint64_t i = hash & t->mask;
    for (uint64_t probes = 1;; probes++) {
        const table_slot *s = &t->slots[i];
        if (s->id == TABLE_EMPTY) {
            note_probe(t, probes);
            return TABLE_ID_NONE;
        }
        if (s->id != TABLE_TOMBSTONE && s->hash == hash && equals(ctx, s->id)) {
            note_probe(t, probes);
            return s->id;
        }
        ST_ASSERT(probes <= t->mask); /* an empty slot always exists */
        i = (i + 1) & t->mask;
    }
}

/* First empty or tombstone slot on hash's probe run. */
static uint64_t free_slot_for(table *t, uint64_t hash) {
    uint64_t i = hash & t->mask;
    for (uint64_t probes = 1;; probes++) {
        uint32_t id = t->slots[i].id;
        if (id == TABLE_EMPTY || id == TABLE_TOMBSTONE) {
            note_probe(t, probes);
            return i;
        }
        ST_ASSERT(probes <= t->mask);
        i = (i + 1) & t->mask;
    }
}

void table_insert(table *t, uint64_t hash, uint32_t id) {
    ST_ASSERT(id <= TABLE_ID_MAX);
    ST_ASSERT(t->stats.live < t->live_max);
    if (t->stats.tombstones > (t->mask + 1) / 4) table_rehash(t);
    uint64_t i = free_slot_for(t, hash);
    if (t->slots[i].id == TABLE_TOMBSTONE) t->stats.tombstones--;
    t->slots[i] = (table_slot){.hash = hash, .id = id};
    t->stats.live++;
}

/* The slot holding record id (hash known), or t->mask + 1 if absent. */
static uint64_t slot_of(const table *t, uint64_t hash, uint32_t id) {
    uint64_t i = hash & t->mask;
    for (uint64_t probes = 1; probes <= t->mask + 1; probes++) {
        const table_slot *s = &t->slots[i];
        if (s->id == TABLE_EMPTY) break;
        if (s->id == id) return i;
        i = (i + 1) & t->mask;
    }
    return t->mask + 1;
}

bool table_remove(table *t, uint64_t hash, uint32_t id) {
    uint64_t i = slot_of(t, hash, id);
    if (i > t->mask) return false;
    ST_ASSERT(t->slots[i].hash == hash);
#ifdef STASIS_CANARY_TABLE_TOMBSTONE_UNCOUNTED
    /* Planted bug: the tombstone is left but not counted, so rehashes come too late. */
    t->slots[i].id = TABLE_TOMBSTONE;
    t->stats.live--;
#else
    t->slots[i].id = TABLE_TOMBSTONE;
    t->stats.live--;
    t->stats.tombstones++;
#endif
    if (t->stats.tombstones > (t->mask + 1) / 4) table_rehash(t);
    return true;
}

void table_replace_id(table *t, uint64_t hash, uint32_t old_id, uint32_t new_id) {
    ST_ASSERT(new_id <= TABLE_ID_MAX);
    uint64_t i = slot_of(t, hash, old_id);
    ST_ASSERT(i <= t->mask);
    t->slots[i].id = new_id;
}

/*
 * In-place rehash: mark every live entry pending and drop tombstones; then move each pending
 * entry to the first non-final slot of its probe run. Landing on another pending entry
 * swaps the two: the arriving entry is final there, and the displaced one continues. Every
 * step finalises one entry, so the whole pass is O(slots + live x probe).
 */
void table_rehash(table *t) {
    for (uint64_t i = 0; i <= t->mask; i++) {
        uint32_t id = t->slots[i].id;
        if (id == TABLE_TOMBSTONE) {
            t->slots[i].id = TABLE_EMPTY;
        } else if (is_live_id(id)) {
            t->slots[i].id = id | TABLE_PENDING_BIT;
        }
    }
    for (uint64_t i = 0; i <= t->mask; i++) {
        if (t->slots[i].id == TABLE_EMPTY || (t->slots[i].id & TABLE_PENDING_BIT) == 0) continue;
        table_slot moving = t->slots[i];
        moving.id &= ~TABLE_PENDING_BIT;
        t->slots[i].id = TABLE_EMPTY;
        for (;;) {
            uint64_t j = moving.hash & t->mask;
            while (t->slots[j].id != TABLE_EMPTY && (t->slots[j].id & TABLE_PENDING_BIT) == 0) {
                j = (j + 1) & t->mask;
            }
            table_slot displaced = t->slots[j];
            t->slots[j] = moving;
            if (displaced.id == TABLE_EMPTY) break;
            moving = displaced;
            moving.id &= ~TABLE_PENDING_BIT;
        }
    }
    t->stats.tombstones = 0;
    t->stats.rehashes++;
}

uint64_t table_scan(const table *t, uint64_t cursor, uint64_t homes, table_visit_fn fn, void *ctx) {
    ST_ASSERT(homes > 0);
    if (cursor > t->mask) return 0;
    uint64_t end = cursor + homes;
    if (end > t->mask + 1) end = t->mask + 1;
    for (uint64_t home = cursor; home < end; home++) {
        /* The records of this home lie on the run that starts at it, before an empty slot. */
        uint64_t i = home;
        for (uint64_t probes = 0; probes <= t->mask; probes++) {
            const table_slot *s = &t->slots[i];
            if (s->id == TABLE_EMPTY) break;
            if (is_live_id(s->id) && (s->hash & t->mask) == home) fn(ctx, s->id);
            i = (i + 1) & t->mask;
        }
    }
    return end > t->mask ? 0 : end;
}

void table_for_each(const table *t, table_visit_fn fn, void *ctx) {
    for (uint64_t i = 0; i <= t->mask; i++) {
        if (is_live_id(t->slots[i].id)) fn(ctx, t->slots[i].id);
    }
}

uint32_t table_slot_id(const table *t, uint64_t i) {
    ST_ASSERT(i <= t->mask);
    uint32_t id = t->slots[i].id;
    return is_live_id(id) ? id : TABLE_ID_NONE;
}

uint64_t table_slots(const table *t) { return t->mask + 1; }

table_stats table_get_stats(const table *t) { return t->stats; }

uint64_t table_probe_length(const table *t, uint64_t hash) {
    uint64_t i = hash & t->mask;
    uint64_t probes = 1;
    while (t->slots[i].id != TABLE_EMPTY && probes <= t->mask) {
        i = (i + 1) & t->mask;
        probes++;
    }
    return probes;
}

/*
 * One pass from an empty slot around the table: every live entry must be reachable from
 * its home without crossing an empty slot, i.e. its home lies in the run of non-empty
 * slots that contains it. O(slots).
 */
ST_NO_COVERAGE bool table_invariants_hold(const table *t) {
    uint64_t slots = t->mask + 1;
    uint64_t start = 0;
    while (start < slots && t->slots[start].id != TABLE_EMPTY) start++;
    if (start == slots) return false; /* an empty slot always exists */
    uint64_t live = 0;
    uint64_t tombstones = 0;
    uint64_t run_length = 0; /* non-empty slots since the last empty one */
    for (uint64_t n = 1; n <= slots; n++) {
        uint64_t i = (start + n) & t->mask;
        uint32_t id = t->slots[i].id;
        if (id == TABLE_EMPTY) {
            run_length = 0;
            continue;
        }
        run_length++;
        if (id == TABLE_TOMBSTONE) {
            tombstones++;
            continue;
        }
        if (!is_live_id(id)) return false; /* a pending bit outside a rehash */
        uint64_t distance = (i - (t->slots[i].hash & t->mask)) & t->mask;
        if (distance >= run_length) return false; /* an empty slot lies on its probe path */
        live++;
    }
    /* Tombstones are rehashed away once they pass a quarter of the slots; live entries
     * never pass half: at least a quarter of the slots stay empty, so probes stay short. */
    return live == t->stats.live && tombstones == t->stats.tombstones && live <= t->live_max &&
           tombstones <= slots / 4;
}

/* ---- keyspace (more) ---- */

bool table_slot_is_tombstone(const table *t, uint64_t i) {
    ST_ASSERT(i <= t->mask);
    return t->slots[i].id == TABLE_TOMBSTONE;
}
