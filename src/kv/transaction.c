#include "kv/transaction.h"

#include <string.h>

#include "alloc/no_coverage.h"
#include "alloc/stasis_assert.h"
#include "kv/resp_writer.h"
#include "kv/store.h"

#define ENTRY_NONE UINT32_MAX
#define COUNT_BYTES 4u /* an argument count or length in the queue's encoding */

/* ---- layout ---- */

static bool mul_ok(uint64_t a, uint64_t b, uint64_t *out) {
    if (b != 0 && a > UINT64_MAX / b) return false;
    *out = a * b;
    return true;
}

static bool round_64(uint64_t *v) {
    if (*v > UINT64_MAX - 63) return false;
    *v = (*v + 63) & ~(uint64_t)63;
    return true;
}

kv_txn_layout kv_txn_layout_for(const kv_config *c) {
    kv_txn_layout l = {0};
    bool ok = mul_ok(c->connections_max, sizeof(kv_txn), &l.state_bytes) &&
              mul_ok(c->connections_max, c->transaction_bytes_max, &l.queue_bytes) &&
              mul_ok(c->connections_max, c->watched_keys_max, &l.watch_count) &&
              mul_ok(l.watch_count, sizeof(kv_watch), &l.watch_bytes) &&
              mul_ok(c->command_args_max, sizeof(resp_arg), &l.argv_bytes);
    /* Entry ids are uint32_t, ENTRY_NONE excluded; the index has at least as many buckets
     * as entries (a power of two), so a chain is short on average. */
    ok = ok && l.watch_count < ENTRY_NONE;
    l.index_slots = 1;
    while (ok && l.index_slots < l.watch_count)
        l.index_slots <<= 1;
    ok = ok && mul_ok(l.index_slots, sizeof(uint32_t), &l.index_bytes);
    ok = ok && round_64(&l.state_bytes) && round_64(&l.queue_bytes) && round_64(&l.watch_bytes) &&
         round_64(&l.index_bytes) && round_64(&l.argv_bytes);
    l.overflow = !ok;
    return l;
}

/* ---- slots ---- */

void kv_txns_init(kv_txns *t, const kv_config *config, kv_txn_memory m) {
    kv_txn_layout l = kv_txn_layout_for(config);
    ST_ASSERT(!l.overflow);
    ST_ASSERT(config->connections_max < KV_TXN_NONE);
    *t = (kv_txns){
        .config = config,
        .slots = m.state,
        .slot_count = (uint32_t)config->connections_max,
        .queues = m.queues,
        .watches = m.watches,
        .index = m.index,
        .index_mask = l.index_slots - 1,
        .argv = m.argv,
    };
    for (uint32_t i = 0; i < t->slot_count; i++)
        t->slots[i] = (kv_txn){.next_free = i + 1 < t->slot_count ? i + 1 : KV_TXN_NONE};
    t->free_head = t->slot_count > 0 ? 0 : KV_TXN_NONE;
    for (uint64_t i = 0; i < l.index_slots; i++)
        t->index[i] = ENTRY_NONE;
}

kv_txn *kv_txns_slot(const kv_txns *t, uint32_t slot) {
    ST_ASSERT(slot < t->slot_count);
    return &t->slots[slot];
}

uint32_t kv_txns_open(kv_txns *t) {
    if (t->slots == NULL) return KV_TXN_NONE;
    uint32_t slot = t->free_head;
    ST_ASSERT(slot != KV_TXN_NONE); /* at most connections_max sessions are open */
    kv_txn *x = kv_txns_slot(t, slot);
    ST_ASSERT(x->flags == 0 && x->watched == 0);
    t->free_head = x->next_free;
    *x = (kv_txn){.flags = KV_TXN_OPEN, .next_free = KV_TXN_NONE};
    return slot;
}

void kv_txns_close(kv_txns *t, uint32_t slot) {
    if (slot == KV_TXN_NONE) return;
    kv_txn *x = kv_txns_slot(t, slot);
    ST_ASSERT((x->flags & KV_TXN_OPEN) != 0);
    kv_txns_unwatch_from(t, slot, 0);
    *x = (kv_txn){.next_free = t->free_head};
    t->free_head = slot;
}

