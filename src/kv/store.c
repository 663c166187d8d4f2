#include "kv/store.h"

#include <string.h>

#include "alloc/no_coverage.h"
#include "alloc/stasis_assert.h"
#include "kv/glob.h"

/* ---- layout ---- */

static size_t round_up_64(size_t n) { return (n + 63u) & ~(size_t)63u; }

static object_pool_params record_params(uint64_t keys_max) {
    ST_ASSERT(keys_max <= OBJECT_POOL_ITEM_COUNT_MAX);
    return (object_pool_params){
        .item_bytes = sizeof(kv_record), .item_align = 8, .item_count = (uint32_t)keys_max};
}

static size_t heap_bytes(uint64_t keys_max) { return round_up_64(keys_max * sizeof(uint32_t)); }

kv_store_layout kv_store_layout_for(kv_store_params p) {
    return (kv_store_layout){
        .table_bytes = round_up_64(table_memory_bytes(p.keys_max)),
        .records_bytes = round_up_64(object_pool_memory_bytes(record_params(p.keys_max))) +
                         heap_bytes(p.keys_max),
        .chunks_bytes = round_up_64(chunk_store_memory_bytes(p.chunk_count, p.chunk_size)),
    };
}

size_t kv_store_memory_bytes(kv_store_params p) {
    kv_store_layout l = kv_store_layout_for(p);
    return l.table_bytes + l.records_bytes + l.chunks_bytes;
}

void kv_store_init(kv_store *s, void *memory, size_t memory_bytes, kv_store_params p,
                   siphash_key seed) {
    ST_ASSERT(memory_bytes == kv_store_memory_bytes(p));
    ST_ASSERT((uintptr_t)memory % 64 == 0);
    memset(s, 0, sizeof *s);
    kv_store_layout l = kv_store_layout_for(p);
    uint8_t *at = memory;
    table_init(&s->index, at, table_memory_bytes(p.keys_max), p.keys_max);
    at += l.table_bytes;
    object_pool_params rp = record_params(p.keys_max);
    object_pool_init(&s->records, at, object_pool_memory_bytes(rp), rp);
    s->heap = (uint32_t *)(void *)(at + l.records_bytes - heap_bytes(p.keys_max));
    at += l.records_bytes;
    chunk_store_init(&s->chunks, at, chunk_store_memory_bytes(p.chunk_count, p.chunk_size),
                     p.chunk_count, p.chunk_size);
    s->seed = seed;
    s->keys_max = p.keys_max;
}

/* ---- keys ---- */

uint64_t kv_store_hash(const kv_store *s, const uint8_t *key, size_t key_len) {
    return siphash24(s->seed, key, key_len);
}

kv_record *kv_store_record(const kv_store *s, uint32_t id) {
    return object_pool_at(&s->records, id);
}

typedef struct key_probe {
    const kv_store *store;
    const uint8_t *key;
    size_t key_len;
} key_probe;

static bool key_equals(void *ctx, uint32_t id) {
    const key_probe *k = ctx;
    const kv_record *r = kv_store_record(k->store, id);
    return r->key_len == k->key_len &&
           chunk_equals(&k->store->chunks, r->key, 0, k->key, k->key_len);
}

static bool is_expired(const kv_record *r, int64_t now_ms) {
    return r->expire_at_ms != KV_NO_EXPIRE && now_ms > r->expire_at_ms;
}

/* The live record (expired ones deleted), without counting or touching. */
static uint32_t find_live(kv_store *s, const uint8_t *key, size_t key_len, int64_t now_ms) {
    key_probe k = {.store = s, .key = key, .key_len = key_len};
    uint32_t id = table_find(&s->index, kv_store_hash(s, key, key_len), key_equals, &k);
    if (id == TABLE_ID_NONE) return KV_RECORD_NONE;
    if (is_expired(kv_store_record(s, id), now_ms)) {
        kv_store_delete(s, id);
        s->stats.expired_keys++;
        return KV_RECORD_NONE;
    }
    return id;
}

static void modified(kv_store *s, uint64_t hash) {
    if (s->on_modified != NULL) s->on_modified(s->on_modified_context, hash);
}

void kv_store_on_modified(kv_store *s, void (*hook)(void *context, uint64_t hash), void *context) {
    s->on_modified = hook;
    s->on_modified_context = context;
}

void kv_store_signal_modified(kv_store *s, uint32_t id) { modified(s, kv_store_record(s, id)->hash); }

uint32_t kv_store_find_silent(kv_store *s, const uint8_t *key, size_t key_len, int64_t now_ms) {
    return find_live(s, key, key_len, now_ms);
}

