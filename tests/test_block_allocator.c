/* The block allocator: stalloc semantics (first fit, alignment in blocks, grow and shrink in
 * place, is_oom / is_empty), stalloc's README example and its two known bugs, sizing of the
 * caller memory, reset, diagnostics, the allocator interface, the malloc-failure loop,
 * poisoning and contract violations. */
#include "test_support.h"

#include "alloc/block_allocator.h"
#include "alloc/poison.h"

#define TEST_MEMORY_BYTES ((size_t)64 * 1024)

static uint8_t memory[TEST_MEMORY_BYTES] __attribute__((aligned(4096)));
static block_allocator ba;

static void init_with(uint32_t block_count, uint32_t block_bytes) {
    block_allocator_params p = {.block_count = block_count, .block_bytes = block_bytes};
    block_allocator_init(&ba, memory, block_allocator_memory_bytes(p), p);
}

/* 64 blocks of 16 bytes unless a test says otherwise. */
static int init_fixture(void **state) {
    (void)state;
    init_with(64, 16);
    return 0;
}

static size_t used_blocks(void) {
    return block_allocator_diagnostics(&ba).allocated_bytes / ba.block_bytes;
}

/* ---- sizing ---- */

static void test_memory_bytes_is_blocks_then_bitmaps_then_tree(void **state) {
    (void)state;
    size_t node = sizeof(free_runs_node);
    assert_int_equal(node, 12);
    /* 8 x 4 = 32 bytes of blocks, two one-word bitmaps, a tree of one leaf (2 entries). */
    assert_int_equal(block_allocator_memory_bytes((block_allocator_params){8, 4}),
                     32 + 16 + 2 * node);
    /* 100 x 16 = 1600, two bitmaps of two words, a tree of two leaves (4 entries). */
    assert_int_equal(block_allocator_memory_bytes((block_allocator_params){100, 16}),
                     1600 + 32 + 4 * node);
    /* 3 one-byte blocks: the bitmaps start 8-aligned, at 8. */
    assert_int_equal(block_allocator_memory_bytes((block_allocator_params){3, 1}),
                     8 + 16 + 2 * node);
    assert_int_equal(block_allocator_memory_bytes((block_allocator_params){64, 64}),
                     4096 + 16 + 2 * node);
    /* 5 words of bitmap: 8 leaves. */
    assert_int_equal(block_allocator_memory_bytes((block_allocator_params){257, 16}),
                     4112 + 80 + 16 * node);
}

static void test_memory_align_is_block_size_clamped(void **state) {
    (void)state;
    assert_int_equal(block_allocator_memory_align((block_allocator_params){8, 1}), 8);
    assert_int_equal(block_allocator_memory_align((block_allocator_params){8, 4}), 8);
    assert_int_equal(block_allocator_memory_align((block_allocator_params){8, 64}), 64);
    assert_int_equal(block_allocator_memory_align((block_allocator_params){8, 8192}), 4096);
}

static void test_params_valid_rejects_out_of_range(void **state) {
    (void)state;
    assert_true(block_allocator_params_valid((block_allocator_params){1, 1}));
    assert_false(block_allocator_params_valid((block_allocator_params){0, 16}));
    assert_false(block_allocator_params_valid((block_allocator_params){16, 0}));
    assert_false(block_allocator_params_valid((block_allocator_params){16, 24}));
    assert_false(block_allocator_params_valid(
        (block_allocator_params){BLOCK_ALLOCATOR_BLOCK_COUNT_MAX + 1u, 16}));
    assert_false(block_allocator_params_valid(
        (block_allocator_params){16, BLOCK_ALLOCATOR_BLOCK_BYTES_MAX * 2u}));
}

/* ---- first fit ---- */

