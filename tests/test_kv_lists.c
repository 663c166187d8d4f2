/*
 * List commands through the parser and the engine: exact reply bytes (checked against
 * redis-server 7.0.15), the data limits, the shared policy's -OOM, and chunk accounting.
 * Every rejected write is followed by a look at the list and at DBSIZE: nothing changed.
 */
#include "test_support.h"

#include "kv/store.h"
#include "kv_harness.h"

#define WRONGTYPE "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
#define NOT_INT   "-ERR value is not an integer or out of range\r\n"
#define POSITIVE  "-ERR value is out of range, must be positive\r\n"
#define SYNTAX    "-ERR syntax error\r\n"

KV_HARNESS_FIXTURES

/* A harness over a config the test adjusts (policy, budget, limits), finalized here. */
static kv_harness *open_with(void (*adjust)(kv_config *)) {
    kv_config c;
    kv_harness_config(&c);
    adjust(&c);
    c.command_args_max = 0; /* derive again from the adjusted limits */
    c.bulk_size_max = 0;
    c.request_size_max = 0;
    c.reply_size_max = 0;
    char error[256];
    bool ok = kv_config_finalize(&c, error, sizeof error);
    if (!ok) fail_msg("%s", error);
    return kv_harness_open(&c);
}

static uint64_t chunks_used(void) { return chunk_store_used(&kv_harness_engine(h)->store.chunks); }

static void assert_store_sound(void) {
    assert_true(kv_store_invariants_hold_full(&kv_harness_engine(h)->store));
}

/* `len` copies of ch, NUL-terminated, in buf (len < size). */
static const char *repeat(char *buf, size_t size, char ch, size_t len) {
    assert_true(len < size);
    memset(buf, ch, len);
    buf[len] = '\0';
    return buf;
}

/* ---- pushes ---- */

static void test_pushx_only_on_existing_lists(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "LPUSHX", "l", "a"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "RPUSHX", "l", "a", "b"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "l"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "x"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "LPUSHX", "l", "a", "b", "c"), ":4\r\n");
    assert_string_equal(KV_CMD(h, "RPUSHX", "l", "d", "e"), ":6\r\n");
    assert_string_equal(KV_CMD(h, "LRANGE", "l", "0", "-1"),
                        "*6\r\n$1\r\nc\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nx\r\n$1\r\nd\r\n$1\r\ne\r\n");
    assert_string_equal(KV_CMD(h, "SET", "s", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LPUSHX", "s", "a"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "RPUSHX", "s", "a"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "LPUSHX", "l"),
                        "-ERR wrong number of arguments for 'lpushx' command\r\n");
}

/* ---- pops ---- */

static void test_pop_one(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "LPOP", "l"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a", "b", "c"), ":3\r\n");
    assert_string_equal(KV_CMD(h, "LPOP", "l"), "$1\r\na\r\n");
    assert_string_equal(KV_CMD(h, "RPOP", "l"), "$1\r\nc\r\n");
    assert_string_equal(KV_CMD(h, "RPOP", "l"), "$1\r\nb\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "l"), ":0\r\n"); /* emptied: deleted */
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "RPOP", "l"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "SET", "s", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LPOP", "s"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "LPOP", "s", "1", "2"),
                        "-ERR wrong number of arguments for 'lpop' command\r\n");
    assert_string_equal(KV_CMD(h, "RPOP", "l", "1", "2"),
                        "-ERR wrong number of arguments for 'rpop' command\r\n");
}

