/* The object pool: sizing of the caller memory, create in address order then LIFO reuse,
 * exhaustion, index_of / at, is_live, reset, diagnostics, the allocator interface (serves what
 * fits the item, refuses the rest), the malloc-failure loop, poisoning and contract
 * violations (double destroy, foreign and interior pointers). */
#include "test_support.h"

#include "alloc/object_pool.h"
#include "alloc/poison.h"

#define TEST_MEMORY_BYTES ((size_t)16 * 1024)

static uint8_t memory[TEST_MEMORY_BYTES] __attribute__((aligned(4096)));
static object_pool pool;

/* 16 items of 24 bytes, 8-aligned: stride 24. */
static const object_pool_params default_params = {
    .item_bytes = 24, .item_align = 8, .item_count = 16};

static void init_with(object_pool_params p) {
    object_pool_init(&pool, memory, object_pool_memory_bytes(p), p);
}

static int init_fixture(void **state) {
    (void)state;
    init_with(default_params);
    return 0;
}

static uint8_t *item(size_t i) { return memory + i * 24; }

/* ---- sizing ---- */

static void test_stride_holds_a_link_and_keeps_alignment(void **state) {
    (void)state;
    assert_int_equal(object_pool_stride_bytes((object_pool_params){24, 8, 1}), 24);
    assert_int_equal(object_pool_stride_bytes((object_pool_params){1, 1, 1}), 8);
    assert_int_equal(object_pool_stride_bytes((object_pool_params){12, 16, 1}), 16);
    assert_int_equal(object_pool_stride_bytes((object_pool_params){40, 32, 1}), 64);
    assert_int_equal(object_pool_item_align((object_pool_params){1, 1, 1}), 8);
    assert_int_equal(object_pool_item_align((object_pool_params){1, 64, 1}), 64);
}

static void test_memory_bytes_is_items_then_live_bytes(void **state) {
    (void)state;
    assert_int_equal(object_pool_memory_bytes((object_pool_params){24, 8, 16}), 16 * 24 + 16);
    assert_int_equal(object_pool_memory_bytes((object_pool_params){1, 1, 65}), 65 * 8 + 65);
    assert_int_equal(object_pool_memory_bytes((object_pool_params){100, 64, 64}), 64 * 128 + 64);
}

static void test_params_valid_rejects_out_of_range(void **state) {
    (void)state;
    assert_true(object_pool_params_valid(default_params));
    assert_false(object_pool_params_valid((object_pool_params){0, 8, 16}));
    assert_false(object_pool_params_valid((object_pool_params){24, 3, 16}));
    assert_false(object_pool_params_valid((object_pool_params){24, 8192, 16}));
    assert_false(object_pool_params_valid((object_pool_params){24, 8, 0}));
    assert_false(
        object_pool_params_valid((object_pool_params){OBJECT_POOL_ITEM_BYTES_MAX + 1, 8, 1}));
}

/* ---- create, destroy ---- */

static void test_create_takes_items_in_address_order_until_exhausted(void **state) {
    (void)state;
    for (size_t i = 0; i < 16; i++)
        assert_ptr_equal(object_pool_create(&pool), item(i));
    assert_null(object_pool_create(&pool));
    allocator_diagnostics d = object_pool_diagnostics(&pool);
    assert_int_equal(d.capacity_bytes, 16 * 24);
    assert_int_equal(d.allocated_bytes, 16 * 24);
    assert_int_equal(d.peak_allocated_bytes, 16 * 24);
    assert_int_equal(d.oom_count, 1);
    assert_int_equal(object_pool_live_count(&pool), 16);
    assert_true(object_pool_invariants_hold_full(&pool));
}

static void test_destroyed_items_come_back_last_in_first_out(void **state) {
    (void)state;
    uint8_t *a = object_pool_create(&pool);
    uint8_t *b = object_pool_create(&pool);
    uint8_t *c = object_pool_create(&pool);
    object_pool_destroy(&pool, b);
    object_pool_destroy(&pool, a);
    assert_ptr_equal(object_pool_create(&pool), a);
    assert_ptr_equal(object_pool_create(&pool), b);
    assert_ptr_equal(object_pool_create(&pool), item(3)); /* then never-used items */
    assert_int_equal(object_pool_live_count(&pool), 4);
    assert_int_equal(object_pool_diagnostics(&pool).peak_allocated_bytes, 4 * 24);
    (void)c;
    assert_true(object_pool_invariants_hold_full(&pool));
}

