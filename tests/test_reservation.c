/* The start-up reservation: mapping, carving, the seal state machine, the allocator
 * interface, the test-only reset and (under ASan) poisoning. */
#include "test_support.h"

#include <errno.h>
#include <sys/mman.h>

#include "alloc/poison.h"
#include "alloc/reservation.h"

#define TEST_CAPACITY_BYTES ((size_t)64 * 1024)

static int map_fixture(void **state) {
    static reservation r;
    if (reservation_map(&r, TEST_CAPACITY_BYTES, 0) != 0) return -1;
    *state = &r;
    return 0;
}

static int unmap_fixture(void **state) {
    reservation *r = *state;
    if (reservation_get_state(r) == RESERVATION_STATIC) reservation_begin_deinit(r);
    reservation_unmap(r);
    return 0;
}

static void test_map_starts_empty_in_init(void **state) {
    reservation *r = *state;
    allocator_diagnostics d = reservation_diagnostics(r);
    assert_int_equal(d.capacity_bytes, TEST_CAPACITY_BYTES);
    assert_int_equal(d.allocated_bytes, 0);
    assert_int_equal(d.peak_allocated_bytes, 0);
    assert_int_equal(d.oom_count, 0);
    assert_int_equal(reservation_get_state(r), RESERVATION_INIT);
    assert_int_equal(reservation_carve_count(r), 0);
    assert_true(reservation_invariants_hold(r));
    assert_false(reservation_is_locked(r));
}

static void test_map_prefaults_every_page(void **state) {
    reservation *r = *state;
    size_t page = (size_t)sysconf(_SC_PAGESIZE);
    size_t pages = (TEST_CAPACITY_BYTES + page - 1) / page;
    unsigned char resident[64];
    assert_true(pages <= sizeof resident);
    assert_int_equal(mincore(r->base, TEST_CAPACITY_BYTES, resident), 0);
    for (size_t i = 0; i < pages; i++)
        assert_int_equal(resident[i] & 1, 1);
}

static void test_carve_aligns_every_power_of_two_up_to_a_page(void **state) {
    reservation *r = *state;
    size_t expected_used = 0;
    for (size_t align = 1; align <= ALLOCATOR_ALIGN_MAX_BYTES; align *= 2) {
        uint8_t *p = reservation_carve(r, 3, align);
        assert_non_null(p);
        assert_int_equal((uintptr_t)p % align, 0);
        assert_true(reservation_owns(r, p));
        size_t offset = (size_t)(p - r->base);
        assert_true(offset >= expected_used);        /* after everything carved so far */
        assert_true(offset - expected_used < align); /* with less than one alignment of padding */
        expected_used = offset + 3;
        p[0] = 1;
        p[2] = 3;
    }
    assert_int_equal(reservation_diagnostics(r).allocated_bytes, expected_used);
    assert_int_equal(reservation_carve_count(r), 13);
    assert_true(reservation_invariants_hold(r));
}

static void test_carve_exhaustion_returns_null_and_changes_nothing(void **state) {
    reservation *r = *state;
    assert_non_null(reservation_carve(r, 100, 1));
    uint8_t *last = reservation_carve(r, TEST_CAPACITY_BYTES - 100, 1);
    assert_non_null(last);
    assert_ptr_equal(last + (TEST_CAPACITY_BYTES - 100), r->base + TEST_CAPACITY_BYTES);
    assert_null(reservation_carve(r, 1, 1));
    allocator_diagnostics d = reservation_diagnostics(r);
    assert_int_equal(d.allocated_bytes, TEST_CAPACITY_BYTES);
    assert_int_equal(d.oom_count, 1);
    assert_int_equal(reservation_carve_count(r), 2);
    assert_true(reservation_invariants_hold(r));
}

static void test_carve_fails_when_only_padding_is_missing(void **state) {
    reservation *r = *state;
    /* 4000 bytes remain and the next page boundary is the end of the region: 100 bytes
     * fit unaligned, but not page-aligned. */
    assert_non_null(reservation_carve(r, TEST_CAPACITY_BYTES - 4000, 1));
    assert_null(reservation_carve(r, 100, 4096));
    assert_int_equal(reservation_diagnostics(r).oom_count, 1);
    assert_int_equal(reservation_diagnostics(r).allocated_bytes, TEST_CAPACITY_BYTES - 4000);
    assert_non_null(reservation_carve(r, 100, 1));
}

