/* Every KV self-check can be seen to fail: the store's (kv_store_invariants_hold and its full
 * walk), the engine's, the chunk store's, the index table's and the transactions', on an engine holding a
 * string, a list and a key with an expiry, corrupted on purpose one field at a time and put
 * back (the check must fail, then hold again). Cases for the full walk leave the O(1) check
 * holding, so only the walk can catch them. */
#include "test_support.h"

#include "kv/chunks.h"
#include "kv/store.h"
#include "kv/table.h"
#include "kv_harness.h"

KV_HARNESS_FIXTURES

/* A corruption only the store's full walk sees: its O(1) check still holds meanwhile. */
#define ASSERT_CAUGHT_BY_STORE_WALK(s, lvalue, bad)                                                \
    ASSERT_CAUGHT_BY_FULL(kv_store_invariants_hold(s), kv_store_invariants_hold_full(s), lvalue,   \
                          bad)

static kv_store *filled_store(void) {
    assert_string_equal(KV_CMD(h, "SET", "s", "a string of 20 bytes"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "x", "y", "z"), ":3\r\n");
    assert_string_equal(KV_CMD(h, "SET", "e", "v", "EX", "100"), "+OK\r\n");
    return &kv_harness_engine(h)->store;
}

static kv_record *record_of(kv_store *s, const char *key) {
    uint32_t id = kv_store_find_quiet(s, (const uint8_t *)key, strlen(key), 0);
    assert_true(id != KV_RECORD_NONE);
    return kv_store_record(s, id);
}

static void test_store_and_engine_checks(void **state) {
    (void)state;
    kv_store *s = filled_store();
    const kv_engine *e = kv_harness_engine(h);
    ASSERT_CAUGHT(kv_store_invariants_hold(s), s->keys, 4);     /* the index has 3 */
    ASSERT_CAUGHT(kv_store_invariants_hold(s), s->expires, 4);  /* more than the keys */
    ASSERT_CAUGHT(kv_store_invariants_hold(s), s->keys_max, 2); /* past its limit */
    ASSERT_CAUGHT(kv_store_invariants_hold(s), s->records.live_count, 2);
    ASSERT_CAUGHT(kv_store_invariants_hold(s), s->index.stats.live, 2);
    ASSERT_CAUGHT(kv_engine_invariants_hold(e), s->keys, 2);
    ASSERT_CAUGHT(kv_engine_invariants_hold(e), s->chunks.chunk_count, 1);
}

static void test_store_full_walk(void **state) {
    (void)state;
    kv_store *s = filled_store();
    kv_record *str = record_of(s, "s");
    kv_record *list = record_of(s, "l");
    kv_record *expiring = record_of(s, "e");
    ASSERT_CAUGHT_BY_STORE_WALK(s, str->value_len, 40);   /* 3 chunks of 16, its chain has 2 */
    ASSERT_CAUGHT_BY_STORE_WALK(s, str->key_len, 17);     /* 2 chunks, its chain has 1 */
    ASSERT_CAUGHT_BY_STORE_WALK(s, str->value_chunks, 3); /* not what its chain holds */
    ASSERT_CAUGHT_BY_STORE_WALK(s, str->type, 9);         /* no such type */
    ASSERT_CAUGHT_BY_STORE_WALK(s, list->value_len, 4);   /* 3 elements linked */
    ASSERT_CAUGHT_BY_STORE_WALK(s, list->list_tail, list->value);         /* the tail is the head */
    ASSERT_CAUGHT_BY_STORE_WALK(s, expiring->expire_at_ms, KV_NO_EXPIRE); /* expires counts 1 */
    /* Two records freed, x (index 3) then y (4, the head of the free list): x marked live
     * again is seen only by the records pool's own full walk. */
    assert_string_equal(KV_CMD(h, "SET", "x", "1"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "y", "1"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "DEL", "x", "y"), ":2\r\n");
    ASSERT_CAUGHT_BY_STORE_WALK(s, s->records.live[3], 1);
    ASSERT_CAUGHT_BY_STORE_WALK(s, s->chunks.next[str->value], CHUNK_NONE); /* a chain cut short */
}

static void test_chunk_store_check(void **state) {
    (void)state;
    kv_store *s = filled_store();
    const chunk_store *cs = &s->chunks;
    uint32_t used = object_pool_live_count(&s->chunks.pool);
    ASSERT_CAUGHT(chunk_store_invariants_hold(cs), s->chunks.chunk_count, used - 1);
    ASSERT_CAUGHT(chunk_store_invariants_hold(cs), s->chunks.pool.fresh, s->chunks.chunk_count + 1);
}

static void test_table_check(void **state) {
    (void)state;
    kv_store *s = filled_store();
    table *t = &s->index;
    uint64_t slot = 0;
    while (t->slots[slot].id > 0x7fffffffu)
        slot++; /* the first live entry */
    ASSERT_CAUGHT(table_invariants_hold(t), t->slots[slot].id, t->slots[slot].id | 0x80000000u);
    /* Its home one slot after where it sits: an empty slot lies on its probe path. */
    ASSERT_CAUGHT(table_invariants_hold(t), t->slots[slot].hash,
                  (t->slots[slot].hash & ~t->mask) | ((slot + 1u) & t->mask));
    ASSERT_CAUGHT(table_invariants_hold(t), t->stats.live, 4);
    ASSERT_CAUGHT(table_invariants_hold(t), t->stats.tombstones, 1);
    ASSERT_CAUGHT(table_invariants_hold(t), t->live_max, 2);
}

/* The transactions' check: slots, the free list, and the watch index (kv_txns). Two
 * connections watch keys, one of them twice the same bucket's worth. */
static void test_transactions_check(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "WATCH", "a", "b", "c"), "+OK\r\n");
    assert_string_equal(kv_harness_send(h, "MULTI\r\nSET a 1\r\n"), "+OK\r\n+QUEUED\r\n");
    kv_harness_use_session(h, 1);
    assert_string_equal(KV_CMD(h, "WATCH", "a"), "+OK\r\n");
    kv_harness_use_session(h, 0);
    kv_engine *e = kv_harness_engine(h);
    kv_txns *t = &e->txns;
    assert_true(kv_txns_invariants_hold(t));
    kv_txn *x = kv_txns_slot(t, 0);
    kv_watch *w = &t->watches[0];
    ASSERT_CAUGHT(kv_engine_invariants_hold(e), t->watched_total, 3);  /* 4 watched */
    ASSERT_CAUGHT(kv_txns_invariants_hold(t), x->watched, 2);           /* one still linked */
    ASSERT_CAUGHT(kv_txns_invariants_hold(t), x->bytes, 0);             /* less than used */
    ASSERT_CAUGHT(kv_txns_invariants_hold(t), x->commands, 65);         /* past the limit */
    ASSERT_CAUGHT(kv_txns_invariants_hold(t), x->flags, KV_TXN_MULTI);  /* watches, not open */
    ASSERT_CAUGHT(kv_txns_invariants_hold(t), w->hash, w->hash + 1);    /* in another bucket */
    ASSERT_CAUGHT(kv_txns_invariants_hold(t), w->prev, 5);              /* a broken chain */
    ASSERT_CAUGHT(kv_txns_invariants_hold(t), t->free_head, 0);         /* an open slot */
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, open_harness, close_harness)
    const struct CMUnitTest tests[] = {
        T(test_store_and_engine_checks),
        T(test_store_full_walk),
        T(test_chunk_store_check),
        T(test_table_check),
        T(test_transactions_check),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
