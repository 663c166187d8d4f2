/* The KV fuzz targets' reply check (fuzz/harness/resp_reply_check.h): exactly one complete
 * RESP2 value passes; every way a reply can be malformed, cut short or followed by more is
 * refused, with where and why. */
#include "test_support.h"

#include <string.h>

#include "harness/resp_reply_check.h"

static resp_reply_verdict check(const char *reply) {
    return resp_reply_check((const uint8_t *)reply, strlen(reply));
}

static void test_one_complete_value_of_each_type_passes(void **state) {
    (void)state;
    static const char *const good[] = {
        "+OK\r\n",        "+\r\n",           "-ERR syntax error\r\n", ":0\r\n",
        ":-9223372036854775807\r\n",         "$0\r\n\r\n",            "$-1\r\n",
        ":-9223372036854775808\r\n",         ":9223372036854775807\r\n",
        "$5\r\na\r\nbc\r\n",                 "*-1\r\n",               "*0\r\n",
        "*2\r\n$1\r\na\r\n:7\r\n",           "*2\r\n*1\r\n+x\r\n*0\r\n",
        "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n$5\r\nproto\r\n"
        ":2\r\n$2\r\nid\r\n:1\r\n$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster"
        "\r\n$7\r\nmodules\r\n*0\r\n",
    };
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++) {
        resp_reply_verdict v = check(good[i]);
        assert_true(v.ok);
        assert_int_equal(v.at, strlen(good[i]));
        assert_null(v.why);
    }
}

static void expect_refused(const char *reply, size_t at, const char *why) {
    resp_reply_verdict v = check(reply);
    assert_false(v.ok);
    assert_int_equal(v.at, at);
    assert_string_equal(v.why, why);
}

static void test_an_array_without_its_header_is_refused(void **state) {
    (void)state;
    /* COMMAND LIST with its array header deleted: two values, not one. */
    expect_refused("$3\r\nget\r\n$3\r\nset\r\n", 9, "bytes after the reply's one value");
    /* half of a map's elements: the array ends before its values do */
    expect_refused("*4\r\n$1\r\na\r\n:1\r\n", 15, "the reply ends before its value does");
}

static void test_cut_and_malformed_values_are_refused(void **state) {
    (void)state;
    expect_refused("", 0, "the reply ends before its value does");
    expect_refused("+OK", 0, "a bad line");
    expect_refused("+O\nK\r\n", 0, "a bad line");
    expect_refused("-ERR\r", 0, "a bad line");
    expect_refused(":01\r\n", 0, "a bad integer");
    expect_refused(":-0\r\n", 0, "a bad integer");
    expect_refused(":+1\r\n", 0, "a bad integer");
    expect_refused(":1\n", 0, "a bad integer");
    expect_refused(":9223372036854775808\r\n", 0, "a bad integer"); /* past int64 */
    expect_refused(":-9223372036854775809\r\n", 0, "a bad integer");
    expect_refused(":9999999999999999999\r\n", 0, "a bad integer");
    expect_refused("*9223372036854775808\r\n", 0, "a bad array count");
    expect_refused("$-2\r\n", 0, "a bad bulk length");
    expect_refused("$3\r\nab\r\n", 0, "a bulk longer than the reply");
    expect_refused("$2\r\nabcd\r\n", 6, "no CRLF after a bulk");
    expect_refused("*-2\r\n", 0, "a bad array count");
    expect_refused("*9\r\n:1\r\n", 0, "more elements than bytes left");
    expect_refused("*3\r\n:1\r\n", 8, "the reply ends before its value does");
    expect_refused("!x\r\n", 0, "not a RESP2 type byte");
    expect_refused("+OK\r\n+OK\r\n", 5, "bytes after the reply's one value");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_one_complete_value_of_each_type_passes),
        cmocka_unit_test(test_an_array_without_its_header_is_refused),
        cmocka_unit_test(test_cut_and_malformed_values_are_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