static void test_alloc_takes_first_fit_in_whole_blocks(void **state) {
    (void)state;
    uint8_t *a = block_allocator_alloc(&ba, 1, 1);  /* 1 block */
    uint8_t *b = block_allocator_alloc(&ba, 17, 1); /* 2 blocks */
    uint8_t *c = block_allocator_alloc(&ba, 16, 1); /* 1 block */
    assert_ptr_equal(a, memory);
    assert_ptr_equal(b, memory + 16);
    assert_ptr_equal(c, memory + 48);
    assert_int_equal(used_blocks(), 4);
    block_allocator_free(&ba, b, 17, 1);
    /* A one-block request takes the first hole, not the end. */
    assert_ptr_equal(block_allocator_alloc(&ba, 5, 1), memory + 16);
    /* A three-block request does not fit the one-block hole left: it goes past c. */
    assert_ptr_equal(block_allocator_alloc(&ba, 40, 1), memory + 64);
    assert_int_equal(block_allocator_live_count(&ba), 4);
    assert_true(block_allocator_invariants_hold_full(&ba));
}

static void test_alignment_is_counted_in_blocks(void **state) {
    (void)state;
    assert_non_null(block_allocator_alloc(&ba, 16, 1)); /* block 0 */
    uint8_t *p = block_allocator_alloc(&ba, 1, 64);     /* 64 = 4 blocks: block 4 */
    assert_ptr_equal(p, memory + 64);
    uint8_t *q = block_allocator_alloc(&ba, 1, 16); /* align <= B: any block, the first free */
    assert_ptr_equal(q, memory + 16);
    /* 1024 = 64 blocks: only block 0 is 1024-aligned, and it is taken. */
    uint8_t *page = block_allocator_alloc(&ba, 1, 1024);
    assert_null(page);
    assert_int_equal(block_allocator_diagnostics(&ba).oom_count, 1);
    /* The skipped blocks 2 and 3 are still found by the next small request. */
    assert_ptr_equal(block_allocator_alloc(&ba, 16, 1), memory + 32);
    assert_ptr_equal(block_allocator_alloc(&ba, 16, 1), memory + 48);
    assert_true(block_allocator_invariants_hold_full(&ba));
}

static void test_alignment_follows_the_address_not_the_index(void **state) {
    (void)state;
    /* Memory 16-aligned but not 32-aligned: the first 32-aligned block is block 1. */
    block_allocator_params p = {.block_count = 8, .block_bytes = 16};
    block_allocator_init(&ba, memory + 16, block_allocator_memory_bytes(p), p);
    assert_ptr_equal(block_allocator_alloc(&ba, 1, 32), memory + 32);
    assert_ptr_equal(block_allocator_alloc(&ba, 1, 32), memory + 64);
    assert_ptr_equal(block_allocator_alloc(&ba, 1, 1), memory + 16);
}

static void test_alignment_at_most_block_size_costs_nothing(void **state) {
    (void)state;
    init_with(8, 4096);
    for (size_t i = 0; i < 8; i++)
        assert_ptr_equal(block_allocator_alloc(&ba, 1, 4096), memory + i * 4096);
    assert_true(block_allocator_is_oom(&ba));
}

static void test_exhaustion_returns_null_and_changes_nothing(void **state) {
    (void)state;
    assert_non_null(block_allocator_alloc(&ba, 63 * 16, 1));
    assert_null(block_allocator_alloc(&ba, 17, 1));
    assert_null(block_allocator_alloc(&ba, 64 * 16 + 1, 1));
    assert_null(block_allocator_alloc(&ba, SIZE_MAX, 1));
    assert_int_equal(used_blocks(), 63);
    assert_false(block_allocator_is_oom(&ba));
    assert_ptr_equal(block_allocator_alloc(&ba, 16, 16), memory + 63 * 16);
    assert_true(block_allocator_is_oom(&ba));
    assert_null(block_allocator_alloc(&ba, 1, 1));
    allocator_diagnostics d = block_allocator_diagnostics(&ba);
    assert_int_equal(d.capacity_bytes, 64 * 16);
    assert_int_equal(d.allocated_bytes, 64 * 16);
    assert_int_equal(d.peak_allocated_bytes, 64 * 16);
    assert_int_equal(d.oom_count, 4);
}

