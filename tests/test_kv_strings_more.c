/* Issue 14's string commands through the parser and the engine, with the bytes Redis
 * 7.0.15 answers (each checked against a real redis-server): INCRBYFLOAT, SETEX, PSETEX,
 * GETEX, the bitmap commands and LCS with its static bound, lcs_cells_max. */
#include "test_support.h"

#include "kv_harness.h"

KV_HARNESS_FIXTURES

static const char *const wrongtype =
    "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n";

static void test_incrbyfloat(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "f", "10.5"), "$4\r\n10.5\r\n");
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "f", "0.1"), "$4\r\n10.6\r\n");
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "f", "-5.0e3"),
                        "$23\r\n-4989.39999999999999991\r\n");
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "g", "3.0e3"), "$4\r\n3000\r\n");
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "g", "inf"),
                        "-ERR increment would produce NaN or Infinity\r\n");
    const char *not_float = "-ERR value is not a valid float\r\n";
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "h", "abc"), not_float);
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "h", " 1"), not_float);
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "h", "1 "), not_float);
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "h", "nan"), not_float);
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "h", "1e-5000"), not_float);
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "h", "0x10"), "$2\r\n16\r\n");
    assert_string_equal(KV_CMD(h, "SET", "s", "abc"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "s", "1"), not_float);
    assert_string_equal(KV_CMD(h, "SET", "z", "-0.0"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "z", "-0.0"), "$1\r\n0\r\n");
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "x", "5.0e-7"), "$9\r\n0.0000005\r\n");
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "y", "1.23456789012345678901234"),
                        "$19\r\n1.23456789012345679\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "l", "1"), wrongtype);
    /* The TTL is kept, as INCR keeps it. */
    assert_string_equal(KV_CMD(h, "SET", "t", "1", "EX", "100"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "t", "1.5"), "$3\r\n2.5\r\n");
    assert_string_equal(KV_CMD(h, "TTL", "t"), ":100\r\n");
}

/* A result longer than value_size_max (256 here) is refused and changes nothing. */
static void test_incrbyfloat_respects_value_size_max(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "INCRBYFLOAT", "f", "1e308"),
                        "-ERR value exceeds value_size_max (256 bytes)\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "f"), ":0\r\n");
}

