/* Every limit of config.h that a request can reach, exactly at its value (served, exact
 * reply) and one past it (its exact error, nothing changed), through the parser and the
 * engine. The server settings that are about time and connections (connections_max,
 * idle_timeout_s, large_buffers_max, large_buffer_hold_ms_max) are breached in
 * test_server_resources.c against the real server.
 *
 * kv_harness_config's limits: keys_max 64, key_size_max 64, value_size_max 256,
 * list_length_max 32, chunk_size 16, command_args_max 34 (derived: list_length_max + 2),
 * bulk_size_max 256 (derived), client_name_size_max 64. */
#include "test_support.h"

#include "kv_harness.h"

KV_HARNESS_FIXTURES

#define OOM "-OOM command not allowed when used memory > 'maxmemory'.\r\n"

/* A string of n copies of c (static: valid until the next call with the same slot). */
static const char *filled(size_t slot, size_t n, char c) {
    static char buffers[4][4096];
    assert_true(slot < 4 && n < sizeof buffers[0]);
    memset(buffers[slot], c, n);
    buffers[slot][n] = '\0';
    return buffers[slot];
}

/* A bulk reply of n copies of c. */
static const char *bulk_of(size_t n, char c) {
    static char out[4200];
    int at = snprintf(out, sizeof out, "$%zu\r\n", n);
    assert_true(at > 0 && (size_t)at + n + 3 <= sizeof out);
    memset(out + at, c, n);
    memcpy(out + (size_t)at + n, "\r\n", 3);
    return out;
}

/* ---- data limits ---- */

static void test_key_size_max(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", filled(0, 64, 'k'), "v"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", filled(0, 65, 'k'), "v"),
                        "-ERR key exceeds key_size_max (64 bytes)\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", filled(0, 65, 'l'), "v"),
                        "-ERR key exceeds key_size_max (64 bytes)\r\n");
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "GET", filled(0, 64, 'k')), "$1\r\nv\r\n");
}

static void test_value_size_max(void **state) {
    (void)state;
    const char *error = "-ERR value exceeds value_size_max (256 bytes)\r\n";
    assert_string_equal(KV_CMD(h, "SET", "s", filled(0, 256, 'v')), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "GET", "s"), bulk_of(256, 'v'));
    assert_string_equal(KV_CMD(h, "SET", "t", filled(0, 257, 'v')), error);
    assert_string_equal(KV_CMD(h, "RPUSH", "l", filled(0, 256, 'e')), ":1\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", filled(0, 257, 'e')), error);
    assert_string_equal(KV_CMD(h, "LLEN", "l"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "EXISTS", "t"), ":0\r\n");
}

/* APPEND and SETRANGE meet two limits: Redis's proto-max-bulk-len on offset + length
 * (bulk_size_max, checked first, as Redis's checkStringLength), then value_size_max. Here
 * both are 256, so one byte past is past the bulk limit and answers Redis's text. */
static void test_string_growth_past_both_limits(void **state) {
    (void)state;
    const char *error = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";
    assert_string_equal(KV_CMD(h, "SET", "a", filled(0, 255, 'v')), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "APPEND", "a", "v"), ":256\r\n");
    assert_string_equal(KV_CMD(h, "APPEND", "a", "v"), error);
    assert_string_equal(KV_CMD(h, "SETRANGE", "a", "255", "w"), ":256\r\n");
    assert_string_equal(KV_CMD(h, "SETRANGE", "a", "256", "w"), error);
    assert_string_equal(KV_CMD(h, "STRLEN", "a"), ":256\r\n");
    assert_string_equal(KV_CMD(h, "GETRANGE", "a", "254", "-1"), "$2\r\nvw\r\n");
}

/* A bulk limit wider than value_size_max (256): past value_size_max but within the bulk
 * limit is the data limit's error; past the bulk limit, Redis's text. */
static void wide_bulks(kv_config *c) { c->bulk_size_max = 512; }