static void test_zero_length_requests_own_nothing(void **state) {
    (void)state;
    assert_ptr_equal(block_allocator_alloc(&ba, 0, 8), ALLOCATOR_ZERO_LENGTH(8));
    allocator a = block_allocator_allocator(&ba);
    void *z = allocator_alloc(a, 0, 64);
    assert_ptr_equal(z, ALLOCATOR_ZERO_LENGTH(64));
    assert_false(allocator_resize(a, z, 0, 10, 64));
    allocator_free(a, z, 0, 64);
    assert_true(block_allocator_is_empty(&ba));
    assert_int_equal(block_allocator_diagnostics(&ba).oom_count, 0);
}

/* ---- stalloc's README and its two known bugs ---- */

static void test_stalloc_readme_32_byte_heap(void **state) {
    (void)state;
    /* "Within a 32-byte heap, you can allocate eight u32s, free them, then four u64s, free
     * them, and then two u128s." The heap is 16-aligned (the array is 4096-aligned). */
    init_with(8, 4);
    void *p[8];
    for (size_t i = 0; i < 8; i++)
        assert_non_null(p[i] = block_allocator_alloc(&ba, 4, 4));
    assert_true(block_allocator_is_oom(&ba));
    for (size_t i = 0; i < 8; i++)
        block_allocator_free(&ba, p[i], 4, 4);
    for (size_t i = 0; i < 4; i++)
        assert_non_null(p[i] = block_allocator_alloc(&ba, 8, 8));
    for (size_t i = 0; i < 4; i++)
        block_allocator_free(&ba, p[i], 8, 8);
    for (size_t i = 0; i < 2; i++)
        assert_non_null(p[i] = block_allocator_alloc(&ba, 16, 16));
    assert_true(block_allocator_is_oom(&ba));
    assert_int_equal(block_allocator_diagnostics(&ba).oom_count, 0);
}

static void test_stalloc_bug_is_empty_after_first_block_free(void **state) {
    (void)state;
    /* stalloc reported is_empty() after the first block was freed while a later one lived. */
    void *a = block_allocator_alloc(&ba, 16, 1);
    void *b = block_allocator_alloc(&ba, 16, 1);
    block_allocator_free(&ba, a, 16, 1);
    assert_false(block_allocator_is_empty(&ba));
    assert_int_equal(used_blocks(), 1);
    block_allocator_free(&ba, b, 16, 1);
    assert_true(block_allocator_is_empty(&ba));
}

static void test_stalloc_bug_realloc_with_partial_last_block(void **state) {
    (void)state;
    /* stalloc's realloc counted the old size in whole blocks rounding down, so growing a
     * block whose length was not a multiple of B leaked its last block. */
    uint8_t *p = block_allocator_alloc(&ba, 20, 1); /* 2 blocks, the second partly used */
    assert_int_equal(used_blocks(), 2);
    assert_true(block_allocator_resize(&ba, p, 20, 40, 1)); /* 3 blocks */
    assert_int_equal(used_blocks(), 3);
    assert_true(block_allocator_resize(&ba, p, 40, 33, 1)); /* still 3 blocks */
    assert_int_equal(used_blocks(), 3);
    assert_true(block_allocator_resize(&ba, p, 33, 17, 1)); /* 2 blocks */
    assert_int_equal(used_blocks(), 2);
    block_allocator_free(&ba, p, 17, 1);
    assert_true(block_allocator_is_empty(&ba));
    assert_true(block_allocator_invariants_hold_full(&ba));
}

/* ---- resize in place ---- */

