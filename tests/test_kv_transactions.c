/* MULTI, EXEC, DISCARD, WATCH, UNWATCH through the parser and the engine, with the bytes
 * Redis 7.0.15 answers (each sequence checked against a real redis-server, two clients
 * where a second connection writes), and the transaction limits: transaction_commands_max,
 * transaction_bytes_max, watched_keys_max, and EXEC's reply within reply_size_max. */
#include "test_support.h"

#include "kv_harness.h"

KV_HARNESS_FIXTURES

#define T0 ((int64_t)1700000000000)

/* Session 1 (another connection) runs one command, then session 0 is current again. */
static const char *other(size_t argc, const char *const *argv) {
    kv_harness_use_session(h, 1);
    const char *r = kv_harness_command(h, argc, argv);
    kv_harness_use_session(h, 0);
    return r;
}
#define OTHER(...)                                                                                 \
    other(sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *),                       \
          (const char *const[]){__VA_ARGS__})

/* MULTI; PING; EXEC in session 0: "*1 +PONG" if the transaction ran, "*-1" if a watched
 * key changed. */
static const char *multi_ping_exec(void) {
    assert_string_equal(KV_CMD(h, "MULTI"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "PING"), "+QUEUED\r\n");
    return KV_CMD(h, "EXEC");
}
#define RAN     "*1\r\n+PONG\r\n"
#define ABORTED "*-1\r\n"

static void test_multi_exec_discard(void **state) {
    (void)state;
    assert_string_equal(kv_harness_send(h, "MULTI\r\nSET a 1\r\nINCR a\r\nRPUSH l x y\r\n"
                                           "LRANGE l 0 -1\r\nEXEC\r\n"),
                        "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n"
                        "*4\r\n+OK\r\n:2\r\n:2\r\n*2\r\n$1\r\nx\r\n$1\r\ny\r\n");
    assert_string_equal(kv_harness_send(h, "MULTI\r\nEXEC\r\n"), "+OK\r\n*0\r\n");
    assert_string_equal(kv_harness_send(h, "MULTI\r\nSET d 1\r\nDISCARD\r\nGET d\r\n"),
                        "+OK\r\n+QUEUED\r\n+OK\r\n$-1\r\n");
    assert_string_equal(KV_CMD(h, "EXEC"), "-ERR EXEC without MULTI\r\n");
    assert_string_equal(KV_CMD(h, "DISCARD"), "-ERR DISCARD without MULTI\r\n");
    /* Nested MULTI and WATCH inside MULTI answer errors but do not flag the transaction;
     * UNWATCH is queued. */
    assert_string_equal(kv_harness_send(h, "MULTI\r\nMULTI\r\nWATCH x\r\nUNWATCH\r\nGET a\r\n"
                                           "EXEC\r\n"),
                        "+OK\r\n-ERR MULTI calls can not be nested\r\n"
                        "-ERR WATCH inside MULTI is not allowed\r\n+QUEUED\r\n+QUEUED\r\n"
                        "*2\r\n+OK\r\n$1\r\n2\r\n");
    /* Errors at run time are elements of EXEC's reply; the other commands still run. */
    assert_string_equal(kv_harness_send(h, "MULTI\r\nSET s str\r\nLPUSH s x\r\nINCR s\r\n"
                                           "SET t 1\r\nEXEC\r\n"),
                        "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*4\r\n+OK\r\n"
                        "-WRONGTYPE Operation against a key holding the wrong kind of value\r\n"
                        "-ERR value is not an integer or out of range\r\n+OK\r\n");
    assert_string_equal(KV_CMD(h, "GET", "t"), "$1\r\n1\r\n");
}

