/* Issue 14's keyspace commands through the parser and the engine, with the bytes Redis
 * 7.0.15 answers (checked against a real redis-server; the intended differences are
 * commented): RENAMENX, COPY, RANDOMKEY, TOUCH, EXPIRETIME, PEXPIRETIME and OBJECT. */
#include "test_support.h"

#include "kv_harness.h"

KV_HARNESS_FIXTURES

static void test_renamenx(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "a", "x"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "b", "y"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "RENAMENX", "a", "a"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "RENAMENX", "nokey", "x"), "-ERR no such key\r\n");
    assert_string_equal(KV_CMD(h, "RENAMENX", "a", "b"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "GET", "b"), "$1\r\ny\r\n");
    assert_string_equal(KV_CMD(h, "PEXPIRE", "a", "5000"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "RENAMENX", "a", "c"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "a", "c"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "PTTL", "c"), ":5000\r\n"); /* the TTL moves too */
}

static void test_copy(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "a", "x"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "COPY", "a", "a"),
                        "-ERR source and destination objects are the same\r\n");
    /* stasis has one database: Redis's answer for a database it does not have. */
    assert_string_equal(KV_CMD(h, "COPY", "a", "b", "DB", "1"),
                        "-ERR DB index is out of range\r\n");
    assert_string_equal(KV_CMD(h, "COPY", "a", "b", "DB", "x"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(KV_CMD(h, "COPY", "a", "b", "DB", "9999999999"),
                        "-ERR value is out of range, value must between -2147483648 and "
                        "2147483647\r\n");
    assert_string_equal(KV_CMD(h, "COPY", "a", "b", "bogus"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "COPY", "a", "b", "REPLACE", "DB"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "COPY", "a", "b", "DB", "0"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "GET", "b"), "$1\r\nx\r\n");
    assert_string_equal(KV_CMD(h, "SET", "a", "y"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "COPY", "a", "b"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "COPY", "a", "b", "REPLACE"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "GET", "b"), "$1\r\ny\r\n");
    assert_string_equal(KV_CMD(h, "COPY", "nokey", "b"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "1", "two", "a-longer-element-of-many-chunks"),
                        ":3\r\n");
    assert_string_equal(KV_CMD(h, "COPY", "l", "b", "REPLACE"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "TYPE", "b"), "+list\r\n");
    assert_string_equal(KV_CMD(h, "LRANGE", "b", "0", "-1"),
                        "*3\r\n$1\r\n1\r\n$3\r\ntwo\r\n$31\r\na-longer-element-of-many-chunks\r\n");
    assert_string_equal(KV_CMD(h, "SET", "e", "x", "EX", "100"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "COPY", "e", "e2"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "TTL", "e2"), ":100\r\n");
    /* The copy is independent of its source. */
    assert_string_equal(KV_CMD(h, "LPOP", "l", "3"),
                        "*3\r\n$1\r\n1\r\n$3\r\ntwo\r\n$31\r\na-longer-element-of-many-chunks\r\n");
    assert_string_equal(KV_CMD(h, "LLEN", "b"), ":3\r\n");
    assert_true(kv_store_invariants_hold_full(&kv_harness_engine(h)->store));
}

/* A copy needs a key and the value's chunks: keys_max and the budget are checked first and a
 * refused COPY changes nothing. */
static void test_copy_limits(void **state) {
    (void)state;
    char key[8];
    for (int i = 0; i < 63; i++) {
        snprintf(key, sizeof key, "k%d", i);
        assert_string_equal(KV_CMD(h, "SET", key, "v"), "+OK\r\n");
    }
    assert_string_equal(KV_CMD(h, "COPY", "k0", "n1"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "COPY", "k0", "n2"),
                        "-ERR key count exceeds keys_max (64 keys)\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "n2"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "COPY", "k0", "n1", "REPLACE"), ":1\r\n");
}

static void test_randomkey(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "RANDOMKEY"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "SET", "only", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "RANDOMKEY"), "$4\r\nonly\r\n");
    /* An expired key drawn is deleted and another drawn. */
    assert_string_equal(KV_CMD(h, "SET", "gone", "v", "PX", "10"), "+OK\r\n");
    kv_harness_set_time(h, 1700000000000 + 11);
    for (int i = 0; i < 8; i++)
        assert_string_equal(KV_CMD(h, "RANDOMKEY"), "$4\r\nonly\r\n");
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "RANDOMKEY", "x"),
                        "-ERR wrong number of arguments for 'randomkey' command\r\n");
}