static void test_grow_in_place_iff_next_blocks_free(void **state) {
    (void)state;
    uint8_t *a = block_allocator_alloc(&ba, 16, 1); /* block 0 */
    uint8_t *b = block_allocator_alloc(&ba, 16, 1); /* block 1 */
    uint8_t *c = block_allocator_alloc(&ba, 16, 1); /* block 2 */
    block_allocator_free(&ba, b, 16, 1);
    memset(a, 0x5a, 16);
    assert_true(block_allocator_resize(&ba, a, 16, 32, 1)); /* takes block 1 */
    assert_int_equal(a[15], 0x5a);
    assert_false(block_allocator_resize(&ba, a, 32, 33, 1)); /* block 2 is c's */
    assert_int_equal(used_blocks(), 3);
    assert_int_equal(block_allocator_diagnostics(&ba).oom_count, 1);
    assert_true(block_allocator_resize(&ba, c, 16, 62 * 16, 1));           /* to the very end */
    assert_false(block_allocator_resize(&ba, c, 62 * 16, 62 * 16 + 1, 1)); /* past the end */
    assert_int_equal(used_blocks(), 64);
    assert_true(block_allocator_invariants_hold_full(&ba));
}

static void test_shrink_always_succeeds_and_frees_the_tail(void **state) {
    (void)state;
    uint8_t *a = block_allocator_alloc(&ba, 64, 1); /* blocks 0-3 */
    uint8_t *b = block_allocator_alloc(&ba, 16, 1); /* block 4 */
    assert_true(block_allocator_resize(&ba, a, 64, 16, 1));
    assert_int_equal(used_blocks(), 2);
    assert_ptr_equal(block_allocator_alloc(&ba, 48, 1), memory + 16); /* the freed tail */
    assert_true(block_allocator_resize(&ba, b, 16, 3, 1));            /* same block count */
    assert_int_equal(used_blocks(), 5);
    assert_int_equal(block_allocator_diagnostics(&ba).oom_count, 0);
}

static void test_free_lowers_the_hint(void **state) {
    (void)state;
    void *p[6];
    for (size_t i = 0; i < 6; i++)
        p[i] = block_allocator_alloc(&ba, 16, 1);
    block_allocator_free(&ba, p[4], 16, 1);
    block_allocator_free(&ba, p[1], 16, 1);
    assert_ptr_equal(block_allocator_alloc(&ba, 16, 1), p[1]);
    assert_ptr_equal(block_allocator_alloc(&ba, 16, 1), p[4]);
    assert_ptr_equal(block_allocator_alloc(&ba, 16, 1), memory + 6 * 16);
    assert_true(block_allocator_invariants_hold_full(&ba));
}

static void test_aligned_request_does_not_hide_the_holes_it_skips(void **state) {
    (void)state;
    /* A 64-aligned request from an empty-but-misaligned start skips blocks 1-3; a one-block
     * request afterwards must still find block 1. */
    assert_non_null(block_allocator_alloc(&ba, 16, 1));
    assert_ptr_equal(block_allocator_alloc(&ba, 16, 64), memory + 64);
    assert_ptr_equal(block_allocator_alloc(&ba, 16, 1), memory + 16);
    assert_true(block_allocator_invariants_hold_full(&ba));
}

static void test_search_stats_count_tree_levels_and_scan_rounds(void **state) {
    (void)state;
    void *p[5];
    for (size_t i = 0; i < 5; i++)
        p[i] = block_allocator_alloc(&ba, 16, 1); /* 64 blocks: a one-leaf tree, one level */
    block_allocator_search_stats s = block_allocator_search(&ba);
    assert_int_equal(s.searches, 5);
    assert_int_equal(s.rounds, 5);
    block_allocator_free(&ba, p[1], 16, 1);
    block_allocator_free(&ba, p[3], 16, 1);
    /* Two blocks: the tree skips the one-block holes at 1 and 3 in one visit. */
    assert_ptr_equal(block_allocator_alloc(&ba, 32, 1), memory + 5 * 16);
    assert_int_equal(block_allocator_search(&ba).rounds, 6);
    /* 64-aligned (4 blocks) takes the word scan from the hint (block 1): round one passes the
     * run at 4-6, round two finds block 8. */
    assert_ptr_equal(block_allocator_alloc(&ba, 16, 64), memory + 8 * 16);
    s = block_allocator_search(&ba);
    assert_int_equal(s.searches, 7);
    assert_int_equal(s.rounds, 6 + 2);
    assert_true(s.words >= 7);
    assert_null(block_allocator_alloc(&ba, 65 * 16, 1)); /* larger than the heap: no search */
    assert_int_equal(block_allocator_search(&ba).searches, 7);
    /* 1024 blocks: 16 words, 16 leaves. A compact heap is served from the hint in one round;
     * a hole too small at the hint sends the search down the tree: five levels. */
    init_with(1024, 16);
    void *a = block_allocator_alloc(&ba, 16, 1);
    assert_non_null(block_allocator_alloc(&ba, 16, 1));
    assert_int_equal(block_allocator_search(&ba).rounds, 2);
    block_allocator_free(&ba, a, 16, 1);
    assert_ptr_equal(block_allocator_alloc(&ba, 32, 1), memory + 2 * 16);
    assert_int_equal(block_allocator_search(&ba).rounds, 2 + 5);
}

