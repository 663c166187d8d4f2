/* The stack fallback allocator: the fixed buffer first, the fallback when it is full, resize
 * and free routed by ownership, the fixed buffer's bump rules kept, both refusing, reset of
 * the fixed buffer only, diagnostics, the interface, the malloc-failure loop over it and with
 * the fallback failing, poisoning and contract violations. */
#include "test_support.h"

#include "alloc/block_allocator.h"
#include "alloc/failing.h"
#include "alloc/poison.h"
#include "alloc/stack_fallback.h"

#define TEST_PRIMARY_BYTES ((size_t)256)
#define TEST_HEAP_BYTES    ((size_t)4096)

static uint8_t primary[TEST_PRIMARY_BYTES] __attribute__((aligned(64)));
static uint8_t heap_memory[TEST_HEAP_BYTES] __attribute__((aligned(4096)));
static block_allocator heap;
static stack_fallback sf;

/* 256 bytes of fixed buffer, then 32 blocks of 64 bytes. */
static int init_fixture(void **state) {
    (void)state;
    block_allocator_params p = {.block_count = 32, .block_bytes = 64};
    block_allocator_init(&heap, heap_memory, block_allocator_memory_bytes(p), p);
    stack_fallback_init(&sf, primary, TEST_PRIMARY_BYTES, block_allocator_allocator(&heap));
    return 0;
}

static void test_fixed_buffer_first_then_fallback(void **state) {
    (void)state;
    uint8_t *a = stack_fallback_alloc(&sf, 200, 8);
    assert_ptr_equal(a, primary);
    uint8_t *b = stack_fallback_alloc(&sf, 100, 8); /* 56 bytes left: the fallback */
    assert_ptr_equal(b, heap_memory);
    uint8_t *c = stack_fallback_alloc(&sf, 50, 8); /* fits the fixed buffer again */
    assert_ptr_equal(c, primary + 200);
    assert_true(stack_fallback_owns_primary(&sf, a));
    assert_false(stack_fallback_owns_primary(&sf, b));
    assert_int_equal(stack_fallback_fallback_live_bytes(&sf), 100);
    assert_int_equal(stack_fallback_fallback_allocations(&sf), 1);
    allocator_diagnostics d = stack_fallback_diagnostics(&sf);
    assert_int_equal(d.capacity_bytes, TEST_PRIMARY_BYTES);
    assert_int_equal(d.allocated_bytes, 250 + 100);
    assert_int_equal(d.peak_allocated_bytes, 350);
    assert_int_equal(d.oom_count, 0);
    assert_true(stack_fallback_invariants_hold(&sf));
}

static void test_resize_goes_to_the_owner_and_never_moves(void **state) {
    (void)state;
    uint8_t *a = stack_fallback_alloc(&sf, 100, 1);
    uint8_t *b = stack_fallback_alloc(&sf, 300, 1);           /* fallback: 5 blocks */
    assert_true(stack_fallback_resize(&sf, a, 100, 256, 1));  /* the fixed buffer's last block */
    assert_false(stack_fallback_resize(&sf, a, 256, 257, 1)); /* stays in the fixed buffer */
    assert_true(stack_fallback_resize(&sf, b, 300, 640, 1));  /* the heap grows it in place */
    assert_int_equal(block_allocator_diagnostics(&heap).allocated_bytes, 640);
    assert_int_equal(stack_fallback_fallback_live_bytes(&sf), 640);
    assert_int_equal(stack_fallback_diagnostics(&sf).allocated_bytes, 256 + 640);
}

static void test_free_goes_to_the_owner(void **state) {
    (void)state;
    uint8_t *a = stack_fallback_alloc(&sf, 200, 1);
    uint8_t *b = stack_fallback_alloc(&sf, 200, 1);
    stack_fallback_free(&sf, b, 200, 1);
    assert_true(block_allocator_is_empty(&heap));
    stack_fallback_free(&sf, a, 200, 1); /* the last fixed-buffer block: bytes come back */
    assert_int_equal(fixed_buffer_diagnostics(stack_fallback_primary(&sf)).allocated_bytes, 0);
    assert_int_equal(stack_fallback_diagnostics(&sf).allocated_bytes, 0);
}

static void test_both_refusing_returns_null(void **state) {
    (void)state;
    assert_null(stack_fallback_alloc(&sf, TEST_HEAP_BYTES + 1, 1));
    allocator_diagnostics d = stack_fallback_diagnostics(&sf);
    assert_int_equal(d.oom_count, 1);
    assert_int_equal(d.allocated_bytes, 0);
    assert_int_equal(fixed_buffer_diagnostics(stack_fallback_primary(&sf)).oom_count, 1);
    assert_ptr_equal(stack_fallback_alloc(&sf, 0, 4), ALLOCATOR_ZERO_LENGTH(4));
}

