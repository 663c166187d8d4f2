/* Issue 14's small differences and set-up calls, through the parser and the engine, with
 * the bytes Redis 7.0.15 answers (checked against a real redis-server): CONFIG SET to the
 * value in force, Redis's encoding tunings, FUNCTION FLUSH, HELLO's option order, errors
 * that echo a client's word whole, the proto-max-bulk-len text, COMMAND LIST filters and
 * COMMAND GETKEYS, the unauthenticated header texts. */
#include "test_support.h"

#include "kv/layout.h"
#include "kv_assert.h"

KV_HARNESS_FIXTURES

static void with_password(kv_config *c) {
    snprintf(c->requirepass, sizeof c->requirepass, "%s", "s3cret");
}

KV_HARNESS_SETUP_TWEAKED(open_with_password, with_password)

static void test_config_set_to_the_value_in_force(void **state) {
    (void)state;
    assert_reply(h, "+OK\r\n", "CONFIG", "SET", "save", "");
    assert_reply(h, "+OK\r\n", "CONFIG", "SET", "appendonly", "NO");
    assert_reply(h, "+OK\r\n", "CONFIG", "SET", "keys_max", "64", "maxclients", "4");
    assert_reply(h,
                 "-ERR Unknown option or number of arguments for CONFIG SET - "
                 "'value-size-max'\r\n",
                 "CONFIG", "SET", "value-size-max", "256");
    assert_reply(h, KV_REPLY_CONFIG_SET_FAILED("save", "can't set immutable config"), "CONFIG",
                 "SET", "save", "900 1");
    assert_reply(h, KV_REPLY_CONFIG_SET_FAILED("keys_max", "duplicate parameter"), "CONFIG", "SET",
                 "keys_max", "64", "keys_max", "64");
    /* A name and its Redis name are one setting. */
    assert_reply(h, KV_REPLY_CONFIG_SET_FAILED("maxclients", "duplicate parameter"), "CONFIG",
                 "SET", "connections_max", "4", "maxclients", "4");
    /* databases is immutable in Redis, even at the value it holds (diff case config-1cb9e48b). */
    assert_reply(h, KV_REPLY_CONFIG_SET_FAILED("databases", "can't set immutable config"), "CONFIG",
                 "SET", "appendonly", "no", "databases", "1");
    /* A tuning's name and alias are two settings to Redis 7.0: the later pair wins
     * (diff case config-604bc494); the same name twice is a duplicate. */
    assert_reply(h, "+OK\r\n", "CONFIG", "SET", "list-max-ziplist-size", "-1",
                 "list-max-listpack-size", "-3");
    assert_reply(h, "*2\r\n$22\r\nlist-max-listpack-size\r\n$2\r\n-3\r\n", "CONFIG", "GET",
                 "list-max-listpack-size");
    assert_reply(h, KV_REPLY_CONFIG_SET_FAILED("list-max-ziplist-size", "duplicate parameter"),
                 "CONFIG", "SET", "list-max-ziplist-size", "-1", "list-max-ziplist-size", "-3");
    /* The first refusal in order wins. */
    assert_reply(h, KV_REPLY_CONFIG_SET_FAILED("keys_max", "can't set immutable config"), "CONFIG",
                 "SET", "keys_max", "1", "nope", "1");
    assert_reply(h,
                 "-ERR Unknown option or number of arguments for CONFIG SET - "
                 "'Nosuch  '\r\n",
                 "CONFIG", "SET", "Nosuch\r\n", "1");
}