static void test_tree_finds_the_lowest_fit_across_words(void **state) {
    (void)state;
    init_with(1024, 16);
    /* Live: 0-59, 60-69, 70-119, 120-139, 140-149; then 60-69 and 120-139 are freed: holes
     * of 10 blocks (in word 0) and 20 (across words 1 and 2) below the free tail at 150. */
    uint8_t *p = block_allocator_alloc(&ba, 200 * 16, 1);
    assert_true(block_allocator_resize(&ba, p, 200 * 16, 60 * 16, 1));
    assert_ptr_equal(block_allocator_alloc(&ba, 10 * 16, 1), memory + 60 * 16);
    uint8_t *q = block_allocator_alloc(&ba, 50 * 16, 1); /* 70-119 */
    uint8_t *r = block_allocator_alloc(&ba, 20 * 16, 1); /* 120-139 */
    uint8_t *s = block_allocator_alloc(&ba, 10 * 16, 1); /* 140-149 */
    block_allocator_free(&ba, memory + 60 * 16, 10 * 16, 1);
    block_allocator_free(&ba, r, 20 * 16, 1);
    assert_ptr_equal(block_allocator_alloc(&ba, 15 * 16, 1), memory + 120 * 16);
    assert_ptr_equal(block_allocator_alloc(&ba, 10 * 16, 1), memory + 60 * 16);
    assert_ptr_equal(block_allocator_alloc(&ba, 6 * 16, 1), memory + 150 * 16);
    assert_ptr_equal(block_allocator_alloc(&ba, 5 * 16, 1), memory + 135 * 16);
    assert_ptr_equal(block_allocator_alloc(&ba, 800 * 16, 1), memory + 156 * 16);
    (void)q;
    (void)s;
    assert_true(block_allocator_invariants_hold_full(&ba));
}

/* ---- reset, diagnostics, interface ---- */

static void test_reset_frees_everything_keeps_oom_count(void **state) {
    (void)state;
    assert_non_null(block_allocator_alloc(&ba, 100, 1));
    assert_null(block_allocator_alloc(&ba, 10000, 1));
    block_allocator_reset(&ba);
    allocator_diagnostics d = block_allocator_diagnostics(&ba);
    assert_int_equal(d.allocated_bytes, 0);
    assert_int_equal(d.peak_allocated_bytes, 0);
    assert_int_equal(d.oom_count, 1);
    assert_true(block_allocator_is_empty(&ba));
    assert_int_equal(block_allocator_live_count(&ba), 0);
    assert_ptr_equal(block_allocator_alloc(&ba, 64 * 16, 16), memory);
    assert_true(block_allocator_invariants_hold_full(&ba));
}

static void test_peak_follows_the_most_blocks_at_once(void **state) {
    (void)state;
    void *a = block_allocator_alloc(&ba, 48, 1);
    void *b = block_allocator_alloc(&ba, 16, 1);
    block_allocator_free(&ba, a, 48, 1);
    assert_int_equal(block_allocator_diagnostics(&ba).peak_allocated_bytes, 64);
    assert_int_equal(block_allocator_diagnostics(&ba).allocated_bytes, 16);
    block_allocator_free(&ba, b, 16, 1);
}