static void test_pop_with_count(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "LPOP", "l", "1"), "*-1\r\n"); /* missing, with count */
    assert_string_equal(KV_CMD(h, "LPOP", "l", "0"), "*-1\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a", "b", "c", "d", "e"), ":5\r\n");
    assert_string_equal(KV_CMD(h, "LPOP", "l", "0"), "*0\r\n"); /* existing, count 0 */
    assert_string_equal(KV_CMD(h, "LPOP", "l", "-1"), POSITIVE);
    assert_string_equal(KV_CMD(h, "LPOP", "l", "x"), POSITIVE); /* Redis's one message */
    assert_string_equal(KV_CMD(h, "LPOP", "l", "2"), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    assert_string_equal(KV_CMD(h, "RPOP", "l", "2"), "*2\r\n$1\r\ne\r\n$1\r\nd\r\n");
    assert_string_equal(KV_CMD(h, "LLEN", "l"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "RPOP", "l", "9223372036854775807"), "*1\r\n$1\r\nc\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "l"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "SET", "s", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "RPOP", "s", "0"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "RPOP", "s", "-1"), POSITIVE); /* the count comes first */
}

/* A pop's reply size depends on the data: with too little room the engine asks for more
 * before popping anything, and the retry pops exactly once. */
static void test_pop_count_asks_for_room_first(void **state) {
    (void)state;
    char big[201];
    repeat(big, sizeof big, 'b', 200);
    for (int i = 0; i < 8; i++)
        KV_CMD(h, "RPUSH", "l", big);
    assert_string_equal(KV_CMD(h, "LLEN", "l"), ":8\r\n");
    kv_harness_set_room(h, KV_REPLY_ROOM_MIN_BYTES);
    uint64_t retries = kv_harness_room_retries(h);
    KV_CMD(h, "LPOP", "l", "6");
    assert_int_equal(kv_harness_reply_len(h), 4 + 6 * (6 + 200 + 2));
    assert_int_equal(kv_harness_room_retries(h), retries + 1);
    assert_string_equal(KV_CMD(h, "LLEN", "l"), ":2\r\n");
    assert_store_sound();
}

/* ---- LINDEX, LSET ---- */

static void test_lindex(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "LINDEX", "l", "x"), "$-1\r\n"); /* key before index */
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a", "b", "c"), ":3\r\n");
    assert_string_equal(KV_CMD(h, "LINDEX", "l", "x"), NOT_INT);
    assert_string_equal(KV_CMD(h, "LINDEX", "l", "0"), "$1\r\na\r\n");
    assert_string_equal(KV_CMD(h, "LINDEX", "l", "2"), "$1\r\nc\r\n");
    assert_string_equal(KV_CMD(h, "LINDEX", "l", "-1"), "$1\r\nc\r\n");
    assert_string_equal(KV_CMD(h, "LINDEX", "l", "-3"), "$1\r\na\r\n");
    assert_string_equal(KV_CMD(h, "LINDEX", "l", "-4"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "LINDEX", "l", "3"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "LINDEX", "l", "9223372036854775807"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "LINDEX", "l", "-9223372036854775808"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "SET", "s", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LINDEX", "s", "x"), WRONGTYPE);
}

static void test_lset(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "LSET", "l", "x", "v"), "-ERR no such key\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a", "b", "c"), ":3\r\n");
    assert_string_equal(KV_CMD(h, "LSET", "l", "x", "v"), NOT_INT);
    assert_string_equal(KV_CMD(h, "LSET", "l", "3", "v"), "-ERR index out of range\r\n");
    assert_string_equal(KV_CMD(h, "LSET", "l", "-4", "v"), "-ERR index out of range\r\n");
    assert_string_equal(KV_CMD(h, "LSET", "l", "-1", "C"), "+OK\r\n");
    uint64_t before = chunks_used();
    /* Grow the middle element over several chunks, then shrink it back. */
    assert_string_equal(
        KV_CMD(h, "LSET", "l", "1", "a-much-longer-middle-element-of-50-bytes-........."),
        "+OK\r\n");
    assert_int_equal(chunks_used(), before + 3); /* 12 + 50 bytes: 4 chunks of 16 */
    assert_string_equal(KV_CMD(h, "LRANGE", "l", "0", "-1"),
                        "*3\r\n$1\r\na\r\n$50\r\na-much-longer-middle-element-of-50-bytes-........."
                        "\r\n$1\r\nC\r\n");
    assert_string_equal(KV_CMD(h, "LSET", "l", "1", ""), "+OK\r\n");
    assert_int_equal(chunks_used(), before);
    assert_string_equal(KV_CMD(h, "LINDEX", "l", "1"), "$0\r\n\r\n");
    assert_string_equal(KV_CMD(h, "SET", "s", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LSET", "s", "x", "v"), WRONGTYPE);
    assert_store_sound();
}

/* ---- LREM, LTRIM ---- */

static void test_lrem(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "LREM", "l", "x", "a"), NOT_INT);
    assert_string_equal(KV_CMD(h, "LREM", "l", "1", "a"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a", "b", "a", "c", "a", "b"), ":6\r\n");
    assert_string_equal(KV_CMD(h, "LREM", "l", "-1", "a"), ":1\r\n"); /* the last a */
    assert_string_equal(KV_CMD(h, "LRANGE", "l", "0", "-1"),
                        "*5\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\na\r\n$1\r\nc\r\n$1\r\nb\r\n");
    assert_string_equal(KV_CMD(h, "LREM", "l", "1", "b"), ":1\r\n"); /* the first b */
    assert_string_equal(KV_CMD(h, "LREM", "l", "0", "zz"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "LREM", "l", "-9223372036854775808", "a"), ":2\r\n");
    assert_string_equal(KV_CMD(h, "LRANGE", "l", "0", "-1"), "*2\r\n$1\r\nc\r\n$1\r\nb\r\n");
    assert_string_equal(KV_CMD(h, "LREM", "l", "0", "b"), ":1\r\n"); /* the tail goes */
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "d"), ":2\r\n");     /* the tail is right */
    assert_string_equal(KV_CMD(h, "LRANGE", "l", "0", "-1"), "*2\r\n$1\r\nc\r\n$1\r\nd\r\n");
    assert_string_equal(KV_CMD(h, "LREM", "l", "0", "c"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "LREM", "l", "5", "d"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "l"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "SET", "s", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LREM", "s", "0", "v"), WRONGTYPE);
    assert_store_sound();
}

static void test_ltrim(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "LTRIM", "l", "x", "1"), NOT_INT);
    assert_string_equal(KV_CMD(h, "LTRIM", "l", "0", "1"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "l"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "1", "2", "3", "4", "5"), ":5\r\n");
    assert_string_equal(KV_CMD(h, "LTRIM", "l", "1", "-2"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LRANGE", "l", "0", "-1"),
                        "*3\r\n$1\r\n2\r\n$1\r\n3\r\n$1\r\n4\r\n");
    assert_string_equal(KV_CMD(h, "LTRIM", "l", "-100", "100"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LLEN", "l"), ":3\r\n");
    assert_string_equal(KV_CMD(h, "LTRIM", "l", "-1", "-1"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LRANGE", "l", "0", "-1"), "*1\r\n$1\r\n4\r\n");
    assert_string_equal(KV_CMD(h, "LTRIM", "l", "2", "1"), "+OK\r\n"); /* empty range */
    assert_string_equal(KV_CMD(h, "EXISTS", "l"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "1", "2"), ":2\r\n");
    assert_string_equal(KV_CMD(h, "LTRIM", "l", "5", "10"), "+OK\r\n"); /* start past end */
    assert_string_equal(KV_CMD(h, "EXISTS", "l"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "1", "2"), ":2\r\n");
    assert_string_equal(KV_CMD(h, "LTRIM", "l", "-9223372036854775808", "9223372036854775807"),
                        "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LLEN", "l"), ":2\r\n");
    assert_string_equal(KV_CMD(h, "SET", "s", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LTRIM", "s", "0", "1"), WRONGTYPE);
    assert_store_sound();
}

/* ---- LINSERT ---- */

static void test_linsert(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "LINSERT", "l", "sideways", "a", "b"), SYNTAX);
    assert_string_equal(KV_CMD(h, "LINSERT", "l", "before", "a", "b"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "l"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a", "c"), ":2\r\n");
    assert_string_equal(KV_CMD(h, "LINSERT", "l", "before", "zz", "b"), ":-1\r\n");
    assert_string_equal(KV_CMD(h, "LINSERT", "l", "AFTER", "a", "b"), ":3\r\n");
    assert_string_equal(KV_CMD(h, "LINSERT", "l", "Before", "a", "head"), ":4\r\n");
    assert_string_equal(KV_CMD(h, "LINSERT", "l", "after", "c", "tail"), ":5\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "end"), ":6\r\n"); /* the tail moved on */
    assert_string_equal(KV_CMD(h, "LRANGE", "l", "0", "-1"),
                        "*6\r\n$4\r\nhead\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$4\r\ntail\r\n"
                        "$3\r\nend\r\n");
    assert_string_equal(KV_CMD(h, "SET", "s", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LINSERT", "s", "before", "a", "b"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "LINSERT", "s", "sideways", "a", "b"), SYNTAX);
    assert_store_sound();
}

/* ---- LPOS ---- */

static void test_lpos(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "COUNT", "1"), "*0\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a", "b", "c", "a", "b", "c", "a"), ":7\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "c"), ":2\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "zz"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "zz", "count", "1"), "*0\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "rank", "2"), ":3\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "rank", "-2"), ":3\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "rank", "4"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "count", "0"), "*3\r\n:0\r\n:3\r\n:6\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "count", "0", "rank", "-1"),
                        "*3\r\n:6\r\n:3\r\n:0\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "count", "2", "rank", "2", "maxlen", "5"),
                        "*1\r\n:3\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "maxlen", "1", "rank", "-1"), ":6\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "c", "maxlen", "1", "rank", "-1"), "$-1\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "count", "0", "count", "1"), "*1\r\n:0\r\n");
    /* Redis 7.0's wrap-around: the most negative rank searches from the tail and COUNT
     * never stops it. */
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "rank", "-9223372036854775808"), ":6\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "rank", "-9223372036854775808", "count", "1"),
                        "*3\r\n:6\r\n:3\r\n:0\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "rank", "9223372036854775807"), "$-1\r\n");
}

static void test_lpos_errors(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "rank", "0"),
                        "-ERR RANK can't be zero: use 1 to start from the first match, 2 from "
                        "the second ... or use negative to start from the end of the list\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "rank", "x"), NOT_INT);
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "count", "-1"),
                        "-ERR COUNT can't be negative\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "count", "x"),
                        "-ERR COUNT can't be negative\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "maxlen", "-1"),
                        "-ERR MAXLEN can't be negative\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "maxlen", "x"),
                        "-ERR MAXLEN can't be negative\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "rank"), SYNTAX);
    assert_string_equal(KV_CMD(h, "LPOS", "l", "a", "first", "1"), SYNTAX);
    assert_string_equal(KV_CMD(h, "LPOS", "missing", "a", "count", "x"),
                        "-ERR COUNT can't be negative\r\n"); /* options before the key */
    assert_string_equal(KV_CMD(h, "SET", "s", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LPOS", "s", "a"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "LPOS", "s"),
                        "-ERR wrong number of arguments for 'lpos' command\r\n");
}

