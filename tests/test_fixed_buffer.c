/* The fixed buffer (bump) allocator: Zig FixedBufferAllocator semantics, exhaustion,
 * alignment up to a page, zero-length requests, last-block-only resize/free, reset,
 * diagnostics, the allocator interface, poisoning and contract violations. */
#include "test_support.h"

#include "alloc/fixed_buffer.h"
#include "alloc/poison.h"

#define TEST_BUFFER_BYTES ((size_t)3 * 4096)

static uint8_t buffer[TEST_BUFFER_BYTES] __attribute__((aligned(4096)));
static fixed_buffer fb;

static int init_fixture(void **state) {
    fixed_buffer_init(&fb, buffer, TEST_BUFFER_BYTES);
    *state = &fb;
    return 0;
}

static size_t end_of(const fixed_buffer *f) { return fixed_buffer_diagnostics(f).allocated_bytes; }

static void test_alloc_bumps_in_order(void **state) {
    (void)state;
    uint8_t *a = fixed_buffer_alloc(&fb, 10, 1);
    uint8_t *b = fixed_buffer_alloc(&fb, 20, 1);
    assert_ptr_equal(a, buffer);
    assert_ptr_equal(b, buffer + 10);
    assert_int_equal(end_of(&fb), 30);
    assert_true(fixed_buffer_is_last(&fb, b, 20));
    assert_false(fixed_buffer_is_last(&fb, a, 10));
    assert_true(fixed_buffer_invariants_hold(&fb));
}

static void test_alignment_up_to_a_page_counts_padding(void **state) {
    (void)state;
    size_t used = 0;
    for (size_t align = 1; align <= 4096; align *= 2) {
        assert_non_null(fixed_buffer_alloc(&fb, 1, 1)); /* misalign the end */
        used++;
        uint8_t *p = fixed_buffer_alloc(&fb, 5, align);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % align, 0);
        size_t offset = (size_t)(p - buffer);
        assert_true(offset >= used && offset - used < align);
        used = offset + 5;
        assert_int_equal(end_of(&fb), used);
    }
}

static void test_exact_fit_then_exhaustion_changes_nothing(void **state) {
    (void)state;
    assert_non_null(fixed_buffer_alloc(&fb, TEST_BUFFER_BYTES - 1, 1));
    assert_null(fixed_buffer_alloc(&fb, 2, 1));
    assert_int_equal(end_of(&fb), TEST_BUFFER_BYTES - 1);
    uint8_t *last = fixed_buffer_alloc(&fb, 1, 1);
    assert_ptr_equal(last, buffer + TEST_BUFFER_BYTES - 1);
    assert_null(fixed_buffer_alloc(&fb, 1, 1));
    allocator_diagnostics d = fixed_buffer_diagnostics(&fb);
    assert_int_equal(d.capacity_bytes, TEST_BUFFER_BYTES);
    assert_int_equal(d.allocated_bytes, TEST_BUFFER_BYTES);
    assert_int_equal(d.peak_allocated_bytes, TEST_BUFFER_BYTES);
    assert_int_equal(d.oom_count, 2);
}

static void test_padding_alone_can_exhaust(void **state) {
    (void)state;
    assert_non_null(fixed_buffer_alloc(&fb, TEST_BUFFER_BYTES - 100, 1));
    /* 100 bytes left, but the next 4096-aligned address is the end of the buffer. */
    assert_null(fixed_buffer_alloc(&fb, 1, 4096));
    assert_non_null(fixed_buffer_alloc(&fb, 100, 4));
}

static void test_zero_length_requests_own_nothing(void **state) {
    (void)state;
    assert_ptr_equal(fixed_buffer_alloc(&fb, 0, 16), ALLOCATOR_ZERO_LENGTH(16));
    assert_int_equal(end_of(&fb), 0);
    allocator a = fixed_buffer_allocator(&fb);
    void *z = allocator_alloc(a, 0, 4096);
    assert_ptr_equal(z, ALLOCATOR_ZERO_LENGTH(4096));
    assert_false(allocator_resize(a, z, 0, 10, 4096));
    allocator_free(a, z, 0, 4096);
    assert_int_equal(end_of(&fb), 0);
    assert_int_equal(fixed_buffer_diagnostics(&fb).oom_count, 0);
}

