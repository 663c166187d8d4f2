/* The checking wrapper over a block allocator: guard layout and sizing, each error it detects
 * (double free, invalid pointer, wrong length, wrong alignment, guards overwritten before and
 * after, a one-byte overflow ASan's granules miss) in report mode and in abort mode, poison on
 * free, the memory limit and block limit, the leak list and report, the table under churn,
 * diagnostics, the malloc-failure loop on both sides, poisoning of the guards. */
#include "test_support.h"

#include "alloc/block_allocator.h"
#include "alloc/checking.h"
#include "alloc/failing.h"
#include "alloc/poison.h"

#define TEST_CHILD_BYTES ((size_t)8 * 1024)
#define TEST_BLOCKS_MAX  32u

static uint8_t child_memory[TEST_CHILD_BYTES] __attribute__((aligned(4096)));
static checking_block table[2 * TEST_BLOCKS_MAX];
static block_allocator child;
static checking chk;
static allocator a;

static checking_params params_with(uint32_t guard, size_t limit, checking_on_error on_error) {
    return (checking_params){.blocks_max = TEST_BLOCKS_MAX,
                             .guard_bytes = guard,
                             .limit_bytes = limit,
                             .on_error = on_error};
}

static void init_with(checking_params p, allocator under) {
    checking_init(&chk, under, table, checking_memory_bytes(p), p);
    a = checking_allocator(&chk);
}

/* 256 child blocks of 16 bytes; 8 guard bytes, no limit, report mode. */
static int init_fixture(void **state) {
    (void)state;
    block_allocator_params p = {.block_count = 256, .block_bytes = 16};
    block_allocator_init(&child, child_memory, block_allocator_memory_bytes(p), p);
    init_with(params_with(8, CHECKING_NO_LIMIT, CHECKING_REPORT),
              block_allocator_allocator(&child));
    return 0;
}

static size_t child_blocks(void) {
    return block_allocator_diagnostics(&child).allocated_bytes / 16;
}

/* A bug's write, uninstrumented (under ASan the guards are poisoned). */
STASIS_NO_ASAN static void scribble(uint8_t *p) { *p = 0; }

STASIS_NO_ASAN static uint8_t peek(const uint8_t *p) { return *p; }

static void assert_error(uint64_t count, checking_error last, const void *ptr) {
    assert_int_equal(checking_error_count(&chk), count);
    assert_int_equal(checking_last_error(&chk), last);
    assert_ptr_equal(checking_last_error_pointer(&chk), ptr);
}

/* ---- sizing and layout ---- */

static void test_memory_bytes_is_a_table_twice_blocks_max(void **state) {
    (void)state;
    size_t entry = sizeof(checking_block);
    assert_int_equal(entry, 32);
    assert_int_equal(checking_memory_bytes((checking_params){.blocks_max = 1}), 2 * entry);
    assert_int_equal(checking_memory_bytes((checking_params){.blocks_max = 3}), 8 * entry);
    assert_int_equal(checking_memory_bytes((checking_params){.blocks_max = 64}), 128 * entry);
    assert_false(checking_params_valid((checking_params){.blocks_max = 0}));
    assert_false(checking_params_valid((checking_params){.blocks_max = 1, .guard_bytes = 257}));
}

static void test_guards_surround_each_block(void **state) {
    (void)state;
    uint8_t *p = allocator_alloc(a, 5, 1); /* child: 8 + 5 + 8 = 21 bytes, 2 blocks */
    assert_ptr_equal(p, child_memory + 8);
    assert_int_equal(child_blocks(), 2);
    for (size_t i = 1; i <= 8; i++)
        assert_int_equal(peek(p - i), CHECKING_GUARD_BYTE);
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(peek(p + 5 + i), CHECKING_GUARD_BYTE);
    uint8_t *q = allocator_alloc(a, 16, 64); /* the lead rounds 8 up to 64 */
    assert_int_equal((uintptr_t)q % 64, 0);
    assert_int_equal(child_blocks(), 2 + 6); /* 64 + 16 + 8 = 88 bytes */
    assert_int_equal(checking_verify_guards(&chk), 0);
    assert_true(checking_invariants_hold_full(&chk));
}

static void test_free_poisons_the_bytes_then_returns_them(void **state) {
    (void)state;
    uint8_t *p = allocator_alloc(a, 24, 8);
    memset(p, 0x11, 24);
    allocator_free(a, p, 24, 8);
    for (size_t i = 0; i < 24; i++)
        assert_int_equal(peek(p + i), CHECKING_FREED_BYTE);
    assert_true(block_allocator_is_empty(&child));
    assert_int_equal(checking_live_count(&chk), 0);
    assert_int_equal(checking_error_count(&chk), 0);
}