static void test_allocator_interface_routes_to_the_blocks(void **state) {
    (void)state;
    allocator a = block_allocator_allocator(&ba);
    uint8_t *p = allocator_alloc(a, 20, 32);
    assert_ptr_equal(p, memory);
    assert_true(allocator_resize(a, p, 20, 64, 32));
    assert_int_equal(used_blocks(), 4);
    allocator_free(a, p, 64, 32);
    assert_true(block_allocator_is_empty(&ba));
    assert_null(allocator_alloc(a, 64 * 16 + 1, 1));
    assert_int_equal(block_allocator_diagnostics(&ba).oom_count, 1);
}

static void test_owns_is_the_block_range(void **state) {
    (void)state;
    assert_true(block_allocator_owns(&ba, memory));
    assert_true(block_allocator_owns(&ba, memory + 64 * 16 - 1));
    assert_false(block_allocator_owns(&ba, memory + 64 * 16)); /* the bitmaps */
    assert_false(block_allocator_owns(&ba, (const void *)((uintptr_t)memory - 1)));
}

static allocator_diagnostics diagnostics_of(void *subject) {
    return block_allocator_diagnostics(subject);
}

static void test_malloc_failure_loop_leaves_the_heap_unchanged(void **state) {
    (void)state;
    assert_non_null(block_allocator_alloc(&ba, 40, 1)); /* something already live */
    loop_script s = {.lens = {24, 100, 7},
                     .count = 3,
                     .align = 16,
                     .grow_to = 60,
                     .subject = &ba,
                     .diagnostics = diagnostics_of};
    assert_failure_loop_clean(&s, block_allocator_allocator(&ba));
    assert_int_equal(used_blocks(), 3);
    assert_true(block_allocator_invariants_hold_full(&ba));
}

static void test_poisoning_covers_free_blocks_and_run_tails(void **state) {
    (void)state;
    if (!mem_poisoning_enabled()) skip();
    assert_true(mem_is_poisoned(memory));
    uint8_t *a = block_allocator_alloc(&ba, 20, 16); /* blocks 0-1 */
    assert_false(mem_is_poisoned(a + 19));
    assert_true(mem_is_poisoned(a + 24)); /* the tail of block 1, past the length */
    assert_true(mem_is_poisoned(a + 32)); /* the next, free, block */
    assert_true(block_allocator_resize(&ba, a, 20, 40, 16));
    assert_false(mem_is_poisoned(a + 39));
    assert_true(block_allocator_resize(&ba, a, 40, 8, 16));
    assert_true(mem_is_poisoned(a + 8));
    assert_true(mem_is_poisoned(a + 16));
    block_allocator_free(&ba, a, 8, 16);
    assert_true(mem_is_poisoned(a));
    assert_false(mem_is_poisoned(memory + 64 * 16)); /* the bitmaps are ours to read */
    assert_true(block_allocator_invariants_hold_full(&ba));
}

/* ---- contract violations abort ---- */

static void double_free(void *arg) {
    (void)arg;
    init_with(64, 16);
    void *p = block_allocator_alloc(&ba, 16, 1);
    block_allocator_free(&ba, p, 16, 1);
    block_allocator_free(&ba, p, 16, 1);
}

static void free_interior_pointer(void *arg) {
    (void)arg;
    init_with(64, 16);
    uint8_t *p = block_allocator_alloc(&ba, 64, 1);
    block_allocator_free(&ba, p + 16, 48, 1);
}

static void free_unaligned_pointer(void *arg) {
    (void)arg;
    init_with(64, 16);
    uint8_t *p = block_allocator_alloc(&ba, 64, 1);
    block_allocator_free(&ba, p + 1, 63, 1);
}

