/* The key index: insert/find/remove, tombstones and in-place rehash, SCAN over home slots
 * across rehashes, probe bounds, and the canary-relevant counters. */
#include "test_support.h"

#include "kv/table.h"

#define TEST_LIVE_MAX 64
static table_slot memory[128] __attribute__((aligned(64)));
static table t;

/* Keys are their ids; equality compares the id the caller looks for. */
static bool id_equals(void *ctx, uint32_t id) { return *(const uint32_t *)ctx == id; }

static uint32_t find(uint64_t hash, uint32_t id) { return table_find(&t, hash, id_equals, &id); }

static int setup(void **state) {
    (void)state;
    assert_int_equal(table_memory_bytes(TEST_LIVE_MAX), sizeof memory);
    table_init(&t, memory, sizeof memory, TEST_LIVE_MAX);
    return 0;
}

static void test_slot_count_is_a_power_of_two_at_least_twice_live_max(void **state) {
    (void)state;
    assert_int_equal(table_slot_count(1), 8);
    assert_int_equal(table_slot_count(4), 8);
    assert_int_equal(table_slot_count(5), 16);
    assert_int_equal(table_slot_count(1000), 2048);
    assert_int_equal(table_slots(&t), 128);
}

static void test_insert_find_remove(void **state) {
    (void)state;
    table_insert(&t, 0x1234, 7);
    table_insert(&t, 0x1234 + 128, 8); /* same home slot */
    assert_int_equal(find(0x1234, 7), 7);
    assert_int_equal(find(0x1234 + 128, 8), 8);
    assert_int_equal(find(0x1234, 8), TABLE_ID_NONE); /* hash matches, key does not */
    assert_int_equal(table_probe_length(&t, 0x1234), 3);
    assert_true(table_remove(&t, 0x1234, 7));
    assert_false(table_remove(&t, 0x1234, 7));
    assert_int_equal(find(0x1234 + 128, 8), 8); /* still reachable past the tombstone */
    table_stats s = table_get_stats(&t);
    assert_int_equal(s.live, 1);
    assert_int_equal(s.tombstones, 1);
    assert_true(table_invariants_hold(&t));
}

static void test_tombstones_past_a_quarter_trigger_an_in_place_rehash(void **state) {
    (void)state;
    for (uint32_t id = 0; id < 33; id++)
        table_insert(&t, (uint64_t)id * 128 + 5, id);
    for (uint32_t id = 0; id < 32; id++)
        assert_true(table_remove(&t, (uint64_t)id * 128 + 5, id));
    table_stats s = table_get_stats(&t);
    assert_int_equal(s.rehashes, 0);
    assert_int_equal(s.tombstones, 32); /* exactly a quarter: not yet */
    assert_true(table_remove(&t, 32 * 128 + 5, 32));
    s = table_get_stats(&t);
    assert_int_equal(s.rehashes, 1);
    assert_int_equal(s.tombstones, 0);
    assert_int_equal(s.live, 0);
    assert_int_equal(table_probe_length(&t, 5), 1);
    assert_true(table_invariants_hold(&t));
}

static void test_rehash_keeps_every_entry_findable_and_packs_runs(void **state) {
    (void)state;
    /* Interleave two homes so tombstones sit inside the runs. */
    for (uint32_t id = 0; id < 40; id++)
        table_insert(&t, (id % 2) * 64 + (uint64_t)id * 128, id);
    for (uint32_t id = 0; id < 40; id += 3)
        assert_true(table_remove(&t, (id % 2) * 64 + (uint64_t)id * 128, id));
    table_rehash(&t);
    assert_true(table_invariants_hold(&t));
    for (uint32_t id = 0; id < 40; id++) {
        uint32_t want = id % 3 == 0 ? TABLE_ID_NONE : id;
        assert_int_equal(find((id % 2) * 64 + (uint64_t)id * 128, id), want);
    }
    assert_int_equal(table_get_stats(&t).live, 26);
}

typedef struct seen {
    uint32_t count[TEST_LIVE_MAX];
} seen;

static void note(void *ctx, uint32_t id) { ((seen *)ctx)->count[id]++; }

static void test_scan_reports_each_present_record_once_across_rehashes(void **state) {
    (void)state;
    for (uint32_t id = 0; id < 50; id++)
        table_insert(&t, (uint64_t)id * 2654435761u, id);
    seen s = {0};
    uint64_t cursor = 0;
    int steps = 0;
    do {
        cursor = table_scan(&t, cursor, 7, note, &s);
        /* Churn between steps: delete and re-add records 40..49 and force a rehash. */
        if (steps++ % 3 == 0) {
            for (uint32_t id = 40; id < 50; id++)
                table_remove(&t, (uint64_t)id * 2654435761u, id);
            table_rehash(&t);
            for (uint32_t id = 40; id < 50; id++)
                table_insert(&t, (uint64_t)id * 2654435761u, id);
        }
    } while (cursor != 0);
    for (uint32_t id = 0; id < 40; id++)
        assert_int_equal(s.count[id], 1);
    assert_true(table_invariants_hold(&t));
}

static void test_replace_id_keeps_the_slot(void **state) {
    (void)state;
    table_insert(&t, 99, 1);
    table_replace_id(&t, 99, 1, 2);
    assert_int_equal(find(99, 2), 2);
    assert_int_equal(find(99, 1), TABLE_ID_NONE);
}

static void test_clear_forgets_entries_but_keeps_history(void **state) {
    (void)state;
    for (uint32_t id = 0; id < 10; id++)
        table_insert(&t, id, id);
    table_rehash(&t);
    table_clear(&t);
    table_stats s = table_get_stats(&t);
    assert_int_equal(s.live, 0);
    assert_int_equal(s.rehashes, 1);
    assert_int_equal(find(3, 3), TABLE_ID_NONE);
}

static void test_invariants_catch_corruption(void **state) {
    (void)state;
    table_insert(&t, 5, 1);
    table_insert(&t, 5, 2); /* slot 6, home 5 */
    assert_true(table_invariants_hold(&t));
    t.slots[5].id = UINT32_MAX; /* an empty slot on entry 2's probe path */
    assert_false(table_invariants_hold(&t));
    t.slots[5].id = 1;
    assert_true(table_invariants_hold(&t));
    t.stats.tombstones++; /* a count that disagrees with the slots */
    assert_false(table_invariants_hold(&t));
}

static void insert_past_live_max(void *arg) {
    (void)arg;
    for (uint32_t id = 0; id <= TEST_LIVE_MAX; id++)
        table_insert(&t, id, id);
}

static void test_insert_past_live_max_aborts(void **state) {
    (void)state;
    expect_abort(insert_past_live_max, NULL, "assertion failed: t->stats.live < t->live_max");
}

int main(void) {
#define T(fn) cmocka_unit_test_setup(fn, setup)
    const struct CMUnitTest tests[] = {
        T(test_slot_count_is_a_power_of_two_at_least_twice_live_max),
        T(test_insert_find_remove),
        T(test_tombstones_past_a_quarter_trigger_an_in_place_rehash),
        T(test_rehash_keeps_every_entry_findable_and_packs_runs),
        T(test_scan_reports_each_present_record_once_across_rehashes),
        T(test_replace_id_keeps_the_slot),
        T(test_clear_forgets_entries_but_keeps_history),
        T(test_invariants_catch_corruption),
        T(test_insert_past_live_max_aborts),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
