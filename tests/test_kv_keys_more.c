/* Issue 14's keyspace commands through the parser and the engine, with the bytes Redis
 * 7.0.15 answers (checked against a real redis-server; the intended differences are
 * commented): RENAMENX, COPY, RANDOMKEY, TOUCH, EXPIRETIME, PEXPIRETIME and OBJECT. */
#include "test_support.h"

#include "kv_assert.h"

KV_HARNESS_FIXTURES

static void test_renamenx(void **state) {
    (void)state;
    assert_reply(h, "+OK\r\n", "SET", "a", "x");
    assert_reply(h, "+OK\r\n", "SET", "b", "y");
    assert_reply(h, ":0\r\n", "RENAMENX", "a", "a");
    assert_reply(h, "-ERR no such key\r\n", "RENAMENX", "nokey", "x");
    assert_reply(h, ":0\r\n", "RENAMENX", "a", "b");
    assert_reply(h, "$1\r\ny\r\n", "GET", "b");
    assert_reply(h, ":1\r\n", "PEXPIRE", "a", "5000");
    assert_reply(h, ":1\r\n", "RENAMENX", "a", "c");
    assert_reply(h, ":1\r\n", "EXISTS", "a", "c");
    assert_reply(h, ":5000\r\n", "PTTL", "c"); /* the TTL moves too */
}

static void test_copy(void **state) {
    (void)state;
    assert_reply(h, "+OK\r\n", "SET", "a", "x");
    assert_reply(h, "-ERR source and destination objects are the same\r\n", "COPY", "a", "a");
    /* stasis has one database: Redis's answer for a database it does not have. */
    assert_reply(h, "-ERR DB index is out of range\r\n", "COPY", "a", "b", "DB", "1");
    assert_reply(h, KV_REPLY_NOT_INTEGER, "COPY", "a", "b", "DB", "x");
    assert_reply(h,
                 "-ERR value is out of range, value must between -2147483648 and "
                 "2147483647\r\n",
                 "COPY", "a", "b", "DB", "9999999999");
    assert_reply(h, KV_REPLY_SYNTAX, "COPY", "a", "b", "bogus");
    assert_reply(h, KV_REPLY_SYNTAX, "COPY", "a", "b", "REPLACE", "DB");
    assert_reply(h, ":1\r\n", "COPY", "a", "b", "DB", "0");
    assert_reply(h, "$1\r\nx\r\n", "GET", "b");
    assert_reply(h, "+OK\r\n", "SET", "a", "y");
    assert_reply(h, ":0\r\n", "COPY", "a", "b");
    assert_reply(h, ":1\r\n", "COPY", "a", "b", "REPLACE");
    assert_reply(h, "$1\r\ny\r\n", "GET", "b");
    assert_reply(h, ":0\r\n", "COPY", "nokey", "b");
    assert_reply(h, ":3\r\n", "RPUSH", "l", "1", "two", "a-longer-element-of-many-chunks");
    assert_reply(h, ":1\r\n", "COPY", "l", "b", "REPLACE");
    assert_reply(h, "+list\r\n", "TYPE", "b");
    assert_reply(h, "*3\r\n$1\r\n1\r\n$3\r\ntwo\r\n$31\r\na-longer-element-of-many-chunks\r\n",
                 "LRANGE", "b", "0", "-1");
    assert_reply(h, "+OK\r\n", "SET", "e", "x", "EX", "100");
    assert_reply(h, ":1\r\n", "COPY", "e", "e2");
    assert_reply(h, ":100\r\n", "TTL", "e2");
    /* The copy is independent of its source. */
    assert_reply(h, "*3\r\n$1\r\n1\r\n$3\r\ntwo\r\n$31\r\na-longer-element-of-many-chunks\r\n",
                 "LPOP", "l", "3");
    assert_reply(h, ":3\r\n", "LLEN", "b");
    assert_true(kv_store_invariants_hold_full(&kv_harness_engine(h)->store));
}

/* A copy needs a key and the value's chunks: keys_max and the budget are checked first and a
 * refused COPY changes nothing. */
static void test_copy_limits(void **state) {
    (void)state;
    char key[8];
    for (int i = 0; i < 63; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_reply(h, "+OK\r\n", "SET", key, "v");
    }
    assert_reply(h, ":1\r\n", "COPY", "k0", "n1");
    assert_reply(h, "-ERR key count exceeds keys_max (64 keys)\r\n", "COPY", "k0", "n2");
    assert_reply(h, ":0\r\n", "EXISTS", "n2");
    assert_reply(h, ":1\r\n", "COPY", "k0", "n1", "REPLACE");
}