static void test_setex_psetex(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SETEX", "k", "10", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "TTL", "k"), ":10\r\n");
    assert_string_equal(KV_CMD(h, "SETEX", "k", "0", "v"),
                        "-ERR invalid expire time in 'setex' command\r\n");
    assert_string_equal(KV_CMD(h, "SETEX", "k", "-1", "v"),
                        "-ERR invalid expire time in 'setex' command\r\n");
    assert_string_equal(KV_CMD(h, "SETEX", "k", "x", "v"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(KV_CMD(h, "SETEX", "k", "9223372036854775807", "v"),
                        "-ERR invalid expire time in 'setex' command\r\n");
    assert_string_equal(KV_CMD(h, "PSETEX", "k", "100", "w"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "PTTL", "k"), ":100\r\n");
    assert_string_equal(KV_CMD(h, "GET", "k"), "$1\r\nw\r\n");
    assert_string_equal(KV_CMD(h, "PSETEX", "k", "0", "v"),
                        "-ERR invalid expire time in 'psetex' command\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "SETEX", "l", "5", "v"), "+OK\r\n"); /* any type */
}

static void test_getex(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "PSETEX", "k", "100000", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "GETEX", "k"), "$1\r\nv\r\n");
    assert_string_equal(KV_CMD(h, "PTTL", "k"), ":100000\r\n");
    assert_string_equal(KV_CMD(h, "GETEX", "k", "PERSIST"), "$1\r\nv\r\n");
    assert_string_equal(KV_CMD(h, "TTL", "k"), ":-1\r\n");
    assert_string_equal(KV_CMD(h, "GETEX", "k", "ex", "100"), "$1\r\nv\r\n");
    assert_string_equal(KV_CMD(h, "TTL", "k"), ":100\r\n");
    assert_string_equal(KV_CMD(h, "GETEX", "k", "PX", "0"),
                        "-ERR invalid expire time in 'getex' command\r\n");
    /* An absolute time already past: the value, then the key is gone. */
    assert_string_equal(KV_CMD(h, "GETEX", "k", "EXAT", "1"), "$1\r\nv\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "k"), ":0\r\n");
    /* A missing key answers $-1 before its time is checked. */
    assert_string_equal(KV_CMD(h, "GETEX", "nokey", "EX", "0"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "SET", "k", "v"), "+OK\r\n");
    const char *syntax = "-ERR syntax error\r\n";
    assert_string_equal(KV_CMD(h, "GETEX", "k", "bogus"), syntax);
    assert_string_equal(KV_CMD(h, "GETEX", "k", "EX"), syntax);
    assert_string_equal(KV_CMD(h, "GETEX", "k", "EX", "1", "PX", "1"), syntax);
    assert_string_equal(KV_CMD(h, "GETEX", "k", "PERSIST", "EX", "1"), syntax);
    assert_string_equal(KV_CMD(h, "GETEX", "k", "KEEPTTL"), syntax);
    assert_string_equal(KV_CMD(h, "GETEX", "k", "EX", "x"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "GETEX", "l"), wrongtype);
    assert_string_equal(KV_CMD(h, "GETEX", "l", "EX", "0"), wrongtype);
}

static void test_setbit_getbit(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SETBIT", "b", "7", "1"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "SETBIT", "b", "7", "1"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "SETBIT", "b", "7", "0"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "SETBIT", "b", "100", "1"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "STRLEN", "b"), ":13\r\n");
    assert_string_equal(KV_CMD(h, "GETBIT", "b", "100"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "GETBIT", "b", "101"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "GETBIT", "b", "2000"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "GETBIT", "nokey", "5"), ":0\r\n");
    const char *offset = "-ERR bit offset is not an integer or out of range\r\n";
    const char *bit = "-ERR bit is not an integer or out of range\r\n";
    assert_string_equal(KV_CMD(h, "SETBIT", "b", "-1", "1"), offset);
    assert_string_equal(KV_CMD(h, "SETBIT", "b", "x", "1"), offset);
    assert_string_equal(KV_CMD(h, "SETBIT", "b", "1", "2"), bit);
    assert_string_equal(KV_CMD(h, "SETBIT", "b", "1", "-1"), bit);
    assert_string_equal(KV_CMD(h, "SETBIT", "b", "1", "x"), bit);
    /* The offset's byte must be below proto-max-bulk-len (bulk_size_max, 256 here). */
    assert_string_equal(KV_CMD(h, "SETBIT", "b", "2048", "1"), offset);
    assert_string_equal(KV_CMD(h, "GETBIT", "b", "2048"), offset);
    assert_string_equal(KV_CMD(h, "SETBIT", "b", "2047", "1"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "STRLEN", "b"), ":256\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "SETBIT", "l", "0", "1"), wrongtype);
    assert_string_equal(KV_CMD(h, "GETBIT", "l", "0"), wrongtype);
}

static void set_bytes(const char *key, const char *bytes, size_t len) {
    char cmd[64];
    int n = snprintf(cmd, sizeof cmd, "*3\r\n$3\r\nSET\r\n$%zu\r\n%s\r\n$%zu\r\n", strlen(key), key,
                     len);
    char buf[128];
    memcpy(buf, cmd, (size_t)n);
    memcpy(buf + n, bytes, len);
    memcpy(buf + n + len, "\r\n", 2);
    size_t reply_len = 0;
    bool closed = false;
    assert_string_equal(kv_harness_send_bytes(h, buf, (size_t)n + len + 2, &reply_len, &closed),
                        "+OK\r\n");
}

static void test_bitcount(void **state) {
    (void)state;
    set_bytes("s", "\xff\xf0\x00\x0f", 4);
    assert_string_equal(KV_CMD(h, "BITCOUNT", "s"), ":16\r\n");
    assert_string_equal(KV_CMD(h, "BITCOUNT", "s", "0", "0"), ":8\r\n");
    assert_string_equal(KV_CMD(h, "BITCOUNT", "s", "1", "-1"), ":8\r\n");
    assert_string_equal(KV_CMD(h, "BITCOUNT", "s", "0", "-1", "bit"), ":16\r\n");
    assert_string_equal(KV_CMD(h, "BITCOUNT", "s", "5", "30", "bit"), ":10\r\n");
    assert_string_equal(KV_CMD(h, "BITCOUNT", "s", "9", "9", "bit"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "BITCOUNT", "s", "-5", "-1", "bit"), ":4\r\n");
    assert_string_equal(KV_CMD(h, "BITCOUNT", "s", "-1", "-5"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "BITCOUNT", "s", "0", "1", "bogus"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "BITCOUNT", "s", "0"), "-ERR syntax error\r\n");
    /* The key first: a missing key answers 0 whatever follows, as Redis. */
    assert_string_equal(KV_CMD(h, "BITCOUNT", "nokey", "0"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "BITCOUNT", "nokey", "x", "y", "z"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "BITCOUNT", "s", "x", "1"),
                        "-ERR value is not an integer or out of range\r\n");
}

static void test_bitpos(void **state) {
    (void)state;
    set_bytes("s", "\xff\xf0\x00\x0f", 4);
    assert_string_equal(KV_CMD(h, "BITPOS", "s", "0"), ":12\r\n");
    assert_string_equal(KV_CMD(h, "BITPOS", "s", "1"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "BITPOS", "s", "1", "2"), ":28\r\n");
    assert_string_equal(KV_CMD(h, "BITPOS", "s", "0", "0", "0"), ":-1\r\n");
    assert_string_equal(KV_CMD(h, "BITPOS", "s", "1", "10", "20", "bit"), ":10\r\n");
    assert_string_equal(KV_CMD(h, "BITPOS", "s", "0", "4", "7", "bit"), ":-1\r\n");
    assert_string_equal(KV_CMD(h, "BITPOS", "s", "0", "12", "15", "bit"), ":12\r\n");
    assert_string_equal(KV_CMD(h, "BITPOS", "s", "1", "29", "30", "bit"), ":29\r\n");
    assert_string_equal(KV_CMD(h, "BITPOS", "s", "2"), "-ERR The bit argument must be 1 or 0.\r\n");
    assert_string_equal(KV_CMD(h, "BITPOS", "nokey", "0"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "BITPOS", "nokey", "1"), ":-1\r\n");
    assert_string_equal(KV_CMD(h, "BITPOS", "s", "1", "0", "1", "bogus"), "-ERR syntax error\r\n");
    set_bytes("ones", "\xff\xff", 2);
    /* No 0 bit: past the string without an end, -1 with one. */
    assert_string_equal(KV_CMD(h, "BITPOS", "ones", "0"), ":16\r\n");
    assert_string_equal(KV_CMD(h, "BITPOS", "ones", "0", "0"), ":16\r\n");
    assert_string_equal(KV_CMD(h, "BITPOS", "ones", "0", "0", "-1"), ":-1\r\n");
    assert_string_equal(KV_CMD(h, "BITPOS", "ones", "0", "3", "bit"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(KV_CMD(h, "BITPOS", "ones", "1", "-1", "-5"), ":-1\r\n");
    set_bytes("e", "", 0);
    assert_string_equal(KV_CMD(h, "BITPOS", "e", "0"), ":-1\r\n");
}

static int open_wide_lcs(void **state);

static void test_lcs(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "MSET", "a", "ohmytext", "b", "mynewtext"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LCS", "a", "b"), "$6\r\nmytext\r\n");
    assert_string_equal(KV_CMD(h, "LCS", "a", "b", "LEN"), ":6\r\n");
    assert_string_equal(KV_CMD(h, "LCS", "a", "b", "IDX"),
                        "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2"
                        "\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n");
    assert_string_equal(KV_CMD(h, "LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN"),
                        "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:"
                        "4\r\n$3\r\nlen\r\n:6\r\n");
    assert_string_equal(KV_CMD(h, "LCS", "a", "b", "LEN", "IDX"),
                        "-ERR If you want both the length and indexes, please just use IDX.\r\n");
    assert_string_equal(KV_CMD(h, "LCS", "a", "b", "MINMATCHLEN"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "LCS", "a", "nokey"), "$0\r\n\r\n");
    assert_string_equal(KV_CMD(h, "LCS", "nokey", "nokey2", "IDX"),
                        "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "x"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "LCS", "l", "a", "bogus"),
                        "-ERR The specified keys must contain string values\r\n");
    assert_string_equal(KV_CMD(h, "MSET", "p", "aaaa", "q", "aa"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LCS", "q", "p", "IDX"),
                        "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:0\r\n:1\r\n*2\r\n:2\r\n:3\r\n$3"
                        "\r\nlen\r\n:2\r\n");
    assert_string_equal(KV_CMD(h, "LCS", "a", "p"), "$0\r\n\r\n");
}

/* bulk_size_max wide enough for Redis's own LCS bound, and lcs_cells_max as given. */
static void wide_lcs(kv_config *c) { c->bulk_size_max = 64 * 1024; }

static void small_lcs(kv_config *c) {
    wide_lcs(c);
    c->lcs_cells_max = 99;
}

static int open_wide_lcs(void **state) {
    (void)state;
    h = kv_harness_open_tweaked(wide_lcs);
    return 0;
}

static int open_small_lcs(void **state) {
    (void)state;
    h = kv_harness_open_tweaked(small_lcs);
    return 0;
}

/* lcs_cells_max: (8 + 1) x (10 + 1) = 99 cells fit; one more byte does not. */
static void test_lcs_cells_max(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "MSET", "a", "ohmytext", "b", "mynewtext!"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LCS", "a", "b", "LEN"), ":6\r\n");
    assert_string_equal(KV_CMD(h, "APPEND", "b", "?"), ":11\r\n");
    assert_string_equal(KV_CMD(h, "LCS", "a", "b", "LEN"),
                        "-ERR LCS table exceeds lcs_cells_max (99 cells)\r\n");
    assert_string_equal(KV_CMD(h, "CONFIG", "GET", "lcs_cells_max"),
                        "*2\r\n$13\r\nlcs_cells_max\r\n$2\r\n99\r\n");
}

static void test_lcs_past_proto_max_bulk_len(void **state) {
    (void)state;
    char text[33];
    memset(text, 'x', 32);
    text[32] = '\0';
    assert_string_equal(KV_CMD(h, "MSET", "a", text, "b", "xy"), "+OK\r\n");
    /* 33 x 3 cells of 4 bytes = 396 > 256. */
    assert_string_equal(KV_CMD(h, "LCS", "a", "b", "LEN"),
                        "-ERR Insufficient memory, transient memory for LCS exceeds "
                        "proto-max-bulk-len\r\n");
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, open_harness, close_harness)
    const struct CMUnitTest tests[] = {
        T(test_incrbyfloat),
        T(test_incrbyfloat_respects_value_size_max),
        T(test_setex_psetex),
        T(test_getex),
        T(test_setbit_getbit),
        T(test_bitcount),
        T(test_bitpos),
        cmocka_unit_test_setup_teardown(test_lcs, open_wide_lcs, close_harness),
        cmocka_unit_test_setup_teardown(test_lcs_cells_max, open_small_lcs, close_harness),
        T(test_lcs_past_proto_max_bulk_len),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
