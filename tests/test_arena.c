/* The arena over a block allocator: chunks taken from the parent and sized, bumping and
 * alignment, the bump rule for resize and free, the three reset modes and what each returns
 * to the parent, retained chunks reused without asking the parent, a parent that refuses,
 * diagnostics and the capacity query, the interface, the malloc-failure loop on both sides,
 * poisoning and contract violations. */
#include "test_support.h"

#include "alloc/arena.h"
#include "alloc/block_allocator.h"
#include "alloc/failing.h"
#include "alloc/poison.h"

#define TEST_MEMORY_BYTES ((size_t)8 * 1024)

static uint8_t memory[TEST_MEMORY_BYTES] __attribute__((aligned(4096)));
static block_allocator parent;
static failing_allocator counted; /* between the arena and the parent: counts chunk calls */
static arena ar;

/* A parent of 64 blocks of 64 bytes; chunks of at least 256 bytes (240 usable). */
static int init_fixture(void **state) {
    (void)state;
    block_allocator_params p = {.block_count = 64, .block_bytes = 64};
    block_allocator_init(&parent, memory, block_allocator_memory_bytes(p), p);
    failing_init(&counted, block_allocator_allocator(&parent));
    arena_init(&ar, failing_allocator_iface(&counted), 256);
    return 0;
}

static size_t parent_blocks(void) {
    return block_allocator_diagnostics(&parent).allocated_bytes / 64;
}

static uint64_t chunk_requests(void) { return failing_get_counters(&counted).alloc_calls; }

/* ---- chunks and bumping ---- */

static void test_first_alloc_takes_a_minimum_chunk(void **state) {
    (void)state;
    assert_int_equal(arena_chunk_count(&ar), 0);
    assert_int_equal(arena_capacity_bytes(&ar), 0);
    uint8_t *p = arena_alloc(&ar, 10, 1);
    assert_ptr_equal(p, memory + ARENA_CHUNK_HEADER_BYTES);
    assert_int_equal(arena_chunk_count(&ar), 1);
    assert_int_equal(arena_capacity_bytes(&ar), 256 - ARENA_CHUNK_HEADER_BYTES);
    assert_int_equal(parent_blocks(), 4);
    assert_ptr_equal(arena_alloc(&ar, 10, 1), p + 10); /* bump */
    assert_ptr_equal(arena_alloc(&ar, 8, 8), p + 24);  /* 4 bytes of padding */
    assert_int_equal(arena_diagnostics(&ar).allocated_bytes, 32);
    assert_int_equal(chunk_requests(), 1);
    assert_true(arena_invariants_hold_full(&ar));
}

static void test_full_chunk_takes_another_sized_for_the_request(void **state) {
    (void)state;
    assert_non_null(arena_alloc(&ar, 200, 1));
    uint8_t *big = arena_alloc(&ar, 600, 1); /* does not fit the 40 bytes left */
    assert_ptr_equal(big, memory + 256 + ARENA_CHUNK_HEADER_BYTES);
    assert_int_equal(arena_chunk_count(&ar), 2);
    assert_int_equal(arena_capacity_bytes(&ar), 240 + 600);
    assert_int_equal(parent_blocks(), 4 + 10); /* 616 bytes: 10 blocks */
    assert_int_equal(arena_diagnostics(&ar).allocated_bytes, 800);
}

static void test_large_alignment_is_served(void **state) {
    (void)state;
    uint8_t *p = arena_alloc(&ar, 64, 1024);
    assert_non_null(p);
    assert_int_equal((uintptr_t)p % 1024, 0);
    /* The chunk was sized with 1024 - 16 bytes of slack: 16 + 1008 + 64. */
    assert_int_equal(arena_capacity_bytes(&ar), 1008 + 64);
}

static void test_parent_refusal_returns_null_and_changes_nothing(void **state) {
    (void)state;
    assert_non_null(arena_alloc(&ar, 100, 1));
    allocator_diagnostics before = arena_diagnostics(&ar);
    assert_null(arena_alloc(&ar, 64 * 64, 1)); /* more than the parent has */
    allocator_diagnostics after = arena_diagnostics(&ar);
    assert_int_equal(after.capacity_bytes, before.capacity_bytes);
    assert_int_equal(after.allocated_bytes, before.allocated_bytes);
    assert_int_equal(after.oom_count, 1);
    assert_int_equal(arena_chunk_count(&ar), 1);
    assert_null(arena_alloc(&ar, SIZE_MAX - 8, 1)); /* the size overflows */
    assert_int_equal(arena_diagnostics(&ar).oom_count, 2);
    assert_true(arena_invariants_hold_full(&ar));
}