/* ---- data limits: the error names the limit, and nothing changes ---- */

static void test_list_length_max(void **state) {
    (void)state;
    const char *full = "*32\r\n";
    for (int i = 0; i < 32; i++)
        KV_CMD(h, "RPUSH", "l", "e");
    assert_string_equal(KV_CMD(h, "LLEN", "l"), ":32\r\n");
    uint64_t before = chunks_used();
    const char *error = "-ERR list exceeds list_length_max (32 elements)\r\n";
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "x"), error);
    assert_string_equal(KV_CMD(h, "LPUSHX", "l", "x"), error);
    assert_string_equal(KV_CMD(h, "LINSERT", "l", "before", "e", "x"), error);
    assert_string_equal(KV_CMD(h, "LINSERT", "l", "before", "zz", "x"), ":-1\r\n");
    assert_memory_equal(KV_CMD(h, "LRANGE", "l", "0", "-1"), full, strlen(full));
    assert_string_equal(KV_CMD(h, "LPOS", "l", "x"), "$-1\r\n");
    assert_int_equal(chunks_used(), before);
    /* A push of several that would cross the limit pushes none. */
    assert_string_equal(KV_CMD(h, "RPUSH", "m", "1", "2"), ":2\r\n");
    for (int i = 0; i < 29; i++)
        KV_CMD(h, "RPUSH", "m", "e");
    assert_string_equal(KV_CMD(h, "RPUSH", "m", "x", "y"), error);
    assert_string_equal(KV_CMD(h, "LLEN", "m"), ":31\r\n");
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":2\r\n");
    assert_store_sound();
}

