/* Issue 14's non-blocking list commands through the parser and the engine, with the bytes
 * Redis 7.0.15 answers (checked against a real redis-server): LMOVE, RPOPLPUSH, LMPOP, and
 * the limits a move must respect. */
#include "test_support.h"

#include "kv_harness.h"

KV_HARNESS_FIXTURES

static const char *const wrongtype =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

static void test_lmove(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "RPUSH", "s", "a", "b", "c"), ":3\r\n");
    assert_string_equal(KV_CMD(h, "LMOVE", "s", "d", "LEFT", "RIGHT"), "$1\r\na\r\n");
    assert_string_equal(KV_CMD(h, "LMOVE", "s", "d", "right", "left"), "$1\r\nc\r\n");
    assert_string_equal(KV_CMD(h, "LRANGE", "d", "0", "-1"), "*2\r\n$1\r\nc\r\n$1\r\na\r\n");
    assert_string_equal(KV_CMD(h, "LMOVE", "s", "s", "LEFT", "RIGHT"), "$1\r\nb\r\n");
    assert_string_equal(KV_CMD(h, "LRANGE", "s", "0", "-1"), "*1\r\n$1\r\nb\r\n");
    assert_string_equal(KV_CMD(h, "LMOVE", "s", "d", "LEFT", "LEFT"), "$1\r\nb\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "s"), ":0\r\n"); /* emptied: deleted */
    assert_string_equal(KV_CMD(h, "LRANGE", "d", "0", "-1"),
                        "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n");
    assert_string_equal(KV_CMD(h, "LMOVE", "nokey", "d", "LEFT", "LEFT"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "LMOVE", "d", "d", "RIGHT", "RIGHT"), "$1\r\na\r\n");
    assert_string_equal(KV_CMD(h, "LMOVE", "d", "e", "up", "LEFT"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "LMOVE", "d", "e", "LEFT", "down"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "SET", "str", "x"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LMOVE", "str", "d", "LEFT", "LEFT"), wrongtype);
    assert_string_equal(KV_CMD(h, "LMOVE", "d", "str", "LEFT", "LEFT"), wrongtype);
    assert_string_equal(KV_CMD(h, "LRANGE", "d", "0", "-1"),
                        "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n");
    assert_true(kv_store_invariants_hold_full(&kv_harness_engine(h)->store));
}

static void test_rpoplpush(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "RPUSH", "d", "b", "c", "a"), ":3\r\n");
    assert_string_equal(KV_CMD(h, "RPOPLPUSH", "d", "d"), "$1\r\na\r\n");
    assert_string_equal(KV_CMD(h, "RPOPLPUSH", "d", "f"), "$1\r\nc\r\n");
    assert_string_equal(KV_CMD(h, "LRANGE", "f", "0", "-1"), "*1\r\n$1\r\nc\r\n");
    assert_string_equal(KV_CMD(h, "RPOPLPUSH", "nokey", "f"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "SET", "str", "x"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "RPOPLPUSH", "str", "f"), wrongtype);
}

static void test_lmpop(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "RPUSH", "d", "a", "b"), ":2\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "2", "nokey", "d", "LEFT"),
                        "*2\r\n$1\r\nd\r\n*1\r\n$1\r\na\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "2", "nokey", "d", "RIGHT", "COUNT", "10"),
                        "*2\r\n$1\r\nd\r\n*1\r\n$1\r\nb\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "2", "nokey", "d", "RIGHT"), "*-1\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "1", "f", "LEFT", "COUNT", "0"),
                        "-ERR count should be greater than 0\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "0", "f", "LEFT"),
                        "-ERR numkeys should be greater than 0\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "x", "f", "LEFT"),
                        "-ERR numkeys should be greater than 0\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "3", "f", "LEFT"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "1", "f"),
                        "-ERR wrong number of arguments for 'lmpop' command\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "1", "f", "middle"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "1", "f", "LEFT", "COUNT"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "1", "f", "LEFT", "COUNT", "x"),
                        "-ERR count should be greater than 0\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "1", "f", "LEFT", "COUNT", "1", "COUNT", "1"),
                        "-ERR syntax error\r\n");
    /* Options in order: a bad count before a stray word (diff case lmpop-24926de4). */
    assert_string_equal(KV_CMD(h, "LMPOP", "1", "f", "LEFT", "COUNT", "-1", "x"),
                        "-ERR count should be greater than 0\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "1", "f", "LEFT", "COUNT", "1", "COUNT", "0"),
                        "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "1", "f", "LEFT", "x", "COUNT", "0"),
                        "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "SET", "str", "x"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "f", "c"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "2", "str", "f", "LEFT"), wrongtype);
    assert_string_equal(KV_CMD(h, "LMPOP", "2", "f", "str", "LEFT"),
                        "*2\r\n$1\r\nf\r\n*1\r\n$1\r\nc\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "g", "1", "2", "3", "4", "5"), ":5\r\n");
    assert_string_equal(KV_CMD(h, "LMPOP", "1", "g", "RIGHT", "COUNT", "2"),
                        "*2\r\n$1\r\ng\r\n*2\r\n$1\r\n5\r\n$1\r\n4\r\n");
    assert_string_equal(KV_CMD(h, "COMMAND", "GETKEYS", "LMPOP", "2", "a", "b", "LEFT"),
                        "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    assert_string_equal(KV_CMD(h, "COMMAND", "GETKEYS", "LMPOP", "x", "a", "b", "LEFT"),
                        "-ERR Invalid arguments specified for command\r\n");
}

/* A move checks the destination's limits (list_length_max is 32 here, keys_max 64) and a
 * refused move changes nothing; a rotation needs nothing; a new destination is allowed at
 * keys_max when the move empties (and deletes) the source. */
static void test_move_limits(void **state) {
    (void)state;
    for (int i = 0; i < 32; i++)
        KV_CMD(h, "RPUSH", "full", "x");
    assert_string_equal(KV_CMD(h, "LLEN", "full"), ":32\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "src", "a", "b"), ":2\r\n");
    assert_string_equal(KV_CMD(h, "LMOVE", "src", "full", "LEFT", "LEFT"),
                        "-ERR list exceeds list_length_max (32 elements)\r\n");
    assert_string_equal(KV_CMD(h, "LLEN", "src"), ":2\r\n");
    assert_string_equal(KV_CMD(h, "LMOVE", "full", "full", "LEFT", "RIGHT"), "$1\r\nx\r\n");
    /* Fill keys_max (64): src and full are 2 keys. */
    char key[8];
    for (int i = 0; i < 62; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_string_equal(KV_CMD(h, "SET", key, "v"), "+OK\r\n");
    }
    assert_string_equal(KV_CMD(h, "LMOVE", "src", "new", "LEFT", "LEFT"),
                        "-ERR key count exceeds keys_max (64 keys)\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "new"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "LPOP", "src"), "$1\r\na\r\n");
    /* The last element: the source goes, so the new destination fits. */
    assert_string_equal(KV_CMD(h, "LMOVE", "src", "new", "LEFT", "LEFT"), "$1\r\nb\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "src", "new"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":64\r\n");
    assert_true(kv_store_invariants_hold_full(&kv_harness_engine(h)->store));
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, open_harness, close_harness)
    const struct CMUnitTest tests[] = {
        T(test_lmove),
        T(test_rpoplpush),
        T(test_lmpop),
        T(test_move_limits),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