static void test_queueing_errors_abort(void **state) {
    (void)state;
    assert_string_equal(kv_harness_send(h, "MULTI\r\nSET a 1\r\nNOSUCH x\r\nEXEC\r\nGET a\r\n"),
                        "+OK\r\n+QUEUED\r\n"
                        "-ERR unknown command 'NOSUCH', with args beginning with: 'x' \r\n"
                        "-EXECABORT Transaction discarded because of previous errors.\r\n"
                        "$-1\r\n");
    assert_string_equal(kv_harness_send(h, "MULTI\r\nSET a\r\nSET a 1\r\nEXEC\r\n"),
                        "+OK\r\n-ERR wrong number of arguments for 'set' command\r\n+QUEUED\r\n"
                        "-EXECABORT Transaction discarded because of previous errors.\r\n");
    assert_string_equal(kv_harness_send(h, "MULTI\r\nCONFIG NOPE\r\nDISCARD x\r\nEXEC\r\n"),
                        "+OK\r\n-ERR unknown subcommand 'NOPE'. Try CONFIG HELP.\r\n"
                        "-ERR wrong number of arguments for 'discard' command\r\n"
                        "-EXECABORT Transaction discarded because of previous errors.\r\n");
    /* A refused EXEC aborts, inside MULTI or not (Redis's execCommandAbort). */
    const char *exec_arity = "-EXECABORT Transaction discarded because of: wrong number of "
                             "arguments for 'exec' command\r\n";
    assert_string_equal(kv_harness_send(h, "MULTI\r\nSET a 1\r\nEXEC x\r\nEXEC\r\nGET a\r\n"),
                        "+OK\r\n+QUEUED\r\n"
                        "-EXECABORT Transaction discarded because of: wrong number of "
                        "arguments for 'exec' command\r\n"
                        "-ERR EXEC without MULTI\r\n$-1\r\n");
    assert_string_equal(KV_CMD(h, "EXEC", "x"), exec_arity);
    assert_string_equal(KV_CMD(h, "MULTI", "x"),
                        "-ERR wrong number of arguments for 'multi' command\r\n");
    assert_string_equal(KV_CMD(h, "WATCH"), "-ERR wrong number of arguments for 'watch' command\r\n");
    assert_string_equal(KV_CMD(h, "UNWATCH", "x"),
                        "-ERR wrong number of arguments for 'unwatch' command\r\n");
}

static void test_watch_sees_other_connections_writes(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "SET", "k", "1"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "WATCH", "k"), "+OK\r\n");
    assert_string_equal(OTHER("SET", "k", "2"), "+OK\r\n");
    assert_string_equal(kv_harness_send(h, "MULTI\r\nINCR k\r\nEXEC\r\nGET k\r\n"),
                        "+OK\r\n+QUEUED\r\n*-1\r\n$1\r\n2\r\n");
    /* Reads do not count; the watch ends with EXEC. */
    assert_string_equal(KV_CMD(h, "WATCH", "k"), "+OK\r\n");
    assert_string_equal(OTHER("GET", "k"), "$1\r\n2\r\n");
    assert_string_equal(kv_harness_send(h, "MULTI\r\nINCR k\r\nEXEC\r\n"),
                        "+OK\r\n+QUEUED\r\n*1\r\n:3\r\n");
    assert_string_equal(OTHER("SET", "k", "9"), "+OK\r\n");
    assert_string_equal(multi_ping_exec(), RAN);
    /* An absent key, created by the other. */
    assert_string_equal(KV_CMD(h, "WATCH", "nokey"), "+OK\r\n");
    assert_string_equal(OTHER("SET", "nokey", "x"), "+OK\r\n");
    assert_string_equal(multi_ping_exec(), ABORTED);
    /* The watcher's own writes count too. */
    assert_string_equal(KV_CMD(h, "WATCH", "k"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "SET", "k", "5"), "+OK\r\n");
    assert_string_equal(multi_ping_exec(), ABORTED);
    /* UNWATCH forgets a change already seen; DISCARD unwatches. */
    assert_string_equal(KV_CMD(h, "WATCH", "k"), "+OK\r\n");
    assert_string_equal(OTHER("SET", "k", "6"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "UNWATCH"), "+OK\r\n");
    assert_string_equal(multi_ping_exec(), RAN);
    assert_string_equal(KV_CMD(h, "WATCH", "k"), "+OK\r\n");
    assert_string_equal(kv_harness_send(h, "MULTI\r\nDISCARD\r\n"), "+OK\r\n+OK\r\n");
    assert_string_equal(OTHER("SET", "k", "7"), "+OK\r\n");
    assert_string_equal(multi_ping_exec(), RAN);
    /* A changed watch and a queueing error: EXECABORT wins. */
    assert_string_equal(KV_CMD(h, "WATCH", "k"), "+OK\r\n");
    assert_string_equal(OTHER("SET", "k", "8"), "+OK\r\n");
    assert_string_equal(kv_harness_send(h, "MULTI\r\nNOSUCH\r\nEXEC\r\n"),
                        "+OK\r\n-ERR unknown command 'NOSUCH', with args beginning with: \r\n"
                        "-EXECABORT Transaction discarded because of previous errors.\r\n");
    /* WATCH once a watched key changed is OK and changes nothing. */
    assert_string_equal(KV_CMD(h, "WATCH", "k"), "+OK\r\n");
    assert_string_equal(OTHER("SET", "k", "9"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "WATCH", "zz"), "+OK\r\n");
    assert_string_equal(multi_ping_exec(), ABORTED);
}

