/* The RESP2 reply writer: every type byte-exact, overflow leaves the buffer unchanged and
 * is sticky, rollback to a mark, exact size functions, and integer formatting. */
#include "test_support.h"

#include "kv/resp_number.h"
#include "kv/resp_writer.h"

static char buf[64];
static resp_writer w;

static int fresh(void **state) {
    (void)state;
    memset(buf, '#', sizeof buf);
    resp_writer_init(&w, buf, sizeof buf);
    return 0;
}

static void assert_written(const char *expected) {
    assert_int_equal(w.len, strlen(expected));
    assert_memory_equal(buf, expected, w.len);
}

static void test_every_type(void **state) {
    (void)state;
    assert_true(resp_write_simple(&w, "OK", 2));
    assert_true(resp_write_error(&w, "ERR x", 5));
    assert_true(resp_write_integer(&w, -42));
    assert_true(resp_write_bulk(&w, "ab", 2));
    assert_true(resp_write_null_bulk(&w));
    assert_true(resp_write_array_header(&w, 3));
    assert_true(resp_write_null_array(&w));
    assert_written("+OK\r\n-ERR x\r\n:-42\r\n$2\r\nab\r\n$-1\r\n*3\r\n*-1\r\n");
}

static void test_binary_bulk_and_pieces(void **state) {
    (void)state;
    assert_true(resp_write_bulk(&w, "\r\n\0", 3));
    assert_true(resp_write_bulk_header(&w, 4));
    assert_true(resp_write_raw(&w, "ab", 2));
    assert_true(resp_write_raw(&w, "cd", 2));
    assert_true(resp_write_crlf(&w));
    assert_true(resp_write_bulk(&w, "", 0));
    static const char expected[] = "$3\r\n\r\n\0\r\n$4\r\nabcd\r\n$0\r\n\r\n";
    assert_int_equal(w.len, sizeof expected - 1);
    assert_memory_equal(buf, expected, sizeof expected - 1);
}

static void test_errors_replace_cr_and_lf(void **state) {
    (void)state;
    assert_true(resp_write_error(&w, "ERR a\r\nb", 8));
    assert_written("-ERR a  b\r\n");
}

static void test_integers_at_the_extremes(void **state) {
    (void)state;
    assert_true(resp_write_integer(&w, INT64_MIN));
    assert_true(resp_write_integer(&w, INT64_MAX));
    assert_true(resp_write_integer(&w, 0));
    assert_written(":-9223372036854775808\r\n:9223372036854775807\r\n:0\r\n");
    assert_int_equal(resp_integer_size(INT64_MIN), 23);
    assert_int_equal(resp_integer_size(0), 4);
    assert_int_equal(resp_integer_size(-1), 5);
}

static void test_overflow_writes_nothing_and_sticks(void **state) {
    (void)state;
    char big[80];
    memset(big, 'x', sizeof big);
    assert_true(resp_write_simple(&w, "OK", 2));
    assert_false(resp_write_bulk(&w, big, 60)); /* 66 bytes would not fit in 59 */
    assert_true(resp_writer_overflowed(&w));
    assert_int_equal(w.len, 5);
    assert_int_equal(buf[5], '#');           /* nothing written past the good part */
    assert_false(resp_write_integer(&w, 1)); /* sticky, though it would fit */
    assert_int_equal(w.len, 5);
}

static void test_rollback_to_a_mark(void **state) {
    (void)state;
    assert_true(resp_write_simple(&w, "OK", 2));
    size_t mark = resp_writer_mark(&w);
    assert_true(resp_write_array_header(&w, 2));
    assert_true(resp_write_bulk(&w, "a", 1));
    char big[80];
    memset(big, 'x', sizeof big);
    assert_false(resp_write_bulk(&w, big, sizeof big));
    resp_writer_rollback(&w, mark);
    assert_false(resp_writer_overflowed(&w));
    assert_written("+OK\r\n");
    assert_int_equal(resp_writer_room(&w), sizeof buf - 5);
}

static void test_exact_fit(void **state) {
    (void)state;
    char data[57];
    memset(data, 'y', sizeof data);
    assert_int_equal(resp_bulk_size(57), 64);
    assert_true(resp_write_bulk(&w, data, sizeof data));
    assert_int_equal(resp_writer_room(&w), 0);
    assert_false(resp_write_raw(&w, "z", 1));
}

static void test_number_parsing_follows_string2ll(void **state) {
    (void)state;
    int64_t v = 0;
    assert_true(resp_parse_int64((const uint8_t *)"-9223372036854775808", 20, &v));
    assert_true(v == INT64_MIN);
    assert_true(resp_parse_int64((const uint8_t *)"9223372036854775807", 19, &v));
    assert_true(v == INT64_MAX);
    assert_false(resp_parse_int64((const uint8_t *)"9223372036854775808", 19, &v));
    assert_false(resp_parse_int64((const uint8_t *)"-9223372036854775809", 20, &v));
    const char *bad[] = {"", "-", "-0", "+1", "01", " 1", "1 ", "1.0", "0x1", "00"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        assert_false(resp_parse_int64((const uint8_t *)bad[i], strlen(bad[i]), &v));
    }
    assert_true(resp_parse_int64((const uint8_t *)"0", 1, &v));
    assert_int_equal(v, 0);
    /* 21 bytes are refused before looking at them, as Redis does. */
    assert_false(resp_parse_int64((const uint8_t *)"000000000000000000001", 21, &v));
}

static void simple_with_newline(void *arg) {
    (void)arg;
    resp_writer_init(&w, buf, sizeof buf);
    resp_write_simple(&w, "a\r\nb", 4);
}

static void test_simple_strings_must_not_hold_newlines(void **state) {
    (void)state;
    expect_abort(simple_with_newline, NULL, "assertion failed");
}

int main(void) {
#define T(fn) cmocka_unit_test_setup(fn, fresh)
    const struct CMUnitTest tests[] = {
        T(test_every_type),
        T(test_binary_bulk_and_pieces),
        T(test_errors_replace_cr_and_lf),
        T(test_integers_at_the_extremes),
        T(test_overflow_writes_nothing_and_sticks),
        T(test_rollback_to_a_mark),
        T(test_exact_fit),
        T(test_number_parsing_follows_string2ll),
        T(test_simple_strings_must_not_hold_newlines),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