/* ---- the bump rule ---- */

static void test_last_block_grows_and_shrinks_within_its_chunk(void **state) {
    (void)state;
    assert_non_null(arena_alloc(&ar, 16, 1));
    uint8_t *b = arena_alloc(&ar, 16, 1);
    memset(b, 0x33, 16);
    assert_true(arena_resize(&ar, b, 16, 200, 1));
    assert_int_equal(b[15], 0x33);
    assert_int_equal(arena_diagnostics(&ar).allocated_bytes, 216);
    assert_false(arena_resize(&ar, b, 200, 225, 1)); /* past the chunk */
    assert_int_equal(arena_diagnostics(&ar).oom_count, 1);
    assert_true(arena_resize(&ar, b, 200, 8, 1));
    assert_int_equal(arena_diagnostics(&ar).allocated_bytes, 24);
    assert_int_equal(arena_diagnostics(&ar).peak_allocated_bytes, 216);
}

static void test_other_blocks_only_shrink_and_free_is_a_no_op(void **state) {
    (void)state;
    uint8_t *a = arena_alloc(&ar, 16, 1);
    uint8_t *b = arena_alloc(&ar, 16, 1);
    assert_false(arena_resize(&ar, a, 16, 17, 1));
    assert_true(arena_resize(&ar, a, 16, 4, 1));
    arena_free(&ar, a, 4, 1);
    assert_int_equal(arena_diagnostics(&ar).allocated_bytes, 32);
    arena_free(&ar, b, 16, 1);
    assert_int_equal(arena_diagnostics(&ar).allocated_bytes, 16);
    assert_ptr_equal(arena_alloc(&ar, 16, 1), b);
    assert_int_equal(arena_diagnostics(&ar).oom_count, 0);
}

/* ---- reset modes ---- */

/* Three chunks: usable 240, 240 (minimum chunks) and 496 (sized for the request). */
static void make_three_chunks(void) {
    assert_non_null(arena_alloc(&ar, 200, 1));
    assert_non_null(arena_alloc(&ar, 200, 1));
    assert_non_null(arena_alloc(&ar, 496, 1));
    assert_int_equal(arena_chunk_count(&ar), 3);
    assert_int_equal(arena_capacity_bytes(&ar), 240 + 240 + 496);
    assert_int_equal(parent_blocks(), 4 + 4 + 8);
}

static void test_reset_free_all_returns_every_chunk(void **state) {
    (void)state;
    make_three_chunks();
    arena_reset(&ar, ARENA_FREE_ALL, 0);
    assert_int_equal(arena_chunk_count(&ar), 0);
    assert_int_equal(arena_capacity_bytes(&ar), 0);
    assert_true(block_allocator_is_empty(&parent));
    assert_int_equal(failing_live_bytes(&counted), 0);
    allocator_diagnostics d = arena_diagnostics(&ar);
    assert_int_equal(d.allocated_bytes, 0);
    assert_int_equal(d.peak_allocated_bytes, 0);
    assert_true(arena_invariants_hold_full(&ar));
}

static void test_reset_retain_capacity_reuses_chunks_without_the_parent(void **state) {
    (void)state;
    make_three_chunks();
    uint64_t requests = chunk_requests();
    arena_reset(&ar, ARENA_RETAIN_CAPACITY, 0);
    assert_int_equal(arena_chunk_count(&ar), 3);
    assert_int_equal(arena_capacity_bytes(&ar), 976);
    assert_int_equal(parent_blocks(), 16);
    assert_int_equal(arena_diagnostics(&ar).allocated_bytes, 0);
    /* The same round again asks the parent for nothing. */
    assert_ptr_equal(arena_alloc(&ar, 200, 1), memory + ARENA_CHUNK_HEADER_BYTES);
    assert_non_null(arena_alloc(&ar, 200, 1));
    assert_non_null(arena_alloc(&ar, 496, 1));
    assert_int_equal(chunk_requests(), requests);
    assert_true(arena_invariants_hold_full(&ar));
}