void kv_txns_reset(kv_txns *t, uint32_t slot) {
    kv_txn *x = kv_txns_slot(t, slot);
    x->flags &= KV_TXN_OPEN | KV_TXN_WATCH_REFUSED;
    x->commands = 0;
    x->bytes = 0;
    x->used = 0;
}

/* ---- watches ---- */

static uint32_t entry_id(const kv_txns *t, uint32_t slot, uint32_t i) {
    return (uint32_t)(slot * t->config->watched_keys_max + i);
}

static uint32_t owner_of(const kv_txns *t, uint32_t entry) {
    return (uint32_t)(entry / t->config->watched_keys_max);
}

void kv_txns_key_modified(void *txns, uint64_t hash) {
    kv_txns *t = txns;
    if (t->watched_total == 0) return; /* the common case: one compare per write */
    for (uint32_t e = t->index[hash & t->index_mask]; e != ENTRY_NONE; e = t->watches[e].next) {
        if (t->watches[e].hash == hash) kv_txns_slot(t, owner_of(t, e))->flags |= KV_TXN_DIRTY_CAS;
    }
}

bool kv_txns_watches(const kv_txns *t, uint32_t slot, uint64_t hash) {
    for (uint32_t e = t->index[hash & t->index_mask]; e != ENTRY_NONE; e = t->watches[e].next) {
        if (t->watches[e].hash == hash && owner_of(t, e) == slot) return true;
    }
    return false;
}

void kv_txns_watch(kv_txns *t, uint32_t slot, uint64_t hash, int64_t expire_at_ms) {
    kv_txn *x = kv_txns_slot(t, slot);
    ST_ASSERT(x->watched < t->config->watched_keys_max);
    ST_ASSERT(!kv_txns_watches(t, slot, hash));
    uint32_t e = entry_id(t, slot, x->watched++);
    uint32_t *bucket = &t->index[hash & t->index_mask];
    t->watches[e] = (kv_watch){
        .hash = hash, .expire_at_ms = expire_at_ms, .next = *bucket, .prev = ENTRY_NONE};
    if (*bucket != ENTRY_NONE) t->watches[*bucket].prev = e;
    *bucket = e;
    t->watched_total++;
}

static void unlink_entry(kv_txns *t, uint32_t e) {
    kv_watch *w = &t->watches[e];
    if (w->prev == ENTRY_NONE) {
        ST_ASSERT(t->index[w->hash & t->index_mask] == e);
        t->index[w->hash & t->index_mask] = w->next;
    } else {
        t->watches[w->prev].next = w->next;
    }
    if (w->next != ENTRY_NONE) t->watches[w->next].prev = w->prev;
}

void kv_txns_unwatch_from(kv_txns *t, uint32_t slot, uint32_t keep) {
    kv_txn *x = kv_txns_slot(t, slot);
    ST_ASSERT(keep <= x->watched);
    while (x->watched > keep) {
        unlink_entry(t, entry_id(t, slot, --x->watched));
        ST_ASSERT(t->watched_total > 0);
        t->watched_total--;
    }
}

bool kv_txns_watched_expired(const kv_txns *t, uint32_t slot, int64_t now_ms) {
    const kv_txn *x = kv_txns_slot(t, slot);
    for (uint32_t i = 0; i < x->watched; i++) {
        int64_t at = t->watches[entry_id(t, slot, i)].expire_at_ms;
        if (at != KV_NO_EXPIRE && now_ms > at) return true; /* the store's expiry rule */
    }
    return false;
}

/* ---- the queue ---- */

uint64_t kv_txns_request_bytes(const resp_arg *argv, uint32_t argc) {
    uint64_t n = resp_array_header_size(argc);
    for (uint32_t i = 0; i < argc; i++)
        n += resp_bulk_size(argv[i].len);
    return n;
}

static uint8_t *queue_of(const kv_txns *t, uint32_t slot) {
    return t->queues + (uint64_t)slot * t->config->transaction_bytes_max;
}