static void test_value_size_max(void **state) {
    (void)state;
    char big[258];
    repeat(big, sizeof big, 'v', 257);
    const char *error = "-ERR value exceeds value_size_max (256 bytes)\r\n";
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a", big), error);
    assert_string_equal(KV_CMD(h, "EXISTS", "l"), ":0\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a", "b"), ":2\r\n");
    uint64_t before = chunks_used();
    assert_string_equal(KV_CMD(h, "LPUSHX", "l", big), error);
    assert_string_equal(KV_CMD(h, "LSET", "l", "0", big), error);
    assert_string_equal(KV_CMD(h, "LINSERT", "l", "after", "a", big), error);
    assert_string_equal(KV_CMD(h, "LSET", "l", "5", big), "-ERR index out of range\r\n");
    assert_string_equal(KV_CMD(h, "LRANGE", "l", "0", "-1"), "*2\r\n$1\r\na\r\n$1\r\nb\r\n");
    assert_int_equal(chunks_used(), before);
    big[256] = '\0'; /* exactly the limit fits */
    assert_string_equal(KV_CMD(h, "LSET", "l", "0", big), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":1\r\n");
    assert_store_sound();
}

/* ---- the shared policy's -OOM ---- */

/* 12 chunks of 16 bytes. A one-byte key takes one; an element of up to 4 bytes one. */
static void tiny_shared_budget(kv_config *c) {
    c->capacity_policy = KV_POLICY_SHARED;
    c->data_budget_bytes = 12 * 16;
    c->value_size_max = 64;
}

