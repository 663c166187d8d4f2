/* Connection and server commands through the parser and the engine: exact bytes, Redis's
 * texts for unknown commands, arity, AUTH/NOAUTH/HELLO, CONFIG, COMMAND and INFO fields. */
#include "test_support.h"

#include "kv_harness.h"

KV_HARNESS_FIXTURES

static int open_with_password(void **state) {
    (void)state;
    kv_config c;
    kv_harness_config(&c);
    snprintf(c.requirepass, sizeof c.requirepass, "%s", "s3cret");
    h = kv_harness_open(&c);
    return 0;
}

static void test_ping_echo_select_dbsize(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "PING"), "+PONG\r\n");
    assert_string_equal(KV_CMD(h, "ping", "hi"), "$2\r\nhi\r\n");
    assert_string_equal(KV_CMD(h, "PING", "a", "b"),
                        "-ERR wrong number of arguments for 'ping' command\r\n");
    assert_string_equal(KV_CMD(h, "ECHO", ""), "$0\r\n\r\n");
    assert_string_equal(KV_CMD(h, "SELECT", "0"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SELECT", "1"), "-ERR DB index is out of range\r\n");
    assert_string_equal(KV_CMD(h, "SELECT", "x"),
                        "-ERR value is not an integer or out of range\r\n");
    assert_string_equal(KV_CMD(h, "SELECT", "2147483648"),
                        "-ERR value is out of range, value must between -2147483648 and "
                        "2147483647\r\n");
    assert_string_equal(KV_CMD(h, "SET", "a", "1"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":1\r\n");
    assert_string_equal(KV_CMD(h, "FLUSHALL", "bogus"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "FLUSHDB", "ASYNC"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "DBSIZE"), ":0\r\n");
}

static void test_unknown_commands_and_arity(void **state) {
    (void)state;
    assert_string_equal(kv_harness_send(h, "foo bar 'baz'\r\n"),
                        "-ERR unknown command 'foo', with args beginning with: 'bar' 'baz' \r\n");
    assert_string_equal(kv_harness_send(h, "*1\r\n$0\r\n\r\n"),
                        "-ERR unknown command '', with args beginning with: \r\n");
    assert_string_equal(kv_harness_send(h, "*2\r\n$3\r\nfoo\r\n$2\r\nb\n\r\n"),
                        "-ERR unknown command 'foo', with args beginning with: 'b ' \r\n");
    char longarg[300];
    memset(longarg, 'a', sizeof longarg - 1);
    longarg[sizeof longarg - 1] = '\0';
    const char *r = KV_CMD(h, "nope", longarg, "b");
    /* the argument is cut at 128 bytes and the list stops there */
    char expected[512];
    snprintf(expected, sizeof expected,
             "-ERR unknown command 'nope', with args beginning with: '%.128s' \r\n", longarg);
    assert_string_equal(r, expected);
    assert_string_equal(KV_CMD(h, "GET"), "-ERR wrong number of arguments for 'get' command\r\n");
    assert_string_equal(KV_CMD(h, "get", "a", "b"),
                        "-ERR wrong number of arguments for 'get' command\r\n");
}

static void test_http_words_close_without_reply(void **state) {
    (void)state;
    size_t len = 0;
    bool closed = false;
    kv_harness_send_bytes(h, "POST / HTTP/1.1\r\n", 17, &len, &closed);
    assert_int_equal(len, 0);
    assert_true(closed);
}

static void test_quit_replies_then_closes(void **state) {
    (void)state;
    size_t len = 0;
    bool closed = false;
    const char *r = kv_harness_send_bytes(h, "QUIT\r\nPING\r\n", 12, &len, &closed);
    assert_string_equal(r, "+OK\r\n");
    assert_true(closed);
}

static void test_auth_without_password(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "AUTH", "x"),
                        "-ERR AUTH <password> called without any password configured for the "
                        "default user. Are you sure your configuration is correct?\r\n");
    assert_string_equal(KV_CMD(h, "AUTH", "default", "anything"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "AUTH", "someone", "x"),
                        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    assert_string_equal(KV_CMD(h, "AUTH", "a", "b", "c"), "-ERR syntax error\r\n");
}

static void test_requirepass_and_noauth(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "GET", "a"), "-NOAUTH Authentication required.\r\n");
    assert_string_equal(KV_CMD(h, "nosuch"),
                        "-ERR unknown command 'nosuch', with args beginning with: \r\n");
    assert_string_equal(KV_CMD(h, "HELLO", "2"),
                        "-NOAUTH HELLO must be called with the client already authenticated, "
                        "otherwise the HELLO AUTH <user> <pass> option can be used to authenticate "
                        "the client and select the RESP protocol version at the same time\r\n");
    assert_string_equal(KV_CMD(h, "AUTH", "wrong"),
                        "-WRONGPASS invalid username-password pair or user is disabled.\r\n");
    /* Unauthenticated clients get Redis's smaller protocol limits. */
    size_t len = 0;
    bool closed = false;
    const char *r = kv_harness_send_bytes(h, "*11\r\n", 5, &len, &closed);
    assert_string_equal(r, "-ERR Protocol error: unauthenticated multibulk length\r\n");
    assert_true(closed);
}