static void test_resize_moves_the_trailing_guard(void **state) {
    (void)state;
    uint8_t *p = allocator_alloc(a, 10, 1);
    memset(p, 0x22, 10);
    assert_true(allocator_resize(a, p, 10, 40, 1));
    assert_int_equal(p[9], 0x22);
    assert_int_equal(peek(p + 40), CHECKING_GUARD_BYTE);
    assert_true(allocator_resize(a, p, 40, 3, 1));
    assert_int_equal(peek(p + 3), CHECKING_GUARD_BYTE);
    assert_int_equal(checking_verify_guards(&chk), 0);
    allocator_free(a, p, 3, 1);
    assert_true(block_allocator_is_empty(&child));
}

/* ---- errors, report mode ---- */

static void test_double_free_is_reported_and_ignored(void **state) {
    (void)state;
    uint8_t *p = allocator_alloc(a, 16, 1);
    allocator_free(a, p, 16, 1);
    allocator_free(a, p, 16, 1);
    assert_error(1, CHECKING_DOUBLE_FREE, p);
    assert_true(block_allocator_is_empty(&child));
    assert_false(allocator_resize(a, p, 16, 8, 1));
    assert_error(2, CHECKING_DOUBLE_FREE, p);
}

static void test_invalid_pointer_is_reported_and_ignored(void **state) {
    (void)state;
    static uint8_t elsewhere[16];
    uint8_t *p = allocator_alloc(a, 16, 1);
    allocator_free(a, p + 1, 15, 1);
    assert_error(1, CHECKING_INVALID_POINTER, p + 1);
    allocator_free(a, elsewhere, 16, 1);
    assert_error(2, CHECKING_INVALID_POINTER, elsewhere);
    assert_int_equal(checking_live_count(&chk), 1);
    assert_int_equal(child_blocks(), 2);
}

static void test_wrong_length_or_alignment_is_reported_and_ignored(void **state) {
    (void)state;
    uint8_t *p = allocator_alloc(a, 16, 8);
    allocator_free(a, p, 17, 8);
    assert_error(1, CHECKING_WRONG_LENGTH, p);
    allocator_free(a, p, 16, 16);
    assert_error(2, CHECKING_WRONG_ALIGNMENT, p);
    assert_false(allocator_resize(a, p, 15, 20, 8));
    assert_error(3, CHECKING_WRONG_LENGTH, p);
    assert_int_equal(checking_live_count(&chk), 1);
    allocator_free(a, p, 16, 8);
    assert_int_equal(checking_error_count(&chk), 3);
    assert_true(block_allocator_is_empty(&child));
}

static void test_overwritten_guards_are_reported_and_the_free_goes_ahead(void **state) {
    (void)state;
    uint8_t *p = allocator_alloc(a, 5, 1);
    uint8_t *q = allocator_alloc(a, 5, 1);
    scribble(p + 5); /* one byte past a 5-byte block: the pattern check finds it */
    scribble(q - 3);
    assert_int_equal(checking_verify_guards(&chk), 2);
    assert_int_equal(checking_error_count(&chk), 2);
    allocator_free(a, p, 5, 1);
    assert_error(3, CHECKING_GUARD_AFTER, p);
    allocator_free(a, q, 5, 1);
    assert_error(4, CHECKING_GUARD_BEFORE, q);
    assert_true(block_allocator_is_empty(&child));
}

/* ---- errors, abort mode ---- */

static void init_abort_mode(void) {
    init_fixture(NULL);
    init_with(params_with(8, CHECKING_NO_LIMIT, CHECKING_ABORT), block_allocator_allocator(&child));
}

static void abort_double_free(void *arg) {
    (void)arg;
    init_abort_mode();
    void *p = allocator_alloc(a, 16, 1);
    allocator_free(a, p, 16, 1);
    allocator_free(a, p, 16, 1);
}

static void abort_wrong_length(void *arg) {
    (void)arg;
    init_abort_mode();
    void *p = allocator_alloc(a, 16, 1);
    allocator_free(a, p, 12, 1);
}

static void abort_guard_after(void *arg) {
    (void)arg;
    init_abort_mode();
    uint8_t *p = allocator_alloc(a, 16, 1);
    scribble(p + 16);
    allocator_free(a, p, 16, 1);
}

