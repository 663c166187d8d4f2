/* The real server through hiredis, a real client library: each command family with exact
 * reply types and values, pipelining (replies in order), AUTH with Redis's texts, a value
 * that needs a large buffer both ways, and the limit's error for one byte over. */
#include "test_support.h"

#include <signal.h>
#include <stdarg.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "server_harness.h"

/* Connecting and every read are bounded (SERVER_WAIT_MS): a server that stops answering
 * fails the test in seconds with hiredis's "Resource temporarily unavailable". */
static redisContext *connect_to(int port) {
    const struct timeval wait = {.tv_sec = SERVER_WAIT_MS / 1000};
    redisContext *c = redisConnectWithTimeout("127.0.0.1", port, wait);
    assert_non_null(c);
    if (c->err) fail_msg("redisConnect: %s", c->errstr);
    assert_int_equal(redisSetTimeout(c, wait), REDIS_OK);
    return c;
}

/* Runs a command and returns its reply (freed by the caller); fails on a transport error. */
static redisReply *run(redisContext *c, const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    redisReply *r = redisvCommand(c, format, ap);
    va_end(ap);
    if (r == NULL) fail_msg("transport error: %s", c->errstr);
    return r;
}

static void want_status(redisContext *c, const char *status, const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    redisReply *r = redisvCommand(c, format, ap);
    va_end(ap);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_STATUS);
    assert_string_equal(r->str, status);
    freeReplyObject(r);
}

static void want_int(redisContext *c, long long want, const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    redisReply *r = redisvCommand(c, format, ap);
    va_end(ap);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    assert_int_equal(r->integer, want);
    freeReplyObject(r);
}

static void want_string(redisContext *c, const char *want, const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    redisReply *r = redisvCommand(c, format, ap);
    va_end(ap);
    assert_non_null(r);
    if (want == NULL) {
        assert_int_equal(r->type, REDIS_REPLY_NIL);
    } else {
        assert_int_equal(r->type, REDIS_REPLY_STRING);
        assert_int_equal(r->len, strlen(want));
        assert_memory_equal(r->str, want, r->len);
    }
    freeReplyObject(r);
}

static void want_error(redisContext *c, const char *want, const char *format, ...) {
    va_list ap;
    va_start(ap, format);
    redisReply *r = redisvCommand(c, format, ap);
    va_end(ap);
    assert_non_null(r);
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    assert_string_equal(r->str, want);
    freeReplyObject(r);
}

/* ---- each family ---- */

static void test_strings(void **state) {
    (void)state;
    server_proc s;
    server_start(&s, NULL);
    redisContext *c = connect_to(s.port);
    want_status(c, "OK", "SET %s %b", "bin", "a\0b\r\n", (size_t)5);
    want_string(c, NULL, "GET %s", "missing");
    redisReply *r = run(c, "GET bin");
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_int_equal(r->len, 5);
    assert_memory_equal(r->str, "a\0b\r\n", 5);
    freeReplyObject(r);
    want_int(c, 11, "INCRBY n %d", 11);
    want_int(c, 10, "DECR n");
    want_int(c, 7, "APPEND n %s", "abcde");
    want_error(c, "ERR value is not an integer or out of range", "INCR n");
    want_status(c, "OK", "MSET a 1 b 2");
    r = run(c, "MGET a nope b");
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 3);
    assert_string_equal(r->element[0]->str, "1");
    assert_int_equal(r->element[1]->type, REDIS_REPLY_NIL);
    assert_string_equal(r->element[2]->str, "2");
    freeReplyObject(r);
    want_error(c, "ERR wrong number of arguments for 'get' command", "GET");
    redisFree(c);
    server_stop(&s);
}

static void test_keys_and_expiry(void **state) {
    (void)state;
    server_proc s;
    server_start(&s, NULL);
    redisContext *c = connect_to(s.port);
    want_status(c, "OK", "MSET k1 a k2 b other c");
    want_int(c, 2, "EXISTS k1 k2 nope");
    want_status(c, "string", "TYPE k1");
    want_int(c, 1, "EXPIRE k1 100");
    redisReply *r = run(c, "TTL k1");
    assert_int_equal(r->type, REDIS_REPLY_INTEGER);
    assert_true(r->integer >= 99 && r->integer <= 100);
    freeReplyObject(r);
    want_int(c, -1, "TTL k2");
    want_int(c, -2, "TTL nope");
    want_status(c, "OK", "RENAME k2 k3");
    want_error(c, "ERR no such key", "RENAME k2 k4");
    r = run(c, "KEYS k*");
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 2); /* k1, k3: any order */
    bool seen1 = false;
    bool seen3 = false;
    for (size_t i = 0; i < r->elements; i++) {
        seen1 = seen1 || strcmp(r->element[i]->str, "k1") == 0;
        seen3 = seen3 || strcmp(r->element[i]->str, "k3") == 0;
    }
    assert_true(seen1 && seen3);
    freeReplyObject(r);
    want_int(c, 2, "DEL k1 k3 nope");
    want_int(c, 1, "DBSIZE");
    redisFree(c);
    server_stop(&s);
}

