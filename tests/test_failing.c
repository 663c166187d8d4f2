/* The failing wrapper: pass-through, transient and persistent alloc / resize / combined
 * triggers, counters and diagnostics; and the malloc-failure loop's verdicts on operations
 * that are correct, leak, change state, fail on their own, never succeed or survive a
 * failure. */
#include "test_support.h"

#include "alloc/fixed_buffer.h"
#include "alloc/failing.h"

#define TEST_MEMORY_BYTES ((size_t)1024)

static uint8_t memory[TEST_MEMORY_BYTES] __attribute__((aligned(4096)));
static fixed_buffer child;
static failing_allocator f;
static allocator a;

/* A 1 KiB fixed buffer behind a disarmed failing wrapper. */
static int init_fixture(void **state) {
    (void)state;
    fixed_buffer_init(&child, memory, TEST_MEMORY_BYTES);
    failing_init(&f, fixed_buffer_allocator(&child));
    a = failing_allocator_iface(&f);
    return 0;
}

static void test_disarmed_passes_everything_and_counts(void **state) {
    (void)state;
    void *p = allocator_alloc(a, 10, 1);
    void *q = allocator_alloc(a, 20, 8);
    assert_non_null(p);
    assert_non_null(q);
    assert_true(allocator_resize(a, q, 20, 30, 8));
    assert_true(allocator_resize(a, q, 30, 5, 8));
    allocator_free(a, p, 10, 1);
    failing_counters c = failing_get_counters(&f);
    assert_int_equal(c.alloc_calls, 2);
    assert_int_equal(c.resize_calls, 2);
    assert_int_equal(c.allocations, 2);
    assert_int_equal(c.deallocations, 1);
    assert_int_equal(c.allocated_bytes, 10 + 20 + 10);
    assert_int_equal(c.freed_bytes, 25 + 10);
    assert_int_equal(c.induced_failures, 0);
    assert_int_equal(c.child_failures, 0);
    assert_int_equal(failing_live_bytes(&f), 5);
    allocator_diagnostics d = failing_diagnostics(&f);
    assert_int_equal(d.capacity_bytes, SIZE_MAX);
    assert_int_equal(d.allocated_bytes, 5);
    assert_int_equal(d.peak_allocated_bytes, 40);
    assert_int_equal(d.oom_count, 0);
    assert_true(failing_invariants_hold(&f));
}

static void test_transient_fails_only_the_nth_alloc(void **state) {
    (void)state;
    failing_fail_alloc(&f, 3, FAILING_TRANSIENT);
    assert_non_null(allocator_alloc(a, 16, 1));
    assert_non_null(allocator_alloc(a, 16, 1));
    assert_null(allocator_alloc(a, 16, 1));
    assert_non_null(allocator_alloc(a, 16, 1));
    assert_non_null(allocator_alloc(a, 16, 1));
    failing_counters c = failing_get_counters(&f);
    assert_int_equal(c.alloc_calls, 5);
    assert_int_equal(c.allocations, 4);
    assert_int_equal(c.induced_failures, 1);
    /* The refused call never reached the child. */
    assert_int_equal(fixed_buffer_diagnostics(&child).allocated_bytes, 4 * 16);
    assert_int_equal(fixed_buffer_diagnostics(&child).oom_count, 0);
}

static void test_persistent_fails_from_the_nth_until_disarmed(void **state) {
    (void)state;
    failing_fail_alloc(&f, 2, FAILING_PERSISTENT);
    assert_non_null(allocator_alloc(a, 16, 1));
    for (int i = 0; i < 5; i++)
        assert_null(allocator_alloc(a, 16, 1));
    failing_disarm(&f);
    assert_non_null(allocator_alloc(a, 16, 1));
    assert_int_equal(failing_get_counters(&f).induced_failures, 5);
    assert_int_equal(failing_diagnostics(&f).oom_count, 5);
}

static void test_arming_counts_from_now_and_replaces(void **state) {
    (void)state;
    assert_non_null(allocator_alloc(a, 16, 1));
    assert_non_null(allocator_alloc(a, 16, 1));
    failing_fail_alloc(&f, 1, FAILING_TRANSIENT);
    failing_fail_alloc(&f, 2, FAILING_TRANSIENT); /* replaces: the 2nd from now fails */
    assert_non_null(allocator_alloc(a, 16, 1));
    assert_null(allocator_alloc(a, 16, 1));
    assert_non_null(allocator_alloc(a, 16, 1));
}