static void abort_invalid_pointer(void *arg) {
    (void)arg;
    init_abort_mode();
    uint8_t *p = allocator_alloc(a, 16, 1);
    assert_false(allocator_resize(a, p + 8, 8, 4, 1));
}

static void test_abort_mode_names_the_error_and_the_block(void **state) {
    (void)state;
    expect_abort(abort_double_free, NULL, "checking: double free at 0x");
    /* A freed block has no record: the message names the call only. */
    expect_abort(abort_double_free, NULL, " (called with len 16 align 1) (");
    expect_abort(abort_wrong_length, NULL, "checking: wrong length at 0x");
    expect_abort(abort_wrong_length, NULL, "(called with len 12 align 1; block #1 has len 16");
    expect_abort(abort_guard_after, NULL, "checking: guard after the block overwritten");
    expect_abort(abort_invalid_pointer, NULL, "checking: invalid pointer at 0x");
}

/* ---- limits ---- */

static void test_memory_limit_refuses_allocs_and_growth(void **state) {
    (void)state;
    init_with(params_with(8, 100, CHECKING_REPORT), block_allocator_allocator(&child));
    uint8_t *p = allocator_alloc(a, 60, 1);
    assert_non_null(p);
    assert_null(allocator_alloc(a, 41, 1));
    assert_non_null(allocator_alloc(a, 40, 1));
    assert_false(allocator_resize(a, p, 60, 61, 1));
    assert_true(allocator_resize(a, p, 60, 10, 1));
    assert_true(allocator_resize(a, p, 10, 60, 1));
    allocator_diagnostics d = checking_diagnostics(&chk);
    assert_int_equal(d.capacity_bytes, 100);
    assert_int_equal(d.allocated_bytes, 100);
    assert_int_equal(d.peak_allocated_bytes, 100);
    assert_int_equal(d.oom_count, 2);
}

static void test_blocks_max_refuses_one_more(void **state) {
    (void)state;
    for (uint32_t i = 0; i < TEST_BLOCKS_MAX; i++)
        assert_non_null(allocator_alloc(a, 1, 1));
    assert_null(allocator_alloc(a, 1, 1));
    assert_int_equal(checking_diagnostics(&chk).oom_count, 1);
    assert_true(checking_invariants_hold_full(&chk));
}

static void test_table_survives_churn_in_any_order(void **state) {
    (void)state;
    void *p[TEST_BLOCKS_MAX];
    for (uint32_t round = 0; round < 4; round++) {
        for (uint32_t i = 0; i < TEST_BLOCKS_MAX; i++)
            assert_non_null(p[i] = allocator_alloc(a, 1 + i % 7, 1));
        /* A stride coprime with 32 visits every block in a scrambled order. */
        for (uint32_t k = 0; k < TEST_BLOCKS_MAX; k++) {
            uint32_t i = (k * 13u + round) % TEST_BLOCKS_MAX;
            allocator_free(a, p[i], 1 + i % 7, 1);
            assert_true(checking_invariants_hold_full(&chk));
        }
    }
    assert_int_equal(checking_error_count(&chk), 0);
    assert_true(block_allocator_is_empty(&child));
}

/* ---- leaks ---- */

static void test_live_blocks_and_the_leak_report(void **state) {
    (void)state;
    void *p = allocator_alloc(a, 5, 1);
    void *q = allocator_alloc(a, 24, 8);
    allocator_free(a, p, 5, 1);
    checking_block listed[4];
    assert_int_equal(checking_live_blocks(&chk, listed, 4), 1);
    assert_ptr_equal(listed[0].ptr, q);
    assert_int_equal(listed[0].len, 24);
    assert_int_equal(listed[0].align, 8);
    assert_int_equal(listed[0].serial, 2);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    assert_int_equal(checking_report_leaks(&chk, fds[1]), 1);
    close(fds[1]);
    char out[512] = {0};
    assert_true(read(fds[0], out, sizeof out - 1) > 0);
    close(fds[0]);
    char expected[512];
    snprintf(expected, sizeof expected,
             "checking: leak: block #2 %p len 24 align 8\n"
             "checking: 1 live block(s), 24 bytes\n",
             q);
    assert_string_equal(out, expected);
}