/* Access times only move forward (a test clock may step back; fuzzers pass INT64_MIN). */
static void touch(kv_store *s, uint32_t id, int64_t now_ms) {
    kv_record *r = kv_store_record(s, id);
    if (now_ms > r->accessed_ms) r->accessed_ms = now_ms;
}

uint32_t kv_store_find_quiet(kv_store *s, const uint8_t *key, size_t key_len, int64_t now_ms) {
    uint32_t id = find_live(s, key, key_len, now_ms);
    if (id != KV_RECORD_NONE) touch(s, id, now_ms);
    return id;
}

static void count_lookup(kv_store *s, uint32_t id) {
    if (id == KV_RECORD_NONE) {
        s->stats.keyspace_misses++;
    } else {
        s->stats.keyspace_hits++;
    }
}

uint32_t kv_store_find_notouch(kv_store *s, const uint8_t *key, size_t key_len, int64_t now_ms) {
    uint32_t id = find_live(s, key, key_len, now_ms);
    count_lookup(s, id);
    return id;
}

void kv_store_set_clock(kv_store *s, int64_t now_ms) { s->clock_ms = now_ms; }

uint32_t kv_store_find(kv_store *s, const uint8_t *key, size_t key_len, int64_t now_ms) {
    uint32_t id = kv_store_find_quiet(s, key, key_len, now_ms);
    if (id == KV_RECORD_NONE) {
        s->stats.keyspace_misses++;
    } else {
        s->stats.keyspace_hits++;
    }
    return id;
}

uint64_t kv_store_chunks_for(const kv_store *s, uint64_t bytes) {
    return chunks_for(&s->chunks, bytes);
}

uint64_t kv_store_element_chunks(const kv_store *s, uint64_t bytes) {
    return chunks_for(&s->chunks, bytes + KV_ELEMENT_HEADER_BYTES);
}

bool kv_store_can_take(const kv_store *s, uint64_t chunks) {
    return chunks <= chunk_store_free(&s->chunks);
}

bool kv_store_can_add_key(const kv_store *s, size_t key_len, uint64_t value_chunks) {
    return s->keys < s->keys_max &&
           kv_store_can_take(s, kv_store_chunks_for(s, key_len) + value_chunks);
}

/* A chain holding exactly the bytes, or CHUNK_NONE for no bytes. */
static uint32_t store_bytes(kv_store *s, const uint8_t *data, size_t len) {
    if (len == 0) return CHUNK_NONE;
    uint32_t head = chunk_chain_alloc(&s->chunks, (uint32_t)kv_store_chunks_for(s, len));
    chunk_write(&s->chunks, head, 0, data, len);
    return head;
}

/* The top six bits: the table's slot comes from the low ones. */
static uint64_t hash_bit(uint64_t hash) { return (uint64_t)1 << (hash >> 58); }

uint64_t kv_store_key_bit(const kv_store *s, const uint8_t *key, size_t key_len) {
    return hash_bit(kv_store_hash(s, key, key_len));
}

uint64_t kv_store_take_lists_added(kv_store *s) {
    uint64_t bits = s->lists_added;
    s->lists_added = 0;
    return bits;
}

uint32_t kv_store_add(kv_store *s, const uint8_t *key, size_t key_len, kv_type type) {
    ST_ASSERT(kv_store_can_add_key(s, key_len, 0));
    ST_ASSERT(key_len <= UINT32_MAX);
    kv_record *r = object_pool_create(&s->records);
    ST_ASSERT(r != NULL);
    uint32_t id = object_pool_index_of(&s->records, r);
    *r = (kv_record){
        .hash = kv_store_hash(s, key, key_len),
        .expire_at_ms = KV_NO_EXPIRE,
        .key = store_bytes(s, key, key_len),
        .key_len = (uint32_t)key_len,
        .value = CHUNK_NONE,
        .list_tail = CHUNK_NONE,
        .heap_index = KV_HEAP_NONE,
        .accessed_ms = s->clock_ms,
        .type = (uint8_t)type,
    };
    table_insert(&s->index, r->hash, id);
    s->keys++;
    modified(s, r->hash);
    if (type == KV_TYPE_LIST) s->lists_added |= hash_bit(r->hash);
    return id;
}

static void free_value(kv_store *s, kv_record *r) {
    if (r->type == KV_TYPE_LIST) {
        uint32_t e = r->value;
        while (e != CHUNK_NONE) {
            uint32_t next = kv_store_element_next(s, e);
            chunk_chain_free(&s->chunks, e);
            e = next;
        }
    } else {
        chunk_chain_free(&s->chunks, r->value);
    }
    r->value = CHUNK_NONE;
    r->value_len = 0;
    r->value_chunks = 0;
    r->list_tail = CHUNK_NONE;
}