static void test_retained_chunk_too_small_is_passed_over(void **state) {
    (void)state;
    make_three_chunks();
    arena_reset(&ar, ARENA_RETAIN_CAPACITY, 0);
    /* 400 bytes fit neither 240-byte chunk: the third (496) becomes current. */
    uint8_t *p = arena_alloc(&ar, 400, 1);
    assert_ptr_equal(p, memory + 512 + ARENA_CHUNK_HEADER_BYTES);
    assert_int_equal(arena_diagnostics(&ar).allocated_bytes, 400);
    /* The next small request bumps in the third chunk; the first two wait for a reset. */
    assert_ptr_equal(arena_alloc(&ar, 10, 1), p + 400);
    assert_true(arena_invariants_hold_full(&ar));
}

static void test_reset_retain_with_limit_keeps_chunks_in_order_within_it(void **state) {
    (void)state;
    make_three_chunks();
    arena_reset(&ar, ARENA_RETAIN_WITH_LIMIT, 500); /* 240 + 240 fit, 496 does not */
    assert_int_equal(arena_chunk_count(&ar), 2);
    assert_int_equal(arena_capacity_bytes(&ar), 480);
    assert_int_equal(parent_blocks(), 8);
    arena_reset(&ar, ARENA_RETAIN_WITH_LIMIT, 479); /* 240, then 240 would pass it */
    assert_int_equal(arena_capacity_bytes(&ar), 240);
    assert_int_equal(parent_blocks(), 4);
    arena_reset(&ar, ARENA_RETAIN_WITH_LIMIT, 239);
    assert_int_equal(arena_chunk_count(&ar), 0);
    assert_true(block_allocator_is_empty(&parent));
}

static void test_reset_retain_with_limit_is_not_only_a_prefix(void **state) {
    (void)state;
    assert_non_null(arena_alloc(&ar, 496, 1)); /* 496 */
    assert_non_null(arena_alloc(&ar, 10, 1));  /* 240 */
    arena_reset(&ar, ARENA_RETAIN_WITH_LIMIT, 300);
    assert_int_equal(arena_chunk_count(&ar), 1);
    assert_int_equal(arena_capacity_bytes(&ar), 240);
    assert_ptr_equal(arena_alloc(&ar, 10, 1), memory + 512 + ARENA_CHUNK_HEADER_BYTES);
}

/* ---- interface, diagnostics ---- */

static void test_allocator_interface_routes_to_the_arena(void **state) {
    (void)state;
    allocator a = arena_allocator(&ar);
    uint8_t *p = allocator_alloc(a, 32, 16);
    assert_ptr_equal(p, memory + ARENA_CHUNK_HEADER_BYTES);
    assert_true(allocator_resize(a, p, 32, 64, 16));
    allocator_free(a, p, 64, 16);
    assert_int_equal(arena_diagnostics(&ar).allocated_bytes, 0);
    assert_ptr_equal(allocator_alloc(a, 0, 8), ALLOCATOR_ZERO_LENGTH(8));
    assert_int_equal(arena_diagnostics(&ar).capacity_bytes, 240);
}

static allocator_diagnostics diagnostics_of(void *subject) { return arena_diagnostics(subject); }

static void test_malloc_failure_loop_through_the_arena(void **state) {
    (void)state;
    /* Warm one big chunk so the script never needs the parent. */
    assert_non_null(arena_alloc(&ar, 1000, 1));
    arena_reset(&ar, ARENA_RETAIN_CAPACITY, 0);
    /* Lengths in multiples of 8: the arena keeps alignment padding until a reset. */
    loop_script s = {.lens = {96, 32, 8},
                     .count = 3,
                     .align = 8,
                     .grow_to = 88,
                     .subject = &ar,
                     .diagnostics = diagnostics_of};
    assert_failure_loop_clean(&s, arena_allocator(&ar));
    assert_true(arena_invariants_hold_full(&ar));
}

/* One arena allocation that needs a new chunk, the parent failing beneath. */
typedef struct chunk_case {
    arena *a;
    size_t len;
    size_t chunks_before;
    allocator_diagnostics before;
} chunk_case;

static bool chunk_case_run(void *ctx, allocator ignored) {
    (void)ignored;
    chunk_case *c = ctx;
    return arena_alloc(c->a, c->len, 1) != NULL;
}

static void chunk_case_snapshot(void *ctx) {
    chunk_case *c = ctx;
    c->before = arena_diagnostics(c->a);
    c->chunks_before = arena_chunk_count(c->a);
}