static void test_randomkey(void **state) {
    (void)state;
    assert_reply(h, "$-1\r\n", "RANDOMKEY");
    assert_reply(h, "+OK\r\n", "SET", "only", "v");
    assert_reply(h, "$4\r\nonly\r\n", "RANDOMKEY");
    /* An expired key drawn is deleted and another drawn. */
    assert_reply(h, "+OK\r\n", "SET", "gone", "v", "PX", "10");
    kv_harness_set_time(h, 1700000000000 + 11);
    for (int i = 0; i < 8; i++)
        assert_reply(h, "$4\r\nonly\r\n", "RANDOMKEY");
    assert_reply(h, ":1\r\n", "DBSIZE");
    assert_reply(h, "-ERR wrong number of arguments for 'randomkey' command\r\n", "RANDOMKEY", "x");
}

static void test_touch_and_expiretime(void **state) {
    (void)state;
    assert_reply(h, "+OK\r\n", "SET", "c", "x");
    assert_reply(h, ":2\r\n", "TOUCH", "c", "b", "nokey", "c");
    assert_reply(h, ":-1\r\n", "EXPIRETIME", "c");
    assert_reply(h, ":-2\r\n", "EXPIRETIME", "nokey");
    assert_reply(h, ":-2\r\n", "PEXPIRETIME", "nokey");
    assert_reply(h, ":1\r\n", "PEXPIREAT", "c", "1900000000500");
    assert_reply(h, ":1900000001\r\n", "EXPIRETIME", "c"); /* rounded, as Redis */
    assert_reply(h, ":1900000000500\r\n", "PEXPIRETIME", "c");
    assert_reply(h, ":1\r\n", "PEXPIREAT", "c", "1900000000499");
    assert_reply(h, ":1900000000\r\n", "EXPIRETIME", "c");
    /* The latest expiry there is, rounded up without overflow (diff case expiretime-bdc36ea8). */
    assert_reply(h, ":1\r\n", "PEXPIREAT", "c", "9223372036854775807");
    assert_reply(h, ":9223372036854776\r\n", "EXPIRETIME", "c");
    assert_reply(h, ":9223372036854775807\r\n", "PEXPIRETIME", "c");
    assert_reply(h, ":9223370336854776\r\n", "TTL", "c");
}

static void test_object(void **state) {
    (void)state;
    assert_reply(h, "-ERR wrong number of arguments for 'object|encoding' command\r\n", "OBJECT",
                 "ENCODING");
    assert_reply(h, "-ERR unknown subcommand 'bogus'. Try OBJECT HELP.\r\n", "OBJECT", "bogus",
                 "x");
    assert_reply(h, "$-1\r\n", "OBJECT", "FREQ", "nokey");
    assert_reply(h, "$-1\r\n", "OBJECT", "ENCODING", "nokey");
    assert_reply(h, "+OK\r\n", "SET", "a", "1");
    assert_reply(
        h,
        "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time to "
        "adjust.\r\n",
        "OBJECT", "FREQ", "a");
    /* What is true of stasis (Redis would say "int" and 2147483647 for a shared integer). */
    assert_reply(h, "$3\r\nraw\r\n", "OBJECT", "ENCODING", "a");
    assert_reply(h, ":1\r\n", "OBJECT", "REFCOUNT", "a");
    assert_reply(h, ":1\r\n", "RPUSH", "l", "x");
    assert_reply(h, "$10\r\nlinkedlist\r\n", "OBJECT", "ENCODING", "l");
    /* Idle time: since the last touching lookup; OBJECT, TTL, TYPE, EXISTS do not touch. */
    assert_reply(h, ":0\r\n", "OBJECT", "IDLETIME", "a");
    kv_harness_set_time(h, 1700000000000 + 5500);
    assert_reply(h, ":-1\r\n", "TTL", "a");
    assert_reply(h, "+string\r\n", "TYPE", "a");
    assert_reply(h, ":1\r\n", "EXISTS", "a");
    assert_reply(h, ":5\r\n", "OBJECT", "IDLETIME", "a");
    assert_reply(h, "$1\r\n1\r\n", "GET", "a");
    assert_reply(h, ":0\r\n", "OBJECT", "IDLETIME", "a");
    const char *help = KV_CMD(h, "OBJECT", "HELP");
    assert_memory_equal(help,
                        "*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. Subcommands "
                        "are:\r\n+ENCODING <key>\r\n",
                        strlen("*15\r\n+OBJECT <subcommand> [<arg> [value] [opt] ...]. "
                               "Subcommands are:\r\n+ENCODING <key>\r\n"));
    assert_non_null(strstr(help, "+HELP\r\n+    Prints this help.\r\n"));
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, open_harness, close_harness)
    const struct CMUnitTest tests[] = {
        T(test_renamenx),
        T(test_copy),
        T(test_copy_limits),
        T(test_randomkey),
        T(test_touch_and_expiretime),
        T(test_object),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
