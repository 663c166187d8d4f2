/* Issue 14's string commands through the parser and the engine, with the bytes Redis
 * 7.0.15 answers (each checked against a real redis-server): INCRBYFLOAT, SETEX, PSETEX,
 * GETEX, the bitmap commands and LCS with its static bound, lcs_cells_max. */
#include "test_support.h"

#include "kv_assert.h"

KV_HARNESS_FIXTURES

static void test_incrbyfloat(void **state) {
    (void)state;
    assert_reply(h, "$4\r\n10.5\r\n", "INCRBYFLOAT", "f", "10.5");
    assert_reply(h, "$4\r\n10.6\r\n", "INCRBYFLOAT", "f", "0.1");
    assert_reply(h, "$23\r\n-4989.39999999999999991\r\n", "INCRBYFLOAT", "f", "-5.0e3");
    assert_reply(h, "$4\r\n3000\r\n", "INCRBYFLOAT", "g", "3.0e3");
    assert_reply(h, "-ERR increment would produce NaN or Infinity\r\n", "INCRBYFLOAT", "g", "inf");
    const char *not_float = "-ERR value is not a valid float\r\n";
    assert_reply(h, not_float, "INCRBYFLOAT", "h", "abc");
    assert_reply(h, not_float, "INCRBYFLOAT", "h", " 1");
    assert_reply(h, not_float, "INCRBYFLOAT", "h", "1 ");
    assert_reply(h, not_float, "INCRBYFLOAT", "h", "nan");
    assert_reply(h, not_float, "INCRBYFLOAT", "h", "1e-5000");
    assert_reply(h, "$2\r\n16\r\n", "INCRBYFLOAT", "h", "0x10");
    assert_reply(h, "+OK\r\n", "SET", "s", "abc");
    assert_reply(h, not_float, "INCRBYFLOAT", "s", "1");
    assert_reply(h, "+OK\r\n", "SET", "z", "-0.0");
    assert_reply(h, "$1\r\n0\r\n", "INCRBYFLOAT", "z", "-0.0");
    assert_reply(h, "$9\r\n0.0000005\r\n", "INCRBYFLOAT", "x", "5.0e-7");
    assert_reply(h, "$19\r\n1.23456789012345679\r\n", "INCRBYFLOAT", "y",
                 "1.23456789012345678901234");
    assert_reply(h, ":1\r\n", "RPUSH", "l", "a");
    assert_reply(h, KV_REPLY_WRONGTYPE, "INCRBYFLOAT", "l", "1");
    /* The TTL is kept, as INCR keeps it. */
    assert_reply(h, "+OK\r\n", "SET", "t", "1", "EX", "100");
    assert_reply(h, "$3\r\n2.5\r\n", "INCRBYFLOAT", "t", "1.5");
    assert_reply(h, ":100\r\n", "TTL", "t");
}

/* A result longer than value_size_max (256 here) is refused and changes nothing. */
static void test_incrbyfloat_respects_value_size_max(void **state) {
    (void)state;
    assert_reply(h, "-ERR value exceeds value_size_max (256 bytes)\r\n", "INCRBYFLOAT", "f",
                 "1e308");
    assert_reply(h, ":0\r\n", "EXISTS", "f");
}

static void test_setex_psetex(void **state) {
    (void)state;
    assert_reply(h, "+OK\r\n", "SETEX", "k", "10", "v");
    assert_reply(h, ":10\r\n", "TTL", "k");
    assert_reply(h, "-ERR invalid expire time in 'setex' command\r\n", "SETEX", "k", "0", "v");
    assert_reply(h, "-ERR invalid expire time in 'setex' command\r\n", "SETEX", "k", "-1", "v");
    assert_reply(h, KV_REPLY_NOT_INTEGER, "SETEX", "k", "x", "v");
    assert_reply(h, "-ERR invalid expire time in 'setex' command\r\n", "SETEX", "k",
                 "9223372036854775807", "v");
    assert_reply(h, "+OK\r\n", "PSETEX", "k", "100", "w");
    assert_reply(h, ":100\r\n", "PTTL", "k");
    assert_reply(h, "$1\r\nw\r\n", "GET", "k");
    assert_reply(h, "-ERR invalid expire time in 'psetex' command\r\n", "PSETEX", "k", "0", "v");
    assert_reply(h, ":1\r\n", "RPUSH", "l", "a");
    assert_reply(h, "+OK\r\n", "SETEX", "l", "5", "v"); /* any type */
}