static void test_resize_last_grows_and_shrinks_in_place(void **state) {
    (void)state;
    uint8_t *a = fixed_buffer_alloc(&fb, 8, 1);
    uint8_t *b = fixed_buffer_alloc(&fb, 8, 1);
    memset(b, 0x5a, 8);
    assert_true(fixed_buffer_resize(&fb, b, 8, 100, 1));
    assert_int_equal(end_of(&fb), 108);
    assert_int_equal(b[7], 0x5a);
    assert_true(fixed_buffer_resize(&fb, b, 100, 4, 1));
    assert_int_equal(end_of(&fb), 12);
    assert_true(fixed_buffer_resize(&fb, b, 4, TEST_BUFFER_BYTES - 8, 1));
    assert_false(fixed_buffer_resize(&fb, b, TEST_BUFFER_BYTES - 8, TEST_BUFFER_BYTES - 7, 1));
    assert_int_equal(fixed_buffer_diagnostics(&fb).oom_count, 1);
    assert_int_equal(end_of(&fb), TEST_BUFFER_BYTES);
    (void)a;
}

static void test_resize_non_last_only_shrinks_and_moves_nothing(void **state) {
    (void)state;
    uint8_t *a = fixed_buffer_alloc(&fb, 16, 1);
    assert_non_null(fixed_buffer_alloc(&fb, 16, 1));
    assert_false(fixed_buffer_resize(&fb, a, 16, 17, 1));
    assert_true(fixed_buffer_resize(&fb, a, 16, 4, 1));
    assert_true(fixed_buffer_resize(&fb, a, 4, 4, 1));
    assert_int_equal(end_of(&fb), 32);
    assert_int_equal(fixed_buffer_diagnostics(&fb).oom_count, 0);
}

static void test_free_last_moves_end_back_free_other_is_noop(void **state) {
    (void)state;
    uint8_t *a = fixed_buffer_alloc(&fb, 1, 1);
    uint8_t *b = fixed_buffer_alloc(&fb, 8, 8); /* 7 bytes of padding before b */
    assert_int_equal(end_of(&fb), 16);
    fixed_buffer_free(&fb, a, 1, 1);
    assert_int_equal(end_of(&fb), 16);
    fixed_buffer_free(&fb, b, 8, 8);
    assert_int_equal(end_of(&fb), 8); /* the padding stays: only len comes back */
    uint8_t *c = fixed_buffer_alloc(&fb, 8, 8);
    assert_ptr_equal(c, b);
    assert_int_equal(fixed_buffer_diagnostics(&fb).peak_allocated_bytes, 16);
}

static void test_reset_forgets_everything(void **state) {
    (void)state;
    assert_non_null(fixed_buffer_alloc(&fb, 100, 1));
    assert_null(fixed_buffer_alloc(&fb, TEST_BUFFER_BYTES, 1));
    fixed_buffer_reset(&fb);
    allocator_diagnostics d = fixed_buffer_diagnostics(&fb);
    assert_int_equal(d.allocated_bytes, 0);
    assert_int_equal(d.peak_allocated_bytes, 0);
    assert_int_equal(d.oom_count, 1); /* counts since init */
    assert_ptr_equal(fixed_buffer_alloc(&fb, TEST_BUFFER_BYTES, 1), buffer);
    assert_true(fixed_buffer_invariants_hold(&fb));
}

static void test_allocator_interface_routes_to_the_buffer(void **state) {
    (void)state;
    allocator a = fixed_buffer_allocator(&fb);
    uint8_t *p = allocator_alloc(a, 64, 64);
    assert_ptr_equal(p, buffer);
    assert_true(allocator_resize(a, p, 64, 128, 64));
    assert_int_equal(end_of(&fb), 128);
    allocator_free(a, p, 128, 64);
    assert_int_equal(end_of(&fb), 0);
    assert_null(allocator_alloc(a, TEST_BUFFER_BYTES + 1, 1));
    assert_int_equal(fixed_buffer_diagnostics(&fb).oom_count, 1);
}