static void test_encoding_tunings_are_kept_without_effect(void **state) {
    (void)state;
    assert_reply(h, "*2\r\n$21\r\nlist-max-ziplist-size\r\n$2\r\n-2\r\n", "CONFIG", "GET",
                 "list-max-ziplist-size");
    assert_reply(h,
                 "*4\r\n$22\r\nlist-max-listpack-size\r\n$2\r\n-2\r\n"
                 "$21\r\nlist-max-ziplist-size\r\n$2\r\n-2\r\n",
                 "CONFIG", "GET", "list-max-*");
    assert_reply(h, "+OK\r\n", "CONFIG", "SET", "list-max-listpack-size", "-5",
                 "list-compress-depth", "2", "hash-max-listpack-value", "1kb");
    assert_reply(h, "*2\r\n$19\r\nlist-compress-depth\r\n$1\r\n2\r\n", "CONFIG", "GET",
                 "list-compress-depth");
    assert_reply(h, "*2\r\n$22\r\nhash-max-ziplist-value\r\n$4\r\n1024\r\n", "CONFIG", "GET",
                 "hash-max-ziplist-value");
    assert_reply(h, "*2\r\n$21\r\nlist-max-ziplist-size\r\n$2\r\n-5\r\n", "CONFIG", "GET",
                 "list-max-ziplist-size");
    /* Redis's parsing and bounds; a refused CONFIG SET changes none of its pairs. */
    assert_reply(h,
                 KV_REPLY_CONFIG_SET_FAILED("list-max-ziplist-size",
                                            "argument couldn't be parsed into an integer"),
                 "CONFIG", "SET", "list-compress-depth", "7", "list-max-ziplist-size", "x");
    assert_reply(h, "*2\r\n$19\r\nlist-compress-depth\r\n$1\r\n2\r\n", "CONFIG", "GET",
                 "list-compress-depth");
    assert_reply(h,
                 KV_REPLY_CONFIG_SET_FAILED("list-compress-depth",
                                            "argument must be between 0 and 2147483647 inclusive"),
                 "CONFIG", "SET", "list-compress-depth", "-1");
    assert_reply(h,
                 KV_REPLY_CONFIG_SET_FAILED("list-compress-depth",
                                            "argument couldn't be parsed into an integer"),
                 "CONFIG", "SET", "LIST-COMPRESS-DEPTH", "x");
    assert_reply(
        h,
        KV_REPLY_CONFIG_SET_FAILED("list-max-listpack-size",
                                   "argument must be between -2147483648 and 2147483647 inclusive"),
        "CONFIG", "SET", "list-max-listpack-size", "99999999999");
    assert_reply(
        h, KV_REPLY_CONFIG_SET_FAILED("hash-max-listpack-value", "argument must be a memory value"),
        "CONFIG", "SET", "hash-max-listpack-value", "-1");
    assert_reply(
        h,
        KV_REPLY_CONFIG_SET_FAILED("hash-max-listpack-value",
                                   "argument must be between 0 and 9223372036854775807 inclusive"),
        "CONFIG", "SET", "hash-max-listpack-value", "99999999999999999999");
    /* No effect: lists behave the same with any tuning. */
    assert_reply(h, ":3\r\n", "RPUSH", "l", "a", "b", "c");
    assert_reply(h, "*3\r\n$1\r\na\r\n$1\r\nb\r\n$1\r\nc\r\n", "LRANGE", "l", "0", "-1");
}

static void test_function_flush(void **state) {
    (void)state;
    assert_reply(h, "+OK\r\n", "FUNCTION", "FLUSH");
    assert_reply(h, "+OK\r\n", "function", "flush", "ASYNC");
    assert_reply(h, "+OK\r\n", "FUNCTION", "FLUSH", "SYNC");
    assert_reply(h, "-ERR FUNCTION FLUSH only supports SYNC|ASYNC option\r\n", "FUNCTION", "FLUSH",
                 "x");
    assert_reply(h,
                 "-ERR unknown subcommand or wrong number of arguments for 'FLUSH'. Try "
                 "FUNCTION HELP.\r\n",
                 "FUNCTION", "FLUSH", "SYNC", "x");
}

static void test_hello_checks_options_in_order(void **state) {
    (void)state;
    assert_reply(h, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
                 "HELLO", "2", "SETNAME", "a b", "BOGUS");
    assert_reply(h, "-ERR Syntax error in HELLO option 'bogus'\r\n", "HELLO", "2", "bogus",
                 "SETNAME", "a b");
    assert_reply(h, "-WRONGPASS invalid username-password pair or user is disabled.\r\n", "HELLO",
                 "2", "AUTH", "nouser", "pw", "SETNAME", "a b");
    assert_reply(h, "-ERR Client names cannot contain spaces, newlines or special characters.\r\n",
                 "HELLO", "2", "SETNAME", "a b", "AUTH", "nouser", "pw");
    assert_reply(h, "-ERR Syntax error in HELLO option 'bo  gus'\r\n", "HELLO", "2", "SETNAME",
                 "ok", "bo\r\ngus");
}

/* An echoed word of 600 bytes comes back whole (Redis formats it with %s). */
static void test_errors_echo_the_whole_word(void **state) {
    (void)state;
    char word[601];
    memset(word, 'w', 600);
    word[600] = '\0';
    char want[700];
    snprintf(want, sizeof want, "-ERR Syntax error in HELLO option '%s'\r\n", word);
    assert_reply(h, want, "HELLO", "2", word);
    snprintf(want, sizeof want,
             "-ERR Unknown option or number of arguments for CONFIG SET - '%s'\r\n", word);
    assert_reply(h, want, "CONFIG", "SET", word, "1");
}

/* bulk_size_max is Redis's proto-max-bulk-len (256 here): a string past it answers Redis's
 * text, checked on offset + length before anything else, as checkStringLength. */
static void test_string_past_the_bulk_limit(void **state) {
    (void)state;
    const char *error = "-ERR string exceeds maximum allowed size (proto-max-bulk-len)\r\n";
    assert_reply(h, error, "SETRANGE", "s", "250", "0123456789");
    assert_reply(h, ":0\r\n", "EXISTS", "s");
    assert_reply(h, error, "SETRANGE", "s", "9223372036854775807", "x");
    assert_reply(h, ":0\r\n", "SETRANGE", "s", "250", "");
    assert_reply(h, ":256\r\n", "SETRANGE", "s", "246", "0123456789");
    assert_reply(h, error, "APPEND", "s", "x");
    assert_reply(h, ":256\r\n", "STRLEN", "s");
}