static void test_auth_then_commands(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "AUTH", "s3cret"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "a", "1"), "+OK\r\n");
}

static void test_hello(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "HELLO", "3"), "-NOPROTO unsupported protocol version\r\n");
    assert_string_equal(KV_CMD(h, "HELLO", "x"),
                        "-ERR Protocol version is not an integer or out of range\r\n");
    assert_string_equal(KV_CMD(h, "HELLO", "2", "BOGUS"),
                        "-ERR Syntax error in HELLO option 'BOGUS'\r\n");
    assert_string_equal(
        KV_CMD(h, "HELLO", "2", "SETNAME", "a b"),
        "-ERR Client names cannot contain spaces, newlines or special characters.\r\n");
    const char *r = KV_CMD(h, "HELLO", "2", "SETNAME", "me");
    assert_non_null(
        strstr(r, "*14\r\n$6\r\nserver\r\n$5\r\nredis\r\n$7\r\nversion\r\n$6\r\n7.0.15\r\n"));
    assert_non_null(strstr(r, "$5\r\nproto\r\n:2\r\n$2\r\nid\r\n:"));
    assert_non_null(strstr(r, "$4\r\nmode\r\n$10\r\nstandalone\r\n$4\r\nrole\r\n$6\r\nmaster\r\n$"
                              "7\r\nmodules\r\n*0\r\n"));
}

static void test_client_name_limit(void **state) {
    (void)state;
    char name[80];
    memset(name, 'n', sizeof name - 1);
    name[sizeof name - 1] = '\0';
    assert_string_equal(KV_CMD(h, "HELLO", "2", "SETNAME", name),
                        "-ERR client name exceeds client_name_size_max (64 bytes)\r\n");
}

static void test_config(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "CONFIG", "GET", "keys_max"),
                        "*2\r\n$8\r\nkeys_max\r\n$2\r\n64\r\n");
    assert_string_equal(KV_CMD(h, "CONFIG", "GET", "maxclients"),
                        "*2\r\n$10\r\nmaxclients\r\n$1\r\n4\r\n");
    assert_string_equal(KV_CMD(h, "CONFIG", "GET", "timeout"),
                        "*2\r\n$7\r\ntimeout\r\n$1\r\n0\r\n");
    assert_string_equal(KV_CMD(h, "CONFIG", "GET", "save", "appendonly"),
                        "*4\r\n$4\r\nsave\r\n$0\r\n\r\n$10\r\nappendonly\r\n$2\r\nno\r\n");
    assert_string_equal(KV_CMD(h, "CONFIG", "GET", "KEY?_MAX"),
                        "*2\r\n$8\r\nkeys_max\r\n$2\r\n64\r\n");
    assert_string_equal(KV_CMD(h, "CONFIG", "GET", "nothing*"), "*0\r\n");
    assert_string_equal(
        KV_CMD(h, "CONFIG", "SET", "keys_max", "5"),
        "-ERR CONFIG SET failed (possibly related to argument 'keys_max') - can't set "
        "immutable config\r\n");
    assert_string_equal(KV_CMD(h, "CONFIG", "SET", "nope", "5"),
                        "-ERR Unknown option or number of arguments for CONFIG SET - 'nope'\r\n");
    assert_string_equal(KV_CMD(h, "CONFIG", "SET", "keys_max", "5", "x"), "-ERR syntax error\r\n");
    assert_string_equal(KV_CMD(h, "CONFIG"),
                        "-ERR wrong number of arguments for 'config' command\r\n");
    assert_string_equal(KV_CMD(h, "CONFIG", "GET"),
                        "-ERR wrong number of arguments for 'config|get' command\r\n");
    assert_string_equal(KV_CMD(h, "CONFIG", "FOO"),
                        "-ERR unknown subcommand 'FOO'. Try CONFIG HELP.\r\n");
}