static bool chunk_case_unchanged(void *ctx) {
    chunk_case *c = ctx;
    allocator_diagnostics now = arena_diagnostics(c->a);
    return now.capacity_bytes == c->before.capacity_bytes &&
           now.allocated_bytes == c->before.allocated_bytes &&
           arena_chunk_count(c->a) == c->chunks_before;
}

static void test_malloc_failure_loop_with_the_parent_failing(void **state) {
    (void)state;
    failing_allocator f;
    failing_init(&f, block_allocator_allocator(&parent));
    arena_init(&ar, failing_allocator_iface(&f), 256);
    assert_non_null(arena_alloc(&ar, 200, 1));
    chunk_case c = {.a = &ar, .len = 300};
    failing_loop_case lc = {.ctx = &c,
                            .run = chunk_case_run,
                            .snapshot = chunk_case_snapshot,
                            .unchanged = chunk_case_unchanged};
    failing_loop_result r = failing_loop_run(&f, &lc, FAILING_PERSISTENT, 8);
    assert_int_equal(r.verdict, FAILING_LOOP_OK);
    assert_int_equal(r.failed_runs, 1);
    assert_int_equal(arena_chunk_count(&ar), 2);
    arena_reset(&ar, ARENA_FREE_ALL, 0);
    assert_true(block_allocator_is_empty(&parent));
}

static void test_poisoning_covers_what_is_not_handed_out(void **state) {
    (void)state;
    if (!mem_poisoning_enabled()) skip();
    uint8_t *a = arena_alloc(&ar, 16, 1);
    assert_false(mem_is_poisoned(a + 15));
    assert_true(mem_is_poisoned(a + 16));
    uint8_t *b = arena_alloc(&ar, 8, 16); /* at a + 16: no padding */
    arena_free(&ar, b, 8, 16);
    assert_true(mem_is_poisoned(b));
    arena_free(&ar, a, 16, 1);
    assert_true(mem_is_poisoned(a));
    assert_true(arena_invariants_hold_full(&ar));
    assert_non_null(arena_alloc(&ar, 100, 1));
    arena_reset(&ar, ARENA_RETAIN_CAPACITY, 0);
    assert_true(mem_is_poisoned(a));
    arena_reset(&ar, ARENA_FREE_ALL, 0);
    assert_true(mem_is_poisoned(a)); /* poisoned by the parent again */
    assert_true(block_allocator_invariants_hold_full(&parent));
}

/* ---- contract violations abort ---- */

static void resize_to_zero(void *arg) {
    (void)arg;
    init_fixture(NULL);
    void *p = arena_alloc(&ar, 8, 1);
    arena_resize(&ar, p, 8, 0, 1);
}

static void free_misaligned(void *arg) {
    (void)arg;
    init_fixture(NULL);
    uint8_t *p = arena_alloc(&ar, 8, 1);
    arena_free(&ar, p + 1, 7, 2);
}

static void reset_bad_mode(void *arg) {
    (void)arg;
    init_fixture(NULL);
    arena_reset(&ar, (arena_reset_mode)7, 0);
}

static void test_contract_violations_abort(void **state) {
    (void)state;
    expect_abort(resize_to_zero, NULL, "assertion failed: new_len > 0");
    expect_abort(free_misaligned, NULL, "assertion failed: ((uintptr_t)ptr & (align - 1u)) == 0u");
    expect_abort(reset_bad_mode, NULL, "mode == ARENA_FREE_ALL");
}

int main(void) {
#define T(fn) cmocka_unit_test_setup(fn, init_fixture)
    const struct CMUnitTest tests[] = {
        T(test_first_alloc_takes_a_minimum_chunk),
        T(test_full_chunk_takes_another_sized_for_the_request),
        T(test_large_alignment_is_served),
        T(test_parent_refusal_returns_null_and_changes_nothing),
        T(test_last_block_grows_and_shrinks_within_its_chunk),
        T(test_other_blocks_only_shrink_and_free_is_a_no_op),
        T(test_reset_free_all_returns_every_chunk),
        T(test_reset_retain_capacity_reuses_chunks_without_the_parent),
        T(test_retained_chunk_too_small_is_passed_over),
        T(test_reset_retain_with_limit_keeps_chunks_in_order_within_it),
        T(test_reset_retain_with_limit_is_not_only_a_prefix),
        T(test_allocator_interface_routes_to_the_arena),
        T(test_malloc_failure_loop_through_the_arena),
        T(test_malloc_failure_loop_with_the_parent_failing),
        T(test_poisoning_covers_what_is_not_handed_out),
        T(test_contract_violations_abort),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
