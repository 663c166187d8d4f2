#include "kv/chunks.h"

#include <string.h>

#include "alloc/no_coverage.h"
#include "alloc/stasis_assert.h"

static object_pool_params pool_params(uint32_t chunk_count, uint32_t chunk_size) {
    return (object_pool_params){
        .item_bytes = chunk_size, .item_align = 16, .item_count = chunk_count};
}

static size_t round_up_64(size_t n) { return (n + 63u) & ~(size_t)63u; }

size_t chunk_store_memory_bytes(uint32_t chunk_count, uint32_t chunk_size) {
    size_t pool = object_pool_memory_bytes(pool_params(chunk_count, chunk_size));
    return round_up_64(pool) + round_up_64((size_t)chunk_count * sizeof(uint32_t));
}

void chunk_store_init(chunk_store *cs, void *memory, size_t memory_bytes, uint32_t chunk_count,
                      uint32_t chunk_size) {
    ST_ASSERT(chunk_size >= 16 && (chunk_size & (chunk_size - 1)) == 0);
    ST_ASSERT(chunk_count > 0);
    ST_ASSERT(memory_bytes == chunk_store_memory_bytes(chunk_count, chunk_size));
    ST_ASSERT((uintptr_t)memory % CHUNK_STORE_MEMORY_ALIGN_BYTES == 0);
    object_pool_params params = pool_params(chunk_count, chunk_size);
    size_t pool_bytes = object_pool_memory_bytes(params);
    object_pool_init(&cs->pool, memory, pool_bytes, params);
    cs->next = (uint32_t *)(void *)((uint8_t *)memory + round_up_64(pool_bytes));
    cs->chunk_size = chunk_size;
    cs->chunk_count = chunk_count;
}

uint64_t chunks_for(const chunk_store *cs, uint64_t bytes) {
    return (bytes + cs->chunk_size - 1) / cs->chunk_size;
}

uint32_t chunk_store_used(const chunk_store *cs) { return object_pool_live_count(&cs->pool); }

uint32_t chunk_store_free(const chunk_store *cs) {
    return cs->chunk_count - object_pool_live_count(&cs->pool);
}

static uint32_t take_chunk(chunk_store *cs) {
    void *item = object_pool_create(&cs->pool);
    ST_ASSERT(item != NULL); /* callers check chunk_store_free() first */
    uint32_t id = object_pool_index_of(&cs->pool, item);
    cs->next[id] = CHUNK_NONE;
    return id;
}

uint32_t chunk_chain_alloc(chunk_store *cs, uint32_t n) {
    ST_ASSERT(n > 0);
    ST_ASSERT(n <= chunk_store_free(cs));
    uint32_t head = take_chunk(cs);
    uint32_t last = head;
    for (uint32_t i = 1; i < n; i++) {
        uint32_t id = take_chunk(cs);
        cs->next[last] = id;
        last = id;
    }
    return head;
}

void chunk_chain_free(chunk_store *cs, uint32_t head) {
    uint32_t id = head;
    while (id != CHUNK_NONE) {
        uint32_t next = cs->next[id];
        cs->next[id] = CHUNK_NONE;
        object_pool_destroy(&cs->pool, object_pool_at(&cs->pool, id));
        id = next;
    }
}

void chunk_chain_extend(chunk_store *cs, uint32_t last, uint32_t n) {
    ST_ASSERT(cs->next[last] == CHUNK_NONE);
    cs->next[last] = chunk_chain_alloc(cs, n);
}

void chunk_chain_truncate(chunk_store *cs, uint32_t head, uint64_t keep) {
    ST_ASSERT(keep >= 1);
    uint32_t id = head;
    for (uint64_t i = 1; i < keep; i++) {
        id = cs->next[id];
        ST_ASSERT(id != CHUNK_NONE);
    }
    uint32_t rest = cs->next[id];
    cs->next[id] = CHUNK_NONE;
    chunk_chain_free(cs, rest);
}

uint8_t *chunk_bytes(const chunk_store *cs, uint32_t id) { return object_pool_at(&cs->pool, id); }

uint32_t chunk_next(const chunk_store *cs, uint32_t id) {
    ST_ASSERT(id < cs->chunk_count);
    return cs->next[id];
}

uint32_t chunk_seek(const chunk_store *cs, uint32_t head, uint64_t offset, uint32_t *within) {
    uint32_t id = head;
    while (offset >= cs->chunk_size) {
        id = cs->next[id];
        ST_ASSERT(id != CHUNK_NONE);
        offset -= cs->chunk_size;
    }
    *within = (uint32_t)offset;
    return id;
}

void chunk_write(chunk_store *cs, uint32_t head, uint64_t offset, const void *src, uint64_t n) {
    if (n == 0) return;
    const uint8_t *from = src;
    uint32_t at = 0;
    uint32_t id = chunk_seek(cs, head, offset, &at);
    while (n > 0) {
        ST_ASSERT(id != CHUNK_NONE);
        uint64_t room = cs->chunk_size - at;
        size_t take = (size_t)(n < room ? n : room);
        memcpy(chunk_bytes(cs, id) + at, from, take);
        from += take;
        n -= take;
        at = 0;
        id = cs->next[id];
    }
}

typedef struct copy_out {
    uint8_t *to;
} copy_out;

static void copy_piece(void *ctx, const uint8_t *bytes, size_t len) {
    copy_out *c = ctx;
    memcpy(c->to, bytes, len);
    c->to += len;
}

void chunk_read(const chunk_store *cs, uint32_t head, uint64_t offset, void *dst, uint64_t n) {
    copy_out c = {.to = dst};
    chunk_for_each_piece(cs, head, offset, n, copy_piece, &c);
}

typedef struct compare_state {
    const uint8_t *expect;
    bool equal;
} compare_state;

static void compare_piece(void *ctx, const uint8_t *bytes, size_t len) {
    compare_state *c = ctx;
    if (c->equal && memcmp(c->expect, bytes, len) != 0) c->equal = false;
    c->expect += len;
}

bool chunk_equals(const chunk_store *cs, uint32_t head, uint64_t offset, const void *data,
                  uint64_t n) {
    compare_state c = {.expect = data, .equal = true};
    chunk_for_each_piece(cs, head, offset, n, compare_piece, &c);
    return c.equal;
}

void chunk_for_each_piece(const chunk_store *cs, uint32_t head, uint64_t offset, uint64_t n,
                          chunk_piece_fn fn, void *ctx) {
    if (n == 0) return;
    uint32_t at = 0;
    uint32_t id = chunk_seek(cs, head, offset, &at);
    while (n > 0) {
        ST_ASSERT(id != CHUNK_NONE);
        uint64_t room = cs->chunk_size - at;
        size_t take = (size_t)(n < room ? n : room);
        fn(ctx, chunk_bytes(cs, id) + at, take);
        n -= take;
        at = 0;
        id = cs->next[id];
    }
}

uint64_t chunk_chain_length(const chunk_store *cs, uint32_t head) {
    uint64_t n = 0;
    for (uint32_t id = head; id != CHUNK_NONE; id = cs->next[id]) {
        n++;
        ST_ASSERT(n <= cs->chunk_count); /* a cycle would be a corrupt chain */
    }
    return n;
}

ST_NO_COVERAGE bool chunk_store_invariants_hold(const chunk_store *cs) {
    return object_pool_invariants_hold(&cs->pool) &&
           object_pool_live_count(&cs->pool) <= cs->chunk_count;
}
