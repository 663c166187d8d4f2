/* The byte pool: sizing of the caller memory, reserve / write / append / release by slot
 * index, writes that do not fit change nothing, LIFO reuse, exhaustion, reset, diagnostics and
 * stored bytes, the allocator interface (a block is a slot), the malloc-failure loop,
 * poisoning and contract violations. */
#include "test_support.h"

#include "alloc/byte_pool.h"
#include "alloc/poison.h"

#define TEST_MEMORY_BYTES ((size_t)16 * 1024)

static uint8_t memory[TEST_MEMORY_BYTES] __attribute__((aligned(4096)));
static byte_pool bp;

/* 8 slots of 16 bytes. */
static const byte_pool_params default_params = {.slot_count = 8, .slot_bytes = 16};

static void init_with(byte_pool_params p) {
    byte_pool_init(&bp, memory, byte_pool_memory_bytes(p), p);
}

static int init_fixture(void **state) {
    (void)state;
    init_with(default_params);
    return 0;
}

static void assert_slot_holds(uint32_t slot, const char *text) {
    size_t len = strlen(text);
    assert_int_equal(byte_pool_length(&bp, slot), len);
    assert_memory_equal(byte_pool_bytes(&bp, slot), text, len);
}

/* ---- sizing ---- */

static void test_memory_bytes_is_slots_then_state_words(void **state) {
    (void)state;
    assert_int_equal(byte_pool_memory_bytes((byte_pool_params){8, 16}), 128 + 32);
    assert_int_equal(byte_pool_memory_bytes((byte_pool_params){3, 5}), 16 + 12); /* 15 -> 16 */
    assert_int_equal(byte_pool_memory_bytes((byte_pool_params){1000, 64}), 64000 + 4000);
}

static void test_slot_align_is_low_bit_of_slot_size_up_to_16(void **state) {
    (void)state;
    assert_int_equal(byte_pool_slot_align((byte_pool_params){1, 16}), 16);
    assert_int_equal(byte_pool_slot_align((byte_pool_params){1, 64}), 16);
    assert_int_equal(byte_pool_slot_align((byte_pool_params){1, 24}), 8);
    assert_int_equal(byte_pool_slot_align((byte_pool_params){1, 5}), 1);
}

static void test_params_valid_rejects_out_of_range(void **state) {
    (void)state;
    assert_true(byte_pool_params_valid(default_params));
    assert_false(byte_pool_params_valid((byte_pool_params){0, 16}));
    assert_false(byte_pool_params_valid((byte_pool_params){8, 0}));
    assert_false(byte_pool_params_valid((byte_pool_params){BYTE_POOL_SLOT_COUNT_MAX + 1u, 1}));
    assert_false(byte_pool_params_valid((byte_pool_params){8, BYTE_POOL_SLOT_BYTES_MAX + 1u}));
}

/* ---- the slot API ---- */

static void test_reserve_write_read_release(void **state) {
    (void)state;
    uint32_t k = byte_pool_reserve(&bp);
    uint32_t v = byte_pool_reserve(&bp);
    assert_int_equal(k, 0);
    assert_int_equal(v, 1);
    assert_int_equal(byte_pool_length(&bp, k), 0);
    assert_true(byte_pool_write(&bp, k, "key", 3));
    assert_true(byte_pool_write(&bp, v, "value", 5));
    assert_slot_holds(k, "key");
    assert_slot_holds(v, "value");
    assert_true(byte_pool_write(&bp, v, "v2", 2)); /* replaces */
    assert_slot_holds(v, "v2");
    assert_int_equal(byte_pool_stored_bytes(&bp), 5);
    byte_pool_release(&bp, k);
    assert_false(byte_pool_is_live(&bp, k));
    assert_true(byte_pool_is_live(&bp, v));
    assert_int_equal(byte_pool_stored_bytes(&bp), 2);
    assert_int_equal(byte_pool_live_count(&bp), 1);
    assert_true(byte_pool_invariants_hold_full(&bp));
}

