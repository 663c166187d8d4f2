/* Issue 14's non-blocking list commands through the parser and the engine, with the bytes
 * Redis 7.0.15 answers (checked against a real redis-server): LMOVE, RPOPLPUSH, LMPOP, and
 * the limits a move must respect. */
#include "test_support.h"

#include "kv_assert.h"

KV_HARNESS_FIXTURES

static void test_lmove(void **state) {
    (void)state;
    assert_reply(h, ":3\r\n", "RPUSH", "s", "a", "b", "c");
    assert_reply(h, "$1\r\na\r\n", "LMOVE", "s", "d", "LEFT", "RIGHT");
    assert_reply(h, "$1\r\nc\r\n", "LMOVE", "s", "d", "right", "left");
    assert_reply(h, "*2\r\n$1\r\nc\r\n$1\r\na\r\n", "LRANGE", "d", "0", "-1");
    assert_reply(h, "$1\r\nb\r\n", "LMOVE", "s", "s", "LEFT", "RIGHT");
    assert_reply(h, "*1\r\n$1\r\nb\r\n", "LRANGE", "s", "0", "-1");
    assert_reply(h, "$1\r\nb\r\n", "LMOVE", "s", "d", "LEFT", "LEFT");
    assert_reply(h, ":0\r\n", "EXISTS", "s"); /* emptied: deleted */
    assert_reply(h, "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n", "LRANGE", "d", "0", "-1");
    assert_reply(h, "$-1\r\n", "LMOVE", "nokey", "d", "LEFT", "LEFT");
    assert_reply(h, "$1\r\na\r\n", "LMOVE", "d", "d", "RIGHT", "RIGHT");
    assert_reply(h, KV_REPLY_SYNTAX, "LMOVE", "d", "e", "up", "LEFT");
    assert_reply(h, KV_REPLY_SYNTAX, "LMOVE", "d", "e", "LEFT", "down");
    assert_reply(h, "+OK\r\n", "SET", "str", "x");
    assert_reply(h, KV_REPLY_WRONGTYPE, "LMOVE", "str", "d", "LEFT", "LEFT");
    assert_reply(h, KV_REPLY_WRONGTYPE, "LMOVE", "d", "str", "LEFT", "LEFT");
    assert_reply(h, "*3\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\na\r\n", "LRANGE", "d", "0", "-1");
    assert_true(kv_store_invariants_hold_full(&kv_harness_engine(h)->store));
}

static void test_rpoplpush(void **state) {
    (void)state;
    assert_reply(h, ":3\r\n", "RPUSH", "d", "b", "c", "a");
    assert_reply(h, "$1\r\na\r\n", "RPOPLPUSH", "d", "d");
    assert_reply(h, "$1\r\nc\r\n", "RPOPLPUSH", "d", "f");
    assert_reply(h, "*1\r\n$1\r\nc\r\n", "LRANGE", "f", "0", "-1");
    assert_reply(h, "$-1\r\n", "RPOPLPUSH", "nokey", "f");
    assert_reply(h, "+OK\r\n", "SET", "str", "x");
    assert_reply(h, KV_REPLY_WRONGTYPE, "RPOPLPUSH", "str", "f");
}