static void test_resize_trigger_fails_grows_and_shrinks(void **state) {
    (void)state;
    void *p = allocator_alloc(a, 32, 1);
    failing_fail_resize(&f, 1, FAILING_PERSISTENT);
    assert_false(allocator_resize(a, p, 32, 48, 1));
    assert_false(allocator_resize(a, p, 32, 8, 1));
    assert_int_equal(fixed_buffer_diagnostics(&child).allocated_bytes, 32); /* untouched */
    assert_non_null(allocator_alloc(a, 16, 1)); /* allocs are not counted by this trigger */
    failing_disarm(&f);
    assert_true(allocator_resize(a, p, 32, 8, 1));
    failing_counters c = failing_get_counters(&f);
    assert_int_equal(c.resize_calls, 3);
    assert_int_equal(c.induced_failures, 2);
    assert_int_equal(c.freed_bytes, 24);
}

static void test_any_trigger_counts_allocs_and_resizes_together(void **state) {
    (void)state;
    failing_fail_any(&f, 3, FAILING_TRANSIENT);
    void *p = allocator_alloc(a, 16, 1);             /* call 1 */
    assert_true(allocator_resize(a, p, 16, 32, 1));  /* call 2 */
    assert_false(allocator_resize(a, p, 32, 48, 1)); /* call 3: refused */
    assert_true(allocator_resize(a, p, 32, 48, 1));  /* call 4 */
    assert_int_equal(failing_get_counters(&f).induced_failures, 1);
}

static void test_child_refusals_are_counted_apart(void **state) {
    (void)state;
    assert_null(allocator_alloc(a, TEST_MEMORY_BYTES + 1, 1));
    void *p = allocator_alloc(a, 16, 1);
    assert_non_null(allocator_alloc(a, 16, 1));
    assert_false(allocator_resize(a, p, 16, 17, 1)); /* not the last block: cannot grow */
    failing_counters c = failing_get_counters(&f);
    assert_int_equal(c.child_failures, 2);
    assert_int_equal(c.induced_failures, 0);
    assert_int_equal(failing_diagnostics(&f).oom_count, 2);
}

/* ---- the malloc-failure loop ---- */

/* An operation: two allocations kept in `held`; `flaw` selects what it gets wrong. */
typedef enum flaw {
    FLAW_NONE,
    FLAW_LEAKS,
    FLAW_CHANGES_STATE,
    FLAW_FAILS_ALWAYS,
    FLAW_RETRIES
} flaw;

typedef struct op_case {
    flaw flaw;
    int counter; /* state the operation owns */
    int counter_before;
    void *held[2];
} op_case;

static void op_snapshot(void *ctx) {
    op_case *c = ctx;
    c->counter_before = c->counter;
}

static bool op_unchanged(void *ctx) {
    op_case *c = ctx;
    return c->counter == c->counter_before;
}

static bool op_run(void *ctx, allocator alloc) {
    op_case *c = ctx;
    if (c->flaw == FLAW_FAILS_ALWAYS) return false;
    c->held[0] = allocator_alloc(alloc, 16, 1);
    if (c->held[0] == NULL && c->flaw == FLAW_RETRIES) c->held[0] = allocator_alloc(alloc, 16, 1);
    if (c->held[0] == NULL) {
        if (c->flaw == FLAW_CHANGES_STATE) c->counter++;
        return false;
    }
    c->held[1] = allocator_alloc(alloc, 32, 1);
    if (c->held[1] == NULL) {
        if (c->flaw != FLAW_LEAKS) allocator_free(alloc, c->held[0], 16, 1);
        return false;
    }
    c->counter++;
    return true;
}

static failing_loop_result run_loop(op_case *c, failing_mode mode) {
    failing_loop_case lc = {
        .ctx = c, .run = op_run, .snapshot = op_snapshot, .unchanged = op_unchanged};
    return failing_loop_run(&f, &lc, mode, 16);
}

static void test_loop_passes_a_correct_operation(void **state) {
    (void)state;
    op_case c = {.flaw = FLAW_NONE};
    failing_loop_result r = run_loop(&c, FAILING_TRANSIENT);
    assert_int_equal(r.verdict, FAILING_LOOP_OK);
    assert_int_equal(r.failed_runs, 2);
    assert_int_equal(r.runs, 3);
    assert_int_equal(r.allocation_calls, 2);
    assert_int_equal(r.benign_failures, 0);
    assert_int_equal(c.counter, 1);
    assert_int_equal(failing_live_bytes(&f), 48);
    /* Disarmed afterwards. */
    assert_non_null(allocator_alloc(a, 16, 1));
}

static void test_loop_catches_a_leak(void **state) {
    (void)state;
    op_case c = {.flaw = FLAW_LEAKS};
    failing_loop_result r = run_loop(&c, FAILING_PERSISTENT);
    assert_int_equal(r.verdict, FAILING_LOOP_LEAKED);
    assert_int_equal(r.runs, 2);
    assert_int_equal(r.failed_runs, 1);
}