static void test_reset_empties_the_fixed_buffer_only(void **state) {
    (void)state;
    assert_non_null(stack_fallback_alloc(&sf, 200, 1));
    uint8_t *b = stack_fallback_alloc(&sf, 200, 1);
    stack_fallback_reset(&sf);
    allocator_diagnostics d = stack_fallback_diagnostics(&sf);
    assert_int_equal(d.allocated_bytes, 200);
    assert_int_equal(d.peak_allocated_bytes, 200);
    assert_ptr_equal(stack_fallback_alloc(&sf, 256, 1), primary);
    stack_fallback_free(&sf, b, 200, 1);
    assert_true(block_allocator_is_empty(&heap));
}

static void test_allocator_interface_routes_by_owner(void **state) {
    (void)state;
    allocator a = stack_fallback_allocator(&sf);
    uint8_t *p = allocator_alloc(a, 256, 64);
    uint8_t *q = allocator_alloc(a, 64, 64);
    assert_ptr_equal(p, primary);
    assert_ptr_equal(q, heap_memory);
    assert_true(allocator_resize(a, q, 64, 128, 64));
    allocator_free(a, q, 128, 64);
    allocator_free(a, p, 256, 64);
    assert_int_equal(stack_fallback_diagnostics(&sf).allocated_bytes, 0);
}

static allocator_diagnostics diagnostics_of(void *subject) {
    return stack_fallback_diagnostics(subject);
}

static void test_malloc_failure_loop_over_it(void **state) {
    (void)state;
    /* 200 in the fixed buffer, 100 and 60 in the fallback (60 does not fit the 56 bytes
     * left), then the last grows there. */
    loop_script s = {.lens = {200, 100, 60},
                     .count = 3,
                     .align = 1,
                     .grow_to = 100,
                     .subject = &sf,
                     .diagnostics = diagnostics_of};
    assert_failure_loop_clean(&s, stack_fallback_allocator(&sf));
    assert_true(block_allocator_is_empty(&heap));
}

static void test_malloc_failure_loop_with_the_fallback_failing(void **state) {
    (void)state;
    failing_allocator f;
    failing_init(&f, block_allocator_allocator(&heap));
    stack_fallback_init(&sf, primary, TEST_PRIMARY_BYTES, failing_allocator_iface(&f));
    loop_script s = {.lens = {200, 100, 60},
                     .count = 3,
                     .align = 1,
                     .grow_to = 100,
                     .via = stack_fallback_allocator(&sf),
                     .subject = &sf,
                     .diagnostics = diagnostics_of};
    /* Only the fallback's calls can fail: 2 allocs and the grow, in each mode. */
    assert_int_equal(assert_failure_loop_clean_under(&s, &f), 3 + 3);
    assert_true(block_allocator_is_empty(&heap));
}

static void test_poisoning_of_both_parts(void **state) {
    (void)state;
    if (!mem_poisoning_enabled()) skip();
    uint8_t *a = stack_fallback_alloc(&sf, 8, 8);
    uint8_t *b = stack_fallback_alloc(&sf, 1000, 8);
    assert_true(mem_is_poisoned(a + 8));
    assert_true(mem_is_poisoned(b + 1000));
    stack_fallback_free(&sf, b, 1000, 8);
    stack_fallback_free(&sf, a, 8, 8);
    assert_true(mem_is_poisoned(a));
    assert_true(mem_is_poisoned(b));
}

static void free_foreign(void *arg) {
    (void)arg;
    static uint8_t other[64] __attribute__((aligned(64)));
    init_fixture(NULL);
    assert_non_null(stack_fallback_alloc(&sf, 1000, 1));
    stack_fallback_free(&sf, other, 64, 1); /* not the fixed buffer's: goes to the fallback */
}

static void test_contract_violations_abort(void **state) {
    (void)state;
    expect_abort(free_foreign, NULL, "assertion failed: block_allocator_owns(ba, ptr)");
}

int main(void) {
#define T(fn) cmocka_unit_test_setup(fn, init_fixture)
    const struct CMUnitTest tests[] = {
        T(test_fixed_buffer_first_then_fallback),
        T(test_resize_goes_to_the_owner_and_never_moves),
        T(test_free_goes_to_the_owner),
        T(test_both_refusing_returns_null),
        T(test_reset_empties_the_fixed_buffer_only),
        T(test_allocator_interface_routes_by_owner),
        T(test_malloc_failure_loop_over_it),
        T(test_malloc_failure_loop_with_the_fallback_failing),
        T(test_poisoning_of_both_parts),
        T(test_contract_violations_abort),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