static void free_too_short(void *arg) {
    (void)arg;
    init_with(64, 16);
    void *p = block_allocator_alloc(&ba, 64, 1);
    block_allocator_free(&ba, p, 16, 1);
}

static void free_too_long(void *arg) {
    (void)arg;
    init_with(64, 16);
    void *p = block_allocator_alloc(&ba, 16, 1);
    assert_non_null(block_allocator_alloc(&ba, 16, 1));
    block_allocator_free(&ba, p, 32, 1);
}

static void free_foreign_pointer(void *arg) {
    (void)arg;
    static uint8_t other[16];
    init_with(64, 16);
    block_allocator_free(&ba, other, 16, 1);
}

static void resize_to_zero(void *arg) {
    (void)arg;
    init_with(64, 16);
    void *p = block_allocator_alloc(&ba, 16, 1);
    block_allocator_resize(&ba, p, 16, 0, 1);
}

static void init_with_wrong_size(void *arg) {
    (void)arg;
    block_allocator_params p = {.block_count = 8, .block_bytes = 16};
    block_allocator_init(&ba, memory, block_allocator_memory_bytes(p) + 1, p);
}

static void init_misaligned(void *arg) {
    (void)arg;
    block_allocator_params p = {.block_count = 8, .block_bytes = 64};
    block_allocator_init(&ba, memory + 32, block_allocator_memory_bytes(p), p);
}

static void test_contract_violations_abort(void **state) {
    (void)state;
    expect_abort(double_free, NULL, "assertion failed: bits_test(ba->starts, i)");
    expect_abort(free_interior_pointer, NULL, "assertion failed: bits_test(ba->starts, i)");
    expect_abort(free_unaligned_pointer, NULL, "(offset & (ba->block_bytes - 1u)) == 0u");
    expect_abort(free_too_short, NULL, "!bits_test(ba->used, i + n)");
    expect_abort(free_too_long, NULL, "bits_find_set(ba->starts, i + 1u, i + n) == i + n");
    expect_abort(free_foreign_pointer, NULL, "assertion failed: block_allocator_owns(ba, ptr)");
    expect_abort(resize_to_zero, NULL, "assertion failed: new_len > 0");
    expect_abort(init_with_wrong_size, NULL,
                 "assertion failed: memory_bytes == block_allocator_memory_bytes(params)");
    expect_abort(init_misaligned, NULL, "block_allocator_memory_align(params) == 0");
}

int main(void) {
#define T(fn) cmocka_unit_test_setup(fn, init_fixture)
    const struct CMUnitTest tests[] = {
        T(test_memory_bytes_is_blocks_then_bitmaps_then_tree),
        T(test_memory_align_is_block_size_clamped),
        T(test_params_valid_rejects_out_of_range),
        T(test_alloc_takes_first_fit_in_whole_blocks),
        T(test_alignment_is_counted_in_blocks),
        T(test_alignment_follows_the_address_not_the_index),
        T(test_alignment_at_most_block_size_costs_nothing),
        T(test_exhaustion_returns_null_and_changes_nothing),
        T(test_zero_length_requests_own_nothing),
        T(test_stalloc_readme_32_byte_heap),
        T(test_stalloc_bug_is_empty_after_first_block_free),
        T(test_stalloc_bug_realloc_with_partial_last_block),
        T(test_grow_in_place_iff_next_blocks_free),
        T(test_shrink_always_succeeds_and_frees_the_tail),
        T(test_free_lowers_the_hint),
        T(test_aligned_request_does_not_hide_the_holes_it_skips),
        T(test_search_stats_count_tree_levels_and_scan_rounds),
        T(test_tree_finds_the_lowest_fit_across_words),
        T(test_reset_frees_everything_keeps_oom_count),
        T(test_peak_follows_the_most_blocks_at_once),
        T(test_allocator_interface_routes_to_the_blocks),
        T(test_owns_is_the_block_range),
        T(test_malloc_failure_loop_leaves_the_heap_unchanged),
        T(test_poisoning_covers_free_blocks_and_run_tails),
        T(test_contract_violations_abort),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
