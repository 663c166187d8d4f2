/* Expiry that keeps pace (issue 14), with an injected clock: active expiry's work follows
 * the keys that have a TTL, not keys_max; an expired key leaves DBSIZE within one cycle
 * (the server runs one every 100 ms); expired keys give their chunks and their key slots
 * back before a write would be refused; INFO keyspace reports the real avg_ttl. */
#include "test_support.h"

#include "kv_harness.h"

KV_HARNESS_FIXTURES

#define T0 ((int64_t)1700000000000)

static void set_n(const char *prefix, int from, int to, const char *px) {
    char key[32];
    for (int i = from; i < to; i++) {
        snprintf(key, sizeof key, "%s%d", prefix, i);
        const char *r =
            px == NULL ? KV_CMD(h, "SET", key, "v") : KV_CMD(h, "SET", key, "v", "PX", px);
        assert_string_equal(r, "+OK\r\n");
    }
}

static void large(kv_config *c) {
    c->keys_max = 200000;
    c->data_budget_bytes = 32 * 1024 * 1024;
}

KV_HARNESS_SETUP_TWEAKED(open_large, large)

/* 100,000 keys without a TTL and 10 with one, in a table of 200,000 keys: one cycle after
 * they are due removes exactly those 10, and a cycle before visits nothing. */
static void test_one_cycle_removes_every_due_key(void **state) {
    (void)state;
    kv_engine *e = kv_harness_engine(h);
    set_n("p", 0, 100000, NULL);
    set_n("v", 0, 10, "100");
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":100010\r\n");
    assert_int_equal(kv_engine_expire_cycle(e, T0 + 100, 4096), 0); /* now == expiry: alive */
    assert_int_equal(kv_engine_expire_cycle(e, T0 + 101, 4096), 10);
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":100000\r\n");
    assert_int_equal(kv_engine_expire_cycle(e, T0 + 10000, 4096), 0);
    assert_true(kv_store_invariants_hold_full(&e->store));
}

/* Soonest first, and at most the budget per cycle. */
static void test_cycle_budget_and_order(void **state) {
    (void)state;
    kv_engine *e = kv_harness_engine(h);
    assert_string_equal(KV_CMD(h, "SET", "late", "v", "PX", "300"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "soon", "v", "PX", "100"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "mid", "v", "PX", "200"), "+OK\r\n");
    assert_int_equal(kv_engine_expire_cycle(e, T0 + 1000, 1), 1);
    assert_string_equal(KV_CMD(h, "EXISTS", "soon"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "mid", "late"), ":2\r\n");
    assert_int_equal(kv_engine_expire_cycle(e, T0 + 1000, 4096), 2);
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":0\r\n");
}

/* PERSIST, an overwrite without a TTL, DEL, RENAME and a changed TTL keep the heap exact. */
static void test_heap_follows_every_change(void **state) {
    (void)state;
    kv_engine *e = kv_harness_engine(h);
    assert_string_equal(KV_CMD(h, "SET", "a", "v", "PX", "100"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "b", "v", "PX", "100"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "c", "v", "PX", "100"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "d", "v", "PX", "100"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "e", "v", "PX", "100"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "PERSIST", "a"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "SET", "b", "w"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "DEL", "c"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "PEXPIRE", "d", "5000"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "RENAME", "e", "f"), "+OK\r\n");
    assert_true(kv_store_invariants_hold_full(&e->store));
    assert_int_equal(kv_engine_expire_cycle(e, T0 + 101, 4096), 1); /* f only */
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":3\r\n");
    assert_int_equal(kv_engine_expire_cycle(e, T0 + 5001, 4096), 1); /* then d */
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":2\r\n");
    assert_true(kv_store_invariants_hold_full(&e->store));
}

/* The check is seen to fail: a heap out of order is caught. */
static void test_heap_check_catches_disorder(void **state) {
    (void)state;
    kv_store *s = &kv_harness_engine(h)->store;
    assert_string_equal(KV_CMD(h, "SET", "a", "v", "PX", "100"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "b", "v", "PX", "200"), "+OK\r\n");
    assert_true(kv_store_invariants_hold_full(s));
    kv_record *root = kv_store_record(s, s->heap[0]);
    int64_t saved = root->expire_at_ms;
    root->expire_at_ms = T0 + 1000; /* later than its child, without re-sifting */
    assert_false(kv_store_invariants_hold_full(s));
    root->expire_at_ms = saved;
    assert_true(kv_store_invariants_hold_full(s));
}

