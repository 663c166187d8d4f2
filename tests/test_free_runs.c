/* The block allocator's summary tree on its own: on random bitmaps of many sizes, with
 * changes recorded and flushed or updated at once, free_runs_find returns the lowest run a
 * naive scan finds, and the tree holds but where changes are pending. */
#include "test_support.h"

#include "alloc/bits.h"
#include "alloc/free_runs.h"

#define TEST_BLOCKS_MAX 2000u
#define TEST_WORDS_MAX  ((TEST_BLOCKS_MAX + 63u) / 64u)

static uint64_t used[TEST_WORDS_MAX];
static free_runs_node nodes[2 * 64];
static uint64_t rng = 0x853c49e6748fea9bu;

static uint64_t next_random(void) {
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return rng;
}

/* The lowest i with blocks [i, i + n) all free, the slow way. */
static size_t naive_find(size_t blocks, size_t n) {
    for (size_t i = 0; i + n <= blocks; i++) {
        size_t j = 0;
        while (j < n && !bits_test(used, i + j))
            j++;
        if (j == n) return i;
    }
    return SIZE_MAX;
}

static void check_all_lengths(free_runs *t, size_t blocks) {
    static const size_t lengths[] = {1, 2, 3, 7, 31, 63, 64, 65, 100, 128, 129, 500, 2000};
    for (size_t k = 0; k < sizeof lengths / sizeof lengths[0]; k++) {
        uint32_t levels = 0;
        size_t got = free_runs_find(t, lengths[k], &levels);
        size_t want = naive_find(blocks, lengths[k]);
        if (got != want)
            fail_msg("%zu blocks, n=%zu: tree %zu, scan %zu", blocks, lengths[k], got, want);
        assert_true(free_runs_hold(t));
    }
}

static void test_lowest_run_matches_a_scan(void **state) {
    (void)state;
    static const size_t sizes[] = {1, 5, 63, 64, 65, 127, 128, 200, 640, 1000, 2000};
    for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
        size_t blocks = sizes[s];
        size_t words = bits_word_count(blocks);
        assert_true(free_runs_node_count(words) <= sizeof nodes / sizeof nodes[0]);
        for (int round = 0; round < 40; round++) {
            /* Runs of random lengths, denser or sparser from round to round. */
            memset(used, 0, sizeof used);
            for (size_t i = 0; i < blocks;) {
                size_t len = 1 + next_random() % (1 + (size_t)round * 5);
                bool set = next_random() % 3 != 0;
                for (size_t j = i; j < i + len && j < blocks; j++) {
                    if (set) bits_set(used, j);
                }
                i += len;
            }
            free_runs t;
            free_runs_init(&t, nodes, used, blocks);
            check_all_lengths(&t, blocks);
            /* Change random ranges, recording them; the next find flushes. */
            for (int change = 0; change < 20; change++) {
                size_t from = next_random() % blocks;
                size_t to = from + 1 + next_random() % 150;
                if (to > blocks) to = blocks;
                bits_assign_range(used, from, to, next_random() % 2 == 0);
                free_runs_changed(&t, from / 64, (to - 1) / 64);
                assert_true(free_runs_hold(&t));
                if (change % 3 == 0) check_all_lengths(&t, blocks);
            }
            check_all_lengths(&t, blocks);
        }
    }
}

static void test_pending_words_are_bounded(void **state) {
    (void)state;
    memset(used, 0, sizeof used);
    free_runs t;
    free_runs_init(&t, nodes, used, TEST_BLOCKS_MAX);
    for (size_t w = 0; w < FREE_RUNS_PENDING_MAX; w++) {
        bits_set(used, w * 64);
        free_runs_changed(&t, w, w);
        free_runs_changed(&t, w, w); /* the same word twice: recorded once */
    }
    assert_int_equal(t.pending_count, FREE_RUNS_PENDING_MAX);
    bits_set(used, FREE_RUNS_PENDING_MAX * 64);
    free_runs_changed(&t, FREE_RUNS_PENDING_MAX, FREE_RUNS_PENDING_MAX); /* one more: flush */
    assert_int_equal(t.pending_count, 1);
    free_runs_changed(&t, 0, 20); /* wide: updated at once, not recorded */
    assert_int_equal(t.pending_count, 1);
    uint32_t levels = 0;
    assert_int_equal(free_runs_find(&t, 63, &levels), 1);
    assert_int_equal(t.pending_count, 0);
    assert_int_equal(levels, 6); /* 32 leaves: root and five levels below */
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_lowest_run_matches_a_scan),
        cmocka_unit_test(test_pending_words_are_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