static void test_string_growth_past_value_size_max(void **state) {
    (void)state;
    kv_harness *x = kv_harness_open_tweaked(wide_bulks);
    const char *value = "-ERR value exceeds value_size_max (256 bytes)\r\n";
    const char *bulk = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";
    assert_string_equal(KV_CMD(x, "SET", "a", filled(0, 255, 'v')), "+OK\r\n");
    assert_string_equal(KV_CMD(x, "APPEND", "a", "v"), ":256\r\n");
    assert_string_equal(KV_CMD(x, "APPEND", "a", "v"), value);
    assert_string_equal(KV_CMD(x, "APPEND", "a", filled(0, 256, 'x')), value); /* 512 */
    assert_string_equal(KV_CMD(x, "APPEND", "a", filled(0, 257, 'x')), bulk);  /* 513 */
    assert_string_equal(KV_CMD(x, "SETRANGE", "a", "255", "w"), ":256\r\n");
    assert_string_equal(KV_CMD(x, "SETRANGE", "a", "256", "w"), value);
    assert_string_equal(KV_CMD(x, "SETRANGE", "a", "511", "w"), value); /* ends at 512 */
    assert_string_equal(KV_CMD(x, "SETRANGE", "a", "512", "w"), bulk);  /* ends at 513 */
    assert_string_equal(KV_CMD(x, "SETRANGE", "n", "511", "w"), value); /* a new key too */
    assert_string_equal(KV_CMD(x, "SETRANGE", "n", "512", "w"), bulk);
    assert_string_equal(KV_CMD(x, "STRLEN", "a"), ":256\r\n");
    assert_string_equal(KV_CMD(x, "GETRANGE", "a", "254", "-1"), "$2\r\nvw\r\n");
    assert_string_equal(KV_CMD(x, "EXISTS", "n"), ":0\r\n");
    kv_harness_close(x);
}

static void test_list_length_max(void **state) {
    (void)state;
    const char *values[34] = {"RPUSH", "l"};
    for (size_t i = 2; i < 34; i++)
        values[i] = "x";
    assert_string_equal(kv_harness_command(h, 34, values), ":32\r\n");
    assert_string_equal(KV_CMD(h, "RPUSH", "l", "y"),
                        "-ERR list exceeds list_length_max (32 elements)\r\n");
    assert_string_equal(KV_CMD(h, "LPUSHX", "l", "y"),
                        "-ERR list exceeds list_length_max (32 elements)\r\n");
    assert_string_equal(KV_CMD(h, "LLEN", "l"), ":32\r\n");
    assert_string_equal(KV_CMD(h, "LINDEX", "l", "-1"), "$1\r\nx\r\n");
}

static void test_keys_max(void **state) {
    (void)state;
    char name[16];
    for (int i = 0; i < 64; i++) {
        snprintf(name, sizeof name, "k%d", i);
        assert_string_equal(KV_CMD(h, "SET", name, "v"), "+OK\r\n");
    }
    assert_string_equal(KV_CMD(h, "SET", "k64", "v"),
                        "-ERR key count exceeds keys_max (64 keys)\r\n");
    assert_string_equal(KV_CMD(h, "LPUSH", "k64", "v"),
                        "-ERR key count exceeds keys_max (64 keys)\r\n");
    assert_string_equal(KV_CMD(h, "SET", "k0", "again"), "+OK\r\n"); /* no new key: served */
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":64\r\n");
}

/* The shared budget: 1024 bytes of 16-byte chunks are 64 chunks, four keys of one chunk
 * with a 240-byte value of 15 chunks fill them exactly; then one chunk more is -OOM. */
static void small_budget(kv_config *c) {
    c->data_budget_bytes = 1024;
    c->capacity_policy = KV_POLICY_SHARED;
}