static void test_touch_and_expiretime(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "c", "x"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "TOUCH", "c", "b", "nokey", "c"), ":2\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRETIME", "c"), ":-1\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRETIME", "nokey"), ":-2\r\n");
    assert_string_equal(KV_CMD(h, "PEXPIRETIME", "nokey"), ":-2\r\n");
    assert_string_equal(KV_CMD(h, "PEXPIREAT", "c", "1900000000500"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRETIME", "c"), ":1900000001\r\n"); /* rounded, as Redis */
    assert_string_equal(KV_CMD(h, "PEXPIRETIME", "c"), ":1900000000500\r\n");
    assert_string_equal(KV_CMD(h, "PEXPIREAT", "c", "1900000000499"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRETIME", "c"), ":1900000000\r\n");
    /* The latest expiry there is, rounded up without overflow (diff case expiretime-bdc36ea8). */
    assert_string_equal(KV_CMD(h, "PEXPIREAT", "c", "9223372036854775807"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "EXPIRETIME", "c"), ":9223372036854776\r\n");
    assert_string_equal(KV_CMD(h, "PEXPIRETIME", "c"), ":9223372036854775807\r\n");
    assert_string_equal(KV_CMD(h, "TTL", "c"), ":9223370336854776\r\n");
}

static void test_object(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "OBJECT", "ENCODING"),
                        "-ERR wrong number of arguments for 'object|encoding' command\r\n");
    assert_string_equal(KV_CMD(h, "OBJECT", "bogus", "x"),
                        "-ERR unknown subcommand 'bogus'. Try OBJECT HELP.\r\n");
    assert_string_equal(KV_CMD(h, "OBJECT", "FREQ", "nokey"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "OBJECT", "ENCODING", "nokey"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "SET", "a", "1"), "+OK\r\n");
    assert_string_equal(
        KV_CMD(h, "OBJECT", "FREQ", "a"),
        "-ERR An LFU maxmemory policy is not selected, access frequency not tracked. Please note "
        "that when switching between policies at runtime LRU and LFU data will take some time to "
        "adjust.\r\n");
    /* What is true of stasis (Redis would say "int" and 2147483647 for a shared integer). */
    assert_string_equal(KV_CMD(h, "OBJECT", "ENCODING", "a"), "$3\r\nraw\r\n");
    assert_string_equal(KV_CMD(h, "OBJECT", "REFCOUNT", "a"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "x"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "OBJECT", "ENCODING", "l"), "$10\r\nlinkedlist\r\n");
    /* Idle time: since the last touching lookup; OBJECT, TTL, TYPE, EXISTS do not touch. */
    assert_string_equal(KV_CMD(h, "OBJECT", "IDLETIME", "a"), ":0\r\n");
    kv_harness_set_time(h, 1700000000000 + 5500);
    assert_string_equal(KV_CMD(h, "TTL", "a"), ":-1\r\n");
    assert_string_equal(KV_CMD(h, "TYPE", "a"), "+string\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "a"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "OBJECT", "IDLETIME", "a"), ":5\r\n");
    assert_string_equal(KV_CMD(h, "GET", "a"), "$1\r\n1\r\n");
    assert_string_equal(KV_CMD(h, "OBJECT", "IDLETIME", "a"), ":0\r\n");
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