static void test_lmpop(void **state) {
    (void)state;
    assert_reply(h, ":2\r\n", "RPUSH", "d", "a", "b");
    assert_reply(h, "*2\r\n$1\r\nd\r\n*1\r\n$1\r\na\r\n", "LMPOP", "2", "nokey", "d", "LEFT");
    assert_reply(h, "*2\r\n$1\r\nd\r\n*1\r\n$1\r\nb\r\n", "LMPOP", "2", "nokey", "d", "RIGHT",
                 "COUNT", "10");
    assert_reply(h, "*-1\r\n", "LMPOP", "2", "nokey", "d", "RIGHT");
    assert_reply(h, "-ERR count should be greater than 0\r\n", "LMPOP", "1", "f", "LEFT", "COUNT",
                 "0");
    assert_reply(h, "-ERR numkeys should be greater than 0\r\n", "LMPOP", "0", "f", "LEFT");
    assert_reply(h, "-ERR numkeys should be greater than 0\r\n", "LMPOP", "x", "f", "LEFT");
    assert_reply(h, KV_REPLY_SYNTAX, "LMPOP", "3", "f", "LEFT");
    assert_reply(h, "-ERR wrong number of arguments for 'lmpop' command\r\n", "LMPOP", "1", "f");
    assert_reply(h, KV_REPLY_SYNTAX, "LMPOP", "1", "f", "middle");
    assert_reply(h, KV_REPLY_SYNTAX, "LMPOP", "1", "f", "LEFT", "COUNT");
    assert_reply(h, "-ERR count should be greater than 0\r\n", "LMPOP", "1", "f", "LEFT", "COUNT",
                 "x");
    assert_reply(h, KV_REPLY_SYNTAX, "LMPOP", "1", "f", "LEFT", "COUNT", "1", "COUNT", "1");
    /* Options in order: a bad count before a stray word (diff case lmpop-24926de4). */
    assert_reply(h, "-ERR count should be greater than 0\r\n", "LMPOP", "1", "f", "LEFT", "COUNT",
                 "-1", "x");
    assert_reply(h, KV_REPLY_SYNTAX, "LMPOP", "1", "f", "LEFT", "COUNT", "1", "COUNT", "0");
    assert_reply(h, KV_REPLY_SYNTAX, "LMPOP", "1", "f", "LEFT", "x", "COUNT", "0");
    assert_reply(h, "+OK\r\n", "SET", "str", "x");
    assert_reply(h, ":1\r\n", "RPUSH", "f", "c");
    assert_reply(h, KV_REPLY_WRONGTYPE, "LMPOP", "2", "str", "f", "LEFT");
    assert_reply(h, "*2\r\n$1\r\nf\r\n*1\r\n$1\r\nc\r\n", "LMPOP", "2", "f", "str", "LEFT");
    assert_reply(h, ":5\r\n", "RPUSH", "g", "1", "2", "3", "4", "5");
    assert_reply(h, "*2\r\n$1\r\ng\r\n*2\r\n$1\r\n5\r\n$1\r\n4\r\n", "LMPOP", "1", "g", "RIGHT",
                 "COUNT", "2");
    assert_reply(h, "*2\r\n$1\r\na\r\n$1\r\nb\r\n", "COMMAND", "GETKEYS", "LMPOP", "2", "a", "b",
                 "LEFT");
    assert_reply(h, "-ERR Invalid arguments specified for command\r\n", "COMMAND", "GETKEYS",
                 "LMPOP", "x", "a", "b", "LEFT");
}

/* A move checks the destination's limits (list_length_max is 32 here, keys_max 64) and a
 * refused move changes nothing; a rotation needs nothing; a new destination is allowed at
 * keys_max when the move empties (and deletes) the source. */
static void test_move_limits(void **state) {
    (void)state;
    for (int i = 0; i < 32; i++)
        KV_CMD(h, "RPUSH", "full", "x");
    assert_reply(h, ":32\r\n", "LLEN", "full");
    assert_reply(h, ":2\r\n", "RPUSH", "src", "a", "b");
    assert_reply(h, "-ERR list exceeds list_length_max (32 elements)\r\n", "LMOVE", "src", "full",
                 "LEFT", "LEFT");
    assert_reply(h, ":2\r\n", "LLEN", "src");
    assert_reply(h, "$1\r\nx\r\n", "LMOVE", "full", "full", "LEFT", "RIGHT");
    /* Fill keys_max (64): src and full are 2 keys. */
    char key[8];
    for (int i = 0; i < 62; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_reply(h, "+OK\r\n", "SET", key, "v");
    }
    assert_reply(h, "-ERR key count exceeds keys_max (64 keys)\r\n", "LMOVE", "src", "new", "LEFT",
                 "LEFT");
    assert_reply(h, ":0\r\n", "EXISTS", "new");
    assert_reply(h, "$1\r\na\r\n", "LPOP", "src");
    /* The last element: the source goes, so the new destination fits. */
    assert_reply(h, "$1\r\nb\r\n", "LMOVE", "src", "new", "LEFT", "LEFT");
    assert_reply(h, ":1\r\n", "EXISTS", "src", "new");
    assert_reply(h, ":64\r\n", "DBSIZE");
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