void kv_store_delete(kv_store *s, uint32_t id) {
    kv_record *r = kv_store_record(s, id);
    modified(s, r->hash);
    bool removed = table_remove(&s->index, r->hash, id);
    ST_ASSERT(removed);
    free_value(s, r);
    chunk_chain_free(&s->chunks, r->key);
    if (r->expire_at_ms != KV_NO_EXPIRE) kv_store_set_expire(s, id, KV_NO_EXPIRE);
    object_pool_destroy(&s->records, r);
    s->keys--;
}

void kv_store_rename(kv_store *s, uint32_t id, const uint8_t *key, size_t key_len) {
    kv_record *r = kv_store_record(s, id);
    bool removed = table_remove(&s->index, r->hash, id);
    ST_ASSERT(removed);
#ifndef STASIS_CANARY_RENAME_LEAKS_OLD_KEY
    chunk_chain_free(&s->chunks, r->key);
#endif /* else a planted bug: the old name's chunks are never given back */
    r->key = store_bytes(s, key, key_len);
    r->key_len = (uint32_t)key_len;
    modified(s, r->hash);
    r->hash = kv_store_hash(s, key, key_len);
    table_insert(&s->index, r->hash, id);
    modified(s, r->hash);
    if (r->type == KV_TYPE_LIST) s->lists_added |= hash_bit(r->hash);
}

/* ---- the expiry heap ---- */

static int64_t heap_time(const kv_store *s, uint64_t i) {
    return kv_store_record(s, s->heap[i])->expire_at_ms;
}

static void heap_place(kv_store *s, uint64_t i, uint32_t id) {
    s->heap[i] = id;
    kv_store_record(s, id)->heap_index = (uint32_t)i;
}

static void sift_up(kv_store *s, uint64_t i) {
    uint32_t id = s->heap[i];
    int64_t t = kv_store_record(s, id)->expire_at_ms;
    while (i > 0 && heap_time(s, (i - 1) / 2) > t) {
        heap_place(s, i, s->heap[(i - 1) / 2]);
        i = (i - 1) / 2;
    }
    heap_place(s, i, id);
}

static void sift_down(kv_store *s, uint64_t i) {
    uint32_t id = s->heap[i];
    int64_t t = kv_store_record(s, id)->expire_at_ms;
    for (;;) {
        uint64_t child = 2 * i + 1;
        if (child >= s->expires) break;
        if (child + 1 < s->expires && heap_time(s, child + 1) < heap_time(s, child)) child++;
        if (heap_time(s, child) >= t) break;
        heap_place(s, i, s->heap[child]);
        i = child;
    }
    heap_place(s, i, id);
}

static void sum_add(kv_sum128 *sum, int64_t v) {
    ST_ASSERT(v >= 0);
    uint64_t lo = sum->lo + (uint64_t)v;
    sum->hi += lo < sum->lo;
    sum->lo = lo;
}

static void sum_sub(kv_sum128 *sum, int64_t v) {
    ST_ASSERT(v >= 0);
    uint64_t lo = sum->lo - (uint64_t)v;
    sum->hi -= lo > sum->lo;
    sum->lo = lo;
}

/* Takes record id out of the heap (it has a TTL). */
static void heap_remove(kv_store *s, uint32_t id) {
    kv_record *r = kv_store_record(s, id);
    uint64_t i = r->heap_index;
    ST_ASSERT(i < s->expires && s->heap[i] == id);
    sum_sub(&s->expire_sum, r->expire_at_ms);
    r->heap_index = KV_HEAP_NONE;
    s->expires--;
    if (i == s->expires) return;
    uint32_t last = s->heap[s->expires];
    heap_place(s, i, last);
    sift_up(s, i);
    /* Moved up: the parent that came down is no later than anything below it. */
    if (s->heap[i] == last) sift_down(s, i);
}

void kv_store_set_expire(kv_store *s, uint32_t id, int64_t expire_at_ms) {
    kv_record *r = kv_store_record(s, id);
    ST_ASSERT(expire_at_ms == KV_NO_EXPIRE || expire_at_ms >= 0);
    /* Clearing an expiry the key does not have changes nothing (GETEX PERSIST of a key
     * without one: Redis signals no modification); setting one, even the same, does. */
    if (r->expire_at_ms == KV_NO_EXPIRE && expire_at_ms == KV_NO_EXPIRE) return;
    modified(s, r->hash);
    if (r->expire_at_ms != KV_NO_EXPIRE) heap_remove(s, id);
    r->expire_at_ms = expire_at_ms;
    if (expire_at_ms == KV_NO_EXPIRE) return;
    ST_ASSERT(s->expires < s->keys_max);
    sum_add(&s->expire_sum, expire_at_ms);
    heap_place(s, s->expires++, id);
    sift_up(s, s->expires - 1);
}