static void test_zero_length_carve_consumes_nothing(void **state) {
    reservation *r = *state;
    assert_ptr_equal(reservation_carve(r, 0, 64), ALLOCATOR_ZERO_LENGTH(64));
    assert_int_equal(reservation_diagnostics(r).allocated_bytes, 0);
    assert_int_equal(reservation_carve_count(r), 0);
    allocator a = reservation_allocator(r);
    assert_ptr_equal(allocator_alloc(a, 0, 8), ALLOCATOR_ZERO_LENGTH(8));
    allocator_free(a, ALLOCATOR_ZERO_LENGTH(8), 0, 8);
    assert_false(allocator_resize(a, ALLOCATOR_ZERO_LENGTH(8), 0, 8, 8));
    assert_int_equal(reservation_diagnostics(r).allocated_bytes, 0);
}

static void test_seal_moves_to_static_and_deinit(void **state) {
    reservation *r = *state;
    assert_non_null(reservation_carve(r, 10, 8));
    reservation_seal(r);
    assert_int_equal(reservation_get_state(r), RESERVATION_STATIC);
    assert_true(reservation_invariants_hold(r));
    reservation_begin_deinit(r);
    assert_int_equal(reservation_get_state(r), RESERVATION_DEINIT);
    assert_true(reservation_invariants_hold(r));
}

static void test_allocator_interface_carves_and_never_resizes(void **state) {
    reservation *r = *state;
    allocator a = reservation_allocator(r);
    uint8_t *p = allocator_alloc(a, 32, 16);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 16, 0);
    assert_false(allocator_resize(a, p, 32, 16, 16));
    assert_false(allocator_resize(a, p, 32, 64, 16));
    allocator_free(a, p, 32, 16); /* accepted in INIT, memory stays carved */
    assert_int_equal(reservation_diagnostics(r).allocated_bytes, (size_t)(p - r->base) + 32);
    assert_null(allocator_alloc(a, TEST_CAPACITY_BYTES, 1));
    assert_int_equal(reservation_diagnostics(r).oom_count, 1);
}

static void test_reset_for_testing_returns_to_fresh_init(void **state) {
    reservation *r = *state;
    uint8_t *first = reservation_carve(r, 100, 1);
    assert_null(reservation_carve(r, TEST_CAPACITY_BYTES, 1));
    reservation_seal(r);
    reservation_reset_for_testing(r);
    allocator_diagnostics d = reservation_diagnostics(r);
    assert_int_equal(reservation_get_state(r), RESERVATION_INIT);
    assert_int_equal(d.allocated_bytes, 0);
    assert_int_equal(d.peak_allocated_bytes, 0);
    assert_int_equal(d.oom_count, 0);
    assert_int_equal(reservation_carve_count(r), 0);
    assert_ptr_equal(reservation_carve(r, 100, 1), first);
    assert_true(reservation_invariants_hold(r));
}

static void test_poisoning_marks_only_carved_bytes_addressable(void **state) {
    reservation *r = *state;
    if (!mem_poisoning_enabled()) skip();
    assert_true(mem_is_poisoned(r->base));
    uint8_t *p = reservation_carve(r, 16, 8);
    assert_false(mem_is_poisoned(p));
    assert_false(mem_is_poisoned(p + 15));
    assert_true(mem_is_poisoned(p + 16));
    uint8_t *q = reservation_carve(r, 8, 64); /* leaves padding between p and q */
    assert_true(mem_is_poisoned(q - 8));
    reservation_reset_for_testing(r);
    assert_true(mem_is_poisoned(p));
    assert_true(mem_is_poisoned(q));
}

static void test_init_buffer_uses_caller_memory(void **state) {
    (void)state;
    static uint8_t buffer[256] __attribute__((aligned(64)));
    reservation r;
    reservation_init_buffer(&r, buffer, sizeof buffer);
    uint8_t *p = reservation_carve(&r, 200, 64);
    assert_ptr_equal(p, buffer);
    assert_null(reservation_carve(&r, 57, 1));
    assert_non_null(reservation_carve(&r, 56, 1));
    assert_true(reservation_invariants_hold(&r));
    reservation_unmap(&r);
}

static void test_map_refuses_impossible_size_with_enomem(void **state) {
    (void)state;
    reservation r;
    assert_int_equal(reservation_map(&r, SIZE_MAX / 2, 0), -ENOMEM);
    assert_int_equal(reservation_map(&r, SIZE_MAX, 0), -ENOMEM);
}