static void test_items_are_aligned_and_usable_whole(void **state) {
    (void)state;
    init_with((object_pool_params){.item_bytes = 40, .item_align = 64, .item_count = 8});
    for (int i = 0; i < 8; i++) {
        uint8_t *p = object_pool_create(&pool);
        assert_int_equal((uintptr_t)p % 64, 0);
        memset(p, i, 40);
    }
    assert_int_equal(((uint8_t *)object_pool_at(&pool, 7))[39], 7);
}

static void test_index_of_and_at_round_trip(void **state) {
    (void)state;
    void *p[5];
    for (size_t i = 0; i < 5; i++)
        p[i] = object_pool_create(&pool);
    object_pool_destroy(&pool, p[2]);
    for (size_t i = 0; i < 5; i++) {
        if (i == 2) continue;
        assert_int_equal(object_pool_index_of(&pool, p[i]), i);
        assert_ptr_equal(object_pool_at(&pool, (uint32_t)i), p[i]);
    }
    assert_ptr_equal(object_pool_create(&pool), p[2]);
    assert_int_equal(object_pool_index_of(&pool, p[2]), 2);
}

static void test_is_live_only_for_live_item_starts(void **state) {
    (void)state;
    static uint8_t other[64];
    uint8_t *a = object_pool_create(&pool);
    uint8_t *b = object_pool_create(&pool);
    object_pool_destroy(&pool, b);
    assert_true(object_pool_is_live(&pool, a));
    assert_false(object_pool_is_live(&pool, b));       /* destroyed */
    assert_false(object_pool_is_live(&pool, a + 1));   /* interior */
    assert_false(object_pool_is_live(&pool, item(5))); /* never created */
    assert_false(object_pool_is_live(&pool, other));   /* foreign */
    assert_true(object_pool_owns(&pool, item(15) + 23));
    assert_false(object_pool_owns(&pool, item(16))); /* the live bytes */
}

static void test_reset_frees_every_item_keeps_oom_count(void **state) {
    (void)state;
    for (size_t i = 0; i < 16; i++)
        assert_non_null(object_pool_create(&pool));
    assert_null(object_pool_create(&pool));
    object_pool_reset(&pool);
    allocator_diagnostics d = object_pool_diagnostics(&pool);
    assert_int_equal(d.allocated_bytes, 0);
    assert_int_equal(d.peak_allocated_bytes, 0);
    assert_int_equal(d.oom_count, 1);
    assert_false(object_pool_is_live(&pool, item(0)));
    assert_ptr_equal(object_pool_create(&pool), item(0));
    assert_ptr_equal(object_pool_create(&pool), item(1));
    assert_true(object_pool_invariants_hold_full(&pool));
}

/* ---- the allocator interface ---- */

static void test_interface_serves_what_fits_the_item(void **state) {
    (void)state;
    allocator a = object_pool_allocator(&pool);
    uint8_t *p = allocator_alloc(a, 10, 4);
    assert_ptr_equal(p, item(0));
    assert_true(allocator_resize(a, p, 10, 24, 4));
    assert_false(allocator_resize(a, p, 24, 25, 4));
    assert_true(allocator_resize(a, p, 24, 1, 4));
    allocator_free(a, p, 1, 4);
    assert_int_equal(object_pool_live_count(&pool), 0);
    assert_ptr_equal(object_pool_create(&pool), item(0)); /* LIFO across both APIs */
}

static void test_interface_refuses_larger_or_more_aligned_requests(void **state) {
    (void)state;
    allocator a = object_pool_allocator(&pool);
    assert_null(allocator_alloc(a, 25, 8));
    assert_null(allocator_alloc(a, 8, 16));
    assert_int_equal(object_pool_diagnostics(&pool).oom_count, 0); /* refused, not exhausted */
    assert_int_equal(object_pool_live_count(&pool), 0);
    assert_ptr_equal(allocator_alloc(a, 0, 4096), ALLOCATOR_ZERO_LENGTH(4096));
}

static allocator_diagnostics diagnostics_of(void *subject) {
    return object_pool_diagnostics(subject);
}

static void test_malloc_failure_loop_leaves_the_pool_unchanged(void **state) {
    (void)state;
    assert_non_null(object_pool_create(&pool));
    loop_script s = {.lens = {24, 8, 1},
                     .count = 3,
                     .align = 8,
                     .grow_to = 20,
                     .subject = &pool,
                     .diagnostics = diagnostics_of};
    assert_failure_loop_clean(&s, object_pool_allocator(&pool));
    assert_int_equal(object_pool_live_count(&pool), 1);
    assert_true(object_pool_invariants_hold_full(&pool));
}