static void test_write_longer_than_slot_fails_changing_nothing(void **state) {
    (void)state;
    uint32_t s = byte_pool_reserve(&bp);
    assert_true(byte_pool_write(&bp, s, "0123456789abcdef", 16)); /* exactly S */
    assert_false(byte_pool_write(&bp, s, "0123456789abcdefg", 17));
    assert_slot_holds(s, "0123456789abcdef");
    assert_true(byte_pool_write(&bp, s, "short", 5));
    assert_false(byte_pool_append(&bp, s, "0123456789a", 12)); /* 5 + 12 > 16 */
    assert_slot_holds(s, "short");
    assert_true(byte_pool_append(&bp, s, "0123456789a", 11)); /* exactly S */
    assert_slot_holds(s, "short0123456789a");
    assert_int_equal(byte_pool_stored_bytes(&bp), 16);
    assert_int_equal(byte_pool_diagnostics(&bp).oom_count, 0);
}

static void test_write_from_the_slot_itself(void **state) {
    (void)state;
    uint32_t s = byte_pool_reserve(&bp);
    assert_true(byte_pool_write(&bp, s, "abcdef", 6));
    assert_true(byte_pool_write(&bp, s, byte_pool_bytes(&bp, s) + 2, 4));
    assert_slot_holds(s, "cdef");
    assert_true(byte_pool_append(&bp, s, byte_pool_bytes(&bp, s), 4));
    assert_slot_holds(s, "cdefcdef");
    assert_true(byte_pool_write(&bp, s, NULL, 0));
    assert_slot_holds(s, "");
}

static void test_released_slots_come_back_lifo_then_fresh(void **state) {
    (void)state;
    for (uint32_t i = 0; i < 4; i++)
        assert_int_equal(byte_pool_reserve(&bp), i);
    byte_pool_release(&bp, 1);
    byte_pool_release(&bp, 3);
    assert_int_equal(byte_pool_reserve(&bp), 3);
    assert_int_equal(byte_pool_reserve(&bp), 1);
    assert_int_equal(byte_pool_reserve(&bp), 4);
    assert_int_equal(byte_pool_length(&bp, 3), 0); /* a reused slot starts empty */
}

static void test_exhaustion_returns_none(void **state) {
    (void)state;
    for (uint32_t i = 0; i < 8; i++)
        assert_int_equal(byte_pool_reserve(&bp), i);
    assert_int_equal(byte_pool_reserve(&bp), BYTE_POOL_NONE);
    allocator_diagnostics d = byte_pool_diagnostics(&bp);
    assert_int_equal(d.capacity_bytes, 128);
    assert_int_equal(d.allocated_bytes, 128);
    assert_int_equal(d.peak_allocated_bytes, 128);
    assert_int_equal(d.oom_count, 1);
    assert_false(byte_pool_is_live(&bp, BYTE_POOL_NONE));
}

static void test_reset_frees_every_slot(void **state) {
    (void)state;
    uint32_t s = byte_pool_reserve(&bp);
    assert_true(byte_pool_write(&bp, s, "x", 1));
    byte_pool_reset(&bp);
    assert_false(byte_pool_is_live(&bp, s));
    assert_int_equal(byte_pool_stored_bytes(&bp), 0);
    assert_int_equal(byte_pool_diagnostics(&bp).peak_allocated_bytes, 0);
    assert_int_equal(byte_pool_reserve(&bp), 0);
    assert_true(byte_pool_invariants_hold_full(&bp));
}

/* ---- the allocator interface ---- */

static void test_interface_blocks_are_slots(void **state) {
    (void)state;
    allocator a = byte_pool_allocator(&bp);
    uint8_t *p = allocator_alloc(a, 10, 16);
    assert_ptr_equal(p, memory);
    assert_int_equal(byte_pool_slot_of(&bp, p), 0);
    assert_int_equal(byte_pool_length(&bp, 0), 10);
    assert_true(allocator_resize(a, p, 10, 16, 16));
    assert_false(allocator_resize(a, p, 16, 17, 16));
    assert_int_equal(byte_pool_stored_bytes(&bp), 16);
    allocator_free(a, p, 16, 16);
    assert_false(byte_pool_is_live(&bp, 0));
    assert_null(allocator_alloc(a, 17, 1)); /* longer than a slot */
    assert_null(allocator_alloc(a, 8, 32)); /* more aligned than a slot */
    assert_int_equal(byte_pool_diagnostics(&bp).oom_count, 0);
}

static allocator_diagnostics diagnostics_of(void *subject) {
    return byte_pool_diagnostics(subject);
}