static void test_data_budget_bytes(void **state) {
    (void)state;
    kv_harness *x = kv_harness_open_tweaked(small_budget);
    const char *names[] = {"a", "b", "c", "d"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(KV_CMD(x, "SET", names[i], filled(0, 240, 'v')), "+OK\r\n");
    assert_non_null(strstr(KV_CMD(x, "INFO", "memory"), "\r\nchunks_total:64\r\nchunks_used:64\r\n"
                                                        "chunks_free:0\r\n"));
    assert_string_equal(KV_CMD(x, "SET", "e", "v"), OOM);
    assert_string_equal(KV_CMD(x, "APPEND", "a", "v"), OOM);
    assert_string_equal(KV_CMD(x, "SET", "a", filled(0, 240, 'w')), "+OK\r\n"); /* same size */
    assert_string_equal(KV_CMD(x, "DBSIZE"), ":4\r\n");
    assert_string_equal(KV_CMD(x, "STRLEN", "a"), ":240\r\n");
    kv_harness_close(x);
}

/* ---- reply_size_max ---- */

/* 1024 bytes (its least value), with values long enough to reach it. */
static void small_replies(kv_config *c) {
    c->reply_size_max = 1024;
    c->value_size_max = 2048;
    c->bulk_size_max = 2048;
    c->request_size_max = 65536;
}

#define REPLY_ERROR "-ERR reply exceeds reply_size_max (1024 bytes)\r\n"

/* "$1015\r\n" + 1015 bytes + "\r\n" is 1024 bytes: served, with the room the harness gives
 * first and again with the least room (the command asks for more and is run again). */
static void assert_string_replies_at_the_limit(kv_harness *x) {
    assert_string_equal(KV_CMD(x, "SET", "at", filled(0, 1015, 'a')), "+OK\r\n");
    assert_string_equal(KV_CMD(x, "SET", "past", filled(0, 1016, 'p')), "+OK\r\n");
    assert_string_equal(KV_CMD(x, "GET", "at"), bulk_of(1015, 'a'));
    assert_int_equal(kv_harness_reply_len(x), 1024);
    assert_string_equal(KV_CMD(x, "GET", "past"), REPLY_ERROR);
    assert_string_equal(KV_CMD(x, "GETDEL", "past"), REPLY_ERROR);
    assert_string_equal(KV_CMD(x, "GETSET", "past", "x"), REPLY_ERROR);
    assert_string_equal(KV_CMD(x, "STRLEN", "past"), ":1016\r\n"); /* refused: unchanged */
    assert_string_equal(KV_CMD(x, "GETSET", "at", "x"), bulk_of(1015, 'a'));
    assert_string_equal(KV_CMD(x, "SET", "at", filled(0, 1015, 'a')), "+OK\r\n");
    assert_string_equal(KV_CMD(x, "GETDEL", "at"), bulk_of(1015, 'a'));
    assert_string_equal(KV_CMD(x, "EXISTS", "at"), ":0\r\n");
}

/* "*1\r\n" + "$1011\r\n" + 1011 bytes + "\r\n" is 1024 bytes. */
static void assert_list_replies_at_the_limit(kv_harness *x) {
    assert_string_equal(KV_CMD(x, "RPUSH", "l", filled(0, 1011, 'e')), ":1\r\n");
    assert_string_equal(KV_CMD(x, "RPUSH", "m", filled(0, 1012, 'f')), ":1\r\n");
    char expected[1100];
    snprintf(expected, sizeof expected, "*1\r\n%s", bulk_of(1011, 'e'));
    assert_string_equal(KV_CMD(x, "LRANGE", "l", "0", "-1"), expected);
    assert_int_equal(kv_harness_reply_len(x), 1024);
    assert_string_equal(KV_CMD(x, "LRANGE", "m", "0", "-1"), REPLY_ERROR);
    assert_string_equal(KV_CMD(x, "LPOP", "m", "1"), REPLY_ERROR);
    assert_string_equal(KV_CMD(x, "LLEN", "m"), ":1\r\n"); /* refused: unchanged */
    assert_string_equal(KV_CMD(x, "LPOP", "l", "1"), expected);
    assert_string_equal(KV_CMD(x, "EXISTS", "l"), ":0\r\n");
    /* MGET: "*1\r\n" + the bulk of "at"'s 1011 bytes */
    assert_string_equal(KV_CMD(x, "SET", "s", filled(0, 1011, 's')), "+OK\r\n");
    snprintf(expected, sizeof expected, "*1\r\n%s", bulk_of(1011, 's'));
    assert_string_equal(KV_CMD(x, "MGET", "s"), expected);
    assert_string_equal(KV_CMD(x, "MGET", "s", "nosuch"), REPLY_ERROR); /* 5 bytes more */
}

static void test_reply_size_max(void **state) {
    (void)state;
    kv_harness *x = kv_harness_open_tweaked(small_replies);
    assert_string_replies_at_the_limit(x);
    assert_list_replies_at_the_limit(x);
    kv_harness_close(x);
    x = kv_harness_open_tweaked(small_replies);
    kv_harness_set_room(x, KV_REPLY_ROOM_MIN_BYTES); /* the same through NEEDS_ROOM */
    assert_string_replies_at_the_limit(x);
    assert_list_replies_at_the_limit(x);
    kv_harness_close(x);
}

/* ---- protocol limits: the error, then the connection closes ---- */

/* Sends bytes, asserts the replies and whether the connection closed. */
static void assert_exchange(kv_harness *x, const char *bytes, size_t len, const char *replies,
                            bool closes) {
    size_t reply_len = 0;
    bool closed = false;
    const char *got = kv_harness_send_bytes(x, bytes, len, &reply_len, &closed);
    assert_string_equal(got, replies);
    assert_int_equal(closed, closes);
}

/* A multibulk request: `argc` arguments, the first `head` and the others `fill`. */
static const char *multibulk(size_t *len, size_t argc, const char *head, const char *fill) {
    static char out[8192];
    size_t at = (size_t)snprintf(out, sizeof out, "*%zu\r\n", argc);
    for (size_t i = 0; i < argc; i++) {
        const char *a = i == 0 ? head : fill;
        at += (size_t)snprintf(out + at, sizeof out - at, "$%zu\r\n%s\r\n", strlen(a), a);
        assert_true(at < sizeof out);
    }
    *len = at;
    return out;
}

static void test_command_args_max(void **state) {
    (void)state;
    size_t len = 0;
    const char *at = multibulk(&len, 34, "DEL", "k"); /* DEL and 33 keys */
    assert_exchange(h, at, len, ":0\r\n", false);
    at = multibulk(&len, 35, "DEL", "k");
    assert_exchange(h, at, len, "-ERR Protocol error: invalid multibulk length\r\n", true);
}

static void test_command_args_max_inline(void **state) {
    (void)state;
    char line[256] = "DEL";
    for (int i = 0; i < 33; i++)
        strcat(line, " k");
    strcat(line, "\r\n");
    assert_exchange(h, line, strlen(line), ":0\r\n", false);
    memcpy(line + strlen(line) - 2, " k\r\n", 5);
    assert_exchange(h, line, strlen(line), "-ERR Protocol error: invalid multibulk length\r\n",
                    true);
}

static void test_bulk_size_max(void **state) {
    (void)state;
    size_t len = 0;
    const char *at = multibulk(&len, 2, "ECHO", filled(1, 256, 'b'));
    assert_exchange(h, at, len, bulk_of(256, 'b'), false);
    at = multibulk(&len, 2, "ECHO", filled(1, 257, 'b'));
    assert_exchange(h, at, len, "-ERR Protocol error: invalid bulk length\r\n", true);
}

/* inline_size_max 64: an inline line ends at '\n', so 64 bytes before it are served, the
 * '\r' of a "\r\n" counted among them; 65 are too big. */
static void short_lines(kv_config *c) { c->inline_size_max = 64; }

static void test_inline_size_max(void **state) {
    (void)state;
    kv_harness *x = kv_harness_open_tweaked(short_lines);
    char line[128];
    snprintf(line, sizeof line, "ECHO %s\n", filled(1, 59, 'i'));
    assert_exchange(x, line, strlen(line), bulk_of(59, 'i'), false);
    snprintf(line, sizeof line, "ECHO %s\r\n", filled(1, 58, 'i'));
    assert_exchange(x, line, strlen(line), bulk_of(58, 'i'), false);
    snprintf(line, sizeof line, "ECHO %s\r\n", filled(1, 59, 'i'));
    assert_exchange(x, line, strlen(line), "-ERR Protocol error: too big inline request\r\n", true);
    kv_harness_close(x);
    x = kv_harness_open_tweaked(short_lines);
    snprintf(line, sizeof line, "ECHO %s\n", filled(1, 60, 'i'));
    assert_exchange(x, line, strlen(line), "-ERR Protocol error: too big inline request\r\n", true);
    kv_harness_close(x);
}

/* request_size_max 1024 (its least value): "*2\r\n$4\r\nECHO\r\n$1001\r\n" + 1001 bytes +
 * "\r\n" is 1024 bytes. */
static void small_requests(kv_config *c) {
    c->inline_size_max = 64;
    c->request_size_max = 1024;
    c->value_size_max = 2048;
    c->bulk_size_max = 2048;
}

static void test_request_size_max(void **state) {
    (void)state;
    kv_harness *x = kv_harness_open_tweaked(small_requests);
    size_t len = 0;
    const char *at = multibulk(&len, 2, "ECHO", filled(1, 1001, 'r'));
    assert_int_equal(len, 1024);
    assert_exchange(x, at, len, bulk_of(1001, 'r'), false);
    at = multibulk(&len, 2, "ECHO", filled(1, 1002, 'r'));
    assert_exchange(x, at, len,
                    "-ERR Protocol error: request exceeds request_size_max (1024 bytes)\r\n", true);
    kv_harness_close(x);
}

/* ---- client names ---- */

static void test_client_name_size_max(void **state) {
    (void)state;
    const char *r = KV_CMD(h, "HELLO", "2", "SETNAME", filled(1, 64, 'n'));
    assert_memory_equal(r, "*14\r\n", 5);
    assert_string_equal(KV_CMD(h, "HELLO", "2", "SETNAME", filled(1, 65, 'n')),
                        "-ERR client name exceeds client_name_size_max (64 bytes)\r\n");
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, open_harness, close_harness)
    const struct CMUnitTest tests[] = {
        T(test_key_size_max),
        T(test_value_size_max),
        T(test_string_growth_past_both_limits),
        T(test_string_growth_past_value_size_max),
        T(test_list_length_max),
        T(test_keys_max),
        T(test_data_budget_bytes),
        T(test_reply_size_max),
        T(test_command_args_max),
        T(test_command_args_max_inline),
        T(test_bulk_size_max),
        T(test_inline_size_max),
        T(test_request_size_max),
        T(test_client_name_size_max),
    };
#undef T
    return cmocka_run_group_tests(tests, NULL, NULL);
}