/* Each write that Redis signals as a modification aborts the watcher; a command that
 * changes nothing does not. Also that a write to an unwatched key does not. */
static void expect_after_other(const char *key, size_t argc, const char *const *argv,
                               const char *outcome) {
    assert_string_equal(KV_CMD(h, "WATCH", key), "+OK\r\n");
    other(argc, argv);
    const char *r = multi_ping_exec();
    if (strcmp(r, outcome) != 0) fprintf(stderr, "after %s on %s\n", argv[0], key);
    assert_string_equal(r, outcome);
}
#define AFTER(key, outcome, ...)                                                                   \
    expect_after_other(key, sizeof((const char *const[]){__VA_ARGS__}) / sizeof(const char *),     \
                       (const char *const[]){__VA_ARGS__}, outcome)

static void test_watch_each_kind_of_write(void **state) {
    (void)state;
    assert_string_equal(kv_harness_send(h, "SET w 1\r\nSET r1 1\r\nRPUSH src a b\r\n"
                                           "RPUSH lt a b\r\nSET ap x\r\nSET e 1\r\n"),
                        "+OK\r\n+OK\r\n:2\r\n:2\r\n+OK\r\n+OK\r\n");
    AFTER("w", RAN, "SET", "other", "1");
    AFTER("m", RAN, "DEL", "m");
    AFTER("r2", ABORTED, "RENAME", "r1", "r2");
    AFTER("r2", ABORTED, "RENAME", "r2", "r3");
    AFTER("dst", ABORTED, "LMOVE", "src", "dst", "LEFT", "RIGHT");
    AFTER("src", ABORTED, "RPOPLPUSH", "src", "src");
    AFTER("lt", ABORTED, "LTRIM", "lt", "0", "-1"); /* keeps every element: still a write */
    AFTER("ap", ABORTED, "APPEND", "ap", "");       /* appends nothing: still a write */
    AFTER("ap", RAN, "SETRANGE", "ap", "0", "");    /* Redis: no write */
    /* SETBIT writes only when it creates, grows or flips a bit ("x" is 0111 1000). */
    AFTER("ap", RAN, "SETBIT", "ap", "0", "0");
    AFTER("ap", RAN, "SETBIT", "ap", "1", "1");
    AFTER("ap", ABORTED, "SETBIT", "ap", "0", "1");
    AFTER("ap", ABORTED, "SETBIT", "ap", "100", "0");
    AFTER("bits", ABORTED, "SETBIT", "bits", "0", "0");
    AFTER("e", ABORTED, "EXPIRE", "e", "100");
    AFTER("e", ABORTED, "PERSIST", "e");
    AFTER("e", RAN, "PERSIST", "e"); /* no TTL to remove */
    AFTER("absent", RAN, "FLUSHALL"); /* only watchers of keys that existed */
    assert_string_equal(KV_CMD(h, "SET", "e", "1"), "+OK\r\n");
    AFTER("e", ABORTED, "FLUSHDB");
    AFTER("e", RAN, "FLUSHALL"); /* e is gone: nothing of it to flush */
}