void kv_store_flush(kv_store *s) {
    for (uint64_t i = 0; i < table_slots(&s->index); i++) {
        uint32_t id = table_slot_id(&s->index, i);
        if (id == TABLE_ID_NONE) continue;
        kv_record *r = kv_store_record(s, id);
        modified(s, r->hash);
        free_value(s, r);
        chunk_chain_free(&s->chunks, r->key);
        object_pool_destroy(&s->records, r);
    }
    table_clear(&s->index);
    s->keys = 0;
    s->expires = 0;
    s->expire_sum = (kv_sum128){0};
}

/* ---- strings ---- */

void kv_store_set_string(kv_store *s, uint32_t id, const uint8_t *data, size_t len) {
    kv_record *r = kv_store_record(s, id);
#ifdef STASIS_CANARY_OVERWRITE_LEAK
    /* Planted bug (the seed design's): an overwrite forgets the old string's chunks. */
    if (r->type == KV_TYPE_STRING) r->value = CHUNK_NONE;
#endif
    modified(s, r->hash);
    free_value(s, r);
    r->type = KV_TYPE_STRING;
    r->value = store_bytes(s, data, len);
    r->value_len = (uint32_t)len;
    r->value_chunks = (uint32_t)kv_store_chunks_for(s, len);
}

/* The last chunk of a non-empty chain. */
static uint32_t chain_last(const kv_store *s, uint32_t head) {
    uint32_t id = head;
    while (chunk_next(&s->chunks, id) != CHUNK_NONE)
        id = chunk_next(&s->chunks, id);
    return id;
}

/* Zeroes chain bytes [from, to). */
static void zero_range(kv_store *s, uint32_t head, uint64_t from, uint64_t to) {
    static const uint8_t zeros[256];
    while (from < to) {
        uint64_t n = to - from < sizeof zeros ? to - from : sizeof zeros;
        chunk_write(&s->chunks, head, from, zeros, n);
        from += n;
    }
}

void kv_store_resize_string(kv_store *s, uint32_t id, uint64_t new_len) {
    kv_record *r = kv_store_record(s, id);
    ST_ASSERT(r->type == KV_TYPE_STRING);
    ST_ASSERT(new_len <= UINT32_MAX);
    modified(s, r->hash);
    uint64_t have = kv_store_chunks_for(s, r->value_len);
    uint64_t want = kv_store_chunks_for(s, new_len);
    if (want == 0) {
        chunk_chain_free(&s->chunks, r->value);
        r->value = CHUNK_NONE;
    } else if (have == 0) {
        r->value = chunk_chain_alloc(&s->chunks, (uint32_t)want);
    } else if (want > have) {
        chunk_chain_extend(&s->chunks, chain_last(s, r->value), (uint32_t)(want - have));
    } else if (want < have) {
        chunk_chain_truncate(&s->chunks, r->value, want);
    }
    uint64_t old_len = r->value_len;
    r->value_len = (uint32_t)new_len;
    r->value_chunks = (uint32_t)want;
    if (new_len > old_len) zero_range(s, r->value, old_len, new_len);
}

void kv_store_write_string(kv_store *s, uint32_t id, uint64_t offset, const void *data,
                           uint64_t n) {
    kv_record *r = kv_store_record(s, id);
    ST_ASSERT(r->type == KV_TYPE_STRING);
    ST_ASSERT(offset + n <= r->value_len);
    modified(s, r->hash);
    chunk_write(&s->chunks, r->value, offset, data, n);
}

/* ---- list elements ---- */

typedef struct element_header {
    uint32_t prev;
    uint32_t next;
    uint32_t len;
} element_header;

ST_STATIC_ASSERT(sizeof(element_header) == KV_ELEMENT_HEADER_BYTES);

static element_header *header_of(const kv_store *s, uint32_t element) {
    return (element_header *)(void *)chunk_bytes(&s->chunks, element);
}