static void test_lists(void **state) {
    (void)state;
    server_proc s;
    server_start(&s, NULL);
    redisContext *c = connect_to(s.port);
    want_int(c, 3, "RPUSH l a b c");
    want_int(c, 4, "LPUSH l z");
    redisReply *r = run(c, "LRANGE l 0 -1");
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 4);
    const char *want[] = {"z", "a", "b", "c"};
    for (size_t i = 0; i < 4; i++)
        assert_string_equal(r->element[i]->str, want[i]);
    freeReplyObject(r);
    want_string(c, "z", "LPOP l");
    want_string(c, "c", "RPOP l");
    want_int(c, 2, "LLEN l");
    want_status(c, "OK", "SET s v");
    want_error(c, "WRONGTYPE Operation against a key holding the wrong kind of value", "LPUSH s x");
    redisFree(c);
    server_stop(&s);
}

static void test_server_commands(void **state) {
    (void)state;
    server_proc s;
    server_start(&s, NULL);
    redisContext *c = connect_to(s.port);
    want_status(c, "PONG", "PING");
    want_string(c, "hi", "ECHO hi");
    want_status(c, "OK", "SELECT 0");
    want_error(c, "ERR DB index is out of range", "SELECT 1");
    redisReply *r = run(c, "CONFIG GET timeout");
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 2);
    assert_string_equal(r->element[0]->str, "timeout");
    assert_string_equal(r->element[1]->str, "0");
    freeReplyObject(r);
    r = run(c, "INFO memory");
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_non_null(strstr(r->str, "# Memory\r\n"));
    assert_non_null(strstr(r->str, "allocation_calls_after_seal:0\r\n"));
    freeReplyObject(r);
    want_status(c, "OK", "FLUSHALL");
    want_int(c, 0, "DBSIZE");
    redisFree(c);
    server_stop(&s);
}

/* ---- pipelining ---- */

static void test_pipelined_replies_in_order(void **state) {
    (void)state;
    server_proc s;
    server_start(&s, NULL);
    redisContext *c = connect_to(s.port);
    enum { N = 2000 };
    for (int i = 0; i < N; i++) {
        assert_int_equal(redisAppendCommand(c, "SET key:%d value:%d", i, i), REDIS_OK);
        assert_int_equal(redisAppendCommand(c, "GET key:%d", i), REDIS_OK);
    }
    char want[32];
    for (int i = 0; i < N; i++) {
        redisReply *r = NULL;
        assert_int_equal(redisGetReply(c, (void **)&r), REDIS_OK);
        assert_int_equal(r->type, REDIS_REPLY_STATUS);
        freeReplyObject(r);
        assert_int_equal(redisGetReply(c, (void **)&r), REDIS_OK);
        snprintf(want, sizeof want, "value:%d", i);
        assert_int_equal(r->type, REDIS_REPLY_STRING);
        assert_string_equal(r->str, want);
        freeReplyObject(r);
    }
    want_int(c, N, "DBSIZE");
    redisFree(c);
    server_stop(&s);
}

/* ---- AUTH ---- */

static void test_auth_texts(void **state) {
    (void)state;
    server_proc s;
    const char *args[] = {"--requirepass=s3cret", NULL};
    server_start(&s, args);
    redisContext *c = connect_to(s.port);
    want_error(c, "NOAUTH Authentication required.", "GET k");
    want_error(c, "WRONGPASS invalid username-password pair or user is disabled.", "AUTH nope");
    want_error(c, "NOAUTH Authentication required.", "SET k v");
    want_status(c, "OK", "AUTH s3cret");
    want_status(c, "OK", "SET k v");
    want_string(c, "v", "GET k");
    redisFree(c);
    server_stop(&s);
}

/* ---- values that need a large buffer ---- */