static void test_map_with_lock_locks_or_says_why_not(void **state) {
    (void)state;
    reservation r;
    int rc = reservation_map(&r, 4096 * 4, RESERVATION_LOCK);
    if (rc == 0) {
        assert_true(reservation_is_locked(&r));
        reservation_unmap(&r);
    } else {
        /* Without CAP_IPC_LOCK and a small RLIMIT_MEMLOCK the kernel refuses. */
        assert_true(rc == -EPERM || rc == -ENOMEM || rc == -EAGAIN);
    }
}

/* ---- death tests: each runs in a forked child that must abort ---- */

static void carve_after_seal(void *arg) {
    (void)arg;
    reservation r;
    if (reservation_map(&r, 4096, 0) != 0) _exit(3);
    reservation_seal(&r);
    reservation_carve(&r, 1, 1);
}

static void carve_zero_after_seal(void *arg) {
    (void)arg;
    reservation r;
    if (reservation_map(&r, 4096, 0) != 0) _exit(3);
    reservation_seal(&r);
    reservation_carve(&r, 0, 1);
}

static void seal_twice(void *arg) {
    (void)arg;
    reservation r;
    if (reservation_map(&r, 4096, 0) != 0) _exit(3);
    reservation_seal(&r);
    reservation_seal(&r);
}

static void free_while_static(void *arg) {
    (void)arg;
    reservation r;
    if (reservation_map(&r, 4096, 0) != 0) _exit(3);
    void *p = reservation_carve(&r, 8, 8);
    reservation_seal(&r);
    allocator_free(reservation_allocator(&r), p, 8, 8);
}

static void unmap_while_static(void *arg) {
    (void)arg;
    reservation r;
    if (reservation_map(&r, 4096, 0) != 0) _exit(3);
    reservation_seal(&r);
    reservation_unmap(&r);
}

static void deinit_without_seal(void *arg) {
    (void)arg;
    reservation r;
    if (reservation_map(&r, 4096, 0) != 0) _exit(3);
    reservation_begin_deinit(&r);
}

static void carve_with_bad_alignment(void *arg) {
    (void)arg;
    reservation r;
    if (reservation_map(&r, 4096, 0) != 0) _exit(3);
    reservation_carve(&r, 8, 3);
}

static void test_carving_after_the_seal_aborts(void **state) {
    (void)state;
    expect_abort(carve_after_seal, NULL, "assertion failed: r->state == RESERVATION_INIT");
    expect_abort(carve_zero_after_seal, NULL, "assertion failed: r->state == RESERVATION_INIT");
}

static void test_state_machine_violations_abort(void **state) {
    (void)state;
    expect_abort(seal_twice, NULL, "assertion failed: r->state == RESERVATION_INIT");
    expect_abort(free_while_static, NULL, "assertion failed: r->state != RESERVATION_STATIC");
    expect_abort(unmap_while_static, NULL, "assertion failed");
    expect_abort(deinit_without_seal, NULL, "assertion failed: r->state == RESERVATION_STATIC");
    expect_abort(carve_with_bad_alignment, NULL, "allocator_align_valid(align)");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_map_starts_empty_in_init, map_fixture, unmap_fixture),
        cmocka_unit_test_setup_teardown(test_map_prefaults_every_page, map_fixture, unmap_fixture),
        cmocka_unit_test_setup_teardown(test_carve_aligns_every_power_of_two_up_to_a_page,
                                        map_fixture, unmap_fixture),
        cmocka_unit_test_setup_teardown(test_carve_exhaustion_returns_null_and_changes_nothing,
                                        map_fixture, unmap_fixture),
        cmocka_unit_test_setup_teardown(test_carve_fails_when_only_padding_is_missing, map_fixture,
                                        unmap_fixture),
        cmocka_unit_test_setup_teardown(test_zero_length_carve_consumes_nothing, map_fixture,
                                        unmap_fixture),
        cmocka_unit_test_setup_teardown(test_seal_moves_to_static_and_deinit, map_fixture,
                                        unmap_fixture),
        cmocka_unit_test_setup_teardown(test_allocator_interface_carves_and_never_resizes,
                                        map_fixture, unmap_fixture),
        cmocka_unit_test_setup_teardown(test_reset_for_testing_returns_to_fresh_init, map_fixture,
                                        unmap_fixture),
        cmocka_unit_test_setup_teardown(test_poisoning_marks_only_carved_bytes_addressable,
                                        map_fixture, unmap_fixture),
        cmocka_unit_test(test_init_buffer_uses_caller_memory),
        cmocka_unit_test(test_map_refuses_impossible_size_with_enomem),
        cmocka_unit_test(test_map_with_lock_locks_or_says_why_not),
        cmocka_unit_test(test_carving_after_the_seal_aborts),
        cmocka_unit_test(test_state_machine_violations_abort),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
