/* String commands through the parser and the engine: exact reply bytes. */
#include "test_support.h"

#include "kv_harness.h"

KV_HARNESS_FIXTURES

static void test_set_get_overwrite(void **state) {
    (void)state;
    assert_string_equal(kv_harness_send(h, "SET a hello\r\nGET a\r\n"), "+OK\r\n$5\r\nhello\r\n");
    assert_string_equal(KV_CMD(h, "SET", "a", "x"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "GET", "a"), "$1\r\nx\r\n");
    assert_string_equal(KV_CMD(h, "GET", "missing"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "STRLEN", "a"), ":1\r\n");
}

static void test_set_options(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "k", "v", "NX"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "k", "w", "NX"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "SET", "k", "w", "XX", "GET"), "$1\r\nv\r\n");
    assert_string_equal(KV_CMD(h, "SET", "nope", "w", "XX"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "SET", "k", "v", "NX", "XX"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "SET", "k", "v", "EX", "0"),
                        "-ERR invalid expire time in 'set' command\r\n");
    assert_string_equal(KV_CMD(h, "SET", "k", "v", "EX", "x"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(KV_CMD(h, "SET", "k", "v", "EX"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "SET", "k", "v", "PX", "100", "KEEPTTL"),
                        "-ERR syntax error\r\n");
}

static void test_expiry_is_lazy_and_exact(void **state) {
    (void)state;
    kv_harness_set_time(h, 1000000);
    assert_string_equal(KV_CMD(h, "SET", "t", "v", "PX", "100"), "+OK\r\n");
    kv_harness_set_time(h, 1000100);
    assert_string_equal(KV_CMD(h, "GET", "t"), "$1\r\nv\r\n"); /* now == expiry: still there */
    kv_harness_set_time(h, 1000101);
    assert_string_equal(KV_CMD(h, "GET", "t"), "$-1\r\n");
}

static void test_incr_family(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "INCR", "n"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "INCRBY", "n", "41"), ":42\r\n");
    assert_string_equal(KV_CMD(h, "DECRBY", "n", "-9223372036854775808"),
                        "-ERR decrement would overflow\r\n");
    assert_string_equal(KV_CMD(h, "SET", "n", "9223372036854775807"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "INCR", "n"), "-ERR increment or decrement would overflow\r\n");
    assert_string_equal(KV_CMD(h, "SET", "s", " 1"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "INCR", "s"), "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "INCR", "l"),
                        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
}

static void test_ranges(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "r", "Hello World"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "GETRANGE", "r", "0", "4"), "$5\r\nHello\r\n");
    assert_string_equal(KV_CMD(h, "GETRANGE", "r", "-5", "-1"), "$5\r\nWorld\r\n");
    assert_string_equal(KV_CMD(h, "GETRANGE", "r", "-1", "-5"), "$0\r\n\r\n");
    assert_string_equal(KV_CMD(h, "SETRANGE", "r", "6", "Redis"), ":11\r\n");
    assert_string_equal(KV_CMD(h, "GET", "r"), "$11\r\nHello Redis\r\n");
    assert_string_equal(KV_CMD(h, "SETRANGE", "z", "3", "ab"), ":5\r\n");
    const char *got = KV_CMD(h, "GET", "z");
    static const char zeros[] = "$5\r\n\0\0\0ab\r\n";
    assert_int_equal(kv_harness_reply_len(h), sizeof zeros - 1);
    assert_memory_equal(got, zeros, sizeof zeros - 1);
    assert_string_equal(KV_CMD(h, "APPEND", "z", "cd"), ":7\r\n");
    assert_string_equal(KV_CMD(h, "SETRANGE", "r", "-1", "x"), "-ERR offset is out of range\r\n");
}

static void test_mset_mget(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "MSET", "a", "1", "b", "2", "a", "3"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "MGET", "a", "b", "c"), "*3\r\n$1\r\n3\r\n$1\r\n2\r\n$-1\r\n");
    assert_string_equal(KV_CMD(h, "MSETNX", "c", "1", "a", "2"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "MSET", "a"),
                        "-ERR wrong number of arguments for 'mset' command\r\n");
    assert_string_equal(KV_CMD(h, "MSET", "a", "1", "b"),
                        "-ERR wrong number of arguments for 'mset' command\r\n");
}

static void test_limits_answer_their_names(void **state) {
    (void)state;
    char big[300];
    memset(big, 'v', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    assert_string_equal(KV_CMD(h, "SET", "a", big),
                        "-ERR value exceeds value_size_max (256 bytes)\r\n");
    assert_string_equal(KV_CMD(h, "GET", "a"), "$-1\r\n");
    big[70] = '\0';
    assert_string_equal(KV_CMD(h, "SET", big, "v"), "-ERR key exceeds key_size_max (64 bytes)\r\n");
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, open_harness, close_harness)
    const struct CMUnitTest tests[] = {
        T(test_set_get_overwrite),
        T(test_set_options),
        T(test_expiry_is_lazy_and_exact),
        T(test_incr_family),
        T(test_ranges),
        T(test_mset_mget),
        T(test_limits_answer_their_names),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