static void test_getex(void **state) {
    (void)state;
    assert_reply(h, "+OK\r\n", "PSETEX", "k", "100000", "v");
    assert_reply(h, "$1\r\nv\r\n", "GETEX", "k");
    assert_reply(h, ":100000\r\n", "PTTL", "k");
    assert_reply(h, "$1\r\nv\r\n", "GETEX", "k", "PERSIST");
    assert_reply(h, ":-1\r\n", "TTL", "k");
    assert_reply(h, "$1\r\nv\r\n", "GETEX", "k", "ex", "100");
    assert_reply(h, ":100\r\n", "TTL", "k");
    assert_reply(h, "-ERR invalid expire time in 'getex' command\r\n", "GETEX", "k", "PX", "0");
    /* An absolute time already past: the value, then the key is gone. */
    assert_reply(h, "$1\r\nv\r\n", "GETEX", "k", "EXAT", "1");
    assert_reply(h, ":0\r\n", "EXISTS", "k");
    /* A missing key answers $-1 before its time is checked. */
    assert_reply(h, "$-1\r\n", "GETEX", "nokey", "EX", "0");
    assert_reply(h, "+OK\r\n", "SET", "k", "v");
    assert_reply(h, KV_REPLY_SYNTAX, "GETEX", "k", "bogus");
    assert_reply(h, KV_REPLY_SYNTAX, "GETEX", "k", "EX");
    assert_reply(h, KV_REPLY_SYNTAX, "GETEX", "k", "EX", "1", "PX", "1");
    assert_reply(h, KV_REPLY_SYNTAX, "GETEX", "k", "PERSIST", "EX", "1");
    assert_reply(h, KV_REPLY_SYNTAX, "GETEX", "k", "KEEPTTL");
    assert_reply(h, KV_REPLY_NOT_INTEGER, "GETEX", "k", "EX", "x");
    assert_reply(h, ":1\r\n", "RPUSH", "l", "a");
    assert_reply(h, KV_REPLY_WRONGTYPE, "GETEX", "l");
    assert_reply(h, KV_REPLY_WRONGTYPE, "GETEX", "l", "EX", "0");
}