static void test_shared_oom_changes_nothing(void **state) {
    (void)state;
    kv_harness_close(h);
    h = open_with(tiny_shared_budget);
    const char *oom = "-OOM command not allowed when used memory > 'maxmemory'.\r\n";
    const char *list = "*4\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n$1\r\nd\r\n";
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a", "b", "c", "d"), ":4\r\n");      /* 5 chunks */
    assert_string_equal(KV_CMD(h, "RPUSH", "m", "1", "2", "3", "4", "5"), ":5\r\n"); /* 6 */
    assert_int_equal(chunks_used(), 11);
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "e", "f"), oom);        /* needs 2, 1 free */
    assert_string_equal(KV_CMD(h, "LPUSHX", "l", "a-longer-one"), oom); /* needs 2 */
    assert_string_equal(KV_CMD(h, "LINSERT", "l", "after", "a", "12345"), oom);
    assert_string_equal(KV_CMD(h, "LSET", "l", "0", "a-longer-element-of-36-bytes........"), oom);
    assert_string_equal(KV_CMD(h, "RPUSH", "n", "x"), oom); /* key + element */
    assert_string_equal(KV_CMD(h, "LRANGE", "l", "0", "-1"), list);
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":2\r\n");
    assert_int_equal(chunks_used(), 11);
    /* The last chunk is usable, and then the pool is exactly full. */
    assert_string_equal(KV_CMD(h, "LSET", "l", "0", "a-grown-to-2"), "+OK\r\n");
    assert_int_equal(chunks_used(), 12);
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "x"), oom);
    /* Freeing makes room again: a pop gives back exactly what the next push needs. */
    assert_string_equal(KV_CMD(h, "RPOP", "m"), "$1\r\n5\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "x"), ":5\r\n");
    assert_store_sound();
}

/* ---- chunks come back ---- */

