#include "kv/name_index.h"

#include <string.h>

#include "alloc/stasis_assert.h"

ST_STATIC_ASSERT((KV_NAME_INDEX_SLOTS & (KV_NAME_INDEX_SLOTS - 1)) == 0);
ST_STATIC_ASSERT(KV_NAME_INDEX_ENTRIES_MAX < UINT16_MAX);

#define SLOT_MASK (KV_NAME_INDEX_SLOTS - 1)

static uint8_t lower(uint8_t b) { return b >= 'A' && b <= 'Z' ? (uint8_t)(b - 'A' + 'a') : b; }

uint32_t kv_name_hash(const uint8_t *name, size_t len) {
    uint32_t h = 2166136261u;
    for (size_t i = 0; i < len; i++)
        h = (h ^ lower(name[i])) * 16777619u;
    return h;
}

static uint32_t home_of(const char *name) {
    return kv_name_hash((const uint8_t *)name, strlen(name)) & SLOT_MASK;
}

void kv_name_index_build(kv_name_index *ix, kv_name_at_fn name_at, size_t count) {
    if (ix->built) return;
    ST_ASSERT(count <= KV_NAME_INDEX_ENTRIES_MAX);
    memset(ix->slots, 0, sizeof ix->slots);
    for (size_t p = 0; p < count; p++) {
        const char *name = name_at(p);
        ST_ASSERT(name != NULL);
        uint32_t i = home_of(name);
        while (ix->slots[i] != 0) {
            ST_ASSERT(strcmp(name_at(ix->slots[i] - 1u), name) != 0); /* no duplicates */
            i = (i + 1) & SLOT_MASK;
        }
        ix->slots[i] = (uint16_t)(p + 1);
    }
    ix->built = true;
}

size_t kv_name_index_find(const kv_name_index *ix, kv_name_at_fn name_at, const char *name) {
    ST_ASSERT(ix->built);
    ST_ASSERT(name != NULL);
    /* A quarter full at most, so an empty slot ends every probe run. */
    for (uint32_t i = home_of(name); ix->slots[i] != 0; i = (i + 1) & SLOT_MASK) {
        size_t p = ix->slots[i] - 1u;
        if (strcmp(name_at(p), name) == 0) return p;
    }
    return SIZE_MAX;
}

/* Without strlen (a call per probe): the walk stops at lower_name's NUL, which no byte of
 * name matches, so it never reads past either end. */
bool kv_name_equals_folded(const char *lower_name, const uint8_t *name, size_t len) {
    for (size_t i = 0; i < len; i++) {
        if (lower_name[i] == '\0' || (uint8_t)lower_name[i] != lower(name[i])) return false;
    }
    return lower_name[len] == '\0';
}

size_t kv_name_index_find_folded(const kv_name_index *ix, kv_name_at_fn name_at,
                                 const uint8_t *name, size_t len) {
    ST_ASSERT(ix->built);
    ST_ASSERT(name != NULL || len == 0);
    for (uint32_t i = kv_name_hash(name, len) & SLOT_MASK; ix->slots[i] != 0;
         i = (i + 1) & SLOT_MASK) {
        size_t p = ix->slots[i] - 1u;
        if (kv_name_equals_folded(name_at(p), name, len)) return p;
    }
    return SIZE_MAX;
}