uint32_t kv_store_element_alloc(kv_store *s, const uint8_t *data, size_t len) {
    ST_ASSERT(len <= UINT32_MAX);
    uint32_t n = (uint32_t)kv_store_element_chunks(s, len);
    uint32_t head = chunk_chain_alloc(&s->chunks, n);
    *header_of(s, head) =
        (element_header){.prev = CHUNK_NONE, .next = CHUNK_NONE, .len = (uint32_t)len};
    chunk_write(&s->chunks, head, KV_ELEMENT_HEADER_BYTES, data, len);
    return head;
}

uint32_t kv_store_element_len(const kv_store *s, uint32_t element) {
    return header_of(s, element)->len;
}

uint32_t kv_store_element_next(const kv_store *s, uint32_t element) {
    return header_of(s, element)->next;
}

uint32_t kv_store_element_prev(const kv_store *s, uint32_t element) {
    return header_of(s, element)->prev;
}

uint32_t kv_store_element_data(const kv_store *s, uint32_t element, uint64_t *offset) {
    (void)s;
    *offset = KV_ELEMENT_HEADER_BYTES;
    return element;
}

bool kv_store_element_equals(const kv_store *s, uint32_t element, const uint8_t *data, size_t len) {
    return kv_store_element_len(s, element) == len &&
           chunk_equals(&s->chunks, element, KV_ELEMENT_HEADER_BYTES, data, len);
}

void kv_store_list_push(kv_store *s, uint32_t id, uint32_t element, bool at_head) {
    kv_record *r = kv_store_record(s, id);
    ST_ASSERT(r->type == KV_TYPE_LIST);
    modified(s, r->hash);
    element_header *e = header_of(s, element);
    if (r->value == CHUNK_NONE) {
        r->value = element;
        r->list_tail = element;
    } else if (at_head) {
        e->next = r->value;
        header_of(s, r->value)->prev = element;
        r->value = element;
    } else {
        e->prev = r->list_tail;
        header_of(s, r->list_tail)->next = element;
        r->list_tail = element;
    }
    r->value_len++;
    r->value_chunks += (uint32_t)kv_store_element_chunks(s, e->len);
}

void kv_store_list_insert(kv_store *s, uint32_t id, uint32_t pivot, uint32_t element, bool before) {
    kv_record *r = kv_store_record(s, id);
    modified(s, r->hash);
    element_header *p = header_of(s, pivot);
    element_header *e = header_of(s, element);
    if (before) {
        if (p->prev == CHUNK_NONE) {
            kv_store_list_push(s, id, element, true);
            return;
        }
        e->prev = p->prev;
        e->next = pivot;
        header_of(s, p->prev)->next = element;
        p->prev = element;
    } else {
        if (p->next == CHUNK_NONE) {
            kv_store_list_push(s, id, element, false);
            return;
        }
        e->next = p->next;
        e->prev = pivot;
        header_of(s, p->next)->prev = element;
        p->next = element;
    }
    r->value_len++;
    r->value_chunks += (uint32_t)kv_store_element_chunks(s, e->len);
}

void kv_store_list_remove(kv_store *s, uint32_t id, uint32_t element) {
    kv_store_list_unlink(s, id, element);
    chunk_chain_free(&s->chunks, element);
}

void kv_store_list_unlink(kv_store *s, uint32_t id, uint32_t element) {
    kv_record *r = kv_store_record(s, id);
    ST_ASSERT(r->value_len > 0);
    modified(s, r->hash);
    element_header *e = header_of(s, element);
    if (e->prev == CHUNK_NONE) {
        r->value = e->next;
    } else {
        header_of(s, e->prev)->next = e->next;
    }
    if (e->next == CHUNK_NONE) {
        r->list_tail = e->prev;
    } else {
        header_of(s, e->next)->prev = e->prev;
    }
    r->value_len--;
    r->value_chunks -= (uint32_t)kv_store_element_chunks(s, e->len);
    e->prev = CHUNK_NONE;
    e->next = CHUNK_NONE;
}

uint32_t kv_store_list_at(const kv_store *s, uint32_t id, uint64_t index) {
    const kv_record *r = kv_store_record(s, id);
    ST_ASSERT(index < r->value_len);
    if (index <= r->value_len / 2) {
        uint32_t e = r->value;
        for (uint64_t i = 0; i < index; i++)
            e = kv_store_element_next(s, e);
        return e;
    }
    uint32_t e = r->list_tail;
    for (uint64_t i = r->value_len - 1; i > index; i--)
        e = kv_store_element_prev(s, e);
    return e;
}

/* ---- active expiry ---- */

uint64_t kv_store_expire_cycle(kv_store *s, int64_t now_ms, uint64_t keys) {
    uint64_t deleted = 0;
    while (deleted < keys && s->expires > 0 && is_expired(kv_store_record(s, s->heap[0]), now_ms)) {
        kv_store_delete(s, s->heap[0]);
        s->stats.expired_keys++;
        deleted++;
    }
    return deleted;
}