static void test_watch_and_expiry(void **state) {
    (void)state;
    kv_harness_set_time(h, T0);
    /* Past the expiry it had when watched, the key counts as changed. */
    assert_string_equal(KV_CMD(h, "SET", "ex", "1", "PX", "50"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "WATCH", "ex"), "+OK\r\n");
    kv_harness_set_time(h, T0 + 100);
    assert_string_equal(multi_ping_exec(), ABORTED);
    /* Already expired when watched: as absent; created again, it changed. */
    assert_string_equal(KV_CMD(h, "SET", "ex2", "1", "PX", "20"), "+OK\r\n");
    kv_harness_set_time(h, T0 + 150);
    assert_string_equal(KV_CMD(h, "WATCH", "ex2"), "+OK\r\n");
    assert_string_equal(multi_ping_exec(), RAN);
    assert_string_equal(KV_CMD(h, "SET", "ex3", "1", "PX", "20"), "+OK\r\n");
    kv_harness_set_time(h, T0 + 200);
    assert_string_equal(KV_CMD(h, "WATCH", "ex3"), "+OK\r\n");
    assert_string_equal(OTHER("SET", "ex3", "v"), "+OK\r\n");
    assert_string_equal(multi_ping_exec(), ABORTED);
    /* Active expiry deleting a watched key is a change too. */
    assert_string_equal(KV_CMD(h, "SET", "ex4", "1", "PX", "10"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "WATCH", "ex4"), "+OK\r\n");
    /* ex (never looked up since) and ex4 */
    assert_int_equal(kv_engine_expire_cycle(kv_harness_engine(h), T0 + 300, 10), 2);
    assert_string_equal(multi_ping_exec(), ABORTED);
}

/* A closed connection's watches go with it, and its transaction. */
static void test_close_drops_watches(void **state) {
    (void)state;
    kv_engine *e = kv_harness_engine(h);
    assert_string_equal(kv_harness_send(h, "WATCH a b c\r\nMULTI\r\nSET a 1\r\n"),
                        "+OK\r\n+OK\r\n+QUEUED\r\n");
    assert_int_equal(e->txns.watched_total, 3);
    kv_harness_close_session(h);
    assert_int_equal(e->txns.watched_total, 0);
    assert_true(kv_engine_invariants_hold(e));
    assert_string_equal(KV_CMD(h, "EXEC"), "-ERR EXEC without MULTI\r\n");
    assert_string_equal(KV_CMD(h, "GET", "a"), "$-1\r\n");
}

/* ---- limits ---- */

static void small_transactions(kv_config *c) {
    c->transaction_commands_max = 3;
    c->transaction_bytes_max = 64;
    c->watched_keys_max = 2;
}

static int open_small(void **state) {
    (void)state;
    h = kv_harness_open_tweaked(small_transactions);
    return 0;
}