static void test_empty_buffer_serves_nothing(void **state) {
    (void)state;
    fixed_buffer empty;
    fixed_buffer_init(&empty, buffer, 0);
    assert_null(fixed_buffer_alloc(&empty, 1, 1));
    assert_ptr_equal(fixed_buffer_alloc(&empty, 0, 1), ALLOCATOR_ZERO_LENGTH(1));
    assert_int_equal(fixed_buffer_diagnostics(&empty).oom_count, 1);
    assert_true(fixed_buffer_invariants_hold(&empty));
}

static void test_owns_is_the_buffer_range(void **state) {
    (void)state;
    assert_true(fixed_buffer_owns(&fb, buffer));
    assert_true(fixed_buffer_owns(&fb, buffer + TEST_BUFFER_BYTES - 1));
    assert_false(fixed_buffer_owns(&fb, buffer + TEST_BUFFER_BYTES));
    assert_false(fixed_buffer_owns(&fb, (const void *)((uintptr_t)buffer - 1)));
}

static void test_poisoning_follows_the_end_index(void **state) {
    (void)state;
    if (!mem_poisoning_enabled()) skip();
    assert_true(mem_is_poisoned(buffer));
    uint8_t *a = fixed_buffer_alloc(&fb, 16, 8);
    assert_false(mem_is_poisoned(a + 15));
    assert_true(mem_is_poisoned(a + 16));
    assert_true(fixed_buffer_resize(&fb, a, 16, 8, 8));
    assert_true(mem_is_poisoned(a + 8));
    fixed_buffer_free(&fb, a, 8, 8);
    assert_true(mem_is_poisoned(a));
    uint8_t *b = fixed_buffer_alloc(&fb, 32, 8);
    assert_false(mem_is_poisoned(b + 31));
    fixed_buffer_reset(&fb);
    assert_true(mem_is_poisoned(b));
}

/* ---- contract violations abort ---- */

static void resize_to_zero(void *arg) {
    (void)arg;
    fixed_buffer_init(&fb, buffer, TEST_BUFFER_BYTES);
    void *p = fixed_buffer_alloc(&fb, 8, 1);
    fixed_buffer_resize(&fb, p, 8, 0, 1);
}

static void free_foreign_pointer(void *arg) {
    (void)arg;
    static uint8_t other[16];
    fixed_buffer_init(&fb, buffer, TEST_BUFFER_BYTES);
    fixed_buffer_free(&fb, other, 16, 1);
}

static void free_with_wrong_alignment(void *arg) {
    (void)arg;
    fixed_buffer_init(&fb, buffer, TEST_BUFFER_BYTES);
    assert_non_null(fixed_buffer_alloc(&fb, 1, 1));
    void *p = fixed_buffer_alloc(&fb, 8, 1); /* at offset 1 */
    fixed_buffer_free(&fb, p, 8, 8);
}

static void alloc_with_non_power_of_two_alignment(void *arg) {
    (void)arg;
    fixed_buffer_init(&fb, buffer, TEST_BUFFER_BYTES);
    fixed_buffer_alloc(&fb, 8, 24);
}

static void test_contract_violations_abort(void **state) {
    (void)state;
    expect_abort(resize_to_zero, NULL, "assertion failed: new_len > 0");
    expect_abort(free_foreign_pointer, NULL, "assertion failed: fixed_buffer_owns(fb, ptr)");
    expect_abort(free_with_wrong_alignment, NULL,
                 "assertion failed: ((uintptr_t)ptr & (align - 1u)) == 0u");
    expect_abort(alloc_with_non_power_of_two_alignment, NULL, "allocator_align_valid(align)");
}

int main(void) {
#define T(fn) cmocka_unit_test_setup(fn, init_fixture)
    const struct CMUnitTest tests[] = {
        T(test_alloc_bumps_in_order),
        T(test_alignment_up_to_a_page_counts_padding),
        T(test_exact_fit_then_exhaustion_changes_nothing),
        T(test_padding_alone_can_exhaust),
        T(test_zero_length_requests_own_nothing),
        T(test_resize_last_grows_and_shrinks_in_place),
        T(test_resize_non_last_only_shrinks_and_moves_nothing),
        T(test_free_last_moves_end_back_free_other_is_noop),
        T(test_reset_forgets_everything),
        T(test_allocator_interface_routes_to_the_buffer),
        T(test_empty_buffer_serves_nothing),
        T(test_owns_is_the_buffer_range),
        T(test_poisoning_follows_the_end_index),
        T(test_contract_violations_abort),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