static void test_every_option_is_visible_in_config_and_info(void **state) {
    (void)state;
    const char *info = KV_CMD(h, "INFO", "limits");
    char *info_copy = strdup(info);
    for (size_t i = 0; i < kv_option_count; i++) {
        const kv_option *o = &kv_options[i];
        const char *r = KV_CMD(h, "CONFIG", "GET", o->name);
        char head[96];
        snprintf(head, sizeof head, "*2\r\n$%zu\r\n%s\r\n", strlen(o->name), o->name);
        if (strncmp(r, head, strlen(head)) != 0) fail_msg("CONFIG GET %s: %s", o->name, r);
        if (strcmp(o->name, "requirepass") == 0) continue; /* INFO never shows it */
        char field[96];
        snprintf(field, sizeof field, "\r\n%s:", o->name);
        assert_non_null(strstr(info_copy, field));
    }
    free(info_copy);
}

static void test_command_and_docs(void **state) {
    (void)state;
    const char *count = KV_CMD(h, "COMMAND", "COUNT");
    assert_int_equal(count[0], ':');
    assert_true(atoi(count + 1) >= 30);
    assert_string_equal(KV_CMD(h, "COMMAND", "INFO", "nosuch"), "*1\r\n$-1\r\n");
    /* COMMAND INFO's full bytes: test_kv_command_info.c. */
    const char *info = KV_CMD(h, "COMMAND", "INFO", "get");
    assert_memory_equal(info, "*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n",
                        strlen("*1\r\n*10\r\n$3\r\nget\r\n:2\r\n*2\r\n+readonly\r\n+fast\r\n"));
    assert_string_equal(
        KV_CMD(h, "COMMAND", "DOCS", "echo"),
        "*2\r\n$4\r\necho\r\n*10\r\n$7\r\nsummary\r\n$21\r\nEcho the given "
        "string\r\n$5\r\nsince\r\n$5\r\n1.0.0\r\n$5\r\ngroup\r\n$10\r\nconnection"
        "\r\n$10\r\ncomplexity\r\n$4\r\nO(1)\r\n$9\r\narguments\r\n*1\r\n*4\r\n$4\r\n"
        "name\r\n$7\r\nmessage\r\n$4\r\ntype\r\n$6\r\nstring\r\n");
    const char *docs = KV_CMD(h, "COMMAND", "DOCS");
    assert_non_null(strstr(docs, "$6\r\nconfig\r\n"));
    assert_non_null(strstr(docs, "$11\r\nsubcommands\r\n"));
}

static void test_info_fields(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "a", "1"), "+OK\r\n");
    const char *r = KV_CMD(h, "INFO");
    assert_int_equal(r[0], '$');
    assert_non_null(strstr(r, "# Server\r\nredis_version:7.0.15\r\n"));
    assert_non_null(strstr(r, "\r\n\r\n# Clients\r\n"));
    assert_non_null(strstr(r, "# Memory\r\n"));
    assert_non_null(strstr(r, "chunks_used:2\r\n")); /* key "a" and value "1": a chunk each */
    assert_non_null(strstr(r, "# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n"));
    const char *only = KV_CMD(h, "INFO", "keyspace");
    assert_string_equal(only, "$44\r\n# Keyspace\r\ndb0:keys=1,expires=0,avg_ttl=0\r\n\r\n");
}

static void test_time(void **state) {
    (void)state;
    kv_harness_set_time(h, 1700000000123);
    assert_string_equal(KV_CMD(h, "TIME"), "*2\r\n$10\r\n1700000000\r\n$6\r\n123000\r\n");
}

int main(void) {
#define T(fn) cmocka_unit_test_setup_teardown(fn, open_harness, close_harness)
#define P(fn) cmocka_unit_test_setup_teardown(fn, open_with_password, close_harness)
    const struct CMUnitTest tests[] = {
        T(test_ping_echo_select_dbsize),
        T(test_unknown_commands_and_arity),
        T(test_http_words_close_without_reply),
        T(test_quit_replies_then_closes),
        T(test_auth_without_password),
        P(test_requirepass_and_noauth),
        P(test_auth_then_commands),
        T(test_hello),
        T(test_client_name_limit),
        T(test_config),
        T(test_every_option_is_visible_in_config_and_info),
        T(test_command_and_docs),
        T(test_info_fields),
        T(test_time),
    };
#undef T
#undef P
    return cmocka_run_group_tests(tests, NULL, NULL);
}