static void test_command_list_filters(void **state) {
    (void)state;
    assert_reply(h, "*0\r\n", "COMMAND", "LIST", "FILTERBY", "MODULE", "x");
    assert_reply(h, "*2\r\n$8\r\nfunction\r\n$14\r\nfunction|flush\r\n", "COMMAND", "LIST",
                 "FILTERBY", "PATTERN", "function*");
    assert_reply(h, KV_REPLY_SYNTAX, "COMMAND", "LIST", "FILTERBY", "bogus", "x");
    assert_reply(h, KV_REPLY_SYNTAX, "COMMAND", "LIST", "FILTERBY", "MODULE");
    /* Without a filter: subcommands too, as Redis lists them. */
    const char *all = KV_CMD(h, "COMMAND", "LIST");
    assert_non_null(strstr(all, "$10\r\nconfig|get\r\n"));
}

static void test_command_getkeys(void **state) {
    (void)state;
    assert_reply(h, "*1\r\n$1\r\na\r\n", "COMMAND", "GETKEYS", "get", "a");
    assert_reply(h, "*2\r\n$1\r\na\r\n$1\r\nc\r\n", "COMMAND", "GETKEYS", "MSET", "a", "b", "c",
                 "d");
    assert_reply(h, "-ERR The command has no key arguments\r\n", "COMMAND", "GETKEYS", "ping", "x");
    assert_reply(h, "-ERR The command has no key arguments\r\n", "COMMAND", "GETKEYS", "config",
                 "get");
    assert_reply(h, "-ERR Invalid command specified\r\n", "COMMAND", "GETKEYS", "nosuch", "x");
    assert_reply(h, "-ERR Invalid number of arguments specified for command\r\n", "COMMAND",
                 "GETKEYS", "set", "a");
    assert_reply(h, "-ERR wrong number of arguments for 'command|getkeys' command\r\n", "COMMAND",
                 "GETKEYS", "get");
}

/* Counts and bulks past stasis's own smaller limits (command_args_max is 34 here,
 * bulk_size_max 256) still get Redis's unauthenticated texts. */
static void test_unauthenticated_header_texts(void **state) {
    (void)state;
    size_t len = 0;
    bool closed = false;
    const char *r = kv_harness_send_bytes(h, "*100\r\n", 6, &len, &closed);
    assert_string_equal(r, "-ERR Protocol error: unauthenticated multibulk length\r\n");
    assert_true(closed);
}

static void test_unauthenticated_bulk_text(void **state) {
    (void)state;
    size_t len = 0;
    bool closed = false;
    const char *req = "*1\r\n$100000000\r\n";
    const char *r = kv_harness_send_bytes(h, req, strlen(req), &len, &closed);
    assert_string_equal(r, "-ERR Protocol error: unauthenticated bulk length\r\n");
    assert_true(closed);
}

/* --port 0 binds a free port: CONFIG GET port and INFO show the one bound. */
static void test_port_shows_the_port_bound(void **state) {
    (void)state;
    assert_reply(h, "*2\r\n$4\r\nport\r\n$4\r\n6379\r\n", "CONFIG", "GET", "port");
    kv_server_info info = {.tcp_port = 43210};
    kv_harness_engine(h)->server = &info;
    assert_reply(h, "*2\r\n$4\r\nport\r\n$5\r\n43210\r\n", "CONFIG", "GET", "port");
    const char *r = KV_CMD(h, "INFO");
    assert_non_null(strstr(r, "\r\ntcp_port:43210\r\n"));
    assert_non_null(strstr(r, "\r\nport:43210\r\n"));
    kv_harness_engine(h)->server = NULL;
}

/* With request_size_max == inline_size_max, a buffer still holds inline_size_max + 1 bytes
 * of a line: enough for the parser to call it "too big inline request" (Redis's rule: more
 * than the limit buffered), not "request exceeds request_size_max". */
static void test_large_buffer_holds_one_byte_past_an_inline_line(void **state) {
    (void)state;
    kv_config c;
    kv_harness_config(&c);
    c.inline_size_max = c.request_size_max = c.reply_size_max = 4096;
    char error[256];
    assert_true(kv_config_finalize(&c, error, sizeof error));
    kv_layout l;
    assert_true(kv_layout_compute(&c, &l, error, sizeof error));
    assert_true(l.large_buffer_bytes >= c.inline_size_max + 1);
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, open_harness, close_harness)
#define P(fn) cmocka_unit_test_setup_teardown(fn, open_with_password, close_harness)
    const struct CMUnitTest tests[] = {
        T(test_config_set_to_the_value_in_force),
        T(test_encoding_tunings_are_kept_without_effect),
        T(test_function_flush),
        T(test_hello_checks_options_in_order),
        T(test_errors_echo_the_whole_word),
        T(test_string_past_the_bulk_limit),
        T(test_command_list_filters),
        T(test_command_getkeys),
        P(test_unauthenticated_header_texts),
        P(test_unauthenticated_bulk_text),
        cmocka_unit_test(test_large_buffer_holds_one_byte_past_an_inline_line),
        T(test_port_shows_the_port_bound),
    };
#undef T
#undef P
    return cmocka_run_group_tests(tests, NULL, NULL);
}