uint64_t kv_store_expire_due(kv_store *s, int64_t now_ms) {
    return kv_store_expire_cycle(s, now_ms, UINT64_MAX);
}

/* sum / n for a 128-bit sum and n >= 1, by long division (INFO only). */
static uint64_t sum_divide(kv_sum128 sum, uint64_t n) {
    uint64_t q = 0;
    uint64_t rem = 0;
    for (int bit = 127; bit >= 0; bit--) {
        uint64_t b = bit >= 64 ? (sum.hi >> (bit - 64)) & 1 : (sum.lo >> bit) & 1;
        bool carry = (rem >> 63) != 0;
        rem = (rem << 1) | b;
        if (carry || rem >= n) {
            rem -= n;
            if (bit < 64) q |= (uint64_t)1 << bit; /* the mean of int64 times fits 64 bits */
        }
    }
    return q;
}

uint64_t kv_store_avg_ttl_ms(const kv_store *s, int64_t now_ms) {
    if (s->expires == 0) return 0;
    uint64_t mean = sum_divide(s->expire_sum, s->expires);
    return now_ms >= 0 && mean > (uint64_t)now_ms ? mean - (uint64_t)now_ms : 0;
}

/* ---- self-checks ---- */

ST_NO_COVERAGE bool kv_store_invariants_hold(const kv_store *s) {
    table_stats ts = table_get_stats(&s->index);
    return table_invariants_hold(&s->index) && ts.live == s->keys &&
           object_pool_live_count(&s->records) == s->keys && s->expires <= s->keys &&
           s->keys <= s->keys_max && chunk_store_invariants_hold(&s->chunks);
}

typedef struct full_check {
    const kv_store *store;
    uint64_t chunks;
    uint64_t expires;
    bool ok;
} full_check;

ST_NO_COVERAGE static bool list_consistent(const kv_store *s, const kv_record *r,
                                           uint64_t *chunks) {
    uint32_t prev = CHUNK_NONE;
    uint64_t count = 0;
    for (uint32_t e = r->value; e != CHUNK_NONE; e = kv_store_element_next(s, e)) {
        if (kv_store_element_prev(s, e) != prev) return false;
        uint64_t len = kv_store_element_len(s, e);
        if (chunk_chain_length(&s->chunks, e) != kv_store_element_chunks(s, len)) return false;
        *chunks += kv_store_element_chunks(s, len);
        prev = e;
        if (++count > r->value_len) return false;
    }
    return count == r->value_len && r->list_tail == prev && count > 0;
}

ST_NO_COVERAGE static void check_record(void *ctx, uint32_t id) {
    full_check *c = ctx;
    const kv_store *s = c->store;
    const kv_record *r = kv_store_record(s, id);
    uint64_t key_chunks = chunk_chain_length(&s->chunks, r->key);
    if (key_chunks != kv_store_chunks_for(s, r->key_len)) c->ok = false;
    c->chunks += key_chunks;
    if (r->expire_at_ms != KV_NO_EXPIRE) {
        c->expires++;
        bool placed = r->heap_index < s->expires && s->heap[r->heap_index] == id;
        if (!placed) c->ok = false;
    } else if (r->heap_index != KV_HEAP_NONE) {
        c->ok = false;
    }
    uint64_t before = c->chunks;
    if (r->type == KV_TYPE_STRING) {
        uint64_t value_chunks = chunk_chain_length(&s->chunks, r->value);
        if (value_chunks != kv_store_chunks_for(s, r->value_len)) c->ok = false;
        c->chunks += value_chunks;
    } else if (r->type == KV_TYPE_LIST) {
        if (!list_consistent(s, r, &c->chunks)) c->ok = false;
    } else {
        c->ok = false;
    }
    if (c->chunks - before != r->value_chunks) c->ok = false;
}

/* The heap is ordered by expiry and its sum is the sum of its times. O(volatile keys). */
ST_NO_COVERAGE static bool heap_holds(const kv_store *s) {
    kv_sum128 sum = {0};
    for (uint64_t i = 0; i < s->expires; i++) {
        const kv_record *r = kv_store_record(s, s->heap[i]);
        if (r->heap_index != i || r->expire_at_ms == KV_NO_EXPIRE) return false;
        if (i > 0 && heap_time(s, (i - 1) / 2) > r->expire_at_ms) return false;
        sum_add(&sum, r->expire_at_ms);
    }
    return sum.lo == s->expire_sum.lo && sum.hi == s->expire_sum.hi;
}

