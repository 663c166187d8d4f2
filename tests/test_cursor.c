/* The fuzz targets' byte cursor: little-endian reads, bounded ranges, slices, and that
 * nothing is ever read past the end. */
#include "test_support.h"

#include "harness/choice.h"
#include "harness/cursor.h"

static void test_reads_little_endian_then_zero_past_end(void **state) {
    (void)state;
    static const uint8_t bytes[] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07};
    cursor c = cursor_make(bytes, sizeof bytes);
    assert_int_equal(cursor_u8(&c), 0x01);
    assert_int_equal(cursor_u16(&c), 0x0302);
    assert_int_equal(cursor_u32(&c), 0x07060504);
    assert_true(cursor_empty(&c));
    assert_int_equal(cursor_u8(&c), 0);
    assert_int_equal(cursor_u64(&c), 0);
    assert_int_equal(c.pos, sizeof bytes);
}

static void test_partial_multibyte_read_pads_with_zero(void **state) {
    (void)state;
    static const uint8_t bytes[] = {0xaa, 0xbb, 0xcc};
    cursor c = cursor_make(bytes, sizeof bytes);
    assert_int_equal(cursor_u32(&c), 0x00ccbbaa);
    assert_int_equal(c.pos, 3);
}

static void test_range_is_inclusive_and_reads_only_what_it_needs(void **state) {
    (void)state;
    static const uint8_t bytes[] = {9, 255, 0x10, 0x27, 7};
    cursor c = cursor_make(bytes, sizeof bytes);
    assert_int_equal(cursor_range(&c, 0, 3), 1);    /* 9 % 4 */
    assert_int_equal(cursor_range(&c, 10, 10), 10); /* one value: still one byte read */
    assert_int_equal(cursor_range(&c, 0, 9999), 0); /* 0x2710 = 10000, mod 10000 */
    assert_int_equal(c.pos, 4);                     /* a 10000-value range reads two bytes */
    assert_int_equal(cursor_range(&c, 5, 5 + 255), 5 + 7);
    assert_int_equal(cursor_range(&c, 3, 8), 3); /* past the end: zero -> lo */
}

static void test_full_range_returns_raw_u32(void **state) {
    (void)state;
    static const uint8_t bytes[] = {0xff, 0xff, 0xff, 0xff};
    cursor c = cursor_make(bytes, sizeof bytes);
    assert_int_equal(cursor_range(&c, 0, UINT32_MAX), UINT32_MAX);
}

static void test_bytes_are_a_clipped_slice(void **state) {
    (void)state;
    static const uint8_t bytes[] = {3, 'a', 'b', 'c', 200, 'x', 'y'};
    cursor c = cursor_make(bytes, sizeof bytes);
    const uint8_t *s = NULL;
    assert_int_equal(cursor_bytes(&c, 10, &s), 3);
    assert_memory_equal(s, "abc", 3);
    assert_int_equal(cursor_bytes(&c, 255, &s), 2); /* wants 200, only 2 remain */
    assert_ptr_equal(s, bytes + 5);
    assert_int_equal(cursor_bytes(&c, 255, &s), 0);
    assert_true(cursor_empty(&c));
}

static void test_empty_input(void **state) {
    (void)state;
    cursor c = cursor_make(NULL, 0);
    assert_true(cursor_empty(&c));
    assert_int_equal(cursor_remaining(&c), 0);
    assert_false(cursor_bool(&c));
    const uint8_t *s = NULL;
    assert_int_equal(cursor_bytes(&c, 4, &s), 0);
}

static void test_choice_assigned_ids_and_refusal(void **state) {
    (void)state;
    static const char *const names[] = {"alloc", "resize", "free"};
    const choice_table table = CHOICE_TABLE(names, 8);
    /* 9 % 8 = 1 (resize); 2 (free); 3 is unassigned: refused, and the cursor remembers. */
    const uint8_t bytes[] = {9, 2, 3, 0};
    cursor c = cursor_make(bytes, sizeof bytes);
    assert_int_equal(choice_read(&c, &table), 1);
    assert_string_equal(choice_name(&table, 1), "resize");
    assert_int_equal(choice_read(&c, &table), 2);
    assert_false(c.refused);
    assert_int_equal(choice_read(&c, &table), CHOICE_REFUSED);
    assert_true(c.refused);
    assert_int_equal(c.refused_id, 3);
    assert_string_equal(choice_name(&table, CHOICE_REFUSED), "unassigned");
    /* Refusal is sticky; an exhausted cursor chooses entry 0. */
    assert_int_equal(choice_read(&c, &table), 0);
    assert_int_equal(choice_read(&c, &table), 0);
    assert_true(c.refused);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_reads_little_endian_then_zero_past_end),
        cmocka_unit_test(test_partial_multibyte_read_pads_with_zero),
        cmocka_unit_test(test_range_is_inclusive_and_reads_only_what_it_needs),
        cmocka_unit_test(test_full_range_returns_raw_u32),
        cmocka_unit_test(test_bytes_are_a_clipped_slice),
        cmocka_unit_test(test_empty_input),
        cmocka_unit_test(test_choice_assigned_ids_and_refusal),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