static void many_keys(kv_config *c) { c->keys_max = 4096; }

KV_HARNESS_SETUP_TWEAKED(open_many_keys, many_keys)

/* The shared budget (64 KiB of 16-byte chunks here) full of keys that expired: a write
 * takes their chunks instead of answering -OOM; with live keys it still answers -OOM. */
static void test_expired_chunks_freed_before_oom(void **state) {
    (void)state;
    char value[257];
    memset(value, 'x', 256);
    value[256] = '\0';
    char key[16];
    int stored = 0;
    for (;; stored++) {
        snprintf(key, sizeof key, "k%d", stored);
        const char *r = KV_CMD(h, "SET", key, value, "PX", "100");
        if (strcmp(r, "+OK\r\n") != 0) {
            assert_string_equal(r, "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
            break;
        }
    }
    assert_true(stored > 10);
    assert_string_equal(KV_CMD(h, "SET", "live", value),
                        "-OOM command not allowed when used memory > 'maxmemory'.\r\n");
    kv_harness_set_time(h, T0 + 101);
    assert_string_equal(KV_CMD(h, "SET", "live", value), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":1\r\n");
    const char *info = KV_CMD(h, "INFO", "stats");
    char want[64];
    snprintf(want, sizeof want, "expired_keys:%d\r\n", stored);
    assert_non_null(strstr(info, want));
}

/* keys_max (64) full of expired keys: a new key takes a slot instead of the limit's error. */
static void test_expired_keys_free_keys_max(void **state) {
    (void)state;
    set_n("k", 0, 64, "100");
    assert_string_equal(KV_CMD(h, "SET", "new", "v"),
                        "-ERR key count exceeds keys_max (64 keys)\r\n");
    kv_harness_set_time(h, T0 + 101);
    assert_string_equal(KV_CMD(h, "SET", "new", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "MSET", "n1", "v", "n2", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":3\r\n");
}

static void test_avg_ttl(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "INFO", "keyspace"), "$12\r\n# Keyspace\r\n\r\n");
    assert_string_equal(KV_CMD(h, "SET", "a", "v", "PX", "1000"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "b", "v", "PX", "3000"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "c", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "INFO", "keyspace"),
                        "$47\r\n# Keyspace\r\ndb0:keys=3,expires=2,avg_ttl=2000\r\n\r\n");
    kv_harness_set_time(h, T0 + 500);
    assert_string_equal(KV_CMD(h, "INFO", "keyspace"),
                        "$47\r\n# Keyspace\r\ndb0:keys=3,expires=2,avg_ttl=1500\r\n\r\n");
    /* Far-future expiry times: the sum passes 64 bits without harm. */
    assert_string_equal(KV_CMD(h, "PEXPIREAT", "c", "9223372036854775000"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "PEXPIREAT", "a", "9223372036854775000"), ":1\r\n");
    assert_true(kv_store_invariants_hold_full(&kv_harness_engine(h)->store));
    assert_string_equal(KV_CMD(h, "FLUSHALL"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "a", "v", "PX", "100"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "INFO", "keyspace"),
                        "$46\r\n# Keyspace\r\ndb0:keys=1,expires=1,avg_ttl=100\r\n\r\n");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_one_cycle_removes_every_due_key, open_large,
                                        close_harness),
        cmocka_unit_test_setup_teardown(test_cycle_budget_and_order, open_harness, close_harness),
        cmocka_unit_test_setup_teardown(test_heap_follows_every_change, open_harness,
                                        close_harness),
        cmocka_unit_test_setup_teardown(test_heap_check_catches_disorder, open_harness,
                                        close_harness),
        cmocka_unit_test_setup_teardown(test_expired_chunks_freed_before_oom, open_many_keys,
                                        close_harness),
        cmocka_unit_test_setup_teardown(test_expired_keys_free_keys_max, open_harness,
                                        close_harness),
        cmocka_unit_test_setup_teardown(test_avg_ttl, open_harness, close_harness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