static void put_u32(uint8_t *at, uint64_t v) {
    ST_ASSERT(v <= UINT32_MAX);
    uint32_t u = (uint32_t)v;
    memcpy(at, &u, sizeof u);
}

void kv_txns_queue(kv_txns *t, uint32_t slot, const resp_arg *argv, uint32_t argc) {
    kv_txn *x = kv_txns_slot(t, slot);
    uint64_t request = kv_txns_request_bytes(argv, argc);
    ST_ASSERT(x->bytes + request <= t->config->transaction_bytes_max);
    ST_ASSERT(argc <= t->config->command_args_max);
    uint8_t *q = queue_of(t, slot);
    uint64_t at = x->used;
    put_u32(q + at, argc);
    at += COUNT_BYTES;
    for (uint32_t i = 0; i < argc; i++) {
        put_u32(q + at, argv[i].len);
        at += COUNT_BYTES;
        if (argv[i].len > 0) memcpy(q + at, argv[i].ptr, argv[i].len);
        at += argv[i].len;
    }
    /* The encoding never takes more than the request bytes the limit counted. */
    ST_ASSERT(at - x->used <= request);
    x->used = at;
    x->bytes += request;
    x->commands++;
}

static uint32_t get_u32(const uint8_t *at) {
    uint32_t u;
    memcpy(&u, at, sizeof u);
    return u;
}

uint32_t kv_txns_queued(const kv_txns *t, uint32_t slot, uint64_t *offset) {
    const kv_txn *x = kv_txns_slot(t, slot);
    ST_ASSERT(*offset < x->used);
    const uint8_t *q = queue_of(t, slot);
    uint64_t at = *offset;
    uint32_t argc = get_u32(q + at);
    ST_ASSERT(argc >= 1 && argc <= t->config->command_args_max);
    at += COUNT_BYTES;
    for (uint32_t i = 0; i < argc; i++) {
        uint32_t len = get_u32(q + at);
        at += COUNT_BYTES;
        t->argv[i] = (resp_arg){.ptr = q + at, .len = len};
        at += len;
    }
    ST_ASSERT(at <= x->used);
    *offset = at;
    return argc;
}

/* ---- self-check ---- */

ST_NO_COVERAGE static bool chains_hold(const kv_txns *t, uint64_t *linked) {
    for (uint64_t b = 0; b <= t->index_mask; b++) {
        uint32_t prev = ENTRY_NONE;
        for (uint32_t e = t->index[b]; e != ENTRY_NONE; e = t->watches[e].next) {
            const kv_watch *w = &t->watches[e];
            uint32_t owner = owner_of(t, e);
            if (owner >= t->slot_count || (w->hash & t->index_mask) != b || w->prev != prev)
                return false;
            if (e - entry_id(t, owner, 0) >= t->slots[owner].watched) return false;
            if (++*linked > t->watched_total) return false; /* also ends a cycle */
            prev = e;
        }
    }
    return true;
}

ST_NO_COVERAGE bool kv_txns_invariants_hold(const kv_txns *t) {
    if (t->slots == NULL) return t->watched_total == 0;
    uint64_t watched = 0;
    for (uint32_t i = 0; i < t->slot_count; i++) {
        const kv_txn *x = &t->slots[i];
        if (x->watched > t->config->watched_keys_max || x->used > x->bytes) return false;
        if (x->bytes > t->config->transaction_bytes_max) return false;
        if (x->commands > t->config->transaction_commands_max) return false;
        if ((x->flags & KV_TXN_OPEN) == 0 && (x->flags != 0 || x->watched != 0)) return false;
        watched += x->watched;
    }
    uint64_t free_count = 0;
    for (uint32_t s = t->free_head; s != KV_TXN_NONE; s = t->slots[s].next_free) {
        if (s >= t->slot_count || (t->slots[s].flags & KV_TXN_OPEN) != 0) return false;
        if (++free_count > t->slot_count) return false;
    }
    uint64_t linked = 0;
    return watched == t->watched_total && chains_hold(t, &linked) && linked == watched;
}