static void test_emptying_returns_every_chunk(void **state) {
    (void)state;
    char elem[101];
    repeat(elem, sizeof elem, 'e', 100);
    uint64_t empty = chunks_used();
    assert_int_equal(empty, 0);
    for (int round = 0; round < 5; round++) {
        for (int i = 0; i < 10; i++)
            KV_CMD(h, "RPUSH", "l", elem, "x");
        assert_true(chunks_used() > empty);
        switch (round) {
        case 0:
            for (int i = 0; i < 20; i++)
                KV_CMD(h, "LPOP", "l");
            break;
        case 1: KV_CMD(h, "RPOP", "l", "100"); break;
        case 2: KV_CMD(h, "LTRIM", "l", "1", "0"); break;
        case 3:
            KV_CMD(h, "LREM", "l", "0", elem);
            KV_CMD(h, "LREM", "l", "-100", "x");
            break;
        default: KV_CMD(h, "DEL", "l"); break;
        }
        assert_string_equal(KV_CMD(h, "EXISTS", "l"), ":0\r\n");
        assert_int_equal(chunks_used(), empty);
        assert_store_sound();
    }
    /* INFO reports the same figure. */
    assert_non_null(strstr(KV_CMD(h, "INFO"), "chunks_used:0\r\n"));
}

/* ---- the guaranteed policy: the pool is exactly the limits, so LSET must free first ---- */

static void full_guaranteed_pool(kv_config *c) {
    c->capacity_policy = KV_POLICY_GUARANTEED;
    c->keys_max = 1;
    c->key_size_max = 16;
    c->value_size_max = 36; /* 12 + 36 = 48: three chunks an element */
    c->list_length_max = 4;
}

static void test_guaranteed_lset_at_full_pool(void **state) {
    (void)state;
    kv_harness_close(h);
    h = open_with(full_guaranteed_pool);
    char key[17];
    char v[37];
    char w[37];
    repeat(key, sizeof key, 'k', 16);
    repeat(v, sizeof v, 'v', 36);
    repeat(w, sizeof w, 'w', 36);
    assert_string_equal(KV_CMD(h, "RPUSH", key, v, v, v, v), ":4\r\n");
    assert_int_equal(chunk_store_free(&kv_harness_engine(h)->store.chunks), 0);
    assert_string_equal(KV_CMD(h, "LSET", key, "2", w), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LSET", key, "1", "s"), "+OK\r\n"); /* frees two */
    assert_string_equal(KV_CMD(h, "LSET", key, "1", w), "+OK\r\n");   /* takes them back */
    assert_string_equal(KV_CMD(h, "LRANGE", key, "1", "2"),
                        "*2\r\n$36\r\nwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww\r\n"
                        "$36\r\nwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwwww\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", key, "x"),
                        "-ERR list exceeds list_length_max (4 elements)\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "other", "x"),
                        "-ERR key count exceeds keys_max (1 keys)\r\n");
    assert_int_equal(chunk_store_free(&kv_harness_engine(h)->store.chunks), 0);
    assert_store_sound();
}

/* ---- wrong type everywhere ---- */

static void test_list_commands_on_a_string(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "s", "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "LPUSH", "s", "a"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "RPUSH", "s", "a"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "LLEN", "s"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "LRANGE", "s", "0", "-1"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "RPOP", "s"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "LINDEX", "s", "0"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "LSET", "s", "0", "v"), WRONGTYPE);
    assert_string_equal(KV_CMD(h, "GET", "s"), "$1\r\nv\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "a"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "GET", "l"), WRONGTYPE);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, open_harness, close_harness)
    const struct CMUnitTest tests[] = {
        T(test_pushx_only_on_existing_lists),
        T(test_pop_one),
        T(test_pop_with_count),
        T(test_pop_count_asks_for_room_first),
        T(test_lindex),
        T(test_lset),
        T(test_lrem),
        T(test_ltrim),
        T(test_linsert),
        T(test_lpos),
        T(test_lpos_errors),
        T(test_list_length_max),
        T(test_value_size_max),
        T(test_shared_oom_changes_nothing),
        T(test_emptying_returns_every_chunk),
        T(test_guaranteed_lset_at_full_pool),
        T(test_list_commands_on_a_string),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