static void test_setbit_getbit(void **state) {
    (void)state;
    assert_reply(h, ":0\r\n", "SETBIT", "b", "7", "1");
    assert_reply(h, ":1\r\n", "SETBIT", "b", "7", "1");
    assert_reply(h, ":1\r\n", "SETBIT", "b", "7", "0");
    assert_reply(h, ":0\r\n", "SETBIT", "b", "100", "1");
    assert_reply(h, ":13\r\n", "STRLEN", "b");
    assert_reply(h, ":1\r\n", "GETBIT", "b", "100");
    assert_reply(h, ":0\r\n", "GETBIT", "b", "101");
    assert_reply(h, ":0\r\n", "GETBIT", "b", "2000");
    assert_reply(h, ":0\r\n", "GETBIT", "nokey", "5");
    const char *offset = "-ERR bit offset is not an integer or out of range\r\n";
    const char *bit = "-ERR bit is not an integer or out of range\r\n";
    assert_reply(h, offset, "SETBIT", "b", "-1", "1");
    assert_reply(h, offset, "SETBIT", "b", "x", "1");
    assert_reply(h, bit, "SETBIT", "b", "1", "2");
    assert_reply(h, bit, "SETBIT", "b", "1", "-1");
    assert_reply(h, bit, "SETBIT", "b", "1", "x");
    /* The offset's byte must be below proto-max-bulk-len (bulk_size_max, 256 here). */
    assert_reply(h, offset, "SETBIT", "b", "2048", "1");
    assert_reply(h, offset, "GETBIT", "b", "2048");
    assert_reply(h, ":0\r\n", "SETBIT", "b", "2047", "1");
    assert_reply(h, ":256\r\n", "STRLEN", "b");
    assert_reply(h, ":1\r\n", "RPUSH", "l", "a");
    assert_reply(h, KV_REPLY_WRONGTYPE, "SETBIT", "l", "0", "1");
    assert_reply(h, KV_REPLY_WRONGTYPE, "GETBIT", "l", "0");
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
    assert_reply(h, ":16\r\n", "BITCOUNT", "s");
    assert_reply(h, ":8\r\n", "BITCOUNT", "s", "0", "0");
    assert_reply(h, ":8\r\n", "BITCOUNT", "s", "1", "-1");
    assert_reply(h, ":16\r\n", "BITCOUNT", "s", "0", "-1", "bit");
    assert_reply(h, ":10\r\n", "BITCOUNT", "s", "5", "30", "bit");
    assert_reply(h, ":1\r\n", "BITCOUNT", "s", "9", "9", "bit");
    assert_reply(h, ":4\r\n", "BITCOUNT", "s", "-5", "-1", "bit");
    assert_reply(h, ":0\r\n", "BITCOUNT", "s", "-1", "-5");
    assert_reply(h, KV_REPLY_SYNTAX, "BITCOUNT", "s", "0", "1", "bogus");
    assert_reply(h, KV_REPLY_SYNTAX, "BITCOUNT", "s", "0");
    /* The key first: a missing key answers 0 whatever follows, as Redis. */
    assert_reply(h, ":0\r\n", "BITCOUNT", "nokey", "0");
    assert_reply(h, ":0\r\n", "BITCOUNT", "nokey", "x", "y", "z");
    assert_reply(h, KV_REPLY_NOT_INTEGER, "BITCOUNT", "s", "x", "1");
}

static void test_bitpos(void **state) {
    (void)state;
    set_bytes("s", "\xff\xf0\x00\x0f", 4);
    assert_reply(h, ":12\r\n", "BITPOS", "s", "0");
    assert_reply(h, ":0\r\n", "BITPOS", "s", "1");
    assert_reply(h, ":28\r\n", "BITPOS", "s", "1", "2");
    assert_reply(h, ":-1\r\n", "BITPOS", "s", "0", "0", "0");
    assert_reply(h, ":10\r\n", "BITPOS", "s", "1", "10", "20", "bit");
    assert_reply(h, ":-1\r\n", "BITPOS", "s", "0", "4", "7", "bit");
    assert_reply(h, ":12\r\n", "BITPOS", "s", "0", "12", "15", "bit");
    assert_reply(h, ":29\r\n", "BITPOS", "s", "1", "29", "30", "bit");
    assert_reply(h, "-ERR The bit argument must be 1 or 0.\r\n", "BITPOS", "s", "2");
    assert_reply(h, ":0\r\n", "BITPOS", "nokey", "0");
    assert_reply(h, ":-1\r\n", "BITPOS", "nokey", "1");
    assert_reply(h, KV_REPLY_SYNTAX, "BITPOS", "s", "1", "0", "1", "bogus");
    set_bytes("ones", "\xff\xff", 2);
    /* No 0 bit: past the string without an end, -1 with one. */
    assert_reply(h, ":16\r\n", "BITPOS", "ones", "0");
    assert_reply(h, ":16\r\n", "BITPOS", "ones", "0", "0");
    assert_reply(h, ":-1\r\n", "BITPOS", "ones", "0", "0", "-1");
    assert_reply(h, KV_REPLY_NOT_INTEGER, "BITPOS", "ones", "0", "3", "bit");
    assert_reply(h, ":-1\r\n", "BITPOS", "ones", "1", "-1", "-5");
    set_bytes("e", "", 0);
    assert_reply(h, ":-1\r\n", "BITPOS", "e", "0");
}