static void test_error_names(void **state) {
    (void)state;
    assert_string_equal(checking_error_name(CHECKING_OK), "ok");
    assert_string_equal(checking_error_name(CHECKING_DOUBLE_FREE), "double free");
    assert_string_equal(checking_error_name(CHECKING_INVALID_POINTER), "invalid pointer");
    assert_string_equal(checking_error_name(CHECKING_WRONG_LENGTH), "wrong length");
    assert_string_equal(checking_error_name(CHECKING_WRONG_ALIGNMENT), "wrong alignment");
    assert_string_equal(checking_error_name(CHECKING_GUARD_BEFORE),
                        "guard before the block overwritten");
    assert_string_equal(checking_error_name(CHECKING_GUARD_AFTER),
                        "guard after the block overwritten");
    assert_string_equal(checking_error_name((checking_error)99), "?");
}

/* ---- the malloc-failure loop ---- */

static allocator_diagnostics diagnostics_of(void *subject) { return checking_diagnostics(subject); }

static void test_malloc_failure_loop_over_it(void **state) {
    (void)state;
    loop_script s = {.lens = {24, 5, 100},
                     .count = 3,
                     .align = 8,
                     .grow_to = 130,
                     .subject = &chk,
                     .diagnostics = diagnostics_of};
    assert_failure_loop_clean(&s, checking_allocator(&chk));
    assert_int_equal(checking_error_count(&chk), 0);
    assert_true(block_allocator_is_empty(&child));
}

static void test_malloc_failure_loop_with_the_child_failing(void **state) {
    (void)state;
    failing_allocator f;
    failing_init(&f, block_allocator_allocator(&child));
    init_with(params_with(8, CHECKING_NO_LIMIT, CHECKING_REPORT), failing_allocator_iface(&f));
    loop_script s = {.lens = {24, 5, 100},
                     .count = 3,
                     .align = 8,
                     .grow_to = 130,
                     .via = checking_allocator(&chk),
                     .subject = &chk,
                     .diagnostics = diagnostics_of};
    assert_int_equal(assert_failure_loop_clean_under(&s, &f), 4 + 4);
    assert_int_equal(checking_live_count(&chk), 0);
    assert_true(block_allocator_is_empty(&child));
    assert_true(checking_invariants_hold_full(&chk));
}

/* Without ASan nothing is poisoned, and the self-checks that ask "still poisoned?" must not
 * fail for that (poison.h: mem_is_poisoned always false, mem_granules_poisoned always true). */
static void test_poison_queries_without_asan(void **state) {
    (void)state;
    if (mem_poisoning_enabled()) skip();
    uint8_t *p = allocator_alloc(a, 16, 8);
    allocator_free(a, p, 16, 8);
    assert_false(mem_is_poisoned(p));
    assert_false(mem_is_poisoned(p - 8));
    assert_true(mem_granules_poisoned(p - 8, p + 24));
}

static void test_poisoning_of_the_guards(void **state) {
    (void)state;
    if (!mem_poisoning_enabled()) skip();
    uint8_t *p = allocator_alloc(a, 16, 8);
    assert_true(mem_is_poisoned(p - 8));
    assert_true(mem_is_poisoned(p + 16));
    assert_false(mem_is_poisoned(p + 15));
    assert_true(allocator_resize(a, p, 16, 32, 8));
    assert_false(mem_is_poisoned(p + 31));
    assert_true(mem_is_poisoned(p + 32));
    allocator_free(a, p, 32, 8);
    assert_true(mem_is_poisoned(p));
    assert_true(block_allocator_invariants_hold_full(&child));
}

int main(void) {
#define T(fn) cmocka_unit_test_setup(fn, init_fixture)
    const struct CMUnitTest tests[] = {
        T(test_memory_bytes_is_a_table_twice_blocks_max),
        T(test_guards_surround_each_block),
        T(test_free_poisons_the_bytes_then_returns_them),
        T(test_resize_moves_the_trailing_guard),
        T(test_double_free_is_reported_and_ignored),
        T(test_invalid_pointer_is_reported_and_ignored),
        T(test_wrong_length_or_alignment_is_reported_and_ignored),
        T(test_overwritten_guards_are_reported_and_the_free_goes_ahead),
        T(test_abort_mode_names_the_error_and_the_block),
        T(test_memory_limit_refuses_allocs_and_growth),
        T(test_blocks_max_refuses_one_more),
        T(test_table_survives_churn_in_any_order),
        T(test_live_blocks_and_the_leak_report),
        T(test_error_names),
        T(test_malloc_failure_loop_over_it),
        T(test_malloc_failure_loop_with_the_child_failing),
        T(test_poison_queries_without_asan),
        T(test_poisoning_of_the_guards),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