static void test_malloc_failure_loop_leaves_the_pool_unchanged(void **state) {
    (void)state;
    assert_int_equal(byte_pool_reserve(&bp), 0);
    loop_script s = {.lens = {16, 3, 9},
                     .count = 3,
                     .align = 1,
                     .grow_to = 12,
                     .subject = &bp,
                     .diagnostics = diagnostics_of};
    assert_failure_loop_clean(&s, byte_pool_allocator(&bp));
    assert_int_equal(byte_pool_live_count(&bp), 1);
    assert_true(byte_pool_invariants_hold_full(&bp));
}

static void test_poisoning_follows_the_length(void **state) {
    (void)state;
    if (!mem_poisoning_enabled()) skip();
    uint32_t s = byte_pool_reserve(&bp);
    uint8_t *bytes = memory + 16 * s;
    assert_true(mem_is_poisoned(bytes)); /* empty */
    assert_true(byte_pool_write(&bp, s, "0123456789", 10));
    assert_false(mem_is_poisoned(bytes + 9));
    assert_true(mem_is_poisoned(bytes + 10));
    assert_true(byte_pool_write(&bp, s, "01", 2));
    assert_true(mem_is_poisoned(bytes + 8));
    byte_pool_release(&bp, s);
    assert_true(mem_is_poisoned(bytes));
    assert_false(mem_is_poisoned(memory + 128)); /* the state words */
    assert_true(byte_pool_invariants_hold_full(&bp));
}

/* ---- contract violations abort ---- */

static void release_twice(void *arg) {
    (void)arg;
    init_with(default_params);
    uint32_t s = byte_pool_reserve(&bp);
    byte_pool_release(&bp, s);
    byte_pool_release(&bp, s);
}

static void write_never_reserved(void *arg) {
    (void)arg;
    init_with(default_params);
    byte_pool_write(&bp, 3, "x", 1);
}

static void bytes_of_none(void *arg) {
    (void)arg;
    init_with(default_params);
    byte_pool_bytes(&bp, BYTE_POOL_NONE);
}

static void interface_free_wrong_length(void *arg) {
    (void)arg;
    init_with(default_params);
    allocator a = byte_pool_allocator(&bp);
    void *p = allocator_alloc(a, 10, 1);
    allocator_free(a, p, 9, 1);
}

static void interface_free_interior(void *arg) {
    (void)arg;
    init_with(default_params);
    allocator a = byte_pool_allocator(&bp);
    uint8_t *p = allocator_alloc(a, 10, 1);
    allocator_free(a, p + 1, 9, 1);
}

static void init_misaligned(void *arg) {
    (void)arg;
    byte_pool_init(&bp, memory + 8, byte_pool_memory_bytes(default_params), default_params);
}

static void test_contract_violations_abort(void **state) {
    (void)state;
    expect_abort(release_twice, NULL, "assertion failed: (bp->state[slot] & FREE_TAG) == 0u");
    expect_abort(write_never_reserved, NULL, "assertion failed: slot < bp->fresh");
    expect_abort(bytes_of_none, NULL, "assertion failed: slot < bp->fresh");
    expect_abort(interface_free_wrong_length, NULL, "assertion failed: bp->state[slot] == len");
    expect_abort(interface_free_interior, NULL, "divider_divides(&bp->by_slot, p - base)");
    expect_abort(init_misaligned, NULL, "% BYTE_POOL_MEMORY_ALIGN_BYTES == 0");
}

int main(void) {
#define T(fn) cmocka_unit_test_setup(fn, init_fixture)
    const struct CMUnitTest tests[] = {
        T(test_memory_bytes_is_slots_then_state_words),
        T(test_slot_align_is_low_bit_of_slot_size_up_to_16),
        T(test_params_valid_rejects_out_of_range),
        T(test_reserve_write_read_release),
        T(test_write_longer_than_slot_fails_changing_nothing),
        T(test_write_from_the_slot_itself),
        T(test_released_slots_come_back_lifo_then_fresh),
        T(test_exhaustion_returns_none),
        T(test_reset_frees_every_slot),
        T(test_interface_blocks_are_slots),
        T(test_malloc_failure_loop_leaves_the_pool_unchanged),
        T(test_poisoning_follows_the_length),
        T(test_contract_violations_abort),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