ST_NO_COVERAGE bool kv_store_invariants_hold_full(const kv_store *s) {
    if (!kv_store_invariants_hold(s) || !heap_holds(s)) return false;
    full_check c = {.store = s, .ok = true};
    table_for_each(&s->index, check_record, &c);
    return c.ok && c.expires == s->expires && c.chunks == chunk_store_used(&s->chunks) &&
           object_pool_invariants_hold_full(&s->records);
}

/* ---- lists (more) ---- */

void kv_store_list_pop(kv_store *s, uint32_t id, bool at_head) {
    kv_record *r = kv_store_record(s, id);
    ST_ASSERT(r->type == KV_TYPE_LIST);
    ST_ASSERT(r->value_len > 0);
    uint32_t element = at_head ? r->value : r->list_tail;
    ST_ASSERT(element != CHUNK_NONE);
#ifdef STASIS_CANARY_LIST_POP_LAST_LEAKS
    /* Planted bug: a "fast path" for the last element that empties the record but never
     * returns the element's chunks to the pool. */
    if (r->value_len == 1) {
        r->value = CHUNK_NONE;
        r->list_tail = CHUNK_NONE;
        r->value_len = 0;
        r->value_chunks = 0;
        return;
    }
#endif
    kv_store_list_remove(s, id, element);
}

#ifdef STASIS_CANARY_LSET_ALLOC_BEFORE_FREE
/* Planted bug: LSET builds the new element beside the old one, then relinks and frees the
 * old: for a moment both exist, so it needs the whole new size free, not only the growth. */
static void list_set_by_copy(kv_store *s, kv_record *r, uint32_t element, const uint8_t *data,
                             size_t len) {
    element_header old = *header_of(s, element);
    uint32_t fresh = kv_store_element_alloc(s, data, len);
    header_of(s, fresh)->prev = old.prev;
    header_of(s, fresh)->next = old.next;
    if (old.prev == CHUNK_NONE) {
        r->value = fresh;
    } else {
        header_of(s, old.prev)->next = fresh;
    }
    if (old.next == CHUNK_NONE) {
        r->list_tail = fresh;
    } else {
        header_of(s, old.next)->prev = fresh;
    }
    chunk_chain_free(&s->chunks, element);
}
#endif

void kv_store_list_set(kv_store *s, uint32_t id, uint32_t element, const uint8_t *data,
                       size_t len) {
    kv_record *r = kv_store_record(s, id);
    ST_ASSERT(r->type == KV_TYPE_LIST);
    ST_ASSERT(len <= UINT32_MAX);
    uint64_t have = kv_store_element_chunks(s, kv_store_element_len(s, element));
    uint64_t want = kv_store_element_chunks(s, len);
    ST_ASSERT(have >= 1 && want >= 1); /* the header alone takes a chunk */
    ST_ASSERT(r->value_chunks >= have);
    modified(s, r->hash);
#ifdef STASIS_CANARY_LSET_ALLOC_BEFORE_FREE
    list_set_by_copy(s, r, element, data, len);
    r->value_chunks = (uint32_t)(r->value_chunks - have + want);
    return;
#endif
    if (want < have) {
        /* Free first: in the guaranteed policy the pool has room for the final state only. */
        chunk_chain_truncate(&s->chunks, element, want);
    } else if (want > have) {
        ST_ASSERT(kv_store_can_take(s, want - have));
        chunk_chain_extend(&s->chunks, chain_last(s, element), (uint32_t)(want - have));
    }
    header_of(s, element)->len = (uint32_t)len;
    chunk_write(&s->chunks, element, KV_ELEMENT_HEADER_BYTES, data, len);
    r->value_chunks = (uint32_t)(r->value_chunks - have + want);
}

/* ---- keyspace (more) ---- */

bool kv_store_is_expired(const kv_store *s, uint32_t id, int64_t now_ms) {
    return is_expired(kv_store_record(s, id), now_ms);
}

void kv_store_delete_expired(kv_store *s, uint32_t id, int64_t now_ms) {
    ST_ASSERT(kv_store_is_expired(s, id, now_ms));
    kv_store_delete(s, id);
    s->stats.expired_keys++;
}

/*
 * Reads a key's bytes for glob_match_by without copying them: keeps the chunk of the last
 * byte read and the chunk of the last restart behind it. glob.h promises that restarts only
 * move forward, so every access walks forward from one of the two and a whole match walks
 * the chain O(key / chunk_size + restarts) steps; a restart behind both (which that promise
 * excludes) still works, from the head.
 */