static void test_transaction_commands_max(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "CONFIG", "GET", "transaction_commands_max"),
                        "*2\r\n$24\r\ntransaction_commands_max\r\n$1\r\n3\r\n");
    assert_string_equal(kv_harness_send(h, "MULTI\r\nINCR a\r\nINCR a\r\nINCR a\r\nEXEC\r\n"),
                        "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n*3\r\n:1\r\n:2\r\n:3\r\n");
    /* The fourth is refused and discards the transaction at EXEC; once refused, commands
     * are answered QUEUED and not stored. */
    assert_string_equal(
        kv_harness_send(h, "MULTI\r\nINCR a\r\nINCR a\r\nINCR a\r\nINCR a\r\nINCR a\r\nEXEC\r\n"),
        "+OK\r\n+QUEUED\r\n+QUEUED\r\n+QUEUED\r\n"
        "-ERR transaction exceeds transaction_commands_max (3 commands)\r\n+QUEUED\r\n"
        "-EXECABORT Transaction discarded because of previous errors.\r\n");
    assert_string_equal(KV_CMD(h, "GET", "a"), "$1\r\n3\r\n");
    assert_true(kv_engine_invariants_hold(kv_harness_engine(h)));
}

static void test_transaction_bytes_max(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "CONFIG", "GET", "transaction_bytes_max"),
                        "*2\r\n$21\r\ntransaction_bytes_max\r\n$2\r\n64\r\n");
    /* "SET k v" is 27 request bytes (*3, $3 SET, $1 k, $1 v): two fit in 64, three do not. */
    assert_string_equal(kv_harness_send(h, "MULTI\r\nSET k v\r\nSET k w\r\nSET k x\r\nEXEC\r\n"
                                           "GET k\r\n"),
                        "+OK\r\n+QUEUED\r\n+QUEUED\r\n"
                        "-ERR transaction exceeds transaction_bytes_max (64 bytes)\r\n"
                        "-EXECABORT Transaction discarded because of previous errors.\r\n"
                        "$-1\r\n");
    assert_string_equal(kv_harness_send(h, "MULTI\r\nSET k v\r\nSET k w\r\nEXEC\r\n"),
                        "+OK\r\n+QUEUED\r\n+QUEUED\r\n*2\r\n+OK\r\n+OK\r\n");
}

static void test_watched_keys_max(void **state) {
    (void)state;
    assert_string_equal(KV_CMD(h, "CONFIG", "GET", "watched_keys_max"),
                        "*2\r\n$16\r\nwatched_keys_max\r\n$1\r\n2\r\n");
    const char *breach = "-ERR WATCH exceeds watched_keys_max (2 keys)\r\n";
    /* A key watched twice counts once. */
    assert_string_equal(KV_CMD(h, "WATCH", "a", "b", "a"), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "WATCH", "b"), "+OK\r\n");
    /* All or nothing: c is not watched, a and b still are; the next EXEC aborts. */
    assert_string_equal(KV_CMD(h, "WATCH", "c"), breach);
    assert_int_equal(kv_harness_engine(h)->txns.watched_total, 2);
    assert_string_equal(kv_harness_send(h, "MULTI\r\nSET c 1\r\nEXEC\r\nGET c\r\n"),
                        "+OK\r\n+QUEUED\r\n"
                        "-EXECABORT Transaction discarded because of previous errors.\r\n"
                        "$-1\r\n");
    assert_int_equal(kv_harness_engine(h)->txns.watched_total, 0);
    /* UNWATCH after a refused WATCH: the client knows, the transaction may run. */
    assert_string_equal(KV_CMD(h, "WATCH", "a", "b", "c"), breach);
    assert_int_equal(kv_harness_engine(h)->txns.watched_total, 0);
    assert_string_equal(KV_CMD(h, "UNWATCH"), "+OK\r\n");
    assert_string_equal(multi_ping_exec(), RAN);
    assert_true(kv_engine_invariants_hold(kv_harness_engine(h)));
}

/* EXEC's reply is one reply within reply_size_max (1024 here): a transaction keeps 64
 * bytes per command, so it holds at most (1024 - 16) / 64 = 15; and a command whose reply
 * would not fit in what is left answers the limit's error in its place. */
static void small_replies(kv_config *c) {
    c->reply_size_max = 1024;
    c->transaction_commands_max = 100;
}

static int open_small_replies(void **state) {
    (void)state;
    h = kv_harness_open_tweaked(small_replies);
    return 0;
}

