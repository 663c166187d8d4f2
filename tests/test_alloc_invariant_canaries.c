/* Every allocator self-check can be seen to fail: for each *_invariants_hold and
 * *_invariants_hold_full, a valid state is corrupted on purpose (one field, one bitmap bit,
 * one table entry) and the check must say so; then the state is put back and the check
 * holds again, so the teardown is clean. A full check is also shown to catch what only its
 * walk can see (the O(1) check still holds). Under ASan, the poisoning walks: bytes an
 * allocator must keep poisoned are unpoisoned and the check must fail. */
#include "test_support.h"

#include "alloc/arena.h"
#include "alloc/block_allocator.h"
#include "alloc/byte_pool.h"
#include "alloc/checking.h"
#include "alloc/fixed_buffer.h"
#include "alloc/object_pool.h"
#include "alloc/poison.h"
#include "alloc/reservation.h"
#include "alloc/stack_fallback.h"

/* Under ASan: unpoisons [ptr, ptr+len), which the allocator must keep poisoned; `check` must
 * fail. Poisons it again: `check` must hold. Without ASan there is nothing to see. */
#define ASSERT_POISON_CAUGHT(check, ptr, len)                                                      \
    do {                                                                                           \
        assert_true(check);                                                                        \
        if (mem_poisoning_enabled()) {                                                             \
            mem_unpoison((ptr), (len));                                                            \
            if (check) fail_msg("%s still holds with [%s, +%s) unpoisoned", #check, #ptr, #len);   \
            mem_poison((ptr), (len));                                                              \
            assert_true(check);                                                                    \
        }                                                                                          \
    } while (0)

#define MEMORY_BYTES 16384
static _Alignas(64) uint8_t memory[MEMORY_BYTES];
static _Alignas(64) uint8_t parent_memory[MEMORY_BYTES];

/* ---- fixed buffer, reservation, stack fallback (O(1) checks with an ASan spot check) ---- */

static void test_fixed_buffer(void **state) {
    (void)state;
    fixed_buffer fb;
    fixed_buffer_init(&fb, memory, 1024);
    uint8_t *p = fixed_buffer_alloc(&fb, 40, 8);
    assert_non_null(p);
    const fixed_buffer *c = &fb;
    ASSERT_CAUGHT(fixed_buffer_invariants_hold(c), fb.end_index, 1025);
    ASSERT_CAUGHT(fixed_buffer_invariants_hold(c), fb.peak_bytes, 1025);
    ASSERT_CAUGHT(fixed_buffer_invariants_hold(c), fb.peak_bytes, 39);
    ASSERT_CAUGHT(fixed_buffer_invariants_hold(c), fb.buffer, NULL);
    ASSERT_POISON_CAUGHT(fixed_buffer_invariants_hold(c), p + 40, 8);
    fixed_buffer_free(&fb, p, 40, 8);
}

static void test_reservation(void **state) {
    (void)state;
    reservation r;
    reservation_init_buffer(&r, memory, 4096);
    uint8_t *p = reservation_carve(&r, 100, 8);
    assert_non_null(p);
    const reservation *c = &r;
    ASSERT_CAUGHT(reservation_invariants_hold(c), r.used_bytes, r.peak_bytes + 1);
    ASSERT_CAUGHT(reservation_invariants_hold(c), r.peak_bytes, 4097);
    ASSERT_CAUGHT(reservation_invariants_hold(c), r.carve_count, 0);
    ASSERT_CAUGHT(reservation_invariants_hold(c), r.state, (reservation_state)7);
    ASSERT_CAUGHT(reservation_invariants_hold(c), r.base, NULL);
    ASSERT_CAUGHT(reservation_invariants_hold(c), r.mapped_bytes, 100);
    ASSERT_POISON_CAUGHT(reservation_invariants_hold(c), p + 104, 8);
}

static void test_stack_fallback(void **state) {
    (void)state;
    fixed_buffer parent;
    fixed_buffer_init(&parent, parent_memory, 4096);
    stack_fallback sf;
    stack_fallback_init(&sf, memory, 64, fixed_buffer_allocator(&parent));
    void *a = stack_fallback_alloc(&sf, 48, 8);
    void *b = stack_fallback_alloc(&sf, 48, 8); /* does not fit the 64 bytes: fallback */
    assert_non_null(a);
    assert_non_null(b);
    assert_false(stack_fallback_owns_primary(&sf, b));
    const stack_fallback *c = &sf;
    ASSERT_CAUGHT(stack_fallback_invariants_hold(c), sf.fallback.vtable, NULL);
    ASSERT_CAUGHT(stack_fallback_invariants_hold(c), sf.peak_bytes, 95);
    ASSERT_CAUGHT(stack_fallback_invariants_hold(c), sf.fallback_allocations, 0);
    ASSERT_CAUGHT(stack_fallback_invariants_hold(c), sf.primary.end_index, 65);
    stack_fallback_free(&sf, b, 48, 8);
    stack_fallback_free(&sf, a, 48, 8);
}

/* ---- arena ---- */

static void test_arena(void **state) {
    (void)state;
    fixed_buffer parent;
    fixed_buffer_init(&parent, parent_memory, MEMORY_BYTES);
    arena a;
    arena_init(&a, fixed_buffer_allocator(&parent), 256);
    uint8_t *p = arena_alloc(&a, 200, 8);
    uint8_t *q = arena_alloc(&a, 300, 8); /* a second chunk, filled */
    uint8_t *r = arena_alloc(&a, 16, 8);
    assert_non_null(p);
    assert_non_null(q);
    assert_non_null(r);
    assert_int_equal(arena_chunk_count(&a), 3); /* 200 and 16 do not share a chunk with 300 */
    const arena *c = &a;
    ASSERT_CAUGHT(arena_invariants_hold(c), a.parent.vtable, NULL);
    ASSERT_CAUGHT(arena_invariants_hold(c), a.current, NULL);
    ASSERT_CAUGHT(arena_invariants_hold(c), a.end_index, a.held_bytes);
    ASSERT_CAUGHT(arena_invariants_hold(c), a.allocated_bytes, a.held_bytes + 1);
    ASSERT_CAUGHT(arena_invariants_hold(c), a.peak_bytes, a.allocated_bytes - 1);
    ASSERT_CAUGHT(arena_invariants_hold_full(c), a.peak_bytes, 0);
    /* Only the walk of the chunk list sees these. */
    ASSERT_CAUGHT_BY_FULL(arena_invariants_hold(c), arena_invariants_hold_full(c), a.chunk_count,
                          4);
    ASSERT_CAUGHT_BY_FULL(arena_invariants_hold(c), arena_invariants_hold_full(c), a.held_bytes,
                          a.held_bytes + 8);
    ASSERT_CAUGHT_BY_FULL(arena_invariants_hold(c), arena_invariants_hold_full(c), a.last, a.first);
    /* The current chunk's unused bytes after r stay poisoned. */
    ASSERT_POISON_CAUGHT(arena_invariants_hold_full(c), r + 16, 16);
    arena_reset(&a, ARENA_FREE_ALL, 0);
}

/* ---- block allocator ---- */

static void test_block_allocator(void **state) {
    (void)state;
    block_allocator_params params = {.block_count = 100, .block_bytes = 16};
    assert_true(block_allocator_memory_bytes(params) <= MEMORY_BYTES);
    block_allocator ba;
    block_allocator_init(&ba, memory, block_allocator_memory_bytes(params), params);
    uint8_t *a = block_allocator_alloc(&ba, 32, 16); /* blocks 0, 1 */
    uint8_t *b = block_allocator_alloc(&ba, 16, 16); /* block 2 */
    assert_non_null(a);
    assert_non_null(b);
    const block_allocator *c = &ba;
    ASSERT_CAUGHT(block_allocator_invariants_hold(c), ba.used, NULL);
    ASSERT_CAUGHT(block_allocator_invariants_hold(c), ba.block_shift, 5);
    ASSERT_CAUGHT(block_allocator_invariants_hold(c), ba.used_blocks, ba.peak_blocks + 1);
    ASSERT_CAUGHT(block_allocator_invariants_hold(c), ba.live_count, 4);
    ASSERT_CAUGHT(block_allocator_invariants_hold(c), ba.first_free_hint, 101);
    ASSERT_CAUGHT(block_allocator_invariants_hold(c), ba.high_water, 2);
    /* Only the walk of the bitmaps and the tree sees these. */
    ASSERT_CAUGHT_BY_FULL(block_allocator_invariants_hold(c),
                          block_allocator_invariants_hold_full(c), ba.used[0],
                          ba.used[0] | (1u << 5)); /* a used bit too many */
    ASSERT_CAUGHT_BY_FULL(block_allocator_invariants_hold(c),
                          block_allocator_invariants_hold_full(c), ba.starts[0],
                          0x21u); /* a start on free block 5, none on 2 */
    ASSERT_CAUGHT_BY_FULL(block_allocator_invariants_hold(c),
                          block_allocator_invariants_hold_full(c), ba.first_free_hint,
                          4); /* block 3 is free, below the hint */
    ASSERT_CAUGHT_BY_FULL(block_allocator_invariants_hold(c),
                          block_allocator_invariants_hold_full(c), ba.used[1],
                          (uint64_t)1 << 40); /* past the last block, 99 */
    ASSERT_CAUGHT_BY_FULL(block_allocator_invariants_hold(c),
                          block_allocator_invariants_hold_full(c), ba.runs.nodes[3].longest,
                          0); /* word 1's leaf disagrees */
    /* A free block stays poisoned. */
    ASSERT_POISON_CAUGHT(block_allocator_invariants_hold_full(c), ba.blocks + 50 * 16, 16);
    block_allocator_free(&ba, b, 16, 16);
    block_allocator_free(&ba, a, 32, 16);
}

/* ---- byte pool ---- */

static void test_byte_pool(void **state) {
    (void)state;
    byte_pool_params params = {.slot_count = 8, .slot_bytes = 32};
    assert_true(byte_pool_memory_bytes(params) <= MEMORY_BYTES);
    byte_pool bp;
    byte_pool_init(&bp, memory, byte_pool_memory_bytes(params), params);
    uint32_t a = byte_pool_reserve(&bp);
    uint32_t b = byte_pool_reserve(&bp);
    uint32_t d = byte_pool_reserve(&bp);
    assert_true(byte_pool_write(&bp, a, "hello", 5));
    byte_pool_release(&bp, b); /* one slot on the free list */
    const byte_pool *c = &bp;
    ASSERT_CAUGHT(byte_pool_invariants_hold(c), bp.state, NULL);
    ASSERT_CAUGHT(byte_pool_invariants_hold(c), bp.fresh, 9);
    ASSERT_CAUGHT(byte_pool_invariants_hold(c), bp.live_count, 3);
    ASSERT_CAUGHT(byte_pool_invariants_hold(c), bp.peak_live, 1);
    ASSERT_CAUGHT(byte_pool_invariants_hold(c), bp.stored_bytes, 2 * 32 + 1);
    ASSERT_CAUGHT(byte_pool_invariants_hold(c), bp.free_head, a); /* a live slot */
    /* Only the walk of the slots and the free list sees these. */
    ASSERT_CAUGHT_BY_FULL(byte_pool_invariants_hold(c), byte_pool_invariants_hold_full(c),
                          bp.state[a], 6); /* a length the stored bytes do not add up to */
    ASSERT_CAUGHT_BY_FULL(byte_pool_invariants_hold(c), byte_pool_invariants_hold_full(c),
                          bp.state[b], (1u << 31) | 5u); /* free, next slot 5: past fresh */
    ASSERT_CAUGHT_BY_FULL(byte_pool_invariants_hold(c), byte_pool_invariants_hold_full(c),
                          bp.stored_bytes, 4);
    /* A slot's bytes past its length, and never-used slots, stay poisoned. */
    uint8_t *bytes_a = bp.slots + (size_t)a * 32;
    ASSERT_POISON_CAUGHT(byte_pool_invariants_hold_full(c), bytes_a + 16, 16);
    ASSERT_POISON_CAUGHT(byte_pool_invariants_hold_full(c), bp.slots + 7 * 32, 32);
    byte_pool_release(&bp, d);
    byte_pool_release(&bp, a);
}

/* ---- checking ---- */

static void test_checking(void **state) {
    (void)state;
    fixed_buffer parent;
    fixed_buffer_init(&parent, parent_memory, MEMORY_BYTES);
    checking_params params = {.blocks_max = 8,
                              .guard_bytes = 8,
                              .limit_bytes = CHECKING_NO_LIMIT,
                              .on_error = CHECKING_ABORT};
    static _Alignas(64) uint8_t table[4096];
    assert_true(checking_memory_bytes(params) <= sizeof table);
    checking ck;
    checking_init(&ck, fixed_buffer_allocator(&parent), table, checking_memory_bytes(params),
                  params);
    allocator a = checking_allocator(&ck);
    void *p = allocator_alloc(a, 24, 8);
    void *q = allocator_alloc(a, 40, 8);
    assert_non_null(p);
    assert_non_null(q);
    const checking *c = &ck;
    ASSERT_CAUGHT(checking_invariants_hold(c), ck.table, NULL);
    ASSERT_CAUGHT(checking_invariants_hold(c), ck.live_count, 9);
    ASSERT_CAUGHT(checking_invariants_hold(c), ck.table_mask, 7); /* too small a table */
    ASSERT_CAUGHT(checking_invariants_hold(c), ck.peak_bytes, 63);
    ASSERT_CAUGHT(checking_invariants_hold(c), ck.freed_next, CHECKING_FREED_HISTORY);
    /* Only the walk of the block table sees these. */
    checking_block *entry = NULL;
    for (uint32_t i = 0; i <= ck.table_mask && entry == NULL; i++)
        if (ck.table[i].ptr == p) entry = &ck.table[i];
    assert_non_null(entry);
    ASSERT_CAUGHT_BY_FULL(checking_invariants_hold(c), checking_invariants_hold_full(c), entry->len,
                          25); /* the lengths do not add up to live_bytes */
    ASSERT_CAUGHT_BY_FULL(checking_invariants_hold(c), checking_invariants_hold_full(c),
                          entry->serial, 0);
    ASSERT_CAUGHT_BY_FULL(checking_invariants_hold(c), checking_invariants_hold_full(c),
                          entry->align, 3);
    ASSERT_CAUGHT_BY_FULL(checking_invariants_hold(c), checking_invariants_hold_full(c),
                          ck.live_count, 1);
    allocator_free(a, q, 40, 8);
    allocator_free(a, p, 24, 8);
}

/* ---- failing ---- */

static void test_failing(void **state) {
    (void)state;
    fixed_buffer parent;
    fixed_buffer_init(&parent, parent_memory, MEMORY_BYTES);
    failing_allocator f;
    failing_init(&f, fixed_buffer_allocator(&parent));
    allocator a = failing_allocator_iface(&f);
    void *p = allocator_alloc(a, 24, 8);
    void *q = allocator_alloc(a, 40, 8);
    assert_non_null(p);
    assert_non_null(q);
    allocator_free(a, q, 40, 8);
    const failing_allocator *c = &f;
    ASSERT_CAUGHT(failing_invariants_hold(c), f.child.vtable, NULL);
    ASSERT_CAUGHT(failing_invariants_hold(c), f.counters.freed_bytes, 65);
    ASSERT_CAUGHT(failing_invariants_hold(c), f.counters.deallocations, 3);
    ASSERT_CAUGHT(failing_invariants_hold(c), f.peak_live_bytes, 23);
    ASSERT_CAUGHT(failing_invariants_hold(c), f.counters.induced_failures, 1);
    allocator_free(a, p, 24, 8);
}

/* ---- object pool ---- */

static void test_object_pool(void **state) {
    (void)state;
    /* 8-byte items aligned to 16: each live item is followed by 8 bytes of poisoned slack. */
    object_pool_params params = {.item_bytes = 8, .item_align = 16, .item_count = 8};
    assert_true(object_pool_memory_bytes(params) <= MEMORY_BYTES);
    object_pool pool;
    object_pool_init(&pool, memory, object_pool_memory_bytes(params), params);
    uint8_t *a = object_pool_create(&pool);
    uint8_t *b = object_pool_create(&pool);
    uint8_t *d = object_pool_create(&pool);
    assert_non_null(a);
    assert_non_null(b);
    assert_non_null(d);
    object_pool_destroy(&pool, b); /* one item on the free list */
    assert_int_equal(pool.stride, 16);
    const object_pool *c = &pool;
    ASSERT_CAUGHT(object_pool_invariants_hold(c), pool.live, NULL);
    ASSERT_CAUGHT(object_pool_invariants_hold(c), pool.stride, 4);
    ASSERT_CAUGHT(object_pool_invariants_hold(c), pool.items_bytes, 8 * 16 + 1);
    ASSERT_CAUGHT(object_pool_invariants_hold(c), pool.fresh, 9);
    ASSERT_CAUGHT(object_pool_invariants_hold(c), pool.peak_live, 1);
    ASSERT_CAUGHT(object_pool_invariants_hold(c), pool.free_head, NULL);
    ASSERT_CAUGHT(object_pool_invariants_hold(c), pool.free_head, (void *)a); /* a live item */
    ASSERT_CAUGHT(object_pool_invariants_hold(c), pool.free_head, (void *)(b + 8)); /* inside */
    /* Only the walk of the live marks and the free list sees these. */
    ASSERT_CAUGHT_BY_FULL(object_pool_invariants_hold(c), object_pool_invariants_hold_full(c),
                          pool.live[2], 0); /* d no longer marked live */
    ASSERT_CAUGHT_BY_FULL(object_pool_invariants_hold(c), object_pool_invariants_hold_full(c),
                          pool.live_count, 1);
    /* A live item's slack, a free item, and never-used items stay poisoned. */
    ASSERT_POISON_CAUGHT(object_pool_invariants_hold_full(c), a + 8, 8);
    ASSERT_POISON_CAUGHT(object_pool_invariants_hold_full(c), b + 8, 8);
    ASSERT_POISON_CAUGHT(object_pool_invariants_hold_full(c), pool.items + 7 * 16, 16);
    object_pool_destroy(&pool, d);
    object_pool_destroy(&pool, a);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_fixed_buffer),    cmocka_unit_test(test_reservation),
        cmocka_unit_test(test_stack_fallback),  cmocka_unit_test(test_arena),
        cmocka_unit_test(test_block_allocator), cmocka_unit_test(test_byte_pool),
        cmocka_unit_test(test_checking),        cmocka_unit_test(test_failing),
        cmocka_unit_test(test_object_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