typedef struct key_reader {
    const chunk_store *chunks;
    uint32_t head;
    uint32_t at;          /* chunk of the last byte read */
    uint64_t at_offset;   /* key offset of that chunk's first byte */
    uint32_t back;        /* chunk of the last restart behind `at` */
    uint64_t back_offset; /* key offset of that chunk's first byte */
} key_reader;

static char key_byte(void *ctx, size_t i) {
    key_reader *r = ctx;
    bool restart = i < r->at_offset;
    if (restart) {
        bool from_back = i >= r->back_offset;
        r->at = from_back ? r->back : r->head;
        r->at_offset = from_back ? r->back_offset : 0;
    }
    uint32_t within = 0;
    r->at = chunk_seek(r->chunks, r->at, i - r->at_offset, &within);
    r->at_offset = i - within;
    if (restart) {
        r->back = r->at;
        r->back_offset = r->at_offset;
    }
    return (char)chunk_bytes(r->chunks, r->at)[within];
}

bool kv_store_key_matches(const kv_store *s, uint32_t id, const uint8_t *pattern,
                          size_t pattern_len) {
    const kv_record *r = kv_store_record(s, id);
    /* Redis's stringmatchlen never matches an empty string against a non-empty pattern
     * (not even "**"); glob_match would. KEYS and SCAN handle "*" before matching. */
    if (r->key_len == 0) return pattern_len == 0;
    key_reader reader = {.chunks = &s->chunks, .head = r->key, .at = r->key, .back = r->key};
    return glob_match_by((const char *)pattern, pattern_len, key_byte, &reader, r->key_len, false);
}

uint64_t kv_store_key_chunks(const kv_store *s, uint32_t id) {
    return kv_store_chunks_for(s, kv_store_record(s, id)->key_len);
}

/* ---- copies ---- */

/* A sequential writer into a chain: the chunk and the offset inside it, so a copy walks
 * each chain once (O(chunks), not O(chunks^2) as a seek per piece would). */
typedef struct chain_copy {
    chunk_store *chunks;
    uint32_t id;
    uint32_t within;
} chain_copy;

static void copy_piece(void *ctx, const uint8_t *bytes, size_t len) {
    chain_copy *w = ctx;
    uint32_t size = w->chunks->chunk_size;
    while (len > 0) {
        if (w->within == size) {
            w->id = chunk_next(w->chunks, w->id);
            w->within = 0;
        }
        ST_ASSERT(w->id != CHUNK_NONE);
        size_t take = len < size - w->within ? len : size - w->within;
        memcpy(chunk_bytes(w->chunks, w->id) + w->within, bytes, take);
        w->within += (uint32_t)take;
        bytes += take;
        len -= take;
    }
}

/* Copies n bytes from chain src (from src_offset) into chain dst (from dst_offset). */
static void copy_bytes(kv_store *s, uint32_t dst, uint64_t dst_offset, uint32_t src,
                       uint64_t src_offset, uint64_t n) {
    chain_copy w = {.chunks = &s->chunks};
    w.id = chunk_seek(&s->chunks, dst, dst_offset, &w.within);
    chunk_for_each_piece(&s->chunks, src, src_offset, n, copy_piece, &w);
}

void kv_store_copy_value(kv_store *s, uint32_t to, uint32_t from) {
    kv_record *dst = kv_store_record(s, to);
    const kv_record *src = kv_store_record(s, from);
    ST_ASSERT(dst->type == src->type && dst->value_len == 0 && dst->value == CHUNK_NONE);
    ST_ASSERT(kv_store_can_take(s, src->value_chunks));
    if (src->type == KV_TYPE_STRING) {
        kv_store_resize_string(s, to, src->value_len);
        if (src->value_len > 0) copy_bytes(s, dst->value, 0, src->value, 0, src->value_len);
        return;
    }
    for (uint32_t e = src->value; e != CHUNK_NONE; e = kv_store_element_next(s, e)) {
        uint32_t len = kv_store_element_len(s, e);
        uint32_t copy = kv_store_element_alloc(s, NULL, 0);
        if (len > 0) {
            uint64_t have = kv_store_element_chunks(s, 0);
            uint64_t want = kv_store_element_chunks(s, len);
            if (want > have) chunk_chain_extend(&s->chunks, copy, (uint32_t)(want - have));
            header_of(s, copy)->len = len;
            copy_bytes(s, copy, KV_ELEMENT_HEADER_BYTES, e, KV_ELEMENT_HEADER_BYTES, len);
        }
        kv_store_list_push(s, to, copy, false);
    }
}