static void test_lcs(void **state) {
    (void)state;
    assert_reply(h, "+OK\r\n", "MSET", "a", "ohmytext", "b", "mynewtext");
    assert_reply(h, "$6\r\nmytext\r\n", "LCS", "a", "b");
    assert_reply(h, ":6\r\n", "LCS", "a", "b", "LEN");
    assert_reply(h,
                 "*4\r\n$7\r\nmatches\r\n*2\r\n*2\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n*2"
                 "\r\n*2\r\n:2\r\n:3\r\n*2\r\n:0\r\n:1\r\n$3\r\nlen\r\n:6\r\n",
                 "LCS", "a", "b", "IDX");
    assert_reply(h,
                 "*4\r\n$7\r\nmatches\r\n*1\r\n*3\r\n*2\r\n:4\r\n:7\r\n*2\r\n:5\r\n:8\r\n:"
                 "4\r\n$3\r\nlen\r\n:6\r\n",
                 "LCS", "a", "b", "IDX", "MINMATCHLEN", "4", "WITHMATCHLEN");
    assert_reply(h, "-ERR If you want both the length and indexes, please just use IDX.\r\n", "LCS",
                 "a", "b", "LEN", "IDX");
    assert_reply(h, KV_REPLY_SYNTAX, "LCS", "a", "b", "MINMATCHLEN");
    assert_reply(h, "$0\r\n\r\n", "LCS", "a", "nokey");
    assert_reply(h, "*4\r\n$7\r\nmatches\r\n*0\r\n$3\r\nlen\r\n:0\r\n", "LCS", "nokey", "nokey2",
                 "IDX");
    assert_reply(h, ":1\r\n", "RPUSH", "l", "x");
    assert_reply(h, "-ERR The specified keys must contain string values\r\n", "LCS", "l", "a",
                 "bogus");
    assert_reply(h, "+OK\r\n", "MSET", "p", "aaaa", "q", "aa");
    assert_reply(h,
                 "*4\r\n$7\r\nmatches\r\n*1\r\n*2\r\n*2\r\n:0\r\n:1\r\n*2\r\n:2\r\n:3\r\n$3"
                 "\r\nlen\r\n:2\r\n",
                 "LCS", "q", "p", "IDX");
    assert_reply(h, "$0\r\n\r\n", "LCS", "a", "p");
}

/* bulk_size_max wide enough for Redis's own LCS bound, and lcs_cells_max as given. */
static void wide_lcs(kv_config *c) { c->bulk_size_max = 64 * 1024; }

static void small_lcs(kv_config *c) {
    wide_lcs(c);
    c->lcs_cells_max = 99;
}

KV_HARNESS_SETUP_TWEAKED(open_wide_lcs, wide_lcs)

KV_HARNESS_SETUP_TWEAKED(open_small_lcs, small_lcs)

/* lcs_cells_max: (8 + 1) x (10 + 1) = 99 cells fit; one more byte does not. */
static void test_lcs_cells_max(void **state) {
    (void)state;
    assert_reply(h, "+OK\r\n", "MSET", "a", "ohmytext", "b", "mynewtext!");
    assert_reply(h, ":6\r\n", "LCS", "a", "b", "LEN");
    assert_reply(h, ":11\r\n", "APPEND", "b", "?");
    assert_reply(h, "-ERR LCS table exceeds lcs_cells_max (99 cells)\r\n", "LCS", "a", "b", "LEN");
    assert_reply(h, "*2\r\n$13\r\nlcs_cells_max\r\n$2\r\n99\r\n", "CONFIG", "GET", "lcs_cells_max");
}

static void test_lcs_past_proto_max_bulk_len(void **state) {
    (void)state;
    char text[33];
    memset(text, 'x', 32);
    text[32] = '\0';
    assert_reply(h, "+OK\r\n", "MSET", "a", text, "b", "xy");
    /* 33 x 3 cells of 4 bytes = 396 > 256. */
    assert_reply(h,
                 "-ERR Insufficient memory, transient memory for LCS exceeds "
                 "proto-max-bulk-len\r\n",
                 "LCS", "a", "b", "LEN");
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