static void test_exec_reply_within_reply_size_max(void **state) {
    (void)state;
    char value[201];
    memset(value, 'v', 200);
    value[200] = '\0';
    assert_string_equal(KV_CMD(h, "SET", "big", value), "+OK\r\n");
    assert_string_equal(KV_CMD(h, "MULTI"), "+OK\r\n");
    for (int i = 0; i < 15; i++)
        assert_string_equal(KV_CMD(h, "GET", "big"), "+QUEUED\r\n");
    assert_string_equal(KV_CMD(h, "INCR", "n"),
                        "-ERR transaction exceeds reply_size_max (1024 bytes)\r\n");
    assert_string_equal(KV_CMD(h, "DISCARD"), "+OK\r\n");
    /* Six commands: a header of 4 bytes, each GET's reply is 208 bytes, and 64 are kept for
     * each command after the one running. The fourth GET has 1024 - 4 - 3 x 208 - 2 x 64 =
     * 268 bytes (fits), the fifth 1024 - 4 - 4 x 208 - 64 = 124 (does not: the limit's
     * error), and INCR, queued last, still runs. */
    assert_string_equal(KV_CMD(h, "MULTI"), "+OK\r\n");
    for (int i = 0; i < 5; i++)
        assert_string_equal(KV_CMD(h, "GET", "big"), "+QUEUED\r\n");
    assert_string_equal(KV_CMD(h, "INCR", "n"), "+QUEUED\r\n");
    char expected[2048];
    size_t at = (size_t)snprintf(expected, sizeof expected, "*6\r\n");
    for (int i = 0; i < 4; i++)
        at += (size_t)snprintf(expected + at, sizeof expected - at, "$200\r\n%s\r\n", value);
    at += (size_t)snprintf(expected + at, sizeof expected - at,
                           "-ERR reply exceeds reply_size_max (1024 bytes)\r\n");
    snprintf(expected + at, sizeof expected - at, ":1\r\n");
    assert_string_equal(KV_CMD(h, "EXEC"), expected);
}

/* EXEC asks for reply_size_max of room before it runs anything, and gives the same reply
 * once it has it. */
static void test_exec_asks_for_room_first(void **state) {
    (void)state;
    kv_harness_set_room(h, KV_REPLY_ROOM_MIN_BYTES);
    assert_string_equal(kv_harness_send(h, "MULTI\r\nINCR a\r\nINCR a\r\n"),
                        "+OK\r\n+QUEUED\r\n+QUEUED\r\n");
    uint64_t retries = kv_harness_room_retries(h);
    assert_string_equal(KV_CMD(h, "EXEC"), "*2\r\n:1\r\n:2\r\n");
    assert_int_equal(kv_harness_room_retries(h), retries + 1);
    assert_string_equal(KV_CMD(h, "GET", "a"), "$1\r\n2\r\n");
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_multi_exec_discard, open_harness, close_harness),
        cmocka_unit_test_setup_teardown(test_queueing_errors_abort, open_harness, close_harness),
        cmocka_unit_test_setup_teardown(test_watch_sees_other_connections_writes, open_harness,
                                        close_harness),
        cmocka_unit_test_setup_teardown(test_watch_each_kind_of_write, open_harness,
                                        close_harness),
        cmocka_unit_test_setup_teardown(test_watch_and_expiry, open_harness, close_harness),
        cmocka_unit_test_setup_teardown(test_close_drops_watches, open_harness, close_harness),
        cmocka_unit_test_setup_teardown(test_transaction_commands_max, open_small, close_harness),
        cmocka_unit_test_setup_teardown(test_transaction_bytes_max, open_small, close_harness),
        cmocka_unit_test_setup_teardown(test_watched_keys_max, open_small, close_harness),
        cmocka_unit_test_setup_teardown(test_exec_reply_within_reply_size_max,
                                        open_small_replies, close_harness),
        cmocka_unit_test_setup_teardown(test_exec_asks_for_room_first, open_harness,
                                        close_harness),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