static void test_large_value_both_ways(void **state) {
    (void)state;
    server_proc s;
    /* bulk_size_max above value_size_max: one byte over is then the data limit's error, not
     * a protocol error (test_server_protocol covers that one). */
    const char *args[] = {"--value-size-max=1m", "--bulk-size-max=2m", NULL};
    server_start(&s, args);
    size_t n = (size_t)1 << 20;
    char *value = malloc(n + 1);
    assert_non_null(value);
    for (size_t i = 0; i < n + 1; i++)
        value[i] = (char)('a' + i % 26);
    redisContext *c = connect_to(s.port);
    want_status(c, "OK", "SET big %b", value, n); /* exactly value_size_max */
    redisReply *r = run(c, "GET big");
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_int_equal(r->len, n);
    assert_memory_equal(r->str, value, n);
    freeReplyObject(r);
    r = run(c, "SET bigger %b", value, n + 1); /* one byte more */
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    assert_string_equal(r->str, "ERR value exceeds value_size_max (1048576 bytes)");
    freeReplyObject(r);
    want_int(c, (long long)n, "STRLEN big"); /* the rejected SET changed nothing */
    want_int(c, 0, "EXISTS bigger");
    free(value);
    redisFree(c);
    server_stop(&s);
}

/* A reply of exactly reply_size_max bytes ("$1015\r\n" + 1015 bytes + "\r\n") is served,
 * one byte more is refused and changes nothing, and the server lives on. */
static void test_reply_of_exactly_reply_size_max(void **state) {
    (void)state;
    server_proc s;
    const char *args[] = {"--reply-size-max=1024", "--value-size-max=2048", NULL};
    server_start(&s, args);
    char value[1017];
    memset(value, 'r', sizeof value);
    redisContext *c = connect_to(s.port);
    want_status(c, "OK", "SET at %b", value, (size_t)1015);
    want_status(c, "OK", "SET past %b", value, (size_t)1016);
    redisReply *r = run(c, "GETDEL at");
    assert_int_equal(r->type, REDIS_REPLY_STRING);
    assert_int_equal(r->len, 1015);
    freeReplyObject(r);
    r = run(c, "GETDEL past");
    assert_int_equal(r->type, REDIS_REPLY_ERROR);
    assert_string_equal(r->str, "ERR reply exceeds reply_size_max (1024 bytes)");
    freeReplyObject(r);
    want_int(c, 0, "EXISTS at");
    want_int(c, 1016, "STRLEN past");
    redisFree(c);
    server_stop(&s);
}

/* ---- a hang fails in seconds ---- */

static int64_t monotonic_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A server that stops answering (SIGSTOP: the kernel still accepts and buffers) fails the
 * test's clients within SERVER_WAIT_MS, not at CTest's timeout: hiredis's read times out,
 * and the raw sockets of server_harness.c carry the same receive timeout. */
static void test_a_stopped_server_fails_its_clients_in_seconds(void **state) {
    (void)state;
    server_proc s;
    server_start(&s, NULL);
    redisContext *c = connect_to(s.port);
    want_status(c, "PONG", "PING");
    int raw = client_connect(s.port);
    struct timeval tv = {0};
    socklen_t tv_len = sizeof tv;
    assert_int_equal(getsockopt(raw, SOL_SOCKET, SO_RCVTIMEO, &tv, &tv_len), 0);
    assert_int_equal(tv.tv_sec * 1000 + tv.tv_usec / 1000, SERVER_WAIT_MS);
    close(raw);
    assert_int_equal(kill(s.pid, SIGSTOP), 0);
    int64_t start = monotonic_ms();
    redisReply *r = redisCommand(c, "PING");
    int64_t waited = monotonic_ms() - start;
    assert_int_equal(kill(s.pid, SIGCONT), 0);
    assert_null(r);
    assert_int_equal(c->err, REDIS_ERR_IO);
    assert_true(waited >= SERVER_WAIT_MS - 100);
    assert_true(waited < 2 * SERVER_WAIT_MS);
    redisFree(c);
    server_stop(&s);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_strings),
        cmocka_unit_test(test_keys_and_expiry),
        cmocka_unit_test(test_lists),
        cmocka_unit_test(test_server_commands),
        cmocka_unit_test(test_pipelined_replies_in_order),
        cmocka_unit_test(test_auth_texts),
        cmocka_unit_test(test_large_value_both_ways),
        cmocka_unit_test(test_reply_of_exactly_reply_size_max),
        cmocka_unit_test(test_a_stopped_server_fails_its_clients_in_seconds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