static void test_poisoning_covers_free_items_and_padding(void **state) {
    (void)state;
    if (!mem_poisoning_enabled()) skip();
    init_with((object_pool_params){.item_bytes = 20, .item_align = 16, .item_count = 4});
    uint8_t *a = object_pool_create(&pool); /* stride 32 */
    assert_false(mem_is_poisoned(a + 19));
    assert_true(mem_is_poisoned(a + 24)); /* padding */
    assert_true(mem_is_poisoned(a + 32)); /* the next, never-used, item */
    object_pool_destroy(&pool, a);
    assert_true(mem_is_poisoned(a));
    allocator al = object_pool_allocator(&pool);
    uint8_t *b = allocator_alloc(al, 8, 1);
    assert_ptr_equal(b, a);
    assert_false(mem_is_poisoned(b + 7));
    assert_true(mem_is_poisoned(b + 8)); /* only the requested length */
    assert_true(allocator_resize(al, b, 8, 16, 1));
    assert_false(mem_is_poisoned(b + 15));
    assert_true(object_pool_invariants_hold_full(&pool));
}

/* ---- contract violations abort ---- */

static void destroy_twice(void *arg) {
    (void)arg;
    init_with(default_params);
    void *p = object_pool_create(&pool);
    object_pool_destroy(&pool, p);
    object_pool_destroy(&pool, p);
}

static void destroy_foreign(void *arg) {
    (void)arg;
    static uint8_t other[32];
    init_with(default_params);
    object_pool_destroy(&pool, other);
}

static void destroy_interior(void *arg) {
    (void)arg;
    init_with(default_params);
    uint8_t *p = object_pool_create(&pool);
    object_pool_destroy(&pool, p + 8);
}

static void destroy_never_created(void *arg) {
    (void)arg;
    init_with(default_params);
    assert_non_null(object_pool_create(&pool));
    object_pool_destroy(&pool, item(3));
}

static void at_a_free_index(void *arg) {
    (void)arg;
    init_with(default_params);
    void *p = object_pool_create(&pool);
    assert_non_null(object_pool_create(&pool));
    object_pool_destroy(&pool, p);
    object_pool_at(&pool, 0);
}

static void interface_free_too_long(void *arg) {
    (void)arg;
    init_with(default_params);
    allocator a = object_pool_allocator(&pool);
    void *p = allocator_alloc(a, 8, 8);
    allocator_free(a, p, 25, 8);
}

static void init_with_wrong_size(void *arg) {
    (void)arg;
    object_pool_init(&pool, memory, object_pool_memory_bytes(default_params) - 1, default_params);
}

static void init_misaligned(void *arg) {
    (void)arg;
    object_pool_init(&pool, memory + 4, object_pool_memory_bytes(default_params), default_params);
}

static void test_contract_violations_abort(void **state) {
    (void)state;
    expect_abort(destroy_twice, NULL, "assertion failed: pool->live[i] != 0");
    expect_abort(destroy_foreign, NULL, "assertion failed: object_pool_owns(pool, ptr)");
    expect_abort(destroy_interior, NULL,
                 "assertion failed: divider_divides(&pool->by_stride, offset)");
    expect_abort(destroy_never_created, NULL, "assertion failed: i < pool->fresh");
    expect_abort(at_a_free_index, NULL, "assertion failed: pool->live[index] != 0");
    expect_abort(interface_free_too_long, NULL, "assertion failed: request_fits(pool, len, align)");
    expect_abort(init_with_wrong_size, NULL,
                 "assertion failed: memory_bytes == object_pool_memory_bytes(params)");
    expect_abort(init_misaligned, NULL, "object_pool_item_align(params) == 0");
}

int main(void) {
#define T(fn) cmocka_unit_test_setup(fn, init_fixture)
    const struct CMUnitTest tests[] = {
        T(test_stride_holds_a_link_and_keeps_alignment),
        T(test_memory_bytes_is_items_then_live_bytes),
        T(test_params_valid_rejects_out_of_range),
        T(test_create_takes_items_in_address_order_until_exhausted),
        T(test_destroyed_items_come_back_last_in_first_out),
        T(test_items_are_aligned_and_usable_whole),
        T(test_index_of_and_at_round_trip),
        T(test_is_live_only_for_live_item_starts),
        T(test_reset_frees_every_item_keeps_oom_count),
        T(test_interface_serves_what_fits_the_item),
        T(test_interface_refuses_larger_or_more_aligned_requests),
        T(test_malloc_failure_loop_leaves_the_pool_unchanged),
        T(test_poisoning_covers_free_items_and_padding),
        T(test_contract_violations_abort),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