static void test_loop_catches_a_changed_state(void **state) {
    (void)state;
    op_case c = {.flaw = FLAW_CHANGES_STATE};
    failing_loop_result r = run_loop(&c, FAILING_TRANSIENT);
    assert_int_equal(r.verdict, FAILING_LOOP_CHANGED_STATE);
    assert_int_equal(r.runs, 1);
}

static void test_loop_reports_an_uninduced_failure(void **state) {
    (void)state;
    op_case c = {.flaw = FLAW_FAILS_ALWAYS};
    failing_loop_result r = run_loop(&c, FAILING_TRANSIENT);
    assert_int_equal(r.verdict, FAILING_LOOP_UNINDUCED);
    assert_int_equal(r.runs, 1);
}

static void test_loop_reports_no_success_within_the_limit(void **state) {
    (void)state;
    op_case c = {.flaw = FLAW_NONE};
    failing_loop_case lc = {
        .ctx = &c, .run = op_run, .snapshot = op_snapshot, .unchanged = op_unchanged};
    failing_loop_result r = failing_loop_run(&f, &lc, FAILING_PERSISTENT, 2);
    assert_int_equal(r.verdict, FAILING_LOOP_NO_SUCCESS);
    assert_int_equal(r.runs, 2);
    assert_int_equal(r.failed_runs, 2);
}

static void test_loop_notes_a_survived_failure(void **state) {
    (void)state;
    op_case c = {.flaw = FLAW_RETRIES};
    failing_loop_result r = run_loop(&c, FAILING_TRANSIENT);
    /* N=1: the first alloc fails, the retry succeeds: the run succeeds with one benign failure. */
    assert_int_equal(r.verdict, FAILING_LOOP_OK);
    assert_int_equal(r.runs, 1);
    assert_int_equal(r.benign_failures, 1);
    assert_int_equal(r.allocation_calls, 3);
}

static void test_verdict_names(void **state) {
    (void)state;
    assert_string_equal(failing_loop_verdict_name(FAILING_LOOP_OK), "ok");
    assert_string_equal(failing_loop_verdict_name(FAILING_LOOP_CHANGED_STATE),
                        "a failed run changed the state");
    assert_string_equal(failing_loop_verdict_name(FAILING_LOOP_LEAKED), "a failed run leaked");
    assert_string_equal(failing_loop_verdict_name(FAILING_LOOP_UNINDUCED),
                        "a run failed with no failure induced");
    assert_string_equal(failing_loop_verdict_name(FAILING_LOOP_NO_SUCCESS), "no run succeeded");
    /* A value outside the enum (a corrupt result) is named, not a crash. */
    assert_string_equal(failing_loop_verdict_name((failing_loop_verdict)99), "?");
}

/* ---- contract violations abort ---- */

static void free_more_than_was_allocated(void *arg) {
    (void)arg;
    init_fixture(NULL);
    void *p = fixed_buffer_alloc(&child, 16, 1); /* not through the wrapper */
    allocator_free(a, p, 16, 1);
}

static void arm_the_zeroth_call(void *arg) {
    (void)arg;
    init_fixture(NULL);
    failing_fail_alloc(&f, 0, FAILING_TRANSIENT);
}

static void test_contract_violations_abort(void **state) {
    (void)state;
    expect_abort(free_more_than_was_allocated, NULL,
                 "assertion failed: f->counters.deallocations < f->counters.allocations");
    expect_abort(arm_the_zeroth_call, NULL, "assertion failed: mode == FAILING_OFF || nth >= 1");
}

int main(void) {
#define T(fn) cmocka_unit_test_setup(fn, init_fixture)
    const struct CMUnitTest tests[] = {
        T(test_disarmed_passes_everything_and_counts),
        T(test_transient_fails_only_the_nth_alloc),
        T(test_persistent_fails_from_the_nth_until_disarmed),
        T(test_arming_counts_from_now_and_replaces),
        T(test_resize_trigger_fails_grows_and_shrinks),
        T(test_any_trigger_counts_allocs_and_resizes_together),
        T(test_child_refusals_are_counted_apart),
        T(test_loop_passes_a_correct_operation),
        T(test_loop_catches_a_leak),
        T(test_loop_catches_a_changed_state),
        T(test_loop_reports_an_uninduced_failure),
        T(test_loop_reports_no_success_within_the_limit),
        T(test_loop_notes_a_survived_failure),
        T(test_verdict_names),
        T(test_contract_violations_abort),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
